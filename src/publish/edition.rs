//! The publisher's edition folder: which files go into a bundle, whether their names survive
//! a reader's disk, and what the articles among them say and reference.

use std::collections::{BTreeSet, HashMap};
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::article::article_html;
use crate::article::bounded::{
    MAX_ATTRIBUTES_PER_ELEMENT, MAX_ELEMENTS, MAX_NESTING, bounds_exceeded,
};
use crate::format::Article;
use crate::format::manifest::{MAX_FILE_SIZE, MAX_FILES, MAX_TOTAL_SIZE};
use crate::format::path::{EditionPath, find_collisions};
use crate::format::text::{human_bytes, human_bytes_over};
use crate::publish::scan::{
    ArticleKind, RemoteReference, article_kind, scan_article, scan_stylesheet,
};

/// Articles are parsed whole, and an HTML page takes about ten times its size in memory while
/// it is checked; 8 MB is far beyond any article (a long news page is 100 KB) and keeps the
/// packer's memory bounded whatever the edition holds. Below the reader's
/// [`crate::article::MAX_RENDERED_ARTICLE_BYTES`], so every article pack lets through can be
/// shown; a round decimal figure, so that its message says "8 MB".
pub const MAX_ARTICLE_LEN: u64 = 8_000_000;
const _: () = assert!(MAX_ARTICLE_LEN < crate::article::MAX_RENDERED_ARTICLE_BYTES);

/// Why an edition folder could not be packed.
#[derive(Debug, thiserror::Error)]
pub enum EditionError {
    /// Reading the edition folder failed.
    #[error("cannot read the edition folder {path}: {}", crate::fs::plainly(.source))]
    Read {
        /// The file or folder being read.
        path: PathBuf,
        /// The underlying I/O error.
        source: std::io::Error,
    },
    /// The edition has files or articles that cannot be packed.
    #[error("the edition folder {folder} cannot be packed:\n{}", list(.problems))]
    Problems {
        /// The edition folder.
        folder: PathBuf,
        /// Each problem, one sentence each.
        problems: Vec<String>,
    },
    /// The edition folder holds no files.
    #[error("the edition folder {0} holds no files")]
    Empty(PathBuf),
}

