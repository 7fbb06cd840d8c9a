//! Shown addresses are honest: in the library's article pages, an outside link's address shows
//! no bidirectional control, a look-alike host as punycode, and a legitimate one as it is.

mod common;

use std::fs;

use common::library::*;
use common::*;

/// An article of outside links that try to pass for `www.bbc.co.uk`, and two honest ones.
const LINKS_ARTICLE: &str = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Links</title></head><body>\n<h1>Links</h1>\n<p><a href=\"https://evil.example/\u{202E}ku.oc.cbb.www\">bidi override</a></p>\n<p><a href=\"https://www.bb\u{0441}.co.uk/news\">cyrillic look-alike</a></p>\n<p><a href=\"https://www.bbc.co.uk@evil.example/\">user name trick</a></p>\n<p><a href=\"https://\u{043F}\u{0440}\u{0438}\u{043C}\u{0435}\u{0440}.\u{0440}\u{0444}/\">russian site</a></p>\n<p><a href=\"https://example.org/page\">plain site</a></p>\n</body></html>\n";

/// The `(ADDRESS)` shown after the link whose text is `text`.
#[track_caller]
fn address_after(html: &str, text: &str) -> String {
    let at = html
        .find(text)
        .unwrap_or_else(|| panic!("no link {text:?} in:\n{html}"));
    let rest = &html[at..];
    let start = rest
        .find("<span class=\"address\" dir=\"ltr\">(")
        .expect("an address")
        + 33;
    let end = rest[start..].find(")</span>").expect("the address ends") + start;
    rest[start..end].to_string()
}

#[test]
fn shown_addresses_are_honest_in_the_article_pages() {
    let work = tempfile::tempdir().unwrap();
    let key = demo_key(work.path());
    let edition = work.path().join("edition");
    copy_tree(&example_edition(), &edition);
    write_file(&edition, "links/article.html", LINKS_ARTICLE.as_bytes());
    let bundle = work.path().join("links.tar.zst");
    pack_demo(&edition, &key, &bundle);
    let home = work.path().join("home");
    reader()
        .args(["trust", "add"])
        .arg(&key.public_path)
        .home(&home)
        .run()
        .expect_code(0);
    let library = work.path().join("library");
    reader()
        .arg("open")
        .arg(&bundle)
        .arg("--library")
        .arg(&library)
        .arg("--no-browser")
        .home(&home)
        .run()
        .expect_code(0);
    let page = pages_of(&library)
        .into_iter()
        .find(|p| p.to_string_lossy().ends_with("links/article.html.html"))
        .expect("the article's page");
    let html = fs::read_to_string(page).unwrap();

    // Bidi-override address: no bidi control anywhere on the page, the override shown.
    for control in [
        '\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}', '\u{202E}', '\u{2066}', '\u{2067}',
        '\u{2068}', '\u{2069}', '\u{200E}', '\u{200F}', '\u{061C}',
    ] {
        assert!(
            !html.contains(control),
            "U+{:04X} on the page",
            control as u32
        );
    }
    assert_eq!(
        address_after(&html, "bidi override"),
        "https://evil.example/%E2%80%AEku.oc.cbb.www"
    );
    // Cyrillic look-alike: punycode.
    let lookalike = address_after(&html, "cyrillic look-alike");
    assert!(
        lookalike.starts_with("https://www.xn--") && lookalike.ends_with(".co.uk/news"),
        "{lookalike}"
    );
    // The user name part is left out: the real host is what shows.
    assert_eq!(
        address_after(&html, "user name trick"),
        "https://evil.example/"
    );
    // Legitimate addresses are shown as they are.
    assert_eq!(
        address_after(&html, "russian site"),
        "https://\u{043F}\u{0440}\u{0438}\u{043C}\u{0435}\u{0440}.\u{0440}\u{0444}/"
    );
    assert_eq!(
        address_after(&html, "plain site"),
        "https://example.org/page"
    );
}
