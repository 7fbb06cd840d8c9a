//! The manifest: the JSON document inside the signed header that describes the edition and
//! pins every byte of the payload. Serialised once by the publisher and signed as exact bytes;
//! a reader parses it only after the signature verifies (`tamizdat info` aside, which parses an
//! unverified one under the same limits, to show it marked UNVERIFIED), and never
//! re-serialises it to verify. Parsing is strict (`format::json`): FORMAT.md section 3.
//!
//! Unknown fields are ignored so that minor versions can add metadata; anything a reader must
//! understand to stay safe needs a new major version (see FORMAT.md).

use std::collections::HashMap;
use std::fmt;

use serde::de::MapAccess;
use serde::{Deserialize, Serialize};

use super::FormatError;
use super::Sha256Digest;
use super::frames::{MAX_FRAME_LEN, MAX_FRAME_TAR_LEN, TAR_END_LEN, tar_entry_len_bound};
use super::json::{Context, List, Member, deserialize_strict, read_strict, required, skip, value};
pub use super::json::{MAX_JSON_DEPTH, MAX_MANIFEST_VALUES};
use crate::format::path::{EditionPath, PathError};

/// More entries than this would make the manifest alone megabytes long; an edition with more
/// files than this should be split. Also bounds the work a hostile manifest can ask for.
pub const MAX_FILES: usize = 100_000;
/// Largest single file: 2^36 bytes (68.7 GB) holds hours of video; anything larger is no news edition, and
/// a bound keeps every size computation far from overflow.
pub const MAX_FILE_SIZE: u64 = 64 << 30;
/// Largest edition, all files together: 2^38 bytes (274.9 GB), beyond any edition and within what a reader
/// can check against free space before writing anything.
pub const MAX_TOTAL_SIZE: u64 = 256 << 30;
/// Most frames: enough for the largest edition (one frame per 4,194,304 bytes, one more per file at
/// most), so a manifest cannot ask a reader to walk hundreds of thousands of empty frames.
pub const MAX_FRAMES: usize = MAX_FILES + (MAX_TOTAL_SIZE / MAX_FRAME_TAR_LEN) as usize + 1;
/// Channel names appear in file names and mirror paths, so they are kept to a portable alphabet.
pub const MAX_CHANNEL_LEN: usize = 64;
/// Titles, names and summaries are shown to people; longer ones are a mistake or an attack.
pub const MAX_TEXT_LEN: usize = 4096;

/// Earliest `created`: the tar mtime is `created` in seconds since 1970, which cannot be negative.
pub const MIN_CREATED_UNIX: i64 = 0;
/// Latest `created`, 2242-03-16T12:56:31Z: 8^11 - 1 seconds, the most a tar header's 11 octal
/// digits of mtime hold. Later times would need another encoding of the field, so the format
/// has none.
pub const MAX_CREATED_UNIX: i64 = 0o77_777_777_777;

/// A member of the manifest, as messages name it: `files[].path`, or an element of a list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Name {
    /// The member's place: `the manifest`, `publisher`, `files[].size`, `articles[].authors`.
    pub member: &'static str,
    /// The name is of one element of that member's array.
    pub element: bool,
}

impl Name {
    /// The name of the whole member `member`, not of one element.
    pub const fn of(member: &'static str) -> Name {
        Name {
            member,
            element: false,
        }
    }
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.element {
            write!(f, "each element of {}", self.member)
        } else {
            f.write_str(self.member)
        }
    }
}

/// The kind of JSON value found where another was required.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Found {
    /// `true` or `false`.
    Bool,
    /// A number.
    Number,
    /// A string.
    String,
    /// An array.
    Array,
    /// An object.
    Object,
}

impl fmt::Display for Found {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Found::Bool => "true or false",
            Found::Number => "a number",
            Found::String => "a string",
            Found::Array => "an array",
            Found::Object => "an object",
        })
    }
}

