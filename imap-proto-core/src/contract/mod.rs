//! The op contract (ARCHITECTURE §4): what an [`Op`] is and what it may do while the
//! connection runs it ([`OpContext`], [`Step`], [`Effect`], [`Claims`]), with the session
//! state it reads ([`session`]) and the commands it queues.
//!
//! Both sides depend on this module and not on each other: the ops (`ops/`) implement the
//! contract, the connection (`conn/`) runs it (docs/design.md, "Module layering").

// Collectors hand unclaimed `Untagged` data back by value in the `Err` arm; boxing it
// would cost an allocation for every response that passes through.
#![allow(clippy::result_large_err)]

use std::any::Any;

use crate::encode::{EncodeContext, EncodedCommand, EncodeError, Fragment};
use crate::types::{
    Capability, Continuation, MessageAttribute, SelectedMailbox, StreamPart, Tagged, Untagged,
};
use crate::upgrade::TlsSetup;
use crate::{Error, ProtocolViolation};

mod command_queue;
pub mod session;

pub use command_queue::{QueuedCommand, TagGenerator};
use session::Session;

/// What an op asks the connection to do to the session. Applied in one place,
/// [`crate::Connection`]'s effect handler, right after the op callback that produced it.
#[derive(Debug)]
#[non_exhaustive]
pub enum Effect {
    /// SELECT/EXAMINE sent: the previous mailbox is deselected at once (RFC 9051 §6.3.2) and
    /// untagged data now describes the new one.
    BeginSelect(SelectedMailbox),
    /// SELECT/EXAMINE completed OK.
    SelectDone,
    /// SELECT/EXAMINE failed, or CLOSE/UNSELECT completed: back to Authenticated.
    Deselect,
    /// LOGIN/AUTHENTICATE completed OK.
    Authenticated,
    /// ENABLE completed: these extensions are now on.
    Enabled(Vec<Capability>),
    /// UNAUTHENTICATE completed: per-user state is gone (RFC 8437 §2).
    Unauthenticated,
    /// Capabilities must be forgotten (after STARTTLS, RFC 9051 §6.2.1).
    ForgetCapabilities,
    /// LOGOUT completed.
    Logout,
    /// NOTIFY SET (true) or NOTIFY NONE (false) completed.
    Notify(bool),
    /// STARTTLS completed OK: switch to TLS now, before any further byte is read.
    StartTls(TlsSetup),
    /// COMPRESS completed OK: switch to DEFLATE now, before any further byte is read.
    Compress,
}

/// The kinds of untagged data an op takes while in flight (see [`Claims`]).
pub mod kind {
    /// `* LIST` / `* LSUB`.
    pub const LIST: u32 = 1 << 0;
    /// `* STATUS`.
    pub const STATUS: u32 = 1 << 1;
    /// `* n FETCH`.
    pub const FETCH: u32 = 1 << 2;
    /// `* SEARCH`, `* ESEARCH`, `* SORT`, `* THREAD`.
    pub const SEARCH: u32 = 1 << 3;
    /// `* NAMESPACE`.
    pub const NAMESPACE: u32 = 1 << 4;
    /// `* QUOTA` / `* QUOTAROOT`.
    pub const QUOTA: u32 = 1 << 5;
    /// `* ACL`.
    pub const ACL: u32 = 1 << 6;
    /// `* LISTRIGHTS`.
    pub const LISTRIGHTS: u32 = 1 << 7;
    /// `* MYRIGHTS`.
    pub const MYRIGHTS: u32 = 1 << 8;
    /// `* METADATA`.
    pub const METADATA: u32 = 1 << 9;

    /// The kind of an untagged response by its keyword (any case); 0 for a keyword no op
    /// claims. Used to find the op an unparseable response belonged to.
    pub fn of_keyword(keyword: &[u8]) -> u32 {
        let is = |name: &str| keyword.eq_ignore_ascii_case(name.as_bytes());
        match () {
            _ if is("LIST") || is("LSUB") => LIST,
            _ if is("STATUS") => STATUS,
            _ if is("FETCH") => FETCH,
            _ if is("SEARCH") || is("ESEARCH") || is("SORT") || is("THREAD") => SEARCH,
            _ if is("NAMESPACE") => NAMESPACE,
            _ if is("QUOTA") || is("QUOTAROOT") => QUOTA,
            _ if is("ACL") => ACL,
            _ if is("LISTRIGHTS") => LISTRIGHTS,
            _ if is("MYRIGHTS") => MYRIGHTS,
            _ if is("METADATA") => METADATA,
            _ => 0,
        }
    }
}

/// Which untagged responses a pipelinable op takes, so that the connection never runs two
/// ops at once that could take each other's data (RFC 9051 §5.5: the client must not
/// pipeline commands whose responses it cannot tell apart).
///
/// `* STATUS` names its mailbox and `* FETCH` its message, so ops taking them pick out their
/// own ([`Claims::attributed`]) and several can run together. `* LIST` or `* SEARCH` carry
/// nothing that says which command they answer ([`Claims::exclusive`]): an op taking them
/// runs alone among the ops taking the same kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Claims {
    kinds: u32,
    exclusive: bool,
}

