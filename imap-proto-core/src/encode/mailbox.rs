//! Mailbox commands: SELECT and EXAMINE with CONDSTORE/QRESYNC parameters (RFC 9051 §6.3.2,
//! §6.3.3, RFC 7162), CREATE with special-use attributes (RFC 6154 §3), DELETE, RENAME,
//! SUBSCRIBE, UNSUBSCRIBE, LIST with LIST-EXTENDED options (RFC 5258) and LIST-STATUS
//! (RFC 5819), LSUB (RFC 3501 §6.3.9) and STATUS (RFC 9051 §6.3.11).
//!
//! Mailbox names are given in Unicode; they go on the wire in modified UTF-7 unless the
//! context is in UTF-8 mode.

use super::{CommandBuilder, EncodeContext, EncodeError, EncodedCommand, MAX_MOD_SEQUENCE};
use crate::types::{MailboxAttribute, QresyncParams, SelectOptions, SequenceSet};

/// `SELECT mailbox [select-params]` (RFC 9051 §6.3.2, RFC 4466 §2.1).
pub fn select(
    tag: &str,
    ctx: &EncodeContext,
    mailbox: &str,
    options: &SelectOptions,
) -> Result<EncodedCommand, EncodeError> {
    select_or_examine(tag, ctx, "SELECT ", mailbox, options)
}

/// `EXAMINE mailbox [select-params]`: SELECT read-only (RFC 9051 §6.3.3).
pub fn examine(
    tag: &str,
    ctx: &EncodeContext,
    mailbox: &str,
    options: &SelectOptions,
) -> Result<EncodedCommand, EncodeError> {
    select_or_examine(tag, ctx, "EXAMINE ", mailbox, options)
}

fn select_or_examine(
    tag: &str,
    ctx: &EncodeContext,
    command: &'static str,
    mailbox: &str,
    options: &SelectOptions,
) -> Result<EncodedCommand, EncodeError> {
    let mut b = CommandBuilder::new(tag, ctx)?;
    b.push(command);
    b.mailbox("mailbox", mailbox)?;
    if let Some(params) = &options.qresync {
        b.push(" (QRESYNC (");
        qresync_params(&mut b, params)?;
        b.push("))");
    } else if options.condstore {
        b.push(" (CONDSTORE)");
    }
    Ok(b.finish())
}

/// `uidvalidity SP mod-sequence-value [SP known-uids] [SP seq-match-data]` (RFC 7162 §7).
fn qresync_params(b: &mut CommandBuilder, params: &QresyncParams) -> Result<(), EncodeError> {
    if params.uid_validity == 0 {
        return Err(EncodeError::InvalidArgument {
            what: "QRESYNC UIDVALIDITY",
            reason: "must not be 0",
        });
    }
    if params.mod_seq == 0 || params.mod_seq > MAX_MOD_SEQUENCE {
        return Err(EncodeError::InvalidArgument {
            what: "QRESYNC mod-sequence",
            reason: "must be between 1 and 2^63-1 (RFC 7162 §7)",
        });
    }
    b.number(u64::from(params.uid_validity))
        .sp()
        .number(params.mod_seq);
    if let Some(known) = &params.known_uids {
        check_known_set("QRESYNC known UIDs", known)?;
        b.sp().sequence_set(known);
    }
    if let Some((seqs, uids)) = &params.seq_match {
        check_known_set("QRESYNC known sequence set", seqs)?;
        check_known_set("QRESYNC known UID set", uids)?;
        b.push(" (")
            .sequence_set(seqs)
            .sp()
            .sequence_set(uids)
            .push(")");
    }
    Ok(())
}

/// QRESYNC sets name messages explicitly: `*` is not allowed (RFC 7162 §7), nor is `$`.
fn check_known_set(what: &'static str, set: &SequenceSet) -> Result<(), EncodeError> {
    if set.uses_largest() || set.is_saved_result() {
        return Err(EncodeError::InvalidArgument {
            what,
            reason: "'*' and '$' are not allowed here (RFC 7162 §7)",
        });
    }
    Ok(())
}

