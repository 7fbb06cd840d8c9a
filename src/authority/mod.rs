//! Publisher authority: root keys held by editors, certificates for signing keys, revocations
//! (FORMAT.md section 10, a draft no bundle carries yet).
//!
//! Every statement is checked against keys the verifier already holds before its body is
//! parsed: a root version against the editors of the version before it (the first version,
//! the trust anchor, against its own editors once the reader has chosen to trust its bytes),
//! a certificate against the editors of the newest root version known, a revocation against
//! the editors of any version of the chain (a revocation can only take trust away).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::format::statement::{SignedStatement, StatementKind};
use crate::format::{KeyId, Sha256Digest};
use crate::keys::{PublicKey, SecretKey};

/// Most editors one root version may list.
pub const MAX_EDITORS: usize = 255;
/// Most channel patterns one certificate may name.
pub const MAX_CHANNEL_PATTERNS: usize = 256;
/// Longest revocation reason, in bytes.
pub const MAX_REASON_LEN: usize = 1_000;

/// Why a statement was not accepted. One plain sentence each.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthorityError {
    /// Fewer distinct editors signed than the threshold asks.
    #[error(
        "the {noun} carries {valid} valid editor signature{s} of the {needed} its root asks for",
        s = if *.valid == 1 { "" } else { "s" }
    )]
    UnderThreshold {
        /// What was being checked.
        noun: &'static str,
        /// Distinct editors whose signature verified.
        valid: usize,
        /// How many the root asks for.
        needed: usize,
    },
    /// A statement of another kind where this one was expected.
    #[error("expected a {expected}, found a {found}")]
    WrongKind {
        /// The kind wanted.
        expected: &'static str,
        /// The kind found.
        found: &'static str,
    },
    /// The signed body is not what the format allows.
    #[error("the signed {noun} is not valid: {problem}")]
    InvalidBody {
        /// What was being read.
        noun: &'static str,
        /// What is wrong with it.
        problem: String,
    },
    /// A root version that does not follow the one before it.
    #[error("the root chain has a gap: version {found} follows version {known}")]
    ChainGap {
        /// The newest version known.
        known: u64,
        /// The version offered next.
        found: u64,
    },
    /// A carried chain that differs from the one known at some version.
    #[error("the root chain differs from the one you hold at version {0}")]
    ChainFork(u64),
    /// A statement signed for another publisher's root.
    #[error("the {noun} belongs to another publisher's root")]
    OtherRoot {
        /// What was being checked.
        noun: &'static str,
    },
}

/// A root version's signed body, in the order writers emit its members.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RootBody {
    kind: String,
    name: String,
    version: u64,
    threshold: u64,
    editors: Vec<String>,
    issued: String,
}

/// A certificate's signed body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct CertificateBody {
    kind: String,
    root: String,
    key: String,
    key_name: String,
    channels: Vec<String>,
    valid_from: String,
    valid_until: String,
    cadence_hours: u64,
    issued: String,
}

/// A revocation's signed body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RevocationBody {
    kind: String,
    root: String,
    key: String,
    from_sequence: BTreeMap<String, u64>,
    reason: String,
    issued: String,
}

/// One verified version of a publisher's root.
#[derive(Debug, Clone)]
pub struct RootVersion {
    /// The statement, as carried: what later bundles and files carry again.
    pub statement: SignedStatement,
    /// Its bytes, exactly as signed and carried (`statement.to_bytes()`, kept for the
    /// byte-for-byte comparisons a chain walk makes).
    pub bytes: Vec<u8>,
    /// The publisher's name as the root gives it.
    pub name: String,
    /// 1 for the first version, then one more for each rotation.
    pub version: u64,
    /// How many distinct editors must sign each root-signed statement.
    pub threshold: usize,
    /// The editors' keys.
    pub editors: Vec<PublicKey>,
    /// When it was issued (signed time).
    pub issued: time::OffsetDateTime,
}

/// A verified root chain: version 1 (the anchor the reader trusts) and every later version,
/// each signed by a threshold of the version before it and of its own editors.
#[derive(Debug, Clone)]
pub struct RootChain {
    versions: Vec<RootVersion>,
}

