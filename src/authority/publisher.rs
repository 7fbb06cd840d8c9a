//! The publisher's side: make a root, certify and revoke signing keys, rotate the root, and
//! collect editors' signatures one machine at a time. Every statement travels as a credentials
//! file (`TZCREDS1`, FORMAT.md section 10): the root chain, then the statement, so a reader
//! years behind can verify it alone.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::authority::root_file::RootFile;
use crate::authority::{
    AuthorityError, CertificateRequest, RootChain, certificate_statement, revocation_statement,
    root_statement, sign,
};
use crate::format::statement::{Credentials, SignedStatement, StatementError, StatementKind};
use crate::keys::{PublicKey, SecretKey};

/// Largest credentials file read: a full chain of 256 versions and thousands of statements
/// fit; anything larger is refused before it is read whole.
pub const MAX_CREDENTIALS_FILE_LEN: u64 = 16 * 1024 * 1024;

/// Why a publisher's statement could not be made.
#[derive(Debug, thiserror::Error)]
pub enum IssueError {
    /// A credentials file cannot be read.
    #[error("cannot read {}: {}", .path.display(), crate::fs::plainly(.source))]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A credentials file cannot be written.
    #[error("cannot write {}: {}", .path.display(), crate::fs::plainly(.source))]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A file is not a credentials file.
    #[error("{} is not a tamizdat credentials file: {source}", .path.display())]
    NotCredentials {
        /// The file.
        path: PathBuf,
        /// Why.
        source: StatementError,
    },
    /// The chain or a statement does not verify.
    #[error("{}: {source}", .path.display())]
    Authority {
        /// The file.
        path: PathBuf,
        /// Why.
        source: AuthorityError,
    },
    /// A file carries no root chain.
    #[error("{} carries no root chain", .path.display())]
    NoChain {
        /// The file.
        path: PathBuf,
    },
    /// None of the keys given is an editor of the root.
    #[error("{key} is not an editor of the root {root}")]
    NotAnEditor {
        /// The key's name and fingerprint.
        key: String,
        /// The root's name.
        root: String,
    },
    /// The statement cannot be made.
    #[error("{0}")]
    Statement(AuthorityError),
    /// A file already exists where a new one would go.
    #[error("{} already exists; choose another name or move it away", .path.display())]
    Exists {
        /// The file.
        path: PathBuf,
    },
}

/// Reads a credentials file.
pub fn read_credentials(path: &Path) -> Result<Credentials, IssueError> {
    use std::io::Read;
    let read = |source| IssueError::Read {
        path: path.to_path_buf(),
        source,
    };
    let file = std::fs::File::open(path).map_err(read)?;
    let mut bytes = Vec::new();
    file.take(MAX_CREDENTIALS_FILE_LEN + 1)
        .read_to_end(&mut bytes)
        .map_err(read)?;
    if bytes.len() as u64 > MAX_CREDENTIALS_FILE_LEN {
        return Err(IssueError::NotCredentials {
            path: path.to_path_buf(),
            source: StatementError::Block("it is larger than 16 MB"),
        });
    }
    Credentials::parse_file(&bytes).map_err(|source| IssueError::NotCredentials {
        path: path.to_path_buf(),
        source,
    })
}

/// Writes a credentials file atomically (replacing it when `replace`).
pub fn write_credentials(
    path: &Path,
    credentials: &Credentials,
    replace: bool,
) -> Result<(), IssueError> {
    let existing = if replace {
        crate::fs::Existing::Replace
    } else {
        crate::fs::Existing::Keep
    };
    crate::fs::write_atomically(path, &credentials.to_file_bytes(), 0o644, existing).map_err(
        |source| {
            if source.kind() == std::io::ErrorKind::AlreadyExists {
                IssueError::Exists {
                    path: path.to_path_buf(),
                }
            } else {
                IssueError::Write {
                    path: path.to_path_buf(),
                    source,
                }
            }
        },
    )
}

