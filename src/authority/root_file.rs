//! A root's public file (`ROOT.pub`): what a reader trusts to trust a publisher's root.
//!
//! It is text in the grammar of key files (FORMAT.md section 6.1), so a person can read the
//! name and fingerprint in it, and it carries the root's first version, the trust anchor:
//!
//! ```text
//! # tamizdat publisher root: safe to publish. Compare the fingerprint with the publisher before trusting it.
//! name: Example News
//! root-id: 0123456789abcdef
//! fingerprint: ABCD-EFGH-IJKL-MNOP-QRST-UVWX
//! root: BASE64 of the version-1 root statement
//! ```
//!
//! The id and fingerprint are those of SHA-256 over `"tamizdat/v1/root-id" || 0x00 ||`
//! the statement's bytes; `name`, `root-id` and `fingerprint` must agree with the statement.

use std::path::Path;

use crate::authority::{AuthorityError, RootChain};
use crate::format::statement::SignedStatement;

/// Largest root file: a version-1 root of 255 editors, in base64, fits with room to spare.
pub const MAX_ROOT_FILE_LEN: u64 = 262_144;

const ROOT_FIELDS: &[&str] = &["name", "root-id", "fingerprint", "root"];
const KEY_FIELDS: &[(&str, &str)] = &[
    ("ed25519", "a public key file, not a root file"),
    ("ed25519-secret", "a secret key file, not a root file"),
    ("key-id", "a public key file, not a root file"),
];

/// Why a root file cannot be used. One plain sentence each, naming the file.
#[derive(Debug, thiserror::Error)]
pub enum RootFileError {
    /// Reading it failed.
    #[error("cannot read the root file {}: {}", .path.display(), crate::fs::plainly(.source))]
    Read {
        /// The file.
        path: std::path::PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// Its text is not a root file.
    #[error("{} is not a tamizdat root file: {problem}", .path.display())]
    Malformed {
        /// The file.
        path: std::path::PathBuf,
        /// What is wrong.
        problem: String,
    },
    /// Its statement is not a valid first root version.
    #[error("{} does not hold a valid publisher root: {source}", .path.display())]
    Invalid {
        /// The file.
        path: std::path::PathBuf,
        /// Why.
        source: AuthorityError,
    },
}

/// A root as its public file gives it: the anchor and its verified first version.
#[derive(Debug, Clone)]
pub struct RootFile {
    /// The chain of one version that the anchor starts.
    pub chain: RootChain,
}

impl RootFile {
    /// The anchor: the version-1 statement's bytes.
    pub fn anchor_bytes(&self) -> &[u8] {
        &self.chain.versions()[0].bytes
    }

    /// The publisher's name, as version 1 gives it.
    pub fn name(&self) -> &str {
        &self.chain.versions()[0].name
    }

    /// The file's text, as writers produce it.
    pub fn to_file_text(&self) -> String {
        format!(
            "# tamizdat publisher root: safe to publish. Compare the fingerprint with the publisher before trusting it.\n\
             name: {}\nroot-id: {}\nfingerprint: {}\nroot: {}\n",
            self.name(),
            self.chain.short_id(),
            self.chain.fingerprint(),
            data_encoding::BASE64.encode(self.anchor_bytes())
        )
    }

    /// True when `text` has the fields of a root file (and none of a key file), so a command
    /// given a `.pub` file can tell which kind it is before reading it as one.
    pub fn looks_like_root_file(text: &str) -> bool {
        text.lines().any(|line| line.starts_with("root:"))
    }

    /// Parses a root file's text.
    pub fn from_file_text(text: &str, path: &Path) -> Result<RootFile, RootFileError> {
        let malformed = |problem: String| RootFileError::Malformed {
            path: path.to_path_buf(),
            problem,
        };
        let fields = crate::keys::text::parse(text, ROOT_FIELDS, KEY_FIELDS)
            .map_err(|error| malformed(error.to_string()))?;
        let root = fields
            .get("root")
            .ok_or_else(|| malformed("it has no `root:` line".into()))?;
        let bytes = data_encoding::BASE64
            .decode(root.as_bytes())
            .map_err(|_| malformed("the `root:` value is not base64".into()))?;
        let statement = SignedStatement::parse(&bytes)
            .map_err(|error| malformed(format!("its root statement: {error}")))?;
        let chain =
            RootChain::from_anchor(&statement).map_err(|source| RootFileError::Invalid {
                path: path.to_path_buf(),
                source,
            })?;
        let file = RootFile { chain };
        for (field, value) in [
            ("name", file.name().to_string()),
            ("root-id", file.chain.short_id()),
            ("fingerprint", file.chain.fingerprint()),
        ] {
            if fields.get(field).is_some_and(|given| given != value) {
                return Err(malformed(format!("its `{field}:` does not match its root")));
            }
        }
        Ok(file)
    }

    /// Reads a root file (at most [`MAX_ROOT_FILE_LEN`] bytes).
    pub fn load(path: &Path) -> Result<RootFile, RootFileError> {
        use std::io::Read;
        let read = |source| RootFileError::Read {
            path: path.to_path_buf(),
            source,
        };
        let file = std::fs::File::open(path).map_err(read)?;
        let mut bytes = Vec::new();
        file.take(MAX_ROOT_FILE_LEN + 1)
            .read_to_end(&mut bytes)
            .map_err(read)?;
        if bytes.len() as u64 > MAX_ROOT_FILE_LEN {
            return Err(RootFileError::Malformed {
                path: path.to_path_buf(),
                problem: "it is larger than 262,144 bytes".into(),
            });
        }
        let text = String::from_utf8(bytes).map_err(|_| RootFileError::Malformed {
            path: path.to_path_buf(),
            problem: "it is not UTF-8 text".into(),
        })?;
        RootFile::from_file_text(&text, path)
    }
}
