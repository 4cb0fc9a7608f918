//! One exact-size allocation for everything an ENVELOPE or BODYSTRUCTURE records about its
//! wire text (issue 15 item 2: buffered results near their wire size).
//!
//! A buffered FETCH keeps every message's structures, so their size is the result's size.
//! Built in place with inline room for the common case (`SmallVec`s of parts, parameters and
//! addresses), a structure cost 400–700 bytes however small it was; the parser now builds in
//! such scratch tables on the stack and stores the result here: little-endian `u32` words
//! (offsets, lengths, [`Field`]s) followed by the unescaped strings, in one boxed slice of
//! exactly the needed length.
//!
//! Word 0 is the byte offset of the unescaped strings (the end of the words); the layout of
//! the other words belongs to the type that owns the table.

use super::wire_text::Field;

/// The words and unescaped strings of one value. Reading past the end gives 0 (and `NIL`
/// for fields), which is what an empty (`Default`) value reads as.
#[derive(Clone, Default)]
pub(crate) struct Table(Box<[u8]>);

impl Table {
    /// Word `index` (0 when out of range).
    #[inline]
    pub(crate) fn word(&self, index: usize) -> u32 {
        let at = index * 4;
        self.0
            .get(at..at + 4)
            .and_then(|b| <[u8; 4]>::try_from(b).ok())
            .map_or(0, u32::from_le_bytes)
    }

    /// The field stored in words `index` and `index + 1` (`NIL` when out of range).
    #[inline]
    pub(crate) fn field(&self, index: usize) -> Field {
        if (index + 2) * 4 > self.0.len() {
            return Field::NIL;
        }
        Field::from_words(self.word(index), self.word(index + 1))
    }

    /// The range stored in words `index` and `index + 1` (empty when out of range).
    #[inline]
    pub(crate) fn range(&self, index: usize) -> (u32, u32) {
        (self.word(index), self.word(index + 1))
    }

    /// The unescaped strings.
    #[inline]
    pub(crate) fn unescaped(&self) -> &[u8] {
        self.0.get(self.word(0) as usize..).unwrap_or_default()
    }

    /// The bytes this table occupies (for the size tests).
    #[cfg(test)]
    pub(crate) fn byte_len(&self) -> usize {
        self.0.len()
    }
}

/// Builds a [`Table`]: word 0 is reserved for the unescaped strings' offset.
pub(crate) struct TableWriter(Vec<u8>);

impl TableWriter {
    /// A writer with room for `words` words (and word 0).
    #[inline]
    pub(crate) fn with_words(words: usize, unescaped: usize) -> Self {
        let mut bytes = Vec::with_capacity((words + 1) * 4 + unescaped);
        bytes.extend_from_slice(&[0; 4]);
        TableWriter(bytes)
    }

    /// The index the next word gets.
    #[inline]
    pub(crate) fn words(&self) -> usize {
        self.0.len() / 4
    }

    #[inline]
    pub(crate) fn push(&mut self, word: u32) {
        self.0.extend_from_slice(&word.to_le_bytes());
    }

    /// Pushes `words` in one step: one length check and a loop the compiler vectorises,
    /// where a push per word checked the capacity each time (a structure stores a hundred
    /// words or more, once per message of a metadata FETCH).
    #[inline]
    pub(crate) fn push_words(&mut self, words: &[u32]) {
        let at = self.0.len();
        self.0.resize(at + 4 * words.len(), 0);
        for (slot, word) in self.0[at..].chunks_exact_mut(4).zip(words) {
            slot.copy_from_slice(&word.to_le_bytes());
        }
    }

    /// Pushes each field's two words (see [`TableWriter::push_words`]).
    #[inline]
    pub(crate) fn push_fields(&mut self, fields: &[Field]) {
        let at = self.0.len();
        self.0.resize(at + 8 * fields.len(), 0);
        for (slot, field) in self.0[at..].chunks_exact_mut(8).zip(fields) {
            let [start, len] = field.to_words();
            slot[..4].copy_from_slice(&start.to_le_bytes());
            slot[4..].copy_from_slice(&len.to_le_bytes());
        }
    }

    #[inline]
    pub(crate) fn push_range(&mut self, (start, end): (u32, u32)) {
        self.push(start);
        self.push(end);
    }

    /// Overwrites word `index` (which must have been pushed).
    #[inline]
    pub(crate) fn set(&mut self, index: usize, word: u32) {
        if let Some(slot) = self.0.get_mut(index * 4..index * 4 + 4) {
            slot.copy_from_slice(&word.to_le_bytes());
        }
    }

    /// The table, with `unescaped` after the words. The capacity given to
    /// [`TableWriter::with_words`] should be exact, so this does not reallocate.
    pub(crate) fn finish(mut self, unescaped: &[u8]) -> Table {
        let at = self.0.len() as u32;
        self.set(0, at);
        self.0.extend_from_slice(unescaped);
        Table(self.0.into_boxed_slice())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_fields_and_unescaped_read_back() {
        let mut w = TableWriter::with_words(5, 3);
        w.push(7);
        w.push_fields(&[Field::in_text(2, 3)]);
        w.push_range((4, 9));
        let table = w.finish(b"abc");
        assert_eq!(table.byte_len(), 6 * 4 + 3, "exact size");
        assert_eq!(table.word(1), 7);
        assert!(table.field(2) == Field::in_text(2, 3));
        assert_eq!(table.range(4), (4, 9));
        assert_eq!(table.unescaped(), b"abc");
        // Out of range: zero, NIL, empty.
        assert_eq!(table.word(99), 0);
        assert!(table.field(5) == Field::NIL);
        let empty = Table::default();
        assert!(empty.field(1) == Field::NIL);
        assert_eq!(empty.unescaped(), b"");
    }
}
