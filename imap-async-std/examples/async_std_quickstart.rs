//! Quick start under async-std: connect with STARTTLS, log in, list the INBOX's newest
//! messages, wait for new mail with IDLE (ended early through the token), log out.
//!
//! async-std is discontinued (RUSTSEC-2025-0052); prefer smol (see `smol_quickstart`).
//!
//! `IMAP_HOST=imap.example.com IMAP_USER=alice IMAP_PASS=secret cargo run -p imap-async-std --example async_std_quickstart`

use std::time::Duration;

use imap_async_std::types::{FetchAttr, IdleEvent, SequenceSet};
use imap_async_std::{CancellationToken, Error, ImapConnection, TlsMode};

fn main() -> Result<(), Error> {
    let var = |key: &str| std::env::var(key).unwrap_or_default();
    async_std::task::block_on(async {
        let t = Duration::from_secs(30);
        let imap = ImapConnection::connect(&var("IMAP_HOST"), 143, TlsMode::StartTls, t).await?;
        imap.login(&var("IMAP_USER"), &var("IMAP_PASS"), t).await?;
        let inbox = imap.select("INBOX", t).await?;
        println!("INBOX: {} messages", inbox.exists);
        if inbox.exists > 0 {
            let newest = SequenceSet::range(inbox.exists.saturating_sub(9).max(1), inbox.exists)?;
            for message in imap
                .fetch(&newest, &[FetchAttr::Uid, FetchAttr::Flags], t)
                .await?
            {
                println!("uid {:?}", message.uid());
            }
        }
        // Another task (here a timer) can end the IDLE early through the token.
        let stop = CancellationToken::new();
        let canceller = stop.clone();
        async_std::task::spawn(async move {
            async_std::task::sleep(Duration::from_secs(20)).await;
            canceller.cancel();
        });
        match imap.idle(Duration::from_secs(25 * 60), stop).await? {
            IdleEvent::Changed(events) => println!("new activity: {events:?}"),
            other => println!("IDLE ended: {other:?}"),
        }
        imap.logout().await
    })
}
