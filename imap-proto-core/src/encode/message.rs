//! Message commands: FETCH with CHANGEDSINCE/VANISHED (RFC 9051 §6.4.5, RFC 7162), STORE with
//! UNCHANGEDSINCE (§6.4.6), COPY (§6.4.7), MOVE (RFC 6851), EXPUNGE and UID EXPUNGE (§6.4.3,
//! RFC 4315), SEARCH with RETURN and CHARSET (§6.4.4, RFC 4731, RFC 5182), SORT and THREAD
//! (RFC 5256), CHECK (RFC 3501 §6.4.1), CLOSE (§6.4.1) and UNSELECT (RFC 3691).
//!
//! Each command has a sequence-number form and a `uid_` form.

use super::{
    CommandBuilder, EncodeContext, EncodeError, EncodedCommand, MAX_MOD_SEQUENCE, check_atom,
    simple,
};
use crate::types::{FetchAttr, Flag, SequenceSet, StoreOperation};

/// FETCH modifiers (RFC 4466 §2.4 `fetch-modifiers`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FetchModifiers {
    /// `CHANGEDSINCE n`: only messages whose mod-sequence is greater than `n` (RFC 7162
    /// §3.1.4). `n` must be between 1 and 2^63-1 (`mod-sequence-value`).
    pub changed_since: Option<u64>,
    /// `VANISHED`: also report UIDs expunged since `changed_since` (RFC 7162 §3.2.6). Only
    /// with UID FETCH, only together with `changed_since`, and QRESYNC must be enabled.
    pub vanished: bool,
}

/// `FETCH set items [modifiers]` (RFC 9051 §6.4.5).
pub fn fetch(
    tag: &str,
    ctx: &EncodeContext,
    set: &SequenceSet,
    items: &[FetchAttr],
    modifiers: &FetchModifiers,
) -> Result<EncodedCommand, EncodeError> {
    fetch_command(tag, ctx, false, set, items, modifiers)
}

/// `UID FETCH set items [modifiers]` (RFC 9051 §6.4.9).
pub fn uid_fetch(
    tag: &str,
    ctx: &EncodeContext,
    set: &SequenceSet,
    items: &[FetchAttr],
    modifiers: &FetchModifiers,
) -> Result<EncodedCommand, EncodeError> {
    fetch_command(tag, ctx, true, set, items, modifiers)
}

fn fetch_command(
    tag: &str,
    ctx: &EncodeContext,
    uid: bool,
    set: &SequenceSet,
    items: &[FetchAttr],
    modifiers: &FetchModifiers,
) -> Result<EncodedCommand, EncodeError> {
    let mut b = CommandBuilder::new(tag, ctx)?;
    b.push(if uid { "UID FETCH " } else { "FETCH " });
    b.sequence_set(set).sp();
    fetch_items(&mut b, items)?;
    if modifiers.vanished && !uid {
        return Err(EncodeError::InvalidArgument {
            what: "VANISHED",
            reason: "only allowed with UID FETCH (RFC 7162 §3.2.6)",
        });
    }
    match modifiers.changed_since {
        Some(mod_seq) => {
            if mod_seq == 0 || mod_seq > MAX_MOD_SEQUENCE {
                return Err(EncodeError::InvalidArgument {
                    what: "CHANGEDSINCE",
                    reason: "must be between 1 and 2^63-1 (RFC 7162 §7 mod-sequence-value)",
                });
            }
            b.push(" (CHANGEDSINCE ").number(mod_seq);
            if modifiers.vanished {
                b.push(" VANISHED");
            }
            b.push(")");
        }
        None if modifiers.vanished => {
            return Err(EncodeError::InvalidArgument {
                what: "VANISHED",
                reason: "needs CHANGEDSINCE (RFC 7162 §3.2.6)",
            });
        }
        None => {}
    }
    Ok(b.finish())
}

/// A lone macro (`ALL`, `FAST`, `FULL`) is sent bare; otherwise a parenthesised list, with
/// macros expanded since they may not appear in a list (RFC 9051 §6.4.5).
pub(crate) fn fetch_items(b: &mut CommandBuilder, items: &[FetchAttr]) -> Result<(), EncodeError> {
    match items {
        [] => Err(EncodeError::InvalidArgument {
            what: "FETCH items",
            reason: "at least one item is required",
        }),
        [single] if single.is_macro() => single.encode(b),
        _ => fetch_item_list(b, items),
    }
}

