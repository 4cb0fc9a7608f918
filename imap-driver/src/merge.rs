//! Concurrent buffered FETCH calls merged into one command (issue 15 item 3).
//!
//! Calls that reach [`crate::calls::Calls`] one right after the other (in one drain of the
//! driver's requests, in one pipeline, or waiting together beyond `max_in_flight`) and ask
//! the same question (`fetch` or `uid_fetch` with the same items and no modifiers, over
//! plain numbers) gather in a [`Forming`] group; the group goes out as one core
//! [`MergedFetch`], which owns the split of the answers (by UID or sequence number) and
//! the retry of each call alone after a NO or BAD. A call that does not join closes the
//! group first, so commands keep the order their calls came in: a mailbox change (or any
//! other command) is never overtaken.
//!
//! Each call keeps its own reply: a caller that times out or goes away gets its own error
//! and its share of the answer is dropped; the others are not disturbed.

use std::any::Any;
use std::marker::PhantomData;

use imap_proto_core::ops::fetch::Fetch;
use imap_proto_core::ops::fetch_merge::{FetchOutput, MergedFetch};
use imap_proto_core::{Connection, Error, Op, OpId};

use crate::calls::{ErasedWait, Reply};

/// Where one FETCH call's result goes: its caller's reply, through the call's map.
trait FetchReply: Send {
    fn send(self: Box<Self>, result: Result<FetchOutput, Error>);
    fn is_canceled(&self) -> bool;
}

struct MappedReply<O, T, F> {
    map: F,
    reply: Reply<T>,
    op: PhantomData<fn() -> O>,
}

impl<O, T, F> FetchReply for MappedReply<O, T, F>
where
    O: Op,
    T: Send + 'static,
    F: FnOnce(O::Output) -> T + Send + 'static,
{
    fn send(self: Box<Self>, result: Result<FetchOutput, Error>) {
        let MappedReply { map, reply, .. } = *self;
        // `O` is `Fetch` (see `FetchCall::take`), so its output is a `FetchOutput`.
        let result: Box<dyn Any> = Box::new(result);
        let result = match result.downcast::<Result<O::Output, Error>>() {
            Ok(result) => result.map(map),
            Err(_) => Err(Error::Internal("a FETCH result of an unexpected type")),
        };
        // The caller may be gone (timeout, dropped future): the result is discarded.
        let _ = reply.send(result);
    }

    fn is_canceled(&self) -> bool {
        self.reply.is_canceled()
    }
}

/// A buffered FETCH call that may be merged with others.
pub struct FetchCall {
    op: Fetch,
    reply: Box<dyn FetchReply>,
}

impl FetchCall {
    /// Takes the op out of `slot` as a call when it is a mergeable FETCH
    /// ([`Fetch::is_mergeable`]); otherwise leaves it there and hands `map` and `reply`
    /// back.
    #[allow(clippy::type_complexity)]
    pub(crate) fn take<O, T, F>(
        slot: &mut Option<O>,
        map: F,
        reply: Reply<T>,
    ) -> Result<Self, (F, Reply<T>)>
    where
        O: Op,
        T: Send + 'static,
        F: FnOnce(O::Output) -> T + Send + 'static,
    {
        let fetch = (slot as &mut dyn Any)
            .downcast_mut::<Option<Fetch>>()
            .and_then(|slot| slot.take_if(|op| op.is_mergeable()));
        let Some(op) = fetch else {
            return Err((map, reply));
        };
        let reply = Box::new(MappedReply::<O, T, F> {
            map,
            reply,
            op: PhantomData,
        });
        Ok(FetchCall { op, reply })
    }

    /// True when nobody waits for the result any more.
    pub(crate) fn caller_gone(&self) -> bool {
        self.reply.is_canceled()
    }

    /// Submits the call as its own command.
    pub(crate) fn submit_alone(
        self: Box<Self>,
        conn: &mut Connection,
    ) -> Option<Box<dyn ErasedWait>> {
        match conn.submit(self.op) {
            Ok(id) => Some(Box::new(LoneWait {
                id,
                reply: Some(self.reply),
            })),
            Err(e) => {
                self.reply.send(Err(e));
                None
            }
        }
    }
}

