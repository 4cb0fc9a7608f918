//! The adapter's own guarantees against an in-process scripted server (std threads): the
//! basic session, what a timeout leaves, concurrent calls from two threads, streaming, and
//! IDLE cancelled from another thread. A real server cannot be paused on demand; these
//! behaviours need a server whose every byte the test decides.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::mpsc::sync_channel;
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use imap_blocking::types::{FetchAttr, IdleEvent, SequenceSet};
use imap_blocking::{CancellationToken, Error, ImapConnection, SessionState, TlsMode};

const T: Duration = Duration::from_secs(5);

/// The server side of one scripted connection.
struct Peer {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
}

impl Peer {
    /// Reads one line (without CRLF).
    fn line(&mut self) -> String {
        let mut line = String::new();
        let n = self.reader.read_line(&mut line).expect("read");
        assert!(n > 0, "the client closed the connection");
        line.trim_end_matches("\r\n").to_string()
    }

    /// Reads one command and checks it ends with `command`; returns its tag.
    fn expect(&mut self, command: &str) -> String {
        let line = self.line();
        let (tag, rest) = line.split_once(' ').expect("a tagged command");
        assert_eq!(rest, command, "unexpected command {line:?}");
        tag.to_string()
    }

    fn send(&mut self, text: &str) {
        self.writer.write_all(text.as_bytes()).expect("write");
    }
}

/// Starts a server that greets with `greeting` and runs `script`; returns the connected
/// client (Plain) and the server thread.
fn scripted(
    greeting: &str,
    script: impl FnOnce(Peer) + Send + 'static,
) -> (ImapConnection, JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let greeting = greeting.to_string();
    let server = thread::spawn(move || {
        let (socket, _) = listener.accept().unwrap();
        socket.set_read_timeout(Some(T)).unwrap();
        let mut peer = Peer {
            reader: BufReader::new(socket.try_clone().unwrap()),
            writer: socket,
        };
        peer.send(&greeting);
        script(peer);
    });
    let client = ImapConnection::connect("127.0.0.1", port, TlsMode::Plain, T).expect("connect");
    (client, server)
}

const GREETING: &str = "* OK [CAPABILITY IMAP4rev1 IDLE UIDPLUS] ready\r\n";

#[test]
fn connect_login_select_and_fetch() {
    let (client, server) = scripted(GREETING, |mut peer| {
        let tag = peer.expect("LOGIN alice secret");
        peer.send(&format!(
            "{tag} OK [CAPABILITY IMAP4rev1 IDLE UIDPLUS] in\r\n"
        ));
        let tag = peer.expect("SELECT INBOX");
        peer.send("* 2 EXISTS\r\n* OK [UIDVALIDITY 7] x\r\n");
        peer.send(&format!("{tag} OK [READ-WRITE] selected\r\n"));
        let tag = peer.expect("UID FETCH 1:* (UID FLAGS)");
        peer.send("* 1 FETCH (UID 10 FLAGS (\\Seen))\r\n* 2 FETCH (UID 11 FLAGS ())\r\n");
        peer.send(&format!("{tag} OK done\r\n"));
        let tag = peer.expect("LOGOUT");
        peer.send(&format!("* BYE bye\r\n{tag} OK out\r\n"));
    });
    assert_eq!(client.session_state(), SessionState::NotAuthenticated);
    client.login("alice", "secret", T).expect("login");
    assert_eq!(client.session_state(), SessionState::Authenticated);
    let inbox = client.select("INBOX", T).expect("select");
    assert_eq!(inbox.exists, 2);
    assert_eq!(client.session_state(), SessionState::Selected);
    let all = SequenceSet::range_from(1).unwrap();
    let messages = client
        .uid_fetch(&all, &[FetchAttr::Uid, FetchAttr::Flags], T)
        .expect("uid fetch");
    let uids: Vec<_> = messages.iter().map(|m| m.uid()).collect();
    assert_eq!(uids, vec![Some(10), Some(11)]);
    client.logout().expect("logout");
    assert_eq!(client.session_state(), SessionState::Logout);
    server.join().unwrap();
}

