//! Issue 12, simulator style: a newsroom with an offline root and certified signing keys, a
//! thief with a stolen key, a mirror that splices, replays and withholds, and a reader with a
//! library, played across a timeline through the real binaries. One test per attack; every
//! refusal leaves the reader's library exactly as it was.

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use common::{Out, publisher, reader, snapshot};
use tamizdat::SecretKey;
use tamizdat::format::header::{SignedHeader, unsigned_certified_header};
use tamizdat::format::statement::Credentials;

/// The newsroom: its root (editor keys, root file, chain) in a folder of its own.
struct Newsroom {
    dir: PathBuf,
    root_pub: PathBuf,
    root_keys: Vec<PathBuf>,
    chain: PathBuf,
}

/// A signing key and its certificate.
struct Signing {
    public: PathBuf,
    secret: PathBuf,
    certificate: PathBuf,
}

/// `tamizdat-publish keygen` of an unencrypted key `DIR/FILE.pub` and `DIR/FILE.key`.
fn keygen(dir: &Path, file: &str, name: &str) -> (PathBuf, PathBuf) {
    let public = dir.join(format!("{file}.pub"));
    let secret = dir.join(format!("{file}.key"));
    ok(publisher()
        .args(["keygen", "--name", name, "--unencrypted"])
        .arg("--public-key")
        .arg(&public)
        .arg("--secret-key")
        .arg(&secret)
        .run());
    (public, secret)
}

/// `tamizdat-publish rotate-root`: signed with `keys`, from the chain in `chain`, to one
/// new `editor` (threshold 1), written to `out`.
fn rotate_root(keys: &[&Path], chain: &Path, editor: &Path, out: &Path) -> Out {
    let mut command = publisher().arg("rotate-root");
    for key in keys {
        command = command.arg("--root-key").arg(key);
    }
    command
        .arg("--chain")
        .arg(chain)
        .arg("--editor")
        .arg(editor)
        .args(["--threshold", "1"])
        .arg("--out")
        .arg(out)
        .run()
}

fn ok(out: Out) -> Out {
    out.expect_code(0);
    out
}

impl Newsroom {
    /// A root of `editors` editors, `threshold` of whom must sign.
    fn new(dir: &Path, editors: usize, threshold: usize) -> Newsroom {
        let dir = dir.join("newsroom");
        fs::create_dir_all(&dir).unwrap();
        ok(publisher()
            .args([
                "keygen",
                "--root",
                "--name",
                "Example News",
                "--unencrypted",
            ])
            .args([
                "--editors",
                &editors.to_string(),
                "--threshold",
                &threshold.to_string(),
            ])
            .arg("--public-key")
            .arg(dir.join("root.pub"))
            .arg("--secret-key")
            .arg(dir.join("root.key"))
            .env("SOURCE_DATE_EPOCH", "1764547200") // 2025-12-01
            .run());
        let root_keys = if editors == 1 {
            vec![dir.join("root.key")]
        } else {
            (1..=editors)
                .map(|n| dir.join(format!("root-editor-{n}.key")))
                .collect()
        };
        Newsroom {
            root_pub: dir.join("root.pub"),
            chain: dir.join("root.chain"),
            root_keys,
            dir,
        }
    }

    fn root_key_args(&self, count: usize) -> Vec<String> {
        self.root_keys[..count]
            .iter()
            .flat_map(|k| ["--root-key".to_string(), k.display().to_string()])
            .collect()
    }

    /// A signing key named `name`, certified for `channels` with `extra` flags.
    fn signing_key(&self, name: &str, channels: &str, extra: &[&str]) -> Signing {
        let (public, secret) = keygen(&self.dir, name, name);
        let certificate = self.dir.join(format!("{name}.cert"));
        self.certify(&public, channels, extra, &certificate);
        Signing {
            public,
            secret,
            certificate,
        }
    }

    fn certify(&self, public: &Path, channels: &str, extra: &[&str], out: &Path) {
        let threshold = self.root_keys.len().min(2);
        ok(publisher()
            .arg("certify")
            .args(self.root_key_args(threshold))
            .arg("--chain")
            .arg(&self.chain)
            .arg("--public-key")
            .arg(public)
            .args(["--channels", channels, "--time", "2026-12-01T00:00:00Z"])
            .args(extra)
            .arg("--out")
            .arg(out)
            .run());
    }

    /// A revocation of `key` from `from` (e.g. `news-ru=10`), kept in the statements folder
    /// every later edition carries.
    fn revoke(&self, key: &Signing, from: &str, reason: &str) -> PathBuf {
        self.revoke_at(key, from, reason, "2026-12-05T00:00:00Z")
    }

    fn revoke_at(&self, key: &Signing, from: &str, reason: &str, time: &str) -> PathBuf {
        let statements = self.statements();
        fs::create_dir_all(&statements).unwrap();
        let out = statements.join(format!(
            "revoke-{}.tzs",
            fs::read_dir(&statements).unwrap().count()
        ));
        ok(publisher()
            .arg("revoke")
            .args(self.root_key_args(self.root_keys.len().min(2)))
            .arg("--chain")
            .arg(&self.chain)
            .arg("--key")
            .arg(&key.public)
            .args(["--from-sequence", from, "--reason", reason])
            .args(["--time", time])
            .arg("--out")
            .arg(&out)
            .run());
        out
    }

    fn statements(&self) -> PathBuf {
        self.dir.join("statements")
    }

    /// An edition `sequence` of `channel`, created at `time`, signed by `key`, carrying every
    /// statement the newsroom has made.
    fn edition(
        &self,
        key: &Signing,
        channel: &str,
        sequence: u64,
        time: &str,
        title: &str,
    ) -> PathBuf {
        self.pack(key, channel, sequence, time, title, true)
    }

    /// What a thief with a stolen signing key makes: no revocation carried.
    fn thief_edition(
        &self,
        key: &Signing,
        channel: &str,
        sequence: u64,
        time: &str,
        title: &str,
    ) -> PathBuf {
        self.pack(key, channel, sequence, time, title, false)
    }

    fn pack(
        &self,
        key: &Signing,
        channel: &str,
        sequence: u64,
        time: &str,
        title: &str,
        statements: bool,
    ) -> PathBuf {
        let folder = self
            .dir
            .join(format!("edition-{channel}-{sequence}-{title}"));
        fs::create_dir_all(&folder).unwrap();
        fs::write(
            folder.join("index.md"),
            format!("---\ntitle: {title}\n---\n# {title}\n\nEdition {sequence} of {channel}.\n"),
        )
        .unwrap();
        let out = self
            .dir
            .join(format!("{channel}-{sequence}-{title}.tar.zst"));
        let mut command = publisher()
            .arg("pack")
            .arg(&folder)
            .arg("--secret-key")
            .arg(&key.secret)
            .arg("--certificate")
            .arg(&key.certificate)
            .args([
                "--channel",
                channel,
                "--seq",
                &sequence.to_string(),
                "--time",
                time,
            ])
            .arg("--out")
            .arg(&out);
        if statements && self.statements().is_dir() {
            command = command.arg("--statements").arg(self.statements());
        }
        ok(command.run());
        out
    }
}

