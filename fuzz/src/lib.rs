//! Helpers shared by the fuzz targets and by `make_seeds`: the fuzzing key, the
//! `verify_unpack_signed` input format, and the checks every verification and salvage must
//! pass, run in memory (a [`CheckingSink`] over bytes in a `Cursor`): no file is written.
//!
//! # `verify_unpack_signed` input format
//!
//! ```text
//! data = flags (1 byte) || manifest JSON || 0x00 || body
//! ```
//!
//! The manifest ends at the first NUL byte after the flags (JSON text never contains a raw
//! NUL, so mutations keep the split); without a NUL, everything after the flags is the manifest
//! and the body is empty. An empty input is ignored.
//!
//! - `flags & RAW` (raw mode): `body` is the payload exactly as it follows the header in a
//!   bundle (compressed frames), and the manifest is signed byte for byte as given. Nothing is
//!   fixed up, so this mode reaches the payload only when the fuzzer keeps the hashes intact.
//! - otherwise (fix-up mode): `body` is the *uncompressed* tar stream. The harness:
//!   1. unless `NO_TAR_CHECKSUM_FIXUP`, walks the tar headers (512-byte blocks, octal sizes)
//!      and rewrites each header's checksum so the tar parser accepts mutated headers;
//!   2. cuts the tar into frames at the manifest's `frames[].tar_length` (the last frame takes
//!      whatever is left) and compresses each with zstd level 1;
//!   3. if the manifest is a JSON object: sets `publisher.key_id` to the fuzz key's id; unless
//!      `NO_FRAME_FIXUP`, rewrites `frames[]` offsets, lengths, tar lengths and hashes and
//!      `payload` (other members are kept); unless `NO_FILE_FIXUP`, sets `files[i].size` and
//!      `files[i].sha256` from the i-th non-PAX tar entry; and re-serialises it. A manifest
//!      that is not a JSON object is signed byte for byte.
//!
//! Then the header is built with `unsigned_header` and signed with [`fuzz_key`], so every
//! input is validly signed and the fuzzer reaches manifest validation, the frame checks, the
//! zstd decoder, and the tar walker.

pub mod authority;
pub mod render_checks;

use std::io::Cursor;
use std::path::Path;
use std::sync::OnceLock;

use serde_json::Value;
use sha2::{Digest, Sha256};
use tamizdat::format::FileEntry;
use tamizdat::format::header::unsigned_header;
use tamizdat::fs::NoProgress;
use tamizdat::keys::SecretKey;
use tamizdat::keys::TrustedKeys;
use tamizdat::read::{Bundle, BundleError, FileSink, VerifiedHeader};

pub const RAW: u8 = 0x01;
pub const NO_TAR_CHECKSUM_FIXUP: u8 = 0x02;
pub const NO_FILE_FIXUP: u8 = 0x04;
pub const NO_FRAME_FIXUP: u8 = 0x08;

/// The key every fuzzed bundle is signed with and the only key the targets trust.
pub fn fuzz_key() -> SecretKey {
    SecretKey::from_seed("Fuzz", &[7; 32]).expect("a valid key name")
}

/// [`fuzz_key`], derived once: deriving it costs as much as a signature.
fn cached_key() -> &'static SecretKey {
    static KEY: OnceLock<SecretKey> = OnceLock::new();
    KEY.get_or_init(fuzz_key)
}

pub fn trusted_keys() -> TrustedKeys {
    TrustedKeys::new(vec![fuzz_key().public()])
}

/// Splits a `verify_unpack_signed` input into (flags, manifest, body).
pub fn split_input(data: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&flags, rest) = data.split_first()?;
    Some(match rest.iter().position(|&b| b == 0) {
        Some(at) => (flags, &rest[..at], &rest[at + 1..]),
        None => (flags, rest, &[][..]),
    })
}

