//! An article's HTML as a stream of properly nested pieces, within fixed bounds on the work of
//! showing it.
//!
//! A signed article may still be hostile (a stolen key) and must never take the library down.
//! Tree-building HTML parsers spend work per element that grows with the depth of the open
//! elements, recurse on it when walking or serialising, and check each new attribute against
//! the earlier ones of its element; 5,000 nested tables, 200,000 attributes on one element, or
//! a few megabytes of `<p>x` are enough to crash or stall them. So before any tree is built the
//! article is tokenised once (html5gum, a WHATWG tokenizer that keeps attributes in a map) and
//! turned into pieces that:
//!
//! - nest properly: every start of a non-void element is followed by its end, innermost first;
//! - are at most [`MAX_NESTING`] elements deep: deeper elements are flattened (their content
//!   kept, their tags left out);
//! - hold at most [`MAX_ELEMENTS`] elements: after that, only text;
//! - carry only the attributes in [`KEPT_ATTRIBUTES`], once each;
//! - leave out whole elements whose content is never the article ([`LEFT_OUT_ELEMENTS`]).
//!
//! The work is linear in the article's size: each token costs at most [`MAX_NESTING`] steps.
//! This is not the sanitiser: the library still sanitises what it makes of these pieces with
//! ammonia, last, so a mistake here can cost layout but never let markup through.
//!
//! The pieces follow the HTML rules for end tags a writer may leave out (a `<p>` ends at the
//! next block, an `<li>` at the next item, table cells at the next cell or row), so ordinary
//! HTML keeps its shape; anything stranger is closed where this model says, and the sanitiser's
//! own parser sees only well-nested markup.

use std::collections::BTreeMap;

use html5gum::{DefaultEmitter, Token, Tokenizer};

/// How deep elements may nest. Written articles rarely go past 20 (a table in a list in a
/// quotation); 100 leaves room for generated markup while keeping every step cheap.
pub const MAX_NESTING: usize = 100;

/// How many elements an article may have. A long report has a few thousand; beyond this the
/// rest of the text is still shown, without its markup.
pub const MAX_ELEMENTS: usize = 100_000;

/// The most attributes one element may have before pack refuses the article and the library
/// notes it. No written article comes near; the HTML parser pack checks articles with compares
/// each attribute with the earlier ones of its element, so 200,000 of them take it minutes.
pub const MAX_ATTRIBUTES_PER_ELEMENT: usize = 1_000;

/// The attributes any later step uses; every other is dropped here, so no element carries more
/// than this many (the tokenizer keeps only the first of duplicates).
pub const KEPT_ATTRIBUTES: [&str; 12] = [
    "href", "src", "alt", "title", "lang", "dir", "colspan", "rowspan", "id", "start", "width",
    "height",
];

/// Elements left out with everything in them: script, styling, metadata, embedded documents and
/// form controls, whose content is never the article's text.
pub const LEFT_OUT_ELEMENTS: [&str; 16] = [
    "script",
    "style",
    "noscript",
    "template",
    "title",
    "svg",
    "math",
    "iframe",
    "noembed",
    "noframes",
    "textarea",
    "xmp",
    "plaintext",
    "select",
    "object",
    "applet",
];

/// Elements that never have content or an end tag.
pub const VOID_ELEMENTS: [&str; 14] = [
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
    "track", "wbr",
];

/// One piece of an article's HTML.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Piece<'a> {
    /// The start of an element, with its kept attributes (name, decoded value). Void elements
    /// have no [`Piece::End`].
    Start {
        /// The element's name, lowercase.
        name: &'a str,
        /// Its kept attributes, in name order.
        attributes: &'a [(String, String)],
        /// True for an element that has no content and no end.
        void: bool,
    },
    /// The end of the innermost open element.
    End {
        /// The element's name.
        name: &'a str,
    },
    /// Text, decoded (no character references left).
    Text(&'a str),
}

/// Which bounds cut an article, so its page can say so and pack can warn about it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BoundsExceeded {
    /// Elements nested deeper than [`MAX_NESTING`] were flattened.
    pub nesting: bool,
    /// Elements after the first [`MAX_ELEMENTS`] were left out, their text kept.
    pub elements: bool,
    /// An element had more than [`MAX_ATTRIBUTES_PER_ELEMENT`] attributes.
    pub attributes: bool,
}

