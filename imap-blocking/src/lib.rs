#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use futures_channel::oneshot;
use imap_driver::__adapter::{
    BlockingLoop, BlockingSync, EventQueue, IdleJob, Job, Popped, Seat, SharedSnapshot, StreamJob,
    SyncArgs, answered, deadline_or_far as deadline_after, idle_wake,
};
use imap_driver::pipeline::BlockingBatch;
use imap_proto_core::Op;
use imap_proto_core::types::{FetchResponse, IdleEvent, SequenceSet, SyncDelta};

mod idle;

/// The name the method table gives `uid_fetch_stream`'s result.
use imap_driver::FetchIter as FetchStream;
pub use imap_driver::{
    ByteStream, CancellationToken, ConnectOptions, FetchIter, FetchSink, IDLE_CANCEL_CHECK,
    IDLE_DONE_TIMEOUT, IdleTimers, LOGOUT_TIMEOUT, Reconnect, Socket, pipeline,
};
pub use imap_proto_core::reconnect;
pub use imap_proto_core::sasl;
pub use imap_proto_core::types;
pub use imap_proto_core::{
    Config, Error, Limits, Precondition, ProtocolViolation, SessionState, TlsMode, TrustRoots,
    TypedEvent,
};
pub use rustls::ClientConfig;
pub use socket2::TcpKeepalive;

/// Reconnect and resume (see [`imap_driver::Resilient`]), blocking: the same helper and
/// policy as the async adapters', sleeping on the calling thread.
pub type Resilient<F> = imap_driver::Resilient<ImapConnection, F>;

/// A pipelined batch under construction (see [`pipeline`]); `execute` blocks.
pub type Pipeline<'a, T> = imap_driver::Pipeline<'a, T, ImapConnection>;

/// The bounded channel a streaming FETCH sends into: a slow reader slows the socket down.
pub type FetchSender = std::sync::mpsc::SyncSender<Result<FetchResponse, Error>>;

#[doc = imap_proto_core::imap_connection_doc!(blocking imap_blocking)]
/// # The handle
///
/// Over a blocking `TcpStream` or any [`ByteStream`]. See the [crate docs](crate) for
/// threads, timeouts and IDLE.
///
/// Each command checks before sending that the session state allows it (`Error::WrongState`)
/// and that the server advertises what it needs (`Error::MissingCapability`). Dropping the
/// connection closes the socket (without LOGOUT).
pub struct ImapConnection {
    /// The socket and the core behind the lock; the snapshot and events beside it.
    core: Seat<BlockingLoop>,
    /// A second handle on the stream's OS socket, if it has one: IDLE waits on it, and
    /// options (keepalive) are set on it during a call.
    socket: Option<Socket>,
    host: String,
    port: u16,
    tls_config: Option<Arc<ClientConfig>>,
    idle_tokens: AtomicU64,
}

impl std::fmt::Debug for ImapConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.core.shared.snapshot.debug(f, &self.host, self.port)
    }
}

use imap_proto_core::expand_blocking_methods;
imap_proto_core::for_each_imap_method!(expand_blocking_methods);

/// When a call gives up.
type Deadline = Instant;

impl ImapConnection {
    /// The generic command loop every table `op` goes through. See the crate docs for what
    /// a timeout leaves.
    fn run<O: Op>(&self, op: O, timeout: Duration) -> Result<O::Output, Error> {
        self.run_until(op, deadline_after(timeout))
    }

    /// Runs a user-written [`Op`] (an extension command) like any built-in one.
    pub fn run_op<O: Op>(&self, op: O, timeout: Duration) -> Result<O::Output, Error> {
        self.run(op, timeout)
    }

    /// Runs `job` and drives the connection until `reply` is answered or `deadline` passes;
    /// after a timeout the call stays with the connection, which discards its result.
    fn call<T>(
        &self,
        job: Job,
        mut reply: oneshot::Receiver<Result<T, Error>>,
        deadline: Instant,
    ) -> Result<T, Error> {
        let mut held = self.core.take(deadline)?;
        held.start(job);
        match held.drive(&self.core.shared, deadline, || answered(&mut reply)) {
            Err(Error::Timeout) => {
                // Closed first, so the engine knows which op timed out; an answer that
                // came just before is still taken.
                reply.close();
                if let Ok(Some(answer)) = reply.try_recv() {
                    return answer;
                }
                Err(held.timed_out(&self.core.shared))
            }
            other => other?,
        }
    }

