//! `--passphrase-file FILE`, as keygen and pack meet it: every problem caused by the file is one
//! line on stderr naming that file (never blaming the secret key file), with what to do when
//! there is something to do, exit code 2, and nothing written.
//!
//! Refused keygens fail before any scrypt run; the pack tests share one keygen'd key and run
//! their packs at once, so the file stays fast in a debug build.

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use common::*;

const PASSPHRASE: &str = "correct horse battery staple";

/// Writes `bytes` at `dir/name` with `mode` and returns the path.
fn passphrase_file(dir: &Path, name: &str, bytes: &[u8], mode: u32) -> PathBuf {
    let path = dir.join(name);
    fs::write(&path, bytes).unwrap();
    chmod(&path, mode);
    path
}

/// One bad passphrase file: where it is and what the one line must say about it.
struct Bad {
    path: PathBuf,
    says: String,
    hint: Option<&'static str>,
}

/// Every passphrase file that neither keygen nor pack may accept, made in `dir`.
fn bad_passphrase_files(dir: &Path) -> Vec<Bad> {
    let folder = dir.join("folder");
    fs::create_dir(&folder).unwrap();
    chmod(&folder, 0o755);
    let limit = tamizdat::keys::MAX_KEY_FILE_LEN as usize;
    vec![
        Bad {
            path: dir.join("absent.txt"),
            says: "cannot read the passphrase file".to_string(),
            hint: None,
        },
        Bad {
            path: passphrase_file(dir, "exposed.txt", b"correct horse battery staple\n", 0o644),
            says: "can be read by other users (mode 644)".to_string(),
            hint: Some("run `chmod 600` on the file"),
        },
        Bad {
            path: passphrase_file(dir, "latin1.txt", b"caf\xe9 horse battery\n", 0o600),
            says: "it is not UTF-8 text".to_string(),
            hint: None,
        },
        Bad {
            path: passphrase_file(dir, "huge.txt", "p".repeat(limit + 1).as_bytes(), 0o600),
            says: "far too large".to_string(),
            hint: None,
        },
        Bad {
            path: folder,
            says: "is a folder, not a file".to_string(),
            hint: Some("give the path of the file that holds the passphrase"),
        },
        Bad {
            path: passphrase_file(dir, "empty.txt", b"", 0o600),
            says: "has no passphrase on its first line".to_string(),
            hint: Some("write the passphrase on the first line of the file"),
        },
        Bad {
            path: passphrase_file(dir, "blank.txt", b"\ncorrect horse battery\n", 0o600),
            says: "has no passphrase on its first line".to_string(),
            hint: Some("write the passphrase on the first line of the file"),
        },
    ]
}

/// Asserts `out` failed with exit code 2 and one stderr line naming `file` and saying `says`
/// (and `hint`), without blaming the secret key file.
#[track_caller]
fn assert_refused_naming(out: &Out, file: &Path, says: &str, hint: Option<&str>) {
    out.expect_code(2);
    let line = out.stderr.trim_end();
    assert!(
        !line.contains('\n') && line.starts_with("tamizdat-publish: "),
        "`{}`: not one line: {line}",
        out.shown
    );
    assert!(
        line.contains(&file.display().to_string()),
        "`{}`: the line does not name the passphrase file: {line}",
        out.shown
    );
    assert!(line.contains(says), "`{}`: {line}", out.shown);
    if let Some(hint) = hint {
        assert!(line.contains(hint), "`{}`: no hint: {line}", out.shown);
    }
    assert!(
        !line.contains("secret key file"),
        "`{}`: blames the secret key file: {line}",
        out.shown
    );
}

fn keygen(dir: &Path, passphrase_file: &Path) -> Cmd {
    keygen_cmd(dir)
        .arg("--passphrase-file")
        .arg(passphrase_file)
}

