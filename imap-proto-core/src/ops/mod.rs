//! The command lifecycle, written once (ARCHITECTURE §4).
//!
//! Every public method is an [`Op`]: a small state machine that checks the session before
//! anything is sent, writes one or more commands, claims the untagged data that belongs to
//! it, and turns the tagged completion into a typed result. The [`crate::Connection`] runs
//! every op the same way; adapters only move bytes.

// Collectors hand unclaimed `Untagged` data back by value in the `Err` arm; boxing it
// would cost an allocation for every response that passes through.
#![allow(clippy::result_large_err)]

use crate::contract::session::{Session, SessionState};
/// The op contract, defined below both the ops and the connection (`contract`).
pub use crate::contract::{Claims, Effect, Op, OpContext, Step, kind};
/// The encoder's types an [`Op`] meets when it sends commands through [`OpContext`].
pub use crate::encode::{
    CommandBuilder, EncodeContext, EncodedCommand, Fragment, LiteralMode, LiteralSupport,
};
use crate::types::{StatusKind, Tagged};
use crate::{Error, ProtocolViolation};

pub mod acl;
pub mod append;
pub mod auth;
pub(crate) mod command;
mod compact;
mod expand;
pub mod fetch;
pub mod fetch_merge;
pub mod idle;
pub mod mailbox;
pub mod message;
pub mod metadata;
pub mod notify;
mod pipeline_table;
pub mod pipeline_tuple;
pub mod quota;
#[cfg(test)]
mod read_buffers;
pub mod search;
mod seq_ranges;
pub mod session;
pub mod sync;
mod table;
pub mod upgrade;

/// Turns a tagged NO/BAD into the matching error; OK into `Ok(tagged)`.
pub fn ok_or_error(tagged: Tagged) -> Result<Tagged, Error> {
    let text = || String::from_utf8_lossy(&tagged.status.text).into_owned();
    match tagged.status.kind {
        StatusKind::Ok => Ok(tagged),
        StatusKind::No => Err(Error::No {
            text: text(),
            code: tagged.status.code.clone(),
        }),
        StatusKind::Bad => Err(Error::Bad {
            text: text(),
            code: tagged.status.code.clone(),
        }),
        StatusKind::Bye | StatusKind::PreAuth => {
            Err(ProtocolViolation::InvalidCompletion(tagged.status.kind).into())
        }
    }
}

/// State gate: the session must be in one of `allowed`.
pub fn require_state(
    session: &Session,
    allowed: &[SessionState],
    command: &'static str,
) -> Result<(), Error> {
    if allowed.contains(&session.state()) {
        Ok(())
    } else {
        Err(Error::WrongState {
            command,
            state: session.state(),
        })
    }
}

/// Capability gate: the server must advertise `capability`.
pub fn require_capability(session: &Session, capability: &str) -> Result<(), Error> {
    if session.has_capability(capability) {
        Ok(())
    } else {
        Err(Error::MissingCapability(capability.into()))
    }
}

/// Capability gate for extensions folded into IMAP4rev2.
pub fn require_capability_or_rev2(session: &Session, capability: &str) -> Result<(), Error> {
    if session.has_or_rev2(capability) {
        Ok(())
    } else {
        Err(Error::MissingCapability(capability.into()))
    }
}

/// States in which a user is logged in.
pub const AUTHENTICATED_OR_SELECTED: &[SessionState] =
    &[SessionState::Authenticated, SessionState::Selected];
/// Only Selected.
pub const SELECTED: &[SessionState] = &[SessionState::Selected];
/// Every state but Logout.
pub const ANY_LIVE: &[SessionState] = &[
    SessionState::NotAuthenticated,
    SessionState::Authenticated,
    SessionState::Selected,
];
/// Only NotAuthenticated.
pub const NOT_AUTHENTICATED: &[SessionState] = &[SessionState::NotAuthenticated];
