//! The basic rules of RFC 9051 §9 (and RFC 3501 §9) that every response parser builds on:
//! numbers, atoms, strings, literals, flags, mailbox names and sequence sets.
//!
//! Lenient readings, each needed by a real server (see `docs/quirks.md`):
//! - `NIL` is matched case-insensitively (`nil`).
//! - quoted strings may carry 8-bit bytes even without UTF8=ACCEPT.
//! - a bare LF is accepted where CRLF belongs.

use std::cell::Cell;

use bytes::Bytes;
use nom::{Input, Parser};

use super::error::{PErr, PResult, ParseErrorKind};
use super::input::Span;
use super::scratch::Scratch;
pub(crate) use crate::types::lexical::unescape_into;
use crate::types::{Flag, Mailbox, MessageFlags, UidRange};

/// `SP = %x20`
#[inline]
pub fn sp(i: Span<'_>) -> PResult<'_, ()> {
    match i.as_slice().first() {
        Some(b' ') => Ok((i.take_from(1), ())),
        _ => Err(PErr::syntax(i, "SP")),
    }
}

/// Matches one expected byte.
#[inline]
pub fn byte(expected: u8) -> impl Fn(Span<'_>) -> PResult<'_, ()> {
    move |i: Span<'_>| match i.as_slice().first() {
        Some(&b) if b == expected => Ok((i.take_from(1), ())),
        _ => Err(PErr::syntax(i, "expected character")),
    }
}

/// Case-insensitive keyword match (IMAP keywords are case-insensitive, RFC 9051 §9 note 1).
#[inline]
pub fn keyword<'k>(word: &'k str) -> impl Fn(Span<'_>) -> PResult<'_, ()> + 'k {
    move |i: Span<'_>| {
        let s = i.as_slice();
        if s.len() >= word.len() && s[..word.len()].eq_ignore_ascii_case(word.as_bytes()) {
            Ok((i.take_from(word.len()), ()))
        } else {
            Err(PErr::syntax(i, "keyword"))
        }
    }
}

