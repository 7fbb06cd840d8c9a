//! The mirror commands: `tamizdat-publish mirror add`, `tamizdat mirror sync`,
//! `tamizdat mirror check` and `tamizdat fetch`. They parse nothing and decide nothing: they
//! call `crate::mirror` and print what it did, one line per channel, edition or problem.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::cli::error::{Error, Verdict};
use crate::cli::reader::{print, say};
use crate::cli::{ProgressBar, shown};
use crate::fs::Progress;
use crate::mirror::MirrorError;
use crate::mirror::check::Problem;
use crate::mirror::http::HttpOptions;
use crate::read::Trust;

/// How to reach mirrors on the network (the flags of `fetch` and `mirror sync`).
#[derive(Debug, Clone, Default, clap::Args)]
pub struct NetworkOptions {
    /// Reach mirrors through this proxy: socks5://127.0.0.1:9050 (Tor; names are resolved by
    /// the proxy) or http://HOST:PORT.
    #[arg(long)]
    pub proxy: Option<String>,
    /// Trust only the certificate authorities in this PEM file for https (a private mirror,
    /// tests); default: the system's.
    #[arg(long = "ca-file")]
    pub ca_file: Option<PathBuf>,
    /// Give up on a server that sends fewer bytes per second than this over --rate-window
    /// (default 1024).
    #[arg(long = "min-rate")]
    pub min_rate: Option<u64>,
    /// The window, in seconds, over which --min-rate is measured (default 30).
    #[arg(long = "rate-window")]
    pub rate_window: Option<u64>,
    /// Give up when a server sends nothing for this many seconds (default 30, connecting 20).
    #[arg(long)]
    pub timeout: Option<u64>,
}

impl NetworkOptions {
    fn http(&self) -> HttpOptions {
        let defaults = HttpOptions::default();
        HttpOptions {
            proxy: self.proxy.clone(),
            ca_file: self.ca_file.clone(),
            min_rate: self.min_rate.unwrap_or(defaults.min_rate),
            rate_window: self
                .rate_window
                .map_or(defaults.rate_window, Duration::from_secs),
            read_timeout: self
                .timeout
                .map_or(defaults.read_timeout, Duration::from_secs),
            connect_timeout: self
                .timeout
                .map_or(defaults.connect_timeout, Duration::from_secs),
            ..defaults
        }
    }
}

/// `tamizdat-publish mirror …`.
#[derive(Debug, clap::Subcommand)]
pub enum PublisherMirrorCommand {
    /// Add bundles to a mirror folder and sign a new catalog for each of their channels.
    Add(MirrorAddRequest),
}

/// What `tamizdat-publish mirror add` was given.
#[derive(Debug, clap::Args)]
pub struct MirrorAddRequest {
    /// The bundles to add (verified first; each keeps its number for ever).
    pub bundles: Vec<PathBuf>,
    /// The mirror folder (created if missing).
    #[arg(long)]
    pub to: PathBuf,
    /// An address where this mirror (or a copy) is served, ending in / (repeatable): the
    /// catalogs list it, so readers learn new mirrors from a signed source.
    #[arg(long = "mirror-url")]
    pub mirror_urls: Vec<String>,
    /// The secret key that signs the catalogs.
    #[arg(long = "secret-key")]
    pub secret_key: PathBuf,
    /// Read the secret key's passphrase from the first line of this file.
    #[arg(long = "passphrase-file")]
    pub passphrase_file: Option<PathBuf>,
    /// The signing key's certificate (from certify): the catalogs carry it and the root
    /// chain.
    #[arg(long)]
    pub certificate: Option<PathBuf>,
    /// A folder of statement files (revocations, certificates, a newer chain) to carry.
    #[arg(long)]
    pub statements: Option<PathBuf>,
    /// The catalogs' issue time: seconds since 1970 or 2026-11-25T09:30:00Z (default:
    /// SOURCE_DATE_EPOCH if set, else now).
    #[arg(long)]
    pub time: Option<String>,
    /// List only this many editions per channel, the newest: older ones leave the catalog
    /// (their files stay; `tamizdat mirror sync --prune` removes them from copies).
    #[arg(long = "keep-newest")]
    pub keep_newest: Option<usize>,
}

