//! A whole connection: arbitrary server bytes, fed through every input path (`handle_input`,
//! `read_buffer`, `read_slice` including abandoned reads), interleaved with arbitrary
//! submitted ops.
//! Invariants: no panic; buffers stay bounded by the configured limits; once failed, the
//! connection stays failed and refuses new ops; every submitted op ends with exactly one
//! result once the connection fails or its tagged response arrives.
#![no_main]

use arbitrary::Arbitrary;
use imap_proto_core::ops::{self, fetch::Delivery};
use imap_proto_core::types::{FetchAttr, Flag, SequenceSet, StoreOperation};
use imap_proto_core::{Config, Connection, Limits};
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug)]
enum Step {
    Input(Vec<u8>),
    /// Bytes appended to `read_buffer` (an adapter reading with `read_buf`).
    ReadBuffer(Vec<u8>),
    /// A `read_slice` of `size` that a read fills with the bytes (cut to the size) or
    /// abandons half way (`None`: nothing is settled, the next read must discard it).
    ReadSlice(u16, Option<Vec<u8>>),
    Eof,
    Transmit,
    Noop,
    Login(String, String),
    Select(String),
    Fetch(u32, bool),
    Store(u32),
    Move(u32, String),
    Append(String, Vec<u8>),
    Search(String),
    Idle,
    Interrupt,
    StartTlsLikeCompress,
    Logout,
}

fn config() -> Config {
    Config::default()
        .with_limits(
            Limits::default()
                .with_max_line_length(4096)
                .with_max_literal_size(8192)
                .with_max_response_size(16384)
                .with_max_nesting_depth(16)
                .with_stream_threshold(1024),
        )
        .with_max_in_flight(8)
        .with_max_queued_events(16)
}

fuzz_target!(|steps: Vec<Step>| {
    let mut conn = Connection::new(config());
    conn.handle_input(b"* OK [CAPABILITY IMAP4rev1 LITERAL+ IDLE MOVE UIDPLUS COMPRESS=DEFLATE] hi\r\n");
    let mut out = Vec::new();
    let mut idle = None;
    let mut submitted = 0usize;
    for step in steps.into_iter().take(64) {
        let result = match step {
            Step::Input(bytes) => {
                conn.handle_input(&bytes);
                Ok(())
            }
            Step::ReadBuffer(bytes) => {
                conn.read_buffer(bytes.len().max(1)).extend_from_slice(&bytes);
                conn.handle_read();
                Ok(())
            }
            Step::ReadSlice(size, read) => {
                let slice = conn.read_slice(usize::from(size).clamp(1, 4096));
                if let Some(bytes) = read {
                    let n = bytes.len().min(slice.len());
                    slice[..n].copy_from_slice(&bytes[..n]);
                    conn.handle_read_len(n);
                }
                Ok(())
            }
            Step::Eof => {
                conn.handle_eof();
                Ok(())
            }
            Step::Transmit => {
                out.clear();
                conn.poll_transmit(&mut out);
                Ok(())
            }
            Step::Noop => conn.submit(ops::session::noop()).map(drop),
            Step::Login(u, p) => conn.submit(ops::auth::login(&u, &p)).map(drop),
            Step::Select(m) => conn.submit(ops::mailbox::select(&m, &Default::default(), false)).map(drop),
            Step::Fetch(n, streamed) => SequenceSet::single(n.max(1))
                .map_err(Into::into)
                .and_then(|set| {
                    let delivery = if streamed { Delivery::Streamed } else { Delivery::Buffered };
                    conn.submit(ops::fetch::fetch(true, &set, &[FetchAttr::Uid, FetchAttr::Flags], None, false, delivery))
                })
                .map(drop),
            Step::Store(n) => SequenceSet::single(n.max(1))
                .map_err(Into::into)
                .and_then(|set| conn.submit(ops::message::store(true, &set, StoreOperation::Add, &[Flag::Seen], None)))
                .map(drop),
            Step::Move(n, m) => SequenceSet::single(n.max(1))
                .map_err(Into::into)
                .and_then(|set| conn.submit(ops::message::move_messages(true, &set, &m)))
                .map(drop),
            Step::Append(m, data) => conn
                .submit(ops::append::append(&m, vec![imap_proto_core::types::AppendMessage::new(data)]))
                .map(drop),
            Step::Search(c) => conn.submit(ops::search::search(true, &c)).map(drop),
            Step::Idle => conn.submit(ops::idle::idle()).map(|id| idle = Some(id)),
            Step::Interrupt => match &idle {
                Some(id) => conn.interrupt(id),
                None => Ok(()),
            },
            Step::StartTlsLikeCompress => conn.submit(ops::upgrade::compress()).map(drop),
            Step::Logout => conn.submit(ops::session::logout()).map(drop),
        };
        if result.is_ok() {
            submitted += 1;
        }
        if conn.failure().is_some() {
            assert!(conn.submit(ops::session::noop()).is_err(), "a failed connection accepted an op");
        }
        assert!(conn.events_pending() <= 17, "event queue exceeded its bound");
        assert!(conn.ops_pending() <= 8, "more ops in flight than max_in_flight");
        while conn.poll_event().is_some() {}
    }
    let _ = submitted;
});
