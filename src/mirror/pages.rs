//! What a mirror carries beside its signed files, generated and unsigned: a page for people,
//! an Atom feed, and a BitTorrent v1 file per bundle whose web seeds are the catalog's
//! mirrors. Nothing here is trusted by a reader; every mirror writes them again from the
//! catalogs it verified, so a hostile source's pages never travel on.

use std::path::Path;

use crate::format::catalog::{BUNDLES, CATALOGS, Catalog, CatalogEdition};
use crate::library::render::escape;

/// The page for people who find the mirror with a browser: what it holds and how to check it.
/// No script, no remote load, every catalog text escaped.
pub fn index_html(catalogs: &[&Catalog]) -> String {
    let mut html = String::from(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n\
         <title>tamizdat mirror</title>\n\
         <style>body{font-family:sans-serif;max-width:60em;margin:1em auto;padding:0 1em}\
         td,th{padding:.2em .6em;text-align:start}</style>\n\
         <link rel=\"alternate\" type=\"application/atom+xml\" href=\"feed.atom\">\n\
         </head><body>\n<h1>tamizdat mirror</h1>\n\
         <p>Signed news editions. Download a bundle, then check and read it with \
         <code>tamizdat open BUNDLE</code>: it refuses anything not signed by a publisher you trust. \
         This page itself is not signed. <a href=\"feed.atom\">Atom feed</a>.</p>\n",
    );
    for catalog in catalogs {
        html.push_str(&format!(
            "<h2 dir=\"auto\">{}</h2>\n<p>Catalog {} issued {} (<a href=\"{CATALOGS}/{}\">signed catalog</a>)</p>\n<table>\n<tr><th>#</th><th>title</th><th>created</th><th>size</th><th></th></tr>\n",
            escape(&catalog.channel),
            catalog.sequence,
            escape(&catalog.issued),
            escape(&catalog.file_name()),
        ));
        for edition in catalog.editions.iter().rev() {
            html.push_str(&format!(
                "<tr><td>{}</td><td dir=\"auto\">{}</td><td>{}</td><td>{}</td><td><a href=\"{BUNDLES}/{file}\">bundle</a> <a href=\"{BUNDLES}/{file}.torrent\">torrent</a></td></tr>\n",
                edition.sequence,
                escape(&edition.title),
                escape(&edition.created),
                crate::format::text::human_bytes(edition.length),
                file = escape(&edition.file),
            ));
        }
        html.push_str("</table>\n");
    }
    html.push_str("</body></html>\n");
    html
}

fn atom_time(text: &str) -> atom_syndication::FixedDateTime {
    atom_syndication::FixedDateTime::parse_from_rfc3339(text).unwrap_or_default()
}

/// An Atom feed of every edition the mirror lists, newest first.
pub fn atom_feed(catalogs: &[&Catalog]) -> Vec<u8> {
    use atom_syndication::{Entry, Feed, Link, Text};
    let mut editions: Vec<&CatalogEdition> = catalogs
        .iter()
        .flat_map(|catalog| catalog.editions.iter())
        .collect();
    editions.sort_by(|a, b| {
        (&b.created, &b.channel, b.sequence).cmp(&(&a.created, &a.channel, a.sequence))
    });
    let entries: Vec<Entry> = editions
        .iter()
        .map(|edition| {
            let mut entry = Entry::default();
            entry.set_id(format!("urn:sha256:{}", edition.sha256));
            entry.set_title(Text::plain(format!(
                "{} #{}: {}",
                edition.channel, edition.sequence, edition.title
            )));
            entry.set_updated(atom_time(&edition.created));
            let mut link = Link::default();
            link.set_href(format!("{BUNDLES}/{}", edition.file));
            link.set_rel("enclosure");
            link.set_mime_type(Some("application/zstd".to_string()));
            link.set_length(Some(edition.length.to_string()));
            entry.set_links(vec![link]);
            entry
        })
        .collect();
    let mut feed = Feed::default();
    let channels: Vec<&str> = catalogs.iter().map(|c| c.channel.as_str()).collect();
    feed.set_title(Text::plain(format!(
        "tamizdat mirror: {}",
        channels.join(", ")
    )));
    feed.set_id(format!("urn:tamizdat:mirror:{}", channels.join(",")));
    if let Some(newest) = catalogs.iter().map(|c| &c.issued).max() {
        feed.set_updated(atom_time(newest));
    }
    feed.set_entries(entries);
    feed.write_to(Vec::new()).unwrap_or_default()
}

/// Piece length for a file: at least 256 KiB, and large enough for at most about 2,000
/// pieces, as BitTorrent clients expect.
fn piece_length(length: u64) -> i64 {
    let wanted = length.div_ceil(2000).max(256 * 1024).next_power_of_two();
    wanted.min(16 * 1024 * 1024) as i64
}

/// Errors writing a torrent file.
pub type TorrentError = lava_torrent::LavaTorrentError;

