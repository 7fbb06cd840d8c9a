//! A reader with a stick: the program, a bundle and the publisher's public key file, signed by
//! a key the reader does not trust yet. Double-clicked (no terminal), the library's front page
//! says who claims to have signed it, the fingerprint to compare and the one command that trusts
//! it; at a terminal, typing the fingerprint's last four characters trusts it and reads on. A
//! wrong answer trusts nothing. Every refusal of the last open is on the front page.

mod common;

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use common::*;

/// A stick: the reader program, a good bundle, a truncated one, and the publisher's key.
struct Stick {
    _dir: tempfile::TempDir,
    folder: PathBuf,
    home: PathBuf,
    key: Key,
}

fn stick() -> Stick {
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path().to_path_buf();
    let key = make_key(&work, "Riverside Courier", 57);
    let folder = work.join("stick");
    fs::create_dir(&folder).unwrap();
    fs::copy(env!("CARGO_BIN_EXE_tamizdat"), folder.join("tamizdat")).unwrap();
    let bytes = pack_ok(&example_edition(), &key, &folder.join("news.tar.zst"));
    fs::write(folder.join("old-copy.tar.zst"), &bytes[..bytes.len() / 2]).unwrap();
    fs::copy(&key.public_path, folder.join("riverside.pub")).unwrap();
    Stick {
        home: work.join("home"),
        _dir: dir,
        folder,
        key,
    }
}

impl Stick {
    /// The program on the stick, started with no arguments from the stick's folder, as a
    /// double-click does: no terminal.
    fn double_click(&self) -> std::process::Output {
        Command::new(self.folder.join("tamizdat"))
            .current_dir(&self.folder)
            .env("TAMIZDAT_HOME", &self.home)
            .env_remove("BROWSER")
            .env("PATH", "/nonexistent")
            .stdin(Stdio::null())
            .output()
            .unwrap()
    }

    /// The same program started in a terminal (util-linux `script`), answering `typed`.
    fn in_a_terminal(&self, typed: &str) -> String {
        let mut child = Command::new("script")
            .arg("-qec")
            .arg(format!(
                "{} open --no-browser",
                self.folder.join("tamizdat").display()
            ))
            .arg("/dev/null")
            .current_dir(&self.folder)
            .env("TAMIZDAT_HOME", &self.home)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run `script` (apt-get install bsdutils)");
        child
            .stdin
            .take()
            .unwrap()
            .write_all(format!("{typed}\n").as_bytes())
            .unwrap();
        let output = child.wait_with_output().unwrap();
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    fn front_page(&self) -> String {
        fs::read_to_string(self.home.join("library/index.html")).unwrap()
    }

    fn last_four(&self) -> String {
        let fingerprint: String = self.key.fingerprint().replace('-', "");
        fingerprint[fingerprint.len() - 4..].to_string()
    }
}

fn key_file(stick: &Stick) -> PathBuf {
    fs::canonicalize(stick.folder.join("riverside.pub")).unwrap()
}

#[test]
fn double_clicked_next_to_an_untrusted_bundle_the_front_page_says_who_and_how_to_trust() {
    let s = stick();
    let output = s.double_click();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("not signed by a key you trust"), "{stdout}");
    // No browser here: it says where the explanation is, not "to read".
    assert!(stdout.contains("why, and what to do: open"), "{stdout}");
    assert!(!stdout.contains("to read:"), "{stdout}");

    let front = s.front_page();
    assert!(front.contains("Not added at your last open"), "{front}");
    assert!(front.contains("Riverside Courier"), "{front}");
    assert!(front.contains(&s.key.fingerprint()), "{front}");
    assert!(
        front.contains("Compare it, every group, with the fingerprint the publisher broadcasts")
    );
    let command = format!("tamizdat trust add \"{}\"", key_file(&s).display());
    assert!(front.contains(&command), "no {command} in {front}");
    // The damaged copy is there too, with what to do.
    assert!(front.contains("old-copy.tar.zst"), "{front}");
    assert!(
        !home_trusts(&s.home),
        "nothing was trusted without a comparison"
    );

    // The one command, then a double-click again: the edition is read, the refusals are gone.
    reader()
        .args(["trust", "add"])
        .arg(key_file(&s))
        .home(&s.home)
        .run()
        .expect_code(0);
    let output = s.double_click();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("ADDED"), "{stdout}");
    let front = s.front_page();
    assert!(!front.contains(&s.key.fingerprint()) || front.contains("Publishers"));
    assert!(
        front.contains("Not added at your last open"),
        "the damaged copy is still refused"
    );
    assert!(!front.contains("trust add"), "{front}");
    assert!(front.contains("The Riverside Courier"), "{front}");
}

fn home_trusts(home: &Path) -> bool {
    fs::read_dir(home.join("trusted-keys")).is_ok_and(|mut entries| entries.next().is_some())
}

#[test]
fn at_a_terminal_typing_the_fingerprints_end_trusts_the_key_and_a_wrong_one_does_not() {
    let s = stick();
    let wrong = if s.last_four() == "ABCD" {
        "WXYZ"
    } else {
        "ABCD"
    };
    let text = s.in_a_terminal(wrong);
    assert!(
        text.contains("says it was signed by \"Riverside Courier\""),
        "{text}"
    );
    assert!(text.contains(&s.key.fingerprint()), "{text}");
    assert!(
        text.contains("type the last four characters of the fingerprint the publisher gave you"),
        "{text}"
    );
    assert!(text.contains("are not the last four characters"), "{text}");
    assert!(!text.contains("ADDED"), "{text}");
    assert!(!home_trusts(&s.home), "a wrong answer trusted the key");

    let text = s.in_a_terminal(&s.last_four().to_lowercase());
    assert!(
        text.contains(&format!("TRUSTED {}", s.key.fingerprint())),
        "{text}"
    );
    assert!(text.contains("ADDED"), "{text}");
    assert!(home_trusts(&s.home));
    let page = walkdir::WalkDir::new(s.home.join("library/read"))
        .into_iter()
        .filter_map(Result::ok)
        .find(|entry| entry.path().ends_with("en/river-cleanup.md.html"))
        .expect("the English article's page");
    assert!(
        fs::read_to_string(page.path())
            .unwrap()
            .contains("✓ Verified")
    );
}
