//! Round trips through the real binaries: what a publisher packs is exactly what a reader
//! unpacks, packs are reproducible, and stock `zstd`/`tar` read the bundles too.

mod common;

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};

use common::*;

/// Packs `edition`, verifies it, unpacks it into a new folder and checks that the unpacked
/// tree is the edition's tree, byte for byte, with nothing extra.
fn assert_round_trip(edition: &Path, work: &Path, key: &Key) {
    let bundle = work.join("edition.tar.zst");
    let expected = snapshot(edition);
    pack(edition, key, &bundle, &[]).expect_code(0);
    assert_no_leftovers(work, "after pack");

    let verified = verify(&bundle, &key.public_path);
    verified.expect_code(0);
    let line = verified.line_starting("VALID");
    let files = file_paths(&expected).len();
    assert!(
        line.contains(&format!("{files} files")),
        "verify should report the {files} files: {line}"
    );

    let out = work.join("unpacked");
    unpack(&bundle, &out, &key.public_path)
        .expect_code(0)
        .expect_text(&format!("unpacked {files} files"));
    assert_same_tree(&expected, &snapshot(&out), "unpacked vs edition");
    assert_no_leftovers(work, "after unpack");
}

#[test]
fn example_edition_round_trips_byte_identically() {
    let work = tempfile::tempdir().unwrap();
    let key = demo_key(work.path());
    assert_round_trip(&example_edition(), work.path(), &key);
}

#[test]
fn generated_edition_of_3000_multilingual_nested_files_round_trips_byte_identically() {
    let work = tempfile::tempdir().unwrap();
    let edition = work.path().join("edition");
    large_edition(&edition, 3000);
    let tree = snapshot(&edition);
    let files = file_paths(&tree);
    assert!(files.len() >= 3000, "only {} files generated", files.len());
    assert!(files.iter().any(|p| p.split('/').count() >= 7), "depth 6");
    for script in ['a', 'я', 'ا'] {
        assert!(files.iter().any(|p| p.contains(script)), "{script} names");
    }
    assert!(
        tree.values().any(|b| b.len() > 4 * 1024 * 1024),
        "a file > 4 MiB"
    );
    assert!(tree.iter().any(|(p, b)| b.is_empty() && !p.ends_with('/')));

    let key = make_key(work.path(), "Генератор خبر", 11);
    assert_round_trip(&edition, work.path(), &key);

    let info = info_json(&work.path().join("edition.tar.zst"), &key.public_path);
    assert!(
        frames_of(&info).len() >= 5,
        "an edition of ~18 MB must span several frames: {}",
        info["manifest"]["frames"]
    );
}

