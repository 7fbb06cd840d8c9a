//! Key ids: the 8 bytes in every header that name the signing key.

use std::fmt;

/// The short identifier of a key: the first 8 bytes of SHA-256(context || public key).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KeyId([u8; 8]);

impl KeyId {
    /// The key id made of these 8 bytes.
    pub fn from_bytes(bytes: [u8; 8]) -> KeyId {
        KeyId(bytes)
    }

    /// The key id's 8 bytes.
    pub fn as_bytes(&self) -> &[u8; 8] {
        &self.0
    }

    /// The key id as 16 lowercase hex digits.
    pub fn to_hex(&self) -> String {
        data_encoding::HEXLOWER.encode(&self.0)
    }

    /// Parses 16 lowercase hex digits; `None` for anything else.
    pub fn from_hex(text: &str) -> Option<KeyId> {
        let bytes = data_encoding::HEXLOWER.decode(text.as_bytes()).ok()?;
        Some(KeyId(bytes.try_into().ok()?))
    }
}

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Debug for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeyId({})", self.to_hex())
    }
}
