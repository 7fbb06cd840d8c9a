//! `tamizdat`: the reader's tool. Verify bundles, unpack them, manage trusted publisher keys.

use std::fs::File;
use std::io::{BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use tamizdat::cli::error::{EXIT_ERROR, EXIT_INVALID, EXIT_OK, Error};
use tamizdat::cli::{ProgressBar, human_bytes, shown};
use tamizdat::format::Manifest;
use tamizdat::keys::store::TrustStore;
use tamizdat::keys::{PublicKey, TrustedKeys};
use tamizdat::library::{Imported, Library, Record};
use tamizdat::read::verify::{
    BundleError, DiscardFiles, VerifiedHeader, check_payload_hash, open_bundle, read_header,
    stream_files, verify_header,
};

/// Read news bundles safely: check who signed them, unpack them, read them offline.
#[derive(Parser)]
#[command(name = "tamizdat", version, about)]
struct Cli {
    /// With no command (as when the program is double-clicked): `open`, with the bundles next
    /// to the program and in the current folder.
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Check that bundles are signed by a trusted publisher and unaltered.
    Verify {
        #[arg(required = true)]
        bundles: Vec<PathBuf>,
        /// Also trust this public key file for this command (repeatable).
        #[arg(long = "public-key")]
        public_keys: Vec<PathBuf>,
        /// Check the signature and the whole-payload hash only, without decompressing.
        #[arg(long)]
        quick: bool,
        /// No progress bar.
        #[arg(long, short)]
        quiet: bool,
    },
    /// Verify a bundle and unpack it into a new or empty folder, all or nothing.
    Unpack {
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
        /// No progress bar.
        #[arg(long, short)]
        quiet: bool,
    },
    /// Show what a bundle's header says (marked unverified unless its signature checks out).
    Info {
        bundle: PathBuf,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
        /// Also trust this public key file for this command (repeatable).
        #[arg(long = "public-key")]
        public_keys: Vec<PathBuf>,
    },
    /// Show the fingerprint of a public key file, to compare with the publisher's.
    Fingerprint { public_key: PathBuf },
    /// Manage the publisher keys you trust.
    Trust {
        #[command(subcommand)]
        action: TrustAction,
    },
    /// Add verified bundles to your library and open it in your browser, offline.
    Open {
        /// Bundle files, or folders holding them; none: those next to the program and in the
        /// current folder.
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
        /// No progress bar.
        #[arg(long, short)]
        quiet: bool,
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
    /// Pack, verify and unpack the sample edition with the demo key, showing each step.
    Demo {
        /// Where to put the demo's files (a new folder); default: a new temporary folder.
        #[arg(long)]
        workspace: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum TrustAction {
    /// Trust a publisher's public key file (check its fingerprint with them first).
    Add { public_key: PathBuf },
    /// List trusted keys.
    List,
    /// Stop trusting a key, by key id or fingerprint (at least 4 characters).
    Remove { id: String },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let command = cli.command.unwrap_or(Command::Open {
        paths: Vec::new(),
        library: None,
        public_keys: Vec::new(),
        read: None,
        no_browser: false,
        quiet: false,
    });
    match run(command) {
        Ok(code) => ExitCode::from(code),
        Err(error) => {
            eprintln!("tamizdat: {error}");
            ExitCode::from(error.exit_code())
        }
    }
}

fn print(text: std::fmt::Arguments<'_>) -> Result<(), Error> {
    let mut out = std::io::stdout().lock();
    out.write_fmt(text)
        .and_then(|()| out.write_all(b"\n"))
        .map_err(|source| Error::Io {
            context: "cannot print".into(),
            source,
        })
}

fn trusted_keys(extra: &[PathBuf]) -> Result<TrustedKeys, Error> {
    let mut keys = TrustStore::open_default()?.trusted_keys()?;
    for path in extra {
        keys.add(PublicKey::load(path)?);
    }
    Ok(keys)
}

fn open(path: &Path) -> Result<BufReader<File>, BundleError> {
    File::open(path)
        .map(|file| BufReader::with_capacity(1 << 20, file))
        .map_err(BundleError::Read)
}

fn run(command: Command) -> Result<u8, Error> {
    match command {
        Command::Verify {
            bundles,
            public_keys,
            quick,
            quiet,
        } => verify(&bundles, &trusted_keys(&public_keys)?, quick, quiet),
        Command::Unpack {
            bundle,
            to,
            public_keys,
            salvage,
            quiet,
        } => unpack(&bundle, &to, &trusted_keys(&public_keys)?, salvage, quiet),
        Command::Info {
            bundle,
            json,
            public_keys,
        } => info(&bundle, json, &trusted_keys(&public_keys)?),
        Command::Open {
            paths,
            library,
            public_keys,
            read,
            no_browser,
            quiet,
        } => open_library(
            &paths,
            library,
            &trusted_keys(&public_keys)?,
            read.as_deref(),
            no_browser,
            quiet,
        ),
        Command::Serve { library, listen } => serve(library, listen),
        Command::Fingerprint { public_key } => {
            let key = PublicKey::load(&public_key)?;
            print(format_args!(
                "{}  {} (key id {})",
                key.fingerprint(),
                key.name(),
                key.key_id()
            ))?;
            Ok(EXIT_OK)
        }
        Command::Trust { action } => trust(action),
        Command::Demo { workspace } => demo(workspace),
    }
}

fn unpack(
    bundle: &Path,
    to: &Path,
    keys: &TrustedKeys,
    salvage: bool,
    quiet: bool,
) -> Result<u8, Error> {
    // The empty folder is replaced as a whole (that is what makes unpacking atomic), so a shell
    // sitting in it must change into the new one.
    let replaces_current_folder = std::fs::canonicalize(to).ok()
        == std::env::current_dir()
            .ok()
            .and_then(|d| std::fs::canonicalize(d).ok());
    let progress = ProgressBar::new(if salvage { "salvaging" } else { "unpacking" }, quiet);
    let code = if salvage {
        let report = tamizdat::read::Bundle::open(bundle)
            .and_then(|b| b.verify(keys))
            .and_then(|b| tamizdat::read::salvage_into(b, to, &progress))
            .map_err(|e| with_file(bundle, e))?;
        progress.finish();
        let total = report.header.manifest().files.len();
        if report.is_complete() {
            print(format_args!("VALID   {}", describe(bundle, &report.header)))?;
        } else if report.lost.is_empty() {
            print(format_args!(
                "DAMAGED {}: every file was recovered and verified, but {}",
                bundle.display(),
                report.problems.join("; ")
            ))?;
        } else {
            print(format_args!(
                "DAMAGED {}: the signature is good, but {} of its {total} files could not be recovered{}",
                bundle.display(),
                report.lost.len(),
                if report.truncated {
                    " (the file is cut short)"
                } else {
                    ""
                }
            ))?;
        }
        print(format_args!(
            "recovered {} of {total} files into {}, each checked against its signature",
            report.recovered,
            to.display()
        ))?;
        for path in &report.lost {
            print(format_args!("LOST    {}", shown(path, 1024)))?;
        }
        if report.is_complete() {
            EXIT_OK
        } else {
            if !report.lost.is_empty() {
                print(format_args!(
                    "get another copy of the bundle to recover the lost files"
                ))?;
            }
            EXIT_INVALID
        }
    } else {
        let header = tamizdat::read::Bundle::open(bundle)
            .and_then(|b| b.verify(keys))
            .and_then(|b| tamizdat::read::unpack_into(b, to, &progress))
            .map_err(|e| with_file(bundle, e))?;
        progress.finish();
        print(format_args!("VALID   {}", describe(bundle, &header)))?;
        print(format_args!(
            "unpacked {} files into {}",
            header.manifest().files.len(),
            to.display()
        ))?;
        EXIT_OK
    };
    if replaces_current_folder {
        print(format_args!(
            "the folder you are in was replaced by the unpacked one: run `cd \"$PWD\"` to see the files"
        ))?;
    }
    Ok(code)
}

/// Adds the file name to a bundle error, so every line says which file it is about.
fn with_file(path: &Path, error: BundleError) -> Error {
    Error::InBundle {
        path: path.to_path_buf(),
        source: error,
    }
}

/// The one line that says a bundle is genuine. The signer comes first and the title last,
/// escaped and cut short, so nothing a publisher writes can look like another publisher.
fn describe(path: &Path, header: &VerifiedHeader) -> String {
    let manifest = header.manifest();
    format!(
        "{}: signed by {} [{}], channel {} #{}, {}, {} articles, {} files, {}: \"{}\"",
        path.display(),
        shown(header.signer().name(), 100),
        header.signer().fingerprint(),
        manifest.channel,
        manifest.sequence,
        manifest.created,
        manifest.articles.len(),
        manifest.files.len(),
        human_bytes(header.bundle_len()),
        shown(&manifest.title, 120)
    )
}

fn verify(bundles: &[PathBuf], keys: &TrustedKeys, quick: bool, quiet: bool) -> Result<u8, Error> {
    let mut worst = EXIT_OK;
    for path in bundles {
        let progress = ProgressBar::new("verifying", quiet);
        let result = open(path).and_then(|mut reader| {
            let header = open_bundle(&mut reader, keys)?;
            if quick {
                check_payload_hash(&header, &mut reader, &progress)?;
            } else {
                stream_files(&header, &mut reader, &mut DiscardFiles, &progress)?;
            }
            Ok(header)
        });
        progress.finish();
        match result {
            Ok(header) => {
                let how = if quick { " (quick check)" } else { "" };
                print(format_args!("VALID   {}{how}", describe(path, &header)))?;
            }
            Err(error) if error.is_invalid_bundle() => {
                worst = worst.max(EXIT_INVALID);
                print(format_args!("INVALID {}: {error}", path.display()))?;
            }
            Err(error) => {
                worst = worst.max(EXIT_ERROR);
                print(format_args!("ERROR   {}: {error}", path.display()))?;
            }
        }
    }
    Ok(worst)
}

fn info(path: &Path, json: bool, keys: &TrustedKeys) -> Result<u8, Error> {
    let header = open(path)
        .and_then(|mut reader| read_header(&mut reader))
        .map_err(|e| with_file(path, e))?;
    let verified = verify_header(&header, keys);
    // An unverified manifest is only ever parsed into the typed, size-checked Manifest,
    // never into a free-form JSON tree, and everything shown from it is escaped.
    let (status, manifest) = match &verified {
        Ok(verified) => (
            format!(
                "signature VALID: signed by {} [{}] (the payload was not checked; run `tamizdat verify`)",
                shown(verified.signer().name(), 100),
                verified.signer().fingerprint()
            ),
            Some(verified.manifest().clone()),
        ),
        Err(error) => (
            format!("UNVERIFIED: {error}"),
            header
                .manifest_json()
                .ok()
                .and_then(|json| Manifest::from_json(&json).ok()),
        ),
    };
    if json {
        let value = serde_json::json!({
            "file": path.display().to_string(),
            "verified": verified.is_ok(),
            "status": status,
            "key_id": header.preamble.key_id.to_hex(),
            "format_version": format!("1.{}", header.preamble.format_minor),
            "manifest": manifest,
        });
        print(format_args!(
            "{}",
            serde_json::to_string_pretty(&value).unwrap_or_default()
        ))?;
    } else {
        print(format_args!("{}: {status}", path.display()))?;
        print(format_args!(
            "format 1.{}, key id {}",
            header.preamble.format_minor, header.preamble.key_id
        ))?;
        match &manifest {
            Some(manifest) => {
                if verified.is_ok() {
                    print(format_args!("signed manifest:"))?;
                } else {
                    print(format_args!(
                        "UNVERIFIED manifest (anyone could have written this):"
                    ))?;
                    print(format_args!(
                        "  claims to be from: {}",
                        shown(&manifest.publisher.name, 100)
                    ))?;
                }
                print(format_args!("  channel: {}", manifest.channel))?;
                print(format_args!("  sequence: {}", manifest.sequence))?;
                print(format_args!("  created: {}", manifest.created))?;
                print(format_args!("  title: {}", shown(&manifest.title, 200)))?;
                print(format_args!(
                    "  language: {}",
                    shown(&manifest.language, 40)
                ))?;
                print(format_args!(
                    "  {} articles, {} files, {} frames",
                    manifest.articles.len(),
                    manifest.files.len(),
                    manifest.frames.len()
                ))?;
                for article in &manifest.articles {
                    print(format_args!(
                        "    {} [{}] {}",
                        shown(article.main_file.as_str(), 200),
                        shown(article.language.as_deref().unwrap_or("?"), 40),
                        shown(&article.title, 200)
                    ))?;
                }
            }
            None => print(format_args!("the manifest cannot be read"))?,
        }
    }
    Ok(if verified.is_ok() {
        EXIT_OK
    } else {
        EXIT_INVALID
    })
}

fn trust(action: TrustAction) -> Result<u8, Error> {
    let store = TrustStore::open_default()?;
    match action {
        TrustAction::Add { public_key } => {
            let key = PublicKey::load(&public_key)?;
            let added = store.add(&key)?;
            let verb = if added {
                "now trusted"
            } else {
                "was already trusted"
            };
            print(format_args!(
                "{verb}: {}  {} (key id {})",
                key.fingerprint(),
                key.name(),
                key.key_id()
            ))?;
            if added {
                print(format_args!(
                    "Check that this fingerprint matches the one the publisher gave you through another channel."
                ))?;
            }
        }
        TrustAction::List => {
            let keys = store.list()?;
            if keys.is_empty() {
                print(format_args!(
                    "no trusted keys in {}; add one with `tamizdat trust add KEY.pub`",
                    store.folder().display()
                ))?;
            }
            for key in keys {
                print(format_args!(
                    "{}  {}  {}",
                    key.key_id(),
                    key.fingerprint(),
                    key.name()
                ))?;
            }
        }
        TrustAction::Remove { id } => {
            let key = store.remove(&id)?;
            print(format_args!(
                "no longer trusted: {}  {}",
                key.fingerprint(),
                key.name()
            ))?;
        }
    }
    Ok(EXIT_OK)
}

fn demo(workspace: Option<PathBuf>) -> Result<u8, Error> {
    let workspace = match workspace {
        Some(path) => {
            std::fs::create_dir(&path).map_err(|source| Error::Io {
                context: format!("cannot create {}", path.display()),
                source,
            })?;
            path
        }
        None => tempfile::Builder::new()
            .prefix("tamizdat-demo-")
            .tempdir()
            .map_err(|source| Error::Io {
                context: "cannot create a temporary folder".into(),
                source,
            })?
            .keep(),
    };
    let paths = tamizdat::cli::demo::DemoPaths::unpack_into(&workspace)?;
    tamizdat::cli::demo::run_demo(&paths, &mut std::io::stdout().lock())?;
    Ok(EXIT_OK)
}

fn library_at(library: Option<PathBuf>) -> Result<Library, Error> {
    let root = match library {
        Some(root) => root,
        None => Library::default_root()?,
    };
    Ok(Library::open(&root)?)
}

fn open_library(
    paths: &[PathBuf],
    library: Option<PathBuf>,
    keys: &TrustedKeys,
    read: Option<&str>,
    no_browser: bool,
    quiet: bool,
) -> Result<u8, Error> {
    let library = library_at(library)?;
    let _lock = library.lock()?;
    let mut opened: Vec<Record> = Vec::new();
    let bundles: Vec<PathBuf> = if paths.is_empty() {
        tamizdat::library::bundles_nearby()
    } else {
        paths
            .iter()
            .flat_map(|path| {
                if path.is_dir() {
                    tamizdat::library::bundles_in(path)
                } else {
                    vec![path.clone()]
                }
            })
            .collect()
    };
    let mut worst = EXIT_OK;
    for bundle in &bundles {
        let progress = ProgressBar::new("importing", quiet);
        let result = tamizdat::read::Bundle::open(bundle)
            .and_then(|b| b.verify(keys))
            .map_err(|source| tamizdat::library::LibraryError::Bundle {
                bundle: bundle.clone(),
                source,
            })
            .and_then(|b| library.import(b, &progress));
        progress.finish();
        match result {
            Ok(Imported::Added(record)) => {
                print(format_args!(
                    "ADDED   {}: {}",
                    bundle.display(),
                    summary(&record)
                ))?;
                opened.push(record);
            }
            Ok(Imported::AlreadyPresent(record)) => {
                print(format_args!(
                    "ALREADY {}: already in your library ({}), nothing to do",
                    bundle.display(),
                    summary(&record)
                ))?;
                opened.push(record);
            }
            Err(error) => {
                let code = if error.is_invalid_bundle() {
                    EXIT_INVALID
                } else {
                    EXIT_ERROR
                };
                worst = worst.max(code);
                let verdict = if code == EXIT_INVALID {
                    "INVALID"
                } else {
                    "ERROR  "
                };
                print(format_args!("{verdict} {error}"))?;
            }
        }
    }
    let mut page = library.regenerate()?;
    if let Some(article) = read {
        // The article in the bundles just opened (the last one that has it).
        match opened.iter().rev().find_map(|record| {
            tamizdat::library::pages::article_page_in(library.root(), record, article)
        }) {
            Some(article_page) => page = article_page,
            None => {
                print(format_args!(
                    "ERROR   no bundle opened here has an article {}; showing the front page",
                    shown(article, 200)
                ))?;
                worst = worst.max(EXIT_ERROR);
            }
        }
    }
    if no_browser || !tamizdat::cli::open_in_browser(&page) {
        print(format_args!(
            "to read: open {} in a browser",
            page.display()
        ))?;
    } else {
        print(format_args!("opened {} in your browser", page.display()))?;
    }
    Ok(worst)
}

fn summary(record: &Record) -> String {
    let manifest = &record.manifest;
    format!(
        "signed by {} [{}], channel {} #{}, {} articles: \"{}\"",
        shown(&record.signer_name, 100),
        record.fingerprint,
        manifest.channel,
        manifest.sequence,
        manifest.articles.len(),
        shown(&manifest.title, 120)
    )
}

fn serve(library: Option<PathBuf>, listen: Option<std::net::SocketAddr>) -> Result<u8, Error> {
    let library = library_at(library)?;
    {
        let _lock = library.lock()?;
        library.regenerate()?;
    }
    let address = listen.unwrap_or_else(tamizdat::library::serve::default_address);
    if !address.ip().is_loopback() {
        eprintln!(
            "tamizdat: warning: serving on {address}: anyone who can reach this address can read your library"
        );
    }
    let server = tamizdat::library::serve::Server::bind(library, address)?;
    let shown_address = server.address();
    print(format_args!(
        "serving your library at http://{shown_address}/ (read-only; press Ctrl-C to stop)"
    ))?;
    server.run();
    Ok(EXIT_OK)
}
