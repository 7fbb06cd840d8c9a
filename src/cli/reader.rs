//! The reader's commands (`tamizdat …`): each verifies or imports through the library and
//! prints what happened. The binary only parses arguments and calls one of these.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use crate::cli::error::{Error, Verdict, bundle_hint, with_hint};
use crate::cli::{ProgressBar, Verbosity, human_bytes, shown, verbosity};
use crate::keys::store::SkippedFile;
use crate::keys::{PublicKey, TrustStore, TrustedKeys};
use crate::library::{Imported, Library, LibraryError, Record, TrustNow};
use crate::read::Trust;
use crate::read::{Bundle, BundleError, VerifiedHeader};

/// What `tamizdat trust` does.
pub enum TrustAction {
    /// Trust a public key file.
    Add {
        /// The public key file to trust.
        public_key: PathBuf,
    },
    /// List trusted keys.
    List,
    /// Stop trusting a key, by key id or fingerprint.
    Remove {
        /// The key id or fingerprint, as `tamizdat trust list` shows it.
        id: String,
    },
}

/// Prints one line on standard output.
pub(crate) fn print(text: std::fmt::Arguments<'_>) -> Result<(), Error> {
    let mut out = std::io::stdout().lock();
    out.write_fmt(text)
        .and_then(|()| out.write_all(b"\n"))
        .map_err(Error::Output)
}

/// Prints a line saying what was done or what to do next: not a verdict, so `-q` silences it.
pub(crate) fn say(text: std::fmt::Arguments<'_>) -> Result<(), Error> {
    if verbosity() >= Verbosity::Normal {
        print(text)
    } else {
        Ok(())
    }
}

/// Prints a line of technical detail, only with `-v`.
pub(crate) fn detail(text: std::fmt::Arguments<'_>) -> Result<(), Error> {
    if verbosity() >= Verbosity::Verbose {
        print(text)
    } else {
        Ok(())
    }
}

/// The name that stands for standard input where a bundle file is expected.
pub const STANDARD_INPUT: &str = "-";

fn is_standard_input(path: &Path) -> bool {
    path.as_os_str() == STANDARD_INPUT
}

/// A bundle being read from a file, or from standard input (`-`), once from start to end.
type StreamedBundle = Bundle<Box<dyn Read + Send>>;

/// Opens a bundle file, or standard input for `-`, so that `curl … | tamizdat verify -` works.
fn open_bundle(path: &Path) -> Result<StreamedBundle, BundleError> {
    use crate::read::READ_BUFFER;
    use std::io::IsTerminal;
    let reader: Box<dyn Read + Send> = if is_standard_input(path) {
        let stdin = std::io::stdin();
        if stdin.is_terminal() {
            return Err(BundleError::Read(std::io::Error::other(
                "standard input is a terminal, not a bundle: pipe one in, as in `cat BUNDLE.tar.zst | tamizdat COMMAND -`",
            )));
        }
        Box::new(std::io::BufReader::with_capacity(READ_BUFFER, stdin))
    } else {
        let file = std::fs::File::open(path).map_err(BundleError::Read)?;
        Box::new(std::io::BufReader::with_capacity(READ_BUFFER, file))
    };
    Bundle::from_reader(path, reader)
}

/// A damaged copy (its signature good, its payload not what was signed), told to people: how
/// many files cannot be read and what to do, with the technical detail kept for the end.
struct Damage {
    /// "this copy is damaged: 3 of 212 files cannot be read".
    sentence: String,
    /// What to do: ask for another copy, or salvage what is intact.
    hint: String,
    /// The technical sentence (which frame, how many bytes).
    detail: String,
    /// How many files the edition has, and which of them cannot be read (when counted).
    files: usize,
    lost: Option<Vec<String>>,
}

impl Damage {
    /// The damage `error` describes, if it is damage. With `count` (a file, and not a quick
    /// check), the copy is read again the way a salvage reads it, to count what is lost;
    /// `salvage` is the command that would recover the rest.
    fn of(
        path: &Path,
        keys: &Trust,
        error: &BundleError,
        count: bool,
        salvage: &str,
    ) -> Option<Damage> {
        if !error.is_damage() {
            return None;
        }
        let report = (count && !is_standard_input(path))
            .then(|| {
                Bundle::open(path)
                    .and_then(|opened| opened.verify(keys))
                    .and_then(|verified| {
                        crate::read::assess_damage(verified, &crate::fs::NoProgress)
                    })
                    .ok()
            })
            .flatten();
        let what = damage_kind(
            matches!(error, BundleError::Truncated { .. })
                || report.as_ref().is_some_and(|report| report.truncated),
            matches!(error, BundleError::TrailingData { .. }),
        );
        let (sentence, hint, files, lost) = match report {
            Some(report) => {
                let files = report.header.manifest().files.len();
                let intact = files - report.lost.len().min(files);
                let sentence = damage_sentence(what, &report);
                let hint = if report.lost.is_empty() {
                    format!(
                        "ask for another copy, or run `{salvage}` on this one to use its files, each checked against the signature"
                    )
                } else if intact == 0 {
                    "ask for another copy".to_string()
                } else {
                    format!(
                        "ask for another copy, or run `{salvage}` on this one to read the {} that {} intact",
                        crate::format::text::count(intact, "other file"),
                        if intact == 1 { "is" } else { "are" }
                    )
                };
                (sentence, hint, files, Some(report.lost))
            }
            None => (
                what.to_string(),
                "ask for another copy".to_string(),
                0,
                None,
            ),
        };
        Some(Damage {
            sentence,
            hint,
            detail: error.to_string(),
            files,
            lost,
        })
    }

    /// The one line: what is wrong, what to do, then the detail.
    fn line(&self) -> String {
        format!("{}; {} (detail: {})", self.sentence, self.hint, self.detail)
    }

    /// With `-v`: each file that cannot be read.
    fn print_lost(&self) -> Result<(), Error> {
        for path in self.lost.iter().flatten() {
            detail(format_args!("  cannot be read: {}", shown(path, 1024)))?;
        }
        Ok(())
    }
}

/// What is wrong with a damaged copy, as the start of a sentence.
fn damage_kind(truncated: bool, trailing: bool) -> &'static str {
    if truncated {
        "this copy is cut short (a download or copy that stopped early)"
    } else if trailing {
        "this copy has bytes added after its end that the publisher did not sign"
    } else {
        "this copy is damaged"
    }
}

/// `what`, and how many of the edition's files the copy cannot give.
fn damage_sentence(what: &str, report: &crate::read::SalvageReport) -> String {
    let files = report.header.manifest().files.len();
    let lost = report.lost.len();
    if lost == 0 {
        format!("{what}, though each of its {files} files can still be read")
    } else if lost >= files {
        format!("{what}: none of its {files} files can be read")
    } else {
        format!("{what}: {lost} of {files} files cannot be read")
    }
}

/// The error for a bundle refused while unpacking or importing: damage told to people (see
/// [`Damage`]), anything else as it is, with the file's name.
fn refused(path: &Path, keys: &Trust, error: BundleError, salvage: &str) -> Error {
    match Damage::of(path, keys, &error, true, salvage) {
        Some(damage) => {
            let _ = damage.print_lost();
            Error::Damaged {
                path: path.to_path_buf(),
                line: damage.line(),
            }
        }
        None => with_file(path, error),
    }
}

