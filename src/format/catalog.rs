//! A mirror's signed catalog, its entry point and its channel list (FORMAT.md section 11).
//!
//! A catalog lists, for one channel, every edition a mirror holds: file name, length, SHA-256
//! of the whole file, number, date and title. It is a fixed binary envelope around a JSON
//! body, signed by the publisher's signing key (directly trusted, or certified by a root whose
//! credentials the catalog carries):
//!
//! ```text
//! offset  size  field
//!      0     8  "TZCATLG1"
//!      8     8  key id of the signing key
//!     16     4  credentials length K, 0 to 16 MiB (u32 little-endian); 0: signed by a key
//!               the reader trusts directly
//!     20     4  body length B, 1 to 8 MiB (u32 little-endian)
//!     24     K  credentials block (section 10.3)
//!   24+K     B  body: UTF-8 JSON
//! 24+K+B    64  Ed25519 signature over "tamizdat/v1/catalog\0" || bytes[0 .. 24+K+B]
//! ```
//!
//! As for bundles and statements, everything a verifier needs before trusting the body is
//! found by offsets; the body reaches a JSON parser only through a verifier (one layer up).
//! The entry point and the channel list are unsigned hints: every claim they make is checked
//! against a signed catalog.

use serde::Serialize;
use serde_json::{Map, Value};

use crate::format::KeyId;
use crate::format::header::MAX_CREDENTIALS_LEN;
use crate::format::manifest::{check_channel, check_created, is_plain_text};

/// The first 8 bytes of every catalog.
pub const CATALOG_MAGIC: &[u8; 8] = b"TZCATLG1";
/// Bytes before the credentials.
pub const CATALOG_PREAMBLE_LEN: usize = 24;
/// What a catalog's signature is over, before its bytes: no signature made for a bundle
/// header or a statement verifies as a catalog's.
pub const CATALOG_CONTEXT: &[u8] = b"tamizdat/v1/catalog\0";
/// Largest body: 16,384 editions of about 400 bytes each fit with room to spare.
pub const MAX_CATALOG_BODY_LEN: usize = 8 * 1024 * 1024;
/// Most editions one catalog lists.
pub const MAX_CATALOG_EDITIONS: usize = 16_384;
/// Most mirror addresses one catalog lists.
pub const MAX_MIRRORS: usize = 64;
/// Longest mirror address, in bytes.
pub const MAX_MIRROR_URL_LEN: usize = 512;
/// The largest catalog file.
pub const MAX_CATALOG_LEN: usize =
    CATALOG_PREAMBLE_LEN + MAX_CREDENTIALS_LEN + MAX_CATALOG_BODY_LEN + 64;
/// Largest entry point file.
pub const MAX_ENTRY_POINT_LEN: usize = 4096;
/// Largest channel list file.
pub const MAX_CHANNEL_LIST_LEN: usize = 65_536;
/// Most channels one mirror lists.
pub const MAX_CHANNELS: usize = 256;
/// Largest edition file a catalog may declare (the format's 256 GiB of content, compressed
/// no worse than stored, plus its header).
pub const MAX_EDITION_LEN: u64 = 1 << 40;

/// Where each part of a mirror lives, relative to its top folder (or address).
pub const CHANNEL_LIST: &str = "tamizdat-mirror.json";
/// Folder of entry points, one per channel.
pub const ENTRY_POINTS: &str = "channels";
/// Folder of catalogs.
pub const CATALOGS: &str = "catalogs";
/// Folder of bundles (and their torrents).
pub const BUNDLES: &str = "bundles";