/// A reader with a home (trust store and state) and a library.
struct Reader {
    home: PathBuf,
    library: PathBuf,
    clock: Option<String>,
}

impl Reader {
    fn new(dir: &Path, newsroom: &Newsroom) -> Reader {
        let reader = Reader {
            home: dir.join("reader-home"),
            library: dir.join("reader-library"),
            clock: Some("2026-12-06T00:00:00Z".into()),
        };
        fs::create_dir_all(&reader.home).unwrap();
        // Trusting the root shows its fingerprint and name, as its file gives them.
        let root_file = fs::read_to_string(&newsroom.root_pub).unwrap();
        let fingerprint = root_file
            .lines()
            .find_map(|line| line.strip_prefix("fingerprint: "))
            .unwrap()
            .to_string();
        ok(reader
            .cmd()
            .arg("trust")
            .arg("add")
            .arg(&newsroom.root_pub)
            .run())
        .expect_text(&format!("now trusted: {fingerprint}  Example News"));
        reader
    }

    fn cmd(&self) -> common::Cmd {
        let command = reader().home(&self.home);
        match &self.clock {
            Some(clock) => command.env("TAMIZDAT_CLOCK", clock),
            None => command,
        }
    }

    fn open(&self, bundle: &Path) -> Out {
        self.cmd()
            .arg("open")
            .arg(bundle)
            .arg("--library")
            .arg(&self.library)
            .arg("--no-browser")
            .run()
    }

    fn verify(&self, bundle: &Path) -> Out {
        self.cmd().arg("verify").arg(bundle).run()
    }

    fn status(&self) -> serde_json::Value {
        let out = ok(self.cmd().args(["status", "--json"]).run());
        serde_json::from_str(out.stdout.trim()).unwrap()
    }

    fn library_list(&self) -> String {
        ok(self
            .cmd()
            .args(["library", "list", "--library"])
            .arg(&self.library)
            .run())
        .stdout
    }

    /// Opens `bundle`, which must be refused with `words`, and checks the library is exactly
    /// as before.
    fn refuses(&self, bundle: &Path, words: &str) -> Out {
        let before = self.library.exists().then(|| snapshot(&self.library));
        let out = self.open(bundle);
        out.expect_code(1).expect_text(words);
        if let Some(before) = before {
            let after = snapshot(&self.library);
            let keep = |tree: &std::collections::BTreeMap<String, Vec<u8>>| {
                // The refusal itself is listed on the front page (last-open.json); editions,
                // records and pages are untouched.
                tree.iter()
                    .filter(|(k, _)| {
                        k.starts_with("editions/")
                            || k.starts_with("records/")
                            || k.starts_with("read/")
                    })
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect::<std::collections::BTreeMap<_, _>>()
            };
            assert_eq!(keep(&before), keep(&after), "a refusal changed the library");
        }
        out
    }
}

/// Rewrites a certified bundle's header: `edit` may change the credentials block and the
/// manifest JSON; the header is signed again with `signer` (a thief holding a signing key).
fn resign(
    bundle: &Path,
    signer: &Path,
    out: &Path,
    edit: impl FnOnce(&mut Vec<u8>, &mut serde_json::Value),
) {
    let bytes = fs::read(bundle).unwrap();
    let header = SignedHeader::parse(&bytes).unwrap();
    let mut credentials = header.credentials().to_vec();
    let mut manifest: serde_json::Value =
        serde_json::from_slice(&header.manifest_json().unwrap()).unwrap();
    edit(&mut credentials, &mut manifest);
    let secret = SecretKey::load(signer, &mut || unreachable!("unencrypted")).unwrap();
    let (mut new, message) = unsigned_certified_header(
        header.preamble.key_id,
        &credentials,
        &serde_json::to_vec(&manifest).unwrap(),
    )
    .unwrap();
    new.extend_from_slice(&secret.sign(&message));
    new.extend_from_slice(&bytes[header.preamble.header_len() as usize..]);
    fs::write(out, new).unwrap();
}

fn credentials_of(bundle: &Path) -> Credentials {
    let bytes = fs::read(bundle).unwrap();
    Credentials::parse(SignedHeader::parse(&bytes).unwrap().credentials()).unwrap()
}

#[test]
fn rollback_an_older_edition_is_an_archive_never_the_latest() {
    let dir = tempfile::tempdir().unwrap();
    let newsroom = Newsroom::new(dir.path(), 1, 1);
    let key = newsroom.signing_key("build-1", "news-ru*", &["--cadence", "daily"]);
    let newer = newsroom.edition(&key, "news-ru", 5, "2026-12-05T06:00:00Z", "Five");
    let older = newsroom.edition(&key, "news-ru", 3, "2026-12-03T06:00:00Z", "Three");
    let reader = Reader::new(dir.path(), &newsroom);
    ok(reader.open(&newer)).expect_text("ADDED");
    // A mirror replays #3 as if it were the latest: readable, but labelled older.
    let out = ok(reader.open(&older));
    out.expect_text("OLDER").expect_text("older than #5");
    let list = reader.library_list();
    let line = list
        .lines()
        .find(|l| l.contains("-news-ru-3"))
        .unwrap_or_default();
    assert!(
        line.contains("an older edition: it arrived after #5"),
        "{list}"
    );
    let latest = list
        .lines()
        .find(|l| l.contains("-news-ru-5"))
        .unwrap_or_default();
    assert!(!latest.contains("older edition"), "{list}");
    let page = fs::read_dir(reader.library.join("read"))
        .unwrap()
        .flatten()
        .find(|e| e.file_name().to_string_lossy().ends_with("-news-ru-3"))
        .map(|e| fs::read_to_string(e.path().join("index.html")).unwrap())
        .unwrap();
    assert!(page.contains("Older edition"), "{page}");
    let front = fs::read_to_string(reader.library.join("index.html")).unwrap();
    let latest = &front[front.find("Latest articles").expect("a latest section")..];
    assert!(
        latest.contains("Five") && !latest.contains("Three"),
        "{front}"
    );
    let verify = ok(reader.verify(&older));
    verify.expect_text("an OLDER edition: you already have #5");
    let status = reader.status();
    assert_eq!(status["channels"][0]["newest_sequence"], 5, "{status}");
    let json = ok(reader.cmd().args(["verify", "--json"]).arg(&older).run()).stdout;
    let json: serde_json::Value = serde_json::from_str(json.trim()).unwrap();
    assert_eq!(json["certified"]["latest"], false, "{json}");
    assert_eq!(json["certified"]["publisher"], "Example News", "{json}");
}

