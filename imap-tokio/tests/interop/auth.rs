//! LOGIN and the SASL mechanisms.

use std::sync::Arc;

use imap_tokio::{Error, SessionState};

use crate::kit::{Kind, Server, T};
use crate::support::{Fail, TestResult, require};
use crate::{Case, case, ensure, ensure_err};

pub fn cases() -> Vec<Case> {
    vec![
        case!(login_and_plain, [Kind::Dovecot, Kind::Cyrus]),
        case!(non_ascii_password, [Kind::Dovecot, Kind::Cyrus]),
        case!(xoauth2, [Kind::Dovecot, Kind::Cyrus]),
        case!(oauthbearer, [Kind::Dovecot, Kind::Cyrus]),
        case!(scram_sha256, [Kind::Dovecot, Kind::Cyrus]),
    ]
}

async fn login_and_plain(s: Arc<Server>) -> TestResult {
    let imap = s.connect().await?;
    imap.login("alice", &s.password("alice"), T).await?;
    ensure!(imap.session_state() == SessionState::Authenticated);
    imap.logout().await?;

    let imap = s.connect().await?;
    ensure_err!(
        imap.authenticate_plain("alice", "not-the-password", T)
            .await,
        Error::No { .. }
    );
    ensure!(imap.session_state() == SessionState::NotAuthenticated);
    imap.authenticate_plain("alice", &s.password("alice"), T)
        .await?;
    ensure!(imap.session_state() == SessionState::Authenticated);
    ensure!(imap.capabilities().iter().any(|c| c.is("UIDPLUS")));
    imap.logout().await?;
    Ok(())
}

async fn non_ascii_password(s: Arc<Server>) -> TestResult {
    // dave's password is "pässwörd" (UTF-8).
    let imap = s.connect().await?;
    imap.authenticate_plain("dave", &s.password("dave"), T)
        .await?;
    imap.noop(T).await?;
    imap.logout().await?;
    Ok(())
}

async fn xoauth2(s: Arc<Server>) -> TestResult {
    let imap = s.connect().await?;
    if !imap.capabilities().iter().any(|c| c.is("AUTH=XOAUTH2")) {
        ensure_err!(
            imap.authenticate_xoauth2("alice", "token", T).await,
            Error::MissingCapability(_)
        );
        return Err(Fail::Skip(
            "no AUTH=XOAUTH2 (the refusal was checked)".into(),
        ));
    }
    // A bad token: the server's JSON challenge is answered, then NO.
    ensure_err!(
        imap.authenticate_xoauth2("alice", "not-a-token", T).await,
        Error::No { .. }
    );
    imap.authenticate_xoauth2("alice", &s.token("alice"), T)
        .await?;
    ensure!(imap.session_state() == SessionState::Authenticated);
    imap.select("INBOX", T).await?;
    imap.logout().await?;
    Ok(())
}

async fn oauthbearer(s: Arc<Server>) -> TestResult {
    let imap = s.connect().await?;
    if !imap.capabilities().iter().any(|c| c.is("AUTH=OAUTHBEARER")) {
        ensure_err!(
            imap.authenticate_oauthbearer("bob", "token", T).await,
            Error::MissingCapability(_)
        );
        return Err(Fail::Skip(
            "no AUTH=OAUTHBEARER (the refusal was checked)".into(),
        ));
    }
    ensure_err!(
        imap.authenticate_oauthbearer("bob", &s.token("alice"), T)
            .await,
        Error::No { .. }
    );
    imap.authenticate_oauthbearer("bob", &s.token("bob"), T)
        .await?;
    ensure!(imap.session_state() == SessionState::Authenticated);
    imap.logout().await?;
    Ok(())
}

async fn scram_sha256(s: Arc<Server>) -> TestResult {
    let imap = s.connect().await?;
    require(&imap, "AUTH=SCRAM-SHA-256")?;
    ensure_err!(
        imap.authenticate_scram_sha256("carol", "wrong", T).await,
        Error::No { .. } | Error::Sasl(_)
    );
    let imap = s.connect().await?;
    imap.authenticate_scram_sha256("carol", &s.password("carol"), T)
        .await?;
    ensure!(imap.session_state() == SessionState::Authenticated);
    imap.noop(T).await?;
    imap.logout().await?;
    Ok(())
}
