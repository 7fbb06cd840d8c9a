//! `tamizdat open` and `tamizdat serve`: verified editions become pages a reader opens in any
//! browser, with no remote URL anywhere and no way for an article to run code; the local
//! server answers only GET and HEAD for its own address and plain library paths.

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use common::library::*;
use common::*;

struct Scene {
    _dir: tempfile::TempDir,
    work: PathBuf,
    home: PathBuf,
    library: PathBuf,
    key: Key,
    bundle: PathBuf,
}

fn scene() -> Scene {
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path().to_path_buf();
    let key = demo_key(&work);
    let edition = work.join("edition");
    demo_with_hostile_article(&edition);
    let bundle = work.join("demo.tar.zst");
    pack_demo(&edition, &key, &bundle);
    let home = work.join("home");
    reader()
        .args(["trust", "add"])
        .arg(&key.public_path)
        .home(&home)
        .run()
        .expect_code(0);
    Scene {
        library: work.join("library"),
        _dir: dir,
        work,
        home,
        key,
        bundle,
    }
}

impl Scene {
    fn open(&self, bundles: &[&Path]) -> Out {
        reader()
            .arg("open")
            .args(bundles)
            .arg("--library")
            .arg(&self.library)
            .arg("--no-browser")
            .home(&self.home)
            .run()
    }

    fn page(&self, suffix: &str) -> String {
        let page = pages_of(&self.library)
            .into_iter()
            .find(|p| p.to_string_lossy().ends_with(suffix))
            .unwrap_or_else(|| panic!("no page ending in {suffix}"));
        fs::read_to_string(page).unwrap()
    }
}

