//! Embedding the sans-IO core in your own event loop: a blocking `std::net::TcpStream`
//! drives `Connection` through connect, LOGIN, SELECT, FETCH and LOGOUT.
//!
//! Usage: `cargo run -p imap-proto-core --example std_event_loop -- HOST PORT USER PASS`
//! (or set IMAP_HOST, IMAP_PORT, IMAP_USER, IMAP_PASS). Plain TCP: use it on loopback or
//! over a tunnel; the adapters add TLS.
use std::io::{Read, Write};
use std::net::TcpStream;

use imap_proto_core::ops::{self, fetch::Delivery};
use imap_proto_core::types::{FetchAttr, SequenceSet};
use imap_proto_core::{Config, Connection, Error, Op};

/// Writes what the core wants sent, then reads until the op finishes.
fn run<O: Op>(conn: &mut Connection, sock: &mut TcpStream, op: O) -> Result<O::Output, Error> {
    let id = conn.submit(op)?;
    let (mut out, mut buf) = (Vec::new(), [0u8; 16 * 1024]);
    loop {
        out.clear();
        if conn.poll_transmit(&mut out) > 0 {
            sock.write_all(&out)?;
        }
        if let Some(result) = conn.take_output(&id) {
            return result;
        }
        match sock.read(&mut buf)? {
            0 => conn.handle_eof(),
            n => conn.handle_input(&buf[..n]),
        }
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
    let (user, pass) = (
        arg(3, "IMAP_USER", "alice"),
        arg(4, "IMAP_PASS", "alice-pass"),
    );

    let mut sock = TcpStream::connect((host.as_str(), port))?;
    sock.set_nodelay(true)?;
    let mut conn = Connection::new(Config::default());
    let mut buf = [0u8; 4096];
    while !conn.is_greeted() {
        match sock.read(&mut buf)? {
            0 => return Err(Error::ConnectionClosed),
            n => conn.handle_input(&buf[..n]),
        }
    }
    println!("greeted; capabilities: {:?}", conn.session().capabilities());

    run(&mut conn, &mut sock, ops::auth::login(&user, &pass))?;
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
            let subject = message.envelope().and_then(|e| e.subject());
            let subject = subject.map(|s| String::from_utf8_lossy(s).into_owned());
            println!(
                "#{} uid={:?} flags={:?} subject={subject:?}",
                message.seq,
                message.uid(),
                message.flags()
            );
        }
    }
    run(&mut conn, &mut sock, ops::session::logout())?;
    println!("logged out");
    Ok(())
}
