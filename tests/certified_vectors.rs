//! Test vectors for certified bundles and statements (FORMAT.md section 10), in
//! `tests/vectors/certified/`: a root of one editor and a root of three editors (two must
//! sign), certificates, a revocation, a rotation, and certified bundles that must verify or
//! fail, each named for why. All are rebuilt here from fixed seeds and times and compared byte
//! for byte; `TAMIZDAT_REGENERATE_VECTORS=1 cargo test --test certified_vectors` rewrites them
//! after an intended format change (change FORMAT.md with them).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use tamizdat::authority::publisher::{certify, new_root, revoke, rotate};
use tamizdat::authority::root_file::RootFile;
use tamizdat::authority::{CertificateRequest, RootChain};
use tamizdat::format::header::{SignedHeader, unsigned_certified_header};
use tamizdat::format::statement::Credentials;
use tamizdat::keys::{PublicKey, SecretKey};

/// The reader's clock for every vector: after each certificate starts, after the expired one
/// ends.
const CLOCK: &str = "2026-12-01T00:00:00Z";
const EDITION_TIME: &str = "2026-11-25T09:30:00Z";

fn at(text: &str) -> time::OffsetDateTime {
    tamizdat::format::manifest::parse_created(text).unwrap()
}

fn key(name: &str, seed: u8) -> SecretKey {
    SecretKey::from_seed(name, &[seed; 32]).unwrap()
}

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/certified")
}

fn edition() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/edition")
}

/// The signing key: the format vectors' key.
fn signing() -> SecretKey {
    key("Test Vector Key", 0x42)
}

fn chain_of(credentials: &Credentials) -> RootChain {
    tamizdat::authority::publisher::chain_of(credentials, Path::new("vector")).unwrap()
}

fn request<'a>(key: &'a PublicKey, channels: &[&str], until: &str) -> CertificateRequest<'a> {
    CertificateRequest {
        key,
        channels: channels.iter().map(|c| c.to_string()).collect(),
        valid_from: at("2026-11-01T00:00:00Z"),
        valid_until: at(until),
        cadence_hours: 24,
        issued: at("2026-11-01T00:00:00Z"),
    }
}

/// Packs the vector edition as a certified bundle with the binary, carrying `credentials`.
fn pack(work: &Path, name: &str, certificate: &Credentials, statements: &[Credentials]) -> Vec<u8> {
    let key_path = work.join("signing.key");
    if !key_path.exists() {
        signing().save(&key_path, None, None).unwrap();
    }
    let cert_path = work.join(format!("{name}.cert"));
    std::fs::write(&cert_path, certificate.to_file_bytes()).unwrap();
    let folder = work.join(format!("{name}-statements"));
    std::fs::create_dir_all(&folder).unwrap();
    for (n, statement) in statements.iter().enumerate() {
        std::fs::write(folder.join(format!("{n}.tzs")), statement.to_file_bytes()).unwrap();
    }
    let out = work.join(format!("{name}.tar.zst"));
    let output = Command::new(env!("CARGO_BIN_EXE_tamizdat-publish"))
        .args([
            "pack",
            "--channel",
            "vectors",
            "--seq",
            "7",
            "--time",
            EDITION_TIME,
        ])
        .arg("--secret-key")
        .arg(&key_path)
        .arg("--certificate")
        .arg(&cert_path)
        .arg("--statements")
        .arg(&folder)
        .arg("--out")
        .arg(&out)
        .arg(edition())
        .env("TAMIZDAT_HOME", work)
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    std::fs::read(out).unwrap()
}

/// The same bundle with `credentials` in its header instead, signed again by the signing key
/// (what a publisher's tool refuses to make, so made here).
fn with_credentials(bundle: &[u8], credentials: &Credentials, channel: Option<&str>) -> Vec<u8> {
    let header = SignedHeader::parse(bundle).unwrap();
    let mut json = String::from_utf8(header.manifest_json().unwrap()).unwrap();
    if let Some(channel) = channel {
        json = json.replacen(
            "\"channel\":\"vectors\"",
            &format!("\"channel\":\"{channel}\""),
            1,
        );
    }
    let (mut bytes, message) = unsigned_certified_header(
        header.preamble.key_id,
        &credentials.to_bytes(),
        json.as_bytes(),
    )
    .unwrap();
    bytes.extend_from_slice(&signing().sign(&message));
    bytes.extend_from_slice(&bundle[header.preamble.header_len() as usize..]);
    bytes
}

