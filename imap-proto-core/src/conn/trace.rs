//! The protocol log: an opt-in trace of every line sent and received, with credentials
//! masked and large literals elided to their length.
//!
//! It records the IMAP bytes (inside TLS and COMPRESS), as the session sees them, when they
//! are handed to the transport or come out of the framer. What it masks:
//!
//! - LOGIN (RFC 9051 §6.2.3): everything after the user name, the password whether quoted or
//!   a literal; a user name sent as a literal is masked too;
//! - AUTHENTICATE (RFC 9051 §6.2.2): the initial response (RFC 4959) and every line the
//!   client sends until the command's tagged response, which covers PLAIN, XOAUTH2 and
//!   OAUTHBEARER tokens and SCRAM proofs. The server's challenges are shown: they carry no
//!   secret, and their text (an XOAUTH2 error, a SCRAM salt) is what a failed login is
//!   debugged with;
//! - any other command the encoder marks sensitive, after its command name.
//!
//! The core has no clock: entries carry no time; a driver that wants one stamps them when
//! it takes them with [`Connection::poll_trace`](super::Connection::poll_trace).

use std::collections::VecDeque;
use std::fmt;

use crate::encode::Fragment;

/// Literals up to this size are shown (escaped) in the trace; longer ones as their length.
pub const TRACE_LITERAL_LIMIT: usize = 256;

/// Most entries kept when the caller does not take them; older ones are dropped and counted.
pub const TRACE_QUEUE_LIMIT: usize = 4096;

/// Which way a traced line went.
///
/// Exhaustive on purpose: a byte stream has two directions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// From the client to the server.
    Sent,
    /// From the server to the client.
    Received,
}

/// One entry of the protocol log: a line (a command or a response with its literals, or a
/// piece of a command sent after a `+`), already masked. `#[non_exhaustive]`: made by the
/// connection only.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct TraceLine {
    /// Which way it went.
    pub direction: Direction,
    /// The text: control characters and invalid UTF-8 escaped, the final CRLF left out,
    /// secrets replaced by `<masked>` and large literals by `<N octets>`.
    pub text: String,
}

impl fmt::Display for TraceLine {
    /// `C: ` or `S: ` and the text, the way protocol transcripts are written.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let who = match self.direction {
            Direction::Sent => "C",
            Direction::Received => "S",
        };
        write!(f, "{who}: {}", self.text)
    }
}

/// What the tracer knows about the command being written.
#[derive(Debug, Default)]
struct Writing {
    /// It carries credentials: what follows its first line's shown part is masked.
    secret: bool,
    /// Its first line (with the tag and command name) has been written.
    started: bool,
}

/// The protocol log's state: the queue and what masking needs to remember.
#[derive(Debug, Default)]
pub(crate) struct Tracer {
    lines: VecDeque<TraceLine>,
    dropped: u64,
    /// The command whose fragments are being released.
    writing: Writing,
    /// The tag of an AUTHENTICATE in progress: client lines are masked until its tagged
    /// response.
    authenticating: Option<String>,
}

impl Tracer {
    /// The next entry, oldest first; a gap left by the queue limit shows as one entry.
    pub(crate) fn poll(&mut self) -> Option<TraceLine> {
        if self.dropped > 0 {
            let text = format!("<{} trace lines dropped>", self.dropped);
            self.dropped = 0;
            return Some(TraceLine {
                direction: Direction::Received,
                text,
            });
        }
        self.lines.pop_front()
    }

    fn push(&mut self, direction: Direction, text: String) {
        if self.lines.len() >= TRACE_QUEUE_LIMIT {
            self.lines.pop_front();
            self.dropped += 1;
        }
        self.lines.push_back(TraceLine { direction, text });
    }

    /// A command starts being written: `tag` is `None` for a continuation line (IDLE's
    /// `DONE`, a SASL response), and `sensitive` is the encoder's mark.
    pub(crate) fn start_command(&mut self, tag: Option<&str>, sensitive: bool) {
        self.writing = Writing {
            secret: sensitive,
            started: false,
        };
        if tag.is_some() {
            return;
        }
        if self.authenticating.is_some() {
            self.writing.secret = true;
        }
    }

    /// One fragment of the command being written, as it is handed to the transport.
    pub(crate) fn sent(&mut self, tag: Option<&str>, fragment: &Fragment) {
        let text = match fragment {
            Fragment::Line(line) => self.sent_line(tag, line),
            Fragment::Literal { data, .. } if self.writing.secret => {
                format!("<masked literal, {} octets>", data.len())
            }
            Fragment::Literal { data, .. } => literal_text(data),
        };
        self.push(Direction::Sent, text);
    }

