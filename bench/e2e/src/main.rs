//! The end-to-end FETCH benchmark (issue 15): what a user's client pays per message against
//! a real Dovecot, side by side with async-imap and a raw socket drain.
//!
//! ```sh
//! cargo xtask e2e-bench                       # starts a private Dovecot, seeds it, measures
//! cargo run --release -p e2e-bench -- --server-env DIR/server.env [--reps N]
//!     [--contenders raw-drain,async-imap,...] [--workloads metadata,bodies] [--no-latency]
//! ```
//!
//! The mailbox `E2E` of the server's first user is seeded once with `corpus::MESSAGES`
//! generated messages (MULTIAPPEND, 500 a command, over four connections at once). Then,
//! for each repetition and workload, every contender runs in a child process of its own (`e2e-bench child NAME WORKLOAD`), the
//! order rotating between repetitions: client CPU (getrusage, user + system, all threads)
//! and wall time around the one `UID FETCH 1:*`, and the child's peak RSS. The table gives
//! medians and the spread, and each median's ratio to async-imap's. A second table gives the
//! kernel's part: system CPU, and the exact counts getrusage keeps beside it (minor page
//! faults, voluntary and involuntary context switches) for the fetch. Then the calls-in-flight
//! workload (`latency.rs`) runs at a 20 ms round trip.

mod contenders;
mod corpus;
mod latency;

use std::collections::HashMap;
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

use contenders::{CONTENDERS, Measured, Workload};
use corpus::{MESSAGES, Rng};
use imap_tokio::types::AppendMessage;
use imap_tokio::{Error, ImapConnection, TlsMode};

/// The benchmark's mailbox.
pub const MAILBOX: &str = "E2E";
/// Messages a MULTIAPPEND carries while seeding.
const SEED_BATCH: u32 = 500;
/// Connections that append at once while seeding.
const SEED_CONNECTIONS: usize = 4;
/// The corpus's seed.
const SEED: u64 = 0x1515_e2e0;

/// A server and the account the benchmark uses.
#[derive(Debug, Clone)]
pub struct Account {
    pub(crate) host: String,
    pub(crate) port: u16,
    pub(crate) user: String,
    pub(crate) password: String,
}

impl Account {
    /// From a test kit `server.env` (its first user).
    fn from_server_env(path: &str) -> Result<Account, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
        let vars: HashMap<&str, &str> = text.lines().filter_map(|l| l.split_once('=')).collect();
        let get = |key: &str| {
            vars.get(key)
                .filter(|v| !v.is_empty())
                .map(|v| v.to_string())
                .ok_or(format!("{path}: no {key}"))
        };
        let users = get("IMAP_USERS")?;
        let (user, password) = users
            .split(',')
            .next()
            .and_then(|p| p.split_once(':'))
            .ok_or(format!("{path}: bad IMAP_USERS"))?;
        Ok(Account {
            host: get("IMAP_HOST")?,
            port: get("IMAP_PORT")?
                .parse()
                .map_err(|_| format!("{path}: bad IMAP_PORT"))?,
            user: user.to_string(),
            password: password.to_string(),
        })
    }
}

/// The command line.
struct Options {
    server_env: String,
    reps: usize,
    contenders: Vec<String>,
    workloads: Vec<Workload>,
    latency: bool,
}

impl Options {
    fn parse(args: &[String]) -> Result<Options, String> {
        let mut options = Options {
            server_env: String::new(),
            reps: 5,
            contenders: CONTENDERS.iter().map(|c| c.to_string()).collect(),
            workloads: Workload::ALL.to_vec(),
            latency: true,
        };
        let mut args = args.iter();
        while let Some(arg) = args.next() {
            let mut value = || args.next().cloned().ok_or(format!("{arg} needs a value"));
            match arg.as_str() {
                "--server-env" => options.server_env = value()?,
                "--reps" => {
                    options.reps = value()?.parse().map_err(|_| "--reps takes a number")?;
                }
                "--contenders" => {
                    options.contenders = value()?.split(',').map(str::to_string).collect();
                    if let Some(bad) = options
                        .contenders
                        .iter()
                        .find(|c| !CONTENDERS.contains(&c.as_str()))
                    {
                        return Err(format!("unknown contender {bad}; known: {CONTENDERS:?}"));
                    }
                }
                "--workloads" => {
                    options.workloads = value()?
                        .split(',')
                        .map(|w| Workload::parse(w).ok_or(format!("unknown workload {w}")))
                        .collect::<Result<_, _>>()?;
                }
                "--no-latency" => options.latency = false,
                _ => return Err(format!("unknown argument {arg}")),
            }
        }
        if options.server_env.is_empty() {
            return Err("--server-env PATH is required".into());
        }
        Ok(options)
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let outcome = match args.first().map(String::as_str) {
        Some("child") => child(&args[1..]),
        _ => Options::parse(&args).and_then(|options| orchestrate(&options)),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("e2e-bench: {e}");
            ExitCode::FAILURE
        }
    }
}

