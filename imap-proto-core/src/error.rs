//! The one error type every operation returns, in the core and in every adapter.
//!
//! One type for all: a program matches the same variants whichever adapter (or its own run
//! loop over [`crate::Connection`]) it uses. The few variants only a driver produces
//! ([`Error::Io`], [`Error::Timeout`], [`Error::DriverGone`]) are part of the run-loop
//! contract too: a connection failure keeps its cause ([`Error::ConnectionFailed`]), and
//! that cause is often a socket error. `docs/design.md` ("One error type") records why.

use std::sync::Arc;

use crate::parse::frame::FrameError;
use crate::types::{Capability, ParseError, ResponseCode, SessionState, StatusKind};

/// Everything that can go wrong with an IMAP operation.
///
/// Errors come in three groups: the caller's request was refused before anything was sent
/// ([`Error::WrongState`], [`Error::Precondition`], [`Error::MissingCapability`],
/// [`Error::Encode`], [`Error::InvalidServerName`], [`Error::AppendLimitExceeded`],
/// [`Error::TooManyInFlight`], invalid SASL credentials); the server answered with a failure
/// ([`Error::No`], [`Error::Bad`], or a response without the data the command needs,
/// [`Error::Protocol`]); or the connection itself failed (everything else, including a SASL
/// exchange the client gave up on). [`Error::is_fatal`] tells them apart: after a fatal
/// error the connection is unusable and every later call returns
/// [`Error::ConnectionFailed`] with the error that ended it. A [`Error::Timeout`] is not
/// fatal: the adapters keep the connection synchronised after one.
///
/// Errors are `Clone` (the data that is not, I/O errors and the cause of a failure, sits
/// behind an [`Arc`]), so one failure can be handed to every call that waits on it.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The command is not valid in the current session state (RFC 9051 §3), e.g. `FETCH`
    /// with no mailbox selected. Nothing was sent.
    #[error("{command} is not valid in the {state:?} state")]
    WrongState {
        /// The command, as IMAP names it (`"UID FETCH"`, `"SELECT"` ...).
        command: &'static str,
        /// The state the session was in.
        state: SessionState,
    },
    /// The command is refused before sending for a reason other than the session state.
    #[error(transparent)]
    Precondition(#[from] Precondition),
    /// The server does not advertise a capability the command needs. When any of several
    /// would do (`METADATA` or `METADATA-SERVER`), the first is named.
    #[error("the server does not advertise {0}")]
    MissingCapability(Capability),
    /// A caller argument cannot be sent safely (it would inject protocol, or is malformed).
    #[error(transparent)]
    Encode(#[from] crate::types::EncodeError),
    /// The server name given for TLS is not a valid DNS name or IP address. Nothing was
    /// sent.
    #[error("invalid TLS server name {0:?}")]
    InvalidServerName(String),
    /// The message is larger than the server's APPENDLIMIT (RFC 7889); nothing was sent.
    #[error("message of {size} octets exceeds the server's APPENDLIMIT of {limit}")]
    AppendLimitExceeded {
        /// The message size.
        size: u64,
        /// The advertised limit.
        limit: u64,
    },
    /// The server refused the command (tagged `NO`).
    #[error("server said NO: {text}")]
    No {
        /// The response code, e.g. `[TRYCREATE]` or `[OVERQUOTA]`.
        code: Option<ResponseCode>,
        /// The server's text.
        text: String,
    },
    /// The server rejected the command as invalid (tagged `BAD`).
    #[error("server said BAD: {text}")]
    Bad {
        /// The response code, if any.
        code: Option<ResponseCode>,
        /// The server's text.
        text: String,
    },
    /// The server closed the session (`* BYE`) while the command was in progress.
    #[error("server closed the session: {text}")]
    Bye {
        /// The response code, if any.
        code: Option<ResponseCode>,
        /// The server's text.
        text: String,
    },
    /// The server broke the protocol. As a command's result (a completion without the data
    /// the command needs) the connection stays usable; a violation that ends the connection
    /// (an unknown tag, injected plaintext) reaches callers as the cause inside
    /// [`Error::ConnectionFailed`].
    #[error(transparent)]
    Protocol(#[from] ProtocolViolation),
    /// A SASL exchange failed on the client side (bad server proof, malformed challenge).
    #[error(transparent)]
    Sasl(#[from] crate::sasl::SaslError),
    /// The server's bytes could not be framed (a limit was exceeded or a literal is invalid).
    #[error(transparent)]
    Frame(#[from] FrameError),
    /// A server response did not parse.
    #[error(transparent)]
    Parse(#[from] ParseError),
    /// TLS failed: handshake, certificate verification, or record layer. The same variant
    /// for implicit TLS, STARTTLS at connect and a later `starttls()`; match the rustls
    /// error for the reason (e.g. `rustls::Error::InvalidCertificate`).
    #[error("TLS error: {0}")]
    Tls(rustls::Error),
    /// The COMPRESS=DEFLATE stream is corrupt.
    #[error("compression error: {0}")]
    Compression(String),
    /// A socket operation failed (reported by drivers: the adapters, or your own loop).
    #[error(transparent)]
    Io(Arc<std::io::Error>),
    /// The call's timeout elapsed (reported by drivers). Not fatal: see the adapter's
    /// documentation for the state it leaves.
    #[error("timed out")]
    Timeout,
    /// The server closed the connection.
    #[error("connection closed by the server")]
    ConnectionClosed,
    /// A call timed out and the server had sent nothing since its command went out: the
    /// peer is presumed dead (a dropped NAT mapping, a suspended laptop, a blackholed
    /// route), so the connection failed at once instead of costing every later call its
    /// full timeout too ([`crate::Connection::timed_out`]).
    #[error("no data from the server since the timed-out command was sent: peer presumed dead")]
    PeerUnresponsive,
    /// The connection failed earlier and can no longer be used; the error inside is the
    /// one that ended it (never itself a `ConnectionFailed`).
    #[error("connection unusable after an earlier failure: {0}")]
    ConnectionFailed(#[source] Arc<Error>),
    /// The adapter's driver task has exited (reported by the async adapters).
    #[error("the connection's driver task has exited")]
    DriverGone,
    /// Too many commands are in flight ([`crate::Config::max_in_flight`]).
    #[error("too many commands in flight (limit {0})")]
    TooManyInFlight(usize),
    /// A bug: the library (or a user-written [`crate::Op`]) broke its own invariant. Not
    /// caused by the server; please report it.
    #[error("internal error: {0}")]
    Internal(&'static str),
}

/// Why a command was refused before sending, besides the session state and capabilities.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Precondition {
    /// The server has not sent its greeting yet.
    #[error("the server has not sent its greeting yet")]
    NotGreeted,
    /// The server advertises `LOGINDISABLED` (RFC 9051 §6.2.3): use STARTTLS or
    /// AUTHENTICATE.
    #[error("the server advertises LOGINDISABLED; use STARTTLS or AUTHENTICATE")]
    LoginDisabled,
    /// The command needs an extension enabled with ENABLE first (RFC 5161), e.g. QRESYNC
    /// for `SELECT (QRESYNC ...)` or `UID FETCH (VANISHED)` (RFC 7162 §3.2.3, §3.2.6).
    #[error("{command} needs ENABLE {extension} first")]
    NotEnabled {
        /// The command.
        command: &'static str,
        /// The extension to enable.
        extension: &'static str,
    },
    /// EXPUNGE in a mailbox opened read-only (EXAMINE).
    #[error("EXPUNGE in a read-only (EXAMINEd) mailbox")]
    ReadOnlyMailbox,
    /// CHECK does not exist in IMAP4rev2 (RFC 9051); use NOOP.
    #[error("CHECK does not exist in IMAP4rev2 (RFC 9051); use NOOP")]
    RemovedInRev2,
    /// TLS is already active.
    #[error("TLS is already active")]
    TlsActive,
    /// COMPRESS is already active, or STARTTLS was asked after it (RFC 4978 §3: TLS must
    /// be negotiated first).
    #[error("COMPRESS is already active")]
    CompressActive,
    /// APPEND with no message.
    #[error("APPEND needs at least one message")]
    NoMessages,
}

/// How the server broke the protocol.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProtocolViolation {
    /// A `+` continuation request nothing was waiting for.
    #[error("unexpected continuation request")]
    UnexpectedContinuation,
    /// A tagged response whose tag names no command in flight.
    #[error("tagged response with unknown tag {0:?}")]
    UnknownTag(String),
    /// A tagged status that cannot complete a command (`BYE`, `PREAUTH`).
    #[error("tagged {0:?} is not a valid completion")]
    InvalidCompletion(StatusKind),
    /// Bytes after the STARTTLS OK and before the TLS handshake (RFC 9051 §6.2.1: possible
    /// injection; they are never parsed).
    #[error("plaintext data after the STARTTLS OK (possible injection)")]
    PlaintextAfterStartTls,
    /// The command completed OK without the untagged data it must return.
    #[error("{0} completed without its data")]
    MissingData(&'static str),
    /// LOGOUT completed without the `* BYE` RFC 9051 §6.1.3 requires.
    #[error("LOGOUT completed without the required * BYE")]
    LogoutWithoutBye,
    /// An AUTHENTICATE challenge that is not valid base64 (RFC 9051 §6.2.2).
    #[error("AUTHENTICATE challenge is not valid base64")]
    InvalidChallenge,
    /// ESEARCH ALL names more messages than the mailbox holds (expanding it would be
    /// unbounded): use `search_esearch` for the ranges.
    #[error("ESEARCH ALL names {0} messages, more than the mailbox holds")]
    TooManyResults(u64),
    /// The end of a streamed FETCH literal with no streamed literal open.
    #[error("stream tail without a streamed literal")]
    StrayStreamTail,
    /// A response of the kind this command takes failed the grammar inside intact framing
    /// and was stepped over (it is also queued as [`crate::TypedEvent::Unparsed`]); the
    /// command fails rather than succeed without it, and the session goes on
    /// (docs/security.md, "One bad response costs that response").
    #[error("a response to this command failed the grammar and was stepped over: {0}")]
    UnparsedResponse(ParseError),
}

impl From<std::io::Error> for Error {
    fn from(error: std::io::Error) -> Self {
        Error::Io(Arc::new(error))
    }
}

impl Error {
    /// True if the connection can no longer be used after this error, exactly as the
    /// connection behaves: an op whose connection failed never gets a non-fatal error (a
    /// protocol violation that ends the connection is reported as
    /// [`Error::ConnectionFailed`]), and an op that gets a fatal error has ended the
    /// connection. A SASL failure is fatal (the connection fails with it) except for
    /// credentials refused before anything was sent
    /// ([`crate::sasl::SaslError::InvalidInput`]).
    pub fn is_fatal(&self) -> bool {
        !matches!(
            self,
            Error::WrongState { .. }
                | Error::Precondition(_)
                | Error::MissingCapability(_)
                | Error::Encode(_)
                | Error::InvalidServerName(_)
                | Error::AppendLimitExceeded { .. }
                | Error::No { .. }
                | Error::Bad { .. }
                | Error::Protocol(_)
                | Error::Timeout
                | Error::TooManyInFlight(_)
                | Error::Internal(_)
                | Error::Sasl(crate::sasl::SaslError::InvalidInput(_))
        )
    }

    /// The error that ended the connection: the cause inside [`Error::ConnectionFailed`],
    /// or this error itself.
    pub fn cause(&self) -> &Error {
        match self {
            Error::ConnectionFailed(cause) => cause,
            other => other,
        }
    }

    /// The error for a call made after the connection failed with `cause`: always
    /// [`Error::ConnectionFailed`], with the original cause (never nested).
    pub fn connection_failed(cause: Error) -> Error {
        match cause {
            Error::ConnectionFailed(cause) => Error::ConnectionFailed(cause),
            other => Error::ConnectionFailed(Arc::new(other)),
        }
    }

    /// The error for a server that refused the connection in its greeting (`* BYE`,
    /// RFC 9051 §7.1.5): the BYE among the queued `events`, or [`Error::ConnectionClosed`]
    /// if none was kept.
    pub fn from_bye_greeting(events: Vec<crate::TypedEvent>) -> Error {
        let bye = events.into_iter().find_map(|e| match e {
            crate::TypedEvent::Bye(status) => Some(status),
            _ => None,
        });
        match bye {
            Some(status) => Error::Bye {
                text: String::from_utf8_lossy(&status.text).into_owned(),
                code: status.code,
            },
            None => Error::ConnectionClosed,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Error, Precondition};

    #[test]
    fn connection_failed_keeps_the_first_cause_without_nesting() {
        let io = Error::from(std::io::Error::other("reset"));
        let failed = Error::connection_failed(io.clone());
        assert!(matches!(failed.cause(), Error::Io(e) if e.kind() == std::io::ErrorKind::Other));
        let again = Error::connection_failed(failed.clone());
        assert!(matches!(again.cause(), Error::Io(_)));
        assert!(failed.is_fatal() && io.is_fatal());
        assert!(matches!(Error::Timeout.cause(), Error::Timeout));
        assert!(!Error::Timeout.is_fatal());
        assert!(!Error::Precondition(Precondition::TlsActive).is_fatal());
    }

    #[test]
    fn a_bye_greeting_becomes_bye_and_its_absence_connection_closed() {
        let bye = crate::types::StatusResponse {
            kind: crate::types::StatusKind::Bye,
            code: None,
            text: bytes::Bytes::from_static(b"too many connections"),
        };
        let events = vec![crate::TypedEvent::Exists(1), crate::TypedEvent::Bye(bye)];
        assert!(matches!(
            Error::from_bye_greeting(events),
            Error::Bye { code: None, text } if text == "too many connections"
        ));
        assert!(matches!(
            Error::from_bye_greeting(vec![crate::TypedEvent::Exists(1)]),
            Error::ConnectionClosed
        ));
    }
}
