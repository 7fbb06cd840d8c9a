//! TEMPORARY STUB: replaced by the real scanner.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArticleKind {
    Markdown,
    Html,
}
pub fn article_kind(_path: &str) -> Option<ArticleKind> {
    None
}
#[derive(Debug, Clone, Default)]
pub struct ArticleScan {
    pub title: Option<String>,
    pub date: Option<String>,
    pub authors: Vec<String>,
    pub language: Option<String>,
    pub summary: Option<String>,
    pub direction: Option<String>,
    pub local_resources: Vec<LocalReference>,
    pub remote_resources: Vec<RemoteReference>,
}
#[derive(Debug, Clone)]
pub struct LocalReference {
    pub reference: String,
    pub path: String,
    pub is_image: bool,
}
#[derive(Debug, Clone)]
pub struct RemoteReference {
    pub reference: String,
    pub context: String,
}
#[derive(Debug, thiserror::Error)]
pub enum ArticleError {
    #[error("x")]
    X,
}
pub fn scan_article(
    _path: &str,
    _kind: ArticleKind,
    _bytes: &[u8],
) -> Result<ArticleScan, ArticleError> {
    Ok(ArticleScan::default())
}
