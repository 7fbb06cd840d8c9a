//! The library in a real browser: headless Chromium (Debian's `chromium`), driven by
//! `tests/browser/check.mjs` through playwright-core, over the library opened from disk and
//! served by `tamizdat serve`. See that script for the checks; screenshots land in
//! `target/browser-artifacts/`.
//!
//! Needs `/usr/bin/chromium`, Node.js and `npm ci` in `tests/browser`; `scripts/test.sh` (the
//! README's test command) installs them. Without them the tests fail, saying how to get them.

mod common;

use std::fs;
use std::path::Path;
use std::process::Command;

use common::library::*;
use common::*;

fn prerequisites_missing(browser_folder: &Path) -> Option<String> {
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    if !Path::new(&chromium).exists() {
        return Some(format!("{chromium} is missing (apt-get install chromium)"));
    }
    if !browser_folder.join("node_modules/playwright-core").is_dir() {
        return Some("tests/browser/node_modules is missing (cd tests/browser && npm ci)".into());
    }
    if Command::new("node").arg("--version").output().is_err() {
        return Some("node is missing".into());
    }
    None
}

/// `tests/browser`, once every prerequisite is there. A missing one fails the test with the line
/// that installs it: a browser test that did not run must never count as passed.
fn browser_folder() -> std::path::PathBuf {
    let browser_folder = repo().join("tests/browser");
    if let Some(missing) = prerequisites_missing(&browser_folder) {
        panic!(
            "the browser test cannot run: {missing}. `scripts/test.sh` (the README's test \
             command) installs everything the tests need."
        );
    }
    browser_folder
}

#[test]
fn every_page_renders_in_chromium_and_nothing_reaches_the_network() {
    let browser_folder = browser_folder();
    let work = tempfile::tempdir().unwrap();
    let key = demo_key(work.path());
    let edition = work.path().join("edition");
    demo_with_hostile_article(&edition);
    let bundle = work.path().join("demo.tar.zst");
    pack_demo(&edition, &key, &bundle);
    let home = work.path().join("home");
    let library = work.path().join("library");
    import_into(&library, &bundle, &key, &home);
    // A damaged copy added with --salvage: every page of it must say it is incomplete.
    let incomplete = salvage_a_damaged_copy(work.path(), &library, &home);
    // Then a stick with a bundle by a publisher not trusted yet, its key file beside it: the
    // front page must say who claims to have signed it and the fingerprint to compare.
    let stick = work.path().join("stick");
    let stranger = make_key(work.path(), "Stranger Gazette", 58);
    fs::create_dir(&stick).unwrap();
    pack(
        &example_edition(),
        &stranger,
        &stick.join("gazette.tar.zst"),
        &[],
    )
    .expect_code(0);
    fs::copy(&stranger.public_path, stick.join("gazette.pub")).unwrap();
    reader()
        .arg("open")
        .arg(&stick)
        .arg("--library")
        .arg(&library)
        .arg("--no-browser")
        .home(&home)
        .run()
        .expect_code(1);
    let served = serve(&library, &home);
    let artifacts = repo().join("target/browser-artifacts");
    let output = Command::new("node")
        .arg(browser_folder.join("check.mjs"))
        .arg(&library)
        .arg(format!("http://{}/", served.address))
        .arg(&artifacts)
        .arg(&incomplete)
        .current_dir(&browser_folder)
        .output()
        .expect("run node");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let failed: Vec<&str> = stdout.lines().filter(|l| l.starts_with("FAIL")).collect();
    assert!(
        output.status.success() && failed.is_empty(),
        "browser checks failed:\n{}\n--- full output:\n{stdout}\n{stderr}",
        failed.join("\n")
    );
    assert!(stdout.contains("no request outside"), "{stdout}");
    for shown in [
        "shows its edition as incomplete",
        "names its lost picture and draws none",
        "the front page marks the incomplete edition",
    ] {
        assert!(stdout.contains(&format!(": {shown}")), "{shown}: {stdout}");
    }
    assert!(
        stdout.contains(&format!(
            "front page shows the untrusted signer and fingerprint {}",
            stranger.fingerprint()
        )),
        "{stdout}"
    );
    for shot in ["front-page", "english-article", "persian-article"] {
        for width in [360, 1280] {
            let path = artifacts.join(format!("{shot}-{width}.png"));
            assert!(path.is_file(), "no screenshot {}", path.display());
        }
    }
    eprintln!("{}", stdout.lines().last().unwrap_or(""));
}

