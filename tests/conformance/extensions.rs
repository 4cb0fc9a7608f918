//! IDLE, NOTIFY, QRESYNC, METADATA, QUOTA and ACL, with a second connection (and a second
//! user) causing the changes.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::adapter::types::{
    ExpungeResult, FetchAttr, IdleEvent, NotifyEvent, NotifyEvents, NotifyFilter, NotifySetParams,
    QresyncParams, SelectOptions, SequenceSet, StatusItem,
};
use crate::adapter::{
    CancellationToken, Error, ImapConnection, Precondition, SessionState, TypedEvent, sleep, spawn,
};

use super::Case;
use super::kit::{Kind, Server, T};
use super::support::{
    Fail, TestResult, all, idle_cancelled_from_elsewhere, mailbox_with, message, require, uids,
    unique,
};
use crate::{case, ensure, ensure_err};

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
    let watcher = Arc::new(aw!(s.login("alice"))?);
    aw!(mailbox_with(&watcher, &name, 1))?;
    aw!(watcher.select(&name, T))?;
    let idler = watcher.clone();
    let idle =
        spawn(async move { aw!(idler.idle(Duration::from_secs(30), CancellationToken::new())) });
    // Give the IDLE time to start, then deliver from elsewhere.
    aw!(sleep(Duration::from_millis(300)));
    let writer = aw!(s.login("alice"))?;
    let started = Instant::now();
    aw!(writer.append(&name, &[], None, &message("wake up", "now"), T))?;
    let woke = aw!(idle.join()).map_err(|e| Fail::Fail(e.to_string()))??;
    match &woke {
        IdleEvent::Changed(events) => {
            ensure!(events.contains(&TypedEvent::Exists(2)), "{events:?}")
        }
        other => return Err(Fail::Fail(format!("expected Changed, got {other:?}"))),
    }
    ensure!(started.elapsed() < Duration::from_secs(10), "woke late");
    // After DONE and the tagged OK, the connection is back to normal.
    ensure!(watcher.session_state() == SessionState::Selected);
    let found = aw!(watcher.fetch(&all(), &[FetchAttr::Uid], T))?;
    ensure!(found.len() == 2);
    aw!(writer.logout())?;
    aw!(watcher.logout())?;
    Ok(())
}

async fn idle_cancelled_and_timed_out(s: Arc<Server>) -> TestResult {
    let imap = aw!(s.login("bob"))?;
    aw!(imap.select("INBOX", T))?;
    let quiet = aw!(imap.idle(Duration::from_millis(500), CancellationToken::new()))?;
    ensure!(quiet == IdleEvent::TimedOut, "{quiet:?}");
    aw!(idle_cancelled_from_elsewhere(&imap))?;
    // An already-cancelled token ends IDLE at once (IDLE, then DONE, then the OK).
    let cancel = CancellationToken::new();
    cancel.cancel();
    ensure!(aw!(imap.idle(T, cancel))? == IdleEvent::Cancelled);
    aw!(imap.noop(T))?;
    aw!(imap.logout())?;
    Ok(())
}

async fn notify_events_from_another_connection(s: Arc<Server>) -> TestResult {
    let imap = aw!(s.login("carol"))?;
    let name = unique("notify");
    if !imap.capabilities().iter().any(|c| c.is("NOTIFY")) {
        ensure_err!(
            aw!(imap.notify_set(
                NotifySetParams::new().group(
                    NotifyFilter::Personal,
                    NotifyEvents::Events(vec![NotifyEvent::MailboxName])
                ),
                T
            )),
            Error::MissingCapability(_)
        );
        ensure_err!(aw!(imap.notify_none(T)), Error::MissingCapability(_));
        return Err(Fail::Skip("no NOTIFY (the refusal was checked)".into()));
    }
    aw!(mailbox_with(&imap, &name, 1))?;
    let watched = unique("notify-watched");
    aw!(imap.create(&watched, T))?;
    aw!(imap.select(&name, T))?;
    aw!(imap.notify_set(
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
    ))?;
    aw!(imap.drain_events());

    let other = aw!(s.login("carol"))?;
    let created = unique("notify-created");
    aw!(other.create(&created, T))?;
    aw!(other.append(&watched, &[], None, &message("elsewhere", "x"), T))?;
    aw!(other.append(&name, &[], None, &message("here", "x"), T))?;

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
        if let Some(event) = aw!(imap.next_event(Duration::from_millis(500)))? {
            events.push(event);
        }
    }
    if !wanted(&events) {
        // Dovecot reports changes to the *selected* mailbox at the next command rather
        // than on its own; the other mailboxes' events came unprompted.
        aw!(imap.noop(T))?;
        events.extend(aw!(imap.drain_events()));
    }
    ensure!(wanted(&events), "events: {events:?}");
    aw!(imap.notify_none(T))?;
    aw!(other.delete(&created, T))?;
    aw!(other.logout())?;
    aw!(imap.close(T))?;
    aw!(imap.delete(&name, T))?;
    aw!(imap.delete(&watched, T))?;
    aw!(imap.logout())?;
    Ok(())
}

