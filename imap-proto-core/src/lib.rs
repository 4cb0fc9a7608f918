//! # imap-proto-core
//!
//! A sans-IO IMAP client protocol core (IMAP4rev1, RFC 3501, and IMAP4rev2, RFC 9051).
//! It takes the bytes a server sent and gives back typed responses; it has no sockets, no
//! clock and no async runtime, so it can be embedded in any event loop.
//!
//! The input pipeline is:
//!
//! 1. [`parse::frame::Framer`] cuts the byte stream into complete responses (a line with its
//!    embedded literals), enforcing the limits in [`Limits`]. Each response comes out as one
//!    [`bytes::Bytes`] frame; very large FETCH literals come out in chunks instead.
//! 2. [`parse::parse_response`] decodes a frame into a [`types::Response`]. Every string in
//!    the result is a zero-copy slice of the frame.
//!
//! Authentication mechanisms for `AUTHENTICATE` (PLAIN, XOAUTH2, OAUTHBEARER,
//! SCRAM-SHA-256) are pure state machines in [`sasl`].
#![forbid(unsafe_code)]

pub mod encode;
pub mod limits;
pub mod parse;
pub mod sasl;
pub mod types;

pub use limits::Limits;
