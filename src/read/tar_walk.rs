//! The reader's one tar walk: over any [`Read`] of tar bytes, it parses each entry (one PAX
//! header at most, then a ustar regular file), checks it against the signed manifest's files in
//! order, streams its data through a [`FileSink`] while hashing it, and checks the end of the
//! archive. Verification walks the whole stream with it; salvage walks each run of intact frames
//! with it; the fuzz targets reach it through both.
//!
//! It also checks where the manifest's frames fall (FORMAT.md section 4, the frame rule): each
//! file's entry must start in the frame its `files[].frame` names, and each frame must end
//! exactly where the rule closes it, given the entries' lengths. The rule is simulated with the
//! writer's own [`FramePlanner`].

use std::io::{self, Read};

use sha2::{Digest, Sha256};

use crate::format::frames::{
    FRAME_TARGET_TAR_LEN, FramePlanner, MAX_PAX_ENTRY_LEN, TAR_BLOCK_LEN, TAR_END_LEN, padded_len,
};
use crate::format::{FileEntry, Frame, Manifest, Sha256Digest};
use crate::read::verify::{ArchiveError, BundleError, FileSink};

const BLOCK: usize = TAR_BLOCK_LEN as usize;
/// Bytes of file data read at a time.
const DATA_CHUNK: usize = 64 * 1024;

/// What one step of the walk found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Step {
    /// The file at this index of the manifest was checked and delivered to the sink, whose
    /// `finish_file` has accepted it.
    File(usize),
    /// The archive ended as it must, after the last file the manifest lists.
    End,
}

/// Whether a frame that falls where the rule does not put it ends the walk (verification) or
/// is noted and the walk goes on (salvage, which still wants every intact file).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FrameChecks {
    Strict,
    Lenient,
}

/// A tar header block as the walk reads it.
enum Header {
    /// An all-zero block: the start of the end of the archive.
    Zero,
    /// A PAX extended header whose data is this many bytes.
    Pax { size: u64 },
    /// A ustar regular file.
    File { path: Vec<u8>, size: u64 },
}

/// Reads tar blocks from `input`, counting where in the tar stream it is.
struct Blocks<R> {
    input: R,
    position: u64,
    /// The input ended before the archive did.
    ended_early: bool,
}

impl<R: Read> Blocks<R> {
    /// Fills `buffer`; false (and `ended_early`) when the input ends first.
    fn fill(&mut self, buffer: &mut [u8]) -> Result<bool, BundleError> {
        let filled = crate::fs::read_fully(&mut self.input, buffer).map_err(BundleError::Read)?;
        self.position += filled as u64;
        if filled < buffer.len() {
            self.ended_early = true;
            return Ok(false);
        }
        Ok(true)
    }

    /// Reads and parses the header block at the current position; `Ok(None)` when the input
    /// ends exactly there.
    fn header(&mut self) -> Result<Option<Header>, BundleError> {
        let at = self.position;
        let mut block = [0u8; BLOCK];
        let filled =
            crate::fs::read_fully(&mut self.input, &mut block).map_err(BundleError::Read)?;
        self.position += filled as u64;
        if filled == 0 {
            self.ended_early = true;
            return Ok(None);
        }
        if filled < BLOCK {
            self.ended_early = true;
            return Err(ArchiveError::EndsInsideEntry { at }.into());
        }
        parse_header(&block, at)
            .map(Some)
            .map_err(BundleError::from)
    }

    /// Reads the data of a PAX header of `size` bytes (and its padding) and returns its path.
    fn pax_path(&mut self, size: u64, at: u64) -> Result<Vec<u8>, BundleError> {
        let limit = MAX_PAX_ENTRY_LEN - TAR_BLOCK_LEN;
        if size > limit {
            return Err(ArchiveError::PaxTooLarge { size, limit }.into());
        }
        let mut data = vec![0u8; padded_len(size) as usize];
        if !self.fill(&mut data)? {
            return Err(ArchiveError::EndsInsideEntry { at }.into());
        }
        data.truncate(size as usize);
        pax_path(&data).map_err(BundleError::from)
    }
}

