//! Connecting, TLS modes, session commands, events, pipelining, error paths and the
//! adapter's timeout guarantees.

use std::sync::Arc;
use std::time::Duration;

use imap_tokio::types::{FetchAttr, SequenceSet};
use imap_tokio::{Error, ImapConnection, SessionState, TcpKeepalive, TlsMode, TypedEvent};

use crate::kit::{Kind, Server, T};
use crate::support::{
    Fail, TestResult, all, large_message, mailbox_with, message, require, uids, unique,
};
use crate::{Case, case, ensure, ensure_err};

pub fn cases() -> Vec<Case> {
    vec![
        case!(plain_connect_login_logout, [Kind::Dovecot, Kind::Cyrus]),
        case!(
            starttls_mode_upgrades_before_returning,
            [Kind::Dovecot, Kind::Cyrus]
        ),
        case!(implicit_tls, [Kind::Dovecot, Kind::Cyrus]),
        case!(plain_then_explicit_starttls, [Kind::Dovecot, Kind::Cyrus]),
        case!(
            default_roots_refuse_the_private_ca,
            [Kind::Dovecot, Kind::Cyrus]
        ),
        case!(session_commands, [Kind::Dovecot, Kind::Cyrus]),
        case!(enable_and_utf8, [Kind::Dovecot, Kind::Cyrus]),
        case!(keepalive_and_debug, [Kind::Dovecot, Kind::Cyrus]),
        case!(state_and_capability_errors, [Kind::Dovecot, Kind::Cyrus]),
        case!(unauthenticate, [Kind::Dovecot, Kind::Cyrus]),
        case!(
            events_from_a_second_connection,
            [Kind::Dovecot, Kind::Cyrus]
        ),
        case!(pipelined_batch, [Kind::Dovecot, Kind::Cyrus]),
        case!(
            timeouts_and_dropped_calls_stay_synchronised,
            [Kind::Dovecot, Kind::Cyrus]
        ),
    ]
}

async fn plain_connect_login_logout(s: Arc<Server>) -> TestResult {
    let imap = ImapConnection::connect(&s.host(), s.port(), TlsMode::Plain, T).await?;
    ensure!(imap.session_state() == SessionState::NotAuthenticated);
    ensure!(!imap.is_tls());
    let caps = imap.capabilities();
    ensure!(caps.iter().any(|c| c.is("IMAP4rev1")), "{caps:?}");
    ensure!(caps.iter().any(|c| c.is("STARTTLS")), "{caps:?}");
    imap.login("alice", &s.password("alice"), T).await?;
    ensure!(imap.session_state() == SessionState::Authenticated);
    // The post-login capabilities replaced the greeting's.
    let caps = imap.capabilities();
    ensure!(caps.iter().any(|c| c.is("UIDPLUS")), "{caps:?}");
    ensure!(!caps.iter().any(|c| c.is("STARTTLS")), "{caps:?}");
    imap.noop(T).await?;
    imap.logout().await?;
    ensure!(imap.session_state() == SessionState::Logout);
    ensure!(imap.noop(T).await.is_err());
    Ok(())
}

async fn starttls_mode_upgrades_before_returning(s: Arc<Server>) -> TestResult {
    let imap =
        ImapConnection::connect_with_tls_config(&s.host(), s.port(), TlsMode::StartTls, s.tls(), T)
            .await?;
    ensure!(imap.is_tls());
    // The capabilities were fetched again over TLS: no STARTTLS any more.
    let caps = imap.capabilities();
    ensure!(
        !caps.is_empty() && !caps.iter().any(|c| c.is("STARTTLS")),
        "{caps:?}"
    );
    // TLS is already active: a second upgrade is refused before anything is sent.
    ensure_err!(imap.starttls(T).await, Error::Protocol(_));
    imap.login("alice", &s.password("alice"), T).await?;
    imap.select("INBOX", T).await?;
    imap.logout().await?;
    Ok(())
}

async fn implicit_tls(s: Arc<Server>) -> TestResult {
    let imap = ImapConnection::connect_with_tls_config(
        &s.host(),
        s.imaps_port(),
        TlsMode::Implicit,
        s.tls(),
        T,
    )
    .await?;
    ensure!(imap.is_tls());
    ensure_err!(imap.starttls(T).await, Error::Protocol(_));
    imap.authenticate_plain("bob", &s.password("bob"), T)
        .await?;
    ensure!(imap.session_state() == SessionState::Authenticated);
    let listed = imap.list("", "*", T).await?;
    ensure!(listed.iter().any(|m| m.mailbox.is_inbox()), "{listed:?}");
    imap.logout().await?;
    Ok(())
}

