//! The binary accepts exactly what FORMAT.md allows. Each test is named after something an
//! implementation written from FORMAT.md alone found the reader accepting, or misreporting:
//! validly signed manifests that FORMAT.md refuses, driven through the real `tamizdat` binary.

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use common::*;
use tamizdat::format::header::{SignedHeader, unsigned_header};

/// A bundle of the example edition signed by `key`, and the key's public file to verify with.
struct Signed {
    _dir: tempfile::TempDir,
    work: PathBuf,
    key: Key,
    bundle: Vec<u8>,
}

impl Signed {
    fn new() -> Signed {
        let dir = tempfile::tempdir().unwrap();
        let work = dir.path().to_path_buf();
        let key = make_key(&work, "Contract Newsroom", 91);
        let bundle = pack_ok(&example_edition(), &key, &work.join("genuine.tar.zst"));
        Signed {
            _dir: dir,
            work,
            key,
            bundle,
        }
    }

    fn json(&self) -> String {
        let header = SignedHeader::parse(&self.bundle).unwrap();
        String::from_utf8(header.manifest_json().unwrap()).unwrap()
    }

    /// The genuine bundle with its manifest replaced by `json`, validly signed.
    fn with_json(&self, json: &str) -> PathBuf {
        let (mut bytes, message) =
            unsigned_header(self.key.secret.public().key_id(), json.as_bytes()).unwrap();
        bytes.extend_from_slice(&self.key.secret.sign(&message));
        bytes.extend_from_slice(&self.bundle[header_len(&self.bundle) as usize..]);
        self.write(&bytes)
    }

    fn write(&self, bytes: &[u8]) -> PathBuf {
        let path = self.work.join("attack.tar.zst");
        fs::write(&path, bytes).unwrap();
        path
    }

    /// `verify` refuses `bundle` with one line containing `expected`.
    #[track_caller]
    fn refused(&self, bundle: &Path, expected: &str) -> Out {
        let out = verify(bundle, &self.key.public_path);
        out.expect_code(1)
            .expect_text(expected)
            .expect_no_line_starting("VALID");
        assert_eq!(out.text().trim().lines().count(), 1, "{}", out.text());
        out
    }
}

/// `json` with `text` replaced once; `text` must be there.
fn replaced(json: &str, text: &str, by: &str) -> String {
    assert!(json.contains(text), "{text:?} is not in the manifest");
    json.replacen(text, by, 1)
}

/// The JSON object starting at byte `start` of `json` rewritten as the array of its member
/// values in the order they appear (serde's sequence form of a struct).
fn object_as_array(json: &str, start: usize) -> String {
    let mut stream =
        serde_json::Deserializer::from_str(&json[start..]).into_iter::<serde_json::Value>();
    let object = stream.next().unwrap().unwrap();
    let end = start + stream.byte_offset();
    let object = object.as_object().unwrap();
    // serde_json's Map is sorted; put the members back in the order the manifest has them.
    let mut members: Vec<_> = object.iter().collect();
    members.sort_by_key(|(name, _)| json[start..end].find(&format!("\"{name}\":")).unwrap());
    let values: Vec<_> = members
        .into_iter()
        .map(|(_, value)| value.clone())
        .collect();
    format!(
        "{}{}{}",
        &json[..start],
        serde_json::to_string(&values).unwrap(),
        &json[end..]
    )
}

#[test]
fn manifest_objects_written_as_arrays_of_their_members_are_refused() {
    let signed = Signed::new();
    let json = signed.json();
    let cases = [
        (0, "the manifest must be an object, not an array"),
        (
            json.find("{\"key_id\"").unwrap(),
            "publisher must be an object, not an array",
        ),
        (
            json.find("{\"length\"").unwrap(),
            "payload must be an object, not an array",
        ),
        (
            json.find("{\"offset\"").unwrap(),
            "each element of frames must be an object, not an array",
        ),
        (
            json.find("{\"path\"").unwrap(),
            "each element of files must be an object, not an array",
        ),
        (
            json.find("{\"main_file\"").unwrap(),
            "each element of articles must be an object, not an array",
        ),
    ];
    for (start, expected) in cases {
        let bundle = signed.with_json(&object_as_array(&json, start));
        signed.refused(&bundle, expected);
    }
    // The genuine manifest, re-signed as it is, still verifies: the refusals are the arrays.
    let out = verify(&signed.with_json(&json), &signed.key.public_path);
    out.expect_code(0);
}

#[test]
fn null_for_optional_article_date_language_or_summary_is_refused() {
    let signed = Signed::new();
    let json = signed.json();
    let start = json.find("\"articles\":[{").unwrap() + "\"articles\":[{".len();
    for member in ["date", "language", "summary", "authors", "images"] {
        let changed = format!(
            "{}\"{member}\":null,{}",
            &json[..start],
            // Drop the member where it is, if present, so it appears once.
            remove_member(&json[start..], member)
        );
        let bundle = signed.with_json(&changed);
        signed.refused(
            &bundle,
            &format!("articles[].{member} is null; a member without a value must be left out"),
        );
    }
}

