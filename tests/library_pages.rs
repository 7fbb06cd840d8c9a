//! The library's pages are incremental and crash-safe: an import writes only the new edition's
//! pages and the front page; opening an edition already there writes nothing; `open` killed at
//! any moment leaves the old library or the new one with every link resolving, and the next run
//! sweeps what it left; a disk or file-size limit too small for the pages gives "not enough
//! space" and leaves the library as it was; a running `serve` never answers 404 for a page that
//! exists before and after an import.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use common::library as library_fixtures;
use common::*;

/// A key, an empty folder to run in, and bundles of one channel with sequences 1, 2, ...
struct Shelf {
    _dir: tempfile::TempDir,
    work: PathBuf,
    home: PathBuf,
    key: Key,
    library: PathBuf,
    bundles: Vec<PathBuf>,
}

/// Packs `edition` as edition `sequence` of the test channel.
fn pack_sequence(edition: &Path, key: &Key, out: &Path, sequence: u64) {
    publisher()
        .arg("pack")
        .arg(edition)
        .arg("--secret-key")
        .arg(&key.secret_path)
        .args(["--channel", CHANNEL, "--time", TIME])
        .args(["--seq", &sequence.to_string()])
        .args(["--title", &format!("Edition number {sequence}")])
        .arg("--out")
        .arg(out)
        .run()
        .expect_code(0);
}

/// The demo edition with `articles` more Markdown articles of a few kilobytes each, so that
/// building its pages takes long enough to be interrupted.
fn demo_with_articles(root: &Path, articles: usize, seed: u64) {
    demo_with_articles_of(root, articles, 3_000, seed);
}

/// The demo edition with `articles` more Markdown articles of `len` to twice `len` bytes.
fn demo_with_articles_of(root: &Path, articles: usize, len: usize, seed: u64) {
    copy_tree(&example_edition(), root);
    let mut rng = Rng::new(seed);
    for index in 0..articles {
        let len = len + rng.below(len as u64) as usize;
        let body = String::from_utf8_lossy(&rng.text(len))
            .replace(['#', '<', '>', '[', ']', '`', '*', '_', '\\'], " ");
        write_file(
            root,
            &format!("more/article-{index:03}.md"),
            format!(
                "---\ntitle: Article {index}\nlang: en\n---\n\n# Article {index}\n\n{body}\n\n\
                 [Back to the river story](../en/river-cleanup.md)\n"
            )
            .as_bytes(),
        );
    }
}

fn shelf(editions: u64, articles: usize) -> Shelf {
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path().to_path_buf();
    let home = work.join("home");
    fs::create_dir_all(work.join("empty")).unwrap();
    let key = make_key(&work, "Pages Test Key", 47);
    let mut bundles = Vec::new();
    for sequence in 1..=editions {
        let edition = work.join(format!("edition-{sequence}"));
        demo_with_articles(&edition, articles, sequence);
        let bundle = work.join(format!("edition-{sequence}.tar.zst"));
        pack_sequence(&edition, &key, &bundle, sequence);
        bundles.push(bundle);
    }
    Shelf {
        library: work.join("library"),
        _dir: dir,
        work,
        home,
        key,
        bundles,
    }
}

impl Shelf {
    /// `tamizdat open --library LIBRARY --public-key KEY --no-browser BUNDLES...`, run
    /// in an empty folder so that no bundle is found nearby.
    fn open_command(&self, library: &Path, bundles: &[&Path]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_tamizdat"));
        command
            .arg("open")
            .arg("--library")
            .arg(library)
            .arg("--public-key")
            .arg(&self.key.public_path)
            .arg("--no-browser")
            .args(bundles)
            .current_dir(self.work.join("empty"))
            .env("TAMIZDAT_HOME", &self.home)
            .env_remove("BROWSER")
            .stdin(Stdio::null());
        command
    }

    #[track_caller]
    fn open(&self, bundles: &[&Path]) -> String {
        let output = self.open_command(&self.library, bundles).output().unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        assert!(
            output.status.success(),
            "open failed: {stdout}{}",
            String::from_utf8_lossy(&output.stderr)
        );
        stdout
    }
}

/// Every file and folder under `root`, with what tells a rewrite apart: inode, modification
/// time in nanoseconds, and for files their bytes.
type Stamps = BTreeMap<String, (u64, i64, i64, Option<Vec<u8>>)>;

fn stamps(root: &Path) -> Stamps {
    stamps_of(root, true)
}