/// Parses one 512-byte header block at tar offset `at`, checking its checksum, its ustar magic
/// and its type.
fn parse_header(block: &[u8; BLOCK], at: u64) -> Result<Header, ArchiveError> {
    if block.iter().all(|&b| b == 0) {
        return Ok(Header::Zero);
    }
    let header = tar::Header::from_byte_slice(block);
    // As POSIX and every tar define it: the unsigned sum of the block with the checksum field
    // read as eight spaces.
    let sum = block[..148]
        .iter()
        .chain(&block[156..])
        .map(|&b| u32::from(b))
        .sum::<u32>()
        + 8 * u32::from(b' ');
    if header.cksum().ok() != Some(sum) {
        return Err(ArchiveError::BadChecksum { at });
    }
    let path = header.path_bytes().into_owned();
    if header.as_ustar().is_none() {
        return Err(ArchiveError::NotUstar {
            path: shown(&path),
            magic: block[257..265].escape_ascii().to_string(),
        });
    }
    let kind = block[156];
    let size = header.entry_size().ok();
    match kind {
        b'x' => Ok(Header::Pax {
            size: size.unwrap_or(u64::MAX),
        }),
        b'0' | 0 => Ok(Header::File {
            size: size.ok_or_else(|| ArchiveError::BadSize { path: shown(&path) })?,
            path,
        }),
        other => Err(ArchiveError::NotAPlainFile {
            path: shown(&path),
            kind: char::from(other),
        }),
    }
}

/// The path of a PAX header's data, which must be exactly one record, `"<len> path=<value>\n"`,
/// whose length is the whole data's.
fn pax_path(data: &[u8]) -> Result<Vec<u8>, ArchiveError> {
    let declared: Option<usize> = data
        .split(|&b| b == b' ')
        .next()
        .and_then(|digits| std::str::from_utf8(digits).ok())
        .and_then(|digits| digits.parse().ok());
    if declared != Some(data.len()) {
        return Err(ArchiveError::PaxNotOneRecord);
    }
    let record = tar::PaxExtensions::new(data)
        .next()
        .and_then(Result::ok)
        .ok_or(ArchiveError::PaxMalformed)?;
    if record.key_bytes() != b"path" {
        return Err(ArchiveError::PaxKey {
            key: String::from_utf8_lossy(record.key_bytes()).into_owned(),
        });
    }
    Ok(record.value_bytes().to_vec())
}

/// Bytes of tar a PAX header for `path` takes: its header block and its padded record.
fn pax_entry_len(path: &str) -> u64 {
    let base = " path=\n".len() + path.len();
    let mut len = base + 1;
    while base + len.to_string().len() != len {
        len += 1;
    }
    TAR_BLOCK_LEN + padded_len(len as u64)
}

fn shown(path: &[u8]) -> String {
    String::from_utf8_lossy(path).into_owned()
}

/// A frame of the manifest and the tar offset where it ends.
#[derive(Debug, Clone, Copy)]
struct Cursor {
    frame: usize,
    end: u64,
}

impl Cursor {
    fn next(&mut self, frames: &[Frame]) {
        self.frame += 1;
        self.end += frames.get(self.frame).map_or(0, |f| f.tar_length);
    }
}

/// Where the manifest's frames fall in the tar stream, checked against the frame rule.
struct FrameLayout<'m> {
    frames: &'m [Frame],
    /// The manifest frame that holds the walk's position.
    holding: Cursor,
    /// The writer's rule replayed over the entries, with the manifest frame it is filling;
    /// `None` once a lenient walk has found a frame that breaks it (the rest of that walk
    /// could only repeat the finding).
    rule: Option<(FramePlanner, Cursor)>,
}

