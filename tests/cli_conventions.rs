//! Conventions every command keeps: `-q` leaves only verdicts, warnings and errors, `-v` adds
//! the detail, and `-` reads a bundle from standard input wherever a stream will do.

mod common;

use std::fs;
use std::path::PathBuf;

use common::*;

struct Scene {
    _dir: tempfile::TempDir,
    work: PathBuf,
    key: Key,
    bundle: PathBuf,
}

fn scene() -> Scene {
    let dir = tempfile::tempdir().expect("temporary folder");
    let work = dir.path().to_path_buf();
    let key = make_key(&work, "Conventions News", 91);
    let bundle = work.join("edition.tar.zst");
    pack_ok(&example_edition(), &key, &bundle);
    Scene {
        _dir: dir,
        work,
        key,
        bundle,
    }
}

/// The lines of stdout, for "nothing but" checks.
fn lines(out: &Out) -> Vec<&str> {
    out.stdout.lines().collect()
}

#[test]
fn quiet_leaves_only_the_verdicts_and_verbose_adds_the_detail() {
    let scene = scene();
    let public_key = scene.key.public_path.to_string_lossy().into_owned();

    // unpack: the verdict, not "unpacked N files into".
    let normal = reader()
        .arg("unpack")
        .arg(&scene.bundle)
        .arg("--to")
        .arg(scene.work.join("normal"))
        .args(["--public-key", &public_key])
        .run();
    normal.expect_code(0).expect_text("unpacked ");
    let quiet = reader()
        .args(["-q", "unpack"])
        .arg(&scene.bundle)
        .arg("--to")
        .arg(scene.work.join("quiet"))
        .args(["--public-key", &public_key])
        .run();
    quiet.expect_code(0);
    let shown = lines(&quiet);
    assert_eq!(shown.len(), 1, "{shown:?}");
    assert!(shown[0].starts_with("VALID   "), "{shown:?}");
    assert!(scene.work.join("quiet/index.md").is_file());

    // open: the ADDED verdict, not the "to read" line.
    let library = scene.work.join("library");
    let open = |extra: &[&str]| {
        reader()
            .arg("open")
            .args(extra)
            .arg("--library")
            .arg(&library)
            .args(["--no-browser", "--public-key", &public_key])
            .arg(&scene.bundle)
            .run()
    };
    let opened = open(&["--quiet"]);
    opened.expect_code(0);
    let shown = lines(&opened);
    assert_eq!(shown.len(), 1, "{shown:?}");
    assert!(shown[0].starts_with("ADDED   "), "{shown:?}");
    open(&[]).expect_code(0).expect_text("to read: open ");

    // pack: `packed FILE`, not the summary; -v lists every file packed.
    let edition = scene.work.join("edition");
    copy_tree(&example_edition(), &edition);
    let out = scene.work.join("quiet.tar.zst");
    let packed = publisher()
        .arg("pack")
        .arg(&edition)
        .arg("--secret-key")
        .arg(&scene.key.secret_path)
        .args(["--channel", "c", "--seq", "2", "-q", "--out"])
        .arg(&out)
        .run();
    packed.expect_code(0);
    assert_eq!(
        lines(&packed),
        vec![format!("packed {}", out.display()).as_str()]
    );
    let verbose_out = scene.work.join("verbose.tar.zst");
    let verbose = publisher()
        .arg("pack")
        .arg(&edition)
        .arg("--secret-key")
        .arg(&scene.key.secret_path)
        .args(["--channel", "c", "--seq", "2", "-v", "--out"])
        .arg(&verbose_out)
        .run();
    verbose.expect_code(0).expect_text("  sha256 ");
    let packed_files = verbose
        .stdout
        .lines()
        .filter(|line| line.starts_with("  file "))
        .count();
    let edition_files = file_paths(&snapshot(&edition)).len();
    assert_eq!(packed_files, edition_files, "{}", verbose.stdout);

    // keygen: the one line with the fingerprint.
    let keygen = publisher()
        .args(["keygen", "-q", "--unencrypted", "--name", "Quiet Desk"])
        .arg("--public-key")
        .arg(scene.work.join("quiet.pub"))
        .arg("--secret-key")
        .arg(scene.work.join("quiet.key"))
        .run();
    keygen.expect_code(0);
    let shown = lines(&keygen);
    assert_eq!(shown.len(), 1, "{shown:?}");
    assert!(
        shown[0].starts_with("created a key for Quiet Desk, fingerprint "),
        "{shown:?}"
    );

    // Both at once is a usage error, for both tools.
    reader()
        .args(["-q", "-v", "verify"])
        .arg(&scene.bundle)
        .run()
        .expect_code(2)
        .expect_text("cannot be used with");
    publisher()
        .args(["-q", "-v", "keygen", "--unencrypted", "--name", "Both"])
        .arg("--public-key")
        .arg(scene.work.join("both.pub"))
        .arg("--secret-key")
        .arg(scene.work.join("both.key"))
        .run()
        .expect_code(2)
        .expect_text("cannot be used with");
}

