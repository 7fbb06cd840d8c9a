//! The reader's trust store is robust: only regular files are read, one bad file is named and
//! skipped, keys are stored under their key id, and `trust remove` removes a key however many
//! files hold it and whatever they are called.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::*;

/// How long a command that reads a small trust store may take before it counts as hung.
const HANG: Duration = Duration::from_secs(30);

struct Setup {
    work: tempfile::TempDir,
    key: Key,
    bundle: PathBuf,
    home: PathBuf,
}

impl Setup {
    fn store(&self) -> PathBuf {
        self.home.join("trusted-keys")
    }

    fn run(&self, args: &[&str]) -> Out {
        reader().home(&self.home).args(args).run()
    }

    fn verify(&self) -> Out {
        reader()
            .home(&self.home)
            .args(["verify"])
            .arg(&self.bundle)
            .run()
    }

    fn pub_files(&self) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(self.store())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|name| name.ends_with(".pub"))
            .collect();
        names.sort();
        names
    }
}

/// A one-article edition signed with a seeded key, and an empty home.
fn setup(seed: u8) -> Setup {
    let work = tempfile::tempdir().unwrap();
    let edition = work.path().join("edition");
    write_file(
        &edition,
        "index.md",
        b"---\ntitle: Trust store edition\nlang: en\n---\n\n# Trust store edition\n",
    );
    write_file(&edition, "notes.txt", b"some notes\n");
    let key = make_key(work.path(), "Trusted Publisher", seed);
    let bundle = work.path().join("bundle.tzst");
    pack_ok(&edition, &key, &bundle);
    let home = work.path().join("home");
    Setup {
        work,
        key,
        bundle,
        home,
    }
}

