//! How the tar stream is cut into independent zstd frames, and the limits that keep a reader's
//! memory flat whatever a bundle claims.
//!
//! The rule (FORMAT.md states it as the contract):
//! - Before a tar entry (its headers, data and padding; the end-of-archive blocks count as one
//!   entry) is written, the current frame is closed if it is not empty and the entry would take
//!   it past [`FRAME_TARGET_TAR_LEN`].
//! - A frame is also closed as soon as it holds exactly [`FRAME_TARGET_TAR_LEN`] bytes, which
//!   only happens inside an entry too large for one frame.
//!
//! So every frame unpacks to at most 4,194,304 bytes, and every entry that fits in a frame lies in one
//! frame: a damaged frame loses only the files that start in it (and a large file crossing it).

/// Uncompressed tar bytes per frame: 4,194,304 (2^22), which keeps the cost against one solid
/// frame small (zstd's window at levels 1-9 is at most 2^22 bytes anyway) while a reader holds only one frame
/// in memory and a damaged frame loses few files.
pub const FRAME_TARGET_TAR_LEN: u64 = 4 * 1024 * 1024;
/// A reader refuses frames that claim to unpack to more than a writer may put in one.
pub const MAX_FRAME_TAR_LEN: u64 = FRAME_TARGET_TAR_LEN;
/// zstd's worst case for 4,194,304 bytes of input is about 16,384 bytes more
/// (ZSTD_compressBound); this allows 65,536 more (4,259,840 in all), and anything larger is not
/// a frame a writer produced.
pub const MAX_FRAME_LEN: u64 = FRAME_TARGET_TAR_LEN + 64 * 1024;
/// Frames are decoded in one call into a buffer of their declared size, so zstd never needs a
/// window larger than the frame; refuse frames that ask for a window of more than 4,194,304 bytes (2^22).
pub const MAX_WINDOW_LOG: u32 = 22;
/// A tar block.
pub const TAR_BLOCK_LEN: u64 = 512;
/// Two zero blocks end a POSIX tar archive.
pub const TAR_END_LEN: u64 = 2 * TAR_BLOCK_LEN;
/// Upper bound on the PAX extended header a writer adds for a long or non-ASCII path: one
/// header block plus the records, rounded up. Paths are at most 1024 bytes.
pub const MAX_PAX_ENTRY_LEN: u64 = TAR_BLOCK_LEN + 3 * TAR_BLOCK_LEN;

/// Rounds a length up to whole tar blocks.
pub fn padded_len(len: u64) -> u64 {
    len.div_ceil(TAR_BLOCK_LEN).saturating_mul(TAR_BLOCK_LEN)
}

/// The most tar bytes the entry of a file of `size` bytes may take.
pub fn tar_entry_len_bound(size: u64) -> u64 {
    MAX_PAX_ENTRY_LEN
        .saturating_add(TAR_BLOCK_LEN)
        .saturating_add(padded_len(size))
}

/// zstd's frame magic number, little-endian (RFC 8878 section 3.1.1).
pub const ZSTD_MAGIC: [u8; 4] = [0x28, 0xB5, 0x2F, 0xFD];

/// The window a zstd frame asks for, from its header (RFC 8878 section 3.1.1.1.2), or None if
/// the bytes do not start with a zstd frame header. Single-segment frames need no more window
/// than their content size. Decoding in one call into a bounded buffer never allocates the
/// window, but FORMAT.md refuses large windows so every conforming reader behaves alike.
pub fn frame_window_size(frame: &[u8]) -> Option<u64> {
    let descriptor = *frame.get(4)?;
    if frame[..4] != ZSTD_MAGIC {
        return None;
    }
    let single_segment = descriptor & 0x20 != 0;
    if single_segment {
        let content_size = zstd::zstd_safe::get_frame_content_size(frame).ok()??;
        return Some(content_size);
    }
    let window_descriptor = *frame.get(5)?;
    let exponent = u64::from(window_descriptor >> 3);
    let mantissa = u64::from(window_descriptor & 0x07);
    let base = 1u64 << (10 + exponent);
    Some(base + base / 8 * mantissa)
}

/// Tracks the frame being filled and says where the rule cuts.
#[derive(Debug, Default, Clone)]
pub struct FramePlanner {
    filled: u64,
}

impl FramePlanner {
    /// Called before an entry of `entry_len` tar bytes: true if the current frame must be
    /// closed first.
    pub fn close_before_entry(&self, entry_len: u64) -> bool {
        self.filled > 0 && self.filled.saturating_add(entry_len) > FRAME_TARGET_TAR_LEN
    }

    /// How many more bytes fit before the frame must be closed.
    pub fn room(&self) -> u64 {
        FRAME_TARGET_TAR_LEN - self.filled
    }

    /// Records `len` bytes written; returns true when the frame is full and must be closed.
    pub fn wrote(&mut self, len: u64) -> bool {
        self.filled += len;
        self.filled >= FRAME_TARGET_TAR_LEN
    }

    /// Records that the frame was closed.
    pub fn closed(&mut self) {
        self.filled = 0;
    }

    /// Whether nothing was added since the frame was opened or closed.
    pub fn is_empty(&self) -> bool {
        self.filled == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_entries_share_a_frame_until_the_target() {
        let mut planner = FramePlanner::default();
        assert!(!planner.close_before_entry(FRAME_TARGET_TAR_LEN * 2));
        assert!(!planner.wrote(1024));
        assert!(!planner.close_before_entry(FRAME_TARGET_TAR_LEN - 1024));
        assert!(planner.close_before_entry(FRAME_TARGET_TAR_LEN - 1023));
    }

    #[test]
    fn a_full_frame_is_closed_inside_a_large_entry() {
        let mut planner = FramePlanner::default();
        assert!(!planner.wrote(FRAME_TARGET_TAR_LEN - 1));
        assert_eq!(planner.room(), 1);
        assert!(planner.wrote(1));
        planner.closed();
        assert!(planner.is_empty());
    }

    #[test]
    fn window_size_is_read_from_real_frames() {
        let data: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
        let frame = zstd::bulk::compress(&data, 19).unwrap();
        let window = frame_window_size(&frame).unwrap();
        assert!(window >= data.len() as u64 && window <= 1 << MAX_WINDOW_LOG);
        // A window descriptor asking for 2^27 bytes, in a frame that is not single-segment.
        let mut big = frame.clone();
        big[4] &= !0x20;
        big.insert(5, (27 - 10) << 3);
        assert_eq!(frame_window_size(&big), Some(1 << 27));
        assert_eq!(frame_window_size(b"not a frame"), None);
        assert_eq!(frame_window_size(&frame[..4]), None);
    }

    #[test]
    fn entry_bound_covers_header_padding_and_pax() {
        assert_eq!(padded_len(0), 0);
        assert_eq!(padded_len(1), 512);
        assert_eq!(padded_len(512), 512);
        assert_eq!(tar_entry_len_bound(1), MAX_PAX_ENTRY_LEN + 1024);
        assert_eq!(tar_entry_len_bound(u64::MAX), u64::MAX);
    }
}