/// Packs six stories with a picture of 1.5 MB each (several frames), damages a frame that
/// holds a picture whose story lies in another frame, and adds the copy to `library` with
/// `open --salvage`. Returns the edition's id.
fn salvage_a_damaged_copy(work: &Path, library: &Path, home: &Path) -> String {
    let edition = work.join("pictures");
    let mut rng = Rng::new(0xB0_5A1E);
    write_file(
        &edition,
        "index.md",
        b"---\ntitle: Pictures, damaged on the way\nlang: en\n---\n\n# Six stories\n",
    );
    for index in 0..6 {
        write_file(
            &edition,
            &format!("stories/{index}.md"),
            format!("---\ntitle: Story {index}\nlang: en\n---\n\n# Story {index}\n\n![Picture {index}]({index}.png)\n\nText of story {index}.\n").as_bytes(),
        );
        // A real picture (browsers ignore what follows its end), made incompressible.
        let mut picture = fs::read(example_edition().join("ru/images/library.png")).unwrap();
        picture.extend_from_slice(&rng.bytes(1_500_000));
        write_file(&edition, &format!("stories/{index}.png"), &picture);
    }
    let key = make_key(work, "Damaged Daily", 59);
    let bundle = work.join("pictures.tar.zst");
    let mut bytes = pack_ok(&edition, &key, &bundle);
    let info = info_json(&bundle, &key.public_path);
    let frames = frames_of(&info);
    let files = files_with_frames(&info);
    let frame_of = |path: &str| {
        files
            .iter()
            .find(|(file, _)| file == path)
            .map(|(_, frame)| *frame)
            .unwrap()
    };
    let damaged = (0..6)
        .map(|index| frame_of(&format!("stories/{index}.png")))
        .zip((0..6).map(|index| frame_of(&format!("stories/{index}.md"))))
        .find(|(picture, story)| picture != story && *picture > 0)
        .map(|(picture, _)| picture)
        .expect("a picture in another frame than its story");
    let frame = frames[damaged];
    let at = (header_len(&bytes) + frame.offset + frame.length / 2) as usize;
    bytes[at] ^= 0x40;
    fs::write(&bundle, &bytes).unwrap();
    reader()
        .args(["open", "--salvage", "--no-browser", "--library"])
        .arg(library)
        .arg("--public-key")
        .arg(&key.public_path)
        .arg(&bundle)
        .home(home)
        .run()
        .expect_code(1)
        .line_starting("INCOMPLETE");
    format!(
        "{}-{}-{}",
        key.key_id(),
        info["manifest"]["channel"].as_str().unwrap(),
        info["manifest"]["sequence"]
    )
}

/// 20 distinct pictures of about 60 kB each, so that a page of them takes several connections.
fn gallery_edition(root: &Path) {
    let mut article =
        String::from("---\ntitle: Twenty pictures\nlang: en\n---\n\n# Twenty pictures\n\n");
    for index in 0..20 {
        let padding = format!("<!-- {} -->", "picture ".repeat(7_500));
        write_file(
            root,
            &format!("images/picture-{index:02}.svg"),
            format!(
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"160\" height=\"90\" viewBox=\"0 0 160 90\">{padding}<rect width=\"160\" height=\"90\" fill=\"#{:02x}6080\"/></svg>\n",
                index * 12
            )
            .as_bytes(),
        );
        article.push_str(&format!(
            "![Picture {index}](images/picture-{index:02}.svg)\n\n"
        ));
    }
    write_file(root, "gallery.md", article.as_bytes());
    write_file(root, "index.md", b"---\ntitle: Gallery edition\nlang: en\n---\n\n# Gallery\n\n[Twenty pictures](gallery.md)\n");
}

#[test]
fn a_page_of_twenty_images_loads_twenty_times_from_a_fresh_serve_and_nothing_leaves() {
    let browser_folder = browser_folder();
    let work = tempfile::tempdir().unwrap();
    let key = demo_key(work.path());
    let edition = work.path().join("edition");
    gallery_edition(&edition);
    let bundle = work.path().join("gallery.tar.zst");
    pack(&edition, &key, &bundle, &[]).expect_code(0);
    let home = work.path().join("home");
    let library = work.path().join("library");
    import_into(&library, &bundle, &key, &home);
    let page = pages_of(&library)
        .into_iter()
        .find(|page| page.ends_with("gallery.md.html"))
        .expect("the gallery's page");
    let relative = page
        .strip_prefix(&library)
        .unwrap()
        .to_string_lossy()
        .into_owned();
    let served = serve(&library, &home);
    let output = Command::new("node")
        .arg(browser_folder.join("many_images.mjs"))
        .arg(format!("http://{}/{relative}", served.address))
        .args(["20", "20"])
        .current_dir(&browser_folder)
        .output()
        .expect("run node");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success() && !stdout.contains("FAIL"),
        "browser checks failed:\n{stdout}\n{stderr}"
    );
    assert_eq!(
        stdout.matches("20 of 20 images rendered").count(),
        20,
        "{stdout}"
    );
    assert!(stdout.contains("no request outside"), "{stdout}");
    eprintln!("{}", stdout.lines().last().unwrap_or(""));
}
