//! [`IdleTimers`] and the keeper that applies them: the clock side of a long IDLE, shared by
//! the async driver and the blocking adapter (issue 12, item 3).
//!
//! The core has no clock. It renews an IDLE when asked ([`Idle::renew`]: `DONE`, then `IDLE`
//! again, with a `NOOP` between for a probe) and counts the bytes it receives
//! ([`Connection::bytes_received`]). The keeper stamps each change of that count with the
//! time and decides, at the instants it names, whether to re-issue the IDLE, to probe a
//! silent server, or to give the peer up for dead.

use std::time::{Duration, Instant};

use imap_proto_core::ops::idle::{Idle, Renewal};
use imap_proto_core::{Connection, OpId, TimeoutVerdict};

/// How `idle()` keeps a long IDLE alive and notices a dead server, in every adapter
/// (`ConnectOptions::idle_timers`).
///
/// - Every [`reissue`](Self::reissue) the IDLE is ended and started again (`DONE`, then
///   `IDLE`), without the caller noticing: RFC 2177 §3 asks clients to re-issue IDLE at least
///   every 29 minutes, since servers may log out a client inactive for 30.
/// - After [`silence`](Self::silence) without a byte from the server (keepalives such as
///   Dovecot's `* OK Still here` count), the client probes: `DONE`, `NOOP`, `IDLE`.
/// - A re-issue or probe the server does not answer within
///   [`probe_timeout`](Self::probe_timeout) (not a byte) ends the call with the fatal
///   `Error::PeerUnresponsive`; the socket is closed and later calls fail at once. The
///   worst case from the last byte heard to the error is `silence + probe_timeout`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct IdleTimers {
    /// Re-issue the IDLE after this long. Default 25 minutes: under RFC 2177's 29 with
    /// room for a slow round trip.
    pub reissue: Duration,
    /// Probe after this long without a byte from the server. Default 5 minutes: Dovecot
    /// sends a keepalive every 2 minutes (so it is never probed), and the common NAT and
    /// firewall idle timeouts are longer than 5 minutes for TCP, so the probe also finds a
    /// mapping that was dropped. A silent server costs one `DONE`/`NOOP`/`IDLE` exchange
    /// (about 60 bytes each way) per 5 minutes.
    pub silence: Duration,
    /// How long a re-issue or probe may go unanswered. Default 10 seconds: a live server
    /// answers `DONE` and `NOOP` in one round trip; ten seconds covers a congested mobile
    /// link without leaving a dead connection looking alive for long.
    pub probe_timeout: Duration,
}

impl Default for IdleTimers {
    fn default() -> Self {
        IdleTimers {
            reissue: Duration::from_secs(25 * 60),
            silence: Duration::from_secs(5 * 60),
            probe_timeout: Duration::from_secs(10),
        }
    }
}

impl IdleTimers {
    /// Re-issue after `reissue`, probe after `silence` without a byte, give up on a probe
    /// unanswered for `probe_timeout`. Zero durations are raised to one millisecond.
    pub fn new(reissue: Duration, silence: Duration, probe_timeout: Duration) -> Self {
        let floor = |d: Duration| d.max(Duration::from_millis(1));
        IdleTimers {
            reissue: floor(reissue),
            silence: floor(silence),
            probe_timeout: floor(probe_timeout),
        }
    }

    /// When an IDLE started `now` is first checked (for the adapters' IDLE loops).
    #[doc(hidden)]
    pub fn first_check(&self, now: Instant) -> Instant {
        later(now, self.reissue.min(self.silence))
    }
}

/// The clock of one running IDLE.
#[derive(Debug)]
pub(crate) struct IdleKeeper {
    timers: IdleTimers,
    /// [`Connection::bytes_received`] when last seen, and when it last changed.
    heard: u64,
    heard_at: Instant,
    /// When the IDLE is next re-issued.
    renew_at: Instant,
    /// A re-issue or probe is out: the server must send something by then.
    answer_by: Option<Instant>,
}

impl IdleKeeper {
    /// The clock of an IDLE submitted `now` on `conn`.
    pub(crate) fn new(timers: IdleTimers, conn: &Connection, now: Instant) -> Self {
        IdleKeeper {
            timers,
            heard: conn.bytes_received(),
            heard_at: now,
            renew_at: later(now, timers.reissue),
            answer_by: None,
        }
    }

