//! The reader's side of certified publishing: which roots it trusts, what it has learnt about
//! them, and the judgement of a certified edition (scope, revocation, rollback, equivocation)
//! once its signature has verified.
//!
//! Time is never taken from the clock alone: the reader's "now" is the later of the system
//! clock and the newest signed time it has ever verified, so a clock set back cannot make an
//! expired certificate current again. Revocations do not depend on time at all: they refuse a
//! key from a sequence number on.

use std::collections::BTreeMap;

use crate::authority::root_file::RootFile;
use crate::authority::state::{AcceptedEdition, RootState, StateFile};
use crate::authority::{AuthorityError, Certificate, Revocation, RootChain};
use crate::format::statement::{Credentials, SignedStatement, StatementError, StatementKind};
use crate::format::{KeyId, Sha256Digest};
use crate::keys::PublicKey;

/// Why a certified bundle or a statement file is refused. One plain sentence each.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CertifiedError {
    /// The credentials block cannot be split.
    #[error("its credentials are damaged: {0}")]
    Credentials(#[from] StatementError),
    /// No trusted root starts the carried chain.
    #[error(
        "it is certified by a publisher root you do not trust (root fingerprint {fingerprint})"
    )]
    UntrustedRoot {
        /// The fingerprint of the carried version 1, or "none" when no chain is carried.
        fingerprint: String,
    },
    /// A carried statement does not verify.
    #[error("its credentials from {publisher} do not verify: {source}")]
    Statement {
        /// The root's name.
        publisher: String,
        /// Why.
        source: AuthorityError,
    },
    /// No certificate names the signing key.
    #[error("its signing key {key_id} has no certificate from {publisher}")]
    NoCertificate {
        /// The key id in the header.
        key_id: KeyId,
        /// The root's name.
        publisher: String,
    },
    /// The certified key signs a channel outside its certificate.
    #[error(
        "it is signed by {key_name}, which {publisher} certified for {patterns}, not for the channel {channel}"
    )]
    OutOfScope {
        /// The certified key's name.
        key_name: String,
        /// The root's name.
        publisher: String,
        /// The channels the certificate allows.
        patterns: String,
        /// The edition's channel.
        channel: String,
    },
    /// The edition is dated before its key's certificate starts.
    #[error(
        "it is dated {created}, before the certificate of {key_name} from {publisher} starts ({valid_from})"
    )]
    BeforeCertificate {
        /// The key's name.
        key_name: String,
        /// The root's name.
        publisher: String,
        /// The edition's time.
        created: String,
        /// When the certificate starts.
        valid_from: String,
    },
    /// The signing key is revoked from this edition's sequence on.
    #[error("it is signed by a key that {publisher} revoked on {date} (reason: {reason})")]
    Revoked {
        /// The root's name.
        publisher: String,
        /// The revocation's date.
        date: String,
        /// The publisher's reason.
        reason: String,
    },
    /// Another edition was accepted under the same number.
    #[error(
        "EQUIVOCATION: {publisher} already published a different edition {sequence} of {channel}; one of the two is forged or the key is stolen (both kept as evidence in {evidence})"
    )]
    Equivocation {
        /// The root's name.
        publisher: String,
        /// The channel.
        channel: String,
        /// The number.
        sequence: u64,
        /// Where the evidence is.
        evidence: String,
    },
}

/// A root the reader trusts, with every version, certificate and revocation it has verified.
#[derive(Debug, Clone)]
pub struct KnownRoot {
    /// The verified chain, from the trusted anchor.
    pub chain: RootChain,
    /// Verified certificates, with their bytes.
    pub certificates: Vec<(Vec<u8>, Certificate)>,
    /// Verified revocations, with their bytes.
    pub revocations: Vec<(Vec<u8>, Revocation)>,
    /// Accepted editions per channel.
    pub channels: BTreeMap<String, Vec<AcceptedEdition>>,
}

