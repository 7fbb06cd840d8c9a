//! `tamizdat mirror check DST`: verifies a whole mirror folder without decompressing anything:
//! each channel's entry point and catalog, and each listed bundle's length, SHA-256, signature
//! and payload hash; and lists what is missing, damaged, or in no catalog.

use std::collections::BTreeSet;
use std::path::Path;

use crate::format::catalog::BUNDLES;
use crate::fs::Progress;
use crate::mirror::folder::MirrorFolder;
use crate::mirror::{MirrorError, check_bundle_file};
use crate::read::TrustSource;

/// Something wrong in a mirror folder.
#[derive(Debug)]
pub enum Problem {
    /// A channel's entry point or catalog does not verify.
    Channel {
        /// The channel.
        channel: String,
        /// Why.
        error: MirrorError,
    },
    /// A listed bundle is not there.
    Missing {
        /// Its file name.
        file: String,
    },
    /// A listed bundle does not verify.
    Corrupt {
        /// Its file name.
        file: String,
        /// Why.
        error: MirrorError,
    },
    /// A file in `bundles/` no catalog lists.
    Unlisted {
        /// Its file name.
        file: String,
    },
}

/// What `mirror check` found.
#[derive(Debug, Default)]
pub struct CheckReport {
    /// Channels whose catalog verified: name, catalog number, issue time, editions listed.
    pub channels: Vec<(String, u64, String, usize)>,
    /// Bundles that verified.
    pub bundles_verified: usize,
    /// Bytes read to verify them.
    pub bytes_verified: u64,
    /// Everything wrong.
    pub problems: Vec<Problem>,
}

/// Checks the mirror folder `dst`; `progress` counts the bytes of every listed bundle.
pub fn check_mirror(
    dst: &Path,
    trust: &(impl TrustSource + ?Sized),
    progress: &dyn Progress,
) -> Result<CheckReport, MirrorError> {
    let folder = MirrorFolder::at(dst);
    if !dst.is_dir() {
        return Err(MirrorError::Nothing(format!(
            "{} is not a folder",
            dst.display()
        )));
    }
    let mut report = CheckReport::default();
    let mut listed: BTreeSet<String> = BTreeSet::new();
    let mut editions = Vec::new();
    for channel in folder.channels()? {
        match folder.served(&channel, trust) {
            Ok(Some(served)) => {
                let catalog = served.catalog.catalog();
                report.channels.push((
                    channel.clone(),
                    catalog.sequence,
                    catalog.issued.clone(),
                    catalog.editions.len(),
                ));
                for edition in &catalog.editions {
                    listed.insert(edition.file.clone());
                    listed.insert(format!("{}.torrent", edition.file));
                    editions.push(edition.clone());
                }
            }
            Ok(None) => {}
            Err(error) => report.problems.push(Problem::Channel { channel, error }),
        }
    }
    progress.set_total(editions.iter().map(|e| e.length).sum());
    for edition in &editions {
        let path = folder.bundle_path(&edition.file);
        if std::fs::symlink_metadata(&path).is_err() {
            report.problems.push(Problem::Missing {
                file: edition.file.clone(),
            });
            progress.advance(edition.length);
            continue;
        }
        match check_bundle_file(&path, edition, trust, progress) {
            Ok(()) => {
                report.bundles_verified += 1;
                report.bytes_verified += edition.length;
            }
            Err(error) => report.problems.push(Problem::Corrupt {
                file: edition.file.clone(),
                error,
            }),
        }
    }
    if let Ok(entries) = std::fs::read_dir(dst.join(BUNDLES)) {
        let mut unlisted: Vec<String> = entries
            .flatten()
            .map(|entry| entry.file_name().to_string_lossy().into_owned())
            .filter(|name| !listed.contains(name) && !name.starts_with(crate::fs::WORK_PREFIX))
            .collect();
        unlisted.sort();
        for file in unlisted {
            report.problems.push(Problem::Unlisted { file });
        }
    }
    Ok(report)
}
