//! What the library records about each imported edition.

use serde::{Deserialize, Serialize};

use crate::format::Manifest;

/// What the library knows about one imported edition.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Record {
    /// The edition's id, as [`edition_id`] gives it; also the name of its folders and record.
    pub id: String,
    /// When this library imported it, RFC 3339 UTC.
    pub imported: String,
    /// The name the reader trusts the signing key under, and its fingerprint.
    pub signer_name: String,
    /// The signing key's fingerprint.
    pub fingerprint: String,
    /// SHA-256 of the manifest as signed content: the same edition imported twice has the same.
    pub manifest_sha256: String,
    /// The edition's signed manifest.
    pub manifest: Manifest,
    /// Whether the signing key was in the reader's trust store when the edition was imported
    /// (not only given for that one command). Records written before this was kept say true.
    #[serde(default = "imported_trusted")]
    pub trusted_at_import: bool,
}

fn imported_trusted() -> bool {
    true
}

/// `KEYID-CHANNEL-SEQUENCE`: one publisher key, channel and number name one edition.
pub fn edition_id(manifest: &Manifest) -> String {
    format!(
        "{}-{}-{}",
        manifest.publisher.key_id, manifest.channel, manifest.sequence
    )
}