/// A timed-out call leaves its op in the core: the next call reads the late response,
/// discards it, and gets its own result; the connection stays in step.
#[test]
fn a_timed_out_call_leaves_the_connection_synchronised() {
    let (client, server) = scripted(
        "* PREAUTH [CAPABILITY IMAP4rev1 IDLE] ready\r\n",
        |mut peer| {
            let late = peer.expect("NOOP");
            thread::sleep(Duration::from_millis(400));
            peer.send(&format!("* 3 EXISTS\r\n{late} OK late noop\r\n"));
            let next = peer.expect("SELECT INBOX");
            peer.send("* 4 EXISTS\r\n* OK [UIDVALIDITY 9] x\r\n");
            peer.send(&format!("{next} OK [READ-WRITE] done\r\n"));
        },
    );
    let started = Instant::now();
    let result = client.noop(Duration::from_millis(100));
    assert!(matches!(result, Err(Error::Timeout)), "{result:?}");
    assert!(started.elapsed() < Duration::from_millis(350));
    let inbox = client.select("INBOX", T).expect("select after a timeout");
    assert_eq!(inbox.exists, 4);
    assert_eq!(client.session_state(), SessionState::Selected);
    server.join().unwrap();
}

/// Two threads issue NOOPs at once: each call gets its own tagged answer.
#[test]
fn two_threads_issue_noops_concurrently() {
    const EACH: usize = 20;
    let (client, server) = scripted("* PREAUTH [CAPABILITY IMAP4rev1] ready\r\n", |mut peer| {
        for _ in 0..2 * EACH {
            let tag = peer.expect("NOOP");
            peer.send(&format!("{tag} OK done\r\n"));
        }
    });
    let client = Arc::new(client);
    let workers: Vec<_> = (0..2)
        .map(|_| {
            let client = client.clone();
            thread::spawn(move || {
                for _ in 0..EACH {
                    client.noop(T).expect("noop");
                }
            })
        })
        .collect();
    for worker in workers {
        worker.join().unwrap();
    }
    server.join().unwrap();
}

/// IDLE cancelled from another thread returns within 100 ms, after DONE and the tagged OK;
/// `session_state` does not wait behind the IDLE.
#[test]
fn idle_is_cancelled_from_another_thread_within_100ms() {
    let (client, server) = scripted(
        "* PREAUTH [CAPABILITY IMAP4rev1 IDLE] ready\r\n",
        |mut peer| {
            let tag = peer.expect("IDLE");
            peer.send("+ idling\r\n");
            assert_eq!(peer.line(), "DONE");
            peer.send(&format!("{tag} OK idle done\r\n"));
        },
    );
    let client = Arc::new(client);
    let token = CancellationToken::new();
    let idler = {
        let (client, token) = (client.clone(), token.clone());
        thread::spawn(move || {
            let event = client.idle(Duration::from_secs(30), token);
            (event, Instant::now())
        })
    };
    thread::sleep(Duration::from_millis(300));
    let probe = Instant::now();
    assert_eq!(client.session_state(), SessionState::Authenticated);
    assert!(probe.elapsed() < Duration::from_millis(50));
    let cancelled_at = Instant::now();
    token.cancel();
    let (event, returned_at) = idler.join().unwrap();
    let latency = returned_at.duration_since(cancelled_at);
    println!("IDLE cancel latency: {latency:?}");
    assert!(matches!(event, Ok(IdleEvent::Cancelled)), "{event:?}");
    assert!(latency < Duration::from_millis(100), "{latency:?}");
    server.join().unwrap();
}

