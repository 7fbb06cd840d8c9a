//! The command-line tools as scripts and people meet them: a closed pipe, an installed binary
//! with no source tree beside it, and a bundle swapped at its path while it is being imported.

mod common;

use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};

use common::*;

#[test]
fn verify_into_a_closed_pipe_is_a_quiet_exit_0() {
    let work = tempfile::tempdir().unwrap();
    let key = demo_key(work.path());
    let bundle = work.path().join("a.tar.zst");
    pack_ok(&example_edition(), &key, &bundle);
    // `tamizdat verify a a a | head -0`: the reader of stdout is gone before anything is
    // written, so every write fails with a broken pipe.
    let (reader_end, writer_end) = std::io::pipe().unwrap();
    drop(reader_end);
    let output = Command::new(env!("CARGO_BIN_EXE_tamizdat"))
        .arg("verify")
        .args([&bundle, &bundle, &bundle])
        .arg("--public-key")
        .arg(&key.public_path)
        .env("TAMIZDAT_HOME", work.path().join("home"))
        .stdin(Stdio::null())
        .stdout(writer_end)
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "stderr: {stderr}");
    assert_eq!(stderr, "", "nothing is said about the closed pipe");
}

#[test]
fn demo_edition_carried_in_the_binary_is_exactly_examples_edition() {
    let carried: std::collections::BTreeMap<String, Vec<u8>> = tamizdat::cli::demo::DEMO_EDITION
        .iter()
        .map(|(path, bytes)| (path.to_string(), bytes.to_vec()))
        .collect();
    assert_eq!(
        carried,
        files_under(&example_edition()),
        "src/cli/demo.rs DEMO_EDITION must list every file of examples/edition"
    );
    assert_eq!(
        tamizdat::cli::demo::DEMO_SECRET_KEY,
        fs::read_to_string(repo().join("keys/demo.key")).unwrap()
    );
}

#[test]
fn demo_runs_from_an_installed_binary_with_the_source_tree_out_of_sight() {
    // An installed copy of the binary, run from an empty folder in a private mount namespace
    // where an empty tmpfs hides the whole checkout: the demo must need nothing from it.
    let work = tempfile::tempdir().unwrap();
    let bin = work.path().join("bin");
    fs::create_dir(&bin).unwrap();
    fs::copy(env!("CARGO_BIN_EXE_tamizdat"), bin.join("tamizdat")).unwrap();
    let empty = work.path().join("empty");
    fs::create_dir(&empty).unwrap();
    let script = "mount -t tmpfs tamizdat-hide-source \"$1\" || exit 99; \
                  [ -z \"$(ls -A \"$1\")\" ] || exit 98; cd \"$2\" && exec \"$3\" demo --workspace demo --no-browser";
    let output = Command::new("unshare")
        .args(["--mount", "--map-root-user", "sh", "-c", script, "sh"])
        .arg(repo())
        .arg(&empty)
        .arg(bin.join("tamizdat"))
        .env("TAMIZDAT_HOME", work.path().join("home"))
        .stdin(Stdio::null())
        .output()
        .expect("run unshare (util-linux)");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_ne!(
        output.status.code(),
        Some(99),
        "this test hides the checkout with a private tmpfs mount (`unshare --mount --map-root-user`), \
         which this machine refused: run it as root or enable unprivileged user namespaces. {stderr}"
    );
    assert_eq!(output.status.code(), Some(0), "{stdout}{stderr}");
    assert!(stdout.contains("VALID"), "{stdout}");
    // The demo's own files are in the new folder, which lies outside the hidden checkout.
    let unpacked = empty.join("demo/edition");
    assert_eq!(
        files_under(&unpacked),
        files_under(&example_edition()),
        "the demo unpacks the carried edition byte for byte"
    );
}

/// The regular files under `root`, by path.
fn files_under(root: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    snapshot(root)
        .into_iter()
        .filter(|(path, _)| !path.ends_with('/'))
        .collect()
}

/// Replaces the file at `path` with `bytes` in one rename, as a hostile program on the same
/// machine (or a sync tool) could while a bundle is read.
fn swap_in(path: &Path, bytes: &[u8], scratch: &Path) {
    fs::write(scratch, bytes).unwrap();
    fs::rename(scratch, path).unwrap();
}

