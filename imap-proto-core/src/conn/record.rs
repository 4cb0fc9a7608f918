//! Command records: an opt-in account of each tagged command, for a driver that wants a
//! `tracing` span per command (see [`Connection::set_command_records`](crate::Connection::set_command_records)).
//!
//! The core has no clock: it reports when a command's first bytes are handed to the
//! transport ([`CommandRecord::outcome`] is `None`) and when its tagged completion arrives
//! (`Some`); the driver times the two with its own clock. Byte counts are IMAP bytes as the
//! session sees them (inside TLS and COMPRESS) for what was sent, and wire bytes for what
//! was received while the command was in flight (responses to pipelined commands are
//! counted by each of them).

use std::borrow::Cow;
use std::collections::VecDeque;

use crate::encode::Fragment;
use crate::types::{NameEncoding, StatusKind, mutf7};

/// Most records kept when the caller does not take them; older ones are dropped.
pub const RECORD_QUEUE_LIMIT: usize = 4096;

/// How a command ended.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CommandOutcome {
    /// The server's tagged response: OK, NO or BAD (RFC 9051 §7.1).
    Completed(StatusKind),
}

/// What happened to one tagged command: its start (no outcome yet) or its end.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CommandRecord {
    /// The command's tag.
    pub tag: String,
    /// The command name as sent (`SELECT`, `UID FETCH`).
    pub name: String,
    /// The mailbox argument in the form the session uses (decoded from modified UTF-7
    /// unless UTF-8 is enabled; as sent if it does not decode), for commands whose first
    /// argument is a mailbox, when it was sent as an atom or quoted string; `None` otherwise.
    pub mailbox: Option<String>,
    /// Bytes written for it so far, continuation lines included.
    pub bytes_out: u64,
    /// Bytes received since it was sent.
    pub bytes_in: u64,
    /// `None` when the command has just been sent, the tagged status once it completed.
    pub outcome: Option<CommandOutcome>,
}

/// A command sent and not completed yet.
#[derive(Debug)]
struct Open {
    tag: String,
    name: String,
    mailbox: Option<String>,
    bytes_out: u64,
    received_at_start: u64,
}

/// The recorder's state: the queue and the open commands.
#[derive(Debug, Default)]
pub(crate) struct Recorder {
    records: VecDeque<CommandRecord>,
    open: Vec<Open>,
}

impl Recorder {
    pub(crate) fn poll(&mut self) -> Option<CommandRecord> {
        self.records.pop_front()
    }

    fn push(&mut self, record: CommandRecord) {
        if self.records.len() >= RECORD_QUEUE_LIMIT {
            self.records.pop_front();
        }
        self.records.push_back(record);
    }

    /// A fragment of a command is handed to the transport; `tag` is `None` for a
    /// continuation line, counted for the command sent last. `received` is the connection's
    /// received-bytes counter, `names` how the session encodes mailbox names.
    pub(crate) fn sent(
        &mut self,
        tag: Option<&str>,
        fragment: &Fragment,
        received: u64,
        names: NameEncoding,
    ) {
        let len = match fragment {
            Fragment::Line(line) => line.len(),
            Fragment::Literal { data, .. } => data.len(),
        } as u64;
        let open = match tag {
            Some(tag) => self.open.iter_mut().rev().find(|o| o.tag == tag),
            None => self.open.last_mut(),
        };
        if let Some(open) = open {
            open.bytes_out += len;
            return;
        }
        let (Some(tag), Fragment::Line(line)) = (tag, fragment) else {
            return;
        };
        let (name, mailbox) = describe(line, tag, names);
        let open = Open {
            tag: tag.to_owned(),
            name,
            mailbox,
            bytes_out: len,
            received_at_start: received,
        };
        self.push(open.record(received, None));
        self.open.push(open);
    }

    /// The tagged response for `tag` arrived.
    pub(crate) fn completed(&mut self, tag: &str, kind: StatusKind, received: u64) {
        if let Some(pos) = self.open.iter().position(|o| o.tag == tag) {
            let open = self.open.remove(pos);
            self.push(open.record(received, Some(CommandOutcome::Completed(kind))));
        }
    }
}

impl Open {
    fn record(&self, received: u64, outcome: Option<CommandOutcome>) -> CommandRecord {
        CommandRecord {
            tag: self.tag.clone(),
            name: self.name.clone(),
            mailbox: self.mailbox.clone(),
            bytes_out: self.bytes_out,
            bytes_in: received - self.received_at_start,
            outcome,
        }
    }
}

/// Commands whose first argument is a mailbox (RFC 9051 §6.3).
const MAILBOX_COMMANDS: &[&str] = &[
    "SELECT",
    "EXAMINE",
    "CREATE",
    "DELETE",
    "RENAME",
    "SUBSCRIBE",
    "UNSUBSCRIBE",
    "STATUS",
    "APPEND",
    "GETQUOTAROOT",
    "GETACL",
    "MYRIGHTS",
];

