//! Mailbox data: LIST/LSUB (RFC 9051 §7.3.1, RFC 5258, RFC 6154, RFC 5465 OLDNAME), STATUS
//! (RFC 9051 §7.3.3 and the extensions that add items), NAMESPACE (RFC 2342, RFC 9051 §7.3.2)
//! and ID (RFC 2971).
//!
//! Lenient readings (see `docs/quirks.md`):
//! - mailbox attributes match case-insensitively (Cyrus sends `\drafts`, `\sent`);
//! - a `""` delimiter reads as no delimiter, like `NIL`;
//! - `NIL` where a namespace prefix or an ID field name (a `string`) belongs reads as `""`;
//! - a known STATUS item or LIST extended item whose value does not parse is kept raw
//!   (`StatusItem::Other`, `ListExtendedItem::Other`) instead of failing the response.

use bytes::Bytes;
use nom::Input;

use super::core::{
    astring, atom_len, atom_slice, byte, keyword, mailbox, many_sp, nil, nstring, number,
    number64, paren_list, paren_list_sized, quoted, raw_value, sp, spaces_before_close, string,
};
use super::error::{PErr, PResult};
use super::input::Span;
use super::response::{KEYWORD_MAX, upper_keyword};
use crate::types::{
    ListExtendedItem, MailboxAttribute, MailboxInfo, MailboxStatus, NamespaceDescriptor,
    NamespaceResponse, StatusItem,
};

