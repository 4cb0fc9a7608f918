//! The driver task: the one owner of the socket and of the core [`Connection`].
//!
//! Handles never touch the core. They send [`Request`]s over an unbounded channel; each
//! request carries the oneshot sender its caller awaits. The driver loop, per iteration:
//!
//! 1. gathers everything the core has to send into one buffer ([`Connection::poll_transmit`])
//!    once the previous batch is written;
//! 2. moves the core's events to the event queue, publishes the session snapshot (watch),
//!    and then answers every call whose op finished (in that order, so a caller that gets
//!    its result sees the state and events that came with it);
//! 3. waits for the first of: a request, bytes from the server, room to write, or room in
//!    a full streaming channel.
//!
//! A batch is written with `write` calls on what is left of it until it is all out (a
//! command that fits the socket buffer goes out in one call). Reading goes on meanwhile, so
//! a large APPEND cannot deadlock against a server that is itself blocked writing to us.
//!
//! A call's future may be dropped, or time out, at any point: its op stays in the core,
//! which keeps reading the responses that belong to it, and the driver discards the result
//! when the receiver is gone. The command stream therefore never desynchronises. A call
//! dropped before the driver picked its request up is not sent at all.

use std::collections::VecDeque;
use std::io;
use std::sync::Arc;

use bytes::BufMut;
use imap_proto_core::ops::fetch::Fetch;
use imap_proto_core::ops::idle::Idle;
use imap_proto_core::types::{Capability, FetchResponse};
use imap_proto_core::{Connection, Error, Op, OpId, SessionState, TypedEvent};
use socket2::{SockRef, TcpKeepalive};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::sync::{mpsc, oneshot, watch};

use crate::events::EventQueue;

/// How much the driver reads from the socket at once.
const READ_CHUNK: usize = 64 * 1024;

/// The channel a streaming FETCH pushes its responses into.
pub type FetchSender = mpsc::Sender<Result<FetchResponse, Error>>;

/// What the handle can see of the session without asking the driver.
#[derive(Debug, Clone)]
pub struct Snapshot {
    /// The session state.
    pub state: SessionState,
    /// The capabilities last advertised.
    pub capabilities: Vec<Capability>,
    /// True once the greeting arrived.
    pub greeted: bool,
    /// True once TLS is active.
    pub tls: bool,
    /// True once COMPRESS=DEFLATE is active.
    pub compress: bool,
    /// The error that ended the connection, if it failed.
    pub failure: Option<Arc<Error>>,
    /// True once the driver task has exited.
    pub exited: bool,
}

impl Snapshot {
    fn new() -> Self {
        Snapshot {
            state: SessionState::NotAuthenticated,
            capabilities: Vec::new(),
            greeted: false,
            tls: false,
            compress: false,
            failure: None,
            exited: false,
        }
    }
}

/// A request from a handle to the driver.
pub enum Request {
    /// Submit one op.
    Submit(Job),
    /// Submit several ops at once; their commands go out in one write (pipelining).
    Batch(Vec<Job>),
    /// End the IDLE with this token (send `DONE`); ignored if it already ended.
    Interrupt(u64),
    /// Set TCP keepalive on the socket.
    SetKeepalive(TcpKeepalive, oneshot::Sender<io::Result<()>>),
}

/// One op to submit, with where its result goes.
pub enum Job {
    /// Any op whose result is returned whole.
    Op(Box<dyn ErasedJob>),
    /// A streamed FETCH (boxed: the op is large).
    Stream(Box<StreamJob>),
    /// An IDLE.
    Idle(IdleJob),
}

impl Job {
    /// A job for an op whose result goes to `reply`.
    pub fn op<O: Op>(op: O, reply: oneshot::Sender<Result<O::Output, Error>>) -> Job {
        Self::op_map(op, std::convert::identity, reply)
    }

