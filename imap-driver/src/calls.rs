//! The calls a connection is answering: jobs handed in by callers, ops submitted to the
//! core whose results are still to be delivered, and jobs waiting for room in flight.
//! Shared by the async driver and the blocking adapter, so both follow the same rules:
//!
//! - a call whose caller is gone before its job starts is not sent at all;
//! - a call whose caller goes away later (timeout, dropped future) stays in the core, which
//!   keeps reading its responses; its result is discarded, so the command stream never
//!   desynchronises;
//! - beyond `Config::max_in_flight` submitted ops, jobs wait their turn in order instead of
//!   failing with `TooManyInFlight`;
//! - buffered FETCH calls asking the same question that come one right after the other are
//!   merged into one command (`merge`); a merged group counts as one op in flight;
//! - a streamed FETCH moves responses into its sink until the sink is full, then reports
//!   itself blocked: whoever drives the core stops reading the socket until there is room.

use std::collections::VecDeque;
use std::task::{Context, Poll};
use std::time::Instant;

use std::sync::Arc;

use futures_channel::oneshot;
use imap_proto_core::ops::fetch::{Delivery, Fetch};
use imap_proto_core::ops::idle::{Idle, IdleWake};
use imap_proto_core::types::{FetchAttr, SequenceSet};
use imap_proto_core::{Connection, Error, Op, OpId, TimeoutVerdict, TypedEvent};

use crate::handover::{Filled, Handover, Taker};
use crate::idle_keeper::{IdleKeeper, IdleTimers};
use crate::merge::{FetchCall, Forming};
use crate::runtime::BoxFuture;
use crate::sink::{FetchItem, FetchSink, Refused};

/// Where one call's result goes.
pub type Reply<T> = oneshot::Sender<Result<T, Error>>;

/// One op to submit, with where its result goes.
pub enum Job {
    /// Any op whose result is returned whole.
    Op(Box<dyn ErasedJob>),
    /// A buffered FETCH that may be merged with others like it.
    Fetch(Box<FetchCall>),
    /// A streamed FETCH.
    Stream(Box<StreamJob>),
    /// An IDLE.
    Idle(IdleJob),
}

impl Job {
    /// A job for an op whose result goes to `reply`.
    pub fn op<O: Op>(op: O, reply: Reply<O::Output>) -> Job {
        Self::op_map(op, std::convert::identity, reply)
    }

    /// A job for an op whose result goes to `reply` through `map`.
    pub fn op_map<O, T, F>(op: O, map: F, reply: Reply<T>) -> Job
    where
        O: Op,
        T: Send + 'static,
        F: FnOnce(O::Output) -> T + Send + 'static,
    {
        let mut op = Some(op);
        match FetchCall::take(&mut op, map, reply) {
            Ok(call) => Job::Fetch(Box::new(call)),
            Err((map, reply)) => Job::Op(Box::new(OpJob { op, map, reply })),
        }
    }

    /// True when nobody waits for the result any more.
    fn caller_gone(&self) -> bool {
        match self {
            Job::Op(job) => job.caller_gone(),
            Job::Fetch(call) => call.caller_gone(),
            Job::Stream(job) => job.reply.is_canceled(),
            Job::Idle(job) => job.reply.is_canceled(),
        }
    }
}

/// A streamed FETCH: responses go to `outlet`, the outcome to `reply`.
pub struct StreamJob {
    /// The op (built with `Delivery::Streamed`).
    op: Fetch,
    /// Where the responses go.
    outlet: Outlet,
    /// Where the outcome goes.
    reply: Reply<()>,
}

impl StreamJob {
    /// A streamed (UID) FETCH of `items` for `set` into the caller's channel `sink`.
    pub fn channel(
        uid: bool,
        set: &SequenceSet,
        items: &[FetchAttr],
        sink: Box<dyn FetchSink>,
    ) -> (Job, oneshot::Receiver<Result<(), Error>>) {
        Self::start(uid, set, items, Outlet::channel(sink))
    }

