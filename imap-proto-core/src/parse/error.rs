//! Parse errors: what went wrong, and where in the frame.

use nom::error::{ErrorKind, ParseError as NomParseError};

use super::input::Span;
pub use crate::types::parse_error::{ParseError, ParseErrorKind};

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
