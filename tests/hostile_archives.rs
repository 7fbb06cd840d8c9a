//! Bundles built by a hostile signer: a key the reader trusts (a stolen newsroom laptop) signs
//! a manifest and tar crafted to escape the destination, smuggle links or devices, or make the
//! reader decompress more than declared. Each is refused by `tamizdat unpack`, with nothing
//! written anywhere: not the destination, not beside it, not outside it.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{Value, json};
use tamizdat::format::Sha256Digest;
use tamizdat::format::header::unsigned_header;
use tamizdat::keys::SecretKey;

/// One tar entry as the attacker writes it: any name bytes, any type, any mode.
struct RawEntry {
    name: Vec<u8>,
    kind: u8,
    mode: u32,
    data: Vec<u8>,
    link: Option<Vec<u8>>,
    pax: Option<Vec<u8>>,
}

fn file(name: &str, data: &[u8]) -> RawEntry {
    RawEntry {
        name: name.as_bytes().to_vec(),
        kind: b'0',
        mode: 0o644,
        data: data.to_vec(),
        link: None,
        pax: None,
    }
}

/// A PAX record `"<len> key=value\n"`, whose length counts its own digits.
fn pax_record(key: &str, value: &str) -> Vec<u8> {
    let body = format!(" {key}={value}\n");
    let mut len = body.len() + 1;
    while len.to_string().len() + body.len() != len {
        len += 1;
    }
    format!("{len}{body}").into_bytes()
}

fn block_pad(out: &mut Vec<u8>) {
    while !out.len().is_multiple_of(512) {
        out.push(0);
    }
}

fn raw_header(name: &[u8], kind: u8, mode: u32, size: u64, link: Option<&[u8]>) -> [u8; 512] {
    let mut header = tar::Header::new_ustar();
    header.set_size(size);
    header.set_mode(mode);
    header.set_mtime(0);
    header.set_entry_type(tar::EntryType::new(kind));
    let bytes = header.as_mut_bytes();
    bytes[..100].fill(0);
    bytes[..name.len().min(100)].copy_from_slice(&name[..name.len().min(100)]);
    if let Some(link) = link {
        bytes[157..257].fill(0);
        bytes[157..157 + link.len().min(100)].copy_from_slice(&link[..link.len().min(100)]);
    }
    header.set_cksum();
    *header.as_bytes()
}

fn tar_bytes(entries: &[RawEntry], after_end: &[u8]) -> Vec<u8> {
    let mut out = tar_entries(entries);
    out.extend_from_slice(&[0u8; 1024]);
    out.extend_from_slice(after_end);
    out
}

fn tar_entries(entries: &[RawEntry]) -> Vec<u8> {
    let mut out = Vec::new();
    for entry in entries {
        if let Some(pax) = &entry.pax {
            out.extend_from_slice(&raw_header(
                b"PaxHeader",
                b'x',
                0o644,
                pax.len() as u64,
                None,
            ));
            out.extend_from_slice(pax);
            block_pad(&mut out);
        }
        out.extend_from_slice(&raw_header(
            &entry.name,
            entry.kind,
            entry.mode,
            entry.data.len() as u64,
            entry.link.as_deref(),
        ));
        out.extend_from_slice(&entry.data);
        block_pad(&mut out);
    }
    out
}

struct Hostile {
    key: SecretKey,
    work: tempfile::TempDir,
}

impl Hostile {
    fn new() -> Hostile {
        let work = tempfile::tempdir().unwrap();
        let key = SecretKey::from_seed("Stolen Newsroom Key", &[0x66; 32]).unwrap();
        std::fs::write(work.path().join("trusted.pub"), key.public().to_file_text()).unwrap();
        Hostile { key, work }
    }

    /// Signs a bundle whose manifest lists `files` (path, size, sha256 given raw, so invalid
    /// values can be signed) over the given tar stream, in one frame.
    fn bundle(&self, files: Vec<Value>, tar: &[u8], declared_tar_length: Option<u64>) -> PathBuf {
        let frame = zstd::bulk::compress(tar, 3).unwrap();
        self.bundle_with(files, frame, tar.len() as u64, declared_tar_length, |_| {})
    }

    /// Like `bundle`, with the compressed frame given and a last say over the manifest.
    fn bundle_with(
        &self,
        files: Vec<Value>,
        frame: Vec<u8>,
        tar_len: u64,
        declared_tar_length: Option<u64>,
        edit: impl FnOnce(&mut Value),
    ) -> PathBuf {
        let frame_hash = Sha256Digest::of(&frame).to_hex();
        let tar_length = declared_tar_length.unwrap_or(tar_len);
        let manifest = json!({
            "publisher": {"key_id": self.key.public().key_id().to_hex(), "name": "x"},
            "channel": "attack", "sequence": 1, "created": "2026-11-25T00:00:00Z",
            "title": "t", "language": "en",
            "payload": {"length": frame.len(), "sha256": frame_hash, "tar_length": tar_length},
            "frames": [{"offset": 0, "length": frame.len(), "tar_length": tar_length, "sha256": frame_hash}],
            "files": files,
            "articles": [],
        });
        let mut manifest = manifest;
        edit(&mut manifest);
        self.signed_raw(&serde_json::to_vec(&manifest).unwrap(), &frame)
    }

