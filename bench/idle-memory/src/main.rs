//! Memory per idle connection (issue 16): N connections, each logged in, SELECTed and in
//! IDLE, against a stub server in another process; the client's RSS and thread count before
//! and after, per connection.
//!
//! `cargo run --release -p idle-memory -- all 1000 10000` (raise `ulimit -n` first) runs the
//! stub server and one client process per adapter and N, and prints the table.
//! `idle-memory server PORT` and `idle-memory client ADAPTER N PORT` are the two halves.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::Duration;

const T: Duration = Duration::from_secs(60);

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("server") => server(args[1].parse().expect("port")),
        Some("client") => client(
            &args[1],
            args[2].parse().expect("n"),
            args[3].parse().expect("port"),
        ),
        Some("all") => all(&args[1..]),
        _ => eprintln!("usage: idle-memory all N.. | server PORT | client ADAPTER N PORT"),
    }
}

/// The stub: greets, accepts LOGIN, SELECT and IDLE, then stays silent.
fn server(port: u16) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
            .await
            .expect("bind");
        println!("ready");
        loop {
            let Ok((socket, _)) = listener.accept().await else {
                continue;
            };
            tokio::spawn(serve(socket));
        }
    });
}

async fn serve(socket: tokio::net::TcpStream) {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt};
    let (reader, mut writer) = socket.into_split();
    let mut lines = tokio::io::BufReader::new(reader).lines();
    let caps = "CAPABILITY IMAP4rev1 IDLE";
    let _ = writer
        .write_all(format!("* OK [{caps}] stub\r\n").as_bytes())
        .await;
    while let Ok(Some(line)) = lines.next_line().await {
        let (tag, command) = line.split_once(' ').unwrap_or((&line, ""));
        let verb = command.split(' ').next().unwrap_or("").to_ascii_uppercase();
        let reply = match verb.as_str() {
            "LOGIN" => format!("{tag} OK [{caps}] logged in\r\n"),
            "CAPABILITY" => format!("* {caps}\r\n{tag} OK done\r\n"),
            "SELECT" => format!(
                "* FLAGS (\\Seen)\r\n* 0 EXISTS\r\n* OK [UIDVALIDITY 1] ok\r\n{tag} OK [READ-WRITE] selected\r\n"
            ),
            "IDLE" => "+ idling\r\n".to_string(),
            "LOGOUT" => format!("* BYE bye\r\n{tag} OK bye\r\n"),
            _ => format!("{tag} OK done\r\n"),
        };
        if writer.write_all(reply.as_bytes()).await.is_err() {
            return;
        }
    }
}

/// RSS in KiB and the thread count, from /proc/self/status.
fn rss_and_threads() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("Threads:"))
}

fn report(adapter: &str, n: usize, before: (u64, u64), after: (u64, u64)) {
    let per = (after.0.saturating_sub(before.0)) as f64 / n as f64;
    println!(
        "{adapter}\t{n}\t{:.1}\t{}\t{:.3}",
        per,
        after.1,
        after.1.saturating_sub(before.1) as f64 / n as f64
    );
}

fn client(adapter: &str, n: usize, port: u16) {
    match adapter {
        "tokio" => {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(async {
                tokio::time::sleep(Duration::from_millis(200)).await;
                let before = rss_and_threads();
                let mut held = Vec::with_capacity(n);
                for _ in 0..n {
                    let imap = imap_tokio::ImapConnection::connect(
                        "127.0.0.1",
                        port,
                        imap_tokio::TlsMode::Plain,
                        T,
                    )
                    .await
                    .expect("connect");
                    imap.login("u", "p", T).await.expect("login");
                    imap.select("INBOX", T).await.expect("select");
                    let imap = std::sync::Arc::new(imap);
                    let idler = imap.clone();
                    tokio::spawn(async move {
                        let _ = idler
                            .idle(
                                Duration::from_secs(3600),
                                imap_tokio::CancellationToken::new(),
                            )
                            .await;
                    });
                    held.push(imap);
                }
                tokio::time::sleep(Duration::from_secs(2)).await;
                report(adapter, n, before, rss_and_threads());
            });
        }
        "async-std" | "smol" => {
            let run = async {
                let sleep = |d| async_io_sleep(d);
                sleep(Duration::from_millis(200)).await;
                let before = rss_and_threads();
                let mut held = Vec::with_capacity(n);
                for _ in 0..n {
                    let imap = imap_async_std::ImapConnection::connect(
                        "127.0.0.1",
                        port,
                        imap_async_std::TlsMode::Plain,
                        T,
                    )
                    .await
                    .expect("connect");
                    imap.login("u", "p", T).await.expect("login");
                    imap.select("INBOX", T).await.expect("select");
                    let imap = std::sync::Arc::new(imap);
                    let idler = imap.clone();
                    let idle = async move {
                        let _ = idler
                            .idle(
                                Duration::from_secs(3600),
                                imap_async_std::CancellationToken::new(),
                            )
                            .await;
                    };
                    if adapter == "smol" {
                        smol::spawn(idle).detach();
                    } else {
                        async_std::task::spawn(idle);
                    }
                    held.push(imap);
                }
                sleep(Duration::from_secs(2)).await;
                report(adapter, n, before, rss_and_threads());
            };
            if adapter == "smol" {
                smol::block_on(run);
            } else {
                async_std::task::block_on(run);
            }
        }
        other => panic!("unknown adapter {other}"),
    }
}

async fn async_io_sleep(d: Duration) {
    smol::Timer::after(d).await;
}

fn all(ns: &[String]) {
    let me = std::env::current_exe().expect("exe");
    let port = 14300 + (std::process::id() % 500) as u16;
    let mut server = Command::new(&me)
        .args(["server", &port.to_string()])
        .stdout(Stdio::piped())
        .spawn()
        .expect("server");
    let mut ready = String::new();
    BufReader::new(server.stdout.take().expect("stdout"))
        .read_line(&mut ready)
        .expect("ready");
    println!("adapter\tconnections\tKiB RSS per connection\tthreads\tthreads per connection");
    for n in ns {
        for adapter in ["tokio", "async-std", "smol"] {
            let out = Command::new(&me)
                .args(["client", adapter, n, &port.to_string()])
                .output()
                .expect("client");
            std::io::stdout().write_all(&out.stdout).expect("stdout");
            if !out.status.success() {
                eprintln!("{adapter} {n}: {}", String::from_utf8_lossy(&out.stderr));
            }
        }
    }
    let _ = server.kill();
    let _ = server.wait();
}
