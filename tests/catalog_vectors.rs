//! Test vectors for mirrors and catalogs (FORMAT.md section 11), in `tests/vectors/mirror/`:
//! two mirrors written by `tamizdat-publish mirror add` (one signed by a directly trusted key,
//! one by a certified key), and catalogs that must verify or be refused, each named for why.
//! All are rebuilt here from fixed seeds and times and compared byte for byte;
//! `TAMIZDAT_REGENERATE_VECTORS=1 cargo test --test catalog_vectors` rewrites them after an
//! intended format change (change FORMAT.md with them).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use tamizdat::authority::reader::Authority;
use tamizdat::authority::root_file::RootFile;
use tamizdat::authority::state::StateFile;
use tamizdat::format::catalog::{Catalog, SignedCatalog};
use tamizdat::format::statement::Credentials;
use tamizdat::keys::{SecretKey, TrustedKeys};
use tamizdat::read::Trust;

/// The reader's clock for every verdict: inside the certificate's validity.
const CLOCK: &str = "2026-12-01T00:00:00Z";
const CATALOG_TIME: &str = "2026-11-26T00:00:00Z";
const MIRROR_URL: &str = "https://mirror.example/tamizdat/";

fn vectors() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors")
}

fn dir() -> PathBuf {
    vectors().join("mirror")
}

fn signing() -> SecretKey {
    SecretKey::from_seed("Test Vector Key", &[0x42; 32]).unwrap()
}

fn credentials(name: &str) -> Credentials {
    Credentials::parse_file(&std::fs::read(vectors().join("certified").join(name)).unwrap())
        .unwrap()
}

/// Writes a mirror of `bundle` with the binary, as a publisher would.
fn mirror_add(work: &Path, name: &str, bundle: &Path, certificate: Option<&Path>) -> PathBuf {
    let key_path = work.join("signing.key");
    if !key_path.exists() {
        signing().save(&key_path, None, None).unwrap();
    }
    let to = work.join(name);
    let mut command = Command::new(env!("CARGO_BIN_EXE_tamizdat-publish"));
    command
        .args(["mirror", "add"])
        .arg(bundle)
        .arg("--to")
        .arg(&to)
        .arg("--secret-key")
        .arg(&key_path)
        .args(["--time", CATALOG_TIME, "--mirror-url", MIRROR_URL])
        .env("TAMIZDAT_HOME", work)
        .env_remove("SOURCE_DATE_EPOCH");
    if let Some(certificate) = certificate {
        command.arg("--certificate").arg(certificate);
    }
    let output = command.output().unwrap();
    assert!(output.status.success(), "{output:?}");
    to
}

/// The plain mirror's catalog body, to make the invalid variants from.
fn good_body(catalog_bytes: &[u8]) -> String {
    let signed = SignedCatalog::parse(catalog_bytes).unwrap();
    String::from_utf8(signed.unverified_body().to_vec()).unwrap()
}

/// A catalog over `body` signed by `key`, carrying `credentials`.
fn signed(body: &str, key: &SecretKey, credentials: Option<&Credentials>) -> Vec<u8> {
    let block = credentials.map(Credentials::to_bytes).unwrap_or_default();
    let mut catalog =
        SignedCatalog::unsigned(key.public().key_id(), &block, body.as_bytes()).unwrap();
    catalog.set_signature(key.sign(catalog.signed_message()));
    catalog.to_bytes()
}

/// Every file of the two mirrors, and every catalog vector with the channel it is read as and
/// its expected outcome.
/// A catalog vector: its file name, the channel it is read as, its expected outcome.
type Verdict = (String, String, String);

