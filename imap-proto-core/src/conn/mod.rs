//! The sans-IO connection: bytes in, typed results, events and bytes out.
//!
//! # The run-loop contract
//!
//! A driver (an adapter, or your own event loop) owns the socket and does, in order:
//!
//! 1. [`Connection::submit`] an op. Requirement checks happen here, before any byte is sent:
//!    a wrong state, a missing capability, an APPENDLIMIT overrun or an argument that cannot
//!    be encoded is returned as the error of `submit`, and nothing is queued.
//! 2. [`Connection::poll_transmit`] and write everything it returns to the socket.
//! 3. Read from the socket and pass the bytes to [`Connection::handle_input`] (or call
//!    [`Connection::handle_eof`] when the peer closed).
//! 4. [`Connection::take_output`] for the op's result and [`Connection::poll_event`] for
//!    unsolicited data; repeat from 2 until the result is there. Ops that hand out data
//!    while they run (a streamed FETCH, IDLE) are reached with [`Connection::op_mut`];
//!    whatever a streamed FETCH still holds when it completes comes back in its result.
//!
//! Ops wait in a queue and start in order: pipelinable ops together, unless they would take
//! the same kind of untagged data without being able to tell whose it is
//! ([`Claims`](crate::contract::Claims)); any other op alone. A queued op is checked again when it
//! starts, since the ops ahead of it may have changed the session; if it no longer passes,
//! its result is the error and nothing is sent.
//!
//! When the connection fails (bad input, TLS or DEFLATE error, an unknown tag, EOF) every
//! pending op fails: the oldest with the cause, the others with [`Error::ConnectionFailed`];
//! a protocol violation by the server (an unknown tag, an unexpected `+`, plaintext after the
//! STARTTLS OK) reaches the oldest as [`Error::ConnectionFailed`] too, so that every error
//! an op sees for a dead connection is [`Error::is_fatal`]. After a `* BYE` the server's
//! reason is the error ([`Error::Bye`]). A tagged response ends its command: a literal not
//! yet sent (still waiting for `+`) is dropped, never sent later. The core has no clock: the
//! driver enforces timeouts. `docs/security.md` lists what each kind of error leaves.

use std::any::Any;
use std::collections::{HashMap, VecDeque};
use std::marker::PhantomData;
use std::sync::Arc;

use bytes::{Bytes, BytesMut};

pub mod event_buffer;
pub mod record;
mod spare;
pub mod trace;

use crate::encode::{Fragment, LiteralMode};
use crate::contract::session::{Session, SessionState};
use crate::contract::{Effect, ErasedOp, Op, OpContext, QueuedCommand, Step, TagGenerator};
use crate::parse::frame::{Frame, Framer};
use crate::parse::{self};
use crate::types::{
    FetchStreamHead, MessageAttribute, Response, StatusKind, StatusResponse, StreamPart, StreamedAttribute,
    Tagged, Untagged,
};
use crate::{Config, Error, Precondition, ProtocolViolation};
use crate::types::TypedEvent;
use crate::upgrade::{self, Layers, TlsSetup};

/// Identifies a submitted op and the type of its result.
pub struct OpId<O: Op> {
    id: u64,
    _op: PhantomData<fn() -> O>,
}

impl<O: Op> OpId<O> {
    /// The raw id, unique within the connection.
    pub fn raw(&self) -> u64 {
        self.id
    }
}

impl<O: Op> Clone for OpId<O> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<O: Op> Copy for OpId<O> {}
impl<O: Op> std::fmt::Debug for OpId<O> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "OpId({})", self.id)
    }
}

struct InFlight {
    id: u64,
    op: Box<dyn ErasedOp>,
    tag: String,
    /// A response of the kind this op takes failed the grammar while it ran: its result
    /// says so instead of succeeding without that response's data.
    unparsed: Option<parse::ParseError>,
    /// [`Connection::bytes_received`] when the op's latest command (or IDLE's `DONE`) was
    /// queued: whether the server has sent anything since tells a dead peer from a slow
    /// one ([`Connection::timed_out`]).
    received_at_start: u64,
}

/// A command waiting to be written, with its progress.
struct Outgoing {
    tag: Option<String>,
    fragments: VecDeque<Fragment>,
    sensitive: bool,
    /// None of it has been written yet.
    fresh: bool,
}

/// The state of a streamed FETCH literal.
struct StreamState {
    seq: u32,
    attribute: StreamedAttribute,
    offset: u64,
    claimed_by: Option<u64>,
    /// The response's head failed the grammar and was stepped over: its literal and tail
    /// are read and dropped.
    discard: bool,
}

/// The sans-IO IMAP client connection.
pub struct Connection {
    config: Config,
    session: Session,
    layers: Layers,
    framer: Framer,
    tags: TagGenerator,
    next_op_id: u64,
    queued: VecDeque<(u64, Box<dyn ErasedOp>)>,
    in_flight: VecDeque<InFlight>,
    outputs: HashMap<u64, Result<Box<dyn Any + Send>, Error>>,
    outgoing: VecDeque<Outgoing>,
    awaiting_continuation: bool,
    plain_out: Vec<u8>,
    /// Compressed bytes received and not inflated yet: they are inflated a piece at a time
    /// as the framer drains, so its limits apply to what a small read can expand into.
    inflate_backlog: BytesMut,
    /// The inflater filled its last piece and may hold more output.
    inflate_pending: bool,
    /// TLS's `close_notify` has been queued (once the session is over).
    close_notify_sent: bool,
    events: VecDeque<TypedEvent>,
    dropped_events: u64,
    stream: Option<StreamState>,
    /// The last `* BYE`: ops still running when the connection then closes fail with it.
    bye: Option<StatusResponse>,
    /// A `* BYE` came outside LOGOUT: every op failed with it at once, later submits fail
    /// with it, and input is still read until the server closes (RFC 9051 §7.1.5).
    closing: bool,
    /// Server bytes received so far (before TLS and DEFLATE are removed).
    received: u64,
    /// [`Framer::buffered_len`] when the last read into the framer's buffer started.
    read_mark: usize,
    /// The error that ended the connection (never a [`Error::ConnectionFailed`]).
    failed: Option<Arc<Error>>,
    scratch: Vec<u8>,
    /// The protocol log, when switched on ([`Connection::set_trace`]).
    trace: Option<Box<trace::Tracer>>,
    /// The command records, when switched on ([`Connection::set_command_records`]).
    records: Option<Box<record::Recorder>>,
    /// Where [`Connection::read_buffer`] last pointed the caller's read.
    read_target: ReadTarget,
    /// The staging buffer of [`Connection::read_buffer`] while TLS or COMPRESS is active (or
    /// the connection failed): its bytes go through [`Connection::handle_input`].
    read_stage: BytesMut,
    /// The buffer and offset of a [`Connection::read_slice`] not yet settled by
    /// [`Connection::handle_read_len`] (its zero-filled tail is not input).
    open_slice: Option<(ReadTarget, usize)>,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("state", &self.session.state())
            .field("tls", &self.session.tls_active())
            .field("compress", &self.session.compress_active())
            .field("in_flight", &self.in_flight.len())
            .field("queued_events", &self.events.len())
            .field("failed", &self.failed)
            .finish_non_exhaustive()
    }
}