/// The inverse of [`split_input`] (the manifest must not contain a NUL byte).
pub fn join_input(flags: u8, manifest: &[u8], body: &[u8]) -> Vec<u8> {
    assert!(!manifest.contains(&0));
    let mut out = Vec::with_capacity(2 + manifest.len() + body.len());
    out.push(flags);
    out.extend_from_slice(manifest);
    out.push(0);
    out.extend_from_slice(body);
    out
}

fn hex_sha256(bytes: &[u8]) -> String {
    let digest: [u8; 32] = Sha256::digest(bytes).into();
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

fn parse_octal(field: &[u8]) -> Option<u64> {
    let mut value = 0u64;
    let mut seen = false;
    for &b in field {
        match b {
            b'0'..=b'7' => {
                value = value.checked_mul(8)?.checked_add(u64::from(b - b'0'))?;
                seen = true;
            }
            b' ' if !seen => {}
            0 | b' ' => break,
            _ => return None,
        }
    }
    Some(value)
}

/// Walks ustar headers; fixes their checksums if asked; returns the data of the non-PAX
/// entries (clipped at the end of the stream) in order.
pub fn walk_tar(tar: &mut [u8], fix_checksums: bool) -> Vec<(usize, usize)> {
    let mut files = Vec::new();
    let mut pos = 0usize;
    while pos + 512 <= tar.len() {
        let header = &mut tar[pos..pos + 512];
        if header.iter().all(|&b| b == 0) {
            break;
        }
        let Some(size) = parse_octal(&header[124..136]) else {
            break;
        };
        if fix_checksums {
            header[148..156].fill(b' ');
            let sum: u32 = header.iter().map(|&b| u32::from(b)).sum();
            header[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
        }
        let kind = header[156];
        let start = pos + 512;
        let Ok(size) = usize::try_from(size) else {
            break;
        };
        let end = start.saturating_add(size).min(tar.len());
        if kind != b'x' && kind != b'g' {
            files.push((start, end));
        }
        let padded = size.div_ceil(512).saturating_mul(512);
        pos = match start.checked_add(padded) {
            Some(next) => next,
            None => break,
        };
    }
    files
}

/// Cuts `tar` at the manifest's frame tar lengths (the last frame takes the rest).
fn cut_frames<'a>(tar: &'a [u8], manifest: Option<&Value>) -> Vec<&'a [u8]> {
    let cuts: Vec<u64> = manifest
        .and_then(|m| m.get("frames"))
        .and_then(Value::as_array)
        .map(|frames| {
            frames
                .iter()
                .map(|f| f.get("tar_length").and_then(Value::as_u64).unwrap_or(0))
                .collect()
        })
        .unwrap_or_default();
    let mut chunks = Vec::new();
    let mut rest = tar;
    for (i, &cut) in cuts.iter().enumerate() {
        if rest.is_empty() {
            break;
        }
        let take = if i + 1 == cuts.len() {
            rest.len()
        } else {
            rest.len().min(usize::try_from(cut).unwrap_or(usize::MAX))
        };
        let (chunk, after) = rest.split_at(take);
        chunks.push(chunk);
        rest = after;
    }
    if chunks.is_empty() {
        chunks.push(tar);
    }
    chunks
}

