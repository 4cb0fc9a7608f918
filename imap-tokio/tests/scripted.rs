//! The adapter's own guarantees, against an in-process scripted server: what a timeout or a
//! dropped call leaves, one write per command batch, streaming back-pressure, IDLE endings,
//! and what `Debug` shows. Real servers cannot be made slow or paused on demand; these
//! behaviours need a server whose every byte the test decides.

use std::time::Duration;

use imap_tokio::types::{FetchAttr, IdleEvent, SequenceSet};
use imap_tokio::{CancellationToken, Error, ImapConnection, SessionState, TlsMode, TypedEvent};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

const T: Duration = Duration::from_secs(5);

/// The server side of one scripted connection.
struct Peer {
    reader: BufReader<OwnedReadHalf>,
    writer: OwnedWriteHalf,
}

impl Peer {
    /// Reads one command line (without CRLF).
    async fn line(&mut self) -> String {
        let mut line = String::new();
        let n = tokio::time::timeout(T, self.reader.read_line(&mut line))
            .await
            .expect("the client sent nothing")
            .expect("read");
        assert!(n > 0, "the client closed the connection");
        line.trim_end_matches("\r\n").to_string()
    }

    /// Reads one command and checks it ends with `command`; returns its tag.
    async fn expect(&mut self, command: &str) -> String {
        let line = self.line().await;
        let (tag, rest) = line.split_once(' ').expect("a tagged command");
        assert_eq!(rest, command, "unexpected command {line:?}");
        tag.to_string()
    }

    async fn send(&mut self, text: &str) {
        self.writer.write_all(text.as_bytes()).await.expect("write");
    }

    /// Everything the client sends in one read (the test relies on one write being one
    /// read on loopback).
    async fn read_once(&mut self) -> String {
        let mut buf = vec![0u8; 64 * 1024];
        let n = tokio::time::timeout(T, self.reader.read(&mut buf))
            .await
            .expect("the client sent nothing")
            .expect("read");
        String::from_utf8_lossy(&buf[..n]).into_owned()
    }

    /// True if the client closes the connection within the timeout.
    async fn closed(&mut self) -> bool {
        let mut buf = [0u8; 1024];
        matches!(
            tokio::time::timeout(T, self.reader.read(&mut buf)).await,
            Ok(Ok(0))
        )
    }
}

/// Starts a server that greets with `greeting` and then runs `script`; returns the client
/// connected to it (Plain) and the server task.
async fn scripted<F, Fut>(greeting: &str, script: F) -> (ImapConnection, JoinHandle<()>)
where
    F: FnOnce(Peer) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let greeting = greeting.to_string();
    let server = tokio::spawn(async move {
        let (socket, _) = listener.accept().await.unwrap();
        let (reader, writer) = socket.into_split();
        let mut peer = Peer {
            reader: BufReader::new(reader),
            writer,
        };
        peer.send(&greeting).await;
        script(peer).await;
    });
    let client = ImapConnection::connect("127.0.0.1", port, TlsMode::Plain, T)
        .await
        .expect("connect");
    (client, server)
}

const PREAUTH: &str = "* PREAUTH [CAPABILITY IMAP4rev1 IDLE UIDPLUS] ready\r\n";

/// Polls `future` until the server has seen its command, then drops it.
async fn start_then_drop<F: std::future::Future>(future: F) {
    tokio::pin!(future);
    let _ = tokio::time::timeout(Duration::from_millis(100), &mut future).await;
}

#[tokio::test]
async fn a_timed_out_call_leaves_the_connection_synchronised() {
    let (client, server) = scripted(PREAUTH, |mut peer| async move {
        let late = peer.expect("NOOP").await;
        // Answer after the client gave up.
        tokio::time::sleep(Duration::from_millis(300)).await;
        peer.send("* 4 EXISTS\r\n").await;
        peer.send(&format!("{late} OK late noop\r\n")).await;
        let next = peer.expect("SELECT INBOX").await;
        peer.send("* 4 EXISTS\r\n* OK [UIDVALIDITY 9] x\r\n").await;
        peer.send(&format!("{next} OK [READ-WRITE] done\r\n")).await;
    })
    .await;

    let timed_out = client.noop(Duration::from_millis(50)).await;
    assert!(matches!(timed_out, Err(Error::Timeout)), "{timed_out:?}");
    // The late NOOP completion is read and discarded; the next call gets its own answer.
    let inbox = client
        .select("INBOX", T)
        .await
        .expect("select after a timeout");
    assert_eq!(inbox.exists, 4);
    assert_eq!(inbox.uid_validity, Some(9));
    assert_eq!(client.session_state(), SessionState::Selected);
    // The EXISTS that came with the late NOOP is an ordinary event.
    assert!(client.drain_events().await.contains(&TypedEvent::Exists(4)));
    server.await.unwrap();
}

