//! The library's pages: a front page, a page per edition and a page per article, written as
//! plain HTML with one local stylesheet, no script, and a Content-Security-Policy that forbids
//! scripts and every load from anywhere but the library itself.

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::format::article_kind;
use crate::format::manifest::Article;
use crate::library::record::Record;
use crate::library::render::{
    RenderContext, RenderedArticle, Unrenderable, encode_path, escape, is_right_to_left,
    read_article_source, render_article,
};
use crate::library::standing::Standing;

/// Sent as a header by `tamizdat serve` and repeated in every page, so a page opened from disk
/// is held to the same rule: no script at all, nothing loaded from any other origin, no form
/// that posts anywhere, no `<base>` that redirects relative links.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; img-src 'self' data:; style-src 'self'; font-src 'self'; media-src 'self'; form-action 'none'; base-uri 'none'";

/// The stylesheet of every page.
pub const STYLESHEET: &str = include_str!("library.css");

/// How many of the latest articles the front page lists.
const LATEST_ARTICLES: usize = 30;

/// `../` repeated to climb from a page at `depth` folders below the root back to it.
fn up(depth: usize) -> String {
    if depth == 0 {
        "./".to_string()
    } else {
        "../".repeat(depth)
    }
}

fn direction(language: &str) -> &'static str {
    if is_right_to_left(language) {
        "rtl"
    } else {
        "ltr"
    }
}

/// The language tag, if it is a plausible BCP 47 tag (it goes into an attribute).
fn language_tag(language: Option<&str>) -> &str {
    match language {
        Some(tag)
            if !tag.is_empty()
                && tag.len() <= 35
                && tag.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') =>
        {
            tag
        }
        _ => "",
    }
}

/// The start of every page: language, direction, policy, stylesheet, title.
fn head(out: &mut String, language: &str, title: &str, root: &str) {
    let language = language_tag(Some(language));
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"{lang}\" dir=\"{dir}\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"{csp}\">\n\
         <meta name=\"referrer\" content=\"no-referrer\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{title}</title>\n<link rel=\"stylesheet\" href=\"{root}library.css\">\n</head>\n<body>\n",
        lang = if language.is_empty() { "und" } else { language },
        dir = direction(language),
        csp = CONTENT_SECURITY_POLICY,
        title = escape(title),
    );
}

fn foot(out: &mut String) {
    out.push_str(
        "<footer class=\"site-footer\" lang=\"en\" dir=\"ltr\"><p>Read offline with tamizdat. Nothing on these pages contacts the internet.</p></footer>\n</body>\n</html>\n",
    );
}