/// Why catalog bytes, an entry point or a channel list are refused. Each is a plain sentence.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CatalogError {
    /// Wrong magic.
    #[error("it is not a tamizdat catalog (no catalog header at its start)")]
    NotACatalog,
    /// The lengths in the preamble do not add up to the file's length.
    #[error(
        "the catalog is damaged: it is {actual} bytes long, but its header makes it {expected}"
    )]
    WrongLength {
        /// What the header adds up to.
        expected: u64,
        /// What there is.
        actual: u64,
    },
    /// A length field out of bounds.
    #[error("the catalog is damaged: it declares {what} of {length} bytes ({allowed} allowed)")]
    FieldLength {
        /// Which field.
        what: &'static str,
        /// Its value.
        length: u64,
        /// The bounds, in words.
        allowed: &'static str,
    },
    /// The body breaks a rule of section 11.
    #[error("the catalog's content is invalid: {0}")]
    Body(String),
    /// The entry point breaks a rule of section 11.
    #[error("the mirror's entry point for {channel} is invalid: {problem}")]
    EntryPoint {
        /// The channel it is for.
        channel: String,
        /// What is wrong.
        problem: String,
    },
    /// The channel list breaks a rule of section 11.
    #[error("the mirror's channel list is invalid: {0}")]
    ChannelList(String),
}

/// A catalog split by offsets. Its body is unverified until a verifier has checked the
/// signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedCatalog {
    key_id: KeyId,
    /// The context, then bytes[0 .. 24+K+B].
    message: Vec<u8>,
    credentials_len: usize,
    signature: [u8; 64],
}

fn u32_at(bytes: &[u8], at: usize) -> usize {
    u32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]) as usize
}

impl SignedCatalog {
    /// Splits `bytes`, which must be exactly one catalog.
    pub fn parse(bytes: &[u8]) -> Result<SignedCatalog, CatalogError> {
        if bytes.len() < 8 || &bytes[..8] != CATALOG_MAGIC {
            return Err(CatalogError::NotACatalog);
        }
        if bytes.len() < CATALOG_PREAMBLE_LEN {
            return Err(CatalogError::WrongLength {
                expected: CATALOG_PREAMBLE_LEN as u64 + 64,
                actual: bytes.len() as u64,
            });
        }
        let mut id = [0u8; 8];
        id.copy_from_slice(&bytes[8..16]);
        let credentials_len = u32_at(bytes, 16);
        let body_len = u32_at(bytes, 20);
        if credentials_len > MAX_CREDENTIALS_LEN {
            return Err(CatalogError::FieldLength {
                what: "credentials",
                length: credentials_len as u64,
                allowed: "0 to 16,777,216",
            });
        }
        if body_len == 0 || body_len > MAX_CATALOG_BODY_LEN {
            return Err(CatalogError::FieldLength {
                what: "a body",
                length: body_len as u64,
                allowed: "1 to 8,388,608",
            });
        }
        let signed_len = CATALOG_PREAMBLE_LEN + credentials_len + body_len;
        if bytes.len() != signed_len + 64 {
            return Err(CatalogError::WrongLength {
                expected: signed_len as u64 + 64,
                actual: bytes.len() as u64,
            });
        }
        let mut signature = [0u8; 64];
        signature.copy_from_slice(&bytes[signed_len..]);
        let mut message = CATALOG_CONTEXT.to_vec();
        message.extend_from_slice(&bytes[..signed_len]);
        Ok(SignedCatalog {
            key_id: KeyId::from_bytes(id),
            message,
            credentials_len,
            signature,
        })
    }

    /// A catalog over `body`, to be signed with [`Self::signed_message`] and given its
    /// signature with [`Self::set_signature`]; `credentials` is empty for a directly trusted
    /// key.
    pub fn unsigned(
        key_id: KeyId,
        credentials: &[u8],
        body: &[u8],
    ) -> Result<SignedCatalog, CatalogError> {
        if credentials.len() > MAX_CREDENTIALS_LEN {
            return Err(CatalogError::FieldLength {
                what: "credentials",
                length: credentials.len() as u64,
                allowed: "0 to 16,777,216",
            });
        }
        if body.is_empty() || body.len() > MAX_CATALOG_BODY_LEN {
            return Err(CatalogError::FieldLength {
                what: "a body",
                length: body.len() as u64,
                allowed: "1 to 8,388,608",
            });
        }
        let mut message = CATALOG_CONTEXT.to_vec();
        message.extend_from_slice(CATALOG_MAGIC);
        message.extend_from_slice(key_id.as_bytes());
        message.extend_from_slice(&(credentials.len() as u32).to_le_bytes());
        message.extend_from_slice(&(body.len() as u32).to_le_bytes());
        message.extend_from_slice(credentials);
        message.extend_from_slice(body);
        Ok(SignedCatalog {
            key_id,
            message,
            credentials_len: credentials.len(),
            signature: [0; 64],
        })
    }

