//! The adapter's own guarantees against an in-process scripted server: what a timeout or a
//! dropped call leaves, one write per pipelined batch, streaming back-pressure, IDLE endings
//! and cancellation latency, thread safety of `&self`, and what `Debug` shows. Real servers
//! cannot be made slow or paused on demand; these behaviours need a server whose every byte
//! the test decides.
//!
//! The scripted server is a std thread with blocking sockets, so it serves every adapter
//! alike. Its script asserts what the client sends; a failed assertion there fails the case
//! through [`ServerThread::finish`].

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use crate::adapter::types::{FetchAttr, IdleEvent, SequenceSet};
use crate::adapter::{
    CancellationToken, Error, ImapConnection, SessionState, TlsMode, TypedEvent, abandon_after,
    fetch_channel, join2, sleep, spawn,
};

use super::ScriptedCase;
use super::support::{Fail, TestResult, panic_text, stray_fetches};
use crate::{ensure, ensure_err, scripted_case};

/// How long the scripted cases' calls may take (they all answer at once unless a case says
/// otherwise).
pub const T: Duration = Duration::from_secs(5);

/// The server side of one scripted connection.
pub struct Peer {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
}

impl Peer {
    /// Reads one line the client sent (without CRLF).
    pub fn line(&mut self) -> String {
        let mut line = String::new();
        let n = self.reader.read_line(&mut line).expect("read");
        assert!(n > 0, "the client closed the connection");
        line.trim_end_matches("\r\n").to_string()
    }

    /// Reads one command and checks it is `command`; returns its tag.
    pub fn expect(&mut self, command: &str) -> String {
        let line = self.line();
        let (tag, rest) = line.split_once(' ').expect("a tagged command");
        assert_eq!(rest, command, "unexpected command {line:?}");
        tag.to_string()
    }

    /// Sends `text` as it is.
    pub fn send(&mut self, text: &str) {
        self.send_bytes(text.as_bytes());
    }

    /// Sends raw bytes; a client that hung up is not an error here (hostile cases provoke
    /// exactly that).
    pub fn send_bytes(&mut self, bytes: &[u8]) {
        let _ = self.writer.write_all(bytes);
    }

    /// Everything the client sends in one read (one write is one read on loopback).
    pub fn read_once(&mut self) -> String {
        let mut buf = vec![0u8; 64 * 1024];
        let n = self.reader.read(&mut buf).expect("read");
        String::from_utf8_lossy(&buf[..n]).into_owned()
    }

    /// True if the client closes the connection (or resets it) within the read timeout.
    pub fn closed(&mut self) -> bool {
        let mut buf = [0u8; 1024];
        loop {
            match self.reader.read(&mut buf) {
                Ok(0) => return true,
                Ok(_) => continue,
                Err(e) => {
                    return !matches!(
                        e.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                    );
                }
            }
        }
    }

    /// Whatever the client sends until it closes or `wait` passes, as text.
    pub fn rest(&mut self, wait: Duration) -> String {
        let _ = self.writer.set_read_timeout(Some(wait));
        let mut all = Vec::new();
        let mut buf = [0u8; 4096];
        while let Ok(n) = self.reader.read(&mut buf) {
            if n == 0 {
                break;
            }
            all.extend_from_slice(&buf[..n]);
        }
        String::from_utf8_lossy(&all).into_owned()
    }

    /// Whatever the client sends until it closes or `wait` passes, and whether it closed
    /// (EOF or a reset) rather than just fell silent.
    pub fn rest_and_close(&mut self, wait: Duration) -> (Vec<u8>, bool) {
        let _ = self.writer.set_read_timeout(Some(wait));
        let mut all = self.reader.buffer().to_vec();
        self.reader.consume(all.len());
        let mut buf = [0u8; 4096];
        let closed = loop {
            match self.reader.get_mut().read(&mut buf) {
                Ok(0) => break true,
                Ok(n) => all.extend_from_slice(&buf[..n]),
                Err(e) => {
                    break !matches!(
                        e.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                    );
                }
            }
        };
        (all, closed)
    }

