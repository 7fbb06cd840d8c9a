//! Mirrors: static folders anyone can serve and nobody can forge (FORMAT.md section 11).
//!
//! A publisher adds bundles to a mirror folder ([`add`]), which writes per channel a signed
//! catalog, then swaps the channel's one mutable file, its entry point. Operators copy a
//! mirror from a folder or a web address ([`sync`]) and check one ([`check`]); readers fetch
//! the newest editions into their library ([`fetch`]). Every catalog is verified against the
//! reader's or operator's trust ([`verify_catalog`]) before anything it lists is fetched, and
//! every bundle against the catalog and its own signature before it appears under its name.

pub mod add;
mod bundles;
pub mod check;
pub mod fetch;
pub mod folder;
pub mod http;
mod pages;
pub mod source;
pub mod sync;
mod verify;

pub use bundles::{check_bundle_file, describe_bundle_file};
pub use verify::{CatalogSigner, VerifiedCatalog, verify_catalog};

use std::path::PathBuf;

use crate::authority::reader::CertifiedError;
use crate::format::KeyId;
use crate::format::catalog::{BUNDLES, CATALOGS, CatalogError, ENTRY_POINTS};
use crate::read::BundleError;

/// Why a mirror operation refused something or failed. Each reads as one plain sentence.
#[derive(Debug, thiserror::Error)]
pub enum MirrorError {
    /// A catalog, entry point or channel list breaks the format.
    #[error("{what}: {error}")]
    Catalog {
        /// Where it came from.
        what: String,
        /// What is wrong.
        error: CatalogError,
    },
    /// The catalog's key is not trusted, directly or through a root.
    #[error(
        "the catalog of {channel} is not signed by a key you trust (it claims key id {key_id})"
    )]
    UntrustedCatalog {
        /// The catalog's channel, as its entry point names it.
        channel: String,
        /// The key id it claims.
        key_id: KeyId,
    },
    /// The catalog's signature does not verify.
    #[error(
        "the catalog of {channel} does not match the signature of {name} ({fingerprint}): it was altered or damaged"
    )]
    CatalogSignature {
        /// The channel.
        channel: String,
        /// The key's name.
        name: String,
        /// The key's fingerprint.
        fingerprint: String,
    },
    /// The catalog's certified key may not sign it.
    #[error("the catalog of {channel} is refused: {error}")]
    Certified {
        /// The channel.
        channel: String,
        /// Why.
        error: Box<CertifiedError>,
    },
    /// The catalog is not the one its entry point describes.
    #[error("the catalog of {channel} is not the one its entry point describes: {problem}")]
    EntryMismatch {
        /// The channel.
        channel: String,
        /// What differs.
        problem: String,
    },
    /// An older catalog than the one already held.
    #[error(
        "the catalog of {channel} offered is number {offered}, older than number {held} already held: a rollback, refused"
    )]
    Rollback {
        /// The channel.
        channel: String,
        /// The number offered.
        offered: u64,
        /// The number held.
        held: u64,
    },
    /// Two different catalogs with one number.
    #[error(
        "the catalog of {channel} offered is number {sequence}, like the one held, but says something else: refused"
    )]
    CatalogConflict {
        /// The channel.
        channel: String,
        /// The number.
        sequence: u64,
    },
    /// A bundle does not match what the catalog says of it.
    #[error("{file}: {problem}")]
    BundleMismatch {
        /// The bundle's file name.
        file: String,
        /// What differs.
        problem: String,
    },
    /// A bundle fails its own verification.
    #[error("{file}: {error}")]
    Bundle {
        /// The bundle's file name.
        file: String,
        /// Why.
        error: BundleError,
    },
    /// Fetching from the source failed.
    #[error("{0}")]
    Source(#[from] source::SourceError),
    /// Another run holds the folder.
    #[error("another tamizdat is writing to {} right now; wait for it to finish", folder.display())]
    Busy {
        /// The folder.
        folder: PathBuf,
    },
    /// A file or folder could not be read or written.
    #[error("{context}: {}", crate::fs::plainly(source))]
    Io {
        /// What was being done.
        context: String,
        /// The failure.
        source: std::io::Error,
    },
    /// Nothing to do with what was given.
    #[error("{0}")]
    Nothing(String),
}

impl MirrorError {
    /// True when something offered was refused as invalid (a catalog or bundle that does not
    /// verify, a rollback, a conflict), rather than failing to arrive or to be written.
    pub fn is_refusal(&self) -> bool {
        match self {
            MirrorError::Catalog { .. }
            | MirrorError::UntrustedCatalog { .. }
            | MirrorError::CatalogSignature { .. }
            | MirrorError::Certified { .. }
            | MirrorError::EntryMismatch { .. }
            | MirrorError::Rollback { .. }
            | MirrorError::CatalogConflict { .. }
            | MirrorError::BundleMismatch { .. } => true,
            MirrorError::Bundle { error, .. } => error.is_invalid_bundle(),
            MirrorError::Source(error) => error.is_wrong_file(),
            MirrorError::Busy { .. } | MirrorError::Io { .. } | MirrorError::Nothing(_) => false,
        }
    }

    /// True when the catalog is refused only because its signer is not trusted: a mirror may
    /// carry other publishers' channels, which a reader skips.
    pub fn is_untrusted(&self) -> bool {
        matches!(self, MirrorError::UntrustedCatalog { .. })
            || matches!(
                self,
                MirrorError::Certified { error, .. }
                    if matches!(**error, CertifiedError::UntrustedRoot { .. })
            )
    }

    pub(crate) fn io(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> MirrorError {
        let context = context.into();
        move |source| MirrorError::Io { context, source }
    }
}

/// Takes the lock that keeps two writers out of one mirror folder (created if missing), then
/// removes what a killed writer left: its temporary files, never a `.part` download, which the
/// next sync resumes.
pub(crate) fn lock_folder(
    folder: &std::path::Path,
) -> Result<crate::fs::DestinationLock, MirrorError> {
    std::fs::create_dir_all(folder).map_err(MirrorError::io(format!(
        "cannot create {}",
        folder.display()
    )))?;
    let lock = crate::fs::DestinationLock::acquire(folder, std::ffi::OsStr::new("tamizdat-mirror"))
        .map_err(|error| match error {
            crate::fs::LockError::Busy => MirrorError::Busy {
                folder: folder.to_path_buf(),
            },
            crate::fs::LockError::Io(source) => MirrorError::Io {
                context: format!("cannot lock {}", folder.display()),
                source,
            },
        })?;
    for part in ["", ENTRY_POINTS, CATALOGS, BUNDLES] {
        let Ok(entries) = std::fs::read_dir(folder.join(part)) else {
            continue;
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let leftover = name.starts_with(&format!("{}write-", crate::fs::WORK_PREFIX))
                || name.starts_with(&format!("{}add-", crate::fs::WORK_PREFIX));
            if leftover && entry.file_type().is_ok_and(|t| t.is_file()) {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }
    Ok(lock)
}

/// Checks channel names given on the command line as a catalog's are checked, before any path
/// or address is made from them.
pub(crate) fn check_channels(channels: &[String]) -> Result<(), MirrorError> {
    for channel in channels {
        crate::format::manifest::check_channel(channel)
            .map_err(|error| MirrorError::Nothing(format!("--channel {channel:?}: {error}")))?;
    }
    Ok(())
}
