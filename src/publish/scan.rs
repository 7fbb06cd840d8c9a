//! Recognising articles in an edition folder and checking what they would load.
//!
//! An edition is read offline by people for whom a single network request made by an
//! article (a tracking pixel, a web font, a CDN stylesheet) can reveal that they are reading
//! banned media. The packer therefore scans every article before it is signed: it records the
//! article's metadata, lists every local file the article loads (so a missing image is caught
//! at pack time, not on the reader's device) and lists every resource that would be fetched from
//! the network, so the packer can refuse the article.
//!
//! The scan is deliberately conservative: when in doubt, a reference is reported rather than
//! ignored. Links (`<a href>`, Markdown links) are not resources: following one is the reader's
//! own decision, made with a click.
//!
//! Everything here is a pure function over bytes: no file I/O, no network, no panics on any
//! input (publisher content is parsed with html5ever, cssparser, pulldown-cmark and
//! yaml-rust2, all of which tolerate malformed input; nesting is bounded so hostile input cannot
//! exhaust the stack).

use std::collections::{HashMap, HashSet};

use cssparser::{ParseError, Parser as CssParser, Token};
use pulldown_cmark::{Event, HeadingLevel, Parser as MdParser, Tag, TagEnd};
use scraper::{ElementRef, Html};
use serde::{Deserialize, Serialize};

pub use crate::format::{ArticleKind, article_kind};

use crate::article::{
    FrontMatter, MARKDOWN_OPTIONS, ReferenceKind, Resolved, classify_reference, percent_decode,
    resolve_local,
};
use yaml_rust2::parser::{Event as YamlEvent, Parser as YamlParser};
use yaml_rust2::scanner::TScalarStyle;

/// How deeply documents may be embedded in one another (`<iframe srcdoc>`, `<noscript>`,
/// `data:` documents) before the scan gives up. Each level is parsed again from text, so the
/// limit keeps a hostile article from making the scan recurse without bound.
const MAX_EMBED_DEPTH: usize = 8;

/// How deeply CSS blocks and functions may nest before the scan gives up. Real stylesheets
/// nest a handful of levels; the limit keeps the recursive walk within a small, fixed stack.
const MAX_CSS_DEPTH: usize = 64;

const HTML_NAMESPACE: &str = "http://www.w3.org/1999/xhtml";
const SVG_NAMESPACE: &str = "http://www.w3.org/2000/svg";

/// What scanning one article found: its metadata and everything it would load.
///
/// The packer records the metadata in the edition's manifest, checks that every local resource
/// exists, and refuses the article if any remote resource is listed.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ArticleScan {
    /// The headline. Markdown: front matter `title`, else the first level-1 heading; HTML:
    /// `<title>`, else the first `<h1>`. Trimmed, with runs of whitespace collapsed to one space.
    pub title: Option<String>,
    /// Publication date as written. Markdown: front matter `date`; HTML: `<meta name="date">`,
    /// else the first `<time datetime>`.
    pub date: Option<String>,
    /// Authors in the order given. Markdown: front matter `authors` (a list or one string) or
    /// `author`; HTML: every `<meta name="author">`.
    pub authors: Vec<String>,
    /// Language tag. Markdown: front matter `lang` or `language`; HTML: `<html lang>`.
    pub language: Option<String>,
    /// Short description. Markdown: front matter `summary` or `description`; HTML:
    /// `<meta name="description">`.
    pub summary: Option<String>,
    /// Text direction (`rtl`, `ltr`, `auto`). Markdown: front matter `dir`; HTML: `<html dir>`.
    pub direction: Option<String>,
    /// Local files the article loads (images, stylesheets, media, fonts...), resolved to
    /// edition-relative paths, deduplicated by path, in first-seen order (in Markdown, the
    /// Markdown images first, then what raw HTML loads).
    pub local_resources: Vec<LocalReference>,
    /// Resources that would be fetched from the network when the article is displayed.
    /// Links (`<a href>`, Markdown links) are not resources. Deduplicated by reference and
    /// context, in first-seen order.
    pub remote_resources: Vec<RemoteReference>,
}

/// A local file an article loads, so the packer can check that it exists and is included.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct LocalReference {
    /// The reference as written in the article (trimmed), for error messages.
    pub reference: String,
    /// The file it points to, relative to the edition root, `/`-separated, percent-decoded,
    /// without query or fragment, with `.` and `..` resolved.
    pub path: String,
    /// Whether the file is displayed as an image (`<img>`, `srcset`, Markdown image, video
    /// poster, SVG `<image>`, icons, background images), so the packer can check its type.
    pub is_image: bool,
}

/// A resource that would make the reader's device contact a server (or that cannot be loaded
/// locally at all, such as a `javascript:` or unknown-scheme URL in a resource position).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RemoteReference {
    /// The URL as written in the article (trimmed).
    pub reference: String,
    /// Where it was found, e.g. `<img src>`, `<script src>`, `CSS url()`, `CSS @import`,
    /// `<link rel=stylesheet>`, `<iframe src>`, `Markdown image`. References found inside an
    /// embedded document say so, e.g. `<img src> inside <noscript>`.
    pub context: String,
}

/// Why an article cannot be scanned. Each message is one sentence naming the article and the
/// offending value, written for the publisher who has to fix it.
#[derive(Debug, thiserror::Error)]
pub enum ArticleError {
    /// The article's bytes are not UTF-8, so its text cannot be read reliably.
    #[error("{path} is not valid UTF-8 text (the first invalid byte is at offset {offset})")]
    InvalidUtf8 {
        /// The article's edition-relative path.
        path: String,
        /// Byte offset of the first invalid sequence.
        offset: usize,
    },
    /// The article path itself climbs out of the edition or is empty.
    #[error("{path:?} is not a valid edition-relative article path")]
    InvalidArticlePath {
        /// The path as given.
        path: String,
    },
    /// The Markdown file starts a front matter block with `---` but never ends it.
    #[error("{path} opens front matter with a `---` line but has no closing `---` or `...` line")]
    FrontMatterNotClosed {
        /// The article's edition-relative path.
        path: String,
    },
    /// The front matter block is not valid YAML.
    #[error("{path} has front matter that is not valid YAML: {message}")]
    FrontMatterYaml {
        /// The article's edition-relative path.
        path: String,
        /// The YAML parser's message, with its position.
        message: String,
    },
    /// The front matter is valid YAML but not a mapping of keys to values.
    #[error("{path} has front matter that is {found} instead of a mapping of keys to values")]
    FrontMatterNotMapping {
        /// The article's edition-relative path.
        path: String,
        /// What was found instead, e.g. "a list".
        found: String,
    },
    /// A front matter key that is read (title, date, author...) has a value that is not text.
    #[error("{path} has front matter key `{key}` whose value is {found}, not text")]
    FrontMatterNotText {
        /// The article's edition-relative path.
        path: String,
        /// The key.
        key: String,
        /// What was found instead, e.g. "a mapping".
        found: String,
    },
    /// The same front matter key appears twice, so which one is meant is unclear.
    #[error("{path} has front matter key `{key}` more than once")]
    FrontMatterDuplicateKey {
        /// The article's edition-relative path.
        path: String,
        /// The repeated key.
        key: String,
    },
    /// A reference climbs above the edition root, where the reader has nothing to show.
    #[error("{path} references {reference:?}, which points outside the edition folder")]
    OutsideEdition {
        /// The article's edition-relative path.
        path: String,
        /// The reference as written.
        reference: String,
    },
    /// A local reference whose percent-encoding does not decode to UTF-8 cannot name a file.
    #[error("{path} references {reference:?}, whose percent-encoding does not decode to UTF-8")]
    InvalidPercentEncoding {
        /// The article's edition-relative path.
        path: String,
        /// The reference as written.
        reference: String,
    },
    /// Embedded documents or CSS blocks nest too deeply to be checked with a bounded stack.
    #[error(
        "{path} nests {what} more than {limit} levels deep, too deep to check for remote resources"
    )]
    TooDeeplyNested {
        /// The article's edition-relative path.
        path: String,
        /// What nests, e.g. "CSS blocks".
        what: &'static str,
        /// The limit that was exceeded.
        limit: usize,
    },
}

/// Scans one article: reads its metadata and lists the local and remote resources it loads.
///
/// `path` is the article's edition-relative path (`/`-separated, e.g. `ru/2026/statya.md`);
/// relative references are resolved from its folder. `bytes` is its content, which must be
/// UTF-8 (an optional byte order mark is skipped). The function never touches the file system:
/// whether local resources exist is for the caller to check.
///
/// # Errors
/// Invalid UTF-8, malformed front matter, a reference that leaves the edition folder or does
/// not percent-decode to UTF-8, or nesting too deep to check. A remote resource is *not* an
/// error here: it is listed in [`ArticleScan::remote_resources`] so the caller can report all
/// of them at once.
pub fn scan_article(
    path: &str,
    kind: ArticleKind,
    bytes: &[u8],
) -> Result<ArticleScan, ArticleError> {
    let text = decode_text(path, bytes)?;
    let base = folder_of(path)?;
    match kind {
        ArticleKind::Markdown => scan_markdown(path, base, text),
        ArticleKind::Html => scan_html_article(path, base, text),
    }
}

/// Scans a local stylesheet (`.css`) for the files and remote resources it loads.
///
/// A local stylesheet that an article loads can itself `@import` a web font or reference a
/// remote background image, so the packer should scan every `.css` file of the edition too.
/// Relative references are resolved from the stylesheet's own folder, as browsers do. Only the
/// resource lists of the result are filled; the metadata fields stay empty.
///
/// # Errors
/// As for [`scan_article`]: invalid UTF-8, a reference outside the edition, bad
/// percent-encoding, or nesting too deep to check.
pub fn scan_stylesheet(path: &str, bytes: &[u8]) -> Result<ArticleScan, ArticleError> {
    let text = decode_text(path, bytes)?;
    let base = folder_of(path)?;
    let mut collector = Collector::new(path, base);
    collector.css(text)?;
    Ok(collector.finish(ArticleScan::default()))
}