impl Connection {
    /// A connection over a plain (or already-secured) byte stream. The server's greeting is
    /// the first thing to arrive.
    pub fn new(config: Config) -> Self {
        let framer = Framer::new(config.limits.clone());
        Connection {
            config,
            session: Session::new(false),
            layers: Layers::default(),
            framer,
            tags: TagGenerator::default(),
            next_op_id: 0,
            queued: VecDeque::new(),
            in_flight: VecDeque::new(),
            outputs: HashMap::new(),
            outgoing: VecDeque::new(),
            awaiting_continuation: false,
            plain_out: Vec::new(),
            inflate_backlog: BytesMut::new(),
            inflate_pending: false,
            close_notify_sent: false,
            events: VecDeque::new(),
            dropped_events: 0,
            stream: None,
            bye: None,
            closing: false,
            received: 0,
            read_mark: 0,
            failed: None,
            scratch: Vec::new(),
            trace: None,
            records: None,
            read_target: ReadTarget::Stage,
            read_stage: BytesMut::new(),
            open_slice: None,
        }
    }

    /// A connection that starts with a TLS handshake (implicit TLS, RFC 8314 §3.3). The
    /// ClientHello comes out of the first [`Connection::poll_transmit`].
    pub fn new_tls(config: Config, tls: TlsSetup) -> Result<Self, Error> {
        let mut conn = Connection::new(config);
        conn.layers.start_tls(tls)?;
        conn.session.tls_active = true;
        Ok(conn)
    }

    /// The session: state, capabilities, enabled extensions, selected mailbox.
    pub fn session(&self) -> &Session {
        &self.session
    }

    /// True once the greeting has arrived.
    pub fn is_greeted(&self) -> bool {
        self.session.greeted
    }

    /// The error that ended the connection, if it failed: the first op to see the failure
    /// got this error, later ones [`Error::ConnectionFailed`] with it inside.
    pub fn failure(&self) -> Option<&Arc<Error>> {
        self.failed.as_ref()
    }

    /// True while the TLS handshake runs.
    pub fn is_tls_handshaking(&self) -> bool {
        self.layers.tls_handshaking()
    }

    /// Received bytes held and not handed out yet: the framer's buffer, and with COMPRESS
    /// the compressed bytes not inflated yet. While a large FETCH literal streams this stays
    /// around one read's worth, whatever the literal's size.
    pub fn buffered_input_len(&self) -> usize {
        self.framer.buffered_len() + self.inflate_backlog.len()
    }

    /// True once the session is over: the connection failed, or it reached Logout (LOGOUT
    /// completed, or the server said BYE) with no op pending. Nothing more can happen on
    /// it; an adapter writes what [`Connection::poll_transmit`] still gives (TLS's
    /// `close_notify`) and closes the socket.
    ///
    /// After a `* BYE` outside LOGOUT it stays false until the server closes: the client
    /// reads until then (RFC 9051 §7.1.5), while every call already failed with the BYE.
    pub fn is_over(&self) -> bool {
        self.failed.is_some()
            || (self.session.state == SessionState::Logout
                && self.ops_pending() == 0
                && !self.closing)
    }

    /// Number of ops submitted and not yet finished.
    pub fn ops_pending(&self) -> usize {
        self.queued.len() + self.in_flight.len()
    }

    /// Submits an op. State and capability requirements are checked now; nothing is sent if
    /// they fail.
    pub fn submit<O: Op>(&mut self, op: O) -> Result<OpId<O>, Error> {
        if let Some(cause) = &self.failed {
            return Err(Error::ConnectionFailed(cause.clone()));
        }
        if self.closing
            && let Some(bye) = &self.bye
        {
            return Err(bye_error(bye));
        }
        if !self.session.greeted {
            return Err(Precondition::NotGreeted.into());
        }
        op.check(&self.session)?;
        if self.ops_pending() >= self.config.max_in_flight {
            return Err(Error::TooManyInFlight(self.config.max_in_flight));
        }
        self.next_op_id += 1;
        let id = self.next_op_id;
        self.queued.push_back((id, Box::new(op)));
        self.start_queued();
        // An op that could start at once but failed to (its command did not encode) has
        // sent nothing: report that here rather than through `take_output`.
        if !self.is_pending(id)
            && let Some(Err(_)) = self.outputs.get(&id)
            && let Some(Err(e)) = self.outputs.remove(&id)
        {
            return Err(e);
        }
        Ok(OpId {
            id,
            _op: PhantomData,
        })
    }

    fn is_pending(&self, id: u64) -> bool {
        self.in_flight.iter().any(|f| f.id == id) || self.queued.iter().any(|(q, _)| *q == id)
    }

    /// The op's result once it has finished: `None` while it runs. A result is handed out
    /// once.
    pub fn take_output<O: Op>(&mut self, id: &OpId<O>) -> Option<Result<O::Output, Error>> {
        let result = self.outputs.remove(&id.id)?;
        Some(result.and_then(|boxed| {
            boxed
                .downcast::<O::Output>()
                .map(|b| *b)
                .map_err(|_| Error::Internal("op output of an unexpected type"))
        }))
    }

