//! Parse errors: what went wrong, and where in the frame.

use nom::error::{ErrorKind, ParseError as NomParseError};

use super::input::Span;

/// Why a frame failed to parse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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
pub struct ParseError {
    /// What went wrong.
    pub kind: ParseErrorKind,
    /// Where, counted from the start of the frame.
    pub offset: usize,
}

/// The nom error type used by every parser: the position and the kind.
#[derive(Debug, Clone, Copy)]
pub struct PErr<'a> {
    /// Where the failure happened.
    pub at: Span<'a>,
    /// What went wrong.
    pub kind: ParseErrorKind,
}

impl<'a> PErr<'a> {
    /// A syntax failure of the named rule at `at`.
    pub fn syntax(at: Span<'a>, rule: &'static str) -> nom::Err<Self> {
        nom::Err::Error(PErr {
            at,
            kind: ParseErrorKind::Syntax(rule),
        })
    }

    /// A failure that must not be backtracked over (limits, overflow).
    pub fn fatal(at: Span<'a>, kind: ParseErrorKind) -> nom::Err<Self> {
        nom::Err::Failure(PErr { at, kind })
    }

    /// Converts into the public error.
    pub fn into_public(self) -> ParseError {
        ParseError {
            kind: self.kind,
            offset: self.at.offset_in_frame(),
        }
    }
}

impl<'a> NomParseError<Span<'a>> for PErr<'a> {
    fn from_error_kind(input: Span<'a>, kind: ErrorKind) -> Self {
        PErr {
            at: input,
            kind: ParseErrorKind::Syntax(nom_rule_name(kind)),
        }
    }

    fn append(_input: Span<'a>, _kind: ErrorKind, other: Self) -> Self {
        other
    }

    fn or(self, other: Self) -> Self {
        // Keep the alternative that got further: it is the more useful report.
        if other.at.offset_in_frame() >= self.at.offset_in_frame() {
            other
        } else {
            self
        }
    }
}

/// The result type of every parser function.
pub type PResult<'a, T> = nom::IResult<Span<'a>, T, PErr<'a>>;

/// A static name for a nom combinator failure (nom's own description borrows the kind).
fn nom_rule_name(kind: ErrorKind) -> &'static str {
    match kind {
        ErrorKind::Tag => "tag",
        ErrorKind::Alt => "alternative",
        ErrorKind::Digit => "digit",
        ErrorKind::TakeWhile1 => "take_while1",
        ErrorKind::Eof => "end of input",
        _ => "combinator",
    }
}
