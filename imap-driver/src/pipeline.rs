//! Pipelined batches (RFC 9051 §5.5): several commands sent in one write, their results
//! returned together. One builder for every adapter.
//!
//! # Two shapes
//!
//! - **A typed tuple.** `pipeline()` returns a `Pipeline<'_, ()>`; each builder method adds
//!   one command and one slot to the type parameter, so after `.noop().status(..).list(..)`
//!   [`Pipeline::execute`] returns the flat tuple `(Result<(), Error>,
//!   Result<StatusResult, Error>, Result<Vec<MailboxInfo>, Error>)`. At most 12 commands,
//!   the largest tuple the traits are implemented for.
//! - **A homogeneous batch.** [`Pipeline::many`] takes any number of commands of one kind
//!   and returns a `Vec` of their results, in order. Beyond `Config::max_in_flight` the
//!   commands wait their turn inside the driver; none fails for being one too many.
//!
//! Each command succeeds or fails on its own (one `NO` does not fail the others); the outer
//! `Result` fails only when the batch as a whole could not complete: the timeout elapsed
//! (`Error::Timeout`, with the same guarantees as any call: the commands still complete and
//! their results are discarded) or the connection is gone.
//!
//! Only commands that are safe to pipeline have builder methods: those that do not change
//! the session state and that the core runs concurrently (NOOP, STATUS, LIST/LSUB, FETCH,
//! SEARCH/SORT/THREAD, NAMESPACE, the quota, ACL and metadata reads). [`Pipelinable`] is
//! sealed, so no other type can be added with [`Pipeline::push`] either.

use std::future::Future;
use std::time::{Duration, Instant};

use futures_channel::oneshot;
use imap_proto_core::Error;

use crate::calls::{Job, answered};
use crate::driver::Request;
use crate::link::Link;
use crate::runtime::deadline_after;

pub use imap_proto_core::ops::pipeline_tuple::Push;

mod sealed {
    /// Keeps [`super::Pipelinable`] and [`super::Results`] closed.
    pub trait Sealed {}
}

/// A batch of pipelined commands under construction. See the [module docs](self). `H` is
/// what runs the batch: an async connection's [`Link`], or the blocking connection.
#[must_use = "a pipeline does nothing until `execute` is called"]
pub struct Pipeline<'a, T, H: ?Sized = Link> {
    host: &'a H,
    jobs: Vec<Job>,
    slots: T,
}

impl<T, H: ?Sized> std::fmt::Debug for Pipeline<'_, T, H> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pipeline")
            .field("commands", &self.jobs.len())
            .finish_non_exhaustive()
    }
}

/// Where one command's result will arrive.
pub struct Slot<O> {
    reply: oneshot::Receiver<Result<O, Error>>,
    /// The result, once a blocking batch looked for it.
    got: Option<Result<O, Error>>,
}

impl<O> std::fmt::Debug for Slot<O> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Slot")
    }
}

impl<O> Slot<O> {
    fn new(reply: oneshot::Receiver<Result<O, Error>>) -> Self {
        Slot { reply, got: None }
    }

    /// Waits for the result until `deadline` (async connections).
    async fn wait(self, link: &Link, deadline: Option<Instant>) -> Result<Result<O, Error>, Error> {
        match link
            .within(deadline, async {
                self.reply.await.map_err(|_| Error::DriverGone)
            })
            .await
        {
            Err(Error::Timeout) => Err(link.timed_out().await),
            other => other,
        }
    }

    /// True once the result is there (blocking connections, between two reads).
    fn answered(&mut self) -> bool {
        if self.got.is_none() {
            self.got = answered(&mut self.reply);
        }
        self.got.is_some()
    }

    /// The result, once [`Slot::answered`].
    fn take(self) -> Result<O, Error> {
        self.got.unwrap_or(Err(Error::Timeout))
    }
}

/// The slots of a homogeneous batch ([`Pipeline::many`]).
pub struct Many<O>(Vec<Slot<O>>);

impl<O> std::fmt::Debug for Many<O> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Many({})", self.0.len())
    }
}

/// A command that may go into a [`Pipeline`]. Sealed: only this module's command types
/// implement it.
pub trait Pipelinable: sealed::Sealed {
    /// The command's result.
    type Output: Send + 'static;
    /// The driver job that runs the command and sends its result to `reply`.
    #[doc(hidden)]
    fn into_job(self, reply: oneshot::Sender<Result<Self::Output, Error>>) -> Job;
}

/// Collects every slot of a batch into its results. Sealed.
pub trait Results: sealed::Sealed {
    /// The per-command results.
    type Output;
    /// Awaits every slot until `deadline`.
    #[doc(hidden)]
    fn collect(
        self,
        link: &Link,
        deadline: Option<Instant>,
    ) -> impl Future<Output = Result<Self::Output, Error>> + Send;
    /// True once every slot has its result (blocking connections).
    #[doc(hidden)]
    fn answered(&mut self) -> bool;
    /// Takes every slot's result once [`Results::answered`].
    #[doc(hidden)]
    fn take(self) -> Self::Output;
}

