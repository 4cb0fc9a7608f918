//! The test servers: installs them if needed (tests/servers/install.sh), starts a private
//! instance per server in a temporary directory, reads its `server.env`, and cleans it up
//! when the guard is dropped.

use std::collections::HashMap;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use rustls::{ClientConfig, RootCertStore};

use super::proxy::FaultProxy;

/// How long any single call in the tests may take.
pub const T: Duration = Duration::from_secs(20);

/// Which server software an instance runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Dovecot 2.3 with the kit's default switches.
    Dovecot,
    /// Cyrus IMAP 3.6.
    Cyrus,
    /// Dovecot with `DOVECOT_NO_MOVE=1 DOVECOT_RAWLOG=1`: no MOVE advertised, raw logs.
    DovecotNoMove,
    /// Dovecot with `DOVECOT_NO_CONDSTORE=1`: neither CONDSTORE nor QRESYNC advertised.
    DovecotNoCondstore,
}

impl Kind {
    pub fn label(self) -> &'static str {
        match self {
            Kind::Dovecot => "dovecot",
            Kind::Cyrus => "cyrus",
            Kind::DovecotNoMove => "dovecot-no-move",
            Kind::DovecotNoCondstore => "dovecot-no-condstore",
        }
    }

    fn script(self) -> &'static str {
        match self {
            Kind::Dovecot | Kind::DovecotNoMove | Kind::DovecotNoCondstore => "dovecot.sh",
            Kind::Cyrus => "cyrus.sh",
        }
    }

    fn switches(self) -> &'static [(&'static str, &'static str)] {
        match self {
            Kind::Dovecot => &[],
            Kind::Cyrus => &[],
            Kind::DovecotNoMove => &[("DOVECOT_NO_MOVE", "1"), ("DOVECOT_RAWLOG", "1")],
            Kind::DovecotNoCondstore => &[("DOVECOT_NO_CONDSTORE", "1")],
        }
    }
}

/// The kit's scripts.
fn kit_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/servers")
}

/// Why the servers cannot be started here, if they cannot: the kit needs root, or
/// passwordless sudo.
pub fn cannot_run() -> Option<String> {
    let uid = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("Uid:"))
                .and_then(|v| v.split_whitespace().next().map(str::to_string))
        });
    if uid.as_deref() == Some("0") {
        return None;
    }
    let sudo = Command::new("sudo").args(["-n", "true"]).status();
    match sudo {
        Ok(status) if status.success() => None,
        _ => Some("not root and no passwordless sudo: the test servers need one of them".into()),
    }
}

