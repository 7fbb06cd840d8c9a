//! Mirrors end to end, with real components: `tamizdat-publish mirror add` writes a mirror
//! folder, Debian's nginx serves it on 127.0.0.1 over HTTP and HTTPS (a test CA), `tamizdat
//! mirror sync` copies it, `tamizdat mirror check` verifies it, `tamizdat fetch` brings
//! editions into a reader's library, and aria2c downloads a bundle from its torrent's web
//! seed alone. The attacks of a hostile server are in `tests/mirror_attacks.rs`.

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use common::mirror::{Publisher, check, publisher_in, sync};
use common::nginx::{Nginx, NginxOptions};
use common::{assert_same_tree, reader, snapshot};

const TIME: &str = "2026-12-05T00:00:00Z";
const LATER: &str = "2026-12-06T00:00:00Z";

fn text(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A mirror folder (created) that nginx serves; its address is known before anything is
/// published, so catalogs can list it.
fn served(publisher: &Publisher, tls: bool) -> Nginx {
    fs::create_dir_all(&publisher.mirror).unwrap();
    let mut options = NginxOptions::new(&publisher.mirror);
    options.tls = tls;
    Nginx::start(options)
}

fn mirror_files(mirror: &Path) -> Vec<String> {
    let mut files: Vec<String> = walkdir::WalkDir::new(mirror)
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            e.path()
                .strip_prefix(mirror)
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .filter(|name| !name.starts_with(".tamizdat-"))
        .collect();
    files.sort();
    files
}

#[test]
fn a_publisher_mirror_is_static_files_with_a_signed_catalog_per_channel() {
    let dir = tempfile::tempdir().unwrap();
    let publisher = publisher_in(&dir.path().join("p"), 11);
    publisher.publish(
        "news-ru",
        &[1, 2],
        1000,
        &["https://mirror.example/ru"],
        TIME,
    );
    publisher.publish("news-fa", &[5], 1000, &[], TIME);
    assert_eq!(
        mirror_files(&publisher.mirror),
        [
            "bundles/news-fa-5.tar.zst",
            "bundles/news-fa-5.tar.zst.torrent",
            "bundles/news-ru-1.tar.zst",
            "bundles/news-ru-1.tar.zst.torrent",
            "bundles/news-ru-2.tar.zst",
            "bundles/news-ru-2.tar.zst.torrent",
            "catalogs/news-fa-1.tzcat",
            "catalogs/news-ru-1.tzcat",
            "channels/news-fa.json",
            "channels/news-ru.json",
            "feed.atom",
            "index.html",
            "tamizdat-mirror.json",
        ]
    );
    assert_eq!(
        text(&publisher.mirror.join("tamizdat-mirror.json")),
        "{\"channels\":[\"news-fa\",\"news-ru\"]}\n"
    );
    // The address given without its final / is listed as a folder's.
    let catalog = fs::read(publisher.mirror.join("catalogs/news-ru-1.tzcat")).unwrap();
    assert!(
        String::from_utf8_lossy(&catalog).contains("\"mirrors\":[\"https://mirror.example/ru/\"]")
    );
    let first_catalog = catalog.clone();
    let first_bundle = fs::read(publisher.mirror.join("bundles/news-ru-1.tar.zst")).unwrap();

    // A new edition: a new catalog beside the old one, which never changes; the entry point
    // names the new one.
    publisher.publish("news-ru", &[3], 1000, &[], LATER);
    assert_eq!(
        fs::read(publisher.mirror.join("catalogs/news-ru-1.tzcat")).unwrap(),
        first_catalog
    );
    assert_eq!(
        fs::read(publisher.mirror.join("bundles/news-ru-1.tar.zst")).unwrap(),
        first_bundle
    );
    let entry = text(&publisher.mirror.join("channels/news-ru.json"));
    assert!(
        entry.starts_with("{\"catalog\":\"news-ru-2.tzcat\""),
        "{entry}"
    );
    let home = publisher.trusting_home(&dir.path().join("home"));
    check(&home, &publisher.mirror)
        .expect_code(0)
        .expect_text("OK news-ru: catalog #2")
        .expect_text("3 edition(s)")
        .expect_text("OK news-fa: catalog #1");
    let page = text(&publisher.mirror.join("index.html"));
    assert!(page.contains("news-ru edition 3") && page.contains("bundles/news-ru-3.tar.zst"));
    assert!(!page.contains("<script") && !page.contains("http://") && !page.contains("https://"));
    let feed = text(&publisher.mirror.join("feed.atom"));
    assert_eq!(feed.matches("<entry>").count(), 4, "{feed}");
}

#[test]
fn an_edition_number_is_never_listed_with_other_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let publisher = publisher_in(&dir.path().join("p"), 12);
    publisher.publish("news", &[1], 1000, &[], TIME);
    let before = snapshot(&publisher.mirror);
    // Edition 1 again, packed from other content.
    let other = dir.path().join("other");
    common::mirror::edition_folder(&other, "news", 99, 500);
    let bundle = dir.path().join("other.tar.zst");
    common::publisher()
        .arg("pack")
        .arg(&other)
        .arg("--secret-key")
        .arg(&publisher.key.secret_path)
        .args(["--channel", "news", "--seq", "1", "--time", TIME, "--out"])
        .arg(&bundle)
        .run()
        .expect_code(0);
    publisher
        .add(&[bundle], &[], LATER)
        .expect_code(1)
        .expect_text("already lists edition 1 of news with other bytes");
    assert_same_tree(&before, &snapshot(&publisher.mirror), "a refused add");
}