/// `mailbox-data =/ "LIST" SP mailbox-list` (RFC 9051 §7.3.1).
pub fn mailbox_data_list(i: Span<'_>) -> PResult<'_, MailboxInfo> {
    let (i, _) = keyword("LIST")(i)?;
    let (i, _) = sp(i)?;
    mailbox_list(i)
}

/// `mailbox-data =/ "LSUB" SP mailbox-list` (RFC 3501 §7.2.3; gone from IMAP4rev2).
pub fn mailbox_data_lsub(i: Span<'_>) -> PResult<'_, MailboxInfo> {
    let (i, _) = keyword("LSUB")(i)?;
    let (i, _) = sp(i)?;
    mailbox_list(i)
}

/// `mailbox-list = "(" [mbx-list-flags] ")" SP (DQUOTE QUOTED-CHAR DQUOTE / nil) SP mailbox
/// [SP mbox-list-extended]` (RFC 9051 §9, RFC 5258 §6).
pub fn mailbox_list(i: Span<'_>) -> PResult<'_, MailboxInfo> {
    let (i, attributes) = mbx_list_flags(i)?;
    let (i, _) = sp(i)?;
    let (i, delimiter) = hierarchy_delimiter(i)?;
    let (i, _) = sp(i)?;
    let (i, mailbox) = mailbox(i)?;
    let (i, extended) = if i.as_slice().starts_with(b" (") {
        mbox_list_extended(i.take_from(1))?
    } else {
        (i, Vec::new())
    };
    Ok((
        i,
        MailboxInfo {
            attributes,
            delimiter,
            mailbox,
            extended,
        },
    ))
}

/// `"(" [mbx-list-flags] ")"` with `mbx-list-flags = *(mbx-list-oflag SP) mbx-list-sflag
/// *(SP mbx-list-oflag) / mbx-list-oflag *(SP mbx-list-oflag)` (RFC 9051 §9). The
/// one-selectability-flag rule is not enforced: the attributes are reported as sent.
pub fn mbx_list_flags(i: Span<'_>) -> PResult<'_, Vec<MailboxAttribute>> {
    paren_list(i, mbx_list_flag)
}

/// `mbx-list-oflag / mbx-list-sflag`: `"\" atom` in every defined form (RFC 9051 §9, RFC 6154
/// §2, RFC 5258 §3.4). Lenient: matched case-insensitively, and a bare atom is accepted.
pub fn mbx_list_flag(i: Span<'_>) -> PResult<'_, MailboxAttribute> {
    let s = i.as_slice();
    let skip = usize::from(s.first() == Some(&b'\\'));
    let n = atom_len(&s[skip..]);
    if n == 0 {
        return Err(PErr::syntax(i, "mbx-list-flag"));
    }
    let (rest, matched) = i.take_split(skip + n);
    // Classified on the slice, so a defined attribute needs no `Bytes` at all.
    let name = matched.take_from(skip);
    let attribute = MailboxAttribute::known(name.as_slice())
        .unwrap_or_else(|| MailboxAttribute::Extension(name.to_bytes()));
    Ok((rest, attribute))
}

/// `DQUOTE QUOTED-CHAR DQUOTE / nil`: the hierarchy delimiter of `mailbox-list` and
/// `namespace-descr` (RFC 9051 §9). Lenient: `""` reads as no delimiter.
pub fn hierarchy_delimiter(i: Span<'_>) -> PResult<'_, Option<char>> {
    // The common form, one plain ASCII character between quotes (`"/"`, `"."`), read in
    // place: going through `quoted` made and dropped a `Bytes` for every LIST response.
    if let [b'"', c, b'"', ..] = i.as_slice()
        && c.is_ascii()
        && !matches!(c, b'"' | b'\\' | b'\r' | b'\n' | 0)
    {
        return Ok((i.take_from(3), Some(char::from(*c))));
    }
    general_delimiter(i)
}

/// [`hierarchy_delimiter`] in every form: NIL, escapes, non-ASCII, and the errors.
fn general_delimiter(i: Span<'_>) -> PResult<'_, Option<char>> {
    if i.as_slice().first() != Some(&b'"') {
        let (rest, ()) = nil(i)?;
        return Ok((rest, None));
    }
    let (rest, q) = quoted(i)?;
    let Ok(s) = std::str::from_utf8(&q) else {
        return Err(PErr::syntax(i, "QUOTED-CHAR"));
    };
    let mut chars = s.chars();
    match (chars.next(), chars.next()) {
        (c, None) => Ok((rest, c)),
        _ => Err(PErr::syntax(i, "QUOTED-CHAR")),
    }
}

/// `mbox-list-extended = "(" [mbox-list-extended-item *(SP mbox-list-extended-item)] ")"`
/// (RFC 5258 §6, RFC 9051 §9).
pub fn mbox_list_extended(i: Span<'_>) -> PResult<'_, Vec<ListExtendedItem>> {
    paren_list(i, mbox_list_extended_item)
}

/// `mbox-list-extended-item = mbox-list-extended-item-tag SP tagged-ext-val`, with
/// `childinfo-extended-item` (RFC 5258 §4) and `oldname-extended-item` (RFC 5465 §8,
/// RFC 9051 §9) decoded. The tag may be quoted (`"CHILDINFO"`).
pub fn mbox_list_extended_item(i: Span<'_>) -> PResult<'_, ListExtendedItem> {
    let (i, tag) = astring(i)?;
    let (value_at, _) = sp(i)?;
    let mut buf = [0u8; KEYWORD_MAX];
    let typed = match upper_keyword(&tag, &mut buf) {
        b"CHILDINFO" => Some(childinfo_value(value_at)),
        b"OLDNAME" => Some(oldname_value(value_at)),
        _ => None,
    };
    if let Some(Ok((rest, item))) = typed {
        return Ok((rest, item));
    }
    let (rest, value) = raw_value(value_at, 1)?;
    Ok((rest, ListExtendedItem::Other { tag, value }))
}

/// `"(" list-select-base-opt-quoted *(SP list-select-base-opt-quoted) ")"` (RFC 5258 §6).
/// Lenient: unquoted options are accepted too.
fn childinfo_value(i: Span<'_>) -> PResult<'_, ListExtendedItem> {
    let (rest, opts) = paren_list(i, astring)?;
    Ok((rest, ListExtendedItem::ChildInfo(opts)))
}

/// `"(" mailbox ")"` of `oldname-extended-item` (RFC 5465 §8).
fn oldname_value(i: Span<'_>) -> PResult<'_, ListExtendedItem> {
    let (i, _) = byte(b'(')(i)?;
    let (i, name) = mailbox(i)?;
    let (i, _) = byte(b')')(i)?;
    Ok((i, ListExtendedItem::OldName(name)))
}

/// `mailbox-data =/ "STATUS" SP mailbox SP "(" [status-att-list] ")"` (RFC 9051 §7.3.3).
pub fn mailbox_data_status(i: Span<'_>) -> PResult<'_, MailboxStatus> {
    let (i, _) = keyword("STATUS")(i)?;
    let (i, _) = sp(i)?;
    let (i, mailbox) = mailbox(i)?;
    let (i, _) = sp(i)?;
    let (i, items) = status_att_list(i)?;
    Ok((i, MailboxStatus { mailbox, items }))
}

/// `"(" [status-att-list] ")"` with `status-att-list = status-att-val *(SP status-att-val)`
/// (RFC 9051 §9). Lenient about doubled and trailing spaces.
///
/// The list is sized once: each item is a name and a value, so an item takes two of the
/// spaces before the `)` that closes the list, less one (a value holding a space or `)`
/// only makes it grow). A STATUS of six or seven items grew from four to eight (a
/// reallocation, about 300 instructions) and kept the spare room.
pub fn status_att_list(i: Span<'_>) -> PResult<'_, Vec<StatusItem>> {
    paren_list_sized(
        i,
        |s| spaces_before_close(s).div_ceil(2),
        status_att_val,
    )
}

/// `status-att-val = ("MESSAGES" SP number) / ("UIDNEXT" SP nz-number) / ("UIDVALIDITY" SP
/// nz-number) / ("UNSEEN" SP number) / ("DELETED" SP number) / ("SIZE" SP number64)`
/// (RFC 9051 §9), `=/ "RECENT" SP number` (RFC 3501), `"HIGHESTMODSEQ" SP
/// mod-sequence-valzer` (RFC 7162 §7), `"MAILBOXID" SP "(" objectid ")"` (RFC 8474 §7),
/// `"APPENDLIMIT" SP (number / nil)` (RFC 7889 §5), `"DELETED-STORAGE" SP number64`
/// (RFC 9208 §7), and any other `tagged-ext` item kept raw.
///
/// Lenient: UIDNEXT and UIDVALIDITY accept 0, and APPENDLIMIT a 64-bit number.
pub fn status_att_val(i: Span<'_>) -> PResult<'_, StatusItem> {
    let (after_name, name) = atom_slice(i)?;
    let (value_at, _) = sp(after_name)?;
    let mut buf = [0u8; KEYWORD_MAX];
    let num = |f: fn(u32) -> StatusItem| Some(number(value_at).map(|(r, n)| (r, f(n))));
    let num64 = |f: fn(u64) -> StatusItem| Some(number64(value_at).map(|(r, n)| (r, f(n))));
    let typed = match upper_keyword(name, &mut buf) {
        b"MESSAGES" => num(StatusItem::Messages),
        b"RECENT" => num(StatusItem::Recent),
        b"UIDNEXT" => num(StatusItem::UidNext),
        b"UIDVALIDITY" => num(StatusItem::UidValidity),
        b"UNSEEN" => num(StatusItem::Unseen),
        b"DELETED" => num(StatusItem::Deleted),
        b"SIZE" => num64(StatusItem::Size),
        b"HIGHESTMODSEQ" => num64(StatusItem::HighestModSeq),
        b"DELETED-STORAGE" => num64(StatusItem::DeletedStorage),
        b"MAILBOXID" => {
            Some(parenthesized_objectid(value_at).map(|(r, id)| (r, StatusItem::MailboxId(id))))
        }
        b"APPENDLIMIT" => Some(match nil(value_at) {
            Ok((r, ())) => Ok((r, StatusItem::AppendLimit(None))),
            Err(_) => number64(value_at).map(|(r, n)| (r, StatusItem::AppendLimit(Some(n)))),
        }),
        _ => None,
    };
    if let Some(Ok(parsed)) = typed {
        return Ok(parsed);
    }
    let (rest, value) = raw_value(value_at, 1)?;
    Ok((
        rest,
        StatusItem::Other {
            name: i.take(name.len()).to_bytes(),
            value,
        },
    ))
}

/// `objectid = 1*255(ALPHA / DIGIT / "_" / "-")` (RFC 8474 §7). Object ids are case-sensitive
/// and kept as sent.
pub fn objectid(i: Span<'_>) -> PResult<'_, Bytes> {
    let n = i
        .as_slice()
        .iter()
        .take(256)
        .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-'))
        .count();
    if n == 0 || n > 255 {
        return Err(PErr::syntax(i, "objectid"));
    }
    let (rest, id) = i.take_split(n);
    Ok((rest, id.to_bytes()))
}

/// `"(" objectid ")"`: the form MAILBOXID takes in STATUS and in its response code
/// (RFC 8474 §4.1, §7).
pub fn parenthesized_objectid(i: Span<'_>) -> PResult<'_, Bytes> {
    let (i, _) = byte(b'(')(i)?;
    let (i, id) = objectid(i)?;
    let (i, _) = byte(b')')(i)?;
    Ok((i, id))
}

/// `namespace-response = "NAMESPACE" SP namespace SP namespace SP namespace` (RFC 2342 §5,
/// RFC 9051 §7.3.2): personal, other users' and shared namespaces.
pub fn namespace_response(i: Span<'_>) -> PResult<'_, NamespaceResponse> {
    let (i, _) = keyword("NAMESPACE")(i)?;
    let (i, personal) = namespace_after_sp(i)?;
    let (i, other_users) = namespace_after_sp(i)?;
    let (i, shared) = namespace_after_sp(i)?;
    Ok((
        i,
        NamespaceResponse {
            personal,
            other_users,
            shared,
        },
    ))
}

/// `SP namespace`
fn namespace_after_sp(i: Span<'_>) -> PResult<'_, Vec<NamespaceDescriptor>> {
    let (i, _) = sp(i)?;
    namespace(i)
}

/// `namespace = nil / "(" 1*namespace-descr ")"` (RFC 9051 §9). Lenient: `()` reads like
/// `NIL`, and spaces between descriptors are allowed.
pub fn namespace(i: Span<'_>) -> PResult<'_, Vec<NamespaceDescriptor>> {
    if i.as_slice().first() == Some(&b'(') {
        paren_list(i, namespace_descr)
    } else {
        let (rest, ()) = nil(i)?;
        Ok((rest, Vec::new()))
    }
}

/// `namespace-descr = "(" string SP (DQUOTE QUOTED-CHAR DQUOTE / nil)
/// [namespace-response-extensions] ")"` (RFC 9051 §9, RFC 2342 §5).
/// Lenient: a `NIL` prefix reads as `""`.
pub fn namespace_descr(i: Span<'_>) -> PResult<'_, NamespaceDescriptor> {
    let (i, _) = byte(b'(')(i)?;
    let (i, prefix) = string_or_nil(i)?;
    let (i, _) = sp(i)?;
    let (i, delimiter) = hierarchy_delimiter(i)?;
    let (i, extensions) = many_sp(i, namespace_response_extension)?;
    let i = i.take_from(i.as_slice().iter().take_while(|&&b| b == b' ').count());
    let (i, _) = byte(b')')(i)?;
    Ok((
        i,
        NamespaceDescriptor {
            prefix: crate::types::Mailbox::from_wire(prefix),
            delimiter,
            extensions,
        },
    ))
}

/// `namespace-response-extension = SP string SP "(" string *(SP string) ")"` (RFC 9051 §9),
/// after its leading SP.
pub fn namespace_response_extension(i: Span<'_>) -> PResult<'_, (Bytes, Vec<Bytes>)> {
    let (i, name) = string(i)?;
    let (i, _) = sp(i)?;
    let (i, values) = paren_list(i, string)?;
    Ok((i, (name, values)))
}

/// `string`, leniently also `NIL` read as the empty string (reported for Microsoft Exchange
/// in places where the grammar requires a string).
fn string_or_nil(i: Span<'_>) -> PResult<'_, Bytes> {
    match string(i) {
        Ok(ok) => Ok(ok),
        Err(nom::Err::Error(e)) => match nil(i) {
            Ok((rest, ())) => Ok((rest, Bytes::new())),
            Err(_) => Err(nom::Err::Error(e)),
        },
        Err(e) => Err(e),
    }
}

/// The field/value pairs of an ID response, as [`crate::types::Untagged::Id`] holds them.
pub type IdParams = Vec<(Bytes, Option<Bytes>)>;

/// `id-response = "ID" SP id-params-list` (RFC 2971 §4): the server's identification, or
/// `None` for `ID NIL`.
pub fn id_response(i: Span<'_>) -> PResult<'_, Option<IdParams>> {
    let (i, _) = keyword("ID")(i)?;
    let (i, _) = sp(i)?;
    id_params_list(i)
}

/// `id-params-list = "(" #(string SP nstring) ")" / nil` (RFC 2971 §4; `#` is a
/// space-separated list that may be empty). Lenient: a `NIL` field name reads as `""`.
pub fn id_params_list(i: Span<'_>) -> PResult<'_, Option<IdParams>> {
    if i.as_slice().first() != Some(&b'(') {
        let (rest, ()) = nil(i)?;
        return Ok((rest, None));
    }
    let (rest, params) = paren_list(i, |j| {
        let (j, field) = string_or_nil(j)?;
        let (j, _) = sp(j)?;
        let (j, value) = nstring(j)?;
        Ok((j, (field, value)))
    })?;
    Ok((rest, Some(params)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::ParseErrorKind;
    use crate::parse::core::tests::run;
    use crate::types::Mailbox;

    fn b(s: &str) -> Bytes {
        Bytes::copy_from_slice(s.as_bytes())
    }

    /// The in-place read of a one-character delimiter against the general path through
    /// `quoted`, for every byte between the quotes.
    #[test]
    fn delimiters_read_as_the_quoted_path_reads_them() {
        let by_quoted = general_delimiter;
        for byte in 0..=255u8 {
            for tail in [&b" x"[..], b"\"", b""] {
                let mut text = vec![b'"', byte, b'"'];
                text.extend_from_slice(tail);
                assert_eq!(
                    run(&text, hierarchy_delimiter),
                    run(&text, by_quoted),
                    "{text:?}"
                );
            }
        }
        for text in ["NIL x", "\"\" x", "\"\\\\\" x", "\"ab\" x", "\"\u{e9}\" x", "\"/"] {
            assert_eq!(
                run(text.as_bytes(), hierarchy_delimiter),
                run(text.as_bytes(), by_quoted),
                "{text:?}"
            );
        }
    }

    fn mbox(s: &str) -> Mailbox {
        Mailbox::from_wire(b(s))
    }

    fn ok<T>(input: &str, parser: impl for<'a> Fn(Span<'a>) -> PResult<'a, T>) -> T {
        let (value, rest) =
            run(input.as_bytes(), parser).unwrap_or_else(|e| panic!("{input:?}: {e}"));
        assert!(
            rest.is_empty(),
            "{input:?} left {:?}",
            String::from_utf8_lossy(&rest)
        );
        value
    }

    #[test]
    fn list_known_answers() {
        use MailboxAttribute as A;
        let info = |attributes, delimiter, name: &str, extended| MailboxInfo {
            attributes,
            delimiter,
            mailbox: mbox(name),
            extended,
        };
        let table = vec![
            (
                "LIST (\\HasNoChildren \\Drafts) \"/\" Drafts",
                info(
                    vec![A::HasNoChildren, A::Drafts],
                    Some('/'),
                    "Drafts",
                    vec![],
                ),
            ),
            (
                "LIST () \"/\" INBOX",
                info(vec![], Some('/'), "INBOX", vec![]),
            ),
            (
                "LIST (\\Noselect) \"/\" \"\"",
                info(vec![A::NoSelect], Some('/'), "", vec![]),
            ),
            // Cyrus: lower-case special-use attributes.
            (
                "LIST (\\HasNoChildren \\archive \\junk \\sent \\trash) \"/\" Archive",
                info(
                    vec![A::HasNoChildren, A::Archive, A::Junk, A::Sent, A::Trash],
                    Some('/'),
                    "Archive",
                    vec![],
                ),
            ),
            // Flat namespace; lowercase nil.
            (
                "LIST (\\NoInferiors) nil \"INBOX\"",
                info(vec![A::NoInferiors], None, "INBOX", vec![]),
            ),
            // Quoted-special and non-ASCII delimiters.
            (
                "LIST () \"\\\\\" \"a\\\\b\"",
                info(vec![], Some('\\'), "a\\b", vec![]),
            ),
            (
                "LIST () \"\u{b7}\" x",
                info(vec![], Some('\u{b7}'), "x", vec![]),
            ),
            // Lenient: an empty delimiter means none.
            ("LIST () \"\" x", info(vec![], None, "x", vec![])),
            // A mailbox literally named NIL, and a literal name.
            ("LIST () \"/\" NIL", info(vec![], Some('/'), "NIL", vec![])),
            (
                "LIST () \".\" {7}\r\nA\r\nB c]",
                info(vec![], Some('.'), "A\r\nB c]", vec![]),
            ),
            // 8-bit quoted name.
            (
                "LIST () \"/\" \"Entw\u{fc}rfe\"",
                info(vec![], Some('/'), "Entw\u{fc}rfe", vec![]),
            ),
            (
                "LIST (\\Marked \\X-Custom) \"/\" foo",
                info(
                    vec![A::Marked, A::Extension(b("X-Custom"))],
                    Some('/'),
                    "foo",
                    vec![],
                ),
            ),
            // IMAP4rev2 / RFC 5465 OLDNAME, quoted tag.
            (
                "LIST () \"/\" INBOX (\"OLDNAME\" (\"x\"))",
                info(
                    vec![],
                    Some('/'),
                    "INBOX",
                    vec![ListExtendedItem::OldName(mbox("x"))],
                ),
            ),
            // RFC 5258 §5 example: CHILDINFO.
            (
                "LIST () \"/\" \"Foo\" (\"CHILDINFO\" (\"SUBSCRIBED\"))",
                info(
                    vec![],
                    Some('/'),
                    "Foo",
                    vec![ListExtendedItem::ChildInfo(vec![b("SUBSCRIBED")])],
                ),
            ),
            (
                "LIST (\\Subscribed \\NonExistent) \"/\" Bar (CHILDINFO (\"SUBSCRIBED\" \"REMOTE\") X-VENDOR (1 2) OLDNAME (y))",
                info(
                    vec![A::Subscribed, A::NonExistent],
                    Some('/'),
                    "Bar",
                    vec![
                        ListExtendedItem::ChildInfo(vec![b("SUBSCRIBED"), b("REMOTE")]),
                        ListExtendedItem::Other {
                            tag: b("X-VENDOR"),
                            value: b("(1 2)"),
                        },
                        ListExtendedItem::OldName(mbox("y")),
                    ],
                ),
            ),
            // A known tag with a malformed value is kept raw.
            (
                "LIST () \"/\" z (OLDNAME 12)",
                info(
                    vec![],
                    Some('/'),
                    "z",
                    vec![ListExtendedItem::Other {
                        tag: b("OLDNAME"),
                        value: b("12"),
                    }],
                ),
            ),
        ];
        for (input, expected) in table {
            assert_eq!(ok(input, mailbox_data_list), expected, "{input:?}");
        }
        let lsub = ok("LSUB (\\Noselect) \".\" #news.", mailbox_data_lsub);
        assert_eq!(lsub.mailbox, mbox("#news."));
        assert_eq!(lsub.delimiter, Some('.'));
    }

    #[test]
    fn list_negative_cases() {
        for input in [
            "LIST \"/\" INBOX",
            "LIST () \"//\" INBOX",
            "LIST () / INBOX",
            "LIST () \"/\"",
            "LIST (\\) \"/\" x",
            "LIST () \"/\" x (OLDNAME)",
            "LIST (\\Seen \"/\" x",
        ] {
            let result = run(input.as_bytes(), mailbox_data_list);
            assert!(
                result.as_ref().map_or(true, |(_, rest)| !rest.is_empty()),
                "{input:?} gave {result:?}"
            );
        }
    }

    #[test]
    fn status_known_answers() {
        use StatusItem as S;
        let table = vec![
            (
                "STATUS INBOX (MESSAGES 4 UIDNEXT 5 UIDVALIDITY 1795688971 UNSEEN 3 HIGHESTMODSEQ 4 SIZE 748)",
                "INBOX",
                vec![
                    S::Messages(4),
                    S::UidNext(5),
                    S::UidValidity(1_795_688_971),
                    S::Unseen(3),
                    S::HighestModSeq(4),
                    S::Size(748),
                ],
            ),
            (
                "STATUS probe-dest-1795689063298 (MESSAGES 2)",
                "probe-dest-1795689063298",
                vec![S::Messages(2)],
            ),
            ("STATUS \"a b\" ()", "a b", vec![]),
            (
                "STATUS x (RECENT 1 DELETED 2 DELETED-STORAGE 30000000000 MAILBOXID (F2212ea87-6097-4256-9d51-71338625) APPENDLIMIT 4294967295)",
                "x",
                vec![
                    S::Recent(1),
                    S::Deleted(2),
                    S::DeletedStorage(30_000_000_000),
                    S::MailboxId(b("F2212ea87-6097-4256-9d51-71338625")),
                    S::AppendLimit(Some(4_294_967_295)),
                ],
            ),
            (
                "STATUS x (APPENDLIMIT NIL)",
                "x",
                vec![S::AppendLimit(None)],
            ),
            // HIGHESTMODSEQ 0: no persistent mod-sequences (RFC 7162 §3.1.2.2).
            ("STATUS x (highestmodseq 0)", "x", vec![S::HighestModSeq(0)]),
            // Lenient spaces, unknown items kept raw, malformed known item kept raw.
            (
                "STATUS x ( MESSAGES 1  X-GUID \"abc\" X-LIST (1 (2)) UNSEEN many )",
                "x",
                vec![
                    S::Messages(1),
                    S::Other {
                        name: b("X-GUID"),
                        value: b("abc"),
                    },
                    S::Other {
                        name: b("X-LIST"),
                        value: b("(1 (2))"),
                    },
                    S::Other {
                        name: b("UNSEEN"),
                        value: b("many"),
                    },
                ],
            ),
        ];
        for (input, name, items) in table {
            assert_eq!(
                ok(input, mailbox_data_status),
                MailboxStatus {
                    mailbox: mbox(name),
                    items,
                },
                "{input:?}"
            );
        }
    }

    #[test]
    fn status_negative_cases() {
        for input in [
            "STATUS INBOX",
            "STATUS INBOX MESSAGES 1",
            "STATUS INBOX (MESSAGES)",
            "STATUS INBOX (MESSAGES 1",
            "STATUS (MESSAGES 1)",
        ] {
            let result = run(input.as_bytes(), mailbox_data_status);
            assert!(
                result.as_ref().map_or(true, |(_, rest)| !rest.is_empty()),
                "{input:?} gave {result:?}"
            );
        }
        let deep = format!("STATUS x (X {}{})", "(".repeat(20), ")".repeat(20));
        assert_eq!(
            run(deep.as_bytes(), mailbox_data_status).unwrap_err().kind,
            ParseErrorKind::TooDeep
        );
    }

    #[test]
    fn objectid_bounds() {
        assert_eq!(ok("(abc_-9Z)", parenthesized_objectid), b("abc_-9Z"));
        let long = "a".repeat(255);
        assert_eq!(ok(&long, objectid), b(&long));
        assert!(run("a".repeat(256).as_bytes(), objectid).is_err());
        assert!(run(b"()", parenthesized_objectid).is_err());
        assert!(run(b"(a.b)", parenthesized_objectid).is_err());
    }

    #[test]
    fn namespace_known_answers() {
        let d = |prefix: &str, delimiter, extensions| NamespaceDescriptor {
            prefix: mbox(prefix),
            delimiter,
            extensions,
        };
        let table = vec![
            // Dovecot 2.3.
            (
                "NAMESPACE ((\"\" \"/\")) ((\"shared/\" \"/\")) NIL",
                NamespaceResponse {
                    personal: vec![d("", Some('/'), vec![])],
                    other_users: vec![d("shared/", Some('/'), vec![])],
                    shared: vec![],
                },
            ),
            // Cyrus 3.6.
            (
                "NAMESPACE ((\"\" \"/\")) ((\"Other Users/\" \"/\")) ((\"Shared Folders/\" \"/\"))",
                NamespaceResponse {
                    personal: vec![d("", Some('/'), vec![])],
                    other_users: vec![d("Other Users/", Some('/'), vec![])],
                    shared: vec![d("Shared Folders/", Some('/'), vec![])],
                },
            ),
            // RFC 2342 §5 example 5.9, with an extension; lowercase nil; NIL delimiter.
            (
                "NAMESPACE ((\"\" \"/\")(\"#mh/\" \"/\" \"X-PARAM\" (\"FLAG1\" \"FLAG2\"))) nil ((\"#x\" NIL))",
                NamespaceResponse {
                    personal: vec![
                        d("", Some('/'), vec![]),
                        d(
                            "#mh/",
                            Some('/'),
                            vec![(b("X-PARAM"), vec![b("FLAG1"), b("FLAG2")])],
                        ),
                    ],
                    other_users: vec![],
                    shared: vec![d("#x", None, vec![])],
                },
            ),
            // Lenient: NIL prefix (Exchange), () for no namespaces, spaces between
            // descriptors.
            (
                "NAMESPACE ((NIL \"/\") (\"a.\" \".\")) () NIL",
                NamespaceResponse {
                    personal: vec![d("", Some('/'), vec![]), d("a.", Some('.'), vec![])],
                    other_users: vec![],
                    shared: vec![],
                },
            ),
        ];
        for (input, expected) in table {
            assert_eq!(ok(input, namespace_response), expected, "{input:?}");
        }
        for input in [
            "NAMESPACE ((\"\" \"/\")) NIL",
            "NAMESPACE ((\"\")) NIL NIL",
            "NAMESPACE (\"\" \"/\") NIL NIL",
            "NAMESPACE ((\"\" \"/\" \"X\")) NIL NIL",
        ] {
            let result = run(input.as_bytes(), namespace_response);
            assert!(
                result.as_ref().map_or(true, |(_, rest)| !rest.is_empty()),
                "{input:?} gave {result:?}"
            );
        }
    }

    #[test]
    fn id_known_answers() {
        let table = vec![
            (
                "ID (\"name\" \"Dovecot\")",
                Some(vec![(b("name"), Some(b("Dovecot")))]),
            ),
            (
                "ID (\"name\" \"Cyrus IMAPD\" \"os\" NIL \"support-url\" \"https://www.cyrusimap.org\")",
                Some(vec![
                    (b("name"), Some(b("Cyrus IMAPD"))),
                    (b("os"), None),
                    (b("support-url"), Some(b("https://www.cyrusimap.org"))),
                ]),
            ),
            ("ID NIL", None),
            ("ID nil", None),
            ("ID ()", Some(vec![])),
            // Lenient: NIL field name.
            ("ID (NIL \"x\")", Some(vec![(b(""), Some(b("x")))])),
        ];
        for (input, expected) in table {
            assert_eq!(ok(input, id_response), expected, "{input:?}");
        }
        for input in ["ID", "ID (\"name\")", "ID (name \"x\")", "ID \"name\""] {
            let result = run(input.as_bytes(), id_response);
            assert!(
                result.as_ref().map_or(true, |(_, rest)| !rest.is_empty()),
                "{input:?} gave {result:?}"
            );
        }
    }
}
