//! `tamizdat fetch`: the newest editions of trusted publishers, from whichever mirror still
//! works. Catalogs are read from every mirror tried and the newest verified one is followed, so
//! a mirror that freezes or rolls back is outvoted by any honest one; bundles are downloaded
//! with resume, falling back to the next mirror on any failure, and checked against the
//! catalog and their own signature before the caller imports them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::format::catalog::CatalogEdition;
use crate::fs::{Existing, write_atomically};
use crate::mirror::MirrorError;
use crate::mirror::folder::{ServedChannel, read_channel};
use crate::mirror::source::Source;
use crate::mirror::sync::{ProgressFor, source_channels};
use crate::read::Trust;

/// What a reader remembers of mirrors, in `TAMIZDAT_HOME/state/mirrors.json`: the addresses
/// learnt from signed catalogs (in the order learnt), and the newest catalog accepted per
/// channel, below which a catalog is a rollback.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct KnownMirrors {
    /// Mirror addresses, in the order they were learnt.
    #[serde(default)]
    pub mirrors: Vec<String>,
    /// Newest catalog accepted, per channel.
    #[serde(default)]
    pub catalogs: BTreeMap<String, CatalogFloor>,
}

/// The newest catalog accepted for a channel, and the key that signed it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogFloor {
    /// Its number: a lower one is a rollback.
    pub sequence: u64,
    /// The signing key, 64 hex digits.
    pub key: String,
}

/// The signing key of a verified catalog, in hex.
fn signing_key(catalog: &crate::mirror::VerifiedCatalog) -> String {
    let key = match catalog.signer() {
        crate::mirror::CatalogSigner::Key(key) => key.to_bytes(),
        crate::mirror::CatalogSigner::Certified(signer) => signer.key.to_bytes(),
    };
    crate::authority::hex_of(&key)
}

/// The number below which a catalog of `channel` is a rollback: the newest accepted, unless
/// the key that signed it is no longer trusted for the channel (revoked, or no longer
/// trusted at all). Otherwise a thief who signed a catalog numbered 2^64-1 with a stolen key
/// would lock readers out of the channel for ever, as an edition's fast-forward would
/// without FORMAT.md 10.7.
fn floor_of(known: &KnownMirrors, channel: &str, trust: &Trust) -> u64 {
    let Some(floor) = known.catalogs.get(channel) else {
        return 0;
    };
    let Some(key) = data_encoding::HEXLOWER
        .decode(floor.key.as_bytes())
        .ok()
        .and_then(|bytes| <[u8; 32]>::try_from(bytes).ok())
    else {
        return 0;
    };
    let trusted_directly = crate::keys::PublicKey::new("floor", &key).is_ok_and(|public| {
        trust
            .keys
            .with_id(public.key_id())
            .any(|known| known.to_bytes() == key)
    });
    let certified = trust.authority.certificate_for_key(&floor.key).is_some();
    let revoked = trust.authority.roots().iter().any(|root| {
        root.revocations.iter().any(|(_, revocation)| {
            revocation.key == key && revocation.refused_from(channel).is_some()
        })
    });
    if (trusted_directly || certified) && !revoked {
        floor.sequence
    } else {
        0
    }
}

impl KnownMirrors {
    /// Reads the file at `path`; a missing file is an empty memory.
    pub fn load(path: &Path) -> Result<KnownMirrors, MirrorError> {
        match std::fs::read(path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|error| {
                MirrorError::Nothing(format!(
                    "{} is damaged ({error}); remove it and fetch again from a mirror you name",
                    path.display()
                ))
            }),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                Ok(KnownMirrors::default())
            }
            Err(source) => Err(MirrorError::Io {
                context: format!("cannot read {}", path.display()),
                source,
            }),
        }
    }

    /// Writes it whole to `path`.
    pub fn save(&self, path: &Path) -> Result<(), MirrorError> {
        if let Some(folder) = path.parent() {
            std::fs::create_dir_all(folder).map_err(MirrorError::io(format!(
                "cannot create {}",
                folder.display()
            )))?;
        }
        let bytes = serde_json::to_vec_pretty(self).unwrap_or_default();
        write_atomically(path, &bytes, 0o600, Existing::Replace)
            .map_err(MirrorError::io(format!("cannot write {}", path.display())))
    }
}

/// What `fetch` is asked to do.
pub struct FetchRequest<'a> {
    /// Mirrors to try, in order.
    pub sources: &'a [Box<dyn Source>],
    /// Where downloads are kept until imported (partial ones stay, to be resumed).
    pub downloads: &'a Path,
    /// The reader's trust.
    pub trust: &'a Trust,
    /// At most this many editions per channel, the newest.
    pub newest: usize,
    /// Only these channels; empty: every channel of a trusted publisher.
    pub channels: &'a [String],
    /// True for an edition the library already has.
    pub have: &'a dyn Fn(&CatalogEdition) -> bool,
    /// Progress display per download.
    pub progress_for: ProgressFor<'a>,
}

/// An edition downloaded and checked, ready to import.
#[derive(Debug, Clone)]
pub struct FetchedEdition {
    /// The verified file.
    pub path: PathBuf,
    /// What the catalog says of it.
    pub edition: CatalogEdition,
    /// The mirror it came from.
    pub from: String,
    /// Bytes received over the network for it in this run.
    pub fetched_bytes: u64,
}

