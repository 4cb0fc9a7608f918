//! SEARCH (RFC 3501 §7.2.5, RFC 7162 §3.1.5), ESEARCH (RFC 4731, RFC 9051 §7.3.4, RFC 5267,
//! RFC 9394, RFC 7162), SORT and THREAD (RFC 5256) data.
//!
//! SEARCH and SORT replies can hold hundreds of thousands of numbers on one line, so their
//! number lists are read by a tight loop over the bytes: one `Vec` reserved once from a cheap
//! estimate (the spaces on the line, counted with memchr), no other allocation per number.
//!
//! THREAD trees nest one level per parenthesis; that recursion is bounded by
//! [`crate::Limits::max_nesting_depth`]. A linear chain of replies (`(1 2 3 ... n)`) becomes a
//! chain of nodes built in a loop, without recursion.

use bytes::Bytes;
use nom::Input;
use smallvec::SmallVec;

use super::core::{
    astring, atom_slice, byte, check_depth, digit_run, eight_digits_value, keyword, leading_digits,
    nil, number, number64, nz_number, raw_value, sequence_set, sp,
};
use super::error::{PErr, PResult, ParseErrorKind};
use super::input::Span;
use super::response::{KEYWORD_MAX, at_line_end, upper_keyword};
use crate::types::{EsearchPartial, EsearchResponse, ThreadNode};

