//! Smoke test against a private Dovecot (tests/servers/dovecot.sh): STARTTLS, login, list,
//! select, append, uid_fetch, uid_fetch_streaming, IDLE woken by an APPEND from a second
//! connection, logout. Skipped (with a message) where the kit cannot run (no root/sudo).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::mpsc::sync_channel;
use std::thread;
use std::time::Duration;

use imap_blocking::types::{FetchAttr, IdleEvent, SequenceSet};
use imap_blocking::{CancellationToken, ClientConfig, ImapConnection, TlsMode, TypedEvent};
use rustls::RootCertStore;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;

const T: Duration = Duration::from_secs(20);

fn kit(script: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/servers")
        .join(script)
}

fn can_run() -> bool {
    let root = std::fs::read_to_string("/proc/self/status")
        .is_ok_and(|s| s.lines().any(|l| l.starts_with("Uid:\t0\t")));
    root || Command::new("sudo")
        .args(["-n", "true"])
        .status()
        .is_ok_and(|s| s.success())
}

/// A running Dovecot; dropping it stops the server and removes its directory.
struct Dovecot {
    dir: PathBuf,
    env: HashMap<String, String>,
}

impl Dovecot {
    fn start() -> Dovecot {
        let installed = Command::new("bash").arg(kit("install.sh")).status();
        assert!(installed.is_ok_and(|s| s.success()), "install.sh failed");
        let dir =
            std::env::temp_dir().join(format!("imap-blocking-dovecot-{}", std::process::id()));
        let base = (24300..30000)
            .step_by(10)
            .find(|p| {
                std::net::TcpListener::bind(("127.0.0.1", *p)).is_ok()
                    && std::net::TcpListener::bind(("127.0.0.1", *p + 1)).is_ok()
            })
            .expect("a free port pair");
        // The daemon inherits stdout/stderr: not a pipe, or the wait would never end.
        let status = Command::new("bash")
            .arg(kit("dovecot.sh"))
            .arg("start")
            .arg(&dir)
            .arg(base.to_string())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("dovecot.sh");
        let mut server = Dovecot {
            dir,
            env: HashMap::new(),
        };
        assert!(status.success(), "dovecot.sh start failed");
        let env = std::fs::read_to_string(server.dir.join("server.env")).expect("server.env");
        server.env = env
            .lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        server
    }

    fn var(&self, key: &str) -> String {
        self.env.get(key).cloned().unwrap_or_default()
    }

    fn password(&self, user: &str) -> String {
        self.var("IMAP_USERS")
            .split(',')
            .filter_map(|e| e.split_once(':'))
            .find(|(u, _)| *u == user)
            .map(|(_, p)| p.to_string())
            .unwrap_or_default()
    }

    fn tls(&self) -> Arc<ClientConfig> {
        let ca = CertificateDer::from_pem_file(self.var("IMAP_CA_CERT")).expect("the CA");
        let mut roots = RootCertStore::empty();
        roots.add(ca).expect("a valid CA");
        Arc::new(
            ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
                .with_safe_default_protocol_versions()
                .expect("TLS versions")
                .with_root_certificates(roots)
                .with_no_client_auth(),
        )
    }

    fn login(&self, user: &str) -> ImapConnection {
        let port = self.var("IMAP_PORT").parse().expect("IMAP_PORT");
        let imap = ImapConnection::connect_with_tls_config(
            &self.var("IMAP_HOST"),
            port,
            TlsMode::StartTls,
            self.tls(),
            T,
        )
        .expect("connect with STARTTLS");
        assert!(imap.is_tls());
        imap.login(user, &self.password(user), T).expect("login");
        imap
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

#[test]
fn dovecot_smoke() {
    if !can_run() {
        eprintln!("skipped: the Dovecot kit needs root or passwordless sudo");
        return;
    }
    let server = Dovecot::start();
    let imap = Arc::new(server.login("alice"));
    let mailboxes = imap.list("", "*", T).expect("list");
    assert!(
        mailboxes
            .iter()
            .any(|m| m.mailbox.name().eq_ignore_ascii_case("INBOX"))
    );
    imap.create("Blocking", T).expect("create");
    imap.select("Blocking", T).expect("select");
    let body = b"From: a@example.com\r\nSubject: one\r\n\r\nhello\r\n";
    imap.append("Blocking", &[], None, body, T).expect("append");
    let all = SequenceSet::range_from(1).expect("1:*");
    let found = imap
        .uid_fetch(&all, &[FetchAttr::Uid, FetchAttr::Flags], T)
        .expect("uid fetch");
    assert_eq!(found.len(), 1);

    let (tx, rx) =
        sync_channel::<Result<imap_blocking::types::FetchResponse, imap_blocking::Error>>(1);
    let reader = thread::spawn(move || rx.iter().filter(|r| r.is_ok()).count());
    imap.uid_fetch_streaming(&all, &[FetchAttr::Uid, FetchAttr::Rfc822Size], tx, T)
        .expect("uid fetch streaming");
    assert!(reader.join().expect("reader") >= 1);

    // IDLE, woken by an APPEND from a second connection.
    let idler = {
        let imap = imap.clone();
        thread::spawn(move || imap.idle(T, CancellationToken::new()))
    };
    thread::sleep(Duration::from_millis(500));
    let other = server.login("alice");
    other
        .append("Blocking", &[], None, body, T)
        .expect("append from the second connection");
    let event = idler.join().expect("idler").expect("idle");
    let IdleEvent::Changed(events) = event else {
        panic!("expected Changed, got {event:?}")
    };
    assert!(
        events.iter().any(|e| matches!(e, TypedEvent::Exists(2))),
        "{events:?}"
    );
    other.logout().expect("logout of the second connection");
    imap.logout().expect("logout");
}
