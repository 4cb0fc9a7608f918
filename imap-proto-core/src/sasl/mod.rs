//! SASL client mechanisms for IMAP `AUTHENTICATE` (RFC 9051 §6.2.2, RFC 4422).
//!
//! Each mechanism is a small state machine with no I/O and no clock: it turns decoded server
//! challenges into raw client responses. The IMAP layer does the base64 encoding and decoding
//! and the line handling, so the same mechanisms could serve SMTP or POP3 too.
//!
//! Mechanisms provided:
//!
//! | type | name | specification |
//! |---|---|---|
//! | [`Plain`] | `PLAIN` | RFC 4616 |
//! | [`XOAuth2`] | `XOAUTH2` | Google's XOAUTH2 (vendor mechanism) |
//! | [`OAuthBearer`] | `OAUTHBEARER` | RFC 7628 |
//! | [`ScramSha256`] | `SCRAM-SHA-256` | RFC 5802, RFC 7677 |
//!
//! `LOGIN` is not here: in IMAP it is a command (RFC 9051 §6.2.3), not a SASL mechanism.
//!
//! # Contract for the caller (the `AUTHENTICATE` operation)
//!
//! All four mechanisms are client-first. The caller drives one exchange like this:
//!
//! 1. Build the mechanism. Constructors validate their inputs and fail with
//!    [`SaslError::InvalidInput`] before anything is sent.
//! 2. Start the command.
//!    - If the server advertises `SASL-IR` (RFC 4959), call
//!      [`Mechanism::initial_response`]. If it returns `Some(bytes)`, send
//!      `tag AUTHENTICATE <name> <base64(bytes)>`, writing `=` when `bytes` is empty
//!      (RFC 4959 §3). If it returns `None`, send `tag AUTHENTICATE <name>`.
//!    - Without `SASL-IR`, send `tag AUTHENTICATE <name>` and do **not** call
//!      `initial_response`. The server answers with an empty `+` continuation; pass it to
//!      [`Mechanism::step`] like any other challenge and the mechanism returns its initial
//!      response.
//! 3. For every continuation request `+ <text>`: base64-decode `<text>` (an empty text
//!    decodes to an empty slice) and call [`Mechanism::step`] with the decoded bytes.
//!    - `Ok(response)`: send `base64(response)` as one line. An empty response is an empty
//!      line (this is how the OAuth error challenges and the SCRAM `v=` message are answered).
//!    - `Err(error)`: cancel the exchange by sending the line `*` (RFC 9051 §6.2.2), wait for
//!      the tagged response (normally `BAD` or `NO`), and report `error`.
//!    - If `<text>` is not valid base64, cancel with `*` as well.
//! 4. On the tagged `OK`, call [`Mechanism::finish`] with `None`: IMAP has no "additional data
//!    with success"; a server sends such data (the SCRAM `v=` message) as one more `+`
//!    continuation, which step 3 handles. `success_data` is there for protocols that do carry
//!    it. If `finish` fails, treat the authentication as failed even though the server said
//!    `OK`: for SCRAM it means the server never proved it knows the password, so it may be an
//!    impostor. Report the error and close the connection.
//! 5. On a tagged `NO` or `BAD`, do not call `finish`. Report the status text together with
//!    [`Mechanism::server_error`], which holds the decoded error detail the OAuth mechanisms
//!    received in their error challenge.
//!
//! A mechanism is used for one exchange only. After an error it stays failed.
//!
//! # Secrets
//!
//! User names, passwords and tokens are held in [`Secret`], whose `Debug` prints `***`, and
//! every mechanism's `Debug` output hides them. The responses returned by `initial_response`
//! and `step` do contain credentials (PLAIN and the OAuth mechanisms send them in clear), so
//! a protocol trace must mask the lines of an `AUTHENTICATE` exchange: the core's protocol
//! log ([`crate::Connection::set_trace`]) masks the initial response and every client line until the
//! command's tagged response.
//!
//! # SASLprep
//!
//! SCRAM prepares the user name and password with SASLprep (RFC 4013) through the
//! `stringprep` crate. If preparation fails (for example on a code point that Unicode had not
//! assigned when the tables were made, which RFC 5802 §5.1 allows in user names), the string
//! is used unprepared, as PostgreSQL's client does: the servers we test against (Dovecot,
//! Cyrus) do not prepare stored passwords either, so the raw string is the one most likely to
//! match. PLAIN and the OAuth mechanisms send strings as given; RFC 4616 leaves preparation to
//! the server.