#[test]
fn packs_are_reproducible_from_time_and_source_date_epoch() {
    let work = tempfile::tempdir().unwrap();
    let edition = work.path().join("edition");
    multi_frame_edition(&edition);
    let key = make_key(work.path(), "Reproducible News", 21);

    let first = pack_ok(&edition, &key, &work.path().join("1.tzst"));
    let second = pack_ok(&edition, &key, &work.path().join("2.tzst"));
    assert!(first == second, "two packs with the same --time differ");

    let from_epoch = pack_cmd(&edition, &key, &work.path().join("3.tzst"))
        .env("SOURCE_DATE_EPOCH", TIME)
        .run();
    from_epoch.expect_code(0);
    assert!(
        fs::read(work.path().join("3.tzst")).unwrap() == first,
        "SOURCE_DATE_EPOCH={TIME} gives other bytes than --time {TIME}"
    );

    let rfc3339 = pack_cmd(&edition, &key, &work.path().join("4.tzst"))
        .args(["--time", TIME_RFC3339])
        .run();
    rfc3339.expect_code(0);
    assert!(
        fs::read(work.path().join("4.tzst")).unwrap() == first,
        "--time {TIME_RFC3339} gives other bytes than --time {TIME}"
    );

    pack(
        &edition,
        &key,
        &work.path().join("5.tzst"),
        &["--threads", "1"],
    )
    .expect_code(0);
    assert!(
        fs::read(work.path().join("5.tzst")).unwrap() == first,
        "--threads 1 changes the output"
    );

    // The same files elsewhere, with other modification times, give the same bytes.
    let moved = work.path().join("elsewhere/renamed-edition");
    copy_tree(&edition, &moved);
    let touch = Command::new("touch")
        .args(["-d", "2001-02-03T04:05:06"])
        .arg(moved.join("index.md"))
        .arg(moved.join("data/2-text.txt"))
        .status()
        .expect("run touch");
    assert!(touch.success());
    assert!(
        pack_ok(&moved, &key, &work.path().join("6.tzst")) == first,
        "the edition's location or file times change the output"
    );

    let later = pack_cmd(&edition, &key, &work.path().join("7.tzst"))
        .args(["--time", "1700000001"])
        .run();
    later.expect_code(0);
    assert!(
        fs::read(work.path().join("7.tzst")).unwrap() != first,
        "a different --time must give different bytes"
    );
    // SOURCE_DATE_EPOCH is only a default: an explicit --time wins.
    let both = pack_cmd(&edition, &key, &work.path().join("8.tzst"))
        .env("SOURCE_DATE_EPOCH", "1700000001")
        .args(["--time", TIME])
        .run();
    both.expect_code(0);
    assert!(
        fs::read(work.path().join("8.tzst")).unwrap() == first,
        "--time must override SOURCE_DATE_EPOCH"
    );
}

fn zstd_installed() -> bool {
    Command::new("zstd")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn gnu_tar() -> bool {
    Command::new("tar")
        .arg("--version")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("GNU tar"))
}

/// The example edition plus a path too long for ustar (PAX) and a file that spans frames.
fn stock_tools_edition(root: &Path) {
    copy_tree(&example_edition(), root);
    let mut rng = Rng::new(99);
    write_file(
        root,
        "архив/очень-длинное-имя-папки/پوشه-فارسی-با-نام-طولانی/заметка-с-длинным-именем-файла.txt",
        &rng.text(5000),
    );
    write_file(root, "media/frames.bin", &rng.text(5 * 1024 * 1024));
}

#[test]
fn stock_zstd_and_tar_list_and_extract_exactly_the_edition() {
    if !zstd_installed() {
        eprintln!("NOTE: skipping the stock-tools test: `zstd` is not installed");
        return;
    }
    let work = tempfile::tempdir().unwrap();
    let edition = work.path().join("edition");
    stock_tools_edition(&edition);
    let expected = snapshot(&edition);
    let key = make_key(work.path(), "Stock Tools", 31);
    let bundle = work.path().join("edition.tar.zst");
    pack(&edition, &key, &bundle, &[]).expect_code(0);
    assert!(frames_of(&info_json(&bundle, &key.public_path)).len() >= 2);

    // zstd -dc BUNDLE | tar -tf -
    let mut zstd = Command::new("zstd")
        .arg("-dc")
        .arg(&bundle)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run zstd");
    let mut tar = Command::new("tar");
    if gnu_tar() {
        // Show non-ASCII names as they are, not as octal escapes.
        tar.arg("--quoting-style=literal");
    }
    let listing = tar
        .args(["-tf", "-"])
        .stdin(zstd.stdout.take().expect("zstd stdout"))
        .output()
        .expect("run tar");
    let zstd_status = zstd.wait().expect("wait for zstd");
    assert!(zstd_status.success(), "zstd -dc failed: {zstd_status}");
    assert!(
        listing.status.success(),
        "tar -tf failed: {}",
        String::from_utf8_lossy(&listing.stderr)
    );
    let listed: BTreeSet<String> = String::from_utf8(listing.stdout)
        .expect("UTF-8 listing")
        .lines()
        .map(str::to_string)
        .collect();
    assert_eq!(listed, file_paths(&expected), "tar -tf lists other paths");

    // tar --zstd -xf BUNDLE
    let extracted = work.path().join("extracted");
    fs::create_dir(&extracted).unwrap();
    let status = Command::new("tar")
        .arg("--zstd")
        .arg("-xf")
        .arg(&bundle)
        .arg("-C")
        .arg(&extracted)
        .status()
        .expect("run tar --zstd");
    assert!(status.success(), "tar --zstd -xf failed: {status}");
    assert_same_tree(
        &expected,
        &snapshot(&extracted),
        "tar --zstd -xf vs edition",
    );
}