    /// A streamed (UID) FETCH of `items` for `set` into a new queue of `capacity`
    /// responses, for a `FetchStream` or `FetchIter`.
    pub(crate) fn queue(
        uid: bool,
        set: &SequenceSet,
        items: &[FetchAttr],
        capacity: usize,
    ) -> (Job, Taker, oneshot::Receiver<Result<(), Error>>) {
        let (queue, taker) = Handover::new(capacity);
        let outlet = Outlet::Queue { queue, full: false };
        let (job, reply) = Self::start(uid, set, items, outlet);
        (job, taker, reply)
    }

    fn start(
        uid: bool,
        set: &SequenceSet,
        items: &[FetchAttr],
        outlet: Outlet,
    ) -> (Job, oneshot::Receiver<Result<(), Error>>) {
        let op =
            imap_proto_core::ops::fetch::fetch(uid, set, items, None, false, Delivery::Streamed);
        let (reply, result) = oneshot::channel();
        let job = StreamJob { op, outlet, reply };
        (Job::Stream(Box::new(job)), result)
    }
}

/// An IDLE: `activity` fires at the first server data, `reply` gets the collected events.
pub struct IdleJob {
    /// The op.
    pub op: Idle,
    /// The caller's key for [`Calls::interrupt`].
    pub token: u64,
    /// Fired once when the server first pushes data.
    pub activity: oneshot::Sender<()>,
    /// The events collected, once the tagged completion arrived.
    pub reply: Reply<Vec<TypedEvent>>,
}

impl IdleJob {
    /// An IDLE job keyed `token`, with the receivers of its first activity and its events.
    #[allow(clippy::type_complexity)]
    pub fn start(
        token: u64,
    ) -> (
        Job,
        oneshot::Receiver<()>,
        oneshot::Receiver<Result<Vec<TypedEvent>, Error>>,
    ) {
        let (activity, woken) = oneshot::channel();
        let (reply, result) = oneshot::channel();
        let op = imap_proto_core::ops::idle::idle();
        let job = IdleJob {
            op,
            token,
            activity,
            reply,
        };
        (Job::Idle(job), woken, result)
    }
}

/// An op job with its output type erased.
pub trait ErasedJob: Send {
    /// True when nobody waits for the result any more.
    fn caller_gone(&self) -> bool;
    /// Submits the op; a refusal is answered at once.
    fn start(self: Box<Self>, conn: &mut Connection) -> Option<Box<dyn ErasedWait>>;
}

/// A submitted op whose result is still to be delivered.
pub trait ErasedWait: Send {
    /// Delivers the result if the op finished; true once delivered.
    fn pump(&mut self, conn: &mut Connection) -> bool;
    /// The op's id in the core ([`OpId::raw`]).
    fn raw_id(&self) -> u64;
    /// True when nobody waits for the result any more.
    fn caller_gone(&self) -> bool;
}

struct OpJob<O, T, F> {
    /// Always there: an `Option` only because a mergeable FETCH is taken out of it.
    op: Option<O>,
    map: F,
    reply: Reply<T>,
}

impl<O, T, F> ErasedJob for OpJob<O, T, F>
where
    O: Op,
    T: Send + 'static,
    F: FnOnce(O::Output) -> T + Send + 'static,
{
    fn caller_gone(&self) -> bool {
        self.reply.is_canceled()
    }

    fn start(self: Box<Self>, conn: &mut Connection) -> Option<Box<dyn ErasedWait>> {
        let OpJob { op, map, reply } = *self;
        let Some(op) = op else {
            let _ = reply.send(Err(Error::Internal("an op job without its op")));
            return None;
        };
        match conn.submit(op) {
            Ok(id) => Some(Box::new(OpWait {
                id,
                map: Some(map),
                reply: Some(reply),
            })),
            Err(e) => {
                let _ = reply.send(Err(e));
                None
            }
        }
    }
}

struct OpWait<O: Op, T, F> {
    id: OpId<O>,
    map: Option<F>,
    reply: Option<Reply<T>>,
}

