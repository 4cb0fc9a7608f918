//! Why a server response did not parse, and where: the parser's public error, kept with the
//! data model so [`super::Unparsed`] can carry it.

/// Why a frame failed to parse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ParseErrorKind {
    /// The bytes do not match the grammar; the string names the rule that failed.
    Syntax(&'static str),
    /// Parentheses nested deeper than [`crate::Limits::max_nesting_depth`].
    TooDeep,
    /// A number does not fit its type (e.g. a `number` above 2^32-1).
    NumberOverflow,
    /// A literal announced more bytes than the frame holds (the framer guarantees this
    /// cannot happen for frames it produced).
    TruncatedLiteral,
    /// Bytes were left over after a complete response.
    TrailingBytes,
    /// A value too long for its representation: an ENVELOPE of 2 GiB or more, possible only
    /// when [`crate::Limits::max_response_size`] is raised that far.
    TooLong,
}

/// A frame that did not parse, with the byte offset of the failure inside the frame.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot parse server response at byte {offset}: {kind:?}")]
#[non_exhaustive]
pub struct ParseError {
    /// What went wrong.
    pub kind: ParseErrorKind,
    /// Where, counted from the start of the frame.
    pub offset: usize,
}
