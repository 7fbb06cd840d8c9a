//! Who may sign: untrusted and weak keys, forged and swapped headers, the trust store, and the
//! publisher's key files (keygen, passphrases, file modes).

mod common;

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use common::*;
use tamizdat::format::Sha256Digest;
use tamizdat::format::header::unsigned_header;
use tamizdat::keys::PublicKey;

/// A small edition with one article and two files, whose contents depend on `seed`; the
/// random file has a fixed size, so two seeds give payloads of the same length.
fn small_edition(root: &Path, seed: u64) {
    let mut rng = Rng::new(seed);
    write_file(
        root,
        "index.md",
        b"---\ntitle: Small edition\nlang: en\n---\n\n# Small edition\n",
    );
    write_file(root, "politics/story.txt", &rng.bytes(20_000));
    write_file(root, "politics/photo.bin", &rng.bytes(30_000));
}

struct Setup {
    work: tempfile::TempDir,
    key: Key,
    bundle: PathBuf,
}

/// An edition packed with a seeded key.
fn setup(name: &str, seed: u8) -> Setup {
    let work = tempfile::tempdir().unwrap();
    let edition = work.path().join("edition");
    small_edition(&edition, 1);
    let key = make_key(work.path(), name, seed);
    let bundle = work.path().join("bundle.tzst");
    pack_ok(&edition, &key, &bundle);
    Setup { work, key, bundle }
}

/// Asserts that unpacking `bundle` fails with exit 1 and creates nothing.
#[track_caller]
fn assert_unpack_refused(bundle: &Path, public_key: &Path, work: &Path) {
    let to = work.join("unpacked");
    unpack(bundle, &to, public_key).expect_code(1);
    assert_absent(&to, "unpack of a refused bundle");
    assert_no_leftovers(work, "unpack of a refused bundle");
}

#[test]
fn bundle_signed_by_a_key_the_reader_does_not_trust_is_refused_naming_its_key_id() {
    let s = setup("Publisher A", 51);
    let other = make_key(s.work.path(), "Publisher B", 52);
    let out = verify(&s.bundle, &other.public_path);
    out.expect_code(1)
        .expect_text("not signed by a key you trust")
        .expect_text(&s.key.key_id())
        .line_starting("INVALID");
    out.expect_no_line_starting("VALID");
    assert_unpack_refused(&s.bundle, &other.public_path, s.work.path());
    // Sanity: the right key accepts it.
    verify(&s.bundle, &s.key.public_path).expect_code(0);
}

#[test]
fn bundle_from_an_unknown_key_is_refused_with_an_empty_trust_store() {
    let s = setup("Publisher A", 53);
    let out = reader().args(["verify"]).arg(&s.bundle).run();
    out.expect_code(1)
        .expect_text("not signed by a key you trust")
        .expect_text(&s.key.key_id())
        .line_starting("INVALID");
    let to = s.work.path().join("unpacked");
    reader()
        .args(["unpack"])
        .arg(&s.bundle)
        .arg("--to")
        .arg(&to)
        .run()
        .expect_code(1)
        .expect_text("not signed by a key you trust");
    assert_absent(&to, "unpack without trusted keys");
}

fn weak_key_file(dir: &Path) -> PathBuf {
    // The identity point of Ed25519 (small order): it would "verify" forged signatures.
    let mut point = [0u8; 32];
    point[0] = 1;
    let path = dir.join("weak.pub");
    fs::write(
        &path,
        format!(
            "name: Weak Key\ned25519: {}\n",
            data_encoding::BASE64.encode(&point)
        ),
    )
    .unwrap();
    path
}

