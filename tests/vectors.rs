//! Test vectors for FORMAT.md: a tiny valid bundle, its key, and bundles that must fail, each
//! named for why. Another implementation can check itself against `tests/vectors/`.
//!
//! The vectors are rebuilt here from `tests/vectors/edition/` and the vector key and compared
//! byte for byte with the checked-in files, so any change to the bytes of the format fails this
//! test. After an intended format change, regenerate them with
//! `TAMIZDAT_REGENERATE_VECTORS=1 cargo test --test vectors -- --test-threads=1` and change
//! FORMAT.md to match.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use tamizdat::format::Manifest;
use tamizdat::format::header::{SIGNATURE_CONTEXT, SignedHeader, unsigned_header};
use tamizdat::keys::SecretKey;

const VECTOR_SEED: [u8; 32] = [0x42; 32];
const OTHER_SEED: [u8; 32] = [0x17; 32];
const VECTOR_TIME: &str = "2026-11-25T09:30:00Z";

fn vectors_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors")
}

fn vector_key() -> SecretKey {
    SecretKey::from_seed("Test Vector Key", &VECTOR_SEED).unwrap()
}

/// Re-signs a bundle after `change` edits its manifest, keeping the payload.
fn resign(bundle: &[u8], key: &SecretKey, change: impl FnOnce(&mut Manifest)) -> Vec<u8> {
    let header = SignedHeader::parse(bundle).unwrap();
    let mut manifest = Manifest::from_json(&header.manifest_json().unwrap()).unwrap();
    change(&mut manifest);
    let (mut bytes, message) = unsigned_header(key.public().key_id(), &manifest.to_json()).unwrap();
    bytes.extend_from_slice(&key.sign(&message));
    bytes.extend_from_slice(&bundle[header.preamble.header_len() as usize..]);
    bytes
}

/// Builds every vector: file name -> (bytes, expected outcome written in expected.txt).
fn build_vectors(work: &Path) -> BTreeMap<String, (Vec<u8>, String)> {
    let key_path = work.join("vector.key");
    vector_key().save(&key_path, None, None).unwrap();
    let valid_path = work.join("valid.tar.zst");
    let status = Command::new(env!("CARGO_BIN_EXE_tamizdat-publish"))
        .args([
            "pack",
            "--channel",
            "vectors",
            "--seq",
            "7",
            "--time",
            VECTOR_TIME,
        ])
        .arg("--secret-key")
        .arg(&key_path)
        .arg("--out")
        .arg(&valid_path)
        .arg("--quiet")
        .arg(vectors_dir().join("edition"))
        .env("TAMIZDAT_HOME", work)
        .output()
        .unwrap();
    assert!(status.status.success(), "{status:?}");
    let valid = std::fs::read(&valid_path).unwrap();
    let header = SignedHeader::parse(&valid).unwrap();
    let header_len = header.preamble.header_len() as usize;
    let manifest_start = 32;
    let signature_start = header_len - 64;

    let mut vectors = BTreeMap::new();
    let mut add = |name: &str, bytes: Vec<u8>, expected: &str| {
        vectors.insert(name.to_string(), (bytes, expected.to_string()));
    };
    add("valid-tiny.tar.zst", valid.clone(), "VALID");

    let flip = |at: usize| {
        let mut bytes = valid.clone();
        bytes[at] ^= 0x01;
        bytes
    };
    add(
        "invalid-flipped-signature.tar.zst",
        flip(signature_start + 10),
        "INVALID signature does not match",
    );
    add(
        "invalid-flipped-manifest.tar.zst",
        flip(manifest_start + 20),
        "INVALID signature does not match",
    );
    add(
        "invalid-flipped-payload.tar.zst",
        flip(header_len + 20),
        "INVALID corrupted",
    );
    add(
        "invalid-truncated.tar.zst",
        valid[..valid.len() - 10].to_vec(),
        "INVALID truncated",
    );
    let mut trailing = valid.clone();
    trailing.extend_from_slice(b"unsigned bytes");
    add(
        "invalid-trailing-data.tar.zst",
        trailing,
        "INVALID unsigned bytes follow",
    );
    let mut newer = valid.clone();
    newer[16] = 2;
    add(
        "invalid-newer-version.tar.zst",
        newer,
        "INVALID needs a newer version of tamizdat (format 2)",
    );
    add(
        "invalid-not-a-bundle.tar.zst",
        valid[header_len..].to_vec(),
        "INVALID not a tamizdat bundle",
    );
    let other = SecretKey::from_seed("Other Key", &OTHER_SEED).unwrap();
    add(
        "invalid-untrusted-key.tar.zst",
        resign(&valid, &other, |m| {
            m.publisher.key_id = other.public().key_id().to_hex()
        }),
        "INVALID not signed by a key you trust",
    );
    add(
        "invalid-lying-file-hash.tar.zst",
        resign(&valid, &vector_key(), |m| {
            let file = m
                .files
                .iter_mut()
                .find(|f| f.path.as_str() == "hello.txt")
                .unwrap();
            file.sha256 = tamizdat::format::Sha256Digest::of(b"something else");
        }),
        "INVALID corrupted: \"hello.txt\"",
    );
    // A signature made without the context string must not verify: it is what keeps a
    // signature on another kind of object from passing as a bundle header.
    let mut no_context = valid.clone();
    let message = &header.signed_message()[SIGNATURE_CONTEXT.len()..];
    no_context[signature_start..header_len].copy_from_slice(&vector_key().sign(message));
    add(
        "invalid-signed-without-context.tar.zst",
        no_context,
        "INVALID signature does not match",
    );
    vectors
}