async fn plain_then_explicit_starttls(s: Arc<Server>) -> TestResult {
    let imap = ImapConnection::connect(&s.host(), s.port(), TlsMode::Plain, T).await?;
    ensure!(!imap.is_tls());
    imap.starttls_with_config(s.tls(), T).await?;
    ensure!(imap.is_tls());
    ensure!(!imap.capabilities().iter().any(|c| c.is("STARTTLS")));
    imap.login("carol", &s.password("carol"), T).await?;
    imap.noop(T).await?;
    imap.logout().await?;
    Ok(())
}

async fn default_roots_refuse_the_private_ca(s: Arc<Server>) -> TestResult {
    // Without the test CA, the Mozilla roots do not trust the server: secure by default.
    let implicit = ImapConnection::connect(&s.host(), s.imaps_port(), TlsMode::Implicit, T).await;
    ensure!(
        matches!(implicit, Err(Error::Tls(_) | Error::ConnectionFailed(_))),
        "{implicit:?}"
    );
    let starttls = ImapConnection::connect(&s.host(), s.port(), TlsMode::StartTls, T).await;
    ensure!(
        matches!(starttls, Err(Error::Tls(_) | Error::ConnectionFailed(_))),
        "{starttls:?}"
    );
    // Plain + starttls() with the default roots fails the same way.
    let plain = ImapConnection::connect(&s.host(), s.port(), TlsMode::Plain, T).await?;
    ensure!(plain.starttls(T).await.is_err());
    Ok(())
}

async fn session_commands(s: Arc<Server>) -> TestResult {
    let imap = s.connect().await?;
    // ID is valid before login.
    let id = imap
        .id(&[("name", Some("imap-tokio")), ("version", None)], T)
        .await?;
    ensure!(
        id.iter().any(|(k, _)| k.eq_ignore_ascii_case("name")),
        "ID reply {id:?}"
    );
    let before = imap.capability(T).await?;
    ensure!(before.iter().any(|c| c.is("IMAP4rev1")));
    imap.login("alice", &s.password("alice"), T).await?;
    let after = imap.capability(T).await?;
    ensure!(after == imap.capabilities(), "the cache follows CAPABILITY");
    let ns = imap.namespace(T).await?;
    ensure!(!ns.personal.is_empty(), "{ns:?}");
    ensure!(ns.personal[0].delimiter == Some('/'), "{ns:?}");
    imap.noop(T).await?;
    imap.select("INBOX", T).await?;
    // CHECK exists in IMAP4rev1, which both servers speak.
    imap.check(T).await?;
    imap.close(T).await?;
    ensure!(imap.session_state() == SessionState::Authenticated);
    imap.logout().await?;
    Ok(())
}

async fn enable_and_utf8(s: Arc<Server>) -> TestResult {
    let imap = s.login("carol").await?;
    require(&imap, "ENABLE")?;
    let enabled = imap.enable(&["CONDSTORE"], T).await?;
    ensure!(
        enabled.iter().any(|e| e.eq_ignore_ascii_case("CONDSTORE")),
        "{enabled:?}"
    );
    // Neither server implements UTF8=ACCEPT: ENABLE succeeds and confirms nothing.
    let utf8 = imap.enable_utf8(T).await?;
    let advertised = imap.capabilities().iter().any(|c| c.is("UTF8=ACCEPT"));
    ensure!(
        utf8 == advertised,
        "enable_utf8 returned {utf8}, advertised {advertised}"
    );
    imap.select("INBOX", T).await?;
    // RFC 5161 §2: ENABLE only in Authenticated.
    ensure_err!(imap.enable(&["QRESYNC"], T).await, Error::Protocol(_));
    imap.logout().await?;
    Ok(())
}

async fn keepalive_and_debug(s: Arc<Server>) -> TestResult {
    let imap = s.login("bob").await?;
    imap.set_keepalive(
        TcpKeepalive::new()
            .with_time(Duration::from_secs(60))
            .with_interval(Duration::from_secs(10)),
    )
    .await?;
    let debug = format!("{imap:?}");
    ensure!(
        debug.contains(&s.host()) && debug.contains(&s.port().to_string()),
        "{debug}"
    );
    ensure!(debug.contains("Authenticated"), "{debug}");
    ensure!(
        !debug.contains(&s.password("bob")),
        "the password leaks: {debug}"
    );
    imap.noop(T).await?;
    imap.logout().await?;
    Ok(())
}

