//! The reader side: check the header's signature before anything else, then check every byte
//! of the payload against what the header signs as it streams.
//!
//! Trust is in the types: `verify_header` is the only way to get a [`VerifiedHeader`], and it
//! is reached only through `Bundle::verify`, which keeps the header with the one reader it came
//! from in a `VerifiedBundle`; the streaming functions here are crate-private, so no caller can
//! pair a verified header with another file's payload. Each compressed frame is hashed before
//! it reaches the zstd decoder, so the decompressor and the tar parser only ever see bytes the
//! publisher signed.

use std::io::{self, Read};
use std::path::PathBuf;
use std::sync::mpsc;

use sha2::{Digest, Sha256};

use crate::authority::reader::{Authority, CertifiedSigner, Judgement};
use crate::format::frames::{MAX_WINDOW_LOG, frame_window_size};
use crate::format::header::{ReadHeaderError, SignedHeader};
use crate::format::{FileEntry, FormatError, Manifest, Sha256Digest};
use crate::fs::{Progress, read_fully};
use crate::keys::{KeyId, PublicKey};
use crate::read::trust::TrustSource;

/// Size of reads from the bundle when hashing it whole.
const READ_CHUNK: usize = 1024 * 1024;

/// Why a bundle was refused. Every variant reads as one plain sentence about the bundle;
/// [`BundleError::is_invalid_bundle`] separates a bad bundle from a failure of this machine.
#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    /// The header or manifest is malformed.
    #[error("{0}")]
    Format(#[from] FormatError),
    /// The header names a key that is not among the trusted keys.
    #[error("it is not signed by a key you trust (it claims key id {key_id})")]
    UntrustedKey {
        /// The key id the header claims.
        key_id: KeyId,
    },
    /// The signature in the header does not verify with the trusted key it names.
    #[error(
        "its signature does not match the trusted key {fingerprint} ({name}): the header was altered or damaged"
    )]
    BadSignature {
        /// The trusted key's name.
        name: String,
        /// The trusted key's fingerprint.
        fingerprint: String,
    },
    /// The file is shorter than its signed header says.
    #[error("truncated: the file ends {missing} bytes before the end its signed header declares")]
    Truncated {
        /// How many bytes are missing.
        missing: u64,
    },
    /// A file's contents do not match the digest the manifest lists.
    #[error("corrupted: {path:?} does not match its signature")]
    CorruptedFile {
        /// The path as the manifest lists it.
        path: String,
    },
    /// A payload frame does not match the digest the manifest lists.
    #[error(
        "corrupted: frame {index} of the payload (holding {files}) does not match its signature"
    )]
    CorruptedFrame {
        /// The frame's index, from 0.
        index: usize,
        /// The files the frame holds, as text for the message.
        files: String,
    },
    /// The payload as a whole does not match its signed digest.
    #[error("corrupted: the payload does not match its signature")]
    CorruptedPayload,
    /// Bytes follow the end of the signed payload.
    #[error("corrupted: {} unsigned bytes follow the end of the signed payload", if *.at_least { format!("at least {extra}") } else { extra.to_string() })]
    TrailingData {
        /// How many extra bytes were found.
        extra: u64,
        /// Whether `extra` is only a lower bound.
        at_least: bool,
    },
    /// The frames or tar stream differ from what the manifest says.
    #[error("the archive inside does not match its signed manifest: {0}")]
    Archive(#[from] ArchiveError),
    /// Two paths of the bundle name the same file on this file system.
    #[error("{path:?} has the same name as another file of the bundle on this disk")]
    NameCollision {
        /// The path as the manifest lists it.
        path: String,
    },
    /// Reading the bundle file failed.
    #[error("cannot read the bundle: {}", crate::fs::plainly(.0))]
    Read(io::Error),
    /// Writing an unpacked file failed.
    #[error("cannot write {path}: {source}")]
    Write {
        /// The file being written.
        path: PathBuf,
        /// The underlying I/O error.
        source: io::Error,
    },
    /// The destination folder cannot receive the bundle.
    #[error("{0}")]
    Destination(#[from] DestinationError),
    /// The destination's disk has less free space than the files need.
    #[error(
        "not enough space: it needs {} but only {} are free in {}",
        crate::format::text::human_bytes(*.needed),
        crate::format::text::human_bytes(*.available),
        .folder.display()
    )]
    NotEnoughSpace {
        /// The folder whose free space was checked.
        folder: PathBuf,
        /// Bytes the files need.
        needed: u64,
        /// Bytes free on that disk.
        available: u64,
    },
    /// The disk filled up or a file-size limit was hit while writing.
    #[error(
        "not enough space to write {}: the disk is full or a file-size limit was reached; nothing was left behind",
        .path.display()
    )]
    DiskFull {
        /// The file being written.
        path: PathBuf,
    },
    /// A certified bundle's credentials, certificate, scope, revocation or number refuse it.
    #[error("{0}")]
    Certified(Box<crate::authority::reader::CertifiedError>),
    /// What a certified bundle taught (a revocation, its edition's number) could not be kept,
    /// so it is not accepted: a reader that forgot a revocation would accept the thief's next.
    #[error("{0}; the bundle was not accepted, try again")]
    Remember(crate::authority::state::StateError),
    /// Salvage found no intact file at all.
    #[error("nothing could be recovered: none of its {files} files is intact")]
    NothingRecovered {
        /// How many files the manifest lists.
        files: usize,
    },
    /// Another tamizdat process holds the lock on the destination.
    #[error(
        "another tamizdat is writing {} right now",
        .destination.display()
    )]
    Busy {
        /// The destination being written.
        destination: PathBuf,
    },
}

