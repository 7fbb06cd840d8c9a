//! `tamizdat-publish`: the publisher's tool. Make keys, pack editions into signed bundles.
//! Argument parsing only: each command is one call into `tamizdat::cli::publisher`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};

use tamizdat::cli::Verbosity;
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
        Command::Keygen {
            name,
            public_key,
            secret_key,
            unencrypted,
            passphrase_file,
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
        } => publisher::pack(PackRequest {
            dir,
            secret_key,
            passphrase_file,
            out,
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
    }
}
