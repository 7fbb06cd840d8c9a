//! Portable, validated paths of files inside an edition.
//!
//! A path that comes out of a bundle is hostile input: whoever built the bundle
//! may try to write outside the reader's destination folder (`../`, absolute
//! paths, drive letters, UNC shares), to overwrite one file with another through
//! case folding or Unicode normalisation, or to make the unpack fail half way on
//! one of the file systems our readers use (FAT32, exFAT and NTFS USB sticks, on
//! Windows, macOS and Linux). The publisher also walks a folder on disk and must
//! refuse, up front, any name that a reader could not unpack.
//!
//! This module is the single place where such a string becomes a file-system
//! path: anything that is not an [`EditionPath`] must never be joined onto a
//! destination folder.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

use unicode_normalization::{UnicodeNormalization, is_nfc};

use crate::format::manifest::is_bidi_control;

/// Longest whole path, in UTF-8 bytes.
///
/// macOS's `PATH_MAX` is 1024 bytes, so a longer relative path could never be
/// opened there whatever the destination folder; Linux allows 4096 and Windows
/// (through the `\\?\` long paths Rust's standard library uses) about 32 000
/// UTF-16 units. The destination folder's own length still adds to this, so an
/// unpacker may still meet an I/O error on a very deep destination, but no
/// bundle can be unpackable nowhere.
pub const MAX_PATH_BYTES: usize = 1024;

/// Longest name component, in UTF-8 bytes.
///
/// FAT32 (long names), exFAT and NTFS allow 255 UTF-16 units and ext4 allows 255
/// bytes; counting UTF-8 bytes is the stricter of the two for every character,
/// so a name that passes fits on all of them.
pub const MAX_COMPONENT_BYTES: usize = 255;

/// Deepest nesting, in components (folders plus the file name).
///
/// News editions need a handful of levels; a cap keeps hostile bundles from
/// building absurd trees that exhaust path limits or slow down the unpacker.
pub const MAX_PATH_DEPTH: usize = 32;

/// How many characters of an over-long path an error message shows.
const SHOWN_PREFIX_CHARS: usize = 64;

