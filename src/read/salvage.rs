//! Salvage: recover every intact file of a damaged bundle whose signed header is still good.
//!
//! Bit rot on a cheap USB stick or a download cut short should not cost a reader the whole
//! edition. The payload is made of independent zstd frames that end on tar entry boundaries,
//! each pinned by its hash in the signed header, so every frame that still matches its hash
//! can be decoded on its own. Files are written to a staging folder as usual; a file is kept
//! only when every byte of it came from intact frames and its own signed hash verifies. What
//! could not be recovered is listed by name. A file that does not verify is never written.

use std::fs;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::Path;

use crate::format::frames::TAR_BLOCK_LEN;
use crate::format::{FileEntry, Manifest};
use crate::fs::{Progress, StagingFolder, read_fully};
use crate::read::VerifiedBundle;
use crate::read::unpack::{StagingSink, check_free_space, commit, lock_destination};
use crate::read::verify::{BundleError, VerifiedHeader, check_entry, decode_frame, read_pax_path};

/// What a salvage recovered and what it could not.
#[derive(Debug)]
pub struct SalvageReport {
    pub header: VerifiedHeader,
    /// Files written to the destination, each verified against its signed hash.
    pub recovered: usize,
    /// Paths of the files that could not be recovered, in manifest order.
    pub lost: Vec<String>,
    /// Indexes of the frames that were damaged, unreadable or missing.
    pub damaged_frames: Vec<usize>,
    /// True when the file ends before its last frame.
    pub truncated: bool,
    /// What else is wrong with the copy even though no file was lost (bytes after the signed
    /// payload, entries the manifest does not list, a payload hash that does not match).
    pub problems: Vec<String>,
}

impl SalvageReport {
    /// True when every file was recovered and the copy holds nothing else: exactly what
    /// `unpack` would have accepted.
    pub fn is_complete(&self) -> bool {
        self.lost.is_empty() && self.problems.is_empty()
    }
}

/// Reads frames by index, seeking to each one, so that an unreadable region of a failing disk
/// costs only the frames in it.
struct FrameSource<'a, R> {
    file: R,
    manifest: &'a Manifest,
    header_len: u64,
    compressed: Vec<u8>,
    decompressor: zstd::bulk::Decompressor<'static>,
    damaged: Vec<usize>,
    truncated: bool,
    progress: &'a dyn Progress,
}

impl<R: Read + Seek> FrameSource<'_, R> {
    /// Decodes frame `index` into `tar`; false (and recorded) when it is damaged or missing.
    fn load(&mut self, index: usize, tar: &mut Vec<u8>) -> Result<bool, BundleError> {
        let frame = &self.manifest.frames[index];
        self.progress.advance(frame.length);
        if !self.truncated {
            self.compressed.resize(frame.length as usize, 0);
            let read = self
                .file
                .seek(SeekFrom::Start(self.header_len + frame.offset))
                .and_then(|_| read_fully(&mut self.file, &mut self.compressed));
            match read {
                Ok(n) if n == self.compressed.len() => {
                    if decode_frame(
                        self.manifest,
                        index,
                        &self.compressed,
                        &mut self.decompressor,
                        tar,
                    )
                    .is_ok()
                    {
                        return Ok(true);
                    }
                }
                Ok(_) => self.truncated = true,
                // A bad sector (EIO) loses this frame; the next one may read fine.
                Err(error) if error.raw_os_error().is_some() && !is_fatal(&error) => {}
                Err(error) => return Err(BundleError::Read(error)),
            }
        }
        self.damaged.push(index);
        Ok(false)
    }
}

/// Read errors that say nothing about the medium, only that reading cannot go on at all.
fn is_fatal(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::PermissionDenied | io::ErrorKind::OutOfMemory
    )
}

/// The tar bytes of a run of consecutive intact frames, starting `offset` bytes into the first
/// one; it ends (as a stream) at the first damaged frame or after the last frame.
struct Run<'s, 'a, R> {
    source: &'s mut FrameSource<'a, R>,
    current: Vec<u8>,
    position: usize,
    next_frame: usize,
    /// The damaged frame that ended the run, if one did.
    stopped_at: Option<usize>,
    /// A failure of this machine (not of the bundle) that must end the salvage.
    failure: Option<BundleError>,
}

impl<R: Read + Seek> Read for Run<'_, '_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.position == self.current.len() {
            if self.stopped_at.is_some() || self.next_frame == self.source.manifest.frames.len() {
                return Ok(0);
            }
            let index = self.next_frame;
            self.next_frame += 1;
            let intact = match self.source.load(index, &mut self.current) {
                Ok(intact) => intact,
                Err(error) => {
                    self.failure = Some(error);
                    return Err(io::Error::other("reading the bundle failed"));
                }
            };
            if !intact {
                self.stopped_at = Some(index);
                self.current.clear();
                return Ok(0);
            }
            self.position = 0;
        }
        let n = buf.len().min(self.current.len() - self.position);
        buf[..n].copy_from_slice(&self.current[self.position..self.position + n]);
        self.position += n;
        Ok(n)
    }
}

