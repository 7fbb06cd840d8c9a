//! Turns a verified article (Markdown or HTML) into a safe HTML fragment for the library.
//!
//! Even a validly signed article may be hostile (a stolen key) or careless (a pasted embed),
//! and reading must never run code or touch the network. Two steps, in this order:
//!
//! 1. **Rewrite references.** The article (converted by pulldown-cmark if it is Markdown) is
//!    read once as bounded, properly nested pieces ([`crate::article::bounded`]: at most
//!    100 levels deep, at most 100,000 elements, only the attributes used here), so no
//!    article can make rendering recurse, stall or crash. A reference to a file of the same edition
//!    becomes a relative URL of the verified copy in the library (or of the page of an
//!    article); a link to anywhere else becomes plain text followed by its address, so the
//!    reader sees where it goes and decides, outside the tool, whether to visit; an image from
//!    anywhere else is replaced by its description; `data:` images stay.
//! 2. **Sanitise.** The result goes through ammonia with an allow-list of tags and attributes:
//!    no script, no event handler, no style, no iframe, object, form, meta, base or link
//!    element survive, and an attribute holding a URL is kept only in the forms step 1
//!    produces (`./…`, `../…`, `#…`, and `data:image/…` for images).
//!
//! Step 2 runs last, on whatever step 1 produced, so a mistake in step 1 cannot let markup
//! through that the allow-list refuses.

use std::collections::{HashMap, HashSet};

pub use crate::article::MAX_RENDERED_ARTICLE_BYTES;
use crate::article::bounded::{Piece, walk_bounded_html};
use crate::article::{ReferenceKind, Resolved, article_html, classify_reference, resolve_local};
use crate::format::ArticleKind;

/// Where the article being rendered lives, and how to reach other files from its page.
pub struct RenderContext<'a> {
    /// The article's path in its edition (`fa/nanvayi.html`).
    pub article_path: &'a str,
    /// Every file of the edition with its signed media type, to tell a working local
    /// reference from a broken one, and a file safe to open by itself from one that is not.
    pub files: &'a HashMap<String, String>,
    /// Edition paths of the articles that have pages of their own.
    pub articles: &'a HashSet<String>,
    /// Files of the edition that this library does not have (a salvaged, incomplete copy).
    pub missing: &'a HashSet<String>,
    /// URL prefix, relative to the article's page, of the verified files (ends with `/`).
    pub files_url: &'a str,
    /// URL prefix, relative to the article's page, of the edition's pages (ends with `/`).
    pub pages_url: &'a str,
    /// The title the page already shows: a first `<h1>` saying the same is left out.
    pub title: &'a str,
    /// Set once that heading was left out.
    pub title_dropped: std::sync::atomic::AtomicBool,
}

fn collapsed(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// An article's body, rendered.
#[derive(Debug)]
pub struct RenderedArticle {
    /// The sanitised body, ready to put inside `<article>`.
    pub html: String,
    /// What was left out to stay within the rendering bounds, one sentence each; the page
    /// shows them above the article, so a reader knows the page is not the whole article.
    pub notes: Vec<String>,
}

/// Why an article has no rendered body; its page says so and lists its files instead.
#[derive(Debug, thiserror::Error)]
pub enum Unrenderable {
    /// The article's file is larger than [`MAX_RENDERED_ARTICLE_BYTES`].
    #[error(
        "this article is {}, more than the {} the library shows as a page",
        crate::format::text::human_bytes_over(*size, MAX_RENDERED_ARTICLE_BYTES),
        crate::format::text::human_bytes(MAX_RENDERED_ARTICLE_BYTES)
    )]
    TooLarge {
        /// The file's size.
        size: u64,
    },
    /// The article's file could not be read from the library.
    #[error("its file could not be read from the library ({0})")]
    Unreadable(String),
    /// The article's file is one a salvaged, incomplete copy could not recover.
    #[error("its file is missing from this incomplete copy of the edition")]
    MissingFromCopy,
    /// Rendering it failed (a bug, reported on the page rather than stopping the library).
    #[error("the reader failed while rendering it")]
    Failed,
    /// The article cannot be read as HTML within the reader's bounds.
    #[error("{0}")]
    Unwalkable(#[from] crate::article::bounded::Unwalkable),
}

