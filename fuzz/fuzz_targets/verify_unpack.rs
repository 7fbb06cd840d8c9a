//! Full verify-and-unpack of arbitrary bytes as a bundle, trusting only the fuzz key
//! (`SecretKey::from_seed("Fuzz", &[7; 32])`). Afterwards nothing but the destination may
//! exist, and it may hold only regular files and folders (see `unpack_and_check`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = tamizdat_fuzz::unpack_and_check(data);
});
