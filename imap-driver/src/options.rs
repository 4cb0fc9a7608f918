//! [`ConnectOptions`]: how a connection is opened. A plain struct of options with a
//! builder, `#[non_exhaustive]` so options can be added without breaking callers.

use std::sync::Arc;
use std::time::Duration;

use imap_proto_core::{Config, Connection, Error, TlsMode, TlsSetup, TrustRoots};
use rustls::ClientConfig;
use socket2::TcpKeepalive;

use crate::engine::Engine;
use crate::idle_keeper::IdleTimers;
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
    // Liveness (issue 12, item 3).
    /// How `idle()` re-issues a long IDLE and probes a silent server; see [`IdleTimers`]
    /// for the defaults (25 min, 5 min, 10 s).
    pub idle_timers: IdleTimers,
    /// TCP keepalive on TCP connections, set when the socket is opened; `None` leaves the
    /// system's setting (usually off). Default on: [`ConnectOptions::DEFAULT_KEEPALIVE`].
    pub tcp_keepalive: Option<TcpKeepalive>,
    /// How many responses a `fetch_stream` / `uid_fetch_stream` holds for its consumer
    /// before the connection stops reading the socket (back-pressure); default
    /// [`ConnectOptions::DEFAULT_FETCH_STREAM_CAPACITY`].
    pub fetch_stream_capacity: usize,
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
            .field("idle_timers", &self.idle_timers)
            .field("tcp_keepalive", &self.tcp_keepalive)
            .field("fetch_stream_capacity", &self.fetch_stream_capacity)
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
            idle_timers: IdleTimers::default(),
            tcp_keepalive: Some(Self::DEFAULT_KEEPALIVE),
            fetch_stream_capacity: Self::DEFAULT_FETCH_STREAM_CAPACITY,
        }
    }

    /// The default of [`ConnectOptions::fetch_stream_capacity`]: 128 responses (about
    /// 200 KB of parsed metadata; bodies above `Limits::stream_threshold` come in chunks,
    /// so a response never holds a whole large body).
    pub const DEFAULT_FETCH_STREAM_CAPACITY: usize = crate::handover::DEFAULT_FETCH_STREAM_CAPACITY;

    /// Lets a FETCH stream hold at most `capacity` responses (at least 1) for its consumer:
    /// beyond, the connection stops reading the socket until the consumer has taken half.
    pub fn fetch_stream_capacity(mut self, capacity: usize) -> Self {
        self.fetch_stream_capacity = capacity.max(1);
        self
    }

    /// The TCP keepalive set by default (RFC 1122 §4.2.3.6): the first probe after 60 s
    /// without traffic, then every 15 s, the connection reset after 4 unanswered (where
    /// the platform lets the count be set). A peer that vanished (a suspended laptop's
    /// NAT mapping gone, a server powered off) is then found by the kernel within about
    /// two minutes, during any call, not only IDLE; the probes also keep NAT mappings
    /// alive. They are empty segments the server's IMAP process never sees.
    pub const DEFAULT_KEEPALIVE: TcpKeepalive = default_keepalive();

    /// Uses these IDLE timers (re-issue interval, silence before a probe, probe timeout).
    pub fn idle_timers(mut self, timers: IdleTimers) -> Self {
        self.idle_timers = timers;
        self
    }

    /// Sets this TCP keepalive on the socket when it is opened (`None`: leave it off).
    /// [`ImapConnection::set_keepalive`](crate::ImapConnection::set_keepalive) changes it
    /// later.
    pub fn tcp_keepalive(mut self, keepalive: Option<TcpKeepalive>) -> Self {
        self.tcp_keepalive = keepalive;
        self
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
        let mut engine = Engine::new(conn, max_in_flight);
        engine.calls.set_idle_timers(self.idle_timers);
        engine.fetch_stream_capacity = self.fetch_stream_capacity;
        Ok(engine)
    }
}

/// [`ConnectOptions::DEFAULT_KEEPALIVE`].
const fn default_keepalive() -> TcpKeepalive {
    let keepalive = TcpKeepalive::new().with_time(Duration::from_secs(60));
    #[cfg(any(
        target_os = "android",
        target_os = "freebsd",
        target_os = "ios",
        target_os = "linux",
        target_os = "macos",
        target_os = "netbsd",
        target_os = "windows",
    ))]
    let keepalive = keepalive
        .with_interval(Duration::from_secs(15))
        .with_retries(4);
    keepalive
}