/// The command name (two words for `UID x`) and the mailbox argument of a command's first
/// line, decoded as the session reads names.
fn describe(line: &[u8], tag: &str, names: NameEncoding) -> (String, Option<String>) {
    let text = String::from_utf8_lossy(line);
    let rest = text
        .strip_prefix(tag)
        .unwrap_or(&text)
        .trim_start_matches(' ')
        .trim_end_matches(['\r', '\n']);
    let mut words = rest.splitn(2, ' ');
    let first = words.next().unwrap_or_default().to_ascii_uppercase();
    let args = words.next().unwrap_or_default();
    if first == "UID" {
        let second = args.split(' ').next().unwrap_or_default();
        return (format!("UID {}", second.to_ascii_uppercase()), None);
    }
    let mailbox = MAILBOX_COMMANDS
        .contains(&first.as_str())
        .then(|| mailbox_argument(args))
        .flatten()
        .map(|wire| match names {
            NameEncoding::Utf8 => wire,
            // RFC 3501 §5.1.3; a name that does not decode is recorded as sent.
            _ => mutf7::decode(wire.as_bytes()).map_or(wire.clone(), Cow::into_owned),
        });
    (first, mailbox)
}

/// The first argument when it is an atom or a quoted string (RFC 9051 §4.3: a literal's
/// bytes are not on this line).
fn mailbox_argument(args: &str) -> Option<String> {
    if let Some(quoted) = args.strip_prefix('"') {
        let mut out = String::new();
        let mut chars = quoted.chars();
        while let Some(c) = chars.next() {
            match c {
                '"' => return Some(out),
                '\\' => out.push(chars.next()?),
                c => out.push(c),
            }
        }
        return None;
    }
    let atom = args.split(' ').next().unwrap_or_default();
    (!atom.is_empty() && !atom.starts_with('{')).then(|| atom.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_mailboxes_come_from_the_first_line() {
        assert_eq!(
            describe(b"A1 SELECT INBOX\r\n", "A1", UTF7),
            ("SELECT".into(), Some("INBOX".into()))
        );
        assert_eq!(
            describe(b"A2 status \"a \\\"b\\\"\" (MESSAGES)\r\n", "A2", UTF7),
            ("STATUS".into(), Some("a \"b\"".into()))
        );
        assert_eq!(
            describe(b"A3 CREATE {5}\r\n", "A3", UTF7),
            ("CREATE".into(), None)
        );
        assert_eq!(
            describe(b"A4 UID FETCH 1:* (FLAGS)\r\n", "A4", UTF7),
            ("UID FETCH".into(), None)
        );
        assert_eq!(describe(b"A5 NOOP\r\n", "A5", UTF7), ("NOOP".into(), None));
    }

    /// The session's default name encoding (no UTF-8 mode).
    const UTF7: NameEncoding = NameEncoding::ModifiedUtf7;

    #[test]
    fn mailboxes_are_recorded_in_the_sessions_form() {
        let line = b"A1 SELECT Entw&APw-rfe\r\n";
        assert_eq!(describe(line, "A1", UTF7).1.as_deref(), Some("Entwürfe"));
        let utf8 = NameEncoding::Utf8;
        assert_eq!(describe(line, "A1", utf8).1.as_deref(), Some("Entw&APw-rfe"));
        let quoted = "A2 SELECT \"Entwürfe\"\r\n".as_bytes();
        assert_eq!(describe(quoted, "A2", utf8).1.as_deref(), Some("Entwürfe"));
        // Not valid modified UTF-7 (an unterminated shift): kept as sent.
        let broken = b"A3 SELECT a&Jjo\r\n";
        assert_eq!(describe(broken, "A3", UTF7).1.as_deref(), Some("a&Jjo"));
    }

    #[test]
    fn a_command_is_recorded_when_sent_and_when_completed() {
        let mut r = Recorder::default();
        r.sent(
            Some("A1"),
            &Fragment::Line(b"A1 APPEND x {3}\r\n".to_vec()),
            100,
            UTF7,
        );
        r.sent(
            Some("A1"),
            &Fragment::Literal {
                data: b"abc".to_vec().into(),
                mode: crate::encode::LiteralMode::Sync,
            },
            110,
            UTF7,
        );
        r.sent(None, &Fragment::Line(b"\r\n".to_vec()), 110, UTF7);
        let start = r.poll().unwrap();
        assert_eq!(
            (start.name.as_str(), start.bytes_out, start.outcome),
            ("APPEND", 17, None)
        );
        r.completed("A9", StatusKind::Ok, 150);
        assert_eq!(r.poll(), None);
        r.completed("A1", StatusKind::No, 150);
        let end = r.poll().unwrap();
        assert_eq!(end.mailbox.as_deref(), Some("x"));
        assert_eq!((end.bytes_out, end.bytes_in), (22, 50));
        assert_eq!(end.outcome, Some(CommandOutcome::Completed(StatusKind::No)));
    }
}