#[test]
fn hostile_titles_are_escaped_in_the_page_and_the_feed() {
    let dir = tempfile::tempdir().unwrap();
    let publisher = publisher_in(&dir.path().join("p"), 13);
    let folder = dir.path().join("edition");
    common::mirror::edition_folder(&folder, "news", 1, 100);
    let bundle = dir.path().join("hostile.tar.zst");
    common::publisher()
        .arg("pack")
        .arg(&folder)
        .arg("--secret-key")
        .arg(&publisher.key.secret_path)
        .args(["--channel", "news", "--seq", "1", "--time", TIME])
        .args([
            "--title",
            "<script src=\"https://evil.example/x.js\"></script><img src=//evil.example/p>",
        ])
        .arg("--out")
        .arg(&bundle)
        .run()
        .expect_code(0);
    publisher.add(&[bundle], &[], TIME).expect_code(0);
    let page = text(&publisher.mirror.join("index.html"));
    assert!(page.contains("&lt;script"), "{page}");
    assert!(
        !page.contains("<script") && !page.contains("<img"),
        "{page}"
    );
    let feed = text(&publisher.mirror.join("feed.atom"));
    assert!(
        !feed.contains("<script") && feed.contains("&lt;script"),
        "{feed}"
    );
}

#[test]
fn sync_copies_a_mirror_folder_and_check_verifies_it() {
    let dir = tempfile::tempdir().unwrap();
    let publisher = publisher_in(&dir.path().join("p"), 14);
    publisher.publish("news", &[1, 2], 50_000, &[], TIME);
    let home = publisher.trusting_home(&dir.path().join("home"));
    let copy = dir.path().join("copy");
    sync(&home, publisher.mirror.to_str().unwrap(), &copy, &[])
        .expect_code(0)
        .expect_text("SYNCED news: catalog #1 of Mirror News, issued 2026-12-05T00:00:00Z");
    for file in [
        "channels/news.json",
        "catalogs/news-1.tzcat",
        "bundles/news-2.tar.zst",
    ] {
        assert_eq!(
            fs::read(copy.join(file)).unwrap(),
            fs::read(publisher.mirror.join(file)).unwrap(),
            "{file}"
        );
    }
    // The copy writes its page and torrents itself, from what it verified: the same bytes.
    for file in ["index.html", "feed.atom", "bundles/news-1.tar.zst.torrent"] {
        assert!(
            fs::read(copy.join(file)).unwrap() == fs::read(publisher.mirror.join(file)).unwrap(),
            "{file} differs"
        );
    }
    check(&home, &copy)
        .expect_code(0)
        .expect_text("2 bundle(s) verified");
    // Up to date: nothing fetched.
    sync(&home, publisher.mirror.to_str().unwrap(), &copy, &[])
        .expect_code(0)
        .expect_text("0 bundle(s) fetched");
}

