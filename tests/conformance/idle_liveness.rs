//! IDLE that never goes stale (issue 12, item 3), against scripted servers: a server that
//! stops answering mid-IDLE (a blackhole: nothing more in either direction, the socket left
//! open) ends the call with `Error::PeerUnresponsive` within the configured bound, not the
//! caller's timeout; a long IDLE is re-issued (`DONE`, `IDLE`) and a silent but live
//! server probed (`DONE`, `NOOP`, `IDLE`) without the caller noticing, events still
//! arriving; TCP keepalive is on by default. A real server cannot be made to go silent on
//! demand, and its re-issue would take 25 minutes.

use std::time::{Duration, Instant};

use crate::adapter::types::IdleEvent;
use crate::adapter::{
    CancellationToken, ConnectOptions, Error, IdleTimers, ImapConnection, NAME, TlsMode, TypedEvent,
};

use super::ScriptedCase;
use super::scripted::{PREAUTH, Peer, ServerThread, T, serve};
use super::support::{Fail, TestResult};
use crate::{ensure, ensure_err, scripted_case};

/// The caller's timeout: far beyond the liveness bound, so a call that waited for it
/// would show.
const CALLER_TIMEOUT: Duration = Duration::from_secs(30);

/// The upper bound asserted for the blackholed IDLE: silence 1 s + probe 1 s, with room
/// for a loaded CI machine.
const BOUND: Duration = Duration::from_secs(10);

pub fn cases() -> Vec<ScriptedCase> {
    vec![
        scripted_case!(idle_blackholed_mid_idle_fails_within_the_liveness_bound),
        scripted_case!(idle_blackholed_before_the_continuation_fails_within_the_bound),
        scripted_case!(idle_done_unanswered_fails_within_the_probe_timeout),
        scripted_case!(idle_is_reissued_and_events_keep_flowing),
        scripted_case!(idle_probes_a_silent_live_server_and_goes_on),
        scripted_case!(tcp_keepalive_is_on_by_default_and_can_be_switched_off),
    ]
}

flavored! {
    /// [`serve`], then a Plain connection to it with `options`.
    async fn scripted_with(
        options: ConnectOptions,
        script: impl FnOnce(Peer) + Send + 'static,
    ) -> Result<(ImapConnection, ServerThread, u16), Fail> {
        let (port, server) = serve(PREAUTH, script);
        let client = aw!(ImapConnection::connect_with("127.0.0.1", port, options, T))?;
        Ok((client, server, port))
    }
}

/// Options with the given IDLE timers.
fn timers(reissue_ms: u64, silence_ms: u64, probe_ms: u64) -> ConnectOptions {
    ConnectOptions::new(TlsMode::Plain).idle_timers(IdleTimers::new(
        Duration::from_millis(reissue_ms),
        Duration::from_millis(silence_ms),
        Duration::from_millis(probe_ms),
    ))
}

flavored! {
    /// An `idle()` against a peer gone silent (timers of [`timers`]`(_, 1000, 1000)`) ends
    /// with `PeerUnresponsive` within [`BOUND`]; the elapsed time is printed as `scenario`.
    async fn idle_fails_within_the_bound(client: &ImapConnection, scenario: &str) -> TestResult {
        let started = Instant::now();
        let idled = aw!(client.idle(CALLER_TIMEOUT, CancellationToken::new()));
        let took = started.elapsed();
        println!("    [{NAME}] {scenario} (silence 1 s, probe 1 s) returned after {took:?}: {idled:?}");
        ensure_err!(&idled, Error::PeerUnresponsive);
        ensure!(took < BOUND, "took {took:?}");
        Ok(())
    }
}

/// The server side of a blackhole: it reads what the client sends (the probe's `DONE`)
/// and answers nothing, until the client closes the socket.
fn blackhole(peer: &mut Peer) -> String {
    let (sent, closed) = peer.rest_and_close(BOUND + Duration::from_secs(5));
    assert!(
        closed,
        "the client kept the socket open after the dead-peer error"
    );
    String::from_utf8_lossy(&sent).into_owned()
}

async fn idle_blackholed_mid_idle_fails_within_the_liveness_bound() -> TestResult {
    let (client, server, _) = aw!(scripted_with(timers(60_000, 1_000, 1_000), |mut peer| {
        let _ = peer.expect("IDLE");
        peer.send("+ idling\r\n");
        // From here on the "network" drops everything: the probe's DONE is never answered.
        let sent = blackhole(&mut peer);
        assert_eq!(
            sent, "DONE\r\n",
            "the client sent more than the probe's DONE"
        );
    }))?;
    aw!(idle_fails_within_the_bound(&client, "blackholed IDLE"))?;
    // The connection is over: a later call fails at once.
    let started = Instant::now();
    let noop = aw!(client.noop(CALLER_TIMEOUT));
    ensure!(
        matches!(&noop, Err(Error::ConnectionFailed(cause)) if matches!(**cause, Error::PeerUnresponsive)),
        "{noop:?}"
    );
    ensure!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    aw!(server.finish())
}

async fn idle_blackholed_before_the_continuation_fails_within_the_bound() -> TestResult {
    // The server takes the IDLE and never sends `+`: no DONE may be sent (RFC 2177), the
    // silence alone decides.
    let (client, server, _) = aw!(scripted_with(timers(60_000, 1_000, 1_000), |mut peer| {
        let _ = peer.expect("IDLE");
        let sent = blackhole(&mut peer);
        assert_eq!(sent, "", "the client sent something before the server's +");
    }))?;
    aw!(idle_fails_within_the_bound(&client, "IDLE never accepted"))?;
    aw!(server.finish())
}