    /// The key id the catalog claims to be signed with.
    pub fn key_id(&self) -> KeyId {
        self.key_id
    }

    /// The exact message the signature is over.
    pub fn signed_message(&self) -> &[u8] {
        &self.message
    }

    /// The signature.
    pub fn signature(&self) -> &[u8; 64] {
        &self.signature
    }

    /// Sets the signature (writers only).
    pub fn set_signature(&mut self, signature: [u8; 64]) {
        self.signature = signature;
    }

    /// The credentials block; empty for a catalog signed by a directly trusted key.
    pub fn credentials(&self) -> &[u8] {
        let start = CATALOG_CONTEXT.len() + CATALOG_PREAMBLE_LEN;
        &self.message[start..start + self.credentials_len]
    }

    /// The body's bytes. Unverified: only a verifier hands them to [`Catalog::from_json`].
    pub fn unverified_body(&self) -> &[u8] {
        &self.message[CATALOG_CONTEXT.len() + CATALOG_PREAMBLE_LEN + self.credentials_len..]
    }

    /// The catalog as stored.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = self.message[CATALOG_CONTEXT.len()..].to_vec();
        out.extend_from_slice(&self.signature);
        out
    }
}

/// One edition a catalog lists.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CatalogEdition {
    /// The edition's channel: the catalog's.
    pub channel: String,
    /// The edition's number.
    pub sequence: u64,
    /// Its file name in `bundles/`: always `CHANNEL-SEQUENCE.tar.zst`.
    pub file: String,
    /// The bundle file's length in bytes.
    pub length: u64,
    /// SHA-256 of the whole bundle file, lowercase hex.
    pub sha256: String,
    /// The manifest's `created`.
    pub created: String,
    /// The manifest's `title`.
    pub title: String,
}

/// A catalog's signed content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Catalog {
    /// Always `"catalog"`.
    pub kind: String,
    /// The channel this catalog is for.
    pub channel: String,
    /// The catalog's own number: each new catalog of a channel numbers one more.
    pub sequence: u64,
    /// When it was signed.
    pub issued: String,
    /// Editions, by ascending number.
    pub editions: Vec<CatalogEdition>,
    /// Addresses of mirrors (each ending in `/`), in the publisher's order of preference.
    pub mirrors: Vec<String>,
}

/// The file name of edition `sequence` of `channel` in a mirror's `bundles/`.
pub fn bundle_file_name(channel: &str, sequence: u64) -> String {
    format!("{channel}-{sequence}.tar.zst")
}

/// The file name of catalog `sequence` of `channel` in a mirror's `catalogs/`.
pub fn catalog_file_name(channel: &str, sequence: u64) -> String {
    format!("{channel}-{sequence}.tzcat")
}

/// The file name of `channel`'s entry point in a mirror's `channels/`.
pub fn entry_point_file_name(channel: &str) -> String {
    format!("{channel}.json")
}

fn body_error(problem: impl Into<String>) -> CatalogError {
    CatalogError::Body(problem.into())
}

/// Reads a JSON object strictly: no name twice (checked by the caller on the whole
/// document), exactly the members `names`, each present.
fn members<'a>(
    value: &'a Value,
    what: &str,
    names: &[&str],
    fail: &dyn Fn(String) -> CatalogError,
) -> Result<Vec<&'a Value>, CatalogError> {
    let Some(object) = value.as_object() else {
        return Err(fail(format!("{what} is not a JSON object")));
    };
    check_members(object, what, names, fail)?;
    Ok(names.iter().filter_map(|name| object.get(*name)).collect())
}

