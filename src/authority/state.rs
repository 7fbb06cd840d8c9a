//! What a reader remembers about certified publishers, in `TAMIZDAT_HOME/state/`: the root
//! versions, certificates and revocations it has verified, the editions it has accepted per
//! root and channel, and the newest signed time it has seen. Written whole, atomically
//! (`authority.json`, a temporary file renamed over it), under a lock.
//!
//! Nothing read back is taken on faith: statements are stored as their signed bytes and
//! verified again, from the anchors in the trust store, every time the state is loaded. A
//! deleted state is re-learnt from the next bundle, which carries the whole chain and every
//! revocation.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// The file, under the state folder.
pub const STATE_FILE: &str = "authority.json";
/// Where equivocating headers are kept.
pub const EVIDENCE_FOLDER: &str = "evidence";

/// Why the state could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// Reading or writing failed.
    #[error("cannot use the reader's state {}: {}", .path.display(), crate::fs::plainly(.source))]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not what this version writes.
    #[error("the reader's state {} is damaged ({problem}); move it away and tamizdat re-learns from the next bundle", .path.display())]
    Damaged {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        problem: String,
    },
    /// Another tamizdat holds the state's lock.
    #[error("another tamizdat is updating the reader's state in {} right now", .path.display())]
    Busy {
        /// The state folder.
        path: PathBuf,
    },
}

/// One edition the reader accepted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AcceptedEdition {
    /// Its sequence number.
    pub sequence: u64,
    /// The signing key, 64 hex digits.
    pub key: String,
    /// SHA-256 of its signed manifest (as JSON): two different editions under one number
    /// differ, while one edition repacked with more statements does not.
    pub manifest_sha256: String,
    /// Its signed creation time.
    pub created: String,
    /// Its title, for `status`.
    #[serde(default)]
    pub title: String,
}

/// What the reader remembers of one root.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct RootState {
    /// The root's name, as last verified (for messages when its anchor is no longer trusted).
    #[serde(default)]
    pub name: String,
    /// Root versions after the first, as signed bytes in base64, in order.
    #[serde(default)]
    pub chain: Vec<String>,
    /// Certificates and revocations, as signed bytes in base64.
    #[serde(default)]
    pub statements: Vec<String>,
    /// Accepted editions, per channel.
    #[serde(default)]
    pub channels: BTreeMap<String, Vec<AcceptedEdition>>,
}

/// The whole state file.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct StateFile {
    /// The newest signed time verified, `YYYY-MM-DDTHH:MM:SSZ`.
    #[serde(default)]
    pub newest_signed_time: Option<String>,
    /// Per root, by its id (64 hex digits).
    #[serde(default)]
    pub roots: BTreeMap<String, RootState>,
}

/// The state folder.
#[derive(Debug, Clone)]
pub struct StateFolder {
    folder: PathBuf,
}

impl StateFolder {
    /// The state in `folder` (usually `TAMIZDAT_HOME/state`).
    pub fn at(folder: PathBuf) -> StateFolder {
        StateFolder { folder }
    }

    /// The folder.
    pub fn folder(&self) -> &Path {
        &self.folder
    }

    fn file(&self) -> PathBuf {
        self.folder.join(STATE_FILE)
    }

    fn io(&self, path: &Path, source: std::io::Error) -> StateError {
        StateError::Io {
            path: path.to_path_buf(),
            source,
        }
    }

    /// Reads the state; a missing file is an empty state (a new reader, or one whose state
    /// was deleted).
    pub fn load(&self) -> Result<StateFile, StateError> {
        let path = self.file();
        let bytes = match std::fs::read(&path) {
            Ok(bytes) => bytes,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                return Ok(StateFile::default());
            }
            Err(error) => return Err(self.io(&path, error)),
        };
        serde_json::from_slice(&bytes).map_err(|error| StateError::Damaged {
            path,
            problem: error.to_string(),
        })
    }

    /// True when there is no state file.
    pub fn is_empty(&self) -> bool {
        !self.file().exists()
    }

    /// Changes the state under its lock: reads it, lets `change` edit it, writes it back whole
    /// and atomically. `change` returns whether anything changed; nothing is written if not.
    pub fn update<T>(
        &self,
        change: impl FnOnce(&mut StateFile) -> T,
        changed: impl Fn(&T) -> bool,
    ) -> Result<T, StateError> {
        std::fs::create_dir_all(&self.folder).map_err(|e| self.io(&self.folder, e))?;
        // Another tamizdat updating it holds the lock for milliseconds: wait, up to 20 s.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        let _lock = loop {
            match crate::fs::DestinationLock::acquire(&self.folder, STATE_FILE.as_ref()) {
                Ok(lock) => break lock,
                Err(crate::fs::LockError::Busy) if std::time::Instant::now() < deadline => {
                    std::thread::sleep(std::time::Duration::from_millis(25));
                }
                Err(crate::fs::LockError::Busy) => {
                    return Err(StateError::Busy {
                        path: self.folder.clone(),
                    });
                }
                Err(crate::fs::LockError::Io(error)) => return Err(self.io(&self.folder, error)),
            }
        };
        let mut state = self.load()?;
        let result = change(&mut state);
        if changed(&result) {
            let json = serde_json::to_vec_pretty(&state).map_err(|error| StateError::Damaged {
                path: self.file(),
                problem: error.to_string(),
            })?;
            crate::fs::write_atomically(&self.file(), &json, 0o600, crate::fs::Existing::Replace)
                .map_err(|e| self.io(&self.file(), e))?;
        }
        Ok(result)
    }

    /// Keeps `header` (a signed bundle header) as evidence under `name`; returns its path.
    pub fn keep_evidence(&self, name: &str, header: &[u8]) -> Result<PathBuf, StateError> {
        let folder = self.folder.join(EVIDENCE_FOLDER);
        std::fs::create_dir_all(&folder).map_err(|e| self.io(&folder, e))?;
        let path = folder.join(name);
        match crate::fs::write_atomically(&path, header, 0o600, crate::fs::Existing::Keep) {
            Ok(()) => Ok(path),
            Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => Ok(path),
            Err(error) => Err(self.io(&path, error)),
        }
    }
}
