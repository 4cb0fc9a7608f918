//! [`BlockingLoop`]: the run loop of a connection driven on its callers' threads
//! (imap-blocking), the one place that moves bytes between a blocking [`ByteStream`] and the
//! core. The async driver's rules, without a task.
//!
//! It owns the stream and the [`Engine`] (the sans-IO `Connection` with the calls it is
//! answering and the write batch); a caller holds it for the whole of one call (a
//! [`crate::__adapter::Seat`]). [`BlockingLoop::drive`] follows the core's run-loop contract:
//! gather everything the core has to send, publish the session snapshot and events, answer
//! finished calls, check whether this call is done, then write (or read) once with the
//! stream's deadline set to what is left of the call's timeout, and repeat.
//!
//! A call that times out leaves its op in the core and in the engine's calls: every later
//! run of the loop reads its late response and drops the result. Bytes of a command that did
//! not all go out before the deadline stay in the engine's batch and are written first by
//! the next call. Either way the command stream never desynchronises. A streamed FETCH whose
//! channel is full blocks the loop in the channel's `send` (back-pressure: the socket is not
//! read).

use std::io::{self, Read};
use std::time::{Duration, Instant};

use futures_channel::oneshot;
use imap_proto_core::ops::idle::IdleWake;
use imap_proto_core::{Connection, Error, TypedEvent};

use crate::byte_stream::{ByteStream, IDLE_CANCEL_CHECK};
use crate::calls::{Job, answered};
use crate::engine::Engine;
use crate::runtime::READ_CHUNK;
use crate::seat::Shared;
use crate::{IDLE_DONE_TIMEOUT, IdleTimers};

/// The stream and the core's run-loop state, owned by whichever call holds the lock.
pub struct BlockingLoop {
    /// The core, its calls and the write batch.
    pub engine: Engine,
    stream: Box<dyn ByteStream>,
    /// When a running IDLE is first checked ([`IdleTimers::first_check`]).
    idle_timers: IdleTimers,
    /// The stream's read timeout as last set by [`BlockingLoop::read_some`].
    read_timeout: Option<Duration>,
}

/// Whether a read that has `remaining` until its call's deadline may keep the read timeout
/// `set` on the stream: the read then ends neither before the deadline nor more than a few
/// milliseconds (and an eighth of the timeout) after it. While a response streams in, a read
/// comes every few hundred microseconds, and each would cost a `setsockopt` (issue 15).
fn timeout_fits(set: Duration, remaining: Duration) -> bool {
    set >= remaining && set - remaining <= (set / 8).min(READ_TIMEOUT_SLACK)
}

/// The most a read may end after its call's deadline because its timeout was not set anew
/// ([`timeout_fits`]).
const READ_TIMEOUT_SLACK: Duration = Duration::from_millis(5);

impl BlockingLoop {
    /// The loop over `stream`.
    pub fn new(engine: Engine, stream: Box<dyn ByteStream>, idle_timers: IdleTimers) -> Self {
        BlockingLoop {
            engine,
            stream,
            idle_timers,
            read_timeout: None,
        }
    }

    /// Hands `job` to the calls (submitted now, or once there is room in flight).
    pub fn start(&mut self, job: Job) {
        let Engine { conn, calls, .. } = &mut self.engine;
        calls.start(job, conn);
    }

    /// Runs the loop until `done` returns a value or `deadline` passes (`Error::Timeout`).
    pub fn drive<T>(
        &mut self,
        shared: &Shared,
        deadline: Instant,
        mut done: impl FnMut() -> Option<T>,
    ) -> Result<T, Error> {
        loop {
            self.engine.transmit();
            self.settle(shared);
            if let Some(value) = done() {
                return Ok(value);
            }
            self.step(shared, deadline)?;
        }
    }

    /// One blocking I/O step: let a blocked stream's channel take its response, or write
    /// what is pending, or else read once.
    pub fn step(&mut self, shared: &Shared, deadline: Instant) -> Result<(), Error> {
        self.engine.transmit();
        let result = if self.engine.calls.is_blocked() {
            // The streamed FETCH's blocking `send` waits for room (back-pressure).
            let calls = &mut self.engine.calls;
            futures_lite::future::block_on(std::future::poll_fn(|cx| {
                calls
                    .poll_unblocked(cx)
                    .unwrap_or(std::task::Poll::Ready(()))
            }));
            Ok(())
        } else if !self.engine.unwritten().is_empty() {
            self.write_some(deadline)
        } else if self.engine.is_closed() {
            Err(self.engine.failure())
        } else {
            self.read_some(deadline)
        };
        self.settle(shared);
        result
    }

    fn write_some(&mut self, deadline: Instant) -> Result<(), Error> {
        self.stream.set_write_timeout(Some(remaining(deadline)?))?;
        match self.stream.write(self.engine.unwritten()) {
            Err(e) if is_timeout(&e) => return Err(Error::Timeout),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => self.engine.failed(e),
            Ok(n) => self.engine.wrote(n),
        }
        Ok(())
    }

