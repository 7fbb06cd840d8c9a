//! Full verification of arbitrary bytes as a bundle, trusting only the fuzz key
//! (`SecretKey::from_seed("Fuzz", &[7; 32])`), streamed in memory through a sink that checks
//! every delivered file against its signed hash (see `verify_and_check`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = tamizdat_fuzz::verify_and_check(data);
});
