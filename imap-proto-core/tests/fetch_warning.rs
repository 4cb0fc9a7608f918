//! A buffered FETCH logs one warning, through the `log` facade, when the message data it holds
//! passes 10 MB (the reference's `uid_fetch` advice to stream), and none below that.

use std::sync::Mutex;

use imap_proto_core::ops::fetch::{BUFFER_WARNING, Delivery, fetch};
use imap_proto_core::ops::mailbox::select;
use imap_proto_core::types::{FetchAttr, SequenceSet};
use imap_proto_core::{Config, Connection};

static WARNINGS: Mutex<Vec<String>> = Mutex::new(Vec::new());

struct Capture;

impl log::Log for Capture {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        metadata.level() <= log::Level::Warn
    }
    fn log(&self, record: &log::Record<'_>) {
        if record.level() == log::Level::Warn {
            WARNINGS.lock().unwrap().push(record.args().to_string());
        }
    }
    fn flush(&self) {}
}

static LOGGER: Capture = Capture;

/// Fetches `sizes.len()` messages whose bodies have those sizes and returns the warnings.
fn warnings_for(sizes: &[usize]) -> Vec<String> {
    WARNINGS.lock().unwrap().clear();
    let mut conn = Connection::new(Config::default());
    conn.handle_input(b"* PREAUTH [CAPABILITY IMAP4rev1] hi\r\n");
    conn.submit(select("INBOX", &Default::default(), false))
        .unwrap();
    conn.handle_input(b"* 100 EXISTS\r\nA0001 OK [READ-WRITE] done\r\n");
    let set: SequenceSet = "1:*".parse().unwrap();
    let id = conn
        .submit(fetch(
            false,
            &set,
            &[FetchAttr::Uid],
            None,
            false,
            Delivery::Buffered,
        ))
        .unwrap();
    for (i, size) in sizes.iter().enumerate() {
        let mut response = format!("* {} FETCH (BODY[] {{{size}}}\r\n", i + 1).into_bytes();
        response.resize(response.len() + size, b'x');
        response.extend_from_slice(b")\r\n");
        conn.handle_input(&response);
    }
    conn.handle_input(b"A0002 OK done\r\n");
    assert!(conn.take_output(&id).unwrap().is_ok());
    WARNINGS.lock().unwrap().clone()
}

#[test]
fn warns_once_past_ten_megabytes_and_not_below() {
    log::set_logger(&LOGGER).unwrap();
    log::set_max_level(log::LevelFilter::Warn);
    // Each body stays under the 1 MiB streaming threshold, so it is buffered whole.
    let piece = 900 * 1000;
    let under = BUFFER_WARNING / piece;
    assert!(warnings_for(&vec![piece; under]).is_empty());
    let over = warnings_for(&vec![piece; under + 3]);
    assert_eq!(over.len(), 1, "{over:?}");
    assert!(over[0].contains("uid_fetch_streaming"));
}