#[test]
fn weak_small_order_public_key_is_refused_by_public_key_option_and_trust_add() {
    let s = setup("Publisher A", 54);
    let weak = weak_key_file(s.work.path());

    let out = verify(&s.bundle, &weak);
    out.expect_code(2)
        .expect_text("weak")
        .expect_no_line_starting("VALID");

    let to = s.work.path().join("unpacked");
    unpack(&s.bundle, &to, &weak)
        .expect_code(2)
        .expect_text("weak");
    assert_absent(&to, "unpack with a weak key");

    let home = s.work.path().join("home");
    reader()
        .home(&home)
        .args(["trust", "add"])
        .arg(&weak)
        .run()
        .expect_code(2)
        .expect_text("weak")
        .expect_no_text("now trusted");
    reader()
        .home(&home)
        .args(["trust", "list"])
        .run()
        .expect_code(0)
        .expect_text("no trusted keys")
        .expect_no_text("Weak Key");
}

#[test]
fn header_swapped_between_two_validly_signed_bundles_is_refused_as_corrupted() {
    let work = tempfile::tempdir().unwrap();
    let key = make_key(work.path(), "Same Publisher", 55);
    let (a, b) = (work.path().join("a-ed"), work.path().join("b-ed"));
    small_edition(&a, 100);
    small_edition(&b, 200);
    let bundle_a = pack_ok(&a, &key, &work.path().join("a.tzst"));
    let bundle_b = pack_ok(&b, &key, &work.path().join("b.tzst"));
    let (ha, hb) = (
        header_len(&bundle_a) as usize,
        header_len(&bundle_b) as usize,
    );
    assert_eq!(
        bundle_a.len() - ha,
        bundle_b.len() - hb,
        "precondition: random files of equal size give payloads of equal length"
    );
    assert_ne!(
        bundle_a[ha..],
        bundle_b[hb..],
        "precondition: payloads differ"
    );

    for (name, header, payload) in [
        ("a-header-b-payload.tzst", &bundle_a[..ha], &bundle_b[hb..]),
        ("b-header-a-payload.tzst", &bundle_b[..hb], &bundle_a[ha..]),
    ] {
        let path = work.path().join(name);
        fs::write(&path, [header, payload].concat()).unwrap();
        verify(&path, &key.public_path)
            .expect_code(1)
            .expect_text("corrupted")
            .line_starting("INVALID");
        verify_quick(&path, &key.public_path)
            .expect_code(1)
            .expect_text("corrupted")
            .line_starting("INVALID");
        assert_unpack_refused(&path, &key.public_path, work.path());
    }
}

#[test]
fn signed_header_lying_about_a_file_hash_is_refused_naming_the_file() {
    let s = setup("Publisher A", 56);
    let original = fs::read(&s.bundle).unwrap();
    let forged = resign(&original, &s.key.secret, |manifest| {
        let file = manifest
            .files
            .iter_mut()
            .find(|f| f.path.as_str() == "politics/story.txt")
            .expect("the file is listed");
        file.sha256 = Sha256Digest::of(b"what the forger wants readers to see");
    });
    let path = s.work.path().join("forged.tzst");
    fs::write(&path, &forged).unwrap();
    verify(&path, &s.key.public_path)
        .expect_code(1)
        .expect_text("corrupted")
        .expect_text("politics/story.txt")
        .line_starting("INVALID");
    // The payload is untouched, so the whole-payload hash still matches: --quick passes by
    // design, and only full verification sees the lie.
    assert_unpack_refused(&path, &s.key.public_path, s.work.path());
}

#[test]
fn signed_header_lying_about_a_file_size_is_refused_naming_the_file() {
    let s = setup("Publisher A", 57);
    let original = fs::read(&s.bundle).unwrap();
    for delta in [1i64, -1] {
        let forged = resign(&original, &s.key.secret, |manifest| {
            let file = manifest
                .files
                .iter_mut()
                .find(|f| f.path.as_str() == "politics/photo.bin")
                .expect("the file is listed");
            file.size = file.size.checked_add_signed(delta).unwrap();
        });
        let path = s.work.path().join("forged.tzst");
        fs::write(&path, &forged).unwrap();
        verify(&path, &s.key.public_path)
            .expect_code(1)
            .expect_text("politics/photo.bin")
            .expect_text("bytes")
            .line_starting("INVALID");
        assert_unpack_refused(&path, &s.key.public_path, s.work.path());
    }
}