/// Why a manifest was refused: while reading its JSON, or checking what it says.
/// Each message is one plain sentence (after "the signed manifest is not valid: ").
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ManifestError {
    /// The manifest is not valid JSON.
    #[error("it is not well-formed JSON (the error is at line {line}, column {column})")]
    Json {
        /// The line of the error, from 1.
        line: usize,
        /// The column of the error, from 1.
        column: usize,
    },
    /// The JSON holds more values than allowed.
    #[error("it holds more than {MAX_MANIFEST_VALUES} JSON values")]
    TooManyValues,
    /// Arrays and objects nest deeper than allowed.
    #[error("its arrays and objects nest more than {MAX_JSON_DEPTH} levels deep")]
    TooDeep,
    /// An object has the same member name twice.
    #[error("the member name {name:?} appears twice in one object")]
    DuplicateMember {
        /// The repeated member name.
        name: String,
    },
    /// A member has another JSON type than required.
    #[error("{name} must be {expected}, not {found}")]
    WrongType {
        /// The member, as messages name it.
        name: Name,
        /// What it must be, as words.
        expected: &'static str,
        /// The kind of value found.
        found: Found,
    },
    /// A member is `null`.
    #[error("{name} is null; a member without a value must be left out")]
    Null {
        /// The member, as messages name it.
        name: Name,
    },
    /// A member that must be a whole number is not one, or is too large.
    #[error(
        "{name} must be a whole number from 0 to {max} in plain digits (no sign, fraction or exponent), not {value}"
    )]
    NotAnInteger {
        /// The member, as messages name it.
        name: Name,
        /// The largest value allowed, as text.
        max: &'static str,
        /// The value found, as text.
        value: String,
    },
    /// A required member is absent.
    #[error("the required member {name} is missing")]
    Missing {
        /// The member, as messages name it.
        name: Name,
    },
    /// An array holds more elements than allowed.
    #[error("{name} holds more than {max} elements")]
    TooManyElements {
        /// The member, as messages name it.
        name: Name,
        /// The most elements allowed.
        max: usize,
    },
    /// A digest is not 64 lowercase hex digits.
    #[error("{name} must be 64 lowercase hex digits")]
    Digest {
        /// The member, as messages name it.
        name: Name,
    },
    /// A path breaks the path rules.
    #[error("{0}")]
    Path(PathError),

    /// The manifest's key id differs from the header's.
    #[error("it names key id {manifest} but the header names {header}")]
    KeyIdMismatch {
        /// The key id in the manifest.
        manifest: String,
        /// The key id in the header, as hex.
        header: String,
    },
    /// The channel name breaks the channel rules.
    #[error(
        "the channel {channel:?} must be 1 to {MAX_CHANNEL_LEN} characters of a-z, 0-9, '.', '_' and '-', starting with a letter or digit"
    )]
    Channel {
        /// The channel as given.
        channel: String,
    },
    /// The creation time is not in the required form.
    #[error("the creation time {created:?} is not of the form 2026-11-25T09:30:00Z")]
    CreatedForm {
        /// The creation time as given.
        created: String,
    },
    /// The creation time cannot be held in a tar header.
    #[error(
        "the creation time {created:?} is outside 1970-01-01T00:00:00Z to 2242-03-16T12:56:31Z, the times a tar header holds"
    )]
    CreatedRange {
        /// The creation time as given.
        created: String,
    },
    /// A text member is too long or has forbidden characters.
    #[error(
        "the {what} is longer than {MAX_TEXT_LEN} bytes or has control or direction-changing characters"
    )]
    Text {
        /// Which text member, as words.
        what: &'static str,
    },
    /// The edition's language is not a language tag.
    #[error("the language {tag:?} is not a language tag such as en, fa or pt-BR")]
    Language {
        /// The language as given.
        tag: String,
    },
    /// The frame list is empty.
    #[error("it lists no payload frames")]
    NoFrames,
    /// The frame list is longer than allowed.
    #[error("it lists {count} frames, more than the limit of {MAX_FRAMES}")]
    TooManyFrames {
        /// How many frames it lists.
        count: usize,
    },
    /// A frame does not start where the frames before it end.
    #[error("frame {index} starts at {offset} but the previous frames end at {expected}")]
    FrameOffset {
        /// The frame's index, from 0.
        index: usize,
        /// Its offset in the payload, in bytes.
        offset: u64,
        /// Where the previous frames end, in bytes.
        expected: u64,
    },
    /// A frame's compressed length is 0 or too large.
    #[error(
        "frame {index} is {} bytes; frames must be 1 to {} bytes",
        crate::format::text::thousands(*.length),
        crate::format::text::thousands(MAX_FRAME_LEN)
    )]
    FrameLength {
        /// The frame's index, from 0.
        index: usize,
        /// Its compressed length, in bytes.
        length: u64,
    },
    /// A frame's uncompressed length is 0 or too large.
    #[error(
        "frame {index} unpacks to {} bytes; frames must unpack to 1 to {} bytes",
        crate::format::text::thousands(*.tar_length),
        crate::format::text::thousands(MAX_FRAME_TAR_LEN)
    )]
    FrameTarLength {
        /// The frame's index, from 0.
        index: usize,
        /// Its uncompressed length, in bytes.
        tar_length: u64,
    },
    /// The frames' lengths do not add up to the payload length.
    #[error("its frames add up to {frames} bytes but the payload is {payload} bytes")]
    PayloadLength {
        /// The sum of the frames' lengths, in bytes.
        frames: u64,
        /// The payload length, in bytes.
        payload: u64,
    },
    /// The frames' tar lengths do not add up to the payload's tar length.
    #[error("its frames unpack to {frames} bytes but the payload claims {payload}")]
    PayloadTarLength {
        /// The sum of the frames' tar lengths, in bytes.
        frames: u64,
        /// The payload's tar length, in bytes.
        payload: u64,
    },
    /// The file list is empty.
    #[error("it lists no files: an edition holds at least one")]
    NoFiles,
    /// The file list is longer than allowed.
    #[error("it lists {count} files, more than the limit of {MAX_FILES}")]
    TooManyFiles {
        /// How many files it lists.
        count: usize,
    },
    /// Files are not in strict byte order of their paths.
    #[error(
        "files must be listed once each in byte order of their paths, but {path:?} comes after {previous:?}"
    )]
    FileOrder {
        /// The file's path as the manifest lists it.
        path: String,
        /// The path listed before it.
        previous: String,
    },
    /// A file is placed in an earlier frame than the one before it.
    #[error("the file {path:?} is placed in an earlier frame than the file before it")]
    FileFrameOrder {
        /// The file's path as the manifest lists it.
        path: String,
    },
    /// A file is placed in a frame that does not exist.
    #[error("the file {path:?} is placed in frame {frame}, which does not exist")]
    FileFrameMissing {
        /// The file's path as the manifest lists it.
        path: String,
        /// The frame index it gives.
        frame: u32,
    },
    /// A media type is too long or has control characters.
    #[error("the media type of {path:?} is longer than 255 bytes or has control characters")]
    MediaType {
        /// The file's path as the manifest lists it.
        path: String,
    },
    /// A file declares more bytes than one file may have.
    #[error(
        "the file {path:?} declares {} bytes, more than the limit of {} bytes for one file",
        crate::format::text::thousands(*.size),
        crate::format::text::thousands(MAX_FILE_SIZE)
    )]
    FileTooLarge {
        /// The file's path as the manifest lists it.
        path: String,
        /// Its declared size, in bytes.
        size: u64,
    },
    /// The files together declare more bytes than an edition may have.
    #[error(
        "its files declare more than {} bytes in all, the limit for one edition",
        crate::format::text::thousands(MAX_TOTAL_SIZE)
    )]
    TotalTooLarge,
    /// Two paths differ only in letter case.
    #[error("the paths {first:?} and {second:?} would be the same file on a case-insensitive disk")]
    PathCollision {
        /// One of the paths.
        first: String,
        /// The other path.
        second: String,
    },
    /// Two paths' folders differ only in letter case.
    #[error(
        "the folders of {first:?} and {second:?} would be the same folder on a case-insensitive disk"
    )]
    FolderCollision {
        /// One of the paths.
        first: String,
        /// The other path.
        second: String,
    },
    /// A file's path is also a folder of another file.
    #[error("the file {path:?} is also used as a folder by {inside:?}")]
    FileIsFolder {
        /// The file's path as the manifest lists it.
        path: String,
        /// A path inside it.
        inside: String,
    },
    /// The tar stream is longer than its files can need.
    #[error("the payload unpacks to {tar_length} bytes, more than its files can need ({bound})")]
    TarTooLong {
        /// The payload's tar length, in bytes.
        tar_length: u64,
        /// The most its files can need, in bytes.
        bound: u64,
    },
    /// There are more articles than files.
    #[error("it lists more articles than files")]
    TooManyArticles,
    /// Articles are not in strict byte order of their main files.
    #[error("articles must be listed once each in byte order of their paths, but {path:?} is not")]
    ArticleOrder {
        /// The article's main file, as the manifest lists it.
        path: String,
    },
    /// An article's main file is not Markdown or HTML.
    #[error("the article {path:?} is not a Markdown or HTML file")]
    NotAnArticle {
        /// The article's main file, as the manifest lists it.
        path: String,
    },
    /// An article's text member is too long or has forbidden characters.
    #[error(
        "the article {path:?} has a text field longer than {MAX_TEXT_LEN} bytes or with control or direction-changing characters: {start:?}"
    )]
    ArticleText {
        /// The article's main file, as the manifest lists it.
        path: String,
        /// The start of the bad text.
        start: String,
    },
    /// An article's language is not a language tag.
    #[error(
        "the article {path:?} gives the language {tag:?}, which is not a language tag such as en, fa or pt-BR"
    )]
    ArticleLanguage {
        /// The article's main file, as the manifest lists it.
        path: String,
        /// The language as given.
        tag: String,
    },
    /// An article's main file is not among the files.
    #[error("the article {path:?} is not one of the bundle's files")]
    ArticleNotAFile {
        /// The article's main file, as the manifest lists it.
        path: String,
    },
    /// An article's image is not among the files.
    #[error(
        "the article {path:?} shows the image {image:?}, which is not one of the bundle's files"
    )]
    ImageNotAFile {
        /// The article's main file, as the manifest lists it.
        path: String,
        /// The image's path as given.
        image: String,
    },
}