/// `"(" fetch-att *(SP fetch-att) ")"`, with macros expanded.
pub(crate) fn fetch_item_list(
    b: &mut CommandBuilder,
    items: &[FetchAttr],
) -> Result<(), EncodeError> {
    b.push("(");
    let mut first = true;
    for item in items {
        let expanded = item.macro_expansion().unwrap_or(std::slice::from_ref(item));
        for part in expanded {
            if !first {
                b.sp();
            }
            first = false;
            part.encode(b)?;
        }
    }
    b.push(")");
    Ok(())
}

/// `STORE set [(UNCHANGEDSINCE n)] op (flags)` (RFC 9051 §6.4.6, RFC 7162 §3.1.3).
/// `\Recent` and `\*` are left out of the flag list (RFC 3501 §2.3.2).
pub fn store(
    tag: &str,
    ctx: &EncodeContext,
    set: &SequenceSet,
    operation: StoreOperation,
    flags: &[Flag],
    unchanged_since: Option<u64>,
) -> Result<EncodedCommand, EncodeError> {
    store_command(tag, ctx, false, set, operation, flags, unchanged_since)
}

/// `UID STORE ...`: [`store`] by UID.
pub fn uid_store(
    tag: &str,
    ctx: &EncodeContext,
    set: &SequenceSet,
    operation: StoreOperation,
    flags: &[Flag],
    unchanged_since: Option<u64>,
) -> Result<EncodedCommand, EncodeError> {
    store_command(tag, ctx, true, set, operation, flags, unchanged_since)
}

fn store_command(
    tag: &str,
    ctx: &EncodeContext,
    uid: bool,
    set: &SequenceSet,
    operation: StoreOperation,
    flags: &[Flag],
    unchanged_since: Option<u64>,
) -> Result<EncodedCommand, EncodeError> {
    let mut b = CommandBuilder::new(tag, ctx)?;
    b.push(if uid { "UID STORE " } else { "STORE " });
    b.sequence_set(set).sp();
    if let Some(mod_seq) = unchanged_since {
        if mod_seq > MAX_MOD_SEQUENCE {
            return Err(EncodeError::InvalidArgument {
                what: "UNCHANGEDSINCE",
                reason: "a mod-sequence is at most 2^63-1 (RFC 7162 §7)",
            });
        }
        b.push("(UNCHANGEDSINCE ").number(mod_seq).push(") ");
    }
    b.push(operation.item_name()).sp();
    b.flag_list(flags)?;
    Ok(b.finish())
}

/// `COPY set mailbox` (RFC 9051 §6.4.7).
pub fn copy(
    tag: &str,
    ctx: &EncodeContext,
    set: &SequenceSet,
    mailbox: &str,
) -> Result<EncodedCommand, EncodeError> {
    set_and_mailbox(tag, ctx, "COPY ", set, mailbox)
}

/// `UID COPY set mailbox` (RFC 9051 §6.4.9).
pub fn uid_copy(
    tag: &str,
    ctx: &EncodeContext,
    set: &SequenceSet,
    mailbox: &str,
) -> Result<EncodedCommand, EncodeError> {
    set_and_mailbox(tag, ctx, "UID COPY ", set, mailbox)
}

/// `MOVE set mailbox` (RFC 6851 §3.1, RFC 9051 §6.4.8).
pub fn move_messages(
    tag: &str,
    ctx: &EncodeContext,
    set: &SequenceSet,
    mailbox: &str,
) -> Result<EncodedCommand, EncodeError> {
    set_and_mailbox(tag, ctx, "MOVE ", set, mailbox)
}

/// `UID MOVE set mailbox` (RFC 6851 §3.2).
pub fn uid_move_messages(
    tag: &str,
    ctx: &EncodeContext,
    set: &SequenceSet,
    mailbox: &str,
) -> Result<EncodedCommand, EncodeError> {
    set_and_mailbox(tag, ctx, "UID MOVE ", set, mailbox)
}

fn set_and_mailbox(
    tag: &str,
    ctx: &EncodeContext,
    command: &'static str,
    set: &SequenceSet,
    mailbox: &str,
) -> Result<EncodedCommand, EncodeError> {
    let mut b = CommandBuilder::new(tag, ctx)?;
    b.push(command);
    b.sequence_set(set).sp();
    b.mailbox("mailbox", mailbox)?;
    Ok(b.finish())
}

