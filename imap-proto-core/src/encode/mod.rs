//! Command encoding: typed arguments in, wire fragments out.
//!
//! Every command encodes to an [`EncodedCommand`]: a sequence of [`Fragment`]s. A
//! [`Fragment::Line`] is text the sender writes as is; when a line is followed by a
//! [`Fragment::Literal`], the line already ends with the literal header (`{N}`, `{N+}`,
//! `~{N}` or `~{N+}`) and CRLF. Before it writes the data of a [`LiteralMode::Sync`] literal
//! the sender must wait for the server's `+` continuation (RFC 9051 §4.3, RFC 7888 §3); a
//! [`LiteralMode::NonSync`] literal is written straight away. The last line ends with the
//! command's CRLF.
//!
//! The encoder, not the caller, chooses how each string goes on the wire (atom, quoted string
//! or literal), so no caller string can end a command line early: a CR or LF in a caller
//! string either travels inside a literal or is refused with an [`EncodeError`]. NUL can never
//! be sent in a text literal; only a `literal8` (RFC 3516, where the grammar allows it) can
//! carry it.
//!
//! What the session has negotiated and that changes the encoding (literal forms, UTF-8
//! strings, `literal8`) is given in an [`EncodeContext`].
//!
//! The functions are grouped by command family, one module each, and all take the tag
//! (chosen by the connection) and the context first: for example
//! `encode::mailbox::select(tag, &ctx, "INBOX", &SelectOptions::default())`.

use std::fmt;

use bytes::Bytes;

pub use crate::types::encode_error::EncodeError;
pub(crate) use crate::types::lexical::{
    MAX_MOD_SEQUENCE, RawPiece, check_atom, is_astring_char, is_atom, is_atom_char, is_list_char,
    split_raw, unescape_into,
};
use crate::types::{Capability, Flag, SequenceSet, mutf7};

pub mod acl;
pub mod append;
pub mod auth;
mod fetch_attr;
pub mod idle;
pub mod mailbox;
pub mod message;
pub mod metadata;
pub mod notify;
pub mod quota;
pub mod session;

/// Which literal forms the server accepts from the client (RFC 7888).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LiteralSupport {
    /// Only synchronizing literals `{N}`: the client waits for `+` before each literal.
    #[default]
    Sync,
    /// `LITERAL-` (RFC 7888 §5, and IMAP4rev2, RFC 9051 §4.3): non-synchronizing literals
    /// `{N+}` up to 4096 octets; larger ones must be synchronizing.
    NonSyncUpTo4096,
    /// `LITERAL+` (RFC 7888 §4): non-synchronizing literals of any size.
    NonSync,
}

/// The largest literal `LITERAL-` lets a client send without waiting (RFC 7888 §5).
pub const LITERAL_MINUS_MAX: usize = 4096;

/// What the session has negotiated that changes how commands are encoded.
///
/// The default is the most conservative: synchronizing literals only, modified UTF-7 mailbox
/// names, no `literal8`; [`EncodeContext::from_capabilities`] derives it from a session, the
/// `with_*` setters adjust it (`#[non_exhaustive]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct EncodeContext {
    /// Which literal forms may be used.
    pub literals: LiteralSupport,
    /// True when strings may carry UTF-8 in quoted form and mailbox names are sent as UTF-8
    /// rather than modified UTF-7: after `ENABLE UTF8=ACCEPT` succeeded (RFC 6855 §3) or on
    /// an IMAP4rev2 session (RFC 9051 §5.1). When true, SEARCH never sends `CHARSET`
    /// (RFC 6855 §3 forbids it after `ENABLE UTF8=ACCEPT`; RFC 9051 §6.4.4 makes UTF-8 the
    /// default).
    pub utf8: bool,
    /// True when the server advertises `BINARY` (RFC 3516): APPEND may send message data that
    /// contains NUL as a `literal8` (`~{N}`), and `literal8` may be non-synchronizing.
    pub binary: bool,
}

