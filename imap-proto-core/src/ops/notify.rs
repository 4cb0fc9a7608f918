//! NOTIFY SET / NOTIFY NONE (RFC 5465 §3).

use crate::encode;
use crate::types::NotifySetParams;

use super::Op;
use super::command::{CapabilityGate, Command, Gate, from_tagged};
use super::{AUTHENTICATED_OR_SELECTED, Effect, OpContext};

/// NOTIFY SET: replaces any previous registration; events then arrive on the event queue.
pub fn notify_set(params: NotifySetParams) -> impl Op<Output = ()> + use<> {
    Command::new(
        Gate {
            command: "NOTIFY",
            states: AUTHENTICATED_OR_SELECTED,
            capability: CapabilityGate::Required("NOTIFY"),
        },
        move |tag, enc| encode::notify::notify_set(tag, enc, &params),
        from_tagged(|_tagged, ctx: &mut OpContext<'_>| {
            ctx.effect(Effect::Notify(true));
            Ok(())
        }),
    )
}

/// NOTIFY NONE: back to baseline notifications.
pub fn notify_none() -> impl Op<Output = ()> + use<> {
    Command::new(
        Gate {
            command: "NOTIFY",
            states: AUTHENTICATED_OR_SELECTED,
            capability: CapabilityGate::Required("NOTIFY"),
        },
        encode::notify::notify_none,
        from_tagged(|_tagged, ctx: &mut OpContext<'_>| {
            ctx.effect(Effect::Notify(false));
            Ok(())
        }),
    )
}