/// Every vector: file name -> (bytes, expected outcome).
fn build(work: &Path) -> BTreeMap<String, (Vec<u8>, String)> {
    let mut vectors = BTreeMap::new();
    let mut add = |name: &str, bytes: Vec<u8>, expected: &str| {
        vectors.insert(name.to_string(), (bytes, expected.to_string()));
    };
    let issued = at("2026-11-01T00:00:00Z");
    let editor = key("Vector Root", 0x51);
    let (root, _) = new_root("Vector News", &[editor.public()], 1, &[&editor], issued).unwrap();
    let chain = chain_of(&root);
    let root_file = RootFile {
        chain: chain.clone(),
    };
    add("root.pub", root_file.to_file_text().into_bytes(), "ROOT");
    add(
        "root.chain",
        root.to_file_bytes(),
        "VALID the root of Vector News",
    );

    let signing = signing().public();
    let (certificate, _) = certify(
        &chain,
        &request(&signing, &["vectors", "news-*"], "2027-11-01T00:00:00Z"),
        &[&editor],
    )
    .unwrap();
    add(
        "certificate.tzs",
        certificate.to_file_bytes(),
        "VALID certified Test Vector Key for vectors, news-*",
    );
    let valid = pack(work, "valid", &certificate, &[]);
    add(
        "valid-certified.tar.zst",
        valid.clone(),
        "VALID certified by Vector News",
    );

    let (expired, _) = certify(
        &chain,
        &request(&signing, &["vectors"], "2026-11-26T00:00:00Z"),
        &[&editor],
    )
    .unwrap();
    add(
        "certificate-expired.tzs",
        expired.to_file_bytes(),
        "VALID certified Test Vector Key for vectors until 2026-11-26",
    );
    add(
        "valid-expired-certificate.tar.zst",
        pack(work, "expired", &expired, &[]),
        "VALID expired on 2026-11-26",
    );

    let mut from = BTreeMap::new();
    from.insert("vectors".to_string(), 7);
    let (revocation, _) = revoke(
        &chain,
        &signing,
        from,
        "key lost",
        at("2026-11-30T00:00:00Z"),
        &[&editor],
    )
    .unwrap();
    add(
        "revocation.tzs",
        revocation.to_file_bytes(),
        "VALID revoked the key",
    );
    let mut revoked = certificate.clone();
    revoked.others.extend(revocation.others.clone());
    add(
        "invalid-revoked.tar.zst",
        with_credentials(&valid, &revoked, None),
        "INVALID revoked on 2026-11-30 (reason: key lost)",
    );
    add(
        "invalid-out-of-scope.tar.zst",
        with_credentials(&valid, &certificate, Some("other")),
        "INVALID certified for vectors, news-*, not for the channel other",
    );

    let next = key("Vector Root 2", 0x52);
    let (rotation, _, _) = rotate(
        &chain,
        "Vector News",
        &[next.public()],
        1,
        at("2026-11-15T00:00:00Z"),
        &[&editor, &next],
    )
    .unwrap();
    add(
        "rotation.tzs",
        rotation.to_file_bytes(),
        "VALID moved on to version 2",
    );
    let rotated = chain_of(&rotation);
    let (recertified, _) = certify(
        &rotated,
        &request(&signing, &["vectors"], "2027-11-01T00:00:00Z"),
        &[&next],
    )
    .unwrap();
    add(
        "valid-rotated.tar.zst",
        with_credentials(&valid, &recertified, None),
        "VALID certified by Vector News",
    );
    // Signed by the editor that version 2 replaced (certify refuses to, so signed by hand).
    let mut replaced = tamizdat::authority::certificate_statement(
        &rotated,
        &request(&signing, &["vectors"], "2027-11-01T00:00:00Z"),
    )
    .unwrap();
    tamizdat::authority::sign(&mut replaced, &editor);
    let stale = Credentials {
        roots: rotation.roots.clone(),
        others: vec![replaced],
    };
    add(
        "invalid-certified-by-a-replaced-editor.tar.zst",
        with_credentials(&valid, &stale, None),
        "INVALID carries 0 valid editor signatures of the 1 its root asks for",
    );

    let editors = [
        key("Editor A", 0x61),
        key("Editor B", 0x62),
        key("Editor C", 0x63),
    ];
    let publics: Vec<PublicKey> = editors.iter().map(SecretKey::public).collect();
    let (council, _) = new_root(
        "Council News",
        &publics,
        2,
        &[&editors[0], &editors[2]],
        issued,
    )
    .unwrap();
    let council_chain = chain_of(&council);
    add(
        "root-2of3.pub",
        RootFile {
            chain: council_chain.clone(),
        }
        .to_file_text()
        .into_bytes(),
        "ROOT",
    );
    let (alone, _) = certify(
        &council_chain,
        &request(&signing, &["vectors"], "2027-11-01T00:00:00Z"),
        &[&editors[1]],
    )
    .unwrap();
    add(
        "invalid-under-threshold.tar.zst",
        with_credentials(&valid, &alone, None),
        "INVALID carries 1 valid editor signature of the 2 its root asks for",
    );
    let mut gap = revoked.clone();
    gap.roots = vec![root.roots[0].clone(), root.roots[0].clone()];
    add(
        "invalid-root-repeated.tar.zst",
        with_credentials(&valid, &gap, None),
        "INVALID version 1 follows version 1",
    );
    let mut untrusted = certificate.clone();
    untrusted.roots = Vec::new();
    add(
        "invalid-no-root.tar.zst",
        with_credentials(&valid, &untrusted, None),
        "INVALID carries no root",
    );
    vectors
}

