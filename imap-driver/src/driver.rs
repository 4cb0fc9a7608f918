//! The driver: the one owner of the transport and of the core [`Connection`], run as a task
//! on the caller's runtime.
//!
//! Handles never touch the core. They send [`Request`]s over an unbounded channel; each
//! carries the one-shot sender its caller awaits. Per turn of the loop the driver:
//!
//! 1. gathers everything the core has to send into one buffer
//!    ([`Connection::poll_transmit`]) once the previous batch is written;
//! 2. moves the core's events to the event queue, publishes the snapshot, and then answers
//!    every call whose op finished (in that order, so a caller that gets its result sees
//!    the state and events that came with it);
//! 3. waits for the first of: a request, bytes from the server, room to write, or room in
//!    a full streaming sink (while a sink is full the socket is not read: back-pressure).
//!
//! A batch is written with `write` calls on what is left of it until it is all out; reading
//! goes on meanwhile, so a large APPEND cannot deadlock against a server that is itself
//! blocked writing to us.

use std::future::poll_fn;
use std::io;
use std::sync::Arc;
use std::task::{Context, Poll};

use futures_channel::{mpsc, oneshot};
use futures_lite::Stream;
use imap_proto_core::Connection;
use socket2::TcpKeepalive;

use crate::calls::{Calls, Job};
use crate::events::EventQueue;
use crate::runtime::BoxTransport;
use crate::snapshot::SharedSnapshot;

/// A request from a handle to the driver.
pub enum Request {
    /// Submit one op.
    Submit(Job),
    /// Submit several ops at once; their commands go out in one write (pipelining).
    Batch(Vec<Job>),
    /// End the IDLE with this token (send `DONE`); ignored if it already ended.
    Interrupt(u64),
    /// Set TCP keepalive on the socket.
    SetKeepalive(TcpKeepalive, oneshot::Sender<io::Result<()>>),
}

/// The largest write buffer an idle connection keeps.
const IDLE_OUT_CAPACITY: usize = 4 * 1024;

/// What woke the driver.
enum Wake {
    Request(Option<Request>),
    Read(io::Result<usize>),
    Wrote(io::Result<usize>),
    Flushed(io::Result<()>),
    Unblocked,
}

/// The driver's state.
pub(crate) struct Driver {
    pub conn: Connection,
    pub transport: BoxTransport,
    pub requests: mpsc::UnboundedReceiver<Request>,
    pub snapshot: Arc<SharedSnapshot>,
    pub events: Arc<EventQueue>,
    pub calls: Calls,
    /// The current write batch and how much of it is written.
    pub out: Vec<u8>,
    pub written: usize,
    /// The batch is written but not flushed yet.
    pub flushing: bool,
    /// The transport can no longer be read (EOF or error).
    pub closed: bool,
    /// A transport error, reported in the snapshot's failure.
    pub io_failure: Option<String>,
}

impl Driver {
    pub(crate) async fn run(mut self) {
        loop {
            self.transmit();
            // After poll_transmit: producing output can fail the connection (TLS), which
            // completes every pending op.
            if self.settle() {
                // Calls that waited for room were submitted: their commands go out now.
                self.transmit();
                self.settle();
            }
            if self.finished() {
                break;
            }
            match poll_fn(|cx| self.poll_wake(cx)).await {
                Wake::Request(Some(request)) => {
                    self.handle(request);
                    // Take every request already waiting, so concurrent calls share one write.
                    while let Ok(request) = self.requests.try_recv() {
                        self.handle(request);
                    }
                }
                // Every handle is gone: nobody can use the connection any more.
                Wake::Request(None) => break,
                Wake::Read(Ok(0)) => {
                    self.closed = true;
                    self.conn.handle_eof();
                }
                Wake::Read(Ok(_)) | Wake::Unblocked | Wake::Flushed(Ok(())) => {}
                Wake::Read(Err(e)) | Wake::Wrote(Err(e)) | Wake::Flushed(Err(e)) => {
                    self.transport_failed(e)
                }
                Wake::Wrote(Ok(0)) => self.transport_failed(io::ErrorKind::WriteZero.into()),
                Wake::Wrote(Ok(n)) => {
                    self.written += n;
                    self.flushing = self.written == self.out.len();
                }
            }
        }
        self.settle();
        self.events.close();
        self.snapshot.update(|s| {
            s.exited = true;
            s.failure
                .get_or_insert_with(|| "the connection was closed".into());
            true
        });
        // Requests that arrived after the last one handled would stay queued: close the
        // channel, then drop them, so their callers get the error now.
        self.requests.close();
        while self.requests.try_recv().is_ok() {}
        // Dropping `self` closes the transport and the replies of calls still pending,
        // whose callers then get `Error::DriverGone`.
    }

