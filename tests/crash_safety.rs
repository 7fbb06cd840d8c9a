//! Crash safety: an unpack killed at any moment leaves its destination absent or complete,
//! never partial; what a killed run leaves beside it is swept at the next run; a full disk or a
//! file-size limit gives a plain "not enough space" with nothing left behind; two unpacks into
//! one place at once cannot both write it.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::*;

/// An edition of a few hundred small files and some larger ones (about 6 MB over two frames),
/// so an unpack takes long enough to be killed in the middle.
fn edition_of_many_files(root: &Path) {
    let mut rng = Rng::new(0xC0FFEE);
    write_file(
        root,
        "index.md",
        b"---\ntitle: Crash test edition\nlang: en\n---\n\n# Crash test\n",
    );
    for index in 0..300 {
        let len = 2_000 + rng.below(30_000) as usize;
        write_file(
            root,
            &format!("articles/{index:03}.txt"),
            String::from_utf8_lossy(&rng.text(len)).as_bytes(),
        );
    }
    write_file(root, "media/photo.bin", &rng.bytes(1_500_000));
}

/// A front page and one incompressible 3 MB file: more than a 1 MiB limit or disk.
fn edition_with_one_large_file(root: &Path) {
    write_file(
        root,
        "index.md",
        b"---\ntitle: Big file\nlang: en\n---\n\n# Big\n",
    );
    write_file(root, "video.bin", &Rng::new(9).bytes(3_000_000));
}

struct Fixture {
    _dir: tempfile::TempDir,
    work: PathBuf,
    key: Key,
    edition: PathBuf,
    bundle: PathBuf,
}

fn fixture(make: impl FnOnce(&Path)) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path().to_path_buf();
    let key = make_key(&work, "Crash Test Key", 81);
    let edition = work.join("edition");
    make(&edition);
    let bundle = work.join("edition.tar.zst");
    pack_ok(&edition, &key, &bundle);
    Fixture {
        _dir: dir,
        work,
        key,
        edition,
        bundle,
    }
}

impl Fixture {
    /// The unpack command as a plain `Command`, to be killed or limited.
    fn unpack_command(&self, to: &Path) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_tamizdat"));
        command
            .arg("unpack")
            .arg(&self.bundle)
            .arg("--to")
            .arg(to)
            .arg("--public-key")
            .arg(&self.key.public_path)
            .env("TAMIZDAT_HOME", self.work.join("home"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        command
    }
}

#[test]
fn unpack_killed_at_100_random_moments_leaves_the_output_absent_or_complete() {
    let fixture = fixture(edition_of_many_files);
    let expected = snapshot(&fixture.edition);
    let room = fixture.work.join("room");
    fs::create_dir(&room).unwrap();
    let to = room.join("out");

    // How long one whole unpack takes here, so the kills land across all of it.
    let started = Instant::now();
    assert!(fixture.unpack_command(&to).status().unwrap().success());
    let whole = started.elapsed();
    assert_same_tree(&expected, &snapshot(&to), "the uninterrupted unpack");
    fs::remove_dir_all(&to).unwrap();

    let mut rng = Rng::new(0x51_6B11);
    let (mut absent, mut complete, mut killed_while_staging) = (0, 0, 0);
    for attempt in 0..100 {
        let delay = whole.mul_f64(rng.below(1200) as f64 / 1000.0);
        let mut child = fixture.unpack_command(&to).spawn().unwrap();
        std::thread::sleep(delay);
        let _ = child.kill(); // SIGKILL; fails only if it already exited
        child.wait().unwrap();
        if to.exists() {
            assert_same_tree(
                &expected,
                &snapshot(&to),
                &format!("attempt {attempt}, killed after {delay:?}: the output is visible"),
            );
            complete += 1;
            fs::remove_dir_all(&to).unwrap();
        } else {
            absent += 1;
        }
        if leftovers(&room)
            .iter()
            .any(|name| name.starts_with(".tamizdat-staging-"))
        {
            killed_while_staging += 1;
        }
        // Nothing but the destination and tamizdat's own work files ever appears beside it.
        for name in fs::read_dir(&room).unwrap() {
            let name = name.unwrap().file_name().to_string_lossy().into_owned();
            assert!(
                name.starts_with(".tamizdat-"),
                "attempt {attempt}: unexpected {name:?} beside the destination"
            );
        }
    }
    eprintln!(
        "one unpack takes {whole:?}; of 100 kills: {absent} left no output, {complete} came \
         after the output was complete, {killed_while_staging} landed while files were being \
         written"
    );
    assert!(
        killed_while_staging > 0,
        "no kill landed while files were being written: the test proved nothing"
    );

    // The next run sweeps whatever the kills left, and unpacks normally.
    assert!(fixture.unpack_command(&to).status().unwrap().success());
    assert_same_tree(&expected, &snapshot(&to), "the unpack after the kills");
    assert_no_leftovers(&room, "after the next run");
}

#[test]
fn staging_folder_left_by_a_killed_unpack_is_swept_at_the_next_run() {
    let fixture = fixture(edition_of_many_files);
    let room = fixture.work.join("room");
    fs::create_dir(&room).unwrap();
    let to = room.join("out");
    // Kill one unpack once it has started writing its staging folder.
    let mut child = fixture.unpack_command(&to).spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while leftovers(&room)
        .iter()
        .all(|name| !name.starts_with(".tamizdat-staging-"))
    {
        assert!(Instant::now() < deadline, "no staging folder appeared");
        assert!(
            child.try_wait().unwrap().is_none(),
            "the unpack finished before it could be killed"
        );
        std::thread::sleep(Duration::from_micros(200));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(
        !to.exists(),
        "killed while staging: the output must not exist"
    );
    assert!(!leftovers(&room).is_empty(), "the kill left work files");

    // Another tamizdat run into the same folder, even for another destination, sweeps them.
    let other = room.join("other");
    assert!(fixture.unpack_command(&other).status().unwrap().success());
    let mut names: Vec<_> = fs::read_dir(&room)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["other"], "leftovers of the killed run were swept");
}

#[test]
fn unpack_hitting_a_file_size_limit_says_not_enough_space_and_leaves_nothing() {
    let fixture = fixture(edition_with_one_large_file);
    let room = fixture.work.join("room");
    fs::create_dir(&room).unwrap();
    let to = room.join("out");
    let output = with_file_size_limit(&fixture.unpack_command(&to), 1024)
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "stderr: {stderr}");
    assert!(stderr.contains("not enough space"), "stderr: {stderr}");
    assert_eq!(stderr.trim().lines().count(), 1, "one line: {stderr}");
    assert_empty_dir(&room, "after running out of space");
}

