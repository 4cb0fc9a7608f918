//! IDLE (RFC 2177; RFC 9051 §6.3.13): wait for the server to push mailbox changes.

use std::collections::VecDeque;

use crate::Error;
use crate::contract::session::Session;
use crate::encode;
use crate::types::TypedEvent;
use crate::types::detach::detach_event;
use crate::types::{Continuation, IdleEvent, StatusKind, Tagged, Untagged};

use super::{AUTHENTICATED_OR_SELECTED, Op, OpContext, Step, ok_or_error};

/// The IDLE op. The driver starts it, waits until [`Idle::has_activity`] (or its timeout or
/// cancellation), then calls [`crate::Connection::interrupt`], which sends `DONE`.
///
/// A long wait renews it without ending it: after [`Idle::renew`], the next
/// [`crate::Connection::interrupt`] sends `DONE` and, once the server completed the IDLE,
/// IDLE again (RFC 2177 §3: re-issue at least every 29 minutes), with a NOOP between the
/// two for a liveness probe. The op goes on collecting changes across renewals. The core
/// has no clock: when to renew, and how long a probe may go unanswered, is the adapter's
/// (`imap-driver`'s `IdleKeeper`).
///
/// The changes it collects are bounded like the connection's event queue: past
/// [`crate::Config::max_queued_events`] the oldest is dropped, and the result then starts
/// with one [`TypedEvent::EventsDropped`] giving the count.
#[derive(Debug, Default)]
pub struct Idle {
    phase: Phase,
    /// The caller wants the IDLE over: the op completes at the next tagged OK.
    ending: bool,
    /// The renewal the next interrupt starts ([`Idle::renew`]).
    armed: Option<Renewal>,
    /// The renewal under way: what follows the IDLE's tagged OK.
    renewing: Option<Renewal>,
    changes: VecDeque<TypedEvent>,
    /// Changes dropped because `changes` was full.
    dropped: u64,
    /// The most changes kept (set when the op starts).
    limit: usize,
}

/// Where the op is in its command sequence.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// `IDLE` sent, the server's `+` not seen yet.
    #[default]
    Requested,
    /// The server accepted IDLE (`+ idling`).
    Idling,
    /// `DONE` sent, waiting for the IDLE's tagged completion.
    Leaving,
    /// A renewal's NOOP sent, waiting for its tagged completion.
    Probing,
}

/// How [`Idle::renew`] renews a running IDLE.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Renewal {
    /// `DONE`, then `IDLE` again: RFC 2177 §3's re-issue, before the server's
    /// inactivity timer (at least 30 minutes) ends the session.
    Reissue,
    /// `DONE`, then `NOOP`, then `IDLE` again: the server must answer twice, so a peer
    /// that went silent is found out within the adapter's probe timeout.
    Probe,
}

/// What ended an adapter's wait on an IDLE, before it sent `DONE` and collected the
/// changes. Every adapter waits its own way; the answer to the caller is decided here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum IdleWake {
    /// The server pushed mailbox data.
    Activity,
    /// The caller's timeout elapsed.
    TimedOut,
    /// The caller's cancellation token fired.
    Cancelled,
    /// The op ended by itself (refused, BYE, connection lost).
    Ended,
}

impl IdleWake {
    /// The caller's answer once the IDLE is over and its changes are in `events`. A
    /// cancelled IDLE hands its changes to `requeue` (they go back to the front of the
    /// event queue) so that nothing the server sent is lost.
    pub fn into_event(
        self,
        events: Vec<TypedEvent>,
        requeue: impl FnOnce(Vec<TypedEvent>),
    ) -> IdleEvent {
        match self {
            IdleWake::Activity => IdleEvent::Changed(events),
            IdleWake::TimedOut if events.is_empty() => IdleEvent::TimedOut,
            IdleWake::Cancelled => {
                requeue(events);
                IdleEvent::Cancelled
            }
            IdleWake::TimedOut | IdleWake::Ended if !events.is_empty() => {
                IdleEvent::Changed(events)
            }
            IdleWake::TimedOut | IdleWake::Ended => IdleEvent::ServerEnded(None),
        }
    }
}

/// IDLE: needs the IDLE capability (or IMAP4rev2).
pub fn idle() -> Idle {
    Idle::default()
}

impl Idle {
    /// True while the server has accepted IDLE (`+ idling`) and no `DONE` was sent since:
    /// the moment a renewal may start.
    pub fn is_idling(&self) -> bool {
        self.phase == Phase::Idling
    }

    /// True once the server has pushed mailbox data.
    pub fn has_activity(&self) -> bool {
        !self.changes.is_empty() || self.dropped > 0
    }

    /// Makes the next [`crate::Connection::interrupt`] (call it right after) renew the
    /// IDLE instead of ending it. That interrupt changes nothing when the caller already
    /// asked for the end or a renewal is under way: a renewal is never started twice.
    pub fn renew(&mut self, renewal: Renewal) {
        self.armed = Some(renewal);
    }

