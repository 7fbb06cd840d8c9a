//! Signed articles built to crash or stall the library (issue 10): deep nesting, hundreds of
//! thousands of attributes, megabytes of entities or elements. Each is packed or signed into a
//! real bundle and opened with the real `tamizdat open`; the library must come up within a
//! bound, say on the article's page what it left out, keep the other articles, and keep
//! working for the next command.
//!
//! The bounds below are liveness bounds (a wedged or quadratic renderer blows through them:
//! 8 MB of `&amp;` took 29 s and 8 MB of `<p>x` 1.4 GB before), not speed measurements; the
//! figures are in `scripts/hostile-articles.sh`.

mod common;

use std::fs;
use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use serde_json::json;
use tamizdat::format::Sha256Digest;
use tamizdat::format::header::unsigned_header;

/// Longer than any bounded rendering of these articles takes on a loaded CI machine.
const DEADLINE: Duration = Duration::from_secs(20);

/// Well above what a bounded rendering of an 8 MB article needs (about 64 MB), and well below
/// what holding every piece of it at once took (over 200 MB) or the unbounded renderer (1.4 GB):
/// 160 MB, in the units of 1,024 bytes that `getrusage` counts.
const MEMORY_BOUND_KB: i64 = 160_000_000 / 1024;

const GOOD_ARTICLE: &str =
    "---\ntitle: An ordinary report\n---\n\nThe bakery on the corner opened again this week.\n";

struct Opened {
    code: i32,
    stderr: String,
    peak_kb: i64,
}

/// Runs `tamizdat open BUNDLE --library LIBRARY` with `home`, failing the test if it does not
/// finish within [`DEADLINE`]; returns its exit code and peak memory.
#[allow(
    clippy::zombie_processes,
    reason = "reaped by wait4, which also gives its peak memory"
)]
fn open_bounded(bundle: &Path, library: &Path, home: &Path) -> Opened {
    let mut child = Command::new(env!("CARGO_BIN_EXE_tamizdat"))
        .arg("open")
        .arg(bundle)
        .arg("--library")
        .arg(library)
        .arg("--no-browser")
        .env("TAMIZDAT_HOME", home)
        .stdin(Stdio::null())
        // The verdict line goes to stdout, errors to stderr; both are kept for the report.
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start tamizdat open");
    let pid = child.id() as libc::pid_t;
    let started = Instant::now();
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value for wait4 to fill.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        // SAFETY: `pid` is our own child, not yet reaped; the pointers are to live locals.
        let reaped = unsafe { libc::wait4(pid, &mut status, libc::WNOHANG, &mut usage) };
        if reaped == pid {
            break;
        }
        assert!(reaped == 0, "wait4 failed");
        if started.elapsed() > DEADLINE {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "`tamizdat open {}` did not finish within {DEADLINE:?}",
                bundle.display()
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    // Output is read once the child has ended: what `open` prints is short.
    let mut stderr = String::new();
    for pipe in [
        child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn std::io::Read>),
        child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn std::io::Read>),
    ]
    .into_iter()
    .flatten()
    {
        let mut pipe = pipe;
        let _ = pipe.read_to_string(&mut stderr);
    }
    let code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        128 + libc::WTERMSIG(status)
    };
    Opened {
        code,
        stderr,
        peak_kb: usage.ru_maxrss,
    }
}

struct Scene {
    _dir: tempfile::TempDir,
    work: PathBuf,
    key: Key,
    home: PathBuf,
    library: PathBuf,
}

fn scene() -> Scene {
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path().to_path_buf();
    let key = make_key(&work, "Stolen Newsroom Key", 0x51);
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
        key,
        home,
    }
}

impl Scene {
    /// Packs an edition of the ordinary article plus `name` holding `hostile`.
    fn pack(&self, name: &str, hostile: &[u8]) -> (PathBuf, Out) {
        let edition = self.work.join("edition");
        let _ = fs::remove_dir_all(&edition);
        fs::create_dir_all(&edition).unwrap();
        fs::write(edition.join("ordinary.md"), GOOD_ARTICLE).unwrap();
        fs::write(edition.join(name), hostile).unwrap();
        let bundle = self.work.join("hostile.tar.zst");
        let out = publisher()
            .arg("pack")
            .arg(&edition)
            .arg("--secret-key")
            .arg(&self.key.secret_path)
            .args(["--channel", CHANNEL, "--seq", "1", "--time", TIME])
            .arg("--out")
            .arg(&bundle)
            .run();
        (bundle, out)
    }

