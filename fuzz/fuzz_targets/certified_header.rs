//! `SignedHeader::parse` on arbitrary bytes, for the certified (format 2) header of issue 12:
//! the header round-trips through its bytes, its credentials block is exactly the declared
//! bytes and splits (unverified, by offsets) without panicking, and the manifest decompresses,
//! parses and validates (unverified, as `tamizdat info` would show it) without panicking.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tamizdat::format::Manifest;
use tamizdat::format::header::{CERTIFIED_SIGNATURE_CONTEXT, SignedHeader};
use tamizdat::format::statement::Credentials;

fuzz_target!(|data: &[u8]| {
    let Ok(header) = SignedHeader::parse(data) else {
        return;
    };
    if !header.preamble.is_certified() {
        return;
    }
    let bytes = header.to_bytes();
    // The header is exactly the prefix it was parsed from, and parses back to itself.
    assert_eq!(bytes.len() as u64, header.preamble.header_len());
    assert_eq!(&bytes[..], &data[..bytes.len()]);
    assert!(header.signed_message().starts_with(CERTIFIED_SIGNATURE_CONTEXT));
    let again = SignedHeader::parse(&bytes).expect("a header's own bytes parse");
    assert_eq!(again.to_bytes(), bytes);
    assert_eq!(again.preamble, header.preamble);
    assert_eq!(again.signature, header.signature);
    assert_eq!(again.signed_message(), header.signed_message());
    assert_eq!(again.credentials(), header.credentials());

    let credentials = header.credentials();
    assert_eq!(credentials.len(), header.preamble.credentials_len);
    assert_eq!(header.compressed_manifest().len(), header.preamble.manifest_len);
    // Credentials sit right after the 40-byte preamble.
    assert_eq!(credentials, &data[40..40 + credentials.len()]);
    if let Ok(parsed) = Credentials::parse(credentials) {
        assert_eq!(parsed.to_bytes(), credentials);
    }

    let Ok(json) = header.manifest_json() else {
        return;
    };
    assert_eq!(json.len(), header.preamble.manifest_json_len);
    if let Ok(manifest) = Manifest::from_json(&json) {
        let _ = manifest.validate(&header.preamble.key_id.to_hex());
    }
});
