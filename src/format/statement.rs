//! Signed statements: root statements, key certificates and revocations (FORMAT.md section 10,
//! a draft that no bundle carries yet).
//!
//! A statement is a fixed binary envelope around a JSON body:
//!
//! ```text
//! offset  size      field
//!      0     8      "TZSTMNT1"
//!      8     1      kind: 1 root, 2 certificate, 3 revocation
//!      9     4      body length B, 1 to 65,536 (u32 little-endian)
//!     13     B      body: UTF-8 JSON, read only once enough signatures have verified
//!   13+B     1      signature count S, 1 to 255
//!   14+B  S × 72    signatures: key id (8 bytes) and Ed25519 signature (64 bytes), key ids
//!                   strictly ascending
//! ```
//!
//! Each signature is over `context(kind) || bytes[0 .. 13+B]`: the count and the signatures
//! are outside what is signed, so editors can add theirs one after another. Everything a verifier needs
//! before trusting the body (which keys signed, over which bytes) is found by offsets alone, so
//! no parser ever sees an unverified body: the principle of FORMAT.md section 1, kept for every
//! new object.
//!
//! Nothing here checks a signature (that needs keys, one layer up): this module only splits
//! bytes and puts them together.

use crate::format::KeyId;

/// The first 8 bytes of every statement.
pub const STATEMENT_MAGIC: &[u8; 8] = b"TZSTMNT1";
/// Bytes before the body.
pub const STATEMENT_PREAMBLE_LEN: usize = 13;
/// A body is small JSON: a root of 255 editors is about 17,000 bytes.
pub const MAX_BODY_LEN: usize = 65_536;
/// Bytes of one signature entry: key id and Ed25519 signature.
pub const SIGNATURE_ENTRY_LEN: usize = 8 + 64;
/// A root chain longer than this is refused before any statement of it is read.
pub const MAX_ROOT_CHAIN: usize = 256;
/// Certificates and revocations one credentials block may carry.
pub const MAX_OTHER_STATEMENTS: usize = 4_096;
/// The largest statement: preamble, the largest body and 255 signatures.
pub const MAX_STATEMENT_LEN: usize =
    STATEMENT_PREAMBLE_LEN + MAX_BODY_LEN + 1 + 255 * SIGNATURE_ENTRY_LEN;

/// What a statement says, which also chooses the context string its signatures are over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum StatementKind {
    /// A root version: the publisher's editors and how many must sign.
    Root,
    /// A root-signed certificate for a signing key.
    Certificate,
    /// A root-signed revocation of a signing key.
    Revocation,
}

impl StatementKind {
    /// The byte at offset 8.
    pub fn byte(self) -> u8 {
        match self {
            StatementKind::Root => 1,
            StatementKind::Certificate => 2,
            StatementKind::Revocation => 3,
        }
    }

    fn from_byte(byte: u8) -> Option<StatementKind> {
        match byte {
            1 => Some(StatementKind::Root),
            2 => Some(StatementKind::Certificate),
            3 => Some(StatementKind::Revocation),
            _ => None,
        }
    }

    /// The prefix of the message every signature of this kind is made over: one per kind, so
    /// that no signature made for one kind of object (or for a bundle header) verifies as another.
    pub fn context(self) -> &'static [u8] {
        match self {
            StatementKind::Root => b"tamizdat/v1/root\0",
            StatementKind::Certificate => b"tamizdat/v1/certificate\0",
            StatementKind::Revocation => b"tamizdat/v1/revocation\0",
        }
    }

    /// How messages name it.
    pub fn noun(self) -> &'static str {
        match self {
            StatementKind::Root => "root statement",
            StatementKind::Certificate => "key certificate",
            StatementKind::Revocation => "revocation",
        }
    }
}

