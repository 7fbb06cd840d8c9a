//! Attacks on the bytes of a bundle in transit: flipped bytes anywhere, truncation, appended
//! data. Every one must be refused (exit 1, an `INVALID` line) and must leave the reader's
//! disk exactly as it was.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// Bytes of header before the manifest (FORMAT.md section 2).
const P: u64 = tamizdat::format::header::PREAMBLE_LEN as u64;

use common::*;

/// One signed multi-frame bundle, built once and shared (as bytes) by every test here.
struct Fixture {
    bundle: Vec<u8>,
    public_key_text: String,
    header_len: u64,
    manifest_len: u64,
    frames: Vec<FrameInfo>,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let work = tempfile::tempdir().unwrap();
        let edition = work.path().join("edition");
        multi_frame_edition(&edition);
        let key = make_key(work.path(), "Tamper Test", 41);
        let path = work.path().join("bundle.tar.zst");
        let bundle = pack_ok(&edition, &key, &path);
        let info = info_json(&path, &key.public_path);
        assert_eq!(
            info["header_signature"], "valid",
            "info must verify the header: {info}"
        );
        let frames = frames_of(&info);
        assert!(
            frames.len() >= 3,
            "the fixture must span at least 3 frames, got {}",
            frames.len()
        );
        let header_len = header_len(&bundle);
        let last = frames.last().unwrap();
        assert_eq!(
            header_len + last.offset + last.length,
            bundle.len() as u64,
            "header + frames must be the whole file"
        );
        Fixture {
            manifest_len: header_len - P - 64,
            header_len,
            frames,
            public_key_text: key.secret.public().to_file_text(),
            bundle,
        }
    })
}

/// A temporary folder holding the trusted public key, for one test.
struct Scene {
    dir: tempfile::TempDir,
    public_key: PathBuf,
}

fn scene() -> Scene {
    let dir = tempfile::tempdir().unwrap();
    let public_key = dir.path().join("trusted.pub");
    fs::write(&public_key, &fixture().public_key_text).unwrap();
    Scene { dir, public_key }
}

impl Scene {
    fn write(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let path = self.dir.path().join(name);
        fs::write(&path, bytes).unwrap();
        path
    }
}

/// The bundle must be refused by `verify` (exit 1, a line starting `INVALID`) and by
/// `unpack`, which must leave a pre-existing empty folder empty, create nothing at a new path,
/// and leave no staging folder behind. Returns verify's output for further checks.
#[track_caller]
fn assert_refused_everywhere(scene: &Scene, bundle: &Path, what: &str) -> Out {
    let verified = verify(bundle, &scene.public_key);
    verified.expect_code(1).expect_no_line_starting("VALID");
    verified.line_starting("INVALID");

    let parent = scene.dir.path().join("readers-folder");
    fs::create_dir_all(&parent).unwrap();
    let existing = parent.join("existing-empty");
    fs::create_dir_all(&existing).unwrap();
    let out = unpack(bundle, &existing, &scene.public_key);
    out.expect_code(1).expect_no_line_starting("VALID");
    assert!(
        !out.stderr.trim().is_empty(),
        "{what}: unpack must say why it refused"
    );
    assert_empty_dir(&existing, what);
    assert_no_leftovers(&parent, what);

    let fresh = parent.join("not-yet-there");
    unpack(bundle, &fresh, &scene.public_key).expect_code(1);
    assert_absent(&fresh, what);
    assert_no_leftovers(&parent, what);
    verified
}

#[test]
fn intact_bundle_verifies_fully_and_quickly_and_unpacks() {
    let f = fixture();
    let scene = scene();
    let bundle = scene.write("intact.tzst", &f.bundle);
    verify(&bundle, &scene.public_key)
        .expect_code(0)
        .line_starting("VALID");
    verify_quick(&bundle, &scene.public_key)
        .expect_code(0)
        .expect_text("(quick check)")
        .line_starting("VALID");
    let out = scene.dir.path().join("out");
    unpack(&bundle, &out, &scene.public_key).expect_code(0);
    assert_eq!(file_paths(&snapshot(&out)).len(), 7);
}