/// Runs `tamizdat-publish mirror …`.
pub fn run_publisher(command: PublisherMirrorCommand) -> Result<Verdict, Error> {
    match command {
        PublisherMirrorCommand::Add(request) => mirror_add(request),
    }
}

/// `tamizdat mirror …`, for mirror operators.
#[derive(Debug, clap::Subcommand)]
pub enum MirrorCommand {
    /// Copy a mirror into a mirror folder, verifying every catalog and bundle first: the folder
    /// serves its old state until the new one is complete.
    Sync {
        /// Where to copy from: a folder (a USB stick, another mirror's rsync copy) or an
        /// http:// or https:// address.
        source: String,
        /// The mirror folder to update (created if missing).
        destination: PathBuf,
        /// Remove bundles the current catalogs no longer list (nothing else).
        #[arg(long)]
        prune: bool,
        /// Only this channel (repeatable); default: every channel the source lists.
        #[arg(long = "channel")]
        channels: Vec<String>,
        /// Also trust this public key file for this command (repeatable).
        #[arg(long = "public-key")]
        public_keys: Vec<PathBuf>,
        /// How to reach the source, when it is an address.
        #[command(flatten)]
        network: NetworkOptions,
    },
    /// Verify a whole mirror folder (signatures and hashes, no decompression) and list what is
    /// missing, damaged or in no catalog.
    Check {
        /// The mirror folder.
        mirror: PathBuf,
        /// Also trust this public key file for this command (repeatable).
        #[arg(long = "public-key")]
        public_keys: Vec<PathBuf>,
    },
}

/// Runs `tamizdat mirror …`.
pub fn run_reader(command: MirrorCommand) -> Result<Verdict, Error> {
    use crate::cli::reader::trusted_keys;
    match command {
        MirrorCommand::Sync {
            source,
            destination,
            prune,
            channels,
            public_keys,
            network,
        } => mirror_sync(
            &source,
            &destination,
            &trusted_keys(&public_keys)?,
            &crate::mirror::sync::SyncOptions { prune, channels },
            &network,
        ),
        MirrorCommand::Check {
            mirror,
            public_keys,
        } => mirror_check(&mirror, &trusted_keys(&public_keys)?),
    }
}

/// `tamizdat-publish mirror add`.
pub fn mirror_add(request: MirrorAddRequest) -> Result<Verdict, Error> {
    if request.bundles.is_empty() && request.mirror_urls.is_empty() {
        return Err(Error::Usage(
            "give the bundles to add, or --mirror-url to list a new mirror".into(),
        ));
    }
    let secret = crate::cli::publisher::load_signing_key(
        &request.secret_key,
        request.passphrase_file.as_deref(),
    )?;
    let credentials = match &request.certificate {
        Some(certificate) => Some(crate::authority::publisher::bundle_credentials(
            certificate,
            &crate::cli::publisher::statement_files(request.statements.as_deref())?,
            &secret.public(),
        )?),
        None if request.statements.is_some() => {
            return Err(Error::Usage(
                "--statements needs --certificate: only a certified key's catalogs carry statements"
                    .into(),
            ));
        }
        None => None,
    };
    let now = crate::cli::publisher::creation_time(request.time.as_deref())?;
    let added = crate::mirror::add::add_to_mirror(&crate::mirror::add::AddRequest {
        bundles: &request.bundles,
        to: &request.to,
        mirror_urls: &request.mirror_urls,
        secret: &secret,
        credentials: credentials.as_ref(),
        now,
        keep_newest: request.keep_newest,
    })?;
    for channel in &added {
        if let Some(why) = &channel.rebuilt {
            crate::cli::to_stderr(format_args!(
                "tamizdat-publish: warning: the catalog served for {} was not carried forward ({why}): the new one lists the bundles in the folder that verify with this key; give --mirror-url again for the mirrors it listed",
                channel.channel
            ));
        }
        if !channel.gone.is_empty() {
            let gone: Vec<String> = channel.gone.iter().map(|n| format!("#{n}")).collect();
            crate::cli::to_stderr(format_args!(
                "tamizdat-publish: warning: {} {} no longer listed: the file is not in {} any more",
                channel.channel,
                gone.join(" "),
                request.to.display()
            ));
        }
        let numbers: Vec<String> = channel.added.iter().map(|n| format!("#{n}")).collect();
        print(format_args!(
            "CATALOG {} #{}: {} edition(s) listed{}",
            channel.channel,
            channel.catalog_sequence,
            channel.listed,
            if numbers.is_empty() {
                String::new()
            } else {
                format!(", added {}", numbers.join(" "))
            }
        ))?;
    }
    say(format_args!(
        "The mirror in {} is ready: serve the folder as static files (or copy it with rsync); readers run `tamizdat fetch ADDRESS`, operators `tamizdat mirror sync ADDRESS FOLDER`.",
        request.to.display()
    ))?;
    Ok(Verdict::Ok)
}

