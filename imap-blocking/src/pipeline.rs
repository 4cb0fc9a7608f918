//! Pipelined batches (RFC 9051 §5.5): several commands sent in one write, their results
//! returned together.
//!
//! The design is imap-tokio's: [`ImapConnection::pipeline`] returns a `Pipeline<'_, ()>`;
//! each builder method adds one command and one slot to the type parameter, and
//! [`Pipeline::execute`] returns the flat tuple of per-command results. Each command
//! succeeds or fails on its own; the outer `Result` fails only when the batch as a whole
//! could not complete (`Error::Timeout`, with the same guarantees as any call). At most 12
//! commands. Only commands that are safe to pipeline have builder methods; [`Pipelinable`]
//! is sealed. The list of commands is the core's
//! ([`imap_proto_core::for_each_pipeline_command!`]), shared with the async adapters; this
//! module only expands it with this crate's channel type.
//!
//! ```no_run
//! # fn demo(imap: &imap_blocking::ImapConnection) -> Result<(), imap_blocking::Error> {
//! use std::time::Duration;
//! let (inbox, folders) = imap
//!     .pipeline()
//!     .status("INBOX", "MESSAGES UNSEEN")
//!     .list("", "*")
//!     .execute(Duration::from_secs(30))?;
//! println!("{:?} {}", inbox?.items, folders?.len());
//! # Ok(()) }
//! ```

use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::time::Duration;

use imap_proto_core::{Connection, Error, Op, OpId};

use crate::ImapConnection;
use crate::io::deadline_after;

pub use imap_proto_core::ops::pipeline_tuple::Push;
use imap_proto_core::ops::pipeline_tuple::Tuple;

mod sealed {
    /// Keeps [`super::Pipelinable`] closed.
    pub trait Sealed {}
}

/// A batch of pipelined commands under construction. See the [module docs](self).
#[must_use = "a pipeline does nothing until `execute` is called"]
pub struct Pipeline<'a, T> {
    conn: &'a ImapConnection,
    jobs: Vec<Box<dyn Job>>,
    slots: T,
}

impl<T> std::fmt::Debug for Pipeline<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pipeline")
            .field("commands", &self.jobs.len())
            .finish_non_exhaustive()
    }
}

/// Where one command's result arrives.
pub struct Slot<O>(Receiver<Result<O, Error>>);

impl<O> std::fmt::Debug for Slot<O> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Slot")
    }
}

/// One command of a batch, its output type erased.
#[doc(hidden)]
pub trait Job: Send {
    /// Submits the op; a refusal is answered at once.
    fn start(self: Box<Self>, conn: &mut Connection) -> Option<Box<dyn Wait>>;
}

/// A submitted command whose result is still to be delivered.
#[doc(hidden)]
pub trait Wait: Send {
    /// Delivers the result if the op finished; true once delivered.
    fn pump(&mut self, conn: &mut Connection) -> bool;
}

struct OpJob<O: Op, T> {
    op: O,
    map: fn(O::Output) -> T,
    reply: SyncSender<Result<T, Error>>,
}

impl<O: Op, T: Send + 'static> Job for OpJob<O, T> {
    fn start(self: Box<Self>, conn: &mut Connection) -> Option<Box<dyn Wait>> {
        let OpJob { op, map, reply } = *self;
        match conn.submit(op) {
            Ok(id) => Some(Box::new(OpWait { id, map, reply })),
            Err(e) => {
                let _ = reply.try_send(Err(e));
                None
            }
        }
    }
}

struct OpWait<O: Op, T> {
    id: OpId<O>,
    map: fn(O::Output) -> T,
    reply: SyncSender<Result<T, Error>>,
}

impl<O: Op, T: Send + 'static> Wait for OpWait<O, T> {
    fn pump(&mut self, conn: &mut Connection) -> bool {
        let Some(result) = conn.take_output(&self.id) else {
            return false;
        };
        // A one-slot channel read only after the batch: never full, maybe closed.
        let _ = self.reply.try_send(result.map(self.map));
        true
    }
}

fn job<O: Op, T: Send + 'static>(
    op: O,
    map: fn(O::Output) -> T,
    reply: SyncSender<Result<T, Error>>,
) -> Box<dyn Job> {
    Box::new(OpJob { op, map, reply })
}

/// A command that may go into a [`Pipeline`]. Sealed.
pub trait Pipelinable: sealed::Sealed {
    /// The command's result.
    type Output: Send + 'static;
    /// The job that runs the command and sends its result to `reply`.
    #[doc(hidden)]
    fn into_job(self, reply: SyncSender<Result<Self::Output, Error>>) -> Box<dyn Job>;
}