#[test]
fn unpack_into_an_existing_empty_folder_works_and_into_a_non_empty_one_changes_nothing() {
    let work = tempfile::tempdir().unwrap();
    let key = demo_key(work.path());
    let bundle = work.path().join("b.tzst");
    pack_ok(&example_edition(), &key, &bundle);
    let expected = snapshot(&example_edition());

    let empty = work.path().join("empty");
    fs::create_dir(&empty).unwrap();
    unpack(&bundle, &empty, &key.public_path).expect_code(0);
    assert_same_tree(
        &expected,
        &snapshot(&empty),
        "unpacked into an empty folder",
    );

    let full = work.path().join("full");
    write_file(&full, "mine.txt", b"the reader's own file");
    write_file(&full, "index.md", b"not the edition's front page");
    let before = snapshot(&full);
    unpack(&bundle, &full, &key.public_path)
        .expect_code(2)
        .expect_text("not empty")
        .expect_no_text("VALID");
    assert_same_tree(&before, &snapshot(&full), "the non-empty folder");
    assert_no_leftovers(work.path(), "after the refused unpack");

    // A destination that is a file is refused the same way.
    let file = work.path().join("a-file");
    fs::write(&file, b"x").unwrap();
    unpack(&bundle, &file, &key.public_path).expect_code(2);
    assert_eq!(fs::read(&file).unwrap(), b"x");
    assert_no_leftovers(work.path(), "after the refused unpack into a file");
}

#[test]
fn unpacked_files_are_never_executable_setuid_or_setgid() {
    let work = tempfile::tempdir().unwrap();
    let edition = work.path().join("edition");
    copy_tree(&example_edition(), &edition);
    write_file(&edition, "bin/run.sh", b"#!/bin/sh\necho hi\n");
    write_file(&edition, "bin/setuid", b"\x7fELF not really");
    write_file(&edition, "bin/setgid", b"\x7fELF not really either");
    write_file(&edition, "bin/sticky", b"sticky");
    chmod(&edition.join("bin/run.sh"), 0o755);
    chmod(&edition.join("bin/setuid"), 0o4755);
    chmod(&edition.join("bin/setgid"), 0o2755);
    chmod(&edition.join("bin/sticky"), 0o1777);
    chmod(&edition.join("index.md"), 0o777);

    let key = demo_key(work.path());
    let bundle = work.path().join("b.tzst");
    pack_ok(&edition, &key, &bundle);
    let out = work.path().join("out");
    unpack(&bundle, &out, &key.public_path).expect_code(0);

    let tree = snapshot(&out);
    assert!(tree.contains_key("bin/setuid"));
    for path in tree.keys() {
        let full = out.join(path.trim_end_matches('/'));
        let mode = mode(&full);
        if path.ends_with('/') {
            assert_eq!(mode & 0o6000, 0, "{path} has setuid/setgid: {mode:o}");
        } else {
            assert_eq!(
                mode & 0o7111,
                0,
                "{path} is executable or setuid/setgid/sticky: {mode:o}"
            );
            assert_ne!(
                mode & 0o400,
                0,
                "{path} is not readable by its owner: {mode:o}"
            );
        }
    }
}