impl<O, T, F> ErasedWait for OpWait<O, T, F>
where
    O: Op,
    T: Send + 'static,
    F: FnOnce(O::Output) -> T + Send + 'static,
{
    fn pump(&mut self, conn: &mut Connection) -> bool {
        let Some(result) = conn.take_output(&self.id) else {
            return false;
        };
        if let (Some(reply), Some(map)) = (self.reply.take(), self.map.take()) {
            // The caller may be gone (timeout, dropped future): the result is discarded.
            let _ = reply.send(result.map(map));
        }
        true
    }

    fn raw_id(&self) -> u64 {
        self.id.raw()
    }

    fn caller_gone(&self) -> bool {
        self.reply.as_ref().is_none_or(oneshot::Sender::is_canceled)
    }
}

/// Where a streamed FETCH's responses go, and whether it waits for room there.
pub(crate) enum Outlet {
    /// The caller's channel (`fetch_streaming`); `sending` is a refused response's send,
    /// waiting for room.
    Channel {
        /// The channel.
        sink: Box<dyn FetchSink>,
        /// The send of the response the full channel refused.
        sending: Option<BoxFuture<bool>>,
    },
    /// A [`FetchStream`](crate::FetchStream) or `FetchIter` queue, filled a read's batch at
    /// a time; `full` while it has no room.
    Queue {
        /// The queue.
        queue: Arc<Handover>,
        /// No room: wait for [`Handover::poll_room`].
        full: bool,
    },
    /// Nobody reads any more: the rest of the FETCH is read and discarded.
    Discard,
}

impl Outlet {
    /// The caller's channel.
    fn channel(sink: Box<dyn FetchSink>) -> Self {
        Outlet::Channel {
            sink,
            sending: None,
        }
    }

    /// Moves items from `source` until there is no room; true when blocked.
    /// Generic, not `dyn`: the source inlines into the queue's fill loop.
    fn offer(&mut self, source: &mut impl FnMut() -> Option<FetchItem>) -> bool {
        match self {
            Outlet::Channel { sink, sending } => {
                while let Some(item) = source() {
                    match sink.try_send(item) {
                        Ok(()) => {}
                        Err(Refused::Full(item)) => {
                            *sending = Some(sink.send(item));
                            return true;
                        }
                        // The receiver is gone: read and discard the rest.
                        Err(Refused::Closed) => {
                            *self = Outlet::Discard;
                            return self.offer(source);
                        }
                    }
                }
                false
            }
            Outlet::Queue { queue, full } => match queue.fill(&mut *source) {
                Filled::Drained => false,
                Filled::Full => {
                    *full = true;
                    true
                }
                Filled::Dropped => {
                    *self = Outlet::Discard;
                    self.offer(source)
                }
            },
            Outlet::Discard => {
                while source().is_some() {}
                false
            }
        }
    }

    /// True while the outlet has no room: stop reading the socket.
    fn is_blocked(&self) -> bool {
        match self {
            Outlet::Channel { sending, .. } => sending.is_some(),
            Outlet::Queue { full, .. } => *full,
            Outlet::Discard => false,
        }
    }

    /// Ready once the blocked outlet took its response or has room again.
    fn poll_unblocked(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        match self {
            Outlet::Channel { sending, .. } => {
                let Some(send) = sending else {
                    return Poll::Ready(());
                };
                let delivered = std::task::ready!(send.as_mut().poll(cx));
                *sending = None;
                if !delivered {
                    *self = Outlet::Discard;
                }
                Poll::Ready(())
            }
            Outlet::Queue { queue, full } => {
                std::task::ready!(queue.poll_room(cx));
                *full = false;
                Poll::Ready(())
            }
            Outlet::Discard => Poll::Ready(()),
        }
    }

    /// The FETCH is over (or its caller gone): the channel is dropped, the queue ended.
    fn end(&mut self) {
        if let Outlet::Queue { queue, .. } = self {
            queue.end();
        }
        *self = Outlet::Discard;
    }

    /// The FETCH was refused before it started: a queue's reader gets `error` as its last
    /// item (a channel's caller gets it from the call's result).
    fn refuse(self, error: &Error) {
        if let Outlet::Queue { queue, .. } = self {
            let mut error = Some(Err(error.clone()));
            queue.fill(|| error.take());
            queue.end();
        }
    }
}

