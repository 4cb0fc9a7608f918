//! IDLE, NOTIFY, QRESYNC, METADATA, QUOTA and ACL, with a second connection (and a second
//! user) causing the changes.

use std::sync::Arc;
use std::time::{Duration, Instant};

use imap_tokio::types::{
    ExpungeResult, FetchAttr, IdleEvent, NotifyEvent, NotifyEvents, NotifyFilter, NotifySetParams,
    QresyncParams, SelectOptions, SequenceSet, StatusItem,
};
use imap_tokio::{CancellationToken, Error, ImapConnection, SessionState, TypedEvent};

use crate::kit::{Kind, Server, T};
use crate::support::{Fail, TestResult, all, mailbox_with, message, require, uids, unique};
use crate::{Case, case, ensure, ensure_err};

pub fn cases() -> Vec<Case> {
    vec![
        case!(
            idle_woken_by_append_from_another_connection,
            [Kind::Dovecot, Kind::Cyrus]
        ),
        case!(idle_cancelled_and_timed_out, [Kind::Dovecot, Kind::Cyrus]),
        case!(
            notify_events_from_another_connection,
            [Kind::Dovecot, Kind::Cyrus]
        ),
        case!(qresync_select_and_vanished, [Kind::Dovecot, Kind::Cyrus]),
        case!(metadata, [Kind::Dovecot, Kind::Cyrus]),
        case!(quota, [Kind::Dovecot, Kind::Cyrus]),
        case!(acl_with_a_second_user, [Kind::Dovecot, Kind::Cyrus]),
    ]
}

async fn idle_woken_by_append_from_another_connection(s: Arc<Server>) -> TestResult {
    let name = unique("idle");
    let watcher = Arc::new(s.login("alice").await?);
    mailbox_with(&watcher, &name, 1).await?;
    watcher.select(&name, T).await?;
    let idler = watcher.clone();
    let idle = tokio::spawn(async move {
        idler
            .idle(Duration::from_secs(30), CancellationToken::new())
            .await
    });
    // Give the IDLE time to start, then deliver from elsewhere.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let writer = s.login("alice").await?;
    let started = Instant::now();
    writer
        .append(&name, &[], None, &message("wake up", "now"), T)
        .await?;
    let woke = idle.await.map_err(|e| Fail::Fail(e.to_string()))??;
    match &woke {
        IdleEvent::Changed(events) => {
            ensure!(events.contains(&TypedEvent::Exists(2)), "{events:?}")
        }
        other => return Err(Fail::Fail(format!("expected Changed, got {other:?}"))),
    }
    ensure!(started.elapsed() < Duration::from_secs(10), "woke late");
    // After DONE and the tagged OK, the connection is back to normal.
    ensure!(watcher.session_state() == SessionState::Selected);
    let found = watcher.fetch(&all(), &[FetchAttr::Uid], T).await?;
    ensure!(found.len() == 2);
    writer.logout().await?;
    watcher.logout().await?;
    Ok(())
}

async fn idle_cancelled_and_timed_out(s: Arc<Server>) -> TestResult {
    let imap = s.login("bob").await?;
    imap.select("INBOX", T).await?;
    let quiet = imap
        .idle(Duration::from_millis(500), CancellationToken::new())
        .await?;
    ensure!(quiet == IdleEvent::TimedOut, "{quiet:?}");
    let cancel = CancellationToken::new();
    let trigger = cancel.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(300)).await;
        trigger.cancel();
    });
    let started = Instant::now();
    let cancelled = imap.idle(Duration::from_secs(30), cancel).await?;
    ensure!(cancelled == IdleEvent::Cancelled, "{cancelled:?}");
    ensure!(started.elapsed() < Duration::from_secs(5));
    // An already-cancelled token ends IDLE at once (IDLE, then DONE, then the OK).
    let cancel = CancellationToken::new();
    cancel.cancel();
    ensure!(imap.idle(T, cancel).await? == IdleEvent::Cancelled);
    imap.noop(T).await?;
    imap.logout().await?;
    Ok(())
}

