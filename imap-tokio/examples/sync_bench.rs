//! What one sync costs per strategy: a mailbox of 20,000 messages, 10 changes since the
//! last sync (3 appends, 4 flag changes, 3 expunges), then `sync_mailbox` capped at QRESYNC,
//! CONDSTORE and the listing, and a plain full re-read (EXAMINE + `UID FETCH 1:* (UID
//! FLAGS)`), each on a fresh logged-in connection through a counting relay: bytes each way
//! on the wire (TLS included), round trips (client turns: the client speaking after the
//! server did) and wall time. All in one run, interleaved, `ROUNDS` times; medians printed.
//!
//! ```sh
//! cargo xtask sync-bench                  # against a private Dovecot it starts
//! cargo run --release -p imap-tokio --example sync_bench -- --server-env DIR/server.env
//! ```

#[path = "common/target.rs"]
mod target;

use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use imap_tokio::ImapConnection;
use imap_tokio::types::{
    AppendMessage, FetchAttr, Flag, MailboxState, SequenceSet, StoreOperation, SyncOptions,
    SyncStrategy, UidSet,
};
use target::{T, Target};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const MAILBOX: &str = "SyncBench";
const MESSAGES: u32 = 20_000;
const ROUNDS: usize = 5;

/// What crossed the relay.
#[derive(Default)]
struct Counters {
    up: AtomicU64,
    down: AtomicU64,
    turns: AtomicU64,
    /// 0: nothing yet, 1: the client spoke last, 2: the server did.
    last: AtomicU8,
}

impl Counters {
    fn reset(&self) {
        for c in [&self.up, &self.down, &self.turns] {
            c.store(0, Ordering::SeqCst);
        }
        self.last.store(2, Ordering::SeqCst);
    }

    fn count(&self, upstream: bool, n: usize) {
        if upstream {
            self.up.fetch_add(n as u64, Ordering::SeqCst);
            if self.last.swap(1, Ordering::SeqCst) != 1 {
                self.turns.fetch_add(1, Ordering::SeqCst);
            }
        } else {
            self.down.fetch_add(n as u64, Ordering::SeqCst);
            self.last.store(2, Ordering::SeqCst);
        }
    }
}

/// A loopback relay in front of the server that counts what it forwards.
async fn relay(upstream: String, counters: Arc<Counters>) -> std::io::Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let port = listener.local_addr()?.port();
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let Ok(server) = TcpStream::connect(&upstream).await else {
                continue;
            };
            let (cr, cw) = client.into_split();
            let (sr, sw) = server.into_split();
            tokio::spawn(pump(cr, sw, true, counters.clone()));
            tokio::spawn(pump(sr, cw, false, counters.clone()));
        }
    });
    Ok(port)
}

async fn pump(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    upstream: bool,
    counters: Arc<Counters>,
) {
    let mut buf = vec![0u8; 64 * 1024];
    while let Ok(n) = from.read(&mut buf).await {
        if n == 0 || to.write_all(&buf[..n]).await.is_err() {
            break;
        }
        counters.count(upstream, n);
    }
    let _ = to.shutdown().await;
}

