//! A mirror folder on this machine: what it serves now, and the one order in which it changes.
//!
//! Bundles and catalogs are immutable files; a channel's entry point is the only file that
//! changes in place, and it changes last, in one rename. So at every moment the folder serves,
//! for each channel, an entry point naming a complete catalog whose every bundle is present
//! and verified, and a killed writer leaves the previous state, still complete. The channel
//! list, page, feed and torrents are derived, and written after.

use std::path::{Path, PathBuf};

use crate::format::Sha256Digest;
use crate::format::catalog::{
    BUNDLES, CATALOGS, CHANNEL_LIST, Catalog, ChannelList, ENTRY_POINTS, EntryPoint,
    MAX_ENTRY_POINT_LEN, entry_point_file_name,
};
use crate::fs::{Existing, write_atomically};
use crate::mirror::source::{FolderSource, Source};
use crate::mirror::{MirrorError, VerifiedCatalog, verify_catalog};
use crate::read::TrustSource;

/// Mode of the files a mirror serves: readable by the web server.
const PUBLIC_FILE: u32 = 0o644;

/// A mirror folder.
pub struct MirrorFolder {
    root: PathBuf,
}

/// A channel as a mirror serves it: its entry point and the catalog it names, verified.
pub struct ServedChannel {
    /// The entry point.
    pub entry: EntryPoint,
    /// The catalog.
    pub catalog: VerifiedCatalog,
}

/// Reads `channel`'s entry point and the catalog it names from `source`, checks the catalog
/// against the entry point's length and hash (never reading more), and verifies it.
pub fn read_channel(
    source: &dyn Source,
    channel: &str,
    trust: &(impl TrustSource + ?Sized),
) -> Result<ServedChannel, MirrorError> {
    let entry_path = format!("{ENTRY_POINTS}/{}", entry_point_file_name(channel));
    let bytes = source.get_small(&entry_path, MAX_ENTRY_POINT_LEN as u64)?;
    let entry = EntryPoint::from_json(channel, &bytes).map_err(|error| MirrorError::Catalog {
        what: format!("{}{entry_path}", with_slash(&source.describe())),
        error,
    })?;
    let catalog_bytes = source.get_small(&format!("{CATALOGS}/{}", entry.catalog), entry.length)?;
    let mismatch = |problem: String| MirrorError::EntryMismatch {
        channel: channel.to_string(),
        problem,
    };
    if catalog_bytes.len() as u64 != entry.length {
        return Err(mismatch(format!(
            "it is {} bytes long, not {}",
            catalog_bytes.len(),
            entry.length
        )));
    }
    if Sha256Digest::of(&catalog_bytes).to_hex() != entry.sha256 {
        return Err(mismatch("its SHA-256 differs".into()));
    }
    let catalog = verify_catalog(&catalog_bytes, channel, trust)?;
    if catalog.catalog().sequence != entry.catalog_sequence() {
        return Err(mismatch(format!(
            "it is number {}, but its file name says {}",
            catalog.catalog().sequence,
            entry.catalog_sequence()
        )));
    }
    Ok(ServedChannel { entry, catalog })
}

fn with_slash(text: &str) -> String {
    if text.ends_with('/') {
        text.to_string()
    } else {
        format!("{text}/")
    }
}

/// The entry point for `catalog`.
pub fn entry_point_for(catalog: &VerifiedCatalog) -> EntryPoint {
    EntryPoint {
        catalog: catalog.catalog().file_name(),
        length: catalog.bytes().len() as u64,
        sha256: Sha256Digest::of(catalog.bytes()).to_hex(),
    }
}

impl MirrorFolder {
    /// The mirror at `root`.
    pub fn at(root: &Path) -> MirrorFolder {
        MirrorFolder {
            root: root.to_path_buf(),
        }
    }

    /// Its top folder.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where `file` of `bundles/` is.
    pub fn bundle_path(&self, file: &str) -> PathBuf {
        self.root.join(BUNDLES).join(file)
    }

    /// The channels with an entry point here, ascending.
    pub fn channels(&self) -> Result<Vec<String>, MirrorError> {
        let folder = self.root.join(ENTRY_POINTS);
        let entries = match std::fs::read_dir(&folder) {
            Ok(entries) => entries,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(source) => {
                return Err(MirrorError::Io {
                    context: format!("cannot read {}", folder.display()),
                    source,
                });
            }
        };
        let mut channels = Vec::new();
        for entry in entries {
            let entry =
                entry.map_err(MirrorError::io(format!("cannot read {}", folder.display())))?;
            let name = entry.file_name();
            if let Some(channel) = name.to_str().and_then(|name| name.strip_suffix(".json"))
                && crate::format::manifest::check_channel(channel).is_ok()
            {
                channels.push(channel.to_string());
            }
        }
        channels.sort();
        Ok(channels)
    }

    /// What the folder serves for `channel` now, verified; `None` when it has no entry point.
    pub fn served(
        &self,
        channel: &str,
        trust: &(impl TrustSource + ?Sized),
    ) -> Result<Option<ServedChannel>, MirrorError> {
        let entry = self
            .root
            .join(ENTRY_POINTS)
            .join(entry_point_file_name(channel));
        if std::fs::symlink_metadata(&entry).is_err() {
            return Ok(None);
        }
        let source = FolderSource {
            root: self.root.clone(),
        };
        read_channel(&source, channel, trust).map(Some)
    }