fn build(work: &Path) -> (BTreeMap<String, Vec<u8>>, Vec<Verdict>) {
    let mut files = BTreeMap::new();
    let plain = mirror_add(work, "plain", &vectors().join("valid-tiny.tar.zst"), None);
    let certified = mirror_add(
        work,
        "certified",
        &vectors().join("certified/valid-certified.tar.zst"),
        Some(&vectors().join("certified/certificate.tzs")),
    );
    for (name, root) in [("plain", &plain), ("certified", &certified)] {
        for entry in walkdir::WalkDir::new(root).sort_by_file_name() {
            let entry = entry.unwrap();
            let relative = entry.path().strip_prefix(root).unwrap();
            let hidden = relative
                .components()
                .any(|c| c.as_os_str().to_string_lossy().starts_with('.'));
            if entry.file_type().is_file() && !hidden {
                let key = format!("{name}/{}", relative.to_string_lossy());
                files.insert(key, std::fs::read(entry.path()).unwrap());
            }
        }
    }
    let plain_catalog = files["plain/catalogs/vectors-1.tzcat"].clone();
    let body = good_body(&plain_catalog);
    let key = signing();
    let mut verdicts = vec![
        (
            "plain/catalogs/vectors-1.tzcat".to_string(),
            "vectors".to_string(),
            "VALID signed by Test Vector Key".to_string(),
        ),
        (
            "certified/catalogs/vectors-1.tzcat".to_string(),
            "vectors".to_string(),
            "VALID certified by Vector News".to_string(),
        ),
    ];
    let mut add = |name: &str, channel: &str, bytes: Vec<u8>, expected: &str| {
        files.insert(name.to_string(), bytes);
        verdicts.push((name.to_string(), channel.to_string(), expected.to_string()));
    };
    let mut flipped = plain_catalog.clone();
    let last = flipped.len() - 1;
    flipped[last] ^= 1;
    add(
        "invalid-flipped-signature.tzcat",
        "vectors",
        flipped,
        "INVALID does not match the signature",
    );
    let mut without_context = SignedCatalog::parse(&plain_catalog).unwrap();
    let context_len = tamizdat::format::catalog::CATALOG_CONTEXT.len();
    without_context.set_signature(key.sign(&without_context.signed_message()[context_len..]));
    add(
        "invalid-signed-without-context.tzcat",
        "vectors",
        without_context.to_bytes(),
        "INVALID does not match the signature",
    );
    let mut trailing = plain_catalog.clone();
    trailing.push(0);
    add(
        "invalid-trailing-byte.tzcat",
        "vectors",
        trailing,
        "INVALID catalog is damaged",
    );
    let variants: [(&str, String, &str); 8] = [
        (
            "invalid-duplicate-member.tzcat",
            body.replacen("\"sequence\":1,", "\"sequence\":1,\"sequence\":2,", 1),
            "appears twice",
        ),
        (
            "invalid-unknown-member.tzcat",
            body.replacen("\"mirrors\":", "\"comment\":\"hi\",\"mirrors\":", 1),
            "unknown member",
        ),
        (
            "invalid-file-name-escapes.tzcat",
            body.replacen("\"vectors-7.tar.zst\"", "\"../vectors-7.tar.zst\"", 1),
            "edition 7's file is",
        ),
        (
            "invalid-length-fraction.tzcat",
            with_fraction_length(&body),
            "not an integer",
        ),
        (
            "invalid-edition-of-another-channel.tzcat",
            body.replacen(
                "{\"channel\":\"vectors\",\"sequence\":7",
                "{\"channel\":\"other\",\"sequence\":7",
                1,
            ),
            "not the catalog's",
        ),
        (
            "invalid-mirror-not-normal.tzcat",
            body.replacen(MIRROR_URL, "https://Mirror.Example/tamizdat/", 1),
            "lowercase host",
        ),
        (
            "invalid-kind.tzcat",
            body.replacen("\"kind\":\"catalog\"", "\"kind\":\"manifest\"", 1),
            "kind is not",
        ),
        (
            "invalid-editions-out-of-order.tzcat",
            duplicate_edition(&body),
            "follows edition 7",
        ),
    ];
    for (name, variant, expected) in variants {
        assert_ne!(variant, body, "{name} changes the body");
        add(
            name,
            "vectors",
            signed(&variant, &key, None),
            &format!("INVALID {expected}"),
        );
    }
    add(
        "invalid-untrusted-key.tzcat",
        "vectors",
        signed(
            &body,
            &SecretKey::from_seed("Stranger", &[0x43; 32]).unwrap(),
            None,
        ),
        "INVALID not signed by a key you trust",
    );
    add(
        "invalid-wrong-channel.tzcat",
        "news-ru",
        plain_catalog.clone(),
        "INVALID of the channel vectors",
    );
    let certificate = credentials("certificate.tzs");
    let other_channel = body.replace("\"vectors", "\"other");
    add(
        "invalid-certified-out-of-scope.tzcat",
        "other",
        signed(&other_channel, &key, Some(&certificate)),
        "INVALID not for the channel other",
    );
    let mut revoked = certificate.clone();
    revoked
        .others
        .extend(credentials("revocation.tzs").others.iter().cloned());
    add(
        "invalid-certified-revoked.tzcat",
        "vectors",
        signed(&body, &key, Some(&revoked)),
        "INVALID revoked on 2026-11-30",
    );
    (files, verdicts)
}

