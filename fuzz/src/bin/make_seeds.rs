//! Writes the seed corpora for every fuzz target (not a fuzz target itself).
//!
//! Usage, from /work/main/fuzz: `cargo run --release --bin make_seeds [CORPUS_DIR]`
//! (default `corpus`). It packs `examples/edition`, `tests/vectors/edition` and a generated
//! edition (long PAX paths, nested and non-ASCII names, an empty file) with the fuzz key
//! `SecretKey::from_seed("Fuzz", &[7; 32])` through `tamizdat::publish::pack::pack_edition`, then writes:
//! - `header/`, `verify_unpack/`: the test vectors and the fuzz-key bundles, whole;
//! - `verify_unpack_signed/`: for each bundle, in the format of `fuzz/src/lib.rs`, a raw seed
//!   (exact manifest + compressed payload), a fix-up seed (manifest + uncompressed tar) and a
//!   fix-up seed with one frame per tar entry; each is checked to unpack successfully;
//! - `path/`: every path of those manifests plus some hostile ones.

use std::fs;
use std::path::{Path, PathBuf};

use serde_json::Value;
use tamizdat::format::header::SignedHeader;
use tamizdat::fs::NoProgress;
use tamizdat::publish::pack::{PackOptions, pack_edition};
use tamizdat_fuzz::{RAW, build_bundle, fuzz_key, join_input, verify_and_check};

fn generated_edition(root: &Path) {
    let deep = "a-long-folder-name-for-a-pax-header/".repeat(4);
    let files: Vec<(String, Vec<u8>)> = vec![
        (
            "index.md".into(),
            b"---\ntitle: \"Generated\"\nlang: en\n---\n\n# Generated\n\nSee [the long one](long.md).\n"
                .to_vec(),
        ),
        (format!("{deep}long-file-name.txt"), b"long path\n".to_vec()),
        ("empty.txt".into(), Vec::new()),
        ("nested/x/y/z/data.bin".into(), (0..1500u32).map(|i| (i * 7) as u8).collect()),
        ("ünïcödé/ファイル.txt".into(), "名前\n".as_bytes().to_vec()),
        (
            "long.md".into(),
            b"---\ntitle: Long\n---\n\nText.\n".to_vec(),
        ),
    ];
    for (path, data) in files {
        let full = root.join(&path);
        fs::create_dir_all(full.parent().unwrap()).unwrap();
        fs::write(full, data).unwrap();
    }
}

/// Start offsets of the tar entries (a PAX header belongs to the entry it precedes), and the
/// offset of the end-of-archive blocks.
fn entry_starts(tar: &[u8]) -> Vec<usize> {
    let mut starts = Vec::new();
    let mut pos = 0;
    let mut pending_pax: Option<usize> = None;
    while pos + 512 <= tar.len() && tar[pos..pos + 512].iter().any(|&b| b != 0) {
        let header = &tar[pos..pos + 512];
        let size_text = std::str::from_utf8(&header[124..136]).unwrap();
        let size =
            usize::from_str_radix(size_text.trim_matches(|c| c == '\0' || c == ' '), 8).unwrap();
        if header[156] == b'x' {
            pending_pax = Some(pos);
        } else {
            starts.push(pending_pax.take().unwrap_or(pos));
        }
        pos += 512 + size.div_ceil(512) * 512;
    }
    starts
}

fn write_seed(dir: &Path, name: &str, bytes: &[u8]) {
    fs::create_dir_all(dir).unwrap();
    fs::write(dir.join(name), bytes).unwrap();
}

