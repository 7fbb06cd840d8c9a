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

use crate::format::Manifest;
use crate::fs::{Progress, read_fully};
use crate::read::VerifiedBundle;
use crate::read::tar_walk::{FrameChecks, Resume, Step, TarWalk, entry_start_in_frame};
use crate::read::unpack::{StagingSink, commit, prepare_destination};
use crate::read::verify::{BundleError, FileSink, VerifiedHeader, decode_frame};

/// What a salvage recovered and what it could not.
#[derive(Debug)]
pub struct SalvageReport {
    /// The bundle's verified header.
    pub header: VerifiedHeader,
    /// Files written to the destination, each verified against its signed hash.
    pub recovered: usize,
    /// Paths of the files that could not be recovered, in manifest order.
    pub lost: Vec<String>,
    /// Indexes of the frames that were damaged, unreadable or missing.
    pub damaged_frames: Vec<usize>,
    /// True when the file ends before its last frame.
    pub truncated: bool,
    /// How many unsigned bytes follow the signed payload (0 for none).
    pub trailing_bytes: u64,
    /// Everything else a full verification refuses in this copy, each a plain sentence:
    /// damaged frames, bytes after the signed payload, a payload hash that does not match, an
    /// archive that differs from the manifest (entries it does not list, a bad end of archive,
    /// frames that break the frame rule).
    pub problems: Vec<String>,
}

