//! The clients under test, each run in a child process of its own (so its peak RSS is its
//! own): log in, EXAMINE the benchmark mailbox, then one `UID FETCH 1:*` measured with
//! getrusage (user + system CPU of the whole process, all threads) and the wall clock.
//! Every contender consumes every response: the buffered calls return the whole `Vec`,
//! which is then walked; the streams are drained to the end; async-imap's fetch stream
//! is fully consumed, each `Fetch` dropped once looked at.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use imap_tokio::types::{FetchAttr, FetchResponse, SequenceSet};
use imap_tokio::{Error, TlsMode};
use nix::sys::resource::{UsageWho, getrusage};

use crate::{Account, MAILBOX};

/// How long any single call may take.
const T: Duration = Duration::from_secs(300);

/// The capacity of the channel a streaming FETCH sends into.
pub const STREAM_CHANNEL: usize = 128;

/// The contenders, in the table's order.
pub const CONTENDERS: &[&str] = &[
    "raw-drain",
    "raw-keep",
    "async-imap",
    "tokio-buffered",
    "tokio-streaming",
    "tokio-stream",
    "blocking-buffered",
    "blocking-streaming",
    "blocking-iter",
    "async-std-buffered",
    "async-std-streaming",
    "async-std-stream",
];

/// How one of our contenders takes the responses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// `uid_fetch`: the whole `Vec`.
    Buffered,
    /// `uid_fetch_streaming` into a channel of [`STREAM_CHANNEL`], drained concurrently.
    Channel,
    /// `uid_fetch_stream`: the `FetchStream` / `FetchIter` (its queue at the default
    /// capacity, 128 like the channel).
    Stream,
}

impl Mode {
    /// The mode a contender's name ends with.
    fn of(name: &str) -> Mode {
        if name.ends_with("-streaming") {
            Mode::Channel
        } else if name.ends_with("-stream") || name.ends_with("-iter") {
            Mode::Stream
        } else {
            Mode::Buffered
        }
    }
}

/// What is fetched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Workload {
    /// `UID FETCH 1:* (UID FLAGS ENVELOPE BODYSTRUCTURE)`
    Metadata,
    /// `UID FETCH 1:* BODY.PEEK[]`
    Bodies,
}

impl Workload {
    pub const ALL: [Workload; 2] = [Workload::Metadata, Workload::Bodies];

    pub fn name(self) -> &'static str {
        match self {
            Workload::Metadata => "metadata",
            Workload::Bodies => "bodies",
        }
    }

    pub fn parse(name: &str) -> Option<Workload> {
        Workload::ALL.into_iter().find(|w| w.name() == name)
    }

    /// The FETCH items as written on the wire.
    fn wire_items(self) -> &'static str {
        match self {
            Workload::Metadata => "(UID FLAGS ENVELOPE BODYSTRUCTURE)",
            Workload::Bodies => "BODY.PEEK[]",
        }
    }

    fn items(self) -> Vec<FetchAttr> {
        match self {
            Workload::Metadata => vec![
                FetchAttr::Uid,
                FetchAttr::Flags,
                FetchAttr::Envelope,
                FetchAttr::BodyStructure,
            ],
            Workload::Bodies => vec![FetchAttr::whole_message_peek()],
        }
    }
}

/// What a contender saw, and what it cost.
#[derive(Debug, Default, Clone, Copy)]
pub struct Measured {
    /// FETCH responses consumed.
    pub messages: u64,
    /// Body bytes received (bodies), or bytes read from the socket (the raw drain).
    pub payload: u64,
    pub cpu_us: u64,
    /// The system (kernel) part of `cpu_us`: syscalls, page faults, thread switches.
    pub sys_us: u64,
    pub wall_us: u64,
    pub max_rss_kib: u64,
    /// The resident set just before the fetch (`VmRSS`): the process, runtime and
    /// connection. `max_rss_kib` less this is what the fetch held at its peak.
    pub rss_before_kib: u64,
    /// Minor page faults during the fetch (`ru_minflt`): fresh pages of buffers and results.
    /// Exact counts, unlike the CPU times' 4 ms ticks.
    pub minflt: u64,
    /// Voluntary context switches during the fetch (`ru_nvcsw`): waits for the socket or
    /// for another thread.
    pub nvcsw: u64,
    /// Involuntary context switches during the fetch (`ru_nivcsw`): preemptions.
    pub nivcsw: u64,
}