/// Builds a bundle, validly signed by [`fuzz_key`], from a `verify_unpack_signed` input.
pub fn build_bundle(data: &[u8]) -> Option<Vec<u8>> {
    let (flags, manifest, body) = split_input(data)?;
    let key = cached_key();
    let (manifest_json, payload) = if flags & RAW != 0 {
        (manifest.to_vec(), body.to_vec())
    } else {
        let mut tar = body.to_vec();
        let entries = walk_tar(&mut tar, flags & NO_TAR_CHECKSUM_FIXUP == 0);
        let mut value: Option<Value> = serde_json::from_slice(manifest)
            .ok()
            .filter(Value::is_object);
        let chunks = cut_frames(&tar, value.as_ref());
        let frames: Vec<Vec<u8>> = chunks
            .iter()
            .map(|chunk| zstd::bulk::compress(chunk, 1).expect("zstd compresses"))
            .collect();
        let payload = frames.concat();
        let json = match value.as_mut() {
            None => manifest.to_vec(),
            Some(m) => {
                if let Some(publisher) = m.get_mut("publisher").and_then(Value::as_object_mut) {
                    publisher.insert("key_id".into(), key.public().key_id().to_hex().into());
                }
                if flags & NO_FRAME_FIXUP == 0 {
                    let old = m.get("frames").and_then(Value::as_array).cloned();
                    let mut offset = 0u64;
                    let mut list = Vec::new();
                    for (i, (frame, chunk)) in frames.iter().zip(&chunks).enumerate() {
                        let mut object = old
                            .as_ref()
                            .and_then(|old| old.get(i))
                            .and_then(Value::as_object)
                            .cloned()
                            .unwrap_or_default();
                        object.insert("offset".into(), offset.into());
                        object.insert("length".into(), (frame.len() as u64).into());
                        object.insert("tar_length".into(), (chunk.len() as u64).into());
                        object.insert("sha256".into(), hex_sha256(frame).into());
                        offset += frame.len() as u64;
                        list.push(Value::Object(object));
                    }
                    m["frames"] = Value::Array(list);
                    let mut object = m
                        .get("payload")
                        .and_then(Value::as_object)
                        .cloned()
                        .unwrap_or_default();
                    object.insert("length".into(), (payload.len() as u64).into());
                    object.insert("sha256".into(), hex_sha256(&payload).into());
                    object.insert("tar_length".into(), (tar.len() as u64).into());
                    m["payload"] = Value::Object(object);
                }
                if flags & NO_FILE_FIXUP == 0
                    && let Some(files) = m.get_mut("files").and_then(Value::as_array_mut)
                {
                    for (file, &(start, end)) in files.iter_mut().zip(&entries) {
                        if let Some(file) = file.as_object_mut() {
                            let data = &tar[start..end];
                            file.insert("size".into(), (data.len() as u64).into());
                            file.insert("sha256".into(), hex_sha256(data).into());
                        }
                    }
                }
                serde_json::to_vec(m).expect("a JSON value serialises")
            }
        };
        (json, payload)
    };
    let (mut bundle, message) = unsigned_header(key.public().key_id(), &manifest_json).ok()?;
    bundle.extend_from_slice(&key.sign(&message));
    bundle.extend_from_slice(&payload);
    Some(bundle)
}

/// A [`FileSink`] that keeps nothing but a running hash of the file being delivered and checks,
/// at each `finish_file`, what the reader promises of every file it delivers: exactly its
/// signed size and SHA-256. It records what was finished and what discarded, in order.
#[derive(Default)]
pub struct CheckingSink {
    current: Option<(String, u64, Sha256)>,
    /// Paths of the files delivered whole, in order.
    pub finished: Vec<String>,
    /// Paths of the files started and then discarded, in order.
    pub discarded: Vec<String>,
}

impl CheckingSink {
    /// True when no file is between `start_file` and `finish_file` or `discard_file`.
    pub fn is_idle(&self) -> bool {
        self.current.is_none()
    }
}

impl FileSink for CheckingSink {
    fn start_file(&mut self, entry: &FileEntry) -> Result<(), BundleError> {
        assert!(
            self.current.is_none(),
            "{:?} started while {:?} is still open",
            entry.path.as_str(),
            self.current.as_ref().map(|c| &c.0)
        );
        self.current = Some((entry.path.as_str().to_string(), 0, Sha256::new()));
        Ok(())
    }

    fn write(&mut self, data: &[u8]) -> Result<(), BundleError> {
        let (_, len, hasher) = self.current.as_mut().expect("bytes outside of a file");
        *len += data.len() as u64;
        hasher.update(data);
        Ok(())
    }

