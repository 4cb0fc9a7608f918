//! The conformance suite, written once and run by every adapter (imap-tokio, imap-async-std,
//! imap-blocking): scripted-server cases (the adapter's own guarantees and hostile servers)
//! and interop cases against private Dovecot 2.3 and Cyrus 3.6 instances (tests/servers),
//! each interop case run twice: directly, and through a fault-injection proxy that splits,
//! delays and trickles the bytes; both runs must give identical results.
//!
//! # How an adapter runs it
//!
//! Each adapter has a `tests/conformance.rs` test target (`harness = false`) that mounts this
//! directory as the module `conformance` and, before it, defines:
//! - `macro_rules! aw`: `aw!(call)` is `call.await` for the async adapters and `call` for the
//!   blocking one. Every adapter call and suite helper in the suite goes through it;
//! - `macro_rules! flavored`: writes a suite helper `async fn` as an `async fn` or a plain
//!   `fn` (the helpers are called through `aw!` like the adapter's own methods);
//! - a module `adapter` re-exporting the adapter crate (`pub use imap_x::*`) and the few
//!   runtime pieces a test needs: `NAME`, `PORT_BASE`, `run_case`, `spawn` (+ `Task::join`),
//!   `sleep`, `join2`, `abandon_after`, `fetch_channel` (+ `FetchReceiver::recv`),
//!   `next_response` (the next item of a `uid_fetch_stream`), `from_unix`
//!   (a session through `from_stream` over one end of a Unix socket pair).
//!
//! Case bodies are `async fn`s in every flavour; under the blocking adapter they simply never
//! yield, and `run_case` drives them on a thread of their own.
//!
//! Usage: `cargo test -p imap-tokio --test conformance [-- FILTER...] [--no-proxy]`. Each
//! interop case runs against the servers it names and is reported as `name [server]`, or
//! `name [server via proxy]`. Without root or passwordless sudo the interop part is skipped
//! with a message (CI runs as root); the scripted part always runs.

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

pub mod kit;
pub mod proxy;
pub mod scripted;
pub mod support;

mod auth;
mod extensions;
mod fetch_stream;
mod hostile;
mod idle_liveness;
mod mailboxes;
mod merged_fetch;
mod messages;
mod session;
mod spans;
mod sync;
mod transport;
mod user_ops;

use kit::{Kind, Server};
use support::{Fail, TestResult};

/// A case's future, boxed so one runner can hold every case.
pub type CaseFuture = Pin<Box<dyn Future<Output = TestResult> + Send>>;

/// An interop case body: runs against one server.
type Body = fn(Arc<Server>) -> CaseFuture;

/// A scripted case body: starts its own scripted server.
type ScriptedBody = fn() -> CaseFuture;

/// One interop case and the servers it runs against.
pub struct Case {
    name: &'static str,
    on: &'static [Kind],
    body: Body,
}

/// One scripted-server case.
pub struct ScriptedCase {
    name: &'static str,
    body: ScriptedBody,
}

/// Declares an interop case: `case!(function, [Kind::Dovecot, Kind::Cyrus])`.
#[macro_export]
macro_rules! case {
    ($body:path, [$($kind:expr),+]) => {
        $crate::conformance::Case::new(
            stringify!($body), &[$($kind),+], |server| Box::pin($body(server))
        )
    };
}

/// Declares a scripted case: `scripted_case!(function)`.
#[macro_export]
macro_rules! scripted_case {
    ($body:path) => {
        $crate::conformance::ScriptedCase::new(stringify!($body), || Box::pin($body()))
    };
}

impl Case {
    /// A case named `name` that runs `body` against each server in `on`.
    pub fn new(name: &'static str, on: &'static [Kind], body: Body) -> Self {
        Case { name, on, body }
    }
}

impl ScriptedCase {
    /// A scripted case named `name`.
    pub fn new(name: &'static str, body: ScriptedBody) -> Self {
        ScriptedCase { name, body }
    }
}

/// How long one case may take before it counts as failed.
pub const CASE_TIMEOUT: Duration = Duration::from_secs(180);

/// What one run of a case gave.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Outcome {
    Passed,
    Skipped(String),
    Failed(String),
}

/// Counts and prints outcomes.
#[derive(Default)]
struct Report {
    passed: usize,
    skipped: usize,
    failed: Vec<String>,
}

impl Report {
    fn run(&mut self, label: &str, future: CaseFuture) -> Outcome {
        let started = Instant::now();
        let outcome = match crate::adapter::run_case(future, CASE_TIMEOUT) {
            Ok(()) => Outcome::Passed,
            Err(Fail::Skip(why)) => Outcome::Skipped(why),
            Err(Fail::Fail(why)) => Outcome::Failed(why),
        };
        let secs = started.elapsed().as_secs_f64();
        match &outcome {
            Outcome::Passed => {
                self.passed += 1;
                println!("test {label} ... ok ({secs:.2} s)");
            }
            Outcome::Skipped(why) => {
                self.skipped += 1;
                println!("test {label} ... skipped: {why}");
            }
            Outcome::Failed(why) => {
                println!("test {label} ... FAILED ({secs:.2} s)\n    {why}");
                self.failed.push(label.to_string());
            }
        }
        outcome
    }
}