/// The keys a command trusts: the trust store's, plus the public key files given with the
/// command for this run only.
pub fn trusted_keys(extra: &[PathBuf]) -> Result<Trust, Error> {
    let (mut keys, skipped) = TrustStore::open_default()?.trusted_keys()?;
    warn_skipped(&skipped);
    let mut roots = trusted_roots()?;
    for path in extra {
        let text = std::fs::read(path).unwrap_or_default();
        if crate::authority::root_file::RootFile::looks_like_root_file(&String::from_utf8_lossy(
            &text,
        )) {
            roots.push(crate::authority::root_file::RootFile::load(path)?);
        } else {
            keys.add(PublicKey::load(path)?);
        }
    }
    let state = state_folder()?;
    let authority = reader_authority(roots, &state.load()?)?;
    Ok(Trust {
        keys,
        authority,
        state: Some(state),
    })
}

/// The reader's state folder, `TAMIZDAT_HOME/state`.
fn state_folder() -> Result<crate::authority::state::StateFolder, Error> {
    Ok(crate::authority::state::StateFolder::at(
        crate::keys::store::home()?.join("state"),
    ))
}

/// The roots and what the state remembers of them, with the clock `TAMIZDAT_CLOCK` sets.
fn reader_authority(
    roots: Vec<crate::authority::root_file::RootFile>,
    state: &crate::authority::state::StateFile,
) -> Result<crate::authority::reader::Authority, Error> {
    let authority = crate::authority::reader::Authority::new(roots, state);
    Ok(match clock_override()? {
        Some(clock) => authority.with_system_time(clock),
        None => authority,
    })
}

/// `TAMIZDAT_CLOCK`: the time this reader takes for the system clock's (seconds since 1970 or
/// 2026-11-25T09:30:00Z), for a device whose clock is known to be wrong, and for tests. It can
/// do no more than setting the system clock would: the reader's now is still never earlier
/// than the newest signed time it has verified.
fn clock_override() -> Result<Option<time::OffsetDateTime>, Error> {
    match std::env::var("TAMIZDAT_CLOCK") {
        Ok(text) if !text.trim().is_empty() => Ok(Some(crate::cli::parse_time(&text)?)),
        _ => Ok(None),
    }
}

/// The folder of trusted roots, `TAMIZDAT_HOME/trusted-roots`.
fn roots_folder() -> Result<PathBuf, Error> {
    Ok(crate::keys::store::home()?.join("trusted-roots"))
}

/// The roots of the trust store; a file that cannot be used is named in a warning and skipped.
pub fn trusted_roots() -> Result<Vec<crate::authority::root_file::RootFile>, Error> {
    let folder = roots_folder()?;
    let mut roots = Vec::new();
    let Ok(entries) = std::fs::read_dir(&folder) else {
        return Ok(roots);
    };
    let mut paths: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "pub"))
        .collect();
    paths.sort();
    for path in paths {
        match crate::authority::root_file::RootFile::load(&path) {
            Ok(root) => roots.push(root),
            Err(error) => crate::cli::to_stderr(format_args!(
                "tamizdat: warning: skipped trusted root file: {error}"
            )),
        }
    }
    Ok(roots)
}

/// Verifies an opened bundle, and remembers what a certified one taught (its root versions,
/// statements, and its number) before anything is done with it: its signed header is the
/// publisher's whatever happens to the payload after it. A state that cannot be written
/// refuses the bundle (exit 2): a forgotten revocation would let the thief's next one in.
fn verify_and_record<R: std::io::Read>(
    opened: crate::read::Bundle<R>,
    keys: &Trust,
) -> Result<crate::read::VerifiedBundle<R>, BundleError> {
    let verified = opened.verify(keys)?;
    keys.record(verified.header())
        .map_err(BundleError::Remember)?;
    Ok(verified)
}

/// Names each trust store file that was not used, one warning line each on stderr: the
/// command goes on with the other keys, but the reader must learn that a key is missing.
fn warn_skipped(skipped: &[SkippedFile]) {
    for file in skipped {
        crate::cli::to_stderr(format_args!(
            "tamizdat: warning: skipped trusted key file {}: {}",
            shown(&file.path.display().to_string(), 300),
            file.reason
        ));
    }
}