impl BoundsExceeded {
    /// True when the article was shown whole.
    pub fn none(&self) -> bool {
        !self.nesting && !self.elements && !self.attributes
    }

    /// One sentence for each bound that cut the article.
    pub fn sentences(&self) -> Vec<String> {
        let mut sentences = Vec::new();
        if self.nesting {
            sentences.push(format!(
                "Parts of this article are nested more than {MAX_NESTING} levels deep; the deeper levels are shown flattened."
            ));
        }
        if self.elements {
            sentences.push(format!(
                "This article has more than {} elements; after those its text is shown without formatting.",
                thousands(MAX_ELEMENTS)
            ));
        }
        if self.attributes {
            sentences.push(format!(
                "An element of this article has more than {} attributes; only the few the library uses are kept.",
                thousands(MAX_ATTRIBUTES_PER_ELEMENT)
            ));
        }
        sentences
    }
}

fn thousands(number: usize) -> String {
    crate::format::text::thousands(number as u64)
}

/// Elements that end an open `<p>` when they start (HTML's "close a p element").
const CLOSES_P: [&str; 40] = [
    "address",
    "article",
    "aside",
    "blockquote",
    "center",
    "details",
    "dialog",
    "dir",
    "div",
    "dl",
    "fieldset",
    "figcaption",
    "figure",
    "footer",
    "header",
    "hgroup",
    "main",
    "menu",
    "nav",
    "ol",
    "p",
    "search",
    "section",
    "summary",
    "ul",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "pre",
    "listing",
    "form",
    "li",
    "dd",
    "dt",
    "table",
    "hr",
    "xmp",
];

/// Elements an end tag does not look past for its element (HTML's default scope).
const SCOPE_BOUNDARIES: [&str; 7] = [
    "applet", "caption", "table", "td", "th", "marquee", "object",
];

const HEADINGS: [&str; 6] = ["h1", "h2", "h3", "h4", "h5", "h6"];

const TABLE_PARTS: [&str; 9] = [
    "table", "caption", "colgroup", "tbody", "thead", "tfoot", "tr", "td", "th",
];

/// The most ASCII double quotes an article may hold to be shown. html5gum 0.9's tokenizer
/// calls its attribute states directly one inside the other, so each `name="value"` of one
/// tag takes about 600 bytes of stack until the tag ends (200,000 of them overflow any default
/// stack). Each such attribute has two quotes, so the quotes bound the depth; tokenising runs on
/// a thread with stack for that many. Markdown's own quotes become `&quot;`, and prose mostly
/// uses typographic ones, so a real article stays far below.
pub const MAX_DOUBLE_QUOTES: usize = 200_000;

/// Stack for tokenising an article: a base for everything else, plus this much per double
/// quote in it (twice what each quoted attribute was measured to take, per quote).
const TOKENIZER_STACK_BASE: usize = 16 * 1024 * 1024;
const TOKENIZER_STACK_PER_QUOTE: usize = 640;

/// Why an article cannot be walked at all.
#[derive(Debug, thiserror::Error)]
pub enum Unwalkable {
    /// More than [`MAX_DOUBLE_QUOTES`] double quotes.
    #[error(
        "it holds {found} double quotes, more than the {limit} the reader's HTML tokenizer can take",
        found = thousands(*.0),
        limit = thousands(MAX_DOUBLE_QUOTES)
    )]
    TooManyDoubleQuotes(usize),
    /// The thread to tokenise on could not be started (no memory for its stack).
    #[error("there was no memory to read it ({0})")]
    NoThread(String),
}

