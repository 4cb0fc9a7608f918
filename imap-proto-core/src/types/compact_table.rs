//! One exact-size allocation for everything an ENVELOPE or BODYSTRUCTURE records about its
//! wire text (issue 15 item 2: buffered results near their wire size).
//!
//! A buffered FETCH keeps every message's structures, so their size is the result's size.
//! Built in place with inline room for the common case (`SmallVec`s of parts, parameters and
//! addresses), a structure cost 400–700 bytes however small it was; the parser now builds in
//! scratch tables (on its stack, or per-thread ones kept from one structure to the next)
//! and stores the result here: words (offsets, lengths,
//! [`Field`]s, counts) followed by the unescaped strings, in one boxed slice of exactly the
//! needed length.
//!
//! The words are 16-bit when every one fits (nearly always: a structure's text is rarely
//! 32 KiB long), 32-bit otherwise; byte 0 says which. A 16-bit word holds a value below
//! 2^15, `NIL`'s `u32::MAX`, or a value with only bit 31 (a [`Field`] of the unescaped
//! strings, a flag) above 2^15. Word 0 is the byte offset of the unescaped strings (the end
//! of the words); the layout of the other words belongs to the type that owns the table.

use super::wire_text::Field;

/// Byte 0 of a table of 16-bit words.
const NARROW: u8 = 2;
/// Byte 0 of a table of 32-bit words.
const WIDE: u8 = 4;
/// Bit 31, which a 16-bit word keeps as its bit 15.
const HIGH: u32 = 1 << 31;
/// `u32::MAX` as a 16-bit word.
const NARROW_MAX: u16 = u16::MAX;

/// Whether `word` has a 16-bit form: below 2^15, `u32::MAX`, or bit 31 and below 2^15 - 1
/// (branch-free, so a check of every word of a table vectorises).
#[inline(always)]
fn has_narrow(word: u32) -> bool {
    let low = word & !HIGH;
    (low < 0x8000 && (word & HIGH == 0 || low != 0x7FFF)) | (word == u32::MAX)
}

/// The 16-bit form of a word that has one ([`has_narrow`]): bit 31 moves to bit 15, and
/// `u32::MAX` becomes `0xFFFF`. Such a word's high half is 0, `0x8000` (bit 31, with bit 15
/// clear) or `0xFFFF` (`u32::MAX`), so OR-ing it onto the low half is exactly that: one
/// shift and one OR a word, where masking both halves took four operations.
#[inline(always)]
fn to_narrow(word: u32) -> u16 {
    (word | (word >> 16)) as u16
}

/// `word` as a 16-bit word, if it has one.
#[cfg(test)]
fn narrow(word: u32) -> Option<u16> {
    has_narrow(word).then(|| to_narrow(word))
}

/// The word a 16-bit word stands for.
#[inline]
fn widen(word: u16) -> u32 {
    if word == NARROW_MAX {
        u32::MAX
    } else if word & 0x8000 != 0 {
        HIGH | u32::from(word & 0x7FFF)
    } else {
        u32::from(word)
    }
}

/// The words and unescaped strings of one value. Reading past the words gives 0 (and `NIL`
/// for fields), which is what an empty (`Default`) value reads as.
#[derive(Clone, Default)]
pub(crate) struct Table(Box<[u8]>);

impl Table {
    /// Word `index`, without the bounds check of the words (0 when past the bytes).
    #[inline]
    fn raw_word(&self, index: usize) -> u32 {
        match self.0.first() {
            Some(&NARROW) => {
                let at = 1 + 2 * index;
                self.0
                    .get(at..at + 2)
                    .and_then(|b| <[u8; 2]>::try_from(b).ok())
                    .map_or(0, |b| widen(u16::from_le_bytes(b)))
            }
            _ => {
                let at = 1 + 4 * index;
                self.0
                    .get(at..at + 4)
                    .and_then(|b| <[u8; 4]>::try_from(b).ok())
                    .map_or(0, u32::from_le_bytes)
            }
        }
    }

    /// Whether words `index..index + count` exist.
    #[inline]
    fn has_words(&self, index: usize, count: usize) -> bool {
        let width = usize::from(self.0.first().copied().unwrap_or(WIDE));
        // They end at byte 1 + width * (index + count), which must not pass the words' end
        // (word 0; 0 for an empty table).
        width * (index + count) < self.raw_word(0) as usize
    }

    /// Word `index` (0 when out of range).
    #[inline]
    pub(crate) fn word(&self, index: usize) -> u32 {
        if !self.has_words(index, 1) {
            return 0;
        }
        self.raw_word(index)
    }

    /// The field stored in words `index` and `index + 1` (`NIL` when out of range).
    #[inline]
    pub(crate) fn field(&self, index: usize) -> Field {
        if !self.has_words(index, 2) {
            return Field::NIL;
        }
        Field::from_words(self.raw_word(index), self.raw_word(index + 1))
    }

    /// The range stored in words `index` and `index + 1` (empty when out of range).
    #[inline]
    pub(crate) fn range(&self, index: usize) -> (u32, u32) {
        if !self.has_words(index, 2) {
            return (0, 0);
        }
        (self.raw_word(index), self.raw_word(index + 1))
    }

