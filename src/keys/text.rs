//! The text grammar shared by public key files and (decrypted) secret key files, as FORMAT.md
//! section 6.1 specifies it: UTF-8 lines of `field: value`, `#` comments and blank lines.
//!
//! Parsing is strict where leniency could change what a file means (an unknown or repeated
//! field, a misspelt `fingerprint:` that would silently skip its check) and tolerant only of
//! what conversions do to text files without asking (CRLF line endings, a missing final
//! newline, spaces around a value).

/// What is wrong with the text of a key file, by line. It never quotes a value, which may be a
/// secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GrammarError {
    /// The text starts with U+FEFF.
    #[error("it starts with a byte order mark (U+FEFF), which key files never hold")]
    ByteOrderMark,
    /// A CR inside a line.
    #[error("line {0} holds a carriage return that does not end the line")]
    StrayCarriageReturn(usize),
    /// A control character other than tab.
    #[error("line {line} holds the control character U+{code:04X}")]
    ControlCharacter {
        /// The line number, from 1.
        line: usize,
        /// The character's code point.
        code: u32,
    },
    /// A line that starts with blanks but is not blank.
    #[error("line {0} starts with a space or tab, but is not blank")]
    Indented(usize),
    /// A line that is not `field: value`, a comment or blank.
    #[error(
        "line {0} is neither `field: value` (a lowercase field name, then `:`), a `#` comment nor blank"
    )]
    NotAField(usize),
    /// A field of the other kind of key file.
    #[error("line {line} has the field `{field}:` of {what}")]
    OtherKindsField {
        /// The line number, from 1.
        line: usize,
        /// The field's name.
        field: String,
        /// What kind of file that field belongs to.
        what: &'static str,
    },
    /// A field no key file has.
    #[error("line {line} has the unknown field `{field}:`")]
    UnknownField {
        /// The line number, from 1.
        line: usize,
        /// The field's name, escaped and cut short for showing.
        field: String,
    },
    /// A field given twice.
    #[error("line {line} repeats the field `{field}:`")]
    RepeatedField {
        /// The line number, from 1.
        line: usize,
        /// The field's name.
        field: &'static str,
    },
}

/// Every field of one key file, in the order of the file.
pub(crate) struct Fields<'a> {
    fields: Vec<(&'static str, &'a str)>,
}

impl<'a> Fields<'a> {
    /// The value of `field`, if the file has it.
    pub(crate) fn get(&self, field: &str) -> Option<&'a str> {
        self.fields
            .iter()
            .find(|(name, _)| *name == field)
            .map(|(_, value)| *value)
    }
}

/// Spaces and tabs: the only whitespace the grammar skips.
fn is_blank(c: char) -> bool {
    c == ' ' || c == '\t'
}

