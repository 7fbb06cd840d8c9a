//! Bundles are found by what they are, not what they are called: `verify DIR` and `open DIR`
//! check every bundle in a folder (a renamed download, `.ZST`, no extension) and say what they
//! skipped and why; `verify --json` gives one object per bundle for scripts; two different
//! bundles claiming one publisher, channel and number are reported as a conflict.

mod common;

use std::fs;
use std::path::Path;

use common::*;

/// A folder of what a mirror operator or a reader finds in a downloads folder: one bundle under
/// three names, a truncated copy, a text file, a subfolder and a hidden file.
fn downloads(work: &Path, key: &Key) -> std::path::PathBuf {
    let edition = work.join("edition");
    copy_tree(&example_edition(), &edition);
    let bundle = work.join("news.tar.zst");
    let bytes = pack_ok(&edition, key, &bundle);
    let folder = work.join("downloads");
    write_file(&folder, "news.TAR.ZST", &bytes);
    write_file(&folder, "download", &bytes);
    write_file(&folder, "broken.tar.zst", &bytes[..bytes.len() / 2]);
    write_file(&folder, "notes.txt", b"not a bundle at all\n");
    write_file(&folder, "sub/inner.tar.zst", &bytes);
    write_file(&folder, ".hidden.tar.zst", b"junk");
    folder
}

#[test]
fn verify_a_folder_checks_every_bundle_by_its_content_and_names_what_it_skipped() {
    let work = tempfile::tempdir().unwrap();
    let key = make_key(work.path(), "Folder Test", 31);
    let folder = downloads(work.path(), &key);
    let out = verify(&folder, &key.public_path);
    out.expect_code(1);
    let text = &out.stdout;
    for name in ["news.TAR.ZST", "download"] {
        assert!(
            text.lines()
                .any(|line| line.starts_with("VALID") && line.contains(name)),
            "{name} was not verified: {text}"
        );
    }
    assert!(
        text.lines()
            .any(|line| line.starts_with("INVALID") && line.contains("broken.tar.zst")),
        "{text}"
    );
    assert!(text.contains("notes.txt: not a tamizdat bundle"), "{text}");
    assert!(
        text.lines()
            .any(|line| line.starts_with("SKIPPED") && line.contains("sub: a folder")),
        "{text}"
    );
    assert!(
        !text.contains(".hidden"),
        "hidden names are passed over: {text}"
    );
    assert!(
        !text.contains("inner.tar.zst"),
        "only the folder itself is read: {text}"
    );
}

#[test]
fn verify_json_gives_one_object_per_bundle_with_what_was_checked() {
    let work = tempfile::tempdir().unwrap();
    let key = make_key(work.path(), "Json Test", 32);
    let folder = downloads(work.path(), &key);
    let out = reader()
        .args(["verify", "--json", "--quick"])
        .arg(&folder)
        .arg("--public-key")
        .arg(&key.public_path)
        .run();
    out.expect_code(1);
    let objects: Vec<serde_json::Value> = out
        .stdout
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}")))
        .collect();
    let by_file = |suffix: &str| {
        objects
            .iter()
            .find(|object| object["file"].as_str().is_some_and(|f| f.ends_with(suffix)))
            .unwrap_or_else(|| panic!("no object for {suffix}: {}", out.stdout))
    };
    let valid = by_file("download");
    assert_eq!(valid["verdict"], "valid");
    assert_eq!(valid["check"], "quick");
    assert_eq!(valid["signer"]["name"], "Json Test");
    assert_eq!(valid["signer"]["fingerprint"], key.fingerprint());
    assert_eq!(valid["channel"], CHANNEL);
    assert_eq!(valid["sequence"], 1);
    assert!(valid["reason"].is_null());
    let broken = by_file("broken.tar.zst");
    assert_eq!(broken["verdict"], "invalid");
    assert!(
        broken["reason"].as_str().is_some_and(|r| !r.is_empty()),
        "{broken}"
    );
    assert_eq!(by_file("notes.txt")["verdict"], "skipped");
    assert_eq!(
        objects.len(),
        5,
        "news.TAR.ZST, download, broken, notes.txt, sub: {}",
        out.stdout
    );
}