#[test]
fn replacing_the_bundle_at_its_path_during_an_import_never_mixes_two_editions() {
    let work = tempfile::tempdir().unwrap();
    let key = demo_key(work.path());
    // Two validly signed editions by the same key under the same number, with different files:
    // the strongest mix-up, since both claim the same edition id.
    let edition_b = work.path().join("edition-b");
    copy_tree(&example_edition(), &edition_b);
    write_file(
        &edition_b,
        "en/extra.md",
        b"# Only in B\n\nThis edition has one more article.\n",
    );
    let a = pack_ok(&example_edition(), &key, &work.path().join("a.tar.zst"));
    let b_path = work.path().join("b.tar.zst");
    let b = pack_ok(&edition_b, &key, &b_path);
    assert_ne!(a, b);

    let bundle = work.path().join("incoming.tar.zst");
    fs::write(&bundle, &a).unwrap();
    let stop = std::sync::atomic::AtomicBool::new(false);
    std::thread::scope(|scope| {
        scope.spawn(|| {
            let scratch = work.path().join("scratch.tmp");
            let mut turn = 0u64;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                swap_in(
                    &bundle,
                    if turn.is_multiple_of(2) { &b } else { &a },
                    &scratch,
                );
                turn += 1;
            }
        });
        for round in 0..12 {
            let library = work.path().join(format!("library-{round}"));
            let out = reader()
                .arg("open")
                .arg(&bundle)
                .arg("--library")
                .arg(&library)
                .arg("--public-key")
                .arg(&key.public_path)
                .arg("--no-browser")
                .run();
            out.expect_code(0);
            assert_library_is_consistent(&library);
        }
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
    });
}

/// Every record in the library names its own edition, and the edition's folder holds exactly
/// the files its manifest signs, byte for byte.
fn assert_library_is_consistent(library: &Path) {
    let mut records = 0;
    for entry in fs::read_dir(library.join("records")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        records += 1;
        let record: tamizdat::Record = serde_json::from_slice(&fs::read(&path).unwrap()).unwrap();
        assert_eq!(
            record.id,
            tamizdat::library::edition_id(&record.manifest),
            "{} names another edition than its manifest",
            path.display()
        );
        let files = files_under(&library.join("editions").join(&record.id));
        let signed: std::collections::BTreeMap<String, String> = record
            .manifest
            .files
            .iter()
            .map(|file| (file.path.as_str().to_string(), file.sha256.to_hex()))
            .collect();
        let found: std::collections::BTreeMap<String, String> = files
            .iter()
            .map(|(path, bytes)| {
                (
                    path.clone(),
                    tamizdat::format::Sha256Digest::of(bytes).to_hex(),
                )
            })
            .collect();
        assert_eq!(found, signed, "edition {} holds other files", record.id);
    }
    assert_eq!(records, 1, "one bundle opened, one edition imported");
}

#[test]
fn an_untrusted_bundle_gets_one_line_saying_what_is_wrong_and_what_to_do() {
    let work = tempfile::tempdir().unwrap();
    let key = demo_key(work.path());
    let bundle = work.path().join("a.tar.zst");
    pack_ok(&example_edition(), &key, &bundle);

    let verified = reader().arg("verify").arg(&bundle).run();
    verified.expect_code(1);
    let line = verified.line_starting("INVALID");
    assert!(
        line.contains("is not signed by a key you trust")
            && line.ends_with("run `tamizdat trust add KEY.pub`"),
        "{line}"
    );

    let out = work.path().join("out");
    let unpacked = reader()
        .arg("unpack")
        .arg(&bundle)
        .arg("--to")
        .arg(&out)
        .run();
    unpacked.expect_code(1);
    assert_eq!(unpacked.stdout, "");
    let lines: Vec<&str> = unpacked.stderr.lines().collect();
    assert_eq!(lines.len(), 1, "one line: {}", unpacked.stderr);
    assert!(
        lines[0].starts_with(&format!("tamizdat: {}: it is not signed", bundle.display()))
            && lines[0].contains("`tamizdat trust add KEY.pub`"),
        "{}",
        lines[0]
    );
    assert_absent(&out, "an untrusted bundle is not unpacked");
}

#[test]
fn library_error_messages_name_no_command_option_or_variable() {
    // The sentences of every error enum outside src/cli/ and src/bin/: what to do next, with
    // the command that does it, is the CLI's to add (src/cli/error.rs), since the library has
    // other callers.
    let mut offenders = Vec::new();
    let mut checked = 0;
    for entry in walkdir(&repo().join("src")) {
        let relative = entry
            .strip_prefix(repo())
            .unwrap()
            .to_string_lossy()
            .into_owned();
        if relative.starts_with("src/cli/") || relative.starts_with("src/bin/") {
            continue;
        }
        let text = fs::read_to_string(&entry).unwrap();
        let code = text.split("#[cfg(test)]").next().unwrap_or("");
        for (index, chunk) in code.split("#[error(").enumerate().skip(1) {
            let message = chunk.split(")]").next().unwrap_or("");
            checked += 1;
            let names_a_command = message.contains("`tamizdat")
                || message.contains("tamizdat-publish ")
                || message.contains("TAMIZDAT_")
                || names_an_option(message);
            if names_a_command {
                offenders.push(format!("{relative} (error #{index}): {message}"));
            }
        }
    }
    assert!(
        checked > 50,
        "found only {checked} error messages: is the scan broken?"
    );
    assert!(offenders.is_empty(), "{}", offenders.join("\n"));
}

/// True when `message` holds `--word` (an option), not a `---` line or a dash.
fn names_an_option(message: &str) -> bool {
    message
        .match_indices("--")
        .any(|(at, _)| message[at + 2..].starts_with(|c: char| c.is_ascii_lowercase()))
}