    /// Signs `manifest_json` exactly as given (it may hold invalid UTF-8 or not be JSON at
    /// all) over `payload`, and writes the bundle.
    fn signed_raw(&self, manifest_json: &[u8], payload: &[u8]) -> PathBuf {
        let (mut bytes, message) =
            unsigned_header(self.key.public().key_id(), manifest_json).unwrap();
        bytes.extend_from_slice(&self.key.sign(&message));
        bytes.extend_from_slice(payload);
        let path = self.work.path().join("hostile.tar.zst");
        std::fs::write(&path, bytes).unwrap();
        path
    }

    /// Signs a bundle whose tar stream is `parts` concatenated, each part compressed as a frame
    /// of its own, as pack cuts them. Returns the bundle and where each frame starts in it.
    fn bundle_frames(&self, files: Vec<Value>, parts: &[Vec<u8>]) -> (PathBuf, Vec<u64>) {
        let mut payload = Vec::new();
        let mut frames = Vec::new();
        for part in parts {
            let frame = zstd::bulk::compress(part, 3).unwrap();
            frames.push(json!({"offset": payload.len(), "length": frame.len(),
                "tar_length": part.len(), "sha256": Sha256Digest::of(&frame).to_hex()}));
            payload.extend_from_slice(&frame);
        }
        let tar_length: usize = parts.iter().map(Vec::len).sum();
        let manifest = json!({
            "publisher": {"key_id": self.key.public().key_id().to_hex(), "name": "x"},
            "channel": "attack", "sequence": 1, "created": "2026-11-25T00:00:00Z",
            "title": "t", "language": "en",
            "payload": {"length": payload.len(), "sha256": Sha256Digest::of(&payload).to_hex(),
                        "tar_length": tar_length},
            "frames": frames.clone(),
            "files": files,
            "articles": [],
        });
        let bundle = self.signed_raw(&serde_json::to_vec(&manifest).unwrap(), &payload);
        let header_len = std::fs::metadata(&bundle).unwrap().len() - payload.len() as u64;
        let starts = frames
            .iter()
            .map(|frame| header_len + frame["offset"].as_u64().unwrap())
            .collect();
        (bundle, starts)
    }

    /// Unpacks into `<work>/room/out` and checks the attack was refused without a trace.
    fn assert_refused(&self, bundle: &Path, expected: &str) {
        let room = self.work.path().join("room");
        let _ = std::fs::remove_dir_all(&room);
        std::fs::create_dir(&room).unwrap();
        let output = Command::new(env!("CARGO_BIN_EXE_tamizdat"))
            .arg("unpack")
            .arg(bundle)
            .arg("--to")
            .arg(room.join("out"))
            .arg("--public-key")
            .arg(self.work.path().join("trusted.pub"))
            .env("TAMIZDAT_HOME", self.work.path().join("home"))
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "stderr: {stderr}");
        assert!(
            stderr.contains(expected),
            "expected {expected:?} in: {stderr}"
        );
        assert_eq!(stderr.trim().lines().count(), 1, "one line: {stderr}");
        let left: Vec<_> = std::fs::read_dir(&room).unwrap().collect();
        assert!(left.is_empty(), "left behind: {left:?}");
        let mut outside: Vec<String> = std::fs::read_dir(self.work.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        outside.sort();
        assert_eq!(outside, ["hostile.tar.zst", "room", "trusted.pub"]);
    }
}

/// Signs a tar of `entries` under a manifest listing `files` (the attacker's trusted key) and
/// checks that unpacking it is refused with `expected`, leaving nothing anywhere.
fn assert_attack_refused(entries: &[RawEntry], files: Vec<Value>, expected: &str) {
    let attack = Hostile::new();
    let bundle = attack.bundle(files, &tar_bytes(entries, &[]), None);
    attack.assert_refused(&bundle, expected);
}

fn listed(path: &str, data: &[u8]) -> Value {
    json!({"path": path, "size": data.len(), "sha256": Sha256Digest::of(data).to_hex(),
           "media_type": "text/plain", "frame": 0})
}

#[test]
fn dot_dot_path_signed_in_the_manifest_is_refused() {
    assert_attack_refused(
        &[file("../escaped.txt", b"x")],
        vec![listed("../escaped.txt", b"x")],
        "\"..\"",
    );
}

#[test]
fn dot_dot_path_in_the_tar_behind_an_innocent_manifest_is_refused() {
    assert_attack_refused(
        &[file("../../escaped.txt", b"x")],
        vec![listed("escaped.txt", b"x")],
        "where the manifest lists \"escaped.txt\"",
    );
}

#[test]
fn absolute_path_in_the_tar_is_refused() {
    assert_attack_refused(
        &[file("/tmp/escaped.txt", b"x")],
        vec![listed("tmp/escaped.txt", b"x")],
        "where the manifest lists",
    );
}

