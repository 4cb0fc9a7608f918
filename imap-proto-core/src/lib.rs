//! # imap-proto-core
//!
//! A sans-IO IMAP client protocol core (IMAP4rev1, RFC 3501, and IMAP4rev2, RFC 9051).
//! It takes the bytes a server sent and gives back typed responses; it has no sockets, no
//! clock and no async runtime, so it can be embedded in any event loop.
//!
//! What a user needs is public, and only that:
//!
//! - [`Connection`] drives the whole session (TLS and COMPRESS layers, framing within the
//!   [`Limits`], parsing, the command lifecycle, the session state, the event queue); its
//!   documentation states the run-loop contract a driver follows. [`Config`] sets it up.
//! - [`ops`] builds the operations a connection runs ([`Op`] is the trait for writing one).
//! - [`types`] holds the typed responses and arguments, every string a zero-copy slice of
//!   the server's bytes; [`TypedEvent`] is the unsolicited data.
//! - [`Error`] is the one error type ([`Precondition`], [`ProtocolViolation`],
//!   [`FrameError`], [`ParseError`], [`EncodeError`] are its details).
//! - [`sasl`] holds the `AUTHENTICATE` mechanisms (PLAIN, XOAUTH2, OAUTHBEARER,
//!   SCRAM-SHA-256) as pure state machines.
//!
//! The parser, the encoder and the connection's internals are private; the `unstable`
//! feature makes them public for this crate's tests, the fuzz targets and the benchmarks,
//! with no stability promise.
//!
//! Inside, the modules form a DAG, each importing only the layers below it:
//! `types` (the data model, a leaf) ← `encode`, `parse` ← `upgrade` (TLS and COMPRESS)
//! ← `contract` (the [`Op`] contract and the [`Session`] it reads) ← `ops`, `conn`
//! (`tests/module_layering.rs` checks it).
#![forbid(unsafe_code)]

/// Declares an internal module: private, or public with the `unstable` feature (for this
/// crate's tests, the fuzz targets and the benchmarks; no stability promise).
macro_rules! internal_mod {
    ($(#[$meta:meta])* $name:ident) => {
        #[cfg(feature = "unstable")]
        $(#[$meta])*
        pub mod $name;
        // Items only the tests and fuzz targets use are dead without the feature.
        #[cfg(not(feature = "unstable"))]
        #[allow(dead_code, unused_imports)]
        $(#[$meta])*
        mod $name;
    };
}

mod config;
internal_mod!(conn);
internal_mod!(contract);
internal_mod!(encode);
mod error;
mod limits;
pub mod ops;
internal_mod!(parse);
pub mod reconnect;
pub mod sasl;
mod trust;
pub mod types;
internal_mod!(upgrade);

pub use config::Config;
pub use conn::event_buffer::{EventBuffer, NextEvent};
pub use conn::record::{CommandOutcome, CommandRecord};
pub use conn::trace::{Direction, TraceLine};
pub use conn::{Connection, OpId, TimeoutVerdict};
pub use contract::session::Session;
pub use error::{Error, Precondition, ProtocolViolation};
pub use limits::Limits;
pub use ops::Op;
pub use parse::frame::FrameError;
pub use trust::TrustRoots;
pub use types::encode_error::EncodeError;
pub use types::event::TypedEvent;
pub use types::parse_error::{ParseError, ParseErrorKind};
pub use types::{SelectedMailbox, SessionState, StreamPart};
pub use upgrade::{TlsMode, TlsSetup};

/// The README's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
mod readme {}
