//! [`Handover`]: the bounded queue between a streamed FETCH in the core and its consumer
//! (a [`FetchStream`](crate::FetchStream) or a blocking `FetchIter`), filled in batches.
//!
//! Whoever drives the core moves every response one read produced into the queue under one
//! lock and wakes the consumer once for the batch, not once per response (a wake-up per
//! response is a thread switch per response on a multi-threaded runtime). While the queue
//! holds `capacity` responses the FETCH is blocked: the driver stops reading the socket and
//! is woken again only when the consumer has taken the queue down to half, so the other
//! direction is batched too.

use std::collections::VecDeque;
use std::sync::{Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};

use crate::sink::FetchItem;

/// The default number of responses a FETCH stream holds for its consumer
/// (`ConnectOptions::fetch_stream_capacity`).
pub(crate) const DEFAULT_FETCH_STREAM_CAPACITY: usize = 128;

/// The queue of one streamed FETCH, shared by its producer (the run loop) and its consumer.
#[derive(Debug)]
pub(crate) struct Handover {
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    items: VecDeque<FetchItem>,
    capacity: usize,
    /// Nothing more will be pushed (the FETCH completed; an error is the last item).
    ended: bool,
    /// The consumer is gone: the producer reads and discards the rest.
    dropped: bool,
    /// The consumer waits for an item.
    consumer: Option<Waker>,
    /// The producer waits for room.
    producer: Option<Waker>,
}

/// What [`Handover::fill`] left.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Filled {
    /// Every offered item went in.
    Drained,
    /// The queue is full and the source has more: stop reading until there is room.
    Full,
    /// The consumer is gone: discard.
    Dropped,
}

impl Handover {
    /// An empty queue for at most `capacity` responses (at least one).
    pub(crate) fn new(capacity: usize) -> Self {
        Handover {
            state: Mutex::new(State {
                items: VecDeque::new(),
                capacity: capacity.max(1),
                ended: false,
                dropped: false,
                consumer: None,
                producer: None,
            }),
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // Every critical section leaves the state whole: a poisoned lock is consistent.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    // The producer's side.

    /// Moves items from `source` into the queue until it is full or `source` is empty,
    /// under one lock, then wakes the consumer once if any went in.
    pub(crate) fn fill(&self, mut source: impl FnMut() -> Option<FetchItem>) -> Filled {
        let mut state = self.state();
        if state.dropped {
            return Filled::Dropped;
        }
        let before = state.items.len();
        let mut filled = Filled::Drained;
        while state.items.len() < state.capacity {
            match source() {
                Some(item) => state.items.push_back(item),
                None => break,
            }
        }
        if state.items.len() >= state.capacity {
            filled = Filled::Full;
        }
        let waker = (state.items.len() > before)
            .then(|| state.consumer.take())
            .flatten();
        drop(state);
        if let Some(waker) = waker {
            waker.wake();
        }
        filled
    }

    /// The FETCH is over: the consumer gets what is queued, then the end.
    pub(crate) fn end(&self) {
        let waker = {
            let mut state = self.state();
            state.ended = true;
            state.consumer.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    /// Ready when the queue has room again (down to half its capacity) or the consumer is
    /// gone.
    pub(crate) fn poll_room(&self, cx: &mut Context<'_>) -> Poll<()> {
        let mut state = self.state();
        if state.dropped || state.items.len() <= state.capacity / 2 {
            return Poll::Ready(());
        }
        state.producer = Some(cx.waker().clone());
        Poll::Pending
    }

    // The consumer's side.

    /// The next item; `Ready(None)` at the end; `Pending` (the waker kept) while the queue
    /// is empty.
    pub(crate) fn poll_pop(&self, cx: &mut Context<'_>) -> Poll<Option<FetchItem>> {
        let mut state = self.state();
        match self.pop_locked(&mut state) {
            Some(item) => Poll::Ready(Some(item)),
            None if state.ended => Poll::Ready(None),
            None => {
                state.consumer = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }

    /// The next item if there is one: `Some(None)` at the end, `None` while empty.
    pub(crate) fn try_pop(&self) -> Option<Option<FetchItem>> {
        let mut state = self.state();
        match self.pop_locked(&mut state) {
            Some(item) => Some(Some(item)),
            None if state.ended => Some(None),
            None => None,
        }
    }

    fn pop_locked(&self, state: &mut State) -> Option<FetchItem> {
        let item = state.items.pop_front()?;
        if state.items.len() <= state.capacity / 2
            && let Some(producer) = state.producer.take()
        {
            producer.wake();
        }
        Some(item)
    }

    /// True while items wait or the end is known: a blocking consumer stops driving.
    pub(crate) fn is_ready(&self) -> bool {
        let state = self.state();
        !state.items.is_empty() || state.ended
    }

    /// How many responses wait in the queue (at most its capacity).
    pub(crate) fn len(&self) -> usize {
        self.state().items.len()
    }

    /// The consumer is gone: what is queued is dropped and the producer discards the rest.
    pub(crate) fn close(&self) {
        let (items, producer) = {
            let mut state = self.state();
            state.dropped = true;
            (std::mem::take(&mut state.items), state.producer.take())
        };
        drop(items);
        if let Some(producer) = producer {
            producer.wake();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::task::Wake;

    use imap_proto_core::Error;

    struct Count(AtomicUsize);
    impl Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    fn items(n: usize) -> impl FnMut() -> Option<FetchItem> {
        let mut left = n;
        move || {
            left = left.checked_sub(1)?;
            Some(Err(Error::Timeout))
        }
    }

    #[test]
    fn one_wake_per_batch_and_bounded() {
        let queue = Handover::new(4);
        let count = Arc::new(Count(AtomicUsize::new(0)));
        let waker = Waker::from(count.clone());
        let mut cx = Context::from_waker(&waker);
        assert!(queue.poll_pop(&mut cx).is_pending());
        let mut source = items(10);
        assert_eq!(queue.fill(&mut source), Filled::Full);
        assert_eq!(queue.len(), 4);
        assert_eq!(count.0.load(Ordering::SeqCst), 1, "one wake for the batch");
        // Full: the producer waits until the consumer took the queue down to half.
        assert!(queue.poll_room(&mut cx).is_pending());
        assert!(queue.try_pop().is_some());
        assert_eq!(count.0.load(Ordering::SeqCst), 1, "not yet at half");
        assert!(queue.try_pop().is_some());
        assert_eq!(
            count.0.load(Ordering::SeqCst),
            2,
            "the producer woken at half"
        );
        assert!(queue.poll_room(&mut cx).is_ready());
        assert_eq!(queue.fill(&mut source), Filled::Full);
        queue.close();
        assert_eq!(queue.fill(&mut source), Filled::Dropped);
        assert_eq!(queue.len(), 0);
    }

    #[test]
    fn ends_after_the_queued_items() {
        let queue = Handover::new(8);
        assert_eq!(queue.fill(items(2)), Filled::Drained);
        queue.end();
        assert!(matches!(queue.try_pop(), Some(Some(_))));
        assert!(matches!(queue.try_pop(), Some(Some(_))));
        assert!(matches!(queue.try_pop(), Some(None)));
    }
}
