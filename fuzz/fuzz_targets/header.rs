//! `SignedHeader::parse` on arbitrary bytes, then (unverified, as `tamizdat info` does) the
//! manifest's decompression, JSON parsing and validation; plus the header's byte round trip.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tamizdat::format::Manifest;
use tamizdat::format::header::SignedHeader;

fuzz_target!(|data: &[u8]| {
    let Ok(header) = SignedHeader::parse(data) else {
        return;
    };
    let bytes = header.to_bytes();
    // The header is exactly the prefix it was parsed from, and parses back to itself.
    assert_eq!(bytes.len() as u64, header.preamble.header_len());
    assert_eq!(&bytes[..], &data[..bytes.len()]);
    let again = SignedHeader::parse(&bytes).expect("a header's own bytes parse");
    assert_eq!(again.to_bytes(), bytes);
    assert_eq!(again.preamble, header.preamble);
    assert_eq!(again.signature, header.signature);
    assert_eq!(again.signed_message(), header.signed_message());

    let Ok(json) = header.manifest_json() else {
        return;
    };
    assert_eq!(json.len(), header.preamble.manifest_json_len);
    if let Ok(manifest) = Manifest::from_json(&json) {
        let _ = manifest.validate(&header.preamble.key_id.to_hex());
    }
});