/// A verified certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Certificate {
    /// The certified signing key's bytes.
    pub key: [u8; 32],
    /// The name the root gives the key.
    pub key_name: String,
    /// Channel names, or prefixes ending in `*`, the key may sign.
    pub channels: Vec<String>,
    /// Start of validity.
    pub valid_from: time::OffsetDateTime,
    /// End of validity.
    pub valid_until: time::OffsetDateTime,
    /// The publisher's usual interval between editions, in hours; 0 when not declared.
    pub cadence_hours: u64,
    /// When the root signed it.
    pub issued: time::OffsetDateTime,
}

/// A verified revocation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revocation {
    /// The revoked signing key's bytes.
    pub key: [u8; 32],
    /// Per channel (or `*` for every channel not listed), the first sequence refused.
    pub from_sequence: BTreeMap<String, u64>,
    /// Why, as the publisher wrote it.
    pub reason: String,
    /// When the root signed it.
    pub issued: time::OffsetDateTime,
}

fn invalid(noun: &'static str, problem: impl Into<String>) -> AuthorityError {
    AuthorityError::InvalidBody {
        noun,
        problem: problem.into(),
    }
}

fn expect_kind(statement: &SignedStatement, kind: StatementKind) -> Result<(), AuthorityError> {
    if statement.kind() != kind {
        return Err(AuthorityError::WrongKind {
            expected: kind.noun(),
            found: statement.kind().noun(),
        });
    }
    Ok(())
}

/// The number of distinct `editors` whose signature on `statement` verifies.
pub(crate) fn valid_signatures(statement: &SignedStatement, editors: &[PublicKey]) -> usize {
    let message = statement.signed_message();
    statement
        .signatures()
        .iter()
        .filter(|(id, signature)| {
            editors
                .iter()
                .any(|editor| editor.key_id() == *id && editor.verify(message, signature))
        })
        .count()
}

fn require(
    statement: &SignedStatement,
    editors: &[PublicKey],
    threshold: usize,
) -> Result<(), AuthorityError> {
    let valid = valid_signatures(statement, editors);
    if valid < threshold {
        return Err(AuthorityError::UnderThreshold {
            noun: statement.kind().noun(),
            valid,
            needed: threshold,
        });
    }
    Ok(())
}

fn parse_body<T: serde::de::DeserializeOwned>(
    statement: &SignedStatement,
    kind_word: &str,
) -> Result<T, AuthorityError> {
    let noun = statement.kind().noun();
    let body = statement.unverified_body();
    // Two members of one name could mean different things to different readers: refused at
    // every level, as in manifests (FORMAT.md section 3).
    crate::format::refuse_duplicate_members(body).map_err(|error| invalid(noun, error))?;
    let value: serde_json::Value =
        serde_json::from_slice(body).map_err(|error| invalid(noun, error.to_string()))?;
    if value.get("kind").and_then(|kind| kind.as_str()) != Some(kind_word) {
        return Err(invalid(noun, format!("its kind is not \"{kind_word}\"")));
    }
    serde_json::from_slice(body).map_err(|error| invalid(noun, error.to_string()))
}

fn key_from_hex(noun: &'static str, hex: &str) -> Result<[u8; 32], AuthorityError> {
    let bytes = data_encoding::HEXLOWER
        .decode(hex.as_bytes())
        .ok()
        .and_then(|bytes| <[u8; 32]>::try_from(bytes).ok())
        .ok_or_else(|| invalid(noun, "a key is not 64 lowercase hex digits"))?;
    PublicKey::new("editor", &bytes)
        .map_err(|_| invalid(noun, "a key is not a usable Ed25519 key"))?;
    Ok(bytes)
}

fn time_of(noun: &'static str, text: &str) -> Result<time::OffsetDateTime, AuthorityError> {
    crate::format::manifest::check_created(text).map_err(|_| {
        invalid(
            noun,
            format!("\"{text}\" is not a time as YYYY-MM-DDTHH:MM:SSZ"),
        )
    })
}

fn plain(noun: &'static str, what: &str, text: &str, max: usize) -> Result<(), AuthorityError> {
    if text.is_empty() || text.len() > max || !crate::format::manifest::is_plain_text(text) {
        return Err(invalid(
            noun,
            format!("its {what} is empty, too long or holds control characters"),
        ));
    }
    Ok(())
}

