//! Verifying a catalog: the only way to a [`VerifiedCatalog`].

use crate::authority::reader::CertifiedSigner;
use crate::format::catalog::{Catalog, SignedCatalog};
use crate::keys::PublicKey;
use crate::mirror::MirrorError;
use crate::read::TrustSource;

/// Who signed a verified catalog.
#[derive(Debug, Clone)]
pub enum CatalogSigner {
    /// A key the reader trusts directly.
    Key(Box<PublicKey>),
    /// A key certified by a trusted root.
    Certified(Box<CertifiedSigner>),
}

impl CatalogSigner {
    /// The publisher, as the reader knows it: the root's name, or the trusted key's.
    pub fn publisher(&self) -> String {
        match self {
            CatalogSigner::Key(key) => key.name().to_string(),
            CatalogSigner::Certified(signer) => signer.publisher().to_string(),
        }
    }
}

/// A catalog whose signature verified against the reader's trust, with its exact bytes.
#[derive(Debug, Clone)]
pub struct VerifiedCatalog {
    catalog: Catalog,
    bytes: Vec<u8>,
    signer: CatalogSigner,
    warnings: Vec<String>,
}

impl VerifiedCatalog {
    /// What the catalog says.
    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    /// Its bytes, exactly as signed and stored.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Who signed it.
    pub fn signer(&self) -> &CatalogSigner {
        &self.signer
    }

    /// Warnings to show (an expired certificate).
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }
}

/// Verifies `bytes` as the catalog of `channel`: its signature by a directly trusted key, or
/// by a key its credentials certify under a trusted root (checked as a certified bundle's,
/// FORMAT.md section 10.6), before its body is parsed; then its body, which must be of
/// `channel`; then, for a certified key, that the key is certified for the channel when the
/// catalog was issued and revoked for it by no revocation known.
pub fn verify_catalog(
    bytes: &[u8],
    channel: &str,
    trust: &(impl TrustSource + ?Sized),
) -> Result<VerifiedCatalog, MirrorError> {
    let what = || format!("the catalog of {channel}");
    let signed = SignedCatalog::parse(bytes).map_err(|error| MirrorError::Catalog {
        what: what(),
        error,
    })?;
    let key_id = signed.key_id();
    let signer = if signed.credentials().is_empty() {
        let keys = trust.keys();
        let mut candidates = keys.with_id(key_id).peekable();
        let Some(first) = candidates.peek().copied() else {
            return Err(MirrorError::UntrustedCatalog {
                channel: channel.to_string(),
                key_id,
            });
        };
        let key = candidates
            .find(|key| key.verify(signed.signed_message(), signed.signature()))
            .ok_or_else(|| MirrorError::CatalogSignature {
                channel: channel.to_string(),
                name: first.name().to_string(),
                fingerprint: first.fingerprint(),
            })?;
        CatalogSigner::Key(Box::new(key.clone()))
    } else {
        let empty = crate::authority::reader::Authority::default();
        let authority = trust.authority().unwrap_or(&empty);
        let certified = authority
            .certified_signer(signed.credentials(), key_id)
            .map_err(|error| MirrorError::Certified {
                channel: channel.to_string(),
                error: Box::new(error),
            })?;
        if !certified
            .key
            .verify(signed.signed_message(), signed.signature())
        {
            return Err(MirrorError::CatalogSignature {
                channel: channel.to_string(),
                name: format!(
                    "{}, certified by {}",
                    certified.key.name(),
                    certified.publisher()
                ),
                fingerprint: certified.key.fingerprint(),
            });
        }
        CatalogSigner::Certified(Box::new(certified))
    };
    let catalog =
        Catalog::from_json(signed.unverified_body()).map_err(|error| MirrorError::Catalog {
            what: what(),
            error,
        })?;
    if catalog.channel != channel {
        return Err(MirrorError::EntryMismatch {
            channel: channel.to_string(),
            problem: format!("the signed catalog is of the channel {}", catalog.channel),
        });
    }
    let warnings = match &signer {
        CatalogSigner::Key(_) => Vec::new(),
        CatalogSigner::Certified(certified) => {
            let empty = crate::authority::reader::Authority::default();
            let authority = trust.authority().unwrap_or(&empty);
            authority
                .judge_catalog(certified, channel, &catalog.issued)
                .map_err(|error| {
                    trust.remember(certified);
                    MirrorError::Certified {
                        channel: channel.to_string(),
                        error: Box::new(error),
                    }
                })?
        }
    };
    Ok(VerifiedCatalog {
        catalog,
        bytes: bytes.to_vec(),
        signer,
        warnings,
    })
}