impl EncodeContext {
    /// Derives the context from the session.
    ///
    /// - `capabilities`: the server's current list. `LITERAL+` gives
    ///   [`LiteralSupport::NonSync`], `LITERAL-` gives [`LiteralSupport::NonSyncUpTo4096`];
    ///   `BINARY` sets [`EncodeContext::binary`].
    /// - `imap4rev2`: the session runs IMAP4rev2, i.e. the server advertises `IMAP4rev2`
    ///   without `IMAP4rev1`, or `ENABLE IMAP4rev2` succeeded (RFC 9051 Appendix A: when both
    ///   are advertised nothing beyond IMAP4rev1 is in force until then). IMAP4rev2 brings
    ///   `LITERAL-` and UTF-8 strings.
    /// - `utf8_accept`: `ENABLE UTF8=ACCEPT` succeeded (RFC 6855 §3).
    pub fn from_capabilities(
        capabilities: &[Capability],
        imap4rev2: bool,
        utf8_accept: bool,
    ) -> Self {
        let has = |name: &str| capabilities.iter().any(|c| c.is(name));
        let literals = if has("LITERAL+") {
            LiteralSupport::NonSync
        } else if has("LITERAL-") || imap4rev2 {
            LiteralSupport::NonSyncUpTo4096
        } else {
            LiteralSupport::Sync
        };
        EncodeContext {
            literals,
            utf8: imap4rev2 || utf8_accept,
            binary: has("BINARY"),
        }
    }

    /// Sets [`EncodeContext::literals`].
    pub fn with_literals(mut self, literals: LiteralSupport) -> Self {
        self.literals = literals;
        self
    }

    /// Sets [`EncodeContext::utf8`].
    pub fn with_utf8(mut self, utf8: bool) -> Self {
        self.utf8 = utf8;
        self
    }

    /// Sets [`EncodeContext::binary`].
    pub fn with_binary(mut self, binary: bool) -> Self {
        self.binary = binary;
        self
    }

    /// The mode a literal of `len` octets is sent in. A `literal8` is only non-synchronizing
    /// when BINARY is also supported (RFC 4466 §3, RFC 7888 §6).
    pub fn literal_mode(&self, len: usize, literal8: bool) -> LiteralMode {
        let non_sync = match self.literals {
            LiteralSupport::Sync => false,
            LiteralSupport::NonSyncUpTo4096 => len <= LITERAL_MINUS_MAX,
            LiteralSupport::NonSync => true,
        };
        if non_sync && (!literal8 || self.binary) {
            LiteralMode::NonSync
        } else {
            LiteralMode::Sync
        }
    }
}

/// Whether the sender must wait for a `+` continuation before sending a literal's data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LiteralMode {
    /// `{N}` / `~{N}`: wait for the server's `+` first (RFC 9051 §4.3).
    Sync,
    /// `{N+}` / `~{N+}`: send at once (RFC 7888).
    NonSync,
}

/// One piece of an encoded command, in sending order.
#[derive(Clone, PartialEq, Eq)]
pub enum Fragment {
    /// Command text. It ends with CRLF: either the command's final CRLF, or the CRLF after a
    /// literal header when a [`Fragment::Literal`] follows.
    Line(Vec<u8>),
    /// The data of a literal whose header ended the previous line.
    Literal {
        /// The literal's octets, exactly as many as the header announced.
        data: Bytes,
        /// Whether to wait for `+` before sending `data`.
        mode: LiteralMode,
    },
}

impl fmt::Debug for Fragment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fragment::Line(line) => write!(f, "Line({:?})", String::from_utf8_lossy(line)),
            // Literal contents may be passwords or whole messages: show only their size.
            Fragment::Literal { data, mode } => {
                write!(f, "Literal({} octets, {mode:?})", data.len())
            }
        }
    }
}

/// A complete encoded command: its fragments in sending order.
#[derive(Clone, PartialEq, Eq)]
pub struct EncodedCommand {
    fragments: Vec<Fragment>,
    sensitive: bool,
}

impl fmt::Debug for EncodedCommand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.sensitive {
            // Credentials may sit in a quoted string on the line: show nothing of it.
            write!(
                f,
                "EncodedCommand {{ sensitive: true, {} fragments redacted }}",
                self.fragments.len()
            )
        } else {
            f.debug_struct("EncodedCommand")
                .field("fragments", &self.fragments)
                .finish()
        }
    }
}

impl EncodedCommand {
    /// The fragments in sending order.
    pub fn fragments(&self) -> &[Fragment] {
        &self.fragments
    }

    /// Takes the fragments out, for a send queue.
    pub fn into_fragments(self) -> Vec<Fragment> {
        self.fragments
    }

    /// True when the command carries credentials (LOGIN, AUTHENTICATE with an initial
    /// response): tracing should not show its bytes. Its `Debug` output is redacted.
    pub fn is_sensitive(&self) -> bool {
        self.sensitive
    }