async fn qresync_select_and_vanished(s: Arc<Server>) -> TestResult {
    let imap = aw!(s.login("alice"))?;
    require(&imap, "QRESYNC")?;
    let name = unique("qresync");
    let appended = aw!(mailbox_with(&imap, &name, 5))?;
    // QRESYNC before ENABLE is refused locally.
    let first = aw!(imap.select_with(&name, &SelectOptions::condstore(), T))?;
    let validity = first.uid_validity.unwrap_or(0);
    let modseq = first
        .highest_modseq
        .ok_or_else(|| Fail::Fail(format!("no HIGHESTMODSEQ: {first:?}")))?;
    let params = QresyncParams::new(validity, modseq);
    ensure_err!(
        aw!(imap.uid_fetch_vanished(&all(), &[FetchAttr::Flags], modseq, T)),
        Error::Precondition(Precondition::NotEnabled {
            extension: "QRESYNC",
            ..
        })
    );
    aw!(imap.unselect(T))?;
    ensure_err!(
        aw!(imap.select_with(&name, &SelectOptions::qresync(params.clone()), T)),
        Error::Precondition(Precondition::NotEnabled {
            extension: "QRESYNC",
            ..
        })
    );
    let enabled = aw!(imap.enable(&["QRESYNC"], T))?;
    ensure!(
        enabled.iter().any(|e| e.eq_ignore_ascii_case("QRESYNC")),
        "{enabled:?}"
    );

    // Another connection expunges two messages and flags one.
    let other = aw!(s.login("alice"))?;
    aw!(other.select(&name, T))?;
    aw!(other.uid_store(
        &SequenceSet::from_numbers([appended[1], appended[3]])?,
        crate::adapter::types::StoreOperation::Add,
        &[crate::adapter::types::Flag::Deleted],
        None,
        T,
    ))?;
    aw!(other.uid_expunge(&SequenceSet::from_numbers([appended[1], appended[3]])?, T))?;
    aw!(other.uid_store(
        &SequenceSet::single(appended[4])?,
        crate::adapter::types::StoreOperation::Add,
        &[crate::adapter::types::Flag::Flagged],
        None,
        T,
    ))?;
    aw!(other.logout())?;

    // QRESYNC SELECT: what changed since `modseq` comes with the SELECT.
    let resynced = aw!(imap.select_with(&name, &SelectOptions::qresync(params), T))?;
    ensure!(resynced.exists == 3, "{resynced:?}");
    let vanished: Vec<u32> = resynced.vanished.iter().flat_map(|r| r.iter()).collect();
    ensure!(vanished == vec![appended[1], appended[3]], "{resynced:?}");
    ensure!(
        uids(&resynced.changed).contains(&appended[4]),
        "{resynced:?}"
    );

    // UID FETCH (CHANGEDSINCE ... VANISHED).
    let (changed, vanished) =
        aw!(imap.uid_fetch_vanished(&all(), &[FetchAttr::Uid, FetchAttr::Flags], modseq, T))?;
    let vanished: Vec<u32> = vanished.iter().flat_map(|r| r.iter()).collect();
    ensure!(vanished == vec![appended[1], appended[3]], "{vanished:?}");
    ensure!(uids(&changed).contains(&appended[4]), "{changed:?}");
    // Only UIDs in the requested set are reported.
    let (_, limited) = aw!(imap.uid_fetch_vanished(
        &SequenceSet::single(appended[1])?,
        &[FetchAttr::Flags],
        modseq,
        T,
    ))?;
    let limited: Vec<u32> = limited.iter().flat_map(|r| r.iter()).collect();
    ensure!(limited == vec![appended[1]], "{limited:?}");

    // With QRESYNC on, EXPUNGE reports VANISHED.
    aw!(imap.uid_store(
        &SequenceSet::single(appended[0])?,
        crate::adapter::types::StoreOperation::Add,
        &[crate::adapter::types::Flag::Deleted],
        None,
        T,
    ))?;
    let expunged = aw!(imap.expunge(T))?;
    ensure!(
        matches!(&expunged, ExpungeResult::Vanished(r) if r.iter().flat_map(|r| r.iter()).eq([appended[0]])),
        "{expunged:?}"
    );
    aw!(imap.close(T))?;
    aw!(imap.delete(&name, T))?;
    aw!(imap.logout())?;
    Ok(())
}

