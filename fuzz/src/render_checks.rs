//! The invariants of `tamizdat::article::bounded` and `tamizdat::library::render` that the
//! `render_article` fuzz target checks. Plain Rust over the `tamizdat` crate only, so that
//! `tests/fuzz_regressions.rs` includes this same file (`#[path]`) and replays the
//! reproducers in `fuzz/regressions/render_article/` with exactly these checks.

use std::collections::{HashMap, HashSet};

use tamizdat::article::bounded::{
    KEPT_ATTRIBUTES, MAX_ELEMENTS, MAX_NESTING, Piece, walk_bounded_html,
};
use tamizdat::format::ArticleKind;
use tamizdat::library::render::{RenderContext, render_article};

/// Runs every check on `data`: the walk of its (lossy UTF-8) text, and its rendering both as
/// HTML and as Markdown. Panics, naming the invariant, on the first one broken.
pub fn check_render_article(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    check_walk(&text);
    for kind in [ArticleKind::Html, ArticleKind::Markdown] {
        if let Some(html) = render(kind, data) {
            check_rendered(&html);
        }
    }
}

/// The pieces of `html` nest properly and stay within the bounds.
pub fn check_walk(html: &str) {
    let mut open: Vec<String> = Vec::new();
    let mut starts = 0usize;
    let mut broken: Option<String> = None;
    let result = walk_bounded_html(html, |piece| {
        if broken.is_some() {
            return;
        }
        match piece {
            Piece::Start {
                name,
                attributes,
                void,
            } => {
                starts += 1;
                if starts > MAX_ELEMENTS {
                    broken = Some(format!("more than {MAX_ELEMENTS} starts"));
                }
                let mut seen = HashSet::new();
                for (key, _) in attributes {
                    if !KEPT_ATTRIBUTES.contains(&key.as_str()) {
                        broken = Some(format!("<{name}> carries the attribute {key:?}"));
                    }
                    if !seen.insert(key.as_str()) {
                        broken = Some(format!("<{name}> carries {key:?} twice"));
                    }
                }
                if !void {
                    open.push(name.to_string());
                    if open.len() > MAX_NESTING {
                        broken = Some(format!("{} elements open: {open:?}", open.len()));
                    }
                }
            }
            Piece::End { name } => match open.pop() {
                Some(innermost) if innermost == name => {}
                Some(innermost) => {
                    broken = Some(format!("</{name}> ends the open <{innermost}>"));
                }
                None => broken = Some(format!("</{name}> with nothing open")),
            },
            Piece::Text(_) => {}
        }
    });
    if let Some(broken) = broken {
        panic!("walk_bounded_html: {broken}");
    }
    if result.is_ok() {
        assert!(
            open.is_empty(),
            "walk_bounded_html left elements open: {open:?}"
        );
    }
}

/// `render_article` in a small edition like the unit tests' (`src/library/render.rs`).
pub fn render(kind: ArticleKind, source: &[u8]) -> Option<String> {
    let files: HashMap<String, String> = [
        ("news/story.md", "text/markdown"),
        ("news/images/photo.png", "image/png"),
        ("other.html", "text/html"),
        ("news/notes.txt", "text/plain"),
        ("news/drawing.svg", "image/svg+xml"),
    ]
    .iter()
    .map(|(p, m)| (p.to_string(), m.to_string()))
    .collect();
    let articles: HashSet<String> = ["news/story.md", "other.html"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let context = RenderContext {
        article_path: "news/story.md",
        files: &files,
        articles: &articles,
        missing: &HashSet::new(),
        files_url: "../../editions/e/",
        pages_url: "../",
        title: "The title",
        title_dropped: std::sync::atomic::AtomicBool::new(false),
    };
    render_article(kind, source, &context)
        .ok()
        .map(|rendered| rendered.html)
}

/// The sanitised output has no script, no event handler and loads nothing from elsewhere.
pub fn check_rendered(html: &str) {
    let lower = html.to_ascii_lowercase();
    // Text's `<` is escaped, so this is a tag; `href="http` may well be text (a quoted
    // address), so attributes are checked on the tags themselves below.
    assert!(
        !lower.contains("<script"),
        "render_article wrote a script: {html}"
    );
    for (name, attributes) in tags(html) {
        for (key, value) in attributes {
            assert!(
                !key.starts_with("on"),
                "render_article kept the handler {key:?} on <{name}>: {html}"
            );
            if key == "href" || key == "src" {
                let value = value.trim_start().to_ascii_lowercase();
                assert!(
                    !value.starts_with("http") && !value.starts_with("//"),
                    "render_article kept {key}={value:?} on <{name}>: {html}"
                );
            }
        }
    }
}

/// The tags of serialised HTML (text's `<` is always escaped there): each one's name and its
/// attributes, lowercased names, values as written.
fn tags(html: &str) -> Vec<(String, Vec<(String, String)>)> {
    let bytes = html.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(at) = bytes[i..].iter().position(|&b| b == b'<') {
        i += at + 1;
        let name_start = i;
        while i < bytes.len() && !bytes[i].is_ascii_whitespace() && bytes[i] != b'>' {
            i += 1;
        }
        let name = html[name_start..i].to_ascii_lowercase();
        let mut attributes = Vec::new();
        loop {
            while i < bytes.len() && (bytes[i].is_ascii_whitespace() || bytes[i] == b'/') {
                i += 1;
            }
            if i >= bytes.len() || bytes[i] == b'>' {
                break;
            }
            let key_start = i;
            while i < bytes.len()
                && !bytes[i].is_ascii_whitespace()
                && !matches!(bytes[i], b'=' | b'>')
            {
                i += 1;
            }
            let key = html[key_start..i].to_ascii_lowercase();
            let mut value = String::new();
            if i < bytes.len() && bytes[i] == b'=' {
                i += 1;
                if i < bytes.len() && matches!(bytes[i], b'"' | b'\'') {
                    let quote = bytes[i];
                    i += 1;
                    let value_start = i;
                    while i < bytes.len() && bytes[i] != quote {
                        i += 1;
                    }
                    value = html[value_start..i].to_string();
                    i = (i + 1).min(bytes.len());
                } else {
                    let value_start = i;
                    while i < bytes.len() && !bytes[i].is_ascii_whitespace() && bytes[i] != b'>'
                    {
                        i += 1;
                    }
                    value = html[value_start..i].to_string();
                }
            }
            attributes.push((key, value));
        }
        out.push((name, attributes));
    }
    out
}