/// A BCP 47 language tag, checked for its shape only (RFC 5646 section 2.1, simplified): subtags
/// of ASCII letters and digits separated by `-`, the first 2 to 8 letters, the others 1 to 8
/// characters. `und`, `en`, `fa`, `pt-BR`, `zh-Hant-TW`, `sr-Latn` pass; `../../etc`, `en_US`,
/// `` and `x-private` do not.
pub fn is_language_tag(tag: &str) -> bool {
    let mut subtags = tag.split('-');
    let first_ok = subtags
        .next()
        .is_some_and(|s| (2..=8).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphabetic()));
    first_ok
        && subtags
            .all(|s| (1..=8).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric()))
}

/// The signed manifest: what an edition holds and who published it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Manifest {
    /// Who signed the edition.
    pub publisher: Publisher,
    /// A publisher's stream of editions, e.g. `news-ru`.
    pub channel: String,
    /// Increases with every edition of a publisher and channel; readers use it to spot rollback.
    pub sequence: u64,
    /// Creation time, RFC 3339 in UTC with a `Z` and whole seconds.
    pub created: String,
    /// The edition's title.
    pub title: String,
    /// BCP 47 language tag of the edition, e.g. `ru`, `fa`, `en`.
    pub language: String,
    /// Length and digest of the compressed payload.
    pub payload: Payload,
    /// The payload's zstd frames, in order.
    pub frames: Vec<Frame>,
    /// The edition's files, in byte order of their paths.
    pub files: Vec<FileEntry>,
    /// The edition's articles, in byte order of their main files.
    pub articles: Vec<Article>,
}

/// The publisher of an edition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Publisher {
    /// 16 lowercase hex digits; must equal the key id in the header preamble.
    pub key_id: String,
    /// The name the publisher gave its key. Readers show the name from their own trust store.
    pub name: String,
}

/// The compressed payload that follows the header.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Payload {
    /// Bytes of compressed payload after the header: the rest of the file, exactly.
    pub length: u64,
    /// SHA-256 of those bytes; `verify --quick` checks only this.
    pub sha256: Sha256Digest,
    /// Bytes of the uncompressed tar stream.
    pub tar_length: u64,
}

/// One zstd frame of the payload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
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

/// One file of the edition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileEntry {
    /// The file's path inside the edition.
    pub path: EditionPath,
    /// The file's size, in bytes.
    pub size: u64,
    /// SHA-256 of the file's contents.
    pub sha256: Sha256Digest,
    /// The file's media type, e.g. `text/markdown`.
    pub media_type: String,
    /// Index of the frame in which this file's tar entry starts.
    pub frame: u32,
}

/// One article of the edition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Article {
    /// The file people open to read the article (Markdown or HTML).
    pub main_file: EditionPath,
    /// The article's title.
    pub title: String,
    /// The article's date, as the publisher wrote it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    /// The article's authors.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub authors: Vec<String>,
    /// BCP 47 language tag, when it differs from the edition's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// A short summary of the article.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// Images the article shows, all of them files of this bundle.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub images: Vec<EditionPath>,
}

// Reading the structs: objects only (never serde's array-of-fields form), every known member
// read as exactly its type, unknown members skipped, missing required members refused.

macro_rules! strict_deserialize {
    ($($ty:ty => $name:literal),* $(,)?) => {$(
        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                deserialize_strict(deserializer, Name::of($name))
            }
        }
    )*};
}

strict_deserialize! {
    Manifest => "the manifest",
    Publisher => "publisher",
    Payload => "payload",
    Frame => "each element of frames",
    FileEntry => "each element of files",
    Article => "each element of articles",
}