/// Positions spread over the preamble, the manifest and the signature.
fn header_positions(f: &Fixture) -> Vec<(String, u64)> {
    let m = f.manifest_len;
    let mut positions: Vec<(String, u64)> =
        [0u64, 3, 4, 7, 8, 15, 16, 17, 18, 20, 27, 28, 29, 31, 32, 35]
            .into_iter()
            .map(|p| (format!("preamble byte {p}"), p))
            .collect();
    for p in [P, P + 1, P + m / 4, P + m / 2, P + 3 * m / 4, P + m - 1] {
        positions.push((format!("manifest byte {}", p - P), p));
    }
    for s in [0u64, 1, 31, 32, 62, 63] {
        positions.push((format!("signature byte {s}"), P + m + s));
    }
    positions
}

/// Start, middle and end of every frame, and the last byte of the file.
fn frame_positions(f: &Fixture) -> Vec<(String, u64)> {
    let mut positions = Vec::new();
    for (index, frame) in f.frames.iter().enumerate() {
        let start = f.header_len + frame.offset;
        for (where_, at) in [
            ("first", start),
            ("second", start + 1),
            ("middle", start + frame.length / 2),
            ("last", start + frame.length - 1),
        ] {
            positions.push((format!("{where_} byte of frame {index}"), at));
        }
    }
    positions.push(("last byte of the file".into(), f.bundle.len() as u64 - 1));
    positions
}

fn flipped(bundle: &[u8], at: u64) -> Vec<u8> {
    let mut bytes = bundle.to_vec();
    bytes[at as usize] ^= 0xFF;
    bytes
}

#[test]
fn flipped_byte_in_preamble_manifest_or_signature_is_refused_and_leaves_output_untouched() {
    let f = fixture();
    let scene = scene();
    for (what, at) in header_positions(f) {
        let bundle = scene.write("flipped.tzst", &flipped(&f.bundle, at));
        let out = assert_refused_everywhere(&scene, &bundle, &what);
        // --quick checks the header first, so it refuses these too.
        verify_quick(&bundle, &scene.public_key)
            .expect_code(1)
            .line_starting("INVALID");
        if at >= P {
            // Inside the signed bytes or the signature, with a valid preamble: the signature
            // check is what refuses it.
            out.expect_text("signature");
        }
    }
}

#[test]
fn flipped_byte_in_any_frame_is_refused_and_leaves_output_untouched() {
    let f = fixture();
    let scene = scene();
    for (what, at) in frame_positions(f) {
        let bundle = scene.write("flipped.tzst", &flipped(&f.bundle, at));
        assert_refused_everywhere(&scene, &bundle, &what)
            .expect_text("corrupted")
            .expect_text("frame");
        verify_quick(&bundle, &scene.public_key)
            .expect_code(1)
            .expect_text("corrupted")
            .line_starting("INVALID");
    }
}

#[test]
fn truncated_bundle_is_refused_at_any_length() {
    let f = fixture();
    let scene = scene();
    let total = f.bundle.len() as u64;
    let m = f.manifest_len;
    let mut lengths = vec![
        0u64,
        1,
        P - 1,
        P,
        P + 1,
        P + m / 2,
        P + m,
        P + m + 10,
        P + m + 63,
    ];
    for frame in &f.frames {
        let start = f.header_len + frame.offset;
        lengths.extend([start, start + 1, start + frame.length / 2]);
    }
    lengths.push(total - 1);
    for len in lengths {
        let what = format!("truncated to {len} of {total} bytes");
        let bundle = scene.write("truncated.tzst", &f.bundle[..len as usize]);
        let verified = verify(&bundle, &scene.public_key);
        verified.expect_code(1).line_starting("INVALID");
        if len >= P {
            verified.expect_text("truncated");
        }
        if len >= f.header_len {
            // After the header, the reader can say how much is missing.
            verified.expect_text(&format!("{} bytes", total - len));
        }
        verify_quick(&bundle, &scene.public_key)
            .expect_code(1)
            .line_starting("INVALID");
        let to = scene.dir.path().join("out");
        unpack(&bundle, &to, &scene.public_key).expect_code(1);
        assert_absent(&to, &what);
        assert_no_leftovers(scene.dir.path(), &what);
    }
}

