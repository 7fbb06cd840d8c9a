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
    /// The files of the edition that are not in the library, in manifest order: empty for a
    /// whole edition, the files a salvage of a damaged copy could not recover otherwise. An
    /// edition with missing files is never shown as complete, and a whole copy replaces it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub missing: Vec<String>,
    /// For a certified edition: the fingerprint of the publisher root that certified its key.
    /// Only that root's revocations apply to it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub root_fingerprint: Option<String>,
    /// For a certified edition older than one the reader already had when it arrived (a
    /// replayed or late copy): that newer number. It is an archive edition, never the latest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub older_than: Option<u64>,
}

impl Record {
    /// True when every file of the edition is in the library.
    pub fn is_complete(&self) -> bool {
        self.missing.is_empty()
    }
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

/// SHA-256 of a manifest as its canonical JSON: two copies of one edition have the same, two
/// different editions under one number do not.
pub fn manifest_sha256(manifest: &Manifest) -> String {
    crate::format::Sha256Digest::of(&manifest.to_json()).to_hex()
}

/// Newest first: by creation time, then number, then id, so every list of editions agrees.
pub fn newest_first(a: &Record, b: &Record) -> std::cmp::Ordering {
    (b.manifest.created.as_str(), b.manifest.sequence, &b.id).cmp(&(
        a.manifest.created.as_str(),
        a.manifest.sequence,
        &a.id,
    ))
}
