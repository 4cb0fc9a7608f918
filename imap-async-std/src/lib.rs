//! # imap-async-std
//!
//! The IMAP client [`ImapConnection`] (RFC 3501 / RFC 9051) for the futures-io ecosystem:
//! it runs under async-std, under smol, or under a bare `block_on`, with the same API as
//! imap-tokio.
//!
//! The socket is an `async-net` TCP stream (futures-io `AsyncRead`/`AsyncWrite` on the
//! async-io reactor), timeouts are `async_io::Timer`s, calls and the driver talk over
//! `async-channel`, and a streaming FETCH writes into an
//! `async_channel::Sender<Result<FetchResponse, Error>>`. IDLE is cancelled with
//! [`CancellationToken`], the same runtime-agnostic type imap-tokio uses (re-exported).
//!
//! **async-std is discontinued** (RUSTSEC-2025-0052). This crate does not depend on it: it
//! is built on the smol building blocks async-std itself used, so it keeps working on smol,
//! async-std's recommended successor. The async-std example and test use it only as a
//! dev-dependency.
//!
//! ```no_run
//! use std::time::Duration;
//! use imap_async_std::{ImapConnection, TlsMode};
//! use imap_async_std::types::{FetchAttr, SequenceSet};
//!
//! # async fn demo() -> Result<(), imap_async_std::Error> {
//! let t = Duration::from_secs(30);
//! let imap = ImapConnection::connect("imap.example.com", 993, TlsMode::Implicit, t).await?;
//! imap.login("alice", "secret", t).await?;
//! let inbox = imap.select("INBOX", t).await?;
//! println!("{} messages", inbox.exists);
//! let all = SequenceSet::range_from(1)?;
//! for message in imap.uid_fetch(&all, &[FetchAttr::Uid, FetchAttr::Flags], t).await? {
//!     println!("{:?}", message.uid());
//! }
//! imap.logout().await?;
//! # Ok(()) }
//! ```
//!
//! # The driver thread
//!
//! `connect` starts a driver that owns the socket and the sans-IO
//! [`imap_proto_core::Connection`]; every `&self` method sends it a request and awaits the
//! answer. Spawning a task would tie the crate to one executor, so the driver runs on a
//! dedicated thread under `async_io::block_on`: it behaves identically under every runtime
//! (and none), and its socket and timers share the async-io reactor with the caller's. The
//! thread ends when the handle is dropped or the session ends.
//!
//! # Timeouts, dropped calls, TLS, writes
//!
//! As in imap-tokio: every call takes a timeout and returns [`Error::Timeout`] when it
//! elapses, leaving its command in the core so the connection stays synchronised and
//! usable; dropping a call's future does the same. [`TlsMode::StartTls`] upgrades before
//! `connect` returns or fails; [`TlsMode::Plain`] stays plaintext unless
//! [`ImapConnection::starttls`] is called. TCP_NODELAY is set and each batch of commands
//! goes out in one write.
#![forbid(unsafe_code)]

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use async_channel::{Receiver, Sender};
use async_io::Timer;
use async_net::TcpStream;
use futures_lite::FutureExt;
use imap_proto_core::ops::fetch::Delivery;
use imap_proto_core::ops::idle::IdleWake;
use imap_proto_core::types::{Capability, IdleEvent, SequenceSet};
use imap_proto_core::{Config, Connection, Op, TlsSetup, ops};

mod driver;
mod events;
pub mod pipeline;

use driver::{IdleJob, Job, Request, SharedSnapshot, StreamJob};
use events::EventQueue;

pub use driver::FetchSender;
pub use imap_proto_core::types;
pub use imap_proto_core::{
    Error, Precondition, ProtocolViolation, SessionState, TlsMode, TypedEvent,
};
pub use pipeline::Pipeline;
pub use rustls::ClientConfig;
pub use socket2::TcpKeepalive;
pub use tokio_util::sync::CancellationToken;

/// How long `logout()` waits for `* BYE` and the tagged OK. The reference gives `logout` no
/// timeout argument; no call may wait forever, so this documented default applies.
pub const LOGOUT_TIMEOUT: Duration = Duration::from_secs(30);