/// Server data ends the IDLE with the events; its timeout ends it with `TimedOut`.
#[test]
fn idle_returns_server_data_and_times_out() {
    let (client, server) = scripted(
        "* PREAUTH [CAPABILITY IMAP4rev1 IDLE] ready\r\n",
        |mut peer| {
            let tag = peer.expect("IDLE");
            peer.send("+ idling\r\n");
            thread::sleep(Duration::from_millis(50));
            peer.send("* 5 EXISTS\r\n");
            assert_eq!(peer.line(), "DONE");
            peer.send(&format!("{tag} OK idle done\r\n"));
            let tag = peer.expect("IDLE");
            peer.send("+ idling\r\n");
            assert_eq!(peer.line(), "DONE");
            peer.send(&format!("{tag} OK idle done\r\n"));
        },
    );
    let event = client.idle(T, CancellationToken::new()).expect("idle");
    let IdleEvent::Changed(events) = event else {
        panic!("expected Changed, got {event:?}")
    };
    assert_eq!(events, vec![imap_blocking::TypedEvent::Exists(5)]);
    let event = client
        .idle(Duration::from_millis(100), CancellationToken::new())
        .expect("idle");
    assert_eq!(event, IdleEvent::TimedOut);
    server.join().unwrap();
}

/// A streamed FETCH sends each response into a bounded channel read by another thread.
#[test]
fn uid_fetch_streaming_sends_each_response() {
    let (client, server) = scripted("* PREAUTH [CAPABILITY IMAP4rev1] ready\r\n", |mut peer| {
        let tag = peer.expect("SELECT INBOX");
        peer.send(&format!("* 3 EXISTS\r\n{tag} OK [READ-WRITE] done\r\n"));
        let tag = peer.expect("UID FETCH 1:* (UID)");
        for n in 1..=3 {
            peer.send(&format!("* {n} FETCH (UID {})\r\n", n + 100));
        }
        peer.send(&format!("{tag} OK done\r\n"));
    });
    client.select("INBOX", T).expect("select");
    let (tx, rx) = sync_channel::<Result<imap_blocking::types::FetchResponse, Error>>(1);
    let reader = thread::spawn(move || {
        rx.iter()
            .map(|r| r.expect("a response").uid())
            .collect::<Vec<_>>()
    });
    let all = SequenceSet::range_from(1).unwrap();
    client
        .uid_fetch_streaming(&all, &[FetchAttr::Uid], tx, T)
        .expect("streaming");
    assert_eq!(
        reader.join().unwrap(),
        vec![Some(101), Some(102), Some(103)]
    );
    server.join().unwrap();
}

/// A pipeline sends its commands together and returns each result on its own.
#[test]
fn a_pipeline_returns_each_result() {
    let (client, server) = scripted("* PREAUTH [CAPABILITY IMAP4rev1] ready\r\n", |mut peer| {
        let noop = peer.expect("NOOP");
        let list = peer.expect("LIST \"\" *");
        peer.send(&format!("{noop} OK noop\r\n"));
        peer.send("* LIST () \"/\" INBOX\r\n");
        peer.send(&format!("{list} OK list\r\n"));
    });
    let (noop, list) = client
        .pipeline()
        .noop()
        .list("", "*")
        .execute(T)
        .expect("pipeline");
    noop.expect("noop");
    assert_eq!(list.expect("list").len(), 1);
    server.join().unwrap();
}

/// `Debug` shows the endpoint and state, never credentials.
#[test]
fn debug_shows_no_secrets() {
    let (client, server) = scripted(GREETING, |mut peer| {
        let tag = peer.expect("LOGIN alice hunter2");
        peer.send(&format!("{tag} OK [CAPABILITY IMAP4rev1] in\r\n"));
    });
    client.login("alice", "hunter2", T).expect("login");
    let shown = format!("{client:?}");
    assert!(shown.contains("127.0.0.1"), "{shown}");
    assert!(!shown.contains("hunter2"), "{shown}");
    server.join().unwrap();
}
