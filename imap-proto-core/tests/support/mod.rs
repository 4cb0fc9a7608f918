//! Shared test support: the `S:`/`C:` transcript harness and the method-table expander.
//!
//! A transcript is a Rust closure that drives a [`Transcript`]: server lines (`S:`) are
//! queued and fed to the [`Connection`] before the next step, client lines (`C:`) are
//! checked against exactly what [`Connection::poll_transmit`] produced, and ops are
//! submitted through [`Api`], whose methods are generated from the crate's own method
//! table. [`transcript`] runs the closure twice, feeding the server's bytes whole and then
//! one byte at a time, and requires both runs to log the same client bytes, results and
//! events.

#![allow(dead_code)]

use std::fmt::Debug;

use imap_proto_core::ops::mailbox::select;
use imap_proto_core::{Config, Connection, Error, Op, OpId, SessionState, TypedEvent};

/// A connection with INBOX selected (`exists` messages), its events drained.
pub fn selected(exists: u32) -> Connection {
    let mut conn = Connection::new(Config::default());
    conn.handle_input(b"* PREAUTH [CAPABILITY IMAP4rev1] hi\r\n");
    let id = conn
        .submit(select("INBOX", &Default::default(), false))
        .unwrap();
    conn.poll_transmit(&mut Vec::new());
    conn.handle_input(format!("* {exists} EXISTS\r\nA0001 OK [READ-WRITE] done\r\n").as_bytes());
    conn.take_output(&id).unwrap().unwrap();
    while conn.poll_event().is_some() {}
    conn
}

/// How queued server bytes are handed to the connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Feed {
    /// Everything queued since the last step in one `handle_input` call, as one read.
    Whole,
    /// One `handle_input` call per byte, with a `poll_transmit` after each, as a driver
    /// reading a trickling socket would do.
    Bytewise,
    /// Reads of 7 bytes appended to `Connection::read_buffer`, each followed by
    /// `handle_read` and a `poll_transmit`: the path of an adapter that reads into the
    /// core's own buffer.
    ReadBuffer,
    /// Reads of up to 5 bytes into `Connection::read_slice(9)` (so part of the zeroed
    /// slice stays unused), each followed by `handle_read_len` and a `poll_transmit`: the
    /// path of an adapter whose reads fill a `&mut [u8]`.
    ReadSlice,
}

/// The read size of [`Feed::ReadBuffer`]: small and odd, so reads end inside lines,
/// literal headers and literals.
const READ_BUFFER_READ: usize = 7;

/// One run of a transcript.
pub struct Transcript {
    /// The connection under test.
    pub conn: Connection,
    /// How server bytes are fed in this run.
    pub feed: Feed,
    server: Vec<u8>,
    client: Vec<u8>,
    /// What the run observed, compared between the two feeds.
    pub log: Vec<String>,
}

/// Runs `body` with the input fed whole, byte by byte, and in small reads through
/// `read_buffer`; every run must observe the same client bytes, results and events.
pub fn transcript(body: impl Fn(&mut Transcript)) {
    transcript_with(Config::default(), body)
}

/// [`transcript`] with a custom configuration.
pub fn transcript_with(config: Config, body: impl Fn(&mut Transcript)) {
    let mut logs = Vec::new();
    for feed in [
        Feed::Whole,
        Feed::Bytewise,
        Feed::ReadBuffer,
        Feed::ReadSlice,
    ] {
        let mut t = Transcript::new(feed, config.clone());
        body(&mut t);
        t.finish();
        logs.push(t.log);
    }
    let whole = &logs[0];
    let names = ["byte-at-a-time", "read_buffer", "read_slice"];
    for (other, name) in logs[1..].iter().zip(names) {
        for (i, (a, b)) in whole.iter().zip(other.iter()).enumerate() {
            assert_eq!(a, b, "entry {i} differs between whole and {name} feeding");
        }
        assert_eq!(
            whole.len(),
            other.len(),
            "whole and {name} feeding logged a different number of entries"
        );
    }
}

/// Undoes the escapes `\r`, `\n`, `\\` and `\xNN` of raw (`S+`/`C+`) script lines.
fn unescape(text: &str) -> Vec<u8> {
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\\' && i + 1 < bytes.len() {
            match bytes[i + 1] {
                b'r' => out.push(b'\r'),
                b'n' => out.push(b'\n'),
                b'\\' => out.push(b'\\'),
                b'x' if i + 3 < bytes.len() => {
                    let hex = std::str::from_utf8(&bytes[i + 2..i + 4]).expect("hex escape");
                    out.push(u8::from_str_radix(hex, 16).expect("hex escape"));
                    i += 2;
                }
                other => panic!("unknown escape \\{}", other as char),
            }
            i += 2;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    out
}