    /// Mutable access to an in-flight op, for ops that hand out data while they run
    /// (streaming FETCH, IDLE).
    pub fn op_mut<O: Op>(&mut self, id: &OpId<O>) -> Option<&mut O> {
        self.in_flight
            .iter_mut()
            .find(|f| f.id == id.id)
            .map(|f| &mut f.op)
            .or_else(|| {
                self.queued
                    .iter_mut()
                    .find(|(qid, _)| *qid == id.id)
                    .map(|(_, op)| op)
            })
            .and_then(|op| op.as_any_mut().downcast_mut::<O>())
    }

    /// The next unsolicited event, if any.
    pub fn poll_event(&mut self) -> Option<TypedEvent> {
        if self.dropped_events > 0 {
            let n = std::mem::take(&mut self.dropped_events);
            return Some(TypedEvent::EventsDropped(n));
        }
        self.events.pop_front()
    }

    /// Number of queued events.
    pub fn events_pending(&self) -> usize {
        self.events.len() + usize::from(self.dropped_events > 0)
    }

    /// Switches the protocol log on or off (off by default). While on, every line sent and
    /// received is recorded, credentials masked and large literals elided (see [`TraceLine`](crate::TraceLine));
    /// take the entries with [`Connection::poll_trace`]. Switching it off drops what was
    /// not taken.
    pub fn set_trace(&mut self, on: bool) {
        match (on, self.trace.is_some()) {
            (true, false) => self.trace = Some(Box::default()),
            (false, true) => self.trace = None,
            _ => {}
        }
    }

    /// True while the protocol log is on.
    pub fn is_tracing(&self) -> bool {
        self.trace.is_some()
    }

    /// The next protocol log entry, oldest first. The log keeps at most
    /// `TRACE_QUEUE_LIMIT` (4,096) entries; older ones are dropped and the gap is reported.
    pub fn poll_trace(&mut self) -> Option<trace::TraceLine> {
        self.trace.as_mut()?.poll()
    }

    /// Switches command records on or off (off by default). While on, each tagged command
    /// is recorded when it is sent and when it completes (see [`CommandRecord`](crate::CommandRecord)), for a driver
    /// to time; take them with [`Connection::poll_command_record`]. Switching it off drops
    /// what was not taken.
    pub fn set_command_records(&mut self, on: bool) {
        match (on, self.records.is_some()) {
            (true, false) => self.records = Some(Box::default()),
            (false, true) => self.records = None,
            _ => {}
        }
    }

    /// True while command records are on.
    pub fn is_recording_commands(&self) -> bool {
        self.records.is_some()
    }

    /// The next command record, oldest first; at most `RECORD_QUEUE_LIMIT` (4,096) are
    /// kept.
    pub fn poll_command_record(&mut self) -> Option<record::CommandRecord> {
        self.records.as_mut()?.poll()
    }

    /// Appends every byte ready for the wire to `out` and returns how many were added.
    pub fn poll_transmit(&mut self, out: &mut Vec<u8>) -> usize {
        let before = out.len();
        if self.failed.is_some() {
            return 0;
        }
        self.release_outgoing();
        if !self.close_notify_sent
            && self.is_over()
            && self.outgoing.is_empty()
            && self.layers.tls_active()
        {
            // The session is over (LOGOUT completed, or the server said BYE): end TLS
            // properly, so the server can tell our close from a truncation attack.
            self.layers.close_notify();
            self.close_notify_sent = true;
        }
        let plain = std::mem::take(&mut self.plain_out);
        if let Err(e) = self.layers.write_wire(&plain, out) {
            self.fail(e);
        }
        self.plain_out = plain;
        self.plain_out.clear();
        out.len() - before
    }

    /// Moves command bytes into `plain_out`, stopping at a synchronizing literal until the
    /// server's `+` arrives (RFC 9051 §4.3).
    fn release_outgoing(&mut self) {
        while let Some(front) = self.outgoing.front_mut() {
            if self.awaiting_continuation {
                return;
            }
            if let Some(tracer) = &mut self.trace
                && std::mem::take(&mut front.fresh)
            {
                tracer.start_command(front.tag.as_deref(), front.sensitive);
            }
            while let Some(fragment) = front.fragments.pop_front() {
                if let Some(tracer) = &mut self.trace {
                    tracer.sent(front.tag.as_deref(), &fragment);
                }
                if let Some(records) = &mut self.records {
                    records.sent(
                        front.tag.as_deref(),
                        &fragment,
                        self.received,
                        self.session.name_encoding(),
                    );
                }
                match fragment {
                    Fragment::Line(line) => self.plain_out.extend_from_slice(&line),
                    Fragment::Literal { data, mode } => {
                        self.plain_out.extend_from_slice(&data);
                        let _ = mode;
                    }
                }
                if let Some(Fragment::Literal {
                    mode: LiteralMode::Sync,
                    ..
                }) = front.fragments.front()
                {
                    self.awaiting_continuation = true;
                    return;
                }
            }
            self.outgoing.pop_front();
        }
    }

    /// Where the next socket read should go, for adapters that can read into a `BytesMut`
    /// (tokio's `AsyncReadExt::read_buf`): append at most `read_size` bytes (one read) to
    /// the returned buffer, then call [`Connection::handle_read`]. Only append; the bytes
    /// already in the buffer are not the caller's.
    ///
    /// Without TLS or COMPRESS this is the framer's own buffer
    /// (`Framer::read_buffer`): responses, and
    /// the literals in them, arrive where they are parsed, and nothing is copied or joined.
    /// With TLS or COMPRESS the wire bytes must be decrypted or inflated first, so it is a
    /// staging buffer and `handle_read` is [`Connection::handle_input`] on its contents.
    pub fn read_buffer(&mut self, read_size: usize) -> &mut BytesMut {
        match self.start_read() {
            ReadTarget::Framer => self.framer.read_buffer(read_size),
            ReadTarget::Stage => {
                self.read_stage.reserve(read_size);
                &mut self.read_stage
            }
        }
    }