    /// Keeps `change`, dropping the oldest past the limit. Hostile-server scenario "a flood
    /// during IDLE" (tests/hostile.rs): without the bound, a server pushing data until the
    /// driver's `DONE` is answered grew this list without end.
    fn record(&mut self, change: TypedEvent) {
        if self.changes.len() >= self.limit {
            self.dropped += 1;
            if self.changes.pop_front().is_none() {
                return;
            }
        }
        self.changes.push_back(change);
    }

    /// `DONE`, once per IDLE command and only after its `+` (RFC 2177 §3).
    fn send_done(&mut self, ctx: &mut OpContext<'_>) {
        if self.phase == Phase::Idling {
            self.phase = Phase::Leaving;
            ctx.send_raw_line(encode::idle::done().to_vec());
        }
    }

    /// The changes collected, with the count of dropped ones first.
    fn take_changes(&mut self) -> Vec<TypedEvent> {
        let dropped = std::mem::take(&mut self.dropped);
        let kept = std::mem::take(&mut self.changes);
        (dropped > 0)
            .then_some(TypedEvent::EventsDropped(dropped))
            .into_iter()
            .chain(kept)
            .collect()
    }

    /// The next command of a renewal after an OK, or `None` when the op is over.
    fn next_command(&mut self) -> Option<Renewal> {
        if self.ending {
            return None;
        }
        match (self.phase, self.renewing) {
            (Phase::Leaving, Some(Renewal::Probe)) => Some(Renewal::Probe),
            (Phase::Leaving | Phase::Probing, Some(_)) => Some(Renewal::Reissue),
            _ => None,
        }
    }
}

impl Op for Idle {
    type Output = Vec<TypedEvent>;
    fn check(&self, session: &Session) -> Result<(), Error> {
        super::require_state(session, AUTHENTICATED_OR_SELECTED, "IDLE")?;
        super::require_capability_or_rev2(session, "IDLE")
    }
    fn start(&mut self, ctx: &mut OpContext<'_>) -> Result<(), Error> {
        self.limit = ctx.event_limit();
        ctx.send(encode::idle::idle)
    }
    fn on_continuation(&mut self, _c: Continuation, ctx: &mut OpContext<'_>) -> Result<(), Error> {
        self.phase = Phase::Idling;
        self.renewing = None;
        if self.ending {
            self.send_done(ctx);
        }
        Ok(())
    }
    fn on_untagged(&mut self, data: Untagged, _session: &Session) -> Option<Untagged> {
        match data {
            // Keepalives (`* OK Still here`) and capability updates do not end the wait.
            Untagged::Status(ref s) if s.kind == StatusKind::Ok && s.code.is_none() => None,
            Untagged::Capability(_) => Some(data),
            Untagged::Status(ref s)
                if s.kind == StatusKind::Ok
                    && matches!(s.code, Some(crate::types::ResponseCode::Capability(_))) =>
            {
                Some(data)
            }
            Untagged::Status(ref s) if s.kind == StatusKind::Bye => Some(data),
            other => {
                // Kept while the IDLE lasts, and by the caller: owning its bytes, as queued
                // events do, so it pins no read buffer.
                self.record(detach_event(TypedEvent::from_untagged(other)));
                None
            }
        }
    }
    fn on_interrupt(&mut self, ctx: &mut OpContext<'_>) -> Result<(), Error> {
        match self.armed.take() {
            Some(renewal) if !self.ending && self.renewing.is_none() => {
                self.renewing = Some(renewal)
            }
            Some(_) => {}
            None => self.ending = true,
        }
        self.send_done(ctx);
        Ok(())
    }
    fn on_tagged(&mut self, tagged: Tagged, ctx: &mut OpContext<'_>) -> Step<Self::Output> {
        let completed = ok_or_error(tagged);
        let next = completed.is_ok().then(|| self.next_command()).flatten();
        let sent = match next {
            None => return Step::Done(completed.map(|_| self.take_changes())),
            Some(Renewal::Probe) => {
                self.phase = Phase::Probing;
                ctx.send(encode::session::noop)
            }
            Some(Renewal::Reissue) => {
                self.phase = Phase::Requested;
                ctx.send(encode::idle::idle)
            }
        };
        match sent {
            Ok(()) => Step::Continue,
            Err(e) => Step::Done(Err(e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(wake: IdleWake, events: Vec<TypedEvent>) -> (IdleEvent, Vec<TypedEvent>) {
        let mut requeued = Vec::new();
        let event = wake.into_event(events, |events| requeued = events);
        (event, requeued)
    }

    #[test]
    fn each_wake_gives_its_answer_and_a_cancel_requeues_the_changes() {
        let changes = vec![TypedEvent::Exists(4)];
        assert_eq!(
            answer(IdleWake::Activity, changes.clone()),
            (IdleEvent::Changed(changes.clone()), vec![])
        );
        assert_eq!(
            answer(IdleWake::TimedOut, vec![]),
            (IdleEvent::TimedOut, vec![])
        );
        assert_eq!(
            answer(IdleWake::TimedOut, changes.clone()),
            (IdleEvent::Changed(changes.clone()), vec![])
        );
        assert_eq!(
            answer(IdleWake::Cancelled, changes.clone()),
            (IdleEvent::Cancelled, changes.clone())
        );
        assert_eq!(
            answer(IdleWake::Ended, vec![]),
            (IdleEvent::ServerEnded(None), vec![])
        );
    }
}