/// What a reader knows for verifying certified bundles: its trusted roots and their state.
#[derive(Debug, Clone, Default)]
pub struct Authority {
    roots: Vec<KnownRoot>,
    newest_signed_time: Option<time::OffsetDateTime>,
    system_now: Option<time::OffsetDateTime>,
}

/// What verifying a certified header found: which root, which certificate, and what the
/// bundle taught (for [`Authority::learn`] once the bundle is accepted).
#[derive(Debug, Clone)]
pub struct CertifiedSigner {
    /// Index of the root among the authority's roots.
    root_index: usize,
    /// The chain after catching up with the carried one.
    pub chain: RootChain,
    /// The certificate of the signing key.
    pub certificate: Certificate,
    /// The certified key, named as its certificate names it.
    pub key: PublicKey,
    /// Every certificate known for the key id (the header's signature chooses among keys;
    /// the judgement among certificates of that key).
    all_certificates: Vec<Certificate>,
    /// Every certificate and revocation carried, verified, with their bytes.
    carried: Vec<(Vec<u8>, StatementKind)>,
    /// Revocations carried, verified.
    carried_revocations: Vec<Revocation>,
    /// Newest signed time among the credentials.
    newest_issued: Option<time::OffsetDateTime>,
}

impl CertifiedSigner {
    /// The publisher's name, as its newest root version gives it.
    pub fn publisher(&self) -> &str {
        self.chain.name()
    }

    /// The root's fingerprint.
    pub fn root_fingerprint(&self) -> String {
        self.chain.fingerprint()
    }
}

/// Where an accepted certified edition stands among the editions of its channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Placement {
    /// The newest edition of its channel the reader has.
    Latest,
    /// Older than an edition already accepted: readable, never shown as the latest.
    Archive {
        /// The newest sequence accepted.
        newest: u64,
    },
}

/// The judgement of a certified edition that may be accepted.
#[derive(Debug, Clone)]
pub struct Judgement {
    /// Latest or archive.
    pub placement: Placement,
    /// Warnings to show (an expired certificate, a clock that looks wrong).
    pub warnings: Vec<String>,
}

/// Of the certificates of `signer`'s key, the one that decides for an object of `channel`
/// dated `created`: in scope, already valid, and of these the one valid longest.
fn certificate_in_scope<'a>(
    signer: &'a CertifiedSigner,
    channel: &str,
    created: &str,
) -> Result<&'a Certificate, CertifiedError> {
    let publisher = signer.publisher().to_string();
    let key_bytes = signer.key.to_bytes();
    let of_key: Vec<&Certificate> = signer
        .all_certificates
        .iter()
        .filter(|c| c.key == key_bytes)
        .collect();
    let in_scope: Vec<&Certificate> = of_key
        .iter()
        .copied()
        .filter(|c| c.allows_channel(channel))
        .collect();
    if in_scope.is_empty() {
        let mut patterns: Vec<String> = of_key.iter().flat_map(|c| c.channels.clone()).collect();
        patterns.dedup();
        return Err(CertifiedError::OutOfScope {
            key_name: signer.certificate.key_name.clone(),
            publisher,
            patterns: patterns.join(", "),
            channel: channel.to_string(),
        });
    }
    let created_at = crate::format::manifest::parse_created(created);
    let started: Vec<&Certificate> = in_scope
        .iter()
        .copied()
        .filter(|c| created_at.is_none_or(|at| at >= c.valid_from))
        .collect();
    let Some(certificate) = started.iter().copied().max_by_key(|c| c.valid_until) else {
        let first = in_scope[0];
        return Err(CertifiedError::BeforeCertificate {
            key_name: first.key_name.clone(),
            publisher,
            created: created.to_string(),
            valid_from: crate::format::manifest::format_created(
                in_scope
                    .iter()
                    .map(|c| c.valid_from)
                    .min()
                    .unwrap_or(first.valid_from),
            ),
        });
    };
    Ok(certificate)
}

