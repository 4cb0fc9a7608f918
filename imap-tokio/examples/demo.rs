//! A guided tour of `ImapConnection` against a real server, step by step with timings:
//! connect (STARTTLS or implicit TLS), log in, list the mailboxes, select INBOX, search,
//! show the newest messages, IDLE until a message appended from a second connection
//! arrives, log out.
//!
//! `cargo xtask demo` runs it against a private Dovecot it starts (and stops) itself. To
//! point it at your own server:
//!
//! ```sh
//! cargo xtask demo --host imap.example.com --port 993 --tls implicit \
//!     --user alice --password secret
//! ```
//!
//! Flags (each falls back to an environment variable):
//!
//! | flag | env | meaning |
//! |---|---|---|
//! | `--host` | `IMAP_HOST` | server name (also the TLS name checked) |
//! | `--port` | `IMAP_PORT` | default 143 for STARTTLS, 993 for implicit TLS |
//! | `--user`, `--password` | `IMAP_USER`, `IMAP_PASSWORD` | LOGIN credentials |
//! | `--tls implicit\|starttls` | `IMAP_TLS` | default `starttls` |
//! | `--ca PATH` | `IMAP_CA` | trust this PEM CA instead of the Mozilla roots |
//! | `--server-env PATH` | | read host, port, CA and a user from a test kit `server.env` |
//! | `--seed` | | first append a few sample messages to INBOX |
//! | `--auth login\|plain\|xoauth2` | | LOGIN (default) or AUTHENTICATE; for `xoauth2` the password is the token |
//! | `--protocol-log` | | print every line sent and received, credentials masked (the protocol log, through `tracing`) |
//!
//! The IDLE step appends one short message ("imap-rs demo: new mail") to the INBOX of the
//! account it uses.

mod common;

use std::process::ExitCode;
use std::time::{Duration, Instant};

use common::{T, Target, connect, open, trust};

use imap_tokio::types::{FetchAttr, Flag, MailboxAttribute, SequenceSet};
use imap_tokio::{CancellationToken, Error, ImapConnection, TlsMode, TypedEvent};

/// How many of the newest messages the demo shows.
const NEWEST: u32 = 5;
/// How long after IDLE starts the second connection appends its message.
const APPEND_DELAY: Duration = Duration::from_millis(800);

/// Prints one step with the time since the demo started.
struct Clock(Instant);

impl Clock {
    fn step(&self, text: impl AsRef<str>) {
        let ms = self.0.elapsed().as_secs_f64() * 1000.0;
        println!("[{ms:7.1} ms] {}", text.as_ref());
    }
}

/// A detail line under a step.
fn detail(text: impl AsRef<str>) {
    println!("             {}", text.as_ref());
}

/// A realistic RFC 5322 message with CRLF line ends.
fn message(from: &str, to: &str, date: &str, subject: &str, body: &str) -> Vec<u8> {
    let id = subject
        .bytes()
        .filter(u8::is_ascii_alphanumeric)
        .take(16)
        .map(char::from)
        .collect::<String>();
    format!(
        "From: {from}\r\nTo: {to}\r\nDate: {date}\r\nSubject: {subject}\r\n\
         Message-ID: <{id}.{}@demo.example.org>\r\nMIME-Version: 1.0\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n",
        std::process::id()
    )
    .into_bytes()
}

/// The sample messages `--seed` appends: (flags, message).
fn samples(to: &str) -> Vec<(Vec<Flag>, Vec<u8>)> {
    let seen = || vec![Flag::Seen];
    vec![
        (
            seen(),
            message(
                "Grace Hopper <grace@navy.example.mil>",
                to,
                "Mon, 2 Mar 2026 08:12:44 +0100",
                "=?UTF-8?Q?Welcome_aboard_=E2=98=95?=",
                "Glad to have you on the team. Coffee is on the second floor.",
            ),
        ),
        (
            seen(),
            message(
                "Build Bot <ci@build.example.org>",
                to,
                "Tue, 3 Mar 2026 02:05:10 +0000",
                "[ci] main #1421 passed",
                "All 1312 tests passed in 4m 12s.",
            ),
        ),
        (
            Vec::new(),
            message(
                "Linus Torvalds <linus@kernel.example.org>",
                to,
                "Wed, 4 Mar 2026 17:40:03 -0800",
                "Re: patch review for the IMAP client",
                "Looks sane. Ship it.",
            ),
        ),
        (
            vec![Flag::Flagged],
            message(
                "=?ISO-8859-1?Q?Ada_Lovelace_=28n=E9e_Byron=29?= <ada@engine.example.org>",
                to,
                "Thu, 5 Mar 2026 11:30:00 +0000",
                "=?ISO-8859-1?Q?Notes_on_the_Analytical_Engine_=96_r=E9sum=E9?=",
                "Attached are my notes. The engine might compose music.",
            ),
        ),
        (
            Vec::new(),
            message(
                "Calendar <calendar@example.org>",
                to,
                "Fri, 6 Mar 2026 09:00:00 +0000",
                "Reminder: design review at 14:00",
                "Room 4.12, bring the benchmark numbers.",
            ),
        ),
    ]
}

