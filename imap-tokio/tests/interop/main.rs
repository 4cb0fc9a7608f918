//! Interop tests: every `ImapConnection` method against private Dovecot 2.3 and Cyrus 3.6
//! instances (tests/servers). The servers are installed if missing, started once per run on
//! free ports in temporary directories, and stopped at the end by their guards.
//!
//! Usage: `cargo test -p imap-tokio --test interop [-- FILTER...]`. Each case runs against
//! the servers it names; a case is reported as `name [server]`. Without root or passwordless
//! sudo the whole suite is skipped with a message (CI runs as root).

use std::future::Future;
use std::pin::Pin;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

mod kit;
mod support;

mod auth;
mod extensions;
mod mailboxes;
mod messages;
mod session;

use kit::{Kind, Server};
use support::{Fail, TestResult};

/// A case body: runs against one server.
type Body = fn(Arc<Server>) -> Pin<Box<dyn Future<Output = TestResult> + Send>>;

/// One test case and the servers it runs against.
pub struct Case {
    name: &'static str,
    on: &'static [Kind],
    body: Body,
}

/// Declares a case: `case!(function, [Kind::Dovecot, Kind::Cyrus])`.
#[macro_export]
macro_rules! case {
    ($body:path, [$($kind:expr),+]) => {
        $crate::Case::new(stringify!($body), &[$($kind),+], |server| Box::pin($body(server)))
    };
}

impl Case {
    /// A case named `name` that runs `body` against each server in `on`.
    pub fn new(name: &'static str, on: &'static [Kind], body: Body) -> Self {
        Case { name, on, body }
    }
}

/// How long one case may take before it counts as failed.
const CASE_TIMEOUT: Duration = Duration::from_secs(180);

fn main() -> ExitCode {
    let filters: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    if let Some(reason) = kit::cannot_run() {
        println!("interop: SKIPPED ({reason})");
        return ExitCode::SUCCESS;
    }
    let cases: Vec<Case> = [
        session::cases(),
        auth::cases(),
        mailboxes::cases(),
        messages::cases(),
        extensions::cases(),
    ]
    .into_iter()
    .flatten()
    .filter(|c| filters.is_empty() || filters.iter().any(|f| c.name.contains(f.as_str())))
    .collect();
    if cases.is_empty() {
        println!("interop: no case matches {filters:?}");
        return ExitCode::SUCCESS;
    }
    if let Err(e) = kit::install() {
        println!("interop: cannot install the test servers: {e}");
        return ExitCode::FAILURE;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");

    // Start only the servers some selected case needs; distinct port bases per binary.
    let mut servers: Vec<Arc<Server>> = Vec::new();
    for (kind, port) in [
        (Kind::Dovecot, 12430),
        (Kind::Cyrus, 12440),
        (Kind::DovecotNoMove, 12450),
    ] {
        if !cases.iter().any(|c| c.on.contains(&kind)) {
            continue;
        }
        let started = Instant::now();
        match Server::start(kind, port) {
            Ok(server) => {
                println!(
                    "interop: {} {} on {}:{} (imaps {}) in {:.2} s",
                    kind.label(),
                    server.var("IMAP_SERVER_VERSION"),
                    server.host(),
                    server.port(),
                    server.imaps_port(),
                    started.elapsed().as_secs_f64()
                );
                servers.push(Arc::new(server));
            }
            Err(e) => {
                println!("interop: cannot start {}: {e}", kind.label());
                return ExitCode::FAILURE;
            }
        }
    }

    let (mut passed, mut failed, mut skipped) = (0, Vec::new(), 0);
    let total_start = Instant::now();
    for case in &cases {
        for kind in case.on {
            let Some(server) = servers.iter().find(|s| s.kind == *kind).cloned() else {
                continue;
            };
            let label = format!("{} [{}]", case.name, kind.label());
            let started = Instant::now();
            let body = case.body;
            let outcome = runtime.block_on(async move {
                match tokio::time::timeout(CASE_TIMEOUT, tokio::spawn(body(server))).await {
                    Err(_) => Err(Fail::Fail(format!("timed out after {CASE_TIMEOUT:?}"))),
                    Ok(Err(join)) => Err(Fail::Fail(format!("panicked: {join}"))),
                    Ok(Ok(result)) => result,
                }
            });
            let secs = started.elapsed().as_secs_f64();
            match outcome {
                Ok(()) => {
                    passed += 1;
                    println!("test {label} ... ok ({secs:.2} s)");
                }
                Err(Fail::Skip(why)) => {
                    skipped += 1;
                    println!("test {label} ... skipped: {why}");
                }
                Err(Fail::Fail(why)) => {
                    println!("test {label} ... FAILED ({secs:.2} s)\n    {why}");
                    failed.push(label);
                }
            }
        }
    }
    // Stop the servers before the summary (their guards run here).
    drop(servers);
    drop(runtime);
    println!(
        "\ninterop result: {}. {passed} passed; {} failed; {skipped} skipped; {:.1} s",
        if failed.is_empty() { "ok" } else { "FAILED" },
        failed.len(),
        total_start.elapsed().as_secs_f64()
    );
    for label in &failed {
        println!("    failed: {label}");
    }
    if failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