/// Why bytes are not a statement or a credentials block. One plain sentence each.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StatementError {
    /// The bytes do not start with [`STATEMENT_MAGIC`].
    #[error("it is not a tamizdat statement (no statement header at its start)")]
    NotAStatement,
    /// The kind byte names no kind this version knows.
    #[error("this statement is of a kind this version of tamizdat does not know ({0})")]
    UnknownKind(u8),
    /// The bytes end before the statement does, or go on after it.
    #[error(
        "the statement is damaged: it is {actual} bytes long, but its header makes it {expected}"
    )]
    WrongLength {
        /// What the header adds up to.
        expected: usize,
        /// What there is.
        actual: usize,
    },
    /// The body is empty or too long.
    #[error("the statement is damaged: it declares a body of {0} bytes (1 to 65,536 allowed)")]
    BodyLength(usize),
    /// No signature at all.
    #[error("the statement carries no signature")]
    Unsigned,
    /// Two signatures by one key, or out of order.
    #[error("the statement is damaged: its signatures are not in strictly ascending key id order")]
    SignatureOrder,
    /// The credentials block ends early, or declares more than it may.
    #[error("the credentials are damaged: {0}")]
    Block(&'static str),
    /// A root chain longer than [`MAX_ROOT_CHAIN`].
    #[error("the credentials carry a root chain of {0} versions, more than the 256 allowed")]
    ChainTooLong(usize),
    /// More certificates and revocations than [`MAX_OTHER_STATEMENTS`].
    #[error("the credentials carry {0} statements, more than the 4,096 allowed")]
    TooManyStatements(usize),
}

/// A statement split into its parts. Its body is unverified: read it only through a verifier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedStatement {
    kind: StatementKind,
    /// The context, then bytes[0 .. 14+B]: the message each signature is over.
    message: Vec<u8>,
    signatures: Vec<(KeyId, [u8; 64])>,
}

impl SignedStatement {
    /// Splits `bytes`, which must be exactly one statement, by offsets only.
    pub fn parse(bytes: &[u8]) -> Result<SignedStatement, StatementError> {
        if bytes.len() < STATEMENT_PREAMBLE_LEN || &bytes[..8] != STATEMENT_MAGIC {
            return Err(StatementError::NotAStatement);
        }
        let kind =
            StatementKind::from_byte(bytes[8]).ok_or(StatementError::UnknownKind(bytes[8]))?;
        let body_len = u32::from_le_bytes([bytes[9], bytes[10], bytes[11], bytes[12]]) as usize;
        if body_len == 0 || body_len > MAX_BODY_LEN {
            return Err(StatementError::BodyLength(body_len));
        }
        let signed_len = STATEMENT_PREAMBLE_LEN + body_len;
        let Some(&count) = bytes.get(signed_len) else {
            return Err(StatementError::WrongLength {
                expected: signed_len + 1,
                actual: bytes.len(),
            });
        };
        let count = count as usize;
        if count == 0 {
            return Err(StatementError::Unsigned);
        }
        let expected = signed_len + 1 + count * SIGNATURE_ENTRY_LEN;
        if bytes.len() != expected {
            return Err(StatementError::WrongLength {
                expected,
                actual: bytes.len(),
            });
        }
        let mut signatures: Vec<(KeyId, [u8; 64])> = Vec::with_capacity(count);
        for entry in bytes[signed_len + 1..].chunks_exact(SIGNATURE_ENTRY_LEN) {
            let mut id = [0u8; 8];
            id.copy_from_slice(&entry[..8]);
            let mut signature = [0u8; 64];
            signature.copy_from_slice(&entry[8..]);
            let id = KeyId::from_bytes(id);
            if signatures.last().is_some_and(|(last, _)| *last >= id) {
                return Err(StatementError::SignatureOrder);
            }
            signatures.push((id, signature));
        }
        let mut message = kind.context().to_vec();
        message.extend_from_slice(&bytes[..signed_len]);
        Ok(SignedStatement {
            kind,
            message,
            signatures,
        })
    }

    /// A statement of `kind` over `body` with no signature yet: sign [`Self::signed_message`]
    /// and [`Self::add_signature`].
    pub fn unsigned(kind: StatementKind, body: &[u8]) -> Result<SignedStatement, StatementError> {
        if body.is_empty() || body.len() > MAX_BODY_LEN {
            return Err(StatementError::BodyLength(body.len()));
        }
        let mut message = kind.context().to_vec();
        message.extend_from_slice(STATEMENT_MAGIC);
        message.push(kind.byte());
        message.extend_from_slice(&(body.len() as u32).to_le_bytes());
        message.extend_from_slice(body);
        Ok(SignedStatement {
            kind,
            message,
            signatures: Vec::new(),
        })
    }

    /// Adds (or replaces) the signature of key `id`, keeping key ids in ascending order. At
    /// most 255 signatures fit.
    pub fn add_signature(&mut self, id: KeyId, signature: [u8; 64]) -> Result<(), StatementError> {
        match self
            .signatures
            .binary_search_by(|(known, _)| known.cmp(&id))
        {
            Ok(at) => self.signatures[at].1 = signature,
            Err(_) if self.signatures.len() == 255 => return Err(StatementError::SignatureOrder),
            Err(at) => self.signatures.insert(at, (id, signature)),
        }
        Ok(())
    }

