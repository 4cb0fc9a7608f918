//! LOGIN and the SASL mechanisms.

use std::sync::Arc;

use crate::adapter::sasl::{Mechanism, SaslError};
use crate::adapter::{Error, SessionState};

use super::Case;
use super::kit::{Kind, Server, T};
use super::support::{Fail, TestResult, require};
use crate::{case, ensure, ensure_err};

pub fn cases() -> Vec<Case> {
    vec![
        case!(login_and_plain, [Kind::Dovecot, Kind::Cyrus]),
        case!(non_ascii_password, [Kind::Dovecot, Kind::Cyrus]),
        case!(xoauth2, [Kind::Dovecot, Kind::Cyrus]),
        case!(oauthbearer, [Kind::Dovecot, Kind::Cyrus]),
        case!(scram_sha256, [Kind::Dovecot, Kind::Cyrus]),
        case!(user_written_mechanism, [Kind::Dovecot, Kind::Cyrus]),
    ]
}

async fn login_and_plain(s: Arc<Server>) -> TestResult {
    let imap = aw!(s.connect())?;
    aw!(imap.login("alice", &s.password("alice"), T))?;
    ensure!(imap.session_state() == SessionState::Authenticated);
    aw!(imap.logout())?;

    let imap = aw!(s.connect())?;
    ensure_err!(
        aw!(imap.authenticate_plain("alice", "not-the-password", T)),
        Error::No { .. }
    );
    ensure!(imap.session_state() == SessionState::NotAuthenticated);
    aw!(imap.authenticate_plain("alice", &s.password("alice"), T))?;
    ensure!(imap.session_state() == SessionState::Authenticated);
    ensure!(imap.capabilities().iter().any(|c| c.is("UIDPLUS")));
    aw!(imap.logout())?;
    Ok(())
}

async fn non_ascii_password(s: Arc<Server>) -> TestResult {
    // dave's password is "pässwörd" (UTF-8).
    let imap = aw!(s.connect())?;
    aw!(imap.authenticate_plain("dave", &s.password("dave"), T))?;
    aw!(imap.noop(T))?;
    aw!(imap.logout())?;
    Ok(())
}

async fn xoauth2(s: Arc<Server>) -> TestResult {
    let imap = aw!(s.connect())?;
    if !imap.capabilities().iter().any(|c| c.is("AUTH=XOAUTH2")) {
        ensure_err!(
            aw!(imap.authenticate_xoauth2("alice", "token", T)),
            Error::MissingCapability(_)
        );
        return Err(Fail::Skip(
            "no AUTH=XOAUTH2 (the refusal was checked)".into(),
        ));
    }
    // A bad token: the server's JSON challenge is answered, then NO.
    ensure_err!(
        aw!(imap.authenticate_xoauth2("alice", "not-a-token", T)),
        Error::No { .. }
    );
    aw!(imap.authenticate_xoauth2("alice", &s.token("alice"), T))?;
    ensure!(imap.session_state() == SessionState::Authenticated);
    aw!(imap.select("INBOX", T))?;
    aw!(imap.logout())?;
    Ok(())
}

async fn oauthbearer(s: Arc<Server>) -> TestResult {
    let imap = aw!(s.connect())?;
    if !imap.capabilities().iter().any(|c| c.is("AUTH=OAUTHBEARER")) {
        ensure_err!(
            aw!(imap.authenticate_oauthbearer("bob", "token", T)),
            Error::MissingCapability(_)
        );
        return Err(Fail::Skip(
            "no AUTH=OAUTHBEARER (the refusal was checked)".into(),
        ));
    }
    ensure_err!(
        aw!(imap.authenticate_oauthbearer("bob", &s.token("alice"), T)),
        Error::No { .. }
    );
    aw!(imap.authenticate_oauthbearer("bob", &s.token("bob"), T))?;
    ensure!(imap.session_state() == SessionState::Authenticated);
    aw!(imap.logout())?;
    Ok(())
}

async fn scram_sha256(s: Arc<Server>) -> TestResult {
    let imap = aw!(s.connect())?;
    require(&imap, "AUTH=SCRAM-SHA-256")?;
    ensure_err!(
        aw!(imap.authenticate_scram_sha256("carol", "wrong", T)),
        Error::No { .. } | Error::Sasl(_)
    );
    let imap = aw!(s.connect())?;
    aw!(imap.authenticate_scram_sha256("carol", &s.password("carol"), T))?;
    ensure!(imap.session_state() == SessionState::Authenticated);
    aw!(imap.noop(T))?;
    aw!(imap.logout())?;
    Ok(())
}

/// SASL PLAIN (RFC 4616) written by hand against `sasl::Mechanism`, as a user would write a
/// mechanism the library lacks; `name` lets a case ask for one the server does not offer.
#[derive(Debug)]
struct HandPlain {
    name: &'static str,
    message: Option<Vec<u8>>,
}

impl HandPlain {
    fn new(name: &'static str, user: &str, pass: &str) -> Self {
        let message = format!("\0{user}\0{pass}").into_bytes();
        HandPlain {
            name,
            message: Some(message),
        }
    }
}

impl Mechanism for HandPlain {
    fn name(&self) -> &'static str {
        self.name
    }

    fn initial_response(&mut self) -> Option<Vec<u8>> {
        self.message.take()
    }

    fn step(&mut self, server_challenge: &[u8]) -> Result<Vec<u8>, SaslError> {
        match self.message.take() {
            // No SASL-IR: the server's empty challenge asks for the message.
            Some(message) if server_challenge.is_empty() => Ok(message),
            _ => Err(SaslError::UnexpectedChallenge),
        }
    }

    fn finish(&mut self, _success_data: Option<&[u8]>) -> Result<(), SaslError> {
        Ok(())
    }
}

async fn user_written_mechanism(s: Arc<Server>) -> TestResult {
    let imap = aw!(s.connect())?;
    ensure_err!(
        aw!(imap.authenticate_with(HandPlain::new("X-NOT-OFFERED", "alice", "x"), T)),
        Error::MissingCapability(_)
    );
    ensure_err!(
        aw!(imap.authenticate_with(HandPlain::new("PLAIN", "alice", "not-the-password"), T)),
        Error::No { .. }
    );
    ensure!(imap.session_state() == SessionState::NotAuthenticated);
    let mechanism = HandPlain::new("PLAIN", "alice", &s.password("alice"));
    aw!(imap.authenticate_with(mechanism, T))?;
    ensure!(imap.session_state() == SessionState::Authenticated);
    aw!(imap.select("INBOX", T))?;
    aw!(imap.logout())?;
    Ok(())
}
