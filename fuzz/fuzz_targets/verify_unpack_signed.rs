//! Structure-aware verify-and-unpack: the input is the manifest and payload of a bundle that
//! the harness signs with the trusted fuzz key, so the fuzzer gets past the signature to the
//! manifest checks, the frame checks, zstd and the tar walker.
//!
//! Input format (see `fuzz/src/lib.rs` for the details):
//!
//! ```text
//! flags (1 byte) || manifest JSON || 0x00 || body
//! ```
//!
//! `flags & 0x01` (raw): `body` is the compressed payload, signed as given. Otherwise `body`
//! is the uncompressed tar, and the harness fixes tar checksums (unless flags & 0x02), frame
//! and payload lengths and hashes (unless flags & 0x08), file sizes and hashes (unless
//! flags & 0x04) and the publisher key id before signing. Seeds: `cargo run --bin make_seeds`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Some(bundle) = tamizdat_fuzz::build_bundle(data) {
        let _ = tamizdat_fuzz::verify_and_check(&bundle);
    }
});
