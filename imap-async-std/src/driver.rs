//! The driver: the one owner of the socket and of the core [`Connection`], polled on its
//! own thread by `async_io::block_on`.
//!
//! This is the same loop as imap-tokio's driver (see its module docs): handles send
//! [`Request`]s over an unbounded channel, each carrying the channel its caller awaits; per
//! iteration the driver gathers the core's output into one batch, moves events to the
//! queue, publishes the snapshot, answers finished calls, then waits for the first of a
//! request, bytes from the server, room to write, or room in a full streaming channel.
//! A call dropped or timed out leaves its op in the core, which keeps reading its
//! responses; the result is discarded, so the command stream never desynchronises.
//!
//! Why a thread and not a task: spawning needs an executor, and async-std, smol and a plain
//! `block_on` each have their own. A dedicated thread running `async_io::block_on(driver)`
//! behaves the same under all of them, and the socket and timers are async-io's, whose
//! reactor every one of them shares. The thread ends when the last handle is dropped or the
//! session ends.

use std::collections::VecDeque;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};

use async_channel::{Receiver, Sender, TrySendError};
use async_net::TcpStream;
use event_listener::Event;
use futures_lite::future::{FutureExt, pending};
use futures_lite::io::{AsyncReadExt, AsyncWriteExt};
use imap_proto_core::ops::fetch::Fetch;
use imap_proto_core::ops::idle::Idle;
use imap_proto_core::types::{Capability, FetchResponse};
use imap_proto_core::{Connection, Error, Op, OpId, SessionState, TypedEvent};
use socket2::{SockRef, TcpKeepalive};

use crate::events::EventQueue;

/// How much the driver reads from the socket at once.
const READ_CHUNK: usize = 64 * 1024;

/// The channel a streaming FETCH pushes its responses into.
pub type FetchSender = Sender<Result<FetchResponse, Error>>;

/// The one-shot answer to a call: an `async_channel` of capacity 1, written once.
pub type Reply<T> = Sender<Result<T, Error>>;

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
    /// Why the connection failed, if it did.
    pub failure: Option<Arc<Error>>,
    /// True once the driver has exited.
    pub exited: bool,
}

impl Default for Snapshot {
    fn default() -> Self {
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

/// The snapshot shared by the driver (writer) and the handle, with a change signal.
#[derive(Debug, Default)]
pub struct SharedSnapshot {
    value: Mutex<Snapshot>,
    /// Notified (all listeners) after every change.
    pub changed: Event,
}

impl SharedSnapshot {
    /// The current snapshot. A poisoned lock still holds a consistent value (every update
    /// is a plain assignment), so it is used as is.
    pub fn get(&self) -> MutexGuard<'_, Snapshot> {
        self.value.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn update(&self, f: impl FnOnce(&mut Snapshot) -> bool) {
        if f(&mut self.get()) {
            self.changed.notify(usize::MAX);
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
    SetKeepalive(TcpKeepalive, Sender<io::Result<()>>),
    /// Nothing to do: wakes the driver so it notices a caller that went away.
    Wake,
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
    pub fn op<O: Op>(op: O, reply: Reply<O::Output>) -> Job {
        Self::op_map(op, std::convert::identity, reply)
    }

    /// A job for an op whose result goes to `reply` through `map`.
    pub fn op_map<O, T, F>(op: O, map: F, reply: Reply<T>) -> Job
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
    pub reply: Reply<()>,
}

/// An IDLE: `activity` fires at the first server data, `reply` gets the collected events.
pub struct IdleJob {
    /// The op.
    pub op: Idle,
    /// The caller's key for [`Request::Interrupt`].
    pub token: u64,
    /// Sent once when the server first pushes data.
    pub activity: Sender<()>,
    /// The events collected, once the tagged completion arrived.
    pub reply: Reply<Vec<TypedEvent>>,
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
    reply: Reply<T>,
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
                reply,
            })),
            Err(e) => {
                let _ = reply.try_send(Err(e));
                None
            }
        }
    }
}

struct OpWait<O: Op, T, F> {
    id: OpId<O>,
    map: Option<F>,
    reply: Reply<T>,
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
        if let Some(map) = self.map.take() {
            // The caller may be gone (timeout, dropped future): the result is discarded.
            let _ = self.reply.try_send(result.map(map));
        }
        true
    }
}