#[test]
fn indefinite_freeze_is_a_warning_in_status_never_a_refusal() {
    let dir = tempfile::tempdir().unwrap();
    let newsroom = Newsroom::new(dir.path(), 1, 1);
    let key = newsroom.signing_key("build-1", "news-ru", &["--cadence", "daily"]);
    let edition = newsroom.edition(&key, "news-ru", 1, "2026-12-01T00:00:00Z", "One");
    let mut reader = Reader::new(dir.path(), &newsroom);
    reader.clock = Some("2026-12-02T00:00:00Z".into());
    ok(reader.open(&edition));
    assert_eq!(reader.status()["channels"][0]["stale"], false);
    // Nine days later, nothing newer has reached this reader.
    reader.clock = Some("2026-12-10T00:00:00Z".into());
    let status = reader.status();
    assert_eq!(status["channels"][0]["stale"], true, "{status}");
    let text = ok(reader.cmd().arg("status").run()).stdout;
    assert!(
        text.contains("the newest edition of news-ru is 9 days old; Example News usually publishes daily; your source may be holding editions back"),
        "{text}"
    );
    // Still readable: old news is news to an offline reader. The library's front page says it.
    ok(reader.verify(&edition));
    ok(reader.open(&edition));
    let front = fs::read_to_string(reader.library.join("index.html")).unwrap();
    assert!(
        front.contains("the newest edition of news-ru is 9 days old; Example News usually publishes daily; your source may be holding editions back"),
        "{front}"
    );
    // A new edition arrives: the warning goes.
    reader.clock = Some("2026-12-10T01:00:00Z".into());
    let next = newsroom.edition(&key, "news-ru", 2, "2026-12-10T00:00:00Z", "Two");
    ok(reader.open(&next));
    let front = fs::read_to_string(reader.library.join("index.html")).unwrap();
    assert!(!front.contains("holding editions back"), "{front}");
}

#[test]
fn fast_forward_a_thiefs_huge_number_does_not_lock_readers_out() {
    let dir = tempfile::tempdir().unwrap();
    let newsroom = Newsroom::new(dir.path(), 1, 1);
    let stolen = newsroom.signing_key("build-1", "news-ru*", &[]);
    let reader = Reader::new(dir.path(), &newsroom);
    ok(reader.open(&newsroom.edition(&stolen, "news-ru", 142, "2026-12-02T00:00:00Z", "Real")));
    // The thief signs the largest number there is.
    let forged = newsroom.edition(
        &stolen,
        "news-ru",
        (1u64 << 63) - 1,
        "2026-12-03T00:00:00Z",
        "Forged",
    );
    ok(reader.open(&forged));
    // The newsroom revokes the stolen key from 143 and certifies a new one.
    newsroom.revoke(&stolen, "news-ru=143", "laptop seized");
    let fresh = newsroom.signing_key("build-2", "news-ru*", &[]);
    let next = newsroom.edition(&fresh, "news-ru", 143, "2026-12-06T00:00:00Z", "Next");
    let out = ok(reader.open(&next));
    out.expect_text("ADDED").expect_no_text("OLDER");
    out.expect_text("REVOKED news-ru #9223372036854775807");
    let status = reader.status();
    assert_eq!(status["channels"][0]["newest_sequence"], 143, "{status}");
    assert!(
        reader.library_list().contains("REVOKED"),
        "{}",
        reader.library_list()
    );
    let revoked = &status["revoked_editions"];
    assert_eq!(revoked[0]["sequence"], (1u64 << 63) - 1, "{status}");
    assert_eq!(revoked[0]["reason"], "laptop seized", "{status}");
    // And the forged edition is refused from now on.
    reader
        .verify(&forged)
        .expect_code(1)
        .expect_text("revoked on 2026-12-05 (reason: laptop seized)");
}

#[test]
fn mix_and_match_a_credential_spliced_from_another_bundle_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let newsroom = Newsroom::new(dir.path(), 1, 1);
    let russian = newsroom.signing_key("build-ru", "news-ru", &[]);
    let persian = newsroom.signing_key("build-fa", "news-fa", &[]);
    let ru = newsroom.edition(&russian, "news-ru", 1, "2026-12-02T00:00:00Z", "Ru");
    let fa = newsroom.edition(&persian, "news-fa", 1, "2026-12-02T00:00:00Z", "Fa");
    let reader = Reader::new(dir.path(), &newsroom);
    ok(reader.open(&ru));
    // A mirror puts the Russian bundle's credentials into the Persian bundle's header.
    let ru_credentials = fs::read(&ru).unwrap();
    let ru_credentials = SignedHeader::parse(&ru_credentials)
        .unwrap()
        .credentials()
        .to_vec();
    let fa_bytes = fs::read(&fa).unwrap();
    let header = SignedHeader::parse(&fa_bytes).unwrap();
    let manifest = header.manifest_json().unwrap();
    let (mut spliced, _) =
        unsigned_certified_header(header.preamble.key_id, &ru_credentials, &manifest).unwrap();
    spliced.extend_from_slice(&header.signature);
    spliced.extend_from_slice(&fa_bytes[header.preamble.header_len() as usize..]);
    let path = dir.path().join("spliced.tar.zst");
    fs::write(&path, spliced).unwrap();
    reader.refuses(&path, "has no certificate from Example News");
    // With the credentials of both, the header signature no longer matches what was signed.
    let mut both = credentials_of(&fa);
    both.others.extend(credentials_of(&ru).others);
    let (mut spliced, _) =
        unsigned_certified_header(header.preamble.key_id, &both.to_bytes(), &manifest).unwrap();
    spliced.extend_from_slice(&header.signature);
    spliced.extend_from_slice(&fa_bytes[header.preamble.header_len() as usize..]);
    fs::write(&path, spliced).unwrap();
    reader.refuses(&path, "its signature does not match");
}