    /// True when a synchronizing literal is present, so the command cannot be written in one go.
    pub fn needs_continuation(&self) -> bool {
        self.fragments.iter().any(|f| {
            matches!(
                f,
                Fragment::Literal {
                    mode: LiteralMode::Sync,
                    ..
                }
            )
        })
    }

    /// All the bytes of the command concatenated, ignoring continuation waits: what ends up on
    /// the wire once every `+` has arrived. For tests and tracing (beware: it includes
    /// literal contents such as passwords).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        for fragment in &self.fragments {
            match fragment {
                Fragment::Line(line) => out.extend_from_slice(line),
                Fragment::Literal { data, .. } => out.extend_from_slice(data),
            }
        }
        out
    }
}

/// True when `s` fits in a `quoted` string: every octet a `TEXT-CHAR` (no NUL, CR, LF), or, in
/// UTF-8 mode, UTF-8 sequences (`QUOTED-CHAR` of RFC 9051 §9 / `utf8-quoted` of RFC 6855 §3).
fn fits_quoted(s: &[u8], utf8: bool) -> bool {
    let ascii_ok = |b: &u8| *b != 0 && *b != b'\r' && *b != b'\n';
    if s.is_ascii() {
        s.iter().all(ascii_ok)
    } else {
        utf8 && std::str::from_utf8(s).is_ok() && s.iter().all(ascii_ok)
    }
}

/// The atom-like form a string argument may take when it is not quoted or a literal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Bare {
    /// The grammar has no bare form here (`string`, `nstring`).
    Never,
    /// `1*ASTRING-CHAR` (`astring`).
    Astring,
    /// `1*list-char` (`list-mailbox`).
    ListMailbox,
}

/// Removes the `\` escapes of a quoted string's inside.
fn unescape_quoted(escaped: &str) -> Vec<u8> {
    let mut out = Vec::new();
    unescape_into(escaped.as_bytes(), &mut out);
    out
}

// ---------------------------------------------------------------------------------------------
// The builder.

/// Builds one command, choosing the safe wire form of every argument.
///
/// The per-command functions in the submodules use it; it is public so the connection can
/// encode extension commands the same safe way. Text added through its methods can never
/// contain a CR or LF outside a literal.
pub struct CommandBuilder {
    ctx: EncodeContext,
    line: Vec<u8>,
    fragments: Vec<Fragment>,
    sensitive: bool,
}

impl fmt::Debug for CommandBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CommandBuilder")
            .field("ctx", &self.ctx)
            .field("fragments", &self.fragments.len())
            .field("sensitive", &self.sensitive)
            .finish_non_exhaustive()
    }
}

impl CommandBuilder {
    /// Starts a command with `tag` and a space. `tag = 1*<any ASTRING-CHAR except "+">`
    /// (RFC 9051 §9).
    pub fn new(tag: &str, ctx: &EncodeContext) -> Result<Self, EncodeError> {
        if tag.is_empty() || !tag.bytes().all(|b| is_astring_char(b) && b != b'+') {
            return Err(EncodeError::InvalidTag {
                tag: tag.to_owned(),
            });
        }
        let mut line = Vec::with_capacity(64);
        line.extend_from_slice(tag.as_bytes());
        line.push(b' ');
        Ok(CommandBuilder {
            ctx: *ctx,
            line,
            fragments: Vec::new(),
            sensitive: false,
        })
    }

    /// The context this command is encoded for.
    pub fn context(&self) -> &EncodeContext {
        &self.ctx
    }

    /// Marks the command as carrying credentials (see [`EncodedCommand::is_sensitive`]).
    pub fn sensitive(&mut self) -> &mut Self {
        self.sensitive = true;
        self
    }

    /// Appends fixed protocol text (command names, keywords, punctuation).
    pub(crate) fn push(&mut self, text: &'static str) -> &mut Self {
        debug_assert!(!text.contains(['\r', '\n']));
        self.line.extend_from_slice(text.as_bytes());
        self
    }

    /// Appends a space.
    pub fn sp(&mut self) -> &mut Self {
        self.line.push(b' ');
        self
    }

    /// Appends a decimal number.
    pub fn number(&mut self, n: u64) -> &mut Self {
        self.line.extend_from_slice(n.to_string().as_bytes());
        self
    }

