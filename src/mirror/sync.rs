//! `tamizdat mirror sync SRC DST`: copies a mirror, verifying everything, so DST always serves
//! a complete, verified state, whenever the copy is stopped.

use std::path::Path;

use crate::format::catalog::{BUNDLES, CHANNEL_LIST, Catalog, ChannelList, MAX_CHANNEL_LIST_LEN};
use crate::fs::Progress;
use crate::mirror::folder::{MirrorFolder, ServedChannel, read_channel};
use crate::mirror::http::Downloaded;
use crate::mirror::source::{Source, SourceError};
use crate::mirror::{MirrorError, check_bundle_file};
use crate::read::Trust;

/// What `mirror sync` is asked to do.
#[derive(Debug, Clone, Default)]
pub struct SyncOptions {
    /// Remove bundles no catalog served lists any more.
    pub prune: bool,
    /// Only these channels; empty: every channel the source lists.
    pub channels: Vec<String>,
}

/// One channel copied.
#[derive(Debug, Clone)]
pub struct ChannelSynced {
    /// The channel.
    pub channel: String,
    /// The publisher, as the reader's trust names it.
    pub publisher: String,
    /// The catalog number DST served before, if any.
    pub before: Option<u64>,
    /// The catalog number DST serves now.
    pub after: u64,
    /// When that catalog was issued.
    pub issued: String,
    /// Bundles fetched, with what each download did.
    pub fetched: Vec<(String, Downloaded)>,
    /// Warnings (an expired certificate, DST's own catalog unreadable).
    pub warnings: Vec<String>,
}

/// What a sync did.
#[derive(Debug, Default)]
pub struct SyncReport {
    /// Channels now served as the source serves them.
    pub synced: Vec<ChannelSynced>,
    /// Channels left as they were, and why.
    pub refused: Vec<(String, MirrorError)>,
    /// Bundles removed by `--prune`.
    pub pruned: Vec<String>,
}

/// Makes a progress display for one bundle download.
pub type ProgressFor<'a> = &'a dyn Fn(&str) -> Box<dyn Progress>;

/// The channels `source` lists.
pub fn source_channels(source: &dyn Source) -> Result<Vec<String>, MirrorError> {
    let bytes = source
        .get_small(CHANNEL_LIST, MAX_CHANNEL_LIST_LEN as u64)
        .map_err(|error| match error {
            SourceError::Missing { .. } => MirrorError::Nothing(format!(
                "{} is not a tamizdat mirror: it has no {CHANNEL_LIST}",
                source.describe()
            )),
            error => MirrorError::Source(error),
        })?;
    ChannelList::from_json(&bytes)
        .map(|list| list.channels)
        .map_err(|error| MirrorError::Catalog {
            what: format!("{} ({CHANNEL_LIST})", source.describe()),
            error,
        })
}

/// Copies `source` into the mirror folder `dst`.
pub fn sync_mirror(
    source: &dyn Source,
    dst: &Path,
    trust: &Trust,
    options: &SyncOptions,
    progress_for: ProgressFor<'_>,
) -> Result<SyncReport, MirrorError> {
    crate::mirror::check_channels(&options.channels)?;
    let folder = MirrorFolder::at(dst);
    let _lock = crate::mirror::lock_folder(dst)?;
    let channels = if options.channels.is_empty() {
        source_channels(source)?
    } else {
        options.channels.clone()
    };
    let mut report = SyncReport::default();
    for channel in channels {
        match sync_channel(source, &folder, &channel, trust, progress_for) {
            Ok(synced) => report.synced.push(synced),
            Err(error) => report.refused.push((channel, error)),
        }
    }
    let mut served: Vec<Catalog> = Vec::new();
    let mut unreadable = false;
    for channel in folder.channels()? {
        match folder.served(&channel, trust) {
            Ok(Some(held)) => served.push(held.catalog.catalog().clone()),
            Ok(None) => {}
            Err(_) => unreadable = true,
        }
    }
    if !served.is_empty() {
        folder.write_derived(&served.iter().collect::<Vec<_>>())?;
    }
    // Pruning needs to know every listed file: with a channel unreadable, nothing is pruned.
    if options.prune && !unreadable {
        report.pruned = prune(&folder, &served)?;
    }
    Ok(report)
}

