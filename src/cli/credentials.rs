//! The publisher's commands for roots and signing keys: `keygen --root`, `certify`, `revoke`,
//! `rotate-root` and `cosign`. Each calls `authority::publisher` and prints what it made.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use age::secrecy::ExposeSecret;

use crate::authority::CertificateRequest;
use crate::authority::publisher::{self, Signatures};
use crate::cli::error::{Error, Verdict};
use crate::cli::read_passphrase;
use crate::cli::reader::{print, say};
use crate::format::statement::Credentials;
use crate::keys::{KeyError, PublicKey, SecretKey};

/// Loads a secret key, asking for its passphrase (or reading `passphrase_file`).
pub fn load_secret(path: &Path, passphrase_file: Option<&Path>) -> Result<SecretKey, Error> {
    match SecretKey::load(path, &mut || read_passphrase(passphrase_file, path, false)) {
        Ok(secret) => Ok(secret),
        Err(KeyError::WrongPassphrase { path }) => match passphrase_file {
            Some(file) => Err(KeyError::PassphraseFileWrong {
                file: file.to_path_buf(),
                key: path,
            }
            .into()),
            None => Err(KeyError::WrongPassphrase { path }.into()),
        },
        Err(error) => Err(error.into()),
    }
}

fn load_secrets(
    paths: &[PathBuf],
    passphrase_file: Option<&Path>,
) -> Result<Vec<SecretKey>, Error> {
    paths
        .iter()
        .map(|path| load_secret(path, passphrase_file))
        .collect()
}

/// The chain file a root key belongs to: `--chain` if given, else beside the first root key,
/// named as it is without `.key` (and without `-editor-N`), with `.chain`.
fn chain_path(chain: Option<&Path>, root_keys: &[PathBuf]) -> Result<PathBuf, Error> {
    if let Some(chain) = chain {
        return Ok(chain.to_path_buf());
    }
    let first = root_keys
        .first()
        .ok_or_else(|| Error::Usage("give at least one --root-key".into()))?;
    let stem = first
        .file_stem()
        .map(|stem| stem.to_string_lossy().to_string())
        .unwrap_or_default();
    let stem = match stem.rsplit_once("-editor-") {
        Some((base, number)) if number.chars().all(|c| c.is_ascii_digit()) => base.to_string(),
        _ => stem,
    };
    Ok(first.with_file_name(format!("{stem}.chain")))
}

fn say_signatures(what: &str, out: &Path, signatures: &[Signatures]) -> Result<(), Error> {
    let missing = signatures
        .iter()
        .map(|s| s.needed.saturating_sub(s.valid))
        .max()
        .unwrap_or(0);
    if missing == 0 {
        print(format_args!("{what}: {} (complete)", out.display()))?;
    } else {
        print(format_args!(
            "{what}: {} needs {} more editor signature{}",
            out.display(),
            missing,
            if missing == 1 { "" } else { "s" }
        ))?;
        say(format_args!(
            "  on each other editor's machine: tamizdat-publish cosign {} --secret-key EDITOR.key",
            out.display()
        ))?;
    }
    Ok(())
}

/// A passphrase for new secret keys, asked twice at a terminal, at least 10 characters.
pub(crate) fn new_passphrase(
    passphrase_file: Option<&Path>,
    first_key: &Path,
) -> Result<age::secrecy::SecretString, Error> {
    let passphrase = read_passphrase(passphrase_file, first_key, true)?;
    let chars = passphrase.expose_secret().chars().count();
    if chars == 0 {
        return Err(Error::EmptyPassphrase);
    }
    if chars < crate::keys::MIN_PASSPHRASE_CHARS {
        return Err(Error::PassphraseTooShort {
            chars,
            file: passphrase_file.map(Path::to_path_buf),
        });
    }
    Ok(passphrase)
}

