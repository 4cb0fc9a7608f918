//! Message commands: APPEND/MULTIAPPEND, FETCH variants (buffered and streamed), SEARCH,
//! ESEARCH and SEARCHRES, SORT/THREAD, STORE with CONDSTORE, COPY, MOVE (native and the
//! UIDPLUS fallback), EXPUNGE, COMPRESS with a large FETCH.

use std::sync::Arc;

use crate::adapter::types::{
    AppendMessage, CopyResult, ExpungeResult, FetchAttr, Flag, MessageAttribute, MessageFlags,
    ResponseCode, Section, SectionKind, SelectOptions, SequenceSet, StoreOperation,
};
use crate::adapter::{
    Error, ImapConnection, Precondition, SessionState, fetch_channel, join2, sleep, spawn,
};

use super::Case;
use super::kit::{Kind, Server, T};
use super::support::{
    Fail, TestResult, all, body, large_message, mailbox_with, message, require, uids, unique,
};
use crate::{case, ensure, ensure_err};

pub fn cases() -> Vec<Case> {
    vec![
        case!(append_and_multiappend, [Kind::Dovecot, Kind::Cyrus]),
        case!(fetch_variants, [Kind::Dovecot, Kind::Cyrus]),
        case!(envelope_and_structure_views, [Kind::Dovecot, Kind::Cyrus]),
        case!(search_variants, [Kind::Dovecot, Kind::Cyrus]),
        case!(sort_and_thread, [Kind::Dovecot, Kind::Cyrus]),
        case!(store_and_condstore, [Kind::Dovecot, Kind::Cyrus]),
        case!(copy_move_expunge, [Kind::Dovecot, Kind::Cyrus]),
        case!(
            move_fallback_never_sends_plain_expunge,
            [Kind::DovecotNoMove]
        ),
        case!(streaming_fetch, [Kind::Dovecot, Kind::Cyrus]),
        case!(compress_then_large_fetch, [Kind::Dovecot, Kind::Cyrus]),
    ]
}

fn flags_of(found: &crate::adapter::types::FetchResponse) -> Vec<Flag> {
    found.flags().map(MessageFlags::to_vec).unwrap_or_default()
}

async fn append_and_multiappend(s: Arc<Server>) -> TestResult {
    let imap = aw!(s.login("alice"))?;
    let name = unique("append");
    aw!(imap.create(&name, T))?;
    let first = message("first", "one");
    let appended = aw!(imap.append(
        &name,
        &[Flag::Seen, Flag::keyword("$Label1")],
        Some("02-Mar-2026 10:00:00 +0100"),
        &first,
        T,
    ))?;
    // Both servers have UIDPLUS: APPENDUID is returned.
    let (validity, uid) =
        appended.ok_or_else(|| Fail::Fail("no APPENDUID from a UIDPLUS server".into()))?;
    let many = aw!(imap.multi_append(
        &name,
        &[
            AppendMessage::new(message("second", "two")),
            AppendMessage::new(message("third", "three")).with_flags(vec![Flag::Flagged]),
            AppendMessage::new(message("fourth", "four")).with_date("1-Jan-2026 00:00:00 +0000"),
        ],
        T,
    ))?;
    ensure!(many.len() == 3, "{many:?}");
    ensure!(many.iter().all(|(v, _)| *v == validity));
    ensure!(many.iter().map(|(_, u)| *u).collect::<Vec<_>>() == vec![uid + 1, uid + 2, uid + 3]);

    aw!(imap.select(&name, T))?;
    let found = aw!(imap.uid_fetch(
        &SequenceSet::single(uid)?,
        &[
            FetchAttr::Uid,
            FetchAttr::Flags,
            FetchAttr::InternalDate,
            FetchAttr::Rfc822Size,
        ],
        T,
    ))?;
    ensure!(found.len() == 1);
    let flags = flags_of(&found[0]);
    ensure!(
        flags.contains(&Flag::Seen) && flags.contains(&Flag::keyword("$Label1")),
        "{flags:?}"
    );
    let date = found[0].attributes.iter().find_map(|a| match a {
        MessageAttribute::InternalDate(d) => Some(String::from_utf8_lossy(d).into_owned()),
        _ => None,
    });
    // Servers may keep the zone or convert to UTC, and pad the day with 0 or a space.
    let date = date.unwrap_or_default();
    let date = date.trim_start_matches([' ', '0']);
    ensure!(
        date == "2-Mar-2026 10:00:00 +0100" || date == "2-Mar-2026 09:00:00 +0000",
        "{date:?}"
    );
    let size = found[0].attributes.iter().find_map(|a| match a {
        MessageAttribute::Rfc822Size(n) => Some(*n),
        _ => None,
    });
    ensure!(size == Some(first.len() as u64), "{size:?}");
    // A large literal (LITERAL+ on both servers).
    let big = large_message("big", 3 * 1024 * 1024);
    ensure!(aw!(imap.append(&name, &[], None, &big, T))?.is_some());
    // An invalid date is refused before sending.
    ensure_err!(
        aw!(imap.append(&name, &[], Some("yesterday"), &first, T)),
        Error::Encode(_)
    );
    // TRYCREATE for a missing mailbox.
    ensure_err!(
        aw!(imap.append(&unique("missing"), &[], None, &first, T)),
        Error::No { .. }
    );
    aw!(imap.close(T))?;
    aw!(imap.delete(&name, T))?;
    aw!(imap.logout())?;
    Ok(())
}

