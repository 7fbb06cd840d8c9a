//! Writes the seeds of the issue-12 targets (not a fuzz target itself).
//!
//! Usage, from /work/main/fuzz: `cargo run --release --bin make_authority_seeds [SEEDS_DIR]`
//! (default `fuzz/seeds`). Every key and time is fixed and Ed25519 signatures are
//! deterministic, so the bytes only change when the formats (or the root id) do. Writes:
//! - `statement/`: single statements of each kind, credentials blocks and credentials files;
//! - `root_chain/`: raw-mode credentials blocks (valid chains with a rotation, certificates,
//!   revocations, and some refused ones) and structured-mode JSON bodies, each checked to get
//!   as far as it should (see `fuzz/src/authority.rs`);
//! - `certified_header/`: format-2 headers carrying those credentials, signed by the
//!   certified key, and one format-1 header.

use std::fs;
use std::path::{Path, PathBuf};

use tamizdat::format::header::{SignedHeader, unsigned_certified_header};
use tamizdat::format::statement::{Credentials, SignedStatement, StatementKind};
use tamizdat_fuzz::authority::{
    KINDS, Reached, STRUCTURED, certificate, check_structured, fixtures, revocation, root,
    signed_by,
};

fn write_seed(dir: &Path, name: &str, bytes: &[u8]) {
    fs::create_dir_all(dir).unwrap();
    fs::write(dir.join(name), bytes).unwrap();
}

fn block(roots: &[SignedStatement], others: &[SignedStatement]) -> Credentials {
    Credentials {
        roots: roots.to_vec(),
        others: others.to_vec(),
    }
}

fn raw(credentials: &Credentials) -> Vec<u8> {
    let mut out = vec![0u8];
    out.extend_from_slice(&credentials.to_bytes());
    out
}

fn structured(kind: StatementKind, chain: usize, signers: u8, body: &[u8]) -> Vec<u8> {
    let kind_index = KINDS.iter().position(|k| *k == kind).unwrap();
    let mut out = vec![STRUCTURED, (chain * 3 + kind_index) as u8, signers];
    out.extend_from_slice(body);
    out
}