async fn state_and_capability_errors(s: Arc<Server>) -> TestResult {
    let imap = s.connect().await?;
    let set = SequenceSet::all();
    // Not authenticated: refused before sending, and the connection stays usable.
    ensure_err!(imap.select("INBOX", T).await, Error::Protocol(_));
    ensure_err!(
        imap.uid_fetch(&set, &[FetchAttr::Flags], T).await,
        Error::Protocol(_)
    );
    ensure_err!(imap.list("", "*", T).await, Error::Protocol(_));
    // A wrong password is the server's NO.
    ensure_err!(imap.login("alice", "wrong", T).await, Error::No { .. });
    imap.login("alice", &s.password("alice"), T).await?;
    ensure_err!(
        imap.login("alice", &s.password("alice"), T).await,
        Error::Protocol(_)
    );
    // Authenticated, nothing selected.
    ensure_err!(
        imap.uid_fetch(&set, &[FetchAttr::Flags], T).await,
        Error::Protocol(_)
    );
    ensure_err!(imap.expunge(T).await, Error::Protocol(_));
    ensure_err!(imap.close(T).await, Error::Protocol(_));
    // Extensions neither server has.
    ensure_err!(
        imap.set_quota("", &[("STORAGE", 100)], T).await,
        Error::MissingCapability(_)
    );
    if !imap.capabilities().iter().any(|c| c.is("NOTIFY")) {
        ensure_err!(imap.notify_none(T).await, Error::MissingCapability(_));
    }
    if !imap.capabilities().iter().any(|c| c.is("AUTH=XOAUTH2")) {
        // (Already authenticated anyway: the state check comes first.)
        ensure_err!(
            imap.authenticate_xoauth2("alice", "x", T).await,
            Error::Protocol(_)
        );
    }
    // A server NO for a missing mailbox, and the session goes on.
    ensure_err!(imap.select(&unique("missing"), T).await, Error::No { .. });
    ensure!(imap.session_state() == SessionState::Authenticated);
    // EXAMINE is read-only: EXPUNGE is refused locally.
    imap.examine("INBOX", T).await?;
    ensure_err!(imap.expunge(T).await, Error::Protocol(_));
    imap.unselect(T).await?;
    imap.logout().await?;
    // After LOGOUT every call fails.
    ensure!(imap.noop(T).await.is_err());
    Ok(())
}

async fn unauthenticate(s: Arc<Server>) -> TestResult {
    let imap = s.login("carol").await?;
    if !imap.capabilities().iter().any(|c| c.is("UNAUTHENTICATE")) {
        ensure_err!(imap.unauthenticate(T).await, Error::MissingCapability(_));
        imap.noop(T).await?;
        imap.logout().await?;
        return Err(Fail::Skip(
            "UNAUTHENTICATE is not advertised (the refusal was checked)".into(),
        ));
    }
    imap.select("INBOX", T).await?;
    imap.unauthenticate(T).await?;
    ensure!(imap.session_state() == SessionState::NotAuthenticated);
    imap.login("bob", &s.password("bob"), T).await?;
    imap.logout().await?;
    Ok(())
}

async fn events_from_a_second_connection(s: Arc<Server>) -> TestResult {
    let box_name = unique("events");
    let watcher = s.login("alice").await?;
    mailbox_with(&watcher, &box_name, 1).await?;
    watcher.select(&box_name, T).await?;
    watcher.drain_events().await;
    ensure!(
        watcher
            .next_event(Duration::from_millis(200))
            .await?
            .is_none()
    );

    let writer = s.login("alice").await?;
    writer
        .append(&box_name, &[], None, &message("from elsewhere", "hi"), T)
        .await?;
    // The server reports the new message at the next command (RFC 9051 §5.2).
    watcher.noop(T).await?;
    let events = watcher.drain_events().await;
    ensure!(events.contains(&TypedEvent::Exists(2)), "{events:?}");
    // Another change, observed with next_event.
    writer
        .append(&box_name, &[], None, &message("and again", "hi"), T)
        .await?;
    watcher.noop(T).await?;
    let mut seen = Vec::new();
    while let Some(event) = watcher.next_event(Duration::from_millis(500)).await? {
        seen.push(event);
    }
    ensure!(seen.contains(&TypedEvent::Exists(3)), "{seen:?}");
    writer.logout().await?;
    watcher.logout().await?;
    Ok(())
}

