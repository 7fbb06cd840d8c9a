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

/// Sizes for people: 1.2 MB, 340 KB, 8 MB, 12 bytes: decimal units (1 KB = 1000 bytes), as
/// file managers show them, one decimal place, none when it is zero. The sizes the programs
/// show go through here, so that no message says MiB beside another's MB; only limits the
/// bundle format fixes in bytes are shown as exact counts ([`thousands`]), as FORMAT.md gives
/// them.
pub fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["KB", "MB", "GB", "TB"];
    if bytes < 1000 {
        return format!("{bytes} bytes");
    }
    let mut value = bytes as f64 / 1000.0;
    let mut unit = 0;
    // 999,960 bytes would round to "1000.0 KB": that is 1 MB.
    while value >= 999.95 && unit < UNITS.len() - 1 {
        value /= 1000.0;
        unit += 1;
    }
    let figure = format!("{value:.1}");
    let figure = figure.strip_suffix(".0").unwrap_or(&figure);
    format!("{figure} {}", UNITS[unit])
}

/// `size`, which is more than `limit`, in words that show it is more: [`human_bytes`], unless
/// that rounds it to the limit's own figure ("16 MB, more than the 16 MB"); then the exact
/// count of bytes.
pub fn human_bytes_over(size: u64, limit: u64) -> String {
    let shown = human_bytes(size);
    if size > limit && shown == human_bytes(limit) {
        format!("{} bytes", thousands(size))
    } else {
        shown
    }
}

/// 1,234,567: a number with its thousands separated, as in English text.
pub fn thousands(number: u64) -> String {
    let digits = number.to_string();
    let mut out = String::new();
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
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

    #[test]
    fn sizes_are_in_decimal_units_with_no_trailing_zero() {
        assert_eq!(human_bytes(999), "999 bytes");
        assert_eq!(human_bytes(1000), "1 KB");
        assert_eq!(human_bytes(340_000), "340 KB");
        assert_eq!(human_bytes(1_240_000), "1.2 MB");
        assert_eq!(human_bytes(8_000_000), "8 MB");
        assert_eq!(human_bytes(999_960), "1 MB", "not 1000 KB");
        assert_eq!(
            human_bytes(8 << 20),
            "8.4 MB",
            "a binary megabyte is not a megabyte"
        );
        assert_eq!(human_bytes(u64::MAX), "18446744.1 TB");
    }

    #[test]
    fn a_size_over_a_limit_never_reads_as_the_limit() {
        assert_eq!(human_bytes_over(16_000_001, 16_000_000), "16,000,001 bytes");
        assert_eq!(human_bytes_over(17_000_000, 16_000_000), "17 MB");
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(100_000), "100,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }
}
