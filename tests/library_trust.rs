//! "Verified" is true whenever a page shows it: every page's verification line follows the
//! reader's trust now. `trust remove` marks the editions of that key as signed by a key no
//! longer trusted, `trust add` restores them, an edition opened with a one-off `--public-key`
//! is never shown as verified, two editions signed under one number flag the one in the
//! library as disputed, and `library remove` forgets an edition.

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use common::*;

/// A reader's home with its default library, and bundles by two publishers.
struct Reader {
    _dir: tempfile::TempDir,
    work: PathBuf,
    home: PathBuf,
    first: Key,
    second: Key,
}

fn reader_with_two_publishers() -> Reader {
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path().to_path_buf();
    Reader {
        home: work.join("home"),
        first: make_key(&work, "First Publisher", 91),
        second: make_key(&work, "Second Publisher", 92),
        _dir: dir,
        work,
    }
}

impl Reader {
    fn library(&self) -> PathBuf {
        self.home.join("library")
    }

    fn bundle(&self, key: &Key, name: &str, extra_article: Option<&[u8]>) -> PathBuf {
        let edition = self.work.join(format!("edition-{name}"));
        if !edition.exists() {
            copy_tree(&example_edition(), &edition);
            if let Some(text) = extra_article {
                write_file(&edition, "extra.md", text);
            }
        }
        let bundle = self.work.join(format!("{name}.tar.zst"));
        pack(&edition, key, &bundle, &[]).expect_code(0);
        bundle
    }

    fn tamizdat(&self, args: &[&str]) -> Cmd {
        reader().args(args).home(&self.home)
    }

    fn open(&self, bundles: &[&Path], extra: &[&str]) -> Out {
        self.tamizdat(&["open", "--no-browser"])
            .args(extra)
            .args(bundles)
            .run()
    }

    fn trust(&self, action: &str, key: &Key) -> Out {
        let argument = if action == "add" {
            key.public_path.display().to_string()
        } else {
            key.fingerprint()
        };
        self.tamizdat(&["trust", action, &argument]).run()
    }

    /// The id of the edition signed by `key`.
    fn edition_of(&self, key: &Key) -> String {
        fs::read_dir(self.library().join("read"))
            .unwrap()
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .find(|id| id.starts_with(&key.key_id()))
            .unwrap_or_else(|| panic!("no edition by {}", key.key_id()))
    }

    /// Every page of edition `id`, with its text.
    fn pages(&self, id: &str) -> Vec<(PathBuf, String)> {
        let mut pages = Vec::new();
        for entry in walkdir::WalkDir::new(self.library().join("read").join(id)) {
            let entry = entry.unwrap();
            if entry.file_type().is_file() {
                let text = fs::read_to_string(entry.path()).unwrap();
                pages.push((entry.into_path(), text));
            }
        }
        assert!(pages.len() >= 4, "edition {id} has its pages");
        pages
    }

    #[track_caller]
    fn assert_every_page(&self, id: &str, says: &str, never: &str) {
        for (path, text) in self.pages(id) {
            assert!(
                text.contains(says),
                "{} does not say {says:?}",
                path.display()
            );
            assert!(!text.contains(never), "{} says {never:?}", path.display());
        }
    }

    /// The front page's card for edition `id`.
    fn card(&self, id: &str) -> String {
        let front = fs::read_to_string(self.library().join("index.html")).unwrap();
        let at = front
            .find(&format!("read/{id}/index.html"))
            .unwrap_or_else(|| panic!("the front page does not list {id}"));
        let end = at + front[at..].find("</li>").unwrap();
        front[at..end].to_string()
    }
}

/// Both publishers trusted, an edition by each opened: the reader, the first bundle, and the
/// ids of the first and second editions.
fn two_trusted_editions() -> (Reader, PathBuf, String, String) {
    let r = reader_with_two_publishers();
    r.trust("add", &r.first).expect_code(0);
    r.trust("add", &r.second).expect_code(0);
    let one = r.bundle(&r.first, "one", None);
    let two = r.bundle(&r.second, "two", None);
    r.open(&[&one, &two], &[]).expect_code(0);
    let (first, second) = (r.edition_of(&r.first), r.edition_of(&r.second));
    (r, one, first, second)
}

