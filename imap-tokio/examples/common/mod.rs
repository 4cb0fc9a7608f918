//! What the examples share: where to connect (flags, environment or a test kit's
//! `server.env`), which CA to trust, and connecting and logging in.
#![allow(dead_code)] // each example uses part of it

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use imap_tokio::{ClientConfig, ConnectOptions, Error, ImapConnection, TlsMode};

mod trust;
pub use trust::trust;

/// How long any single call may take.
pub const T: Duration = Duration::from_secs(15);

/// Where to connect and as whom.
pub struct Target {
    pub host: String,
    pub port: u16,
    pub tls: TlsMode,
    pub ca: Option<String>,
    pub user: String,
    pub password: String,
    /// The example's own switches that were given (e.g. `--seed`).
    pub switches: Vec<String>,
    /// The example's own `--name value` options that were given.
    pub options: HashMap<String, String>,
}

/// Reads the flags, then the environment, then (for `--server-env`) the kit's file. Besides
/// the connection flags, accepts the example's own `switches` and `--name value` `options`.
pub fn target(usage: &str, switches: &[&str], options: &[&str]) -> Result<Target, String> {
    let mut flags: HashMap<String, String> = HashMap::new();
    let mut given = Vec::new();
    let mut own = HashMap::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            switch if switches.contains(&switch) || switch == "--protocol-log" => {
                given.push(arg.clone())
            }
            option if options.contains(&option) || option == "--auth" => {
                let value = args.next().ok_or(format!("{arg} needs a value"))?;
                own.insert(arg.trim_start_matches('-').to_string(), value);
            }
            "--host" | "--port" | "--user" | "--password" | "--tls" | "--ca" | "--server-env" => {
                let value = args.next().ok_or(format!("{arg} needs a value"))?;
                flags.insert(arg.trim_start_matches('-').to_string(), value);
            }
            "-h" | "--help" => {
                return Err(format!(
                    "usage: [--host H] [--port P] [--user U] [--password P] \
                     [--tls implicit|starttls] [--ca PATH] [--server-env PATH] \
                     [--auth login|plain|xoauth2] [--protocol-log] {usage}"
                ));
            }
            other => return Err(format!("unknown argument {other:?} (try --help)")),
        }
    }
    let mut kit: HashMap<String, String> = HashMap::new();
    if let Some(path) = flags.get("server-env") {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
        kit = text
            .lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        // The kit lists `user:password` pairs; the demo logs in as the first one.
        let first_user = kit
            .get("IMAP_USERS")
            .and_then(|users| users.split(',').next())
            .and_then(|pair| pair.split_once(':'))
            .map(|(user, password)| (user.to_string(), password.to_string()));
        if let Some((user, password)) = first_user {
            kit.insert("IMAP_USER".into(), user);
            kit.insert("IMAP_PASSWORD".into(), password);
        }
        kit.insert(
            "IMAP_CA".into(),
            kit.get("IMAP_CA_CERT").cloned().unwrap_or_default(),
        );
    }
    let get = |flag: &str, env: &str| -> Option<String> {
        flags
            .get(flag)
            .cloned()
            .or_else(|| kit.get(env).cloned())
            .or_else(|| std::env::var(env).ok())
            .filter(|v| !v.is_empty())
    };
    let tls = match get("tls", "IMAP_TLS").as_deref() {
        None | Some("starttls") => TlsMode::StartTls,
        Some("implicit") => TlsMode::Implicit,
        Some(other) => return Err(format!("--tls must be implicit or starttls, not {other:?}")),
    };
    let default_port = if tls == TlsMode::Implicit { 993 } else { 143 };
    let port = match get("port", "IMAP_PORT") {
        Some(p) => p.parse().map_err(|_| format!("bad port {p:?}"))?,
        None => default_port,
    };
    let missing = |what: &str| {
        format!(
            "no {what}: pass --{what} or set IMAP_{}",
            what.to_uppercase()
        )
    };
    Ok(Target {
        host: get("host", "IMAP_HOST").ok_or_else(|| missing("host"))?,
        port,
        tls,
        ca: get("ca", "IMAP_CA"),
        user: get("user", "IMAP_USER").ok_or_else(|| missing("user"))?,
        password: get("password", "IMAP_PASSWORD").ok_or_else(|| missing("password"))?,
        switches: given,
        options: own,
    })
}

/// Connects to the target (TLS as asked), not yet logged in. With `--protocol-log`, every
/// line sent and received goes to `tracing` (target `imap::wire`, level TRACE), credentials
/// masked.
pub async fn connect(
    target: &Target,
    tls: Option<&Arc<ClientConfig>>,
) -> Result<ImapConnection, Error> {
    let mut options = ConnectOptions::new(target.tls).protocol_log(target.protocol_log());
    if let Some(config) = tls {
        options = options.tls_config(config.clone());
    }
    ImapConnection::connect_with(&target.host, target.port, options, T).await
}

/// Opens a connection to the target and logs in: LOGIN, or AUTHENTICATE with `--auth
/// plain|xoauth2` (the password is then the OAuth token).
pub async fn open(
    target: &Target,
    tls: Option<&Arc<ClientConfig>>,
) -> Result<ImapConnection, Error> {
    let imap = connect(target, tls).await?;
    let (user, secret) = (&target.user, &target.password);
    match target.options.get("auth").map(String::as_str) {
        Some("plain") => imap.authenticate_plain(user, secret, T).await?,
        Some("xoauth2") => imap.authenticate_xoauth2(user, secret, T).await?,
        _ => imap.login(user, secret, T).await?,
    }
    Ok(imap)
}

impl Target {
    /// `--protocol-log` was given.
    pub fn protocol_log(&self) -> bool {
        self.switches.iter().any(|s| s == "--protocol-log")
    }
}

/// An example's `main`: reads the target with the example's own `--name N` option (a
/// number), runs `body` on a current-thread runtime and turns its outcome into the exit
/// code (2 for bad usage), reporting through `report`.
pub fn main<F>(
    name: &str,
    option: &str,
    body: impl FnOnce(Target, Option<u32>) -> F,
    report: impl FnOnce(&str),
) -> std::process::ExitCode
where
    F: std::future::Future<Output = Result<(), String>>,
{
    use std::process::ExitCode;
    let usage = format!("[{option} N]");
    let target = match target(&usage, &[], &[option]) {
        Ok(target) => target,
        Err(message) => {
            eprintln!("{name}: {message}");
            return ExitCode::from(2);
        }
    };
    let number = match target
        .options
        .get(option.trim_start_matches('-'))
        .map(|n| n.parse())
    {
        None => None,
        Some(Ok(n)) => Some(n),
        Some(Err(_)) => {
            eprintln!("{name}: {option} needs a number");
            return ExitCode::from(2);
        }
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build();
    let result = match runtime {
        Ok(runtime) => runtime.block_on(body(target, number)),
        Err(e) => Err(format!("cannot start tokio: {e}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            report(&message);
            ExitCode::FAILURE
        }
    }
}