    /// True if the client sends nothing (and does not close) within `wait`; what it does
    /// send stays readable.
    pub fn quiet(&mut self, wait: Duration) -> bool {
        if !self.reader.buffer().is_empty() {
            return false;
        }
        let _ = self.writer.set_read_timeout(Some(wait));
        let quiet = match self.reader.fill_buf() {
            Ok(_) => false,
            Err(e) => matches!(
                e.kind(),
                std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
            ),
        };
        let _ = self.writer.set_read_timeout(Some(T));
        quiet
    }

    /// Sends `chunk` again and again, up to `limit` bytes, until a write fails or stalls for
    /// `stall`; returns the bytes written and the error that stopped it, if one did.
    pub fn flood(
        &mut self,
        chunk: &[u8],
        limit: usize,
        stall: Duration,
    ) -> (usize, Option<std::io::ErrorKind>) {
        let _ = self.writer.set_write_timeout(Some(stall));
        let mut written = 0;
        while written < limit {
            match self.writer.write(chunk) {
                Ok(0) => return (written, Some(std::io::ErrorKind::WriteZero)),
                Ok(n) => written += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return (written, Some(e.kind())),
            }
        }
        (written, None)
    }

    /// Ends the connection with a reset (RST) instead of a FIN: SO_LINGER with a zero
    /// timeout, then close.
    pub fn reset(self) {
        let _ = socket2::SockRef::from(&self.writer).set_linger(Some(Duration::ZERO));
    }

    /// The socket, for a script that goes on over TLS; nothing the client sent may be left
    /// unread.
    pub fn into_stream(self) -> TcpStream {
        assert!(
            self.reader.buffer().is_empty(),
            "unread client bytes: {:?}",
            String::from_utf8_lossy(self.reader.buffer())
        );
        self.writer
    }
}

/// The server's thread: [`ServerThread::finish`] turns a failed script into a failed case.
pub struct ServerThread(JoinHandle<()>);

impl ServerThread {
    /// True once the script has ended (so [`ServerThread::finish`] will not block).
    pub fn is_finished(&self) -> bool {
        self.0.is_finished()
    }

    flavored! {
        /// Waits for the script to end; its panic (a failed assertion) fails the case. It
        /// polls instead of joining at once: an async adapter's driver may share the case's
        /// thread, and the script may be waiting for it to act (close the socket).
        pub async fn finish(self) -> TestResult {
            while !self.is_finished() {
                aw!(sleep(Duration::from_millis(10)));
            }
            self.0.join().map_err(|panic| {
                Fail::Fail(format!("the scripted server failed: {}", panic_text(panic)))
            })
        }
    }
}

/// Starts a server that accepts one connection, sends `greeting`, then runs `script`;
/// returns the port to connect to.
pub fn serve(greeting: &str, script: impl FnOnce(Peer) + Send + 'static) -> (u16, ServerThread) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("local addr").port();
    let greeting = greeting.as_bytes().to_vec();
    let thread = thread::spawn(move || {
        let (socket, _) = listener.accept().expect("accept");
        socket.set_read_timeout(Some(T)).expect("read timeout");
        let mut peer = Peer {
            reader: BufReader::new(socket.try_clone().expect("clone")),
            writer: socket,
        };
        peer.send_bytes(&greeting);
        script(peer);
    });
    (port, ServerThread(thread))
}

flavored! {
        /// [`serve`], then a Plain connection to it.
        pub async fn scripted(
            greeting: &str,
            script: impl FnOnce(Peer) + Send + 'static,
        ) -> Result<(ImapConnection, ServerThread), Fail> {
            let (port, server) = serve(greeting, script);
            let client = aw!(ImapConnection::connect("127.0.0.1", port, TlsMode::Plain, T))?;
            Ok((client, server))
        }
}

/// A greeting that skips login.
pub const PREAUTH: &str = "* PREAUTH [CAPABILITY IMAP4rev1 IDLE UIDPLUS] ready\r\n";