/// `tamizdat unpack`: verifies a bundle (a file, or `-` for standard input) and writes its
/// files into `to`; with `salvage`, recovers what it can of a damaged bundle file, keeping
/// only files that verify.
pub fn unpack(bundle: &Path, to: &Path, keys: &Trust, salvage: bool) -> Result<Verdict, Error> {
    // The empty folder is replaced as a whole (that is what makes unpacking atomic), so a shell
    // sitting in it must change into the new one.
    let replaces_current_folder = std::fs::canonicalize(to).ok()
        == std::env::current_dir()
            .ok()
            .and_then(|d| std::fs::canonicalize(d).ok());
    let progress = ProgressBar::new(if salvage { "salvaging" } else { "unpacking" }, false);
    let code = if salvage {
        if is_standard_input(bundle) {
            return Err(Error::SalvageFromStandardInput);
        }
        let report = Bundle::open(bundle)
            .and_then(|opened| verify_and_record(opened, keys))
            .and_then(|verified| crate::read::salvage_into(verified, to, &progress))
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
            for problem in &report.problems {
                detail(format_args!("  detail: {problem}"))?;
            }
        }
        say(format_args!(
            "recovered {} of {total} files into {}, each checked against its signature",
            report.recovered,
            to.display()
        ))?;
        for path in &report.lost {
            print(format_args!("LOST    {}", shown(path, 1024)))?;
        }
        if report.is_complete() {
            Verdict::Ok
        } else {
            if !report.lost.is_empty() {
                say(format_args!(
                    "get another copy of the bundle to recover the lost files"
                ))?;
            }
            Verdict::Invalid
        }
    } else {
        let header = open_bundle(bundle)
            .and_then(|opened| verify_and_record(opened, keys))
            .and_then(|verified| crate::read::unpack_into(verified, to, &progress))
            .map_err(|e| refused(bundle, keys, e, "tamizdat unpack --salvage"))?;
        progress.finish();
        print(format_args!("VALID   {}", describe(bundle, &header)))?;
        say(format_args!(
            "unpacked {} into {}",
            crate::format::text::count(header.manifest().files.len(), "file"),
            to.display()
        ))?;
        Verdict::Ok
    };
    if replaces_current_folder {
        say(format_args!(
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
    let mut signer = format!(
        "{} [{}]",
        shown(header.signer().name(), 100),
        header.signer().fingerprint()
    );
    let mut after = String::new();
    if let Some(certified) = header.certified() {
        signer = format!(
            "{signer}, certified by {} [root {}]",
            shown(certified.signer.publisher(), 100),
            certified.signer.root_fingerprint()
        );
        if let crate::authority::reader::Placement::Archive { newest } =
            certified.judgement.placement
        {
            after = format!(
                " (an OLDER edition: you already have #{newest} of {}; kept as an archive edition, never shown as the latest)",
                manifest.channel
            );
        }
        for warning in &certified.judgement.warnings {
            crate::cli::to_stderr(format_args!("tamizdat: warning: {warning}"));
        }
    }
    format!(
        "{}: signed by {}, channel {} #{}, {}, {}, {}, {}: \"{}\"{after}",
        path.display(),
        signer,
        manifest.channel,
        manifest.sequence,
        manifest.created,
        crate::format::text::count(manifest.articles.len(), "article"),
        crate::format::text::count(manifest.files.len(), "file"),
        human_bytes(header.bundle_len()),
        shown(&manifest.title, 120)
    )
}

/// True for a standalone statement file (a revocation, certificate or root chain passed around
/// alone), recognised by its first bytes.
fn is_statement_file(path: &Path) -> bool {
    use std::io::Read;
    let mut start = [0u8; 8];
    !is_standard_input(path)
        && std::fs::File::open(path)
            .and_then(|mut file| file.read_exact(&mut start))
            .is_ok()
        && &start == crate::format::statement::CREDENTIALS_FILE_MAGIC
}

/// `tamizdat verify FILE` (and `open FILE`) for a statement file: verifies it against the
/// trusted roots, remembers it for ever, and says what it means.
fn verify_statement_file(path: &Path, keys: &Trust, json: bool) -> Result<Verdict, Error> {
    let refuse = |source| Error::Statement {
        path: path.to_path_buf(),
        source: Box::new(source),
    };
    let credentials = crate::authority::publisher::read_credentials(path)?;
    let found = match keys.authority.check_statement_file(&credentials) {
        Ok(found) => found,
        Err(error) => {
            let error = refuse(error);
            if json {
                print(format_args!(
                    "{}",
                    serde_json::json!({"file": path.display().to_string(), "verdict": "invalid", "reason": error.to_string()})
                ))?;
                return Ok(Verdict::Invalid);
            }
            return Err(error);
        }
    };
    let publisher = found.signer.publisher().to_string();
    let mut lines = Vec::new();
    for revocation in &found.revocations {
        let key = PublicKey::new("revoked", &revocation.key)
            .map(|k| k.fingerprint())
            .unwrap_or_default();
        lines.push(format!(
            "{publisher} revoked the key [{key}] on {} from {} (reason: {})",
            &crate::format::manifest::format_created(revocation.issued)[..10],
            revocation
                .from_sequence
                .iter()
                .map(|(channel, n)| format!("{channel} #{n}"))
                .collect::<Vec<_>>()
                .join(", "),
            shown(&revocation.reason, 300)
        ));
    }
    for certificate in &found.certificates {
        lines.push(format!(
            "{publisher} certified {} for {} until {}",
            shown(&certificate.key_name, 100),
            certificate.channels.join(", "),
            &crate::format::manifest::format_created(certificate.valid_until)[..10]
        ));
    }
    if found.added_versions > 0 {
        lines.push(format!(
            "the root of {publisher} moved on to version {}",
            found.signer.chain.newest().version
        ));
    }
    if lines.is_empty() {
        lines.push(format!("the root of {publisher}, as you know it"));
    }
    if let Some(state) = &keys.state {
        state.update(
            |file| keys.authority.learn(file, &found.signer, None),
            |changed| *changed,
        )?;
    }
    if json {
        print(format_args!(
            "{}",
            serde_json::json!({"file": path.display().to_string(), "verdict": "valid", "statements": lines})
        ))?;
    } else {
        for line in lines {
            print(format_args!("VALID   {}: {line}", path.display()))?;
        }
    }
    flag_refused_editions()?;
    Ok(Verdict::Ok)
}

/// After learning revocations: names each accepted edition the reader now refuses, and makes
/// the library's pages say so.
fn flag_refused_editions() -> Result<(), Error> {
    let trust = trusted_keys(&[])?;
    for (publisher, channel, sequence, reason) in trust.authority.refused_editions() {
        print(format_args!(
            "REVOKED {channel} #{sequence} of {}: its key was revoked (reason: {}); do not trust it",
            shown(&publisher, 100),
            shown(&reason, 300)
        ))?;
    }
    follow_trust_in_library()
}

/// The bundles named on the command line: each file as it is, and the bundles directly in each
/// folder, recognised by their first bytes whatever they are called, with a `SKIPPED` line (or
/// JSON object) for everything else in the folder, and for a folder with no bundle at all.
fn bundles_from_arguments(paths: &[PathBuf], json: bool) -> Result<Vec<PathBuf>, Error> {
    let mut bundles = Vec::new();
    let skip = |path: &Path, why: &str| {
        if json {
            let value = serde_json::json!({
                "file": path.display().to_string(),
                "verdict": "skipped",
                "reason": why,
            });
            print(format_args!("{value}"))
        } else {
            print(format_args!("SKIPPED {}: {why}", path.display()))
        }
    };
    if paths.iter().filter(|path| is_standard_input(path)).count() > 1 {
        return Err(Error::StandardInputTwice);
    }
    for path in paths {
        if is_standard_input(path) || !path.is_dir() {
            bundles.push(path.clone());
            continue;
        }
        let folder = crate::read::find::bundles_in(path);
        for (skipped, why) in &folder.skipped {
            skip(skipped, why)?;
        }
        if folder.bundles.is_empty() {
            skip(path, "there is no tamizdat bundle in this folder")?;
        }
        bundles.extend(folder.bundles);
    }
    Ok(bundles)
}

/// What `verify` found for one bundle.
struct Checked {
    path: PathBuf,
    outcome: Result<VerifiedHeader, BundleError>,
    /// When the outcome is damage: what it means for the reader.
    damage: Option<Damage>,
}

impl Checked {
    /// The line for people: `VALID …`, `INVALID …: why; what to do`, or `ERROR …`.
    fn line(&self, quick: bool) -> String {
        match &self.outcome {
            Ok(header) => {
                let how = if quick { " (quick check)" } else { "" };
                format!("VALID   {}{how}", describe(&self.path, header))
            }
            Err(error) => {
                let word = if Verdict::of_bundle_error(error) == Verdict::Invalid {
                    "INVALID"
                } else {
                    "ERROR  "
                };
                let line = match &self.damage {
                    Some(damage) => damage.line(),
                    None => with_hint(error.to_string(), bundle_hint(error)),
                };
                format!("{word} {}: {line}", self.path.display())
            }
        }
    }

    /// The object for scripts (README, "verify --json").
    fn json(&self, quick: bool) -> serde_json::Value {
        let check = if quick { "quick" } else { "full" };
        match &self.outcome {
            Ok(header) => {
                let manifest = header.manifest();
                serde_json::json!({
                    "file": self.path.display().to_string(),
                    "verdict": "valid",
                    "check": check,
                    "signer": {
                        "name": header.signer().name(),
                        "fingerprint": header.signer().fingerprint(),
                        "key_id": header.signer().key_id().to_hex(),
                    },
                    "channel": manifest.channel,
                    "sequence": manifest.sequence,
                    "created": manifest.created,
                    "title": manifest.title,
                    "articles": manifest.articles.len(),
                    "files": manifest.files.len(),
                    "bytes": header.bundle_len(),
                    "certified": header.certified().map(|certified| serde_json::json!({
                        "publisher": certified.signer.publisher(),
                        "root_fingerprint": certified.signer.root_fingerprint(),
                        "latest": matches!(
                            certified.judgement.placement,
                            crate::authority::reader::Placement::Latest
                        ),
                        "warnings": certified.judgement.warnings,
                    })),
                    "reason": null,
                    "hint": null,
                })
            }
            Err(error) => {
                let verdict = if Verdict::of_bundle_error(error) == Verdict::Invalid {
                    "invalid"
                } else {
                    "error"
                };
                match &self.damage {
                    Some(damage) => serde_json::json!({
                        "file": self.path.display().to_string(),
                        "verdict": verdict,
                        "check": check,
                        "reason": damage.sentence,
                        "hint": damage.hint,
                        "damage": {
                            "detail": damage.detail,
                            "files": damage.lost.as_ref().map(|_| damage.files),
                            "unreadable": damage.lost,
                        },
                    }),
                    None => serde_json::json!({
                        "file": self.path.display().to_string(),
                        "verdict": verdict,
                        "check": check,
                        "reason": error.to_string(),
                        "hint": bundle_hint(error),
                        "damage": null,
                    }),
                }
            }
        }
    }
}

/// `tamizdat verify`: checks each bundle (or every bundle in a folder) and prints one line per
/// bundle, or with `json` one JSON object per line; `quick` checks the signature and the
/// whole-payload hash only, without decompressing. Two valid bundles that claim the same
/// publisher, channel and number but differ are reported as a conflict (exit 1): the publisher's
/// key signed two editions under one number, so neither can be trusted to be the real one.
pub fn verify(
    bundles: &[PathBuf],
    keys: &Trust,
    quick: bool,
    json: bool,
) -> Result<Verdict, Error> {
    let mut worst = Verdict::Ok;
    // (key id, channel, sequence) -> (manifest digest, file) of the first valid bundle seen.
    let mut claims: std::collections::BTreeMap<(String, String, u64), (String, PathBuf)> =
        std::collections::BTreeMap::new();
    let bundles = bundles_from_arguments(bundles, json)?;
    if bundles.is_empty() {
        // Folders with nothing in them to check: a script must not read this as "all valid".
        return Ok(Verdict::Failed);
    }
    for path in bundles {
        // The bar is drawn only once there is a verified bundle to read.
        if is_statement_file(&path) {
            worst = worst.max(verify_statement_file(&path, keys, json)?);
            continue;
        }
        let outcome = open_bundle(&path)
            .and_then(|opened| verify_and_record(opened, keys))
            .and_then(|verified| {
                let progress = ProgressBar::new("verifying", json);
                if quick {
                    verified.check_quick(&progress)
                } else {
                    verified.check(&progress)
                }
            });
        // A quick check never decompresses, so it does not count what damage costs.
        let damage = outcome
            .as_ref()
            .err()
            .and_then(|error| Damage::of(&path, keys, error, !quick, "tamizdat open --salvage"));
        let checked = Checked {
            path,
            outcome,
            damage,
        };
        if json {
            print(format_args!("{}", checked.json(quick)))?;
        } else {
            print(format_args!("{}", checked.line(quick)))?;
            if let Some(damage) = &checked.damage {
                damage.print_lost()?;
            }
        }
        match &checked.outcome {
            Ok(header) => {
                let manifest = header.manifest();
                let claim = (
                    manifest.publisher.key_id.clone(),
                    manifest.channel.clone(),
                    manifest.sequence,
                );
                let digest = crate::library::manifest_sha256(manifest);
                match claims.get(&claim) {
                    Some((seen, first)) if *seen != digest => {
                        worst = worst.max(Verdict::Invalid);
                        conflict(first, &checked.path, &claim.1, claim.2, json)?;
                    }
                    Some(_) => {}
                    None => {
                        claims.insert(claim, (digest, checked.path.clone()));
                    }
                }
            }
            Err(error) => worst = worst.max(Verdict::of_bundle_error(error)),
        }
    }
    Ok(worst)
}

/// Says that `first` and `second` are two different editions signed under one number.
fn conflict(
    first: &Path,
    second: &Path,
    channel: &str,
    sequence: u64,
    json: bool,
) -> Result<(), Error> {
    let reason = format!(
        "{} and {} are two different editions that both claim to be #{sequence} of channel {channel} by the same publisher; the publisher's key signed both, so neither can be trusted to be the real one",
        first.display(),
        second.display()
    );
    if json {
        let value = serde_json::json!({
            "files": [first.display().to_string(), second.display().to_string()],
            "verdict": "conflict",
            "channel": channel,
            "sequence": sequence,
            "reason": reason,
            "hint": "ask the publisher which one is real",
        });
        print(format_args!("{value}"))
    } else {
        print(format_args!(
            "CONFLICT {reason}; ask the publisher which one is real"
        ))
    }
}

/// `tamizdat info`: describes a bundle, as text or JSON, even one that is not trusted.
pub fn info(path: &Path, json: bool, keys: &Trust) -> Result<Verdict, Error> {
    let bundle = open_bundle(path).map_err(|e| with_file(path, e))?;
    let key_id = bundle.claimed_key_id();
    let format_minor = bundle.format_minor();
    let format_major = bundle.format_major();
    // What the header claims is read before the signature is checked, so that an untrusted
    // bundle can still be described; it is a ClaimedManifest, only ever shown, and escaped.
    let claimed = bundle.claimed_manifest();
    let verified = bundle.verify(keys);
    let (status, manifest) = match &verified {
        Ok(verified) => (
            format!(
                "signature VALID: signed by {} [{}] (the payload was not checked; run `tamizdat verify`)",
                shown(verified.signer().name(), 100),
                verified.signer().fingerprint()
            ),
            Some(verified.manifest()),
        ),
        Err(error) => (
            format!(
                "UNVERIFIED: {}",
                with_hint(error.to_string(), bundle_hint(error))
            ),
            claimed.as_ref().map(|claimed| claimed.unverified()),
        ),
    };
    if json {
        // Named for what was checked, so no script mistakes it for a full verification: info
        // reads the header alone, never the payload.
        let value = serde_json::json!({
            "file": path.display().to_string(),
            "header_signature": if verified.is_ok() { "valid" } else { "not verified" },
            "payload": "not checked",
            "signer": verified.as_ref().ok().map(|verified| serde_json::json!({
                "name": verified.signer().name(),
                "fingerprint": verified.signer().fingerprint(),
            })),
            "status": status,
            "key_id": key_id.to_hex(),
            "format_version": format!("{format_major}.{format_minor}"),
            "manifest": manifest,
        });
        print(format_args!(
            "{}",
            serde_json::to_string_pretty(&value).unwrap_or_default()
        ))?;
    } else {
        print(format_args!("{}: {status}", path.display()))?;
        print(format_args!(
            "format {format_major}.{format_minor}{}, key id {key_id}",
            if format_major == 2 {
                " (certified by a publisher root)"
            } else {
                ""
            }
        ))?;
        match manifest {
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
                print_manifest(manifest)?;
            }
            None => print(format_args!("the manifest cannot be read"))?,
        }
    }
    Ok(if verified.is_ok() {
        Verdict::Ok
    } else {
        Verdict::Invalid
    })
}

fn print_manifest(manifest: &crate::format::Manifest) -> Result<(), Error> {
    print(format_args!("  channel: {}", manifest.channel))?;
    print(format_args!("  sequence: {}", manifest.sequence))?;
    print(format_args!("  created: {}", manifest.created))?;
    print(format_args!("  title: {}", shown(&manifest.title, 200)))?;
    print(format_args!(
        "  language: {}",
        shown(&manifest.language, 40)
    ))?;
    print(format_args!(
        "  {}, {}, {}",
        crate::format::text::count(manifest.articles.len(), "article"),
        crate::format::text::count(manifest.files.len(), "file"),
        crate::format::text::count(manifest.frames.len(), "frame")
    ))?;
    for article in &manifest.articles {
        print(format_args!(
            "    {} [{}] {}",
            shown(article.main_file.as_str(), 200),
            shown(article.language.as_deref().unwrap_or("?"), 40),
            shown(&article.title, 200)
        ))?;
    }
    Ok(())
}

/// `tamizdat fingerprint`: the fingerprint of a public key file, to compare with the
/// publisher's.
pub fn fingerprint(public_key: &Path) -> Result<Verdict, Error> {
    let key = PublicKey::load(public_key)?;
    print(format_args!(
        "{}  {} (key id {})",
        key.fingerprint(),
        key.name(),
        key.key_id()
    ))?;
    Ok(Verdict::Ok)
}

/// `tamizdat trust`: adds, lists or removes trusted publisher keys.
pub fn trust(action: TrustAction) -> Result<Verdict, Error> {
    let store = TrustStore::open_default()?;
    match action {
        TrustAction::Add { public_key }
            if crate::authority::root_file::RootFile::looks_like_root_file(
                &String::from_utf8_lossy(&std::fs::read(&public_key).unwrap_or_default()),
            ) =>
        {
            let root = crate::authority::root_file::RootFile::load(&public_key)?;
            let folder = roots_folder()?;
            std::fs::create_dir_all(&folder).map_err(|source| Error::Io {
                context: format!("cannot create {}", folder.display()),
                source,
            })?;
            let path = folder.join(format!("{}.pub", root.chain.short_id()));
            let added =
                match crate::keys::write_new_file(&path, root.to_file_text().as_bytes(), 0o644) {
                    Ok(()) => true,
                    Err(crate::keys::KeyError::AlreadyExists { .. }) => false,
                    Err(error) => return Err(error.into()),
                };
            print(format_args!(
                "{}: {}  {} (publisher root {}, {} of {} editors sign)",
                if added {
                    "now trusted"
                } else {
                    "was already trusted"
                },
                root.chain.fingerprint(),
                shown(root.name(), 100),
                root.chain.short_id(),
                root.chain.newest().threshold,
                root.chain.newest().editors.len()
            ))?;
            if added {
                say(format_args!(
                    "Check that this fingerprint matches the one the publisher gave you through another channel. Every signing key this root certifies is now trusted for the channels it names."
                ))?;
                follow_trust_in_library()?;
            }
        }
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
                say(format_args!(
                    "Check that this fingerprint matches the one the publisher gave you through another channel."
                ))?;
                follow_trust_in_library()?;
            }
        }
        TrustAction::List => {
            let listing = store.list()?;
            warn_skipped(&listing.skipped);
            let keys = listing.keys;
            let roots = trusted_roots()?;
            for root in &roots {
                print(format_args!(
                    "{}  {}  {} (publisher root)",
                    root.chain.short_id(),
                    root.chain.fingerprint(),
                    shown(root.name(), 100)
                ))?;
            }
            if keys.is_empty() && roots.is_empty() {
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
        TrustAction::Remove { id } if remove_root(&id)? => {}
        TrustAction::Remove { id } => {
            let removed = store.remove(&id)?;
            warn_skipped(&removed.skipped);
            let key = &removed.key;
            print(format_args!(
                "no longer trusted: {}  {}",
                key.fingerprint(),
                key.name()
            ))?;
            if removed.files.len() > 1 {
                say(format_args!(
                    "removed the {} files that held it",
                    removed.files.len()
                ))?;
            }
            follow_trust_in_library()?;
        }
    }
    Ok(Verdict::Ok)
}

/// `trust remove` of a root, by id or fingerprint prefix (4 characters at least): true when
/// exactly one root matched and was removed.
fn remove_root(id: &str) -> Result<bool, Error> {
    let wanted = id.trim().to_ascii_lowercase().replace('-', "");
    if wanted.len() < 4 {
        return Ok(false);
    }
    let folder = roots_folder()?;
    let matching: Vec<crate::authority::root_file::RootFile> = trusted_roots()?
        .into_iter()
        .filter(|root| {
            root.chain.short_id().starts_with(&wanted)
                || root
                    .chain
                    .fingerprint()
                    .to_ascii_lowercase()
                    .replace('-', "")
                    .starts_with(&wanted)
        })
        .collect();
    let [root] = matching.as_slice() else {
        return Ok(false);
    };
    let path = folder.join(format!("{}.pub", root.chain.short_id()));
    std::fs::remove_file(&path).map_err(|source| Error::Io {
        context: format!("cannot remove {}", path.display()),
        source,
    })?;
    let _ = crate::fs::sync_folder(&folder);
    print(format_args!(
        "no longer trusted: {}  {} (publisher root)",
        root.chain.fingerprint(),
        shown(root.name(), 100)
    ))?;
    follow_trust_in_library()?;
    Ok(true)
}

/// `tamizdat status`: per publisher root and channel, the newest edition accepted, its age and
/// the publisher's usual cadence (a warning when editions seem withheld), expired certificates
/// and revoked editions. Never a refusal: old news is still news to an offline reader.
pub fn status(json: bool) -> Result<Verdict, Error> {
    let trust = trusted_keys(&[])?;
    let authority = &trust.authority;
    let now = authority.now();
    let freshness = authority.freshness();
    let mut warnings: Vec<String> = freshness
        .iter()
        .filter(|f| f.stale)
        .map(|f| f.message.clone())
        .collect();
    warnings.extend(authority.expired_certificates());
    let channels: Vec<serde_json::Value> = freshness
        .iter()
        .map(|f| {
            serde_json::json!({
                "publisher": f.publisher,
                "root_fingerprint": f.root_fingerprint,
                "channel": f.channel,
                "newest_sequence": f.newest.sequence,
                "newest_created": f.newest.created,
                "newest_title": f.newest.title,
                "age_hours": f.age_hours,
                "cadence_hours": if f.cadence_hours == 0 { None } else { Some(f.cadence_hours) },
                "stale": f.stale,
                "message": f.message,
            })
        })
        .collect();
    let revoked: Vec<serde_json::Value> = authority
        .refused_editions()
        .into_iter()
        .map(|(publisher, channel, sequence, reason)| {
            serde_json::json!({"publisher": publisher, "channel": channel, "sequence": sequence, "reason": reason})
        })
        .collect();
    if json {
        print(format_args!(
            "{}",
            serde_json::json!({
                "now": crate::format::manifest::format_created(now),
                "channels": channels,
                "revoked_editions": revoked,
                "warnings": warnings,
            })
        ))?;
        return Ok(Verdict::Ok);
    }
    if authority.is_empty() {
        print(format_args!(
            "no publisher roots trusted: `tamizdat trust add ROOT.pub` adds one"
        ))?;
    }
    for channel in &channels {
        let marker = if channel["stale"] == true {
            "WARNING"
        } else {
            "OK     "
        };
        print(format_args!(
            "{marker} {}: {}",
            shown(channel["publisher"].as_str().unwrap_or_default(), 100),
            channel["message"].as_str().unwrap_or_default()
        ))?;
    }
    for warning in warnings.iter().filter(|w| w.contains("certificate")) {
        print(format_args!("WARNING {warning}"))?;
    }
    for edition in &revoked {
        print(format_args!(
            "REVOKED {} #{} of {}: its key was revoked (reason: {})",
            edition["channel"].as_str().unwrap_or_default(),
            edition["sequence"],
            shown(edition["publisher"].as_str().unwrap_or_default(), 100),
            shown(edition["reason"].as_str().unwrap_or_default(), 300)
        ))?;
    }
    Ok(Verdict::Ok)
}

/// After `trust add` or `trust remove`: rewrites the verification line of every edition in
/// the reader's library signed by that key (`CHANGED …` lines), so no page says "Verified"
/// of a key no longer trusted. With no library yet, nothing is created.
fn follow_trust_in_library() -> Result<(), Error> {
    let root = Library::default_root()?;
    if !root.join("records").is_dir() {
        return Ok(());
    }
    let library = Library::open(&root)?;
    match library.lock() {
        Ok(lock) => {
            tidy_or_warn(&library, &lock, &trust_now()?);
        }
        Err(_) => print(format_args!(
            "the library is in use by another tamizdat; its pages will follow at its next open"
        ))?,
    }
    Ok(())
}

/// `tamizdat library list`: every edition in the library, newest first, with its id and
/// what its pages say of its signature.
pub fn library_list(library: Option<PathBuf>) -> Result<Verdict, Error> {
    let root = match &library {
        Some(root) => root.clone(),
        None => Library::default_root()?,
    };
    let Some(library) = existing_library(library)? else {
        print(format_args!(
            "no editions: there is no library at {} yet (`tamizdat open BUNDLE` makes it)",
            root.display()
        ))?;
        return Ok(Verdict::Ok);
    };
    let editions = library.editions(&trust_now()?)?;
    if editions.is_empty() {
        print(format_args!(
            "no editions in the library {}",
            library.root().display()
        ))?;
    }
    for (record, standing) in editions {
        let incomplete = if record.is_complete() {
            String::new()
        } else {
            format!(
                ", incomplete: {} of {} files {} missing",
                record.missing.len(),
                record.manifest.files.len(),
                if record.missing.len() == 1 {
                    "is"
                } else {
                    "are"
                }
            )
        };
        print(format_args!(
            "{}  {}{incomplete}: {}",
            record.id,
            standing.describe(),
            summary(&record)
        ))?;
    }
    Ok(Verdict::Ok)
}

/// `tamizdat library remove ID`: forgets an edition, its files and its pages.
pub fn library_remove(library: Option<PathBuf>, id: &str) -> Result<Verdict, Error> {
    let Some(library) = existing_library(library)? else {
        return Err(LibraryError::NoSuchEdition(id.to_string()).into());
    };
    let lock = library.lock()?;
    let trust = trust_now()?;
    let record = library.remove_edition(id, &lock, &trust)?;
    print(format_args!("REMOVED {}: {}", record.id, summary(&record)))?;
    Ok(Verdict::Ok)
}

/// `tamizdat demo`: packs and reads the edition carried in the binary, in `workspace` (a new
/// folder) or in a temporary folder that is kept afterwards.
pub fn demo(workspace: Option<PathBuf>, no_browser: bool) -> Result<Verdict, Error> {
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
    let paths = crate::cli::demo::DemoPaths::unpack_into(&workspace)?;
    let result = if verbosity() == Verbosity::Quiet {
        // Only the verdict: where the demo's library is.
        let result = crate::cli::demo::run_demo(&paths, &mut std::io::sink())?;
        print(format_args!(
            "demo library: {}",
            result.front_page.display()
        ))?;
        result
    } else {
        crate::cli::demo::run_demo(&paths, &mut std::io::stdout().lock())?
    };
    if !no_browser && crate::cli::open_in_browser(&result.front_page) {
        say(format_args!(
            "opened {} in your browser",
            result.front_page.display()
        ))?;
    }
    Ok(Verdict::Ok)
}

/// The library, if there is one: listing or removing never creates it.
fn existing_library(library: Option<PathBuf>) -> Result<Option<Library>, Error> {
    let root = match library {
        Some(root) => root,
        None => Library::default_root()?,
    };
    if !root.join("records").is_dir() {
        return Ok(None);
    }
    Ok(Some(Library::open(&root)?))
}

pub(crate) fn library_at(library: Option<PathBuf>) -> Result<Library, Error> {
    let root = match library {
        Some(root) => root,
        None => Library::default_root()?,
    };
    Ok(Library::open(&root)?)
}

/// What bare `tamizdat` says in a terminal when there is nothing to open.
pub const NOTHING_TO_OPEN: &str = "There is no bundle (*.tar.zst) here or next to tamizdat to open. Run `tamizdat open BUNDLE.tar.zst`, or put tamizdat next to the bundles and start it there.\n";

/// True when `tamizdat` is started with no command from a terminal, with no bundle next to the
/// program or in the current folder: there is nothing to open, so it says so and prints its
/// help instead of creating a library. Double-clicked (no terminal), it opens the library.
pub fn nothing_to_open_here() -> bool {
    use std::io::IsTerminal;
    std::io::stdout().is_terminal() && crate::library::bundles_nearby().is_empty()
}

/// `tamizdat open`: imports bundles (the given files and folders, `-` for standard input, or
/// those nearby) into the library (each with its pages and a new front page) and opens the
/// front page, or the article `read`. With `salvage`, a damaged copy whose signature is good is
/// added as an incomplete edition.
pub fn open_library(
    paths: &[PathBuf],
    library: Option<PathBuf>,
    keys: &Trust,
    read: Option<&str>,
    no_browser: bool,
    salvage: bool,
) -> Result<Verdict, Error> {
    if salvage && paths.iter().any(|path| is_standard_input(path)) {
        return Err(Error::SalvageFromStandardInput);
    }
    let library = library_at(library)?;
    let lock = library.lock()?;
    // What a killed or failed run left is put right first; a library in order is only read.
    let trust = trust_now()?;
    let mut page = tidy_or_warn(&library, &lock, &trust);
    let mut opened: Vec<Record> = Vec::new();
    let mut worst = Verdict::Ok;
    let found: Vec<PathBuf> = if paths.is_empty() {
        crate::library::bundles_nearby()
    } else {
        bundles_from_arguments(paths, false)?
    };
    if found.is_empty() && !paths.is_empty() {
        // Asked to open something, and nothing there is a bundle: never a silent success.
        crate::cli::to_stderr(format_args!(
            "tamizdat: nothing was added: no tamizdat bundle was found in what you gave"
        ));
        return Ok(Verdict::Failed);
    }
    // Statement files first (given, or found beside the bundles on a stick): a revocation
    // that travels with the bundles applies to them.
    let (statements, bundles): (Vec<PathBuf>, Vec<PathBuf>) =
        found.into_iter().partition(|path| is_statement_file(path));
    let mut keys = keys.clone();
    if !statements.is_empty() {
        drop(lock);
        for statement in &statements {
            worst = worst.max(verify_statement_file(statement, &keys, false)?);
        }
        keys.reload()?;
        if bundles.is_empty() {
            return Ok(worst);
        }
        return open_library(
            &bundles,
            Some(library.root().to_path_buf()),
            &keys,
            read,
            no_browser,
            salvage,
        )
        .map(|verdict| verdict.max(worst));
    }
    let mut trust = trust;
    let mut refused = Vec::new();
    for bundle in &bundles {
        let import = |keys: &Trust, trust: &TrustNow| {
            import_one(&library, bundle, keys, &lock, trust, salvage)
        };
        let mut result = import(&keys, &trust);
        // Signed by a key not trusted yet, whose public key file lies beside the bundle: the
        // reader is shown who claims to have signed it and the fingerprint, and trusts it only
        // by typing the end of the fingerprint the publisher gave them.
        let mut signer = None;
        if let Err(LibraryError::Bundle {
            source: BundleError::UntrustedKey { key_id },
            ..
        }) = &result
            && let Some((key, key_file)) = key_beside(bundle, *key_id)
        {
            if offer_trust(bundle, &key)? {
                TrustStore::open_default()?.add(&key)?;
                print(format_args!(
                    "TRUSTED {}  {}: from now on, bundles it signs are verified",
                    key.fingerprint(),
                    shown(key.name(), 100)
                ))?;
                keys.keys.add(key.clone());
                trust = trust_now()?;
                result = import(&keys, &trust);
            } else {
                signer = Some(crate::library::refusals::UntrustedSigner {
                    name: key.name().to_string(),
                    fingerprint: key.fingerprint(),
                    key_file: key_file.display().to_string(),
                });
            }
        }
        match result {
            Ok((imported, report)) => {
                let standing = match &imported {
                    // A certified bundle may have taught its key just now.
                    Imported::Added(record) | Imported::AlreadyPresent(record)
                        if record.root_fingerprint.is_some() =>
                    {
                        library.standing(record, &trust_now().unwrap_or_else(|_| trust.clone()))
                    }
                    Imported::Added(record) | Imported::AlreadyPresent(record) => {
                        library.standing(record, &trust)
                    }
                };
                worst = worst.max(say_imported(bundle, &imported, standing, report.as_ref())?);
                opened.push(match imported {
                    Imported::Added(record) | Imported::AlreadyPresent(record) => record,
                });
            }
            Err(error) => {
                let code = Verdict::of_library_error(&error);
                worst = worst.max(code);
                let verdict = if code == Verdict::Invalid {
                    "INVALID"
                } else {
                    "ERROR  "
                };
                let damage = match &error {
                    LibraryError::Bundle { source, .. } => {
                        Damage::of(bundle, &keys, source, true, "tamizdat open --salvage")
                    }
                    _ => None,
                };
                let sentence = error.to_string();
                let error = Error::Library(error);
                let (reason, next) = match &damage {
                    Some(damage) => {
                        print(format_args!(
                            "{verdict} {}: {}",
                            bundle.display(),
                            damage.line()
                        ))?;
                        damage.print_lost()?;
                        (damage.sentence.clone(), Some(damage.hint.clone()))
                    }
                    None => {
                        print(format_args!(
                            "{verdict} {}",
                            crate::cli::error::error_line(&error)
                        ))?;
                        let reason = sentence
                            .strip_prefix(&format!("{}: ", bundle.display()))
                            .unwrap_or(&sentence)
                            .to_string();
                        (reason, error.hint().map(str::to_string))
                    }
                };
                refused.push(crate::library::refusals::Refusal {
                    file: bundle.file_name().map_or_else(
                        || bundle.display().to_string(),
                        |name| name.to_string_lossy().into_owned(),
                    ),
                    reason,
                    // With the signer known, the page's comparison steps say what to do.
                    next: match signer {
                        Some(_) => None,
                        None => next,
                    },
                    untrusted_signer: signer,
                });
            }
        }
    }
    // What the bundles taught (a revocation, most of all) may change what earlier editions'
    // pages must say: they are rebuilt now, and each newly refused edition is named.
    if let Ok(now) = trust_now() {
        trust = now;
        let refreshed = trusted_keys(&[])?;
        for (publisher, channel, sequence, reason) in refreshed.authority.refused_editions() {
            print(format_args!(
                "REVOKED {channel} #{sequence} of {}: its key was revoked (reason: {}); its pages now say so: do not trust it or pass it on",
                shown(&publisher, 100),
                shown(&reason, 300)
            ))?;
        }
        let _ = tidy_or_warn(&library, &lock, &trust);
    }
    if let Err(error) = library.record_refusals(&refused, &trust) {
        crate::cli::to_stderr(format_args!(
            "tamizdat: warning: {}",
            crate::cli::error::error_line(&Error::Library(error))
        ));
    }
    if let Some(article) = read {
        // The article in the bundles just opened (the last one that has it).
        match opened.iter().rev().find_map(|record| {
            crate::library::pages::article_page_in(library.root(), record, article)
        }) {
            Some(article_page) => page = article_page,
            None => {
                print(format_args!(
                    "ERROR   no bundle opened here has an article {}; showing the front page",
                    shown(article, 200)
                ))?;
                worst = worst.max(Verdict::Failed);
            }
        }
    }
    use std::io::IsTerminal;
    let all_refused = opened.is_empty() && !bundles.is_empty();
    if all_refused && (no_browser || std::io::stdout().is_terminal()) {
        // Nothing to read: the refusal, with what to do, is the last word.
        return Ok(worst);
    }
    if no_browser || !crate::cli::open_in_browser(&page) {
        if all_refused {
            say(format_args!(
                "why, and what to do: open {} in a browser",
                page.display()
            ))?;
        } else {
            say(format_args!(
                "to read: open {} in a browser",
                page.display()
            ))?;
        }
    } else {
        say(format_args!("opened {} in your browser", page.display()))?;
    }
    Ok(worst)
}

/// Says what an import did: `ADDED`, `ALREADY`, or `INCOMPLETE` for what a salvage added of a
/// damaged copy, whose `report` says what it lacks. The verdict is invalid for a damaged copy.
fn say_imported(
    bundle: &Path,
    imported: &Imported,
    standing: crate::library::Standing,
    report: Option<&crate::read::SalvageReport>,
) -> Result<Verdict, Error> {
    let damaged = report.filter(|report| !report.is_complete());
    let copy_damage = damaged.map(|report| {
        let trailing = report.lost.is_empty() && report.trailing_bytes > 0;
        damage_sentence(damage_kind(report.truncated, trailing), report)
    });
    match imported {
        Imported::Added(record) if !record.is_complete() => {
            let files = record.manifest.files.len();
            print(format_args!(
                "INCOMPLETE {}: {} of {files} files cannot be read from this damaged copy, so only the other {} were added, and the edition's pages list what is missing ({})",
                bundle.display(),
                record.missing.len(),
                files - record.missing.len().min(files),
                described(record, standing)
            ))?;
            say(format_args!(
                "a complete copy of this bundle, opened later, replaces it"
            ))?;
        }
        Imported::Added(record) => {
            print(format_args!(
                "ADDED   {}: {}",
                bundle.display(),
                described(record, standing)
            ))?;
            if let Some(damage) = &copy_damage {
                say(format_args!("{}: {damage}", bundle.display()))?;
            }
        }
        Imported::AlreadyPresent(record) => {
            let holds = if record.is_complete() {
                "already in your library"
            } else {
                "already in your library, with as many of its files as this copy has or more"
            };
            match &copy_damage {
                Some(damage) => print(format_args!(
                    "ALREADY {}: {holds} ({}); {damage}",
                    bundle.display(),
                    described(record, standing)
                ))?,
                None => print(format_args!(
                    "ALREADY {}: {holds} ({}), nothing to do",
                    bundle.display(),
                    described(record, standing)
                ))?,
            }
        }
    }
    if let Some(report) = damaged {
        for path in &report.lost {
            detail(format_args!("  cannot be read: {}", shown(path, 1024)))?;
        }
        for problem in &report.problems {
            detail(format_args!("  detail: {problem}"))?;
        }
        return Ok(Verdict::Invalid);
    }
    Ok(Verdict::Ok)
}

/// Verifies and imports one bundle: whole, or with `salvage` what can be recovered of it (then
/// with the salvage's report).
fn import_one(
    library: &Library,
    bundle: &Path,
    keys: &Trust,
    lock: &crate::fs::DestinationLock,
    trust: &TrustNow,
    salvage: bool,
) -> Result<(Imported, Option<crate::read::SalvageReport>), LibraryError> {
    let progress = || ProgressBar::new("importing", false);
    let in_bundle = |source| LibraryError::Bundle {
        bundle: bundle.to_path_buf(),
        source,
    };
    // Each bar is drawn only once there is a verified bundle to read.
    if salvage {
        Bundle::open(bundle)
            .and_then(|opened| verify_and_record(opened, keys))
            .map_err(in_bundle)
            .and_then(|verified| {
                let trust = trust_after(library, lock, verified.header(), trust);
                library.import_salvaged(verified, lock, &progress(), &trust)
            })
            .map(|(imported, report)| (imported, Some(report)))
    } else {
        open_bundle(bundle)
            .and_then(|opened| verify_and_record(opened, keys))
            .map_err(in_bundle)
            .and_then(|verified| {
                if let Some(certified) = verified.header().certified()
                    && let crate::authority::reader::Placement::Archive { newest } =
                        certified.judgement.placement
                {
                    let manifest = verified.manifest();
                    let _ = print(format_args!(
                        "OLDER   {}: #{} of {} is older than #{newest}, which you already have: it is added as an archive edition, not as the latest",
                        bundle.display(),
                        manifest.sequence,
                        manifest.channel
                    ));
                }
                for warning in verified
                    .header()
                    .certified()
                    .map(|c| c.judgement.warnings.clone())
                    .unwrap_or_default()
                {
                    crate::cli::to_stderr(format_args!("tamizdat: warning: {warning}"));
                }
                let trust = trust_after(library, lock, verified.header(), trust);
                library.import(verified, lock, &progress(), &trust)
            })
            .map(|imported| (imported, None))
    }
}

/// What the reader trusts once `header` is verified: a certified bundle may have taught it a
/// certified key or a revocation, so the library's pages follow before its edition joins them.
fn trust_after(
    library: &Library,
    lock: &crate::fs::DestinationLock,
    header: &VerifiedHeader,
    trust: &TrustNow,
) -> TrustNow {
    if header.certified().is_none() {
        return trust.clone();
    }
    let fresh = trust_now().unwrap_or_else(|_| trust.clone());
    let _ = library.tidy(lock, &fresh);
    fresh
}

/// A public key file (`*.pub`) in the bundle's folder with the key id the bundle claims, whose
/// key the bundle's signature verifies with: who really signed it, if not whom to trust.
fn key_beside(bundle: &Path, key_id: crate::keys::KeyId) -> Option<(PublicKey, PathBuf)> {
    if is_standard_input(bundle) {
        return None;
    }
    let folder = crate::fs::parent_folder(bundle);
    let mut candidates: Vec<PathBuf> = std::fs::read_dir(folder)
        .ok()?
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| {
            path.extension()
                .is_some_and(|extension| extension.eq_ignore_ascii_case("pub"))
        })
        .collect();
    candidates.sort();
    candidates.into_iter().find_map(|path| {
        let key = crate::keys::store::read_key_file(&path).ok()?;
        if key.key_id() != key_id {
            return None;
        }
        Bundle::open(bundle)
            .ok()?
            .verify(&TrustedKeys::new(vec![key.clone()]))
            .ok()?;
        let path = std::fs::canonicalize(&path).unwrap_or(path);
        Some((key, path))
    })
}