use std::fmt;

mod oauthbearer;
mod plain;
mod scram;
mod xoauth2;

pub use oauthbearer::OAuthBearer;
pub use plain::Plain;
pub use scram::{DEFAULT_MAX_ITERATIONS, DEFAULT_MIN_ITERATIONS, ScramSha256};
pub use xoauth2::XOAuth2;

/// One SASL client mechanism driving one authentication exchange; see the
/// [module documentation](self) for the order in which the IMAP layer calls these methods.
///
/// Object safe, so the `AUTHENTICATE` operation can hold a `Box<dyn Mechanism>` and users can
/// plug in mechanisms this crate does not provide.
pub trait Mechanism: fmt::Debug + Send {
    /// The registered mechanism name the server advertises as `AUTH=<name>`.
    fn name(&self) -> &'static str;

    /// The raw (not base64-encoded) initial client response, for `SASL-IR` (RFC 4959).
    ///
    /// Call it at most once, before any [`step`](Mechanism::step). `None` means the
    /// mechanism is server-first and must wait for a challenge; the mechanisms of this module
    /// are client-first and return `None` only when the exchange has already started.
    fn initial_response(&mut self) -> Option<Vec<u8>>;

    /// Answers one server challenge, already base64-decoded, with a raw client response.
    ///
    /// The first empty challenge of an exchange started without an initial response is
    /// answered with the initial response.
    fn step(&mut self, server_challenge: &[u8]) -> Result<Vec<u8>, SaslError>;

    /// Checks the exchange when the server reports success. `success_data` is the
    /// "additional data with success" of RFC 4422 §3.6 for protocols that carry it; IMAP
    /// callers pass `None`.
    fn finish(&mut self, success_data: Option<&[u8]>) -> Result<(), SaslError>;

    /// The error detail the server sent in a challenge (the decoded JSON of the OAuth
    /// mechanisms), so the caller can report why authentication failed.
    fn server_error(&self) -> Option<&str> {
        None
    }
}