#[tokio::test]
async fn a_dropped_call_does_not_desynchronise_the_connection() {
    let (client, server) = scripted(PREAUTH, |mut peer| async move {
        let dropped = peer.expect("SELECT Archive").await;
        tokio::time::sleep(Duration::from_millis(200)).await;
        peer.send("* 2 EXISTS\r\n").await;
        peer.send(&format!("{dropped} OK [READ-WRITE] done\r\n"))
            .await;
        let noop = peer.expect("NOOP").await;
        peer.send(&format!("{noop} OK done\r\n")).await;
        let fetch = peer.expect("UID FETCH 1:* (FLAGS)").await;
        peer.send("* 1 FETCH (UID 5 FLAGS (\\Seen))\r\n").await;
        peer.send(&format!("{fetch} OK done\r\n")).await;
    })
    .await;

    start_then_drop(client.select("Archive", T)).await;
    // The SELECT still completes in the core, and the session follows it. (Commands are
    // checked when submitted: the NOOP, queued behind the SELECT, waits for it.)
    client.noop(T).await.expect("noop after a dropped select");
    assert_eq!(client.session_state(), SessionState::Selected);
    let all = SequenceSet::range_from(1).unwrap();
    let found = client
        .uid_fetch(&all, &[FetchAttr::Flags], T)
        .await
        .expect("fetch after a dropped select");
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].uid(), Some(5));
    assert_eq!(client.session_state(), SessionState::Selected);
    server.await.unwrap();
}

#[tokio::test]
async fn a_refused_command_sends_nothing() {
    let (client, server) = scripted(PREAUTH, |mut peer| async move {
        // The first bytes the server sees are the NOOP's: the FETCH never went out.
        let tag = peer.expect("NOOP").await;
        peer.send(&format!("{tag} OK done\r\n")).await;
    })
    .await;
    let all = SequenceSet::range_from(1).unwrap();
    let refused = client.uid_fetch(&all, &[FetchAttr::Flags], T).await;
    assert!(matches!(refused, Err(Error::Protocol(_))), "{refused:?}");
    let refused = client.compress(T).await;
    assert!(
        matches!(refused, Err(Error::MissingCapability(_))),
        "{refused:?}"
    );
    client.noop(T).await.expect("noop");
    server.await.unwrap();
}

#[tokio::test]
async fn a_pipeline_goes_out_in_one_write_and_fails_per_command() {
    let (client, server) = scripted(PREAUTH, |mut peer| async move {
        let batch = peer.read_once().await;
        let lines: Vec<&str> = batch.split_terminator("\r\n").collect();
        assert_eq!(lines.len(), 3, "one write with three commands: {batch:?}");
        let tags: Vec<&str> = lines.iter().map(|l| l.split(' ').next().unwrap()).collect();
        assert!(lines[0].ends_with(" NOOP"));
        assert!(lines[1].ends_with(" STATUS Missing (MESSAGES)"));
        assert!(lines[2].ends_with(" LIST \"\" *"), "{batch:?}");
        peer.send(&format!("{} OK noop\r\n", tags[0])).await;
        peer.send(&format!("{} NO [NONEXISTENT] no such mailbox\r\n", tags[1]))
            .await;
        peer.send("* LIST () \"/\" INBOX\r\n").await;
        peer.send(&format!("{} OK list\r\n", tags[2])).await;
    })
    .await;
    let (noop, status, list) = client
        .pipeline()
        .noop()
        .status("Missing", "MESSAGES")
        .list("", "*")
        .execute(T)
        .await
        .expect("the batch completes");
    assert!(noop.is_ok());
    assert!(matches!(status, Err(Error::No { .. })), "{status:?}");
    assert_eq!(list.unwrap().len(), 1);
    server.await.unwrap();
}