    /// The number of the catalog `channel`'s entry point names, verified or not (0 when
    /// there is none): a new catalog numbers above it even when it cannot be read.
    pub fn served_number(&self, channel: &str) -> u64 {
        let path = self
            .root
            .join(ENTRY_POINTS)
            .join(entry_point_file_name(channel));
        std::fs::read(path)
            .ok()
            .and_then(|bytes| EntryPoint::from_json(channel, &bytes).ok())
            .map_or(0, |entry| entry.catalog_sequence())
    }

    /// Creates `channels/`, `catalogs/` and `bundles/` when missing, and refuses to write
    /// into one that is a link: a folder someone else prepared (a stick) could otherwise
    /// send a sync's writes, or a prune's deletions, into a folder elsewhere.
    pub(crate) fn create_folders(&self) -> Result<(), MirrorError> {
        for folder in [ENTRY_POINTS, CATALOGS, BUNDLES] {
            let path = self.root.join(folder);
            std::fs::create_dir_all(&path)
                .map_err(MirrorError::io(format!("cannot create {}", path.display())))?;
            let real = std::fs::symlink_metadata(&path).is_ok_and(|m| m.file_type().is_dir());
            if !real {
                return Err(MirrorError::Io {
                    context: format!("{} is not a folder of its own", path.display()),
                    source: std::io::Error::other(
                        "it is a link; make it a real folder, or sync into another one",
                    ),
                });
            }
        }
        Ok(())
    }

    /// Writes an immutable file unless it is there with exactly these bytes.
    fn place(&self, path: &Path, bytes: &[u8]) -> Result<(), MirrorError> {
        if std::fs::read(path).is_ok_and(|held| held == bytes) {
            return Ok(());
        }
        write_atomically(path, bytes, PUBLIC_FILE, Existing::Replace)
            .map_err(MirrorError::io(format!("cannot write {}", path.display())))
    }

    /// Makes `catalog` the one served for its channel: the catalog file first, the entry
    /// point last. Every bundle it lists must be in place already.
    pub fn publish(&self, catalog: &VerifiedCatalog) -> Result<(), MirrorError> {
        self.create_folders()?;
        let file = self.root.join(CATALOGS).join(catalog.catalog().file_name());
        self.place(&file, catalog.bytes())?;
        let entry = self
            .root
            .join(ENTRY_POINTS)
            .join(entry_point_file_name(&catalog.catalog().channel));
        write_atomically(
            &entry,
            &entry_point_for(catalog).to_json(),
            PUBLIC_FILE,
            Existing::Replace,
        )
        .map_err(MirrorError::io(format!("cannot write {}", entry.display())))
    }

    /// Writes the derived files: the channel list (every channel with an entry point), and
    /// from the catalogs given (those the writer verified) `index.html`, `feed.atom`, and a
    /// torrent per bundle (made again only when missing or when the web seeds changed).
    pub fn write_derived(&self, catalogs: &[&Catalog]) -> Result<(), MirrorError> {
        self.create_folders()?;
        let list = ChannelList {
            channels: self.channels()?,
        };
        self.place(&self.root.join(CHANNEL_LIST), &list.to_json())?;
        for catalog in catalogs {
            for edition in &catalog.editions {
                let bundle = self.bundle_path(&edition.file);
                let torrent_path = self.bundle_path(&format!("{}.torrent", edition.file));
                let existing = std::fs::read(&torrent_path).ok();
                let bytes = crate::mirror::pages::torrent(
                    &bundle,
                    edition,
                    &catalog.mirrors,
                    existing.as_deref(),
                )
                .map_err(|error| MirrorError::Io {
                    context: format!("cannot make the torrent of {}", bundle.display()),
                    source: std::io::Error::other(error.to_string()),
                })?;
                self.place(&torrent_path, &bytes)?;
            }
        }
        self.place(
            &self.root.join("index.html"),
            crate::mirror::pages::index_html(catalogs).as_bytes(),
        )?;
        self.place(
            &self.root.join("feed.atom"),
            &crate::mirror::pages::atom_feed(catalogs),
        )
    }

    /// Places a verified bundle file under its name in `bundles/`: `staged` (in the same
    /// folder) is synced and renamed.
    pub fn place_bundle(&self, staged: &Path, file: &str) -> Result<(), MirrorError> {
        let target = self.bundle_path(file);
        let sync = std::fs::File::open(staged).and_then(|f| f.sync_all());
        sync.and_then(|()| std::fs::rename(staged, &target))
            .and_then(|()| crate::fs::sync_folder(&self.root.join(BUNDLES)))
            .map_err(MirrorError::io(format!(
                "cannot write {}",
                target.display()
            )))
    }

    /// The folder where bundles are staged.
    pub fn bundles_folder(&self) -> Result<PathBuf, MirrorError> {
        self.create_folders()?;
        Ok(self.root.join(BUNDLES))
    }
}