    /// Appends an `atom` (RFC 9051 §9), refusing anything else with
    /// [`EncodeError::InvalidAtom`].
    pub fn atom(&mut self, what: &'static str, value: &str) -> Result<&mut Self, EncodeError> {
        check_atom(what, value)?;
        self.line.extend_from_slice(value.as_bytes());
        Ok(self)
    }

    /// Appends an `astring`: an atom when every octet is an `ASTRING-CHAR`, else a quoted
    /// string when it fits, else a literal.
    pub fn astring(&mut self, what: &'static str, value: &[u8]) -> Result<&mut Self, EncodeError> {
        self.string_with(what, value, Bare::Astring)?;
        Ok(self)
    }

    /// Appends a `string`: a quoted string when it fits, else a literal (never an atom).
    pub fn string(&mut self, what: &'static str, value: &[u8]) -> Result<&mut Self, EncodeError> {
        self.string_with(what, value, Bare::Never)?;
        Ok(self)
    }

    /// Appends an `nstring`: `NIL` for `None`, else a [`CommandBuilder::string`].
    pub fn nstring(
        &mut self,
        what: &'static str,
        value: Option<&[u8]>,
    ) -> Result<&mut Self, EncodeError> {
        match value {
            None => {
                self.push("NIL");
                Ok(self)
            }
            Some(value) => self.string(what, value),
        }
    }

    /// Appends a `mailbox` name given in Unicode: modified UTF-7 (RFC 3501 §5.1.3) unless the
    /// context is in UTF-8 mode, then an `astring`.
    pub fn mailbox(&mut self, what: &'static str, name: &str) -> Result<&mut Self, EncodeError> {
        if self.ctx.utf8 {
            self.string_with(what, name.as_bytes(), Bare::Astring)?;
        } else {
            let wire = mutf7::encode(name);
            self.string_with(what, wire.as_bytes(), Bare::Astring)?;
        }
        Ok(self)
    }

    /// Appends a mailbox name exactly as the server sent it (e.g. [`crate::types::Mailbox::wire`]),
    /// as an `astring`, without any conversion. Use it to send back a name that may not be
    /// valid modified UTF-7 (some servers send raw 8-bit names), which would not survive a
    /// decode/encode round trip.
    pub fn mailbox_wire(
        &mut self,
        what: &'static str,
        raw: &[u8],
    ) -> Result<&mut Self, EncodeError> {
        self.string_with(what, raw, Bare::Astring)?;
        Ok(self)
    }

    /// Appends a `list-mailbox` pattern (RFC 9051 §9): like [`CommandBuilder::mailbox`], but
    /// the wildcards `%` and `*` may stay unquoted.
    pub fn list_mailbox(
        &mut self,
        what: &'static str,
        pattern: &str,
    ) -> Result<&mut Self, EncodeError> {
        if self.ctx.utf8 {
            self.string_with(what, pattern.as_bytes(), Bare::ListMailbox)?;
        } else {
            let wire = mutf7::encode(pattern);
            self.string_with(what, wire.as_bytes(), Bare::ListMailbox)?;
        }
        Ok(self)
    }

    fn string_with(
        &mut self,
        what: &'static str,
        value: &[u8],
        bare: Bare,
    ) -> Result<(), EncodeError> {
        let bare_ok = !value.is_empty()
            && match bare {
                Bare::Never => false,
                Bare::Astring => value.iter().all(|&b| is_astring_char(b)),
                Bare::ListMailbox => value.iter().all(|&b| is_list_char(b)),
            };
        if bare_ok {
            self.line.extend_from_slice(value);
        } else if fits_quoted(value, self.ctx.utf8) {
            self.quoted(value);
        } else {
            self.literal(what, Bytes::copy_from_slice(value), false)?;
        }
        Ok(())
    }

    /// Appends `value` as a quoted string; the caller has checked [`fits_quoted`].
    fn quoted(&mut self, value: &[u8]) {
        self.line.push(b'"');
        for &b in value {
            if b == b'"' || b == b'\\' {
                self.line.push(b'\\');
            }
            self.line.push(b);
        }
        self.line.push(b'"');
    }