    fn run_until<O: Op>(&self, op: O, deadline: Deadline) -> Result<O::Output, Error> {
        let (reply, result) = oneshot::channel();
        self.call(Job::op(op, reply), result, deadline)
    }

    /// `connect_with`'s TCP connection, within `deadline`, with the options' keepalive.
    fn connect_tcp(
        host: &str,
        port: u16,
        options: &ConnectOptions,
        deadline: Deadline,
    ) -> Result<Box<dyn ByteStream>, Error> {
        let stream = imap_driver::__adapter::connect_tcp_until(host, port, deadline)?;
        stream.set_nodelay(true)?;
        if let Some(keepalive) = &options.tcp_keepalive {
            socket2::SockRef::from(&stream).set_tcp_keepalive(keepalive)?;
        }
        Ok(Box::new(stream))
    }

    /// Runs a session over an already-open byte stream (a Unix socket, a proxy tunnel, an
    /// in-memory pipe; see [`ByteStream`] for what it must support): `server_name` is the
    /// name TLS verifies; every TLS mode works as for [`ImapConnection::connect_with`],
    /// and so does a later `starttls()` under `TlsMode::Plain`.
    pub fn from_stream(
        stream: impl ByteStream,
        server_name: &str,
        options: ConnectOptions,
        timeout: Duration,
    ) -> Result<Self, Error> {
        Self::open(
            Box::new(stream),
            server_name,
            0,
            options,
            deadline_after(timeout),
        )
    }

    /// Takes over `stream`, then the greeting, the capabilities and STARTTLS.
    fn open(
        stream: Box<dyn ByteStream>,
        host: &str,
        port: u16,
        options: ConnectOptions,
        deadline: Instant,
    ) -> Result<Self, Error> {
        let socket = stream.socket()?;
        // The trust roots become a configuration once, for connect and a later STARTTLS.
        let mut options = options;
        options.tls_config = options.effective_tls_config()?;
        let engine = options.engine(host)?;
        let inner = BlockingLoop::new(engine, stream, options.idle_timers);
        let this = ImapConnection {
            core: Seat::new(inner, options.config.max_queued_events),
            socket,
            host: host.to_string(),
            port,
            tls_config: options.tls_config,
            idle_tokens: AtomicU64::new(0),
        };
        this.await_greeting(deadline)?;
        this.handshake(options.tls_mode, deadline)?;
        Ok(this)
    }

    /// Reads until the greeting; a `* BYE` greeting is an error.
    fn await_greeting(&self, deadline: Instant) -> Result<(), Error> {
        let mut held = self.core.take(deadline)?;
        let failure = held.drive(&self.core.shared, deadline, || {
            let snapshot = self.core.shared.snapshot.get();
            match snapshot.greeted {
                true => Some(None),
                false => snapshot.failure.clone().map(Some),
            }
        })?;
        drop(held);
        // The cause itself (a refused certificate is `Error::Tls` in every TLS mode).
        if let Some(cause) = failure {
            return Err((*cause).clone());
        }
        if self.core.shared.snapshot.get().state == SessionState::Logout {
            return Err(Error::from_bye_greeting(self.core.shared.events.drain()));
        }
        Ok(())
    }

    fn set_keepalive_impl(&self, keepalive: TcpKeepalive) -> Result<(), Error> {
        match &self.socket {
            Some(socket) => Ok(socket.set_keepalive(&keepalive)?),
            None => Err(std::io::Error::from(std::io::ErrorKind::Unsupported).into()),
        }
    }

