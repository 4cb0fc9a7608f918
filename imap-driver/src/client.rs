//! [`ImapConnection`]: the handle every async adapter's connection type is, generic over
//! the adapter's [`Runtime`]. Its methods come from the core's method table; this file
//! holds the parts the table forwards to (`*_impl`) and the way a connection is opened.

use std::marker::PhantomData;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use futures_channel::{mpsc, oneshot};
use futures_lite::FutureExt;
use imap_proto_core::ops::idle::IdleWake;
use imap_proto_core::types::{FetchAttr, IdleEvent, SequenceSet};
use imap_proto_core::{Error, Op, SessionState, TlsMode, TypedEvent};
use rustls::ClientConfig;
use socket2::TcpKeepalive;

use crate::calls::{IdleJob, StreamJob};
use crate::driver::{Driver, Request};
use crate::events::EventQueue;
use crate::fetch_stream::FetchStream;
use crate::idle_keeper::IdleTimers;
use crate::link::Link;
use crate::options::ConnectOptions;
use crate::pipeline::Pipeline;
use crate::runtime::{BoxTransport, Runtime, deadline_after};
use crate::sink::FetchSink;
use crate::snapshot::SharedSnapshot;
use crate::stream::DrivesStream;
use crate::{CancellationToken, IDLE_DONE_TIMEOUT};

/// An IMAP client connection (RFC 3501 Section 2 / RFC 9051 Section 2) on runtime `R`.
///
/// A handle to a driver task that owns one connection. All operations are async and take
/// a caller-supplied timeout (except `logout`, see [`LOGOUT_TIMEOUT`](crate::LOGOUT_TIMEOUT)). Each command checks
/// before sending that the session state allows it (`Error::WrongState`) and that the server
/// advertises what it needs (`Error::MissingCapability`).
///
/// Dropping the handle ends the driver and closes the connection (without LOGOUT).
pub struct ImapConnection<R: Runtime> {
    link: Link,
    events: Arc<EventQueue>,
    host: String,
    port: u16,
    tls_config: Option<Arc<ClientConfig>>,
    idle_tokens: AtomicU64,
    /// When a running IDLE is first checked ([`IdleTimers::first_check`]).
    idle_timers: IdleTimers,
    /// How many responses a [`FetchStream`] holds for its consumer.
    fetch_stream_capacity: usize,
    runtime: PhantomData<fn() -> R>,
}

impl<R: Runtime> std::fmt::Debug for ImapConnection<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.link.snapshot.debug(f, &self.host, self.port)
    }
}

/// When a call gives up: `None` is never.
type Deadline = Option<Instant>;

/// Sends `Request::Interrupt` when dropped: an IDLE whose caller went away still ends.
struct InterruptOnDrop<'a> {
    link: &'a Link,
    token: u64,
}

impl Drop for InterruptOnDrop<'_> {
    fn drop(&mut self) {
        let _ = self.link.send(Request::Interrupt(self.token));
    }
}

impl<R: Runtime> ImapConnection<R> {
    /// The generic command loop every table `op` goes through: submit via the driver, then
    /// await the result with the timeout. A timed-out call leaves its op in the core.
    async fn run<O: Op>(&self, op: O, timeout: Duration) -> Result<O::Output, Error> {
        self.link.run(op, deadline_after(timeout)).await
    }

    /// Runs a user-written [`Op`] (an extension command) like any built-in one.
    pub async fn run_op<O: Op>(&self, op: O, timeout: Duration) -> Result<O::Output, Error> {
        self.run(op, timeout).await
    }

    /// Like `run`, with a deadline (`None`: never).
    async fn run_until<O: Op>(&self, op: O, deadline: Deadline) -> Result<O::Output, Error> {
        self.link.run(op, deadline).await
    }

    /// `connect_with`'s TCP connection, within `deadline`, with the options' keepalive.
    async fn connect_tcp(
        host: &str,
        port: u16,
        options: &ConnectOptions,
        deadline: Deadline,
    ) -> Result<BoxTransport, Error> {
        let connect = async { Ok(R::connect_tcp(host, port).await?) };
        let timer = deadline.map_or_else(
            || -> crate::BoxFuture<()> { Box::pin(futures_lite::future::pending()) },
            R::sleep_until,
        );
        let transport = connect
            .or(async {
                timer.await;
                Err(Error::Timeout)
            })
            .await?;
        if let Some(keepalive) = &options.tcp_keepalive {
            transport.set_keepalive(keepalive)?;
        }
        Ok(transport)
    }