impl<'m> FrameLayout<'m> {
    /// At tar offset `position`, inside frame `frame`, which starts at tar offset `frame_start`.
    fn at(frames: &'m [Frame], frame: usize, frame_start: u64, position: u64) -> FrameLayout<'m> {
        let mut planner = FramePlanner::default();
        // Less than a frame's length, so this never closes the frame.
        planner.wrote(position - frame_start);
        let cursor = Cursor {
            frame,
            end: frame_start + frames.get(frame).map_or(0, |f| f.tar_length),
        };
        FrameLayout {
            frames,
            holding: cursor,
            rule: Some((planner, cursor)),
        }
    }

    /// The manifest frame that holds tar offset `position` (which never goes back).
    fn frame_holding(&mut self, position: u64) -> usize {
        while self.holding.frame < self.frames.len() && position >= self.holding.end {
            self.holding.next(self.frames);
        }
        self.holding.frame
    }

    /// Replays the rule over an entry of `len` bytes at tar offset `start`: every frame the rule
    /// closes must end there in the manifest, and no manifest frame may end where the rule does
    /// not close one.
    fn entry(&mut self, start: u64, len: u64) -> Result<(), ArchiveError> {
        let frames = self.frames;
        let Some((planner, cursor)) = &mut self.rule else {
            return Ok(());
        };
        if planner.close_before_entry(len) {
            close(planner, cursor, frames, start)?;
        }
        let (mut at, mut left) = (start, len);
        while left > 0 {
            let n = left.min(planner.room());
            if at + n > cursor.end {
                // Past the last frame is past the end of the stream: reading finds that, as a
                // file or an archive cut short.
                if cursor.frame + 1 >= frames.len() {
                    return Ok(());
                }
                return Err(ArchiveError::FrameEndsEarly {
                    frame: cursor.frame,
                    end: cursor.end,
                });
            }
            at += n;
            left -= n;
            if planner.wrote(n) {
                close(planner, cursor, frames, at)?;
            }
        }
        Ok(())
    }

    /// After the end-of-archive blocks, which end at tar offset `end`: the rule closes the last
    /// frame there.
    fn finish(&mut self, end: u64) -> Result<(), ArchiveError> {
        match &mut self.rule {
            Some((planner, cursor)) if !planner.is_empty() => {
                close(planner, cursor, self.frames, end)
            }
            _ => Ok(()),
        }
    }
}

/// The rule closes the frame being filled at tar offset `at`: the manifest's frame must end
/// there too.
fn close(
    planner: &mut FramePlanner,
    cursor: &mut Cursor,
    frames: &[Frame],
    at: u64,
) -> Result<(), ArchiveError> {
    planner.closed();
    if at != cursor.end {
        return Err(ArchiveError::FrameGoesOn {
            frame: cursor.frame,
            cut: at,
        });
    }
    cursor.next(frames);
    Ok(())
}

/// Where a walk over part of the tar stream starts: `offset` bytes into frame `frame`, whose tar
/// bytes start at `frame_start` in the stream, where the entry of the manifest's file `file`
/// begins.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Resume {
    pub(crate) frame: usize,
    pub(crate) frame_start: u64,
    pub(crate) offset: u64,
    pub(crate) file: usize,
}

/// The walk over the tar stream of a bundle, or of a run of its intact frames.
pub(crate) struct TarWalk<'m, R> {
    manifest: &'m Manifest,
    blocks: Blocks<R>,
    next_file: usize,
    layout: FrameLayout<'m>,
    checks: FrameChecks,
    /// What a lenient walk found wrong with the frames, without stopping.
    frame_problems: Vec<ArchiveError>,
    buffer: Vec<u8>,
}

impl<'m, R: Read> TarWalk<'m, R> {
    /// A walk over the whole tar stream of `manifest`'s payload.
    pub(crate) fn new(manifest: &'m Manifest, input: R, checks: FrameChecks) -> TarWalk<'m, R> {
        let start = Resume {
            frame: 0,
            frame_start: 0,
            offset: 0,
            file: 0,
        };
        TarWalk::resume(manifest, input, start, checks)
    }

    /// A walk over tar bytes that start where `start` says, at the entry of its file.
    pub(crate) fn resume(
        manifest: &'m Manifest,
        input: R,
        start: Resume,
        checks: FrameChecks,
    ) -> TarWalk<'m, R> {
        let position = start.frame_start + start.offset;
        TarWalk {
            manifest,
            blocks: Blocks {
                input,
                position,
                ended_early: false,
            },
            next_file: start.file,
            layout: FrameLayout::at(&manifest.frames, start.frame, start.frame_start, position),
            checks,
            frame_problems: Vec::new(),
            buffer: Vec::new(),
        }
    }

