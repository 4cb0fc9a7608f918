//! The OAUTHBEARER mechanism (RFC 7628): an OAuth 2.0 bearer token, the standard successor of
//! XOAUTH2.
//!
//! Client message (RFC 7628 §3.1), `^A` being the byte 0x01:
//!
//! ```text
//! "n,a=" saslname "," ^A ["host=" host ^A] ["port=" port ^A] "auth=Bearer " token ^A ^A
//! ```
//!
//! On a rejected token the server sends one challenge holding a JSON error object
//! (RFC 7628 §3.2.2). RFC 7628 §3.2.3 says the client MUST then send a response made of the
//! single byte 0x01 (base64 `AQ==`, as in the §4.3 example) or cancel the exchange; the
//! server then fails the command.
//!
//! Dovecot: the project's server notes say Dovecot wants "an empty line" there, but the only
//! recorded error transcript is for XOAUTH2, where the empty line is right. Dovecot 2.3 fails
//! the command on whatever the client sends after the error challenge: against Dovecot
//! 2.3.19.1, both `AQ==` and an empty line were answered with
//! `NO [AUTHENTICATIONFAILED] Authentication failed.` (its OAUTHBEARER error object is
//! `{"status":"invalid_token"}`). So this type follows the RFC.

use super::{Mechanism, OAuthExchange, SaslError, Secret, oauth_credentials, push_saslname};

/// The dummy response to an error challenge (RFC 7628 §3.2.3): a single `kvsep`.
const ERROR_ACKNOWLEDGEMENT: &[u8] = b"\x01";

/// OAUTHBEARER (RFC 7628).
#[derive(Debug, Clone)]
pub struct OAuthBearer {
    user: Secret,
    token: Secret,
    host: Option<String>,
    port: Option<u16>,
    exchange: OAuthExchange,
}

impl OAuthBearer {
    /// Authenticates `user` (sent as the GS2 `authzid`, which most servers require) with an
    /// OAuth 2.0 bearer token.
    ///
    /// Fails with [`SaslError::InvalidInput`] if the user name is empty or contains a control
    /// character, or if the token is empty or not printable ASCII.
    pub fn new(user: impl Into<Secret>, token: impl Into<Secret>) -> Result<Self, SaslError> {
        let (user, token) = oauth_credentials(
            user.into(),
            token.into(),
            "OAUTHBEARER user name must be non-empty and contain no control character",
            "OAUTHBEARER token must be non-empty printable ASCII",
        )?;
        Ok(OAuthBearer {
            user,
            token,
            host: None,
            port: None,
            exchange: OAuthExchange::new(),
        })
    }

    /// Adds the `host` key: the host name the client connected to (RFC 7628 §3.1). Optional
    /// for bearer tokens. Fails if it is empty or not printable ASCII.
    pub fn with_host(mut self, host: &str) -> Result<Self, SaslError> {
        if host.is_empty() || !host.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(SaslError::InvalidInput(
                "OAUTHBEARER host must be non-empty printable ASCII",
            ));
        }
        self.host = Some(host.to_owned());
        Ok(self)
    }

    /// Adds the `port` key: the port the client connected to (RFC 7628 §3.1), a positive
    /// number. Fails on port 0.
    pub fn with_port(mut self, port: u16) -> Result<Self, SaslError> {
        if port == 0 {
            return Err(SaslError::InvalidInput("OAUTHBEARER port must be positive"));
        }
        self.port = Some(port);
        Ok(self)
    }

    /// The RFC 7628 §3.1 `client-resp`.
    fn message(&self) -> Vec<u8> {
        let mut out = String::with_capacity(64 + self.token.expose().len());
        out.push_str("n,a=");
        push_saslname(&mut out, self.user.expose());
        out.push_str(",\x01");
        if let Some(host) = &self.host {
            out.push_str("host=");
            out.push_str(host);
            out.push('\x01');
        }
        if let Some(port) = self.port {
            out.push_str("port=");
            out.push_str(&port.to_string());
            out.push('\x01');
        }
        out.push_str("auth=Bearer ");
        out.push_str(self.token.expose());
        out.push_str("\x01\x01");
        out.into_bytes()
    }
}

