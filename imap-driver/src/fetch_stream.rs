//! [`FetchStream`]: a streamed FETCH as a `futures_core::Stream`, for the async adapters.

use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use futures_channel::oneshot;
use futures_lite::{FutureExt, Stream};
use imap_proto_core::Error;
use imap_proto_core::types::{FetchAttr, FetchResponse, SequenceSet};

use crate::calls::StreamJob;
use crate::driver::Request;
use crate::handover::Taker;
use crate::link::Link;
use crate::runtime::{BoxFuture, deadline_after};

/// The responses of one (UID) FETCH as they arrive, from `fetch_stream` /
/// `uid_fetch_stream` (RFC 3501 Section 6.4.5): a `Stream` of
/// `Result<FetchResponse, Error>`.
///
/// - **Bounded memory.** The connection hands the stream every response one read of the
///   socket produced, in one batch with one wake-up, into a queue of at most
///   `ConnectOptions::fetch_stream_capacity` responses (128 by default). While the queue is
///   full the connection stops reading the socket; it reads on once the stream's consumer
///   has taken half of it.
/// - **Timeout.** The call's timeout bounds each wait for the next response (not the time
///   the consumer spends between them). When it elapses the stream yields
///   `Error::Timeout` (or `Error::PeerUnresponsive` if the server sent nothing since the
///   command went out: the connection failed) and ends.
/// - **Errors** end the stream: the typed error is its last item.
/// - **Dropping** the stream mid-way is safe: the connection reads the rest of the FETCH
///   and discards it, so the session stays in step and later calls work.
/// - **`Send`, `Unpin` and `'static`**: it does not borrow the connection, so it can be
///   moved to another task and polled without pinning.
///
/// While the queue is full the connection reads nothing else either: a consumer that
/// awaits another call on the same connection before it drains the stream waits for that
/// call's timeout. Collect first, or drop the stream.
pub struct FetchStream {
    queue: Taker,
    /// The FETCH's outcome; closed (the caller gone) when the stream times out or drops.
    reply: oneshot::Receiver<Result<(), Error>>,
    /// `reply` answered or gone: not polled again.
    replied: bool,
    link: Link,
    timeout: Duration,
    /// Runs while the consumer waits on an empty queue.
    timer: Option<BoxFuture<()>>,
    /// The driver's verdict on a timed-out wait.
    verdict: Option<BoxFuture<Error>>,
    done: bool,
}

impl std::fmt::Debug for FetchStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FetchStream")
            .field("queued", &self.queue.len())
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
}

impl FetchStream {
    /// Submits a streamed (UID) FETCH through `link`, its queue `capacity` responses.
    pub(crate) fn start(
        link: &Link,
        uid: bool,
        (sequence_set, items): (&SequenceSet, &[FetchAttr]),
        capacity: usize,
        timeout: Duration,
    ) -> Result<Self, Error> {
        let (job, queue, reply) = StreamJob::queue(uid, sequence_set, items, capacity);
        link.send(Request::Submit(job))?;
        Ok(FetchStream {
            queue,
            reply,
            replied: false,
            link: link.clone(),
            timeout,
            timer: None,
            verdict: None,
            done: false,
        })
    }

    /// How many responses wait in the stream's queue, received and not yet taken (at most
    /// `ConnectOptions::fetch_stream_capacity`).
    pub fn queued(&self) -> usize {
        self.queue.len()
    }

    /// The end of the stream, after `item` if any.
    fn finish(
        &mut self,
        item: Option<Result<FetchResponse, Error>>,
    ) -> Poll<Option<<Self as Stream>::Item>> {
        self.done = true;
        self.timer = None;
        self.queue.close();
        Poll::Ready(item)
    }
}

impl Stream for FetchStream {
    type Item = Result<FetchResponse, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        loop {
            if this.done {
                return Poll::Ready(None);
            }
            if let Some(verdict) = &mut this.verdict {
                let error = std::task::ready!(verdict.poll(cx));
                this.verdict = None;
                return this.finish(Some(Err(error)));
            }
            match this.queue.poll_pop(cx) {
                Poll::Ready(Some(Ok(response))) => {
                    this.timer = None;
                    return Poll::Ready(Some(Ok(response)));
                }
                Poll::Ready(Some(Err(error))) => return this.finish(Some(Err(error))),
                Poll::Ready(None) => return this.finish(None),
                Poll::Pending => {}
            }
            if !this.replied {
                match Pin::new(&mut this.reply).poll(cx) {
                    // The FETCH completed: its queue ended before the reply was sent.
                    Poll::Ready(Ok(_)) => {
                        this.replied = true;
                        continue;
                    }
                    // The driver dropped the call unanswered: it is gone.
                    Poll::Ready(Err(oneshot::Canceled)) => {
                        this.replied = true;
                        if this.queue.is_ready() {
                            continue;
                        }
                        return this.finish(Some(Err(this.link.gone())));
                    }
                    Poll::Pending => {}
                }
            }
            let link = &this.link;
            let timeout = this.timeout;
            let timer = this
                .timer
                .get_or_insert_with(|| link.timer(deadline_after(timeout)));
            if timer.poll(cx).is_pending() {
                return Poll::Pending;
            }
            // The wait timed out: the call gives up its reply (so the driver knows which op
            // timed out and discards the rest), then the driver judges the peer.
            this.timer = None;
            if this.queue.is_ready() {
                continue;
            }
            this.reply.close();
            this.queue.close();
            let link = this.link.clone();
            this.verdict = Some(Box::pin(async move { link.timed_out().await }));
        }
    }
}

impl Drop for FetchStream {
    fn drop(&mut self) {
        // The driver reads the rest of the FETCH and discards it.
        self.queue.close();
    }
}

#[cfg(test)]
mod tests {
    /// What the docs promise of both types, checked at compile time.
    #[test]
    fn stream_is_send_unpin_static_and_iter_is_send() {
        fn stream<T: Send + Unpin + 'static>() {}
        fn iter<T: Send>() {}
        stream::<super::FetchStream>();
        iter::<crate::FetchIter<'static>>();
    }
}
