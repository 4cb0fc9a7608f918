//! # imap-tokio
//!
//! The IMAP client [`ImapConnection`] on tokio (RFC 3501 / RFC 9051).
//!
//! `ImapConnection` is a handle. [`ImapConnection::connect`] spawns a driver task that owns
//! the `TcpStream` and the sans-IO [`imap_proto_core::Connection`]; every `&self` method sends
//! the driver a request and awaits its answer. All protocol logic (TLS, STARTTLS, COMPRESS,
//! literals, pipelining rules, state and capability checks, result building) lives in the
//! core, and the driver, the handle and its methods live in [`imap_driver`], shared with
//! imap-async-std; this crate supplies tokio's spawn, timer and sockets ([`Tokio`]).
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
//! stays synchronised and usable. Dropping a call's future has the same effect; a call
//! dropped before the driver picked up its request is not sent at all. The effects of a
//! timed-out command (a STORE, an APPEND) may still happen on the server; the session state
//! ([`ImapConnection::session_state`]) follows them when the response arrives. Calls beyond
//! `Config::max_in_flight` wait their turn.
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
//! `ConnectOptions::trust_roots` picks the OS trust store instead ([`TrustRoots`], feature
//! `platform-verifier`). rustls runs on ring by default, or on aws-lc-rs with the feature
//! `aws-lc-rs` (and `default-features = false`).
//!
//! # Other streams
//!
//! `ImapConnection::from_stream` runs a session over any tokio `AsyncRead + AsyncWrite`
//! stream the caller opened (a `UnixStream`, a SOCKS or HTTP proxy tunnel,
//! `tokio::io::duplex`), with the same TLS modes and `ConnectOptions`; `server_name` is the
//! name TLS verifies. Such a stream has no readiness signal: while idle it is read through a
//! small buffer of its own (1 KiB), not the core's.
//!
//! # Reads and writes
//!
//! TCP_NODELAY is set, and everything the core has ready is gathered into one buffer and
//! written at once: a command (and a pipelined batch) goes out in a single write, except the
//! data of a synchronising literal, which waits for the server's `+`. The driver waits for
//! the socket to be readable before it takes a read buffer from the core, so an idle
//! connection holds none.
#![forbid(unsafe_code)]

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Instant;

use bytes::BufMut;
use imap_driver::__adapter::{AnyStream, BoxTransport, Progress, ReadSize, Transport};
use imap_driver::{BoxFuture, DrivesStream, Runtime};
use imap_proto_core::Connection;
use imap_proto_core::types::FetchResponse;
use socket2::SockRef;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio_util::compat::TokioAsyncReadCompatExt;
use tokio_util::io::poll_read_buf;

imap_driver::__async_adapter_surface!(Tokio, imap_tokio);

/// The channel a streaming FETCH pushes its responses into (tokio's bounded `mpsc`).
pub type FetchSender = tokio::sync::mpsc::Sender<Result<FetchResponse, Error>>;

/// tokio as the driver's runtime: `tokio::spawn` (a task on the current runtime),
/// `tokio::time`, `tokio::net`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Tokio;

impl Runtime for Tokio {
    fn spawn(driver: BoxFuture<()>) {
        tokio::spawn(driver);
    }

    fn sleep_until(deadline: Instant) -> BoxFuture<()> {
        Box::pin(tokio::time::sleep_until(deadline.into()))
    }

    async fn connect_tcp(host: &str, port: u16) -> io::Result<BoxTransport> {
        let stream = TcpStream::connect((host, port)).await?;
        stream.set_nodelay(true)?;
        Ok(Box::new(TcpTransport(stream, ReadSize::default())))
    }
}

/// A tokio `TcpStream` read through readiness: the core's buffer is asked for only once
/// bytes are there.
struct TcpTransport(TcpStream, ReadSize);

impl Transport for TcpTransport {
    fn poll_read(&mut self, cx: &mut Context<'_>, core: &mut Connection) -> Progress {
        ready!(self.0.poll_read_ready(cx))?;
        let size = self.1.get();
        let mut buf = core.read_buffer(size).limit(size);
        // Through `AsyncRead`: a read that brings less than asked for has emptied the socket,
        // so tokio forgets its readiness then, and the next poll waits for the reactor
        // without a read that only fails with `WouldBlock` (issue 15). A stale readiness is
        // `Pending` here, never a `WouldBlock` error.
        let n = ready!(poll_read_buf(Pin::new(&mut self.0), cx, &mut buf))?;
        self.1.record(n);
        if n > 0 {
            core.handle_read();
        }
        Poll::Ready(Ok(n))
    }

    fn poll_write(&mut self, cx: &mut Context<'_>, buf: &[u8]) -> Progress {
        Pin::new(&mut self.0).poll_write(cx, buf)
    }

    fn set_keepalive(&self, keepalive: &TcpKeepalive) -> io::Result<()> {
        SockRef::from(&self.0).set_tcp_keepalive(keepalive)
    }
}

/// Any tokio byte stream (a `UnixStream`, a proxy tunnel, `tokio::io::duplex`, a TLS
/// stream of another library): what [`imap_driver::ImapConnection::from_stream`] accepts on
/// tokio, read without readiness ([`AnyStream`], through `tokio_util::compat`).
impl<S> DrivesStream<S> for Tokio
where
    S: AsyncRead + AsyncWrite + Send + Unpin + 'static,
{
    fn transport(stream: S) -> BoxTransport {
        AnyStream::transport(stream.compat())
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
