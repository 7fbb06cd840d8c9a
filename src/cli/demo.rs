//! `tamizdat demo`: the whole journey, publisher to reader, on the sample edition.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::cli::error::Error;
use crate::cli::human_bytes;
use crate::fs::NoProgress;
use crate::keys::TrustedKeys;
use crate::keys::{PublicKey, SecretKey};
use crate::publish::pack::{DEFAULT_LEVEL, PackOptions, pack_edition};
use crate::read::Bundle;

/// The sample edition, carried inside the binary so that `tamizdat demo` works from an
/// installed copy with no source tree. A test keeps this list equal to `examples/edition`.
pub const DEMO_EDITION: &[(&str, &[u8])] = &[
    (
        "index.md",
        include_bytes!("../../examples/edition/index.md"),
    ),
    (
        "en/river-cleanup.md",
        include_bytes!("../../examples/edition/en/river-cleanup.md"),
    ),
    (
        "en/images/river.svg",
        include_bytes!("../../examples/edition/en/images/river.svg"),
    ),
    (
        "fa/nanvayi.html",
        include_bytes!("../../examples/edition/fa/nanvayi.html"),
    ),
    (
        "fa/images/bread.svg",
        include_bytes!("../../examples/edition/fa/images/bread.svg"),
    ),
    (
        "ru/библиотека.md",
        include_bytes!("../../examples/edition/ru/библиотека.md"),
    ),
    (
        "ru/images/library.png",
        include_bytes!("../../examples/edition/ru/images/library.png"),
    ),
];

/// The demo key pair (`keys/demo.key`, `keys/demo.pub`): public on purpose, never trusted by
/// default.
pub const DEMO_SECRET_KEY: &str = include_str!("../../keys/demo.key");
/// The demo public key.
pub const DEMO_PUBLIC_KEY: &str = include_str!("../../keys/demo.pub");

/// Where the demo puts what it makes: `workspace`, an empty folder.
pub struct DemoPaths {
    /// The folder holding the demo edition's source files.
    pub edition: PathBuf,
    /// The demo secret key file.
    pub secret_key: PathBuf,
    /// The demo public key file.
    pub public_key: PathBuf,
    /// The folder everything above was written into.
    pub workspace: PathBuf,
}

impl DemoPaths {
    /// Writes the carried edition and keys into `workspace` and names them.
    pub fn unpack_into(workspace: &Path) -> Result<DemoPaths, Error> {
        let edition = workspace.join("edition-source");
        for (relative, bytes) in DEMO_EDITION {
            let path = edition.join(relative);
            if let Some(folder) = path.parent() {
                std::fs::create_dir_all(folder)
                    .map_err(io_error("cannot write the demo edition"))?;
            }
            std::fs::write(&path, bytes).map_err(io_error("cannot write the demo edition"))?;
        }
        // Owner-only, as every secret key file must be, although this one is public.
        let secret_key = workspace.join("demo.key");
        crate::keys::write_new_file(&secret_key, DEMO_SECRET_KEY.as_bytes(), 0o600)?;
        let public_key = workspace.join("demo.pub");
        std::fs::write(&public_key, DEMO_PUBLIC_KEY)
            .map_err(io_error("cannot write the demo key"))?;
        Ok(DemoPaths {
            edition,
            secret_key,
            public_key,
            workspace: workspace.to_path_buf(),
        })
    }
}

fn io_error(context: &str) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |source| Error::Io {
        context: context.to_string(),
        source,
    }
}