/// How the archive inside a bundle (its frames and its tar stream) differs from what the
/// signed manifest says it holds. Each reads as the end of the sentence "the archive inside
/// does not match its signed manifest: ...".
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ArchiveError {
    /// A payload frame is not exactly one zstd frame.
    #[error("frame {frame} is not exactly one zstd frame")]
    NotOneZstdFrame {
        /// The frame's index, from 0.
        frame: usize,
    },
    /// A frame asks for a zstd window above the limit.
    #[error(
        "frame {frame} asks for a decompression window of {}, more than the limit of {}",
        .window.map_or_else(|| "an unknown size".into(), crate::format::text::human_bytes),
        crate::format::text::human_bytes(1 << MAX_WINDOW_LOG)
    )]
    WindowTooLarge {
        /// The frame's index, from 0.
        frame: usize,
        /// The window it asks for, in bytes, if known.
        window: Option<u64>,
    },
    /// A frame decompresses to a different length than the manifest lists.
    #[error("frame {frame} does not decompress to the {tar_length} bytes it declares")]
    WrongFrameLength {
        /// The frame's index, from 0.
        frame: usize,
        /// The length the manifest lists, in bytes.
        tar_length: u64,
    },
    /// A tar header's checksum is wrong.
    #[error("the tar header at byte {at} of the archive has a wrong checksum")]
    BadChecksum {
        /// The header's offset in the tar stream, in bytes.
        at: u64,
    },
    /// A tar header is not in ustar format.
    #[error(
        "the entry {path:?} is not a ustar header (its magic and version are \"{magic}\", not \"ustar\\x0000\")"
    )]
    NotUstar {
        /// The entry's path as the header gives it.
        path: String,
        /// The magic and version the header holds.
        magic: String,
    },
    /// A tar entry is not a regular file.
    #[error(
        "the entry {path:?} is not a plain file (type {kind:?}); only regular files are allowed"
    )]
    NotAPlainFile {
        /// The entry's path as the header gives it.
        path: String,
        /// The entry's type flag.
        kind: char,
    },
    /// A tar header's size field is not a number.
    #[error("the size of the entry {path:?} is not a number")]
    BadSize {
        /// The entry's path as the header gives it.
        path: String,
    },
    /// The tar stream ends before an entry's data does.
    #[error("the tar archive ends inside the entry that starts at byte {at}")]
    EndsInsideEntry {
        /// The entry's offset in the tar stream, in bytes.
        at: u64,
    },
    /// A PAX header follows another PAX header.
    #[error("two PAX headers in a row")]
    TwoPaxHeaders,
    /// A PAX header is larger than allowed.
    #[error("a PAX header of {size} bytes is larger than the limit of {limit} bytes")]
    PaxTooLarge {
        /// The header's size, in bytes.
        size: u64,
        /// The largest size allowed, in bytes.
        limit: u64,
    },
    /// A PAX header holds zero or several records.
    #[error("a PAX header must hold exactly one record")]
    PaxNotOneRecord,
    /// A PAX record cannot be parsed.
    #[error("a PAX header is malformed")]
    PaxMalformed,
    /// A PAX record sets a key other than the path.
    #[error("a PAX header sets {key:?}, which tamizdat bundles never use")]
    PaxKey {
        /// The key it sets.
        key: String,
    },
    /// The tar stream ends right after a PAX header.
    #[error("it ends with a PAX header and no file")]
    PaxWithoutFile,
    /// The tar stream holds a file the manifest does not list.
    #[error("it holds {path:?}, which the manifest does not list")]
    Unlisted {
        /// The path found in the tar stream.
        path: String,
    },
    /// A tar entry's path differs from the manifest's file at that place.
    #[error("it holds {found:?} where the manifest lists {expected:?}")]
    WrongPath {
        /// The path found in the tar stream.
        found: String,
        /// The path the manifest lists there.
        expected: String,
    },
    /// A tar entry's size differs from the manifest's.
    #[error("{path:?} is {size} bytes but the manifest says {expected}")]
    WrongSize {
        /// The path as the manifest lists it.
        path: String,
        /// The size in the tar header, in bytes.
        size: u64,
        /// The size the manifest lists, in bytes.
        expected: u64,
    },
    /// A file's data stops before its declared size.
    #[error("{path:?} ends early")]
    FileEndsEarly {
        /// The path as the manifest lists it.
        path: String,
    },
    /// A file the manifest lists is not in the tar stream.
    #[error("the file {path:?} listed in the manifest is missing")]
    Missing {
        /// The path as the manifest lists it.
        path: String,
    },
    /// Bytes follow the tar end-of-archive blocks.
    #[error("data follows the end of the tar archive")]
    DataAfterEnd,
    /// The tar stream does not close with exactly two zero blocks.
    #[error("the tar archive does not end with exactly two zero blocks")]
    EndBlocks,
    /// A file starts in another frame than the manifest lists.
    #[error("the entry of {path:?} starts in frame {frame}, but the manifest says frame {listed}")]
    WrongFrame {
        /// The path as the manifest lists it.
        path: String,
        /// The frame it starts in, from 0.
        frame: usize,
        /// The frame the manifest lists, from 0.
        listed: usize,
    },
    /// A frame continues past the point where the frame rule ends it.
    #[error("frame {frame} goes on past byte {cut} of the archive, where the frame rule closes it")]
    FrameGoesOn {
        /// The frame's index, from 0.
        frame: usize,
        /// The tar offset where it should end, in bytes.
        cut: u64,
    },
    /// A frame ends where the frame rule does not end one.
    #[error(
        "frame {frame} ends at byte {end} of the archive, where the frame rule does not close a frame"
    )]
    FrameEndsEarly {
        /// The frame's index, from 0.
        frame: usize,
        /// The tar offset where it ends, in bytes.
        end: u64,
    },
}

