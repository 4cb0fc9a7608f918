//! Google's XOAUTH2 mechanism: an OAuth 2.0 bearer token instead of a password.
//!
//! Not an IETF standard (OAUTHBEARER, RFC 7628, is), but Gmail, Microsoft 365 and Dovecot
//! support it, and some servers offer nothing else. Client message:
//!
//! ```text
//! "user=" user ^A "auth=Bearer " token ^A ^A
//! ```
//!
//! On a rejected token the server sends one challenge holding a JSON error object (for
//! example `{"status":"401","schemes":"bearer","scope":"mail"}`); the client answers it with
//! an empty response and the server then fails the command with `NO`.

use super::{Mechanism, OAuthExchange, SaslError, Secret, oauth_credentials};

/// XOAUTH2 (Google's "OAuth 2.0 Mechanism").
#[derive(Debug, Clone)]
pub struct XOAuth2 {
    user: Secret,
    token: Secret,
    exchange: OAuthExchange,
}

impl XOAuth2 {
    /// Authenticates `user` (usually the e-mail address) with an OAuth 2.0 access token.
    ///
    /// Fails with [`SaslError::InvalidInput`] if the user name is empty or contains a control
    /// character (the `^A` separator would corrupt the message), or if the token is empty or
    /// not printable ASCII.
    pub fn new(user: impl Into<Secret>, token: impl Into<Secret>) -> Result<Self, SaslError> {
        let (user, token) = oauth_credentials(
            user.into(),
            token.into(),
            "XOAUTH2 user name must be non-empty and contain no control character",
            "XOAUTH2 token must be non-empty printable ASCII",
        )?;
        Ok(XOAuth2 {
            user,
            token,
            exchange: OAuthExchange::new(),
        })
    }

    /// The client message.
    fn message(&self) -> Vec<u8> {
        let mut out =
            String::with_capacity(self.user.expose().len() + self.token.expose().len() + 22);
        out.push_str("user=");
        out.push_str(self.user.expose());
        out.push_str("\x01auth=Bearer ");
        out.push_str(self.token.expose());
        out.push_str("\x01\x01");
        out.into_bytes()
    }
}

impl Mechanism for XOAuth2 {
    fn name(&self) -> &'static str {
        "XOAUTH2"
    }

    fn initial_response(&mut self) -> Option<Vec<u8>> {
        let message = self.message();
        self.exchange.send_initial(message)
    }

    /// Any challenge after the credentials is the server's JSON error report: it is kept for
    /// [`server_error`](Mechanism::server_error) and answered with the empty response the
    /// server waits for before it sends `NO`.
    fn step(&mut self, server_challenge: &[u8]) -> Result<Vec<u8>, SaslError> {
        let message = self.message();
        self.exchange.step(server_challenge, || message, b"")
    }

    fn finish(&mut self, success_data: Option<&[u8]>) -> Result<(), SaslError> {
        self.exchange.finish(success_data)
    }

    fn server_error(&self) -> Option<&str> {
        self.exchange.server_error.as_deref()
    }
}

#[cfg(test)]
mod tests {
    use base64::Engine as _;
    use base64::engine::general_purpose::STANDARD;

    use super::*;

    /// base64 of `{"status":"401","schemes":"bearer","scope":"mail"}`, as Dovecot sends it.
    const DOVECOT_ERROR: &str =
        "eyJzdGF0dXMiOiI0MDEiLCJzY2hlbWVzIjoiYmVhcmVyIiwic2NvcGUiOiJtYWlsIn0=";

    #[test]
    fn stays_failed_after_an_unexpected_challenge() {
        // Found by the `sasl` fuzz target: a refused first challenge followed by the empty
        // one used to send the token after all.
        let mut mech = XOAuth2::new("u", "t").unwrap();
        assert!(mech.step(b"~").is_err());
        assert!(mech.step(b"").is_err());
        assert!(mech.finish(None).is_err());
    }

