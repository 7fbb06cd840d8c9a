//! What `tamizdat-publish pack` refuses before signing anything: files a reader could not
//! unpack safely, articles that reference missing files or load remote resources, and an
//! existing output. Refusals exit 2, list every offender and write nothing.

mod common;

use std::fs;
use std::path::Path;
use std::process::Command;

use common::*;
use sha2::{Digest, Sha256};

/// The lines of a refusal that list problems (`  - ...`).
fn problem_lines(out: &Out) -> Vec<String> {
    out.stderr
        .lines()
        .map(str::trim_start)
        .filter(|line| line.starts_with("- "))
        .map(str::to_string)
        .collect()
}

/// Asserts that some listed problem mentions every one of `needles`.
#[track_caller]
fn assert_problem(out: &Out, needles: &[&str]) {
    let lines = problem_lines(out);
    assert!(
        lines
            .iter()
            .any(|line| needles.iter().all(|needle| line.contains(needle))),
        "no listed problem mentions all of {needles:?}\n--- stderr:\n{}",
        out.stderr
    );
}

/// Packs `edition` into `out_dir/bundle.tzst` and asserts the refusal: exit 2, no bundle,
/// no temporary file left beside it.
#[track_caller]
fn assert_pack_refused(edition: &Path, key: &Key, out_dir: &Path, extra: &[&str]) -> Out {
    fs::create_dir_all(out_dir).unwrap();
    let bundle = out_dir.join("bundle.tzst");
    let out = pack(edition, key, &bundle, extra);
    out.expect_code(2);
    assert_absent(&bundle, "refused pack");
    assert_no_leftovers(out_dir, "refused pack");
    out
}

fn front_page(root: &Path) {
    write_file(
        root,
        "index.md",
        b"---\ntitle: Checks\nlang: en\n---\n\n# Checks\n\nA front page.\n",
    );
}