    fn sent_line(&mut self, tag: Option<&str>, line: &[u8]) -> String {
        let line = line.strip_suffix(b"\r\n").unwrap_or(line);
        let first = !std::mem::replace(&mut self.writing.started, true);
        if tag.is_some() && !first {
            // The rest of a command after a literal.
            return self.masked_unless_plain(line, 0);
        }
        if tag.is_none() {
            // A line inside AUTHENTICATE; `*` alone cancels the exchange and is no secret.
            if self.writing.secret && line != b"*" {
                return "<masked>".to_owned();
            }
            return escape(line);
        }
        let mut words = line.splitn(3, |b| *b == b' ');
        let (Some(_tag), Some(command)) = (words.next(), words.next()) else {
            return escape(line);
        };
        let arguments = words.next().unwrap_or_default();
        let command_end = line.len() - arguments.len();
        if command.eq_ignore_ascii_case(b"AUTHENTICATE") {
            self.authenticating = tag.map(str::to_owned);
            // Keep the mechanism name; mask an initial response.
            let mechanism = arguments.split(|b| *b == b' ').next().unwrap_or_default();
            let shown = command_end + mechanism.len();
            self.writing.secret |= shown < line.len();
            return self.masked_unless_plain(line, shown);
        }
        if command.eq_ignore_ascii_case(b"LOGIN") {
            self.writing.secret = true;
            return self.masked_unless_plain(line, command_end + shown_user(arguments));
        }
        if self.writing.secret {
            return self.masked_unless_plain(line, command_end);
        }
        escape(line)
    }

    /// `line` up to `shown`, then `<masked>` if the command is secret and anything follows;
    /// the whole line otherwise.
    fn masked_unless_plain(&self, line: &[u8], shown: usize) -> String {
        if !self.writing.secret || shown >= line.len() {
            return escape(line);
        }
        let mut text = escape(&line[..shown]);
        if !text.is_empty() && !text.ends_with(' ') {
            text.push(' ');
        }
        text.push_str("<masked>");
        text
    }

    /// A response as the framer handed it out: one entry, its literals shown or elided.
    pub(crate) fn received(&mut self, frame: &[u8]) {
        if let Some(tag) = &self.authenticating {
            let done = frame
                .strip_prefix(tag.as_bytes())
                .is_some_and(|rest| rest.first() == Some(&b' '));
            if done {
                self.authenticating = None;
            }
        }
        self.push(Direction::Received, response_text(frame));
    }

    /// The start of a response whose big literal is streamed: its text up to the literal's
    /// header, and the literal's length.
    pub(crate) fn received_stream_head(&mut self, head: &[u8], literal_len: u64) {
        let mut text = response_text(head);
        text.push_str(&format!("\\r\\n<{literal_len} octets, streamed>"));
        self.push(Direction::Received, text);
    }

    /// What follows a streamed literal, up to the end of the response (or the next one).
    pub(crate) fn received_stream_tail(&mut self, tail: &[u8]) {
        self.push(Direction::Received, response_text(tail));
    }
}

/// How much of LOGIN's arguments to show: the user name when it is an atom or a quoted
/// string (with its trailing space), nothing when it is a literal.
fn shown_user(arguments: &[u8]) -> usize {
    match arguments.first() {
        Some(b'"') => {
            let mut escaped = false;
            for (i, b) in arguments.iter().enumerate().skip(1) {
                match b {
                    _ if escaped => escaped = false,
                    b'\\' => escaped = true,
                    b'"' => return i + 1,
                    _ => {}
                }
            }
            0
        }
        Some(b'{') | Some(b'~') | None => 0,
        Some(_) => arguments.iter().position(|b| *b == b' ').unwrap_or(0),
    }
}

/// A whole response (or a piece of one) as text: lines joined with an escaped CRLF, each
/// literal shown when small and printable, or replaced by its length.
fn response_text(frame: &[u8]) -> String {
    let frame = frame.strip_suffix(b"\r\n").unwrap_or(frame);
    let mut text = String::new();
    let mut rest = frame;
    while let Some(end) = memchr::memmem::find(rest, b"\r\n") {
        let line = &rest[..end];
        text.push_str(&escape(line));
        text.push_str("\\r\\n");
        rest = &rest[end + 2..];
        if let Some(len) = literal_header(line) {
            let len = len.min(rest.len());
            text.push_str(&literal_text(&rest[..len]));
            rest = &rest[len..];
        }
    }
    text.push_str(&escape(rest));
    text
}

/// The length announced by a literal header ending `line` (`{N}`, `{N+}`, `~{N}`).
fn literal_header(line: &[u8]) -> Option<usize> {
    let inner = line.strip_suffix(b"}")?;
    let open = memchr::memrchr(b'{', inner)?;
    let digits = &inner[open + 1..];
    let digits = digits
        .strip_suffix(b"+")
        .or_else(|| digits.strip_suffix(b"-"))
        .unwrap_or(digits);
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(digits).ok()?.parse().ok()
}

/// A literal's content: escaped when short, its length otherwise.
fn literal_text(data: &[u8]) -> String {
    if data.len() <= TRACE_LITERAL_LIMIT {
        escape(data)
    } else {
        format!("<{} octets>", data.len())
    }
}

