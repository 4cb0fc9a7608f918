//! Calls in flight at a 20 ms round trip: a relay in front of the server delays every
//! chunk by `ONE_WAY` in each direction (order kept), then imap-tokio runs, alternating,
//! one `UID FETCH 1:500 (UID FLAGS)` and 500 concurrent `uid_fetch` calls of one UID each
//! (`join_all` on one connection). Wall time is the measure here: it is dominated by the
//! round trips, not by CPU.

use std::time::{Duration, Instant};

use futures_util::future::join_all;
use imap_tokio::types::{FetchAttr, SequenceSet};
use imap_tokio::{Config, ConnectOptions, Error, ImapConnection, TlsMode};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

use crate::{Account, MAILBOX};

/// The delay each way: a 20 ms round trip.
pub const ONE_WAY: Duration = Duration::from_millis(10);
/// Concurrent calls.
pub const CALLS: u32 = 500;

const T: Duration = Duration::from_secs(120);

/// One round's wall times.
#[derive(Debug, Clone, Copy)]
pub struct Round {
    /// A NOOP: one round trip through the relay and the server.
    pub noop: Duration,
    pub one_fetch: Duration,
    pub concurrent: Duration,
    pub failures: u32,
}

/// A listener on a free loopback port that relays to `upstream` with `ONE_WAY` of delay
/// each way.
async fn delay_relay(upstream: (String, u16)) -> std::io::Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let port = listener.local_addr()?.port();
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let Ok(server) = TcpStream::connect((upstream.0.as_str(), upstream.1)).await else {
                continue;
            };
            let _ = client.set_nodelay(true);
            let _ = server.set_nodelay(true);
            let (client_read, client_write) = client.into_split();
            let (server_read, server_write) = server.into_split();
            delayed_pump(client_read, server_write);
            delayed_pump(server_read, client_write);
        }
    });
    Ok(port)
}

/// Copies `from` to `to`, each chunk written `ONE_WAY` after it was read.
fn delayed_pump(mut from: OwnedReadHalf, mut to: OwnedWriteHalf) {
    let (chunks, mut due) = mpsc::unbounded_channel::<(tokio::time::Instant, Vec<u8>)>();
    tokio::spawn(async move {
        let mut buf = vec![0u8; 64 * 1024];
        while let Ok(n) = from.read(&mut buf).await {
            if n == 0
                || chunks
                    .send((tokio::time::Instant::now() + ONE_WAY, buf[..n].to_vec()))
                    .is_err()
            {
                break;
            }
        }
    });
    tokio::spawn(async move {
        while let Some((at, chunk)) = due.recv().await {
            tokio::time::sleep_until(at).await;
            if to.write_all(&chunk).await.is_err() {
                break;
            }
        }
        let _ = to.shutdown().await;
    });
}

/// `rounds` rounds, the two sides alternating, on a connection with `max_in_flight` (the
/// default `Config` when `None`).
pub async fn run(
    account: &Account,
    rounds: usize,
    max_in_flight: Option<usize>,
) -> Result<Vec<Round>, Error> {
    let port = delay_relay((account.host.clone(), account.port)).await?;
    let mut config = Config::default();
    if let Some(max) = max_in_flight {
        config.max_in_flight = max;
    }
    let options = ConnectOptions::new(TlsMode::Plain).config(config);
    let imap = ImapConnection::connect_with("127.0.0.1", port, options, T).await?;
    imap.login(&account.user, &account.password, T).await?;
    imap.examine(MAILBOX, T).await?;
    let items = [FetchAttr::Uid, FetchAttr::Flags];
    let first = SequenceSet::range(1, CALLS)?;
    let mut results = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        let started = Instant::now();
        imap.noop(T).await?;
        let noop = started.elapsed();

        let started = Instant::now();
        let all = imap.uid_fetch(&first, &items, T).await?;
        let one_fetch = started.elapsed();
        assert_eq!(all.len(), CALLS as usize, "UID FETCH 1:{CALLS}");

        let started = Instant::now();
        let calls = (1..=CALLS).map(|uid| {
            let imap = &imap;
            let items = &items;
            async move {
                let set = SequenceSet::single(uid)?;
                let found = imap.uid_fetch(&set, items, T).await?;
                Ok::<_, Error>(matches!(found.as_slice(), [one] if one.uid() == Some(uid)))
            }
        });
        let outcomes = join_all(calls).await;
        let concurrent = started.elapsed();
        // A failure is an error or an answer that is not the one message asked for.
        let failures = outcomes.iter().filter(|o| !matches!(o, Ok(true))).count() as u32;
        if let Some(Err(e)) = outcomes.iter().find(|o| o.is_err()) {
            eprintln!("e2e: first failed concurrent call: {e}");
        }
        results.push(Round {
            noop,
            one_fetch,
            concurrent,
            failures,
        });
    }
    let _ = imap.logout().await;
    Ok(results)
}