/// A field name: a lowercase ASCII letter, then lowercase letters, digits and `-`.
fn is_field_name(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// Splits key file text into its fields. `known` lists the fields this kind of file may hold;
/// `other_kind` the fields of the other kind of key file, so that a public key given where a
/// secret key is expected (or the reverse) is called that. The error is the reason, to follow
/// "PATH is not a tamizdat KIND key file: ". It never quotes a value, which may be a secret.
pub(crate) fn parse<'a>(
    text: &'a str,
    known: &[&'static str],
    other_kind: &[(&str, &'static str)],
) -> Result<Fields<'a>, GrammarError> {
    if text.starts_with('\u{feff}') {
        return Err(GrammarError::ByteOrderMark);
    }
    let mut fields: Vec<(&'static str, &'a str)> = Vec::new();
    let mut lines = text.split('\n').peekable();
    let mut number = 0;
    while let Some(raw) = lines.next() {
        number += 1;
        if raw.is_empty() && lines.peek().is_none() {
            break; // after the final line ending
        }
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        if line.contains('\r') {
            return Err(GrammarError::StrayCarriageReturn(number));
        }
        if let Some(c) = line.chars().find(|&c| c.is_control() && c != '\t') {
            return Err(GrammarError::ControlCharacter {
                line: number,
                code: u32::from(c),
            });
        }
        if line.chars().all(is_blank) || line.starts_with('#') {
            continue;
        }
        if line.starts_with(is_blank) {
            return Err(GrammarError::Indented(number));
        }
        let Some((name, value)) = line.split_once(':').filter(|(name, _)| is_field_name(name))
        else {
            return Err(GrammarError::NotAField(number));
        };
        let value = value.trim_matches(is_blank);
        let Some(&field) = known.iter().find(|&&known| known == name) else {
            if let Some((_, what)) = other_kind.iter().find(|(field, _)| *field == name) {
                return Err(GrammarError::OtherKindsField {
                    line: number,
                    field: name.to_string(),
                    what,
                });
            }
            return Err(GrammarError::UnknownField {
                line: number,
                field: crate::format::text::shown(name, 40),
            });
        };
        if fields.iter().any(|(seen, _)| *seen == field) {
            return Err(GrammarError::RepeatedField {
                line: number,
                field,
            });
        }
        fields.push((field, value));
    }
    Ok(Fields { fields })
}

#[cfg(test)]
mod tests {
    use super::*;

    const KNOWN: &[&str] = &["name", "ed25519"];

    fn fields(text: &str) -> Result<Vec<(&'static str, &str)>, String> {
        parse(text, KNOWN, &[("ed25519-secret", "a secret key")])
            .map(|f| f.fields)
            .map_err(|e| e.to_string())
    }

    #[test]
    fn lines_end_in_lf_or_crlf_and_the_last_may_have_no_ending() {
        for text in [
            "name: A\ned25519: B\n",
            "name: A\r\ned25519: B\r\n",
            "name: A\r\ned25519: B\n",
            "name: A\ned25519: B",
        ] {
            assert_eq!(fields(text).unwrap(), [("name", "A"), ("ed25519", "B")]);
        }
    }

    #[test]
    fn a_carriage_return_that_does_not_end_a_line_is_refused() {
        for text in [
            "name: A\red25519: B\n",
            "name: A\r\r\n",
            "# a\rb\nname: A\n",
        ] {
            let error = fields(text).unwrap_err();
            assert!(error.contains("carriage return"), "{text:?}: {error}");
        }
    }

    #[test]
    fn control_characters_other_than_tab_are_refused_anywhere() {
        for (text, line) in [
            ("name: A\u{0}B\n", 1),
            ("name: A\n# \u{1b}[2K\n", 2),
            ("name: A\u{85}\n", 1),
            ("\u{7f}\n", 1),
        ] {
            let error = fields(text).unwrap_err();
            assert!(
                error.contains(&format!("line {line} holds the control character")),
                "{text:?}: {error}"
            );
        }
        assert_eq!(fields("name:\tA\tB\t\n").unwrap(), [("name", "A\tB")]);
    }

    #[test]
    fn a_byte_order_mark_is_refused() {
        let error = fields("\u{feff}name: A\n").unwrap_err();
        assert!(error.contains("byte order mark"), "{error}");
    }

    #[test]
    fn spaces_and_tabs_around_a_value_are_ignored_and_none_is_needed_after_the_colon() {
        for text in ["name:A\n", "name: A\n", "name:  \t A \t \n"] {
            assert_eq!(fields(text).unwrap(), [("name", "A")], "{text:?}");
        }
        // Inside a value they are kept, and so is any later colon.
        assert_eq!(fields("name: A:  B\n").unwrap(), [("name", "A:  B")]);
    }

    #[test]
    fn a_space_before_the_colon_or_at_the_start_of_a_field_line_is_refused() {
        for (text, words) in [
            ("name : A\n", "neither"),
            (" name: A\n", "starts with a space"),
            ("\tname: A\n", "starts with a space"),
            ("  # indented comment\n", "starts with a space"),
        ] {
            let error = fields(text).unwrap_err();
            assert!(error.contains(words), "{text:?}: {error}");
        }
    }

    #[test]
    fn blank_lines_and_comment_lines_are_ignored_anywhere() {
        let text = "\n# first\n  \t\nname: A\n#name: not a field\n\n\ned25519: B\n# last";
        assert_eq!(fields(text).unwrap(), [("name", "A"), ("ed25519", "B")]);
        assert_eq!(fields("").unwrap(), []);
    }

    #[test]
    fn a_line_without_a_colon_or_with_a_badly_formed_field_name_is_refused() {
        for text in ["name A\n", ": A\n", "Name: A\n", "1name: A\n", "na_me: A\n"] {
            let error = fields(text).unwrap_err();
            assert!(error.contains("line 1 is neither"), "{text:?}: {error}");
        }
    }

    #[test]
    fn unknown_fields_are_refused_naming_the_line_and_field() {
        let error = fields("name: A\nfingerprnt: X\n").unwrap_err();
        assert_eq!(error, "line 2 has the unknown field `fingerprnt:`");
        let error = fields("name: A\ned25519-secret: X\n").unwrap_err();
        assert_eq!(
            error,
            "line 2 has the field `ed25519-secret:` of a secret key"
        );
    }

    #[test]
    fn repeated_fields_are_refused_naming_the_line_and_field() {
        let error = fields("name: A\ned25519: B\n\nname: A\n").unwrap_err();
        assert_eq!(error, "line 4 repeats the field `name:`");
    }

    #[test]
    fn fields_may_come_in_any_order() {
        assert_eq!(
            fields("ed25519: B\nname: A\n").unwrap(),
            [("ed25519", "B"), ("name", "A")]
        );
    }
}