/// How long `idle()` waits for the tagged completion after it sent `DONE`. The caller's
/// timeout covers the wait for server data; this bounds the exit from IDLE.
pub const IDLE_DONE_TIMEOUT: Duration = Duration::from_secs(30);

#[doc = imap_proto_core::imap_connection_doc!(async imap_async_std)]
/// # The handle
///
/// A handle to a driver thread that owns one TCP (or TLS) connection. All operations are
/// async and take a caller-supplied timeout (except `logout`, see [`LOGOUT_TIMEOUT`]).
/// Each command checks the session state and the server's capabilities before it is sent
/// (`Error::WrongState`, `Error::Precondition`, `Error::MissingCapability`).
///
/// Dropping the handle ends the driver and closes the socket (without LOGOUT).
pub struct ImapConnection {
    requests: Sender<Request>,
    snapshot: Arc<SharedSnapshot>,
    events: Arc<EventQueue>,
    host: String,
    port: u16,
    tls_config: Option<Arc<ClientConfig>>,
    idle_tokens: AtomicU64,
}

impl std::fmt::Debug for ImapConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let snapshot = self.snapshot.get().clone();
        f.debug_struct("ImapConnection")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("state", &snapshot.state)
            .field("tls", &snapshot.tls)
            .field("compress", &snapshot.compress)
            .field("failure", &snapshot.failure)
            .finish_non_exhaustive()
    }
}

use imap_proto_core::expand_async_methods;
imap_proto_core::for_each_imap_method!(expand_async_methods);

/// A timer for `timeout` from now; one that never fires when the instant is unrepresentable.
pub(crate) fn deadline_timer(timeout: Duration) -> Timer {
    Instant::now()
        .checked_add(timeout)
        .map_or_else(Timer::never, Timer::at)
}

/// `future`, or `Err(Error::Timeout)` once `timer` fires.
pub(crate) async fn within<T>(
    timer: Timer,
    future: impl Future<Output = Result<T, Error>>,
) -> Result<T, Error> {
    future
        .or(async {
            timer.await;
            Err(Error::Timeout)
        })
        .await
}

/// A one-shot reply channel: the driver writes once, the caller reads once.
fn reply_channel<T>() -> (Sender<T>, Receiver<T>) {
    async_channel::bounded(1)
}

/// Sends `Request::Interrupt` when dropped: an IDLE whose caller went away still ends.
struct InterruptOnDrop<'a> {
    requests: &'a Sender<Request>,
    token: u64,
}

impl Drop for InterruptOnDrop<'_> {
    fn drop(&mut self) {
        let _ = self.requests.try_send(Request::Interrupt(self.token));
    }
}

/// Closes a streaming call's reply and wakes the driver when the call ends early (timeout
/// or dropped future), so a stream blocked on a full channel notices and discards the rest.
struct AbandonOnDrop<'a> {
    requests: &'a Sender<Request>,
    result: Receiver<Result<(), Error>>,
}

impl Drop for AbandonOnDrop<'_> {
    fn drop(&mut self) {
        if self.result.close() {
            let _ = self.requests.try_send(Request::Wake);
        }
    }
}

impl ImapConnection {
    /// The generic command loop every table `op` goes through: submit via the driver, then
    /// await the result with the timeout. See the crate docs for what a timeout leaves.
    async fn run<O: Op>(&self, op: O, timeout: Duration) -> Result<O::Output, Error> {
        self.run_with(op, deadline_timer(timeout)).await
    }

    /// Like [`ImapConnection::run`], bounded by `timer`.
    async fn run_with<O: Op>(&self, op: O, timer: Timer) -> Result<O::Output, Error> {
        let (reply, result) = reply_channel();
        self.send(Request::Submit(Job::op(op, reply)))?;
        self.await_reply(&result, timer).await
    }

    fn send(&self, request: Request) -> Result<(), Error> {
        self.requests.try_send(request).map_err(|_| self.gone())
    }

    /// The error for a call the driver can no longer answer.
    fn gone(&self) -> Error {
        match &self.snapshot.get().failure {
            Some(cause) => Error::ConnectionFailed(cause.clone()),
            None => Error::DriverGone,
        }
    }