/// What `keygen --root` was asked.
pub struct RootRequest {
    /// The publisher's name.
    pub name: String,
    /// The root file for readers.
    pub root_file: PathBuf,
    /// The editor key (or the pattern for several).
    pub secret_key: PathBuf,
    /// How many editors.
    pub editors: usize,
    /// How many must sign.
    pub threshold: usize,
    /// Write the keys without a passphrase.
    pub unencrypted: bool,
    /// The passphrase's file.
    pub passphrase_file: Option<PathBuf>,
    /// When version 1 is signed.
    pub issued: time::OffsetDateTime,
}

/// `tamizdat-publish keygen --root`: a root of `editors` keys, `threshold` of which must sign,
/// all made here. Writes the editors' secret keys, the root file for readers and the chain file.
pub fn keygen_root(request: RootRequest) -> Result<Verdict, Error> {
    let RootRequest {
        name,
        root_file,
        secret_key,
        editors,
        threshold,
        unencrypted,
        passphrase_file,
        issued,
    } = request;
    let (name, root_file, secret_key) = (name.as_str(), root_file.as_path(), secret_key.as_path());
    let passphrase_file = passphrase_file.as_deref();
    if editors == 0
        || editors > crate::authority::MAX_EDITORS
        || threshold == 0
        || threshold > editors
    {
        return Err(Error::Usage(format!(
            "a root needs 1 to 255 editors and a threshold between 1 and the number of editors (got {editors} editors, threshold {threshold})"
        )));
    }
    let key_paths: Vec<PathBuf> = if editors == 1 {
        vec![secret_key.to_path_buf()]
    } else {
        let stem = secret_key
            .file_stem()
            .map(|s| s.to_string_lossy().to_string())
            .unwrap_or_else(|| "root".into());
        (1..=editors)
            .map(|n| secret_key.with_file_name(format!("{stem}-editor-{n}.key")))
            .collect()
    };
    let chain_file = chain_path(None, &[secret_key.to_path_buf()])?;
    let public_paths: Vec<PathBuf> = if editors > 1 {
        key_paths.iter().map(|p| p.with_extension("pub")).collect()
    } else {
        Vec::new()
    };
    for path in key_paths
        .iter()
        .chain(&public_paths)
        .chain([&root_file.to_path_buf(), &chain_file])
    {
        if std::fs::symlink_metadata(path).is_ok() {
            return Err(KeyError::AlreadyExists { path: path.clone() }.into());
        }
    }
    let passphrase = if unencrypted {
        None
    } else {
        Some(new_passphrase(passphrase_file, &key_paths[0])?)
    };
    let secrets: Vec<SecretKey> = (1..=editors)
        .map(|n| {
            SecretKey::generate(&if editors == 1 {
                format!("{name} root")
            } else {
                format!("{name} editor {n}")
            })
        })
        .collect::<Result<_, _>>()?;
    let publics: Vec<PublicKey> = secrets.iter().map(SecretKey::public).collect();
    let signers: Vec<&SecretKey> = secrets.iter().collect();
    let (credentials, _) = publisher::new_root(name, &publics, threshold as u64, &signers, issued)?;
    let root = publisher::root_file(&credentials, &chain_file)?;
    for (secret, path) in secrets.iter().zip(&key_paths) {
        secret.save(path, passphrase.clone(), None)?;
        // Each editor's public key, for a later rotate-root --editor (one editor's public
        // key is the root file's business).
        if editors > 1 {
            crate::keys::write_new_file(
                &path.with_extension("pub"),
                secret.public().to_file_text().as_bytes(),
                0o644,
            )?;
        }
    }
    crate::keys::write_new_file(root_file, root.to_file_text().as_bytes(), 0o644)?;
    publisher::write_credentials(&chain_file, &credentials, false)?;
    print(format_args!(
        "created the root of {name}, fingerprint {}",
        root.chain.fingerprint()
    ))?;
    say(format_args!(
        "  root file: {} (give this to readers: tamizdat trust add {})",
        root_file.display(),
        root_file.display()
    ))?;
    say(format_args!(
        "  chain: {} (carried in every bundle; rotate-root extends it)",
        chain_file.display()
    ))?;
    for path in &key_paths {
        say(format_args!(
            "  editor key: {} (mode 0600; keep it OFFLINE, away from the build server)",
            path.display()
        ))?;
    }
    for path in &public_paths {
        say(format_args!(
            "  editor public key: {} (for a later rotate-root --editor)",
            path.display()
        ))?;
    }
    if editors > 1 {
        say(format_args!(
            "  {threshold} of the {editors} editors must sign each certificate, revocation and rotation: give each editor their own key"
        ))?;
    }
    say(format_args!(
        "  next: make a signing key with keygen, then certify it with certify --root-key"
    ))?;
    Ok(Verdict::Ok)
}

