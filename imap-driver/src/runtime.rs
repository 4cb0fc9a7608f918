//! What a runtime supplies to the driver: the smallest set of operations, after quinn's
//! `Runtime` / `AsyncTimer` / `AsyncUdpSocket` split. An adapter implements [`Runtime`]
//! (spawn, sleep, open a TCP connection) and [`Transport`] for its byte streams; the driver,
//! the pending-call bookkeeping, the event queue and the pipelines are this crate's.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use imap_proto_core::Connection;
use socket2::TcpKeepalive;

/// A boxed, sendable future: what crosses the runtime boundary.
pub type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;

/// A byte stream the driver owns: TCP, a Unix socket, an in-memory pipe, a proxy tunnel.
pub type BoxTransport = Box<dyn Transport>;

/// The outcome of a transport's read or write: how many bytes, once ready.
pub type Progress = Poll<io::Result<usize>>;

/// The operations a runtime provides. Implemented by a unit type per adapter
/// (`imap_tokio::Tokio`, `imap_async_std::AsyncIo`).
pub trait Runtime: Send + Sync + Sized + 'static {
    /// Starts the connection's driver as a task. It must be polled to completion; it ends
    /// when the session ends or every handle is dropped.
    fn spawn(driver: BoxFuture<()>);

    /// A future that completes at `deadline`.
    fn sleep_until(deadline: Instant) -> BoxFuture<()>;

    /// Opens a TCP connection to `host:port`, with Nagle's algorithm off (each batch of
    /// commands is one write already).
    fn connect_tcp(host: &str, port: u16) -> impl Future<Output = io::Result<BoxTransport>> + Send;
}

/// A byte stream as the driver uses it. The driver calls these from its one task, never
/// concurrently.
pub trait Transport: Send + 'static {
    /// Reads once from the peer into `core` (through [`Connection::read_buffer`] and
    /// [`Connection::handle_read`], or [`Connection::read_slice`] and
    /// [`Connection::handle_read_len`]) and returns how many bytes came; `Ok(0)` at the end
    /// of the stream. An implementation should wait for readiness before it asks the core for
    /// a buffer, so an idle connection holds no read buffer ([`read_ready_slice`] does both
    /// for `&mut [u8]` readers).
    fn poll_read(&mut self, cx: &mut Context<'_>, core: &mut Connection) -> Progress;

    /// Writes some of `buf`.
    fn poll_write(&mut self, cx: &mut Context<'_>, buf: &[u8]) -> Progress;

    /// Flushes what the stream buffers (a no-op for sockets).
    fn poll_flush(&mut self, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    /// Sets TCP keepalive; streams that are not TCP sockets say `Unsupported`.
    fn set_keepalive(&self, _keepalive: &TcpKeepalive) -> io::Result<()> {
        Err(io::ErrorKind::Unsupported.into())
    }
}

/// The most one socket read may bring. The core's buffer grows to what a response needs.
pub const READ_CHUNK: usize = 64 * 1024;

/// The size of the next read, adapted to the traffic: it starts small (an idle connection
/// only ever received a few short responses, and the core's buffer is sized from it), doubles
/// while reads fill it, up to [`READ_CHUNK`], and halves back when they do not.
#[derive(Debug, Clone, Copy)]
pub struct ReadSize {
    size: usize,
    /// Reads in a row that filled what they asked for, taken without waiting for readiness
    /// first ([`read_ready_slice`]); 0 once one did not.
    flowing: u32,
}

impl Default for ReadSize {
    fn default() -> Self {
        ReadSize {
            size: Self::SMALLEST,
            flowing: 0,
        }
    }
}

impl ReadSize {
    const SMALLEST: usize = 2 * 1024;

    /// How much to ask for now.
    pub fn get(self) -> usize {
        self.size
    }

    /// Records that a read brought `n` bytes.
    pub fn record(&mut self, n: usize) {
        if n >= self.size {
            self.flowing = self.flowing.saturating_add(1);
            self.size = (self.size * 2).min(READ_CHUNK);
            return;
        }
        self.flowing = 0;
        if n < self.size / 4 {
            self.size = (self.size / 2).max(Self::SMALLEST);
        }
    }
}

/// How many full reads in a row [`read_ready_slice`] takes before it lets the executor run
/// other tasks (a reactor without a per-task budget would otherwise let one busy connection
/// keep a worker thread to itself).
const FLOWING_READS: u32 = 32;

/// One read into the core for streams that fill a `&mut [u8]` and can tell readiness apart
/// from reading (async-io's `Async`, mio): waits with `ready`, then reads with `read`
/// (non-blocking, `WouldBlock` means "wait again"). The zero-filled slice the core lends is
/// only requested once the socket is readable, so an idle connection has none.
///
/// After a read that filled its slice more bytes are most likely waiting, so the next read
/// is tried before asking for readiness: a oneshot reactor (async-io) reports readiness once
/// per registration, and asking again re-arms the socket and waits for the reactor thread
/// to wake the task, a thread switch per read while the server is sending (issue 15).
pub fn read_ready_slice(
    cx: &mut Context<'_>,
    conn: &mut Connection,
    size: &mut ReadSize,
    mut ready: impl FnMut(&mut Context<'_>) -> Poll<io::Result<()>>,
    mut read: impl FnMut(&mut [u8]) -> io::Result<usize>,
) -> Progress {
    if size.flowing >= FLOWING_READS {
        // A turn for the executor's other tasks; the next poll reads again at once.
        size.flowing = 1;
        cx.waker().wake_by_ref();
        return Poll::Pending;
    }
    let mut read_first = size.flowing > 0;
    loop {
        if !read_first && let Err(e) = std::task::ready!(ready(cx)) {
            return Poll::Ready(Err(e));
        }
        read_first = false;
        let result = read(conn.read_slice(size.get()));
        let n = *result.as_ref().unwrap_or(&0);
        conn.handle_read_len(n);
        size.record(n);
        match result {
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            result => return Poll::Ready(result),
        }
    }
}

/// `now + timeout`, or `None` (never) when that instant cannot be represented.
pub fn deadline_after(timeout: Duration) -> Option<Instant> {
    Instant::now().checked_add(timeout)
}