/// A streamed FETCH in progress.
struct StreamWait {
    id: OpId<Fetch>,
    outlet: Outlet,
    reply: Option<Reply<()>>,
    /// Responses taken from the core with the op's result, not yet handed over.
    backlog: VecDeque<FetchItem>,
    /// The op's outcome once it completed.
    outcome: Option<Result<(), Error>>,
}

impl StreamWait {
    /// Hands responses over until the outlet has no room; delivers the outcome at the end.
    /// True once finished.
    fn pump(&mut self, conn: &mut Connection) -> bool {
        if self
            .reply
            .as_ref()
            .is_some_and(oneshot::Sender::is_canceled)
        {
            // The call timed out or was dropped: close the outlet now, discard the rest.
            self.outlet.end();
        }
        if self.outlet.is_blocked() {
            return false;
        }
        loop {
            // The op is looked up once per batch, not once per response (`op_mut` searches
            // the ops in flight and checks the type: about 60 instructions a response). The
            // backlog is filled from the op's result, taken below: only once the op is gone.
            let blocked = match conn.op_mut(&self.id) {
                Some(op) => (self.outlet).offer(&mut || op.next_item().map(Ok)),
                None => {
                    let backlog = &mut self.backlog;
                    (self.outlet).offer(&mut || backlog.pop_front())
                }
            };
            if blocked {
                return false;
            }
            if self.outcome.is_some() {
                break;
            }
            match conn.take_output(&self.id) {
                None => return false,
                Some(Ok((rest, _vanished))) => {
                    self.backlog.extend(rest.into_iter().map(Ok));
                    self.outcome = Some(Ok(()));
                }
                Some(Err(e)) => {
                    // The outlet's reader learns of the failure too.
                    self.backlog.push_back(Err(e.clone()));
                    self.outcome = Some(Err(e));
                }
            }
        }
        self.outlet.end();
        if let (Some(reply), Some(outcome)) = (self.reply.take(), self.outcome.take()) {
            let _ = reply.send(outcome);
        }
        true
    }

    /// Ready when the blocked outlet can take more (or closed), or the caller is gone.
    fn poll_unblocked(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        if let Some(reply) = &mut self.reply
            && reply.poll_canceled(cx).is_ready()
        {
            self.outlet.end();
            return Poll::Ready(());
        }
        self.outlet.poll_unblocked(cx)
    }
}

/// An IDLE in progress.
struct IdleWait {
    token: u64,
    id: OpId<Idle>,
    activity: Option<oneshot::Sender<()>>,
    reply: Option<Reply<Vec<TypedEvent>>>,
    /// DONE was asked for. The core ignores an interrupt for an op that has not started
    /// yet (queued behind other commands), so it is repeated until the op finishes.
    interrupt: bool,
    /// Re-issues the IDLE and watches the server's liveness.
    keeper: IdleKeeper,
}

impl IdleWait {
    fn pump(&mut self, conn: &mut Connection) -> bool {
        if self.interrupt {
            let _ = conn.interrupt(&self.id);
        }
        self.keeper.hear(conn, Instant::now());
        if self.activity.is_some()
            && conn
                .op_mut(&self.id)
                .is_some_and(|op: &mut Idle| op.has_activity())
            && let Some(activity) = self.activity.take()
        {
            let _ = activity.send(());
        }
        let Some(result) = conn.take_output(&self.id) else {
            return false;
        };
        if let Some(reply) = self.reply.take() {
            let _ = reply.send(result);
        }
        true
    }
}

enum Pending {
    Op(Box<dyn ErasedWait>),
    Stream(StreamWait),
    Idle(IdleWait),
}

impl Pending {
    fn pump(&mut self, conn: &mut Connection) -> bool {
        match self {
            Pending::Op(wait) => wait.pump(conn),
            Pending::Stream(wait) => wait.pump(conn),
            Pending::Idle(wait) => wait.pump(conn),
        }
    }