impl Measured {
    const PREFIX: &'static str = "E2E-RESULT";

    pub fn line(&self) -> String {
        format!(
            "{} messages={} payload={} cpu_us={} sys_us={} wall_us={} max_rss_kib={} \
             rss_before_kib={} minflt={} nvcsw={} nivcsw={}",
            Self::PREFIX,
            self.messages,
            self.payload,
            self.cpu_us,
            self.sys_us,
            self.wall_us,
            self.max_rss_kib,
            self.rss_before_kib,
            self.minflt,
            self.nvcsw,
            self.nivcsw
        )
    }

    pub fn parse(output: &str) -> Option<Measured> {
        let line = output.lines().find(|l| l.starts_with(Self::PREFIX))?;
        let mut m = Measured::default();
        for field in line.split(' ').skip(1) {
            let (key, value) = field.split_once('=')?;
            let value: u64 = value.parse().ok()?;
            match key {
                "messages" => m.messages = value,
                "payload" => m.payload = value,
                "cpu_us" => m.cpu_us = value,
                "sys_us" => m.sys_us = value,
                "wall_us" => m.wall_us = value,
                "max_rss_kib" => m.max_rss_kib = value,
                "rss_before_kib" => m.rss_before_kib = value,
                "minflt" => m.minflt = value,
                "nvcsw" => m.nvcsw = value,
                "nivcsw" => m.nivcsw = value,
                _ => return None,
            }
        }
        Some(m)
    }
}

/// What getrusage and `/proc/self/status` report for this process so far.
struct Usage {
    /// User + system CPU, in microseconds.
    cpu_us: u64,
    /// System CPU alone, in microseconds.
    sys_us: u64,
    /// Peak RSS in KiB.
    peak_kib: u64,
    /// Current RSS in KiB.
    rss_kib: u64,
    minflt: u64,
    nvcsw: u64,
    nivcsw: u64,
}

/// CPU time (user + system, and system alone) of this process so far, in microseconds,
/// its peak RSS in KiB, and its minor faults and context switches. The peak is `VmHWM`, not getrusage's `ru_maxrss`: Linux carries `ru_maxrss` over
/// `execve` from the process that forked (here the orchestrator, which seeded the mailbox),
/// while `VmHWM` belongs to this program's own address space.
fn usage() -> Usage {
    let usage = getrusage(UsageWho::RUSAGE_SELF).expect("getrusage");
    let micros = |t: nix::sys::time::TimeVal| t.tv_sec() as u64 * 1_000_000 + t.tv_usec() as u64;
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kib = |key: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(key))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
    };
    let peak = kib("VmHWM:").unwrap_or(usage.max_rss() as u64);
    let sys = micros(usage.system_time());
    let count = |n: i64| u64::try_from(n).unwrap_or(0);
    Usage {
        cpu_us: micros(usage.user_time()) + sys,
        sys_us: sys,
        peak_kib: peak,
        rss_kib: kib("VmRSS:").unwrap_or(0),
        minflt: count(usage.minor_page_faults()),
        nvcsw: count(usage.voluntary_context_switches()),
        nivcsw: count(usage.involuntary_context_switches()),
    }
}

/// The readings before a fetch.
struct Meter {
    before: Usage,
    started: Instant,
}

impl Meter {
    fn start() -> Meter {
        Meter {
            before: usage(),
            started: Instant::now(),
        }
    }

    /// What the fetch cost, with the messages and payload bytes it saw.
    fn stop(self, (messages, payload): (u64, u64)) -> Measured {
        let wall_us = self.started.elapsed().as_micros() as u64;
        let after = usage();
        let before = &self.before;
        Measured {
            messages,
            payload,
            cpu_us: after.cpu_us - before.cpu_us,
            sys_us: after.sys_us - before.sys_us,
            wall_us,
            max_rss_kib: after.peak_kib,
            rss_before_kib: before.rss_kib,
            minflt: after.minflt - before.minflt,
            nvcsw: after.nvcsw - before.nvcsw,
            nivcsw: after.nivcsw - before.nivcsw,
        }
    }
}

