//! Top-level server responses (RFC 9051 §7 and §9): the greeting, tagged completions,
//! continuation requests, `resp-text` with every response code of [`ResponseCode`], and the
//! dispatcher that hands untagged data to the parser of its family.
//!
//! The dispatcher reads the keyword after `* ` (or after `* n `) once, upper-cases it into a
//! small buffer and switches on it, so no alternative is ever tried and backtracked over.
//!
//! Lenient readings, each recorded with the servers that need it in `docs/quirks.md`
//! ("Non-FETCH responses"):
//! - a status without text (`* OK`, `A1 OK`, `A1 OK ` and `[CODE]` with nothing after it);
//! - spaces before the final CRLF;
//! - continuation requests with any text or none (`+`, `+ `, `+ OK`, `+ go ahead`);
//! - an unknown response code becomes [`ResponseCode::Other`], and so does a known code whose
//!   arguments are malformed: the raw value is kept instead of failing the whole response;
//! - an unknown untagged keyword becomes [`Untagged::Other`] with the raw line.

use bytes::Bytes;
use nom::Input;

use super::core::{
    atom_slice, byte, crlf, digit_run, flag_list, is_atom_char, keyword, number, number64,
    nz_number, paren_list, quoted, sequence_set, sp, tag, text,
};
use super::error::{PErr, PResult, ParseErrorKind};
use super::input::Span;
use super::{acl, capability, mailbox, metadata, quota, search};
use crate::types::{
    Continuation, FetchResponse, MetadataCode, Response, ResponseCode, SimpleCode, StatusKind,
    StatusResponse, Tagged, UidRange, Untagged,
};

/// Room for the longest keyword any dispatcher compares (`NOTIFICATIONOVERFLOW`, 20 bytes).
pub(crate) const KEYWORD_MAX: usize = 24;

/// Upper-cases a keyword into `buf` so one `match` can compare it case-insensitively
/// (RFC 9051 §9 note 1). A word longer than any known keyword comes back empty, which
/// matches no arm.
pub(crate) fn upper_keyword<'b>(word: &[u8], buf: &'b mut [u8; KEYWORD_MAX]) -> &'b [u8] {
    let Some(out) = buf.get_mut(..word.len()) else {
        return &[];
    };
    // One pass, byte by byte: a copy then an upper-casing pass was a `memcpy` call (the
    // length varies) for every keyword of every untagged response and response code.
    for (to, &from) in out.iter_mut().zip(word) {
        *to = from.to_ascii_uppercase();
    }
    out
}

