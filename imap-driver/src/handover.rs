//! [`Handover`]: the bounded queue between a streamed FETCH in the core and its consumer
//! (a [`FetchStream`](crate::FetchStream) or a blocking `FetchIter`), filled in batches and
//! emptied in batches.
//!
//! Whoever drives the core moves every response one read produced into the queue under one
//! lock and wakes the consumer once for the batch, not once per response (a wake-up per
//! response is a thread switch per response on a multi-threaded runtime). The consumer's
//! [`Taker`] takes everything queued under one lock too, and hands it out without locking
//! (a lock per response cost about 100 instructions, issue 15). The responses the taker
//! holds count against the bound: while queue and taker together hold `capacity` responses
//! the FETCH is blocked: the driver stops reading the socket and is woken again only when
//! the consumer has taken them down to half, so the other direction is batched too.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};

use crate::sink::FetchItem;

/// The default number of responses a FETCH stream holds for its consumer
/// (`ConnectOptions::fetch_stream_capacity`).
pub(crate) const DEFAULT_FETCH_STREAM_CAPACITY: usize = 128;

/// The queue of one streamed FETCH, shared by its producer (the run loop) and its consumer.
#[derive(Debug)]
pub(crate) struct Handover {
    state: Mutex<State>,
    /// How many responses the taker's batch holds: stored by the taker after each take
    /// (under the lock when it refills, so between refills it only falls and the producer
    /// never reads fewer than it holds). `items.len() + held` bounds what is kept.
    held: AtomicUsize,
    /// The producer waits for room: the taker reports (locks, wakes it if what is kept is
    /// down to half) once its batch holds fewer than this; 0 while nobody waits.
    wake_below: AtomicUsize,
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
    /// An empty queue for at most `capacity` responses (at least one), and its consumer's
    /// end.
    pub(crate) fn new(capacity: usize) -> (Arc<Self>, Taker) {
        let shared = Arc::new(Handover {
            state: Mutex::new(State {
                items: VecDeque::new(),
                capacity: capacity.max(1),
                ended: false,
                dropped: false,
                consumer: None,
                producer: None,
            }),
            held: AtomicUsize::new(0),
            wake_below: AtomicUsize::new(0),
        });
        let taker = Taker {
            shared: shared.clone(),
            batch: VecDeque::new(),
        };
        (shared, taker)
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // Every critical section leaves the state whole: a poisoned lock is consistent.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Responses kept for the consumer, queued or in the taker's batch (never fewer than
    /// there are).
    fn kept(&self, state: &State) -> usize {
        state.items.len() + self.held.load(Ordering::Relaxed)
    }

    /// The producer waits for room: the batch length below which the taker reports, so
    /// that it is woken when what is kept comes down to half (0: the next refill reports).
    fn wake_below(state: &State) -> usize {
        (state.capacity / 2 + 1).saturating_sub(state.items.len())
    }

    /// Under the lock, by the taker: wakes the waiting producer if what is kept is down to
    /// half, or marks when to look again.
    fn wake_if_room(&self, state: &mut State) {
        if self.kept(state) <= state.capacity / 2 {
            self.wake_below.store(0, Ordering::Relaxed);
            if let Some(producer) = state.producer.take() {
                producer.wake();
            }
        } else {
            let below = match state.producer {
                Some(_) => Self::wake_below(state),
                None => 0,
            };
            self.wake_below.store(below, Ordering::Relaxed);
        }
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
        let mut room = state.capacity.saturating_sub(self.kept(&state));
        while room > 0 {
            match source() {
                Some(item) => state.items.push_back(item),
                None => break,
            }
            room -= 1;
        }
        let filled = if room == 0 {
            Filled::Full
        } else {
            Filled::Drained
        };
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
        if state.dropped || self.kept(&state) <= state.capacity / 2 {
            self.wake_below.store(0, Ordering::Relaxed);
            return Poll::Ready(());
        }
        state.producer = Some(cx.waker().clone());
        self.wake_below
            .store(Self::wake_below(&state), Ordering::Relaxed);
        Poll::Pending
    }
}

/// The consumer's end of a [`Handover`]: takes all that is queued at once, into a batch it
/// hands out without locking.
#[derive(Debug)]
pub(crate) struct Taker {
    shared: Arc<Handover>,
    /// Taken from the queue, in order, not yet handed out.
    batch: VecDeque<FetchItem>,
}

impl Taker {
    /// The next item; `Ready(None)` at the end; `Pending` (the waker kept) while the queue
    /// is empty.
    #[inline]
    pub(crate) fn poll_pop(&mut self, cx: &mut Context<'_>) -> Poll<Option<FetchItem>> {
        // Inlined, so the item is moved once from the batch to the caller.
        match self.batch.pop_front() {
            Some(item) => {
                self.taken();
                Poll::Ready(Some(item))
            }
            None => self.poll_refill(cx),
        }
    }