/// Turns `html` into bounded, properly nested pieces, handing each to `visit` as it is made
/// (on the tokenizer's own thread, whose stack is sized for `html`), so no more than one piece
/// is held at a time.
pub fn walk_bounded_html(
    html: &str,
    mut visit: impl FnMut(Piece<'_>) + Send,
) -> Result<BoundsExceeded, Unwalkable> {
    let quotes = memchr_count(b'"', html.as_bytes());
    if quotes > MAX_DOUBLE_QUOTES {
        return Err(Unwalkable::TooManyDoubleQuotes(quotes));
    }
    let stack = TOKENIZER_STACK_BASE + quotes * TOKENIZER_STACK_PER_QUOTE;
    std::thread::scope(|scope| {
        std::thread::Builder::new()
            .name("article tokenizer".into())
            .stack_size(stack)
            .spawn_scoped(scope, || tokenize(html, &mut visit))
            .map_err(|error| Unwalkable::NoThread(error.to_string()))?
            .join()
            .map_err(|_| Unwalkable::NoThread("the tokenizer failed".into()))
    })
}

fn memchr_count(needle: u8, haystack: &[u8]) -> usize {
    haystack.iter().filter(|&&byte| byte == needle).count()
}

fn tokenize(html: &str, visit: &mut impl FnMut(Piece<'_>)) -> BoundsExceeded {
    let mut emitter = DefaultEmitter::default();
    // Switch into raw text for script, style and the like, as a browser's tree builder would,
    // so their content is one piece of text to leave out rather than markup.
    emitter.naively_switch_states(true);
    let mut walk = Walk {
        open: Vec::new(),
        elements: 0,
        exceeded: BoundsExceeded::default(),
        left_out: None,
    };
    for token in Tokenizer::new_with_emitter(html, emitter).flatten() {
        match token {
            Token::StartTag(tag) => {
                let name = String::from_utf8_lossy(&tag.name).into_owned();
                walk.start(&name, &tag.attributes, tag.self_closing, visit);
            }
            Token::EndTag(tag) => walk.end(&String::from_utf8_lossy(&tag.name), visit),
            Token::String(text) if walk.left_out.is_none() => {
                visit(Piece::Text(&String::from_utf8_lossy(&text.value)));
            }
            // Comments, doctypes and the tokenizer's notes on errors are not the article.
            _ => {}
        }
    }
    walk.pop_to(0, visit);
    walk.exceeded
}

/// Runs the walk for its verdict only: which bounds `html` exceeds.
pub fn bounds_exceeded(html: &str) -> Result<BoundsExceeded, Unwalkable> {
    walk_bounded_html(html, |_| {})
}

struct Walk {
    /// The open elements, outermost first; never longer than [`MAX_NESTING`].
    open: Vec<String>,
    elements: usize,
    exceeded: BoundsExceeded,
    /// Inside an element left out with its content: its name and how many of the same name
    /// are open inside it.
    left_out: Option<(String, usize)>,
}

type Attributes = BTreeMap<html5gum::HtmlString, html5gum::Spanned<html5gum::HtmlString, ()>>;

impl Walk {
    fn start(
        &mut self,
        name: &str,
        attributes: &Attributes,
        self_closing: bool,
        visit: &mut impl FnMut(Piece<'_>),
    ) {
        if let Some((left_out, depth)) = &mut self.left_out {
            if left_out == name && !self_closing {
                *depth += 1;
            }
            return;
        }
        if matches!(name, "html" | "head" | "body") {
            // The page has its own; for a whole document only the body is the article.
            return;
        }
        if LEFT_OUT_ELEMENTS.contains(&name) {
            // Self-closing counts only in SVG and MathML, where `<svg/>` is an empty element.
            if !(self_closing && matches!(name, "svg" | "math")) {
                self.left_out = Some((name.to_string(), 1));
            }
            return;
        }
        if attributes.len() > MAX_ATTRIBUTES_PER_ELEMENT {
            self.exceeded.attributes = true;
        }
        self.close_implied_by(name, visit);
        if self.elements >= MAX_ELEMENTS {
            self.exceeded.elements = true;
            return;
        }
        let void = VOID_ELEMENTS.contains(&name);
        if !void && self.open.len() >= MAX_NESTING {
            self.exceeded.nesting = true;
            return;
        }
        self.elements += 1;
        let kept: Vec<(String, String)> = attributes
            .iter()
            .filter_map(|(key, value)| {
                let key = std::str::from_utf8(key).ok()?;
                KEPT_ATTRIBUTES.contains(&key).then(|| {
                    (
                        key.to_string(),
                        String::from_utf8_lossy(&value.value).into_owned(),
                    )
                })
            })
            .collect();
        visit(Piece::Start {
            name,
            attributes: &kept,
            void,
        });
        if !void {
            self.open.push(name.to_string());
        }
    }

    fn end(&mut self, name: &str, visit: &mut impl FnMut(Piece<'_>)) {
        if let Some((left_out, depth)) = &mut self.left_out {
            if left_out == name {
                *depth -= 1;
                if *depth == 0 {
                    self.left_out = None;
                }
            }
            return;
        }
        let boundaries: &[&str] = if TABLE_PARTS.contains(&name) {
            &["table"]
        } else if name == "li" {
            &[
                "applet", "caption", "table", "td", "th", "marquee", "object", "ol", "ul",
            ]
        } else {
            &SCOPE_BOUNDARIES
        };
        // An end tag with no element of its name open, or one beyond a boundary (a table
        // between), ends nothing, as in a browser.
        if let Some(index) = self.find_open(|open| open == name, boundaries) {
            self.pop_to(index, visit);
        }
    }

    /// The end tags a writer may leave out: what this start tag ends.
    fn close_implied_by(&mut self, name: &str, visit: &mut impl FnMut(Piece<'_>)) {
        if CLOSES_P.contains(&name)
            && let Some(index) = self.find_open(
                |open| open == "p",
                &[
                    "applet", "caption", "table", "td", "th", "marquee", "object", "button",
                ],
            )
        {
            self.pop_to(index, visit);
        }
        let (ends, stops): (&[&str], &[&str]) = match name {
            "li" => (&["li"], &["ul", "ol", "menu", "table", "td", "th"]),
            "dd" | "dt" => (&["dd", "dt"], &["dl", "table", "td", "th"]),
            "rt" | "rp" => (&["rt", "rp"], &["ruby"]),
            "tr" => (&["tr", "td", "th"], &["table", "tbody", "thead", "tfoot"]),
            "td" | "th" => (&["td", "th"], &["tr", "table", "tbody", "thead", "tfoot"]),
            "tbody" | "thead" | "tfoot" | "caption" | "colgroup" => (
                &[
                    "tbody", "thead", "tfoot", "tr", "td", "th", "caption", "colgroup",
                ],
                &["table"],
            ),
            "a" => (&["a"], &SCOPE_BOUNDARIES),
            _ if HEADINGS.contains(&name) => {
                // A heading directly inside a heading ends it.
                if self
                    .open
                    .last()
                    .is_some_and(|open| HEADINGS.contains(&open.as_str()))
                {
                    self.pop_to(self.open.len() - 1, visit);
                }
                return;
            }
            _ => return,
        };
        // The outermost element `name` ends, above the nearest stop.
        let mut outermost = None;
        for (index, open) in self.open.iter().enumerate().rev() {
            if ends.contains(&open.as_str()) {
                outermost = Some(index);
            } else if stops.contains(&open.as_str()) {
                break;
            }
        }
        if let Some(index) = outermost {
            self.pop_to(index, visit);
        }
    }

    /// The index of the innermost open element for which `wanted` holds, if no boundary lies
    /// between it and the innermost element.
    fn find_open(&self, wanted: impl Fn(&str) -> bool, boundaries: &[&str]) -> Option<usize> {
        for (index, open) in self.open.iter().enumerate().rev() {
            if wanted(open) {
                return Some(index);
            }
            if boundaries.contains(&open.as_str()) {
                return None;
            }
        }
        None
    }

    /// Ends every open element from the innermost down to the one at `index`, inclusive.
    fn pop_to(&mut self, index: usize, visit: &mut impl FnMut(Piece<'_>)) {
        while self.open.len() > index {
            if let Some(name) = self.open.pop() {
                visit(Piece::End { name: &name });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The pieces written back as markup, to compare shapes.
    fn shape(html: &str) -> (String, BoundsExceeded) {
        let mut out = String::new();
        let exceeded = walk_bounded_html(html, |piece| match piece {
            Piece::Start {
                name, attributes, ..
            } => {
                out.push('<');
                out.push_str(name);
                for (key, value) in attributes {
                    out.push_str(&format!(" {key}={value:?}"));
                }
                out.push('>');
            }
            Piece::End { name } => out.push_str(&format!("</{name}>")),
            Piece::Text(text) => out.push_str(text),
        })
        .unwrap();
        (out, exceeded)
    }

    #[test]
    fn ordinary_html_keeps_its_shape() {
        let (out, exceeded) =
            shape("<p>one<p>two <b>bold</b><ul><li>a<li>b</ul><h2>t</h2><div>d</div>");
        assert_eq!(
            out,
            "<p>one</p><p>two <b>bold</b></p><ul><li>a</li><li>b</li></ul><h2>t</h2><div>d</div>"
        );
        assert!(exceeded.none());
    }

    #[test]
    fn tables_without_end_tags_keep_their_rows_and_cells() {
        let (out, _) = shape("<table><tr><td>1<td>2<tr><td>3</table>after");
        assert_eq!(
            out,
            "<table><tr><td>1</td><td>2</td></tr><tr><td>3</td></tr></table>after"
        );
    }

    #[test]
    fn whole_documents_give_their_body_without_head_or_scripts() {
        let (out, _) = shape(
            "<!DOCTYPE html><html><head><title>T</title><style>p{}</style><script>x<y</script></head><body><p>text<!-- c --></p><svg><p>in svg</p></svg><svg/>end</body></html>",
        );
        assert_eq!(out, "<p>text</p>end");
    }

    #[test]
    fn only_kept_attributes_survive_once_each() {
        let (out, _) = shape(r#"<a href="x" onclick="y" href="z" style="s" title="&amp;t">l</a>"#);
        assert_eq!(out, r#"<a href="x" title="&t">l</a>"#);
    }

    #[test]
    fn deep_nesting_is_flattened_and_said() {
        let html = "<div>".repeat(MAX_NESTING * 3) + "deep" + &"</div>".repeat(MAX_NESTING * 3);
        let (out, exceeded) = shape(&html);
        assert!(exceeded.nesting && !exceeded.elements);
        assert_eq!(out.matches("<div>").count(), MAX_NESTING);
        assert_eq!(out.matches("</div>").count(), MAX_NESTING);
        assert!(out.contains("deep"));
    }

    #[test]
    fn elements_past_the_bound_leave_their_text() {
        let html = "<br>".repeat(MAX_ELEMENTS + 5) + "tail";
        let (out, exceeded) = shape(&html);
        assert!(exceeded.elements);
        assert_eq!(out.matches("<br>").count(), MAX_ELEMENTS);
        assert!(out.ends_with("tail"));
    }

    #[test]
    fn many_quoted_attributes_are_tokenised_on_a_stack_big_enough() {
        let attributes: Vec<String> = (0..MAX_DOUBLE_QUOTES / 2)
            .map(|i| format!("data-{i}=\"{i}\""))
            .collect();
        let html = format!("<p {}>text</p>", attributes.join(" "));
        let (out, exceeded) = shape(&html);
        assert!(exceeded.attributes);
        assert_eq!(out, "<p>text</p>");
        let over = html.replace("text", "\"");
        assert!(matches!(
            bounds_exceeded(&over),
            Err(Unwalkable::TooManyDoubleQuotes(found)) if found == MAX_DOUBLE_QUOTES + 1
        ));
    }

    #[test]
    fn stray_end_tags_end_nothing_beyond_a_table() {
        let (out, _) = shape("<div><table><tr><td></div>x</td></tr></table></div>");
        assert_eq!(out, "<div><table><tr><td>x</td></tr></table></div>");
    }

    #[test]
    fn every_start_has_its_end() {
        for html in [
            "<b><i>x</b></i>",
            "<p><a href=a>1<a href=b>2</p>",
            "<ol><li><p>x<li>y",
            "<h1><h2>x</h1>",
            "</p></div><span>",
        ] {
            let mut open = Vec::new();
            walk_bounded_html(html, |piece| match piece {
                Piece::Start {
                    name, void: false, ..
                } => open.push(name.to_string()),
                Piece::End { name } => assert_eq!(open.pop().as_deref(), Some(name), "{html}"),
                _ => {}
            })
            .unwrap();
            assert!(open.is_empty(), "{html}");
        }
    }
}