/// `CRLF` that ends a response, after any spaces (quirk: several servers pad the line
/// before the CRLF, e.g. `* SEARCH 1 2 \r\n`).
pub fn line_end(i: Span<'_>) -> PResult<'_, ()> {
    let spaces = i.as_slice().iter().take_while(|&&b| b == b' ').count();
    crlf(i.take_from(spaces))
}

/// `parsed`'s value, then [`line_end`]. Matched rather than chained with `?`, which moved
/// the whole value (an `Untagged` is 168 bytes) once more per response, and the frame's own
/// CRLF, when it is all that is left (nearly always), taken in place without the call.
#[inline(always)]
fn then_line_end<T>(parsed: PResult<'_, T>) -> PResult<'_, T> {
    match parsed {
        Ok((rest, value)) if rest.as_slice() == b"\r\n" => Ok((rest.take_from(2), value)),
        Ok((rest, value)) => match line_end(rest) {
            Ok((rest, ())) => Ok((rest, value)),
            Err(error) => Err(error),
        },
        Err(error) => Err(error),
    }
}

/// Skips the spaces at `i`.
fn skip_spaces(i: Span<'_>) -> Span<'_> {
    let spaces = i.as_slice().iter().take_while(|&&b| b == b' ').count();
    i.take_from(spaces)
}

/// True at the end of the line: CR, LF or the end of the input.
pub(crate) fn at_line_end(i: Span<'_>) -> bool {
    matches!(i.as_slice().first(), None | Some(b'\r' | b'\n'))
}

/// The size a line announces for the literal that follows it (`{n}`, `{n+}` or `~{n}` as the
/// last bytes before CRLF), if it announces one.
fn announced_literal(line: &[u8]) -> Option<usize> {
    let body = line.strip_suffix(b"}")?;
    let body = body.strip_suffix(b"+").unwrap_or(body);
    let digits = body.iter().rev().take_while(|b| b.is_ascii_digit()).count();
    if digits == 0 || !body[..body.len() - digits].ends_with(b"{") {
        return None;
    }
    body[body.len() - digits..]
        .iter()
        .try_fold(0usize, |acc, &d| {
            acc.checked_mul(10)?.checked_add(usize::from(d - b'0'))
        })
}

/// Everything from `i` up to the CRLF that ends this response, stepping over literals (their
/// contents may hold CRLFs). Returns the rest (at the CRLF) and the bytes skipped. Used to
/// keep unknown responses whole.
fn rest_of_response(i: Span<'_>) -> PResult<'_, Span<'_>> {
    let s = i.as_slice();
    let mut pos = 0;
    loop {
        let Some(found) = s.get(pos..).and_then(|tail| memchr::memchr(b'\n', tail)) else {
            return Err(PErr::syntax(i.take_from(s.len()), "CRLF"));
        };
        let newline = pos + found;
        let line_end = if newline > pos && s[newline - 1] == b'\r' {
            newline - 1
        } else {
            newline
        };
        match announced_literal(&s[pos..line_end]) {
            Some(len) => {
                pos = match (newline + 1).checked_add(len) {
                    Some(next) if next <= s.len() => next,
                    _ => return Err(PErr::fatal(i, ParseErrorKind::TruncatedLiteral)),
                };
            }
            None => return Ok(i.take_split(line_end)),
        }
    }
}

/// `response = continue-req / response-data / response-tagged` (RFC 9051 §9), one response
/// including its final CRLF. The input holds one framed response.
#[inline(always)]
pub fn response(i: Span<'_>) -> PResult<'_, Response> {
    match i.as_slice().first() {
        Some(b'+') => continue_req(i).map(|(rest, c)| (rest, Response::Continuation(c))),
        Some(b'*') => response_data(i).map(|(rest, u)| (rest, Response::Untagged(u))),
        _ => response_tagged(i).map(|(rest, t)| (rest, Response::Tagged(t))),
    }
}

/// The start of `"*" SP nz-number SP "FETCH" SP msg-att CRLF` (RFC 9051 §7.5.2), the
/// response servers send most: its sequence number and the position of its `msg-att`.
/// `None` when the response does not start like one (`* `, digits, ` FETCH ` in upper
/// case); [`response`] then reads it, and gives the same answer for every response that
/// [`fetch_response_into`] accepts.
#[inline(always)]
pub(crate) fn fetch_response_start(i: Span<'_>) -> Option<(Span<'_>, u32)> {
    let after_star = i.as_slice().strip_prefix(b"* ")?;
    let (digits, n) = digit_run(after_star)?;
    let n = u32::try_from(n).ok().filter(|&n| digits > 0 && n > 0)?;
    if !after_star.get(digits..)?.starts_with(b" FETCH ") {
        return None;
    }
    Some((i.take_from(2 + digits + 7), n))
}

/// The `msg-att CRLF` of a FETCH response ([`fetch_response_start`]) into `fetch`, which
/// the caller moves once, into the `Response` it returns.
#[inline(always)]
pub(crate) fn fetch_response_into<'a>(
    msg_att: Span<'a>,
    fetch: &mut FetchResponse,
) -> PResult<'a, ()> {
    // Matched rather than `map` with a closure: the closure was a call of its own for
    // every FETCH (about 50 instructions with its entry and exit).
    match super::fetch::msg_att_into(msg_att, fetch) {
        Ok(rest) => then_line_end(Ok((rest, ()))),
        Err(error) => Err(error),
    }
}

/// `greeting = "*" SP (resp-cond-auth / resp-cond-bye) CRLF` (RFC 9051 §7.1.4, §7.1.5): the
/// first thing a server sends. Only OK, PREAUTH and BYE are greetings.
pub fn greeting(i: Span<'_>) -> PResult<'_, StatusResponse> {
    let (i, _) = byte(b'*')(i)?;
    let (i, _) = sp(i)?;
    let (i, status) = resp_cond(i, "greeting", |k| {
        matches!(k, StatusKind::Ok | StatusKind::PreAuth | StatusKind::Bye)
    })?;
    let (i, _) = line_end(i)?;
    Ok((i, status))
}

/// `response-tagged = tag SP resp-cond-state CRLF` (RFC 9051 §7.1): the completion of the
/// command with that tag.
pub fn response_tagged(i: Span<'_>) -> PResult<'_, Tagged> {
    let (i, tag) = tag(i)?;
    let (i, _) = sp(i)?;
    match then_line_end(resp_cond_state(i)) {
        Ok((rest, status)) => Ok((rest, Tagged { tag, status })),
        Err(error) => Err(error),
    }
}

/// `continue-req = "+" SP (resp-text / base64) CRLF` (RFC 9051 §7.6).
///
/// Lenient: `+` with no SP and `+ ` with nothing after it are empty requests (Dovecot and
/// Cyrus send `+ ` for SASL). The text is kept whole, since only the command in flight
/// knows whether it is base64; a leading `[code]` is also decoded.
pub fn continue_req(i: Span<'_>) -> PResult<'_, Continuation> {
    let (i, _) = byte(b'+')(i)?;
    let (i, (code, text)) = sp_resp_text(i)?;
    let (i, _) = line_end(i)?;
    Ok((i, Continuation { code, text }))
}

/// `response-data = "*" SP (resp-cond-state / resp-cond-bye / mailbox-data / message-data /
/// capability-data / enable-data) CRLF` (RFC 9051 §9), plus the data responses of the
/// extensions (ID, NAMESPACE, ESEARCH, SORT, THREAD, VANISHED, QUOTA, ACL, METADATA).
///
/// Unknown keywords become [`Untagged::Other`] with the raw line.
#[inline(always)]
pub fn response_data(i: Span<'_>) -> PResult<'_, Untagged> {
    let start = i;
    let (i, _) = byte(b'*')(i)?;
    let (i, _) = sp(i)?;
    let parsed = match i.as_slice().first() {
        Some(b) if b.is_ascii_digit() => message_data(start, i),
        // Quirk: Exchange 2013 sends `* [COPYUID 52 86 1146]` without the OK
        // (domainaware/parsedmarc#80, ruby/net-imap#250): read as `* OK [...]`.
        Some(b'[') => resp_text(i).map(|(rest, (code, text))| {
            let status = StatusResponse {
                kind: StatusKind::Ok,
                code,
                text,
            };
            (rest, Untagged::Status(status))
        }),
        _ => keyword_data(start, i),
    };
    then_line_end(parsed)
}

/// An untagged response kept raw: `keyword` names it, `raw` is the whole response from
/// `start` (the `*`) up to its final CRLF.
fn other_untagged<'a>(start: Span<'a>, keyword: Span<'a>) -> PResult<'a, Untagged> {
    let (rest, raw) = rest_of_response(start)?;
    Ok((
        rest,
        Untagged::Other {
            keyword: keyword.to_bytes(),
            raw: raw.to_bytes(),
        },
    ))
}

/// The untagged responses that start with a keyword: switches once on the keyword and runs
/// the one parser for it. `i` is at the keyword.
fn keyword_data<'a>(start: Span<'a>, i: Span<'a>) -> PResult<'a, Untagged> {
    let (_, word) = atom_slice(i)?;
    let mut buf = [0u8; KEYWORD_MAX];
    match upper_keyword(word, &mut buf) {
        b"OK" | b"NO" | b"BAD" | b"PREAUTH" | b"BYE" => {
            let (rest, status) = resp_cond(i, "resp-cond", |_| true)?;
            Ok((rest, Untagged::Status(status)))
        }
        b"CAPABILITY" => {
            let (rest, caps) = capability::capability_data(i)?;
            Ok((rest, Untagged::Capability(caps)))
        }
        b"ENABLED" => {
            let (rest, caps) = capability::enable_data(i)?;
            Ok((rest, Untagged::Enabled(caps)))
        }
        b"ID" => {
            let (rest, params) = mailbox::id_response(i)?;
            Ok((rest, Untagged::Id(params)))
        }
        b"NAMESPACE" => {
            let (rest, ns) = mailbox::namespace_response(i)?;
            Ok((rest, Untagged::Namespace(ns)))
        }
        b"LIST" => {
            let (rest, info) = mailbox::mailbox_data_list(i)?;
            Ok((rest, Untagged::List(info)))
        }
        b"LSUB" => {
            let (rest, info) = mailbox::mailbox_data_lsub(i)?;
            Ok((rest, Untagged::Lsub(info)))
        }
        b"STATUS" => {
            let (rest, status) = mailbox::mailbox_data_status(i)?;
            Ok((rest, Untagged::MailboxStatus(status)))
        }
        b"FLAGS" => {
            let (rest, flags) = mailbox_data_flags(i)?;
            Ok((rest, Untagged::Flags(flags)))
        }
        b"SEARCH" => {
            let (rest, (numbers, modseq)) = search::obsolete_search_response(i)?;
            Ok((rest, Untagged::Search { numbers, modseq }))
        }
        b"ESEARCH" => {
            let (rest, es) = search::esearch_response(i)?;
            Ok((rest, Untagged::Esearch(es)))
        }
        b"SORT" => {
            let (rest, (numbers, modseq)) = search::sort_data(i)?;
            Ok((rest, Untagged::Sort { numbers, modseq }))
        }
        b"THREAD" => {
            let (rest, threads) = search::thread_data(i)?;
            Ok((rest, Untagged::Thread(threads)))
        }
        b"VANISHED" => {
            let (rest, (earlier, uids)) = expunged_resp(i)?;
            Ok((rest, Untagged::Vanished { earlier, uids }))
        }
        b"QUOTA" => {
            let (rest, q) = quota::quota_response(i)?;
            Ok((rest, Untagged::Quota(q)))
        }
        b"QUOTAROOT" => {
            let (rest, q) = quota::quotaroot_response(i)?;
            Ok((rest, Untagged::QuotaRoot(q)))
        }
        b"ACL" => {
            let (rest, acl) = acl::acl_data(i)?;
            Ok((rest, Untagged::Acl(acl)))
        }
        b"LISTRIGHTS" => {
            let (rest, lr) = acl::listrights_data(i)?;
            Ok((rest, Untagged::ListRights(lr)))
        }
        b"MYRIGHTS" => {
            let (rest, mr) = acl::myrights_data(i)?;
            Ok((rest, Untagged::MyRights(mr)))
        }
        b"METADATA" => {
            let (rest, md) = metadata::metadata_resp(i)?;
            Ok((rest, Untagged::Metadata(md)))
        }
        _ => other_untagged(start, i.take(word.len())),
    }
}

/// The untagged responses that start with a number: `mailbox-data =/ number SP "EXISTS" /
/// number SP "RECENT"` and `message-data = nz-number SP ("EXPUNGE" / ("FETCH" SP msg-att))`
/// (RFC 9051 §7.4.1, §7.5.1, §7.5.2; `RECENT` from RFC 3501 §7.3.2). `i` is at the number.
#[inline(always)]
fn message_data<'a>(start: Span<'a>, i: Span<'a>) -> PResult<'a, Untagged> {
    let (i, n) = match digit_run(i.as_slice()) {
        // At least one digit (the caller checked), few enough to need no overflow checks.
        Some((digits, value)) if digits > 0 => match u32::try_from(value) {
            Ok(n) => (i.take_from(digits), n),
            Err(_) => return Err(PErr::fatal(i, ParseErrorKind::NumberOverflow)),
        },
        _ => number(i)?,
    };
    let (i, _) = sp(i)?;
    // The common case first: `FETCH` in upper case, without the general keyword dispatch.
    if i.as_slice().starts_with(b"FETCH ") {
        if n == 0 {
            return Err(PErr::syntax(start, "nz-number"));
        }
        let (rest, fetch) = super::fetch::msg_att(i.take_from(6), n)?;
        return Ok((rest, Untagged::Fetch(fetch)));
    }
    let (after_keyword, word) = atom_slice(i)?;
    let mut buf = [0u8; KEYWORD_MAX];
    match upper_keyword(word, &mut buf) {
        b"EXISTS" => Ok((after_keyword, Untagged::Exists(n))),
        b"RECENT" => Ok((after_keyword, Untagged::Recent(n))),
        b"EXPUNGE" if n > 0 => Ok((after_keyword, Untagged::Expunge(n))),
        b"EXPUNGE" => Err(PErr::syntax(start, "nz-number")),
        // `nz-number SP "FETCH" SP msg-att` (RFC 9051 §7.5.2): see parse/fetch.rs.
        b"FETCH" => {
            if n == 0 {
                return Err(PErr::syntax(start, "nz-number"));
            }
            let (after_sp, _) = sp(after_keyword)?;
            let (rest, fetch) = super::fetch::msg_att(after_sp, n)?;
            Ok((rest, Untagged::Fetch(fetch)))
        }
        _ => other_untagged(start, i.take(word.len())),
    }
}

/// `mailbox-data =/ "FLAGS" SP flag-list` (RFC 9051 §7.3.5): the flags defined in the
/// selected mailbox.
pub fn mailbox_data_flags(i: Span<'_>) -> PResult<'_, Vec<crate::types::Flag>> {
    let (i, _) = keyword("FLAGS")(i)?;
    let (i, _) = sp(i)?;
    flag_list(i)
}

/// `expunged-resp = "VANISHED" [SP "(EARLIER)"] SP known-uids` (RFC 7162 §3.2.10): UIDs
/// expunged, as `(earlier, uids)`.
pub fn expunged_resp(i: Span<'_>) -> PResult<'_, (bool, Vec<UidRange>)> {
    let (i, _) = keyword("VANISHED")(i)?;
    let (i, _) = sp(i)?;
    let (i, earlier) = match keyword("(EARLIER)")(i) {
        Ok((rest, ())) => (sp(rest)?.0, true),
        Err(_) => (i, false),
    };
    let (i, uids) = sequence_set(i)?;
    Ok((i, (earlier, uids)))
}

/// The status word of a `resp-cond-*`: OK, NO, BAD, PREAUTH or BYE.
fn status_kind(i: Span<'_>) -> PResult<'_, StatusKind> {
    // The upper-case words servers send, compared in place: the general path copies the
    // word to upper-case it (a `memcpy` call), about 100 instructions a status response.
    let quick = match i.as_slice() {
        [b'O', b'K', after @ ..] => Some((2, StatusKind::Ok, after)),
        [b'N', b'O', after @ ..] => Some((2, StatusKind::No, after)),
        [b'B', b'A', b'D', after @ ..] => Some((3, StatusKind::Bad, after)),
        [b'B', b'Y', b'E', after @ ..] => Some((3, StatusKind::Bye, after)),
        _ => None,
    };
    if let Some((n, kind, after)) = quick
        && !after.first().is_some_and(|&b| is_atom_char(b))
    {
        return Ok((i.take_from(n), kind));
    }
    status_word(i)
}

/// [`status_kind`] in general: the atom, upper-cased, matched (any case, and PREAUTH).
fn status_word(i: Span<'_>) -> PResult<'_, StatusKind> {
    let (rest, word) = atom_slice(i)?;
    let mut buf = [0u8; KEYWORD_MAX];
    let kind = match upper_keyword(word, &mut buf) {
        b"OK" => StatusKind::Ok,
        b"NO" => StatusKind::No,
        b"BAD" => StatusKind::Bad,
        b"PREAUTH" => StatusKind::PreAuth,
        b"BYE" => StatusKind::Bye,
        _ => return Err(PErr::syntax(i, "status")),
    };
    Ok((rest, kind))
}

/// A status word accepted by `allowed`, then its (possibly missing) `SP resp-text`.
fn resp_cond<'a>(
    i: Span<'a>,
    rule: &'static str,
    allowed: impl Fn(StatusKind) -> bool,
) -> PResult<'a, StatusResponse> {
    let (rest, kind) = status_kind(i)?;
    if !allowed(kind) {
        return Err(PErr::syntax(i, rule));
    }
    let (rest, (code, text)) = sp_resp_text(rest)?;
    Ok((rest, StatusResponse { kind, code, text }))
}

/// `resp-cond-state = ("OK" / "NO" / "BAD") SP resp-text` (RFC 9051 §7.1).
/// Lenient: the `SP resp-text` may be missing.
pub fn resp_cond_state(i: Span<'_>) -> PResult<'_, StatusResponse> {
    resp_cond(i, "resp-cond-state", |k| {
        matches!(k, StatusKind::Ok | StatusKind::No | StatusKind::Bad)
    })
}

/// `resp-cond-auth = ("OK" / "PREAUTH") SP resp-text` (RFC 9051 §7.1.1, §7.1.4).
pub fn resp_cond_auth(i: Span<'_>) -> PResult<'_, StatusResponse> {
    resp_cond(i, "resp-cond-auth", |k| {
        matches!(k, StatusKind::Ok | StatusKind::PreAuth)
    })
}

/// `resp-cond-bye = "BYE" SP resp-text` (RFC 9051 §7.1.5).
pub fn resp_cond_bye(i: Span<'_>) -> PResult<'_, StatusResponse> {
    resp_cond(i, "resp-cond-bye", |k| k == StatusKind::Bye)
}

/// `SP resp-text`, where a missing SP at the end of the line means an empty text (quirk:
/// `* OK`, `A1 OK`, `+`).
fn sp_resp_text(i: Span<'_>) -> PResult<'_, (Option<ResponseCode>, Bytes)> {
    match i.as_slice().first() {
        Some(b' ') => resp_text(i.take_from(1)),
        None | Some(b'\r' | b'\n') => Ok((i, (None, Bytes::new()))),
        _ => Err(PErr::syntax(i, "SP")),
    }
}

/// `resp-text = ["[" resp-text-code "]" SP] [text]` (RFC 9051 §9).
///
/// Lenient: the SP after `]` may be missing when no text follows, and a `[` that does not
/// open a well-formed code (no closing `]` on the line) is read as text.
pub fn resp_text(i: Span<'_>) -> PResult<'_, (Option<ResponseCode>, Bytes)> {
    if i.as_slice().first() == Some(&b'[')
        && let Ok((after, code)) = bracketed_code(i)
    {
        let after = if after.as_slice().first() == Some(&b' ') {
            after.take_from(1)
        } else {
            after
        };
        let (rest, text) = text(after)?;
        return Ok((rest, (Some(code), text)));
    }
    let (rest, text) = text(i)?;
    Ok((rest, (None, text)))
}

/// `"[" resp-text-code "]"`
fn bracketed_code(i: Span<'_>) -> PResult<'_, ResponseCode> {
    let (i, _) = byte(b'[')(i)?;
    let (i, code) = resp_text_code(i)?;
    let (i, _) = byte(b']')(i)?;
    Ok((i, code))
}

/// `resp-text-code` (RFC 9051 §7.1 and §9, RFC 4315 §3, RFC 7162 §7, RFC 5530 §3,
/// RFC 5182 §2.1, RFC 4978 §4, RFC 8474 §4.1, RFC 4469 §5 / RFC 7889 §4, RFC 5464 §4.2.1,
/// §4.3, RFC 5465 §5.1, §5.8, RFC 6154 §6, RFC 2221 §4.1), ending before the closing `]`:
///
/// ```text
/// resp-text-code = "ALERT" / "BADCHARSET" [SP "(" charset *(SP charset) ")" ] /
///                  capability-data / "PARSE" / "PERMANENTFLAGS" SP "(" [flag-perm
///                  *(SP flag-perm)] ")" / "READ-ONLY" / "READ-WRITE" / "TRYCREATE" /
///                  "UIDNEXT" SP nz-number / "UIDVALIDITY" SP nz-number / ... /
///                  atom [SP 1*<any TEXT-CHAR except "]">]
/// ```
///
/// Lenient: a known code whose arguments do not parse (or that has arguments it should not
/// have) becomes [`ResponseCode::Other`] with its raw value instead of failing the response.
pub fn resp_text_code(i: Span<'_>) -> PResult<'_, ResponseCode> {
    let (after_name, name) = atom_slice(i)?;
    let mut buf = [0u8; KEYWORD_MAX];
    let upper = upper_keyword(name, &mut buf);
    if let Some(Ok((rest, code))) = known_code(upper, i, after_name) {
        let rest = skip_spaces(rest);
        if rest.as_slice().first() == Some(&b']') {
            return Ok((rest, code));
        }
    }
    other_code(i.take(name.len()), after_name)
}

/// `atom [SP 1*<any TEXT-CHAR except "]">]`: a code kept raw. `name` is the atom, `after`
/// the position after it; the value runs to the first `]` on the line.
fn other_code<'a>(name: Span<'a>, after: Span<'a>) -> PResult<'a, ResponseCode> {
    let s = after.as_slice();
    let line = &s[..memchr::memchr2(b'\r', b'\n', s).unwrap_or(s.len())];
    let Some(close) = memchr::memchr(b']', line) else {
        return Err(PErr::syntax(after, "resp-text-code"));
    };
    let value_start = usize::from(line.first() == Some(&b' '));
    let value = (close > value_start).then(|| {
        after
            .take_from(value_start)
            .take(close - value_start)
            .to_bytes()
    });
    Ok((
        after.take_from(close),
        ResponseCode::Other {
            name: name.to_bytes(),
            value,
        },
    ))
}

/// The typed parser for a known code name, run at `after` (just past the name; `at_name` for
/// `CAPABILITY`, whose rule includes its keyword). `None` for an unknown name.
fn known_code<'a>(
    upper: &[u8],
    at_name: Span<'a>,
    after: Span<'a>,
) -> Option<PResult<'a, ResponseCode>> {
    use ResponseCode as C;
    let bare = |code: ResponseCode| Some(Ok((after, code)));
    let simple = |code: SimpleCode| Some(Ok((after, C::Simple(code))));
    match upper {
        b"ALERT" => bare(C::Alert),
        b"PARSE" => bare(C::Parse),
        b"READ-ONLY" => bare(C::ReadOnly),
        b"READ-WRITE" => bare(C::ReadWrite),
        b"TRYCREATE" => bare(C::TryCreate),
        b"UIDNOTSTICKY" => bare(C::UidNotSticky),
        b"NOMODSEQ" => bare(C::NoModSeq),
        b"CLOSED" => bare(C::Closed),
        b"NOTSAVED" => bare(C::NotSaved),
        b"COMPRESSIONACTIVE" => bare(C::CompressionActive),
        b"TOOBIG" => bare(C::TooBig),
        b"NOTIFICATIONOVERFLOW" => bare(C::NotificationOverflow),
        b"USEATTR" => bare(C::UseAttr),
        b"BADCHARSET" => Some(code_badcharset(after)),
        b"CAPABILITY" => {
            Some(capability::capability_data(at_name).map(|(r, c)| (r, C::Capability(c))))
        }
        b"PERMANENTFLAGS" => {
            Some(sp_then(after, flag_list).map(|(r, f)| (r, C::PermanentFlags(f))))
        }
        b"UIDNEXT" => Some(sp_then(after, nz_number).map(|(r, n)| (r, C::UidNext(n)))),
        b"UIDVALIDITY" => Some(sp_then(after, nz_number).map(|(r, n)| (r, C::UidValidity(n)))),
        b"UNSEEN" => Some(sp_then(after, nz_number).map(|(r, n)| (r, C::Unseen(n)))),
        b"APPENDUID" => Some(resp_code_apnd(after)),
        b"COPYUID" => Some(resp_code_copy(after)),
        b"HIGHESTMODSEQ" => Some(sp_then(after, number64).map(|(r, n)| (r, C::HighestModSeq(n)))),
        b"MODIFIED" => Some(sp_then(after, sequence_set).map(|(r, s)| (r, C::Modified(s)))),
        b"MAILBOXID" => Some(
            sp_then(after, mailbox::parenthesized_objectid).map(|(r, id)| (r, C::MailboxId(id))),
        ),
        b"METADATA" => Some(code_metadata(after)),
        b"BADEVENT" => Some(
            sp_then(after, |j| paren_list(j, super::core::atom)).map(|(r, e)| (r, C::BadEvent(e))),
        ),
        b"REFERRAL" => Some(code_referral(after)),
        _ => SimpleCode::from_name(upper).and_then(simple),
    }
}

/// `SP` then `item`.
fn sp_then<'a, T>(i: Span<'a>, item: impl Fn(Span<'a>) -> PResult<'a, T>) -> PResult<'a, T> {
    let (i, _) = sp(i)?;
    item(i)
}

/// `"BADCHARSET" [SP "(" charset *(SP charset) ")"]`, `charset = atom / quoted`, after the
/// name (RFC 9051 §7.1).
fn code_badcharset(i: Span<'_>) -> PResult<'_, ResponseCode> {
    if i.as_slice().starts_with(b" (") {
        let (rest, charsets) = paren_list(i.take_from(1), charset)?;
        return Ok((rest, ResponseCode::BadCharset(charsets)));
    }
    Ok((i, ResponseCode::BadCharset(Vec::new())))
}

/// `charset = atom / quoted` (RFC 9051 §9).
pub fn charset(i: Span<'_>) -> PResult<'_, Bytes> {
    if i.as_slice().first() == Some(&b'"') {
        quoted(i)
    } else {
        super::core::atom(i)
    }
}

/// `resp-code-apnd = "APPENDUID" SP nz-number SP append-uid`, with `append-uid = uniqueid /
/// uid-set` for MULTIAPPEND (RFC 4315 §4, RFC 9051 §9), after the name.
fn resp_code_apnd(i: Span<'_>) -> PResult<'_, ResponseCode> {
    let (i, uid_validity) = sp_then(i, nz_number)?;
    let (i, uids) = sp_then(i, sequence_set)?;
    Ok((i, ResponseCode::AppendUid { uid_validity, uids }))
}

/// `resp-code-copy = "COPYUID" SP nz-number SP uid-set SP uid-set` (RFC 4315 §4), after the
/// name.
fn resp_code_copy(i: Span<'_>) -> PResult<'_, ResponseCode> {
    let (i, uid_validity) = sp_then(i, nz_number)?;
    let (i, source) = sp_then(i, sequence_set)?;
    let (i, destination) = sp_then(i, sequence_set)?;
    Ok((
        i,
        ResponseCode::CopyUid {
            uid_validity,
            source,
            destination,
        },
    ))
}

/// `"METADATA" SP "LONGENTRIES" SP number` and `"METADATA" SP ("MAXSIZE" SP number /
/// "TOOMANY" / "NOPRIVATE")` (RFC 5464 §5), after the name.
fn code_metadata(i: Span<'_>) -> PResult<'_, ResponseCode> {
    let (i, _) = sp(i)?;
    let (after, word) = atom_slice(i)?;
    let mut buf = [0u8; KEYWORD_MAX];
    let (rest, code) = match upper_keyword(word, &mut buf) {
        b"LONGENTRIES" => {
            let (rest, n) = sp_then(after, number64)?;
            (rest, MetadataCode::LongEntries(n))
        }
        b"MAXSIZE" => {
            let (rest, n) = sp_then(after, number64)?;
            (rest, MetadataCode::MaxSize(n))
        }
        b"TOOMANY" => (after, MetadataCode::TooMany),
        b"NOPRIVATE" => (after, MetadataCode::NoPrivate),
        _ => return Err(PErr::syntax(i, "metadata code")),
    };
    Ok((rest, ResponseCode::Metadata(code)))
}

/// `"REFERRAL" SP url` (RFC 2221 §4.1), after the name: the URL runs to the `]`.
fn code_referral(i: Span<'_>) -> PResult<'_, ResponseCode> {
    let (i, _) = sp(i)?;
    let s = i.as_slice();
    let len = s
        .iter()
        .take_while(|&&b| !matches!(b, b']' | b' ' | b'\r' | b'\n'))
        .count();
    if len == 0 {
        return Err(PErr::syntax(i, "url"));
    }
    let (rest, url) = i.take_split(len);
    Ok((rest, ResponseCode::Referral(url.to_bytes())))
}

#[cfg(test)]
#[path = "response_transcripts.rs"]
mod transcripts;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Limits;
    use crate::parse::core::tests::run;
    use crate::parse::{ParseError, parse_response};
    use crate::types::{Capability, Flag, MailboxAttribute};

    fn b(s: &str) -> Bytes {
        Bytes::copy_from_slice(s.as_bytes())
    }

    #[test]
    fn status_words_read_in_place_answer_as_the_general_path() {
        for word in ["OK", "NO", "BAD", "BYE", "ok", "No", "PREAUTH", "OKAY", "NOT", "BADGE"] {
            for after in ["", " x", "\r\n", "]", "(", "1", "-", "\u{e9}"] {
                let input = format!("{word}{after}");
                assert_eq!(
                    run(input.as_bytes(), status_kind).map_err(|e| e.kind),
                    run(input.as_bytes(), status_word).map_err(|e| e.kind),
                    "{input:?}"
                );
            }
        }
    }

    fn parse(input: &str) -> Result<Response, ParseError> {
        parse_response(Bytes::copy_from_slice(input.as_bytes()), &Limits::default())
    }

    fn untagged(input: &str) -> Untagged {
        match parse(input) {
            Ok(Response::Untagged(u)) => u,
            other => panic!("{input:?} gave {other:?}"),
        }
    }

    fn status(kind: StatusKind, code: Option<ResponseCode>, text: &str) -> StatusResponse {
        StatusResponse {
            kind,
            code,
            text: b(text),
        }
    }

    /// The variant name of a parsed response, for the transcript table.
    fn kind_of(r: &Response) -> &'static str {
        match r {
            Response::Continuation(_) => "Continuation",
            Response::Tagged(_) => "Tagged",
            Response::Untagged(u) => match u {
                Untagged::Status(_) => "Status",
                Untagged::Capability(_) => "Capability",
                Untagged::Enabled(_) => "Enabled",
                Untagged::Id(_) => "Id",
                Untagged::Namespace(_) => "Namespace",
                Untagged::List(_) => "List",
                Untagged::Lsub(_) => "Lsub",
                Untagged::MailboxStatus(_) => "MailboxStatus",
                Untagged::Search { .. } => "Search",
                Untagged::Esearch(_) => "Esearch",
                Untagged::Sort { .. } => "Sort",
                Untagged::Thread(_) => "Thread",
                Untagged::Flags(_) => "Flags",
                Untagged::Exists(_) => "Exists",
                Untagged::Recent(_) => "Recent",
                Untagged::Expunge(_) => "Expunge",
                Untagged::Vanished { .. } => "Vanished",
                Untagged::Fetch(_) => "Fetch",
                Untagged::Quota(_) => "Quota",
                Untagged::QuotaRoot(_) => "QuotaRoot",
                Untagged::Acl(_) => "Acl",
                Untagged::ListRights(_) => "ListRights",
                Untagged::MyRights(_) => "MyRights",
                Untagged::Metadata(_) => "Metadata",
                Untagged::Other { .. } => "Other",
                Untagged::Unparsed(_) => "Unparsed",
            },
        }
    }

    #[test]
    fn every_non_fetch_transcript_line_parses_to_its_type() {
        let mut count = 0;
        for (server, table) in [
            ("dovecot", transcripts::DOVECOT),
            ("cyrus", transcripts::CYRUS),
        ] {
            for &(frame, expected) in table {
                let parsed = parse(frame).unwrap_or_else(|e| panic!("{server}: {frame:?}: {e}"));
                assert_eq!(kind_of(&parsed), expected, "{server}: {frame:?}");
                count += 1;
            }
        }
        assert!(count > 200, "only {count} transcript lines");
    }

    #[test]
    fn transcript_lines_known_answers() {
        assert_eq!(
            untagged("* NAMESPACE ((\"\" \"/\")) ((\"shared/\" \"/\")) NIL\r\n"),
            Untagged::Namespace(crate::types::NamespaceResponse {
                personal: vec![crate::types::NamespaceDescriptor {
                    prefix: crate::types::Mailbox::from_wire(b("")),
                    delimiter: Some('/'),
                    extensions: vec![],
                }],
                other_users: vec![crate::types::NamespaceDescriptor {
                    prefix: crate::types::Mailbox::from_wire(b("shared/")),
                    delimiter: Some('/'),
                    extensions: vec![],
                }],
                shared: vec![],
            })
        );
        let Untagged::List(info) = untagged("* LIST (\\HasNoChildren \\drafts) \"/\" Drafts\r\n")
        else {
            panic!("not a LIST");
        };
        assert_eq!(
            info.attributes,
            vec![MailboxAttribute::HasNoChildren, MailboxAttribute::Drafts]
        );
        assert_eq!(
            untagged("* OK [URLMECH INTERNAL] Ok\r\n"),
            Untagged::Status(status(
                StatusKind::Ok,
                Some(ResponseCode::Other {
                    name: b("URLMECH"),
                    value: Some(b("INTERNAL")),
                }),
                "Ok"
            ))
        );
        match parse("A016 OK [APPENDUID 1795689063 3:4] Completed\r\n").unwrap() {
            Response::Tagged(t) => {
                assert_eq!(t.tag, b("A016"));
                assert_eq!(
                    t.status.code,
                    Some(ResponseCode::AppendUid {
                        uid_validity: 1_795_689_063,
                        uids: vec![UidRange::new(3, 4)],
                    })
                );
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn every_response_code_known_answers() {
        use ResponseCode as C;
        let simple = |s: SimpleCode| C::Simple(s);
        let table: Vec<(&str, ResponseCode)> = vec![
            ("ALERT", C::Alert),
            ("alert", C::Alert),
            ("BADCHARSET", C::BadCharset(vec![])),
            (
                "BADCHARSET (UTF-8 \"US-ASCII\")",
                C::BadCharset(vec![b("UTF-8"), b("US-ASCII")]),
            ),
            (
                "CAPABILITY IMAP4rev2 IDLE",
                C::Capability(vec![
                    Capability::from("IMAP4rev2"),
                    Capability::from("IDLE"),
                ]),
            ),
            ("PARSE", C::Parse),
            (
                "PERMANENTFLAGS (\\Answered \\Deleted $Junk \\*)",
                C::PermanentFlags(vec![
                    Flag::Answered,
                    Flag::Deleted,
                    Flag::keyword("$Junk"),
                    Flag::MayCreate,
                ]),
            ),
            ("PERMANENTFLAGS ()", C::PermanentFlags(vec![])),
            ("READ-ONLY", C::ReadOnly),
            ("READ-WRITE", C::ReadWrite),
            ("TRYCREATE", C::TryCreate),
            ("UIDNEXT 5", C::UidNext(5)),
            ("UIDVALIDITY 1795688971", C::UidValidity(1_795_688_971)),
            ("UNSEEN 2", C::Unseen(2)),
            (
                "APPENDUID 1795688971 1",
                C::AppendUid {
                    uid_validity: 1_795_688_971,
                    uids: vec![UidRange::single(1)],
                },
            ),
            (
                "COPYUID 1795688972 1:3,5 12:14,20",
                C::CopyUid {
                    uid_validity: 1_795_688_972,
                    source: vec![UidRange::new(1, 3), UidRange::single(5)],
                    destination: vec![UidRange::new(12, 14), UidRange::single(20)],
                },
            ),
            ("UIDNOTSTICKY", C::UidNotSticky),
            ("HIGHESTMODSEQ 9", C::HighestModSeq(9)),
            (
                "HIGHESTMODSEQ 9223372036854775807",
                C::HighestModSeq(9_223_372_036_854_775_807),
            ),
            ("NOMODSEQ", C::NoModSeq),
            (
                "MODIFIED 7,9:10",
                C::Modified(vec![UidRange::single(7), UidRange::new(9, 10)]),
            ),
            ("CLOSED", C::Closed),
            ("NOTSAVED", C::NotSaved),
            ("COMPRESSIONACTIVE", C::CompressionActive),
            (
                "MAILBOXID (ukb8aipfgdmcbo2d0hanznnh)",
                C::MailboxId(b("ukb8aipfgdmcbo2d0hanznnh")),
            ),
            ("TOOBIG", C::TooBig),
            (
                "METADATA LONGENTRIES 2199",
                C::Metadata(MetadataCode::LongEntries(2199)),
            ),
            (
                "METADATA MAXSIZE 1024",
                C::Metadata(MetadataCode::MaxSize(1024)),
            ),
            ("METADATA TOOMANY", C::Metadata(MetadataCode::TooMany)),
            ("METADATA NOPRIVATE", C::Metadata(MetadataCode::NoPrivate)),
            (
                "BADEVENT (MessageNew MessageExpunge)",
                C::BadEvent(vec![b("MessageNew"), b("MessageExpunge")]),
            ),
            ("NOTIFICATIONOVERFLOW", C::NotificationOverflow),
            ("USEATTR", C::UseAttr),
            (
                "REFERRAL imap://user;AUTH=*@SERVER2/SHARED/FOO",
                C::Referral(b("imap://user;AUTH=*@SERVER2/SHARED/FOO")),
            ),
            ("UNAVAILABLE", simple(SimpleCode::Unavailable)),
            (
                "AUTHENTICATIONFAILED",
                simple(SimpleCode::AuthenticationFailed),
            ),
            (
                "AUTHORIZATIONFAILED",
                simple(SimpleCode::AuthorizationFailed),
            ),
            ("EXPIRED", simple(SimpleCode::Expired)),
            ("PRIVACYREQUIRED", simple(SimpleCode::PrivacyRequired)),
            ("CONTACTADMIN", simple(SimpleCode::ContactAdmin)),
            ("NOPERM", simple(SimpleCode::NoPerm)),
            ("INUSE", simple(SimpleCode::InUse)),
            ("EXPUNGEISSUED", simple(SimpleCode::ExpungeIssued)),
            ("CORRUPTION", simple(SimpleCode::Corruption)),
            ("SERVERBUG", simple(SimpleCode::ServerBug)),
            ("CLIENTBUG", simple(SimpleCode::ClientBug)),
            ("CANNOT", simple(SimpleCode::Cannot)),
            ("LIMIT", simple(SimpleCode::Limit)),
            ("OVERQUOTA", simple(SimpleCode::OverQuota)),
            ("ALREADYEXISTS", simple(SimpleCode::AlreadyExists)),
            ("NONEXISTENT", simple(SimpleCode::NonExistent)),
            ("HASCHILDREN", simple(SimpleCode::HasChildren)),
            ("UNKNOWN-CTE", simple(SimpleCode::UnknownCte)),
        ];
        for (code, expected) in table {
            let line = format!("* OK [{code}] text\r\n");
            assert_eq!(
                untagged(&line),
                Untagged::Status(status(StatusKind::Ok, Some(expected), "text")),
                "{line:?}"
            );
        }
    }

    #[test]
    fn unknown_and_malformed_codes_are_kept_raw() {
        let other = |name: &str, value: Option<&str>| ResponseCode::Other {
            name: b(name),
            value: value.map(b),
        };
        let table = [
            // Cyrus 3.6 on SELECT.
            ("URLMECH INTERNAL", other("URLMECH", Some("INTERNAL"))),
            ("ANNOTATIONS 65536", other("ANNOTATIONS", Some("65536"))),
            // RFC 5267 code without a typed form.
            ("NOUPDATE \"B02\"", other("NOUPDATE", Some("\"B02\""))),
            ("X-FOO", other("X-FOO", None)),
            // Known names with malformed arguments.
            ("UIDNEXT abc", other("UIDNEXT", Some("abc"))),
            ("UIDVALIDITY 0", other("UIDVALIDITY", Some("0"))),
            ("UIDNEXT 99999999999", other("UIDNEXT", Some("99999999999"))),
            ("READ-ONLY now", other("READ-ONLY", Some("now"))),
            ("COPYUID 1 2", other("COPYUID", Some("1 2"))),
            ("MAILBOXID ()", other("MAILBOXID", Some("()"))),
            ("METADATA BOGUS", other("METADATA", Some("BOGUS"))),
            (
                "PERMANENTFLAGS \\Seen",
                other("PERMANENTFLAGS", Some("\\Seen")),
            ),
            ("BADCHARSET UTF-8", other("BADCHARSET", Some("UTF-8"))),
        ];
        for (code, expected) in table {
            let line = format!("A1 NO [{code}] failed\r\n");
            match parse(&line) {
                Ok(Response::Tagged(t)) => {
                    assert_eq!(t.status.code, Some(expected), "{line:?}");
                    assert_eq!(t.status.text, b("failed"), "{line:?}");
                }
                other => panic!("{line:?} gave {other:?}"),
            }
        }
    }

    #[test]
    fn status_responses_known_answers() {
        let table = [
            (
                "* OK [CLIENTBUG] Status on selected mailbox completed\r\n",
                status(
                    StatusKind::Ok,
                    Some(ResponseCode::Simple(SimpleCode::ClientBug)),
                    "Status on selected mailbox completed",
                ),
            ),
            (
                "* NO [SERVERBUG] Internal error occurred.\r\n",
                status(
                    StatusKind::No,
                    Some(ResponseCode::Simple(SimpleCode::ServerBug)),
                    "Internal error occurred.",
                ),
            ),
            (
                "* BYE Logging out\r\n",
                status(StatusKind::Bye, None, "Logging out"),
            ),
            (
                "* PREAUTH ready\r\n",
                status(StatusKind::PreAuth, None, "ready"),
            ),
            ("* BAD junk\r\n", status(StatusKind::Bad, None, "junk")),
            (
                "* ok Still here\r\n",
                status(StatusKind::Ok, None, "Still here"),
            ),
            // IMAP4rev2 / QRESYNC: CLOSED without any text.
            (
                "* OK [CLOSED]\r\n",
                status(StatusKind::Ok, Some(ResponseCode::Closed), ""),
            ),
            // Quirk: no text at all, and a lone space.
            ("* OK\r\n", status(StatusKind::Ok, None, "")),
            ("* OK \r\n", status(StatusKind::Ok, None, "")),
            // Quirk: trailing spaces after the text.
            ("* OK done  \r\n", status(StatusKind::Ok, None, "done")),
            // A "[" that opens no code is text.
            (
                "* OK [not closed\r\n",
                status(StatusKind::Ok, None, "[not closed"),
            ),
            // Code directly followed by text, without the SP.
            (
                "* OK [ALERT]Read this\r\n",
                status(StatusKind::Ok, Some(ResponseCode::Alert), "Read this"),
            ),
            // 8-bit text.
            (
                "* OK Gr\u{fc}\u{df}e\r\n",
                status(StatusKind::Ok, None, "Gr\u{fc}\u{df}e"),
            ),
            // A bare LF is accepted as the line end.
            ("* OK fine\n", status(StatusKind::Ok, None, "fine")),
        ];
        for (line, expected) in table {
            assert_eq!(untagged(line), Untagged::Status(expected), "{line:?}");
        }
    }

    #[test]
    fn tagged_responses_known_answers() {
        let table = [
            ("A1 OK done\r\n", "A1", status(StatusKind::Ok, None, "done")),
            (
                "A2 NO [TRYCREATE] No such mailbox\r\n",
                "A2",
                status(
                    StatusKind::No,
                    Some(ResponseCode::TryCreate),
                    "No such mailbox",
                ),
            ),
            (
                "a3 bad Error in IMAP command\r\n",
                "a3",
                status(StatusKind::Bad, None, "Error in IMAP command"),
            ),
            // Quirks: no text, a lone space, a code without text.
            ("A1 OK\r\n", "A1", status(StatusKind::Ok, None, "")),
            ("A1 OK \r\n", "A1", status(StatusKind::Ok, None, "")),
            (
                "A017 OK [READ-WRITE]\r\n",
                "A017",
                status(StatusKind::Ok, Some(ResponseCode::ReadWrite), ""),
            ),
            (
                "A1 NO [AUTHENTICATIONFAILED] Authentication failed.\r\n",
                "A1",
                status(
                    StatusKind::No,
                    Some(ResponseCode::Simple(SimpleCode::AuthenticationFailed)),
                    "Authentication failed.",
                ),
            ),
            (
                "tag.with]bracket OK x\r\n",
                "tag.with]bracket",
                status(StatusKind::Ok, None, "x"),
            ),
        ];
        for (line, tag, expected) in table {
            assert_eq!(
                parse(line),
                Ok(Response::Tagged(Tagged {
                    tag: b(tag),
                    status: expected,
                })),
                "{line:?}"
            );
        }
    }

    #[test]
    fn continuation_requests_known_answers() {
        let table = [
            ("+ \r\n", None, ""),
            ("+\r\n", None, ""),
            ("+ OK\r\n", None, "OK"),
            ("+ go ahead\r\n", None, "go ahead"),
            ("+ idling\r\n", None, "idling"),
            (
                "+ PDIzODMzMjc1MzcxNzM0NTUuMTc5NTY4ODk3MEB2bT4=\r\n",
                None,
                "PDIzODMzMjc1MzcxNzM0NTUuMTc5NTY4ODk3MEB2bT4=",
            ),
            ("+ [ALERT] hurry\r\n", Some(ResponseCode::Alert), "hurry"),
        ];
        for (line, code, text) in table {
            assert_eq!(
                parse(line),
                Ok(Response::Continuation(Continuation {
                    code,
                    text: b(text),
                })),
                "{line:?}"
            );
        }
    }

    #[test]
    fn greeting_accepts_only_auth_and_bye() {
        let ok = |line: &str| run(line.as_bytes(), greeting).map(|(s, rest)| (s.kind, rest));
        assert_eq!(
            ok("* OK [CAPABILITY IMAP4rev1] Dovecot ready.\r\n").unwrap(),
            (StatusKind::Ok, vec![])
        );
        assert_eq!(ok("* PREAUTH hi\r\n").unwrap().0, StatusKind::PreAuth);
        assert_eq!(ok("* BYE busy\r\n").unwrap().0, StatusKind::Bye);
        assert!(ok("* NO go away\r\n").is_err());
        assert!(ok("A1 OK hi\r\n").is_err());
        assert!(run(b"BYE x", resp_cond_bye).is_ok());
        assert!(run(b"OK x", resp_cond_bye).is_err());
        assert!(run(b"PREAUTH x", resp_cond_auth).is_ok());
        assert!(run(b"NO x", resp_cond_auth).is_err());
        assert!(run(b"PREAUTH x", resp_cond_state).is_err());
    }

    #[test]
    fn message_data_known_answers() {
        assert_eq!(untagged("* 4 EXISTS\r\n"), Untagged::Exists(4));
        assert_eq!(untagged("* 0 EXISTS\r\n"), Untagged::Exists(0));
        assert_eq!(untagged("* 0 RECENT\r\n"), Untagged::Recent(0));
        assert_eq!(untagged("* 7 expunge\r\n"), Untagged::Expunge(7));
        assert_eq!(
            untagged("* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n"),
            Untagged::Flags(vec![
                Flag::Answered,
                Flag::Flagged,
                Flag::Deleted,
                Flag::Seen,
                Flag::Draft
            ])
        );
        assert_eq!(
            untagged("* VANISHED 1\r\n"),
            Untagged::Vanished {
                earlier: false,
                uids: vec![UidRange::single(1)],
            }
        );
        assert_eq!(
            untagged("* VANISHED (EARLIER) 300:310,405,411\r\n"),
            Untagged::Vanished {
                earlier: true,
                uids: vec![
                    UidRange::new(300, 310),
                    UidRange::single(405),
                    UidRange::single(411)
                ],
            }
        );
    }

    #[test]
    fn fetch_is_dispatched_to_the_fetch_parser() {
        let line = "* 1 FETCH (UID 1 BODY[] {5}\r\nab\r\nc)\r\n";
        let Untagged::Fetch(fetch) = untagged(line) else {
            panic!("not a FETCH");
        };
        assert_eq!(fetch.seq, 1);
        assert_eq!(fetch.uid(), Some(1));
        assert_eq!(
            fetch.section(&Default::default()).map(|b| &b[..]),
            Some(&b"ab\r\nc"[..])
        );
        assert!(parse("* 0 FETCH (UID 1)\r\n").is_err());
        assert!(parse("* 1 FETCH\r\n").is_err());
    }

    #[test]
    fn unknown_untagged_keywords_are_kept_raw() {
        let table = [
            (
                "* XLIST (\\HasNoChildren) \"/\" x\r\n",
                "XLIST",
                "* XLIST (\\HasNoChildren) \"/\" x",
            ),
            ("* 3 XFOO bar\r\n", "XFOO", "* 3 XFOO bar"),
            ("* X-THING\r\n", "X-THING", "* X-THING"),
            // A literal whose contents hold a CRLF and a `{n}` of their own.
            (
                "* X-BLOB {9}\r\n{3}\r\nab\r\n)\r\n",
                "X-BLOB",
                "* X-BLOB {9}\r\n{3}\r\nab\r\n)",
            ),
            (
                "* x-lower ~{2}\r\n\0\x01\r\n",
                "x-lower",
                "* x-lower ~{2}\r\n\0\x01",
            ),
        ];
        for (line, keyword, raw) in table {
            assert_eq!(
                untagged(line),
                Untagged::Other {
                    keyword: b(keyword),
                    raw: b(raw),
                },
                "{line:?}"
            );
        }
    }

    #[test]
    fn malformed_responses_are_errors() {
        let table: &[&[u8]] = &[
            b"",
            b"\r\n",
            b"*\r\n",
            b"* \r\n",
            b"* (x)\r\n",
            b"A1 OK done",
            b"A1\r\n",
            b"A1 PREAUTH hi\r\n",
            b"A1 BYE hi\r\n",
            b"A1 WHAT hi\r\n",
            b"+x\r\n",
            b"* 0 EXPUNGE\r\n",
            b"* 99999999999 EXISTS\r\n",
            b"* 5 EXISTS junk\r\n",
            b"* 5\r\n",
            b"* LIST garbage\r\n",
            b"* STATUS INBOX MESSAGES 1\r\n",
            b"* SEARCH 1 x\r\n",
            b"* XFOO {10}\r\nshort\r\n",
            b"* XFOO no line end",
            b"* FLAGS (\\Seen\r\n",
            b"* VANISHED\r\n",
            b"* VANISHED (EARLIER)\r\n",
        ];
        for &input in table {
            let result = parse_response(Bytes::copy_from_slice(input), &Limits::default());
            assert!(
                result.is_err(),
                "{:?} gave {result:?}",
                String::from_utf8_lossy(input)
            );
        }
    }

    #[test]
    fn trailing_bytes_after_the_response_are_reported() {
        assert_eq!(
            parse("A1 OK done\r\nA2 OK more\r\n").unwrap_err().kind,
            ParseErrorKind::TrailingBytes
        );
        let err = parse("* 5 EXISTS\r\n\r\n").unwrap_err();
        assert_eq!(err.kind, ParseErrorKind::TrailingBytes);
        assert_eq!(err.offset, 12);
    }

    #[test]
    fn results_are_slices_of_the_frame() {
        let frame = Bytes::from_static(b"* OK [URLMECH INTERNAL] hello\r\n");
        let base = frame.as_ptr() as usize;
        let Ok(Response::Untagged(Untagged::Status(s))) =
            parse_response(frame.clone(), &Limits::default())
        else {
            panic!("not a status");
        };
        assert_eq!(s.text.as_ptr() as usize, base + 24);
        let Some(ResponseCode::Other { name, .. }) = s.code else {
            panic!("not Other");
        };
        assert_eq!(name.as_ptr() as usize, base + 6);
    }

    #[test]
    fn nesting_limit_comes_from_limits() {
        let deep = format!("* THREAD {}1{}\r\n", "(".repeat(10), ")".repeat(10));
        let frame = Bytes::from(deep);
        let tight = Limits {
            max_nesting_depth: 5,
            ..Limits::default()
        };
        assert_eq!(
            parse_response(frame.clone(), &tight).unwrap_err().kind,
            ParseErrorKind::TooDeep
        );
        assert!(parse_response(frame, &Limits::default()).is_ok());
    }

    #[test]
    fn literal_announcements_are_read_only_at_line_ends() {
        assert_eq!(announced_literal(b"* X {12}"), Some(12));
        assert_eq!(announced_literal(b"* X {12+}"), Some(12));
        assert_eq!(announced_literal(b"* X ~{0}"), Some(0));
        assert_eq!(announced_literal(b"* X {}"), None);
        assert_eq!(announced_literal(b"* X 12}"), None);
        assert_eq!(announced_literal(b"* X {99999999999999999999999}"), None);
        assert_eq!(announced_literal(b"}"), None);
    }

    #[test]
    fn keywords_upper_case_into_the_buffer() {
        let mut buf = [0u8; KEYWORD_MAX];
        assert_eq!(upper_keyword(b"eSearch", &mut buf), b"ESEARCH");
        assert_eq!(upper_keyword(&[b'a'; KEYWORD_MAX + 1], &mut buf), b"");
    }

    /// Truncating the transcript lines (and a few extension samples) at every position, and
    /// overwriting or inserting a byte from a set of IMAP specials there, must give `Ok` or
    /// `Err`, never a panic.
    #[test]
    fn mutated_lines_never_panic() {
        let extra: &[&str] = &[
            "* OK [BADCHARSET (a \"b\")] x\r\n",
            "* LIST () \"/\" x (CHILDINFO (\"A\") OLDNAME (y))\r\n",
            "* ESEARCH (TAG \"a\") UID PARTIAL (-1:-5 1:3) MODSEQ 5 ADDTO (0 1:2)\r\n",
            "* THREAD (1 (2)(3 4 (5)(6)))\r\n",
            "* STATUS x (MAILBOXID (abc) APPENDLIMIT NIL X (1))\r\n",
            "* NAMESPACE ((\"\" \"/\" \"X\" (\"a\" \"b\"))) NIL NIL\r\n",
            "* 1 FETCH (BODY[] {3}\r\nabc)\r\n",
            "* OK [METADATA LONGENTRIES 5] x\r\n",
            "* OK [REFERRAL imap://x/] x\r\n",
            "* VANISHED (EARLIER) 1:*\r\n",
        ];
        let frames = transcripts::DOVECOT
            .iter()
            .chain(transcripts::CYRUS)
            .map(|(f, _)| *f)
            .chain(extra.iter().copied());
        let specials: &[u8] = b" ()[]{}\"\\\r\n0*~+-:9\x80";
        let limits = Limits::default();
        for frame in frames {
            let bytes = frame.as_bytes();
            for pos in 0..bytes.len().min(160) {
                let _ = parse_response(Bytes::copy_from_slice(&bytes[..pos]), &limits);
                for &special in specials {
                    let mut changed = bytes.to_vec();
                    changed[pos] = special;
                    let _ = parse_response(Bytes::from(changed.clone()), &limits);
                    changed.insert(pos, special);
                    let _ = parse_response(Bytes::from(changed), &limits);
                }
            }
        }
    }
}
