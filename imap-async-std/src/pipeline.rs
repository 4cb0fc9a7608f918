//! Pipelined batches (RFC 9051 §5.5): several commands sent in one write, their results
//! returned together.
//!
//! The list of commands is the core's
//! ([`imap_proto_core::for_each_pipeline_command!`]), shared with imap-tokio; this module
//! only expands it with this crate's channel and timer types.
//!
//! # Design: a typed tuple
//!
//! [`ImapConnection::pipeline`] returns a `Pipeline<'_, ()>`. Each builder method adds one
//! command and one slot to the type parameter, so after `.noop().status(..).list(..)` it is
//! a `Pipeline<'_, (Slot<()>, Slot<StatusResult>, Slot<Vec<MailboxInfo>>)>`, and
//! [`Pipeline::execute`] returns the flat tuple
//! `(Result<(), Error>, Result<StatusResult, Error>, Result<Vec<MailboxInfo>, Error>)`.
//! Each command succeeds or fails on its own (one `NO` does not fail the others); the outer
//! `Result` fails only when the batch as a whole could not complete: the timeout elapsed
//! (`Error::Timeout`, with the same guarantees as any call: the commands still complete and
//! their results are discarded) or the connection is gone. A batch holds at most 12
//! commands, the largest tuple the traits are implemented for.
//!
//! Only commands that are safe to pipeline have builder methods: those that do not change
//! the session state and that the core runs concurrently (NOOP, STATUS, LIST/LSUB, FETCH,
//! SEARCH/SORT/THREAD, NAMESPACE, the quota, ACL and metadata reads). SELECT, STARTTLS,
//! IDLE, LOGOUT, AUTHENTICATE, APPEND and the other state-changing or literal-carrying
//! commands are absent; [`Pipelinable`] is sealed, so no other type can be added with
//! [`Pipeline::push`] either.
//!
//! ```no_run
//! # async fn demo(imap: &imap_async_std::ImapConnection) -> Result<(), imap_async_std::Error> {
//! use std::time::Duration;
//! let (inbox, sent, folders) = imap
//!     .pipeline()
//!     .status("INBOX", "MESSAGES UNSEEN")
//!     .status("Sent", "MESSAGES")
//!     .list("", "*")
//!     .execute(Duration::from_secs(30))
//!     .await?;
//! println!("{:?} {:?} {}", inbox?.items, sent?.items, folders?.len());
//! # Ok(()) }
//! ```

use std::future::Future;
use std::time::Duration;

use async_channel::Receiver;
use futures_lite::FutureExt;
use imap_proto_core::Error;

use crate::ImapConnection;
use crate::driver::{Job, Reply};

pub use imap_proto_core::ops::pipeline_tuple::Push;
use imap_proto_core::ops::pipeline_tuple::Tuple;

mod sealed {
    /// Keeps [`super::Pipelinable`] closed.
    pub trait Sealed {}
}

/// A batch of pipelined commands under construction. See the [module docs](self).
#[must_use = "a pipeline does nothing until `execute` is awaited"]
pub struct Pipeline<'a, T> {
    conn: &'a ImapConnection,
    jobs: Vec<Job>,
    slots: T,
}

impl<T> std::fmt::Debug for Pipeline<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pipeline")
            .field("commands", &self.jobs.len())
            .finish_non_exhaustive()
    }
}

/// Where one command's result will arrive.
pub struct Slot<O>(Receiver<Result<O, Error>>);

impl<O> std::fmt::Debug for Slot<O> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Slot")
    }
}

impl<O> Slot<O> {
    async fn wait(self, deadline: &mut async_io::Timer) -> Result<Result<O, Error>, Error> {
        let result = async { self.0.recv().await.map_err(|_| Error::DriverGone) };
        result
            .or(async {
                deadline.await;
                Err(Error::Timeout)
            })
            .await
    }
}

/// A command that may go into a [`Pipeline`]. Sealed: only this module's command types
/// implement it.
pub trait Pipelinable: sealed::Sealed {
    /// The command's result.
    type Output: Send + 'static;
    /// The driver job that runs the command and sends its result to `reply`.
    #[doc(hidden)]
    fn into_job(self, reply: Reply<Self::Output>) -> Job;
}

/// Awaits every slot of a tuple and returns the tuple of results. Sealed.
pub trait Results: Tuple {
    /// The tuple of per-command results.
    type Output;
    /// Awaits every slot until `deadline`.
    #[doc(hidden)]
    fn collect(
        self,
        deadline: &mut async_io::Timer,
    ) -> impl Future<Output = Result<Self::Output, Error>> + Send;
}

macro_rules! tuples {
    ($( ($($T:ident),*) )*) => {$(
        impl<$($T: Send + 'static,)*> Results for ($(Slot<$T>,)*) {
            type Output = ($(Result<$T, Error>,)*);
            #[allow(non_snake_case, unused_variables, clippy::unused_unit)]
            async fn collect(self, deadline: &mut async_io::Timer) -> Result<Self::Output, Error> {
                let ($($T,)*) = self;
                Ok(($($T.wait(deadline).await?,)*))
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
        let (reply, result) = async_channel::bounded(1);
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
    /// Sends every command at once (one write) and waits for all their results, up to
    /// `timeout` in total. Commands the core refuses (state or capability) fail on their
    /// own, before anything is sent for them.
    pub async fn execute(self, timeout: Duration) -> Result<T::Output, Error> {
        let mut deadline = crate::deadline_timer(timeout);
        if !self.jobs.is_empty() {
            self.conn.submit_batch(self.jobs)?;
        }
        self.slots.collect(&mut deadline).await
    }
}

macro_rules! pipelinable {
    (@job $op:expr, $reply:ident) => { Job::op($op, $reply) };
    (@job $op:expr, $reply:ident, $map:expr) => { Job::op_map($op, $map, $reply) };
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
            fn into_job(self, reply: Reply<$out>) -> Job {
                let $Cmd { $($field),* } = self;
                pipelinable!(@job $op, reply $(, $map)?)
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
