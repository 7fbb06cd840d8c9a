//! Helpers shared by the integration tests: run the real binaries hermetically, make keys,
//! pack editions with a fixed time, snapshot folder trees and generate editions.
//!
//! Every command runs with `TAMIZDAT_HOME` set to a fresh temporary folder (unless a test asks
//! for a persistent home to exercise the trust store), stdin closed, and without the
//! `TAMIZDAT_PASSPHRASE` and `SOURCE_DATE_EPOCH` variables of the developer's environment.

#![allow(dead_code)]

pub mod hostile;
pub mod library;
pub mod mirror;
pub mod nginx;

use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsStr;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use tamizdat::format::Manifest;
use tamizdat::format::header::{SignedHeader, unsigned_header};
use tamizdat::keys::SecretKey;
use tempfile::TempDir;

/// The fixed creation time used by [`pack`]: 2023-11-14T22:13:20Z.
pub const TIME: &str = "1700000000";
/// The same instant as [`TIME`], written the other way `--time` accepts.
pub const TIME_RFC3339: &str = "2023-11-14T22:13:20Z";
/// The channel used by [`pack`].
pub const CHANNEL: &str = "test-news";

/// The repository root (for `examples/edition` and `keys/`).
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn example_edition() -> PathBuf {
    repo().join("examples/edition")
}

// ---------------------------------------------------------------------------------------------
// Running the binaries
// ---------------------------------------------------------------------------------------------

/// What a finished command printed and how it exited.
#[derive(Debug, Clone)]
pub struct Out {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    /// The command line, for failure messages.
    pub shown: String,
}

impl Out {
    /// Stdout and stderr together, for "the message contains" checks.
    pub fn text(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }

    /// Asserts the exit code, showing everything the command printed if it differs.
    #[track_caller]
    pub fn expect_code(&self, code: i32) -> &Self {
        assert_eq!(
            self.code, code,
            "`{}` exited {} (expected {code})\n--- stdout:\n{}\n--- stderr:\n{}",
            self.shown, self.code, self.stdout, self.stderr
        );
        self
    }

    /// Asserts that stdout or stderr contains `needle`.
    #[track_caller]
    pub fn expect_text(&self, needle: &str) -> &Self {
        assert!(
            self.text().contains(needle),
            "`{}` (exit {}) did not print {needle:?}\n--- stdout:\n{}\n--- stderr:\n{}",
            self.shown,
            self.code,
            self.stdout,
            self.stderr
        );
        self
    }

    /// Asserts that neither stdout nor stderr contains `needle`.
    #[track_caller]
    pub fn expect_no_text(&self, needle: &str) -> &Self {
        assert!(
            !self.text().contains(needle),
            "`{}` (exit {}) printed {needle:?}, which it must not\n--- stdout:\n{}\n--- stderr:\n{}",
            self.shown,
            self.code,
            self.stdout,
            self.stderr
        );
        self
    }

    /// Asserts that no line of stdout starts with `prefix` (e.g. no `VALID` verdict).
    #[track_caller]
    pub fn expect_no_line_starting(&self, prefix: &str) -> &Self {
        assert!(
            !self.stdout.lines().any(|line| line.starts_with(prefix)),
            "`{}` (exit {}) printed a line starting with {prefix:?}\n--- stdout:\n{}\n--- stderr:\n{}",
            self.shown,
            self.code,
            self.stdout,
            self.stderr
        );
        self
    }

    /// Asserts that stdout has a line starting with `prefix` and returns the first such line.
    #[track_caller]
    pub fn line_starting(&self, prefix: &str) -> String {
        match self.stdout.lines().find(|line| line.starts_with(prefix)) {
            Some(line) => line.to_string(),
            None => panic!(
                "`{}` (exit {}) printed no line starting with {prefix:?}\n--- stdout:\n{}\n--- stderr:\n{}",
                self.shown, self.code, self.stdout, self.stderr
            ),
        }
    }
}

/// A command to run, built like `std::process::Command`.
pub struct Cmd {
    command: Command,
    shown: String,
    home: Option<PathBuf>,
}

/// `tamizdat ...`, the reader's tool.
pub fn reader() -> Cmd {
    Cmd::new(env!("CARGO_BIN_EXE_tamizdat"), "tamizdat")
}

/// `tamizdat-publish ...`, the publisher's tool.
pub fn publisher() -> Cmd {
    Cmd::new(env!("CARGO_BIN_EXE_tamizdat-publish"), "tamizdat-publish")
}