#[test]
fn absolute_and_windows_paths_signed_in_the_manifest_are_refused() {
    for path in [
        "/etc/passwd",
        "C:/x.txt",
        "a\\..\\..\\x.txt",
        "//server/share/x",
        "CON",
    ] {
        let attack = Hostile::new();
        let tar = tar_bytes(&[file(path, b"x")], &[]);
        let bundle = attack.bundle(vec![listed(path, b"x")], &tar, None);
        attack.assert_refused(&bundle, "the signed manifest is not valid");
    }
}

fn entry_of_kind(kind: u8, link: Option<&[u8]>) -> RawEntry {
    RawEntry {
        name: b"innocent.txt".to_vec(),
        kind,
        mode: 0o644,
        data: Vec::new(),
        link: link.map(<[u8]>::to_vec),
        pax: None,
    }
}

#[test]
fn symlink_hard_link_directory_device_and_fifo_entries_are_refused() {
    let kinds: [(u8, Option<&[u8]>); 7] = [
        (b'2', Some(b"/etc/passwd")),
        (b'2', Some(b"inside.txt")),
        (b'1', Some(b"inside.txt")),
        (b'5', None),
        (b'3', None),
        (b'4', None),
        (b'6', None),
    ];
    for (kind, link) in kinds {
        let attack = Hostile::new();
        let tar = tar_bytes(&[entry_of_kind(kind, link)], &[]);
        let bundle = attack.bundle(vec![listed("innocent.txt", b"")], &tar, None);
        attack.assert_refused(&bundle, "is not a plain file");
    }
}

#[test]
fn gnu_long_name_and_sparse_entries_are_refused() {
    for kind in [b'L', b'K', b'S', b'g'] {
        let attack = Hostile::new();
        let mut entry = file("innocent.txt", b"../../etc/x");
        entry.kind = kind;
        let tar = tar_bytes(&[entry, file("innocent.txt", b"")], &[]);
        let bundle = attack.bundle(vec![listed("innocent.txt", b"")], &tar, None);
        attack.assert_refused(&bundle, "the archive inside does not match");
    }
}

#[test]
fn pax_header_with_keys_other_than_path_is_refused() {
    let mut entry = file("a.txt", b"x");
    entry.pax = Some(pax_record("linkpath", "/etc/x"));
    assert_attack_refused(&[entry], vec![listed("a.txt", b"x")], "linkpath");
}

#[test]
fn pax_path_escaping_the_destination_is_refused() {
    let mut entry = file("a.txt", b"x");
    entry.pax = Some(pax_record("path", "../../x.txt"));
    assert_attack_refused(
        &[entry],
        vec![listed("a.txt", b"x")],
        "where the manifest lists \"a.txt\"",
    );
}

#[test]
fn same_path_twice_is_refused() {
    assert_attack_refused(
        &[file("a.txt", b"1"), file("a.txt", b"2")],
        vec![listed("a.txt", b"1"), listed("a.txt", b"2")],
        "listed once each",
    );
}

#[test]
fn names_colliding_on_case_insensitive_disks_are_refused() {
    assert_attack_refused(
        &[file("A.txt", b"1"), file("a.txt", b"2")],
        vec![listed("A.txt", b"1"), listed("a.txt", b"2")],
        "case-insensitive",
    );
}

#[test]
fn file_that_is_also_a_folder_is_refused() {
    assert_attack_refused(
        &[file("a", b"1"), file("a/b.txt", b"2")],
        vec![listed("a", b"1"), listed("a/b.txt", b"2")],
        "also used as a folder",
    );
}

#[test]
fn tar_entry_missing_from_the_manifest_is_refused() {
    assert_attack_refused(
        &[file("a.txt", b"1"), file("smuggled.txt", b"2")],
        vec![listed("a.txt", b"1")],
        "which the manifest does not list",
    );
}

#[test]
fn manifest_entry_missing_from_the_tar_is_refused() {
    assert_attack_refused(
        &[file("a.txt", b"1")],
        vec![listed("a.txt", b"1"), listed("b.txt", b"2")],
        "\"b.txt\" listed in the manifest is missing",
    );
}

#[test]
fn size_differing_from_the_manifest_is_refused() {
    let attack = Hostile::new();
    let tar = tar_bytes(&[file("a.txt", b"longer than declared")], &[]);
    let mut entry = listed("a.txt", b"longer than declared");
    entry["size"] = json!(3);
    let bundle = attack.bundle(vec![entry], &tar, None);
    attack.assert_refused(&bundle, "\"a.txt\" is 20 bytes but the manifest says 3");
}

#[test]
fn data_after_the_end_of_the_tar_is_refused() {
    let attack = Hostile::new();
    let tar = tar_bytes(&[file("a.txt", b"1")], b"hidden payload after the archive");
    let bundle = attack.bundle(vec![listed("a.txt", b"1")], &tar, None);
    attack.assert_refused(&bundle, "data follows the end of the tar archive");
}

#[test]
fn frame_decompressing_to_more_than_declared_is_refused() {
    let attack = Hostile::new();
    // 3 MiB of zeros compress to a few hundred bytes; the manifest claims far less.
    let tar = tar_bytes(&[file("a.txt", &vec![0u8; 3 << 20])], &[]);
    let bundle = attack.bundle(vec![listed("a.txt", &vec![0u8; 3 << 20])], &tar, Some(4096));
    attack.assert_refused(&bundle, "does not decompress to the 4096 bytes it declares");
}