    /// Records what the server sent so far: any byte answers a re-issue or probe.
    pub(crate) fn hear(&mut self, conn: &Connection, now: Instant) {
        let received = conn.bytes_received();
        if received != self.heard {
            self.heard = received;
            self.heard_at = now;
            self.answer_by = None;
        }
    }

    /// When [`IdleKeeper::check`] has something to decide: with a re-issue or probe out,
    /// its deadline (or the next re-issue, if sooner: the answer may have come by then);
    /// otherwise the end of the silence allowed, or the next re-issue.
    pub(crate) fn next_check(&self) -> Instant {
        match self.answer_by {
            Some(answer_by) => answer_by.min(self.renew_at),
            None => later(self.heard_at, self.timers.silence).min(self.renew_at),
        }
    }

    /// The caller ended the IDLE (`DONE` is out, or goes out at the `+`): its answer is due
    /// like a probe's.
    pub(crate) fn ending(&mut self, now: Instant) {
        self.answer_by
            .get_or_insert_with(|| later(now, self.timers.probe_timeout));
    }

    /// Acts on the IDLE `id` if its time came: re-issues it, probes a silent server, or,
    /// when a re-issue, probe or the caller's `DONE` went unanswered, fails the connection
    /// with `Error::PeerUnresponsive` (through [`Connection::timed_out_raw`], so the core's
    /// one rule decides: nothing received since the `DONE` or `NOOP` went out). An IDLE
    /// the caller is `ending` is not renewed. Returns when to check next.
    pub(crate) fn check(
        &mut self,
        conn: &mut Connection,
        id: &OpId<Idle>,
        ending: bool,
        now: Instant,
    ) -> Instant {
        self.hear(conn, now);
        let idling = !ending && conn.op_mut(id).is_some_and(|op: &mut Idle| op.is_idling());
        if let Some(answer_by) = self.answer_by {
            if now >= answer_by
                && conn.timed_out_raw(id.raw()) == TimeoutVerdict::ServerStillSending
            {
                // Bytes the keeper had not seen yet: the server is alive.
                self.hear_now(now);
            }
            if now >= self.renew_at {
                // No re-issue while an answer is awaited: the next one counts from now.
                self.renew_at = later(now, self.timers.reissue);
            }
            return self.next_check();
        }
        let silent = now >= later(self.heard_at, self.timers.silence);
        let due = now >= self.renew_at && !ending;
        if silent || due {
            self.renew_at = later(now, self.timers.reissue);
            self.answer_by = Some(later(now, self.timers.probe_timeout));
            if idling {
                let renewal = if silent {
                    Renewal::Probe
                } else {
                    Renewal::Reissue
                };
                if let Some(op) = conn.op_mut(id) {
                    op.renew(renewal);
                }
                let _ = conn.interrupt(id);
            }
            // Not idling: a command of the IDLE is out already (its `IDLE` waits for the
            // `+`, or a renewal for its OK); its answer is due as a probe's would be.
        }
        self.next_check()
    }

    /// The server was heard from just now (without the byte count having moved past what
    /// the keeper saw).
    fn hear_now(&mut self, now: Instant) {
        self.heard_at = now;
        self.answer_by = None;
    }
}

/// `at + after`, or far in the future when that instant cannot be represented.
fn later(at: Instant, after: Duration) -> Instant {
    at.checked_add(after)
        .unwrap_or_else(|| at + Duration::from_secs(100 * 365 * 24 * 3600))
}

#[cfg(test)]
mod tests {
    use super::*;
    use imap_proto_core::{Config, Error};

    const T: Duration = Duration::from_secs(1);

    fn timers() -> IdleTimers {
        IdleTimers::new(10 * T, 3 * T, T)
    }

    /// A connection with an IDLE accepted by the server, and what the client sent.
    fn idling() -> (Connection, OpId<Idle>, Vec<u8>) {
        let mut conn = Connection::new(Config::default());
        conn.handle_input(b"* PREAUTH [CAPABILITY IMAP4rev1 IDLE] hi\r\n");
        let id = conn.submit(imap_proto_core::ops::idle::idle()).unwrap();
        let mut out = Vec::new();
        conn.poll_transmit(&mut out);
        conn.handle_input(b"+ idling\r\n");
        out.clear();
        (conn, id, out)
    }

