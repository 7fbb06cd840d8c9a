//! One error type over every layer, and the one place that turns a failure into what a person
//! sees: a line saying what is wrong, what to do next, and the documented exit code.
//!
//! Library errors say what is wrong in a plain sentence and name no command; the suggestions
//! that name commands and flags live here, because only the CLI knows its commands.

use crate::keys::KeyError;
use crate::keys::store::TrustError;
use crate::library::LibraryError;
use crate::library::serve::ServeError;
use crate::publish::edition::EditionError;
use crate::publish::pack::PackError;
use crate::read::verify::{BundleError, DestinationError};

/// Exit code for a valid bundle or a successful command.
pub const EXIT_OK: u8 = 0;
/// Exit code for a bundle that is invalid, damaged or not signed by a trusted key.
pub const EXIT_INVALID: u8 = 1;
/// Exit code for a usage mistake or a failure of this machine (missing file, full disk...).
pub const EXIT_ERROR: u8 = 2;

/// How a command ended when it did not fail as a whole: the worst verdict over the bundles it
/// handled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verdict {
    /// Everything was valid and done.
    Ok,
    /// A bundle was invalid, damaged or untrusted.
    Invalid,
    /// Something failed on this machine, or the command was used wrongly.
    Failed,
}

impl Verdict {
    /// The documented exit code.
    pub fn exit_code(self) -> u8 {
        match self {
            Verdict::Ok => EXIT_OK,
            Verdict::Invalid => EXIT_INVALID,
            Verdict::Failed => EXIT_ERROR,
        }
    }

    /// The verdict of a bundle that failed with `error`.
    pub fn of_bundle_error(error: &BundleError) -> Verdict {
        if error.is_invalid_bundle() {
            Verdict::Invalid
        } else {
            Verdict::Failed
        }
    }

    /// The verdict of an import that failed with `error`.
    pub fn of_library_error(error: &LibraryError) -> Verdict {
        if error.is_invalid_bundle() {
            Verdict::Invalid
        } else {
            Verdict::Failed
        }
    }
}

/// Why `--time` (or SOURCE_DATE_EPOCH) was refused.
#[derive(Debug, thiserror::Error)]
pub enum TimeError {
    /// The time parses but cannot be represented; holds the text given.
    #[error("the time {0:?} is out of range")]
    OutOfRange(String),
    /// The text is in neither accepted format; holds the text given.
    #[error("the time {0:?} is neither seconds since 1970 nor like 2026-11-25T09:30:00Z")]
    NotATime(String),
}