    fn raw_id(&self) -> u64 {
        match self {
            Pending::Op(wait) => wait.raw_id(),
            Pending::Stream(wait) => wait.id.raw(),
            Pending::Idle(wait) => wait.id.raw(),
        }
    }

    fn caller_gone(&self) -> bool {
        let gone = |reply: Option<bool>| reply.is_none_or(|canceled| canceled);
        match self {
            Pending::Op(wait) => wait.caller_gone(),
            Pending::Stream(wait) => gone(wait.reply.as_ref().map(oneshot::Sender::is_canceled)),
            Pending::Idle(wait) => gone(wait.reply.as_ref().map(oneshot::Sender::is_canceled)),
        }
    }

    fn blocked_stream(&mut self) -> Option<&mut StreamWait> {
        match self {
            Pending::Stream(wait) if wait.outlet.is_blocked() => Some(wait),
            _ => None,
        }
    }
}

/// Every call a connection is answering.
pub struct Calls {
    pending: Vec<Pending>,
    /// Jobs beyond `max_in_flight`, in the order they came.
    waiting: VecDeque<Job>,
    /// FETCH calls gathering into one command, sent by [`Calls::flush`]; counts as one op.
    forming: Option<Forming>,
    max_in_flight: usize,
    /// Ops whose timeout the core already judged ([`Calls::timed_out`]).
    judged: Vec<u64>,
    /// How IDLEs are kept alive ([`Calls::idle_check`]).
    idle_timers: IdleTimers,
}

impl Calls {
    /// No calls; at most `max_in_flight` ops submitted to the core at once.
    pub fn new(max_in_flight: usize) -> Self {
        Calls {
            pending: Vec::new(),
            waiting: VecDeque::new(),
            forming: None,
            max_in_flight: max_in_flight.max(1),
            judged: Vec::new(),
            idle_timers: IdleTimers::default(),
        }
    }

    /// Keeps IDLEs alive with `timers` (re-issue, silence, probe timeout).
    pub fn set_idle_timers(&mut self, timers: IdleTimers) {
        self.idle_timers = timers;
    }

    /// The IDLE with `token` reached the instant its last check named (or the adapter's
    /// first, [`IdleTimers::first_check`]): re-issues it, probes a silent server, or fails
    /// the connection with `Error::PeerUnresponsive` when a probe, or the `DONE` that ends
    /// it, went unanswered (see [`IdleTimers`]). Returns when to check next; an IDLE not
    /// running (still waiting for room, or over) is checked again after the silence
    /// interval.
    pub fn idle_check(&mut self, token: u64, conn: &mut Connection) -> Instant {
        let now = Instant::now();
        let running = self.pending.iter_mut().find_map(|pending| match pending {
            Pending::Idle(wait) if wait.token == token => Some(wait),
            _ => None,
        });
        match running {
            Some(wait) => wait.keeper.check(conn, &wait.id, wait.interrupt, now),
            None => self.idle_timers.first_check(now),
        }
    }

    /// True when no call is being answered or waiting.
    pub fn is_empty(&self) -> bool {
        self.pending.is_empty() && self.waiting.is_empty() && self.forming.is_none()
    }

    /// True when no call awaits an answer but IDLEs: the server may stay silent for long.
    pub fn is_quiet(&self) -> bool {
        self.waiting.is_empty()
            && self.forming.is_none()
            && self.pending.iter().all(|p| matches!(p, Pending::Idle(_)))
    }

    /// Drops the spare capacity of the bookkeeping (see [`Calls::is_quiet`]).
    pub fn release_spare_memory(&mut self) {
        if self.pending.capacity() > self.pending.len() {
            self.pending.shrink_to_fit();
        }
        if self.waiting.capacity() > 0 && self.waiting.is_empty() {
            self.waiting = VecDeque::new();
        }
        if self.judged.capacity() > 0 && self.judged.is_empty() {
            self.judged = Vec::new();
        }
    }

