//! What the driver tells `tracing` about a connection: the protocol log (when switched on
//! with [`ConnectOptions::protocol_log`](crate::ConnectOptions::protocol_log)) as one
//! `trace` event per line under the target `imap::wire`, and the session's changes as
//! `debug` events under `imap::session`: greeted, state and selected mailbox, capabilities,
//! TLS and COMPRESS becoming active, BYE, failure. The core only records what happened;
//! the subscriber stamps the time.
//!
//! Each tagged command is a `debug` span under `imap::command` (see [`Commands`]), lasting
//! from when its first bytes are handed to the transport until its tagged response.
//!
//! With no subscriber installed, each event costs a check of `tracing`'s global level
//! filter; the protocol log and the command records cost nothing unless they are switched
//! on, and the command records are switched on only while `imap::command` is enabled.

use std::time::Instant;

use imap_proto_core::types::StatusKind;
use imap_proto_core::{CommandOutcome, CommandRecord, Direction};
use imap_proto_core::{Connection, SessionState, TypedEvent};
use tracing::field::Empty;

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
    commands: Commands,
}

/// The spans of the commands in flight, timed with the driver's clock from the core's
/// [`CommandRecord`]s.
#[derive(Default)]
struct Commands {
    open: Vec<(String, tracing::Span, Instant)>,
}

impl Commands {
    /// Switches the core's records on while `imap::command` is enabled, and turns the new
    /// ones into spans.
    fn observe(&mut self, conn: &mut Connection) {
        let wanted = tracing::enabled!(target: "imap::command", tracing::Level::DEBUG);
        if wanted != conn.is_recording_commands() {
            conn.set_command_records(wanted);
            self.open.clear();
        }
        if !wanted {
            return;
        }
        while let Some(record) = conn.poll_command_record() {
            self.record(record);
        }
        if let Some(failure) = conn.failure() {
            for (_, span, started) in self.open.drain(..) {
                span.record("duration_us", started.elapsed().as_micros() as u64);
                span.record("error", tracing::field::display(failure));
                span.in_scope(
                    || tracing::debug!(target: "imap::command", error = %failure, "command failed"),
                );
            }
        }
    }

    fn record(&mut self, record: CommandRecord) {
        let Some(outcome) = record.outcome else {
            let span = tracing::debug_span!(
                target: "imap::command",
                "command",
                tag = %record.tag,
                name = %record.name,
                mailbox = record.mailbox.as_deref(),
                bytes_out = Empty,
                bytes_in = Empty,
                duration_us = Empty,
                outcome = Empty,
                error = Empty,
            );
            self.open.push((record.tag, span, Instant::now()));
            return;
        };
        let Some(pos) = self.open.iter().position(|(tag, ..)| *tag == record.tag) else {
            return;
        };
        let (_, span, started) = self.open.remove(pos);
        let outcome = match outcome {
            CommandOutcome::Completed(StatusKind::Ok) => "OK",
            CommandOutcome::Completed(StatusKind::No) => "NO",
            CommandOutcome::Completed(StatusKind::Bad) => "BAD",
            _ => "other",
        };
        let duration_us = started.elapsed().as_micros() as u64;
        span.record("bytes_out", record.bytes_out);
        span.record("bytes_in", record.bytes_in);
        span.record("duration_us", duration_us);
        span.record("outcome", outcome);
        span.in_scope(|| {
            tracing::debug!(
                target: "imap::command",
                bytes_out = record.bytes_out,
                bytes_in = record.bytes_in,
                duration_us,
                outcome,
                "command completed"
            )
        });
    }
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
        self.commands.observe(conn);
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