#[test]
fn key_compromise_under_threshold_one_editor_cannot_rotate_the_root_alone() {
    let dir = tempfile::tempdir().unwrap();
    let newsroom = Newsroom::new(dir.path(), 3, 2);
    // keygen --root --editors 3 wrote each editor's public key beside their secret key.
    for n in 1..=3 {
        let public = newsroom.dir.join(format!("root-editor-{n}.pub"));
        assert!(
            fs::read_to_string(&public).unwrap().contains("ed25519:"),
            "{}",
            public.display()
        );
    }
    let key = newsroom.signing_key("build-1", "news-ru", &[]);
    let reader = Reader::new(dir.path(), &newsroom);
    ok(reader.open(&newsroom.edition(&key, "news-ru", 1, "2026-12-02T00:00:00Z", "One")));
    // Editor 1's key is stolen; the thief rotates the root to a key of their own.
    let thief = dir.path().join("thief");
    fs::create_dir_all(&thief).unwrap();
    keygen(&thief, "thief", "Thief");
    let rotation = thief.join("rotation.chain");
    let out = ok(rotate_root(
        &[&newsroom.root_keys[0], &thief.join("thief.key")],
        &newsroom.chain,
        &thief.join("thief.pub"),
        &rotation,
    ));
    out.expect_text("needs 1 more editor signature");
    // Passed around alone, the reader refuses it.
    reader
        .verify(&rotation)
        .expect_code(1)
        .expect_text("carries 1 valid editor signature of the 2 its root asks for");
    // Carried in a bundle re-signed by a stolen signing key, too; the library is unchanged.
    let edition = newsroom.edition(&key, "news-ru", 2, "2026-12-03T00:00:00Z", "Two");
    let forged = dir.path().join("forged.tar.zst");
    let rotated = Credentials::parse_file(&fs::read(&rotation).unwrap()).unwrap();
    resign(&edition, &key.secret, &forged, |credentials, _| {
        let mut carried = Credentials::parse(credentials).unwrap();
        carried.roots = rotated.roots.clone();
        *credentials = carried.to_bytes();
    });
    reader.refuses(
        &forged,
        "carries 1 valid editor signature of the 2 its root asks for",
    );
    // Two editors together can rotate.
    // The second editor sees what they are asked to sign; without --yes and no terminal,
    // nothing is signed.
    publisher()
        .arg("cosign")
        .arg(&rotation)
        .arg("--secret-key")
        .arg(&newsroom.root_keys[1])
        .run()
        .expect_code(2)
        .expect_text("root version 2 of Example News: 1 of these 1 editors must sign");
    let out = ok(publisher()
        .arg("cosign")
        .arg(&rotation)
        .arg("--secret-key")
        .arg(&newsroom.root_keys[1])
        .arg("--yes")
        .run());
    out.expect_text("(complete)");
    // A statement of another root is refused: an editor signs only for their own.
    let other = Newsroom::new(&dir.path().join("other"), 1, 1);
    let stranger = other.signing_key("stranger", "news-ru", &[]);
    publisher()
        .arg("cosign")
        .arg(&stranger.certificate)
        .arg("--secret-key")
        .arg(&newsroom.root_keys[1])
        .arg("--yes")
        .run()
        .expect_code(2)
        .expect_text("is not a statement of your root");
    ok(reader.verify(&rotation)).expect_text("moved on to version 2");
}

#[test]
fn revocation_withheld_then_learnt_from_a_later_bundle_flags_earlier_imports() {
    let dir = tempfile::tempdir().unwrap();
    let newsroom = Newsroom::new(dir.path(), 1, 1);
    let stolen = newsroom.signing_key("build-1", "news-ru*", &[]);
    let reader = Reader::new(dir.path(), &newsroom);
    ok(reader.open(&newsroom.edition(&stolen, "news-ru", 9, "2026-12-02T00:00:00Z", "Real")));
    // The thief publishes #10; a mirror withholds the revocation, so the reader takes it.
    let forged = newsroom.edition(&stolen, "news-ru", 10, "2026-12-03T00:00:00Z", "Forged");
    ok(reader.open(&forged)).expect_text("ADDED");
    newsroom.revoke(&stolen, "news-ru=10", "laptop seized");
    let fresh = newsroom.signing_key("build-2", "news-ru*", &[]);
    let out =
        ok(reader.open(&newsroom.edition(&fresh, "news-ru", 11, "2026-12-06T00:00:00Z", "After")));
    out.expect_text("REVOKED news-ru #10 of Example News");
    let list = reader.library_list();
    let forged_line = list
        .lines()
        .find(|l| l.contains("-news-ru-10"))
        .unwrap_or_default();
    assert!(forged_line.contains("REVOKED"), "{list}");
    let real_line = list
        .lines()
        .find(|l| l.contains("-news-ru-9"))
        .unwrap_or_default();
    assert!(!real_line.contains("REVOKED"), "{list}");
    let pages = reader.library.join("read");
    let forged_page = fs::read_dir(&pages)
        .unwrap()
        .flatten()
        .find(|e| e.file_name().to_string_lossy().ends_with("-news-ru-10"))
        .map(|e| fs::read_to_string(e.path().join("index.html")).unwrap())
        .unwrap();
    assert!(forged_page.contains("⚠ Revoked"), "{forged_page}");
    assert!(!forged_page.contains("✓ Verified"), "{forged_page}");
}

#[test]
fn root_chain_gap_and_a_version_signed_only_by_its_own_keys_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let newsroom = Newsroom::new(dir.path(), 1, 1);
    let key = newsroom.signing_key("build-1", "news-ru", &[]);
    let reader = Reader::new(dir.path(), &newsroom);
    let edition = newsroom.edition(&key, "news-ru", 1, "2026-12-02T00:00:00Z", "One");
    // Two honest rotations: version 2 and version 3.
    let editors: Vec<PathBuf> = (2..=3)
        .map(|n| {
            keygen(
                &newsroom.dir,
                &format!("editor-{n}"),
                &format!("Editor {n}"),
            )
            .0
        })
        .collect();
    let v2 = newsroom.dir.join("v2.chain");
    ok(rotate_root(
        &[&newsroom.root_keys[0], &newsroom.dir.join("editor-2.key")],
        &newsroom.chain,
        &editors[0],
        &v2,
    ))
    .expect_text("(complete)");
    let v3 = newsroom.dir.join("v3.chain");
    ok(rotate_root(
        &[
            &newsroom.dir.join("editor-2.key"),
            &newsroom.dir.join("editor-3.key"),
        ],
        &v2,
        &editors[1],
        &v3,
    ))
    .expect_text("(complete)");
    let chain3 = Credentials::parse_file(&fs::read(&v3).unwrap()).unwrap();
    // Version 3 without version 2.
    let gap = dir.path().join("gap.tar.zst");
    resign(&edition, &key.secret, &gap, |credentials, _| {
        let mut carried = Credentials::parse(credentials).unwrap();
        carried.roots = vec![chain3.roots[0].clone(), chain3.roots[2].clone()];
        *credentials = carried.to_bytes();
    });
    reader.refuses(&gap, "valid editor signature");
    // Version 2 signed only by its own new editor, not by version 1's.
    let mut own_only = Credentials::parse_file(&fs::read(&v2).unwrap()).unwrap();
    let mut statement = own_only.roots[1].clone();
    let bytes = statement.to_bytes();
    let signed_len = bytes.len() - 1 - statement.signatures().len() * 72;
    let mut unsigned = bytes[..signed_len].to_vec();
    unsigned.push(0);
    let editor2 =
        SecretKey::load(&newsroom.dir.join("editor-2.key"), &mut || unreachable!()).unwrap();
    statement = tamizdat::format::statement::SignedStatement::parse(&{
        let mut b = unsigned.clone();
        b[signed_len] = 1;
        b.extend_from_slice(editor2.public().key_id().as_bytes());
        b.extend_from_slice(&[0; 64]);
        b
    })
    .unwrap();
    tamizdat::authority::sign(&mut statement, &editor2);
    own_only.roots[1] = statement;
    let own = dir.path().join("own-keys-only.tzs");
    fs::write(&own, own_only.to_file_bytes()).unwrap();
    reader
        .verify(&own)
        .expect_code(1)
        .expect_text("carries 0 valid editor signatures of the 1 its root asks for");
    let forged = dir.path().join("own.tar.zst");
    resign(&edition, &key.secret, &forged, |credentials, _| {
        let mut carried = Credentials::parse(credentials).unwrap();
        carried.roots = own_only.roots.clone();
        *credentials = carried.to_bytes();
    });
    reader.refuses(&forged, "0 valid editor signatures");
    // The honest chain, in order, is accepted from a statement file.
    ok(reader.verify(&v3)).expect_text("moved on to version 3");
}