/// Runs the suite with the adapter the test binary mounted; the test binary's `main`.
pub fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let filters: Vec<&String> = args.iter().filter(|a| !a.starts_with('-')).collect();
    let selected = |name: &str| filters.is_empty() || filters.iter().any(|f| name.contains(*f));
    let use_proxy = !args.iter().any(|a| a == "--no-proxy");
    let adapter = crate::adapter::NAME;
    let total_start = Instant::now();
    let mut report = Report::default();

    let scripted: Vec<ScriptedCase> = [
        scripted::cases(),
        hostile::cases(),
        idle_liveness::cases(),
        merged_fetch::scripted_cases(),
        fetch_stream::scripted_cases(),
    ]
    .into_iter()
    .flatten()
    .filter(|c| selected(c.name))
    .collect();
    for case in &scripted {
        report.run(&format!("{} [scripted]", case.name), (case.body)());
    }

    let cases: Vec<Case> = [
        session::cases(),
        auth::cases(),
        mailboxes::cases(),
        messages::cases(),
        merged_fetch::cases(),
        fetch_stream::cases(),
        extensions::cases(),
        sync::cases(),
        spans::cases(),
        transport::cases(),
        user_ops::cases(),
    ]
    .into_iter()
    .flatten()
    .filter(|c| selected(c.name))
    .collect();
    if !cases.is_empty() {
        if let Some(reason) = kit::cannot_run() {
            println!("conformance: interop SKIPPED ({reason})");
        } else if let Err(e) = run_interop(&cases, use_proxy, &mut report) {
            println!("conformance: {e}");
            report.failed.push(e);
        }
    }

    println!(
        "\nconformance result ({adapter}): {}. {} passed; {} failed; {} skipped; {:.1} s",
        if report.failed.is_empty() {
            "ok"
        } else {
            "FAILED"
        },
        report.passed,
        report.failed.len(),
        report.skipped,
        total_start.elapsed().as_secs_f64()
    );
    for label in &report.failed {
        println!("    failed: {label}");
    }
    if report.failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// Starts the servers the cases need, runs every case against each directly and then through
/// the fault-injection proxy, and checks that both runs agree.
fn run_interop(cases: &[Case], use_proxy: bool, report: &mut Report) -> Result<(), String> {
    kit::install().map_err(|e| format!("cannot install the test servers: {e}"))?;
    let mut servers: Vec<Arc<Server>> = Vec::new();
    for (offset, kind) in [
        Kind::Dovecot,
        Kind::Cyrus,
        Kind::DovecotNoMove,
        Kind::DovecotNoCondstore,
    ]
    .into_iter()
    .enumerate()
    {
        if !cases.iter().any(|c| c.on.contains(&kind)) {
            continue;
        }
        let started = Instant::now();
        let server = Server::start(kind, crate::adapter::PORT_BASE + 10 * offset as u16)
            .map_err(|e| format!("cannot start {}: {e}", kind.label()))?;
        println!(
            "conformance: {} {} on {}:{} (imaps {}) in {:.2} s",
            kind.label(),
            server.var("IMAP_SERVER_VERSION"),
            server.host(),
            server.port(),
            server.imaps_port(),
            started.elapsed().as_secs_f64()
        );
        servers.push(Arc::new(server));
    }

    let direct = run_each(cases, &servers, "", report);
    if !use_proxy {
        return Ok(());
    }
    let seed = proxy::seed();
    println!("conformance: fault-injection proxy, seed {seed} (IMAP_FAULT_SEED to replay)");
    let proxied: Vec<Arc<Server>> = servers
        .iter()
        .map(|s| s.through_proxy(seed).map(Arc::new))
        .collect::<Result<_, _>>()?;
    let via_proxy = run_each(cases, &proxied, " via proxy", report);
    for server in &proxied {
        println!(
            "conformance: proxy for {}: {}",
            server.kind.label(),
            server.proxy_stats()
        );
    }
    // Timing-dependent outcomes aside, a case must end the same way with and without the
    // proxy: a skip stays a skip, a pass a pass.
    let mut differ = Vec::new();
    for (label, outcome) in &direct {
        let other = via_proxy.get(label);
        let same = match (outcome, other) {
            (Outcome::Passed, Some(Outcome::Passed)) => true,
            (Outcome::Skipped(a), Some(Outcome::Skipped(b))) => a == b,
            _ => false,
        };
        if !same {
            differ.push(format!(
                "{label}: {outcome:?} directly, {other:?} via the proxy"
            ));
        }
    }
    if differ.is_empty() {
        println!(
            "conformance: fault injection: identical results for all {} case runs",
            direct.len()
        );
        Ok(())
    } else {
        Err(format!(
            "fault injection changed results:\n    {}",
            differ.join("\n    ")
        ))
    }
}

/// Runs every case against each of `servers` it names; returns the outcomes by label.
fn run_each(
    cases: &[Case],
    servers: &[Arc<Server>],
    suffix: &str,
    report: &mut Report,
) -> BTreeMap<String, Outcome> {
    let mut outcomes = BTreeMap::new();
    for case in cases {
        for kind in case.on {
            let Some(server) = servers.iter().find(|s| s.kind == *kind).cloned() else {
                continue;
            };
            let label = format!("{} [{}]", case.name, kind.label());
            let outcome = report.run(&format!("{label}{suffix}"), (case.body)(server));
            outcomes.insert(label, outcome);
        }
    }
    outcomes
}