/// Where, in an intact frame that follows a damaged one, the entry of `expected` (a file known
/// from the manifest to start in this frame) begins. The frame may open with the tail of a
/// large file that started in a lost frame, so each 512-byte block is tried as a header; only
/// a header naming exactly the expected path and size is taken, and even then the file is kept
/// only if its signed hash verifies.
fn find_entry_start(tar: &[u8], expected: &FileEntry) -> Option<usize> {
    let wanted = (expected.path.as_str().as_bytes().to_vec(), expected.size);
    (0..tar.len())
        .step_by(TAR_BLOCK_LEN as usize)
        .find(|&offset| entry_at(&tar[offset..]).as_ref() == Some(&wanted))
}

/// The path and size of the file entry (with its PAX header, if any) that starts `tar`.
fn entry_at(tar: &[u8]) -> Option<(Vec<u8>, u64)> {
    let mut archive = tar::Archive::new(tar);
    let mut entries = archive.entries().ok()?.raw(true);
    let mut entry = entries.next()?.ok()?;
    let mut pax_path = None;
    if entry.header().entry_type().is_pax_local_extensions() {
        pax_path = Some(read_pax_path(&mut entry).ok()?);
        drop(entry);
        entry = entries.next()?.ok()?;
    }
    let path = pax_path.unwrap_or_else(|| entry.path_bytes().into_owned());
    Some((path, entry.header().entry_size().ok()?))
}

/// Parses one run, writing each file whose bytes verify. `next_file` is the index in the
/// manifest of the file whose entry starts the run; returns it for the first file not reached.
fn salvage_run<R: Read>(
    run: R,
    manifest: &Manifest,
    mut next_file: usize,
    recovered: &mut [bool],
    unlisted: &mut bool,
    sink: &mut StagingSink<'_>,
) -> Result<usize, BundleError> {
    let mut archive = tar::Archive::new(run);
    let Ok(entries) = archive.entries() else {
        return Ok(next_file);
    };
    let mut entries = entries.raw(true);
    let mut buffer = vec![0u8; 256 * 1024];
    let mut pax_path: Option<Vec<u8>> = None;
    while let Some(Ok(mut entry)) = entries.next() {
        if entry.header().entry_type().is_pax_local_extensions() {
            match read_pax_path(&mut entry) {
                Ok(path) if pax_path.is_none() => pax_path = Some(path),
                _ => break,
            }
            continue;
        }
        let path = pax_path
            .take()
            .unwrap_or_else(|| entry.path_bytes().into_owned());
        let Some(expected) = manifest.files.get(next_file) else {
            *unlisted = true;
            break;
        };
        match check_entry(&mut entry, &path, expected, &mut buffer, sink) {
            Ok(()) => recovered[next_file] = true,
            // Machine faults (a full disk) end the salvage; the staging folder goes with it.
            Err(error) if !error.is_invalid_bundle() => return Err(error),
            // A damaged frame cut the file short, or (only a lying signer can do this) its bytes
            // do not match its hash: drop what was written of it.
            Err(BundleError::CorruptedFile { .. }) => {
                sink.discard_current()?;
            }
            Err(_) => {
                sink.discard_current()?;
                // Whatever follows is not where the manifest says: stop this run here.
                if !path.is_empty() && path == expected.path.as_str().as_bytes() {
                    next_file += 1;
                }
                return Ok(next_file);
            }
        }
        next_file += 1;
    }
    sink.discard_current()?;
    Ok(next_file)
}