/// Reads a chain file and verifies its chain, from its own first version.
pub fn read_chain(path: &Path) -> Result<RootChain, IssueError> {
    chain_of(&read_credentials(path)?, path)
}

/// Verifies the chain a credentials file carries, from its own first version.
pub fn chain_of(credentials: &Credentials, path: &Path) -> Result<RootChain, IssueError> {
    let first = credentials
        .roots
        .first()
        .ok_or_else(|| IssueError::NoChain {
            path: path.to_path_buf(),
        })?;
    let wrap = |source| IssueError::Authority {
        path: path.to_path_buf(),
        source,
    };
    let mut chain = RootChain::from_anchor(first).map_err(wrap)?;
    chain.catch_up(&credentials.roots).map_err(wrap)?;
    Ok(chain)
}

/// How far a statement is from being valid: signatures that verify, and how many are needed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Signatures {
    /// Valid distinct signatures, by the editors that count.
    pub valid: usize,
    /// How many are needed.
    pub needed: usize,
}

impl Signatures {
    /// True when enough editors signed.
    pub fn complete(&self) -> bool {
        self.valid >= self.needed
    }
}

fn count(statement: &SignedStatement, editors: &[PublicKey], needed: usize) -> Signatures {
    Signatures {
        valid: crate::authority::valid_signatures(statement, editors),
        needed,
    }
}

/// The signatures a statement has of those its chain asks for: for a certificate or a
/// revocation, the newest version's; for a new root version, the lower of the two counts
/// (the version before it and its own).
pub fn signatures_of(chain: &RootChain, statement: &SignedStatement) -> Signatures {
    let newest = chain.newest();
    count(statement, &newest.editors, newest.threshold)
}

/// A new root: version 1 of `editors` with `threshold`, signed by `signers` (editors on this
/// machine). Returns the chain file's credentials (fully signed or not) and, when complete,
/// the root file for readers.
pub fn new_root(
    name: &str,
    editors: &[PublicKey],
    threshold: u64,
    signers: &[&SecretKey],
    issued: time::OffsetDateTime,
) -> Result<(Credentials, Signatures), IssueError> {
    let mut statement =
        root_statement(name, 1, threshold, editors, issued).map_err(IssueError::Statement)?;
    for signer in signers {
        sign(&mut statement, signer);
    }
    let signatures = count(&statement, editors, threshold as usize);
    Ok((
        Credentials {
            roots: vec![statement],
            others: Vec::new(),
        },
        signatures,
    ))
}

/// The root file of a complete version 1.
pub fn root_file(credentials: &Credentials, path: &Path) -> Result<RootFile, IssueError> {
    Ok(RootFile {
        chain: chain_of(credentials, path)?.anchor(),
    })
}

/// Signs `statement` with each of `signers` that is an editor of `chain`'s newest version (or,
/// for a new root version, of the version itself too). Refuses a key that is neither.
fn sign_as_editors(
    chain: &RootChain,
    statement: &mut SignedStatement,
    signers: &[&SecretKey],
    also: &[PublicKey],
) -> Result<(), IssueError> {
    for signer in signers {
        let id = signer.public().key_id();
        let is_editor = chain
            .newest()
            .editors
            .iter()
            .chain(also)
            .any(|editor| editor.key_id() == id);
        if !is_editor {
            return Err(IssueError::NotAnEditor {
                key: format!("{} ({})", signer.name(), signer.public().fingerprint()),
                root: chain.name().to_string(),
            });
        }
        sign(statement, signer);
    }
    Ok(())
}

/// A certificate for `request.key` under `chain`, signed by `signers`: the chain, then the
/// certificate, as one credentials file.
pub fn certify(
    chain: &RootChain,
    request: &CertificateRequest<'_>,
    signers: &[&SecretKey],
) -> Result<(Credentials, Signatures), IssueError> {
    let statement = certificate_statement(chain, request).map_err(IssueError::Statement)?;
    signed_by_editors(chain, statement, signers)
}

