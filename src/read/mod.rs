//! The reader's side: verify a bundle's signature before anything else, then check, unpack or
//! salvage it.

mod bundle;
pub mod find;
pub mod salvage;
mod tar_walk;
pub mod trust;
pub mod unpack;
pub mod verify;

pub use bundle::{Bundle, ClaimedManifest, READ_BUFFER, VerifiedBundle};
pub use salvage::{SalvageReport, assess_damage, salvage_into, salvage_to_sink};
pub use trust::{Trust, TrustSource};
pub use unpack::unpack_into;
pub use verify::{
    ArchiveError, BundleError, DestinationError, DiscardFiles, FileSink, VerifiedHeader,
};