async fn idle_done_unanswered_fails_within_the_probe_timeout() -> TestResult {
    // The caller's own timeout ends the IDLE (300 ms); the server goes silent as DONE goes
    // out. The DONE's answer is due within the probe timeout (1 s), not
    // IDLE_DONE_TIMEOUT (30 s).
    let options = timers(60_000, 60_000, 1_000);
    let (client, server, _) = aw!(scripted_with(options, |mut peer| {
        let _ = peer.expect("IDLE");
        peer.send("+ idling\r\n");
        let sent = blackhole(&mut peer);
        assert_eq!(sent, "DONE\r\n");
    }))?;
    let started = Instant::now();
    let idled = aw!(client.idle(Duration::from_millis(300), CancellationToken::new()));
    let took = started.elapsed();
    println!(
        "    [{NAME}] DONE unanswered (idle 300 ms, probe 1 s) returned after {took:?}: {idled:?}"
    );
    ensure_err!(&idled, Error::PeerUnresponsive);
    ensure!(took < BOUND, "took {took:?}");
    aw!(server.finish())
}

async fn idle_is_reissued_and_events_keep_flowing() -> TestResult {
    // A re-issue every 300 ms; the caller's one idle() sees none of them.
    let (client, server, _) = aw!(scripted_with(timers(300, 60_000, 5_000), |mut peer| {
        let mut idles = 0;
        for _ in 0..3 {
            let tag = peer.expect("IDLE");
            idles += 1;
            peer.send("+ idling\r\n");
            assert_eq!(peer.line(), "DONE");
            peer.send(&format!("{tag} OK IDLE terminated\r\n"));
        }
        // After the third re-issue, mail arrives: it ends the caller's wait.
        let tag = peer.expect("IDLE");
        idles += 1;
        peer.send("+ idling\r\n* 4 EXISTS\r\n");
        assert_eq!(peer.line(), "DONE");
        peer.send(&format!("{tag} OK IDLE terminated\r\n"));
        assert_eq!(idles, 4);
        let tag = peer.expect("NOOP");
        peer.send(&format!("{tag} OK done\r\n"));
    }))?;
    let idled = aw!(client.idle(CALLER_TIMEOUT, CancellationToken::new()))?;
    ensure!(
        idled == IdleEvent::Changed(vec![TypedEvent::Exists(4)]),
        "{idled:?}"
    );
    aw!(client.noop(T))?;
    aw!(server.finish())
}

async fn idle_probes_a_silent_live_server_and_goes_on() -> TestResult {
    // Silence 300 ms: the client probes (DONE, NOOP, IDLE); the server answers each, then
    // has mail for it. An EXISTS the NOOP brings counts as the IDLE's activity as well.
    let (client, server, _) = aw!(scripted_with(timers(60_000, 300, 5_000), |mut peer| {
        let tag = peer.expect("IDLE");
        peer.send("+ idling\r\n");
        assert_eq!(peer.line(), "DONE");
        peer.send(&format!("{tag} OK IDLE terminated\r\n"));
        let tag = peer.expect("NOOP");
        peer.send(&format!("{tag} OK NOOP completed\r\n"));
        let tag = peer.expect("IDLE");
        peer.send("+ idling\r\n* 5 EXISTS\r\n");
        assert_eq!(peer.line(), "DONE");
        peer.send(&format!("{tag} OK IDLE terminated\r\n"));
    }))?;
    let idled = aw!(client.idle(CALLER_TIMEOUT, CancellationToken::new()))?;
    ensure!(
        idled == IdleEvent::Changed(vec![TypedEvent::Exists(5)]),
        "{idled:?}"
    );
    aw!(server.finish())
}

/// The kernel's view of the client's end of the connection to `port` (Linux
/// `/proc/net/tcp`): `Some(true)` when its keepalive timer is armed (timer kind 2).
fn keepalive_armed(port: u16) -> Option<bool> {
    let table = std::fs::read_to_string("/proc/net/tcp").ok()?;
    let remote = format!(":{port:04X}");
    table.lines().skip(1).find_map(|line| {
        let fields: Vec<&str> = line.split_whitespace().collect();
        // local, remote, state (01 established), "tx:rx", "timer:when".
        let (remote_address, state, timer) = (fields.get(2)?, fields.get(3)?, fields.get(5)?);
        (remote_address.ends_with(&remote) && *state == "01").then(|| timer.starts_with("02:"))
    })
}

async fn tcp_keepalive_is_on_by_default_and_can_be_switched_off() -> TestResult {
    if !std::path::Path::new("/proc/net/tcp").exists() {
        return Err(Fail::Skip(
            "no /proc/net/tcp to read the socket's timers".into(),
        ));
    }
    let hold = |mut peer: Peer| {
        let tag = peer.expect("NOOP");
        peer.send(&format!("{tag} OK done\r\n"));
    };
    let (client, server, port) = aw!(scripted_with(ConnectOptions::new(TlsMode::Plain), hold))?;
    let on = keepalive_armed(port);
    aw!(client.noop(T))?;
    aw!(server.finish())?;
    ensure!(on == Some(true), "default keepalive: {on:?}");
    let off = ConnectOptions::new(TlsMode::Plain).tcp_keepalive(None);
    let (client, server, port) = aw!(scripted_with(off, hold))?;
    let off = keepalive_armed(port);
    aw!(client.noop(T))?;
    aw!(server.finish())?;
    ensure!(off == Some(false), "keepalive switched off: {off:?}");
    Ok(())
}
