//! Attacks on the signed header: missing, empty, short and altered signatures, a header that
//! says the same thing in other bytes, JSON tricks (duplicate keys, huge or deeply nested
//! documents) and signatures by keys the reader does not trust. Each bundle is refused by
//! `verify`, `verify --quick` and `unpack` with one sentence, and the reader's trust store and
//! output folder are byte for byte what they were.

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use common::*;
use tamizdat::format::header::{PREAMBLE_LEN, SIGNATURE_LEN, SignedHeader, unsigned_header};

/// A reader with a trust store holding one publisher key, an output room, and a bundle from
/// that publisher to attack.
struct Scene {
    _dir: tempfile::TempDir,
    work: PathBuf,
    home: PathBuf,
    room: PathBuf,
    key: Key,
    edition: PathBuf,
    bundle: Vec<u8>,
}

impl Scene {
    fn new() -> Scene {
        Scene::with_edition(|edition| copy_tree(&example_edition(), edition))
    }

    fn with_edition(make: impl FnOnce(&Path)) -> Scene {
        let dir = tempfile::tempdir().unwrap();
        let work = dir.path().to_path_buf();
        let key = make_key(&work, "Trusted Newsroom", 71);
        let home = work.join("home");
        reader()
            .args(["trust", "add"])
            .arg(&key.public_path)
            .home(&home)
            .run()
            .expect_code(0);
        let room = work.join("room");
        fs::create_dir(&room).unwrap();
        fs::write(room.join("earlier-edition.txt"), b"the reader's own file").unwrap();
        let edition = work.join("edition");
        make(&edition);
        let bundle = pack_ok(&edition, &key, &work.join("genuine.tar.zst"));
        Scene {
            _dir: dir,
            work,
            home,
            room,
            key,
            edition,
            bundle,
        }
    }

    fn header_len(&self) -> usize {
        header_len(&self.bundle) as usize
    }

    /// Checks that `bytes` is refused by verify, verify --quick (when `quick` says the damage
    /// is one a quick check sees) and unpack, each with one line holding `expected`, and that
    /// the trust store and the output room are unchanged.
    #[track_caller]
    fn assert_refused(&self, bytes: &[u8], quick: bool, expected: &str) {
        let bundle = self.work.join("attack.tar.zst");
        fs::write(&bundle, bytes).unwrap();
        let home_before = snapshot(&self.home);
        let room_before = snapshot(&self.room);
        let mut commands = vec![reader().arg("verify").arg(&bundle)];
        if quick {
            commands.push(reader().args(["verify", "--quick"]).arg(&bundle));
        }
        commands.push(
            reader()
                .arg("unpack")
                .arg(&bundle)
                .arg("--to")
                .arg(self.room.join("out")),
        );
        for command in commands {
            let out = command.home(&self.home).run();
            out.expect_code(1)
                .expect_text(expected)
                .expect_no_line_starting("VALID");
            assert_eq!(
                out.text().trim().lines().count(),
                1,
                "one plain sentence: {}",
                out.text()
            );
        }
        assert_eq!(snapshot(&self.home), home_before, "the trust store changed");
        assert_eq!(snapshot(&self.room), room_before, "the output room changed");
        assert_no_leftovers(&self.room, "after a refused bundle");
    }

    /// The bundle with its header replaced by `header` (the payload kept).
    fn with_header(&self, header: &[u8]) -> Vec<u8> {
        let mut out = header.to_vec();
        out.extend_from_slice(&self.bundle[self.header_len()..]);
        out
    }

    /// Signs `manifest_json` as given with the trusted key over the genuine payload.
    fn signed_manifest(&self, manifest_json: &[u8]) -> Vec<u8> {
        let (mut header, message) =
            unsigned_header(self.key.secret.public().key_id(), manifest_json).unwrap();
        header.extend_from_slice(&self.key.secret.sign(&message));
        self.with_header(&header)
    }

    fn manifest_json(&self) -> Vec<u8> {
        SignedHeader::parse(&self.bundle)
            .unwrap()
            .manifest_json()
            .unwrap()
    }
}

