//! `tamizdat-publish`: the publisher's tool. Make keys, pack editions into signed bundles.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use age::secrecy::ExposeSecret;
use clap::{Parser, Subcommand};

use tamizdat::cli::error::{EXIT_OK, Error};
use tamizdat::cli::{ProgressBar, human_bytes, parse_time, read_passphrase};
use tamizdat::keys::SecretKey;
use tamizdat::publish::pack::{DEFAULT_LEVEL, PackOptions, pack_edition};

/// Pack a newsroom's edition into one signed, compressed bundle that readers can verify.
#[derive(Parser)]
#[command(name = "tamizdat-publish", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create a new publisher key pair.
    Keygen {
        /// The name readers will see next to the fingerprint, e.g. "Example News, Russian service".
        #[arg(long)]
        name: String,
        /// Where to write the public key (safe to publish).
        #[arg(long = "public-key")]
        public_key: PathBuf,
        /// Where to write the secret key (mode 0600, passphrase-encrypted).
        #[arg(long = "secret-key")]
        secret_key: PathBuf,
        /// Store the secret key without a passphrase (only for keys kept on encrypted disks).
        #[arg(long)]
        unencrypted: bool,
        /// Read the passphrase from the first line of this file instead of a prompt
        /// (TAMIZDAT_PASSPHRASE also works).
        #[arg(long = "passphrase-file")]
        passphrase_file: Option<PathBuf>,
    },
    /// Pack an edition folder into a signed bundle.
    Pack {
        /// The edition folder: articles (Markdown or HTML) and the files they use.
        dir: PathBuf,
        #[arg(long = "secret-key")]
        secret_key: PathBuf,
        /// The channel, e.g. news-ru: a stream of editions.
        #[arg(long)]
        channel: String,
        /// The edition's sequence number; higher than the channel's previous edition.
        #[arg(long)]
        seq: u64,
        /// The bundle file to write.
        #[arg(long)]
        out: PathBuf,
        /// zstd compression level, 1 to 22.
        #[arg(long, default_value_t = DEFAULT_LEVEL)]
        level: i32,
        /// Creation time: seconds since 1970 or 2026-11-25T09:30:00Z. Default:
        /// SOURCE_DATE_EPOCH if set, else now. Fixing it makes packs byte-identical.
        #[arg(long)]
        time: Option<String>,
        /// Edition title (default: the title of index.md or index.html).
        #[arg(long)]
        title: Option<String>,
        /// Edition language, e.g. ru (default: from the front page or the articles).
        #[arg(long)]
        language: Option<String>,
        /// Pack articles that load remote resources anyway, with a warning.
        #[arg(long = "allow-remote")]
        allow_remote: bool,
        /// Replace the output if it exists.
        #[arg(long)]
        force: bool,
        /// No progress bar.
        #[arg(long, short)]
        quiet: bool,
        /// Read the secret key's passphrase from the first line of this file.
        #[arg(long = "passphrase-file")]
        passphrase_file: Option<PathBuf>,
        /// Compression threads (default: one per core). Does not change the output.
        #[arg(long, default_value_t = 0)]
        threads: usize,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli.command) {
        Ok(()) => ExitCode::from(EXIT_OK),
        Err(error) => {
            eprintln!("tamizdat-publish: {error}");
            ExitCode::from(error.exit_code())
        }
    }
}

fn run(command: Command) -> Result<(), Error> {
    match command {
        Command::Keygen {
            name,
            public_key,
            secret_key,
            unencrypted,
            passphrase_file,
        } => keygen(
            &name,
            &public_key,
            &secret_key,
            unencrypted,
            passphrase_file.as_deref(),
        ),
        Command::Pack {
            dir,
            secret_key,
            channel,
            seq,
            out,
            level,
            time,
            title,
            language,
            allow_remote,
            force,
            quiet,
            passphrase_file,
            threads,
        } => {
            let created = match time.or_else(|| std::env::var("SOURCE_DATE_EPOCH").ok()) {
                Some(text) => parse_time(&text).map_err(Error::Usage)?,
                None => time::OffsetDateTime::now_utc(),
            };
            let created = created
                .replace_nanosecond(0)
                .map_err(|e| Error::Usage(e.to_string()))?;
            let secret = SecretKey::load(&secret_key, &mut || {
                read_passphrase(passphrase_file.as_deref(), &secret_key, false)
            })?;
            let options = PackOptions {
                channel,
                sequence: seq,
                created,
                level,
                title,
                language,
                allow_remote,
                force,
                threads,
            };
            let progress = ProgressBar::new("packing", quiet);
            let report = pack_edition(&dir, &secret, &options, &out, &progress)?;
            progress.finish();
            for warning in &report.warnings {
                eprintln!("tamizdat-publish: warning: {warning}");
            }
            let manifest = &report.manifest;
            let ratio = report.bytes_in() as f64 / report.bundle_len.max(1) as f64;
            println!("packed {}", report.output.display());
            println!(
                "  {} articles, {} files, {} in, {} out ({ratio:.2}x)",
                manifest.articles.len(),
                manifest.files.len(),
                human_bytes(report.bytes_in()),
                human_bytes(report.bundle_len)
            );
            println!(
                "  channel {}, sequence {}, created {}",
                manifest.channel, manifest.sequence, manifest.created
            );
            println!("  title: {} [{}]", manifest.title, manifest.language);
            println!("  sha256 {}", report.bundle_sha256);
            println!(
                "  signed by {} [{}]",
                manifest.publisher.name, report.fingerprint
            );
            Ok(())
        }
    }
}

fn keygen(
    name: &str,
    public_path: &Path,
    secret_path: &Path,
    unencrypted: bool,
    passphrase_file: Option<&Path>,
) -> Result<(), Error> {
    for path in [public_path, secret_path] {
        if std::fs::symlink_metadata(path).is_ok() {
            return Err(tamizdat::keys::KeyError::AlreadyExists {
                path: path.to_path_buf(),
            }
            .into());
        }
    }
    let secret = SecretKey::generate(name)?;
    let passphrase = if unencrypted {
        None
    } else {
        let passphrase = read_passphrase(passphrase_file, secret_path, true)?;
        if passphrase.expose_secret().is_empty() {
            return Err(Error::Usage(
                "an empty passphrase would leave the secret key unprotected; choose one, or pass --unencrypted if that is what you mean".into(),
            ));
        }
        Some(passphrase)
    };
    // The public key first: if the secret key then cannot be written, the public key is
    // useless and removed, so a retry with a corrected path is not blocked by leftovers.
    let public = secret.public();
    tamizdat::keys::write_new_file(public_path, public.to_file_text().as_bytes(), 0o644)?;
    if let Err(error) = secret.save(secret_path, passphrase, None) {
        let _ = std::fs::remove_file(public_path);
        return Err(error.into());
    }
    println!("created a key for {}", public.name());
    println!(
        "  fingerprint {}  (key id {})",
        public.fingerprint(),
        public.key_id()
    );
    println!(
        "  public key: {} (give this to readers and mirrors)",
        public_path.display()
    );
    let how = if unencrypted {
        "UNENCRYPTED"
    } else {
        "encrypted with your passphrase"
    };
    println!(
        "  secret key: {} ({how}, mode 0600; keep it offline, back it up)",
        secret_path.display()
    );
    Ok(())
}