fn verdict_of(error: &MirrorError) -> Verdict {
    if error.is_refusal() {
        Verdict::Invalid
    } else {
        Verdict::Failed
    }
}

/// How long ago `issued` was, in words.
fn age_of(issued: &str) -> String {
    let Some(at) = crate::format::manifest::parse_created(issued) else {
        return String::new();
    };
    let seconds = (time::OffsetDateTime::now_utc() - at).whole_seconds();
    match seconds {
        s if s < -300 => "in the future: a clock is wrong".into(),
        s if s < 120 => "just now".into(),
        s if s < 7200 => format!("{} minutes ago", s / 60),
        s if s < 172_800 => format!("{} hours ago", s / 3600),
        s => format!("{} days ago", s / 86_400),
    }
}

fn progress_bar(file: &str) -> Box<dyn Progress> {
    Box::new(ProgressBar::new(file, false))
}

/// `tamizdat mirror sync SRC DST`.
pub fn mirror_sync(
    source: &str,
    destination: &Path,
    trust: &Trust,
    options: &crate::mirror::sync::SyncOptions,
    network: &NetworkOptions,
) -> Result<Verdict, Error> {
    let source =
        crate::mirror::source::open_source(source, &network.http()).map_err(MirrorError::from)?;
    let report = crate::mirror::sync::sync_mirror(
        source.as_ref(),
        destination,
        trust,
        options,
        &progress_bar,
    )?;
    let mut worst = Verdict::Ok;
    for synced in &report.synced {
        let bytes: u64 = synced.fetched.iter().map(|(_, d)| d.fetched).sum();
        let was = synced
            .before
            .filter(|before| *before != synced.after)
            .map(|before| format!(" (was #{before})"))
            .unwrap_or_default();
        print(format_args!(
            "SYNCED {}: catalog #{}{was} of {}, issued {} ({}); {} bundle(s) fetched, {}",
            synced.channel,
            synced.after,
            shown(&synced.publisher, 100),
            synced.issued,
            age_of(&synced.issued),
            synced.fetched.len(),
            crate::cli::human_bytes(bytes)
        ))?;
        for warning in &synced.warnings {
            crate::cli::to_stderr(format_args!("tamizdat: warning: {warning}"));
        }
    }
    for (channel, error) in &report.refused {
        if error.is_untrusted() {
            print(format_args!("SKIPPED {channel}: {error}"))?;
            continue;
        }
        worst = worst.max(verdict_of(error));
        print(format_args!(
            "REFUSED {channel}: {error}; {} still serves what it served before",
            destination.display()
        ))?;
    }
    for file in &report.pruned {
        print(format_args!("PRUNED {file}"))?;
    }
    if report.synced.is_empty() && !report.refused.is_empty() && worst == Verdict::Ok {
        // Every channel was skipped: nothing this reader trusts is on that mirror.
        say(format_args!(
            "Nothing was copied: no channel on {} is signed by a publisher you trust (`tamizdat trust add`).",
            source.describe()
        ))?;
        worst = Verdict::Invalid;
    }
    Ok(worst)
}