impl Transcript {
    /// A fresh connection.
    pub fn new(feed: Feed, config: Config) -> Self {
        Transcript {
            conn: Connection::new(config),
            feed,
            server: Vec::new(),
            client: Vec::new(),
            log: Vec::new(),
        }
    }

    /// Runs script lines: `S: text` (server line, CRLF added), `S+ raw` (server bytes with
    /// escapes, no CRLF added), `C: text` (the client must send exactly this line next),
    /// `C+ raw` (the client must send exactly these bytes next), `C: -` (the client must
    /// have sent nothing more), `C:` alone (an empty line). Blank lines and `#` comments are skipped. Whatever server
    /// bytes are queued between two client checks arrive as one read.
    pub fn run(&mut self, script: &str) {
        for line in script.lines() {
            let line = line.trim_start();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (kind, text) = line.split_at(line.len().min(3));
            match kind {
                "S: " => self.s(text),
                "S:" => self.s(""),
                "C:" => self.c(""),
                "S+ " => self.server.extend_from_slice(&unescape(text)),
                "C: " if text == "-" => self.silent(),
                "C: " => self.c(text),
                "C+ " => self.c_raw(&unescape(text)),
                _ => panic!("bad script line {line:?}"),
            }
        }
        self.flush();
    }

    /// Queues a server line (CRLF added).
    pub fn s(&mut self, line: &str) {
        self.server.extend_from_slice(line.as_bytes());
        self.server.extend_from_slice(b"\r\n");
    }

    /// Queues raw server bytes.
    pub fn s_raw(&mut self, bytes: &[u8]) {
        self.server.extend_from_slice(bytes);
    }

    /// Feeds the queued server bytes and collects what the client sends.
    pub fn flush(&mut self) {
        let input = std::mem::take(&mut self.server);
        match self.feed {
            Feed::Whole => {
                if !input.is_empty() {
                    self.conn.handle_input(&input);
                }
                self.conn.poll_transmit(&mut self.client);
            }
            Feed::Bytewise => {
                for byte in input {
                    self.conn.handle_input(&[byte]);
                    self.conn.poll_transmit(&mut self.client);
                }
                self.conn.poll_transmit(&mut self.client);
            }
            Feed::ReadBuffer => {
                for read in input.chunks(READ_BUFFER_READ) {
                    self.conn
                        .read_buffer(READ_BUFFER_READ)
                        .extend_from_slice(read);
                    self.conn.handle_read();
                    self.conn.poll_transmit(&mut self.client);
                }
                self.conn.poll_transmit(&mut self.client);
            }
            Feed::ReadSlice => {
                for read in input.chunks(5) {
                    // A read that was abandoned (its future dropped) before every real one:
                    // its zeros must never become input.
                    self.conn.read_slice(3).fill(b'!');
                    self.conn.read_slice(9)[..read.len()].copy_from_slice(read);
                    self.conn.handle_read_len(read.len());
                    self.conn.poll_transmit(&mut self.client);
                }
                self.conn.poll_transmit(&mut self.client);
            }
        }
    }

    /// The client must send exactly `line` + CRLF next.
    pub fn c(&mut self, line: &str) {
        let mut expected = line.as_bytes().to_vec();
        expected.extend_from_slice(b"\r\n");
        self.c_raw(&expected);
    }

    /// The client must send exactly `bytes` next.
    pub fn c_raw(&mut self, bytes: &[u8]) {
        self.flush();
        let n = bytes.len().min(self.client.len());
        assert!(
            self.client.starts_with(bytes),
            "[{:?}] client sent {:?}, expected {:?}",
            self.feed,
            String::from_utf8_lossy(&self.client[..n.max(self.client.len().min(200))]),
            String::from_utf8_lossy(bytes),
        );
        self.client.drain(..bytes.len());
        self.log
            .push(format!("C: {}", String::from_utf8_lossy(bytes).trim_end()));
    }

    /// The client must have sent nothing beyond what was already checked.
    pub fn silent(&mut self) {
        self.flush();
        assert!(
            self.client.is_empty(),
            "[{:?}] client sent unexpected {:?}",
            self.feed,
            String::from_utf8_lossy(&self.client)
        );
    }

    /// Every client byte not yet checked, taken.
    pub fn take_client(&mut self) -> Vec<u8> {
        self.flush();
        std::mem::take(&mut self.client)
    }

