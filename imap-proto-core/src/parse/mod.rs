//! Parsing: the framer cuts the stream into responses, and nom parsers named after the ABNF
//! rules decode them.

use bytes::Bytes;

pub mod acl;
pub mod capability;
pub mod core;
#[cfg(test)]
mod display_round_trip;
mod error;
pub mod fetch;
pub mod frame;
pub mod input;
pub mod mailbox;
pub mod metadata;
pub mod quota;
pub mod response;
mod salvage;
mod scratch;
#[cfg(feature = "serde")]
mod stored;
pub mod search;

pub use error::{PErr, PResult, ParseError, ParseErrorKind};
pub use salvage::{is_confined, salvage};

use input::{FrameContext, Span};

/// Decodes one framed server response (a whole line with its literals and its final CRLF,
/// as the framer hands it out) into a [`crate::types::Response`].
///
/// Every string in the result is a zero-copy slice of `frame`. The frame must hold exactly
/// one response: bytes left after its CRLF are [`ParseErrorKind::TrailingBytes`].
///
/// Mailbox names are taken as modified UTF-7; [`parse_response_in`] takes the session's
/// encoding.
pub fn parse_response(
    frame: Bytes,
    limits: &crate::Limits,
) -> Result<crate::types::Response, ParseError> {
    parse_response_in(frame, limits, crate::types::NameEncoding::ModifiedUtf7)
}

/// [`parse_response`] for a session that writes mailbox names in `names` (UTF-8 once
/// `UTF8=ACCEPT` is enabled or in IMAP4rev2): each [`crate::types::Mailbox`] records it, so
/// its `name()` decodes the way the session wrote it.
pub fn parse_response_in(
    frame: Bytes,
    limits: &crate::Limits,
    names: crate::types::NameEncoding,
) -> Result<crate::types::Response, ParseError> {
    let ctx = FrameContext {
        frame,
        max_depth: limits.max_nesting_depth,
        names,
    };
    parse_in(&ctx)
}

/// [`parse_response_in`] that hands the frame back with the error: the connection steps
/// over a response that fails the grammar with its bytes ([`salvage`]), and otherwise needs
/// no second reference to the frame (a clone and a drop of it on every response).
pub(crate) fn parse_frame(
    frame: Bytes,
    limits: &crate::Limits,
    names: crate::types::NameEncoding,
) -> Result<crate::types::Response, (Bytes, ParseError)> {
    let ctx = FrameContext {
        frame,
        max_depth: limits.max_nesting_depth,
        names,
    };
    match parse_in(&ctx) {
        Ok(response) => Ok(response),
        Err(error) => Err((ctx.frame, error)),
    }
}

/// The response in `ctx`'s frame. Inlined into both callers, so neither moves the response
/// once more through the other's result.
#[inline(always)]
fn parse_in(ctx: &FrameContext) -> Result<crate::types::Response, ParseError> {
    use crate::types::{FetchResponse, Response, Untagged};
    // Untagged FETCH, most of what servers send, is read in place and moved once, into the
    // `Response` this returns, instead of out through every layer of [`response::response`].
    if let Some((msg_att, seq)) = response::fetch_response_start(Span::new(ctx)) {
        let mut fetch = FetchResponse::new(seq);
        return whole(ctx, response::fetch_response_into(msg_att, &mut fetch))
            .map(|()| Response::Untagged(Untagged::Fetch(fetch)));
    }
    whole(ctx, response::response(Span::new(ctx)))
}

/// The value of a parser that ran over a whole frame, which it must have consumed entirely.
#[inline(always)]
fn whole<'a, T>(ctx: &FrameContext, parsed: PResult<'a, T>) -> Result<T, ParseError> {
    match parsed {
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
        names: Default::default(),
    };
    whole(&ctx, parser(Span::new(&ctx)))
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

#[cfg(test)]
mod tests {
    use super::*;

    /// `parse_response` without its FETCH shortcut: the general dispatcher only.
    fn general(frame: &'static [u8]) -> Result<crate::types::Response, ParseError> {
        let ctx = FrameContext {
            frame: Bytes::from_static(frame),
            max_depth: crate::Limits::default().max_nesting_depth,
            names: Default::default(),
        };
        whole(&ctx, response::response(Span::new(&ctx)))
    }

    #[test]
    fn fetch_shortcut_answers_as_the_general_dispatcher() {
        let frames: &[&[u8]] = &[
            b"* 12 FETCH (UID 5 FLAGS (\\Seen))\r\n",
            b"* 12 FETCH (UID 5)  \r\n",
            b"* 12 FETCH (UID 5)\n",
            b"* 12 FETCH (UID 5) x\r\n",
            b"* 12 FETCH (UID 5)\r\n* 13",
            b"* 12 FETCH (UID 0)\r\n",
            b"* 12 FETCH (UID 5\r\n",
            b"* 12 FETCH ()\r\n",
            b"* 12 FETCH  (UID 5)\r\n",
            b"* 0 FETCH (UID 5)\r\n",
            b"* 4294967295 FETCH (UID 5)\r\n",
            b"* 4294967296 FETCH (UID 5)\r\n",
            b"* 99999999999999999999 FETCH (UID 5)\r\n",
            b"* 12 fetch (UID 5)\r\n",
            b"* 12 FETCHES (UID 5)\r\n",
            b"* 12 EXISTS\r\n",
            b"* 12 FETCH (BODY[] {3}\r\nabc)\r\n",
            b"* 12 FETCH (BODY[] {3}\r\nab)\r\n",
        ];
        for &frame in frames {
            assert_eq!(
                parse_response(Bytes::from_static(frame), &crate::Limits::default()),
                general(frame),
                "{:?}",
                String::from_utf8_lossy(frame)
            );
        }
    }
}
