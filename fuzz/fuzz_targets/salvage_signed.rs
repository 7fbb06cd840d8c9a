//! Salvage of validly signed bundles (built as for `verify_unpack_signed`, see
//! `fuzz/src/lib.rs`): whatever the frames and tar hold, a salvage writes only files whose
//! signed hash matches, lists every other one, and calls the copy complete exactly when a
//! full verification accepts it. All in memory (`salvage_to_sink`, `verify_and_check`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Some(bundle) = tamizdat_fuzz::build_bundle(data) {
        let _ = tamizdat_fuzz::salvage_and_check(&bundle);
    }
});
