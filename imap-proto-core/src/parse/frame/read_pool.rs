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

/// Where an allocation is: its first byte's address and its size.
#[derive(Debug, Clone, Copy)]
struct Region {
    start: usize,
    capacity: usize,
}

impl Region {
    /// Whether `buf` is a view into this allocation. The framer only cuts frames off the
    /// front of its buffer, so its view always ends where the allocation ends.
    fn holds(&self, buf: &BytesMut) -> bool {
        let at = buf.as_ptr() as usize;
        at >= self.start && at + buf.capacity() == self.start + self.capacity
    }
}

/// An earlier allocation, kept alive by an empty handle somewhere inside it.
#[derive(Debug)]
struct Spare {
    handle: BytesMut,
    capacity: usize,
}

impl Spare {
    /// The whole allocation as an empty buffer at its start, if nothing else refers to it
    /// any more ([`BytesMut::try_reclaim`]).
    fn reclaim(&mut self) -> Option<BytesMut> {
        self.handle
            .try_reclaim(self.capacity)
            .then(|| std::mem::take(&mut self.handle))
    }
}

/// The read-ahead allocation in use and the remembered earlier ones.
///
/// The allocation in use has no handle of the pool's: while nothing else refers to it,
/// the framer reuses it in place (`try_reclaim`, one move of the unread bytes). Only when
/// the caller still holds frames cut from it does [`ReadPool::refill`] move to another, and
/// the one left becomes a spare.
#[derive(Debug, Default)]
pub(super) struct ReadPool {
    current: Option<Region>,
    /// Oldest first; at most `SPARES - 1`.
    spares: Vec<Spare>,
}

impl ReadPool {
    /// Replaces `buf`, which cannot be reused in place (frames cut from it are still held),
    /// by a buffer of at least `capacity` bytes that starts with `buf`'s bytes: a remembered
    /// allocation that nothing refers to any more, or else a new one of exactly `capacity`
    /// bytes. `buf`'s allocation is remembered in turn if it came from here.
    pub(super) fn refill(&mut self, buf: &mut BytesMut, capacity: usize) {
        let reclaimed = self
            .spares
            .iter_mut()
            .enumerate()
            .filter(|(_, spare)| spare.capacity >= capacity)
            .find_map(|(i, spare)| Some((i, spare.reclaim()?)));
        let (mut next, region) = match reclaimed {
            Some((i, next)) => {
                let spare = self.spares.remove(i);
                let start = next.as_ptr() as usize;
                (next, Region { start, capacity: spare.capacity })
            }
            None => {
                let next = BytesMut::with_capacity(capacity);
                let region = Region {
                    start: next.as_ptr() as usize,
                    capacity: next.capacity(),
                };
                (next, region)
            }
        };
        next.extend_from_slice(buf);
        let mut left = std::mem::replace(buf, next);
        if let Some(current) = self.current.replace(region)
            && current.holds(&left)
        {
            // Its unread bytes were copied: an empty view keeps the allocation for reuse.
            left.clear();
            if self.spares.len() == SPARES - 1 {
                self.spares.remove(0);
            }
            self.spares.push(Spare {
                handle: left,
                capacity: current.capacity,
            });
        }
    }

    /// The framer's buffer was replaced other than through [`ReadPool::refill`] (a buffer
    /// sized for one response): it is not the pool's any more.
    pub(super) fn forget_current(&mut self) {
        self.current = None;
    }
}

#[cfg(test)]
mod tests {
    use bytes::Bytes;

    use super::*;
    use crate::parse::frame::Framer;

    /// Room for `need` more bytes in `buf` as the framer makes it: in place if nothing else
    /// refers to its allocation, else through the pool (new allocations of 4096 bytes).
    /// Returns where `buf` starts.
    fn room(pool: &mut ReadPool, buf: &mut BytesMut, need: usize) -> usize {
        if buf.capacity() - buf.len() < need && !buf.try_reclaim(need) {
            pool.refill(buf, 4096);
        }
        buf.as_ptr() as usize
    }

    /// Cuts the first `len` bytes off `buf`, as the framer cuts a frame.
    fn frame(buf: &mut BytesMut, len: usize) -> Bytes {
        buf.split_to(len).freeze()
    }

