//! The library's top-level error: one enum over every layer, so a command can turn any failure
//! into one line and the documented exit code.

use crate::keys::KeyError;
use crate::keys::store::TrustError;
use crate::library::LibraryError;
use crate::library::serve::ServeError;
use crate::publish::edition::EditionError;
use crate::publish::pack::PackError;
use crate::read::verify::BundleError;

/// Exit code for a valid bundle or a successful command.
pub const EXIT_OK: u8 = 0;
/// Exit code for a bundle that is invalid, damaged or not signed by a trusted key.
pub const EXIT_INVALID: u8 = 1;
/// Exit code for a usage mistake or a failure of this machine (missing file, full disk...).
pub const EXIT_ERROR: u8 = 2;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    Bundle(#[from] BundleError),
    #[error("{}: {source}", .path.display())]
    InBundle {
        path: std::path::PathBuf,
        source: BundleError,
    },
    #[error("{0}")]
    Pack(#[from] PackError),
    #[error("{0}")]
    Key(#[from] KeyError),
    #[error("{0}")]
    Trust(#[from] TrustError),
    #[error("{0}")]
    Edition(#[from] EditionError),
    #[error("{0}")]
    Library(#[from] LibraryError),
    #[error("{0}")]
    Serve(#[from] ServeError),
    #[error("{0}")]
    Usage(String),
    #[error("{context}: {source}")]
    Io {
        context: String,
        source: std::io::Error,
    },
}

impl Error {
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Bundle(error) | Error::InBundle { source: error, .. }
                if error.is_invalid_bundle() =>
            {
                EXIT_INVALID
            }
            Error::Library(error) if error.is_invalid_bundle() => EXIT_INVALID,
            _ => EXIT_ERROR,
        }
    }
}
