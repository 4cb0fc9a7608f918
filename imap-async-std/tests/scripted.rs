//! The adapter against an in-process scripted server (std threads on 127.0.0.1): connect,
//! login, select, fetch, streaming back-pressure, pipelining, IDLE cancelled by the token,
//! and a timeout that leaves the connection usable. The client runs under smol, async-std
//! or a bare `block_on`, to show the driver thread needs no particular runtime.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use imap_async_std::types::{FetchAttr, FetchResponse, IdleEvent, SequenceSet, StatusItem};
use imap_async_std::{CancellationToken, Error, ImapConnection, SessionState, TlsMode};

const T: Duration = Duration::from_secs(5);

/// The server side of one scripted connection.
struct Peer {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
}

impl Peer {
    /// Reads one command line (without CRLF).
    fn line(&mut self) -> String {
        let mut line = String::new();
        let n = self.reader.read_line(&mut line).expect("read");
        assert!(n > 0, "the client closed the connection");
        line.trim_end_matches("\r\n").to_string()
    }

    /// Reads one command and checks it is `command`; returns its tag.
    fn expect(&mut self, command: &str) -> String {
        let line = self.line();
        let (tag, rest) = line.split_once(' ').expect("a tagged command");
        assert_eq!(rest, command, "unexpected command {line:?}");
        tag.to_string()
    }

    fn send(&mut self, text: &str) {
        self.writer.write_all(text.as_bytes()).expect("write");
    }

    /// Everything the client sends in one read (one write is one read on loopback).
    fn read_once(&mut self) -> String {
        let mut buf = vec![0u8; 64 * 1024];
        let n = self.reader.read(&mut buf).expect("read");
        String::from_utf8_lossy(&buf[..n]).into_owned()
    }
}

/// Starts a server thread that greets with `greeting`, then runs `script`; returns its
/// port and the thread.
fn server(greeting: &str, script: impl FnOnce(Peer) + Send + 'static) -> (u16, JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let greeting = greeting.to_string();
    let thread = std::thread::spawn(move || {
        let (socket, _) = listener.accept().unwrap();
        socket.set_read_timeout(Some(T)).unwrap();
        let mut peer = Peer {
            reader: BufReader::new(socket.try_clone().unwrap()),
            writer: socket,
        };
        peer.send(&greeting);
        script(peer);
    });
    (port, thread)
}

async fn connect(port: u16) -> ImapConnection {
    ImapConnection::connect("127.0.0.1", port, TlsMode::Plain, T)
        .await
        .expect("connect")
}

const PREAUTH: &str = "* PREAUTH [CAPABILITY IMAP4rev1 IDLE UIDPLUS] ready\r\n";

/// The session most programs run: greeting, LOGIN, SELECT, FETCH, LOGOUT.
async fn login_select_fetch() {
    let (port, server) = server("* OK [CAPABILITY IMAP4rev1 IDLE] hi\r\n", |mut peer| {
        let tag = peer.expect("LOGIN alice secret");
        peer.send(&format!(
            "{tag} OK [CAPABILITY IMAP4rev1 IDLE UIDPLUS] in\r\n"
        ));
        let tag = peer.expect("SELECT INBOX");
        peer.send("* 2 EXISTS\r\n* OK [UIDVALIDITY 7] v\r\n* OK [UIDNEXT 12] n\r\n");
        peer.send(&format!("{tag} OK [READ-WRITE] selected\r\n"));
        let tag = peer.expect("FETCH 1:2 (UID FLAGS)");
        peer.send("* 1 FETCH (UID 10 FLAGS (\\Seen))\r\n* 2 FETCH (UID 11 FLAGS ())\r\n");
        peer.send(&format!("{tag} OK fetched\r\n"));
        let tag = peer.expect("LOGOUT");
        peer.send(&format!("* BYE bye\r\n{tag} OK out\r\n"));
    });
    let imap = connect(port).await;
    assert_eq!(imap.session_state(), SessionState::NotAuthenticated);
    assert!(!imap.is_tls());
    imap.login("alice", "secret", T).await.expect("login");
    assert_eq!(imap.session_state(), SessionState::Authenticated);
    let inbox = imap.select("INBOX", T).await.expect("select");
    assert_eq!(inbox.exists, 2);
    assert_eq!(imap.session_state(), SessionState::Selected);
    let set = SequenceSet::range(1, 2).unwrap();
    let messages = imap
        .fetch(&set, &[FetchAttr::Uid, FetchAttr::Flags], T)
        .await
        .expect("fetch");
    let uids: Vec<_> = messages.iter().map(|m| m.uid()).collect();
    assert_eq!(uids, vec![Some(10), Some(11)]);
    imap.logout().await.expect("logout");
    assert_eq!(imap.session_state(), SessionState::Logout);
    server.join().unwrap();
}

#[test]
fn login_select_fetch_under_smol() {
    smol::block_on(login_select_fetch());
}

#[test]
fn login_select_fetch_under_async_std() {
    async_std::task::block_on(login_select_fetch());
}

#[test]
fn login_select_fetch_without_a_runtime() {
    futures_lite::future::block_on(login_select_fetch());
}