impl SalvageReport {
    /// True when every file was recovered and the copy holds nothing else: exactly what
    /// `unpack` would have accepted.
    pub fn is_complete(&self) -> bool {
        self.lost.is_empty()
            && self.problems.is_empty()
            && self.damaged_frames.is_empty()
            && !self.truncated
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

/// Walks one run of intact frames from `start`, handing each file whose bytes verify to `sink`
/// and noting in `problems` what a full verification would refuse (but not what the damaged
/// frame that ends the run explains).
fn salvage_run<R: Read + Seek>(
    run: &mut Run<'_, '_, R>,
    manifest: &Manifest,
    start: Resume,
    recovered: &mut [bool],
    sink: &mut dyn FileSink,
    problems: &mut Vec<String>,
) -> Result<(), BundleError> {
    let mut walk = TarWalk::resume(manifest, &mut *run, start, FrameChecks::Lenient);
    let stopped = loop {
        match walk.next(sink) {
            Ok(Step::File(index)) => recovered[index] = true,
            Ok(Step::End) => break None,
            // Only a lying signer gets here with intact frames: the sink has dropped the file,
            // which stays listed as lost, and the walk goes on.
            Err(BundleError::CorruptedFile { .. }) => {}
            // Machine faults (a full disk) end the salvage.
            Err(error) if !error.is_invalid_bundle() => return Err(error),
            Err(error) => break Some(error),
        }
    };
    let ended_early = walk.ended_early();
    problems.extend(
        walk.take_frame_problems()
            .into_iter()
            .map(|problem| BundleError::from(problem).to_string()),
    );
    drop(walk);
    if let Some(error) = stopped {
        // Bytes that end where a damaged frame begins are the damage, already reported.
        if !(ended_early && run.stopped_at.is_some()) {
            problems.push(error.to_string());
        }
    }
    Ok(())
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
    let (locked, staging) = prepare_destination(destination, bundle.manifest())?;
    let mut sink = StagingSink::new(staging.path());
    let report = salvage_to_sink(bundle, &mut sink, progress)?;
    drop(sink);
    if report.recovered == 0 {
        return Err(BundleError::NothingRecovered {
            files: report.header.manifest().files.len(),
        });
    }
    remove_empty_folders(staging.path()).map_err(|e| BundleError::write(destination, e))?;
    commit(staging, &locked, destination)?;
    Ok(report)
}

/// How damaged a copy is, without writing anything: which files a salvage would recover and
/// which it could not. Reads the copy out of order, frame by frame, as a salvage does.
pub fn assess_damage<R: Read + Seek>(
    bundle: VerifiedBundle<R>,
    progress: &dyn Progress,
) -> Result<SalvageReport, BundleError> {
    salvage_to_sink(bundle, &mut crate::read::verify::DiscardFiles, progress)
}

/// The core of a salvage: reads every frame that matches its signed hash, walks each run of
/// intact frames from the first file that starts in it, and hands `sink` every file whose bytes
/// verify (a file that turns out bad is discarded through [`FileSink::discard_file`]). The
/// report says what was recovered and what not; `recovered` may be 0.
pub fn salvage_to_sink<R: Read + Seek>(
    bundle: VerifiedBundle<R>,
    sink: &mut dyn FileSink,
    progress: &dyn Progress,
) -> Result<SalvageReport, BundleError> {
    let (file, header) = bundle.into_parts();
    let manifest = header.manifest();
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
    let mut problems = Vec::new();
    let frames = &manifest.frames;
    // The frame being looked at, and the tar offset where its bytes start.
    let mut frame = 0;
    let mut frame_start = 0u64;
    let mut tar = Vec::new();
    while frame < frames.len() {
        let next_frame = |frame: &mut usize, frame_start: &mut u64| {
            *frame_start += frames[*frame].tar_length;
            *frame += 1;
        };
        // A run starts at the payload's start, or at the first intact frame after a damaged
        // one, at the entry of the first file that starts in that frame.
        let start = if frame == 0 {
            if !source.load(0, &mut tar)? {
                next_frame(&mut frame, &mut frame_start);
                continue;
            }
            Resume {
                frame: 0,
                frame_start: 0,
                offset: 0,
                file: 0,
            }
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
                progress.advance(frames[frame].length);
                next_frame(&mut frame, &mut frame_start);
                continue;
            }
            if !source.load(frame, &mut tar)? {
                next_frame(&mut frame, &mut frame_start);
                continue;
            }
            match entry_start_in_frame(manifest, frame, frame_start, &tar, first_file) {
                Some(offset) => Resume {
                    frame,
                    frame_start,
                    offset,
                    file: first_file,
                },
                None => {
                    next_frame(&mut frame, &mut frame_start);
                    continue;
                }
            }
        };
        let mut run = Run {
            source: &mut source,
            current: std::mem::take(&mut tar),
            position: start.offset as usize,
            next_frame: frame + 1,
            stopped_at: None,
            failure: None,
        };
        let walked = salvage_run(
            &mut run,
            manifest,
            start,
            &mut recovered,
            sink,
            &mut problems,
        );
        if let Some(failure) = run.failure.take() {
            return Err(failure);
        }
        walked?;
        // Frames the walk never asked for (after the end, or after a mismatch) still count as
        // done.
        let next = run.stopped_at.map_or(run.next_frame, |damaged| damaged + 1);
        tar = std::mem::take(&mut run.current);
        while frame < next {
            next_frame(&mut frame, &mut frame_start);
        }
    }
    let (whole_copy, trailing_bytes) = whole_copy_problems(&mut source)?;
    problems.extend(whole_copy);
    let mut damaged = source.damaged;
    damaged.sort_unstable();
    damaged.dedup();
    if !damaged.is_empty() {
        problems.insert(0, damaged_frames_problem(&damaged, source.truncated));
    }
    let lost: Vec<String> = manifest
        .files
        .iter()
        .zip(&recovered)
        .filter(|(_, ok)| !**ok)
        .map(|(file, _)| file.path.as_str().to_string())
        .collect();
    let count = recovered.iter().filter(|ok| **ok).count();
    let truncated = source.truncated;
    Ok(SalvageReport {
        header,
        recovered: count,
        lost,
        damaged_frames: damaged,
        truncated,
        trailing_bytes,
        problems,
    })
}

/// The sentence for frames that could not be used.
fn damaged_frames_problem(damaged: &[usize], truncated: bool) -> String {
    let list: Vec<String> = damaged.iter().map(usize::to_string).collect();
    let (frames, verb) = match damaged {
        [_] => ("frame", "does"),
        _ => ("frames", "do"),
    };
    let list = list.join(", ");
    if truncated {
        format!("the file is cut short: {frames} {list} of the payload cannot be read whole")
    } else {
        format!(
            "{frames} {list} of the payload {verb} not match {} signature or cannot be read",
            if damaged.len() == 1 { "its" } else { "their" }
        )
    }
}

/// The checks of a full verification that no single frame shows: the signed payload hash
/// (when every frame was intact) and bytes after the payload, with how many those are.
fn whole_copy_problems<R: Read + Seek>(
    source: &mut FrameSource<'_, R>,
) -> Result<(Vec<String>, u64), BundleError> {
    use sha2::Digest;
    let manifest = source.manifest;
    let mut problems = Vec::new();
    let end = source.header_len + manifest.payload.length;
    let file_len = source
        .file
        .seek(SeekFrom::End(0))
        .map_err(BundleError::Read)?;
    let trailing_bytes = file_len.saturating_sub(end);
    if trailing_bytes > 0 {
        problems.push(format!(
            "{trailing_bytes} unsigned bytes follow the signed payload"
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
    Ok((problems, trailing_bytes))
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