/// Runs `tamizdat ARGS` with `home`, killing it and failing the test if it has not ended
/// within [`HANG`].
#[track_caller]
fn run_bounded(home: &Path, args: &[&Path]) -> (i32, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_tamizdat"))
        .args(args)
        .env("TAMIZDAT_HOME", home)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let mut stderr = String::new();
            use std::io::Read;
            child
                .stderr
                .take()
                .unwrap()
                .read_to_string(&mut stderr)
                .unwrap();
            return (status.code().expect("exited"), stderr);
        }
        if started.elapsed() > HANG {
            let _ = child.kill();
            let _ = child.wait();
            panic!("tamizdat {args:?} hung on the trust store for {HANG:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn mkfifo(path: &Path) {
    use std::os::unix::ffi::OsStrExt;
    let name = std::ffi::CString::new(path.as_os_str().as_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path; mkfifo only creates a file system entry.
    let rc = unsafe { libc::mkfifo(name.as_ptr(), 0o644) };
    assert_eq!(rc, 0, "mkfifo {}", path.display());
}

#[test]
fn a_fifo_or_device_named_pub_in_the_trust_folder_hangs_neither_verify_nor_trust_list() {
    let s = setup(81);
    reader()
        .home(&s.home)
        .args(["trust", "add"])
        .arg(&s.key.public_path)
        .run()
        .expect_code(0);
    mkfifo(&s.store().join("x.pub"));
    std::os::unix::fs::symlink("/dev/zero", s.store().join("zero.pub")).unwrap();
    let verify_args: [&Path; 2] = ["verify".as_ref(), &s.bundle];
    let (code, stderr) = run_bounded(&s.home, &verify_args);
    assert_eq!(code, 0, "the trusted key still verifies: {stderr}");
    for name in ["x.pub", "zero.pub"] {
        assert!(
            stderr.contains("warning: skipped trusted key file")
                && stderr.contains(name)
                && stderr.contains("not a regular file"),
            "{name} is named: {stderr}"
        );
    }
    let (code, stderr) = run_bounded(&s.home, &["trust".as_ref(), "list".as_ref()]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("x.pub"), "{stderr}");
}

#[test]
fn one_bad_pub_file_is_named_in_a_warning_and_the_other_keys_still_verify() {
    let s = setup(82);
    reader()
        .home(&s.home)
        .args(["trust", "add"])
        .arg(&s.key.public_path)
        .run()
        .expect_code(0);
    let store = s.store();
    fs::write(store.join("garbage.pub"), "this is not a key\n").unwrap();
    fs::write(store.join("latin1.pub"), b"name: Caf\xe9\n").unwrap();
    fs::write(store.join("huge.pub"), "#".repeat(100_000)).unwrap();
    fs::create_dir(store.join("folder.pub")).unwrap();
    let other = make_key(s.work.path(), "Anyone Could Write This", 83);
    let writable = store.join("writable.pub");
    fs::copy(&other.public_path, &writable).unwrap();
    chmod(&writable, 0o666);

    let out = s.verify();
    out.expect_code(0).line_starting("VALID");
    for (name, reason) in [
        ("garbage.pub", "not a tamizdat public key file"),
        ("latin1.pub", "not UTF-8"),
        ("huge.pub", "larger than 65,536 bytes"),
        ("folder.pub", "not a regular file"),
        ("writable.pub", "other users can change it"),
    ] {
        let line = out
            .stderr
            .lines()
            .find(|line| line.contains(name))
            .unwrap_or_else(|| panic!("{name} is not named:\n{}", out.stderr));
        assert!(
            line.contains("warning: skipped trusted key file") && line.contains(reason),
            "{line}"
        );
    }
    s.run(&["trust", "list"])
        .expect_code(0)
        .expect_text(&s.key.fingerprint())
        .expect_text("garbage.pub")
        .expect_no_text(&other.fingerprint());
    // The world-writable file's key is not trusted.
    let theirs = work_bundle(&s, &other);
    reader()
        .home(&s.home)
        .args(["verify"])
        .arg(&theirs)
        .run()
        .expect_code(1)
        .expect_text("not signed by a key you trust");
}

/// A bundle of the same small edition signed with `key`.
fn work_bundle(s: &Setup, key: &Key) -> PathBuf {
    let edition = s.work.path().join("edition");
    let bundle = s.work.path().join(format!("by-{}.tzst", key.key_id()));
    pack_ok(&edition, key, &bundle);
    bundle
}

#[test]
fn a_key_copied_in_under_another_name_and_twice_is_removed_by_trust_remove() {
    let s = setup(84);
    fs::create_dir_all(s.store()).unwrap();
    // Saved by hand: once under the publisher's name, once more with CRLF line endings.
    fs::copy(&s.key.public_path, s.store().join("publisher.pub")).unwrap();
    let text = fs::read_to_string(&s.key.public_path).unwrap();
    fs::write(s.store().join("copy (2).pub"), text.replace('\n', "\r\n")).unwrap();
    s.verify().expect_code(0);
    let listed = s.run(&["trust", "list"]);
    listed.expect_code(0);
    assert_eq!(
        listed.stdout.matches(&s.key.fingerprint()).count(),
        1,
        "a duplicate is one key:\n{}",
        listed.stdout
    );
    // Adding it again is no change, whatever its file is called.
    reader()
        .home(&s.home)
        .args(["trust", "add"])
        .arg(&s.key.public_path)
        .run()
        .expect_code(0)
        .expect_text("already trusted");

    s.run(&["trust", "remove", &s.key.key_id()[..8]])
        .expect_code(0)
        .expect_text("no longer trusted")
        .expect_text(&s.key.fingerprint());
    assert_eq!(s.pub_files(), Vec::<String>::new(), "every copy is gone");
    s.verify()
        .expect_code(1)
        .expect_text("not signed by a key you trust");
    s.run(&["trust", "list"])
        .expect_code(0)
        .expect_no_text(&s.key.fingerprint());
}

#[test]
fn trust_add_stores_the_key_under_its_key_id() {
    let s = setup(85);
    // The file given is named after the seed, not the key.
    assert!(
        !s.key
            .public_path
            .ends_with(format!("{}.pub", s.key.key_id()))
    );
    reader()
        .home(&s.home)
        .args(["trust", "add"])
        .arg(&s.key.public_path)
        .run()
        .expect_code(0)
        .expect_text("now trusted");
    assert_eq!(s.pub_files(), vec![format!("{}.pub", s.key.key_id())]);
    let stored = fs::read_to_string(s.store().join(format!("{}.pub", s.key.key_id()))).unwrap();
    assert_eq!(stored, s.key.secret.public().to_file_text());
    // A damaged file under the key's own name is replaced by the key being added.
    let own = s.store().join(format!("{}.pub", s.key.key_id()));
    fs::write(&own, "damaged\n").unwrap();
    let out = reader()
        .home(&s.home)
        .args(["trust", "add"])
        .arg(&s.key.public_path)
        .run();
    out.expect_code(0).expect_text("now trusted");
    assert_eq!(fs::read_to_string(&own).unwrap(), stored);
    s.verify().expect_code(0);
}