async fn notify_events_from_another_connection(s: Arc<Server>) -> TestResult {
    let imap = s.login("carol").await?;
    let name = unique("notify");
    if !imap.capabilities().iter().any(|c| c.is("NOTIFY")) {
        ensure_err!(
            imap.notify_set(
                NotifySetParams::new().group(
                    NotifyFilter::Personal,
                    NotifyEvents::Events(vec![NotifyEvent::MailboxName])
                ),
                T
            )
            .await,
            Error::MissingCapability(_)
        );
        ensure_err!(imap.notify_none(T).await, Error::MissingCapability(_));
        return Err(Fail::Skip("no NOTIFY (the refusal was checked)".into()));
    }
    mailbox_with(&imap, &name, 1).await?;
    let watched = unique("notify-watched");
    imap.create(&watched, T).await?;
    imap.select(&name, T).await?;
    imap.notify_set(
        NotifySetParams::new()
            .group(
                NotifyFilter::Selected,
                NotifyEvents::message_events(vec![FetchAttr::Uid]),
            )
            .group(
                NotifyFilter::Personal,
                NotifyEvents::Events(vec![
                    NotifyEvent::MessageNew { fetch: vec![] },
                    NotifyEvent::MessageExpunge,
                    NotifyEvent::MailboxName,
                ]),
            ),
        T,
    )
    .await?;
    imap.drain_events().await;

    let other = s.login("carol").await?;
    let created = unique("notify-created");
    other.create(&created, T).await?;
    other
        .append(&watched, &[], None, &message("elsewhere", "x"), T)
        .await?;
    other
        .append(&name, &[], None, &message("here", "x"), T)
        .await?;

    // NOTIFY events arrive without any command from us.
    let mut events = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(10);
    let wanted = |events: &[TypedEvent]| {
        let listed = events
            .iter()
            .any(|e| matches!(e, TypedEvent::List(info) if info.mailbox.utf8_name() == created));
        let status = events.iter().any(
            |e| matches!(e, TypedEvent::MailboxStatus(st) if st.mailbox.utf8_name() == watched),
        );
        let exists = events.iter().any(|e| matches!(e, TypedEvent::Exists(2)));
        listed && status && exists
    };
    let unprompted = |events: &[TypedEvent]| {
        events.iter().any(|e| matches!(e, TypedEvent::List(_)))
            && events
                .iter()
                .any(|e| matches!(e, TypedEvent::MailboxStatus(_)))
    };
    while !unprompted(&events) && Instant::now() < deadline {
        if let Some(event) = imap.next_event(Duration::from_millis(500)).await? {
            events.push(event);
        }
    }
    if !wanted(&events) {
        // Dovecot reports changes to the *selected* mailbox at the next command rather
        // than on its own; the other mailboxes' events came unprompted.
        imap.noop(T).await?;
        events.extend(imap.drain_events().await);
    }
    ensure!(wanted(&events), "events: {events:?}");
    imap.notify_none(T).await?;
    other.delete(&created, T).await?;
    other.logout().await?;
    imap.close(T).await?;
    imap.delete(&name, T).await?;
    imap.delete(&watched, T).await?;
    imap.logout().await?;
    Ok(())
}

