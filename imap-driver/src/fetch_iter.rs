//! [`FetchIter`]: a streamed FETCH as an `Iterator`, for connections driven on their
//! callers' threads (imap-blocking). Pull-based: no second thread, no channel. Each `next()`
//! takes the next response from the FETCH's queue, or, when it is empty, drives the
//! connection itself until the responses of the next read are there.

use std::time::Duration;

use futures_channel::oneshot;
use imap_proto_core::Error;
use imap_proto_core::types::{FetchAttr, FetchResponse, SequenceSet};

use crate::blocking::{BlockingLoop, deadline_or_far as deadline_after};
use crate::calls::{StreamJob, answered};
use crate::handover::Taker;
use crate::seat::{Seat, Taken};

/// The responses of one (UID) FETCH as they arrive, from `fetch_stream` /
/// `uid_fetch_stream` (RFC 3501 Section 6.4.5): an `Iterator` of
/// `Result<FetchResponse, Error>`.
///
/// - **The connection is the iterator's** until it is exhausted or dropped: like any call,
///   it holds the connection's lock, and other calls (from other threads) wait for it.
///   Calling the same connection inside the loop therefore waits for that call's timeout:
///   collect first, or drop the iterator.
/// - **Pull-based, bounded memory.** `next()` takes the next response from the FETCH's
///   queue; only when it is empty does it read the socket, on the calling thread, until the
///   next read's responses are there (at most `ConnectOptions::fetch_stream_capacity` are
///   kept; the rest of one read waits in the core).
/// - **Timeout.** The call's timeout bounds each `next()`'s wait for the server. When it
///   elapses, the iterator yields `Error::Timeout` (or `Error::PeerUnresponsive` if the
///   server sent nothing since the command went out) and ends.
/// - **Errors** end the iteration: the typed error is the last item.
/// - **Dropping** the iterator mid-way is safe: the rest of the FETCH is read and discarded
///   by the connection's next call, so the session stays in step.
pub struct FetchIter<'a> {
    /// The lock, until the end.
    held: Option<Taken<'a, BlockingLoop>>,
    queue: Taker,
    reply: oneshot::Receiver<Result<(), Error>>,
    timeout: Duration,
}

impl std::fmt::Debug for FetchIter<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FetchIter")
            .field("queued", &self.queue.len())
            .field("done", &self.held.is_none())
            .finish_non_exhaustive()
    }
}

impl Seat<BlockingLoop> {
    /// Takes the lock within `timeout` and submits a streamed (UID) FETCH whose responses
    /// the returned iterator pulls.
    pub fn fetch_iter(
        &self,
        uid: bool,
        (sequence_set, items): (&SequenceSet, &[FetchAttr]),
        timeout: Duration,
    ) -> Result<FetchIter<'_>, Error> {
        let mut held = self.take(deadline_after(timeout))?;
        let engine = &mut held.engine;
        let capacity = engine.fetch_stream_capacity;
        let (job, queue, reply) = StreamJob::queue(uid, sequence_set, items, capacity);
        engine.calls.start(job, &mut engine.conn);
        Ok(FetchIter {
            held: Some(held),
            queue,
            reply,
            timeout,
        })
    }
}

impl FetchIter<'_> {
    /// How many responses wait in the iterator's queue, received and not yet taken (at
    /// most `ConnectOptions::fetch_stream_capacity`).
    pub fn queued(&self) -> usize {
        self.queue.len()
    }

    /// The end: the lock goes back; a FETCH not finished is discarded.
    fn finish(&mut self) {
        self.queue.close();
        self.held = None;
    }

    /// The next item once the queue is ready, or the error that ended the wait.
    fn wait(&mut self) -> Option<Result<FetchResponse, Error>> {
        let held = self.held.as_mut()?;
        let queue = &self.queue;
        let reply = &mut self.reply;
        let ready = || (queue.is_ready() || reply_gone(reply)).then_some(());
        let (value, shared) = held.parts();
        let driven = value.drive(shared, deadline_after(self.timeout), ready);
        if let Some(popped) = self.queue.try_pop() {
            return popped;
        }
        Some(Err(match driven {
            Err(Error::Timeout) => {
                // Closed first, so the engine knows which op timed out.
                self.reply.close();
                value.timed_out(shared)
            }
            Err(error) => error,
            // Answered without its queue ending: the connection dropped the call.
            Ok(()) => Error::DriverGone,
        }))
    }
}

/// True when the call's reply came without its queue (never, unless the run loop lost it).
fn reply_gone(reply: &mut oneshot::Receiver<Result<(), Error>>) -> bool {
    matches!(answered(reply), Some(Err(Error::DriverGone)))
}

impl Iterator for FetchIter<'_> {
    type Item = Result<FetchResponse, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        let item = match self.queue.try_pop() {
            Some(popped) => popped,
            None => self.wait(),
        };
        if !matches!(item, Some(Ok(_))) {
            self.finish();
        }
        item
    }
}

impl Drop for FetchIter<'_> {
    fn drop(&mut self) {
        // The connection's next call reads the rest of the FETCH and discards it.
        self.queue.close();
    }
}
