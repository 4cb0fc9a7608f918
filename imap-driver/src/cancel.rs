//! [`CancellationToken`]: ends a running `idle()`, from any thread or task, under any
//! runtime (or none).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use event_listener::Event;

/// A clonable handle that ends an `idle()` call; the same type in every adapter.
///
/// `cancel()` sets a flag and wakes whoever waits on [`CancellationToken::cancelled`]: an
/// async `idle()` awaits it, the blocking adapter polls it with a waker that interrupts its
/// `mio::Poll`. A token stays cancelled; use a new one for the next `idle()`.
#[derive(Clone, Default)]
pub struct CancellationToken {
    inner: Arc<Inner>,
}

#[derive(Default)]
struct Inner {
    cancelled: AtomicBool,
    event: Event,
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

    /// Cancels: a running `idle()` on this token (or a clone) returns
    /// `IdleEvent::Cancelled`, and so does any later one.
    pub fn cancel(&self) {
        self.inner.cancelled.store(true, Ordering::SeqCst);
        self.inner.event.notify(usize::MAX);
    }

    /// True once `cancel()` was called on this token or a clone.
    pub fn is_cancelled(&self) -> bool {
        self.inner.cancelled.load(Ordering::SeqCst)
    }

    /// Completes once the token is cancelled.
    pub async fn cancelled(&self) {
        loop {
            if self.is_cancelled() {
                return;
            }
            // Listen before looking again, so a cancel() in between is not missed.
            let listener = self.inner.event.listen();
            if self.is_cancelled() {
                return;
            }
            listener.await;
        }
    }
}