impl Cmd {
    fn new(program: &str, shown: &str) -> Cmd {
        let mut command = Command::new(program);
        command
            .env_remove("TAMIZDAT_HOME")
            .env_remove("TAMIZDAT_PASSPHRASE")
            .env_remove("SOURCE_DATE_EPOCH")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        Cmd {
            command,
            shown: shown.to_string(),
            home: None,
        }
    }

    pub fn arg(mut self, arg: impl AsRef<OsStr>) -> Cmd {
        self.shown.push(' ');
        self.shown.push_str(&arg.as_ref().to_string_lossy());
        self.command.arg(arg);
        self
    }

    pub fn args<S: AsRef<OsStr>>(mut self, args: impl IntoIterator<Item = S>) -> Cmd {
        for arg in args {
            self = self.arg(arg);
        }
        self
    }

    pub fn env(mut self, key: &str, value: impl AsRef<OsStr>) -> Cmd {
        self.shown = format!("{key}={} {}", value.as_ref().to_string_lossy(), self.shown);
        self.command.env(key, value);
        self
    }

    /// Gives the command this file on standard input (as `tamizdat verify - < FILE`).
    pub fn stdin_file(mut self, path: &Path) -> Cmd {
        self.shown.push_str(&format!(" < {}", path.display()));
        self.command
            .stdin(fs::File::open(path).expect("open the file for standard input"));
        self
    }

    pub fn current_dir(mut self, dir: &Path) -> Cmd {
        self.command.current_dir(dir);
        self
    }

    /// Uses this folder as TAMIZDAT_HOME (a test exercising the trust store across commands).
    /// Without it, every command gets a fresh, empty home.
    pub fn home(mut self, home: &Path) -> Cmd {
        self.home = Some(home.to_path_buf());
        self
    }

    /// Starts the command; [`Running::wait`] collects it. For running slow commands together.
    pub fn spawn(mut self) -> Running {
        let fresh = match &self.home {
            Some(_) => None,
            None => Some(tempfile::tempdir().expect("create a temporary TAMIZDAT_HOME")),
        };
        let home = match (&self.home, &fresh) {
            (Some(home), _) => home.clone(),
            (None, Some(fresh)) => fresh.path().to_path_buf(),
            (None, None) => unreachable!(),
        };
        self.command.env("TAMIZDAT_HOME", &home);
        let child = self
            .command
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start `{}`: {e}", self.shown));
        Running {
            child,
            shown: self.shown,
            _home: fresh,
        }
    }

    pub fn run(self) -> Out {
        self.spawn().wait()
    }
}

/// A started command.
pub struct Running {
    child: Child,
    shown: String,
    _home: Option<TempDir>,
}