/// `CREATE mailbox` or, with special-use attributes, `CREATE mailbox (USE (\Sent ...))`
/// (RFC 6154 §3; needs CREATE-SPECIAL-USE). Only special-use attributes (`\All`, `\Archive`,
/// `\Drafts`, `\Flagged`, `\Junk`, `\Sent`, `\Trash`, `\Important`, or an extension) are
/// allowed; LIST-only attributes such as `\Noselect` are refused.
pub fn create(
    tag: &str,
    ctx: &EncodeContext,
    mailbox: &str,
    special_use: &[MailboxAttribute],
) -> Result<EncodedCommand, EncodeError> {
    let mut b = CommandBuilder::new(tag, ctx)?;
    b.push("CREATE ");
    b.mailbox("mailbox", mailbox)?;
    if !special_use.is_empty() {
        b.push(" (USE (");
        for (i, attr) in special_use.iter().enumerate() {
            if i > 0 {
                b.sp();
            }
            use_attr(&mut b, attr)?;
        }
        b.push("))");
    }
    Ok(b.finish())
}

/// `use-attr = "\All" / "\Archive" / "\Drafts" / "\Flagged" / "\Junk" / "\Sent" / "\Trash" /
/// use-attr-ext` (RFC 6154 §6, RFC 8457 for `\Important`).
fn use_attr(b: &mut CommandBuilder, attr: &MailboxAttribute) -> Result<(), EncodeError> {
    let name = match attr {
        MailboxAttribute::All => "\\All",
        MailboxAttribute::Archive => "\\Archive",
        MailboxAttribute::Drafts => "\\Drafts",
        MailboxAttribute::Flagged => "\\Flagged",
        MailboxAttribute::Junk => "\\Junk",
        MailboxAttribute::Sent => "\\Sent",
        MailboxAttribute::Trash => "\\Trash",
        MailboxAttribute::Important => "\\Important",
        MailboxAttribute::Extension(name) => {
            let text = std::str::from_utf8(name).map_err(|_| EncodeError::InvalidAtom {
                what: "special-use attribute",
                value: String::from_utf8_lossy(name).into_owned(),
            })?;
            b.push("\\");
            b.atom("special-use attribute", text)?;
            return Ok(());
        }
        _ => {
            return Err(EncodeError::InvalidArgument {
                what: "special-use attribute",
                reason: "only special-use attributes can be given to CREATE (RFC 6154 §3)",
            });
        }
    };
    b.push(name);
    Ok(())
}

/// `DELETE mailbox` (RFC 9051 §6.3.5).
pub fn delete(
    tag: &str,
    ctx: &EncodeContext,
    mailbox: &str,
) -> Result<EncodedCommand, EncodeError> {
    one_mailbox(tag, ctx, "DELETE ", mailbox)
}

/// `RENAME mailbox new-name` (RFC 9051 §6.3.6).
pub fn rename(
    tag: &str,
    ctx: &EncodeContext,
    mailbox: &str,
    new_name: &str,
) -> Result<EncodedCommand, EncodeError> {
    let mut b = CommandBuilder::new(tag, ctx)?;
    b.push("RENAME ");
    b.mailbox("mailbox", mailbox)?;
    b.sp();
    b.mailbox("new mailbox name", new_name)?;
    Ok(b.finish())
}

/// `SUBSCRIBE mailbox` (RFC 9051 §6.3.7).
pub fn subscribe(
    tag: &str,
    ctx: &EncodeContext,
    mailbox: &str,
) -> Result<EncodedCommand, EncodeError> {
    one_mailbox(tag, ctx, "SUBSCRIBE ", mailbox)
}

/// `UNSUBSCRIBE mailbox` (RFC 9051 §6.3.8).
pub fn unsubscribe(
    tag: &str,
    ctx: &EncodeContext,
    mailbox: &str,
) -> Result<EncodedCommand, EncodeError> {
    one_mailbox(tag, ctx, "UNSUBSCRIBE ", mailbox)
}

/// A command whose only argument is a mailbox.
pub(crate) fn one_mailbox(
    tag: &str,
    ctx: &EncodeContext,
    command: &'static str,
    mailbox: &str,
) -> Result<EncodedCommand, EncodeError> {
    let mut b = CommandBuilder::new(tag, ctx)?;
    b.push(command);
    b.mailbox("mailbox", mailbox)?;
    Ok(b.finish())
}

/// `LIST reference pattern` (RFC 9051 §6.3.9). The pattern may use the `%` and `*`
/// wildcards; an empty pattern asks for the hierarchy delimiter.
pub fn list(
    tag: &str,
    ctx: &EncodeContext,
    reference: &str,
    pattern: &str,
) -> Result<EncodedCommand, EncodeError> {
    list_extended(tag, ctx, reference, &[pattern], &[], &[])
}