#[test]
fn unpack_to_dot_inside_an_empty_current_folder_works() {
    let work = tempfile::tempdir().unwrap();
    let key = demo_key(work.path());
    let bundle = work.path().join("b.tzst");
    pack_ok(&example_edition(), &key, &bundle);
    let here = work.path().join("reader");
    fs::create_dir(&here).unwrap();
    reader()
        .args(["unpack"])
        .arg(&bundle)
        .args(["--to", "."])
        .arg("--public-key")
        .arg(&key.public_path)
        .current_dir(&here)
        .run()
        .expect_code(0);
    assert_same_tree(
        &snapshot(&example_edition()),
        &snapshot(&here),
        "unpacked into `.`",
    );
}

#[test]
fn unpack_to_an_empty_folder_spelled_with_a_trailing_dot_works() {
    let work = tempfile::tempdir().unwrap();
    let key = demo_key(work.path());
    let bundle = work.path().join("b.tzst");
    pack_ok(&example_edition(), &key, &bundle);
    let folder = work.path().join("reader");
    fs::create_dir(&folder).unwrap();
    unpack(&bundle, &folder.join("."), &key.public_path).expect_code(0);
    assert_same_tree(
        &snapshot(&example_edition()),
        &snapshot(&folder),
        "unpacked into `reader/.`",
    );
    assert_no_leftovers(work.path(), "after unpack");
}

#[test]
fn unpack_into_an_existing_private_empty_folder_keeps_it_private() {
    let work = tempfile::tempdir().unwrap();
    let key = demo_key(work.path());
    let bundle = work.path().join("b.tzst");
    pack_ok(&example_edition(), &key, &bundle);
    // A reader on a shared computer keeps banned news in a folder only they can open.
    let private = work.path().join("private");
    fs::create_dir(&private).unwrap();
    chmod(&private, 0o700);
    unpack(&bundle, &private, &key.public_path).expect_code(0);
    assert_same_tree(
        &snapshot(&example_edition()),
        &snapshot(&private),
        "unpacked into the private folder",
    );
    assert_eq!(
        mode(&private),
        0o700,
        "unpack replaced the reader's 0700 folder with one of mode {:o}",
        mode(&private)
    );
}

#[test]
fn unpack_into_a_folder_whose_parent_is_missing_fails_with_exit_2_and_creates_nothing() {
    let work = tempfile::tempdir().unwrap();
    let key = demo_key(work.path());
    let bundle = work.path().join("b.tzst");
    pack_ok(&example_edition(), &key, &bundle);
    let missing_parent = work.path().join("no-such-folder");
    unpack(&bundle, &missing_parent.join("edition"), &key.public_path)
        .expect_code(2)
        .expect_no_line_starting("VALID");
    assert_absent(&missing_parent, "the missing parent");
    assert_no_leftovers(work.path(), "after the refused unpack");
}

#[test]
fn demo_packs_verifies_and_unpacks_the_sample_edition_showing_each_step() {
    let work = tempfile::tempdir().unwrap();
    let workspace = work.path().join("demo");
    let home = work.path().join("home");
    fs::create_dir(&home).unwrap();
    let out = reader()
        .arg("demo")
        .arg("--workspace")
        .arg(&workspace)
        .arg("--no-browser")
        .home(&home)
        .run();
    out.expect_code(0)
        .expect_text("1. Publisher: packing")
        .expect_text("INSECURE")
        .expect_text("2. Reader: verifying")
        .expect_text("VALID")
        .expect_text("3. Reader: unpacking")
        .expect_text("[fa]")
        .expect_text("[ru]")
        .expect_text("4. Reader: importing it into a library of its own")
        .expect_text("Try next:")
        .expect_text("tamizdat serve --library");
    // It ends in the library: a front page listing the edition, whose pages say verified
    // (the demo key is trusted in that library alone).
    let front = workspace.join("library/index.html");
    out.expect_text(&front.display().to_string());
    let front_text = fs::read_to_string(&front).unwrap();
    assert!(front_text.contains("The Riverside Courier"), "{front_text}");
    let persian = walkdir::WalkDir::new(workspace.join("library/read"))
        .into_iter()
        .filter_map(Result::ok)
        .find(|entry| entry.path().ends_with("fa/nanvayi.html.html"))
        .expect("the Persian article's page");
    let page = fs::read_to_string(persian.path()).unwrap();
    assert!(page.contains("✓ Verified"), "{page}");
    // What it unpacked is the sample edition, byte for byte, and nothing else.
    assert_eq!(
        snapshot(&workspace.join("edition")),
        snapshot(&example_edition())
    );
    // The demo key is used through a private copy; it never becomes trusted.
    assert!(!home.join("trusted-keys").exists());
    reader()
        .arg("verify")
        .arg(workspace.join("demo-edition.tar.zst"))
        .home(&home)
        .run()
        .expect_code(1)
        .expect_text("not signed by a key you trust");
}

