//! The reader's trust store: a folder of public key files, one per trusted publisher key.
//!
//! All reader state lives under one home folder: `TAMIZDAT_HOME` if set (tests use it to stay
//! hermetic), else the platform's data directory (e.g. `~/.local/share/tamizdat`).
//!
//! The store writes each key as `KEYID.pub`, but it reads every `*.pub` file in the folder,
//! whatever its name, because readers also copy key files in by hand. Reading is defensive, as
//! the folder may hold anything: only regular files are read (opened without blocking and
//! checked with `fstat` on the open file, so a FIFO or a device named `x.pub` can neither hang
//! nor feed a command), at most [`MAX_KEY_FILE_LEN`] bytes of each. A file that cannot be used
//! is returned as a [`SkippedFile`], for the caller to report, and the other keys still work:
//! one bad file must not stop every command. The same key in several files is one key, and
//! removing it removes every file that holds it.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use crate::keys::TrustedKeys;
use crate::keys::{KeyError, KeyFileProblem, MAX_KEY_FILE_LEN, PublicKey, write_new_file};

/// Why the trust store could not be used.
#[derive(Debug, thiserror::Error)]
pub enum TrustError {
    /// A key file in the store could not be used.
    #[error("{0}")]
    Key(#[from] KeyError),
    /// No data folder could be found for this user.
    #[error("cannot find a home folder for tamizdat's data on this system")]
    NoHome,
    /// The trust store folder could not be read or written.
    #[error("cannot use the trust store {path}: {source}")]
    Store {
        /// The store's folder or file.
        path: PathBuf,
        /// The underlying I/O error.
        source: std::io::Error,
    },
    /// No trusted key matches the prefix given.
    #[error("no trusted key has a key id or fingerprint starting with {0:?}")]
    NotFound(String),
    /// Several trusted keys match the prefix given.
    #[error("{0:?} starts the key id or fingerprint of more than one trusted key")]
    Ambiguous(String),
    /// The key's own file name in the store is taken by something that is not a key file,
    /// or by another key with the same key id.
    #[error("cannot trust the key: {path} is in the way ({reason})")]
    InTheWay {
        /// The `KEYID.pub` path the key would be stored at.
        path: PathBuf,
        /// What is there instead.
        reason: SkipReason,
    },
}

/// Why a file of the trust store was not used.
#[derive(Debug, thiserror::Error)]
pub enum SkipReason {
    /// A folder, FIFO, socket or device: never read.
    #[error("it is not a regular file")]
    NotARegularFile,
    /// Opening or reading it failed.
    #[error("it cannot be read: {0}")]
    Unreadable(std::io::Error),
    /// Any user of this machine could change it, so it could hold anyone's key.
    #[error("other users can change it (mode {mode:o}), so it cannot be trusted")]
    WritableByOthers {
        /// The file's permission bits.
        mode: u32,
    },
    /// Its content is not a valid public key file (too large, not UTF-8, bad grammar...).
    #[error("it is not a tamizdat public key file: {0}")]
    Malformed(KeyFileProblem),
    /// It holds a weak (small-order) key, with which anyone could forge signatures.
    #[error("it holds a weak (small-order) Ed25519 key, which is refused")]
    WeakKey,
    /// It holds a different key than the one being added, under the same key id.
    #[error("it holds another key with the same key id")]
    OtherKey,
}

/// A file of the trust store that was skipped, and why.
#[derive(Debug)]
pub struct SkippedFile {
    /// The file.
    pub path: PathBuf,
    /// Why it was not used.
    pub reason: SkipReason,
}

/// What the trust store holds: each key once, and the files that could not be used.
#[derive(Debug, Default)]
pub struct TrustListing {
    /// The trusted keys, each once, sorted by name then key id.
    pub keys: Vec<PublicKey>,
    /// The `*.pub` files that were skipped, for the caller to report.
    pub skipped: Vec<SkippedFile>,
}

/// What `remove` did.
#[derive(Debug)]
pub struct Removed {
    /// The key no longer trusted.
    pub key: PublicKey,
    /// Every file that held it, now removed.
    pub files: Vec<PathBuf>,
    /// The `*.pub` files that were skipped while looking, for the caller to report.
    pub skipped: Vec<SkippedFile>,
}

/// Every `*.pub` file of the folder, read: the keys with the file holding each, and the
/// skipped files. Sorted by path, so which file's name is shown for a key is stable.
struct Scan {
    files: Vec<(PathBuf, PublicKey)>,
    skipped: Vec<SkippedFile>,
}

/// Reads one file of the store: a regular file only, never more than [`MAX_KEY_FILE_LEN`]
/// bytes, and never blocking (a FIFO opened for reading would wait for a writer forever).
pub fn read_key_file(path: &Path) -> Result<PublicKey, SkipReason> {
    let file = open_regular(path)?;
    let mut bytes = Vec::with_capacity(1024);
    file.take(MAX_KEY_FILE_LEN + 1)
        .read_to_end(&mut bytes)
        .map_err(SkipReason::Unreadable)?;
    if bytes.len() as u64 > MAX_KEY_FILE_LEN {
        return Err(SkipReason::Malformed(KeyFileProblem::TooLarge));
    }
    let text =
        String::from_utf8(bytes).map_err(|_| SkipReason::Malformed(KeyFileProblem::NotUtf8))?;
    PublicKey::from_file_text(&text, path).map_err(|error| match error {
        KeyError::Malformed { problem, .. } => SkipReason::Malformed(problem),
        KeyError::WeakKey { .. } => SkipReason::WeakKey,
        other => SkipReason::Unreadable(std::io::Error::other(other.to_string())),
    })
}

/// Opens `path` for reading if it is a regular file that only its owner (and root) can change.
/// The check is made on the open file, so nothing can swap the file between check and read.
#[cfg(unix)]
fn open_regular(path: &Path) -> Result<fs::File, SkipReason> {
    use rustix::fs::{Mode, OFlags};
    use std::os::unix::fs::PermissionsExt;
    // O_NONBLOCK: opening a FIFO returns at once instead of waiting for a writer; O_NOCTTY: a
    // terminal device never becomes the controlling terminal. Neither matters for a regular
    // file, the only kind read.
    let fd = rustix::fs::open(
        path,
        OFlags::RDONLY | OFlags::NONBLOCK | OFlags::NOCTTY | OFlags::CLOEXEC,
        Mode::empty(),
    )
    .map_err(|errno| SkipReason::Unreadable(errno.into()))?;
    let file = fs::File::from(fd);
    let metadata = file.metadata().map_err(SkipReason::Unreadable)?;
    if !metadata.is_file() {
        return Err(SkipReason::NotARegularFile);
    }
    let mode = metadata.permissions().mode() & 0o7777;
    if mode & 0o002 != 0 {
        return Err(SkipReason::WritableByOthers { mode });
    }
    Ok(file)
}

#[cfg(not(unix))]
fn open_regular(path: &Path) -> Result<fs::File, SkipReason> {
    let file = fs::File::open(path).map_err(SkipReason::Unreadable)?;
    let metadata = file.metadata().map_err(SkipReason::Unreadable)?;
    if !metadata.is_file() {
        return Err(SkipReason::NotARegularFile);
    }
    Ok(file)
}

/// The folder holding all reader state.
pub fn home() -> Result<PathBuf, TrustError> {
    if let Some(home) = std::env::var_os("TAMIZDAT_HOME").filter(|h| !h.is_empty()) {
        return Ok(PathBuf::from(home));
    }
    dirs::data_dir()
        .map(|dir| dir.join("tamizdat"))
        .ok_or(TrustError::NoHome)
}

/// The trusted keys, stored as one `KEYID.pub` file each.
pub struct TrustStore {
    folder: PathBuf,
}

impl TrustStore {
    /// The store under the reader's home folder.
    pub fn open_default() -> Result<TrustStore, TrustError> {
        Ok(TrustStore::at(home()?.join("trusted-keys")))
    }