/// Parses `daily`, `weekly`, `Nh` or `N` (hours).
pub fn parse_cadence(text: &str) -> Result<u64, Error> {
    let text = text.trim().to_ascii_lowercase();
    let hours = match text.as_str() {
        "daily" => Some(24),
        "weekly" => Some(168),
        "hourly" => Some(1),
        other => other.trim_end_matches('h').parse::<u64>().ok(),
    };
    hours.filter(|h| (1..=24 * 366).contains(h)).ok_or_else(|| {
        Error::Usage(format!(
            "--cadence {text:?} is not daily, weekly or a number of hours (1 to 8784)"
        ))
    })
}

/// A date as 2027-12-01 (its midnight, UTC), or any time `--time` accepts.
fn parse_date(text: &str) -> Result<time::OffsetDateTime, Error> {
    let text = text.trim();
    if text.len() == 10 {
        return Ok(crate::cli::parse_time(&format!("{text}T00:00:00Z"))?);
    }
    Ok(crate::cli::parse_time(text)?)
}

/// What `certify` was asked.
#[derive(Debug, clap::Args)]
pub struct CertifyRequest {
    /// An editor's secret root key (repeat for several editors on this machine).
    #[arg(long = "root-key", required = true)]
    pub root_keys: Vec<PathBuf>,
    /// The root's chain file (default: ROOT.chain beside the first root key).
    #[arg(long)]
    pub chain: Option<PathBuf>,
    /// The signing key's public key file.
    #[arg(long = "public-key")]
    pub public_key: PathBuf,
    /// Channels it may sign: names, or prefixes ending in * (news-ru*); comma-separated or
    /// repeated.
    #[arg(long, required = true)]
    pub channels: Vec<String>,
    /// Start of validity (default: now): a later date pre-announces the next key.
    #[arg(long)]
    pub from: Option<String>,
    /// End of validity (default: a year after the start). Past it readers see a warning.
    #[arg(long)]
    pub until: Option<String>,
    /// How often the publisher usually publishes: daily, weekly, or hours (36h). Readers
    /// are warned when editions stop coming.
    #[arg(long)]
    pub cadence: Option<String>,
    /// The certificate file to write.
    #[arg(long)]
    pub out: PathBuf,
    /// Signing time (default: SOURCE_DATE_EPOCH, else now).
    #[arg(long)]
    pub time: Option<String>,
    /// Read the root keys' passphrase from the first line of this file.
    #[arg(long = "passphrase-file")]
    pub passphrase_file: Option<PathBuf>,
}