fn check_members(
    object: &Map<String, Value>,
    what: &str,
    names: &[&str],
    fail: &dyn Fn(String) -> CatalogError,
) -> Result<(), CatalogError> {
    if let Some(unknown) = object.keys().find(|key| !names.contains(&key.as_str())) {
        return Err(fail(format!("{what} holds an unknown member {unknown:?}")));
    }
    if let Some(missing) = names.iter().find(|name| !object.contains_key(**name)) {
        return Err(fail(format!("{what} lacks the member {missing:?}")));
    }
    Ok(())
}

fn text<'a>(
    value: &'a Value,
    what: &str,
    fail: &dyn Fn(String) -> CatalogError,
) -> Result<&'a str, CatalogError> {
    value
        .as_str()
        .ok_or_else(|| fail(format!("{what} is not a string")))
}

fn integer(
    value: &Value,
    what: &str,
    fail: &dyn Fn(String) -> CatalogError,
) -> Result<u64, CatalogError> {
    // serde_json keeps integers written with a fraction or an exponent as floats, which
    // as_u64 refuses: only plain digits pass.
    value
        .as_u64()
        .ok_or_else(|| fail(format!("{what} is not an integer from 0 to 2^64-1")))
}

fn time(value: &Value, what: &str) -> Result<String, CatalogError> {
    let text = text(value, what, &body_error)?;
    check_created(text)
        .map_err(|_| body_error(format!("{what} is not a time as YYYY-MM-DDTHH:MM:SSZ")))?;
    Ok(text.to_string())
}

fn is_sha256_hex(text: &str) -> bool {
    text.len() == 64
        && text
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Checks a mirror address (FORMAT.md section 11.3): `http://` or `https://`, a host of
/// lowercase ASCII labels or a dotted IPv4 address, an optional port that is not the scheme's
/// default, and a path of unreserved characters ending in `/`, without `.` or `..` segments.
/// Every such address is already in the form the WHATWG URL standard serialises it in (which
/// is checked too), so two readers compare the same text, and a second implementation needs no
/// URL library to agree.
pub fn check_mirror_url(text: &str) -> Result<url::Url, String> {
    let refuse = || {
        format!(
            "the mirror address {text:?} is not an http or https address of a folder (lowercase host, path of letters, digits and - . _ ~ / ending in /)"
        )
    };
    if text.is_empty() || text.len() > MAX_MIRROR_URL_LEN {
        return Err(format!(
            "the mirror address {text:?} is empty or longer than {MAX_MIRROR_URL_LEN} bytes"
        ));
    }
    let (default_port, rest) = if let Some(rest) = text.strip_prefix("https://") {
        ("443", rest)
    } else if let Some(rest) = text.strip_prefix("http://") {
        ("80", rest)
    } else {
        return Err(refuse());
    };
    let slash = rest.find('/').ok_or_else(refuse)?;
    let (authority, path) = rest.split_at(slash);
    let (host, port) = match authority.split_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (authority, None),
    };
    let label_ok = |label: &str| {
        !label.is_empty()
            && label.len() <= 63
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    };
    let labels: Vec<&str> = host.split('.').collect();
    let numeric_last = labels
        .last()
        .is_some_and(|last| !last.is_empty() && last.bytes().all(|b| b.is_ascii_digit()));
    let host_ok = if numeric_last {
        // The standard reads a host ending in a number as an IPv4 address: only the plain
        // dotted form is its own serialisation.
        labels.len() == 4
            && labels.iter().all(|part| {
                !part.is_empty()
                    && part.len() <= 3
                    && part.bytes().all(|b| b.is_ascii_digit())
                    && (part.len() == 1 || !part.starts_with('0'))
                    && part.parse::<u16>().is_ok_and(|n| n <= 255)
            })
    } else {
        host.len() <= 253 && labels.iter().all(|label| label_ok(label))
    };
    let port_ok = port.is_none_or(|port| {
        !port.is_empty()
            && !port.starts_with('0')
            && port.bytes().all(|b| b.is_ascii_digit())
            && port.parse::<u16>().is_ok()
            && port != default_port
    });
    let path_ok = path.ends_with('/')
        && path
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~/".contains(&b))
        && !path
            .split('/')
            .any(|segment| segment == "." || segment == "..");
    if !host_ok || !port_ok || !path_ok {
        return Err(refuse());
    }
    let parsed = url::Url::parse(text).map_err(|_| refuse())?;
    if parsed.as_str() != text {
        return Err(format!(
            "the mirror address {text:?} is not written in its normal form ({:?})",
            parsed.as_str()
        ));
    }
    Ok(parsed)
}