    /// True when the input ended before the archive did: in a salvage run, that is where a
    /// damaged frame begins.
    pub(crate) fn ended_early(&self) -> bool {
        self.blocks.ended_early
    }

    /// What a lenient walk found wrong with the frames.
    pub(crate) fn take_frame_problems(&mut self) -> Vec<ArchiveError> {
        std::mem::take(&mut self.frame_problems)
    }

    /// A frame problem: the end of a strict walk, a note in a lenient one.
    fn frame_problem(&mut self, problem: ArchiveError) -> Result<(), BundleError> {
        match self.checks {
            FrameChecks::Strict => Err(problem.into()),
            FrameChecks::Lenient => {
                self.layout.rule = None;
                self.frame_problems.push(problem);
                Ok(())
            }
        }
    }

    /// Checks the next entry against the next file of the manifest and streams its data
    /// through `sink`, or checks the end of the archive. After an error the walk is over, except
    /// after [`BundleError::CorruptedFile`] (a file whose bytes do not match its signed hash),
    /// which the sink has discarded and past which the walk can go on.
    pub(crate) fn next(&mut self, sink: &mut dyn FileSink) -> Result<Step, BundleError> {
        let start = self.blocks.position;
        let mut pax: Option<Vec<u8>> = None;
        let (path, size) = loop {
            let at = self.blocks.position;
            match self.blocks.header()? {
                None if pax.is_some() => return Err(ArchiveError::PaxWithoutFile.into()),
                None => return Err(self.missing_or(ArchiveError::EndBlocks)),
                Some(Header::Zero) if pax.is_some() => {
                    return Err(ArchiveError::PaxWithoutFile.into());
                }
                Some(Header::Zero) => {
                    if let Some(missing) = self.manifest.files.get(self.next_file) {
                        return Err(ArchiveError::Missing {
                            path: missing.path.as_str().to_string(),
                        }
                        .into());
                    }
                    self.end_of_archive(at)?;
                    return Ok(Step::End);
                }
                Some(Header::Pax { .. }) if pax.is_some() => {
                    return Err(ArchiveError::TwoPaxHeaders.into());
                }
                Some(Header::Pax { size }) => pax = Some(self.blocks.pax_path(size, at)?),
                Some(Header::File { path, size }) => break (pax.take().unwrap_or(path), size),
            }
        };
        let index = self.next_file;
        let Some(expected) = self.manifest.files.get(index) else {
            return Err(ArchiveError::Unlisted { path: shown(&path) }.into());
        };
        if path != expected.path.as_str().as_bytes() {
            return Err(ArchiveError::WrongPath {
                found: shown(&path),
                expected: expected.path.as_str().to_string(),
            }
            .into());
        }
        if size != expected.size {
            return Err(ArchiveError::WrongSize {
                path: shown(&path),
                size,
                expected: expected.size,
            }
            .into());
        }
        let header_len = self.blocks.position - start;
        self.check_frames(start, header_len.saturating_add(padded_len(size)), expected)?;
        self.next_file += 1;
        sink.start_file(expected)?;
        match self.copy_data(expected, sink) {
            Ok(()) => {
                sink.finish_file(expected)?;
                Ok(Step::File(index))
            }
            Err(error) => {
                let discarded = sink.discard_file(expected);
                if error.is_invalid_bundle() {
                    // A file that cannot be taken back must end everything.
                    discarded?;
                }
                Err(error)
            }
        }
    }

    /// The end of the walk when the input ends: a missing file if the manifest lists more.
    fn missing_or(&self, otherwise: ArchiveError) -> BundleError {
        match self.manifest.files.get(self.next_file) {
            Some(missing) => ArchiveError::Missing {
                path: missing.path.as_str().to_string(),
            }
            .into(),
            None => otherwise.into(),
        }
    }

