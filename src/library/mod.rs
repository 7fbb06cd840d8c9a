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
//! `ID` is `KEYID-CHANNEL-SEQUENCE`. Importing an edition goes, each step complete before the
//! next: its files through the same verified, staged, all-or-nothing unpack as `tamizdat
//! unpack`; its pages, built in a staging folder in `read/` and renamed to `read/ID` in one
//! step; its record; then the front page, replaced whole. A kill at any point leaves the old
//! state or the new one: the front page lists only editions with a record and pages, and a
//! record exists only once its pages do. An edition folder or `read/ID` without a record is an
//! interrupted import, removed by the next run, which also sweeps every work file a killed run
//! left, and rebuilds the pages of a recorded edition whose `read/ID` is missing.
//!
//! Pages are incremental: an import renders the new edition's pages and the front page,
//! nothing else, and opening an edition already there writes nothing.

pub mod address;
pub mod pages;
mod record;
pub mod refusals;
pub mod render;
pub mod serve;
pub mod standing;

pub use record::{Record, edition_id, manifest_sha256};
pub use standing::{Standing, TrustNow};

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};

use crate::fs::{DestinationLock, LockError, Progress, StagingFolder, WORK_PREFIX};
use crate::read::{BundleError, SalvageReport, VerifiedBundle};

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
    /// The disk filled up or a file-size limit was hit while writing the library's pages.
    #[error(
        "not enough space to write {}: the disk is full or a file-size limit was reached; nothing was left behind",
        .path.display()
    )]
    DiskFull {
        /// The file being written.
        path: PathBuf,
    },
    /// Another process holds the library's lock; holds the library folder.
    #[error(
        "another tamizdat is updating the library {} right now",
        .0.display()
    )]
    Busy(PathBuf),
    /// No edition with this id is in the library.
    #[error("there is no edition {0} in the library")]
    NoSuchEdition(String),
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