    /// A job for an op whose result goes to `reply` through `map`.
    pub fn op_map<O, T, F>(op: O, map: F, reply: oneshot::Sender<Result<T, Error>>) -> Job
    where
        O: Op,
        T: Send + 'static,
        F: FnOnce(O::Output) -> T + Send + 'static,
    {
        Job::Op(Box::new(OpJob { op, map, reply }))
    }
}

/// A streamed FETCH: responses go to `tx`, the final result to `reply`.
pub struct StreamJob {
    /// The op (built with `Delivery::Streamed`).
    pub op: Fetch,
    /// The caller's channel.
    pub tx: FetchSender,
    /// Where the outcome goes.
    pub reply: oneshot::Sender<Result<(), Error>>,
}

/// An IDLE: `activity` fires at the first server data, `reply` gets the collected events.
pub struct IdleJob {
    /// The op.
    pub op: Idle,
    /// The caller's key for [`Request::Interrupt`].
    pub token: u64,
    /// Fired once when the server first pushes data.
    pub activity: oneshot::Sender<()>,
    /// The events collected, once the tagged completion arrived.
    pub reply: oneshot::Sender<Result<Vec<TypedEvent>, Error>>,
}

/// An op job with its output type erased.
pub trait ErasedJob: Send {
    /// True when nobody waits for the result any more.
    fn caller_gone(&self) -> bool;
    /// Submits the op; a refusal is answered at once.
    fn start(self: Box<Self>, conn: &mut Connection) -> Option<Box<dyn ErasedWait>>;
}

/// A submitted op whose result is still to be delivered.
pub trait ErasedWait: Send {
    /// Delivers the result if the op finished; true once delivered.
    fn pump(&mut self, conn: &mut Connection) -> bool;
}

struct OpJob<O, T, F> {
    op: O,
    map: F,
    reply: oneshot::Sender<Result<T, Error>>,
}

impl<O, T, F> ErasedJob for OpJob<O, T, F>
where
    O: Op,
    T: Send + 'static,
    F: FnOnce(O::Output) -> T + Send + 'static,
{
    fn caller_gone(&self) -> bool {
        self.reply.is_closed()
    }

    fn start(self: Box<Self>, conn: &mut Connection) -> Option<Box<dyn ErasedWait>> {
        let OpJob { op, map, reply } = *self;
        match conn.submit(op) {
            Ok(id) => Some(Box::new(OpWait {
                id,
                map: Some(map),
                reply: Some(reply),
            })),
            Err(e) => {
                let _ = reply.send(Err(e));
                None
            }
        }
    }
}

struct OpWait<O: Op, T, F> {
    id: OpId<O>,
    map: Option<F>,
    reply: Option<oneshot::Sender<Result<T, Error>>>,
}

impl<O, T, F> ErasedWait for OpWait<O, T, F>
where
    O: Op,
    T: Send + 'static,
    F: FnOnce(O::Output) -> T + Send + 'static,
{
    fn pump(&mut self, conn: &mut Connection) -> bool {
        let Some(result) = conn.take_output(&self.id) else {
            return false;
        };
        if let (Some(reply), Some(map)) = (self.reply.take(), self.map.take()) {
            // The caller may be gone (timeout, dropped future): the result is discarded.
            let _ = reply.send(result.map(map));
        }
        true
    }
}

/// A streamed FETCH in progress.
struct StreamWait {
    id: OpId<Fetch>,
    /// `None` once the receiver is gone or the caller abandoned the call: responses are
    /// then read and discarded, so the connection stays in step.
    tx: Option<FetchSender>,
    reply: Option<oneshot::Sender<Result<(), Error>>>,
    /// Responses taken from the core but not yet accepted by the channel.
    backlog: VecDeque<Result<FetchResponse, Error>>,
    /// The op's outcome once it completed.
    outcome: Option<Result<(), Error>>,
    /// True while the channel is full: the driver stops reading the socket.
    blocked: bool,
}