/// Runs `fetch` (which returns messages and payload bytes) between two readings.
fn measured(fetch: impl FnOnce() -> (u64, u64)) -> Measured {
    let meter = Meter::start();
    let counts = fetch();
    meter.stop(counts)
}

/// The body bytes of one of our responses (0 when it carries none).
fn body_len(response: &FetchResponse) -> u64 {
    response
        .attributes
        .iter()
        .map(|a| a.section_data().map_or(0, |d| d.len() as u64))
        .sum()
}

/// Counts one of our responses; a response without its UID is a failed parse.
fn tally(counts: &mut (u64, u64), response: &FetchResponse) {
    assert!(response.uid().is_some(), "a response without UID");
    counts.0 += 1;
    counts.1 += body_len(response);
}

fn tally_all<'a>(responses: impl IntoIterator<Item = &'a FetchResponse>) -> (u64, u64) {
    let mut counts = (0, 0);
    for response in responses {
        tally(&mut counts, response);
    }
    counts
}

/// Runs contender `name` on `workload` and returns what it measured.
pub fn run(name: &str, workload: Workload, account: &Account) -> Result<Measured, String> {
    let fail = |e: &dyn std::fmt::Display| format!("{name}: {e}");
    match name {
        "raw-drain" => raw_drain(workload, account, false).map_err(|e| fail(&e)),
        "raw-keep" => raw_drain(workload, account, true).map_err(|e| fail(&e)),
        "async-imap" => tokio_runtime().block_on(async_imap_fetch(workload, account)),
        "tokio-buffered" | "tokio-streaming" | "tokio-stream" => tokio_runtime()
            .block_on(ours_tokio(workload, account, Mode::of(name)))
            .map_err(|e| fail(&e)),
        "blocking-buffered" | "blocking-streaming" | "blocking-iter" => {
            ours_blocking(workload, account, Mode::of(name)).map_err(|e| fail(&e))
        }
        "async-std-buffered" | "async-std-streaming" | "async-std-stream" => {
            async_io::block_on(ours_async_std(workload, account, Mode::of(name)))
                .map_err(|e| fail(&e))
        }
        _ => Err(format!("unknown contender {name}")),
    }
}

/// What `#[tokio::main]` builds: the multi-threaded runtime, one worker per core; with
/// `E2E_TOKIO_RUNTIME=current-thread` in the environment, tokio's current-thread runtime
/// (driver and caller on one thread: no cross-thread wake-ups).
pub fn tokio_runtime() -> tokio::runtime::Runtime {
    let mut builder = match std::env::var("E2E_TOKIO_RUNTIME").as_deref() {
        Ok("current-thread") => tokio::runtime::Builder::new_current_thread(),
        _ => tokio::runtime::Builder::new_multi_thread(),
    };
    builder.enable_all().build().expect("tokio runtime")
}

/// The floor: the command written by hand, the socket read into one 64 KiB buffer until the
/// tagged completion, nothing parsed. With `keep`, the floor of a buffered result: every
/// byte read is kept until the end, received into fresh 1 MiB buffers (calloc'd, so their
/// pages are first touched by the kernel's copy), as any client that hands back what the
/// server sent must hold at least those bytes.
fn raw_drain(workload: Workload, account: &Account, keep: bool) -> std::io::Result<Measured> {
    let mut stream = TcpStream::connect((account.host.as_str(), account.port))?;
    stream.set_nodelay(true)?;
    let mut buf = vec![0u8; 64 * 1024];
    drain_until(&mut stream, &mut buf, b"* ")?;
    let login = format!(
        "E2ELOGIN LOGIN \"{}\" \"{}\"\r\nE2EEXAMINE EXAMINE {MAILBOX}\r\n",
        account.user, account.password
    );
    stream.write_all(login.as_bytes())?;
    drain_until(&mut stream, &mut buf, b"E2EEXAMINE ")?;
    let command = format!("E2EDRAIN UID FETCH 1:* {}\r\n", workload.wire_items());
    let mut result = Ok(0);
    let m = measured(|| {
        // Dropped inside the measurement, as the buffered contenders' results are.
        let mut kept: Vec<Vec<u8>> = Vec::new();
        result = stream.write_all(command.as_bytes()).and_then(|()| {
            if keep {
                keep_until(&mut stream, &mut kept, b"E2EDRAIN ")
            } else {
                drain_until(&mut stream, &mut buf, b"E2EDRAIN ")
            }
        });
        drop(kept);
        let bytes = *result.as_ref().unwrap_or(&0);
        (u64::from(crate::corpus::MESSAGES), bytes)
    });
    result?;
    Ok(m)
}