/// "signed by NAME with key FINGERPRINT; imported DATE" as a visible, plain box, saying
/// "Verified" only while the reader trusts that key and nothing disputes the edition.
fn verification(out: &mut String, record: &Record, standing: Standing) {
    let signed = format!(
        "signed by <strong>{name}</strong> with key <code class=\"fingerprint\">{fingerprint}</code>",
        name = escape(&record.signer_name),
        fingerprint = escape(&record.fingerprint),
    );
    let imported = escape(&record.imported.replace('T', " ").replace('Z', " UTC"));
    let _ = match standing {
        Standing::Trusted => writeln!(
            out,
            "<p class=\"verified\" dir=\"ltr\" lang=\"en\"><span class=\"mark\">✓ Verified</span> {signed}; imported into this library on {imported}.</p>",
        ),
        Standing::NoLongerTrusted => writeln!(
            out,
            "<p class=\"not-verified\" dir=\"ltr\" lang=\"en\"><span class=\"mark\">⚠ Not verified now</span> {signed}, a key you no longer trust: you removed it from your trusted keys after this edition was imported on {imported}. Its files are as they were signed, but nothing vouches for who signed them.</p>",
        ),
        Standing::NeverTrusted => writeln!(
            out,
            "<p class=\"not-verified\" dir=\"ltr\" lang=\"en\"><span class=\"mark\">⚠ Not verified</span> {signed}, a key you have not trusted: it was given for one import only, on {imported}. Compare the fingerprint with the one the publisher announces (website, radio, TV, social accounts); if they match, run <code>tamizdat trust add</code> with the publisher's key file.</p>",
        ),
        Standing::Disputed => writeln!(
            out,
            "<p class=\"not-verified\" dir=\"ltr\" lang=\"en\"><span class=\"mark\">⚠ Disputed</span> {signed}, but the same key also signed a different edition #{sequence} of channel <code>{channel}</code>. One of the two is not what the publisher published, and nothing tells which: ask the publisher, and do not pass either on.</p>",
            sequence = record.manifest.sequence,
            channel = escape(&record.manifest.channel),
        ),
        Standing::Revoked => writeln!(
            out,
            "<p class=\"not-verified\" dir=\"ltr\" lang=\"en\"><span class=\"mark\">⚠ Revoked</span> {signed}, a key its publisher has since revoked from edition #{sequence} of channel <code>{channel}</code> on: whoever stole the key may have made this edition. Do not trust it or pass it on; get the edition again from another source.</p>",
            sequence = record.manifest.sequence,
            channel = escape(&record.manifest.channel),
        ),
    };
    if let Some(newest) = record.older_than {
        let _ = writeln!(
            out,
            "<p class=\"older\" dir=\"ltr\" lang=\"en\"><span class=\"mark\">Older edition</span> #{sequence} of channel <code>{channel}</code> arrived after #{newest}: it is kept as an archive edition, not the latest news.</p>",
            sequence = record.manifest.sequence,
            channel = escape(&record.manifest.channel),
        );
    }
}

/// The comment in an edition's page that says which standing its pages were built with.
pub fn standing_marker(standing: Standing) -> String {
    format!("<!-- tamizdat standing: {} -->", standing.marker())
}

fn date_of(created: &str) -> &str {
    created.get(..10).unwrap_or(created)
}

fn article_language<'a>(article: &'a Article, record: &'a Record) -> &'a str {
    language_tag(
        article
            .language
            .as_deref()
            .or(Some(&record.manifest.language)),
    )
}

/// `ID/PATH.html`: where an article's page is, relative to `read/`, `/`-separated.
fn article_page(record: &Record, article: &Article) -> String {
    format!("{}/{}.html", record.id, article.main_file.as_str())
}

/// The page of the article whose file is `main_file` in `record`'s edition, under the library
/// folder `root`, if the edition has such an article.
pub fn article_page_in(root: &Path, record: &Record, main_file: &str) -> Option<PathBuf> {
    let article = record
        .manifest
        .articles
        .iter()
        .find(|article| article.main_file.as_str() == main_file)?;
    let mut path = root.join("read");
    path.extend(article_page(record, article).split('/'));
    Some(path)
}

/// The pages of one edition, by path relative to its folder `read/ID/`: the edition's page,
/// then one page per article, each rendered only when the iterator reaches it, so an edition's
/// pages are never all in memory at once. Articles are read from the verified files under
/// `root/editions/ID`. An article that cannot be rendered (too large, unreadable, or one the
/// renderer fails on) gets a page saying so with its files listed; it never stops the others.
pub fn edition_pages<'a>(
    root: &'a Path,
    record: &'a Record,
    standing: Standing,
) -> impl Iterator<Item = (PathBuf, String)> + 'a {
    let files: HashMap<String, String> = record
        .manifest
        .files
        .iter()
        .map(|f| (f.path.as_str().to_string(), f.media_type.clone()))
        .collect();
    let articles: HashSet<String> = record
        .manifest
        .articles
        .iter()
        .map(|a| a.main_file.as_str().to_string())
        .collect();
    let missing: HashSet<String> = record.missing.iter().cloned().collect();
    let edition = root.join("editions").join(&record.id);
    std::iter::once((PathBuf::from("index.html"), edition_page(record, standing))).chain(
        record.manifest.articles.iter().map(move |article| {
            let source = if missing.contains(article.main_file.as_str()) {
                Err(Unrenderable::MissingFromCopy)
            } else {
                read_article_source(&edition.join(article.main_file.to_relative_path()))
            };
            let page: PathBuf = article.main_file.as_str().split('/').collect();
            let mut page = page.into_os_string();
            page.push(".html");
            (
                PathBuf::from(page),
                article_page_html(
                    record,
                    standing,
                    article,
                    source,
                    &PageFiles {
                        files: &files,
                        articles: &articles,
                        missing: &missing,
                    },
                ),
            )
        }),
    )
}