#[test]
fn unpack_onto_a_disk_too_small_is_refused_before_writing_anything() {
    // A 1 MiB tmpfs, mounted in a private mount namespace so the test needs no setup.
    let fixture = fixture(edition_with_one_large_file);
    let small = fixture.work.join("small-disk");
    fs::create_dir(&small).unwrap();
    let unpack = fixture.unpack_command(&small.join("out"));
    let script = "mount -t tmpfs -o size=1m tamizdat-test \"$1\" || exit 99; shift; \
                  \"$@\" 2>&1; echo \"exit=$?\"; echo listing:; ls -A \"$(dirname \"$0\")\"";
    let output = Command::new("unshare")
        .args(["--mount", "--map-root-user", "sh", "-c", script])
        .arg(small.join("out"))
        .arg(&small)
        .arg(unpack.get_program())
        .args(unpack.get_args())
        .env("TAMIZDAT_HOME", fixture.work.join("home"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    // A test that did not run must not pass: the machine must allow the mount.
    assert!(
        output.status.code() != Some(99) && !stderr.contains("unshare failed"),
        "this test mounts a 1 MiB tmpfs in a private mount namespace \
         (`unshare --mount --map-root-user`), which this machine refused: run it as root or \
         enable unprivileged user namespaces. {stderr}"
    );
    assert!(
        stdout.contains("not enough space: it needs"),
        "{stdout}{stderr}"
    );
    assert!(stdout.contains("exit=2"), "{stdout}{stderr}");
    let listing = stdout.split("listing:").nth(1).unwrap_or("").trim();
    assert_eq!(listing, "", "left on the small disk: {listing}");
}

#[test]
fn unpack_while_another_holds_the_destination_is_refused_and_writes_nothing() {
    let fixture = fixture(edition_of_many_files);
    let room = fixture.work.join("room");
    fs::create_dir(&room).unwrap();
    let to = room.join("out");
    // Hold the lock another tamizdat would hold while writing `out`.
    let lock_path = room.join(format!(
        ".tamizdat-lock-{}",
        tamizdat::fs::lock_tag("out".as_ref())
    ));
    let lock = fs::File::create(&lock_path).unwrap();
    lock.try_lock().unwrap();
    let out = reader()
        .arg("unpack")
        .arg(&fixture.bundle)
        .arg("--to")
        .arg(&to)
        .arg("--public-key")
        .arg(&fixture.key.public_path)
        .run();
    out.expect_code(2)
        .expect_text("another tamizdat is writing");
    assert!(!to.exists());
    drop(lock);
    fs::remove_file(&lock_path).unwrap();
    assert_empty_dir(&room, "after the refused unpack");
    unpack(&fixture.bundle, &to, &fixture.key.public_path).expect_code(0);
}

#[test]
fn two_unpacks_into_the_same_place_at_once_one_succeeds_and_nothing_is_corrupted() {
    // The second unpack starts while the first is writing its staging folder, so only the lock
    // (not the final rename) can stop it.
    let fixture = fixture(edition_of_many_files);
    let expected = snapshot(&fixture.edition);
    let mut overlapped = 0;
    for round in 0..10 {
        let room = fixture.work.join(format!("room-{round}"));
        fs::create_dir(&room).unwrap();
        let to = room.join("out");
        let run = || {
            reader()
                .arg("unpack")
                .arg(&fixture.bundle)
                .arg("--to")
                .arg(&to)
                .arg("--public-key")
                .arg(&fixture.key.public_path)
                .spawn()
        };
        let first = run();
        let deadline = Instant::now() + Duration::from_secs(30);
        while !leftovers(&room)
            .iter()
            .any(|name| name.starts_with(".tamizdat-staging-"))
            && !to.exists()
            && Instant::now() < deadline
        {
            std::thread::sleep(Duration::from_micros(200));
        }
        let second = if to.exists() { None } else { Some(run()) };
        first.wait().expect_code(0);
        if let Some(second) = second {
            let second = second.wait();
            // Started before the first renamed its work into place: the lock decides.
            if second.code != 0 && second.stderr.contains("another tamizdat is writing") {
                overlapped += 1;
            } else {
                second.expect_code(2).expect_text("is not empty");
            }
        }
        assert_same_tree(&expected, &snapshot(&to), &format!("round {round}"));
        assert_no_leftovers(&room, &format!("round {round}"));
    }
    assert!(
        overlapped > 0,
        "no round overlapped: the lock was never tested"
    );
}
