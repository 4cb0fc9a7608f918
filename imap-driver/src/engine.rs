//! [`Engine`]: the core with what every run loop keeps beside it, whatever moves its bytes
//! (the async driver task, or the blocking adapter's calling thread): the calls being
//! answered, the write batch, and whether the stream can still be read.
//!
//! A run loop follows the core's contract through it: [`Engine::transmit`] the next batch
//! once the last is written, [`Engine::settle`] (events, snapshot, answers), then write
//! [`Engine::unwritten`] and report it with [`Engine::wrote`], or read into
//! [`Engine::conn`] and report it with [`Engine::read_done`]; repeat.

use std::io;
use std::sync::Arc;

use imap_proto_core::{Connection, Error, TimeoutVerdict};

use crate::calls::Calls;
use crate::events::EventQueue;
use crate::observe::Observer;
use crate::snapshot::SharedSnapshot;

/// The largest write buffer an idle connection keeps.
const IDLE_OUT_CAPACITY: usize = 4 * 1024;

/// The core and its run loop's state.
pub struct Engine {
    /// The sans-IO connection.
    pub conn: Connection,
    /// The calls it is answering.
    pub calls: Calls,
    /// The current write batch and how much of it is written.
    out: Vec<u8>,
    written: usize,
    /// The stream can no longer be read (EOF or error).
    closed: bool,
    /// What `tracing` has been told about the session.
    observer: Observer,
    /// How many responses a blocking `FetchIter` holds for its consumer
    /// (`ConnectOptions::fetch_stream_capacity`).
    pub fetch_stream_capacity: usize,
    /// The session's capabilities generation when the snapshot was last published.
    published_capabilities: Option<u64>,
}

impl Engine {
    /// A run loop's state for `conn`, with at most `max_in_flight` ops submitted at once.
    pub fn new(conn: Connection, max_in_flight: usize) -> Self {
        Engine {
            conn,
            calls: Calls::new(max_in_flight),
            out: Vec::new(),
            written: 0,
            closed: false,
            observer: Observer::default(),
            fetch_stream_capacity: crate::handover::DEFAULT_FETCH_STREAM_CAPACITY,
            published_capabilities: None,
        }
    }

    /// Takes the core's next batch (everything it has ready: one write per batch) once
    /// the previous one is written.
    pub fn transmit(&mut self) {
        if self.written == self.out.len() {
            self.out.clear();
            self.written = 0;
            self.conn.poll_transmit(&mut self.out);
            if self.out.is_empty() && self.out.capacity() > IDLE_OUT_CAPACITY {
                // A large APPEND's batch is not kept by the idle connection.
                self.out = Vec::new();
            }
        }
    }

    /// What is left of the batch to write.
    pub fn unwritten(&self) -> &[u8] {
        &self.out[self.written..]
    }

    /// Records a write of `n` bytes of [`Engine::unwritten`]; a write of none failed.
    pub fn wrote(&mut self, n: usize) {
        if n == 0 {
            self.failed(io::ErrorKind::WriteZero.into());
        } else {
            self.written += n;
        }
    }

    /// Records a read's outcome (the bytes themselves are in the core already): `Ok(0)` is
    /// the end of the stream.
    pub fn read_done(&mut self, read: io::Result<usize>) {
        match read {
            Ok(0) => {
                self.closed = true;
                self.conn.handle_eof();
            }
            Ok(_) => {}
            Err(e) => self.failed(e),
        }
    }

    /// The stream failed: nothing more is written or read; every call gets the error.
    pub fn failed(&mut self, error: io::Error) {
        self.closed = true;
        self.out.clear();
        self.written = 0;
        self.conn.handle_io_error(error);
    }

    /// Marks the stream closed by us (the session is over).
    pub fn close(&mut self) {
        self.closed = true;
    }

    /// True once the stream can no longer be read.
    pub fn is_closed(&self) -> bool {
        self.closed
    }

    /// The error for a call on a closed stream: [`Error::ConnectionFailed`] with the cause.
    pub fn failure(&self) -> Error {
        let cause = self.conn.failure().cloned();
        Error::ConnectionFailed(cause.unwrap_or_else(|| Arc::new(Error::ConnectionClosed)))
    }

    /// A call's timeout elapsed, its caller having closed its reply: enacts the one rule
    /// for timeouts (issue 12, [`Calls::timed_out`]) and returns the call's error. Server
    /// still sending: [`Error::Timeout`], the connection stays usable. Peer presumed dead:
    /// [`Error::PeerUnresponsive`]; the core failed every pending op with it, later calls
    /// fail at once, and the run loop closes the socket as the session is over.
    pub fn timed_out(&mut self) -> Error {
        match self.calls.timed_out(&mut self.conn) {
            TimeoutVerdict::ServerStillSending => Error::Timeout,
            _ => match self.conn.failure() {
                Some(cause) if matches!(**cause, Error::PeerUnresponsive) => {
                    Error::PeerUnresponsive
                }
                _ => self.failure(),
            },
        }
    }

    /// Moves events to `events`, publishes `snapshot`, then answers finished calls (in that
    /// order, so a caller that gets its result sees the state and events that came with
    /// it). After a failure the queue is closed. True when calls that waited for room were
    /// submitted: their commands are ready to transmit.
    pub fn settle(&mut self, snapshot: &SharedSnapshot, events: &EventQueue) -> bool {
        // Events first: `connect` waits for the snapshot to say "greeted", and then expects
        // the greeting's events (a BYE greeting's text) to be queued.
        self.observer.observe(&mut self.conn);
        if self.conn.events_pending() > 0 {
            let (conn, observer) = (&mut self.conn, &self.observer);
            events.extend(std::iter::from_fn(|| conn.poll_event()).inspect(|e| observer.event(e)));
        }
        let generation = self.conn.session().capabilities_generation();
        snapshot.publish(&self.conn, self.published_capabilities != Some(generation));
        self.published_capabilities = Some(generation);
        if self.conn.failure().is_some() {
            events.close();
        }
        let submitted = self.calls.pump(&mut self.conn);
        self.release_if_quiet();
        submitted
    }

    /// If no call awaits an answer but an IDLE, the loop may wait long: the core's read
    /// buffer and every spare capacity go back to the allocator (issue 16: an idle
    /// connection costs a few KiB), and the next command or read allocates again. Run loops
    /// call it right before they wait (a readiness probe that found nothing to read may
    /// have taken a read buffer since [`Engine::settle`]).
    pub fn release_if_quiet(&mut self) {
        if !self.calls.is_quiet() {
            return;
        }
        self.conn.release_spare_memory();
        self.calls.release_spare_memory();
        if self.written == self.out.len() && self.out.capacity() > 0 {
            self.out = Vec::new();
            self.written = 0;
        }
    }

    /// True when the loop has nothing left to do: the session ended (LOGOUT or BYE) with no
    /// call pending and the batch written, or the connection failed and every call was
    /// answered.
    pub fn finished(&self) -> bool {
        self.calls.is_empty() && self.written == self.out.len() && self.conn.is_over()
    }
}