impl Claims {
    /// Takes no untagged data (NOOP).
    pub const NONE: Claims = Claims {
        kinds: 0,
        exclusive: false,
    };

    /// Takes responses of these [`kind`]s that it can attribute to itself.
    pub const fn attributed(kinds: u32) -> Self {
        Claims {
            kinds,
            exclusive: false,
        }
    }

    /// Takes every response of these [`kind`]s while in flight.
    pub const fn exclusive(kinds: u32) -> Self {
        Claims {
            kinds,
            exclusive: true,
        }
    }

    /// True if the op takes untagged responses of any of these [`kind`]s.
    pub fn takes(self, kinds: u32) -> bool {
        self.kinds & kinds != 0
    }

    /// True if the two ops must not be in flight together.
    pub fn conflicts_with(self, other: Claims) -> bool {
        self.kinds & other.kinds != 0 && (self.exclusive || other.exclusive)
    }
}

/// What an op callback can do: read the session, send commands, request effects.
pub struct OpContext<'a> {
    pub(crate) session: &'a Session,
    pub(crate) commands: &'a mut Vec<QueuedCommand>,
    pub(crate) tags: &'a mut TagGenerator,
    pub(crate) effects: &'a mut Vec<Effect>,
    pub(crate) current_tag: &'a mut String,
    /// [`crate::Config::max_queued_events`], for ops that collect events (IDLE).
    pub(crate) event_limit: usize,
}

impl OpContext<'_> {
    /// The session as it is now.
    pub fn session(&self) -> &Session {
        self.session
    }

    /// The encoding rules in force (literal forms, UTF-8 mode, BINARY).
    pub fn encode_context(&self) -> EncodeContext {
        EncodeContext::from_capabilities(
            self.session.capabilities(),
            self.session.is_rev2(),
            self.session.utf8_mode(),
        )
    }

    /// Encodes and queues one command under a fresh tag; the op's next tagged completion is
    /// this command's.
    pub fn send(
        &mut self,
        encode: impl FnOnce(&str, &EncodeContext) -> Result<EncodedCommand, EncodeError>,
    ) -> Result<(), Error> {
        let tag = self.tags.upcoming();
        let command = encode(&tag, &self.encode_context())?;
        self.tags.next_tag();
        self.commands.push(QueuedCommand {
            tag: Some(tag.clone()),
            sensitive: command.is_sensitive(),
            fragments: command.into_fragments(),
        });
        *self.current_tag = tag;
        Ok(())
    }

    /// Queues raw bytes that are not a tagged command (IDLE's `DONE`, SASL responses).
    pub fn send_raw_line(&mut self, line: Vec<u8>) {
        self.commands.push(QueuedCommand {
            tag: None,
            fragments: vec![Fragment::Line(line)],
            sensitive: false,
        });
    }

    /// The most events an op that collects them (IDLE) keeps: the connection's own event
    /// queue limit, [`crate::Config::max_queued_events`], so a server flooding a long
    /// command cannot grow it without bound either.
    pub fn event_limit(&self) -> usize {
        self.event_limit
    }

    /// Requests a session effect.
    pub fn effect(&mut self, effect: Effect) {
        self.effects.push(effect);
    }
}

/// What an op does after a tagged completion.
///
/// Exhaustive on purpose: an op either finishes or waits for its next command's completion;
/// the connection's run loop must handle both and nothing else.
pub enum Step<T> {
    /// The op is finished with this result.
    Done(Result<T, Error>),
    /// The op sent another command and waits for its completion.
    Continue,
}