#[test]
fn a_chain_longer_than_256_is_refused_before_parsing() {
    let dir = tempfile::tempdir().unwrap();
    let newsroom = Newsroom::new(dir.path(), 1, 1);
    let key = newsroom.signing_key("build-1", "news-ru", &[]);
    let reader = Reader::new(dir.path(), &newsroom);
    let edition = newsroom.edition(&key, "news-ru", 1, "2026-12-02T00:00:00Z", "One");
    let long = dir.path().join("long.tar.zst");
    // A count of 257 root versions and nothing after it: refused on the count alone.
    resign(&edition, &key.secret, &long, |credentials, _| {
        *credentials = vec![1, 1, 0, 0];
    });
    reader.refuses(
        &long,
        "a root chain of 257 versions, more than the 256 allowed",
    );
    let file = dir.path().join("long.tzs");
    fs::write(&file, [b"TZCREDS1".as_slice(), &[1, 1, 0, 0]].concat()).unwrap();
    reader
        .verify(&file)
        .expect_code(2)
        .expect_text("more than the 256 allowed");
}

#[test]
fn clock_at_1970_and_at_2100() {
    let dir = tempfile::tempdir().unwrap();
    let newsroom = Newsroom::new(dir.path(), 1, 1);
    let key = newsroom.signing_key("build-1", "news-ru", &["--until", "2026-12-31"]);
    let stolen = newsroom.signing_key("build-0", "news-ru", &[]);
    let mut reader = Reader::new(dir.path(), &newsroom);
    let december = newsroom.edition(&key, "news-ru", 1, "2026-12-20T00:00:00Z", "Dec");
    reader.clock = Some("2027-02-01T00:00:00Z".into());
    let out = ok(reader.open(&december));
    out.expect_text("expired on 2026-12-31");
    // Later: a revocation of another key, signed on 2026-12-05, then a clock set back to 1970.
    newsroom.revoke(&stolen, "news-ru=0", "laptop seized");
    let revoked = newsroom.thief_edition(&stolen, "news-ru", 2, "2026-12-21T00:00:00Z", "Stolen");
    ok(reader.verify(&newsroom.statements().join("revoke-0.tzs")));
    // A thief's edition dated 2200 moves nothing: only root-signed times do.
    let future = newsroom.edition(&key, "news-ru", 3, "2200-01-01T00:00:00Z", "Future");
    ok(reader.open(&future));
    let now = reader.status()["now"].as_str().unwrap().to_string();
    assert!(now.as_str() < "2028", "{now}");
    // A statement the root signed in January is the newest signed time this reader has
    // verified.
    let other = newsroom.signing_key("build-9", "news-ru", &[]);
    let january = newsroom.revoke_at(&other, "news-ru=1000", "retired", "2027-01-20T00:00:00Z");
    ok(reader.verify(&january));
    reader.clock = Some("0".into());
    // With the clock at 1970, the reader's now is still 2027-01-20: the certificate stays
    // expired, and the revoked key stays revoked.
    reader.refuses(&revoked, "revoked on 2026-12-05");
    ok(reader.verify(&december))
        .expect_text("VALID")
        .expect_text("expired on 2026-12-31");
    let status = reader.status();
    assert_eq!(status["now"], "2027-01-20T00:00:00Z", "{status}");
    // A clock set to 2100 only warns: still readable.
    reader.clock = Some("2100-01-01T00:00:00Z".into());
    let out = ok(reader.verify(&december));
    out.expect_text("VALID")
        .expect_text("expired on 2026-12-31");
    let status = reader.status();
    assert!(
        !status["warnings"].as_array().unwrap().is_empty(),
        "{status}"
    );
}

#[test]
fn equivocation_is_refused_loudly_and_both_are_kept_as_evidence() {
    let dir = tempfile::tempdir().unwrap();
    let newsroom = Newsroom::new(dir.path(), 1, 1);
    let key = newsroom.signing_key("build-1", "news-ru", &[]);
    let reader = Reader::new(dir.path(), &newsroom);
    let first = newsroom.edition(&key, "news-ru", 7, "2026-12-02T00:00:00Z", "First");
    let second = newsroom.edition(&key, "news-ru", 7, "2026-12-02T00:00:00Z", "Second");
    ok(reader.open(&first));
    let out = reader.refuses(&second, "EQUIVOCATION");
    out.expect_text("already published a different edition 7 of news-ru");
    let evidence: Vec<String> = fs::read_dir(reader.home.join("state/evidence"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| name.contains("-news-ru-7-"))
        .collect();
    assert_eq!(evidence.len(), 2, "{evidence:?}");
    // The same copy again is no equivocation, nor the same edition repacked to carry a
    // revocation made since; and the revocation it carries is learnt.
    ok(reader.open(&first));
    let other = newsroom.signing_key("build-0", "news-ru", &[]);
    newsroom.revoke(&other, "news-ru=0", "retired");
    let original = fs::read(&first).unwrap();
    fs::remove_file(&first).unwrap();
    let repacked = newsroom.edition(&key, "news-ru", 7, "2026-12-02T00:00:00Z", "First");
    assert_ne!(fs::read(&repacked).unwrap(), original);
    ok(reader.verify(&repacked)).expect_no_text("EQUIVOCATION");
    let learnt = fs::read_to_string(reader.home.join("state/authority.json")).unwrap();
    assert!(learnt.contains("\"statements\": [\n"), "{learnt}");
}

#[test]
fn cross_channel_signing_by_a_certified_key_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let newsroom = Newsroom::new(dir.path(), 1, 1);
    let key = newsroom.signing_key("build-ru", "news-ru*", &[]);
    // The publisher's own tool refuses first.
    let folder = newsroom.dir.join("fa");
    fs::create_dir_all(&folder).unwrap();
    fs::write(folder.join("index.md"), "# Fa\n").unwrap();
    publisher()
        .arg("pack")
        .arg(&folder)
        .arg("--secret-key")
        .arg(&key.secret)
        .arg("--certificate")
        .arg(&key.certificate)
        .args(["--channel", "news-fa", "--seq", "1"])
        .arg("--out")
        .arg(dir.path().join("fa.tar.zst"))
        .run()
        .expect_code(2)
        .expect_text("does not let build-ru sign the channel news-fa");
    // A thief with the key signs it anyway.
    let reader = Reader::new(dir.path(), &newsroom);
    let ru = newsroom.edition(&key, "news-ru-east", 1, "2026-12-02T00:00:00Z", "Ru");
    ok(reader.verify(&ru));
    let forged = dir.path().join("forged.tar.zst");
    resign(&ru, &key.secret, &forged, |_, manifest| {
        manifest["channel"] = "news-fa".into();
    });
    reader.refuses(
        &forged,
        "which Example News certified for news-ru*, not for the channel news-fa",
    ); // Certified later for news-fa too, by a second certificate: the same key signs both,
    // each edition judged by the certificate that names its channel.
    let second = newsroom.dir.join("build-ru-fa.cert");
    newsroom.certify(&key.public, "news-fa", &[], &second);
    let both = Signing {
        public: key.public.clone(),
        secret: key.secret.clone(),
        certificate: second,
    };
    let fa = newsroom.edition(&both, "news-fa", 1, "2026-12-03T00:00:00Z", "Fa");
    ok(reader.open(&ru)).expect_text("ADDED");
    ok(reader.open(&fa)).expect_text("ADDED");
}

