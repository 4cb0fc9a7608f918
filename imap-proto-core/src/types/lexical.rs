//! The lexical rules of RFC 9051 §9 that both the argument builders of this module and the
//! encoder check: character classes, atoms, month names, raw protocol text.

use super::EncodeError;

/// `CTL = %x00-1F / %x7F`
pub(crate) fn is_ctl(b: u8) -> bool {
    b < 0x20 || b == 0x7f
}

/// `ATOM-CHAR = <any CHAR except atom-specials>`, where
/// `atom-specials = "(" / ")" / "{" / SP / CTL / list-wildcards / quoted-specials / resp-specials`.
pub(crate) fn is_atom_char(b: u8) -> bool {
    b.is_ascii()
        && !is_ctl(b)
        && !matches!(
            b,
            b'(' | b')' | b'{' | b' ' | b'%' | b'*' | b'"' | b'\\' | b']'
        )
}

/// `ASTRING-CHAR = ATOM-CHAR / resp-specials`
pub(crate) fn is_astring_char(b: u8) -> bool {
    is_atom_char(b) || b == b']'
}

/// `list-char = ATOM-CHAR / list-wildcards / resp-specials`
pub(crate) fn is_list_char(b: u8) -> bool {
    is_astring_char(b) || b == b'%' || b == b'*'
}

/// True when `s` is an `atom` (`1*ATOM-CHAR`).
pub(crate) fn is_atom(s: &[u8]) -> bool {
    !s.is_empty() && s.iter().all(|&b| is_atom_char(b))
}

/// Checks an atom-only argument.
pub(crate) fn check_atom(what: &'static str, value: &str) -> Result<(), EncodeError> {
    if is_atom(value.as_bytes()) {
        Ok(())
    } else {
        Err(EncodeError::InvalidAtom {
            what,
            value: value.to_owned(),
        })
    }
}

/// The RFC 9051 §9 `date-month` names.
pub(crate) const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// The largest `mod-sequence-value` (RFC 7162 §7: a positive 63-bit integer).
pub(crate) const MAX_MOD_SEQUENCE: u64 = i64::MAX as u64;

// ---------------------------------------------------------------------------------------------
// Raw protocol text.

/// One piece of checked raw text.
pub(crate) enum RawPiece<'a> {
    /// Text outside quoted strings, sent as is.
    Plain(&'a str),
    /// The inside of a quoted string, still escaped, and whether it has 8-bit octets.
    Quoted { escaped: &'a str, eight_bit: bool },
}

/// Checks caller-supplied raw text (search criteria, LIST/SEARCH options, status items) and
/// splits it into plain runs and quoted strings.
///
/// Refused: CR, LF, NUL or another control character anywhere; `{` outside a quoted string
/// (a literal header cannot be expressed in one line, and `{N}` at the end of a line would
/// make the server swallow the next command as literal data); 8-bit octets outside a quoted
/// string; a `\` in a quoted string not followed by `"` or `\`; an unterminated quoted string;
/// unbalanced parentheses.
pub(crate) fn split_raw<'a>(
    what: &'static str,
    text: &'a str,
) -> Result<Vec<RawPiece<'a>>, EncodeError> {
    let refuse = |reason| EncodeError::UnsafeRawText {
        what,
        value: text.to_owned(),
        reason,
    };
    let bytes = text.as_bytes();
    let mut pieces = Vec::new();
    let mut depth: usize = 0;
    let mut plain_start = 0;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        match b {
            b'\r' | b'\n' => return Err(refuse("contains CR or LF")),
            0 => return Err(refuse("contains NUL")),
            _ if is_ctl(b) => return Err(refuse("contains a control character")),
            b'{' => {
                return Err(refuse(
                    "'{' (literal syntax) is not allowed outside a quoted string",
                ));
            }
            b'(' => depth += 1,
            b')' => {
                depth = depth
                    .checked_sub(1)
                    .ok_or_else(|| refuse("unbalanced parentheses"))?;
            }
            b'"' => {
                pieces.push(RawPiece::Plain(&text[plain_start..i]));
                let start = i + 1;
                let mut j = start;
                let mut eight_bit = false;
                loop {
                    match bytes.get(j) {
                        None => return Err(refuse("unterminated quoted string")),
                        Some(b'"') => break,
                        Some(b'\\') => match bytes.get(j + 1) {
                            Some(b'"' | b'\\') => j += 2,
                            _ => {
                                return Err(refuse(
                                    "'\\' in a quoted string must escape '\"' or '\\'",
                                ));
                            }
                        },
                        Some(b'\r' | b'\n') => return Err(refuse("contains CR or LF")),
                        Some(0) => return Err(refuse("contains NUL")),
                        Some(&c) => {
                            eight_bit |= !c.is_ascii();
                            j += 1;
                        }
                    }
                }
                pieces.push(RawPiece::Quoted {
                    escaped: &text[start..j],
                    eight_bit,
                });
                i = j + 1;
                plain_start = i;
                continue;
            }
            _ if !b.is_ascii() => {
                return Err(refuse("8-bit text is only allowed inside a quoted string"));
            }
            _ => {}
        }
        i += 1;
    }
    if depth != 0 {
        return Err(refuse("unbalanced parentheses"));
    }
    pieces.push(RawPiece::Plain(&text[plain_start..]));
    Ok(pieces)
}

/// Checks raw text without encoding it (see [`split_raw`] for the rules).
pub(crate) fn check_raw_text(what: &'static str, text: &str) -> Result<(), EncodeError> {
    split_raw(what, text).map(|_| ())
}

/// Appends the value of a quoted string's inside to `out`: each `\` escape replaced by the
/// byte it quotes (a lone `\` at the end is dropped). For the parser (content its
/// `quoted_content` checked), the encoder and the body-extension values built on first read.
pub(crate) fn unescape_into(raw: &[u8], out: &mut Vec<u8>) {
    // The result is never longer than `raw`: one reservation, then the runs between
    // backslashes copied whole (a byte-at-a-time push grew the vector by doubling).
    out.reserve(raw.len());
    let mut rest = raw;
    while let Some(at) = memchr::memchr(b'\\', rest) {
        out.extend_from_slice(&rest[..at]);
        if let Some(&escaped) = rest.get(at + 1) {
            out.push(escaped);
        }
        rest = rest.get(at + 2..).unwrap_or_default();
    }
    out.extend_from_slice(rest);
}