/// One measured run.
#[derive(Clone, Copy)]
struct Sample {
    up: u64,
    down: u64,
    turns: u64,
    wall: Duration,
}

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("sync_bench: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), String> {
    let mut args = std::env::args().skip(1);
    let mut server_env = None;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--server-env" => server_env = Some(args.next().ok_or("--server-env needs a path")?),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    let target = Target::from(server_env.as_deref())?;
    let e = |e: imap_tokio::Error| e.to_string();
    let direct = target.login().await.map_err(e)?;
    fill(&direct).await.map_err(e)?;
    let counters = Arc::new(Counters::default());
    let port = relay(format!("{}:{}", target.host, target.port), counters.clone())
        .await
        .map_err(|e| e.to_string())?;

    let labels = ["QRESYNC", "CONDSTORE", "listing", "full re-read"];
    let mut samples: Vec<Vec<Sample>> = vec![Vec::new(); labels.len()];
    for round in 0..ROUNDS {
        // The state after the last sync, then 10 changes from another device.
        let base = direct
            .sync_mailbox(
                MAILBOX,
                &MailboxState::tracking_flags(),
                &SyncOptions::default(),
                T,
            )
            .await
            .map_err(e)?
            .state;
        change(&direct, &base.known_uids, round).await.map_err(e)?;
        for (i, label) in labels.iter().enumerate() {
            let imap = target.login_at(port).await.map_err(e)?;
            counters.reset();
            let started = Instant::now();
            let outcome = match i {
                0..=2 => {
                    let strategy = [
                        SyncStrategy::Qresync,
                        SyncStrategy::Condstore,
                        SyncStrategy::Full,
                    ][i];
                    let options = SyncOptions::default().with_max_strategy(strategy);
                    let delta = imap
                        .sync_mailbox(MAILBOX, &base, &options, T)
                        .await
                        .map_err(e)?;
                    (delta.strategy == strategy
                        && delta.new.len() == 3
                        && delta.expunged.len() == 3
                        && delta.changed.len() == 7)
                        .then_some(())
                        .ok_or(format!(
                            "{label}: unexpected delta {:?}",
                            (
                                delta.strategy,
                                &delta.new,
                                &delta.expunged,
                                delta.changed.len()
                            )
                        ))
                }
                _ => {
                    imap.examine(MAILBOX, T).await.map_err(e)?;
                    let all = imap
                        .uid_fetch(&SequenceSet::all(), &[FetchAttr::Uid, FetchAttr::Flags], T)
                        .await
                        .map_err(e)?;
                    (all.len() as u64 == base.known_uids.len())
                        .then_some(())
                        .ok_or(format!("re-read gave {} messages", all.len()))
                }
            };
            let wall = started.elapsed();
            outcome?;
            samples[i].push(Sample {
                up: counters.up.load(Ordering::SeqCst),
                down: counters.down.load(Ordering::SeqCst),
                turns: counters.turns.load(Ordering::SeqCst),
                wall,
            });
            imap.logout().await.map_err(e)?;
        }
        eprintln!("round {} of {ROUNDS} done", round + 1);
    }
    println!("{MESSAGES} messages, 10 changes since the last sync; medians of {ROUNDS} rounds\n");
    println!("| sync | client → server bytes | server → client bytes | round trips | wall time |");
    println!("|---|---:|---:|---:|---:|");
    for (label, runs) in labels.iter().zip(&samples) {
        let median = |f: &dyn Fn(&Sample) -> f64| {
            let mut v: Vec<f64> = runs.iter().map(f).collect();
            v.sort_by(f64::total_cmp);
            v[v.len() / 2]
        };
        println!(
            "| {label} | {:.0} | {:.0} | {:.0} | {:.1} ms |",
            median(&|s| s.up as f64),
            median(&|s| s.down as f64),
            median(&|s| s.turns as f64),
            median(&|s| s.wall.as_secs_f64() * 1000.0),
        );
    }
    direct.logout().await.map_err(e)?;
    Ok(())
}

/// Creates the mailbox with `MESSAGES` small messages unless it has them already.
async fn fill(imap: &ImapConnection) -> Result<(), imap_tokio::Error> {
    let messages = imap
        .status(MAILBOX, "MESSAGES", T)
        .await
        .ok()
        .and_then(|s| s.messages());
    if messages == Some(MESSAGES) {
        return Ok(());
    }
    if messages.is_some() {
        imap.delete(MAILBOX, T).await?;
    }
    imap.create(MAILBOX, T).await?;
    eprintln!("appending {MESSAGES} messages to {MAILBOX} ...");
    let batch: Vec<AppendMessage> = (0..500)
        .map(|i| AppendMessage::new(message(&format!("message {i}"))))
        .collect();
    for _ in 0..MESSAGES / 500 {
        imap.multi_append(MAILBOX, &batch, T).await?;
    }
    Ok(())
}

/// 10 changes: 3 appends, 4 flag changes, 3 expunges (spread over the mailbox; other
/// messages each round, so every flag change is a change).
async fn change(
    imap: &ImapConnection,
    known: &UidSet,
    round: usize,
) -> Result<(), imap_tokio::Error> {
    let uids: Vec<u32> = known.iter().collect();
    let pick = |k: usize| uids[((uids.len() / 8) * (k + 1) + round * 17) % uids.len()];
    imap.select(MAILBOX, T).await?;
    for i in 0..3 {
        imap.append(MAILBOX, &[], None, &message(&format!("new {i}")), T)
            .await?;
    }
    for k in 0..4 {
        let flag = [Flag::Seen, Flag::Flagged][k % 2].clone();
        imap.uid_store(
            &SequenceSet::single(pick(k))?,
            StoreOperation::Add,
            &[flag],
            None,
            T,
        )
        .await?;
    }
    let gone = SequenceSet::from_numbers([pick(4), pick(5), pick(6)])?;
    imap.uid_store(&gone, StoreOperation::Add, &[Flag::Deleted], None, T)
        .await?;
    imap.uid_expunge(&gone, T).await?;
    imap.unselect(T).await?;
    Ok(())
}

fn message(subject: &str) -> Vec<u8> {
    format!(
        "From: a@example.org\r\nTo: b@example.org\r\nSubject: {subject}\r\n\
         Date: Mon, 2 Mar 2026 10:00:00 +0000\r\n\r\nbody\r\n"
    )
    .into_bytes()
}
