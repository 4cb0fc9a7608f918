//! The event queue between the connection and its callers: unsolicited server data waits
//! here for `drain_events` / `next_event`, outside any lock a call holds.
//!
//! Whoever drives the core (the driver task, or the blocking adapter's calling thread)
//! moves every event here as soon as the bytes that carried it are processed, before it
//! answers the call those bytes completed: when a call returns, the events that arrived
//! before its completion are queued. The queue is bounded; when full the oldest event is
//! dropped and the loss is reported by one `TypedEvent::EventsDropped(n)` at the front. A
//! generation counter, bumped on every change (and by the blocking adapter when it releases
//! the core), lets a waiter sleep without missing anything; async waiters and blocking
//! waiters share one `event_listener::Event`.

use std::sync::{Mutex, MutexGuard};
use std::time::Instant;

use event_listener::{Event, Listener};
use futures_lite::FutureExt;
use imap_proto_core::{Error, TypedEvent};
use imap_proto_core::{EventBuffer, NextEvent};

use crate::runtime::BoxFuture;

/// A bounded, drop-oldest event queue with a change counter.
pub struct EventQueue {
    inner: Mutex<Inner>,
    changed: Event,
}

struct Inner {
    buffer: EventBuffer,
    generation: u64,
}

/// What a look at the queue found.
#[derive(Debug)]
pub enum Popped {
    /// The oldest event.
    Event(TypedEvent),
    /// Nothing queued; the generation to wait on.
    Empty(u64),
    /// Nothing queued and the connection is gone.
    Closed,
}

impl EventQueue {
    /// A queue that keeps at most `capacity` events.
    pub fn new(capacity: usize) -> Self {
        EventQueue {
            inner: Mutex::new(Inner {
                buffer: EventBuffer::new(capacity),
                generation: 0,
            }),
            changed: Event::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // Every critical section is a single push or pop: a poisoned lock is consistent.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Runs `f` on the buffer, then wakes the waiters if it says something changed.
    fn change(&self, f: impl FnOnce(&mut EventBuffer) -> bool) {
        let mut inner = self.lock();
        if f(&mut inner.buffer) {
            inner.generation += 1;
            drop(inner);
            self.changed.notify(usize::MAX);
        }
    }

    /// Appends events and wakes the waiters.
    pub fn extend(&self, events: impl IntoIterator<Item = TypedEvent>) {
        self.change(|buffer| buffer.extend(events));
    }

    /// Puts events back at the front, in order (an IDLE's events the caller cancelled
    /// before seeing them).
    pub fn requeue_front(&self, events: Vec<TypedEvent>) {
        if !events.is_empty() {
            self.change(|buffer| {
                buffer.requeue_front(events);
                true
            });
        }
    }

    /// Wakes waiters without adding anything (the blocking adapter released the core).
    pub fn bump(&self) {
        self.change(|_| true);
    }

    /// Marks the connection gone. Queued events stay readable.
    pub fn close(&self) {
        self.change(EventBuffer::close);
    }

    /// The oldest event, or why there is none; never waits.
    pub fn pop(&self) -> Popped {
        let mut inner = self.lock();
        match inner.buffer.pop() {
            NextEvent::Event(event) => Popped::Event(event),
            NextEvent::Closed => Popped::Closed,
            NextEvent::Empty => Popped::Empty(inner.generation),
        }
    }

    /// Everything queued now, oldest first; never waits.
    pub fn drain(&self) -> Vec<TypedEvent> {
        self.lock().buffer.drain()
    }

    /// Blocks the thread until the generation moves past `seen` or `deadline` passes.
    pub fn wait_change(&self, seen: u64, deadline: Option<Instant>) {
        loop {
            let listener = self.changed.listen();
            if self.lock().generation != seen {
                return;
            }
            match deadline {
                Some(deadline) => {
                    if listener.wait_deadline(deadline).is_none() {
                        return;
                    }
                }
                None => listener.wait(),
            }
        }
    }

    /// The next event, waiting until `timer` fires: `Ok(None)` then,
    /// `Err(Error::DriverGone)` once the queue is empty and closed.
    pub async fn next(&self, mut timer: BoxFuture<()>) -> Result<Option<TypedEvent>, Error> {
        loop {
            // Listen before looking, so a push between the look and the wait is not missed.
            let listener = self.changed.listen();
            match self.pop() {
                Popped::Event(event) => return Ok(Some(event)),
                Popped::Closed => return Err(Error::DriverGone),
                Popped::Empty(_) => {}
            }
            let fired = async {
                listener.await;
                false
            }
            .or(async {
                (&mut timer).await;
                true
            })
            .await;
            if fired {
                return Ok(None);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_full_queue_drops_the_oldest_and_reports_the_count_first() {
        let queue = EventQueue::new(2);
        queue.extend((1..=4).map(TypedEvent::Exists));
        assert_eq!(
            queue.drain(),
            vec![
                TypedEvent::EventsDropped(2),
                TypedEvent::Exists(3),
                TypedEvent::Exists(4)
            ]
        );
        assert!(queue.drain().is_empty());
    }

    #[test]
    fn requeued_events_come_first_in_their_order() {
        let queue = EventQueue::new(10);
        queue.extend([TypedEvent::Exists(3)]);
        queue.requeue_front(vec![TypedEvent::Exists(1), TypedEvent::Exists(2)]);
        assert_eq!(
            queue.drain(),
            (1..=3).map(TypedEvent::Exists).collect::<Vec<_>>()
        );
    }

    #[test]
    fn a_blocking_waiter_wakes_on_a_push_from_another_thread() {
        let queue = std::sync::Arc::new(EventQueue::new(10));
        let Popped::Empty(seen) = queue.pop() else {
            panic!("the queue starts empty")
        };
        let producer = queue.clone();
        let pusher = std::thread::spawn(move || producer.extend([TypedEvent::Exists(7)]));
        queue.wait_change(seen, Some(Instant::now() + Duration::from_secs(5)));
        pusher.join().unwrap();
        assert!(matches!(queue.pop(), Popped::Event(TypedEvent::Exists(7))));
    }

    #[test]
    fn next_waits_for_a_push_then_reports_the_closed_queue() {
        let never = || -> BoxFuture<()> { Box::pin(futures_lite::future::pending()) };
        let queue = std::sync::Arc::new(EventQueue::new(10));
        let producer = queue.clone();
        let pusher = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(20));
            producer.extend([TypedEvent::Exists(7)]);
        });
        let next = futures_lite::future::block_on(queue.next(never()));
        assert_eq!(next.unwrap(), Some(TypedEvent::Exists(7)));
        pusher.join().unwrap();
        let now: BoxFuture<()> = Box::pin(std::future::ready(()));
        assert_eq!(
            futures_lite::future::block_on(queue.next(now)).unwrap(),
            None
        );
        queue.close();
        let closed = futures_lite::future::block_on(queue.next(never()));
        assert!(matches!(closed, Err(Error::DriverGone)));
    }
}
