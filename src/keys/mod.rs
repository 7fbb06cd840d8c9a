//! Publisher keys: public key files safe to publish, secret key files kept like secrets, key ids
//! and fingerprints a person can read aloud over a phone line.
//!
//! A public key file is a few `field: value` lines (the grammar of FORMAT.md section 6.1, parsed
//! in `text.rs`). A secret key file holds the same kind of text, encrypted by default with age's
//! passphrase (scrypt) mode and ASCII-armoured, so the stock `age -d` tool can also open it.

pub mod store;
pub(crate) mod text;
mod trusted;

pub use store::{TrustError, TrustStore};
pub use trusted::TrustedKeys;

use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};

use age::secrecy::{ExposeSecret, SecretString};
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

/// Prefix of the hash that names a key; a separate context keeps key ids from ever colliding
/// with any other hash in the format.
const KEY_HASH_CONTEXT: &[u8] = b"tamizdat/v1/key-id\0";
/// Work factor for new encrypted secret keys: N = 2^18 (268 MB of memory, about a second here).
const NEW_KEY_SCRYPT_LOG_N: u8 = 18;
/// Refuse to try secret key files that ask for more than N = 2^20 (1.1 GB of memory): a file
/// tampered to ask for absurd work must not exhaust the publisher's machine.
pub const MAX_SCRYPT_LOG_N: u8 = 20;
/// A key name is shown to readers next to the fingerprint.
pub const MAX_KEY_NAME_CHARS: usize = 100;
/// Key files are tiny (about 250 bytes); anything larger is not a key file, and is refused
/// before it is read whole. Passphrase files have the same limit.
pub const MAX_KEY_FILE_LEN: u64 = 64 * 1024;

/// The fewest characters a new secret key's passphrase may have (keygen refuses fewer). The
/// key file is encrypted with age's scrypt, slow to guess, but a seized laptop gives a thief
/// all the time in the world: ten characters is the least we let a newsroom choose.
pub const MIN_PASSPHRASE_CHARS: usize = 10;

/// Why a key file could not be read, written or used.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// Reading a key file failed.
    #[error("cannot read the key file {path}: {}", crate::fs::plainly(.source))]
    Read {
        /// The key file.
        path: PathBuf,
        /// The underlying I/O error.
        source: std::io::Error,
    },
    /// Writing a new key file failed.
    #[error("cannot write the key file {path}: {source}")]
    Write {
        /// The key file.
        path: PathBuf,
        /// The underlying I/O error.
        source: std::io::Error,
    },
    /// A new key would overwrite an existing file.
    #[error("the key file {path} already exists; keys are never overwritten")]
    AlreadyExists {
        /// The key file.
        path: PathBuf,
    },
    /// A key file's content is not a valid key file.
    #[error("{path} is not a tamizdat {kind} key file: {problem}")]
    Malformed {
        /// The key file.
        path: PathBuf,
        /// Which kind of key file it should be: `public` or `secret`.
        kind: &'static str,
        /// What is wrong with it.
        problem: KeyFileProblem,
    },
    /// A public key file holds a small-order point.
    #[error("the public key in {path} is a weak (small-order) Ed25519 key and is refused")]
    WeakKey {
        /// The key file.
        path: PathBuf,
    },
    /// A secret key file's permissions let other users read it.
    #[error(
        "the secret key file {path} can be read by other users (mode {mode:o}); consider the key exposed"
    )]
    ReadableByOthers {
        /// The key file.
        path: PathBuf,
        /// The file's permission bits.
        mode: u32,
    },
    /// A passphrase file's permissions let other users read it.
    #[error(
        "the passphrase file {path} can be read by other users (mode {mode:o}); consider the passphrase exposed"
    )]
    PassphraseFileReadableByOthers {
        /// The passphrase file.
        path: PathBuf,
        /// The file's permission bits.
        mode: u32,
    },
    /// Reading a passphrase file failed.
    #[error("cannot read the passphrase file {path}: {}", crate::fs::plainly(.source))]
    ReadPassphraseFile {
        /// The passphrase file.
        path: PathBuf,
        /// The underlying I/O error.
        source: std::io::Error,
    },
    /// A passphrase file names a folder.
    #[error("the passphrase file {path} is a folder, not a file")]
    PassphraseFileIsFolder {
        /// The path given as the passphrase file.
        path: PathBuf,
    },
    /// A passphrase file's first line is empty (or the file is).
    #[error("the passphrase file {path} has no passphrase on its first line")]
    PassphraseFileEmpty {
        /// The passphrase file.
        path: PathBuf,
    },
    /// The passphrase read from a passphrase file did not decrypt the secret key.
    #[error("the passphrase in {file} does not unlock {key} (or the key is damaged)")]
    PassphraseFileWrong {
        /// The passphrase file.
        file: PathBuf,
        /// The secret key file it was used for.
        key: PathBuf,
    },
    /// Reading the passphrase from the terminal failed.
    #[error(
        "cannot read the passphrase for the secret key file {path} from the terminal: {source}"
    )]
    Prompt {
        /// The secret key file the passphrase is for.
        path: PathBuf,
        /// The underlying I/O error.
        source: std::io::Error,
    },
    /// An encrypted secret key was given without a passphrase.
    #[error("the secret key file {path} is encrypted and no passphrase was given")]
    PassphraseNeeded {
        /// The key file.
        path: PathBuf,
    },
    /// A passphrase is needed (for an encrypted key, or to encrypt a new one) and there is no
    /// terminal to ask for it.
    #[error("there is no terminal to ask for the passphrase of the secret key file {path}")]
    NoTerminal {
        /// The key file.
        path: PathBuf,
        /// True when the key is being made (it may then be stored unencrypted instead).
        new_key: bool,
    },
    /// A public key file was given where the secret key file is needed.
    #[error(
        "{path} is a public key file (the half you publish, which cannot sign), not a secret key"
    )]
    PublicKeyGivenAsSecret {
        /// The file given.
        path: PathBuf,
    },
    /// Decryption with the given passphrase failed.
    #[error("the passphrase for {path} is wrong (or the file is damaged)")]
    WrongPassphrase {
        /// The key file.
        path: PathBuf,
    },
    /// An encrypted key asks for a scrypt work factor above the limit.
    #[error(
        "the secret key file {path} asks for a key-derivation work factor above the limit of 2^{MAX_SCRYPT_LOG_N}; it was probably tampered with"
    )]
    ExcessiveWorkFactor {
        /// The key file.
        path: PathBuf,
    },
    /// Decrypting a secret key failed for another reason.
    #[error("cannot decrypt the secret key file {path}: {reason}")]
    Decrypt {
        /// The key file.
        path: PathBuf,
        /// What age reported.
        reason: String,
    },
    /// A key name breaks the key-name rule.
    #[error(
        "the key name {0:?} must be 1 to {MAX_KEY_NAME_CHARS} characters, with no control or direction-changing characters and no space at either end"
    )]
    InvalidName(String),
    /// The system random number generator failed.
    #[error("the system random number generator failed: {0}")]
    Random(String),
    /// The passphrase and its confirmation differ.
    #[error("the two passphrases typed differ; nothing was written")]
    PassphrasesDiffer,
}