/// Packs, verifies and unpacks the demo edition, then imports it into a library of its own,
/// telling `out` what happens at each step.
pub fn run_demo(paths: &DemoPaths, out: &mut dyn Write) -> Result<DemoResult, Error> {
    let print = |out: &mut dyn Write, text: String| {
        writeln!(out, "{text}").map_err(io_error("cannot print"))
    };
    let key_path = paths.secret_key.clone();
    let secret = SecretKey::load(&key_path, &mut || {
        Err(crate::keys::KeyError::PassphraseNeeded {
            path: key_path.clone(),
        })
    })?;
    let public = PublicKey::load(&paths.public_key)?;

    print(
        out,
        format!(
            "1. Publisher: packing {} with the demo key (INSECURE: its secret is public, never trust it for real news)",
            paths.edition.display()
        ),
    )?;
    let bundle = paths.workspace.join("demo-edition.tar.zst");
    let options = PackOptions {
        channel: "demo".into(),
        sequence: 1,
        created: time::OffsetDateTime::now_utc()
            .replace_nanosecond(0)
            .unwrap_or(time::OffsetDateTime::UNIX_EPOCH),
        level: DEFAULT_LEVEL,
        title: None,
        language: None,
        allow_remote: false,
        force: false,
        threads: 0,
        include_hidden: false,
    };
    let report = pack_edition(&paths.edition, &secret, &options, &bundle, &NoProgress)?;
    print(
        out,
        format!(
            "   packed {}, {}, {} into {} ({})",
            crate::format::text::count(report.manifest.articles.len(), "article"),
            crate::format::text::count(report.manifest.files.len(), "file"),
            human_bytes(report.bytes_in()),
            human_bytes(report.bundle_len),
            bundle.display()
        ),
    )?;

    print(
        out,
        format!(
            "2. Reader: verifying it with {} (fingerprint {})",
            paths.public_key.display(),
            public.fingerprint()
        ),
    )?;
    let keys = TrustedKeys::new(vec![public]);
    let header = Bundle::open(&bundle)?.verify(&keys)?.check(&NoProgress)?;
    print(
        out,
        format!(
            "   VALID: signed by {} [{}], channel {}, edition {}, \"{}\"",
            header.signer().name(),
            header.signer().fingerprint(),
            header.manifest().channel,
            header.manifest().sequence,
            header.manifest().title
        ),
    )?;

    let unpacked = paths.workspace.join("edition");
    print(
        out,
        format!("3. Reader: unpacking into {}", unpacked.display()),
    )?;
    let verified = Bundle::open(&bundle)?.verify(&keys)?;
    let header = crate::read::unpack_into(verified, &unpacked, &NoProgress)?;
    for article in &header.manifest().articles {
        print(
            out,
            format!(
                "   {} [{}] {}",
                unpacked
                    .join(article.main_file.to_relative_path())
                    .display(),
                article.language.as_deref().unwrap_or("?"),
                article.title
            ),
        )?;
    }
    let library_root = paths.workspace.join("library");
    print(
        out,
        format!(
            "4. Reader: importing it into a library of its own, {} (the demo key is trusted in this library only, never in yours)",
            library_root.display()
        ),
    )?;
    let library = crate::library::Library::open(&library_root)?;
    let lock = library.lock()?;
    let trust = crate::library::TrustNow::new([public_key_fingerprint(&paths.public_key)?]);
    let verified = Bundle::open(&bundle)?.verify(&keys)?;
    library.import(verified, &lock, &NoProgress, &trust)?;
    drop(lock);
    let front_page = library.front_page();
    print(
        out,
        format!(
            "   the front page, with every article one click away: {}",
            front_page.display()
        ),
    )?;
    print(
        out,
        format!("Done. Everything is in {}", paths.workspace.display()),
    )?;
    print(out, "Try next:".to_string())?;
    print(
        out,
        format!(
            "   tamizdat serve --library {}        read it in a browser that refuses file:// pages",
            library_root.display()
        ),
    )?;
    print(
        out,
        format!(
            "   tamizdat verify {} --public-key {}",
            bundle.display(),
            paths.public_key.display()
        ),
    )?;
    print(
        out,
        "   tamizdat-publish keygen --name \"Your newsroom\" --public-key you.pub --secret-key you.key   your own key, for real editions".to_string(),
    )?;
    Ok(DemoResult {
        unpacked,
        front_page,
    })
}

/// Where the demo left the unpacked edition and the library's front page.
pub struct DemoResult {
    /// The unpacked edition.
    pub unpacked: PathBuf,
    /// The front page of the demo's own library.
    pub front_page: PathBuf,
}

fn public_key_fingerprint(path: &Path) -> Result<String, Error> {
    Ok(PublicKey::load(path)?.fingerprint())
}