/// [`stamps`] where a folder is only its name: adding and removing a work file inside it
/// changes its time but not what the library holds.
fn contents(root: &Path) -> Stamps {
    stamps_of(root, false)
}

fn stamps_of(root: &Path, folder_times: bool) -> Stamps {
    let mut stamps = BTreeMap::new();
    for entry in walkdir::WalkDir::new(root).min_depth(1) {
        let entry = entry.unwrap();
        let metadata = entry.metadata().unwrap();
        let relative = entry
            .path()
            .strip_prefix(root)
            .unwrap()
            .to_string_lossy()
            .into_owned();
        if metadata.is_dir() && !folder_times {
            stamps.insert(relative, (0, 0, 0, None));
            continue;
        }
        let bytes = metadata.is_file().then(|| fs::read(entry.path()).unwrap());
        stamps.insert(
            relative,
            (
                metadata.ino(),
                metadata.mtime(),
                metadata.mtime_nsec(),
                bytes,
            ),
        );
    }
    stamps
}

/// Fails naming every path added, removed or changed between two [`stamps`].
#[track_caller]
fn assert_same_stamps(before: &Stamps, after: &Stamps, context: &str) {
    let mut differences = Vec::new();
    for (path, stamp) in before {
        match after.get(path) {
            None => differences.push(format!("{path} removed")),
            Some(other) if other != stamp => differences.push(format!("{path} changed")),
            Some(_) => {}
        }
    }
    for path in after.keys() {
        if !before.contains_key(path) {
            differences.push(format!("{path} added"));
        }
    }
    assert!(differences.is_empty(), "{context}: {differences:#?}");
}

/// The ids of the editions the front page links to, from its links to `read/ID/index.html`.
fn listed_editions(library: &Path) -> BTreeSet<String> {
    links_of(&library.join("index.html"))
        .into_iter()
        .filter_map(|link| {
            let rest = link.strip_prefix("read/")?;
            let (id, page) = rest.split_once('/')?;
            (page == "index.html").then(|| id.to_string())
        })
        .collect()
}

/// Every `href` and `src` of a page, as written.
fn links_of(page: &Path) -> Vec<String> {
    let html =
        fs::read_to_string(page).unwrap_or_else(|error| panic!("read {}: {error}", page.display()));
    let document = scraper::Html::parse_document(&html);
    let selector = scraper::Selector::parse("[href], [src]").unwrap();
    document
        .select(&selector)
        .flat_map(|element| {
            ["href", "src"]
                .into_iter()
                .filter_map(|name| element.value().attr(name).map(str::to_string))
                .collect::<Vec<_>>()
        })
        .collect()
}

/// Checks that every local link of `page` names a file that exists; returns the pages linked.
#[track_caller]
fn assert_links_resolve(page: &Path, context: &str) -> Vec<PathBuf> {
    let mut linked = Vec::new();
    for link in links_of(page) {
        let target = link.split(['#', '?']).next().unwrap_or_default();
        if target.is_empty() || link.starts_with("data:") {
            continue;
        }
        assert!(
            !target.contains(':') && !target.starts_with("//"),
            "{context}: {} links outside the library: {link}",
            page.display()
        );
        let decoded = percent_encoding::percent_decode_str(target)
            .decode_utf8()
            .unwrap()
            .into_owned();
        let path = page.parent().unwrap().join(&decoded);
        assert!(
            path.is_file(),
            "{context}: {} links to {link}, which does not exist",
            page.display()
        );
        if decoded.ends_with(".html") {
            linked.push(path);
        }
    }
    linked
}

/// Walks the library from its front page through every page it links to, checking that every
/// link on the way resolves; returns how many pages were visited.
#[track_caller]
fn assert_every_link_resolves(library: &Path, context: &str) -> usize {
    let mut seen = BTreeSet::new();
    let mut to_visit = vec![library.join("index.html")];
    while let Some(page) = to_visit.pop() {
        let page = fs::canonicalize(&page).unwrap();
        if !seen.insert(page.clone()) {
            continue;
        }
        to_visit.extend(assert_links_resolve(&page, context));
    }
    seen.len()
}

/// Names of tamizdat's work files anywhere in the library, the lock file aside.
fn work_files(library: &Path) -> Vec<String> {
    walkdir::WalkDir::new(library)
        .into_iter()
        .filter_map(Result::ok)
        .map(|entry| entry.path().strip_prefix(library).unwrap().to_path_buf())
        .filter(|relative| {
            relative.components().any(|part| {
                let part = part.as_os_str().to_string_lossy();
                part.starts_with(".tamizdat-") && !part.starts_with(".tamizdat-lock-")
            })
        })
        .map(|relative| relative.to_string_lossy().into_owned())
        .collect()
}