/// Sets the skippable frame's content length (bytes 4..8) to `len`.
fn set_frame_len(header: &mut [u8], len: usize) {
    header[4..8].copy_from_slice(&(len as u32).to_le_bytes());
}

#[test]
fn genuine_bundle_of_the_scene_verifies() {
    // The control: every attack below starts from this bundle, which is accepted.
    let scene = Scene::new();
    let bundle = scene.work.join("genuine.tar.zst");
    reader()
        .arg("verify")
        .arg(&bundle)
        .home(&scene.home)
        .run()
        .expect_code(0)
        .line_starting("VALID");
}

#[test]
fn missing_signature_is_refused() {
    let scene = Scene::new();
    let end = scene.header_len();
    let mut header = scene.bundle[..end - SIGNATURE_LEN].to_vec();
    let content_len = header.len() - 8;
    set_frame_len(&mut header, content_len);
    let mut bytes = header;
    bytes.extend_from_slice(&scene.bundle[end..]);
    scene.assert_refused(&bytes, true, "the header is damaged");
}

#[test]
fn bundle_cut_off_inside_its_signature_is_refused_as_truncated() {
    let scene = Scene::new();
    let cut = scene.header_len() - SIGNATURE_LEN / 2;
    scene.assert_refused(&scene.bundle[..cut], true, "truncated");
}

#[test]
fn empty_all_zero_signature_is_refused() {
    let scene = Scene::new();
    let end = scene.header_len();
    let mut bytes = scene.bundle.clone();
    bytes[end - SIGNATURE_LEN..end].fill(0);
    scene.assert_refused(&bytes, true, "signature does not match");
}

#[test]
fn short_signature_is_refused() {
    let scene = Scene::new();
    let end = scene.header_len();
    let mut bytes = scene.bundle[..end - SIGNATURE_LEN / 2].to_vec();
    let content_len = bytes.len() - 8;
    set_frame_len(&mut bytes, content_len);
    bytes.extend_from_slice(&scene.bundle[end..]);
    scene.assert_refused(&bytes, true, "the header is damaged");
}

#[test]
fn one_bit_flipped_in_the_header_is_refused() {
    let scene = Scene::new();
    let mut bytes = scene.bundle.clone();
    // Inside the compressed manifest, which only the signature protects.
    bytes[PREAMBLE_LEN + 10] ^= 0x01;
    scene.assert_refused(&bytes, true, "signature does not match");
}

#[test]
fn one_bit_flipped_in_the_signature_is_refused() {
    let scene = Scene::new();
    let mut bytes = scene.bundle.clone();
    bytes[scene.header_len() - 1] ^= 0x80;
    scene.assert_refused(&bytes, true, "signature does not match");
}

#[test]
fn one_bit_flipped_in_the_payload_is_refused() {
    let scene = Scene::new();
    let mut bytes = scene.bundle.clone();
    let middle = scene.header_len() + (bytes.len() - scene.header_len()) / 2;
    bytes[middle] ^= 0x04;
    scene.assert_refused(&bytes, true, "corrupted");
}

#[test]
fn header_reserialised_with_the_same_meaning_under_the_old_signature_is_refused() {
    // The same manifest as pretty-printed JSON: equal as data, other bytes. A reader that
    // re-serialised to verify would accept it; tamizdat checks the exact bytes.
    let scene = Scene::new();
    let value: serde_json::Value = serde_json::from_slice(&scene.manifest_json()).unwrap();
    let pretty = serde_json::to_vec_pretty(&value).unwrap();
    let old = SignedHeader::parse(&scene.bundle).unwrap();
    let (mut header, _) = unsigned_header(scene.key.secret.public().key_id(), &pretty).unwrap();
    header.extend_from_slice(&old.signature);
    scene.assert_refused(
        &scene.with_header(&header),
        true,
        "signature does not match",
    );
}

