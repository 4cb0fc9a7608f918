//! Per-thread scratch `Vec`s that the parser fills and then moves out at exact size.
//!
//! A buffered FETCH keeps every list it returns (attributes, flags), so spare room would be
//! most of their memory (issue 15 item 2), and a `Vec` grown in place would reallocate on
//! the way. So a list is read into a scratch `Vec` the thread keeps between responses and
//! then moved, in one copy, into a `Vec` of exactly its length; the unescaped strings of an
//! ENVELOPE or BODYSTRUCTURE are gathered the same way before they go into its table. The
//! scratch is taken out of its thread-local slot while in use, so a nested use gets a fresh
//! one instead of sharing.

use std::cell::Cell;
use std::thread::LocalKey;

/// One kind of scratch `Vec`: its thread-local slot, and the largest capacity kept between
/// uses (one that grew past it, for an unusually long list, is let go rather than held for
/// the thread's life).
pub(crate) struct Scratch<T: 'static> {
    slot: &'static LocalKey<Cell<Vec<T>>>,
    keep: usize,
}

impl<T> Scratch<T> {
    /// The scratch kept in `slot`, at most `keep` items of room between uses.
    pub(crate) const fn new(slot: &'static LocalKey<Cell<Vec<T>>>, keep: usize) -> Self {
        Scratch { slot, keep }
    }

    /// An empty `Vec`: the thread's scratch, or a new one if it is in use.
    #[inline(always)]
    pub(crate) fn take(&self) -> Vec<T> {
        self.slot.with(Cell::take)
    }

    /// Gives `buf` back, emptied, unless it grew past the bound.
    #[inline]
    pub(crate) fn give_back(&self, mut buf: Vec<T>) {
        buf.clear();
        self.keep(buf);
    }

    /// `buf`'s items in a `Vec` of exactly their number, moved in one copy
    /// (`Vec::append`); the emptied `buf` goes back to the thread's scratch. Takes `buf` by
    /// value, so the caller is left no emptied `Vec` to drop.
    #[inline(always)]
    pub(crate) fn exact(&self, mut buf: Vec<T>) -> Vec<T> {
        let mut exact = Vec::with_capacity(buf.len());
        exact.append(&mut buf);
        self.keep(buf);
        exact
    }

    /// Puts `empty` back in the slot unless it grew past the bound, or never allocated (then
    /// the slot may still hold the kept one: a use that needed no room never took it).
    /// Inlined: this runs for every list, and an empty `Vec` needs no drop of its items.
    #[inline(always)]
    fn keep(&self, empty: Vec<T>) {
        debug_assert!(empty.is_empty());
        if (1..=self.keep).contains(&empty.capacity()) {
            // The slot holds an empty `Vec` too (`take` leaves one, and only empty ones are
            // put back).
            // Only the swap inside the closure, the drop after it: `LocalKey::with` is then
            // small enough to inline (with the drop inside, it was a call per list).
            let previous = self.slot.with(|slot| slot.replace(empty));
            drop_empty(previous);
        } else {
            drop_empty(empty);
        }
    }
}

/// Drops `empty`, which holds no items: frees its room if it has any, with no call to the
/// general `Vec` drop. That drop is not inlined and walks the items, and replacing an empty
/// `Vec` called it two or three times for every FETCH flag list (about 18 instructions
/// each; docs/benchmarks.md, "Session-mix round, session 8").
#[inline(always)]
pub(crate) fn drop_empty<T>(empty: Vec<T>) {
    debug_assert!(empty.is_empty());
    if empty.capacity() == 0 {
        // Nothing to free: no allocation, no items.
        std::mem::forget(empty);
    } else {
        drop(empty);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    thread_local! {
        static SLOT: Cell<Vec<u32>> = const { Cell::new(Vec::new()) };
    }
    static NUMBERS: Scratch<u32> = Scratch::new(&SLOT, 8);

    #[test]
    fn the_exact_vec_has_no_spare_room_and_the_scratch_is_reused() {
        let mut buf = NUMBERS.take();
        buf.extend([1, 2, 3]);
        let room = buf.as_ptr();
        let exact = NUMBERS.exact(buf);
        assert_eq!(exact, [1, 2, 3]);
        assert_eq!(exact.capacity(), 3);
        let again = NUMBERS.take();
        assert!(again.is_empty());
        assert_eq!(again.as_ptr(), room);
        // In use: a nested user gets a fresh one.
        assert_eq!(NUMBERS.take().capacity(), 0);
        NUMBERS.give_back(again);
    }

    #[test]
    fn a_scratch_that_grew_past_the_bound_is_let_go() {
        let mut buf = NUMBERS.take();
        buf.extend(0..100);
        assert_eq!(NUMBERS.exact(buf).len(), 100);
        assert_eq!(NUMBERS.take().capacity(), 0);
    }

    #[test]
    fn nested_uses_both_give_back_and_the_later_one_is_kept() {
        let mut outer = NUMBERS.take();
        let mut inner = NUMBERS.take();
        outer.push(1);
        inner.extend([2, 3]);
        let inner_room = inner.as_ptr();
        assert_eq!(NUMBERS.exact(inner), [2, 3]);
        // The slot now holds the inner room; giving the outer back replaces (frees) it.
        assert_eq!(NUMBERS.exact(outer), [1]);
        let kept = NUMBERS.take();
        assert!(kept.is_empty() && kept.capacity() > 0);
        assert_ne!(kept.as_ptr(), inner_room);
        NUMBERS.give_back(kept);
    }
}