/// Folders in `editions/` and `read/` with no record: interrupted imports.
fn unrecorded_folders(library: &Path) -> Vec<String> {
    let mut found = Vec::new();
    for folder in ["editions", "read"] {
        let Ok(entries) = fs::read_dir(library.join(folder)) else {
            continue;
        };
        for entry in entries {
            let name = entry.unwrap().file_name().to_string_lossy().into_owned();
            if !name.starts_with('.')
                && !library
                    .join("records")
                    .join(format!("{name}.json"))
                    .exists()
            {
                found.push(format!("{folder}/{name}"));
            }
        }
    }
    found
}

#[test]
fn an_import_writes_only_the_new_editions_pages_and_reopening_writes_nothing() {
    let shelf = shelf(2, 20);
    let first = shelf.open(&[&shelf.bundles[0]]);
    assert!(first.contains("ADDED"), "{first}");
    let before = stamps(&shelf.library);
    let [first_id] = listed_editions(&shelf.library)
        .into_iter()
        .collect::<Vec<_>>()
        .try_into()
        .unwrap();
    let pages_of_first: Vec<&String> = before
        .keys()
        .filter(|path| path.starts_with(&format!("read/{first_id}/")))
        .collect();
    assert!(
        pages_of_first.len() > 20,
        "the first edition has its pages: {pages_of_first:?}"
    );

    let second = shelf.open(&[&shelf.bundles[1]]);
    assert!(second.contains("ADDED"), "{second}");
    let after = stamps(&shelf.library);
    let listed = listed_editions(&shelf.library);
    assert_eq!(listed.len(), 2, "the front page lists both: {listed:?}");
    let second_id = listed.iter().find(|id| **id != first_id).unwrap();

    // Every file there before is untouched (same inode, time and bytes), but the front page.
    for (path, stamp) in &before {
        if stamp.3.is_none() || path == "index.html" {
            continue;
        }
        assert!(
            after.get(path) == Some(stamp),
            "{path} was rewritten or removed by the second import"
        );
    }
    assert_ne!(
        before.get("index.html"),
        after.get("index.html"),
        "the front page now lists the second edition"
    );
    // And every file written is the new edition's: its files, its record, its pages.
    for (path, stamp) in &after {
        if stamp.3.is_none() || before.contains_key(path) {
            continue;
        }
        assert!(
            path.starts_with(&format!("read/{second_id}/"))
                || path.starts_with(&format!("editions/{second_id}/"))
                || *path == format!("records/{second_id}.json"),
            "the second import wrote {path}, which is not the second edition's"
        );
    }
    assert_every_link_resolves(&shelf.library, "after two imports");

    // Opening both again, or opening the library with no bundle, writes nothing at all.
    let again = shelf.open(&[&shelf.bundles[0], &shelf.bundles[1]]);
    assert_eq!(again.matches("ALREADY").count(), 2, "{again}");
    assert_same_stamps(
        &after,
        &stamps(&shelf.library),
        "re-opening editions already there changed the library",
    );
    shelf.open(&[]);
    assert_same_stamps(
        &after,
        &stamps(&shelf.library),
        "opening the library changed it",
    );
}