/// Why a destination cannot receive an unpacked bundle.
#[derive(Debug, thiserror::Error)]
pub enum DestinationError {
    /// The destination folder exists and holds something.
    #[error("the folder {} is not empty", .folder.display())]
    NotEmpty {
        /// The destination folder.
        folder: PathBuf,
    },
    /// The destination is a symbolic link.
    #[error("{} is a symbolic link", .path.display())]
    SymbolicLink {
        /// The destination path.
        path: PathBuf,
    },
    /// The destination exists but is not a folder.
    #[error("{} exists and is not a folder", .path.display())]
    NotAFolder {
        /// The destination path.
        path: PathBuf,
    },
    /// The destination path has no final folder name (like `/` or `..`).
    #[error("{} does not name a new folder", .path.display())]
    NoFolderName {
        /// The destination path.
        path: PathBuf,
    },
    /// The folder that would hold the destination does not exist.
    #[error("the folder {} does not exist", .parent.display())]
    ParentMissing {
        /// That parent folder.
        parent: PathBuf,
    },
    /// The destination cannot be used for another reason.
    #[error("cannot unpack into {}", .path.display())]
    Unusable {
        /// The destination path.
        path: PathBuf,
    },
}

impl From<crate::authority::reader::CertifiedError> for BundleError {
    fn from(error: crate::authority::reader::CertifiedError) -> BundleError {
        BundleError::Certified(Box::new(error))
    }
}

impl BundleError {
    /// A failure to write `path`, told apart as a full disk when it is one.
    pub fn write(path: &std::path::Path, source: io::Error) -> BundleError {
        if crate::fs::is_out_of_space(&source) {
            BundleError::DiskFull {
                path: path.to_path_buf(),
            }
        } else {
            BundleError::Write {
                path: path.to_path_buf(),
                source,
            }
        }
    }
}