#[test]
fn header_resigned_after_changing_sequence_is_still_valid() {
    let s = setup("Publisher A", 58);
    let original = fs::read(&s.bundle).unwrap();
    let resigned = resign(&original, &s.key.secret, |manifest| {
        assert_eq!(manifest.sequence, 1);
        manifest.sequence = 42;
    });
    assert_ne!(resigned, original);
    let path = s.work.path().join("resigned.tzst");
    fs::write(&path, &resigned).unwrap();
    let out = verify(&path, &s.key.public_path);
    out.expect_code(0);
    let line = out.line_starting("VALID");
    assert!(line.contains("#42"), "the new sequence is shown: {line}");
}

#[test]
fn header_signed_by_another_key_under_the_trusted_key_id_is_refused() {
    let s = setup("Publisher A", 59);
    let attacker = make_key(s.work.path(), "Attacker", 60);
    let original = fs::read(&s.bundle).unwrap();
    let header = tamizdat::format::SignedHeader::parse(&original).unwrap();
    // Same preamble and manifest, claiming A's key id, but signed with the attacker's key.
    let (mut forged, message) = unsigned_header(
        s.key.secret.public().key_id(),
        &header.manifest_json().unwrap(),
    )
    .unwrap();
    assert_eq!(forged[..], original[..forged.len()]);
    forged.extend_from_slice(&attacker.secret.sign(&message));
    forged.extend_from_slice(&original[header.preamble.header_len() as usize..]);
    let path = s.work.path().join("forged.tzst");
    fs::write(&path, &forged).unwrap();
    verify(&path, &s.key.public_path)
        .expect_code(1)
        .expect_text("signature")
        .line_starting("INVALID");
    assert_unpack_refused(&path, &s.key.public_path, s.work.path());
}

#[test]
fn trust_add_list_and_remove_decide_which_bundles_verify() {
    let s = setup("Редакция «Тест»", 61);
    let home = s.work.path().join("home");
    let verify_trusted = || reader().home(&home).args(["verify"]).arg(&s.bundle).run();
    verify_trusted()
        .expect_code(1)
        .expect_text("not signed by a key you trust");

    reader()
        .home(&home)
        .args(["trust", "add"])
        .arg(&s.key.public_path)
        .run()
        .expect_code(0)
        .expect_text(&s.key.fingerprint());
    let listed = reader().home(&home).args(["trust", "list"]).run();
    listed
        .expect_code(0)
        .expect_text(&s.key.fingerprint())
        .expect_text("Редакция «Тест»")
        .expect_text(&s.key.key_id());
    verify_trusted().expect_code(0).line_starting("VALID");

    // Adding it again changes nothing.
    reader()
        .home(&home)
        .args(["trust", "add"])
        .arg(&s.key.public_path)
        .run()
        .expect_code(0)
        .expect_text("already trusted");
    verify_trusted().expect_code(0);

    let id_prefix = &s.key.key_id()[..8];
    reader()
        .home(&home)
        .args(["trust", "remove", id_prefix])
        .run()
        .expect_code(0)
        .expect_text(&s.key.fingerprint());
    reader()
        .home(&home)
        .args(["trust", "list"])
        .run()
        .expect_code(0)
        .expect_no_text(&s.key.fingerprint());
    verify_trusted()
        .expect_code(1)
        .expect_text("not signed by a key you trust");
    // Removing what is not there is an error, not a silent success.
    reader()
        .home(&home)
        .args(["trust", "remove", id_prefix])
        .run()
        .expect_code(2);

    // A fingerprint prefix, as read aloud with its dash, works as well as a key id.
    reader()
        .home(&home)
        .args(["trust", "add"])
        .arg(&s.key.public_path)
        .run()
        .expect_code(0);
    verify_trusted().expect_code(0);
    let fingerprint_prefix = &s.key.fingerprint()[..9];
    reader()
        .home(&home)
        .args(["trust", "remove", fingerprint_prefix])
        .run()
        .expect_code(0);
    verify_trusted().expect_code(1);
}