/// One public operation.
pub trait Op: Send + 'static {
    /// The typed result.
    type Output: Send + 'static;

    /// Checks state and capabilities before anything is sent: returns
    /// [`Error::WrongState`], [`Error::Precondition`] or [`Error::MissingCapability`] exactly
    /// where the reference says so.
    fn check(&self, session: &Session) -> Result<(), Error>;

    /// True if the op may run concurrently with other pipelinable ops (RFC 9051 §5.5).
    fn pipelinable(&self) -> bool {
        false
    }

    /// The untagged data a pipelinable op takes: ops whose claims conflict run one after
    /// the other even when both are pipelinable.
    fn claims(&self) -> Claims {
        Claims::NONE
    }

    /// Sends the first command.
    fn start(&mut self, ctx: &mut OpContext<'_>) -> Result<(), Error>;

    /// Offered every untagged response while the op is in flight (oldest op first). Return
    /// `Some(data)` to pass it on; it then updates nothing more and becomes an event.
    fn on_untagged(&mut self, data: Untagged, _session: &Session) -> Option<Untagged> {
        Some(data)
    }

    /// A `+` continuation the core's literal handling did not consume (SASL, IDLE).
    fn on_continuation(
        &mut self,
        _continuation: Continuation,
        _ctx: &mut OpContext<'_>,
    ) -> Result<(), Error> {
        Err(ProtocolViolation::UnexpectedContinuation.into())
    }

    /// A streamed part of a large FETCH literal. Return `false` to leave it unclaimed.
    fn on_stream(&mut self, _part: &StreamPart) -> bool {
        false
    }

    /// True if the op keeps the streamed literals it takes whole (a buffered FETCH). The
    /// connection then refuses a literal announced above
    /// [`crate::Limits::max_literal_size`], as it would had the literal not been streamed.
    fn buffers_streamed_literals(&self) -> bool {
        false
    }

    /// Asked before a streamed FETCH response is offered with [`Op::on_stream`]: true if
    /// the response (its sequence number and the attributes before the literal) may answer
    /// this op, so that pipelined FETCHes each get their own messages.
    fn wants_stream(
        &self,
        _seq: u32,
        _before: &[MessageAttribute],
        _session: &Session,
    ) -> bool {
        true
    }

    /// True while the op negotiates the stream itself (STARTTLS, COMPRESS, AUTHENTICATE):
    /// a response that fails the grammar then ends the connection rather than costing only
    /// itself, since the bytes around it decide what the stream becomes.
    fn negotiates(&self) -> bool {
        false
    }

    /// True for the op that asked the server to end the session (LOGOUT): a `* BYE` then
    /// is its answer, not the end of every other op.
    fn awaits_bye(&self) -> bool {
        false
    }

    /// The tagged completion of the op's current command.
    fn on_tagged(&mut self, tagged: Tagged, ctx: &mut OpContext<'_>) -> Step<Self::Output>;

    /// The driver asks the op to wrap up (IDLE's `DONE`); most ops ignore it.
    fn on_interrupt(&mut self, _ctx: &mut OpContext<'_>) -> Result<(), Error> {
        Ok(())
    }
}

/// The type-erased form the connection stores.
pub(crate) trait ErasedOp: Send {
    fn check(&self, session: &Session) -> Result<(), Error>;
    fn pipelinable(&self) -> bool;
    fn claims(&self) -> Claims;
    fn start(&mut self, ctx: &mut OpContext<'_>) -> Result<(), Error>;
    fn on_untagged(&mut self, data: Untagged, session: &Session) -> Option<Untagged>;
    fn on_continuation(&mut self, c: Continuation, ctx: &mut OpContext<'_>) -> Result<(), Error>;
    fn on_stream(&mut self, part: &StreamPart) -> bool;
    fn buffers_streamed_literals(&self) -> bool;
    fn wants_stream(
        &self,
        seq: u32,
        before: &[MessageAttribute],
        session: &Session,
    ) -> bool;
    fn on_interrupt(&mut self, ctx: &mut OpContext<'_>) -> Result<(), Error>;
    fn negotiates(&self) -> bool;
    fn awaits_bye(&self) -> bool;
    fn on_tagged(&mut self, tagged: Tagged, ctx: &mut OpContext<'_>) -> Step<Box<dyn Any + Send>>;
    fn as_any_mut(&mut self) -> &mut dyn Any;
}

impl<O: Op> ErasedOp for O {
    fn check(&self, session: &Session) -> Result<(), Error> {
        Op::check(self, session)
    }
    fn pipelinable(&self) -> bool {
        Op::pipelinable(self)
    }
    fn claims(&self) -> Claims {
        Op::claims(self)
    }
    fn start(&mut self, ctx: &mut OpContext<'_>) -> Result<(), Error> {
        Op::start(self, ctx)
    }
    fn on_untagged(&mut self, data: Untagged, session: &Session) -> Option<Untagged> {
        Op::on_untagged(self, data, session)
    }
    fn on_continuation(&mut self, c: Continuation, ctx: &mut OpContext<'_>) -> Result<(), Error> {
        Op::on_continuation(self, c, ctx)
    }
    fn on_stream(&mut self, part: &StreamPart) -> bool {
        Op::on_stream(self, part)
    }
    fn buffers_streamed_literals(&self) -> bool {
        Op::buffers_streamed_literals(self)
    }
    fn wants_stream(
        &self,
        seq: u32,
        before: &[MessageAttribute],
        session: &Session,
    ) -> bool {
        Op::wants_stream(self, seq, before, session)
    }
    fn on_interrupt(&mut self, ctx: &mut OpContext<'_>) -> Result<(), Error> {
        Op::on_interrupt(self, ctx)
    }
    fn negotiates(&self) -> bool {
        Op::negotiates(self)
    }
    fn awaits_bye(&self) -> bool {
        Op::awaits_bye(self)
    }
    fn on_tagged(&mut self, tagged: Tagged, ctx: &mut OpContext<'_>) -> Step<Box<dyn Any + Send>> {
        match Op::on_tagged(self, tagged, ctx) {
            Step::Done(result) => Step::Done(result.map(|v| Box::new(v) as Box<dyn Any + Send>)),
            Step::Continue => Step::Continue,
        }
    }
    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
}