    fn finish_file(&mut self, entry: &FileEntry) -> Result<(), BundleError> {
        let (path, len, hasher) = self.current.take().expect("finish_file without a file");
        assert_eq!(
            path,
            entry.path.as_str(),
            "finished another file than started"
        );
        assert_eq!(
            len, entry.size,
            "{path:?} delivered with a size other than its signed one"
        );
        let digest: [u8; 32] = hasher.finalize().into();
        assert!(
            digest == entry.sha256.0,
            "{path:?} delivered with bytes that do not match its signed hash"
        );
        self.finished.push(path);
        Ok(())
    }

    fn discard_file(&mut self, entry: &FileEntry) -> Result<(), BundleError> {
        let (path, _, _) = self.current.take().expect("discard_file without a file");
        assert_eq!(
            path,
            entry.path.as_str(),
            "discarded another file than started"
        );
        self.discarded.push(path);
        Ok(())
    }
}

fn keys() -> &'static TrustedKeys {
    static KEYS: OnceLock<TrustedKeys> = OnceLock::new();
    KEYS.get_or_init(trusted_keys)
}

/// Verifies `bundle` (trusting the fuzz key) and streams it, in memory, through a
/// [`CheckingSink`]: every delivered file matches its signed hash and, on success, every file
/// of the manifest was delivered exactly once, in manifest order, none discarded.
pub fn verify_and_check(bundle: &[u8]) -> Result<VerifiedHeader, String> {
    let verified = Bundle::from_reader(Path::new("fuzz.tar.zst"), Cursor::new(bundle))
        .and_then(|bundle| bundle.verify(keys()))
        .map_err(|e| e.to_string())?;
    let mut sink = CheckingSink::default();
    let header = verified
        .stream_into(&mut sink, &NoProgress)
        .map_err(|e| e.to_string())?;
    assert!(sink.is_idle(), "a verified stream left a file open");
    assert!(
        sink.discarded.is_empty(),
        "a verified stream discarded {:?}",
        sink.discarded
    );
    let listed: Vec<&str> = header
        .manifest()
        .files
        .iter()
        .map(|f| f.path.as_str())
        .collect();
    assert_eq!(sink.finished, listed, "files delivered vs listed");
    Ok(header)
}

/// Salvages `bundle` (trusting the fuzz key), in memory, and checks what a salvage promises:
/// every delivered file matches its signed hash (the sink checks), files come in manifest
/// order, each either delivered or reported lost, and the report counts them right. Then the
/// verdict must agree with a full verification of the same bytes: a salvage calls a copy
/// complete exactly when `verify` accepts it.
pub fn salvage_and_check(bundle: &[u8]) -> Result<(), String> {
    let verified = Bundle::from_reader(Path::new("fuzz.tar.zst"), Cursor::new(bundle))
        .and_then(|bundle| bundle.verify(keys()))
        .map_err(|e| e.to_string())?;
    let mut sink = CheckingSink::default();
    let report = tamizdat::read::salvage_to_sink(verified, &mut sink, &NoProgress)
        .map_err(|e| e.to_string())?;
    assert!(sink.is_idle(), "a salvage left a file open");
    let manifest = report.header.manifest();
    let mut finished = sink.finished.iter().peekable();
    for entry in &manifest.files {
        let path = entry.path.as_str();
        let lost = report.lost.iter().any(|p| p == path);
        if finished.peek().is_some_and(|p| *p == path) {
            finished.next();
            assert!(!lost, "{path:?} is both delivered and lost");
        } else {
            assert!(lost, "{path:?} neither delivered nor lost");
        }
    }
    assert!(
        finished.next().is_none(),
        "files delivered out of manifest order or twice: {:?}",
        sink.finished
    );
    assert_eq!(report.recovered, sink.finished.len());
    let verdict = verify_and_check(bundle);
    assert_eq!(
        report.is_complete(),
        verdict.is_ok(),
        "salvage calls the copy complete: {}, verify says {:?}; salvage's problems {:?}, lost {:?}, damaged frames {:?}",
        report.is_complete(),
        verdict.as_ref().map(|_| "VALID"),
        report.problems,
        report.lost,
        report.damaged_frames
    );
    Ok(())
}
