//! Parsing: the framer cuts the stream into responses, and nom parsers named after the ABNF
//! rules decode them.

use bytes::Bytes;

pub mod acl;
pub mod capability;
pub mod core;
mod error;
pub mod fetch;
pub mod frame;
pub mod input;
pub mod mailbox;
pub mod metadata;
pub mod quota;
pub mod response;
pub mod search;

pub use error::{PErr, PResult, ParseError, ParseErrorKind};

use input::{FrameContext, Span};

/// Decodes one framed server response (a whole line with its literals and its final CRLF,
/// as the framer hands it out) into a [`crate::types::Response`].
///
/// Every string in the result is a zero-copy slice of `frame`. The frame must hold exactly
/// one response: bytes left after its CRLF are [`ParseErrorKind::TrailingBytes`].
pub fn parse_response(
    frame: Bytes,
    limits: &crate::Limits,
) -> Result<crate::types::Response, ParseError> {
    let ctx = FrameContext {
        frame,
        max_depth: limits.max_nesting_depth,
    };
    match response::response(Span::new(&ctx)) {
        Ok((rest, parsed)) if rest.as_slice().is_empty() => Ok(parsed),
        Ok((rest, _)) => Err(ParseError {
            kind: ParseErrorKind::TrailingBytes,
            offset: rest.offset_in_frame(),
        }),
        Err(nom::Err::Error(e) | nom::Err::Failure(e)) => Err(e.into_public()),
        Err(nom::Err::Incomplete(_)) => Err(ParseError {
            kind: ParseErrorKind::Syntax("incomplete response"),
            offset: ctx.frame.len(),
        }),
    }
}

/// Runs `parser` over a whole frame, which it must consume entirely.
fn parse_whole<T>(
    frame: Bytes,
    limits: &crate::Limits,
    parser: impl for<'a> FnOnce(Span<'a>) -> PResult<'a, T>,
) -> Result<T, ParseError> {
    let ctx = FrameContext {
        frame,
        max_depth: limits.max_nesting_depth,
    };
    match parser(Span::new(&ctx)) {
        Ok((rest, parsed)) if rest.as_slice().is_empty() => Ok(parsed),
        Ok((rest, _)) => Err(ParseError {
            kind: ParseErrorKind::TrailingBytes,
            offset: rest.offset_in_frame(),
        }),
        Err(nom::Err::Error(e) | nom::Err::Failure(e)) => Err(e.into_public()),
        Err(nom::Err::Incomplete(_)) => Err(ParseError {
            kind: ParseErrorKind::Syntax("incomplete response"),
            offset: ctx.frame.len(),
        }),
    }
}

/// Decodes the head of a streamed FETCH (the framer's `StreamBegin`): the response up to
/// and including the header of the literal that will be streamed.
pub fn fetch_stream_head(
    head: Bytes,
    limits: &crate::Limits,
) -> Result<crate::types::FetchStreamHead, ParseError> {
    parse_whole(head, limits, fetch::fetch_stream_head)
}

/// Decodes a continuation head: the part of a streamed FETCH between one streamed literal
/// and the next.
pub fn fetch_stream_continuation_head(
    head: Bytes,
    limits: &crate::Limits,
) -> Result<crate::types::FetchStreamContinuation, ParseError> {
    parse_whole(head, limits, fetch::fetch_stream_continuation_head)
}

/// Decodes the rest of a streamed FETCH after its last streamed literal.
pub fn fetch_stream_tail(
    tail: Bytes,
    limits: &crate::Limits,
) -> Result<Vec<crate::types::MessageAttribute>, ParseError> {
    parse_whole(tail, limits, fetch::fetch_stream_tail)
}