#[test]
fn pack_refuses_links_devices_reserved_colliding_and_invalid_names_listing_every_one() {
    let work = tempfile::tempdir().unwrap();
    let edition = work.path().join("edition");
    front_page(&edition);
    write_file(&edition, "a.html", b"<title>lower</title><p>a</p>");
    write_file(&edition, "A.html", b"<title>upper</title><p>A</p>");
    write_file(&edition, "CON.md", b"# Console\n");
    write_file(&edition, "bad:name.txt", b"colon");
    write_file(&edition, "CON", b"a bare device name");
    write_file(&edition, "cafe\u{301}.md", b"# Not NFC\n");
    write_file(&edition, "docs/readme.txt", b"fine");
    std::os::unix::fs::symlink("docs/readme.txt", edition.join("link.txt")).unwrap();
    let fifo = Command::new("mkfifo")
        .arg(edition.join("docs/pipe"))
        .status()
        .expect("run mkfifo");
    assert!(fifo.success());
    let key = make_key(work.path(), "Checker", 71);
    let before = snapshot(&edition);

    let out = assert_pack_refused(&edition, &key, &work.path().join("out"), &[]);
    // Each name a reader could not write comes with one it could.
    assert_problem(
        &out,
        &["CON.md", r#"rename it, for example to "CON-file.md""#],
    );
    assert_problem(&out, &["bad:name.txt", r#"for example to "bad-name.txt""#]);
    assert_problem(&out, &["\"CON\"", r#"for example to "CON-file""#]);
    assert_problem(&out, &["NFC", "for example to \"caf\u{e9}.md\""]);
    assert_problem(&out, &["link.txt", "symbolic link"]);
    assert_problem(&out, &["docs/pipe", "FIFO"]);
    assert_problem(&out, &["CON.md"]);
    assert_problem(&out, &["a.html", "A.html"]);
    assert_problem(&out, &["bad:name.txt"]);
    assert_problem(&out, &["\"CON\"", "reserves"]);
    assert_problem(&out, &["cafe", "NFC"]);
    assert!(
        problem_lines(&out).len() >= 7,
        "each offender gets its own line:\n{}",
        out.stderr
    );
    // The fine files are not reported.
    out.expect_no_text("readme.txt\"")
        .expect_no_text("index.md");
    assert_same_tree(
        &before,
        &snapshot(&edition),
        "pack must not touch the edition",
    );
}

#[test]
fn pack_refuses_articles_referencing_missing_files_naming_article_and_path() {
    let work = tempfile::tempdir().unwrap();
    let edition = work.path().join("edition");
    front_page(&edition);
    write_file(
        &edition,
        "news/story.md",
        b"---\ntitle: Story\n---\n\n# Story\n\n![A photo](images/missing-photo.jpg)\n",
    );
    write_file(
        &edition,
        "news/page.html",
        b"<!doctype html><html lang=en><title>Page</title><img src=\"../art/missing-drawing.png\"></html>",
    );
    write_file(&edition, "news/images/present.jpg", b"\xff\xd8\xff");
    let key = make_key(work.path(), "Checker", 72);

    let out = assert_pack_refused(&edition, &key, &work.path().join("out"), &[]);
    assert_problem(&out, &["news/story.md", "images/missing-photo.jpg"]);
    assert_problem(&out, &["news/page.html", "missing-drawing.png"]);
    // --allow-remote is about the network, not about missing files.
    assert_pack_refused(
        &edition,
        &key,
        &work.path().join("out"),
        &["--allow-remote"],
    );

    // With the files present, the same edition packs.
    write_file(&edition, "news/images/missing-photo.jpg", b"\xff\xd8\xff");
    write_file(&edition, "art/missing-drawing.png", b"\x89PNG");
    pack(&edition, &key, &work.path().join("ok.tzst"), &[]).expect_code(0);
}

#[test]
fn pack_reports_bad_names_alone_not_as_missing_files_for_the_articles_that_use_them() {
    let work = tempfile::tempdir().unwrap();
    let edition = work.path().join("edition");
    front_page(&edition);
    // The photo's name cannot be packed, so it is not in the listing; the article using it is
    // fine once the photo is renamed, and must not be reported as referencing a missing file.
    write_file(&edition, "images/front:page.jpg", b"\xff\xd8\xff");
    write_file(
        &edition,
        "story.md",
        b"---\ntitle: Story\n---\n\n# Story\n\n![Photo](images/front:page.jpg)\n",
    );
    let key = make_key(work.path(), "Checker", 75);
    let out = assert_pack_refused(&edition, &key, &work.path().join("out"), &[]);
    assert_problem(&out, &["images/front:page.jpg", "':'"]);
    out.expect_no_text("no file");
    assert_eq!(problem_lines(&out).len(), 1, "{}", out.stderr);
}

/// An edition of `mib` MiB of random data in one file, and a front page.
fn large_file_edition(root: &Path, mib: usize) {
    front_page(root);
    write_file(root, "video/big.bin", &Rng::new(0xB16).bytes(mib << 20));
}

#[test]
fn pack_refuses_bad_names_and_missing_references_before_writing_anything_beside_the_output() {
    let work = tempfile::tempdir().unwrap();
    let key = make_key(work.path(), "Checker", 76);
    // The output folder does not exist, so any write there (the lock, the temporary payload
    // the compression fills) fails with "cannot write": the refusal naming the edition's
    // problem proves that it came before the first write, and so before any compression.
    let out_dir = work.path().join("not-yet-made");
    let bundle = out_dir.join("bundle.tzst");

    let names = work.path().join("names");
    large_file_edition(&names, 24);
    write_file(&names, "notes/draft:1.txt", b"a note");
    let out = pack(&names, &key, &bundle, &[]);
    out.expect_code(2).expect_no_text("cannot write");
    assert_problem(&out, &["notes/draft:1.txt", "':'"]);

    let references = work.path().join("references");
    large_file_edition(&references, 24);
    write_file(
        &references,
        "story.md",
        b"---\ntitle: Story\n---\n\n# Story\n\n![Photo](images/missing.jpg)\n",
    );
    let out = pack(&references, &key, &bundle, &[]);
    out.expect_code(2).expect_no_text("cannot write");
    assert_problem(&out, &["story.md", "images/missing.jpg"]);
    assert_absent(&out_dir, "refused packs");

    // Sanity: with nothing wrong, the same output folder is written to, and fails as such.
    let fine = work.path().join("fine");
    large_file_edition(&fine, 1);
    pack(&fine, &key, &bundle, &[])
        .expect_code(2)
        .expect_text("cannot write");
    fs::create_dir(&out_dir).unwrap();
    pack(&fine, &key, &bundle, &[]).expect_code(0);
}

const PIXEL: &str = "https://tracker.example.com/pixel.gif";
const STYLESHEET: &str = "https://cdn.example.net/site.css";
const CHART: &str = "https://images.example.org/chart.png";

fn remote_edition(root: &Path) {
    front_page(root);
    write_file(
        root,
        "world/pixel.html",
        format!(
            "<!doctype html><html lang=en><head><title>Pixel</title>\
             <link rel=stylesheet href={STYLESHEET}></head>\
             <body><p>Text</p><img src=\"{PIXEL}\" width=1 height=1></body></html>"
        )
        .as_bytes(),
    );
    write_file(
        root,
        "world/more.html",
        b"<!doctype html><html lang=en><head><title>More</title>\
          <link rel=stylesheet href=style.css>\
          <script src=\"https://js.example.com/app.js\"></script></head>\
          <body><div style=\"background:url(https://bg.example.com/bg.png)\">x</div>\
          <img src=local.png srcset=\"https://srcset.example.com/2x.png 2x\">\
          <img src=\"//protocol-relative.example.com/p.gif\"></body></html>",
    );
    write_file(root, "world/local.png", b"\x89PNG");
    write_file(
        root,
        "world/style.css",
        b"@import url(\"https://fonts.example.com/font.css\");\nbody { color: black }\n",
    );
    write_file(
        root,
        "world/chart.md",
        format!("---\ntitle: Chart\n---\n\n# Chart\n\n![Chart]({CHART})\n").as_bytes(),
    );
}

#[test]
fn pack_refuses_remote_images_and_stylesheets_unless_allowed_then_warns() {
    let work = tempfile::tempdir().unwrap();
    let edition = work.path().join("edition");
    remote_edition(&edition);
    let key = make_key(work.path(), "Checker", 73);

    let out = assert_pack_refused(&edition, &key, &work.path().join("out"), &[]);
    assert_problem(&out, &["world/pixel.html", PIXEL]);
    assert_problem(&out, &["world/pixel.html", STYLESHEET]);
    assert_problem(&out, &["world/chart.md", CHART]);
    for url in [
        "https://js.example.com/app.js",
        "https://bg.example.com/bg.png",
        "https://srcset.example.com/2x.png",
        "//protocol-relative.example.com/p.gif",
    ] {
        assert_problem(&out, &["world/more.html", url]);
    }
    // A local stylesheet is checked too: it can @import a web font.
    assert_problem(
        &out,
        &["world/style.css", "https://fonts.example.com/font.css"],
    );

    let bundle = work.path().join("allowed.tzst");
    let allowed = pack(&edition, &key, &bundle, &["--allow-remote"]);
    allowed.expect_code(0);
    for url in [PIXEL, STYLESHEET, CHART] {
        assert!(
            allowed
                .stderr
                .lines()
                .any(|line| line.contains("warning") && line.contains(url)),
            "--allow-remote must warn about {url} on stderr:\n{}",
            allowed.stderr
        );
    }
    verify(&bundle, &key.public_path).expect_code(0);
}

#[test]
fn plain_links_to_other_sites_are_not_remote_resources() {
    let work = tempfile::tempdir().unwrap();
    let edition = work.path().join("edition");
    front_page(&edition);
    write_file(
        &edition,
        "links.md",
        b"---\ntitle: Links\n---\n\n# Links\n\nRead [the original](https://example.org/original) \
          or <https://example.com/autolink>.\n",
    );
    write_file(
        &edition,
        "links.html",
        b"<!doctype html><html lang=en><title>Links</title>\
          <p><a href=\"https://example.org/page\">another site</a></p></html>",
    );
    let key = make_key(work.path(), "Checker", 74);
    let bundle = work.path().join("links.tzst");
    let out = pack(&edition, &key, &bundle, &[]);
    out.expect_code(0)
        .expect_no_text("warning")
        .expect_text("3 articles");
    verify(&bundle, &key.public_path).expect_code(0);
}

#[test]
fn pack_refuses_an_existing_output_without_force_and_replaces_it_with_force() {
    let work = tempfile::tempdir().unwrap();
    let key = demo_key(work.path());
    let out_dir = work.path().join("out");
    fs::create_dir(&out_dir).unwrap();
    let bundle = out_dir.join("edition.tzst");
    fs::write(&bundle, b"yesterday's edition").unwrap();

    pack(&example_edition(), &key, &bundle, &[])
        .expect_code(2)
        .expect_text(&format!("the output {} already exists", bundle.display()));
    assert_eq!(fs::read(&bundle).unwrap(), b"yesterday's edition");
    assert_no_leftovers(&out_dir, "refused pack");

    pack(&example_edition(), &key, &bundle, &["--force"]).expect_code(0);
    verify(&bundle, &key.public_path).expect_code(0);
    assert_no_leftovers(&out_dir, "forced pack");
    let entries = fs::read_dir(&out_dir).unwrap().count();
    assert_eq!(entries, 1, "only the bundle is in the output folder");
}

#[test]
fn output_inside_the_edition_folder_is_not_packed_into_the_next_edition() {
    let work = tempfile::tempdir().unwrap();
    let key = demo_key(work.path());
    let edition = work.path().join("edition");
    fs::create_dir(&edition).unwrap();
    fs::write(edition.join("story.md"), "---\ntitle: Story\n---\nText.\n").unwrap();
    let bundle = edition.join("edition.tzst");
    pack(&edition, &key, &bundle, &[]).expect_code(0);
    pack(&edition, &key, &bundle, &["--force"]).expect_code(0);
    let info = info_json(&bundle, &key.public_path);
    let paths: Vec<&str> = info["manifest"]["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, ["story.md"]);
}

#[test]
fn failed_write_of_the_output_leaves_no_temporary_files() {
    let work = tempfile::tempdir().unwrap();
    let key = demo_key(work.path());
    let out_dir = work.path().join("out");
    // A folder where the bundle should go: even --force cannot replace it, and the failure
    // happens after the temporary payload and bundle were written.
    let bundle = out_dir.join("edition.tzst");
    write_file(&bundle, "keep.txt", b"a reader's file");
    let before = snapshot(&out_dir);
    pack(&example_edition(), &key, &bundle, &["--force"]).expect_code(2);
    assert_same_tree(&before, &snapshot(&out_dir), "output folder after failure");
    assert_no_leftovers(&out_dir, "failed pack");
}

#[test]
fn pack_summary_reports_articles_files_sha256_and_fingerprint() {
    let work = tempfile::tempdir().unwrap();
    let key = demo_key(work.path());
    let bundle = work.path().join("edition.tzst");
    let out = pack(&example_edition(), &key, &bundle, &[]);
    out.expect_code(0);
    let bytes = fs::read(&bundle).unwrap();
    let sha256 = data_encoding::HEXLOWER.encode(&Sha256::digest(&bytes));
    let files = file_paths(&snapshot(&example_edition())).len();
    out.expect_text("4 articles")
        .expect_text(&format!("{files} files"))
        .expect_text(&sha256)
        .expect_text(&key.fingerprint());
    assert_no_leftovers(work.path(), "successful pack");
}

/// The umask of this test process, read the portable way.
fn umask() -> u32 {
    let out = Command::new("sh").args(["-c", "umask"]).output().unwrap();
    u32::from_str_radix(String::from_utf8_lossy(&out.stdout).trim(), 8).unwrap()
}

#[test]
fn packed_bundle_gets_ordinary_permissions_so_mirrors_can_serve_it() {
    let work = tempfile::tempdir().unwrap();
    let key = demo_key(work.path());
    let bundle = work.path().join("edition.tzst");
    pack(&example_edition(), &key, &bundle, &[]).expect_code(0);
    // Like cp, tar or zstd would create it: 0666 minus the umask (0644 with the usual 022).
    let expected = 0o666 & !umask();
    assert_eq!(
        mode(&bundle),
        expected,
        "the bundle is mode {:o}, not {expected:o}: a web server or another user could not read it",
        mode(&bundle)
    );
}

/// The hidden files a newsroom's machines leave in an edition folder, with what each holds.
const HIDDEN: [(&str, &[u8]); 9] = [
    (
        ".git/config",
        b"[remote \"origin\"]\n\turl = git@git.example:newsroom/unpublished-sources.git\n",
    ),
    (".git/HEAD", b"ref: refs/heads/main\n"),
    (".DS_Store", b"\0\0\0\x01Bud1 reporter-names"),
    ("Thumbs.db", b"thumbnail cache"),
    ("photos/desktop.ini", b"[.ShellClassInfo]\n"),
    ("story.md~", b"# An earlier draft naming a source\n"),
    (".story.md.swp", b"vim swap of the draft"),
    ("notes.SWP", b"another swap file"),
    ("photos/.env", b"API_TOKEN=secret\n"),
];

#[test]
fn pack_leaves_out_hidden_files_and_folders_and_lists_them_unless_asked() {
    let work = tempfile::tempdir().unwrap();
    let key = make_key(work.path(), "Hidden Test", 12);
    let edition = work.path().join("edition");
    front_page(&edition);
    write_file(&edition, "story.md", b"# Story\n\nThe published text.\n");
    write_file(&edition, "photos/caption.txt", b"A caption.\n");
    for (path, bytes) in HIDDEN {
        write_file(&edition, path, bytes);
    }

    let bundle = work.path().join("default.tar.zst");
    let out = pack(&edition, &key, &bundle, &[]);
    out.expect_code(0);
    let left_out = out.line_starting("  left out");
    assert!(
        left_out.contains("left out 8 hidden files and folders (pack them with --include-hidden)"),
        "{left_out}"
    );
    // A hidden folder is named once, as a folder; every other hidden file by its path.
    for shown in [
        ".git/",
        ".DS_Store",
        "Thumbs.db",
        "photos/desktop.ini",
        "story.md~",
        ".story.md.swp",
        "notes.SWP",
        "photos/.env",
    ] {
        assert!(left_out.contains(shown), "{shown} not listed: {left_out}");
    }
    assert!(!left_out.contains(".git/config"), "{left_out}");
    let unpacked = work.path().join("unpacked");
    unpack(&bundle, &unpacked, &key.public_path).expect_code(0);
    let files = file_paths(&snapshot(&unpacked));
    assert_eq!(
        files,
        ["index.md", "photos/caption.txt", "story.md"]
            .into_iter()
            .map(String::from)
            .collect(),
        "only the edition's own files travel"
    );

    // Asked for, they are packed, and the summary lists nothing left out.
    let everything = work.path().join("everything.tar.zst");
    let out = pack(&edition, &key, &everything, &["--include-hidden"]);
    out.expect_code(0).expect_no_line_starting("  left out");
    let unpacked = work.path().join("unpacked-everything");
    unpack(&everything, &unpacked, &key.public_path).expect_code(0);
    let tree = snapshot(&unpacked);
    for (path, bytes) in HIDDEN {
        assert_eq!(tree.get(path).map(Vec::as_slice), Some(bytes), "{path}");
    }
}

/// `tamizdat-publish pack EDITION --secret-key KEY --channel test-news --seq SEQUENCE ...`.
fn pack_with_sequence(edition: &Path, key: &Key, out: &Path, sequence: &str) -> Out {
    publisher()
        .arg("pack")
        .arg(edition)
        .arg("--secret-key")
        .arg(&key.secret_path)
        .args(["--channel", CHANNEL, "--seq", sequence, "--time", TIME])
        .arg("--out")
        .arg(out)
        .run()
}

#[test]
fn pack_warns_about_an_untitled_edition_without_articles_numbered_zero() {
    let work = tempfile::tempdir().unwrap();
    let key = make_key(work.path(), "Warning Test", 13);
    let edition = work.path().join("edition");
    write_file(&edition, "notes.txt", b"Only notes.\n");
    let out = pack_with_sequence(&edition, &key, &work.path().join("a.tar.zst"), "0");
    out.expect_code(0)
        .expect_text(
            "warning: the edition has no title, so readers will see \"Untitled edition\"; give index.md a title in its front matter, or pass --title",
        )
        .expect_text("warning: the edition has no articles (Markdown or HTML files)")
        .expect_text("warning: its sequence number is 0")
        .expect_text("give a channel's first edition --seq 1");

    // A titled edition with articles, numbered 1, packs without a word of warning.
    let out = pack_with_sequence(
        &example_edition(),
        &key,
        &work.path().join("b.tar.zst"),
        "1",
    );
    out.expect_code(0);
    assert!(!out.stderr.contains("warning"), "{}", out.stderr);
}

#[test]
fn a_remote_load_refusal_says_how_to_fix_it() {
    let work = tempfile::tempdir().unwrap();
    let key = make_key(work.path(), "Remote Test", 14);
    let edition = work.path().join("edition");
    front_page(&edition);
    write_file(
        &edition,
        "story.html",
        b"<title>Story</title><p><img src=\"https://cdn.example/photo.jpg\" alt=\"photo\"></p>",
    );
    let out = assert_pack_refused(&edition, &key, &work.path().join("out"), &[]);
    assert_problem(
        &out,
        &[
            "story.html",
            "from the network",
            "copy the file into the edition and refer to it there",
        ],
    );
    // The option that packs it anyway, on a line of its own after the list.
    let last = out.stderr.trim_end().lines().last().unwrap_or_default();
    assert!(
        last.contains("--allow-remote") && !last.trim_start().starts_with("- "),
        "{}",
        out.stderr
    );
}

#[test]
fn a_name_that_is_not_utf8_is_refused_with_a_name_to_use_instead() {
    use std::os::unix::ffi::OsStrExt;
    let work = tempfile::tempdir().unwrap();
    let key = make_key(work.path(), "Name Test", 15);
    let edition = work.path().join("edition");
    front_page(&edition);
    fs::create_dir_all(edition.join("docs")).unwrap();
    let name = std::ffi::OsStr::from_bytes(b"latin1-caf\xe9.txt");
    fs::write(
        edition.join("docs").join(name),
        b"a name from an old machine",
    )
    .unwrap();
    let out = assert_pack_refused(&edition, &key, &work.path().join("out"), &[]);
    assert_problem(
        &out,
        &[
            "not valid UTF-8",
            r#"rename it, for example to "docs/latin1-caf-.txt""#,
        ],
    );
}