/// Names shown beside a fingerprint follow the key-name rule of FORMAT.md section 6.1 (1 to
/// 100 characters, no white space at either end), so a root file's `name:` line, whose value
/// loses spaces at its ends, always says the same as the root.
fn key_name_rule(noun: &'static str, what: &str, name: &str) -> Result<(), AuthorityError> {
    if crate::keys::is_valid_key_name(name) {
        Ok(())
    } else {
        Err(invalid(
            noun,
            format!("its {what} is not 1 to 100 characters without space at either end"),
        ))
    }
}

/// Reads a root body whose signatures have been checked by the caller.
fn read_root(statement: &SignedStatement) -> Result<RootVersion, AuthorityError> {
    let noun = StatementKind::Root.noun();
    let body: RootBody = parse_body(statement, "root")?;
    plain(
        noun,
        "name",
        &body.name,
        crate::keys::MAX_KEY_NAME_CHARS * 4,
    )?;
    key_name_rule(noun, "name", &body.name)?;
    if body.editors.is_empty() || body.editors.len() > MAX_EDITORS {
        return Err(invalid(noun, "it lists no editor, or more than 255"));
    }
    if !body.editors.windows(2).all(|pair| pair[0] < pair[1]) {
        return Err(invalid(
            noun,
            "its editors are not in strictly ascending order",
        ));
    }
    let threshold = usize::try_from(body.threshold).unwrap_or(usize::MAX);
    if threshold == 0 || threshold > body.editors.len() {
        return Err(invalid(
            noun,
            "its threshold is not between 1 and its number of editors",
        ));
    }
    if body.version == 0 {
        return Err(invalid(noun, "its version is 0 (versions start at 1)"));
    }
    let mut editors = Vec::with_capacity(body.editors.len());
    for hex in &body.editors {
        let bytes = key_from_hex(noun, hex)?;
        let key = PublicKey::new(&body.name, &bytes)
            .map_err(|_| invalid(noun, "an editor key is not usable"))?;
        if editors
            .iter()
            .any(|known: &PublicKey| known.key_id() == key.key_id())
        {
            return Err(invalid(noun, "two editors share a key id"));
        }
        editors.push(key);
    }
    Ok(RootVersion {
        statement: statement.clone(),
        bytes: statement.to_bytes(),
        issued: time_of(noun, &body.issued)?,
        name: body.name,
        version: body.version,
        threshold,
        editors,
    })
}

/// Reads a root body without checking its signatures: only for a publisher collecting
/// signatures on a version it wrote itself, to know whom to ask. Readers never call it.
pub(crate) fn read_root_unverified(
    statement: &SignedStatement,
) -> Result<RootVersion, AuthorityError> {
    expect_kind(statement, StatementKind::Root)?;
    read_root(statement)
}

