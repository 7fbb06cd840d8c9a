//! The signed header: a zstd skippable frame at the start of every bundle.
//!
//! Layout (all integers little-endian; see FORMAT.md for the contract):
//!
//! ```text
//! offset  size  field
//!      0     4  zstd skippable-frame magic 0x184D2A5D
//!      4     4  skippable-frame content length C = 28 + M + 64
//!      8     8  "TAMIZDAT"
//!     16     2  format major version (1)
//!     18     2  format minor version (0)
//!     20     8  key id of the signing key
//!     28     4  compressed manifest length M
//!     32     4  manifest length U, uncompressed
//!     36     M  manifest: one zstd frame holding U bytes of UTF-8 JSON
//!   36+M    64  Ed25519 signature over SIGNATURE_CONTEXT || bytes[0 .. 36+M]
//! ```
//!
//! The manifest is compressed because it lists every file (about 200 bytes of JSON each, 50
//! compressed): uncompressed it cost several percent of a bundle of many small articles. The
//! signature covers the compressed bytes, so nothing is decompressed before it verifies.
//!
//! Nothing here touches files: headers are read from any `Read` and parsed from byte slices,
//! so the same code serves readers, tests and fuzzing.

use std::io::{self, Read};

use crate::format::read_fully;

use crate::format::FormatError;
use crate::format::KeyId;

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
pub const PREAMBLE_LEN: usize = 36;
/// An Ed25519 signature.
pub const SIGNATURE_LEN: usize = 64;
/// Bytes of the skippable frame's content that are not the manifest.
const FIXED_CONTENT_LEN: usize = PREAMBLE_LEN - 8 + SIGNATURE_LEN;
/// Prefix of the signed message. Naming format, version and kind means a signature made for
/// another kind of object (a catalog, a key certificate) can never be replayed as a bundle header.
pub const SIGNATURE_CONTEXT: &[u8] = b"tamizdat/v1/bundle-header\0";
/// The manifest must fit in memory before it is trusted. 16,777,216 bytes (2^24) of JSON hold
/// the metadata of about 70,000 files, far beyond an edition, and is small enough to read on a phone. The
/// compressed manifest has the same limit.
pub const MAX_MANIFEST_LEN: usize = 16 * 1024 * 1024;
/// Fixed, so the same manifest always compresses to the same bytes whatever the payload level.
pub const MANIFEST_LEVEL: i32 = 9;
/// A manifest frame never needs a window beyond its own size limit, 2^24 bytes.
const MANIFEST_WINDOW_LOG: u32 = 24;

/// The fixed-size start of a bundle, enough to know which key to check and how much to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Preamble {
    /// The minor format version, which readers may ignore.
    pub format_minor: u16,
    /// The id of the key that signed the bundle.
    pub key_id: KeyId,
    /// Bytes of compressed manifest that follow the preamble.
    pub manifest_len: usize,
    /// Bytes of JSON the manifest decompresses to.
    pub manifest_json_len: usize,
}

/// How many first bytes [`starts_like_a_bundle`] looks at.
pub const RECOGNISED_PREFIX_LEN: usize = 16;

/// True when `first_bytes` (a file's first [`RECOGNISED_PREFIX_LEN`] bytes) start as every
/// bundle does: a zstd skippable frame whose content begins with [`MAGIC`]. Recognises a bundle
/// whatever its file is called; says nothing about whether it is valid.
pub fn starts_like_a_bundle(first_bytes: &[u8]) -> bool {
    first_bytes.len() >= RECOGNISED_PREFIX_LEN
        && first_bytes[..4] == SKIPPABLE_FRAME_MAGIC.to_le_bytes()
        && &first_bytes[8..16] == MAGIC
}