/// Why a path or name was refused.
///
/// Each message is one plain English sentence naming the offending path (shown
/// escaped, so control characters are visible) because it is shown as is to a
/// publisher fixing their edition folder or to a reader whose bundle was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PathError {
    /// The path is the empty string.
    #[error("the path {path:?} is empty, so it names no file")]
    Empty {
        /// The offending path.
        path: String,
    },

    /// The whole path is longer than [`MAX_PATH_BYTES`].
    #[error(
        "the path starting with {prefix:?} is {len} bytes long, more than the limit of {max} bytes that every reader's system can open"
    )]
    TooLong {
        /// The first characters of the offending path (it may be huge).
        prefix: String,
        /// Its length in bytes.
        len: usize,
        /// The limit, [`MAX_PATH_BYTES`].
        max: usize,
    },

    /// The path contains a NUL byte, which ends a path early in C APIs.
    #[error(
        "the path {path:?} contains a NUL byte, which the operating system would read as the end of the path"
    )]
    NulByte {
        /// The offending path.
        path: String,
    },

    /// The path starts with '/'.
    #[error(
        "the path {path:?} is absolute (it starts with \"/\"), which could write outside the destination folder"
    )]
    Absolute {
        /// The offending path.
        path: String,
    },

    /// The path starts with `\\` or `//`, a Windows network (UNC) path.
    #[error(
        "the path {path:?} is a Windows network (UNC) path, which could write to another computer or outside the destination folder"
    )]
    UncPath {
        /// The offending path.
        path: String,
    },

    /// The path starts with a drive letter such as `C:`.
    #[error(
        "the path {path:?} starts with a Windows drive letter, which could write outside the destination folder"
    )]
    DriveLetter {
        /// The offending path.
        path: String,
    },

    /// The path contains a backslash, a separator on Windows.
    #[error(
        "the path {path:?} contains a backslash, which Windows treats as a folder separator, so it could write outside the destination folder"
    )]
    Backslash {
        /// The offending path.
        path: String,
    },

    /// The path ends with '/'.
    #[error("the path {path:?} ends with \"/\", so it names a folder rather than a file")]
    TrailingSlash {
        /// The offending path.
        path: String,
    },

    /// The path contains `//`, i.e. an empty component.
    #[error("the path {path:?} contains \"//\", an empty folder name")]
    EmptyComponent {
        /// The offending path.
        path: String,
    },

    /// The path has more than [`MAX_PATH_DEPTH`] components.
    #[error("the path {path:?} is {depth} levels deep, more than the limit of {max} levels")]
    TooDeep {
        /// The offending path.
        path: String,
        /// Its number of components.
        depth: usize,
        /// The limit, [`MAX_PATH_DEPTH`].
        max: usize,
    },

    /// A component is `.`.
    #[error(
        "the path {path:?} contains a \".\" component, which names the current folder rather than a file"
    )]
    DotComponent {
        /// The offending path.
        path: String,
    },

    /// A component is `..`.
    #[error(
        "the path {path:?} contains a \"..\" component, which could write outside the destination folder"
    )]
    DotDotComponent {
        /// The offending path.
        path: String,
    },

    /// The path (or a name) is not in Unicode Normalisation Form C.
    #[error(
        "the path {path:?} is not in normalised (NFC) form, so macOS and Linux could disagree about the name"
    )]
    NotNfc {
        /// The offending path.
        path: String,
    },

    /// A name given to [`check_component`] contains '/'.
    #[error("the name {path:?} contains \"/\", so it is not a single file or folder name")]
    SlashInComponent {
        /// The offending name.
        path: String,
    },

    /// A component is longer than [`MAX_COMPONENT_BYTES`].
    #[error(
        "the path {path:?} contains the name {component:?}, which is {len} bytes long, more than the limit of {max} bytes of FAT32, exFAT, NTFS and ext4"
    )]
    ComponentTooLong {
        /// The offending path (the name itself when checking a single name).
        path: String,
        /// The offending component.
        component: String,
        /// Its length in bytes.
        len: usize,
        /// The limit, [`MAX_COMPONENT_BYTES`].
        max: usize,
    },

    /// A component contains a control character.
    #[error(
        "the path {path:?} contains the control character {character:?}, which Windows, FAT32, exFAT and NTFS do not allow in names"
    )]
    ControlCharacter {
        /// The offending path (the name itself when checking a single name).
        path: String,
        /// The offending character.
        character: char,
    },

    /// A component contains a C1 control (U+0080 to U+009F) or a bidirectional formatting
    /// character (U+061C, U+200E, U+200F, U+202A to U+202E, U+2066 to U+2069): paths are shown
    /// to people, and these could make `invoice\u{202e}txt.exe` display as `invoiceexe.txt`.
    #[error(
        "the path {path:?} contains the character {character:?}, an invisible control or direction-changing character that could make the name display as another"
    )]
    InvisibleCharacter {
        /// The offending path (the name itself when checking a single name).
        path: String,
        /// The offending character.
        character: char,
    },

    /// A component contains one of `< > : " | ? * \`.
    #[error(
        "the path {path:?} contains the character {character:?}, which Windows, FAT32, exFAT and NTFS do not allow in names"
    )]
    InvalidCharacter {
        /// The offending path (the name itself when checking a single name).
        path: String,
        /// The offending character.
        character: char,
    },

    /// A component ends with '.' or ' '.
    #[error(
        "the path {path:?} contains the name {component:?}, which ends with a dot or a space that Windows would silently remove"
    )]
    TrailingDotOrSpace {
        /// The offending path (the name itself when checking a single name).
        path: String,
        /// The offending component.
        component: String,
    },

    /// A component is a Windows reserved device name.
    #[error(
        "the path {path:?} contains the name {component:?}, which Windows reserves for a device, so the file could not be written there"
    )]
    ReservedName {
        /// The offending path (the name itself when checking a single name).
        path: String,
        /// The offending component.
        component: String,
    },
}

/// A validated, portable, relative path of a file inside an edition.
///
/// Holding one proves that the path is relative, stays inside the destination
/// folder, and can be written on FAT32, exFAT, NTFS, APFS and ext4 under Windows,
/// macOS and Linux with the same name everywhere. Deserialising goes through
/// [`EditionPath::new`], so a hostile manifest can never hold an invalid path.
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(try_from = "String", into = "String")]
pub struct EditionPath(String);