#[test]
fn an_expired_certificate_is_a_warning_and_still_readable() {
    let dir = tempfile::tempdir().unwrap();
    let newsroom = Newsroom::new(dir.path(), 1, 1);
    let key = newsroom.signing_key("build-1", "news-ru", &["--until", "2026-12-03"]);
    let edition = newsroom.edition(&key, "news-ru", 1, "2026-12-02T00:00:00Z", "One");
    let mut reader = Reader::new(dir.path(), &newsroom);
    reader.clock = Some("2026-12-10T00:00:00Z".into());
    let out = ok(reader.open(&edition));
    out.expect_text("ADDED")
        .expect_text("expired on 2026-12-03");
    let text = ok(reader.cmd().arg("status").run()).stdout;
    assert!(
        text.contains("WARNING the certificate of build-1 from Example News expired on 2026-12-03"),
        "{text}"
    );
}

#[test]
fn a_revoked_keys_edition_below_the_revocation_point_is_accepted() {
    let dir = tempfile::tempdir().unwrap();
    let newsroom = Newsroom::new(dir.path(), 1, 1);
    let stolen = newsroom.signing_key("build-1", "news-ru*", &[]);
    let before = newsroom.edition(&stolen, "news-ru", 142, "2026-12-02T00:00:00Z", "Before");
    let after = newsroom.thief_edition(&stolen, "news-ru", 143, "2026-12-03T00:00:00Z", "After");
    let revocation = newsroom.revoke(&stolen, "news-ru=143", "laptop seized");
    // A stick with the editions and the revocation file: `open STICK` reads the revocation
    // first, so the edition it refuses is never added.
    let stick = dir.path().join("stick");
    fs::create_dir_all(&stick).unwrap();
    for file in [&before, &after, &revocation] {
        fs::copy(file, stick.join(file.file_name().unwrap())).unwrap();
    }
    let reader = Reader::new(dir.path(), &newsroom);
    let out = reader.open(&stick);
    out.expect_code(1)
        .expect_text("revoked the key")
        .expect_text("ADDED")
        .expect_text("revoked on 2026-12-05 (reason: laptop seized)");
    let list = reader.library_list();
    assert!(
        list.contains("-news-ru-142") && !list.contains("-news-ru-143"),
        "{list}"
    );
    ok(reader.verify(&revocation)).expect_text("revoked the key");
    ok(reader.open(&before)).expect_text("ALREADY");
    reader.refuses(
        &after,
        "signed by a key that Example News revoked on 2026-12-05 (reason: laptop seized)",
    );
    // unpack follows the same rules: the edition below the point unpacks, the one above is
    // refused and its folder never appears.
    let below = dir.path().join("unpacked-below");
    ok(reader
        .cmd()
        .arg("unpack")
        .arg(&before)
        .arg("--to")
        .arg(&below)
        .run());
    assert!(below.join("index.md").is_file());
    let above = dir.path().join("unpacked-above");
    reader
        .cmd()
        .arg("unpack")
        .arg(&after)
        .arg("--to")
        .arg(&above)
        .run()
        .expect_code(1)
        .expect_text("revoked on 2026-12-05");
    assert!(!above.exists());
}

#[test]
fn a_statement_with_another_objects_context_string_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let newsroom = Newsroom::new(dir.path(), 1, 1);
    let key = newsroom.signing_key("build-1", "news-ru", &[]);
    let revocation = newsroom.revoke(&key, "news-ru=5", "test");
    let reader = Reader::new(dir.path(), &newsroom);
    // The revocation's kind byte turned into "certificate": its signature was made under the
    // revocation context, so it verifies under no other.
    let mut file = Credentials::parse_file(&fs::read(&revocation).unwrap()).unwrap();
    let mut bytes = file.others[0].to_bytes();
    bytes[8] = 2;
    file.others[0] = tamizdat::format::statement::SignedStatement::parse(&bytes).unwrap();
    let relabelled = dir.path().join("relabelled.tzs");
    fs::write(&relabelled, file.to_file_bytes()).unwrap();
    reader
        .verify(&relabelled)
        .expect_code(1)
        .expect_text("carries 0 valid editor signatures");
    // A bundle header's signature by a root editor never passes as a statement either.
    let root = SecretKey::load(&newsroom.root_keys[0], &mut || unreachable!()).unwrap();
    let mut statement = tamizdat::format::statement::SignedStatement::unsigned(
        tamizdat::format::statement::StatementKind::Revocation,
        file.others[0].unverified_body(),
    )
    .unwrap();
    let mut message = b"tamizdat/v2/bundle-header\0".to_vec();
    message.extend_from_slice(&statement.signed_message()[b"tamizdat/v1/revocation\0".len()..]);
    statement
        .add_signature(root.public().key_id(), root.sign(&message))
        .unwrap();
    file.others[0] = statement;
    fs::write(&relabelled, file.to_file_bytes()).unwrap();
    reader
        .verify(&relabelled)
        .expect_code(1)
        .expect_text("carries 0 valid editor signatures");
    // The reader learnt nothing from either.
    let status = reader.status();
    assert_eq!(
        status["revoked_editions"],
        serde_json::json!([]),
        "{status}"
    );
}

