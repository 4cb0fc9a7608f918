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
//! 3. [`Connection`] drives the whole session: TLS and COMPRESS layers, the command
//!    lifecycle ([`ops`]), the session state and the event queue. See [`conn`] for the
//!    run-loop contract.
//!
//! Authentication mechanisms for `AUTHENTICATE` (PLAIN, XOAUTH2, OAUTHBEARER,
//! SCRAM-SHA-256) are pure state machines in [`sasl`].
#![forbid(unsafe_code)]

pub mod config;
pub mod conn;
pub mod encode;
pub mod error;
pub mod limits;
pub mod ops;
pub mod parse;
pub mod reconnect;
pub mod sasl;
pub mod types;

pub use config::Config;
pub use conn::event::TypedEvent;
pub use conn::session::{SelectedMailbox, Session, SessionState};
pub use conn::upgrade::{TlsMode, TlsSetup};
pub use conn::{Connection, OpId, StreamPart, TimeoutVerdict};
pub use error::{Error, Precondition, ProtocolViolation};
pub use limits::Limits;
pub use ops::Op;

/// The README's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
mod readme {}
