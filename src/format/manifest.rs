//! The manifest: the JSON document inside the signed header that describes the edition and
//! pins every byte of the payload. Serialised once by the publisher and signed as exact bytes;
//! a reader parses it only after the signature verifies, and never re-serialises it to verify.
//!
//! Unknown fields are ignored so that minor versions can add metadata; anything a reader must
//! understand to stay safe needs a new major version (see FORMAT.md).

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::FormatError;
use super::Sha256Digest;
use super::frames::{MAX_FRAME_LEN, MAX_FRAME_TAR_LEN, TAR_END_LEN, tar_entry_len_bound};
use crate::format::path::EditionPath;

/// More entries than this would make the manifest alone megabytes long; an edition with more
/// files than this should be split. Also bounds the work a hostile manifest can ask for.
pub const MAX_FILES: usize = 100_000;
/// Largest single file: 64 GiB holds hours of video; anything larger is no news edition, and
/// a bound keeps every size computation far from overflow.
pub const MAX_FILE_SIZE: u64 = 64 << 30;
/// Largest edition, all files together: 256 GiB, beyond any edition and within what a reader
/// can check against free space before writing anything.
pub const MAX_TOTAL_SIZE: u64 = 256 << 30;
/// Most frames: enough for the largest edition (one frame per 4 MiB, one more per file at
/// most), so a manifest cannot ask a reader to walk hundreds of thousands of empty frames.
pub const MAX_FRAMES: usize = MAX_FILES + (MAX_TOTAL_SIZE / MAX_FRAME_TAR_LEN) as usize + 1;
/// Channel names appear in file names and mirror paths, so they are kept to a portable alphabet.
pub const MAX_CHANNEL_LEN: usize = 64;
/// Titles, names and summaries are shown to people; longer ones are a mistake or an attack.
pub const MAX_TEXT_LEN: usize = 4096;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub publisher: Publisher,
    /// A publisher's stream of editions, e.g. `news-ru`.
    pub channel: String,
    /// Increases with every edition of a publisher and channel; readers use it to spot rollback.
    pub sequence: u64,
    /// Creation time, RFC 3339 in UTC with a `Z` and whole seconds.
    pub created: String,
    pub title: String,
    /// BCP 47 language tag of the edition, e.g. `ru`, `fa`, `en`.
    pub language: String,
    pub payload: Payload,
    pub frames: Vec<Frame>,
    pub files: Vec<FileEntry>,
    pub articles: Vec<Article>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Publisher {
    /// 16 lowercase hex digits; must equal the key id in the header preamble.
    pub key_id: String,
    /// The name the publisher gave its key. Readers show the name from their own trust store.
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payload {
    /// Bytes of compressed payload after the header: the rest of the file, exactly.
    pub length: u64,
    /// SHA-256 of those bytes; `verify --quick` checks only this.
    pub sha256: Sha256Digest,
    /// Bytes of the uncompressed tar stream.
    pub tar_length: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Frame {
    /// Offset of the frame from the start of the payload.
    pub offset: u64,
    /// Compressed length of the frame.
    pub length: u64,
    /// Bytes of tar stream this frame decompresses to.
    pub tar_length: u64,
    /// SHA-256 of the compressed frame, checked before it reaches the decompressor.
    pub sha256: Sha256Digest,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileEntry {
    pub path: EditionPath,
    pub size: u64,
    pub sha256: Sha256Digest,
    pub media_type: String,
    /// Index of the frame in which this file's tar entry starts.
    pub frame: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Article {
    /// The file people open to read the article (Markdown or HTML).
    pub main_file: EditionPath,
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "bounded_list::<_, _, MAX_AUTHORS>"
    )]
    pub authors: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// Images the article shows, all of them files of this bundle.
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "bounded_list::<_, _, MAX_IMAGES>"
    )]
    pub images: Vec<EditionPath>,
}

