//! Byte streams of the caller's choosing: [`DrivesStream`] says which streams a runtime's
//! driver can own (what `ImapConnection::from_stream` accepts), and [`SpareRead`] reads
//! streams that offer no readiness signal (a generic `AsyncRead`) without holding the
//! core's read buffer while the connection is idle; [`AnyStream`] is such a stream as a
//! transport.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use futures_lite::io::{AsyncRead, AsyncWrite};
use imap_proto_core::Connection;

use crate::runtime::{BoxTransport, Progress, ReadSize, Runtime, Transport};

/// A runtime whose driver can own byte streams of type `S`: the streams of its I/O model
/// (`imap_tokio::Tokio`: any tokio `AsyncRead + AsyncWrite`; `imap_async_std::AsyncIo`: any
/// futures-io `AsyncRead + AsyncWrite`), accepted by `ImapConnection::from_stream`.
pub trait DrivesStream<S>: Runtime {
    /// `stream` as the driver's transport.
    fn transport(stream: S) -> BoxTransport;
}

/// How much a stream without readiness reads while the connection may be idle. A pending
/// read must be given a buffer; this one is the transport's own and small, so an idle
/// connection does not keep the core's (growing) read buffer reserved.
pub const SPARE_READ: usize = 1024;

/// Reads for streams that only offer "read into this slice, or wake me later": while the
/// connection may be idle, into a small buffer of the transport's own ([`SPARE_READ`]
/// bytes, copied into the core); after a read that filled its buffer (traffic is flowing),
/// straight into the core's buffer at the adaptive [`ReadSize`], until a read would wait.
#[derive(Debug)]
pub struct SpareRead {
    spare: Box<[u8]>,
    size: ReadSize,
    /// The last read filled its buffer: read into the core directly.
    busy: bool,
}

impl Default for SpareRead {
    fn default() -> Self {
        SpareRead {
            spare: vec![0; SPARE_READ].into_boxed_slice(),
            size: ReadSize::default(),
            busy: false,
        }
    }
}

impl SpareRead {
    /// One read into `conn` with `read` (a `poll_read` into a slice); `Ok(0)` at the end of
    /// the stream.
    pub fn poll_read(
        &mut self,
        cx: &mut Context<'_>,
        conn: &mut Connection,
        mut read: impl FnMut(&mut Context<'_>, &mut [u8]) -> Poll<io::Result<usize>>,
    ) -> Progress {
        loop {
            let result = if self.busy {
                let asked = self.size.get();
                let polled = read(cx, conn.read_slice(asked));
                // Nothing came (pending or failed): the lent slice is given back at once.
                let n = match &polled {
                    Poll::Ready(Ok(n)) => *n,
                    _ => 0,
                };
                conn.handle_read_len(n);
                if n > 0 {
                    self.size.record(n);
                }
                self.busy = n == asked;
                ready!(polled)
            } else {
                let polled = ready!(read(cx, &mut self.spare));
                if let Ok(n) = polled {
                    conn.handle_input(&self.spare[..n]);
                    self.busy = n == self.spare.len();
                }
                polled
            };
            match result {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                result => return Poll::Ready(result),
            }
        }
    }
}

/// Any futures-io byte stream of the caller's (a Unix socket, a proxy tunnel, an in-memory
/// pipe, a TLS stream of another library) as a transport: what `from_stream` builds in the
/// async adapters (tokio's streams through `tokio_util::compat`). Such a stream offers no
/// readiness signal, so it is read through [`SpareRead`].
pub struct AnyStream<S>(S, SpareRead);

impl<S> AnyStream<S>
where
    S: AsyncRead + AsyncWrite + Send + Unpin + 'static,
{
    /// `stream` as the driver's transport.
    pub fn transport(stream: S) -> BoxTransport {
        Box::new(AnyStream(stream, SpareRead::default()))
    }
}

impl<S> Transport for AnyStream<S>
where
    S: AsyncRead + AsyncWrite + Send + Unpin + 'static,
{
    fn poll_read(&mut self, cx: &mut Context<'_>, core: &mut Connection) -> Progress {
        let AnyStream(stream, spare) = self;
        spare.poll_read(cx, core, |cx, buf| {
            Pin::new(&mut *stream).poll_read(cx, buf)
        })
    }

    fn poll_write(&mut self, cx: &mut Context<'_>, buf: &[u8]) -> Progress {
        Pin::new(&mut self.0).poll_write(cx, buf)
    }

    fn poll_flush(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }
}
