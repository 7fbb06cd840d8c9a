//! The mirror's parsers on arbitrary bytes (issue 13): `SignedCatalog::parse` (whatever parses
//! is exactly the bytes it came from, and a catalog rebuilt from its parts is the same), the
//! catalog body, entry point and channel list readers (whatever they accept, writers write back
//! as the same value), and the mirror address rule (whatever it accepts, the URL standard
//! writes identically).
#![no_main]

use libfuzzer_sys::fuzz_target;
use tamizdat::format::catalog::{
    Catalog, ChannelList, EntryPoint, SignedCatalog, check_mirror_url,
};

fuzz_target!(|data: &[u8]| {
    if let Ok(catalog) = SignedCatalog::parse(data) {
        assert_eq!(catalog.to_bytes(), data, "a catalog is the bytes it was parsed from");
        let mut rebuilt = SignedCatalog::unsigned(
            catalog.key_id(),
            catalog.credentials(),
            catalog.unverified_body(),
        )
        .expect("parsed parts fit a catalog");
        rebuilt.set_signature(*catalog.signature());
        assert_eq!(rebuilt, catalog);
    }
    if let Ok(catalog) = Catalog::from_json(data) {
        let written = catalog.to_json();
        assert_eq!(Catalog::from_json(&written).as_ref(), Ok(&catalog));
        for mirror in &catalog.mirrors {
            assert!(check_mirror_url(mirror).is_ok());
        }
    }
    for channel in ["news-ru", "a"] {
        if let Ok(entry) = EntryPoint::from_json(channel, data) {
            assert_eq!(EntryPoint::from_json(channel, &entry.to_json()).as_ref(), Ok(&entry));
            assert!(entry.catalog_sequence() >= 1);
        }
    }
    if let Ok(list) = ChannelList::from_json(data) {
        assert_eq!(ChannelList::from_json(&list.to_json()).as_ref(), Ok(&list));
    }
    if let Ok(text) = std::str::from_utf8(data)
        && let Ok(url) = check_mirror_url(text)
    {
        assert_eq!(url.as_str(), text);
    }
});