impl Running {
    pub fn wait(self) -> Out {
        let output = self
            .child
            .wait_with_output()
            .unwrap_or_else(|e| panic!("cannot wait for `{}`: {e}", self.shown));
        Out {
            code: output
                .status
                .code()
                .unwrap_or_else(|| panic!("`{}` was killed by a signal", self.shown)),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
            shown: self.shown,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Keys
// ---------------------------------------------------------------------------------------------

/// A publisher key on disk: an unencrypted 0600 secret key file and its public key file.
pub struct Key {
    pub secret: SecretKey,
    pub secret_path: PathBuf,
    pub public_path: PathBuf,
}

impl Key {
    pub fn key_id(&self) -> String {
        self.secret.public().key_id().to_hex()
    }

    pub fn fingerprint(&self) -> String {
        self.secret.public().fingerprint()
    }
}

/// Makes a seeded test key `NAME.key` / `NAME.pub` in `dir` (the file stem is derived from
/// the seed, so names may hold any characters).
pub fn make_key(dir: &Path, name: &str, seed: u8) -> Key {
    let secret = SecretKey::from_seed(name, &[seed; 32]).expect("a valid key name");
    let secret_path = dir.join(format!("key-{seed}.key"));
    let public_path = dir.join(format!("key-{seed}.pub"));
    secret
        .save(&secret_path, None, None)
        .expect("save the test secret key");
    fs::write(&public_path, secret.public().to_file_text()).expect("write the public key");
    assert_eq!(
        mode(&secret_path) & 0o777,
        0o600,
        "saved secret keys are 0600"
    );
    Key {
        secret,
        secret_path,
        public_path,
    }
}

/// `tamizdat-publish keygen --name "Newsroom Key" --public-key DIR/new.pub --secret-key
/// DIR/new.key`, for the tests of keygen itself to add their flags to.
pub fn keygen_cmd(dir: &Path) -> Cmd {
    publisher()
        .args(["keygen", "--name", "Newsroom Key"])
        .arg("--public-key")
        .arg(dir.join("new.pub"))
        .arg("--secret-key")
        .arg(dir.join("new.key"))
}

/// The repository's demo key, with the secret copied into `dir` and made 0600.
pub fn demo_key(dir: &Path) -> Key {
    let secret_path = dir.join("demo.key");
    fs::copy(repo().join("keys/demo.key"), &secret_path).expect("copy keys/demo.key");
    chmod(&secret_path, 0o600);
    let secret = SecretKey::load(&secret_path, &mut || {
        panic!("the demo key is not encrypted and must not ask for a passphrase")
    })
    .expect("load keys/demo.key");
    Key {
        secret,
        secret_path,
        public_path: repo().join("keys/demo.pub"),
    }
}

pub fn chmod(path: &Path, mode: u32) {
    fs::set_permissions(path, fs::Permissions::from_mode(mode))
        .unwrap_or_else(|e| panic!("chmod {mode:o} {}: {e}", path.display()));
}

/// The permission bits (including setuid/setgid/sticky) of a path, not following symlinks.
pub fn mode(path: &Path) -> u32 {
    fs::symlink_metadata(path)
        .unwrap_or_else(|e| panic!("stat {}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o7777
}

// ---------------------------------------------------------------------------------------------
// Packing, verifying, unpacking
// ---------------------------------------------------------------------------------------------

/// `tamizdat-publish pack EDITION --secret-key KEY --channel test-news --seq 1 --time TIME
/// --out OUT EXTRA...` (a later `--time` in `extra` is not allowed: pass the time
/// through [`pack_cmd`] instead).
pub fn pack(edition: &Path, key: &Key, out: &Path, extra: &[&str]) -> Out {
    pack_cmd(edition, key, out)
        .args(["--time", TIME])
        .args(extra)
        .run()
}

/// The pack command without `--time`, for tests of the time options.
pub fn pack_cmd(edition: &Path, key: &Key, out: &Path) -> Cmd {
    publisher()
        .arg("pack")
        .arg(edition)
        .arg("--secret-key")
        .arg(&key.secret_path)
        .args(["--channel", CHANNEL, "--seq", "1"])
        .arg("--out")
        .arg(out)
}

/// Packs and returns the bundle's bytes, failing the test if pack fails.
#[track_caller]
pub fn pack_ok(edition: &Path, key: &Key, out: &Path) -> Vec<u8> {
    pack(edition, key, out, &[]).expect_code(0);
    fs::read(out).expect("read the packed bundle")
}

/// `tamizdat verify BUNDLE --public-key PUB`.
pub fn verify(bundle: &Path, public_key: &Path) -> Out {
    reader()
        .arg("verify")
        .arg(bundle)
        .arg("--public-key")
        .arg(public_key)
        .run()
}

/// `tamizdat verify --quick BUNDLE --public-key PUB`.
pub fn verify_quick(bundle: &Path, public_key: &Path) -> Out {
    reader()
        .args(["verify", "--quick"])
        .arg(bundle)
        .arg("--public-key")
        .arg(public_key)
        .run()
}

/// `tamizdat unpack BUNDLE --to DIR --public-key PUB`.
pub fn unpack(bundle: &Path, to: &Path, public_key: &Path) -> Out {
    reader()
        .arg("unpack")
        .arg(bundle)
        .arg("--to")
        .arg(to)
        .arg("--public-key")
        .arg(public_key)
        .run()
}

/// `tamizdat info --json BUNDLE --public-key PUB`, parsed.
#[track_caller]
pub fn info_json(bundle: &Path, public_key: &Path) -> serde_json::Value {
    let out = reader()
        .args(["info", "--json"])
        .arg(bundle)
        .arg("--public-key")
        .arg(public_key)
        .run();
    out.expect_code(0);
    serde_json::from_str(&out.stdout)
        .unwrap_or_else(|e| panic!("info --json printed invalid JSON ({e}):\n{}", out.stdout))
}

/// A compressed frame of the payload, as `info --json` reports it.
#[derive(Debug, Clone, Copy)]
pub struct FrameInfo {
    pub offset: u64,
    pub length: u64,
}

#[track_caller]
pub fn frames_of(info: &serde_json::Value) -> Vec<FrameInfo> {
    let frames = info["manifest"]["frames"]
        .as_array()
        .unwrap_or_else(|| panic!("info --json has no manifest.frames array: {info}"));
    frames
        .iter()
        .map(|frame| FrameInfo {
            offset: frame["offset"].as_u64().expect("frame offset"),
            length: frame["length"].as_u64().expect("frame length"),
        })
        .collect()
}

/// Every file of the manifest `info --json` shows, with the index of the frame its tar entry
/// starts in, in manifest order.
#[track_caller]
pub fn files_with_frames(info: &serde_json::Value) -> Vec<(String, usize)> {
    info["manifest"]["files"]
        .as_array()
        .unwrap_or_else(|| panic!("info --json has no manifest.files array: {info}"))
        .iter()
        .map(|file| {
            (
                file["path"].as_str().expect("path").to_string(),
                file["frame"].as_u64().expect("frame") as usize,
            )
        })
        .collect()
}

/// The header length of a bundle, from its preamble (FORMAT.md section 2).
pub fn header_len(bundle: &[u8]) -> u64 {
    SignedHeader::parse(bundle)
        .expect("parse the bundle header")
        .preamble
        .header_len()
}

/// Re-signs a bundle's header with `key` after `edit` changed its manifest, keeping the payload.
pub fn resign(bundle: &[u8], key: &SecretKey, edit: impl FnOnce(&mut Manifest)) -> Vec<u8> {
    let header = SignedHeader::parse(bundle).expect("parse the bundle header");
    let mut manifest =
        Manifest::from_json(&header.manifest_json().unwrap()).expect("parse the manifest");
    edit(&mut manifest);
    let json = manifest.to_json();
    let (mut out, message) =
        unsigned_header(key.public().key_id(), &json).expect("build the header");
    out.extend_from_slice(&key.sign(&message));
    out.extend_from_slice(&bundle[header.preamble.header_len() as usize..]);
    out
}

/// Entries in `dir` whose names start with `.tamizdat-` (staging folders, temporary bundles).
pub fn leftovers(dir: &Path) -> Vec<String> {
    fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("list {}: {e}", dir.display()))
        .map(|entry| entry.expect("a folder entry").file_name())
        .map(|name| name.to_string_lossy().into_owned())
        .filter(|name| name.starts_with(".tamizdat-"))
        .collect()
}

#[track_caller]
pub fn assert_no_leftovers(dir: &Path, context: &str) {
    let found = leftovers(dir);
    assert!(
        found.is_empty(),
        "{context}: temporary entries left in {}: {found:?}",
        dir.display()
    );
}

// ---------------------------------------------------------------------------------------------
// Folder snapshots
// ---------------------------------------------------------------------------------------------

/// Everything under `root`, keyed by `/`-separated relative path: a file maps to its bytes, a
/// folder is keyed `path/` with no bytes, a symlink `path@` with its target, anything else
/// `path!`. Two equal snapshots mean the same tree with the same contents.
pub fn snapshot(root: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut tree = BTreeMap::new();
    snapshot_into(root, "", &mut tree);
    tree
}

fn snapshot_into(folder: &Path, prefix: &str, tree: &mut BTreeMap<String, Vec<u8>>) {
    let entries = fs::read_dir(folder).unwrap_or_else(|e| panic!("list {}: {e}", folder.display()));
    for entry in entries {
        let entry = entry.expect("a folder entry");
        let name = entry
            .file_name()
            .into_string()
            .unwrap_or_else(|n| panic!("non-UTF-8 name {n:?} in {}", folder.display()));
        let relative = format!("{prefix}{name}");
        let path = entry.path();
        let kind = entry.file_type().expect("file type");
        if kind.is_symlink() {
            let target = fs::read_link(&path).expect("read link");
            tree.insert(
                format!("{relative}@"),
                target.to_string_lossy().into_owned().into_bytes(),
            );
        } else if kind.is_dir() {
            tree.insert(format!("{relative}/"), Vec::new());
            snapshot_into(&path, &format!("{relative}/"), tree);
        } else if kind.is_file() {
            let bytes = fs::read(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
            tree.insert(relative, bytes);
        } else {
            tree.insert(format!("{relative}!"), Vec::new());
        }
    }
}

/// The regular files of a snapshot.
pub fn file_paths(tree: &BTreeMap<String, Vec<u8>>) -> BTreeSet<String> {
    tree.keys()
        .filter(|key| !key.ends_with(['/', '@', '!']))
        .cloned()
        .collect()
}

/// Asserts two snapshots are equal, reporting missing, extra and differing entries by name
/// (never dumping megabytes of file contents).
#[track_caller]
pub fn assert_same_tree(
    expected: &BTreeMap<String, Vec<u8>>,
    actual: &BTreeMap<String, Vec<u8>>,
    context: &str,
) {
    let missing: Vec<&String> = expected
        .keys()
        .filter(|k| !actual.contains_key(*k))
        .collect();
    let extra: Vec<&String> = actual
        .keys()
        .filter(|k| !expected.contains_key(*k))
        .collect();
    let differing: Vec<String> = expected
        .iter()
        .filter_map(|(k, v)| {
            let other = actual.get(k)?;
            (other != v).then(|| format!("{k} ({} vs {} bytes)", v.len(), other.len()))
        })
        .collect();
    assert!(
        missing.is_empty() && extra.is_empty() && differing.is_empty(),
        "{context}: trees differ\n  missing ({}): {:?}\n  extra ({}): {:?}\n  different content ({}): {:?}",
        missing.len(),
        missing.iter().take(20).collect::<Vec<_>>(),
        extra.len(),
        extra.iter().take(20).collect::<Vec<_>>(),
        differing.len(),
        differing.iter().take(20).collect::<Vec<_>>()
    );
}

/// Asserts that `path` is still absent.
#[track_caller]
pub fn assert_absent(path: &Path, context: &str) {
    assert!(
        fs::symlink_metadata(path).is_err(),
        "{context}: {} exists but must not",
        path.display()
    );
}

/// Asserts that `path` is an existing empty folder.
#[track_caller]
pub fn assert_empty_dir(path: &Path, context: &str) {
    let entries: Vec<_> = fs::read_dir(path)
        .unwrap_or_else(|e| {
            panic!(
                "{context}: {} is not a readable folder: {e}",
                path.display()
            )
        })
        .map(|e| e.expect("entry").file_name())
        .collect();
    assert!(
        entries.is_empty(),
        "{context}: {} must be empty but holds {entries:?}",
        path.display()
    );
}

// ---------------------------------------------------------------------------------------------
// Generating editions
// ---------------------------------------------------------------------------------------------

/// A small, seeded pseudo-random generator (splitmix64): the same seed gives the same bytes on
/// every machine, so generated editions are reproducible.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }

    /// Incompressible bytes.
    pub fn bytes(&mut self, len: usize) -> Vec<u8> {
        let mut out = Vec::with_capacity(len + 8);
        while out.len() < len {
            out.extend_from_slice(&self.next_u64().to_le_bytes());
        }
        out.truncate(len);
        out
    }

    /// Compressible text: random words from a small multilingual vocabulary.
    pub fn text(&mut self, len: usize) -> Vec<u8> {
        const WORDS: [&str; 12] = [
            "news",
            "river",
            "library",
            "bread",
            "новости",
            "река",
            "библиотека",
            "хлеб",
            "خبر",
            "رودخانه",
            "کتابخانه",
            "نان",
        ];
        let mut out = Vec::with_capacity(len + 32);
        while out.len() < len {
            let word = WORDS[self.below(WORDS.len() as u64) as usize];
            out.extend_from_slice(word.as_bytes());
            out.push(if self.below(12) == 0 { b'\n' } else { b' ' });
        }
        out.truncate(len);
        out
    }
}

/// Writes a file under `root`, creating its folders.
pub fn write_file(root: &Path, relative: &str, bytes: &[u8]) {
    let path = root.join(relative);
    fs::create_dir_all(path.parent().expect("a parent")).expect("create folders");
    fs::write(&path, bytes).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
}

/// Copies a folder tree (regular files and folders only).
pub fn copy_tree(from: &Path, to: &Path) {
    fs::create_dir_all(to).expect("create the copy's folder");
    for entry in fs::read_dir(from).expect("list") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), &target).expect("copy a file");
        }
    }
}