impl Member for Manifest {
    const EXPECTED: &'static str = "an object";
    fn from_map<'de, A: MapAccess<'de>>(
        mut map: A,
        cx: &Context,
        _: Name,
    ) -> Result<Self, A::Error> {
        const PUBLISHER: Name = Name::of("publisher");
        const CHANNEL: Name = Name::of("channel");
        const SEQUENCE: Name = Name::of("sequence");
        const CREATED: Name = Name::of("created");
        const TITLE: Name = Name::of("title");
        const LANGUAGE: Name = Name::of("language");
        const PAYLOAD: Name = Name::of("payload");
        const FRAMES: Name = Name::of("frames");
        const FILES: Name = Name::of("files");
        const ARTICLES: Name = Name::of("articles");
        let (mut publisher, mut channel, mut sequence, mut created) = (None, None, None, None);
        let (mut title, mut language, mut payload) = (None, None, None);
        let (mut frames, mut files, mut articles) = (None, None, None);
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "publisher" => publisher = Some(value(&mut map, cx, PUBLISHER)?),
                "channel" => channel = Some(value(&mut map, cx, CHANNEL)?),
                "sequence" => sequence = Some(value(&mut map, cx, SEQUENCE)?),
                "created" => created = Some(value(&mut map, cx, CREATED)?),
                "title" => title = Some(value(&mut map, cx, TITLE)?),
                "language" => language = Some(value(&mut map, cx, LANGUAGE)?),
                "payload" => payload = Some(value(&mut map, cx, PAYLOAD)?),
                "frames" => {
                    frames = Some(value::<List<_, { usize::MAX }>, _>(&mut map, cx, FRAMES)?.0)
                }
                "files" => {
                    files = Some(value::<List<_, { usize::MAX }>, _>(&mut map, cx, FILES)?.0)
                }
                "articles" => {
                    articles = Some(value::<List<_, { usize::MAX }>, _>(&mut map, cx, ARTICLES)?.0)
                }
                _ => skip(&mut map)?,
            }
        }
        Ok(Manifest {
            publisher: required(publisher, cx, PUBLISHER)?,
            channel: required(channel, cx, CHANNEL)?,
            sequence: required(sequence, cx, SEQUENCE)?,
            created: required(created, cx, CREATED)?,
            title: required(title, cx, TITLE)?,
            language: required(language, cx, LANGUAGE)?,
            payload: required(payload, cx, PAYLOAD)?,
            frames: required(frames, cx, FRAMES)?,
            files: required(files, cx, FILES)?,
            articles: required(articles, cx, ARTICLES)?,
        })
    }
}

impl Member for Publisher {
    const EXPECTED: &'static str = "an object";
    fn from_map<'de, A: MapAccess<'de>>(
        mut map: A,
        cx: &Context,
        _: Name,
    ) -> Result<Self, A::Error> {
        const KEY_ID: Name = Name::of("publisher.key_id");
        const NAME: Name = Name::of("publisher.name");
        let (mut key_id, mut name) = (None, None);
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "key_id" => key_id = Some(value(&mut map, cx, KEY_ID)?),
                "name" => name = Some(value(&mut map, cx, NAME)?),
                _ => skip(&mut map)?,
            }
        }
        Ok(Publisher {
            key_id: required(key_id, cx, KEY_ID)?,
            name: required(name, cx, NAME)?,
        })
    }
}

impl Member for Payload {
    const EXPECTED: &'static str = "an object";
    fn from_map<'de, A: MapAccess<'de>>(
        mut map: A,
        cx: &Context,
        _: Name,
    ) -> Result<Self, A::Error> {
        const LENGTH: Name = Name::of("payload.length");
        const SHA256: Name = Name::of("payload.sha256");
        const TAR_LENGTH: Name = Name::of("payload.tar_length");
        let (mut length, mut sha256, mut tar_length) = (None, None, None);
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "length" => length = Some(value(&mut map, cx, LENGTH)?),
                "sha256" => sha256 = Some(value(&mut map, cx, SHA256)?),
                "tar_length" => tar_length = Some(value(&mut map, cx, TAR_LENGTH)?),
                _ => skip(&mut map)?,
            }
        }
        Ok(Payload {
            length: required(length, cx, LENGTH)?,
            sha256: required(sha256, cx, SHA256)?,
            tar_length: required(tar_length, cx, TAR_LENGTH)?,
        })
    }
}

impl Member for Frame {
    const EXPECTED: &'static str = "an object";
    fn from_map<'de, A: MapAccess<'de>>(
        mut map: A,
        cx: &Context,
        _: Name,
    ) -> Result<Self, A::Error> {
        const OFFSET: Name = Name::of("frames[].offset");
        const LENGTH: Name = Name::of("frames[].length");
        const TAR_LENGTH: Name = Name::of("frames[].tar_length");
        const SHA256: Name = Name::of("frames[].sha256");
        let (mut offset, mut length, mut tar_length, mut sha256) = (None, None, None, None);
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "offset" => offset = Some(value(&mut map, cx, OFFSET)?),
                "length" => length = Some(value(&mut map, cx, LENGTH)?),
                "tar_length" => tar_length = Some(value(&mut map, cx, TAR_LENGTH)?),
                "sha256" => sha256 = Some(value(&mut map, cx, SHA256)?),
                _ => skip(&mut map)?,
            }
        }
        Ok(Frame {
            offset: required(offset, cx, OFFSET)?,
            length: required(length, cx, LENGTH)?,
            tar_length: required(tar_length, cx, TAR_LENGTH)?,
            sha256: required(sha256, cx, SHA256)?,
        })
    }
}