    /// Appends a literal: the header (`{N}`, `{N+}`, or with `literal8` `~{N}` / `~{N+}`) and
    /// CRLF end the current line, and the data becomes its own fragment. A text literal may not
    /// contain NUL ([`EncodeError::ContainsNul`]); a `literal8` may.
    pub fn literal(
        &mut self,
        what: &'static str,
        data: Bytes,
        literal8: bool,
    ) -> Result<&mut Self, EncodeError> {
        if !literal8 && data.contains(&0) {
            return Err(EncodeError::ContainsNul { what });
        }
        let mode = self.ctx.literal_mode(data.len(), literal8);
        if literal8 {
            self.line.push(b'~');
        }
        self.line.push(b'{');
        self.line
            .extend_from_slice(data.len().to_string().as_bytes());
        if mode == LiteralMode::NonSync {
            self.line.push(b'+');
        }
        self.line.extend_from_slice(b"}\r\n");
        self.fragments
            .push(Fragment::Line(std::mem::take(&mut self.line)));
        self.fragments.push(Fragment::Literal { data, mode });
        Ok(self)
    }

    /// Appends caller-supplied raw protocol text, such as search criteria
    /// (`FROM "alice" SINCE 1-Mar-2026`) or a LIST return option (`STATUS (MESSAGES)`).
    ///
    /// The text must be one line of valid IMAP syntax without literals. It is refused
    /// ([`EncodeError::UnsafeRawText`]) if it contains CR, LF, NUL or another control
    /// character, a `{` outside a quoted string, 8-bit text outside a quoted string, a bad
    /// `\` escape, an unterminated quoted string, or unbalanced parentheses. A quoted string
    /// with 8-bit text is re-sent as a literal unless the context is in UTF-8 mode.
    pub fn raw_text(&mut self, what: &'static str, text: &str) -> Result<&mut Self, EncodeError> {
        let pieces = split_raw(what, text)?;
        for piece in pieces {
            match piece {
                RawPiece::Plain(plain) => self.line.extend_from_slice(plain.as_bytes()),
                RawPiece::Quoted { escaped, eight_bit } => {
                    if eight_bit && !self.ctx.utf8 {
                        self.literal(what, Bytes::from(unescape_quoted(escaped)), false)?;
                    } else {
                        self.line.push(b'"');
                        self.line.extend_from_slice(escaped.as_bytes());
                        self.line.push(b'"');
                    }
                }
            }
        }
        Ok(self)
    }

    /// Appends a sequence set (always valid by construction).
    pub fn sequence_set(&mut self, set: &SequenceSet) -> &mut Self {
        self.line.extend_from_slice(set.to_string().as_bytes());
        self
    }

    /// Appends one `flag` (RFC 9051 §9): a system flag, `\` + atom for an extension flag, or
    /// an atom for a keyword. `\Recent` and `\*` are refused here; [`CommandBuilder::flag_list`]
    /// filters them out instead.
    pub fn flag(&mut self, flag: &Flag) -> Result<&mut Self, EncodeError> {
        match flag {
            Flag::Seen => {
                self.push("\\Seen");
            }
            Flag::Answered => {
                self.push("\\Answered");
            }
            Flag::Flagged => {
                self.push("\\Flagged");
            }
            Flag::Deleted => {
                self.push("\\Deleted");
            }
            Flag::Draft => {
                self.push("\\Draft");
            }
            Flag::Recent | Flag::MayCreate => {
                return Err(EncodeError::InvalidArgument {
                    what: "flag",
                    reason: "\\Recent and \\* cannot be sent by a client (RFC 9051 §2.3.2)",
                });
            }
            Flag::Keyword(name) => {
                let name = bytes_to_atom("flag keyword", name)?;
                self.line.extend_from_slice(name.as_bytes());
            }
            Flag::Extension(name) => {
                let name = bytes_to_atom("flag extension", name)?;
                self.line.push(b'\\');
                self.line.extend_from_slice(name.as_bytes());
            }
        }
        Ok(self)
    }

    /// Appends `flag-list = "(" [flag *(SP flag)] ")"`, silently leaving out `\Recent` and
    /// `\*`, which a client may never send (RFC 3501 §2.3.2).
    pub fn flag_list(&mut self, flags: &[Flag]) -> Result<&mut Self, EncodeError> {
        self.push("(");
        let mut first = true;
        for flag in sendable_flags(flags) {
            if !first {
                self.sp();
            }
            first = false;
            self.flag(flag)?;
        }
        self.push(")");
        Ok(self)
    }

    /// Ends the command with CRLF.
    pub fn finish(mut self) -> EncodedCommand {
        self.line.extend_from_slice(b"\r\n");
        self.fragments.push(Fragment::Line(self.line));
        EncodedCommand {
            fragments: self.fragments,
            sensitive: self.sensitive,
        }
    }
}