#[test]
fn open_killed_at_60_random_moments_leaves_the_old_or_the_new_library_with_every_link_resolving() {
    let shelf = shelf(2, 150);
    let base = shelf.work.join("base");
    shelf.open(&[&shelf.bundles[0]]);
    fs::rename(&shelf.library, &base).unwrap();
    let old_listing = listed_editions(&base);
    assert_eq!(old_listing.len(), 1);

    // One whole import, timed, and the library it gives, to compare the killed runs with.
    let complete = shelf.work.join("complete");
    copy_tree(&base, &complete);
    let started = Instant::now();
    assert!(
        shelf
            .open_command(&complete, &[&shelf.bundles[1]])
            .stdout(Stdio::null())
            .status()
            .unwrap()
            .success()
    );
    let whole = started.elapsed();
    let new_listing = listed_editions(&complete);
    assert_eq!(new_listing.len(), 2);
    let new_id = new_listing.difference(&old_listing).next().unwrap().clone();
    // The pages' names: their text says when the edition was imported, which differs.
    let pages_of = |library: &Path| -> BTreeSet<String> {
        file_paths(&snapshot(&library.join("read").join(&new_id)))
    };
    let expected_pages = pages_of(&complete);

    let library = &shelf.library;
    let mut rng = Rng::new(0x0BE_4ED);
    let (mut old, mut new, mut with_leftovers, mut while_writing_pages) = (0, 0, 0, 0);
    for attempt in 0..60 {
        if library.exists() {
            fs::remove_dir_all(library).unwrap();
        }
        copy_tree(&base, library);
        let delay = whole.mul_f64(rng.below(1100) as f64 / 1000.0);
        let mut child = shelf
            .open_command(library, &[&shelf.bundles[1]])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(delay);
        let _ = child.kill(); // SIGKILL; fails only if it already finished
        child.wait().unwrap();

        let context = format!("attempt {attempt}, killed after {delay:?}");
        let listing = listed_editions(library);
        if listing == old_listing {
            old += 1;
        } else {
            assert_eq!(
                listing, new_listing,
                "{context}: the front page lists neither the old nor the new editions"
            );
            assert_eq!(
                pages_of(library),
                expected_pages,
                "{context}: the new edition is listed but its pages are not complete"
            );
            new += 1;
        }
        assert_every_link_resolves(library, &context);
        if fs::read_dir(library.join("read")).unwrap().any(|entry| {
            let name = entry.unwrap().file_name();
            name.to_string_lossy().starts_with(".tamizdat-")
        }) {
            while_writing_pages += 1;
        }
        if !work_files(library).is_empty() || !unrecorded_folders(library).is_empty() {
            with_leftovers += 1;
        }

        // The next run sweeps every leftover, and shows the same state or completes nothing
        // it was not asked to.
        let tidied = shelf
            .open_command(library, &[])
            .stdout(Stdio::null())
            .status()
            .unwrap();
        assert!(tidied.success(), "{context}: the next open failed");
        assert_eq!(
            work_files(library),
            Vec::<String>::new(),
            "{context}: the next run left work files"
        );
        assert_eq!(
            unrecorded_folders(library),
            Vec::<String>::new(),
            "{context}: the next run left an interrupted import"
        );
        let after_tidy = listed_editions(library);
        assert!(
            after_tidy == old_listing || after_tidy == new_listing,
            "{context}: after the next run the front page lists {after_tidy:?}"
        );
        assert_every_link_resolves(library, &format!("{context}, after the next run"));
    }
    eprintln!(
        "one import takes {whole:?}; of 60 kills, {old} left the old library, {new} the new \
         one; {with_leftovers} left work files or an interrupted import, \
         {while_writing_pages} landed while pages were being written"
    );
    assert!(
        while_writing_pages > 0 && old > 0,
        "no kill landed while the pages were being written: the test proved nothing"
    );

    // After all that, importing the edition gives exactly the pages of an uninterrupted run.
    shelf.open(&[&shelf.bundles[1]]);
    assert_eq!(listed_editions(library), new_listing);
    assert_eq!(pages_of(library), expected_pages);
    assert_every_link_resolves(library, "after the last import");
}

/// A sha256 listing of every file and a list of every folder under the library, made inside the
/// mount namespace (the tmpfs is only visible there).
/// The front page and `last-open.json` are left out: they change to list the refusal; the last
/// line counts the refusal notes on the front page.
const LISTING: &str = "(cd \"$LIBRARY\" && find . -type d | sort && find . -type f ! -path ./index.html ! -path ./last-open.json -exec sha256sum {} + | sort -k 2; grep -c 'Not added at your last open' index.html)";

