//! `tamizdat unpack --salvage`: from a copy whose signature is good but whose payload is
//! damaged (bit rot, a cut-off download), every file that verifies is recovered, every other
//! one is listed, and a file that does not verify is never written.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use common::*;

/// An edition of many articles over several frames, with one file larger than a frame in the
/// middle, so that some frame starts with the tail of a file begun in an earlier one.
fn many_articles_edition(root: &Path) {
    let mut rng = Rng::new(0x5A1_7A6E);
    write_file(
        root,
        "index.md",
        b"---\ntitle: Salvage test edition\nlang: en\n---\n\n# Many articles\n",
    );
    for index in 0..48 {
        let mut article =
            format!("---\ntitle: Article {index}\nlang: en\n---\n\n# Article {index}\n\n")
                .into_bytes();
        // Cut at a character boundary: text() may end inside a multi-byte character.
        article.extend_from_slice(String::from_utf8_lossy(&rng.text(2_000)).as_bytes());
        write_file(root, &format!("articles/{index:02}.md"), &article);
        // Incompressible images, so the payload needs several 4 MiB frames.
        let image_len = 200_000 + rng.below(200_000) as usize;
        write_file(
            root,
            &format!("articles/{index:02}-photo.bin"),
            &rng.bytes(image_len),
        );
        if index == 20 {
            write_file(
                root,
                "articles/20-video.bin",
                &rng.bytes(9 * 1024 * 1024 + 777),
            );
        }
    }
}

struct Damaged {
    _dir: tempfile::TempDir,
    work: PathBuf,
    edition: PathBuf,
    bundle: Vec<u8>,
    key: Key,
    /// (path, index of the frame where its tar entry starts) in manifest order.
    files: Vec<(String, usize)>,
    frames: Vec<FrameInfo>,
    header_len: u64,
}

fn fixture() -> Damaged {
    let dir = tempfile::tempdir().expect("temporary folder");
    let work = dir.path().to_path_buf();
    let edition = work.join("edition");
    many_articles_edition(&edition);
    let key = make_key(&work, "Salvage Test Key", 61);
    let bundle_path = work.join("intact.tar.zst");
    let bundle = pack_ok(&edition, &key, &bundle_path);
    let info = info_json(&bundle_path, &key.public_path);
    let frames = frames_of(&info);
    let files = files_with_frames(&info);
    let header_len = header_len(&bundle);
    assert!(
        frames.len() >= 5,
        "the edition spans {} frames",
        frames.len()
    );
    Damaged {
        _dir: dir,
        work,
        edition,
        bundle,
        key,
        files,
        frames,
        header_len,
    }
}

impl Damaged {
    fn write(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let path = self.work.join(name);
        fs::write(&path, bytes).expect("write a damaged copy");
        path
    }

    /// The bundle with one byte flipped in the middle of frame `index`.
    fn with_frame_damaged(&self, index: usize) -> Vec<u8> {
        let frame = self.frames[index];
        let mut bytes = self.bundle.clone();
        let at = (self.header_len + frame.offset + frame.length / 2) as usize;
        bytes[at] ^= 0x10;
        bytes
    }

    fn salvage(&self, bundle: &Path, to: &Path) -> Out {
        reader()
            .args(["unpack", "--salvage"])
            .arg(bundle)
            .arg("--to")
            .arg(to)
            .arg("--public-key")
            .arg(&self.key.public_path)
            .run()
    }

    /// Index of the frame where the tar entry of `path` starts.
    fn frame_of(&self, path: &str) -> usize {
        self.files
            .iter()
            .find(|(name, _)| name == path)
            .unwrap_or_else(|| panic!("{path} is in the manifest"))
            .1
    }
}

fn lost_lines(out: &Out) -> BTreeSet<String> {
    out.stdout
        .lines()
        .filter_map(|line| line.strip_prefix("LOST    "))
        .map(str::to_string)
        .collect()
}