/// At a terminal: shows who claims to have signed `bundle` and the fingerprint, and asks for
/// the fingerprint's last four characters as the publisher gave them. True only when they
/// match; without a terminal, false at once (the front page then explains).
fn offer_trust(bundle: &Path, key: &PublicKey) -> Result<bool, Error> {
    use std::io::{BufRead, IsTerminal};
    if !std::io::stdin().is_terminal() || !std::io::stdout().is_terminal() {
        return Ok(false);
    }
    let fingerprint = key.fingerprint();
    print(format_args!(
        "UNTRUSTED {} says it was signed by \"{}\", with the key whose fingerprint is\n\n    {fingerprint}\n\nAnyone can write any name: the fingerprint is what counts. Compare it, every group, with the fingerprint the publisher broadcasts (on its website, radio, TV or social accounts).",
        bundle.display(),
        shown(key.name(), 100)
    ))?;
    print(format_args!(
        "To trust this key, type the last four characters of the fingerprint the publisher gave you (Enter to skip): "
    ))?;
    let mut answer = String::new();
    if std::io::stdin().lock().read_line(&mut answer).is_err() {
        return Ok(false);
    }
    let typed: String = answer
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_ascii_uppercase();
    if typed.is_empty() {
        return Ok(false);
    }
    let expected: String = fingerprint.chars().filter(|c| *c != '-').collect();
    let expected = &expected[expected.len().saturating_sub(4)..];
    if typed == expected {
        return Ok(true);
    }
    print(format_args!(
        "{typed} are not the last four characters of this key's fingerprint: it is not trusted. If the publisher's fingerprint differs, someone else signed this copy."
    ))?;
    Ok(false)
}