async fn qresync_select_and_vanished(s: Arc<Server>) -> TestResult {
    let imap = s.login("alice").await?;
    require(&imap, "QRESYNC")?;
    let name = unique("qresync");
    let appended = mailbox_with(&imap, &name, 5).await?;
    // QRESYNC before ENABLE is refused locally.
    let first = imap
        .select_with(&name, &SelectOptions::condstore(), T)
        .await?;
    let validity = first.uid_validity.unwrap_or(0);
    let modseq = first
        .highest_modseq
        .ok_or_else(|| Fail::Fail(format!("no HIGHESTMODSEQ: {first:?}")))?;
    let params = QresyncParams {
        uid_validity: validity,
        mod_seq: modseq,
        known_uids: None,
        seq_match: None,
    };
    ensure_err!(
        imap.uid_fetch_vanished(&all(), &[FetchAttr::Flags], modseq, T)
            .await,
        Error::Protocol(_)
    );
    imap.unselect(T).await?;
    ensure_err!(
        imap.select_with(&name, &SelectOptions::qresync(params.clone()), T)
            .await,
        Error::Protocol(_)
    );
    let enabled = imap.enable(&["QRESYNC"], T).await?;
    ensure!(
        enabled.iter().any(|e| e.eq_ignore_ascii_case("QRESYNC")),
        "{enabled:?}"
    );

    // Another connection expunges two messages and flags one.
    let other = s.login("alice").await?;
    other.select(&name, T).await?;
    other
        .uid_store(
            &SequenceSet::from_numbers([appended[1], appended[3]])?,
            imap_tokio::types::StoreOperation::Add,
            &[imap_tokio::types::Flag::Deleted],
            None,
            T,
        )
        .await?;
    other
        .uid_expunge(&SequenceSet::from_numbers([appended[1], appended[3]])?, T)
        .await?;
    other
        .uid_store(
            &SequenceSet::single(appended[4])?,
            imap_tokio::types::StoreOperation::Add,
            &[imap_tokio::types::Flag::Flagged],
            None,
            T,
        )
        .await?;
    other.logout().await?;

    // QRESYNC SELECT: what changed since `modseq` comes with the SELECT.
    let resynced = imap
        .select_with(&name, &SelectOptions::qresync(params), T)
        .await?;
    ensure!(resynced.exists == 3, "{resynced:?}");
    let vanished: Vec<u32> = resynced.vanished.iter().flat_map(|r| r.iter()).collect();
    ensure!(vanished == vec![appended[1], appended[3]], "{resynced:?}");
    ensure!(
        uids(&resynced.changed).contains(&appended[4]),
        "{resynced:?}"
    );

    // UID FETCH (CHANGEDSINCE ... VANISHED).
    let (changed, vanished) = imap
        .uid_fetch_vanished(&all(), &[FetchAttr::Uid, FetchAttr::Flags], modseq, T)
        .await?;
    let vanished: Vec<u32> = vanished.iter().flat_map(|r| r.iter()).collect();
    ensure!(vanished == vec![appended[1], appended[3]], "{vanished:?}");
    ensure!(uids(&changed).contains(&appended[4]), "{changed:?}");
    // Only UIDs in the requested set are reported.
    let (_, limited) = imap
        .uid_fetch_vanished(
            &SequenceSet::single(appended[1])?,
            &[FetchAttr::Flags],
            modseq,
            T,
        )
        .await?;
    let limited: Vec<u32> = limited.iter().flat_map(|r| r.iter()).collect();
    ensure!(limited == vec![appended[1]], "{limited:?}");

    // With QRESYNC on, EXPUNGE reports VANISHED.
    imap.uid_store(
        &SequenceSet::single(appended[0])?,
        imap_tokio::types::StoreOperation::Add,
        &[imap_tokio::types::Flag::Deleted],
        None,
        T,
    )
    .await?;
    let expunged = imap.expunge(T).await?;
    ensure!(
        matches!(&expunged, ExpungeResult::Vanished(r) if r.iter().flat_map(|r| r.iter()).eq([appended[0]])),
        "{expunged:?}"
    );
    imap.close(T).await?;
    imap.delete(&name, T).await?;
    imap.logout().await?;
    Ok(())
}

async fn metadata(s: Arc<Server>) -> TestResult {
    let imap = s.login("bob").await?;
    require(&imap, "METADATA")?;
    let name = unique("metadata");
    imap.create(&name, T).await?;
    imap.set_metadata(
        &name,
        &[
            ("/private/comment", Some(&b"hello metadata"[..])),
            ("/shared/comment", Some(&b"line one\r\nline two"[..])),
        ],
        T,
    )
    .await?;
    let got = imap
        .get_metadata(
            &name,
            &["/private/comment", "/shared/comment"],
            None,
            None,
            T,
        )
        .await?;
    let value = |key: &str| {
        got.entries
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .and_then(|(_, v)| v.clone())
    };
    ensure!(
        value("/private/comment").as_deref() == Some(&b"hello metadata"[..]),
        "{got:?}"
    );
    ensure!(
        value("/shared/comment").as_deref() == Some(&b"line one\r\nline two"[..]),
        "{got:?}"
    );
    // MAXSIZE: the long value is withheld and LONGENTRIES reported.
    let small = imap
        .get_metadata(&name, &["/shared/comment"], Some(4), None, T)
        .await?;
    ensure!(small.long_entries.is_some(), "{small:?}");
    // DEPTH.
    let deep = imap
        .get_metadata(&name, &["/private"], None, Some("infinity"), T)
        .await?;
    ensure!(
        deep.entries.iter().any(|(k, _)| k == "/private/comment"),
        "{deep:?}"
    );
    // Deleting with NIL.
    imap.set_metadata(&name, &[("/private/comment", None)], T)
        .await?;
    let gone = imap
        .get_metadata(&name, &["/private/comment"], None, None, T)
        .await?;
    ensure!(gone.entries.iter().all(|(_, v)| v.is_none()), "{gone:?}");
    // The pipelined read.
    let (piped,) = imap
        .pipeline()
        .get_metadata(&name, &["/shared/comment"], None, None)
        .execute(T)
        .await?;
    ensure!(!piped?.entries.is_empty());
    imap.delete(&name, T).await?;
    imap.logout().await?;
    Ok(())
}

