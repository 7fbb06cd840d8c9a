//! The address shown after an outside link: where the link really goes, in a form that cannot
//! pass for another address.
//!
//! A page never links outside (a tap must not reach a site), so an outside link becomes its
//! text followed by its address, and a reader who wants to go there copies or types it. That
//! shown address is what an attacker with a publisher's key would spoof: a right-to-left
//! override makes `evil.example/ku.oc.cbb.www` display as `www.bbc.co.uk`, a Cyrillic `с` makes
//! `www.bbс.co.uk` look like the BBC, and `https://www.bbc.co.uk@evil.example/` goes to
//! `evil.example`. [`shown_address`] shows instead:
//!
//! - **What the browser would use.** The address is parsed as a browser parses it (the WHATWG
//!   URL rules, by the `url` crate), so percent-encoded or odd hosts (`www.%62bc.co.uk`,
//!   `0x7f.1`, full-width letters) are shown as the host they really name, and the user name and
//!   password part (`www.bbc.co.uk@`) is left out: it says nothing about where the link goes
//!   and is the trick itself.
//! - **Hosts in Unicode only when that is safe.** Each label of the host is shown in Unicode
//!   (so `пример.рф` reads as Russian) only if it is a valid IDNA label (UTS #46, by the `idna`
//!   crate), has no invisible character, meets the "highly restrictive" level of UTS #39 (one
//!   script, or Latin with Han, Hiragana, Katakana or Hangul as Japanese, Chinese and Korean
//!   names are written; by the `unicode-security` crate), and, under an ASCII top-level
//!   domain, does not consist only of letters that look like ASCII ones (`аррӏе.com`, all
//!   Cyrillic). Otherwise the label is shown as its punycode (`xn--…`), which no one mistakes
//!   for a familiar name.
//! - **Invisible characters made visible.** Bidirectional controls (U+202A–U+202E,
//!   U+2066–U+2069, U+200E, U+200F, U+061C), other format and default-ignorable characters,
//!   controls and non-ASCII spaces are shown as their percent-encoded bytes (`%E2%80%AE`). Of
//!   the visible ways to show a character that is not there, that one is plain ASCII (so it
//!   cannot be spoofed itself), is exactly what the address means (a browser given the shown
//!   address goes to the same place), and is the form people already see in addresses. In the
//!   path, query and fragment other letters and digits of any script are shown decoded, so a
//!   Persian article's address stays readable.
//! - **Mail addresses** (`mailto:`): each recipient's domain follows the host rules above; the
//!   rest stays as encoded.
//! - An address that does not parse (which no browser would follow) is shown with every
//!   character outside printable ASCII percent-encoded.
//!
//! The text returned is not HTML-escaped: the caller escapes it.

use idna::uts46::{AsciiDenyList, Hyphens, Uts46};
use unicode_security::{GeneralSecurityProfile, RestrictionLevel, RestrictionLevelDetection};
use url::Url;

/// The address to show for the outside link `href`, as described in the module documentation.
/// Not HTML-escaped.
pub fn shown_address(href: &str) -> String {
    let href = href.trim();
    let lower = href.to_ascii_lowercase();
    if let Some(rest) = href.strip_prefix("//") {
        // Protocol-relative: the site's page used its own scheme; https is the likely one, and
        // the scheme changes nothing about where it goes.
        return match Url::parse(&format!("https://{rest}")) {
            Ok(url) => shown_url(&url)
                .strip_prefix("https:")
                .map(str::to_string)
                .unwrap_or_else(|| ascii_only(href)),
            Err(_) => ascii_only(href),
        };
    }
    match Url::parse(href) {
        Ok(url) if lower.starts_with("mailto:") => shown_mailto(&url),
        Ok(url) => shown_url(&url),
        Err(_) => ascii_only(href),
    }
}

fn shown_url(url: &Url) -> String {
    let mut out = String::new();
    out.push_str(url.scheme());
    out.push(':');
    if url.has_authority() {
        // The user name and password are left out on purpose (see the module documentation).
        out.push_str("//");
        match url.host() {
            Some(url::Host::Domain(domain)) => out.push_str(&shown_domain(domain)),
            Some(_) => out.push_str(url.host_str().unwrap_or_default()),
            None => {}
        }
        if let Some(port) = url.port() {
            out.push_str(&format!(":{port}"));
        }
    }
    out.push_str(&readable(url.path()));
    if let Some(query) = url.query() {
        out.push('?');
        out.push_str(&readable(query));
    }
    if let Some(fragment) = url.fragment() {
        out.push('#');
        out.push_str(&readable(fragment));
    }
    out
}