impl Member for FileEntry {
    const EXPECTED: &'static str = "an object";
    fn from_map<'de, A: MapAccess<'de>>(
        mut map: A,
        cx: &Context,
        _: Name,
    ) -> Result<Self, A::Error> {
        const PATH: Name = Name::of("files[].path");
        const SIZE: Name = Name::of("files[].size");
        const SHA256: Name = Name::of("files[].sha256");
        const MEDIA_TYPE: Name = Name::of("files[].media_type");
        const FRAME: Name = Name::of("files[].frame");
        let (mut path, mut size, mut sha256, mut media_type, mut frame) =
            (None, None, None, None, None);
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "path" => path = Some(value(&mut map, cx, PATH)?),
                "size" => size = Some(value(&mut map, cx, SIZE)?),
                "sha256" => sha256 = Some(value(&mut map, cx, SHA256)?),
                "media_type" => media_type = Some(value(&mut map, cx, MEDIA_TYPE)?),
                "frame" => frame = Some(value(&mut map, cx, FRAME)?),
                _ => skip(&mut map)?,
            }
        }
        Ok(FileEntry {
            path: required(path, cx, PATH)?,
            size: required(size, cx, SIZE)?,
            sha256: required(sha256, cx, SHA256)?,
            media_type: required(media_type, cx, MEDIA_TYPE)?,
            frame: required(frame, cx, FRAME)?,
        })
    }
}

impl Member for Article {
    const EXPECTED: &'static str = "an object";
    fn from_map<'de, A: MapAccess<'de>>(
        mut map: A,
        cx: &Context,
        _: Name,
    ) -> Result<Self, A::Error> {
        const MAIN_FILE: Name = Name::of("articles[].main_file");
        const TITLE: Name = Name::of("articles[].title");
        const DATE: Name = Name::of("articles[].date");
        const AUTHORS: Name = Name::of("articles[].authors");
        const LANGUAGE: Name = Name::of("articles[].language");
        const SUMMARY: Name = Name::of("articles[].summary");
        const IMAGES: Name = Name::of("articles[].images");
        let (mut main_file, mut title, mut date, mut language, mut summary) =
            (None, None, None, None, None);
        let (mut authors, mut images) = (Vec::new(), Vec::new());
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "main_file" => main_file = Some(value(&mut map, cx, MAIN_FILE)?),
                "title" => title = Some(value(&mut map, cx, TITLE)?),
                "date" => date = Some(value(&mut map, cx, DATE)?),
                "authors" => {
                    authors = value::<List<_, MAX_AUTHORS>, _>(&mut map, cx, AUTHORS)?.0;
                }
                "language" => language = Some(value(&mut map, cx, LANGUAGE)?),
                "summary" => summary = Some(value(&mut map, cx, SUMMARY)?),
                "images" => images = value::<List<_, MAX_IMAGES>, _>(&mut map, cx, IMAGES)?.0,
                _ => skip(&mut map)?,
            }
        }
        Ok(Article {
            main_file: required(main_file, cx, MAIN_FILE)?,
            title: required(title, cx, TITLE)?,
            date,
            authors,
            language,
            summary,
            images,
        })
    }
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

/// Channel names: 1 to 64 of `a-z 0-9 . _ -`, starting with a letter or digit.
pub fn check_channel(channel: &str) -> Result<(), ManifestError> {
    let valid_chars = channel
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b));
    let valid_start = channel
        .bytes()
        .next()
        .is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
    if channel.len() > MAX_CHANNEL_LEN || !valid_chars || !valid_start {
        return Err(ManifestError::Channel {
            channel: channel.to_owned(),
        });
    }
    Ok(())
}

/// The first 40 characters of a text, for a message.
fn shown_start(text: &str) -> String {
    text.chars().take(40).collect()
}

