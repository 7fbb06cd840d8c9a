//! The signed header: a zstd skippable frame at the start of every bundle.
//!
//! Layout (all integers little-endian; see FORMAT.md for the contract):
//!
//! ```text
//! offset  size  field
//!      0     4  zstd skippable-frame magic 0x184D2A5D
//!      4     4  skippable-frame content length C = 24 + M + 64
//!      8     8  "TAMIZDAT"
//!     16     2  format major version (1)
//!     18     2  format minor version (0)
//!     20     8  key id of the signing key
//!     28     4  manifest length M
//!     32     M  manifest, UTF-8 JSON
//!   32+M    64  Ed25519 signature over SIGNATURE_CONTEXT || bytes[0 .. 32+M]
//! ```
//!
//! Everything here works on byte slices: no file I/O, so it can be fuzzed and reused by any
//! reader. The signature is checked by [`crate::verify`] before the manifest is parsed.

use crate::format::FormatError;
use crate::keys::KeyId;

/// zstd reserves magics 0x184D2A50..=0x184D2A5F for skippable frames; stock `zstd -d` skips them,
/// which keeps a bundle a valid `.tar.zst`. We use variant 0xD so other tools can tell us apart.
pub const SKIPPABLE_FRAME_MAGIC: u32 = 0x184D_2A5D;
/// Identifies a tamizdat header inside the skippable frame.
pub const MAGIC: &[u8; 8] = b"TAMIZDAT";
/// Readers refuse any other major version: it may change what is signed or how.
pub const FORMAT_MAJOR: u16 = 1;
/// Minor versions only add manifest fields that a v1 reader may ignore.
pub const FORMAT_MINOR: u16 = 0;
/// Bytes before the manifest.
pub const PREAMBLE_LEN: usize = 32;
/// An Ed25519 signature.
pub const SIGNATURE_LEN: usize = 64;
/// Bytes of the skippable frame's content that are not the manifest.
const FIXED_CONTENT_LEN: usize = PREAMBLE_LEN - 8 + SIGNATURE_LEN;
/// Prefix of the signed message. Naming format, version and kind means a signature made for
/// another kind of object (a catalog, a key certificate) can never be replayed as a bundle header.
pub const SIGNATURE_CONTEXT: &[u8] = b"tamizdat/v1/bundle-header\0";
/// The manifest must fit in memory before it is trusted. 16 MiB holds the metadata of about
/// 60,000 files, far beyond an edition, and is small enough to read on a phone.
pub const MAX_MANIFEST_LEN: usize = 16 * 1024 * 1024;

/// The fixed-size start of a bundle, enough to know which key to check and how much to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Preamble {
    pub format_minor: u16,
    pub key_id: KeyId,
    pub manifest_len: usize,
}

impl Preamble {
    /// Parses the first [`PREAMBLE_LEN`] bytes. Checks that come before any signature check can
    /// only say what the bytes claim; they are all re-covered by the signature afterwards.
    pub fn parse(bytes: &[u8; PREAMBLE_LEN]) -> Result<Preamble, FormatError> {
        let magic = u32::from_le_bytes(take4(bytes, 0));
        if magic != SKIPPABLE_FRAME_MAGIC || &bytes[8..16] != MAGIC {
            return Err(FormatError::NotABundle);
        }
        let major = u16::from_le_bytes([bytes[16], bytes[17]]);
        if major != FORMAT_MAJOR {
            return Err(FormatError::UnsupportedVersion { major });
        }
        let format_minor = u16::from_le_bytes([bytes[18], bytes[19]]);
        let mut key_id = [0u8; 8];
        key_id.copy_from_slice(&bytes[20..28]);
        let manifest_len = u32::from_le_bytes(take4(bytes, 28)) as usize;
        if manifest_len > MAX_MANIFEST_LEN {
            return Err(FormatError::ManifestTooLarge {
                len: manifest_len,
                max: MAX_MANIFEST_LEN,
            });
        }
        let content_len = u32::from_le_bytes(take4(bytes, 4)) as usize;
        if content_len != FIXED_CONTENT_LEN + manifest_len {
            return Err(FormatError::InconsistentHeaderLength {
                frame_len: content_len,
                manifest_len,
            });
        }
        Ok(Preamble {
            format_minor,
            key_id: KeyId::from_bytes(key_id),
            manifest_len,
        })
    }

