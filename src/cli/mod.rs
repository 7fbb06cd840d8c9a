//! Pieces both command-line tools share: progress bars, passphrase input, readable sizes.
//! They only present things; the work is done by the rest of the library.

pub mod credentials;
pub mod demo;
pub mod error;
pub mod mirror;
pub mod publisher;
pub mod reader;

pub use crate::format::text::{human_bytes, shown};

use std::io::IsTerminal;
use std::path::Path;

use age::secrecy::SecretString;

use crate::fs::Progress;
use crate::keys::{KeyError, passphrases_match};

/// Environment variable read for automation, when there is no one to type a passphrase.
pub const PASSPHRASE_ENV: &str = "TAMIZDAT_PASSPHRASE";

/// How much a command prints, from `-q` and `-v`, the same for every command of both tools.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verbosity {
    /// `-q`: verdicts (VALID, INVALID, ADDED…), warnings and errors only.
    Quiet,
    /// The default: verdicts, and what was done and what to do next.
    Normal,
    /// `-v`: also the technical detail (which files a damaged copy lost, and why).
    Verbose,
}

impl Verbosity {
    /// From the `-q` and `-v` flags (which clap keeps from being given together).
    pub fn from_flags(quiet: bool, verbose: bool) -> Verbosity {
        if quiet {
            Verbosity::Quiet
        } else if verbose {
            Verbosity::Verbose
        } else {
            Verbosity::Normal
        }
    }
}

static VERBOSITY: std::sync::atomic::AtomicU8 = std::sync::atomic::AtomicU8::new(1);

/// Sets how much every command of this process prints; the binary calls it once, from its
/// `-q` and `-v` flags, before running the command.
pub fn set_verbosity(verbosity: Verbosity) {
    VERBOSITY.store(verbosity as u8, std::sync::atomic::Ordering::Relaxed);
}

/// How much commands print (see [`set_verbosity`]).
pub fn verbosity() -> Verbosity {
    match VERBOSITY.load(std::sync::atomic::Ordering::Relaxed) {
        0 => Verbosity::Quiet,
        1 => Verbosity::Normal,
        _ => Verbosity::Verbose,
    }
}

/// A progress bar on stderr, drawn only when stderr is a terminal and not asked to be quiet.
pub struct ProgressBar {
    bar: indicatif::ProgressBar,
}

impl ProgressBar {
    /// A bar labelled `message`, hidden when `quiet` or stderr is not a terminal.
    pub fn new(message: &str, quiet: bool) -> ProgressBar {
        let bar = if quiet || verbosity() == Verbosity::Quiet || !std::io::stderr().is_terminal() {
            indicatif::ProgressBar::hidden()
        } else {
            let bar = indicatif::ProgressBar::new(0);
            let style = indicatif::ProgressStyle::with_template(
                "{msg} [{bar:30}] {decimal_bytes}/{decimal_total_bytes} {decimal_bytes_per_sec} {eta}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
            .progress_chars("=> ");
            bar.set_style(style);
            bar
        };
        bar.set_message(message.to_string());
        ProgressBar { bar }
    }

    /// Removes the bar from the terminal.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

impl Progress for ProgressBar {
    fn set_total(&self, bytes: u64) {
        self.bar.set_length(bytes);
    }
    fn advance(&self, bytes: u64) {
        self.bar.inc(bytes);
    }
}

impl Drop for ProgressBar {
    fn drop(&mut self) {
        self.bar.finish_and_clear();
    }
}

/// Gets a passphrase: from a file (first line), from TAMIZDAT_PASSPHRASE, or typed at the
/// terminal without echo (twice when `confirm`, for a new key). Never from a pipe by accident.
pub fn read_passphrase(
    file: Option<&Path>,
    key_path: &Path,
    confirm: bool,
) -> Result<SecretString, KeyError> {
    if let Some(file) = file {
        return crate::keys::read_passphrase_file(file);
    }
    if let Ok(passphrase) = std::env::var(PASSPHRASE_ENV) {
        return Ok(SecretString::from(passphrase));
    }
    if !std::io::stdin().is_terminal() {
        return Err(KeyError::NoTerminal {
            path: key_path.to_path_buf(),
            new_key: confirm,
        });
    }
    let prompt = |text: &str| {
        rpassword::prompt_password(text)
            .map(SecretString::from)
            .map_err(|source| KeyError::Prompt {
                path: key_path.to_path_buf(),
                source,
            })
    };
    let passphrase = prompt(&format!("Passphrase for {}: ", key_path.display()))?;
    if confirm {
        let again = prompt("Type it again: ")?;
        if !passphrases_match(&passphrase, &again) {
            return Err(KeyError::PassphrasesDiffer);
        }
    }
    Ok(passphrase)
}

/// Parses `--time`: seconds since 1970 (as SOURCE_DATE_EPOCH) or RFC 3339.
pub fn parse_time(text: &str) -> Result<time::OffsetDateTime, error::TimeError> {
    if let Ok(seconds) = text.trim().parse::<i64>() {
        return time::OffsetDateTime::from_unix_timestamp(seconds)
            .map_err(|_| error::TimeError::OutOfRange(text.to_string()));
    }
    time::OffsetDateTime::parse(text.trim(), &time::format_description::well_known::Rfc3339)
        .map_err(|_| error::TimeError::NotATime(text.to_string()))
}

/// Writes one line to stderr. A warning that cannot be written (stderr closed, or a file past a
/// size limit) is lost, not the end of the command, as `eprintln!` would make it.
pub fn to_stderr(line: std::fmt::Arguments<'_>) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr().lock(), "{line}");
}

/// Asks the desktop to open `path` in the default browser. False when no browser could be
/// started (no desktop, a server, a terminal over SSH): the caller prints the path instead.
pub fn open_in_browser(path: &std::path::Path) -> bool {
    use std::process::{Command, Stdio};
    let mut command = if cfg!(target_os = "macos") {
        Command::new("open")
    } else if cfg!(windows) {
        let mut command = Command::new("cmd");
        command.args(["/C", "start", ""]);
        command
    } else {
        Command::new("xdg-open")
    };
    let child = command
        .arg(path)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn();
    let Ok(mut child) = child else {
        return false;
    };
    // xdg-open returns once the browser is started; one still running after a few seconds is
    // the browser itself, started in the foreground.
    for _ in 0..50 {
        match child.try_wait() {
            Ok(Some(status)) => return status.success(),
            Ok(None) => std::thread::sleep(std::time::Duration::from_millis(100)),
            Err(_) => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_from_bundles_cannot_move_the_cursor_or_flip_direction() {
        assert_eq!(shown("a\u{1b}[2Kb", 100), "a\\u{1b}[2Kb");
        assert_eq!(shown("x\u{202e}y", 100), "x\\u{202e}y");
        assert_eq!(shown("نان\u{200c}ها", 100), "نان\u{200c}ها");
        assert_eq!(shown("abcdef", 3), "abc…");
    }

    #[test]
    fn sizes_read_naturally() {
        assert_eq!(human_bytes(12), "12 bytes");
        assert_eq!(human_bytes(1500), "1.5 KB");
        assert_eq!(human_bytes(2_500_000_000), "2.5 GB");
    }

    #[test]
    fn time_accepts_epoch_and_rfc3339() {
        assert_eq!(parse_time("0").unwrap().unix_timestamp(), 0);
        assert_eq!(
            parse_time("2026-11-25T09:30:00Z").unwrap().unix_timestamp(),
            1_795_599_000
        );
        assert!(parse_time("yesterday").is_err());
    }
}
