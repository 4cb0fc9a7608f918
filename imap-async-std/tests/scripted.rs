//! Runtime neutrality: one session (connect, login, select, fetch, logout) against an
//! in-process scripted server, run under smol, under async-std and under a bare `block_on`,
//! to show the driver thread needs no particular runtime. Everything else this adapter
//! guarantees is checked by the shared conformance suite (`tests/conformance.rs`).

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::thread::JoinHandle;
use std::time::Duration;

use imap_async_std::types::{FetchAttr, SequenceSet};
use imap_async_std::{ImapConnection, SessionState, TlsMode};

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