/// Reads an article's verified file for rendering, refusing one too large to render without
/// reading it.
pub fn read_article_source(path: &std::path::Path) -> Result<Vec<u8>, Unrenderable> {
    use std::io::Read as _;
    let file = std::fs::File::open(path).map_err(|e| Unrenderable::Unreadable(e.to_string()))?;
    let size = file
        .metadata()
        .map_err(|e| Unrenderable::Unreadable(e.to_string()))?
        .len();
    if size > MAX_RENDERED_ARTICLE_BYTES {
        return Err(Unrenderable::TooLarge { size });
    }
    let mut bytes = Vec::with_capacity(size as usize);
    file.take(MAX_RENDERED_ARTICLE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Unrenderable::Unreadable(e.to_string()))?;
    if bytes.len() as u64 > MAX_RENDERED_ARTICLE_BYTES {
        return Err(Unrenderable::TooLarge {
            size: bytes.len() as u64,
        });
    }
    Ok(bytes)
}

/// The article's body as sanitised HTML, within the rendering bounds of
/// [`crate::article::bounded`]; the notes say which bounds cut it.
pub fn render_article(
    kind: ArticleKind,
    source: &[u8],
    context: &RenderContext<'_>,
) -> Result<RenderedArticle, Unrenderable> {
    if source.len() as u64 > MAX_RENDERED_ARTICLE_BYTES {
        return Err(Unrenderable::TooLarge {
            size: source.len() as u64,
        });
    }
    // A bug in a parser this depends on must cost one article its page, not the library its
    // rebuild: a panic becomes a page saying the article could not be shown.
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let source = String::from_utf8_lossy(source);
        let html = article_html(kind, &source);
        let mut writer = PieceWriter {
            context,
            out: String::with_capacity(html.len()),
            endings: Vec::new(),
            heading: None,
            text_run: 0,
        };
        let exceeded = walk_bounded_html(&html, |piece| writer.piece(piece))?;
        Ok(RenderedArticle {
            html: sanitiser().clean(&writer.out).to_string(),
            notes: exceeded.sentences(),
        })
    }))
    .unwrap_or(Err(Unrenderable::Failed))
}

/// The longest run of text written between two pieces of markup. The sanitiser's serialiser
/// (html5ever 0.40's `write_escaped`) searches the rest of a text node for the next `<` or `>`
/// each time it escapes a `&` or a character from U+0080 to U+00BF, so one long text node of
/// them costs its length squared: 8 MB of `&amp;` took 56 s. An empty comment between runs
/// keeps them separate text nodes (the sanitiser drops the comment, not the split), and the
/// browser shows them as one text.
const MAX_TEXT_RUN_BYTES: usize = 1024;

/// Writes the pieces of an article back as HTML with its references rewritten (step 1).
struct PieceWriter<'c> {
    context: &'c RenderContext<'c>,
    out: String,
    /// What to write when each open element ends, innermost last.
    endings: Vec<Ending>,
    /// An `<h1>` being written that may repeat the page's title.
    heading: Option<Heading>,
    /// Bytes of text written since the last markup.
    text_run: usize,
}

enum Ending {
    /// `</NAME>`.
    Tag(String),
    /// The address of an outside link, after its text.
    Address(String),
    /// Nothing: the element's tags were left out, its content kept.
    Nothing,
}

struct Heading {
    /// How many elements were open outside it.
    depth: usize,
    /// Where it starts in the output.
    start: usize,
    text: String,
}

fn attribute<'a>(attributes: &'a [(String, String)], name: &str) -> Option<&'a str> {
    attributes
        .iter()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.as_str())
}