#[test]
fn tar_stream_larger_than_its_files_need_is_refused_before_decompressing() {
    let attack = Hostile::new();
    let padding = vec![0u8; 3 << 20];
    let tar = tar_bytes(&[file("a.txt", b"1")], &padding);
    let bundle = attack.bundle(vec![listed("a.txt", b"1")], &tar, None);
    attack.assert_refused(&bundle, "more than its files can need");
}

#[cfg(unix)]
#[test]
fn setuid_and_executable_bits_in_the_tar_are_never_applied() {
    use std::os::unix::fs::PermissionsExt;
    let attack = Hostile::new();
    let mut entry = file("run-me.sh", b"#!/bin/sh\n");
    entry.mode = 0o6777;
    let tar = tar_bytes(&[entry], &[]);
    let bundle = attack.bundle(vec![listed("run-me.sh", b"#!/bin/sh\n")], &tar, None);
    let out = attack.work.path().join("out");
    let status = Command::new(env!("CARGO_BIN_EXE_tamizdat"))
        .arg("unpack")
        .arg(&bundle)
        .arg("--to")
        .arg(&out)
        .arg("--public-key")
        .arg(attack.work.path().join("trusted.pub"))
        .env("TAMIZDAT_HOME", attack.work.path().join("home"))
        .status()
        .unwrap();
    assert!(status.success());
    let mode = std::fs::metadata(out.join("run-me.sh"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o7111, 0, "mode {mode:o}");
}

#[test]
fn tar_without_its_end_blocks_is_refused() {
    let attack = Hostile::new();
    let tar = tar_entries(&[file("a.txt", b"1")]);
    let bundle = attack.bundle(vec![listed("a.txt", b"1")], &tar, None);
    attack.assert_refused(&bundle, "two zero blocks");
}

#[test]
fn pax_header_with_two_records_is_refused() {
    let mut entry = file("a.txt", b"x");
    let mut records = pax_record("path", "a.txt");
    records.extend(pax_record("path", "../../x.txt"));
    entry.pax = Some(records);
    assert_attack_refused(&[entry], vec![listed("a.txt", b"x")], "exactly one record");
}

#[test]
fn wrong_payload_hash_is_refused_by_full_verification_too() {
    let attack = Hostile::new();
    let tar = tar_bytes(&[file("a.txt", b"1")], &[]);
    let frame = zstd::bulk::compress(&tar, 3).unwrap();
    let bundle = attack.bundle_with(
        vec![listed("a.txt", b"1")],
        frame,
        tar.len() as u64,
        None,
        |m| {
            m["payload"]["sha256"] = json!(Sha256Digest::of(b"another payload").to_hex());
        },
    );
    attack.assert_refused(&bundle, "the payload does not match its signature");
}

#[test]
fn frame_asking_for_a_huge_window_is_refused() {
    let attack = Hostile::new();
    let tar = tar_bytes(&[file("a.txt", b"1")], &[]);
    // A streamed frame of unknown size keeps the window it was given: 2^27 bytes.
    let mut encoder = zstd::stream::Encoder::new(Vec::new(), 3).unwrap();
    encoder.window_log(27).unwrap();
    encoder.include_contentsize(false).unwrap();
    std::io::Write::write_all(&mut encoder, &tar).unwrap();
    let frame = encoder.finish().unwrap();
    assert_eq!(
        tamizdat::format::frames::frame_window_size(&frame),
        Some(1 << 27)
    );
    let bundle = attack.bundle_with(
        vec![listed("a.txt", b"1")],
        frame,
        tar.len() as u64,
        None,
        |_| {},
    );
    attack.assert_refused(
        &bundle,
        "asks for a decompression window of 134.2 MB, more than the limit of 4.2 MB",
    );
}

#[test]
fn title_with_terminal_escapes_is_refused_and_info_shows_it_escaped() {
    let attack = Hostile::new();
    let tar = tar_bytes(&[file("a.txt", b"1")], &[]);
    let frame = zstd::bulk::compress(&tar, 3).unwrap();
    let spoof = "x\u{1b}[2K\rx.tar.zst: signature VALID: signed by Someone Else";
    let bundle = attack.bundle_with(
        vec![listed("a.txt", b"1")],
        frame,
        tar.len() as u64,
        None,
        |m| m["title"] = json!(spoof),
    );
    attack.assert_refused(&bundle, "control");
    // Shown by a reader who does not trust the key: escaped, never raw.
    let output = Command::new(env!("CARGO_BIN_EXE_tamizdat"))
        .arg("info")
        .arg(&bundle)
        .env("TAMIZDAT_HOME", attack.work.path().join("home"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1));
    assert!(stdout.contains("UNVERIFIED"), "{stdout}");
    assert!(!stdout.contains('\u{1b}'), "raw escape printed: {stdout:?}");
    assert!(stdout.contains("\\u{1b}"), "{stdout}");
}

#[test]
fn bidi_override_in_a_signed_title_is_refused() {
    let attack = Hostile::new();
    let tar = tar_bytes(&[file("a.txt", b"1")], &[]);
    let frame = zstd::bulk::compress(&tar, 3).unwrap();
    let bundle = attack.bundle_with(
        vec![listed("a.txt", b"1")],
        frame,
        tar.len() as u64,
        None,
        |m| m["title"] = json!("News \u{202e}lacol"),
    );
    attack.assert_refused(&bundle, "direction");
}

#[test]
fn quick_check_hashes_the_payload_without_decompressing_it() {
    // Frames that are not zstd at all, but whose hashes the signer listed: only a check that
    // decompresses can notice, and --quick, which mirrors use, must not decompress.
    let attack = Hostile::new();
    let garbage = b"these bytes are not a zstd frame".to_vec();
    let bundle = attack.bundle_with(vec![listed("a.txt", b"1")], garbage, 3072, None, |_| {});
    let verify = |quick: bool| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_tamizdat"));
        command.arg("verify");
        if quick {
            command.arg("--quick");
        }
        command
            .arg("--public-key")
            .arg(attack.work.path().join("trusted.pub"))
            .arg(&bundle)
            .env("TAMIZDAT_HOME", attack.work.path().join("home"))
            .output()
            .unwrap()
    };
    let quick = verify(true);
    assert_eq!(quick.status.code(), Some(0), "{quick:?}");
    assert!(String::from_utf8_lossy(&quick.stdout).starts_with("VALID"));
    let full = verify(false);
    assert_eq!(full.status.code(), Some(1), "{full:?}");
    assert!(String::from_utf8_lossy(&full.stdout).contains("is not exactly one zstd frame"));
}

