//! # imap-async-std
//!
//! The IMAP client [`ImapConnection`] (RFC 3501 / RFC 9051) for the futures-io ecosystem:
//! it runs under async-std, under smol, or under a bare `block_on`, with the same API as
//! imap-tokio (both are [`imap_driver::ImapConnection`] with their runtime).
//!
//! The socket is async-io's `Async<TcpStream>` (the reactor async-std and smol share),
//! timeouts are `async_io::Timer`s, and a streaming FETCH writes into an
//! `async_channel::Sender<Result<FetchResponse, Error>>`. IDLE is cancelled with
//! [`CancellationToken`], the runtime-neutral type every adapter uses. No tokio crate is
//! in this crate's dependencies.
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
//! # Where the driver runs
//!
//! `connect` starts a driver that owns the socket and the sans-IO
//! [`imap_proto_core::Connection`]; every `&self` method sends it a request and awaits the
//! answer. The driver is a task, not a thread: by default it is spawned on
//! `async-global-executor`, the executor async-std itself runs on, so under async-std it is
//! a task of the caller's executor. Under smol, or under a bare `block_on` with no executor
//! at all, it runs on that executor's worker threads (a fixed pool shared by every
//! connection, sized by `ASYNC_GLOBAL_EXECUTOR_THREADS`), so a connection made under
//! `block_on` keeps working after `connect` returns. To put drivers on another executor,
//! give a spawner:
//!
//! ```no_run
//! # async fn demo() -> Result<(), imap_async_std::Error> {
//! use imap_async_std::{ConnectOptions, ImapConnection, TlsMode};
//! let options = ConnectOptions::new(TlsMode::Implicit)
//!     .spawner(|driver| smol::spawn(driver).detach());
//! let t = std::time::Duration::from_secs(30);
//! let imap = ImapConnection::connect_with("imap.example.com", 993, options, t).await?;
//! # Ok(()) }
//! ```
//!
//! # Other streams
//!
//! `ImapConnection::from_stream` runs a session over any futures-io `AsyncRead +
//! AsyncWrite` stream the caller opened (an `Async<UnixStream>`, a proxy tunnel, an
//! in-memory pipe), with the same TLS modes and `ConnectOptions`; `server_name` is the name
//! TLS verifies. While idle such a stream is read through a small buffer of its own
//! (1 KiB), not the core's.
//!
//! # Timeouts, dropped calls, TLS, writes
//!
//! As in imap-tokio: every call takes a timeout and returns [`Error::Timeout`] when it
//! elapses, leaving its command in the core so the connection stays synchronised and
//! usable; dropping a call's future does the same. [`TlsMode::StartTls`] upgrades before
//! `connect` returns or fails; [`TlsMode::Plain`] stays plaintext unless
//! [`ImapConnection::starttls`] is called. TCP_NODELAY is set and each batch of commands
//! goes out in one write. The driver waits for readability before it takes a read buffer
//! from the core, so an idle connection holds none.
#![forbid(unsafe_code)]

use std::io::{self, Read};
use std::net::TcpStream;
use std::pin::Pin;
use std::sync::Arc;
use std::task::Context;
use std::time::Instant;

use async_io::{Async, Timer};
use futures_lite::{AsyncRead, AsyncWrite};
use imap_driver::__adapter::{
    AnyStream, BoxTransport, Progress, ReadSize, Transport, read_ready_slice,
};
use imap_driver::{BoxFuture, DrivesStream, Runtime};
use imap_proto_core::Connection;
use imap_proto_core::types::FetchResponse;
use socket2::SockRef;

imap_driver::__async_adapter_surface!(AsyncIo, imap_async_std);

/// The channel a streaming FETCH pushes its responses into (`async_channel`, bounded).
pub type FetchSender = async_channel::Sender<Result<FetchResponse, Error>>;

/// async-io as the driver's runtime: drivers spawned on `async-global-executor`, timers
/// and sockets on the async-io reactor. Works under async-std, smol or no runtime.
#[derive(Debug, Clone, Copy, Default)]
pub struct AsyncIo;

impl Runtime for AsyncIo {
    fn spawn(driver: BoxFuture<()>) {
        async_global_executor::spawn(driver).detach();
    }

    fn sleep_until(deadline: Instant) -> BoxFuture<()> {
        Box::pin(async move {
            Timer::at(deadline).await;
        })
    }

    async fn connect_tcp(host: &str, port: u16) -> io::Result<BoxTransport> {
        let stream = async_net::TcpStream::connect((host, port)).await?;
        stream.set_nodelay(true)?;
        Ok(Box::new(AsyncTcp(stream.into(), ReadSize::default())))
    }
}

/// A TCP socket on the async-io reactor, read through readiness.
struct AsyncTcp(Arc<Async<TcpStream>>, ReadSize);

impl Transport for AsyncTcp {
    fn poll_read(&mut self, cx: &mut Context<'_>, core: &mut Connection) -> Progress {
        let socket = &self.0;
        let ready = |cx: &mut Context<'_>| socket.poll_readable(cx);
        read_ready_slice(cx, core, &mut self.1, ready, |buf| {
            socket.get_ref().read(buf)
        })
    }

    fn poll_write(&mut self, cx: &mut Context<'_>, buf: &[u8]) -> Progress {
        Pin::new(&mut &*self.0).poll_write(cx, buf)
    }

    fn set_keepalive(&self, keepalive: &TcpKeepalive) -> io::Result<()> {
        SockRef::from(self.0.get_ref()).set_tcp_keepalive(keepalive)
    }
}

/// Any futures-io byte stream (an `Async<UnixStream>`, a proxy tunnel, an in-memory pipe,
/// a TLS stream of another library): what [`imap_driver::ImapConnection::from_stream`]
/// accepts here, read without readiness ([`AnyStream`]).
impl<S> DrivesStream<S> for AsyncIo
where
    S: AsyncRead + AsyncWrite + Send + Unpin + 'static,
{
    fn transport(stream: S) -> BoxTransport {
        AnyStream::transport(stream)
    }
}

/// The README's examples, compiled as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
mod readme {}
