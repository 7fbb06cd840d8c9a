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
    Certify {
        /// An editor's secret root key (repeat for several editors on this machine).
        #[arg(long = "root-key", required = true)]
        root_keys: Vec<PathBuf>,
        /// The root's chain file (default: ROOT.chain beside the first root key).
        #[arg(long)]
        chain: Option<PathBuf>,
        /// The signing key's public key file.
        #[arg(long = "public-key")]
        public_key: PathBuf,
        /// Channels it may sign: names, or prefixes ending in * (news-ru*); comma-separated or
        /// repeated.
        #[arg(long, required = true)]
        channels: Vec<String>,
        /// Start of validity (default: now): a later date pre-announces the next key.
        #[arg(long)]
        from: Option<String>,
        /// End of validity (default: a year after the start). Past it readers see a warning.
        #[arg(long)]
        until: Option<String>,
        /// How often the publisher usually publishes: daily, weekly, or hours (36h). Readers
        /// are warned when editions stop coming.
        #[arg(long)]
        cadence: Option<String>,
        /// The certificate file to write.
        #[arg(long)]
        out: PathBuf,
        /// Signing time (default: SOURCE_DATE_EPOCH, else now).
        #[arg(long)]
        time: Option<String>,
        /// Read the root keys' passphrase from the first line of this file.
        #[arg(long = "passphrase-file")]
        passphrase_file: Option<PathBuf>,
    },
    /// Revoke a signing key from a sequence number on, per channel (a stolen laptop).
    Revoke {
        /// An editor's secret root key (repeat for several editors on this machine).
        #[arg(long = "root-key", required = true)]
        root_keys: Vec<PathBuf>,
        /// The root's chain file (default: ROOT.chain beside the first root key).
        #[arg(long)]
        chain: Option<PathBuf>,
        /// The revoked signing key's public key file.
        #[arg(long)]
        key: PathBuf,
        /// CHANNEL=NUMBER: editions of CHANNEL numbered NUMBER or higher signed by the key are
        /// refused (*=NUMBER for every channel); comma-separated or repeated.
        #[arg(long = "from-sequence", required = true)]
        from_sequence: Vec<String>,
        /// Why, in a few words readers will see ("laptop seized").
        #[arg(long)]
        reason: String,
        /// The revocation file to write.
        #[arg(long)]
        out: PathBuf,
        /// Signing time (default: SOURCE_DATE_EPOCH, else now).
        #[arg(long)]
        time: Option<String>,
        /// Read the root keys' passphrase from the first line of this file.
        #[arg(long = "passphrase-file")]
        passphrase_file: Option<PathBuf>,
    },
    /// Replace the root's editors (a lost or stolen editor key): the next root version.
    RotateRoot {
        /// Secret keys of editors on this machine, current or new (repeat).
        #[arg(long = "root-key", required = true)]
        root_keys: Vec<PathBuf>,
        /// The root's chain file (default: ROOT.chain beside the first root key).
        #[arg(long)]
        chain: Option<PathBuf>,
        /// A public key file of an editor of the new version (repeat for each).
        #[arg(long = "editor", required = true)]
        editors: Vec<PathBuf>,
        /// How many of the new editors must sign root statements.
        #[arg(long, default_value_t = 1)]
        threshold: usize,
        /// The publisher's name, if it changes.
        #[arg(long)]
        name: Option<String>,
        /// The new chain file (may be the old one, which is then replaced).
        #[arg(long)]
        out: PathBuf,
        /// Signing time (default: SOURCE_DATE_EPOCH, else now).
        #[arg(long)]
        time: Option<String>,
        /// Read the keys' passphrase from the first line of this file.
        #[arg(long = "passphrase-file")]
        passphrase_file: Option<PathBuf>,
    },
    /// Add one editor's signature to a certificate, revocation or root version, after showing
    /// what it says.
    Cosign {
        /// The statement file (rewritten in place).
        file: PathBuf,
        /// This editor's secret root key.
        #[arg(long = "secret-key")]
        secret_key: PathBuf,
        /// This editor's copy of the root's chain, to check the statement is of this root
        /// (default: ROOT.chain beside the secret key).
        #[arg(long)]
        chain: Option<PathBuf>,
        /// Sign without asking (for scripts): what is signed is still printed.
        #[arg(long)]
        yes: bool,
        /// Read the key's passphrase from the first line of this file.
        #[arg(long = "passphrase-file")]
        passphrase_file: Option<PathBuf>,
    },
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
        Command::Certify {
            root_keys,
            chain,
            public_key,
            channels,
            from,
            until,
            cadence,
            out,
            time,
            passphrase_file,
        } => credentials::certify(credentials::CertifyRequest {
            root_keys,
            chain,
            public_key,
            channels,
            from,
            until,
            cadence,
            out,
            passphrase_file,
            issued: publisher::creation_time(time.as_deref())?,
        }),
        Command::Revoke {
            root_keys,
            chain,
            key,
            from_sequence,
            reason,
            out,
            time,
            passphrase_file,
        } => credentials::revoke(credentials::RevokeRequest {
            root_keys,
            chain,
            key,
            from_sequence,
            reason,
            out,
            passphrase_file,
            issued: publisher::creation_time(time.as_deref())?,
        }),
        Command::RotateRoot {
            root_keys,
            chain,
            editors,
            threshold,
            name,
            out,
            time,
            passphrase_file,
        } => credentials::rotate_root(credentials::RotateRequest {
            root_keys,
            chain,
            editors,
            threshold,
            name,
            out,
            passphrase_file,
            issued: publisher::creation_time(time.as_deref())?,
        }),
        Command::Cosign {
            file,
            secret_key,
            chain,
            yes,
            passphrase_file,
        } => credentials::cosign(
            &file,
            &secret_key,
            chain.as_deref(),
            yes,
            passphrase_file.as_deref(),
        ),
    }
}