    fn read_some(&mut self, deadline: Instant) -> Result<(), Error> {
        let timeout = remaining(deadline)?;
        if !self
            .read_timeout
            .is_some_and(|set| timeout_fits(set, timeout))
        {
            self.read_timeout = None;
            self.stream.set_read_timeout(Some(timeout))?;
            self.read_timeout = Some(timeout);
        }
        match read_into(&mut self.stream, &mut self.engine.conn, READ_CHUNK) {
            Err(e) if is_timeout(&e) => Err(Error::Timeout),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => Ok(()),
            read => {
                self.engine.read_done(read);
                Ok(())
            }
        }
    }

    /// Events, snapshot and answers ([`Engine::settle`]); once the session is over, the
    /// stream is closed.
    pub fn settle(&mut self, shared: &Shared) {
        if self.engine.settle(&shared.snapshot, &shared.events) {
            self.engine.transmit();
        }
        if !self.engine.is_closed() && self.engine.conn.is_over() {
            // The session is over: a fatal error (the core ignores all further input) or a
            // completed LOGOUT or BYE. Close the stream now, as the async driver does when it
            // ends, so the server sees the end at once and `next_event` reports it instead
            // of waiting. After a LOGOUT, TLS's close_notify (queued by the core at this
            // point) goes out first.
            self.engine.transmit();
            if self.engine.conn.failure().is_none() && !self.engine.unwritten().is_empty() {
                let _ = self.stream.set_write_timeout(Some(CLOSE_WRITE_TIMEOUT));
                let _ = self.stream.write_all(self.engine.unwritten());
            }
            let _ = self.stream.shutdown();
            self.engine.close();
            shared.events.close();
        }
    }

    /// A call's timeout elapsed: the engine judges the peer ([`Engine::timed_out`]); if it
    /// is presumed dead, the connection failed and the stream is closed now.
    pub fn timed_out(&mut self, shared: &Shared) -> Error {
        let error = self.engine.timed_out();
        self.settle(shared);
        error
    }

    /// Writes everything pending, in blocking mode.
    pub fn flush(&mut self, shared: &Shared, deadline: Instant) -> Result<(), Error> {
        self.engine.transmit();
        while !self.engine.unwritten().is_empty() {
            self.write_some(deadline)?;
            self.engine.transmit();
        }
        self.settle(shared);
        Ok(())
    }

    /// IDLE's wait after its command went out ([`BlockingLoop::flush`]): until `wake` says
    /// the server pushed data or the op ended, `deadline` passes or `cancelled` says so.
    /// `wait(self, at_most)` blocks for new data at most that long and reads what came; the
    /// only timed wake-ups are the IDLE `token`'s checks (`Calls::idle_check`: re-issue,
    /// probe, dead peer) and the deadline.
    pub fn wait_idle(
        &mut self,
        shared: &Shared,
        (deadline, token): (Instant, u64),
        mut cancelled: impl FnMut() -> bool,
        mut wake: impl FnMut() -> Option<IdleWake>,
        mut wait: impl FnMut(&mut Self, Duration) -> Result<(), Error>,
    ) -> Result<IdleWake, Error> {
        let mut next_check = self.idle_timers.first_check(Instant::now());
        loop {
            if cancelled() {
                return Ok(IdleWake::Cancelled);
            }
            self.settle(shared);
            next_check = self.check_idle(shared, token, next_check);
            if let Some(woken) = wake() {
                return Ok(woken);
            }
            if self.engine.is_closed() {
                return Ok(IdleWake::Ended);
            }
            let Some(left) = deadline.checked_duration_since(Instant::now()) else {
                return Ok(IdleWake::TimedOut);
            };
            let check = next_check.saturating_duration_since(Instant::now());
            wait(self, left.min(check).max(Duration::from_millis(1)))?;
        }
    }

    /// [`BlockingLoop::wait_idle`]'s wait over the stream itself (one without an OS socket
    /// to poll): one read that blocks at most `at_most`, and at most [`IDLE_CANCEL_CHECK`],
    /// so the caller looks at the token that often.
    pub fn read_for(&mut self, at_most: Duration) -> Result<(), Error> {
        self.read_timeout = None;
        self.stream
            .set_read_timeout(Some(at_most.min(IDLE_CANCEL_CHECK)))?;
        match read_into(&mut self.stream, &mut self.engine.conn, IDLE_READ) {
            Err(e) if is_timeout(&e) || e.kind() == io::ErrorKind::Interrupted => {}
            read => self.engine.read_done(read),
        }
        Ok(())
    }