fn main() {
    let seeds = std::env::args()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("seeds"));
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let f = fixtures();
    let [a, b, c, d] = &f.editors;
    let [one, three, rotated] = &f.chains;
    let key = f.signing_key.public();

    let cert_one = signed_by(certificate(&one.chain, &key, &["fuzz", "news-*"]), &[a]);
    let revoke_one = signed_by(revocation(&one.chain, &key), &[a]);
    let cert_three = signed_by(certificate(&three.chain, &key, &["fuzz"]), &[b, c]);
    let revoke_three = signed_by(revocation(&three.chain, &key), &[c, d]);
    let cert_rotated = signed_by(certificate(&rotated.chain, &key, &["*"]), &[b, c]);
    let revoke_rotated = signed_by(revocation(&rotated.chain, &key), &[b, d]);
    // Signed by version 1's editor only: an editor rotated out, whose revocation is refused.
    let revoke_rotated_old = signed_by(revocation(&rotated.chain, &key), &[a]);
    let cert_three_alone = signed_by(certificate(&three.chain, &key, &["fuzz"]), &[b]);
    // Version 3 of the rotated chain: back to one editor, signed by two of B, C, D and by A.
    let rotation_3 = signed_by(root(3, 1, &[a]), &[a, c, d]);

    // Check the statements are what their names say before writing them.
    assert_eq!(one.chain.verify_certificate(&cert_one).map(|_| ()), Ok(()));
    assert_eq!(one.chain.verify_revocation(&revoke_one).map(|_| ()), Ok(()));
    assert_eq!(three.chain.verify_certificate(&cert_three).map(|_| ()), Ok(()));
    assert_eq!(three.chain.verify_revocation(&revoke_three).map(|_| ()), Ok(()));
    assert_eq!(rotated.chain.verify_certificate(&cert_rotated).map(|_| ()), Ok(()));
    assert_eq!(rotated.chain.verify_revocation(&revoke_rotated).map(|_| ()), Ok(()));
    assert!(rotated.chain.verify_revocation(&revoke_rotated_old).is_err());
    assert!(three.chain.verify_certificate(&cert_three_alone).is_err());
    let mut longer = rotated.chain.clone();
    longer.extend(&rotation_3).expect("version 3 extends the rotated chain");

    // statement/
    let dir = seeds.join("statement");
    let rotated_block = block(&rotated.roots, &[cert_rotated.clone(), revoke_rotated.clone()]);
    let singles = [
        ("root-v1-one", &one.roots[0]),
        ("root-v1-two-of-three", &three.roots[0]),
        ("root-v2-rotation", &rotated.roots[1]),
        ("certificate-rotated", &cert_rotated),
        ("revocation-one", &revoke_one),
    ];
    for (name, statement) in singles {
        write_seed(&dir, name, &statement.to_bytes());
    }
    write_seed(&dir, "credentials-rotated", &rotated_block.to_bytes());
    write_seed(&dir, "credentials-file-rotated", &rotated_block.to_file_bytes());
    write_seed(
        &dir,
        "credentials-file-two-of-three",
        &block(&three.roots, &[cert_three.clone()]).to_file_bytes(),
    );
    write_seed(&dir, "credentials-empty", &Credentials::default().to_bytes());

    // root_chain/, raw mode.
    let dir = seeds.join("root_chain");
    let mut rotated_3 = rotated.roots.clone();
    rotated_3.push(rotation_3.clone());
    let raws = [
        ("raw-one", block(&one.roots, &[cert_one.clone(), revoke_one.clone()])),
        (
            "raw-two-of-three",
            block(&three.roots, &[cert_three.clone(), revoke_three.clone(), cert_three_alone]),
        ),
        ("raw-rotated", rotated_block.clone()),
        ("raw-rotated-old-revocation", block(&rotated.roots, &[revoke_rotated_old])),
        ("raw-rotated-to-v3", block(&rotated_3, &[cert_one.clone()])),
        // Two versions 1: a fork of chain two-of-three, a gap for the others.
        ("raw-fork", block(&[three.roots[0].clone(), one.roots[0].clone()], &[])),
        // The rotation without its anchor.
        ("raw-no-anchor", block(&rotated.roots[1..], &[cert_rotated.clone()])),
    ];
    for (name, credentials) in &raws {
        write_seed(&dir, name, &raw(credentials));
    }

    // root_chain/, structured mode: bodies exactly as the library writes them.
    let anchor_body = one.roots[0].unverified_body();
    let rotation_body = rotated.roots[1].unverified_body();
    let structured_seeds: Vec<(&str, Vec<u8>, Reached)> = vec![
        (
            "structured-anchor",
            structured(StatementKind::Root, 0, 0x01, anchor_body),
            Reached { anchor: true, ..Reached::default() },
        ),
        (
            "structured-rotation",
            structured(StatementKind::Root, 0, 0, rotation_body),
            Reached { extended: true, ..Reached::default() },
        ),
        (
            "structured-rotation-v3",
            structured(StatementKind::Root, 2, 0, rotation_3.unverified_body()),
            Reached { extended: true, ..Reached::default() },
        ),
        (
            "structured-certificate-one",
            structured(StatementKind::Certificate, 0, 0x01, cert_one.unverified_body()),
            Reached { certificate: true, ..Reached::default() },
        ),
        (
            "structured-certificate-two-of-three",
            structured(StatementKind::Certificate, 1, 0x06, cert_three.unverified_body()),
            Reached { certificate: true, ..Reached::default() },
        ),
        (
            "structured-certificate-rotated",
            structured(StatementKind::Certificate, 2, 0, cert_rotated.unverified_body()),
            Reached { certificate: true, ..Reached::default() },
        ),
        (
            "structured-revocation-one",
            structured(StatementKind::Revocation, 0, 0, revoke_one.unverified_body()),
            Reached { revocation: true, ..Reached::default() },
        ),
        (
            "structured-revocation-two-of-three",
            structured(StatementKind::Revocation, 1, 0x0c, revoke_three.unverified_body()),
            Reached { revocation: true, ..Reached::default() },
        ),
        (
            "structured-revocation-rotated-old-editor",
            structured(StatementKind::Revocation, 2, 0x01, revoke_rotated.unverified_body()),
            // An editor rotated out revokes nothing any more (FORMAT.md 10.6).
            Reached::default(),
        ),
    ];
    for (name, seed, expected) in &structured_seeds {
        let reached = check_structured(&seed[1..]).expect("a structured seed is complete");
        assert_eq!(&reached, expected, "{name}");
        write_seed(&dir, name, seed);
    }

    // certified_header/
    let dir = seeds.join("certified_header");
    let vector = fs::read(repo.join("tests/vectors/valid-tiny.tar.zst")).unwrap();
    let v1 = SignedHeader::parse(&vector).unwrap();
    let manifest = v1.manifest_json().unwrap();
    write_seed(&dir, "v1-valid-tiny-header", &v1.to_bytes());
    let signer = &f.signing_key;
    let key_id = key.key_id();
    let headers: [(&str, Vec<u8>, &[u8]); 4] = [
        ("certified-rotated", rotated_block.to_bytes(), &manifest[..]),
        (
            "certified-one",
            block(&one.roots, &[cert_one.clone(), revoke_one.clone()]).to_bytes(),
            &br#"{"a":1}"#[..],
        ),
        ("certified-two-of-three", block(&three.roots, &[cert_three]).to_bytes(), &manifest[..]),
        ("certified-not-credentials", b"CREDS".to_vec(), &br#"{"a":1}"#[..]),
    ];
    for (name, credentials, manifest) in headers {
        let (mut bytes, message) = unsigned_certified_header(key_id, &credentials, manifest).unwrap();
        bytes.extend_from_slice(&signer.sign(&message));
        let parsed = SignedHeader::parse(&bytes).unwrap();
        assert!(parsed.preamble.is_certified());
        assert_eq!(parsed.credentials(), &credentials[..]);
        assert_eq!(parsed.manifest_json().unwrap(), manifest);
        assert!(key.verify(parsed.signed_message(), &parsed.signature));
        write_seed(&dir, name, &bytes);
    }
    println!("seeds written to {}", seeds.display());
}
