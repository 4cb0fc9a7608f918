//! What is kept of a response that failed the grammar inside intact framing.
//!
//! The framer found the response's end (its final line end, every literal counted), so the
//! next response starts where the framer says whatever these bytes meant: stepping over
//! them cannot put the stream out of step. What the response still tells is kept, and the
//! failure reaches whoever it belongs to (docs/security.md, "One bad response costs that
//! response"). The connection decides when stepping over is allowed at all (not before the
//! greeting, not while the stream is negotiated); this module only says what is left.

use bytes::Bytes;
use nom::Input;

use super::core::digit_run;
use super::input::{FrameContext, Span};
use super::{ParseError, ParseErrorKind};
use crate::types::{
    MessageAttribute, StatusKind, StatusResponse, Unparsed, Untagged,
};

/// What can be kept of `frame`, which failed with `error`: an untagged FETCH as its
/// sequence number, the attributes that parsed before the failure and a
/// [`MessageAttribute::Unparsed`] last; a `* BYE` as a BYE whose text is the raw rest of
/// the line (a BYE must not be lost: it ends the session); any other untagged response as
/// [`Untagged::Unparsed`].
///
/// `None`, so the connection fails, where the failure is not confined to this response or
/// nothing should be stepped over: a tagged status (it completes a command, and a wrong
/// completion is worse than none), a continuation request or any frame that does not start
/// with `* `, and the errors of limits and literals ([`ParseErrorKind::TooDeep`],
/// [`ParseErrorKind::TooLong`], [`ParseErrorKind::TruncatedLiteral`]).
pub fn salvage(
    frame: Bytes,
    error: ParseError,
    limits: &crate::Limits,
    names: crate::types::NameEncoding,
) -> Option<Untagged> {
    if !is_confined(&error) {
        return None;
    }
    let after_star = frame.strip_prefix(b"* ")?;
    if let Some((digits, seq)) = digit_run(after_star).filter(|&(digits, _)| digits > 0)
        && let Some(keyword) = after_star.get(digits..digits + 7)
        && keyword.eq_ignore_ascii_case(b" FETCH ")
        && let Ok(seq) = u32::try_from(seq)
        && seq > 0
    {
        let ctx = FrameContext {
            frame: frame.clone(),
            max_depth: limits.max_nesting_depth,
            names,
        };
        let mut fetch =
            super::fetch::msg_att_prefix(Span::new(&ctx).take_from(2 + digits + 7), seq);
        fetch.push(MessageAttribute::Unparsed(Box::new(Unparsed {
            raw: frame,
            error,
        })));
        return Some(Untagged::Fetch(fetch));
    }
    if let Some(rest) = after_star
        .get(..3)
        .filter(|k| k.eq_ignore_ascii_case(b"BYE"))
        && let Some(rest) = after_star.get(rest.len()..)
        && matches!(rest.first(), Some(b' ' | b'\r' | b'\n'))
    {
        let text = rest.trim_ascii();
        return Some(Untagged::Status(StatusResponse {
            kind: StatusKind::Bye,
            code: None,
            text: frame.slice_ref(text),
        }));
    }
    Some(Untagged::Unparsed(Unparsed { raw: frame, error }))
}

/// Whether a parse error stays inside its response: a grammar failure, not a limit
/// ([`ParseErrorKind::TooDeep`], [`ParseErrorKind::TooLong`]) or literal trouble
/// ([`ParseErrorKind::TruncatedLiteral`]).
pub fn is_confined(error: &ParseError) -> bool {
    matches!(
        error.kind,
        ParseErrorKind::Syntax(_) | ParseErrorKind::NumberOverflow | ParseErrorKind::TrailingBytes
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn salvaged(frame: &'static [u8]) -> Option<Untagged> {
        let limits = crate::Limits::default();
        let error = super::super::parse_response(Bytes::from_static(frame), &limits)
            .expect_err("the frame must fail the grammar");
        salvage(
            Bytes::from_static(frame),
            error,
            &limits,
            Default::default(),
        )
    }

    #[test]
    fn a_fetch_keeps_its_number_and_the_attributes_before_the_failure() {
        let frame = b"* 4711 FETCH (UID 9 FLAGS (\\Seen) BODYSTRUCTURE (\"text\" garbage)\r\n";
        let Some(Untagged::Fetch(fetch)) = salvaged(frame) else {
            panic!("expected a FETCH");
        };
        assert_eq!(fetch.seq, 4711);
        assert_eq!(fetch.uid(), Some(9));
        assert!(fetch.flags().is_some());
        let unparsed = fetch.unparsed().expect("the unparsed rest");
        assert_eq!(&unparsed.raw[..], &frame[..]);
        assert!(matches!(
            fetch.attributes.last(),
            Some(MessageAttribute::Unparsed(_))
        ));
    }

    #[test]
    fn a_bye_stays_a_bye_and_other_responses_become_unparsed() {
        let Some(Untagged::Status(bye)) = salvaged(b"* BYE going {4}\r\naway\r\n") else {
            panic!("expected a BYE");
        };
        assert_eq!(bye.kind, StatusKind::Bye);
        assert_eq!(&bye.text[..], b"going {4}\r\naway");
        let frame = b"* STATUS INBOX (MAILBOXID (\"x))\r\n";
        let Some(Untagged::Unparsed(unparsed)) = salvaged(frame) else {
            panic!("expected an unparsed response");
        };
        assert_eq!(&unparsed.raw[..], &frame[..]);
    }

    #[test]
    fn tagged_continuation_and_limit_failures_are_not_salvaged() {
        assert_eq!(salvaged(b"A0001 FOO\r\n"), None);
        assert_eq!(salvaged(b"garbage\r\n"), None);
        let deep = [
            &b"* 1 FETCH (BODY "[..],
            &[b'('; 100],
            &[b')'; 100],
            b")\r\n",
        ]
        .concat();
        let limits = crate::Limits::default();
        let frame = Bytes::from(deep);
        let error = super::super::parse_response(frame.clone(), &limits).expect_err("too deep");
        assert_eq!(error.kind, ParseErrorKind::TooDeep);
        assert_eq!(salvage(frame, error, &limits, Default::default()), None);
    }
}
