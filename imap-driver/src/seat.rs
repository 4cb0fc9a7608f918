//! [`Seat`]: the state of a connection driven on its callers' threads (imap-blocking),
//! behind one lock that a call holds from its first byte to its result, with the snapshot
//! and the event queue ([`Shared`]) outside it, so reading them never waits behind a long
//! call such as an IDLE.

use std::net::{TcpStream, ToSocketAddrs};
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::Instant;

use imap_proto_core::Error;

use crate::events::EventQueue;
use crate::snapshot::SharedSnapshot;

/// What callers read without taking the lock.
pub struct Shared {
    /// The session as last published.
    pub snapshot: SharedSnapshot,
    /// The unsolicited events.
    pub events: EventQueue,
}

/// A value taken by one call at a time, waited for with a deadline.
pub struct Seat<T> {
    /// The value; `None` while a call holds it.
    slot: Mutex<Option<Box<T>>>,
    /// Signalled when the value is put back.
    free: Condvar,
    /// The snapshot and the events, outside the lock.
    pub shared: Shared,
}

impl<T> Seat<T> {
    /// `value` behind the lock; an event queue of at most `event_capacity` events.
    pub fn new(value: T, event_capacity: usize) -> Self {
        Seat {
            slot: Mutex::new(Some(Box::new(value))),
            free: Condvar::new(),
            shared: Shared {
                snapshot: SharedSnapshot::default(),
                events: EventQueue::new(event_capacity),
            },
        }
    }

    fn slot(&self) -> MutexGuard<'_, Option<Box<T>>> {
        // The slot is only ever taken or filled whole: a poisoned lock is consistent.
        self.slot.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Takes the value, waiting until `deadline` for the call that holds it
    /// (`Error::Timeout`).
    pub fn take(&self, deadline: Instant) -> Result<Taken<'_, T>, Error> {
        let mut slot = self.slot();
        loop {
            if let Some(value) = slot.take() {
                return Ok(Taken {
                    seat: self,
                    value: Some(value),
                });
            }
            let Some(left) = deadline.checked_duration_since(Instant::now()) else {
                return Err(Error::Timeout);
            };
            slot = match self.free.wait_timeout(slot, left) {
                Ok((guard, _)) => guard,
                Err(p) => p.into_inner().0,
            };
        }
    }

    /// Takes the value if no call holds it.
    pub fn try_take(&self) -> Option<Taken<'_, T>> {
        let value = self.slot().take()?;
        Some(Taken {
            seat: self,
            value: Some(value),
        })
    }
}

/// The value, taken for one call; put back on drop, which wakes the next taker and the
/// event queue's waiters (they may now read the socket themselves).
pub struct Taken<'a, T> {
    seat: &'a Seat<T>,
    value: Option<Box<T>>,
}

impl<T> Taken<'_, T> {
    /// The value and what callers read beside it.
    pub fn parts(&mut self) -> (&mut T, &Shared) {
        let value = self.value.as_deref_mut().expect("present until drop");
        (value, &self.seat.shared)
    }
}

impl<T> std::ops::Deref for Taken<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        self.value.as_deref().expect("present until drop")
    }
}

impl<T> std::ops::DerefMut for Taken<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        self.value.as_deref_mut().expect("present until drop")
    }
}

impl<T> Drop for Taken<'_, T> {
    fn drop(&mut self) {
        *self.seat.slot() = self.value.take();
        self.seat.free.notify_one();
        self.seat.shared.events.bump();
    }
}

/// Connects a blocking `TcpStream` to the first address of `host` that answers before
/// `deadline` (name resolution itself is not covered: the OS resolver has no timeout).
pub fn connect_tcp_until(host: &str, port: u16, deadline: Instant) -> Result<TcpStream, Error> {
    let mut last = None;
    for addr in (host, port).to_socket_addrs()? {
        let Some(left) = deadline.checked_duration_since(Instant::now()) else {
            return Err(Error::Timeout);
        };
        match TcpStream::connect_timeout(&addr, left) {
            Ok(stream) => return Ok(stream),
            Err(e) if e.kind() == std::io::ErrorKind::TimedOut => return Err(Error::Timeout),
            Err(e) => last = Some(e),
        }
    }
    Err(match last {
        Some(e) => e.into(),
        None => std::io::Error::new(
            std::io::ErrorKind::NotFound,
            format!("{host} has no address"),
        )
        .into(),
    })
}
