//! [`ConnectOptions`]: how a connection is opened. A plain struct of options with a
//! builder, `#[non_exhaustive]` so options can be added without breaking callers.

use std::sync::Arc;

use imap_proto_core::{Config, Connection, Error, TlsMode, TlsSetup, TrustRoots};
use rustls::ClientConfig;

use crate::engine::Engine;
use crate::runtime::BoxFuture;

/// Starts a driver future on an executor of the caller's choice.
pub type Spawner = Arc<dyn Fn(BoxFuture<()>) + Send + Sync>;

/// Everything about how a connection is opened.
#[derive(Clone)]
#[non_exhaustive]
pub struct ConnectOptions {
    /// TLS from the first byte, STARTTLS before `connect` returns, or none.
    pub tls_mode: TlsMode,
    /// The rustls configuration for TLS and a later `starttls()`; `None` verifies against
    /// `trust_roots`.
    pub tls_config: Option<Arc<ClientConfig>>,
    /// The certificates trusted when `tls_config` is `None`: the Mozilla roots by default,
    /// or the OS store (`TrustRoots::Platform`, feature `platform-verifier`).
    pub trust_roots: TrustRoots,
    /// The core's configuration: limits, `max_in_flight`, the event queue's bound.
    pub config: Config,
    /// Where the driver runs; `None` uses the runtime's own spawn.
    pub spawner: Option<Spawner>,
    /// Record every line sent and received, credentials masked, and emit each as a
    /// `tracing` event at `TRACE` under the target `imap::wire` (see
    /// `imap_proto_core::TraceLine`). Off by default.
    pub protocol_log: bool,
}

impl std::fmt::Debug for ConnectOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConnectOptions")
            .field("tls_mode", &self.tls_mode)
            .field("tls_config", &self.tls_config.is_some())
            .field("trust_roots", &self.trust_roots)
            .field("config", &self.config)
            .field("spawner", &self.spawner.is_some())
            .field("protocol_log", &self.protocol_log)
            .finish_non_exhaustive()
    }
}

impl ConnectOptions {
    /// The defaults for `tls_mode`: Mozilla roots, `Config::default()`, the runtime's spawn.
    pub fn new(tls_mode: TlsMode) -> Self {
        ConnectOptions {
            tls_mode,
            tls_config: None,
            trust_roots: TrustRoots::default(),
            config: Config::default(),
            spawner: None,
            protocol_log: false,
        }
    }

    /// Switches the protocol log on: every line sent and received, credentials masked and
    /// large literals elided, as `tracing` events at `TRACE` under the target `imap::wire`.
    pub fn protocol_log(mut self, on: bool) -> Self {
        self.protocol_log = on;
        self
    }

    /// Uses this rustls configuration for TLS (and a later `starttls()`).
    pub fn tls_config(mut self, tls_config: Arc<ClientConfig>) -> Self {
        self.tls_config = Some(tls_config);
        self
    }

    /// Trusts `roots` when no rustls configuration is given (see [`TrustRoots`]).
    pub fn trust_roots(mut self, roots: TrustRoots) -> Self {
        self.trust_roots = roots;
        self
    }

    /// The rustls configuration a connection with these options uses, for TLS and a later
    /// `starttls()`: `tls_config`, else one for `trust_roots`; `None` for the Mozilla roots,
    /// which the core builds itself.
    pub fn effective_tls_config(&self) -> Result<Option<Arc<ClientConfig>>, Error> {
        match (&self.tls_config, self.trust_roots) {
            (Some(config), _) => Ok(Some(config.clone())),
            (None, TrustRoots::Mozilla) => Ok(None),
            (None, roots) => Ok(Some(roots.client_config()?)),
        }
    }

    /// Uses this core configuration (limits, in-flight bound, event queue bound).
    pub fn config(mut self, config: Config) -> Self {
        self.config = config;
        self
    }

    /// Runs the driver through `spawn` instead of the runtime's default, e.g.
    /// `|driver| { smol::spawn(driver).detach(); }`.
    pub fn spawner(mut self, spawn: impl Fn(BoxFuture<()>) + Send + Sync + 'static) -> Self {
        self.spawner = Some(Arc::new(spawn));
        self
    }

    /// The core for a session with `server_name` (the name TLS verifies), with its run
    /// loop's state: TLS from the first byte under `TlsMode::Implicit`.
    pub fn engine(&self, server_name: &str) -> Result<Engine, Error> {
        let config = self.config.clone();
        let max_in_flight = config.max_in_flight;
        let mut conn = match self.tls_mode {
            TlsMode::Implicit => {
                let tls_config = self.effective_tls_config()?;
                let setup = TlsSetup::for_host(server_name, tls_config.as_ref())?;
                Connection::new_tls(config, setup)?
            }
            TlsMode::StartTls | TlsMode::Plain => Connection::new(config),
        };
        conn.set_trace(self.protocol_log);
        Ok(Engine::new(conn, max_in_flight))
    }
}
