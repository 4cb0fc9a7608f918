//! # imap-blocking
//!
//! The IMAP client [`ImapConnection`] over `std::net::TcpStream`, with plain blocking
//! methods (RFC 3501 / RFC 9051). All protocol logic (TLS, STARTTLS, COMPRESS, literals,
//! pipelining rules, state and capability checks, result building) lives in the sans-IO
//! core [`imap_proto_core::Connection`]; this crate moves bytes. The methods are generated
//! from the core's method table ([`imap_proto_core::for_each_imap_method!`] expanded by
//! [`imap_proto_core::expand_blocking_methods!`]), so their names, arguments and docs are
//! those of the async adapters without `async`.
//!
//! ```no_run
//! use std::time::Duration;
//! use imap_blocking::{ImapConnection, TlsMode};
//! use imap_blocking::types::{FetchAttr, SequenceSet};
//!
//! # fn demo() -> Result<(), imap_blocking::Error> {
//! let t = Duration::from_secs(30);
//! let imap = ImapConnection::connect("imap.example.com", 993, TlsMode::Implicit, t)?;
//! imap.login("alice", "secret", t)?;
//! let inbox = imap.select("INBOX", t)?;
//! println!("{} messages", inbox.exists);
//! let all = SequenceSet::range_from(1)?;
//! for message in imap.uid_fetch(&all, &[FetchAttr::Uid, FetchAttr::Flags], t)? {
//!     println!("{:?}", message.uid());
//! }
//! imap.logout()?;
//! # Ok(()) }
//! ```
//!
//! # Threads
//!
//! `ImapConnection` is `Send + Sync`; share it with `Arc`. The socket and the core sit
//! behind one lock (a mutex and a condition variable) that a call holds from its first byte
//! to its result, so concurrent calls run one after the other. Waiting for the lock counts
//! against the call's timeout. [`ImapConnection::session_state`],
//! [`ImapConnection::capabilities`], [`ImapConnection::drain_events`] and the `Debug` output
//! read a snapshot and an event queue kept outside the lock: they never wait behind a long
//! IDLE.
//!
//! # Timeouts and the connection state
//!
//! Every call takes a timeout and turns it into a socket deadline: before each blocking
//! read or write the socket's read/write timeout is set to what is left of it. When it
//! elapses the call returns [`Error::Timeout`], and:
//! - the op stays in the core. The next call (whatever it is) reads the late response as
//!   part of its own loop, takes the op's result out of the core and discards it, so the
//!   connection stays synchronised and usable;
//! - bytes of a command that could not all be written stay queued and are written first by
//!   the next call, so no command is ever cut in half on the wire;
//! - the effects of the timed-out command (a STORE, an APPEND) may still happen on the
//!   server, and the session state follows them when the response is read.
//!
//! Name resolution in `connect` is not covered by the timeout (the OS resolver has none).
//! The streaming FETCHes wait for room in the caller's channel with a blocking `send`: that
//! wait is back-pressure, not covered by the timeout either.
//!
//! # IDLE and cancellation
//!
//! [`ImapConnection::idle`] sends IDLE, then waits on the socket and a wake-up together:
//! the socket is switched to non-blocking mode and registered with a `mio::Poll` next to a
//! `mio::Waker`. The [`CancellationToken`] holds that waker while the wait runs;
//! `cancel()` from any thread sets the token's flag and wakes the poll, so `idle` sends
//! `DONE` and returns without any timer or busy polling. Server data wakes the same poll.
//!
//! # TLS
//!
//! [`TlsMode::Implicit`] speaks TLS from the first byte (port 993, RFC 8314).
//! [`TlsMode::StartTls`] performs STARTTLS before `connect` returns and fails if the server
//! does not offer it. [`TlsMode::Plain`] uses no TLS unless [`ImapConnection::starttls`] is
//! called. Certificates are checked against the Mozilla roots (webpki-roots) unless
//! `connect_with_tls_config` supplies a rustls configuration.
#![forbid(unsafe_code)]

use std::net::{TcpStream, ToSocketAddrs};
use std::sync::mpsc::SyncSender;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use imap_proto_core::ops::fetch::{Delivery, Fetch};
use imap_proto_core::types::{Capability, FetchResponse, IdleEvent, SequenceSet};
use imap_proto_core::{Config, Connection, Op, TlsSetup, ops};
use socket2::SockRef;

mod cancel;
mod events;
mod io;
pub mod pipeline;

use events::Popped;
use io::{Inner, Shared, deadline_after};

pub use cancel::CancellationToken;
pub use imap_proto_core::types;
pub use imap_proto_core::{
    Error, Precondition, ProtocolViolation, SessionState, TlsMode, TypedEvent,
};
pub use pipeline::Pipeline;
pub use rustls::ClientConfig;
pub use socket2::TcpKeepalive;