#[test]
fn a_mirror_of_a_publisher_not_trusted_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let publisher = publisher_in(&dir.path().join("p"), 15);
    publisher.publish("news", &[1], 1000, &[], TIME);
    let stranger = publisher_in(&dir.path().join("s"), 16);
    let home = stranger.trusting_home(&dir.path().join("home"));
    let copy = dir.path().join("copy");
    fs::create_dir_all(&copy).unwrap();
    fs::write(copy.join("notes.txt"), "mine").unwrap();
    let before = snapshot(&copy);
    sync(&home, publisher.mirror.to_str().unwrap(), &copy, &[])
        .expect_code(1)
        .expect_text("SKIPPED news")
        .expect_text("not signed by a key you trust");
    assert_same_tree(&before, &snapshot(&copy), "a sync of an untrusted mirror");
}

#[test]
fn prune_removes_the_bundles_no_catalog_lists_and_nothing_else() {
    let dir = tempfile::tempdir().unwrap();
    let publisher = publisher_in(&dir.path().join("p"), 17);
    publisher.publish("news", &[1, 2, 3], 1000, &[], TIME);
    let home = publisher.trusting_home(&dir.path().join("home"));
    let copy = dir.path().join("copy");
    sync(&home, publisher.mirror.to_str().unwrap(), &copy, &[]).expect_code(0);
    fs::write(copy.join("notes.txt"), "the operator's").unwrap();
    fs::write(copy.join("bundles/readme.txt"), "the operator's").unwrap();
    fs::write(copy.join("bundles/other-9.tar.zst.part"), "partial").unwrap();
    // The publisher keeps only the two newest editions listed.
    let fourth = publisher.pack("news", 4, 1000);
    common::publisher()
        .args(["mirror", "add"])
        .arg(&fourth)
        .arg("--to")
        .arg(&publisher.mirror)
        .arg("--secret-key")
        .arg(&publisher.key.secret_path)
        .args(["--time", LATER, "--keep-newest", "2"])
        .run()
        .expect_code(0)
        .expect_text("CATALOG news #2: 2 edition(s) listed, added #4");
    // Without --prune the copy keeps what no catalog lists any more.
    sync(&home, publisher.mirror.to_str().unwrap(), &copy, &[]).expect_code(0);
    assert!(copy.join("bundles/news-1.tar.zst").exists());
    check(&home, &copy)
        .expect_code(0)
        .expect_text("UNLISTED news-1.tar.zst");
    let out = sync(
        &home,
        publisher.mirror.to_str().unwrap(),
        &copy,
        &["--prune"],
    );
    out.expect_code(0);
    assert_eq!(
        out.stdout
            .lines()
            .filter(|l| l.starts_with("PRUNED"))
            .collect::<Vec<_>>(),
        ["PRUNED news-1.tar.zst", "PRUNED news-2.tar.zst"]
    );
    let files = mirror_files(&copy);
    for gone in [
        "bundles/news-1.tar.zst",
        "bundles/news-1.tar.zst.torrent",
        "bundles/news-2.tar.zst",
    ] {
        assert!(!files.contains(&gone.to_string()), "{gone} pruned");
    }
    for kept in [
        "notes.txt",
        "bundles/readme.txt",
        "bundles/other-9.tar.zst.part",
        "bundles/news-3.tar.zst",
        "bundles/news-4.tar.zst",
        "catalogs/news-1.tzcat",
    ] {
        assert!(files.contains(&kept.to_string()), "{kept} kept: {files:?}");
    }
}

#[test]
fn check_lists_what_is_missing_damaged_or_in_no_catalog() {
    let dir = tempfile::tempdir().unwrap();
    let publisher = publisher_in(&dir.path().join("p"), 18);
    publisher.publish("news", &[1, 2, 3], 20_000, &[], TIME);
    let home = publisher.trusting_home(&dir.path().join("home"));
    let mirror = &publisher.mirror;
    fs::remove_file(mirror.join("bundles/news-1.tar.zst")).unwrap();
    let damaged = mirror.join("bundles/news-2.tar.zst");
    let mut bytes = fs::read(&damaged).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x20;
    fs::write(&damaged, bytes).unwrap();
    fs::write(mirror.join("bundles/stray.bin"), "?").unwrap();
    let out = check(&home, mirror);
    out.expect_code(1)
        .expect_text("MISSING news-1.tar.zst")
        .expect_text("CORRUPT news-2.tar.zst")
        .expect_text("UNLISTED stray.bin")
        .expect_text("1 bundle(s) verified");
    assert!(!out.stdout.contains("news-3.tar.zst"), "{}", out.stdout);
    // A catalog whose bytes were changed is refused, and so are its bundles' claims.
    let catalog = mirror.join("catalogs/news-1.tzcat");
    let mut bytes = fs::read(&catalog).unwrap();
    bytes[40] ^= 1;
    fs::write(&catalog, bytes).unwrap();
    check(&home, mirror)
        .expect_code(1)
        .expect_text("REFUSED news")
        .expect_text("SHA-256 differs");
}