/// `child NAME WORKLOAD SERVER_ENV`: one contender, one fetch; prints its `Measured` line.
fn child(args: &[String]) -> Result<(), String> {
    let [name, workload, server_env] = args else {
        return Err("usage: e2e-bench child NAME WORKLOAD SERVER_ENV".into());
    };
    let workload = Workload::parse(workload).ok_or(format!("unknown workload {workload}"))?;
    let account = Account::from_server_env(server_env)?;
    let measured = contenders::run(name, workload, &account)?;
    println!("{}", measured.line());
    Ok(())
}

fn orchestrate(options: &Options) -> Result<(), String> {
    let account = Account::from_server_env(&options.server_env)?;
    let runtime = contenders::tokio_runtime();
    runtime
        .block_on(seed(&account))
        .map_err(|e| format!("seeding: {e}"))?;
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    // Dovecot computes ENVELOPE and BODYSTRUCTURE on first access and caches them: one
    // unmeasured drain per workload, so every measured run finds the server warm.
    for &workload in &options.workloads {
        run_child(&exe, "raw-drain", workload, &options.server_env)?;
    }
    let mut results: HashMap<(Workload, String), Vec<Measured>> = HashMap::new();
    for rep in 0..options.reps {
        for &workload in &options.workloads {
            // Rotate the order so that no contender always runs first (or last).
            let mut order = options.contenders.clone();
            let shift = rep % order.len().max(1);
            order.rotate_left(shift);
            for name in &order {
                let measured = run_child(&exe, name, workload, &options.server_env)?;
                eprintln!(
                    "e2e: rep {}/{} {:8} {:20} {:8.1} CPU-ms ({:.1} sys) {:8.1} wall-ms {:6.1} MiB \
                     {} minflt {}/{} csw",
                    rep + 1,
                    options.reps,
                    workload.name(),
                    name,
                    measured.cpu_us as f64 / 1000.0,
                    measured.sys_us as f64 / 1000.0,
                    measured.wall_us as f64 / 1000.0,
                    measured.max_rss_kib as f64 / 1024.0,
                    measured.minflt,
                    measured.nvcsw,
                    measured.nivcsw
                );
                results
                    .entry((workload, name.clone()))
                    .or_default()
                    .push(measured);
            }
        }
    }
    check_payloads(&results)?;
    print_table(options, &results);
    if options.latency {
        let default = imap_tokio::Config::default().max_in_flight;
        println!(
            "\n{} concurrent uid_fetch calls (one UID each, join_all, one imap-tokio connection) \
             at a {} ms round trip, {} rounds, medians:",
            latency::CALLS,
            2 * latency::ONE_WAY.as_millis(),
            options.reps
        );
        println!(
            "| max_in_flight | NOOP | one UID FETCH 1:{} | {} concurrent calls | ratio | failures per round |",
            latency::CALLS,
            latency::CALLS
        );
        println!("|---:|---:|---:|---:|---:|---|");
        // The default window, then one that holds every call: what the window costs.
        for max_in_flight in [None, Some(latency::CALLS as usize)] {
            let rounds = runtime
                .block_on(latency::run(&account, options.reps, max_in_flight))
                .map_err(|e| format!("latency: {e}"))?;
            print_latency(max_in_flight.unwrap_or(default), &rounds);
        }
    }
    Ok(())
}

/// Runs contender `name` on `workload` in a child process; checks it saw every message.
fn run_child(
    exe: &std::path::Path,
    name: &str,
    workload: Workload,
    server_env: &str,
) -> Result<Measured, String> {
    let output = Command::new(exe)
        .args(["child", name, workload.name(), server_env])
        .output()
        .map_err(|e| format!("{name}: {e}"))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let measured = match Measured::parse(&stdout) {
        Some(m) if output.status.success() => m,
        _ => {
            return Err(format!(
                "{name} {} failed: {}{}",
                workload.name(),
                stdout,
                String::from_utf8_lossy(&output.stderr)
            ));
        }
    };
    if measured.messages != u64::from(MESSAGES) {
        return Err(format!(
            "{name} {} saw {} messages, not {MESSAGES}",
            workload.name(),
            measured.messages
        ));
    }
    Ok(measured)
}

