//! What the driver's tracing costs when no subscriber is installed (issue 13): the same
//! end-to-end FETCH loop built twice, once as is (tracing compiled in, nothing listening)
//! and once with `tracing`'s `max_level_off` feature (every span and event compiled out),
//! run alternately against the same server. It prints the client's CPU time per fetch (all
//! threads, from `/proc/self/task/*/schedstat`); for instruction counts run it under
//! `valgrind --tool=callgrind --collect-atstart=no --toggle-collect='*measured_rounds*'`.
//!
//! ```sh
//! cargo build --release -p imap-tokio --example trace_cost
//! cp target/release/examples/trace_cost /tmp/trace_cost-on
//! cargo build --release -p imap-tokio --example trace_cost --features tracing/max_level_off
//! cp target/release/examples/trace_cost /tmp/trace_cost-off
//! /tmp/trace_cost-on --server-env DIR/server.env 20   # then -off, alternating
//! ```
//!
//! Each round is `UID FETCH 1:* (UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE BODYSTRUCTURE)`
//! of the account's INBOX, buffered (`uid_fetch`).

#[path = "common/target.rs"]
mod target;

use std::process::ExitCode;
use std::time::Duration;

use imap_tokio::ImapConnection;
use imap_tokio::types::{FetchAttr, SequenceSet};
use target::{T, Target};

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("trace_cost: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), String> {
    let mut args = std::env::args().skip(1);
    let mut server_env = None;
    let mut rounds = 10usize;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--server-env" => server_env = Some(args.next().ok_or("--server-env needs a path")?),
            number => {
                rounds = number
                    .parse()
                    .map_err(|_| format!("bad argument {number:?}"))?
            }
        }
    }
    let target = Target::from(server_env.as_deref())?;
    // One thread: the driver task and the caller share it, as in a small client.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let imap = runtime.block_on(async {
        let imap = target.login().await?;
        imap.select("INBOX", T).await?;
        Ok::<_, imap_tokio::Error>(imap)
    });
    let imap = imap.map_err(|e| e.to_string())?;
    // One warm-up round outside the measurement (first-touch allocations, server caches).
    let messages = runtime.block_on(fetch(&imap)).map_err(|e| e.to_string())?;
    let before = cpu_time()?;
    measured_rounds(&runtime, &imap, rounds)?;
    let cpu = cpu_time()?.saturating_sub(before);
    println!(
        "tracing {}: {rounds} rounds of {messages} messages, {:.3} CPU-ms per fetch",
        if tracing::level_filters::STATIC_MAX_LEVEL == tracing::level_filters::LevelFilter::OFF {
            "compiled out"
        } else {
            "compiled in, no subscriber"
        },
        cpu.as_secs_f64() * 1000.0 / rounds as f64
    );
    runtime.block_on(imap.logout()).map_err(|e| e.to_string())?;
    Ok(())
}

/// The measured rounds, never inlined so callgrind can collect them alone.
#[inline(never)]
fn measured_rounds(
    runtime: &tokio::runtime::Runtime,
    imap: &ImapConnection,
    rounds: usize,
) -> Result<(), String> {
    for _ in 0..rounds {
        runtime.block_on(fetch(imap)).map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// One metadata FETCH of the whole mailbox; the number of messages.
async fn fetch(imap: &ImapConnection) -> Result<usize, imap_tokio::Error> {
    let items = [
        FetchAttr::Uid,
        FetchAttr::Flags,
        FetchAttr::InternalDate,
        FetchAttr::Rfc822Size,
        FetchAttr::Envelope,
        FetchAttr::BodyStructure,
    ];
    let messages = imap.uid_fetch(&SequenceSet::all(), &items, T).await?;
    Ok(std::hint::black_box(messages).len())
}

/// CPU time of every thread of this process so far (`/proc/self/task/*/schedstat`: the first
/// field is nanoseconds on a CPU).
fn cpu_time() -> Result<Duration, String> {
    let mut total = 0u64;
    for task in std::fs::read_dir("/proc/self/task").map_err(|e| e.to_string())? {
        let path = task.map_err(|e| e.to_string())?.path().join("schedstat");
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue; // a thread that ended meanwhile
        };
        total += text
            .split_whitespace()
            .next()
            .and_then(|n| n.parse::<u64>().ok())
            .ok_or_else(|| format!("{}: unexpected {text:?}", path.display()))?;
    }
    Ok(Duration::from_nanos(total))
}