#[test]
fn open_imports_a_verified_bundle_and_builds_pages_that_say_who_signed_it() {
    let s = scene();
    let out = s.open(&[&s.bundle]);
    out.expect_code(0)
        .expect_text("ADDED")
        .expect_text(&s.key.fingerprint())
        .expect_text(&format!("{}", s.library.join("index.html").display()));
    let front = fs::read_to_string(s.library.join("index.html")).unwrap();
    assert!(
        front.contains(&s.key.fingerprint()),
        "publisher fingerprint on the front page"
    );
    assert!(
        front.contains("The Riverside Courier"),
        "the edition is listed"
    );
    assert!(front.contains("Latest articles"));
    // The verified files are kept, byte for byte.
    let id = fs::read_dir(s.library.join("editions"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    assert_eq!(
        fs::read(id.join("fa/nanvayi.html")).unwrap(),
        fs::read(example_edition().join("fa/nanvayi.html")).unwrap()
    );
    let persian = s.page("fa/nanvayi.html.html");
    assert!(
        persian.contains(r#"<html lang="fa" dir="rtl">"#),
        "{persian}"
    );
    assert!(persian.contains("✓ Verified"));
    assert!(persian.contains(&s.key.fingerprint()));
    assert!(persian.contains("imported into this library on"));
    assert!(
        persian.contains("editions/"),
        "its image points at the verified file"
    );
    assert_no_leftovers(&s.library, "after an import");
}

#[test]
fn importing_the_same_bundle_twice_is_a_no_op_that_says_so() {
    let s = scene();
    s.open(&[&s.bundle]).expect_code(0);
    let before = snapshot(&s.library.join("editions"));
    let records = snapshot(&s.library.join("records"));
    s.open(&[&s.bundle])
        .expect_code(0)
        .expect_text("already in your library")
        .expect_no_text("ADDED");
    assert_eq!(snapshot(&s.library.join("editions")), before);
    assert_eq!(snapshot(&s.library.join("records")), records);
}

#[test]
fn invalid_bundles_are_reported_one_sentence_each_and_change_nothing() {
    let s = scene();
    s.open(&[&s.bundle]).expect_code(0);
    let before = snapshot(&s.library);
    let mut bytes = fs::read(&s.bundle).unwrap();
    let last = bytes.len() - 100;
    bytes[last] ^= 0x01;
    let damaged = s.work.join("damaged.tar.zst");
    fs::write(&damaged, &bytes).unwrap();
    let stranger = make_key(&s.work, "Someone Else", 90);
    let untrusted = s.work.join("untrusted.tar.zst");
    pack_ok(&example_edition(), &stranger, &untrusted);
    let out = s.open(&[&damaged, &untrusted]);
    out.expect_code(1);
    let invalid: Vec<&str> = out
        .stdout
        .lines()
        .filter(|l| l.starts_with("INVALID"))
        .collect();
    assert_eq!(invalid.len(), 2, "{}", out.stdout);
    assert!(invalid[0].contains("damaged.tar.zst") && invalid[0].contains("corrupted"));
    assert!(
        invalid[1].contains("untrusted.tar.zst")
            && invalid[1].contains("not signed by a key you trust")
    );
    // Editions, records and pages are as they were; only the front page changed, to list what
    // was refused (and `last-open.json`, what it lists).
    let without_front_page = |mut tree: std::collections::BTreeMap<String, Vec<u8>>| {
        tree.remove("index.html");
        tree.remove("last-open.json");
        tree
    };
    assert_eq!(
        without_front_page(snapshot(&s.library)),
        without_front_page(before),
        "the library changed"
    );
    let front = fs::read_to_string(s.library.join("index.html")).unwrap();
    assert!(front.contains("Not added at your last open"), "{front}");
    assert!(front.contains("damaged.tar.zst") && front.contains("untrusted.tar.zst"));
}

#[test]
fn a_different_edition_under_the_same_number_is_refused_as_a_conflict() {
    let s = scene();
    s.open(&[&s.bundle]).expect_code(0);
    let other = s.work.join("other-edition");
    copy_tree(&example_edition(), &other);
    write_file(&other, "extra.md", b"# A different edition\n");
    let rival = s.work.join("rival.tar.zst");
    pack_demo(&other, &s.key, &rival);
    let editions_before = snapshot(&s.library.join("editions"));
    let records_before = snapshot(&s.library.join("records"));
    s.open(&[&rival])
        .expect_code(1)
        .expect_text("a different edition #1 of channel test-news");
    // Nothing of the rival is kept; the edition already there keeps its files and record, and
    // is marked disputed (tests/library_trust.rs checks what its pages say).
    assert_same_tree(
        &editions_before,
        &snapshot(&s.library.join("editions")),
        "the editions",
    );
    let records_after = snapshot(&s.library.join("records"));
    let added: Vec<&String> = records_after
        .keys()
        .filter(|name| !records_before.contains_key(*name))
        .collect();
    assert_eq!(added.len(), 1, "{added:?}");
    assert!(added[0].ends_with(".disputed"), "{added:?}");
    for (name, bytes) in &records_before {
        assert_eq!(records_after.get(name), Some(bytes), "{name} changed");
    }
}

#[test]
fn no_page_holds_a_remote_url_a_script_or_an_event_handler() {
    let s = scene();
    s.open(&[&s.bundle]).expect_code(0);
    let pages = pages_of(&s.library);
    assert!(
        pages.len() >= 7,
        "front, edition and five article pages: {pages:?}"
    );
    for page in pages {
        let html = fs::read_to_string(&page).unwrap();
        let shown = page.display();
        for forbidden in [
            "<script",
            "onerror",
            "onmouseover",
            "<iframe",
            "<object",
            "<form",
            "<video",
            "<audio",
            "<base",
            "http-equiv=\"refresh\"",
            "<svg",
            "href=\"javascript:",
            "src=\"javascript:",
            "srcset",
            "rel=\"prefetch\"",
            "rel=\"preconnect\"",
            "rel=\"dns-prefetch\"",
            "@import",
            "url(",
            "style=",
        ] {
            assert!(!html.contains(forbidden), "{forbidden} in {shown}");
        }
        for attribute in ["src=\"", "href=\""] {
            for value in html.split(attribute).skip(1) {
                let url = value.split('"').next().unwrap_or("");
                // Relative, and to a page (`….html`, maybe with a place in it), to a place on
                // this page, or to a verified picture or text; images may also be data: images.
                let relative =
                    url.starts_with("./") || url.starts_with("../") || url.starts_with("read/");
                let path = url.split('#').next().unwrap_or("");
                let passive = [".png", ".jpg", ".jpeg", ".gif", ".webp", ".txt", ".css"]
                    .iter()
                    .any(|extension| path.ends_with(extension));
                let image = attribute == "src=\""
                    && (url.starts_with("data:image/") || (relative && path.contains("editions/")));
                let ok = url.starts_with('#')
                    || (relative && (path.ends_with(".html") || passive))
                    || image;
                assert!(ok, "{attribute}{url}\" in {shown}");
            }
        }
        assert!(
            html.contains("Content-Security-Policy"),
            "no CSP in {shown}"
        );
        assert!(html.contains("script-src") || html.contains("default-src 'none'"));
        assert!(html.contains("<html lang=\""), "no lang in {shown}");
        assert!(html.contains(" dir=\""), "no dir in {shown}");
    }
    let hostile = s.page("hostile/article.html.html");
    assert!(hostile.contains("Text the reader should still see."));
    // Remote links are text with their address, for the reader to judge.
    assert!(
        hostile.contains(
            "a link to another site <span class=\"address\" dir=\"ltr\">(https://evil.example/story)</span>"
        ),
        "{hostile}"
    );
    assert!(
        hostile.contains("A remote picture"),
        "the remote image's description is shown"
    );
}

#[test]
fn open_with_no_arguments_imports_the_bundles_in_the_current_folder() {
    let s = scene();
    let folder = s.work.join("usb-stick");
    fs::create_dir(&folder).unwrap();
    fs::copy(&s.bundle, folder.join("news.tar.zst")).unwrap();
    reader()
        .args(["--library"])
        .arg(&s.library)
        .home(&s.home)
        .run()
        .expect_code(2);
    // Bare, as a double-click runs it: the library comes from TAMIZDAT_HOME.
    let out = reader()
        .current_dir(&folder)
        .env("BROWSER", "true")
        .env("PATH", "/nonexistent")
        .home(&s.home)
        .run();
    out.expect_code(0)
        .expect_text("ADDED")
        .expect_text("news.tar.zst");
    assert!(s.home.join("library/index.html").is_file());
}

#[test]
fn serve_answers_get_and_head_with_the_security_headers_and_signed_media_types() {
    let s = scene();
    s.open(&[&s.bundle]).expect_code(0);
    let served = serve(&s.library, &s.home);
    let host = served.address.to_string();
    let front = request(served.address, "GET", "/", &host);
    assert_eq!(front.status, 200);
    assert!(String::from_utf8_lossy(&front.body).contains("Your library"));
    assert_eq!(
        front.header("Content-Type"),
        Some("text/html; charset=utf-8")
    );
    assert_eq!(front.header("Referrer-Policy"), Some("no-referrer"));
    assert_eq!(front.header("X-Content-Type-Options"), Some("nosniff"));
    let csp = front.header("Content-Security-Policy").unwrap_or("");
    assert!(csp.contains("default-src 'none'"), "{csp}");
    let localhost = format!("localhost:{}", served.address.port());
    assert_eq!(
        request(served.address, "GET", "/library.css", &localhost).status,
        200
    );
    let head = request(served.address, "HEAD", "/", &host);
    assert_eq!(head.status, 200);
    assert!(head.body.is_empty());
    // A verified file, with the media type its signed manifest gives.
    let id = fs::read_dir(s.library.join("editions"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .file_name();
    let image = request(
        served.address,
        "GET",
        &format!("/editions/{}/ru/images/library.png", id.to_string_lossy()),
        &host,
    );
    assert_eq!(image.status, 200);
    assert_eq!(image.header("Content-Type"), Some("image/png"));
    let persian = request(
        served.address,
        "GET",
        &format!("/read/{}/fa/nanvayi.html.html", id.to_string_lossy()),
        &host,
    );
    assert_eq!(persian.status, 200);
    // An article's raw HTML is never served as a page: only as a download.
    let raw = request(
        served.address,
        "GET",
        &format!("/editions/{}/fa/nanvayi.html", id.to_string_lossy()),
        &host,
    );
    assert_eq!(raw.status, 200);
    assert_eq!(raw.header("Content-Type"), Some("application/octet-stream"));
    assert_eq!(raw.header("Content-Disposition"), Some("attachment"));
    let policy = raw.header("Content-Security-Policy").unwrap_or("");
    assert!(policy.contains("sandbox"), "{policy}");
}

#[test]
fn serve_refuses_other_hosts_other_methods_and_every_traversal() {
    let s = scene();
    s.open(&[&s.bundle]).expect_code(0);
    fs::write(s.work.join("secret.txt"), b"outside the library").unwrap();
    let served = serve(&s.library, &s.home);
    let host = served.address.to_string();
    for wrong in [
        "evil.example",
        "evil.example:80",
        "127.0.0.1.nip.io",
        "localhost",
        "127.0.0.1:1",
    ] {
        assert_eq!(
            request(served.address, "GET", "/", wrong).status,
            421,
            "Host {wrong}"
        );
    }
    for method in ["POST", "PUT", "DELETE", "OPTIONS"] {
        let reply = request(served.address, method, "/", &host);
        assert_eq!(reply.status, 405, "{method}");
        assert_eq!(reply.header("Allow"), Some("GET, HEAD"));
    }
    for path in [
        "/../secret.txt",
        "/read/../../secret.txt",
        "/%2e%2e/secret.txt",
        "/read/%2e%2e/%2e%2e/secret.txt",
        "/read%2f..%2f..%2fsecret.txt",
        "/read/..%5c..%5csecret.txt",
        "/read\\..\\..\\secret.txt",
        "/index.html%00.png",
        "/records/",
        "/.tamizdat-lock-library",
        "//etc/passwd",
        "/editions/../../secret.txt",
        "/editions/C:/secret.txt",
        "/read/C:..",
    ] {
        let reply = request(served.address, "GET", path, &host);
        assert_eq!(reply.status, 404, "{path}");
        assert!(!String::from_utf8_lossy(&reply.body).contains("outside the library"));
    }
}

#[test]
fn serve_on_another_address_needs_listen_and_warns() {
    let s = scene();
    s.open(&[&s.bundle]).expect_code(0);
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_tamizdat"))
        .args(["serve", "--listen", "0.0.0.0:0", "--library"])
        .arg(&s.library)
        .env("TAMIZDAT_HOME", &s.home)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(child.stderr.take().unwrap()),
        &mut stderr,
    )
    .unwrap();
    let _ = child.kill();
    let _ = child.wait();
    assert!(stderr.contains("warning: serving on 0.0.0.0"), "{stderr}");
    assert!(
        stderr.contains("anyone who can reach this address"),
        "{stderr}"
    );
}

#[test]
fn the_committed_demo_bundle_is_what_packing_the_demo_edition_gives() {
    // examples/demo-edition.tar.zst lets a reader try the library with nothing but the reader
    // binary; if the edition or the format changes, regenerate it with the command below.
    let work = tempfile::tempdir().unwrap();
    let key = demo_key(work.path());
    let out = work.path().join("demo-edition.tar.zst");
    publisher()
        .arg("pack")
        .arg(example_edition())
        .arg("--secret-key")
        .arg(&key.secret_path)
        .args([
            "--channel",
            "demo",
            "--seq",
            "1",
            "--time",
            "2026-11-20T12:00:00Z",
        ])
        .arg("--out")
        .arg(&out)
        .run()
        .expect_code(0);
    assert!(
        fs::read(&out).unwrap() == fs::read(repo().join("examples/demo-edition.tar.zst")).unwrap(),
        "examples/demo-edition.tar.zst is stale: run `tamizdat-publish pack examples/edition \
         --secret-key keys/demo.key --channel demo --seq 1 --time 2026-11-20T12:00:00Z \
         --out examples/demo-edition.tar.zst --force`"
    );
}

#[test]
fn a_reader_with_the_demo_bundle_and_the_demo_key_trusted_reads_the_persian_article() {
    let work = tempfile::tempdir().unwrap();
    let home = work.path().join("home");
    reader()
        .args(["trust", "add"])
        .arg(repo().join("keys/demo.pub"))
        .home(&home)
        .run()
        .expect_code(0);
    // The one command of the README (here without a browser to start).
    let out = reader()
        .arg("open")
        .arg(repo().join("examples/demo-edition.tar.zst"))
        .args(["--read", "fa/nanvayi.html", "--no-browser"])
        .home(&home)
        .run();
    out.expect_code(0).expect_text("ADDED");
    let line = out.line_starting("to read: open ");
    let page = PathBuf::from(
        line.strip_prefix("to read: open ")
            .and_then(|rest| rest.strip_suffix(" in a browser"))
            .unwrap(),
    );
    assert!(page.ends_with("fa/nanvayi.html.html"), "{line}");
    let html = fs::read_to_string(page).unwrap();
    assert!(html.contains(r#"<html lang="fa" dir="rtl">"#));
    assert!(html.contains("تعاونی نانوایان نیلوفرآباد"));
    assert!(
        html.contains("4WZR-UBKQ-BQAL-PY2A-F4SA-HBEQ"),
        "the demo key's fingerprint"
    );
    assert!(html.contains("✓ Verified"));
}

#[test]
fn double_clicked_binary_imports_the_bundles_next_to_it_and_starts_the_browser() {
    // The reader's stick: the program and a bundle side by side, started from elsewhere.
    let s = scene();
    let stick = s.work.join("stick");
    fs::create_dir(&stick).unwrap();
    let program = stick.join("tamizdat");
    fs::copy(env!("CARGO_BIN_EXE_tamizdat"), &program).unwrap();
    fs::copy(&s.bundle, stick.join("news.tar.zst")).unwrap();
    // A stand-in for the desktop's browser opener, recording what it was asked to open.
    let bin = s.work.join("bin");
    fs::create_dir(&bin).unwrap();
    let opened = s.work.join("opened.txt");
    fs::write(
        bin.join("xdg-open"),
        format!("#!/bin/sh\nprintf '%s' \"$1\" > '{}'\n", opened.display()),
    )
    .unwrap();
    chmod(&bin.join("xdg-open"), 0o755);
    let elsewhere = s.work.join("elsewhere");
    fs::create_dir(&elsewhere).unwrap();
    // Another test thread forking while the copy was still open for writing leaves the file
    // busy in that child for a moment (ETXTBSY): try again briefly instead of failing.
    let run = || {
        std::process::Command::new(&program)
            .current_dir(&elsewhere)
            .env("TAMIZDAT_HOME", &s.home)
            .env("PATH", &bin)
            .output()
    };
    let mut output = run();
    for _ in 0..50 {
        match &output {
            Err(error) if error.kind() == std::io::ErrorKind::ExecutableFileBusy => {
                std::thread::sleep(std::time::Duration::from_millis(100));
                output = run();
            }
            _ => break,
        }
    }
    let output = output.unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    assert!(
        stdout.contains("ADDED") && stdout.contains("news.tar.zst"),
        "{stdout}"
    );
    assert!(stdout.contains("in your browser"), "{stdout}");
    let front_page = fs::canonicalize(s.home.join("library/index.html")).unwrap();
    assert_eq!(
        fs::read_to_string(&opened).unwrap(),
        front_page.display().to_string()
    );
}