async fn quota(s: Arc<Server>) -> TestResult {
    let imap = s.login("carol").await?;
    require(&imap, "QUOTA")?;
    imap.append("INBOX", &[], None, &message("quota", "some bytes"), T)
        .await?;
    let roots = imap.get_quota_root("INBOX", T).await?;
    ensure!(!roots.roots.is_empty(), "{roots:?}");
    let root = roots.roots[0].clone();
    let from_root = roots
        .quotas
        .iter()
        .find(|(name, _)| *name == root)
        .map(|(_, resources)| resources.clone())
        .ok_or_else(|| Fail::Fail(format!("no QUOTA for {root}: {roots:?}")))?;
    // Cyrus lets only admins read a quota root directly; the user sees it through
    // GETQUOTAROOT. Its admin names the root `user/<name>`.
    let (reader, root_for_reader) = if s.kind == Kind::Cyrus {
        ensure_err!(imap.get_quota(&root, T).await, Error::No { .. });
        (s.login("admin").await?, "user/carol".to_string())
    } else {
        (s.login("carol").await?, root.clone())
    };
    let resources = reader.get_quota(&root_for_reader, T).await?;
    ensure!(resources == from_root, "{resources:?} vs {from_root:?}");
    let storage = resources
        .iter()
        .find(|r| r.name.eq_ignore_ascii_case(b"STORAGE"))
        .ok_or_else(|| Fail::Fail(format!("no STORAGE: {resources:?}")))?;
    ensure!(storage.limit > 0, "{storage:?}");
    let (piped,) = reader
        .pipeline()
        .get_quota(&root_for_reader)
        .execute(T)
        .await?;
    ensure!(piped? == resources);
    reader.logout().await?;
    // Setting quotas needs QUOTASET, which neither server advertises.
    if !imap.capabilities().iter().any(|c| c.is("QUOTASET")) {
        ensure_err!(
            imap.set_quota(&root, &[("STORAGE", 1024)], T).await,
            Error::MissingCapability(_)
        );
    }
    imap.logout().await?;
    Ok(())
}

/// The name under which `owner`'s mailbox `name` appears to other users.
async fn shared_name(viewer: &ImapConnection, owner: &str, name: &str) -> Result<String, Fail> {
    let ns = viewer.namespace(T).await?;
    let other = ns
        .other_users
        .first()
        .map(|d| d.prefix.utf8_name().into_owned())
        .or_else(|| {
            ns.shared
                .first()
                .map(|d| format!("{}{owner}/", d.prefix.utf8_name()))
        })
        .ok_or_else(|| Fail::Fail(format!("no namespace for other users: {ns:?}")))?;
    Ok(format!("{other}{owner}/{name}"))
}

async fn acl_with_a_second_user(s: Arc<Server>) -> TestResult {
    let alice = s.login("alice").await?;
    require(&alice, "ACL")?;
    let name = unique("shared");
    mailbox_with(&alice, &name, 2).await?;
    let mine = alice.my_rights(&name, T).await?;
    ensure!(
        mine.contains('l') && mine.contains('r') && mine.contains('a'),
        "{mine}"
    );
    alice.set_acl(&name, "bob", "lrs", T).await?;
    let acl = alice.get_acl(&name, T).await?;
    let bob_rights = acl
        .iter()
        .find(|e| e.identifier == "bob")
        .map(|e| String::from_utf8_lossy(&e.rights).into_owned());
    ensure!(
        bob_rights.is_some_and(|r| r.contains('l') && r.contains('r')),
        "{acl:?}"
    );
    let grantable = alice.list_rights(&name, "bob", T).await?;
    ensure!(
        !grantable.optional.is_empty() || !grantable.required.is_empty(),
        "{grantable:?}"
    );

    // Bob sees and reads the mailbox.
    let bob = s.login("bob").await?;
    let path = shared_name(&bob, "alice", &name).await?;
    let rights = bob.my_rights(&path, T).await?;
    ensure!(
        rights.contains('r') && !rights.contains('a'),
        "{path}: {rights}"
    );
    let status = bob.status(&path, "MESSAGES", T).await?;
    ensure!(
        status.items.contains(&StatusItem::Messages(2)),
        "{status:?}"
    );
    let examined = bob.examine(&path, T).await?;
    ensure!(examined.exists == 2);
    bob.close(T).await?;

    bob.logout().await?;

    // Removing the entry takes the access away (checked on a new session: Dovecot caches
    // ACLs per session for `acl_cache_ttl`).
    alice.delete_acl(&name, "bob", T).await?;
    ensure!(
        !alice
            .get_acl(&name, T)
            .await?
            .iter()
            .any(|e| e.identifier == "bob")
    );
    let bob = s.login("bob").await?;
    ensure_err!(bob.examine(&path, T).await, Error::No { .. });
    bob.logout().await?;
    alice.delete(&name, T).await?;
    alice.logout().await?;
    Ok(())
}