/// Why a SASL exchange failed on the client side.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SaslError {
    /// A credential cannot be encoded by the mechanism (e.g. a NUL byte in a PLAIN password);
    /// the string says which input and why.
    #[error("invalid SASL input: {0}")]
    InvalidInput(&'static str),
    /// The server sent a challenge (or success data) that the mechanism does not expect at
    /// this point of the exchange.
    #[error("the server sent a SASL challenge the mechanism did not expect")]
    UnexpectedChallenge,
    /// The SCRAM server nonce does not extend the client nonce (RFC 5802 §5.1, `r`).
    #[error("the SCRAM server nonce does not start with the client nonce")]
    ServerNonceMismatch,
    /// The SCRAM server signature is wrong: the server does not know the password.
    #[error("the SCRAM server signature does not match: the server is not authenticated")]
    BadServerSignature,
    /// The server ended the exchange before the mechanism had finished (e.g. it said `OK`
    /// without ever sending the SCRAM server signature).
    #[error("the server ended the SASL exchange before the mechanism completed")]
    Incomplete,
    /// The server reported an error inside the exchange (SCRAM `e=`, or an OAuth error
    /// challenge followed by a success).
    #[error("the server reported a SASL error: {0}")]
    ServerError(String),
    /// The SCRAM iteration count is outside the accepted range: too low is weak, too high
    /// would let a server burn the client's CPU.
    #[error("SCRAM iteration count {count} is outside the accepted range {min}..={max}")]
    IterationCountOutOfRange {
        /// The count the server sent.
        count: u64,
        /// The lowest count accepted.
        min: u32,
        /// The highest count accepted.
        max: u32,
    },
    /// A server message does not follow the mechanism's grammar; the string says which part.
    #[error("malformed SASL server message: {0}")]
    Malformed(&'static str),
    /// The operating system could not provide random bytes for the SCRAM client nonce.
    #[error("no random source for the SCRAM client nonce: {0}")]
    RandomUnavailable(String),
}

/// A credential (user name, password, token) that must never show up in logs: its `Debug`
/// prints `***` and it has no `Display`.
///
/// It does not wipe its memory on drop; it only keeps the value out of formatted output.
#[derive(Clone, Default)]
pub struct Secret(String);

impl Secret {
    /// Wraps a credential.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The credential itself, for building a response. Named so that reading it stands out
    /// in review.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("\"***\"")
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Secret(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Secret(value.to_owned())
    }
}

/// Appends `name` as an RFC 5802 §7 `saslname`: `,` becomes `=2C` and `=` becomes `=3D`.
/// Used by SCRAM and by the GS2 header of OAUTHBEARER (RFC 7628 §3.1, RFC 5801 §4).
fn push_saslname(out: &mut String, name: &str) {
    for c in name.chars() {
        match c {
            ',' => out.push_str("=2C"),
            '=' => out.push_str("=3D"),
            _ => out.push(c),
        }
    }
}

/// Whether a bearer token can travel in an OAuth `auth=Bearer <token>` value: printable
/// ASCII only, so it cannot contain the `^A` separator or a line break.
fn is_valid_bearer_token(token: &str) -> bool {
    !token.is_empty() && token.bytes().all(|b| b.is_ascii_graphic())
}

/// The user and token of an OAuth mechanism (XOAUTH2, OAUTHBEARER), checked: a non-empty user
/// name without control characters (the `^A` separator would corrupt the message) and a token
/// that passes [`is_valid_bearer_token`]. The two messages name the mechanism in the error.
fn oauth_credentials(
    user: Secret,
    token: Secret,
    bad_user: &'static str,
    bad_token: &'static str,
) -> Result<(Secret, Secret), SaslError> {
    if user.expose().is_empty() || user.expose().chars().any(char::is_control) {
        return Err(SaslError::InvalidInput(bad_user));
    }
    if !is_valid_bearer_token(token.expose()) {
        return Err(SaslError::InvalidInput(bad_token));
    }
    Ok((user, token))
}

/// Where an OAuth mechanism (XOAUTH2, OAUTHBEARER) is in its exchange. Both share the same
/// shape: one client message, then either success or one error challenge that the client
/// answers with a dummy response before the server fails the command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum OAuthStage {
    /// Nothing sent yet.
    Fresh,
    /// The credentials were sent.
    Sent,
    /// The server answered with an error challenge and the client sent the dummy response.
    ErrorAnswered,
    /// A challenge was refused: the exchange stays failed.
    Failed,
}

/// The state shared by the two OAuth mechanisms.
#[derive(Debug, Clone)]
struct OAuthExchange {
    stage: OAuthStage,
    server_error: Option<String>,
}

impl OAuthExchange {
    fn new() -> Self {
        OAuthExchange {
            stage: OAuthStage::Fresh,
            server_error: None,
        }
    }

    /// Marks the initial response as sent and returns it; `None` once the exchange has
    /// started.
    fn send_initial(&mut self, initial: Vec<u8>) -> Option<Vec<u8>> {
        if self.stage != OAuthStage::Fresh {
            return None;
        }
        self.stage = OAuthStage::Sent;
        Some(initial)
    }

    /// Handles a challenge. `initial` builds the initial response when the exchange started
    /// without SASL-IR; `dummy` is the mechanism's answer to an error challenge.
    fn step(
        &mut self,
        challenge: &[u8],
        initial: impl FnOnce() -> Vec<u8>,
        dummy: &[u8],
    ) -> Result<Vec<u8>, SaslError> {
        match self.stage {
            OAuthStage::Fresh if challenge.is_empty() => {
                self.stage = OAuthStage::Sent;
                Ok(initial())
            }
            OAuthStage::Fresh | OAuthStage::ErrorAnswered | OAuthStage::Failed => {
                self.stage = OAuthStage::Failed;
                Err(SaslError::UnexpectedChallenge)
            }
            OAuthStage::Sent => {
                // After the credentials the only challenge these mechanisms define is the
                // error report (a JSON object); keep it for the caller.
                self.server_error = Some(String::from_utf8_lossy(challenge).into_owned());
                self.stage = OAuthStage::ErrorAnswered;
                Ok(dummy.to_vec())
            }
        }
    }