pub fn cases() -> Vec<ScriptedCase> {
    vec![
        scripted_case!(a_timed_out_call_leaves_the_connection_synchronised),
        scripted_case!(a_dropped_call_does_not_desynchronise_the_connection),
        scripted_case!(a_timeout_mid_response_and_a_dropped_call_stay_synchronised),
        scripted_case!(a_refused_command_sends_nothing),
        scripted_case!(a_pipeline_goes_out_in_one_write_and_fails_per_command),
        scripted_case!(a_full_streaming_channel_waits_for_room_and_loses_nothing),
        scripted_case!(idle_ends_with_done_on_activity_timeout_and_cancel),
        scripted_case!(idle_cancelled_from_another_task_returns_within_100ms),
        scripted_case!(concurrent_callers_each_get_their_own_answer),
        scripted_case!(logout_closes_the_connection_and_later_calls_fail),
        scripted_case!(starttls_mode_fails_when_the_server_does_not_offer_it),
        scripted_case!(a_bye_greeting_is_refused),
        scripted_case!(unauthenticate_and_set_quota_where_the_server_has_them),
    ]
}

async fn a_timed_out_call_leaves_the_connection_synchronised() -> TestResult {
    let (client, server) = aw!(scripted(PREAUTH, |mut peer| {
        let late = peer.expect("NOOP");
        // Data at once (the server is alive, so the timeout is not fatal), the answer after
        // the client gave up.
        peer.send("* 4 EXISTS\r\n");
        thread::sleep(Duration::from_millis(300));
        peer.send(&format!("{late} OK late noop\r\n"));
        let next = peer.expect("SELECT INBOX");
        peer.send("* 4 EXISTS\r\n* OK [UIDVALIDITY 9] x\r\n");
        peer.send(&format!("{next} OK [READ-WRITE] done\r\n"));
    }))?;
    let started = Instant::now();
    let timed_out = aw!(client.noop(Duration::from_millis(50)));
    ensure_err!(timed_out, Error::Timeout);
    ensure!(
        started.elapsed() < Duration::from_millis(250),
        "{:?}",
        started.elapsed()
    );
    // The late NOOP completion is read and discarded; the next call gets its own answer.
    let inbox = aw!(client.select("INBOX", T))?;
    ensure!(inbox.exists == 4);
    ensure!(inbox.uid_validity == Some(9));
    ensure!(client.session_state() == SessionState::Selected);
    // The EXISTS that came with the late NOOP is an ordinary event.
    ensure!(aw!(client.drain_events()).contains(&TypedEvent::Exists(4)));
    aw!(server.finish())
}

async fn a_dropped_call_does_not_desynchronise_the_connection() -> TestResult {
    let (client, server) = aw!(scripted(PREAUTH, |mut peer| {
        let dropped = peer.expect("SELECT Archive");
        thread::sleep(Duration::from_millis(200));
        peer.send("* 2 EXISTS\r\n");
        peer.send(&format!("{dropped} OK [READ-WRITE] done\r\n"));
        let noop = peer.expect("NOOP");
        peer.send(&format!("{noop} OK done\r\n"));
        let fetch = peer.expect("UID FETCH 1:* (FLAGS)");
        peer.send("* 1 FETCH (UID 5 FLAGS (\\Seen))\r\n");
        peer.send(&format!("{fetch} OK done\r\n"));
    }))?;
    // (A blocking call cannot be abandoned: there it simply completes.)
    aw!(abandon_after(
        async { aw!(client.select("Archive", T)) },
        Duration::from_millis(100)
    ));
    // The SELECT still completes in the core, and the session follows it. (Commands are
    // checked when submitted: the NOOP, queued behind the SELECT, waits for it.)
    aw!(client.noop(T))?;
    ensure!(client.session_state() == SessionState::Selected);
    let all = SequenceSet::range_from(1)?;
    let found = aw!(client.uid_fetch(&all, &[FetchAttr::Flags], T))?;
    ensure!(found.len() == 1);
    ensure!(found[0].uid() == Some(5));
    aw!(server.finish())
}