    async fn await_reply<T>(
        &self,
        result: &Receiver<Result<T, Error>>,
        timer: Timer,
    ) -> Result<T, Error> {
        within(timer, async {
            result.recv().await.unwrap_or_else(|_| Err(self.gone()))
        })
        .await
    }

    async fn connect_impl(
        host: &str,
        port: u16,
        tls_mode: TlsMode,
        timeout: Duration,
    ) -> Result<Self, Error> {
        Self::open(host, port, tls_mode, None, timeout).await
    }

    async fn connect_with_tls_config_impl(
        host: &str,
        port: u16,
        tls_mode: TlsMode,
        tls_config: Arc<ClientConfig>,
        timeout: Duration,
    ) -> Result<Self, Error> {
        Self::open(host, port, tls_mode, Some(tls_config), timeout).await
    }

    /// TCP connect, the driver, the greeting, the capabilities, then STARTTLS if asked;
    /// all within `timeout`.
    async fn open(
        host: &str,
        port: u16,
        tls_mode: TlsMode,
        tls_config: Option<Arc<ClientConfig>>,
        timeout: Duration,
    ) -> Result<Self, Error> {
        let deadline = Instant::now().checked_add(timeout);
        let timer = || deadline.map_or_else(Timer::never, Timer::at);
        let stream = within(timer(), async {
            Ok(TcpStream::connect((host, port)).await?)
        })
        .await?;
        stream.set_nodelay(true)?;
        let config = Config::default();
        let event_capacity = config.max_queued_events;
        let conn = match tls_mode {
            TlsMode::Implicit => {
                Connection::new_tls(config, TlsSetup::for_host(host, tls_config.as_ref())?)?
            }
            TlsMode::StartTls | TlsMode::Plain => Connection::new(config),
        };
        let spawned = driver::spawn(stream, conn, event_capacity)?;
        let this = ImapConnection {
            requests: spawned.requests,
            snapshot: spawned.snapshot,
            events: spawned.events,
            host: host.to_string(),
            port,
            tls_config,
            idle_tokens: AtomicU64::new(0),
        };
        within(timer(), this.await_greeting()).await?;
        if this.snapshot.get().capabilities.is_empty() {
            this.run_with(ops::session::capability(), timer()).await?;
        }
        if tls_mode == TlsMode::StartTls {
            let setup = TlsSetup::for_host(host, this.tls_config.as_ref())?;
            this.run_with(ops::upgrade::starttls(setup), timer())
                .await?;
        }
        Ok(this)
    }

    /// Waits for the server's greeting; a `* BYE` greeting is an error.
    async fn await_greeting(&self) -> Result<(), Error> {
        let greeted = loop {
            let listener = self.snapshot.changed.listen();
            let snapshot = self.snapshot.get().clone();
            if snapshot.greeted || snapshot.exited || snapshot.failure.is_some() {
                break snapshot;
            }
            listener.await;
        };
        if !greeted.greeted {
            // The first call to see the failure gets its cause (a certificate refused under
            // implicit TLS is `Error::Tls`, as under STARTTLS), not `ConnectionFailed`.
            return Err(match greeted.failure {
                Some(cause) => (*cause).clone(),
                None => self.gone(),
            });
        }
        if greeted.state == SessionState::Logout {
            return Err(Error::from_bye_greeting(self.events.drain()));
        }
        Ok(())
    }

    async fn logout_impl(&self) -> Result<(), Error> {
        self.run(ops::session::logout(), LOGOUT_TIMEOUT).await
    }

    async fn starttls_impl(&self, timeout: Duration) -> Result<(), Error> {
        let setup = TlsSetup::for_host(&self.host, self.tls_config.as_ref())?;
        self.run(ops::upgrade::starttls(setup), timeout).await
    }

    async fn starttls_with_config_impl(
        &self,
        tls_config: Arc<ClientConfig>,
        timeout: Duration,
    ) -> Result<(), Error> {
        let setup = TlsSetup::for_host(&self.host, Some(&tls_config))?;
        self.run(ops::upgrade::starttls(setup), timeout).await
    }

    async fn set_keepalive_impl(&self, keepalive: TcpKeepalive) -> Result<(), Error> {
        let (reply, result) = reply_channel();
        self.send(Request::SetKeepalive(keepalive, reply))?;
        match result.recv().await {
            Ok(outcome) => outcome.map_err(Error::from),
            Err(_) => Err(self.gone()),
        }
    }