/// `tamizdat mirror check DST`.
pub fn mirror_check(mirror: &Path, trust: &Trust) -> Result<Verdict, Error> {
    let started = std::time::Instant::now();
    let bar = ProgressBar::new("checking", false);
    let report = crate::mirror::check::check_mirror(mirror, trust, &bar)?;
    bar.finish();
    let mut worst = Verdict::Ok;
    for (channel, sequence, issued, editions) in &report.channels {
        print(format_args!(
            "OK {channel}: catalog #{sequence}, issued {issued} ({}), {editions} edition(s)",
            age_of(issued)
        ))?;
    }
    for problem in &report.problems {
        match problem {
            Problem::Channel { channel, error } => {
                worst = worst.max(verdict_of(error));
                print(format_args!("REFUSED {channel}: {error}"))?;
            }
            Problem::Missing { file } => {
                worst = worst.max(Verdict::Invalid);
                print(format_args!("MISSING {file}"))?;
            }
            Problem::Corrupt { file, error } => {
                worst = worst.max(Verdict::Invalid);
                let error = error.to_string();
                let reason = error
                    .strip_prefix(&format!("{file}: "))
                    .unwrap_or(&error)
                    .to_string();
                print(format_args!("CORRUPT {file}: {reason}"))?;
            }
            Problem::Unlisted { file } => {
                print(format_args!(
                    "UNLISTED {file}: in no catalog this mirror serves"
                ))?;
            }
        }
    }
    if report.channels.is_empty() && report.problems.is_empty() {
        return Err(MirrorError::Nothing(format!(
            "{} holds no mirror: it has no channels/ folder with an entry point",
            mirror.display()
        ))
        .into());
    }
    let seconds = started.elapsed().as_secs_f64().max(0.001);
    say(format_args!(
        "{} bundle(s) verified, {} in {seconds:.1} s ({}/s)",
        report.bundles_verified,
        crate::cli::human_bytes(report.bytes_verified),
        crate::cli::human_bytes((report.bytes_verified as f64 / seconds) as u64)
    ))?;
    Ok(worst)
}

/// What `tamizdat fetch` was given.
#[derive(Debug, clap::Args)]
pub struct FetchRequest {
    /// Mirror addresses (http:// or https://) or mirror folders; none: the mirrors learnt
    /// from signed catalogs, in turn.
    pub urls: Vec<String>,
    /// The library folder; default: `library` under TAMIZDAT_HOME or the data folder.
    #[arg(long)]
    pub library: Option<PathBuf>,
    /// Also trust this public key file for this command (repeatable).
    #[arg(long = "public-key")]
    pub public_keys: Vec<PathBuf>,
    /// At most this many editions per channel, the newest.
    #[arg(long, default_value_t = 5)]
    pub newest: usize,
    /// Only this channel (repeatable).
    #[arg(long = "channel")]
    pub channels: Vec<String>,
    /// How to reach the mirrors.
    #[command(flatten)]
    pub network: NetworkOptions,
}

