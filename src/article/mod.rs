//! What the publisher and the reader must agree on about articles: how Markdown is parsed, where
//! front matter ends, and what a reference in an article points at.
//!
//! The publisher checks at pack time that every local file an article loads is in the edition
//! and that nothing is loaded from the network; the reader rewrites the same references into
//! links to verified copies. If the two sides read a reference differently, one could let
//! through what the other refused, so both use the definitions here and nothing else.

pub mod bounded;

use std::borrow::Cow;

use pulldown_cmark::Options;

use crate::format::ArticleKind;

/// The largest article file the reader shows as a page. Far above any written article (a long
/// report with inline pictures is a few megabytes), and low enough that showing one stays
/// within a few hundred megabytes of memory on a reader's old laptop.
/// Above pack's own limit for articles (8 MB, `publish::edition::MAX_ARTICLE_LEN`), so every
/// article pack lets through can be shown; a round decimal figure, so that the page saying an
/// article is too large says "16 MB".
pub const MAX_RENDERED_ARTICLE_BYTES: u64 = 16_000_000;

/// An article as HTML: an HTML article as it is, a Markdown one converted without its front
/// matter (which is metadata, shown from the manifest).
pub fn article_html(kind: ArticleKind, source: &str) -> Cow<'_, str> {
    match kind {
        ArticleKind::Html => Cow::Borrowed(source),
        ArticleKind::Markdown => {
            let body = match split_front_matter(source) {
                FrontMatter::Present { body, .. } => body,
                FrontMatter::Absent | FrontMatter::NotClosed => source,
            };
            // Smart punctuation changes only how text looks, never which text is a link or an
            // image, so it is not part of MARKDOWN_OPTIONS.
            let options = MARKDOWN_OPTIONS | Options::ENABLE_SMART_PUNCTUATION;
            let mut out = String::with_capacity(body.len() * 3 / 2);
            pulldown_cmark::html::push_html(
                &mut out,
                pulldown_cmark::Parser::new_ext(body, options),
            );
            Cow::Owned(out)
        }
    }
}

/// The Markdown extensions both sides parse with. They decide the document's structure (which
/// text is a link, an image or a heading); presentation-only options are the reader's choice.
pub const MARKDOWN_OPTIONS: Options = Options::ENABLE_TABLES
    .union(Options::ENABLE_FOOTNOTES)
    .union(Options::ENABLE_STRIKETHROUGH);

/// Where a Markdown article's `---` front matter ends.
#[derive(Debug, PartialEq, Eq)]
pub enum FrontMatter<'t> {
    /// The article does not start with a `---` line: all of it is the body.
    Absent,
    /// The YAML text between the two marker lines, and the body after them.
    Present {
        /// The front matter, without its marker lines.
        yaml: &'t str,
        /// Everything after the closing marker line.
        body: &'t str,
    },
    /// A `---` first line with no closing `---` or `...` line.
    NotClosed,
}

fn trim_line_end(line: &str) -> &str {
    line.trim_end_matches(['\n', '\r', ' ', '\t'])
}

/// Splits `---` front matter from the body. The closing line is `---` or `...`; trailing
/// spaces, tabs and a CR are ignored on both marker lines.
pub fn split_front_matter(text: &str) -> FrontMatter<'_> {
    let mut lines = text.split_inclusive('\n');
    let Some(first) = lines.next() else {
        return FrontMatter::Absent;
    };
    if trim_line_end(first) != "---" {
        return FrontMatter::Absent;
    }
    let yaml_start = first.len();
    let mut offset = yaml_start;
    for line in lines {
        let trimmed = trim_line_end(line);
        if trimmed == "---" || trimmed == "..." {
            let yaml = text.get(yaml_start..offset).unwrap_or("");
            let body = text.get(offset + line.len()..).unwrap_or("");
            return FrontMatter::Present { yaml, body };
        }
        offset += line.len();
    }
    FrontMatter::NotClosed
}