async fn fetch_variants(s: Arc<Server>) -> TestResult {
    let imap = aw!(s.login("bob"))?;
    let name = unique("fetch");
    let appended = aw!(mailbox_with(&imap, &name, 4))?;
    aw!(imap.select(&name, T))?;

    let found = aw!(imap.fetch(
        &SequenceSet::range(2, 3)?,
        &[
            FetchAttr::Uid,
            FetchAttr::Envelope,
            FetchAttr::BodyStructure,
        ],
        T,
    ))?;
    ensure!(found.iter().map(|f| f.seq).collect::<Vec<_>>() == vec![2, 3]);
    let subject = found[0]
        .envelope
        .as_ref()
        .and_then(|e| e.subject().map(|s| e.to_bytes(s)));
    ensure!(subject.as_deref() == Some(&b"message 1"[..]), "{subject:?}");
    ensure!(found[0].body_structure.is_some());

    let whole = aw!(imap.uid_fetch(
        &all(),
        &[
            FetchAttr::Uid,
            FetchAttr::BodySection {
                section: Default::default(),
                partial: None,
                peek: true,
            },
        ],
        T,
    ))?;
    ensure!(
        uids(&whole) == appended,
        "{:?} vs {appended:?}",
        uids(&whole)
    );
    let text = body(&whole[0]).map(|b| String::from_utf8_lossy(b).into_owned());
    ensure!(text.is_some_and(|t| t.contains("Subject: message 0")));
    // PEEK did not set \Seen.
    let flags = aw!(imap.fetch(&all(), &[FetchAttr::Flags], T))?;
    ensure!(
        flags.iter().all(|f| !flags_of(f).contains(&Flag::Seen)),
        "{flags:?}"
    );

    // CONDSTORE: FETCH CHANGEDSINCE.
    require(&imap, "CONDSTORE")?;
    let selected = aw!(imap.select_with(&name, &SelectOptions::condstore(), T))?;
    let modseq = selected
        .highest_modseq
        .ok_or_else(|| Fail::Fail(format!("no HIGHESTMODSEQ: {selected:?}")))?;
    let target = appended.get(1).copied().unwrap_or(2);
    aw!(imap.uid_store(
        &SequenceSet::single(target)?,
        StoreOperation::Add,
        &[Flag::Flagged],
        None,
        T,
    ))?;
    let changed =
        aw!(imap.uid_fetch_changed_since(&all(), &[FetchAttr::Uid, FetchAttr::Flags], modseq, T))?;
    ensure!(uids(&changed) == vec![target], "{changed:?}");
    let changed = aw!(imap.fetch_changed_since(&all(), &[FetchAttr::Flags], modseq, T))?;
    ensure!(changed.len() == 1 && changed[0].seq == 2, "{changed:?}");
    let examined = aw!(imap.examine_with(&name, &SelectOptions::condstore(), T))?;
    ensure!(examined.read_only && examined.highest_modseq > Some(modseq));
    aw!(imap.unselect(T))?;
    aw!(imap.delete(&name, T))?;
    aw!(imap.logout())?;
    Ok(())
}