#[tokio::test]
async fn a_full_streaming_channel_stops_reading_until_there_is_room() {
    const MESSAGES: u32 = 40;
    let (client, server) = scripted(
        "* PREAUTH [CAPABILITY IMAP4rev1] ready\r\n",
        |mut peer| async move {
            let select = peer.expect("SELECT INBOX").await;
            peer.send(&format!("* {MESSAGES} EXISTS\r\n{select} OK done\r\n"))
                .await;
            let fetch = peer.expect("UID FETCH 1:* (UID FLAGS)").await;
            let mut batch = String::new();
            for n in 1..=MESSAGES {
                batch.push_str(&format!("* {n} FETCH (UID {} FLAGS ())\r\n", n + 100));
            }
            batch.push_str(&format!("{fetch} OK done\r\n"));
            peer.send(&batch).await;
            let noop = peer.expect("NOOP").await;
            peer.send(&format!("{noop} OK done\r\n")).await;
        },
    )
    .await;
    client.select("INBOX", T).await.unwrap();
    let (tx, mut rx) = tokio::sync::mpsc::channel(2);
    let all = SequenceSet::range_from(1).unwrap();
    let items = [FetchAttr::Uid, FetchAttr::Flags];
    let streaming = client.uid_fetch_streaming(&all, &items, tx, T);
    let waiting = async {
        // Nobody reads the channel: the driver stops reading the socket, so even the
        // NOOP's completion (already sent) is not seen.
        tokio::time::sleep(Duration::from_millis(200)).await;
        let noop = client.noop(Duration::from_millis(300)).await;
        assert!(matches!(noop, Err(Error::Timeout)), "{noop:?}");
        let mut uids = Vec::new();
        while let Some(item) = rx.recv().await {
            uids.push(item.expect("no error").uid().unwrap());
        }
        uids
    };
    let (streamed, uids) = tokio::join!(streaming, waiting);
    streamed.expect("the stream completes");
    assert_eq!(uids, (101..=100 + MESSAGES).collect::<Vec<_>>());
    server.await.unwrap();
}

#[tokio::test]
async fn idle_ends_with_done_on_activity_timeout_cancel_and_drop() {
    let (client, server) = scripted(PREAUTH, |mut peer| async move {
        // 1: activity.
        let tag = peer.expect("IDLE").await;
        peer.send("+ idling\r\n* 3 EXISTS\r\n").await;
        assert_eq!(peer.line().await, "DONE");
        peer.send(&format!("{tag} OK idle done\r\n")).await;
        // 2: timeout.
        let tag = peer.expect("IDLE").await;
        peer.send("+ idling\r\n* OK Still here\r\n").await;
        assert_eq!(peer.line().await, "DONE");
        peer.send(&format!("{tag} OK idle done\r\n")).await;
        // 3: cancelled; the EXISTS that raced with DONE is kept as an event.
        let tag = peer.expect("IDLE").await;
        peer.send("+ idling\r\n").await;
        assert_eq!(peer.line().await, "DONE");
        peer.send(&format!("* 4 EXISTS\r\n{tag} OK idle done\r\n"))
            .await;
        // 4: the caller dropped the future: DONE is still sent.
        let tag = peer.expect("IDLE").await;
        peer.send("+ idling\r\n").await;
        assert_eq!(peer.line().await, "DONE");
        peer.send(&format!("{tag} OK idle done\r\n")).await;
        let tag = peer.expect("NOOP").await;
        peer.send(&format!("{tag} OK done\r\n")).await;
    })
    .await;

    client.drain_events().await; // the greeting
    let woke = client.idle(T, CancellationToken::new()).await.unwrap();
    assert_eq!(woke, IdleEvent::Changed(vec![TypedEvent::Exists(3)]));

    let quiet = client
        .idle(Duration::from_millis(200), CancellationToken::new())
        .await
        .unwrap();
    assert_eq!(quiet, IdleEvent::TimedOut);

    let cancel = CancellationToken::new();
    let trigger = cancel.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(100)).await;
        trigger.cancel();
    });
    let cancelled = client.idle(T, cancel).await.unwrap();
    assert_eq!(cancelled, IdleEvent::Cancelled);
    assert_eq!(client.drain_events().await, vec![TypedEvent::Exists(4)]);

    start_then_drop(client.idle(T, CancellationToken::new())).await;
    client.noop(T).await.expect("usable after a dropped IDLE");
    server.await.unwrap();
}

