//! Regression tests for problems found while fuzzing (`fuzz/run.sh`). Each reproducer is kept
//! in `fuzz/regressions/<target>/`; replay one with
//! `cargo +nightly fuzz run <target> fuzz/regressions/<target>/<file>` from the repository root.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use tamizdat::format::Manifest;
use tamizdat::format::header::{MAX_MANIFEST_LEN, SignedHeader};

/// Counts the heap this thread holds, so a test can measure what one call allocates at most.
struct CountingAllocator;

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

thread_local! {
    static LIVE: Cell<usize> = const { Cell::new(0) };
    static PEAK: Cell<usize> = const { Cell::new(0) };
}

fn grew(bytes: usize) {
    let _ = LIVE.try_with(|live| {
        live.set(live.get().saturating_add(bytes));
        let _ = PEAK.try_with(|peak| peak.set(peak.get().max(live.get())));
    });
}

fn shrank(bytes: usize) {
    let _ = LIVE.try_with(|live| live.set(live.get().saturating_sub(bytes)));
}

// SAFETY: every call is forwarded unchanged to the system allocator; only counters are added.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let pointer = unsafe { System.alloc(layout) };
        if !pointer.is_null() {
            grew(layout.size());
        }
        pointer
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let pointer = unsafe { System.alloc_zeroed(layout) };
        if !pointer.is_null() {
            grew(layout.size());
        }
        pointer
    }

    unsafe fn dealloc(&self, pointer: *mut u8, layout: Layout) {
        unsafe { System.dealloc(pointer, layout) };
        shrank(layout.size());
    }

    unsafe fn realloc(&self, pointer: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let moved = unsafe { System.realloc(pointer, layout, new_size) };
        if !moved.is_null() {
            grew(new_size);
            shrank(layout.size());
        }
        moved
    }
}

/// Runs `f` and returns the most heap this thread held during it, above what it held before.
fn peak_heap_during<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let before = LIVE.with(Cell::get);
    PEAK.with(|peak| peak.set(before));
    let result = f();
    let peak = PEAK.with(Cell::get);
    (result, peak.saturating_sub(before))
}

/// Found by fuzzing `header` (reproducer: fuzz/regressions/header/oom-unverified-manifest-authors.bin,
/// libFuzzer: "out-of-memory (used: 311Mb; limit: 256Mb)").
///
/// A 1,553-byte, unsigned header whose manifest is one zstd frame of 16 MiB of JSON,
/// `{"articles":[{"authors":["a","a",…]}]}`. `Manifest::from_json` turns each 4-byte `"a",`
/// into a 24-byte `String` plus a heap allocation of its own, about 14 bytes of heap per byte
/// of JSON: roughly 235 MB before serde notices the missing members. `tamizdat info` does
/// exactly this on *unverified* headers (measured: 250 MB peak RSS for this file), so any
/// file anybody hands a reader costs a quarter of a gigabyte to look at.
///
/// Expected: parsing a manifest (at most MAX_MANIFEST_LEN = 16 MiB of JSON) holds at most
/// 8 × MAX_MANIFEST_LEN of heap, the 16 MiB JSON buffer included.
#[test]
fn unverified_manifest_cannot_make_the_parser_allocate_fourteen_times_its_size() {
    let bytes = include_bytes!("../fuzz/regressions/header/oom-unverified-manifest-authors.bin");
    let header = SignedHeader::parse(bytes).expect("the header itself is well formed");
    let (parsed, peak) = peak_heap_during(|| {
        let json = header.manifest_json().expect("the manifest decompresses");
        assert_eq!(json.len(), MAX_MANIFEST_LEN);
        Manifest::from_json(&json).is_ok()
    });
    assert!(!parsed, "the manifest lacks required members");
    let limit = 8 * MAX_MANIFEST_LEN;
    assert!(
        peak <= limit,
        "parsing a {MAX_MANIFEST_LEN}-byte manifest held {peak} bytes of heap at its peak, more than {limit}"
    );
}