/// `tamizdat-publish certify`.
pub fn certify(request: CertifyRequest) -> Result<Verdict, Error> {
    let issued = crate::cli::publisher::creation_time(request.time.as_deref())?;
    let chain_file = chain_path(request.chain.as_deref(), &request.root_keys)?;
    let chain = publisher::read_chain(&chain_file)?;
    let key = PublicKey::load(&request.public_key)?;
    let channels: Vec<String> = request
        .channels
        .iter()
        .flat_map(|c| c.split(','))
        .map(|c| c.trim().to_string())
        .filter(|c| !c.is_empty())
        .collect();
    if channels.is_empty() {
        return Err(Error::Usage(
            "give the channels the key may sign with --channels, e.g. 'news-ru*'".into(),
        ));
    }
    let valid_from = match &request.from {
        Some(text) => parse_date(text)?,
        None => issued,
    };
    let valid_until = match &request.until {
        Some(text) => parse_date(text)?,
        None => valid_from + time::Duration::days(365),
    };
    let cadence_hours = match &request.cadence {
        Some(text) => parse_cadence(text)?,
        None => 0,
    };
    let secrets = load_secrets(&request.root_keys, request.passphrase_file.as_deref())?;
    let signers: Vec<&SecretKey> = secrets.iter().collect();
    let (credentials, signatures) = publisher::certify(
        &chain,
        &CertificateRequest {
            key: &key,
            channels: channels.clone(),
            valid_from,
            valid_until,
            cadence_hours,
            issued,
        },
        &signers,
    )?;
    // Checked as a reader will check it, so a mistake shows here and not on readers' devices.
    if signatures.complete() {
        chain
            .verify_certificate(&credentials.others[0])
            .map_err(|source| publisher::IssueError::Authority {
                path: request.out.clone(),
                source,
            })?;
    }
    publisher::write_credentials(&request.out, &credentials, false)?;
    say_signatures("certificate", &request.out, &[signatures])?;
    say(format_args!(
        "  {} ({}) may sign {} for {}, from {} until {}",
        key.name(),
        key.fingerprint(),
        channels.join(", "),
        chain.name(),
        crate::format::manifest::format_created(valid_from),
        crate::format::manifest::format_created(valid_until)
    ))?;
    say(format_args!(
        "  pack with: tamizdat-publish pack DIR --secret-key SIGNING.key --certificate {} ...",
        request.out.display()
    ))?;
    Ok(Verdict::Ok)
}

/// What `revoke` was asked.
#[derive(Debug, clap::Args)]
pub struct RevokeRequest {
    /// An editor's secret root key (repeat for several editors on this machine).
    #[arg(long = "root-key", required = true)]
    pub root_keys: Vec<PathBuf>,
    /// The root's chain file (default: ROOT.chain beside the first root key).
    #[arg(long)]
    pub chain: Option<PathBuf>,
    /// The revoked signing key's public key file.
    #[arg(long)]
    pub key: PathBuf,
    /// CHANNEL=NUMBER: editions of CHANNEL numbered NUMBER or higher signed by the key are
    /// refused (*=NUMBER for every channel); comma-separated or repeated.
    #[arg(long = "from-sequence", required = true)]
    pub from_sequence: Vec<String>,
    /// Why, in a few words readers will see ("laptop seized").
    #[arg(long)]
    pub reason: String,
    /// The revocation file to write.
    #[arg(long)]
    pub out: PathBuf,
    /// Signing time (default: SOURCE_DATE_EPOCH, else now).
    #[arg(long)]
    pub time: Option<String>,
    /// Read the root keys' passphrase from the first line of this file.
    #[arg(long = "passphrase-file")]
    pub passphrase_file: Option<PathBuf>,
}

/// `tamizdat-publish revoke`.
pub fn revoke(request: RevokeRequest) -> Result<Verdict, Error> {
    let issued = crate::cli::publisher::creation_time(request.time.as_deref())?;
    let chain_file = chain_path(request.chain.as_deref(), &request.root_keys)?;
    let chain = publisher::read_chain(&chain_file)?;
    let key = PublicKey::load(&request.key)?;
    let mut from_sequence = BTreeMap::new();
    for item in request.from_sequence.iter().flat_map(|s| s.split(',')) {
        let (channel, sequence) = item
            .split_once('=')
            .and_then(|(c, n)| Some((c.trim().to_string(), n.trim().parse::<u64>().ok()?)))
            .ok_or_else(|| {
                Error::Usage(format!(
                    "--from-sequence {item:?} is not CHANNEL=NUMBER (news-ru=143, or *=0 for every channel)"
                ))
            })?;
        from_sequence.insert(channel, sequence);
    }
    if from_sequence.is_empty() {
        return Err(Error::Usage(
            "give --from-sequence CHANNEL=NUMBER: editions from that number on are refused".into(),
        ));
    }
    let secrets = load_secrets(&request.root_keys, request.passphrase_file.as_deref())?;
    let signers: Vec<&SecretKey> = secrets.iter().collect();
    let (credentials, signatures) = publisher::revoke(
        &chain,
        &key,
        from_sequence.clone(),
        &request.reason,
        issued,
        &signers,
    )?;
    if signatures.complete() {
        chain
            .verify_revocation(&credentials.others[0])
            .map_err(|source| publisher::IssueError::Authority {
                path: request.out.clone(),
                source,
            })?;
    }
    publisher::write_credentials(&request.out, &credentials, false)?;
    say_signatures("revocation", &request.out, &[signatures])?;
    say(format_args!(
        "  {} ({}) revoked from {}",
        key.name(),
        key.fingerprint(),
        from_sequence
            .iter()
            .map(|(c, n)| format!("{c} {n}"))
            .collect::<Vec<_>>()
            .join(", ")
    ))?;
    say(format_args!(
        "  spread it: put it in the folder given to pack --statements, and pass the file itself around; readers run tamizdat verify {}",
        request.out.display()
    ))?;
    Ok(Verdict::Ok)
}

