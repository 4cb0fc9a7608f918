//! A smoke test against a real server: a private Dovecot from `tests/servers/dovecot.sh`
//! (STARTTLS with the instance's CA, LOGIN, LIST, SELECT, APPEND, UID FETCH, streamed UID
//! FETCH, LOGOUT), run once under smol and once under async-std. Skipped, with a message,
//! where the kit cannot run (it needs root or passwordless sudo).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use imap_async_std::types::{FetchAttr, FetchResponse, SequenceSet};
use imap_async_std::{ClientConfig, Error, ImapConnection, SessionState, TlsMode};
use rustls::RootCertStore;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;

const T: Duration = Duration::from_secs(20);

fn kit(script: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/servers")
        .join(script)
}

/// Why the kit cannot run here, if it cannot.
fn cannot_run() -> Option<&'static str> {
    let root = std::fs::read_to_string("/proc/self/status")
        .is_ok_and(|s| s.lines().any(|l| l.starts_with("Uid:\t0\t")));
    let sudo = || {
        Command::new("sudo")
            .args(["-n", "true"])
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    (!root && !sudo()).then_some("not root and no passwordless sudo")
}

/// A private Dovecot instance; dropping it stops it and deletes its directory.
struct Dovecot {
    dir: PathBuf,
    env: Vec<(String, String)>,
}

impl Dovecot {
    fn start() -> Dovecot {
        let status = Command::new("bash").arg(kit("install.sh")).status();
        assert!(status.is_ok_and(|s| s.success()), "install.sh failed");
        let dir =
            std::env::temp_dir().join(format!("imap-async-std-dovecot-{}", std::process::id()));
        let base = (13430..14000)
            .step_by(10)
            .find(|p| (0..2).all(|i| std::net::TcpListener::bind(("127.0.0.1", p + i)).is_ok()))
            .expect("a free port pair");
        // The daemon inherits stdout/stderr: no pipes, or the call would not return.
        let status = Command::new("bash")
            .arg(kit("dovecot.sh"))
            .args(["start".as_ref(), dir.as_os_str(), base.to_string().as_ref()])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        let mut server = Dovecot {
            dir,
            env: Vec::new(),
        };
        assert!(status.is_ok_and(|s| s.success()), "dovecot.sh start failed");
        let env = std::fs::read_to_string(server.dir.join("server.env")).expect("server.env");
        server.env = env
            .lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        server
    }

    fn var(&self, key: &str) -> &str {
        self.env
            .iter()
            .find(|(k, _)| k == key)
            .map_or("", |(_, v)| v.as_str())
    }

    /// The first kit user and its password.
    fn user(&self) -> (String, String) {
        let first = self.var("IMAP_USERS").split(',').next().unwrap_or_default();
        let (user, pass) = first.split_once(':').expect("IMAP_USERS user:pass");
        (user.to_string(), pass.to_string())
    }

    /// A rustls configuration whose only root is the instance's CA.
    fn tls(&self) -> Arc<ClientConfig> {
        let ca = CertificateDer::from_pem_file(self.var("IMAP_CA_CERT")).expect("the CA");
        let mut roots = RootCertStore::empty();
        roots.add(ca).expect("a valid CA");
        let config =
            ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
                .with_safe_default_protocol_versions()
                .expect("TLS versions")
                .with_root_certificates(roots)
                .with_no_client_auth();
        Arc::new(config)
    }
}

impl Drop for Dovecot {
    fn drop(&mut self) {
        let _ = Command::new("bash")
            .arg(kit("dovecot.sh"))
            .arg("clean")
            .arg(&self.dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

/// The session: STARTTLS, LOGIN, LIST, SELECT, APPEND, UID FETCH (whole and streamed),
/// LOGOUT. `label` makes each run's message distinct.
async fn session(server: &Dovecot, label: &str) -> Result<(), Error> {
    let port: u16 = server.var("IMAP_PORT").parse().expect("IMAP_PORT");
    let host = server.var("IMAP_HOST");
    let imap =
        ImapConnection::connect_with_tls_config(host, port, TlsMode::StartTls, server.tls(), T)
            .await?;
    assert!(imap.is_tls(), "STARTTLS before connect returns");
    let (user, pass) = server.user();
    imap.login(&user, &pass, T).await?;
    let folders = imap.list("", "*", T).await?;
    assert!(
        folders
            .iter()
            .any(|f| f.mailbox.name().eq_ignore_ascii_case("INBOX")),
        "{folders:?}"
    );
    let message = format!("Subject: {label}\r\n\r\nsent under {label}\r\n");
    imap.append("INBOX", &[], None, message.as_bytes(), T)
        .await?;
    let inbox = imap.select("INBOX", T).await?;
    assert!(inbox.exists >= 1);
    let all = SequenceSet::range_from(1)?;
    let items = [FetchAttr::Uid, FetchAttr::Rfc822Size];
    let fetched = imap.uid_fetch(&all, &items, T).await?;
    assert_eq!(fetched.len() as u32, inbox.exists);
    let (tx, rx) = async_channel::bounded::<Result<FetchResponse, Error>>(1);
    let reader = async {
        let mut uids = Vec::new();
        while let Ok(item) = rx.recv().await {
            uids.push(item?.uid());
        }
        Ok::<_, Error>(uids)
    };
    let (streamed, uids) =
        futures_lite::future::zip(imap.uid_fetch_streaming(&all, &items, tx, T), reader).await;
    streamed?;
    let whole: Vec<_> = fetched.iter().map(FetchResponse::uid).collect();
    assert_eq!(uids?, whole, "streamed and whole UID FETCH agree");
    imap.logout().await?;
    assert_eq!(imap.session_state(), SessionState::Logout);
    Ok(())
}

#[test]
fn dovecot_session_under_smol_and_async_std() {
    if let Some(reason) = cannot_run() {
        println!("dovecot smoke test SKIPPED: {reason}");
        return;
    }
    let server = Dovecot::start();
    smol::block_on(session(&server, "smol")).expect("the session under smol");
    async_std::task::block_on(session(&server, "async-std")).expect("the session under async-std");
}