impl PieceWriter<'_> {
    fn piece(&mut self, piece: Piece<'_>) {
        match piece {
            Piece::Start {
                name,
                attributes,
                void,
            } => {
                self.text_run = 0;
                let ending = self.start(name, attributes, void);
                if !void {
                    self.endings.push(ending);
                }
            }
            Piece::End { name } => {
                self.text_run = 0;
                match self.endings.pop() {
                    Some(Ending::Tag(tag)) => {
                        self.out.push_str("</");
                        self.out.push_str(&tag);
                        self.out.push('>');
                    }
                    Some(Ending::Address(address)) => {
                        self.out.push_str(&format!(
                            " <span class=\"address\" dir=\"ltr\">({})</span></span>",
                            escape(&crate::library::address::shown_address(&address))
                        ));
                    }
                    Some(Ending::Nothing) | None => {}
                }
                if name == "h1"
                    && let Some(heading) = self
                        .heading
                        .take_if(|heading| heading.depth == self.endings.len())
                    && collapsed(&heading.text) == collapsed(self.context.title)
                {
                    self.out.truncate(heading.start);
                    self.context
                        .title_dropped
                        .store(true, std::sync::atomic::Ordering::Relaxed);
                }
            }
            Piece::Text(text) => {
                if let Some(heading) = &mut self.heading {
                    heading.text.push_str(text);
                }
                self.text(text);
            }
        }
    }

    /// Writes the start of an element; returns what its end writes.
    fn start(&mut self, name: &str, attributes: &[(String, String)], void: bool) -> Ending {
        let context = self.context;
        match name {
            "a" => {
                if let Some(href) = attribute(attributes, "href") {
                    return match classify(href, context) {
                        // Script or inline data: nothing a reader could visit.
                        Target::Remote if !names_a_place(href) => Ending::Nothing,
                        Target::Remote => {
                            // Text, not a link: a tap on a phone cannot reach the site.
                            self.out.push_str("<span class=\"external-link\">");
                            Ending::Address(href.trim().to_string())
                        }
                        Target::Missing | Target::Lost => Ending::Nothing,
                        target => {
                            let url = local_url(target, context, false);
                            if url.is_empty() {
                                Ending::Nothing
                            } else {
                                self.out.push_str(&format!("<a href=\"{}\">", escape(&url)));
                                Ending::Tag("a".into())
                            }
                        }
                    };
                }
            }
            "h1" if !context
                .title_dropped
                .load(std::sync::atomic::Ordering::Relaxed)
                && self.heading.is_none() =>
            {
                self.heading = Some(Heading {
                    depth: self.endings.len(),
                    start: self.out.len(),
                    text: String::new(),
                });
            }
            "img" => {
                let alt = attribute(attributes, "alt").unwrap_or("").trim();
                let src = attribute(attributes, "src").unwrap_or("");
                let mut lost = false;
                let url = if is_data_image(src) {
                    Some(src.trim().to_string())
                } else {
                    match classify(src, context) {
                        target @ Target::Local { .. } => Some(local_url(target, context, true)),
                        Target::Lost => {
                            lost = true;
                            None
                        }
                        _ => None,
                    }
                };
                match url {
                    Some(url) => {
                        self.out.push_str(&format!("<img src=\"{}\"", escape(&url)));
                        for kept in ["alt", "title", "width", "height"] {
                            if let Some(value) = attribute(attributes, kept) {
                                self.out.push_str(&format!(" {kept}=\"{}\"", escape(value)));
                            }
                        }
                        self.out.push('>');
                    }
                    None => {
                        let shown = if alt.is_empty() { "an image" } else { alt };
                        // An English sentence, laid out left to right even on a right-to-left
                        // page (or its brackets are mirrored), with the description isolated
                        // in its own direction.
                        let why = if lost {
                            "it is missing from this incomplete copy"
                        } else {
                            "it is not part of this edition"
                        };
                        self.out.push_str(&format!(
                            "<span class=\"missing-image\" lang=\"en\" dir=\"ltr\">[<bdi>{}</bdi>: not shown, {why}]</span>",
                            escape(shown)
                        ));
                    }
                }
                return Ending::Nothing;
            }
            _ => {}
        }
        self.out.push('<');
        self.out.push_str(name);
        for (key, value) in attributes {
            // Everything but these is dropped by the sanitiser anyway; URL attributes of
            // other elements are not kept.
            if matches!(
                key.as_str(),
                "alt" | "title" | "lang" | "dir" | "colspan" | "rowspan" | "id" | "start"
            ) {
                self.out.push_str(&format!(" {key}=\"{}\"", escape(value)));
            }
        }
        self.out.push('>');
        if void {
            Ending::Nothing
        } else {
            Ending::Tag(name.to_string())
        }
    }

    /// Writes text, escaped, in runs of at most [`MAX_TEXT_RUN_BYTES`].
    fn text(&mut self, mut text: &str) {
        while !text.is_empty() {
            let room = MAX_TEXT_RUN_BYTES.saturating_sub(self.text_run);
            let mut cut = room.min(text.len());
            while !text.is_char_boundary(cut) {
                cut -= 1;
            }
            if cut == 0 {
                self.out.push_str("<!---->");
                self.text_run = 0;
                continue;
            }
            escape_into(&text[..cut], &mut self.out);
            self.text_run += cut;
            text = &text[cut..];
        }
    }
}

