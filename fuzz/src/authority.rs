//! Fixtures and checks for the issue-12 targets (`statement`, `root_chain`,
//! `certified_header`) and their seeds (`src/bin/make_authority_seeds.rs`).
//!
//! Four editor keys from fixed seeds (A, B, C, D) and three known root chains, all named
//! "Fuzz News" and issued at a fixed time, so that every run (and every seed) has the same bytes:
//!
//! - chain 0, `one`: version 1, editors {A}, threshold 1, signed by A;
//! - chain 1, `two-of-three`: version 1, editors {B, C, D}, threshold 2, signed by B and D;
//! - chain 2, `rotated`: chain 0's anchor, then version 2, editors {B, C, D}, threshold 2,
//!   signed by A, B and C (so chains 0 and 2 share a root id, and chain 0 catches up to 2).
//!
//! # `root_chain` input format
//!
//! ```text
//! data = mode (1 byte) || rest
//! ```
//!
//! - `mode` even (raw): `rest` is a credentials block ([`Credentials::parse`]); see
//!   [`check_credentials`]. Signatures only verify where the fuzzer kept a seed's signed bytes.
//! - `mode` odd (structured): `rest = selector || signers || body`. The harness makes a
//!   statement of kind `[root, certificate, revocation][selector % 3]` over `body` (the JSON),
//!   signs it with the editors whose bit is set in `signers & 0x0f` (A = bit 0 … D = bit 3;
//!   none set means all four) and checks it against chain `(selector / 3) % 3`; see
//!   [`check_structured`]. So the JSON body readers run behind valid signatures.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use tamizdat::authority::{
    self, CertificateRequest, RootChain, certificate_statement, revocation_statement,
    root_statement,
};
use tamizdat::format::statement::{Credentials, SignedStatement, StatementKind};
use tamizdat::keys::{PublicKey, SecretKey};

/// The publisher name of every fixture root.
pub const ROOT_NAME: &str = "Fuzz News";
/// `mode` bit that selects the structured input format of `root_chain`.
pub const STRUCTURED: u8 = 0x01;
/// The statement kinds in the order `selector % 3` picks them.
pub const KINDS: [StatementKind; 3] = [
    StatementKind::Root,
    StatementKind::Certificate,
    StatementKind::Revocation,
];

/// A known root chain and the statements it was built from (version 1 first).
pub struct Known {
    pub name: &'static str,
    pub roots: Vec<SignedStatement>,
    pub chain: RootChain,
}

/// Everything the targets check against, built once.
pub struct Fixtures {
    /// Editors A, B, C, D.
    pub editors: [SecretKey; 4],
    /// The key the fixture certificates certify and revocations revoke.
    pub signing_key: SecretKey,
    /// `one`, `two-of-three`, `rotated`.
    pub chains: [Known; 3],
}

/// A fixed time: 2027-01-15T08:00:00Z.
pub fn issued() -> time::OffsetDateTime {
    time::OffsetDateTime::from_unix_timestamp(1_800_000_000).expect("a valid time")
}

fn editor(index: u8) -> SecretKey {
    let letter = char::from(b'A' + index);
    SecretKey::from_seed(&format!("Editor {letter}"), &[0x40 + index; 32]).expect("a valid name")
}

/// `statement` signed by each of `editors`, then through its bytes as a reader gets it.
pub fn signed_by(mut statement: SignedStatement, editors: &[&SecretKey]) -> SignedStatement {
    for editor in editors {
        authority::sign(&mut statement, editor);
    }
    SignedStatement::parse(&statement.to_bytes()).expect("a statement's own bytes parse")
}

/// An unsigned root statement of the fixture publisher.
pub fn root(version: u64, threshold: u64, editors: &[&SecretKey]) -> SignedStatement {
    let public: Vec<PublicKey> = editors.iter().map(|e| e.public()).collect();
    root_statement(ROOT_NAME, version, threshold, &public, issued()).expect("a root statement")
}

/// An unsigned certificate of `key` under `chain`.
pub fn certificate(chain: &RootChain, key: &PublicKey, channels: &[&str]) -> SignedStatement {
    certificate_statement(
        chain,
        &CertificateRequest {
            key,
            channels: channels.iter().map(|c| c.to_string()).collect(),
            valid_from: issued(),
            valid_until: issued() + time::Duration::days(365),
            cadence_hours: 24,
            issued: issued(),
        },
    )
    .expect("a certificate statement")
}