impl EditionPath {
    /// Validates `path` ('/'-separated, UTF-8), refusing anything that could
    /// escape the destination folder or that some reader's system could not
    /// write under exactly this name.
    pub fn new(path: &str) -> Result<EditionPath, PathError> {
        let owned = || path.to_owned();
        if path.is_empty() {
            return Err(PathError::Empty { path: owned() });
        }
        if path.len() > MAX_PATH_BYTES {
            return Err(PathError::TooLong {
                prefix: path.chars().take(SHOWN_PREFIX_CHARS).collect(),
                len: path.len(),
                max: MAX_PATH_BYTES,
            });
        }
        if path.contains('\0') {
            return Err(PathError::NulByte { path: owned() });
        }
        // The network and drive forms come before the plain backslash and
        // absolute checks so that their message says what they really are.
        if path.starts_with("\\\\") || path.starts_with("//") {
            return Err(PathError::UncPath { path: owned() });
        }
        if starts_with_drive_letter(path) {
            return Err(PathError::DriveLetter { path: owned() });
        }
        if path.contains('\\') {
            return Err(PathError::Backslash { path: owned() });
        }
        if path.starts_with('/') {
            return Err(PathError::Absolute { path: owned() });
        }
        if path.ends_with('/') {
            return Err(PathError::TrailingSlash { path: owned() });
        }
        if path.contains("//") {
            return Err(PathError::EmptyComponent { path: owned() });
        }
        let depth = path.split('/').count();
        if depth > MAX_PATH_DEPTH {
            return Err(PathError::TooDeep {
                path: owned(),
                depth,
                max: MAX_PATH_DEPTH,
            });
        }
        // Traversal first: it is the most dangerous fault, so it is the one reported.
        for component in path.split('/') {
            check_dots(component, path)?;
        }
        if !path.is_ascii() && !is_nfc(path) {
            return Err(PathError::NotNfc { path: owned() });
        }
        for component in path.split('/') {
            check_component_in(component, path)?;
        }
        Ok(EditionPath(path.to_owned()))
    }

    /// The path as given, with '/' separators.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The path as a relative `PathBuf` made of its components, safe to join onto
    /// a destination folder: every component is a plain name, so the result
    /// uses the platform's own separator and cannot climb out.
    pub fn to_relative_path(&self) -> PathBuf {
        self.components().collect()
    }

    /// The components, split on '/'; the last is the file name.
    pub fn components(&self) -> impl Iterator<Item = &str> {
        self.0.split('/')
    }

    /// The folder part, "" for a file at the top level (e.g. "a/b/c.md" -> "a/b"),
    /// so callers can create folders before writing the file.
    pub fn parent(&self) -> &str {
        self.0.rsplit_once('/').map_or("", |(parent, _)| parent)
    }

    /// The key under which two paths collide on a case-insensitive or
    /// normalising file system: NFC of the lowercase of the uppercase of the NFC form.
    ///
    /// This approximates the case folding of NTFS, exFAT and APFS (and FAT32's
    /// long names) well enough to catch real editions (`Foo.html`/`foo.html`,
    /// `É.md`/`é.md`, `Статья.md`/`статья.md`); it is not an exact model of any
    /// one file system's upcase table.
    pub fn collision_key(&self) -> String {
        name_collision_key(&self.0)
    }
}

/// The key of [`EditionPath::collision_key`] for any name, valid as a path or not.
pub fn name_collision_key(name: &str) -> String {
    // Most paths are ASCII, already NFC, and fold by ASCII rules alone.
    if name.is_ascii() {
        return name.to_ascii_lowercase();
    }
    // Upper then lower folds letters with several lowercase forms together (σ and ς both
    // become σ), closer to the case folding of APFS, NTFS and exFAT than lowercasing.
    let nfc: String = name.nfc().collect();
    nfc.to_uppercase().to_lowercase().nfc().collect()
}

impl TryFrom<String> for EditionPath {
    type Error = PathError;

    /// Validates like [`EditionPath::new`]; this is what deserialisation uses.
    fn try_from(path: String) -> Result<Self, Self::Error> {
        EditionPath::new(&path)
    }
}

impl From<EditionPath> for String {
    fn from(path: EditionPath) -> String {
        path.0
    }
}