#[test]
fn two_different_bundles_under_one_number_are_reported_as_a_conflict() {
    let work = tempfile::tempdir().unwrap();
    let key = make_key(work.path(), "Conflict Test", 33);
    let first = work.path().join("first");
    copy_tree(&example_edition(), &first);
    let second = work.path().join("second");
    copy_tree(&example_edition(), &second);
    write_file(&second, "extra.md", b"# A different edition\n");
    let folder = work.path().join("mirror");
    fs::create_dir(&folder).unwrap();
    pack_ok(&first, &key, &folder.join("a.tar.zst"));
    pack_ok(&second, &key, &folder.join("b.tar.zst"));
    // The same bundle twice is no conflict.
    fs::copy(folder.join("a.tar.zst"), folder.join("a-copy.tar.zst")).unwrap();

    let out = verify(&folder, &key.public_path);
    out.expect_code(1);
    let conflicts: Vec<&str> = out
        .stdout
        .lines()
        .filter(|line| line.starts_with("CONFLICT"))
        .collect();
    assert_eq!(conflicts.len(), 1, "{}", out.stdout);
    assert!(
        // The first copy of the first edition, in name order, and the second edition.
        conflicts[0].contains("a-copy.tar.zst and") && conflicts[0].contains("b.tar.zst"),
        "{}",
        conflicts[0]
    );
    assert!(
        conflicts[0].contains(&format!("#1 of channel {CHANNEL}")),
        "{}",
        conflicts[0]
    );
    assert_eq!(out.stdout.matches("VALID   ").count(), 3, "{}", out.stdout);

    let json = reader()
        .args(["verify", "--json"])
        .arg(&folder)
        .arg("--public-key")
        .arg(&key.public_path)
        .run();
    json.expect_code(1);
    let conflict: serde_json::Value = json
        .stdout
        .lines()
        .map(|line| serde_json::from_str::<serde_json::Value>(line).unwrap())
        .find(|object| object["verdict"] == "conflict")
        .expect("a conflict object");
    assert_eq!(conflict["sequence"], 1);
    assert_eq!(conflict["files"].as_array().map(Vec::len), Some(2));
}

#[test]
fn open_a_folder_imports_renamed_bundles_and_says_what_it_skipped() {
    let work = tempfile::tempdir().unwrap();
    let key = make_key(work.path(), "Open Folder Test", 34);
    let folder = downloads(work.path(), &key);
    let library = work.path().join("library");
    let out = reader()
        .arg("open")
        .arg(&folder)
        .arg("--library")
        .arg(&library)
        .arg("--public-key")
        .arg(&key.public_path)
        .arg("--no-browser")
        .home(&work.path().join("home"))
        .run();
    out.expect_code(1);
    let text = &out.stdout;
    assert_eq!(
        text.matches("ADDED").count() + text.matches("ALREADY").count(),
        2,
        "{text}"
    );
    assert!(
        text.lines()
            .any(|l| l.starts_with("INVALID") && l.contains("broken.tar.zst")),
        "{text}"
    );
    assert!(
        text.contains("SKIPPED") && text.contains("notes.txt: not a tamizdat bundle"),
        "{text}"
    );
}

#[test]
fn verify_of_a_folder_with_no_bundle_is_not_a_success() {
    let work = tempfile::tempdir().unwrap();
    let key = make_key(work.path(), "Empty Test", 35);
    let folder = work.path().join("empty");
    write_file(&folder, "readme.txt", b"nothing here\n");
    let out = verify(&folder, &key.public_path);
    out.expect_code(2);
    assert!(
        out.stdout.contains("readme.txt: not a tamizdat bundle"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("there is no tamizdat bundle in this folder"),
        "{}",
        out.stdout
    );
}