/// Issue 12's timing-free form of the interop case `timeouts_and_dropped_calls_stay_synchronised`:
/// the server sends the first half of a large FETCH response at once and holds the rest back
/// until the client sends its next command, which it only does once the call timed out. So
/// every round's call times out mid-response (the server was still sending: the non-fatal
/// `Timeout`), whatever the machine's speed, and the calls after it (a dropped SEARCH, a
/// FETCH, a SEARCH) each get exactly their own answer.
async fn a_timeout_mid_response_and_a_dropped_call_stay_synchronised() -> TestResult {
    const ROUNDS: usize = 5;
    const BODY: usize = 64 * 1024;
    let (client, server) = aw!(scripted(PREAUTH, |mut peer| {
        let tag = peer.expect("SELECT INBOX");
        peer.send(&format!("* 2 EXISTS\r\n{tag} OK [READ-WRITE] done\r\n"));
        let body = "x".repeat(BODY);
        for _ in 0..ROUNDS {
            let heavy = peer.expect("UID FETCH 1:* (UID BODY.PEEK[])");
            let (first, rest) = body.split_at(BODY / 2);
            peer.send(&format!("* 1 FETCH (UID 7 BODY[] {{{BODY}}}\r\n{first}"));
            // The client's next command: its heavy call has given up by now.
            let mut next = peer.line();
            peer.send(&format!(
                "{rest})\r\n* 2 FETCH (UID 8 BODY[] {{3}}\r\nabc)\r\n"
            ));
            peer.send(&format!("{heavy} OK done\r\n"));
            // The dropped SEARCH, if it went out before it was dropped.
            if let Some(tag) = next.strip_suffix(" UID SEARCH ALL") {
                peer.send(&format!("* SEARCH 7 8\r\n{tag} OK done\r\n"));
                next = peer.line();
            }
            let tag = next
                .strip_suffix(" UID FETCH 1:* (UID FLAGS)")
                .unwrap_or_else(|| panic!("unexpected command {next:?}"));
            peer.send("* 1 FETCH (UID 7 FLAGS (\\Seen))\r\n* 2 FETCH (UID 8 FLAGS ())\r\n");
            peer.send(&format!("{tag} OK done\r\n"));
            let tag = peer.expect("SEARCH ALL");
            peer.send(&format!("* SEARCH 1 2\r\n{tag} OK done\r\n"));
        }
    }))?;
    aw!(client.select("INBOX", T))?;
    let all = SequenceSet::range_from(1)?;
    let heavy = [FetchAttr::Uid, FetchAttr::whole_message_peek()];
    for round in 0..ROUNDS as u64 {
        let timed_out = aw!(client.uid_fetch(&all, &heavy, Duration::from_millis(500)));
        ensure!(
            matches!(timed_out, Err(Error::Timeout)),
            "round {round}: {timed_out:?}"
        );
        aw!(abandon_after(
            async { aw!(client.uid_search("ALL", T)) },
            Duration::from_millis(round % 3)
        ));
        let found = aw!(client.uid_fetch(&all, &[FetchAttr::Uid, FetchAttr::Flags], T))?;
        let uids: Vec<Option<u32>> = found.iter().map(|f| f.uid()).collect();
        ensure!(uids == vec![Some(7), Some(8)], "round {round}: {found:?}");
        let searched = aw!(client.search("ALL", T))?;
        ensure!(searched.ids == vec![1, 2], "round {round}: {searched:?}");
    }
    ensure!(client.session_state() == SessionState::Selected);
    let strays = stray_fetches(aw!(client.drain_events()));
    ensure!(strays == 0, "{strays} stray FETCH events");
    aw!(server.finish())
}

async fn a_refused_command_sends_nothing() -> TestResult {
    let (client, server) = aw!(scripted(PREAUTH, |mut peer| {
        // The first bytes the server sees are the NOOP's: the FETCH never went out.
        let tag = peer.expect("NOOP");
        peer.send(&format!("{tag} OK done\r\n"));
    }))?;
    let all = SequenceSet::range_from(1)?;
    ensure_err!(
        aw!(client.uid_fetch(&all, &[FetchAttr::Flags], T)),
        Error::WrongState {
            command: "UID FETCH",
            state: SessionState::Authenticated
        }
    );
    ensure_err!(aw!(client.compress(T)), Error::MissingCapability(_));
    aw!(client.noop(T))?;
    aw!(server.finish())
}