fn main() {
    let corpus = PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| "corpus".into()));
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let scratch = tempfile::tempdir().unwrap();
    let generated = scratch.path().join("generated");
    generated_edition(&generated);

    let key = fuzz_key();
    let options = PackOptions {
        channel: "fuzz".into(),
        sequence: 1,
        created: time::OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap(),
        level: 3,
        title: None,
        language: None,
        allow_remote: false,
        force: false,
        threads: 1,
        include_hidden: false,
    };
    let editions = [
        ("examples", repo.join("examples/edition")),
        ("vectors", repo.join("tests/vectors/edition")),
        ("generated", generated),
    ];

    for entry in fs::read_dir(repo.join("tests/vectors")).unwrap() {
        let path = entry.unwrap().path();
        if path.to_string_lossy().ends_with(".tar.zst") {
            let bytes = fs::read(&path).unwrap();
            let name = path.file_name().unwrap().to_str().unwrap();
            write_seed(&corpus.join("header"), name, &bytes);
            write_seed(&corpus.join("verify_unpack"), name, &bytes);
        }
    }

    let mut paths: Vec<String> = Vec::new();
    for (name, source) in editions {
        let output = scratch.path().join(format!("{name}.tar.zst"));
        pack_edition(&source, &key, &options, &output, &NoProgress)
            .unwrap_or_else(|e| panic!("packing {name}: {e}"));
        let bundle = fs::read(&output).unwrap();
        assert!(verify_and_check(&bundle).is_ok(), "{name} unpacks");
        let seed_name = format!("fuzz-key-{name}.tar.zst");
        write_seed(&corpus.join("header"), &seed_name, &bundle);
        write_seed(&corpus.join("verify_unpack"), &seed_name, &bundle);

        let header = SignedHeader::parse(&bundle).unwrap();
        let json = header.manifest_json().unwrap();
        let payload = &bundle[header.preamble.header_len() as usize..];
        let tar = zstd::stream::decode_all(payload).unwrap();
        let signed = corpus.join("verify_unpack_signed");

        let raw = join_input(RAW, &json, payload);
        let fixup = join_input(0, &json, &tar);
        let mut manifest: Value = serde_json::from_slice(&json).unwrap();
        for file in manifest["files"].as_array().unwrap() {
            paths.push(file["path"].as_str().unwrap().to_string());
        }
        // One frame per tar entry (the last one also holds the end-of-archive blocks): not where
        // the frame rule cuts, so readers refuse it; a seed next to the frame-rule checks.
        let starts = entry_starts(&tar);
        let mut cuts: Vec<usize> = starts.iter().skip(1).copied().collect();
        cuts.push(tar.len());
        let mut previous = 0;
        let frames: Vec<Value> = cuts
            .iter()
            .map(|&end| {
                let length = end - previous;
                previous = end;
                serde_json::json!({ "tar_length": length })
            })
            .collect();
        manifest["frames"] = Value::Array(frames);
        for (i, file) in manifest["files"]
            .as_array_mut()
            .unwrap()
            .iter_mut()
            .enumerate()
        {
            file["frame"] = i.into();
        }
        let multi = join_input(0, &serde_json::to_vec(&manifest).unwrap(), &tar);

        for (kind, seed) in [("raw", &raw), ("fixup", &fixup), ("frames", &multi)] {
            let bundle = build_bundle(seed).unwrap();
            match (kind, verify_and_check(&bundle)) {
                ("frames", Ok(_)) if starts.len() > 1 => {
                    panic!("the {kind} seed of {name} breaks the frame rule but unpacks")
                }
                ("frames", _) => {}
                (_, Err(e)) => panic!("the {kind} seed of {name} does not unpack: {e}"),
                (_, Ok(_)) => {}
            }
            write_seed(&signed, &format!("{name}-{kind}"), seed);
        }
    }

    paths.extend(
        [
            "a",
            "a/b/c.md",
            "../etc/passwd",
            "a/./b",
            "/abs",
            "C:/x",
            "\\\\server\\share",
            "CON.txt",
            "com¹.md",
            "CONOUT$",
            "e\u{301}.md",
            "é.md",
            "trailing. ",
            "ΣΑΣ/ς.md",
            "ß/İ.txt",
            "a//b",
            "a/b/",
            "x<y>.md",
            "tab\there",
        ]
        .map(String::from),
    );
    paths.push("d/".repeat(31) + "f");
    paths.push("n".repeat(255));
    for (i, path) in paths.iter().enumerate() {
        write_seed(
            &corpus.join("path"),
            &format!("seed-{i:03}"),
            path.as_bytes(),
        );
    }
    println!("seeds written to {}", corpus.display());
}
