//! Reconnect and resume (issue 14 item 3): [`Resilient`] owns "how to connect and
//! authenticate" (a closure returning a logged-in connection), and after a failure that a new
//! connection can fix ([`is_retryable`]) waits for the [`Backoff`] delay, connects again and
//! resumes. `sync_mailbox` selects the mailbox itself, so resuming a sync is running it again
//! from the caller's saved state; a delta is only returned once, from the attempt that
//! completed, so nothing is reported twice.
//!
//! The policy (which errors, which delays) is the core's ([`imap_proto_core::reconnect`]);
//! `RetryPolicy` applies it and reports each reconnect as a [`Reconnect`] event. The helper
//! is one type for every adapter, generic over the connection; its loop is written once
//! and expanded `async` (any [`Runtime`], sleeping on its timer) and blocking (any
//! `BlockingSync` connection, sleeping on the calling thread).

use std::fmt;
use std::future::Future;
use std::time::{Duration, Instant};

use imap_proto_core::Error;
use imap_proto_core::reconnect::{Backoff, is_retryable};
use imap_proto_core::types::{MailboxState, SyncDelta, SyncOptions};

use crate::{ImapConnection, Runtime};

/// One reconnect about to happen: the caller's event.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Reconnect {
    /// 1 for the first reconnect since the last success, then 2, 3, ...
    pub attempt: u32,
    /// How long the helper waits before it connects again (the backoff, with jitter).
    pub delay: Duration,
    /// The error that ended the previous attempt.
    pub cause: Error,
}

/// The reconnect callback.
type Observer = Box<dyn FnMut(&Reconnect) + Send>;

/// The backoff schedule and the event callback, applied to each failure.
#[derive(Default)]
struct RetryPolicy {
    backoff: Backoff,
    observer: Option<Observer>,
}

impl fmt::Debug for RetryPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RetryPolicy")
            .field("backoff", &self.backoff)
            .field("observer", &self.observer.is_some())
            .finish()
    }
}

impl RetryPolicy {
    /// Replaces the schedule (default: [`Backoff::default`], no attempt limit).
    fn set_backoff(&mut self, backoff: Backoff) {
        self.backoff = backoff;
    }

    /// Calls `observer` before each reconnect.
    fn set_observer(&mut self, observer: impl FnMut(&Reconnect) + Send + 'static) {
        self.observer = Some(Box::new(observer));
    }

    /// After a failed attempt: `Ok(delay)` to wait before the next one (the event was
    /// reported), or `Err(error)` when retrying cannot fix it or the attempts are used up.
    fn after_failure(&mut self, cause: Error) -> Result<Duration, Error> {
        if !is_retryable(&cause) {
            return Err(cause);
        }
        let Some(delay) = self.backoff.next_delay() else {
            return Err(cause);
        };
        let event = Reconnect {
            attempt: self.backoff.attempts(),
            delay,
            cause,
        };
        if let Some(observer) = self.observer.as_mut() {
            observer(&event);
        }
        Ok(delay)
    }

    /// After a success: the next failure starts the schedule over.
    fn succeeded(&mut self) {
        self.backoff.reset();
    }
}

/// Keeps a logged-in connection through drops: after a failure that a new connection can
/// fix, it waits for the backoff delay, connects again and resumes (`sync_mailbox`).
///
/// `connect` is called for the first connection and after each retryable failure; it should
/// connect and log in (a refused login is not retryable and stops the helper at once, as
/// does a certificate that does not verify). Each adapter names it over its connection
/// (`imap_tokio::Resilient<F>`, `imap_blocking::Resilient<F>`).
pub struct Resilient<C, F> {
    connect: F,
    policy: RetryPolicy,
    connection: Option<C>,
}

impl<C, F> fmt::Debug for Resilient<C, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Resilient")
            .field("policy", &self.policy)
            .field("connected", &self.connection.is_some())
            .finish()
    }
}

