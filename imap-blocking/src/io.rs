//! The run loop: the one place that moves bytes between the socket and the core.
//!
//! [`Inner`] owns the `TcpStream` and the sans-IO [`Connection`]; a caller holds it for the
//! whole of one call (see [`crate::ImapConnection`]'s lock). [`Inner::drive`] follows the
//! core's run-loop contract: gather everything the core has to send, publish the session
//! snapshot and events, check whether the call is done, then write (or read) once with the
//! socket deadline set to what is left of the call's timeout, and repeat.
//!
//! A call that times out leaves its op in the core and registers a closure in
//! [`Inner::abandoned`]: every later run of the loop offers it the core, so the late
//! response is read, taken out of the core and dropped. Bytes of a command that did not all
//! go out before the deadline stay in [`Inner::out`] and are written first by the next call.
//! Either way the command stream never desynchronises.

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::time::{Duration, Instant};

use imap_proto_core::ops::idle::{Idle, IdleWake};
use imap_proto_core::types::Capability;
use imap_proto_core::{Connection, Error, OpId, SessionState};
use mio::net::TcpStream as MioStream;
use mio::{Events, Interest, Poll, Token, Waker};

use crate::cancel::CancellationToken;
use crate::events::EventQueue;

/// How much is read from the socket at once.
const READ_CHUNK: usize = 64 * 1024;

/// The mio token of the socket while IDLE waits.
const SOCKET: Token = Token(0);
/// The mio token of the cancellation waker while IDLE waits.
const WAKE: Token = Token(1);

/// What callers can see of the session without taking the connection's lock.
#[derive(Debug, Clone)]
pub(crate) struct Snapshot {
    pub state: SessionState,
    pub capabilities: Vec<Capability>,
    pub tls: bool,
    pub compress: bool,
    /// The error that ended the connection.
    pub failure: Option<std::sync::Arc<Error>>,
}

/// The state shared outside the lock: the snapshot and the event queue.
pub(crate) struct Shared {
    pub snapshot: std::sync::Mutex<Snapshot>,
    pub events: EventQueue,
}

impl Shared {
    pub(crate) fn new(event_capacity: usize) -> Self {
        Shared {
            snapshot: std::sync::Mutex::new(Snapshot {
                state: SessionState::NotAuthenticated,
                capabilities: Vec::new(),
                tls: false,
                compress: false,
                failure: None,
            }),
            events: EventQueue::new(event_capacity),
        }
    }

    /// The snapshot as last published.
    pub(crate) fn snapshot(&self) -> Snapshot {
        self.snapshot
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }
}

/// A timed-out op still in the core: called on every loop run, true once its result was
/// taken out (and dropped).
pub(crate) type Abandoned = Box<dyn FnMut(&mut Connection) -> bool + Send>;

/// The socket and the core, owned by whichever call holds the lock.
pub(crate) struct Inner {
    pub conn: Connection,
    stream: TcpStream,
    /// The current write batch and how much of it is written.
    out: Vec<u8>,
    written: usize,
    /// The socket can no longer be read (EOF or error).
    closed: bool,
    abandoned: Vec<Abandoned>,
}

impl Inner {
    pub(crate) fn new(conn: Connection, stream: TcpStream) -> Self {
        Inner {
            conn,
            stream,
            out: Vec::with_capacity(16 * 1024),
            written: 0,
            closed: false,
            abandoned: Vec::new(),
        }
    }

    /// Leaves an unfinished op to later loop runs, which discard its result.
    pub(crate) fn abandon(&mut self, pump: Abandoned) {
        self.abandoned.push(pump);
    }

    /// Runs the loop until `done` returns a value or `deadline` passes (`Error::Timeout`).
    pub(crate) fn drive<T>(
        &mut self,
        shared: &Shared,
        deadline: Instant,
        mut done: impl FnMut(&mut Connection) -> Option<T>,
    ) -> Result<T, Error> {
        loop {
            self.transmit();
            self.settle(shared);
            if let Some(value) = done(&mut self.conn) {
                return Ok(value);
            }
            self.step(shared, deadline)?;
        }
    }

