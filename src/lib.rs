//! tamizdat: signed, compressed news bundles that travel over channels nobody trusts.
//!
//! A publisher packs an edition folder into one `.tar.zst` file whose first bytes are a signed
//! header; a reader verifies the signature before parsing anything else, then checks every
//! byte against the header as it streams.
//!
//! ```no_run
//! use std::path::Path;
//! use tamizdat::{Bundle, NoProgress, PackOptions, SecretKey, TrustedKeys, pack_edition, unpack_into};
//!
//! let key = SecretKey::generate("Example News")?;
//! let options = PackOptions {
//!     channel: "news-en".into(),
//!     sequence: 1,
//!     created: time::OffsetDateTime::now_utc(),
//!     level: 3,
//!     title: None,
//!     language: None,
//!     allow_remote: false,
//!     force: false,
//!     threads: 0,
//!     include_hidden: false,
//! };
//! pack_edition(Path::new("edition"), &key, &options, Path::new("edition.tar.zst"), &NoProgress)?;
//! let trusted = TrustedKeys::new(vec![key.public()]);
//! let verified = Bundle::open(Path::new("edition.tar.zst"))?.verify(&trusted)?;
//! let header = unpack_into(verified, Path::new("out"), &NoProgress)?;
//! println!("{} articles", header.manifest().articles.len());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Trust is in the types. Only [`Bundle::verify`] makes a [`VerifiedBundle`], and everything
//! that uses a payload takes one. This compiles:
//!
//! ```no_run
//! # use std::path::Path;
//! # let trusted = tamizdat::TrustedKeys::default();
//! let bundle = tamizdat::Bundle::open(Path::new("edition.tar.zst"))?;
//! if let Some(claimed) = bundle.claimed_manifest() {
//!     // Claims are shown only through `unverified()`.
//!     println!("claims to be {}", tamizdat::library::edition_id(claimed.unverified()));
//! }
//! let verified = bundle.verify(&trusted)?;
//! let header = verified.header().clone();
//! tamizdat::unpack_into(verified, Path::new("out"), &tamizdat::NoProgress)?;
//! # drop(header);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! and each of the following, which differ from it in one place, does not. An unverified
//! bundle cannot be unpacked or imported:
//!
//! ```compile_fail
//! # use std::path::Path;
//! let unverified = tamizdat::Bundle::open(Path::new("edition.tar.zst"))?;
//! // error: expected `VerifiedBundle<_>`, found `Bundle`
//! tamizdat::unpack_into(unverified, Path::new("out"), &tamizdat::NoProgress)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! What an unverified header claims is a [`ClaimedManifest`], never a `Manifest`:
//!
//! ```compile_fail
//! # use std::path::Path;
//! let bundle = tamizdat::Bundle::open(Path::new("edition.tar.zst"))?;
//! if let Some(claimed) = bundle.claimed_manifest() {
//!     // error: expected `&Manifest`, found `ClaimedManifest`
//!     println!("claims to be {}", tamizdat::library::edition_id(claimed));
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! and a `VerifiedBundle` cannot be built by hand, even around a verified header:
//!
//! ```compile_fail
//! # use std::path::Path;
//! # let trusted = tamizdat::TrustedKeys::default();
//! let verified = tamizdat::Bundle::open(Path::new("edition.tar.zst"))?.verify(&trusted)?;
//! // error: fields `source`, `reader` and `header` are private
//! let forged = tamizdat::VerifiedBundle {
//!     source: std::path::PathBuf::new(),
//!     reader: std::io::empty(),
//!     header: verified.header().clone(),
//! };
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! The modules are floors: each uses only the floors below it (ARCHITECTURE.md).
//! `format` (the bytes) is at the bottom; `article`, `keys` and `fs` sit on it; `read` and
//! `publish` use those; `library` uses `read`; `cli` serves the two binaries.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod article;
pub mod authority;
pub mod cli;
pub mod format;
pub mod fs;
pub mod keys;
pub mod library;
pub mod mirror;
pub mod publish;
pub mod read;

pub use fs::{NoProgress, Progress};
pub use keys::{PublicKey, SecretKey, TrustStore, TrustedKeys};
pub use library::{Imported, Library, LibraryError, Record};
pub use publish::{PackError, PackOptions, PackReport, pack_edition};
pub use read::{
    Bundle, BundleError, ClaimedManifest, SalvageReport, VerifiedBundle, VerifiedHeader,
    salvage_into, unpack_into,
};
