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
//! A certified bundle (format 2, FORMAT.md section 10) is signed by a key a publisher's root
//! certified, and carries the credentials that prove it in its header, covered by the same
//! signature:
//!
//! ```text
//!      0    20  as above, major version 2
//!     20     8  key id of the signing key
//!     28     4  credentials block length K
//!     32     4  compressed manifest length M
//!     36     4  manifest length U, uncompressed
//!     40     K  credentials block (format/statement.rs)
//!   40+K     M  manifest
//! 40+K+M    64  Ed25519 signature over CERTIFIED_SIGNATURE_CONTEXT || bytes[0 .. 40+K+M]
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
/// A certified bundle: its header carries the credentials of the key that signed it. A 1.0
/// reader refuses it as needing a newer tamizdat.
pub const CERTIFIED_FORMAT_MAJOR: u16 = 2;
/// Bytes before the credentials in a certified header.
pub const CERTIFIED_PREAMBLE_LEN: usize = 40;
/// Prefix of the message a certified header's signature is over: its own kind of object.
pub const CERTIFIED_SIGNATURE_CONTEXT: &[u8] = b"tamizdat/v2/bundle-header\0";
/// A credentials block holds at most 256 root versions and 4,096 other statements; real ones
/// are a few kilobytes. Refused before allocating when larger.
pub const MAX_CREDENTIALS_LEN: usize = 16 * 1024 * 1024;
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
    /// The major format version: [`FORMAT_MAJOR`], or [`CERTIFIED_FORMAT_MAJOR`].
    pub format_major: u16,
    /// The minor format version, which readers may ignore.
    pub format_minor: u16,
    /// The id of the key that signed the bundle.
    pub key_id: KeyId,
    /// Bytes of credentials that follow the preamble (0 unless certified).
    pub credentials_len: usize,
    /// Bytes of compressed manifest that follow the preamble and credentials.
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
    /// only say what the bytes claim; they are all re-covered by the signature afterwards. A
    /// certified header ([`CERTIFIED_FORMAT_MAJOR`]) needs [`Preamble::parse_certified`] with
    /// its 4 more bytes; this returns `Ok(None)` for it.
    pub fn parse(bytes: &[u8; PREAMBLE_LEN]) -> Result<Option<Preamble>, FormatError> {
        let magic = u32::from_le_bytes(take4(bytes, 0));
        if magic != SKIPPABLE_FRAME_MAGIC || &bytes[8..16] != MAGIC {
            return Err(FormatError::NotABundle);
        }
        let major = u16::from_le_bytes([bytes[16], bytes[17]]);
        if major == 0 {
            return Err(FormatError::UnknownVersion { major });
        }
        if major == CERTIFIED_FORMAT_MAJOR {
            return Ok(None);
        }
        if major != FORMAT_MAJOR {
            return Err(FormatError::UnsupportedVersion { major });
        }
        let manifest_len = u32::from_le_bytes(take4(bytes, 28)) as usize;
        let manifest_json_len = u32::from_le_bytes(take4(bytes, 32)) as usize;
        let content_len = u32::from_le_bytes(take4(bytes, 4)) as usize;
        Preamble::checked(
            bytes,
            FORMAT_MAJOR,
            0,
            manifest_len,
            manifest_json_len,
            content_len,
        )
        .map(Some)
    }

    /// Parses the first [`CERTIFIED_PREAMBLE_LEN`] bytes of a certified header.
    pub fn parse_certified(bytes: &[u8; CERTIFIED_PREAMBLE_LEN]) -> Result<Preamble, FormatError> {
        let magic = u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
        let major = u16::from_le_bytes([bytes[16], bytes[17]]);
        if magic != SKIPPABLE_FRAME_MAGIC || &bytes[8..16] != MAGIC {
            return Err(FormatError::NotABundle);
        }
        if major != CERTIFIED_FORMAT_MAJOR {
            return Err(FormatError::UnsupportedVersion { major });
        }
        let at =
            |i: usize| u32::from_le_bytes([bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3]]);
        let credentials_len = at(28) as usize;
        if credentials_len == 0 {
            return Err(FormatError::EmptyCredentials);
        }
        if credentials_len > MAX_CREDENTIALS_LEN {
            return Err(FormatError::CredentialsTooLarge {
                len: credentials_len,
                max: MAX_CREDENTIALS_LEN,
            });
        }
        let mut first = [0u8; PREAMBLE_LEN];
        first.copy_from_slice(&bytes[..PREAMBLE_LEN]);
        Preamble::checked(
            &first,
            CERTIFIED_FORMAT_MAJOR,
            credentials_len,
            at(32) as usize,
            at(36) as usize,
            at(4) as usize,
        )
    }

    fn checked(
        bytes: &[u8; PREAMBLE_LEN],
        format_major: u16,
        credentials_len: usize,
        manifest_len: usize,
        manifest_json_len: usize,
        content_len: usize,
    ) -> Result<Preamble, FormatError> {
        let format_minor = u16::from_le_bytes([bytes[18], bytes[19]]);
        let mut key_id = [0u8; 8];
        key_id.copy_from_slice(&bytes[20..28]);
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
        let preamble = Preamble {
            format_major,
            format_minor,
            key_id: KeyId::from_bytes(key_id),
            credentials_len,
            manifest_len,
            manifest_json_len,
        };
        if content_len != preamble.rest_len() + preamble.preamble_len() - 8 {
            return Err(FormatError::InconsistentHeaderLength {
                frame_len: content_len,
                manifest_len,
            });
        }
        Ok(preamble)
    }

    /// True for a certified header (format 2).
    pub fn is_certified(&self) -> bool {
        self.format_major == CERTIFIED_FORMAT_MAJOR
    }

    /// Bytes of the preamble: 36, or 40 for a certified header.
    pub fn preamble_len(&self) -> usize {
        if self.is_certified() {
            CERTIFIED_PREAMBLE_LEN
        } else {
            PREAMBLE_LEN
        }
    }

    /// The context string this header's signature is made over.
    pub fn signature_context(&self) -> &'static [u8] {
        if self.is_certified() {
            CERTIFIED_SIGNATURE_CONTEXT
        } else {
            SIGNATURE_CONTEXT
        }
    }

    /// Bytes that follow the preamble in the header: credentials, manifest and signature.
    pub fn rest_len(&self) -> usize {
        self.credentials_len + self.manifest_len + SIGNATURE_LEN
    }

    /// Length of the whole header; the payload starts at this offset.
    pub fn header_len(&self) -> u64 {
        (self.preamble_len() + self.rest_len()) as u64
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
        let mut preamble_bytes = preamble_bytes.to_vec();
        let preamble =
            match Preamble::parse(first_bytes(&preamble_bytes)).map_err(ReadHeaderError::Format)? {
                Some(preamble) => preamble,
                None => {
                    let mut more = [0u8; CERTIFIED_PREAMBLE_LEN - PREAMBLE_LEN];
                    let have = read_fully(reader, &mut more).map_err(ReadHeaderError::Io)?;
                    if have < more.len() {
                        return Err(ReadHeaderError::Format(FormatError::Truncated));
                    }
                    preamble_bytes.extend_from_slice(&more);
                    let mut all = [0u8; CERTIFIED_PREAMBLE_LEN];
                    all.copy_from_slice(&preamble_bytes);
                    Preamble::parse_certified(&all).map_err(ReadHeaderError::Format)?
                }
            };
        let context = preamble.signature_context();
        let mut message = Vec::with_capacity(
            context.len()
                + preamble.preamble_len()
                + preamble.credentials_len
                + preamble.manifest_len,
        );
        message.extend_from_slice(context);
        message.extend_from_slice(&preamble_bytes);
        let manifest_start = message.len();
        let signed_rest = preamble.credentials_len + preamble.manifest_len;
        message.resize(manifest_start + signed_rest, 0);
        let mut signature = [0u8; SIGNATURE_LEN];
        let complete = read_fully(reader, &mut message[manifest_start..])
            .and_then(|n| {
                Ok(n == signed_rest && read_fully(reader, &mut signature)? == SIGNATURE_LEN)
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
        &self.message[self.manifest_offset()..]
    }

    fn manifest_offset(&self) -> usize {
        self.preamble.signature_context().len()
            + self.preamble.preamble_len()
            + self.preamble.credentials_len
    }

    /// A certified header's credentials block exactly as signed (empty for format 1). Not yet
    /// verified: only the authority's checks may read it, by offsets first.
    pub fn credentials(&self) -> &[u8] {
        let start = self.preamble.signature_context().len() + self.preamble.preamble_len();
        &self.message[start..start + self.preamble.credentials_len]
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
        let mut out = self.message[self.preamble.signature_context().len()..].to_vec();
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
    let compressed = compress_manifest(manifest_json)?;
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

/// The bytes a publisher signs for a certified bundle (format 2): as [`unsigned_header`], with
/// the credentials block before the manifest.
pub fn unsigned_certified_header(
    key_id: KeyId,
    credentials: &[u8],
    manifest_json: &[u8],
) -> Result<(Vec<u8>, Vec<u8>), FormatError> {
    if credentials.is_empty() {
        return Err(FormatError::EmptyCredentials);
    }
    if credentials.len() > MAX_CREDENTIALS_LEN {
        return Err(FormatError::CredentialsTooLarge {
            len: credentials.len(),
            max: MAX_CREDENTIALS_LEN,
        });
    }
    let compressed = compress_manifest(manifest_json)?;
    let content_len =
        CERTIFIED_PREAMBLE_LEN - 8 + credentials.len() + compressed.len() + SIGNATURE_LEN;
    let mut message = CERTIFIED_SIGNATURE_CONTEXT.to_vec();
    message.extend_from_slice(&SKIPPABLE_FRAME_MAGIC.to_le_bytes());
    message.extend_from_slice(&(content_len as u32).to_le_bytes());
    message.extend_from_slice(MAGIC);
    message.extend_from_slice(&CERTIFIED_FORMAT_MAJOR.to_le_bytes());
    message.extend_from_slice(&FORMAT_MINOR.to_le_bytes());
    message.extend_from_slice(key_id.as_bytes());
    message.extend_from_slice(&(credentials.len() as u32).to_le_bytes());
    message.extend_from_slice(&(compressed.len() as u32).to_le_bytes());
    message.extend_from_slice(&(manifest_json.len() as u32).to_le_bytes());
    message.extend_from_slice(credentials);
    message.extend_from_slice(&compressed);
    let bytes = message[CERTIFIED_SIGNATURE_CONTEXT.len()..].to_vec();
    Ok((bytes, message))
}

fn compress_manifest(manifest_json: &[u8]) -> Result<Vec<u8>, FormatError> {
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
    Ok(compressed)
}

fn first_bytes(bytes: &[u8]) -> &[u8; PREAMBLE_LEN] {
    bytes[..PREAMBLE_LEN]
        .try_into()
        .expect("the preamble buffer holds at least PREAMBLE_LEN bytes")
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
        bytes[16] = 3;
        assert!(matches!(
            SignedHeader::parse(&bytes),
            Err(FormatError::UnsupportedVersion { major: 3 })
        ));
    }

    #[test]
    fn certified_header_round_trips_with_its_credentials_signed() {
        let (mut bytes, message) =
            unsigned_certified_header(KeyId::from_bytes([7; 8]), b"CREDS", b"{\"a\":1}").unwrap();
        bytes.extend_from_slice(&[9u8; SIGNATURE_LEN]);
        let header = SignedHeader::parse(&bytes).unwrap();
        assert!(header.preamble.is_certified());
        assert_eq!(header.credentials(), b"CREDS");
        assert_eq!(header.manifest_json().unwrap(), b"{\"a\":1}");
        assert_eq!(header.signed_message(), message.as_slice());
        assert!(
            header
                .signed_message()
                .starts_with(CERTIFIED_SIGNATURE_CONTEXT)
        );
        assert_eq!(header.to_bytes(), bytes);
        assert_eq!(header.preamble.header_len(), bytes.len() as u64);
        for len in 0..bytes.len() {
            assert!(SignedHeader::parse(&bytes[..len]).is_err(), "length {len}");
        }
        let mut huge = bytes.clone();
        huge[28..32].copy_from_slice(&(MAX_CREDENTIALS_LEN as u32 + 1).to_le_bytes());
        assert!(matches!(
            SignedHeader::parse(&huge),
            Err(FormatError::CredentialsTooLarge { .. })
        ));
        let mut shifted = bytes.clone();
        shifted[28] += 1;
        assert!(matches!(
            SignedHeader::parse(&shifted),
            Err(FormatError::InconsistentHeaderLength { .. })
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