pub use crate::format::KeyId;
pub use text::GrammarError;

/// What is wrong with a key file's content.
#[derive(Debug, thiserror::Error)]
pub enum KeyFileProblem {
    /// Its text does not follow the key-file grammar.
    #[error("{0}")]
    Grammar(#[from] GrammarError),
    /// A required field is missing.
    #[error("it has no `{0}:` line")]
    MissingField(&'static str),
    /// A key field does not hold 32 bytes of base64.
    #[error("the `{0}:` value is not 32 bytes of base64")]
    NotKeyBytes(&'static str),
    /// The public key is not a point on the curve.
    #[error("the key is not a valid Ed25519 point")]
    NotAPoint,
    /// `key-id:` or `fingerprint:` says something else than the key.
    #[error("its `{0}:` does not match its key")]
    DoesNotMatchKey(&'static str),
    /// The `name:` breaks the key-name rule.
    #[error(
        "its key name must be 1 to {MAX_KEY_NAME_CHARS} characters, with no control or direction-changing characters and no space at either end"
    )]
    InvalidName,
    /// The bytes are not UTF-8.
    #[error("it is not UTF-8 text")]
    NotUtf8,
    /// The decrypted bytes of an encrypted secret key are not UTF-8.
    #[error("the decrypted key is not UTF-8 text")]
    DecryptedNotUtf8,
    /// Neither age's format nor key text.
    #[error("it is neither an age-encrypted file nor key text")]
    NeitherEncryptedNorText,
    /// Larger than any key file.
    #[error(
        "it is larger than {} bytes",
        crate::format::text::thousands(MAX_KEY_FILE_LEN)
    )]
    TooLarge,
}

/// Why bytes are not a usable public key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PublicKeyError {
    /// The name breaks the key-name rule.
    #[error("the key name is not valid")]
    InvalidName,
    /// Not a point on the curve.
    #[error("the key is not a valid Ed25519 point")]
    NotAPoint,
    /// A small-order point, with which anyone could forge signatures.
    #[error("the key is a weak (small-order) Ed25519 key")]
    Weak,
}

/// A publisher's public key with the name it was given.
#[derive(Clone, PartialEq, Eq)]
pub struct PublicKey {
    name: String,
    key: VerifyingKey,
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey({:?}, {})", self.name, self.key_id())
    }
}

fn key_hash(key: &VerifyingKey) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update(KEY_HASH_CONTEXT);
    hasher.update(key.as_bytes());
    hasher.finalize().into()
}

/// True when `name` follows the key-name rule (FORMAT.md section 6.1).
pub fn is_valid_key_name(name: &str) -> bool {
    check_name(name).is_ok()
}

fn check_name(name: &str) -> Result<(), KeyError> {
    let chars = name.chars().count();
    if chars == 0
        || chars > MAX_KEY_NAME_CHARS
        || name
            .chars()
            .any(|c| c.is_control() || crate::format::manifest::is_bidi_control(c))
        || name.trim() != name
    {
        return Err(KeyError::InvalidName(name.to_string()));
    }
    Ok(())
}

/// The fields a public key file may hold, in the order a writer writes them.
const PUBLIC_FIELDS: &[&str] = &["name", "key-id", "fingerprint", "ed25519"];
/// The fields a secret key file (its decrypted text) may hold, in the order written.
const SECRET_FIELDS: &[&str] = &["name", "ed25519-secret"];
/// What a field of the other kind of key file says about a file given in the wrong place.
const IN_PUBLIC_FILES: &[(&str, &str)] = &[
    ("key-id", "a public key file, not a secret key"),
    ("fingerprint", "a public key file, not a secret key"),
    ("ed25519", "a public key file, not a secret key"),
];
const IN_SECRET_FILES: &[(&str, &str)] = &[(
    "ed25519-secret",
    "a secret key file, which must never be given to anyone",
)];