/// The web seeds (BEP 19) of `file`: its address on each mirror.
fn web_seeds(file: &str, mirrors: &[String]) -> Vec<String> {
    mirrors
        .iter()
        .map(|mirror| format!("{mirror}{BUNDLES}/{file}"))
        .collect()
}

/// A BitTorrent v1 file for the bundle at `bundle`, named as the catalog names it, with the
/// catalog's mirrors as web seeds. Deterministic (no creation date, no client name), so every
/// mirror writes the same bytes and the same info hash. When `existing` holds a torrent of the
/// same bundle, only its web seeds are replaced, without hashing the bundle again.
pub fn torrent(
    bundle: &Path,
    edition: &CatalogEdition,
    mirrors: &[String],
    existing: Option<&[u8]>,
) -> Result<Vec<u8>, TorrentError> {
    use lava_torrent::bencode::BencodeElem;
    use lava_torrent::torrent::v1::{Torrent, TorrentBuilder};
    let seeds = web_seeds(&edition.file, mirrors);
    let seeds_field = || {
        BencodeElem::List(
            seeds
                .iter()
                .map(|seed| BencodeElem::String(seed.clone()))
                .collect(),
        )
    };
    let reused = existing
        .and_then(|bytes| Torrent::read_from_bytes(bytes).ok())
        .filter(|torrent| {
            // Only a torrent exactly as this writer makes it (web seeds aside) is reused: a
            // planted one with a tracker would report readers' addresses to it.
            torrent.name == edition.file
                && torrent.length == edition.length as i64
                && torrent.files.is_none()
                && torrent.announce.is_none()
                && torrent.announce_list.is_none()
                && torrent.extra_info_fields.is_none()
                && torrent.piece_length == piece_length(edition.length)
                && torrent
                    .extra_fields
                    .as_ref()
                    .is_none_or(|extra| extra.keys().all(|key| key == "url-list"))
        });
    let mut torrent = match reused {
        Some(torrent) => torrent,
        None => TorrentBuilder::new(bundle, piece_length(edition.length))
            .set_name(edition.file.clone())
            .set_num_threads(1)
            .build()?,
    };
    let mut extra = torrent.extra_fields.take().unwrap_or_default();
    extra.remove("url-list");
    if !seeds.is_empty() {
        extra.insert("url-list".to_string(), seeds_field());
    }
    torrent.extra_fields = (!extra.is_empty()).then_some(extra);
    torrent.encode()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_titles_are_escaped_in_the_page() {
        let catalog = Catalog {
            kind: "catalog".into(),
            channel: "news".into(),
            sequence: 1,
            issued: "2026-12-05T00:00:00Z".into(),
            editions: vec![CatalogEdition {
                channel: "news".into(),
                sequence: 1,
                file: "news-1.tar.zst".into(),
                length: 10,
                sha256: "00".repeat(32),
                created: "2026-12-05T00:00:00Z".into(),
                title: "<script src=\"https://evil.example/x.js\"></script>".into(),
            }],
            mirrors: vec![],
        };
        let html = index_html(&[&catalog]);
        assert!(!html.contains("<script"));
        assert!(html.contains("&lt;script"));
        let feed = String::from_utf8(atom_feed(&[&catalog])).unwrap();
        assert!(!feed.contains("<script"));
    }

    #[test]
    fn piece_lengths_keep_torrents_small() {
        assert_eq!(piece_length(1000), 256 * 1024);
        assert!(500_000_000 / piece_length(500_000_000) as u64 <= 2000);
    }

    #[test]
    fn a_planted_torrent_with_a_tracker_is_made_again_and_a_canonical_one_only_reseeded() {
        let dir = tempfile::tempdir().unwrap();
        let bundle = dir.path().join("news-1.tar.zst");
        std::fs::write(&bundle, vec![7u8; 300_000]).unwrap();
        let edition = CatalogEdition {
            channel: "news".into(),
            sequence: 1,
            file: "news-1.tar.zst".into(),
            length: 300_000,
            sha256: "00".repeat(32),
            created: "2026-12-05T00:00:00Z".into(),
            title: "t".into(),
        };
        let first = vec!["https://a.example/".to_string()];
        let made = torrent(&bundle, &edition, &first, None).unwrap();
        // Web seeds change: the same pieces are kept, only url-list differs.
        let second = vec!["https://b.example/".to_string()];
        let reseeded = torrent(&bundle, &edition, &second, Some(&made)).unwrap();
        let fresh = torrent(&bundle, &edition, &second, None).unwrap();
        assert_eq!(reseeded, fresh);
        // A torrent planted with a tracker (same name and length) is not reused.
        let mut planted = lava_torrent::torrent::v1::Torrent::read_from_bytes(&made).unwrap();
        planted.announce = Some("http://tracker.evil.example/announce".into());
        let planted = planted.encode().unwrap();
        let remade = torrent(&bundle, &edition, &second, Some(&planted)).unwrap();
        assert_eq!(remade, fresh);
        assert!(!String::from_utf8_lossy(&remade).contains("tracker.evil"));
    }
}
