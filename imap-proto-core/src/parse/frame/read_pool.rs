//! Recently used read buffers of [`Framer::read_buffer`](super::Framer::read_buffer), kept for reuse (issue 15).
//!
//! A read buffer is reused in place only once every frame cut from it has been dropped.
//! While a caller holds responses (the queue of a streaming FETCH), the framer moves on to a
//! new buffer, and the old one is freed when its last response goes. Allocating the next
//! buffer anew costs fresh pages: a page fault per 4 KiB as the socket read first writes
//! them, and the allocator's growing and trimming of its heap around them. The pool remembers
//! the last few read-ahead allocations (an empty handle on each, which keeps the allocation
//! alive), so the framer takes one whose responses are all gone, pages already mapped,
//! instead. Only read-ahead buffers are pooled (at most [`super::MAX_READ_AHEAD`] bytes each,
//! never the room reserved for a literal), at most [`SPARES`] of them, and they go with the
//! window's buffer ([`Framer::release_buffer`](super::Framer::release_buffer)): after a large response, and before the
//! connection waits (issue 16).

use bytes::BytesMut;

/// How many read-ahead allocations the pool remembers, the one in use included: the buffer
/// being filled, and the one before it while the caller still holds its responses.
const SPARES: usize = 2;

/// One remembered allocation.
#[derive(Debug)]
struct Spare {
    /// Empty, at the allocation's start: keeps it alive, and becomes the whole buffer again
    /// ([`BytesMut::try_reclaim`]) once it is the allocation's only handle.
    handle: BytesMut,
    /// The allocation's size.
    capacity: usize,
}

/// The remembered read-ahead allocations, oldest first.
#[derive(Debug, Default)]
pub(super) struct ReadPool {
    spares: Vec<Spare>,
}

impl Spare {
    /// Whether `buf` is a view into this allocation. The handle keeps the allocation alive,
    /// so no other buffer can have its addresses.
    fn holds(&self, buf: &BytesMut) -> bool {
        let start = self.handle.as_ptr() as usize;
        (start..=start + self.capacity).contains(&(buf.as_ptr() as usize))
    }

    /// The whole allocation as an empty buffer, if nothing else refers to it any more;
    /// the spare keeps a new handle on it.
    fn reclaim(&mut self) -> Option<BytesMut> {
        if !self.handle.try_reclaim(self.capacity) {
            return None;
        }
        let handle = self.handle.split_to(0);
        Some(std::mem::replace(&mut self.handle, handle))
    }
}

impl ReadPool {
    /// Replaces `buf` by a buffer of at least `capacity` bytes that starts with `buf`'s
    /// bytes: a remembered allocation that nothing else refers to any more (`buf`'s own
    /// included, once every frame cut from it is dropped), or else a new one of exactly
    /// `capacity` bytes, which is then remembered in place of the oldest.
    pub(super) fn refill(&mut self, buf: &mut BytesMut, capacity: usize) {
        let current = self.spares.iter().position(|spare| spare.holds(buf));
        let others = self.spares.iter_mut().enumerate();
        let mut next = others
            .filter(|(i, spare)| Some(*i) != current && spare.capacity >= capacity)
            .find_map(|(_, spare)| spare.reclaim());
        // `buf`'s own allocation: its unread bytes are set aside so that, once its frames
        // are all dropped, nothing refers to it and it is reused in place.
        let mut unread = None;
        if next.is_none()
            && let Some(i) = current
            && self.spares[i].capacity >= capacity
        {
            unread = Some(std::mem::take(buf).to_vec());
            next = self.spares[i].reclaim();
        }
        let mut next = next.unwrap_or_else(|| self.allocate(capacity));
        match unread {
            Some(unread) => next.extend_from_slice(&unread),
            None => next.extend_from_slice(buf),
        }
        *buf = next;
    }

    /// A new allocation of `capacity` bytes, remembered in place of the oldest.
    fn allocate(&mut self, capacity: usize) -> BytesMut {
        let mut fresh = BytesMut::with_capacity(capacity);
        let spare = Spare {
            handle: fresh.split_to(0),
            capacity,
        };
        if self.spares.len() == SPARES {
            self.spares.remove(0);
        }
        self.spares.push(spare);
        fresh
    }
}