fn pack_with(key: &Path, out: &Path, passphrase_file: &Path) -> Cmd {
    publisher()
        .arg("pack")
        .arg(example_edition())
        .arg("--secret-key")
        .arg(key)
        .args(["--channel", CHANNEL, "--seq", "1", "--time", TIME, "-q"])
        .arg("--out")
        .arg(out)
        .arg("--passphrase-file")
        .arg(passphrase_file)
}

#[test]
fn keygen_names_the_bad_passphrase_file_and_writes_no_key() {
    let work = tempfile::tempdir().unwrap();
    let dir = work.path();
    let mut cases = bad_passphrase_files(dir);
    let short = passphrase_file(dir, "short.txt", b"nine char\n", 0o600);
    cases.push(Bad {
        says: format!(
            "the passphrase in {} has 9 characters; a new key needs at least 10",
            short.display()
        ),
        path: short,
        hint: Some("choose a longer one"),
    });
    let before = snapshot(dir);
    for bad in &cases {
        let out = keygen(dir, &bad.path).run();
        assert_refused_naming(&out, &bad.path, &bad.says, bad.hint);
        assert_same_tree(&before, &snapshot(dir), &out.shown);
    }
}

#[test]
fn pack_names_the_bad_or_wrong_passphrase_file_and_writes_no_bundle() {
    let work = tempfile::tempdir().unwrap();
    let dir = work.path();
    let right = passphrase_file(
        dir,
        "right.txt",
        format!("{PASSPHRASE}\n").as_bytes(),
        0o600,
    );
    keygen(dir, &right).run().expect_code(0);
    let key = dir.join("new.key");
    assert!(
        fs::read_to_string(&key)
            .unwrap()
            .starts_with("-----BEGIN AGE ENCRYPTED FILE-----"),
        "keygen --passphrase-file wrote an unencrypted key"
    );

    let mut cases = bad_passphrase_files(dir);
    // The wrong passphrase names both the file and the key it does not unlock.
    let wrong = passphrase_file(dir, "wrong.txt", b"not the passphrase at all\n", 0o600);
    cases.push(Bad {
        says: format!(
            "the passphrase in {} does not unlock {}",
            wrong.display(),
            key.display()
        ),
        path: wrong,
        hint: Some("check that the first line of the passphrase file is this key's passphrase"),
    });
    let out = |index: usize| dir.join(format!("b{index}.tzst"));
    let before = snapshot(dir);
    // Only the wrong passphrase costs an scrypt run; together with the right one, at once.
    let running: Vec<_> = cases
        .iter()
        .enumerate()
        .map(|(index, bad)| pack_with(&key, &out(index), &bad.path).spawn())
        .collect();
    let good = pack_with(&key, &dir.join("good.tzst"), &right).spawn();
    for ((index, bad), running) in cases.iter().enumerate().zip(running) {
        let refused = running.wait();
        assert_refused_naming(&refused, &bad.path, &bad.says, bad.hint);
        assert_absent(&out(index), &refused.shown);
    }
    let packed = good.wait();
    packed.expect_code(0);
    assert_eq!(packed.stderr, "", "the right passphrase file packs quietly");
    fs::remove_file(dir.join("good.tzst")).unwrap();
    assert_same_tree(&before, &snapshot(dir), "the refused packs");
    assert_no_leftovers(dir, "the refused packs");
}

#[test]
fn pack_with_a_passphrase_file_for_an_unencrypted_key_packs_and_says_it_was_not_read() {
    let work = tempfile::tempdir().unwrap();
    let dir = work.path();
    let key = make_key(dir, "Plain Publisher", 71);
    let unused = passphrase_file(
        dir,
        "unused.txt",
        format!("{PASSPHRASE}\n").as_bytes(),
        0o600,
    );
    let bundle = dir.join("b.tzst");
    let packed = pack_with(&key.secret_path, &bundle, &unused).run();
    packed.expect_code(0).expect_text(&format!(
        "tamizdat-publish: warning: {} is not encrypted, so the passphrase file {} was not read",
        key.secret_path.display(),
        unused.display()
    ));
    verify(&bundle, &key.public_path).expect_code(0);
}