    /// For reads that fill a `&mut [u8]` (futures-io `AsyncRead`, `std::io::Read`): a
    /// zero-filled slice of `read_size` bytes at the end of [`Connection::read_buffer`].
    /// Read into it, then call [`Connection::handle_read_len`] with the count the read
    /// returned. A read abandoned half way (a dropped future) needs nothing: the next call
    /// discards the slice. Costs a memset per read, but saves copying the read into the
    /// core.
    pub fn read_slice(&mut self, read_size: usize) -> &mut [u8] {
        let target = self.start_read();
        let buf = match target {
            ReadTarget::Framer => self.framer.read_buffer(read_size),
            ReadTarget::Stage => &mut self.read_stage,
        };
        let start = buf.len();
        buf.resize(start + read_size, 0);
        self.open_slice = Some((target, start));
        &mut buf[start..]
    }

    /// Picks the buffer for the next read: the framer's while the wire bytes are IMAP
    /// bytes, else the (emptied) staging buffer. A slice read that never completed (its
    /// future was dropped) is discarded first.
    fn start_read(&mut self) -> ReadTarget {
        self.settle_slice(0);
        self.read_mark = self.framer.buffered_len();
        self.read_target = if self.failed.is_none()
            && !self.layers.tls_active()
            && !self.layers.deflate_active()
        {
            ReadTarget::Framer
        } else {
            self.read_stage.clear();
            ReadTarget::Stage
        };
        self.read_target
    }

    /// Keeps the first `n` bytes of the last [`Connection::read_slice`] and processes them.
    pub fn handle_read_len(&mut self, n: usize) {
        if self.open_slice.is_some() {
            self.settle_slice(n);
            self.handle_read();
        }
    }

    /// Cuts the open slice read (if any) down to the `n` bytes the read returned.
    fn settle_slice(&mut self, n: usize) {
        if let Some((target, start)) = self.open_slice.take() {
            match target {
                ReadTarget::Framer => self.framer.truncate_read_buffer(start + n),
                ReadTarget::Stage => self.read_stage.truncate(start + n),
            }
        }
    }

    /// Processes what was appended to [`Connection::read_buffer`] since it was called.
    pub fn handle_read(&mut self) {
        if self.read_target == ReadTarget::Framer {
            let appended = self.framer.buffered_len().saturating_sub(self.read_mark);
            self.received += appended as u64;
            self.read_mark = self.framer.buffered_len();
        }
        match self.read_target {
            ReadTarget::Framer if self.failed.is_none() => self.process_frames(),
            // Appended after a failure: dropped unread, like any input then.
            ReadTarget::Framer => {}
            ReadTarget::Stage => {
                let staged = std::mem::take(&mut self.read_stage);
                self.handle_input(&staged);
                self.read_stage = staged;
                self.read_stage.clear();
            }
        }
    }

    /// Feeds bytes read from the socket.
    pub fn handle_input(&mut self, wire: &[u8]) {
        if self.failed.is_some() {
            return;
        }
        self.received += wire.len() as u64;
        // Without TLS the wire bytes are the IMAP bytes: hand them on directly instead of
        // copying them through the scratch buffer first (one copy per byte, not two).
        if !self.layers.tls_active() {
            if self.layers.deflate_active() {
                self.inflate_backlog.extend_from_slice(wire);
            } else {
                self.framer.push(wire);
            }
            self.process_frames();
            return;
        }
        // Decrypted straight into where the bytes are consumed: the framer's read buffer,
        // or the inflate backlog.
        let decrypted = if self.layers.deflate_active() {
            self.layers.decrypt(wire, &mut self.inflate_backlog)
        } else {
            self.layers.decrypt(wire, &mut self.framer)
        };
        if let Err(e) = decrypted {
            self.fail(e);
            return;
        }
        self.process_frames();
    }

    /// Inflates the next piece of the compressed backlog into the framer. Returns true if
    /// that made progress, so the framer may have a frame now.
    fn inflate_more(&mut self) -> Result<bool, Error> {
        if self.inflate_backlog.is_empty() && !self.inflate_pending {
            return Ok(false);
        }
        let mut plain = std::mem::take(&mut self.scratch);
        plain.clear();
        let piece = self.layers.inflate_piece(&self.inflate_backlog, &mut plain);
        let piece = match piece {
            Ok(piece) => piece,
            Err(e) => {
                self.scratch = plain;
                return Err(e);
            }
        };
        let _ = self
            .inflate_backlog
            .split_to(piece.consumed.min(self.inflate_backlog.len()));
        self.inflate_pending = piece.produced == upgrade::INFLATE_PIECE;
        self.framer.push(&plain);
        self.scratch = plain;
        Ok(piece.consumed > 0 || piece.produced > 0)
    }

    /// Tells the connection that the caller waiting for op `id` gave up (its timeout
    /// elapsed), and enacts the one rule for timeouts (issue 12): if the server sent nothing
    /// since the op's (latest) command went out (or, for an op still queued, since the oldest op in
    /// flight went out), the peer is presumed dead and the connection fails with
    /// [`Error::PeerUnresponsive`]: every pending op gets it, every later call fails at once,
    /// and the driver closes the socket ([`Connection::is_over`]). If the server was still
    /// sending, the connection stays usable: the op stays pending and its late answer is
    /// read and dropped, and the call reports [`Error::Timeout`]. The core has no clock;
    /// the driver calls this when its timer fires. After a "still sending" verdict the watch
    /// starts again, so a second timeout with nothing new in between finds the peer silent.
    pub fn timed_out<O: Op>(&mut self, id: &OpId<O>) -> TimeoutVerdict {
        self.timed_out_raw(id.id)
    }

    /// Server bytes received so far, counted as they arrive (before TLS and DEFLATE are
    /// removed). The core has no clock: a run loop that watches this number change knows
    /// when the server was last heard from (the IDLE liveness check of `imap-driver`).
    pub fn bytes_received(&self) -> u64 {
        self.received
    }

    /// [`Connection::timed_out`] for an op known by its [`OpId::raw`] id.
    pub fn timed_out_raw(&mut self, id: u64) -> TimeoutVerdict {
        if self.failed.is_some() {
            return TimeoutVerdict::PeerPresumedDead;
        }
        let received = self.received;
        let waited_on = match self.in_flight.iter().position(|f| f.id == id) {
            Some(index) => self.in_flight.get_mut(index),
            None if self.queued.iter().any(|(q, _)| *q == id) => self.in_flight.front_mut(),
            None => None,
        };
        let Some(flight) = waited_on else {
            return TimeoutVerdict::ServerStillSending;
        };
        if flight.received_at_start == received {
            self.fail(Error::PeerUnresponsive);
            return TimeoutVerdict::PeerPresumedDead;
        }
        // The watch starts again: a later timeout with nothing new finds the peer silent.
        flight.received_at_start = received;
        TimeoutVerdict::ServerStillSending
    }