/// What a certificate or revocation says, read without checking signatures: for an editor
/// deciding whether to add theirs. Readers never call it.
pub(crate) fn describe_unverified(
    statement: &SignedStatement,
    root_name: &str,
) -> Result<Vec<String>, AuthorityError> {
    let fingerprint = |hex: &str| {
        key_from_hex("statement", hex)
            .ok()
            .and_then(|bytes| PublicKey::new("key", &bytes).ok())
            .map_or_else(|| "(not a valid key)".to_string(), |key| key.fingerprint())
    };
    match statement.kind() {
        StatementKind::Certificate => {
            let body: CertificateBody = parse_body(statement, "certificate")?;
            Ok(vec![
                format!(
                    "certificate from {root_name}: the key {} [{}] may sign {}",
                    body.key_name,
                    fingerprint(&body.key),
                    body.channels.join(", ")
                ),
                format!("  from {} until {}", body.valid_from, body.valid_until),
                format!("  root id {}", body.root),
            ])
        }
        StatementKind::Revocation => {
            let body: RevocationBody = parse_body(statement, "revocation")?;
            Ok(vec![
                format!(
                    "revocation by {root_name}: the key [{}] is refused from {}",
                    fingerprint(&body.key),
                    body.from_sequence
                        .iter()
                        .map(|(c, n)| format!("{c} #{n}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                format!("  reason: {}", body.reason),
                format!("  root id {}", body.root),
            ])
        }
        StatementKind::Root => Ok(vec!["a root version".into()]),
    }
}

impl RootChain {
    /// Starts a chain at the version-1 root statement the reader has chosen to trust (by its
    /// fingerprint): it must be version 1 and carry a threshold of its own editors' signatures.
    pub fn from_anchor(anchor: &SignedStatement) -> Result<RootChain, AuthorityError> {
        expect_kind(anchor, StatementKind::Root)?;
        let first = read_root(anchor)?;
        if first.version != 1 {
            return Err(AuthorityError::ChainGap {
                known: 0,
                found: first.version,
            });
        }
        require(anchor, &first.editors, first.threshold)?;
        Ok(RootChain {
            versions: vec![first],
        })
    }

    /// The root's identity: SHA-256 of `"tamizdat/v1/root-id" || 0x00 ||` version 1's bytes.
    /// It stays the same through rotations.
    pub fn id(&self) -> Sha256Digest {
        root_id(&self.versions[0].bytes)
    }

    /// The first 8 bytes of [`RootChain::id`] in hex, as files and messages name a root.
    pub fn short_id(&self) -> String {
        self.id().to_hex()[..16].to_string()
    }

    /// The fingerprint people compare: the first 15 bytes of the id in base32, in six groups of
    /// four, as for keys (FORMAT.md section 6).
    pub fn fingerprint(&self) -> String {
        let text = data_encoding::BASE32_NOPAD.encode(&self.id().0[..15]);
        let groups: Vec<&str> = (0..text.len())
            .step_by(4)
            .map(|at| &text[at..at + 4])
            .collect();
        groups.join("-")
    }

    /// The publisher's name, as the newest version gives it.
    pub fn name(&self) -> &str {
        &self.newest().name
    }

    /// The chain of version 1 alone: the anchor a root file gives readers. Nothing is
    /// verified again; version 1 was verified when this chain was made.
    pub fn anchor(&self) -> RootChain {
        RootChain {
            versions: self.versions[..1].to_vec(),
        }
    }

    /// The statements of every version, oldest first, as a bundle carries them.
    pub fn statements(&self) -> Vec<SignedStatement> {
        self.versions.iter().map(|v| v.statement.clone()).collect()
    }

    /// The newest version known.
    pub fn newest(&self) -> &RootVersion {
        &self.versions[self.versions.len() - 1]
    }

    /// Every version, oldest first.
    pub fn versions(&self) -> &[RootVersion] {
        &self.versions
    }

    /// Adds the next version: checked against the newest version's editors before its body is
    /// read, then against its own.
    pub fn extend(&mut self, next: &SignedStatement) -> Result<(), AuthorityError> {
        expect_kind(next, StatementKind::Root)?;
        let newest = self.newest();
        require(next, &newest.editors, newest.threshold)?;
        let version = read_root(next)?;
        if version.version != newest.version + 1 {
            return Err(AuthorityError::ChainGap {
                known: newest.version,
                found: version.version,
            });
        }
        require(next, &version.editors, version.threshold)?;
        self.versions.push(version);
        Ok(())
    }

    /// Walks a carried chain (version 1 first) from what this chain knows: the versions both
    /// hold must be byte for byte the same, later ones are added in order. A carried chain
    /// shorter than this one adds nothing. Returns how many versions were added; on error,
    /// this chain is as it was.
    pub fn catch_up(&mut self, carried: &[SignedStatement]) -> Result<usize, AuthorityError> {
        let mut walked = self.clone();
        for (index, statement) in carried.iter().enumerate() {
            if let Some(known) = walked.versions.get(index) {
                if known.bytes != statement.to_bytes() {
                    return Err(AuthorityError::ChainFork(index as u64 + 1));
                }
                continue;
            }
            walked.extend(statement)?;
        }
        let added = walked.versions.len() - self.versions.len();
        *self = walked;
        Ok(added)
    }

    fn check_root_field(&self, noun: &'static str, root: &str) -> Result<(), AuthorityError> {
        if root != self.id().to_hex() {
            return Err(AuthorityError::OtherRoot { noun });
        }
        Ok(())
    }

    /// Checks a certificate against the newest root version's editors, then reads it.
    pub fn verify_certificate(
        &self,
        statement: &SignedStatement,
    ) -> Result<Certificate, AuthorityError> {
        expect_kind(statement, StatementKind::Certificate)?;
        let newest = self.newest();
        require(statement, &newest.editors, newest.threshold)?;
        let noun = StatementKind::Certificate.noun();
        let body: CertificateBody = parse_body(statement, "certificate")?;
        self.check_root_field(noun, &body.root)?;
        plain(
            noun,
            "key name",
            &body.key_name,
            crate::keys::MAX_KEY_NAME_CHARS * 4,
        )?;
        key_name_rule(noun, "key name", &body.key_name)?;
        if body.channels.is_empty() || body.channels.len() > MAX_CHANNEL_PATTERNS {
            return Err(invalid(noun, "it names no channel, or more than 256"));
        }
        for pattern in &body.channels {
            let name = pattern.strip_suffix('*').unwrap_or(pattern);
            let prefix_ok = pattern.ends_with('*')
                && (name.is_empty() || crate::format::manifest::check_channel(name).is_ok() || {
                    // A prefix may end where a channel name may not, as in `news-`.
                    crate::format::manifest::check_channel(&format!("{name}x")).is_ok()
                });
            if !(prefix_ok || crate::format::manifest::check_channel(pattern).is_ok()) {
                return Err(invalid(
                    noun,
                    format!("\"{pattern}\" is not a channel name or prefix"),
                ));
            }
        }
        let certificate = Certificate {
            key: key_from_hex(noun, &body.key)?,
            key_name: body.key_name,
            channels: body.channels,
            valid_from: time_of(noun, &body.valid_from)?,
            valid_until: time_of(noun, &body.valid_until)?,
            cadence_hours: body.cadence_hours,
            issued: time_of(noun, &body.issued)?,
        };
        if certificate.valid_until < certificate.valid_from {
            return Err(invalid(noun, "it ends before it starts"));
        }
        Ok(certificate)
    }

    /// Checks a revocation against the newest version's editors, then reads it. (One the
    /// reader learnt before a rotation stays learnt: the reader's state checks it against the
    /// version it was made under.) Editors rotated out, perhaps because they were stolen,
    /// cannot revoke anything any more.
    pub fn verify_revocation(
        &self,
        statement: &SignedStatement,
    ) -> Result<Revocation, AuthorityError> {
        expect_kind(statement, StatementKind::Revocation)?;
        let newest = self.newest();
        require(statement, &newest.editors, newest.threshold)?;
        let noun = StatementKind::Revocation.noun();
        let body: RevocationBody = parse_body(statement, "revocation")?;
        self.check_root_field(noun, &body.root)?;
        plain(noun, "reason", &body.reason, MAX_REASON_LEN)?;
        if body.from_sequence.is_empty() {
            return Err(invalid(noun, "it names no channel"));
        }
        for channel in body.from_sequence.keys() {
            if channel != "*" && crate::format::manifest::check_channel(channel).is_err() {
                return Err(invalid(
                    noun,
                    format!("\"{channel}\" is not a channel name"),
                ));
            }
        }
        Ok(Revocation {
            key: key_from_hex(noun, &body.key)?,
            from_sequence: body.from_sequence,
            reason: body.reason,
            issued: time_of(noun, &body.issued)?,
        })
    }
}

impl Certificate {
    /// True when the certificate lets its key sign `channel`: an exact name, or a prefix
    /// pattern ending in `*`.
    pub fn allows_channel(&self, channel: &str) -> bool {
        self.channels
            .iter()
            .any(|pattern| match pattern.strip_suffix('*') {
                Some(prefix) => channel.starts_with(prefix),
                None => pattern == channel,
            })
    }

    /// The certified key's id.
    pub fn key_id(&self) -> Option<KeyId> {
        PublicKey::new("certified", &self.key)
            .ok()
            .map(|key| key.key_id())
    }
}

impl Revocation {
    /// The first sequence of `channel` the revoked key may no longer sign, if any.
    pub fn refused_from(&self, channel: &str) -> Option<u64> {
        self.from_sequence
            .get(channel)
            .or_else(|| self.from_sequence.get("*"))
            .copied()
    }

    /// True when an edition `sequence` of `channel` signed by `key` is refused.
    pub fn refuses(&self, key: &[u8; 32], channel: &str, sequence: u64) -> bool {
        &self.key == key
            && self
                .refused_from(channel)
                .is_some_and(|from| sequence >= from)
    }
}

/// SHA-256 of `"tamizdat/v1/root-id" || 0x00 || anchor`: a root's identity.
pub fn root_id(anchor: &[u8]) -> Sha256Digest {
    let mut bytes = b"tamizdat/v1/root-id\0".to_vec();
    bytes.extend_from_slice(anchor);
    Sha256Digest::of(&bytes)
}

fn hex(bytes: &[u8]) -> String {
    data_encoding::HEXLOWER.encode(bytes)
}

/// Bytes in lowercase hex, as statements write keys.
pub fn hex_of(bytes: &[u8]) -> String {
    hex(bytes)
}

fn unsigned(kind: StatementKind, body: &impl Serialize) -> Result<SignedStatement, AuthorityError> {
    let json = serde_json::to_vec(body).map_err(|error| invalid(kind.noun(), error.to_string()))?;
    SignedStatement::unsigned(kind, &json).map_err(|error| invalid(kind.noun(), error.to_string()))
}

/// An unsigned root version of `editors` (sorted here) with `threshold`.
pub fn root_statement(
    name: &str,
    version: u64,
    threshold: u64,
    editors: &[PublicKey],
    issued: time::OffsetDateTime,
) -> Result<SignedStatement, AuthorityError> {
    let mut editors: Vec<String> = editors.iter().map(|key| hex(&key.to_bytes())).collect();
    editors.sort();
    editors.dedup();
    unsigned(
        StatementKind::Root,
        &RootBody {
            kind: "root".into(),
            name: name.into(),
            version,
            threshold,
            editors,
            issued: crate::format::manifest::format_created(issued),
        },
    )
}

/// What a certificate says, for [`certificate_statement`].
#[derive(Debug, Clone)]
pub struct CertificateRequest<'a> {
    /// The key to certify.
    pub key: &'a PublicKey,
    /// Channel names or prefixes ending in `*`.
    pub channels: Vec<String>,
    /// Start of validity.
    pub valid_from: time::OffsetDateTime,
    /// End of validity.
    pub valid_until: time::OffsetDateTime,
    /// Usual hours between editions, 0 when not declared.
    pub cadence_hours: u64,
    /// When it is signed.
    pub issued: time::OffsetDateTime,
}

/// An unsigned certificate under `chain`'s root.
pub fn certificate_statement(
    chain: &RootChain,
    request: &CertificateRequest<'_>,
) -> Result<SignedStatement, AuthorityError> {
    let created = crate::format::manifest::format_created;
    unsigned(
        StatementKind::Certificate,
        &CertificateBody {
            kind: "certificate".into(),
            root: chain.id().to_hex(),
            key: hex(&request.key.to_bytes()),
            key_name: request.key.name().into(),
            channels: request.channels.clone(),
            valid_from: created(request.valid_from),
            valid_until: created(request.valid_until),
            cadence_hours: request.cadence_hours,
            issued: created(request.issued),
        },
    )
}

/// An unsigned revocation under `chain`'s root.
pub fn revocation_statement(
    chain: &RootChain,
    key: &PublicKey,
    from_sequence: BTreeMap<String, u64>,
    reason: &str,
    issued: time::OffsetDateTime,
) -> Result<SignedStatement, AuthorityError> {
    unsigned(
        StatementKind::Revocation,
        &RevocationBody {
            kind: "revocation".into(),
            root: chain.id().to_hex(),
            key: hex(&key.to_bytes()),
            from_sequence,
            reason: reason.into(),
            issued: crate::format::manifest::format_created(issued),
        },
    )
}

/// Adds `editor`'s signature to `statement` (replacing an earlier one by the same key).
pub fn sign(statement: &mut SignedStatement, editor: &SecretKey) {
    let signature = editor.sign(statement.signed_message());
    // A statement holds at most 255 signatures; a root has at most 255 editors per version,
    // and a rotation is signed by two versions', so the 256th is the only one refused.
    let _ = statement.add_signature(editor.public().key_id(), signature);
}

pub mod publisher;
pub mod reader;
pub mod root_file;
pub mod state;

#[cfg(test)]
mod tests;