#[test]
fn pages_that_do_not_fit_on_a_small_disk_are_refused_and_the_library_stays_as_it_was() {
    let shelf = shelf(1, 0);
    // An edition whose files fit on a 4 MiB disk, but not with its pages: 60 articles of
    // about 16 kB.
    let big = shelf.work.join("big-edition");
    demo_with_articles_of(&big, 60, 11_000, 99);
    let big_bundle = shelf.work.join("big.tar.zst");
    pack_sequence(&big, &shelf.key, &big_bundle, 2);
    let files_size: u64 = walkdir::WalkDir::new(&big)
        .into_iter()
        .map(|e| e.unwrap().metadata().unwrap().len())
        .sum();
    assert!(
        (900_000..1_400_000).contains(&files_size),
        "the files alone fit: {files_size}"
    );

    let small = shelf.work.join("small-disk");
    fs::create_dir(&small).unwrap();
    let library = small.join("library");
    // Each import as a script of its own, run inside the mount namespace.
    for (name, bundle) in [("first.sh", &shelf.bundles[0]), ("second.sh", &big_bundle)] {
        let command = shelf.open_command(&library, &[bundle]);
        let words: Vec<String> = std::iter::once(command.get_program())
            .chain(command.get_args())
            .map(|word| format!("'{}'", word.to_string_lossy().replace('\'', "'\\''")))
            .collect();
        fs::write(
            shelf.work.join(name),
            format!(
                "cd '{}' && exec {} 2>&1\n",
                shelf.work.join("empty").display(),
                words.join(" ")
            ),
        )
        .unwrap();
    }
    let script = format!(
        "mount -t tmpfs -o size=4m tamizdat-test \"$SMALL\" || exit 99; \
         sh \"$WORK/first.sh\" >/dev/null || exit 98; \
         {LISTING} > \"$WORK/before\"; \
         sh \"$WORK/second.sh\"; echo \"exit=$?\"; \
         {LISTING} > \"$WORK/after\""
    );
    let output = Command::new("unshare")
        .args(["--mount", "--map-root-user", "sh", "-c", &script])
        .env("SMALL", &small)
        .env("LIBRARY", &library)
        .env("WORK", &shelf.work)
        .env("TAMIZDAT_HOME", &shelf.home)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.code() != Some(99) && !stderr.contains("unshare failed"),
        "this test mounts a 4 MiB tmpfs in a private mount namespace \
         (`unshare --mount --map-root-user`), which this machine refused: run it as root or \
         enable unprivileged user namespaces. {stderr}"
    );
    assert_ne!(
        output.status.code(),
        Some(98),
        "the first import onto the small disk failed: {stdout}{stderr}"
    );
    assert!(
        stdout.contains("big.tar.zst: not enough space: it needs"),
        "{stdout}{stderr}"
    );
    assert!(stdout.contains("exit=2"), "{stdout}{stderr}");
    assert!(!stdout.contains("ADDED"), "{stdout}");
    let before = fs::read_to_string(shelf.work.join("before")).unwrap();
    let after = fs::read_to_string(shelf.work.join("after")).unwrap();
    assert!(before.contains("./records/"), "{before}");
    let (before_files, before_notes) = before.trim_end().rsplit_once('\n').unwrap();
    let (after_files, after_notes) = after.trim_end().rsplit_once('\n').unwrap();
    assert_eq!(before_files, after_files, "the library changed: {stdout}");
    assert_eq!((before_notes, after_notes), ("0", "1"), "{stdout}");
}

#[test]
fn a_page_too_big_to_write_undoes_the_import_with_not_enough_space() {
    let shelf = shelf(1, 3);
    shelf.open(&[&shelf.bundles[0]]);
    let before = contents(&shelf.library);
    // 240 kB of ampersands: the file fits under a 1 MiB file-size limit, its page (each `&`
    // written as `&amp;`) does not, and the free-space check cannot know that in advance.
    let edition = shelf.work.join("ampersands");
    copy_tree(&example_edition(), &edition);
    let line = format!("{}\n", "&".repeat(79));
    write_file(
        &edition,
        "ampersands.md",
        format!("# Ampersands\n\n{}", line.repeat(3000)).as_bytes(),
    );
    let bundle = shelf.work.join("ampersands.tar.zst");
    pack_sequence(&edition, &shelf.key, &bundle, 2);

    let output = with_file_size_limit(&shelf.open_command(&shelf.library, &[&bundle]), 1024)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stdout}{stderr}");
    let refusal = stdout
        .lines()
        .find(|line| line.contains("not enough space"))
        .unwrap_or_else(|| panic!("no 'not enough space': {stdout}{stderr}"));
    assert!(refusal.contains("ampersands.tar.zst"), "{refusal}");
    assert!(!stdout.contains("ADDED"), "{stdout}");
    // Editions, records and pages are as they were; the front page now lists the refusal.
    let mut after = contents(&shelf.library);
    let mut before = before;
    for front in ["index.html", "last-open.json"] {
        before.remove(front);
        after.remove(front);
    }
    assert_same_stamps(
        &before,
        &after,
        "the library changed after the failed import",
    );
    let front = fs::read_to_string(shelf.library.join("index.html")).unwrap();
    assert!(
        front.contains("Not added at your last open") && front.contains("ampersands.tar.zst"),
        "{front}"
    );

    // Without the limit it imports, and its page holds the whole article.
    let added = shelf.open(&[&bundle]);
    assert!(added.contains("ADDED"), "{added}");
    assert_every_link_resolves(&shelf.library, "after the import");
}