// ---------------------------------------------------------------------------------------------
// One test per hostile name: the signer lists the name in the manifest and puts the same name
// in the tar, so only the reader's own path rules stand between the name and the disk.

/// Signs a one-file bundle naming `path` in both manifest and tar; checks it is refused with a
/// message holding `expected`.
fn assert_signed_path_refused(path: &str, expected: &str) {
    assert_attack_refused(&[file(path, b"x")], vec![listed(path, b"x")], expected);
}

macro_rules! signed_paths_are_refused {
    ($($test:ident: $path:expr => $expected:expr;)*) => {$(
        #[test]
        fn $test() {
            assert_signed_path_refused(&$path, $expected);
        }
    )*};
}

signed_paths_are_refused! {
    parent_folder_in_the_middle_of_a_path_is_refused: "news/../../escaped.txt" => "\"..\"";
    absolute_path_signed_in_the_manifest_is_refused: "/etc/passwd" => "absolute";
    double_slash_network_path_is_refused: "//x" => "UNC";
    empty_folder_name_in_a_path_is_refused: "news//x.txt" => "\"//\"";
    drive_letter_path_is_refused: "C:/x.txt" => "drive letter";
    drive_relative_path_is_refused: "c:x.txt" => "drive letter";
    unc_path_with_backslashes_is_refused: "\\\\server\\share\\x.txt" => "UNC";
    backslash_path_is_refused: "news\\..\\..\\x.txt" => "backslash";
    windows_reserved_name_con_is_refused: "CON" => "reserves";
    windows_reserved_name_with_an_extension_is_refused: "news/nul.txt" => "reserves";
    windows_reserved_name_with_a_trailing_space_is_refused: "COM1 " => "space";
    windows_reserved_name_in_lower_case_is_refused: "lpt9.html" => "reserves";
    name_with_a_trailing_dot_is_refused: "news/report." => "dot";
    name_with_a_trailing_space_is_refused: "news/report.html " => "space";
    folder_with_a_trailing_dot_is_refused: "news./a.html" => "dot";
    windows_illegal_less_than_is_refused: "a<b.html" => "Windows";
    windows_illegal_greater_than_is_refused: "a>b.html" => "Windows";
    windows_illegal_colon_is_refused: "news/a:b.html" => "Windows";
    windows_illegal_double_quote_is_refused: "a\"b.html" => "Windows";
    windows_illegal_pipe_is_refused: "a|b.html" => "Windows";
    windows_illegal_question_mark_is_refused: "a?b.html" => "Windows";
    windows_illegal_asterisk_is_refused: "a*b.html" => "Windows";
    control_character_in_a_name_is_refused: "a\u{1}b.html" => "control";
    newline_in_a_name_is_refused: "a\nb.html" => "control";
    escape_sequence_in_a_name_is_refused: "a\u{1b}[2Jb.html" => "control";
    nul_byte_in_a_signed_path_is_refused: "a\u{0}b.html" => "NUL";
    non_nfc_name_is_refused: "cafe\u{301}.html" => "normal";
    name_component_over_255_bytes_is_refused: format!("{}.html", "n".repeat(251)) => "255";
    name_of_255_multibyte_bytes_plus_one_is_refused: format!("{}.txt", "ж".repeat(126)) => "255";
    path_deeper_than_32_levels_is_refused: format!("{}x.txt", "d/".repeat(32)) => "32";
    path_longer_than_1024_bytes_is_refused: format!("{}x.txt", "folder-name/".repeat(90)) => "1024";
}

