//! Reading a message: its envelope from the server (decoded subject and sender), then the
//! whole message fetched with `BODY.PEEK[]` and taken apart by a MIME parser (mail-parser):
//! the text a reader sees, and each attachment's name, type and size.
//!
//! ```sh
//! cargo run -p imap-tokio --example read_message -- --server-env DIR/server.env [--uid N]
//! ```
//!
//! The connection flags are the demo's; without `--uid` it reads the newest message in
//! INBOX. `BODY.PEEK` leaves the message unread (`\Seen` is not set).

mod common;

use std::process::ExitCode;

use common::{T, open, trust};
use imap_tokio::types::{FetchAttr, Section, SequenceSet};
use imap_tokio::{Error, ImapConnection};
use mail_parser::{MessageParser, MimeHeaders};

/// The text shown of a long body.
const SHOWN_TEXT: usize = 600;

/// The UID to read: `--uid`, or the newest message's.
async fn wanted_uid(imap: &ImapConnection, uid: Option<u32>) -> Result<Option<u32>, Error> {
    if uid.is_some() {
        return Ok(uid);
    }
    Ok(imap.uid_search("ALL", T).await?.ids.into_iter().max())
}

async fn read(imap: &ImapConnection, uid: Option<u32>) -> Result<(), Error> {
    let inbox = imap.select("INBOX", T).await?;
    let Some(uid) = wanted_uid(imap, uid).await? else {
        println!("INBOX is empty ({} messages)", inbox.exists);
        return Ok(());
    };
    let whole = Section::default();
    let items = [
        FetchAttr::Uid,
        FetchAttr::Envelope,
        FetchAttr::body_peek(whole.clone()),
    ];
    let set = SequenceSet::try_from(uid)?;
    let fetched = imap.uid_fetch(&set, &items, T).await?;
    let Some(message) = fetched.iter().find(|m| m.uid() == Some(uid)) else {
        println!("no message with UID {uid}");
        return Ok(());
    };

    // What the server parsed for us: the envelope, decoded for display.
    if let Some(envelope) = message.envelope() {
        println!("From:    {}", envelope.from());
        println!("To:      {}", envelope.to());
        println!(
            "Date:    {}",
            String::from_utf8_lossy(envelope.date().unwrap_or_default())
        );
        println!(
            "Subject: {}",
            envelope.decoded_subject().unwrap_or_default()
        );
    }

    // The message itself, taken apart by a MIME parser.
    let Some(raw) = message.section(&whole) else {
        println!("the server sent no body");
        return Ok(());
    };
    let Some(parsed) = MessageParser::default().parse(&raw[..]) else {
        println!("not a MIME message ({} octets)", raw.len());
        return Ok(());
    };
    println!("({} octets, {} MIME parts)", raw.len(), parsed.parts.len());
    match parsed.body_text(0) {
        Some(text) if text.chars().count() > SHOWN_TEXT => {
            let shown: String = text.chars().take(SHOWN_TEXT).collect();
            println!(
                "\n{shown}\n[... {} more characters]",
                text.chars().count() - SHOWN_TEXT
            );
        }
        Some(text) => println!("\n{}", text.trim_end()),
        None => println!("\n(no text part)"),
    }
    for (n, attachment) in parsed.attachments().enumerate() {
        let kind = attachment
            .content_type()
            .map_or("application/octet-stream".into(), |ct| {
                format!("{}/{}", ct.ctype(), ct.subtype().unwrap_or("*"))
            });
        println!(
            "attachment {}: {} ({kind}, {} octets)",
            n + 1,
            attachment.attachment_name().unwrap_or("(no name)"),
            attachment.contents().len()
        );
    }
    Ok(())
}

async fn run(target: common::Target, uid: Option<u32>) -> Result<(), String> {
    let tls = target.ca.as_deref().map(trust).transpose()?;
    let imap = open(&target, tls.as_ref())
        .await
        .map_err(|e| e.to_string())?;
    read(&imap, uid).await.map_err(|e| e.to_string())?;
    imap.logout().await.map_err(|e| e.to_string())
}

fn main() -> ExitCode {
    common::main("read_message", "--uid", run, |message| {
        eprintln!("read_message: failed: {message}")
    })
}
