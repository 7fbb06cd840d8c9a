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

/// Re-signs a bundle after `change` edits its manifest's JSON text, keeping the payload: for
/// manifests no writer produces (arrays for objects, `null`, deep nesting).
fn resign_json(bundle: &[u8], key: &SecretKey, change: impl FnOnce(String) -> String) -> Vec<u8> {
    let header = SignedHeader::parse(bundle).unwrap();
    let json = String::from_utf8(header.manifest_json().unwrap()).unwrap();
    let changed = change(json.clone());
    assert_ne!(changed, json, "the change did nothing");
    let (mut bytes, message) = unsigned_header(key.public().key_id(), changed.as_bytes()).unwrap();
    bytes.extend_from_slice(&key.sign(&message));
    bytes.extend_from_slice(&bundle[header.preamble.header_len() as usize..]);
    bytes
}

/// `json` with `text` replaced once, which must be there.
fn replaced(json: &str, text: &str, by: &str) -> String {
    assert!(json.contains(text), "{text} is not in {json}");
    json.replacen(text, by, 1)
}

/// `json` with an unknown member holding arrays nested so that the manifest has `depth`
/// levels in all (its own object is level 1).
fn nested(json: &str, depth: usize) -> String {
    let inner = depth - 1;
    let member = format!(",\"nested\":{}{}}}", "[".repeat(inner), "]".repeat(inner));
    format!("{}{member}", json.strip_suffix('}').unwrap())
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
    newer[16] = 3;
    add(
        "invalid-newer-version.tar.zst",
        newer,
        "INVALID needs a newer version of tamizdat (format 3)",
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
    // Found by an implementation written from FORMAT.md alone: each of these was accepted or
    // misreported once. All are validly signed.
    let key = vector_key();
    add(
        "invalid-file-record-as-array.tar.zst",
        resign_json(&valid, &key, |json| {
            // serde's sequence form of a struct: the member values in field order.
            let start = json.find("\"files\":[{").unwrap() + "\"files\":[".len();
            let end = start + json[start..].find('}').unwrap() + 1;
            let record: serde_json::Map<String, serde_json::Value> =
                serde_json::from_str(&json[start..end]).unwrap();
            let order = ["path", "size", "sha256", "media_type", "frame"];
            let values: Vec<_> = order.iter().map(|k| record[*k].clone()).collect();
            let array = serde_json::to_string(&values).unwrap();
            format!("{}{array}{}", &json[..start], &json[end..])
        }),
        "INVALID each element of files must be an object, not an array",
    );
    add(
        "invalid-manifest-as-array.tar.zst",
        resign_json(&valid, &key, |json| {
            let object: serde_json::Map<String, serde_json::Value> =
                serde_json::from_str(&json).unwrap();
            let order = [
                "publisher",
                "channel",
                "sequence",
                "created",
                "title",
                "language",
                "payload",
                "frames",
                "files",
                "articles",
            ];
            let values: Vec<_> = order.iter().map(|k| object[*k].clone()).collect();
            serde_json::to_string(&values).unwrap()
        }),
        "INVALID the manifest must be an object, not an array",
    );
    add(
        "invalid-null-article-date.tar.zst",
        resign_json(&valid, &key, |json| {
            replaced(&json, "\"date\":\"2026-11-25\"", "\"date\":null")
        }),
        "INVALID articles[].date is null",
    );
    add(
        "valid-nested-128-deep.tar.zst",
        resign_json(&valid, &key, |json| nested(&json, 128)),
        "VALID",
    );
    add(
        "invalid-nested-129-deep.tar.zst",
        resign_json(&valid, &key, |json| nested(&json, 129)),
        "INVALID nest more than 128 levels deep",
    );
    add(
        "invalid-sequence-minus-zero.tar.zst",
        resign_json(&valid, &key, |json| {
            replaced(&json, "\"sequence\":7", "\"sequence\":-0")
        }),
        "INVALID sequence must be a whole number from 0 to 2^64-1 in plain digits",
    );
    add(
        "invalid-sequence-fraction.tar.zst",
        resign_json(&valid, &key, |json| {
            replaced(&json, "\"sequence\":7", "\"sequence\":7.5")
        }),
        "INVALID sequence must be a whole number from 0 to 2^64-1 in plain digits (no sign, fraction or exponent), not 7.5",
    );
    add(
        "invalid-path-bidi-override.tar.zst",
        resign_json(&valid, &key, |json| {
            replaced(
                &json,
                "\"path\":\"hello.txt\"",
                "\"path\":\"hello\\u202etxt.exe\"",
            )
        }),
        "INVALID direction-changing character",
    );
    add(
        "invalid-path-c1-control.tar.zst",
        resign_json(&valid, &key, |json| {
            replaced(
                &json,
                "\"path\":\"hello.txt\"",
                "\"path\":\"hello\\u0085.txt\"",
            )
        }),
        "INVALID invisible control",
    );
    add(
        "invalid-language-not-a-tag.tar.zst",
        resign(&valid, &key, |m| m.language = "../../etc".into()),
        "INVALID is not a language tag",
    );
    add(
        "invalid-no-files.tar.zst",
        resign(&valid, &key, |m| {
            m.files.clear();
            m.articles.clear();
        }),
        "INVALID it lists no files",
    );
    add(
        "invalid-created-before-1970.tar.zst",
        resign(&valid, &key, |m| m.created = "1969-12-31T23:59:59Z".into()),
        "INVALID outside 1970-01-01T00:00:00Z to 2242-03-16T12:56:31Z",
    );
    add(
        "invalid-created-after-2242.tar.zst",
        resign(&valid, &key, |m| m.created = "2242-03-16T12:56:32Z".into()),
        "INVALID outside 1970-01-01T00:00:00Z to 2242-03-16T12:56:31Z",
    );
    let mut version_zero = valid.clone();
    version_zero[16] = 0;
    add(
        "invalid-version-zero.tar.zst",
        version_zero,
        "INVALID format version 0, which does not exist",
    );
    let mut empty_manifest = valid.clone();
    empty_manifest[28..32].copy_from_slice(&0u32.to_le_bytes());
    add(
        "invalid-empty-manifest.tar.zst",
        empty_manifest,
        "INVALID declares a manifest of 0 bytes",
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
    assert_eq!(count, 26);
}
