//! Test support: feeding a [`Connection`] through its own read buffer, as the adapters do,
//! and telling whether a value is a slice of one of those buffers (issue 15 item 2: results
//! a caller keeps must not pin them).

use std::ops::Range;

use bytes::Bytes;

use crate::ops::mailbox::select;
use crate::{Config, Connection};

/// What the adapters ask for per read (`imap_driver::READ_CHUNK`).
pub(crate) const READ: usize = 64 * 1024;

/// Sends what was submitted, then reads `wire` into the connection's own read buffer in
/// reads of at most [`READ`] bytes; returns the address range of every buffer read into.
pub(crate) fn feed(conn: &mut Connection, wire: &[u8]) -> Vec<Range<usize>> {
    conn.poll_transmit(&mut Vec::new());
    let mut buffers: Vec<Range<usize>> = Vec::new();
    for read in wire.chunks(READ) {
        let buffer = conn.read_buffer(READ);
        let start = buffer.as_ptr() as usize;
        let range = start..start + buffer.capacity();
        buffer.extend_from_slice(read);
        if !buffers.contains(&range) {
            buffers.push(range);
        }
        conn.handle_read();
    }
    buffers
}

/// Whether `bytes` lies in one of `buffers`.
pub(crate) fn in_buffers(bytes: &Bytes, buffers: &[Range<usize>]) -> bool {
    let at = bytes.as_ptr() as usize;
    buffers.iter().any(|b| b.contains(&at))
}

/// A connection whose server greeted with PREAUTH and `capabilities`.
pub(crate) fn authenticated(capabilities: &str) -> Connection {
    let mut conn = Connection::new(Config::default());
    conn.handle_input(format!("* PREAUTH [CAPABILITY {capabilities}] hi\r\n").as_bytes());
    conn
}

/// `conn` with INBOX selected, holding `exists` messages (the tag `A0001` used).
pub(crate) fn select_inbox(mut conn: Connection, exists: u32) -> Connection {
    conn.submit(select("INBOX", &Default::default(), false))
        .unwrap();
    conn.poll_transmit(&mut Vec::new());
    conn.handle_input(format!("* {exists} EXISTS\r\nA0001 OK [READ-WRITE] done\r\n").as_bytes());
    while conn.poll_event().is_some() {}
    conn
}