/// A generous estimate of the disk the pages of an edition take, in bytes: an article's page
/// is its rendered body (at most about three times its file, with every reference rewritten
/// and escaped) plus a fixed head, navigation and verification box, each in whole blocks
/// of 4,096 bytes; plus the edition's page, one card per article.
pub fn pages_space_needed(manifest: &crate::format::Manifest) -> u64 {
    const BLOCK: u64 = 4096;
    const PAGE_FIXED: u64 = 16 * 1024;
    const CARD: u64 = 2048;
    let sizes: HashMap<&str, u64> = manifest
        .files
        .iter()
        .map(|file| (file.path.as_str(), file.size))
        .collect();
    let size_of =
        |path: &crate::format::EditionPath| sizes.get(path.as_str()).copied().unwrap_or(0);
    let articles = manifest
        .articles
        .iter()
        .map(|article| {
            size_of(&article.main_file)
                .saturating_mul(3)
                .saturating_add(PAGE_FIXED)
                .div_ceil(BLOCK)
                .saturating_add(1)
                .saturating_mul(BLOCK)
        })
        .fold(0u64, u64::saturating_add);
    let edition_page = (manifest.articles.len() as u64)
        .saturating_mul(CARD)
        .saturating_add(PAGE_FIXED);
    articles.saturating_add(edition_page)
}

/// The comment in the front page that names the editions it lists, so a run can tell, without
/// reading a record, whether the front page is current: the SHA-256 of their sorted ids.
pub fn front_page_marker(ids: &[String]) -> String {
    let mut sorted: Vec<&str> = ids.iter().map(String::as_str).collect();
    sorted.sort_unstable();
    let digest = crate::format::Sha256Digest::of(sorted.join("\n").as_bytes()).to_hex();
    format!(
        "<!-- tamizdat {} front page of editions {digest} -->",
        env!("CARGO_PKG_VERSION")
    )
}

/// What the front page needs of one edition: its record without the list of files and with
/// only its [`LATEST_ARTICLES`] newest articles, and how many articles it has. The front page
/// lists every edition, so this keeps its memory to a few kilobytes an edition however large
/// each edition is.
pub struct FrontPageEntry {
    record: Record,
    article_count: usize,
    /// How many files the edition has, and how many of them this library lacks.
    file_count: usize,
    missing_count: usize,
    standing: Standing,
}

impl FrontPageEntry {
    /// Trims `record` to what the front page shows.
    pub fn new(mut record: Record, standing: Standing) -> FrontPageEntry {
        let article_count = record.manifest.articles.len();
        let file_count = record.manifest.files.len();
        let missing_count = record.missing.len();
        record.manifest.files = Vec::new();
        record.missing = Vec::new();
        // The same order the front page's latest articles use (stable, so ties keep the
        // manifest's order): the newest articles of all editions are among those kept.
        let created = date_of(&record.manifest.created).to_string();
        record.manifest.articles.sort_by(|a, b| {
            let date_a = a.date.as_deref().unwrap_or(&created);
            let date_b = b.date.as_deref().unwrap_or(&created);
            date_b.cmp(date_a)
        });
        record.manifest.articles.truncate(LATEST_ARTICLES);
        FrontPageEntry {
            record,
            article_count,
            file_count,
            missing_count,
            standing,
        }
    }

    /// The edition's record, trimmed.
    pub fn record(&self) -> &Record {
        &self.record
    }
}

/// The front page listing `entries` (newest first), carrying `marker`.
pub fn front_page(
    entries: &[FrontPageEntry],
    refusals: &[crate::library::refusals::Refusal],
    notices: &[String],
    marker: &str,
) -> String {
    let mut out = front_page_body(entries, refusals, notices);
    out.push_str(marker);
    out.push('\n');
    out
}