/// An `nstring` from the server as text ("" for NIL).
fn text(value: Option<&[u8]>) -> String {
    value
        .map(|b| String::from_utf8_lossy(b).into_owned())
        .unwrap_or_default()
}

/// Prints the envelopes of the messages in `set`, newest first.
async fn show_envelopes(imap: &ImapConnection, set: &SequenceSet) -> Result<(), Error> {
    let items = [FetchAttr::Uid, FetchAttr::Flags, FetchAttr::Envelope];
    let mut messages = imap.fetch(set, &items, T).await?;
    messages.sort_by_key(|m| std::cmp::Reverse(m.seq));
    for m in &messages {
        let Some(envelope) = m.envelope() else {
            continue;
        };
        let unseen = !m.flags().is_some_and(|flags| flags.contains(&Flag::Seen));
        detail(format!(
            "{} uid {:<4} {:<31} {:<44} {}",
            if unseen { "*" } else { " " },
            m.uid().unwrap_or(0),
            text(envelope.date()),
            // `Display` writes the list as a mail client does, names decoded (RFC 2047).
            envelope.from().to_string(),
            envelope.decoded_subject().unwrap_or_default(),
        ));
    }
    Ok(())
}

/// A mailbox attribute as the user knows it.
fn show_attribute(attribute: &MailboxAttribute) -> Option<&'static str> {
    Some(match attribute {
        MailboxAttribute::Archive => "archive",
        MailboxAttribute::Drafts => "drafts",
        MailboxAttribute::Sent => "sent",
        MailboxAttribute::Trash => "trash",
        MailboxAttribute::Junk => "junk",
        MailboxAttribute::All => "all mail",
        MailboxAttribute::Flagged => "flagged",
        MailboxAttribute::NoSelect => "not selectable",
        _ => return None,
    })
}