async fn a_pipeline_goes_out_in_one_write_and_fails_per_command() -> TestResult {
    let (client, server) = aw!(scripted(PREAUTH, |mut peer| {
        let batch = peer.read_once();
        let lines: Vec<&str> = batch.split_terminator("\r\n").collect();
        assert_eq!(lines.len(), 3, "one write with three commands: {batch:?}");
        let tags: Vec<&str> = lines.iter().map(|l| l.split(' ').next().unwrap()).collect();
        assert!(lines[0].ends_with(" NOOP"));
        assert!(lines[1].ends_with(" STATUS Missing (MESSAGES)"));
        assert!(lines[2].ends_with(" LIST \"\" *"), "{batch:?}");
        peer.send(&format!("{} OK noop\r\n", tags[0]));
        peer.send(&format!("{} NO [NONEXISTENT] no such mailbox\r\n", tags[1]));
        peer.send("* LIST () \"/\" INBOX\r\n");
        peer.send(&format!("{} OK list\r\n", tags[2]));
    }))?;
    let (noop, status, list) = aw!(client
        .pipeline()
        .noop()
        .status("Missing", "MESSAGES")
        .list("", "*")
        .execute(T))?;
    noop?;
    ensure_err!(status, Error::No { .. });
    ensure!(list?.len() == 1);
    aw!(server.finish())
}

async fn a_full_streaming_channel_waits_for_room_and_loses_nothing() -> TestResult {
    const MESSAGES: u32 = 40;
    let (client, server) = aw!(scripted(
        "* PREAUTH [CAPABILITY IMAP4rev1] ready\r\n",
        |mut peer| {
            let select = peer.expect("SELECT INBOX");
            peer.send(&format!("* {MESSAGES} EXISTS\r\n{select} OK done\r\n"));
            let fetch = peer.expect("UID FETCH 1:* (UID FLAGS)");
            let mut batch = String::new();
            for n in 1..=MESSAGES {
                batch.push_str(&format!("* {n} FETCH (UID {} FLAGS ())\r\n", n + 100));
            }
            batch.push_str(&format!("{fetch} OK done\r\n"));
            peer.send(&batch);
        },
    ))?;
    aw!(client.select("INBOX", T))?;
    let (tx, mut rx) = fetch_channel(2);
    let all = SequenceSet::range_from(1)?;
    let items = [FetchAttr::Uid, FetchAttr::Flags];
    let started = Instant::now();
    let streaming = async { aw!(client.uid_fetch_streaming(&all, &items, tx, T)) };
    let reading = async move {
        // Nobody reads the channel for a while: the stream must wait for room, not drop
        // responses or buffer without bound.
        aw!(sleep(Duration::from_millis(200)));
        let mut uids = Vec::new();
        while let Some(item) = aw!(rx.recv()) {
            uids.push(item.ok().and_then(|f| f.uid()));
        }
        uids
    };
    let (streamed, uids) = aw!(join2(streaming, reading));
    streamed?;
    ensure!(started.elapsed() >= Duration::from_millis(200));
    let expected: Vec<Option<u32>> = (101..=100 + MESSAGES).map(Some).collect();
    ensure!(uids == expected, "{uids:?}");
    aw!(server.finish())
}

