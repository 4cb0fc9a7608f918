//! FETCH as a `Stream` (async adapters) or an `Iterator` (imap-blocking): `fetch_stream` and
//! `uid_fetch_stream` give what the buffered FETCH gives, in order; a stream dropped
//! mid-way leaves the connection in step; a small queue bounds how many responses wait for
//! a slow consumer; an error is the last item.

use std::sync::Arc;

use crate::adapter::types::{AppendMessage, FetchAttr, FetchResponse, SequenceSet};
use crate::adapter::{
    ConnectOptions, Error, ImapConnection, SessionState, TlsMode, next_response, sleep,
};

use super::kit::{Kind, Server, T};
use super::scripted::scripted;
use super::support::{Fail, TestResult, all, message, stray_fetches, uids, unique};
use super::{Case, ScriptedCase};
use crate::{case, ensure, ensure_err, scripted_case};

pub fn cases() -> Vec<Case> {
    vec![
        case!(stream_equals_buffered, [Kind::Dovecot, Kind::Cyrus]),
        case!(
            dropped_stream_leaves_connection_usable,
            [Kind::Dovecot, Kind::Cyrus]
        ),
        case!(
            small_queue_bounds_a_slow_consumer,
            [Kind::Dovecot, Kind::Cyrus]
        ),
        case!(error_is_the_last_item, [Kind::Dovecot]),
    ]
}

/// What no real server does on demand: stall in the middle of a FETCH.
pub fn scripted_cases() -> Vec<ScriptedCase> {
    vec![scripted_case!(
        a_stalled_stream_times_out_and_the_connection_recovers
    )]
}

/// How many messages the stream cases fetch: several reads' worth of responses.
const MESSAGES: usize = 300;

/// The items fetched: the metadata workload of the e2e benchmark.
fn metadata() -> Vec<FetchAttr> {
    vec![
        FetchAttr::Uid,
        FetchAttr::Flags,
        FetchAttr::Envelope,
        FetchAttr::BodyStructure,
        FetchAttr::Rfc822Size,
    ]
}

flavored! {
    /// Creates and selects `name` holding [`MESSAGES`] messages (one MULTIAPPEND: both
    /// servers have it).
    async fn seeded(imap: &ImapConnection, name: &str) -> Result<(), Fail> {
        aw!(imap.create(name, T))?;
        let messages: Vec<AppendMessage> = (0..MESSAGES)
            .map(|i| AppendMessage::new(message(&format!("stream {i}"), &"line\r\n".repeat(i % 7))))
            .collect();
        aw!(imap.multi_append(name, &messages, T))?;
        aw!(imap.select(name, T))?;
        Ok(())
    }
}

flavored! {
    /// Every item of a UID FETCH stream of `set`, in order; an error item fails.
    async fn collect_stream(imap: &ImapConnection, set: &SequenceSet, items: &[FetchAttr]) -> Result<Vec<FetchResponse>, Fail> {
        let mut stream = aw!(imap.uid_fetch_stream(set, items, T))?;
        let mut found = Vec::new();
        while let Some(item) = aw!(next_response(&mut stream)) {
            found.push(item?);
        }
        Ok(found)
    }
}

/// A streamed FETCH of many messages equals the buffered one, by UID and by sequence number.
async fn stream_equals_buffered(s: Arc<Server>) -> TestResult {
    let imap: ImapConnection = aw!(s.login("carol"))?;
    let name = unique("fstream");
    aw!(seeded(&imap, &name))?;
    let items = metadata();
    let buffered = aw!(imap.uid_fetch(&all(), &items, T))?;
    ensure!(buffered.len() == MESSAGES, "{} buffered", buffered.len());
    let streamed = aw!(collect_stream(&imap, &all(), &items))?;
    ensure!(streamed.len() == MESSAGES, "{} streamed", streamed.len());
    ensure!(streamed == buffered, "the streamed responses differ");

    // By sequence number, a range.
    let range = SequenceSet::range(11, 30)?;
    let mut stream = aw!(imap.fetch_stream(&range, &[FetchAttr::Flags], T))?;
    let mut seqs = Vec::new();
    while let Some(item) = aw!(next_response(&mut stream)) {
        seqs.push(item?.seq);
    }
    drop(stream);
    ensure!(seqs == (11..=30).collect::<Vec<u32>>(), "{seqs:?}");

    aw!(imap.close(T))?;
    aw!(imap.delete(&name, T))?;
    aw!(imap.logout())?;
    Ok(())
}

