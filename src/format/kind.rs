//! Which files of an edition are articles, and in which of the two formats.

use serde::{Deserialize, Serialize};

/// The two article formats a newsroom may publish.
///
/// The kind decides how an article is parsed: Markdown articles carry their metadata in YAML
/// front matter, HTML articles in `<head>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ArticleKind {
    /// A CommonMark document (`.md`, `.markdown`), optionally with YAML front matter.
    Markdown,
    /// An HTML document (`.html`, `.htm`).
    Html,
}

/// Tells which files of an edition are articles, by extension (case-insensitive).
///
/// `.md` and `.markdown` are Markdown, `.html` and `.htm` are HTML; every other file (images,
/// stylesheets, audio...) is a resource and returns `None`. Only the last path component is
/// looked at, so a folder named `x.md` does not make its files articles.
pub fn article_kind(path: &str) -> Option<ArticleKind> {
    let file_name = path.rsplit(['/', '\\']).next().unwrap_or(path);
    let (stem, extension) = file_name.rsplit_once('.')?;
    if stem.is_empty() {
        // A hidden file such as `.md` has no extension.
        return None;
    }
    let extension = extension.to_ascii_lowercase();
    match extension.as_str() {
        "md" | "markdown" => Some(ArticleKind::Markdown),
        "html" | "htm" => Some(ArticleKind::Html),
        _ => None,
    }
}
