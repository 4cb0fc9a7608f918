//! Streaming keeps the client's memory bounded: a 200 MB message fetched with
//! `uid_fetch_streaming` (`BODY.PEEK[]`) must not raise the client's peak RSS above 16 MiB.
//!
//! The parent process starts a private Dovecot (tests/servers, 1 GB quota) and APPENDs the
//! message from a raw TCP connection, writing the LITERAL+ literal in 64 KiB pieces as it
//! generates them (the core would hold a whole literal in memory). It then runs this binary
//! again as a child (`STREAMING_RSS_CHILD=1`), so that nothing the parent did counts towards
//! the measurement. The child logs in over STARTTLS, streams the body through a small
//! channel, checks the byte count, the chunk offsets and a checksum, and reports its peak
//! RSS (`VmHWM` in /proc/self/status), which the parent checks and prints.
//!
//! Needs root or passwordless sudo for the server; skips with a message otherwise.

#[allow(dead_code)]
#[path = "../../tests/conformance/kit.rs"]
mod kit;
#[allow(dead_code)]
#[path = "../../tests/conformance/proxy.rs"]
mod proxy;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

use imap_tokio::types::{FetchAttr, MessageAttribute, SequenceSet};
use imap_tokio::{ImapConnection, TlsMode};

/// The message size: 200 MB.
const MESSAGE_SIZE: u64 = 200_000_000;
/// The most the client may use while streaming it: 16 MiB peak RSS.
const MAX_PEAK_RSS_KIB: u64 = 16 * 1024;
/// Bytes per body line, CRLF included.
const LINE: usize = 80;
/// How much of the message the parent generates and writes at a time.
const PIECE: usize = 64 * 1024;
/// The streaming channel's bound: how many responses (chunks) may wait for the reader.
const CHANNEL_BOUND: usize = 4;
/// How long the fetch may take.
const FETCH_TIMEOUT: Duration = Duration::from_secs(300);
/// Set in the child's environment; its value is not used.
const CHILD: &str = "STREAMING_RSS_CHILD";

/// FNV-1a, 64-bit: a checksum the parent computes while generating and the child while
/// receiving, without either holding the message.
#[derive(Clone, Copy)]
struct Fnv(u64);

impl Fnv {
    fn new() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }

    fn update(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
}

/// The message: a header padded so the body is whole lines, then numbered lines of
/// pseudo-random text, exactly [`MESSAGE_SIZE`] bytes. Produced piece by piece.
struct Message {
    header: Vec<u8>,
    lines: u64,
    next_line: u64,
    state: u64,
}

impl Message {
    fn new() -> Self {
        let head = "From: Streamer <streamer@example.org>\r\nTo: bob@example.org\r\n\
                    Subject: a 200 MB message\r\nDate: Mon, 2 Mar 2026 10:00:00 +0000\r\n\
                    Message-ID: <streaming-rss@example.org>\r\nX-Pad: ";
        let mut header = head.as_bytes().to_vec();
        let fixed = header.len() + "\r\n\r\n".len();
        let pad = (MESSAGE_SIZE as usize - fixed) % LINE;
        header.extend(std::iter::repeat_n(b'p', pad));
        header.extend_from_slice(b"\r\n\r\n");
        let body = MESSAGE_SIZE - header.len() as u64;
        assert_eq!(body % LINE as u64, 0);
        Message {
            header,
            lines: body / LINE as u64,
            next_line: 0,
            state: 0x9e37_79b9_7f4a_7c15,
        }
    }

    /// The next piece (the header first), or `None` at the end.
    fn next_piece(&mut self) -> Option<Vec<u8>> {
        if !self.header.is_empty() {
            return Some(std::mem::take(&mut self.header));
        }
        if self.next_line == self.lines {
            return None;
        }
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut piece = Vec::with_capacity(PIECE);
        while piece.len() + LINE <= PIECE && self.next_line < self.lines {
            piece.extend_from_slice(format!("{:010} ", self.next_line).as_bytes());
            for _ in 0..LINE - 13 {
                // xorshift64
                self.state ^= self.state << 13;
                self.state ^= self.state >> 7;
                self.state ^= self.state << 17;
                piece.push(ALPHABET[(self.state % 64) as usize]);
            }
            piece.extend_from_slice(b"\r\n");
            self.next_line += 1;
        }
        Some(piece)
    }
}