/// What `fetch` did.
#[derive(Debug, Default)]
pub struct FetchReport {
    /// Catalogs followed: channel, number, issue time, publisher, mirror.
    pub catalogs: Vec<(String, u64, String, String, String)>,
    /// Editions downloaded and checked.
    pub fetched: Vec<FetchedEdition>,
    /// What failed on the way, and where (each also tried elsewhere).
    pub failures: Vec<(String, MirrorError)>,
    /// Editions no mirror could give.
    pub missing: Vec<CatalogEdition>,
    /// Mirror addresses learnt from signed catalogs in this run.
    pub learned: Vec<String>,
    /// Channels seen whose publisher the reader does not trust.
    pub untrusted: Vec<String>,
}

/// Fetches, updating `known` with the catalogs accepted and the mirrors learnt.
pub fn fetch_editions(request: &FetchRequest<'_>, known: &mut KnownMirrors) -> FetchReport {
    let mut report = FetchReport::default();
    if let Err(error) = crate::mirror::check_channels(request.channels) {
        report.failures.push(("--channel".into(), error));
        return report;
    }
    let mut channels: Vec<(String, Vec<usize>)> = Vec::new();
    for (index, source) in request.sources.iter().enumerate() {
        match source_channels(source.as_ref()) {
            Ok(listed) => {
                for channel in listed {
                    if !request.channels.is_empty() && !request.channels.contains(&channel) {
                        continue;
                    }
                    match channels.iter_mut().find(|(name, _)| *name == channel) {
                        Some((_, sources)) => sources.push(index),
                        None => channels.push((channel, vec![index])),
                    }
                }
            }
            Err(error) => report.failures.push((source.describe(), error)),
        }
    }
    for (channel, sources) in channels {
        fetch_channel(request, known, &mut report, &channel, &sources);
    }
    report
}

fn fetch_channel(
    request: &FetchRequest<'_>,
    known: &mut KnownMirrors,
    report: &mut FetchReport,
    channel: &str,
    sources: &[usize],
) {
    let floor = floor_of(known, channel, request.trust);
    let mut offers: Vec<(usize, ServedChannel)> = Vec::new();
    let mut untrusted = false;
    for &index in sources {
        let source = request.sources[index].as_ref();
        match read_channel(source, channel, request.trust) {
            Ok(served) if served.catalog.catalog().sequence < floor => {
                report.failures.push((
                    source.describe(),
                    MirrorError::Rollback {
                        channel: channel.to_string(),
                        offered: served.catalog.catalog().sequence,
                        held: floor,
                    },
                ));
            }
            Ok(served) => offers.push((index, served)),
            Err(error) if error.is_untrusted() => untrusted = true,
            Err(error) => report.failures.push((source.describe(), error)),
        }
    }
    // The newest catalog wins; the mirrors offering it are tried first for its bundles.
    offers.sort_by_key(|(index, served)| {
        (std::cmp::Reverse(served.catalog.catalog().sequence), *index)
    });
    let Some((best_index, best)) = offers.first() else {
        if untrusted {
            report.untrusted.push(channel.to_string());
        }
        return;
    };
    let catalog = best.catalog.catalog().clone();
    known.catalogs.insert(
        channel.to_string(),
        CatalogFloor {
            sequence: catalog.sequence,
            key: signing_key(&best.catalog),
        },
    );
    for mirror in &catalog.mirrors {
        if !known.mirrors.contains(mirror) {
            known.mirrors.push(mirror.clone());
            report.learned.push(mirror.clone());
        }
    }
    report.catalogs.push((
        channel.to_string(),
        catalog.sequence,
        catalog.issued.clone(),
        best.catalog.signer().publisher(),
        request.sources[*best_index].describe(),
    ));
    let wanted: Vec<&CatalogEdition> = catalog
        .editions
        .iter()
        .rev()
        .filter(|edition| !(request.have)(edition))
        .take(request.newest)
        .collect();
    for edition in wanted.into_iter().rev() {
        let mut done = false;
        // Mirrors whose catalog lists this very file, newest catalog first.
        for (index, served) in &offers {
            if served.catalog.catalog().edition(edition.sequence) != Some(edition) {
                continue;
            }
            let source = request.sources[*index].as_ref();
            match fetch_one(request, source, edition) {
                Ok(fetched) => {
                    report.fetched.push(fetched);
                    done = true;
                    break;
                }
                Err(error) => report.failures.push((source.describe(), error)),
            }
        }
        if !done {
            report.missing.push(edition.clone());
        }
    }
}

fn fetch_one(
    request: &FetchRequest<'_>,
    source: &dyn Source,
    edition: &CatalogEdition,
) -> Result<FetchedEdition, MirrorError> {
    std::fs::create_dir_all(request.downloads).map_err(MirrorError::io(format!(
        "cannot create {}",
        request.downloads.display()
    )))?;
    let progress = (request.progress_for)(&edition.file);
    let (part, downloaded) = crate::mirror::bundles::download_checked(
        source,
        edition,
        request.downloads,
        request.trust,
        progress.as_ref(),
    )?;
    drop(progress);
    let path = request.downloads.join(&edition.file);
    std::fs::rename(&part, &path)
        .map_err(MirrorError::io(format!("cannot write {}", path.display())))?;
    Ok(FetchedEdition {
        path,
        edition: edition.clone(),
        from: source.describe(),
        fetched_bytes: downloaded.fetched,
    })
}