    /// The statement's kind (from its eighth byte, which every signature covers).
    pub fn kind(&self) -> StatementKind {
        self.kind
    }

    /// The exact message each signature is made over.
    pub fn signed_message(&self) -> &[u8] {
        &self.message
    }

    /// The signatures, by key id.
    pub fn signatures(&self) -> &[(KeyId, [u8; 64])] {
        &self.signatures
    }

    /// The body's bytes. Unverified: only a verifier hands them to a parser.
    pub fn unverified_body(&self) -> &[u8] {
        &self.message[self.kind.context().len() + STATEMENT_PREAMBLE_LEN..]
    }

    /// The statement as stored and carried.
    pub fn to_bytes(&self) -> Vec<u8> {
        let context = self.kind.context().len();
        let mut out = self.message[context..].to_vec();
        out.push(self.signatures.len() as u8);
        for (id, signature) in &self.signatures {
            out.extend_from_slice(id.as_bytes());
            out.extend_from_slice(signature);
        }
        out
    }
}

/// A credentials block: a root chain, oldest version first, then certificates and revocations.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Credentials {
    /// Root statements, version 1 first.
    pub roots: Vec<SignedStatement>,
    /// Certificates and revocations, in the order carried.
    pub others: Vec<SignedStatement>,
}

/// The first bytes of a standalone credentials file (a root's public file, a certificate, a
/// revocation passed around on its own).
pub const CREDENTIALS_FILE_MAGIC: &[u8; 8] = b"TZCREDS1";

impl Credentials {
    /// Splits a credentials block: `R` (u16), `S` (u16), then `R + S` statements each
    /// preceded by its length (u32). `R` over 256 or `S` over 4,096 is refused before any
    /// statement is looked at.
    pub fn parse(bytes: &[u8]) -> Result<Credentials, StatementError> {
        if bytes.len() < 4 {
            return Err(StatementError::Block("it ends before its counts"));
        }
        let roots = u16::from_le_bytes([bytes[0], bytes[1]]) as usize;
        let others = u16::from_le_bytes([bytes[2], bytes[3]]) as usize;
        if roots > MAX_ROOT_CHAIN {
            return Err(StatementError::ChainTooLong(roots));
        }
        if others > MAX_OTHER_STATEMENTS {
            return Err(StatementError::TooManyStatements(others));
        }
        let mut rest = &bytes[4..];
        let mut statements = Vec::with_capacity(roots + others);
        for _ in 0..roots + others {
            if rest.len() < 4 {
                return Err(StatementError::Block("it ends inside a statement's length"));
            }
            let len = u32::from_le_bytes([rest[0], rest[1], rest[2], rest[3]]) as usize;
            if len > MAX_STATEMENT_LEN {
                return Err(StatementError::Block("a statement is longer than allowed"));
            }
            if rest.len() - 4 < len {
                return Err(StatementError::Block("it ends inside a statement"));
            }
            statements.push(SignedStatement::parse(&rest[4..4 + len])?);
            rest = &rest[4 + len..];
        }
        if !rest.is_empty() {
            return Err(StatementError::Block("bytes follow its last statement"));
        }
        let others = statements.split_off(roots);
        if statements.iter().any(|s| s.kind() != StatementKind::Root) {
            return Err(StatementError::Block(
                "its root chain holds a statement that is not a root",
            ));
        }
        if others.iter().any(|s| s.kind() == StatementKind::Root) {
            return Err(StatementError::Block(
                "a root statement follows the root chain",
            ));
        }
        Ok(Credentials {
            roots: statements,
            others,
        })
    }

