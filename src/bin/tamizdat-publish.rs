//! `tamizdat-publish`: the publisher's tool. Make keys, pack editions into signed bundles.
//! Argument parsing only: each command is one call into `tamizdat::cli::publisher`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};

use tamizdat::cli::Verbosity;
use tamizdat::cli::credentials;
use tamizdat::cli::error::{Error, Verdict, finish};
use tamizdat::cli::publisher::{self, PackRequest};
use tamizdat::publish::pack::{DEFAULT_LEVEL, PackOptions};

/// Pack a newsroom's edition into one signed, compressed bundle that readers can verify.
#[derive(Parser)]
#[command(
    name = "tamizdat-publish",
    version,
    about = "tamizdat-publish, for newsrooms: make a signing key, and pack an edition of articles and images into one signed, compressed bundle that readers can verify"
)]
struct Cli {
    /// Print only the verdict (`packed FILE`, `created a key…`), warnings and errors: no
    /// progress bar, no summary.
    #[arg(long, short, global = true, conflicts_with = "verbose")]
    quiet: bool,
    /// Also list every file packed, with its size.
    #[arg(long, short, global = true)]
    verbose: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create a new publisher key pair, or with --root a publisher root kept offline.
    Keygen {
        /// The name readers will see next to the fingerprint, e.g. "Example News, Russian service".
        #[arg(long)]
        name: String,
        /// Where to write the public key (safe to publish); with --root, the root file readers
        /// trust (ROOT.pub).
        #[arg(long = "public-key")]
        public_key: PathBuf,
        /// Where to write the secret key (mode 0600, passphrase-encrypted); with --root and
        /// several editors, NAME-editor-N.key beside it; the root's chain goes beside it as
        /// NAME.chain.
        #[arg(long = "secret-key")]
        secret_key: PathBuf,
        /// Make a root: the offline identity that certifies signing keys, revokes them and
        /// rotates itself.
        #[arg(long)]
        root: bool,
        /// With --root: how many editors hold the root, each with their own key.
        #[arg(long, default_value_t = 1, requires = "root")]
        editors: usize,
        /// With --root: how many editors must sign each root statement.
        #[arg(long, default_value_t = 1, requires = "root")]
        threshold: usize,
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
        /// The secret key file that signs the bundle (made by keygen).
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
        /// Also pack hidden files and folders (dot-files such as .git or .DS_Store, Thumbs.db,
        /// desktop.ini, editor backups ending in ~ or .swp), which are otherwise left out and
        /// listed.
        #[arg(long = "include-hidden")]
        include_hidden: bool,
        /// Replace the output if it exists.
        #[arg(long)]
        force: bool,
        /// Read the secret key's passphrase from the first line of this file.
        #[arg(long = "passphrase-file")]
        passphrase_file: Option<PathBuf>,
        /// Compression threads (default: one per core). Does not change the output.
        #[arg(long, default_value_t = 0)]
        threads: usize,
        /// The signing key's certificate (from certify): the bundle is certified by the root
        /// and carries the certificate and the root chain.
        #[arg(long)]
        certificate: Option<PathBuf>,
        /// A folder of statement files (revocations, certificates, a newer chain): every one
        /// is carried in the bundle.
        #[arg(long)]
        statements: Option<PathBuf>,
    },
    /// Keep a mirror folder: a static folder any web server, CDN or rsync can serve.
    Mirror {
        #[command(subcommand)]
        action: tamizdat::cli::mirror::PublisherMirrorCommand,
    },
    /// Certify a signing key with the root: which channels it may sign, and until when.
    Certify(credentials::CertifyRequest),
    /// Revoke a signing key from a sequence number on, per channel (a stolen laptop).
    Revoke(credentials::RevokeRequest),
    /// Replace the root's editors (a lost or stolen editor key): the next root version.
    RotateRoot(credentials::RotateRequest),
    /// Add one editor's signature to a certificate, revocation or root version, after showing
    /// what it says.
    Cosign(credentials::CosignRequest),
}

fn main() -> ExitCode {
    // Every command's --help ends with the exit codes.
    let matches = tamizdat::cli::error::with_exit_codes(Cli::command()).get_matches();
    let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|error| error.exit());
    tamizdat::cli::set_verbosity(Verbosity::from_flags(cli.quiet, cli.verbose));
    finish("tamizdat-publish", run(cli.command))
}

fn run(command: Command) -> Result<Verdict, Error> {
    match command {
        Command::Mirror { action } => tamizdat::cli::mirror::run_publisher(action),
        Command::Keygen {
            name,
            public_key,
            secret_key,
            root: true,
            editors,
            threshold,
            unencrypted,
            passphrase_file,
        } => credentials::keygen_root(credentials::RootRequest {
            name,
            root_file: public_key,
            secret_key,
            editors,
            threshold,
            unencrypted,
            passphrase_file,
            issued: publisher::creation_time(None)?,
        }),
        Command::Keygen {
            name,
            public_key,
            secret_key,
            unencrypted,
            passphrase_file,
            ..
        } => publisher::keygen(
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
            include_hidden,
            force,
            passphrase_file,
            threads,
            certificate,
            statements,
        } => publisher::pack(PackRequest {
            dir,
            secret_key,
            passphrase_file,
            out,
            certificate,
            statements,
            options: PackOptions {
                channel,
                sequence: seq,
                created: publisher::creation_time(time.as_deref())?,
                level,
                title,
                language,
                allow_remote,
                force,
                threads,
                include_hidden,
            },
        }),
        Command::Certify(request) => credentials::certify(request),
        Command::Revoke(request) => credentials::revoke(request),
        Command::RotateRoot(request) => credentials::rotate_root(request),
        Command::Cosign(request) => credentials::cosign(request),
    }
}
