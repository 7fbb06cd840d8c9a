//! A damaged copy, as a reader meets it: `verify`, `unpack` and `open` say in plain words how
//! many files cannot be read and what to do, with the technical detail after it (and the list
//! of files with `-v`); `open --salvage` adds what verifies as an incomplete edition whose pages
//! list what is missing, never shown as complete; a complete copy opened later replaces it.

mod common;

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use common::*;

/// Six articles, each with an incompressible picture of 1.5 MB, so that the payload spans
/// several frames and damage to one frame costs a few files, not the edition.
fn picture_edition(root: &Path) {
    let mut rng = Rng::new(0xDA_4A6E);
    write_file(
        root,
        "index.md",
        b"---\ntitle: Damaged copies test edition\nlang: en\n---\n\n# Six stories\n",
    );
    for index in 0..6 {
        let article = format!(
            "---\ntitle: Story {index}\nlang: en\n---\n\n# Story {index}\n\n![The picture of story {index}]({index}-picture.png)\n\nSome text of story {index}.\n"
        );
        write_file(root, &format!("stories/{index}.md"), article.as_bytes());
        write_file(
            root,
            &format!("stories/{index}-picture.png"),
            &rng.bytes(1_500_000),
        );
    }
}

struct Scene {
    _dir: tempfile::TempDir,
    work: PathBuf,
    edition: PathBuf,
    home: PathBuf,
    library: PathBuf,
    key: Key,
    intact: PathBuf,
    bytes: Vec<u8>,
    frames: Vec<FrameInfo>,
    header_len: u64,
    /// Every file of the edition with the frame its tar entry starts in, in manifest order.
    files: Vec<(String, usize)>,
    id: String,
}

fn scene() -> Scene {
    let dir = tempfile::tempdir().expect("temporary folder");
    let work = dir.path().to_path_buf();
    let edition = work.join("edition");
    picture_edition(&edition);
    let key = make_key(&work, "Damage Test News", 83);
    let intact = work.join("intact.tar.zst");
    let bytes = pack_ok(&edition, &key, &intact);
    let info = info_json(&intact, &key.public_path);
    let frames = frames_of(&info);
    assert!(
        frames.len() >= 3,
        "the edition spans {} frames",
        frames.len()
    );
    let files = files_with_frames(&info);
    let id = format!(
        "{}-{}-{}",
        key.key_id(),
        info["manifest"]["channel"].as_str().expect("channel"),
        info["manifest"]["sequence"]
    );
    let home = work.join("home");
    fs::create_dir(&home).expect("home");
    reader()
        .home(&home)
        .args(["trust", "add"])
        .arg(&key.public_path)
        .run()
        .expect_code(0);
    Scene {
        header_len: header_len(&bytes),
        library: work.join("library"),
        _dir: dir,
        work,
        edition,
        home,
        key,
        intact,
        bytes,
        frames,
        files,
        id,
    }
}

impl Scene {
    /// A copy with one byte flipped in the middle of each of `frames`.
    fn damaged(&self, name: &str, frames: &[usize]) -> PathBuf {
        let mut bytes = self.bytes.clone();
        for &index in frames {
            let frame = self.frames[index];
            bytes[(self.header_len + frame.offset + frame.length / 2) as usize] ^= 0x20;
        }
        let path = self.work.join(name);
        fs::write(&path, bytes).expect("write the damaged copy");
        path
    }

    /// The files whose bytes lie in any of `frames`: no file of this edition is larger than a
    /// frame, so each lies wholly in the frame its entry starts in.
    fn lost_with(&self, frames: &[usize]) -> BTreeSet<String> {
        self.files
            .iter()
            .filter(|(_, frame)| frames.contains(frame))
            .map(|(path, _)| path.clone())
            .collect()
    }

    /// A frame in the middle that holds at least one picture and one article, and is not the
    /// frame holding the front page.
    fn middle_frame(&self) -> usize {
        (1..self.frames.len())
            .find(|&frame| {
                let lost = self.lost_with(&[frame]);
                lost.iter().any(|path| path.ends_with(".png"))
                    && lost.iter().any(|path| path.ends_with(".md"))
            })
            .expect("a frame holding a story and a picture")
    }

    fn open(&self, bundle: &Path, extra: &[&str]) -> Out {
        reader()
            .home(&self.home)
            .arg("open")
            .args(extra)
            .arg("--library")
            .arg(&self.library)
            .arg("--no-browser")
            .arg(bundle)
            .run()
    }