/// Runs install.sh (idempotent; a few ms when everything is present).
pub fn install() -> Result<(), String> {
    let status = Command::new("bash")
        .arg(kit_dir().join("install.sh"))
        .status()
        .map_err(|e| format!("install.sh: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("install.sh failed: {status}"))
    }
}

/// The first port base from `start` (stepping by 10) whose two ports are free.
fn free_port_base(start: u16) -> u16 {
    let free = |port: u16| TcpListener::bind(("127.0.0.1", port)).is_ok();
    let mut base = start;
    while !(free(base) && free(base + 1)) {
        base += 10;
    }
    base
}

/// A running server instance; dropping the last reference stops it and deletes its
/// directory.
struct Instance {
    kind: Kind,
    dir: PathBuf,
}

/// A test server as the cases see it: the instance, its `server.env`, and optionally a
/// fault-injection proxy in front of both its ports.
pub struct Server {
    pub kind: Kind,
    instance: Arc<Instance>,
    env: HashMap<String, String>,
    tls: Arc<ClientConfig>,
    proxies: Option<[FaultProxy; 2]>,
}

impl Server {
    /// Starts `kind` in a fresh directory under the temp dir, on the first free port base
    /// from `port_hint`.
    pub fn start(kind: Kind, port_hint: u16) -> Result<Server, String> {
        Server::start_with(kind, port_hint, &[])
    }

    /// Like [`Server::start`], with extra kit switches (e.g. `DOVECOT_QUOTA`).
    ///
    /// Another process can take the ports between the check for free ports and the
    /// server's own bind (test runs of several worktrees on one machine do); the start is
    /// then retried a few times on later ports instead of failing the whole suite.
    pub fn start_with(
        kind: Kind,
        port_hint: u16,
        extra: &[(&str, &str)],
    ) -> Result<Server, String> {
        const ATTEMPTS: u16 = 5;
        let mut hint = port_hint;
        let mut attempt = 1;
        loop {
            match Server::start_once(kind, hint, extra) {
                Err(e) if attempt < ATTEMPTS && e.contains("Address already in use") => {
                    hint = free_port_base(hint) + 10;
                    attempt += 1;
                }
                result => return result,
            }
        }
    }

    fn start_once(kind: Kind, port_hint: u16, extra: &[(&str, &str)]) -> Result<Server, String> {
        let dir = std::env::temp_dir().join(format!(
            "imap-conformance-{}-{}",
            std::process::id(),
            kind.label()
        ));
        let base = free_port_base(port_hint);
        let mut command = Command::new("bash");
        command
            .arg(kit_dir().join(kind.script()))
            .arg("start")
            .arg(&dir)
            .arg(base.to_string());
        for (key, value) in kind.switches().iter().chain(extra) {
            command.env(key, value);
        }
        // The daemon inherits the script's stdout and stderr: a pipe would stay open as
        // long as the server runs, so the script writes to a file instead.
        let log_path = std::env::temp_dir().join(format!(
            "imap-conformance-{}-{}.log",
            std::process::id(),
            kind.label()
        ));
        let log = std::fs::File::create(&log_path).map_err(|e| format!("{log_path:?}: {e}"))?;
        let status = command
            .stdin(std::process::Stdio::null())
            .stdout(log.try_clone().map_err(|e| e.to_string())?)
            .stderr(log)
            .status()
            .map_err(|e| format!("{}: {e}", kind.script()))?;
        let output = std::fs::read_to_string(&log_path).unwrap_or_default();
        let _ = std::fs::remove_file(&log_path);
        // From here on the guard cleans up, even if reading the env fails.
        let mut server = Server {
            kind,
            instance: Arc::new(Instance { kind, dir }),
            proxies: None,
            env: HashMap::new(),
            tls: Arc::new(
                ClientConfig::builder_with_provider(Arc::new(
                    rustls::crypto::ring::default_provider(),
                ))
                .with_safe_default_protocol_versions()
                .map_err(|e| e.to_string())?
                .with_root_certificates(RootCertStore::empty())
                .with_no_client_auth(),
            ),
        };
        if !status.success() {
            return Err(format!("{} start failed: {output}", kind.script()));
        }
        let env = std::fs::read_to_string(server.instance.dir.join("server.env"))
            .map_err(|e| format!("server.env: {e}"))?;
        server.env = env
            .lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        server.tls = trust(&server.var("IMAP_CA_CERT"))?;
        Ok(server)
    }

    /// A `server.env` value ("" when absent).
    pub fn var(&self, key: &str) -> String {
        self.env.get(key).cloned().unwrap_or_default()
    }

    /// The host to connect to (the proxy's when proxied: both listen on loopback).
    pub fn host(&self) -> String {
        match &self.proxies {
            Some(_) => "127.0.0.1".into(),
            None => self.var("IMAP_HOST"),
        }
    }

    /// The IMAP port (STARTTLS or plain), or the proxy's in front of it.
    pub fn port(&self) -> u16 {
        match &self.proxies {
            Some([plain, _]) => plain.port(),
            None => self.var("IMAP_PORT").parse().unwrap_or(0),
        }
    }

    /// The implicit-TLS port, or the proxy's in front of it.
    pub fn imaps_port(&self) -> u16 {
        match &self.proxies {
            Some([_, tls]) => tls.port(),
            None => self.var("IMAPS_PORT").parse().unwrap_or(0),
        }
    }

    /// The same instance behind a fault-injection proxy (one per port).
    pub fn through_proxy(&self, seed: u64) -> Result<Server, String> {
        let address = |port: &str| -> Result<std::net::SocketAddr, String> {
            format!("{}:{}", self.var("IMAP_HOST"), self.var(port))
                .parse()
                .map_err(|e| format!("{port}: {e}"))
        };
        let start = |port: &str, seed: u64| {
            FaultProxy::start(address(port)?, seed).map_err(|e| format!("proxy: {e}"))
        };
        Ok(Server {
            kind: self.kind,
            instance: self.instance.clone(),
            env: self.env.clone(),
            tls: self.tls.clone(),
            proxies: Some([start("IMAP_PORT", seed)?, start("IMAPS_PORT", !seed)?]),
        })
    }

    /// What the proxies did (empty when not proxied).
    pub fn proxy_stats(&self) -> String {
        match &self.proxies {
            Some([plain, tls]) => format!("imap: {}; imaps: {}", plain.stats(), tls.stats()),
            None => String::new(),
        }
    }

    /// A rustls configuration that trusts the instance's CA.
    pub fn tls(&self) -> Arc<ClientConfig> {
        self.tls.clone()
    }

    /// The password of a kit user.
    pub fn password(&self, user: &str) -> String {
        self.var("IMAP_USERS")
            .split(',')
            .filter_map(|e| e.split_once(':'))
            .find(|(u, _)| *u == user)
            .map(|(_, p)| p.to_string())
            .unwrap_or_default()
    }

    /// The pre-minted OAuth token of a user (Dovecot).
    pub fn token(&self, user: &str) -> String {
        std::fs::read_to_string(Path::new(&self.var("IMAP_OAUTH2_TOKEN_DIR")).join(user))
            .unwrap_or_default()
    }

    /// The raw protocol logs of the sessions so far (`DOVECOT_RAWLOG=1`): the `.in` files,
    /// i.e. what clients sent.
    pub fn rawlog_input(&self) -> String {
        let mut all = String::new();
        if let Ok(entries) = std::fs::read_dir(self.instance.dir.join("rawlog")) {
            let mut paths: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
            paths.sort();
            for path in paths {
                if path.extension().is_some_and(|e| e == "in") {
                    all.push_str(&String::from_utf8_lossy(
                        &std::fs::read(&path).unwrap_or_default(),
                    ));
                }
            }
        }
        all
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = Command::new("bash")
            .arg(kit_dir().join(self.kind.script()))
            .arg("clean")
            .arg(&self.dir)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status();
    }
}

/// `trust(path)`: a rustls configuration whose only root is the PEM CA at `path`, the
/// same function the tokio examples use (one file for both).
#[path = "../../imap-tokio/examples/common/trust.rs"]
mod trust;
pub use trust::trust;