/// Checks the creation time: exactly `YYYY-MM-DDTHH:MM:SSZ`, from 1970 to the last second a
/// tar header's mtime holds.
pub fn check_created(created: &str) -> Result<time::OffsetDateTime, ManifestError> {
    let at = parse_created(created).ok_or_else(|| ManifestError::CreatedForm {
        created: shown_start(created),
    })?;
    if !(MIN_CREATED_UNIX..=MAX_CREATED_UNIX).contains(&at.unix_timestamp()) {
        return Err(ManifestError::CreatedRange {
            created: created.to_owned(),
        });
    }
    Ok(at)
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

/// Authors of one article.
pub const MAX_AUTHORS: usize = 64;
/// Images of one article.
pub const MAX_IMAGES: usize = 1024;

impl Manifest {
    /// Parses manifest bytes. Call only on bytes whose signature has verified (or, for
    /// `tamizdat info`, to show what an unverified header claims): a first pass counts the
    /// values without keeping them, so memory stays bounded whatever the bytes say.
    pub fn from_json(bytes: &[u8]) -> Result<Manifest, FormatError> {
        Ok(read_strict(bytes, Name::of("the manifest"))?)
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
        Ok(self.check(key_id_hex)?)
    }

    fn check(&self, key_id_hex: &str) -> Result<(), ManifestError> {
        if self.publisher.key_id != key_id_hex {
            return Err(ManifestError::KeyIdMismatch {
                manifest: self.publisher.key_id.clone(),
                header: key_id_hex.to_owned(),
            });
        }
        check_channel(&self.channel)?;
        check_created(&self.created)?;
        for (what, text) in [
            ("publisher name", &self.publisher.name),
            ("title", &self.title),
        ] {
            if !is_plain_text(text) {
                return Err(ManifestError::Text { what });
            }
        }
        if !is_language_tag(&self.language) {
            return Err(ManifestError::Language {
                tag: shown_start(&self.language),
            });
        }
        self.validate_frames()?;
        self.validate_files()?;
        self.validate_articles()
    }

    fn validate_frames(&self) -> Result<(), ManifestError> {
        if self.frames.is_empty() {
            return Err(ManifestError::NoFrames);
        }
        if self.frames.len() > MAX_FRAMES {
            return Err(ManifestError::TooManyFrames {
                count: self.frames.len(),
            });
        }
        let mut offset = 0u64;
        let mut tar_length = 0u64;
        for (index, frame) in self.frames.iter().enumerate() {
            if frame.offset != offset {
                return Err(ManifestError::FrameOffset {
                    index,
                    offset: frame.offset,
                    expected: offset,
                });
            }
            if frame.length == 0 || frame.length > MAX_FRAME_LEN {
                return Err(ManifestError::FrameLength {
                    index,
                    length: frame.length,
                });
            }
            if frame.tar_length == 0 || frame.tar_length > MAX_FRAME_TAR_LEN {
                return Err(ManifestError::FrameTarLength {
                    index,
                    tar_length: frame.tar_length,
                });
            }
            offset += frame.length;
            tar_length += frame.tar_length;
        }
        if offset != self.payload.length {
            return Err(ManifestError::PayloadLength {
                frames: offset,
                payload: self.payload.length,
            });
        }
        if tar_length != self.payload.tar_length {
            return Err(ManifestError::PayloadTarLength {
                frames: tar_length,
                payload: self.payload.tar_length,
            });
        }
        Ok(())
    }

    fn validate_files(&self) -> Result<(), ManifestError> {
        if self.files.is_empty() {
            return Err(ManifestError::NoFiles);
        }
        if self.files.len() > MAX_FILES {
            return Err(ManifestError::TooManyFiles {
                count: self.files.len(),
            });
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
                    return Err(ManifestError::FileOrder {
                        path: file.path.to_string(),
                        previous: previous.path.to_string(),
                    });
                }
                if file.frame < previous.frame {
                    return Err(ManifestError::FileFrameOrder {
                        path: file.path.to_string(),
                    });
                }
            }
            if file.frame as usize >= self.frames.len() {
                return Err(ManifestError::FileFrameMissing {
                    path: file.path.to_string(),
                    frame: file.frame,
                });
            }
            if file.media_type.len() > 255 || file.media_type.chars().any(char::is_control) {
                return Err(ManifestError::MediaType {
                    path: file.path.to_string(),
                });
            }
            if file.size > MAX_FILE_SIZE {
                return Err(ManifestError::FileTooLarge {
                    path: file.path.to_string(),
                    size: file.size,
                });
            }
            total_size += file.size;
            if total_size > MAX_TOTAL_SIZE {
                return Err(ManifestError::TotalTooLarge);
            }
            let key = file.path.collision_key();
            keys.push(key.clone());
            if let Some(other) = by_key.insert(key, &file.path) {
                return Err(ManifestError::PathCollision {
                    first: other.to_string(),
                    second: file.path.to_string(),
                });
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
                    return Err(ManifestError::FolderCollision {
                        first: first.to_string(),
                        second: original.to_owned(),
                    });
                }
            }
        }
        for (key, file) in keys.iter().zip(&self.files) {
            let path = &file.path;
            if let Some(inside) = folders.get(key.as_str()) {
                return Err(ManifestError::FileIsFolder {
                    path: path.to_string(),
                    inside: inside.to_string(),
                });
            }
        }
        if self.payload.tar_length > tar_bound {
            return Err(ManifestError::TarTooLong {
                tar_length: self.payload.tar_length,
                bound: tar_bound,
            });
        }
        Ok(())
    }

    fn validate_articles(&self) -> Result<(), ManifestError> {
        if self.articles.len() > self.files.len() {
            return Err(ManifestError::TooManyArticles);
        }
        let mut previous: Option<&EditionPath> = None;
        for article in &self.articles {
            let name = article.main_file.as_str();
            if previous.is_some_and(|p| p.as_str().as_bytes() >= name.as_bytes()) {
                return Err(ManifestError::ArticleOrder {
                    path: name.to_owned(),
                });
            }
            previous = Some(&article.main_file);
            if crate::format::article_kind(name).is_none() {
                return Err(ManifestError::NotAnArticle {
                    path: name.to_owned(),
                });
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
                return Err(ManifestError::ArticleText {
                    path: name.to_owned(),
                    start: bad.chars().take(40).collect(),
                });
            }
            if let Some(tag) = article.language.as_ref().filter(|l| !is_language_tag(l)) {
                return Err(ManifestError::ArticleLanguage {
                    path: name.to_owned(),
                    tag: shown_start(tag),
                });
            }
        }
        let is_file = |path: &EditionPath| {
            self.files
                .binary_search_by(|f| f.path.as_str().as_bytes().cmp(path.as_str().as_bytes()))
                .is_ok()
        };
        for article in &self.articles {
            if !is_file(&article.main_file) {
                return Err(ManifestError::ArticleNotAFile {
                    path: article.main_file.to_string(),
                });
            }
            if let Some(image) = article.images.iter().find(|i| !is_file(i)) {
                return Err(ManifestError::ImageNotAFile {
                    path: article.main_file.to_string(),
                    image: image.to_string(),
                });
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

#[cfg(test)]
mod tests {
    use super::*;

    const KEY_ID: &str = "7b3214c4e1d24c8f";

    /// A small manifest that validates.
    fn sample() -> Manifest {
        let digest = Sha256Digest([7; 32]);
        Manifest {
            publisher: Publisher {
                key_id: KEY_ID.into(),
                name: "Key".into(),
            },
            channel: "news".into(),
            sequence: 7,
            created: "2026-11-25T09:30:00Z".into(),
            title: "Edition".into(),
            language: "en".into(),
            payload: Payload {
                length: 100,
                sha256: digest,
                tar_length: 3072,
            },
            frames: vec![Frame {
                offset: 0,
                length: 100,
                tar_length: 3072,
                sha256: digest,
            }],
            files: vec![FileEntry {
                path: EditionPath::new("index.md").unwrap(),
                size: 10,
                sha256: digest,
                media_type: "text/markdown; charset=utf-8".into(),
                frame: 0,
            }],
            articles: vec![Article {
                main_file: EditionPath::new("index.md").unwrap(),
                title: "A".into(),
                date: Some("2026-11-25".into()),
                authors: vec!["Someone".into()],
                language: Some("en".into()),
                summary: Some("S".into()),
                images: vec![],
            }],
        }
    }

    fn json_value(manifest: &Manifest) -> serde_json::Value {
        serde_json::from_slice(&manifest.to_json()).unwrap()
    }

    fn parse(value: &serde_json::Value) -> Result<Manifest, ManifestError> {
        match Manifest::from_json(value.to_string().as_bytes()) {
            Ok(manifest) => Ok(manifest),
            Err(FormatError::InvalidManifest(error)) => Err(error),
            Err(other) => panic!("not a manifest error: {other}"),
        }
    }

    /// The object as serde's sequence form for structs: its member values in field order.
    fn as_array(value: &serde_json::Value) -> serde_json::Value {
        serde_json::Value::Array(value.as_object().unwrap().values().cloned().collect())
    }

    #[test]
    fn the_sample_parses_and_validates() {
        let manifest = sample();
        assert_eq!(parse(&json_value(&manifest)).unwrap(), manifest);
        manifest.validate(KEY_ID).unwrap();
    }

    #[test]
    fn objects_written_as_arrays_are_refused_everywhere() {
        let good = json_value(&sample());
        let mut cases = vec![("the manifest", as_array(&good))];
        for (member, pointer) in [
            ("publisher", "/publisher"),
            ("payload", "/payload"),
            ("each element of frames", "/frames/0"),
            ("each element of files", "/files/0"),
            ("each element of articles", "/articles/0"),
        ] {
            let mut value = good.clone();
            let target = value.pointer_mut(pointer).unwrap();
            *target = as_array(target);
            cases.push((member, value));
        }
        for (member, value) in cases {
            let error = parse(&value).unwrap_err();
            assert!(
                matches!(
                    &error,
                    ManifestError::WrongType {
                        found: Found::Array,
                        expected: "an object",
                        ..
                    }
                ),
                "{member}: {error:?}"
            );
            assert_eq!(
                error.to_string(),
                format!("{member} must be an object, not an array")
            );
        }
    }

    #[test]
    fn null_is_refused_for_every_optional_member() {
        let good = json_value(&sample());
        for member in ["date", "language", "summary", "authors", "images"] {
            let mut value = good.clone();
            value["articles"][0][member] = serde_json::Value::Null;
            let error = parse(&value).unwrap_err();
            assert_eq!(
                error,
                ManifestError::Null {
                    name: Name::of(match member {
                        "date" => "articles[].date",
                        "language" => "articles[].language",
                        "summary" => "articles[].summary",
                        "authors" => "articles[].authors",
                        _ => "articles[].images",
                    })
                },
                "{member}"
            );
        }
        // Required members too, and unknown members are still ignored whatever they hold.
        let mut value = good.clone();
        value["title"] = serde_json::Value::Null;
        assert!(matches!(parse(&value), Err(ManifestError::Null { .. })));
        let mut value = good.clone();
        value["future"] = serde_json::Value::Null;
        parse(&value).unwrap();
        // Omitted optional members are fine.
        let mut value = good;
        for member in ["date", "language", "summary", "authors", "images"] {
            value["articles"][0].as_object_mut().unwrap().remove(member);
        }
        parse(&value).unwrap();
    }

    /// The sample with `depth` levels of arrays and objects in all (the manifest is level 1).
    fn nested(depth: usize) -> Vec<u8> {
        let inner = depth - 1;
        let mut json = sample().to_json();
        json.pop();
        json.extend_from_slice(b",\"nested\":");
        json.extend(std::iter::repeat_n(b'[', inner));
        json.extend(std::iter::repeat_n(b']', inner));
        json.push(b'}');
        json
    }

    #[test]
    fn nesting_of_exactly_128_is_accepted_and_129_refused() {
        Manifest::from_json(&nested(MAX_JSON_DEPTH)).unwrap();
        assert!(matches!(
            Manifest::from_json(&nested(MAX_JSON_DEPTH + 1)),
            Err(FormatError::InvalidManifest(ManifestError::TooDeep))
        ));
        // Objects count as levels like arrays.
        let mut json = sample().to_json();
        json.pop();
        json.extend_from_slice(b",\"nested\":");
        for _ in 0..MAX_JSON_DEPTH {
            json.extend_from_slice(b"{\"a\":");
        }
        json.push(b'1');
        json.extend(std::iter::repeat_n(b'}', MAX_JSON_DEPTH + 1));
        assert!(matches!(
            Manifest::from_json(&json),
            Err(FormatError::InvalidManifest(ManifestError::TooDeep))
        ));
    }

    #[test]
    fn integers_that_are_not_plain_digits_are_named_for_what_is_wrong() {
        let good = json_value(&sample()).to_string();
        for (text, shown) in [
            ("1.5", "1.5"),
            ("7.0", "7.0"),
            ("7e0", "7.0"),
            ("-1", "-1"),
            ("-0", "-0.0"),
            ("18446744073709551616", "1.8446744073709552e19"),
        ] {
            let json = good.replace("\"sequence\":7", &format!("\"sequence\":{text}"));
            let error = Manifest::from_json(json.as_bytes()).unwrap_err();
            assert_eq!(
                error.to_string(),
                format!(
                    "the signed manifest is not valid: sequence must be a whole number from 0 to 2^64-1 in plain digits (no sign, fraction or exponent), not {shown}"
                ),
                "{text}"
            );
            assert!(!error.to_string().contains("floating"), "{error}");
        }
        let json = good.replace("\"frame\":0", "\"frame\":4294967296");
        let error = Manifest::from_json(json.as_bytes()).unwrap_err();
        assert!(
            error.to_string().ends_with(
                "files[].frame must be a whole number from 0 to 2^32-1 in plain digits (no sign, fraction or exponent), not 4294967296"
            ),
            "{error}"
        );
        let json = good.replace("\"sequence\":7", "\"sequence\":\"7\"");
        assert_eq!(
            Manifest::from_json(json.as_bytes())
                .unwrap_err()
                .to_string(),
            "the signed manifest is not valid: sequence must be a whole number, not a string"
        );
    }

    #[test]
    fn missing_members_and_bad_digests_are_named() {
        let mut value = json_value(&sample());
        value["files"][0].as_object_mut().unwrap().remove("size");
        assert_eq!(
            parse(&value).unwrap_err(),
            ManifestError::Missing {
                name: Name::of("files[].size")
            }
        );
        let mut value = json_value(&sample());
        value["payload"]["sha256"] = "AB".repeat(32).into();
        assert_eq!(
            parse(&value).unwrap_err(),
            ManifestError::Digest {
                name: Name::of("payload.sha256")
            }
        );
        let mut value = json_value(&sample());
        value["articles"][0]["authors"] = serde_json::json!(["a", 5]);
        assert_eq!(
            parse(&value).unwrap_err().to_string(),
            "each element of articles[].authors must be a string, not a number"
        );
    }

    #[test]
    fn values_limit_counts_arrays_and_literals() {
        // Each `[]`, `null`, `true` is one value: a manifest of nothing but empty arrays and
        // literals reaches the limit as surely as one of strings.
        for literal in ["[]", "null", "true"] {
            let mut json = sample().to_json();
            json.pop();
            json.extend_from_slice(b",\"padding\":[");
            let count = MAX_MANIFEST_VALUES as usize;
            for i in 0..count {
                if i > 0 {
                    json.push(b',');
                }
                json.extend_from_slice(literal.as_bytes());
            }
            json.extend_from_slice(b"]}");
            assert!(
                matches!(
                    Manifest::from_json(&json),
                    Err(FormatError::InvalidManifest(ManifestError::TooManyValues))
                ),
                "{literal}"
            );
        }
    }

    #[test]
    fn authors_and_images_are_bounded_lists() {
        let mut value = json_value(&sample());
        value["articles"][0]["authors"] = vec!["a"; MAX_AUTHORS].into();
        parse(&value).unwrap();
        value["articles"][0]["authors"] = vec!["a"; MAX_AUTHORS + 1].into();
        assert_eq!(
            parse(&value).unwrap_err(),
            ManifestError::TooManyElements {
                name: Name::of("articles[].authors"),
                max: MAX_AUTHORS
            }
        );
        let mut value = json_value(&sample());
        value["articles"][0]["images"] = vec!["index.md"; MAX_IMAGES + 1].into();
        assert!(matches!(
            parse(&value),
            Err(ManifestError::TooManyElements {
                max: MAX_IMAGES,
                ..
            })
        ));
    }

    #[test]
    fn member_names_are_compared_after_unescaping() {
        // "channel" and "\u0063hannel" are one name: two readers must not pick different ones.
        let json = String::from_utf8(sample().to_json()).unwrap();
        let json = json.replacen("{", "{\"\\u0063hannel\":\"other\",", 1);
        assert_eq!(
            Manifest::from_json(json.as_bytes())
                .unwrap_err()
                .to_string(),
            "the signed manifest is not valid: the member name \"channel\" appears twice in one object"
        );
    }

    #[test]
    fn an_edition_without_files_is_refused() {
        let mut manifest = sample();
        manifest.files.clear();
        manifest.articles.clear();
        assert!(matches!(
            manifest.validate(KEY_ID),
            Err(FormatError::InvalidManifest(ManifestError::NoFiles))
        ));
    }

    #[test]
    fn languages_must_be_language_tags() {
        for tag in [
            "en",
            "und",
            "fa",
            "pt-BR",
            "zh-Hant-TW",
            "sr-Latn",
            "de-CH-1901",
        ] {
            assert!(is_language_tag(tag), "{tag}");
        }
        for tag in [
            "",
            "../../etc",
            "en_US",
            "e",
            "x-private",
            "en-",
            "-en",
            "en--us",
            "e1",
        ] {
            assert!(!is_language_tag(tag), "{tag}");
        }
        let mut manifest = sample();
        manifest.language = "../../etc".into();
        assert!(matches!(
            manifest.validate(KEY_ID),
            Err(FormatError::InvalidManifest(ManifestError::Language { .. }))
        ));
        let mut manifest = sample();
        manifest.articles[0].language = Some("english please".into());
        assert!(matches!(
            manifest.validate(KEY_ID),
            Err(FormatError::InvalidManifest(
                ManifestError::ArticleLanguage { .. }
            ))
        ));
    }

    #[test]
    fn created_must_fit_a_tar_mtime() {
        for (created, ok) in [
            ("1970-01-01T00:00:00Z", true),
            ("1969-12-31T23:59:59Z", false),
            ("2242-03-16T12:56:31Z", true),
            ("2242-03-16T12:56:32Z", false),
            ("9999-12-31T23:59:59Z", false),
            ("0000-01-01T00:00:00Z", false),
        ] {
            let mut manifest = sample();
            manifest.created = created.into();
            assert_eq!(manifest.validate(KEY_ID).is_ok(), ok, "{created}");
        }
        let last = time::OffsetDateTime::from_unix_timestamp(MAX_CREATED_UNIX).unwrap();
        assert_eq!(format_created(last), "2242-03-16T12:56:31Z");
    }

    #[test]
    fn unicode_version_of_the_case_mapping_tables() {
        // The collision key uses std's char::to_uppercase/to_lowercase; FORMAT.md names this
        // version. If a new Rust changes it, FORMAT.md must change with it.
        println!("char::UNICODE_VERSION = {:?}", char::UNICODE_VERSION);
        assert_eq!(char::UNICODE_VERSION, (17, 0, 0));
        // NFC, before and after the case mapping, comes from unicode-normalization's tables.
        println!(
            "unicode_normalization::UNICODE_VERSION = {:?}",
            unicode_normalization::UNICODE_VERSION
        );
        assert_eq!(unicode_normalization::UNICODE_VERSION, (18, 0, 0));
        // Characters new in Unicode 17 (U+A7CC LATIN CAPITAL LETTER S WITH DIAGONAL STROKE and
        // its small letter U+A7CD) collide under these tables; a reader on older tables
        // would let both in.
        let capital = EditionPath::new("\u{a7cc}.md").unwrap();
        let small = EditionPath::new("\u{a7cd}.md").unwrap();
        assert_eq!(capital.collision_key(), small.collision_key());
    }
}