/// What a reference in an article points at.
enum Target {
    /// Only a fragment (`#notes`): a place on the same page.
    SamePage(String),
    /// A file of the edition, by its edition path, with any fragment.
    Local { path: String, fragment: String },
    /// A local-looking reference to a file the edition does not have.
    Missing,
    /// A file of the edition that this incomplete copy lacks (an article's page still exists,
    /// and says so).
    Lost,
    /// Anywhere else: another site, another scheme.
    Remote,
}

fn classify(reference: &str, context: &RenderContext<'_>) -> Target {
    let (cleaned, kind) = classify_reference(reference);
    match kind {
        ReferenceKind::SameDocument => {
            Target::SamePage(cleaned.strip_prefix('#').unwrap_or("").to_string())
        }
        ReferenceKind::Data | ReferenceKind::Remote => Target::Remote,
        ReferenceKind::Local => {
            let folder = crate::article::folder_of(context.article_path).unwrap_or_default();
            match resolve_local(&folder, &cleaned) {
                Resolved::SameDocument => Target::SamePage(String::new()),
                Resolved::Path {
                    segments, fragment, ..
                } => {
                    let path = segments.join("/");
                    if context.missing.contains(&path) && !context.articles.contains(&path) {
                        Target::Lost
                    } else if context.files.contains_key(&path) {
                        Target::Local { path, fragment }
                    } else {
                        Target::Missing
                    }
                }
                Resolved::OutsideEdition | Resolved::InvalidPercentEncoding => Target::Missing,
            }
        }
    }
}

/// Percent-encodes each segment of an edition path for use in a URL (names may hold spaces,
/// `#`, `?` or any script).
pub fn encode_path(path: &str) -> String {
    const SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS
        .add(b' ')
        .add(b'"')
        .add(b'#')
        .add(b'%')
        .add(b'?')
        .add(b'<')
        .add(b'>')
        .add(b'`')
        .add(b'{')
        .add(b'}')
        .add(b'\'')
        .add(b'&')
        .add(b'\\');
    path.split('/')
        .map(|segment| percent_encoding::utf8_percent_encode(segment, SEGMENT).to_string())
        .collect::<Vec<_>>()
        .join("/")
}

/// The sanitiser renames every id of an article to `article-ID` (so an article cannot take
/// over the page's own ids); links to a place in an article follow.
const ID_PREFIX: &str = "article-";

fn with_fragment(url: String, fragment: &str) -> String {
    if fragment.is_empty() {
        url
    } else {
        let decoded = percent_encoding::percent_decode_str(fragment).decode_utf8_lossy();
        format!(
            "{url}#{ID_PREFIX}{}",
            percent_encoding::utf8_percent_encode(&decoded, percent_encoding::NON_ALPHANUMERIC)
        )
    }
}

/// Escapes text for an HTML text node or a double-quoted attribute value.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    escape_into(text, &mut out);
    out
}