/// Removes what the URL parser removes: tabs and newlines anywhere (so `/&#10;/host` is
/// `//host`), and control characters and spaces at both ends.
pub fn clean_reference(raw: &str) -> String {
    let without_breaks: String = raw
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .collect();
    without_breaks.trim_matches(|c: char| c <= ' ').to_string()
}

/// The URL scheme, if the reference starts with `[a-zA-Z][a-zA-Z0-9+.-]*:`.
pub fn scheme_of(reference: &str) -> Option<&str> {
    let (scheme, _) = reference.split_once(':')?;
    let mut chars = scheme.chars();
    let first = chars.next()?;
    let valid = first.is_ascii_alphabetic()
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '.' | '-'));
    valid.then_some(scheme)
}

/// Decodes `%XX` escapes; a `%` not followed by two hex digits stays as it is, as in browsers.
pub fn percent_decode(input: &str) -> Vec<u8> {
    let bytes = input.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while let Some(&byte) = bytes.get(index) {
        if byte == b'%'
            && let (Some(high), Some(low)) = (
                bytes.get(index + 1).and_then(|b| hex_value(*b)),
                bytes.get(index + 2).and_then(|b| hex_value(*b)),
            )
        {
            out.push(high << 4 | low);
            index += 3;
            continue;
        }
        out.push(byte);
        index += 1;
    }
    out
}

fn hex_value(byte: u8) -> Option<u8> {
    match byte {
        b'0'..=b'9' => Some(byte - b'0'),
        b'a'..=b'f' => Some(byte - b'a' + 10),
        b'A'..=b'F' => Some(byte - b'A' + 10),
        _ => None,
    }
}

/// What kind of place a reference names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReferenceKind {
    /// Empty, or only a fragment (`#notes`): the document itself.
    SameDocument,
    /// A `data:` URL: it carries its bytes with it.
    Data,
    /// Another scheme (`https:`, `javascript:`…) or another host (`//host/…`, `\\host\…`).
    Remote,
    /// A path inside the edition.
    Local,
}

/// Cleans a reference as a browser's URL parser does and says what it names. The cleaned form
/// has backslashes turned into slashes: browsers treat `\\host\x` like `//host/x`.
pub fn classify_reference(raw: &str) -> (String, ReferenceKind) {
    let cleaned = clean_reference(raw);
    if cleaned.is_empty() || cleaned.starts_with('#') {
        return (cleaned, ReferenceKind::SameDocument);
    }
    let slashed = cleaned.replace('\\', "/");
    let kind = match scheme_of(&slashed) {
        Some(scheme) if scheme.eq_ignore_ascii_case("data") => ReferenceKind::Data,
        Some(_) => ReferenceKind::Remote,
        None if slashed.starts_with("//") => ReferenceKind::Remote,
        None => ReferenceKind::Local,
    };
    (slashed, kind)
}

/// Where a local reference leads, resolved against the article's folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolved {
    /// Only a query or a fragment: the document itself.
    SameDocument,
    /// A path from the edition root, as segments, and the fragment after `#` (may be empty).
    /// `names_folder` is true when it ends in `/`, `.` or `..`.
    Path {
        /// The decoded path segments, from the edition root down.
        segments: Vec<String>,
        /// True when the reference names a folder rather than a file.
        names_folder: bool,
        /// The part after `#`, empty when there is none.
        fragment: String,
    },
    /// Its `..` segments climb above the edition root.
    OutsideEdition,
    /// Its percent escapes do not decode to UTF-8.
    InvalidPercentEncoding,
}