impl BundleError {
    /// True when the bundle itself is at fault (exit code 1), false for a failure of this
    /// machine or of how the command was used (exit code 2).
    pub fn is_invalid_bundle(&self) -> bool {
        !matches!(
            self,
            BundleError::Read(_)
                | BundleError::Remember(_)
                | BundleError::Write { .. }
                | BundleError::Destination(_)
                | BundleError::NotEnoughSpace { .. }
                | BundleError::DiskFull { .. }
                | BundleError::Busy { .. }
        )
    }

    /// True when the signed header was good but the payload after it is not what was signed:
    /// a copy damaged on its way (cut short, altered, or with bytes added), of which a salvage
    /// may still recover the intact files.
    pub fn is_damage(&self) -> bool {
        matches!(
            self,
            BundleError::Truncated { .. }
                | BundleError::CorruptedFile { .. }
                | BundleError::CorruptedFrame { .. }
                | BundleError::CorruptedPayload
                | BundleError::TrailingData { .. }
                | BundleError::Archive(_)
        )
    }
}

/// A header whose signature verified with a trusted key and whose manifest is consistent.
#[derive(Debug, Clone)]
pub struct VerifiedHeader {
    manifest: Manifest,
    signer: PublicKey,
    header_len: u64,
    certified: Option<Box<Certified>>,
}

/// What verified a certified bundle (format 2): its root, certificate and judgement.
#[derive(Debug, Clone)]
pub struct Certified {
    /// The root, certificate and what the credentials taught.
    pub signer: CertifiedSigner,
    /// Latest or archive, and warnings.
    pub judgement: Judgement,
    /// SHA-256 of the signed manifest's JSON.
    pub manifest_sha256: String,
    /// The signed header's bytes, kept as evidence.
    pub header_bytes: Vec<u8>,
}

impl VerifiedHeader {
    /// The signed manifest the header holds.
    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// The trusted key that signed, with the name the reader trusted it under.
    pub fn signer(&self) -> &PublicKey {
        &self.signer
    }

    /// For a certified bundle: its root, certificate and judgement.
    pub fn certified(&self) -> Option<&Certified> {
        self.certified.as_deref()
    }

    /// Bytes of header before the payload.
    pub fn header_len(&self) -> u64 {
        self.header_len
    }

    /// Bytes of the whole bundle.
    pub fn bundle_len(&self) -> u64 {
        self.header_len + self.manifest.payload.length
    }
}

/// Fills `buffer`; a stream that ends first is a truncated bundle, `bytes_after` more bytes
/// short than what was missing from the buffer.
fn read_exact_or_truncated<R: Read>(
    reader: &mut R,
    buffer: &mut [u8],
    bytes_after: u64,
) -> Result<(), BundleError> {
    let filled = read_fully(reader, buffer).map_err(BundleError::Read)?;
    if filled < buffer.len() {
        return Err(BundleError::Truncated {
            missing: (buffer.len() - filled) as u64 + bytes_after,
        });
    }
    Ok(())
}

/// Reads the header from the start of a bundle without verifying it (for `info`).
pub(crate) fn read_header<R: Read>(reader: &mut R) -> Result<SignedHeader, BundleError> {
    SignedHeader::read(reader).map_err(|error| match error {
        ReadHeaderError::Format(error) => BundleError::Format(error),
        ReadHeaderError::Io(error) => BundleError::Read(error),
    })
}

/// Checks a header's signature against the trusted keys (or, for a certified header, against
/// the key its credentials certify under a trusted root), then parses and validates its
/// manifest, then (certified) judges scope, revocation and number.
pub(crate) fn verify_header(
    header: &SignedHeader,
    trust: &(impl TrustSource + ?Sized),
) -> Result<VerifiedHeader, BundleError> {
    if header.preamble.is_certified() {
        return verify_certified_header(header, trust);
    }
    let keys = trust.keys();
    let key_id = header.preamble.key_id;
    let mut candidates = keys.with_id(key_id).peekable();
    let Some(first) = candidates.peek().copied() else {
        return Err(BundleError::UntrustedKey { key_id });
    };
    let message = header.signed_message();
    let signer = candidates
        .find(|key| key.verify(message, &header.signature))
        .ok_or_else(|| BundleError::BadSignature {
            name: first.name().to_string(),
            fingerprint: first.fingerprint(),
        })?;
    // Only now, with the signature verified, is the manifest decompressed and parsed.
    let manifest = Manifest::from_json(&header.manifest_json()?)?;
    manifest.validate(&key_id.to_hex())?;
    Ok(VerifiedHeader {
        manifest,
        signer: signer.clone(),
        header_len: header.preamble.header_len(),
        certified: None,
    })
}