/// A MIME message with what envelopes and structures hold in practice: a display name that
/// needs escapes, several recipients, a group, an attached message and an attachment with
/// every extension field.
fn mime_message() -> Vec<u8> {
    concat!(
        "From: \"Doe, \\\"JD\\\" John\" <jd@example.org>\r\n",
        "To: Bob <bob@example.org>, carol@example.org\r\n",
        "Cc: undisclosed-recipients:;\r\n",
        "Subject: structure check\r\n",
        "Date: Tue, 3 Mar 2026 09:30:00 +0000\r\n",
        "Message-ID: <views@example.org>\r\n",
        "In-Reply-To: <earlier@example.org>\r\n",
        "MIME-Version: 1.0\r\n",
        "Content-Type: multipart/mixed; boundary=\"b1\"\r\n",
        "\r\n",
        "--b1\r\n",
        "Content-Type: text/plain; charset=utf-8; format=flowed\r\n",
        "\r\n",
        "first part\r\n",
        "--b1\r\n",
        "Content-Type: message/rfc822\r\n",
        "\r\n",
        "From: Inner <inner@example.org>\r\n",
        "Subject: inner subject\r\n",
        "Content-Type: text/plain; charset=us-ascii\r\n",
        "\r\n",
        "inner body\r\n",
        "--b1\r\n",
        "Content-Type: application/pdf; name=\"report.pdf\"\r\n",
        "Content-Transfer-Encoding: base64\r\n",
        "Content-ID: <pdf@example.org>\r\n",
        "Content-Description: the report\r\n",
        "Content-Disposition: attachment; filename=\"report.pdf\"\r\n",
        "Content-Language: en\r\n",
        "\r\n",
        "JVBERi0xLjQK\r\n",
        "--b1--\r\n",
    )
    .as_bytes()
    .to_vec()
}