    fn sent(conn: &mut Connection, out: &mut Vec<u8>) -> String {
        out.clear();
        conn.poll_transmit(out);
        String::from_utf8_lossy(out).into_owned()
    }

    #[test]
    fn a_silent_server_is_probed_then_given_up() {
        let (mut conn, id, mut out) = idling();
        let start = Instant::now();
        let mut keeper = IdleKeeper::new(timers(), &conn, start);
        assert_eq!(keeper.next_check(), start + 3 * T);
        // Before its time, a check does nothing.
        assert_eq!(
            keeper.check(&mut conn, &id, false, start + T),
            start + 3 * T
        );
        assert_eq!(sent(&mut conn, &mut out), "");
        // Silence: DONE (the NOOP follows the IDLE's OK); the answer is due in a second.
        assert_eq!(
            keeper.check(&mut conn, &id, false, start + 3 * T),
            start + 4 * T
        );
        assert_eq!(sent(&mut conn, &mut out), "DONE\r\n");
        // Nothing by then: the connection fails with PeerUnresponsive.
        keeper.check(&mut conn, &id, false, start + 4 * T);
        assert!(matches!(
            conn.take_output(&id),
            Some(Err(Error::PeerUnresponsive))
        ));
        assert!(conn.is_over());
    }

    #[test]
    fn an_answered_probe_goes_back_to_idling_and_keepalives_count() {
        let (mut conn, id, mut out) = idling();
        let start = Instant::now();
        let mut keeper = IdleKeeper::new(timers(), &conn, start);
        keeper.check(&mut conn, &id, false, start + 3 * T);
        assert_eq!(sent(&mut conn, &mut out), "DONE\r\n");
        conn.handle_input(b"A0001 OK done\r\n");
        assert_eq!(sent(&mut conn, &mut out), "A0002 NOOP\r\n");
        conn.handle_input(b"A0002 OK noop\r\n");
        assert_eq!(sent(&mut conn, &mut out), "A0003 IDLE\r\n");
        conn.handle_input(b"+ idling\r\n");
        // The answer was heard: silence is measured from it.
        let heard = start + 3 * T + T / 2;
        keeper.hear(&conn, heard);
        assert_eq!(keeper.next_check(), heard + 3 * T);
        // A keepalive pushes the probe back; the re-issue comes at its time.
        conn.handle_input(b"* OK Still here\r\n");
        keeper.hear(&conn, start + 6 * T);
        assert_eq!(
            keeper.check(&mut conn, &id, false, start + 8 * T),
            start + 9 * T
        );
        assert_eq!(sent(&mut conn, &mut out), "");
        assert!(conn.take_output(&id).is_none());
        assert!(!conn.is_over());
    }

    #[test]
    fn a_slow_answer_never_makes_a_check_due_at_once() {
        let (mut conn, id, mut out) = idling();
        let start = Instant::now();
        let mut keeper = IdleKeeper::new(IdleTimers::new(T, 60 * T, 5 * T), &conn, start);
        assert_eq!(
            keeper.check(&mut conn, &id, false, start + T),
            start + 2 * T
        );
        assert_eq!(sent(&mut conn, &mut out), "DONE\r\n");
        // The re-issue's answer is late: the next check is still ahead, nothing is sent.
        assert_eq!(
            keeper.check(&mut conn, &id, false, start + 2 * T),
            start + 3 * T
        );
        assert_eq!(sent(&mut conn, &mut out), "");
    }

    #[test]
    fn a_reissue_is_due_every_interval_even_with_traffic() {
        let (mut conn, id, mut out) = idling();
        let start = Instant::now();
        let mut keeper = IdleKeeper::new(IdleTimers::new(2 * T, 60 * T, T), &conn, start);
        assert_eq!(keeper.next_check(), start + 2 * T);
        conn.handle_input(b"* OK Still here\r\n");
        keeper.hear(&conn, start + T);
        keeper.check(&mut conn, &id, false, start + 2 * T);
        assert_eq!(sent(&mut conn, &mut out), "DONE\r\n");
    }
}