/// Text shown to readers: at most MAX_TEXT_LEN bytes, no control characters (C0, C1) and no
/// bidirectional embedding, override or isolate controls, which could make one string display
/// as another. Joiners (U+200C, U+200D) stay allowed: Persian needs them.
pub fn is_plain_text(text: &str) -> bool {
    text.len() <= MAX_TEXT_LEN && !text.chars().any(|c| c.is_control() || is_bidi_control(c))
}

/// The Unicode bidirectional formatting characters (UAX #9, section 2).
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

fn invalid(message: String) -> FormatError {
    FormatError::InvalidManifest(message)
}

/// Channel names: 1 to 64 of `a-z 0-9 . _ -`, starting with a letter or digit.
pub fn check_channel(channel: &str) -> Result<(), String> {
    let valid_chars = channel
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b));
    let valid_start = channel
        .bytes()
        .next()
        .is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
    if channel.len() > MAX_CHANNEL_LEN || !valid_chars || !valid_start {
        return Err(format!(
            "the channel {channel:?} must be 1 to {MAX_CHANNEL_LEN} characters of a-z, 0-9, '.', '_' and '-', starting with a letter or digit"
        ));
    }
    Ok(())
}

/// Parses the creation time in the one form the format allows.
pub fn parse_created(text: &str) -> Option<time::OffsetDateTime> {
    let parsed =
        time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).ok()?;
    (format_created(parsed) == text).then_some(parsed)
}

/// Formats a time as the manifest stores it: `2026-11-25T09:30:00Z`.
pub fn format_created(at: time::OffsetDateTime) -> String {
    let at = at.to_offset(time::UtcOffset::UTC);
    let format =
        time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    at.format(&format).unwrap_or_default()
}

/// The most JSON values (strings, numbers, array elements, objects...) a manifest may hold.
/// Parsed into structs, a value can take ten times its bytes of JSON (a 4-byte `"a",` becomes a
/// 24-byte String and an allocation of its own), so the count, not only the byte size, bounds
/// a reader's memory: 1.5 million values take at most about 75 MB. A legitimate manifest at the
/// 16 MiB size limit holds about a million.
pub const MAX_MANIFEST_VALUES: u64 = 1_500_000;
/// Authors of one article.
pub const MAX_AUTHORS: usize = 64;
/// Images of one article.
pub const MAX_IMAGES: usize = 1024;

/// Counts the values of a JSON document as serde_json parses it, keeping none of them.
struct ValueCounter<'a> {
    count: &'a mut u64,
}

impl ValueCounter<'_> {
    fn one<E: serde::de::Error>(&mut self) -> Result<(), E> {
        *self.count += 1;
        if *self.count > MAX_MANIFEST_VALUES {
            return Err(E::custom(format!(
                "it holds more than {MAX_MANIFEST_VALUES} values"
            )));
        }
        Ok(())
    }
}