macro_rules! tuples {
    ($( ($($T:ident),*) )*) => {$(
        impl<$($T,)*> sealed::Sealed for ($(Slot<$T>,)*) {}

        impl<$($T: Send + 'static,)*> Results for ($(Slot<$T>,)*) {
            type Output = ($(Result<$T, Error>,)*);
            #[allow(non_snake_case, unused_variables, clippy::unused_unit)]
            async fn collect(
                self,
                link: &Link,
                deadline: Option<Instant>,
            ) -> Result<Self::Output, Error> {
                let ($($T,)*) = self;
                Ok(($($T.wait(link, deadline).await?,)*))
            }
            #[allow(non_snake_case)]
            fn answered(&mut self) -> bool {
                let ($($T,)*) = self;
                true $(&& $T.answered())*
            }
            #[allow(non_snake_case, clippy::unused_unit)]
            fn take(self) -> Self::Output {
                let ($($T,)*) = self;
                ($($T.take(),)*)
            }
        }
    )*};
}

imap_proto_core::for_each_pipeline_tuple!(tuples);

impl<O> sealed::Sealed for Many<O> {}

impl<O: Send + 'static> Results for Many<O> {
    type Output = Vec<Result<O, Error>>;

    async fn collect(self, link: &Link, deadline: Option<Instant>) -> Result<Self::Output, Error> {
        let mut results = Vec::with_capacity(self.0.len());
        for slot in self.0 {
            results.push(slot.wait(link, deadline).await?);
        }
        Ok(results)
    }

    fn answered(&mut self) -> bool {
        self.0.iter_mut().all(Slot::answered)
    }

    fn take(self) -> Self::Output {
        self.0.into_iter().map(Slot::take).collect()
    }
}

impl<'a, H: ?Sized> Pipeline<'a, (), H> {
    /// An empty batch run by `host`.
    pub fn new(host: &'a H) -> Self {
        Pipeline {
            host,
            jobs: Vec::new(),
            slots: (),
        }
    }

    /// A homogeneous batch: every command of `commands`, sent together (beyond
    /// `Config::max_in_flight` they wait their turn in the driver), with their results in
    /// order.
    pub fn many<C: Pipelinable>(
        self,
        commands: impl IntoIterator<Item = C>,
    ) -> Pipeline<'a, Many<C::Output>, H> {
        let mut jobs = self.jobs;
        let slots = commands
            .into_iter()
            .map(|command| {
                let (reply, result) = oneshot::channel();
                jobs.push(command.into_job(reply));
                Slot::new(result)
            })
            .collect();
        Pipeline {
            host: self.host,
            jobs,
            slots: Many(slots),
        }
    }
}

impl<'a, T, H: ?Sized> Pipeline<'a, T, H> {
    /// Adds a command given as a value (the builder methods call this).
    pub fn push<C: Pipelinable>(mut self, command: C) -> Pipeline<'a, T::Out, H>
    where
        T: Push<Slot<C::Output>>,
    {
        let (reply, result) = oneshot::channel();
        self.jobs.push(command.into_job(reply));
        Pipeline {
            host: self.host,
            jobs: self.jobs,
            slots: self.slots.push(Slot::new(result)),
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

impl<T: Results> Pipeline<'_, T, Link> {
    /// Sends every command at once (one write) and waits for all their results, up to
    /// `timeout` in total. Commands the core refuses (state or capability) fail on their
    /// own, before anything is sent for them.
    pub async fn execute(self, timeout: Duration) -> Result<T::Output, Error> {
        let deadline = deadline_after(timeout);
        if !self.jobs.is_empty() {
            self.host.send(Request::Batch(self.jobs))?;
        }
        self.slots.collect(self.host, deadline).await
    }
}

/// A connection that runs a batch on the calling thread (imap-blocking).
pub trait BlockingBatch {
    /// Starts every job and drives the connection until `answered` says every result is
    /// in, or `deadline` passes (`Error::Timeout`; the rest complete later and are
    /// discarded).
    fn run_batch(
        &self,
        jobs: Vec<Job>,
        answered: &mut dyn FnMut() -> bool,
        deadline: Option<Instant>,
    ) -> Result<(), Error>;
}

impl<T: Results, H: BlockingBatch> Pipeline<'_, T, H> {
    /// Sends every command at once (one write) and waits for all their results, up to
    /// `timeout` in total. Commands the core refuses fail on their own, before anything is
    /// sent for them.
    pub fn execute(self, timeout: Duration) -> Result<T::Output, Error> {
        let Pipeline {
            host,
            jobs,
            mut slots,
        } = self;
        host.run_batch(jobs, &mut || slots.answered(), deadline_after(timeout))?;
        Ok(slots.take())
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
        #[doc = concat!("The pipelined form of [`ImapConnection::", stringify!($method), "`](crate::ImapConnection).")]
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
            fn into_job(self, reply: oneshot::Sender<Result<$out, Error>>) -> Job {
                let $Cmd { $($field),* } = self;
                pipelinable!(@job $op, reply $(, $map)?)
            }
        }

        impl<'a, T, H: ?Sized> Pipeline<'a, T, H> {
            $(#[$meta])*
            pub fn $method<$($lt)?>(self, $($field: $fty),*) -> Pipeline<'a, T::Out, H>
            where
                T: Push<Slot<$out>>,
            {
                self.push($Cmd { $($field),* })
            }
        }
    )*};
}

imap_proto_core::for_each_pipeline_command!(pipelinable);