impl StreamWait {
    /// Moves responses into the channel until it is full; delivers the outcome at the end.
    /// True once finished.
    fn pump(&mut self, conn: &mut Connection) -> bool {
        if self.reply.as_ref().is_some_and(|r| r.is_closed()) {
            // The call timed out or was dropped: close the channel now, discard the rest.
            self.tx = None;
        }
        loop {
            while let Some(item) = self
                .backlog
                .pop_front()
                .or_else(|| conn.op_mut(&self.id).and_then(Fetch::next_item).map(Ok))
            {
                let Some(tx) = &self.tx else { continue };
                let full = match tx.try_reserve() {
                    Ok(permit) => {
                        permit.send(item);
                        continue;
                    }
                    Err(mpsc::error::TrySendError::Full(())) => true,
                    Err(mpsc::error::TrySendError::Closed(())) => false,
                };
                if full {
                    self.backlog.push_front(item);
                    self.blocked = true;
                    return false;
                }
                // The receiver is gone: read and discard the rest.
                self.tx = None;
            }
            self.blocked = false;
            if self.outcome.is_some() {
                break;
            }
            match conn.take_output(&self.id) {
                None => return false,
                Some(Ok((rest, _vanished))) => {
                    self.backlog.extend(rest.into_iter().map(Ok));
                    self.outcome = Some(Ok(()));
                }
                Some(Err(e)) => {
                    // The channel's reader learns of the failure too.
                    self.backlog.push_back(Err(e.clone()));
                    self.outcome = Some(Err(e));
                }
            }
        }
        self.tx = None;
        if let (Some(reply), Some(outcome)) = (self.reply.take(), self.outcome.take()) {
            let _ = reply.send(outcome);
        }
        true
    }

    /// Resolves when the blocked channel has room again, or is closed, or the caller is
    /// gone.
    async fn unblocked(&mut self) {
        let Some(tx) = self.tx.as_ref() else { return };
        match self.reply.as_mut() {
            Some(reply) => {
                tokio::select! {
                    _ = tx.reserve() => {}
                    _ = reply.closed() => {}
                }
            }
            None => {
                let _ = tx.reserve().await;
            }
        }
    }
}

/// An IDLE in progress.
struct IdleWait {
    token: u64,
    id: OpId<Idle>,
    activity: Option<oneshot::Sender<()>>,
    reply: Option<oneshot::Sender<Result<Vec<TypedEvent>, Error>>>,
    /// DONE was asked for. The core ignores an interrupt for an op that has not started
    /// yet (queued behind other commands), so it is repeated until the op finishes.
    interrupt: bool,
}

impl IdleWait {
    fn pump(&mut self, conn: &mut Connection) -> bool {
        if self.interrupt {
            let _ = conn.interrupt(&self.id);
        }
        if self.activity.is_some()
            && conn
                .op_mut(&self.id)
                .is_some_and(|op: &mut Idle| op.has_activity())
            && let Some(activity) = self.activity.take()
        {
            let _ = activity.send(());
        }
        let Some(result) = conn.take_output(&self.id) else {
            return false;
        };
        if let Some(reply) = self.reply.take() {
            let _ = reply.send(result);
        }
        true
    }
}

enum Pending {
    Op(Box<dyn ErasedWait>),
    Stream(StreamWait),
    Idle(IdleWait),
}

impl Pending {
    fn pump(&mut self, conn: &mut Connection) -> bool {
        match self {
            Pending::Op(wait) => wait.pump(conn),
            Pending::Stream(wait) => wait.pump(conn),
            Pending::Idle(wait) => wait.pump(conn),
        }
    }

    fn is_blocked(&self) -> bool {
        matches!(self, Pending::Stream(w) if w.blocked)
    }
}

