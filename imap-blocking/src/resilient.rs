//! Reconnect and resume, blocking: the same helper as the async adapters'
//! ([`imap_driver::Resilient`]), with the same policy ([`RetryPolicy`]: which errors, which
//! delays, the [`Reconnect`] events), sleeping on the calling thread.

use std::fmt;
use std::time::Duration;

use imap_driver::{Reconnect, RetryPolicy};
use imap_proto_core::Error;
use imap_proto_core::reconnect::{Backoff, is_retryable};
use imap_proto_core::types::{MailboxState, SyncDelta, SyncOptions};

use crate::ImapConnection;

/// Keeps a logged-in connection through drops. `connect` connects and logs in; it is called
/// for the first connection and after each retryable failure. A refused login or a
/// certificate that does not verify stops the helper at once.
pub struct Resilient<F> {
    connect: F,
    policy: RetryPolicy,
    connection: Option<ImapConnection>,
}

impl<F> fmt::Debug for Resilient<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Resilient")
            .field("policy", &self.policy)
            .field("connected", &self.connection.is_some())
            .finish()
    }
}

impl<F: FnMut() -> Result<ImapConnection, Error>> Resilient<F> {
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
    pub fn connection(&self) -> Option<&ImapConnection> {
        self.connection.as_ref()
    }

    /// The current connection, giving up the helper.
    pub fn into_connection(self) -> Option<ImapConnection> {
        self.connection
    }

    /// `sync_mailbox` from `state`, reconnecting and starting over after each retryable
    /// failure until it returns a delta, a non-retryable error, or the backoff gives up
    /// (then the last error). `timeout` bounds each attempt.
    pub fn sync_mailbox(
        &mut self,
        mailbox: &str,
        state: &MailboxState,
        options: &SyncOptions,
        timeout: Duration,
    ) -> Result<SyncDelta, Error> {
        loop {
            let connection = match self.connection.take() {
                Some(connection) => Ok(connection),
                None => (self.connect)(),
            };
            let failure = match connection {
                Ok(connection) => match connection.sync_mailbox(mailbox, state, options, timeout) {
                    Ok(delta) => {
                        self.connection = Some(connection);
                        self.policy.succeeded();
                        return Ok(delta);
                    }
                    Err(error) => {
                        if !error.is_fatal() && !is_retryable(&error) {
                            self.connection = Some(connection);
                        }
                        error
                    }
                },
                Err(error) => error,
            };
            std::thread::sleep(self.policy.after_failure(failure)?);
        }
    }
}