/// An unsigned revocation of `key` under `chain`.
pub fn revocation(chain: &RootChain, key: &PublicKey) -> SignedStatement {
    let from: BTreeMap<String, u64> = [("fuzz".to_string(), 5), ("*".to_string(), 10)].into();
    revocation_statement(chain, key, from, "The laptop was stolen.", issued())
        .expect("a revocation statement")
}

fn build() -> Fixtures {
    let editors = [editor(0), editor(1), editor(2), editor(3)];
    let [a, b, c, d] = &editors;
    let signing_key = SecretKey::from_seed("Fuzz certified", &[0x55; 32]).expect("a valid name");

    let anchor_one = signed_by(root(1, 1, &[a]), &[a]);
    let one = RootChain::from_anchor(&anchor_one).expect("chain one");
    let anchor_three = signed_by(root(1, 2, &[b, c, d]), &[b, d]);
    let three = RootChain::from_anchor(&anchor_three).expect("chain two-of-three");
    let rotation = signed_by(root(2, 2, &[b, c, d]), &[a, b, c]);
    let mut rotated = one.clone();
    rotated.extend(&rotation).expect("the rotation extends chain one");

    Fixtures {
        chains: [
            Known {
                name: "one",
                roots: vec![anchor_one.clone()],
                chain: one,
            },
            Known {
                name: "two-of-three",
                roots: vec![anchor_three],
                chain: three,
            },
            Known {
                name: "rotated",
                roots: vec![anchor_one, rotation],
                chain: rotated,
            },
        ],
        editors,
        signing_key,
    }
}

/// The fixtures, built on first use (each costs a few signatures).
pub fn fixtures() -> &'static Fixtures {
    static FIXTURES: OnceLock<Fixtures> = OnceLock::new();
    FIXTURES.get_or_init(build)
}

impl Fixtures {
    /// A statement of `kind` over `body`, signed by the editors selected by `signers` (see the
    /// module documentation); `None` when the body is empty or too long for a statement.
    pub fn sign_body(&self, kind: StatementKind, body: &[u8], signers: u8) -> Option<SignedStatement> {
        let mut statement = SignedStatement::unsigned(kind, body).ok()?;
        let mask = if signers & 0x0f == 0 { 0x0f } else { signers };
        for (i, editor) in self.editors.iter().enumerate() {
            if mask & (1 << i) != 0 {
                authority::sign(&mut statement, editor);
            }
        }
        Some(statement)
    }
}

/// Every version's bytes, oldest first.
fn version_bytes(chain: &RootChain) -> Vec<Vec<u8>> {
    chain.versions().iter().map(|v| v.bytes.clone()).collect()
}

/// `catch_up` on a copy of `known`: on success the known versions are kept and the added ones
/// follow in order; on error the chain is unchanged. Returns the chain when it grew.
pub fn check_catch_up(known: &RootChain, carried: &[SignedStatement]) -> Option<RootChain> {
    let mut chain = known.clone();
    let before = version_bytes(known);
    match chain.catch_up(carried) {
        Ok(added) => {
            let after = version_bytes(&chain);
            assert_eq!(after.len(), before.len() + added, "catch_up counts what it adds");
            assert_eq!(after[..before.len()], before[..], "catch_up keeps the known versions");
            assert_eq!(chain.id(), known.id(), "a chain keeps its id through catch_up");
            // Every carried version is either one already held or one added.
            assert_eq!(after.len(), before.len().max(carried.len()));
            for pair in chain.versions().windows(2) {
                assert_eq!(pair[1].version, pair[0].version + 1, "versions follow each other");
            }
            (added > 0).then_some(chain)
        }
        Err(_) => {
            assert_eq!(version_bytes(&chain), before, "a failed catch_up changes nothing");
            None
        }
    }
}

/// `from_anchor` on `statement`; when it is accepted, checks what the chain says of it.
pub fn check_anchor(statement: &SignedStatement) -> Option<RootChain> {
    let chain = RootChain::from_anchor(statement).ok()?;
    assert_eq!(chain.versions().len(), 1);
    let first = chain.newest();
    assert_eq!(first.version, 1);
    assert_eq!(first.bytes, statement.to_bytes());
    assert!(first.threshold >= 1 && first.threshold <= first.editors.len());
    let mut again = chain.clone();
    assert_eq!(again.catch_up(std::slice::from_ref(statement)), Ok(0));
    Some(chain)
}

