//! A response that failed the grammar inside intact framing, kept instead of ending the
//! session (docs/security.md, "One bad response costs that response").

use bytes::Bytes;

use super::ParseError;

/// A server response the parser could not read, although the framer found its end (its
/// literals counted, its final line end seen), so the stream after it is still in step.
///
/// A FETCH response arrives as a [`crate::types::MessageAttribute::Unparsed`] beside the
/// attributes that parsed before the failure; any other untagged response as
/// [`crate::types::Untagged::Unparsed`], which becomes [`crate::TypedEvent::Unparsed`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Unparsed {
    /// The whole response as sent, including its literals and final line end.
    pub raw: Bytes,
    /// Why it did not parse; `offset` counts from the start of `raw`.
    pub error: ParseError,
}

impl Unparsed {
    /// The response's keyword: the first atom after `* ` and after a message number
    /// (`STATUS`, `LIST`, `EXISTS` ...); empty if there is none.
    pub fn keyword(&self) -> &[u8] {
        let words = self.raw.strip_prefix(b"* ").unwrap_or(&[]);
        let mut words = words
            .split(|&b| matches!(b, b' ' | b'\r' | b'\n' | b'(' | b'['))
            .filter(|word| !word.is_empty());
        match words.next() {
            Some(number) if number.iter().all(u8::is_ascii_digit) => words.next(),
            word => word,
        }
        .unwrap_or(&[])
    }
}