#[test]
fn nothing_but_the_summary_is_printed_when_stderr_is_not_a_terminal() {
    let work = tempfile::tempdir().unwrap();
    let key = demo_key(work.path());
    let bundle = work.path().join("b.tzst");
    let packed = pack(&example_edition(), &key, &bundle, &[]);
    packed.expect_code(0);
    assert_eq!(packed.stderr, "", "no progress bar off a terminal");
    let out = work.path().join("out");
    let unpacked = unpack(&bundle, &out, &key.public_path);
    unpacked.expect_code(0);
    assert_eq!(unpacked.stderr, "", "no progress bar off a terminal");
}

#[test]
fn articles_metadata_and_images_are_signed_in_the_manifest() {
    let work = tempfile::tempdir().unwrap();
    let key = demo_key(work.path());
    let bundle = work.path().join("b.tzst");
    pack(&example_edition(), &key, &bundle, &[]).expect_code(0);
    let info = info_json(&bundle, &key.public_path);
    assert_eq!(info["header_signature"], "valid");
    let manifest = &info["manifest"];
    // The edition takes its title and language from index.md.
    assert_eq!(manifest["title"], "The Riverside Courier — Demo Edition");
    assert_eq!(manifest["language"], "en");
    let article = |path: &str| {
        manifest["articles"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["main_file"] == path)
            .unwrap_or_else(|| panic!("no article {path} in {manifest}"))
            .clone()
    };
    // Markdown: front matter.
    let russian = article("ru/библиотека.md");
    assert_eq!(
        russian["title"],
        "Библиотека на Садовой открыта, несмотря ни на что"
    );
    assert_eq!(russian["date"], "2026-11-20");
    assert_eq!(russian["language"], "ru");
    assert_eq!(
        russian["authors"],
        serde_json::json!(["Вера Самойлова", "Олег Тихонравов"])
    );
    assert!(russian["summary"].as_str().unwrap().starts_with("Когда"));
    assert_eq!(
        russian["images"],
        serde_json::json!(["ru/images/library.png"])
    );
    // HTML: <title>, <html lang>, <meta name=author|date>, and its image.
    let persian = article("fa/nanvayi.html");
    assert_eq!(
        persian["title"],
        "تعاونی نانوایان نیلوفرآباد تنور را در زمستان روشن نگه می‌دارد"
    );
    assert_eq!(persian["language"], "fa");
    assert_eq!(persian["date"], "2026-11-20");
    assert!(!persian["authors"].as_array().unwrap().is_empty());
    assert_eq!(
        persian["images"],
        serde_json::json!(["fa/images/bread.svg"])
    );
    // Images are files, not articles; every file has its media type.
    let files = manifest["files"].as_array().unwrap();
    let media = |path: &str| {
        files
            .iter()
            .find(|f| f["path"] == path)
            .map(|f| f["media_type"].as_str().unwrap().to_string())
    };
    assert_eq!(media("ru/images/library.png").as_deref(), Some("image/png"));
    assert_eq!(
        media("fa/images/bread.svg").as_deref(),
        Some("image/svg+xml")
    );
    assert_eq!(
        media("fa/nanvayi.html").as_deref(),
        Some("text/html; charset=utf-8")
    );
    assert_eq!(manifest["articles"].as_array().unwrap().len(), 4);
}