    /// Takes a job: submits it now (a mergeable FETCH joins the group forming, see
    /// [`Calls::flush`]), or queues it behind the others when the core has `max_in_flight`
    /// ops already.
    pub fn start(&mut self, job: Job, conn: &mut Connection) {
        if self.waiting.is_empty() && self.has_room_for(&job, conn) {
            self.submit(job, conn);
        } else {
            self.waiting.push_back(job);
        }
    }

    /// True if `job` joins the group forming, or there is room for one more op.
    fn has_room_for(&self, job: &Job, conn: &Connection) -> bool {
        let joins = match (job, &self.forming) {
            (Job::Fetch(call), Some(forming)) => forming.accepts(call),
            _ => false,
        };
        joins || conn.ops_pending() + usize::from(self.forming.is_some()) < self.max_in_flight
    }

    /// Sends the FETCH calls gathered since the last flush, as one command when there are
    /// several. The driver calls it once it has taken every request waiting, so calls made
    /// together share a command; [`Calls::pump`] calls it too. True if it submitted any.
    pub fn flush(&mut self, conn: &mut Connection) -> bool {
        let Some(forming) = self.forming.take() else {
            return false;
        };
        self.pending.extend(forming.submit(conn).map(Pending::Op));
        true
    }

    /// Adds a FETCH call to the group forming, or starts a new group after sending the one
    /// that cannot take it.
    fn gather(&mut self, call: Box<FetchCall>, conn: &mut Connection) {
        let call = match &mut self.forming {
            Some(forming) => match forming.push(call) {
                Ok(()) => return,
                Err(call) => call,
            },
            None => call,
        };
        self.flush(conn);
        match Forming::new(call) {
            Ok(forming) => self.forming = Some(forming),
            // Not reached (a `FetchCall` is a mergeable FETCH): sent as it is.
            Err(call) => self
                .pending
                .extend(call.submit_alone(conn).map(Pending::Op)),
        }
    }

    fn submit(&mut self, job: Job, conn: &mut Connection) {
        if job.caller_gone() {
            return;
        }
        if !matches!(job, Job::Fetch(_)) {
            // Commands go out in the order their calls came: the group forming first.
            self.flush(conn);
        }
        let pending = match job {
            Job::Fetch(call) => {
                self.gather(call, conn);
                None
            }
            Job::Op(job) => job.start(conn).map(Pending::Op),
            Job::Stream(job) => {
                let StreamJob { op, outlet, reply } = *job;
                match conn.submit(op) {
                    Ok(id) => Some(Pending::Stream(StreamWait {
                        id,
                        outlet,
                        reply: Some(reply),
                        backlog: VecDeque::new(),
                        outcome: None,
                    })),
                    Err(e) => {
                        outlet.refuse(&e);
                        let _ = reply.send(Err(e));
                        None
                    }
                }
            }
            Job::Idle(IdleJob {
                op,
                token,
                activity,
                reply,
            }) => match conn.submit(op) {
                Ok(id) => Some(Pending::Idle(IdleWait {
                    token,
                    id,
                    activity: Some(activity),
                    reply: Some(reply),
                    interrupt: false,
                    keeper: IdleKeeper::new(self.idle_timers, conn, Instant::now()),
                })),
                Err(e) => {
                    let _ = reply.send(Err(e));
                    None
                }
            },
        };
        self.pending.extend(pending);
    }

    /// Delivers what finished, then submits waiting jobs while there is room; true when it
    /// submitted any (their commands are ready to transmit).
    pub fn pump(&mut self, conn: &mut Connection) -> bool {
        // Calls gathered since the last flush (the blocking adapter's) go out first.
        let mut submitted = self.flush(conn);
        self.pending.retain_mut(|p| !p.pump(conn));
        while let Some(job) = self.waiting.front()
            && self.has_room_for(job, conn)
        {
            if let Some(job) = self.waiting.pop_front() {
                self.submit(job, conn);
                submitted = true;
            }
        }
        submitted |= self.flush(conn);
        if conn.is_over() {
            // Nothing more can be submitted: the waiting jobs fail like a submit would.
            for job in self.waiting.drain(..) {
                refuse(job, conn);
            }
        }
        if submitted {
            // Jobs submitted just now may already have answers.
            self.pending.retain_mut(|p| !p.pump(conn));
        }
        submitted
    }

