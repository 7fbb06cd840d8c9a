//! `tamizdat`: the reader's tool. Verify bundles, unpack them, manage trusted publisher keys,
//! read editions in the offline library. Argument parsing only: each command is one call into
//! `tamizdat::cli::reader`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};

use tamizdat::cli::Verbosity;
use tamizdat::cli::error::{Error, Verdict, finish};
use tamizdat::cli::reader::{self, TrustAction, trusted_keys};

/// Read news bundles safely: check who signed them, unpack them, read them offline.
#[derive(Parser)]
#[command(
    name = "tamizdat",
    version,
    about = "tamizdat, for readers: check who signed a news bundle and that nothing was altered, unpack it, and read it offline in your browser"
)]
struct Cli {
    /// Print only verdicts (VALID, INVALID, ADDED…), warnings and errors: no progress bar, no
    /// advice, no "to read" line.
    #[arg(long, short, global = true, conflicts_with = "verbose")]
    quiet: bool,
    /// Also print the technical detail: which files a damaged copy lost, and why.
    #[arg(long, short, global = true)]
    verbose: bool,
    /// With no command (as when the program is double-clicked): `open`, with the bundles next
    /// to the program and in the current folder.
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Check that bundles are signed by a trusted publisher and unaltered.
    Verify {
        /// Bundle files, or folders: every bundle directly in a folder is checked, recognised
        /// by its first bytes whatever it is called; `-` reads one from standard input.
        #[arg(required = true)]
        bundles: Vec<PathBuf>,
        /// Also trust this public key file for this command (repeatable).
        #[arg(long = "public-key")]
        public_keys: Vec<PathBuf>,
        /// Check the signature and the whole-payload hash only, without decompressing.
        #[arg(long)]
        quick: bool,
        /// One JSON object per line for each bundle (schema in the README), for scripts.
        #[arg(long)]
        json: bool,
    },
    /// Verify a bundle and unpack it into a new or empty folder, all or nothing.
    Unpack {
        /// The bundle file to verify and unpack; `-` reads it from standard input.
        bundle: PathBuf,
        /// The folder to create (or an empty one).
        #[arg(long)]
        to: PathBuf,
        /// Also trust this public key file for this command (repeatable).
        #[arg(long = "public-key")]
        public_keys: Vec<PathBuf>,
        /// For a damaged copy whose signature is still good: recover every file that verifies,
        /// list the ones that do not, and exit 1 if any is missing.
        #[arg(long)]
        salvage: bool,
    },
    /// Show what a bundle's header says (marked unverified unless its signature checks out).
    Info {
        /// The bundle file to describe; `-` reads it from standard input.
        bundle: PathBuf,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
        /// Also trust this public key file for this command (repeatable).
        #[arg(long = "public-key")]
        public_keys: Vec<PathBuf>,
    },
    /// Per publisher and channel: the newest edition you have, its age against the publisher's
    /// usual cadence (are editions being held back?), expired certificates, revoked editions.
    Status {
        /// One JSON object, for scripts.
        #[arg(long)]
        json: bool,
    },
    /// Show the fingerprint of a public key file, to compare with the publisher's.
    Fingerprint {
        /// The public key file (.pub).
        public_key: PathBuf,
    },
    /// Manage the publisher keys you trust.
    Trust {
        #[command(subcommand)]
        action: TrustCommand,
    },
    /// List or forget the editions in your library.
    Library {
        #[command(subcommand)]
        action: LibraryCommand,
    },
    /// Add verified bundles to your library and open it in your browser, offline.
    Open {
        /// Bundle files, or folders holding them (`-` reads one from standard input); none:
        /// those next to the program and in the current folder.
        paths: Vec<PathBuf>,
        /// The library folder; default: `library` under TAMIZDAT_HOME or the data folder.
        #[arg(long)]
        library: Option<PathBuf>,
        /// Also trust this public key file for this command (repeatable).
        #[arg(long = "public-key")]
        public_keys: Vec<PathBuf>,
        /// Open this article's page (its file in the edition, e.g. fa/nanvayi.html) instead of
        /// the front page.
        #[arg(long, value_name = "PATH")]
        read: Option<String>,
        /// Print the page's path instead of starting a browser.
        #[arg(long)]
        no_browser: bool,
        /// For a damaged copy whose signature is still good: add the files that verify as an
        /// incomplete edition, whose pages list what is missing (a complete copy opened later
        /// replaces it); exit 1 if anything is missing.
        #[arg(long)]
        salvage: bool,
    },
    /// Serve your library read-only to a browser on this machine (127.0.0.1, any free port).
    Serve {
        /// The library folder; default: `library` under TAMIZDAT_HOME or the data folder.
        #[arg(long)]
        library: Option<PathBuf>,
        /// Listen here instead (for example 0.0.0.0:8080, for a phone on the same network):
        /// anyone who can reach it can read your library.
        #[arg(long)]
        listen: Option<std::net::SocketAddr>,
    },
    /// Download the newest editions of the publishers you trust from mirrors, into your
    /// library. The only command that uses the network, and only when you run it.
    Fetch(tamizdat::cli::mirror::FetchRequest),
    /// Copy and check mirrors, for mirror operators.
    Mirror {
        #[command(subcommand)]
        action: tamizdat::cli::mirror::MirrorCommand,
    },
    /// Pack, verify and unpack the sample edition with the demo key, showing each step.
    Demo {
        /// Where to put the demo's files (a new folder); default: a new temporary folder.
        #[arg(long)]
        workspace: Option<PathBuf>,
        /// Print the library's front page instead of opening it in a browser.
        #[arg(long)]
        no_browser: bool,
    },
}