#[test]
fn fingerprint_of_the_demo_key_is_six_groups_of_four_base32_characters() {
    let demo = repo().join("keys/demo.pub");
    let out = reader().arg("fingerprint").arg(&demo).run();
    out.expect_code(0);
    let printed = out
        .stdout
        .split_whitespace()
        .next()
        .expect("a fingerprint")
        .to_string();
    let groups: Vec<&str> = printed.split('-').collect();
    assert_eq!(groups.len(), 6, "{printed}");
    for group in groups {
        assert_eq!(group.len(), 4, "{printed}");
        assert!(
            group
                .bytes()
                .all(|b| b.is_ascii_uppercase() || (b'2'..=b'7').contains(&b)),
            "{printed} is not base32"
        );
    }
    let key = PublicKey::load(&demo).unwrap();
    assert_eq!(printed, key.fingerprint());
    let text = fs::read_to_string(&demo).unwrap();
    assert!(text.contains(&format!("fingerprint: {printed}")));
    out.expect_text(&key.key_id().to_hex())
        .expect_text(key.name());
}

fn keygen(dir: &Path, extra: &[&str]) -> Cmd {
    keygen_cmd(dir).args(extra)
}

/// Encrypting and decrypting a key costs one scrypt run each (about a second in release, much
/// more in a debug build), so this test does one keygen and then runs its three packs at once.
#[test]
fn keygen_writes_an_encrypted_0600_key_that_packs_only_with_its_passphrase() {
    let work = tempfile::tempdir().unwrap();
    let dir = work.path();
    let created = keygen(dir, &[])
        .env("TAMIZDAT_PASSPHRASE", "correct horse battery staple")
        .run();
    created.expect_code(0);
    let secret_path = dir.join("new.key");
    let public_path = dir.join("new.pub");
    assert_eq!(mode(&secret_path) & 0o777, 0o600, "secret key mode");
    let secret_text = fs::read_to_string(&secret_path).unwrap();
    assert!(
        secret_text.starts_with("-----BEGIN AGE ENCRYPTED FILE-----"),
        "the secret key is not age-armoured:\n{secret_text}"
    );
    assert!(!secret_text.contains("ed25519-secret"));
    let public = PublicKey::load(&public_path).expect("keygen wrote a valid public key");
    created
        .expect_text(&public.fingerprint())
        .expect_text("Newsroom Key");

    let edition = example_edition();
    let pack_with = |out: &str| {
        publisher()
            .arg("pack")
            .arg(&edition)
            .arg("--secret-key")
            .arg(&secret_path)
            .args(["--channel", "news", "--seq", "1", "--time", TIME])
            .arg("--out")
            .arg(dir.join(out))
    };
    let wrong_file = dir.join("wrong-passphrase.txt");
    fs::write(&wrong_file, "not the passphrase\n").unwrap();
    fs::set_permissions(&wrong_file, fs::Permissions::from_mode(0o600)).unwrap();
    let exposed_file = dir.join("exposed.txt");
    fs::write(&exposed_file, "correct horse battery staple\n").unwrap();
    fs::set_permissions(&exposed_file, fs::Permissions::from_mode(0o644)).unwrap();
    let right = pack_with("right.tzst")
        .env("TAMIZDAT_PASSPHRASE", "correct horse battery staple")
        .spawn();
    let wrong = pack_with("wrong.tzst")
        .arg("--passphrase-file")
        .arg(&wrong_file)
        .spawn();
    let none = pack_with("none.tzst").spawn();
    let exposed = pack_with("exposed.tzst")
        .arg("--passphrase-file")
        .arg(&exposed_file)
        .spawn();
    let (right, wrong, none, exposed) = (right.wait(), wrong.wait(), none.wait(), exposed.wait());

    right.expect_code(0).expect_text(&public.fingerprint());
    verify(&dir.join("right.tzst"), &public_path)
        .expect_code(0)
        .expect_text(&public.fingerprint());

    wrong
        .expect_code(2)
        .expect_text(&format!(
            "the passphrase in {} does not unlock {}",
            wrong_file.display(),
            secret_path.display()
        ))
        .expect_no_text("secret key file");
    // A passphrase file others can read is refused like a secret key file, even when right,
    // and the refusal names the passphrase file, not the key. (The `chmod 600` advice is the
    // error's hint, which the binary prints once it is wired.)
    exposed
        .expect_code(2)
        .expect_text("the passphrase file")
        .expect_text(&exposed_file.display().to_string())
        .expect_text("can be read by other users")
        .expect_text("mode 644")
        .expect_no_text("secret key file");
    assert_absent(
        &dir.join("exposed.tzst"),
        "pack with an exposed passphrase file",
    );
    assert_absent(&dir.join("wrong.tzst"), "pack with a wrong passphrase");

    // No passphrase and no terminal: an error, never a hang on a prompt.
    none.expect_code(2).expect_text("passphrase");
    assert_absent(&dir.join("none.tzst"), "pack without a passphrase");
    assert_no_leftovers(dir, "after the packs");
}