impl fmt::Display for EditionPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Validates one name component (no '/'), so that the publisher, walking its
/// edition folder, refuses exactly the names that [`EditionPath::new`] would
/// refuse in a bundle, and reports them before building one.
///
/// In the errors, the `path` field is the name itself.
pub fn check_component(component: &str) -> Result<(), PathError> {
    if component.contains('/') {
        return Err(PathError::SlashInComponent {
            path: component.to_owned(),
        });
    }
    check_dots(component, component)?;
    if !is_nfc(component) {
        return Err(PathError::NotNfc {
            path: component.to_owned(),
        });
    }
    check_component_in(component, component)
}

/// Returns every group of two or more paths that collide under
/// [`EditionPath::collision_key`], each group sorted and the groups sorted, so
/// the publisher can list every offender at once rather than one per run.
///
/// The same path given twice is reported as a group too: in a manifest, the
/// second entry would silently overwrite the first.
pub fn find_collisions<'a>(
    paths: impl IntoIterator<Item = &'a EditionPath>,
) -> Vec<Vec<EditionPath>> {
    let mut by_key: BTreeMap<String, Vec<EditionPath>> = BTreeMap::new();
    for path in paths {
        by_key
            .entry(path.collision_key())
            .or_default()
            .push(path.clone());
    }
    let mut groups: Vec<Vec<EditionPath>> = by_key
        .into_values()
        .filter(|group| group.len() >= 2)
        .map(|mut group| {
            group.sort();
            group
        })
        .collect();
    groups.sort();
    groups
}

/// True for `C:`, `c:foo`, `C:\x`, `C:/x`: a drive-absolute or drive-relative path.
fn starts_with_drive_letter(path: &str) -> bool {
    let bytes = path.as_bytes();
    bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':'
}

/// Refuses the `.` and `..` components, which name folders rather than files.
fn check_dots(component: &str, path: &str) -> Result<(), PathError> {
    match component {
        "." => Err(PathError::DotComponent {
            path: path.to_owned(),
        }),
        ".." => Err(PathError::DotDotComponent {
            path: path.to_owned(),
        }),
        _ => Ok(()),
    }
}

/// The per-name rules, reporting `path` as the offender.
fn check_component_in(component: &str, path: &str) -> Result<(), PathError> {
    if component.is_empty() {
        return Err(PathError::EmptyComponent {
            path: path.to_owned(),
        });
    }
    if component.len() > MAX_COMPONENT_BYTES {
        return Err(PathError::ComponentTooLong {
            path: path.to_owned(),
            component: component.to_owned(),
            len: component.len(),
            max: MAX_COMPONENT_BYTES,
        });
    }
    for character in component.chars() {
        if character <= '\u{1f}' || character == '\u{7f}' {
            return Err(PathError::ControlCharacter {
                path: path.to_owned(),
                character,
            });
        }
        if character.is_control() || is_bidi_control(character) {
            return Err(PathError::InvisibleCharacter {
                path: path.to_owned(),
                character,
            });
        }
        if matches!(character, '<' | '>' | ':' | '"' | '|' | '?' | '*' | '\\') {
            return Err(PathError::InvalidCharacter {
                path: path.to_owned(),
                character,
            });
        }
    }
    if component.ends_with('.') || component.ends_with(' ') {
        return Err(PathError::TrailingDotOrSpace {
            path: path.to_owned(),
            component: component.to_owned(),
        });
    }
    if is_windows_reserved(component) {
        return Err(PathError::ReservedName {
            path: path.to_owned(),
            component: component.to_owned(),
        });
    }
    Ok(())
}