fn decode(text: &str) -> Option<Vec<u8>> {
    data_encoding::BASE64.decode(text.as_bytes()).ok()
}

fn encode(bytes: &[u8]) -> String {
    data_encoding::BASE64.encode(bytes)
}

fn date_of(at: time::OffsetDateTime) -> String {
    crate::format::manifest::format_created(at)[..10].to_string()
}

impl Authority {
    /// The reader's roots, each caught up with what `state` remembers of it. Stored statements
    /// that no longer verify are dropped (they are re-learnt from the next bundle); the
    /// system clock is read here, once.
    pub fn new(anchors: Vec<RootFile>, state: &StateFile) -> Authority {
        let mut authority = Authority {
            roots: Vec::new(),
            newest_signed_time: state
                .newest_signed_time
                .as_deref()
                .and_then(crate::format::manifest::parse_created),
            system_now: Some(time::OffsetDateTime::now_utc()),
        };
        for anchor in anchors {
            let mut chain = anchor.chain;
            if authority
                .roots
                .iter()
                .any(|known| known.chain.id() == chain.id())
            {
                continue;
            }
            let mut known = KnownRoot {
                chain: chain.clone(),
                certificates: Vec::new(),
                revocations: Vec::new(),
                channels: BTreeMap::new(),
            };
            if let Some(stored) = state.roots.get(&chain.id().to_hex()) {
                let versions: Vec<SignedStatement> = stored
                    .chain
                    .iter()
                    .filter_map(|text| decode(text))
                    .filter_map(|bytes| SignedStatement::parse(&bytes).ok())
                    .collect();
                let mut carried = vec![chain.versions()[0].statement.clone()];
                carried.extend(versions);
                if chain.catch_up(&carried).is_ok() {
                    known.chain = chain;
                }
                for text in &stored.statements {
                    if let Some(statement) =
                        decode(text).and_then(|bytes| SignedStatement::parse(&bytes).ok())
                    {
                        known.remember(&statement);
                    }
                }
                known.channels = stored.channels.clone();
            }
            authority.roots.push(known);
        }
        authority
    }

    /// Sets the system clock this authority believes (tests play with time through this).
    pub fn with_system_time(mut self, now: time::OffsetDateTime) -> Authority {
        self.system_now = Some(now);
        self
    }

    /// The reader's notion of now: the later of the system clock and the newest signed time
    /// ever verified.
    pub fn now(&self) -> time::OffsetDateTime {
        let system = self
            .system_now
            .unwrap_or_else(time::OffsetDateTime::now_utc);
        match self.newest_signed_time {
            Some(signed) if signed > system => signed,
            _ => system,
        }
    }

    /// The system clock as read.
    pub fn system_time(&self) -> time::OffsetDateTime {
        self.system_now
            .unwrap_or_else(time::OffsetDateTime::now_utc)
    }

    /// The anchors of the trusted roots, to rebuild the authority after the state changed.
    pub fn anchors(&self) -> Vec<RootFile> {
        self.roots
            .iter()
            .map(|known| RootFile {
                chain: known.chain.anchor(),
            })
            .collect()
    }

    /// The trusted roots and what is known of them.
    pub fn roots(&self) -> &[KnownRoot] {
        &self.roots
    }

    /// True when no root is trusted.
    pub fn is_empty(&self) -> bool {
        self.roots.is_empty()
    }