async fn idle_ends_with_done_on_activity_timeout_and_cancel() -> TestResult {
    let (client, server) = aw!(scripted(PREAUTH, |mut peer| {
        // 1: activity.
        let tag = peer.expect("IDLE");
        peer.send("+ idling\r\n* 3 EXISTS\r\n");
        assert_eq!(peer.line(), "DONE");
        peer.send(&format!("{tag} OK idle done\r\n"));
        // 2: timeout.
        let tag = peer.expect("IDLE");
        peer.send("+ idling\r\n* OK Still here\r\n");
        assert_eq!(peer.line(), "DONE");
        peer.send(&format!("{tag} OK idle done\r\n"));
        // 3: cancelled; the EXISTS that raced with DONE is kept as an event.
        let tag = peer.expect("IDLE");
        peer.send("+ idling\r\n");
        assert_eq!(peer.line(), "DONE");
        peer.send(&format!("* 4 EXISTS\r\n{tag} OK idle done\r\n"));
        // 4: abandoned by the caller (async) or timed out (blocking): DONE is still sent.
        let tag = peer.expect("IDLE");
        peer.send("+ idling\r\n");
        assert_eq!(peer.line(), "DONE");
        peer.send(&format!("{tag} OK idle done\r\n"));
        let tag = peer.expect("NOOP");
        peer.send(&format!("{tag} OK done\r\n"));
    }))?;
    aw!(client.drain_events()); // the greeting
    let woke = aw!(client.idle(T, CancellationToken::new()))?;
    ensure!(
        woke == IdleEvent::Changed(vec![TypedEvent::Exists(3)]),
        "{woke:?}"
    );

    let quiet = aw!(client.idle(Duration::from_millis(200), CancellationToken::new()))?;
    ensure!(quiet == IdleEvent::TimedOut, "{quiet:?}");

    let cancel = CancellationToken::new();
    let trigger = cancel.clone();
    let _canceller = spawn(async move {
        aw!(sleep(Duration::from_millis(100)));
        trigger.cancel();
    });
    let cancelled = aw!(client.idle(T, cancel))?;
    ensure!(cancelled == IdleEvent::Cancelled, "{cancelled:?}");
    ensure!(aw!(client.drain_events()) == vec![TypedEvent::Exists(4)]);

    aw!(abandon_after(
        async { aw!(client.idle(Duration::from_millis(300), CancellationToken::new())) },
        Duration::from_millis(100)
    ));
    aw!(client.noop(T))?;
    aw!(server.finish())
}

async fn idle_cancelled_from_another_task_returns_within_100ms() -> TestResult {
    let (client, server) = aw!(scripted(PREAUTH, |mut peer| {
        let tag = peer.expect("IDLE");
        peer.send("+ idling\r\n");
        assert_eq!(peer.line(), "DONE");
        peer.send(&format!("{tag} OK idle done\r\n"));
    }))?;
    let client = Arc::new(client);
    let token = CancellationToken::new();
    let idler = {
        let (client, token) = (client.clone(), token.clone());
        spawn(async move {
            let event = aw!(client.idle(Duration::from_secs(30), token));
            (event, Instant::now())
        })
    };
    aw!(sleep(Duration::from_millis(300)));
    // The state is readable while the IDLE runs (it does not wait behind it).
    let probe = Instant::now();
    ensure!(client.session_state() == SessionState::Authenticated);
    ensure!(probe.elapsed() < Duration::from_millis(50));
    let cancelled_at = Instant::now();
    token.cancel();
    let (event, returned_at) = aw!(idler.join()).map_err(Fail::Fail)?;
    let latency = returned_at.duration_since(cancelled_at);
    ensure!(matches!(event, Ok(IdleEvent::Cancelled)), "{event:?}");
    ensure!(
        latency < Duration::from_millis(100),
        "cancel latency {latency:?}"
    );
    aw!(server.finish())
}

async fn concurrent_callers_each_get_their_own_answer() -> TestResult {
    const EACH: usize = 20;
    let (client, server) = aw!(scripted(
        "* PREAUTH [CAPABILITY IMAP4rev1] ready\r\n",
        |mut peer| {
            // The answers carry the tag's number, so a mixed-up reply is detected.
            for _ in 0..2 * EACH {
                let tag = peer.expect("NOOP");
                peer.send(&format!("{tag} OK {tag}\r\n"));
            }
        },
    ))?;
    let client = Arc::new(client);
    let workers: Vec<_> = (0..2)
        .map(|_| {
            let client = client.clone();
            spawn(async move {
                for _ in 0..EACH {
                    aw!(client.noop(T))?;
                }
                Ok::<_, Error>(())
            })
        })
        .collect();
    for worker in workers {
        aw!(worker.join()).map_err(Fail::Fail)??;
    }
    aw!(server.finish())
}