#[test]
fn keygen_never_overwrites_an_existing_key_file() {
    let work = tempfile::tempdir().unwrap();
    let dir = work.path();
    for existing in ["new.pub", "new.key"] {
        let path = dir.join(existing);
        fs::write(&path, b"precious existing key material\n").unwrap();
        chmod(&path, 0o600);
        let before = snapshot(dir);
        keygen(dir, &["--unencrypted"])
            .run()
            .expect_code(2)
            .expect_text("already exists");
        assert_same_tree(&before, &snapshot(dir), &format!("keygen over {existing}"));
        fs::remove_file(&path).unwrap();
    }
}

#[test]
fn unencrypted_keygen_key_packs_without_a_passphrase() {
    let work = tempfile::tempdir().unwrap();
    let dir = work.path();
    keygen(dir, &["--unencrypted"])
        .run()
        .expect_code(0)
        .expect_text("UNENCRYPTED");
    let secret_path = dir.join("new.key");
    assert_eq!(mode(&secret_path) & 0o777, 0o600, "secret key mode");
    let text = fs::read_to_string(&secret_path).unwrap();
    assert!(text.contains("ed25519-secret:"), "{text}");
    let key = Key {
        secret: tamizdat::keys::SecretKey::load(&secret_path, &mut || {
            panic!("an unencrypted key must not ask for a passphrase")
        })
        .unwrap(),
        secret_path,
        public_path: dir.join("new.pub"),
    };
    let bundle = dir.join("b.tzst");
    pack(&example_edition(), &key, &bundle, &[]).expect_code(0);
    verify(&bundle, &key.public_path).expect_code(0);
}

#[test]
fn secret_key_readable_by_others_is_refused_naming_the_key_file_and_its_mode() {
    let work = tempfile::tempdir().unwrap();
    let key = make_key(work.path(), "Careless Publisher", 62);
    for loose in [0o644, 0o640, 0o604] {
        chmod(&key.secret_path, loose);
        let out = work.path().join("b.tzst");
        pack(&example_edition(), &key, &out, &[])
            .expect_code(2)
            .expect_text("the secret key file")
            .expect_text(&key.secret_path.display().to_string())
            .expect_text(&format!("can be read by other users (mode {loose:o})"));
        assert_absent(&out, &format!("pack with a {loose:o} key"));
        assert_no_leftovers(work.path(), "refused pack");
    }
    chmod(&key.secret_path, 0o600);
    pack(&example_edition(), &key, &work.path().join("b.tzst"), &[]).expect_code(0);
}

#[test]
fn keygen_refuses_an_empty_passphrase_and_writes_nothing() {
    let work = tempfile::tempdir().unwrap();
    keygen(work.path(), &[])
        .env("TAMIZDAT_PASSPHRASE", "")
        .run()
        .expect_code(2)
        .expect_text("passphrase");
    assert!(snapshot(work.path()).is_empty(), "keygen wrote files");
}