#[test]
fn same_manifest_compressed_differently_under_the_old_signature_is_refused() {
    let scene = Scene::new();
    let json = scene.manifest_json();
    let old = SignedHeader::parse(&scene.bundle).unwrap();
    let compressed = zstd::bulk::compress(&json, 1).unwrap();
    assert_ne!(
        compressed,
        old.compressed_manifest(),
        "level 1 gives other bytes"
    );
    let mut header = scene.bundle[..PREAMBLE_LEN].to_vec();
    header[28..32].copy_from_slice(&(compressed.len() as u32).to_le_bytes());
    set_frame_len(
        &mut header,
        PREAMBLE_LEN - 8 + compressed.len() + SIGNATURE_LEN,
    );
    header.extend_from_slice(&compressed);
    header.extend_from_slice(&old.signature);
    scene.assert_refused(
        &scene.with_header(&header),
        true,
        "signature does not match",
    );
}

/// The genuine manifest with `insert` put right after its opening brace.
fn manifest_with_prefix(scene: &Scene, insert: &str) -> Vec<u8> {
    let json = scene.manifest_json();
    assert_eq!(json[0], b'{');
    let mut out = b"{".to_vec();
    out.extend_from_slice(insert.as_bytes());
    out.extend_from_slice(&json[1..]);
    out
}