/// [`drain_until`], every byte kept: read into the free end of the last buffer of `kept`,
/// a new 1 MiB one when it is full.
fn keep_until(stream: &mut TcpStream, kept: &mut Vec<Vec<u8>>, tag: &[u8]) -> std::io::Result<u64> {
    const BUFFER: usize = 1 << 20;
    let mut at = BUFFER;
    let mut tail = TailCheck::default();
    loop {
        if at == BUFFER {
            kept.push(vec![0u8; BUFFER]);
            at = 0;
        }
        let buf = kept.last_mut().expect("pushed above");
        let n = stream.read(&mut buf[at..])?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        let done = tail.done(&buf[at..at + n], tag);
        at += n;
        if done {
            return Ok(tail.total);
        }
    }
}

/// Reads until a read ends with a complete line that starts with `tag`; returns the bytes
/// read.
fn drain_until(stream: &mut TcpStream, buf: &mut [u8], tag: &[u8]) -> std::io::Result<u64> {
    let mut tail = TailCheck::default();
    loop {
        let n = stream.read(buf)?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        if tail.done(&buf[..n], tag) {
            return Ok(tail.total);
        }
    }
}

/// Whether the bytes read so far end with a complete line that starts with a tag; only the
/// start of the current line is carried between reads.
#[derive(Default)]
struct TailCheck {
    total: u64,
    line_start: Vec<u8>,
}

impl TailCheck {
    /// Takes the next `chunk` read; true when it ends with a complete `tag` line.
    fn done(&mut self, chunk: &[u8], tag: &[u8]) -> bool {
        self.total += chunk.len() as u64;
        let line_start = &mut self.line_start;
        let Some(last) = chunk.iter().rposition(|&b| b == b'\n') else {
            let room = 32usize.saturating_sub(line_start.len());
            line_start.extend(chunk.iter().take(room));
            return false;
        };
        let starts_with_tag = match chunk[..last].iter().rposition(|&b| b == b'\n') {
            Some(previous) => chunk[previous + 1..].starts_with(tag),
            None => {
                line_start.extend(chunk.iter().take(32));
                line_start.starts_with(tag)
            }
        };
        if last == chunk.len() - 1 && starts_with_tag {
            return true;
        }
        line_start.clear();
        line_start.extend(chunk[last + 1..].iter().take(32));
        false
    }
}

async fn async_imap_fetch(workload: Workload, account: &Account) -> Result<Measured, String> {
    let fail = |e: &dyn std::fmt::Display| format!("async-imap: {e}");
    let stream = tokio::net::TcpStream::connect((account.host.as_str(), account.port))
        .await
        .map_err(|e| fail(&e))?;
    stream.set_nodelay(true).map_err(|e| fail(&e))?;
    let mut client = async_imap::Client::new(stream);
    client
        .read_response()
        .await
        .map_err(|e| fail(&e))?
        .ok_or("async-imap: no greeting")?;
    let mut session = client
        .login(&account.user, &account.password)
        .await
        .map_err(|(e, _)| fail(&e))?;
    session.examine(MAILBOX).await.map_err(|e| fail(&e))?;
    let meter = Meter::start();
    let mut counts = (0u64, 0u64);
    {
        let mut fetches = session
            .uid_fetch("1:*", workload.wire_items())
            .await
            .map_err(|e| fail(&e))?;
        while let Some(fetch) = fetches.next().await {
            let fetch = fetch.map_err(|e| fail(&e))?;
            if fetch.uid.is_none() {
                return Err("async-imap: a response without UID".into());
            }
            counts.0 += 1;
            counts.1 += fetch.body().map_or(0, |b| b.len() as u64);
        }
    }
    let measured = meter.stop(counts);
    let _ = session.logout().await;
    Ok(measured)
}