#[test]
fn names_colliding_under_case_folding_are_refused() {
    assert_attack_refused(
        &[file("Foo.html", b"1"), file("foo.html", b"2")],
        vec![listed("Foo.html", b"1"), listed("foo.html", b"2")],
        "case-insensitive",
    );
}

#[test]
fn names_colliding_under_unicode_normalisation_are_refused() {
    // NFC "é" beside NFD "e" + combining acute: one name on macOS, two on Linux.
    let (nfc, nfd) = ("caf\u{e9}.html", "cafe\u{301}.html");
    assert_attack_refused(
        &[file(nfc, b"1"), file(nfd, b"2")],
        vec![listed(nfc, b"1"), listed(nfd, b"2")],
        "the signed manifest is not valid",
    );
}

#[test]
fn invalid_utf8_in_a_tar_name_is_refused() {
    let mut entry = file("x", b"x");
    entry.name = b"caf\xe9.html".to_vec();
    assert_attack_refused(
        &[entry],
        vec![listed("caf\u{e9}.html", b"x")],
        "where the manifest lists",
    );
}

#[test]
fn invalid_utf8_in_the_signed_manifest_is_refused() {
    let attack = Hostile::new();
    let tar = tar_bytes(&[file("PLACEHOLDER", b"x")], &[]);
    let frame = zstd::bulk::compress(&tar, 3).unwrap();
    let hash = Sha256Digest::of(&frame).to_hex();
    let manifest = json!({
        "publisher": {"key_id": attack.key.public().key_id().to_hex(), "name": "x"},
        "channel": "attack", "sequence": 1, "created": "2026-11-25T00:00:00Z",
        "title": "t", "language": "en",
        "payload": {"length": frame.len(), "sha256": hash, "tar_length": tar.len()},
        "frames": [{"offset": 0, "length": frame.len(), "tar_length": tar.len(), "sha256": hash}],
        "files": [listed("PLACEHOLDER", b"x")],
        "articles": [],
    });
    let mut bytes = serde_json::to_vec(&manifest).unwrap();
    let at = bytes.windows(11).position(|w| w == b"PLACEHOLDER").unwrap();
    bytes[at..at + 11].copy_from_slice(b"PLACE\xffOLDER");
    let bundle = attack.signed_raw(&bytes, &frame);
    attack.assert_refused(&bundle, "the signed manifest is not valid");
}

// ---------------------------------------------------------------------------------------------
// Entry types: only regular files exist in a bundle, whatever the signer puts in the tar.

macro_rules! entry_types_are_refused {
    ($($test:ident: $kind:expr, $link:expr => $expected:expr;)*) => {$(
        #[test]
        fn $test() {
            let link: Option<&[u8]> = $link;
            let attack = Hostile::new();
            let tar = tar_bytes(&[entry_of_kind($kind, link)], &[]);
            let bundle = attack.bundle(vec![listed("innocent.txt", b"")], &tar, None);
            attack.assert_refused(&bundle, $expected);
        }
    )*};
}

entry_types_are_refused! {
    symlink_pointing_outside_is_refused: b'2', Some(b"/etc/passwd") => "is not a plain file";
    symlink_pointing_up_and_out_is_refused: b'2', Some(b"../../../home") => "is not a plain file";
    symlink_pointing_inside_is_refused: b'2', Some(b"inside.txt") => "is not a plain file";
    hard_link_pointing_inside_is_refused: b'1', Some(b"inside.txt") => "is not a plain file";
    hard_link_pointing_outside_is_refused: b'1', Some(b"/etc/shadow") => "is not a plain file";
    character_device_is_refused: b'3', None => "is not a plain file";
    block_device_is_refused: b'4', None => "is not a plain file";
    directory_entry_is_refused: b'5', None => "is not a plain file";
    fifo_is_refused: b'6', None => "is not a plain file";
    contiguous_file_entry_is_refused: b'7', None => "is not a plain file";
    unknown_entry_type_is_refused: b'Z', None => "is not a plain file";
    gnu_sparse_entry_is_refused: b'S', None => "is not a plain file";
    gnu_long_name_header_is_refused: b'L', None => "is not a plain file";
    gnu_long_link_header_is_refused: b'K', None => "is not a plain file";
    pax_global_header_is_refused: b'g', None => "is not a plain file";
    gnu_volume_header_is_refused: b'V', None => "is not a plain file";
}

#[test]
fn symlink_then_a_file_of_the_same_name_is_refused() {
    let mut link = entry_of_kind(b'2', Some(b"/tmp"));
    link.name = b"news".to_vec();
    assert_attack_refused(
        &[link, file("news", b"overwrites what the link points at")],
        vec![listed("news", b"overwrites what the link points at")],
        "is not a plain file",
    );
}

#[test]
fn symlink_then_a_folder_of_the_same_name_is_refused() {
    let mut link = entry_of_kind(b'2', Some(b"/tmp"));
    link.name = b"news".to_vec();
    assert_attack_refused(
        &[link, file("news/planted.txt", b"lands in /tmp")],
        vec![listed("news/planted.txt", b"lands in /tmp")],
        "is not a plain file",
    );
}