#[test]
fn sync_and_fetch_over_http_from_nginx() {
    let dir = tempfile::tempdir().unwrap();
    let publisher = publisher_in(&dir.path().join("p"), 19);
    let nginx = served(&publisher, false);
    publisher.publish("news", &[1, 2], 200_000, &[&nginx.url()], TIME);
    let home = publisher.trusting_home(&dir.path().join("home"));
    let copy = dir.path().join("copy");
    sync(&home, &nginx.url(), &copy, &[])
        .expect_code(0)
        .expect_text("2 bundle(s) fetched");
    check(&home, &copy).expect_code(0);

    let out = reader().home(&home).arg("fetch").arg(nginx.url()).run();
    out.expect_code(0)
        .expect_text("FETCHED news #1")
        .expect_text("FETCHED news #2")
        .expect_text("ADDED");
    let list = reader().home(&home).args(["library", "list"]).run();
    list.expect_code(0).expect_text("news edition 2");
    // Nothing is kept in downloads once imported.
    assert_eq!(fs::read_dir(home.join("downloads")).unwrap().count(), 0);
    // Fetching again finds nothing new and downloads no bundle.
    let before = nginx.wait_for_requests(0);
    reader()
        .home(&home)
        .arg("fetch")
        .arg(nginx.url())
        .run()
        .expect_code(0)
        .expect_text("already has the newest editions");
    let lines = nginx.access_log_lines();
    assert!(
        lines[before..]
            .iter()
            .all(|line| !line.contains(".tar.zst ")),
        "{lines:?}"
    );
}

#[test]
fn https_mirrors_are_reached_with_the_ca_given_and_refused_without_it() {
    let dir = tempfile::tempdir().unwrap();
    let publisher = publisher_in(&dir.path().join("p"), 20);
    let nginx = served(&publisher, true);
    assert!(nginx.url().starts_with("https://"));
    publisher.publish("news", &[1], 100_000, &[&nginx.url()], TIME);
    let home = publisher.trusting_home(&dir.path().join("home"));
    let copy = dir.path().join("copy");
    // The test CA is in no system store: refused, nothing written.
    let out = sync(&home, &nginx.url(), &copy, &[]);
    out.expect_code(2);
    assert!(!copy.join("channels").exists());
    let ca = nginx.ca_file().unwrap();
    sync(
        &home,
        &nginx.url(),
        &copy,
        &["--ca-file", ca.to_str().unwrap()],
    )
    .expect_code(0)
    .expect_text("1 bundle(s) fetched");
    reader()
        .home(&home)
        .arg("fetch")
        .arg(nginx.url())
        .arg("--ca-file")
        .arg(&ca)
        .run()
        .expect_code(0)
        .expect_text("FETCHED news #1")
        .expect_text("ADDED");
}