#[derive(Subcommand)]
enum TrustCommand {
    /// Trust a publisher's public key file or root file (check its fingerprint with them first).
    Add {
        /// The publisher's public key file or root file (.pub).
        public_key: PathBuf,
    },
    /// List trusted keys.
    List,
    /// Stop trusting a key, by key id or fingerprint (at least 4 characters).
    Remove {
        /// The key's id or fingerprint, or its first 4 or more characters.
        id: String,
    },
}

#[derive(Subcommand)]
enum LibraryCommand {
    /// List the editions: id, what their pages say of the signature, title.
    List {
        /// The library folder; default: `library` under TAMIZDAT_HOME or the data folder.
        #[arg(long)]
        library: Option<PathBuf>,
    },
    /// Forget an edition (its files and pages), by the id `library list` shows.
    Remove {
        /// The edition's id, KEYID-CHANNEL-SEQUENCE.
        edition: String,
        /// The library folder; default: `library` under TAMIZDAT_HOME or the data folder.
        #[arg(long)]
        library: Option<PathBuf>,
    },
}

fn main() -> ExitCode {
    // Every command's --help ends with the exit codes.
    let matches = tamizdat::cli::error::with_exit_codes(Cli::command()).get_matches();
    let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|error| error.exit());
    tamizdat::cli::set_verbosity(Verbosity::from_flags(cli.quiet, cli.verbose));
    let command = match cli.command {
        Some(command) => command,
        // Typed in a terminal with no bundle around: say what the tool does, create nothing.
        None if reader::nothing_to_open_here() => {
            println!("{}", reader::NOTHING_TO_OPEN);
            let _ = Cli::command().print_help();
            return ExitCode::SUCCESS;
        }
        // No command, as when the program is double-clicked: open the bundles next to it.
        None => Command::Open {
            paths: Vec::new(),
            library: None,
            public_keys: Vec::new(),
            read: None,
            no_browser: false,
            salvage: false,
        },
    };
    finish("tamizdat", run(command))
}

fn run(command: Command) -> Result<Verdict, Error> {
    match command {
        Command::Verify {
            bundles,
            public_keys,
            quick,
            json,
        } => reader::verify(&bundles, &trusted_keys(&public_keys)?, quick, json),
        Command::Unpack {
            bundle,
            to,
            public_keys,
            salvage,
        } => reader::unpack(&bundle, &to, &trusted_keys(&public_keys)?, salvage),
        Command::Info {
            bundle,
            json,
            public_keys,
        } => reader::info(&bundle, json, &trusted_keys(&public_keys)?),
        Command::Open {
            paths,
            library,
            public_keys,
            read,
            no_browser,
            salvage,
        } => reader::open_library(
            &paths,
            library,
            &trusted_keys(&public_keys)?,
            read.as_deref(),
            no_browser,
            salvage,
        ),
        Command::Fetch(request) => tamizdat::cli::mirror::fetch(request),
        Command::Mirror { action } => tamizdat::cli::mirror::run_reader(action),
        Command::Serve { library, listen } => reader::serve(library, listen),
        Command::Status { json } => reader::status(json),
        Command::Fingerprint { public_key } => reader::fingerprint(&public_key),
        Command::Trust { action } => reader::trust(match action {
            TrustCommand::Add { public_key } => TrustAction::Add { public_key },
            TrustCommand::List => TrustAction::List,
            TrustCommand::Remove { id } => TrustAction::Remove { id },
        }),
        Command::Demo {
            workspace,
            no_browser,
        } => reader::demo(workspace, no_browser),
        Command::Library { action } => match action {
            LibraryCommand::List { library } => reader::library_list(library),
            LibraryCommand::Remove { edition, library } => {
                reader::library_remove(library, &edition)
            }
        },
    }
}