/// ENVELOPE and BODYSTRUCTURE of a real server's answer read through the views, and the
/// section numbers `sections()` gives fetch the parts they name.
async fn envelope_and_structure_views(s: Arc<Server>) -> TestResult {
    let imap = aw!(s.login("bob"))?;
    let name = unique("views");
    aw!(imap.create(&name, T))?;
    aw!(imap.append(&name, &[], None, &mime_message(), T))?;
    aw!(imap.select(&name, T))?;
    let found = aw!(imap.fetch(&all(), &[FetchAttr::Envelope, FetchAttr::BodyStructure], T))?;
    let message = found
        .first()
        .ok_or_else(|| Fail::Fail("no FETCH response".into()))?;

    let env = message
        .envelope()
        .ok_or_else(|| Fail::Fail(format!("no ENVELOPE: {message:?}")))?;
    ensure!(env.subject() == Some(&b"structure check"[..]), "{env:?}");
    ensure!(
        env.message_id() == Some(&b"<views@example.org>"[..]),
        "{env:?}"
    );
    ensure!(
        env.in_reply_to() == Some(&b"<earlier@example.org>"[..]),
        "{env:?}"
    );
    let from = env.from().next();
    ensure!(
        from.is_some_and(|a| a.name() == Some(&br#"Doe, "JD" John"#[..])
            && a.mailbox() == Some(&b"jd"[..])
            && a.host() == Some(&b"example.org"[..])),
        "{env:?}"
    );
    // Sender and Reply-To are absent: the server fills them from From.
    ensure!(
        env.sender().eq(env.from()) && env.reply_to().eq(env.from()),
        "{env:?}"
    );
    let to: Vec<_> = env.to().filter_map(|a| a.mailbox()).collect();
    ensure!(to == [&b"bob"[..], b"carol"], "{env:?}");
    let cc: Vec<_> = env.cc().collect();
    ensure!(
        cc.len() == 2 && cc[0].is_group_start() && cc[1].is_group_end(),
        "{env:?}"
    );

    let structure = message
        .body_structure()
        .ok_or_else(|| Fail::Fail(format!("no BODYSTRUCTURE: {message:?}")))?;
    let root = structure.root();
    ensure!(root.is_type("multipart", "mixed"), "{structure:?}");
    ensure!(root.param("boundary") == Some(&b"b1"[..]), "{structure:?}");
    let kinds: Vec<(Vec<u32>, String)> = structure
        .sections()
        .into_iter()
        .map(|(number, part)| {
            let kind = [part.media_type(), b"/", part.media_subtype()].concat();
            (number, String::from_utf8_lossy(&kind).to_ascii_lowercase())
        })
        .collect();
    let expected: Vec<(Vec<u32>, String)> = [
        (vec![], "multipart/mixed"),
        (vec![1], "text/plain"),
        (vec![2], "message/rfc822"),
        (vec![2, 1], "text/plain"),
        (vec![3], "application/pdf"),
    ]
    .into_iter()
    .map(|(n, k)| (n, k.to_string()))
    .collect();
    ensure!(kinds == expected, "{kinds:?}");
    let parts: Vec<_> = root.parts().collect();
    ensure!(parts.len() == 3, "{structure:?}");
    let text = parts[0];
    ensure!(
        text.param("charset")
            .is_some_and(|c| c.eq_ignore_ascii_case(b"utf-8"))
            && text
                .param("format")
                .is_some_and(|f| f.eq_ignore_ascii_case(b"flowed"))
            // "first part" without a line end (the CRLF before a boundary belongs to it).
            && (text.octets(), text.lines()) == (10, Some(0)),
        "{structure:?}"
    );
    let attached = parts[1];
    ensure!(
        attached.envelope().and_then(|e| e.subject()) == Some(&b"inner subject"[..])
            && attached
                .message_body()
                .is_some_and(|b| b.is_type("text", "plain")),
        "{structure:?}"
    );
    let pdf = parts[2];
    let disposition = pdf.disposition();
    ensure!(
        pdf.param("name") == Some(&b"report.pdf"[..])
            && pdf.encoding().eq_ignore_ascii_case(b"base64")
            && pdf.id() == Some(&b"<pdf@example.org>"[..])
            && pdf.description() == Some(&b"the report"[..])
            && pdf.has_extension_data()
            && disposition
                .as_ref()
                .is_some_and(|d| d.kind().eq_ignore_ascii_case(b"attachment")
                    && d.param("filename") == Some(&b"report.pdf"[..]))
            && pdf.languages().any(|l| l.eq_ignore_ascii_case(b"en")),
        "{structure:?}"
    );

    // The numbers name the parts on the server too.
    for (number, wanted) in [
        (vec![1], "first part"),
        (vec![2, 1], "inner body"),
        (vec![3], "JVBERi0xLjQK"),
    ] {
        let section = Section::new(number.clone(), SectionKind::Full);
        let fetched = aw!(imap.fetch(
            &all(),
            &[FetchAttr::BodySection {
                section: section.clone(),
                partial: None,
                peek: true,
            }],
            T
        ))?;
        let content = fetched.first().and_then(|f| f.section(&section));
        ensure!(
            content.is_some_and(|c| String::from_utf8_lossy(c).trim_end() == wanted),
            "BODY[{number:?}]: {content:?}"
        );
    }
    aw!(imap.unselect(T))?;
    aw!(imap.delete(&name, T))?;
    aw!(imap.logout())?;
    Ok(())
}

async fn search_variants(s: Arc<Server>) -> TestResult {
    let imap = aw!(s.login("carol"))?;
    let name = unique("search");
    aw!(imap.create(&name, T))?;
    for (i, subject) in ["apple pie", "banana split", "apple tart"]
        .iter()
        .enumerate()
    {
        let flags = if i == 1 { vec![Flag::Seen] } else { vec![] };
        aw!(imap.append(&name, &flags, None, &message(subject, "text"), T))?;
    }
    aw!(imap.select(&name, T))?;
    let apples = aw!(imap.search("SUBJECT apple", T))?;
    ensure!(apples.ids == vec![1, 3], "{apples:?}");
    let unseen = aw!(imap.uid_search(String::from("UNSEEN"), T))?;
    ensure!(unseen.ids.len() == 2, "{unseen:?}");
    // Injection attempts are refused before sending.
    ensure_err!(aw!(imap.search("ALL\r\nA1 LOGOUT", T)), Error::Encode(_));

    require(&imap, "ESEARCH")?;
    let esearch = aw!(imap.search_esearch("ALL", &["MIN", "MAX", "COUNT"], T))?;
    ensure!(
        (esearch.min, esearch.max, esearch.count) == (Some(1), Some(3), Some(3)),
        "{esearch:?}"
    );
    let uid_esearch = aw!(imap.uid_search_esearch("SUBJECT apple", &["ALL"], T))?;
    ensure!(
        uid_esearch.uid && uid_esearch.all_numbers().len() == 2,
        "{uid_esearch:?}"
    );

    if imap.capabilities().iter().any(|c| c.is("SEARCHRES")) {
        aw!(imap.uid_search_save("SUBJECT banana", T))?;
        let saved = aw!(imap.uid_fetch(&SequenceSet::saved_result(), &[FetchAttr::Uid], T))?;
        ensure!(saved.len() == 1, "{saved:?}");
        aw!(imap.search_save("SUBJECT apple", T))?;
        let saved = aw!(imap.fetch(&SequenceSet::saved_result(), &[FetchAttr::Flags], T))?;
        ensure!(saved.len() == 2, "{saved:?}");
    } else {
        ensure_err!(aw!(imap.search_save("ALL", T)), Error::MissingCapability(_));
        ensure_err!(
            aw!(imap.uid_search_save("ALL", T)),
            Error::MissingCapability(_)
        );
    }
    aw!(imap.close(T))?;
    aw!(imap.delete(&name, T))?;
    aw!(imap.logout())?;
    Ok(())
}

async fn sort_and_thread(s: Arc<Server>) -> TestResult {
    let imap = aw!(s.login("alice"))?;
    require(&imap, "SORT")?;
    let name = unique("sort");
    aw!(imap.create(&name, T))?;
    for (day, subject) in ["charlie", "alpha", "bravo", "Re: alpha"]
        .iter()
        .enumerate()
    {
        // Distinct internal dates, for ARRIVAL.
        let date = format!("{:02}-Mar-2026 10:00:00 +0000", day + 1);
        aw!(imap.append(&name, &[], Some(&date), &message(subject, "x"), T))?;
    }
    aw!(imap.select(&name, T))?;
    let sorted = aw!(imap.sort("SUBJECT", "UTF-8", "ALL", T))?;
    // Base subjects: alpha (2), alpha (4, "Re:" removed), bravo (3), charlie (1).
    ensure!(sorted.ids == vec![2, 4, 3, 1], "{sorted:?}");
    let reversed = aw!(imap.uid_sort("REVERSE ARRIVAL", "UTF-8", "ALL", T))?;
    let mut ascending = reversed.ids.clone();
    ascending.reverse();
    ensure!(
        ascending.len() == 4 && ascending.windows(2).all(|w| w[0] < w[1]),
        "{reversed:?}"
    );

    require(&imap, "THREAD=ORDEREDSUBJECT")?;
    let threads = aw!(imap.thread("ORDEREDSUBJECT", "UTF-8", "ALL", T))?;
    ensure!(threads.len() == 3, "{threads:?}");
    let uid_threads = aw!(imap.uid_thread("REFERENCES", "UTF-8", "ALL", T))?;
    ensure!(!uid_threads.is_empty(), "{uid_threads:?}");
    ensure_err!(
        aw!(imap.thread("NO-SUCH-ALGORITHM", "UTF-8", "ALL", T)),
        Error::MissingCapability(_)
    );
    aw!(imap.close(T))?;
    aw!(imap.delete(&name, T))?;
    aw!(imap.logout())?;
    Ok(())
}

async fn store_and_condstore(s: Arc<Server>) -> TestResult {
    let imap = aw!(s.login("bob"))?;
    let name = unique("store");
    let appended = aw!(mailbox_with(&imap, &name, 3))?;
    aw!(imap.select(&name, T))?;
    let stored = aw!(imap.store(
        &SequenceSet::single(1)?,
        StoreOperation::Add,
        &[Flag::Seen, Flag::Recent],
        None,
        T,
    ))?;
    ensure!(stored.fetched.len() == 1 && flags_of(&stored.fetched[0]).contains(&Flag::Seen));
    let silent = aw!(imap.uid_store(
        &all(),
        StoreOperation::Add.silent(),
        &[Flag::keyword("$Done")],
        None,
        T,
    ))?;
    // (.SILENT asks the server not to echo the flags; Cyrus 3.6 still does for UID STORE,
    // so that is not asserted.)
    let _ = silent;
    let flags = aw!(imap.fetch(&all(), &[FetchAttr::Flags], T))?;
    ensure!(
        flags
            .iter()
            .all(|f| flags_of(f).contains(&Flag::keyword("$Done")))
    );
    aw!(imap.store(
        &SequenceSet::single(1)?,
        StoreOperation::Remove,
        &[Flag::Seen],
        None,
        T,
    ))?;

    require(&imap, "CONDSTORE")?;
    let selected = aw!(imap.select_with(&name, &SelectOptions::condstore(), T))?;
    let modseq = selected.highest_modseq.unwrap_or(1);
    let target = appended.first().copied().unwrap_or(1);
    // Someone else changes the message after we read its modseq.
    let other = aw!(s.login("bob"))?;
    aw!(other.select(&name, T))?;
    aw!(other.uid_store(
        &SequenceSet::single(target)?,
        StoreOperation::Add,
        &[Flag::Answered],
        None,
        T,
    ))?;
    aw!(other.logout())?;
    let conditional = aw!(imap.uid_store(
        &SequenceSet::single(target)?,
        StoreOperation::Add,
        &[Flag::Flagged],
        Some(modseq),
        T,
    ))?;
    // RFC 7162 §3.1.3: the store is refused for that message, reported in MODIFIED.
    ensure!(
        conditional.modified.iter().any(|r| r.contains(target)),
        "{conditional:?}"
    );
    aw!(imap.close(T))?;
    aw!(imap.delete(&name, T))?;
    aw!(imap.logout())?;
    Ok(())
}

fn copy_uids(result: &CopyResult) -> Option<(u32, Vec<u32>, Vec<u32>)> {
    result.copy_uid().map(|(validity, from, to)| {
        let expand =
            |r: &[crate::adapter::types::UidRange]| r.iter().flat_map(|r| r.iter()).collect();
        (validity, expand(from), expand(to))
    })
}

async fn copy_move_expunge(s: Arc<Server>) -> TestResult {
    let imap = aw!(s.login("carol"))?;
    let source = unique("source");
    let target = unique("target");
    let appended = aw!(mailbox_with(&imap, &source, 6))?;
    aw!(imap.create(&target, T))?;
    aw!(imap.select(&source, T))?;

    let copied = aw!(imap.uid_copy(&SequenceSet::single(appended[0])?, &target, T))?;
    let (_, from, to) =
        copy_uids(&copied).ok_or_else(|| Fail::Fail(format!("no COPYUID: {copied:?}")))?;
    ensure!(from == vec![appended[0]] && to.len() == 1, "{copied:?}");
    let copied = aw!(imap.copy(&SequenceSet::range(2, 3)?, &target, T))?;
    ensure!(
        copy_uids(&copied).is_some_and(|(_, f, _)| f == appended[1..3]),
        "{copied:?}"
    );

    // MOVE by UID: the moved message is expunged from the source.
    let moved = aw!(imap.uid_move_messages(&SequenceSet::single(appended[3])?, &target, T))?;
    ensure!(
        matches!(moved.code, Some(ResponseCode::CopyUid { .. })),
        "{moved:?}"
    );
    ensure!(
        moved.expunged == ExpungeResult::Expunged(vec![4]),
        "{moved:?}"
    );
    // MOVE by sequence number (now messages 1..5 remain: move the 4th).
    let moved = aw!(imap.move_messages(&SequenceSet::single(4)?, &target, T))?;
    ensure!(
        moved.expunged == ExpungeResult::Expunged(vec![4]),
        "{moved:?}"
    );
    ensure!(aw!(imap.status(&target, "MESSAGES", T))?.messages() == Some(5));

    // EXPUNGE and UID EXPUNGE.
    aw!(imap.store(
        &SequenceSet::single(1)?,
        StoreOperation::Add,
        &[Flag::Deleted],
        None,
        T,
    ))?;
    let expunged = aw!(imap.expunge(T))?;
    ensure!(expunged == ExpungeResult::Expunged(vec![1]), "{expunged:?}");
    let left = aw!(imap.uid_search("ALL", T))?.ids;
    ensure!(left.len() == 3, "{left:?}");
    aw!(imap.uid_store(
        &SequenceSet::from_numbers(left.clone())?,
        StoreOperation::Add,
        &[Flag::Deleted],
        None,
        T,
    ))?;
    // UID EXPUNGE removes only the listed UIDs, even though all are \Deleted.
    let expunged = aw!(imap.uid_expunge(&SequenceSet::single(left[0])?, T))?;
    ensure!(expunged == ExpungeResult::Expunged(vec![1]), "{expunged:?}");
    ensure!(aw!(imap.search("ALL", T))?.ids == vec![1, 2]);
    aw!(imap.close(T))?;
    aw!(imap.delete(&source, T))?;
    aw!(imap.delete(&target, T))?;
    aw!(imap.logout())?;
    Ok(())
}

async fn move_fallback_never_sends_plain_expunge(s: Arc<Server>) -> TestResult {
    let imap = aw!(s.login("alice"))?;
    ensure!(
        !imap.capabilities().iter().any(|c| c.is("MOVE")),
        "the server should not advertise MOVE"
    );
    let source = unique("nomove-src");
    let target = unique("nomove-dst");
    let appended = aw!(mailbox_with(&imap, &source, 4))?;
    aw!(imap.create(&target, T))?;
    aw!(imap.select(&source, T))?;
    // An unrelated message someone marked \Deleted must survive the fallback.
    aw!(imap.uid_store(
        &SequenceSet::single(appended[3])?,
        StoreOperation::Add,
        &[Flag::Deleted],
        None,
        T,
    ))?;
    let moved = aw!(imap.uid_move_messages(&SequenceSet::single(appended[0])?, &target, T))?;
    ensure!(
        matches!(moved.code, Some(ResponseCode::CopyUid { .. })),
        "{moved:?}"
    );
    ensure!(
        moved.expunged == ExpungeResult::Expunged(vec![1]),
        "{moved:?}"
    );
    let moved = aw!(imap.move_messages(&SequenceSet::single(1)?, &target, T))?;
    ensure!(
        moved.expunged == ExpungeResult::Expunged(vec![1]),
        "{moved:?}"
    );
    let left = aw!(imap.uid_search("ALL", T))?.ids;
    ensure!(
        left == appended[2..],
        "the \\Deleted message was kept: {left:?}"
    );
    ensure!(aw!(imap.status(&target, "MESSAGES", T))?.messages() == Some(2));
    aw!(imap.logout())?;
    // The raw log of what the client sent: UID COPY / UID STORE / UID EXPUNGE, never MOVE
    // and never a plain EXPUNGE.
    let sent = s.rawlog_input();
    ensure!(!sent.is_empty(), "no raw log found");
    // Lines are "<timestamp> <tag> <command>"; literal lines have no tag.
    let commands: Vec<&str> = sent
        .lines()
        .filter_map(|l| l.splitn(3, ' ').nth(2))
        .collect();
    ensure!(
        commands.iter().any(|c| c.starts_with("UID COPY ")),
        "{sent}"
    );
    ensure!(
        commands.iter().any(|c| c.starts_with("UID EXPUNGE ")),
        "{sent}"
    );
    ensure!(
        !commands
            .iter()
            .any(|c| c.to_ascii_uppercase().starts_with("EXPUNGE")),
        "{sent}"
    );
    ensure!(!commands.iter().any(|c| c.contains("MOVE ")), "{sent}");
    Ok(())
}

async fn streaming_fetch(s: Arc<Server>) -> TestResult {
    let imap = aw!(s.login("bob"))?;
    let name = unique("stream");
    let appended = aw!(mailbox_with(&imap, &name, 30))?;
    let big = large_message("big one", 2_500_000);
    let big_uid = aw!(imap.append(&name, &[], None, &big, T))?.map(|(_, u)| u);
    aw!(imap.select(&name, T))?;
    let items = [
        FetchAttr::Uid,
        FetchAttr::BodySection {
            section: Default::default(),
            partial: None,
            peek: true,
        },
    ];
    // A small channel, read slowly: back-pressure, nothing lost, in order.
    let (tx, mut rx) = fetch_channel(2);
    let reader = spawn(async move {
        let mut seen: Vec<(u32, u32, usize)> = Vec::new();
        while let Some(item) = aw!(rx.recv()) {
            let item: crate::adapter::types::FetchResponse = item?;
            let bytes = item
                .attributes
                .iter()
                .map(|a| a.section_data().map_or(0, |d| d.len()))
                .sum();
            seen.push((item.seq, item.uid().unwrap_or(0), bytes));
            if seen.len().is_multiple_of(10) {
                aw!(sleep(std::time::Duration::from_millis(20)));
            }
        }
        Ok::<_, Error>(seen)
    });
    aw!(imap.uid_fetch_streaming(&all(), &items, tx, T))?;
    let seen = aw!(reader.join()).map_err(|e| Fail::Fail(e.to_string()))??;
    let small: Vec<u32> = seen.iter().filter(|s| s.0 != 31).map(|s| s.1).collect();
    ensure!(small == appended, "{small:?}");
    // The big body came in chunks (same seq), summing to the whole message.
    let big_total: usize = seen.iter().filter(|s| s.0 == 31).map(|s| s.2).sum();
    ensure!(big_total == big.len(), "{big_total} of {}", big.len());
    ensure!(big_uid.is_some());

    // FETCH streaming by sequence number, read concurrently.
    let (tx, mut rx) = fetch_channel(64);
    let first_five = SequenceSet::range(1, 5)?;
    let fetch = async { aw!(imap.fetch_streaming(&first_five, &[FetchAttr::Flags], tx, T)) };
    let collect = async move {
        let mut seqs = Vec::new();
        while let Some(item) = aw!(rx.recv()) {
            if let Ok(item) = item {
                seqs.push(item.seq);
            }
        }
        seqs
    };
    let (fetched, seqs) = aw!(join2(fetch, collect));
    fetched?;
    ensure!(seqs == vec![1, 2, 3, 4, 5], "{seqs:?}");

    // A refused streaming call closes the channel and reports the error.
    aw!(imap.close(T))?;
    let (tx, mut rx) = fetch_channel(4);
    ensure_err!(
        aw!(imap.uid_fetch_streaming(&all(), &items, tx, T)),
        Error::WrongState {
            state: SessionState::Authenticated,
            ..
        }
    );
    ensure!(aw!(rx.recv()).is_none());
    aw!(imap.delete(&name, T))?;
    aw!(imap.logout())?;
    Ok(())
}

async fn compress_then_large_fetch(s: Arc<Server>) -> TestResult {
    let imap: ImapConnection = aw!(s.login("carol"))?;
    require(&imap, "COMPRESS=DEFLATE")?;
    aw!(imap.compress(T))?;
    ensure!(imap.is_compressed());
    ensure_err!(
        aw!(imap.compress(T)),
        Error::Precondition(Precondition::CompressActive)
    );
    let name = unique("compressed");
    aw!(imap.create(&name, T))?;
    let big = large_message("compressed", 4 * 1024 * 1024);
    let small = message("small", "after the big one");
    aw!(imap.append(&name, &[], None, &big, T))?;
    aw!(imap.append(&name, &[], None, &small, T))?;
    aw!(imap.select(&name, T))?;
    let found = aw!(imap.fetch(
        &all(),
        &[FetchAttr::BodySection {
            section: Default::default(),
            partial: None,
            peek: true,
        }],
        T,
    ))?;
    ensure!(found.len() == 2, "{} responses", found.len());
    ensure!(body(&found[0]) == Some(&big[..]), "the large body differs");
    ensure!(
        body(&found[1]) == Some(&small[..]),
        "the small body differs"
    );
    aw!(imap.close(T))?;
    aw!(imap.delete(&name, T))?;
    aw!(imap.logout())?;
    Ok(())
}
