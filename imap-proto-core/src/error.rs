//! The one error type every operation returns, in the core and in every adapter.

use crate::parse::ParseError;
use crate::parse::frame::FrameError;
use crate::types::ResponseCode;

/// Everything that can go wrong with an IMAP operation.
///
/// Errors come in three groups: the caller's request was refused before anything was sent
/// ([`Error::Protocol`], [`Error::MissingCapability`], [`Error::Encode`],
/// [`Error::AppendLimitExceeded`], [`Error::TooManyInFlight`], invalid SASL credentials);
/// the server answered with a failure ([`Error::No`], [`Error::Bad`], [`Error::Bye`]); or
/// the connection itself failed (everything else, including a SASL exchange the client
/// gave up on). [`Error::is_fatal`] tells them apart: after a fatal error the connection is
/// unusable and every later call returns [`Error::ConnectionFailed`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The command is not valid now: wrong session state (RFC 9051 §3), or the server sent
    /// something the protocol does not allow at this point.
    #[error("protocol error: {0}")]
    Protocol(String),
    /// The server does not advertise a capability the command needs.
    #[error("the server does not advertise {0}")]
    MissingCapability(String),
    /// A caller argument cannot be sent safely (it would inject protocol, or is malformed).
    #[error(transparent)]
    Encode(#[from] crate::encode::EncodeError),
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
    /// A SASL exchange failed on the client side (bad server proof, malformed challenge).
    #[error(transparent)]
    Sasl(#[from] crate::sasl::SaslError),
    /// The server's bytes could not be framed (a limit was exceeded or a literal is invalid).
    #[error(transparent)]
    Frame(#[from] FrameError),
    /// A server response did not parse.
    #[error(transparent)]
    Parse(#[from] ParseError),
    /// TLS failed (handshake, certificate, or record layer).
    #[error("TLS error: {0}")]
    Tls(String),
    /// The COMPRESS=DEFLATE stream is corrupt.
    #[error("compression error: {0}")]
    Compression(String),
    /// A socket operation failed (adapters only).
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// The call's timeout elapsed. See the adapter's documentation for the state it leaves.
    #[error("timed out")]
    Timeout,
    /// The server closed the connection.
    #[error("connection closed by the server")]
    ConnectionClosed,
    /// The connection failed earlier and can no longer be used; the text says why.
    #[error("connection unusable after an earlier failure: {0}")]
    ConnectionFailed(String),
    /// The adapter's driver task has exited (async adapters).
    #[error("the connection's driver task has exited")]
    DriverGone,
    /// Too many commands are in flight ([`crate::Config::max_in_flight`]).
    #[error("too many commands in flight (limit {0})")]
    TooManyInFlight(usize),
}

impl Error {
    /// True if the connection can no longer be used after this error. An op whose
    /// connection failed never gets a non-fatal error: a protocol violation that ends the
    /// connection is reported as [`Error::ConnectionFailed`]. A SASL failure is fatal (the
    /// connection fails with it) except for credentials refused before anything was sent
    /// ([`crate::sasl::SaslError::InvalidInput`]).
    pub fn is_fatal(&self) -> bool {
        !matches!(
            self,
            Error::Protocol(_)
                | Error::MissingCapability(_)
                | Error::Encode(_)
                | Error::AppendLimitExceeded { .. }
                | Error::No { .. }
                | Error::Bad { .. }
                | Error::TooManyInFlight(_)
                | Error::Sasl(crate::sasl::SaslError::InvalidInput(_))
        )
    }

    /// A copy of this error for a second receiver (an adapter's streaming channel gets the
    /// failure as well as the call). Errors are not `Clone`; variants without cloneable
    /// data are described in [`Error::ConnectionFailed`].
    pub fn duplicate(&self) -> Error {
        match self {
            Error::Protocol(s) => Error::Protocol(s.clone()),
            Error::MissingCapability(s) => Error::MissingCapability(s.clone()),
            Error::No { code, text } => Error::No {
                code: code.clone(),
                text: text.clone(),
            },
            Error::Bad { code, text } => Error::Bad {
                code: code.clone(),
                text: text.clone(),
            },
            Error::Bye { code, text } => Error::Bye {
                code: code.clone(),
                text: text.clone(),
            },
            Error::Timeout => Error::Timeout,
            Error::ConnectionClosed => Error::ConnectionClosed,
            Error::DriverGone => Error::DriverGone,
            Error::TooManyInFlight(n) => Error::TooManyInFlight(*n),
            other => Error::ConnectionFailed(other.to_string()),
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

    /// The same failure in a form that can be reported again (for [`Error::ConnectionFailed`]).
    pub(crate) fn describe(&self) -> String {
        self.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::Error;

    #[test]
    fn duplicate_keeps_cloneable_variants_and_describes_the_rest() {
        let no = Error::No {
            code: None,
            text: "mailbox full".into(),
        };
        assert!(matches!(no.duplicate(), Error::No { code: None, text } if text == "mailbox full"));
        assert!(matches!(
            Error::TooManyInFlight(7).duplicate(),
            Error::TooManyInFlight(7)
        ));
        let io = Error::Io(std::io::Error::other("reset"));
        assert!(matches!(io.duplicate(), Error::ConnectionFailed(s) if s == io.to_string()));
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
