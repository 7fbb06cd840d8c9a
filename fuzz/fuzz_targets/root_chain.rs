//! Root chains, certificates and revocations (issue 12) against known chains built once from
//! fixed editor keys: a 1-editor root, a 2-of-3 root, and the 1-editor root rotated to the
//! 2-of-3 editors. Nothing may panic; a failed `catch_up` leaves the chain as it was.
//!
//! Input: `mode || rest`. Even mode: `rest` is a credentials block; every root is tried as an
//! anchor and as a carried chain for each known chain, every other statement as a certificate
//! and as a revocation. Odd mode: `rest = selector || signers || JSON body`, signed by the
//! known editors as a root, certificate or revocation and checked against one known chain, so
//! the body readers run behind valid signatures. Details: `fuzz/src/authority.rs`. Seeds:
//! `cargo run --bin make_authority_seeds` (in `fuzz/seeds/root_chain/`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    tamizdat_fuzz::authority::check_root_chain_input(data);
});
