//! The reader's library: verified editions kept on disk, and the pages people read them in.
//!
//! Layout under the library folder (see FORMAT.md section 8):
//!
//! ```text
//! index.html                 the front page
//! library.css                the one stylesheet every page uses
//! editions/ID/…              the verified files of each edition, exactly as signed
//! records/ID.json            who signed it, when it was imported, its manifest
//! read/ID/index.html         the edition's page
//! read/ID/PATH.html          one page per article (PATH is the article's file)
//! ```
//!
//! `ID` is `KEYID-CHANNEL-SEQUENCE`. An edition is imported through the same verified, staged,
//! all-or-nothing unpack as `tamizdat unpack`; its record is written after it, so an edition
//! folder without a record is an interrupted import: never shown, and redone when that bundle
//! is opened again. Pages are built only from those verified files and records, and rebuilt
//! whole on every import.

pub mod address;
pub mod pages;
mod record;
pub mod render;
pub mod serve;

pub use record::{Record, edition_id};

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};

use crate::format::Sha256Digest;
use crate::fs::{DestinationLock, LockError, Progress, random_suffix};
use crate::read::{BundleError, VerifiedBundle};

/// Why a bundle could not be imported, or the library could not be opened or rebuilt.
#[derive(Debug, thiserror::Error)]
pub enum LibraryError {
    /// The bundle was refused while opening, verifying or unpacking it.
    #[error("{}: {source}", .bundle.display())]
    Bundle {
        /// The bundle the error is about.
        bundle: PathBuf,
        /// Why it was refused.
        source: BundleError,
    },
    /// The library already holds an edition with the same publisher, channel and number but
    /// different contents.
    #[error(
        "{}: a different edition #{sequence} of channel {channel} by the same publisher is already in your library; the publisher signed two editions with one number, so neither can be trusted to be the real one",
        .bundle.display()
    )]
    Conflict {
        /// The bundle the error is about.
        bundle: PathBuf,
        /// The channel both editions claim.
        channel: String,
        /// The edition number both editions claim.
        sequence: u64,
    },
    /// A file or folder of the library could not be read or written.
    #[error("cannot use the library {}: {source}", .path.display())]
    Io {
        /// The file or folder that failed.
        path: PathBuf,
        /// The underlying failure.
        source: std::io::Error,
    },
    /// Another process holds the library's lock; holds the library folder.
    #[error(
        "another tamizdat is updating the library {} right now",
        .0.display()
    )]
    Busy(PathBuf),
    /// A record file does not parse, fails validation or does not match its name.
    #[error("the library record {} is damaged ({reason})", .path.display())]
    DamagedRecord {
        /// The record file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
}

impl LibraryError {
    /// True when the bundle itself is at fault (exit code 1), not this machine.
    pub fn is_invalid_bundle(&self) -> bool {
        match self {
            LibraryError::Bundle { source, .. } => source.is_invalid_bundle(),
            LibraryError::Conflict { .. } => true,
            _ => false,
        }
    }
}

/// What importing one bundle did.
#[derive(Debug)]
pub enum Imported {
    /// The edition was new and is now in the library, with this record.
    Added(Record),
    /// The same edition was already there (and the bundle still checked out); its record.
    AlreadyPresent(Record),
}

/// A reader's library folder.
pub struct Library {
    root: PathBuf,
}

impl Library {
    /// The library under the reader's home (`TAMIZDAT_HOME/library`, else the platform data
    /// folder's `tamizdat/library`).
    pub fn default_root() -> Result<PathBuf, crate::keys::store::TrustError> {
        Ok(crate::keys::store::home()?.join("library"))
    }

    /// Opens (creating if needed) the library at `root`.
    pub fn open(root: &Path) -> Result<Library, LibraryError> {
        for folder in ["", "editions", "records"] {
            let path = root.join(folder);
            fs::create_dir_all(&path).map_err(|source| LibraryError::Io { path, source })?;
        }
        let root = fs::canonicalize(root).map_err(|source| LibraryError::Io {
            path: root.to_path_buf(),
            source,
        })?;
        Ok(Library { root })
    }

    /// The library folder, made absolute when opened.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The front page.
    pub fn front_page(&self) -> PathBuf {
        self.root.join("index.html")
    }