/// What `rotate-root` was asked.
#[derive(Debug, clap::Args)]
pub struct RotateRequest {
    /// Secret keys of editors on this machine, current or new (repeat).
    #[arg(long = "root-key", required = true)]
    pub root_keys: Vec<PathBuf>,
    /// The root's chain file (default: ROOT.chain beside the first root key).
    #[arg(long)]
    pub chain: Option<PathBuf>,
    /// A public key file of an editor of the new version (repeat for each).
    #[arg(long = "editor", required = true)]
    pub editors: Vec<PathBuf>,
    /// How many of the new editors must sign root statements.
    #[arg(long, default_value_t = 1)]
    pub threshold: usize,
    /// The publisher's name, if it changes.
    #[arg(long)]
    pub name: Option<String>,
    /// The new chain file (may be the old one, which is then replaced).
    #[arg(long)]
    pub out: PathBuf,
    /// Signing time (default: SOURCE_DATE_EPOCH, else now).
    #[arg(long)]
    pub time: Option<String>,
    /// Read the keys' passphrase from the first line of this file.
    #[arg(long = "passphrase-file")]
    pub passphrase_file: Option<PathBuf>,
}

/// `tamizdat-publish rotate-root`.
pub fn rotate_root(request: RotateRequest) -> Result<Verdict, Error> {
    let issued = crate::cli::publisher::creation_time(request.time.as_deref())?;
    let chain_file = chain_path(request.chain.as_deref(), &request.root_keys)?;
    let chain = publisher::read_chain(&chain_file)?;
    let editors: Vec<PublicKey> = request
        .editors
        .iter()
        .map(|path| PublicKey::load(path))
        .collect::<Result<_, _>>()?;
    if editors.is_empty() || request.threshold == 0 || request.threshold > editors.len() {
        return Err(Error::Usage(format!(
            "give the new editors with --editor (at least one) and a --threshold between 1 and their number (got {} editors, threshold {})",
            editors.len(),
            request.threshold
        )));
    }
    let secrets = load_secrets(&request.root_keys, request.passphrase_file.as_deref())?;
    let signers: Vec<&SecretKey> = secrets.iter().collect();
    let name = request.name.unwrap_or_else(|| chain.name().to_string());
    let (credentials, old, new) = publisher::rotate(
        &chain,
        &name,
        &editors,
        request.threshold as u64,
        issued,
        &signers,
    )?;
    publisher::write_credentials(&request.out, &credentials, request.out == chain_file)?;
    say_signatures(
        &format!("root version {}", chain.newest().version + 1),
        &request.out,
        &[old, new],
    )?;
    say(format_args!(
        "  it needs {} signatures of the current editors and {} of the new ones; certificates must be issued again under the new version",
        old.needed, new.needed
    ))?;
    Ok(Verdict::Ok)
}