    #[test]
    fn known_answer_from_the_google_summary() {
        let mut mech = XOAuth2::new("alice@example.com", "ACCESS_TOKEN").unwrap();
        assert_eq!(mech.name(), "XOAUTH2");
        let raw = mech.initial_response().unwrap();
        assert_eq!(
            raw,
            b"user=alice@example.com\x01auth=Bearer ACCESS_TOKEN\x01\x01".to_vec()
        );
        assert_eq!(
            STANDARD.encode(&raw),
            "dXNlcj1hbGljZUBleGFtcGxlLmNvbQFhdXRoPUJlYXJlciBBQ0NFU1NfVE9LRU4BAQ=="
        );
        assert_eq!(mech.initial_response(), None);
        assert_eq!(mech.finish(None), Ok(()));
        assert_eq!(mech.server_error(), None);
    }

    #[test]
    fn known_answer_matches_dovecot_bad_token_transcript() {
        // Dovecot probe: `dXNlcj1hbGljZQFhdXRoPUJlYXJlciBub3QtYS10b2tlbgEB`.
        let mut mech = XOAuth2::new("alice", "not-a-token").unwrap();
        assert_eq!(
            STANDARD.encode(mech.initial_response().unwrap()),
            "dXNlcj1hbGljZQFhdXRoPUJlYXJlciBub3QtYS10b2tlbgEB"
        );
    }

    #[test]
    fn error_challenge_gets_an_empty_response_and_is_recorded() {
        let mut mech = XOAuth2::new("alice", "not-a-token").unwrap();
        mech.initial_response();
        let challenge = STANDARD.decode(DOVECOT_ERROR).unwrap();
        assert_eq!(mech.step(&challenge), Ok(Vec::new()));
        assert_eq!(
            mech.server_error(),
            Some(r#"{"status":"401","schemes":"bearer","scope":"mail"}"#)
        );
        // The server now sends NO; a second challenge would be a protocol error.
        assert_eq!(mech.step(&challenge), Err(SaslError::UnexpectedChallenge));
    }

    #[test]
    fn success_after_an_error_challenge_is_refused() {
        let mut mech = XOAuth2::new("alice", "not-a-token").unwrap();
        mech.initial_response();
        mech.step(br#"{"status":"401"}"#).unwrap();
        assert_eq!(
            mech.finish(None),
            Err(SaslError::ServerError(r#"{"status":"401"}"#.to_owned()))
        );
    }

    #[test]
    fn without_sasl_ir_the_empty_challenge_gets_the_message() {
        let mut mech = XOAuth2::new("alice", "tok").unwrap();
        assert_eq!(
            mech.step(b""),
            Ok(b"user=alice\x01auth=Bearer tok\x01\x01".to_vec())
        );
        let error = mech.step(b"{}").unwrap();
        assert!(error.is_empty());
        assert_eq!(mech.server_error(), Some("{}"));
    }

    #[test]
    fn non_empty_first_challenge_is_unexpected() {
        let mut mech = XOAuth2::new("alice", "tok").unwrap();
        assert_eq!(mech.step(b"x"), Err(SaslError::UnexpectedChallenge));
        assert_eq!(mech.finish(None), Err(SaslError::UnexpectedChallenge));
    }

    #[test]
    fn refuses_separators_in_inputs() {
        for (user, token) in [
            ("al\x01ice", "tok"),
            ("", "tok"),
            ("alice", ""),
            ("alice", "to\x01k"),
            ("alice", "to k"),
            ("alice", "tok\r\n"),
        ] {
            assert!(
                matches!(XOAuth2::new(user, token), Err(SaslError::InvalidInput(_))),
                "{user:?} {token:?}"
            );
        }
    }

    #[test]
    fn invalid_utf8_error_challenge_is_kept_lossily() {
        let mut mech = XOAuth2::new("alice", "tok").unwrap();
        mech.initial_response();
        assert_eq!(mech.step(b"{\xff}"), Ok(Vec::new()));
        assert_eq!(mech.server_error(), Some("{\u{fffd}}"));
    }
}
