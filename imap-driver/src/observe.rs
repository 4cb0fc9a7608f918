//! What the driver tells `tracing` about a connection: the protocol log (when switched on
//! with [`ConnectOptions::protocol_log`](crate::ConnectOptions::protocol_log)) as one
//! `trace` event per line under the target `imap::wire`, and the session's changes as
//! `debug` events under `imap::session`: greeted, state and selected mailbox, capabilities,
//! TLS and COMPRESS becoming active, BYE, failure. The core only records what happened;
//! the subscriber stamps the time.
//!
//! With no subscriber installed, each event costs a check of `tracing`'s global level
//! filter; the protocol log costs nothing unless it is switched on.

use imap_proto_core::Direction;
use imap_proto_core::{Connection, SessionState, TypedEvent};

/// The session facts last reported, to report only changes.
#[derive(Default)]
pub struct Observer {
    greeted: bool,
    state: Option<SessionState>,
    selected: Option<String>,
    capabilities: usize,
    tls: bool,
    compress: bool,
    failed: bool,
}

impl Observer {
    /// Reports the protocol log's new lines and what changed in the session since the last
    /// call.
    pub fn observe(&mut self, conn: &mut Connection) {
        while let Some(line) = conn.poll_trace() {
            match line.direction {
                Direction::Sent => tracing::trace!(target: "imap::wire", "C: {}", line.text),
                _ => tracing::trace!(target: "imap::wire", "S: {}", line.text),
            }
        }
        if !tracing::enabled!(target: "imap::session", tracing::Level::DEBUG) {
            return;
        }
        let session = conn.session();
        if !self.greeted && conn.is_greeted() {
            self.greeted = true;
            tracing::debug!(target: "imap::session", "greeted");
        }
        let state = session.state();
        if self.state != Some(state) {
            self.state = Some(state);
            tracing::debug!(target: "imap::session", ?state, "state changed");
        }
        let selected = session.selected().map(|s| s.name.clone());
        if self.selected != selected {
            tracing::debug!(target: "imap::session", mailbox = ?selected, "selected mailbox changed");
            self.selected = selected;
        }
        let capabilities = session.capabilities().len();
        if self.capabilities != capabilities {
            self.capabilities = capabilities;
            tracing::debug!(target: "imap::session", count = capabilities, "capabilities changed");
        }
        if !self.tls && session.tls_active() {
            self.tls = true;
            tracing::debug!(target: "imap::session", "TLS active");
        }
        if !self.compress && session.compress_active() {
            self.compress = true;
            tracing::debug!(target: "imap::session", "COMPRESS=DEFLATE active");
        }
        if !self.failed
            && let Some(failure) = conn.failure()
        {
            self.failed = true;
            tracing::debug!(target: "imap::session", error = %failure, "connection failed");
        }
    }

    /// Reports an unsolicited event worth a line of its own (BYE, ALERT).
    pub fn event(&self, event: &TypedEvent) {
        match event {
            TypedEvent::Bye(status) => tracing::debug!(
                target: "imap::session",
                text = %String::from_utf8_lossy(&status.text),
                "BYE"
            ),
            TypedEvent::Alert(text) => tracing::debug!(target: "imap::session", %text, "ALERT"),
            _ => {}
        }
    }
}
