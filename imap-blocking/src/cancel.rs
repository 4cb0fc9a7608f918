//! [`CancellationToken`]: ends a running `idle()` from any thread.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use mio::Waker;

/// A clonable handle that ends an `idle()` call from another thread.
///
/// `cancel()` sets a flag and wakes the mio `Waker` that the running `idle()` registered
/// with its `Poll` next to the socket, so the call returns at once (no timer, no polling).
/// A token stays cancelled; use a new one for the next `idle()`.
#[derive(Clone, Default)]
pub struct CancellationToken {
    inner: Arc<TokenInner>,
}

#[derive(Default)]
struct TokenInner {
    cancelled: AtomicBool,
    /// The waker of the `idle()` waiting on this token, if one is.
    waker: Mutex<Option<Arc<Waker>>>,
}

impl std::fmt::Debug for CancellationToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CancellationToken")
            .field("cancelled", &self.is_cancelled())
            .finish()
    }
}

impl CancellationToken {
    /// A token that is not cancelled.
    pub fn new() -> Self {
        Self::default()
    }

    /// Cancels: a running `idle()` on this token returns `IdleEvent::Cancelled`, and so does
    /// any later one.
    pub fn cancel(&self) {
        self.inner.cancelled.store(true, Ordering::SeqCst);
        let slot = self.inner.waker.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(waker) = slot.as_ref() {
            // A failed wake means the poll is gone; the flag is still seen.
            let _ = waker.wake();
        }
    }

    /// True once `cancel()` was called on this token or a clone.
    pub fn is_cancelled(&self) -> bool {
        self.inner.cancelled.load(Ordering::SeqCst)
    }

    /// Registers the waker of the wait about to start; removed when the guard drops.
    pub(crate) fn arm(&self, waker: Arc<Waker>) -> Armed<'_> {
        *self.inner.waker.lock().unwrap_or_else(|p| p.into_inner()) = Some(waker);
        Armed { token: self }
    }
}

/// Removes the registered waker when the wait ends.
pub(crate) struct Armed<'a> {
    token: &'a CancellationToken,
}

impl Drop for Armed<'_> {
    fn drop(&mut self) {
        *self
            .token
            .inner
            .waker
            .lock()
            .unwrap_or_else(|p| p.into_inner()) = None;
    }
}