/// The driver task's state.
pub(crate) struct Driver {
    conn: Connection,
    reader: OwnedReadHalf,
    writer: OwnedWriteHalf,
    requests: mpsc::UnboundedReceiver<Request>,
    snapshot: watch::Sender<Snapshot>,
    events: Arc<EventQueue>,
    pending: Vec<Pending>,
    /// The current write batch and how much of it is written.
    out: Vec<u8>,
    written: usize,
    /// The socket can no longer be read (EOF or error).
    closed: bool,
}

/// What the handle keeps of a spawned driver.
pub(crate) struct Spawned {
    pub requests: mpsc::UnboundedSender<Request>,
    pub snapshot: watch::Receiver<Snapshot>,
    pub events: Arc<EventQueue>,
}

/// Spawns the driver for `stream` and `conn` on the current tokio runtime.
pub(crate) fn spawn(stream: TcpStream, conn: Connection, event_capacity: usize) -> Spawned {
    let (reader, writer) = stream.into_split();
    let (requests_tx, requests) = mpsc::unbounded_channel();
    let (snapshot, snapshot_rx) = watch::channel(Snapshot::new());
    let events = Arc::new(EventQueue::new(event_capacity));
    let driver = Driver {
        conn,
        reader,
        writer,
        requests,
        snapshot,
        events: events.clone(),
        pending: Vec::new(),
        out: Vec::with_capacity(16 * 1024),
        written: 0,
        closed: false,
    };
    tokio::spawn(driver.run());
    Spawned {
        requests: requests_tx,
        snapshot: snapshot_rx,
        events,
    }
}

/// One socket read straight into the core's buffer ([`Connection::read_buffer`]): without
/// TLS or COMPRESS that is where the responses are parsed, so a body is never copied or
/// joined. At most [`READ_CHUNK`] bytes, as the core's buffer expects.
async fn read_into(reader: &mut OwnedReadHalf, conn: &mut Connection) -> io::Result<usize> {
    reader
        .read_buf(&mut conn.read_buffer(READ_CHUNK).limit(READ_CHUNK))
        .await
}

impl Driver {
    async fn run(mut self) {
        loop {
            if self.written == self.out.len() {
                self.out.clear();
                self.written = 0;
                // Everything the core has ready, as one batch: one write per batch.
                self.conn.poll_transmit(&mut self.out);
            }
            // After poll_transmit: producing output can fail the connection (TLS), which
            // completes every pending op.
            self.settle();
            if self.finished() {
                break;
            }
            let writing = self.written < self.out.len();
            let blocked = self.pending.iter().position(Pending::is_blocked);
            let reading = !self.closed && blocked.is_none();
            let stream = blocked.and_then(|i| match self.pending.get_mut(i) {
                Some(Pending::Stream(wait)) => Some(wait),
                _ => None,
            });
            tokio::select! {
                request = self.requests.recv() => match request {
                    Some(request) => {
                        self.handle(request);
                        // Take every request already waiting, so concurrent calls share
                        // one write.
                        while let Ok(request) = self.requests.try_recv() {
                            self.handle(request);
                        }
                    }
                    // Every handle is gone: nobody can use the connection any more.
                    None => break,
                },
                read = read_into(&mut self.reader, &mut self.conn), if reading => {
                    match read {
                        Ok(0) => {
                            self.closed = true;
                            self.conn.handle_eof();
                        }
                        Ok(_) => self.conn.handle_read(),
                        Err(e) => self.socket_failed(e),
                    }
                }
                wrote = self.writer.write(&self.out[self.written..]), if writing => match wrote {
                    Ok(0) => self.socket_failed(io::ErrorKind::WriteZero.into()),
                    Ok(n) => self.written += n,
                    Err(e) => self.socket_failed(e),
                },
                () = async {
                    if let Some(wait) = stream {
                        wait.unblocked().await;
                    }
                }, if blocked.is_some() => {}
            }
        }
        self.settle();
        self.events.close();
        self.snapshot.send_modify(|s| {
            s.exited = true;
            if s.failure.is_none() {
                s.failure = Some(Arc::new(Error::ConnectionClosed));
            }
        });
        // Dropping `self` closes the socket and the replies of calls still pending, whose
        // callers then get `Error::DriverGone`.
    }