impl PublicKey {
    /// Builds a public key, refusing weak (small-order) points, which would let anyone forge.
    pub fn new(name: &str, key_bytes: &[u8; 32]) -> Result<PublicKey, PublicKeyError> {
        check_name(name).map_err(|_| PublicKeyError::InvalidName)?;
        let key = VerifyingKey::from_bytes(key_bytes).map_err(|_| PublicKeyError::NotAPoint)?;
        if key.is_weak() {
            return Err(PublicKeyError::Weak);
        }
        Ok(PublicKey {
            name: name.to_string(),
            key,
        })
    }

    /// The name the key was given.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The key's short id, as bundle headers give it.
    pub fn key_id(&self) -> KeyId {
        let hash = key_hash(&self.key);
        let mut id = [0u8; 8];
        id.copy_from_slice(&hash[..8]);
        KeyId::from_bytes(id)
    }

    /// 120 bits of the key hash in base32, as six groups of four: `ABCD-EFGH-...`. Base32 has
    /// no 0/O or 1/I pairs to confuse when read aloud; 120 bits make a lookalike key infeasible.
    pub fn fingerprint(&self) -> String {
        let hash = key_hash(&self.key);
        let text = data_encoding::BASE32_NOPAD.encode(&hash[..15]);
        let groups: Vec<&str> = (0..text.len())
            .step_by(4)
            .map(|at| &text[at..at + 4])
            .collect();
        groups.join("-")
    }

    /// The key's 32 bytes.
    pub fn to_bytes(&self) -> [u8; 32] {
        self.key.to_bytes()
    }

    /// Strict verification: refuses non-canonical signatures and small-order components.
    pub fn verify(&self, message: &[u8], signature: &[u8; 64]) -> bool {
        let signature = Signature::from_bytes(signature);
        self.key.verify_strict(message, &signature).is_ok()
    }

    /// The text of a public key file.
    pub fn to_file_text(&self) -> String {
        format!(
            "# tamizdat public key: safe to publish. Compare the fingerprint with the publisher before trusting it.\n\
             name: {}\nkey-id: {}\nfingerprint: {}\ned25519: {}\n",
            self.name,
            self.key_id(),
            self.fingerprint(),
            data_encoding::BASE64.encode(self.key.as_bytes())
        )
    }

    /// Parses a public key file's text. `key-id` and `fingerprint` lines are optional, but when
    /// present they must match the key, so a hand-edited file cannot claim another identity.
    pub fn from_file_text(text: &str, path: &Path) -> Result<PublicKey, KeyError> {
        let malformed = |problem: KeyFileProblem| KeyError::Malformed {
            path: path.to_path_buf(),
            kind: "public",
            problem,
        };
        let fields =
            text::parse(text, PUBLIC_FIELDS, IN_SECRET_FILES).map_err(|e| malformed(e.into()))?;
        let (key_id, fingerprint) = (fields.get("key-id"), fields.get("fingerprint"));
        let name = fields.get("name");
        let key = fields.get("ed25519");
        let name = name.ok_or_else(|| malformed(KeyFileProblem::MissingField("name")))?;
        let key = key.ok_or_else(|| malformed(KeyFileProblem::MissingField("ed25519")))?;
        let key_bytes: [u8; 32] = data_encoding::BASE64
            .decode(key.as_bytes())
            .ok()
            .and_then(|bytes| bytes.try_into().ok())
            .ok_or_else(|| malformed(KeyFileProblem::NotKeyBytes("ed25519")))?;
        let public = PublicKey::new(name, &key_bytes).map_err(|error| match error {
            PublicKeyError::Weak => KeyError::WeakKey {
                path: path.to_path_buf(),
            },
            PublicKeyError::NotAPoint => malformed(KeyFileProblem::NotAPoint),
            PublicKeyError::InvalidName => malformed(KeyFileProblem::InvalidName),
        })?;
        if key_id.is_some_and(|id| id != public.key_id().to_hex()) {
            return Err(malformed(KeyFileProblem::DoesNotMatchKey("key-id")));
        }
        if fingerprint.is_some_and(|fp| fp != public.fingerprint()) {
            return Err(malformed(KeyFileProblem::DoesNotMatchKey("fingerprint")));
        }
        Ok(public)
    }

    /// Reads a public key file.
    pub fn load(path: &Path) -> Result<PublicKey, KeyError> {
        let bytes = read_small_file(path, "public")?;
        let text = String::from_utf8(bytes).map_err(|_| KeyError::Malformed {
            path: path.to_path_buf(),
            kind: "public",
            problem: KeyFileProblem::NotUtf8,
        })?;
        PublicKey::from_file_text(&text, path)
    }
}

fn read_small_file(path: &Path, kind: &'static str) -> Result<Vec<u8>, KeyError> {
    use std::io::Read;
    let read_error = |source| KeyError::Read {
        path: path.to_path_buf(),
        source,
    };
    let file = fs::File::open(path).map_err(read_error)?;
    // Allocated once at full size: growing would leave copies of a secret in freed memory.
    let mut bytes = Vec::with_capacity(MAX_KEY_FILE_LEN as usize + 1);
    file.take(MAX_KEY_FILE_LEN + 1)
        .read_to_end(&mut bytes)
        .map_err(read_error)?;
    if bytes.len() as u64 > MAX_KEY_FILE_LEN {
        return Err(KeyError::Malformed {
            path: path.to_path_buf(),
            kind,
            problem: KeyFileProblem::TooLarge,
        });
    }
    Ok(bytes)
}