    /// The frame checks for the entry of `expected`, `len` bytes at tar offset `start`.
    fn check_frames(
        &mut self,
        start: u64,
        len: u64,
        expected: &FileEntry,
    ) -> Result<(), BundleError> {
        if let Err(problem) = self.layout.entry(start, len) {
            self.frame_problem(problem)?;
        }
        let frame = self.layout.frame_holding(start);
        if frame != expected.frame as usize {
            self.frame_problem(ArchiveError::WrongFrame {
                path: expected.path.as_str().to_string(),
                frame,
                listed: expected.frame as usize,
            })?;
        }
        Ok(())
    }

    /// Streams the data of `expected` (its size already checked) through `sink`, skips its
    /// padding, and checks its hash.
    fn copy_data(
        &mut self,
        expected: &FileEntry,
        sink: &mut dyn FileSink,
    ) -> Result<(), BundleError> {
        if self.buffer.is_empty() {
            self.buffer = vec![0u8; DATA_CHUNK];
        }
        let mut hasher = Sha256::new();
        let mut remaining = expected.size;
        let padding = padded_len(expected.size) - expected.size;
        while remaining > 0 {
            let want = remaining.min(DATA_CHUNK as u64) as usize;
            let mut chunk = std::mem::take(&mut self.buffer);
            let filled = self.blocks.fill(&mut chunk[..want]);
            let result = filled.and_then(|whole| {
                if !whole {
                    return Err(ArchiveError::FileEndsEarly {
                        path: expected.path.as_str().to_string(),
                    }
                    .into());
                }
                hasher.update(&chunk[..want]);
                sink.write(&chunk[..want])
            });
            self.buffer = chunk;
            result?;
            remaining -= want as u64;
        }
        let mut block = [0u8; BLOCK];
        if !self.blocks.fill(&mut block[..padding as usize])? {
            return Err(ArchiveError::FileEndsEarly {
                path: expected.path.as_str().to_string(),
            }
            .into());
        }
        if Sha256Digest(hasher.finalize().into()) != expected.sha256 {
            return Err(BundleError::CorruptedFile {
                path: expected.path.as_str().to_string(),
            });
        }
        Ok(())
    }

    /// After the first zero block (at tar offset `at`): exactly one more, then the end of the
    /// stream; and the frames close where the rule closes them.
    fn end_of_archive(&mut self, at: u64) -> Result<(), BundleError> {
        let mut rest = [0u8; 4096];
        let mut after = 0u64;
        loop {
            let n = loop {
                match self.blocks.input.read(&mut rest) {
                    Ok(n) => break n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(BundleError::Read(e)),
                }
            };
            if n == 0 {
                break;
            }
            self.blocks.position += n as u64;
            if rest[..n].iter().any(|&b| b != 0) {
                return Err(ArchiveError::DataAfterEnd.into());
            }
            after += n as u64;
        }
        if after < TAR_BLOCK_LEN {
            self.blocks.ended_early = true;
        }
        if after != TAR_BLOCK_LEN {
            return Err(ArchiveError::EndBlocks.into());
        }
        let checked = self
            .layout
            .entry(at, TAR_END_LEN)
            .and_then(|()| self.layout.finish(at + TAR_END_LEN));
        if let Err(problem) = checked {
            self.frame_problem(problem)?;
        }
        Ok(())
    }
}

/// Walks the whole tar stream of `manifest` from `input`, delivering every file to `sink`:
/// what a full verification does.
pub(crate) fn walk_all<R: Read>(
    manifest: &Manifest,
    input: R,
    sink: &mut dyn FileSink,
) -> Result<(), BundleError> {
    let mut walk = TarWalk::new(manifest, input, FrameChecks::Strict);
    while let Step::File(_) = walk.next(sink)? {}
    Ok(())
}

