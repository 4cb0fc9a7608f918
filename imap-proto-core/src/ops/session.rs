//! Any-state and session commands: NOOP, CHECK, CAPABILITY, LOGOUT, ID, ENABLE, NAMESPACE,
//! UNAUTHENTICATE (RFC 9051 §6.1, §6.3.1, §6.3.11; RFC 2971; RFC 5161; RFC 8437).

use crate::contract::session::{Session, SessionState};
use crate::encode;
use crate::types::{Capability, NamespaceResponse, StatusKind, Tagged, Untagged};
use crate::{Error, Precondition, ProtocolViolation};

use super::command::{CapabilityGate, Collect, Command, Gate, Gather, Nothing, from_tagged};
use super::{
    ANY_LIVE, AUTHENTICATED_OR_SELECTED, Claims, Effect, Op, OpContext, SELECTED, Step, kind,
    ok_or_error,
};

/// NOOP (RFC 9051 §6.1.2): valid in any state but Logout.
pub fn noop() -> impl Op<Output = ()> + use<> {
    Command::new(
        Gate {
            command: "NOOP",
            states: ANY_LIVE,
            capability: CapabilityGate::None,
        },
        encode::session::noop,
        Nothing,
    )
    .pipelinable()
}

/// The CHECK op: IMAP4rev1 only (RFC 3501 §6.4.1; removed by RFC 9051).
pub struct Check(Command<Nothing>);

/// CHECK (RFC 3501 §6.4.1). On an IMAP4rev2 session this is refused with
/// [`crate::Precondition::RemovedInRev2`]: use NOOP instead.
pub fn check() -> Check {
    Check(Command::new(
        Gate {
            command: "CHECK",
            states: SELECTED,
            capability: CapabilityGate::None,
        },
        encode::message::check,
        Nothing,
    ))
}

impl Op for Check {
    type Output = ();
    fn check(&self, session: &Session) -> Result<(), Error> {
        if session.is_rev2() {
            return Err(Precondition::RemovedInRev2.into());
        }
        self.0.check(session)
    }
    fn start(&mut self, ctx: &mut OpContext<'_>) -> Result<(), Error> {
        self.0.start(ctx)
    }
    fn on_tagged(&mut self, tagged: Tagged, ctx: &mut OpContext<'_>) -> Step<()> {
        self.0.on_tagged(tagged, ctx)
    }
}

/// Collects `* CAPABILITY` (the session applies it too).
pub(crate) struct CapabilityCollector(Option<Vec<Capability>>);

impl Collect for CapabilityCollector {
    type Output = Vec<Capability>;
    fn offer(&mut self, data: Untagged, _session: &Session) -> Option<Untagged> {
        match data {
            Untagged::Capability(caps) => {
                self.0 = Some(caps);
                None
            }
            other => Some(other),
        }
    }
    fn finish(self, tagged: Tagged, ctx: &mut OpContext<'_>) -> Result<Vec<Capability>, Error> {
        match (self.0, tagged.status.code) {
            (Some(caps), _) => Ok(caps),
            (None, Some(crate::types::ResponseCode::Capability(caps))) => Ok(caps),
            (None, _) => Ok(ctx.session().capabilities().to_vec()),
        }
    }
}

/// CAPABILITY (RFC 9051 §6.1.1): always a round trip; updates the cached list.
pub fn capability() -> impl Op<Output = Vec<Capability>> + use<> {
    Command::new(
        Gate {
            command: "CAPABILITY",
            states: ANY_LIVE,
            capability: CapabilityGate::None,
        },
        encode::session::capability,
        CapabilityCollector(None),
    )
}

/// The LOGOUT op: the server MUST send `* BYE` and then the tagged OK (RFC 9051 §6.1.3).
#[derive(Default)]
pub struct Logout {
    saw_bye: bool,
}

/// LOGOUT (RFC 9051 §6.1.3).
pub fn logout() -> Logout {
    Logout::default()
}

impl Op for Logout {
    type Output = ();
    fn check(&self, session: &Session) -> Result<(), Error> {
        super::require_state(session, ANY_LIVE, "LOGOUT")
    }
    fn start(&mut self, ctx: &mut OpContext<'_>) -> Result<(), Error> {
        ctx.send(encode::session::logout)
    }
    fn awaits_bye(&self) -> bool {
        true
    }
    fn on_untagged(&mut self, data: Untagged, _session: &Session) -> Option<Untagged> {
        match data {
            Untagged::Status(status) if status.kind == StatusKind::Bye => {
                self.saw_bye = true;
                None
            }
            other => Some(other),
        }
    }
    fn on_tagged(&mut self, tagged: Tagged, ctx: &mut OpContext<'_>) -> Step<()> {
        let result = ok_or_error(tagged).and_then(|_| {
            if self.saw_bye {
                Ok(())
            } else {
                Err(ProtocolViolation::LogoutWithoutBye.into())
            }
        });
        ctx.effect(Effect::Logout);
        Step::Done(result)
    }
}

