//! The bundle bytes and nothing else: no file I/O, so every parser here can be fuzzed.
//!
//! A bundle is `header || payload`: the signed header ([`header`]) is a zstd skippable frame
//! carrying the JSON [`manifest`]; the payload is a POSIX tar compressed as a sequence of
//! independent zstd frames ([`frames`]) whose lengths and hashes the manifest signs.

pub mod catalog;
pub mod frames;
pub mod header;
mod json;
mod key_id;
mod kind;
pub mod manifest;
pub mod path;
pub mod statement;
pub mod tar;
pub mod text;

pub use header::{MAX_MANIFEST_LEN, Preamble, SignedHeader};
pub use json::refuse_duplicate_members;
pub use key_id::KeyId;
pub use kind::{ArticleKind, article_kind};
pub use manifest::{Article, FileEntry, Frame, Manifest, ManifestError, Payload, Publisher};
pub use path::EditionPath;

use std::fmt;
use std::io;

/// Errors in the bytes of a bundle's header or manifest. Each reads as one plain sentence.
#[derive(Debug, thiserror::Error)]
pub enum FormatError {
    /// The file does not start with the tamizdat magic.
    #[error("it is not a tamizdat bundle (no tamizdat header at the start of the file)")]
    NotABundle,
    /// The bundle's major format version is newer than this build reads.
    #[error("this bundle needs a newer version of tamizdat (format {major})")]
    UnsupportedVersion {
        /// The major version in the header.
        major: u16,
    },
    /// The header claims major format version 0.
    #[error(
        "the header is damaged: it claims format version 0, which does not exist (versions start at 1)"
    )]
    UnknownVersion {
        /// The major version in the header.
        major: u16,
    },
    /// The file ends before the header does.
    #[error("the file is truncated: it ends inside the header")]
    Truncated,
    /// A certified header declares an empty credentials block.
    #[error("the header is damaged: it declares credentials of 0 bytes")]
    EmptyCredentials,
    /// A certified header declares more credentials than allowed.
    #[error(
        "the header declares {} bytes of credentials, more than the limit of {} bytes",
        crate::format::text::thousands(*.len as u64),
        crate::format::text::thousands(*.max as u64)
    )]
    CredentialsTooLarge {
        /// Bytes declared.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The header frame's length does not fit its manifest length.
    #[error(
        "the header is damaged: its frame length {frame_len} does not match its manifest length {manifest_len}"
    )]
    InconsistentHeaderLength {
        /// The content length the header frame declares, in bytes.
        frame_len: usize,
        /// The manifest length the preamble gives, in bytes.
        manifest_len: usize,
    },
    /// The compressed manifest is larger than allowed.
    #[error(
        "the manifest is {} bytes, more than the limit of {} bytes",
        crate::format::text::thousands(*.len as u64),
        crate::format::text::thousands(*.max as u64)
    )]
    ManifestTooLarge {
        /// Its length, in bytes.
        len: usize,
        /// The largest length allowed, in bytes.
        max: usize,
    },
    /// The preamble declares an empty manifest.
    #[error("the header is damaged: it declares a manifest of 0 bytes")]
    EmptyManifest,
    /// The manifest does not decompress to its declared length.
    #[error("the manifest does not decompress to the {expected} bytes its header declares")]
    ManifestDecompression {
        /// The declared length, in bytes.
        expected: usize,
    },
    /// Compressing the manifest while packing failed.
    #[error("the manifest could not be compressed: {0}")]
    ManifestCompression(#[source] io::Error),
    /// Reported only once the signature has verified, or (by `tamizdat info`) not at all.
    #[error("the signed manifest is not valid: {0}")]
    InvalidManifest(#[from] ManifestError),
}

/// A SHA-256 digest, written in manifests as 64 lowercase hex digits.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Sha256Digest(pub [u8; 32]);

impl Sha256Digest {
    /// Hashes a byte slice in one go.
    pub fn of(bytes: &[u8]) -> Sha256Digest {
        use sha2::Digest;
        Sha256Digest(sha2::Sha256::digest(bytes).into())
    }

    /// The digest as 64 lowercase hex digits.
    pub fn to_hex(&self) -> String {
        data_encoding::HEXLOWER.encode(&self.0)
    }

    /// Accepts only the canonical lowercase form, so one digest has exactly one spelling.
    pub fn from_hex(text: &str) -> Option<Sha256Digest> {
        if text.len() != 64 {
            return None;
        }
        let bytes = data_encoding::HEXLOWER.decode(text.as_bytes()).ok()?;
        Some(Sha256Digest(bytes.try_into().ok()?))
    }
}

impl fmt::Display for Sha256Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Debug for Sha256Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Sha256Digest({})", self.to_hex())
    }
}

impl serde::Serialize for Sha256Digest {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_hex())
    }
}

impl<'de> serde::Deserialize<'de> for Sha256Digest {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Sha256Digest::from_hex(&text)
            .ok_or_else(|| serde::de::Error::custom("a sha256 must be 64 lowercase hex digits"))
    }
}

/// Fills `buffer` from `reader`, returning how many bytes were read before the stream ended
/// (less than the buffer's length only at the end of the stream).
pub fn read_fully<R: io::Read>(reader: &mut R, buffer: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buffer.len() {
        match reader.read(&mut buffer[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}
