//! `tamizdat-publish mirror add`: puts bundles into a mirror folder and signs a new catalog
//! for each channel they belong to.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::format::catalog::{Catalog, CatalogEdition, SignedCatalog, check_mirror_url};
use crate::format::statement::Credentials;
use crate::keys::SecretKey;
use crate::mirror::folder::MirrorFolder;
use crate::mirror::{MirrorError, VerifiedCatalog, verify_catalog};
use crate::read::Trust;

/// What `mirror add` is asked to do.
pub struct AddRequest<'a> {
    /// Bundle files to add.
    pub bundles: &'a [PathBuf],
    /// The mirror folder (created if missing).
    pub to: &'a Path,
    /// Mirror addresses to list, after those already listed.
    pub mirror_urls: &'a [String],
    /// The key that signs the catalogs.
    pub secret: &'a SecretKey,
    /// Its certificate and the statements to carry, for a certified key.
    pub credentials: Option<&'a Credentials>,
    /// The catalogs' issue time.
    pub now: time::OffsetDateTime,
    /// List only this many editions per channel, the newest; older ones leave the catalog
    /// (their files stay until `mirror sync --prune` or the publisher removes them).
    pub keep_newest: Option<usize>,
}

/// What `mirror add` did, per channel.
#[derive(Debug, Clone)]
pub struct AddedChannel {
    /// The channel.
    pub channel: String,
    /// The new catalog's number.
    pub catalog_sequence: u64,
    /// Editions added by this run.
    pub added: Vec<u64>,
    /// Editions the catalog lists in all.
    pub listed: usize,
    /// Why the catalog served was not carried forward (it did not verify with this key or
    /// root), when the new one was rebuilt from the bundles in the folder.
    pub rebuilt: Option<String>,
    /// Editions no longer listed because their files are no longer in the folder.
    pub gone: Vec<u64>,
}

/// Normalises a mirror address as given on the command line: a folder address ending in `/`.
pub fn normal_mirror_url(text: &str) -> Result<String, MirrorError> {
    let mut url = url::Url::parse(text).map_err(|error| {
        MirrorError::Nothing(format!("the mirror address {text} is not a URL ({error})"))
    })?;
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    check_mirror_url(url.as_str()).map_err(MirrorError::Nothing)?;
    Ok(url.to_string())
}

/// The trust a publisher checks its own mirror with: the signing key itself, and the root
/// that certifies it, knowing every statement the publisher carries (so a catalog or bundle
/// of a key those statements revoke is not carried forward).
pub fn publisher_trust(secret: &SecretKey, credentials: Option<&Credentials>) -> Trust {
    let mut keys = crate::keys::TrustedKeys::default();
    keys.add(secret.public());
    let mut trust = Trust::keys_only(keys);
    if let Some(credentials) = credentials
        && let Some(first) = credentials.roots.first()
        && let Ok(chain) = crate::authority::RootChain::from_anchor(first)
    {
        use crate::authority::reader::Authority;
        use crate::authority::root_file::RootFile;
        let anchors = vec![RootFile { chain }];
        let mut state = crate::authority::state::StateFile::default();
        let authority = Authority::new(anchors.clone(), &state);
        if let Ok(signer) =
            authority.certified_signer(&credentials.to_bytes(), secret.public().key_id())
        {
            authority.learn(&mut state, &signer, None);
        }
        trust.authority = Authority::new(anchors, &state);
    }
    trust
}