/// Every client that parses must have received the same body bytes.
fn check_payloads(results: &HashMap<(Workload, String), Vec<Measured>>) -> Result<(), String> {
    let mut seen: HashMap<Workload, (u64, &str)> = HashMap::new();
    for ((workload, name), runs) in results {
        if name.starts_with("raw-") || *workload != Workload::Bodies {
            continue;
        }
        for run in runs {
            let first = seen.entry(*workload).or_insert((run.payload, name));
            if first.0 != run.payload {
                return Err(format!(
                    "{name} received {} body bytes, {} received {}",
                    run.payload, first.1, first.0
                ));
            }
        }
    }
    Ok(())
}

/// Creates and fills the mailbox unless it is there already, full.
async fn seed(account: &Account) -> Result<(), String> {
    seed_with(account).await.map_err(|e| e.to_string())?
}

/// `seed`'s steps; the outer error is the connection's, the inner one the mailbox's.
async fn seed_with(account: &Account) -> Result<Result<(), String>, Error> {
    const T: Duration = Duration::from_secs(300);
    let imap = ImapConnection::connect(&account.host, account.port, TlsMode::Plain, T).await?;
    imap.login(&account.user, &account.password, T).await?;
    let exists = match imap.examine(MAILBOX, T).await {
        Ok(mailbox) => mailbox.exists,
        Err(_) => {
            imap.create(MAILBOX, T).await?;
            0
        }
    };
    if exists == MESSAGES {
        eprintln!("e2e: {MAILBOX} already holds {MESSAGES} messages");
    } else if exists != 0 {
        return Ok(Err(format!(
            "{MAILBOX} holds {exists} messages, not {MESSAGES}: delete it and run again"
        )));
    } else {
        let started = Instant::now();
        let mut rng = Rng::new(SEED);
        let batches: Vec<Vec<AppendMessage>> = (1..=MESSAGES)
            .step_by(SEED_BATCH as usize)
            .map(|first| {
                (first..first + SEED_BATCH)
                    .map(|n| AppendMessage::new(corpus::message(&mut rng, n)))
                    .collect()
            })
            .collect();
        let bytes: usize = batches.iter().flatten().map(|m| m.data.len()).sum();
        // Dovecot runs one process per connection: several connections append in parallel.
        // The messages' order in the mailbox then varies between seedings; the set does not.
        let appenders = (0..SEED_CONNECTIONS).map(|k| {
            let batches = &batches;
            async move {
                let imap =
                    ImapConnection::connect(&account.host, account.port, TlsMode::Plain, T).await?;
                imap.login(&account.user, &account.password, T).await?;
                for batch in batches.iter().skip(k).step_by(SEED_CONNECTIONS) {
                    imap.multi_append(MAILBOX, batch, T).await?;
                }
                imap.logout().await
            }
        });
        for appended in futures_util::future::join_all(appenders).await {
            appended?;
        }
        eprintln!(
            "e2e: seeded {MAILBOX} with {MESSAGES} messages ({:.1} MB) in {:.1} s",
            bytes as f64 / 1e6,
            started.elapsed().as_secs_f64()
        );
    }
    imap.logout().await?;
    Ok(Ok(()))
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    }
}

/// Median, minimum and maximum of `f` over `runs`.
fn spread(runs: &[Measured], f: impl Fn(&Measured) -> f64) -> (f64, f64, f64) {
    let values: Vec<f64> = runs.iter().map(f).collect();
    let min = values.iter().copied().fold(f64::INFINITY, f64::min);
    let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    (median(values), min, max)
}

/// CPU-ms per 10,000 messages.
fn cpu_per_10k(m: &Measured) -> f64 {
    m.cpu_us as f64 / 1000.0 * 10_000.0 / m.messages as f64
}

/// The system (kernel) part of [`cpu_per_10k`].
fn sys_per_10k(m: &Measured) -> f64 {
    m.sys_us as f64 / 1000.0 * 10_000.0 / m.messages as f64
}