#[test]
fn trust_remove_marks_that_keys_editions_no_longer_trusted_and_trust_add_restores_them() {
    let (r, _, first, second) = two_trusted_editions();
    r.assert_every_page(&first, "✓ Verified", "Not verified");
    let untouched = snapshot(&r.library().join("read").join(&second));

    let removed = r.trust("remove", &r.first);
    removed.expect_code(0);
    let changed = removed.line_starting("CHANGED");
    assert!(
        changed.contains("First Publisher")
            && changed.ends_with("now signed by a key you no longer trust"),
        "{changed}"
    );
    r.assert_every_page(&first, "a key you no longer trust", "✓ Verified");
    assert!(
        r.card(&first)
            .contains("signed by a key you no longer trust"),
        "{}",
        r.card(&first)
    );
    assert!(!r.card(&second).contains("⚠"), "{}", r.card(&second));
    assert_same_tree(
        &untouched,
        &snapshot(&r.library().join("read").join(&second)),
        "the other publisher's pages",
    );

    let added = r.trust("add", &r.first);
    added.expect_code(0);
    assert!(
        added.line_starting("CHANGED").ends_with("now verified"),
        "{}",
        added.stdout
    );
    r.assert_every_page(&first, "✓ Verified", "Not verified");
    assert!(!r.card(&first).contains("⚠"), "{}", r.card(&first));
}

#[test]
fn an_edition_opened_with_a_one_off_key_is_never_shown_as_verified() {
    let r = reader_with_two_publishers();
    let one = r.bundle(&r.first, "one", None);
    let public_key = r.first.public_path.display().to_string();
    let opened = r.open(&[&one], &["--public-key", &public_key]);
    opened.expect_code(0);
    // The verdict itself says it, not only the pages.
    assert!(
        opened
            .line_starting("ADDED")
            .ends_with("; signed by a key you have not trusted"),
        "{}",
        opened.stdout
    );
    let id = r.edition_of(&r.first);
    r.assert_every_page(&id, "a key you have not trusted", "✓ Verified");
    assert!(r.card(&id).contains("signed by a key you have not trusted"));

    // Once trusted, for good, the same pages say so.
    r.trust("add", &r.first)
        .expect_code(0)
        .expect_text("now verified");
    r.assert_every_page(&id, "✓ Verified", "Not verified");
}

#[test]
fn two_editions_under_one_number_mark_the_one_in_the_library_disputed() {
    let r = reader_with_two_publishers();
    r.trust("add", &r.first).expect_code(0);
    let real = r.bundle(&r.first, "real", None);
    let other = r.bundle(
        &r.first,
        "other",
        Some(b"# A different edition under the same number\n"),
    );
    r.open(&[&real], &[]).expect_code(0);
    let id = r.edition_of(&r.first);
    r.assert_every_page(&id, "✓ Verified", "Disputed");

    let refused = r.open(&[&other], &[]);
    refused
        .expect_code(1)
        .expect_text("neither can be trusted to be the real one");
    r.assert_every_page(&id, "⚠ Disputed", "✓ Verified");
    assert!(r.card(&id).contains("disputed"), "{}", r.card(&id));
    // It stays disputed: opening the first copy again does not clear it.
    r.open(&[&real], &[]).expect_code(0);
    r.assert_every_page(&id, "⚠ Disputed", "✓ Verified");
    r.tamizdat(&["library", "list"])
        .run()
        .expect_code(0)
        .expect_text(&format!("{id}  disputed"));
}

#[test]
fn library_remove_forgets_an_edition_and_its_pages() {
    let (r, one, first, second) = two_trusted_editions();
    let listed = r.tamizdat(&["library", "list"]).run();
    listed
        .expect_code(0)
        .expect_text(&format!("{first}  verified"));

    r.tamizdat(&["library", "remove", &first])
        .run()
        .expect_code(0)
        .expect_text(&format!("REMOVED {first}"));
    for folder in ["read", "editions"] {
        assert!(
            !r.library().join(folder).join(&first).exists(),
            "{folder}/{first} is left"
        );
    }
    assert!(
        !r.library()
            .join("records")
            .join(format!("{first}.json"))
            .exists()
    );
    let front = fs::read_to_string(r.library().join("index.html")).unwrap();
    assert!(!front.contains(&first), "the front page still lists it");
    assert!(front.contains(&second), "the other edition stays");
    r.tamizdat(&["library", "list"])
        .run()
        .expect_code(0)
        .expect_no_text(&first);

    r.tamizdat(&["library", "remove", &first])
        .run()
        .expect_code(2)
        .expect_text(&format!("there is no edition {first} in the library"))
        .expect_text("`tamizdat library list`");
    // Opened again, it comes back whole.
    r.open(&[&one], &[]).expect_code(0).expect_text("ADDED");
    r.assert_every_page(&first, "✓ Verified", "Not verified");
}