    /// One blocking I/O step: write what is pending, or else read once.
    pub(crate) fn step(&mut self, shared: &Shared, deadline: Instant) -> Result<(), Error> {
        self.transmit();
        let result = if self.written < self.out.len() {
            self.write_some(deadline)
        } else if self.closed {
            Err(self.failure())
        } else {
            self.read_some(deadline)
        };
        self.settle(shared);
        result
    }

    /// Takes the core's next batch once the previous one is out.
    fn transmit(&mut self) {
        if self.written == self.out.len() {
            self.out.clear();
            self.written = 0;
            self.conn.poll_transmit(&mut self.out);
        }
    }

    fn write_some(&mut self, deadline: Instant) -> Result<(), Error> {
        let remaining = remaining(deadline)?;
        self.stream.set_write_timeout(Some(remaining))?;
        match self.stream.write(&self.out[self.written..]) {
            Ok(0) => self.socket_failed(io::ErrorKind::WriteZero.into()),
            Ok(n) => self.written += n,
            Err(e) if is_timeout(&e) => return Err(Error::Timeout),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => self.socket_failed(e),
        }
        Ok(())
    }

    fn read_some(&mut self, deadline: Instant) -> Result<(), Error> {
        let remaining = remaining(deadline)?;
        self.stream.set_read_timeout(Some(remaining))?;
        match read_into(&mut self.stream, &mut self.conn) {
            Ok(0) => {
                self.closed = true;
                self.conn.handle_eof();
            }
            Ok(_) => {}
            Err(e) if is_timeout(&e) => return Err(Error::Timeout),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => self.socket_failed(e),
        }
        Ok(())
    }

    fn socket_failed(&mut self, error: io::Error) {
        self.closed = true;
        self.out.clear();
        self.written = 0;
        self.conn.handle_io_error(error);
    }

    /// The error for a call on a closed socket: [`Error::ConnectionFailed`] with the cause.
    fn failure(&self) -> Error {
        Error::ConnectionFailed(
            self.conn
                .failure()
                .cloned()
                .unwrap_or_else(|| std::sync::Arc::new(Error::ConnectionClosed)),
        )
    }

    /// Publishes the snapshot, moves events to the queue, then lets abandoned ops take
    /// their results (in that order, so a caller that gets its result sees the state and
    /// events that came with it).
    pub(crate) fn settle(&mut self, shared: &Shared) {
        let session = self.conn.session();
        let failure = self.conn.failure().cloned();
        {
            let mut s = shared.snapshot.lock().unwrap_or_else(|p| p.into_inner());
            if s.state != session.state() || s.capabilities != session.capabilities() {
                s.state = session.state();
                s.capabilities = session.capabilities().to_vec();
            }
            s.tls = session.tls_active();
            s.compress = session.compress_active();
            s.failure = failure;
        }
        if self.conn.events_pending() > 0 {
            let conn = &mut self.conn;
            shared
                .events
                .extend(std::iter::from_fn(|| conn.poll_event()));
        }
        if self.conn.failure().is_some() {
            shared.events.close();
        }
        let conn = &mut self.conn;
        self.abandoned.retain_mut(|pump| !pump(conn));
        if !self.closed && self.conn.is_over() {
            // The session is over: a fatal error (the core ignores all further input) or a
            // completed LOGOUT or BYE. Close the socket now, as the async adapters' drivers
            // do when they end, so the server sees the end at once and `next_event` reports
            // it instead of waiting. After a LOGOUT, TLS's close_notify (queued by the core
            // at this point) goes out first.
            self.transmit();
            if self.conn.failure().is_none() && self.written < self.out.len() {
                let _ = self.stream.set_write_timeout(Some(CLOSE_WRITE_TIMEOUT));
                let _ = self.stream.write_all(&self.out[self.written..]);
                self.written = self.out.len();
            }
            let _ = self.stream.shutdown(std::net::Shutdown::Both);
            self.closed = true;
            shared.events.close();
        }
    }

    /// Writes everything pending, in blocking mode.
    fn flush(&mut self, shared: &Shared, deadline: Instant) -> Result<(), Error> {
        self.transmit();
        while self.written < self.out.len() {
            self.write_some(deadline)?;
            self.transmit();
        }
        self.settle(shared);
        Ok(())
    }