    /// Opens `bundle` within the bounds and checks what the library shows for `name`.
    fn open_and_check(&self, bundle: &Path, name: &str, note: &str) {
        let opened = open_bounded(bundle, &self.library, &self.home);
        assert_eq!(opened.code, 0, "open failed: {}", opened.stderr);
        assert!(
            opened.peak_kb < MEMORY_BOUND_KB,
            "open used {}",
            tamizdat::format::text::human_bytes(opened.peak_kb as u64 * 1024)
        );
        let page = self.article_page(name);
        let html = fs::read_to_string(&page).unwrap();
        assert!(
            html.contains("class=\"render-note\"") && html.contains(note),
            "the page of {name} does not say {note:?}"
        );
        let ordinary = fs::read_to_string(self.article_page("ordinary.md")).unwrap();
        assert!(
            ordinary.contains("The bakery on the corner opened again"),
            "the ordinary article of the same edition is not shown"
        );
        // The library keeps working: opening the same bundle again is quick and fine.
        let again = open_bounded(bundle, &self.library, &self.home);
        assert_eq!(again.code, 0, "a second open failed: {}", again.stderr);
    }

    fn article_page(&self, name: &str) -> PathBuf {
        let read = self.library.join("read");
        for edition in fs::read_dir(&read).expect("the library has pages") {
            let page = edition.unwrap().path().join(format!("{name}.html"));
            if page.exists() {
                return page;
            }
        }
        panic!("no page for {name} under {}", read.display());
    }

    /// Signs, by hand, a one-frame bundle of the ordinary article and `name` holding
    /// `hostile` (for articles pack refuses to check, as a hostile tool would not).
    fn sign_by_hand(&self, name: &str, hostile: &[u8]) -> PathBuf {
        let mut files = [("ordinary.md", GOOD_ARTICLE.as_bytes()), (name, hostile)];
        // The manifest lists files in byte order of their paths.
        files.sort();
        let mut tar = Vec::new();
        let mut listed = Vec::new();
        for (path, data) in files {
            let (header, pax) = tamizdat::format::tar::file_header(path, data.len() as u64, 0);
            assert!(pax.is_none(), "short names need no PAX header");
            tar.extend_from_slice(&header);
            tar.extend_from_slice(data);
            tar.resize(tar.len().next_multiple_of(512), 0);
            listed.push(json!({"path": path, "size": data.len(),
                "sha256": Sha256Digest::of(data).to_hex(), "media_type": "text/html", "frame": 0}));
        }
        tar.extend_from_slice(&[0; 1024]);
        let frame = zstd::bulk::compress(&tar, 3).unwrap();
        let hash = Sha256Digest::of(&frame).to_hex();
        let manifest = json!({
            "publisher": {"key_id": self.key.secret.public().key_id().to_hex(), "name": "Stolen Newsroom Key"},
            "channel": CHANNEL, "sequence": 1, "created": TIME_RFC3339,
            "title": "Hostile", "language": "en",
            "payload": {"length": frame.len(), "sha256": hash, "tar_length": tar.len()},
            "frames": [{"offset": 0, "length": frame.len(), "tar_length": tar.len(), "sha256": hash}],
            "files": listed,
            "articles": files.iter().map(|(path, _)| {
                let title = if *path == name { "Hostile" } else { "An ordinary report" };
                json!({"main_file": path, "title": title})
            }).collect::<Vec<_>>(),
        });
        let (mut bytes, message) = unsigned_header(
            self.key.secret.public().key_id(),
            &serde_json::to_vec(&manifest).unwrap(),
        )
        .unwrap();
        bytes.extend_from_slice(&self.key.secret.sign(&message));
        bytes.extend_from_slice(&frame);
        let bundle = self.work.join("signed-by-hand.tar.zst");
        fs::write(&bundle, &bytes).unwrap();
        bundle
    }
}

const FLATTENED: &str = "nested more than 100 levels deep";

