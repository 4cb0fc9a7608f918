//! [`FetchSink`]: where a streaming FETCH puts its responses, with back-pressure.
//!
//! The reference's `fetch_streaming(.., tx: Sender<Result<FetchResponse, Error>>, ..)` takes
//! the channel of the caller's runtime; the driver only needs "offer without waiting" and
//! "wait for room", so any bounded channel can be a sink. While the sink is full the driver
//! stops reading the socket, so memory stays bounded whatever the server sends.

use imap_proto_core::Error;
use imap_proto_core::types::FetchResponse;

use crate::runtime::BoxFuture;

/// One streamed FETCH response, or the error that ended the FETCH.
pub type FetchItem = Result<FetchResponse, Error>;

/// Why a sink did not take an item.
#[derive(Debug)]
pub enum Refused {
    /// No room now: the item is handed back.
    Full(FetchItem),
    /// The receiver is gone; the rest of the FETCH is read and discarded.
    Closed,
}

/// A bounded channel a streaming FETCH sends into. Implemented for tokio's `mpsc::Sender`
/// (feature `tokio`), `async_channel::Sender` (feature `async-channel`) and
/// `std::sync::mpsc::SyncSender` (the blocking adapter's; its `send` blocks the thread that
/// polls it, so give it only to imap-blocking).
pub trait FetchSink: Send + 'static {
    /// Offers `item` without waiting.
    fn try_send(&mut self, item: FetchItem) -> Result<(), Refused>;
    /// Sends `item` once there is room: `true` when delivered, `false` if the receiver is
    /// gone.
    fn send(&self, item: FetchItem) -> BoxFuture<bool>;
}

#[cfg(feature = "tokio")]
impl FetchSink for tokio::sync::mpsc::Sender<FetchItem> {
    fn try_send(&mut self, item: FetchItem) -> Result<(), Refused> {
        use tokio::sync::mpsc::error::TrySendError;
        tokio::sync::mpsc::Sender::try_send(self, item).map_err(|e| match e {
            TrySendError::Full(item) => Refused::Full(item),
            TrySendError::Closed(_) => Refused::Closed,
        })
    }

    fn send(&self, item: FetchItem) -> BoxFuture<bool> {
        let tx = self.clone();
        Box::pin(async move { tx.send(item).await.is_ok() })
    }
}

#[cfg(feature = "async-channel")]
impl FetchSink for async_channel::Sender<FetchItem> {
    fn try_send(&mut self, item: FetchItem) -> Result<(), Refused> {
        async_channel::Sender::try_send(self, item).map_err(|e| match e {
            async_channel::TrySendError::Full(item) => Refused::Full(item),
            async_channel::TrySendError::Closed(_) => Refused::Closed,
        })
    }

    fn send(&self, item: FetchItem) -> BoxFuture<bool> {
        let tx = self.clone();
        Box::pin(async move { tx.send(item).await.is_ok() })
    }
}

impl FetchSink for std::sync::mpsc::SyncSender<FetchItem> {
    fn try_send(&mut self, item: FetchItem) -> Result<(), Refused> {
        use std::sync::mpsc::TrySendError;
        std::sync::mpsc::SyncSender::try_send(self, item).map_err(|e| match e {
            TrySendError::Full(item) => Refused::Full(item),
            TrySendError::Disconnected(_) => Refused::Closed,
        })
    }

    fn send(&self, item: FetchItem) -> BoxFuture<bool> {
        let tx = self.clone();
        Box::pin(async move { tx.send(item).is_ok() })
    }
}