#[test]
fn fetch_learns_mirrors_from_signed_catalogs_and_resumes_a_partial_download() {
    let dir = tempfile::tempdir().unwrap();
    let publisher = publisher_in(&dir.path().join("p"), 21);
    let nginx = served(&publisher, false);
    publisher.publish("news", &[1], 1000, &[&nginx.url()], TIME);
    let home = publisher.trusting_home(&dir.path().join("home"));
    // No mirror known: fetch says how to name one.
    reader()
        .home(&home)
        .arg("fetch")
        .run()
        .expect_code(2)
        .expect_text("no mirror is known yet");
    // From a folder (a USB stick), the reader learns the web mirror the catalog lists.
    reader()
        .home(&home)
        .arg("fetch")
        .arg(&publisher.mirror)
        .run()
        .expect_code(0)
        .expect_text(&format!("LEARNT mirror {}", nginx.url()))
        .expect_text("FETCHED news #1");
    // A new edition, half of which is already downloaded.
    let second = publisher.pack("news", 2, 400_000);
    publisher
        .add(std::slice::from_ref(&second), &[], LATER)
        .expect_code(0);
    let bytes = fs::read(&second).unwrap();
    let downloads = home.join("downloads");
    fs::create_dir_all(&downloads).unwrap();
    // As a fetch from this mirror cut short leaves it (a part is resumed only from the
    // mirror that began it).
    fs::write(
        downloads.join(".tamizdat-download-news-2.tar.zst.part"),
        &bytes[..bytes.len() / 2],
    )
    .unwrap();
    fs::write(
        downloads.join(".tamizdat-download-news-2.tar.zst.part.source"),
        nginx.url(),
    )
    .unwrap();
    let before = nginx.body_bytes_sent();
    reader()
        .home(&home)
        .arg("fetch")
        .run()
        .expect_code(0)
        .expect_text("FETCHED news #2")
        .expect_text("ADDED");
    nginx.wait_for_requests(0);
    let sent = nginx.body_bytes_sent() - before;
    let rest = (bytes.len() - bytes.len() / 2) as u64;
    assert!(
        sent >= rest && sent < rest + 10_000,
        "only the missing half (and the small files) came over the network: {sent} bytes for {rest}"
    );
    assert!(
        nginx
            .access_log_lines()
            .iter()
            .any(|line| line.contains(&format!("bytes={}-", bytes.len() / 2))),
        "a ranged request resumed the download"
    );
}

#[test]
fn aria2c_downloads_a_bundle_from_its_torrent_web_seed_alone() {
    let aria2c = PathBuf::from("/usr/bin/aria2c");
    assert!(
        aria2c.exists(),
        "aria2c is needed for this test: apt-get install -y aria2 (scripts/test.sh does)"
    );
    let dir = tempfile::tempdir().unwrap();
    let publisher = publisher_in(&dir.path().join("p"), 22);
    let nginx = served(&publisher, false);
    publisher.publish("news", &[1], 2_000_000, &[&nginx.url()], TIME);
    let torrent = publisher.mirror.join("bundles/news-1.tar.zst.torrent");
    let out_dir = dir.path().join("aria");
    let output = std::process::Command::new(&aria2c)
        .arg("--enable-dht=false")
        .arg("--enable-dht6=false")
        .arg("--bt-enable-lpd=false")
        .arg("--enable-peer-exchange=false")
        .arg("--bt-tracker=")
        .arg("--seed-time=0")
        .arg("--no-conf=true")
        .arg("--listen-port=6881-6999")
        // Its peer port, like every server in the tests, listens on 127.0.0.1 only.
        .arg("--interface=127.0.0.1")
        .arg("--disable-ipv6=true")
        .arg("--quiet=true")
        .arg("--dir")
        .arg(&out_dir)
        .arg(&torrent)
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert!(output.status.success(), "aria2c: {output:?}");
    let downloaded = out_dir.join("news-1.tar.zst");
    assert_eq!(
        fs::read(&downloaded).unwrap(),
        fs::read(publisher.mirror.join("bundles/news-1.tar.zst")).unwrap()
    );
    assert!(
        nginx
            .access_log_lines()
            .iter()
            .any(|line| line.contains("/bundles/news-1.tar.zst")),
        "the bytes came from the web seed"
    );
    common::verify(&downloaded, &publisher.key.public_path)
        .expect_code(0)
        .expect_text("VALID");
}

/// A newsroom with a root kept offline, in `room`: it certifies signing keys, packs certified
/// editions and adds them to its mirror, with the real binaries.
struct Newsroom {
    room: PathBuf,
    mirror: PathBuf,
}

