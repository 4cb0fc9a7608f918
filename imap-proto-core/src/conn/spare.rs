//! Memory a waiting connection gives back (issue 16): run loops call
//! [`Connection::release_spare_memory`] when no call awaits an answer (none pending, or only
//! an IDLE), so a connection that waits for the server holds no read buffer and no spare
//! queue capacity. Ten thousand connections in IDLE then cost a few KiB each.

use std::collections::{HashMap, VecDeque};

use bytes::BytesMut;

use super::Connection;

impl Connection {
    /// Frees what a waiting connection does not need: the framer's read buffer once every
    /// byte in it was handed out (the next read allocates one), the staging buffers of TLS
    /// and COMPRESS, and the spare capacity of the queues of ops, commands, events and
    /// results. Call it before a wait that may be long; it costs an allocation on the next
    /// read. Buffers holding bytes are kept.
    pub fn release_spare_memory(&mut self) {
        // A slice read abandoned half way is discarded first, as the next read would.
        self.settle_slice(0);
        self.framer.release_buffer();
        if self.read_stage.is_empty() {
            self.read_stage = BytesMut::new();
        }
        if self.inflate_backlog.is_empty() {
            self.inflate_backlog = BytesMut::new();
        }
        if self.plain_out.is_empty() {
            self.plain_out = Vec::new();
        }
        if self.scratch.is_empty() {
            self.scratch = Vec::new();
        }
        if self.outputs.is_empty() {
            self.outputs = HashMap::new();
        }
        shrink(&mut self.queued);
        shrink(&mut self.in_flight);
        shrink(&mut self.outgoing);
        shrink(&mut self.events);
    }
}

/// Drops a queue's spare capacity.
fn shrink<T>(queue: &mut VecDeque<T>) {
    if queue.capacity() > queue.len() {
        queue.shrink_to_fit();
    }
}
