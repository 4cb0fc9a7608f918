//! # imap-tokio
//!
//! The IMAP client [`ImapConnection`] on tokio (RFC 3501 / RFC 9051).
//!
//! `ImapConnection` is a handle. [`ImapConnection::connect`] spawns a driver task that owns
//! the `TcpStream` and the sans-IO [`imap_proto_core::Connection`]; every `&self` method sends
//! the driver a request and awaits its answer. All protocol logic (TLS, STARTTLS, COMPRESS,
//! literals, pipelining rules, state and capability checks, result building) lives in the
//! core; this crate moves bytes, runs timers and turns results into futures. The methods
//! themselves are generated from the core's method table
//! ([`imap_proto_core::for_each_imap_method!`]), so their names, arguments and docs are the
//! same in every adapter.
//!
//! ```no_run
//! use std::time::Duration;
//! use imap_tokio::{ImapConnection, TlsMode};
//! use imap_tokio::types::{FetchAttr, SequenceSet};
//!
//! # async fn demo() -> Result<(), imap_tokio::Error> {
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
//! # Timeouts, dropped calls and the connection state
//!
//! Every call takes a timeout; there are no infinite waits. When it elapses the call
//! returns [`Error::Timeout`], but the command it sent stays in the core: the driver keeps
//! reading its response when it comes and discards the result. The connection therefore
//! stays synchronised and usable, and the next call works normally (its response simply
//! comes after the late one). Dropping a call's future has the same effect. A call dropped
//! (or timed out) before the driver picked up its request is not sent at all. The effects
//! of a timed-out command (a STORE, an APPEND) may still happen on the server; the session
//! state ([`ImapConnection::session_state`]) follows them when the response arrives.
//!
//! # TLS
//!
//! [`TlsMode::Implicit`] speaks TLS from the first byte (port 993, RFC 8314).
//! [`TlsMode::StartTls`] reads the greeting and performs STARTTLS before `connect` returns,
//! failing if the server does not offer it: the session is never silently left in
//! plaintext. [`TlsMode::Plain`] uses no TLS unless the caller explicitly calls
//! [`ImapConnection::starttls`] later. Certificates are verified against the Mozilla root
//! store (webpki-roots) unless `connect_with_tls_config` supplies a rustls configuration;
//! a later `starttls()` on such a connection uses that configuration too.
//!
//! # Writes
//!
//! TCP_NODELAY is set, and everything the core has ready is gathered into one buffer and
//! written at once: a command (and a pipelined batch) goes out in a single write, except the
//! data of a synchronising literal, which waits for the server's `+`.
#![forbid(unsafe_code)]

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use imap_proto_core::ops::fetch::Delivery;
use imap_proto_core::ops::idle::IdleWake;
use imap_proto_core::types::{Capability, IdleEvent, SequenceSet};
use imap_proto_core::{Config, Connection, Op, TlsSetup, ops};
use tokio::net::TcpStream;
use tokio::sync::{mpsc, oneshot, watch};
use tokio::time::Instant;

mod driver;
mod events;
pub mod pipeline;

use driver::{IdleJob, Job, Request, Snapshot, StreamJob};
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

#[doc = imap_proto_core::imap_connection_doc!(async imap_tokio)]
/// # The handle
///
/// A handle to a driver task that owns one TCP (or TLS) connection. All operations are
/// async and take a caller-supplied timeout (except `logout`, see [`LOGOUT_TIMEOUT`]).
///
/// # Connection state
///
/// RFC 3501 Section 3 defines four session states: Not Authenticated, Authenticated,
/// Selected and Logout. Each command checks before sending that the connection is in a
/// state that allows it, returning `Error::WrongState` if not (for example `uid_fetch` before
/// `select`), and that the server advertises the capabilities it needs
/// (`Error::MissingCapability`).
///
/// Dropping the handle ends the driver task and closes the socket (without LOGOUT).
pub struct ImapConnection {
    requests: mpsc::UnboundedSender<Request>,
    snapshot: watch::Receiver<Snapshot>,
    events: Arc<EventQueue>,
    host: String,
    port: u16,
    tls_config: Option<Arc<ClientConfig>>,
    idle_tokens: AtomicU64,
}

impl std::fmt::Debug for ImapConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let snapshot = self.snapshot.borrow();
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

/// Sends `Request::Interrupt` when dropped: an IDLE whose caller went away still ends.
struct InterruptOnDrop<'a> {
    requests: &'a mpsc::UnboundedSender<Request>,
    token: u64,
}

impl Drop for InterruptOnDrop<'_> {
    fn drop(&mut self) {
        let _ = self.requests.send(Request::Interrupt(self.token));
    }
}

impl ImapConnection {
    /// The generic command loop every table `op` goes through: submit via the driver, then
    /// await the result with the timeout. See the crate docs for what a timeout leaves.
    async fn run<O: Op>(&self, op: O, timeout: Duration) -> Result<O::Output, Error> {
        let (reply, result) = oneshot::channel();
        self.send(Request::Submit(Job::op(op, reply)))?;
        self.await_reply(result, timeout).await
    }

    /// Like [`ImapConnection::run`], with an absolute deadline.
    async fn run_until<O: Op>(&self, op: O, deadline: Instant) -> Result<O::Output, Error> {
        self.run(op, deadline.saturating_duration_since(Instant::now()))
            .await
    }