/// `LSUB reference pattern` (RFC 3501 §6.3.9; not in IMAP4rev2).
pub fn lsub(
    tag: &str,
    ctx: &EncodeContext,
    reference: &str,
    pattern: &str,
) -> Result<EncodedCommand, EncodeError> {
    let mut b = CommandBuilder::new(tag, ctx)?;
    b.push("LSUB ");
    b.mailbox("reference", reference)?;
    b.sp();
    b.list_mailbox("pattern", pattern)?;
    Ok(b.finish())
}

/// `LIST [(selection-options)] reference (patterns) [RETURN (return-options)]` (RFC 5258 §3,
/// RFC 9051 §6.3.9).
///
/// Options are raw protocol text, one option per element, e.g. `"SUBSCRIBED"`,
/// `"RECURSIVEMATCH"`, `"CHILDREN"`, `"SPECIAL-USE"` or `"STATUS (MESSAGES UNSEEN)"`; each is
/// checked like raw search criteria (no CR, LF, NUL, `{`, unbalanced quotes or parentheses).
/// Empty option lists are left out. A single pattern is sent bare, several in parentheses.
pub fn list_extended(
    tag: &str,
    ctx: &EncodeContext,
    reference: &str,
    patterns: &[&str],
    selection_options: &[&str],
    return_options: &[&str],
) -> Result<EncodedCommand, EncodeError> {
    let mut b = CommandBuilder::new(tag, ctx)?;
    b.push("LIST ");
    if !selection_options.is_empty() {
        option_list(&mut b, "LIST selection option", selection_options)?;
        b.sp();
    }
    b.mailbox("reference", reference)?;
    b.sp();
    match patterns {
        [] => {
            return Err(EncodeError::InvalidArgument {
                what: "LIST patterns",
                reason: "at least one pattern is required",
            });
        }
        [pattern] => {
            b.list_mailbox("pattern", pattern)?;
        }
        _ => {
            b.push("(");
            for (i, pattern) in patterns.iter().enumerate() {
                if i > 0 {
                    b.sp();
                }
                b.list_mailbox("pattern", pattern)?;
            }
            b.push(")");
        }
    }
    if !return_options.is_empty() {
        b.push(" RETURN ");
        option_list(&mut b, "LIST return option", return_options)?;
    }
    Ok(b.finish())
}

/// `LIST reference pattern RETURN (STATUS (items))` (RFC 5819 §2). `status_items` is a status
/// item list such as `"MESSAGES UNSEEN"`, with or without parentheses; each item must be an
/// atom.
pub fn list_status(
    tag: &str,
    ctx: &EncodeContext,
    reference: &str,
    pattern: &str,
    status_items: &str,
) -> Result<EncodedCommand, EncodeError> {
    let items = status_item_list(status_items)?;
    let mut b = CommandBuilder::new(tag, ctx)?;
    b.push("LIST ");
    b.mailbox("reference", reference)?;
    b.sp();
    b.list_mailbox("pattern", pattern)?;
    b.push(" RETURN (STATUS ");
    write_status_items(&mut b, &items)?;
    b.push(")");
    Ok(b.finish())
}

/// `"(" option *(SP option) ")"` from raw option texts.
fn option_list(
    b: &mut CommandBuilder,
    what: &'static str,
    options: &[&str],
) -> Result<(), EncodeError> {
    b.push("(");
    for (i, option) in options.iter().enumerate() {
        if option.trim().is_empty() {
            return Err(EncodeError::InvalidArgument {
                what,
                reason: "an option must not be empty",
            });
        }
        if i > 0 {
            b.sp();
        }
        b.raw_text(what, option)?;
    }
    b.push(")");
    Ok(())
}

/// `STATUS mailbox (items)` (RFC 9051 §6.3.11). `items` is a status item list such as
/// `"MESSAGES UNSEEN UIDNEXT"` or `"(MESSAGES UNSEEN)"`; each item must be an atom.
pub fn status(
    tag: &str,
    ctx: &EncodeContext,
    mailbox: &str,
    items: &str,
) -> Result<EncodedCommand, EncodeError> {
    let items = status_item_list(items)?;
    let mut b = CommandBuilder::new(tag, ctx)?;
    b.push("STATUS ");
    b.mailbox("mailbox", mailbox)?;
    b.sp();
    write_status_items(&mut b, &items)?;
    Ok(b.finish())
}

/// Splits a status item list, dropping one pair of surrounding parentheses.
fn status_item_list(items: &str) -> Result<Vec<&str>, EncodeError> {
    let trimmed = items.trim_matches(' ');
    let inner = trimmed
        .strip_prefix('(')
        .and_then(|t| t.strip_suffix(')'))
        .unwrap_or(trimmed);
    let list: Vec<&str> = inner.split(' ').filter(|s| !s.is_empty()).collect();
    if list.is_empty() {
        return Err(EncodeError::InvalidArgument {
            what: "status items",
            reason: "at least one status item is required",
        });
    }
    Ok(list)
}