/// `mailbox-data =/ "SEARCH" [1*(SP nz-number) SP search-sort-mod-seq]` (RFC 7162 §7) and
/// `obsolete-search-response = "SEARCH" *(SP nz-number)` (RFC 9051 §9): the matching
/// numbers and the `(MODSEQ n)` CONDSTORE adds.
pub fn obsolete_search_response(i: Span<'_>) -> PResult<'_, (Vec<u32>, Option<u64>)> {
    let (i, _) = keyword("SEARCH")(i)?;
    nz_numbers_then_modseq(i)
}

/// `sort-data = "SORT" [1*(SP nz-number) SP search-sort-mod-seq]` (RFC 5256 §5 as updated by
/// RFC 7162 §7): the sorted numbers and the optional `(MODSEQ n)`.
pub fn sort_data(i: Span<'_>) -> PResult<'_, (Vec<u32>, Option<u64>)> {
    let (i, _) = keyword("SORT")(i)?;
    nz_numbers_then_modseq(i)
}

/// `*(SP nz-number) [SP search-sort-mod-seq]`, the hot loop of SEARCH and SORT. Stops before
/// a trailing SP (left for the line end).
fn nz_numbers_then_modseq(i: Span<'_>) -> PResult<'_, (Vec<u32>, Option<u64>)> {
    let s = i.as_slice();
    let line = &s[..memchr::memchr2(b'\r', b'\n', s).unwrap_or(s.len())];
    // Each number takes at least two bytes (SP and a digit), so a line of spaces cannot make
    // the reservation larger than half the line.
    let estimate = memchr::memchr_iter(b' ', line).count().min(line.len() / 2);
    let mut numbers = Vec::with_capacity(estimate);
    let mut modseq = None;
    let mut pos = 0;
    while line.get(pos) == Some(&b' ') {
        // Fast path: a number of at most six digits inside the next eight bytes (the SP,
        // the digits and the byte after them), read with one load.
        if let Some(eight) = line.get(pos..pos + 8) {
            let mut bytes = [0u8; 8];
            bytes.copy_from_slice(eight);
            // Drop the SP: the digits are now the low bytes, and the top byte is 0, which
            // is not a digit, so at most seven are found.
            let digits_word = u64::from_le_bytes(bytes) >> 8;
            let digits = leading_digits(digits_word);
            if (1..7).contains(&digits) && bytes[1] != b'0' {
                // Six digits or fewer always fit a u32.
                numbers.push(eight_digits_value(digits_word, digits) as u32);
                pos += 1 + digits;
                continue;
            }
        }
        match line.get(pos + 1) {
            Some(b'1'..=b'9') => {
                let start = pos + 1;
                // Eight digits at a time, checked against u32 once per number.
                let run = line.get(start..).and_then(digit_run);
                let Some((digits, value)) =
                    run.and_then(|(digits, value)| Some((digits, u32::try_from(value).ok()?)))
                else {
                    return Err(PErr::fatal(
                        i.take_from(start),
                        ParseErrorKind::NumberOverflow,
                    ));
                };
                numbers.push(value);
                pos = start + digits;
            }
            Some(b'(') => {
                let (rest, m) = search_sort_mod_seq(i.take_from(pos + 1))?;
                modseq = Some(m);
                return Ok((rest, (numbers, modseq)));
            }
            _ => break,
        }
    }
    Ok((i.take_from(pos), (numbers, modseq)))
}

/// `search-sort-mod-seq = "(" "MODSEQ" SP mod-sequence-value ")"` (RFC 7162 §7): the highest
/// mod-sequence of the messages found.
pub fn search_sort_mod_seq(i: Span<'_>) -> PResult<'_, u64> {
    let (i, _) = byte(b'(')(i)?;
    let (i, _) = keyword("MODSEQ")(i)?;
    let (i, _) = sp(i)?;
    let (i, modseq) = number64(i)?;
    let (i, _) = byte(b')')(i)?;
    Ok((i, modseq))
}

/// `esearch-response = "ESEARCH" [search-correlator] [SP "UID"] *(SP search-return-data)`
/// (RFC 9051 §9, RFC 4731 §3.1). The correlator is optional: IMAP4rev2 servers omit it for
/// unsolicited replies.
pub fn esearch_response(i: Span<'_>) -> PResult<'_, EsearchResponse> {
    let (mut i, _) = keyword("ESEARCH")(i)?;
    let mut out = EsearchResponse::default();
    if i.as_slice().starts_with(b" (") {
        let (rest, tag) = search_correlator(i)?;
        out.tag = Some(tag);
        i = rest;
    }
    if let Ok((after_sp, ())) = sp(i)
        && let Ok((rest, word)) = atom_slice(after_sp)
        && word.eq_ignore_ascii_case(b"UID")
    {
        out.uid = true;
        i = rest;
    }
    while let Ok((after_sp, ())) = sp(i) {
        if at_line_end(after_sp) || after_sp.as_slice().first() == Some(&b' ') {
            break;
        }
        // Quirk: the RFC 5465 §6 example wraps the return data in parentheses
        // (`* ESEARCH (TAG "a00") (COUNT 17)`); read the items inside them.
        if after_sp.as_slice().first() == Some(&b'(') {
            let (mut inner, _) = byte(b'(')(after_sp)?;
            loop {
                let (rest, ()) = search_return_data(inner, &mut out)?;
                match sp(rest) {
                    Ok((next, ())) => inner = next,
                    Err(_) => {
                        let (rest, _) = byte(b')')(rest)?;
                        i = rest;
                        break;
                    }
                }
            }
            continue;
        }
        let (rest, ()) = search_return_data(after_sp, &mut out)?;
        i = rest;
    }
    Ok((i, out))
}

/// `search-correlator = SP "(" "TAG" SP tag-string ")"` (RFC 9051 §9; `tag-string = astring`,
/// a `string` in RFC 4731). Lenient: further correlator items (such as RFC 7377's `MAILBOX`
/// and `UIDVALIDITY`) are skipped.
pub fn search_correlator(i: Span<'_>) -> PResult<'_, Bytes> {
    let (i, _) = sp(i)?;
    let (i, _) = byte(b'(')(i)?;
    let (i, _) = keyword("TAG")(i)?;
    let (i, _) = sp(i)?;
    let (mut i, tag) = astring(i)?;
    while let Ok((after_sp, ())) = sp(i) {
        let (rest, _) = raw_value(after_sp, 2)?;
        i = rest;
    }
    let (i, _) = byte(b')')(i)?;
    Ok((i, tag))
}

/// `search-return-data = "MIN" SP nz-number / "MAX" SP nz-number / "ALL" SP sequence-set /
/// "COUNT" SP number / search-ret-data-ext` (RFC 9051 §9, RFC 4731 §4), `=/ "MODSEQ" SP
/// mod-sequence-value` (RFC 4731 §4 with RFC 7162) and `=/ ret-data-partial` (RFC 9394 §5,
/// RFC 5267 §5). Stores the item in `out`; `search-ret-data-ext = search-modifier-name SP
/// search-return-value` items (such as ADDTO, REMOVEFROM) go to `out.other`, raw.
pub fn search_return_data<'a>(i: Span<'a>, out: &mut EsearchResponse) -> PResult<'a, ()> {
    let (after_name, name) = atom_slice(i)?;
    let (v, _) = sp(after_name)?;
    let mut buf = [0u8; KEYWORD_MAX];
    let rest = match upper_keyword(name, &mut buf) {
        b"MIN" => {
            let (rest, n) = nz_number(v)?;
            out.min = Some(n);
            rest
        }
        b"MAX" => {
            let (rest, n) = nz_number(v)?;
            out.max = Some(n);
            rest
        }
        b"COUNT" => {
            let (rest, n) = number(v)?;
            out.count = Some(n);
            rest
        }
        b"ALL" => {
            let (rest, set) = sequence_set(v)?;
            out.all = Some(set);
            rest
        }
        b"MODSEQ" => {
            let (rest, n) = number64(v)?;
            out.modseq = Some(n);
            rest
        }
        b"PARTIAL" => {
            let (rest, partial) = ret_data_partial_value(v)?;
            out.partial = Some(partial);
            rest
        }
        _ => {
            let (rest, value) = raw_value(v, 1)?;
            out.other.push((i.take(name.len()).to_bytes(), value));
            rest
        }
    };
    Ok((rest, ()))
}

/// `ret-data-partial = "PARTIAL" SP "(" partial-range SP partial-results ")"` (RFC 9394 §5),
/// from the `(`; `partial-results = sequence-set / "NIL"`.
fn ret_data_partial_value(i: Span<'_>) -> PResult<'_, EsearchPartial> {
    let (i, _) = byte(b'(')(i)?;
    let (i, range) = partial_range(i)?;
    let (i, _) = sp(i)?;
    let (i, results) = match nil(i) {
        Ok((rest, ())) => (rest, Vec::new()),
        Err(_) => sequence_set(i)?,
    };
    let (i, _) = byte(b')')(i)?;
    Ok((i, EsearchPartial { range, results }))
}

/// `partial-range = partial-range-first / partial-range-last` with `partial-range-first =
/// nz-number ":" nz-number` and `partial-range-last = MINUS nz-number ":" MINUS nz-number`
/// (RFC 9394 §5). Returned as signed offsets in the order sent (`-1:-30` is `(-1, -30)`).
pub fn partial_range(i: Span<'_>) -> PResult<'_, (i64, i64)> {
    let negative = i.as_slice().first() == Some(&b'-');
    let (i, first) = partial_offset(i, negative)?;
    let (i, _) = byte(b':')(i)?;
    let (i, last) = partial_offset(i, negative)?;
    Ok((i, (first, last)))
}

/// One bound of a `partial-range`: `nz-number`, or `MINUS nz-number` when `negative`.
fn partial_offset(i: Span<'_>, negative: bool) -> PResult<'_, i64> {
    let i = if negative { byte(b'-')(i)?.0 } else { i };
    let (i, n) = nz_number(i)?;
    let n = i64::from(n);
    Ok((i, if negative { -n } else { n }))
}

/// `thread-data = "THREAD" [SP 1*thread-list]` (RFC 5256 §5): one [`ThreadNode`] per
/// thread. Lenient: spaces between thread lists are allowed.
pub fn thread_data(i: Span<'_>) -> PResult<'_, Vec<ThreadNode>> {
    let (mut i, _) = keyword("THREAD")(i)?;
    let mut threads = Vec::new();
    loop {
        let spaces = i.as_slice().iter().take_while(|&&b| b == b' ').count();
        let at = i.take_from(spaces);
        if at.as_slice().first() != Some(&b'(') {
            return Ok((i, threads));
        }
        let (rest, node) = thread_list(at, 1)?;
        threads.push(node);
        i = rest;
    }
}

/// `thread-list = "(" (thread-members / thread-nested) ")"`, `thread-members = nz-number
/// *(SP nz-number) [SP thread-nested]`, `thread-nested = 2*thread-list` (RFC 5256 §5).
///
/// Members form a chain (each is the parent of the next); the nested lists are the children
/// of the last member, or of a node with `id: None` when the thread has no known root
/// (`((3)(5))`). `depth` is the parenthesis level of this list, checked against the limit.
/// Lenient: one nested list is accepted where the grammar wants two, and spaces between
/// nested lists are allowed.
pub fn thread_list(i: Span<'_>, depth: usize) -> PResult<'_, ThreadNode> {
    check_depth(i, depth)?;
    if let Some(leaf) = single_message(i) {
        return Ok(leaf);
    }
    let start = i;
    let (mut i, _) = byte(b'(')(i)?;
    // On the stack: a thread's chain of members is short, and a heap vector per list was
    // an allocation and a free for every thread of a THREAD response.
    let mut members: SmallVec<[u32; 8]> = SmallVec::new();
    let mut nested: Vec<ThreadNode> = Vec::new();
    loop {
        let spaces = i.as_slice().iter().take_while(|&&b| b == b' ').count();
        if spaces > 0 && members.is_empty() && nested.is_empty() {
            return Err(PErr::syntax(i, "thread-list"));
        }
        i = i.take_from(spaces);
        match i.as_slice().first() {
            Some(b')') => {
                i = i.take_from(1);
                break;
            }
            Some(b'(') => {
                let (rest, child) = thread_list(i, depth + 1)?;
                nested.push(child);
                i = rest;
            }
            Some(b'0'..=b'9') if nested.is_empty() && (spaces > 0 || members.is_empty()) => {
                let (rest, n) = nz_number(i)?;
                members.push(n);
                i = rest;
            }
            _ => return Err(PErr::syntax(i, "thread-list")),
        }
    }
    if members.is_empty() && nested.is_empty() {
        return Err(PErr::syntax(start, "thread-list"));
    }
    let mut node = ThreadNode {
        id: members.pop(),
        children: nested,
    };
    while let Some(parent) = members.pop() {
        node = ThreadNode {
            id: Some(parent),
            children: vec![node],
        };
    }
    Ok((i, node))
}

/// `"(" nz-number ")"`, a thread of one message: most lists of a THREAD response (every
/// message that is in no thread), read without the member and child vectors the general
/// [`thread_list`] sets up. `None` for any other list, which that reads or rejects.
#[inline(always)]
fn single_message(i: Span<'_>) -> Option<(Span<'_>, ThreadNode)> {
    let inside = i.as_slice().strip_prefix(b"(")?;
    let (n, value) = digit_run(inside)?;
    if inside.get(n) != Some(&b')') {
        return None;
    }
    let id = u32::try_from(value).ok().filter(|&id| id != 0)?;
    let node = ThreadNode {
        id: Some(id),
        children: Vec::new(),
    };
    Some((i.take_from(n + 2), node))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Limits;
    use crate::parse::core::tests::run;
    use crate::parse::parse_response;
    use crate::types::{Response, UidRange, Untagged};

    fn b(s: &str) -> Bytes {
        Bytes::copy_from_slice(s.as_bytes())
    }

    fn ok<T>(input: &str, parser: impl for<'a> Fn(Span<'a>) -> PResult<'a, T>) -> (T, String) {
        let (value, rest) =
            run(input.as_bytes(), parser).unwrap_or_else(|e| panic!("{input:?}: {e}"));
        (value, String::from_utf8(rest).unwrap_or_default())
    }

    #[test]
    fn search_and_sort_known_answers() {
        let table: &[(&str, &[u32], Option<u64>, &str)] = &[
            ("SEARCH 1 2 3 4 5", &[1, 2, 3, 4, 5], None, ""),
            ("SEARCH", &[], None, ""),
            ("search 4294967295", &[u32::MAX], None, ""),
            // RFC 7162 §3.1.5.
            (
                "SEARCH 2 5 6 7 11 12 18 19 20 23 (MODSEQ 917162500)",
                &[2, 5, 6, 7, 11, 12, 18, 19, 20, 23],
                Some(917_162_500),
                "",
            ),
            // Quirk: trailing space left for the line end.
            ("SEARCH 1 2 \r\n", &[1, 2], None, " \r\n"),
            ("SEARCH \r\n", &[], None, " \r\n"),
        ];
        for &(input, numbers, modseq, rest) in table {
            let ((n, m), left) = ok(input, obsolete_search_response);
            assert_eq!(
                (n.as_slice(), m, left.as_str()),
                (numbers, modseq, rest),
                "{input:?}"
            );
        }
        let ((n, m), left) = ok("SORT 4 3 2 1 (modseq 5)", sort_data);
        assert_eq!((n, m, left.as_str()), (vec![4, 3, 2, 1], Some(5), ""));
        let ((n, m), _) = ok("SORT", sort_data);
        assert_eq!((n, m), (vec![], None));
    }

    #[test]
    fn search_negative_cases() {
        assert_eq!(
            run(b"SEARCH 4294967296", obsolete_search_response)
                .unwrap_err()
                .kind,
            crate::parse::ParseErrorKind::NumberOverflow
        );
        // Each of these stops early; the caller then fails on the rest of the line.
        for input in [
            "SEARCH 0",
            "SEARCH 1 x",
            "SEARCH 1  2",
            "SEARCH 01",
            "SEARCH 1,2",
        ] {
            let (_, rest) = ok(input, obsolete_search_response);
            assert!(!rest.is_empty(), "{input:?} consumed everything");
        }
        assert!(run(b"SEARCH 1 (MODSEQ)", obsolete_search_response).is_err());
        assert!(run(b"SEARCH 1 (MODSEQ 5", obsolete_search_response).is_err());
        assert!(
            run(b"SEARCHES", obsolete_search_response)
                .is_ok_and(|(v, r)| v.0.is_empty() && r == b"ES")
        );
        assert!(run(b"SORTED", sort_data).is_ok_and(|(_, r)| r == b"ED"));
    }

    /// The SEARCH number loop the plain way: a checked digit loop per number.
    fn reference_numbers(line: &[u8]) -> Result<(Vec<u32>, usize), ()> {
        let mut numbers = Vec::new();
        let mut pos = 0;
        while line.get(pos) == Some(&b' ') {
            if !matches!(line.get(pos + 1), Some(b'1'..=b'9')) {
                break;
            }
            let mut end = pos + 1;
            let mut value: u32 = 0;
            while let Some(&d) = line.get(end).filter(|d| d.is_ascii_digit()) {
                value = value
                    .checked_mul(10)
                    .and_then(|v| v.checked_add(u32::from(d - b'0')))
                    .ok_or(())?;
                end += 1;
            }
            numbers.push(value);
            pos = end;
        }
        Ok((numbers, line.len() - pos))
    }

    #[test]
    fn search_numbers_match_a_checked_loop() {
        let tokens: &[&str] = &[
            "1",
            "9",
            "10",
            "12345",
            "123456",
            "999999",
            "1234567",
            "12345678",
            "123456789",
            "4294967295",
            "4294967296",
            "99999999999",
            "0",
            "01",
            "007",
            "12x",
            "x",
            "",
            "(",
            "1(",
            "5)",
            "65536",
            "100000",
        ];
        let mut state: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let (mut numbers_seen, mut overflows) = (0, 0);
        for _ in 0..20_000 {
            let mut line = String::from("SEARCH");
            for _ in 0..next() % 9 {
                line.push(' ');
                line.push_str(tokens[(next() % tokens.len() as u64) as usize]);
            }
            if next() % 3 == 0 {
                line.push_str("\r\n");
            }
            let body = &line.as_bytes()[6..];
            let body = &body[..body.iter().position(|&b| b == b'\r').unwrap_or(body.len())];
            let parsed = run(line.as_bytes(), obsolete_search_response);
            match (reference_numbers(body), parsed) {
                (Ok((numbers, rest)), Ok(((got, None), left))) => {
                    assert_eq!(got, numbers, "{line:?}");
                    assert_eq!(left.len(), rest + line.len() - 6 - body.len(), "{line:?}");
                    numbers_seen += got.len();
                }
                // `SP (` starts a `(MODSEQ n)`, which these lines never complete.
                (Ok(_), Err(e)) if body.windows(2).any(|w| w == b" (") => assert!(
                    matches!(e.kind, crate::parse::ParseErrorKind::Syntax(_)),
                    "{line:?}"
                ),
                (Err(()), Err(e)) => {
                    assert_eq!(e.kind, crate::parse::ParseErrorKind::NumberOverflow);
                    overflows += 1;
                }
                (expected, got) => panic!("{line:?}: {expected:?} but {got:?}"),
            }
        }
        assert!(
            numbers_seen > 10_000 && overflows > 100,
            "{numbers_seen} {overflows}"
        );
    }

    #[test]
    fn search_with_100000_numbers_parses_in_one_pass() {
        let mut line = String::from("* SEARCH");
        for n in 1..=100_000u32 {
            line.push(' ');
            line.push_str(&(n * 3).to_string());
        }
        line.push_str(" (MODSEQ 77)\r\n");
        let started = std::time::Instant::now();
        let parsed = parse_response(Bytes::from(line), &Limits::default());
        let elapsed = started.elapsed();
        let Ok(Response::Untagged(Untagged::Search { numbers, modseq })) = parsed else {
            panic!("not a SEARCH: {parsed:?}");
        };
        assert_eq!(numbers.len(), 100_000);
        assert_eq!(numbers.first(), Some(&3));
        assert_eq!(numbers.last(), Some(&300_000));
        assert!(
            numbers.capacity() < 100_100,
            "capacity {}",
            numbers.capacity()
        );
        assert_eq!(modseq, Some(77));
        // Generous even for an unoptimised build on a loaded machine.
        assert!(elapsed.as_secs() < 5, "took {elapsed:?}");
    }

    #[test]
    fn esearch_known_answers() {
        let table = vec![
            // Dovecot 2.3.
            (
                "ESEARCH (TAG \"A023\") UID MIN 1 MAX 4 ALL 1:4 COUNT 4",
                EsearchResponse {
                    tag: Some(b("A023")),
                    uid: true,
                    min: Some(1),
                    max: Some(4),
                    count: Some(4),
                    all: Some(vec![UidRange::new(1, 4)]),
                    ..EsearchResponse::default()
                },
            ),
            // IMAP4rev2: no correlator; lower case.
            (
                "esearch uid count 0",
                EsearchResponse {
                    uid: true,
                    count: Some(0),
                    ..EsearchResponse::default()
                },
            ),
            ("ESEARCH", EsearchResponse::default()),
            // Quirk: the RFC 5465 §6 example puts the return data in parentheses.
            (
                "ESEARCH (TAG \"a00\") (COUNT 17)",
                EsearchResponse {
                    tag: Some(b("a00")),
                    count: Some(17),
                    ..EsearchResponse::default()
                },
            ),
            (
                "ESEARCH (TAG A1)",
                EsearchResponse {
                    tag: Some(b("A1")),
                    ..EsearchResponse::default()
                },
            ),
            // RFC 7162 MODSEQ; RFC 9394 PARTIAL.
            (
                "ESEARCH (TAG \"a\") ALL 1:3,5,9:* MODSEQ 917162500",
                EsearchResponse {
                    tag: Some(b("a")),
                    all: Some(vec![
                        UidRange::new(1, 3),
                        UidRange::single(5),
                        UidRange::new(9, u32::MAX),
                    ]),
                    modseq: Some(917_162_500),
                    ..EsearchResponse::default()
                },
            ),
            (
                "ESEARCH (TAG \"B01\") UID PARTIAL (-1:-100 200:250,252:300)",
                EsearchResponse {
                    tag: Some(b("B01")),
                    uid: true,
                    partial: Some(EsearchPartial {
                        range: (-1, -100),
                        results: vec![UidRange::new(200, 250), UidRange::new(252, 300)],
                    }),
                    ..EsearchResponse::default()
                },
            ),
            (
                "ESEARCH (TAG \"B02\") UID PARTIAL (23500:24000 NIL)",
                EsearchResponse {
                    tag: Some(b("B02")),
                    uid: true,
                    partial: Some(EsearchPartial {
                        range: (23_500, 24_000),
                        results: vec![],
                    }),
                    ..EsearchResponse::default()
                },
            ),
            // RFC 5267 ADDTO kept raw; RFC 7377-style extra correlator items skipped.
            (
                "ESEARCH (TAG \"C01\" MAILBOX \"x\" UIDVALIDITY 7) UID ADDTO (0 32768:32769)",
                EsearchResponse {
                    tag: Some(b("C01")),
                    uid: true,
                    other: vec![(b("ADDTO"), b("(0 32768:32769)"))],
                    ..EsearchResponse::default()
                },
            ),
        ];
        for (input, expected) in table {
            let (value, rest) = ok(input, esearch_response);
            assert_eq!(value, expected, "{input:?}");
            assert_eq!(rest, "", "{input:?}");
        }
        // Trailing space is left for the line end.
        assert_eq!(ok("ESEARCH COUNT 3 \r\n", esearch_response).1, " \r\n");
    }

    #[test]
    fn esearch_negative_cases() {
        for input in [
            "ESEARCH (TAG)",
            "ESEARCH (TAG \"x\"",
            "ESEARCH (XTAG \"x\")",
            "ESEARCH MIN 0",
            "ESEARCH MIN",
            "ESEARCH COUNT x",
            "ESEARCH ALL",
            "ESEARCH PARTIAL (1:-5 NIL)",
            "ESEARCH PARTIAL (1:5)",
            "ESEARCH PARTIAL (0:5 NIL)",
        ] {
            let result = run(input.as_bytes(), esearch_response);
            assert!(
                result.as_ref().map_or(true, |(_, rest)| !rest.is_empty()),
                "{input:?} gave {result:?}"
            );
        }
    }

    /// Builds a node for the tables.
    fn node(id: Option<u32>, children: Vec<ThreadNode>) -> ThreadNode {
        ThreadNode { id, children }
    }

    fn leaf(id: u32) -> ThreadNode {
        node(Some(id), vec![])
    }

    #[test]
    fn thread_known_answers() {
        let table = vec![
            (
                "THREAD ((1)(2)(3)(4))",
                vec![node(None, vec![leaf(1), leaf(2), leaf(3), leaf(4)])],
            ),
            ("THREAD (1)(2)", vec![leaf(1), leaf(2)]),
            ("THREAD", vec![]),
            // RFC 5256 §4 example.
            (
                "THREAD (2)(3 6 (4 23)(44 7 96))",
                vec![
                    leaf(2),
                    node(
                        Some(3),
                        vec![node(
                            Some(6),
                            vec![
                                node(Some(4), vec![leaf(23)]),
                                node(Some(44), vec![node(Some(7), vec![leaf(96)])]),
                            ],
                        )],
                    ),
                ],
            ),
            // Missing root: RFC 5256 §4 "((3)(5))".
            ("THREAD ((3)(5))", vec![node(None, vec![leaf(3), leaf(5)])]),
            // Lenient: one nested list, space between lists, no SP before nesting.
            (
                "THREAD (1 (2)) (3(4))",
                vec![node(Some(1), vec![leaf(2)]), node(Some(3), vec![leaf(4)])],
            ),
        ];
        for (input, expected) in table {
            let (value, rest) = ok(input, thread_data);
            assert_eq!(value, expected, "{input:?}");
            assert_eq!(rest, "", "{input:?}");
        }
    }

    #[test]
    fn thread_negative_cases() {
        for input in [
            "THREAD ()",
            "THREAD (0)",
            "THREAD (1 (2) 3)",
            "THREAD ( 1)",
            "THREAD (1",
            "THREAD (1 x)",
            "THREAD (1)(",
        ] {
            let result = run(input.as_bytes(), thread_data);
            assert!(
                result.as_ref().map_or(true, |(_, rest)| !rest.is_empty()),
                "{input:?} gave {result:?}"
            );
        }
        // The test context allows 16 levels.
        let deep = format!("THREAD {}1{}", "(".repeat(17), ")".repeat(17));
        assert_eq!(
            run(deep.as_bytes(), thread_data).unwrap_err().kind,
            crate::parse::ParseErrorKind::TooDeep
        );
        let fits = format!("THREAD {}1{}", "(".repeat(16), ")".repeat(16));
        assert!(run(fits.as_bytes(), thread_data).is_ok());
    }

    #[test]
    fn single_message_threads_answer_as_the_general_list() {
        for (input, id) in [
            ("THREAD (4294967295)", u32::MAX),
            ("THREAD (00001)", 1),
            ("THREAD (1 )", 1),
            ("THREAD (12345678901)", 0),
            ("THREAD (4294967296)", 0),
            ("THREAD (0)", 0),
            ("THREAD ()", 0),
        ] {
            let parsed = run(input.as_bytes(), thread_data);
            if id == 0 {
                assert!(
                    parsed.as_ref().map_or(true, |(_, rest)| !rest.is_empty()),
                    "{input:?} gave {parsed:?}"
                );
            } else {
                assert_eq!(ok(input, thread_data).0, vec![leaf(id)], "{input:?}");
            }
        }
        // The depth limit still holds for a single message.
        let deep = format!("THREAD {}(1){}", "(".repeat(16), ")".repeat(16));
        assert_eq!(
            run(deep.as_bytes(), thread_data).unwrap_err().kind,
            crate::parse::ParseErrorKind::TooDeep
        );
    }

    #[test]
    fn long_reply_chains_need_no_recursion() {
        let members: Vec<String> = (1..=200_000u32).map(|n| n.to_string()).collect();
        let input = format!("THREAD ({})", members.join(" "));
        let (threads, rest) = ok(&input, thread_data);
        assert_eq!(rest, "");
        assert_eq!(threads.len(), 1);
        // Walk the chain iteratively; dropping it must not overflow the stack either.
        let mut depth = 0;
        let mut at = threads.first();
        while let Some(n) = at {
            depth += 1;
            assert_eq!(n.id, Some(depth));
            at = n.children.first();
        }
        assert_eq!(depth, 200_000);
        drop(threads);
    }

    #[test]
    fn partial_ranges() {
        assert_eq!(ok("1:100", partial_range).0, (1, 100));
        assert_eq!(ok("-1:-30", partial_range).0, (-1, -30));
        assert!(run(b"-1:30", partial_range).is_err());
        assert!(run(b"1:*", partial_range).is_err());
    }
}
