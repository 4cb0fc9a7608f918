//! One client process: opens N connections one after the other, each logged in, SELECTed
//! and left in IDLE, then reports its growth in RSS and its thread count. The same code
//! for every runtime: the adapters' handles are `imap_driver::ImapConnection<R>`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use imap_driver::{BoxFuture, CancellationToken, ImapConnection, Runtime};
use imap_tokio::{ClientConfig, TlsMode};

use crate::pki::Pki;

const T: Duration = Duration::from_secs(60);

/// Runs `adapter` (tokio, async-std or smol) with `n` connections to `port`, over TLS when
/// `pki` is given, and prints one line of the table.
pub fn run(adapter: &str, n: usize, port: u16, pki: Option<Pki>) {
    let tls = pki.map(|pki| pki.client_config());
    let transport = if tls.is_some() { "tls" } else { "plain" };
    let (before, after) = match adapter {
        "tokio" => {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("runtime");
            let spawn = |idle: BoxFuture<()>| drop(tokio::spawn(idle));
            runtime.block_on(idle_connections::<imap_tokio::Tokio>(n, port, tls, spawn))
        }
        "async-std" => {
            let spawn = |idle: BoxFuture<()>| drop(async_std::task::spawn(idle));
            async_std::task::block_on(idle_connections::<imap_async_std::AsyncIo>(
                n, port, tls, spawn,
            ))
        }
        "smol" => {
            let spawn = |idle: BoxFuture<()>| smol::spawn(idle).detach();
            smol::block_on(idle_connections::<imap_async_std::AsyncIo>(
                n, port, tls, spawn,
            ))
        }
        other => panic!("unknown adapter {other}"),
    };
    let per = after.0.saturating_sub(before.0) as f64 / n as f64;
    let threads_per = after.1.saturating_sub(before.1) as f64 / n as f64;
    println!(
        "{adapter}\t{transport}\t{n}\t{per:.1}\t{}\t{threads_per:.3}",
        after.1
    );
}

/// RSS and threads before and after `n` connections went idle.
async fn idle_connections<R: Runtime>(
    n: usize,
    port: u16,
    tls: Option<Arc<ClientConfig>>,
    spawn: impl Fn(BoxFuture<()>),
) -> ((u64, u64), (u64, u64)) {
    let settle = |d: Duration| R::sleep_until(Instant::now() + d);
    settle(Duration::from_millis(200)).await;
    let before = rss_and_threads();
    let mut held = Vec::with_capacity(n);
    for _ in 0..n {
        let imap = match &tls {
            Some(config) => {
                let config = config.clone();
                ImapConnection::<R>::connect_with_tls_config(
                    "127.0.0.1",
                    port,
                    TlsMode::Implicit,
                    config,
                    T,
                )
                .await
            }
            None => ImapConnection::<R>::connect("127.0.0.1", port, TlsMode::Plain, T).await,
        };
        let imap = Arc::new(imap.expect("connect"));
        imap.login("u", "p", T).await.expect("login");
        imap.select("INBOX", T).await.expect("select");
        let idler = imap.clone();
        spawn(Box::pin(async move {
            let _ = idler
                .idle(Duration::from_secs(3600), CancellationToken::new())
                .await;
        }));
        held.push(imap);
    }
    settle(Duration::from_secs(2)).await;
    (before, rss_and_threads())
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