impl Catalog {
    /// The file name of this catalog in `catalogs/`.
    pub fn file_name(&self) -> String {
        catalog_file_name(&self.channel, self.sequence)
    }

    /// The edition numbered `sequence`, if listed.
    pub fn edition(&self, sequence: u64) -> Option<&CatalogEdition> {
        self.editions
            .binary_search_by_key(&sequence, |edition| edition.sequence)
            .ok()
            .map(|at| &self.editions[at])
    }

    /// Reads a body whose signature a verifier has checked, enforcing every rule of
    /// FORMAT.md section 11.2.
    pub fn from_json(body: &[u8]) -> Result<Catalog, CatalogError> {
        crate::format::refuse_duplicate_members(body).map_err(body_error)?;
        let value: Value = serde_json::from_slice(body).map_err(|e| body_error(e.to_string()))?;
        let fields = members(
            &value,
            "the body",
            &[
                "kind", "channel", "sequence", "issued", "editions", "mirrors",
            ],
            &body_error,
        )?;
        if fields[0].as_str() != Some("catalog") {
            return Err(body_error("its kind is not \"catalog\""));
        }
        let channel = text(fields[1], "channel", &body_error)?.to_string();
        check_channel(&channel).map_err(|e| body_error(e.to_string()))?;
        let sequence = integer(fields[2], "sequence", &body_error)?;
        if sequence == 0 {
            return Err(body_error("its sequence is 0; catalogs number from 1"));
        }
        let issued = time(fields[3], "issued")?;
        let Some(listed) = fields[4].as_array() else {
            return Err(body_error("editions is not an array"));
        };
        if listed.len() > MAX_CATALOG_EDITIONS {
            return Err(body_error(format!(
                "it lists {} editions, more than the {MAX_CATALOG_EDITIONS} allowed",
                listed.len()
            )));
        }
        let mut editions: Vec<CatalogEdition> = Vec::with_capacity(listed.len());
        for value in listed {
            let edition = read_edition(value, &channel)?;
            if let Some(last) = editions.last()
                && last.sequence >= edition.sequence
            {
                return Err(body_error(format!(
                    "edition {} follows edition {}: editions must be listed once each, by ascending number",
                    edition.sequence, last.sequence
                )));
            }
            editions.push(edition);
        }
        let Some(addresses) = fields[5].as_array() else {
            return Err(body_error("mirrors is not an array"));
        };
        if addresses.len() > MAX_MIRRORS {
            return Err(body_error(format!(
                "it lists {} mirrors, more than the {MAX_MIRRORS} allowed",
                addresses.len()
            )));
        }
        let mut mirrors: Vec<String> = Vec::with_capacity(addresses.len());
        for address in addresses {
            let address = text(address, "a mirror address", &body_error)?;
            check_mirror_url(address).map_err(body_error)?;
            if mirrors.iter().any(|known| known == address) {
                return Err(body_error(format!(
                    "the mirror address {address:?} is listed twice"
                )));
            }
            mirrors.push(address.to_string());
        }
        Ok(Catalog {
            kind: "catalog".into(),
            channel,
            sequence,
            issued,
            editions,
            mirrors,
        })
    }