    /// The store in `folder`.
    pub fn at(folder: PathBuf) -> TrustStore {
        TrustStore { folder }
    }

    fn store_error(&self, source: std::io::Error) -> TrustError {
        TrustError::Store {
            path: self.folder.clone(),
            source,
        }
    }

    fn scan(&self) -> Result<Scan, TrustError> {
        let entries = match fs::read_dir(&self.folder) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(Scan {
                    files: Vec::new(),
                    skipped: Vec::new(),
                });
            }
            Err(e) => return Err(self.store_error(e)),
        };
        let mut paths = Vec::new();
        for entry in entries {
            let path = entry.map_err(|e| self.store_error(e))?.path();
            if path.extension().is_some_and(|ext| ext == "pub") {
                paths.push(path);
            }
        }
        paths.sort();
        let mut scan = Scan {
            files: Vec::new(),
            skipped: Vec::new(),
        };
        for path in paths {
            match read_key_file(&path) {
                Ok(key) => scan.files.push((path, key)),
                Err(reason) => scan.skipped.push(SkippedFile { path, reason }),
            }
        }
        Ok(scan)
    }

    /// Every trusted key, each once however many files hold it, and the files skipped.
    pub fn list(&self) -> Result<TrustListing, TrustError> {
        let scan = self.scan()?;
        let mut keys: Vec<PublicKey> = Vec::new();
        // The file under the key's own name comes first, so its name is the one shown when
        // two files give one key two names.
        let (own, others): (Vec<_>, Vec<_>) = scan
            .files
            .into_iter()
            .partition(|(path, key)| *path == self.key_path(key));
        for (_, key) in own.into_iter().chain(others) {
            if !keys.iter().any(|known| known.to_bytes() == key.to_bytes()) {
                keys.push(key);
            }
        }
        keys.sort_by(|a, b| a.name().cmp(b.name()).then(a.key_id().cmp(&b.key_id())));
        Ok(TrustListing {
            keys,
            skipped: scan.skipped,
        })
    }

    /// The trusted keys, loaded for checking bundles, and the files skipped.
    pub fn trusted_keys(&self) -> Result<(TrustedKeys, Vec<SkippedFile>), TrustError> {
        let listing = self.list()?;
        Ok((TrustedKeys::new(listing.keys), listing.skipped))
    }

    /// Trusts a key, writing it as `KEYID.pub`. Returns false if it was trusted already, in
    /// any file of the store.
    pub fn add(&self, key: &PublicKey) -> Result<bool, TrustError> {
        fs::create_dir_all(&self.folder).map_err(|e| self.store_error(e))?;
        let scan = self.scan()?;
        if scan
            .files
            .iter()
            .any(|(_, known)| known.to_bytes() == key.to_bytes())
        {
            return Ok(false);
        }
        let path = self.key_path(key);
        let in_the_way = |reason| TrustError::InTheWay {
            path: path.clone(),
            reason,
        };
        if scan.files.iter().any(|(file, _)| *file == path) {
            // Another key whose id is the same 64 bits: never silently replaced.
            return Err(in_the_way(SkipReason::OtherKey));
        }
        if let Some(skipped) = scan.skipped.into_iter().find(|s| s.path == path) {
            return match skipped.reason {
                // A damaged file under the key's own name: the reader asked for this key, so
                // the good file replaces it, atomically.
                SkipReason::Malformed(_)
                | SkipReason::WeakKey
                | SkipReason::WritableByOthers { .. }
                    if fs::symlink_metadata(&path).is_ok_and(|m| !m.is_dir()) =>
                {
                    crate::fs::write_atomically(
                        &path,
                        key.to_file_text().as_bytes(),
                        0o644,
                        crate::fs::Existing::Replace,
                    )
                    .map_err(|source| KeyError::Write {
                        path: path.clone(),
                        source,
                    })?;
                    Ok(true)
                }
                reason => Err(in_the_way(reason)),
            };
        }
        match write_new_file(&path, key.to_file_text().as_bytes(), 0o644) {
            Ok(()) => Ok(true),
            // Another command trusted it meanwhile.
            Err(KeyError::AlreadyExists { .. }) => Ok(false),
            Err(error) => Err(error.into()),
        }
    }

    /// Stops trusting the key whose id (or fingerprint) starts with `id` (at least 4
    /// characters): removes every file of the store that holds it, whatever its name, and
    /// syncs the folder, so the key does not come back after a power cut.
    pub fn remove(&self, id: &str) -> Result<Removed, TrustError> {
        let wanted = id.trim().to_ascii_lowercase().replace('-', "");
        let scan = self.scan()?;
        let mut matches: Vec<&PublicKey> = Vec::new();
        if wanted.len() >= 4 {
            for (_, key) in &scan.files {
                let hit = key.key_id().to_hex().starts_with(&wanted)
                    || key
                        .fingerprint()
                        .to_ascii_lowercase()
                        .replace('-', "")
                        .starts_with(&wanted);
                if hit && !matches.iter().any(|m| m.to_bytes() == key.to_bytes()) {
                    matches.push(key);
                }
            }
        }
        let key = match matches.as_slice() {
            [] => return Err(TrustError::NotFound(id.to_string())),
            [key] => (*key).clone(),
            _ => return Err(TrustError::Ambiguous(id.to_string())),
        };
        let files: Vec<PathBuf> = scan
            .files
            .iter()
            .filter(|(_, held)| held.to_bytes() == key.to_bytes())
            .map(|(path, _)| path.clone())
            .collect();
        for path in &files {
            match fs::remove_file(path) {
                Ok(()) => {}
                // Removed meanwhile by another command: what was asked for is done.
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => {
                    return Err(TrustError::Store {
                        path: path.clone(),
                        source: e,
                    });
                }
            }
        }
        // A key the reader stopped trusting must not come back after a power cut.
        crate::fs::sync_folder(&self.folder).map_err(|e| self.store_error(e))?;
        Ok(Removed {
            key,
            files,
            skipped: scan.skipped,
        })
    }

    /// Where the store keeps `key`: `KEYID.pub`.
    pub fn key_path(&self, key: &PublicKey) -> PathBuf {
        self.folder.join(format!("{}.pub", key.key_id()))
    }

    /// The folder holding the store's key files.
    pub fn folder(&self) -> &Path {
        &self.folder
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_key_is_a_plain_sentence_and_the_hint_names_trust_list() {
        let dir = tempfile::tempdir().unwrap();
        let store = TrustStore::at(dir.path().join("trusted-keys"));
        let error = store.remove("abcd1234").unwrap_err();
        let message = error.to_string();
        assert!(message.contains("no trusted key"), "{message}");
        assert!(message.contains("\"abcd1234\""), "{message}");
        assert!(
            !message.contains("tamizdat"),
            "no command in the error: {message}"
        );
    }

    #[test]
    fn trust_errors_carry_no_command_or_variable_only_their_hints_do() {
        for (error, words) in [
            (TrustError::NoHome, "TAMIZDAT_HOME"),
            (TrustError::Ambiguous("ab12".into()), "more of the key id"),
        ] {
            let message = error.to_string();
            assert!(!message.contains(words), "{message}");
        }
    }
}