fn list(problems: &[String]) -> String {
    problems
        .iter()
        .map(|problem| format!("  - {problem}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// A file to pack: its path in the bundle and where it is on disk.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// The file's path in the bundle.
    pub path: EditionPath,
    /// Where the file is on disk.
    pub location: PathBuf,
    /// The file's size when listed, in bytes.
    pub size: u64,
}

/// What a scan of the edition folder found, ready to be packed.
#[derive(Debug, Clone)]
pub struct Edition {
    /// Sorted by path bytes, the order of the manifest and the tar.
    pub files: Vec<SourceFile>,
    /// The edition's articles, in the order of their main files.
    pub articles: Vec<Article>,
    /// Problems packed anyway because the publisher asked to (`--allow-remote`).
    pub warnings: Vec<String>,
    /// Hidden files and folders left out, by path; a folder ends in `/`.
    pub skipped: Vec<String>,
}

impl Edition {
    /// The front page of the edition, if it has one: `index.md` or `index.html` at the top.
    pub fn front_page(&self) -> Option<&Article> {
        ["index.md", "index.html", "index.htm", "index.markdown"]
            .iter()
            .find_map(|name| {
                self.articles
                    .iter()
                    .find(|a| a.main_file.as_str().eq_ignore_ascii_case(name))
            })
    }

    /// The most common language among the articles, for an edition that does not say.
    pub fn main_language(&self) -> Option<String> {
        let mut counts: HashMap<&str, usize> = HashMap::new();
        for language in self.articles.iter().filter_map(|a| a.language.as_deref()) {
            *counts.entry(language).or_default() += 1;
        }
        let mut counts: Vec<_> = counts.into_iter().collect();
        counts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        counts.first().map(|(language, _)| language.to_string())
    }
}

/// The regular files of an edition folder, sorted, with every name that cannot be packed.
#[derive(Debug, Clone)]
pub struct Listing {
    /// The files that can be packed, sorted by path bytes.
    pub files: Vec<SourceFile>,
    /// Each name that cannot be packed, one sentence each.
    pub problems: Vec<String>,
    /// Hidden files and folders left out ([`is_hidden_name`]), by path; a folder ends in `/`.
    pub skipped: Vec<String>,
}

impl Listing {
    /// Combines the listing with the article check: an edition, or every problem found.
    pub fn into_edition(self, root: &Path, check: ArticleCheck) -> Result<Edition, EditionError> {
        let mut problems = self.problems;
        problems.extend(check.problems);
        if !problems.is_empty() {
            return Err(EditionError::Problems {
                folder: root.to_path_buf(),
                problems,
            });
        }
        Ok(Edition {
            files: self.files,
            articles: check.articles,
            warnings: check.warnings,
            skipped: self.skipped,
        })
    }
}

/// True for a name a newsroom's machines leave in a folder without meaning to publish it: a
/// dot-file or dot-folder (`.git`, `.DS_Store`, `.env`), `Thumbs.db`, `desktop.ini`, and editor
/// backups and swap files (`notes.md~`, `.notes.md.swp`, `notes.md.swp`). A git remote, a
/// reporter's file names or an unfinished draft must not travel to readers by accident.
pub fn is_hidden_name(name: &str) -> bool {
    let lower = name.to_lowercase();
    name.starts_with('.')
        || lower == "thumbs.db"
        || lower == "desktop.ini"
        || name.ends_with('~')
        || lower.ends_with(".swp")
}

/// `problem`, and a valid name close to `path` to rename it to, when there is one.
fn with_suggestion(problem: String, path: &str) -> String {
    match suggested_path(path) {
        Some(suggestion) => format!("{problem}; rename it, for example to {suggestion:?}"),
        None => problem,
    }
}

/// A path every reader can write, as close to `path` as possible: each name in NFC, with
/// characters Windows forbids (and any that were not UTF-8) made `-`, a trailing dot or space
/// dropped, and `-file` added to a name Windows reserves for a device (`CON.txt`
/// becomes `CON-file.txt`). None when no such path differs from `path`.
pub fn suggested_path(path: &str) -> Option<String> {
    use unicode_normalization::UnicodeNormalization;
    let fix = |name: &str| -> String {
        let mut fixed: String = name
            .nfc()
            .map(|c| {
                if c == '\u{FFFD}' || c.is_control() || "<>:\"|?*\\".contains(c) {
                    '-'
                } else {
                    c
                }
            })
            .collect();
        fixed = fixed.trim_end_matches(['.', ' ']).to_string();
        if !fixed.is_empty() && EditionPath::new(&fixed).is_err() {
            let (stem, extension) = fixed.split_at(fixed.find('.').unwrap_or(fixed.len()));
            fixed = format!("{stem}-file{extension}");
        }
        fixed
    };
    let suggestion = path.split('/').map(fix).collect::<Vec<_>>().join("/");
    (suggestion != path && EditionPath::new(&suggestion).is_ok()).then_some(suggestion)
}

/// Walks the folder without reading any file, refusing anything a reader could not unpack.
/// Hidden files and folders ([`is_hidden_name`]) are left out and listed in
/// [`Listing::skipped`], unless `include_hidden`.
pub fn list_files(root: &Path, include_hidden: bool) -> Result<Listing, EditionError> {
    let read_error = |source| EditionError::Read {
        path: root.to_path_buf(),
        source,
    };
    let metadata = fs::metadata(root).map_err(read_error)?;
    if !metadata.is_dir() {
        return Err(read_error(std::io::Error::new(
            std::io::ErrorKind::NotADirectory,
            "it is not a folder",
        )));
    }
    let mut problems = Vec::new();
    let mut files = Vec::new();
    let mut skipped = Vec::new();
    let walker = walkdir::WalkDir::new(root)
        .follow_links(false)
        .min_depth(1)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|entry| {
            let hidden = !include_hidden
                && entry.depth() > 0
                && is_hidden_name(&entry.file_name().to_string_lossy());
            if hidden {
                let relative = entry.path().strip_prefix(root).unwrap_or(entry.path());
                let mut shown = relative
                    .to_string_lossy()
                    .replace(std::path::MAIN_SEPARATOR, "/");
                if entry.file_type().is_dir() {
                    shown.push('/');
                }
                skipped.push(shown);
            }
            !hidden
        });
    for entry in walker {
        let entry = match entry {
            Ok(entry) => entry,
            Err(error) => {
                problems.push(format!("cannot read {error}"));
                continue;
            }
        };
        let relative = entry.path().strip_prefix(root).unwrap_or(entry.path());
        let shown = relative.display().to_string();
        let kind = entry.file_type();
        if kind.is_symlink() {
            problems.push(format!(
                "{shown:?} is a symbolic link; copy the file it points to instead"
            ));
            continue;
        }
        if !kind.is_dir() && !kind.is_file() {
            problems.push(format!(
                "{shown:?} is not a regular file (a device, FIFO or socket)"
            ));
            continue;
        }
        let Some(text) = relative.to_str() else {
            let lossy = relative
                .to_string_lossy()
                .replace(std::path::MAIN_SEPARATOR, "/");
            problems.push(with_suggestion(
                format!("{shown:?} has a name that is not valid UTF-8"),
                &lossy,
            ));
            continue;
        };
        let text = text.replace(std::path::MAIN_SEPARATOR, "/");
        let path = match EditionPath::new(&text) {
            Ok(path) => path,
            Err(error) => {
                problems.push(with_suggestion(error.to_string(), &text));
                continue;
            }
        };
        if kind.is_file() {
            let size = match entry.metadata() {
                Ok(metadata) => metadata.len(),
                Err(error) => {
                    problems.push(format!("cannot read {shown:?}: {error}"));
                    continue;
                }
            };
            files.push(SourceFile {
                path,
                location: entry.path().to_path_buf(),
                size,
            });
        } else {
            // Folders are not stored, but their names must still be portable, and a folder
            // must not collide with a file: record it for the collision check only.
            files.push(SourceFile {
                path,
                location: PathBuf::new(),
                size: u64::MAX,
            });
        }
    }
    for group in find_collisions(files.iter().map(|f| &f.path)) {
        let names: Vec<String> = group.iter().map(|p| format!("{:?}", p.as_str())).collect();
        problems.push(format!(
            "{} would be the same name on a case-insensitive or Unicode-normalising disk (Windows, macOS); rename all but one",
            names.join(" and ")
        ));
    }
    files.retain(|f| f.size != u64::MAX);
    if files.len() > MAX_FILES {
        problems.push(format!(
            "it holds {} files, more than the {MAX_FILES} a bundle may list; split the edition",
            files.len()
        ));
    }
    for file in files.iter().filter(|f| f.size > MAX_FILE_SIZE) {
        problems.push(format!(
            "{:?} is {}, more than the {} one file of a bundle may hold",
            file.path.as_str(),
            human_bytes(file.size),
            human_bytes(MAX_FILE_SIZE)
        ));
    }
    let total: u64 = files.iter().map(|f| f.size).fold(0, u64::saturating_add);
    if total > MAX_TOTAL_SIZE {
        problems.push(format!(
            "its files hold {}, more than the {} a bundle may hold; split the edition",
            human_bytes(total),
            human_bytes(MAX_TOTAL_SIZE)
        ));
    }
    files.sort_by(|a, b| a.path.as_str().as_bytes().cmp(b.path.as_str().as_bytes()));
    if files.is_empty() && problems.is_empty() {
        return Err(EditionError::Empty(root.to_path_buf()));
    }

    Ok(Listing {
        files,
        problems,
        skipped,
    })
}

/// What reading the articles and stylesheets found.
#[derive(Debug, Clone, Default)]
pub struct ArticleCheck {
    /// The articles found, in the order of their main files.
    pub articles: Vec<Article>,
    /// Problems packed anyway because the publisher asked to (`--allow-remote`).
    pub warnings: Vec<String>,
    /// Problems that stop the pack, one sentence each.
    pub problems: Vec<String>,
}

/// Reads and checks every article and stylesheet on `threads` threads (parsing HTML is the
/// slowest part of packing). Results keep the files' order whatever the number of threads.
pub fn check_articles(files: &[SourceFile], allow_remote: bool, threads: usize) -> ArticleCheck {
    let known: BTreeSet<&str> = files.iter().map(|f| f.path.as_str()).collect();
    let candidates: Vec<&SourceFile> = files
        .iter()
        .filter(|f| is_stylesheet(&f.path) || article_kind(f.path.as_str()).is_some())
        .collect();
    let next = AtomicUsize::new(0);
    let work = || {
        let mut done = Vec::new();
        loop {
            let index = next.fetch_add(1, Ordering::Relaxed);
            let Some(file) = candidates.get(index) else {
                return done;
            };
            let mut warnings = Vec::new();
            let outcome = match article_kind(file.path.as_str()) {
                Some(kind) if !is_stylesheet(&file.path) => {
                    read_article(file, kind, &known, allow_remote, &mut warnings).map(Some)
                }
                _ => check_stylesheet(file, allow_remote, &mut warnings).map(|()| None),
            };
            done.push((index, outcome, warnings));
        }
    };
    let mut results: Vec<_> = std::thread::scope(|scope| {
        let helpers: Vec<_> = (1..threads.max(1)).map(|_| scope.spawn(work)).collect();
        let mut all = work();
        for helper in helpers {
            // A checking thread only panics on a bug; its files then count as unchecked.
            all.extend(helper.join().unwrap_or_default());
        }
        all
    });
    results.sort_by_key(|(index, _, _)| *index);
    let mut check = ArticleCheck::default();
    if results.len() != candidates.len() {
        check
            .problems
            .push("some articles could not be checked (an internal error)".into());
    }
    for (_, outcome, warnings) in results {
        check.warnings.extend(warnings);
        match outcome {
            Ok(Some(article)) => check.articles.push(article),
            Ok(None) => {}
            Err(problems) => check.problems.extend(problems),
        }
    }
    check
}

/// A local stylesheet can itself @import a remote font or image.
fn is_stylesheet(path: &EditionPath) -> bool {
    path.as_str().to_ascii_lowercase().ends_with(".css")
}

fn remote_problem(name: &str, remote: &RemoteReference) -> String {
    format!(
        "{name:?} loads {:?} from the network ({}); opening it would make the reader's device contact that server; copy the file into the edition and refer to it there",
        remote.reference, remote.context
    )
}

fn read_small(file: &SourceFile) -> Result<Vec<u8>, Vec<String>> {
    let name = file.path.as_str();
    if file.size > MAX_ARTICLE_LEN {
        return Err(vec![format!(
            "{name:?} is {}, too large to check as an article or stylesheet (the limit is {})",
            human_bytes_over(file.size, MAX_ARTICLE_LEN),
            human_bytes(MAX_ARTICLE_LEN)
        )]);
    }
    fs::read(&file.location).map_err(|error| vec![format!("cannot read {name:?}: {error}")])
}

fn check_stylesheet(
    file: &SourceFile,
    allow_remote: bool,
    warnings: &mut Vec<String>,
) -> Result<(), Vec<String>> {
    let name = file.path.as_str();
    let bytes = read_small(file)?;
    let scan = scan_stylesheet(name, &bytes).map_err(|error| vec![error.to_string()])?;
    let messages: Vec<String> = scan
        .remote_resources
        .iter()
        .map(|remote| remote_problem(name, remote))
        .collect();
    if allow_remote {
        warnings.extend(messages);
        Ok(())
    } else if messages.is_empty() {
        Ok(())
    } else {
        Err(messages)
    }
}

fn read_article(
    file: &SourceFile,
    kind: ArticleKind,
    known: &BTreeSet<&str>,
    allow_remote: bool,
    warnings: &mut Vec<String>,
) -> Result<Article, Vec<String>> {
    let name = file.path.as_str();
    let bytes = read_small(file)?;
    if let Ok(text) = std::str::from_utf8(&bytes) {
        // Checked first, in linear time: the scan below parses with a tree builder that slows
        // to minutes on an element with hundreds of thousands of attributes.
        let exceeded = bounds_exceeded(&article_html(kind, text)).map_err(|reason| {
            vec![format!(
                "the article {name:?} cannot be shown by readers: {reason}"
            )]
        })?;
        if exceeded.attributes {
            return Err(vec![format!(
                "the article {name:?} has an element with more than {MAX_ATTRIBUTES_PER_ELEMENT} attributes, too many to check"
            )]);
        }
        if exceeded.nesting {
            warnings.push(format!(
                "the article {name:?} nests elements more than {MAX_NESTING} levels deep; readers will see the deeper levels flattened"
            ));
        }
        if exceeded.elements {
            warnings.push(format!(
                "the article {name:?} has more than {MAX_ELEMENTS} elements; readers will see the text after those without formatting"
            ));
        }
    }
    let scan = scan_article(name, kind, &bytes).map_err(|error| vec![error.to_string()])?;
    let mut problems = Vec::new();
    for remote in &scan.remote_resources {
        let message = format!("the article {}", remote_problem(name, remote));
        if allow_remote {
            warnings.push(message);
        } else {
            problems.push(message);
        }
    }
    let mut images = Vec::new();
    for local in &scan.local_resources {
        if !known.contains(local.path.as_str()) {
            problems.push(format!(
                "the article {name:?} references {:?}, but there is no file {:?} in the edition",
                local.reference, local.path
            ));
        } else if local.is_image
            && let Ok(path) = EditionPath::new(&local.path)
            && !images.contains(&path)
        {
            images.push(path);
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let fallback_title = file
        .location
        .file_stem()
        .map(|stem| stem.to_string_lossy().into_owned())
        .unwrap_or_else(|| name.to_string());
    Ok(Article {
        main_file: file.path.clone(),
        title: scan.title.unwrap_or(fallback_title),
        date: scan.date,
        authors: scan.authors,
        // A `lang` that is no language tag (`en_US`, `english`) is left out: readers refuse
        // a manifest whose languages are not tags.
        language: scan
            .language
            .filter(|tag| crate::format::manifest::is_language_tag(tag)),
        summary: scan.summary,
        images,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refusal(size: u64) -> String {
        let file = SourceFile {
            path: EditionPath::new("big.html").unwrap(),
            location: PathBuf::from("/nonexistent/big.html"),
            size,
        };
        read_small(&file).expect_err("too large").join("\n")
    }

    #[test]
    fn a_too_large_article_is_refused_in_decimal_units() {
        let message = refusal(9_500_000);
        assert!(
            message.contains("\"big.html\" is 9.5 MB") && message.contains("the limit is 8 MB"),
            "{message}"
        );
        for binary in ["MiB", "KiB", "8388608", "8,388,608", "8.4 MB"] {
            assert!(!message.contains(binary), "{binary} in: {message}");
        }
    }

    #[test]
    fn an_article_just_over_the_limit_does_not_read_as_the_limit() {
        let message = refusal(MAX_ARTICLE_LEN + 1);
        assert!(
            message.contains("is 8,000,001 bytes") && message.contains("the limit is 8 MB"),
            "{message}"
        );
    }
}