fn take4(bytes: &[u8; PREAMBLE_LEN], at: usize) -> [u8; 4] {
    [bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]
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
        if major == 0 {
            return Err(FormatError::UnknownVersion { major });
        }
        if major != FORMAT_MAJOR {
            return Err(FormatError::UnsupportedVersion { major });
        }
        let format_minor = u16::from_le_bytes([bytes[18], bytes[19]]);
        let mut key_id = [0u8; 8];
        key_id.copy_from_slice(&bytes[20..28]);
        let manifest_len = u32::from_le_bytes(take4(bytes, 28)) as usize;
        let manifest_json_len = u32::from_le_bytes(take4(bytes, 32)) as usize;
        for len in [manifest_len, manifest_json_len] {
            if len == 0 {
                return Err(FormatError::EmptyManifest);
            }
            if len > MAX_MANIFEST_LEN {
                return Err(FormatError::ManifestTooLarge {
                    len,
                    max: MAX_MANIFEST_LEN,
                });
            }
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
            manifest_json_len,
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

/// Why a header could not be read from a stream.
#[derive(Debug)]
pub enum ReadHeaderError {
    /// The bytes are not a valid header (including a stream that ends inside it).
    Format(FormatError),
    /// The stream itself failed.
    Io(io::Error),
}

/// A header as read from a bundle, not yet verified.
#[derive(Debug, Clone)]
pub struct SignedHeader {
    /// The preamble at the start of the header.
    pub preamble: Preamble,
    /// SIGNATURE_CONTEXT, then the preamble and the compressed manifest exactly as in the
    /// file: the message the signature covers, kept in one buffer so verifying copies nothing.
    message: Vec<u8>,
    /// The Ed25519 signature over `message`.
    pub signature: [u8; SIGNATURE_LEN],
}

impl SignedHeader {
    /// Reads a header from the start of a stream, leaving the stream at the payload. Only the
    /// preamble's declared (and capped) length is ever allocated.
    pub fn read<R: Read>(reader: &mut R) -> Result<SignedHeader, ReadHeaderError> {
        let mut preamble_bytes = [0u8; PREAMBLE_LEN];
        let have = read_fully(reader, &mut preamble_bytes).map_err(ReadHeaderError::Io)?;
        if have < PREAMBLE_LEN {
            // A short file that starts like a bundle was cut off; anything else is not one.
            let start = expected_start();
            let looks_like_bundle = have > 0
                && preamble_bytes[..have.min(4)] == start[..have.min(4)]
                && (have <= 8 || preamble_bytes[8..have.min(16)] == start[8..have.min(16)]);
            return Err(ReadHeaderError::Format(if looks_like_bundle {
                FormatError::Truncated
            } else {
                FormatError::NotABundle
            }));
        }
        let preamble = Preamble::parse(&preamble_bytes).map_err(ReadHeaderError::Format)?;
        let mut message =
            Vec::with_capacity(SIGNATURE_CONTEXT.len() + PREAMBLE_LEN + preamble.manifest_len);
        message.extend_from_slice(SIGNATURE_CONTEXT);
        message.extend_from_slice(&preamble_bytes);
        let manifest_start = message.len();
        message.resize(manifest_start + preamble.manifest_len, 0);
        let mut signature = [0u8; SIGNATURE_LEN];
        let complete = read_fully(reader, &mut message[manifest_start..])
            .and_then(|n| {
                Ok(n == preamble.manifest_len
                    && read_fully(reader, &mut signature)? == SIGNATURE_LEN)
            })
            .map_err(ReadHeaderError::Io)?;
        if !complete {
            return Err(ReadHeaderError::Format(FormatError::Truncated));
        }
        Ok(SignedHeader {
            preamble,
            message,
            signature,
        })
    }

    /// Parses a whole header from the start of a byte slice (used by tests and fuzzing).
    pub fn parse(mut bytes: &[u8]) -> Result<SignedHeader, FormatError> {
        SignedHeader::read(&mut bytes).map_err(|error| match error {
            ReadHeaderError::Format(error) => error,
            ReadHeaderError::Io(_) => FormatError::Truncated,
        })
    }

    /// The exact message the Ed25519 signature is made over.
    pub fn signed_message(&self) -> &[u8] {
        &self.message
    }

    /// The compressed manifest exactly as signed.
    pub fn compressed_manifest(&self) -> &[u8] {
        &self.message[SIGNATURE_CONTEXT.len() + PREAMBLE_LEN..]
    }

    /// Decompresses the manifest into exactly its declared length. Call it after the signature
    /// has verified (or, for `tamizdat info`, to show what an unverified header claims).
    pub fn manifest_json(&self) -> Result<Vec<u8>, FormatError> {
        let compressed = self.compressed_manifest();
        let expected = self.preamble.manifest_json_len;
        let invalid = || FormatError::ManifestDecompression { expected };
        let one_frame = compressed.starts_with(&crate::format::frames::ZSTD_MAGIC)
            && zstd::zstd_safe::find_frame_compressed_size(compressed)
                .is_ok_and(|size| size == compressed.len())
            && crate::format::frames::frame_window_size(compressed)
                .is_some_and(|window| window <= 1 << MANIFEST_WINDOW_LOG);
        if !one_frame {
            return Err(invalid());
        }
        let mut decompressor = zstd::bulk::Decompressor::new().map_err(|_| invalid())?;
        let mut json = vec![0u8; expected];
        match decompressor.decompress_to_buffer(compressed, &mut json[..]) {
            Ok(n) if n == expected => Ok(json),
            _ => Err(invalid()),
        }
    }

    /// The header as it appears in the file.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = self.message[SIGNATURE_CONTEXT.len()..].to_vec();
        out.extend_from_slice(&self.signature);
        out
    }
}

/// The bytes a publisher signs for a manifest: returns (preamble and compressed manifest,
/// the message to sign). Append the signature to the first to get the header.
pub fn unsigned_header(
    key_id: KeyId,
    manifest_json: &[u8],
) -> Result<(Vec<u8>, Vec<u8>), FormatError> {
    let too_large = |len| FormatError::ManifestTooLarge {
        len,
        max: MAX_MANIFEST_LEN,
    };
    if manifest_json.len() > MAX_MANIFEST_LEN {
        return Err(too_large(manifest_json.len()));
    }
    let compressed = zstd::bulk::compress(manifest_json, MANIFEST_LEVEL)
        .map_err(FormatError::ManifestCompression)?;
    if compressed.len() > MAX_MANIFEST_LEN {
        return Err(too_large(compressed.len()));
    }
    let mut message = Vec::with_capacity(SIGNATURE_CONTEXT.len() + PREAMBLE_LEN + compressed.len());
    message.extend_from_slice(SIGNATURE_CONTEXT);
    message.extend_from_slice(&SKIPPABLE_FRAME_MAGIC.to_le_bytes());
    message.extend_from_slice(&((FIXED_CONTENT_LEN + compressed.len()) as u32).to_le_bytes());
    message.extend_from_slice(MAGIC);
    message.extend_from_slice(&FORMAT_MAJOR.to_le_bytes());
    message.extend_from_slice(&FORMAT_MINOR.to_le_bytes());
    message.extend_from_slice(key_id.as_bytes());
    message.extend_from_slice(&(compressed.len() as u32).to_le_bytes());
    message.extend_from_slice(&(manifest_json.len() as u32).to_le_bytes());
    message.extend_from_slice(&compressed);
    let bytes = message[SIGNATURE_CONTEXT.len()..].to_vec();
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
        assert_eq!(header.manifest_json().unwrap(), b"{\"a\":1}");
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
        bytes[28] ^= 3;
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
    fn oversized_uncompressed_manifest_is_refused_before_decompressing() {
        let mut bytes = sample(b"{}");
        bytes[32..36].copy_from_slice(&(MAX_MANIFEST_LEN as u32 + 1).to_le_bytes());
        assert!(matches!(
            SignedHeader::parse(&bytes),
            Err(FormatError::ManifestTooLarge { .. })
        ));
    }

    #[test]
    fn manifest_decompressing_to_another_length_is_refused() {
        // A small frame of 1 MiB of spaces, declared as 10 bytes: decoding stops at the
        // declared size instead of filling memory.
        let json = vec![b' '; 1 << 20];
        let mut bytes = sample(&json);
        bytes[32..36].copy_from_slice(&10u32.to_le_bytes());
        let header = SignedHeader::parse(&bytes).unwrap();
        assert!(header.manifest_json().is_err());
        bytes[32..36].copy_from_slice(&((1u32 << 20) + 1).to_le_bytes());
        let header = SignedHeader::parse(&bytes).unwrap();
        assert!(header.manifest_json().is_err());
    }

    #[test]
    fn truncated_header_is_refused() {
        let bytes = sample(b"{\"a\":1}");
        for len in 0..bytes.len() {
            assert!(SignedHeader::parse(&bytes[..len]).is_err(), "length {len}");
        }
    }
}