/// `CRLF = CR LF`; a bare LF is accepted (lenient).
pub fn crlf(i: Span<'_>) -> PResult<'_, ()> {
    let s = i.as_slice();
    if s.starts_with(b"\r\n") {
        Ok((i.take_from(2), ()))
    } else if s.first() == Some(&b'\n') {
        Ok((i.take_from(1), ()))
    } else {
        Err(PErr::syntax(i, "CRLF"))
    }
}

/// Leading ASCII digits of `s`, as a count.
#[inline]
fn digit_count(s: &[u8]) -> usize {
    s.iter().take_while(|b| b.is_ascii_digit()).count()
}

/// The value of up to eight ASCII digits in the low bytes of `word` (read little-endian,
/// so the first digit is the lowest byte), given their count `n` (1 to 8).
///
/// Subtracts `'0'` from every byte at once, moves the `n` digits to the top so the bytes
/// below act as leading zeros, then folds pairs, quads and octets of digits with three
/// multiplications.
#[inline(always)]
pub(crate) fn eight_digits_value(word: u64, n: usize) -> u64 {
    const ZEROS: u64 = u64::from_le_bytes([b'0'; 8]);
    let digits = word.wrapping_sub(ZEROS) << (8 * (8 - n));
    let pairs = (digits.wrapping_mul(10) + (digits >> 8)) & 0x00FF_00FF_00FF_00FF;
    let quads = (pairs.wrapping_mul(100) + (pairs >> 16)) & 0x0000_FFFF_0000_FFFF;
    (quads.wrapping_mul(10_000) + (quads >> 32)) & 0xFFFF_FFFF
}

/// How many of the eight bytes of `word` (little-endian) lead with ASCII digits.
///
/// A byte is a digit when its high nibble is 3 both before and after adding 6. Carries and
/// borrows only travel from a byte to the next, and only out of a non-digit, so the lowest
/// non-digit byte found is exact, which is all that is used.
#[inline(always)]
pub(crate) fn leading_digits(word: u64) -> usize {
    const HIGH: u64 = u64::from_le_bytes([0xF0; 8]);
    const THREES: u64 = u64::from_le_bytes([0x30; 8]);
    const SIXES: u64 = u64::from_le_bytes([0x06; 8]);
    let not_digit = ((word & HIGH) ^ THREES) | ((word.wrapping_add(SIXES) & HIGH) ^ THREES);
    (not_digit.trailing_zeros() / 8) as usize
}

/// `10^n` for the digit counts of one eight-byte step.
const POWERS_OF_TEN: [u64; 9] = [
    1,
    10,
    100,
    1_000,
    10_000,
    100_000,
    1_000_000,
    10_000_000,
    100_000_000,
];

/// The run of ASCII digits at the start of `s`: how many there are and their value, read
/// eight bytes at a time. `None` when there are more than 19 digits (the most that always
/// fit a `u64`); callers then fall back to a checked loop.
#[inline(always)]
pub(crate) fn digit_run(s: &[u8]) -> Option<(usize, u64)> {
    // The first word on its own: a number of up to seven digits (nearly every one servers
    // send) ends in it, and then there is no earlier value to scale and no length to check.
    if let Some(chunk) = s.get(..8) {
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(chunk);
        let word = u64::from_le_bytes(bytes);
        match leading_digits(word) {
            0 => return Some((0, 0)),
            1 => return Some((1, word & 0x0f)),
            n if n < 8 => return Some((n, eight_digits_value(word, n))),
            _ => {}
        }
    }
    digit_run_from(s)
}

/// [`digit_run`] word by word from the start of `s`: runs of eight digits or more, and
/// inputs shorter than a word.
#[inline(always)]
fn digit_run_from(s: &[u8]) -> Option<(usize, u64)> {
    let mut value: u64 = 0;
    let mut count = 0;
    while let Some(chunk) = s.get(count..count + 8) {
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(chunk);
        let word = u64::from_le_bytes(bytes);
        let n = leading_digits(word);
        if n > 0 {
            value = value
                .wrapping_mul(POWERS_OF_TEN[n])
                .wrapping_add(eight_digits_value(word, n));
        }
        count += n;
        if count > 19 {
            return None;
        }
        if n < 8 {
            return Some((count, value));
        }
    }
    // Fewer than eight bytes left: one at a time.
    while let Some(&byte) = s.get(count) {
        let digit = byte.wrapping_sub(b'0');
        if digit > 9 {
            break;
        }
        if count == 19 {
            return None;
        }
        value = value.wrapping_mul(10).wrapping_add(u64::from(digit));
        count += 1;
    }
    Some((count, value))
}

/// `number64 = 1*DIGIT` (RFC 9051: unsigned 63-bit integer).
///
/// Inlined into every caller (SEARCH, sequence sets, THREAD, STATUS read thousands of
/// numbers a response): a call cost more than reading a short number.
#[inline(always)]
pub fn number64(i: Span<'_>) -> PResult<'_, u64> {
    match digit_run(i.as_slice()) {
        Some((0, _)) => Err(PErr::syntax(i, "number")),
        Some((n, value)) => Ok((i.take_from(n), value)),
        None => long_number64(i),
    }
}

/// [`number64`] for twenty digits or more: only some fit, so every step is checked.
#[cold]
#[inline(never)]
fn long_number64(i: Span<'_>) -> PResult<'_, u64> {
    let s = i.as_slice();
    let n = digit_count(s);
    let mut value: u64 = 0;
    for &d in &s[..n] {
        value = match value
            .checked_mul(10)
            .and_then(|v| v.checked_add(u64::from(d - b'0')))
        {
            Some(v) => v,
            None => return Err(PErr::fatal(i, ParseErrorKind::NumberOverflow)),
        };
    }
    Ok((i.take_from(n), value))
}

/// `number = 1*DIGIT` (unsigned 32-bit integer).
#[inline(always)]
pub fn number(i: Span<'_>) -> PResult<'_, u32> {
    let (rest, value) = number64(i)?;
    match u32::try_from(value) {
        Ok(v) => Ok((rest, v)),
        Err(_) => Err(PErr::fatal(i, ParseErrorKind::NumberOverflow)),
    }
}

/// `nz-number = digit-nz *DIGIT` (non-zero unsigned 32-bit integer).
#[inline(always)]
pub fn nz_number(i: Span<'_>) -> PResult<'_, u32> {
    let (rest, value) = number(i)?;
    if value == 0 {
        return Err(PErr::syntax(i, "nz-number"));
    }
    Ok((rest, value))
}

/// `ATOM-CHAR = <any CHAR except atom-specials>`, where
/// `atom-specials = "(" / ")" / "{" / SP / CTL / list-wildcards / quoted-specials / resp-specials`.
#[inline]
pub fn is_atom_char(b: u8) -> bool {
    ATOM_CHAR[b as usize]
}

/// How many bytes at the start of `s` are ATOM-CHARs: the length of an atom (flags,
/// keywords, mailbox attributes). Four table look-ups per bounds check: FETCH flag lists
/// scan every keyword's bytes, and a byte-at-a-time loop spent as much on its loop as on
/// the look-ups.
#[inline(always)]
pub(crate) fn atom_len(s: &[u8]) -> usize {
    let mut n = 0;
    while let Some(&[a, b, c, d]) = s.get(n..n + 4) {
        if !is_atom_char(a) {
            return n;
        }
        if !is_atom_char(b) {
            return n + 1;
        }
        if !is_atom_char(c) {
            return n + 2;
        }
        if !is_atom_char(d) {
            return n + 3;
        }
        n += 4;
    }
    n + s[n..].iter().take_while(|&&b| is_atom_char(b)).count()
}

/// `ASTRING-CHAR = ATOM-CHAR / resp-specials`
#[inline]
pub fn is_astring_char(b: u8) -> bool {
    ATOM_CHAR[b as usize] || b == b']'
}

static ATOM_CHAR: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0x21;
    while b < 0x7f {
        table[b] = !matches!(
            b as u8,
            b'(' | b')' | b'{' | b'%' | b'*' | b'"' | b'\\' | b']'
        );
        b += 1;
    }
    table
};

/// Takes the longest prefix whose bytes satisfy `pred`; at least one byte.
#[inline]
fn take_while1<'a>(
    i: Span<'a>,
    pred: impl Fn(u8) -> bool,
    rule: &'static str,
) -> PResult<'a, Span<'a>> {
    let n = i.as_slice().iter().take_while(|&&b| pred(b)).count();
    if n == 0 {
        return Err(PErr::syntax(i, rule));
    }
    Ok(i.take_split(n))
}

/// `atom = 1*ATOM-CHAR`
#[inline]
pub fn atom(i: Span<'_>) -> PResult<'_, Bytes> {
    let (rest, matched) = take_while1(i, is_atom_char, "atom")?;
    Ok((rest, matched.to_bytes()))
}

/// `atom = 1*ATOM-CHAR`, as a borrowed slice (for keywords that are compared, not kept).
#[inline]
pub fn atom_slice(i: Span<'_>) -> PResult<'_, &[u8]> {
    let (rest, matched) = take_while1(i, is_atom_char, "atom")?;
    Ok((rest, matched.as_slice()))
}

/// `nil = "NIL"` (case-insensitive: some servers send `nil`).
#[inline]
pub fn nil(i: Span<'_>) -> PResult<'_, ()> {
    let s = i.as_slice();
    if s.len() >= 3
        && s[..3].eq_ignore_ascii_case(b"NIL")
        && !s.get(3).is_some_and(|&b| is_astring_char(b))
    {
        Ok((i.take_from(3), ()))
    } else {
        Err(PErr::syntax(i, "nil"))
    }
}

/// `quoted = DQUOTE *QUOTED-CHAR DQUOTE`
///
/// `QUOTED-CHAR = <any TEXT-CHAR except quoted-specials> / "\" quoted-specials / UTF8-2 / ...`.
/// Lenient: any 8-bit byte is accepted (servers send raw 8-bit names and headers). The result
/// is a zero-copy slice unless the string contains escapes, which must be removed.
pub fn quoted(i: Span<'_>) -> PResult<'_, Bytes> {
    let (rest, (content, escaped)) = quoted_content(i)?;
    if !escaped {
        return Ok((rest, content.to_bytes()));
    }
    let mut out = Vec::with_capacity(content.input_len());
    unescape_into(content.as_slice(), &mut out);
    Ok((rest, Bytes::from(out)))
}

/// [`quoted`] without building the value: the content between the quotes as it is on the
/// wire, and whether it holds escapes (then [`unescape_into`] gives the value).
pub(crate) fn quoted_content(i: Span<'_>) -> PResult<'_, (Span<'_>, bool)> {
    let s = i.as_slice();
    if s.first() != Some(&b'"') {
        return Err(PErr::syntax(i, "quoted"));
    }
    let body = &s[1..];
    let mut escaped = false;
    let mut pos = 0;
    loop {
        let Some(off) = memchr::memchr3(b'"', b'\\', b'\r', &body[pos..]) else {
            return Err(PErr::syntax(i, "quoted"));
        };
        pos += off;
        match body[pos] {
            b'"' => break,
            b'\\' => {
                match body.get(pos + 1) {
                    Some(b'"' | b'\\') => {}
                    _ => return Err(PErr::syntax(i.take_from(1 + pos), "quoted-specials")),
                }
                escaped = true;
                pos += 2;
            }
            _ => return Err(PErr::syntax(i.take_from(1 + pos), "QUOTED-CHAR")),
        }
    }
    if body[..pos].contains(&b'\n') || body[..pos].contains(&0) {
        return Err(PErr::syntax(i, "QUOTED-CHAR"));
    }
    Ok((i.take_from(pos + 2), (i.take_from(1).take(pos), escaped)))
}

/// `literal = "{" number64 ["+"] "}" CRLF *CHAR8` and `literal8 = "~{" number64 "}" CRLF *OCTET`
/// (RFC 3516 §4.1). The framer has already checked that the announced bytes are present.
pub fn literal(i: Span<'_>) -> PResult<'_, Bytes> {
    let (rest, content) = literal_content(i)?;
    Ok((rest, content.to_bytes()))
}

/// [`literal`] as the position of its content: [`short_literal`], else
/// [`general_literal_content`].
#[inline]
pub(crate) fn literal_content(i: Span<'_>) -> PResult<'_, Span<'_>> {
    match short_literal_at(i) {
        Some(read) => Ok(read),
        None => general_literal_content(i),
    }
}

/// [`short_literal`] at `i`: the rest after the literal, and its content.
#[inline(always)]
pub(crate) fn short_literal_at(i: Span<'_>) -> Option<(Span<'_>, Span<'_>)> {
    let (start, len) = short_literal(i.as_slice())?;
    Some((i.take_from(start + len), i.take_from(start).take(len)))
}

/// The common literal `{n}` CRLF with at most nine digits and its bytes present: the
/// content's start and length. Its count is read a byte at a time (a few digits, for which
/// [`digit_run`]'s eight-byte step costs more). `None` for anything else (`~`, `+`, long
/// counts, errors), which [`general_literal_content`] reads or rejects.
#[inline(always)]
fn short_literal(s: &[u8]) -> Option<(usize, usize)> {
    let digits = s.strip_prefix(b"{")?;
    let mut len = 0usize;
    let mut count = 0;
    loop {
        let digit = digits.get(count)?.wrapping_sub(b'0');
        if digit > 9 {
            break;
        }
        if count == 9 {
            return None;
        }
        len = len * 10 + usize::from(digit);
        count += 1;
    }
    if count == 0 || digits.get(count..count + 3)? != b"}\r\n" {
        return None;
    }
    let start = count + 4;
    (s.len() - start >= len).then_some((start, len))
}

/// [`short_literal`] against [`general_literal_content`]: the same content and rest, or the
/// general path's answer where the short one declines.
#[cfg(test)]
mod short_literal_tests {
    use super::tests::run;
    use super::{PResult, Span, general_literal_content, literal_content, short_literal};

    fn fast_path(i: Span<'_>) -> PResult<'_, Vec<u8>> {
        literal_content(i).map(|(rest, c)| (rest, c.as_slice().to_vec()))
    }

    fn general_path(i: Span<'_>) -> PResult<'_, Vec<u8>> {
        general_literal_content(i).map(|(rest, c)| (rest, c.as_slice().to_vec()))
    }

    #[test]
    fn literals_read_as_the_general_parser_reads_them() {
        let cases: [&[u8]; 12] = [
            b"{0}\r\n rest",
            b"{3}\r\nabc rest",
            b"{3}\r\nab",
            b"{03}\r\nabc",
            b"{123456789}\r\nx",
            b"{1234567890}\r\nx",
            b"{3+}\r\nabc",
            b"~{3}\r\nabc",
            b"{}\r\nabc",
            b"{3}\nabc",
            b"{3",
            b"{3}\r",
        ];
        for case in cases {
            let (fast, general) = (run(case, fast_path), run(case, general_path));
            assert_eq!(fast.is_ok(), general.is_ok(), "{case:?}");
            if let (Ok(fast), Ok(general)) = (&fast, &general) {
                assert_eq!(fast, general, "{case:?}");
            }
            if short_literal(case).is_some() {
                assert!(general.is_ok(), "{case:?}");
            }
        }
    }
}

/// [`literal_content`] in every form the grammar allows, with its errors.
#[inline(never)]
fn general_literal_content(i: Span<'_>) -> PResult<'_, Span<'_>> {
    let start = i;
    let i = if i.as_slice().first() == Some(&b'~') {
        i.take_from(1)
    } else {
        i
    };
    let (i, _) = byte(b'{')(i)?;
    let (i, len) = number64(i)?;
    let i = if i.as_slice().first() == Some(&b'+') {
        i.take_from(1)
    } else {
        i
    };
    let (i, _) = byte(b'}')(i)?;
    let (i, _) = crlf(i)?;
    let Ok(len) = usize::try_from(len) else {
        return Err(PErr::fatal(start, ParseErrorKind::TruncatedLiteral));
    };
    if i.input_len() < len {
        return Err(PErr::fatal(start, ParseErrorKind::TruncatedLiteral));
    }
    let (rest, content) = i.take_split(len);
    Ok((rest, content))
}

/// `string = quoted / literal`
#[inline]
pub fn string(i: Span<'_>) -> PResult<'_, Bytes> {
    match i.as_slice().first() {
        Some(b'"') => quoted(i),
        Some(b'{' | b'~') => literal(i),
        _ => Err(PErr::syntax(i, "string")),
    }
}

/// `nstring = string / nil`
#[inline]
pub fn nstring(i: Span<'_>) -> PResult<'_, Option<Bytes>> {
    match i.as_slice().first() {
        Some(b'"' | b'{' | b'~') => string(i).map(|(r, s)| (r, Some(s))),
        _ => nil(i).map(|(r, ())| (r, None)),
    }
}

/// `astring = 1*ASTRING-CHAR / string`
#[inline]
pub fn astring(i: Span<'_>) -> PResult<'_, Bytes> {
    let s = i.as_slice();
    match s.first() {
        // `~` is an ASTRING-CHAR (`~/Mail` is an atom); only `~{` opens a literal8.
        Some(b'"' | b'{') => string(i),
        Some(b'~') if s.get(1) == Some(&b'{') => string(i),
        _ => {
            let (rest, matched) = take_while1(i, is_astring_char, "astring")?;
            Ok((rest, matched.to_bytes()))
        }
    }
}

/// `mailbox = "INBOX" / astring` (RFC 9051 §9). The wire form is kept, with the frame's
/// name encoding; see [`Mailbox`].
#[inline]
pub fn mailbox(i: Span<'_>) -> PResult<'_, Mailbox> {
    let names = i.context().names;
    astring(i).map(|(r, b)| (r, Mailbox::from_wire_in(b, names)))
}

/// `tag = 1*<any ASTRING-CHAR except "+">`
pub fn tag(i: Span<'_>) -> PResult<'_, Bytes> {
    let (rest, matched) = take_while1(i, |b| is_astring_char(b) && b != b'+', "tag")?;
    Ok((rest, matched.to_bytes()))
}

/// `text = 1*TEXT-CHAR` up to the line end; lenient: may be empty and may hold 8-bit bytes.
/// Trailing spaces are dropped (a quirk seen in several servers' status lines).
pub fn text(i: Span<'_>) -> PResult<'_, Bytes> {
    let s = i.as_slice();
    let end = memchr::memchr2(b'\r', b'\n', s).unwrap_or(s.len());
    let mut trimmed = end;
    while trimmed > 0 && s[trimmed - 1] == b' ' {
        trimmed -= 1;
    }
    let (_, content) = i.take_split(trimmed);
    Ok((i.take_from(end), content.to_bytes()))
}

/// `flag = "\Answered" / "\Flagged" / "\Deleted" / "\Seen" / "\Draft" / flag-keyword /
/// flag-extension`, plus `flag-perm`'s `"\*"` and `flag-fetch`'s `"\Recent"`.
pub fn flag(i: Span<'_>) -> PResult<'_, Flag> {
    match flag_at(i) {
        Some((len, flag)) => Ok((i.take_from(len), flag)),
        None => Err(PErr::syntax(i, "flag")),
    }
}

/// [`flag`] as its length and value, `None` where no flag starts. Classified on the slice
/// ([`flag_shape`]): a system flag needs no `Bytes`, and an extension gets one `Bytes` of
/// its name, not one of the whole flag and another without the backslash.
#[inline(always)]
fn flag_at(i: Span<'_>) -> Option<(usize, Flag)> {
    let (len, shape) = flag_shape(i.as_slice())?;
    let flag = match shape {
        FlagShape::System(flag) => flag,
        FlagShape::Extension => Flag::Extension(i.take_from(1).take(len - 1).to_bytes()),
        FlagShape::Keyword => Flag::Keyword(i.take(len).to_bytes()),
    };
    Some((len, flag))
}

/// What kind of flag starts a slice, before any `Bytes` is made for it.
enum FlagShape {
    /// A system flag or `\*`.
    System(Flag),
    /// `"\" atom`, any other.
    Extension,
    /// `atom`.
    Keyword,
}

/// The length and kind of the flag that starts `s`, `None` where none does: the one
/// classifier of [`flag_at`] (which makes the value) and [`message_flags`] (which keeps
/// the list's text). Lenient: `]` may appear in keywords some servers invent; ASTRING-CHAR
/// covers it, but inside a response code `]` ends the code, so only ATOM-CHARs are taken.
#[inline(always)]
fn flag_shape(s: &[u8]) -> Option<(usize, FlagShape)> {
    match s {
        [b'\\', b'*', ..] => Some((2, FlagShape::System(Flag::MayCreate))),
        [b'\\', name @ ..] => match system_flag(name) {
            Some((n, flag)) => Some((n + 1, FlagShape::System(flag))),
            None => match atom_len(name) {
                0 => None,
                n => Some((n + 1, FlagShape::Extension)),
            },
        },
        _ => match atom_len(s) {
            0 => None,
            n => Some((n, FlagShape::Keyword)),
        },
    }
}

/// The system flag whose name starts `s` (the input after the backslash), matched
/// case-insensitively, and its length; `None` for any other name, which is then an
/// extension flag. Told apart by the first letter, then one compare of the name folded to
/// upper case and a check that the name ends there, so a system flag's name is never
/// scanned byte by byte. Only letters are compared against, and bit 5 is the case bit of
/// letters alone, so the fold cannot make a different name equal.
///
/// `s` runs on past the name (the rest of the frame): its first eight bytes are one load.
/// Classifying after scanning the name, and copying its `n` bytes into a word (a `memcpy`
/// call), cost about 30 instructions more a system flag (docs/benchmarks.md,
/// "Session-mix round, session 9").
#[inline(always)]
fn system_flag(s: &[u8]) -> Option<(usize, Flag)> {
    const fn word(name: &[u8]) -> u64 {
        let mut bytes = [0u8; 8];
        let mut k = 0;
        while k < name.len() && k < 8 {
            bytes[k] = name[k] & !0x20;
            k += 1;
        }
        u64::from_le_bytes(bytes)
    }
    const SEEN: u64 = word(b"SEEN");
    const DRAFT: u64 = word(b"DRAFT");
    const RECENT: u64 = word(b"RECENT");
    const FLAGGED: u64 = word(b"FLAGGED");
    const DELETED: u64 = word(b"DELETED");
    const ANSWERED: u64 = word(b"ANSWERED");
    let mut bytes = [0u8; 8];
    match s.get(..8) {
        Some(eight) => bytes.copy_from_slice(eight),
        // Near the end of the input (rare): what there is.
        None => bytes.iter_mut().zip(s).for_each(|(to, &from)| *to = from),
    }
    let folded = u64::from_le_bytes(bytes) & u64::from_le_bytes([!0x20; 8]);
    let (len, name, flag) = match folded as u8 {
        b'S' => (4, SEEN, Flag::Seen),
        b'D' if (folded >> 8) as u8 == b'R' => (5, DRAFT, Flag::Draft),
        b'D' => (7, DELETED, Flag::Deleted),
        b'R' => (6, RECENT, Flag::Recent),
        b'F' => (7, FLAGGED, Flag::Flagged),
        b'A' => (8, ANSWERED, Flag::Answered),
        _ => return None,
    };
    let keep = u64::MAX >> (8 * (8 - len));
    if folded & keep != name || s.get(len).is_some_and(|&b| is_atom_char(b)) {
        return None;
    }
    Some((len, flag))
}

/// `flag-list = "(" [flag *(SP flag)] ")"`, also read for `flag-perm` lists (RFC 9051 §9).
/// Quirk: extra spaces are tolerated.
///
/// The flags are read into this thread's scratch `Vec` and moved into one of exactly their
/// number once the list closed: a session keeps these lists, and keyword lists of 20-40
/// flags are common in FLAGS and PERMANENTFLAGS (mail clients' tags, labels migrated from
/// Gmail), so spare room would be most of their size.
pub fn flag_list(i: Span<'_>) -> PResult<'_, Vec<Flag>> {
    let i = match i.as_slice() {
        [b'(', ..] => skip_spaces(i.take_from(1)),
        _ => return Err(PErr::syntax(i, "flag-fetch")),
    };
    if i.as_slice().first() == Some(&b')') {
        return Ok((i.take_from(1), Vec::new()));
    }
    let mut read = FLAG_SCRATCH.take();
    match read_flags(i, &mut read) {
        Ok(rest) => Ok((rest, FLAG_SCRATCH.exact(read))),
        Err(error) => {
            FLAG_SCRATCH.give_back(read);
            Err(error)
        }
    }
}

thread_local! {
    static FLAG_SLOT: Cell<Vec<Flag>> = const { Cell::new(Vec::new()) };
}

/// Flags of a list are read here and moved out at exact size; a scratch that grew past 64
/// flags is let go.
static FLAG_SCRATCH: Scratch<Flag> = Scratch::new(&FLAG_SLOT, 64);

/// FETCH's `"(" [flag-fetch *(SP flag-fetch)] ")"` (RFC 9051 §7.5.2, §9) as
/// [`MessageFlags`]: each flag is checked as [`flag_list`] checks it, but none becomes a
/// [`Flag`]. The system flags are gathered as bits; the list's text is kept (one `Bytes`)
/// only when it names another flag. So a message's flags cost no allocation, however many
/// keywords it has, and no buffer reference when they are all system flags.
/// Quirk: extra spaces are tolerated, as in [`flag_list`].
#[inline(always)]
pub(super) fn message_flags(i: Span<'_>) -> PResult<'_, MessageFlags> {
    let s = i.as_slice();
    if s.first() != Some(&b'(') {
        return Err(PErr::syntax(i, "flag-fetch"));
    }
    let mut at = 1;
    let (mut start, mut end) = (0, 0);
    let mut bits = 0u8;
    let mut others = false;
    loop {
        while s.get(at) == Some(&b' ') {
            at += 1;
        }
        let rest = &s[at..];
        if rest.first() == Some(&b')') {
            break;
        }
        let len = match flag_shape(rest) {
            // `\*` (MayCreate) has no bit: as any other flag, the text keeps it.
            Some((n, FlagShape::System(flag))) if MessageFlags::system_bit(&flag) != 0 => {
                bits |= MessageFlags::system_bit(&flag);
                n
            }
            Some((n, _)) => {
                others = true;
                n
            }
            None => return Err(PErr::syntax(i.take_from(at), "flag")),
        };
        if end == 0 {
            start = at;
        }
        at += len;
        end = at;
    }
    let flags = if others {
        MessageFlags::from_checked(i.take_from(start).take(end - start).to_bytes())
    } else {
        MessageFlags::system(bits)
    };
    Ok((i.take_from(at + 1), flags))
}

/// `flag *(SP flag) ")"`, pushed onto `flags`.
#[inline(always)]
fn read_flags<'a>(mut i: Span<'a>, flags: &mut Vec<Flag>) -> Result<Span<'a>, nom::Err<PErr<'a>>> {
    loop {
        if i.as_slice().first() == Some(&b')') {
            return Ok(i.take_from(1));
        }
        let Some((len, flag)) = flag_at(i) else {
            return Err(PErr::syntax(i, "flag"));
        };
        flags.push(flag);
        i = skip_spaces(i.take_from(len));
    }
}

/// Skips any number of spaces.
#[inline(always)]
fn skip_spaces(mut i: Span<'_>) -> Span<'_> {
    while i.as_slice().first() == Some(&b' ') {
        i = i.take_from(1);
    }
    i
}

/// The spaces in `s` before its first `)` (all of them if it has none): how many items
/// follow the first in a list of atoms. Reads eight bytes at a time, finding `)` and
/// counting spaces in one pass.
pub(super) fn spaces_before_close(s: &[u8]) -> usize {
    const ONES: u64 = u64::from_le_bytes([0x01; 8]);
    let mut spaces = 0u64;
    let mut words = s.chunks_exact(8);
    for chunk in &mut words {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let word = u64::from_le_bytes(word);
        let close = bytes_equal(word, b')');
        let space = bytes_equal(word, b' ');
        if close != 0 {
            // Bits below the first `)` byte's high bit: the bytes before it.
            let before = (1u64 << close.trailing_zeros()) - 1;
            spaces += ((space & before) >> 7).wrapping_mul(ONES) >> 56;
            return spaces as usize;
        }
        // One bit a space, at the bottom of its byte; the product sums them in the top byte.
        spaces += (space >> 7).wrapping_mul(ONES) >> 56;
    }
    for &b in words.remainder() {
        if b == b')' {
            break;
        }
        spaces += u64::from(b == b' ');
    }
    spaces as usize
}

/// The bytes of `word` equal to `byte`: the high bit of each such byte set, every other bit
/// clear (exact, unlike the cheaper test that may flag a byte after a match).
#[inline(always)]
fn bytes_equal(word: u64, byte: u8) -> u64 {
    const LOW7: u64 = u64::from_le_bytes([0x7f; 8]);
    let x = word ^ u64::from_le_bytes([byte; 8]);
    !((x & LOW7).wrapping_add(LOW7) | x | LOW7)
}

#[cfg(test)]
mod spaces_before_close_tests {
    use super::spaces_before_close;

    /// The word-at-a-time count gives what a byte loop gives, wherever the `)` and the
    /// spaces fall relative to the eight-byte words, with bytes that differ from `)` and
    /// space in one bit (`(`, `!`, `\xa0`, `\xa9`) around them.
    #[test]
    fn matches_the_byte_loop() {
        let by_bytes = |s: &[u8]| {
            s.iter()
                .take_while(|&&b| b != b')')
                .filter(|&&b| b == b' ')
                .count()
        };
        let fillers = [b'a', b'(', b'!', 0xa0, 0xa9, b'\\'];
        for len in 0..26 {
            for close in 0..=len {
                for filler in fillers {
                    for stride in 1..5 {
                        let mut s: Vec<u8> = (0..len)
                            .map(|k| if k % stride == 0 { b' ' } else { filler })
                            .collect();
                        if close < len {
                            s[close] = b')';
                        }
                        assert_eq!(spaces_before_close(&s), by_bytes(&s), "{s:?}");
                    }
                }
            }
        }
    }
}

/// `seq-number = nz-number / "*"`; `*` reads as `u32::MAX` (the largest value in use).
fn seq_number(i: Span<'_>) -> PResult<'_, u32> {
    if i.as_slice().first() == Some(&b'*') {
        return Ok((i.take_from(1), u32::MAX));
    }
    nz_number(i)
}

/// `sequence-set = (seq-number / seq-range) ["," sequence-set]`, used for the sets servers
/// send: `uid-set` in COPYUID/APPENDUID, `known-uids` in VANISHED, ESEARCH `ALL`, MODIFIED.
///
/// Walks the bytes with an index and reads each number with [`plain_seq_number`]: a set
/// of hundreds of ranges (ESEARCH `ALL`, VANISHED) cost over a hundred instructions a
/// number when each went through a `Span` and a `Result`. Anything else is handed to
/// [`seq_number`], which reads it or reports the error as before.
///
/// The vector is sized once, by the commas before the set's end (a set holds no space, CR
/// or `]`): a set of hundreds of ranges grew by doubling, and a buffered response kept up
/// to twice the room it needed.
pub fn sequence_set(i: Span<'_>) -> PResult<'_, Vec<UidRange>> {
    let s = i.as_slice();
    let end = memchr::memchr3(b' ', b'\r', b']', s).unwrap_or(s.len());
    let mut ranges = Vec::with_capacity(memchr::memchr_iter(b',', &s[..end]).count() + 1);
    let mut at = 0;
    loop {
        let (n, a) = seq_number_at(i, s, at)?;
        at += n;
        let b = if s.get(at) == Some(&b':') {
            let (n, b) = seq_number_at(i, s, at + 1)?;
            at += 1 + n;
            b
        } else {
            a
        };
        ranges.push(UidRange::new(a, b));
        if s.get(at) == Some(&b',') {
            at += 1;
        } else {
            return Ok((i.with_rest(&s[at..]), ranges));
        }
    }
}

/// The `seq-number` at `s[at..]` (`s` is the rest of `i`): its length and value.
#[inline(always)]
fn seq_number_at<'a>(i: Span<'a>, s: &'a [u8], at: usize) -> Result<(usize, u32), nom::Err<PErr<'a>>> {
    let rest = &s[at..];
    match plain_seq_number(rest) {
        Some(read) => Ok(read),
        None => seq_number_len(i.with_rest(rest)),
    }
}

/// [`seq_number`] at `from`, giving the length read instead of the position after it.
#[cold]
#[inline(never)]
fn seq_number_len(from: Span<'_>) -> Result<(usize, u32), nom::Err<PErr<'_>>> {
    let (after, value) = seq_number(from)?;
    Ok((after.offset_in_frame() - from.offset_in_frame(), value))
}

/// `*`, or a non-zero number of at most 19 digits that fits in 32 bits: its length and
/// value. `None` for anything else, which [`seq_number`] reads or rejects.
#[inline(always)]
fn plain_seq_number(s: &[u8]) -> Option<(usize, u32)> {
    if s.first() == Some(&b'*') {
        return Some((1, u32::MAX));
    }
    let (n, value) = digit_run(s)?;
    let value = u32::try_from(value).ok().filter(|&v| v != 0)?;
    Some((n, value))
}

/// Parses `count` space-separated items with `item` after a leading SP each:
/// `*(SP item)`. Stops (without error) at the first position where `SP item` doesn't match.
pub fn many_sp<'a, T>(
    mut i: Span<'a>,
    mut item: impl Parser<Span<'a>, Output = T, Error = PErr<'a>>,
) -> PResult<'a, Vec<T>> {
    let mut out = Vec::new();
    loop {
        let Ok((after_sp, ())) = sp(i) else {
            return Ok((i, out));
        };
        match item.parse(after_sp) {
            Ok((rest, value)) => {
                out.push(value);
                i = rest;
            }
            Err(nom::Err::Error(_)) => return Ok((i, out)),
            Err(e) => return Err(e),
        }
    }
}

/// `"(" [item *(SP item)] ")"`: a parenthesised, space-separated list. Lenient about
/// doubled spaces.
pub fn paren_list<'a, T>(
    i: Span<'a>,
    item: impl Parser<Span<'a>, Output = T, Error = PErr<'a>>,
) -> PResult<'a, Vec<T>> {
    paren_list_sized(i, |_| 0, item)
}

/// [`paren_list`] with its vector sized first by `room`, given the bytes after `(`: for
/// lists whose length the bytes tell (a buffered response keeps the vector, so room it
/// grew into and did not use is kept too).
pub(super) fn paren_list_sized<'a, T>(
    i: Span<'a>,
    room: impl FnOnce(&[u8]) -> usize,
    mut item: impl Parser<Span<'a>, Output = T, Error = PErr<'a>>,
) -> PResult<'a, Vec<T>> {
    let (mut i, _) = byte(b'(')(i)?;
    let mut out = Vec::with_capacity(room(i.as_slice()));
    loop {
        while i.as_slice().first() == Some(&b' ') {
            i = i.take_from(1);
        }
        if i.as_slice().first() == Some(&b')') {
            return Ok((i.take_from(1), out));
        }
        let (rest, value) = item.parse(i)?;
        out.push(value);
        i = rest;
    }
}

/// Enforces the nesting limit: call on entry to every recursive rule with its depth.
#[inline]
pub fn check_depth(i: Span<'_>, depth: usize) -> Result<(), nom::Err<PErr<'_>>> {
    if depth > i.context().max_depth {
        Err(PErr::fatal(i, ParseErrorKind::TooDeep))
    } else {
        Ok(())
    }
}

/// Skips one value of any shape and returns its raw bytes: an atom-like token, a string (its
/// content), `NIL`, or a parenthesised/bracketed list (including the parentheses). Used to
/// keep unknown data (e.g. `X-GM-LABELS (...)`) instead of failing on it.
pub fn raw_value(i: Span<'_>, depth: usize) -> PResult<'_, Bytes> {
    check_depth(i, depth)?;
    match i.as_slice().first() {
        Some(b'"' | b'{' | b'~') => string(i),
        Some(b'(') => {
            let start = i;
            let (mut i, _) = byte(b'(')(i)?;
            loop {
                while i.as_slice().first() == Some(&b' ') {
                    i = i.take_from(1);
                }
                match i.as_slice().first() {
                    Some(b')') => {
                        let end = i.take_from(1);
                        let consumed = start.input_len() - end.input_len();
                        return Ok((end, start.take(consumed).to_bytes()));
                    }
                    None | Some(b'\r' | b'\n') => return Err(PErr::syntax(i, "raw list")),
                    _ => {
                        let (rest, _) = raw_value(i, depth + 1)?;
                        i = rest;
                    }
                }
            }
        }
        _ => {
            // Any run of non-space, non-paren bytes (atoms, numbers, `\Flags`, `BODY[1]<0>`).
            let (rest, matched) = take_while1(
                i,
                |b| !matches!(b, b' ' | b'(' | b')' | b'\r' | b'\n') && b != 0,
                "raw value",
            )?;
            // `BODY[HEADER.FIELDS (A B)]` holds a space inside brackets: keep them together.
            if matched.as_slice().contains(&b'[') && !matched.as_slice().contains(&b']') {
                let s = i.as_slice();
                if let Some(close) = memchr::memchr(b']', s) {
                    let (rest, _) = take_while1(
                        i.take_from(close + 1),
                        |b| !matches!(b, b' ' | b'(' | b')' | b'\r' | b'\n'),
                        "raw value",
                    )
                    .unwrap_or((i.take_from(close + 1), i.take(0)));
                    let consumed = i.input_len() - rest.input_len();
                    return Ok((rest, i.take(consumed).to_bytes()));
                }
            }
            Ok((rest, matched.to_bytes()))
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::parse::input::FrameContext;

    /// Runs `parser` over `input` and returns its value and the unparsed rest.
    pub(crate) fn run<T>(
        input: &[u8],
        parser: impl for<'a> Fn(Span<'a>) -> PResult<'a, T>,
    ) -> Result<(T, Vec<u8>), crate::parse::ParseError> {
        let ctx = FrameContext {
            frame: Bytes::copy_from_slice(input),
            max_depth: 16,
            names: Default::default(),
        };
        match parser(Span::new(&ctx)) {
            Ok((rest, v)) => Ok((v, rest.as_slice().to_vec())),
            Err(nom::Err::Error(e) | nom::Err::Failure(e)) => Err(e.into_public()),
            Err(nom::Err::Incomplete(_)) => unreachable!("complete parsers only"),
        }
    }

    fn ok<T>(input: &str, parser: impl for<'a> Fn(Span<'a>) -> PResult<'a, T>) -> (T, String) {
        let (v, rest) = run(input.as_bytes(), parser).expect(input);
        (v, String::from_utf8(rest).unwrap())
    }

    #[test]
    fn numbers() {
        assert_eq!(ok("123 x", number), (123, " x".into()));
        assert_eq!(ok("4294967295", number).0, u32::MAX);
        assert_eq!(
            run(b"4294967296", number).unwrap_err().kind,
            ParseErrorKind::NumberOverflow
        );
        assert_eq!(ok("18446744073709551615", number64).0, u64::MAX);
        assert!(run(b"18446744073709551616", number64).is_err());
        assert!(run(b"0", nz_number).is_err());
        assert!(run(b"x", number).is_err());
    }

    /// The digit run the slow way, for comparison.
    fn naive_digit_run(s: &[u8]) -> Option<(usize, u64)> {
        let n = s.iter().take_while(|b| b.is_ascii_digit()).count();
        if n > 19 {
            return None;
        }
        let value = s[..n]
            .iter()
            .fold(0u64, |v, d| v * 10 + u64::from(d - b'0'));
        Some((n, value))
    }

    #[test]
    fn system_flags_match_the_flag_table() {
        let names = [
            "Seen",
            "seen",
            "SEEN",
            "sEeN",
            "Draft",
            "Recent",
            "Flagged",
            "Deleted",
            "Answered",
            "answered",
            "Seen1",
            "See",
            "Seem",
            "Drafts",
            "Flaged",
            "Deleted_",
            "Answere",
            "S\x13EN",
            "\x13EEN",
            "Junk",
            "*",
            "",
            "X-Seen",
            "Answered1",
            "Recently",
        ];
        // What `flag_at` did before: the atom, then its name looked up in the table. Each
        // name alone, and followed by more input (the eight-byte window reads past it).
        let classify = |name: &[u8]| {
            let n = atom_len(name);
            let expected = Flag::system(&name[..n])
                .filter(|flag| *flag != Flag::MayCreate)
                .map(|flag| (n, flag));
            assert_eq!(system_flag(name), expected, "{name:?}");
            for after in [&b" \\Seen)\r\n"[..], b")", b"x", b"]"] {
                let mut longer = name.to_vec();
                longer.extend_from_slice(after);
                let n = atom_len(&longer);
                let expected = Flag::system(&longer[..n])
                    .filter(|flag| *flag != Flag::MayCreate)
                    .map(|flag| (n, flag));
                assert_eq!(system_flag(&longer), expected, "{longer:?}");
            }
        };
        for name in names {
            classify(name.as_bytes());
        }
        // Every byte in every position of every name of the table.
        for name in ["Seen", "Draft", "Recent", "Flagged", "Deleted", "Answered"] {
            for at in 0..name.len() {
                for byte in 0..=255u8 {
                    let mut bytes = name.as_bytes().to_vec();
                    bytes[at] = byte;
                    classify(&bytes);
                }
            }
        }
    }

    #[test]
    fn atom_len_matches_the_byte_loop() {
        let by_bytes = |s: &[u8]| s.iter().take_while(|&&b| is_atom_char(b)).count();
        for len in 0..12 {
            for at in 0..=len {
                for byte in 0..=255u8 {
                    let mut s = vec![b'a'; len];
                    if at < len {
                        s[at] = byte;
                    }
                    assert_eq!(atom_len(&s), by_bytes(&s), "{s:?}");
                }
            }
        }
    }

    #[test]
    fn digit_runs_match_the_byte_loop() {
        let mut cases: Vec<Vec<u8>> = vec![
            b"".to_vec(),
            b"x".to_vec(),
            b"0".to_vec(),
            b"7 ".to_vec(),
            b"12345678".to_vec(),
            b"123456789".to_vec(),
            b"1234567890123456789".to_vec(),
            b"12345678901234567890".to_vec(),
            b"9999999999999999999)".to_vec(),
            b"00000000000000000001".to_vec(),
            b"4294967295 4294967296".to_vec(),
            b"18446744073709551615".to_vec(),
            b"123/456".to_vec(),
            b"123:456".to_vec(),
            b"12\xff34567".to_vec(),
            b"1\x00".to_vec(),
            b"55555555\xfa\xfa\xfa".to_vec(),
        ];
        // Every byte value right after runs of every length up to 20 digits.
        for len in 0..=20 {
            for next in 0..=255u8 {
                let mut case: Vec<u8> = (0..len).map(|k| b'1' + (k % 9) as u8).collect();
                case.push(next);
                case.extend_from_slice(b"123456789");
                cases.push(case.clone());
                case.truncate(len + 1);
                cases.push(case);
            }
        }
        for case in &cases {
            assert_eq!(digit_run(case), naive_digit_run(case), "{case:?}");
        }
    }

    #[test]
    fn strings_known_answers() {
        assert_eq!(
            ok("\"a b\" rest", quoted),
            (Bytes::from_static(b"a b"), " rest".into())
        );
        assert_eq!(ok(r#""a\"b\\c""#, quoted).0, Bytes::from_static(b"a\"b\\c"));
        assert_eq!(ok("\"caf\u{e9}\"", quoted).0, Bytes::from("caf\u{e9}"));
        assert!(run(b"\"unterminated", quoted).is_err());
        assert!(run(b"\"a\\x\"", quoted).is_err());
        assert_eq!(
            ok("{5}\r\nab\r\ncX", literal),
            (Bytes::from_static(b"ab\r\nc"), "X".into())
        );
        assert_eq!(ok("{0}\r\n", literal).0, Bytes::new());
        assert_eq!(
            ok("~{3}\r\n\0\x01\x02", literal).0,
            Bytes::from_static(b"\0\x01\x02")
        );
        assert_eq!(
            run(b"{10}\r\nshort", literal).unwrap_err().kind,
            ParseErrorKind::TruncatedLiteral
        );
        assert_eq!(ok("NIL)", nstring), (None, ")".into()));
        assert_eq!(ok("nil", nstring).0, None);
        assert!(run(b"NILS", nstring).is_err());
        assert_eq!(ok("INBOX]", astring).0, Bytes::from_static(b"INBOX]"));
        assert_eq!(ok("~/Mail x", astring).0, Bytes::from_static(b"~/Mail"));
        assert_eq!(
            ok("foo bar", atom),
            (Bytes::from_static(b"foo"), " bar".into())
        );
    }

    #[test]
    fn strings_are_zero_copy_slices() {
        let ctx = FrameContext {
            frame: Bytes::from_static(b"\"hello\" {3}\r\nabc"),
            max_depth: 4,
            names: Default::default(),
        };
        let (rest, q) = quoted(Span::new(&ctx)).unwrap();
        let (_, l) = literal(rest.take_from(1)).unwrap();
        let base = ctx.frame.as_ptr() as usize;
        assert_eq!(q.as_ptr() as usize, base + 1);
        assert_eq!(l.as_ptr() as usize, base + 13);
    }

    #[test]
    fn flags() {
        let (flags, _) = ok(r"(\Seen  $Junk \* \X-Y)", flag_list);
        assert_eq!(
            flags,
            vec![
                Flag::Seen,
                Flag::keyword("$Junk"),
                Flag::MayCreate,
                Flag::Extension(Bytes::from_static(b"X-Y"))
            ]
        );
        assert_eq!(ok("()", flag_list).0, vec![]);
    }

    #[test]
    fn unescaping_replaces_each_escape_by_the_byte_it_quotes() {
        let unescape = |raw: &[u8]| {
            let mut out = b"kept ".to_vec();
            unescape_into(raw, &mut out);
            out
        };
        assert_eq!(unescape(b"plain"), b"kept plain");
        assert_eq!(unescape(br#"a \"b\" c"#), br#"kept a "b" c"#);
        assert_eq!(unescape(br"C:\\temp\\x"), br"kept C:\temp\x");
        assert_eq!(unescape(b"\\\\\\\""), b"kept \\\"");
        assert_eq!(unescape(br"end\"), b"kept end");
        assert_eq!(unescape(b""), b"kept ");
    }

    #[test]
    fn a_long_flag_list_is_sized_exactly() {
        let names: Vec<String> = (0..37).map(|n| format!("$label{n}")).collect();
        let text = format!("(\\Seen {}  \\Flagged)", names.join(" "));
        let (flags, _) = ok(&text, flag_list);
        assert_eq!(flags.len(), 39);
        assert_eq!(flags[38], Flag::Flagged);
        assert_eq!(flags.capacity(), 39, "sized exactly");
    }

    #[test]
    fn flag_names_are_slices_of_the_frame() {
        let ctx = FrameContext {
            frame: Bytes::from_static(b"(\\X-Y $Junk \\seen)"),
            max_depth: 4,
            names: Default::default(),
        };
        let (_, flags) = flag_list(Span::new(&ctx)).expect("flag list");
        let base = ctx.frame.as_ptr() as usize;
        let [
            Flag::Extension(extension),
            Flag::Keyword(keyword),
            Flag::Seen,
        ] = &flags[..]
        else {
            panic!("unexpected flags {flags:?}");
        };
        assert_eq!(
            (&extension[..], extension.as_ptr() as usize),
            (&b"X-Y"[..], base + 2)
        );
        assert_eq!(
            (&keyword[..], keyword.as_ptr() as usize),
            (&b"$Junk"[..], base + 6)
        );
    }

    #[test]
    fn sequence_sets() {
        assert_eq!(
            ok("1:3,7,9:8 x", sequence_set).0,
            vec![
                UidRange::new(1, 3),
                UidRange::single(7),
                UidRange::new(8, 9)
            ]
        );
        assert_eq!(ok("5:*", sequence_set).0, vec![UidRange::new(5, u32::MAX)]);
        assert!(run(b"0", sequence_set).is_err());
        // Sized once, exactly, wherever the set ends.
        for set in ["1:3,7,9:8 x", "1,2,3\r\n", "304,319:320]", "5"] {
            let ranges = ok(set, sequence_set).0;
            assert_eq!(ranges.capacity(), ranges.len(), "{set:?}");
        }
    }

    /// The indexed walk of [`sequence_set`] against a walk of [`seq_number`] over `Span`s
    /// (how it was read before): same ranges, same rest, same errors and offsets.
    #[test]
    fn sequence_sets_read_as_seq_number_reads_them() {
        fn by_span(i: Span<'_>) -> PResult<'_, Vec<UidRange>> {
            let mut ranges = Vec::new();
            let mut i = i;
            loop {
                let (rest, a) = seq_number(i)?;
                let (rest, b) = if rest.as_slice().first() == Some(&b':') {
                    seq_number(rest.take_from(1))?
                } else {
                    (rest, a)
                };
                ranges.push(UidRange::new(a, b));
                if rest.as_slice().first() == Some(&b',') {
                    i = rest.take_from(1);
                } else {
                    return Ok((rest, ranges));
                }
            }
        }
        let sets = [
            "1", "1:3,7,9:8 x", "*", "*:4", "5:*,*", "0", "1:0", "0:1", "1,0", "1,", "1:", ",1",
            ":1", "", "x", "1,,2", "4294967295", "4294967296", "1:4294967296",
            "99999999999999999999", "12345678901234567890123", "007", "1 2", "1:2:3",
            "3,1:2)", "123456789,1",
        ];
        for set in sets {
            assert_eq!(run(set.as_bytes(), sequence_set), run(set.as_bytes(), by_span), "{set:?}");
        }
    }

    #[test]
    fn raw_values_and_depth() {
        assert_eq!(ok("(\"a\" (b) {1}\r\nx) z", |i| raw_value(i, 0)).1, " z");
        assert_eq!(
            ok("BODY[HEADER.FIELDS (A B)]<0> z", |i| raw_value(i, 0)).1,
            " z"
        );
        let deep = format!("{}{}", "(".repeat(40), ")".repeat(40));
        assert_eq!(
            run(deep.as_bytes(), |i| raw_value(i, 0)).unwrap_err().kind,
            ParseErrorKind::TooDeep
        );
    }

    #[test]
    fn text_trims_trailing_spaces() {
        assert_eq!(
            ok("hello world  \r\n", text),
            (Bytes::from_static(b"hello world"), "\r\n".into())
        );
        assert_eq!(ok("\r\n", text).0, Bytes::new());
    }
}