/// Reads every slot of a tuple once the batch completed. Sealed.
pub trait Results: Tuple {
    /// The tuple of per-command results.
    type Output;
    /// Reads every slot.
    #[doc(hidden)]
    fn collect(self) -> Self::Output;
}

macro_rules! tuples {
    ($( ($($T:ident),*) )*) => {$(
        impl<$($T: Send + 'static,)*> Results for ($(Slot<$T>,)*) {
            type Output = ($(Result<$T, Error>,)*);
            #[allow(non_snake_case, clippy::unused_unit)]
            fn collect(self) -> Self::Output {
                let ($($T,)*) = self;
                ($($T.0.try_recv().unwrap_or(Err(Error::Timeout)),)*)
            }
        }
    )*};
}

imap_proto_core::for_each_pipeline_tuple!(tuples);

impl<'a> Pipeline<'a, ()> {
    pub(crate) fn new(conn: &'a ImapConnection) -> Self {
        Pipeline {
            conn,
            jobs: Vec::new(),
            slots: (),
        }
    }
}

impl<'a, T> Pipeline<'a, T> {
    /// Adds a command given as a value (the builder methods call this).
    pub fn push<C: Pipelinable>(mut self, command: C) -> Pipeline<'a, T::Out>
    where
        T: Push<Slot<C::Output>>,
    {
        let (reply, result) = sync_channel(1);
        self.jobs.push(command.into_job(reply));
        Pipeline {
            conn: self.conn,
            jobs: self.jobs,
            slots: self.slots.push(Slot(result)),
        }
    }

    /// Number of commands in the batch.
    pub fn len(&self) -> usize {
        self.jobs.len()
    }

    /// True when no command was added.
    pub fn is_empty(&self) -> bool {
        self.jobs.is_empty()
    }
}

impl<T: Results> Pipeline<'_, T> {
    /// Submits every command at once (one write) and waits for all their results, up to
    /// `timeout` in total. Commands the core refuses fail on their own, before anything is
    /// sent for them.
    pub fn execute(self, timeout: Duration) -> Result<T::Output, Error> {
        let deadline = deadline_after(timeout);
        let shared = self.conn.shared();
        let mut held = self.conn.acquire(deadline)?;
        let mut waits: Vec<Box<dyn Wait>> = self
            .jobs
            .into_iter()
            .filter_map(|job| job.start(&mut held.conn))
            .collect();
        let mut pump_all = move |conn: &mut Connection| {
            waits.retain_mut(|wait| !wait.pump(conn));
            waits.is_empty()
        };
        if let Err(e) = held.drive(shared, deadline, |conn| pump_all(conn).then_some(())) {
            held.abandon(Box::new(pump_all));
            return Err(e);
        }
        drop(held);
        Ok(self.slots.collect())
    }
}

macro_rules! pipelinable {
    (@map) => { |output| output };
    (@map $map:expr) => { $map };
    ($(
        $(#[$meta:meta])*
        $method:ident => $Cmd:ident [$($lt:lifetime)?] { $($field:ident : $fty:ty),* }
            -> $out:ty = $op:expr $(, map $map:expr)?;
    )*) => {$(
        #[doc = concat!("The pipelined form of [`ImapConnection::", stringify!($method), "`].")]
        #[derive(Debug, Clone, Copy)]
        pub struct $Cmd<$($lt)?> {
            $(
                #[doc = concat!("The `", stringify!($field), "` argument.")]
                pub $field: $fty,
            )*
        }

        impl<$($lt)?> sealed::Sealed for $Cmd<$($lt)?> {}

        impl<$($lt)?> Pipelinable for $Cmd<$($lt)?> {
            type Output = $out;
            fn into_job(self, reply: SyncSender<Result<$out, Error>>) -> Box<dyn Job> {
                let $Cmd { $($field),* } = self;
                job($op, pipelinable!(@map $($map)?), reply)
            }
        }

        impl<'a, T> Pipeline<'a, T> {
            $(#[$meta])*
            pub fn $method<$($lt)?>(self, $($field: $fty),*) -> Pipeline<'a, T::Out>
            where
                T: Push<Slot<$out>>,
            {
                self.push($Cmd { $($field),* })
            }
        }
    )*};
}

imap_proto_core::for_each_pipeline_command!(pipelinable);