    fn finish(&mut self, success_data: Option<&[u8]>) -> Result<(), SaslError> {
        if success_data.is_some_and(|data| !data.is_empty()) {
            return Err(SaslError::UnexpectedChallenge);
        }
        match self.stage {
            OAuthStage::Fresh => Err(SaslError::Incomplete),
            OAuthStage::Failed => Err(SaslError::UnexpectedChallenge),
            OAuthStage::Sent => Ok(()),
            // The dummy response carries no credentials, so success after an error report
            // is inconsistent: do not let the caller believe the token was accepted.
            OAuthStage::ErrorAnswered => Err(SaslError::ServerError(
                self.server_error.clone().unwrap_or_default(),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_debug_is_masked() {
        let secret = Secret::new("hunter2");
        assert_eq!(format!("{secret:?}"), "\"***\"");
        assert_eq!(secret.expose(), "hunter2");
    }

    #[test]
    fn saslname_escapes_comma_and_equals() {
        let mut out = String::new();
        push_saslname(&mut out, "a,b=c,,==");
        assert_eq!(out, "a=2Cb=3Dc=2C=2C=3D=3D");
    }

    #[test]
    fn bearer_token_rejects_separators() {
        assert!(is_valid_bearer_token("ya29.a0AfH6SM-x_y~z+/=="));
        assert!(!is_valid_bearer_token(""));
        assert!(!is_valid_bearer_token("tok\x01en"));
        assert!(!is_valid_bearer_token("tok en"));
        assert!(!is_valid_bearer_token("token\r\n"));
    }

    /// Every mechanism, in every state a test can reach, must keep its credentials out of
    /// `Debug` output.
    #[test]
    fn debug_output_never_shows_credentials() {
        const USER: &str = "alice-SECRET-USER";
        const PASS: &str = "pw-SECRET-PASS";
        const TOKEN: &str = "tok-SECRET-TOKEN";
        const AUTHZ: &str = "boss-SECRET-AUTHZ";
        let secrets = [USER, PASS, TOKEN, AUTHZ];
        let check = |what: &str, debug: String| {
            for secret in secrets {
                assert!(
                    !debug.contains(secret),
                    "{what} Debug leaks {secret}: {debug}"
                );
            }
        };

        let mut plain = Plain::new(USER, PASS).unwrap().with_authzid(AUTHZ).unwrap();
        check("PLAIN fresh", format!("{plain:?}"));
        plain.initial_response();
        check("PLAIN sent", format!("{plain:?}"));
        check("PLAIN alternate", format!("{plain:#?}"));

        let mut xoauth2 = XOAuth2::new(USER, TOKEN).unwrap();
        check("XOAUTH2 fresh", format!("{xoauth2:?}"));
        xoauth2.initial_response();
        xoauth2.step(b"{\"status\":\"401\"}").unwrap();
        check("XOAUTH2 failed", format!("{xoauth2:?}"));

        let mut bearer = OAuthBearer::new(USER, TOKEN)
            .unwrap()
            .with_host("imap.example.com")
            .unwrap()
            .with_port(993)
            .unwrap();
        check("OAUTHBEARER fresh", format!("{bearer:?}"));
        bearer.initial_response();
        check("OAUTHBEARER sent", format!("{bearer:#?}"));

        let mut scram = ScramSha256::with_nonce(USER, PASS, "fyko+d2lbbFgONRv9qkxdawL")
            .unwrap()
            .with_authzid(AUTHZ)
            .unwrap();
        check("SCRAM fresh", format!("{scram:?}"));
        scram.initial_response();
        check("SCRAM sent", format!("{scram:?}"));
        scram
            .step(b"r=fyko+d2lbbFgONRv9qkxdawLserver,s=QSXCR+Q6sek8bf92,i=4096")
            .unwrap();
        check("SCRAM proof sent", format!("{scram:#?}"));

        let boxed: Box<dyn Mechanism> = Box::new(Plain::new(USER, PASS).unwrap());
        check("boxed PLAIN", format!("{boxed:?}"));
    }
}