/// `tamizdat fetch`.
pub fn fetch(request: FetchRequest) -> Result<Verdict, Error> {
    let trust = &crate::cli::reader::trusted_keys(&request.public_keys)?;
    let home = crate::keys::store::home()?;
    let downloads = home.join("downloads");
    // One fetch at a time: two would append to one partial download, and could write back
    // an older catalog number than the other accepted.
    let _lock = crate::mirror::lock_folder(&downloads)?;
    let memory_file = home.join("state").join("mirrors.json");
    let mut known = crate::mirror::fetch::KnownMirrors::load(&memory_file)?;
    let addresses: Vec<String> = if request.urls.is_empty() {
        known.mirrors.clone()
    } else {
        request.urls.clone()
    };
    if addresses.is_empty() {
        return Err(Error::Usage(
            "no mirror is known yet: name one, as in `tamizdat fetch https://mirror.example/news/` (later fetches also try the mirrors its catalogs list)".into(),
        ));
    }
    let http = request.network.http();
    let mut sources = Vec::new();
    for address in &addresses {
        sources
            .push(crate::mirror::source::open_source(address, &http).map_err(MirrorError::from)?);
    }
    let library = crate::cli::reader::library_at(request.library.clone())?;
    let now = crate::cli::reader::trust_now()?;
    let held: std::collections::BTreeSet<(String, u64)> = library
        .editions(&now)?
        .into_iter()
        .filter(|(record, _)| record.missing.is_empty())
        .map(|(record, _)| (record.manifest.channel.clone(), record.manifest.sequence))
        .collect();
    let have = |edition: &crate::format::catalog::CatalogEdition| {
        held.contains(&(edition.channel.clone(), edition.sequence))
    };
    let report = crate::mirror::fetch::fetch_editions(
        &crate::mirror::fetch::FetchRequest {
            sources: &sources,
            downloads: &downloads,
            trust,
            newest: request.newest,
            channels: &request.channels,
            have: &have,
            progress_for: &progress_bar,
        },
        &mut known,
    );
    known.save(&memory_file)?;
    for (channel, sequence, issued, publisher, from) in &report.catalogs {
        say(format_args!(
            "CATALOG {channel} #{sequence} of {}, issued {issued} ({}), from {from}",
            shown(publisher, 100),
            age_of(issued)
        ))?;
    }
    for mirror in &report.learned {
        say(format_args!("LEARNT mirror {mirror}"))?;
    }
    let mut worst = Verdict::Ok;
    for (source, error) in &report.failures {
        crate::cli::to_stderr(format_args!("tamizdat: warning: {source}: {error}"));
        if error.is_refusal() {
            worst = worst.max(Verdict::Invalid);
        }
    }
    for edition in &report.missing {
        crate::cli::to_stderr(format_args!(
            "tamizdat: {} #{} could not be fetched from any mirror; what arrived is kept, and the next fetch resumes it",
            edition.channel, edition.sequence
        ));
        worst = worst.max(Verdict::Failed);
    }
    for fetched in &report.fetched {
        print(format_args!(
            "FETCHED {} #{} \"{}\" from {} ({})",
            fetched.edition.channel,
            fetched.edition.sequence,
            shown(&fetched.edition.title, 200),
            fetched.from,
            crate::cli::human_bytes(fetched.fetched_bytes)
        ))?;
    }
    if report.catalogs.is_empty() {
        if worst == Verdict::Invalid {
            crate::cli::to_stderr(format_args!(
                "tamizdat: no catalog was accepted: every one offered was refused (see the warnings above)"
            ));
        } else if report.failures.is_empty() {
            crate::cli::to_stderr(format_args!(
                "tamizdat: no channel there is signed by a publisher you trust{}; `tamizdat trust add` the publisher's key or root file first",
                if report.untrusted.is_empty() {
                    String::new()
                } else {
                    format!(" (it carries {})", report.untrusted.join(", "))
                }
            ));
            worst = worst.max(Verdict::Invalid);
        } else {
            crate::cli::to_stderr(format_args!(
                "tamizdat: no catalog could be had from the mirrors tried (see the warnings above); try again later, another mirror, or --proxy"
            ));
            worst = worst.max(Verdict::Failed);
        }
    } else if report.fetched.is_empty() && report.failures.is_empty() {
        say(format_args!(
            "Your library already has the newest editions."
        ))?;
    }
    if !report.fetched.is_empty() {
        let paths: Vec<PathBuf> = report.fetched.iter().map(|f| f.path.clone()).collect();
        let imported = crate::cli::reader::open_library(
            &paths,
            Some(library.root().to_path_buf()),
            trust,
            None,
            true,
            false,
        );
        for path in &paths {
            let _ = std::fs::remove_file(path);
        }
        worst = worst.max(imported?);
    }
    Ok(worst)
}