impl Mechanism for OAuthBearer {
    fn name(&self) -> &'static str {
        "OAUTHBEARER"
    }

    fn initial_response(&mut self) -> Option<Vec<u8>> {
        let message = self.message();
        self.exchange.send_initial(message)
    }

    /// Any challenge after the credentials is the server's JSON error report
    /// (RFC 7628 §3.2.2): it is kept for [`server_error`](Mechanism::server_error) and
    /// answered with the single 0x01 byte of RFC 7628 §3.2.3.
    fn step(&mut self, server_challenge: &[u8]) -> Result<Vec<u8>, SaslError> {
        let message = self.message();
        self.exchange
            .step(server_challenge, || message, ERROR_ACKNOWLEDGEMENT)
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

    #[test]
    fn rfc7628_section_4_1_known_answer() {
        let mut mech = OAuthBearer::new(
            "user@example.com",
            "vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==",
        )
        .unwrap()
        .with_host("server.example.com")
        .unwrap()
        .with_port(143)
        .unwrap();
        assert_eq!(mech.name(), "OAUTHBEARER");
        let raw = mech.initial_response().unwrap();
        assert_eq!(
            raw,
            b"n,a=user@example.com,\x01host=server.example.com\x01port=143\x01\
              auth=Bearer vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==\x01\x01"
                .to_vec()
        );
        // The IMAP line of RFC 7628 §4.1, with its line breaks removed.
        assert_eq!(
            STANDARD.encode(&raw),
            "bixhPXVzZXJAZXhhbXBsZS5jb20sAWhvc3Q9c2VydmVyLmV4YW1wbGUuY29tAXBvcnQ9MTQzAWF1dGg9\
             QmVhcmVyIHZGOWRmdDRxbVRjMk52YjNSbGNrQmhiSFJoZG1semRHRXVZMjl0Q2c9PQEB"
        );
        assert_eq!(mech.finish(None), Ok(()));
    }

    #[test]
    fn host_and_port_are_optional() {
        let mut mech = OAuthBearer::new("alice", "tok").unwrap();
        assert_eq!(
            mech.initial_response().unwrap(),
            b"n,a=alice,\x01auth=Bearer tok\x01\x01".to_vec()
        );
    }

    #[test]
    fn user_is_escaped_as_a_saslname() {
        let mut mech = OAuthBearer::new("a,b=c", "tok").unwrap();
        assert_eq!(
            mech.initial_response().unwrap(),
            b"n,a=a=2Cb=3Dc,\x01auth=Bearer tok\x01\x01".to_vec()
        );
    }

    #[test]
    fn rfc7628_section_4_3_error_flow() {
        let mut mech = OAuthBearer::new("user@example.com", "tok").unwrap();
        mech.initial_response();
        let challenge = STANDARD
            .decode(
                "eyJzdGF0dXMiOiJpbnZhbGlkX3Rva2VuIiwic2NvcGUiOiJleGFtcGxl\
                 X3Njb3BlIiwib3BlbmlkLWNvbmZpZ3VyYXRpb24iOiJodHRwczovL2V4\
                 YW1wbGUuY29tLy53ZWxsLWtub3duL29wZW5pZC1jb25maWd1cmF0aW9u\
                 In0=",
            )
            .unwrap();
        let response = mech.step(&challenge).unwrap();
        // "AQ==" is the base64 the RFC shows for the dummy response.
        assert_eq!(STANDARD.encode(&response), "AQ==");
        assert_eq!(
            mech.server_error(),
            Some(
                r#"{"status":"invalid_token","scope":"example_scope","openid-configuration":"https://example.com/.well-known/openid-configuration"}"#
            )
        );
        assert_eq!(mech.step(&challenge), Err(SaslError::UnexpectedChallenge));
    }

    #[test]
    fn dovecot_error_challenge_is_recorded() {
        let mut mech = OAuthBearer::new("alice", "not-a-token")
            .unwrap()
            .with_host("127.0.0.1")
            .unwrap()
            .with_port(14300)
            .unwrap();
        // Without SASL-IR: the empty challenge gets the credentials.
        let first = mech.step(b"").unwrap();
        assert!(first.starts_with(b"n,a=alice,\x01host=127.0.0.1\x01port=14300\x01"));
        let challenge = STANDARD
            .decode("eyJzdGF0dXMiOiI0MDEiLCJzY2hlbWVzIjoiYmVhcmVyIiwic2NvcGUiOiJtYWlsIn0=")
            .unwrap();
        assert_eq!(mech.step(&challenge), Ok(b"\x01".to_vec()));
        assert_eq!(
            mech.server_error(),
            Some(r#"{"status":"401","schemes":"bearer","scope":"mail"}"#)
        );
        assert!(matches!(mech.finish(None), Err(SaslError::ServerError(_))));
    }

    #[test]
    fn matches_dovecot_success_transcript() {
        // The whole initial response Dovecot accepted in the probe; rebuild it from its parts.
        let transcript = "bixhPWFsaWNlLAFob3N0PTEyNy4wLjAuMQFwb3J0PTE0MzAwAWF1dGg9QmVhcmVyIGV5\
            SmhiR2NpT2lBaVNGTXlOVFlpTENBaWRIbHdJam9nSWtwWFZDSjkuZXlKemRXSWlPaUFpWVd4cFkyVWlMQ0Fp\
            YVdGMElqb2dNVGM1TlRZNE9Ea3dOaXdnSW01aVppSTZJREUzT1RVMk9EZzVNRFlzSUNKbGVIQWlPaUF5TVRF\
            eE1EUTRPVEEyTENBaWFYTnpJam9nSW1SdmRtVmpiM1F0ZEdWemRDSjkuMzJiQzRKODRLVWJMdjJPM2lsSFJ2\
            MV9lWWlKbVdpSlZBZmtIeVpudm42NAEB";
        let decoded = STANDARD.decode(transcript).unwrap();
        let prefix = b"n,a=alice,\x01host=127.0.0.1\x01port=14300\x01auth=Bearer ";
        let token = &decoded[prefix.len()..decoded.len() - 2];
        let token = std::str::from_utf8(token).unwrap();
        let mut mech = OAuthBearer::new("alice", token)
            .unwrap()
            .with_host("127.0.0.1")
            .unwrap()
            .with_port(14300)
            .unwrap();
        assert_eq!(
            STANDARD.encode(mech.initial_response().unwrap()),
            transcript
        );
    }

    #[test]
    fn refuses_bad_inputs() {
        assert!(matches!(
            OAuthBearer::new("", "tok"),
            Err(SaslError::InvalidInput(_))
        ));
        assert!(matches!(
            OAuthBearer::new("al\x01ice", "tok"),
            Err(SaslError::InvalidInput(_))
        ));
        assert!(matches!(
            OAuthBearer::new("alice", "to\x01k"),
            Err(SaslError::InvalidInput(_))
        ));
        let mech = || OAuthBearer::new("alice", "tok").unwrap();
        assert!(matches!(
            mech().with_host("ho st"),
            Err(SaslError::InvalidInput(_))
        ));
        assert!(matches!(
            mech().with_host(""),
            Err(SaslError::InvalidInput(_))
        ));
        assert!(matches!(
            mech().with_port(0),
            Err(SaslError::InvalidInput(_))
        ));
    }
}