#[test]
fn keygen_that_cannot_write_the_public_key_leaves_no_secret_key_behind() {
    let work = tempfile::tempdir().unwrap();
    let dir = work.path();
    let secret_path = dir.join("new.key");
    let out = publisher()
        .args(["keygen", "--name", "Newsroom Key", "--unencrypted"])
        .arg("--public-key")
        .arg(dir.join("no-such-folder/new.pub"))
        .arg("--secret-key")
        .arg(&secret_path)
        .run();
    out.expect_code(2).expect_text("no-such-folder");
    // Otherwise the publisher holds a secret key without its public key, and running keygen
    // again with a corrected path fails because "keys are never overwritten".
    assert_absent(&secret_path, "keygen that failed");
    keygen(dir, &["--unencrypted"]).run().expect_code(0);
}

/// Rewrites the scrypt work factor in an age-armoured secret key file (the `-> scrypt SALT N`
/// stanza of its header), as someone tampering with a stolen or planted key file would.
fn with_work_factor(armoured: &str, log_n: u32) -> String {
    let body: String = armoured
        .lines()
        .filter(|line| !line.starts_with("-----"))
        .collect();
    let mut binary = data_encoding::BASE64.decode(body.as_bytes()).unwrap();
    let stanza = binary
        .windows(10)
        .position(|w| w == b"-> scrypt ")
        .expect("an scrypt stanza");
    let line_end = stanza + binary[stanza..].iter().position(|&b| b == b'\n').unwrap();
    let factor_start = stanza
        + binary[stanza..line_end]
            .iter()
            .rposition(|&b| b == b' ')
            .unwrap()
        + 1;
    binary.splice(factor_start..line_end, log_n.to_string().into_bytes());
    let encoded = data_encoding::BASE64.encode(&binary);
    let mut out = String::from("-----BEGIN AGE ENCRYPTED FILE-----\n");
    for chunk in encoded.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(chunk).unwrap());
        out.push('\n');
    }
    out.push_str("-----END AGE ENCRYPTED FILE-----\n");
    out
}

#[test]
fn secret_key_with_tampered_key_derivation_parameters_is_refused_before_deriving() {
    let work = tempfile::tempdir().unwrap();
    let dir = work.path();
    keygen(dir, &[])
        .env("TAMIZDAT_PASSPHRASE", "correct horse battery staple")
        .run()
        .expect_code(0);
    let secret_path = dir.join("new.key");
    let genuine = fs::read_to_string(&secret_path).unwrap();
    // 2^21 would need 2 GiB of memory, 2^40 two TiB; 2^20 (1 GiB) is the most we try.
    for log_n in [21, 40, 63] {
        let tampered = dir.join(format!("tampered-{log_n}.key"));
        fs::write(&tampered, with_work_factor(&genuine, log_n)).unwrap();
        fs::set_permissions(&tampered, fs::Permissions::from_mode(0o600)).unwrap();
        let started = std::time::Instant::now();
        publisher()
            .arg("pack")
            .arg(example_edition())
            .arg("--secret-key")
            .arg(&tampered)
            .args(["--channel", "news", "--seq", "1", "--time", TIME])
            .arg("--out")
            .arg(dir.join("never.tzst"))
            .env("TAMIZDAT_PASSPHRASE", "correct horse battery staple")
            .run()
            .expect_code(2)
            .expect_text("work factor above the limit of 2^20")
            .expect_text("tampered");
        // Deriving a key at 2^21 alone takes seconds and 2 GiB; refusing it takes nothing.
        assert!(
            started.elapsed() < std::time::Duration::from_secs(5),
            "2^{log_n}: took {:?}",
            started.elapsed()
        );
        assert_absent(&dir.join("never.tzst"), "pack with a tampered key");
    }
    // The untouched file still works, so the tampering alone caused the refusals.
    let tampered_to_the_default = with_work_factor(&genuine, 18);
    assert_eq!(
        tampered_to_the_default, genuine,
        "the rewrite changes nothing else"
    );
}