impl Newsroom {
    fn new(dir: &Path) -> Newsroom {
        let room = dir.join("room");
        fs::create_dir_all(&room).unwrap();
        common::publisher()
            .args(["keygen", "--root", "--name", "Rooted News", "--unencrypted"])
            .arg("--public-key")
            .arg(room.join("root.pub"))
            .arg("--secret-key")
            .arg(room.join("root.key"))
            .env("SOURCE_DATE_EPOCH", "1764547200")
            .run()
            .expect_code(0);
        Newsroom {
            mirror: room.join("mirror"),
            room,
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.room.join(name)
    }

    /// A signing key `NAME.key`, certified for `news-*` from `from` in `NAME.cert`.
    fn signing_key(&self, name: &str, from: &str) {
        common::publisher()
            .args(["keygen", "--name", name, "--unencrypted"])
            .arg("--public-key")
            .arg(self.path(&format!("{name}.pub")))
            .arg("--secret-key")
            .arg(self.path(&format!("{name}.key")))
            .run()
            .expect_code(0);
        common::publisher()
            .arg("certify")
            .arg("--root-key")
            .arg(self.path("root.key"))
            .arg("--public-key")
            .arg(self.path(&format!("{name}.pub")))
            .args(["--channels", "news-*", "--time", from, "--out"])
            .arg(self.path(&format!("{name}.cert")))
            .run()
            .expect_code(0);
    }

    /// The arguments that sign with key `name`, carrying `statements` if given.
    fn signed_by(&self, name: &str, statements: Option<&Path>) -> Vec<PathBuf> {
        let mut args = vec![
            PathBuf::from("--secret-key"),
            self.path(&format!("{name}.key")),
            PathBuf::from("--certificate"),
            self.path(&format!("{name}.cert")),
        ];
        if let Some(statements) = statements {
            args.extend([PathBuf::from("--statements"), statements.to_path_buf()]);
        }
        args
    }

    /// Packs edition `sequence` of news-ru with key `name`.
    fn pack(&self, name: &str, sequence: u64, time: &str, statements: Option<&Path>) -> PathBuf {
        let folder = self.path(&format!("edition-{sequence}"));
        common::mirror::edition_folder(&folder, "news-ru", sequence, 1000);
        let bundle = self.path(&format!("news-ru-{sequence}.tar.zst"));
        common::publisher()
            .arg("pack")
            .arg(&folder)
            .args(self.signed_by(name, statements))
            .args(["--channel", "news-ru", "--seq", &sequence.to_string()])
            .args(["--time", time, "--out"])
            .arg(&bundle)
            .run()
            .expect_code(0);
        bundle
    }

    /// `mirror add BUNDLE` signed by key `name`.
    fn add(&self, bundle: &Path, name: &str, time: &str, statements: Option<&Path>) -> common::Out {
        common::publisher()
            .args(["mirror", "add"])
            .arg(bundle)
            .arg("--to")
            .arg(&self.mirror)
            .args(self.signed_by(name, statements))
            .args(["--time", time])
            .run()
    }
}

#[test]
fn catalogs_of_a_certified_key_are_accepted_through_the_root_until_the_key_is_revoked() {
    let dir = tempfile::tempdir().unwrap();
    let newsroom = Newsroom::new(dir.path());
    newsroom.signing_key("signing", "2026-12-01T00:00:00Z");
    let bundle = newsroom.pack("signing", 1, TIME, None);
    newsroom.add(&bundle, "signing", TIME, None).expect_code(0);
    let home = dir.path().join("home");
    reader()
        .home(&home)
        .args(["trust", "add"])
        .arg(newsroom.path("root.pub"))
        .run()
        .expect_code(0);
    let mirror = newsroom.mirror.to_str().unwrap();
    let copy = dir.path().join("copy");
    sync(&home, mirror, &copy, &[])
        .expect_code(0)
        .expect_text("SYNCED news-ru: catalog #1 of Rooted News");

    // The key is revoked; the reader learns it from the statement file.
    let statements = newsroom.path("statements");
    fs::create_dir_all(&statements).unwrap();
    common::publisher()
        .arg("revoke")
        .arg("--root-key")
        .arg(newsroom.path("root.key"))
        .arg("--key")
        .arg(newsroom.path("signing.pub"))
        .args(["--from-sequence", "news-ru=2", "--reason", "stolen"])
        .args(["--time", "2026-12-05T12:00:00Z", "--out"])
        .arg(statements.join("revoke.tzs"))
        .run()
        .expect_code(0);
    // The publisher's tool will not sign a catalog with the revoked key.
    let before = snapshot(&newsroom.mirror);
    newsroom
        .add(&bundle, "signing", TIME, Some(&statements))
        .expect_code(1)
        .expect_text("revoked");
    assert_same_tree(&before, &snapshot(&newsroom.mirror), "a refused add");
    reader()
        .home(&home)
        .arg("verify")
        .arg(statements.join("revoke.tzs"))
        .run()
        .expect_code(0);
    // Its old catalog, however honest, is no longer taken from any mirror.
    let copy2 = dir.path().join("copy2");
    sync(&home, mirror, &copy2, &[])
        .expect_code(1)
        .expect_text("REFUSED news-ru")
        .expect_text("revoked");
    assert!(!copy2.join("channels/news-ru.json").exists());

    // A new key, certified; its catalog is rebuilt from the bundles that still verify (edition
    // 1 is below the revocation point) and numbered after the one served.
    newsroom.signing_key("new", "2026-12-05T12:00:00Z");
    let second = newsroom.pack("new", 2, LATER, Some(&statements));
    newsroom
        .add(&second, "new", LATER, Some(&statements))
        .expect_code(0)
        .expect_text("CATALOG news-ru #2: 2 edition(s) listed, added #2")
        .expect_text("not carried forward");
    // The copy's own catalog, by the revoked key, no longer verifies: it is replaced.
    sync(&home, mirror, &copy, &[])
        .expect_code(0)
        .expect_text("SYNCED news-ru: catalog #2 of Rooted News")
        .expect_text("revoked on 2026-12-05 (reason: stolen)); it is replaced");
    check(&home, &copy)
        .expect_code(0)
        .expect_text("2 edition(s)");
}

/// A proxy server of Debian's, started on 127.0.0.1 for one test and killed when dropped.
struct Proxy {
    child: std::process::Child,
    port: u16,
    _dir: tempfile::TempDir,
}

impl Drop for Proxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn wait_for_port(port: u16, what: &str) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(std::time::Instant::now() < deadline, "{what} did not start");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// microsocks, a SOCKS5 server (as Tor offers one on 127.0.0.1:9050).
fn socks_proxy() -> Proxy {
    let program = "/usr/bin/microsocks";
    assert!(
        Path::new(program).exists(),
        "microsocks is needed for this test: apt-get install -y microsocks (scripts/test.sh does)"
    );
    let port = free_port();
    let child = std::process::Command::new(program)
        .args(["-i", "127.0.0.1", "-p", &port.to_string()])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let proxy = Proxy {
        child,
        port,
        _dir: tempfile::tempdir().unwrap(),
    };
    wait_for_port(port, "microsocks");
    proxy
}

/// tinyproxy, an HTTP proxy, logging every request to `log`.
fn http_proxy() -> (Proxy, PathBuf) {
    let program = "/usr/bin/tinyproxy";
    assert!(
        Path::new(program).exists(),
        "tinyproxy is needed for this test: apt-get install -y tinyproxy (scripts/test.sh does)"
    );
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let log = dir.path().join("tinyproxy.log");
    let config = dir.path().join("tinyproxy.conf");
    let user = if unsafe_is_root() {
        "User root\nGroup root\n"
    } else {
        ""
    };
    fs::write(
        &config,
        format!(
            "{user}Port {port}\nListen 127.0.0.1\nTimeout 30\nAllow 127.0.0.1\nLogFile \"{}\"\nLogLevel Info\nMaxClients 8\n",
            log.display()
        ),
    )
    .unwrap();
    let child = std::process::Command::new(program)
        .arg("-d")
        .arg("-c")
        .arg(&config)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let proxy = Proxy {
        child,
        port,
        _dir: dir,
    };
    wait_for_port(port, "tinyproxy");
    (proxy, log)
}

fn unsafe_is_root() -> bool {
    std::process::Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|out| out.stdout.starts_with(b"0\n"))
}