/// Adds `request.bundles` to the mirror, then signs and serves a new catalog for every channel
/// they belong to (or, with no bundle, for every channel, to list new mirror addresses).
pub fn add_to_mirror(request: &AddRequest<'_>) -> Result<Vec<AddedChannel>, MirrorError> {
    let folder = MirrorFolder::at(request.to);
    let _lock = crate::mirror::lock_folder(request.to)?;
    let trust = publisher_trust(request.secret, request.credentials);
    let mut new_urls = Vec::new();
    for url in request.mirror_urls {
        new_urls.push(normal_mirror_url(url)?);
    }
    // Each bundle is copied beside its final name and verified there, so what is checked is
    // what will be served.
    let staging = folder.bundles_folder()?;
    let mut staged: BTreeMap<String, Vec<(PathBuf, CatalogEdition)>> = BTreeMap::new();
    let mut cleanup = StagedFiles(Vec::new());
    for bundle in request.bundles {
        let temporary = staging.join(format!(
            "{}add-{}.part",
            crate::fs::WORK_PREFIX,
            crate::fs::random_suffix()
        ));
        cleanup.0.push(temporary.clone());
        std::fs::copy(bundle, &temporary).map_err(MirrorError::io(format!(
            "cannot copy {} into the mirror",
            bundle.display()
        )))?;
        let edition =
            crate::mirror::bundles::describe_quietly(&temporary, &trust).map_err(|error| {
                match error {
                    MirrorError::Bundle { error, .. } => MirrorError::Bundle {
                        file: bundle.display().to_string(),
                        error,
                    },
                    other => other,
                }
            })?;
        staged
            .entry(edition.channel.clone())
            .or_default()
            .push((temporary, edition));
    }
    let channels: Vec<String> = if request.bundles.is_empty() {
        folder.channels()?
    } else {
        staged.keys().cloned().collect()
    };
    if channels.is_empty() {
        return Err(MirrorError::Nothing(format!(
            "{} holds no channel yet: give the bundles to add",
            request.to.display()
        )));
    }
    let mut report = Vec::new();
    let mut published: Vec<VerifiedCatalog> = Vec::new();
    for channel in &channels {
        let adding = staged.remove(channel).unwrap_or_default();
        let (previous, floor, rebuilt) = match folder.served(channel, &trust) {
            Ok(served) => (served.map(|s| s.catalog.catalog().clone()), 0, None),
            // Signed by a key since revoked or replaced: the catalog is made anew from the
            // bundles in the folder that verify now, numbered after the one served.
            Err(error) => (
                Some(rebuild_from_bundles(&folder, channel, &trust)?),
                folder.served_number(channel),
                Some(error.to_string()),
            ),
        };
        let (mut catalog, added) = next_catalog(
            previous.as_ref(),
            floor,
            channel,
            &adding,
            &new_urls,
            request.now,
        )?;
        if let Some(keep) = request.keep_newest {
            let drop = catalog.editions.len().saturating_sub(keep);
            catalog.editions.drain(..drop);
        }
        // The entry point changes only once every file the catalog lists is in place: an
        // edition whose file was removed from the folder is no longer listed.
        let mut gone = Vec::new();
        catalog.editions.retain(|edition| {
            let placed = adding
                .iter()
                .any(|(_, new)| new.sequence == edition.sequence);
            let present = std::fs::symlink_metadata(folder.bundle_path(&edition.file))
                .is_ok_and(|m| m.is_file() && m.len() == edition.length);
            if !placed && !present {
                gone.push(edition.sequence);
            }
            placed || present
        });
        let signed = sign_catalog(&catalog, request.secret, request.credentials)?;
        let verified = verify_catalog(&signed, channel, &trust)?;
        for (temporary, edition) in &adding {
            folder.place_bundle(temporary, &edition.file)?;
        }
        folder.publish(&verified)?;
        report.push(AddedChannel {
            channel: channel.clone(),
            catalog_sequence: catalog.sequence,
            added,
            listed: catalog.editions.len(),
            rebuilt,
            gone,
        });
        published.push(verified);
    }
    let mut all: Vec<Catalog> = published.iter().map(|c| c.catalog().clone()).collect();
    for channel in folder.channels()? {
        // Another publisher's channel in the same folder stays listed, but only catalogs
        // this key or root verifies go into the page and feed.
        if !channels.contains(&channel)
            && let Ok(Some(served)) = folder.served(&channel, &trust)
        {
            all.push(served.catalog.catalog().clone());
        }
    }
    all.sort_by(|a, b| a.channel.cmp(&b.channel));
    folder.write_derived(&all.iter().collect::<Vec<_>>())?;
    Ok(report)
}

/// Removes staged copies that were not placed (an error stopped the run).
struct StagedFiles(Vec<PathBuf>);

