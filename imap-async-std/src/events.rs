//! The event queue between the driver and the handle: unsolicited server data waits here
//! for `drain_events` / `next_event`.
//!
//! Same behaviour as imap-tokio's queue: the driver queues every event before it answers
//! the call whose bytes carried it; the queue is bounded, drops the oldest event when full
//! and reports the loss by one `TypedEvent::EventsDropped(n)` at the front. Waiting uses
//! `event-listener` and an async-io timer instead of tokio's `Notify` and clock.

use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use event_listener::Event;
use futures_lite::FutureExt;
use imap_proto_core::{Error, TypedEvent};
use imap_proto_core::{EventBuffer, NextEvent};

use crate::deadline_timer;

/// A bounded, drop-oldest event queue shared by the driver (producer) and the handle.
pub(crate) struct EventQueue {
    inner: Mutex<EventBuffer>,
    notify: Event,
}

impl EventQueue {
    /// A queue that keeps at most `capacity` events.
    pub(crate) fn new(capacity: usize) -> Self {
        EventQueue {
            inner: Mutex::new(EventBuffer::new(capacity)),
            notify: Event::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, EventBuffer> {
        // Every critical section is a single push or pop, so a poisoned lock is consistent.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Appends events (driver side) and wakes the waiters.
    pub(crate) fn extend(&self, events: impl IntoIterator<Item = TypedEvent>) {
        let added = self.lock().extend(events);
        if added {
            self.notify.notify(usize::MAX);
        }
    }

    /// Puts events back at the front, in order (events an IDLE collected but the caller
    /// cancelled before seeing them).
    pub(crate) fn requeue_front(&self, events: Vec<TypedEvent>) {
        if events.is_empty() {
            return;
        }
        self.lock().requeue_front(events);
        self.notify.notify(usize::MAX);
    }

    /// Marks the queue closed: the driver has exited. Queued events stay readable.
    pub(crate) fn close(&self) {
        self.lock().close();
        self.notify.notify(usize::MAX);
    }

    fn pop(&self) -> NextEvent {
        self.lock().pop()
    }

    /// Everything queued now, oldest first; never waits.
    pub(crate) fn drain(&self) -> Vec<TypedEvent> {
        self.lock().drain()
    }

    /// The next event, waiting up to `timeout`: `Ok(None)` when it elapses,
    /// `Err(Error::DriverGone)` once the queue is empty and closed.
    pub(crate) async fn next(&self, timeout: Duration) -> Result<Option<TypedEvent>, Error> {
        let mut timer = deadline_timer(timeout);
        loop {
            // Listen before looking, so a push between the look and the wait is not missed.
            let listener = self.notify.listen();
            match self.pop() {
                NextEvent::Event(event) => return Ok(Some(event)),
                NextEvent::Closed => return Err(Error::DriverGone),
                NextEvent::Empty => {}
            }
            let woken = async {
                listener.await;
                true
            };
            let elapsed = async {
                (&mut timer).await;
                false
            };
            if !woken.or(elapsed).await {
                return Ok(None);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exists(n: u32) -> TypedEvent {
        TypedEvent::Exists(n)
    }

    #[test]
    fn a_full_queue_drops_the_oldest_and_reports_the_count_first() {
        let queue = EventQueue::new(2);
        queue.extend([exists(1), exists(2), exists(3), exists(4)]);
        assert_eq!(
            queue.drain(),
            vec![TypedEvent::EventsDropped(2), exists(3), exists(4)]
        );
        assert!(queue.drain().is_empty());
    }

    #[test]
    fn next_waits_for_a_push_from_another_thread_then_reports_the_closed_queue() {
        let queue = std::sync::Arc::new(EventQueue::new(10));
        let producer = queue.clone();
        let thread = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(20));
            producer.extend([exists(7)]);
        });
        async_io::block_on(async {
            assert_eq!(
                queue.next(Duration::from_secs(5)).await.unwrap(),
                Some(exists(7))
            );
            assert_eq!(queue.next(Duration::from_millis(10)).await.unwrap(), None);
            queue.close();
            assert!(matches!(
                queue.next(Duration::from_secs(5)).await,
                Err(Error::DriverGone)
            ));
        });
        thread.join().unwrap();
    }
}