    /// The waiting part of IDLE: sends the IDLE command, then waits until the server pushes
    /// data, the op ends, `deadline` passes or `cancel` fires. The socket is switched to
    /// non-blocking mode and registered with a mio `Poll` together with a `Waker` that the
    /// token holds while the wait runs, so a `cancel()` from any thread ends the `poll`
    /// at once; nothing polls on a timer.
    pub(crate) fn wait_idle(
        &mut self,
        shared: &Shared,
        id: &OpId<Idle>,
        deadline: Instant,
        cancel: &CancellationToken,
    ) -> Result<IdleWake, Error> {
        match self.flush(shared, deadline) {
            Ok(()) => {}
            Err(Error::Timeout) => return Ok(IdleWake::TimedOut),
            Err(e) => return Err(e),
        }
        let socket = self.stream.try_clone()?;
        socket.set_nonblocking(true)?;
        let mut source = MioStream::from_std(socket);
        let result = self.poll_idle(shared, &mut source, id, deadline, cancel);
        // The clone shares the socket's file description: drop it, then make the
        // connection's own handle blocking again.
        drop(source);
        self.stream.set_nonblocking(false)?;
        result
    }

    fn poll_idle(
        &mut self,
        shared: &Shared,
        source: &mut MioStream,
        id: &OpId<Idle>,
        deadline: Instant,
        cancel: &CancellationToken,
    ) -> Result<IdleWake, Error> {
        let mut poll = Poll::new()?;
        let waker = Arc::new(Waker::new(poll.registry(), WAKE)?);
        poll.registry()
            .register(source, SOCKET, Interest::READABLE)?;
        // Armed before the flag is checked: a cancel() between the two still wakes us.
        let _armed = cancel.arm(waker);
        let mut events = Events::with_capacity(4);
        let wake = loop {
            if cancel.is_cancelled() {
                break IdleWake::Cancelled;
            }
            // mio is edge-triggered: read until the socket is empty before polling again.
            while !self.closed {
                match read_into(source, &mut self.conn) {
                    Ok(0) => {
                        self.closed = true;
                        self.conn.handle_eof();
                    }
                    Ok(_) => {}
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => self.socket_failed(e),
                }
            }
            self.settle(shared);
            match self.conn.op_mut(id) {
                None => break IdleWake::Ended,
                Some(op) if op.has_activity() => break IdleWake::Activity,
                Some(_) if self.closed => break IdleWake::Ended,
                Some(_) => {}
            }
            let Some(left) = deadline.checked_duration_since(Instant::now()) else {
                break IdleWake::TimedOut;
            };
            match poll.poll(&mut events, Some(left)) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e.into()),
            }
        };
        poll.registry().deregister(source)?;
        Ok(wake)
    }
}

/// What is left before `deadline`; `Error::Timeout` once it passed (a zero socket timeout
/// would mean "no timeout" to the OS).
fn remaining(deadline: Instant) -> Result<Duration, Error> {
    match deadline.checked_duration_since(Instant::now()) {
        Some(left) if !left.is_zero() => Ok(left),
        _ => Err(Error::Timeout),
    }
}

/// A socket timeout shows as `WouldBlock` on Unix and `TimedOut` on Windows.
fn is_timeout(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}

/// `now + timeout`, saturating far in the future for huge timeouts.
/// One read straight into the core's buffer ([`Connection::read_slice`]): without TLS or
/// COMPRESS that is where responses are parsed, so nothing is copied into the core.
fn read_into(source: &mut impl Read, conn: &mut Connection) -> io::Result<usize> {
    let result = source.read(conn.read_slice(READ_CHUNK));
    conn.handle_read_len(*result.as_ref().unwrap_or(&0));
    result
}

/// How long the last bytes of a session (TLS's close_notify) may take to write.
const CLOSE_WRITE_TIMEOUT: Duration = Duration::from_secs(1);

pub(crate) fn deadline_after(timeout: Duration) -> Instant {
    let now = Instant::now();
    now.checked_add(timeout)
        .unwrap_or_else(|| now + Duration::from_secs(100 * 365 * 24 * 3600))
}