    /// True when the driver has nothing left to do: the session ended (LOGOUT or BYE)
    /// with no command pending, or the connection failed and every call was answered.
    fn finished(&self) -> bool {
        if !self.pending.is_empty() || self.written < self.out.len() {
            return false;
        }
        self.conn.is_over()
    }

    fn socket_failed(&mut self, error: io::Error) {
        self.closed = true;
        self.out.clear();
        self.written = 0;
        self.conn.handle_io_error(error);
    }

    /// Moves events, publishes the snapshot, then answers finished calls.
    fn settle(&mut self) {
        // Events first: `connect` waits for the snapshot to say "greeted", and then expects
        // the greeting's events (a BYE greeting's text) to be queued.
        if self.conn.events_pending() > 0 {
            let conn = &mut self.conn;
            self.events.extend(std::iter::from_fn(|| conn.poll_event()));
        }
        let session = self.conn.session();
        // Set once, never changed: whether it is there is all that can change.
        let failure = self.conn.failure().cloned();
        self.snapshot.send_if_modified(|s| {
            let changed = s.state != session.state()
                || s.capabilities != session.capabilities()
                || s.greeted != self.conn.is_greeted()
                || s.tls != session.tls_active()
                || s.compress != session.compress_active()
                || s.failure.is_some() != failure.is_some();
            if changed {
                s.state = session.state();
                s.capabilities = session.capabilities().to_vec();
                s.greeted = self.conn.is_greeted();
                s.tls = session.tls_active();
                s.compress = session.compress_active();
                s.failure = failure;
            }
            changed
        });
        let conn = &mut self.conn;
        self.pending.retain_mut(|p| !p.pump(conn));
    }

    fn handle(&mut self, request: Request) {
        match request {
            Request::Submit(job) => self.start(job),
            Request::Batch(jobs) => jobs.into_iter().for_each(|job| self.start(job)),
            Request::Interrupt(token) => {
                for pending in &mut self.pending {
                    if let Pending::Idle(wait) = pending
                        && wait.token == token
                    {
                        wait.interrupt = true;
                        let _ = self.conn.interrupt(&wait.id);
                    }
                }
            }
            Request::SetKeepalive(keepalive, reply) => {
                let socket = SockRef::from(self.writer.as_ref());
                let _ = reply.send(socket.set_tcp_keepalive(&keepalive));
            }
        }
    }

    fn start(&mut self, job: Job) {
        match job {
            Job::Op(job) => {
                if job.caller_gone() {
                    return;
                }
                if let Some(wait) = job.start(&mut self.conn) {
                    self.pending.push(Pending::Op(wait));
                }
            }
            Job::Stream(job) => {
                let StreamJob { op, tx, reply } = *job;
                if reply.is_closed() {
                    return;
                }
                match self.conn.submit(op) {
                    Ok(id) => self.pending.push(Pending::Stream(StreamWait {
                        id,
                        tx: Some(tx),
                        reply: Some(reply),
                        backlog: VecDeque::new(),
                        outcome: None,
                        blocked: false,
                    })),
                    Err(e) => {
                        let _ = reply.send(Err(e));
                    }
                }
            }
            Job::Idle(IdleJob {
                op,
                token,
                activity,
                reply,
            }) => {
                if reply.is_closed() {
                    return;
                }
                match self.conn.submit(op) {
                    Ok(id) => self.pending.push(Pending::Idle(IdleWait {
                        token,
                        id,
                        activity: Some(activity),
                        reply: Some(reply),
                        interrupt: false,
                    })),
                    Err(e) => {
                        let _ = reply.send(Err(e));
                    }
                }
            }
        }
    }
}
