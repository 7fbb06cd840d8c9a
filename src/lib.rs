//! tamizdat: signed, compressed news bundles that travel over channels nobody trusts.
//!
//! A publisher packs an edition folder into one `.tar.zst` file whose first bytes are a signed
//! header; a reader verifies the signature before parsing anything else, then checks every
//! byte against the header as it streams.
//!
//! ```no_run
//! use std::path::Path;
//! use tamizdat::keys::SecretKey;
//! use tamizdat::pack::{PackOptions, pack_edition};
//! use tamizdat::verify::TrustedKeys;
//! use tamizdat::unpack::unpack_into;
//! use tamizdat::io::NoProgress;
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
//! };
//! pack_edition(Path::new("edition"), &key, &options, Path::new("edition.tar.zst"), &NoProgress)?;
//! let trusted = TrustedKeys::new(vec![key.public()]);
//! let header = unpack_into(Path::new("edition.tar.zst"), Path::new("out"), &trusted, &NoProgress)?;
//! println!("{} articles", header.manifest().articles.len());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]

pub mod article;
pub mod cli;
pub mod demo;
pub mod edition;
pub mod error;
pub mod format;
pub mod io;
pub mod keys;
pub mod library;
pub mod pack;
pub mod pages;
pub mod path;
pub mod render;
pub mod salvage;
pub mod serve;
pub mod trust;
pub mod unpack;
pub mod verify;
