//! The common shape of most ops: check a gate, send one command, collect the untagged data
//! that belongs to it, and build the result from the tagged OK. Each family file then only
//! says which command, which gate and which collector.

use crate::Error;
use crate::contract::session::{Session, SessionState};
use crate::encode::{EncodeContext, EncodeError, EncodedCommand};
use crate::types::{Tagged, Untagged};

use super::{Claims, Op, OpContext, Step, ok_or_error, require_state};

/// Which capability a command needs.
#[derive(Debug, Clone)]
pub enum CapabilityGate {
    /// None.
    None,
    /// This capability must be advertised.
    Required(&'static str),
    /// This capability, or an IMAP4rev2 session (extensions folded into RFC 9051).
    RequiredOrRev2(&'static str),
    /// Any one of these.
    AnyOf(&'static [&'static str]),
    /// A capability known only at run time (e.g. `THREAD=REFERENCES`).
    Named(String),
    /// All of these, unless the session is IMAP4rev2, which includes them.
    AllOrRev2(Vec<&'static str>),
}

/// The state and capability requirements of a command, checked before anything is sent.
#[derive(Debug, Clone)]
pub struct Gate {
    /// The command name, for error messages.
    pub command: &'static str,
    /// The states the command is valid in.
    pub states: &'static [SessionState],
    /// The capability it needs.
    pub capability: CapabilityGate,
}

impl Gate {
    /// Checks the gate against the session.
    pub fn check(&self, session: &Session) -> Result<(), Error> {
        require_state(session, self.states, self.command)?;
        match &self.capability {
            CapabilityGate::None => Ok(()),
            CapabilityGate::Required(cap) => super::require_capability(session, cap),
            CapabilityGate::RequiredOrRev2(cap) => super::require_capability_or_rev2(session, cap),
            CapabilityGate::Named(cap) => super::require_capability(session, cap),
            CapabilityGate::AllOrRev2(caps) => {
                if session.is_rev2() {
                    return Ok(());
                }
                caps.iter()
                    .try_for_each(|cap| super::require_capability(session, cap))
            }
            CapabilityGate::AnyOf(caps) => {
                if caps.iter().any(|c| session.has_capability(c)) {
                    Ok(())
                } else {
                    Err(Error::MissingCapability(caps[0].into()))
                }
            }
        }
    }
}

/// Gathers a command's untagged data and builds its result.
pub trait Collect: Send + 'static {
    /// The result type.
    type Output: Send + 'static;

    /// Offered each untagged response; return it if it is not this command's.
    fn offer(&mut self, data: Untagged, _session: &Session) -> Option<Untagged> {
        Some(data)
    }

    /// Builds the result from the tagged OK (NO/BAD never reach here).
    fn finish(self, tagged: Tagged, ctx: &mut OpContext<'_>) -> Result<Self::Output, Error>;

    /// Called when the command failed (tagged NO/BAD), to request effects such as leaving
    /// the Selected state.
    fn failed(&mut self, _ctx: &mut OpContext<'_>) {}
}

/// A collector that claims nothing and returns `()`.
pub struct Nothing;

impl Collect for Nothing {
    type Output = ();
    fn finish(self, _tagged: Tagged, _ctx: &mut OpContext<'_>) -> Result<(), Error> {
        Ok(())
    }
}

/// A collector from a closure over the tagged response (no untagged data claimed).
pub struct FromTagged<F>(F);

/// Builds a [`FromTagged`] collector.
pub fn from_tagged<T, F>(finish: F) -> FromTagged<F>
where
    F: FnOnce(Tagged, &mut OpContext<'_>) -> Result<T, Error>,
{
    FromTagged(finish)
}

impl<T, F> Collect for FromTagged<F>
where
    T: Send + 'static,
    F: FnOnce(Tagged, &mut OpContext<'_>) -> Result<T, Error> + Send + 'static,
{
    type Output = T;
    fn finish(self, tagged: Tagged, ctx: &mut OpContext<'_>) -> Result<T, Error> {
        (self.0)(tagged, ctx)
    }
}

/// A collector that claims the untagged responses `pick` accepts, in order.
pub struct Gather<T, P, F> {
    items: Vec<T>,
    pick: P,
    finish: F,
}

impl<T, P, F> Gather<T, P, F> {
    /// Claims what `pick` maps to `Ok(item)`; `finish` builds the result from the items.
    pub fn new<O>(pick: P, finish: F) -> Self
    where
        P: FnMut(Untagged) -> Result<T, Untagged>,
        F: FnOnce(Vec<T>, Tagged, &mut OpContext<'_>) -> Result<O, Error>,
    {
        Gather {
            items: Vec::new(),
            pick,
            finish,
        }
    }
}

impl<T, O, P, F> Collect for Gather<T, P, F>
where
    T: Send + 'static,
    O: Send + 'static,
    P: FnMut(Untagged) -> Result<T, Untagged> + Send + 'static,
    F: FnOnce(Vec<T>, Tagged, &mut OpContext<'_>) -> Result<O, Error> + Send + 'static,
{
    type Output = O;
    fn offer(&mut self, data: Untagged, _session: &Session) -> Option<Untagged> {
        match (self.pick)(data) {
            Ok(item) => {
                self.items.push(item);
                None
            }
            Err(data) => Some(data),
        }
    }
    fn finish(self, tagged: Tagged, ctx: &mut OpContext<'_>) -> Result<O, Error> {
        (self.finish)(self.items, tagged, ctx)
    }
}

/// The boxed encoder of a command's line.
pub type Encoder =
    Box<dyn FnOnce(&str, &EncodeContext) -> Result<EncodedCommand, EncodeError> + Send>;

/// One command with a gate and a collector.
pub struct Command<C> {
    gate: Gate,
    pipelinable: bool,
    claims: Claims,
    encode: Option<Encoder>,
    collect: Option<C>,
}

impl<C: Collect> Command<C> {
    /// A command that runs alone.
    pub fn new(
        gate: Gate,
        encode: impl FnOnce(&str, &EncodeContext) -> Result<EncodedCommand, EncodeError>
        + Send
        + 'static,
        collect: C,
    ) -> Self {
        Command {
            gate,
            pipelinable: false,
            claims: Claims::NONE,
            encode: Some(Box::new(encode)),
            collect: Some(collect),
        }
    }

    /// Marks the command safe to pipeline with others (RFC 9051 §5.5). It takes no
    /// untagged data; see [`Command::pipelinable_claiming`] for one that does.
    pub fn pipelinable(mut self) -> Self {
        self.pipelinable = true;
        self
    }

    /// Marks the command safe to pipeline with other ops whose [`Claims`] do not conflict
    /// with `claims`.
    pub fn pipelinable_claiming(mut self, claims: Claims) -> Self {
        self.pipelinable = true;
        self.claims = claims;
        self
    }
}

impl<C: Collect> Op for Command<C> {
    type Output = C::Output;

    fn check(&self, session: &Session) -> Result<(), Error> {
        self.gate.check(session)
    }

    fn pipelinable(&self) -> bool {
        self.pipelinable
    }

    fn claims(&self) -> Claims {
        self.claims
    }

    fn start(&mut self, ctx: &mut OpContext<'_>) -> Result<(), Error> {
        let encode = self
            .encode
            .take()
            .ok_or(Error::Internal("command started twice"))?;
        ctx.send(encode)
    }

    fn on_untagged(&mut self, data: Untagged, session: &Session) -> Option<Untagged> {
        match self.collect.as_mut() {
            Some(collect) => collect.offer(data, session),
            None => Some(data),
        }
    }

    fn on_tagged(&mut self, tagged: Tagged, ctx: &mut OpContext<'_>) -> Step<C::Output> {
        let Some(mut collect) = self.collect.take() else {
            return Step::Done(Err(Error::Internal("command completed twice")));
        };
        match ok_or_error(tagged) {
            Ok(tagged) => Step::Done(collect.finish(tagged, ctx)),
            Err(e) => {
                collect.failed(ctx);
                Step::Done(Err(e))
            }
        }
    }
}
