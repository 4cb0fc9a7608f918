//! Test support: feeding a [`Connection`] through its own read buffer, as the adapters do,
//! and telling whether a value is a slice of one of those buffers (issue 15 item 2: results
//! a caller keeps must not pin them).

use std::ops::Range;

use bytes::Bytes;

use crate::Connection;

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
