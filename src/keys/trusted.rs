//! The set of publisher keys a reader trusts for one command.

use crate::keys::{KeyId, PublicKey};

/// The keys a reader trusts to sign bundles.
#[derive(Debug, Clone, Default)]
pub struct TrustedKeys {
    keys: Vec<PublicKey>,
}

impl TrustedKeys {
    /// Trusts exactly `keys`; the same key given twice (even under two names) is one key.
    pub fn new(keys: Vec<PublicKey>) -> TrustedKeys {
        let mut trusted = TrustedKeys::default();
        for key in keys {
            trusted.add(key);
        }
        trusted
    }

    /// Trusts `key` too; a key already trusted (whatever its name) is not added twice.
    pub fn add(&mut self, key: PublicKey) {
        if !self
            .keys
            .iter()
            .any(|known| known.to_bytes() == key.to_bytes())
        {
            self.keys.push(key);
        }
    }

    /// The fingerprints of the keys trusted.
    pub fn fingerprints(&self) -> impl Iterator<Item = String> + '_ {
        self.keys.iter().map(PublicKey::fingerprint)
    }

    pub(crate) fn with_id(&self, key_id: KeyId) -> impl Iterator<Item = &PublicKey> {
        self.keys.iter().filter(move |key| key.key_id() == key_id)
    }
}
