//! # imap-driver
//!
//! The shared engine of the IMAP adapters. The sans-IO core
//! ([`imap_proto_core::Connection`]) holds the protocol; this crate holds what every
//! adapter would otherwise write again around it, once:
//!
//! - the **driver**: the task that owns the byte stream and the core, batches writes,
//!   applies back-pressure to streamed FETCH, publishes the session snapshot and queues
//!   events, generic over a small runtime interface ([`Runtime`]: spawn, sleep, open a TCP
//!   connection; `Transport`: read into the core, write, flush);
//! - the **handle**, [`ImapConnection<R>`], with every method of the core's method table
//!   expanded once for all async runtimes; `imap_tokio::ImapConnection` and
//!   `imap_async_std::ImapConnection` are this type with their runtime;
//! - the rules the blocking adapter shares without a task: pending-call bookkeeping and
//!   waiting for room in flight (`Calls`), the event queue (`EventQueue`), the snapshot
//!   (`SharedSnapshot`), the pipeline builder ([`Pipeline`]) and the runtime-neutral
//!   [`CancellationToken`].
//!
//! What only the adapters use is in `__adapter`, hidden and not covered by semver.
//!
//! Users normally depend on an adapter, which re-exports what they need from here.
//!
//! # Timeouts, dropped calls and the connection state
//!
//! Every call takes a timeout; there are no infinite waits. When it elapses the driver asks
//! the core about the peer (`Connection::timed_out_raw`, issue 12). If the server sent
//! nothing since the call's command went out, the peer is presumed dead: the call returns
//! `Error::PeerUnresponsive` (fatal), the driver closes the socket and every later call
//! fails at once. Otherwise the call returns `Error::Timeout`, but the command it sent
//! stays in the core: the driver keeps
//! reading its response when it comes and discards the result. The connection therefore
//! stays synchronised and usable. Dropping a call's future has the same effect. A call
//! dropped (or timed out) before the driver picked up its request is not sent at all.
//! Calls beyond `Config::max_in_flight` wait their turn in the driver instead of failing.
//! Concurrent buffered FETCH calls asking the same question are sent as one command over
//! the union of their sets, each call keeping its own answer, timeout and error
//! (docs/design.md, "Concurrent FETCH calls merged into one command").
#![forbid(unsafe_code)]

mod adapter_surface;
mod blocking;
mod byte_stream;
mod calls;
mod cancel;
mod client;
mod common;
mod driver;
mod engine;
mod events;
mod fetch_iter;
mod fetch_stream;
mod handover;
mod idle_keeper;
mod link;
mod merge;
mod observe;
mod options;
pub mod pipeline;
mod resilient;
mod runtime;
mod seat;
mod sink;
mod snapshot;
mod stream;

use std::time::Duration;

pub use byte_stream::{ByteStream, IDLE_CANCEL_CHECK, Socket};
pub use cancel::CancellationToken;
pub use client::ImapConnection;
pub use fetch_iter::FetchIter;
pub use fetch_stream::FetchStream;
pub use idle_keeper::IdleTimers;
pub use options::{ConnectOptions, Spawner};
pub use pipeline::Pipeline;
pub use resilient::{Reconnect, Resilient};
pub use runtime::{BoxFuture, Runtime};
pub use sink::{FetchItem, FetchSink, Refused};
pub use stream::DrivesStream;

/// What only the adapter crates (imap-tokio, imap-async-std, imap-blocking) use: the
/// runtime interface's helpers, the blocking adapter's shared bookkeeping, the driver's
/// jobs. Public so the adapters can reach it; **not covered by semver** and hidden from the
/// documentation. Applications use an adapter instead.
#[doc(hidden)]
pub mod __adapter {
    pub use crate::blocking::{BlockingLoop, deadline_or_far};
    pub use crate::calls::{
        Calls, ErasedJob, ErasedWait, IdleJob, Job, Reply, StreamJob, answered, idle_wake,
    };
    pub use crate::engine::Engine;
    pub use crate::events::{EventQueue, Popped};
    pub use crate::link::Link;
    pub use crate::resilient::{BlockingSync, SyncArgs};
    pub use crate::runtime::{
        BoxTransport, Progress, READ_CHUNK, ReadSize, Transport, deadline_after, read_ready_slice,
    };
    pub use crate::seat::{Seat, Shared, Taken, connect_tcp_until};
    pub use crate::snapshot::{SharedSnapshot, Snapshot};
    pub use crate::stream::{AnyStream, SPARE_READ, SpareRead};
}

/// How long `logout()` waits for `* BYE` and the tagged OK. The reference gives `logout` no
/// timeout argument; no call may wait forever, so this documented default applies.
pub const LOGOUT_TIMEOUT: Duration = Duration::from_secs(30);

/// How long `idle()` waits for the tagged completion after it sent `DONE`. The caller's
/// timeout covers the wait for server data; this bounds the exit from IDLE. A `DONE` that
/// gets no byte within `IdleTimers::probe_timeout` fails the call sooner with
/// `Error::PeerUnresponsive`; at this deadline the one rule for timeouts applies from the
/// `DONE`: nothing received since is `Error::PeerUnresponsive` (fatal), a server still
/// sending `Error::Timeout`.
pub const IDLE_DONE_TIMEOUT: Duration = Duration::from_secs(30);

/// The README's example, compiled as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