async fn pipelined_batch(s: Arc<Server>) -> TestResult {
    let box_name = unique("pipeline");
    let imap = s.login("bob").await?;
    let appended = mailbox_with(&imap, &box_name, 3).await?;
    let missing = unique("missing");
    let (noop, status, bad_status, list, namespace) = imap
        .pipeline()
        .noop()
        .status(&box_name, "MESSAGES UIDNEXT")
        .status(&missing, "MESSAGES")
        .list("", &box_name)
        .namespace()
        .execute(T)
        .await?;
    noop?;
    let status = status?;
    ensure!(status.messages() == Some(3), "{status:?}");
    ensure_err!(bad_status, Error::No { .. });
    ensure!(list?.len() == 1);
    ensure!(!namespace?.personal.is_empty());

    imap.select(&box_name, T).await?;
    let set = all();
    let items = [FetchAttr::Uid, FetchAttr::Flags];
    let (fetched, uid_fetched, search, uid_search, rights, quota) = imap
        .pipeline()
        .fetch(&set, &items)
        .uid_fetch(&set, &items)
        .search("ALL")
        .uid_search("ALL")
        .my_rights(&box_name)
        .get_quota_root("INBOX")
        .execute(T)
        .await?;
    ensure!(fetched?.len() == 3);
    let uid_fetched = uid_fetched?;
    ensure!(
        appended.is_empty() || uids(&uid_fetched) == appended,
        "{uid_fetched:?}"
    );
    ensure!(search?.ids == vec![1, 2, 3]);
    ensure!(uid_search?.ids == uids(&uid_fetched));
    ensure!(rights?.contains('l'));
    let quota = quota?;
    ensure!(!quota.roots.is_empty(), "{quota:?}");

    // The empty pipeline is fine too.
    imap.pipeline().execute(T).await?;
    // A state-changing command was refused per command, not for the batch.
    imap.close(T).await?;
    let (refused,) = imap.pipeline().search("ALL").execute(T).await?;
    ensure_err!(refused, Error::Protocol(_));
    imap.delete(&box_name, T).await?;
    imap.logout().await?;
    Ok(())
}

async fn timeouts_and_dropped_calls_stay_synchronised(s: Arc<Server>) -> TestResult {
    let box_name = unique("sync");
    let imap = s.login("carol").await?;
    let appended = mailbox_with(&imap, &box_name, 5).await?;
    // A large message, so that a short timeout expires while its response is in flight.
    imap.append(&box_name, &[], None, &large_message("big", 3_000_000), T)
        .await?;
    imap.select(&box_name, T).await?;
    let set = all();
    let items = [FetchAttr::Uid, FetchAttr::Flags];
    let heavy = [
        FetchAttr::Uid,
        FetchAttr::BodySection {
            section: Default::default(),
            partial: None,
            peek: true,
        },
    ];
    let expected = imap.uid_fetch(&set, &items, T).await?;
    ensure!(expected.len() == 6);
    ensure!(appended.is_empty() || uids(&expected)[..5] == appended[..]);
    let mut timeouts = 0;
    for round in 0..10u64 {
        // A call that times out while the big body streams in (or, rarely, completes).
        match imap.uid_fetch(&set, &heavy, Duration::from_millis(2)).await {
            Err(Error::Timeout) => timeouts += 1,
            Ok(found) => ensure!(uids(&found) == uids(&expected), "round {round}"),
            Err(e) => return Err(Fail::Fail(format!("round {round}: {e:?}"))),
        }
        // And one dropped after being polled a little.
        {
            let dropped = imap.uid_search("ALL", T);
            tokio::pin!(dropped);
            let _ = tokio::time::timeout(Duration::from_millis(round % 3), &mut dropped).await;
        }
        // The next call gets exactly its own answer.
        let found = imap.uid_fetch(&set, &items, T).await?;
        ensure!(uids(&found) == uids(&expected), "round {round}: {found:?}");
        let searched = imap.search("ALL", T).await?;
        ensure!(
            searched.ids == vec![1, 2, 3, 4, 5, 6],
            "round {round}: {searched:?}"
        );
    }
    ensure!(timeouts > 0, "no call timed out: the test proved nothing");
    ensure!(imap.session_state() == SessionState::Selected);
    // Late responses were claimed by their own (abandoned) commands: no stray FETCH events.
    let strays: Vec<TypedEvent> = imap
        .drain_events()
        .await
        .into_iter()
        .filter(|e| matches!(e, TypedEvent::Fetch(_) | TypedEvent::FetchChunk { .. }))
        .collect();
    ensure!(strays.is_empty(), "{} stray events", strays.len());
    imap.close(T).await?;
    imap.delete(&box_name, T).await?;
    imap.logout().await?;
    Ok(())
}