    /// The body as writers emit it: compact JSON, members in the order of section 11.2.
    pub fn to_json(&self) -> Vec<u8> {
        // Serialising strings, integers and arrays of them cannot fail.
        serde_json::to_vec(self).unwrap_or_default()
    }
}

fn read_edition(value: &Value, channel: &str) -> Result<CatalogEdition, CatalogError> {
    let fields = members(
        value,
        "an edition",
        &[
            "channel", "sequence", "file", "length", "sha256", "created", "title",
        ],
        &body_error,
    )?;
    let edition_channel = text(fields[0], "an edition's channel", &body_error)?;
    let sequence = integer(fields[1], "an edition's sequence", &body_error)?;
    if edition_channel != channel {
        return Err(body_error(format!(
            "edition {sequence} is of the channel {edition_channel:?}, not the catalog's {channel:?}"
        )));
    }
    let file = text(fields[2], "an edition's file", &body_error)?;
    let expected = bundle_file_name(channel, sequence);
    if file != expected {
        return Err(body_error(format!(
            "edition {sequence}'s file is {file:?}, not {expected:?}"
        )));
    }
    let length = integer(fields[3], "an edition's length", &body_error)?;
    if length == 0 || length > MAX_EDITION_LEN {
        return Err(body_error(format!(
            "edition {sequence} declares a length of {length} bytes (1 to 2^40 allowed)"
        )));
    }
    let sha256 = text(fields[4], "an edition's sha256", &body_error)?;
    if !is_sha256_hex(sha256) {
        return Err(body_error(format!(
            "edition {sequence}'s sha256 is not 64 lowercase hex digits"
        )));
    }
    let created = time(fields[5], "an edition's created")?;
    let title = text(fields[6], "an edition's title", &body_error)?;
    if !is_plain_text(title) {
        return Err(body_error(format!(
            "edition {sequence}'s title is too long or holds control or direction-changing characters"
        )));
    }
    Ok(CatalogEdition {
        channel: channel.to_string(),
        sequence,
        file: file.to_string(),
        length,
        sha256: sha256.to_string(),
        created,
        title: title.to_string(),
    })
}

/// A channel's entry point: the one file of a mirror that changes in place. It names the
/// channel's current catalog, whose length and hash it gives so a reader never reads more.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EntryPoint {
    /// The catalog's file name in `catalogs/`: `CHANNEL-SEQUENCE.tzcat`.
    pub catalog: String,
    /// The catalog file's length.
    pub length: u64,
    /// SHA-256 of the catalog file, lowercase hex.
    pub sha256: String,
}

impl EntryPoint {
    /// Reads `channel`'s entry point.
    pub fn from_json(channel: &str, bytes: &[u8]) -> Result<EntryPoint, CatalogError> {
        let fail = |problem: String| CatalogError::EntryPoint {
            channel: channel.to_string(),
            problem,
        };
        if bytes.len() > MAX_ENTRY_POINT_LEN {
            return Err(fail(format!(
                "it is {} bytes long, more than {MAX_ENTRY_POINT_LEN}",
                bytes.len()
            )));
        }
        crate::format::refuse_duplicate_members(bytes).map_err(fail)?;
        let value: Value = serde_json::from_slice(bytes).map_err(|e| fail(e.to_string()))?;
        let fields = members(
            &value,
            "the entry point",
            &["catalog", "length", "sha256"],
            &fail,
        )?;
        let catalog = text(fields[0], "catalog", &fail)?;
        let length = integer(fields[1], "length", &fail)?;
        let sha256 = text(fields[2], "sha256", &fail)?;
        let sequence = catalog
            .strip_prefix(channel)
            .and_then(|rest| rest.strip_prefix('-'))
            .and_then(|rest| rest.strip_suffix(".tzcat"))
            .and_then(|digits| {
                (!digits.starts_with('0') && digits.bytes().all(|b| b.is_ascii_digit()))
                    .then(|| digits.parse::<u64>().ok())
                    .flatten()
            });
        if sequence.is_none_or(|sequence| catalog_file_name(channel, sequence) != catalog) {
            return Err(fail(format!(
                "it names the catalog {catalog:?}, not one of {channel}"
            )));
        }
        if length < (CATALOG_PREAMBLE_LEN + 1 + 64) as u64 || length > MAX_CATALOG_LEN as u64 {
            return Err(fail(format!(
                "it declares a catalog of {length} bytes, which no catalog can be"
            )));
        }
        if !is_sha256_hex(sha256) {
            return Err(fail("its sha256 is not 64 lowercase hex digits".into()));
        }
        Ok(EntryPoint {
            catalog: catalog.to_string(),
            length,
            sha256: sha256.to_string(),
        })
    }