/// `"(" status-att *(SP status-att) ")"`
fn write_status_items(b: &mut CommandBuilder, items: &[&str]) -> Result<(), EncodeError> {
    b.push("(");
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            b.sp();
        }
        b.atom("status item", item)?;
    }
    b.push(")");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::test_util::wire;
    use super::super::{Fragment, LiteralMode, LiteralSupport};
    use super::*;

    fn rev1() -> EncodeContext {
        EncodeContext::default()
    }

    fn utf8() -> EncodeContext {
        EncodeContext {
            utf8: true,
            literals: LiteralSupport::NonSyncUpTo4096,
            binary: false,
        }
    }

    #[test]
    fn select_and_examine() {
        let plain = SelectOptions::default();
        assert_eq!(
            wire(&select("s", &rev1(), "INBOX", &plain).unwrap()),
            "s SELECT INBOX\r\n"
        );
        assert_eq!(
            wire(&examine("s", &rev1(), "Sent Items", &SelectOptions::condstore()).unwrap()),
            "s EXAMINE \"Sent Items\" (CONDSTORE)\r\n"
        );
        assert_eq!(
            wire(&select("s", &rev1(), "Entw\u{fc}rfe", &plain).unwrap()),
            "s SELECT Entw&APw-rfe\r\n"
        );
        assert_eq!(
            wire(&select("s", &utf8(), "Entw\u{fc}rfe", &plain).unwrap()),
            "s SELECT \"Entw\u{fc}rfe\"\r\n"
        );
    }

    #[test]
    fn select_qresync() {
        let params = QresyncParams {
            uid_validity: 67890007,
            mod_seq: 20050715194045000,
            known_uids: Some("41,43:211,214:541".parse().unwrap()),
            seq_match: Some(("1:5".parse().unwrap(), "41,43:46".parse().unwrap())),
        };
        assert_eq!(
            wire(
                &select(
                    "A02",
                    &rev1(),
                    "INBOX",
                    &SelectOptions::qresync(params.clone())
                )
                .unwrap()
            ),
            "A02 SELECT INBOX (QRESYNC (67890007 20050715194045000 41,43:211,214:541 (1:5 41,43:46)))\r\n"
        );
        let minimal = QresyncParams {
            known_uids: None,
            seq_match: None,
            ..params.clone()
        };
        assert_eq!(
            wire(&select("A02", &rev1(), "INBOX", &SelectOptions::qresync(minimal)).unwrap()),
            "A02 SELECT INBOX (QRESYNC (67890007 20050715194045000))\r\n"
        );
        for bad in [
            QresyncParams {
                uid_validity: 0,
                ..params.clone()
            },
            QresyncParams {
                mod_seq: 0,
                ..params.clone()
            },
            QresyncParams {
                mod_seq: u64::MAX,
                ..params.clone()
            },
            QresyncParams {
                known_uids: Some("1:*".parse().unwrap()),
                ..params.clone()
            },
            QresyncParams {
                known_uids: Some(SequenceSet::saved_result()),
                ..params.clone()
            },
            QresyncParams {
                seq_match: Some(("1:*".parse().unwrap(), "1".parse().unwrap())),
                ..params.clone()
            },
        ] {
            assert!(select("A02", &rev1(), "INBOX", &SelectOptions::qresync(bad)).is_err());
        }
    }

    #[test]
    fn create_with_special_use() {
        assert_eq!(
            wire(&create("c", &rev1(), "Archive/2026", &[]).unwrap()),
            "c CREATE Archive/2026\r\n"
        );
        assert_eq!(
            wire(
                &create(
                    "c",
                    &rev1(),
                    "Sent",
                    &[
                        MailboxAttribute::Sent,
                        MailboxAttribute::Extension(bytes::Bytes::from_static(b"X-Mine"))
                    ]
                )
                .unwrap()
            ),
            "c CREATE Sent (USE (\\Sent \\X-Mine))\r\n"
        );
        assert!(create("c", &rev1(), "x", &[MailboxAttribute::NoSelect]).is_err());
        assert!(
            create(
                "c",
                &rev1(),
                "x",
                &[MailboxAttribute::Extension(bytes::Bytes::from_static(
                    b"a b"
                ))]
            )
            .is_err()
        );
    }

    #[test]
    fn single_mailbox_commands() {
        assert_eq!(
            wire(&delete("d", &rev1(), "Trash/old").unwrap()),
            "d DELETE Trash/old\r\n"
        );
        assert_eq!(
            wire(&subscribe("d", &rev1(), "&").unwrap()),
            "d SUBSCRIBE &-\r\n"
        );
        assert_eq!(
            wire(&unsubscribe("d", &rev1(), "a\"b").unwrap()),
            "d UNSUBSCRIBE \"a\\\"b\"\r\n"
        );
        assert_eq!(
            wire(&rename("d", &rev1(), "old", "\u{65e5}\u{672c}").unwrap()),
            "d RENAME old &ZeVnLA-\r\n"
        );
    }

    #[test]
    fn mailbox_with_line_break_in_utf8_mode_is_a_literal() {
        let cmd = delete("d", &utf8(), "a\nb").unwrap();
        assert_eq!(
            cmd.fragments(),
            &[
                Fragment::Line(b"d DELETE {3+}\r\n".to_vec()),
                Fragment::Literal {
                    data: bytes::Bytes::from_static(b"a\nb"),
                    mode: LiteralMode::NonSync
                },
                Fragment::Line(b"\r\n".to_vec()),
            ]
        );
        assert!(matches!(
            delete("d", &utf8(), "a\0b"),
            Err(EncodeError::ContainsNul { .. })
        ));
    }

    #[test]
    fn list_forms() {
        assert_eq!(
            wire(&list("l", &rev1(), "", "*").unwrap()),
            "l LIST \"\" *\r\n"
        );
        assert_eq!(
            wire(&list("l", &rev1(), "", "").unwrap()),
            "l LIST \"\" \"\"\r\n"
        );
        assert_eq!(
            wire(&list("l", &rev1(), "~smith/", "Entw\u{fc}rfe/%").unwrap()),
            "l LIST ~smith/ Entw&APw-rfe/%\r\n"
        );
        assert_eq!(
            wire(&lsub("l", &rev1(), "#news.", "comp.%").unwrap()),
            "l LSUB #news. comp.%\r\n"
        );
        assert_eq!(
            wire(
                &list_extended(
                    "l",
                    &rev1(),
                    "",
                    &["INBOX", "Drafts", "Sent/%"],
                    &["SUBSCRIBED", "RECURSIVEMATCH"],
                    &["CHILDREN", "STATUS (MESSAGES UNSEEN)"]
                )
                .unwrap()
            ),
            "l LIST (SUBSCRIBED RECURSIVEMATCH) \"\" (INBOX Drafts Sent/%) RETURN (CHILDREN STATUS (MESSAGES UNSEEN))\r\n"
        );
        assert_eq!(
            wire(&list_extended("l", &rev1(), "", &["*"], &[], &["SPECIAL-USE"]).unwrap()),
            "l LIST \"\" * RETURN (SPECIAL-USE)\r\n"
        );
        assert!(list_extended("l", &rev1(), "", &[], &[], &[]).is_err());
        assert!(matches!(
            list_extended("l", &rev1(), "", &["*"], &["SUBSCRIBED)\r\nl2 LOGOUT"], &[]),
            Err(EncodeError::UnsafeRawText { .. })
        ));
        assert!(list_extended("l", &rev1(), "", &["*"], &[""], &[]).is_err());
        assert!(list_extended("l", &rev1(), "", &["*"], &[], &["STATUS (MESSAGES"]).is_err());
    }

    #[test]
    fn list_status_and_status() {
        assert_eq!(
            wire(&list_status("l", &rev1(), "", "%", "MESSAGES UNSEEN").unwrap()),
            "l LIST \"\" % RETURN (STATUS (MESSAGES UNSEEN))\r\n"
        );
        assert_eq!(
            wire(&status("s", &rev1(), "INBOX", "MESSAGES UIDNEXT  HIGHESTMODSEQ").unwrap()),
            "s STATUS INBOX (MESSAGES UIDNEXT HIGHESTMODSEQ)\r\n"
        );
        assert_eq!(
            wire(&status("s", &rev1(), "INBOX", "(SIZE)").unwrap()),
            "s STATUS INBOX (SIZE)\r\n"
        );
        assert!(status("s", &rev1(), "INBOX", "()").is_err());
        assert!(matches!(
            status("s", &rev1(), "INBOX", "MESSAGES\r\ns2 LOGOUT"),
            Err(EncodeError::InvalidAtom {
                what: "status item",
                ..
            })
        ));
        assert!(status("s", &rev1(), "INBOX", "(MESSAGES (X))").is_err());
    }
}