/// Packs the example edition with the secret key file at `secret_path`.
fn pack_with_key_file(secret_path: &Path, out: &Path) -> Cmd {
    publisher()
        .arg("pack")
        .arg(example_edition())
        .arg("--secret-key")
        .arg(secret_path)
        .args(["--channel", "news", "--seq", "1", "--time", TIME])
        .arg("--out")
        .arg(out)
}

/// The text of an unencrypted secret key file, followed by a second `ed25519-secret:` line.
fn key_text_with_two_secrets(key: &Key) -> String {
    let text = fs::read_to_string(&key.secret_path).unwrap();
    let other = make_key(key.secret_path.parent().unwrap(), "Other", 64);
    let second = fs::read_to_string(&other.secret_path)
        .unwrap()
        .lines()
        .find(|line| line.starts_with("ed25519-secret:"))
        .unwrap()
        .to_string();
    format!("{text}{second}\n")
}

#[test]
fn secret_key_file_with_two_ed25519_secret_lines_is_refused() {
    let work = tempfile::tempdir().unwrap();
    let key = make_key(work.path(), "Publisher", 63);
    let text = key_text_with_two_secrets(&key);
    fs::write(&key.secret_path, &text).unwrap();
    let out = work.path().join("b.tzst");
    let refused = pack_with_key_file(&key.secret_path, &out).run();
    refused
        .expect_code(2)
        .expect_text("is not a tamizdat secret key file")
        .expect_text("line 4 repeats the field `ed25519-secret:`");
    for secret_line in text.lines().filter(|l| l.starts_with("ed25519-secret:")) {
        refused.expect_no_text(secret_line.trim_start_matches("ed25519-secret: "));
    }
    assert_absent(&out, "pack with an ambiguous secret key file");
}

#[test]
fn encrypted_secret_key_whose_decrypted_text_repeats_a_field_is_refused() {
    use age::secrecy::SecretString;
    let work = tempfile::tempdir().unwrap();
    let key = make_key(work.path(), "Publisher", 65);
    let text = key_text_with_two_secrets(&key);
    // A low work factor keeps the test fast; the reader accepts anything up to 2^20.
    let mut recipient = age::scrypt::Recipient::new(SecretString::from("passphrase".to_string()));
    recipient.set_work_factor(10);
    let armoured = age::encrypt_and_armor(&recipient, text.as_bytes()).unwrap();
    let path = work.path().join("encrypted.key");
    fs::write(&path, armoured).unwrap();
    chmod(&path, 0o600);
    let out = work.path().join("b.tzst");
    pack_with_key_file(&path, &out)
        .env("TAMIZDAT_PASSPHRASE", "passphrase")
        .run()
        .expect_code(2)
        .expect_text("encrypted.key is not a tamizdat secret key file")
        .expect_text("line 4 repeats the field `ed25519-secret:`");
    assert_absent(&out, "pack with an ambiguous encrypted key");
    // The same file with one secret packs: the repetition alone was refused.
    let mut recipient = age::scrypt::Recipient::new(SecretString::from("passphrase".to_string()));
    recipient.set_work_factor(10);
    let single = fs::read_to_string(&key.secret_path).unwrap();
    let path = work.path().join("single.key");
    fs::write(
        &path,
        age::encrypt_and_armor(&recipient, single.as_bytes()).unwrap(),
    )
    .unwrap();
    chmod(&path, 0o600);
    pack_with_key_file(&path, &out)
        .env("TAMIZDAT_PASSPHRASE", "passphrase")
        .run()
        .expect_code(0)
        .expect_text(&key.fingerprint());
}

