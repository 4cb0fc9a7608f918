//! The PLAIN mechanism (RFC 4616): user name and password in one client message.
//!
//! It sends the password in clear, so it belongs on TLS connections only; that policy is the
//! caller's, this type only encodes.

use super::{Mechanism, SaslError, Secret};

/// PLAIN (RFC 4616 §2): `[authzid] NUL authcid NUL passwd`.
#[derive(Debug, Clone)]
pub struct Plain {
    authzid: Option<Secret>,
    authcid: Secret,
    password: Secret,
    sent: bool,
    failed: bool,
}

impl Plain {
    /// Authenticates `authcid` with `password`, acting as the same identity.
    ///
    /// Fails with [`SaslError::InvalidInput`] if either is empty or contains NUL, which
    /// RFC 4616 §2 forbids (`1*SAFE`, where SAFE is any UTF-8 character except NUL).
    pub fn new(authcid: impl Into<Secret>, password: impl Into<Secret>) -> Result<Self, SaslError> {
        let authcid = authcid.into();
        let password = password.into();
        check_safe(
            &authcid,
            "PLAIN user name must be non-empty and contain no NUL",
        )?;
        check_safe(
            &password,
            "PLAIN password must be non-empty and contain no NUL",
        )?;
        Ok(Plain {
            authzid: None,
            authcid,
            password,
            sent: false,
            failed: false,
        })
    }

    /// Asks to act as `authzid` after authenticating (e.g. an administrator acting for a
    /// user, or Dovecot's master-user login). Fails if it is empty or contains NUL.
    pub fn with_authzid(mut self, authzid: impl Into<Secret>) -> Result<Self, SaslError> {
        let authzid = authzid.into();
        check_safe(
            &authzid,
            "PLAIN authorization identity must be non-empty and contain no NUL",
        )?;
        self.authzid = Some(authzid);
        Ok(self)
    }

    /// The RFC 4616 §2 `message`.
    fn message(&self) -> Vec<u8> {
        let authzid = self.authzid.as_ref().map_or("", Secret::expose);
        let authcid = self.authcid.expose();
        let password = self.password.expose();
        let mut out = Vec::with_capacity(authzid.len() + authcid.len() + password.len() + 2);
        out.extend_from_slice(authzid.as_bytes());
        out.push(0);
        out.extend_from_slice(authcid.as_bytes());
        out.push(0);
        out.extend_from_slice(password.as_bytes());
        out
    }
}

/// RFC 4616 §2: `1*SAFE`, SAFE being any UTF-8 character except NUL.
fn check_safe(value: &Secret, problem: &'static str) -> Result<(), SaslError> {
    let value = value.expose();
    if value.is_empty() || value.contains('\0') {
        return Err(SaslError::InvalidInput(problem));
    }
    Ok(())
}

impl Mechanism for Plain {
    fn name(&self) -> &'static str {
        "PLAIN"
    }

    fn initial_response(&mut self) -> Option<Vec<u8>> {
        if self.sent {
            return None;
        }
        self.sent = true;
        Some(self.message())
    }

    fn step(&mut self, server_challenge: &[u8]) -> Result<Vec<u8>, SaslError> {
        // The only challenge PLAIN allows is the empty one that asks for the initial
        // response when SASL-IR was not used.
        if self.failed || self.sent || !server_challenge.is_empty() {
            // A mechanism that failed stays failed (see the module contract).
            self.failed = true;
            return Err(SaslError::UnexpectedChallenge);
        }
        self.sent = true;
        Ok(self.message())
    }

    fn finish(&mut self, success_data: Option<&[u8]>) -> Result<(), SaslError> {
        if success_data.is_some_and(|data| !data.is_empty()) {
            return Err(SaslError::UnexpectedChallenge);
        }
        if self.sent {
            Ok(())
        } else {
            Err(SaslError::Incomplete)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stays_failed_after_an_unexpected_challenge() {
        // Found by the `sasl` fuzz target: a rejected challenge followed by the empty one
        // used to produce the credentials after all.
        let mut plain = Plain::new("u", "p").unwrap();
        assert!(plain.step(b"@").is_err());
        assert!(plain.step(b"").is_err());
    }

    #[test]
    fn known_answer_matches_dovecot_transcript() {
        // Dovecot probe: `AUTHENTICATE PLAIN` answered with `AGFsaWNlAGFsaWNlLXBhc3M=`.
        let mut plain = Plain::new("alice", "alice-pass").unwrap();
        assert_eq!(plain.name(), "PLAIN");
        assert_eq!(
            plain.initial_response().unwrap(),
            b"\0alice\0alice-pass".to_vec()
        );
        assert_eq!(plain.initial_response(), None);
        assert_eq!(plain.finish(None), Ok(()));
    }

    #[test]
    fn rfc4616_example_with_authzid() {
        // RFC 4616 §4: authzid "Ursel", authcid "Kurt", password "xipj3plmq".
        let mut plain = Plain::new("Kurt", "xipj3plmq")
            .unwrap()
            .with_authzid("Ursel")
            .unwrap();
        assert_eq!(
            plain.initial_response().unwrap(),
            b"Ursel\0Kurt\0xipj3plmq".to_vec()
        );
    }

    #[test]
    fn non_ascii_password_is_sent_as_utf8() {
        let mut plain = Plain::new("dave", "pässwörd").unwrap();
        assert_eq!(
            plain.initial_response().unwrap(),
            "\0dave\0pässwörd".as_bytes().to_vec()
        );
    }

    #[test]
    fn refuses_nul_and_empty_inputs() {
        assert!(matches!(
            Plain::new("al\0ice", "pw"),
            Err(SaslError::InvalidInput(_))
        ));
        assert!(matches!(
            Plain::new("alice", "p\0w"),
            Err(SaslError::InvalidInput(_))
        ));
        assert!(matches!(
            Plain::new("", "pw"),
            Err(SaslError::InvalidInput(_))
        ));
        assert!(matches!(
            Plain::new("alice", ""),
            Err(SaslError::InvalidInput(_))
        ));
        assert!(matches!(
            Plain::new("alice", "pw").unwrap().with_authzid("bo\0b"),
            Err(SaslError::InvalidInput(_))
        ));
    }

    #[test]
    fn without_sasl_ir_the_empty_challenge_gets_the_message() {
        let mut plain = Plain::new("alice", "alice-pass").unwrap();
        assert_eq!(plain.step(b""), Ok(b"\0alice\0alice-pass".to_vec()));
        // A second challenge is a protocol error.
        assert_eq!(plain.step(b""), Err(SaslError::UnexpectedChallenge));
        assert_eq!(plain.finish(None), Ok(()));
    }

    #[test]
    fn non_empty_first_challenge_is_unexpected() {
        let mut plain = Plain::new("alice", "alice-pass").unwrap();
        assert_eq!(plain.step(b"hello"), Err(SaslError::UnexpectedChallenge));
    }

    #[test]
    fn finish_before_sending_is_incomplete() {
        let mut plain = Plain::new("alice", "alice-pass").unwrap();
        assert_eq!(plain.finish(None), Err(SaslError::Incomplete));
    }

    #[test]
    fn success_data_is_unexpected() {
        let mut plain = Plain::new("alice", "alice-pass").unwrap();
        plain.initial_response();
        assert_eq!(
            plain.finish(Some(b"extra")),
            Err(SaslError::UnexpectedChallenge)
        );
        assert_eq!(plain.finish(Some(b"")), Ok(()));
    }
}