/// A send into a full streaming channel, kept across driver iterations so that no response
/// is lost when another wake-up wins the race.
type PendingSend = Pin<Box<dyn Future<Output = bool> + Send>>;

/// A streamed FETCH in progress.
struct StreamWait {
    id: OpId<Fetch>,
    /// `None` once the receiver is gone or the caller abandoned the call: responses are
    /// then read and discarded, so the connection stays in step.
    tx: Option<FetchSender>,
    reply: Option<Reply<()>>,
    /// Responses taken from the core but not yet handed to the channel.
    backlog: VecDeque<Result<FetchResponse, Error>>,
    /// The response waiting for room in the channel (resolves to false if it closed).
    sending: Option<PendingSend>,
    /// The op's outcome once it completed.
    outcome: Option<Result<(), Error>>,
}

impl StreamWait {
    /// True while a response waits for room: the driver stops reading the socket.
    fn blocked(&self) -> bool {
        self.sending.is_some()
    }

    /// Moves responses into the channel until it is full; delivers the outcome at the end.
    /// True once finished.
    fn pump(&mut self, conn: &mut Connection) -> bool {
        if self.reply.as_ref().is_some_and(Sender::is_closed) {
            // The call timed out or was dropped: close the channel now, discard the rest.
            self.tx = None;
            self.sending = None;
        }
        if self.sending.is_some() {
            return false;
        }
        loop {
            while let Some(item) = self
                .backlog
                .pop_front()
                .or_else(|| conn.op_mut(&self.id).and_then(Fetch::next_item).map(Ok))
            {
                let Some(tx) = &self.tx else { continue };
                match tx.try_send(item) {
                    Ok(()) => {}
                    Err(TrySendError::Full(item)) => {
                        let tx = tx.clone();
                        self.sending = Some(Box::pin(async move { tx.send(item).await.is_ok() }));
                        return false;
                    }
                    // The receiver is gone: read and discard the rest.
                    Err(TrySendError::Closed(_)) => self.tx = None,
                }
            }
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
            let _ = reply.try_send(outcome);
        }
        true
    }

    /// Resolves when the waiting response went into the channel (or the channel closed),
    /// or the caller is gone.
    async fn unblocked(&mut self) {
        let StreamWait {
            sending, reply, tx, ..
        } = self;
        let Some(send) = sending.as_mut() else { return };
        let caller_gone = async {
            match reply {
                Some(reply) => reply.closed().await,
                None => pending().await,
            }
            None
        };
        if let Some(delivered) = async { Some(send.await) }.or(caller_gone).await {
            *sending = None;
            if !delivered {
                *tx = None;
            }
        }
    }
}

/// An IDLE in progress.
struct IdleWait {
    token: u64,
    id: OpId<Idle>,
    activity: Option<Sender<()>>,
    reply: Reply<Vec<TypedEvent>>,
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
            let _ = activity.try_send(());
        }
        let Some(result) = conn.take_output(&self.id) else {
            return false;
        };
        let _ = self.reply.try_send(result);
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

    fn blocked_stream(&mut self) -> Option<&mut StreamWait> {
        match self {
            Pending::Stream(wait) if wait.blocked() => Some(wait),
            _ => None,
        }
    }
}

/// What woke the driver.
enum Wake {
    Request(Result<Request, async_channel::RecvError>),
    Read(io::Result<usize>),
    Wrote(io::Result<usize>),
    Unblocked,
}

/// The driver's state.
struct Driver {
    conn: Connection,
    reader: TcpStream,
    writer: TcpStream,
    requests: Receiver<Request>,
    snapshot: Arc<SharedSnapshot>,
    events: Arc<EventQueue>,
    pending: Vec<Pending>,
    /// The current write batch and how much of it is written.
    out: Vec<u8>,
    written: usize,
    /// The socket can no longer be read (EOF or error).
    closed: bool,
}

/// What the handle keeps of a started driver.
pub(crate) struct Spawned {
    pub requests: Sender<Request>,
    pub snapshot: Arc<SharedSnapshot>,
    pub events: Arc<EventQueue>,
}

