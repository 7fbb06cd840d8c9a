//! Finding bundles in a folder by what they are, not what they are called.

use std::fs;
use std::path::{Path, PathBuf};

/// What a folder holds, for commands given a folder of bundles.
#[derive(Debug, Default)]
pub struct FolderOfBundles {
    /// The files that start as a bundle does, or as a statement file (a revocation, a
    /// certificate, a root chain passed around alone) does, whatever they are called, sorted by
    /// name.
    pub bundles: Vec<PathBuf>,
    /// Every other visible file or folder, with why it was left out, sorted by name.
    pub skipped: Vec<(PathBuf, &'static str)>,
}

/// The bundles directly in `folder`, recognised by their first bytes, not their names (a
/// renamed download, `.ZST`, no extension at all), and what else is there. Hidden names are
/// passed over without a word.
pub fn bundles_in(folder: &Path) -> FolderOfBundles {
    use std::io::Read;
    let mut scan = FolderOfBundles::default();
    let Ok(entries) = fs::read_dir(folder) else {
        return scan;
    };
    let mut paths: Vec<PathBuf> = entries.flatten().map(|entry| entry.path()).collect();
    paths.sort();
    for path in paths {
        if path
            .file_name()
            .is_none_or(|name| name.to_string_lossy().starts_with('.'))
        {
            continue;
        }
        // Not followed: a link could point anywhere, or at a FIFO that blocks the read.
        let Ok(metadata) = fs::symlink_metadata(&path) else {
            continue;
        };
        if metadata.is_dir() {
            scan.skipped.push((
                path,
                "a folder (only the files directly in the folder are read)",
            ));
            continue;
        }
        if !metadata.is_file() {
            scan.skipped
                .push((path, "not a regular file (a link, device or pipe)"));
            continue;
        }
        let mut first = [0u8; crate::format::header::RECOGNISED_PREFIX_LEN];
        let read = fs::File::open(&path).and_then(|mut file| file.read_exact(&mut first));
        match read {
            Ok(()) if crate::format::header::starts_like_a_bundle(&first) => {
                scan.bundles.push(path);
            }
            Ok(()) if first.starts_with(crate::format::statement::CREDENTIALS_FILE_MAGIC) => {
                scan.bundles.push(path);
            }
            Ok(()) => scan.skipped.push((path, "not a tamizdat bundle")),
            Err(error) if error.kind() == std::io::ErrorKind::UnexpectedEof => {
                scan.skipped
                    .push((path, "not a tamizdat bundle (too short)"));
            }
            Err(_) => scan.skipped.push((path, "it cannot be read")),
        }
    }
    scan
}