#[test]
fn fetch_goes_through_a_socks5_or_http_proxy_when_asked() {
    let dir = tempfile::tempdir().unwrap();
    let publisher = publisher_in(&dir.path().join("p"), 23);
    let nginx = served(&publisher, false);
    publisher.publish("news", &[1], 50_000, &[&nginx.url()], TIME);
    let home = publisher.trusting_home(&dir.path().join("home"));
    // A proxy that is not there: nothing is fetched, so the setting is used.
    let closed = format!("socks5://127.0.0.1:{}", free_port());
    reader()
        .home(&home)
        .args(["fetch", &nginx.url(), "--proxy", &closed, "--timeout", "5"])
        .run()
        .expect_code(2)
        .expect_no_text("FETCHED");
    let socks = socks_proxy();
    reader()
        .home(&home)
        .args(["fetch", &nginx.url(), "--channel", "news"])
        .args(["--proxy", &format!("socks5://127.0.0.1:{}", socks.port)])
        .run()
        .expect_code(0)
        .expect_text("FETCHED news #1")
        .expect_text("ADDED");

    let copy = dir.path().join("copy");
    let (proxy, log) = http_proxy();
    sync(
        &home,
        &nginx.url(),
        &copy,
        &["--proxy", &format!("http://127.0.0.1:{}", proxy.port)],
    )
    .expect_code(0)
    .expect_text("1 bundle(s) fetched");
    // ureq tunnels through an HTTP proxy with CONNECT, even for http:// addresses.
    let logged = text(&log);
    assert!(
        logged.contains(&format!("CONNECT 127.0.0.1:{}", nginx.port())),
        "the mirror was reached through the HTTP proxy: {logged}"
    );
}