/// Every `.rs` file under `root`.
fn walkdir(root: &Path) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    for entry in fs::read_dir(root).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            found.extend(walkdir(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push(path);
        }
    }
    found
}

/// Runs `program` in a pseudo-terminal (util-linux `script`), as a person typing its name
/// would, in `folder`, with every place tamizdat could write pointed under `home`.
fn in_a_terminal(program: &Path, folder: &Path, home: &Path) -> std::process::Output {
    let output = std::process::Command::new("script")
        .args(["-qec"])
        .arg(program)
        .arg("/dev/null")
        .current_dir(folder)
        .env("TAMIZDAT_HOME", home.join("tamizdat-home"))
        .env("HOME", home)
        .env("XDG_DATA_HOME", home.join("data"))
        .env_remove("BROWSER")
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run `script` (apt-get install bsdutils)");
    assert!(
        output.status.code() != Some(127),
        "`script` could not run {}",
        program.display()
    );
    output
}

#[test]
fn bare_tamizdat_in_a_terminal_with_nothing_to_open_prints_help_and_creates_nothing() {
    let work = tempfile::tempdir().unwrap();
    // A copy of the program alone in a folder, started from an empty folder.
    let programs = work.path().join("programs");
    fs::create_dir(&programs).unwrap();
    let program = programs.join("tamizdat");
    fs::copy(env!("CARGO_BIN_EXE_tamizdat"), &program).unwrap();
    let folder = work.path().join("here");
    fs::create_dir(&folder).unwrap();
    let home = work.path().join("home");
    fs::create_dir(&home).unwrap();

    let output = in_a_terminal(&program, &folder, &home);
    let text = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{text}");
    assert!(
        text.contains("There is no bundle (*.tar.zst) here or next to tamizdat to open"),
        "{text}"
    );
    assert!(text.contains("Usage:") && text.contains("open"), "{text}");
    let created: Vec<_> = fs::read_dir(&home)
        .unwrap()
        .map(|entry| entry.unwrap().file_name())
        .collect();
    assert!(created.is_empty(), "bare tamizdat created {created:?}");
    assert_eq!(
        fs::read_dir(&folder).unwrap().count(),
        0,
        "it wrote in the folder"
    );

    // With a bundle in the folder, the same start imports it (the double-click path).
    fs::copy(
        repo().join("examples/demo-edition.tar.zst"),
        folder.join("news.tar.zst"),
    )
    .unwrap();
    let output = in_a_terminal(&program, &folder, &home);
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(!text.contains("There is no bundle"), "{text}");
    assert!(home.join("tamizdat-home/library").is_dir(), "{text}");
}

/// The subcommands of each program, as a user types them.
const COMMANDS: [(&str, &[&str]); 16] = [
    ("tamizdat", &[]),
    ("tamizdat", &["verify"]),
    ("tamizdat", &["unpack"]),
    ("tamizdat", &["info"]),
    ("tamizdat", &["fingerprint"]),
    ("tamizdat", &["trust", "add"]),
    ("tamizdat", &["trust", "list"]),
    ("tamizdat", &["trust", "remove"]),
    ("tamizdat", &["library", "list"]),
    ("tamizdat", &["library", "remove"]),
    ("tamizdat", &["open"]),
    ("tamizdat", &["serve"]),
    ("tamizdat", &["demo"]),
    ("tamizdat-publish", &[]),
    ("tamizdat-publish", &["keygen"]),
    ("tamizdat-publish", &["pack"]),
];

#[test]
fn every_help_describes_every_argument_and_lists_the_exit_codes() {
    for (program, words) in COMMANDS {
        let command = if program == "tamizdat" {
            reader()
        } else {
            publisher()
        };
        let out = command.args(words).arg("--help").run();
        out.expect_code(0);
        let shown = format!("{program} {}", words.join(" "));
        for code in [
            "Exit codes:",
            "  0  success",
            "  1  a bundle is invalid",
            "  2  a usage error",
        ] {
            assert!(
                out.stdout.contains(code),
                "{shown} --help lacks {code:?}:\n{}",
                out.stdout
            );
        }
        // Each argument or option line is followed by its description, on the same line or
        // the next.
        let lines: Vec<&str> = out.stdout.lines().collect();
        for (index, line) in lines.iter().enumerate() {
            let trimmed = line.trim_start();
            let indent = line.len() - trimmed.len();
            if indent != 2 || !(trimmed.starts_with('-') || trimmed.starts_with('<')) {
                continue;
            }
            let same_line = trimmed
                .split_once("  ")
                .is_some_and(|(_, rest)| !rest.trim().is_empty());
            let next_line = lines
                .get(index + 1)
                .is_some_and(|next| next.starts_with("          ") && !next.trim().is_empty());
            assert!(
                same_line || next_line,
                "{shown} --help: {trimmed:?} has no description:\n{}",
                out.stdout
            );
        }
    }
    // The publisher's tool says what it is for, not the reader's description.
    publisher()
        .arg("--help")
        .run()
        .expect_text("tamizdat-publish, for newsrooms");
    reader()
        .arg("--help")
        .run()
        .expect_text("tamizdat, for readers");
}