/// What the reader trusts now, which every page's verification line follows: the trust store
/// alone, never a key given for one command.
pub fn trust_now() -> Result<TrustNow, Error> {
    let (keys, _) = TrustStore::open_default()?.trusted_keys()?;
    let mut fingerprints: Vec<String> = keys.fingerprints().collect();
    let mut revoked = Vec::new();
    let authority = reader_authority(trusted_roots()?, &state_folder()?.load()?)?;
    for known in authority.roots() {
        for (_, certificate) in &known.certificates {
            if let Ok(key) = PublicKey::new("certified", &certificate.key) {
                fingerprints.push(key.fingerprint());
            }
        }
        for (_, revocation) in &known.revocations {
            if let Ok(key) = PublicKey::new("revoked", &revocation.key) {
                revoked.push(crate::library::standing::Revoked {
                    root: known.chain.fingerprint(),
                    key: key.fingerprint(),
                    from_sequence: revocation.from_sequence.clone(),
                });
            }
        }
    }
    let mut notices: Vec<String> = authority
        .freshness()
        .into_iter()
        .filter(|f| f.stale)
        .map(|f| f.message)
        .collect();
    notices.extend(authority.expired_certificates());
    Ok(TrustNow::new(fingerprints)
        .with_revoked(revoked)
        .with_notices(notices))
}

