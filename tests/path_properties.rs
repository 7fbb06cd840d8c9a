//! Property: the reader's path rules accept exactly the names the publisher packs. Random
//! editions of messy names (reserved words, case and normalisation twins, control and Windows
//! characters, long and deep paths) are created on disk and packed; whatever pack accepts
//! unpacks under the same names, and pack refuses a name exactly when the reader's rule
//! (`EditionPath`, plus the collision check) would.

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

use proptest::prelude::*;
use tamizdat::format::path::{EditionPath, find_collisions};
use tamizdat::fs::NoProgress;
use tamizdat::keys::SecretKey;
use tamizdat::keys::TrustedKeys;
use tamizdat::publish::pack::{PackOptions, pack_edition};

fn name_part() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z0-9_-]{1,12}",
        "[a-zA-Zа-яА-Я é\u{301}.~]{1,10}",
        Just("CON".to_string()),
        Just("nul.txt".to_string()),
        Just("COM1 ".to_string()),
        Just("Report".to_string()),
        Just("report".to_string()),
        Just("caf\u{e9}".to_string()),
        Just("cafe\u{301}".to_string()),
        Just("trailing.".to_string()),
        "[a-z<>:\"|?*\u{1}\u{7f}]{1,6}",
        // C1 controls and direction overrides: refused alike by pack and by readers.
        "[a-z\u{85}\u{9f}\u{202e}\u{2066}\u{61c}]{1,6}",
        "[a-z]{250,260}",
        "[a-z0-9 ._-]{1,8}",
    ]
}

fn relative_name() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::collection::vec(name_part(), 1..4).prop_map(|parts| parts.join("/")),
        1 => (1usize..40).prop_map(|depth| vec!["d"; depth].join("/")),
    ]
    .prop_map(|name| format!("{name}.md"))
}

/// Creates `names` under `root` as small Markdown articles; returns those the OS let us make.
fn create(root: &Path, names: &[String]) -> BTreeSet<String> {
    let mut made = BTreeSet::new();
    for name in names {
        // `.` and `..` are not names a folder on disk can hold: the OS resolves them.
        if name.split('/').any(|part| matches!(part, "" | "." | "..")) {
            continue;
        }
        let path = root.join(name);
        let ok = path.parent().is_some_and(|p| fs::create_dir_all(p).is_ok())
            && fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&path)
                .and_then(|mut f| std::io::Write::write_all(&mut f, b"# A title\n\nSome text.\n"))
                .is_ok();
        if ok {
            made.insert(name.clone());
        }
    }
    made
}

/// Every name on disk under `root` (folders included), relative, `/`-separated.
fn names_on_disk(root: &Path) -> Vec<String> {
    walkdir::WalkDir::new(root)
        .min_depth(1)
        .into_iter()
        .map(|entry| {
            let entry = entry.unwrap();
            entry
                .path()
                .strip_prefix(root)
                .unwrap()
                .to_str()
                .unwrap()
                .to_string()
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn reader_accepts_exactly_the_names_pack_produces(
        names in prop::collection::vec(relative_name(), 1..5)
    ) {
        let work = tempfile::tempdir().unwrap();
        let edition = work.path().join("edition");
        fs::create_dir(&edition).unwrap();
        let files = create(&edition, &names);
        prop_assume!(!files.is_empty());

        // What the reader's rules say of every name on disk, folders included.
        let on_disk = names_on_disk(&edition);
        let paths: Result<Vec<EditionPath>, _> =
            on_disk.iter().map(|name| EditionPath::new(name)).collect();
        let reader_accepts = match &paths {
            Ok(paths) => find_collisions(paths.iter()).is_empty(),
            Err(_) => false,
        };

        let key = SecretKey::from_seed("Property Test", &[0x44; 32]).unwrap();
        let options = PackOptions {
            channel: "property".into(),
            sequence: 1,
            created: time::OffsetDateTime::UNIX_EPOCH,
            level: 1,
            title: Some("t".into()),
            language: Some("en".into()),
            allow_remote: false,
            force: false,
            threads: 1,
            // The property is about which names a reader accepts; hidden ones are packed too.
            include_hidden: true,
        };
        let bundle = work.path().join("out.tar.zst");
        let packed = pack_edition(&edition, &key, &options, &bundle, &NoProgress);
        prop_assert_eq!(
            packed.is_ok(),
            reader_accepts,
            "names {:?}: pack said {:?}",
            on_disk,
            packed.as_ref().err().map(ToString::to_string)
        );
        if packed.is_ok() {
            let out = work.path().join("unpacked");
            let keys = TrustedKeys::new(vec![key.public()]);
            tamizdat::read::unpack_into(tamizdat::read::Bundle::open(&bundle).unwrap().verify(&keys).unwrap(), &out, &NoProgress).unwrap();
            let unpacked: BTreeSet<String> = names_on_disk(&out)
                .into_iter()
                .filter(|name| out.join(name).is_file())
                .collect();
            prop_assert_eq!(unpacked, files);
        }
    }
}

/// A manifest listing `names` (sorted, each a 1-byte file in frame 0), as a signer would write
/// it, whatever the names are.
fn manifest_listing(names: &BTreeSet<String>) -> Vec<u8> {
    let files: Vec<serde_json::Value> = names
        .iter()
        .map(|name| {
            serde_json::json!({"path": name, "size": 1, "media_type": "text/plain", "frame": 0,
                "sha256": tamizdat::format::Sha256Digest::of(b"x").to_hex()})
        })
        .collect();
    let hash = tamizdat::format::Sha256Digest::of(b"frame").to_hex();
    serde_json::to_vec(&serde_json::json!({
        "publisher": {"key_id": "0000000000000000", "name": "x"},
        "channel": "property", "sequence": 1, "created": "2026-11-25T00:00:00Z",
        "title": "t", "language": "en",
        "payload": {"length": 5, "sha256": hash, "tar_length": 2048},
        "frames": [{"offset": 0, "length": 5, "tar_length": 2048, "sha256": hash}],
        "files": files,
        "articles": [],
    }))
    .unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn reader_refuses_exactly_the_names_pack_would_refuse(
        names in prop::collection::btree_set(relative_name(), 1..5)
    ) {
        // The publisher's rule: every name and every folder on the way is a valid path, and
        // no two of them collide.
        let mut all: BTreeSet<String> = names.clone();
        for name in &names {
            for (at, _) in name.match_indices('/') {
                all.insert(name[..at].to_string());
            }
        }
        let paths: Result<Vec<EditionPath>, _> = all.iter().map(|n| EditionPath::new(n)).collect();
        let pack_accepts = match &paths {
            Ok(paths) => find_collisions(paths.iter()).is_empty(),
            Err(_) => false,
        };
        // The reader's rule, on a signed manifest listing the names.
        let json = manifest_listing(&names);
        let reader_accepts = tamizdat::format::Manifest::from_json(&json)
            .and_then(|manifest| manifest.validate("0000000000000000"))
            .is_ok();
        prop_assert_eq!(reader_accepts, pack_accepts, "names {:?}", names);
    }
}
