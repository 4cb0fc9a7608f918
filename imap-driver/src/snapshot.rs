//! What callers can see of the session without asking whoever drives the core: the state,
//! the capabilities, TLS and COMPRESS, and why the connection failed.

use std::sync::{Arc, Mutex, MutexGuard};

use event_listener::Event;
use imap_proto_core::types::Capability;
use imap_proto_core::{Connection, Error, SessionState};

/// The session as last published.
#[derive(Debug, Clone)]
pub struct Snapshot {
    /// The session state.
    pub state: SessionState,
    /// The capabilities last advertised.
    pub capabilities: Vec<Capability>,
    /// True once the greeting arrived.
    pub greeted: bool,
    /// True once TLS is active.
    pub tls: bool,
    /// True once COMPRESS=DEFLATE is active.
    pub compress: bool,
    /// The error that ended the connection, if it failed.
    pub failure: Option<Arc<Error>>,
    /// True once the driver has exited.
    pub exited: bool,
}

impl Default for Snapshot {
    fn default() -> Self {
        Snapshot {
            state: SessionState::NotAuthenticated,
            capabilities: Vec::new(),
            greeted: false,
            tls: false,
            compress: false,
            failure: None,
            exited: false,
        }
    }
}

/// The snapshot, shared by the core's driver (writer) and the handles, with a change signal.
#[derive(Debug, Default)]
pub struct SharedSnapshot {
    value: Mutex<Snapshot>,
    changed: Event,
}

impl SharedSnapshot {
    /// The current snapshot. A poisoned lock still holds a consistent value (every update
    /// is a plain assignment), so it is used as is.
    pub fn get(&self) -> MutexGuard<'_, Snapshot> {
        self.value.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Applies `f`; wakes the waiters when it reports a change.
    pub fn update(&self, f: impl FnOnce(&mut Snapshot) -> bool) {
        if f(&mut self.get()) {
            self.changed.notify(usize::MAX);
        }
    }

    /// Publishes the core's session if anything changed. `capabilities_moved` false says
    /// the capabilities are those last published (the session's capabilities generation did
    /// not move), which
    /// saves comparing the list after every read of a large FETCH.
    pub fn publish(&self, conn: &Connection, capabilities_moved: bool) {
        let session = conn.session();
        // Set once, never changed: whether it is there is all that can change.
        let failure = conn.failure().cloned();
        let greeted = conn.is_greeted();
        self.update(|s| {
            let changed = s.state != session.state()
                || (capabilities_moved && s.capabilities != session.capabilities())
                || s.greeted != greeted
                || s.tls != session.tls_active()
                || s.compress != session.compress_active()
                || s.failure.is_some() != failure.is_some();
            if changed {
                s.state = session.state();
                s.capabilities = session.capabilities().to_vec();
                s.greeted = greeted;
                s.tls = session.tls_active();
                s.compress = session.compress_active();
                s.failure = failure;
            }
            changed
        });
    }

    /// The connection's `Debug` output: where it goes and the session as last published.
    pub fn debug(
        &self,
        f: &mut std::fmt::Formatter<'_>,
        host: &str,
        port: u16,
    ) -> std::fmt::Result {
        let snapshot = self.get().clone();
        f.debug_struct("ImapConnection")
            .field("host", &host)
            .field("port", &port)
            .field("state", &snapshot.state)
            .field("tls", &snapshot.tls)
            .field("compress", &snapshot.compress)
            .field("failure", &snapshot.failure)
            .finish_non_exhaustive()
    }

    /// Waits until `done` holds for the snapshot, and returns that snapshot.
    pub async fn wait_for(&self, done: impl Fn(&Snapshot) -> bool) -> Snapshot {
        loop {
            let listener = self.changed.listen();
            let snapshot = self.get().clone();
            if done(&snapshot) {
                return snapshot;
            }
            listener.await;
        }
    }
}