/// True if Windows would open a device instead of a file for this name.
///
/// Windows looks at the part before the first dot, with trailing spaces removed,
/// case-insensitively: `con`, `NUL.tar.gz` and `COM1 .txt` all name devices.
/// `CONIN$` and `CONOUT$` (console devices) are refused too, to be safe.
fn is_windows_reserved(component: &str) -> bool {
    // The longest reserved stem, CONOUT$, is 7 bytes; "COM¹" is 5 with its 2-byte digit.
    let stem_len = component
        .split_once('.')
        .map_or(component, |(stem, _)| stem)
        .trim_end_matches(' ')
        .len();
    if stem_len > 7 {
        return false;
    }
    let stem = component
        .split_once('.')
        .map_or(component, |(stem, _)| stem)
        .trim_end_matches(' ')
        .to_ascii_uppercase();
    if matches!(
        stem.as_str(),
        "CON" | "PRN" | "AUX" | "NUL" | "CONIN$" | "CONOUT$"
    ) {
        return true;
    }
    let Some(number) = stem
        .strip_prefix("COM")
        .or_else(|| stem.strip_prefix("LPT"))
    else {
        return false;
    };
    let mut chars = number.chars();
    match (chars.next(), chars.next()) {
        (Some(digit), None) => digit.is_ascii_digit() || matches!(digit, '¹' | '²' | '³'),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::path::Component;

    fn ok(path: &str) -> EditionPath {
        match EditionPath::new(path) {
            Ok(p) => p,
            Err(e) => panic!("{path:?} should be accepted: {e}"),
        }
    }

    fn err(path: &str) -> PathError {
        match EditionPath::new(path) {
            Ok(_) => panic!("{path:?} should be refused"),
            Err(e) => e,
        }
    }

    #[test]
    fn dot_dot_component_is_refused() {
        for path in ["..", "../a.md", "a/../b", "a/b/..", "a/../../etc/passwd"] {
            assert_eq!(err(path), PathError::DotDotComponent { path: path.into() });
        }
        assert_eq!(
            err("a/../b").to_string(),
            "the path \"a/../b\" contains a \"..\" component, which could write outside the destination folder"
        );
        assert!(matches!(
            check_component(".."),
            Err(PathError::DotDotComponent { .. })
        ));
    }

    #[test]
    fn dot_component_is_refused() {
        for path in [".", "./a.md", "a/./b.md", "a/."] {
            assert_eq!(err(path), PathError::DotComponent { path: path.into() });
        }
        assert!(matches!(
            check_component("."),
            Err(PathError::DotComponent { .. })
        ));
        // Names that merely start with dots are fine.
        ok(".hidden");
        ok("a/...b");
    }

    #[test]
    fn absolute_path_is_refused() {
        for path in ["/", "/etc/passwd", "/a.md"] {
            assert_eq!(err(path), PathError::Absolute { path: path.into() });
        }
    }

    #[test]
    fn double_slash_is_refused() {
        assert_eq!(
            err("a//b.md"),
            PathError::EmptyComponent {
                path: "a//b.md".into()
            }
        );
    }

    #[test]
    fn trailing_slash_is_refused() {
        assert_eq!(
            err("a/b/"),
            PathError::TrailingSlash {
                path: "a/b/".into()
            }
        );
    }

    #[test]
    fn empty_path_is_refused() {
        assert_eq!(
            err(""),
            PathError::Empty {
                path: String::new()
            }
        );
    }

    #[test]
    fn backslash_is_refused() {
        for path in ["a\\b.md", "..\\..\\windows\\system32", "a.md\\"] {
            assert_eq!(err(path), PathError::Backslash { path: path.into() });
        }
        assert!(matches!(
            check_component("a\\b"),
            Err(PathError::InvalidCharacter {
                character: '\\',
                ..
            })
        ));
    }

    #[test]
    fn drive_letter_is_refused() {
        for path in ["C:", "c:foo.md", "C:\\Windows\\x.dll", "D:/x.md", "z:"] {
            assert_eq!(err(path), PathError::DriveLetter { path: path.into() });
        }
    }

    #[test]
    fn unc_path_is_refused() {
        for path in [
            "\\\\server\\share",
            "//server/share",
            "\\\\?\\C:\\x",
            "\\\\.\\pipe\\x",
        ] {
            assert_eq!(err(path), PathError::UncPath { path: path.into() });
        }
    }

    #[test]
    fn windows_reserved_names_are_refused() {
        for name in [
            "CON",
            "con",
            "nul.txt",
            "COM1",
            "com1.md",
            "LPT9.x",
            "COM1 .txt",
            "AUX.tar.gz",
            "COM¹",
            "lpt³.md",
            "Aux.md",
            "prn",
            "COM0",
            "CONOUT$",
        ] {
            let expected = PathError::ReservedName {
                path: name.into(),
                component: name.into(),
            };
            assert_eq!(err(name), expected, "{name:?}");
            assert_eq!(check_component(name), Err(expected), "{name:?}");
            let nested = format!("folder/{name}");
            assert_eq!(
                err(&nested),
                PathError::ReservedName {
                    path: nested.clone(),
                    component: name.into(),
                }
            );
        }
        // As a folder name too.
        assert!(matches!(err("con/a.md"), PathError::ReservedName { .. }));
    }

    #[test]
    fn names_that_look_reserved_are_accepted() {
        for name in [
            "console.md",
            "CONTACT",
            "com10",
            "nullable.txt",
            "lpt",
            "COM",
            "auxiliary/a.md",
            "xcon.md",
            "COM1x.md",
        ] {
            ok(name);
        }
    }

    #[test]
    fn trailing_dot_or_space_is_refused() {
        for name in ["a.", "a ", "a.md.", "a.md ", "COM1 ", "b..."] {
            assert_eq!(
                err(name),
                PathError::TrailingDotOrSpace {
                    path: name.into(),
                    component: name.into(),
                }
            );
        }
        assert!(matches!(
            err("folder./a.md"),
            PathError::TrailingDotOrSpace { .. }
        ));
        assert!(matches!(
            err("folder /a.md"),
            PathError::TrailingDotOrSpace { .. }
        ));
    }

    #[test]
    fn windows_invalid_characters_are_refused() {
        for character in ['<', '>', ':', '"', '|', '?', '*'] {
            let path = format!("a/b{character}c.md");
            assert_eq!(
                err(&path),
                PathError::InvalidCharacter {
                    path: path.clone(),
                    character,
                }
            );
        }
        for character in ['\n', '\r', '\t', '\u{1}', '\u{1f}', '\u{7f}'] {
            let path = format!("a{character}b.md");
            assert_eq!(
                err(&path),
                PathError::ControlCharacter {
                    path: path.clone(),
                    character,
                }
            );
        }
        // The message makes the control character visible.
        assert_eq!(
            err("a\nb.md").to_string(),
            "the path \"a\\nb.md\" contains the control character '\\n', which Windows, FAT32, exFAT and NTFS do not allow in names"
        );
    }

    #[test]
    fn paths_with_c1_controls_or_bidi_overrides_are_refused() {
        // The text rule's bans hold for paths too: paths are shown to people.
        for character in [
            '\u{80}', '\u{85}', '\u{9f}', '\u{61c}', '\u{200e}', '\u{200f}', '\u{202a}',
            '\u{202e}', '\u{2066}', '\u{2069}',
        ] {
            let path = format!("docs/invoice{character}txt.exe");
            assert_eq!(
                err(&path),
                PathError::InvisibleCharacter {
                    path: path.clone(),
                    character,
                }
            );
            let name = format!("invoice{character}txt.exe");
            assert!(check_component(&name).is_err(), "{name:?}");
        }
        // Joiners stay allowed, as in text: Persian needs them.
        ok("\u{645}\u{06cc}\u{200c}\u{062e}\u{0648}\u{0627}\u{0647}\u{0645}.md");
        ok("a\u{200d}b.md");
        // Just outside the ranges.
        ok("a\u{a0}b.md");
        ok("a\u{2065}b.md");
    }

    #[test]
    fn nul_byte_is_refused() {
        assert_eq!(
            err("a\0.md"),
            PathError::NulByte {
                path: "a\0.md".into()
            }
        );
        assert!(err("a\0.md").to_string().contains("\\0"));
        assert!(matches!(
            check_component("a\0"),
            Err(PathError::ControlCharacter {
                character: '\0',
                ..
            })
        ));
    }

    #[test]
    fn non_nfc_is_refused() {
        let path = "e\u{301}.md";
        assert_eq!(err(path), PathError::NotNfc { path: path.into() });
        assert!(err(path).to_string().contains("normalised (NFC)"));
        assert!(matches!(
            check_component(path),
            Err(PathError::NotNfc { .. })
        ));
        ok("\u{e9}.md");
    }

    #[test]
    fn component_over_255_bytes_is_refused() {
        ok(&"a".repeat(255));
        let long = "a".repeat(256);
        assert!(matches!(
            err(&long),
            PathError::ComponentTooLong {
                len: 256,
                max: 255,
                ..
            }
        ));
        // 2-byte Cyrillic letters: 127 of them plus one ASCII byte is exactly 255.
        let cyrillic_255 = format!("{}a", "д".repeat(127));
        assert_eq!(cyrillic_255.len(), 255);
        ok(&cyrillic_255);
        ok(&format!("папка/{cyrillic_255}"));
        let cyrillic_256 = "д".repeat(128);
        assert!(matches!(
            err(&format!("папка/{cyrillic_256}")),
            PathError::ComponentTooLong { len: 256, .. }
        ));
        assert!(check_component(&cyrillic_256).is_err());
    }

    #[test]
    fn path_over_1024_bytes_is_refused() {
        let part = "a".repeat(200);
        // 5 * 200 + 4 separators + 20 = 1024 bytes.
        let exact = format!("{}/{}", [part.as_str(); 5].join("/"), "b".repeat(19));
        assert_eq!(exact.len(), 1024);
        ok(&exact);
        let over = format!("{exact}c");
        assert!(matches!(
            err(&over),
            PathError::TooLong {
                len: 1025,
                max: 1024,
                ..
            }
        ));
        // A huge path is not copied whole into the message.
        let huge = "x".repeat(1_000_000);
        assert!(err(&huge).to_string().len() < 300);
    }

    #[test]
    fn depth_over_32_is_refused() {
        let at_limit = vec!["d"; 32].join("/");
        assert_eq!(ok(&at_limit).components().count(), 32);
        let over = vec!["d"; 33].join("/");
        assert!(matches!(
            err(&over),
            PathError::TooDeep {
                depth: 33,
                max: 32,
                ..
            }
        ));
    }

    #[test]
    fn final_sigma_collides_with_sigma_as_on_case_insensitive_disks() {
        let a = ok("σ.md");
        let b = ok("ς.md");
        assert_eq!(a.collision_key(), b.collision_key());
        assert_eq!(find_collisions([&a, &b]).len(), 1);
    }

    #[test]
    fn case_collisions_are_found() {
        let paths = [
            ok("Foo.html"),
            ok("bar.md"),
            ok("foo.html"),
            ok("FOO.HTML"),
            ok("a/B.md"),
            ok("A/b.md"),
            ok("other.md"),
        ];
        assert_eq!(
            find_collisions(&paths),
            vec![
                vec![ok("A/b.md"), ok("a/B.md")],
                vec![ok("FOO.HTML"), ok("Foo.html"), ok("foo.html")],
            ]
        );
        assert_eq!(ok("Foo.html").collision_key(), "foo.html");
        assert!(find_collisions(&[ok("a.md"), ok("b.md")]).is_empty());
        assert!(find_collisions(std::iter::empty()).is_empty());
    }

    #[test]
    fn duplicate_paths_are_reported_as_collisions() {
        assert_eq!(
            find_collisions(&[ok("a.md"), ok("a.md")]),
            vec![vec![ok("a.md"), ok("a.md")]]
        );
    }

    #[test]
    fn normalisation_collisions_are_found() {
        // NFD input is refused by new(), so the case-folding of precomposed
        // letters is what can still collide.
        assert_eq!(
            ok("\u{c9}.md").collision_key(),
            ok("\u{e9}.md").collision_key()
        );
        assert_eq!(
            find_collisions(&[ok("Статья.md"), ok("статья.md"), ok("É.md"), ok("é.md")]),
            vec![
                vec![ok("É.md"), ok("é.md")],
                vec![ok("Статья.md"), ok("статья.md")],
            ]
        );
    }

    #[test]
    fn deserialize_goes_through_validation() {
        let parsed: EditionPath = match serde_json::from_str("\"news/статья.md\"") {
            Ok(p) => p,
            Err(e) => panic!("should parse: {e}"),
        };
        assert_eq!(parsed, ok("news/статья.md"));
        for hostile in [
            "\"../etc/passwd\"",
            "\"/etc/passwd\"",
            "\"C:\\\\x\"",
            "\"CON\"",
            "\"e\\u0301.md\"",
            "\"\"",
        ] {
            let result: Result<EditionPath, _> = serde_json::from_str(hostile);
            assert!(result.is_err(), "{hostile} should be refused");
        }
        let message = match serde_json::from_str::<EditionPath>("\"a/../b\"") {
            Ok(_) => panic!("should be refused"),
            Err(e) => e.to_string(),
        };
        assert!(message.contains("\"..\" component"), "{message}");
        let list: Result<Vec<EditionPath>, _> = serde_json::from_str("[\"a.md\", \"b/../c\"]");
        assert!(list.is_err());
    }

    #[test]
    fn serialize_gives_the_plain_string() {
        let json = match serde_json::to_string(&ok("news/مقاله.md")) {
            Ok(j) => j,
            Err(e) => panic!("should serialise: {e}"),
        };
        assert_eq!(json, "\"news/مقاله.md\"");
        let back: EditionPath = match serde_json::from_str(&json) {
            Ok(p) => p,
            Err(e) => panic!("should parse: {e}"),
        };
        assert_eq!(back, ok("news/مقاله.md"));
        assert_eq!(String::from(back), "news/مقاله.md");
    }

    #[test]
    fn portable_names_are_accepted() {
        for path in [
            "index.html",
            "статьи/2024/Новости дня.md",
            "مقاله.md",
            "اخبار/مقاله.md",
            "新闻/文章.md",
            "with spaces inside/a file name.md",
            "a/b/c/d/e/f.md",
            " leading space.md",
            "img/photo.final.jpg",
            "ёлка.md",
        ] {
            let p = ok(path);
            assert_eq!(p.as_str(), path);
            assert_eq!(p.to_string(), path);
        }
    }

    #[test]
    fn accessors_split_the_path() {
        let p = ok("a/b/c.md");
        assert_eq!(p.components().collect::<Vec<_>>(), ["a", "b", "c.md"]);
        assert_eq!(p.parent(), "a/b");
        assert_eq!(ok("c.md").parent(), "");
        assert_eq!(
            p.to_relative_path(),
            ["a", "b", "c.md"].iter().collect::<PathBuf>()
        );
        assert!(p.to_relative_path().is_relative());
        assert_eq!(EditionPath::try_from("a.md".to_owned()), Ok(ok("a.md")));
    }

    #[test]
    fn check_component_refuses_slash() {
        assert_eq!(
            check_component("a/b"),
            Err(PathError::SlashInComponent { path: "a/b".into() })
        );
        assert_eq!(
            check_component(""),
            Err(PathError::EmptyComponent {
                path: String::new()
            })
        );
        assert_eq!(check_component("статья.md"), Ok(()));
    }

    /// Lowercase stems Windows reserves, written out independently of the code.
    const RESERVED_STEMS: [&str; 30] = [
        "con", "prn", "aux", "nul", "com0", "com1", "com2", "com3", "com4", "com5", "com6", "com7",
        "com8", "com9", "lpt0", "lpt1", "lpt2", "lpt3", "lpt4", "lpt5", "lpt6", "lpt7", "lpt8",
        "lpt9", "com¹", "com²", "com³", "lpt¹", "lpt²", "lpt³",
    ];

    fn messy_string() -> impl Strategy<Value = String> {
        prop_oneof![
            any::<String>(),
            "[a./\\\\:C ~\u{e9}\u{301}\u{0}\n]{0,24}",
            "([a-z.]{0,4}/){0,4}[a-zA-Z. ]{0,6}",
        ]
    }

    proptest! {
        #[test]
        fn accepted_paths_are_plain_relative_and_round_trip(s in messy_string()) {
            if let Ok(p) = EditionPath::new(&s) {
                let relative = p.to_relative_path();
                let parts: Vec<Component<'_>> = relative.components().collect();
                prop_assert!(parts.iter().all(|c| matches!(c, Component::Normal(_))));
                prop_assert_eq!(parts.len(), p.components().count());
                prop_assert_eq!(EditionPath::new(p.as_str()), Ok(p.clone()));
            }
        }

        #[test]
        fn safe_names_are_accepted(
            parts in prop::collection::vec(
                "[a-zA-Z0-9_\\-а-яА-Я ]{0,19}[a-zA-Z0-9_\\-а-яА-Я]"
                    .prop_filter("not a reserved name", |c| {
                        !RESERVED_STEMS.contains(&c.to_lowercase().as_str())
                    }),
                1..5,
            )
        ) {
            let path = format!("{}.md", parts.join("/"));
            prop_assert!(EditionPath::new(&path).is_ok(), "{:?} refused: {:?}", path, EditionPath::new(&path));
        }
    }
}