#[test]
fn an_import_that_verifies_zero_files_fails_loudly() {
    let dir = tempfile::tempdir().unwrap();
    let newsroom = Newsroom::new(dir.path(), 1, 1);
    let reader = Reader::new(dir.path(), &newsroom);
    // A folder with nothing verifiable in it: not a silent success.
    let empty = dir.path().join("stick");
    fs::create_dir_all(&empty).unwrap();
    fs::write(empty.join("notes.txt"), "not a bundle").unwrap();
    let out = reader.open(&empty);
    assert_ne!(out.code, 0, "{}", out.text());
    out.expect_text("there is no tamizdat bundle in this folder");
    let out = reader.verify(&empty);
    assert_ne!(out.code, 0, "{}", out.text());
    // A certified bundle from a root the reader does not trust verifies nothing: refused, exit 1.
    let other = Newsroom::new(&dir.path().join("other"), 1, 1);
    let key = other.signing_key("build-x", "news-ru", &[]);
    let bundle = other.edition(&key, "news-ru", 1, "2026-12-02T00:00:00Z", "X");
    reader.refuses(&bundle, "certified by a publisher root you do not trust");
    assert!(
        !reader.library.join("editions").exists()
            || fs::read_dir(reader.library.join("editions"))
                .unwrap()
                .count()
                == 0
    );
}

#[test]
fn the_reader_state_deleted_is_relearnt_from_the_next_bundle() {
    let dir = tempfile::tempdir().unwrap();
    let newsroom = Newsroom::new(dir.path(), 1, 1);
    let stolen = newsroom.signing_key("build-1", "news-ru*", &[]);
    let forged = newsroom.edition(&stolen, "news-ru", 20, "2026-12-03T00:00:00Z", "Forged");
    newsroom.revoke(&stolen, "news-ru=20", "laptop seized");
    let fresh = newsroom.signing_key("build-2", "news-ru*", &[]);
    let reader = Reader::new(dir.path(), &newsroom);
    ok(reader.open(&newsroom.edition(&fresh, "news-ru", 21, "2026-12-06T00:00:00Z", "New")));
    reader.refuses(&forged, "revoked");
    // The state is lost (a new phone, a wiped folder).
    fs::remove_dir_all(reader.home.join("state")).unwrap();
    // The next bundle carries the chain and every revocation: learnt again.
    ok(reader.open(&newsroom.edition(&fresh, "news-ru", 22, "2026-12-07T00:00:00Z", "Newer")));
    reader.refuses(&forged, "revoked on 2026-12-05 (reason: laptop seized)");
    // And a replay of #21 is an older edition again.
    ok(reader.verify(&newsroom.dir.join("news-ru-21-New.tar.zst"))).expect_text("OLDER");
}

#[test]
fn each_revocation_applies_on_its_own_and_only_to_its_roots_editions() {
    let dir = tempfile::tempdir().unwrap();
    let newsroom = Newsroom::new(dir.path(), 1, 1);
    let key = newsroom.signing_key("build-1", "news*", &[]);
    let other = Newsroom::new(&dir.path().join("second"), 1, 1);
    let reader = Reader::new(dir.path(), &newsroom);
    ok(reader
        .cmd()
        .arg("trust")
        .arg("add")
        .arg(&other.root_pub)
        .run());
    let elsewhere = other.signing_key("build-x", "news", &[]);
    ok(reader.open(&other.edition(&elsewhere, "news", 3, "2026-12-02T00:00:00Z", "Theirs")));
    ok(reader.open(&newsroom.edition(&key, "news", 3, "2026-12-02T00:00:00Z", "Ours")));
    // A first revocation retires the key for news from 100; a later one, after a theft,
    // revokes it from 2 in every channel. Each applies on its own.
    newsroom.revoke(&key, "news=100", "retired");
    newsroom.revoke(&key, "*=2", "stolen");
    let fresh = newsroom.signing_key("build-2", "news*", &[]);
    ok(reader.open(&newsroom.edition(&fresh, "news", 4, "2026-12-06T00:00:00Z", "Next")));
    let list = reader.library_list();
    let ours = list
        .lines()
        .find(|l| l.contains("-news-3") && l.contains("build-1"))
        .unwrap_or_else(|| panic!("{list}"));
    assert!(ours.contains("REVOKED"), "{list}");
    // The other root's edition, same channel and number, is not touched by our revocations.
    let theirs = list
        .lines()
        .find(|l| l.contains("build-x"))
        .unwrap_or_else(|| panic!("{list}"));
    assert!(!theirs.contains("REVOKED"), "{list}");
}

#[test]
fn a_next_key_announced_in_todays_editions_is_known_before_it_signs() {
    let dir = tempfile::tempdir().unwrap();
    let newsroom = Newsroom::new(dir.path(), 1, 1);
    let today = newsroom.signing_key("build-1", "news-ru", &[]);
    // The next key's certificate starts next year, and travels in today's editions.
    let (next_public, next_secret) = keygen(&newsroom.dir, "build-2", "build-2");
    let statements = newsroom.statements();
    fs::create_dir_all(&statements).unwrap();
    let announced = statements.join("next-key.cert");
    newsroom.certify(
        &next_public,
        "news-ru",
        &["--from", "2027-01-01"],
        &announced,
    );
    let reader = Reader::new(dir.path(), &newsroom);
    let edition = newsroom.edition(&today, "news-ru", 1, "2026-12-02T00:00:00Z", "Today");
    ok(reader.open(&edition));
    // Stock tools still read a certified bundle: the credentials are in a skippable frame.
    let listing = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("zstd -dc '{}' | tar -tf -", edition.display()))
        .output()
        .expect("zstd and tar (scripts/test.sh installs them)");
    assert!(listing.status.success(), "{listing:?}");
    assert_eq!(String::from_utf8_lossy(&listing.stdout).trim(), "index.md");
    // Next year, a bundle of the new key that carries only the chain is accepted: the reader
    // already holds its certificate.
    let next = Signing {
        public: next_public,
        secret: next_secret,
        certificate: announced,
    };
    let later = newsroom.thief_edition(&next, "news-ru", 2, "2027-01-02T00:00:00Z", "Next");
    let bare = dir.path().join("bare.tar.zst");
    resign(&later, &next.secret, &bare, |credentials, _| {
        let mut carried = Credentials::parse(credentials).unwrap();
        carried.others.clear();
        *credentials = carried.to_bytes();
    });
    ok(reader.open(&bare)).expect_text("ADDED");
    // A reader that never saw the announcement has no certificate for it.
    let fresh = Reader {
        home: dir.path().join("fresh-home"),
        library: dir.path().join("fresh-library"),
        clock: reader.clock.clone(),
    };
    fs::create_dir_all(&fresh.home).unwrap();
    ok(fresh
        .cmd()
        .arg("trust")
        .arg("add")
        .arg(&newsroom.root_pub)
        .run());
    fresh.refuses(&bare, "has no certificate from Example News");
    // Dated before its certificate starts, the new key's edition is refused: the publisher's
    // tool will not pack it, and a reader will not take it.
    let folder = newsroom.dir.join("early");
    fs::create_dir_all(&folder).unwrap();
    fs::write(folder.join("index.md"), "# Early\n").unwrap();
    publisher()
        .arg("pack")
        .arg(&folder)
        .arg("--secret-key")
        .arg(&next.secret)
        .arg("--certificate")
        .arg(&next.certificate)
        .args([
            "--channel",
            "news-ru",
            "--seq",
            "3",
            "--time",
            "2026-12-20T00:00:00Z",
        ])
        .arg("--out")
        .arg(dir.path().join("early.tar.zst"))
        .run()
        .expect_code(2)
        .expect_text("only from a later date than this edition's time");
    let early = dir.path().join("early-forged.tar.zst");
    resign(&later, &next.secret, &early, |_, manifest| {
        manifest["sequence"] = 3.into();
        manifest["created"] = "2026-12-20T00:00:00Z".into();
    });
    reader.refuses(&early, "before the certificate of build-2");
}