#[test]
fn idle_cancelled_by_the_token_returns_promptly_and_sends_done() {
    let (port, server) = server(PREAUTH, |mut peer| {
        let tag = peer.expect("IDLE");
        peer.send("+ idling\r\n");
        assert_eq!(peer.line(), "DONE");
        peer.send(&format!("{tag} OK idle done\r\n"));
        let tag = peer.expect("NOOP");
        peer.send(&format!("{tag} OK noop\r\n"));
    });
    smol::block_on(async {
        let imap = connect(port).await;
        let token = CancellationToken::new();
        let canceller = token.clone();
        let started = Instant::now();
        let (idle, ()) =
            futures_lite::future::zip(imap.idle(Duration::from_secs(60), token), async {
                async_io::Timer::after(Duration::from_millis(100)).await;
                canceller.cancel();
            })
            .await;
        assert!(matches!(idle, Ok(IdleEvent::Cancelled)), "{idle:?}");
        assert!(
            started.elapsed() < Duration::from_secs(3),
            "took {:?}",
            started.elapsed()
        );
        imap.noop(T).await.expect("usable after IDLE");
    });
    server.join().unwrap();
}

#[test]
fn a_timed_out_call_leaves_the_connection_usable() {
    let (port, server) = server(PREAUTH, |mut peer| {
        let late = peer.expect("NOOP");
        // Answer after the client gave up.
        std::thread::sleep(Duration::from_millis(300));
        peer.send(&format!("{late} OK late noop\r\n"));
        let tag = peer.expect("SELECT INBOX");
        peer.send("* 4 EXISTS\r\n* OK [UIDVALIDITY 9] x\r\n");
        peer.send(&format!("{tag} OK [READ-WRITE] done\r\n"));
    });
    async_std::task::block_on(async {
        let imap = connect(port).await;
        let timed_out = imap.noop(Duration::from_millis(50)).await;
        assert!(matches!(timed_out, Err(Error::Timeout)), "{timed_out:?}");
        // The late NOOP completion is read and discarded; SELECT gets its own answer.
        let inbox = imap
            .select("INBOX", T)
            .await
            .expect("select after a timeout");
        assert_eq!(inbox.exists, 4);
    });
    server.join().unwrap();
}

#[test]
fn a_pipeline_goes_out_in_one_write_and_each_command_gets_its_result() {
    let (port, server) = server(PREAUTH, |mut peer| {
        let batch = peer.read_once();
        let tags: Vec<&str> = batch
            .lines()
            .filter_map(|l| l.split_once(' ').map(|(tag, _)| tag))
            .collect();
        assert_eq!(tags.len(), 2, "one write with both commands: {batch:?}");
        assert!(batch.contains("NOOP\r\n") && batch.contains("STATUS Sent (MESSAGES)\r\n"));
        let (noop, status) = if batch.starts_with(&format!("{} NOOP", tags[0])) {
            (tags[0], tags[1])
        } else {
            (tags[1], tags[0])
        };
        peer.send(&format!("* STATUS Sent (MESSAGES 3)\r\n{status} OK s\r\n"));
        peer.send(&format!("{noop} NO no noop today\r\n"));
    });
    smol::block_on(async {
        let imap = connect(port).await;
        let (noop, status) = imap
            .pipeline()
            .noop()
            .status("Sent", "MESSAGES")
            .execute(T)
            .await
            .expect("the batch completes");
        assert!(matches!(noop, Err(Error::No { .. })), "{noop:?}");
        assert_eq!(status.expect("status").items, vec![StatusItem::Messages(3)]);
    });
    server.join().unwrap();
}

#[test]
fn streaming_fetch_delivers_everything_through_a_small_channel() {
    let (port, server) = server(PREAUTH, |mut peer| {
        let tag = peer.expect("SELECT INBOX");
        peer.send("* 50 EXISTS\r\n");
        peer.send(&format!("{tag} OK [READ-WRITE] done\r\n"));
        let tag = peer.expect("UID FETCH 1:* (UID FLAGS)");
        let mut batch = String::new();
        for n in 1..=50 {
            batch.push_str(&format!("* {n} FETCH (UID {} FLAGS ())\r\n", n + 100));
        }
        batch.push_str(&format!("{tag} OK fetched\r\n"));
        peer.send(&batch);
        let tag = peer.expect("NOOP");
        peer.send(&format!("{tag} OK noop\r\n"));
    });
    async_std::task::block_on(async {
        let imap = connect(port).await;
        imap.select("INBOX", T).await.expect("select");
        let (tx, rx) = async_channel::bounded::<Result<FetchResponse, Error>>(1);
        let all = SequenceSet::range_from(1).unwrap();
        let items = [FetchAttr::Uid, FetchAttr::Flags];
        let reader = async {
            let mut uids = Vec::new();
            while let Ok(item) = rx.recv().await {
                // A slow consumer: the driver must wait, not drop or buffer without bound.
                async_io::Timer::after(Duration::from_millis(1)).await;
                uids.push(item.expect("no error").uid().expect("a UID"));
            }
            uids
        };
        let (streamed, uids) =
            futures_lite::future::zip(imap.uid_fetch_streaming(&all, &items, tx, T), reader).await;
        streamed.expect("the stream completes");
        assert_eq!(uids, (101..=150).collect::<Vec<u32>>());
        imap.noop(T).await.expect("usable after streaming");
    });
    server.join().unwrap();
}