impl Drop for StagedFiles {
    fn drop(&mut self) {
        for path in &self.0 {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// The editions of `channel` whose bundles in the folder verify now, as a catalog to build on
/// (its number is not used).
fn rebuild_from_bundles(
    folder: &MirrorFolder,
    channel: &str,
    trust: &Trust,
) -> Result<Catalog, MirrorError> {
    let mut editions = Vec::new();
    let bundles = folder.bundles_folder()?;
    let entries = std::fs::read_dir(&bundles).map_err(MirrorError::io(format!(
        "cannot read {}",
        bundles.display()
    )))?;
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let sequence = name
            .strip_prefix(channel)
            .and_then(|rest| rest.strip_prefix('-'))
            .and_then(|rest| rest.strip_suffix(".tar.zst"))
            .and_then(|digits| digits.parse::<u64>().ok());
        if let Some(sequence) = sequence
            && crate::format::catalog::bundle_file_name(channel, sequence) == name
            && let Ok(edition) = crate::mirror::bundles::describe_quietly(&entry.path(), trust)
            && edition.channel == channel
            && edition.sequence == sequence
        {
            editions.push(edition);
        }
    }
    editions.sort_by_key(|edition| edition.sequence);
    Ok(Catalog {
        kind: "catalog".into(),
        channel: channel.to_string(),
        sequence: 0,
        issued: crate::format::manifest::format_created(time::OffsetDateTime::UNIX_EPOCH),
        editions,
        mirrors: Vec::new(),
    })
}

fn next_catalog(
    previous: Option<&Catalog>,
    floor: u64,
    channel: &str,
    adding: &[(PathBuf, CatalogEdition)],
    new_urls: &[String],
    now: time::OffsetDateTime,
) -> Result<(Catalog, Vec<u64>), MirrorError> {
    let mut editions: BTreeMap<u64, CatalogEdition> = previous
        .map(|catalog| {
            catalog
                .editions
                .iter()
                .map(|edition| (edition.sequence, edition.clone()))
                .collect()
        })
        .unwrap_or_default();
    let mut added = Vec::new();
    for (_, edition) in adding {
        match editions.get(&edition.sequence) {
            Some(held) if held.sha256 == edition.sha256 => {}
            Some(_) => {
                return Err(MirrorError::BundleMismatch {
                    file: edition.file.clone(),
                    problem: format!(
                        "the mirror already lists edition {} of {channel} with other bytes; an edition's number is never reused",
                        edition.sequence
                    ),
                });
            }
            None => {
                added.push(edition.sequence);
                editions.insert(edition.sequence, edition.clone());
            }
        }
    }
    let mut mirrors: Vec<String> = previous.map(|c| c.mirrors.clone()).unwrap_or_default();
    for url in new_urls {
        if !mirrors.contains(url) {
            mirrors.push(url.clone());
        }
    }
    if mirrors.len() > crate::format::catalog::MAX_MIRRORS {
        return Err(MirrorError::Nothing(format!(
            "a catalog lists at most {} mirrors",
            crate::format::catalog::MAX_MIRRORS
        )));
    }
    let mut issued = crate::format::manifest::format_created(now);
    if let Some(previous) = previous
        && previous.issued > issued
    {
        // A catalog is never dated before the one it replaces, whatever this clock says.
        issued = previous.issued.clone();
    }
    let Some(sequence) = previous.map_or(0, |c| c.sequence).max(floor).checked_add(1) else {
        return Err(MirrorError::Nothing(format!(
            "the catalog served for {channel} has the highest number a catalog can have; its key was misused: start the channel under a new name"
        )));
    };
    let catalog = Catalog {
        kind: "catalog".into(),
        channel: channel.to_string(),
        sequence,
        issued,
        editions: editions.into_values().collect(),
        mirrors,
    };
    Ok((catalog, added))
}

/// Signs `catalog` with `secret`, carrying `credentials` for a certified key.
pub fn sign_catalog(
    catalog: &Catalog,
    secret: &SecretKey,
    credentials: Option<&Credentials>,
) -> Result<Vec<u8>, MirrorError> {
    let credentials = credentials.map(Credentials::to_bytes).unwrap_or_default();
    let mut signed =
        SignedCatalog::unsigned(secret.public().key_id(), &credentials, &catalog.to_json())
            .map_err(|error| MirrorError::Catalog {
                what: format!("the new catalog of {}", catalog.channel),
                error,
            })?;
    let signature = secret.sign(signed.signed_message());
    signed.set_signature(signature);
    Ok(signed.to_bytes())
}