#[cfg(test)]
mod tests {
    use bytes::Bytes;

    use super::*;
    use crate::parse::frame::Framer;

    /// A refill of `buf` to `capacity`, and where the refilled buffer starts.
    fn refill(pool: &mut ReadPool, buf: &mut BytesMut, capacity: usize) -> usize {
        pool.refill(buf, capacity);
        buf.as_ptr() as usize
    }

    #[test]
    fn the_buffer_is_reused_in_place_once_its_frames_are_dropped() {
        let mut pool = ReadPool::default();
        let mut buf = BytesMut::new();
        let first = refill(&mut pool, &mut buf, 4096);
        buf.extend_from_slice(b"* OK a\r\n* OK");
        let frame: Bytes = buf.split_to(8).freeze();
        // The frame still refers to the allocation: the unread bytes move to a new one.
        let second = refill(&mut pool, &mut buf, 4096);
        assert_ne!(second, first);
        assert_eq!(&buf[..], b"* OK");
        drop(frame);
        buf.extend_from_slice(b" b\r\n");
        let frame: Bytes = buf.split_to(8).freeze();
        assert_eq!(&frame[..], b"* OK b\r\n");
        drop(frame);
        // Nothing refers to the first allocation now: it comes back, with the unread bytes.
        buf.extend_from_slice(b"* OK");
        assert_eq!(refill(&mut pool, &mut buf, 4096), first);
        assert_eq!(&buf[..], b"* OK");
        assert!(buf.capacity() >= 4096);
        assert_eq!(pool.spares.len(), 2);
    }

    #[test]
    fn the_only_allocation_is_reused_in_place() {
        let mut pool = ReadPool::default();
        let mut buf = BytesMut::new();
        let first = refill(&mut pool, &mut buf, 4096);
        buf.extend_from_slice(b"* OK a\r\n* OK");
        drop(buf.split_to(8));
        assert_eq!(refill(&mut pool, &mut buf, 4096), first);
        assert_eq!(&buf[..], b"* OK");
        assert!(buf.capacity() >= 4096);
        assert_eq!(pool.spares.len(), 1);
    }

    #[test]
    fn at_most_spares_allocations_are_remembered() {
        let mut pool = ReadPool::default();
        let mut held = Vec::new();
        let mut buf = BytesMut::new();
        for _ in 0..SPARES + 2 {
            refill(&mut pool, &mut buf, 1024);
            buf.extend_from_slice(b"x");
            held.push(buf.split_to(1));
        }
        assert_eq!(pool.spares.len(), SPARES);
        let remembered: Vec<usize> = pool.spares.iter().map(|s| s.handle.as_ptr() as usize).collect();
        let all: Vec<usize> = held.iter().map(|b| b.as_ptr() as usize).collect();
        assert_eq!(remembered, all[2..]);
    }

    #[test]
    fn a_smaller_allocation_is_not_handed_out_for_a_larger_need() {
        let mut pool = ReadPool::default();
        let mut buf = BytesMut::new();
        pool.refill(&mut buf, 1024);
        let mut other = BytesMut::new();
        pool.refill(&mut other, 8192);
        assert!(other.capacity() >= 8192);
    }

    #[test]
    fn released_spares_are_forgotten() {
        let mut framer = Framer::new(crate::limits::Limits::default());
        framer.read_buffer(64).extend_from_slice(b"* OK a\r\n* OK");
        assert!(framer.next_frame().expect("framing").is_some());
        assert_eq!(framer.read_pool.spares.len(), 1);
        // A byte not yet handed out keeps the buffer, and its allocation stays pooled.
        framer.release_buffer();
        assert_eq!(framer.read_pool.spares.len(), 1);
        framer.read_buffer(64).extend_from_slice(b" b\r\n");
        assert!(framer.next_frame().expect("framing").is_some());
        framer.release_buffer();
        assert!(framer.read_pool.spares.is_empty());
    }
}
