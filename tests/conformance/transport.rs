//! Sessions over a byte stream the caller opened (`from_stream`): one end of a Unix socket
//! pair whose other end two threads pump to the server's TCP port, with every TLS mode.

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::os::unix::net::UnixStream;
use std::sync::Arc;
use std::time::Duration;

use crate::adapter::types::{FetchAttr, IdleEvent};
use crate::adapter::{
    CancellationToken, ConnectOptions, ImapConnection, SessionState, TlsMode, TypedEvent,
    from_unix, sleep, spawn,
};

use super::Case;
use super::kit::{Kind, Server, T};
use super::support::{
    Fail, TestResult, all, idle_cancelled_from_elsewhere, mailbox_with, message, uids, unique,
};
use crate::{case, ensure};

pub fn cases() -> Vec<Case> {
    vec![
        case!(from_stream_in_every_tls_mode, [Kind::Dovecot, Kind::Cyrus]),
        case!(from_stream_idle, [Kind::Dovecot]),
    ]
}

/// One end of a Unix socket pair; the other end is pumped to `host:port` in both
/// directions, and each direction's end is passed on as a shutdown of the other side.
fn bridged(host: &str, port: u16) -> io::Result<UnixStream> {
    let (ours, theirs) = UnixStream::pair()?;
    let tcp = TcpStream::connect((host, port))?;
    let (theirs_in, tcp_out) = (theirs.try_clone()?, tcp.try_clone()?);
    std::thread::spawn(move || pump(theirs_in, tcp_out, |tcp| tcp.shutdown(Shutdown::Write)));
    std::thread::spawn(move || pump(tcp, theirs, |unix| unix.shutdown(Shutdown::Write)));
    Ok(ours)
}

/// Copies `from` into `to` until either ends, then `close`s `to`.
fn pump<W: Write>(mut from: impl Read, mut to: W, close: impl FnOnce(&W) -> io::Result<()>) {
    let _ = io::copy(&mut from, &mut to);
    let _ = close(&to);
}

flavored! {
    /// A session through `from_stream` over a bridged socket pair, to the server's
    /// STARTTLS port, or its implicit-TLS port under `TlsMode::Implicit`.
    async fn over_pair(s: &Server, mode: TlsMode, socket: bool) -> Result<ImapConnection, Fail> {
        let port = match mode {
            TlsMode::Implicit => s.imaps_port(),
            _ => s.port(),
        };
        let stream = bridged(&s.host(), port)?;
        let options = ConnectOptions::new(mode).tls_config(s.tls());
        Ok(aw!(from_unix(stream, &s.host(), options, T, socket))?)
    }
}

/// STARTTLS, implicit TLS, and plaintext upgraded by `starttls()` later, each with LOGIN,
/// SELECT, FETCH and LOGOUT over the stream.
async fn from_stream_in_every_tls_mode(s: Arc<Server>) -> TestResult {
    let name = unique("stream");
    let imap = aw!(over_pair(&s, TlsMode::StartTls, true))?;
    ensure!(imap.is_tls());
    aw!(imap.login("alice", &s.password("alice"), T))?;
    let appended = aw!(mailbox_with(&imap, &name, 3))?;
    let selected = aw!(imap.select(&name, T))?;
    ensure!(selected.exists == 3, "{selected:?}");
    let found = aw!(imap.uid_fetch(&all(), &[FetchAttr::Uid, FetchAttr::Flags], T))?;
    ensure!(uids(&found) == appended, "{found:?}");
    aw!(imap.logout())?;
    ensure!(imap.session_state() == SessionState::Logout);

    let imap = aw!(over_pair(&s, TlsMode::Implicit, true))?;
    ensure!(imap.is_tls());
    aw!(imap.login("alice", &s.password("alice"), T))?;
    let selected = aw!(imap.select(&name, T))?;
    ensure!(selected.exists == 3, "{selected:?}");
    // Not the selected mailbox: Dovecot ends the session when that one is deleted.
    aw!(imap.select("INBOX", T))?;
    aw!(imap.delete(&name, T))?;
    aw!(imap.logout())?;

    let imap = aw!(over_pair(&s, TlsMode::Plain, true))?;
    ensure!(!imap.is_tls());
    aw!(imap.starttls(T))?;
    ensure!(imap.is_tls());
    aw!(imap.login("alice", &s.password("alice"), T))?;
    aw!(imap.noop(T))?;
    aw!(imap.logout())?;
    Ok(())
}

/// IDLE over a stream: woken by an APPEND from another connection, then cancelled. Under
/// the blocking adapter once over the Unix socket (IDLE waits on it) and once over a stream
/// that hides it (timed reads).
async fn from_stream_idle(s: Arc<Server>) -> TestResult {
    let name = unique("stream-idle");
    let writer = aw!(s.login("alice"))?;
    aw!(mailbox_with(&writer, &name, 1))?;
    for socket in [true, false] {
        let imap = Arc::new(aw!(over_pair(&s, TlsMode::StartTls, socket))?);
        aw!(imap.login("alice", &s.password("alice"), T))?;
        let exists = aw!(imap.select(&name, T))?.exists;
        let idler = imap.clone();
        let idle =
            spawn(
                async move { aw!(idler.idle(Duration::from_secs(30), CancellationToken::new())) },
            );
        aw!(sleep(Duration::from_millis(300)));
        aw!(writer.append(&name, &[], None, &message("wake up", "now"), T))?;
        let woke = aw!(idle.join()).map_err(Fail::Fail)??;
        match &woke {
            IdleEvent::Changed(events) => {
                ensure!(
                    events.contains(&TypedEvent::Exists(exists + 1)),
                    "{events:?}"
                )
            }
            other => return Err(Fail::Fail(format!("expected Changed, got {other:?}"))),
        }

        aw!(idle_cancelled_from_elsewhere(&imap))?;
        aw!(imap.noop(T))?;
        aw!(imap.logout())?;
    }
    aw!(writer.delete(&name, T)).ok();
    aw!(writer.logout())?;
    Ok(())
}