    fn io_error(&self, path: &Path) -> impl Fn(std::io::Error) -> LibraryError {
        let path = path.to_path_buf();
        move |source| LibraryError::Io {
            path: path.clone(),
            source,
        }
    }

    /// Holds the whole library for one command, so two `open`s cannot interleave imports and
    /// page rebuilds.
    pub fn lock(&self) -> Result<DestinationLock, LibraryError> {
        DestinationLock::acquire(&self.root, "library".as_ref()).map_err(|error| match error {
            LockError::Busy => LibraryError::Busy(self.root.clone()),
            LockError::Io(source) => LibraryError::Io {
                path: self.root.clone(),
                source,
            },
        })
    }

    /// Adds a verified bundle to the library, or says it is there. The payload is checked as
    /// it is unpacked, from the same open file the header was verified from; nothing of a
    /// bundle that fails is kept.
    pub fn import<R: std::io::Read + Send>(
        &self,
        bundle: VerifiedBundle<R>,
        progress: &dyn Progress,
    ) -> Result<Imported, LibraryError> {
        let source = bundle.source().to_path_buf();
        let in_bundle = |source_error| LibraryError::Bundle {
            bundle: source.clone(),
            source: source_error,
        };
        let manifest = bundle.manifest();
        let id = edition_id(manifest);
        let manifest_sha256 = Sha256Digest::of(&manifest.to_json()).to_hex();
        let record_path = self.root.join("records").join(format!("{id}.json"));
        let edition_folder = self.root.join("editions").join(&id);
        if !edition_folder.is_dir() && record_path.exists() {
            // Its files were removed by hand: import it again.
            fs::remove_file(&record_path).map_err(self.io_error(&record_path))?;
        }
        if let Some(existing) = self.read_record(&record_path)? {
            return if existing.manifest_sha256 == manifest_sha256 {
                // Still check every byte: a damaged copy of an edition the reader has must be
                // called damaged, or they may pass it on.
                bundle.check(progress).map_err(in_bundle)?;
                Ok(Imported::AlreadyPresent(existing))
            } else {
                Err(LibraryError::Conflict {
                    bundle: source.clone(),
                    channel: manifest.channel.clone(),
                    sequence: manifest.sequence,
                })
            };
        }
        if edition_folder.exists() {
            // An import killed after its unpack and before its record: redo it.
            fs::remove_dir_all(&edition_folder).map_err(self.io_error(&edition_folder))?;
        }
        let header =
            crate::read::unpack_into(bundle, &edition_folder, progress).map_err(in_bundle)?;
        let record = Record {
            id: id.clone(),
            imported: crate::format::manifest::format_created(time::OffsetDateTime::now_utc()),
            signer_name: header.signer().name().to_string(),
            fingerprint: header.signer().fingerprint(),
            manifest_sha256,
            manifest: header.manifest().clone(),
        };
        let json = serde_json::to_vec_pretty(&record).unwrap_or_default();
        write_atomically(&record_path, &json).map_err(self.io_error(&record_path))?;
        Ok(Imported::Added(record))
    }

    fn read_record(&self, path: &Path) -> Result<Option<Record>, LibraryError> {
        let bytes = match fs::read(path) {
            Ok(bytes) => bytes,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(error) => return Err(self.io_error(path)(error)),
        };
        let damaged = |reason: String| LibraryError::DamagedRecord {
            path: path.to_path_buf(),
            reason,
        };
        let record: Record = serde_json::from_slice(&bytes).map_err(|e| damaged(e.to_string()))?;
        // Records are written by this program, but the pages trust what they say: check them
        // as strictly as a bundle's manifest.
        record
            .manifest
            .validate(&record.manifest.publisher.key_id)
            .map_err(|e| damaged(e.to_string()))?;
        if record.id != edition_id(&record.manifest) {
            return Err(damaged("its name does not match its edition".into()));
        }
        Ok(Some(record))
    }