fn print_table(options: &Options, results: &HashMap<(Workload, String), Vec<Measured>>) {
    let workloads = &options.workloads;
    println!();
    println!(
        "{} messages, {} repetitions, each contender in its own process; CPU = getrusage user + \
         system of the client process around the one UID FETCH 1:*; median (min-max); \
         ratio = median / async-imap's median",
        MESSAGES, options.reps
    );
    for &w in workloads {
        if let Some(raw) = results.get(&(w, "raw-drain".to_string())) {
            println!(
                "{}: {:.1} MB on the wire",
                w.name(),
                raw[0].payload as f64 / 1e6
            );
        }
    }
    println!();
    let mut header = String::from("| client |");
    let mut rule = String::from("|---|");
    for w in workloads {
        header.push_str(&format!(
            " {} CPU-ms / 10k msgs | × async-imap | {} wall-ms |",
            w.name(),
            w.name()
        ));
        rule.push_str("---:|---:|---:|");
    }
    for w in workloads {
        header.push_str(&format!(" peak RSS, {} |", w.name()));
        rule.push_str("---:|");
    }
    println!("{header}\n{rule}");
    for name in &options.contenders {
        let mut row = format!("| {name} |");
        for &w in workloads {
            let Some(runs) = results.get(&(w, name.clone())) else {
                row.push_str(" | | |");
                continue;
            };
            let (cpu, lo, hi) = spread(runs, cpu_per_10k);
            let ratio = results
                .get(&(w, "async-imap".to_string()))
                .map(|base| cpu / spread(base, cpu_per_10k).0);
            let (wall, _, _) = spread(runs, |m| m.wall_us as f64 / 1000.0);
            row.push_str(&format!(
                " {cpu:.1} ({lo:.1}–{hi:.1}) | {} | {wall:.0} |",
                ratio.map_or("–".into(), |r| format!("{r:.2}"))
            ));
        }
        for &w in workloads {
            match results.get(&(w, name.clone())) {
                Some(runs) => {
                    let (rss, _, _) = spread(runs, |m| m.max_rss_kib as f64 / 1024.0);
                    row.push_str(&format!(" {rss:.1} MiB |"));
                }
                None => row.push_str(" |"),
            }
        }
        println!("{row}");
    }
    // The kernel's part: what the parser cannot explain (syscalls, page faults of the
    // result and the read buffers, thread switches between the driver and the caller).
    // Minor faults and context switches are exact counts (getrusage's CPU times move in
    // 4 ms ticks): medians over the repetitions, for the whole fetch.
    let columns = [
        "system CPU-ms / 10k msgs",
        "minor faults",
        "voluntary / involuntary switches",
    ];
    print_per_workload(options, results, columns, |_, runs| {
        let (sys, lo, hi) = spread(runs, sys_per_10k);
        let (faults, _, _) = spread(runs, |m| m.minflt as f64);
        let (voluntary, _, _) = spread(runs, |m| m.nvcsw as f64);
        let (involuntary, _, _) = spread(runs, |m| m.nivcsw as f64);
        format!(" {sys:.1} ({lo:.1}–{hi:.1}) | {faults:.0} | {voluntary:.0} / {involuntary:.0} |")
    });
    // What each fetch held at its peak (peak RSS less the RSS just before it), against the
    // bytes the server sent (issue 15 item 2: at most about twice).
    let columns = ["RSS before", "held at peak", "held ÷ wire"];
    print_per_workload(options, results, columns, |w, runs| {
        let wire = results
            .get(&(w, "raw-drain".to_string()))
            .map(|raw| raw[0].payload as f64 / 1024.0);
        let (before, _, _) = spread(runs, |m| m.rss_before_kib as f64 / 1024.0);
        let (held, _, _) = spread(runs, |m| {
            m.max_rss_kib.saturating_sub(m.rss_before_kib) as f64 / 1024.0
        });
        let ratio = wire.map_or("–".into(), |kib| format!("{:.2}", held * 1024.0 / kib));
        format!(" {before:.1} MiB | {held:.1} MiB | {ratio} |")
    });
}

/// A table with a row per contender and three columns per workload (`columns`, each headed
/// by the workload's name); `cells` writes a workload's three cells from its runs.
fn print_per_workload(
    options: &Options,
    results: &HashMap<(Workload, String), Vec<Measured>>,
    columns: [&str; 3],
    cells: impl Fn(Workload, &[Measured]) -> String,
) {
    println!();
    let mut header = String::from("| client |");
    let mut rule = String::from("|---|");
    for w in &options.workloads {
        for column in columns {
            header.push_str(&format!(" {} {column} |", w.name()));
        }
        rule.push_str("---:|---:|---:|");
    }
    println!("{header}\n{rule}");
    for name in &options.contenders {
        let mut row = format!("| {name} |");
        for &w in &options.workloads {
            match results.get(&(w, name.clone())) {
                Some(runs) => row.push_str(&cells(w, runs)),
                None => row.push_str(" | | |"),
            }
        }
        println!("{row}");
    }
}

fn print_latency(max_in_flight: usize, rounds: &[latency::Round]) {
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let noop = median(rounds.iter().map(|r| ms(r.noop)).collect());
    let one = median(rounds.iter().map(|r| ms(r.one_fetch)).collect());
    let many = median(rounds.iter().map(|r| ms(r.concurrent)).collect());
    let failures: Vec<u32> = rounds.iter().map(|r| r.failures).collect();
    println!(
        "| {max_in_flight} | {noop:.1} ms | {one:.1} ms | {many:.1} ms | {:.2} | {failures:?} |",
        many / one
    );
}