/// The channel a streaming FETCH sends its responses into: bounded, so a slow reader slows
/// the reading of the socket down instead of growing memory.
pub type FetchSender = SyncSender<Result<FetchResponse, Error>>;

/// How long `logout()` waits for `* BYE` and the tagged OK (the reference gives `logout`
/// no timeout argument, and no call may wait forever).
pub const LOGOUT_TIMEOUT: Duration = Duration::from_secs(30);

/// How long `idle()` waits for the tagged completion after it sent `DONE`.
pub const IDLE_DONE_TIMEOUT: Duration = Duration::from_secs(30);

#[doc = imap_proto_core::imap_connection_doc!(blocking imap_blocking)]
/// # The handle
///
/// Over a blocking `TcpStream`. See the [crate docs](crate) for threads, timeouts and IDLE.
///
/// Each command checks before sending that the session state allows it (`Error::WrongState`)
/// and that the server advertises what it needs (`Error::MissingCapability`). Dropping the
/// connection closes the socket (without LOGOUT).
pub struct ImapConnection {
    /// The socket and the core; `None` while a call holds them.
    core: Mutex<Option<Box<Inner>>>,
    /// Signalled when the core is put back.
    core_free: Condvar,
    shared: Shared,
    /// A second handle on the socket for options (keepalive), usable during a call.
    control: TcpStream,
    host: String,
    port: u16,
    tls_config: Option<Arc<ClientConfig>>,
}

impl std::fmt::Debug for ImapConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let snapshot = self.shared.snapshot();
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

use imap_proto_core::expand_blocking_methods;
imap_proto_core::for_each_imap_method!(expand_blocking_methods);

/// The core, taken out of the lock for one call; put back (and waiters woken) on drop.
pub(crate) struct Held<'a> {
    owner: &'a ImapConnection,
    inner: Option<Box<Inner>>,
}

impl std::ops::Deref for Held<'_> {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        self.inner.as_deref().expect("present until drop")
    }
}

impl std::ops::DerefMut for Held<'_> {
    fn deref_mut(&mut self) -> &mut Inner {
        self.inner.as_deref_mut().expect("present until drop")
    }
}

impl Drop for Held<'_> {
    fn drop(&mut self) {
        *self.owner.slot() = self.inner.take();
        self.owner.core_free.notify_one();
        self.owner.shared.events.bump();
    }
}