    /// Every edition in the library with a complete import, newest first.
    pub fn records(&self) -> Result<Vec<Record>, LibraryError> {
        let folder = self.root.join("records");
        let mut records = Vec::new();
        for entry in fs::read_dir(&folder).map_err(self.io_error(&folder))? {
            let path = entry.map_err(self.io_error(&folder))?.path();
            let is_record = path.extension().is_some_and(|e| e == "json")
                && !path
                    .file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with('.'));
            if !is_record {
                continue;
            }
            // A damaged record hides its edition from the pages, not the whole library; the
            // next import of that bundle reports it.
            if let Ok(Some(record)) = self.read_record(&path)
                && self.root.join("editions").join(&record.id).is_dir()
            {
                records.push(record);
            }
        }
        records.sort_by(|a, b| {
            (b.manifest.created.as_str(), b.manifest.sequence, &b.id).cmp(&(
                a.manifest.created.as_str(),
                a.manifest.sequence,
                &a.id,
            ))
        });
        Ok(records)
    }

    /// Rebuilds every page from the records and verified files; returns the front page.
    pub fn regenerate(&self) -> Result<PathBuf, LibraryError> {
        let records = self.records()?;
        let pages = crate::library::pages::build(&self.root, &records);
        // The article pages are built in a staging folder and swapped in whole.
        let staging = self
            .root
            .join(format!(".tamizdat-staging-read-{}", random_suffix()));
        let result = (|| -> std::io::Result<()> {
            for (relative, html) in &pages.read {
                let path = staging.join(relative);
                if let Some(parent) = path.parent() {
                    fs::create_dir_all(parent)?;
                }
                fs::write(&path, html)?;
            }
            fs::create_dir_all(&staging)?;
            let read = self.root.join("read");
            let old = self
                .root
                .join(format!(".tamizdat-old-read-{}", random_suffix()));
            if read.exists() {
                fs::rename(&read, &old)?;
            }
            fs::rename(&staging, &read)?;
            if old.exists() {
                fs::remove_dir_all(&old)?;
            }
            write_atomically(
                &self.root.join("library.css"),
                crate::library::pages::STYLESHEET.as_bytes(),
            )?;
            write_atomically(&self.front_page(), pages.front_page.as_bytes())?;
            Ok(())
        })();
        if result.is_err() {
            let _ = fs::remove_dir_all(&staging);
        }
        result.map_err(self.io_error(&self.root))?;
        // Leftovers of a rebuild that was killed half way.
        if let Ok(entries) = fs::read_dir(&self.root) {
            for entry in entries.flatten() {
                let name = entry.file_name();
                let name = name.to_string_lossy();
                if name.starts_with(".tamizdat-staging-read-")
                    || name.starts_with(".tamizdat-old-read-")
                {
                    let _ = fs::remove_dir_all(entry.path());
                }
            }
        }
        Ok(self.front_page())
    }

    /// The signed media types of the verified files of edition `id`, by path, for the local
    /// server; None when the library has no such edition.
    pub fn media_types(&self, id: &str) -> Option<HashMap<String, String>> {
        let record = self
            .read_record(&self.root.join("records").join(format!("{id}.json")))
            .ok()??;
        Some(
            record
                .manifest
                .files
                .into_iter()
                .map(|file| (file.path.as_str().to_string(), file.media_type))
                .collect(),
        )
    }
}

/// Writes `path` as a whole, replacing what was there (see [`crate::fs::write_atomically`]).
fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    crate::fs::write_atomically(path, bytes, 0o644, crate::fs::Existing::Replace)
}

/// Bundles to import when `tamizdat open` is started with no arguments (a double-click):
/// `*.tar.zst` and `*.tzst` files next to the program and in the current folder.
pub fn bundles_nearby() -> Vec<PathBuf> {
    let mut folders = Vec::new();
    if let Some(folder) = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(Path::to_path_buf))
    {
        folders.push(folder);
    }
    if let Ok(folder) = std::env::current_dir() {
        folders.push(folder);
    }
    let mut found = Vec::new();
    for folder in folders {
        found.extend(bundles_in(&folder));
    }
    let mut seen = std::collections::BTreeSet::new();
    found.retain(|path| seen.insert(fs::canonicalize(path).unwrap_or_else(|_| path.clone())));
    found
}

/// The bundle files directly in `folder`, sorted by name.
pub fn bundles_in(folder: &Path) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = fs::read_dir(folder)
        .into_iter()
        .flatten()
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| {
            path.is_file()
                && path
                    .file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|name| {
                        !name.starts_with('.')
                            && (name.ends_with(".tar.zst") || name.ends_with(".tzst"))
                    })
        })
        .collect();
    found.sort();
    found
}