async fn run(target: Target) -> Result<(), String> {
    let clock = Clock(Instant::now());
    let tls = match &target.ca {
        Some(path) => Some(trust(path)?),
        None => None,
    };
    let mode = match target.tls {
        TlsMode::Implicit => "implicit TLS",
        _ => "STARTTLS",
    };
    let trust_text = match &target.ca {
        Some(path) => format!("trusting the CA in {path}"),
        None => "trusting the Mozilla root store".into(),
    };
    println!(
        "imap-rs demo: {}@{}:{} over {mode}, {trust_text}",
        target.user, target.host, target.port
    );
    let fail = |what: &'static str| move |e: Error| format!("{what}: {e}");

    let imap = connect(&target, tls.as_ref())
        .await
        .map_err(fail("connect"))?;
    clock.step(format!(
        "connected, {mode} established (TLS active: {})",
        imap.is_tls()
    ));
    match target.options.get("auth").map(String::as_str) {
        Some("plain") => {
            imap.authenticate_plain(&target.user, &target.password, T)
                .await
        }
        Some("xoauth2") => {
            imap.authenticate_xoauth2(&target.user, &target.password, T)
                .await
        }
        _ => imap.login(&target.user, &target.password, T).await,
    }
    .map_err(fail("login"))?;
    let capabilities = imap.capabilities();
    clock.step(format!(
        "logged in as {}; the server offers {} capabilities",
        target.user,
        capabilities.len()
    ));
    let wanted = [
        "IMAP4rev2",
        "IDLE",
        "UIDPLUS",
        "MOVE",
        "CONDSTORE",
        "LITERAL+",
    ];
    let offered: Vec<&str> = wanted
        .iter()
        .copied()
        .filter(|w| capabilities.iter().any(|c| c.is(w)))
        .collect();
    detail(format!("including {}", offered.join(" ")));

    if target.switches.iter().any(|s| s == "--seed") {
        for (flags, sample) in samples(&format!("{}@demo.example.org", target.user)) {
            imap.append("INBOX", &flags, None, &sample, T)
                .await
                .map_err(fail("append"))?;
        }
        clock.step("seeded INBOX with 5 sample messages (APPEND)");
    }

    let mut mailboxes = imap.list("", "*", T).await.map_err(fail("list"))?;
    mailboxes.sort_by_key(|m| (!m.mailbox.is_inbox(), m.mailbox.name().into_owned()));
    clock.step(format!("LIST \"\" \"*\": {} mailboxes", mailboxes.len()));
    for m in &mailboxes {
        let roles: Vec<&str> = m.attributes.iter().filter_map(show_attribute).collect();
        detail(format!(
            "{:<24} {}",
            // The name decoded the way the session writes names (modified UTF-7 or UTF-8).
            m.mailbox.to_string(),
            if roles.is_empty() {
                String::new()
            } else {
                format!("({})", roles.join(", "))
            }
        ));
    }

    let inbox = imap.select("INBOX", T).await.map_err(fail("select"))?;
    clock.step(format!(
        "SELECT INBOX: {} messages, UIDVALIDITY {}, UIDNEXT {}",
        inbox.exists,
        inbox.uid_validity.unwrap_or(0),
        inbox.uid_next.unwrap_or(0)
    ));

    let unseen = imap.uid_search("UNSEEN", T).await.map_err(fail("search"))?;
    let all = imap.uid_search("ALL", T).await.map_err(fail("search"))?;
    clock.step(format!(
        "UID SEARCH UNSEEN: {} of {} (ALL); unseen UIDs {:?}",
        unseen.ids.len(),
        all.ids.len(),
        unseen.ids
    ));

    if inbox.exists > 0 {
        let first = inbox.exists.saturating_sub(NEWEST - 1).max(1);
        let newest = SequenceSet::range(first, inbox.exists).map_err(|e| e.to_string())?;
        clock.step(format!(
            "FETCH {first}:{} (UID FLAGS ENVELOPE), newest first (* = unseen):",
            inbox.exists
        ));
        show_envelopes(&imap, &newest)
            .await
            .map_err(fail("fetch"))?;
    }

    // IDLE on this connection; a second connection appends a message meanwhile.
    clock.step(format!(
        "IDLE: waiting for new mail (a second connection appends one in {} ms)",
        APPEND_DELAY.as_millis()
    ));
    let second = async {
        tokio::time::sleep(APPEND_DELAY).await;
        let other = open(&target, tls.as_ref()).await?;
        let new_mail = message(
            "imap-rs demo <demo@demo.example.org>",
            &format!("{}@demo.example.org", target.user),
            "Sat, 7 Mar 2026 12:00:00 +0000",
            "imap-rs demo: new mail",
            "This message was appended by the demo's second connection.",
        );
        let appended = other.append("INBOX", &[], None, &new_mail, T).await?;
        if let Some((_, uid)) = appended {
            clock.step(format!("second connection: APPEND done, new UID {uid}"));
        }
        other.logout().await?;
        Ok::<_, Error>(appended)
    };
    let (idle, appended) = tokio::join!(
        imap.idle(Duration::from_secs(20), CancellationToken::new()),
        second
    );
    appended.map_err(fail("second connection"))?;
    let idle = idle.map_err(fail("idle"))?;
    let mut new_exists = None;
    match idle {
        imap_tokio::types::IdleEvent::Changed(events) => {
            clock.step("IDLE woke up, DONE sent; the server said:");
            for event in &events {
                match event {
                    TypedEvent::Exists(n) => {
                        new_exists = Some(*n);
                        detail(format!("* {n} EXISTS (the mailbox now holds {n} messages)"));
                    }
                    TypedEvent::Recent(n) => detail(format!("* {n} RECENT")),
                    other => detail(format!("{other:?}")),
                }
            }
        }
        other => return Err(format!("IDLE ended without new mail: {other:?}")),
    }
    let Some(n) = new_exists else {
        return Err("IDLE woke up, but without an EXISTS".into());
    };
    let set = SequenceSet::single(n).map_err(|e| e.to_string())?;
    clock.step(format!("FETCH {n} (ENVELOPE): the new message"));
    show_envelopes(&imap, &set).await.map_err(fail("fetch"))?;

    imap.logout().await.map_err(fail("logout"))?;
    clock.step("LOGOUT: done");
    Ok(())
}

fn main() -> ExitCode {
    let target = match common::target("[--seed]", &["--seed"], &[]) {
        Ok(target) if target.protocol_log() => {
            // The protocol log arrives as `tracing` events: any subscriber shows it.
            tracing_subscriber::fmt()
                .with_max_level(tracing::Level::TRACE)
                .with_target(false)
                .without_time()
                .init();
            target
        }
        Ok(target) => target,
        Err(message) => {
            eprintln!("demo: {message}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("demo: cannot start tokio: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(target)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("demo: failed: {message}");
            ExitCode::FAILURE
        }
    }
}