    /// Runs a session over an already-open byte stream (a Unix socket, a proxy tunnel, an
    /// in-memory pipe): `server_name` is the name TLS verifies; TLS modes as for
    /// [`ImapConnection::connect_with`].
    pub async fn from_transport(
        transport: BoxTransport,
        server_name: &str,
        options: ConnectOptions,
        timeout: Duration,
    ) -> Result<Self, Error> {
        Self::open(transport, server_name, 0, options, deadline_after(timeout)).await
    }

    /// Runs a session over an already-open byte stream of the runtime's I/O model (a Unix
    /// socket, a proxy tunnel, an in-memory pipe; see [`DrivesStream`] for what each
    /// runtime accepts): `server_name` is the name TLS verifies; every TLS mode works as for
    /// [`ImapConnection::connect_with`], and so does a later `starttls()` under
    /// `TlsMode::Plain`. The stream is read through a small buffer of its own while the
    /// connection is idle.
    pub async fn from_stream<S>(
        stream: S,
        server_name: &str,
        options: ConnectOptions,
        timeout: Duration,
    ) -> Result<Self, Error>
    where
        R: DrivesStream<S>,
    {
        Self::from_transport(R::transport(stream), server_name, options, timeout).await
    }

    /// Starts the driver on `transport`, then the greeting, the capabilities and STARTTLS.
    async fn open(
        transport: BoxTransport,
        host: &str,
        port: u16,
        options: ConnectOptions,
        deadline: Option<Instant>,
    ) -> Result<Self, Error> {
        // The trust roots become a configuration once, for connect and a later STARTTLS.
        let mut options = options;
        options.tls_config = options.effective_tls_config()?;
        let engine = options.engine(host)?;
        let events = Arc::new(EventQueue::new(options.config.max_queued_events));
        let (requests_tx, requests) = mpsc::unbounded();
        let snapshot = Arc::new(SharedSnapshot::default());
        let driver = Driver {
            engine,
            transport,
            requests,
            snapshot: snapshot.clone(),
            events: events.clone(),
            flushing: false,
        };
        let driver = Box::pin(driver.run());
        match &options.spawner {
            Some(spawn) => spawn(driver),
            None => R::spawn(driver),
        }
        let this = ImapConnection {
            link: Link {
                requests: requests_tx,
                snapshot,
                sleep: R::sleep_until,
            },
            events,
            host: host.to_string(),
            port,
            tls_config: options.tls_config,
            idle_tokens: AtomicU64::new(0),
            idle_timers: options.idle_timers,
            fetch_stream_capacity: options.fetch_stream_capacity,
            runtime: PhantomData,
        };
        this.link.within(deadline, this.await_greeting()).await?;
        this.handshake(options.tls_mode, deadline).await?;
        Ok(this)
    }

    /// Waits for the server's greeting; a `* BYE` greeting is an error.
    async fn await_greeting(&self) -> Result<(), Error> {
        let greeted = self
            .link
            .snapshot
            .wait_for(|s| s.greeted || s.exited || s.failure.is_some())
            .await;
        if !greeted.greeted {
            // The first call to see the failure gets its cause (a certificate refused under
            // implicit TLS is `Error::Tls`, as under STARTTLS), not `ConnectionFailed`.
            return Err(match greeted.failure {
                Some(cause) => (*cause).clone(),
                None => self.link.gone(),
            });
        }
        if greeted.state == SessionState::Logout {
            return Err(Error::from_bye_greeting(self.events.drain()));
        }
        Ok(())
    }

    async fn set_keepalive_impl(&self, keepalive: TcpKeepalive) -> Result<(), Error> {
        let (reply, result) = oneshot::channel();
        self.link.send(Request::SetKeepalive(keepalive, reply))?;
        match result.await {
            Ok(outcome) => outcome.map_err(Error::from),
            Err(_) => Err(self.link.gone()),
        }
    }

    async fn idle_impl(
        &self,
        timeout: Duration,
        cancel: CancellationToken,
    ) -> Result<IdleEvent, Error> {
        let token = self.idle_tokens.fetch_add(1, Ordering::Relaxed);
        let (job, mut woken, mut result) = IdleJob::start(token);
        self.link.send(Request::Submit(job))?;
        // From here on, however this future ends (even dropped), DONE is sent.
        let interrupt = InterruptOnDrop {
            link: &self.link,
            token,
        };
        let mut timer = self.link.timer(deadline_after(timeout));
        // The driver re-issues the IDLE and probes a silent server when this side's timer
        // says it is time (the driver has no timers of its own).
        let mut next_check = self.idle_timers.first_check(Instant::now());
        // In this order of priority: the op's own end, server data, cancel, the timeout,
        // a check.
        let (wake, finished) = loop {
            let check = self.link.timer(Some(next_check));
            let woke = async { Some((IdleWake::Ended, Some((&mut result).await))) }
                .or(async {
                    let wake = match (&mut woken).await {
                        Ok(()) => IdleWake::Activity,
                        Err(_) => IdleWake::Ended,
                    };
                    Some((wake, None))
                })
                .or(async {
                    cancel.cancelled().await;
                    Some((IdleWake::Cancelled, None))
                })
                .or(async {
                    (&mut timer).await;
                    Some((IdleWake::TimedOut, None))
                })
                .or(async {
                    check.await;
                    None
                })
                .await;
            match woke {
                Some(woke) => break woke,
                None => next_check = self.idle_check(token).await,
            }
        };
        drop(interrupt);
        let events = match finished {
            Some(Ok(outcome)) => outcome?,
            Some(Err(_)) => return Err(self.link.gone()),
            None => self.await_done(token, &mut result).await?,
        };
        Ok(wake.into_event(events, |events| self.events.requeue_front(events)))
    }