/// The field/value pairs of an ID response.
type IdParams = Vec<(bytes::Bytes, Option<bytes::Bytes>)>;

/// ID (RFC 2971 §3.1): valid in any state. A `None` value is sent as NIL.
pub fn id(
    params: &[(&str, Option<&str>)],
) -> impl Op<Output = Vec<(String, Option<String>)>> + use<> {
    let params: Vec<(String, Option<String>)> = params
        .iter()
        .map(|(k, v)| (k.to_string(), v.map(str::to_string)))
        .collect();
    Command::new(
        Gate {
            command: "ID",
            states: ANY_LIVE,
            capability: CapabilityGate::None,
        },
        move |tag, enc| {
            let borrowed: Vec<(&str, Option<&str>)> = params
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_deref()))
                .collect();
            encode::session::id(tag, enc, &borrowed)
        },
        Gather::new(
            |data| match data {
                Untagged::Id(params) => Ok(params),
                other => Err(other),
            },
            |found: Vec<Option<IdParams>>, _tagged, _ctx| {
                let lossy = |b: &bytes::Bytes| String::from_utf8_lossy(b).into_owned();
                Ok(found
                    .into_iter()
                    .flatten()
                    .flatten()
                    .map(|(k, v)| (lossy(&k), v.as_ref().map(lossy)))
                    .collect())
            },
        ),
    )
}

/// ENABLE is offered by `ENABLE` (RFC 5161) and by any server that advertises IMAP4rev2,
/// even next to IMAP4rev1: ENABLE is part of IMAP4rev2 and `ENABLE IMAP4rev2` is how a
/// client switches such a server to it (RFC 9051 §6.3.1).
const ENABLE_CAPABILITIES: &[&str] = &["ENABLE", "IMAP4rev2"];

/// The ENABLE op (RFC 5161 §3): valid only in Authenticated; ENABLE in Selected is refused
/// with [`Error::WrongState`] (RFC 5161 §2).
pub fn enable(capabilities: &[&str]) -> impl Op<Output = Vec<String>> + use<> {
    let wanted: Vec<String> = capabilities.iter().map(|c| c.to_string()).collect();
    Command::new(
        Gate {
            command: "ENABLE",
            states: &[SessionState::Authenticated],
            capability: CapabilityGate::AnyOf(ENABLE_CAPABILITIES),
        },
        move |tag, enc| {
            let borrowed: Vec<&str> = wanted.iter().map(String::as_str).collect();
            encode::session::enable(tag, enc, &borrowed)
        },
        Gather::new(
            |data| match data {
                Untagged::Enabled(caps) => Ok(caps),
                other => Err(other),
            },
            |found: Vec<Vec<Capability>>, _tagged, ctx: &mut OpContext<'_>| {
                let enabled: Vec<Capability> = found.into_iter().flatten().collect();
                ctx.effect(Effect::Enabled(enabled.clone()));
                Ok(enabled.iter().map(|c| c.as_str().to_string()).collect())
            },
        ),
    )
}

/// The ENABLE UTF8=ACCEPT convenience (RFC 6855 §3): true if the server confirmed it.
pub fn enable_utf8() -> impl Op<Output = bool> + use<> {
    Command::new(
        Gate {
            command: "ENABLE",
            states: &[SessionState::Authenticated],
            capability: CapabilityGate::AnyOf(ENABLE_CAPABILITIES),
        },
        |tag, enc| encode::session::enable(tag, enc, &["UTF8=ACCEPT"]),
        Gather::new(
            |data| match data {
                Untagged::Enabled(caps) => Ok(caps),
                other => Err(other),
            },
            |found: Vec<Vec<Capability>>, _tagged, ctx: &mut OpContext<'_>| {
                let enabled: Vec<Capability> = found.into_iter().flatten().collect();
                let confirmed = enabled.iter().any(|c| c.is("UTF8=ACCEPT"));
                ctx.effect(Effect::Enabled(enabled));
                Ok(confirmed)
            },
        ),
    )
}