    /// The catalog's number, from its file name (checked by [`Self::from_json`]).
    pub fn catalog_sequence(&self) -> u64 {
        self.catalog
            .rsplit_once('-')
            .and_then(|(_, rest)| rest.strip_suffix(".tzcat"))
            .and_then(|digits| digits.parse().ok())
            .unwrap_or(0)
    }

    /// The entry point as writers emit it.
    pub fn to_json(&self) -> Vec<u8> {
        let mut bytes = serde_json::to_vec(self).unwrap_or_default();
        bytes.push(b'\n');
        bytes
    }
}

/// The channels a mirror serves, so a reader given only its address knows which entry points
/// to ask for. An unsigned hint: a channel missing from it is only not found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChannelList {
    /// Channel names, ascending.
    pub channels: Vec<String>,
}

impl ChannelList {
    /// Reads a channel list.
    pub fn from_json(bytes: &[u8]) -> Result<ChannelList, CatalogError> {
        let fail = CatalogError::ChannelList;
        if bytes.len() > MAX_CHANNEL_LIST_LEN {
            return Err(fail(format!(
                "it is {} bytes long, more than {MAX_CHANNEL_LIST_LEN}",
                bytes.len()
            )));
        }
        crate::format::refuse_duplicate_members(bytes).map_err(fail)?;
        let value: Value = serde_json::from_slice(bytes).map_err(|e| fail(e.to_string()))?;
        let fields = members(&value, "the channel list", &["channels"], &fail)?;
        let Some(names) = fields[0].as_array() else {
            return Err(fail("channels is not an array".into()));
        };
        if names.len() > MAX_CHANNELS {
            return Err(fail(format!(
                "it lists {} channels, more than the {MAX_CHANNELS} allowed",
                names.len()
            )));
        }
        let mut channels: Vec<String> = Vec::with_capacity(names.len());
        for name in names {
            let name = text(name, "a channel", &fail)?;
            check_channel(name).map_err(|e| fail(e.to_string()))?;
            if channels.last().is_some_and(|last| last.as_str() >= name) {
                return Err(fail(format!(
                    "the channel {name:?} is out of order or listed twice"
                )));
            }
            channels.push(name.to_string());
        }
        Ok(ChannelList { channels })
    }

