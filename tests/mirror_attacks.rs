mod common;

// Hostile mirrors against `tamizdat mirror sync` and `tamizdat fetch`, driven as a user
// drives them: the real binaries, a real publisher's mirror, and a web server on 127.0.0.1
// that lies about ranges, changes bytes, trickles, cuts connections, redirects forever or
// serves an older or tampered state. After every attack the destination serves exactly what
// it served before, or a newer complete state, and a reader's library is unchanged.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use common::hostile::{Behaviour, HostileServer, Request};
use common::mirror::{Publisher, check, other_key, publisher_in, sync};
use common::nginx::{Nginx, NginxOptions};
use common::{Out, Rng, assert_absent, assert_same_tree, copy_tree, reader, snapshot};
use tempfile::TempDir;

/// The channel every test publishes.
const CHANNEL: &str = "news";
/// Incompressible bytes per edition: bundles of about 300 kB, which take several reads.
const NOISE: usize = 300_000;
/// Network limits short enough that a sync or fetch against a misbehaving server ends in
/// seconds, and loose enough for any honest server on 127.0.0.1.
const QUICK: [&str; 6] = ["--timeout", "5", "--min-rate", "1000", "--rate-window", "2"];

/// The catalogs' issue time on day `day` of December 2026 (later days for newer catalogs).
fn day(day: u32) -> String {
    format!("2026-12-{day:02}T07:00:00Z")
}

/// The file name of edition `sequence` of [`CHANNEL`] in a mirror's `bundles/`.
fn bundle_name(sequence: u64) -> String {
    format!("{CHANNEL}-{sequence}.tar.zst")
}

/// A file name in a snapshot key (`a/b/c` gives `c`).
fn leaf(key: &str) -> &str {
    key.rsplit('/').next().unwrap_or(key)
}

/// Everything under `folder` except lock files: a sync takes `.tamizdat-lock-*` in the
/// destination and removes it when it ends; a killed one leaves it behind, which is harmless
/// (the kernel released the lock) and not part of what the mirror serves.
fn state(folder: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut tree = snapshot(folder);
    tree.retain(|key, _| !leaf(key).starts_with(".tamizdat-lock-"));
    tree
}

/// [`state`] without partial downloads (`*.part`, `*.part.validator`, `*.part.source`): a
/// download cut short
/// legitimately keeps what it received there, to resume it next time. They are never served.
fn served_state(folder: &Path) -> BTreeMap<String, Vec<u8>> {
    without_partials(state(folder))
}

/// `tree` without partial downloads (see [`served_state`]).
fn without_partials(mut tree: BTreeMap<String, Vec<u8>>) -> BTreeMap<String, Vec<u8>> {
    tree.retain(|key, _| {
        !key.ends_with(".part")
            && !key.ends_with(".part.validator")
            && !key.ends_with(".part.source")
    });
    tree
}

/// The requests `server` answered for `bundles/FILE`.
fn requests_for(server: &HostileServer, file: &str) -> Vec<Request> {
    let path = format!("/bundles/{file}");
    server
        .requests()
        .into_iter()
        .filter(|request| request.path == path)
        .collect()
}

/// The catalog number `mirror check` reports for [`CHANNEL`] ("OK news: catalog #N, ...").
#[track_caller]
fn checked_catalog(out: &Out) -> u64 {
    let line = out.line_starting(&format!("OK {CHANNEL}: catalog #"));
    line[format!("OK {CHANNEL}: catalog #").len()..]
        .split(|c: char| !c.is_ascii_digit())
        .next()
        .and_then(|digits| digits.parse().ok())
        .unwrap_or_else(|| panic!("no catalog number in {line:?}"))
}

/// Asserts that `mirror check` passes on `dst`, with nothing missing or damaged, and
/// returns the catalog number it serves.
#[track_caller]
fn assert_complete(home: &Path, dst: &Path, context: &str) -> u64 {
    let out = check(home, dst);
    assert_eq!(
        out.code, 0,
        "{context}: mirror check failed\n--- stdout:\n{}\n--- stderr:\n{}",
        out.stdout, out.stderr
    );
    out.expect_no_line_starting("MISSING")
        .expect_no_line_starting("CORRUPT")
        .expect_no_line_starting("REFUSED");
    checked_catalog(&out)
}

/// A publisher's mirror of [`CHANNEL`], a reader home trusting the publisher, and the
/// destination folder a mirror operator syncs into.
struct World {
    dir: TempDir,
    publisher: Publisher,
    home: PathBuf,
    dst: PathBuf,
}

impl World {
    /// The publisher has published editions `first` (catalog #1) on day 1.
    fn new(seed: u8, first: &[u64]) -> World {
        World::with_noise(seed, first, NOISE)
    }

    /// [`World::new`] with `noise` incompressible bytes per edition.
    fn with_noise(seed: u8, first: &[u64], noise: usize) -> World {
        let dir = tempfile::tempdir().unwrap();
        let publisher = publisher_in(&dir.path().join("publisher"), seed);
        publisher.publish(CHANNEL, first, noise, &[], &day(1));
        let home = publisher.trusting_home(&dir.path().join("home"));
        let dst = dir.path().join("dst");
        World {
            dir,
            publisher,
            home,
            dst,
        }
    }