#[test]
fn appended_bytes_are_refused_by_full_and_quick_verification() {
    let f = fixture();
    let scene = scene();
    let cases: [(&str, Vec<u8>); 4] = [
        ("one byte", vec![0]),
        ("one zero KiB", vec![0; 1024]),
        ("one KiB of text", b"x".repeat(1024)),
        ("a second copy of the bundle", f.bundle.clone()),
    ];
    for (what, tail) in cases {
        let mut bytes = f.bundle.clone();
        bytes.extend_from_slice(&tail);
        let bundle = scene.write("appended.tzst", &bytes);
        let out = assert_refused_everywhere(&scene, &bundle, what);
        out.expect_text("follow").expect_text("payload");
        verify_quick(&bundle, &scene.public_key)
            .expect_code(1)
            .expect_text("follow")
            .expect_text("payload")
            .line_starting("INVALID");
    }
}

#[test]
fn quick_verification_refuses_a_flipped_payload_byte_in_every_frame() {
    let f = fixture();
    let scene = scene();
    for frame in &f.frames {
        let at = f.header_len + frame.offset + frame.length / 2;
        let bundle = scene.write("flipped.tzst", &flipped(&f.bundle, at));
        verify_quick(&bundle, &scene.public_key)
            .expect_code(1)
            .expect_text("corrupted")
            .expect_no_text("(quick check)")
            .line_starting("INVALID");
    }
}

#[test]
fn verify_of_several_bundles_reports_each_and_exits_with_the_worst_code() {
    let f = fixture();
    let scene = scene();
    let intact = scene.write("intact.tzst", &f.bundle);
    let last = f.bundle.len() as u64 - 1;
    let damaged = scene.write("damaged.tzst", &flipped(&f.bundle, last));
    let missing = scene.dir.path().join("missing.tzst");
    let run = |bundles: &[&Path]| {
        reader()
            .args(["verify"])
            .args(bundles)
            .arg("--public-key")
            .arg(&scene.public_key)
            .run()
    };

    let out = run(&[&intact, &damaged]);
    out.expect_code(1);
    assert!(out.line_starting("VALID").contains("intact.tzst"));
    assert!(out.line_starting("INVALID").contains("damaged.tzst"));

    // A bundle that cannot be read is a failure of this machine (2), worse than invalid (1).
    let out = run(&[&intact, &damaged, &missing]);
    out.expect_code(2).expect_text("missing.tzst");
    assert!(out.line_starting("VALID").contains("intact.tzst"));
    assert!(out.line_starting("INVALID").contains("damaged.tzst"));
}

/// `info` reads only the header: for a truncated or bit-flipped copy it must say the header's
/// signature is valid and the payload was not checked, never anything a script could read as
/// "this copy verified".
#[test]
fn info_json_names_what_it_checked_for_damaged_copies() {
    let fixture = fixture();
    let scene = scene();
    let truncated = scene.write(
        "truncated.tar.zst",
        &fixture.bundle[..fixture.bundle.len() - 1000],
    );
    let mut flipped_bytes = fixture.bundle.clone();
    let middle = (fixture.header_len as usize + flipped_bytes.len()) / 2;
    flipped_bytes[middle] ^= 0x20;
    let flipped = scene.write("flipped.tar.zst", &flipped_bytes);
    for bundle in [&truncated, &flipped] {
        let info = info_json(bundle, &scene.public_key);
        assert_eq!(info["header_signature"], "valid", "{info}");
        assert_eq!(info["payload"], "not checked", "{info}");
        assert_eq!(info["signer"]["name"], "Tamper Test", "{info}");
        assert!(info.get("verified").is_none(), "{info}");
        // The copies really are damaged: verify says so.
        verify(bundle, &scene.public_key).expect_code(1);
    }

    // Without the key, the signature is not verified and no signer is named.
    let untrusted = reader()
        .args(["info", "--json"])
        .arg(&truncated)
        .home(&scene.dir.path().join("empty-home"))
        .run();
    let info: serde_json::Value = serde_json::from_str(&untrusted.stdout).unwrap();
    assert_eq!(info["header_signature"], "not verified", "{info}");
    assert_eq!(info["payload"], "not checked", "{info}");
    assert!(info["signer"].is_null(), "{info}");
}