fn verify_certified_header(
    header: &SignedHeader,
    trust: &(impl TrustSource + ?Sized),
) -> Result<VerifiedHeader, BundleError> {
    let empty = Authority::default();
    let authority = trust.authority().unwrap_or(&empty);
    let key_id = header.preamble.key_id;
    // The credentials are split by offsets and each statement checked against keys the
    // reader holds before its body is read; only then is the certified key known.
    let signer = authority.certified_signer(header.credentials(), key_id)?;
    if !signer
        .key
        .verify(header.signed_message(), &header.signature)
    {
        return Err(BundleError::BadSignature {
            name: format!("{}, certified by {}", signer.key.name(), signer.publisher()),
            fingerprint: signer.key.fingerprint(),
        });
    }
    let manifest_json = header.manifest_json()?;
    let manifest = Manifest::from_json(&manifest_json)?;
    manifest.validate(&key_id.to_hex())?;
    let header_bytes = header.to_bytes();
    let manifest_sha256 = crate::authority::reader::manifest_sha256(&manifest_json);
    let judgement = authority
        .judge(
            &signer,
            &manifest.channel,
            manifest.sequence,
            &manifest.created,
            &manifest_sha256,
        )
        .map_err(|error| {
            // The credentials verified even though this edition is refused: a revocation
            // they carry must not be lost with it.
            trust.remember(&signer);
            crate::read::trust::keep_equivocation(
                trust.state(),
                error,
                signer.chain.short_id(),
                &header_bytes,
                &manifest_sha256,
            )
        })?;
    Ok(VerifiedHeader {
        manifest,
        signer: signer.key.clone(),
        header_len: header.preamble.header_len(),
        certified: Some(Box::new(Certified {
            signer,
            judgement,
            manifest_sha256,
            header_bytes,
        })),
    })
}

/// Checks that nothing follows the payload.
fn expect_end<R: Read>(reader: &mut R) -> Result<(), BundleError> {
    let mut extra = 0u64;
    let mut buffer = [0u8; 4096];
    loop {
        match reader.read(&mut buffer) {
            Ok(0) => break,
            Ok(n) => extra += n as u64,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(BundleError::Read(e)),
        }
        // Enough to report; no need to read a huge appended blob to the end.
        if extra >= 1 << 20 {
            return Err(BundleError::TrailingData {
                extra,
                at_least: true,
            });
        }
    }
    if extra > 0 {
        return Err(BundleError::TrailingData {
            extra,
            at_least: false,
        });
    }
    Ok(())
}

/// `verify --quick`: the whole payload's length and SHA-256, without decompressing. At hashing
/// speed, for mirror operators who pass bundles on without reading them.
pub(crate) fn check_payload_hash<R: Read>(
    header: &VerifiedHeader,
    reader: &mut R,
    progress: &dyn Progress,
) -> Result<(), BundleError> {
    let payload = &header.manifest.payload;
    progress.set_total(payload.length);
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; READ_CHUNK];
    let mut remaining = payload.length;
    while remaining > 0 {
        let chunk = &mut buffer[..remaining.min(READ_CHUNK as u64) as usize];
        read_exact_or_truncated(reader, chunk, remaining - chunk.len() as u64)?;
        hasher.update(&*chunk);
        remaining -= chunk.len() as u64;
        progress.advance(chunk.len() as u64);
    }
    if Sha256Digest(hasher.finalize().into()) != payload.sha256 {
        return Err(BundleError::CorruptedPayload);
    }
    expect_end(reader)
}

