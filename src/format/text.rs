//! Showing text that came from a bundle, and sizes, to people.

/// Text that came from a bundle, made safe to print on a terminal: control characters and
/// bidirectional controls are shown as escapes (they could move the cursor or make one
/// publisher's name display as another), and it is cut to `max_chars` characters.
pub fn shown(text: &str, max_chars: usize) -> String {
    let mut out = String::new();
    for (count, c) in text.chars().enumerate() {
        if count == max_chars {
            out.push('…');
            break;
        }
        if c.is_control() || crate::format::manifest::is_bidi_control(c) {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    out
}

/// "1 article", "2 articles": a count with its noun (whose plural adds an s).
pub fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// Sizes for people: 1.2 MB, 340 KB, 12 bytes (decimal units, as file managers show).
pub fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["KB", "MB", "GB", "TB"];
    if bytes < 1000 {
        return format!("{bytes} bytes");
    }
    let mut value = bytes as f64 / 1000.0;
    let mut unit = 0;
    while value >= 1000.0 && unit < UNITS.len() - 1 {
        value /= 1000.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_say_one_noun_and_many_nouns() {
        assert_eq!(count(1, "article"), "1 article");
        assert_eq!(count(0, "file"), "0 files");
        assert_eq!(count(3, "frame"), "3 frames");
    }
}