impl ImapConnection {
    fn slot(&self) -> MutexGuard<'_, Option<Box<Inner>>> {
        self.core.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Takes the core, waiting until `deadline` for the call that holds it.
    pub(crate) fn acquire(&self, deadline: Instant) -> Result<Held<'_>, Error> {
        let mut slot = self.slot();
        loop {
            if let Some(inner) = slot.take() {
                return Ok(Held {
                    owner: self,
                    inner: Some(inner),
                });
            }
            let Some(left) = deadline.checked_duration_since(Instant::now()) else {
                return Err(Error::Timeout);
            };
            slot = match self.core_free.wait_timeout(slot, left) {
                Ok((guard, _)) => guard,
                Err(p) => p.into_inner().0,
            };
        }
    }

    /// Takes the core if no call holds it.
    fn try_acquire(&self) -> Option<Held<'_>> {
        let inner = self.slot().take()?;
        Some(Held {
            owner: self,
            inner: Some(inner),
        })
    }

    /// The generic command loop every table `op` goes through. See the crate docs for what
    /// a timeout leaves.
    fn run<O: Op>(&self, op: O, timeout: Duration) -> Result<O::Output, Error> {
        self.run_until(op, deadline_after(timeout))
    }

    fn run_until<O: Op>(&self, op: O, deadline: Instant) -> Result<O::Output, Error> {
        let mut held = self.acquire(deadline)?;
        let id = held.conn.submit(op)?;
        let result = held.drive(&self.shared, deadline, |conn| conn.take_output(&id));
        match result {
            Ok(output) => output,
            Err(e) => {
                held.abandon(Box::new(move |conn: &mut Connection| {
                    conn.take_output(&id).is_some()
                }));
                Err(e)
            }
        }
    }

    fn connect_impl(
        host: &str,
        port: u16,
        tls_mode: TlsMode,
        timeout: Duration,
    ) -> Result<Self, Error> {
        Self::open(host, port, tls_mode, None, timeout)
    }

    fn connect_with_tls_config_impl(
        host: &str,
        port: u16,
        tls_mode: TlsMode,
        tls_config: Arc<ClientConfig>,
        timeout: Duration,
    ) -> Result<Self, Error> {
        Self::open(host, port, tls_mode, Some(tls_config), timeout)
    }

    /// TCP connect, the greeting, the capabilities, then STARTTLS if asked.
    fn open(
        host: &str,
        port: u16,
        tls_mode: TlsMode,
        tls_config: Option<Arc<ClientConfig>>,
        timeout: Duration,
    ) -> Result<Self, Error> {
        let deadline = deadline_after(timeout);
        let stream = connect_tcp(host, port, deadline)?;
        stream.set_nodelay(true)?;
        let control = stream.try_clone()?;
        let config = Config::default();
        let shared = Shared::new(config.max_queued_events);
        let conn = match tls_mode {
            TlsMode::Implicit => {
                Connection::new_tls(config, TlsSetup::for_host(host, tls_config.as_ref())?)?
            }
            TlsMode::StartTls | TlsMode::Plain => Connection::new(config),
        };
        let this = ImapConnection {
            core: Mutex::new(Some(Box::new(Inner::new(conn, stream)))),
            core_free: Condvar::new(),
            shared,
            control,
            host: host.to_string(),
            port,
            tls_config,
        };
        this.await_greeting(deadline)?;
        if this.shared.snapshot().capabilities.is_empty() {
            this.run_until(ops::session::capability(), deadline)?;
        }
        if tls_mode == TlsMode::StartTls {
            let setup = TlsSetup::for_host(host, this.tls_config.as_ref())?;
            this.run_until(ops::upgrade::starttls(setup), deadline)?;
        }
        Ok(this)
    }

    /// Reads until the greeting; a `* BYE` greeting is an error.
    fn await_greeting(&self, deadline: Instant) -> Result<(), Error> {
        let mut held = self.acquire(deadline)?;
        let failure = held.drive(&self.shared, deadline, |conn| {
            if conn.is_greeted() {
                Some(None)
            } else {
                conn.failure().map(|cause| Some(cause.clone()))
            }
        })?;
        drop(held);
        // The first call to see the failure gets its cause (a certificate refused under
        // implicit TLS is `Error::Tls`, as under STARTTLS), not `ConnectionFailed`.
        if let Some(cause) = failure {
            return Err((*cause).clone());
        }
        if self.shared.snapshot().state == SessionState::Logout {
            return Err(Error::from_bye_greeting(self.shared.events.drain()));
        }
        Ok(())
    }

    fn logout_impl(&self) -> Result<(), Error> {
        self.run(ops::session::logout(), LOGOUT_TIMEOUT)
    }

    fn starttls_impl(&self, timeout: Duration) -> Result<(), Error> {
        let setup = TlsSetup::for_host(&self.host, self.tls_config.as_ref())?;
        self.run(ops::upgrade::starttls(setup), timeout)
    }

    fn starttls_with_config_impl(
        &self,
        tls_config: Arc<ClientConfig>,
        timeout: Duration,
    ) -> Result<(), Error> {
        let setup = TlsSetup::for_host(&self.host, Some(&tls_config))?;
        self.run(ops::upgrade::starttls(setup), timeout)
    }

    fn set_keepalive_impl(&self, keepalive: TcpKeepalive) -> Result<(), Error> {
        Ok(SockRef::from(&self.control).set_tcp_keepalive(&keepalive)?)
    }

    fn idle_impl(&self, timeout: Duration, cancel: CancellationToken) -> Result<IdleEvent, Error> {
        let deadline = deadline_after(timeout);
        let mut held = self.acquire(deadline)?;
        let id = held.conn.submit(ops::idle::idle())?;
        let wake = match held.wait_idle(&self.shared, &id, deadline, &cancel) {
            Ok(wake) => wake,
            Err(e) => {
                // A local error (poll setup): still end the IDLE on the wire.
                abandon_idle(&mut held, id);
                return Err(e);
            }
        };
        let events = held.drive(&self.shared, deadline_after(IDLE_DONE_TIMEOUT), |conn| {
            // The core ignores an interrupt for an op still queued behind others: repeat.
            let _ = conn.interrupt(&id);
            conn.take_output(&id)
        });
        let events = match events {
            Ok(result) => result?,
            Err(e) => {
                abandon_idle(&mut held, id);
                return Err(e);
            }
        };
        drop(held);
        Ok(wake.into_event(events, |events| self.shared.events.requeue_front(events)))
    }

    fn fetch_streaming_impl(
        &self,
        sequence_set: &SequenceSet,
        items: &[types::FetchAttr],
        tx: FetchSender,
        timeout: Duration,
    ) -> Result<(), Error> {
        self.stream(false, sequence_set, items, tx, timeout)
    }

    fn uid_fetch_streaming_impl(
        &self,
        sequence_set: &SequenceSet,
        items: &[types::FetchAttr],
        tx: FetchSender,
        timeout: Duration,
    ) -> Result<(), Error> {
        self.stream(true, sequence_set, items, tx, timeout)
    }

    /// A streamed (UID) FETCH: each response is sent into `tx` as soon as the core has it,
    /// with a blocking `send`, so the socket is not read while the channel is full. `tx`
    /// is dropped at the end; after a timeout the rest of the responses are discarded.
    fn stream(
        &self,
        uid: bool,
        sequence_set: &SequenceSet,
        items: &[types::FetchAttr],
        tx: FetchSender,
        timeout: Duration,
    ) -> Result<(), Error> {
        let deadline = deadline_after(timeout);
        let op = ops::fetch::fetch(uid, sequence_set, items, None, false, Delivery::Streamed);
        let mut held = self.acquire(deadline)?;
        let id = held.conn.submit(op)?;
        let mut tx = Some(tx);
        let mut send = move |item: Result<FetchResponse, Error>| {
            if let Some(sender) = &tx
                && sender.send(item).is_err()
            {
                // The receiver is gone: read and discard the rest.
                tx = None;
            }
        };
        let result = held.drive(&self.shared, deadline, |conn| {
            while let Some(item) = conn.op_mut(&id).and_then(Fetch::next_item) {
                send(Ok(item));
            }
            match conn.take_output(&id)? {
                Ok((rest, _vanished)) => {
                    rest.into_iter().for_each(|item| send(Ok(item)));
                    Some(Ok(()))
                }
                Err(e) => {
                    send(Err(e.clone()));
                    Some(Err(e))
                }
            }
        });
        match result {
            Ok(outcome) => outcome,
            Err(e) => {
                held.abandon(Box::new(move |conn: &mut Connection| {
                    while conn.op_mut(&id).and_then(Fetch::next_item).is_some() {}
                    conn.take_output(&id).is_some()
                }));
                Err(e)
            }
        }
    }

    /// The next event: from the queue, or else by reading the socket while no call holds
    /// it, or else by waiting for the call that holds it to queue events or finish.
    fn next_event_impl(&self, timeout: Duration) -> Result<Option<TypedEvent>, Error> {
        let deadline = deadline_after(timeout);
        loop {
            let seen = match self.shared.events.pop() {
                Popped::Event(event) => return Ok(Some(event)),
                Popped::Closed => return Err(Error::DriverGone),
                Popped::Empty(generation) => generation,
            };
            if Instant::now() >= deadline {
                return Ok(None);
            }
            match self.try_acquire() {
                Some(mut held) => match held.step(&self.shared, deadline) {
                    Ok(()) => {}
                    Err(Error::Timeout) => return Ok(None),
                    Err(_) => {
                        self.shared.events.close();
                    }
                },
                None => self.shared.events.wait_change(seen, deadline),
            }
        }
    }

    fn drain_events_impl(&self) -> Vec<TypedEvent> {
        self.shared.events.drain()
    }

    fn session_state_impl(&self) -> SessionState {
        self.shared.snapshot().state
    }

    fn capabilities_impl(&self) -> Vec<Capability> {
        self.shared.snapshot().capabilities
    }

    fn pipeline_impl(&self) -> Pipeline<'_, ()> {
        Pipeline::new(self)
    }

    /// The shared snapshot and events, for the pipeline.
    pub(crate) fn shared(&self) -> &Shared {
        &self.shared
    }

    fn is_tls_impl(&self) -> bool {
        self.shared.snapshot().tls
    }

    fn is_compressed_impl(&self) -> bool {
        self.shared.snapshot().compress
    }
}

/// Leaves an IDLE that could not be finished to later calls: they send `DONE` and discard
/// its result.
fn abandon_idle(held: &mut Held<'_>, id: imap_proto_core::OpId<ops::idle::Idle>) {
    held.abandon(Box::new(move |conn: &mut Connection| {
        let _ = conn.interrupt(&id);
        conn.take_output(&id).is_some()
    }));
}

/// Connects to the first address of `host` that answers before `deadline`.
fn connect_tcp(host: &str, port: u16, deadline: Instant) -> Result<TcpStream, Error> {
    let mut last = None;
    for addr in (host, port).to_socket_addrs()? {
        let Some(left) = deadline.checked_duration_since(Instant::now()) else {
            return Err(Error::Timeout);
        };
        match TcpStream::connect_timeout(&addr, left) {
            Ok(stream) => return Ok(stream),
            Err(e) if e.kind() == std::io::ErrorKind::TimedOut => return Err(Error::Timeout),
            Err(e) => last = Some(e),
        }
    }
    Err(match last {
        Some(e) => e.into(),
        None => std::io::Error::new(
            std::io::ErrorKind::NotFound,
            format!("{host} has no address"),
        )
        .into(),
    })
}

/// The README's examples, compiled as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
mod readme {}