fn front_page_body(
    entries: &[FrontPageEntry],
    refusals: &[crate::library::refusals::Refusal],
    notices: &[String],
) -> String {
    let records: Vec<&Record> = entries.iter().map(FrontPageEntry::record).collect();
    let mut out = String::new();
    head(&mut out, "en", "Your tamizdat library", "./");
    out.push_str("<header class=\"site-header\"><p class=\"site-name\">tamizdat library</p></header>\n<main>\n<h1>Your library</h1>\n");
    // Editions that seem held back, expired certificates: warnings, never refusals.
    for notice in notices {
        let _ = writeln!(
            out,
            "<p class=\"not-verified freshness\" dir=\"ltr\" lang=\"en\"><span class=\"mark\">⚠</span> {}</p>",
            escape(notice)
        );
    }
    refusals_section(&mut out, refusals);
    if records.is_empty() && refusals.is_empty() {
        out.push_str("<p class=\"empty\">No editions yet. Run <code>tamizdat open BUNDLE.tar.zst</code> to add one.</p>\n");
    }

    // Publishers, by fingerprint: what a reader compares with what the publisher announced.
    let mut publishers: Vec<(&str, &str, bool)> = entries
        .iter()
        .map(|e| {
            let trusted = !matches!(
                e.standing,
                Standing::NoLongerTrusted | Standing::NeverTrusted | Standing::Revoked
            );
            (
                e.record.signer_name.as_str(),
                e.record.fingerprint.as_str(),
                trusted,
            )
        })
        .collect();
    publishers.sort();
    publishers.dedup();
    if !publishers.is_empty() {
        out.push_str("<section class=\"publishers\">\n<h2>Publishers</h2>\n<ul>\n");
        for (name, fingerprint, trusted) in publishers {
            let _ = writeln!(
                out,
                "<li><strong dir=\"auto\">{}</strong> <code class=\"fingerprint\">{}</code>{}</li>",
                escape(name),
                escape(fingerprint),
                if trusted {
                    ""
                } else {
                    " <span class=\"not-trusted\" lang=\"en\" dir=\"ltr\">a key you do not trust</span>"
                }
            );
        }
        out.push_str("</ul>\n</section>\n");
    }

    if !records.is_empty() {
        out.push_str("<section class=\"editions\">\n<h2>Editions</h2>\n<ul class=\"cards\">\n");
        for entry in entries {
            let record = &entry.record;
            let manifest = &record.manifest;
            let language = language_tag(Some(&manifest.language));
            let _ = writeln!(
                out,
                "<li class=\"card\"><a href=\"read/{id}/index.html\" lang=\"{lang}\" dir=\"{dir}\">{title}</a>\
                 <p class=\"meta\">{date} · channel <code>{channel}</code> #{sequence} · {count} · {publisher}</p>{standing}{incomplete}</li>",
                id = encode_path(&record.id),
                lang = language,
                dir = direction(language),
                title = escape(&manifest.title),
                date = escape(date_of(&manifest.created)),
                channel = escape(&manifest.channel),
                sequence = manifest.sequence,
                count = crate::format::text::count(entry.article_count, "article"),
                publisher = escape(&record.signer_name),
                standing = if entry.standing.is_trusted() {
                    String::new()
                } else {
                    format!(
                        "<p class=\"not-verified\" lang=\"en\" dir=\"ltr\"><span class=\"mark\">⚠</span> {}</p>",
                        entry.standing.describe()
                    )
                },
                incomplete = if entry.missing_count == 0 {
                    String::new()
                } else {
                    format!(
                        "<p class=\"incomplete\" lang=\"en\" dir=\"ltr\"><span class=\"mark\">⚠ Incomplete</span> {} of {} files {} missing from this copy</p>",
                        entry.missing_count,
                        entry.file_count,
                        if entry.missing_count == 1 {
                            "is"
                        } else {
                            "are"
                        }
                    )
                },
            );
        }
        out.push_str("</ul>\n</section>\n");
    }

    // An archive edition (older than one the reader had when it arrived) and a revoked one
    // are never among the latest news.
    let mut latest: Vec<(&Record, &Article)> = entries
        .iter()
        .filter(|e| e.record().older_than.is_none() && e.standing != Standing::Revoked)
        .map(FrontPageEntry::record)
        .flat_map(|r| r.manifest.articles.iter().map(move |a| (r, a)))
        .collect();
    latest.sort_by(|(ra, a), (rb, b)| {
        let date_a = a.date.as_deref().unwrap_or(date_of(&ra.manifest.created));
        let date_b = b.date.as_deref().unwrap_or(date_of(&rb.manifest.created));
        date_b.cmp(date_a)
    });
    if !latest.is_empty() {
        out.push_str(
            "<section class=\"latest\">\n<h2>Latest articles</h2>\n<ul class=\"cards\">\n",
        );
        for (record, article) in latest.into_iter().take(LATEST_ARTICLES) {
            article_card(&mut out, record, article, "read/");
        }
        out.push_str("</ul>\n</section>\n");
    }
    out.push_str("</main>\n");
    foot(&mut out);
    out
}