#[test]
fn gnu_long_name_smuggling_a_path_is_refused() {
    // A GNU 'L' record names the next entry: "../../x" hidden from a reader of the ustar name.
    let mut long = file("././@LongLink", b"../../escaped.txt\0");
    long.kind = b'L';
    assert_attack_refused(
        &[long, file("innocent.txt", b"x")],
        vec![listed("innocent.txt", b"x")],
        "is not a plain file",
    );
}

#[test]
fn pax_header_over_the_limit_is_refused() {
    // PAX headers are supported for the `path` key only, bounded to 1,536 bytes of data.
    // 1,600 bytes: within what the declared tar length allows for two files, so only the PAX
    // limit itself can refuse it.
    let mut entry = file("a.txt", b"x");
    entry.pax = Some(pax_record("path", &"a".repeat(1590)));
    assert_attack_refused(
        &[entry, file("b.txt", b"y")],
        vec![listed("a.txt", b"x"), listed("b.txt", b"y")],
        "larger than the limit",
    );
}

#[test]
fn pax_long_path_within_the_limit_is_accepted() {
    let long = format!("{}/article.html", "long-folder-name".repeat(7));
    let mut entry = file("ignored", b"x");
    entry.pax = Some(pax_record("path", &long));
    let attack = Hostile::new();
    let tar = tar_bytes(&[entry], &[]);
    let bundle = attack.bundle(vec![listed(&long, b"x")], &tar, None);
    let out = attack.work.path().join("out");
    let output = Command::new(env!("CARGO_BIN_EXE_tamizdat"))
        .arg("unpack")
        .arg(&bundle)
        .arg("--to")
        .arg(&out)
        .arg("--public-key")
        .arg(attack.work.path().join("trusted.pub"))
        .env("TAMIZDAT_HOME", attack.work.path().join("home"))
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    assert_eq!(std::fs::read(out.join(&long)).unwrap(), b"x");
}

#[test]
fn hash_differing_from_the_manifest_is_refused_and_the_file_never_appears() {
    let mut entry = listed("a.txt", b"what the signer claims");
    entry["size"] = json!(b"what the tar really has".len());
    assert_attack_refused(
        &[file("a.txt", b"what the tar really has")],
        vec![entry],
        "\"a.txt\"",
    );
}

/// Two frames cut as the frame rule cuts them: a first file whose entry is exactly one frame
/// (4 MiB), so the rule closes frame 0 right after it, then a small file and the end of the
/// archive in frame 1.
fn two_frames_by_the_rule() -> (Vec<Value>, Vec<Vec<u8>>) {
    let big = vec![0u8; (4 << 20) - 512];
    let first = tar_entries(&[file("a.bin", &big)]);
    assert_eq!(first.len(), 4 << 20);
    let mut second = tar_entries(&[file("b.txt", b"second article")]);
    second.extend_from_slice(&[0u8; 1024]);
    let mut b = listed("b.txt", b"second article");
    b["frame"] = json!(1);
    (vec![listed("a.bin", &big), b], vec![first, second])
}

#[test]
fn payload_cut_exactly_at_an_entry_boundary_is_refused() {
    // Two frames that each end on an entry boundary; the copy stops after the first. What is
    // left is a well-formed tar prefix, so only the signed frame list can tell it is cut short.
    let attack = Hostile::new();
    let (files, parts) = two_frames_by_the_rule();
    let (bundle, starts) = attack.bundle_frames(files, &parts);
    let bytes = std::fs::read(&bundle).unwrap();
    std::fs::write(&bundle, &bytes[..starts[1] as usize]).unwrap();
    attack.assert_refused(&bundle, "truncated");
}

#[test]
fn bundle_whose_frames_follow_the_rule_unpacks_when_whole() {
    // The control for the test above: the same bundle, uncut, is accepted.
    let attack = Hostile::new();
    let (files, parts) = two_frames_by_the_rule();
    let (bundle, _) = attack.bundle_frames(files, &parts);
    let out = attack.work.path().join("out");
    let status = Command::new(env!("CARGO_BIN_EXE_tamizdat"))
        .arg("unpack")
        .arg(&bundle)
        .arg("--to")
        .arg(&out)
        .arg("--public-key")
        .arg(attack.work.path().join("trusted.pub"))
        .env("TAMIZDAT_HOME", attack.work.path().join("home"))
        .status()
        .unwrap();
    assert!(status.success());
    assert_eq!(std::fs::read(out.join("b.txt")).unwrap(), b"second article");
}

#[test]
fn file_declaring_a_size_near_the_largest_integer_is_refused() {
    // Sums and block counts of such sizes would overflow; the limit refuses them first.
    let mut entry = listed("a.txt", b"1");
    entry["size"] = json!(u64::MAX - 100);
    assert_attack_refused(&[file("a.txt", b"1")], vec![entry], "more than the limit");
}

#[test]
fn files_declaring_more_than_the_total_limit_are_refused() {
    let files: Vec<Value> = (0..5)
        .map(|i| {
            let mut entry = listed(&format!("part-{i}.bin"), b"1");
            entry["size"] = json!(60u64 << 30);
            entry
        })
        .collect();
    assert_attack_refused(&[file("part-0.bin", b"1")], files, "in all, the limit");
}