async fn metadata(s: Arc<Server>) -> TestResult {
    let imap = aw!(s.login("bob"))?;
    require(&imap, "METADATA")?;
    let name = unique("metadata");
    aw!(imap.create(&name, T))?;
    aw!(imap.set_metadata(
        &name,
        &[
            ("/private/comment", Some(&b"hello metadata"[..])),
            ("/shared/comment", Some(&b"line one\r\nline two"[..])),
        ],
        T,
    ))?;
    let got = aw!(imap.get_metadata(
        &name,
        &["/private/comment", "/shared/comment"],
        None,
        None,
        T,
    ))?;
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
    let small = aw!(imap.get_metadata(&name, &["/shared/comment"], Some(4), None, T))?;
    ensure!(small.long_entries.is_some(), "{small:?}");
    // DEPTH.
    let deep = aw!(imap.get_metadata(&name, &["/private"], None, Some("infinity"), T))?;
    ensure!(
        deep.entries.iter().any(|(k, _)| k == "/private/comment"),
        "{deep:?}"
    );
    // Deleting with NIL.
    aw!(imap.set_metadata(&name, &[("/private/comment", None)], T))?;
    let gone = aw!(imap.get_metadata(&name, &["/private/comment"], None, None, T))?;
    ensure!(gone.entries.iter().all(|(_, v)| v.is_none()), "{gone:?}");
    // The pipelined read.
    let (piped,) = aw!(imap
        .pipeline()
        .get_metadata(&name, &["/shared/comment"], None, None)
        .execute(T))?;
    ensure!(!piped?.entries.is_empty());
    aw!(imap.delete(&name, T))?;
    aw!(imap.logout())?;
    Ok(())
}

async fn quota(s: Arc<Server>) -> TestResult {
    let imap = aw!(s.login("carol"))?;
    require(&imap, "QUOTA")?;
    aw!(imap.append("INBOX", &[], None, &message("quota", "some bytes"), T))?;
    let roots = aw!(imap.get_quota_root("INBOX", T))?;
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
        ensure_err!(aw!(imap.get_quota(&root, T)), Error::No { .. });
        (aw!(s.login("admin"))?, "user/carol".to_string())
    } else {
        (aw!(s.login("carol"))?, root.clone())
    };
    let resources = aw!(reader.get_quota(&root_for_reader, T))?;
    ensure!(resources == from_root, "{resources:?} vs {from_root:?}");
    let storage = resources
        .iter()
        .find(|r| r.name.eq_ignore_ascii_case(b"STORAGE"))
        .ok_or_else(|| Fail::Fail(format!("no STORAGE: {resources:?}")))?;
    ensure!(storage.limit > 0, "{storage:?}");
    let (piped,) = aw!(reader.pipeline().get_quota(&root_for_reader).execute(T))?;
    ensure!(piped? == resources);
    aw!(reader.logout())?;
    // Setting quotas needs QUOTASET, which neither server advertises.
    if !imap.capabilities().iter().any(|c| c.is("QUOTASET")) {
        ensure_err!(
            aw!(imap.set_quota(&root, &[("STORAGE", 1024)], T)),
            Error::MissingCapability(_)
        );
    }
    aw!(imap.logout())?;
    Ok(())
}

flavored! {
    /// The name under which `owner`'s mailbox `name` appears to other users.
    async fn shared_name(viewer: &ImapConnection, owner: &str, name: &str) -> Result<String, Fail> {
        let ns = aw!(viewer.namespace(T))?;
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
}

async fn acl_with_a_second_user(s: Arc<Server>) -> TestResult {
    let alice = aw!(s.login("alice"))?;
    require(&alice, "ACL")?;
    let name = unique("shared");
    aw!(mailbox_with(&alice, &name, 2))?;
    let mine = aw!(alice.my_rights(&name, T))?;
    ensure!(
        mine.contains('l') && mine.contains('r') && mine.contains('a'),
        "{mine}"
    );
    aw!(alice.set_acl(&name, "bob", "lrs", T))?;
    let acl = aw!(alice.get_acl(&name, T))?;
    let bob_rights = acl
        .iter()
        .find(|e| e.identifier == "bob")
        .map(|e| String::from_utf8_lossy(&e.rights).into_owned());
    ensure!(
        bob_rights.is_some_and(|r| r.contains('l') && r.contains('r')),
        "{acl:?}"
    );
    let grantable = aw!(alice.list_rights(&name, "bob", T))?;
    ensure!(
        !grantable.optional.is_empty() || !grantable.required.is_empty(),
        "{grantable:?}"
    );

    // Bob sees and reads the mailbox.
    let bob = aw!(s.login("bob"))?;
    let path = aw!(shared_name(&bob, "alice", &name))?;
    let rights = aw!(bob.my_rights(&path, T))?;
    ensure!(
        rights.contains('r') && !rights.contains('a'),
        "{path}: {rights}"
    );
    let status = aw!(bob.status(&path, "MESSAGES", T))?;
    ensure!(
        status.items.contains(&StatusItem::Messages(2)),
        "{status:?}"
    );
    let examined = aw!(bob.examine(&path, T))?;
    ensure!(examined.exists == 2);
    aw!(bob.close(T))?;

    aw!(bob.logout())?;

    // Removing the entry takes the access away (checked on a new session: Dovecot caches
    // ACLs per session for `acl_cache_ttl`).
    aw!(alice.delete_acl(&name, "bob", T))?;
    ensure!(
        !aw!(alice.get_acl(&name, T))?
            .iter()
            .any(|e| e.identifier == "bob")
    );
    let bob = aw!(s.login("bob"))?;
    ensure_err!(aw!(bob.examine(&path, T)), Error::No { .. });
    aw!(bob.logout())?;
    aw!(alice.delete(&name, T))?;
    aw!(alice.logout())?;
    Ok(())
}