/// Every file in `out` is byte-identical to the edition's; returns their paths.
#[track_caller]
fn assert_only_intact_files(out: &Path, edition: &BTreeMap<String, Vec<u8>>) -> BTreeSet<String> {
    let written = snapshot(out);
    for (path, bytes) in &written {
        if path.ends_with('/') {
            continue;
        }
        let original = edition
            .get(path)
            .unwrap_or_else(|| panic!("salvage wrote {path}, which is not in the edition"));
        assert!(
            original == bytes,
            "salvage wrote {path} with bytes that differ from the edition's"
        );
    }
    file_paths(&written)
}

#[test]
fn salvage_of_a_bundle_with_one_damaged_middle_frame_recovers_every_other_file() {
    let f = fixture();
    let damaged_frame = f.frames.len() / 2;
    let damaged = f.write("damaged.tar.zst", &f.with_frame_damaged(damaged_frame));
    let edition = snapshot(&f.edition);
    let all: BTreeSet<String> = f.files.iter().map(|(path, _)| path.clone()).collect();

    // A plain unpack refuses it and writes nothing.
    let plain_to = f.work.join("plain");
    let plain = unpack(&damaged, &plain_to, &f.key.public_path);
    plain.expect_code(1).expect_text("corrupted: frame");
    assert_absent(&plain_to, "a refused unpack");

    let to = f.work.join("recovered");
    let out = f.salvage(&damaged, &to);
    out.expect_code(1)
        .expect_text("DAMAGED")
        .expect_text("could not be recovered")
        .expect_text("get another copy");
    let recovered = assert_only_intact_files(&to, &edition);
    let lost = lost_lines(&out);
    assert!(
        !lost.is_empty(),
        "a damaged frame loses its files:\n{}",
        out.stdout
    );
    assert!(
        recovered.is_disjoint(&lost),
        "files both recovered and listed as lost: {:?}",
        recovered.intersection(&lost).collect::<Vec<_>>()
    );
    let accounted: BTreeSet<String> = recovered.union(&lost).cloned().collect();
    assert_eq!(
        accounted, all,
        "every file is either recovered or listed as lost"
    );
    for (path, frame) in &f.files {
        if *frame == damaged_frame {
            assert!(
                lost.contains(path),
                "{path} starts in the damaged frame but is not listed as lost"
            );
        }
        // Files of 400 KB or less lie in one frame: all those outside the damaged one survive.
        let small = edition
            .get(path)
            .is_some_and(|bytes| bytes.len() <= 400_000);
        if *frame != damaged_frame && small {
            assert!(
                recovered.contains(path),
                "{path} (frame {frame}) was not recovered:\n{}",
                out.stdout
            );
        }
    }
    assert!(
        out.stdout.contains(&format!(
            "recovered {} of {} files",
            recovered.len(),
            all.len()
        )),
        "the summary counts what was recovered:\n{}",
        out.stdout
    );
    assert_no_leftovers(&f.work, "after salvage");
}

#[test]
fn salvage_resumes_after_a_damaged_frame_in_the_middle_of_a_large_file() {
    let f = fixture();
    // The large file starts a frame and fills it; damage the frame after that, which holds
    // more of it: the first intact frame after it starts with the file's tail, not an entry.
    let start = f.frame_of("articles/20-video.bin");
    let damaged_frame = start + 1;
    let damaged = f.write(
        "damaged-video.tar.zst",
        &f.with_frame_damaged(damaged_frame),
    );
    let to = f.work.join("recovered");
    let out = f.salvage(&damaged, &to);
    out.expect_code(1);
    let edition = snapshot(&f.edition);
    let recovered = assert_only_intact_files(&to, &edition);
    let lost = lost_lines(&out);
    assert_eq!(
        lost,
        BTreeSet::from(["articles/20-video.bin".to_string()]),
        "only the file that runs through the damaged frame is lost:\n{}",
        out.stdout
    );
    // Files after the video, which start in the frame that begins with its tail, are back.
    let after: Vec<&String> = f
        .files
        .iter()
        .filter(|(_, frame)| *frame == start + 2)
        .map(|(path, _)| path)
        .collect();
    assert!(!after.is_empty(), "some files start in frame {}", start + 2);
    for path in after {
        assert!(
            recovered.contains(path),
            "{path} after the large file was not recovered"
        );
    }
}