/// `rest` (the inside of the first article onwards) without the first article's `member`.
fn remove_member(rest: &str, member: &str) -> String {
    let end_of_article = rest.find('}').unwrap();
    let Some(at) = rest[..end_of_article].find(&format!("\"{member}\":")) else {
        return rest.to_string();
    };
    let mut stream = serde_json::Deserializer::from_str(&rest[at + member.len() + 3..])
        .into_iter::<serde_json::Value>();
    stream.next().unwrap().unwrap();
    let mut end = at + member.len() + 3 + stream.byte_offset();
    let mut start = at;
    if rest[end..].starts_with(',') {
        end += 1;
    } else if rest[..start].ends_with(',') {
        start -= 1;
    }
    format!("{}{}", &rest[..start], &rest[end..])
}

/// The manifest with an unknown member holding arrays nested to `depth` levels in all.
fn nested(json: &str, depth: usize) -> String {
    let inner = depth - 1;
    format!(
        "{},\"nested\":{}{}}}",
        json.strip_suffix('}').unwrap(),
        "[".repeat(inner),
        "]".repeat(inner)
    )
}

#[test]
fn json_nested_exactly_128_deep_is_accepted_and_129_refused() {
    let signed = Signed::new();
    let json = signed.json();
    let out = verify(
        &signed.with_json(&nested(&json, 128)),
        &signed.key.public_path,
    );
    out.expect_code(0).line_starting("VALID");
    signed.refused(
        &signed.with_json(&nested(&json, 129)),
        "its arrays and objects nest more than 128 levels deep",
    );
}

#[test]
fn paths_with_c1_controls_or_bidi_overrides_are_refused_by_pack_and_reader() {
    let signed = Signed::new();
    let json = signed.json();
    for (character, escaped) in [('\u{202e}', "\\u202e"), ('\u{85}', "\\u0085")] {
        // The reader: a validly signed manifest naming such a path.
        let changed = replaced(
            &json,
            "\"path\":\"",
            &format!("\"path\":\"invoice{escaped}"),
        );
        signed.refused(&signed.with_json(&changed), "direction-changing character");
        // The publisher: a file of that name in the edition folder.
        let edition = signed.work.join(format!("edition-{}", character as u32));
        copy_tree(&example_edition(), &edition);
        fs::write(edition.join(format!("invoice{character}txt.exe")), b"x").unwrap();
        let out = pack(&edition, &signed.key, &signed.work.join("out.tar.zst"), &[]);
        assert_ne!(out.code, 0, "{}", out.text());
        out.expect_text("direction-changing character");
        assert!(!signed.work.join("out.tar.zst").exists());
    }
}

#[test]
fn numbers_that_are_not_whole_are_called_what_they_are_not_floating_point() {
    let signed = Signed::new();
    let json = signed.json();
    for (number, shown) in [
        ("1.5", "1.5"),
        ("-0", "-0.0"),
        ("1e2", "100.0"),
        ("-3", "-3"),
    ] {
        let changed = replaced(&json, "\"sequence\":1,", &format!("\"sequence\":{number},"));
        let out = signed.refused(
            &signed.with_json(&changed),
            &format!(
                "sequence must be a whole number from 0 to 2^64-1 in plain digits (no sign, fraction or exponent), not {shown}"
            ),
        );
        out.expect_no_text("floating");
    }
    let changed = replaced(
        &json,
        "\"sequence\":1,",
        "\"sequence\":18446744073709551616,",
    );
    signed
        .refused(&signed.with_json(&changed), "from 0 to 2^64-1")
        .expect_no_text("floating");
}

#[test]
fn an_empty_manifest_is_not_called_signed_before_verification() {
    let signed = Signed::new();
    let mut bytes = signed.bundle.clone();
    bytes[28..32].copy_from_slice(&0u32.to_le_bytes());
    signed
        .refused(
            &signed.write(&bytes),
            "the header is damaged: it declares a manifest of 0 bytes",
        )
        .expect_no_text("signed");
}

#[test]
fn format_major_version_0_is_unknown_not_newer() {
    let signed = Signed::new();
    let mut bytes = signed.bundle.clone();
    bytes[16..18].copy_from_slice(&0u16.to_le_bytes());
    signed
        .refused(
            &signed.write(&bytes),
            "it claims format version 0, which does not exist",
        )
        .expect_no_text("newer");
    bytes[16..18].copy_from_slice(&3u16.to_le_bytes());
    signed.refused(
        &signed.write(&bytes),
        "this bundle needs a newer version of tamizdat (format 3)",
    );
}

