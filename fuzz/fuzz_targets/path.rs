//! `EditionPath::new` on arbitrary UTF-8: an accepted path must be made of plain names only,
//! re-validate to itself, survive a serde round trip, and agree with `check_component`.
#![no_main]

use std::path::Component;

use libfuzzer_sys::fuzz_target;
use tamizdat::format::path::{EditionPath, check_component};

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    let result = EditionPath::new(s);
    if !s.contains('/') {
        // The publisher's per-name check refuses exactly what a bundle path refuses.
        assert_eq!(
            check_component(s).is_ok(),
            result.is_ok(),
            "check_component and EditionPath::new disagree on {s:?}: {:?} vs {:?}",
            check_component(s),
            result
        );
    }
    let Ok(path) = result else {
        return;
    };
    assert_eq!(path.as_str(), s);
    let relative = path.to_relative_path();
    assert!(relative.is_relative());
    let mut count = 0;
    for component in relative.components() {
        assert!(
            matches!(component, Component::Normal(_)),
            "{s:?} gives the component {component:?}"
        );
        count += 1;
    }
    assert_eq!(count, path.components().count(), "{s:?} lost components");
    for component in path.components() {
        assert!(check_component(component).is_ok(), "{component:?} of {s:?}");
    }
    let again = EditionPath::new(path.as_str()).expect("an accepted path re-validates");
    assert_eq!(again, path);
    let json = serde_json::to_string(&path).expect("serialise");
    let back: EditionPath = serde_json::from_str(&json).expect("deserialise");
    assert_eq!(back, path);
    let _ = path.collision_key();
    let _ = path.parent();
});