/// NAMESPACE (RFC 2342 §4; part of IMAP4rev2, RFC 9051 §6.3.11).
pub fn namespace() -> impl Op<Output = NamespaceResponse> + use<> {
    Command::new(
        Gate {
            command: "NAMESPACE",
            states: AUTHENTICATED_OR_SELECTED,
            capability: CapabilityGate::RequiredOrRev2("NAMESPACE"),
        },
        encode::session::namespace,
        Gather::new(
            |data| match data {
                Untagged::Namespace(ns) => Ok(ns),
                other => Err(other),
            },
            |found: Vec<NamespaceResponse>, _tagged, _ctx| {
                found
                    .into_iter()
                    .last()
                    .ok_or(ProtocolViolation::MissingData("NAMESPACE").into())
            },
        ),
    )
    .detach_output()
    .pipelinable_claiming(Claims::exclusive(kind::NAMESPACE))
}

/// Wraps an op so that, after it succeeds, the capabilities are fetched again when the
/// completion did not carry them (after LOGIN/AUTHENTICATE), or always (after STARTTLS and
/// UNAUTHENTICATE, whose capabilities differ, RFC 9051 §6.2.1, RFC 8437 §2).
pub struct ThenRefreshCapabilities<O: Op> {
    inner: O,
    always: bool,
    saw_capabilities: bool,
    held: Option<O::Output>,
}

impl<O: Op> ThenRefreshCapabilities<O> {
    /// Refreshes only if the server did not send capabilities with the completion.
    pub fn if_missing(inner: O) -> Self {
        ThenRefreshCapabilities {
            inner,
            always: false,
            saw_capabilities: false,
            held: None,
        }
    }

    /// Always refreshes.
    pub fn always(inner: O) -> Self {
        ThenRefreshCapabilities {
            always: true,
            ..Self::if_missing(inner)
        }
    }
}

impl<O: Op> Op for ThenRefreshCapabilities<O> {
    type Output = O::Output;
    fn check(&self, session: &Session) -> Result<(), Error> {
        self.inner.check(session)
    }
    fn start(&mut self, ctx: &mut OpContext<'_>) -> Result<(), Error> {
        self.inner.start(ctx)
    }
    fn negotiates(&self) -> bool {
        self.inner.negotiates()
    }
    fn on_untagged(&mut self, data: Untagged, session: &Session) -> Option<Untagged> {
        if self.held.is_some() {
            return match data {
                Untagged::Capability(_) => None,
                other => Some(other),
            };
        }
        if matches!(&data, Untagged::Capability(_))
            || matches!(&data, Untagged::Status(s)
                if matches!(s.code, Some(crate::types::ResponseCode::Capability(_))))
        {
            self.saw_capabilities = true;
        }
        self.inner.on_untagged(data, session)
    }
    fn on_continuation(
        &mut self,
        continuation: crate::types::Continuation,
        ctx: &mut OpContext<'_>,
    ) -> Result<(), Error> {
        self.inner.on_continuation(continuation, ctx)
    }
    fn on_tagged(&mut self, tagged: Tagged, ctx: &mut OpContext<'_>) -> Step<O::Output> {
        if let Some(held) = self.held.take() {
            return Step::Done(ok_or_error(tagged).map(|_| held));
        }
        let carried = matches!(
            tagged.status.code,
            Some(crate::types::ResponseCode::Capability(_))
        );
        match self.inner.on_tagged(tagged, ctx) {
            Step::Continue => Step::Continue,
            Step::Done(Err(e)) => Step::Done(Err(e)),
            Step::Done(Ok(value)) => {
                if !self.always && (carried || self.saw_capabilities) {
                    return Step::Done(Ok(value));
                }
                if let Err(e) = ctx.send(encode::session::capability) {
                    return Step::Done(Err(e));
                }
                self.held = Some(value);
                Step::Continue
            }
        }
    }
}

/// UNAUTHENTICATE (RFC 8437 §2): back to Not Authenticated on the same TLS session, then a
/// CAPABILITY round trip because the capabilities differ.
pub fn unauthenticate() -> ThenRefreshCapabilities<impl Op<Output = ()> + use<>> {
    ThenRefreshCapabilities::always(Command::new(
        Gate {
            command: "UNAUTHENTICATE",
            states: AUTHENTICATED_OR_SELECTED,
            capability: CapabilityGate::Required("UNAUTHENTICATE"),
        },
        encode::session::unauthenticate,
        from_tagged(|_tagged, ctx: &mut OpContext<'_>| {
            ctx.effect(Effect::Unauthenticated);
            Ok(())
        }),
    ))
}