    /// The peer closed the connection.
    pub fn handle_eof(&mut self) {
        if self.failed.is_some() {
            return;
        }
        if self.is_over() {
            self.failed = Some(Arc::new(Error::ConnectionClosed));
            return;
        }
        // After a `* BYE` the server closed on purpose: every op still running gets the
        // BYE (RFC 9051 §7.1.5), not a bare "connection closed".
        if let Some(bye) = self.bye.clone() {
            let error = bye_error(&bye);
            return self.fail_each(Arc::new(error.clone()), |_| error.clone());
        }
        self.fail(Error::ConnectionClosed);
    }

    /// The socket failed (a read or write error other than a timeout): the connection fails
    /// with [`Error::Io`] as its cause, like [`Connection::handle_eof`] with
    /// [`Error::ConnectionClosed`]. Ignored once the connection has failed.
    pub fn handle_io_error(&mut self, error: std::io::Error) {
        if self.failed.is_none() && self.is_over() {
            self.failed = Some(Arc::new(error.into()));
            return;
        }
        self.fail(error.into());
    }

    /// Marks the connection failed and fails every pending op: the oldest with `error` (as
    /// [`Error::ConnectionFailed`] if `error` is not fatal by itself), the others with
    /// [`Error::ConnectionFailed`].
    fn fail(&mut self, error: Error) {
        // Hostile-server scenarios (tests/hostile.rs: an unknown tag, an unexpected `+`,
        // plaintext after the STARTTLS OK): the server broke the protocol and the connection
        // is now closed, so the op must not get an error that `Error::is_fatal` calls
        // recoverable (`Error::Protocol` as a command's result leaves the connection usable).
        let cause = Arc::new(error);
        let first = if cause.is_fatal() {
            (*cause).clone()
        } else {
            Error::ConnectionFailed(cause.clone())
        };
        let mut first = Some(first);
        let failed = cause.clone();
        self.fail_each(cause, move |_| {
            first
                .take()
                .unwrap_or_else(|| Error::ConnectionFailed(failed.clone()))
        });
    }

    /// Marks the connection failed with `cause` and gives every pending op, oldest first,
    /// the error `make` builds for it.
    fn fail_each(&mut self, cause: Arc<Error>, make: impl FnMut(u64) -> Error) {
        if self.failed.is_some() {
            return;
        }
        let cause = match &*cause {
            Error::ConnectionFailed(inner) => inner.clone(),
            _ => cause,
        };
        self.failed = Some(cause);
        // Nothing more will be parsed: release what is buffered.
        self.inflate_backlog = BytesMut::new();
        let _ = self.framer.take_buffered();
        self.end_pending(make);
    }

    /// Ends every pending op, oldest first, with the error `make` builds for it, and sends
    /// nothing more of theirs.
    fn end_pending(&mut self, mut make: impl FnMut(u64) -> Error) {
        let ids: Vec<u64> = self
            .in_flight
            .drain(..)
            .map(|f| f.id)
            .chain(self.queued.drain(..).map(|(id, _)| id))
            .collect();
        for id in ids {
            self.outputs.insert(id, Err(make(id)));
        }
        self.outgoing.clear();
        self.awaiting_continuation = false;
    }

    fn process_frames(&mut self) {
        while self.failed.is_none() {
            let frame = match self.framer.next_frame() {
                Ok(Some(frame)) => frame,
                Ok(None) => match self.inflate_more() {
                    Ok(true) => continue,
                    Ok(false) => return,
                    Err(e) => return self.fail(e),
                },
                Err(e) => return self.fail(e.into()),
            };
            if let Some(tracer) = &mut self.trace {
                match &frame {
                    Frame::Complete(bytes) => tracer.received(bytes),
                    Frame::StreamBegin {
                        head, literal_len, ..
                    } => tracer.received_stream_head(head, *literal_len),
                    Frame::StreamTail(tail) => tracer.received_stream_tail(tail),
                    Frame::StreamChunk(_) | Frame::StreamEnd => {}
                }
            }
            let result = match frame {
                Frame::Complete(bytes) => match parse::parse_frame(
                    bytes,
                    &self.config.limits,
                    self.session.name_encoding(),
                ) {
                    Ok(response) => self.handle_response(response),
                    Err((bytes, error)) => self.step_over(bytes, error),
                },
                Frame::StreamBegin {
                    head, literal_len, ..
                } => self.handle_stream_begin(head, literal_len),
                Frame::StreamChunk(data) => {
                    self.handle_stream_chunk(data);
                    Ok(())
                }
                Frame::StreamEnd => {
                    self.handle_stream_end();
                    Ok(())
                }
                Frame::StreamTail(tail) => self.handle_stream_tail(tail),
            };
            if let Err(e) = result {
                self.fail(e);
            }
        }
    }

    /// A complete response failed the grammar. Its framing is intact (the framer found its
    /// end, literals counted), so where [`parse::salvage`] keeps it, it costs only itself:
    /// delivered to the op it answers or as an event, and the session goes on. Fail-closed
    /// before the greeting and while an op negotiates the stream (STARTTLS, COMPRESS,
    /// AUTHENTICATE), where the bytes around it decide what the stream becomes.
    fn step_over(&mut self, frame: Bytes, error: parse::ParseError) -> Result<(), Error> {
        if !self.may_step_over(&error) {
            return Err(error.into());
        }
        let kept = parse::salvage(
            frame,
            error.clone(),
            &self.config.limits,
            self.session.name_encoding(),
        );
        let Some(untagged) = kept else {
            return Err(error.into());
        };
        log::warn!("server response failed the grammar and was stepped over: {error}");
        // A FETCH finds its op by message number like any FETCH; any other kind marks the
        // first op that takes that kind, which then fails rather than succeed without it.
        if let Untagged::Unparsed(unparsed) = &untagged {
            let kind = crate::contract::kind::of_keyword(unparsed.keyword());
            if let Some(flight) = self
                .in_flight
                .iter_mut()
                .find(|f| f.op.claims().takes(kind))
            {
                flight.unparsed.get_or_insert(error);
            }
        }
        self.handle_untagged(untagged);
        Ok(())
    }