/// FETCH calls gathering into one command.
pub(crate) struct Forming {
    merged: MergedFetch,
    replies: Vec<Box<dyn FetchReply>>,
}

impl Forming {
    /// A group holding `call`.
    pub(crate) fn new(call: Box<FetchCall>) -> Result<Self, Box<FetchCall>> {
        let FetchCall { op, reply } = *call;
        match MergedFetch::new(op) {
            Ok(merged) => Ok(Forming {
                merged,
                replies: vec![reply],
            }),
            Err(op) => Err(Box::new(FetchCall { op, reply })),
        }
    }

    /// True if `call` may join (the same question, room under the caps).
    pub(crate) fn accepts(&self, call: &FetchCall) -> bool {
        self.merged.accepts(&call.op)
    }

    /// Adds `call`, or hands it back if it may not join.
    pub(crate) fn push(&mut self, call: Box<FetchCall>) -> Result<(), Box<FetchCall>> {
        let FetchCall { op, reply } = *call;
        match self.merged.push(op) {
            Ok(()) => {
                self.replies.push(reply);
                Ok(())
            }
            Err(op) => Err(Box::new(FetchCall { op, reply })),
        }
    }

    /// Submits the group: one call as its own command, several as one merged command.
    pub(crate) fn submit(self, conn: &mut Connection) -> Option<Box<dyn ErasedWait>> {
        let Forming { merged, replies } = self;
        if merged.len() == 1 {
            let (op, reply) = merged.into_fetches().into_iter().zip(replies).next()?;
            return Box::new(FetchCall { op, reply }).submit_alone(conn);
        }
        tracing::debug!(
            target: "imap::command",
            merged_calls = merged.len(),
            union = %merged.union().map(|set| set.to_string()).unwrap_or_default(),
            "concurrent FETCH calls merged into one command"
        );
        match conn.submit(merged) {
            Ok(id) => Some(Box::new(MergedWait { id, replies })),
            Err(e) => {
                for reply in replies {
                    reply.send(Err(e.clone()));
                }
                None
            }
        }
    }
}

/// A lone FETCH call submitted.
struct LoneWait {
    id: OpId<Fetch>,
    reply: Option<Box<dyn FetchReply>>,
}

impl ErasedWait for LoneWait {
    fn pump(&mut self, conn: &mut Connection) -> bool {
        let Some(result) = conn.take_output(&self.id) else {
            return false;
        };
        if let Some(reply) = self.reply.take() {
            reply.send(result);
        }
        true
    }

    fn raw_id(&self) -> u64 {
        self.id.raw()
    }

    fn caller_gone(&self) -> bool {
        self.reply.as_ref().is_none_or(|reply| reply.is_canceled())
    }
}

/// A merged command submitted: one reply per call, in the order the calls joined.
struct MergedWait {
    id: OpId<MergedFetch>,
    replies: Vec<Box<dyn FetchReply>>,
}

impl ErasedWait for MergedWait {
    fn pump(&mut self, conn: &mut Connection) -> bool {
        let Some(result) = conn.take_output(&self.id) else {
            return false;
        };
        match result {
            Ok(results) => {
                let mut results = results.into_iter();
                for reply in self.replies.drain(..) {
                    let result = results
                        .next()
                        .unwrap_or(Err(Error::Internal("a merged FETCH lost a call's result")));
                    reply.send(result);
                }
            }
            Err(e) => {
                for reply in self.replies.drain(..) {
                    reply.send(Err(e.clone()));
                }
            }
        }
        true
    }

    fn raw_id(&self) -> u64 {
        self.id.raw()
    }

    /// True once any of its callers gave up: the timeout verdict for that call is this
    /// command's (has the server sent anything since it went out?).
    fn caller_gone(&self) -> bool {
        self.replies.iter().any(|reply| reply.is_canceled())
    }
}