/// Dropping a stream after a few responses: the rest of the FETCH is read and discarded,
/// and NOOP, another FETCH and another stream work.
async fn dropped_stream_leaves_connection_usable(s: Arc<Server>) -> TestResult {
    let imap: ImapConnection = aw!(s.login("carol"))?;
    let name = unique("fdrop");
    aw!(seeded(&imap, &name))?;
    let items = metadata();
    let mut stream = aw!(imap.uid_fetch_stream(&all(), &items, T))?;
    let mut taken = 0;
    while taken < 10 {
        match aw!(next_response(&mut stream)) {
            Some(item) => {
                item?;
                taken += 1;
            }
            None => return Err(Fail::Fail(format!("ended after {taken}"))),
        }
    }
    drop(stream);
    aw!(imap.noop(T))?;
    let first = SequenceSet::range(1, 3)?;
    let found = aw!(imap.fetch(&first, &[FetchAttr::Uid, FetchAttr::Flags], T))?;
    ensure!(
        found.iter().map(|f| f.seq).collect::<Vec<_>>() == vec![1, 2, 3],
        "{found:?}"
    );
    let again = aw!(collect_stream(&imap, &all(), &[FetchAttr::Uid]))?;
    ensure!(again.len() == MESSAGES, "{} after the drop", again.len());
    // No response of the dropped FETCH surfaced as an event.
    let strays = stray_fetches(aw!(imap.drain_events()));
    ensure!(strays == 0, "{strays} stray FETCH events");
    aw!(imap.close(T))?;
    aw!(imap.delete(&name, T))?;
    aw!(imap.logout())?;
    Ok(())
}

/// A queue of 4 responses and a consumer that pauses after each: never more than 4 wait
/// for it, and every response arrives, in order.
async fn small_queue_bounds_a_slow_consumer(s: Arc<Server>) -> TestResult {
    const CAPACITY: usize = 4;
    let options = ConnectOptions::new(TlsMode::StartTls)
        .tls_config(s.tls())
        .fetch_stream_capacity(CAPACITY);
    let imap = aw!(ImapConnection::connect_with(
        &s.host(),
        s.port(),
        options,
        T
    ))?;
    aw!(imap.login("carol", &s.password("carol"), T))?;
    let name = unique("fslow");
    aw!(seeded(&imap, &name))?;
    let expected = uids(&aw!(imap.uid_fetch(&all(), &[FetchAttr::Uid], T))?);
    let mut stream = aw!(imap.uid_fetch_stream(&all(), &metadata(), T))?;
    let (mut seen, mut most_queued) = (Vec::new(), 0);
    while let Some(item) = aw!(next_response(&mut stream)) {
        seen.extend(item?.uid());
        if seen.len().is_multiple_of(50) {
            // Slow: the connection meanwhile reads until the queue is full, then waits.
            aw!(sleep(std::time::Duration::from_millis(20)));
        }
        most_queued = most_queued.max(stream.queued());
    }
    drop(stream);
    ensure!(most_queued <= CAPACITY, "{most_queued} responses queued");
    ensure!(
        seen == expected,
        "{} of {} responses",
        seen.len(),
        expected.len()
    );
    aw!(imap.close(T))?;
    aw!(imap.delete(&name, T))?;
    aw!(imap.logout())?;
    Ok(())
}

/// A FETCH the state does not allow: the stream's one item is the typed error, then the
/// end; the connection stays usable.
async fn error_is_the_last_item(s: Arc<Server>) -> TestResult {
    let imap: ImapConnection = aw!(s.login("carol"))?;
    let mut stream = aw!(imap.uid_fetch_stream(&all(), &[FetchAttr::Uid], T))?;
    let first = aw!(next_response(&mut stream));
    ensure_err!(
        first.ok_or_else(|| Fail::Fail("no item".into()))?,
        Error::WrongState {
            state: SessionState::Authenticated,
            ..
        }
    );
    ensure!(aw!(next_response(&mut stream)).is_none());
    drop(stream);
    aw!(imap.noop(T))?;
    aw!(imap.logout())?;
    Ok(())
}

/// The server sends three responses, then nothing for longer than the timeout: the stream
/// yields them, then `Error::Timeout` (the server had been sending: not a dead peer), then
/// ends. The rest of the FETCH comes later and is discarded by the next call.
async fn a_stalled_stream_times_out_and_the_connection_recovers() -> TestResult {
    let (client, server) = aw!(scripted(
        "* PREAUTH [CAPABILITY IMAP4rev1] ready\r\n",
        |mut peer| {
            let select = peer.expect("SELECT INBOX");
            peer.send(&format!("* 5 EXISTS\r\n{select} OK done\r\n"));
            let fetch = peer.expect("UID FETCH 1:* (UID)");
            peer.send("* 1 FETCH (UID 11)\r\n* 2 FETCH (UID 12)\r\n* 3 FETCH (UID 13)\r\n");
            std::thread::sleep(std::time::Duration::from_millis(900));
            peer.send(&format!(
                "* 4 FETCH (UID 14)\r\n* 5 FETCH (UID 15)\r\n{fetch} OK done\r\n"
            ));
            let noop = peer.expect("NOOP");
            peer.send(&format!("{noop} OK done\r\n"));
        },
    ))?;
    aw!(client.select("INBOX", T))?;
    let wait = std::time::Duration::from_millis(300);
    let mut stream = aw!(client.uid_fetch_stream(&all(), &[FetchAttr::Uid], wait))?;
    let mut uids = Vec::new();
    let last = loop {
        match aw!(next_response(&mut stream)) {
            Some(Ok(found)) => uids.extend(found.uid()),
            other => break other,
        }
    };
    ensure!(uids == vec![11, 12, 13], "{uids:?}");
    ensure!(matches!(last, Some(Err(Error::Timeout))), "{last:?}");
    ensure!(aw!(next_response(&mut stream)).is_none());
    drop(stream);
    aw!(client.noop(T))?;
    ensure!(stray_fetches(aw!(client.drain_events())) == 0);
    aw!(server.finish())
}