    /// Reads a non-blocking `source` (a second handle on the stream's OS socket) until it
    /// would block: readiness from an edge-triggered poll says "something came" once.
    pub fn read_until_blocked(&mut self, source: &mut impl Read) {
        while !self.engine.is_closed() {
            match read_into(source, &mut self.engine.conn, READ_CHUNK) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                read => self.engine.read_done(read),
            }
        }
    }

    /// The IDLE `token`'s check once `next_check` came (`Calls::idle_check`),
    /// then what a renewal has to send (`DONE`, `NOOP`, `IDLE`), written without waiting
    /// for room: a few bytes. Should the stream not take them (a full send buffer: the peer
    /// stopped reading), the rest waits for the next wake-up and the probe's deadline
    /// decides. Returns the next check.
    fn check_idle(&mut self, shared: &Shared, token: u64, next_check: Instant) -> Instant {
        let mut next = next_check;
        if Instant::now() >= next_check {
            let Engine { conn, calls, .. } = &mut self.engine;
            next = calls.idle_check(token, conn);
        }
        let _ = self.stream.set_write_timeout(Some(IDLE_CANCEL_CHECK));
        loop {
            self.engine.transmit();
            if self.engine.unwritten().is_empty() {
                break;
            }
            match self.stream.write(self.engine.unwritten()) {
                Err(e) if is_timeout(&e) => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    self.engine.failed(e);
                    break;
                }
                Ok(n) => self.engine.wrote(n),
            }
        }
        self.settle(shared);
        next
    }

    /// The IDLE's result after its `DONE`, within [`IDLE_DONE_TIMEOUT`]; the IDLE is checked
    /// meanwhile (`Calls::idle_check`), so a `DONE` that gets no byte within the probe
    /// timeout fails the connection at once. At the deadline the usual verdict applies
    /// ([`BlockingLoop::timed_out`]).
    pub fn await_done(
        &mut self,
        shared: &Shared,
        token: u64,
        result: &mut oneshot::Receiver<Result<Vec<TypedEvent>, Error>>,
    ) -> Result<Vec<TypedEvent>, Error> {
        let deadline = Instant::now() + IDLE_DONE_TIMEOUT;
        loop {
            let Engine { conn, calls, .. } = &mut self.engine;
            let next = calls.idle_check(token, conn).min(deadline);
            let next = next.max(Instant::now() + Duration::from_millis(1));
            match self.drive(shared, next, || answered(result)) {
                Ok(answer) => return answer,
                Err(Error::Timeout) if Instant::now() < deadline => {}
                Err(Error::Timeout) => {
                    // Closed first, so the engine knows which op timed out.
                    result.close();
                    if let Ok(Some(answer)) = result.try_recv() {
                        return answer;
                    }
                    return Err(self.timed_out(shared));
                }
                Err(e) => return Err(e),
            }
        }
    }
}

/// What is left before `deadline`; `Error::Timeout` once it passed (a zero socket timeout
/// would mean "no timeout" to the OS).
fn remaining(deadline: Instant) -> Result<Duration, Error> {
    match deadline.checked_duration_since(Instant::now()) {
        Some(left) if !left.is_zero() => Ok(left),
        _ => Err(Error::Timeout),
    }
}

/// A socket timeout shows as `WouldBlock` on Unix and `TimedOut` on Windows.
fn is_timeout(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}

/// One read straight into the core's buffer ([`Connection::read_slice`]): without TLS or
/// COMPRESS that is where responses are parsed, so nothing is copied into the core.
fn read_into(source: &mut impl Read, conn: &mut Connection, size: usize) -> io::Result<usize> {
    let result = source.read(conn.read_slice(size));
    conn.handle_read_len(*result.as_ref().unwrap_or(&0));
    result
}

/// The size of each timed read while IDLE waits over a stream without an OS socket: IDLE
/// brings short untagged lines, and the slice is zero-filled on every read.
const IDLE_READ: usize = 2 * 1024;

/// How long the last bytes of a session (TLS's close_notify) may take to write.
const CLOSE_WRITE_TIMEOUT: Duration = Duration::from_secs(1);

/// `now + timeout`, saturating far in the future for huge timeouts: a blocking call always
/// has a deadline.
pub fn deadline_or_far(timeout: Duration) -> Instant {
    let now = Instant::now();
    now.checked_add(timeout)
        .unwrap_or_else(|| now + Duration::from_secs(100 * 365 * 24 * 3600))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_read_timeout_is_kept_only_while_it_ends_the_read_at_most_the_slack_late() {
        let set = Duration::from_secs(30);
        assert!(timeout_fits(set, set));
        assert!(timeout_fits(set, set - READ_TIMEOUT_SLACK));
        assert!(!timeout_fits(set, set - READ_TIMEOUT_SLACK * 2));
        // Never one that would end the read before the deadline.
        assert!(!timeout_fits(set, set + Duration::from_micros(1)));
        // A short timeout keeps at most an eighth of itself.
        let short = Duration::from_millis(8);
        assert!(timeout_fits(short, Duration::from_millis(7)));
        assert!(!timeout_fits(short, Duration::from_millis(6)));
    }
}
