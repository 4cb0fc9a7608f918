//! Quick start: connect with STARTTLS, log in, list the newest messages, wait for new mail
//! with IDLE, log out.
//!
//! `cargo run -p imap-blocking --example quickstart -- imap.example.com 143 alice secret`

use std::time::Duration;

use imap_blocking::types::{FetchAttr, IdleEvent, SequenceSet};
use imap_blocking::{CancellationToken, Error, ImapConnection, TlsMode};

fn main() -> Result<(), Error> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [host, port, user, password] = args.as_slice() else {
        eprintln!("usage: quickstart <host> <port> <user> <password>");
        std::process::exit(2);
    };
    let port: u16 = port.parse().unwrap_or(143);
    let t = Duration::from_secs(30);

    let imap = ImapConnection::connect(host, port, TlsMode::StartTls, t)?;
    imap.login(user, password, t)?;
    let inbox = imap.select("INBOX", t)?;
    println!("INBOX has {} messages", inbox.exists);

    if inbox.exists > 0 {
        let first = inbox.exists.saturating_sub(9).max(1);
        let newest = SequenceSet::range_from(first)?;
        for message in imap.fetch(&newest, &[FetchAttr::Uid, FetchAttr::Flags], t)? {
            println!("#{} uid {:?}", message.seq, message.uid());
        }
    }

    // Wait up to a minute for new mail. Another thread could call `cancel.cancel()` to
    // end the wait at once.
    let cancel = CancellationToken::new();
    match imap.idle(Duration::from_secs(60), cancel)? {
        IdleEvent::Changed(events) => println!("the mailbox changed: {events:?}"),
        other => println!("IDLE ended: {other:?}"),
    }
    imap.logout()
}