/// Drains one of our async FETCH streams.
async fn drain_stream(
    mut stream: impl futures_util::Stream<Item = Result<FetchResponse, Error>> + Unpin,
) -> Result<(u64, u64), Error> {
    let mut counts = (0, 0);
    while let Some(response) = stream.next().await {
        tally(&mut counts, &response?);
    }
    Ok(counts)
}

async fn ours_tokio(workload: Workload, account: &Account, mode: Mode) -> Result<Measured, Error> {
    let imap =
        imap_tokio::ImapConnection::connect(&account.host, account.port, TlsMode::Plain, T).await?;
    imap.login(&account.user, &account.password, T).await?;
    imap.examine(MAILBOX, T).await?;
    let all = SequenceSet::range_from(1)?;
    let items = workload.items();
    let meter = Meter::start();
    let counts = match mode {
        Mode::Channel => {
            let (tx, rx) = tokio::sync::mpsc::channel(STREAM_CHANNEL);
            let fetch = imap.uid_fetch_streaming(&all, &items, tx, T);
            let mut rx = rx;
            let consume = drain_stream(futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx)));
            let (fetched, consumed) = tokio::join!(fetch, consume);
            fetched?;
            consumed?
        }
        Mode::Stream => drain_stream(imap.uid_fetch_stream(&all, &items, T).await?).await?,
        Mode::Buffered => tally_all(&imap.uid_fetch(&all, &items, T).await?),
    };
    let measured = meter.stop(counts);
    let _ = imap.logout().await;
    Ok(measured)
}

async fn ours_async_std(
    workload: Workload,
    account: &Account,
    mode: Mode,
) -> Result<Measured, Error> {
    let imap =
        imap_async_std::ImapConnection::connect(&account.host, account.port, TlsMode::Plain, T)
            .await?;
    imap.login(&account.user, &account.password, T).await?;
    imap.examine(MAILBOX, T).await?;
    let all = SequenceSet::range_from(1)?;
    let items = workload.items();
    let meter = Meter::start();
    let counts = match mode {
        Mode::Channel => {
            let (tx, rx) = async_channel::bounded(STREAM_CHANNEL);
            let fetch = imap.uid_fetch_streaming(&all, &items, tx, T);
            let (fetched, consumed) =
                futures_lite::future::zip(fetch, drain_stream(Box::pin(rx))).await;
            fetched?;
            consumed?
        }
        Mode::Stream => drain_stream(imap.uid_fetch_stream(&all, &items, T).await?).await?,
        Mode::Buffered => tally_all(&imap.uid_fetch(&all, &items, T).await?),
    };
    let measured = meter.stop(counts);
    let _ = imap.logout().await;
    Ok(measured)
}

fn ours_blocking(workload: Workload, account: &Account, mode: Mode) -> Result<Measured, Error> {
    let imap =
        imap_blocking::ImapConnection::connect(&account.host, account.port, TlsMode::Plain, T)?;
    imap.login(&account.user, &account.password, T)?;
    imap.examine(MAILBOX, T)?;
    let all = SequenceSet::range_from(1)?;
    let items = workload.items();
    let mut result = Ok(());
    let m = measured(|| match mode {
        Mode::Channel => {
            let (tx, rx) = std::sync::mpsc::sync_channel(STREAM_CHANNEL);
            std::thread::scope(|scope| {
                let consumer = scope.spawn(move || {
                    let mut counts = (0, 0);
                    for response in rx {
                        match response {
                            Ok(response) => tally(&mut counts, &response),
                            Err(e) => return Err(e),
                        }
                    }
                    Ok(counts)
                });
                result = imap.uid_fetch_streaming(&all, &items, tx, T);
                match consumer.join().expect("consumer thread") {
                    Ok(counts) => counts,
                    Err(e) => {
                        result = Err(e);
                        (0, 0)
                    }
                }
            })
        }
        Mode::Stream => {
            let mut counts = (0, 0);
            let drained = imap
                .uid_fetch_stream(&all, &items, T)
                .and_then(|responses| {
                    for response in responses {
                        tally(&mut counts, &response?);
                    }
                    Ok(())
                });
            result = drained;
            counts
        }
        Mode::Buffered => match imap.uid_fetch(&all, &items, T) {
            Ok(responses) => tally_all(&responses),
            Err(e) => {
                result = Err(e);
                (0, 0)
            }
        },
    });
    result?;
    let _ = imap.logout();
    Ok(m)
}
