//! Pipelined batches (RFC 9051 §5.5): several commands sent in one write, their results
//! returned together.
//!
//! The design is imap-tokio's: [`ImapConnection::pipeline`] returns a `Pipeline<'_, ()>`;
//! each builder method adds one command and one slot to the type parameter, and
//! [`Pipeline::execute`] returns the flat tuple of per-command results. Each command
//! succeeds or fails on its own; the outer `Result` fails only when the batch as a whole
//! could not complete (`Error::Timeout`, with the same guarantees as any call). At most 12
//! commands. Only commands that are safe to pipeline have builder methods; [`Pipelinable`]
//! is sealed.
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

use imap_proto_core::ops::fetch::Delivery;
use imap_proto_core::types::{
    AclEntry, EsearchResponse, FetchAttr, FetchResponse, ListRightsResponse, MailboxInfo,
    MetadataResult, NamespaceResponse, QuotaResource, QuotaRootResponse, SearchResult, SequenceSet,
    StatusItem, StatusResult, ThreadNode, UidRange,
};
use imap_proto_core::{Connection, Error, Op, OpId, ops};

use crate::ImapConnection;
use crate::io::deadline_after;

mod sealed {
    /// Keeps [`super::Pipelinable`], [`super::Push`] and [`super::Results`] closed.
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

/// Appends one element to a tuple (the pipeline's slots). Sealed.
pub trait Push<X>: sealed::Sealed {
    /// The longer tuple.
    type Out;
    /// Appends `x`.
    #[doc(hidden)]
    fn push(self, x: X) -> Self::Out;
}

/// Reads every slot of a tuple once the batch completed. Sealed.
pub trait Results: sealed::Sealed {
    /// The tuple of per-command results.
    type Output;
    /// Reads every slot.
    #[doc(hidden)]
    fn collect(self) -> Self::Output;
}

macro_rules! tuples {
    ($( ($($T:ident),*) )*) => {$(
        impl<$($T,)*> sealed::Sealed for ($($T,)*) {}

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

macro_rules! pushes {
    ($( ($($T:ident),*) )*) => {$(
        impl<$($T,)* X> Push<X> for ($($T,)*) {
            type Out = ($($T,)* X,);
            #[allow(non_snake_case)]
            fn push(self, x: X) -> Self::Out {
                let ($($T,)*) = self;
                ($($T,)* x,)
            }
        }
    )*};
}

tuples! {
    ()
    (A)
    (A, B)
    (A, B, C)
    (A, B, C, D)
    (A, B, C, D, E)
    (A, B, C, D, E, F)
    (A, B, C, D, E, F, G)
    (A, B, C, D, E, F, G, H)
    (A, B, C, D, E, F, G, H, I)
    (A, B, C, D, E, F, G, H, I, J)
    (A, B, C, D, E, F, G, H, I, J, K)
    (A, B, C, D, E, F, G, H, I, J, K, L)
}

pushes! {
    ()
    (A)
    (A, B)
    (A, B, C)
    (A, B, C, D)
    (A, B, C, D, E)
    (A, B, C, D, E, F)
    (A, B, C, D, E, F, G)
    (A, B, C, D, E, F, G, H)
    (A, B, C, D, E, F, G, H, I)
    (A, B, C, D, E, F, G, H, I, J)
    (A, B, C, D, E, F, G, H, I, J, K)
}

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

/// Drops the second element of a FETCH output (the VANISHED UIDs of a plain FETCH).
fn found((found, _vanished): (Vec<FetchResponse>, Vec<UidRange>)) -> Vec<FetchResponse> {
    found
}

/// The identity, for commands whose output is their result.
fn same<T>(output: T) -> T {
    output
}

macro_rules! pipelinable {
    (@map) => { same };
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

pipelinable! {
    /// Adds NOOP (RFC 9051 §6.1.2).
    noop => Noop [] {} -> () = ops::session::noop();

    /// Adds NAMESPACE (RFC 2342 §4).
    namespace => Namespace [] {} -> NamespaceResponse = ops::session::namespace();

    /// Adds STATUS (RFC 9051 §6.3.11); `items` as for [`ImapConnection::status`].
    status => Status ['c] { mailbox: &'c str, items: &'c str }
        -> StatusResult = ops::mailbox::status(mailbox, items);

    /// Adds LIST (RFC 9051 §6.3.9).
    list => List ['c] { reference: &'c str, pattern: &'c str }
        -> Vec<MailboxInfo> = ops::mailbox::list(reference, pattern);

    /// Adds LSUB (RFC 3501 §6.3.9).
    lsub => Lsub ['c] { reference: &'c str, pattern: &'c str }
        -> Vec<MailboxInfo> = ops::mailbox::lsub(reference, pattern);

    /// Adds an extended LIST (RFC 5258 §3).
    list_extended => ListExtended ['c] {
        reference: &'c str,
        patterns: &'c [&'c str],
        selection_options: &'c [&'c str],
        return_options: &'c [&'c str]
    } -> Vec<MailboxInfo> =
        ops::mailbox::list_extended(reference, patterns, selection_options, return_options);

    /// Adds LIST with the STATUS return option (RFC 5819 §2).
    list_status => ListStatus ['c] { reference: &'c str, pattern: &'c str, status_items: &'c str }
        -> Vec<(MailboxInfo, Vec<StatusItem>)> =
        ops::mailbox::list_status(reference, pattern, status_items);

    /// Adds FETCH by sequence number (RFC 9051 §6.4.5).
    fetch => Fetch ['c] { sequence_set: &'c SequenceSet, items: &'c [FetchAttr] }
        -> Vec<FetchResponse> =
        ops::fetch::fetch(false, sequence_set, items, None, false, Delivery::Buffered), map found;

    /// Adds UID FETCH (RFC 9051 §6.4.5).
    uid_fetch => UidFetch ['c] { sequence_set: &'c SequenceSet, items: &'c [FetchAttr] }
        -> Vec<FetchResponse> =
        ops::fetch::fetch(true, sequence_set, items, None, false, Delivery::Buffered), map found;

    /// Adds FETCH with CHANGEDSINCE (RFC 7162 §3.1.4).
    fetch_changed_since => FetchChangedSince ['c] {
        sequence_set: &'c SequenceSet, items: &'c [FetchAttr], mod_seq: u64
    } -> Vec<FetchResponse> =
        ops::fetch::fetch(false, sequence_set, items, Some(mod_seq), false, Delivery::Buffered),
        map found;

    /// Adds UID FETCH with CHANGEDSINCE (RFC 7162 §3.1.4).
    uid_fetch_changed_since => UidFetchChangedSince ['c] {
        sequence_set: &'c SequenceSet, items: &'c [FetchAttr], mod_seq: u64
    } -> Vec<FetchResponse> =
        ops::fetch::fetch(true, sequence_set, items, Some(mod_seq), false, Delivery::Buffered),
        map found;

    /// Adds UID FETCH with CHANGEDSINCE and VANISHED (RFC 7162 §3.2.6).
    uid_fetch_vanished => UidFetchVanished ['c] {
        sequence_set: &'c SequenceSet, items: &'c [FetchAttr], mod_seq: u64
    } -> (Vec<FetchResponse>, Vec<UidRange>) =
        ops::fetch::fetch(true, sequence_set, items, Some(mod_seq), true, Delivery::Buffered);

    /// Adds SEARCH (RFC 9051 §6.4.4).
    search => Search ['c] { criteria: &'c str }
        -> SearchResult = ops::search::search(false, criteria);

    /// Adds UID SEARCH (RFC 9051 §6.4.4).
    uid_search => UidSearch ['c] { criteria: &'c str }
        -> SearchResult = ops::search::search(true, criteria);

    /// Adds SEARCH with RETURN options (RFC 4731 §3.2).
    search_esearch => SearchEsearch ['c] { criteria: &'c str, return_opts: &'c [&'c str] }
        -> EsearchResponse = ops::search::search_esearch(false, criteria, return_opts);

    /// Adds UID SEARCH with RETURN options (RFC 4731 §3.2).
    uid_search_esearch => UidSearchEsearch ['c] { criteria: &'c str, return_opts: &'c [&'c str] }
        -> EsearchResponse = ops::search::search_esearch(true, criteria, return_opts);

    /// Adds SORT (RFC 5256 §2).
    sort => Sort ['c] { sort_criteria: &'c str, charset: &'c str, criteria: &'c str }
        -> SearchResult = ops::search::sort(false, sort_criteria, charset, criteria);

    /// Adds UID SORT (RFC 5256 §2).
    uid_sort => UidSort ['c] { sort_criteria: &'c str, charset: &'c str, criteria: &'c str }
        -> SearchResult = ops::search::sort(true, sort_criteria, charset, criteria);

    /// Adds THREAD (RFC 5256 §3).
    thread => Thread ['c] { algorithm: &'c str, charset: &'c str, criteria: &'c str }
        -> Vec<ThreadNode> = ops::search::thread(false, algorithm, charset, criteria);

    /// Adds UID THREAD (RFC 5256 §3).
    uid_thread => UidThread ['c] { algorithm: &'c str, charset: &'c str, criteria: &'c str }
        -> Vec<ThreadNode> = ops::search::thread(true, algorithm, charset, criteria);

    /// Adds GETQUOTA (RFC 9208 §4.2).
    get_quota => GetQuota ['c] { root: &'c str }
        -> Vec<QuotaResource> = ops::quota::get_quota(root);

    /// Adds GETQUOTAROOT (RFC 9208 §4.3).
    get_quota_root => GetQuotaRoot ['c] { mailbox: &'c str }
        -> QuotaRootResponse = ops::quota::get_quota_root(mailbox);

    /// Adds GETACL (RFC 4314 §3.3).
    get_acl => GetAcl ['c] { mailbox: &'c str }
        -> Vec<AclEntry> = ops::acl::get_acl(mailbox);

    /// Adds LISTRIGHTS (RFC 4314 §3.4).
    list_rights => ListRights ['c] { mailbox: &'c str, identifier: &'c str }
        -> ListRightsResponse = ops::acl::list_rights(mailbox, identifier);

    /// Adds MYRIGHTS (RFC 4314 §3.5).
    my_rights => MyRights ['c] { mailbox: &'c str }
        -> String = ops::acl::my_rights(mailbox);

    /// Adds GETMETADATA (RFC 5464 §4.2).
    get_metadata => GetMetadata ['c] {
        mailbox: &'c str, entries: &'c [&'c str], max_size: Option<u64>, depth: Option<&'c str>
    } -> MetadataResult = ops::metadata::get_metadata(mailbox, entries, max_size, depth);
}