    /// The IDLE's result after its `DONE`, within [`IDLE_DONE_TIMEOUT`]; meanwhile the
    /// driver checks it, so a `DONE` that gets no byte within the probe timeout fails the
    /// connection with `Error::PeerUnresponsive` at once.
    async fn await_done(
        &self,
        token: u64,
        result: &mut oneshot::Receiver<Result<Vec<TypedEvent>, Error>>,
    ) -> Result<Vec<TypedEvent>, Error> {
        let deadline = Instant::now() + IDLE_DONE_TIMEOUT;
        loop {
            let next = self.idle_check(token).await.min(deadline);
            let check = self.link.timer(Some(next));
            let answer = async { Some((&mut *result).await) }
                .or(async {
                    check.await;
                    None
                })
                .await;
            match answer {
                Some(answer) => return answer.unwrap_or_else(|_| Err(self.link.gone())),
                // The deadline: the usual verdict on a timed-out call.
                None if Instant::now() >= deadline => {
                    return self.link.await_reply(result, Some(deadline)).await;
                }
                None => {}
            }
        }
    }

    /// Asks the driver to check the IDLE with `token` (re-issue, probe, or give the peer
    /// up); when to check next. If the driver is gone the IDLE's own result says so.
    async fn idle_check(&self, token: u64) -> Instant {
        let (reply, next) = oneshot::channel();
        let fallback = || self.idle_timers.first_check(Instant::now());
        if self.link.send(Request::IdleCheck(token, reply)).is_err() {
            return fallback();
        }
        // Never in the past: a check that changed nothing must not be repeated at once.
        let soonest = Instant::now() + std::time::Duration::from_millis(1);
        next.await.unwrap_or_else(|_| fallback()).max(soonest)
    }

    /// A streamed (UID) FETCH. The driver moves each response into `sink` with
    /// back-pressure: while it is full the driver stops reading the socket, so memory stays
    /// bounded. When the call times out or is dropped, `sink` is closed early and the
    /// remaining responses are read and discarded.
    async fn stream(
        &self,
        uid: bool,
        sequence_set: &SequenceSet,
        items: &[FetchAttr],
        sink: Box<dyn FetchSink>,
        timeout: Duration,
    ) -> Result<(), Error> {
        let (job, mut result) = StreamJob::channel(uid, sequence_set, items, sink);
        self.link.send(Request::Submit(job))?;
        self.link
            .await_reply(&mut result, deadline_after(timeout))
            .await
    }

    /// A streamed (UID) FETCH as a [`FetchStream`]: submitted now, its responses handed
    /// over in batches into the stream's bounded queue.
    async fn fetch_stream_start(
        &self,
        uid: bool,
        request: (&SequenceSet, &[FetchAttr]),
        timeout: Duration,
    ) -> Result<FetchStream, Error> {
        FetchStream::start(
            &self.link,
            uid,
            request,
            self.fetch_stream_capacity,
            timeout,
        )
    }

    async fn next_event_impl(&self, timeout: Duration) -> Result<Option<TypedEvent>, Error> {
        let timer = self.link.timer(deadline_after(timeout));
        self.events.next(timer).await
    }

    fn pipeline_impl(&self) -> Pipeline<'_, ()> {
        Pipeline::new(&self.link)
    }

    /// The session as last published.
    fn snapshot(&self) -> &SharedSnapshot {
        &self.link.snapshot
    }

    /// The event queue.
    fn events(&self) -> &EventQueue {
        &self.events
    }

    crate::__common_calls!(async);
}

macro_rules! expand_on_generic_handle {
    ($($table:tt)*) => {
        imap_proto_core::__expand_methods! {
            async [impl<R: Runtime> ImapConnection<R>] $($table)*
        }
    };
}

// Every method of the core's table, expanded once onto `ImapConnection<R>` for all async
// runtimes (the names `use`d above are the ones the table's signatures use).
imap_proto_core::for_each_imap_method!(expand_on_generic_handle);