/// The body with the edition's length written with a fraction (`1234.0`).
fn with_fraction_length(body: &str) -> String {
    let start = body.find("\"length\":").unwrap() + "\"length\":".len();
    let end = start + body[start..].find(',').unwrap();
    format!("{}.0{}", &body[..end], &body[end..])
}

/// The body with its one edition listed twice.
fn duplicate_edition(body: &str) -> String {
    let start = body.find("\"editions\":[").unwrap() + "\"editions\":[".len();
    let end = body[start..].find("}").unwrap() + start + 1;
    let edition = &body[start..end];
    format!("{}{edition},{}", &body[..start], &body[start..])
}

fn trust() -> Trust {
    let mut keys = TrustedKeys::default();
    keys.add(signing().public());
    let root = RootFile::from_file_text(
        &std::fs::read_to_string(vectors().join("certified/root.pub")).unwrap(),
        Path::new("root.pub"),
    )
    .unwrap();
    let clock = tamizdat::format::manifest::parse_created(CLOCK).unwrap();
    Trust {
        keys,
        authority: Authority::new(vec![root], &StateFile::default()).with_system_time(clock),
        state: None,
    }
}

fn verdict(bytes: &[u8], channel: &str) -> String {
    match tamizdat::mirror::verify_catalog(bytes, channel, &trust()) {
        Ok(catalog) => match catalog.signer() {
            tamizdat::mirror::CatalogSigner::Key(key) => format!("VALID signed by {}", key.name()),
            tamizdat::mirror::CatalogSigner::Certified(signer) => {
                format!("VALID certified by {}", signer.publisher())
            }
        },
        Err(error) => format!("INVALID {error}"),
    }
}

#[test]
fn mirror_vectors_are_reproduced_byte_for_byte() {
    let work = tempfile::tempdir().unwrap();
    let (files, verdicts) = build(work.path());
    let expected: String = verdicts
        .iter()
        .map(|(name, channel, outcome)| format!("{name} {channel}: {outcome}\n"))
        .collect();
    let dir = dir();
    if std::env::var_os("TAMIZDAT_REGENERATE_VECTORS").is_some() {
        let _ = std::fs::remove_dir_all(&dir);
        for (name, bytes) in &files {
            let path = dir.join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, bytes).unwrap();
        }
        std::fs::write(dir.join("expected.txt"), &expected).unwrap();
    }
    for (name, bytes) in &files {
        let checked_in = std::fs::read(dir.join(name))
            .unwrap_or_else(|e| panic!("{name}: {e}; regenerate the vectors"));
        assert!(
            checked_in == *bytes,
            "{name} differs from what this version writes"
        );
    }
    assert_eq!(
        std::fs::read_to_string(dir.join("expected.txt")).unwrap(),
        expected
    );
}

#[test]
fn checked_in_catalogs_verify_as_expected() {
    let expected = std::fs::read_to_string(dir().join("expected.txt")).unwrap();
    let mut count = 0;
    for line in expected.lines() {
        let (name_and_channel, outcome) = line.split_once(": ").unwrap();
        let (name, channel) = name_and_channel.split_once(' ').unwrap();
        let bytes = std::fs::read(dir().join(name)).unwrap();
        let found = verdict(&bytes, channel);
        let (word, detail) = outcome.split_once(' ').unwrap();
        assert!(
            found.starts_with(word) && found.contains(detail),
            "{name}: expected {outcome:?}, found {found:?}"
        );
        count += 1;
    }
    assert!(count >= 17, "every vector has a verdict ({count})");
}

#[test]
fn every_catalog_body_in_the_vectors_is_written_as_writers_write_it() {
    // A second writer following FORMAT.md 11.7 writes the same bytes: parse and re-emit.
    for name in [
        "plain/catalogs/vectors-1.tzcat",
        "certified/catalogs/vectors-1.tzcat",
    ] {
        let bytes = std::fs::read(dir().join(name)).unwrap();
        let signed = SignedCatalog::parse(&bytes).unwrap();
        let catalog = Catalog::from_json(signed.unverified_body()).unwrap();
        assert_eq!(catalog.to_json(), signed.unverified_body(), "{name}");
    }
}