#[test]
fn language_that_is_not_a_bcp47_tag_is_refused() {
    let signed = Signed::new();
    let json = signed.json();
    let language = serde_json::from_str::<serde_json::Value>(&json).unwrap()["language"]
        .as_str()
        .unwrap()
        .to_string();
    let changed = replaced(
        &json,
        &format!("\"language\":\"{language}\""),
        "\"language\":\"../../etc\"",
    );
    signed.refused(
        &signed.with_json(&changed),
        "the language \"../../etc\" is not a language tag",
    );
    // The publisher refuses it as an option.
    let out = pack(
        &example_edition(),
        &signed.key,
        &signed.work.join("out.tar.zst"),
        &["--language", "../../etc"],
    );
    assert_ne!(out.code, 0, "{}", out.text());
    out.expect_text("not a language tag");
}

#[test]
fn an_article_lang_that_is_not_a_tag_is_left_out_by_the_publisher() {
    let dir = tempfile::tempdir().unwrap();
    let key = make_key(dir.path(), "Contract Newsroom", 92);
    let edition = dir.path().join("edition");
    fs::create_dir(&edition).unwrap();
    fs::write(
        edition.join("a.md"),
        "---\ntitle: A\nlang: en_US\n---\n\nText.\n",
    )
    .unwrap();
    fs::write(
        edition.join("b.md"),
        "---\ntitle: B\nlang: fa\n---\n\nText.\n",
    )
    .unwrap();
    let bundle = pack_ok(&edition, &key, &dir.path().join("out.tar.zst"));
    let header = SignedHeader::parse(&bundle).unwrap();
    let manifest = tamizdat::format::Manifest::from_json(&header.manifest_json().unwrap()).unwrap();
    assert_eq!(manifest.articles[0].language, None);
    assert_eq!(manifest.articles[1].language.as_deref(), Some("fa"));
}

#[test]
fn an_edition_without_files_is_refused() {
    let signed = Signed::new();
    let mut manifest: serde_json::Value = serde_json::from_str(&signed.json()).unwrap();
    manifest["files"] = serde_json::json!([]);
    manifest["articles"] = serde_json::json!([]);
    signed.refused(
        &signed.with_json(&manifest.to_string()),
        "it lists no files: an edition holds at least one",
    );
}

#[test]
fn created_outside_what_a_tar_mtime_holds_is_refused_by_reader_and_pack() {
    let signed = Signed::new();
    let json = signed.json();
    for created in [
        "1969-12-31T23:59:59Z",
        "2242-03-16T12:56:32Z",
        "9999-12-31T23:59:59Z",
    ] {
        let changed = replaced(
            &json,
            &format!("\"created\":\"{TIME_RFC3339}\""),
            &format!("\"created\":\"{created}\""),
        );
        signed.refused(
            &signed.with_json(&changed),
            "is outside 1970-01-01T00:00:00Z to 2242-03-16T12:56:31Z",
        );
        let out = pack_cmd(
            &example_edition(),
            &signed.key,
            &signed.work.join("o.tar.zst"),
        )
        .args(["--time", created])
        .run();
        assert_ne!(out.code, 0, "pack accepted {created}: {}", out.text());
        assert!(!signed.work.join("o.tar.zst").exists());
    }
    // The last second that fits packs, and its tar mtime is exactly 8^11 - 1.
    let out_path = signed.work.join("last.tar.zst");
    pack_cmd(&example_edition(), &signed.key, &out_path)
        .args(["--time", "2242-03-16T12:56:31Z"])
        .run()
        .expect_code(0);
    let bundle = fs::read(&out_path).unwrap();
    let payload = &bundle[header_len(&bundle) as usize..];
    let tar = zstd::stream::decode_all(payload).unwrap();
    assert_eq!(&tar[136..148], b"77777777777\0");
}

#[test]
fn info_parses_an_unverified_manifest_with_the_same_limits_and_marks_it_unverified() {
    let signed = Signed::new();
    let json = signed.json();
    let home = signed.work.join("empty-home");
    // No key trusted: info shows what the header claims, marked UNVERIFIED.
    let bundle = signed.with_json(&json);
    let out = reader().arg("info").arg(&bundle).home(&home).run();
    out.expect_text("UNVERIFIED manifest (anyone could have written this):")
        .expect_text("channel: test-news");
    // Past a limit, it shows no manifest at all, as verify would refuse it.
    let deep = signed.with_json(&nested(&json, 129));
    let out = reader().arg("info").arg(&deep).home(&home).run();
    out.expect_no_text("channel: test-news")
        .expect_no_text("UNVERIFIED manifest");
    let array = signed.with_json(&object_as_array(&json, 0));
    let out = reader().arg("info").arg(&array).home(&home).run();
    out.expect_no_text("channel: test-news");
}
