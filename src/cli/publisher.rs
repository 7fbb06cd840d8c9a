//! The publisher's commands (`tamizdat-publish …`): each calls the library and prints what
//! happened. The binary only parses arguments and calls one of these.

use std::path::{Path, PathBuf};

use crate::cli::error::{Error, Verdict};
use crate::cli::reader::{detail, print, say};
use crate::cli::{ProgressBar, human_bytes, parse_time, read_passphrase, shown};
use crate::keys::{KeyError, SecretKey};
use crate::publish::pack::{PackOptions, pack_edition};

/// What `tamizdat-publish pack` was asked to do.
pub struct PackRequest {
    /// The edition folder to pack.
    pub dir: PathBuf,
    /// The publisher's secret key file, which signs the bundle.
    pub secret_key: PathBuf,
    /// A file holding the key's passphrase; it is asked for on the terminal when absent.
    pub passphrase_file: Option<PathBuf>,
    /// Where the bundle is written.
    pub out: PathBuf,
    /// What to pack and how; `created` comes from [`creation_time`].
    pub options: PackOptions,
    /// The signing key's certificate file (`certify`): the bundle is then certified (format 2)
    /// and carries it with its root chain.
    pub certificate: Option<PathBuf>,
    /// A folder of statement files (revocations, other certificates, newer chains) to carry.
    pub statements: Option<PathBuf>,
}

/// The statement files of `--statements FOLDER`: its regular files not starting with `.`, in
/// order of path (FORMAT.md section 10.8).
pub(crate) fn statement_files(statements: Option<&Path>) -> Result<Vec<PathBuf>, Error> {
    let mut files = Vec::new();
    if let Some(folder) = statements {
        let entries = std::fs::read_dir(folder).map_err(|source| Error::Io {
            context: format!("cannot read the statements folder {}", folder.display()),
            source,
        })?;
        for entry in entries {
            let path = entry
                .map_err(|source| Error::Io {
                    context: format!("cannot read the statements folder {}", folder.display()),
                    source,
                })?
                .path();
            let hidden = path
                .file_name()
                .is_some_and(|name| name.to_string_lossy().starts_with('.'));
            if path.is_file() && !hidden {
                files.push(path);
            }
        }
        files.sort();
    }
    Ok(files)
}

/// The credentials a certified bundle carries, checked as a reader will check them, and the
/// key's scope checked against the channel.
fn credentials_for(
    certificate: &Path,
    statements: Option<&Path>,
    secret: &SecretKey,
    channel: &str,
    sequence: u64,
    created: time::OffsetDateTime,
) -> Result<crate::format::statement::Credentials, Error> {
    let files = statement_files(statements)?;
    let public = secret.public();
    let credentials =
        crate::authority::publisher::bundle_credentials(certificate, &files, &public)?;
    let chain = crate::authority::publisher::chain_of(&credentials, certificate)?;
    let allowed = credentials.others.iter().any(|statement| {
        chain
            .verify_certificate(statement)
            .is_ok_and(|c| c.key == public.to_bytes() && c.allows_channel(channel))
    });
    let revoked = credentials.others.iter().find_map(|statement| {
        chain
            .verify_revocation(statement)
            .ok()
            .filter(|r| r.refuses(&public.to_bytes(), channel, sequence))
    });
    if let Some(revocation) = revoked {
        return Err(Error::Usage(format!(
            "the statements carried revoke {} for {channel} from #{} on (reason: {}), so readers would refuse this edition; sign it with a key that is not revoked",
            public.name(),
            revocation.refused_from(channel).unwrap_or_default(),
            revocation.reason
        )));
    }
    let started = credentials.others.iter().any(|statement| {
        chain.verify_certificate(statement).is_ok_and(|c| {
            c.key == public.to_bytes() && c.allows_channel(channel) && c.valid_from <= created
        })
    });
    if allowed && !started {
        return Err(Error::Usage(format!(
            "the certificate {} lets {} sign {channel} only from a later date than this edition's time ({}); pack it once the certificate has started, or with its own key",
            certificate.display(),
            public.name(),
            crate::format::manifest::format_created(created)
        )));
    }
    if !allowed {
        return Err(Error::Usage(format!(
            "the certificate {} does not let {} sign the channel {channel}; certify the key for it first",
            certificate.display(),
            public.name()
        )));
    }
    Ok(credentials)
}

/// The edition's creation time: `--time` if given, else SOURCE_DATE_EPOCH, else now, in whole
/// seconds (the manifest records no fraction, and packs stay reproducible).
pub fn creation_time(flag: Option<&str>) -> Result<time::OffsetDateTime, Error> {
    let from_environment = std::env::var("SOURCE_DATE_EPOCH").ok();
    let created = match flag.or(from_environment.as_deref()) {
        Some(text) => parse_time(text)?,
        None => time::OffsetDateTime::now_utc(),
    };
    Ok(created
        .replace_nanosecond(0)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH))
}