/// `EXPUNGE` (RFC 9051 §6.4.3).
pub fn expunge(tag: &str, ctx: &EncodeContext) -> Result<EncodedCommand, EncodeError> {
    simple(tag, ctx, "EXPUNGE")
}

/// `UID EXPUNGE set`: expunge only these `\Deleted` messages (RFC 4315 §2.1, RFC 9051 §6.4.9).
pub fn uid_expunge(
    tag: &str,
    ctx: &EncodeContext,
    set: &SequenceSet,
) -> Result<EncodedCommand, EncodeError> {
    let mut b = CommandBuilder::new(tag, ctx)?;
    b.push("UID EXPUNGE ").sequence_set(set);
    Ok(b.finish())
}

/// `CHECK` (RFC 3501 §6.4.1; removed in IMAP4rev2).
pub fn check(tag: &str, ctx: &EncodeContext) -> Result<EncodedCommand, EncodeError> {
    simple(tag, ctx, "CHECK")
}

/// `CLOSE` (RFC 9051 §6.4.1).
pub fn close(tag: &str, ctx: &EncodeContext) -> Result<EncodedCommand, EncodeError> {
    simple(tag, ctx, "CLOSE")
}

/// `UNSELECT` (RFC 3691 §3, RFC 9051 §6.4.2).
pub fn unselect(tag: &str, ctx: &EncodeContext) -> Result<EncodedCommand, EncodeError> {
    simple(tag, ctx, "UNSELECT")
}

/// `SEARCH [RETURN (options)] [CHARSET charset] criteria` (RFC 9051 §6.4.4, RFC 4731 §3).
///
/// `criteria` is raw criteria text such as `UNSEEN FROM "alice"` or a
/// [`crate::types::SearchCriteria`]; it is checked (see [`CommandBuilder::raw_text`]) and
/// refused if it contains CR, LF, NUL, `{` or unbalanced quotes or parentheses.
///
/// `return_options`: `None` for a plain SEARCH; `Some(&["MIN", "COUNT"])` for ESEARCH
/// (`Some(&[])` sends `RETURN ()`, which means `ALL`); `Some(&["SAVE"])` for SEARCHRES.
///
/// `charset`: outside UTF-8 mode, `None` sends no CHARSET unless the criteria have non-ASCII
/// text, then `CHARSET UTF-8` is added. In UTF-8 mode no CHARSET is sent at all (RFC 6855 §3
/// forbids it after `ENABLE UTF8=ACCEPT`; RFC 9051 §6.4.4 makes UTF-8 the default): a given
/// `UTF-8` or `US-ASCII` charset is dropped, any other is refused.
pub fn search(
    tag: &str,
    ctx: &EncodeContext,
    criteria: &str,
    charset: Option<&str>,
    return_options: Option<&[&str]>,
) -> Result<EncodedCommand, EncodeError> {
    search_command(tag, ctx, false, criteria, charset, return_options)
}

/// `UID SEARCH ...`: [`search`] returning UIDs.
pub fn uid_search(
    tag: &str,
    ctx: &EncodeContext,
    criteria: &str,
    charset: Option<&str>,
    return_options: Option<&[&str]>,
) -> Result<EncodedCommand, EncodeError> {
    search_command(tag, ctx, true, criteria, charset, return_options)
}

fn search_command(
    tag: &str,
    ctx: &EncodeContext,
    uid: bool,
    criteria: &str,
    charset: Option<&str>,
    return_options: Option<&[&str]>,
) -> Result<EncodedCommand, EncodeError> {
    check_criteria_present(criteria)?;
    let mut b = CommandBuilder::new(tag, ctx)?;
    b.push(if uid { "UID SEARCH" } else { "SEARCH" });
    if let Some(options) = return_options {
        b.push(" RETURN (");
        for (i, option) in options.iter().enumerate() {
            if option.trim().is_empty() {
                return Err(EncodeError::InvalidArgument {
                    what: "SEARCH return option",
                    reason: "an option must not be empty",
                });
            }
            if i > 0 {
                b.sp();
            }
            b.raw_text("SEARCH return option", option)?;
        }
        b.push(")");
    }
    let charset = if ctx.utf8 {
        match charset {
            Some(c) if !c.eq_ignore_ascii_case("UTF-8") && !c.eq_ignore_ascii_case("US-ASCII") => {
                return Err(EncodeError::InvalidArgument {
                    what: "SEARCH charset",
                    reason: "in UTF-8 mode SEARCH must not name a charset (RFC 6855 §3)",
                });
            }
            _ => None,
        }
    } else if charset.is_none() && !criteria.is_ascii() {
        Some("UTF-8")
    } else {
        charset
    };
    if let Some(charset) = charset {
        b.push(" CHARSET ");
        write_charset(&mut b, charset)?;
    }
    b.sp().raw_text("search criteria", criteria)?;
    Ok(b.finish())
}