    /// The block's bytes, as [`Credentials::parse`] reads them.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend_from_slice(&(self.roots.len() as u16).to_le_bytes());
        out.extend_from_slice(&(self.others.len() as u16).to_le_bytes());
        for statement in self.roots.iter().chain(&self.others) {
            let bytes = statement.to_bytes();
            out.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
            out.extend_from_slice(&bytes);
        }
        out
    }

    /// A standalone credentials file: [`CREDENTIALS_FILE_MAGIC`], then the block.
    pub fn to_file_bytes(&self) -> Vec<u8> {
        let mut out = CREDENTIALS_FILE_MAGIC.to_vec();
        out.extend_from_slice(&self.to_bytes());
        out
    }

    /// Reads a standalone credentials file.
    pub fn parse_file(bytes: &[u8]) -> Result<Credentials, StatementError> {
        match bytes.strip_prefix(CREDENTIALS_FILE_MAGIC.as_slice()) {
            Some(block) => Credentials::parse(block),
            None => Err(StatementError::NotAStatement),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signed(kind: StatementKind, body: &[u8], ids: &[u8]) -> SignedStatement {
        let mut statement = SignedStatement::unsigned(kind, body).unwrap();
        for &id in ids {
            statement
                .add_signature(KeyId::from_bytes([id; 8]), [id; 64])
                .unwrap();
        }
        statement
    }

    #[test]
    fn statement_round_trips_with_signatures_in_key_order() {
        let statement = signed(StatementKind::Certificate, b"{\"a\":1}", &[9, 3, 5]);
        let bytes = statement.to_bytes();
        assert_eq!(bytes.len(), 14 + 7 + 3 * 72);
        let parsed = SignedStatement::parse(&bytes).unwrap();
        assert_eq!(parsed.kind(), StatementKind::Certificate);
        assert_eq!(parsed.unverified_body(), b"{\"a\":1}");
        let ids: Vec<u8> = parsed
            .signatures()
            .iter()
            .map(|(id, _)| id.as_bytes()[0])
            .collect();
        assert_eq!(ids, [3, 5, 9]);
        assert!(
            parsed
                .signed_message()
                .starts_with(b"tamizdat/v1/certificate\0TZSTMNT1\x02")
        );
        // Adding signatures does not change what they are over.
        assert_eq!(parsed.signed_message(), statement.signed_message());
        assert_eq!(parsed.to_bytes(), bytes);
    }

    #[test]
    fn each_kind_has_its_own_context() {
        let kinds = [
            StatementKind::Root,
            StatementKind::Certificate,
            StatementKind::Revocation,
        ];
        for a in kinds {
            for b in kinds {
                assert_eq!(a == b, a.context() == b.context());
            }
            assert!(a.context() != b"tamizdat/v1/bundle-header\0");
        }
    }

    #[test]
    fn damaged_statements_are_refused_by_offsets_alone() {
        let bytes = signed(StatementKind::Root, b"{}", &[1, 2]).to_bytes();
        for len in 0..bytes.len() {
            assert!(
                SignedStatement::parse(&bytes[..len]).is_err(),
                "length {len}"
            );
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(matches!(
            SignedStatement::parse(&longer),
            Err(StatementError::WrongLength { .. })
        ));
        let mut kind = bytes.clone();
        kind[8] = 4;
        assert_eq!(
            SignedStatement::parse(&kind),
            Err(StatementError::UnknownKind(4))
        );
        let mut none = bytes[..16].to_vec();
        none[15] = 0;
        assert_eq!(SignedStatement::parse(&none), Err(StatementError::Unsigned));
        let mut huge = bytes.clone();
        huge[9..13].copy_from_slice(&(MAX_BODY_LEN as u32 + 1).to_le_bytes());
        assert!(matches!(
            SignedStatement::parse(&huge),
            Err(StatementError::BodyLength(_))
        ));
        // The same key twice.
        let mut twice = bytes.clone();
        let second = 13 + 2 + 1 + 72;
        twice.copy_within(16..24, second);
        assert_eq!(
            SignedStatement::parse(&twice),
            Err(StatementError::SignatureOrder)
        );
    }

    #[test]
    fn credentials_round_trip_and_refuse_a_long_chain_before_reading_it() {
        let credentials = Credentials {
            roots: vec![signed(StatementKind::Root, b"{}", &[1])],
            others: vec![
                signed(StatementKind::Certificate, b"{}", &[1]),
                signed(StatementKind::Revocation, b"{}", &[2]),
            ],
        };
        let bytes = credentials.to_bytes();
        assert_eq!(Credentials::parse(&bytes).unwrap(), credentials);
        assert_eq!(
            Credentials::parse_file(&credentials.to_file_bytes()).unwrap(),
            credentials
        );
        // 257 roots, and nothing after the counts: refused on the count alone.
        let mut long = vec![0u8; 4];
        long[..2].copy_from_slice(&257u16.to_le_bytes());
        assert_eq!(
            Credentials::parse(&long),
            Err(StatementError::ChainTooLong(257))
        );
        for len in 0..bytes.len() {
            assert!(Credentials::parse(&bytes[..len]).is_err(), "length {len}");
        }
        // A certificate inside the root chain.
        let mixed = Credentials {
            roots: vec![signed(StatementKind::Certificate, b"{}", &[1])],
            others: Vec::new(),
        };
        assert!(Credentials::parse(&mixed.to_bytes()).is_err());
    }
}