    /// A call's timeout elapsed (its caller closed its reply first): asks the core whether
    /// the peer is presumed dead ([`Connection::timed_out_raw`]) for every op whose caller
    /// gave up since the last verdict, or, when the call is not identified (a pipeline, a
    /// job still waiting for room), for the oldest op in flight: nothing received since
    /// that one went out means nothing since the caller's went out either. Dead if any op
    /// says so (the core has then failed the connection).
    pub fn timed_out(&mut self, conn: &mut Connection) -> TimeoutVerdict {
        let pending: Vec<u64> = self.pending.iter().map(Pending::raw_id).collect();
        self.judged.retain(|id| pending.contains(id));
        let mut ids: Vec<u64> = (self.pending.iter())
            .filter(|p| p.caller_gone() && !self.judged.contains(&p.raw_id()))
            .map(Pending::raw_id)
            .collect();
        if ids.is_empty() {
            ids.extend(pending.first());
        }
        let mut verdict = TimeoutVerdict::ServerStillSending;
        for id in ids {
            self.judged.push(id);
            if conn.timed_out_raw(id) == TimeoutVerdict::PeerPresumedDead {
                verdict = TimeoutVerdict::PeerPresumedDead;
            }
        }
        verdict
    }

    /// Ends the IDLE with `token` (sends `DONE`); one still waiting for room never starts
    /// and returns no events.
    pub fn interrupt(&mut self, token: u64, conn: &mut Connection) {
        for pending in &mut self.pending {
            if let Pending::Idle(wait) = pending
                && wait.token == token
            {
                wait.interrupt = true;
                wait.keeper.hear(conn, Instant::now());
                wait.keeper.ending(Instant::now());
                let _ = conn.interrupt(&wait.id);
            }
        }
        self.waiting.retain_mut(|job| match job {
            Job::Idle(idle) if idle.token == token => {
                let (reply, _) = oneshot::channel();
                let reply = std::mem::replace(&mut idle.reply, reply);
                let _ = reply.send(Ok(Vec::new()));
                false
            }
            _ => true,
        });
    }

    /// Ready when a streamed FETCH blocked on a full sink can go on; `None` if none is
    /// blocked (the socket may be read).
    pub fn poll_unblocked(&mut self, cx: &mut Context<'_>) -> Option<Poll<()>> {
        let wait = self.pending.iter_mut().find_map(Pending::blocked_stream)?;
        Some(wait.poll_unblocked(cx))
    }

    /// True while a streamed FETCH waits for room in its sink: stop reading the socket.
    pub fn is_blocked(&mut self) -> bool {
        self.pending
            .iter_mut()
            .any(|p| p.blocked_stream().is_some())
    }
}

/// Answers a job that can no longer be submitted with the core's refusal.
fn refuse(job: Job, conn: &mut Connection) {
    // Submitting to a finished connection fails at once and sends nothing.
    let mut calls = Calls::new(usize::MAX);
    calls.submit(job, conn);
    calls.flush(conn);
}

/// What an IDLE's activity receiver says, without waiting: `Activity` once the server
/// pushed data, `Ended` once the op ended (or was refused) without any, `None` meanwhile.
pub fn idle_wake(woken: &mut oneshot::Receiver<()>) -> Option<IdleWake> {
    match woken.try_recv() {
        Ok(Some(())) => Some(IdleWake::Activity),
        Ok(None) => None,
        Err(oneshot::Canceled) => Some(IdleWake::Ended),
    }
}

/// A call's reply if it came, without waiting: `Some` once answered (a reply dropped
/// unanswered is `Error::DriverGone`). For run loops that drive the core on the caller's
/// thread.
pub fn answered<T>(reply: &mut oneshot::Receiver<Result<T, Error>>) -> Option<Result<T, Error>> {
    match reply.try_recv() {
        Ok(answer) => answer,
        Err(oneshot::Canceled) => Some(Err(Error::DriverGone)),
    }
}
