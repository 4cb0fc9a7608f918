//! A new-mail notifier: waits in IDLE on INBOX and, for each message that arrives, logs who
//! sent it and its subject, decoded as a mail client shows them. Logging goes through
//! `tracing`; install any subscriber you like (this one prints to stderr).
//!
//! ```sh
//! cargo run -p imap-tokio --example new_mail_notifier -- --server-env DIR/server.env
//! ```
//!
//! The connection flags are the demo's (`--host`, `--port`, `--user`, `--password`, `--tls`,
//! `--ca`, `--server-env`); `--count N` stops after N new messages. Ctrl-C stops it.

mod common;

use std::process::ExitCode;
use std::time::Duration;

use common::{T, open, trust};
use imap_tokio::types::{FetchAttr, IdleEvent, SequenceSet};
use imap_tokio::{CancellationToken, Error, ImapConnection, TypedEvent};
use tracing::{debug, info, warn};

/// How long one IDLE lasts before it is renewed: under the 30 minutes after which servers
/// may drop an idle client (RFC 2177 §3).
const IDLE_RENEW: Duration = Duration::from_secs(25 * 60);

/// Logs the messages from `next_uid` on and returns the UID after the last one.
async fn announce(imap: &ImapConnection, next_uid: u32) -> Result<(u32, usize), Error> {
    let set: SequenceSet = format!("{next_uid}:*").parse()?;
    let items = [FetchAttr::Uid, FetchAttr::Envelope];
    let mut after = next_uid;
    let mut announced = 0;
    for message in imap.uid_fetch(&set, &items, T).await? {
        // `n:*` also returns the newest message when none is newer than n.
        let (Some(uid), Some(envelope)) = (message.uid(), message.envelope()) else {
            continue;
        };
        if uid < next_uid {
            continue;
        }
        let subject = envelope.decoded_subject().unwrap_or_default();
        info!(uid, from = %envelope.from(), %subject, "new mail");
        after = after.max(uid + 1);
        announced += 1;
    }
    Ok((after, announced))
}

async fn watch(target: common::Target, count: Option<usize>) -> Result<(), String> {
    let tls = target.ca.as_deref().map(trust).transpose()?;
    let imap = open(&target, tls.as_ref())
        .await
        .map_err(|e| e.to_string())?;
    watch_inbox(&imap, &target.user, count)
        .await
        .map_err(|e| e.to_string())
}

async fn watch_inbox(imap: &ImapConnection, user: &str, count: Option<usize>) -> Result<(), Error> {
    let inbox = imap.select("INBOX", T).await?;
    let mut next_uid = inbox.uid_next.unwrap_or(1);
    info!(user, messages = inbox.exists, next_uid, "watching INBOX");

    let cancel = CancellationToken::new();
    let on_interrupt = cancel.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            on_interrupt.cancel();
        }
    });

    let mut total = 0;
    while count.is_none_or(|count| total < count) {
        match imap.idle(IDLE_RENEW, cancel.clone()).await? {
            IdleEvent::Changed(events) => {
                let arrived = events.iter().any(|e| matches!(e, TypedEvent::Exists(_)));
                debug!(events = events.len(), arrived, "IDLE woke up");
                if arrived {
                    let (after, announced) = announce(imap, next_uid).await?;
                    next_uid = after;
                    total += announced;
                }
            }
            IdleEvent::TimedOut => debug!("renewing IDLE"),
            IdleEvent::Cancelled => {
                info!("interrupted");
                break;
            }
            IdleEvent::ServerEnded(status) => {
                warn!(?status, "the server ended IDLE");
                break;
            }
            // IdleEvent is #[non_exhaustive]: an outcome added later ends the loop here.
            other => {
                warn!(?other, "IDLE ended");
                break;
            }
        }
    }
    imap.logout().await?;
    info!(total, "logged out");
    Ok(())
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::INFO)
        .with_writer(std::io::stderr)
        .init();
    let count = |target, count: Option<u32>| watch(target, count.map(|n| n as usize));
    common::main(
        "new_mail_notifier",
        "--count",
        count,
        |error| tracing::error!(%error, "failed"),
    )
}