/// `statement` signed by each of `signers` that is an editor of `chain`'s newest version, as
/// a credentials file: the chain, then the statement.
fn signed_by_editors(
    chain: &RootChain,
    mut statement: SignedStatement,
    signers: &[&SecretKey],
) -> Result<(Credentials, Signatures), IssueError> {
    sign_as_editors(chain, &mut statement, signers, &[])?;
    let signatures = signatures_of(chain, &statement);
    Ok((
        Credentials {
            roots: chain.statements(),
            others: vec![statement],
        },
        signatures,
    ))
}

/// A revocation of `key` from the given sequences, signed by `signers`.
pub fn revoke(
    chain: &RootChain,
    key: &PublicKey,
    from_sequence: BTreeMap<String, u64>,
    reason: &str,
    issued: time::OffsetDateTime,
    signers: &[&SecretKey],
) -> Result<(Credentials, Signatures), IssueError> {
    let statement = revocation_statement(chain, key, from_sequence, reason, issued)
        .map_err(IssueError::Statement)?;
    signed_by_editors(chain, statement, signers)
}

/// The next root version: `editors` with `threshold`, signed by `signers` (editors of the
/// current version, of the new one, or both). Returns the chain with it appended, and the
/// signatures of each side.
pub fn rotate(
    chain: &RootChain,
    name: &str,
    editors: &[PublicKey],
    threshold: u64,
    issued: time::OffsetDateTime,
    signers: &[&SecretKey],
) -> Result<(Credentials, Signatures, Signatures), IssueError> {
    let version = chain.newest().version + 1;
    let mut statement =
        root_statement(name, version, threshold, editors, issued).map_err(IssueError::Statement)?;
    sign_as_editors(chain, &mut statement, signers, editors)?;
    let old = signatures_of(chain, &statement);
    let new = count(&statement, editors, threshold as usize);
    let mut roots = chain.statements();
    roots.push(statement);
    Ok((
        Credentials {
            roots,
            others: Vec::new(),
        },
        old,
        new,
    ))
}

/// What the statement a credentials file is about says, in lines for the editor asked to sign
/// it: read from the body as written, since the editor is about to vouch for exactly that.
pub fn describe_for_signing(
    credentials: &Credentials,
    path: &Path,
) -> Result<Vec<String>, IssueError> {
    let invalid = |source| IssueError::Authority {
        path: path.to_path_buf(),
        source,
    };
    let root_name = credentials
        .roots
        .first()
        .map(|first| crate::authority::read_root_unverified(first).map(|v| v.name))
        .transpose()
        .map_err(invalid)?
        .unwrap_or_default();
    let Some(statement) = credentials.others.last() else {
        let last = credentials
            .roots
            .last()
            .ok_or_else(|| IssueError::NoChain {
                path: path.to_path_buf(),
            })?;
        let version = crate::authority::read_root_unverified(last).map_err(invalid)?;
        let mut lines = vec![format!(
            "root version {} of {}: {} of these {} editors must sign from now on:",
            version.version,
            version.name,
            version.threshold,
            version.editors.len()
        )];
        lines.extend(
            version
                .editors
                .iter()
                .map(|editor| format!("  editor key {}", editor.fingerprint())),
        );
        return Ok(lines);
    };
    crate::authority::describe_unverified(statement, &root_name).map_err(invalid)
}