#[test]
fn a_running_serve_never_answers_404_for_a_page_while_editions_are_imported() {
    let shelf = shelf(5, 30);
    shelf.open(&[&shelf.bundles[0]]);
    let [first_id] = listed_editions(&shelf.library)
        .into_iter()
        .collect::<Vec<_>>()
        .try_into()
        .unwrap();
    let served = library_fixtures::serve(&shelf.library, &shelf.home);
    let address = served.address;
    let paths: Vec<String> = [
        "/".to_string(),
        "/library.css".to_string(),
        format!("/read/{first_id}/index.html"),
        format!("/read/{first_id}/more/article-007.md.html"),
        format!("/read/{first_id}/en/river-cleanup.md.html"),
    ]
    .into_iter()
    .collect();
    for path in &paths {
        let reply = library_fixtures::request(address, "GET", path, &address.to_string());
        assert_eq!(reply.status, 200, "{path} before the imports");
    }

    let stop = Arc::new(AtomicBool::new(false));
    let asker = {
        let stop = stop.clone();
        let paths = paths.clone();
        std::thread::spawn(move || {
            let (mut asked, mut failures) = (0usize, Vec::new());
            while !stop.load(Ordering::Relaxed) {
                for path in &paths {
                    let reply =
                        library_fixtures::request(address, "GET", path, &address.to_string());
                    asked += 1;
                    if reply.status != 200 || reply.body.is_empty() {
                        failures.push(format!("{path}: {}", reply.status));
                    }
                }
            }
            (asked, failures)
        })
    };
    for bundle in &shelf.bundles[1..] {
        let added = shelf.open(&[bundle]);
        assert!(added.contains("ADDED"), "{added}");
    }
    std::thread::sleep(Duration::from_millis(50));
    stop.store(true, Ordering::Relaxed);
    let (asked, failures) = asker.join().unwrap();
    eprintln!("{asked} requests during 4 imports");
    assert!(
        asked > 50,
        "only {asked} requests were made during the imports"
    );
    assert_eq!(failures, Vec::<String>::new(), "answers other than 200");

    // The new editions are served too.
    let listed = listed_editions(&shelf.library);
    assert_eq!(listed.len(), 5);
    for id in listed {
        let path = format!("/read/{id}/index.html");
        let reply = library_fixtures::request(address, "GET", &path, &address.to_string());
        assert_eq!(reply.status, 200, "{path}");
    }
}

#[test]
fn a_library_whose_pages_cannot_be_rebuilt_still_opens_and_serves_with_a_warning() {
    let shelf = shelf(1, 3);
    shelf.open(&[&shelf.bundles[0]]);
    let [id] = listed_editions(&shelf.library)
        .into_iter()
        .collect::<Vec<_>>()
        .try_into()
        .unwrap();
    // The edition's pages are gone (a reader tidying up by hand), and no page fits under a
    // 1 KiB file-size limit: the next run cannot rebuild them.
    fs::remove_dir_all(shelf.library.join("read").join(&id)).unwrap();
    let output = with_file_size_limit(&shelf.open_command(&shelf.library, &[]), 1)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stdout}{stderr}");
    assert!(
        stderr.contains("warning: not enough space to write"),
        "{stdout}{stderr}"
    );
    assert!(stdout.contains("to read: open"), "{stdout}");
    assert_eq!(work_files(&shelf.library), Vec::<String>::new());

    // serve starts all the same, and serves what there is.
    let mut serve = Command::new(env!("CARGO_BIN_EXE_tamizdat"));
    serve
        .arg("serve")
        .arg("--library")
        .arg(&shelf.library)
        .current_dir(shelf.work.join("empty"))
        .env("TAMIZDAT_HOME", &shelf.home);
    let mut limited = with_file_size_limit(&serve, 1);
    // Its warning goes nowhere: under the limit, a write to a test log already past 1 KiB
    // would fail.
    limited.stderr(Stdio::null());
    let served = library_fixtures::serve_with(limited);
    let reply = library_fixtures::request(
        served.address,
        "GET",
        "/library.css",
        &served.address.to_string(),
    );
    assert_eq!(reply.status, 200);

    // With room again, the next run rebuilds the pages.
    shelf.open(&[]);
    assert!(
        shelf
            .library
            .join("read")
            .join(&id)
            .join("index.html")
            .is_file()
    );
    assert_every_link_resolves(&shelf.library, "after the pages were rebuilt");
}