/// A small edition whose tar stream spans at least three 4 MiB frames: a front page, a few
/// small files and three files of 2.5 MiB (random, text, and half of each), about 7.5 MiB.
pub fn multi_frame_edition(root: &Path) {
    let mut rng = Rng::new(0x7A31);
    write_file(
        root,
        "index.md",
        b"---\ntitle: Multi-frame edition\nlang: en\n---\n\n# Multi-frame edition\n\nThree large files.\n",
    );
    write_file(root, "notes/a.txt", b"first small file\n");
    write_file(root, "notes/b.txt", b"");
    write_file(root, "notes/c.txt", &rng.text(3000));
    const BIG: usize = 2_621_440;
    write_file(root, "data/1-random.bin", &rng.bytes(BIG));
    write_file(root, "data/2-text.txt", &rng.text(BIG));
    let mut mixed = rng.bytes(BIG / 2);
    mixed.extend_from_slice(&rng.text(BIG - BIG / 2));
    write_file(root, "data/3-mixed.bin", &mixed);
}

/// Folder names for the generated edition: Latin, Cyrillic and Persian.
const FOLDER_NAMES: [&str; 12] = [
    "world",
    "politics-2026",
    "culture",
    "новости",
    "экономика",
    "раздел-культура",
    "اخبار",
    "فرهنگ",
    "اقتصاد-۱۴۰۵",
    "media",
    "архив",
    "گزارش‌ها",
];