#[test]
fn vectors_are_reproduced_byte_for_byte() {
    let work = tempfile::tempdir().unwrap();
    let vectors = build_vectors(work.path());
    let dir = vectors_dir();
    let expected_text: String = vectors
        .iter()
        .map(|(name, (_, expected))| format!("{name}: {expected}\n"))
        .collect();
    let public_text = vector_key().public().to_file_text();
    if std::env::var_os("TAMIZDAT_REGENERATE_VECTORS").is_some() {
        for (name, (bytes, _)) in &vectors {
            std::fs::write(dir.join(name), bytes).unwrap();
        }
        std::fs::write(dir.join("expected.txt"), &expected_text).unwrap();
        std::fs::write(dir.join("vector.pub"), &public_text).unwrap();
        std::fs::copy(work.path().join("vector.key"), dir.join("vector.key")).unwrap();
    }
    for (name, (bytes, _)) in &vectors {
        let checked_in = std::fs::read(dir.join(name))
            .unwrap_or_else(|e| panic!("{name}: {e}; regenerate the vectors"));
        assert!(
            checked_in == *bytes,
            "{name} differs from what this version writes: the format changed"
        );
    }
    assert_eq!(
        std::fs::read_to_string(dir.join("expected.txt")).unwrap(),
        expected_text
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("vector.pub")).unwrap(),
        public_text
    );
}

#[test]
fn checked_in_vectors_verify_as_expected() {
    let dir = vectors_dir();
    let home = tempfile::tempdir().unwrap();
    let expected = std::fs::read_to_string(dir.join("expected.txt")).unwrap();
    let mut count = 0;
    for line in expected.lines() {
        let (name, outcome) = line.split_once(": ").unwrap();
        let output = Command::new(env!("CARGO_BIN_EXE_tamizdat"))
            .arg("verify")
            .arg("--public-key")
            .arg(dir.join("vector.pub"))
            .arg(dir.join(name))
            .env("TAMIZDAT_HOME", home.path())
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        let (status, reason) = outcome.split_once(' ').unwrap_or((outcome, ""));
        assert!(stdout.starts_with(status), "{name}: {stdout}");
        assert!(
            stdout.contains(reason),
            "{name}: expected {reason:?} in {stdout}"
        );
        let code = if status == "VALID" { 0 } else { 1 };
        assert_eq!(output.status.code(), Some(code), "{name}: {stdout}");
        count += 1;
    }
    assert_eq!(count, 11);
}
