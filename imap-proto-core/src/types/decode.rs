//! Header text as a mail client shows it: RFC 2047 encoded words decoded, folding removed.
//!
//! ENVELOPE strings arrive as the message's header bytes (RFC 9051 §7.5.2): a subject or
//! display name may hold encoded words (`=?ISO-8859-1?Q?Caf=E9?=`, RFC 2047 §2) in any
//! charset, be folded (RFC 5322 §2.2.3), or carry raw 8-bit text. Decoding uses mail-parser,
//! whose decoder is written for the mail that exists rather than the RFC alone, with
//! encoding_rs for the charsets (every WHATWG encoding, ISO-2022-JP included).

use std::borrow::Cow;

use mail_parser::decoders::charsets::map::charset_decoder;
use mail_parser::parsers::MessageStream;

/// `raw` decoded for display:
///
/// - encoded words (B and Q, RFC 2047 §4) in any charset encoding_rs knows are decoded; a
///   word in an unknown charset is read as UTF-8, invalid bytes replaced;
/// - whitespace between two adjacent encoded words is dropped (RFC 2047 §6.2), and adjacent
///   words in the same charset are decoded together, so a character split across two words
///   (which RFC 2047 §5 forbids but mailers do) reads as mail clients show it;
/// - a malformed encoded word is left as written, and an invalid `=XY` inside a Q word is
///   kept as written (as mail clients show it);
/// - folding (CRLF followed by whitespace, RFC 5322 §2.2.3) is removed;
/// - raw 8-bit text is read as UTF-8, invalid sequences replaced by U+FFFD.
///
/// Text with nothing to decode is borrowed, not copied.
pub fn decode_header(raw: &[u8]) -> Cow<'_, str> {
    let folded = memchr::memchr2(b'\r', b'\n', raw).is_some();
    if !folded && memchr::memmem::find(raw, b"=?").is_none() {
        return String::from_utf8_lossy(raw);
    }
    let unfolded: Cow<'_, [u8]> = if folded {
        raw.iter()
            .copied()
            .filter(|b| !matches!(b, b'\r' | b'\n'))
            .collect::<Vec<u8>>()
            .into()
    } else {
        raw.into()
    };
    Cow::Owned(decode_words(&unfolded))
}

/// Decodes the encoded words of unfolded header text.
fn decode_words(text: &[u8]) -> String {
    let mut out = String::with_capacity(text.len());
    // The decoded bytes of the encoded words seen since the last clear text, all in
    // `charset`: decoded to text together.
    let mut pending: Option<(&[u8], Vec<u8>)> = None;
    let mut clear_from = 0;
    let mut at = 0;
    while let Some(found) = memchr::memmem::find(&text[at..], b"=?") {
        let start = at + found;
        let Some((charset, bytes, end)) = encoded_word(text, start) else {
            at = start + 2;
            continue;
        };
        let clear = &text[clear_from..start];
        let only_space = clear.iter().all(|b| matches!(b, b' ' | b'\t'));
        let after_word = pending.is_some();
        let joins = match &pending {
            Some((previous, _)) => only_space && previous.eq_ignore_ascii_case(charset),
            None => false,
        };
        if joins {
            if let Some((_, decoded)) = &mut pending {
                decoded.extend_from_slice(&bytes);
            }
        } else {
            flush(&mut out, pending.take());
            if !(only_space && after_word) {
                out.push_str(&String::from_utf8_lossy(clear));
            }
            pending = Some((charset, bytes));
        }
        clear_from = end;
        at = end;
    }
    flush(&mut out, pending);
    out.push_str(&String::from_utf8_lossy(&text[clear_from..]));
    out
}

/// Appends encoded-word bytes, decoded from their charset, to `out`.
fn flush(out: &mut String, pending: Option<(&[u8], Vec<u8>)>) {
    if let Some((charset, bytes)) = pending {
        match charset_decoder(charset) {
            Some(decode) => out.push_str(&decode(&bytes)),
            None => out.push_str(&String::from_utf8_lossy(&bytes)),
        }
    }
}

