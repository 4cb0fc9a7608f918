//! STARTTLS and COMPRESS (RFC 9051 §6.2.1, RFC 4978). The switch itself happens in the
//! connection's effect handler, at the exact byte where the tagged OK ended.

use crate::contract::session::Session;
use crate::encode;
use crate::types::Tagged;
use crate::upgrade::TlsSetup;
use crate::{Error, Precondition};

use super::session::ThenRefreshCapabilities;
use super::{ANY_LIVE, Effect, NOT_AUTHENTICATED, Op, OpContext, Step, ok_or_error};

/// The STARTTLS op.
#[derive(Debug)]
pub struct StartTls {
    setup: Option<TlsSetup>,
}

/// STARTTLS (RFC 9051 §6.2.1): only before authentication, only if advertised, never twice.
/// After the OK, TLS starts, cached capabilities are discarded and fetched again over TLS.
pub fn starttls(setup: TlsSetup) -> ThenRefreshCapabilities<StartTls> {
    ThenRefreshCapabilities::always(StartTls { setup: Some(setup) })
}

impl Op for StartTls {
    type Output = ();
    fn check(&self, session: &Session) -> Result<(), Error> {
        super::require_state(session, NOT_AUTHENTICATED, "STARTTLS")?;
        if session.tls_active() {
            return Err(Precondition::TlsActive.into());
        }
        // RFC 4978 §3: compression runs inside TLS. TLS started on top of an active
        // DEFLATE layer would invert that, so it is refused.
        if session.compress_active() {
            return Err(Precondition::CompressActive.into());
        }
        super::require_capability(session, "STARTTLS")
    }
    fn start(&mut self, ctx: &mut OpContext<'_>) -> Result<(), Error> {
        ctx.send(encode::session::starttls)
    }
    fn negotiates(&self) -> bool {
        true
    }
    fn on_tagged(&mut self, tagged: Tagged, ctx: &mut OpContext<'_>) -> Step<()> {
        let result = ok_or_error(tagged).and_then(|_| {
            let setup = self
                .setup
                .take()
                .ok_or(Error::Internal("STARTTLS completed twice"))?;
            ctx.effect(Effect::ForgetCapabilities);
            ctx.effect(Effect::StartTls(setup));
            Ok(())
        });
        Step::Done(result)
    }
}

/// The COMPRESS op.
#[derive(Debug, Default)]
pub struct Compress;

/// COMPRESS DEFLATE (RFC 4978 §3): needs `COMPRESS=DEFLATE`, never twice.
pub fn compress() -> Compress {
    Compress
}

impl Op for Compress {
    type Output = ();
    fn check(&self, session: &Session) -> Result<(), Error> {
        super::require_state(session, ANY_LIVE, "COMPRESS")?;
        if session.compress_active() {
            return Err(Precondition::CompressActive.into());
        }
        super::require_capability(session, "COMPRESS=DEFLATE")
    }
    fn start(&mut self, ctx: &mut OpContext<'_>) -> Result<(), Error> {
        ctx.send(encode::session::compress_deflate)
    }
    fn negotiates(&self) -> bool {
        true
    }
    fn on_tagged(&mut self, tagged: Tagged, ctx: &mut OpContext<'_>) -> Step<()> {
        let result = ok_or_error(tagged).map(|_| ctx.effect(Effect::Compress));
        Step::Done(result)
    }
}
