//! Memory a waiting connection gives back (issue 16): run loops call
//! [`Connection::release_spare_memory`] when no call awaits an answer (none pending, or only
//! an IDLE), so a connection that waits for the server holds no read buffer and no spare
//! queue capacity. Ten thousand connections in IDLE then cost a few KiB each.

use std::collections::{HashMap, VecDeque};

use bytes::{Bytes, BytesMut};

use super::Connection;
use crate::types::{Flag, ResponseCode, StatusResponse, TypedEvent};

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

/// Copies a value's byte slices out of the buffer they were parsed from. Values the
/// connection keeps after their response (the session's flags, queued events) would
/// otherwise keep that whole read buffer allocated, however small they are, and an idle
/// connection could not give its read buffer back.
pub(crate) trait Detach {
    /// The same value, owning its bytes.
    fn detached(&self) -> Self;
}

impl Detach for Bytes {
    fn detached(&self) -> Self {
        Bytes::copy_from_slice(self)
    }
}

impl<T: Detach> Detach for Vec<T> {
    fn detached(&self) -> Self {
        self.iter().map(Detach::detached).collect()
    }
}

impl<T: Detach> Detach for Option<T> {
    fn detached(&self) -> Self {
        self.as_ref().map(Detach::detached)
    }
}

impl Detach for Flag {
    fn detached(&self) -> Self {
        match self {
            Flag::Keyword(name) => Flag::Keyword(name.detached()),
            Flag::Extension(name) => Flag::Extension(name.detached()),
            flag => flag.clone(),
        }
    }
}

impl Detach for ResponseCode {
    fn detached(&self) -> Self {
        match self {
            ResponseCode::BadCharset(names) => ResponseCode::BadCharset(names.detached()),
            ResponseCode::PermanentFlags(flags) => ResponseCode::PermanentFlags(flags.detached()),
            ResponseCode::MailboxId(id) => ResponseCode::MailboxId(id.detached()),
            ResponseCode::BadEvent(names) => ResponseCode::BadEvent(names.detached()),
            ResponseCode::Referral(url) => ResponseCode::Referral(url.detached()),
            ResponseCode::Other { name, value } => ResponseCode::Other {
                name: name.detached(),
                value: value.detached(),
            },
            code => code.clone(),
        }
    }
}

impl Detach for StatusResponse {
    fn detached(&self) -> Self {
        StatusResponse {
            kind: self.kind,
            code: self.code.detached(),
            text: self.text.detached(),
        }
    }
}

/// `event`, owning its bytes if it is of the kinds an idle session typically queues (status
/// lines, FLAGS); others (FETCH, LIST, ...) keep their slices.
pub(crate) fn detach_event(event: TypedEvent) -> TypedEvent {
    match event {
        TypedEvent::Status(status) => TypedEvent::Status(status.detached()),
        TypedEvent::Bye(status) => TypedEvent::Bye(status.detached()),
        TypedEvent::Flags(flags) => TypedEvent::Flags(flags.detached()),
        event => event,
    }
}