/// Tidies the library, and says which editions' pages now say something else of their
/// signature; a failure (a full disk, most likely) is a warning, not the end of the command:
/// the library as it stands is consistent, and still readable and servable.
fn tidy_or_warn(library: &Library, lock: &crate::fs::DestinationLock, trust: &TrustNow) -> PathBuf {
    match library.tidy(lock, trust) {
        Ok(tidied) => {
            for (record, standing) in &tidied.restood {
                let _ = print(format_args!(
                    "CHANGED {}: now {}",
                    summary(record),
                    standing.describe()
                ));
            }
            tidied.front_page
        }
        Err(error) => {
            crate::cli::to_stderr(format_args!(
                "tamizdat: warning: {}",
                crate::cli::error::error_line(&Error::Library(error))
            ));
            library.front_page()
        }
    }
}

/// [`summary`], ending with what the edition's pages say of its signature when that is not
/// "verified" (a key given for this command only, one no longer trusted, a disputed number).
fn described(record: &Record, standing: crate::library::Standing) -> String {
    if standing.is_trusted() {
        summary(record)
    } else {
        format!("{}; {}", summary(record), standing.describe())
    }
}

fn summary(record: &Record) -> String {
    let manifest = &record.manifest;
    format!(
        "signed by {} [{}], channel {} #{}, {}: \"{}\"{}",
        shown(&record.signer_name, 100),
        record.fingerprint,
        manifest.channel,
        manifest.sequence,
        crate::format::text::count(manifest.articles.len(), "article"),
        shown(&manifest.title, 120),
        match record.older_than {
            Some(newest) => format!(" (an older edition: it arrived after #{newest})"),
            None => String::new(),
        }
    )
}

/// `tamizdat serve`: serves the library's pages over HTTP at `listen` (a loopback address by
/// default) until the process is stopped.
pub fn serve(
    library: Option<PathBuf>,
    listen: Option<std::net::SocketAddr>,
) -> Result<Verdict, Error> {
    let library = library_at(library)?;
    {
        let lock = library.lock()?;
        tidy_or_warn(&library, &lock, &trust_now()?);
    }
    let address = listen.unwrap_or_else(crate::library::serve::default_address);
    if !address.ip().is_loopback() {
        crate::cli::to_stderr(format_args!(
            "tamizdat: warning: serving on {address}: anyone who can reach this address can read your library"
        ));
    }
    let server = crate::library::serve::Server::bind(library, address)?;
    let shown_address = server.address();
    print(format_args!(
        "serving your library at http://{shown_address}/ (read-only; press Ctrl-C to stop)"
    ))?;
    server.run()?;
    Ok(Verdict::Ok)
}
