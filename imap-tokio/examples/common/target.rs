//! Where the sync examples connect and as whom: `--server-env PATH` (a test kit
//! `server.env`, as `cargo xtask` passes it) or the environment (`IMAP_HOST`, `IMAP_PORT`,
//! `IMAP_USER`, `IMAP_PASSWORD`, `IMAP_TLS=implicit|starttls`, `IMAP_CA`), as in the demo.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use imap_tokio::{ClientConfig, Error, ImapConnection, TlsMode};

#[path = "trust.rs"]
mod trust;
use trust::trust;

/// How long any single call may take.
pub const T: Duration = Duration::from_secs(60);

/// A server and an account.
pub struct Target {
    pub host: String,
    pub port: u16,
    pub tls: TlsMode,
    pub user: String,
    pub password: String,
    /// The PEM CA to trust instead of the Mozilla roots.
    tls_config: Option<Arc<ClientConfig>>,
}

impl Target {
    /// From `--server-env PATH` when given, else from the environment.
    pub fn from(server_env: Option<&str>) -> Result<Target, String> {
        let mut vars: HashMap<String, String> = std::env::vars().collect();
        if let Some(path) = server_env {
            let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
            vars.extend(
                text.lines()
                    .filter_map(|l| l.split_once('='))
                    .map(|(k, v)| (k.to_string(), v.to_string())),
            );
            // The kit lists `user:password` pairs: use the first.
            if let Some((user, password)) = vars
                .get("IMAP_USERS")
                .and_then(|u| u.split(',').next())
                .and_then(|p| p.split_once(':'))
                .map(|(u, p)| (u.to_string(), p.to_string()))
            {
                vars.insert("IMAP_USER".into(), user);
                vars.insert("IMAP_PASSWORD".into(), password);
            }
            if let Some(ca) = vars.get("IMAP_CA_CERT").cloned() {
                vars.insert("IMAP_CA".into(), ca);
            }
        }
        let get = |key: &str| {
            vars.get(key)
                .filter(|v| !v.is_empty())
                .cloned()
                .ok_or(format!("{key} is not set (or pass --server-env PATH)"))
        };
        let tls = match vars.get("IMAP_TLS").map(String::as_str) {
            Some("implicit") => TlsMode::Implicit,
            _ => TlsMode::StartTls,
        };
        let port = match vars.get("IMAP_PORT") {
            Some(p) => p.parse().map_err(|_| format!("bad IMAP_PORT {p:?}"))?,
            None if tls == TlsMode::Implicit => 993,
            None => 143,
        };
        let tls_config = match vars.get("IMAP_CA") {
            Some(path) => Some(trust(path)?),
            None => None,
        };
        Ok(Target {
            host: get("IMAP_HOST")?,
            port,
            tls,
            user: get("IMAP_USER")?,
            password: get("IMAP_PASSWORD")?,
            tls_config,
        })
    }

    /// A connection to `port` (the target's, or a relay's in front of it), logged in.
    pub async fn login_at(&self, port: u16) -> Result<ImapConnection, Error> {
        let imap = match &self.tls_config {
            Some(config) => {
                ImapConnection::connect_with_tls_config(
                    &self.host,
                    port,
                    self.tls,
                    config.clone(),
                    T,
                )
                .await?
            }
            None => ImapConnection::connect(&self.host, port, self.tls, T).await?,
        };
        imap.login(&self.user, &self.password, T).await?;
        Ok(imap)
    }

    /// A connection to the target, logged in.
    pub async fn login(&self) -> Result<ImapConnection, Error> {
        self.login_at(self.port).await
    }
}
