//! Strings as ranges of one wire slice.
//!
//! An ENVELOPE or BODYSTRUCTURE holds dozens of strings. Making each a `Bytes` costs two
//! atomic reference-count operations per string (one to make it, one to drop it) and a
//! 32-byte value, which was the largest single cost of parsing a message list. So these
//! values keep one `Bytes` of their wire text ([`WireText`]) and record each string as a
//! [`Field`]: an offset range, 8 bytes, nothing to drop.

use std::fmt;

use bytes::Bytes;

use super::compact_table::Table;

/// Where one string of a value is: `NIL`, a range of the wire text, or (for a quoted string
/// that had escapes, whose content differs from its wire form) a range of the unescaped
/// buffer.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct Field {
    start: u32,
    len: u32,
}

/// `start` of a `NIL` field.
const NIL_START: u32 = u32::MAX;
/// Set in `start` when the range is in the unescaped buffer.
const UNESCAPED_BIT: u32 = 1 << 31;

/// The longest wire text (and unescaped buffer) whose offsets fit a [`Field`]: 2 GiB - 1.
pub(crate) const MAX_WIRE_TEXT_LEN: usize = (UNESCAPED_BIT - 1) as usize;

impl Field {
    /// `NIL`.
    pub(crate) const NIL: Field = Field {
        start: NIL_START,
        len: 0,
    };

    /// A range of the wire text. Offsets at or above [`MAX_WIRE_TEXT_LEN`] are truncated
    /// here; the parser rejects such a value before it is returned.
    #[inline(always)]
    pub(crate) fn in_text(start: usize, len: usize) -> Field {
        Field {
            start: start as u32 & !UNESCAPED_BIT,
            len: len as u32,
        }
    }

    /// The field as two table words (see `compact_table.rs`).
    #[inline(always)]
    pub(crate) fn to_words(self) -> [u32; 2] {
        [self.start, self.len]
    }

    /// The field [`Field::to_words`] gave.
    #[inline(always)]
    pub(crate) fn from_words(start: u32, len: u32) -> Field {
        Field { start, len }
    }

    /// Whether this is `NIL`: one compare (no other field has `NIL`'s start, since offsets
    /// stay below [`MAX_WIRE_TEXT_LEN`]), where `== Field::NIL` compares both words.
    #[inline(always)]
    pub(crate) fn is_nil(self) -> bool {
        self.start == NIL_START
    }

    /// A range of the unescaped buffer (same truncation rule as [`Field::in_text`]).
    pub(crate) fn in_unescaped(start: usize, len: usize) -> Field {
        Field {
            start: start as u32 | UNESCAPED_BIT,
            len: len as u32,
        }
    }
}

impl Field {
    /// The bytes of this field in `text` or `unescaped`; `None` for `NIL`.
    #[inline]
    pub(crate) fn resolve<'a>(self, text: &'a [u8], unescaped: &'a [u8]) -> Option<&'a [u8]> {
        if self.start == NIL_START {
            return None;
        }
        let source = if self.start & UNESCAPED_BIT == 0 {
            text
        } else {
            unescaped
        };
        let start = (self.start & !UNESCAPED_BIT) as usize;
        source.get(start..)?.get(..self.len as usize)
    }
}

impl Default for Field {
    fn default() -> Self {
        Field::NIL
    }
}

/// A value's wire text and its table (see `compact_table.rs`): its [`Field`]s and
/// structure, and the values of its escaped quoted strings.
#[derive(Clone, Default)]
pub(crate) struct WireText {
    /// The value as sent: a zero-copy slice of the frame.
    pub(crate) text: Bytes,
    /// The value's fields and structure, then the content of quoted strings that had escapes
    /// (`\"`, `\\`; usually none).
    pub(crate) table: Table,
}

impl WireText {
    /// The bytes of `field`; `None` for `NIL`.
    #[inline]
    pub(crate) fn get(&self, field: Field) -> Option<&[u8]> {
        field.resolve(&self.text, self.table.unescaped())
    }

    /// The bytes of the field in table words `index` and `index + 1`; `None` for `NIL`.
    #[inline]
    pub(crate) fn field_at(&self, index: usize) -> Option<&[u8]> {
        self.get(self.table.field(index))
    }

    /// An owned `Bytes` of `value` without copying it when it lies in the wire text; any
    /// other slice (an unescaped string among them) is copied.
    pub(crate) fn to_bytes(&self, value: &[u8]) -> Bytes {
        let range = self.text.as_ptr_range();
        let inside = range.start <= value.as_ptr() && value.as_ptr_range().end <= range.end;
        if inside && !value.is_empty() {
            return self.text.slice_ref(value);
        }
        Bytes::copy_from_slice(value)
    }
}

/// Shows bytes as text (invalid UTF-8 replaced).
pub(crate) struct ShowBytes<'a>(pub(crate) &'a [u8]);

impl fmt::Debug for ShowBytes<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", String::from_utf8_lossy(self.0))
    }
}

/// Shows a string field as text, or `None` for `NIL`.
pub(crate) struct ShowField<'a>(pub(crate) Option<&'a [u8]>);

impl fmt::Debug for ShowField<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0.map(ShowBytes), f)
    }
}

/// Appends `value` to `buffer` (an unescaped buffer being built) and returns its field;
/// `None` is `NIL`. For building expected values in tests.
#[cfg(test)]
pub(crate) fn push_value(buffer: &mut Vec<u8>, value: Option<&[u8]>) -> Field {
    match value {
        Some(v) => {
            let at = buffer.len();
            buffer.extend_from_slice(v);
            Field::in_unescaped(at, v.len())
        }
        None => Field::NIL,
    }
}