/// "Not added at your last open": each refused bundle, why, and what to do; for a bundle
/// signed by a key not trusted yet, who claims to have signed it, the fingerprint to compare,
/// and the one command that trusts it once compared.
fn refusals_section(out: &mut String, refusals: &[crate::library::refusals::Refusal]) {
    if refusals.is_empty() {
        return;
    }
    out.push_str("<section class=\"refused\" lang=\"en\" dir=\"ltr\">\n<h2>Not added at your last open</h2>\n<ul>\n");
    for refusal in refusals {
        let _ = write!(
            out,
            "<li><p><strong><bdi>{}</bdi></strong>: {}.",
            escape(&refusal.file),
            escape(&refusal.reason)
        );
        if let Some(next) = &refusal.next {
            let _ = write!(out, " {}.", escape(next));
        }
        out.push_str("</p>");
        if let Some(signer) = &refusal.untrusted_signer {
            let _ = write!(
                out,
                "<p>It says it was signed by <strong><bdi>{name}</bdi></strong>, with the key whose fingerprint is</p>\
                 <p class=\"fingerprint-to-compare\"><code class=\"fingerprint\">{fingerprint}</code></p>\
                 <p>Anyone can write any name: the fingerprint is what counts. Compare it, every group, with the fingerprint the publisher broadcasts (on its website, radio, TV or social accounts). Only if they are the same, trust the key with this one command, then open the bundle again:</p>\
                 <pre><code>tamizdat trust add \"{key_file}\"</code></pre>\
                 <p>If they differ, do not trust it: someone else signed this copy.</p>",
                name = escape(&signer.name),
                fingerprint = escape(&signer.fingerprint),
                key_file = escape(&signer.key_file),
            );
        }
        out.push_str("</li>\n");
    }
    out.push_str("</ul>\n</section>\n");
}

/// One article in a list: title (a link to its page), date, language, summary.
fn article_card(out: &mut String, record: &Record, article: &Article, read_url: &str) {
    let language = article_language(article, record);
    let page = article_page(record, article);
    let _ = write!(
        out,
        "<li class=\"card\" lang=\"{lang}\" dir=\"{dir}\"><a href=\"{read_url}{url}\">{title}</a><p class=\"meta\">",
        lang = language,
        dir = direction(language),
        url = encode_path(&page),
        title = escape(&article.title),
    );
    if let Some(date) = &article.date {
        let _ = write!(out, "<time>{}</time> · ", escape(date));
    }
    let _ = write!(
        out,
        "<span lang=\"en\" dir=\"ltr\">{}</span>",
        escape(if language.is_empty() {
            "language not given"
        } else {
            language
        })
    );
    if !article.authors.is_empty() {
        let _ = write!(out, " · {}", escape(&article.authors.join(", ")));
    }
    out.push_str("</p>");
    if let Some(summary) = &article.summary {
        let _ = write!(out, "<p class=\"summary\">{}</p>", escape(summary));
    }
    out.push_str("</li>\n");
}