/// Starts the driver for `stream` and `conn` on a thread of its own (see the module docs).
pub(crate) fn spawn(
    stream: TcpStream,
    conn: Connection,
    event_capacity: usize,
) -> Result<Spawned, Error> {
    let (requests_tx, requests) = async_channel::unbounded();
    let snapshot = Arc::new(SharedSnapshot::default());
    let events = Arc::new(EventQueue::new(event_capacity));
    let driver = Driver {
        conn,
        reader: stream.clone(),
        writer: stream,
        requests,
        snapshot: snapshot.clone(),
        events: events.clone(),
        pending: Vec::new(),
        out: Vec::with_capacity(16 * 1024),
        written: 0,
        closed: false,
    };
    std::thread::Builder::new()
        .name("imap-async-std-driver".into())
        .spawn(move || async_io::block_on(driver.run()))?;
    Ok(Spawned {
        requests: requests_tx,
        snapshot,
        events,
    })
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
            match self.wait().await {
                Wake::Request(Ok(request)) => {
                    self.handle(request);
                    // Take every request already waiting, so concurrent calls share one write.
                    while let Ok(request) = self.requests.try_recv() {
                        self.handle(request);
                    }
                }
                // Every handle is gone: nobody can use the connection any more.
                Wake::Request(Err(_)) => break,
                Wake::Read(Ok(0)) => {
                    // The read's zero-filled slice is not input.
                    self.conn.handle_read_len(0);
                    self.closed = true;
                    self.conn.handle_eof();
                }
                Wake::Read(Ok(n)) => self.conn.handle_read_len(n),
                Wake::Read(Err(e)) => {
                    self.conn.handle_read_len(0);
                    self.socket_failed(e);
                }
                Wake::Wrote(Ok(0)) => self.socket_failed(io::ErrorKind::WriteZero.into()),
                Wake::Wrote(Ok(n)) => self.written += n,
                Wake::Wrote(Err(e)) => self.socket_failed(e),
                Wake::Unblocked => {}
            }
        }
        self.settle();
        self.events.close();
        self.snapshot.update(|s| {
            s.exited = true;
            s.failure
                .get_or_insert_with(|| Arc::new(Error::ConnectionClosed));
            true
        });
        // Requests that arrived after the last one handled would stay queued (an
        // async-channel keeps its messages while a sender lives, and the handle is one):
        // close the channel, then drop them, so their callers get the error now rather
        // than at their timeout.
        self.requests.close();
        while self.requests.try_recv().is_ok() {}
        // Dropping `self` closes the socket and the replies of calls still pending, whose
        // callers then get `Error::DriverGone`.
    }

    /// Waits for the first of: a request, bytes from the server, room to write, room in a
    /// blocked streaming channel. Reading pauses while a stream is blocked (back-pressure).
    async fn wait(&mut self) -> Wake {
        let writing = self.written < self.out.len();
        let mut stream = self.pending.iter_mut().find_map(Pending::blocked_stream);
        let reading = !self.closed && stream.is_none();
        let requests = &self.requests;
        let (reader, writer) = (&mut self.reader, &mut self.writer);
        let (conn, out) = (&mut self.conn, self.out.get(self.written..));
        let request = async { Wake::Request(requests.recv().await) };
        let read = async {
            if !reading {
                pending::<()>().await;
            }
            // Straight into the core's buffer (an abandoned read's slice is discarded by
            // the next one); without TLS or COMPRESS nothing is copied into the core.
            Wake::Read(reader.read(conn.read_slice(READ_CHUNK)).await)
        };
        let write = async {
            match out {
                Some(out) if writing => Wake::Wrote(writer.write(out).await),
                _ => pending().await,
            }
        };
        let unblock = async {
            match stream.as_mut() {
                Some(wait) => wait.unblocked().await,
                None => pending().await,
            }
            Wake::Unblocked
        };
        request.or(read).or(write).or(unblock).await
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
        let greeted = self.conn.is_greeted();
        self.snapshot.update(|s| {
            let changed = s.state != session.state()
                || s.capabilities != session.capabilities()
                || s.greeted != greeted
                || s.tls != session.tls_active()
                || s.compress != session.compress_active()
                || s.failure.is_some() != failure.is_some();
            if changed {
                s.state = session.state();
                s.capabilities = session.capabilities().to_vec();
                s.greeted = greeted;
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
                let socket = SockRef::from(&self.writer);
                let _ = reply.try_send(socket.set_tcp_keepalive(&keepalive));
            }
            Request::Wake => {}
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
                        sending: None,
                        outcome: None,
                    })),
                    Err(e) => {
                        let _ = reply.try_send(Err(e));
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
                        reply,
                        interrupt: false,
                    })),
                    Err(e) => {
                        let _ = reply.try_send(Err(e));
                    }
                }
            }
        }
    }
}