/// A publisher's signing key. The seed is zeroized on drop (ed25519-dalek's `zeroize` feature)
/// and this type has no `Display`, so it cannot end up in a log by accident.
pub struct SecretKey {
    name: String,
    signing: SigningKey,
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretKey({:?}, {})", self.name, self.public().key_id())
    }
}

/// Where the passphrase of an encrypted secret key comes from; asked only when needed.
pub type PassphraseSource<'a> = &'a mut dyn FnMut() -> Result<SecretString, KeyError>;

impl SecretKey {
    /// Creates a new key from the operating system's random number generator.
    pub fn generate(name: &str) -> Result<SecretKey, KeyError> {
        check_name(name)?;
        let mut seed = Zeroizing::new([0u8; 32]);
        getrandom::fill(seed.as_mut()).map_err(|e| KeyError::Random(e.to_string()))?;
        Ok(SecretKey {
            name: name.to_string(),
            signing: SigningKey::from_bytes(&seed),
        })
    }

    /// Builds a key from a seed (for test vectors and the demo key).
    pub fn from_seed(name: &str, seed: &[u8; 32]) -> Result<SecretKey, KeyError> {
        check_name(name)?;
        Ok(SecretKey {
            name: name.to_string(),
            signing: SigningKey::from_bytes(seed),
        })
    }

    /// The name the key was given.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The matching public key, with the same name.
    pub fn public(&self) -> PublicKey {
        PublicKey {
            name: self.name.clone(),
            key: self.signing.verifying_key(),
        }
    }

    /// The Ed25519 signature of `message`.
    pub fn sign(&self, message: &[u8]) -> [u8; 64] {
        self.signing.sign(message).to_bytes()
    }

    fn to_plaintext(&self, insecure_note: Option<&str>) -> Zeroizing<String> {
        let seed = Zeroizing::new(self.signing.to_bytes());
        let encoded = Zeroizing::new(data_encoding::BASE64.encode(seed.as_ref()));
        let mut text = Zeroizing::new(String::new());
        text.push_str(
            "# tamizdat secret key: anyone holding this file can publish in your name.\n",
        );
        // Written as comment lines whatever the caller gave, so the file always parses.
        for line in insecure_note.iter().flat_map(|note| note.lines()) {
            if !line.starts_with('#') {
                text.push_str("# ");
            }
            text.push_str(line);
            text.push('\n');
        }
        text.push_str("name: ");
        text.push_str(&self.name);
        text.push_str("\ned25519-secret: ");
        text.push_str(&encoded);
        text.push('\n');
        text
    }

    fn from_plaintext(text: &str, path: &Path) -> Result<SecretKey, KeyError> {
        let malformed = |problem: KeyFileProblem| KeyError::Malformed {
            path: path.to_path_buf(),
            kind: "secret",
            problem,
        };
        let fields =
            text::parse(text, SECRET_FIELDS, IN_PUBLIC_FILES).map_err(|e| malformed(e.into()))?;
        let name = fields.get("name");
        let secret = fields.get("ed25519-secret");
        let name = name.ok_or_else(|| malformed(KeyFileProblem::MissingField("name")))?;
        let secret =
            secret.ok_or_else(|| malformed(KeyFileProblem::MissingField("ed25519-secret")))?;
        let not_a_seed = || malformed(KeyFileProblem::NotKeyBytes("ed25519-secret"));
        let bytes = Zeroizing::new(
            data_encoding::BASE64
                .decode(secret.as_bytes())
                .map_err(|_| not_a_seed())?,
        );
        let seed: Zeroizing<[u8; 32]> =
            Zeroizing::new(bytes.as_slice().try_into().map_err(|_| not_a_seed())?);
        SecretKey::from_seed(name, &seed).map_err(|error| match error {
            KeyError::InvalidName(_) => malformed(KeyFileProblem::InvalidName),
            other => other,
        })
    }

    /// The armoured age file protecting this key with a passphrase.
    fn encrypt(&self, passphrase: SecretString) -> Result<Vec<u8>, String> {
        let mut recipient = age::scrypt::Recipient::new(passphrase);
        recipient.set_work_factor(NEW_KEY_SCRYPT_LOG_N);
        let plaintext = self.to_plaintext(None);
        age::encrypt_and_armor(&recipient, plaintext.as_bytes())
            .map(String::into_bytes)
            .map_err(|e| e.to_string())
    }

    /// Writes the secret key with mode 0600, never replacing an existing file. `passphrase`
    /// None writes it unencrypted (an explicit choice of the caller).
    pub fn save(
        &self,
        path: &Path,
        passphrase: Option<SecretString>,
        insecure_note: Option<&str>,
    ) -> Result<(), KeyError> {
        let bytes = match passphrase {
            Some(passphrase) => {
                Zeroizing::new(self.encrypt(passphrase).map_err(|reason| KeyError::Write {
                    path: path.to_path_buf(),
                    source: std::io::Error::other(reason),
                })?)
            }
            None => Zeroizing::new(self.to_plaintext(insecure_note).as_bytes().to_vec()),
        };
        write_new_file(path, &bytes, 0o600)
    }

