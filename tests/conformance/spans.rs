//! A `tracing` span per command (target `imap::command`): a subscriber that records the
//! spans' fields sees one span per command with its name, mailbox, bytes, duration and
//! outcome, whichever run loop drives the connection.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::subscriber::Interest;
use tracing::{Event, Metadata, Subscriber};

use crate::adapter::Error;

use super::Case;
use super::kit::{Kind, Server, T};
use super::support::{Fail, TestResult, unique};
use crate::{case, ensure, ensure_err};

pub fn cases() -> Vec<Case> {
    vec![case!(a_span_per_command, [Kind::Dovecot, Kind::Cyrus])]
}

/// A span's fields as text.
type Fields = BTreeMap<&'static str, String>;

/// The process-wide subscriber: it listens to `imap::command` only while armed, so the
/// other cases run as without a subscriber.
#[derive(Default)]
struct Capture {
    armed: AtomicBool,
    next_id: AtomicU64,
    open: Mutex<HashMap<u64, Fields>>,
    closed: Mutex<Vec<Fields>>,
}

struct Collect<'a>(&'a mut Fields);

impl Visit for Collect<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.insert(field.name(), format!("{value:?}"));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name(), value.to_owned());
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.0.insert(field.name(), value.to_string());
    }
}

struct Installed(&'static Capture);

impl Subscriber for Installed {
    fn register_callsite(&self, _: &'static Metadata<'static>) -> Interest {
        Interest::sometimes()
    }
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        self.0.armed.load(Ordering::SeqCst) && metadata.target() == "imap::command"
    }
    fn new_span(&self, span: &Attributes<'_>) -> Id {
        let id = self.0.next_id.fetch_add(1, Ordering::SeqCst) + 1;
        let mut fields = Fields::new();
        span.record(&mut Collect(&mut fields));
        self.0.open.lock().unwrap().insert(id, fields);
        Id::from_u64(id)
    }
    fn record(&self, span: &Id, values: &Record<'_>) {
        if let Some(fields) = self.0.open.lock().unwrap().get_mut(&span.into_u64()) {
            values.record(&mut Collect(fields));
        }
    }
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, _: &Event<'_>) {}
    fn enter(&self, _: &Id) {}
    fn exit(&self, _: &Id) {}
    fn try_close(&self, span: Id) -> bool {
        if let Some(fields) = self.0.open.lock().unwrap().remove(&span.into_u64()) {
            self.0.closed.lock().unwrap().push(fields);
        }
        true
    }
}

/// The capture, installed as the global default the first time.
fn capture() -> &'static Capture {
    static CAPTURE: OnceLock<&'static Capture> = OnceLock::new();
    CAPTURE.get_or_init(|| {
        let capture: &'static Capture = Box::leak(Box::default());
        tracing::subscriber::set_global_default(Installed(capture))
            .expect("no other global subscriber in the conformance suite");
        capture
    })
}

/// Listening while it lives, even when the case fails half-way.
struct Armed(&'static Capture);

impl Armed {
    fn new(capture: &'static Capture) -> Self {
        capture.armed.store(true, Ordering::SeqCst);
        Armed(capture)
    }
}

impl Drop for Armed {
    fn drop(&mut self) {
        self.0.armed.store(false, Ordering::SeqCst);
    }
}

async fn a_span_per_command(s: Arc<Server>) -> TestResult {
    let capture = capture();
    capture.closed.lock().unwrap().clear();
    let armed = Armed::new(capture);
    let name = unique("spans");
    let missing = unique("spans-missing");
    let imap = aw!(s.login("alice"))?;
    aw!(imap.create(&name, T))?;
    aw!(imap.select(&name, T))?;
    ensure_err!(aw!(imap.select(&missing, T)), Error::No { .. });
    aw!(imap.logout())?;
    drop(armed);
    let closed = capture.closed.lock().unwrap().clone();
    let about = |mailbox: &str| -> Vec<Fields> {
        closed
            .iter()
            .filter(|f| f.get("mailbox").map(String::as_str) == Some(mailbox))
            .cloned()
            .collect()
    };
    let ours = about(&name);
    let names: Vec<&str> = ours.iter().map(|f| f["name"].as_str()).collect();
    ensure!(names == ["CREATE", "SELECT"], "{ours:?}");
    for (fields, command) in ours.iter().zip(["CREATE", "SELECT"]) {
        let tag = &fields["tag"];
        // `tag CREATE name\r\n`: the unique name is an atom.
        let line = tag.len() + 1 + command.len() + 1 + name.len() + 2;
        ensure!(fields["bytes_out"] == line.to_string(), "{fields:?}");
        let bytes_in: u64 = fields["bytes_in"]
            .parse()
            .map_err(|_| Fail::Fail(format!("{fields:?}")))?;
        // At least the tagged completion, `tag OK\r\n`.
        ensure!(bytes_in >= tag.len() as u64 + 5, "{fields:?}");
        ensure!(
            fields.get("outcome").map(String::as_str) == Some("OK"),
            "{fields:?}"
        );
        ensure!(fields.contains_key("duration_us"), "{fields:?}");
    }
    let failed = about(&missing);
    ensure!(failed.len() == 1, "{failed:?}");
    ensure!(failed[0]["name"] == "SELECT", "{failed:?}");
    ensure!(
        failed[0].get("outcome").map(String::as_str) == Some("NO"),
        "{failed:?}"
    );
    ensure!(closed.iter().any(|f| f["name"] == "LOGOUT"), "{closed:?}");
    Ok(())
}