fn decode_text<'b>(path: &str, bytes: &'b [u8]) -> Result<&'b str, ArticleError> {
    let text = std::str::from_utf8(bytes).map_err(|e| ArticleError::InvalidUtf8 {
        path: path.to_string(),
        offset: e.valid_up_to(),
    })?;
    Ok(text.strip_prefix('\u{feff}').unwrap_or(text))
}

/// The folder of an edition-relative file path, as segments.
fn folder_of(path: &str) -> Result<Vec<String>, ArticleError> {
    crate::article::folder_of(path).ok_or_else(|| ArticleError::InvalidArticlePath {
        path: path.to_string(),
    })
}

// ---------------------------------------------------------------------------------------------
// Markdown
// ---------------------------------------------------------------------------------------------

fn scan_markdown(path: &str, base: Vec<String>, text: &str) -> Result<ArticleScan, ArticleError> {
    let (front_matter, body) = split_front_matter(path, text)?;
    let mut scan = match front_matter {
        Some(yaml) => parse_front_matter(path, yaml)?,
        None => ArticleScan::default(),
    };

    let options = MARKDOWN_OPTIONS;
    let mut events = Vec::new();
    let mut images = Vec::new();
    let mut has_raw_html = false;
    let mut heading_text: Option<String> = None;
    let mut first_heading: Option<String> = None;

    for event in MdParser::new_ext(body, options) {
        match &event {
            Event::Start(Tag::Heading {
                level: HeadingLevel::H1,
                ..
            }) if first_heading.is_none() && heading_text.is_none() => {
                heading_text = Some(String::new());
            }
            Event::End(TagEnd::Heading(HeadingLevel::H1)) => {
                if let Some(text) = heading_text.take() {
                    first_heading = collapse_whitespace(&text);
                }
            }
            Event::Text(t) | Event::Code(t) => {
                if let Some(heading) = heading_text.as_mut() {
                    heading.push_str(t);
                }
            }
            Event::SoftBreak | Event::HardBreak => {
                if let Some(heading) = heading_text.as_mut() {
                    heading.push(' ');
                }
            }
            Event::Html(_) | Event::InlineHtml(_) => has_raw_html = true,
            _ => {}
        }
        // Markdown images are recorded as such; in the HTML rendering used to scan raw HTML
        // they are blanked out so they are not reported a second time as `<img src>`.
        let event = match event {
            Event::Start(Tag::Image {
                link_type,
                dest_url,
                title,
                id,
            }) => {
                images.push(dest_url.to_string());
                Event::Start(Tag::Image {
                    link_type,
                    dest_url: "".into(),
                    title,
                    id,
                })
            }
            other => other,
        };
        events.push(event);
    }

    if scan.title.is_none() {
        scan.title = first_heading;
    }

    let mut collector = Collector::new(path, base);
    // Raw HTML is scanned as part of the rendered document, not piece by piece: an HTML block
    // can leave a tag or a `<style>` element open, and the browser then reads the Markdown
    // that follows as part of it.
    let rendered = if has_raw_html {
        let mut html = String::new();
        pulldown_cmark::html::push_html(&mut html, events.into_iter());
        let document = Html::parse_fragment(&html);
        collector.apply_base(&document)?;
        Some(document)
    } else {
        None
    };
    for image in &images {
        collector.reference(image, "Markdown image", true, Embedded::None)?;
    }
    if let Some(document) = &rendered {
        collector.walk(document)?;
    }
    Ok(collector.finish(scan))
}

/// Splits `---` front matter from the Markdown body (see [`crate::article::split_front_matter`]).
fn split_front_matter<'t>(
    path: &str,
    text: &'t str,
) -> Result<(Option<&'t str>, &'t str), ArticleError> {
    match crate::article::split_front_matter(text) {
        FrontMatter::Absent => Ok((None, text)),
        FrontMatter::Present { yaml, body } => Ok((Some(yaml), body)),
        FrontMatter::NotClosed => Err(ArticleError::FrontMatterNotClosed {
            path: path.to_string(),
        }),
    }
}

/// A front matter value, as far as the scan cares.
enum YamlValue {
    /// A scalar, as written (numbers and dates keep their text).
    Text(String),
    /// A plain empty scalar, `~` or `null`.
    Null,
    /// A list; `None` items are not scalars.
    List(Vec<Option<String>>),
    /// A nested mapping or an alias.
    Other(&'static str),
}

/// Parses front matter with yaml-rust2's event parser. Scalars are taken as written, so
/// `date: 2026-03-01` stays text and `0.10` keeps its zero. Aliases are never expanded, so a
/// "billion laughs" document costs no memory, and nested collections are skipped with a
/// counter, so no depth can exhaust the stack.
fn parse_front_matter(path: &str, yaml: &str) -> Result<ArticleScan, ArticleError> {
    let yaml_error = |message: String| ArticleError::FrontMatterYaml {
        path: path.to_string(),
        message,
    };
    let mut parser = YamlParser::new_from_str(yaml);
    let mut next = move || {
        parser
            .next_token()
            .map(|(event, _)| event)
            .map_err(|e| yaml_error(e.to_string()))
    };

    let mut values: HashMap<String, YamlValue> = HashMap::new();
    let mut documents = 0usize;
    loop {
        match next()? {
            YamlEvent::StreamEnd => break,
            YamlEvent::DocumentStart => {
                documents += 1;
                if documents > 1 {
                    return Err(ArticleError::FrontMatterYaml {
                        path: path.to_string(),
                        message: "it contains more than one YAML document".to_string(),
                    });
                }
            }
            YamlEvent::Scalar(value, style, _, _) if !is_null(&value, style) => {
                return Err(not_mapping(path, "a single text value"));
            }
            YamlEvent::SequenceStart(..) => return Err(not_mapping(path, "a list")),
            YamlEvent::Alias(_) => return Err(not_mapping(path, "an alias")),
            YamlEvent::MappingStart(..) => read_mapping(path, &mut next, &mut values)?,
            _ => {}
        }
    }

    let mut scan = ArticleScan::default();
    let text = |key: &str,
                values: &mut HashMap<String, YamlValue>|
     -> Result<Option<String>, ArticleError> {
        match values.remove(key) {
            None | Some(YamlValue::Null) => Ok(None),
            Some(YamlValue::Text(value)) => Ok(non_empty(value.trim())),
            Some(YamlValue::List(_)) => Err(not_text(path, key, "a list")),
            Some(YamlValue::Other(found)) => Err(not_text(path, key, found)),
        }
    };
    scan.title = text("title", &mut values)?.and_then(|t| collapse_whitespace(&t));
    scan.date = text("date", &mut values)?;
    scan.language = first_some(text("lang", &mut values)?, || text("language", &mut values))?;
    scan.summary = first_some(text("summary", &mut values)?, || {
        text("description", &mut values)
    })?;
    scan.direction = text("dir", &mut values)?;
    let authors_key = if values.contains_key("authors") {
        "authors"
    } else {
        "author"
    };
    scan.authors = match values.remove(authors_key) {
        None | Some(YamlValue::Null) => Vec::new(),
        Some(YamlValue::Text(author)) => non_empty(author.trim()).into_iter().collect(),
        Some(YamlValue::List(items)) => {
            let mut authors = Vec::new();
            for item in items {
                match item {
                    Some(author) => authors.extend(non_empty(author.trim())),
                    None => {
                        return Err(not_text(path, authors_key, "a list with a non-text item"));
                    }
                }
            }
            authors
        }
        Some(YamlValue::Other(found)) => return Err(not_text(path, authors_key, found)),
    };
    Ok(scan)
}

fn first_some(
    first: Option<String>,
    second: impl FnOnce() -> Result<Option<String>, ArticleError>,
) -> Result<Option<String>, ArticleError> {
    match first {
        Some(value) => Ok(Some(value)),
        None => second(),
    }
}

/// Reads the top-level mapping (its `MappingStart` already consumed) up to its `MappingEnd`.
fn read_mapping(
    path: &str,
    next: &mut impl FnMut() -> Result<YamlEvent, ArticleError>,
    values: &mut HashMap<String, YamlValue>,
) -> Result<(), ArticleError> {
    loop {
        // Key.
        let key = match next()? {
            YamlEvent::MappingEnd | YamlEvent::StreamEnd => return Ok(()),
            YamlEvent::Scalar(key, _, _, _) => Some(key),
            YamlEvent::SequenceStart(..) | YamlEvent::MappingStart(..) => {
                skip_collection(next)?;
                None
            }
            _ => None,
        };
        // Value.
        let value = match next()? {
            YamlEvent::Scalar(value, style, _, _) => {
                if is_null(&value, style) {
                    YamlValue::Null
                } else {
                    YamlValue::Text(value)
                }
            }
            YamlEvent::SequenceStart(..) => read_list(next)?,
            YamlEvent::MappingStart(..) => {
                skip_collection(next)?;
                YamlValue::Other("a mapping")
            }
            YamlEvent::Alias(_) => YamlValue::Other("an alias"),
            YamlEvent::StreamEnd => return Ok(()),
            _ => YamlValue::Other("not a value"),
        };
        if let Some(key) = key {
            if values.contains_key(&key) {
                return Err(ArticleError::FrontMatterDuplicateKey {
                    path: path.to_string(),
                    key,
                });
            }
            values.insert(key, value);
        }
    }
}

/// Reads a list (its `SequenceStart` already consumed); nested items become `None`.
fn read_list(
    next: &mut impl FnMut() -> Result<YamlEvent, ArticleError>,
) -> Result<YamlValue, ArticleError> {
    let mut items = Vec::new();
    loop {
        match next()? {
            YamlEvent::SequenceEnd | YamlEvent::StreamEnd => return Ok(YamlValue::List(items)),
            YamlEvent::Scalar(value, style, _, _) => {
                if !is_null(&value, style) {
                    items.push(Some(value));
                }
            }
            YamlEvent::SequenceStart(..) | YamlEvent::MappingStart(..) => {
                skip_collection(next)?;
                items.push(None);
            }
            _ => items.push(None),
        }
    }
}

/// Skips a nested collection (its start already consumed) with a counter, not recursion.
fn skip_collection(
    next: &mut impl FnMut() -> Result<YamlEvent, ArticleError>,
) -> Result<(), ArticleError> {
    let mut depth = 1usize;
    while depth > 0 {
        match next()? {
            YamlEvent::SequenceStart(..) | YamlEvent::MappingStart(..) => depth += 1,
            YamlEvent::SequenceEnd | YamlEvent::MappingEnd => depth -= 1,
            YamlEvent::StreamEnd => return Ok(()),
            _ => {}
        }
    }
    Ok(())
}

fn is_null(value: &str, style: TScalarStyle) -> bool {
    style == TScalarStyle::Plain && matches!(value, "" | "~" | "null" | "Null" | "NULL")
}

fn not_mapping(path: &str, found: &str) -> ArticleError {
    ArticleError::FrontMatterNotMapping {
        path: path.to_string(),
        found: found.to_string(),
    }
}

fn not_text(path: &str, key: &str, found: &str) -> ArticleError {
    ArticleError::FrontMatterNotText {
        path: path.to_string(),
        key: key.to_string(),
        found: found.to_string(),
    }
}

// ---------------------------------------------------------------------------------------------
// HTML
// ---------------------------------------------------------------------------------------------

fn scan_html_article(
    path: &str,
    base: Vec<String>,
    text: &str,
) -> Result<ArticleScan, ArticleError> {
    let document = Html::parse_document(text);
    let mut scan = ArticleScan::default();
    html_metadata(&document, &mut scan);
    let mut collector = Collector::new(path, base);
    collector.apply_base(&document)?;
    collector.walk(&document)?;
    Ok(collector.finish(scan))
}

/// Reads title, date, authors, language, summary and direction from an HTML document.
fn html_metadata(document: &Html, scan: &mut ArticleScan) {
    let root = document.tree.root();
    if let Some(html) = root.children().find_map(ElementRef::wrap) {
        scan.language = html.value().attr("lang").and_then(non_empty_trimmed);
        scan.direction = html.value().attr("dir").and_then(non_empty_trimmed);
    }
    let mut title = None;
    let mut heading = None;
    let mut meta_date = None;
    let mut time = None;
    for node in root.descendants() {
        let Some(element) = ElementRef::wrap(node) else {
            continue;
        };
        let value = element.value();
        if &*value.name.ns != HTML_NAMESPACE {
            continue;
        }
        match value.name() {
            "title" if title.is_none() => {
                title = collapse_whitespace(&element.text().collect::<String>());
            }
            "h1" if heading.is_none() => {
                heading = collapse_whitespace(&element.text().collect::<String>());
            }
            "time" if time.is_none() => {
                time = value.attr("datetime").and_then(non_empty_trimmed);
            }
            "meta" => {
                let name = value.attr("name").unwrap_or("").trim();
                let content = value.attr("content").and_then(non_empty_trimmed);
                if name.eq_ignore_ascii_case("date") && meta_date.is_none() {
                    meta_date = content;
                } else if name.eq_ignore_ascii_case("author") {
                    scan.authors.extend(content);
                } else if name.eq_ignore_ascii_case("description") && scan.summary.is_none() {
                    scan.summary = content;
                }
            }
            _ => {}
        }
    }
    scan.title = title.or(heading);
    scan.date = meta_date.or(time);
}

/// Whether a `data:` URL's content is itself a document or stylesheet that could load more.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Embedded {
    /// An image, media or font: a `data:` URL here loads nothing else.
    None,
    /// A document (`<iframe>`, `<object>`, `<embed>`, SVG `<use>`): scanned as HTML.
    Document,
    /// A stylesheet (`<link rel=stylesheet>`, `@import`): scanned as CSS.
    Stylesheet,
}