#[test]
fn salvage_of_a_truncated_copy_recovers_the_files_before_the_cut() {
    let f = fixture();
    let cut_frame = f.frames.len() - 2;
    let frame = f.frames[cut_frame];
    let cut = (f.header_len + frame.offset + frame.length / 3) as usize;
    let truncated = f.write("truncated.tar.zst", &f.bundle[..cut]);
    let to = f.work.join("recovered");
    let out = f.salvage(&truncated, &to);
    out.expect_code(1).expect_text("cut short");
    let edition = snapshot(&f.edition);
    let recovered = assert_only_intact_files(&to, &edition);
    let lost = lost_lines(&out);
    for (path, start) in &f.files {
        let small = edition
            .get(path)
            .is_some_and(|bytes| bytes.len() <= 400_000);
        if *start >= cut_frame {
            assert!(
                lost.contains(path),
                "{path} lies after the cut but is not listed as lost"
            );
        } else if small {
            assert!(
                recovered.contains(path),
                "{path} lies before the cut but was not recovered"
            );
        }
    }
}

#[test]
fn salvage_of_an_intact_bundle_recovers_everything_and_exits_zero() {
    let f = fixture();
    let intact = f.write("copy.tar.zst", &f.bundle);
    let to = f.work.join("recovered");
    let out = f.salvage(&intact, &to);
    out.expect_code(0)
        .expect_text("VALID")
        .expect_no_text("LOST");
    assert_same_tree(
        &snapshot(&f.edition),
        &snapshot(&to),
        "salvage of an intact bundle",
    );
}

#[test]
fn salvage_refuses_a_bundle_whose_signature_does_not_verify_and_writes_nothing() {
    let f = fixture();
    let mut bytes = f.bundle.clone();
    bytes[60] ^= 0x01; // inside the compressed manifest, which the signature covers
    let forged = f.write("forged.tar.zst", &bytes);
    let to = f.work.join("recovered");
    let out = f.salvage(&forged, &to);
    out.expect_code(1).expect_text("signature");
    assert_absent(&to, "salvage of a bundle with a bad signature");
    assert_no_leftovers(&f.work, "salvage of a bundle with a bad signature");
}

#[test]
fn salvage_with_every_frame_damaged_creates_nothing_and_says_so() {
    let f = fixture();
    let mut bytes = f.bundle.clone();
    for frame in &f.frames {
        let at = (f.header_len + frame.offset + frame.length / 2) as usize;
        bytes[at] ^= 0x40;
    }
    let ruined = f.write("ruined.tar.zst", &bytes);
    let to = f.work.join("recovered");
    let out = f.salvage(&ruined, &to);
    out.expect_code(1).expect_text("nothing could be recovered");
    assert_absent(&to, "salvage that recovered nothing");
    assert_no_leftovers(&f.work, "salvage that recovered nothing");
}

#[test]
fn salvage_never_writes_a_signed_file_whose_hash_lies() {
    // Every frame intact, but the signer's manifest gives one article a hash its bytes do not
    // have: the frames verify, the file does not, and it must not be written.
    let f = fixture();
    let victim = "articles/30.md";
    let lying = resign(&f.bundle, &f.key.secret, |manifest| {
        let file = manifest
            .files
            .iter_mut()
            .find(|file| file.path.as_str() == victim)
            .expect("the victim is listed");
        file.sha256 = tamizdat::format::Sha256Digest::of(b"other bytes");
    });
    let bundle = f.write("lying.tar.zst", &lying);
    let to = f.work.join("recovered");
    let out = f.salvage(&bundle, &to);
    out.expect_code(1).expect_text("DAMAGED");
    assert_eq!(lost_lines(&out), BTreeSet::from([victim.to_string()]));
    let written = assert_only_intact_files(&to, &snapshot(&f.edition));
    assert!(!written.contains(victim), "the lying file was written");
    assert_eq!(
        written.len(),
        f.files.len() - 1,
        "every other file recovered"
    );
    assert_no_leftovers(&f.work, "after the salvage");
}