/// Receives the files of a bundle as they stream, in manifest order. A file's bytes are
/// passed before its hash is known to be right: `finish_file` is where it becomes trustworthy,
/// so a sink must keep everything out of sight until the whole stream has succeeded.
///
/// Every `start_file` is followed by `write`s and then exactly one of `finish_file` (the bytes
/// matched the signed hash) or `discard_file` (they did not, or the archive broke off inside the
/// file: the sink must drop what it was given of it). A verification stops at the first such
/// failure; a salvage goes on with the next file.
pub trait FileSink {
    /// Begins receiving the file `entry`.
    fn start_file(&mut self, entry: &FileEntry) -> Result<(), BundleError>;
    /// Receives the next bytes of the current file.
    fn write(&mut self, data: &[u8]) -> Result<(), BundleError>;
    /// Ends the current file; its bytes matched its digest.
    fn finish_file(&mut self, entry: &FileEntry) -> Result<(), BundleError>;
    /// Ends the current file and drops what was received; it did not match.
    fn discard_file(&mut self, entry: &FileEntry) -> Result<(), BundleError>;
}

/// A sink that keeps nothing: plain verification.
pub struct DiscardFiles;

impl FileSink for DiscardFiles {
    fn start_file(&mut self, _: &FileEntry) -> Result<(), BundleError> {
        Ok(())
    }
    fn write(&mut self, _: &[u8]) -> Result<(), BundleError> {
        Ok(())
    }
    fn finish_file(&mut self, _: &FileEntry) -> Result<(), BundleError> {
        Ok(())
    }
    fn discard_file(&mut self, _: &FileEntry) -> Result<(), BundleError> {
        Ok(())
    }
}

/// Reads, checks and decompresses frames on its own thread, so that hashing and decompression
/// overlap with tar parsing, file hashing and writing on the caller's thread.
struct FrameProducer<'a, R> {
    input: &'a mut R,
    manifest: &'a Manifest,
    progress: &'a dyn Progress,
    compressed: Vec<u8>,
    decompressor: zstd::bulk::Decompressor<'static>,
    payload_hasher: Sha256,
}

/// Decompressed frames in flight between the threads: bounded, so memory stays flat.
const FRAMES_IN_FLIGHT: usize = 2;

type FrameMessage = Result<Vec<u8>, BundleError>;

/// Names the files that start in frame `index`, for an error message. A frame in which no
/// file starts holds part of one begun in an earlier frame.
fn frame_files(manifest: &Manifest, index: usize) -> String {
    let mut names = manifest
        .files_in_frame(index)
        .map(|file| format!("{:?}", file.path.as_str()));
    let mut text = names
        .next()
        .unwrap_or_else(|| "part of a file begun in an earlier frame".into());
    let more = names.count();
    if more > 0 {
        text.push_str(&format!(
            " and {}",
            crate::format::text::count(more, "more file")
        ));
    }
    text
}

/// Checks the compressed bytes of frame `index` against their signed hash before anything
/// decodes them, then decompresses them into `tar`, which must come back holding exactly the
/// declared bytes.
pub(crate) fn decode_frame(
    manifest: &Manifest,
    index: usize,
    compressed: &[u8],
    decompressor: &mut zstd::bulk::Decompressor<'static>,
    tar: &mut Vec<u8>,
) -> Result<(), BundleError> {
    let frame = &manifest.frames[index];
    if Sha256Digest::of(compressed) != frame.sha256 {
        return Err(BundleError::CorruptedFrame {
            index,
            files: frame_files(manifest, index),
        });
    }
    // Only a signer can get here with a bad frame; still refuse anything that is not exactly
    // one zstd frame of the declared size, and a window beyond the limit before the decoder
    // allocates it.
    let one_frame = zstd::zstd_safe::find_frame_compressed_size(compressed)
        .is_ok_and(|size| size == compressed.len());
    if !one_frame {
        return Err(ArchiveError::NotOneZstdFrame { frame: index }.into());
    }
    match frame_window_size(compressed) {
        Some(window) if window <= 1 << MAX_WINDOW_LOG => {}
        window => {
            return Err(ArchiveError::WindowTooLarge {
                frame: index,
                window,
            }
            .into());
        }
    }
    let tar_len = frame.tar_length as usize;
    tar.resize(tar_len, 0);
    // The output buffer holds exactly the declared bytes: a frame that would decompress to
    // more stops at the first block that does not fit.
    let decoded = decompressor
        .decompress_to_buffer(compressed, &mut tar[..])
        .ok();
    if decoded != Some(tar_len) {
        return Err(ArchiveError::WrongFrameLength {
            frame: index,
            tar_length: frame.tar_length,
        }
        .into());
    }
    Ok(())
}