    /// The method table as methods submitting to this connection (after feeding what is
    /// queued).
    pub fn api(&mut self) -> Api<'_> {
        self.flush();
        Api {
            conn: &mut self.conn,
        }
    }

    /// Submits any op (after feeding what is queued).
    pub fn submit<O: Op>(&mut self, op: O) -> Result<Pending<O::Output>, Error> {
        self.flush();
        let id = self.conn.submit(op)?;
        Ok(Pending::new(id, |v| v))
    }

    /// Submits an op and keeps its typed id (for `op_mut` / `interrupt`).
    pub fn submit_raw<O: Op>(&mut self, op: O) -> Result<OpId<O>, Error> {
        self.flush();
        self.conn.submit(op)
    }

    /// The op's result, which must be there.
    pub fn result<T: Debug + 'static>(&mut self, pending: &mut Pending<T>) -> Result<T, Error> {
        self.flush();
        let result = pending
            .poll(&mut self.conn)
            .unwrap_or_else(|| panic!("[{:?}] the op has not finished", self.feed));
        self.log.push(format!("R: {result:?}"));
        result
    }

    /// The op's result, which must be `Ok`.
    pub fn ok<T: Debug + 'static>(&mut self, pending: &mut Pending<T>) -> T {
        let feed = self.feed;
        self.result(pending)
            .unwrap_or_else(|e| panic!("[{feed:?}] the op failed: {e:?}"))
    }

    /// The op's result, which must be an error.
    pub fn err<T: Debug + 'static>(&mut self, pending: &mut Pending<T>) -> Error {
        match self.result(pending) {
            Ok(v) => panic!("[{:?}] expected an error, got {v:?}", self.feed),
            Err(e) => e,
        }
    }

    /// The op must still be running.
    pub fn running<T: Debug + 'static>(&mut self, pending: &mut Pending<T>) {
        self.flush();
        if let Some(result) = pending.poll(&mut self.conn) {
            panic!("[{:?}] the op finished early: {result:?}", self.feed);
        }
    }

    /// Drains the event queue.
    pub fn events(&mut self) -> Vec<TypedEvent> {
        self.flush();
        let mut events = Vec::new();
        while let Some(event) = self.conn.poll_event() {
            self.log.push(format!("E: {event:?}"));
            events.push(event);
        }
        events
    }

    /// The session state now.
    pub fn state(&mut self) -> SessionState {
        self.flush();
        self.conn.session().state()
    }

    /// The cached capabilities now, as strings.
    pub fn caps(&mut self) -> Vec<String> {
        self.flush();
        self.conn
            .session()
            .capabilities()
            .iter()
            .map(|c| c.as_str().to_string())
            .collect()
    }

    /// Ends the run: every client byte must have been checked; leftover events are logged
    /// so that both feeds must agree on them too.
    pub fn finish(&mut self) {
        self.silent();
        self.events();
        self.log.push(format!(
            "F: {:?} {:?}",
            self.conn.session().state(),
            self.conn.failure()
        ));
    }
}

/// Takes a finished op's mapped result from the connection.
type PollFn<T> = dyn FnMut(&mut Connection) -> Option<Result<T, Error>>;

/// A submitted op's result, seen through the table entry's `map`.
pub struct Pending<T> {
    poll: Box<PollFn<T>>,
}

impl<T> Debug for Pending<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Pending")
    }
}

impl<T: 'static> Pending<T> {
    /// Wraps an op id and the map from its output to the method's result.
    pub fn new<O: Op>(id: OpId<O>, map: impl FnOnce(O::Output) -> T + 'static) -> Self {
        let mut map = Some(map);
        Pending {
            poll: Box::new(move |conn| {
                conn.take_output(&id).map(|result| {
                    result.map(|value| (map.take().expect("result taken twice"))(value))
                })
            }),
        }
    }

    /// The result if the op has finished.
    pub fn poll(&mut self, conn: &mut Connection) -> Option<Result<T, Error>> {
        (self.poll)(conn)
    }
}

/// The method table's `op` entries as methods that submit the op to a connection.
pub struct Api<'a> {
    /// The connection ops are submitted to.
    pub conn: &'a mut Connection,
}

/// Picks the entry's `map` or the identity.
macro_rules! map_or_identity {
    () => {
        |value| value
    };
    ($map:expr) => {
        $map
    };
}

/// Expands the method table (`for_each_imap_method!`) into [`Api`] methods and the list of
/// method names, so the tests exercise the table's own op expressions and maps.
macro_rules! expand_test_methods {
    (
        ops {
            $(
                $(#[$meta:meta])*
                fn $name:ident(&self $(, $arg:ident: $ty:ty)* $(,)?) -> $out:ty { $($body:tt)* }
                $(map $map:expr)?;
            )*
        }
        $($rest:tt)*
    ) => {
        impl Api<'_> {
            $(
                $(#[$meta])*
                pub fn $name(&mut self $(, $arg: $ty)*) -> Result<Pending<$out>, Error> {
                    let op = { $($body)* };
                    let id = self.conn.submit(op)?;
                    Ok(Pending::new(id, map_or_identity!($($map)?)))
                }
            )*
        }

        /// The name of every `op` entry of the method table.
        pub const TABLE_OP_METHODS: &[&str] = &[$(stringify!($name)),*];
    };
}

imap_proto_core::for_each_imap_method!(expand_test_methods);