    /// The first of: a request, a read, a write, a flush, room in a blocked sink.
    fn poll_wake(&mut self, cx: &mut Context<'_>) -> Poll<Wake> {
        if let Poll::Ready(request) = std::pin::Pin::new(&mut self.requests).poll_next(cx) {
            return Poll::Ready(Wake::Request(request));
        }
        let blocked = self.calls.poll_unblocked(cx);
        if let Some(Poll::Ready(())) = blocked {
            return Poll::Ready(Wake::Unblocked);
        }
        if !self.closed
            && blocked.is_none()
            && let Poll::Ready(read) = self.transport.poll_read_into(cx, &mut self.conn)
        {
            return Poll::Ready(Wake::Read(read));
        }
        if self.written < self.out.len() {
            let wrote = self.transport.poll_write(cx, &self.out[self.written..]);
            if let Poll::Ready(wrote) = wrote {
                return Poll::Ready(Wake::Wrote(wrote));
            }
        } else if self.flushing
            && let Poll::Ready(flushed) = self.transport.poll_flush(cx)
        {
            self.flushing = false;
            return Poll::Ready(Wake::Flushed(flushed));
        }
        Poll::Pending
    }

    /// Takes the core's next batch once the previous one is out.
    fn transmit(&mut self) {
        if self.written == self.out.len() && !self.flushing {
            self.out.clear();
            self.written = 0;
            // Everything the core has ready, as one batch: one write per batch.
            self.conn.poll_transmit(&mut self.out);
            if self.out.is_empty() && self.out.capacity() > IDLE_OUT_CAPACITY {
                // A large APPEND's batch is not kept by the idle connection.
                self.out = Vec::new();
            }
        }
    }

    /// True when the driver has nothing left to do: the session ended (LOGOUT or BYE)
    /// with no call pending, or the connection failed and every call was answered.
    fn finished(&self) -> bool {
        self.calls.is_empty()
            && self.written == self.out.len()
            && !self.flushing
            && self.conn.is_over()
    }

    fn transport_failed(&mut self, error: io::Error) {
        self.io_failure = Some(error.to_string());
        self.closed = true;
        self.out.clear();
        self.written = 0;
        self.flushing = false;
        self.conn.handle_eof();
    }

    /// Moves events, publishes the snapshot, then answers finished calls; true when calls
    /// that waited for room were submitted.
    fn settle(&mut self) -> bool {
        // Events first: `connect` waits for the snapshot to say "greeted", and then expects
        // the greeting's events (a BYE greeting's text) to be queued.
        if self.conn.events_pending() > 0 {
            let conn = &mut self.conn;
            self.events.extend(std::iter::from_fn(|| conn.poll_event()));
        }
        self.snapshot
            .publish(&self.conn, self.io_failure.as_deref());
        self.calls.pump(&mut self.conn)
    }

    fn handle(&mut self, request: Request) {
        match request {
            Request::Submit(job) => self.calls.start(job, &mut self.conn),
            Request::Batch(jobs) => {
                for job in jobs {
                    self.calls.start(job, &mut self.conn);
                }
            }
            Request::Interrupt(token) => self.calls.interrupt(token, &mut self.conn),
            Request::SetKeepalive(keepalive, reply) => {
                let _ = reply.send(self.transport.set_keepalive(&keepalive));
            }
        }
    }
}