/// How many missing files a page names; the rest are counted.
const MISSING_FILES_NAMED: usize = 200;

/// The box on every page of an incomplete edition: how many of its files this library lacks,
/// those of `listed` (the page's own missing files, or all of them), and how to get the rest.
/// `edition_page` is the relative URL prefix of the edition's page, `""` on that page itself.
fn incomplete_notice(out: &mut String, record: &Record, listed: &[&str], edition_page: &str) {
    let total = record.manifest.files.len();
    let _ = write!(
        out,
        "<section class=\"incomplete\" lang=\"en\" dir=\"ltr\"><p><span class=\"mark\">⚠ Incomplete</span> This edition was recovered from a damaged copy: {} of its {total} files could not be recovered{}. What is shown was each checked against the signature; nothing is shown in place of what is missing. To get the whole edition, ask for another copy and open it: it replaces this one.</p>",
        record.missing.len(),
        if edition_page.is_empty() {
            String::new()
        } else {
            format!(
                " (<a href=\"{}index.html\">the edition's page</a> lists them)",
                escape(edition_page)
            )
        }
    );
    if !listed.is_empty() {
        out.push_str(if edition_page.is_empty() {
            "<p>Missing:</p>"
        } else {
            "<p>Missing from this article:</p>"
        });
        out.push_str("<ul class=\"missing-files\">\n");
        for path in listed.iter().take(MISSING_FILES_NAMED) {
            let _ = writeln!(out, "<li><code><bdi>{}</bdi></code></li>", escape(path));
        }
        if listed.len() > MISSING_FILES_NAMED {
            let _ = writeln!(
                out,
                "<li>and {} more</li>",
                listed.len() - MISSING_FILES_NAMED
            );
        }
        out.push_str("</ul>");
    }
    out.push_str("</section>\n");
}

fn edition_page(record: &Record, standing: Standing) -> String {
    let manifest = &record.manifest;
    let mut out = String::new();
    head(&mut out, &manifest.language, &manifest.title, "../../");
    let _ = write!(
        out,
        "<header class=\"site-header\"><nav lang=\"en\" dir=\"ltr\"><a href=\"../../index.html\">← Library</a></nav></header>\n<main>\n<h1>{}</h1>\n\
         <p class=\"meta\" lang=\"en\" dir=\"ltr\">{} · channel <code>{}</code> #{} · {} · {}</p>\n",
        escape(&manifest.title),
        escape(date_of(&manifest.created)),
        escape(&manifest.channel),
        manifest.sequence,
        crate::format::text::count(manifest.articles.len(), "article"),
        crate::format::text::count(manifest.files.len(), "file"),
    );
    verification(&mut out, record, standing);
    if !record.is_complete() {
        let missing: Vec<&str> = record.missing.iter().map(String::as_str).collect();
        incomplete_notice(&mut out, record, &missing, "");
    }
    out.push_str("<ul class=\"cards\">\n");
    for article in &manifest.articles {
        article_card(&mut out, record, article, "../");
    }
    out.push_str("</ul>\n</main>\n");
    foot(&mut out);
    out.push_str(&standing_marker(standing));
    out.push('\n');
    out
}

/// What an article's page needs to know of its edition's files.
struct PageFiles<'a> {
    /// Every file of the edition, with its signed media type.
    files: &'a HashMap<String, String>,
    /// The articles that have pages.
    articles: &'a HashSet<String>,
    /// The files this library lacks (an incomplete copy).
    missing: &'a HashSet<String>,
}