/// Where, in frame `frame` (whose tar bytes start at `frame_start` and are `tar`), the entry of
/// file `first` (the first file the manifest says starts in this frame) begins, found without
/// the frames before it. The frame rule allows two places: the frame's start, or, when the
/// previous file's entry is larger than a frame (so it starts a frame of its own and fills
/// whole frames), right after that entry. Only a header naming exactly the expected path and
/// size is taken, and even then the file is kept only if its signed hash verifies.
pub(crate) fn entry_start_in_frame(
    manifest: &Manifest,
    frame: usize,
    frame_start: u64,
    tar: &[u8],
    first: usize,
) -> Option<u64> {
    let expected = manifest.files.get(first)?;
    let mut candidates = vec![0u64];
    if let Some(previous) = first.checked_sub(1).and_then(|i| manifest.files.get(i)) {
        let from = previous.frame as usize;
        let full = from < frame
            && manifest
                .frames
                .get(from..frame)
                .is_some_and(|gap| gap.iter().all(|f| f.tar_length == FRAME_TARGET_TAR_LEN));
        let previous_start =
            frame_start.checked_sub((frame - from.min(frame)) as u64 * FRAME_TARGET_TAR_LEN);
        if let (true, Some(previous_start)) = (full, previous_start) {
            // The previous entry, larger than a frame, started frame `from` and filled every
            // frame up to this one: this file's entry follows it, not at the frame's start.
            let plain = TAR_BLOCK_LEN.saturating_add(padded_len(previous.size));
            let with_pax = plain.saturating_add(pax_entry_len(previous.path.as_str()));
            candidates.clear();
            for len in [plain, with_pax] {
                let end = previous_start.saturating_add(len);
                let offset = if len > FRAME_TARGET_TAR_LEN && end > frame_start {
                    end - frame_start
                } else {
                    0
                };
                if !candidates.contains(&offset) {
                    candidates.push(offset);
                }
            }
        }
    }
    candidates.into_iter().find(|&offset| {
        usize::try_from(offset)
            .ok()
            .and_then(|offset| tar.get(offset..))
            .is_some_and(|rest| names_file(rest, expected))
    })
}

