//! Embedding the sans-IO core in your own event loop: a blocking `std::net::TcpStream`
//! drives `Connection` through connect, log in, SELECT, FETCH and LOGOUT, and prints the
//! newest messages with their decoded subjects and senders.
//!
//! Usage: `cargo run -p imap-proto-core --example std_event_loop -- HOST PORT USER SECRET
//! [login|plain|xoauth2]` (or set IMAP_HOST, IMAP_PORT, IMAP_USER, IMAP_PASS, IMAP_AUTH).
//! SECRET is the password, or the OAuth token for `xoauth2`. With `IMAP_TRACE=1` the
//! protocol log is switched on and printed as `C:`/`S:` lines, credentials masked. Plain
//! TCP: use it on loopback or over a tunnel; the adapters add TLS.
use std::io::{Read, Write};
use std::net::TcpStream;

use imap_proto_core::ops::{self, fetch::Delivery};
use imap_proto_core::sasl::{Plain, XOAuth2};
use imap_proto_core::types::{FetchAttr, SequenceSet};
use imap_proto_core::{Config, Connection, Error, Op};

/// Prints the protocol log entries recorded so far (nothing when it is off).
fn print_trace(conn: &mut Connection) {
    while let Some(line) = conn.poll_trace() {
        println!("  {line}");
    }
}

/// Writes what the core wants sent, then reads until the op finishes.
fn run<O: Op>(conn: &mut Connection, sock: &mut TcpStream, op: O) -> Result<O::Output, Error> {
    let id = conn.submit(op)?;
    let (mut out, mut buf) = (Vec::new(), [0u8; 16 * 1024]);
    loop {
        out.clear();
        if conn.poll_transmit(&mut out) > 0 {
            sock.write_all(&out)?;
        }
        print_trace(conn);
        if let Some(result) = conn.take_output(&id) {
            return result;
        }
        match sock.read(&mut buf)? {
            0 => conn.handle_eof(),
            n => conn.handle_input(&buf[..n]),
        }
        print_trace(conn);
        while let Some(event) = conn.poll_event() {
            println!("event: {event:?}");
        }
    }
}

fn arg(n: usize, env: &str, default: &str) -> String {
    std::env::args()
        .nth(n)
        .or_else(|| std::env::var(env).ok())
        .unwrap_or_else(|| default.to_string())
}

fn main() -> Result<(), Error> {
    let host = arg(1, "IMAP_HOST", "127.0.0.1");
    let port: u16 = arg(2, "IMAP_PORT", "143")
        .parse()
        .expect("port must be a number");
    let (user, secret) = (
        arg(3, "IMAP_USER", "alice"),
        arg(4, "IMAP_PASS", "alice-pass"),
    );
    let auth = arg(5, "IMAP_AUTH", "login");

    let mut sock = TcpStream::connect((host.as_str(), port))?;
    sock.set_nodelay(true)?;
    let mut conn = Connection::new(Config::default());
    conn.set_trace(std::env::var("IMAP_TRACE").is_ok_and(|v| v == "1"));
    let mut buf = [0u8; 4096];
    while !conn.is_greeted() {
        match sock.read(&mut buf)? {
            0 => return Err(Error::ConnectionClosed),
            n => conn.handle_input(&buf[..n]),
        }
    }
    print_trace(&mut conn);
    let capabilities = conn.session().capabilities().iter();
    let capabilities: Vec<String> = capabilities.map(ToString::to_string).collect();
    println!("greeted; capabilities: {}", capabilities.join(" "));

    match auth.as_str() {
        "plain" => {
            let plain = Plain::new(user.as_str(), secret.as_str()).map_err(Error::Sasl)?;
            run(
                &mut conn,
                &mut sock,
                ops::auth::authenticate(Box::new(plain)),
            )?;
        }
        "xoauth2" => {
            let xoauth2 = XOAuth2::new(user.as_str(), secret.as_str()).map_err(Error::Sasl)?;
            run(
                &mut conn,
                &mut sock,
                ops::auth::authenticate(Box::new(xoauth2)),
            )?;
        }
        _ => run(&mut conn, &mut sock, ops::auth::login(&user, &secret))?,
    }
    let inbox = run(
        &mut conn,
        &mut sock,
        ops::mailbox::select("INBOX", &Default::default(), false),
    )?;
    println!(
        "INBOX: {} messages, UIDVALIDITY {:?}",
        inbox.exists, inbox.uid_validity
    );

    if inbox.exists > 0 {
        let first = inbox.exists.saturating_sub(4).max(1);
        let set: SequenceSet = format!("{first}:*").parse()?;
        let items = [FetchAttr::Uid, FetchAttr::Flags, FetchAttr::Envelope];
        let fetch = ops::fetch::fetch(false, &set, &items, None, false, Delivery::Buffered);
        let (messages, _) = run(&mut conn, &mut sock, fetch)?;
        for message in messages {
            let Some(envelope) = message.envelope() else {
                continue;
            };
            let subject = envelope.decoded_subject().unwrap_or_default();
            println!(
                "#{} uid {:?} from {}: {subject}",
                message.seq,
                message.uid(),
                envelope.from()
            );
        }
    }
    run(&mut conn, &mut sock, ops::session::logout())?;
    print_trace(&mut conn);
    println!("logged out");
    Ok(())
}