fn check_criteria_present(criteria: &str) -> Result<(), EncodeError> {
    if criteria.trim_matches(' ').is_empty() {
        return Err(EncodeError::InvalidArgument {
            what: "search criteria",
            reason: "at least one search key is required",
        });
    }
    Ok(())
}

/// `charset = atom / quoted` (RFC 9051 §9): never a literal, so it must be ASCII text.
fn write_charset(b: &mut CommandBuilder, charset: &str) -> Result<(), EncodeError> {
    if super::is_atom(charset.as_bytes()) {
        b.atom("charset", charset)?;
        return Ok(());
    }
    if charset.is_empty()
        || !charset
            .bytes()
            .all(|c| c.is_ascii() && !c.is_ascii_control())
    {
        return Err(EncodeError::InvalidArgument {
            what: "charset",
            reason: "a charset is a non-empty ASCII name",
        });
    }
    b.string("charset", charset.as_bytes())?;
    Ok(())
}

/// `SORT (criteria) charset search-criteria` (RFC 5256 §3).
///
/// `sort_criteria` is a space-separated list of sort keys such as `"REVERSE DATE SUBJECT"`
/// (parentheses optional); each key must be an atom and `REVERSE` must precede a key. An
/// empty `charset` means `UTF-8` (the charset is mandatory in SORT). `criteria` is checked as
/// in [`search`].
pub fn sort(
    tag: &str,
    ctx: &EncodeContext,
    sort_criteria: &str,
    charset: &str,
    criteria: &str,
) -> Result<EncodedCommand, EncodeError> {
    sort_command(tag, ctx, false, sort_criteria, charset, criteria)
}

/// `UID SORT ...`: [`sort`] returning UIDs.
pub fn uid_sort(
    tag: &str,
    ctx: &EncodeContext,
    sort_criteria: &str,
    charset: &str,
    criteria: &str,
) -> Result<EncodedCommand, EncodeError> {
    sort_command(tag, ctx, true, sort_criteria, charset, criteria)
}

fn sort_command(
    tag: &str,
    ctx: &EncodeContext,
    uid: bool,
    sort_criteria: &str,
    charset: &str,
    criteria: &str,
) -> Result<EncodedCommand, EncodeError> {
    let trimmed = sort_criteria.trim_matches(' ');
    let inner = trimmed
        .strip_prefix('(')
        .and_then(|t| t.strip_suffix(')'))
        .unwrap_or(trimmed);
    let keys: Vec<&str> = inner.split(' ').filter(|k| !k.is_empty()).collect();
    let refuse = |reason| EncodeError::InvalidArgument {
        what: "sort criteria",
        reason,
    };
    if keys.is_empty() {
        return Err(refuse("at least one sort key is required"));
    }
    for (i, key) in keys.iter().enumerate() {
        check_atom("sort key", key)?;
        if key.eq_ignore_ascii_case("REVERSE")
            && keys
                .get(i + 1)
                .is_none_or(|next| next.eq_ignore_ascii_case("REVERSE"))
        {
            return Err(refuse("REVERSE must be followed by a sort key"));
        }
    }
    check_criteria_present(criteria)?;
    let mut b = CommandBuilder::new(tag, ctx)?;
    b.push(if uid { "UID SORT (" } else { "SORT (" });
    for (i, key) in keys.iter().enumerate() {
        if i > 0 {
            b.sp();
        }
        b.atom("sort key", key)?;
    }
    b.push(") ");
    write_charset(&mut b, if charset.is_empty() { "UTF-8" } else { charset })?;
    b.sp().raw_text("search criteria", criteria)?;
    Ok(b.finish())
}

/// `THREAD algorithm charset search-criteria` (RFC 5256 §3). `algorithm` (e.g. `REFERENCES`,
/// `ORDEREDSUBJECT`) must be an atom. An empty `charset` means `UTF-8`.
pub fn thread(
    tag: &str,
    ctx: &EncodeContext,
    algorithm: &str,
    charset: &str,
    criteria: &str,
) -> Result<EncodedCommand, EncodeError> {
    thread_command(tag, ctx, false, algorithm, charset, criteria)
}