    /// The unescaped strings.
    #[inline]
    pub(crate) fn unescaped(&self) -> &[u8] {
        self.0.get(self.raw_word(0) as usize..).unwrap_or_default()
    }

    /// The bytes this table occupies (for the size tests).
    #[cfg(test)]
    pub(crate) fn byte_len(&self) -> usize {
        self.0.len()
    }
}

/// Whether every word of `words` has a 16-bit form ([`has_narrow`] of each).
#[inline]
pub(crate) fn all_narrow(words: &[u32]) -> bool {
    narrow_words(words.iter().copied())
}

/// Whether every word of `fields` has a 16-bit form (see [`all_narrow`]).
#[inline]
pub(crate) fn fields_narrow(fields: &[Field]) -> bool {
    narrow_words(fields.iter().flat_map(|field| field.to_words()))
}

/// [`has_narrow`] of every word, without a branch a word: rotated left by one, a word with
/// a 16-bit form is at most `0xFFFE` (`u32::MAX` is `u32::MAX`), so one more is below 2^16
/// (or wraps to 0) exactly for those; the OR of them all the compiler vectorises, where
/// `has_narrow` a word at a time took several instructions a word.
#[inline(always)]
fn narrow_words(words: impl Iterator<Item = u32>) -> bool {
    words.fold(0, |any, word| any | word.rotate_left(1).wrapping_add(1)) < 0x1_0000
}

/// Whether a table of `count` words can be 16-bit as far as word 0 (the offset of the
/// unescaped strings, `1 + 2 * count`) goes.
#[inline]
pub(crate) fn narrow_fits(count: usize) -> bool {
    1 + 2 * count < 0x8000
}

/// A table written straight into its exact-size allocation, for a caller that knows its
/// word count and width before it writes (BODYSTRUCTURE: its regions are built apart and
/// stored once, with no scratch table to assemble and narrow afterwards).
pub(crate) struct TableBytes {
    /// The words' bytes, all allocated (and zeroed) at once.
    bytes: Vec<u8>,
    /// Where the next word goes.
    at: usize,
    narrow: bool,
}

impl TableBytes {
    /// A table of `count` words (word 0, which this writes, included) followed by
    /// `unescaped_len` bytes of unescaped strings. With `narrow`, every word pushed must have
    /// a 16-bit form ([`all_narrow`]; debug builds check) and `count` must pass
    /// [`narrow_fits`].
    #[inline]
    pub(crate) fn new(count: usize, narrow: bool, unescaped_len: usize) -> Self {
        let width = if narrow { NARROW } else { WIDE };
        let end = 1 + usize::from(width) * count;
        let mut bytes = Vec::with_capacity(end + unescaped_len);
        bytes.resize(end, width);
        let mut out = TableBytes {
            bytes,
            at: 1,
            narrow,
        };
        out.push_words(&[end as u32]);
        out
    }

    /// Pushes `words` in the table's width.
    #[inline]
    pub(crate) fn push_words(&mut self, words: &[u32]) {
        self.push_offsets(words, 0);
    }

    /// Pushes each of `words` plus `add` (record places that move by the words before
    /// their records). Words past the announced count are dropped (debug builds stop).
    #[inline]
    pub(crate) fn push_offsets(&mut self, words: &[u32], add: u32) {
        let width = if self.narrow { 2 } else { 4 };
        let len = width * words.len();
        let out = self.bytes.get_mut(self.at..self.at + len);
        debug_assert!(out.is_some(), "more words than the count announced");
        let Some(out) = out else { return };
        self.at += len;
        if !self.narrow {
            for (slot, word) in out.chunks_exact_mut(4).zip(words) {
                slot.copy_from_slice(&word.wrapping_add(add).to_le_bytes());
            }
            return;
        }
        debug_assert!(
            words.iter().all(|&word| has_narrow(word.wrapping_add(add))),
            "a word with no 16-bit form"
        );
        // One word at a time into its two bytes: fewer instructions (callgrind) than two
        // words narrowed together in a `u64`, or four stored as one.
        for (slot, &word) in out.chunks_exact_mut(2).zip(words) {
            slot.copy_from_slice(&to_narrow(word.wrapping_add(add)).to_le_bytes());
        }
    }

    /// Pushes each field's two words (with `narrow`, every one must pass [`fields_narrow`]):
    /// straight from the fields, with no scratch table of their words.
    #[inline]
    pub(crate) fn push_fields(&mut self, fields: &[Field]) {
        let width = if self.narrow { 2 } else { 4 };
        let len = 2 * width * fields.len();
        let out = self.bytes.get_mut(self.at..self.at + len);
        debug_assert!(out.is_some(), "more words than the count announced");
        let Some(out) = out else { return };
        self.at += len;
        if self.narrow {
            debug_assert!(fields_narrow(fields), "a word with no 16-bit form");
            for (slot, field) in out.chunks_exact_mut(4).zip(fields) {
                let [start, len] = field.to_words();
                slot[..2].copy_from_slice(&to_narrow(start).to_le_bytes());
                slot[2..].copy_from_slice(&to_narrow(len).to_le_bytes());
            }
        } else {
            for (slot, field) in out.chunks_exact_mut(8).zip(fields) {
                let [start, len] = field.to_words();
                slot[..4].copy_from_slice(&start.to_le_bytes());
                slot[4..].copy_from_slice(&len.to_le_bytes());
            }
        }
    }

