//! What a reader trusts for one command: publisher keys (signing directly) and publisher roots
//! (certifying signing keys), with what the reader has learnt about those roots. Verifying takes
//! any [`TrustSource`]: plain [`TrustedKeys`] for a command that knows no roots.

use std::path::PathBuf;

use crate::authority::reader::{Authority, CertifiedError, CertifiedSigner};
use crate::authority::state::{AcceptedEdition, StateError, StateFolder};
use crate::keys::TrustedKeys;
use crate::read::verify::VerifiedHeader;

/// Something a bundle can be verified against.
pub trait TrustSource {
    /// The keys trusted to sign directly.
    fn keys(&self) -> &TrustedKeys;
    /// The roots trusted to certify signing keys, if any.
    fn authority(&self) -> Option<&Authority> {
        None
    }
    /// Where equivocation evidence is kept, if anywhere.
    fn state(&self) -> Option<&StateFolder> {
        None
    }
    /// Keeps what verified credentials taught (root versions, certificates, revocations)
    /// when their edition is refused, as far as it can.
    fn remember(&self, _signer: &CertifiedSigner) {}
}

impl TrustSource for TrustedKeys {
    fn keys(&self) -> &TrustedKeys {
        self
    }
}

/// Keys, roots and the reader's state, for one command.
#[derive(Debug, Clone)]
pub struct Trust {
    /// Keys trusted to sign directly.
    pub keys: TrustedKeys,
    /// Roots and what is known of them.
    pub authority: Authority,
    /// The state folder, where what certified bundles teach is kept.
    pub state: Option<StateFolder>,
}

impl TrustSource for Trust {
    fn keys(&self) -> &TrustedKeys {
        &self.keys
    }
    fn authority(&self) -> Option<&Authority> {
        Some(&self.authority)
    }
    fn state(&self) -> Option<&StateFolder> {
        self.state.as_ref()
    }
    fn remember(&self, signer: &CertifiedSigner) {
        if let Some(state) = &self.state {
            let _ = state.update(
                |file| self.authority.learn(file, signer, None),
                |changed| *changed,
            );
        }
    }
}

impl Trust {
    /// Trust in `keys` only: no root, no state.
    pub fn keys_only(keys: TrustedKeys) -> Trust {
        Trust {
            keys,
            authority: Authority::default(),
            state: None,
        }
    }

    /// Remembers what an accepted bundle taught (for a certified one: its root versions,
    /// certificates, revocations, root-signed times, and the edition's number), durably, before
    /// the command reports success, and keeps its signed header in `state/evidence/`. A plain
    /// bundle teaches nothing. What this command already loaded stays as it was
    /// ([`Trust::reload`] reads the new state).
    pub fn record(&self, header: &VerifiedHeader) -> Result<(), StateError> {
        let (Some(certified), Some(state)) = (header.certified(), self.state.as_ref()) else {
            return Ok(());
        };
        let manifest = header.manifest();
        let edition = AcceptedEdition {
            sequence: manifest.sequence,
            key: crate::authority::hex_of(&certified.signer.certificate.key),
            manifest_sha256: certified.manifest_sha256.clone(),
            created: manifest.created.clone(),
            title: manifest.title.clone(),
        };
        let authority = &self.authority;
        let signer = &certified.signer;
        state.keep_evidence(
            &header_file_name(
                signer.chain.short_id(),
                &manifest.channel,
                manifest.sequence,
                &certified.manifest_sha256,
            ),
            &certified.header_bytes,
        )?;
        state.update(
            |file| authority.learn(file, signer, Some((&manifest.channel, edition))),
            |changed| *changed,
        )?;
        Ok(())
    }

    /// Re-reads the state after it changed.
    pub fn reload(&mut self) -> Result<(), StateError> {
        if let Some(state) = &self.state {
            let file = state.load()?;
            let anchors = self.authority.anchors();
            let now = self.authority.system_time();
            self.authority = Authority::new(anchors, &file).with_system_time(now);
        }
        Ok(())
    }
}

/// The name under which an accepted or equivocating header is kept.
pub fn header_file_name(root: String, channel: &str, sequence: u64, sha256: &str) -> String {
    format!("{root}-{channel}-{sequence}-{}.header", &sha256[..16])
}

/// Where evidence of an equivocation was kept, for the message.
pub(crate) fn keep_equivocation(
    state: Option<&StateFolder>,
    error: CertifiedError,
    root: String,
    header: &[u8],
    sha256: &str,
) -> CertifiedError {
    match (error, state) {
        (
            CertifiedError::Equivocation {
                publisher,
                channel,
                sequence,
                ..
            },
            Some(state),
        ) => {
            let name = header_file_name(root, &channel, sequence, sha256);
            let evidence = state
                .keep_evidence(&name, header)
                .map(|path| path.parent().map(PathBuf::from).unwrap_or(path))
                .map_or_else(|e| e.to_string(), |p| p.display().to_string());
            CertifiedError::Equivocation {
                publisher,
                channel,
                sequence,
                evidence,
            }
        }
        (error, _) => error,
    }
}
