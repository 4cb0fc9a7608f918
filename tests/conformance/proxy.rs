//! A fault-injection TCP proxy: it sits between a client and a real server and forwards
//! every byte unchanged, but never the way it came: each read is re-sent in pieces of random
//! size (often single bytes, sometimes a few bytes, sometimes kilobytes), with short random
//! pauses between them, in both directions. A client whose results change behind it has a
//! framing or buffering bug: IMAP gives no guarantee about how a stream is segmented.
//!
//! The proxy is plain std threads (two per connection), so it serves every adapter alike.
//! The randomness comes from a seed (`IMAP_FAULT_SEED` replays a run).
//!
//! A case may also arm a cut ([`FaultProxy::cut_after`]): the proxy then closes the
//! connection both ways after so many more bytes, wherever that falls in a response.

use std::fmt;
use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::thread;
use std::time::Duration;

/// The seed for this run: `IMAP_FAULT_SEED`, or one from the clock.
pub fn seed() -> u64 {
    std::env::var("IMAP_FAULT_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos() as u64)
                .unwrap_or(1)
        })
}

/// What the proxy did, for the report (so a run shows the faults really happened).
#[derive(Default)]
pub struct Stats {
    connections: AtomicU64,
    bytes: AtomicU64,
    writes: AtomicU64,
    single_bytes: AtomicU64,
    pauses: AtomicU64,
}

impl fmt::Display for Stats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        write!(
            f,
            "{} connections, {} bytes in {} writes ({} single bytes), {} pauses",
            get(&self.connections),
            get(&self.bytes),
            get(&self.writes),
            get(&self.single_bytes),
            get(&self.pauses)
        )
    }
}

/// A running proxy; dropping it stops accepting (open connections end with their peers).
pub struct FaultProxy {
    port: u16,
    stop: Arc<AtomicBool>,
    stats: Arc<Stats>,
    cut: Arc<AtomicI64>,
}

/// No cut armed.
const NO_CUT: i64 = i64::MAX;

impl FaultProxy {
    /// Listens on a free loopback port and forwards each connection to `upstream`.
    pub fn start(upstream: SocketAddr, seed: u64) -> std::io::Result<FaultProxy> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let port = listener.local_addr()?.port();
        listener.set_nonblocking(true)?;
        let stop = Arc::new(AtomicBool::new(false));
        let stats = Arc::new(Stats::default());
        let cut = Arc::new(AtomicI64::new(NO_CUT));
        let (stop2, stats2, cut2) = (stop.clone(), stats.clone(), cut.clone());
        thread::spawn(move || {
            let mut next_seed = seed;
            while !stop2.load(Ordering::Relaxed) {
                match listener.accept() {
                    Ok((client, _)) => {
                        next_seed = Rng(next_seed).next();
                        if let Err(e) = connect_pair(client, upstream, next_seed, &stats2, &cut2) {
                            eprintln!("fault proxy: cannot reach {upstream}: {e}");
                        }
                    }
                    Err(e) if e.kind() == ErrorKind::WouldBlock => {
                        thread::sleep(Duration::from_millis(2));
                    }
                    Err(_) => thread::sleep(Duration::from_millis(2)),
                }
            }
        });
        Ok(FaultProxy {
            port,
            stop,
            stats,
            cut,
        })
    }

    /// The loopback port clients connect to.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Closes the connection carrying the `bytes`-th byte from now (either direction, any
    /// connection), both ways at once; one cut per call.
    pub fn cut_after(&self, bytes: u64) {
        self.cut
            .store(i64::try_from(bytes).unwrap_or(NO_CUT), Ordering::Relaxed);
    }

    /// What the proxy has done so far.
    pub fn stats(&self) -> &Stats {
        &self.stats
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// Connects to `upstream` and starts one pump per direction.
fn connect_pair(
    client: TcpStream,
    upstream: SocketAddr,
    seed: u64,
    stats: &Arc<Stats>,
    cut: &Arc<AtomicI64>,
) -> std::io::Result<()> {
    client.set_nonblocking(false)?;
    let server = TcpStream::connect(upstream)?;
    for stream in [&client, &server] {
        // Each piece goes out as its own segment: that is the point.
        stream.set_nodelay(true)?;
    }
    stats.connections.fetch_add(1, Ordering::Relaxed);
    let (client2, server2) = (client.try_clone()?, server.try_clone()?);
    let (up_stats, down_stats) = (stats.clone(), stats.clone());
    let (up_cut, down_cut) = (cut.clone(), cut.clone());
    thread::spawn(move || pump(client, server, Rng(seed ^ 0x5555), &up_stats, &up_cut));
    thread::spawn(move || pump(server2, client2, Rng(seed ^ 0xAAAA), &down_stats, &down_cut));
    Ok(())
}

/// Copies `from` to `to` in random pieces until either side ends, then passes the end on;
/// an armed cut ends both sides at its byte.
fn pump(mut from: TcpStream, mut to: TcpStream, mut rng: Rng, stats: &Stats, cut: &AtomicI64) {
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = match from.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        let mut rest = &buf[..n];
        while !rest.is_empty() {
            let mut piece = rng.piece_len(rest.len());
            let left = cut.load(Ordering::Relaxed);
            if left != NO_CUT {
                if left <= 0 {
                    cut.store(NO_CUT, Ordering::Relaxed);
                    let _ = from.shutdown(Shutdown::Both);
                    let _ = to.shutdown(Shutdown::Both);
                    return;
                }
                piece = piece.min(usize::try_from(left).unwrap_or(usize::MAX));
                cut.fetch_sub(piece as i64, Ordering::Relaxed);
            }
            if to.write_all(&rest[..piece]).is_err() {
                let _ = from.shutdown(Shutdown::Both);
                return;
            }
            stats.writes.fetch_add(1, Ordering::Relaxed);
            stats.bytes.fetch_add(piece as u64, Ordering::Relaxed);
            if piece == 1 {
                stats.single_bytes.fetch_add(1, Ordering::Relaxed);
            }
            rest = &rest[piece..];
            if let Some(pause) = rng.pause() {
                stats.pauses.fetch_add(1, Ordering::Relaxed);
                thread::sleep(pause);
            }
        }
    }
    let _ = to.shutdown(Shutdown::Write);
}

/// xorshift64*: small, seedable, good enough to pick split points (and the sync cases'
/// random changes).
pub struct Rng(pub u64);

impl Rng {
    /// The next pseudo-random value.
    pub fn next(&mut self) -> u64 {
        let mut x = self.0.max(1);
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// How much of `available` bytes to send next: a quarter of the pieces are single bytes,
    /// a quarter up to 16 bytes, a quarter up to 4 KiB, the rest whatever is left. Large
    /// reads (message bodies) mostly go in big pieces so a 4 MB FETCH stays fast.
    fn piece_len(&mut self, available: usize) -> usize {
        let roll = self.next();
        let cap = match roll % 4 {
            0 => 1,
            1 => 1 + (roll >> 8) as usize % 16,
            2 => 1 + (roll >> 8) as usize % 4096,
            _ => available,
        };
        cap.min(available)
    }

    /// A pause after a piece: one piece in 32 waits up to 3 ms.
    fn pause(&mut self) -> Option<Duration> {
        let roll = self.next();
        roll.is_multiple_of(32)
            .then(|| Duration::from_micros((roll >> 8) % 3000))
    }
}