/// Salvages `bundle` into `destination` (which must not exist or be empty): every file whose
/// bytes and hash verify is written; the report lists the rest. The header's signature must
/// verify, or nothing is written. When no file at all can be recovered, the destination is not
/// created.
pub fn salvage_into<R: Read + Seek>(
    bundle: VerifiedBundle<R>,
    destination: &Path,
    progress: &dyn Progress,
) -> Result<SalvageReport, BundleError> {
    let (file, header) = bundle.seekable();
    let manifest = header.manifest();
    let locked = lock_destination(destination)?;
    check_free_space(&locked.target.parent, manifest)?;
    let staging = StagingFolder::create_in(&locked.target.parent, &locked.lock)
        .map_err(|e| BundleError::write(destination, e))?;
    progress.set_total(manifest.payload.length);

    let mut source = FrameSource {
        file,
        manifest,
        header_len: header.header_len(),
        compressed: Vec::new(),
        decompressor: zstd::bulk::Decompressor::new().map_err(BundleError::Read)?,
        damaged: Vec::new(),
        truncated: false,
        progress,
    };
    let mut recovered = vec![false; manifest.files.len()];
    let mut unlisted = false;
    let mut sink = StagingSink::new(staging.path());
    let frame_count = manifest.frames.len();
    let mut frame = 0;
    let mut tar = Vec::new();
    while frame < frame_count {
        // A run starts at the payload's start, or at the first intact frame after a damaged
        // one, at the entry of the first file that starts in that frame.
        let (first_file, offset) = if frame == 0 {
            if !source.load(0, &mut tar)? {
                frame = 1;
                continue;
            }
            (0, 0)
        } else {
            // Files are listed in tar order, so their frame indexes never decrease.
            let first_file = manifest
                .files
                .partition_point(|file| (file.frame as usize) < frame);
            let starts_here = manifest
                .files
                .get(first_file)
                .is_some_and(|file| file.frame as usize == frame);
            if !starts_here {
                // Only the middle of a lost file, or the archive's end, is in this frame.
                progress.advance(manifest.frames[frame].length);
                frame += 1;
                continue;
            }
            if !source.load(frame, &mut tar)? {
                frame += 1;
                continue;
            }
            match find_entry_start(&tar, &manifest.files[first_file]) {
                Some(offset) => (first_file, offset),
                None => {
                    frame += 1;
                    continue;
                }
            }
        };
        let mut run = Run {
            source: &mut source,
            current: std::mem::take(&mut tar),
            position: offset,
            next_frame: frame + 1,
            stopped_at: None,
            failure: None,
        };
        salvage_run(
            &mut run,
            manifest,
            first_file,
            &mut recovered,
            &mut unlisted,
            &mut sink,
        )?;
        if let Some(failure) = run.failure.take() {
            return Err(failure);
        }
        let next = run.stopped_at.map_or(run.next_frame, |damaged| damaged + 1);
        tar = std::mem::take(&mut run.current);
        // Frames the tar parser never asked for (after the end, or after a mismatch) still
        // count as done.
        frame = next;
    }
    drop(sink);
    let problems = whole_copy_problems(&mut source, unlisted)?;
    let mut damaged = source.damaged;
    damaged.sort_unstable();
    damaged.dedup();
    let truncated = source.truncated;
    let lost: Vec<String> = manifest
        .files
        .iter()
        .zip(&recovered)
        .filter(|(_, ok)| !**ok)
        .map(|(file, _)| file.path.as_str().to_string())
        .collect();
    let count = recovered.iter().filter(|ok| **ok).count();
    if count == 0 {
        return Err(BundleError::NothingRecovered {
            files: manifest.files.len(),
        });
    }
    remove_empty_folders(staging.path()).map_err(|e| BundleError::write(destination, e))?;
    commit(staging, &locked, destination)?;
    Ok(SalvageReport {
        header,
        recovered: count,
        lost,
        damaged_frames: damaged,
        truncated,
        problems,
    })
}

/// The checks of a full verification that no single frame shows: the signed payload hash
/// (when every frame was intact), entries beyond the manifest, and bytes after the payload.
fn whole_copy_problems<R: Read + Seek>(
    source: &mut FrameSource<'_, R>,
    unlisted: bool,
) -> Result<Vec<String>, BundleError> {
    use sha2::Digest;
    let manifest = source.manifest;
    let mut problems = Vec::new();
    if unlisted {
        problems.push("the archive holds entries the signed manifest does not list".to_string());
    }
    let end = source.header_len + manifest.payload.length;
    let file_len = source
        .file
        .seek(SeekFrom::End(0))
        .map_err(BundleError::Read)?;
    if file_len > end {
        problems.push(format!(
            "{} unsigned bytes follow the signed payload",
            file_len - end
        ));
    }
    if source.damaged.is_empty() && !source.truncated {
        source
            .file
            .seek(SeekFrom::Start(source.header_len))
            .map_err(BundleError::Read)?;
        let mut hasher = sha2::Sha256::new();
        let mut limited = (&mut source.file).take(manifest.payload.length);
        let mut buffer = vec![0u8; 1 << 20];
        loop {
            let n = limited.read(&mut buffer).map_err(BundleError::Read)?;
            if n == 0 {
                break;
            }
            hasher.update(&buffer[..n]);
        }
        if crate::format::Sha256Digest(hasher.finalize().into()) != manifest.payload.sha256 {
            problems.push("the payload does not match its signature".to_string());
        }
    }
    Ok(problems)
}

/// Removes folders left empty because none of their files could be recovered.
fn remove_empty_folders(root: &Path) -> io::Result<()> {
    for entry in walkdir::WalkDir::new(root)
        .min_depth(1)
        .contents_first(true)
    {
        let entry = entry.map_err(io::Error::other)?;
        if entry.file_type().is_dir() && fs::read_dir(entry.path())?.next().is_none() {
            fs::remove_dir(entry.path())?;
        }
    }
    Ok(())
}