async fn logout_closes_the_connection_and_later_calls_fail() -> TestResult {
    let (client, server) = aw!(scripted(
        "* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] ready\r\n",
        |mut peer| {
            let tag = peer.expect("LOGIN alice \"hunter2 secret\"");
            peer.send(&format!("{tag} OK [CAPABILITY IMAP4rev1 IDLE] in\r\n"));
            let tag = peer.expect("LOGOUT");
            peer.send(&format!("* BYE bye\r\n{tag} OK done\r\n"));
            assert!(peer.closed(), "the client closes after LOGOUT");
        },
    ))?;
    aw!(client.login("alice", "hunter2 secret", T))?;
    let debug = format!("{client:?}");
    ensure!(
        debug.contains("127.0.0.1") && debug.contains("Authenticated"),
        "{debug}"
    );
    ensure!(!debug.contains("hunter2"), "{debug}");
    aw!(client.logout())?;
    ensure!(client.session_state() == SessionState::Logout);
    ensure!(aw!(client.noop(T)).is_err());
    aw!(client.drain_events()); // the greeting
    ensure_err!(aw!(client.next_event(T)), Error::DriverGone);
    aw!(server.finish())
}

async fn starttls_mode_fails_when_the_server_does_not_offer_it() -> TestResult {
    let (port, server) = serve(
        "* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] ready\r\n",
        |mut peer| {
            // Nothing but the LOGOUT the client may send as it gives up.
            let rest = peer.rest(Duration::from_secs(2));
            assert!(!rest.contains("LOGIN"), "{rest:?}");
        },
    );
    let refused = aw!(ImapConnection::connect(
        "127.0.0.1",
        port,
        TlsMode::StartTls,
        T
    ));
    ensure!(
        matches!(refused, Err(Error::MissingCapability(ref c)) if c.is("STARTTLS")),
        "{refused:?}"
    );
    drop(refused);
    aw!(server.finish())
}

async fn a_bye_greeting_is_refused() -> TestResult {
    let (port, server) = serve("* BYE too busy\r\n", |_peer| {});
    let refused = aw!(ImapConnection::connect(
        "127.0.0.1",
        port,
        TlsMode::Plain,
        T
    ));
    ensure!(
        matches!(refused, Err(Error::Bye { ref text, .. }) if text == "too busy"),
        "{refused:?}"
    );
    aw!(server.finish())
}

async fn unauthenticate_and_set_quota_where_the_server_has_them() -> TestResult {
    // Neither Dovecot nor Cyrus offers UNAUTHENTICATE or QUOTASET; their success paths are
    // checked here.
    let (client, server) = aw!(scripted(
        "* PREAUTH [CAPABILITY IMAP4rev1 UNAUTHENTICATE QUOTA QUOTASET] ready\r\n",
        |mut peer| {
            let tag = peer.expect("SETQUOTA \"\" (STORAGE 512)");
            peer.send(&format!(
                "* QUOTA \"\" (STORAGE 10 512)\r\n{tag} OK set\r\n"
            ));
            let tag = peer.expect("UNAUTHENTICATE");
            peer.send(&format!("{tag} OK bye for now\r\n"));
            let tag = peer.expect("CAPABILITY");
            peer.send(&format!(
                "* CAPABILITY IMAP4rev1 AUTH=PLAIN UNAUTHENTICATE\r\n{tag} OK done\r\n"
            ));
        },
    ))?;
    let quota = aw!(client.set_quota("", &[("STORAGE", 512)], T))?;
    ensure!(quota.len() == 1);
    ensure!((quota[0].usage, quota[0].limit) == (10, 512));
    aw!(client.unauthenticate(T))?;
    ensure!(client.session_state() == SessionState::NotAuthenticated);
    // The capabilities were fetched again (RFC 8437 §2).
    ensure!(client.capabilities().iter().any(|c| c.is("AUTH=PLAIN")));
    aw!(server.finish())
}