/// `UID THREAD ...`: [`thread`] returning UIDs.
pub fn uid_thread(
    tag: &str,
    ctx: &EncodeContext,
    algorithm: &str,
    charset: &str,
    criteria: &str,
) -> Result<EncodedCommand, EncodeError> {
    thread_command(tag, ctx, true, algorithm, charset, criteria)
}

fn thread_command(
    tag: &str,
    ctx: &EncodeContext,
    uid: bool,
    algorithm: &str,
    charset: &str,
    criteria: &str,
) -> Result<EncodedCommand, EncodeError> {
    check_criteria_present(criteria)?;
    let mut b = CommandBuilder::new(tag, ctx)?;
    b.push(if uid { "UID THREAD " } else { "THREAD " });
    b.atom("thread algorithm", algorithm)?;
    b.sp();
    write_charset(&mut b, if charset.is_empty() { "UTF-8" } else { charset })?;
    b.sp().raw_text("search criteria", criteria)?;
    Ok(b.finish())
}

#[cfg(test)]
mod tests {
    use super::super::test_util::{ctx, wire};
    use super::super::{Fragment, LiteralMode, LiteralSupport};
    use super::*;
    use crate::types::{Partial, SearchCriteria, Section, SectionKind};
    use bytes::Bytes;

    fn rev1() -> EncodeContext {
        EncodeContext::default()
    }

    fn set(text: &str) -> SequenceSet {
        text.parse().unwrap()
    }

    fn fetch_wire(items: &[FetchAttr]) -> String {
        wire(&fetch("f", &rev1(), &set("1"), items, &FetchModifiers::default()).unwrap())
    }

    #[test]
    fn fetch_macros_and_lists() {
        assert_eq!(fetch_wire(&[FetchAttr::All]), "f FETCH 1 ALL\r\n");
        assert_eq!(fetch_wire(&[FetchAttr::Fast]), "f FETCH 1 FAST\r\n");
        assert_eq!(fetch_wire(&[FetchAttr::Full]), "f FETCH 1 FULL\r\n");
        assert_eq!(fetch_wire(&[FetchAttr::Uid]), "f FETCH 1 (UID)\r\n");
        assert_eq!(
            fetch_wire(&[FetchAttr::Uid, FetchAttr::Fast]),
            "f FETCH 1 (UID FLAGS INTERNALDATE RFC822.SIZE)\r\n"
        );
        assert!(fetch("f", &rev1(), &set("1"), &[], &FetchModifiers::default()).is_err());
    }

    #[test]
    fn fetch_every_item() {
        let items = [
            FetchAttr::Uid,
            FetchAttr::Flags,
            FetchAttr::InternalDate,
            FetchAttr::Rfc822Size,
            FetchAttr::Envelope,
            FetchAttr::Body,
            FetchAttr::BodyStructure,
            FetchAttr::ModSeq,
            FetchAttr::EmailId,
            FetchAttr::ThreadId,
            FetchAttr::Preview { lazy: false },
            FetchAttr::Preview { lazy: true },
            FetchAttr::SaveDate,
            FetchAttr::Rfc822,
            FetchAttr::Rfc822Header,
            FetchAttr::Rfc822Text,
            FetchAttr::Other("X-GM-LABELS".into()),
        ];
        assert_eq!(
            fetch_wire(&items),
            "f FETCH 1 (UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE BODY BODYSTRUCTURE MODSEQ \
             EMAILID THREADID PREVIEW PREVIEW (LAZY) SAVEDATE RFC822 RFC822.HEADER RFC822.TEXT \
             X-GM-LABELS)\r\n"
        );
    }