#[test]
fn folders_colliding_under_case_folding_are_refused() {
    assert_attack_refused(
        &[file("News/a.txt", b"1"), file("news/b.txt", b"2")],
        vec![listed("News/a.txt", b"1"), listed("news/b.txt", b"2")],
        "the same folder on a case-insensitive disk",
    );
}

// ---------------------------------------------------------------------------------------------
// The frame rule (FORMAT.md section 4) and `files[].frame`, checked on read: a signer who cuts
// frames elsewhere, or says a file starts in another frame than it does, is refused.

const FRAME: usize = 4 << 20;

#[test]
fn file_whose_entry_starts_in_another_frame_than_listed_is_refused() {
    let attack = Hostile::new();
    let (mut files, parts) = two_frames_by_the_rule();
    files[1]["frame"] = json!(0);
    let (bundle, _) = attack.bundle_frames(files, &parts);
    attack.assert_refused(
        &bundle,
        "the entry of \"b.txt\" starts in frame 1, but the manifest says frame 0",
    );
}

#[test]
fn first_file_listed_in_a_later_frame_than_its_entry_is_refused() {
    let attack = Hostile::new();
    let (mut files, parts) = two_frames_by_the_rule();
    files[0]["frame"] = json!(1);
    let (bundle, _) = attack.bundle_frames(files, &parts);
    attack.assert_refused(
        &bundle,
        "the entry of \"a.bin\" starts in frame 0, but the manifest says frame 1",
    );
}

#[test]
fn frame_ending_where_the_rule_does_not_close_one_is_refused() {
    // Two small files in two frames: the rule keeps them in one frame (they fit), so a frame
    // that ends after the first breaks it.
    let attack = Hostile::new();
    let first = tar_entries(&[file("a.txt", b"first article")]);
    let mut second = tar_entries(&[file("b.txt", b"second article")]);
    second.extend_from_slice(&[0u8; 1024]);
    let mut b = listed("b.txt", b"second article");
    b["frame"] = json!(1);
    let (bundle, _) =
        attack.bundle_frames(vec![listed("a.txt", b"first article"), b], &[first, second]);
    attack.assert_refused(
        &bundle,
        "frame 0 ends at byte 1024 of the archive, where the frame rule does not close a frame",
    );
}

#[test]
fn large_file_whose_frame_is_cut_short_of_four_mib_is_refused() {
    // A file larger than a frame fills whole 4 MiB frames; here its first frame holds 1 MiB.
    let attack = Hostile::new();
    let big = vec![0u8; FRAME + 4096];
    let mut tar = tar_entries(&[file("big.bin", &big)]);
    tar.extend_from_slice(&[0u8; 1024]);
    let parts = [tar[..1 << 20].to_vec(), tar[1 << 20..].to_vec()];
    let (bundle, _) = attack.bundle_frames(vec![listed("big.bin", &big)], &parts);
    attack.assert_refused(
        &bundle,
        "frame 0 ends at byte 1048576 of the archive, where the frame rule does not close a frame",
    );
}

#[test]
fn frame_going_on_past_where_the_rule_closes_it_is_refused() {
    // The first entry leaves 512 bytes of the frame; the next (1024 bytes) does not fit, so the
    // rule closes the frame before it. This frame goes on, taking the next entry's header.
    let attack = Hostile::new();
    let big = vec![0u8; FRAME - 1024];
    let mut tar = tar_entries(&[file("a.bin", &big), file("b.txt", b"second article")]);
    tar.extend_from_slice(&[0u8; 1024]);
    let parts = [tar[..FRAME].to_vec(), tar[FRAME..].to_vec()];
    let (bundle, _) = attack.bundle_frames(
        vec![listed("a.bin", &big), listed("b.txt", b"second article")],
        &parts,
    );
    attack.assert_refused(
        &bundle,
        &format!(
            "frame 0 goes on past byte {} of the archive, where the frame rule closes it",
            FRAME - 512
        ),
    );
}

#[test]
fn entry_with_a_gnu_magic_is_refused_as_not_a_ustar_header() {
    let attack = Hostile::new();
    let mut tar = tar_bytes(&[file("a.txt", b"1")], &[]);
    // GNU tar's "ustar  \0" instead of POSIX "ustar\0" "00", with the checksum made right.
    tar[257..265].copy_from_slice(b"ustar  \0");
    tar[148..156].fill(b' ');
    let sum: u32 = tar[..512].iter().map(|&b| u32::from(b)).sum();
    tar[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
    let bundle = attack.bundle(vec![listed("a.txt", b"1")], &tar, None);
    attack.assert_refused(
        &bundle,
        "the entry \"a.txt\" is not a ustar header (its magic and version are \"ustar  \\x00\"",
    );
}

#[test]
fn entry_with_a_wrong_checksum_is_refused() {
    let attack = Hostile::new();
    let mut tar = tar_bytes(&[file("a.txt", b"1")], &[]);
    tar[0] = b'b'; // renamed after the checksum was computed
    let bundle = attack.bundle(vec![listed("a.txt", b"1")], &tar, None);
    attack.assert_refused(
        &bundle,
        "the tar header at byte 0 of the archive has a wrong checksum",
    );
}
