//! The reader's trust store: a folder of public key files, one per trusted publisher key.
//!
//! All reader state lives under one home folder: `TAMIZDAT_HOME` if set (tests use it to stay
//! hermetic), else the platform's data directory (e.g. `~/.local/share/tamizdat`).

use std::fs;
use std::path::{Path, PathBuf};

use crate::keys::TrustedKeys;
use crate::keys::{KeyError, PublicKey, write_new_file};

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

/// The trusted keys, one `KEYID.pub` file each.
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

    /// Every trusted key. A damaged file in the store is an error, not silently skipped.
    pub fn list(&self) -> Result<Vec<PublicKey>, TrustError> {
        let entries = match fs::read_dir(&self.folder) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(self.store_error(e)),
        };
        let mut keys = Vec::new();
        for entry in entries {
            let path = entry.map_err(|e| self.store_error(e))?.path();
            if path.extension().is_some_and(|ext| ext == "pub") {
                keys.push(PublicKey::load(&path)?);
            }
        }
        keys.sort_by(|a, b| a.name().cmp(b.name()).then(a.key_id().cmp(&b.key_id())));
        Ok(keys)
    }

    /// The trusted keys, loaded for checking bundles.
    pub fn trusted_keys(&self) -> Result<TrustedKeys, TrustError> {
        Ok(TrustedKeys::new(self.list()?))
    }

    /// Trusts a key. Returns false if it was trusted already.
    pub fn add(&self, key: &PublicKey) -> Result<bool, TrustError> {
        fs::create_dir_all(&self.folder).map_err(|e| self.store_error(e))?;
        let path = self.key_path(key);
        if path.exists() {
            return Ok(false);
        }
        match write_new_file(&path, key.to_file_text().as_bytes(), 0o644) {
            Ok(()) => Ok(true),
            // Another command trusted it meanwhile.
            Err(KeyError::AlreadyExists { .. }) => Ok(false),
            Err(error) => Err(error.into()),
        }
    }

    /// Stops trusting the key whose id (or fingerprint) starts with `id`; at least 4 characters.
    pub fn remove(&self, id: &str) -> Result<PublicKey, TrustError> {
        let wanted = id.trim().to_ascii_lowercase().replace('-', "");
        let matches: Vec<PublicKey> = if wanted.len() < 4 {
            Vec::new()
        } else {
            self.list()?
                .into_iter()
                .filter(|key| {
                    key.key_id().to_hex().starts_with(&wanted)
                        || key
                            .fingerprint()
                            .to_ascii_lowercase()
                            .replace('-', "")
                            .starts_with(&wanted)
                })
                .collect()
        };
        match matches.as_slice() {
            [] => Err(TrustError::NotFound(id.to_string())),
            [key] => {
                fs::remove_file(self.key_path(key)).map_err(|e| self.store_error(e))?;
                // A key the reader stopped trusting must not come back after a power cut.
                crate::fs::sync_folder(&self.folder).map_err(|e| self.store_error(e))?;
                Ok(key.clone())
            }
            _ => Err(TrustError::Ambiguous(id.to_string())),
        }
    }

    fn key_path(&self, key: &PublicKey) -> PathBuf {
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