/// `mailto:` with each recipient's domain shown by the host rules; the local parts and any
/// headers (`?cc=…`) stay percent-encoded ASCII, which cannot pass for anything else.
fn shown_mailto(url: &Url) -> String {
    let recipients: Vec<String> = url
        .path()
        .split(',')
        .map(|recipient| match recipient.rsplit_once('@') {
            Some((local, domain)) => {
                let decoded = percent_encoding::percent_decode_str(domain).decode_utf8();
                match decoded.ok().and_then(|d| idna::domain_to_ascii(&d).ok()) {
                    Some(ascii) => format!("{local}@{}", shown_domain(&ascii)),
                    None => recipient.to_string(),
                }
            }
            None => recipient.to_string(),
        })
        .collect();
    let mut out = format!("mailto:{}", recipients.join(","));
    if let Some(query) = url.query() {
        out.push('?');
        out.push_str(query);
    }
    if let Some(fragment) = url.fragment() {
        out.push('#');
        out.push_str(fragment);
    }
    ascii_only_after_hosts(&out)
}

/// Keeps what is already safe (the shown domains) and encodes any stray non-ASCII elsewhere;
/// the `url` crate's serialisation is ASCII already, so this only guards against surprises.
fn ascii_only_after_hosts(text: &str) -> String {
    text.chars()
        .map(|c| {
            if is_invisible(c) {
                percent_encoded(c)
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// An ASCII domain (as the URL parser gives it) for display: labels in Unicode where that is
/// safe, punycode otherwise; the ASCII form as it is if it is not a valid IDNA name.
fn shown_domain(ascii: &str) -> String {
    let (shown, result) = Uts46::new().to_user_interface(
        ascii.as_bytes(),
        AsciiDenyList::URL,
        Hyphens::Allow,
        |label, tld, _bidi| label_shown_in_unicode(label, tld),
    );
    if result.is_err() || shown.chars().any(is_invisible) {
        return ascii_only(ascii);
    }
    shown.into_owned()
}

/// True if `label` (not ASCII, valid IDNA) may be shown in Unicode under the top-level domain
/// `tld`.
fn label_shown_in_unicode(label: &[char], tld: &[char]) -> bool {
    let label: String = label.iter().collect();
    if label.chars().any(is_invisible) {
        return false;
    }
    // One script, or Latin with the scripts written alongside it in Japan, China and Korea;
    // every character allowed in identifiers by UTS #39's General Security Profile.
    if !label
        .as_str()
        .check_restriction_level(RestrictionLevel::HighlyRestrictive)
    {
        return false;
    }
    // A whole-script look-alike (`аррӏе` in Cyrillic) of an ASCII name, under an ASCII
    // top-level domain where the ASCII name is the one readers know. Under a top-level domain
    // of the label's own script (`пример.рф`) a Cyrillic name is expected.
    let tld_is_ascii = tld.iter().all(char::is_ascii);
    let looks_ascii =
        unicode_security::confusable_detection::skeleton(&label).all(|c| c.is_ascii());
    !(tld_is_ascii && looks_ascii)
}

/// The ASCII text of a URL part (path, query, fragment), with the percent-encoded letters and
/// digits of other scripts decoded so that they can be read; everything else, and every
/// percent-encoded ASCII byte, stays encoded.
fn readable(part: &str) -> String {
    let bytes = part.as_bytes();
    let mut out = String::with_capacity(part.len());
    let mut run: Vec<u8> = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        if let Some(byte) = encoded_byte(bytes, at).filter(|b| *b >= 0x80) {
            run.push(byte);
            at += 3;
            continue;
        }
        flush_run(&mut run, &mut out);
        let c = part[at..].chars().next().unwrap_or('\u{FFFD}');
        if c.is_ascii_graphic() {
            out.push(c);
        } else {
            out.push_str(&percent_encoded(c));
        }
        at += c.len_utf8();
    }
    flush_run(&mut run, &mut out);
    out
}

/// The byte of a `%XX` at `at`, if there is one.
fn encoded_byte(bytes: &[u8], at: usize) -> Option<u8> {
    if bytes.get(at) != Some(&b'%') {
        return None;
    }
    let hex = std::str::from_utf8(bytes.get(at + 1..at + 3)?).ok()?;
    u8::from_str_radix(hex, 16).ok()
}

/// Appends percent-decoded non-ASCII bytes: letters and digits as themselves, anything else
/// (invisible, punctuation that could pass for `/` or `.`, invalid UTF-8) encoded again.
fn flush_run(run: &mut Vec<u8>, out: &mut String) {
    for chunk in run.utf8_chunks() {
        for c in chunk.valid().chars() {
            if !is_invisible(c) && (c.is_alphanumeric() || c.identifier_allowed()) {
                out.push(c);
            } else {
                out.push_str(&percent_encoded(c));
            }
        }
        for byte in chunk.invalid() {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    run.clear();
}

/// `text` with every character outside printable ASCII percent-encoded.
fn ascii_only(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii_graphic() {
                c.to_string()
            } else {
                percent_encoded(c)
            }
        })
        .collect()
}

fn percent_encoded(c: char) -> String {
    let mut buffer = [0u8; 4];
    c.encode_utf8(&mut buffer)
        .bytes()
        .map(|byte| format!("%{byte:02X}"))
        .collect()
}

/// Characters that are not seen, or not seen as what they are: controls, bidirectional
/// controls, other format and default-ignorable code points (Unicode's
/// `Default_Ignorable_Code_Point`, written out here), and every space but U+0020.
fn is_invisible(c: char) -> bool {
    c.is_control()
        || (c.is_whitespace() && c != ' ')
        || matches!(
            c,
            '\u{00AD}'
                | '\u{034F}'
                | '\u{061C}'
                | '\u{115F}'..='\u{1160}'
                | '\u{17B4}'..='\u{17B5}'
                | '\u{180B}'..='\u{180F}'
                | '\u{200B}'..='\u{200F}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2060}'..='\u{206F}'
                | '\u{3164}'
                | '\u{FE00}'..='\u{FE0F}'
                | '\u{FEFF}'
                | '\u{FFA0}'
                | '\u{FFF0}'..='\u{FFFB}'
                | '\u{1BCA0}'..='\u{1BCA3}'
                | '\u{1D173}'..='\u{1D17A}'
                | '\u{E0000}'..='\u{E0FFF}'
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    const BIDI_CONTROLS: [char; 12] = [
        '\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}', '\u{202E}', '\u{2066}', '\u{2067}',
        '\u{2068}', '\u{2069}', '\u{200E}', '\u{200F}', '\u{061C}',
    ];

    #[test]
    fn plain_addresses_are_shown_as_they_are() {
        for href in [
            "https://example.org/page",
            "https://example.org/a/b?q=1&r=2#part",
            "http://example.org:8080/",
            "ftp://ftp.example.org/pub/file.txt",
            "mailto:editor@example.org",
            "tel:+15551234567",
            "http://127.0.0.1/x",
            "http://[::1]/x",
        ] {
            assert_eq!(shown_address(href), href);
        }
        assert_eq!(
            shown_address("  https://example.org/ \n"),
            "https://example.org/"
        );
        assert_eq!(shown_address("//example.org/x"), "//example.org/x");
    }

    #[test]
    fn bidi_controls_anywhere_are_removed_and_shown_encoded() {
        for control in BIDI_CONTROLS {
            for href in [
                format!("https://evil.example/{control}ku.oc.cbb.www"),
                format!("https://evil.example/?q={control}x#{control}"),
                format!("https://www.bbc.co.uk{control}/"),
                format!("{control}https://evil.example/"),
                format!("mailto:a{control}b@evil.example"),
            ] {
                let shown = shown_address(&href);
                assert!(
                    !shown.chars().any(|c| BIDI_CONTROLS.contains(&c)),
                    "{href:?} -> {shown:?}"
                );
                assert!(shown.contains('%'), "made visible: {shown:?}");
            }
        }
        assert_eq!(
            shown_address("https://evil.example/\u{202E}ku.oc.cbb.www"),
            "https://evil.example/%E2%80%AEku.oc.cbb.www"
        );
    }

    #[test]
    fn other_invisible_characters_are_shown_encoded() {
        for invisible in [
            '\u{200B}',
            '\u{2060}',
            '\u{FEFF}',
            '\u{00AD}',
            '\u{3000}',
            '\u{E0041}',
        ] {
            let shown = shown_address(&format!("https://example.org/a{invisible}b"));
            assert!(!shown.contains(invisible), "{shown:?}");
            assert!(shown.starts_with("https://example.org/a%"), "{shown:?}");
        }
    }

    #[test]
    fn a_cyrillic_look_alike_host_is_shown_as_punycode() {
        // The `с` of `bbс` is Cyrillic U+0441.
        let shown = shown_address("https://www.bb\u{0441}.co.uk/news");
        assert!(shown.starts_with("https://www.xn--"), "{shown}");
        assert!(shown.ends_with(".co.uk/news"), "{shown}");
        assert!(shown.is_ascii(), "{shown}");
        // All-Cyrillic look-alike of an ASCII name under .com.
        let shown = shown_address("https://\u{0430}\u{0440}\u{0440}\u{04CF}\u{0435}.com/");
        assert!(shown.starts_with("https://xn--"), "{shown}");
        // Greek omicron in a Latin name.
        let shown = shown_address("https://g\u{03BF}ogle.com/");
        assert!(shown.starts_with("https://xn--"), "{shown}");
    }

    #[test]
    fn a_safe_single_script_host_stays_unicode() {
        assert_eq!(
            shown_address("https://пример.рф/новости"),
            "https://пример.рф/новости"
        );
        assert_eq!(
            shown_address("https://xn--e1afmkfd.xn--p1ai/"),
            "https://пример.рф/"
        );
        assert_eq!(shown_address("https://例え.jp/"), "https://例え.jp/");
        assert_eq!(
            shown_address("https://www.bbc.com/persian/خبر"),
            "https://www.bbc.com/persian/خبر"
        );
    }

    #[test]
    fn a_host_not_in_its_unicode_safe_form_is_shown_as_the_browser_reads_it() {
        // Percent-encoded and full-width letters name the plain host they decode to.
        assert_eq!(
            shown_address("https://www.%62bc.co.uk/"),
            "https://www.bbc.co.uk/"
        );
        assert_eq!(
            shown_address("https://ｗｗｗ.ｂｂｃ.co.uk/"),
            "https://www.bbc.co.uk/"
        );
        assert_eq!(
            shown_address("HTTPS://EXAMPLE.ORG/"),
            "https://example.org/"
        );
        // A number-like host is the address it names.
        assert_eq!(shown_address("http://0x7f.1/"), "http://127.0.0.1/");
        // A mixed-script label spelt in punycode stays punycode.
        let spoof = shown_address("https://www.bb\u{0441}.co.uk/");
        assert_eq!(shown_address(&spoof), spoof);
    }

    #[test]
    fn user_info_is_left_out_so_the_real_host_is_plain() {
        assert_eq!(
            shown_address("https://www.bbc.co.uk@evil.example/"),
            "https://evil.example/"
        );
        assert_eq!(
            shown_address("https://www.bbc.co.uk:news@evil.example/path"),
            "https://evil.example/path"
        );
        assert_eq!(
            shown_address("https://www.bbc.co.uk%2F@evil.example/"),
            "https://evil.example/"
        );
    }

    #[test]
    fn mail_addresses_show_their_domain_by_the_host_rules() {
        assert_eq!(
            shown_address("mailto:editor@example.org?subject=Hello"),
            "mailto:editor@example.org?subject=Hello"
        );
        assert_eq!(
            shown_address("mailto:редакция@пример.рф"),
            "mailto:%D1%80%D0%B5%D0%B4%D0%B0%D0%BA%D1%86%D0%B8%D1%8F@пример.рф"
        );
        let shown = shown_address("mailto:news@www.bb\u{0441}.co.uk");
        assert!(shown.starts_with("mailto:news@www.xn--"), "{shown}");
        let shown = shown_address("mailto:a@x.org,b@www.bb\u{0441}.co.uk");
        assert!(shown.starts_with("mailto:a@x.org,b@www.xn--"), "{shown}");
    }

    #[test]
    fn addresses_that_do_not_parse_are_shown_in_ascii() {
        let shown = shown_address("http://www.bb\u{0441}.co.uk:99999/");
        assert!(shown.is_ascii(), "{shown}");
        assert!(shown.contains("%D1%81"), "{shown}");
    }

    #[test]
    fn look_alikes_of_url_punctuation_in_the_path_stay_encoded() {
        // U+2044 FRACTION SLASH and U+FF0E FULLWIDTH FULL STOP.
        let shown = shown_address("https://evil.example/www.bbc.co.uk\u{2044}news\u{FF0E}");
        assert_eq!(
            shown,
            "https://evil.example/www.bbc.co.uk%E2%81%84news%EF%BC%8E"
        );
    }
}