/// The encoded word `"=?" charset ["*" language] "?" encoding "?" encoded-text "?="`
/// (RFC 2047 §2, RFC 2231 §5) at `start`: its charset, its bytes after the transfer decoding
/// and the offset just past it; `None` if it is malformed.
fn encoded_word(text: &[u8], start: usize) -> Option<(&[u8], Vec<u8>, usize)> {
    let rest = text.get(start + 2..)?;
    let charset_end = memchr::memchr(b'?', rest)?;
    let charset_and_language = &rest[..charset_end];
    let charset = match memchr::memchr(b'*', charset_and_language) {
        Some(star) => &charset_and_language[..star],
        None => charset_and_language,
    };
    if charset.is_empty() || charset.iter().any(|b| matches!(b, b' ' | b'\t')) {
        return None;
    }
    let encoding = *rest.get(charset_end + 1)?;
    if rest.get(charset_end + 2) != Some(&b'?') {
        return None;
    }
    let encoded_from = start + 2 + charset_end + 3;
    match encoding {
        b'B' | b'b' => {
            let mut stream = MessageStream::new(&text[encoded_from..]);
            let bytes = stream.decode_base64_word()?;
            Some((charset, bytes, encoded_from + stream.offset()))
        }
        b'Q' | b'q' => {
            // A Q word holds no `?` (RFC 2047 §5), so it ends at the first `?=`.
            let len = memchr::memmem::find(&text[encoded_from..], b"?=")?;
            let encoded: Vec<u8> = text[encoded_from..encoded_from + len]
                .iter()
                .map(|&b| if b == b'_' { b' ' } else { b })
                .collect();
            let bytes =
                quoted_printable::decode(encoded, quoted_printable::ParseMode::Robust).ok()?;
            Some((charset, bytes, encoded_from + len + 2))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use proptest::strategy::Strategy;

    use super::decode_header;

    /// Real-world encoded words and what a mail client shows for them (each expectation
    /// checked against Python's `email` package with `policy.default`).
    const SHOWN: &[(&str, &str, &str)] = &[
        ("plain ASCII", "Meeting at noon", "Meeting at noon"),
        (
            "UTF-8 B",
            "=?UTF-8?B?SGVsbG8sIOS4lueVjCE=?=",
            "Hello, 世界!",
        ),
        ("UTF-8 Q", "=?utf-8?Q?Caf=C3=A9_cr=C3=A8me?=", "Café crème"),
        (
            "Latin-1 Q",
            "=?ISO-8859-1?Q?Andr=E9?= Pirard",
            "André Pirard",
        ),
        (
            "Windows-1252 Q, smart quotes",
            "=?windows-1252?Q?=93quoted=94_=96_dash?=",
            "\u{201c}quoted\u{201d} \u{2013} dash",
        ),
        ("Latin-2 B", "=?iso-8859-2?B?o3VrYXN6?=", "Łukasz"),
        ("KOI8-R B", "=?koi8-r?B?8NLJ18XU?=", "Привет"),
        (
            "ISO-2022-JP B",
            "=?ISO-2022-JP?B?GyRCJDMkcyRLJEEkTxsoQg==?=",
            "こんにちは",
        ),
        ("Shift_JIS B", "=?Shift_JIS?B?g2WDWINn?=", "テスト"),
        ("GB2312 B", "=?gb2312?B?xOO6ww==?=", "你好"),
        ("Big5 B", "=?big5?B?pKSk5Q==?=", "中文"),
        ("EUC-KR B", "=?euc-kr?B?x9Gx27D6?=", "한글과"),
        (
            "adjacent words: whitespace between them dropped (RFC 2047 §6.2)",
            "=?UTF-8?Q?a?= =?UTF-8?Q?b?=",
            "ab",
        ),
        (
            "adjacent words in different charsets",
            "=?ISO-8859-1?Q?caf=E9?= =?UTF-8?Q?_cr=C3=A8me?=",
            "café crème",
        ),
        (
            "adjacent words across a fold",
            "=?UTF-8?B?VGhpcyBpcyBh?=\r\n =?UTF-8?B?IGxvbmcgc3ViamVjdA==?=",
            "This is a long subject",
        ),
        (
            "mixed charsets in one subject",
            "=?ISO-8859-1?Q?Gr=FC=DFe?= und =?KOI8-R?B?8NLJ18XU?=",
            "Grüße und Привет",
        ),
        (
            "a UTF-8 character split across two words",
            "=?UTF-8?B?5pel5g==?= =?UTF-8?B?nKw=?=",
            "日本",
        ),
        (
            "encoded word then text",
            "=?UTF-8?Q?Re:?= hello",
            "Re: hello",
        ),
        (
            "text then encoded word",
            "Re: =?UTF-8?Q?=C3=BCber?=",
            "Re: über",
        ),
        ("folded plain text", "a long\r\n subject", "a long subject"),
        (
            "underscore in Q is a space, =5F an underscore",
            "=?UTF-8?Q?snake=5Fcase_and_space?=",
            "snake_case and space",
        ),
        ("RFC 2231 language tag", "=?UTF-8*en?Q?Hello?=", "Hello"),
        ("lower-case encoding letter", "=?utf-8?b?w6k=?=", "é"),
        (
            "unknown charset read as UTF-8",
            "=?x-unknown?Q?caf=C3=A9?=",
            "café",
        ),
        (
            "malformed: no closing ?=",
            "=?UTF-8?Q?broken",
            "=?UTF-8?Q?broken",
        ),
        (
            "malformed: bad encoding letter",
            "=?UTF-8?X?abc?=",
            "=?UTF-8?X?abc?=",
        ),
        ("raw UTF-8 (no encoding)", "Grüße", "Grüße"),
    ];

    #[test]
    fn decodes_what_a_mail_client_shows() {
        let mut failures = Vec::new();
        for (what, raw, shown) in SHOWN {
            let decoded = decode_header(raw.as_bytes());
            if decoded != *shown {
                failures.push(format!(
                    "{what}: {raw:?} -> {decoded:?}, client shows {shown:?}"
                ));
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    #[test]
    fn raw_latin1_bytes_are_replaced_not_lost() {
        assert_eq!(decode_header(b"Caf\xe9"), "Caf\u{fffd}");
    }

    #[test]
    fn invalid_base64_and_truncated_utf8_never_panic() {
        for raw in [
            &b"=?UTF-8?B?!!!!?="[..],
            b"=?UTF-8?B?w6?=",
            b"=?UTF-8?Q?=C3?=",
            b"=?UTF-8?Q?=ZZ?=",
            b"=?",
            b"=??=",
            b"=?UTF-8??=",
            b"\r\n",
            b"",
        ] {
            let _ = decode_header(raw);
        }
    }

    proptest::proptest! {
        /// Any mix of encoded-word pieces, whitespace, folds and raw bytes decodes without a
        /// panic, and text with nothing to decode comes back unchanged.
        #[test]
        fn any_header_bytes_decode(pieces in proptest::collection::vec(
            proptest::prop_oneof![
                proptest::sample::select(vec![
                    &b"=?"[..], b"?=", b"?Q?", b"?B?", b"?q?", b"UTF-8", b"ISO-2022-JP",
                    b"*en", b"=C3", b"=A9", b"=Z", b"_", b"w6k=", b"GyRC", b" ", b"\t",
                    b"\r\n ", b"\n",
                ]).prop_map(<[u8]>::to_vec),
                proptest::collection::vec(proptest::arbitrary::any::<u8>(), 0..4),
            ],
            0..24,
        )) {
            let raw = pieces.concat();
            let decoded = decode_header(&raw);
            if let Ok(text) = std::str::from_utf8(&raw)
                && !text.contains("=?")
                && !text.contains(['\r', '\n'])
            {
                proptest::prop_assert_eq!(decoded, text);
            }
        }
    }

    #[test]
    fn plain_text_is_borrowed() {
        assert!(matches!(
            decode_header(b"hello"),
            std::borrow::Cow::Borrowed("hello")
        ));
    }
}