#[test]
fn a_bundle_on_standard_input_is_verified_unpacked_described_and_opened() {
    let scene = scene();
    let public_key = scene.key.public_path.to_string_lossy().into_owned();
    reader()
        .args(["verify", "-", "--public-key", &public_key])
        .stdin_file(&scene.bundle)
        .run()
        .expect_code(0)
        .line_starting("VALID   -: signed by Conventions News");

    let to = scene.work.join("from-stdin");
    reader()
        .args(["unpack", "-", "--public-key", &public_key, "--to"])
        .arg(&to)
        .stdin_file(&scene.bundle)
        .run()
        .expect_code(0);
    let from_file = scene.work.join("from-file");
    unpack(&scene.bundle, &from_file, &scene.key.public_path).expect_code(0);
    assert_same_tree(&snapshot(&from_file), &snapshot(&to), "unpacked from stdin");

    let info = reader()
        .args(["info", "-", "--json", "--public-key", &public_key])
        .stdin_file(&scene.bundle)
        .run();
    info.expect_code(0);
    let value: serde_json::Value = serde_json::from_str(&info.stdout).expect("info JSON");
    assert_eq!(value["header_signature"], "valid");
    assert_eq!(value["payload"], "not checked");

    let library = scene.work.join("library");
    reader()
        .args([
            "open",
            "-",
            "--no-browser",
            "--public-key",
            &public_key,
            "--library",
        ])
        .arg(&library)
        .stdin_file(&scene.bundle)
        .run()
        .expect_code(0)
        .line_starting("ADDED   -: signed by Conventions News");
    assert!(library.join("index.html").is_file());

    // A damaged stream is refused as damage (a stream cannot be read twice to count).
    let bytes = fs::read(&scene.bundle).expect("bundle");
    let damaged = scene.work.join("damaged.tar.zst");
    let mut changed = bytes.clone();
    let last = changed.len() - 20;
    changed[last] ^= 0x01;
    fs::write(&damaged, &changed).expect("write");
    let refused = reader()
        .args(["verify", "-", "--public-key", &public_key])
        .stdin_file(&damaged)
        .run();
    refused.expect_code(1);
    assert!(
        refused
            .line_starting("INVALID -: ")
            .contains("this copy is damaged; ask for another copy (detail: "),
        "{}",
        refused.stdout
    );

    // What cannot work on a stream says so.
    reader()
        .args([
            "unpack",
            "-",
            "--salvage",
            "--public-key",
            &public_key,
            "--to",
        ])
        .arg(scene.work.join("salvaged"))
        .stdin_file(&scene.bundle)
        .run()
        .expect_code(2)
        .expect_text("needs the bundle as a file, not on standard input");
    assert_absent(&scene.work.join("salvaged"), "a refused salvage");
    reader()
        .args(["verify", "-", "-", "--public-key", &public_key])
        .stdin_file(&scene.bundle)
        .run()
        .expect_code(2)
        .expect_text("can be given only once");
}

#[test]
fn standard_input_at_a_terminal_is_refused_not_waited_on() {
    // `script` gives the command a terminal as standard input, as a person typing would.
    let scene = scene();
    let command = format!(
        "{} verify - --public-key {}",
        env!("CARGO_BIN_EXE_tamizdat"),
        scene.key.public_path.display()
    );
    let output = std::process::Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .env("TAMIZDAT_HOME", scene.work.join("home"))
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run script (bsdutils)");
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        text.contains("standard input is a terminal, not a bundle"),
        "{text}"
    );
    assert_eq!(output.status.code(), Some(2), "{text}");
}

#[test]
fn listing_or_removing_editions_with_no_library_creates_nothing() {
    let home = tempfile::tempdir().expect("home");
    reader()
        .home(home.path())
        .args(["library", "list"])
        .run()
        .expect_code(0)
        .expect_text("no editions: there is no library at");
    reader()
        .home(home.path())
        .args(["library", "remove", "0123456789abcdef-news-1"])
        .run()
        .expect_code(2)
        .expect_text("there is no edition 0123456789abcdef-news-1 in the library");
    assert_empty_dir(home.path(), "a home where nothing was opened");
}