    /// Finds the trusted root a credentials block speaks for (by the bytes of the carried
    /// version 1, before parsing any of it) and verifies every carried statement against it.
    fn check_credentials(&self, credentials: &Credentials) -> Result<Checked, CertifiedError> {
        let root_index = match credentials.roots.first() {
            Some(first) => {
                let bytes = first.to_bytes();
                self.roots
                    .iter()
                    .position(|known| known.chain.versions()[0].bytes == bytes)
                    .ok_or_else(|| CertifiedError::UntrustedRoot {
                        fingerprint: fingerprint_of(&bytes),
                    })?
            }
            None => {
                return Err(CertifiedError::UntrustedRoot {
                    fingerprint: "none: it carries no root".into(),
                });
            }
        };
        let known = &self.roots[root_index];
        let mut chain = known.chain.clone();
        let publisher = chain.name().to_string();
        let wrap = |source| CertifiedError::Statement {
            publisher: publisher.clone(),
            source,
        };
        chain.catch_up(&credentials.roots).map_err(wrap)?;
        let mut newest_issued = Some(chain.newest().issued);
        let mut carried = Vec::new();
        let mut revocations = Vec::new();
        let mut certificates = Vec::new();
        for statement in &credentials.others {
            let bytes = statement.to_bytes();
            match statement.kind() {
                StatementKind::Certificate => {
                    // A certificate the reader verified before stays good after a rotation;
                    // a new one must be signed by the newest root version.
                    let certificate = match known.certificates.iter().find(|(b, _)| *b == bytes) {
                        Some((_, certificate)) => certificate.clone(),
                        None => chain.verify_certificate(statement).map_err(wrap)?,
                    };
                    newest_issued = newest_issued.max(Some(certificate.issued));
                    certificates.push(certificate);
                }
                StatementKind::Revocation => {
                    // One the reader verified before stays good after a rotation; a new one
                    // needs the newest editors.
                    let revocation = match known.revocations.iter().find(|(b, _)| *b == bytes) {
                        Some((_, revocation)) => revocation.clone(),
                        None => chain.verify_revocation(statement).map_err(wrap)?,
                    };
                    newest_issued = newest_issued.max(Some(revocation.issued));
                    revocations.push(revocation);
                }
                StatementKind::Root => {
                    return Err(wrap(AuthorityError::WrongKind {
                        expected: "certificate or revocation",
                        found: "root statement",
                    }));
                }
            }
            carried.push((bytes, statement.kind()));
        }
        Ok(Checked {
            root_index,
            chain,
            carried,
            revocations,
            certificates,
            newest_issued,
        })
    }

    /// Verifies a certified header's credentials and finds the certificate of `key_id`, the
    /// key the header claims. Every statement is checked against keys the reader already holds
    /// before its body is read. The header's own signature is checked by the caller with
    /// [`CertifiedSigner::key`].
    pub fn certified_signer(
        &self,
        credentials: &[u8],
        key_id: KeyId,
    ) -> Result<CertifiedSigner, CertifiedError> {
        let credentials = Credentials::parse(credentials)?;
        let Checked {
            root_index,
            chain,
            carried,
            revocations: carried_revocations,
            certificates,
            newest_issued,
        } = self.check_credentials(&credentials)?;
        let known = &self.roots[root_index];
        // Every certificate of a key with this id: which one applies depends on the
        // edition's channel and time, known only once the header has verified.
        let mut all: Vec<Certificate> = Vec::new();
        for certificate in certificates
            .iter()
            .chain(known.certificates.iter().map(|(_, c)| c))
        {
            if certificate.key_id() == Some(key_id) && !all.contains(certificate) {
                all.push(certificate.clone());
            }
        }
        let Some(certificate) = all.first().cloned() else {
            return Err(CertifiedError::NoCertificate {
                key_id,
                publisher: chain.name().to_string(),
            });
        };
        let key = PublicKey::new(&certificate.key_name, &certificate.key).map_err(|_| {
            CertifiedError::NoCertificate {
                key_id,
                publisher: chain.name().to_string(),
            }
        })?;
        Ok(CertifiedSigner {
            root_index,
            chain,
            certificate,
            all_certificates: all,
            key,
            carried,
            carried_revocations,
            newest_issued,
        })
    }