#[tokio::test]
async fn logout_closes_the_connection_and_later_calls_fail() {
    let (client, server) = scripted(
        "* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] ready\r\n",
        |mut peer| async move {
            let tag = peer.expect("LOGIN alice \"hunter2 secret\"").await;
            peer.send(&format!("{tag} OK [CAPABILITY IMAP4rev1 IDLE] in\r\n"))
                .await;
            let tag = peer.expect("LOGOUT").await;
            peer.send(&format!("* BYE bye\r\n{tag} OK done\r\n")).await;
            assert!(peer.closed().await, "the client closes after LOGOUT");
        },
    )
    .await;
    client.login("alice", "hunter2 secret", T).await.unwrap();
    let debug = format!("{client:?}");
    assert!(debug.contains("127.0.0.1") && debug.contains("Authenticated"));
    assert!(!debug.contains("hunter2"), "{debug}");
    client.logout().await.unwrap();
    assert_eq!(client.session_state(), SessionState::Logout);
    assert!(client.noop(T).await.is_err());
    client.drain_events().await; // the greeting
    assert!(matches!(client.next_event(T).await, Err(Error::DriverGone)));
    server.await.unwrap();
}

#[tokio::test]
async fn starttls_mode_fails_when_the_server_does_not_offer_it() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        let (mut socket, _): (TcpStream, _) = listener.accept().await.unwrap();
        socket
            .write_all(b"* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] ready\r\n")
            .await
            .unwrap();
        let mut buf = [0u8; 256];
        while socket.read(&mut buf).await.is_ok_and(|n| n > 0) {}
    });
    let refused = ImapConnection::connect("127.0.0.1", port, TlsMode::StartTls, T).await;
    assert!(
        matches!(refused, Err(Error::MissingCapability(ref c)) if c == "STARTTLS"),
        "{refused:?}"
    );
}

#[tokio::test]
async fn a_bye_greeting_is_refused() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        socket.write_all(b"* BYE too busy\r\n").await.unwrap();
    });
    let refused = ImapConnection::connect("127.0.0.1", port, TlsMode::Plain, T).await;
    assert!(
        matches!(refused, Err(Error::Bye { ref text, .. }) if text == "too busy"),
        "{refused:?}"
    );
}

#[tokio::test]
async fn unauthenticate_and_set_quota_where_the_server_has_them() {
    // Neither Dovecot nor Cyrus offers UNAUTHENTICATE or QUOTASET; their success paths are
    // checked here.
    let (client, server) = scripted(
        "* PREAUTH [CAPABILITY IMAP4rev1 UNAUTHENTICATE QUOTA QUOTASET] ready\r\n",
        |mut peer| async move {
            let tag = peer.expect("SETQUOTA \"\" (STORAGE 512)").await;
            peer.send(&format!(
                "* QUOTA \"\" (STORAGE 10 512)\r\n{tag} OK set\r\n"
            ))
            .await;
            let tag = peer.expect("UNAUTHENTICATE").await;
            peer.send(&format!("{tag} OK bye for now\r\n")).await;
            let tag = peer.expect("CAPABILITY").await;
            peer.send(&format!(
                "* CAPABILITY IMAP4rev1 AUTH=PLAIN UNAUTHENTICATE\r\n{tag} OK done\r\n"
            ))
            .await;
        },
    )
    .await;
    let quota = client.set_quota("", &[("STORAGE", 512)], T).await.unwrap();
    assert_eq!(quota.len(), 1);
    assert_eq!((quota[0].usage, quota[0].limit), (10, 512));
    client.unauthenticate(T).await.unwrap();
    assert_eq!(client.session_state(), SessionState::NotAuthenticated);
    // The capabilities were fetched again (RFC 8437 §2).
    assert!(client.capabilities().iter().any(|c| c.is("AUTH=PLAIN")));
    server.await.unwrap();
}