/// The flags a client may send: all but `\Recent` and `\*` (RFC 3501 §2.3.2).
pub(crate) fn sendable_flags(flags: &[Flag]) -> impl Iterator<Item = &Flag> {
    flags
        .iter()
        .filter(|f| !matches!(f, Flag::Recent | Flag::MayCreate))
}

/// Checks that a byte string is an atom and returns it as text.
fn bytes_to_atom<'a>(what: &'static str, value: &'a [u8]) -> Result<&'a str, EncodeError> {
    match std::str::from_utf8(value) {
        Ok(text) if is_atom(value) => Ok(text),
        _ => Err(EncodeError::InvalidAtom {
            what,
            value: String::from_utf8_lossy(value).into_owned(),
        }),
    }
}

/// A command with no arguments: `tag NAME CRLF`.
pub(crate) fn simple(
    tag: &str,
    ctx: &EncodeContext,
    name: &'static str,
) -> Result<EncodedCommand, EncodeError> {
    let mut b = CommandBuilder::new(tag, ctx)?;
    b.push(name);
    Ok(b.finish())
}

#[cfg(test)]
pub(crate) mod test_util {
    use super::*;

    /// A context with the given literal support and default other fields.
    pub fn ctx(literals: LiteralSupport) -> EncodeContext {
        EncodeContext {
            literals,
            ..EncodeContext::default()
        }
    }