#[test]
fn salvage_of_a_whole_copy_with_bytes_appended_recovers_everything_but_says_damaged() {
    let f = fixture();
    let mut bytes = f.bundle.clone();
    bytes.extend_from_slice(b"appended by a mirror");
    let bundle = f.write("appended.tar.zst", &bytes);
    let to = f.work.join("recovered");
    let out = f.salvage(&bundle, &to);
    out.expect_code(1)
        .expect_text("every file was recovered and verified, but 20 unsigned bytes follow")
        .expect_no_line_starting("VALID");
    assert_same_tree(&snapshot(&f.edition), &snapshot(&to), "appended copy");
}

// ---------------------------------------------------------------------------------------------
// The end of the archive: whatever `verify` refuses there, a salvage must not call VALID. Each
// bundle below is validly signed (by a key the reader trusts) over a tar whose one file is
// intact but whose end of archive is wrong; a salvage recovers the file and says DAMAGED.

/// A ustar header block for a regular file, as the publisher writes it.
fn ustar_header(name: &str, size: u64, kind: u8) -> Vec<u8> {
    let mut header = tar::Header::new_ustar();
    header.set_path(name).expect("a short name");
    header.set_size(size);
    header.set_mode(0o644);
    header.set_mtime(0);
    header.set_entry_type(tar::EntryType::new(kind));
    header.set_cksum();
    header.as_bytes().to_vec()
}

fn pad_to_block(tar: &mut Vec<u8>) {
    tar.resize(tar.len().div_ceil(512) * 512, 0);
}

/// The tar entry (header, data, padding) of a regular file.
fn file_entry(name: &str, data: &[u8]) -> Vec<u8> {
    let mut tar = ustar_header(name, data.len() as u64, b'0');
    tar.extend_from_slice(data);
    pad_to_block(&mut tar);
    tar
}

/// A PAX header whose one record sets `path`.
fn pax_entry(path: &str) -> Vec<u8> {
    let body = format!(" path={path}\n");
    let mut len = body.len() + 1;
    while len.to_string().len() + body.len() != len {
        len += 1;
    }
    let record = format!("{len}{body}");
    let mut tar = ustar_header("PaxHeader", record.len() as u64, b'x');
    tar.extend_from_slice(record.as_bytes());
    pad_to_block(&mut tar);
    tar
}

const ARTICLE: &[u8] = b"# The only article\n\nIt is intact.\n";

/// Signs, with a key the reader trusts, a one-frame bundle of `tar` whose manifest lists the
/// one file `article.md` holding [`ARTICLE`]; returns the bundle's path and the public key's.
fn signed_tar(work: &Path, tar: &[u8]) -> (PathBuf, PathBuf) {
    signed_frames(work, &[("article.md", ARTICLE, 0)], &[tar.to_vec()])
}

/// Signs, with a key the reader trusts, a bundle whose tar is `parts` concatenated, each
/// compressed as a frame of its own, and whose manifest lists `files` (path, bytes, frame).
fn signed_frames(
    work: &Path,
    files: &[(&str, &[u8], u32)],
    parts: &[Vec<u8>],
) -> (PathBuf, PathBuf) {
    use tamizdat::format::Sha256Digest;
    let key = make_key(work, "End Of Archive Key", 62);
    let mut payload = Vec::new();
    let mut frames = Vec::new();
    for part in parts {
        let frame = zstd::bulk::compress(part, 3).expect("compress");
        frames.push(
            serde_json::json!({"offset": payload.len(), "length": frame.len(),
            "tar_length": part.len(), "sha256": Sha256Digest::of(&frame).to_hex()}),
        );
        payload.extend_from_slice(&frame);
    }
    let files: Vec<serde_json::Value> = files
        .iter()
        .map(|(path, data, frame)| {
            serde_json::json!({"path": path, "size": data.len(),
                "sha256": Sha256Digest::of(data).to_hex(),
                "media_type": "text/markdown; charset=utf-8", "frame": frame})
        })
        .collect();
    let tar_length: usize = parts.iter().map(Vec::len).sum();
    let manifest = serde_json::json!({
        "publisher": {"key_id": key.key_id(), "name": "x"},
        "channel": "salvage", "sequence": 1, "created": "2026-11-25T00:00:00Z",
        "title": "t", "language": "en",
        "payload": {"length": payload.len(), "sha256": Sha256Digest::of(&payload).to_hex(),
                    "tar_length": tar_length},
        "frames": frames,
        "files": files,
        "articles": [],
    });
    let json = serde_json::to_vec(&manifest).expect("serialise");
    let (mut bytes, message) =
        tamizdat::format::header::unsigned_header(key.secret.public().key_id(), &json)
            .expect("a header");
    bytes.extend_from_slice(&key.secret.sign(&message));
    bytes.extend_from_slice(&payload);
    let path = work.join("end-of-archive.tar.zst");
    fs::write(&path, bytes).expect("write the bundle");
    (path, key.public_path)
}