    #[test]
    fn fetch_sections() {
        let section = |part: &[u32], kind| Section {
            part: part.to_vec(),
            kind,
        };
        let items = [
            FetchAttr::whole_message_peek(),
            FetchAttr::body(section(&[], SectionKind::Header)),
            FetchAttr::body_peek(section(&[1, 2], SectionKind::Text)),
            FetchAttr::body_peek(section(&[3], SectionKind::Mime)),
            FetchAttr::body_peek(section(&[4], SectionKind::Full)),
            FetchAttr::header_fields_peek(["From", "Subject"]),
            FetchAttr::BodySection {
                section: section(
                    &[2],
                    SectionKind::HeaderFieldsNot(vec![Bytes::from_static(b"X-Spam Score")]),
                ),
                partial: Some(Partial {
                    origin: 0,
                    length: 1024,
                }),
                peek: false,
            },
            FetchAttr::Binary {
                part: vec![1, 2],
                partial: Some(Partial {
                    origin: 10,
                    length: 20,
                }),
                peek: true,
            },
            FetchAttr::Binary {
                part: vec![],
                partial: None,
                peek: false,
            },
            FetchAttr::BinarySize { part: vec![3] },
        ];
        assert_eq!(
            fetch_wire(&items),
            "f FETCH 1 (BODY.PEEK[] BODY[HEADER] BODY.PEEK[1.2.TEXT] BODY.PEEK[3.MIME] \
             BODY.PEEK[4] BODY.PEEK[HEADER.FIELDS (From Subject)] \
             BODY[2.HEADER.FIELDS.NOT (\"X-Spam Score\")]<0.1024> BINARY.PEEK[1.2]<10.20> \
             BINARY[] BINARY.SIZE[3])\r\n"
        );
    }

    #[test]
    fn fetch_header_field_with_line_break_is_a_literal() {
        let cmd = fetch(
            "f",
            &ctx(LiteralSupport::Sync),
            &set("1"),
            &[FetchAttr::header_fields_peek(["a\r\nb"])],
            &FetchModifiers::default(),
        )
        .unwrap();
        assert_eq!(
            cmd.fragments(),
            &[
                Fragment::Line(b"f FETCH 1 (BODY.PEEK[HEADER.FIELDS ({4}\r\n".to_vec()),
                Fragment::Literal {
                    data: Bytes::from_static(b"a\r\nb"),
                    mode: LiteralMode::Sync
                },
                Fragment::Line(b")])\r\n".to_vec()),
            ]
        );
    }

    #[test]
    fn fetch_refusals() {
        let bad_items = [
            FetchAttr::body(Section {
                part: vec![],
                kind: SectionKind::Mime,
            }),
            FetchAttr::body(Section {
                part: vec![0],
                kind: SectionKind::Full,
            }),
            FetchAttr::body(Section {
                part: vec![],
                kind: SectionKind::HeaderFields(vec![]),
            }),
            FetchAttr::body(Section {
                part: vec![],
                kind: SectionKind::Rfc822,
            }),
            FetchAttr::BodySection {
                section: Section::default(),
                partial: Some(Partial {
                    origin: 0,
                    length: 0,
                }),
                peek: true,
            },
            FetchAttr::Other("".into()),
            FetchAttr::Other("(X".into()),
            FetchAttr::Other("X\r\nf2 LOGOUT".into()),
            FetchAttr::Other("X {5}".into()),
        ];
        for item in bad_items {
            assert!(
                fetch(
                    "f",
                    &rev1(),
                    &set("1"),
                    std::slice::from_ref(&item),
                    &FetchModifiers::default()
                )
                .is_err(),
                "{item:?}"
            );
        }
    }

    #[test]
    fn fetch_modifiers() {
        let items = [FetchAttr::Flags];
        let changed = FetchModifiers {
            changed_since: Some(12345),
            vanished: false,
        };
        assert_eq!(
            wire(&fetch("f", &rev1(), &set("1:*"), &items, &changed).unwrap()),
            "f FETCH 1:* (FLAGS) (CHANGEDSINCE 12345)\r\n"
        );
        let vanished = FetchModifiers {
            changed_since: Some(12345),
            vanished: true,
        };
        assert_eq!(
            wire(&uid_fetch("f", &rev1(), &set("300:500"), &items, &vanished).unwrap()),
            "f UID FETCH 300:500 (FLAGS) (CHANGEDSINCE 12345 VANISHED)\r\n"
        );
        assert!(fetch("f", &rev1(), &set("1"), &items, &vanished).is_err());
        let no_since = FetchModifiers {
            changed_since: None,
            vanished: true,
        };
        assert!(uid_fetch("f", &rev1(), &set("1"), &items, &no_since).is_err());
        let zero = FetchModifiers {
            changed_since: Some(0),
            vanished: false,
        };
        assert!(fetch("f", &rev1(), &set("1"), &items, &zero).is_err());
    }