/// Adds `signer`'s signature to the statement a credentials file is about: its certificate
/// or revocation, else its newest root version. Returns what the statement has now.
pub fn cosign(
    credentials: &mut Credentials,
    path: &Path,
    signer: &SecretKey,
) -> Result<(StatementKind, Vec<Signatures>), IssueError> {
    if let Some(statement) = credentials.others.last_mut() {
        let chain = chain_of(
            &Credentials {
                roots: credentials.roots.clone(),
                others: Vec::new(),
            },
            path,
        )?;
        sign_as_editors(&chain, statement, &[signer], &[])?;
        return Ok((statement.kind(), vec![signatures_of(&chain, statement)]));
    }
    let Some((last, before)) = credentials.roots.split_last_mut() else {
        return Err(IssueError::NoChain {
            path: path.to_path_buf(),
        });
    };
    // The newest version may be unfinished: its editors come from its own body, which is
    // read here only to know whom to ask (the publisher wrote it; readers verify first).
    let version =
        crate::authority::read_root_unverified(last).map_err(|source| IssueError::Authority {
            path: path.to_path_buf(),
            source,
        })?;
    if before.is_empty() {
        sign_as_editors_of(&version.editors, last, signer, &version.name)?;
        let own = count(last, &version.editors, version.threshold);
        return Ok((StatementKind::Root, vec![own]));
    }
    let chain = chain_of(
        &Credentials {
            roots: before.to_vec(),
            others: Vec::new(),
        },
        path,
    )?;
    sign_as_editors(&chain, last, &[signer], &version.editors)?;
    let old = signatures_of(&chain, last);
    let own = count(last, &version.editors, version.threshold);
    Ok((StatementKind::Root, vec![old, own]))
}

fn sign_as_editors_of(
    editors: &[PublicKey],
    statement: &mut SignedStatement,
    signer: &SecretKey,
    root: &str,
) -> Result<(), IssueError> {
    let id = signer.public().key_id();
    if !editors.iter().any(|editor| editor.key_id() == id) {
        return Err(IssueError::NotAnEditor {
            key: format!("{} ({})", signer.name(), signer.public().fingerprint()),
            root: root.to_string(),
        });
    }
    sign(statement, signer);
    Ok(())
}

/// Everything a bundle carries: the newest complete chain among `files`, the certificate of
/// `key`, and every other certificate and revocation found, each verified as a reader will.
pub fn bundle_credentials(
    certificate_file: &Path,
    statement_files: &[PathBuf],
    key: &PublicKey,
) -> Result<Credentials, IssueError> {
    let carried = read_credentials(certificate_file)?;
    let mut chain = chain_of(&carried, certificate_file)?;
    let mut files = Vec::new();
    for path in statement_files {
        let credentials = read_credentials(path)?;
        if credentials.roots.len() > chain.versions().len() {
            let mut longer = chain.clone();
            longer
                .catch_up(&credentials.roots)
                .map_err(|source| IssueError::Authority {
                    path: path.clone(),
                    source,
                })?;
            chain = longer;
        }
        files.push((path.clone(), credentials));
    }
    let roots = chain.statements();
    let mut others: Vec<SignedStatement> = Vec::new();
    let mut found_certificate = false;
    for (path, statement) in carried
        .others
        .iter()
        .map(|s| (certificate_file.to_path_buf(), s))
        .chain(
            files
                .iter()
                .flat_map(|(path, c)| c.others.iter().map(move |s| (path.clone(), s))),
        )
    {
        let wrap = |source| IssueError::Authority {
            path: path.clone(),
            source,
        };
        match statement.kind() {
            StatementKind::Certificate => {
                let certificate = chain.verify_certificate(statement).map_err(wrap)?;
                if certificate.key == key.to_bytes() {
                    found_certificate = true;
                }
            }
            StatementKind::Revocation => {
                chain.verify_revocation(statement).map_err(wrap)?;
            }
            StatementKind::Root => {}
        }
        if !others
            .iter()
            .any(|known| known.to_bytes() == statement.to_bytes())
        {
            others.push(statement.clone());
        }
    }
    if !found_certificate {
        return Err(IssueError::Authority {
            path: certificate_file.to_path_buf(),
            source: AuthorityError::InvalidBody {
                noun: "key certificate",
                problem: format!(
                    "it does not certify the signing key {} ({})",
                    key.name(),
                    key.fingerprint()
                ),
            },
        });
    }
    Ok(Credentials { roots, others })
}