/// `verify` refuses the bundle of `tar` with `reason`; a salvage recovers the article, exits 1
/// and says DAMAGED with the same reason, never VALID.
#[track_caller]
fn assert_salvage_not_valid(tar: &[u8], reason: &str) {
    let dir = tempfile::tempdir().expect("temporary folder");
    let (bundle, public_key) = signed_tar(dir.path(), tar);
    verify(&bundle, &public_key)
        .expect_code(1)
        .expect_text("INVALID")
        .expect_text(reason);
    let to = dir.path().join("recovered");
    let out = reader()
        .args(["unpack", "--salvage"])
        .arg(&bundle)
        .arg("--to")
        .arg(&to)
        .arg("--public-key")
        .arg(&public_key)
        .run();
    out.expect_code(1)
        .expect_no_line_starting("VALID")
        .expect_text("DAMAGED")
        .expect_text(reason)
        .expect_no_text("LOST");
    assert_eq!(
        fs::read(to.join("article.md")).expect("the intact article is recovered"),
        ARTICLE
    );
    assert_no_leftovers(dir.path(), "after the salvage");
}

#[test]
fn salvage_of_an_archive_ending_with_one_zero_block_is_not_valid() {
    let mut tar = file_entry("article.md", ARTICLE);
    tar.extend_from_slice(&[0; 512]);
    assert_salvage_not_valid(&tar, "does not end with exactly two zero blocks");
}

#[test]
fn salvage_of_an_archive_ending_with_three_zero_blocks_is_not_valid() {
    let mut tar = file_entry("article.md", ARTICLE);
    tar.extend_from_slice(&[0; 1536]);
    assert_salvage_not_valid(&tar, "does not end with exactly two zero blocks");
}

#[test]
fn salvage_of_an_archive_with_bytes_after_its_zero_blocks_is_not_valid() {
    let mut tar = file_entry("article.md", ARTICLE);
    tar.extend_from_slice(&[0; 1024]);
    tar.extend_from_slice(b"hidden after the end");
    pad_to_block(&mut tar);
    assert_salvage_not_valid(&tar, "data follows the end of the tar archive");
}

#[test]
fn salvage_of_an_archive_with_a_non_zero_byte_in_its_second_zero_block_is_not_valid() {
    let mut tar = file_entry("article.md", ARTICLE);
    tar.extend_from_slice(&[0; 1024]);
    let at = tar.len() - 100;
    tar[at] = 1;
    assert_salvage_not_valid(&tar, "data follows the end of the tar archive");
}

#[test]
fn salvage_of_an_archive_with_a_non_zero_byte_in_its_first_zero_block_is_not_valid() {
    let mut tar = file_entry("article.md", ARTICLE);
    tar.extend_from_slice(&[0; 1024]);
    let at = tar.len() - 1024 + 300;
    tar[at] = 1;
    assert_salvage_not_valid(&tar, "wrong checksum");
}

#[test]
fn salvage_of_an_archive_ending_with_a_pax_header_and_no_file_is_not_valid() {
    let mut tar = file_entry("article.md", ARTICLE);
    tar.extend_from_slice(&pax_entry("next.md"));
    tar.extend_from_slice(&[0; 1024]);
    assert_salvage_not_valid(&tar, "ends with a PAX header and no file");
}

#[test]
fn salvage_of_an_archive_without_its_zero_blocks_is_not_valid() {
    let tar = file_entry("article.md", ARTICLE);
    assert_salvage_not_valid(&tar, "does not end with exactly two zero blocks");
}