/// Resolves a cleaned local reference (see [`classify_reference`]) against `folder`, the
/// segments of the folder holding the article. A decoded backslash is a separator too, so
/// `..%5C` cannot climb out unnoticed on a Windows reader.
pub fn resolve_local(folder: &[String], cleaned: &str) -> Resolved {
    let (before_fragment, fragment) = match cleaned.split_once('#') {
        Some((before, fragment)) => (before, fragment.to_string()),
        None => (cleaned, String::new()),
    };
    let path_part = before_fragment.split('?').next().unwrap_or("");
    if path_part.is_empty() {
        return Resolved::SameDocument;
    }
    let Ok(decoded) = String::from_utf8(percent_decode(path_part)) else {
        return Resolved::InvalidPercentEncoding;
    };
    let decoded = decoded.replace('\\', "/");
    let (mut segments, rest) = match decoded.strip_prefix('/') {
        Some(rest) => (Vec::new(), rest),
        None => (folder.to_vec(), decoded.as_str()),
    };
    let mut names_folder = false;
    for segment in rest.split('/') {
        names_folder = true;
        match segment {
            "" | "." => {}
            ".." => {
                if segments.pop().is_none() {
                    return Resolved::OutsideEdition;
                }
            }
            name => {
                segments.push(name.to_string());
                names_folder = false;
            }
        }
    }
    Resolved::Path {
        segments,
        names_folder,
        fragment,
    }
}

/// The folder segments of an article's edition path (`fa/nanvayi.html` → `["fa"]`); `None`
/// for a path that names no file or climbs above the root.
pub fn folder_of(article_path: &str) -> Option<Vec<String>> {
    let mut segments: Vec<&str> = article_path.split('/').collect();
    let file_name = segments.pop().unwrap_or("");
    if file_name.is_empty() || file_name == "." || file_name == ".." {
        return None;
    }
    let mut folder = Vec::new();
    for segment in segments {
        match segment {
            "" | "." => {}
            ".." => {
                folder.pop()?;
            }
            other => folder.push(other.to_string()),
        }
    }
    Some(folder)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn protocol_relative_and_backslash_references_are_remote() {
        for reference in [
            "//evil.example/x.png",
            "\\\\evil\\share\\x.png",
            " HTTPS://x.example",
            "mailto:a@b.example",
            "/\t/evil.example/x",
        ] {
            assert_eq!(
                classify_reference(reference).1,
                ReferenceKind::Remote,
                "{reference}"
            );
        }
        for reference in ["images/x.png", "../a.md", "a%3Ab.png", "img/a:b.png"] {
            assert_eq!(
                classify_reference(reference).1,
                ReferenceKind::Local,
                "{reference}"
            );
        }
        assert_eq!(classify_reference("#top").1, ReferenceKind::SameDocument);
        assert_eq!(classify_reference("DATA:x").1, ReferenceKind::Data);
    }

    #[test]
    fn local_references_resolve_from_the_article_folder() {
        let folder = vec!["fa".to_string()];
        assert_eq!(
            resolve_local(&folder, "images/a%20b.png#x"),
            Resolved::Path {
                segments: vec!["fa".into(), "images".into(), "a b.png".into()],
                names_folder: false,
                fragment: "x".into()
            }
        );
        assert_eq!(
            resolve_local(&folder, "../..%5Cetc"),
            Resolved::OutsideEdition
        );
        assert_eq!(resolve_local(&folder, "?q=1"), Resolved::SameDocument);
        assert_eq!(
            resolve_local(&folder, "%ff.png"),
            Resolved::InvalidPercentEncoding
        );
        assert_eq!(folder_of("fa/x/../nanvayi.html"), Some(vec!["fa".into()]));
        assert_eq!(folder_of("../x.md"), None);
    }

    #[test]
    fn front_matter_ends_at_three_dashes_or_dots() {
        assert_eq!(split_front_matter("# t\n"), FrontMatter::Absent);
        assert_eq!(
            split_front_matter("--- \r\ntitle: x\n...\nbody"),
            FrontMatter::Present {
                yaml: "title: x\n",
                body: "body"
            }
        );
        assert_eq!(
            split_front_matter("---\ntitle: x\n"),
            FrontMatter::NotClosed
        );
    }
}