#[test]
fn duplicate_json_keys_are_refused() {
    // Validly signed, but "channel" twice: one JSON reader would take the first, another the
    // last, so the same signed bytes would mean two different editions.
    let scene = Scene::new();
    let json = manifest_with_prefix(&scene, r#""channel":"someone-else","#);
    scene.assert_refused(&scene.signed_manifest(&json), true, "appears twice");
}

#[test]
fn duplicate_unknown_json_keys_are_refused() {
    let scene = Scene::new();
    let json = manifest_with_prefix(&scene, r#""future":1,"future":2,"#);
    scene.assert_refused(&scene.signed_manifest(&json), true, "appears twice");
}

#[test]
fn duplicate_keys_inside_a_file_record_are_refused() {
    let scene = Scene::new();
    let json = String::from_utf8(scene.manifest_json()).unwrap();
    let json = json.replacen(r#""path":"#, r#""path":"../../x","path":"#, 1);
    scene.assert_refused(
        &scene.signed_manifest(json.as_bytes()),
        true,
        "appears twice",
    );
}

#[test]
fn manifest_declared_larger_than_the_limit_is_refused_before_it_is_read() {
    let scene = Scene::new();
    let mut bytes = scene.bundle.clone();
    // 1 GiB, uncompressed and compressed: refused from the preamble alone.
    bytes[28..32].copy_from_slice(&(1u32 << 30).to_le_bytes());
    bytes[32..36].copy_from_slice(&(1u32 << 30).to_le_bytes());
    set_frame_len(&mut bytes, PREAMBLE_LEN - 8 + (1 << 30) + SIGNATURE_LEN);
    scene.assert_refused(&bytes, true, "limit");
}

#[test]
fn manifest_of_millions_of_values_is_refused_before_a_full_parse() {
    // 2 million numbers in 4 MB of JSON: parsed into values it would take far more memory; the
    // counting pass refuses it before anything is kept.
    let scene = Scene::new();
    let mut extra = String::from(r#""padding":["#);
    extra.push_str(&"0,".repeat(2_000_000));
    extra.push_str("0],");
    let json = manifest_with_prefix(&scene, &extra);
    scene.assert_refused(&scene.signed_manifest(&json), true, "values");
}

#[test]
fn deeply_nested_json_is_refused_without_a_stack_overflow() {
    // A million nested arrays: a recursive parser without a limit would overflow its stack and
    // crash; exit code 1 and a sentence show the reader refused it.
    let scene = Scene::new();
    let depth = 1_000_000;
    let extra = format!(r#""nested":{}{},"#, "[".repeat(depth), "]".repeat(depth));
    let json = manifest_with_prefix(&scene, &extra);
    scene.assert_refused(
        &scene.signed_manifest(&json),
        true,
        "nest more than 128 levels deep",
    );
}

#[test]
fn valid_signature_by_a_key_the_reader_does_not_trust_is_refused() {
    let scene = Scene::new();
    let stranger = make_key(&scene.work, "Trusted Newsroom", 72);
    let bundle = pack_ok(
        &scene.edition,
        &stranger,
        &scene.work.join("stranger.tar.zst"),
    );
    scene.assert_refused(&bundle, true, "not signed by a key you trust");
}

#[test]
fn key_carried_inside_the_bundle_is_not_trusted() {
    // A forger ships their own public key inside the edition, as if to say "trust this".
    let scene = Scene::new();
    let forger = make_key(&scene.work, "Trusted Newsroom", 73);
    let edition = scene.work.join("forged-edition");
    copy_tree(&scene.edition, &edition);
    fs::copy(&forger.public_path, edition.join("publisher.pub")).unwrap();
    fs::write(
        edition.join("trusted-keys.txt"),
        forger.secret.public().to_file_text(),
    )
    .unwrap();
    let bundle = pack_ok(&edition, &forger, &scene.work.join("forged.tar.zst"));
    scene.assert_refused(&bundle, true, "not signed by a key you trust");
    // And with an empty trust store, it is still refused and nothing gets trusted.
    let empty_home = scene.work.join("empty-home");
    fs::create_dir(&empty_home).unwrap();
    reader()
        .arg("unpack")
        .arg(scene.work.join("forged.tar.zst"))
        .arg("--to")
        .arg(scene.room.join("out"))
        .home(&empty_home)
        .run()
        .expect_code(1)
        .expect_text("not signed by a key you trust");
    assert_eq!(
        snapshot(&empty_home),
        BTreeMap::new(),
        "nothing was trusted"
    );
    assert_absent(&scene.room.join("out"), "forged bundle");
}

#[test]
fn header_of_one_bundle_with_the_payload_of_another_is_refused() {
    let scene = Scene::new();
    let other_edition = scene.work.join("other-edition");
    copy_tree(&scene.edition, &other_edition);
    fs::write(other_edition.join("extra.txt"), b"another day's edition").unwrap();
    let other = pack_ok(
        &other_edition,
        &scene.key,
        &scene.work.join("other.tar.zst"),
    );
    let mut bytes = scene.bundle[..scene.header_len()].to_vec();
    bytes.extend_from_slice(&other[header_len(&other) as usize..]);
    scene.assert_refused(&bytes, true, "corrupted");
}

#[test]
fn frame_spliced_from_another_valid_bundle_is_refused() {
    // Two editions by the same trusted key that differ in one large file; the frame holding it
    // is copied from one into the other at the same offset. Each frame is genuine, signed
    // bytes, but not the bytes this header signed.
    let scene = Scene::with_edition(multi_frame_edition);
    let edition_b = scene.work.join("edition-b");
    copy_tree(&scene.edition, &edition_b);
    // Other random bytes of the same length: its frame compresses to the same length.
    let big = edition_b.join("data/1-random.bin");
    let random: Vec<u8> = fs::read(&big).unwrap().iter().map(|b| b ^ 0x55).collect();
    fs::write(&big, &random).unwrap();
    let bundle_b = pack_ok(&edition_b, &scene.key, &scene.work.join("b.tar.zst"));
    let frames_a = frames_of(&info_json(
        &scene.work.join("genuine.tar.zst"),
        &scene.key.public_path,
    ));
    let frames_b = frames_of(&info_json(
        &scene.work.join("b.tar.zst"),
        &scene.key.public_path,
    ));
    let (len_a, len_b) = (scene.header_len() as u64, header_len(&bundle_b));
    let index = (0..frames_a.len())
        .find(|&i| {
            let a = frames_a[i];
            let b = frames_b[i];
            let bytes_a = &scene.bundle[(len_a + a.offset) as usize..][..a.length as usize];
            let bytes_b = &bundle_b[(len_b + b.offset) as usize..][..b.length as usize];
            a.length == b.length && bytes_a != bytes_b
        })
        .expect("a frame of the same length that differs");
    let frame = frames_a[index];
    let start = (len_a + frame.offset) as usize;
    let from = (len_b + frames_b[index].offset) as usize;
    let mut bytes = scene.bundle.clone();
    bytes[start..start + frame.length as usize]
        .copy_from_slice(&bundle_b[from..from + frame.length as usize]);
    scene.assert_refused(&bytes, true, "corrupted");
    reader()
        .arg("verify")
        .arg(scene.work.join("attack.tar.zst"))
        .home(&scene.home)
        .run()
        .expect_code(1)
        .expect_text(&format!("frame {index}"));
}