impl<'de> serde::de::DeserializeSeed<'de> for ValueCounter<'_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for ValueCounter<'_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E: serde::de::Error>(mut self, _: bool) -> Result<(), E> {
        self.one()
    }
    fn visit_i64<E: serde::de::Error>(mut self, _: i64) -> Result<(), E> {
        self.one()
    }
    fn visit_u64<E: serde::de::Error>(mut self, _: u64) -> Result<(), E> {
        self.one()
    }
    fn visit_f64<E: serde::de::Error>(mut self, _: f64) -> Result<(), E> {
        self.one()
    }
    fn visit_str<E: serde::de::Error>(mut self, _: &str) -> Result<(), E> {
        self.one()
    }
    fn visit_unit<E: serde::de::Error>(mut self) -> Result<(), E> {
        self.one()
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(mut self, mut seq: A) -> Result<(), A::Error> {
        self.one()?;
        while seq
            .next_element_seed(ValueCounter { count: self.count })?
            .is_some()
        {}
        Ok(())
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(mut self, mut map: A) -> Result<(), A::Error> {
        self.one()?;
        // serde_json keeps the last of two equal keys; another reader could keep the first.
        // Refusing duplicates means every reader sees the same signed meaning.
        let mut keys = std::collections::BTreeSet::new();
        while let Some(key) = map.next_key::<String>()? {
            self.one()?;
            if let Some(key) = keys.replace(key) {
                return Err(serde::de::Error::custom(format!(
                    "the key {key:?} appears twice in one object"
                )));
            }
            map.next_value_seed(ValueCounter { count: self.count })?;
        }
        Ok(())
    }
}

/// Deserialises a list of at most `MAX` elements, refusing more as soon as they appear.
fn bounded_list<'de, D, T, const MAX: usize>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    struct Bounded<T, const MAX: usize>(std::marker::PhantomData<T>);
    impl<'de, T: Deserialize<'de>, const MAX: usize> serde::de::Visitor<'de> for Bounded<T, MAX> {
        type Value = Vec<T>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            write!(f, "a list of at most {MAX} elements")
        }
        fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<T>, A::Error> {
            let mut list = Vec::new();
            while let Some(element) = seq.next_element()? {
                if list.len() == MAX {
                    return Err(serde::de::Error::custom(format!(
                        "a list holds more than {MAX} elements"
                    )));
                }
                list.push(element);
            }
            Ok(list)
        }
    }
    deserializer.deserialize_seq(Bounded::<T, MAX>(std::marker::PhantomData))
}

impl Manifest {
    /// Parses manifest bytes. Call only on bytes whose signature has verified (or, for
    /// `tamizdat info`, to show what an unverified header claims): a first pass counts the
    /// values without keeping them, so memory stays bounded whatever the bytes say.
    pub fn from_json(bytes: &[u8]) -> Result<Manifest, FormatError> {
        let mut count = 0;
        let mut counting = serde_json::Deserializer::from_slice(bytes);
        serde::de::DeserializeSeed::deserialize(ValueCounter { count: &mut count }, &mut counting)
            .map_err(|e| invalid(e.to_string()))?;
        serde_json::from_slice(bytes).map_err(|e| invalid(e.to_string()))
    }

    /// Canonical bytes: the exact bytes a publisher signs.
    pub fn to_json(&self) -> Vec<u8> {
        // Serialising plain structs, strings and integers cannot fail.
        serde_json::to_vec(self).unwrap_or_default()
    }

    /// Total bytes of the edition's files.
    pub fn total_file_size(&self) -> u64 {
        self.files.iter().map(|f| f.size).sum()
    }

    /// Checks that the manifest is self-consistent and within the limits, so that the code that
    /// streams the payload can rely on it. `key_id_hex` is the key id from the header preamble.
    pub fn validate(&self, key_id_hex: &str) -> Result<(), FormatError> {
        if self.publisher.key_id != key_id_hex {
            return Err(invalid(format!(
                "it names key id {} but the header names {key_id_hex}",
                self.publisher.key_id
            )));
        }
        check_channel(&self.channel).map_err(invalid)?;
        if parse_created(&self.created).is_none() {
            return Err(invalid(format!(
                "the creation time {:?} is not of the form 2026-11-25T09:30:00Z",
                self.created
            )));
        }
        for (what, text) in [
            ("publisher name", &self.publisher.name),
            ("title", &self.title),
            ("language", &self.language),
        ] {
            if !is_plain_text(text) {
                return Err(invalid(format!(
                    "the {what} is longer than {MAX_TEXT_LEN} bytes or has control or direction-changing characters"
                )));
            }
        }
        self.validate_frames()?;
        self.validate_files()?;
        self.validate_articles()
    }

