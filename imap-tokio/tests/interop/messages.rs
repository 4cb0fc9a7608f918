//! Message commands: APPEND/MULTIAPPEND, FETCH variants (buffered and streamed), SEARCH,
//! ESEARCH and SEARCHRES, SORT/THREAD, STORE with CONDSTORE, COPY, MOVE (native and the
//! UIDPLUS fallback), EXPUNGE, COMPRESS with a large FETCH.

use std::sync::Arc;

use imap_tokio::types::{
    AppendMessage, CopyResult, ExpungeResult, FetchAttr, Flag, MessageAttribute, ResponseCode,
    SelectOptions, SequenceSet, StoreOperation,
};
use imap_tokio::{Error, ImapConnection};

use crate::kit::{Kind, Server, T};
use crate::support::{
    Fail, TestResult, all, body, large_message, mailbox_with, message, require, uids, unique,
};
use crate::{Case, case, ensure, ensure_err};

pub fn cases() -> Vec<Case> {
    vec![
        case!(append_and_multiappend, [Kind::Dovecot, Kind::Cyrus]),
        case!(fetch_variants, [Kind::Dovecot, Kind::Cyrus]),
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

fn flags_of(found: &imap_tokio::types::FetchResponse) -> Vec<Flag> {
    found.flags().map(<[Flag]>::to_vec).unwrap_or_default()
}

async fn append_and_multiappend(s: Arc<Server>) -> TestResult {
    let imap = s.login("alice").await?;
    let name = unique("append");
    imap.create(&name, T).await?;
    let first = message("first", "one");
    let appended = imap
        .append(
            &name,
            &[Flag::Seen, Flag::keyword("$Label1")],
            Some("02-Mar-2026 10:00:00 +0100"),
            &first,
            T,
        )
        .await?;
    // Both servers have UIDPLUS: APPENDUID is returned.
    let (validity, uid) =
        appended.ok_or_else(|| Fail::Fail("no APPENDUID from a UIDPLUS server".into()))?;
    let many = imap
        .multi_append(
            &name,
            &[
                AppendMessage::new(message("second", "two")),
                AppendMessage::new(message("third", "three")).with_flags(vec![Flag::Flagged]),
                AppendMessage::new(message("fourth", "four"))
                    .with_date("1-Jan-2026 00:00:00 +0000"),
            ],
            T,
        )
        .await?;
    ensure!(many.len() == 3, "{many:?}");
    ensure!(many.iter().all(|(v, _)| *v == validity));
    ensure!(many.iter().map(|(_, u)| *u).collect::<Vec<_>>() == vec![uid + 1, uid + 2, uid + 3]);

    imap.select(&name, T).await?;
    let found = imap
        .uid_fetch(
            &SequenceSet::single(uid)?,
            &[
                FetchAttr::Uid,
                FetchAttr::Flags,
                FetchAttr::InternalDate,
                FetchAttr::Rfc822Size,
            ],
            T,
        )
        .await?;
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
    ensure!(imap.append(&name, &[], None, &big, T).await?.is_some());
    // An invalid date is refused before sending.
    ensure_err!(
        imap.append(&name, &[], Some("yesterday"), &first, T).await,
        Error::Encode(_)
    );
    // TRYCREATE for a missing mailbox.
    ensure_err!(
        imap.append(&unique("missing"), &[], None, &first, T).await,
        Error::No { .. }
    );
    imap.close(T).await?;
    imap.delete(&name, T).await?;
    imap.logout().await?;
    Ok(())
}

async fn fetch_variants(s: Arc<Server>) -> TestResult {
    let imap = s.login("bob").await?;
    let name = unique("fetch");
    let appended = mailbox_with(&imap, &name, 4).await?;
    imap.select(&name, T).await?;

    let found = imap
        .fetch(
            &SequenceSet::range(2, 3)?,
            &[
                FetchAttr::Uid,
                FetchAttr::Envelope,
                FetchAttr::BodyStructure,
            ],
            T,
        )
        .await?;
    ensure!(found.iter().map(|f| f.seq).collect::<Vec<_>>() == vec![2, 3]);
    let subject = found[0].attributes.iter().find_map(|a| match a {
        MessageAttribute::Envelope(e) => e.subject.clone(),
        _ => None,
    });
    ensure!(subject.as_deref() == Some(&b"message 1"[..]), "{subject:?}");
    ensure!(
        found[0]
            .attributes
            .iter()
            .any(|a| matches!(a, MessageAttribute::BodyStructure(_)))
    );

    let whole = imap
        .uid_fetch(
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
        )
        .await?;
    ensure!(
        uids(&whole) == appended,
        "{:?} vs {appended:?}",
        uids(&whole)
    );
    let text = body(&whole[0]).map(|b| String::from_utf8_lossy(b).into_owned());
    ensure!(text.is_some_and(|t| t.contains("Subject: message 0")));
    // PEEK did not set \Seen.
    let flags = imap.fetch(&all(), &[FetchAttr::Flags], T).await?;
    ensure!(
        flags.iter().all(|f| !flags_of(f).contains(&Flag::Seen)),
        "{flags:?}"
    );

    // CONDSTORE: FETCH CHANGEDSINCE.
    require(&imap, "CONDSTORE")?;
    let selected = imap
        .select_with(&name, &SelectOptions::condstore(), T)
        .await?;
    let modseq = selected
        .highest_modseq
        .ok_or_else(|| Fail::Fail(format!("no HIGHESTMODSEQ: {selected:?}")))?;
    let target = appended.get(1).copied().unwrap_or(2);
    imap.uid_store(
        &SequenceSet::single(target)?,
        StoreOperation::Add,
        &[Flag::Flagged],
        None,
        T,
    )
    .await?;
    let changed = imap
        .uid_fetch_changed_since(&all(), &[FetchAttr::Uid, FetchAttr::Flags], modseq, T)
        .await?;
    ensure!(uids(&changed) == vec![target], "{changed:?}");
    let changed = imap
        .fetch_changed_since(&all(), &[FetchAttr::Flags], modseq, T)
        .await?;
    ensure!(changed.len() == 1 && changed[0].seq == 2, "{changed:?}");
    let examined = imap
        .examine_with(&name, &SelectOptions::condstore(), T)
        .await?;
    ensure!(examined.read_only && examined.highest_modseq > Some(modseq));
    imap.unselect(T).await?;
    imap.delete(&name, T).await?;
    imap.logout().await?;
    Ok(())
}

async fn search_variants(s: Arc<Server>) -> TestResult {
    let imap = s.login("carol").await?;
    let name = unique("search");
    imap.create(&name, T).await?;
    for (i, subject) in ["apple pie", "banana split", "apple tart"]
        .iter()
        .enumerate()
    {
        let flags = if i == 1 { vec![Flag::Seen] } else { vec![] };
        imap.append(&name, &flags, None, &message(subject, "text"), T)
            .await?;
    }
    imap.select(&name, T).await?;
    let apples = imap.search("SUBJECT apple", T).await?;
    ensure!(apples.ids == vec![1, 3], "{apples:?}");
    let unseen = imap.uid_search(String::from("UNSEEN"), T).await?;
    ensure!(unseen.ids.len() == 2, "{unseen:?}");
    // Injection attempts are refused before sending.
    ensure_err!(imap.search("ALL\r\nA1 LOGOUT", T).await, Error::Encode(_));

    require(&imap, "ESEARCH")?;
    let esearch = imap
        .search_esearch("ALL", &["MIN", "MAX", "COUNT"], T)
        .await?;
    ensure!(
        (esearch.min, esearch.max, esearch.count) == (Some(1), Some(3), Some(3)),
        "{esearch:?}"
    );
    let uid_esearch = imap
        .uid_search_esearch("SUBJECT apple", &["ALL"], T)
        .await?;
    ensure!(
        uid_esearch.uid && uid_esearch.all_numbers().len() == 2,
        "{uid_esearch:?}"
    );

    if imap.capabilities().iter().any(|c| c.is("SEARCHRES")) {
        imap.uid_search_save("SUBJECT banana", T).await?;
        let saved = imap
            .uid_fetch(&SequenceSet::saved_result(), &[FetchAttr::Uid], T)
            .await?;
        ensure!(saved.len() == 1, "{saved:?}");
        imap.search_save("SUBJECT apple", T).await?;
        let saved = imap
            .fetch(&SequenceSet::saved_result(), &[FetchAttr::Flags], T)
            .await?;
        ensure!(saved.len() == 2, "{saved:?}");
    } else {
        ensure_err!(
            imap.search_save("ALL", T).await,
            Error::MissingCapability(_)
        );
        ensure_err!(
            imap.uid_search_save("ALL", T).await,
            Error::MissingCapability(_)
        );
    }
    imap.close(T).await?;
    imap.delete(&name, T).await?;
    imap.logout().await?;
    Ok(())
}

async fn sort_and_thread(s: Arc<Server>) -> TestResult {
    let imap = s.login("alice").await?;
    require(&imap, "SORT")?;
    let name = unique("sort");
    imap.create(&name, T).await?;
    for (day, subject) in ["charlie", "alpha", "bravo", "Re: alpha"]
        .iter()
        .enumerate()
    {
        // Distinct internal dates, for ARRIVAL.
        let date = format!("{:02}-Mar-2026 10:00:00 +0000", day + 1);
        imap.append(&name, &[], Some(&date), &message(subject, "x"), T)
            .await?;
    }
    imap.select(&name, T).await?;
    let sorted = imap.sort("SUBJECT", "UTF-8", "ALL", T).await?;
    // Base subjects: alpha (2), alpha (4, "Re:" removed), bravo (3), charlie (1).
    ensure!(sorted.ids == vec![2, 4, 3, 1], "{sorted:?}");
    let reversed = imap.uid_sort("REVERSE ARRIVAL", "UTF-8", "ALL", T).await?;
    let mut ascending = reversed.ids.clone();
    ascending.reverse();
    ensure!(
        ascending.len() == 4 && ascending.windows(2).all(|w| w[0] < w[1]),
        "{reversed:?}"
    );

    require(&imap, "THREAD=ORDEREDSUBJECT")?;
    let threads = imap.thread("ORDEREDSUBJECT", "UTF-8", "ALL", T).await?;
    ensure!(threads.len() == 3, "{threads:?}");
    let uid_threads = imap.uid_thread("REFERENCES", "UTF-8", "ALL", T).await?;
    ensure!(!uid_threads.is_empty(), "{uid_threads:?}");
    ensure_err!(
        imap.thread("NO-SUCH-ALGORITHM", "UTF-8", "ALL", T).await,
        Error::MissingCapability(_)
    );
    imap.close(T).await?;
    imap.delete(&name, T).await?;
    imap.logout().await?;
    Ok(())
}

async fn store_and_condstore(s: Arc<Server>) -> TestResult {
    let imap = s.login("bob").await?;
    let name = unique("store");
    let appended = mailbox_with(&imap, &name, 3).await?;
    imap.select(&name, T).await?;
    let stored = imap
        .store(
            &SequenceSet::single(1)?,
            StoreOperation::Add,
            &[Flag::Seen, Flag::Recent],
            None,
            T,
        )
        .await?;
    ensure!(stored.fetched.len() == 1 && flags_of(&stored.fetched[0]).contains(&Flag::Seen));
    let silent = imap
        .uid_store(
            &all(),
            StoreOperation::Add.silent(),
            &[Flag::keyword("$Done")],
            None,
            T,
        )
        .await?;
    // (.SILENT asks the server not to echo the flags; Cyrus 3.6 still does for UID STORE,
    // so that is not asserted.)
    let _ = silent;
    let flags = imap.fetch(&all(), &[FetchAttr::Flags], T).await?;
    ensure!(
        flags
            .iter()
            .all(|f| flags_of(f).contains(&Flag::keyword("$Done")))
    );
    imap.store(
        &SequenceSet::single(1)?,
        StoreOperation::Remove,
        &[Flag::Seen],
        None,
        T,
    )
    .await?;

    require(&imap, "CONDSTORE")?;
    let selected = imap
        .select_with(&name, &SelectOptions::condstore(), T)
        .await?;
    let modseq = selected.highest_modseq.unwrap_or(1);
    let target = appended.first().copied().unwrap_or(1);
    // Someone else changes the message after we read its modseq.
    let other = s.login("bob").await?;
    other.select(&name, T).await?;
    other
        .uid_store(
            &SequenceSet::single(target)?,
            StoreOperation::Add,
            &[Flag::Answered],
            None,
            T,
        )
        .await?;
    other.logout().await?;
    let conditional = imap
        .uid_store(
            &SequenceSet::single(target)?,
            StoreOperation::Add,
            &[Flag::Flagged],
            Some(modseq),
            T,
        )
        .await?;
    // RFC 7162 §3.1.3: the store is refused for that message, reported in MODIFIED.
    ensure!(
        conditional.modified.iter().any(|r| r.contains(target)),
        "{conditional:?}"
    );
    imap.close(T).await?;
    imap.delete(&name, T).await?;
    imap.logout().await?;
    Ok(())
}

fn copy_uids(result: &CopyResult) -> Option<(u32, Vec<u32>, Vec<u32>)> {
    result.copy_uid().map(|(validity, from, to)| {
        let expand = |r: &[imap_tokio::types::UidRange]| r.iter().flat_map(|r| r.iter()).collect();
        (validity, expand(from), expand(to))
    })
}

async fn copy_move_expunge(s: Arc<Server>) -> TestResult {
    let imap = s.login("carol").await?;
    let source = unique("source");
    let target = unique("target");
    let appended = mailbox_with(&imap, &source, 6).await?;
    imap.create(&target, T).await?;
    imap.select(&source, T).await?;

    let copied = imap
        .uid_copy(&SequenceSet::single(appended[0])?, &target, T)
        .await?;
    let (_, from, to) =
        copy_uids(&copied).ok_or_else(|| Fail::Fail(format!("no COPYUID: {copied:?}")))?;
    ensure!(from == vec![appended[0]] && to.len() == 1, "{copied:?}");
    let copied = imap.copy(&SequenceSet::range(2, 3)?, &target, T).await?;
    ensure!(
        copy_uids(&copied).is_some_and(|(_, f, _)| f == appended[1..3]),
        "{copied:?}"
    );

    // MOVE by UID: the moved message is expunged from the source.
    let moved = imap
        .uid_move_messages(&SequenceSet::single(appended[3])?, &target, T)
        .await?;
    ensure!(
        matches!(moved.code, Some(ResponseCode::CopyUid { .. })),
        "{moved:?}"
    );
    ensure!(
        moved.expunged == ExpungeResult::Expunged(vec![4]),
        "{moved:?}"
    );
    // MOVE by sequence number (now messages 1..5 remain: move the 4th).
    let moved = imap
        .move_messages(&SequenceSet::single(4)?, &target, T)
        .await?;
    ensure!(
        moved.expunged == ExpungeResult::Expunged(vec![4]),
        "{moved:?}"
    );
    ensure!(imap.status(&target, "MESSAGES", T).await?.messages() == Some(5));

    // EXPUNGE and UID EXPUNGE.
    imap.store(
        &SequenceSet::single(1)?,
        StoreOperation::Add,
        &[Flag::Deleted],
        None,
        T,
    )
    .await?;
    let expunged = imap.expunge(T).await?;
    ensure!(expunged == ExpungeResult::Expunged(vec![1]), "{expunged:?}");
    let left = imap.uid_search("ALL", T).await?.ids;
    ensure!(left.len() == 3, "{left:?}");
    imap.uid_store(
        &SequenceSet::from_numbers(left.clone())?,
        StoreOperation::Add,
        &[Flag::Deleted],
        None,
        T,
    )
    .await?;
    // UID EXPUNGE removes only the listed UIDs, even though all are \Deleted.
    let expunged = imap.uid_expunge(&SequenceSet::single(left[0])?, T).await?;
    ensure!(expunged == ExpungeResult::Expunged(vec![1]), "{expunged:?}");
    ensure!(imap.search("ALL", T).await?.ids == vec![1, 2]);
    imap.close(T).await?;
    imap.delete(&source, T).await?;
    imap.delete(&target, T).await?;
    imap.logout().await?;
    Ok(())
}

async fn move_fallback_never_sends_plain_expunge(s: Arc<Server>) -> TestResult {
    let imap = s.login("alice").await?;
    ensure!(
        !imap.capabilities().iter().any(|c| c.is("MOVE")),
        "the server should not advertise MOVE"
    );
    let source = unique("nomove-src");
    let target = unique("nomove-dst");
    let appended = mailbox_with(&imap, &source, 4).await?;
    imap.create(&target, T).await?;
    imap.select(&source, T).await?;
    // An unrelated message someone marked \Deleted must survive the fallback.
    imap.uid_store(
        &SequenceSet::single(appended[3])?,
        StoreOperation::Add,
        &[Flag::Deleted],
        None,
        T,
    )
    .await?;
    let moved = imap
        .uid_move_messages(&SequenceSet::single(appended[0])?, &target, T)
        .await?;
    ensure!(
        matches!(moved.code, Some(ResponseCode::CopyUid { .. })),
        "{moved:?}"
    );
    ensure!(
        moved.expunged == ExpungeResult::Expunged(vec![1]),
        "{moved:?}"
    );
    let moved = imap
        .move_messages(&SequenceSet::single(1)?, &target, T)
        .await?;
    ensure!(
        moved.expunged == ExpungeResult::Expunged(vec![1]),
        "{moved:?}"
    );
    let left = imap.uid_search("ALL", T).await?.ids;
    ensure!(
        left == appended[2..],
        "the \\Deleted message was kept: {left:?}"
    );
    ensure!(imap.status(&target, "MESSAGES", T).await?.messages() == Some(2));
    imap.logout().await?;
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
    let imap = s.login("bob").await?;
    let name = unique("stream");
    let appended = mailbox_with(&imap, &name, 30).await?;
    let big = large_message("big one", 2_500_000);
    let big_uid = imap
        .append(&name, &[], None, &big, T)
        .await?
        .map(|(_, u)| u);
    imap.select(&name, T).await?;
    let items = [
        FetchAttr::Uid,
        FetchAttr::BodySection {
            section: Default::default(),
            partial: None,
            peek: true,
        },
    ];
    // A small channel, read slowly: back-pressure, nothing lost, in order.
    let (tx, mut rx) = tokio::sync::mpsc::channel(2);
    let reader = tokio::spawn(async move {
        let mut seen: Vec<(u32, u32, usize)> = Vec::new();
        while let Some(item) = rx.recv().await {
            let item: imap_tokio::types::FetchResponse = item?;
            let bytes = item
                .attributes
                .iter()
                .map(|a| match a {
                    MessageAttribute::BodySection { data: Some(d), .. } => d.len(),
                    _ => 0,
                })
                .sum();
            seen.push((item.seq, item.uid().unwrap_or(0), bytes));
            if seen.len() % 10 == 0 {
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            }
        }
        Ok::<_, Error>(seen)
    });
    imap.uid_fetch_streaming(&all(), &items, tx, T).await?;
    let seen = reader.await.map_err(|e| Fail::Fail(e.to_string()))??;
    let small: Vec<u32> = seen.iter().filter(|s| s.0 != 31).map(|s| s.1).collect();
    ensure!(small == appended, "{small:?}");
    // The big body came in chunks (same seq), summing to the whole message.
    let big_total: usize = seen.iter().filter(|s| s.0 == 31).map(|s| s.2).sum();
    ensure!(big_total == big.len(), "{big_total} of {}", big.len());
    ensure!(big_uid.is_some());

    // FETCH streaming by sequence number, read concurrently.
    let (tx, mut rx) = tokio::sync::mpsc::channel(64);
    let first_five = SequenceSet::range(1, 5)?;
    let fetch = imap.fetch_streaming(&first_five, &[FetchAttr::Flags], tx, T);
    let collect = async {
        let mut seqs = Vec::new();
        while let Some(item) = rx.recv().await {
            if let Ok(item) = item {
                seqs.push(item.seq);
            }
        }
        seqs
    };
    let (fetched, seqs) = tokio::join!(fetch, collect);
    fetched?;
    ensure!(seqs == vec![1, 2, 3, 4, 5], "{seqs:?}");

    // A refused streaming call closes the channel and reports the error.
    imap.close(T).await?;
    let (tx, mut rx) = tokio::sync::mpsc::channel(4);
    ensure_err!(
        imap.uid_fetch_streaming(&all(), &items, tx, T).await,
        Error::Protocol(_)
    );
    ensure!(rx.recv().await.is_none());
    imap.delete(&name, T).await?;
    imap.logout().await?;
    Ok(())
}

async fn compress_then_large_fetch(s: Arc<Server>) -> TestResult {
    let imap: ImapConnection = s.login("carol").await?;
    require(&imap, "COMPRESS=DEFLATE")?;
    imap.compress(T).await?;
    ensure!(imap.is_compressed());
    ensure_err!(imap.compress(T).await, Error::Protocol(_));
    let name = unique("compressed");
    imap.create(&name, T).await?;
    let big = large_message("compressed", 4 * 1024 * 1024);
    let small = message("small", "after the big one");
    imap.append(&name, &[], None, &big, T).await?;
    imap.append(&name, &[], None, &small, T).await?;
    imap.select(&name, T).await?;
    let found = imap
        .fetch(
            &all(),
            &[FetchAttr::BodySection {
                section: Default::default(),
                partial: None,
                peek: true,
            }],
            T,
        )
        .await?;
    ensure!(found.len() == 2, "{} responses", found.len());
    ensure!(body(&found[0]) == Some(&big[..]), "the large body differs");
    ensure!(
        body(&found[1]) == Some(&small[..]),
        "the small body differs"
    );
    imap.close(T).await?;
    imap.delete(&name, T).await?;
    imap.logout().await?;
    Ok(())
}