/// [`escape`], appending to `out`.
pub fn escape_into(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

/// True for addresses of places a reader could go to outside the tool (a web page, a mail
/// address), whose address is worth showing; false for `javascript:`, `data:` and the like.
fn names_a_place(reference: &str) -> bool {
    let lower = reference.trim().to_ascii_lowercase();
    lower.starts_with("//")
        || [
            "http:", "https:", "mailto:", "ftp:", "tel:", "gopher:", "ipfs:",
        ]
        .iter()
        .any(|scheme| lower.starts_with(scheme))
}

/// `data:` images are allowed (they carry their bytes with them); other `data:` URLs are not.
fn is_data_image(src: &str) -> bool {
    let lower = src.trim().to_ascii_lowercase();
    ["png", "jpeg", "jpg", "gif", "webp", "avif", "svg+xml"]
        .iter()
        .any(|kind| {
            lower.starts_with(&format!("data:image/{kind};"))
                || lower.starts_with(&format!("data:image/{kind},"))
        })
}

/// The relative URL of a local target: the page of an article (for links), else the
/// verified file.
fn local_url(target: Target, context: &RenderContext<'_>, is_image: bool) -> String {
    match target {
        Target::SamePage(fragment) => with_fragment(String::new(), &fragment),
        Target::Local { path, .. }
            if !is_image
                && !context.articles.contains(&path)
                && !is_passive_file(&path, context.files.get(&path).map_or("", String::as_str)) =>
        {
            // Opened by itself, anything but a picture or plain text may be a document of its
            // own (HTML, SVG, XML, PDF…), with no policy to stop its scripts or remote loads: it
            // is only ever shown through the library, never linked to.
            String::new()
        }
        Target::Local { path, fragment } => {
            let url = if !is_image && context.articles.contains(&path) {
                format!("{}{}.html", context.pages_url, encode_path(&path))
            } else {
                format!("{}{}", context.files_url, encode_path(&path))
            };
            with_fragment(url, &fragment)
        }
        Target::Missing | Target::Lost | Target::Remote => String::new(),
    }
}

/// Files a browser can open by themselves without running anything: raster images and plain
/// text, by both their name and their signed media type (a signer may lie about either).
pub fn is_passive_file(path: &str, media_type: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    let extension = lower.rsplit_once('.').map_or("", |(_, e)| e);
    is_passive_media_type(media_type)
        && matches!(
            extension,
            "png" | "jpg" | "jpeg" | "gif" | "webp" | "avif" | "txt"
        )
}

/// The media types the local server sends as they are; any other is sent as a download. SVG
/// too: pages show it in `<img>`, where it runs nothing, and opened by itself it gets the
/// server's sandboxing policy.
pub fn is_servable_media_type(media_type: &str) -> bool {
    is_passive_media_type(media_type) || essence(media_type) == "image/svg+xml"
}

/// A media type without its parameters, lowercased: `text/plain; charset=utf-8` → `text/plain`.
fn essence(media_type: &str) -> String {
    media_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

/// Media types a browser shows without running anything, even opened by themselves.
pub fn is_passive_media_type(media_type: &str) -> bool {
    matches!(
        essence(media_type).as_str(),
        "image/png" | "image/jpeg" | "image/gif" | "image/webp" | "image/avif" | "text/plain"
    )
}

/// The allow-list (step 2).
fn sanitiser() -> ammonia::Builder<'static> {
    let mut builder = ammonia::Builder::default();
    builder
        .add_tags([
            "figure",
            "figcaption",
            "section",
            "header",
            "footer",
            "main",
            "time",
            "mark",
        ])
        .rm_tags(["area", "map"])
        .add_clean_content_tags(["noscript", "template"])
        .add_generic_attributes(["lang", "dir", "id"])
        .url_schemes(HashSet::from(["data"]))
        .url_relative(ammonia::UrlRelative::PassThrough)
        .link_rel(Some("noopener noreferrer"))
        .id_prefix(Some(ID_PREFIX))
        .allowed_classes(HashMap::from([(
            "span",
            HashSet::from(["external-link", "address", "missing-image"]),
        )]))
        .attribute_filter(|element, attribute, value| {
            let is_url = matches!(
                attribute,
                "href" | "src" | "cite" | "longdesc" | "srcset" | "action" | "formaction"
            );
            if !is_url {
                return Some(value.into());
            }
            let allowed = match (element, attribute) {
                ("img", "src") => {
                    value.starts_with("./") || value.starts_with("../") || is_data_image(value)
                }
                ("a", "href") => {
                    value.starts_with("./") || value.starts_with("../") || value.starts_with('#')
                }
                _ => false,
            };
            allowed.then(|| value.into())
        });
    builder
}

/// Scripts written right to left: pages in these languages get `dir="rtl"`.
pub fn is_right_to_left(language: &str) -> bool {
    let primary = language
        .split(['-', '_'])
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    matches!(
        primary.as_str(),
        "ar" | "fa" | "he" | "iw" | "ur" | "ps" | "yi" | "dv" | "ckb" | "sd" | "ug" | "syr"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(kind: ArticleKind, source: &str) -> String {
        let files: HashMap<String, String> = [
            ("news/story.md", "text/markdown"),
            ("news/images/photo.png", "image/png"),
            ("other.html", "text/html"),
            ("news/notes.txt", "text/plain"),
            ("news/report.shtml", "text/html"),
            ("news/lying.png", "text/html"),
            ("news/drawing.svg", "image/svg+xml"),
            ("news/images/lost.png", "image/png"),
        ]
        .iter()
        .map(|(p, m)| (p.to_string(), m.to_string()))
        .collect();
        let articles: HashSet<String> = ["news/story.md", "other.html"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let missing: HashSet<String> = HashSet::from(["news/images/lost.png".to_string()]);
        let context = RenderContext {
            article_path: "news/story.md",
            files: &files,
            articles: &articles,
            missing: &missing,
            files_url: "../../editions/e/",
            pages_url: "../",
            title: "The title",
            title_dropped: std::sync::atomic::AtomicBool::new(false),
        };
        render_article(kind, source.as_bytes(), &context)
            .map(|rendered| rendered.html)
            .unwrap_or_else(|error| error.to_string())
    }

    #[test]
    fn a_picture_lost_from_an_incomplete_copy_is_named_not_linked() {
        let html = render(
            ArticleKind::Markdown,
            "![the bakery](images/lost.png)\n\n[the picture](images/lost.png)\n\n![kept](images/photo.png)",
        );
        assert!(
            html.contains(
                "[<bdi>the bakery</bdi>: not shown, it is missing from this incomplete copy]"
            ),
            "{html}"
        );
        assert!(!html.contains("lost.png"), "{html}");
        assert!(html.contains("images/photo.png"), "{html}");
    }

    #[test]
    fn a_too_large_article_is_described_in_decimal_units() {
        let message = Unrenderable::TooLarge { size: 20_000_000 }.to_string();
        assert_eq!(
            message,
            "this article is 20 MB, more than the 16 MB the library shows as a page"
        );
        let message = Unrenderable::TooLarge {
            size: MAX_RENDERED_ARTICLE_BYTES + 1,
        }
        .to_string();
        assert!(
            message.contains("is 16,000,001 bytes, more than the 16 MB"),
            "{message}"
        );
        for binary in ["MiB", "16777216", "16,777,216", "16.8 MB"] {
            assert!(!message.contains(binary), "{binary} in: {message}");
        }
    }

    #[test]
    fn an_article_over_the_limit_is_not_rendered() {
        let html = render(ArticleKind::Html, &"x".repeat(16_000_001));
        assert!(
            html.starts_with("this article is 16,000,001 bytes"),
            "{html}"
        );
    }

    #[test]
    fn local_images_point_at_the_verified_files() {
        let html = render(ArticleKind::Markdown, "![A photo](images/photo.png)");
        assert!(
            html.contains(r#"src="../../editions/e/news/images/photo.png""#),
            "{html}"
        );
    }

    #[test]
    fn a_missing_picture_is_an_isolated_left_to_right_note_even_on_a_persian_page() {
        let html = render(
            ArticleKind::Html,
            r#"<p dir="rtl" lang="fa">متن <img src="https://elsewhere.example/a.png" alt="عکس نانوایی"> متن</p>"#,
        );
        assert!(
            html.contains(
                r#"<span class="missing-image" lang="en" dir="ltr">[<bdi>عکس نانوایی</bdi>: not shown, it is not part of this edition]</span>"#
            ),
            "{html}"
        );
    }

    #[test]
    fn links_to_other_articles_point_at_their_pages() {
        let html = render(ArticleKind::Markdown, "[next](../other.html#part-2)");
        assert!(
            html.contains(r#"href="../other.html.html#article-part%2D2""#),
            "{html}"
        );
    }

    #[test]
    fn only_articles_pictures_and_plain_text_are_linked() {
        let html = render(
            ArticleKind::Markdown,
            "[notes](notes.txt) [report](report.shtml) [lying](lying.png) [photo](images/photo.png)",
        );
        assert!(
            html.contains(r#"href="../../editions/e/news/notes.txt""#),
            "{html}"
        );
        assert!(
            html.contains(r#"href="../../editions/e/news/images/photo.png""#),
            "{html}"
        );
        assert!(!html.contains("report.shtml"), "{html}");
        assert!(
            !html.contains("lying.png"),
            "a picture name with an HTML media type: {html}"
        );
    }

    #[test]
    fn links_to_places_follow_the_prefixed_ids() {
        let html = render(
            ArticleKind::Markdown,
            "[down](#notes)\n\n<h2 id=\"notes\">Notes</h2>",
        );
        assert!(html.contains(r##"href="#article-notes""##), "{html}");
        assert!(html.contains(r#"id="article-notes""#), "{html}");
    }

    #[test]
    fn noscript_and_template_content_is_dropped() {
        let html = render(
            ArticleKind::Html,
            "<p>kept</p><noscript><img src=\"https://evil.example/x.png\"></noscript><template><p>hidden</p></template>",
        );
        assert!(html.contains("kept"), "{html}");
        assert!(
            !html.contains("evil") && !html.contains("hidden") && !html.contains("&lt;"),
            "{html}"
        );
    }

    #[test]
    fn remote_links_become_text_with_their_address() {
        let html = render(ArticleKind::Markdown, "[a site](https://example.org/page)");
        assert!(!html.contains("href"), "{html}");
        assert!(html.contains("a site"), "{html}");
        assert!(html.contains("(https://example.org/page)"), "{html}");
    }

    #[test]
    fn remote_and_missing_images_are_replaced_by_their_description() {
        let html = render(
            ArticleKind::Html,
            r#"<img src="https://tracker.example/p.gif" alt="A pixel"><img src="gone.png" alt="Lost">"#,
        );
        assert!(!html.contains("<img"), "{html}");
        assert!(html.contains("A pixel") && html.contains("Lost"), "{html}");
        assert!(!html.contains("tracker.example/p.gif\""), "{html}");
    }

    #[test]
    fn scripts_handlers_frames_forms_and_styles_are_removed() {
        let hostile = r#"<html><head><base href="https://evil.example/"><meta http-equiv="refresh" content="0;url=https://evil.example/"><link rel="stylesheet" href="https://evil.example/s.css"><style>@import url(https://evil.example/x.css);</style></head>
<body><p onclick="alert(1)" style="background:url(https://evil.example/bg.png)">text</p>
<script>alert(1)</script><svg><script>alert(2)</script></svg>
<iframe src="https://evil.example/"></iframe><object data="https://evil.example/x"></object>
<form action="https://evil.example/post"><input name="q"><button>go</button></form>
<a href="javascript:alert(3)">js</a><a href="data:text/html,<script>alert(4)</script>">data</a>
<img src="x" onerror="alert(5)"><video src="https://evil.example/v.mp4"></video></body></html>"#;
        let html = render(ArticleKind::Html, hostile);
        for forbidden in [
            "<script",
            "onclick",
            "onerror",
            "style=",
            "<iframe",
            "<object",
            "<form",
            "<input",
            "<base",
            "<meta",
            "<link",
            "<svg",
            "<video",
            "href=\"javascript:",
            "href=\"data:",
            "@import",
        ] {
            assert!(!html.contains(forbidden), "{forbidden} survived in {html}");
        }
        assert!(html.contains("text"), "{html}");
        // Addresses appear only as text, never as something the browser loads.
        assert!(!html.contains("src=\"https:"), "{html}");
        assert!(!html.contains("href=\"https:"), "{html}");
    }

    #[test]
    fn a_first_heading_repeating_the_title_is_left_to_the_page() {
        let html = render(
            ArticleKind::Markdown,
            "# The  title\n\ntext\n\n# The title\n",
        );
        assert_eq!(html.matches("<h1>").count(), 1, "{html}");
        let html = render(ArticleKind::Markdown, "# Another heading\n");
        assert!(html.contains("<h1>Another heading</h1>"), "{html}");
    }

    #[test]
    fn links_to_svg_or_html_files_that_are_not_articles_are_not_links() {
        // Opened directly from disk such a file could run script; images may still show it.
        let html = render(
            ArticleKind::Markdown,
            "[the drawing](drawing.svg) ![drawing](drawing.svg)",
        );
        assert!(!html.contains("href"), "{html}");
        assert!(
            html.contains(r#"src="../../editions/e/news/drawing.svg""#),
            "{html}"
        );
    }

    #[test]
    fn front_matter_is_not_part_of_the_text() {
        let html = render(ArticleKind::Markdown, "---\ntitle: T\n---\n\n# Heading\n");
        assert!(!html.contains("title: T"), "{html}");
        assert!(html.contains("Heading"), "{html}");
    }

    #[test]
    fn right_to_left_languages() {
        for language in ["fa", "ar", "he", "fa-IR", "ur"] {
            assert!(is_right_to_left(language), "{language}");
        }
        for language in ["en", "ru", "zh-Hans", ""] {
            assert!(!is_right_to_left(language), "{language}");
        }
    }
}