    fn validate_frames(&self) -> Result<(), FormatError> {
        if self.frames.is_empty() {
            return Err(invalid("it lists no payload frames".into()));
        }
        if self.frames.len() > MAX_FRAMES {
            return Err(invalid(format!(
                "it lists {} frames, more than the limit of {MAX_FRAMES}",
                self.frames.len()
            )));
        }
        let mut offset = 0u64;
        let mut tar_length = 0u64;
        for (index, frame) in self.frames.iter().enumerate() {
            if frame.offset != offset {
                return Err(invalid(format!(
                    "frame {index} starts at {} but the previous frames end at {offset}",
                    frame.offset
                )));
            }
            if frame.length == 0 || frame.length > MAX_FRAME_LEN {
                return Err(invalid(format!(
                    "frame {index} is {} bytes; frames must be 1 to {MAX_FRAME_LEN} bytes",
                    frame.length
                )));
            }
            if frame.tar_length == 0 || frame.tar_length > MAX_FRAME_TAR_LEN {
                return Err(invalid(format!(
                    "frame {index} unpacks to {} bytes; frames must unpack to 1 to {MAX_FRAME_TAR_LEN} bytes",
                    frame.tar_length
                )));
            }
            offset += frame.length;
            tar_length += frame.tar_length;
        }
        if offset != self.payload.length {
            return Err(invalid(format!(
                "its frames add up to {offset} bytes but the payload is {} bytes",
                self.payload.length
            )));
        }
        if tar_length != self.payload.tar_length {
            return Err(invalid(format!(
                "its frames unpack to {tar_length} bytes but the payload claims {}",
                self.payload.tar_length
            )));
        }
        Ok(())
    }

    fn validate_files(&self) -> Result<(), FormatError> {
        if self.files.len() > MAX_FILES {
            return Err(invalid(format!(
                "it lists {} files, more than the limit of {MAX_FILES}",
                self.files.len()
            )));
        }
        // Bounds the tar stream by the declared file sizes, so a signed manifest cannot make a
        // reader decompress more than the edition it describes (plus fixed per-entry overhead).
        let mut tar_bound = TAR_END_LEN;
        let mut total_size = 0u64;
        let mut previous: Option<&FileEntry> = None;
        let mut by_key: HashMap<String, &EditionPath> = HashMap::with_capacity(self.files.len());
        let mut keys: Vec<String> = Vec::with_capacity(self.files.len());
        for file in &self.files {
            if let Some(previous) = previous {
                if previous.path.as_str().as_bytes() >= file.path.as_str().as_bytes() {
                    return Err(invalid(format!(
                        "files must be listed once each in byte order of their paths, but {:?} comes after {:?}",
                        file.path.as_str(),
                        previous.path.as_str()
                    )));
                }
                if file.frame < previous.frame {
                    return Err(invalid(format!(
                        "the file {:?} is placed in an earlier frame than the file before it",
                        file.path.as_str()
                    )));
                }
            }
            if file.frame as usize >= self.frames.len() {
                return Err(invalid(format!(
                    "the file {:?} is placed in frame {}, which does not exist",
                    file.path.as_str(),
                    file.frame
                )));
            }
            if file.media_type.len() > 255 || file.media_type.chars().any(char::is_control) {
                return Err(invalid(format!(
                    "the media type of {:?} is not valid",
                    file.path.as_str()
                )));
            }
            if file.size > MAX_FILE_SIZE {
                return Err(invalid(format!(
                    "the file {:?} declares {} bytes, more than the limit of {MAX_FILE_SIZE} for one file",
                    file.path.as_str(),
                    file.size
                )));
            }
            total_size += file.size;
            if total_size > MAX_TOTAL_SIZE {
                return Err(invalid(format!(
                    "its files declare more than {MAX_TOTAL_SIZE} bytes in all, the limit for one edition"
                )));
            }
            let key = file.path.collision_key();
            keys.push(key.clone());
            if let Some(other) = by_key.insert(key, &file.path) {
                return Err(invalid(format!(
                    "the paths {:?} and {:?} would be the same file on a case-insensitive disk",
                    other.as_str(),
                    file.path.as_str()
                )));
            }
            tar_bound = tar_bound.saturating_add(tar_entry_len_bound(file.size));
            previous = Some(file);
        }
        // A file cannot also be a folder holding other files ("a" and "a/b"). Case mapping and
        // NFC never move across a '/', so a folder's key is a prefix of its files' keys, and
        // each key is computed once.
        // Two folders whose names differ only in case or normalisation ("News/a", "news/b")
        // would be one folder on such a disk: refused like two such files, as pack does.
        let mut folders: HashMap<&str, &EditionPath> = HashMap::new();
        for (key, file) in keys.iter().zip(&self.files) {
            let original = file.path.as_str();
            for ((at, _), (original_at, _)) in
                key.match_indices('/').zip(original.match_indices('/'))
            {
                let first = *folders.entry(&key[..at]).or_insert(&file.path);
                let first_folder = first.as_str().get(..original_at);
                if first_folder != Some(&original[..original_at]) {
                    return Err(invalid(format!(
                        "the folders of {:?} and {:?} would be the same folder on a case-insensitive disk",
                        first.as_str(),
                        original
                    )));
                }
            }
        }
        for (key, file) in keys.iter().zip(&self.files) {
            let path = &file.path;
            if let Some(inside) = folders.get(key.as_str()) {
                return Err(invalid(format!(
                    "the file {:?} is also used as a folder by {:?}",
                    path.as_str(),
                    inside.as_str()
                )));
            }
        }
        if self.payload.tar_length > tar_bound {
            return Err(invalid(format!(
                "the payload unpacks to {} bytes, more than its files can need ({tar_bound})",
                self.payload.tar_length
            )));
        }
        Ok(())
    }

