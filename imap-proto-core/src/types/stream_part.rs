//! A large FETCH literal handed out in pieces while it arrives, instead of buffered whole
//! (the framer cuts it; the op that claims it gets the pieces).

use bytes::Bytes;

use super::{MessageAttribute, StreamedAttribute};

/// A piece of a large FETCH literal that the framer streams instead of buffering.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum StreamPart {
    /// The response's attributes up to the literal, and which attribute the literal is.
    Begin {
        /// Message sequence number.
        seq: u32,
        /// Attributes that came before the literal: a [`super::FetchResponse`]'s fields first
        /// (as [`super::FetchResponse::to_attribute_list`] orders them), then the others in
        /// wire order.
        before: Vec<MessageAttribute>,
        /// The attribute the literal belongs to.
        attribute: StreamedAttribute,
        /// The literal's announced size.
        len: u64,
    },
    /// Literal bytes, in order.
    Chunk {
        /// Message sequence number.
        seq: u32,
        /// The attribute being streamed.
        attribute: StreamedAttribute,
        /// Offset of `data` within the literal.
        offset: u64,
        /// The bytes: a zero-copy slice of the input buffer.
        data: Bytes,
    },
    /// The literal is complete.
    End {
        /// Message sequence number.
        seq: u32,
    },
    /// Attributes that followed the literal, up to the end of the response.
    Tail {
        /// Message sequence number.
        seq: u32,
        /// The attributes, ordered as in `Begin`'s `before`.
        after: Vec<MessageAttribute>,
    },
}
