//! Mirrors for the tests: editions packed with a test key and published into a mirror folder
//! with `tamizdat-publish mirror add`, as a publisher would.

use std::fs;
use std::path::{Path, PathBuf};

use super::{Key, Out, Rng, make_key, publisher, reader, write_file};

/// A publisher with a key, a folder of packed editions and a mirror folder.
pub struct Publisher {
    pub key: Key,
    pub dir: PathBuf,
    pub mirror: PathBuf,
}

/// A publisher whose key is `make_key(dir, "Mirror News", seed)`, with its mirror in
/// `dir/mirror`.
pub fn publisher_in(dir: &Path, seed: u8) -> Publisher {
    fs::create_dir_all(dir).unwrap();
    Publisher {
        key: make_key(dir, "Mirror News", seed),
        dir: dir.to_path_buf(),
        mirror: dir.join("mirror"),
    }
}

/// Writes an edition folder whose one image holds `noise` incompressible bytes (so bundles
/// have a size worth downloading), with a title naming its channel and number.
pub fn edition_folder(root: &Path, channel: &str, sequence: u64, noise: usize) {
    write_file(
        root,
        "index.md",
        format!("---\ntitle: {channel} edition {sequence}\nlanguage: en\n---\n\nNews of the day, number {sequence}.\n")
            .as_bytes(),
    );
    let bytes = Rng::new(sequence ^ 0x5eed).bytes(noise);
    write_file(root, "noise.bin", &bytes);
}

impl Publisher {
    /// Packs edition `sequence` of `channel` (created on day `sequence` of December 2026)
    /// and returns the bundle's path.
    pub fn pack(&self, channel: &str, sequence: u64, noise: usize) -> PathBuf {
        let folder = self.dir.join(format!("edition-{channel}-{sequence}"));
        edition_folder(&folder, channel, sequence, noise);
        let out = self
            .dir
            .join(format!("packed-{channel}-{sequence}.tar.zst"));
        publisher()
            .arg("pack")
            .arg(&folder)
            .arg("--secret-key")
            .arg(&self.key.secret_path)
            .args(["--channel", channel, "--seq", &sequence.to_string()])
            .args([
                "--time",
                &format!("2026-12-{:02}T06:00:00Z", sequence.clamp(1, 28)),
            ])
            .arg("--out")
            .arg(&out)
            .args(["--level", "1", "-q"])
            .run()
            .expect_code(0);
        out
    }

    /// `tamizdat-publish mirror add BUNDLES --to MIRROR --mirror-url URLS` at `time`.
    pub fn add(&self, bundles: &[PathBuf], urls: &[&str], time: &str) -> Out {
        let mut command = publisher()
            .args(["mirror", "add"])
            .args(bundles)
            .arg("--to")
            .arg(&self.mirror)
            .arg("--secret-key")
            .arg(&self.key.secret_path)
            .args(["--time", time]);
        for url in urls {
            command = command.args(["--mirror-url", url]);
        }
        command.run()
    }

    /// Packs editions `sequences` of `channel` and adds them; panics unless it succeeds.
    pub fn publish(
        &self,
        channel: &str,
        sequences: &[u64],
        noise: usize,
        urls: &[&str],
        time: &str,
    ) {
        let bundles: Vec<PathBuf> = sequences
            .iter()
            .map(|sequence| self.pack(channel, *sequence, noise))
            .collect();
        self.add(&bundles, urls, time).expect_code(0);
    }

    /// A reader home that trusts this publisher's key.
    pub fn trusting_home(&self, home: &Path) -> PathBuf {
        fs::create_dir_all(home).unwrap();
        reader()
            .home(home)
            .args(["trust", "add"])
            .arg(&self.key.public_path)
            .run()
            .expect_code(0);
        home.to_path_buf()
    }
}

/// `tamizdat mirror sync SOURCE DESTINATION EXTRA...` with `home` as TAMIZDAT_HOME.
pub fn sync(home: &Path, source: &str, destination: &Path, extra: &[&str]) -> Out {
    reader()
        .home(home)
        .args(["mirror", "sync", source])
        .arg(destination)
        .args(extra)
        .run()
}

/// `tamizdat mirror check MIRROR` with `home` as TAMIZDAT_HOME.
pub fn check(home: &Path, mirror: &Path) -> Out {
    reader()
        .home(home)
        .args(["mirror", "check"])
        .arg(mirror)
        .run()
}

/// A fresh key for tests that need a second publisher.
pub fn other_key(dir: &Path, seed: u8) -> Key {
    make_key(dir, "Someone Else", seed)
}