    /// Publishes editions `sequences` in the next catalog, issued on day `on`.
    fn publish(&self, sequences: &[u64], on: u32) {
        self.publisher
            .publish(CHANNEL, sequences, NOISE, &[], &day(on));
    }

    /// A path in the test's temporary folder.
    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Copies the publisher's mirror as it is now to `name`, and returns the copy's path.
    fn copy_mirror(&self, name: &str) -> PathBuf {
        let copy = self.path(name);
        copy_tree(&self.publisher.mirror, &copy);
        copy
    }

    /// The publisher's bundle of edition `sequence`.
    fn bundle(&self, sequence: u64) -> Vec<u8> {
        fs::read(
            self.publisher
                .mirror
                .join("bundles")
                .join(bundle_name(sequence)),
        )
        .unwrap()
    }

    /// DST's bundle of edition `sequence`.
    fn dst_bundle(&self, sequence: u64) -> PathBuf {
        self.dst.join("bundles").join(bundle_name(sequence))
    }

    /// DST's partial download of edition `sequence` (a dot-file, which web servers set up as
    /// the README says do not serve).
    fn dst_part(&self, sequence: u64) -> PathBuf {
        self.dst
            .join("bundles")
            .join(format!(".tamizdat-download-{}.part", bundle_name(sequence)))
    }

    /// `tamizdat mirror sync URL DST` with short network limits.
    fn sync(&self, url: &str) -> Out {
        sync(&self.home, url, &self.dst, &QUICK)
    }

    /// `tamizdat fetch URLS...` with short network limits.
    fn fetch(&self, urls: &[String]) -> Out {
        reader()
            .home(&self.home)
            .arg("fetch")
            .args(urls)
            .args(QUICK)
            .run()
    }

    /// Writes the first half of the publisher's bundle `sequence` as DST's partial download,
    /// as a sync from `source` cut short would have left it (a part is resumed only from the
    /// mirror that began it), and returns its length.
    fn leave_half_part(&self, sequence: u64, source: &str) -> usize {
        let real = self.bundle(sequence);
        let half = real.len() / 2;
        fs::create_dir_all(self.dst.join("bundles")).unwrap();
        let part = self.dst_part(sequence);
        fs::write(&part, &real[..half]).unwrap();
        let mut began_by = part.into_os_string();
        began_by.push(".source");
        fs::write(began_by, source).unwrap();
        half
    }
}

/// A world whose DST was synced honestly from catalog #1 (edition 1), after which the
/// publisher published catalog #2 (edition 2), served by a hostile server, honest for now.
fn synced_then_newer(seed: u8) -> (World, HostileServer) {
    let world = World::new(seed, &[1]);
    let server = HostileServer::start(&world.publisher.mirror);
    world.sync(&server.url()).expect_code(0);
    assert_eq!(assert_complete(&world.home, &world.dst, "baseline"), 1);
    world.publish(&[2], 2);
    server.clear_requests();
    (world, server)
}

// ---------------------------------------------------------------------------------------------
// Ranges
// ---------------------------------------------------------------------------------------------

#[test]
fn server_ignoring_range_makes_the_download_start_over() {
    let (world, server) = synced_then_newer(11);
    let half = world.leave_half_part(2, &server.url());
    server.set("/bundles/", Behaviour::IgnoreRange);

    let out = world.sync(&server.url());
    out.expect_code(0)
        .expect_text(&format!("SYNCED {CHANNEL}: catalog #2 (was #1)"));
    assert_eq!(
        fs::read(world.dst_bundle(2)).unwrap(),
        world.bundle(2),
        "the bundle placed is the publisher's, byte for byte"
    );
    assert_absent(&world.dst_part(2), "the partial download became the bundle");
    let asked = requests_for(&server, &bundle_name(2));
    assert_eq!(asked.len(), 1, "{asked:?}");
    assert_eq!(asked[0].range.as_deref(), Some(&*format!("bytes={half}-")));
    assert_eq!(asked[0].status, 200, "the server ignored the range");
    assert_eq!(assert_complete(&world.home, &world.dst, "after"), 2);
}

/// A partial download resumed from a server that answers the range wrongly: the sync fails,
/// and DST, its partial download included, is exactly as before.
fn refused_resume(seed: u8, behaviour: Behaviour, says: &str) {
    let (world, server) = synced_then_newer(seed);
    world.leave_half_part(2, &server.url());
    let before = state(&world.dst);
    server.set("/bundles/", behaviour.clone());

    let out = world.sync(&server.url());
    assert_ne!(out.code, 0, "{behaviour:?} was accepted:\n{}", out.text());
    out.expect_text(&format!("REFUSED {CHANNEL}"))
        .expect_text(says)
        .expect_no_line_starting("SYNCED");
    assert_same_tree(&before, &state(&world.dst), &format!("{behaviour:?}"));
    assert_absent(&world.dst_bundle(2), "the bundle must not appear");
    assert_eq!(assert_complete(&world.home, &world.dst, "after"), 1);
    let asked = requests_for(&server, &bundle_name(2));
    assert!(
        asked.iter().all(|request| request.range.is_some()),
        "only the resume was asked for: {asked:?}"
    );
}

#[test]
fn a_206_for_the_wrong_range_is_refused() {
    refused_resume(12, Behaviour::WrongRangeStart, "range starting at");
}