    /// Judges an edition whose header verified with `signer.key`: scope, revocation,
    /// equivocation and rollback. `manifest_sha256` names the edition (its signed manifest).
    pub fn judge(
        &self,
        signer: &CertifiedSigner,
        channel: &str,
        sequence: u64,
        created: &str,
        manifest_sha256: &str,
    ) -> Result<Judgement, CertifiedError> {
        let publisher = signer.publisher().to_string();
        let key_bytes = signer.key.to_bytes();
        let created_at = crate::format::manifest::parse_created(created);
        let certificate = certificate_in_scope(signer, channel, created)?;
        let revocations = self.revocations_with(signer);
        if let Some(revocation) = revocations
            .iter()
            .find(|r| r.refuses(&key_bytes, channel, sequence))
        {
            return Err(CertifiedError::Revoked {
                publisher,
                date: date_of(revocation.issued),
                reason: revocation.reason.clone(),
            });
        }
        let known = &self.roots[signer.root_index];
        let standing: Vec<&AcceptedEdition> = known
            .channels
            .get(channel)
            .map(|editions| {
                editions
                    .iter()
                    .filter(|edition| !refused_by(&revocations, edition, channel))
                    .collect()
            })
            .unwrap_or_default();
        if standing.iter().any(|edition| {
            edition.sequence == sequence && edition.manifest_sha256 != manifest_sha256
        }) {
            return Err(CertifiedError::Equivocation {
                publisher,
                channel: channel.to_string(),
                sequence,
                evidence: String::new(),
            });
        }
        let newest = standing.iter().map(|edition| edition.sequence).max();
        let placement = match newest {
            Some(newest) if newest > sequence => Placement::Archive { newest },
            _ => Placement::Latest,
        };
        let mut warnings = Vec::new();
        let now = self.now();
        if now > certificate.valid_until {
            warnings.push(format!(
                "the certificate of {} from {} expired on {}; the edition is still readable, but ask the publisher for a newer one",
                certificate.key_name,
                signer.publisher(),
                date_of(certificate.valid_until)
            ));
        }
        if let Some(at) = created_at
            && self
                .system_time()
                .checked_add(time::Duration::days(1))
                .is_some_and(|tomorrow| at > tomorrow)
        {
            warnings.push(format!(
                "the edition is dated {created}, later than this device's clock: the clock may be wrong"
            ));
        }
        Ok(Judgement {
            placement,
            warnings,
        })
    }

    /// Judges a mirror catalog of `channel` issued at `issued`, whose signature verified with
    /// `signer.key`: the key must be certified for the channel at that time, and no
    /// revocation may name the key for the channel at all, since a thief holding the key
    /// could list whatever editions suit him. Returns the warnings to show (an expired
    /// certificate).
    pub fn judge_catalog(
        &self,
        signer: &CertifiedSigner,
        channel: &str,
        issued: &str,
    ) -> Result<Vec<String>, CertifiedError> {
        let certificate = certificate_in_scope(signer, channel, issued)?;
        let key_bytes = signer.key.to_bytes();
        if let Some(revocation) = self
            .revocations_with(signer)
            .iter()
            .find(|r| r.key == key_bytes && r.refused_from(channel).is_some())
        {
            return Err(CertifiedError::Revoked {
                publisher: signer.publisher().to_string(),
                date: date_of(revocation.issued),
                reason: revocation.reason.clone(),
            });
        }
        let mut warnings = Vec::new();
        if self.now() > certificate.valid_until {
            warnings.push(format!(
                "the certificate of {} from {} expired on {}",
                certificate.key_name,
                signer.publisher(),
                date_of(certificate.valid_until)
            ));
        }
        Ok(warnings)
    }

    fn revocations_with(&self, signer: &CertifiedSigner) -> Vec<Revocation> {
        let mut all: Vec<Revocation> = self.roots[signer.root_index]
            .revocations
            .iter()
            .map(|(_, revocation)| revocation.clone())
            .collect();
        all.extend(signer.carried_revocations.iter().cloned());
        all
    }