/// How a reference string is to be treated.
enum Target {
    Ignore,
    Data,
    Remote,
    Local,
}

/// Accumulates the resources found while walking an article and its embedded documents.
struct Collector<'p> {
    article: &'p str,
    /// The folder relative references are resolved from (the article's, or `<base href>`).
    base: Vec<String>,
    /// False inside `data:` documents, whose relative references resolve to nothing.
    locals_enabled: bool,
    /// Appended to contexts found inside embedded documents, e.g. " inside <noscript>".
    note: String,
    depth: usize,
    local: Vec<LocalReference>,
    local_index: HashMap<String, usize>,
    remote: Vec<RemoteReference>,
    remote_seen: HashSet<(String, String)>,
}

impl<'p> Collector<'p> {
    fn new(article: &'p str, base: Vec<String>) -> Self {
        Collector {
            article,
            base,
            locals_enabled: true,
            note: String::new(),
            depth: 0,
            local: Vec::new(),
            local_index: HashMap::new(),
            remote: Vec::new(),
            remote_seen: HashSet::new(),
        }
    }

    fn finish(self, mut scan: ArticleScan) -> ArticleScan {
        scan.local_resources = self.local;
        scan.remote_resources = self.remote;
        scan
    }

    fn classify(raw: &str) -> (String, Target) {
        let (cleaned, kind) = classify_reference(raw);
        let target = match kind {
            ReferenceKind::SameDocument => Target::Ignore,
            ReferenceKind::Data => Target::Data,
            ReferenceKind::Remote => Target::Remote,
            ReferenceKind::Local => Target::Local,
        };
        (cleaned, target)
    }

    /// Records one reference found in a resource position.
    fn reference(
        &mut self,
        raw: &str,
        context: &str,
        is_image: bool,
        embedded: Embedded,
    ) -> Result<(), ArticleError> {
        let (cleaned, target) = Self::classify(raw);
        match target {
            Target::Ignore => Ok(()),
            Target::Remote => {
                self.push_remote(raw, context);
                Ok(())
            }
            Target::Data => self.data_url(&cleaned, context, embedded),
            Target::Local => {
                if !self.locals_enabled {
                    return Ok(());
                }
                let Some((segments, _)) = self.resolve(&cleaned, raw)? else {
                    return Ok(());
                };
                if segments.is_empty() {
                    // The edition root itself: a folder, not a file; nothing to load.
                    return Ok(());
                }
                self.push_local(raw, segments.join("/"), is_image);
                Ok(())
            }
        }
    }

    /// Records a reference that only matters when remote: a navigation (form action, refresh)
    /// or a connection hint (preconnect) sends a request to a server, but names no file.
    fn remote_only(&mut self, raw: &str, context: &str) {
        if let (_, Target::Remote) = Self::classify(raw) {
            self.push_remote(raw, context);
        }
    }

    fn push_remote(&mut self, raw: &str, context: &str) {
        let reference = raw.trim_ascii().to_string();
        let context = format!("{context}{}", self.note);
        if self
            .remote_seen
            .insert((reference.clone(), context.clone()))
        {
            self.remote.push(RemoteReference { reference, context });
        }
    }

    fn push_local(&mut self, raw: &str, path: String, is_image: bool) {
        if let Some(&index) = self.local_index.get(&path) {
            if let Some(existing) = self.local.get_mut(index) {
                existing.is_image |= is_image;
            }
            return;
        }
        self.local_index.insert(path.clone(), self.local.len());
        self.local.push(LocalReference {
            reference: raw.trim_ascii().to_string(),
            path,
            is_image,
        });
    }

    /// Resolves a local reference to edition-root segments. Returns `None` for a reference to
    /// the document itself (only a query or fragment); the flag says whether it names a folder.
    fn resolve(
        &self,
        cleaned: &str,
        raw: &str,
    ) -> Result<Option<(Vec<String>, bool)>, ArticleError> {
        match resolve_local(&self.base, cleaned) {
            Resolved::SameDocument => Ok(None),
            Resolved::Path {
                segments,
                names_folder,
                ..
            } => Ok(Some((segments, names_folder))),
            Resolved::InvalidPercentEncoding => Err(ArticleError::InvalidPercentEncoding {
                path: self.article.to_string(),
                reference: raw.trim_ascii().to_string(),
            }),
            Resolved::OutsideEdition => Err(ArticleError::OutsideEdition {
                path: self.article.to_string(),
                reference: raw.trim_ascii().to_string(),
            }),
        }
    }

    /// Scans the content of a `data:` URL that is itself a document or a stylesheet: it can
    /// load remote resources of its own.
    fn data_url(
        &mut self,
        cleaned: &str,
        context: &str,
        embedded: Embedded,
    ) -> Result<(), ArticleError> {
        if embedded == Embedded::None {
            return Ok(());
        }
        let Some(bytes) = decode_data_url(cleaned) else {
            return Ok(());
        };
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let note = format!("a data: URL in {context}");
        self.nested(&note, false, |collector| match embedded {
            Embedded::Stylesheet => collector.css(&text),
            Embedded::Document | Embedded::None => {
                let document = Html::parse_document(&text);
                collector.walk(&document)
            }
        })
    }

    /// Runs `scan` one embedding level deeper, restoring base, notes and flags afterwards.
    fn nested(
        &mut self,
        inside: &str,
        locals_enabled: bool,
        scan: impl FnOnce(&mut Self) -> Result<(), ArticleError>,
    ) -> Result<(), ArticleError> {
        if self.depth >= MAX_EMBED_DEPTH {
            return Err(ArticleError::TooDeeplyNested {
                path: self.article.to_string(),
                what: "embedded documents (srcdoc, noscript or data: URLs)",
                limit: MAX_EMBED_DEPTH,
            });
        }
        let saved_base = self.base.clone();
        let saved_note = std::mem::replace(&mut self.note, format!(" inside {inside}"));
        self.note.push_str(&saved_note);
        let saved_locals = self.locals_enabled;
        self.locals_enabled = saved_locals && locals_enabled;
        self.depth += 1;
        let result = scan(self);
        self.depth -= 1;
        self.locals_enabled = saved_locals;
        self.note = saved_note;
        self.base = saved_base;
        result
    }

