//! Top-level server responses (RFC 9051 §7 and §9): the greeting, tagged completions,
//! continuation requests, `resp-text` with every response code of [`ResponseCode`], and the
//! dispatcher that hands untagged data to the parser of its family.
//!
//! The dispatcher reads the keyword after `* ` (or after `* n `) once, upper-cases it into a
//! small buffer and switches on it, so no alternative is ever tried and backtracked over.
//!
//! Lenient readings, each seen from a real server (see `docs/quirks.md`, "Non-FETCH
//! responses"):
//! - a status without text (`* OK`, `A1 OK`, `A1 OK ` and `[CODE]` with nothing after it);
//! - spaces before the final CRLF;
//! - continuation requests with any text or none (`+`, `+ `, `+ OK`, `+ go ahead`);
//! - an unknown response code becomes [`ResponseCode::Other`], and so does a known code whose
//!   arguments are malformed: the raw value is kept instead of failing the whole response;
//! - an unknown untagged keyword becomes [`Untagged::Other`] with the raw line.

use bytes::Bytes;
use nom::Input;

use super::core::{
    atom_slice, byte, crlf, flag_list, keyword, number, number64, nz_number, paren_list, quoted,
    sequence_set, sp, tag, text,
};
use super::error::{PErr, PResult, ParseErrorKind};
use super::input::Span;
use super::{acl, capability, mailbox, metadata, quota, search};
use crate::types::{
    Continuation, MetadataCode, Response, ResponseCode, SimpleCode, StatusKind, StatusResponse,
    Tagged, UidRange, Untagged,
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
    out.copy_from_slice(word);
    out.make_ascii_uppercase();
    out
}

/// `CRLF` that ends a response, after any spaces (quirk: several servers pad the line
/// before the CRLF, e.g. `* SEARCH 1 2 \r\n`).
pub fn line_end(i: Span<'_>) -> PResult<'_, ()> {
    let spaces = i.as_slice().iter().take_while(|&&b| b == b' ').count();
    crlf(i.take_from(spaces))
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
pub fn response(i: Span<'_>) -> PResult<'_, Response> {
    match i.as_slice().first() {
        Some(b'+') => continue_req(i).map(|(rest, c)| (rest, Response::Continuation(c))),
        Some(b'*') => response_data(i).map(|(rest, u)| (rest, Response::Untagged(u))),
        _ => response_tagged(i).map(|(rest, t)| (rest, Response::Tagged(t))),
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
    let (i, status) = resp_cond_state(i)?;
    let (i, _) = line_end(i)?;
    Ok((i, Tagged { tag, status }))
}

/// `continue-req = "+" SP (resp-text / base64) CRLF` (RFC 9051 §7.5).
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
pub fn response_data(i: Span<'_>) -> PResult<'_, Untagged> {
    let start = i;
    let (i, _) = byte(b'*')(i)?;
    let (i, _) = sp(i)?;
    let (i, data) = if i.as_slice().first().is_some_and(u8::is_ascii_digit) {
        message_data(start, i)?
    } else {
        keyword_data(start, i)?
    };
    let (i, _) = line_end(i)?;
    Ok((i, data))
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
/// (RFC 9051 §7.3.1, §7.4.1, §7.5.2; `RECENT` from RFC 3501 §7.3.2). `i` is at the number.
fn message_data<'a>(start: Span<'a>, i: Span<'a>) -> PResult<'a, Untagged> {
    let (i, n) = number(i)?;
    let (i, _) = sp(i)?;
    let (after_keyword, word) = atom_slice(i)?;
    let mut buf = [0u8; KEYWORD_MAX];
    match upper_keyword(word, &mut buf) {
        b"EXISTS" => Ok((after_keyword, Untagged::Exists(n))),
        b"RECENT" => Ok((after_keyword, Untagged::Recent(n))),
        b"EXPUNGE" if n > 0 => Ok((after_keyword, Untagged::Expunge(n))),
        b"EXPUNGE" => Err(PErr::syntax(start, "nz-number")),
        // ---- FETCH DISPATCH POINT -------------------------------------------------------
        // `nz-number SP "FETCH" SP msg-att` is parsed up to the SP before `msg-att`. Until
        // `crate::parse::fetch::msg_att` is wired in, the response is kept raw. To wire it,
        // replace the `Ok(...)` below with:
        //     let (rest, attributes) = fetch::msg_att(after_sp)?;
        //     Ok((rest, Untagged::Fetch(FetchResponse { seq: n, attributes })))
        b"FETCH" => {
            if n == 0 {
                return Err(PErr::syntax(start, "nz-number"));
            }
            let (_after_sp, _) = sp(after_keyword)?;
            other_untagged(start, i.take(word.len()))
        }
        // ---------------------------------------------------------------------------------
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
    if i.as_slice().first() == Some(&b'[') {
        if let Ok((after, code)) = bracketed_code(i) {
            let after = if after.as_slice().first() == Some(&b' ') {
                after.take_from(1)
            } else {
                after
            };
            let (rest, text) = text(after)?;
            return Ok((rest, (Some(code), text)));
        }
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
        b"UNAVAILABLE" => simple(SimpleCode::Unavailable),
        b"AUTHENTICATIONFAILED" => simple(SimpleCode::AuthenticationFailed),
        b"AUTHORIZATIONFAILED" => simple(SimpleCode::AuthorizationFailed),
        b"EXPIRED" => simple(SimpleCode::Expired),
        b"PRIVACYREQUIRED" => simple(SimpleCode::PrivacyRequired),
        b"CONTACTADMIN" => simple(SimpleCode::ContactAdmin),
        b"NOPERM" => simple(SimpleCode::NoPerm),
        b"INUSE" => simple(SimpleCode::InUse),
        b"EXPUNGEISSUED" => simple(SimpleCode::ExpungeIssued),
        b"CORRUPTION" => simple(SimpleCode::Corruption),
        b"SERVERBUG" => simple(SimpleCode::ServerBug),
        b"CLIENTBUG" => simple(SimpleCode::ClientBug),
        b"CANNOT" => simple(SimpleCode::Cannot),
        b"LIMIT" => simple(SimpleCode::Limit),
        b"OVERQUOTA" => simple(SimpleCode::OverQuota),
        b"ALREADYEXISTS" => simple(SimpleCode::AlreadyExists),
        b"NONEXISTENT" => simple(SimpleCode::NonExistent),
        b"HASCHILDREN" => simple(SimpleCode::HasChildren),
        b"UNKNOWN-CTE" => simple(SimpleCode::UnknownCte),
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
        _ => None,
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