    fn send(&self, request: Request) -> Result<(), Error> {
        self.requests.send(request).map_err(|_| self.gone())
    }

    /// The error for a call the driver can no longer answer.
    fn gone(&self) -> Error {
        match &self.snapshot.borrow().failure {
            Some(cause) => Error::ConnectionFailed(cause.clone()),
            None => Error::DriverGone,
        }
    }

    async fn await_reply<T>(
        &self,
        result: oneshot::Receiver<Result<T, Error>>,
        timeout: Duration,
    ) -> Result<T, Error> {
        match tokio::time::timeout(timeout, result).await {
            Ok(Ok(result)) => result,
            Ok(Err(_)) => Err(self.gone()),
            Err(_) => Err(Error::Timeout),
        }
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

    /// TCP connect, the driver, the greeting, the capabilities, then STARTTLS if asked.
    async fn open(
        host: &str,
        port: u16,
        tls_mode: TlsMode,
        tls_config: Option<Arc<ClientConfig>>,
        timeout: Duration,
    ) -> Result<Self, Error> {
        let deadline = Instant::now() + timeout;
        let stream = tokio::time::timeout_at(deadline, TcpStream::connect((host, port)))
            .await
            .map_err(|_| Error::Timeout)??;
        stream.set_nodelay(true)?;
        let config = Config::default();
        let event_capacity = config.max_queued_events;
        let conn = match tls_mode {
            TlsMode::Implicit => {
                Connection::new_tls(config, TlsSetup::for_host(host, tls_config.as_ref())?)?
            }
            TlsMode::StartTls | TlsMode::Plain => Connection::new(config),
        };
        let spawned = driver::spawn(stream, conn, event_capacity);
        let this = ImapConnection {
            requests: spawned.requests,
            snapshot: spawned.snapshot,
            events: spawned.events,
            host: host.to_string(),
            port,
            tls_config,
            idle_tokens: AtomicU64::new(0),
        };
        this.await_greeting(deadline).await?;
        if this.snapshot.borrow().capabilities.is_empty() {
            this.run_until(ops::session::capability(), deadline).await?;
        }
        if tls_mode == TlsMode::StartTls {
            let setup = TlsSetup::for_host(host, this.tls_config.as_ref())?;
            this.run_until(ops::upgrade::starttls(setup), deadline)
                .await?;
        }
        Ok(this)
    }

    /// Waits for the server's greeting; a `* BYE` greeting is an error.
    async fn await_greeting(&self, deadline: Instant) -> Result<(), Error> {
        let mut snapshot = self.snapshot.clone();
        let greeted = tokio::time::timeout_at(
            deadline,
            snapshot.wait_for(|s| s.greeted || s.exited || s.failure.is_some()),
        )
        .await
        .map_err(|_| Error::Timeout)?
        .map_err(|_| self.gone())?
        .clone();
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
        let (reply, result) = oneshot::channel();
        self.send(Request::SetKeepalive(keepalive, reply))?;
        match result.await {
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
        let (activity, mut woken) = oneshot::channel();
        let (reply, mut result) = oneshot::channel();
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
        let sleep = tokio::time::sleep(timeout);
        tokio::pin!(sleep);
        let (wake, finished) = tokio::select! {
            biased;
            // The op finished by itself: refused, or the server ended the IDLE.
            r = &mut result => (IdleWake::Ended, Some(r)),
            r = &mut woken => (if r.is_ok() { IdleWake::Activity } else { IdleWake::Ended }, None),
            () = cancel.cancelled() => (IdleWake::Cancelled, None),
            () = &mut sleep => (IdleWake::TimedOut, None),
        };
        drop(interrupt);
        let events = match finished {
            Some(Ok(outcome)) => outcome?,
            Some(Err(_)) => return Err(self.gone()),
            None => self.await_reply(result, IDLE_DONE_TIMEOUT).await?,
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
        let (reply, result) = oneshot::channel();
        self.send(Request::Submit(Job::Stream(Box::new(StreamJob {
            op,
            tx,
            reply,
        }))))?;
        self.await_reply(result, timeout).await
    }

    async fn next_event_impl(&self, timeout: Duration) -> Result<Option<TypedEvent>, Error> {
        self.events.next(timeout).await
    }

    async fn drain_events_impl(&self) -> Vec<TypedEvent> {
        self.events.drain()
    }

    fn session_state_impl(&self) -> SessionState {
        self.snapshot.borrow().state
    }

    fn capabilities_impl(&self) -> Vec<Capability> {
        self.snapshot.borrow().capabilities.clone()
    }

    fn pipeline_impl(&self) -> Pipeline<'_, ()> {
        Pipeline::new(self)
    }

    /// Submits a batch (pipeline) in one request: the commands go out in one write.
    pub(crate) fn submit_batch(&self, jobs: Vec<Job>) -> Result<(), Error> {
        self.send(Request::Batch(jobs))
    }

    fn is_tls_impl(&self) -> bool {
        self.snapshot.borrow().tls
    }

    fn is_compressed_impl(&self) -> bool {
        self.snapshot.borrow().compress
    }
}

/// The README's examples, compiled as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
mod readme {}

/// The workspace README's quick start, compiled as a doctest with this crate's.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
mod workspace_readme {}