impl<C, F> Resilient<C, F> {
    /// A helper that connects with `connect` when it first needs a connection.
    pub fn new(connect: F) -> Self {
        Resilient {
            connect,
            policy: RetryPolicy::default(),
            connection: None,
        }
    }

    /// Replaces the reconnect schedule (default: [`Backoff::default`], no attempt limit).
    pub fn with_backoff(mut self, backoff: Backoff) -> Self {
        self.policy.set_backoff(backoff);
        self
    }

    /// Calls `observer` before each reconnect, with the attempt, the delay and the cause.
    pub fn on_reconnect(mut self, observer: impl FnMut(&Reconnect) + Send + 'static) -> Self {
        self.policy.set_observer(observer);
        self
    }

    /// The current connection, if one is open (for other calls between syncs).
    pub fn connection(&self) -> Option<&C> {
        self.connection.as_ref()
    }

    /// The current connection, giving up the helper.
    pub fn into_connection(self) -> Option<C> {
        self.connection
    }
}

/// `sync_mailbox`'s arguments: the mailbox, the saved state, the options, the timeout.
pub type SyncArgs<'a> = (&'a str, &'a MailboxState, &'a SyncOptions, Duration);

/// A blocking connection [`Resilient`] can drive: imap-blocking's `ImapConnection`.
pub trait BlockingSync {
    /// The connection's own `sync_mailbox`.
    fn sync_mailbox(&self, args: SyncArgs<'_>) -> Result<SyncDelta, Error>;
}

/// Expands `Resilient::sync_mailbox` `async` or blocking: `$sync` is the connection's own
/// `sync_mailbox` on [`SyncArgs`], `$sleep` waits for `delay`.
macro_rules! resilient_sync {
    ($flavor:tt, |$conn:ident, $args:ident| $sync:expr, |$delay:ident| $sleep:expr) => {
        ::imap_proto_core::__flavored_fn! { $flavor,
            /// `sync_mailbox` from `state`, reconnecting and starting over after each
            /// retryable failure until it returns a delta, a non-retryable error, or the
            /// backoff gives up (then the last error). `timeout` bounds each attempt.
            pub fn sync_mailbox(
                &mut self,
                mailbox: &str,
                state: &MailboxState,
                options: &SyncOptions,
                timeout: Duration,
            ) -> Result<SyncDelta, Error> {
                loop {
                    let attempt = match self.connection.take() {
                        Some(connection) => Ok(connection),
                        None => ::imap_proto_core::__flavored_call!($flavor, (self.connect)()),
                    };
                    let failure = match attempt {
                        Ok(connection) => {
                            let ($conn, $args) = (&connection, (mailbox, state, options, timeout));
                            match ::imap_proto_core::__flavored_call!($flavor, $sync) {
                                Ok(delta) => {
                                    self.connection = Some(connection);
                                    self.policy.succeeded();
                                    return Ok(delta);
                                }
                                Err(error) => {
                                    // A timed-out sync leaves a busy connection: a fresh one
                                    // resumes.
                                    if !error.is_fatal() && !is_retryable(&error) {
                                        self.connection = Some(connection);
                                    }
                                    error
                                }
                            }
                        }
                        Err(error) => error,
                    };
                    let $delay = self.policy.after_failure(failure)?;
                    $sleep;
                }
            }
        }
    };
}

impl<R, F, Fut> Resilient<ImapConnection<R>, F>
where
    R: Runtime,
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<ImapConnection<R>, Error>>,
{
    resilient_sync!(
        async,
        |connection, args| connection.sync_mailbox(args.0, args.1, args.2, args.3),
        |delay| R::sleep_until(Instant::now() + delay).await
    );
}

impl<C, F> Resilient<C, F>
where
    C: BlockingSync,
    F: FnMut() -> Result<C, Error>,
{
    resilient_sync!(
        blocking,
        |connection, args| connection.sync_mailbox(args),
        |delay| std::thread::sleep(delay)
    );
}
