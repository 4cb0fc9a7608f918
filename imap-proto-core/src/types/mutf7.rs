//! Modified UTF-7 for mailbox names (RFC 3501 §5.1.3, RFC 2152).
//!
//! Printable US-ASCII except `&` stands for itself; `&-` is `&`; other characters are
//! UTF-16 encoded, base64'd with `,` instead of `/`, and wrapped in `&` ... `-`.

use std::borrow::Cow;

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

fn sextet(b: u8) -> Option<u32> {
    ALPHABET.iter().position(|&a| a == b).map(|p| p as u32)
}

/// Decodes a modified UTF-7 name. Returns `None` when `raw` is not valid modified UTF-7
/// (non-ASCII bytes, a bad shift sequence, an unpaired surrogate).
pub fn decode(raw: &[u8]) -> Option<Cow<'_, str>> {
    if !raw.contains(&b'&') {
        return if raw.iter().all(|b| (0x20..0x7f).contains(b)) {
            std::str::from_utf8(raw).ok().map(Cow::Borrowed)
        } else {
            None
        };
    }
    let mut out = String::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        let b = raw[i];
        if !(0x20..0x7f).contains(&b) {
            return None;
        }
        if b != b'&' {
            out.push(b as char);
            i += 1;
            continue;
        }
        let end = i + 1 + raw[i + 1..].iter().position(|&c| c == b'-')?;
        let run = &raw[i + 1..end];
        i = end + 1;
        if run.is_empty() {
            out.push('&');
            continue;
        }
        let mut units = Vec::with_capacity(run.len() * 3 / 4);
        let (mut acc, mut bits) = (0u32, 0u32);
        for &c in run {
            acc = (acc << 6) | sextet(c)?;
            bits += 6;
            if bits >= 16 {
                bits -= 16;
                units.push((acc >> bits) as u16);
                acc &= (1 << bits) - 1;
            }
        }
        // Leftover bits must be zero padding shorter than one sextet group (RFC 2152).
        if bits >= 6 || acc != 0 {
            return None;
        }
        for ch in char::decode_utf16(units) {
            let ch = ch.ok()?;
            // RFC 3501 §5.1.3: printable US-ASCII must not be shifted.
            if (' '..='~').contains(&ch) {
                return None;
            }
            out.push(ch);
        }
    }
    Some(Cow::Owned(out))
}

/// Encodes a Unicode name into modified UTF-7.
pub fn encode(name: &str) -> Cow<'_, str> {
    if name.bytes().all(|b| (0x20..0x7f).contains(&b) && b != b'&') {
        return Cow::Borrowed(name);
    }
    let mut out = String::with_capacity(name.len() * 2);
    let mut pending: Vec<u16> = Vec::new();
    let flush = |pending: &mut Vec<u16>, out: &mut String| {
        if pending.is_empty() {
            return;
        }
        out.push('&');
        let (mut acc, mut bits) = (0u32, 0u32);
        for unit in pending.drain(..) {
            acc = (acc << 16) | u32::from(unit);
            bits += 16;
            while bits >= 6 {
                bits -= 6;
                out.push(ALPHABET[((acc >> bits) & 63) as usize] as char);
            }
            acc &= (1 << bits) - 1;
        }
        if bits > 0 {
            out.push(ALPHABET[((acc << (6 - bits)) & 63) as usize] as char);
        }
        out.push('-');
    };
    for ch in name.chars() {
        if (' '..='~').contains(&ch) {
            flush(&mut pending, &mut out);
            if ch == '&' {
                out.push_str("&-");
            } else {
                out.push(ch);
            }
        } else {
            let mut buf = [0u16; 2];
            pending.extend_from_slice(ch.encode_utf16(&mut buf));
        }
    }
    flush(&mut pending, &mut out);
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const CASES: &[(&str, &str)] = &[
        ("INBOX", "INBOX"),
        ("~peter/mail/&U,BTFw-/&ZeVnLIqe-", "~peter/mail/台北/日本語"),
        ("&Jjo-!", "☺!"),
        ("Entw&APw-rfe", "Entwürfe"),
        ("A&-B", "A&B"),
        ("&2D3eAA-", "😀"),
    ];

    #[test]
    fn known_answers_both_ways() {
        for (wire, name) in CASES {
            assert_eq!(decode(wire.as_bytes()).as_deref(), Some(*name), "{wire}");
            assert_eq!(encode(name), *wire, "{name}");
        }
    }

    #[test]
    fn rejects_invalid_forms() {
        for bad in ["&", "&U,BTFw", "&AGE-", "caf\u{e9}", "&Jjo", "&2D0-"] {
            assert_eq!(decode(bad.as_bytes()), None, "{bad}");
        }
    }
}