    /// Whether a response that failed with `error` may be stepped over now (see
    /// [`Connection::step_over`]).
    fn may_step_over(&self, error: &parse::ParseError) -> bool {
        self.session.greeted
            && !self.in_flight.iter().any(|f| f.op.negotiates())
            && parse::is_confined(error)
    }

    fn handle_response(&mut self, response: Response) -> Result<(), Error> {
        match response {
            Response::Untagged(data) => {
                self.handle_untagged(data);
                Ok(())
            }
            Response::Continuation(cont) => {
                if self.awaiting_continuation {
                    self.awaiting_continuation = false;
                    return Ok(());
                }
                let Some(current) = self.in_flight.back_mut() else {
                    return Err(ProtocolViolation::UnexpectedContinuation.into());
                };
                let mut commands = Vec::new();
                let mut effects = Vec::new();
                let mut ctx = OpContext {
                    session: &self.session,
                    commands: &mut commands,
                    tags: &mut self.tags,
                    effects: &mut effects,
                    current_tag: &mut current.tag,
                    event_limit: self.config.max_queued_events,
                };
                current.op.on_continuation(cont, &mut ctx)?;
                self.queue_commands(commands);
                self.apply_effects(effects)
            }
            Response::Tagged(tagged) => self.handle_tagged(tagged),
        }
    }

    fn handle_untagged(&mut self, mut data: Untagged) {
        self.session.apply_untagged(&data);
        if let Untagged::Status(status) = &data
            && status.kind == StatusKind::Bye
        {
            self.bye = Some(status.clone());
            if !self.in_flight.iter().any(|f| f.op.awaits_bye()) {
                self.end_on_bye(status);
            }
        }
        // Passed along without an `Option` around it: each wrap and take moved the whole
        // response (168 bytes) once more per FETCH response (issue 15).
        for flight in self.in_flight.iter_mut() {
            match flight.op.on_untagged(data, &self.session) {
                Some(unclaimed) => data = unclaimed,
                None => return,
            }
        }
        self.push_event(TypedEvent::from_untagged(data));
    }

    /// A `* BYE` outside LOGOUT: the server is ending the session (RFC 9051 §7.1.5), so
    /// every pending op fails now with [`Error::Bye`] instead of waiting for the close,
    /// nothing more is sent, and later submits fail at once with it. Input is still read
    /// until the server closes; the BYE is also queued as an event.
    fn end_on_bye(&mut self, bye: &StatusResponse) {
        self.closing = true;
        let error = bye_error(bye);
        self.end_pending(|_| error.clone());
        self.stream = None;
    }

    fn push_event(&mut self, event: TypedEvent) {
        if self.config.max_queued_events == 0 {
            self.dropped_events += 1;
            return;
        }
        if self.events.len() >= self.config.max_queued_events {
            self.events.pop_front();
            self.dropped_events += 1;
        }
        // Kept until the caller drains it: it must not pin the read buffer.
        self.events.push_back(crate::types::detach::detach_event(event));
    }

    fn handle_tagged(&mut self, tagged: Tagged) -> Result<(), Error> {
        let Some(index) = self
            .in_flight
            .iter()
            .position(|f| f.tag.as_bytes() == &tagged.tag[..])
        else {
            // The completion of an op the BYE already ended: nothing was sent after it, so
            // the stream cannot be out of step.
            if self.closing {
                return Ok(());
            }
            return Err(ProtocolViolation::UnknownTag(
                String::from_utf8_lossy(&tagged.tag).into_owned(),
            )
            .into());
        };
        let tag = self.in_flight[index].tag.clone();
        if let Some(records) = &mut self.records {
            records.completed(&tag, tagged.status.kind, self.received);
        }
        if let Some(pos) = self
            .outgoing
            .iter()
            .position(|o| o.tag.as_deref() == Some(tag.as_str()))
        {
            // A tagged response ends its command, whatever it says: the unsent rest (a
            // synchronizing literal still waiting for `+`) is dropped. Sending it after a
            // NO, a BAD or even an OK would have the server read the literal's bytes as
            // commands (hostile-server scenario "an OK instead of the continuation").
            if pos == 0 {
                self.awaiting_continuation = false;
            }
            self.outgoing.remove(pos);
        }
        // Codes are applied only now: a response for no command of ours changes nothing
        // (hostile-server scenario "an unknown tag").
        if let Some(code) = &tagged.status.code {
            self.session.apply_code(code);
        }
        let mut commands = Vec::new();
        let mut effects = Vec::new();
        let flight = &mut self.in_flight[index];
        let mut ctx = OpContext {
            session: &self.session,
            commands: &mut commands,
            tags: &mut self.tags,
            effects: &mut effects,
            current_tag: &mut flight.tag,
            event_limit: self.config.max_queued_events,
        };
        let step = flight.op.on_tagged(tagged, &mut ctx);
        if matches!(step, Step::Continue) {
            // The op waits on its next command now: a timeout judges the peer from here.
            flight.received_at_start = self.received;
        }
        self.queue_commands(commands);
        // If an effect fails (a STARTTLS with injected bytes, a corrupt stream right after
        // the COMPRESS OK), the op stays in flight so that the connection failure, not a
        // success, becomes its result.
        self.apply_effects(effects)?;
        if let Step::Done(mut result) = step {
            let id = self.in_flight[index].id;
            // A success, or a complaint that data is missing, is really the stepped-over
            // response's failure; a NO or BAD from the server stays what it is.
            if matches!(&result, Ok(_) | Err(Error::Protocol(_)))
                && let Some(error) = self.in_flight[index].unparsed.take()
            {
                result = Err(ProtocolViolation::UnparsedResponse(error).into());
            }
            self.in_flight.remove(index);
            // An op that gave up on the connection (a SASL exchange the client refused: a
            // server that misbehaved, or claimed success without proving it knows the
            // password) ends it, so that `Error::is_fatal` holds: hostile-server scenario
            // "SCRAM with an absurd iteration count" (tests/hostile.rs).
            let fatal = match &result {
                Err(e) if e.is_fatal() => Some(Arc::new(e.clone())),
                _ => None,
            };
            self.outputs.insert(id, result);
            if let Some(cause) = fatal {
                let failed = cause.clone();
                self.fail_each(cause, |_| Error::ConnectionFailed(failed.clone()));
                return Ok(());
            }
            self.start_queued();
        }
        Ok(())
    }