    /// The list as writers emit it.
    pub fn to_json(&self) -> Vec<u8> {
        let mut bytes = serde_json::to_vec(self).unwrap_or_default();
        bytes.push(b'\n');
        bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Catalog {
        Catalog {
            kind: "catalog".into(),
            channel: "news-ru".into(),
            sequence: 3,
            issued: "2026-12-05T10:00:00Z".into(),
            editions: vec![CatalogEdition {
                channel: "news-ru".into(),
                sequence: 7,
                file: "news-ru-7.tar.zst".into(),
                length: 1234,
                sha256: "ab".repeat(32),
                created: "2026-12-05T09:00:00Z".into(),
                title: "Вечерний выпуск".into(),
            }],
            mirrors: vec!["https://mirror.example/news/".into()],
        }
    }

    #[test]
    fn a_catalog_round_trips_through_its_bytes() {
        let body = sample().to_json();
        let mut signed = SignedCatalog::unsigned(KeyId::from_bytes([7; 8]), b"", &body).unwrap();
        signed.set_signature([9; 64]);
        let bytes = signed.to_bytes();
        assert_eq!(bytes.len(), CATALOG_PREAMBLE_LEN + body.len() + 64);
        let parsed = SignedCatalog::parse(&bytes).unwrap();
        assert_eq!(parsed, signed);
        assert_eq!(parsed.unverified_body(), body.as_slice());
        assert_eq!(
            Catalog::from_json(parsed.unverified_body()).unwrap(),
            sample()
        );
    }

    #[test]
    fn a_catalog_of_another_length_than_declared_is_refused() {
        let mut signed =
            SignedCatalog::unsigned(KeyId::from_bytes([7; 8]), b"", &sample().to_json()).unwrap();
        signed.set_signature([9; 64]);
        let mut bytes = signed.to_bytes();
        bytes.push(0);
        assert!(matches!(
            SignedCatalog::parse(&bytes),
            Err(CatalogError::WrongLength { .. })
        ));
        bytes.truncate(30);
        assert!(matches!(
            SignedCatalog::parse(&bytes),
            Err(CatalogError::WrongLength { .. })
        ));
    }

    #[test]
    fn bodies_breaking_a_rule_are_refused() {
        let good = String::from_utf8(sample().to_json()).unwrap();
        let cases = [
            good.replace("\"catalog\"", "\"manifest\""),
            good.replace("news-ru-7.tar.zst", "../evil.tar.zst"),
            good.replace("\"length\":1234", "\"length\":0"),
            good.replace("\"length\":1234", "\"length\":1234.0"),
            good.replace("\"sequence\":3", "\"sequence\":3,\"sequence\":4"),
            good.replace("https://mirror.example/news/", "ftp://mirror.example/"),
            good.replace(
                "https://mirror.example/news/",
                "https://mirror.example/news",
            ),
            good.replace(
                "https://mirror.example/news/",
                "https://u:p@mirror.example/",
            ),
            good.replace("\"title\":", "\"extra\":1,\"title\":"),
            good.replace("\"sequence\":3", "\"sequence\":0"),
            good.replace(&"ab".repeat(32), &"AB".repeat(32)),
            good.replace(
                "\"channel\":\"news-ru\",\"sequence\":7",
                "\"channel\":\"news-fa\",\"sequence\":7",
            ),
        ];
        for case in cases {
            assert_ne!(case, good);
            assert!(
                Catalog::from_json(case.as_bytes()).is_err(),
                "accepted {case}"
            );
        }
    }

    #[test]
    fn an_entry_point_must_name_a_catalog_of_its_channel() {
        let entry = EntryPoint {
            catalog: "news-ru-12.tzcat".into(),
            length: 500,
            sha256: "cd".repeat(32),
        };
        let bytes = entry.to_json();
        assert_eq!(EntryPoint::from_json("news-ru", &bytes).unwrap(), entry);
        assert_eq!(entry.catalog_sequence(), 12);
        assert!(EntryPoint::from_json("news-fa", &bytes).is_err());
        let sneaky = String::from_utf8(bytes)
            .unwrap()
            .replace("news-ru-12", "../news-ru-12");
        assert!(EntryPoint::from_json("news-ru", sneaky.as_bytes()).is_err());
        let padded = entry.to_json().iter().map(|_| b' ').collect::<Vec<u8>>();
        assert!(EntryPoint::from_json("news-ru", &[padded.as_slice(); 100].concat()).is_err());
    }

    #[test]
    fn a_channel_list_is_sorted_and_names_channels() {
        let list = ChannelList {
            channels: vec!["news-fa".into(), "news-ru".into()],
        };
        assert_eq!(ChannelList::from_json(&list.to_json()).unwrap(), list);
        assert!(ChannelList::from_json(br#"{"channels":["news-ru","news-fa"]}"#).is_err());
        assert!(ChannelList::from_json(br#"{"channels":["../x"]}"#).is_err());
    }
}