    fn validate_articles(&self) -> Result<(), FormatError> {
        if self.articles.len() > self.files.len() {
            return Err(invalid("it lists more articles than files".into()));
        }
        let mut previous: Option<&EditionPath> = None;
        for article in &self.articles {
            let name = article.main_file.as_str();
            if previous.is_some_and(|p| p.as_str().as_bytes() >= name.as_bytes()) {
                return Err(invalid(format!(
                    "articles must be listed once each in byte order of their paths, but {name:?} is not"
                )));
            }
            previous = Some(&article.main_file);
            if crate::format::article_kind(name).is_none() {
                return Err(invalid(format!(
                    "the article {name:?} is not a Markdown or HTML file"
                )));
            }
            // Shown to people: bounded, and no control characters that could rewrite a
            // terminal line or a page's layout.
            let texts = [
                Some(&article.title),
                article.date.as_ref(),
                article.language.as_ref(),
                article.summary.as_ref(),
            ];
            let all = texts.into_iter().flatten().chain(article.authors.iter());
            if let Some(bad) = all.into_iter().find(|text| !is_plain_text(text)) {
                return Err(invalid(format!(
                    "the article {name:?} has a text field longer than {MAX_TEXT_LEN} bytes or with control or direction-changing characters: {:?}",
                    bad.chars().take(40).collect::<String>()
                )));
            }
        }
        let is_file = |path: &EditionPath| {
            self.files
                .binary_search_by(|f| f.path.as_str().as_bytes().cmp(path.as_str().as_bytes()))
                .is_ok()
        };
        for article in &self.articles {
            if !is_file(&article.main_file) {
                return Err(invalid(format!(
                    "the article {:?} is not one of the bundle's files",
                    article.main_file.as_str()
                )));
            }
            if let Some(image) = article.images.iter().find(|i| !is_file(i)) {
                return Err(invalid(format!(
                    "the article {:?} shows the image {:?}, which is not one of the bundle's files",
                    article.main_file.as_str(),
                    image.as_str()
                )));
            }
        }
        Ok(())
    }

    /// The files whose tar entries start in the given frame, for naming what a damaged frame holds.
    pub fn files_in_frame(&self, frame: usize) -> impl Iterator<Item = &FileEntry> {
        self.files
            .iter()
            .filter(move |file| file.frame as usize == frame)
    }
}
