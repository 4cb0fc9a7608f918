//! One exact-size allocation for everything an ENVELOPE or BODYSTRUCTURE records about its
//! wire text (issue 15 item 2: buffered results near their wire size).
//!
//! A buffered FETCH keeps every message's structures, so their size is the result's size.
//! Built in place with inline room for the common case (`SmallVec`s of parts, parameters and
//! addresses), a structure cost 400–700 bytes however small it was; the parser now builds in
//! scratch tables on the stack and stores the result here: words (offsets, lengths,
//! [`Field`]s, counts) followed by the unescaped strings, in one boxed slice of exactly the
//! needed length.
//!
//! The words are 16-bit when every one fits (nearly always: a structure's text is rarely
//! 32 KiB long), 32-bit otherwise; byte 0 says which. A 16-bit word holds a value below
//! 2^15, `NIL`'s `u32::MAX`, or a value with only bit 31 (a [`Field`] of the unescaped
//! strings, a flag) above 2^15. Word 0 is the byte offset of the unescaped strings (the end
//! of the words); the layout of the other words belongs to the type that owns the table.

use smallvec::SmallVec;

use super::wire_text::Field;

/// Byte 0 of a table of 16-bit words.
const NARROW: u8 = 2;
/// Byte 0 of a table of 32-bit words.
const WIDE: u8 = 4;
/// Bit 31, which a 16-bit word keeps as its bit 15.
const HIGH: u32 = 1 << 31;
/// `u32::MAX` as a 16-bit word.
const NARROW_MAX: u16 = u16::MAX;

/// `word` as a 16-bit word, if it has one.
#[inline]
fn narrow(word: u32) -> Option<u16> {
    if word == u32::MAX {
        Some(NARROW_MAX)
    } else if word < 0x8000 {
        Some(word as u16)
    } else if word & HIGH != 0 && word & !HIGH < 0x7FFF {
        Some(0x8000 | (word & !HIGH) as u16)
    } else {
        None
    }
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

/// Builds a [`Table`] in scratch room on the stack: word 0 is reserved for the unescaped
/// strings' offset.
pub(crate) struct TableWriter(SmallVec<[u32; 96]>);

impl TableWriter {
    /// An empty table (but for word 0).
    #[inline]
    pub(crate) fn new() -> Self {
        let mut words = SmallVec::new();
        words.push(0);
        TableWriter(words)
    }

    /// The index the next word gets.
    #[inline]
    pub(crate) fn words(&self) -> usize {
        self.0.len()
    }

    #[inline]
    pub(crate) fn push(&mut self, word: u32) {
        self.0.push(word);
    }

    /// Pushes `words` in one step: one length check and a loop the compiler vectorises,
    /// where a push per word checked the capacity each time (a structure stores a hundred
    /// words or more, once per message of a metadata FETCH).
    #[inline]
    pub(crate) fn push_words(&mut self, words: &[u32]) {
        self.0.extend_from_slice(words);
    }

    /// Pushes each field's two words (see [`TableWriter::push_words`]).
    #[inline]
    pub(crate) fn push_fields(&mut self, fields: &[Field]) {
        let at = self.0.len();
        self.0.resize(at + 2 * fields.len(), 0);
        for (slot, field) in self.0[at..].chunks_exact_mut(2).zip(fields) {
            slot.copy_from_slice(&field.to_words());
        }
    }

    #[inline]
    pub(crate) fn push_range(&mut self, (start, end): (u32, u32)) {
        self.0.extend([start, end]);
    }

    /// Overwrites word `index` (which must have been pushed).
    #[inline]
    pub(crate) fn set(&mut self, index: usize, word: u32) {
        if let Some(slot) = self.0.get_mut(index) {
            *slot = word;
        }
    }

    /// The table, with `unescaped` after the words: one allocation of exactly its size,
    /// 16-bit words when every word has one.
    pub(crate) fn finish(mut self, unescaped: &[u8]) -> Table {
        let count = self.0.len();
        let narrow_end = 1 + 2 * count;
        self.set(0, narrow_end as u32);
        let mut bytes = Vec::with_capacity(narrow_end + unescaped.len());
        bytes.resize(narrow_end, NARROW);
        let mut fits = true;
        for (slot, &word) in bytes[1..].chunks_exact_mut(2).zip(&self.0) {
            match narrow(word) {
                Some(word) => slot.copy_from_slice(&word.to_le_bytes()),
                None => {
                    fits = false;
                    break;
                }
            }
        }
        if !fits {
            let wide_end = 1 + 4 * count;
            self.set(0, wide_end as u32);
            bytes = Vec::with_capacity(wide_end + unescaped.len());
            bytes.resize(wide_end, WIDE);
            for (slot, word) in bytes[1..].chunks_exact_mut(4).zip(&self.0) {
                slot.copy_from_slice(&word.to_le_bytes());
            }
        }
        bytes.extend_from_slice(unescaped);
        Table(bytes.into_boxed_slice())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(big: u32) -> Table {
        let mut w = TableWriter::new();
        w.push(big);
        w.push_fields(&[Field::in_text(2, 3)]);
        w.push_range((4, 9));
        w.push_fields(&[Field::NIL, Field::in_unescaped(1, 2)]);
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
