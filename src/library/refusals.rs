//! What the last `tamizdat open` could not add, shown at the top of the front page until the
//! next `open`: one plain sentence each, what to do next, and for a bundle signed by a key the
//! reader does not trust yet, who claims to have signed it and the fingerprint to compare.

use serde::{Deserialize, Serialize};

/// One bundle the last `open` did not add.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refusal {
    /// The bundle's file name, as the reader knows it.
    pub file: String,
    /// Why, in one sentence.
    pub reason: String,
    /// What to do next, if there is something.
    pub next: Option<String>,
    /// For a bundle whose signature checks out with a public key file found beside it, but
    /// which the reader does not trust yet.
    pub untrusted_signer: Option<UntrustedSigner>,
}

/// Who signed a bundle, by a key the reader has not trusted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UntrustedSigner {
    /// The name in the key file (anyone can write any name: the fingerprint is what counts).
    pub name: String,
    /// The key's fingerprint, to compare with the one the publisher broadcasts.
    pub fingerprint: String,
    /// The public key file found beside the bundle.
    pub key_file: String,
}

/// The most refusals kept: a folder of a thousand bad files must not make a page of them all.
pub const MAX_REFUSALS_SHOWN: usize = 50;
