//! The event queue: unsolicited server data waits here for `drain_events` / `next_event`,
//! outside the connection's lock, so reading events never waits behind a long call.
//!
//! The queue is bounded; when it is full the oldest event is dropped and the loss is
//! reported by one `TypedEvent::EventsDropped(n)` at the front. A generation counter,
//! bumped on every push and every release of the connection's lock, lets `next_event`
//! sleep on the condition variable without missing either.

use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::Instant;

use imap_proto_core::TypedEvent;
use imap_proto_core::{EventBuffer, NextEvent};

/// A bounded, drop-oldest event queue with a change counter.
pub(crate) struct EventQueue {
    inner: Mutex<Inner>,
    changed: Condvar,
}

struct Inner {
    buffer: EventBuffer,
    generation: u64,
}

/// What a non-blocking look at the queue found.
pub(crate) enum Popped {
    /// The oldest event.
    Event(TypedEvent),
    /// Nothing queued; the generation to wait on.
    Empty(u64),
    /// Nothing queued and the connection is gone.
    Closed,
}

impl EventQueue {
    pub(crate) fn new(capacity: usize) -> Self {
        EventQueue {
            inner: Mutex::new(Inner {
                buffer: EventBuffer::new(capacity),
                generation: 0,
            }),
            changed: Condvar::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // Every critical section is a single push or pop: a poisoned lock is consistent.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Appends events and wakes the waiters.
    pub(crate) fn extend(&self, events: impl IntoIterator<Item = TypedEvent>) {
        let mut inner = self.lock();
        inner.buffer.extend(events);
        inner.generation += 1;
        drop(inner);
        self.changed.notify_all();
    }

    /// Puts events back at the front, in order (an IDLE's events the caller cancelled).
    pub(crate) fn requeue_front(&self, events: Vec<TypedEvent>) {
        let mut inner = self.lock();
        inner.buffer.requeue_front(events);
        inner.generation += 1;
        drop(inner);
        self.changed.notify_all();
    }

    /// Wakes waiters without adding anything (the connection's lock was released).
    pub(crate) fn bump(&self) {
        self.lock().generation += 1;
        self.changed.notify_all();
    }

    /// Marks the connection gone. Queued events stay readable.
    pub(crate) fn close(&self) {
        let mut inner = self.lock();
        if inner.buffer.close() {
            inner.generation += 1;
            drop(inner);
            self.changed.notify_all();
        }
    }

    pub(crate) fn pop(&self) -> Popped {
        let mut inner = self.lock();
        match inner.buffer.pop() {
            NextEvent::Event(event) => Popped::Event(event),
            NextEvent::Closed => Popped::Closed,
            NextEvent::Empty => Popped::Empty(inner.generation),
        }
    }

    /// Everything queued now, oldest first; never waits.
    pub(crate) fn drain(&self) -> Vec<TypedEvent> {
        self.lock().buffer.drain()
    }

    /// Sleeps until the generation moves past `seen` or `deadline` passes.
    pub(crate) fn wait_change(&self, seen: u64, deadline: Instant) {
        let mut inner = self.lock();
        while inner.generation == seen {
            let Some(left) = deadline.checked_duration_since(Instant::now()) else {
                return;
            };
            inner = match self.changed.wait_timeout(inner, left) {
                Ok((guard, _)) => guard,
                Err(p) => p.into_inner().0,
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
    }

    #[test]
    fn a_waiter_wakes_on_a_push_from_another_thread() {
        let queue = std::sync::Arc::new(EventQueue::new(10));
        let Popped::Empty(seen) = queue.pop() else {
            panic!("the queue starts empty")
        };
        let producer = queue.clone();
        let pusher = std::thread::spawn(move || producer.extend([TypedEvent::Exists(7)]));
        queue.wait_change(seen, Instant::now() + std::time::Duration::from_secs(5));
        pusher.join().unwrap();
        assert!(matches!(queue.pop(), Popped::Event(TypedEvent::Exists(7))));
    }
}