/// `verify_certificate` and `verify_revocation` of `statement` against `chain`.
pub fn check_other(chain: &RootChain, statement: &SignedStatement) -> (bool, bool) {
    let certificate = chain.verify_certificate(statement);
    if let Ok(certificate) = &certificate {
        assert_eq!(statement.kind(), StatementKind::Certificate);
        assert!(certificate.valid_from <= certificate.valid_until);
        assert!(!certificate.channels.is_empty());
        assert!(certificate.key_id().is_some(), "a certified key is usable");
        let _ = certificate.allows_channel("fuzz");
        let _ = certificate.allows_channel("");
    }
    let revocation = chain.verify_revocation(statement);
    if let Ok(revocation) = &revocation {
        assert_eq!(statement.kind(), StatementKind::Revocation);
        assert!(!revocation.from_sequence.is_empty());
        let _ = revocation.refused_from("fuzz");
        let _ = revocation.refuses(&revocation.key, "fuzz", u64::MAX);
    }
    (certificate.is_ok(), revocation.is_ok())
}

/// Raw mode of `root_chain`: each root as an anchor (and the carried chain from it), the carried
/// chain from each known chain, and every other statement against every chain known or grown.
pub fn check_credentials(credentials: &Credentials) {
    let fixtures = fixtures();
    let mut chains: Vec<RootChain> = Vec::new();
    for (index, statement) in credentials.roots.iter().enumerate() {
        if let Some(chain) = check_anchor(statement) {
            if index == 0 {
                if let Some(grown) = check_catch_up(&chain, &credentials.roots) {
                    chains.push(grown);
                }
                chains.push(chain);
            }
        }
    }
    for known in &fixtures.chains {
        if let Some(grown) = check_catch_up(&known.chain, &credentials.roots) {
            chains.push(grown);
        }
        chains.push(known.chain.clone());
    }
    for statement in &credentials.others {
        for chain in &chains {
            check_other(chain, statement);
        }
    }
}

/// What a structured `root_chain` input got to, for the seed generator's checks.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Reached {
    pub anchor: bool,
    pub extended: bool,
    pub certificate: bool,
    pub revocation: bool,
}

/// Structured mode of `root_chain` (see the module documentation). `None` for an input too
/// short, or a body no statement can hold.
pub fn check_structured(rest: &[u8]) -> Option<Reached> {
    let [selector, signers, body @ ..] = rest else {
        return None;
    };
    let fixtures = fixtures();
    let kind = KINDS[usize::from(*selector % 3)];
    let known = &fixtures.chains[usize::from(*selector / 3 % 3)];
    let statement = fixtures.sign_body(kind, body, *signers)?;
    // As carried: through its bytes.
    let statement = SignedStatement::parse(&statement.to_bytes()).expect("own bytes parse");
    let mut reached = Reached::default();
    match kind {
        StatementKind::Root => {
            reached.anchor = check_anchor(&statement).is_some();
            let mut extended = known.chain.clone();
            let before = version_bytes(&extended);
            match extended.extend(&statement) {
                Ok(()) => {
                    reached.extended = true;
                    assert_eq!(extended.versions().len(), before.len() + 1);
                    assert_eq!(extended.newest().version, known.chain.newest().version + 1);
                    assert_eq!(extended.newest().bytes, statement.to_bytes());
                }
                Err(_) => assert_eq!(version_bytes(&extended), before),
            }
            let mut carried = known.roots.clone();
            carried.push(statement);
            let grown = check_catch_up(&known.chain, &carried);
            assert_eq!(grown.is_some(), reached.extended, "catch_up adds what extend does");
        }
        StatementKind::Certificate | StatementKind::Revocation => {
            (reached.certificate, reached.revocation) = check_other(&known.chain, &statement);
        }
    }
    Some(reached)
}

/// The whole `root_chain` target.
pub fn check_root_chain_input(data: &[u8]) {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    if mode & STRUCTURED != 0 {
        let _ = check_structured(rest);
    } else if let Ok(credentials) = Credentials::parse(rest) {
        check_credentials(&credentials);
    }
}