/// `tamizdat-publish cosign FILE --secret-key EDITOR.key`: adds one editor's signature, after
/// showing what the statement says and checking that it belongs to this editor's own root: an
/// editor asked to sign "the build certificate" must see that it names the key and channels
/// they expect, since one stolen editor key and a plausible request would otherwise beat the
/// threshold.
/// What `tamizdat-publish cosign` was given.
#[derive(Debug, clap::Args)]
pub struct CosignRequest {
    /// The statement file (rewritten in place).
    pub file: PathBuf,
    /// This editor's secret root key.
    #[arg(long = "secret-key")]
    pub secret_key: PathBuf,
    /// This editor's copy of the root's chain, to check the statement is of this root
    /// (default: ROOT.chain beside the secret key).
    #[arg(long)]
    pub chain: Option<PathBuf>,
    /// Sign without asking (for scripts): what is signed is still printed.
    #[arg(long)]
    pub yes: bool,
    /// Read the key's passphrase from the first line of this file.
    #[arg(long = "passphrase-file")]
    pub passphrase_file: Option<PathBuf>,
}

/// `tamizdat-publish cosign`.
pub fn cosign(request: CosignRequest) -> Result<Verdict, Error> {
    let CosignRequest {
        file,
        secret_key,
        chain,
        yes,
        passphrase_file,
    } = request;
    let (file, secret_key, chain, passphrase_file) = (
        file.as_path(),
        secret_key.as_path(),
        chain.as_deref(),
        passphrase_file.as_deref(),
    );
    use std::io::IsTerminal;
    let mut credentials: Credentials = publisher::read_credentials(file)?;
    let own_chain = chain_path(chain, &[secret_key.to_path_buf()])?;
    if own_chain.exists() || chain.is_some() {
        let own = publisher::read_credentials(&own_chain)?;
        let same_root = match (own.roots.first(), credentials.roots.first()) {
            (Some(a), Some(b)) => a.to_bytes() == b.to_bytes(),
            _ => false,
        };
        if !same_root {
            return Err(Error::Usage(format!(
                "{} is not a statement of your root (its chain does not start with the root in {}); do not sign it",
                file.display(),
                own_chain.display()
            )));
        }
        // A certificate or revocation made before a rotation is signed again by the editors
        // of the newest version: it then carries the newer chain, which they belong to.
        if !credentials.others.is_empty() && own.roots.len() > credentials.roots.len() {
            publisher::chain_of(&own, &own_chain)?;
            let mut older = publisher::chain_of(
                &Credentials {
                    roots: credentials.roots.clone(),
                    others: Vec::new(),
                },
                file,
            )?;
            older
                .catch_up(&own.roots)
                .map_err(|source| publisher::IssueError::Authority {
                    path: own_chain.clone(),
                    source,
                })?;
            credentials.roots = own.roots.clone();
        }
    } else {
        crate::cli::to_stderr(format_args!(
            "tamizdat-publish: warning: no chain file {} to check that {} belongs to your root; give it with --chain",
            own_chain.display(),
            file.display()
        ));
    }
    for line in publisher::describe_for_signing(&credentials, file)? {
        print(format_args!("{line}"))?;
    }
    if !yes {
        if !std::io::stdin().is_terminal() {
            return Err(Error::Usage(
                "read what you are about to sign above; to sign without a question (in a script), pass --yes".into(),
            ));
        }
        eprint!("Sign this with your editor key? Type yes to sign: ");
        let mut answer = String::new();
        std::io::stdin()
            .read_line(&mut answer)
            .map_err(|source| Error::Io {
                context: "cannot read the answer".into(),
                source,
            })?;
        if answer.trim() != "yes" {
            print(format_args!("not signed"))?;
            return Ok(Verdict::Failed);
        }
    }
    let secret = load_secret(secret_key, passphrase_file)?;
    let (kind, signatures) = publisher::cosign(&mut credentials, file, &secret)?;
    publisher::write_credentials(file, &credentials, true)?;
    say_signatures(
        &format!("signed the {} as {}", kind.noun(), secret.name()),
        file,
        &signatures,
    )?;
    Ok(Verdict::Ok)
}