/// True when `tar` starts with the entry headers (a PAX header, if any, and a ustar header) of
/// a file with `expected`'s path and size.
fn names_file(tar: &[u8], expected: &FileEntry) -> bool {
    let mut blocks = Blocks {
        input: tar,
        position: 0,
        ended_early: false,
    };
    let mut pax = None;
    loop {
        match blocks.header() {
            Ok(Some(Header::Pax { size })) if pax.is_none() => match blocks.pax_path(size, 0) {
                Ok(path) => pax = Some(path),
                Err(_) => return false,
            },
            Ok(Some(Header::File { path, size })) => {
                return pax.unwrap_or(path) == expected.path.as_str().as_bytes()
                    && size == expected.size;
            }
            _ => return false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: u64 = FRAME_TARGET_TAR_LEN;

    /// The frames a writer cuts for entries of these lengths (the end of archive included), as
    /// pack does it.
    fn frames_for(entries: &[u64]) -> Vec<Frame> {
        let mut planner = FramePlanner::default();
        let mut lengths = Vec::new();
        let mut current = 0u64;
        for &len in entries {
            if planner.close_before_entry(len) {
                planner.closed();
                lengths.push(std::mem::take(&mut current));
            }
            let mut left = len;
            while left > 0 {
                let n = left.min(planner.room());
                current += n;
                left -= n;
                if planner.wrote(n) {
                    planner.closed();
                    lengths.push(std::mem::take(&mut current));
                }
            }
        }
        if current > 0 {
            lengths.push(current);
        }
        lengths
            .into_iter()
            .map(|tar_length| Frame {
                offset: 0,
                length: 1,
                tar_length,
                sha256: Sha256Digest([0; 32]),
            })
            .collect()
    }

    /// Replays the rule over `entries` against `frames`.
    fn replay(frames: &[Frame], entries: &[u64]) -> Result<(), ArchiveError> {
        let mut layout = FrameLayout::at(frames, 0, 0, 0);
        let mut at = 0;
        for &len in entries {
            layout.entry(at, len)?;
            at += len;
        }
        layout.finish(at)
    }

    #[test]
    fn the_rule_replayed_on_read_accepts_exactly_the_writers_cuts() {
        let cases: [&[u64]; 5] = [
            &[1024, 2048, TAR_END_LEN],
            &[T, 1024, TAR_END_LEN],
            &[T - 512, 1024, TAR_END_LEN],
            &[512, 2 * T + 1536, 1024, T - 1024, TAR_END_LEN],
            &[3 * T, TAR_END_LEN],
        ];
        for entries in cases {
            let frames = frames_for(entries);
            assert_eq!(replay(&frames, entries), Ok(()), "{entries:?}");
            // Move one cut by a block either way (keeping the total): always refused.
            for cut in 0..frames.len().saturating_sub(1) {
                for (grow, shrink) in [(cut, cut + 1), (cut + 1, cut)] {
                    let mut moved = frames.clone();
                    if moved[shrink].tar_length <= TAR_BLOCK_LEN {
                        continue;
                    }
                    moved[grow].tar_length += TAR_BLOCK_LEN;
                    moved[shrink].tar_length -= TAR_BLOCK_LEN;
                    assert!(
                        replay(&moved, entries).is_err(),
                        "{entries:?} with cut {cut} moved"
                    );
                }
            }
            // Splitting a frame in two where the rule does not cut is refused too.
            let mut split = frames.clone();
            if split[0].tar_length > TAR_BLOCK_LEN {
                split[0].tar_length -= TAR_BLOCK_LEN;
                split.insert(
                    1,
                    Frame {
                        tar_length: TAR_BLOCK_LEN,
                        ..frames[0].clone()
                    },
                );
                assert!(replay(&split, entries).is_err(), "{entries:?} split");
            }
        }
    }

    #[test]
    fn a_run_after_a_large_file_starts_right_after_it() {
        // Frame 0 holds a small file; a file of 4 MiB + 100 bytes starts frame 1 and fills it; its
        // tail and the next file are in frame 2.
        let big = T + 100;
        let big_entry = TAR_BLOCK_LEN + padded_len(big);
        let tail = big_entry - T;
        let manifest_files = [(0u32, 10u64), (1, big), (2, 10)];
        let json = serde_json::json!({
            "publisher": {"key_id": "0000000000000000", "name": "x"},
            "channel": "c", "sequence": 1, "created": "2026-11-25T00:00:00Z",
            "title": "t", "language": "en",
            "payload": {"length": 3, "sha256": "00".repeat(32), "tar_length": 0},
            "frames": [
                {"offset": 0, "length": 1, "tar_length": 1024, "sha256": "00".repeat(32)},
                {"offset": 1, "length": 1, "tar_length": T, "sha256": "00".repeat(32)},
                {"offset": 2, "length": 1, "tar_length": tail + 2048, "sha256": "00".repeat(32)},
            ],
            "files": manifest_files.iter().enumerate().map(|(i, (frame, size))| serde_json::json!({
                "path": format!("f{i}"), "size": size, "sha256": "00".repeat(32),
                "media_type": "text/plain", "frame": frame,
            })).collect::<Vec<_>>(),
            "articles": [],
        });
        let manifest: Manifest = serde_json::from_value(json).unwrap();
        let mut header = tar::Header::new_ustar();
        header.set_path("f2").unwrap();
        header.set_size(10);
        header.set_cksum();
        let mut frame2 = vec![0xAAu8; tail as usize];
        frame2.extend_from_slice(header.as_bytes());
        frame2.resize(frame2.len() + 1536, 0);
        let frame2_start = 1024 + T;
        assert_eq!(
            entry_start_in_frame(&manifest, 2, frame2_start, &frame2, 2),
            Some(tail)
        );
        // The same header at the frame's start is not where the rule puts the entry.
        let mut wrong = header.as_bytes().to_vec();
        wrong.resize(frame2.len(), 0);
        assert_eq!(
            entry_start_in_frame(&manifest, 2, frame2_start, &wrong, 2),
            None
        );
    }
}