#[test]
fn certified_vectors_are_reproduced_byte_for_byte() {
    let work = tempfile::tempdir().unwrap();
    let vectors = build(work.path());
    let dir = dir();
    let expected: String = vectors
        .iter()
        .filter(|(_, (_, outcome))| outcome != "ROOT")
        .map(|(name, (_, outcome))| format!("{name}: {outcome}\n"))
        .collect();
    if std::env::var_os("TAMIZDAT_REGENERATE_VECTORS").is_some() {
        std::fs::create_dir_all(&dir).unwrap();
        for (name, (bytes, _)) in &vectors {
            std::fs::write(dir.join(name), bytes).unwrap();
        }
        std::fs::write(dir.join("expected.txt"), &expected).unwrap();
    }
    for (name, (bytes, _)) in &vectors {
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
fn checked_in_certified_vectors_verify_as_expected() {
    let dir = dir();
    let expected = std::fs::read_to_string(dir.join("expected.txt")).unwrap();
    let mut count = 0;
    for line in expected.lines() {
        let (name, outcome) = line.split_once(": ").unwrap();
        // A new reader each time, trusting both roots: nothing remembered between vectors.
        let home = tempfile::tempdir().unwrap();
        for root in ["root.pub", "root-2of3.pub"] {
            let output = Command::new(env!("CARGO_BIN_EXE_tamizdat"))
                .args(["trust", "add"])
                .arg(dir.join(root))
                .env("TAMIZDAT_HOME", home.path())
                .output()
                .unwrap();
            assert!(output.status.success(), "{output:?}");
        }
        let output = Command::new(env!("CARGO_BIN_EXE_tamizdat"))
            .arg("verify")
            .arg(dir.join(name))
            .env("TAMIZDAT_HOME", home.path())
            .env("TAMIZDAT_CLOCK", CLOCK)
            .output()
            .unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        let (status, reason) = outcome.split_once(' ').unwrap_or((outcome, ""));
        assert!(text.starts_with(status), "{name}: {text}");
        assert!(
            text.contains(reason),
            "{name}: expected {reason:?} in {text}"
        );
        let code = if status == "VALID" { 0 } else { 1 };
        assert_eq!(output.status.code(), Some(code), "{name}: {text}");
        count += 1;
    }
    assert_eq!(count, 14);
}