    #[test]
    fn store_forms() {
        let flags = [
            Flag::Deleted,
            Flag::Recent,
            Flag::MayCreate,
            Flag::keyword("$Done"),
        ];
        assert_eq!(
            wire(&store("s", &rev1(), &set("2:4"), StoreOperation::Add, &flags, None).unwrap()),
            "s STORE 2:4 +FLAGS (\\Deleted $Done)\r\n"
        );
        assert_eq!(
            wire(
                &uid_store(
                    "s",
                    &rev1(),
                    &set("7"),
                    StoreOperation::RemoveSilent,
                    &[Flag::Seen],
                    Some(320162338)
                )
                .unwrap()
            ),
            "s UID STORE 7 (UNCHANGEDSINCE 320162338) -FLAGS.SILENT (\\Seen)\r\n"
        );
        assert_eq!(
            wire(
                &store(
                    "s",
                    &rev1(),
                    &set("$"),
                    StoreOperation::Replace,
                    &[Flag::Recent],
                    Some(0)
                )
                .unwrap()
            ),
            "s STORE $ (UNCHANGEDSINCE 0) FLAGS ()\r\n"
        );
        assert!(matches!(
            store(
                "s",
                &rev1(),
                &set("1"),
                StoreOperation::Add,
                &[Flag::keyword("a\r\nb")],
                None
            ),
            Err(EncodeError::InvalidAtom {
                what: "flag keyword",
                ..
            })
        ));
        assert!(
            store(
                "s",
                &rev1(),
                &set("1"),
                StoreOperation::Add,
                &[],
                Some(u64::MAX)
            )
            .is_err()
        );
    }

    #[test]
    fn copy_move_expunge() {
        assert_eq!(
            wire(&copy("c", &rev1(), &set("2:4"), "MEETING").unwrap()),
            "c COPY 2:4 MEETING\r\n"
        );
        assert_eq!(
            wire(&uid_copy("c", &rev1(), &set("$"), "Archiv/B\u{fc}ro").unwrap()),
            "c UID COPY $ Archiv/B&APw-ro\r\n"
        );
        assert_eq!(
            wire(&move_messages("c", &rev1(), &set("1"), "Trash").unwrap()),
            "c MOVE 1 Trash\r\n"
        );
        assert_eq!(
            wire(&uid_move_messages("c", &rev1(), &set("42:44"), "Junk Mail").unwrap()),
            "c UID MOVE 42:44 \"Junk Mail\"\r\n"
        );
        assert_eq!(wire(&expunge("c", &rev1()).unwrap()), "c EXPUNGE\r\n");
        assert_eq!(
            wire(&uid_expunge("c", &rev1(), &set("3000:3002")).unwrap()),
            "c UID EXPUNGE 3000:3002\r\n"
        );
        assert_eq!(wire(&check("c", &rev1()).unwrap()), "c CHECK\r\n");
        assert_eq!(wire(&close("c", &rev1()).unwrap()), "c CLOSE\r\n");
        assert_eq!(wire(&unselect("c", &rev1()).unwrap()), "c UNSELECT\r\n");
    }

    #[test]
    fn search_forms() {
        assert_eq!(
            wire(
                &search(
                    "s",
                    &rev1(),
                    "FLAGGED SINCE 1-Feb-1994 NOT FROM \"Smith\"",
                    None,
                    None
                )
                .unwrap()
            ),
            "s SEARCH FLAGGED SINCE 1-Feb-1994 NOT FROM \"Smith\"\r\n"
        );
        assert_eq!(
            wire(&uid_search("s", &rev1(), "UNSEEN", None, Some(&["MIN", "COUNT"])).unwrap()),
            "s UID SEARCH RETURN (MIN COUNT) UNSEEN\r\n"
        );
        assert_eq!(
            wire(&search("s", &rev1(), "UNSEEN", None, Some(&[])).unwrap()),
            "s SEARCH RETURN () UNSEEN\r\n"
        );
        assert_eq!(
            wire(&uid_search("s", &rev1(), "DELETED", Some("US-ASCII"), Some(&["SAVE"])).unwrap()),
            "s UID SEARCH RETURN (SAVE) CHARSET US-ASCII DELETED\r\n"
        );
        assert_eq!(
            wire(&search("s", &rev1(), "ALL", None, Some(&["PARTIAL -1:-100"])).unwrap()),
            "s SEARCH RETURN (PARTIAL -1:-100) ALL\r\n"
        );
    }