/// What [`Library::tidy`] did.
#[derive(Debug)]
pub struct Tidied {
    /// The front page.
    pub front_page: PathBuf,
    /// The editions whose pages now say something else of their signature, with what.
    pub restood: Vec<(Record, Standing)>,
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
        for folder in ["", "editions", "records", "read"] {
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
    /// bundle that fails is kept. `lock` is the library's, from [`Library::lock`].
    ///
    /// A new edition is unpacked, its pages built in a staging folder and renamed to `read/ID`,
    /// its record written, and the front page replaced, in that order. Any failure (a full
    /// disk included) undoes the steps done, so the library is as it was; a kill leaves at
    /// most an interrupted import, which [`Library::tidy`] removes.
    pub fn import<R: std::io::Read + Send>(
        &self,
        bundle: VerifiedBundle<R>,
        lock: &DestinationLock,
        progress: &dyn Progress,
        trust: &TrustNow,
    ) -> Result<Imported, LibraryError> {
        let source = bundle.source().to_path_buf();
        let in_bundle = |source_error| LibraryError::Bundle {
            bundle: source.clone(),
            source: source_error,
        };
        let replacing = match self.existing(&bundle, lock, trust)? {
            Some(existing) if existing.is_complete() => {
                // Still check every byte: a damaged copy of an edition the reader has must be
                // called damaged, or they may pass it on.
                bundle.check(progress).map_err(in_bundle)?;
                return Ok(Imported::AlreadyPresent(existing));
            }
            // A whole copy of an edition the library holds only in part: it replaces it.
            Some(_) => true,
            None => false,
        };
        let target = self.prepare_edition_folder(&source, bundle.manifest(), replacing)?;
        let header = crate::read::unpack_into(bundle, &target, progress).map_err(in_bundle)?;
        let record = self.finish_edition(&source, header, Vec::new(), replacing, lock, trust)?;
        Ok(Imported::Added(record))
    }

    /// Adds what can be recovered of a damaged copy whose signature is good, as an incomplete
    /// edition whose pages list the missing files (a whole copy is added as [`Library::import`]
    /// adds it). An edition the library holds already is kept unless this copy recovers more of
    /// it; when this copy yields no file at all, nothing changes and the import fails. The
    /// report says what this copy is missing.
    pub fn import_salvaged<R: std::io::Read + std::io::Seek + Send>(
        &self,
        bundle: VerifiedBundle<R>,
        lock: &DestinationLock,
        progress: &dyn Progress,
        trust: &TrustNow,
    ) -> Result<(Imported, SalvageReport), LibraryError> {
        let source = bundle.source().to_path_buf();
        let in_bundle = |source_error| LibraryError::Bundle {
            bundle: source.clone(),
            source: source_error,
        };
        let existing = self.existing(&bundle, lock, trust)?;
        if let Some(existing) = existing.as_ref().filter(|record| record.is_complete()) {
            // Nothing to add; the reader still learns whether this copy is damaged.
            let report = crate::read::assess_damage(bundle, progress).map_err(in_bundle)?;
            return Ok((Imported::AlreadyPresent(existing.clone()), report));
        }
        let replacing = existing.is_some();
        let target = self.prepare_edition_folder(&source, bundle.manifest(), replacing)?;
        let report = crate::read::salvage_into(bundle, &target, progress).map_err(in_bundle)?;
        if let Some(existing) = existing
            && report.lost.len() >= existing.missing.len()
        {
            // This copy recovers no more than the library holds: the library keeps its own.
            remove_entry(&target).map_err(self.io_error(&target))?;
            return Ok((Imported::AlreadyPresent(existing), report));
        }
        let record = self.finish_edition(
            &source,
            report.header.clone(),
            report.lost.clone(),
            replacing,
            lock,
            trust,
        )?;
        Ok((Imported::Added(record), report))
    }

    /// The record of the edition `bundle` is, if the library has it. A different edition under
    /// the same number marks the one here disputed, and is refused.
    fn existing<R>(
        &self,
        bundle: &VerifiedBundle<R>,
        lock: &DestinationLock,
        trust: &TrustNow,
    ) -> Result<Option<Record>, LibraryError> {
        let manifest = bundle.manifest();
        let id = edition_id(manifest);
        let record_path = self.record_path(&id);
        if !self.root.join("editions").join(&id).is_dir() && record_path.exists() {
            // Its files were removed by hand: import it again.
            fs::remove_file(&record_path).map_err(self.io_error(&record_path))?;
        }
        let Some(existing) = self.read_record(&record_path)? else {
            return Ok(None);
        };
        let manifest_sha256 = manifest_sha256(manifest);
        if existing.manifest_sha256 == manifest_sha256 {
            return Ok(Some(existing));
        }
        // The publisher's key signed two editions under one number: the one here is marked
        // disputed for good, its pages saying so, and the front page too.
        self.mark_disputed(&existing, &manifest_sha256, lock, trust)
            .map_err(|failure| failure.into_error(None))?;
        Err(LibraryError::Conflict {
            bundle: bundle.source().to_path_buf(),
            channel: manifest.channel.clone(),
            sequence: manifest.sequence,
        })
    }

    /// Where a new edition's files go, once nothing is in the way and the disk has room: its
    /// folder `editions/ID`, or with `replacing` (the library holds the edition only in part)
    /// `editions/ID.replacement`, which [`Library::finish_edition`] swaps in.
    fn prepare_edition_folder(
        &self,
        source: &Path,
        manifest: &crate::format::Manifest,
        replacing: bool,
    ) -> Result<PathBuf, LibraryError> {
        let id = edition_id(manifest);
        let edition_folder = self.root.join("editions").join(&id);
        let replacement = self.replacement_folder(&id);
        if fs::symlink_metadata(&replacement).is_ok() {
            remove_entry(&replacement).map_err(self.io_error(&replacement))?;
        }
        if !replacing {
            // An import killed after its unpack or its pages and before its record: redo it.
            for folder in [&self.root.join("read").join(&id), &edition_folder] {
                if fs::symlink_metadata(folder).is_ok() {
                    fs::remove_dir_all(folder).map_err(self.io_error(folder))?;
                }
            }
        }
        self.check_free_space(manifest)
            .map_err(|error| LibraryError::Bundle {
                bundle: source.to_path_buf(),
                source: error,
            })?;
        Ok(if replacing {
            replacement
        } else {
            edition_folder
        })
    }

    /// `editions/ID.replacement`: never an edition id, which ends in its number, so a leftover
    /// is removed by [`Library::tidy`] as a folder without a record.
    fn replacement_folder(&self, id: &str) -> PathBuf {
        self.root.join("editions").join(format!("{id}.replacement"))
    }

    /// With the edition's verified files in place (`missing` lists those a salvage could not
    /// recover): with `replacing`, swaps them for the partial edition's in one step; then
    /// writes its pages, its record and the front page, in that order. A new edition's steps
    /// are undone on failure. A replacement's are not: until its record follows, its pages
    /// still call it incomplete, which is never wrong in the direction that matters.
    fn finish_edition(
        &self,
        source: &Path,
        header: crate::read::VerifiedHeader,
        missing: Vec<String>,
        replacing: bool,
        lock: &DestinationLock,
        trust: &TrustNow,
    ) -> Result<Record, LibraryError> {
        let manifest = header.manifest();
        let id = edition_id(manifest);
        let record_path = self.record_path(&id);
        let edition_folder = self.root.join("editions").join(&id);
        let pages_folder = self.root.join("read").join(&id);
        if replacing {
            let replacement = self.replacement_folder(&id);
            crate::fs::replace_folder(&replacement, &edition_folder).map_err(|error| {
                let _ = remove_entry(&replacement);
                self.io_error(&edition_folder)(error)
            })?;
        }
        let record = Record {
            id,
            imported: crate::format::manifest::format_created(time::OffsetDateTime::now_utc()),
            signer_name: header.signer().name().to_string(),
            fingerprint: header.signer().fingerprint(),
            manifest_sha256: manifest_sha256(manifest),
            manifest: manifest.clone(),
            trusted_at_import: trust.trusts(&header.signer().fingerprint()),
            missing,
            root_fingerprint: header.certified().map(|c| c.signer.root_fingerprint()),
            older_than: header
                .certified()
                .and_then(|c| match c.judgement.placement {
                    crate::authority::reader::Placement::Archive { newest } => Some(newest),
                    crate::authority::reader::Placement::Latest => None,
                }),
        };
        let result = (|| {
            self.build_edition_pages(&record, lock, self.standing(&record, trust))?;
            let json = serde_json::to_vec_pretty(&record)
                .map_err(|e| Failure::at(&record_path, std::io::Error::other(e)))?;
            write_atomically(&record_path, &json).map_err(|e| Failure::at(&record_path, e))?;
            self.write_front_page(true, trust)
        })();
        if let Err(failure) = result {
            if !replacing {
                // Undo, newest step first, so that a kill half way leaves at most an
                // interrupted import; the front page was not replaced, so it never linked to
                // this edition.
                let _ = fs::remove_file(&record_path);
                let _ = fs::remove_dir_all(&pages_folder);
                let _ = fs::remove_dir_all(&edition_folder);
            }
            return Err(failure.into_error(Some(source)));
        }
        Ok(record)
    }

    fn record_path(&self, id: &str) -> PathBuf {
        self.root.join("records").join(format!("{id}.json"))
    }

    /// Refuses, before anything is written, an edition whose files, pages, record and new front
    /// page cannot fit on the library's disk.
    fn check_free_space(&self, manifest: &crate::format::Manifest) -> Result<(), BundleError> {
        const BLOCK: u64 = 4096;
        let front_page = fs::metadata(self.front_page()).map_or(0, |m| m.len());
        let needed = crate::read::unpack::space_needed(manifest)
            .saturating_add(pages::pages_space_needed(manifest))
            // The record holds the manifest, pretty-printed.
            .saturating_add((manifest.to_json().len() as u64).saturating_mul(2))
            .saturating_add(BLOCK)
            // The new front page is written beside the old one before replacing it.
            .saturating_add(front_page.saturating_add(64 * 1024));
        crate::read::unpack::enough_space(&self.root, needed, crate::fs::free_space(&self.root))
    }

    /// What `record`'s pages must say of its signature, given what the reader trusts now.
    pub fn standing(&self, record: &Record, trust: &TrustNow) -> Standing {
        if record.root_fingerprint.as_deref().is_some_and(|root| {
            trust.revokes(
                root,
                &record.fingerprint,
                &record.manifest.channel,
                record.manifest.sequence,
            )
        }) {
            Standing::Revoked
        } else if self.disputed_path(&record.id).exists() {
            Standing::Disputed
        } else if trust.trusts(&record.fingerprint) {
            Standing::Trusted
        } else if record.trusted_at_import {
            Standing::NoLongerTrusted
        } else {
            Standing::NeverTrusted
        }
    }

    /// `records/ID.disputed`: present once another edition under the same number was seen.
    fn disputed_path(&self, id: &str) -> PathBuf {
        self.root.join("records").join(format!("{id}.disputed"))
    }

    /// Records that a different edition signed under `existing`'s number was offered, and
    /// rewrites `existing`'s pages and the front page to say it is disputed.
    fn mark_disputed(
        &self,
        existing: &Record,
        other_manifest_sha256: &str,
        lock: &DestinationLock,
        trust: &TrustNow,
    ) -> Result<(), Failure> {
        let path = self.disputed_path(&existing.id);
        let note = serde_json::json!({
            "id": existing.id,
            "manifest_sha256": [existing.manifest_sha256, other_manifest_sha256],
            "noticed": crate::format::manifest::format_created(time::OffsetDateTime::now_utc()),
        });
        if !path.exists() {
            let text = serde_json::to_vec_pretty(&note)
                .map_err(|e| Failure::at(&path, std::io::Error::other(e)))?;
            write_atomically(&path, &text).map_err(|e| Failure::at(&path, e))?;
        }
        self.build_edition_pages(existing, lock, Standing::Disputed)?;
        self.write_front_page(true, trust)
    }

    /// Writes the pages of `record`'s edition into a staging folder in `read/`, then puts it at
    /// `read/ID` in one step, in place of the pages there if any. The edition's files must be
    /// in place.
    fn build_edition_pages(
        &self,
        record: &Record,
        lock: &DestinationLock,
        standing: Standing,
    ) -> Result<(), Failure> {
        let read = self.root.join("read");
        let staging = StagingFolder::create_in(&read, lock).map_err(|e| Failure::at(&read, e))?;
        for (relative, html) in pages::edition_pages(&self.root, record, standing) {
            let path = staging.path().join(&relative);
            if let Some(parent) = path.parent() {
                fs::create_dir_all(parent).map_err(|e| Failure::at(parent, e))?;
            }
            fs::write(&path, html).map_err(|e| Failure::at(&path, e))?;
        }
        let destination = read.join(&record.id);
        staging
            .replace(&destination)
            .map_err(|e| Failure::at(&destination, e))
    }

    /// The standing `read/ID`'s pages were built with, from the marker in its page.
    fn built_standing(&self, id: &str) -> Option<String> {
        let page = fs::read(self.root.join("read").join(id).join("index.html")).ok()?;
        let text = String::from_utf8_lossy(&page);
        let start = text.rfind("<!-- tamizdat standing: ")? + "<!-- tamizdat standing: ".len();
        let end = start + text[start..].find(" -->")?;
        Some(text[start..end].to_string())
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

    /// The ids of the editions the front page lists: those with a record, their files and
    /// their pages, found from the names of the folders alone, sorted.
    fn listed_ids(&self) -> Result<Vec<String>, LibraryError> {
        let folder = self.root.join("records");
        let mut ids = Vec::new();
        for entry in fs::read_dir(&folder).map_err(self.io_error(&folder))? {
            let entry = entry.map_err(self.io_error(&folder))?;
            let name = entry.file_name();
            let Some(id) = name.to_str().and_then(|n| n.strip_suffix(".json")) else {
                continue;
            };
            if id.is_empty()
                || id.starts_with('.')
                || !self.root.join("editions").join(id).is_dir()
                || !self.root.join("read").join(id).is_dir()
            {
                continue;
            }
            ids.push(id.to_string());
        }
        ids.sort();
        Ok(ids)
    }

    /// Every edition the front page lists (with a record, its files and its pages), newest
    /// first, each trimmed to what the front page shows as soon as it is read.
    fn front_page_entries(
        &self,
        trust: &TrustNow,
    ) -> Result<Vec<pages::FrontPageEntry>, LibraryError> {
        let mut entries = Vec::new();
        for id in self.listed_ids()? {
            // A damaged record hides its edition from the pages, not the whole library; the
            // next import of that bundle reports it.
            if let Ok(Some(record)) = self.read_record(&self.record_path(&id)) {
                let standing = self.standing(&record, trust);
                entries.push(pages::FrontPageEntry::new(record, standing));
            }
        }
        entries.sort_by(|a, b| record::newest_first(a.record(), b.record()));
        Ok(entries)
    }

    /// Replaces the front page (and the stylesheet) when they differ from what the library
    /// holds. Without `changed`, the front page is first compared by the editions it says it
    /// lists, without reading a record, so a run that changed nothing reads and writes nothing.
    fn write_front_page(&self, changed: bool, trust: &TrustNow) -> Result<(), Failure> {
        let ids = self.listed_ids().map_err(Failure::Library)?;
        let marker = self.front_page_marker(&ids, trust);
        let path = self.front_page();
        let existing = fs::read(&path).unwrap_or_default();
        if changed || !contains(&existing, marker.as_bytes()) {
            let entries = self.front_page_entries(trust).map_err(Failure::Library)?;
            let html = pages::front_page(&entries, &self.last_refusals(), trust.notices(), &marker);
            if existing != html.as_bytes() {
                write_atomically(&path, html.as_bytes()).map_err(|e| Failure::at(&path, e))?;
            }
        }
        let css = self.root.join("library.css");
        if fs::read(&css).ok().as_deref() != Some(pages::STYLESHEET.as_bytes()) {
            write_atomically(&css, pages::STYLESHEET.as_bytes())
                .map_err(|e| Failure::at(&css, e))?;
        }
        Ok(())
    }

    /// The front page's marker: the editions it lists, the keys trusted and the editions
    /// disputed when it was written. While it matches, no page needs a new verification line.
    fn front_page_marker(&self, ids: &[String], trust: &TrustNow) -> String {
        let disputed: Vec<String> = ids
            .iter()
            .filter(|id| self.disputed_path(id).exists())
            .cloned()
            .collect();
        let trusted: Vec<String> = trust
            .fingerprints()
            .map(str::to_string)
            .chain(trust.revocation_marks())
            .chain(trust.notices().iter().map(|n| format!("notice:{n}")))
            .collect();
        // Each record's size and time: a record rewritten by a run killed before the front page
        // (an incomplete edition made whole) no longer matches, and the front page is rebuilt.
        let records: Vec<String> = ids
            .iter()
            .map(|id| {
                let stamp = fs::metadata(self.record_path(id)).ok().map(|metadata| {
                    let modified = metadata
                        .modified()
                        .ok()
                        .and_then(|time| time.duration_since(std::time::UNIX_EPOCH).ok())
                        .map_or(0, |since| since.as_nanos());
                    (metadata.len(), modified)
                });
                format!("{id} {stamp:?}")
            })
            .collect();
        pages::front_page_marker(&[ids, &trusted, &disputed, &records].concat())
    }

    /// Puts the library right after a killed or failed run, under its `lock`: sweeps every work
    /// file left behind (staging folders, temporary files, the old whole-`read/` swap's
    /// folders), removes interrupted imports (an edition folder or pages without a record),
    /// rebuilds the pages of a recorded edition whose `read/ID` is missing, and brings the
    /// front page up to date. A library that needs none of this is only read. Returns the
    /// front page.
    pub fn tidy(&self, lock: &DestinationLock, trust: &TrustNow) -> Result<Tidied, LibraryError> {
        self.sweep(lock).map_err(self.io_error(&self.root))?;
        let mut recorded = std::collections::BTreeSet::new();
        let records = self.root.join("records");
        for entry in fs::read_dir(&records).map_err(self.io_error(&records))? {
            let name = entry.map_err(self.io_error(&records))?.file_name();
            if let Some(id) = name.to_str().and_then(|n| n.strip_suffix(".json"))
                && !id.starts_with('.')
            {
                recorded.insert(id.to_string());
            }
        }
        for folder in ["editions", "read"] {
            let folder = self.root.join(folder);
            for entry in fs::read_dir(&folder).map_err(self.io_error(&folder))? {
                let entry = entry.map_err(self.io_error(&folder))?;
                let name = entry.file_name();
                let Some(name) = name.to_str() else { continue };
                if !name.starts_with('.') && !recorded.contains(name) {
                    let path = entry.path();
                    remove_entry(&path).map_err(self.io_error(&path))?;
                }
            }
        }
        for id in &recorded {
            if self.root.join("editions").join(id).is_dir()
                && !self.root.join("read").join(id).is_dir()
                && let Ok(Some(record)) = self.read_record(&self.record_path(id))
            {
                self.build_edition_pages(&record, lock, self.standing(&record, trust))
                    .map_err(|failure| failure.into_error(None))?;
            }
        }
        // Trust changed since the pages were written (or a record was disputed): rewrite the
        // verification line of every edition whose standing is no longer the one its pages say.
        let mut restood = Vec::new();
        let ids = self.listed_ids()?;
        let marker = self.front_page_marker(&ids, trust);
        if !contains(
            &fs::read(self.front_page()).unwrap_or_default(),
            marker.as_bytes(),
        ) {
            for id in &ids {
                let Ok(Some(record)) = self.read_record(&self.record_path(id)) else {
                    continue;
                };
                let standing = self.standing(&record, trust);
                if self.built_standing(id).as_deref() != Some(standing.marker()) {
                    self.build_edition_pages(&record, lock, standing)
                        .map_err(|failure| failure.into_error(None))?;
                    restood.push((record, standing));
                }
            }
        }
        self.write_front_page(false, trust)
            .map_err(|failure| failure.into_error(None))?;
        Ok(Tidied {
            front_page: self.front_page(),
            restood,
        })
    }

    /// Forgets edition `id`: its record first (the front page stops listing it at once), then
    /// the front page, its pages and its files. Returns its record.
    pub fn remove_edition(
        &self,
        id: &str,
        _lock: &DestinationLock,
        trust: &TrustNow,
    ) -> Result<Record, LibraryError> {
        let record_path = self.record_path(id);
        let record = match self.read_record(&record_path) {
            Ok(Some(record)) => record,
            Ok(None) => return Err(LibraryError::NoSuchEdition(id.to_string())),
            Err(error) => return Err(error),
        };
        fs::remove_file(&record_path).map_err(self.io_error(&record_path))?;
        let _ = fs::remove_file(self.disputed_path(id));
        self.write_front_page(true, trust)
            .map_err(|failure| failure.into_error(None))?;
        for folder in ["read", "editions"] {
            let path = self.root.join(folder).join(id);
            remove_entry(&path).map_err(self.io_error(&path))?;
        }
        Ok(record)
    }

    /// `last-open.json`: what the last `open` could not add.
    fn refusals_path(&self) -> PathBuf {
        self.root.join("last-open.json")
    }

    /// What the last `open` could not add (none when the file is missing or damaged).
    pub fn last_refusals(&self) -> Vec<refusals::Refusal> {
        fs::read(self.refusals_path())
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or_default()
    }

    /// Records what this `open` could not add, replacing the last one's, and rewrites the front
    /// page to show it.
    pub fn record_refusals(
        &self,
        refused: &[refusals::Refusal],
        trust: &TrustNow,
    ) -> Result<(), LibraryError> {
        let path = self.refusals_path();
        let kept = &refused[..refused.len().min(refusals::MAX_REFUSALS_SHOWN)];
        if kept == self.last_refusals().as_slice() {
            // The same as last time (most often: nothing refused, again): nothing to write.
            return Ok(());
        }
        let json = serde_json::to_vec_pretty(kept).map_err(|e| LibraryError::Io {
            path: path.clone(),
            source: std::io::Error::other(e),
        })?;
        write_atomically(&path, &json).map_err(self.io_error(&path))?;
        self.write_front_page(true, trust)
            .map_err(|failure| failure.into_error(None))
    }

    /// Every edition the library lists, newest first, with its standing now.
    pub fn editions(&self, trust: &TrustNow) -> Result<Vec<(Record, Standing)>, LibraryError> {
        let mut editions = Vec::new();
        for id in self.listed_ids()? {
            if let Ok(Some(record)) = self.read_record(&self.record_path(&id)) {
                let standing = self.standing(&record, trust);
                editions.push((record, standing));
            }
        }
        editions.sort_by(|(a, _), (b, _)| record::newest_first(a, b));
        Ok(editions)
    }

    /// Removes what killed runs left: temporary files of atomic writes in the library folder
    /// and `records/`, staging folders in `read/` and `editions/`, and the folders of the
    /// whole-`read/` swap earlier versions made. Every writer of the library holds its lock,
    /// which the caller holds, so all of these are abandoned.
    fn sweep(&self, _lock: &DestinationLock) -> std::io::Result<()> {
        let write_prefix = format!("{WORK_PREFIX}write-");
        for (folder, prefixes) in [
            (
                self.root.clone(),
                vec![
                    write_prefix.clone(),
                    format!("{WORK_PREFIX}staging-read-"),
                    format!("{WORK_PREFIX}old-read-"),
                ],
            ),
            (self.root.join("records"), vec![write_prefix]),
            (self.root.join("read"), vec![WORK_PREFIX.to_string()]),
        ] {
            for entry in fs::read_dir(&folder)? {
                let entry = entry?;
                let name = entry.file_name();
                let Some(name) = name.to_str() else { continue };
                if prefixes
                    .iter()
                    .any(|prefix| name.starts_with(prefix.as_str()))
                {
                    remove_entry(&entry.path())?;
                }
            }
        }
        crate::fs::sweep_abandoned(&self.root.join("editions"))?;
        Ok(())
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

/// Why writing pages or a record failed, before it is known whether a bundle was being imported.
enum Failure {
    /// Writing this file or folder failed.
    Write(PathBuf, std::io::Error),
    /// Listing or reading the library failed.
    Library(LibraryError),
}

impl Failure {
    fn at(path: &Path, error: std::io::Error) -> Failure {
        Failure::Write(path.to_path_buf(), error)
    }

    /// The error to report; a full disk says "not enough space", as `unpack` does.
    fn into_error(self, bundle: Option<&Path>) -> LibraryError {
        match self {
            Failure::Library(error) => error,
            Failure::Write(path, source) => match bundle {
                Some(bundle) if crate::fs::is_out_of_space(&source) => LibraryError::Bundle {
                    bundle: bundle.to_path_buf(),
                    source: BundleError::DiskFull { path },
                },
                None if crate::fs::is_out_of_space(&source) => LibraryError::DiskFull { path },
                _ => LibraryError::Io { path, source },
            },
        }
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle)
}

/// Removes a file or a folder with everything in it.
fn remove_entry(path: &Path) -> std::io::Result<()> {
    let result = match fs::symlink_metadata(path) {
        Ok(metadata) if metadata.is_dir() => fs::remove_dir_all(path),
        Ok(_) => fs::remove_file(path),
        Err(error) => Err(error),
    };
    match result {
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(()),
        other => other,
    }
}

/// Writes `path` as a whole, replacing what was there (see [`crate::fs::write_atomically`]).
fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    crate::fs::write_atomically(path, bytes, 0o644, crate::fs::Existing::Replace)
}

/// Bundles to import when `tamizdat open` is started with no arguments (a double-click):
/// the bundles next to the program and in the current folder, recognised by their first bytes.
/// What else is there (the program itself, anything) is left alone without a word.
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
        found.extend(crate::read::find::bundles_in(&folder).bundles);
    }
    let mut seen = std::collections::BTreeSet::new();
    found.retain(|path| seen.insert(fs::canonicalize(path).unwrap_or_else(|_| path.clone())));
    found
}