#[test]
fn after_a_rotation_old_revocations_are_signed_again_and_rotated_out_editors_revoke_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let newsroom = Newsroom::new(dir.path(), 1, 1);
    let stolen = newsroom.signing_key("build-1", "news-ru", &[]);
    let forged = newsroom.thief_edition(&stolen, "news-ru", 5, "2026-12-03T00:00:00Z", "Forged");
    let revocation = newsroom.revoke(&stolen, "news-ru=5", "laptop seized");
    let reader = Reader::new(dir.path(), &newsroom);
    ok(reader.open(&newsroom.thief_edition(&stolen, "news-ru", 4, "2026-12-02T00:00:00Z", "Real")));
    ok(reader.verify(&revocation));
    // The root moves to a new editor (the old one's laptop went too).
    let (editor_pub, editor_key) = keygen(&newsroom.dir, "editor-2", "Editor 2");
    ok(rotate_root(
        &[&newsroom.root_keys[0], &editor_key],
        &newsroom.chain,
        &editor_pub,
        &newsroom.chain,
    ));
    let (fresh_pub, fresh_key) = keygen(&newsroom.dir, "build-2", "build-2");
    let certificate = newsroom.dir.join("build-2.cert");
    ok(publisher()
        .arg("certify")
        .arg("--root-key")
        .arg(&editor_key)
        .arg("--chain")
        .arg(&newsroom.chain)
        .arg("--public-key")
        .arg(&fresh_pub)
        .args(["--channels", "news-ru", "--time", "2026-12-06T00:00:00Z"])
        .arg("--out")
        .arg(&certificate)
        .run());
    let fresh = Signing {
        public: fresh_pub,
        secret: fresh_key,
        certificate,
    };
    // The old revocation, signed by the rotated-out editor only, no longer packs...
    let folder = newsroom.dir.join("edition-6");
    fs::create_dir_all(&folder).unwrap();
    fs::write(folder.join("index.md"), "# Six\n").unwrap();
    let pack = || {
        publisher()
            .arg("pack")
            .arg(&folder)
            .arg("--secret-key")
            .arg(&fresh.secret)
            .arg("--certificate")
            .arg(&fresh.certificate)
            .arg("--statements")
            .arg(newsroom.statements())
            .args([
                "--channel",
                "news-ru",
                "--seq",
                "6",
                "--time",
                "2026-12-06T00:00:00Z",
            ])
            .arg("--out")
            .arg(dir.path().join("six.tar.zst"))
            .run()
    };
    pack()
        .expect_code(2)
        .expect_text("tamizdat-publish cosign FILE");
    // ...until the new editor signs it again, which brings the new chain into it.
    ok(publisher()
        .arg("cosign")
        .arg(&revocation)
        .arg("--secret-key")
        .arg(&editor_key)
        .arg("--chain")
        .arg(&newsroom.chain)
        .arg("--yes")
        .run())
    .expect_text("(complete)");
    ok(pack());
    let six = dir.path().join("six.tar.zst");
    ok(reader.open(&six)).expect_text("ADDED");
    reader.refuses(&forged, "revoked on 2026-12-05");
    // A reader who never saw the revocation learns it from the new edition.
    let late = Reader {
        home: dir.path().join("late-home"),
        library: dir.path().join("late-library"),
        clock: reader.clock.clone(),
    };
    fs::create_dir_all(&late.home).unwrap();
    ok(late
        .cmd()
        .arg("trust")
        .arg("add")
        .arg(&newsroom.root_pub)
        .run());
    ok(late.open(&six));
    late.refuses(&forged, "INVALID");
    let learnt = fs::read_to_string(late.home.join("state/authority.json")).unwrap();
    assert!(learnt.contains("\"statements\": [\n"), "{learnt}");
    // The rotated-out editor alone now revokes nothing: a revocation of the new key, signed
    // with the old editor's key, is refused.
    let bogus = dir.path().join("bogus.tzs");
    let mut file = Credentials::parse_file(&fs::read(&revocation).unwrap()).unwrap();
    let old_editor = SecretKey::load(&newsroom.root_keys[0], &mut || unreachable!()).unwrap();
    let chain = tamizdat::authority::publisher::chain_of(&file, &bogus).unwrap();
    let mut from = std::collections::BTreeMap::new();
    from.insert("*".to_string(), 0);
    let fresh_key = tamizdat::keys::PublicKey::load(&fresh.public).unwrap();
    let mut statement = tamizdat::authority::revocation_statement(
        &chain,
        &fresh_key,
        from,
        "sabotage",
        time::macros::datetime!(2026-12-07 0:00 UTC),
    )
    .unwrap();
    tamizdat::authority::sign(&mut statement, &old_editor);
    file.others = vec![statement];
    fs::write(&bogus, file.to_file_bytes()).unwrap();
    reader
        .verify(&bogus)
        .expect_code(1)
        .expect_text("carries 0 valid editor signatures of the 1 its root asks for");
    ok(reader.verify(&six));
}

#[test]
fn a_root_is_listed_and_removed_like_a_key() {
    let dir = tempfile::tempdir().unwrap();
    let newsroom = Newsroom::new(dir.path(), 1, 1);
    let key = newsroom.signing_key("build-1", "news-ru", &[]);
    let edition = newsroom.edition(&key, "news-ru", 1, "2026-12-02T00:00:00Z", "One");
    let reader = Reader::new(dir.path(), &newsroom);
    let root_id = fs::read_to_string(&newsroom.root_pub)
        .unwrap()
        .lines()
        .find_map(|line| line.strip_prefix("root-id: ").map(str::to_string))
        .unwrap();
    ok(reader.cmd().args(["trust", "list"]).run())
        .expect_text(&format!("{root_id}  "))
        .expect_text("Example News (publisher root)");
    ok(reader.open(&edition));
    ok(reader.cmd().args(["trust", "remove", &root_id[..8]]).run())
        .expect_text("no longer trusted")
        .expect_text("(publisher root)");
    reader
        .verify(&edition)
        .expect_code(1)
        .expect_text("certified by a publisher root you do not trust");
    // Its editions' pages stop saying Verified.
    let list = reader.library_list();
    assert!(list.contains("no longer trust"), "{list}");
}