    /// Loads a secret key file, refusing one that other users can read. The passphrase is
    /// asked for only if the file is encrypted.
    pub fn load(path: &Path, passphrase: PassphraseSource<'_>) -> Result<SecretKey, KeyError> {
        // A public key given by mistake is named as such, before its (public) mode is blamed.
        if let Ok(bytes) = read_small_file(path, "secret").map(Zeroizing::new)
            && let Ok(text) = std::str::from_utf8(&bytes)
            && PublicKey::from_file_text(text, path).is_ok()
        {
            return Err(KeyError::PublicKeyGivenAsSecret {
                path: path.to_path_buf(),
            });
        }
        check_private_mode(path, PrivateFile::SecretKey)?;
        let bytes = Zeroizing::new(read_small_file(path, "secret")?);
        if bytes.starts_with(b"-----BEGIN AGE ENCRYPTED FILE-----")
            || bytes.starts_with(b"age-encryption.org/")
        {
            let passphrase = passphrase()?;
            let plaintext = Zeroizing::new(decrypt_secret(&bytes, passphrase, path)?);
            let text = std::str::from_utf8(&plaintext).map_err(|_| KeyError::Malformed {
                path: path.to_path_buf(),
                kind: "secret",
                problem: KeyFileProblem::DecryptedNotUtf8,
            })?;
            return SecretKey::from_plaintext(text, path);
        }
        let text = std::str::from_utf8(&bytes).map_err(|_| KeyError::Malformed {
            path: path.to_path_buf(),
            kind: "secret",
            problem: KeyFileProblem::NeitherEncryptedNorText,
        })?;
        SecretKey::from_plaintext(text, path)
    }
}

fn decrypt_secret(
    bytes: &[u8],
    passphrase: SecretString,
    path: &Path,
) -> Result<Vec<u8>, KeyError> {
    let mut identity = age::scrypt::Identity::new(passphrase);
    identity.set_max_work_factor(MAX_SCRYPT_LOG_N);
    match age::decrypt(&identity, bytes) {
        Ok(plaintext) => Ok(plaintext),
        Err(age::DecryptError::ExcessiveWork { .. }) => Err(KeyError::ExcessiveWorkFactor {
            path: path.to_path_buf(),
        }),
        Err(age::DecryptError::DecryptionFailed | age::DecryptError::NoMatchingKeys) => {
            Err(KeyError::WrongPassphrase {
                path: path.to_path_buf(),
            })
        }
        Err(other) => Err(KeyError::Decrypt {
            path: path.to_path_buf(),
            reason: other.to_string(),
        }),
    }
}

/// What a file that must stay private holds, so a refusal names the right file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrivateFile {
    /// A secret key file.
    SecretKey,
    /// A passphrase file.
    Passphrase,
}

impl PrivateFile {
    fn read_error(self, path: &Path, source: std::io::Error) -> KeyError {
        let path = path.to_path_buf();
        match self {
            PrivateFile::SecretKey => KeyError::Read { path, source },
            PrivateFile::Passphrase => KeyError::ReadPassphraseFile { path, source },
        }
    }
}

/// Refuses a secret key file or a passphrase file that other users can read.
#[cfg(unix)]
pub fn check_private_mode(path: &Path, kind: PrivateFile) -> Result<(), KeyError> {
    use std::os::unix::fs::PermissionsExt;
    let metadata = fs::metadata(path).map_err(|source| kind.read_error(path, source))?;
    let mode = metadata.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        let path = path.to_path_buf();
        return Err(match kind {
            PrivateFile::SecretKey => KeyError::ReadableByOthers { path, mode },
            PrivateFile::Passphrase => KeyError::PassphraseFileReadableByOthers { path, mode },
        });
    }
    Ok(())
}

#[cfg(not(unix))]
pub fn check_private_mode(_path: &Path, _kind: PrivateFile) -> Result<(), KeyError> {
    Ok(())
}

/// Reads the passphrase in the first line of a passphrase file (without its line ending),
/// refusing a folder, a file other users can read, and an empty first line. Every refusal
/// names the passphrase file, never the key it is for.
pub fn read_passphrase_file(path: &Path) -> Result<SecretString, KeyError> {
    use std::io::Read;
    let read_error = |source| PrivateFile::Passphrase.read_error(path, source);
    // A folder is named as one, before its (usually 755) mode is blamed. Pipes and devices
    // (`--passphrase-file <(pass show key)`) are read like files.
    if fs::metadata(path).map_err(read_error)?.is_dir() {
        return Err(KeyError::PassphraseFileIsFolder {
            path: path.to_path_buf(),
        });
    }
    check_private_mode(path, PrivateFile::Passphrase)?;
    let file = fs::File::open(path).map_err(read_error)?;
    // Allocated once at full size, like a key file: no copies of the secret in freed memory.
    let mut bytes = Zeroizing::new(Vec::with_capacity(MAX_KEY_FILE_LEN as usize + 1));
    file.take(MAX_KEY_FILE_LEN + 1)
        .read_to_end(&mut bytes)
        .map_err(read_error)?;
    if bytes.len() as u64 > MAX_KEY_FILE_LEN {
        return Err(read_error(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "it is far too large for a passphrase file",
        )));
    }
    let text = std::str::from_utf8(&bytes).map_err(|_| {
        read_error(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "it is not UTF-8 text",
        ))
    })?;
    let line = text.lines().next().unwrap_or_default();
    if line.is_empty() {
        return Err(KeyError::PassphraseFileEmpty {
            path: path.to_path_buf(),
        });
    }
    Ok(SecretString::from(line.to_string()))
}

/// Creates a file that must not exist yet, with the given mode, and syncs it.
pub fn write_new_file(path: &Path, bytes: &[u8], mode: u32) -> Result<(), KeyError> {
    // Never over an existing name: a key whose fingerprint was already published must not be
    // replaced, and a crash never leaves a half-written key at the real name.
    crate::fs::write_atomically(path, bytes, mode, crate::fs::Existing::Keep).map_err(|source| {
        if source.kind() == std::io::ErrorKind::AlreadyExists {
            KeyError::AlreadyExists {
                path: path.to_path_buf(),
            }
        } else {
            KeyError::Write {
                path: path.to_path_buf(),
                source,
            }
        }
    })
}