/// Reads lines until one starts with `tag `; returns that line.
fn read_until_tagged(reader: &mut impl BufRead, tag: &str) -> Result<String, String> {
    loop {
        let mut line = String::new();
        let n = reader.read_line(&mut line).map_err(|e| e.to_string())?;
        if n == 0 {
            return Err(format!("connection closed while waiting for {tag}"));
        }
        if line.starts_with(&format!("{tag} ")) {
            return Ok(line);
        }
    }
}

/// APPENDs the message to `user`'s INBOX over a raw plaintext connection, writing the
/// LITERAL+ literal (RFC 7888) in pieces. Returns the checksum and the APPEND's answer.
fn append_raw(host: &str, port: u16, user: &str, password: &str) -> Result<(Fnv, String), String> {
    let stream = TcpStream::connect((host, port)).map_err(|e| e.to_string())?;
    let mut writer = stream.try_clone().map_err(|e| e.to_string())?;
    let mut reader = BufReader::new(stream);
    let mut greeting = String::new();
    reader.read_line(&mut greeting).map_err(|e| e.to_string())?;
    if !greeting.contains("LITERAL+") {
        return Err(format!("no LITERAL+ in the greeting: {greeting}"));
    }
    write!(writer, "a LOGIN {user} {password}\r\n").map_err(|e| e.to_string())?;
    let login = read_until_tagged(&mut reader, "a")?;
    if !login.starts_with("a OK") {
        return Err(format!("LOGIN: {login}"));
    }
    write!(writer, "b APPEND INBOX {{{MESSAGE_SIZE}+}}\r\n").map_err(|e| e.to_string())?;
    let mut message = Message::new();
    let mut checksum = Fnv::new();
    let mut written = 0u64;
    while let Some(piece) = message.next_piece() {
        checksum.update(&piece);
        written += piece.len() as u64;
        writer.write_all(&piece).map_err(|e| e.to_string())?;
    }
    if written != MESSAGE_SIZE {
        return Err(format!("generated {written} bytes, not {MESSAGE_SIZE}"));
    }
    writer.write_all(b"\r\n").map_err(|e| e.to_string())?;
    let appended = read_until_tagged(&mut reader, "b")?;
    if !appended.starts_with("b OK") {
        return Err(format!("APPEND: {appended}"));
    }
    write!(writer, "c LOGOUT\r\n").map_err(|e| e.to_string())?;
    let mut rest = Vec::new();
    let _ = reader.read_to_end(&mut rest);
    Ok((checksum, appended))
}

/// A `/proc/self/status` field in KiB.
fn status_kib(field: &str) -> Option<u64> {
    std::fs::read_to_string("/proc/self/status")
        .ok()?
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// The child: streams the message and prints `bytes=.. checksum=.. chunks=.. vmhwm_kib=..`.
async fn child() -> Result<(), String> {
    let var = |key: &str| std::env::var(key).map_err(|_| format!("{key} not set"));
    let host = var("RSS_HOST")?;
    let port: u16 = var("RSS_PORT")?.parse().map_err(|_| "bad RSS_PORT")?;
    let tls = kit::trust(&var("RSS_CA")?)?;
    let before_kib = status_kib("VmHWM:").unwrap_or(0);
    let t = Duration::from_secs(20);
    let imap = ImapConnection::connect_with_tls_config(&host, port, TlsMode::StartTls, tls, t)
        .await
        .map_err(|e| format!("connect: {e}"))?;
    imap.login(&var("RSS_USER")?, &var("RSS_PASSWORD")?, t)
        .await
        .map_err(|e| format!("login: {e}"))?;
    imap.select("INBOX", t)
        .await
        .map_err(|e| format!("select: {e}"))?;
    let items = [
        FetchAttr::Uid,
        FetchAttr::BodySection {
            section: Default::default(),
            partial: None,
            peek: true,
        },
    ];
    let (tx, mut rx): (imap_tokio::FetchSender, _) = tokio::sync::mpsc::channel(CHANNEL_BOUND);
    let reader = async move {
        let (mut bytes, mut chunks, mut largest) = (0u64, 0u64, 0usize);
        let mut checksum = Fnv::new();
        while let Some(item) = rx.recv().await {
            let item: imap_tokio::types::FetchResponse =
                item.map_err(|e: imap_tokio::Error| format!("streamed item: {e}"))?;
            for attribute in &item.attributes {
                if let MessageAttribute::BodySection(section) = attribute {
                    let data = section.data.as_deref().unwrap_or_default();
                    // Chunks of a streamed literal carry their offset; a small body none.
                    let at = section.origin.map_or(0, u64::from);
                    if at != bytes {
                        return Err(format!("chunk at offset {at}, expected {bytes}"));
                    }
                    checksum.update(data);
                    bytes += data.len() as u64;
                    chunks += 1;
                    largest = largest.max(data.len());
                }
            }
        }
        Ok::<_, String>((bytes, chunks, largest, checksum))
    };
    let all = SequenceSet::all();
    let fetch = imap.uid_fetch_streaming(&all, &items, tx, FETCH_TIMEOUT);
    let (fetched, read) = tokio::join!(fetch, reader);
    fetched.map_err(|e| format!("uid_fetch_streaming: {e}"))?;
    let (bytes, chunks, largest, checksum) = read?;
    imap.logout().await.map_err(|e| format!("logout: {e}"))?;
    let peak = status_kib("VmHWM:").ok_or("no VmHWM in /proc/self/status")?;
    println!(
        "RESULT bytes={bytes} checksum={:016x} chunks={chunks} largest_chunk={largest} \
         vmhwm_before_kib={before_kib} vmhwm_kib={peak}",
        checksum.0
    );
    Ok(())
}

/// A `key=value` from the child's RESULT line.
fn field<'a>(result: &'a str, key: &str) -> Option<&'a str> {
    result
        .split_whitespace()
        .find_map(|kv| kv.strip_prefix(key)?.strip_prefix('='))
}

