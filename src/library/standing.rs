//! Whether the reader trusts, now, the key that signed each edition: what every page's
//! verification line says. A page that says "Verified" must be true when it is read, so the
//! library rewrites an edition's pages when its standing changes (a key removed from the trust
//! store, or another edition signed under the same number).

use std::collections::BTreeSet;

/// The keys the reader trusts now: those of the trust store, not a key given for one command.
#[derive(Debug, Clone, Default)]
pub struct TrustNow {
    fingerprints: BTreeSet<String>,
    /// Revocations known, by root.
    revoked: Vec<Revoked>,
    /// Warnings for the front page: editions that seem held back, expired certificates.
    notices: Vec<String>,
}

impl TrustNow {
    /// Trust in exactly the keys with these fingerprints.
    pub fn new(fingerprints: impl IntoIterator<Item = String>) -> TrustNow {
        TrustNow {
            fingerprints: fingerprints.into_iter().collect(),
            revoked: Vec::new(),
            notices: Vec::new(),
        }
    }

    /// Also knows these revocations, each as the root that signed it (its fingerprint), the
    /// revoked key's fingerprint, and per channel (or `*`) the first number refused.
    pub fn with_revoked(mut self, revoked: Vec<Revoked>) -> Self {
        self.revoked = revoked;
        self
    }

    /// True when a revocation by `root` refuses the edition `sequence` of `channel` signed
    /// by the key `fingerprint`. Each revocation is read on its own, as the reader's own check
    /// reads it (FORMAT.md section 10.2).
    pub fn revokes(&self, root: &str, fingerprint: &str, channel: &str, sequence: u64) -> bool {
        self.revoked.iter().any(|revoked| {
            revoked.root == root
                && revoked.key == fingerprint
                && revoked
                    .from_sequence
                    .get(channel)
                    .or_else(|| revoked.from_sequence.get("*"))
                    .is_some_and(|from| sequence >= *from)
        })
    }

    /// The revocations, as lines for the front page's marker.
    pub fn revocation_marks(&self) -> impl Iterator<Item = String> + '_ {
        self.revoked
            .iter()
            .map(|r| format!("revoked:{}:{}:{:?}", r.root, r.key, r.from_sequence))
    }

    /// Also shows these warnings on the front page.
    pub fn with_notices(mut self, notices: Vec<String>) -> Self {
        self.notices = notices;
        self
    }

    /// The warnings for the front page.
    pub fn notices(&self) -> &[String] {
        &self.notices
    }

    /// True when the key with this fingerprint is trusted now.
    pub fn trusts(&self, fingerprint: &str) -> bool {
        self.fingerprints.contains(fingerprint)
    }

    /// The fingerprints, sorted: what the front page's marker remembers.
    pub fn fingerprints(&self) -> impl Iterator<Item = &str> {
        self.fingerprints.iter().map(String::as_str)
    }
}

/// A revocation as the library applies it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revoked {
    /// The fingerprint of the root that signed it.
    pub root: String,
    /// The revoked key's fingerprint.
    pub key: String,
    /// Per channel (or `*`), the first number refused.
    pub from_sequence: std::collections::BTreeMap<String, u64>,
}

/// What an edition's pages say of its signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// Signed by a key the reader trusts now.
    Trusted,
    /// Signed by a key the reader trusted when importing it, and has removed since.
    NoLongerTrusted,
    /// Signed by a key given for one command only, which the reader has never trusted.
    NeverTrusted,
    /// The same key signed another, different edition under the same channel and number: one
    /// of the two is not what the publisher published, and nothing tells which.
    Disputed,
    /// Signed by a key its publisher's root revoked from this edition's number on: what a thief
    /// with the key signed, or may have.
    Revoked,
}

impl Standing {
    /// The word written into an edition's page, to know later what it was built with.
    pub fn marker(self) -> &'static str {
        match self {
            Standing::Trusted => "trusted",
            Standing::NoLongerTrusted => "no-longer-trusted",
            Standing::NeverTrusted => "never-trusted",
            Standing::Disputed => "disputed",
            Standing::Revoked => "revoked",
        }
    }

    /// True only for [`Standing::Trusted`]: the one standing whose pages say "Verified".
    pub fn is_trusted(self) -> bool {
        self == Standing::Trusted
    }

    /// How a list of editions describes it, for `library list`.
    pub fn describe(self) -> &'static str {
        match self {
            Standing::Trusted => "verified",
            Standing::NoLongerTrusted => "signed by a key you no longer trust",
            Standing::NeverTrusted => "signed by a key you have not trusted",
            Standing::Disputed => "disputed: the same key signed another edition under this number",
            Standing::Revoked => "REVOKED: its publisher revoked the key that signed it",
        }
    }
}