    fn queue_commands(&mut self, commands: Vec<QueuedCommand>) {
        for command in commands {
            self.outgoing.push_back(Outgoing {
                tag: command.tag,
                fragments: command.fragments.into(),
                sensitive: command.sensitive,
                fresh: true,
            });
        }
    }

    /// Asks an in-flight op to wrap up (ends an IDLE with `DONE`). Does nothing if the op
    /// already finished.
    pub fn interrupt<O: Op>(&mut self, id: &OpId<O>) -> Result<(), Error> {
        let Some(flight) = self.in_flight.iter_mut().find(|f| f.id == id.id) else {
            return Ok(());
        };
        let mut commands = Vec::new();
        let mut effects = Vec::new();
        let mut ctx = OpContext {
            session: &self.session,
            commands: &mut commands,
            tags: &mut self.tags,
            effects: &mut effects,
            current_tag: &mut flight.tag,
            event_limit: self.config.max_queued_events,
        };
        flight.op.on_interrupt(&mut ctx)?;
        if !commands.is_empty() {
            // What the op sent now (IDLE's `DONE`) is what it waits on: a timeout judges
            // the peer from here ([`Connection::timed_out`]).
            flight.received_at_start = self.received;
        }
        self.queue_commands(commands);
        self.apply_effects(effects)
    }

    /// Starts queued ops, in order, while the pipelining rules allow (RFC 9051 §5.5):
    /// pipelinable ops run together unless their claims conflict; any other op runs alone.
    fn start_queued(&mut self) {
        while let Some((_, op)) = self.queued.front() {
            let claims = op.claims();
            let may_start = self.in_flight.is_empty()
                || (op.pipelinable()
                    && self
                        .in_flight
                        .iter()
                        .all(|f| f.op.pipelinable() && !f.op.claims().conflicts_with(claims)));
            if !may_start || self.failed.is_some() {
                return;
            }
            let Some((id, mut op)) = self.queued.pop_front() else {
                return;
            };
            // The session may have changed since `submit` checked (a CLOSE ahead of it in
            // the queue, a failed SELECT): check again, so nothing invalid is ever sent.
            if let Err(e) = op.check(&self.session) {
                self.outputs.insert(id, Err(e));
                continue;
            }
            let mut commands = Vec::new();
            let mut effects = Vec::new();
            let mut tag = String::new();
            let mut ctx = OpContext {
                session: &self.session,
                commands: &mut commands,
                tags: &mut self.tags,
                effects: &mut effects,
                current_tag: &mut tag,
                event_limit: self.config.max_queued_events,
            };
            match op.start(&mut ctx) {
                Ok(()) => {
                    self.queue_commands(commands);
                    self.in_flight.push_back(InFlight {
                        id,
                        op,
                        tag,
                        unparsed: None,
                        received_at_start: self.received,
                    });
                    if let Err(e) = self.apply_effects(effects) {
                        self.fail(e);
                    }
                }
                Err(e) => {
                    self.outputs.insert(id, Err(e));
                }
            }
        }
    }

    /// Applies session effects: the one place where commands change the session.
    fn apply_effects(&mut self, effects: Vec<Effect>) -> Result<(), Error> {
        for effect in effects {
            match effect {
                Effect::BeginSelect(mailbox) => {
                    self.session.selected = Some(mailbox);
                    self.session.state = SessionState::Authenticated;
                }
                Effect::SelectDone => self.session.state = SessionState::Selected,
                Effect::Deselect => self.session.leave_selected(),
                Effect::Authenticated => self.session.state = SessionState::Authenticated,
                Effect::Enabled(caps) => self.session.enable(caps),
                Effect::Unauthenticated => self.session.reset_to_not_authenticated(),
                Effect::ForgetCapabilities => self.session.forget_capabilities(),
                Effect::Logout => self.session.state = SessionState::Logout,
                Effect::Notify(active) => self.session.notify_active = active,
                Effect::StartTls(setup) => {
                    // RFC 9051 §6.2.1 / RFC 3501 §11.1: bytes after the tagged OK and
                    // before the handshake were sent in plaintext by whoever controls the
                    // wire. They must never be parsed.
                    if self.framer.is_mid_response()
                        || self.framer.buffered_len() > 0
                        || !self.inflate_backlog.is_empty()
                    {
                        return Err(ProtocolViolation::PlaintextAfterStartTls.into());
                    }
                    self.layers.start_tls(setup)?;
                    self.session.tls_active = true;
                }
                Effect::Compress => {
                    self.layers.start_deflate()?;
                    self.session.compress_active = true;
                    // Bytes that arrived with the OK but after it are already compressed: they
                    // join the backlog, inflated piece by piece as the framer drains. The
                    // first piece is inflated now, so that bytes corrupt from the start fail
                    // the COMPRESS itself.
                    let pending = self.framer.take_buffered();
                    if !pending.is_empty() {
                        self.inflate_backlog.extend_from_slice(&pending);
                        self.inflate_more()?;
                    }
                }
            }
        }
        Ok(())
    }