#[test]
fn five_thousand_nested_tables_open_flattened_with_a_note() {
    let scene = scene();
    let article = "<table><tr><td>".repeat(5_000) + "the innermost cell";
    let (bundle, out) = scene.pack("tables.html", article.as_bytes());
    out.expect_code(0).expect_text(&format!(
        "tables.html\" nests elements more than {} levels deep",
        tamizdat::article::bounded::MAX_NESTING
    ));
    scene.open_and_check(&bundle, "tables.html", FLATTENED);
    let page = fs::read_to_string(scene.article_page("tables.html")).unwrap();
    assert!(page.contains("the innermost cell"), "the text is kept");
}

#[test]
fn deeply_nested_divs_bold_and_quotes_open_flattened_with_a_note() {
    for (name, article) in [
        ("divs.html", "<div>".repeat(14_100) + "deep text"),
        ("bold.html", "<b>".repeat(50_000) + "deep text"),
        ("quotes.md", ">".repeat(50_000) + " deep text\n"),
    ] {
        let scene = scene();
        let (bundle, out) = scene.pack(name, article.as_bytes());
        out.expect_code(0).expect_text("levels deep");
        scene.open_and_check(&bundle, name, FLATTENED);
        let page = fs::read_to_string(scene.article_page(name)).unwrap();
        assert!(page.contains("deep text"), "{name}: the text is kept");
    }
}

#[test]
fn two_hundred_thousand_attributes_on_one_element_open_in_bounded_time() {
    let scene = scene();
    let attributes: Vec<String> = (0..200_000).map(|i| format!("data-a{i}={i}")).collect();
    let article = format!("<p {}>one paragraph</p>", attributes.join(" "));
    // Pack refuses it, in linear time, rather than spend minutes checking it.
    let (_, out) = scene.pack("attributes.html", article.as_bytes());
    out.expect_code(2).expect_text("more than 1000 attributes");
    let bundle = scene.sign_by_hand("attributes.html", article.as_bytes());
    scene.open_and_check(&bundle, "attributes.html", "more than 1,000 attributes");
    let page = fs::read_to_string(scene.article_page("attributes.html")).unwrap();
    assert!(page.contains("one paragraph"));
    assert!(!page.contains("data-a1"), "unused attributes are dropped");
}

#[test]
fn an_article_that_cannot_be_rendered_gets_a_page_saying_so_with_its_files() {
    // 200,000 quoted attributes: more double quotes than the tokenizer can take.
    let scene = scene();
    let attributes: Vec<String> = (0..200_000).map(|i| format!("data-a{i}=\"{i}\"")).collect();
    let article = format!("<p {}>one paragraph</p>", attributes.join(" "));
    let (_, out) = scene.pack("quoted.html", article.as_bytes());
    out.expect_code(2)
        .expect_text("cannot be shown by readers: it holds 400,000 double quotes");
    let bundle = scene.sign_by_hand("quoted.html", article.as_bytes());
    scene.open_and_check(
        &bundle,
        "quoted.html",
        "This article cannot be shown here: it holds 400,000 double quotes",
    );
    let page = fs::read_to_string(scene.article_page("quoted.html")).unwrap();
    assert!(
        page.contains("<code>editions/") && page.contains("/quoted.html</code>"),
        "its file is listed"
    );
    assert!(
        !page.contains("one paragraph"),
        "nothing of it was rendered"
    );
}

#[test]
fn eight_megabytes_of_entities_open_in_bounded_time() {
    let scene = scene();
    let article = "&amp;".repeat(8_000_000 / 5);
    let (bundle, out) = scene.pack("entities.html", article.as_bytes());
    out.expect_code(0);
    let opened = open_bounded(&bundle, &scene.library, &scene.home);
    assert_eq!(opened.code, 0, "{}", opened.stderr);
    let page = fs::read_to_string(scene.article_page("entities.html")).unwrap();
    assert!(
        page.matches("&amp;").count() >= 8_000_000 / 5,
        "every ampersand is shown"
    );
}

#[test]
fn eight_megabytes_of_paragraphs_open_in_bounded_memory_with_a_note() {
    let scene = scene();
    let article = "<p>x".repeat(8_000_000 / 4);
    let (bundle, out) = scene.pack("paragraphs.html", article.as_bytes());
    out.expect_code(0).expect_text(&format!(
        "has more than {} elements",
        tamizdat::article::bounded::MAX_ELEMENTS
    ));
    scene.open_and_check(&bundle, "paragraphs.html", "more than 100,000 elements");
}