fn parent() -> Result<(), String> {
    kit::install()?;
    let started = Instant::now();
    let server = kit::Server::start_with(kit::Kind::Dovecot, 12460, &[("DOVECOT_QUOTA", "1G")])?;
    let (user, password) = ("bob", server.password("bob"));
    let (expected, appended) = append_raw(&server.host(), server.port(), user, &password)?;
    println!(
        "streaming_rss: appended {MESSAGE_SIZE} bytes in {:.1} s: {}",
        started.elapsed().as_secs_f64(),
        appended.trim_end()
    );
    let fetch_started = Instant::now();
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let output = Command::new(exe)
        .env(CHILD, "1")
        .env("RSS_HOST", server.host())
        .env("RSS_PORT", server.port().to_string())
        .env("RSS_CA", server.var("IMAP_CA_CERT"))
        .env("RSS_USER", user)
        .env("RSS_PASSWORD", &password)
        .output()
        .map_err(|e| format!("cannot run the child: {e}"))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    if !output.status.success() {
        return Err(format!(
            "child failed ({}): {stdout}{stderr}",
            output.status
        ));
    }
    let result = stdout
        .lines()
        .find(|l| l.starts_with("RESULT "))
        .ok_or_else(|| format!("no RESULT from the child: {stdout}{stderr}"))?;
    let number = |key: &str| -> Result<u64, String> {
        field(result, key)
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| format!("no {key} in {result}"))
    };
    let peak = number("vmhwm_kib")?;
    println!(
        "streaming_rss: fetched in {:.1} s; {result}",
        fetch_started.elapsed().as_secs_f64()
    );
    println!(
        "streaming_rss: client peak RSS while streaming 200 MB: {:.1} MiB (limit {} MiB)",
        peak as f64 / 1024.0,
        MAX_PEAK_RSS_KIB / 1024
    );
    if number("bytes")? != MESSAGE_SIZE {
        return Err(format!(
            "received {} bytes, not {MESSAGE_SIZE}",
            number("bytes")?
        ));
    }
    let checksum = format!("{:016x}", expected.0);
    if field(result, "checksum") != Some(checksum.as_str()) {
        return Err(format!("checksum differs: sent {checksum}, {result}"));
    }
    if peak > MAX_PEAK_RSS_KIB {
        return Err(format!(
            "peak RSS {peak} KiB is above {MAX_PEAK_RSS_KIB} KiB"
        ));
    }
    Ok(())
}

fn main() -> ExitCode {
    if std::env::var_os(CHILD).is_some() {
        let runtime = match tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        {
            Ok(runtime) => runtime,
            Err(e) => {
                eprintln!("child: tokio: {e}");
                return ExitCode::FAILURE;
            }
        };
        return match runtime.block_on(child()) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("child: {e}");
                ExitCode::FAILURE
            }
        };
    }
    // `cargo test` passes harness flags and filters; this binary has one test.
    if let Some(reason) = kit::cannot_run() {
        println!("streaming_rss: SKIPPED ({reason})");
        return ExitCode::SUCCESS;
    }
    match parent() {
        Ok(()) => {
            println!("streaming_rss result: ok");
            ExitCode::SUCCESS
        }
        Err(e) => {
            println!("streaming_rss: FAILED: {e}");
            ExitCode::FAILURE
        }
    }
}