    fn handle_stream_begin(&mut self, head: Bytes, len: u64) -> Result<(), Error> {
        // A continuation head (a second big literal in the same response) stays with the op
        // that took the first one.
        let (parsed, previous_owner): (FetchStreamHead, Option<Option<u64>>) = match &self.stream {
            Some(previous) => {
                let (seq, owner) = (previous.seq, previous.claimed_by);
                let cont = parse::fetch_stream_continuation_head(head, &self.config.limits)?;
                let parsed = FetchStreamHead {
                    seq,
                    before: cont.before,
                    streamed: cont.streamed,
                };
                (parsed, Some(owner))
            }
            None => match parse::fetch_stream_head(head.clone(), &self.config.limits) {
                Ok(parsed) => (parsed, None),
                // The framer counts the literal whatever the head says, so a head that fails
                // the grammar costs only its response, like any other (`step_over`): the op
                // gets what parsed and the error; the literal and the tail are dropped.
                Err(error) => {
                    self.step_over(head, error)?;
                    self.stream = Some(StreamState {
                        seq: 0,
                        attribute: StreamedAttribute::BodySection {
                            section: crate::types::Section::default(),
                            origin: None,
                        },
                        offset: 0,
                        claimed_by: None,
                        discard: true,
                    });
                    return Ok(());
                }
            },
        };
        let attribute = parsed.streamed.clone();
        let part = StreamPart::Begin {
            seq: parsed.seq,
            before: parsed.before,
            attribute: parsed.streamed,
            len,
        };
        let claimed_by = match previous_owner {
            Some(owner) => owner.filter(|id| {
                self.in_flight
                    .iter_mut()
                    .find(|f| f.id == *id)
                    .is_some_and(|f| f.op.on_stream(&part))
            }),
            None => self.offer_stream(&part),
        };
        // Hostile-server scenario "a huge literal announced" (tests/hostile.rs): an op that
        // keeps streamed literals whole (a buffered FETCH) would otherwise buffer whatever
        // size the server announces. Such a literal is held to `max_literal_size`, as it
        // would be had it not been streamed.
        let limit = self.config.limits.max_literal_size;
        if len > limit
            && let Some(owner) = claimed_by
            && self
                .in_flight
                .iter()
                .any(|f| f.id == owner && f.op.buffers_streamed_literals())
        {
            return Err(crate::parse::frame::FrameError::LiteralTooLarge {
                limit,
                announced: len,
            }
            .into());
        }
        if claimed_by.is_none()
            && let StreamPart::Begin { seq, before, .. } = part
            && !before.is_empty()
        {
            self.push_event(TypedEvent::Fetch(
                crate::types::FetchResponse::with_attributes(seq, before),
            ));
        }
        self.stream = Some(StreamState {
            seq: parsed.seq,
            attribute,
            offset: 0,
            claimed_by,
            discard: false,
        });
        Ok(())
    }

    /// Offers the start of a streamed response to the in-flight ops, oldest first; the
    /// first that wants it and takes it owns the whole literal.
    fn offer_stream(&mut self, part: &StreamPart) -> Option<u64> {
        let StreamPart::Begin { seq, before, .. } = part else {
            return None;
        };
        let session = &self.session;
        self.in_flight.iter_mut().find_map(|f| {
            (f.op.wants_stream(*seq, before, session) && f.op.on_stream(part)).then_some(f.id)
        })
    }

    fn handle_stream_chunk(&mut self, data: Bytes) {
        let Some(stream) = self.stream.as_mut().filter(|s| !s.discard) else {
            return;
        };
        let part = StreamPart::Chunk {
            seq: stream.seq,
            attribute: stream.attribute.clone(),
            offset: stream.offset,
            data,
        };
        stream.offset += match &part {
            StreamPart::Chunk { data, .. } => data.len() as u64,
            _ => 0,
        };
        let owner = stream.claimed_by;
        self.deliver_stream(owner, part);
    }

    fn deliver_stream(&mut self, owner: Option<u64>, part: StreamPart) {
        if let Some(owner) = owner
            && let Some(flight) = self.in_flight.iter_mut().find(|f| f.id == owner)
            && flight.op.on_stream(&part)
        {
            return;
        }
        if let StreamPart::Chunk {
            seq,
            attribute,
            offset,
            data,
        } = part
        {
            self.push_event(TypedEvent::FetchChunk {
                seq,
                attribute,
                offset,
                data,
            });
        }
    }

    fn handle_stream_end(&mut self) {
        if let Some(stream) = self.stream.as_ref().filter(|s| !s.discard) {
            let (owner, seq) = (stream.claimed_by, stream.seq);
            self.deliver_stream(owner, StreamPart::End { seq });
        }
    }

    fn handle_stream_tail(&mut self, tail: Bytes) -> Result<(), Error> {
        let Some(stream) = self.stream.take() else {
            return Err(ProtocolViolation::StrayStreamTail.into());
        };
        if stream.discard {
            return Ok(());
        }
        let after = match parse::fetch_stream_tail(tail.clone(), &self.config.limits) {
            Ok(after) => after,
            // The tail ends the response: a tail that fails the grammar reaches the op as
            // its last attribute, after the streamed literal (docs/security.md).
            Err(error) if self.may_step_over(&error) => {
                let unparsed = crate::types::Unparsed { raw: tail, error };
                vec![MessageAttribute::Unparsed(Box::new(unparsed))]
            }
            Err(error) => return Err(error.into()),
        };
        let part = StreamPart::Tail {
            seq: stream.seq,
            after,
        };
        if let Some(owner) = stream.claimed_by
            && let Some(flight) = self.in_flight.iter_mut().find(|f| f.id == owner)
            && flight.op.on_stream(&part)
        {
            return Ok(());
        }
        if let StreamPart::Tail { seq, after } = part
            && !after.is_empty()
        {
            self.handle_untagged(Untagged::Fetch(
                crate::types::FetchResponse::with_attributes(seq, after),
            ));
        }
        Ok(())
    }
}

/// Which buffer [`Connection::read_buffer`] handed out last.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ReadTarget {
    /// The framer's own buffer: the bytes are IMAP bytes.
    Framer,
    /// `read_stage`: wire bytes for `handle_input`.
    Stage,
}

/// The error of an op the server's `* BYE` ended.
fn bye_error(bye: &StatusResponse) -> Error {
    Error::Bye {
        code: bye.code.clone(),
        text: String::from_utf8_lossy(&bye.text).into_owned(),
    }
}

/// What a call's timeout says about the peer ([`Connection::timed_out`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TimeoutVerdict {
    /// The server sent bytes since the op's command went out: it is alive, only slow. The
    /// connection stays usable; the call reports [`Error::Timeout`] (not fatal).
    ServerStillSending,
    /// Nothing arrived since the op's command went out: the peer is presumed dead. The
    /// connection has failed with [`Error::PeerUnresponsive`] (fatal); the call reports it.
    PeerPresumedDead,
}