    #[test]
    fn search_with_8bit_text() {
        let criteria = SearchCriteria::new().subject("gr\u{fc}n").unwrap();
        // IMAP4rev1 without UTF8=ACCEPT: CHARSET UTF-8 is added and the string is a literal.
        let cmd = search(
            "s",
            &ctx(LiteralSupport::Sync),
            criteria.as_ref(),
            None,
            None,
        )
        .unwrap();
        assert_eq!(
            cmd.fragments(),
            &[
                Fragment::Line(b"s SEARCH CHARSET UTF-8 SUBJECT {5}\r\n".to_vec()),
                Fragment::Literal {
                    data: Bytes::from("gr\u{fc}n"),
                    mode: LiteralMode::Sync
                },
                Fragment::Line(b"\r\n".to_vec()),
            ]
        );
        let cmd = search(
            "s",
            &ctx(LiteralSupport::NonSync),
            criteria.as_ref(),
            Some("utf-8"),
            None,
        )
        .unwrap();
        assert_eq!(
            wire(&cmd),
            "s SEARCH CHARSET utf-8 SUBJECT {5+}\r\ngr\u{fc}n\r\n"
        );
        // UTF-8 mode: quoted, and no CHARSET (RFC 6855 §3).
        let utf8 = EncodeContext {
            utf8: true,
            ..EncodeContext::default()
        };
        assert_eq!(
            wire(&search("s", &utf8, criteria.as_ref(), Some("UTF-8"), None).unwrap()),
            "s SEARCH SUBJECT \"gr\u{fc}n\"\r\n"
        );
        assert!(search("s", &utf8, "ALL", Some("KOI8-R"), None).is_err());
    }

    #[test]
    fn search_refusals() {
        for bad in [
            "",
            "   ",
            "ALL\r\ns2 LOGOUT",
            "TEXT {4}",
            "FROM \"x",
            "(ALL",
            "ALL\0",
        ] {
            assert!(search("s", &rev1(), bad, None, None).is_err(), "{bad:?}");
        }
        assert!(search("s", &rev1(), "ALL", Some("UTF-8\r\n"), None).is_err());
        assert!(search("s", &rev1(), "ALL", Some(""), None).is_err());
        assert!(search("s", &rev1(), "ALL", None, Some(&["SAVE)\r\nX"])).is_err());
        assert!(search("s", &rev1(), "ALL", None, Some(&[""])).is_err());
    }

    #[test]
    fn sort_and_thread() {
        assert_eq!(
            wire(
                &sort(
                    "s",
                    &rev1(),
                    "REVERSE DATE SUBJECT",
                    "UTF-8",
                    "UNDELETED SINCE 1-Feb-1994"
                )
                .unwrap()
            ),
            "s SORT (REVERSE DATE SUBJECT) UTF-8 UNDELETED SINCE 1-Feb-1994\r\n"
        );
        assert_eq!(
            wire(&uid_sort("s", &rev1(), "(ARRIVAL)", "", "ALL").unwrap()),
            "s UID SORT (ARRIVAL) UTF-8 ALL\r\n"
        );
        assert!(sort("s", &rev1(), "", "UTF-8", "ALL").is_err());
        assert!(sort("s", &rev1(), "DATE REVERSE", "UTF-8", "ALL").is_err());
        assert!(sort("s", &rev1(), "REVERSE REVERSE DATE", "UTF-8", "ALL").is_err());
        assert!(matches!(
            sort("s", &rev1(), "DATE)\r\nX", "UTF-8", "ALL"),
            Err(EncodeError::InvalidAtom {
                what: "sort key",
                ..
            })
        ));
        assert_eq!(
            wire(&thread("t", &rev1(), "REFERENCES", "US-ASCII", "SINCE 5-MAR-2000").unwrap()),
            "t THREAD REFERENCES US-ASCII SINCE 5-MAR-2000\r\n"
        );
        assert_eq!(
            wire(&uid_thread("t", &rev1(), "ORDEREDSUBJECT", "", "ALL").unwrap()),
            "t UID THREAD ORDEREDSUBJECT UTF-8 ALL\r\n"
        );
        assert!(thread("t", &rev1(), "REFS ALL", "UTF-8", "ALL").is_err());
        assert!(thread("t", &rev1(), "REFERENCES", "UTF-8", "ALL\n").is_err());
    }
}