/// Why a command failed: any layer's error, so each binary has one type to report and one
/// place that picks the exit code and the hint.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A bundle was refused, where the message already names it.
    #[error("{0}")]
    Bundle(#[from] BundleError),
    /// A bundle was refused while handling several; the path says which one.
    #[error("{}: {source}", .path.display())]
    InBundle {
        /// The bundle the error is about.
        path: std::path::PathBuf,
        /// Why it was refused.
        source: BundleError,
    },
    /// Packing an edition into a bundle failed.
    #[error("{0}")]
    Pack(#[from] PackError),
    /// A key file could not be read, written or used.
    #[error("{0}")]
    Key(#[from] KeyError),
    /// The trust store could not be found, read or changed, or no trusted key matched.
    #[error("{0}")]
    Trust(#[from] TrustError),
    /// The edition folder to pack could not be read, or cannot be packed as it is.
    #[error("{0}")]
    Edition(#[from] EditionError),
    /// The reader's library could not import or list bundles.
    #[error("{0}")]
    Library(#[from] LibraryError),
    /// The local web server could not start.
    #[error("{0}")]
    Serve(#[from] ServeError),
    /// A mirror command refused something or failed.
    #[error("{0}")]
    Mirror(Box<crate::mirror::MirrorError>),
    /// The time given with `--time` or SOURCE_DATE_EPOCH was refused.
    #[error("{0}")]
    Time(#[from] TimeError),
    /// A root, certificate, revocation or rotation could not be made or read.
    #[error("{0}")]
    Issue(#[from] crate::authority::publisher::IssueError),
    /// A root file could not be used.
    #[error("{0}")]
    RootFile(#[from] crate::authority::root_file::RootFileError),
    /// The reader's state could not be read or written.
    #[error("{0}")]
    State(#[from] crate::authority::state::StateError),
    /// A statement file was refused.
    #[error("{}: {source}", .path.display())]
    Statement {
        /// The file.
        path: std::path::PathBuf,
        /// Why.
        source: Box<crate::authority::reader::CertifiedError>,
    },
    /// A flag's value is not what it should be.
    #[error("{0}")]
    Usage(String),
    /// A damaged copy, told to people: the line says what is wrong, what to do, and the
    /// technical detail (see `Damage` in `cli::reader`).
    #[error("{}: {line}", .path.display())]
    Damaged {
        /// The bundle the error is about.
        path: std::path::PathBuf,
        /// What is wrong, what to do, then the detail.
        line: String,
    },
    /// `--salvage` was asked of standard input, which can be read only once, in order.
    #[error(
        "a salvage reads a damaged copy out of order, so it needs the bundle as a file, not on standard input"
    )]
    SalvageFromStandardInput,
    /// `-` was given more than once: standard input holds one bundle.
    #[error("standard input (-) holds one bundle, so it can be given only once")]
    StandardInputTwice,
    /// The passphrase typed or given in the environment was empty and `--unencrypted` was not
    /// given (an empty passphrase file is the library's [`KeyError::PassphraseFileEmpty`]).
    #[error("an empty passphrase would leave the secret key unprotected")]
    EmptyPassphrase,
    /// A new key's passphrase is shorter than [`crate::keys::MIN_PASSPHRASE_CHARS`].
    #[error(
        "the passphrase{} has {chars} characters; a new key needs at least {}, so that a thief with the laptop cannot guess it",
        in_file(.file.as_deref()),
        crate::keys::MIN_PASSPHRASE_CHARS
    )]
    PassphraseTooShort {
        /// How many characters it has.
        chars: usize,
        /// The passphrase file it was read from, if it was.
        file: Option<std::path::PathBuf>,
    },
    /// A file or folder the command needed could not be read or written.
    #[error("{context}: {}", crate::fs::plainly(.source))]
    Io {
        /// What the command was doing, as shown before the OS message.
        context: String,
        /// The underlying failure.
        source: std::io::Error,
    },
    /// Standard output could not be written (a closed pipe is not reported: see
    /// [`Error::is_closed_output`]).
    #[error("cannot print: {0}")]
    Output(std::io::Error),
}

impl From<crate::mirror::MirrorError> for Error {
    fn from(error: crate::mirror::MirrorError) -> Error {
        Error::Mirror(Box::new(error))
    }
}

impl Error {
    /// The exit code for a command that failed with this error.
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Bundle(error) | Error::InBundle { source: error, .. } => {
                Verdict::of_bundle_error(error).exit_code()
            }
            Error::Library(error) => Verdict::of_library_error(error).exit_code(),
            Error::Damaged { .. } | Error::Statement { .. } => EXIT_INVALID,
            Error::Mirror(error) if error.is_refusal() => EXIT_INVALID,
            _ => EXIT_ERROR,
        }
    }

    /// True when standard output was closed by its reader (`tamizdat verify … | head -1`): not
    /// a failure, the reader has what it wanted.
    pub fn is_closed_output(&self) -> bool {
        matches!(self, Error::Output(error) if error.kind() == std::io::ErrorKind::BrokenPipe)
    }

    /// What to do next, naming the command or flag that does it.
    pub fn hint(&self) -> Option<&'static str> {
        match self {
            Error::Bundle(error) | Error::InBundle { source: error, .. } => bundle_hint(error),
            Error::Library(error) => library_hint(error),
            Error::Pack(error) => pack_hint(error),
            Error::Key(error) => key_hint(error),
            Error::Trust(error) => trust_hint(error),
            Error::EmptyPassphrase => {
                Some("choose one, or pass --unencrypted if that is what you mean")
            }
            Error::SalvageFromStandardInput => Some("save the bundle to a file first"),
            Error::Issue(crate::authority::publisher::IssueError::Authority {
                source: crate::authority::AuthorityError::UnderThreshold { .. },
                ..
            }) => Some(
                "have enough current editors sign it, each with `tamizdat-publish cosign FILE --secret-key EDITOR.key` (after a rotation, the new version's editors)",
            ),
            Error::PassphraseTooShort { .. } => {
                Some("choose a longer one: four or five ordinary words are easy to remember")
            }
            _ => None,
        }
    }
}

/// ` in FILE` when the passphrase was read from a file, so the message names it.
fn in_file(file: Option<&std::path::Path>) -> String {
    file.map(|file| format!(" in {}", file.display()))
        .unwrap_or_default()
}

/// What to do about a refused bundle.
pub fn bundle_hint(error: &BundleError) -> Option<&'static str> {
    match error {
        BundleError::UntrustedKey { .. } => Some(
            "if you know this publisher, get their public key from them and run `tamizdat trust add KEY.pub`",
        ),
        BundleError::Certified(error) => match **error {
            crate::authority::reader::CertifiedError::UntrustedRoot { .. } => Some(
                "if you know this publisher, get their root file from them and run `tamizdat trust add ROOT.pub`",
            ),
            crate::authority::reader::CertifiedError::Revoked { .. } => {
                Some("do not trust this copy; get the edition again from another source")
            }
            _ => None,
        },
        BundleError::NotEnoughSpace { .. } | BundleError::DiskFull { .. } => {
            Some("free some space, or choose a folder on another disk")
        }
        BundleError::NothingRecovered { .. } => Some("get another copy of the bundle"),
        BundleError::Busy { .. } => Some("wait for it to finish, then try again"),
        BundleError::Destination(
            DestinationError::NotEmpty { .. }
            | DestinationError::SymbolicLink { .. }
            | DestinationError::NotAFolder { .. },
        ) => Some("unpack into a new or empty folder"),
        BundleError::Destination(DestinationError::ParentMissing { .. }) => Some("create it first"),
        _ => None,
    }
}

/// What to do about a failed library command.
pub fn library_hint(error: &LibraryError) -> Option<&'static str> {
    match error {
        LibraryError::Bundle { source, .. } => bundle_hint(source),
        LibraryError::Busy(_) => Some("wait for it to finish, then try again"),
        LibraryError::NoSuchEdition(_) => Some("`tamizdat library list` shows the editions"),
        LibraryError::DiskFull { .. } => Some("free some space on the library's disk"),
        LibraryError::DamagedRecord { .. } => {
            Some("delete it and open the bundle again to import it anew")
        }
        _ => None,
    }
}

/// What to do about a failed pack.
pub fn pack_hint(error: &PackError) -> Option<&'static str> {
    match error {
        PackError::OutputExists(_) => Some("pass --force to replace it"),
        PackError::ChangedWhilePacking { .. } => {
            Some("pack again when nothing is writing to the edition")
        }
        PackError::Busy(_) => Some("wait for it to finish, then try again"),
        PackError::Edition(crate::publish::edition::EditionError::Problems {
            problems, ..
        }) if problems
            .iter()
            .any(|problem| problem.contains("from the network")) =>
        {
            Some(
                "or, to pack an article that loads from the network anyway, pass --allow-remote (the reader's pages still block the load)",
            )
        }
        _ => None,
    }
}