#[test]
fn salvage_of_an_archive_with_an_entry_the_manifest_does_not_list_is_not_valid() {
    let mut tar = file_entry("article.md", ARTICLE);
    tar.extend_from_slice(&file_entry("smuggled.md", b"not signed"));
    tar.extend_from_slice(&[0; 1024]);
    assert_salvage_not_valid(&tar, "which the manifest does not list");
}

#[test]
fn the_end_of_archive_helpers_make_a_bundle_that_salvages_as_valid() {
    // The control for the tests above: the same builder, with a correct end, is VALID.
    let dir = tempfile::tempdir().expect("temporary folder");
    let mut tar = file_entry("article.md", ARTICLE);
    tar.extend_from_slice(&[0; 1024]);
    let (bundle, public_key) = signed_tar(dir.path(), &tar);
    verify(&bundle, &public_key).expect_code(0);
    let to = dir.path().join("recovered");
    reader()
        .args(["unpack", "--salvage"])
        .arg(&bundle)
        .arg("--to")
        .arg(&to)
        .arg("--public-key")
        .arg(&public_key)
        .run()
        .expect_code(0)
        .expect_text("VALID");
    assert_eq!(fs::read(to.join("article.md")).unwrap(), ARTICLE);
}

#[test]
fn salvage_with_every_file_recovered_but_the_frame_of_the_end_of_archive_damaged_is_not_valid() {
    // A file whose entry fills frame 0 exactly; the frame rule puts the end of the archive
    // alone in frame 1. With frame 1 damaged every file is still recovered, but the copy is not
    // what verify accepts.
    let dir = tempfile::tempdir().expect("temporary folder");
    let big = vec![7u8; (4 << 20) - 512];
    let first = file_entry("big.md", &big);
    assert_eq!(first.len(), 4 << 20);
    let (bundle, public_key) = signed_frames(
        dir.path(),
        &[("big.md", &big, 0)],
        &[first, vec![0u8; 1024]],
    );
    verify(&bundle, &public_key).expect_code(0);
    let mut bytes = fs::read(&bundle).unwrap();
    let last = bytes.len() - 5;
    bytes[last] ^= 0x01;
    fs::write(&bundle, &bytes).unwrap();
    verify(&bundle, &public_key)
        .expect_code(1)
        .expect_text("corrupted: frame 1");
    let to = dir.path().join("recovered");
    reader()
        .args(["unpack", "--salvage"])
        .arg(&bundle)
        .arg("--to")
        .arg(&to)
        .arg("--public-key")
        .arg(&public_key)
        .run()
        .expect_code(1)
        .expect_no_line_starting("VALID")
        .expect_text("DAMAGED")
        .expect_text("frame 1 of the payload does not match its signature")
        .expect_no_text("LOST");
    assert_eq!(fs::read(to.join("big.md")).unwrap(), big);
}

#[test]
fn salvage_of_intact_frames_that_break_the_frame_rule_recovers_every_file_but_is_not_valid() {
    // Two small files in a frame each: the rule would keep them in one frame. Verify refuses
    // the bundle; a salvage still recovers both (each frame is intact and each file verifies),
    // and says DAMAGED.
    let dir = tempfile::tempdir().expect("temporary folder");
    let second: &[u8] = b"# Second\n";
    let mut tail = file_entry("second.md", second);
    tail.extend_from_slice(&[0; 1024]);
    let (bundle, public_key) = signed_frames(
        dir.path(),
        &[("article.md", ARTICLE, 0), ("second.md", second, 1)],
        &[file_entry("article.md", ARTICLE), tail],
    );
    let reason =
        "frame 0 ends at byte 1024 of the archive, where the frame rule does not close a frame";
    verify(&bundle, &public_key)
        .expect_code(1)
        .expect_text(reason);
    let to = dir.path().join("recovered");
    reader()
        .args(["unpack", "--salvage"])
        .arg(&bundle)
        .arg("--to")
        .arg(&to)
        .arg("--public-key")
        .arg(&public_key)
        .run()
        .expect_code(1)
        .expect_no_line_starting("VALID")
        .expect_text("DAMAGED")
        .expect_text(reason)
        .expect_no_text("LOST");
    assert_eq!(fs::read(to.join("article.md")).unwrap(), ARTICLE);
    assert_eq!(fs::read(to.join("second.md")).unwrap(), second);
}
