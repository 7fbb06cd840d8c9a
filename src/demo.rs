//! `tamizdat demo`: the whole journey, publisher to reader, on the sample edition.

use std::io::Write;
use std::path::PathBuf;

use crate::cli::human_bytes;
use crate::error::Error;
use crate::io::NoProgress;
use crate::keys::{PublicKey, SecretKey};
use crate::pack::{DEFAULT_LEVEL, PackOptions, pack_edition};
use crate::verify::{DiscardFiles, TrustedKeys, open_bundle, stream_files};

/// Where the demo finds its inputs and puts its outputs.
pub struct DemoPaths {
    pub edition: PathBuf,
    pub secret_key: PathBuf,
    pub public_key: PathBuf,
    /// An empty folder the demo may fill.
    pub workspace: PathBuf,
}

fn io_error(context: &str) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |source| Error::Io {
        context: context.to_string(),
        source,
    }
}

/// Packs, verifies and unpacks the demo edition, telling `out` what happens at each step.
pub fn run_demo(paths: &DemoPaths, out: &mut dyn Write) -> Result<PathBuf, Error> {
    let print = |out: &mut dyn Write, text: String| {
        writeln!(out, "{text}").map_err(io_error("cannot print"))
    };
    // The demo key is public on purpose; a copy with owner-only permissions satisfies the
    // rule that secret key files must not be readable by others, without weakening the rule.
    let key_copy = paths.workspace.join("demo.key");
    let key_text =
        std::fs::read(&paths.secret_key).map_err(io_error("cannot read the demo key"))?;
    crate::keys::write_new_file(&key_copy, &key_text, 0o600)?;
    let secret = SecretKey::load(&key_copy, &mut || {
        Err(crate::keys::KeyError::PassphraseNeeded {
            path: key_copy.clone(),
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
    };
    let report = pack_edition(&paths.edition, &secret, &options, &bundle, &NoProgress)?;
    print(
        out,
        format!(
            "   packed {} articles, {} files, {} into {} ({})",
            report.manifest.articles.len(),
            report.manifest.files.len(),
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
    let file = std::fs::File::open(&bundle).map_err(io_error("cannot open the bundle"))?;
    let mut reader = std::io::BufReader::new(file);
    let header = open_bundle(&mut reader, &keys)?;
    stream_files(&header, &mut reader, &mut DiscardFiles, &NoProgress)?;
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
    let header = crate::unpack::unpack_into(&bundle, &unpacked, &keys, &NoProgress)?;
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
    print(
        out,
        format!("Done. Everything is in {}", paths.workspace.display()),
    )?;
    Ok(unpacked)
}