    /// Applies the document's first `<base href>` to relative references, as a browser would.
    /// A remote base is reported by [`Collector::walk`]; a local one moves the base folder.
    fn apply_base(&mut self, document: &Html) -> Result<(), ArticleError> {
        if !self.locals_enabled {
            return Ok(());
        }
        let href = document
            .tree
            .root()
            .descendants()
            .filter_map(ElementRef::wrap)
            .filter(|e| e.value().name() == "base" && &*e.value().name.ns == HTML_NAMESPACE)
            .find_map(|e| e.value().attr("href"));
        let Some(href) = href else {
            return Ok(());
        };
        let (cleaned, target) = Self::classify(href);
        if let Target::Local = target
            && let Some((mut segments, folder)) = self.resolve(&cleaned, href)?
        {
            if !folder {
                segments.pop();
            }
            self.base = segments;
        }
        Ok(())
    }

    /// Walks every element of a parsed document in tree order (including `<template>`
    /// contents) and records what it loads.
    fn walk(&mut self, document: &Html) -> Result<(), ArticleError> {
        for node in document.tree.root().descendants() {
            if let Some(element) = ElementRef::wrap(node) {
                self.element(element)?;
            }
        }
        Ok(())
    }

    fn element(&mut self, element: ElementRef<'_>) -> Result<(), ArticleError> {
        let value = element.value();
        let name = value.name().to_ascii_lowercase();
        let is_svg = &*value.name.ns == SVG_NAMESPACE;

        for (attribute, content) in value.attrs() {
            let attribute = attribute.to_ascii_lowercase();
            match attribute.as_str() {
                "style" => self.css(content)?,
                "background" => self.reference(
                    content,
                    &format!("<{name} background>"),
                    true,
                    Embedded::None,
                )?,
                // SVG presentation attributes take CSS values, including url().
                "fill" | "stroke" | "filter" | "mask" | "clip-path" | "marker-start"
                | "marker-mid" | "marker-end" | "cursor"
                    if is_svg =>
                {
                    self.css(content)?
                }
                // In SVG every href (or xlink:href) except a link's loads something: an image,
                // a `<use>`d shape, a gradient, a script...
                "href" | "xlink:href" if is_svg && name != "a" => {
                    let is_image = name == "image" || name == "feimage";
                    let embedded = if name == "use" {
                        Embedded::Document
                    } else {
                        Embedded::None
                    };
                    let context = format!("<{} href>", value.name());
                    self.reference(content, &context, is_image, embedded)?;
                }
                _ => {}
            }
        }

        let attr = |name: &str| value.attr(name);
        match name.as_str() {
            "img" => {
                self.attribute(attr("src"), "<img src>", true, Embedded::None)?;
                self.srcset(attr("srcset"), "<img srcset>")?;
            }
            "source" => {
                let in_picture = element
                    .parent()
                    .and_then(ElementRef::wrap)
                    .is_some_and(|p| p.value().name().eq_ignore_ascii_case("picture"));
                self.attribute(attr("src"), "<source src>", in_picture, Embedded::None)?;
                self.srcset(attr("srcset"), "<source srcset>")?;
            }
            "video" => {
                self.attribute(attr("src"), "<video src>", false, Embedded::None)?;
                self.attribute(attr("poster"), "<video poster>", true, Embedded::None)?;
            }
            "audio" => self.attribute(attr("src"), "<audio src>", false, Embedded::None)?,
            // MathML glyph images (rendered by Firefox).
            "mglyph" => self.attribute(attr("src"), "<mglyph src>", true, Embedded::None)?,
            "track" => self.attribute(attr("src"), "<track src>", false, Embedded::None)?,
            "script" => self.attribute(attr("src"), "<script src>", false, Embedded::None)?,
            "iframe" => {
                self.attribute(attr("src"), "<iframe src>", false, Embedded::Document)?;
                if let Some(srcdoc) = attr("srcdoc") {
                    // A srcdoc document shares the article's base URL.
                    self.nested("<iframe srcdoc>", true, |collector| {
                        let document = Html::parse_document(srcdoc);
                        collector.apply_base(&document)?;
                        collector.walk(&document)
                    })?;
                }
            }
            "frame" => self.attribute(attr("src"), "<frame src>", false, Embedded::Document)?,
            "embed" => self.attribute(attr("src"), "<embed src>", false, Embedded::Document)?,
            "object" => self.attribute(attr("data"), "<object data>", false, Embedded::Document)?,
            "input" => {
                let is_image_button =
                    attr("type").is_some_and(|t| t.trim().eq_ignore_ascii_case("image"));
                if is_image_button {
                    self.attribute(attr("src"), "<input type=image src>", true, Embedded::None)?;
                }
                if let Some(action) = attr("formaction") {
                    self.remote_only(action, "<input formaction>");
                }
            }
            "button" => {
                if let Some(action) = attr("formaction") {
                    self.remote_only(action, "<button formaction>");
                }
            }
            "form" => {
                if let Some(action) = attr("action") {
                    self.remote_only(action, "<form action>");
                }
            }
            "link" => self.link(element)?,
            "meta" => {
                let refresh =
                    attr("http-equiv").is_some_and(|h| h.trim().eq_ignore_ascii_case("refresh"));
                if refresh && let Some(url) = attr("content").and_then(refresh_url) {
                    self.remote_only(url, "<meta http-equiv=refresh>");
                }
            }
            "base" => {
                if let Some(href) = attr("href") {
                    self.remote_only(href, "<base href>");
                }
            }
            // Hyperlink auditing: clicking the link also sends a POST to every ping URL.
            "a" | "area" => {
                if let Some(ping) = attr("ping") {
                    let context = format!("<{name} ping>");
                    for url in ping.split_ascii_whitespace() {
                        self.remote_only(url, &context);
                    }
                }
            }
            "html" => self.attribute(attr("manifest"), "<html manifest>", false, Embedded::None)?,
            "style" => {
                let css = direct_text(element);
                self.css(&css)?;
            }
            // With scripting off (as in a locked-down viewer) `<noscript>` content is rendered;
            // the parser kept it as text, so parse it again.
            "noscript" => {
                let fragment = direct_text(element);
                if fragment.contains('<') {
                    self.nested("<noscript>", true, |collector| {
                        collector.walk(&Html::parse_fragment(&fragment))
                    })?;
                }
            }
            // SVG animation can set an `href` to a new URL after the document loads.
            "set" | "animate" if is_svg => {
                let animates_href = value.attrs().any(|(n, v)| {
                    n.eq_ignore_ascii_case("attributename")
                        && matches!(v.trim(), "href" | "xlink:href")
                });
                if animates_href {
                    let context = format!("<{name} href animation>");
                    for key in ["to", "from", "values"] {
                        if let Some(values) = attr(key) {
                            for url in values.split(';') {
                                self.reference(url, &context, false, Embedded::None)?;
                            }
                        }
                    }
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn attribute(
        &mut self,
        value: Option<&str>,
        context: &str,
        is_image: bool,
        embedded: Embedded,
    ) -> Result<(), ArticleError> {
        match value {
            Some(value) => self.reference(value, context, is_image, embedded),
            None => Ok(()),
        }
    }

    fn srcset(&mut self, value: Option<&str>, context: &str) -> Result<(), ArticleError> {
        for url in srcset_urls(value.unwrap_or("")) {
            self.reference(url, context, true, Embedded::None)?;
        }
        Ok(())
    }

    fn link(&mut self, element: ElementRef<'_>) -> Result<(), ArticleError> {
        const LOADING_RELS: [&str; 15] = [
            "stylesheet",
            "icon",
            "preload",
            "prefetch",
            "dns-prefetch",
            "preconnect",
            "modulepreload",
            "manifest",
            "apple-touch-icon",
            "apple-touch-icon-precomposed",
            "apple-touch-startup-image",
            "mask-icon",
            "fluid-icon",
            "prerender",
            "import",
        ];
        let value = element.value();
        let rel = value.attr("rel").unwrap_or("").to_ascii_lowercase();
        let tokens: Vec<&str> = rel.split_ascii_whitespace().collect();
        let Some(token) = tokens.iter().find(|t| LOADING_RELS.contains(t)) else {
            return Ok(());
        };
        let context = format!("<link rel={token}>");
        let href = value.attr("href");
        let hints_only = tokens
            .iter()
            .filter(|t| LOADING_RELS.contains(t))
            .all(|t| matches!(*t, "preconnect" | "dns-prefetch"));
        if hints_only {
            // A connection hint names a server, not a file: only a remote one matters.
            if let Some(href) = href {
                self.remote_only(href, &context);
            }
        } else {
            let is_image = tokens
                .iter()
                .any(|t| t.contains("icon") || *t == "apple-touch-startup-image");
            let embedded = if tokens.contains(&"stylesheet") {
                Embedded::Stylesheet
            } else {
                Embedded::None
            };
            self.attribute(href, &context, is_image, embedded)?;
        }
        self.srcset(value.attr("imagesrcset"), "<link imagesrcset>")
    }

    /// Records the `url()`, `image-set()` and `@import` references of a stylesheet, a `<style>`
    /// element or a `style` attribute.
    fn css(&mut self, css: &str) -> Result<(), ArticleError> {
        let mut found = CssUrls::default();
        let mut parser = CssParser::new(css);
        css_walk(&mut parser, &mut found, 0, false);
        if found.too_deep {
            return Err(ArticleError::TooDeeplyNested {
                path: self.article.to_string(),
                what: "CSS blocks",
                limit: MAX_CSS_DEPTH,
            });
        }
        for (url, kind) in found.urls {
            match kind {
                CssUrlKind::Url => self.reference(&url, "CSS url()", false, Embedded::None)?,
                CssUrlKind::Import => {
                    self.reference(&url, "CSS @import", false, Embedded::Stylesheet)?
                }
            }
        }
        Ok(())
    }
}

/// The content of a `data:` URL, or `None` if it is malformed (then a browser shows nothing).
fn decode_data_url(url: &str) -> Option<Vec<u8>> {
    let (_, rest) = url.split_once(':')?;
    let (meta, data) = rest.split_once(',')?;
    let is_base64 = meta
        .trim_ascii_end()
        .to_ascii_lowercase()
        .ends_with(";base64");
    let bytes = percent_decode(data);
    if is_base64 {
        base64_decode(&bytes)
    } else {
        Some(bytes)
    }
}

/// A forgiving base64 decoder (standard or URL-safe alphabet, whitespace and padding
/// tolerated), enough to look inside `data:` URLs.
fn base64_decode(input: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(input.len() / 4 * 3);
    let mut buffer: u32 = 0;
    let mut bits = 0u32;
    for &byte in input {
        let value = match byte {
            b'A'..=b'Z' => byte - b'A',
            b'a'..=b'z' => byte - b'a' + 26,
            b'0'..=b'9' => byte - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            b'=' => break,
            _ if byte.is_ascii_whitespace() => continue,
            _ => return None,
        };
        buffer = (buffer << 6) | u32::from(value);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
            buffer &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// The URLs of a `srcset` attribute, following the HTML candidate-parsing rules: a URL runs to
/// the next whitespace (so `data:` URLs keep their commas), a trailing comma ends a candidate,
/// and descriptors run to the next comma outside parentheses.
fn srcset_urls(value: &str) -> Vec<&str> {
    let mut urls = Vec::new();
    let mut rest = value;
    loop {
        rest = rest.trim_start_matches(|c: char| c.is_ascii_whitespace() || c == ',');
        if rest.is_empty() {
            return urls;
        }
        let end = rest
            .find(|c: char| c.is_ascii_whitespace())
            .unwrap_or(rest.len());
        let (url, after) = rest.split_at(end);
        let trimmed = url.trim_end_matches(',');
        urls.push(trimmed);
        if trimmed.len() != url.len() {
            rest = after;
            continue;
        }
        let mut parentheses = 0usize;
        let mut descriptors_end = after.len();
        for (index, c) in after.char_indices() {
            match c {
                '(' => parentheses += 1,
                ')' => parentheses = parentheses.saturating_sub(1),
                ',' if parentheses == 0 => {
                    descriptors_end = index;
                    break;
                }
                _ => {}
            }
        }
        rest = after.get(descriptors_end..).unwrap_or("");
    }
}

/// The URL of a `<meta http-equiv=refresh content="5; url=...">`, as browsers parse it.
fn refresh_url(content: &str) -> Option<&str> {
    let rest = content.trim_start_matches(|c: char| c.is_ascii_whitespace());
    let rest = rest.trim_start_matches(|c: char| c.is_ascii_digit() || c == '.');
    let rest = rest.trim_start_matches(|c: char| c.is_ascii_whitespace());
    let rest = rest.strip_prefix([';', ',']).unwrap_or(rest);
    let mut rest = rest.trim_start_matches(|c: char| c.is_ascii_whitespace());
    if rest.get(..3).is_some_and(|p| p.eq_ignore_ascii_case("url")) {
        let after = rest
            .get(3..)
            .unwrap_or("")
            .trim_start_matches(|c: char| c.is_ascii_whitespace());
        if let Some(value) = after.strip_prefix('=') {
            rest = value.trim_start_matches(|c: char| c.is_ascii_whitespace());
        }
    }
    let url = match rest.chars().next() {
        Some(quote @ ('"' | '\'')) => {
            let inner = rest.get(1..).unwrap_or("");
            inner.split(quote).next().unwrap_or(inner)
        }
        _ => rest,
    };
    let url = url.trim();
    (!url.is_empty()).then_some(url)
}

/// The concatenated text children of an element (the CSS of a `<style>`, the markup of a
/// `<noscript>` that the parser kept as text).
fn direct_text(element: ElementRef<'_>) -> String {
    element
        .children()
        .filter_map(|child| child.value().as_text().map(|text| text.to_string()))
        .collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CssUrlKind {
    Url,
    Import,
}

#[derive(Default)]
struct CssUrls {
    urls: Vec<(String, CssUrlKind)>,
    too_deep: bool,
}

/// Walks a CSS token stream and its nested blocks (rules, `@media`, declarations, functions),
/// collecting `url(...)` (quoted or not), `src("...")`, the strings of `image-set()` and
/// `image()`, and the
/// target of `@import`. `@namespace url(...)` names a namespace, loads nothing, and is skipped.
fn css_walk<'i>(
    parser: &mut CssParser<'i>,
    found: &mut CssUrls,
    depth: usize,
    strings_are_urls: bool,
) {
    let mut after_import = false;
    let mut in_namespace = false;
    loop {
        let token = match parser.next_including_whitespace_and_comments() {
            Ok(token) => token.clone(),
            Err(_) => return,
        };
        let kind = if after_import {
            CssUrlKind::Import
        } else {
            CssUrlKind::Url
        };
        let mut import_follows = false;
        match token {
            Token::WhiteSpace(_) | Token::Comment(_) => continue,
            Token::AtKeyword(ref name) => {
                import_follows = name.eq_ignore_ascii_case("import");
                in_namespace = name.eq_ignore_ascii_case("namespace");
            }
            Token::UnquotedUrl(ref url) if !in_namespace => {
                found.urls.push((url.to_string(), kind));
            }
            Token::QuotedString(ref string) if after_import || strings_are_urls => {
                found.urls.push((string.to_string(), kind));
            }
            Token::Function(ref name) => {
                if depth >= MAX_CSS_DEPTH {
                    found.too_deep = true;
                    return;
                }
                let name = name.to_ascii_lowercase();
                let is_url = name == "url" || name == "src";
                // In image-set() and image() a bare string is an image URL.
                let is_image_set =
                    matches!(name.as_str(), "image-set" | "-webkit-image-set" | "image");
                let skip = is_url && in_namespace;
                let _ = parser.parse_nested_block(|inner| -> Result<(), ParseError<()>> {
                    if skip {
                        return Ok(());
                    }
                    if is_url {
                        css_url_function(inner, found, kind);
                    } else {
                        css_walk(inner, found, depth + 1, is_image_set);
                    }
                    Ok(())
                });
            }
            Token::ParenthesisBlock | Token::SquareBracketBlock | Token::CurlyBracketBlock => {
                if depth >= MAX_CSS_DEPTH {
                    found.too_deep = true;
                    return;
                }
                if token == Token::CurlyBracketBlock {
                    in_namespace = false;
                }
                let _ = parser.parse_nested_block(|inner| -> Result<(), ParseError<()>> {
                    css_walk(inner, found, depth + 1, false);
                    Ok(())
                });
            }
            Token::Semicolon => in_namespace = false,
            _ => {}
        }
        after_import = import_follows;
    }
}

/// The argument of `url("...")` or `src("...")`: its first string.
fn css_url_function(parser: &mut CssParser<'_>, found: &mut CssUrls, kind: CssUrlKind) {
    while let Ok(token) = parser.next() {
        if let Token::QuotedString(url) = token {
            found.urls.push((url.to_string(), kind));
            return;
        }
    }
}

fn collapse_whitespace(text: &str) -> Option<String> {
    let collapsed = text.split_whitespace().collect::<Vec<_>>().join(" ");
    (!collapsed.is_empty()).then_some(collapsed)
}

fn non_empty(text: &str) -> Option<String> {
    (!text.is_empty()).then(|| text.to_string())
}

fn non_empty_trimmed(text: &str) -> Option<String> {
    non_empty(text.trim())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan_md(path: &str, text: &str) -> ArticleScan {
        match scan_article(path, ArticleKind::Markdown, text.as_bytes()) {
            Ok(scan) => scan,
            Err(e) => panic!("scanning {path} failed: {e}"),
        }
    }

    fn scan_html(path: &str, text: &str) -> ArticleScan {
        match scan_article(path, ArticleKind::Html, text.as_bytes()) {
            Ok(scan) => scan,
            Err(e) => panic!("scanning {path} failed: {e}"),
        }
    }

    fn local_paths(scan: &ArticleScan) -> Vec<&str> {
        scan.local_resources
            .iter()
            .map(|r| r.path.as_str())
            .collect()
    }

    fn remotes(scan: &ArticleScan) -> Vec<(&str, &str)> {
        scan.remote_resources
            .iter()
            .map(|r| (r.reference.as_str(), r.context.as_str()))
            .collect()
    }

    fn md_error(path: &str, text: &str) -> ArticleError {
        match scan_article(path, ArticleKind::Markdown, text.as_bytes()) {
            Ok(scan) => panic!("expected an error for {path}, got {scan:?}"),
            Err(e) => e,
        }
    }

    fn html_error(path: &str, text: &str) -> ArticleError {
        match scan_article(path, ArticleKind::Html, text.as_bytes()) {
            Ok(scan) => panic!("expected an error for {path}, got {scan:?}"),
            Err(e) => e,
        }
    }

    #[test]
    fn article_kind_is_decided_by_extension_case_insensitively() {
        assert_eq!(article_kind("ru/a.md"), Some(ArticleKind::Markdown));
        assert_eq!(article_kind("ru/A.MarkDown"), Some(ArticleKind::Markdown));
        assert_eq!(article_kind("index.HTML"), Some(ArticleKind::Html));
        assert_eq!(article_kind("fa/صفحه.htm"), Some(ArticleKind::Html));
        assert_eq!(article_kind("img/photo.png"), None);
        assert_eq!(article_kind("style.css"), None);
        assert_eq!(article_kind("README"), None);
        assert_eq!(article_kind(".md"), None);
        assert_eq!(article_kind("notes.md/photo.png"), None);
        assert_eq!(article_kind("archive.md.zst"), None);
    }

    #[test]
    fn markdown_front_matter_gives_all_fields() {
        let scan = scan_md(
            "ru/2026/statya.md",
            "---\n\
             title: \"  Выборы   в\n  Москве \"\n\
             date: 2026-03-01\n\
             authors:\n  - Анна Иванова\n  - Пётр Смирнов\n\
             lang: ru\n\
             summary: Коротко о главном.\n\
             dir: ltr\n\
             tags: [politics, moscow]\n\
             extra: {nested: true}\n\
             ---\n\
             # Другой заголовок\n\nТекст.\n",
        );
        assert_eq!(scan.title.as_deref(), Some("Выборы в Москве"));
        assert_eq!(scan.date.as_deref(), Some("2026-03-01"));
        assert_eq!(scan.authors, vec!["Анна Иванова", "Пётр Смирнов"]);
        assert_eq!(scan.language.as_deref(), Some("ru"));
        assert_eq!(scan.summary.as_deref(), Some("Коротко о главном."));
        assert_eq!(scan.direction.as_deref(), Some("ltr"));
        assert!(scan.local_resources.is_empty());
        assert!(scan.remote_resources.is_empty());
    }

    #[test]
    fn markdown_single_author_and_alternative_keys() {
        let scan = scan_md(
            "fa/maqale.md",
            "---\r\nauthor: مریم رضایی\r\nlanguage: fa\r\ndescription: خلاصه\r\ndir: rtl\r\ndate: 2026\r\n...\r\nمتن\r\n",
        );
        assert_eq!(scan.authors, vec!["مریم رضایی"]);
        assert_eq!(scan.language.as_deref(), Some("fa"));
        assert_eq!(scan.summary.as_deref(), Some("خلاصه"));
        assert_eq!(scan.direction.as_deref(), Some("rtl"));
        // Numbers are kept as the text written.
        assert_eq!(scan.date.as_deref(), Some("2026"));
        assert_eq!(scan.title, None);
    }

    #[test]
    fn markdown_title_falls_back_to_first_level_one_heading() {
        let scan = scan_md(
            "a.md",
            "---\ndate: 2026-01-02\n---\n## Not this\n\n# Hello *brave*   `new`\n# Not this either\n",
        );
        assert_eq!(scan.title.as_deref(), Some("Hello brave new"));
        assert_eq!(scan.date.as_deref(), Some("2026-01-02"));

        let setext = scan_md("b.md", "Заголовок статьи\n================\n\nТекст.\n");
        assert_eq!(setext.title.as_deref(), Some("Заголовок статьи"));
    }

    #[test]
    fn markdown_without_front_matter() {
        let scan = scan_md("a.md", "Intro line.\n\n# Title\n\n---\n\ntext\n");
        assert_eq!(scan.title.as_deref(), Some("Title"));
        assert_eq!(scan.date, None);
        assert!(scan.authors.is_empty());

        let with_bom = scan_md("b.md", "\u{feff}---\ntitle: BOM\n---\nbody\n");
        assert_eq!(with_bom.title.as_deref(), Some("BOM"));

        let empty_front_matter = scan_md("c.md", "---\n---\n# Heading\n");
        assert_eq!(empty_front_matter.title.as_deref(), Some("Heading"));

        let empty_file = scan_md("d.md", "");
        assert_eq!(empty_file, ArticleScan::default());
    }

    #[test]
    fn unclosed_front_matter_is_an_error() {
        let error = md_error("ru/a.md", "---\ntitle: Open\n\n# Body\n");
        assert!(matches!(error, ArticleError::FrontMatterNotClosed { .. }));
        assert!(error.to_string().contains("ru/a.md"));
    }

    #[test]
    fn malformed_front_matter_is_an_error() {
        let invalid = md_error("a.md", "---\ntitle: [unclosed\n---\n");
        assert!(matches!(invalid, ArticleError::FrontMatterYaml { .. }));
        assert!(invalid.to_string().contains("a.md"), "{invalid}");

        let list = md_error("a.md", "---\n- one\n- two\n---\n");
        assert!(matches!(list, ArticleError::FrontMatterNotMapping { .. }));

        let scalar = md_error("a.md", "---\njust text\n---\n");
        assert!(matches!(scalar, ArticleError::FrontMatterNotMapping { .. }));

        let nested_title = md_error("a.md", "---\ntitle:\n  ru: Заголовок\n---\n");
        assert!(
            matches!(&nested_title, ArticleError::FrontMatterNotText { key, .. } if key == "title")
        );

        let bad_author = md_error("a.md", "---\nauthors:\n  - [a, b]\n---\n");
        assert!(
            matches!(&bad_author, ArticleError::FrontMatterNotText { key, .. } if key == "authors")
        );

        let duplicate = md_error("a.md", "---\ntitle: A\ntitle: B\n---\n");
        assert!(
            matches!(&duplicate, ArticleError::FrontMatterDuplicateKey { key, .. } if key == "title")
        );
    }

    #[test]
    fn yaml_aliases_are_never_expanded() {
        // A "billion laughs" document: expanding it would need gigabytes.
        let mut yaml = String::from("---\na0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for level in 1..12 {
            let previous = format!("*a{}", level - 1);
            let items = [previous.as_str(); 10].join(", ");
            yaml.push_str(&format!("a{level}: &a{level} [{items}]\n"));
        }
        yaml.push_str("title: Safe\n---\nbody\n");
        let scan = scan_md("a.md", &yaml);
        assert_eq!(scan.title.as_deref(), Some("Safe"));

        let alias_title = md_error("a.md", "---\nname: &n Someone\ntitle: *n\n---\n");
        assert!(matches!(
            alias_title,
            ArticleError::FrontMatterNotText { .. }
        ));
    }

    #[test]
    fn html_metadata_from_head() {
        let scan = scan_html(
            "ru/index.html",
            r#"<!doctype html>
            <html lang="ru" dir="ltr"><head>
              <meta charset="utf-8">
              <title>
                 Новости   дня
              </title>
              <meta name="date" content="2026-03-01">
              <meta name="Author" content="Анна">
              <meta name="author" content=" Пётр ">
              <meta name="description" content="Главное за день.">
            </head><body><h1>Другое</h1><time datetime="2020-01-01">old</time></body></html>"#,
        );
        assert_eq!(scan.title.as_deref(), Some("Новости дня"));
        assert_eq!(scan.language.as_deref(), Some("ru"));
        assert_eq!(scan.direction.as_deref(), Some("ltr"));
        assert_eq!(scan.date.as_deref(), Some("2026-03-01"));
        assert_eq!(scan.authors, vec!["Анна", "Пётр"]);
        assert_eq!(scan.summary.as_deref(), Some("Главное за день."));
    }

    #[test]
    fn html_metadata_fallbacks() {
        let scan = scan_html(
            "fa/a.html",
            r#"<html dir="rtl" lang="fa"><body>
              <svg><title>not the headline</title></svg>
              <h1>  سرخط   خبر </h1>
              <p>Published <time datetime="2026-02-03T10:00">today</time></p>
            </body></html>"#,
        );
        assert_eq!(scan.title.as_deref(), Some("سرخط خبر"));
        assert_eq!(scan.date.as_deref(), Some("2026-02-03T10:00"));
        assert_eq!(scan.direction.as_deref(), Some("rtl"));
        assert_eq!(scan.language.as_deref(), Some("fa"));
        assert!(scan.authors.is_empty());

        let bare = scan_html("b.html", "<p>no metadata</p>");
        assert_eq!(bare.title, None);
        assert_eq!(bare.language, None);
    }

    #[test]
    fn markdown_images_local_and_remote() {
        let scan = scan_md(
            "ru/a.md",
            "![Фото](img/photo.jpg \"caption\")\n\n\
             ![tracker](https://evil.example/pixel.gif)\n\n\
             ![ref][logo]\n\n\
             [logo]: //cdn.example/logo.png\n",
        );
        assert_eq!(local_paths(&scan), vec!["ru/img/photo.jpg"]);
        assert!(scan.local_resources[0].is_image);
        assert_eq!(scan.local_resources[0].reference, "img/photo.jpg");
        assert_eq!(
            remotes(&scan),
            vec![
                ("https://evil.example/pixel.gif", "Markdown image"),
                ("//cdn.example/logo.png", "Markdown image"),
            ]
        );
    }

    #[test]
    fn links_are_not_resources() {
        let scan = scan_md(
            "a.md",
            "See [the site](https://example.org/page), <https://example.org/auto>, \
             [local](other.md) and [ref][r].\n\n[r]: http://example.net/\n",
        );
        assert!(
            scan.remote_resources.is_empty(),
            "{:?}",
            scan.remote_resources
        );
        assert!(scan.local_resources.is_empty());

        let html = scan_html(
            "a.html",
            r#"<a href="https://example.org/">site</a> <a href="other.html">local</a>
               <area href="https://example.org/map"> <form action="send.php"></form>"#,
        );
        assert!(
            html.remote_resources.is_empty(),
            "{:?}",
            html.remote_resources
        );
        assert!(html.local_resources.is_empty());
    }

    #[test]
    fn relative_references_resolve_from_the_article_folder() {
        let scan = scan_md(
            "ru/a.md",
            "![](img/x.png) ![](../img/y.png) ![](/img/z.png) ![](./img/../img/w.png) ![](img\\v.png)\n",
        );
        assert_eq!(
            local_paths(&scan),
            vec![
                "ru/img/x.png",
                "img/y.png",
                "img/z.png",
                "ru/img/w.png",
                "ru/img/v.png"
            ]
        );

        let top = scan_html(
            "index.html",
            r#"<img src="img/x.png"><img src="/img/x.png">"#,
        );
        assert_eq!(local_paths(&top), vec!["img/x.png"]);
    }

    #[test]
    fn references_escaping_the_edition_are_errors() {
        let error = md_error("a/b.md", "![](../../x.png)\n");
        match &error {
            ArticleError::OutsideEdition { path, reference } => {
                assert_eq!(path, "a/b.md");
                assert_eq!(reference, "../../x.png");
            }
            other => panic!("unexpected error {other:?}"),
        }
        let message = error.to_string();
        assert!(
            message.contains("a/b.md") && message.contains("../../x.png"),
            "{message}"
        );

        assert!(matches!(
            html_error("a.html", r#"<img src="/../secret.png">"#),
            ArticleError::OutsideEdition { .. }
        ));
        // Encoded dots and backslashes climb too.
        assert!(matches!(
            html_error("a/b.html", r#"<img src="..%2F..%2Fx.png">"#),
            ArticleError::OutsideEdition { .. }
        ));
        assert!(matches!(
            html_error("a.html", r#"<link rel=stylesheet href="%2e%2e%5cx.css">"#),
            ArticleError::OutsideEdition { .. }
        ));
        assert!(matches!(
            md_error("../a.md", "text\n"),
            ArticleError::InvalidArticlePath { .. }
        ));
    }

    #[test]
    fn percent_encoding_is_decoded() {
        let scan = scan_md(
            "ru/a.md",
            "![](my%20photo.png) ![](<other photo.png>) ![](%D1%84%D0%BE%D1%82%D0%BE.jpg) ![](100%.png)\n",
        );
        assert_eq!(
            local_paths(&scan),
            vec![
                "ru/my photo.png",
                "ru/other photo.png",
                "ru/фото.jpg",
                "ru/100%.png"
            ]
        );
        assert_eq!(scan.local_resources[0].reference, "my%20photo.png");

        let error = md_error("a.md", "![](bad%FF.png)\n");
        assert!(matches!(error, ArticleError::InvalidPercentEncoding { .. }));
    }

    #[test]
    fn query_and_fragment_are_stripped_and_duplicates_merged() {
        let scan = scan_html(
            "ru/a.html",
            r##"<link rel="stylesheet" href="style.css?v=3#top">
               <a href="#section">jump</a>
               <img src="#">
               <div style="background: url(img/bg.png)"></div>
               <img src="img/bg.png?x=1">
               <img src="?only-query">
               <svg><use href="#icon"/><use href="sprite.svg#icon"/></svg>"##,
        );
        assert_eq!(
            local_paths(&scan),
            vec!["ru/style.css", "ru/img/bg.png", "ru/sprite.svg"]
        );
        assert!(!scan.local_resources[0].is_image);
        // First seen from CSS, then as an <img>: one entry, marked as an image.
        assert!(scan.local_resources[1].is_image);
        assert_eq!(scan.local_resources[1].reference, "img/bg.png");
        assert!(scan.remote_resources.is_empty());
    }

    #[test]
    fn hostile_html_remote_resources_are_all_reported() {
        let cases: &[(&str, &str, &str)] = &[
            (
                r#"<img src="https://x.example/a.png">"#,
                "https://x.example/a.png",
                "<img src>",
            ),
            (
                r#"<img src="a.png" srcset="a.png 1x, https://x.example/b.png 2x">"#,
                "https://x.example/b.png",
                "<img srcset>",
            ),
            (
                r#"<script src="https://x.example/s.js"></script>"#,
                "https://x.example/s.js",
                "<script src>",
            ),
            (
                r#"<link rel="stylesheet" href="https://x.example/s.css">"#,
                "https://x.example/s.css",
                "<link rel=stylesheet>",
            ),
            (
                r#"<link rel="preconnect" href="https://fonts.example">"#,
                "https://fonts.example",
                "<link rel=preconnect>",
            ),
            (
                r#"<link rel="dns-prefetch" href="//cdn.example">"#,
                "//cdn.example",
                "<link rel=dns-prefetch>",
            ),
            (
                r#"<link rel="prefetch" href="https://x.example/next.html">"#,
                "https://x.example/next.html",
                "<link rel=prefetch>",
            ),
            (
                r#"<iframe src="https://x.example/embed"></iframe>"#,
                "https://x.example/embed",
                "<iframe src>",
            ),
            (
                r#"<video src="v.mp4" poster="https://x.example/p.jpg"></video>"#,
                "https://x.example/p.jpg",
                "<video poster>",
            ),
            (
                r#"<audio controls><source src="https://x.example/a.mp3" type="audio/mpeg"></audio>"#,
                "https://x.example/a.mp3",
                "<source src>",
            ),
            (
                r#"<object data="https://x.example/o.swf"></object>"#,
                "https://x.example/o.swf",
                "<object data>",
            ),
            (
                r#"<embed src="https://x.example/e.svg">"#,
                "https://x.example/e.svg",
                "<embed src>",
            ),
            (
                r#"<p style="background:url(https://x.example/bg.png)">x</p>"#,
                "https://x.example/bg.png",
                "CSS url()",
            ),
            (
                r#"<style>@import "https://x.example/y.css";</style>"#,
                "https://x.example/y.css",
                "CSS @import",
            ),
            (
                r#"<style>@import url(https://x.example/z.css) screen;</style>"#,
                "https://x.example/z.css",
                "CSS @import",
            ),
            (
                r#"<style>@media screen { body { background: url('//x.example/y.png') } }</style>"#,
                "//x.example/y.png",
                "CSS url()",
            ),
            (
                r#"<style>@font-face { font-family: F; src: url(https://fonts.example/x.woff2) format("woff2"); }</style>"#,
                "https://fonts.example/x.woff2",
                "CSS url()",
            ),
            (
                r#"<style>div { background-image: image-set("https://x.example/i.avif" 1x) }</style>"#,
                "https://x.example/i.avif",
                "CSS url()",
            ),
            (
                r#"<meta http-equiv="refresh" content="0;url=https://x.example/">"#,
                "https://x.example/",
                "<meta http-equiv=refresh>",
            ),
            (
                r#"<base href="https://x.example/">"#,
                "https://x.example/",
                "<base href>",
            ),
            (
                r#"<svg><image href="https://x.example/i.png"/></svg>"#,
                "https://x.example/i.png",
                "<image href>",
            ),
            (
                r#"<svg><image xlink:href="https://x.example/j.png"/></svg>"#,
                "https://x.example/j.png",
                "<image href>",
            ),
            (
                r#"<img src="\\evil.example\a.png">"#,
                r"\\evil.example\a.png",
                "<img src>",
            ),
            (
                r#"<img src="/&#10;/evil.example/a.png">"#,
                "/\n/evil.example/a.png",
                "<img src>",
            ),
            (
                r#"<IMG SRC="HTTPS://X.EXAMPLE/UP.PNG">"#,
                "HTTPS://X.EXAMPLE/UP.PNG",
                "<img src>",
            ),
            (
                r#"<p style="background: \75 rl(https://x.example/escaped.png)">x</p>"#,
                "https://x.example/escaped.png",
                "CSS url()",
            ),
            (
                r#"<p style="background: URL( 'https://x.example/upper.png' )">x</p>"#,
                "https://x.example/upper.png",
                "CSS url()",
            ),
            (
                r#"<style>p { background: image("https://x.example/image-fn.png") }</style>"#,
                "https://x.example/image-fn.png",
                "CSS url()",
            ),
            (
                r#"<math><mglyph src="https://x.example/glyph.png"></mglyph></math>"#,
                "https://x.example/glyph.png",
                "<mglyph src>",
            ),
            (
                r#"<iframe src="javascript:fetch('//x')"></iframe>"#,
                "javascript:fetch('//x')",
                "<iframe src>",
            ),
            (
                r#"<table background="https://x.example/t.png"><tr><td>x</td></tr></table>"#,
                "https://x.example/t.png",
                "<table background>",
            ),
            (
                r#"<link rel="shortcut icon" href="https://x.example/favicon.ico">"#,
                "https://x.example/favicon.ico",
                "<link rel=icon>",
            ),
            (
                r#"<form action="https://x.example/collect"><input type="image" src="go.png"></form>"#,
                "https://x.example/collect",
                "<form action>",
            ),
            (
                r#"<a href="page.html" ping="https://x.example/track">x</a>"#,
                "https://x.example/track",
                "<a ping>",
            ),
            (
                r#"<video><track src="https://x.example/subs.vtt"></video>"#,
                "https://x.example/subs.vtt",
                "<track src>",
            ),
            (
                r#"<picture><source srcset="https://x.example/p.webp"><img src="p.jpg"></picture>"#,
                "https://x.example/p.webp",
                "<source srcset>",
            ),
            (
                r#"<noscript><img src="https://x.example/noscript.gif"></noscript>"#,
                "https://x.example/noscript.gif",
                "<img src> inside <noscript>",
            ),
            (
                r#"<iframe srcdoc="<img src='https://x.example/srcdoc.png'>"></iframe>"#,
                "https://x.example/srcdoc.png",
                "<img src> inside <iframe srcdoc>",
            ),
            (
                r#"<iframe src="data:text/html,%3Cimg%20src%3Dhttps://x.example/d.png%3E"></iframe>"#,
                "https://x.example/d.png",
                "<img src> inside a data: URL in <iframe src>",
            ),
            (
                r#"<link rel="stylesheet" href="data:text/css;base64,QGltcG9ydCAiaHR0cHM6Ly94LmV4YW1wbGUvYi5jc3MiOw==">"#,
                "https://x.example/b.css",
                "CSS @import inside a data: URL in <link rel=stylesheet>",
            ),
            (
                r#"<svg><rect filter="url(https://x.example/f.svg#f)"/></svg>"#,
                "https://x.example/f.svg#f",
                "CSS url()",
            ),
            (
                r#"<svg><image><set attributeName="href" to="https://x.example/late.png"/></image></svg>"#,
                "https://x.example/late.png",
                "<set href animation>",
            ),
            (
                r#"<template><img src="https://x.example/tpl.png"></template>"#,
                "https://x.example/tpl.png",
                "<img src>",
            ),
        ];
        for (snippet, reference, context) in cases {
            let document =
                format!("<!doctype html><html><head></head><body>{snippet}</body></html>");
            let scan = scan_html("ru/a.html", &document);
            assert!(
                remotes(&scan).contains(&(*reference, *context)),
                "{snippet} should report {reference:?} as {context:?}, got {:?}",
                scan.remote_resources
            );
        }
    }

    #[test]
    fn raw_html_in_markdown_is_scanned() {
        let scan = scan_md(
            "ru/a.md",
            "Text with <img src=\"https://x.example/inline.png\"> inline.\n\n\
             <div>\n<img src=\"local.png\">\n<iframe src=\"https://x.example/frame\"></iframe>\n</div>\n\n\
             ![md](https://x.example/md.png)\n",
        );
        assert_eq!(
            remotes(&scan),
            vec![
                ("https://x.example/md.png", "Markdown image"),
                ("https://x.example/inline.png", "<img src>"),
                ("https://x.example/frame", "<iframe src>"),
            ]
        );
        assert_eq!(local_paths(&scan), vec!["ru/local.png"]);
    }

    #[test]
    fn markdown_text_inside_an_unclosed_raw_style_is_scanned_as_css() {
        // The browser reads the paragraph after the open <style> block as CSS.
        let scan = scan_md(
            "a.md",
            "<style>\n\nbody{background:url(https://x.example/bg.png)}\n\n</style>\n",
        );
        assert_eq!(
            remotes(&scan),
            vec![("https://x.example/bg.png", "CSS url()")]
        );
    }

    #[test]
    fn data_urls_are_not_resources() {
        let png = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";
        let scan = scan_md("a.md", &format!("![dot]({png})\n"));
        assert!(scan.local_resources.is_empty());
        assert!(scan.remote_resources.is_empty());

        let html = scan_html(
            "a.html",
            &format!(
                r#"<img src="{png}" srcset="{png} 1x, data:image/gif;base64,R0lGOD,lhAQ 2x">
                   <div style="background:url('{png}')"></div>
                   <iframe src="data:text/html,<p>hello</p>"></iframe>"#
            ),
        );
        assert!(html.local_resources.is_empty());
        assert!(
            html.remote_resources.is_empty(),
            "{:?}",
            html.remote_resources
        );
    }

    #[test]
    fn russian_and_persian_names_work() {
        let scan = scan_md(
            "fa/maqale.md",
            "---\ntitle: گزارش ویژه\nlang: fa\ndir: rtl\n---\n![](تصویر.png)\n\n![](../ru/фото%201.jpg)\n",
        );
        assert_eq!(scan.title.as_deref(), Some("گزارش ویژه"));
        assert_eq!(local_paths(&scan), vec!["fa/تصویر.png", "ru/фото 1.jpg"]);
        assert_eq!(scan.local_resources[0].reference, "تصویر.png");

        let html = scan_html(
            "ru/статья.html",
            r#"<html lang="ru"><title>Статья</title><img src="фото/снимок.jpg" alt="Снимок"></html>"#,
        );
        assert_eq!(html.title.as_deref(), Some("Статья"));
        assert_eq!(local_paths(&html), vec!["ru/фото/снимок.jpg"]);
    }

    #[test]
    fn local_resources_of_every_kind_are_listed() {
        let scan = scan_html(
            "news/a.html",
            r#"<html manifest="app.manifest"><head>
                 <link rel="stylesheet" href="css/site.css">
                 <link rel="icon" href="/favicon.png">
                 <link rel="canonical" href="https://example.org/a">
                 <script src="js/app.js"></script>
               </head><body background="bg.jpg">
                 <video src="media/v.mp4" poster="media/poster.jpg"><track src="media/ru.vtt"></video>
                 <audio src="media/a.mp3"></audio>
                 <object data="docs/report.pdf"></object>
                 <embed src="docs/chart.svg">
                 <iframe src="map.html"></iframe>
                 <input type="image" src="go.png">
                 <style>@font-face { src: url("../fonts/f.woff2") }</style>
               </body></html>"#,
        );
        let listed: Vec<(&str, bool)> = scan
            .local_resources
            .iter()
            .map(|r| (r.path.as_str(), r.is_image))
            .collect();
        assert_eq!(
            listed,
            vec![
                ("news/app.manifest", false),
                ("news/css/site.css", false),
                ("favicon.png", true),
                ("news/js/app.js", false),
                ("news/bg.jpg", true),
                ("news/media/v.mp4", false),
                ("news/media/poster.jpg", true),
                ("news/media/ru.vtt", false),
                ("news/media/a.mp3", false),
                ("news/docs/report.pdf", false),
                ("news/docs/chart.svg", false),
                ("news/map.html", false),
                ("news/go.png", true),
                ("fonts/f.woff2", false),
            ]
        );
        assert!(scan.remote_resources.is_empty());
    }

    #[test]
    fn local_base_href_moves_relative_references() {
        let scan = scan_html(
            "ru/a.html",
            r#"<head><base href="../shared/"></head><img src="x.png"><img src="/root.png">"#,
        );
        assert_eq!(local_paths(&scan), vec!["shared/x.png", "root.png"]);

        let file_base = scan_html(
            "ru/a.html",
            r#"<base href="img/index.html"><img src="x.png">"#,
        );
        assert_eq!(local_paths(&file_base), vec!["ru/img/x.png"]);
    }

    #[test]
    fn css_namespaces_and_plain_strings_are_not_resources() {
        let scan = scan_html(
            "a.html",
            r#"<style>
                 @namespace svg url(http://www.w3.org/2000/svg);
                 p::before { content: "https://not-loaded.example/"; font-family: "Open Sans"; }
                 a[href^="https://"] { color: red }
               </style>"#,
        );
        assert!(
            scan.remote_resources.is_empty(),
            "{:?}",
            scan.remote_resources
        );
    }

    #[test]
    fn stylesheets_resolve_from_their_own_folder() {
        let scan = match scan_stylesheet(
            "css/site.css",
            b"@import 'print.css'; body { background: url(../img/bg.png) } @import url(https://fonts.example/f.css);",
        ) {
            Ok(scan) => scan,
            Err(e) => panic!("{e}"),
        };
        assert_eq!(local_paths(&scan), vec!["css/print.css", "img/bg.png"]);
        assert_eq!(
            remotes(&scan),
            vec![("https://fonts.example/f.css", "CSS @import")]
        );
    }

    #[test]
    fn invalid_utf8_is_an_error() {
        let error = match scan_article("ru/a.md", ArticleKind::Markdown, b"# ok\n\xff\xfe") {
            Ok(scan) => panic!("expected an error, got {scan:?}"),
            Err(e) => e,
        };
        assert!(matches!(error, ArticleError::InvalidUtf8 { offset: 5, .. }));
        assert!(error.to_string().contains("ru/a.md"));
    }

    #[test]
    fn hostile_nesting_is_bounded() {
        let deep_css = format!(
            "<div style=\"{}url(https://x.example/a){}\"></div>",
            "(".repeat(5000),
            ")".repeat(5000)
        );
        assert!(matches!(
            html_error("a.html", &deep_css),
            ArticleError::TooDeeplyNested { .. }
        ));

        let mut srcdoc = String::from("<img src='https://x.example/deep.png'>");
        for _ in 0..12 {
            let escaped = srcdoc.replace('&', "&amp;").replace('"', "&quot;");
            srcdoc = format!("<iframe srcdoc=\"{escaped}\"></iframe>");
        }
        assert!(matches!(
            html_error("a.html", &srcdoc),
            ArticleError::TooDeeplyNested { .. }
        ));

        // Deep HTML, Markdown and YAML are fine: their parsers and our walks do not recurse.
        let deep_html = format!(
            "{}<img src=\"https://x.example/in.png\">",
            "<div>".repeat(2_000)
        );
        let scan = scan_html("a.html", &deep_html);
        assert_eq!(
            remotes(&scan),
            vec![("https://x.example/in.png", "<img src>")]
        );
        let deep_quotes = format!("{}![](https://x.example/q.png)\n", "> ".repeat(5_000));
        let scan = scan_md("a.md", &deep_quotes);
        assert_eq!(
            remotes(&scan),
            vec![("https://x.example/q.png", "Markdown image")]
        );
        let deep_yaml = format!("---\ntitle: T\nx:\n{}a\n---\n", "- ".repeat(5_000));
        assert_eq!(scan_md("a.md", &deep_yaml).title.as_deref(), Some("T"));
        let deep_flow = format!("---\nx: {}a{}\n---\n", "[".repeat(5_000), "]".repeat(5_000));
        assert!(matches!(
            md_error("a.md", &deep_flow),
            ArticleError::FrontMatterYaml { .. }
        ));
    }

    #[test]
    fn malformed_input_never_panics() {
        let inputs = [
            "<",
            "<img src=",
            "<img src=\"https://x",
            "<style>@import",
            "<style>@import url(",
            "<style>a{background:url(</style>",
            "<style>}}}{{{)))(((]]][[[</style>",
            "<div style='url(\"'>",
            "<svg><image href=></svg>",
            "<meta http-equiv=refresh content=\"0; url=\">",
            "<meta http-equiv=refresh content=\"url\">",
            "<img srcset=\", , ,\">",
            "<img srcset=\"a.png (,\">",
            "<iframe src=\"data:\"></iframe>",
            "<iframe src=\"data:text/html;base64,!!!\"></iframe>",
            "<link rel=stylesheet href=\"data:,@import%\">",
            "<noscript><noscript><img src=x.png></noscript>",
            "<table><td><math><mglyph><style><img src=https://x.example/a>",
            "\u{0}\u{1}<img src=\"\u{0}\">",
            "<base href=\"#\"><base href=\"../\">",
        ];
        for input in inputs {
            let _ = scan_article("ru/a.html", ArticleKind::Html, input.as_bytes());
            let _ = scan_article("ru/a.md", ArticleKind::Markdown, input.as_bytes());
        }
        let markdown = [
            "---",
            "---\n",
            "---\n---",
            "---\n: :\n---\n",
            "---\n{a: [b, {c: d}]}\n---\n",
            "---\n? [complex, key]\n: value\ntitle: t\n---\n",
            "![](",
            "![a](<>)",
            "[x]: <\n![x]",
            "| a | b |\n|---|---|\n| ![](c.png) | [^1] |\n\n[^1]: ![](d.png)\n",
        ];
        for input in markdown {
            let _ = scan_article("a.md", ArticleKind::Markdown, input.as_bytes());
        }
    }

    #[test]
    fn helpers_follow_browser_rules() {
        assert_eq!(
            srcset_urls("a.png 1x, data:image/png;base64,AA,BB 2x,b.png,,c.png 100w"),
            vec!["a.png", "data:image/png;base64,AA,BB", "b.png,,c.png"]
        );
        assert_eq!(srcset_urls("  "), Vec::<&str>::new());
        assert_eq!(
            refresh_url("5; URL='https://a.example/'"),
            Some("https://a.example/")
        );
        assert_eq!(
            refresh_url("0,https://b.example"),
            Some("https://b.example")
        );
        assert_eq!(refresh_url(" 3 ; url = \"x.html\" "), Some("x.html"));
        assert_eq!(refresh_url("10"), None);
        assert_eq!(crate::article::scheme_of("HTTPS://x"), Some("HTTPS"));
        assert_eq!(crate::article::scheme_of("img/a:b.png"), None);
        assert_eq!(crate::article::scheme_of("1x:y"), None);
        assert_eq!(base64_decode(b"aGk="), Some(b"hi".to_vec()));
        assert_eq!(percent_decode("a%2fb%zz%4"), b"a/b%zz%4".to_vec());
    }
}
