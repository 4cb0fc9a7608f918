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
use imap_proto_core::Error;
use socket2::TcpKeepalive;

use crate::calls::Job;
use crate::engine::Engine;
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
    /// The IDLE with this token is due for a check ([`crate::calls::Calls::idle_check`]); the
    /// reply is when to check next.
    IdleCheck(u64, oneshot::Sender<std::time::Instant>),
    /// A call's timeout elapsed (its reply receiver is closed): the driver judges the peer
    /// ([`Engine::timed_out`]) and sends back the call's error.
    TimedOut(oneshot::Sender<Error>),
    /// Set TCP keepalive on the socket.
    SetKeepalive(TcpKeepalive, oneshot::Sender<io::Result<()>>),
}

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
    pub engine: Engine,
    pub transport: BoxTransport,
    pub requests: mpsc::UnboundedReceiver<Request>,
    pub snapshot: Arc<SharedSnapshot>,
    pub events: Arc<EventQueue>,
    /// The batch is written but not flushed yet.
    pub flushing: bool,
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
            if self.engine.finished() && !self.flushing {
                break;
            }
            match poll_fn(|cx| self.poll_wake(cx)).await {
                Wake::Request(Some(request)) => {
                    self.handle(request);
                    // Take every request already waiting, so concurrent calls share one write.
                    while let Ok(request) = self.requests.try_recv() {
                        self.handle(request);
                    }
                    // FETCH calls among them asking the same question go out as one.
                    let Engine { conn, calls, .. } = &mut self.engine;
                    calls.flush(conn);
                }
                // Every handle is gone: nobody can use the connection any more.
                Wake::Request(None) => break,
                Wake::Read(read) => self.engine.read_done(read),
                Wake::Unblocked | Wake::Flushed(Ok(())) => {}
                Wake::Wrote(Err(e)) | Wake::Flushed(Err(e)) => self.engine.failed(e),
                Wake::Wrote(Ok(n)) => {
                    self.engine.wrote(n);
                    self.flushing = self.engine.unwritten().is_empty();
                }
            }
        }
        self.settle();
        self.events.close();
        self.snapshot.update(|s| {
            s.exited = true;
            s.failure
                .get_or_insert_with(|| Arc::new(Error::ConnectionClosed));
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
        let engine = &mut self.engine;
        let blocked = engine.calls.poll_unblocked(cx);
        if let Some(Poll::Ready(())) = blocked {
            return Poll::Ready(Wake::Unblocked);
        }
        if !engine.is_closed()
            && blocked.is_none()
            && let Poll::Ready(read) = self.transport.poll_read(cx, &mut engine.conn)
        {
            return Poll::Ready(Wake::Read(read));
        }
        if !engine.unwritten().is_empty() {
            if let Poll::Ready(wrote) = self.transport.poll_write(cx, engine.unwritten()) {
                return Poll::Ready(Wake::Wrote(wrote));
            }
        } else if self.flushing
            && let Poll::Ready(flushed) = self.transport.poll_flush(cx)
        {
            self.flushing = false;
            return Poll::Ready(Wake::Flushed(flushed));
        }
        self.engine.release_if_quiet();
        Poll::Pending
    }

    /// Takes the core's next batch once the previous one is written and flushed.
    fn transmit(&mut self) {
        if !self.flushing {
            self.engine.transmit();
        }
    }

    /// Events, snapshot, answers (see [`Engine::settle`]).
    fn settle(&mut self) -> bool {
        self.engine.settle(&self.snapshot, &self.events)
    }

    fn handle(&mut self, request: Request) {
        let Engine { conn, calls, .. } = &mut self.engine;
        match request {
            Request::Submit(job) => calls.start(job, conn),
            Request::Batch(jobs) => {
                for job in jobs {
                    calls.start(job, conn);
                }
            }
            Request::Interrupt(token) => calls.interrupt(token, conn),
            Request::IdleCheck(token, reply) => {
                let _ = reply.send(calls.idle_check(token, conn));
            }
            Request::TimedOut(reply) => {
                let _ = reply.send(self.engine.timed_out());
            }
            Request::SetKeepalive(keepalive, reply) => {
                let _ = reply.send(self.transport.set_keepalive(&keepalive));
            }
        }
    }
}
