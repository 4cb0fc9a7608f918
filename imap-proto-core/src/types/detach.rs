//! [`Detach`]: values the connection keeps after their response (the session's flags,
//! queued events) copy their bytes out of the read buffer they were parsed from. A slice
//! keeps its whole allocation alive, however small it is, so otherwise an idle connection
//! could not give its read buffer back (issue 16).

use bytes::Bytes;

use super::{Flag, ResponseCode, StatusResponse, TypedEvent};

/// Copies a value's byte slices out of the buffer they were parsed from.
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