/// Bytes as one line of text: UTF-8 kept, control characters and invalid bytes escaped.
fn escape(bytes: &[u8]) -> String {
    let mut text = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '\r' => text.push_str("\\r"),
                '\n' => text.push_str("\\n"),
                '\t' => text.push_str("\\t"),
                c if c.is_control() => text.push_str(&format!("\\u{{{:x}}}", c as u32)),
                c => text.push(c),
            }
        }
        for b in chunk.invalid() {
            text.push_str(&format!("\\x{b:02x}"));
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use bytes::Bytes;

    use super::*;
    use crate::encode::LiteralMode;

    fn line(text: &str) -> Fragment {
        Fragment::Line(text.as_bytes().to_vec())
    }

    fn literal(text: &str) -> Fragment {
        Fragment::Literal {
            data: Bytes::from(text.to_owned()),
            mode: LiteralMode::Sync,
        }
    }

    fn sent(tracer: &mut Tracer, tag: Option<&str>, sensitive: bool, fragments: &[Fragment]) {
        tracer.start_command(tag, sensitive);
        for fragment in fragments {
            tracer.sent(tag, fragment);
        }
    }

    fn drain(tracer: &mut Tracer) -> Vec<String> {
        std::iter::from_fn(|| tracer.poll())
            .map(|l| l.to_string())
            .collect()
    }

    #[test]
    fn login_masks_the_password_in_every_form() {
        let mut t = Tracer::default();
        sent(
            &mut t,
            Some("A1"),
            true,
            &[line("A1 LOGIN joe \"s3cr\\\"et\"\r\n")],
        );
        sent(
            &mut t,
            Some("A2"),
            true,
            &[
                line("A2 LOGIN \"j o\" {6}\r\n"),
                literal("p\"ss w"),
                line("\r\n"),
            ],
        );
        sent(
            &mut t,
            Some("A3"),
            true,
            &[
                line("A3 LOGIN {3}\r\n"),
                literal("joe"),
                line(" hunter2\r\n"),
            ],
        );
        assert_eq!(
            drain(&mut t),
            [
                "C: A1 LOGIN joe <masked>",
                "C: A2 LOGIN \"j o\" <masked>",
                "C: <masked literal, 6 octets>",
                "C: ",
                "C: A3 LOGIN <masked>",
                "C: <masked literal, 3 octets>",
                "C: <masked>",
            ]
        );
    }

    #[test]
    fn authenticate_masks_every_client_line_until_its_tagged_response() {
        let mut t = Tracer::default();
        sent(
            &mut t,
            Some("A1"),
            true,
            &[line("A1 AUTHENTICATE PLAIN AGpvZQBzM2NyZXQ=\r\n")],
        );
        t.received(b"+ \r\n");
        sent(&mut t, None, false, &[line("dG9rZW4=\r\n")]);
        sent(&mut t, None, false, &[line("*\r\n")]);
        t.received(b"A1 OK done\r\n");
        sent(&mut t, None, false, &[line("DONE\r\n")]);
        assert_eq!(
            drain(&mut t),
            [
                "C: A1 AUTHENTICATE PLAIN <masked>",
                "S: + ",
                "C: <masked>",
                "C: *",
                "S: A1 OK done",
                "C: DONE",
            ]
        );
    }

    #[test]
    fn large_literals_are_elided_small_ones_shown() {
        let mut t = Tracer::default();
        let big = "x".repeat(TRACE_LITERAL_LIMIT + 1);
        sent(
            &mut t,
            Some("A1"),
            false,
            &[
                line("A1 APPEND INBOX {257}\r\n"),
                literal(&big),
                line("\r\n"),
            ],
        );
        t.received(
            format!("* 1 FETCH (BODY[] {{257}}\r\n{big} UID 4 BODY[1] {{5}}\r\nhe\r\no)\r\n")
                .as_bytes(),
        );
        t.received_stream_head(b"* 2 FETCH (BODY[] {99999}\r\n", 99999);
        t.received_stream_tail(b")\r\n");
        assert_eq!(
            drain(&mut t),
            [
                "C: A1 APPEND INBOX {257}",
                "C: <257 octets>",
                "C: ",
                "S: * 1 FETCH (BODY[] {257}\\r\\n<257 octets> UID 4 BODY[1] {5}\\r\\nhe\\r\\no)",
                "S: * 2 FETCH (BODY[] {99999}\\r\\n<99999 octets, streamed>",
                "S: )",
            ]
        );
    }

    #[test]
    fn the_queue_is_bounded_and_says_what_it_dropped() {
        let mut t = Tracer::default();
        for _ in 0..TRACE_QUEUE_LIMIT + 3 {
            t.received(b"* OK\r\n");
        }
        assert_eq!(t.poll().unwrap().text, "<3 trace lines dropped>");
        assert_eq!(std::iter::from_fn(|| t.poll()).count(), TRACE_QUEUE_LIMIT);
    }

    #[test]
    fn control_bytes_and_invalid_utf8_are_escaped() {
        assert_eq!(escape(b"a\x00b\xffc\xc3\xa9"), "a\\u{0}b\\xffcé");
    }
}