    /// Remembers what an accepted certified bundle taught: its root versions, statements and
    /// signed times, and the edition itself.
    pub fn learn(
        &self,
        state: &mut StateFile,
        signer: &CertifiedSigner,
        edition: Option<(&str, AcceptedEdition)>,
    ) -> bool {
        let before = serde_json::to_vec(state).unwrap_or_default();
        let chain = &signer.chain;
        let root = state.roots.entry(chain.id().to_hex()).or_default();
        root.name = chain.name().to_string();
        learn_chain(root, chain);
        for (bytes, _) in &signer.carried {
            let text = encode(bytes);
            if !root.statements.contains(&text) {
                root.statements.push(text);
            }
        }
        if let Some((channel, edition)) = edition {
            let editions = root.channels.entry(channel.to_string()).or_default();
            if !editions.contains(&edition) {
                editions.push(edition);
                editions.sort_by_key(|e| e.sequence);
            }
        }
        // Only root-signed times move the reader's now: an edition's time is its signing
        // key's word, and a thief with a key could date one in 2200.
        advance_time(state, signer.newest_issued);
        serde_json::to_vec(state).unwrap_or_default() != before
    }

    /// Verifies a standalone statement file (a revocation, a certificate, a rotation passed
    /// around alone) against the trusted roots. Returns the root and what it says.
    pub fn check_statement_file(
        &self,
        credentials: &Credentials,
    ) -> Result<StatementFile, CertifiedError> {
        if credentials.roots.is_empty() {
            // No chain: try each trusted root as it is known.
            let mut last = CertifiedError::UntrustedRoot {
                fingerprint: "none: it carries no root".into(),
            };
            for known in &self.roots {
                let mut with_chain = credentials.clone();
                with_chain.roots = vec![known.chain.versions()[0].statement.clone()];
                match self.check_statement_file(&with_chain) {
                    Ok(found) => return Ok(found),
                    Err(error) => last = error,
                }
            }
            return Err(last);
        }
        let Checked {
            root_index,
            chain,
            carried,
            revocations,
            certificates,
            newest_issued,
        } = self.check_credentials(credentials)?;
        let added_versions = chain.versions().len() - self.roots[root_index].chain.versions().len();
        Ok(StatementFile {
            signer: CertifiedSigner {
                root_index,
                key: chain.newest().editors[0].clone(),
                certificate: certificates.first().cloned().unwrap_or(Certificate {
                    key: chain.newest().editors[0].to_bytes(),
                    key_name: String::new(),
                    channels: Vec::new(),
                    valid_from: chain.newest().issued,
                    valid_until: chain.newest().issued,
                    cadence_hours: 0,
                    issued: chain.newest().issued,
                }),
                all_certificates: certificates.clone(),
                chain,
                carried,
                carried_revocations: revocations.clone(),
                newest_issued,
            },
            revocations,
            certificates,
            added_versions,
        })
    }

    /// Accepted editions (of every trusted root) that the revocations known now refuse:
    /// `(root name, channel, sequence, reason)`.
    pub fn refused_editions(&self) -> Vec<(String, String, u64, String)> {
        let mut refused = Vec::new();
        for known in &self.roots {
            let revocations: Vec<Revocation> =
                known.revocations.iter().map(|(_, r)| r.clone()).collect();
            for (channel, editions) in &known.channels {
                for edition in editions {
                    if let Some(revocation) = revocations
                        .iter()
                        .find(|r| refused_by(std::slice::from_ref(*r), edition, channel))
                    {
                        refused.push((
                            known.chain.name().to_string(),
                            channel.clone(),
                            edition.sequence,
                            revocation.reason.clone(),
                        ));
                    }
                }
            }
        }
        refused
    }