fn article_page_html(
    record: &Record,
    standing: Standing,
    article: &Article,
    source: Result<Vec<u8>, Unrenderable>,
    page_files: &PageFiles<'_>,
) -> String {
    let folders = article.main_file.as_str().matches('/').count();
    // The page is read/ID/PATH.html: the root is two folders up, plus the article's folders.
    let root = up(2 + folders);
    let files_url = format!("{root}editions/{}/", encode_path(&record.id));
    let pages_url = up(folders);
    let context = RenderContext {
        article_path: article.main_file.as_str(),
        files: page_files.files,
        articles: page_files.articles,
        missing: page_files.missing,
        files_url: &files_url,
        pages_url: &pages_url,
        title: &article.title,
        title_dropped: std::sync::atomic::AtomicBool::new(false),
    };
    // A renderer that fails on some article (a bug, not a bound) costs that article its body,
    // never the other pages or the import: its page says so, as for an article too large.
    let rendered = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        source
            .and_then(|source| match article_kind(article.main_file.as_str()) {
                Some(kind) => render_article(kind, &source, &context),
                None => Ok(RenderedArticle {
                    html: String::new(),
                    notes: Vec::new(),
                }),
            })
            .map_err(|reason| reason.to_string())
    }))
    .unwrap_or_else(|_| Err("the reader failed while rendering it".to_string()));
    let language = article_language(article, record);
    let mut out = String::new();
    head(&mut out, language, &article.title, &root);
    let _ = write!(
        out,
        "<header class=\"site-header\"><nav lang=\"en\" dir=\"ltr\"><a href=\"{root}index.html\">← Library</a> · <a href=\"{pages_url}index.html\">{edition}</a></nav></header>\n<main>\n<article>\n",
        edition = escape(&record.manifest.title),
    );
    let _ = writeln!(out, "<h1>{}</h1>", escape(&article.title));
    out.push_str("<p class=\"meta\">");
    if let Some(date) = &article.date {
        let _ = write!(out, "<time>{}</time> · ", escape(date));
    }
    if !article.authors.is_empty() {
        let _ = write!(out, "{} · ", escape(&article.authors.join(", ")));
    }
    let _ = writeln!(out, "{}</p>", escape(&record.signer_name));
    verification(&mut out, record, standing);
    if !record.is_complete() {
        let mut own = vec![&article.main_file];
        own.extend(article.images.iter());
        let own_missing: Vec<&str> = own
            .iter()
            .map(|path| path.as_str())
            .filter(|path| page_files.missing.contains(*path))
            .collect();
        incomplete_notice(&mut out, record, &own_missing, &pages_url);
    }
    match rendered {
        Ok(rendered) => {
            for note in &rendered.notes {
                let _ = writeln!(
                    out,
                    "<p class=\"render-note\" lang=\"en\" dir=\"ltr\">{}</p>",
                    escape(note)
                );
            }
            out.push_str("<div class=\"article-body\">\n");
            out.push_str(&rendered.html);
            out.push_str("\n</div>\n");
        }
        Err(reason) => unrendered(&mut out, record, article, &reason),
    }
    out.push_str("</article>\n</main>\n");
    foot(&mut out);
    out
}

/// The body of an article page whose article could not be rendered: why, and its files, so the
/// reader still knows what the edition holds and can open the verified files another way.
fn unrendered(out: &mut String, record: &Record, article: &Article, reason: &str) {
    let _ = writeln!(
        out,
        "<p class=\"render-note\" lang=\"en\" dir=\"ltr\">This article cannot be shown here: {}. Its files, as your library holds them:</p>",
        escape(reason)
    );
    out.push_str("<ul class=\"article-files\" dir=\"ltr\">\n");
    let mut paths = vec![&article.main_file];
    paths.extend(article.images.iter());
    for path in paths {
        let size = if record
            .missing
            .iter()
            .any(|missing| missing == path.as_str())
        {
            "missing from this incomplete copy".to_string()
        } else {
            record
                .manifest
                .files
                .iter()
                .find(|file| file.path == *path)
                .map(|file| crate::format::text::human_bytes(file.size))
                .unwrap_or_default()
        };
        let _ = writeln!(
            out,
            "<li><code>editions/{}/{}</code> {}</li>",
            escape(&record.id),
            escape(path.as_str()),
            escape(&size)
        );
    }
    out.push_str("</ul>\n");
}