    fn record(&self) -> serde_json::Value {
        let path = self
            .library
            .join("records")
            .join(format!("{}.json", self.id));
        serde_json::from_slice(&fs::read(&path).expect("the record")).expect("record JSON")
    }

    fn page(&self, relative: &str) -> String {
        fs::read_to_string(self.library.join("read").join(&self.id).join(relative))
            .unwrap_or_else(|e| panic!("read page {relative}: {e}"))
    }

    fn front_page(&self) -> String {
        fs::read_to_string(self.library.join("index.html")).expect("the front page")
    }

    /// The files in the library's copy of the edition, each compared with the edition packed.
    fn files_in_library(&self) -> BTreeSet<String> {
        let folder = self.library.join("editions").join(&self.id);
        let tree = snapshot(&folder);
        let files = file_paths(&tree);
        assert!(
            tree.keys()
                .all(|key| files.contains(key) || key.ends_with('/')),
            "only files and folders in the library's copy"
        );
        for path in &files {
            let bytes = &tree[path];
            let original = fs::read(self.edition.join(path))
                .unwrap_or_else(|e| panic!("{path} is not a file of the edition: {e}"));
            assert!(
                *bytes == original,
                "{path} in the library differs from the edition"
            );
        }
        files
    }
}

fn all_files(scene: &Scene) -> BTreeSet<String> {
    scene.files.iter().map(|(path, _)| path.clone()).collect()
}

#[test]
fn a_damaged_copy_is_told_as_files_that_cannot_be_read_with_the_detail_after() {
    let scene = scene();
    let frame = scene.middle_frame();
    let lost = scene.lost_with(&[frame]);
    let total = scene.files.len();
    let damaged = scene.damaged("damaged.tar.zst", &[frame]);
    let sentence = format!(
        "this copy is damaged: {} of {total} files cannot be read",
        lost.len()
    );

    let verified = reader()
        .arg("verify")
        .arg("--public-key")
        .arg(&scene.key.public_path)
        .arg(&damaged)
        .run();
    verified.expect_code(1);
    let line = verified.line_starting("INVALID");
    let people = line.find(&sentence).expect("the sentence for people");
    let detail = line
        .find(&format!("(detail: corrupted: frame {frame} "))
        .unwrap_or_else(|| panic!("the technical detail comes after it: {line}"));
    assert!(people < detail, "{line}");
    assert!(line.contains("ask for another copy"), "{line}");
    assert!(
        line.contains(&format!(
            "`tamizdat open --salvage` on this one to read the {} other files that are intact",
            total - lost.len()
        )),
        "{line}"
    );
    // Without -v, the files are not listed one by one; with it, each is.
    verified.expect_no_text("cannot be read: ");
    let verbose = reader()
        .args(["verify", "-v", "--public-key"])
        .arg(&scene.key.public_path)
        .arg(&damaged)
        .run();
    let listed: BTreeSet<String> = verbose
        .stdout
        .lines()
        .filter_map(|line| line.strip_prefix("  cannot be read: "))
        .map(str::to_string)
        .collect();
    assert_eq!(listed, lost);

    // For scripts: the same, as fields.
    let json = reader()
        .args(["verify", "--json", "--public-key"])
        .arg(&scene.key.public_path)
        .arg(&damaged)
        .run();
    json.expect_code(1);
    let value: serde_json::Value =
        serde_json::from_str(json.stdout.trim()).expect("one JSON object");
    assert_eq!(value["verdict"], "invalid");
    assert_eq!(value["reason"], sentence);
    assert_eq!(value["damage"]["files"], total);
    let unreadable: BTreeSet<String> = value["damage"]["unreadable"]
        .as_array()
        .expect("the unreadable files")
        .iter()
        .map(|path| path.as_str().expect("a path").to_string())
        .collect();
    assert_eq!(unreadable, lost);
    assert!(
        value["damage"]["detail"]
            .as_str()
            .is_some_and(|detail| detail.contains(&format!("frame {frame}"))),
        "{value}"
    );

    // A plain unpack refuses it in the same words, and says which salvage helps.
    let destination = scene.work.join("unpacked");
    let unpacked = unpack(&damaged, &destination, &scene.key.public_path);
    unpacked
        .expect_code(1)
        .expect_text(&sentence)
        .expect_text("`tamizdat unpack --salvage`");
    assert_absent(&destination, "a refused unpack");

    // Cut short: said as such, with the count.
    let cut = scene.frames[frame].offset + scene.header_len + 10;
    let truncated = scene.work.join("truncated.tar.zst");
    fs::write(&truncated, &scene.bytes[..cut as usize]).expect("write");
    let lost_cut: Vec<&String> = scene
        .files
        .iter()
        .filter(|(_, start)| *start >= frame)
        .map(|(path, _)| path)
        .collect();
    reader()
        .arg("verify")
        .arg("--public-key")
        .arg(&scene.key.public_path)
        .arg(&truncated)
        .run()
        .expect_code(1)
        .expect_text(&format!(
            "this copy is cut short (a download or copy that stopped early): {} of {total} files cannot be read",
            lost_cut.len()
        ))
        .expect_text("(detail: truncated");
}