    /// The certificates of every trusted root, for `status`.
    pub fn certificate_for_key(&self, key_hex: &str) -> Option<(&KnownRoot, &Certificate)> {
        self.roots.iter().find_map(|known| {
            known
                .certificates
                .iter()
                .find(|(_, c)| crate::authority::hex_of(&c.key) == key_hex)
                .map(|(_, c)| (known, c))
        })
    }
}

/// A credentials block checked against a trusted root.
struct Checked {
    root_index: usize,
    chain: RootChain,
    carried: Vec<(Vec<u8>, StatementKind)>,
    revocations: Vec<Revocation>,
    certificates: Vec<Certificate>,
    newest_issued: Option<time::OffsetDateTime>,
}

/// How fresh the newest edition of one channel is.
#[derive(Debug, Clone)]
pub struct Freshness {
    /// The publisher's name.
    pub publisher: String,
    /// The root's fingerprint.
    pub root_fingerprint: String,
    /// The channel.
    pub channel: String,
    /// Its newest accepted edition not refused by a revocation.
    pub newest: AcceptedEdition,
    /// The declared cadence in hours, 0 when none.
    pub cadence_hours: u64,
    /// Hours since the newest edition was made, by the reader's now.
    pub age_hours: u64,
    /// True when editions seem held back: older than twice the cadence, and a day more than it.
    pub stale: bool,
    /// One sentence for people.
    pub message: String,
}

fn human_age(hours: u64) -> String {
    let count = |n: u64, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    match hours {
        0..=47 => count(hours, "hour"),
        _ => count(hours / 24, "day"),
    }
}

fn cadence_words(hours: u64) -> String {
    match hours {
        1 => "every hour".into(),
        24 => "daily".into(),
        168 => "weekly".into(),
        n => format!("every {n} hours"),
    }
}

impl Authority {
    /// Per trusted root and channel, the newest edition and whether editions seem withheld.
    pub fn freshness(&self) -> Vec<Freshness> {
        let now = self.now();
        let mut out = Vec::new();
        for known in &self.roots {
            let publisher = known.chain.name().to_string();
            for (channel, newest, cadence) in known.newest_per_channel() {
                let created = crate::format::manifest::parse_created(&newest.created);
                let age_hours = created.map_or(0, |at| (now - at).whole_hours().max(0) as u64);
                let stale = cadence > 0
                    && age_hours > cadence.saturating_mul(2).max(cadence.saturating_add(24));
                let age = human_age(age_hours);
                let message = if stale {
                    format!(
                        "the newest edition of {channel} is {age} old; {publisher} usually publishes {}; your source may be holding editions back",
                        cadence_words(cadence)
                    )
                } else {
                    format!(
                        "the newest edition of {channel} (#{}) is {age} old",
                        newest.sequence
                    )
                };
                out.push(Freshness {
                    publisher: publisher.clone(),
                    root_fingerprint: known.chain.fingerprint(),
                    channel,
                    newest,
                    cadence_hours: cadence,
                    age_hours,
                    stale,
                    message,
                });
            }
        }
        out
    }

    /// Certificates of trusted roots that have expired by the reader's now, as sentences.
    pub fn expired_certificates(&self) -> Vec<String> {
        let now = self.now();
        let mut out = Vec::new();
        for known in &self.roots {
            for (_, certificate) in &known.certificates {
                if now > certificate.valid_until {
                    out.push(format!(
                        "the certificate of {} from {} expired on {}",
                        certificate.key_name,
                        known.chain.name(),
                        date_of(certificate.valid_until)
                    ));
                }
            }
        }
        out
    }
}

/// What a standalone statement file says, once verified.
#[derive(Debug, Clone)]
pub struct StatementFile {
    /// What to learn from it.
    pub signer: CertifiedSigner,
    /// Its revocations.
    pub revocations: Vec<Revocation>,
    /// Its certificates.
    pub certificates: Vec<Certificate>,
    /// Root versions it adds to what the reader knew.
    pub added_versions: usize,
}