    /// The table, with `unescaped` after the words.
    #[inline]
    pub(crate) fn finish(mut self, unescaped: &[u8]) -> Table {
        debug_assert_eq!(
            self.at,
            self.bytes.len(),
            "fewer words than the count announced"
        );
        self.bytes.extend_from_slice(unescaped);
        Table(self.bytes.into_boxed_slice())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(big: u32) -> Table {
        let fields = [Field::NIL, Field::in_unescaped(1, 2)];
        let head = [big, 2, 3, 4, 9];
        let narrow = all_narrow(&head) && fields_narrow(&fields);
        let mut w = TableBytes::new(10, narrow, 3);
        w.push_words(&head);
        w.push_fields(&fields);
        w.finish(b"abc")
    }

    #[test]
    fn words_fields_and_unescaped_read_back_in_both_widths() {
        for (big, width) in [(7, 2), (0x8000, 4), (70_000, 4)] {
            let table = sample(big);
            assert_eq!(
                table.byte_len(),
                1 + 10 * width + 3,
                "exact size, {width}-byte words"
            );
            assert_eq!(table.word(1), big);
            assert!(table.field(2) == Field::in_text(2, 3));
            assert_eq!(table.range(4), (4, 9));
            assert!(table.field(6) == Field::NIL);
            assert!(table.field(8) == Field::in_unescaped(1, 2));
            assert_eq!(table.unescaped(), b"abc");
            // Past the words: zero, NIL, empty, even where the unescaped bytes are.
            assert_eq!(table.word(10), 0);
            assert!(table.field(9) == Field::NIL);
            assert_eq!(table.range(99), (0, 0));
        }
        let empty = Table::default();
        assert_eq!(empty.word(1), 0);
        assert!(empty.field(1) == Field::NIL);
        assert_eq!(empty.unescaped(), b"");
    }

    #[test]
    fn written_tables_read_back_every_word_in_both_widths() {
        // Runs of odd and even length.
        let words = [0, 1, 0x7FFF, u32::MAX, HIGH, HIGH | 0x7FFE, 5];
        for narrow in [true, false] {
            for run in [&words[..], &words[1..]] {
                let mut out = TableBytes::new(1 + 2 * run.len(), narrow, 2);
                out.push_words(run);
                out.push_offsets(run, 0);
                let table = out.finish(b"xy");
                for (k, &word) in run.iter().chain(run).enumerate() {
                    assert_eq!(table.word(1 + k), word, "word {k}, narrow {narrow}");
                }
                assert_eq!(table.unescaped(), b"xy");
            }
        }
        let mut out = TableBytes::new(3, true, 0);
        out.push_offsets(&[1, 0x7FF0], 7);
        let table = out.finish(b"");
        assert_eq!((table.word(1), table.word(2)), (8, 0x7FF7));
    }

    #[test]
    fn all_narrow_agrees_with_has_narrow_word_by_word() {
        let mut words: Vec<u32> = Vec::new();
        for base in [0, 0x7FFF, 0xFFFF, HIGH, HIGH | 0x7FFF, u32::MAX - 0x20] {
            words.extend((0..0x40).map(|k: u32| base.wrapping_add(k).wrapping_sub(0x20)));
        }
        words.extend((0..4096u32).map(|k| k.wrapping_mul(0x9E37_79B9)));
        for &word in &words {
            assert_eq!(all_narrow(&[word]), has_narrow(word), "{word:#x}");
            assert_eq!(all_narrow(&[3, word, 5]), has_narrow(word), "{word:#x}");
        }
        assert!(all_narrow(&[]));
    }

    #[test]
    fn every_narrow_word_widens_back_to_itself() {
        let mut checked = 0;
        for high in [0, 1, 0x7FFF, 0x8000, 0x8001, 0xFFFE, 0xFFFF] {
            for low in 0..=0xFFFFu32 {
                let word = high << 16 | low;
                if has_narrow(word) {
                    assert_eq!(widen(to_narrow(word)), word, "{word:#x}");
                    checked += 1;
                }
            }
        }
        // 2^15 below 2^15, 2^15 - 1 with bit 31, and `u32::MAX`.
        assert_eq!(checked, 0x8000 + 0x7FFF + 1);
    }

    #[test]
    fn narrow_words_stand_for_exactly_their_wide_values() {
        for word in [0, 1, 0x7FFF, u32::MAX, HIGH, HIGH | 0x7FFE] {
            assert_eq!(narrow(word).map(widen), Some(word), "{word:#x}");
        }
        for word in [
            0x8000,
            0xFFFF,
            0x1_0000,
            HIGH | 0x7FFF,
            HIGH | 0x8000,
            u32::MAX - 1,
        ] {
            assert_eq!(narrow(word), None, "{word:#x}");
        }
    }
}