impl<R: Read> FrameProducer<'_, R> {
    /// Reads frame `index` and decodes it into `tar` (see [`decode_frame`]).
    fn load_frame(&mut self, index: usize, tar: &mut Vec<u8>) -> Result<(), BundleError> {
        let frame = &self.manifest.frames[index];
        self.compressed.resize(frame.length as usize, 0);
        let after = self.manifest.payload.length - frame.offset - frame.length;
        read_exact_or_truncated(self.input, &mut self.compressed, after)?;
        self.progress.advance(frame.length);
        self.payload_hasher.update(&self.compressed);
        decode_frame(
            self.manifest,
            index,
            &self.compressed,
            &mut self.decompressor,
            tar,
        )
    }

    /// Sends every frame in order, then checks that the file ends with the payload. Stops
    /// quietly when the consumer hangs up (it has found a problem of its own).
    fn run(mut self, frames: mpsc::SyncSender<FrameMessage>, spare: mpsc::Receiver<Vec<u8>>) {
        for index in 0..self.manifest.frames.len() {
            let mut tar = spare.try_recv().unwrap_or_default();
            let message = self.load_frame(index, &mut tar).map(|()| tar);
            let failed = message.is_err();
            if frames.send(message).is_err() || failed {
                return;
            }
        }
        // Every frame matched its hash, so this can only differ in a bundle whose signer wrote
        // a wrong payload hash; refuse it, so a full check never accepts what --quick refuses.
        let payload_hash = Sha256Digest(std::mem::take(&mut self.payload_hasher).finalize().into());
        let end = if payload_hash == self.manifest.payload.sha256 {
            expect_end(self.input)
        } else {
            Err(BundleError::CorruptedPayload)
        };
        if let Err(error) = end {
            let _ = frames.send(Err(error));
        }
    }
}

/// The consumer's side: the uncompressed tar stream as a `Read`, frame after frame.
struct FrameStream {
    frames: mpsc::Receiver<FrameMessage>,
    spare: mpsc::Sender<Vec<u8>>,
    current: Vec<u8>,
    position: usize,
    /// The real reason behind an io::Error handed to the tar parser.
    failure: Option<BundleError>,
}

impl Read for FrameStream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.position == self.current.len() {
            match self.frames.recv() {
                Ok(Ok(next)) => {
                    let used = std::mem::replace(&mut self.current, next);
                    let _ = self.spare.send(used);
                    self.position = 0;
                }
                Ok(Err(error)) => {
                    self.failure = Some(error);
                    return Err(io::Error::other("bundle verification failed"));
                }
                // The producer is done: every frame was sent and the file ended right.
                Err(mpsc::RecvError) => return Ok(0),
            }
        }
        let n = buf.len().min(self.current.len() - self.position);
        buf[..n].copy_from_slice(&self.current[self.position..self.position + n]);
        self.position += n;
        Ok(n)
    }
}

/// Streams the payload that follows a verified header, checking every frame before it is
/// decompressed and every file's path, size and hash, and hands the files to `sink`.
pub(crate) fn stream_files<R: Read + Send>(
    header: &VerifiedHeader,
    reader: &mut R,
    sink: &mut dyn FileSink,
    progress: &dyn Progress,
) -> Result<(), BundleError> {
    let manifest = &header.manifest;
    progress.set_total(manifest.payload.length);
    // Frames are decoded in one call into a buffer of their declared size, which allocates no
    // window; the window limit is checked on each frame's header instead (frame_window_size).
    let decompressor = zstd::bulk::Decompressor::new().map_err(BundleError::Read)?;
    let producer = FrameProducer {
        input: reader,
        manifest,
        progress,
        compressed: Vec::new(),
        decompressor,
        payload_hasher: Sha256::new(),
    };
    let (frame_sender, frames) = mpsc::sync_channel(FRAMES_IN_FLIGHT);
    let (spare, spare_receiver) = mpsc::channel();
    std::thread::scope(|scope| {
        let worker = scope.spawn(move || producer.run(frame_sender, spare_receiver));
        let mut stream = FrameStream {
            frames,
            spare,
            current: Vec::new(),
            position: 0,
            failure: None,
        };
        let result = crate::read::tar_walk::walk_all(manifest, &mut stream, sink);
        let failure = stream.failure.take();
        // Hanging up stops the producer if it is still going.
        drop(stream);
        if worker.join().is_err() {
            return Err(BundleError::Read(io::Error::other(
                "the frame reader thread failed",
            )));
        }
        match failure {
            Some(failure) => Err(failure),
            None => result,
        }
    })
}