/// Exposes a passphrase's text for comparison (e.g. a typed confirmation).
pub fn passphrases_match(a: &SecretString, b: &SecretString) -> bool {
    a.expose_secret() == b.expose_secret()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_key_file_round_trips_and_checks_its_id() {
        let secret = SecretKey::from_seed("Тест", &[3; 32]).unwrap();
        let public = secret.public();
        let text = public.to_file_text();
        let parsed = PublicKey::from_file_text(&text, Path::new("k.pub")).unwrap();
        assert_eq!(parsed, public);
        let other = SecretKey::from_seed("Тест", &[4; 32]).unwrap().public();
        let lying = text.replace(&public.key_id().to_hex(), &other.key_id().to_hex());
        assert!(PublicKey::from_file_text(&lying, Path::new("k.pub")).is_err());
    }

    #[test]
    fn fingerprint_is_six_groups_of_four_base32() {
        let fingerprint = SecretKey::from_seed("a", &[1; 32])
            .unwrap()
            .public()
            .fingerprint();
        assert_eq!(fingerprint.len(), 29);
        assert!(fingerprint.split('-').all(|g| {
            g.len() == 4
                && g.bytes()
                    .all(|b| b.is_ascii_uppercase() || (b'2'..=b'7').contains(&b))
        }));
    }

    #[cfg(unix)]
    fn file_with_mode(dir: &Path, name: &str, text: &str, mode: u32) -> PathBuf {
        use std::os::unix::fs::PermissionsExt;
        let path = dir.join(name);
        fs::write(&path, text).unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(mode)).unwrap();
        path
    }

    #[cfg(unix)]
    #[test]
    fn secret_key_file_readable_by_others_is_named_as_such_and_the_hint_says_chmod() {
        let dir = tempfile::tempdir().unwrap();
        let path = file_with_mode(dir.path(), "k.key", "", 0o640);
        let error = SecretKey::load(&path, &mut || panic!("no passphrase is needed")).unwrap_err();
        let message = error.to_string();
        assert!(message.contains("the secret key file"), "{message}");
        assert!(message.contains(&path.display().to_string()), "{message}");
        assert!(message.contains("mode 640"), "{message}");
        assert!(message.contains("consider the key exposed"), "{message}");
        assert!(
            !message.contains("chmod"),
            "no command in the error: {message}"
        );
    }

    #[cfg(unix)]
    #[test]
    fn passphrase_file_readable_by_others_is_named_as_the_passphrase_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = file_with_mode(dir.path(), "pass.txt", "secret\n", 0o604);
        let error = read_passphrase_file(&path).unwrap_err();
        let message = error.to_string();
        assert!(message.starts_with("the passphrase file"), "{message}");
        assert!(message.contains(&path.display().to_string()), "{message}");
        assert!(message.contains("mode 604"), "{message}");
        assert!(!message.contains("secret key"), "{message}");
        assert!(
            !message.contains("chmod"),
            "no command in the error: {message}"
        );
    }

    #[cfg(unix)]
    #[test]
    fn passphrase_file_gives_its_first_line_and_a_missing_one_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = file_with_mode(dir.path(), "pass.txt", "first line\r\nsecond\n", 0o600);
        let passphrase = read_passphrase_file(&path).unwrap();
        assert_eq!(passphrase.expose_secret(), "first line");
        let missing = dir.path().join("absent.txt");
        let message = read_passphrase_file(&missing).unwrap_err().to_string();
        assert!(
            message.starts_with("cannot read the passphrase file"),
            "{message}"
        );
        assert!(message.contains("absent.txt"), "{message}");
    }

    #[cfg(unix)]
    #[test]
    fn passphrase_files_larger_than_64_kib_or_not_utf8_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let limit = MAX_KEY_FILE_LEN as usize;
        let path = file_with_mode(dir.path(), "ok.txt", &"p".repeat(limit), 0o600);
        assert_eq!(
            read_passphrase_file(&path).unwrap().expose_secret().len(),
            limit
        );
        let path = file_with_mode(dir.path(), "big.txt", &"p".repeat(limit + 1), 0o600);
        let message = read_passphrase_file(&path).unwrap_err().to_string();
        assert!(message.contains("the passphrase file"), "{message}");
        assert!(message.contains("too large"), "{message}");
        let path = dir.path().join("latin1.txt");
        fs::write(&path, b"caf\xe9\n").unwrap();
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
        let message = read_passphrase_file(&path).unwrap_err().to_string();
        assert!(message.contains("not UTF-8"), "{message}");
    }

    #[cfg(unix)]
    #[test]
    fn passphrase_file_that_is_a_folder_or_has_an_empty_first_line_is_named() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().join("folder");
        fs::create_dir(&folder).unwrap();
        fs::set_permissions(&folder, fs::Permissions::from_mode(0o755)).unwrap();
        let message = read_passphrase_file(&folder).unwrap_err().to_string();
        assert!(message.contains("is a folder"), "{message}");
        assert!(message.contains(&folder.display().to_string()), "{message}");
        for (name, text) in [("empty.txt", ""), ("blank.txt", "\nsecond line\n")] {
            let path = file_with_mode(dir.path(), name, text, 0o600);
            let message = read_passphrase_file(&path).unwrap_err().to_string();
            assert!(
                message.contains("no passphrase on its first line"),
                "{message}"
            );
            assert!(message.contains(&path.display().to_string()), "{message}");
        }
    }

    #[test]
    fn passphrase_needed_names_no_option_the_cli_adds_them() {
        let error = KeyError::PassphraseNeeded {
            path: PathBuf::from("k.key"),
        };
        assert!(!error.to_string().contains("--"), "{error}");
    }

    const VECTOR_PUB: &str = "# tamizdat public key: safe to publish. Compare the fingerprint with the publisher before trusting it.\n\
        name: Test Vector Key\n\
        key-id: 7b3214c4e1d24c8f\n\
        fingerprint: PMZB-JRHB-2JGI-6C2E-MEKL-QP3N\n\
        ed25519: IVL40Zt5HSRFMkLhXy6rbLfP+ntqXtMAl5YOBpiB2xI=\n";
    const VECTOR_KEY: &str = "# tamizdat secret key: anyone holding this file can publish in your name.\n\
        name: Test Vector Key\n\
        ed25519-secret: QkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkI=\n";

    fn vector_key() -> SecretKey {
        SecretKey::from_seed("Test Vector Key", &[0x42; 32]).unwrap()
    }

    fn public(text: &str) -> Result<PublicKey, String> {
        PublicKey::from_file_text(text, Path::new("k.pub")).map_err(|e| e.to_string())
    }

    fn secret(text: &str) -> Result<SecretKey, String> {
        SecretKey::from_plaintext(text, Path::new("k.key")).map_err(|e| e.to_string())
    }

    #[track_caller]
    fn assert_refused(result: Result<impl fmt::Debug, String>, words: &[&str]) {
        let error = result.expect_err("refused");
        for word in words {
            assert!(error.contains(word), "{word:?} not in: {error}");
        }
    }

    #[test]
    fn writers_produce_exactly_the_specified_bytes() {
        let key = vector_key();
        assert_eq!(key.public().to_file_text(), VECTOR_PUB);
        assert_eq!(*key.to_plaintext(None), VECTOR_KEY);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k.key");
        key.save(&path, None, None).unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), VECTOR_KEY);
        // A note (for keys published on purpose) is written as comment lines.
        let noted = key.to_plaintext(Some("INSECURE\n# demo"));
        assert!(noted.contains("\n# INSECURE\n# demo\nname: "), "{}", *noted);
        assert_eq!(secret(&noted).unwrap().public(), key.public());
    }

    #[test]
    fn secret_key_file_with_a_repeated_field_is_refused() {
        let other = data_encoding::BASE64.encode(&[7; 32]);
        let twice = format!("{VECTOR_KEY}ed25519-secret: {other}\n");
        assert_refused(
            secret(&twice),
            &[
                "k.key",
                "secret key file",
                "line 4 repeats the field `ed25519-secret:`",
            ],
        );
        assert!(
            !secret(&twice).unwrap_err().contains(&other),
            "never quotes a secret"
        );
        let named_twice = format!("name: Other\n{VECTOR_KEY}");
        assert_refused(secret(&named_twice), &["line 3 repeats the field `name:`"]);
    }

    #[test]
    fn public_key_file_with_a_repeated_field_is_refused() {
        for line in [
            "name: Test Vector Key",
            "key-id: 7b3214c4e1d24c8f",
            "fingerprint: PMZB-JRHB-2JGI-6C2E-MEKL-QP3N",
            "ed25519: IVL40Zt5HSRFMkLhXy6rbLfP+ntqXtMAl5YOBpiB2xI=",
        ] {
            let field = line.split(':').next().unwrap();
            assert_refused(
                public(&format!("{VECTOR_PUB}{line}\n")),
                &[
                    "public key file",
                    &format!("line 6 repeats the field `{field}:`"),
                ],
            );
        }
    }

    #[test]
    fn unknown_fields_are_refused_in_both_kinds_of_key_file() {
        assert_refused(
            public(&format!("{VECTOR_PUB}expires: 2030-01-01\n")),
            &["line 6 has the unknown field `expires:`"],
        );
        // A misspelt check must not be skipped silently.
        let misspelt = VECTOR_PUB.replace("fingerprint:", "fingerprnt:");
        assert_refused(public(&misspelt), &["unknown field `fingerprnt:`"]);
        assert_refused(
            secret(&format!("{VECTOR_KEY}comment: mine\n")),
            &["line 4 has the unknown field `comment:`"],
        );
    }

    #[test]
    fn a_key_file_of_the_other_kind_is_called_that() {
        assert_refused(
            public(VECTOR_KEY),
            &[
                "line 3",
                "`ed25519-secret:`",
                "secret key file",
                "never be given",
            ],
        );
        assert_refused(
            secret(VECTOR_PUB),
            &["line 3 has the field `key-id:` of a public key file"],
        );
        let public_only =
            "name: Test Vector Key\ned25519: IVL40Zt5HSRFMkLhXy6rbLfP+ntqXtMAl5YOBpiB2xI=\n";
        assert_refused(secret(public_only), &["`ed25519:`", "a public key file"]);
    }

    #[test]
    fn required_fields_missing_are_refused() {
        let no_name = VECTOR_PUB.replace("name: Test Vector Key\n", "");
        assert_refused(public(&no_name), &["no `name:` line"]);
        let no_key = VECTOR_PUB.replace("ed25519: ", "# ed25519: ");
        assert_refused(public(&no_key), &["no `ed25519:` line"]);
        assert_refused(secret("name: A\n"), &["no `ed25519-secret:` line"]);
        let no_secret_name = VECTOR_KEY.replace("name: Test Vector Key\n", "");
        assert_refused(secret(&no_secret_name), &["no `name:` line"]);
        // key-id and fingerprint are optional.
        let minimal =
            "name: Test Vector Key\ned25519: IVL40Zt5HSRFMkLhXy6rbLfP+ntqXtMAl5YOBpiB2xI=";
        assert_eq!(public(minimal).unwrap(), vector_key().public());
    }

    #[test]
    fn fields_in_any_order_and_crlf_line_endings_read_the_same_key() {
        let reordered: String = VECTOR_PUB
            .lines()
            .rev()
            .map(|l| format!("{l}\r\n"))
            .collect();
        assert_eq!(public(&reordered).unwrap(), vector_key().public());
        let reordered: String = VECTOR_KEY
            .lines()
            .rev()
            .map(|l| format!("{l}\r\n"))
            .collect();
        assert_eq!(secret(&reordered).unwrap().public(), vector_key().public());
    }

    #[test]
    fn key_id_and_fingerprint_must_be_written_exactly_as_computed() {
        for (from, to) in [
            ("7b3214c4e1d24c8f", "7B3214C4E1D24C8F"),
            ("7b3214c4e1d24c8f", "7b3214c4e1d24c8"),
            (
                "PMZB-JRHB-2JGI-6C2E-MEKL-QP3N",
                "pmzb-jrhb-2jgi-6c2e-mekl-qp3n",
            ),
            ("PMZB-JRHB-2JGI-6C2E-MEKL-QP3N", "PMZBJRHB2JGI6C2EMEKLQP3N"),
        ] {
            let text = VECTOR_PUB.replace(from, to);
            assert_refused(public(&text), &["does not match its key"]);
        }
    }

    #[test]
    fn key_values_must_be_canonical_padded_base64_of_32_bytes() {
        let key = "IVL40Zt5HSRFMkLhXy6rbLfP+ntqXtMAl5YOBpiB2xI=";
        let seed = "QkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkI=";
        for bad in [
            key.trim_end_matches('='),                      // no padding
            "IVL40Zt5HSRFMkLhXy6rbLfP+ntqXtMAl5YOBpiB2xJ=", // non-zero trailing bits
            "IVL40Zt5HSRFMkLhXy6rbLfP-ntqXtMAl5YOBpiB2xI=", // URL-safe alphabet
            "IVL40Zt5HSRFMkLhXy6rbLfP+ntqXtMAl5YOBpiB",     // 30 bytes
        ] {
            let text = VECTOR_PUB.replace(key, bad);
            assert_refused(
                public(&text),
                &["`ed25519:` value is not 32 bytes of base64"],
            );
            let bad_seed = bad.replace(key.trim_end_matches('='), seed.trim_end_matches('='));
            let text = VECTOR_KEY.replace(seed, &bad_seed);
            if bad_seed != seed {
                assert_refused(
                    secret(&text),
                    &["`ed25519-secret:` value is not 32 bytes of base64"],
                );
            }
        }
    }

    #[test]
    fn key_names_are_1_to_100_characters_without_control_or_direction_characters() {
        let with_name = |name: &str| VECTOR_PUB.replace("Test Vector Key", name);
        let longest = "ж".repeat(MAX_KEY_NAME_CHARS);
        assert_eq!(public(&with_name(&longest)).unwrap().name(), longest);
        for bad in [
            String::new(),
            "ж".repeat(MAX_KEY_NAME_CHARS + 1),
            "Evil\u{202e}Corp".into(),
            "Tab\tinside".into(),
            "Trailing\u{a0}".into(),
        ] {
            assert_refused(public(&with_name(&bad)), &["public key file", "key name"]);
            let text = VECTOR_KEY.replace("Test Vector Key", &bad);
            assert_refused(secret(&text), &["secret key file", "key name"]);
        }
    }

    #[test]
    fn key_files_larger_than_64_kib_are_refused_before_parsing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.pub");
        let padding = "#".repeat(MAX_KEY_FILE_LEN as usize - VECTOR_PUB.len() - 1);
        fs::write(&path, format!("{padding}\n{VECTOR_PUB}")).unwrap();
        assert_eq!(PublicKey::load(&path).unwrap(), vector_key().public());
        fs::write(&path, format!("{padding}#\n{VECTOR_PUB}")).unwrap();
        let error = PublicKey::load(&path).unwrap_err().to_string();
        assert!(error.contains("not a tamizdat public key file"), "{error}");
        assert!(error.contains("larger than 65,536 bytes"), "{error}");
    }

    #[test]
    fn key_files_that_are_not_utf8_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("latin1.pub");
        fs::write(
            &path,
            b"name: Caf\xe9\ned25519: IVL40Zt5HSRFMkLhXy6rbLfP+ntqXtMAl5YOBpiB2xI=\n",
        )
        .unwrap();
        let error = PublicKey::load(&path).unwrap_err().to_string();
        assert!(error.contains("not UTF-8"), "{error}");
    }

    #[test]
    fn weak_public_key_is_refused() {
        // The identity point (small order) as a public key would accept forged signatures.
        let mut identity = [0u8; 32];
        identity[0] = 1;
        assert_eq!(
            PublicKey::new("weak", &identity).unwrap_err(),
            PublicKeyError::Weak
        );
    }

    #[test]
    fn signatures_verify_only_for_the_signed_message() {
        let secret = SecretKey::from_seed("a", &[5; 32]).unwrap();
        let signature = secret.sign(b"hello");
        assert!(secret.public().verify(b"hello", &signature));
        assert!(!secret.public().verify(b"hellO", &signature));
    }
}