    async fn idle_impl(
        &self,
        timeout: Duration,
        cancel: CancellationToken,
    ) -> Result<IdleEvent, Error> {
        let token = self.idle_tokens.fetch_add(1, Ordering::Relaxed);
        let (activity, woken) = reply_channel();
        let (reply, result) = reply_channel();
        self.send(Request::Submit(Job::Idle(IdleJob {
            op: ops::idle::idle(),
            token,
            activity,
            reply,
        })))?;
        // From here on, however this future ends (even dropped), DONE is sent.
        let interrupt = InterruptOnDrop {
            requests: &self.requests,
            token,
        };
        // In this order of priority, like imap-tokio's biased select.
        let (wake, finished) = async { (IdleWake::Ended, Some(result.recv().await)) }
            .or(async {
                let wake = match woken.recv().await {
                    Ok(()) => IdleWake::Activity,
                    Err(_) => IdleWake::Ended,
                };
                (wake, None)
            })
            .or(async {
                cancel.cancelled().await;
                (IdleWake::Cancelled, None)
            })
            .or(async {
                deadline_timer(timeout).await;
                (IdleWake::TimedOut, None)
            })
            .await;
        drop(interrupt);
        let events = match finished {
            Some(Ok(outcome)) => outcome?,
            Some(Err(_)) => return Err(self.gone()),
            None => {
                self.await_reply(&result, deadline_timer(IDLE_DONE_TIMEOUT))
                    .await?
            }
        };
        Ok(wake.into_event(events, |events| self.events.requeue_front(events)))
    }

    async fn fetch_streaming_impl(
        &self,
        sequence_set: &SequenceSet,
        items: &[types::FetchAttr],
        tx: FetchSender,
        timeout: Duration,
    ) -> Result<(), Error> {
        self.stream(false, sequence_set, items, tx, timeout).await
    }

    async fn uid_fetch_streaming_impl(
        &self,
        sequence_set: &SequenceSet,
        items: &[types::FetchAttr],
        tx: FetchSender,
        timeout: Duration,
    ) -> Result<(), Error> {
        self.stream(true, sequence_set, items, tx, timeout).await
    }

    /// A streamed (UID) FETCH. The driver moves each response into `tx` with back-pressure:
    /// while the channel is full it stops reading the socket, so memory stays bounded.
    /// When the call times out or is dropped, `tx` is closed early and the remaining
    /// responses are read and discarded.
    async fn stream(
        &self,
        uid: bool,
        sequence_set: &SequenceSet,
        items: &[types::FetchAttr],
        tx: FetchSender,
        timeout: Duration,
    ) -> Result<(), Error> {
        let op = ops::fetch::fetch(uid, sequence_set, items, None, false, Delivery::Streamed);
        let (reply, result) = reply_channel();
        self.send(Request::Submit(Job::Stream(Box::new(StreamJob {
            op,
            tx,
            reply,
        }))))?;
        let call = AbandonOnDrop {
            requests: &self.requests,
            result,
        };
        self.await_reply(&call.result, deadline_timer(timeout))
            .await
    }

    async fn next_event_impl(&self, timeout: Duration) -> Result<Option<TypedEvent>, Error> {
        self.events.next(timeout).await
    }

    async fn drain_events_impl(&self) -> Vec<TypedEvent> {
        self.events.drain()
    }

    fn session_state_impl(&self) -> SessionState {
        self.snapshot.get().state
    }

    fn capabilities_impl(&self) -> Vec<Capability> {
        self.snapshot.get().capabilities.clone()
    }

    fn pipeline_impl(&self) -> Pipeline<'_, ()> {
        Pipeline::new(self)
    }

    /// Submits a batch (pipeline) in one request: the commands go out in one write.
    pub(crate) fn submit_batch(&self, jobs: Vec<Job>) -> Result<(), Error> {
        self.send(Request::Batch(jobs))
    }

    fn is_tls_impl(&self) -> bool {
        self.snapshot.get().tls
    }

    fn is_compressed_impl(&self) -> bool {
        self.snapshot.get().compress
    }
}

/// The README's examples, compiled as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
mod readme {}