    #[test]
    fn an_allocation_nothing_refers_to_is_reused_in_place_without_the_pool() {
        let mut pool = ReadPool::default();
        let mut buf = BytesMut::new();
        let first = room(&mut pool, &mut buf, 64);
        buf.extend_from_slice(&[b'x'; 4000]);
        buf.extend_from_slice(b"* OK");
        drop(frame(&mut buf, 4000));
        assert_eq!(room(&mut pool, &mut buf, 128), first);
        assert_eq!(&buf[..], b"* OK");
        assert!(pool.spares.is_empty());
    }

    #[test]
    fn a_held_allocation_is_left_and_taken_again_once_released() {
        let mut pool = ReadPool::default();
        let mut buf = BytesMut::new();
        let first = room(&mut pool, &mut buf, 64);
        buf.extend_from_slice(&[b'x'; 4000]);
        buf.extend_from_slice(b"* OK");
        let held = frame(&mut buf, 4000);
        // The caller holds a frame of the first allocation: the unread bytes move on.
        let second = room(&mut pool, &mut buf, 128);
        assert_ne!(second, first);
        assert_eq!(&buf[..], b"* OK");
        assert_eq!(pool.spares.len(), 1);
        drop(held);
        // Now a frame of the second is held, and the first is free again: it comes back.
        buf.extend_from_slice(&[b'y'; 3996]);
        let held = frame(&mut buf, 3990);
        assert_eq!(room(&mut pool, &mut buf, 128), first);
        assert_eq!(&buf[..], b"yyyyyyyyyy");
        assert_eq!(pool.spares.len(), 1);
        let spare = &pool.spares[0].handle;
        assert_eq!(spare.as_ptr() as usize + spare.capacity(), second + 4096);
        drop(held);
    }

    #[test]
    fn at_most_spares_minus_one_allocations_are_remembered() {
        let mut pool = ReadPool::default();
        let mut held = Vec::new();
        let mut buf = BytesMut::new();
        for _ in 0..SPARES + 2 {
            room(&mut pool, &mut buf, 1024);
            buf.extend_from_slice(&[b'x'; 4096]);
            held.push(frame(&mut buf, 4096));
        }
        assert_eq!(pool.spares.len(), SPARES - 1);
        let last_left = held[held.len() - 2].as_ptr() as usize;
        let remembered = &pool.spares[SPARES - 2].handle;
        assert_eq!(remembered.as_ptr() as usize, last_left + 4096);
    }

    #[test]
    fn a_smaller_allocation_is_not_handed_out_for_a_larger_need() {
        let mut pool = ReadPool::default();
        let mut buf = BytesMut::new();
        room(&mut pool, &mut buf, 64);
        buf.extend_from_slice(&[b'x'; 4096]);
        drop(frame(&mut buf, 4096));
        let held = frame(&mut buf, 0);
        // The spare (4096 bytes, free) is too small for 8192: a new allocation.
        pool.refill(&mut buf, 8192);
        assert!(buf.capacity() >= 8192);
        drop(held);
    }

    #[test]
    fn released_spares_are_forgotten() {
        let mut framer = Framer::new(crate::limits::Limits::default());
        let mut line = b"* OK ".to_vec();
        line.extend_from_slice(&[b'a'; 990]);
        line.extend_from_slice(b"\r\n* OK");
        framer.read_buffer(64).extend_from_slice(&line);
        let held = framer.next_frame().expect("framing");
        assert!(held.is_some());
        // Too little room left, and the caller holds the frame: the pool moves on.
        framer.read_buffer(64);
        assert_eq!(framer.read_pool.spares.len(), 1);
        // A byte not yet handed out keeps the buffer, and the spare stays.
        framer.release_buffer();
        assert_eq!(framer.read_pool.spares.len(), 1);
        framer.read_buffer(64).extend_from_slice(b" b\r\n");
        assert!(framer.next_frame().expect("framing").is_some());
        framer.release_buffer();
        assert!(framer.read_pool.spares.is_empty());
        drop(held);
    }
}