/// The exit codes, as `--help` lists them (the README has the same table).
pub const EXIT_CODES_HELP: &str = "Exit codes:\n  0  success: every bundle is valid\n  1  a bundle is invalid, damaged, truncated, of a newer format, not signed by a key you trust, or in conflict with another; a mirror's catalog or bundle was refused (a rollback, other bytes than listed)\n  2  a usage error or a problem on this machine (a missing file, a wrong passphrase, no space, an edition that cannot be packed), or a mirror that could not be reached";

/// `command` with [`EXIT_CODES_HELP`] at the end of its help and of every subcommand's.
pub fn with_exit_codes(command: clap::Command) -> clap::Command {
    command
        .after_help(EXIT_CODES_HELP)
        .mut_subcommands(with_exit_codes)
}

/// What to do about an edition that packed with a warning.
pub fn edition_warning_hint(warning: crate::publish::pack::EditionWarning) -> Option<&'static str> {
    use crate::publish::pack::EditionWarning;
    match warning {
        EditionWarning::Untitled => {
            Some("give index.md a title in its front matter, or pass --title")
        }
        EditionWarning::NoArticles => Some("add the articles as .md or .html files"),
        EditionWarning::SequenceZero => Some("give a channel's first edition --seq 1"),
    }
}

/// What to do about a file only its owner may read.
const CHMOD_HINT: &str = "run `chmod 600` on the file so that only you can read it";