    /// The concatenated wire bytes as (lossy) text.
    pub fn wire(cmd: &EncodedCommand) -> String {
        String::from_utf8_lossy(&cmd.to_bytes()).into_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::test_util::*;
    use super::*;

    fn one(ctx: &EncodeContext, f: impl FnOnce(&mut CommandBuilder)) -> EncodedCommand {
        let mut b = CommandBuilder::new("A1", ctx).unwrap();
        f(&mut b);
        b.finish()
    }

    #[test]
    fn astring_picks_atom_quoted_or_literal() {
        let ctx = EncodeContext::default();
        let cases: &[(&[u8], &str)] = &[
            (b"INBOX", "A1 INBOX\r\n"),
            (b"a]b", "A1 a]b\r\n"),
            (b"", "A1 \"\"\r\n"),
            (b"two words", "A1 \"two words\"\r\n"),
            (b"q\"b\\s", "A1 \"q\\\"b\\\\s\"\r\n"),
            (b"a%b", "A1 \"a%b\"\r\n"),
            (b"tab\there", "A1 \"tab\there\"\r\n"),
            (b"l1\r\nl2", "A1 {6}\r\nl1\r\nl2\r\n"),
            ("caf\u{e9}".as_bytes(), "A1 {5}\r\ncaf\u{e9}\r\n"),
        ];
        for (value, expected) in cases {
            let cmd = one(&ctx, |b| {
                b.astring("value", value).unwrap();
            });
            assert_eq!(wire(&cmd), *expected);
        }
    }

    #[test]
    fn utf8_mode_quotes_8bit_text() {
        let ctx = EncodeContext {
            utf8: true,
            ..EncodeContext::default()
        };
        let cmd = one(&ctx, |b| {
            b.astring("value", "caf\u{e9}".as_bytes()).unwrap();
        });
        assert_eq!(wire(&cmd), "A1 \"caf\u{e9}\"\r\n");
        // Invalid UTF-8 is never quoted, even in UTF-8 mode.
        let cmd = one(&ctx, |b| {
            b.astring("value", b"\xff").unwrap();
        });
        assert_eq!(cmd.to_bytes(), b"A1 {1}\r\n\xff\r\n");
    }

    #[test]
    fn string_is_never_an_atom() {
        let cmd = one(&EncodeContext::default(), |b| {
            b.string("value", b"abc").unwrap();
            b.sp();
            b.nstring("value", None).unwrap();
            b.sp();
            b.nstring("value", Some(b"NIL")).unwrap();
        });
        assert_eq!(wire(&cmd), "A1 \"abc\" NIL \"NIL\"\r\n");
    }

    #[test]
    fn literal_forms_follow_the_context() {
        let data = |n: usize| Bytes::from(vec![b'x'; n]);
        let header = |literals, n, literal8, binary| {
            let ctx = EncodeContext {
                literals,
                utf8: false,
                binary,
            };
            let cmd = one(&ctx, |b| {
                b.literal("data", data(n), literal8).unwrap();
            });
            match &cmd.fragments()[0] {
                Fragment::Line(line) => String::from_utf8(line.clone()).unwrap(),
                Fragment::Literal { .. } => unreachable!("a command starts with a line"),
            }
        };
        use LiteralSupport::*;
        assert_eq!(header(Sync, 3, false, false), "A1 {3}\r\n");
        assert_eq!(header(NonSync, 5000, false, false), "A1 {5000+}\r\n");
        assert_eq!(
            header(NonSyncUpTo4096, 4096, false, false),
            "A1 {4096+}\r\n"
        );
        assert_eq!(header(NonSyncUpTo4096, 4097, false, false), "A1 {4097}\r\n");
        assert_eq!(header(NonSync, 3, true, true), "A1 ~{3+}\r\n");
        assert_eq!(header(NonSync, 3, true, false), "A1 ~{3}\r\n");
        assert_eq!(header(Sync, 3, true, true), "A1 ~{3}\r\n");
    }

    #[test]
    fn literal_fragments_split_the_line() {
        let cmd = one(&ctx(LiteralSupport::Sync), |b| {
            b.push("LOGIN ");
            b.astring("user", b"a\nb").unwrap();
            b.sp();
            b.astring("password", b"pw").unwrap();
        });
        assert_eq!(
            cmd.fragments(),
            &[
                Fragment::Line(b"A1 LOGIN {3}\r\n".to_vec()),
                Fragment::Literal {
                    data: Bytes::from_static(b"a\nb"),
                    mode: LiteralMode::Sync
                },
                Fragment::Line(b" pw\r\n".to_vec()),
            ]
        );
        assert!(cmd.needs_continuation());
    }

    #[test]
    fn nul_is_refused_in_text_literals() {
        let mut b = CommandBuilder::new("A1", &EncodeContext::default()).unwrap();
        assert_eq!(
            b.astring("password", b"a\0b").unwrap_err(),
            EncodeError::ContainsNul { what: "password" }
        );
    }

    #[test]
    fn wire_mailbox_is_sent_unconverted() {
        let cmd = one(&EncodeContext::default(), |b| {
            b.mailbox_wire("mailbox", b"Entw&APw-rfe").unwrap();
            b.sp();
            b.mailbox_wire("mailbox", b"raw \xe9").unwrap();
        });
        assert_eq!(cmd.to_bytes(), b"A1 Entw&APw-rfe {5}\r\nraw \xe9\r\n");
    }

    #[test]
    fn sensitive_commands_are_redacted_in_debug() {
        let mut b = CommandBuilder::new("A1", &EncodeContext::default()).unwrap();
        b.sensitive().astring("password", b"hunter 2").unwrap();
        let cmd = b.finish();
        assert!(cmd.is_sensitive());
        assert!(!format!("{cmd:?}").contains("hunter"));
        let plain = one(&EncodeContext::default(), |b| {
            b.astring("x", b"visible").unwrap();
        });
        assert!(format!("{plain:?}").contains("visible"));
    }

    #[test]
    fn tags_are_validated() {
        for bad in ["", "A 1", "A+1", "A{1", "A\r\n", "A\u{e9}"] {
            assert!(matches!(
                CommandBuilder::new(bad, &EncodeContext::default()),
                Err(EncodeError::InvalidTag { .. })
            ));
        }
        assert!(CommandBuilder::new("a]1.x", &EncodeContext::default()).is_ok());
    }

    #[test]
    fn mailbox_names_follow_the_utf8_mode() {
        let name = "Entw\u{fc}rfe & Co";
        let cmd = one(&EncodeContext::default(), |b| {
            b.mailbox("mailbox", name).unwrap();
        });
        assert_eq!(wire(&cmd), "A1 \"Entw&APw-rfe &- Co\"\r\n");
        let utf8 = EncodeContext {
            utf8: true,
            ..EncodeContext::default()
        };
        let cmd = one(&utf8, |b| {
            b.mailbox("mailbox", name).unwrap();
        });
        assert_eq!(wire(&cmd), "A1 \"Entw\u{fc}rfe & Co\"\r\n");
        // CR/LF in a modified UTF-7 name is shifted into base64, never sent raw.
        let cmd = one(&EncodeContext::default(), |b| {
            b.mailbox("mailbox", "a\r\nb").unwrap();
        });
        assert_eq!(wire(&cmd), "A1 a&AA0ACg-b\r\n");
        let cmd = one(&utf8, |b| {
            b.mailbox("mailbox", "a\r\nb").unwrap();
        });
        assert_eq!(wire(&cmd), "A1 {4}\r\na\r\nb\r\n");
    }

    #[test]
    fn list_patterns_keep_wildcards_bare() {
        let cmd = one(&EncodeContext::default(), |b| {
            b.list_mailbox("pattern", "Arch%/*").unwrap();
            b.sp();
            b.list_mailbox("pattern", "").unwrap();
        });
        assert_eq!(wire(&cmd), "A1 Arch%/* \"\"\r\n");
    }

    #[test]
    fn raw_text_is_checked_and_8bit_quoted_becomes_a_literal() {
        let cmd = one(&EncodeContext::default(), |b| {
            b.raw_text("criteria", "FROM \"a\\\"b\" (OR SEEN UNSEEN)")
                .unwrap();
        });
        assert_eq!(wire(&cmd), "A1 FROM \"a\\\"b\" (OR SEEN UNSEEN)\r\n");
        let cmd = one(&EncodeContext::default(), |b| {
            b.raw_text("criteria", "SUBJECT \"gr\u{fc}\\\\n\" SEEN")
                .unwrap();
        });
        assert_eq!(wire(&cmd), "A1 SUBJECT {6}\r\ngr\u{fc}\\n SEEN\r\n");
        let utf8 = EncodeContext {
            utf8: true,
            ..EncodeContext::default()
        };
        let cmd = one(&utf8, |b| {
            b.raw_text("criteria", "SUBJECT \"gr\u{fc}\"").unwrap();
        });
        assert_eq!(wire(&cmd), "A1 SUBJECT \"gr\u{fc}\"\r\n");
    }

    #[test]
    fn raw_text_refusals() {
        for bad in [
            "SEEN\r\nA2 LOGOUT",
            "FROM \"a\nb\"",
            "FROM \"a\0\"",
            "TEXT {5}",
            "FROM \"abc",
            "(SEEN",
            "SEEN)",
            "FROM caf\u{e9}",
            "FROM \"a\\b\"",
            "SEEN\t",
        ] {
            let mut b = CommandBuilder::new("A1", &EncodeContext::default()).unwrap();
            assert!(
                matches!(
                    b.raw_text("criteria", bad),
                    Err(EncodeError::UnsafeRawText { .. })
                ),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn flags_encode_and_invalid_keywords_are_refused() {
        let flags = [
            Flag::Seen,
            Flag::Recent,
            Flag::keyword("$Junk"),
            Flag::MayCreate,
            Flag::Extension(Bytes::from_static(b"X-Ext")),
        ];
        let cmd = one(&EncodeContext::default(), |b| {
            b.flag_list(&flags).unwrap();
        });
        assert_eq!(wire(&cmd), "A1 (\\Seen $Junk \\X-Ext)\r\n");
        for bad in ["", "a b", "a]", "a\r\n", "x(y"] {
            let mut b = CommandBuilder::new("A1", &EncodeContext::default()).unwrap();
            assert!(matches!(
                b.flag(&Flag::keyword(bad.to_owned())),
                Err(EncodeError::InvalidAtom { .. })
            ));
        }
    }

    #[test]
    fn context_from_capabilities() {
        let caps = |list: &[&str]| list.iter().map(|&c| Capability::new(c)).collect::<Vec<_>>();
        let plus = caps(&["IMAP4rev1", "LITERAL+", "BINARY"]);
        let ctx = EncodeContext::from_capabilities(&plus, false, false);
        assert_eq!(ctx.literals, LiteralSupport::NonSync);
        assert!(ctx.binary && !ctx.utf8);
        let ctx = EncodeContext::from_capabilities(&caps(&["IMAP4rev2"]), true, false);
        assert_eq!(ctx.literals, LiteralSupport::NonSyncUpTo4096);
        assert!(ctx.utf8 && !ctx.binary);
        // Both revisions advertised, IMAP4rev2 not enabled: IMAP4rev1 rules.
        let both = caps(&["IMAP4rev1", "IMAP4rev2"]);
        assert_eq!(
            EncodeContext::from_capabilities(&both, false, false),
            EncodeContext::default()
        );
        let ctx = EncodeContext::from_capabilities(&both, false, true);
        assert!(ctx.utf8);
        assert_eq!(ctx.literals, LiteralSupport::Sync);
        let minus = caps(&["IMAP4rev1", "literal-"]);
        let ctx = EncodeContext::from_capabilities(&minus, false, false);
        assert_eq!(ctx.literals, LiteralSupport::NonSyncUpTo4096);
    }
}