/// A large edition of `files` (at least 3000 asked for by the tests) files in folders nested
/// up to 6 deep, named in Latin, Cyrillic and Persian, from 0 bytes to a few MB, including a
/// random 5 MiB file that spans frames and one path long enough to need a PAX header.
pub fn large_edition(root: &Path, files: usize) {
    let mut rng = Rng::new(0x5EED_2026);
    // A fixed set of folders at depths 0 to 6.
    let mut folders: Vec<String> = vec![String::new()];
    for _ in 0..40 {
        let depth = 1 + rng.below(6) as usize;
        let parts: Vec<&str> = (0..depth)
            .map(|_| FOLDER_NAMES[rng.below(FOLDER_NAMES.len() as u64) as usize])
            .collect();
        folders.push(format!("{}/", parts.join("/")));
    }
    const STEMS: [&str; 6] = ["report", "статья", "خبر", "photo", "заметка", "یادداشت"];
    write_file(
        root,
        "index.md",
        "---\ntitle: Сгенерированный выпуск\nlang: ru\n---\n\n# Сгенерированный выпуск\n\nМного файлов.\n"
            .as_bytes(),
    );
    for index in 0..files {
        let folder = &folders[rng.below(folders.len() as u64) as usize];
        let stem = STEMS[index % STEMS.len()];
        let small = rng.below(1500) as usize;
        let (extension, bytes) = match index % 10 {
            0 => ("bin", rng.bytes(small * 2)),
            1 if index % 100 == 1 => {
                let len = 50_000 + rng.below(150_000) as usize;
                ("bin", rng.bytes(len))
            }
            2 if index % 200 == 2 => {
                let len = 100_000 + rng.below(200_000) as usize;
                ("txt", rng.text(len))
            }
            3 if index % 97 == 3 => ("txt", Vec::new()),
            _ => ("txt", rng.text(small)),
        };
        write_file(
            root,
            &format!("{folder}{stem}-{index:05}.{extension}"),
            &bytes,
        );
    }
    for index in 0..5 {
        write_file(root, &format!("empty/пусто-{index}.txt"), b"");
    }
    // Large files: 1 and 2 MB of text, and a random file larger than a 4 MiB frame.
    write_file(root, "media/большой-текст.txt", &rng.text(1_000_000));
    write_file(root, "media/متن-بزرگ.txt", &rng.text(2_000_000));
    write_file(
        root,
        "media/video-random.bin",
        &rng.bytes(5 * 1024 * 1024 + 12_345),
    );
    // Six levels of long Cyrillic and Persian folder names: a path far beyond ustar's 100 bytes.
    let long = "очень-длинное-название-папки/پوشه-با-نام-بسیار-طولانی/ещё-одна-папка-с-длинным-именем/پوشه-دیگر/пятый-уровень/ششم";
    write_file(
        root,
        &format!("{long}/файл-с-очень-длинным-именем-для-pax.txt"),
        &rng.text(777),
    );
}

/// `sh -c 'trap "" XFSZ; ulimit -f KIB; exec "$@"'` around `command`: a write past the limit
/// fails with EFBIG, as on a full FAT32 stick, instead of killing the process.
pub fn with_file_size_limit(command: &std::process::Command, kib: u64) -> std::process::Command {
    let mut limited = std::process::Command::new("sh");
    limited
        .arg("-c")
        .arg(format!("trap '' XFSZ; ulimit -f {kib}; exec \"$@\""))
        .arg("sh")
        .arg(command.get_program())
        .args(command.get_args());
    if let Some(folder) = command.get_current_dir() {
        limited.current_dir(folder);
    }
    for (key, value) in command.get_envs() {
        if let Some(value) = value {
            limited.env(key, value);
        }
    }
    limited
}