/// What to do about a key file or passphrase that could not be used.
pub fn key_hint(error: &KeyError) -> Option<&'static str> {
    match error {
        KeyError::ReadableByOthers { .. } => Some(
            "run `chmod 600` on the file so that only you can read it; if others may have copied it, make a new key",
        ),
        KeyError::PassphraseFileReadableByOthers { .. } => Some(CHMOD_HINT),
        KeyError::PassphraseFileIsFolder { .. } => {
            Some("give the path of the file that holds the passphrase")
        }
        KeyError::PassphraseFileEmpty { .. } => {
            Some("write the passphrase on the first line of the file")
        }
        KeyError::PassphraseFileWrong { .. } => {
            Some("check that the first line of the passphrase file is this key's passphrase")
        }
        KeyError::PassphraseNeeded { .. } => Some(
            "type it at a terminal, or give it with --passphrase-file FILE or the TAMIZDAT_PASSPHRASE variable",
        ),
        KeyError::NoTerminal { new_key: true, .. } => {
            Some("use --passphrase-file FILE, TAMIZDAT_PASSPHRASE, or --unencrypted")
        }
        KeyError::NoTerminal { new_key: false, .. } => {
            Some("use --passphrase-file FILE or TAMIZDAT_PASSPHRASE")
        }
        KeyError::PublicKeyGivenAsSecret { .. } => {
            Some("give the .key file that keygen wrote beside it; the .pub file is for readers")
        }
        _ => None,
    }
}

/// What to do about the trust store.
pub fn trust_hint(error: &TrustError) -> Option<&'static str> {
    match error {
        TrustError::Key(error) => key_hint(error),
        TrustError::NoHome => Some("set the TAMIZDAT_HOME environment variable to a folder"),
        TrustError::NotFound(_) => Some("`tamizdat trust list` shows the trusted keys"),
        TrustError::Ambiguous(_) => Some("give more of the key id or fingerprint"),
        TrustError::InTheWay { .. } => {
            Some("move that file out of the trust folder, then add the key again")
        }
        TrustError::Store { .. } => None,
    }
}

/// The one line shown for `error`: the sentence, then what to do, if there is something.
pub fn error_line(error: &Error) -> String {
    with_hint(error.to_string(), error.hint())
}

/// `sentence; hint`, or the sentence alone. After a list (a sentence of several lines) the
/// hint is a line of its own, so it is not read as part of the list's last item.
pub fn with_hint(sentence: String, hint: Option<&str>) -> String {
    match hint {
        Some(hint) if sentence.contains('\n') => format!("{sentence}\n{hint}"),
        Some(hint) => format!("{sentence}; {hint}"),
        None => sentence,
    }
}

/// Ends a binary's run: prints a failure as one line on stderr, prefixed with the program's
/// name, and returns the exit code. A closed standard output ends quietly with 0, as other
/// command-line tools do.
pub fn finish(program: &str, result: Result<Verdict, Error>) -> std::process::ExitCode {
    let code = match result {
        Ok(verdict) => verdict.exit_code(),
        Err(error) if error.is_closed_output() => EXIT_OK,
        Err(error) => {
            crate::cli::to_stderr(format_args!("{program}: {}", error_line(&error)));
            error.exit_code()
        }
    };
    std::process::ExitCode::from(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hints_name_the_command_or_option_that_helps() {
        let cases: Vec<(Error, &str)> = vec![
            (
                PackError::OutputExists("b.tar.zst".into()).into(),
                "--force",
            ),
            (PackError::Busy("b.tar.zst".into()).into(), "try again"),
            (
                PackError::ChangedWhilePacking {
                    path: "e/a.txt".into(),
                }
                .into(),
                "pack again",
            ),
            (
                KeyError::PassphraseNeeded {
                    path: "k.key".into(),
                }
                .into(),
                "--passphrase-file",
            ),
            (
                TrustError::NotFound("abcd1234".into()).into(),
                "`tamizdat trust list`",
            ),
            (TrustError::NoHome.into(), "TAMIZDAT_HOME"),
            (
                TrustError::Ambiguous("ab12".into()).into(),
                "more of the key id",
            ),
            (Error::EmptyPassphrase, "--unencrypted"),
        ];
        for (error, words) in cases {
            let line = error_line(&error);
            assert!(
                !error.to_string().contains(words),
                "the library's sentence names no command: {error}"
            );
            assert!(line.contains(words), "{line}");
            assert!(line.starts_with(&error.to_string()), "{line}");
        }
    }

    #[test]
    fn a_closed_pipe_is_not_a_failure_but_other_output_errors_are() {
        let closed = Error::Output(std::io::Error::from(std::io::ErrorKind::BrokenPipe));
        assert!(closed.is_closed_output());
        let full = Error::Output(std::io::Error::from(std::io::ErrorKind::StorageFull));
        assert!(!full.is_closed_output());
        assert_eq!(full.exit_code(), EXIT_ERROR);
    }
}