#[test]
fn an_edition_whose_file_is_gone_is_no_longer_listed() {
    let dir = tempfile::tempdir().unwrap();
    let publisher = publisher_in(&dir.path().join("p"), 24);
    publisher.publish("news", &[1, 2], 1000, &[], TIME);
    fs::remove_file(publisher.mirror.join("bundles/news-1.tar.zst")).unwrap();
    let third = publisher.pack("news", 3, 1000);
    publisher
        .add(&[third], &[], LATER)
        .expect_code(0)
        .expect_text("CATALOG news #2: 2 edition(s) listed, added #3")
        .expect_text("news #1 no longer listed");
    let home = publisher.trusting_home(&dir.path().join("home"));
    // The entry point names a catalog whose every bundle is in place.
    check(&home, &publisher.mirror)
        .expect_code(0)
        .expect_no_text("MISSING");
}

#[test]
fn a_catalog_floor_set_by_a_key_since_revoked_does_not_lock_readers_out() {
    let dir = tempfile::tempdir().unwrap();
    let newsroom = Newsroom::new(dir.path());
    newsroom.signing_key("signing", "2026-12-01T00:00:00Z");
    let first = newsroom.pack("signing", 1, TIME, None);
    newsroom.add(&first, "signing", TIME, None).expect_code(0);
    // A thief with the signing key runs a mirror of his own, numbering his catalogs past the
    // publisher's.
    let thief = dir.path().join("thief");
    common::copy_tree(&newsroom.mirror, &thief);
    for _ in 0..3 {
        common::publisher()
            .args(["mirror", "add", "--to"])
            .arg(&thief)
            .args(newsroom.signed_by("signing", None))
            .args(["--time", TIME, "--mirror-url", "https://thief.example/"])
            .run()
            .expect_code(0);
    }
    let home = dir.path().join("home");
    reader()
        .home(&home)
        .args(["trust", "add"])
        .arg(newsroom.path("root.pub"))
        .run()
        .expect_code(0);
    reader()
        .home(&home)
        .arg("fetch")
        .arg(&thief)
        .run()
        .expect_code(0)
        .expect_text("CATALOG news-ru #4");
    // The publisher revokes the key and publishes with a new one: catalog #2 on its mirror.
    let statements = newsroom.path("statements");
    fs::create_dir_all(&statements).unwrap();
    common::publisher()
        .arg("revoke")
        .arg("--root-key")
        .arg(newsroom.path("root.key"))
        .arg("--key")
        .arg(newsroom.path("signing.pub"))
        .args(["--from-sequence", "news-ru=2", "--reason", "stolen"])
        .args(["--time", "2026-12-05T12:00:00Z", "--out"])
        .arg(statements.join("revoke.tzs"))
        .run()
        .expect_code(0);
    newsroom.signing_key("new", "2026-12-05T12:00:00Z");
    let second = newsroom.pack("new", 2, LATER, Some(&statements));
    newsroom
        .add(&second, "new", LATER, Some(&statements))
        .expect_code(0)
        .expect_text("CATALOG news-ru #2");
    // Before the reader knows of the revocation, #2 is below the thief's #4: refused.
    reader()
        .home(&home)
        .arg("fetch")
        .arg(&newsroom.mirror)
        .run()
        .expect_code(1)
        .expect_text("rollback");
    // Once it knows (here from the statement file; a bundle carrying it teaches it too), the
    // floor the revoked key set lapses.
    reader()
        .home(&home)
        .arg("verify")
        .arg(statements.join("revoke.tzs"))
        .run()
        .expect_code(0);
    reader()
        .home(&home)
        .arg("fetch")
        .arg(&newsroom.mirror)
        .run()
        .expect_code(0)
        .expect_text("CATALOG news-ru #2")
        .expect_text("FETCHED news-ru #2");
}
