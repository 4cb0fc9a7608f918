//! The bounded, drop-oldest store behind every adapter's event queue (`drain_events` /
//! `next_event`), written once.
//!
//! Unsolicited server data waits here between the connection and the caller. When the store
//! is full the oldest event is dropped and the loss is reported by one
//! [`TypedEvent::EventsDropped`] ahead of the remaining events. This type holds no lock and
//! never waits: each adapter wraps it in its own mutex and wakes its waiters its own way.

use std::collections::VecDeque;

use crate::TypedEvent;

/// What a non-blocking look at an [`EventBuffer`] found.
#[derive(Debug, PartialEq)]
pub enum NextEvent {
    /// The oldest event (or the report of dropped events, which comes first).
    Event(TypedEvent),
    /// Nothing queued; more may come.
    Empty,
    /// Nothing queued and the connection is gone.
    Closed,
}

/// A bounded, drop-oldest event store for drivers: events move here from
/// [`crate::Connection::poll_event`], and callers take them out.
#[derive(Debug)]
pub struct EventBuffer {
    events: VecDeque<TypedEvent>,
    dropped: u64,
    closed: bool,
    capacity: usize,
}

impl EventBuffer {
    /// A store that keeps at most `capacity` events (at least one).
    pub fn new(capacity: usize) -> Self {
        EventBuffer {
            events: VecDeque::new(),
            dropped: 0,
            closed: false,
            capacity: capacity.max(1),
        }
    }

    /// Appends events, dropping the oldest when full; true if any event was given.
    pub fn extend(&mut self, events: impl IntoIterator<Item = TypedEvent>) -> bool {
        let mut added = false;
        for event in events {
            if self.events.len() >= self.capacity {
                self.events.pop_front();
                self.dropped += 1;
            }
            self.events.push_back(event);
            added = true;
        }
        added
    }

    /// Puts events back at the front, in order (events an IDLE collected but the caller
    /// cancelled before seeing them); when full the newest events are dropped instead.
    pub fn requeue_front(&mut self, events: Vec<TypedEvent>) {
        for event in events.into_iter().rev() {
            if self.events.len() >= self.capacity {
                self.events.pop_back();
                self.dropped += 1;
            }
            self.events.push_front(event);
        }
    }

    /// Marks the connection gone; queued events stay readable. True if it was open.
    pub fn close(&mut self) -> bool {
        !std::mem::replace(&mut self.closed, true)
    }

    /// Takes the next event without waiting.
    pub fn pop(&mut self) -> NextEvent {
        if self.dropped > 0 {
            return NextEvent::Event(TypedEvent::EventsDropped(std::mem::take(&mut self.dropped)));
        }
        match self.events.pop_front() {
            Some(event) => NextEvent::Event(event),
            None if self.closed => NextEvent::Closed,
            None => NextEvent::Empty,
        }
    }

    /// Everything queued now, oldest first (the report of dropped events first).
    pub fn drain(&mut self) -> Vec<TypedEvent> {
        let mut out = Vec::with_capacity(self.events.len() + 1);
        if self.dropped > 0 {
            out.push(TypedEvent::EventsDropped(std::mem::take(&mut self.dropped)));
        }
        out.extend(self.events.drain(..));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exists(n: u32) -> TypedEvent {
        TypedEvent::Exists(n)
    }

    #[test]
    fn a_full_buffer_drops_the_oldest_and_reports_the_count_first() {
        let mut buffer = EventBuffer::new(2);
        assert!(buffer.extend([exists(1), exists(2), exists(3), exists(4)]));
        assert_eq!(
            buffer.drain(),
            vec![TypedEvent::EventsDropped(2), exists(3), exists(4)]
        );
        assert!(buffer.drain().is_empty());
        assert!(!buffer.extend([]));
    }

    #[test]
    fn requeued_events_come_first_in_their_order() {
        let mut buffer = EventBuffer::new(10);
        buffer.extend([exists(3)]);
        buffer.requeue_front(vec![exists(1), exists(2)]);
        assert_eq!(buffer.drain(), vec![exists(1), exists(2), exists(3)]);
    }

    #[test]
    fn pop_reports_the_loss_then_the_events_then_the_closed_buffer() {
        let mut buffer = EventBuffer::new(1);
        buffer.extend([exists(1), exists(2)]);
        assert_eq!(buffer.pop(), NextEvent::Event(TypedEvent::EventsDropped(1)));
        assert_eq!(buffer.pop(), NextEvent::Event(exists(2)));
        assert_eq!(buffer.pop(), NextEvent::Empty);
        assert!(buffer.close());
        assert!(!buffer.close());
        assert_eq!(buffer.pop(), NextEvent::Closed);
    }
}