#[test]
fn public_key_file_with_an_unknown_or_misspelt_field_is_refused_by_trust_add() {
    let work = tempfile::tempdir().unwrap();
    let key = make_key(work.path(), "Publisher", 66);
    let genuine = fs::read_to_string(&key.public_path).unwrap();
    let home = work.path().join("home");
    for (name, text, words) in [
        (
            "misspelt.pub",
            genuine.replace("fingerprint:", "fingerprnt:"),
            "line 4 has the unknown field `fingerprnt:`",
        ),
        (
            "repeated.pub",
            format!("{genuine}name: Someone Else\n"),
            "line 6 repeats the field `name:`",
        ),
        (
            "indented.pub",
            genuine.replace("name:", "  name:"),
            "line 2 starts with a space or tab",
        ),
    ] {
        let path = work.path().join(name);
        fs::write(&path, text).unwrap();
        reader()
            .home(&home)
            .args(["trust", "add"])
            .arg(&path)
            .run()
            .expect_code(2)
            .expect_text(&format!("{name} is not a tamizdat public key file"))
            .expect_text(words)
            .expect_no_text("now trusted");
    }
    // CRLF line endings (a file that went through a Windows tool) are the same key.
    let crlf = work.path().join("crlf.pub");
    fs::write(&crlf, genuine.replace('\n', "\r\n")).unwrap();
    reader()
        .home(&home)
        .args(["trust", "add"])
        .arg(&crlf)
        .run()
        .expect_code(0)
        .expect_text(&key.fingerprint());
}

#[test]
fn keygen_refuses_a_passphrase_shorter_than_ten_characters_and_writes_nothing() {
    let work = tempfile::tempdir().unwrap();
    keygen(work.path(), &[])
        .env("TAMIZDAT_PASSPHRASE", "nine char")
        .run()
        .expect_code(2)
        .expect_text("the passphrase has 9 characters; a new key needs at least 10")
        .expect_text("choose a longer one");
    assert!(snapshot(work.path()).is_empty(), "keygen wrote files");
}

#[test]
fn without_a_terminal_keygen_and_pack_say_how_to_give_the_passphrase() {
    let work = tempfile::tempdir().unwrap();
    // stdin is closed and no passphrase is given (the test commands never pass one on): nobody
    // can be asked.
    keygen(work.path(), &[])
        .run()
        .expect_code(2)
        .expect_text("there is no terminal to ask for the passphrase")
        .expect_text("use --passphrase-file FILE, TAMIZDAT_PASSPHRASE, or --unencrypted");
    assert!(snapshot(work.path()).is_empty(), "keygen wrote files");

    let key = make_key(work.path(), "Publisher", 67);
    let mut recipient = age::scrypt::Recipient::new(age::secrecy::SecretString::from(
        "long enough passphrase".to_string(),
    ));
    recipient.set_work_factor(10);
    let text = fs::read_to_string(&key.secret_path).unwrap();
    let path = work.path().join("encrypted.key");
    fs::write(
        &path,
        age::encrypt_and_armor(&recipient, text.as_bytes()).unwrap(),
    )
    .unwrap();
    chmod(&path, 0o600);
    let out = work.path().join("b.tzst");
    let refused = pack_with_key_file(&path, &out).run();
    refused
        .expect_code(2)
        .expect_text("there is no terminal to ask for the passphrase of the secret key file")
        .expect_text("use --passphrase-file FILE or TAMIZDAT_PASSPHRASE");
    assert!(
        !refused.stderr.contains("--unencrypted"),
        "{}",
        refused.stderr
    );
    assert_absent(&out, "pack without a passphrase");
}

#[test]
fn a_public_key_given_as_the_secret_key_is_named_as_such() {
    let work = tempfile::tempdir().unwrap();
    let key = make_key(work.path(), "Publisher", 68);
    let out = work.path().join("b.tzst");
    let refused = pack_with_key_file(&key.public_path, &out).run();
    refused
        .expect_code(2)
        .expect_text(
            "is a public key file (the half you publish, which cannot sign), not a secret key",
        )
        .expect_text("give the .key file that keygen wrote beside it");
    assert!(!refused.stderr.contains("chmod"), "{}", refused.stderr);
    assert_absent(&out, "pack with a public key");
}