    /// Bytes that follow the preamble in the header: the manifest and the signature.
    pub fn rest_len(&self) -> usize {
        self.manifest_len + SIGNATURE_LEN
    }

    /// Length of the whole header; the payload starts at this offset.
    pub fn header_len(&self) -> u64 {
        (PREAMBLE_LEN + self.rest_len()) as u64
    }
}

/// The bytes every bundle starts with, at their offsets (0..4 and 8..16; the rest zero), so a
/// reader can tell a cut-off bundle from a file that is no bundle at all.
pub fn expected_start() -> [u8; PREAMBLE_LEN] {
    let mut start = [0u8; PREAMBLE_LEN];
    start[..4].copy_from_slice(&SKIPPABLE_FRAME_MAGIC.to_le_bytes());
    start[8..16].copy_from_slice(MAGIC);
    start
}

fn take4(bytes: &[u8; PREAMBLE_LEN], at: usize) -> [u8; 4] {
    [bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]
}

/// A header as read from a bundle, not yet verified.
#[derive(Debug, Clone)]
pub struct SignedHeader {
    pub preamble: Preamble,
    /// Preamble and manifest bytes exactly as in the file: what the signature covers.
    signed_bytes: Vec<u8>,
    pub signature: [u8; SIGNATURE_LEN],
}

impl SignedHeader {
    /// Assembles a header from the preamble bytes and the `rest_len()` bytes that follow them.
    pub fn from_parts(
        preamble_bytes: &[u8; PREAMBLE_LEN],
        rest: &[u8],
    ) -> Result<SignedHeader, FormatError> {
        let preamble = Preamble::parse(preamble_bytes)?;
        if rest.len() != preamble.rest_len() {
            return Err(FormatError::Truncated);
        }
        let (manifest, signature_bytes) = rest.split_at(preamble.manifest_len);
        let mut signed_bytes = Vec::with_capacity(PREAMBLE_LEN + manifest.len());
        signed_bytes.extend_from_slice(preamble_bytes);
        signed_bytes.extend_from_slice(manifest);
        let mut signature = [0u8; SIGNATURE_LEN];
        signature.copy_from_slice(signature_bytes);
        Ok(SignedHeader {
            preamble,
            signed_bytes,
            signature,
        })
    }

    /// Parses a whole header from the start of a byte slice (used by tests and fuzzing).
    pub fn parse(bytes: &[u8]) -> Result<SignedHeader, FormatError> {
        let preamble: &[u8; PREAMBLE_LEN] = bytes
            .get(..PREAMBLE_LEN)
            .and_then(|b| b.try_into().ok())
            .ok_or(FormatError::Truncated)?;
        let rest_len = Preamble::parse(preamble)?.rest_len();
        let rest = bytes
            .get(PREAMBLE_LEN..PREAMBLE_LEN + rest_len)
            .ok_or(FormatError::Truncated)?;
        SignedHeader::from_parts(preamble, rest)
    }

    /// The manifest bytes exactly as signed. Parse them only after the signature verifies.
    pub fn manifest_bytes(&self) -> &[u8] {
        &self.signed_bytes[PREAMBLE_LEN..]
    }

    /// The message the Ed25519 signature is made over.
    pub fn signed_message(&self) -> Vec<u8> {
        signed_message(&self.signed_bytes)
    }

    /// The header as it appears in the file.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = self.signed_bytes.clone();
        out.extend_from_slice(&self.signature);
        out
    }
}

fn signed_message(signed_bytes: &[u8]) -> Vec<u8> {
    let mut message = Vec::with_capacity(SIGNATURE_CONTEXT.len() + signed_bytes.len());
    message.extend_from_slice(SIGNATURE_CONTEXT);
    message.extend_from_slice(signed_bytes);
    message
}