#[test]
fn a_206_with_the_wrong_total_is_refused() {
    refused_resume(13, Behaviour::WrongRangeTotal, "length as");
}

#[test]
fn bytes_changed_between_ranges_are_caught_by_the_hash_and_fetched_again_whole() {
    let (world, server) = synced_then_newer(14);
    world.leave_half_part(2, &server.url());
    server.set("/bundles/", Behaviour::ChangesBetweenRanges);

    // The spliced file fails its hash; it is thrown away and fetched once more from the start
    // (which this server sends honestly), never resumed from.
    let out = world.sync(&server.url());
    out.expect_code(0)
        .expect_text(&format!("SYNCED {CHANNEL}: catalog #2"));
    let asked = requests_for(&server, &bundle_name(2));
    assert_eq!(asked.len(), 2, "{asked:?}");
    assert!(
        asked[0].range.is_some(),
        "the first request resumed: {asked:?}"
    );
    assert_eq!(asked[1].range, None, "the second started over: {asked:?}");
    assert_eq!(fs::read(world.dst_bundle(2)).unwrap(), world.bundle(2));
    assert_absent(&world.dst_part(2), "the part became the bundle");
    assert_eq!(assert_complete(&world.home, &world.dst, "after"), 2);
}

/// A first mirror sends the wrong beginning of a bundle and drops the connection; the next
/// mirror, honest, must not be asked to continue those bytes (it cannot vouch for them): the
/// edition is fetched whole from it.
#[test]
fn a_mirror_that_sent_a_wrong_beginning_cannot_spoil_the_next() {
    let world = World::new(15, &[1]);
    // The first mirror: the same signed catalog, but garbage of the right length for the
    // bundle, cut off half-way.
    let spoiled = world.dir.path().join("spoiled");
    copy_tree(&world.publisher.mirror, &spoiled);
    let bundle = spoiled.join("bundles").join(bundle_name(1));
    let length = fs::metadata(&bundle).unwrap().len() as usize;
    fs::write(&bundle, vec![0x5a; length]).unwrap();
    let hostile = HostileServer::start(&spoiled);
    hostile.set("/bundles/", Behaviour::DropMidFile);
    let honest = HostileServer::start(&world.publisher.mirror);
    let out = world.fetch(&[hostile.url(), honest.url()]);
    out.expect_text(&format!("FETCHED {CHANNEL} #1"))
        .expect_text("ADDED");
    let asked = requests_for(&honest, &bundle_name(1));
    assert!(
        asked.iter().all(|request| request.range.is_none()),
        "the honest mirror was asked for the whole file: {asked:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// Bodies that never end, or barely start
// ---------------------------------------------------------------------------------------------

/// Asserts that no file in DST's `bundles/` is longer than the publisher's file of that name
/// (a partial download counting as its bundle).
#[track_caller]
fn assert_nothing_longer_than_declared(world: &World) {
    for (key, bytes) in state(&world.dst) {
        let Some(file) = key.strip_prefix("bundles/") else {
            continue;
        };
        if file.is_empty()
            || file.starts_with(".tamizdat-")
            || file.ends_with(".torrent")
            || file.ends_with(".validator")
        {
            continue;
        }
        let bundle = file.strip_suffix(".part").unwrap_or(file);
        let declared = fs::metadata(world.publisher.mirror.join("bundles").join(bundle))
            .unwrap_or_else(|e| panic!("{key} is no bundle of the publisher: {e}"))
            .len();
        assert!(
            bytes.len() as u64 <= declared,
            "{key} holds {} bytes, more than the {declared} declared",
            bytes.len()
        );
    }
}

#[test]
fn endless_data_is_never_read_past_the_declared_length() {
    let (world, server) = synced_then_newer(15);

    // Everything endless: the channel list, entry point and catalog are read within their
    // limits, so the sync refuses at once.
    let before = state(&world.dst);
    server.set("/", Behaviour::Endless);
    let started = Instant::now();
    let out = world.sync(&server.url());
    let took = started.elapsed();
    assert!(took < Duration::from_secs(20), "took {took:?}");
    assert_ne!(out.code, 0, "an endless channel list was accepted");
    out.expect_no_line_starting("SYNCED");
    assert_same_tree(&before, &state(&world.dst), "endless small files");

    // Only the bundles endless: their declared length is read and nothing more.
    server.clear_behaviours();
    server.set("/bundles/", Behaviour::Endless);
    let started = Instant::now();
    let out = world.sync(&server.url());
    let took = started.elapsed();
    assert!(took < Duration::from_secs(20), "took {took:?}");
    assert_nothing_longer_than_declared(&world);
    if out.code == 0 {
        assert_eq!(fs::read(world.dst_bundle(2)).unwrap(), world.bundle(2));
        assert_eq!(assert_complete(&world.home, &world.dst, "after"), 2);
    } else {
        assert_same_tree(&before, &served_state(&world.dst), "endless bundle refused");
    }
    assert!(
        requests_for(&server, &bundle_name(2))
            .iter()
            .any(|request| request.status == 200),
        "the endless bundle was asked for"
    );
}

#[test]
fn a_trickling_server_is_abandoned() {
    let (world, server) = synced_then_newer(16);
    let before = state(&world.dst);
    server.set("/bundles/", Behaviour::Trickle);

    let started = Instant::now();
    let out = sync(
        &world.home,
        &server.url(),
        &world.dst,
        &[
            "--min-rate",
            "1000",
            "--rate-window",
            "2",
            "--timeout",
            "10",
        ],
    );
    let took = started.elapsed();
    assert!(took < Duration::from_secs(15), "took {took:?}");
    out.expect_code(2)
        .expect_text(&format!("REFUSED {CHANNEL}"))
        .expect_text("1000 bytes per second")
        .expect_no_line_starting("SYNCED");
    // The few bytes received stay in the partial download, to be resumed.
    assert_same_tree(
        &without_partials(before),
        &served_state(&world.dst),
        "after the trickle",
    );
    assert_nothing_longer_than_declared(&world);
    assert_absent(&world.dst_bundle(2), "the bundle must not appear");
}

// ---------------------------------------------------------------------------------------------
// Older, tampered or foreign catalogs and bundles
// ---------------------------------------------------------------------------------------------

#[test]
fn an_older_catalog_is_refused_as_rollback() {
    let world = World::new(17, &[1]);
    let older = world.copy_mirror("older-mirror");
    world.publish(&[2], 2);
    let server = HostileServer::start(&world.publisher.mirror);
    world.sync(&server.url()).expect_code(0);
    assert_eq!(assert_complete(&world.home, &world.dst, "newer"), 2);

    server.swap_root(&older);
    let before = state(&world.dst);
    let out = world.sync(&server.url());
    out.expect_code(1)
        .expect_text("rollback")
        .expect_text(&format!("REFUSED {CHANNEL}"))
        .expect_no_line_starting("SYNCED");
    assert_same_tree(&before, &state(&world.dst), "after the rollback");
    assert_eq!(assert_complete(&world.home, &world.dst, "after"), 2);
}

#[test]
fn a_catalog_listing_other_bytes_is_refused() {
    let world = World::new(18, &[1, 2]);
    let server = HostileServer::start(&world.publisher.mirror);
    world.sync(&server.url()).expect_code(0);
    // Edition 10, so that editions 11 to 99 have titles and dates of the same length.
    world.publish(&[10], 2);
    let real = world.bundle(10);
    let served_as = |name: &str, bytes: &[u8]| {
        let copy = world.copy_mirror(name);
        fs::write(copy.join("bundles").join(bundle_name(10)), bytes).unwrap();
        copy
    };

    // The new edition with one byte flipped in its middle.
    let mut bytes = real.clone();
    bytes[real.len() / 2] ^= 0x01;
    let flipped = served_as("flipped", &bytes);
    // Other valid bundles of the same publisher: one of the same length (only the hash
    // tells), one a few bytes shorter or longer.
    let mut others = [1, 2]
        .into_iter()
        .map(|sequence| world.bundle(sequence))
        .chain(
            (11..60)
                .map(|sequence| fs::read(world.publisher.pack(CHANNEL, sequence, NOISE)).unwrap()),
        );
    let (mut same, mut other) = (None, None);
    for bundle in others.by_ref() {
        let slot = if bundle.len() == real.len() {
            &mut same
        } else {
            &mut other
        };
        slot.get_or_insert(bundle);
        if same.is_some() && other.is_some() {
            break;
        }
    }
    let same_length = served_as(
        "same-length",
        &same.expect("an edition that packs to the same length as edition 10"),
    );
    let other = other.expect("an edition that packs to another length than edition 10");
    let swapped = served_as("swapped", &other);

    let url = server.url();
    let local = swapped.to_str().unwrap().to_string();
    let mut wrong_codes = Vec::new();
    for (name, root, source) in [
        ("a flipped byte", &flipped, &url),
        ("another bundle of the same length", &same_length, &url),
        ("another bundle of another length", &swapped, &url),
        (
            "another bundle of another length, on a stick",
            &swapped,
            &local,
        ),
    ] {
        server.swap_root(root);
        let before = state(&world.dst);
        let out = world.sync(source);
        out.expect_text(&format!("REFUSED {CHANNEL}"))
            .expect_text(&bundle_name(10))
            .expect_no_line_starting("SYNCED");
        assert_same_tree(&before, &state(&world.dst), name);
        assert_eq!(assert_complete(&world.home, &world.dst, name), 1);
        // Every case is tried before the exit codes are judged, to report them all at once.
        if out.code != 1 {
            wrong_codes.push(format!("{name}: exit {}\n{}", out.code, out.text()));
        }
    }
    server.swap_root(&world.publisher.mirror);
    world.sync(&server.url()).expect_code(0);
    assert_eq!(fs::read(world.dst_bundle(10)).unwrap(), real);
    assert_eq!(assert_complete(&world.home, &world.dst, "honest"), 2);
    assert!(
        wrong_codes.is_empty(),
        "a bundle other than the one the catalog lists must be refused as invalid (exit 1):\n{}",
        wrong_codes.join("\n")
    );
}

/// The path of the catalog file `mirror`'s entry point names.
fn served_catalog(mirror: &Path) -> PathBuf {
    let entry: serde_json::Value = serde_json::from_slice(
        &fs::read(mirror.join("channels").join(format!("{CHANNEL}.json"))).unwrap(),
    )
    .unwrap();
    mirror.join("catalogs").join(
        entry["catalog"]
            .as_str()
            .expect("the entry point names a catalog"),
    )
}

#[test]
fn a_tampered_catalog_or_entry_point_is_refused() {
    let (world, server) = synced_then_newer(19);

    // One byte of the catalog flipped: its SHA-256 no longer matches the entry point's.
    let flipped = world.copy_mirror("flipped");
    let catalog = served_catalog(&flipped);
    let mut bytes = fs::read(&catalog).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x01;
    fs::write(&catalog, &bytes).unwrap();

    // The catalog altered (a title changed) and the entry point made to describe it: only
    // the signature can tell.
    let resigned_entry = world.copy_mirror("altered");
    let catalog = served_catalog(&resigned_entry);
    let original = fs::read(&catalog).unwrap();
    let needle = format!("{CHANNEL} edition 2").into_bytes();
    let at = original
        .windows(needle.len())
        .position(|window| window == needle.as_slice())
        .expect("the catalog lists the title of edition 2");
    let mut altered = original.clone();
    altered[at + needle.len() - 1] = b'9';
    fs::write(&catalog, &altered).unwrap();
    let entry_path = resigned_entry
        .join("channels")
        .join(format!("{CHANNEL}.json"));
    let mut entry: serde_json::Value =
        serde_json::from_slice(&fs::read(&entry_path).unwrap()).unwrap();
    entry["sha256"] = tamizdat::format::Sha256Digest::of(&altered).to_hex().into();
    entry["length"] = (altered.len() as u64).into();
    fs::write(&entry_path, serde_json::to_vec(&entry).unwrap()).unwrap();

    // A catalog signed by another key, with a higher number, in a copy of the mirror.
    let foreign = world.copy_mirror("foreign");
    let other_dir = world.path("other");
    fs::create_dir_all(&other_dir).unwrap();
    let other = Publisher {
        key: other_key(&other_dir, 91),
        dir: other_dir.clone(),
        mirror: other_dir.join("mirror"),
    };
    for (sequence, on) in [(7, 3), (8, 4), (9, 5)] {
        other.publish(CHANNEL, &[sequence], NOISE, &[], &day(on));
    }
    copy_tree(&other.mirror, &foreign);

    for (name, root, says) in [
        ("a flipped catalog byte", &flipped, "SHA-256 differs"),
        (
            "an altered catalog",
            &resigned_entry,
            "does not match the signature",
        ),
        (
            "another key's catalog",
            &foreign,
            "not signed by a key you trust",
        ),
    ] {
        server.swap_root(root);
        let before = state(&world.dst);
        let out = world.sync(&server.url());
        out.expect_code(1)
            .expect_text(says)
            .expect_no_line_starting("SYNCED");
        assert_same_tree(&before, &state(&world.dst), name);
        assert_eq!(assert_complete(&world.home, &world.dst, name), 1);
    }
}

// ---------------------------------------------------------------------------------------------
// Cut connections and redirects
// ---------------------------------------------------------------------------------------------

#[test]
fn a_dropped_connection_is_resumed_by_the_next_sync() {
    let (world, server) = synced_then_newer(20);
    let before = state(&world.dst);
    server.set("/bundles/", Behaviour::DropMidFile);

    let out = world.sync(&server.url());
    out.expect_code(2)
        .expect_text(&format!("REFUSED {CHANNEL}"))
        .expect_no_line_starting("SYNCED");
    // DST still serves catalog #1; what arrived waits in the partial download.
    assert_same_tree(
        &without_partials(before),
        &served_state(&world.dst),
        "after the cut",
    );
    assert_eq!(assert_complete(&world.home, &world.dst, "after the cut"), 1);
    let held = fs::metadata(world.dst_part(2))
        .expect("the bytes received are kept")
        .len();
    let length = world.bundle(2).len() as u64;
    assert!(
        held > 0 && held < length,
        "the part holds {held} of {length}"
    );

    // Honest again ("/bundles/" is the longest prefix set, so it is the one to reset).
    server.set("/bundles/", Behaviour::Honest);
    server.clear_requests();
    world.sync(&server.url()).expect_code(0);
    let asked = requests_for(&server, &bundle_name(2));
    assert_eq!(asked.len(), 1, "{asked:?}");
    assert_eq!(
        asked[0].range.as_deref(),
        Some(&*format!("bytes={held}-")),
        "the download resumed where it stopped"
    );
    assert_eq!(asked[0].status, 206);
    assert_eq!(fs::read(world.dst_bundle(2)).unwrap(), world.bundle(2));
    assert_absent(&world.dst_part(2), "the part became the bundle");
    assert_eq!(assert_complete(&world.home, &world.dst, "resumed"), 2);
}

#[test]
fn a_redirect_loop_ends_with_an_error() {
    let (world, server) = synced_then_newer(21);
    let before = state(&world.dst);
    server.set("/bundles/", Behaviour::RedirectLoop);

    let started = Instant::now();
    let out = world.sync(&server.url());
    let took = started.elapsed();
    assert!(took < Duration::from_secs(10), "took {took:?}");
    out.expect_code(2)
        .expect_text("redirected more than 3 times")
        .expect_no_line_starting("SYNCED");
    assert_same_tree(&before, &state(&world.dst), "after the loop");
    let asked = requests_for(&server, &bundle_name(2));
    assert_eq!(asked.len(), 4, "the request and 3 redirects: {asked:?}");
}

#[test]
fn a_redirect_to_another_host_is_followed_within_the_cap() {
    let (world, front) = synced_then_newer(22);
    let file = bundle_name(2);
    let target = HostileServer::start(&world.publisher.mirror);
    let hops: Vec<HostileServer> = (0..3)
        .map(|_| HostileServer::start(&world.publisher.mirror))
        .collect();
    let at = |server: &HostileServer| format!("{}bundles/{file}", server.url());
    // hops[0] -> hops[1] -> hops[2] -> target, whatever the path.
    hops[0].set("/", Behaviour::RedirectTo(at(&hops[1])));
    hops[1].set("/", Behaviour::RedirectTo(at(&hops[2])));
    hops[2].set("/", Behaviour::RedirectTo(at(&target)));
    let baseline = world.path("baseline");
    copy_tree(&world.dst, &baseline);

    // One redirect to another host: followed.
    front.set(
        &format!("/bundles/{file}"),
        Behaviour::RedirectTo(at(&target)),
    );
    world.sync(&front.url()).expect_code(0);
    assert_eq!(fs::read(world.dst_bundle(2)).unwrap(), world.bundle(2));
    assert_eq!(assert_complete(&world.home, &world.dst, "one redirect"), 2);
    assert!(
        requests_for(&target, &file)
            .iter()
            .any(|request| request.status == 200),
        "the bundle came from the other host"
    );

    // Three redirects (front -> hops[1] -> hops[2] -> target): the cap, still followed.
    let dst3 = world.path("dst-3-redirects");
    copy_tree(&baseline, &dst3);
    front.set(
        &format!("/bundles/{file}"),
        Behaviour::RedirectTo(at(&hops[1])),
    );
    sync(&world.home, &front.url(), &dst3, &QUICK).expect_code(0);
    assert_eq!(assert_complete(&world.home, &dst3, "three redirects"), 2);

    // Four (front -> hops[0] -> hops[1] -> hops[2] -> target): one too many.
    let dst4 = world.path("dst-4-redirects");
    copy_tree(&baseline, &dst4);
    front.set(
        &format!("/bundles/{file}"),
        Behaviour::RedirectTo(at(&hops[0])),
    );
    target.clear_requests();
    let before = state(&dst4);
    let started = Instant::now();
    let out = sync(&world.home, &front.url(), &dst4, &QUICK);
    assert!(started.elapsed() < Duration::from_secs(10));
    out.expect_code(2)
        .expect_text("redirected more than 3 times")
        .expect_no_line_starting("SYNCED");
    assert_same_tree(&before, &state(&dst4), "after four redirects");
    assert!(
        requests_for(&target, &file).is_empty(),
        "the fourth redirect was not followed"
    );
}

// ---------------------------------------------------------------------------------------------
// Concurrent and killed syncs
// ---------------------------------------------------------------------------------------------

#[test]
fn two_syncs_into_one_destination_never_corrupt_it() {
    // Three bundles of 1 MB at 500 kB/s, of which nginx sends the first 500 kB at once: a
    // sync takes about three seconds, so the two overlap.
    let world = World::with_noise(23, &[1, 2, 3], 1_000_000);
    let nginx = Nginx::start(NginxOptions {
        root: world.publisher.mirror.clone(),
        tls: false,
        limit_rate: Some("500k".into()),
    });
    let url = nginx.url();
    let start = |_| {
        reader()
            .home(&world.home)
            .args(["mirror", "sync", &url])
            .arg(&world.dst)
            .args(QUICK)
            .spawn()
    };
    let running: Vec<_> = (0..2).map(start).collect();
    let outs: Vec<Out> = running.into_iter().map(|run| run.wait()).collect();
    eprintln!(
        "the two syncs exited {:?}",
        outs.iter().map(|out| out.code).collect::<Vec<_>>()
    );
    assert!(
        outs.iter().any(|out| out.code == 0),
        "one of the two syncs completes: {outs:#?}"
    );
    for out in &outs {
        if out.code != 0 {
            out.expect_code(2)
                .expect_text("another tamizdat is writing")
                .expect_no_line_starting("SYNCED");
        }
    }
    assert_eq!(assert_complete(&world.home, &world.dst, "after both"), 1);
    world.sync(&url).expect_code(0);
    assert_eq!(assert_complete(&world.home, &world.dst, "third"), 1);
    for sequence in 1..=3 {
        assert_eq!(
            fs::read(world.dst_bundle(sequence)).unwrap(),
            world.bundle(sequence)
        );
    }
}

/// `tamizdat mirror sync -q SOURCE DST` as a plain child process, to be killed: the same
/// hygiene as `common::reader()` (TAMIZDAT_HOME set, no passphrase or SOURCE_DATE_EPOCH from
/// the environment, stdin closed).
fn spawn_killable_sync(home: &Path, source: &str, dst: &Path) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_tamizdat"))
        .env_remove("TAMIZDAT_PASSPHRASE")
        .env_remove("SOURCE_DATE_EPOCH")
        .env("TAMIZDAT_HOME", home)
        .args(["mirror", "sync", "-q", source])
        .arg(dst)
        .args(QUICK)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start tamizdat mirror sync")
}

#[test]
fn a_sync_killed_at_50_random_moments_always_leaves_a_complete_mirror() {
    const ROUNDS: usize = 50;
    const BIG: usize = 1_500_000;
    let dir = tempfile::tempdir().unwrap();
    let publisher = publisher_in(&dir.path().join("publisher"), 24);
    let www = dir.path().join("www");
    // Catalog #1 lists editions 1 and 2, catalog #2 also 3 and 4: about 3 and 6 MB.
    publisher.publish(CHANNEL, &[1, 2], BIG, &[], &day(1));
    copy_tree(&publisher.mirror, &www.join("older"));
    publisher.publish(CHANNEL, &[3, 4], BIG, &[], &day(2));
    copy_tree(&publisher.mirror, &www.join("newer"));
    let home = publisher.trusting_home(&dir.path().join("home"));
    // nginx sends the first second's worth of a response at once (`limit_rate` allows
    // rate * (elapsed + 1 s)), so the rate is below the bundles' size for them to be slow:
    // about half a second each, two seconds for the whole newer state.
    let nginx = Nginx::start(NginxOptions {
        root: www,
        tls: false,
        limit_rate: Some("1m".into()),
    });
    let older = format!("{}older/", nginx.url());
    let newer = format!("{}newer/", nginx.url());

    // DST as the older state left it, to go back to whenever it reaches the newer one, so
    // that most kills land while it moves from one complete state to the next.
    let at_older = dir.path().join("at-older");
    sync(&home, &older, &at_older, &QUICK).expect_code(0);
    assert_eq!(assert_complete(&home, &at_older, "older"), 1);
    let started = Instant::now();
    let scratch = dir.path().join("scratch");
    sync(&home, &newer, &scratch, &QUICK).expect_code(0);
    let full = started.elapsed();
    assert_eq!(assert_complete(&home, &scratch, "newer"), 2);
    assert!(
        full < Duration::from_secs(20),
        "one full sync took {full:?}"
    );
    let full_ms = full.as_millis() as u64;

    let dst = dir.path().join("dst");
    let mut rng = Rng::new(0x4B11_2026);
    let mut held = 0u64;
    let (mut with_part, mut resets) = (0, 0);
    for round in 0..ROUNDS {
        let source = if round % 2 == 0 { &older } else { &newer };
        let mut child = spawn_killable_sync(&home, source, &dst);
        thread::sleep(Duration::from_millis(rng.below(full_ms.max(1))));
        child.kill().expect("kill the sync");
        child.wait().expect("wait for the killed sync");

        let context = format!("round {round} (from {source})");
        if !dst
            .join("channels")
            .join(format!("{CHANNEL}.json"))
            .exists()
        {
            assert_eq!(held, 0, "{context}: the entry point disappeared");
            continue;
        }
        let number = assert_complete(&home, &dst, &context);
        assert!(number >= held, "{context}: catalog #{number} after #{held}");
        held = number;
        if fs::read_dir(dst.join("bundles")).is_ok_and(|entries| {
            entries
                .flatten()
                .any(|entry| entry.file_name().to_string_lossy().ends_with(".part"))
        }) {
            with_part += 1;
        }
        if number == 2 {
            fs::remove_dir_all(&dst).unwrap();
            copy_tree(&at_older, &dst);
            held = 1;
            resets += 1;
        }
    }
    eprintln!(
        "one full sync took {full:?}; {ROUNDS} kills: {with_part} left a partial download, {resets} after the newer state was complete"
    );
    assert!(
        with_part > 0,
        "no kill landed during a download: the test does not test anything"
    );
    sync(&home, &newer, &dst, &QUICK).expect_code(0);
    assert_eq!(assert_complete(&home, &dst, "final"), 2);
    for sequence in 1..=4 {
        assert_eq!(
            fs::read(dst.join("bundles").join(bundle_name(sequence))).unwrap(),
            fs::read(publisher.mirror.join("bundles").join(bundle_name(sequence))).unwrap()
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Fetch
// ---------------------------------------------------------------------------------------------

#[test]
fn fetch_falls_back_to_the_next_mirror() {
    let world = World::new(25, &[1, 2]);
    let good = HostileServer::start(&world.publisher.mirror);

    // A mirror that cuts every bundle in half, then an honest one.
    let cutting = HostileServer::start(&world.publisher.mirror);
    cutting.set("/bundles/", Behaviour::DropMidFile);
    let out = world.fetch(&[cutting.url(), good.url()]);
    out.expect_code(0);
    for sequence in [1, 2] {
        out.expect_text(&format!("FETCHED {CHANNEL} #{sequence}"));
        assert!(
            !requests_for(&cutting, &bundle_name(sequence)).is_empty(),
            "the first mirror was tried first"
        );
        assert!(
            !requests_for(&good, &bundle_name(sequence)).is_empty(),
            "the second mirror gave the rest"
        );
    }
    assert_eq!(
        out.stdout
            .lines()
            .filter(|l| l.starts_with("ADDED"))
            .count(),
        2,
        "{}",
        out.stdout
    );
    assert!(world.home.join("library").is_dir());
    world
        .fetch(&[good.url()])
        .expect_code(0)
        .expect_text("already has the newest editions")
        .expect_no_line_starting("FETCHED");

    // A mirror that answers 500 to everything, then an honest one, for another reader.
    let broken = HostileServer::start(&world.publisher.mirror);
    broken.set("/", Behaviour::Status(500));
    let other_home = world.publisher.trusting_home(&world.path("other-home"));
    let out = reader()
        .home(&other_home)
        .arg("fetch")
        .args([broken.url(), good.url()])
        .args(QUICK)
        .run();
    out.expect_code(0).expect_text("status 500");
    for sequence in [1, 2] {
        out.expect_text(&format!("FETCHED {CHANNEL} #{sequence}"));
    }
    assert_eq!(
        out.stdout
            .lines()
            .filter(|l| l.starts_with("ADDED"))
            .count(),
        2,
        "{}",
        out.stdout
    );
}

#[test]
fn fetch_refuses_a_rollback_it_has_seen() {
    let world = World::new(26, &[1]);
    let older = world.copy_mirror("older-mirror");
    world.publish(&[2], 2);
    let newer_server = HostileServer::start(&world.publisher.mirror);
    let older_server = HostileServer::start(&older);

    let out = world.fetch(&[newer_server.url()]);
    out.expect_code(0)
        .expect_text(&format!("CATALOG {CHANNEL} #2"))
        .expect_text(&format!("FETCHED {CHANNEL} #1"))
        .expect_text(&format!("FETCHED {CHANNEL} #2"));
    let library = world.home.join("library");
    let memory = world.home.join("state").join("mirrors.json");
    let before = state(&library);
    let remembered = fs::read(&memory).expect("fetch remembers the catalog it accepted");

    let out = world.fetch(&[older_server.url()]);
    assert_ne!(out.code, 0, "a rollback was accepted:\n{}", out.text());
    out.expect_text("rollback")
        .expect_no_text(&format!("CATALOG {CHANNEL}"))
        .expect_no_line_starting("FETCHED")
        .expect_no_line_starting("ADDED");
    assert_same_tree(&before, &state(&library), "the library after the rollback");
    assert_eq!(fs::read(&memory).unwrap(), remembered, "mirrors.json");
    assert!(
        older_server
            .requests()
            .iter()
            .all(|request| !request.path.starts_with("/bundles/")),
        "no bundle is fetched from a rolled-back catalog"
    );
    // The catalog was signed by the trusted publisher and refused as a rollback: the summary
    // must not send the reader off to change their trust.
    out.expect_no_text("signed by a publisher you trust");
}

// ---------------------------------------------------------------------------------------------
// A destination or a stick prepared by someone else
// ---------------------------------------------------------------------------------------------

/// A link planted in DST where a download goes (with a sidecar claiming the mirror began it),
/// or in place of `bundles/` itself, never has a sync write through it.
#[test]
fn a_link_planted_in_the_destination_is_never_written_through() {
    let (world, server) = synced_then_newer(16);
    let victim = world.dir.path().join("victim.txt");
    fs::write(&victim, "the operator's own file\n").unwrap();
    let part = world.dst_part(2);
    std::os::unix::fs::symlink(&victim, &part).unwrap();
    let mut began_by = part.clone().into_os_string();
    began_by.push(".source");
    fs::write(&began_by, server.url()).unwrap();
    let mut validator = part.clone().into_os_string();
    validator.push(".validator");
    std::os::unix::fs::symlink(&victim, &validator).unwrap();
    let out = world.sync(&server.url());
    assert_ne!(out.code, 0, "a sync through a planted link: {}", out.text());
    assert_eq!(
        fs::read_to_string(&victim).unwrap(),
        "the operator's own file\n",
        "nothing was written through the link"
    );
    assert_eq!(
        assert_complete(&world.home, &world.dst, "after the link"),
        1
    );
    assert!(
        server
            .requests()
            .iter()
            .all(|request| request.if_range.is_none()),
        "the victim's text never went out as If-Range"
    );

    // bundles/ itself a link to a folder elsewhere: refused before anything is written there.
    let elsewhere = world.dir.path().join("elsewhere");
    fs::create_dir_all(&elsewhere).unwrap();
    fs::write(elsewhere.join("precious.tar.zst"), "not a bundle").unwrap();
    let dst = world.dir.path().join("dst-with-link");
    fs::create_dir_all(&dst).unwrap();
    std::os::unix::fs::symlink(&elsewhere, dst.join("bundles")).unwrap();
    let out = sync(&world.home, &server.url(), &dst, &["--prune"]);
    assert_ne!(out.code, 0, "{}", out.text());
    out.expect_text("not a folder of its own");
    assert_eq!(
        fs::read_dir(&elsewhere).unwrap().count(),
        1,
        "nothing was written to or pruned from the linked folder"
    );
}

/// A stick whose entry point is a FIFO (or a device) must not hang a sync.
#[test]
fn a_fifo_on_a_stick_does_not_hang_a_sync() {
    let world = World::new(17, &[1]);
    let stick = world.dir.path().join("stick");
    copy_tree(&world.publisher.mirror, &stick);
    let entry = stick.join("channels").join(format!("{CHANNEL}.json"));
    fs::remove_file(&entry).unwrap();
    let made = std::process::Command::new("mkfifo")
        .arg(&entry)
        .status()
        .unwrap();
    assert!(made.success());
    let started = std::time::Instant::now();
    let out = world.sync(stick.to_str().unwrap());
    assert!(started.elapsed() < Duration::from_secs(10), "the sync hung");
    assert_ne!(out.code, 0);
    out.expect_text("not a regular file");
    assert!(
        !world
            .dst
            .join("channels")
            .join(format!("{CHANNEL}.json"))
            .exists()
    );
}