impl KnownRoot {
    fn remember(&mut self, statement: &SignedStatement) {
        let bytes = statement.to_bytes();
        match statement.kind() {
            StatementKind::Certificate => {
                // Verified when it was learnt, by the newest version then: after a rotation it
                // is still good, so it is checked against each version the chain has had.
                let verified =
                    by_any_version(&self.chain, |then| then.verify_certificate(statement));
                if let Some(certificate) = verified
                    && !self.certificates.iter().any(|(b, _)| *b == bytes)
                {
                    self.certificates.push((bytes, certificate));
                }
            }
            StatementKind::Revocation => {
                // As for certificates: verified by the newest version when it was learnt.
                let verified =
                    by_any_version(&self.chain, |then| then.verify_revocation(statement));
                if let Some(revocation) = verified
                    && !self.revocations.iter().any(|(b, _)| *b == bytes)
                {
                    self.revocations.push((bytes, revocation));
                }
            }
            StatementKind::Root => {}
        }
    }

    /// The newest edition accepted per channel that no known revocation refuses, with the
    /// cadence its key's certificate declares (0 when none).
    pub fn newest_per_channel(&self) -> Vec<(String, AcceptedEdition, u64)> {
        let revocations: Vec<Revocation> =
            self.revocations.iter().map(|(_, r)| r.clone()).collect();
        let mut out = Vec::new();
        for (channel, editions) in &self.channels {
            if let Some(newest) = editions
                .iter()
                .filter(|edition| !refused_by(&revocations, edition, channel))
                .max_by_key(|edition| edition.sequence)
            {
                let cadence = self
                    .certificates
                    .iter()
                    .find(|(_, c)| crate::authority::hex_of(&c.key) == newest.key)
                    .map_or(0, |(_, c)| c.cadence_hours);
                out.push((channel.clone(), newest.clone(), cadence));
            }
        }
        out
    }
}

/// What `verify` accepts of `chain` as it stood at any of its versions (the chain truncated
/// there), trying the oldest first.
fn by_any_version<T>(
    chain: &RootChain,
    verify: impl Fn(&RootChain) -> Result<T, AuthorityError>,
) -> Option<T> {
    (1..=chain.versions.len()).find_map(|count| {
        let mut then = chain.clone();
        then.versions.truncate(count);
        verify(&then).ok()
    })
}

fn refused_by(revocations: &[Revocation], edition: &AcceptedEdition, channel: &str) -> bool {
    revocations.iter().any(|revocation| {
        crate::authority::hex_of(&revocation.key) == edition.key
            && revocation
                .refused_from(channel)
                .is_some_and(|from| edition.sequence >= from)
    })
}

fn learn_chain(root: &mut RootState, chain: &RootChain) {
    let later: Vec<String> = chain.versions()[1..]
        .iter()
        .map(|version| encode(&version.bytes))
        .collect();
    if later.len() > root.chain.len() {
        root.chain = later;
    }
}

fn advance_time(state: &mut StateFile, at: Option<time::OffsetDateTime>) {
    let Some(at) = at else { return };
    let known = state
        .newest_signed_time
        .as_deref()
        .and_then(crate::format::manifest::parse_created);
    if known.is_none_or(|known| at > known) {
        state.newest_signed_time = Some(crate::format::manifest::format_created(at));
    }
}

fn fingerprint_of(anchor: &[u8]) -> String {
    let id = crate::authority::root_id(anchor);
    let text = data_encoding::BASE32_NOPAD.encode(&id.0[..15]);
    let groups: Vec<&str> = (0..text.len())
        .step_by(4)
        .map(|at| &text[at..at + 4])
        .collect();
    groups.join("-")
}

/// SHA-256 of a signed manifest's JSON, in hex: what tells two editions under one number
/// apart (one edition repacked with more statements carried keeps it).
pub fn manifest_sha256(manifest_json: &[u8]) -> String {
    Sha256Digest::of(manifest_json).to_hex()
}