/// The bytes a publisher signs for a manifest: returns (preamble and manifest, message to sign).
pub fn unsigned_header(key_id: KeyId, manifest: &[u8]) -> Result<(Vec<u8>, Vec<u8>), FormatError> {
    if manifest.len() > MAX_MANIFEST_LEN {
        return Err(FormatError::ManifestTooLarge {
            len: manifest.len(),
            max: MAX_MANIFEST_LEN,
        });
    }
    let mut bytes = Vec::with_capacity(PREAMBLE_LEN + manifest.len() + SIGNATURE_LEN);
    bytes.extend_from_slice(&SKIPPABLE_FRAME_MAGIC.to_le_bytes());
    bytes.extend_from_slice(&((FIXED_CONTENT_LEN + manifest.len()) as u32).to_le_bytes());
    bytes.extend_from_slice(MAGIC);
    bytes.extend_from_slice(&FORMAT_MAJOR.to_le_bytes());
    bytes.extend_from_slice(&FORMAT_MINOR.to_le_bytes());
    bytes.extend_from_slice(key_id.as_bytes());
    bytes.extend_from_slice(&(manifest.len() as u32).to_le_bytes());
    bytes.extend_from_slice(manifest);
    let message = signed_message(&bytes);
    Ok((bytes, message))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(manifest: &[u8]) -> Vec<u8> {
        let (mut bytes, _) = unsigned_header(KeyId::from_bytes([7; 8]), manifest).unwrap();
        bytes.extend_from_slice(&[9u8; SIGNATURE_LEN]);
        bytes
    }

    #[test]
    fn header_round_trips() {
        let bytes = sample(b"{\"a\":1}");
        let header = SignedHeader::parse(&bytes).unwrap();
        assert_eq!(header.manifest_bytes(), b"{\"a\":1}");
        assert_eq!(header.preamble.key_id, KeyId::from_bytes([7; 8]));
        assert_eq!(header.signature, [9u8; SIGNATURE_LEN]);
        assert_eq!(header.to_bytes(), bytes);
        assert_eq!(header.preamble.header_len(), bytes.len() as u64);
        assert!(header.signed_message().starts_with(SIGNATURE_CONTEXT));
    }

    #[test]
    fn other_major_version_is_refused_with_its_number() {
        let mut bytes = sample(b"{}");
        bytes[16] = 2;
        assert!(matches!(
            SignedHeader::parse(&bytes),
            Err(FormatError::UnsupportedVersion { major: 2 })
        ));
    }

    #[test]
    fn wrong_magic_is_not_a_bundle() {
        let mut bytes = sample(b"{}");
        bytes[9] ^= 1;
        assert!(matches!(
            SignedHeader::parse(&bytes),
            Err(FormatError::NotABundle)
        ));
        let zstd_frame = [0x28, 0xb5, 0x2f, 0xfd, 0, 0, 0, 0];
        assert!(SignedHeader::parse(&zstd_frame).is_err());
    }

    #[test]
    fn manifest_length_must_agree_with_frame_length() {
        let mut bytes = sample(b"{}");
        bytes[28] = 3;
        assert!(matches!(
            SignedHeader::parse(&bytes),
            Err(FormatError::InconsistentHeaderLength { .. })
        ));
    }

    #[test]
    fn oversized_manifest_is_refused_before_reading_it() {
        let mut bytes = sample(b"{}");
        bytes[28..32].copy_from_slice(&(MAX_MANIFEST_LEN as u32 + 1).to_le_bytes());
        assert!(matches!(
            SignedHeader::parse(&bytes),
            Err(FormatError::ManifestTooLarge { .. })
        ));
    }

    #[test]
    fn truncated_header_is_refused() {
        let bytes = sample(b"{\"a\":1}");
        for len in 0..bytes.len() {
            assert!(SignedHeader::parse(&bytes[..len]).is_err(), "length {len}");
        }
    }
}