fn sync_channel(
    source: &dyn Source,
    folder: &MirrorFolder,
    channel: &str,
    trust: &Trust,
    progress_for: ProgressFor<'_>,
) -> Result<ChannelSynced, MirrorError> {
    let offered = read_channel(source, channel, trust)?;
    let mut warnings: Vec<String> = offered.catalog.warnings().to_vec();
    let held: Option<ServedChannel> = match folder.served(channel, trust) {
        Ok(held) => held,
        Err(error) => {
            warnings.push(format!(
                "the catalog {} served for {channel} does not verify ({error}); it is replaced",
                folder.root().display()
            ));
            None
        }
    };
    let offered_catalog = offered.catalog.catalog();
    if let Some(held) = &held {
        let held_catalog = held.catalog.catalog();
        if offered_catalog.sequence < held_catalog.sequence {
            return Err(MirrorError::Rollback {
                channel: channel.to_string(),
                offered: offered_catalog.sequence,
                held: held_catalog.sequence,
            });
        }
        if offered_catalog.sequence == held_catalog.sequence
            && offered.catalog.bytes() != held.catalog.bytes()
        {
            return Err(MirrorError::CatalogConflict {
                channel: channel.to_string(),
                sequence: offered_catalog.sequence,
            });
        }
    }
    let mut fetched = Vec::new();
    let bundles = folder.bundles_folder()?;
    for edition in &offered_catalog.editions {
        let target = folder.bundle_path(&edition.file);
        if target.exists() {
            // A bundle placed by an earlier sync was verified then; one the served catalog
            // does not vouch for is checked now.
            let vouched = held.as_ref().is_some_and(|held| {
                held.catalog.catalog().edition(edition.sequence) == Some(edition)
            }) && std::fs::metadata(&target).is_ok_and(|m| m.len() == edition.length);
            if vouched || check_bundle_file(&target, edition, trust, &crate::fs::NoProgress).is_ok()
            {
                continue;
            }
        }
        let progress = progress_for(&edition.file);
        let (part, downloaded) = crate::mirror::bundles::download_checked(
            source,
            edition,
            &bundles,
            trust,
            progress.as_ref(),
        )?;
        folder.place_bundle(&part, &edition.file)?;
        fetched.push((edition.file.clone(), downloaded));
    }
    folder.publish(&offered.catalog)?;
    Ok(ChannelSynced {
        channel: channel.to_string(),
        publisher: offered.catalog.signer().publisher(),
        before: held.map(|held| held.catalog.catalog().sequence),
        after: offered_catalog.sequence,
        issued: offered_catalog.issued.clone(),
        fetched,
        warnings,
    })
}

/// Removes from `bundles/` every bundle (and its torrent) that no served catalog lists, and
/// nothing else.
fn prune(folder: &MirrorFolder, served: &[Catalog]) -> Result<Vec<String>, MirrorError> {
    let listed: std::collections::BTreeSet<&str> = served
        .iter()
        .flat_map(|catalog| catalog.editions.iter().map(|e| e.file.as_str()))
        .collect();
    folder.create_folders()?;
    let bundles = folder.root().join(BUNDLES);
    let entries = match std::fs::read_dir(&bundles) {
        Ok(entries) => entries,
        Err(_) => return Ok(Vec::new()),
    };
    let mut pruned = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.ends_with(".tar.zst")
            && !name.starts_with('.')
            && !listed.contains(name.as_str())
            && entry.file_type().is_ok_and(|t| t.is_file())
        {
            std::fs::remove_file(entry.path()).map_err(MirrorError::io(format!(
                "cannot remove {}",
                entry.path().display()
            )))?;
            let _ = std::fs::remove_file(bundles.join(format!("{name}.torrent")));
            pruned.push(name);
        }
    }
    pruned.sort();
    Ok(pruned)
}