    /// The batch is empty: [`Taker::poll_pop`] from the queue.
    #[inline(never)]
    fn poll_refill(&mut self, cx: &mut Context<'_>) -> Poll<Option<FetchItem>> {
        let mut state = self.shared.state();
        match Self::refill(&self.shared, &mut self.batch, &mut state) {
            Some(item) => Poll::Ready(Some(item)),
            None if state.ended => Poll::Ready(None),
            None => {
                state.consumer = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }

    /// The next item if there is one: `Some(None)` at the end, `None` while empty.
    #[inline]
    pub(crate) fn try_pop(&mut self) -> Option<Option<FetchItem>> {
        match self.batch.pop_front() {
            Some(item) => {
                self.taken();
                Some(Some(item))
            }
            None => self.try_refill(),
        }
    }

    /// The batch is empty: [`Taker::try_pop`] from the queue.
    #[inline(never)]
    fn try_refill(&mut self) -> Option<Option<FetchItem>> {
        let mut state = self.shared.state();
        match Self::refill(&self.shared, &mut self.batch, &mut state) {
            Some(item) => Some(Some(item)),
            None if state.ended => Some(None),
            None => None,
        }
    }

    /// An item was taken from the batch: publishes its length, and locks only when a
    /// waiting producer may be woken.
    #[inline]
    fn taken(&self) {
        let held = self.batch.len();
        self.shared.held.store(held, Ordering::Relaxed);
        if held < self.shared.wake_below.load(Ordering::Relaxed) {
            self.shared.wake_if_room(&mut self.shared.state());
        }
    }

    /// The batch is empty: takes the whole queue as the next batch (the queue keeps the
    /// empty batch's buffer) and returns its first item.
    fn refill(
        shared: &Handover,
        batch: &mut VecDeque<FetchItem>,
        state: &mut State,
    ) -> Option<FetchItem> {
        std::mem::swap(&mut state.items, batch);
        let item = batch.pop_front();
        shared.held.store(batch.len(), Ordering::Relaxed);
        if state.producer.is_some() {
            shared.wake_if_room(state);
        }
        item
    }

    /// True while items wait or the end is known: a blocking consumer stops driving.
    pub(crate) fn is_ready(&self) -> bool {
        !self.batch.is_empty() || {
            let state = self.shared.state();
            !state.items.is_empty() || state.ended
        }
    }

    /// How many responses wait, queued or taken (at most the capacity).
    pub(crate) fn len(&self) -> usize {
        self.batch.len() + self.shared.state().items.len()
    }

    /// The consumer is gone: what is queued or taken is dropped and the producer discards
    /// the rest.
    pub(crate) fn close(&mut self) {
        let batch = std::mem::take(&mut self.batch);
        let (items, producer) = {
            let mut state = self.shared.state();
            state.dropped = true;
            self.shared.held.store(0, Ordering::Relaxed);
            (std::mem::take(&mut state.items), state.producer.take())
        };
        drop((batch, items));
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

    fn counter() -> (Arc<Count>, Waker) {
        let count = Arc::new(Count(AtomicUsize::new(0)));
        let waker = Waker::from(count.clone());
        (count, waker)
    }

    /// Items numbered from `first`, `n` of them.
    fn numbered(first: usize, n: usize) -> impl FnMut() -> Option<FetchItem> {
        let mut next = first;
        move || {
            (next < first + n).then(|| {
                next += 1;
                Err(Error::TooManyInFlight(next - 1))
            })
        }
    }

    fn number(item: Option<Option<FetchItem>>) -> usize {
        match item {
            Some(Some(Err(Error::TooManyInFlight(n)))) => n,
            other => panic!("not a numbered item: {other:?}"),
        }
    }

    #[test]
    fn one_wake_per_batch_and_bounded() {
        let (queue, mut taker) = Handover::new(4);
        let (count, waker) = counter();
        let mut cx = Context::from_waker(&waker);
        assert!(taker.poll_pop(&mut cx).is_pending());
        let mut source = numbered(0, 10);
        assert_eq!(queue.fill(&mut source), Filled::Full);
        assert_eq!(taker.len(), 4);
        assert_eq!(count.0.load(Ordering::SeqCst), 1, "one wake for the batch");
        // Full: the producer waits until the consumer took the queue down to half.
        assert!(queue.poll_room(&mut cx).is_pending());
        assert_eq!(number(taker.try_pop()), 0);
        // The taken batch still counts: room for one more only.
        assert_eq!(queue.fill(&mut source), Filled::Full);
        assert_eq!(taker.len(), 4);
        assert_eq!(number(taker.try_pop()), 1);
        assert_eq!(count.0.load(Ordering::SeqCst), 1, "not yet at half");
        assert_eq!(number(taker.try_pop()), 2);
        assert_eq!(
            count.0.load(Ordering::SeqCst),
            2,
            "the producer woken at half"
        );
        assert!(queue.poll_room(&mut cx).is_ready());
        assert_eq!(queue.fill(&mut source), Filled::Full);
        assert_eq!(taker.len(), 4);
        assert_eq!(number(taker.try_pop()), 3);
        taker.close();
        assert_eq!(queue.fill(&mut source), Filled::Dropped);
        assert_eq!(taker.len(), 0);
    }

    #[test]
    fn ends_after_the_queued_items() {
        let (queue, mut taker) = Handover::new(8);
        assert_eq!(queue.fill(numbered(0, 2)), Filled::Drained);
        queue.end();
        assert_eq!(number(taker.try_pop()), 0);
        assert_eq!(number(taker.try_pop()), 1);
        assert!(matches!(taker.try_pop(), Some(None)));
    }

    /// Against a plain queue, over pseudo-random fills and takes: the same items in the same
    /// order, never more than `capacity` kept, and a waiting producer woken exactly when
    /// what is kept comes down to half.
    #[test]
    fn agrees_with_one_bounded_queue() {
        let mut seed = 0x2545_f491_u64;
        let mut random = move |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n) as usize
        };
        for capacity in [1, 2, 3, 8, 13] {
            let (queue, mut taker) = Handover::new(capacity);
            let (count, waker) = counter();
            let mut cx = Context::from_waker(&waker);
            let (mut sent, mut taken, mut kept) = (0, 0, 0);
            let mut waiting = false;
            for _ in 0..2000 {
                if random(2) == 0 {
                    let offered = random(2 * capacity as u64 + 1);
                    let filled = queue.fill(numbered(sent, offered));
                    let went_in = offered.min(capacity - kept);
                    sent += went_in;
                    kept += went_in;
                    assert_eq!(filled == Filled::Full, kept == capacity);
                    assert!(kept <= capacity && taker.len() == kept);
                    if filled == Filled::Full {
                        waiting = queue.poll_room(&mut cx).is_pending();
                        assert_eq!(waiting, kept > capacity / 2);
                    }
                } else {
                    let wakes = count.0.load(Ordering::SeqCst);
                    match taker.try_pop() {
                        None => assert_eq!(kept, 0),
                        item => {
                            assert_eq!(number(item), taken);
                            taken += 1;
                            kept -= 1;
                        }
                    }
                    let woken = count.0.load(Ordering::SeqCst) > wakes;
                    assert_eq!(woken, waiting && kept <= capacity / 2, "kept {kept}");
                    waiting &= !woken;
                }
            }
        }
    }
}
