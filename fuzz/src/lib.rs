//! Helpers shared by the fuzz targets and by `make_seeds`: the fuzzing key, the
//! `verify_unpack_signed` input format, and the checks every unpack must pass.
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
//! zstd decoder, the tar walker and the staging folder.

use std::fs;
use std::path::Path;

use serde_json::Value;
use sha2::{Digest, Sha256};
use tamizdat::format::header::unsigned_header;
use tamizdat::keys::SecretKey;
use tamizdat::keys::TrustedKeys;
use tamizdat::read::verify::VerifiedHeader;

pub const RAW: u8 = 0x01;
pub const NO_TAR_CHECKSUM_FIXUP: u8 = 0x02;
pub const NO_FILE_FIXUP: u8 = 0x04;
pub const NO_FRAME_FIXUP: u8 = 0x08;

/// The key every fuzzed bundle is signed with and the only key the targets trust.
pub fn fuzz_key() -> SecretKey {
    SecretKey::from_seed("Fuzz", &[7; 32]).expect("a valid key name")
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
    let key = fuzz_key();
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

/// Writes `bundle` to a fresh temporary folder, unpacks it into `work/out` and checks what an
/// unpack may leave behind, whatever the bundle held:
/// - nothing but `out` in `work` (staging folders are cleaned up, nothing escapes);
/// - on failure, no `out` at all (all or nothing);
/// - on success, only regular files and folders under `out` (no symlinks or anything else),
///   exactly the manifest's files, with their sizes.
pub fn unpack_and_check(bundle: &[u8]) -> Result<VerifiedHeader, String> {
    let root = tempfile::tempdir().expect("a temporary folder");
    let file = root.path().join("bundle.tar.zst");
    fs::write(&file, bundle).expect("write the bundle");
    let work = root.path().join("work");
    fs::create_dir(&work).expect("create work");
    let out = work.join("out");
    let result = tamizdat::read::Bundle::open(&file)
        .and_then(|bundle| bundle.verify(&trusted_keys()))
        .and_then(|bundle| tamizdat::read::unpack_into(bundle, &out, &tamizdat::fs::NoProgress));
    let names: Vec<_> = fs::read_dir(&work)
        .expect("list work")
        .map(|e| e.expect("entry").file_name())
        .collect();
    match &result {
        Ok(_) => assert!(
            names.len() == 1 && names[0] == "out",
            "after a successful unpack the folder holds {names:?}"
        ),
        Err(error) => assert!(
            names.is_empty(),
            "after a failed unpack ({error}) the folder holds {names:?}"
        ),
    }
    // Nothing may have appeared beside the work folder either.
    let mut top: Vec<_> = fs::read_dir(root.path())
        .expect("list root")
        .map(|e| e.expect("entry").file_name())
        .collect();
    top.sort();
    assert_eq!(
        top,
        ["bundle.tar.zst", "work"],
        "unexpected files beside the unpack"
    );
    let header = result.map_err(|e| e.to_string())?;
    let mut regular = 0usize;
    check_tree(&out, &mut regular);
    let manifest = header.manifest();
    assert_eq!(regular, manifest.files.len(), "files unpacked vs listed");
    for entry in &manifest.files {
        let path = out.join(entry.path.to_relative_path());
        let metadata = fs::symlink_metadata(&path)
            .unwrap_or_else(|e| panic!("listed file {:?} missing: {e}", entry.path.as_str()));
        assert!(metadata.file_type().is_file());
        assert_eq!(
            metadata.len(),
            entry.size,
            "size of {:?}",
            entry.path.as_str()
        );
    }
    Ok(header)
}

fn check_tree(folder: &Path, regular: &mut usize) {
    for entry in fs::read_dir(folder).expect("list out") {
        let entry = entry.expect("entry");
        let kind = fs::symlink_metadata(entry.path())
            .expect("metadata")
            .file_type();
        if kind.is_dir() {
            check_tree(&entry.path(), regular);
        } else if kind.is_file() {
            *regular += 1;
        } else {
            panic!(
                "{:?} is neither a regular file nor a folder ({kind:?})",
                entry.path()
            );
        }
    }
}

/// Salvages `bundle` (trusting the fuzz key) into a temporary folder and checks what a salvage
/// promises: nothing beside the destination; on success only regular files and folders, each
/// file listed in the manifest with exactly its signed size and SHA-256, and every listed file
/// either present or reported lost.
pub fn salvage_and_check(bundle: &[u8]) -> Result<(), String> {
    let root = tempfile::tempdir().expect("a temporary folder");
    let file = root.path().join("bundle.tar.zst");
    fs::write(&file, bundle).expect("write the bundle");
    let work = root.path().join("work");
    fs::create_dir(&work).expect("create work");
    let out = work.join("out");
    let result = tamizdat::read::Bundle::open(&file)
        .and_then(|bundle| bundle.verify(&trusted_keys()))
        .and_then(|bundle| tamizdat::read::salvage_into(bundle, &out, &tamizdat::fs::NoProgress));
    let names: Vec<_> = fs::read_dir(&work)
        .expect("list work")
        .map(|e| e.expect("entry").file_name())
        .collect();
    let report = match result {
        Ok(report) => report,
        Err(error) => {
            assert!(
                names.is_empty(),
                "after a failed salvage ({error}) the folder holds {names:?}"
            );
            return Err(error.to_string());
        }
    };
    assert!(
        names.len() == 1 && names[0] == "out",
        "after a salvage the folder holds {names:?}"
    );
    let mut regular = 0usize;
    check_tree(&out, &mut regular);
    let manifest = report.header.manifest();
    let mut present = 0usize;
    for entry in &manifest.files {
        let path = out.join(entry.path.to_relative_path());
        let lost = report.lost.iter().any(|p| p == entry.path.as_str());
        match fs::read(&path) {
            Ok(bytes) => {
                assert!(!lost, "{:?} is both written and lost", entry.path.as_str());
                assert_eq!(bytes.len() as u64, entry.size, "size of {:?}", entry.path.as_str());
                assert_eq!(
                    hex_sha256(&bytes),
                    entry.sha256.to_hex(),
                    "a salvaged file that does not match its hash: {:?}",
                    entry.path.as_str()
                );
                present += 1;
            }
            Err(_) => assert!(lost, "{:?} neither written nor lost", entry.path.as_str()),
        }
    }
    assert_eq!(regular, present, "files on disk that the manifest does not list");
    assert_eq!(report.recovered, present);
    Ok(())
}