/// Loads a signing key, asking for its passphrase (or reading it from `passphrase_file`) only
/// when it is encrypted, and warning when a passphrase file was given for a key without one.
pub fn load_signing_key(
    secret_key: &Path,
    passphrase_file: Option<&Path>,
) -> Result<SecretKey, Error> {
    let mut asked = false;
    let loaded = SecretKey::load(secret_key, &mut || {
        asked = true;
        read_passphrase(passphrase_file, secret_key, false)
    });
    let secret = match (loaded, passphrase_file) {
        (Ok(secret), _) => secret,
        // The file comes before TAMIZDAT_PASSPHRASE, so a wrong passphrase is the file's.
        (Err(KeyError::WrongPassphrase { path }), Some(file)) => {
            return Err(KeyError::PassphraseFileWrong {
                file: file.to_path_buf(),
                key: path,
            }
            .into());
        }
        (Err(error), _) => return Err(error.into()),
    };
    if let Some(file) = &passphrase_file
        && !asked
    {
        crate::cli::to_stderr(format_args!(
            "tamizdat-publish: warning: {} is not encrypted, so the passphrase file {} was not read",
            secret_key.display(),
            file.display()
        ));
    }
    Ok(secret)
}

/// `tamizdat-publish pack`.
pub fn pack(request: PackRequest) -> Result<Verdict, Error> {
    let PackRequest {
        dir,
        secret_key,
        passphrase_file,
        out,
        options,
        certificate,
        statements,
    } = request;
    let secret = load_signing_key(&secret_key, passphrase_file.as_deref())?;
    let credentials = match &certificate {
        Some(certificate) => Some(credentials_for(
            certificate,
            statements.as_deref(),
            &secret,
            &options.channel,
            options.sequence,
            options.created,
        )?),
        None if statements.is_some() => {
            return Err(Error::Usage(
                "--statements needs --certificate: only certified bundles carry statements".into(),
            ));
        }
        None => None,
    };
    let progress = ProgressBar::new("packing", false);
    let report = match &credentials {
        Some(credentials) => crate::publish::pack::pack_certified_edition(
            &dir,
            &secret,
            credentials,
            &options,
            &out,
            &progress,
        )?,
        None => pack_edition(&dir, &secret, &options, &out, &progress)?,
    };
    progress.finish();
    for warning in &report.warnings {
        crate::cli::to_stderr(format_args!("tamizdat-publish: warning: {warning}"));
    }
    for warning in &report.edition_warnings {
        crate::cli::to_stderr(format_args!(
            "tamizdat-publish: warning: {}",
            crate::cli::error::with_hint(
                warning.to_string(),
                crate::cli::error::edition_warning_hint(*warning)
            )
        ));
    }
    let manifest = &report.manifest;
    let ratio = report.bytes_in() as f64 / report.bundle_len.max(1) as f64;
    print(format_args!("packed {}", report.output.display()))?;
    say(format_args!(
        "  {}, {}, {} in, {} out ({ratio:.2}x)",
        crate::format::text::count(manifest.articles.len(), "article"),
        crate::format::text::count(manifest.files.len(), "file"),
        human_bytes(report.bytes_in()),
        human_bytes(report.bundle_len)
    ))?;
    say(format_args!(
        "  channel {}, sequence {}, created {}",
        manifest.channel, manifest.sequence, manifest.created
    ))?;
    say(format_args!(
        "  title: {} [{}]",
        manifest.title, manifest.language
    ))?;
    say(format_args!("  sha256 {}", report.bundle_sha256))?;
    say(format_args!(
        "  signed by {} [{}]",
        manifest.publisher.name, report.fingerprint
    ))?;
    for file in &manifest.files {
        detail(format_args!(
            "  file {} ({}, {})",
            shown(file.path.as_str(), 1024),
            human_bytes(file.size),
            shown(&file.media_type, 100)
        ))?;
    }
    if !report.skipped.is_empty() {
        // Named one by one: the newsroom sees exactly what stayed behind.
        say(format_args!(
            "  left out {} hidden {} (pack them with --include-hidden): {}",
            report.skipped.len(),
            if report.skipped.len() == 1 {
                "file or folder"
            } else {
                "files and folders"
            },
            report
                .skipped
                .iter()
                .map(|path| shown(path, 200))
                .collect::<Vec<_>>()
                .join(", ")
        ))?;
    }
    Ok(Verdict::Ok)
}

/// `tamizdat-publish keygen`.
pub fn keygen(
    name: &str,
    public_path: &Path,
    secret_path: &Path,
    unencrypted: bool,
    passphrase_file: Option<&Path>,
) -> Result<Verdict, Error> {
    for path in [public_path, secret_path] {
        if std::fs::symlink_metadata(path).is_ok() {
            return Err(crate::keys::KeyError::AlreadyExists {
                path: path.to_path_buf(),
            }
            .into());
        }
    }
    let secret = SecretKey::generate(name)?;
    let passphrase = if unencrypted {
        None
    } else {
        Some(crate::cli::credentials::new_passphrase(
            passphrase_file,
            secret_path,
        )?)
    };
    // The public key first: if the secret key then cannot be written, the public key is
    // useless and removed, so a retry with a corrected path is not blocked by leftovers.
    let public = secret.public();
    crate::keys::write_new_file(public_path, public.to_file_text().as_bytes(), 0o644)?;
    if let Err(error) = secret.save(secret_path, passphrase, None) {
        let _ = std::fs::remove_file(public_path);
        return Err(error.into());
    }
    print(format_args!(
        "created a key for {}, fingerprint {}",
        public.name(),
        public.fingerprint()
    ))?;
    say(format_args!("  key id {}", public.key_id()))?;
    say(format_args!(
        "  public key: {} (give this to readers and mirrors)",
        public_path.display()
    ))?;
    let how = if unencrypted {
        "UNENCRYPTED"
    } else {
        "encrypted with your passphrase"
    };
    say(format_args!(
        "  secret key: {} ({how}, mode 0600; keep it offline, back it up)",
        secret_path.display()
    ))?;
    Ok(Verdict::Ok)
}