#[test]
fn open_salvage_adds_an_incomplete_edition_never_shown_complete_until_a_whole_copy_replaces_it() {
    let scene = scene();
    let frame = scene.middle_frame();
    let lost = scene.lost_with(&[frame]);
    let total = scene.files.len();
    let damaged = scene.damaged("damaged.tar.zst", &[frame]);

    // Without --salvage: refused, and the front page says why and what to do.
    let refused = scene.open(&damaged, &[]);
    refused.expect_code(1);
    let line = refused.line_starting("INVALID");
    assert!(
        line.contains(&format!(
            "this copy is damaged: {} of {total} files cannot be read",
            lost.len()
        )),
        "{line}"
    );
    assert!(!scene.library.join("editions").join(&scene.id).exists());
    let front = scene.front_page();
    assert!(front.contains("Not added at your last open"), "{front}");
    assert!(
        front.contains(&format!("{} of {total} files cannot be read", lost.len())),
        "{front}"
    );
    assert!(front.contains("tamizdat open --salvage"), "{front}");

    // With --salvage: what verifies is added, as incomplete, exit 1.
    let salvaged = scene.open(&damaged, &["--salvage"]);
    salvaged.expect_code(1);
    let line = salvaged.line_starting("INCOMPLETE");
    assert!(
        line.contains(&format!("{} of {total} files cannot be read", lost.len())),
        "{line}"
    );
    let record = scene.record();
    let missing: BTreeSet<String> = record["missing"]
        .as_array()
        .expect("the record lists the missing files")
        .iter()
        .map(|path| path.as_str().expect("a path").to_string())
        .collect();
    assert_eq!(missing, lost);
    let present = scene.files_in_library();
    assert_eq!(
        present,
        all_files(&scene).difference(&lost).cloned().collect(),
        "exactly the intact files, each as signed"
    );

    // Every page says it is incomplete; the edition's page lists every missing file.
    let edition_page = scene.page("index.html");
    assert!(edition_page.contains("⚠ Incomplete"), "{edition_page}");
    assert!(
        edition_page.contains(&format!(
            "{} of its {total} files could not be recovered",
            lost.len()
        )),
        "{edition_page}"
    );
    for path in &lost {
        assert!(
            edition_page.contains(&format!("<li><code><bdi>{path}</bdi></code></li>")),
            "the edition's page lists {path}"
        );
    }
    let front = scene.front_page();
    assert!(
        front.contains(&format!(
            "⚠ Incomplete</span> {} of {total} files are missing from this copy",
            lost.len()
        )),
        "{front}"
    );
    for index in 0..6 {
        let article = format!("stories/{index}.md");
        let picture = format!("stories/{index}-picture.png");
        let page = scene.page(&format!("{article}.html"));
        assert!(page.contains("⚠ Incomplete"), "{article}'s page");
        if lost.contains(&article) {
            assert!(
                page.contains("its file is missing from this incomplete copy of the edition"),
                "{page}"
            );
        } else if lost.contains(&picture) {
            assert!(
                page.contains(&format!(
                    "[<bdi>The picture of story {index}</bdi>: not shown, it is missing from this incomplete copy]"
                )),
                "{page}"
            );
            assert!(
                !page.contains("<img"),
                "no picture that is not there: {page}"
            );
        } else {
            assert!(page.contains("<img src="), "{page}");
        }
    }
    let listed = reader()
        .home(&scene.home)
        .args(["library", "list", "--library"])
        .arg(&scene.library)
        .run();
    listed.expect_code(0).expect_text(&format!(
        "incomplete: {} of {total} files are missing",
        lost.len()
    ));

    // A copy damaged worse is not taken in place of it.
    let before = snapshot(&scene.library.join("editions"));
    let worse = scene.damaged("worse.tar.zst", &[frame, frame - 1]);
    let again = scene.open(&worse, &["--salvage"]);
    again.expect_code(1).line_starting("ALREADY");
    assert!(snapshot(&scene.library.join("editions")) == before);
    assert_eq!(
        scene.record()["missing"].as_array().map(Vec::len),
        Some(lost.len())
    );

    // The whole copy replaces it: every file, no page left saying incomplete.
    let front_page_before = fs::read(scene.library.join("index.html")).expect("front page");
    let whole = scene.open(&scene.intact, &[]);
    whole.expect_code(0).line_starting("ADDED");
    assert_eq!(scene.files_in_library(), all_files(&scene));
    assert!(scene.record().get("missing").is_none());
    assert!(!scene.page("index.html").contains("Incomplete"));
    for index in 0..6 {
        let page = scene.page(&format!("stories/{index}.md.html"));
        assert!(
            !page.contains("Incomplete") && page.contains("<img src="),
            "{page}"
        );
    }
    assert!(!scene.front_page().contains("Incomplete"));
    assert_no_leftovers(&scene.library, "after the replacement");
    let names: Vec<String> = fs::read_dir(scene.library.join("editions"))
        .expect("editions")
        .map(|entry| {
            entry
                .expect("entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    assert_eq!(
        names,
        vec![scene.id.clone()],
        "no replacement folder left behind"
    );

    // A run killed after the record and before the front page leaves the old front page; the
    // next run must not go on calling the edition incomplete.
    fs::write(scene.library.join("index.html"), &front_page_before).expect("old front page");
    scene
        .open(&scene.intact, &[])
        .expect_code(0)
        .line_starting("ALREADY");
    assert!(
        !scene.front_page().contains("Incomplete"),
        "the front page still calls the whole edition incomplete"
    );
}

#[test]
fn a_salvage_that_recovers_nothing_fails_loudly_and_changes_nothing() {
    let scene = scene();
    let every: Vec<usize> = (0..scene.frames.len()).collect();
    let ruined = scene.damaged("ruined.tar.zst", &every);
    // A library that already holds another edition, to see that nothing of it moves.
    let other = scene.work.join("other");
    copy_tree(&example_edition(), &other);
    let other_key = make_key(&scene.work, "Other News", 84);
    let other_bundle = scene.work.join("other.tar.zst");
    pack_ok(&other, &other_key, &other_bundle);
    let public_key = other_key.public_path.to_string_lossy().into_owned();
    scene
        .open(&other_bundle, &["--public-key", &public_key])
        .expect_code(0);
    let editions = snapshot(&scene.library.join("editions"));
    let records = snapshot(&scene.library.join("records"));
    let pages = snapshot(&scene.library.join("read"));

    let out = scene.open(&ruined, &["--salvage"]);
    out.expect_code(1)
        .expect_text("nothing could be recovered")
        .expect_no_line_starting("INCOMPLETE")
        .expect_no_line_starting("ADDED");
    assert!(snapshot(&scene.library.join("editions")) == editions);
    assert!(snapshot(&scene.library.join("records")) == records);
    assert!(snapshot(&scene.library.join("read")) == pages);
}

#[test]
fn a_copy_with_bytes_added_after_its_end_is_said_so_and_salvaged_whole() {
    let scene = scene();
    let mut bytes = scene.bytes.clone();
    bytes.extend_from_slice(b"appended by someone on the way");
    let padded = scene.work.join("padded.tar.zst");
    fs::write(&padded, &bytes).expect("write");
    let total = scene.files.len();
    let sentence = format!(
        "this copy has bytes added after its end that the publisher did not sign, though each of its {total} files can still be read"
    );
    scene
        .open(&padded, &[])
        .expect_code(1)
        .expect_text(&sentence);
    // With --salvage the edition is whole: added, not incomplete, and the copy still named.
    let salvaged = scene.open(&padded, &["--salvage"]);
    salvaged.expect_code(1).expect_text(&sentence);
    salvaged.line_starting("ADDED");
    assert_eq!(scene.files_in_library(), all_files(&scene));
    assert!(scene.record().get("missing").is_none());
}
