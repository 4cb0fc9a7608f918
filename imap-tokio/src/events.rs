//! The event queue between the driver and the handle: unsolicited server data waits here
//! for `drain_events` / `next_event`.
//!
//! The driver moves every event out of the core as soon as the bytes that carried it are
//! processed, before it answers the call those bytes completed: when a call returns, the
//! events that arrived before its completion are already queued. The queue is bounded; when
//! it is full the oldest event is dropped and the loss is reported by one
//! `TypedEvent::EventsDropped(n)` at the front.

use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use imap_proto_core::{Error, TypedEvent};
use imap_proto_core::{EventBuffer, NextEvent};
use tokio::sync::Notify;
use tokio::time::Instant;

/// A bounded, drop-oldest event queue shared by the driver (producer) and the handle.
pub(crate) struct EventQueue {
    inner: Mutex<EventBuffer>,
    notify: Notify,
}

impl EventQueue {
    /// A queue that keeps at most `capacity` events.
    pub(crate) fn new(capacity: usize) -> Self {
        EventQueue {
            inner: Mutex::new(EventBuffer::new(capacity)),
            notify: Notify::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, EventBuffer> {
        // A panic while holding the lock cannot leave the queue inconsistent (every
        // critical section is a single push or pop), so a poisoned lock is still usable.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Appends events (driver side) and wakes the waiters.
    pub(crate) fn extend(&self, events: impl IntoIterator<Item = TypedEvent>) {
        let added = self.lock().extend(events);
        if added {
            self.notify.notify_waiters();
        }
    }

    /// Puts events back at the front, in order (events an IDLE collected but the caller
    /// cancelled before seeing them).
    pub(crate) fn requeue_front(&self, events: Vec<TypedEvent>) {
        if events.is_empty() {
            return;
        }
        self.lock().requeue_front(events);
        self.notify.notify_waiters();
    }

    /// Marks the queue closed: the driver has exited. Queued events stay readable.
    pub(crate) fn close(&self) {
        self.lock().close();
        self.notify.notify_waiters();
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
        let deadline = Instant::now() + timeout;
        loop {
            // Register interest before looking, so a push between the look and the wait
            // is not missed.
            let notified = self.notify.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            match self.pop() {
                NextEvent::Event(event) => return Ok(Some(event)),
                NextEvent::Closed => return Err(Error::DriverGone),
                NextEvent::Empty => {}
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
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
    fn requeued_events_come_first_in_their_order() {
        let queue = EventQueue::new(10);
        queue.extend([exists(3)]);
        queue.requeue_front(vec![exists(1), exists(2)]);
        assert_eq!(queue.drain(), vec![exists(1), exists(2), exists(3)]);
    }

    #[tokio::test]
    async fn next_waits_for_a_push_then_reports_the_closed_queue() {
        let queue = std::sync::Arc::new(EventQueue::new(10));
        let producer = queue.clone();
        let task = tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(20)).await;
            producer.extend([exists(7)]);
        });
        assert_eq!(
            queue.next(Duration::from_secs(5)).await.unwrap(),
            Some(exists(7))
        );
        task.await.unwrap();
        assert_eq!(queue.next(Duration::from_millis(10)).await.unwrap(), None);
        queue.close();
        assert!(matches!(
            queue.next(Duration::from_secs(5)).await,
            Err(Error::DriverGone)
        ));
    }
}