    fn idle_impl(&self, timeout: Duration, cancel: CancellationToken) -> Result<IdleEvent, Error> {
        let deadline = deadline_after(timeout);
        let token = self.idle_tokens.fetch_add(1, Ordering::Relaxed);
        let (job, mut woken, mut result) = IdleJob::start(token);
        let mut held = self.core.take(deadline)?;
        held.start(job);
        let socket = self.socket.as_ref();
        let wake = idle::wait_idle(
            &mut held,
            &self.core.shared,
            socket,
            (deadline, token),
            &cancel,
            || idle_wake(&mut woken),
        );
        // However the wait ended, DONE is sent (the calls repeat it until the op ends).
        let engine = &mut held.engine;
        engine.calls.interrupt(token, &mut engine.conn);
        let wake = wake?;
        let events = held.await_done(&self.core.shared, token, &mut result)?;
        drop(held);
        Ok(wake.into_event(events, |events| {
            self.core.shared.events.requeue_front(events)
        }))
    }

    /// A streamed (UID) FETCH: each response is sent into `sink` as soon as the core has
    /// it; while the channel is full the loop blocks in its `send`, so the socket is not
    /// read. `sink` is dropped at the end; after a timeout the rest of the responses are
    /// discarded.
    fn stream(
        &self,
        uid: bool,
        sequence_set: &SequenceSet,
        items: &[types::FetchAttr],
        sink: Box<dyn FetchSink>,
        timeout: Duration,
    ) -> Result<(), Error> {
        let (job, result) = StreamJob::channel(uid, sequence_set, items, sink);
        self.call(job, result, deadline_after(timeout))
    }

    /// A streamed (UID) FETCH as a pull-based [`FetchIter`]: it holds the lock until it ends.
    fn fetch_stream_start(
        &self,
        uid: bool,
        request: (&SequenceSet, &[types::FetchAttr]),
        timeout: Duration,
    ) -> Result<FetchIter<'_>, Error> {
        self.core.fetch_iter(uid, request, timeout)
    }

    /// The next event: from the queue, or else by reading the socket while no call holds
    /// it, or else by waiting for the call that holds it to queue events or finish.
    fn next_event_impl(&self, timeout: Duration) -> Result<Option<TypedEvent>, Error> {
        let deadline = deadline_after(timeout);
        loop {
            let seen = match self.core.shared.events.pop() {
                Popped::Event(event) => return Ok(Some(event)),
                Popped::Closed => return Err(Error::DriverGone),
                Popped::Empty(generation) => generation,
            };
            if Instant::now() >= deadline {
                return Ok(None);
            }
            match self.core.try_take() {
                Some(mut held) => match held.step(&self.core.shared, deadline) {
                    Ok(()) => {}
                    Err(Error::Timeout) => return Ok(None),
                    Err(_) => {
                        self.core.shared.events.close();
                    }
                },
                None => self.core.shared.events.wait_change(seen, Some(deadline)),
            }
        }
    }

    fn pipeline_impl(&self) -> Pipeline<'_, ()> {
        Pipeline::new(self)
    }

    /// The session as last published.
    fn snapshot(&self) -> &SharedSnapshot {
        &self.core.shared.snapshot
    }

    /// The event queue.
    fn events(&self) -> &EventQueue {
        &self.core.shared.events
    }

    imap_driver::__common_calls!(blocking);
}

impl BlockingSync for ImapConnection {
    fn sync_mailbox(
        &self,
        (mailbox, state, options, timeout): SyncArgs<'_>,
    ) -> Result<SyncDelta, Error> {
        ImapConnection::sync_mailbox(self, mailbox, state, options, timeout)
    }
}

impl BlockingBatch for ImapConnection {
    fn run_batch(
        &self,
        jobs: Vec<Job>,
        answered: &mut dyn FnMut() -> bool,
        deadline: Option<Instant>,
    ) -> Result<(), Error> {
        let deadline = deadline.unwrap_or_else(|| deadline_after(Duration::MAX));
        let mut held = self.core.take(deadline)?;
        for job in jobs {
            held.start(job);
        }
        match held.drive(&self.core.shared, deadline, || answered().then_some(())) {
            Err(Error::Timeout) => Err(held.timed_out(&self.core.shared)),
            other => other,
        }
    }
}
