//! LOGIN and AUTHENTICATE (RFC 9051 §6.2.2–6.2.3, RFC 4959 SASL-IR).

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;

use crate::contract::session::Session;
use crate::encode;
use crate::sasl::{Mechanism, SaslError, Secret};
use crate::types::{Continuation, Tagged};
use crate::{Error, Precondition, ProtocolViolation};

use super::session::ThenRefreshCapabilities;
use super::{Effect, NOT_AUTHENTICATED, Op, OpContext, Step, ok_or_error, require_state};

/// The LOGIN op. Credentials are held as [`Secret`]s, so `Debug` never shows them.
#[derive(Debug)]
pub struct Login {
    user: Secret,
    password: Secret,
}

/// LOGIN (RFC 9051 §6.2.3), then a CAPABILITY refresh if the server did not send them.
pub fn login(user: &str, password: &str) -> ThenRefreshCapabilities<Login> {
    ThenRefreshCapabilities::if_missing(Login {
        user: Secret::new(user),
        password: Secret::new(password),
    })
}

impl Op for Login {
    type Output = ();
    fn check(&self, session: &Session) -> Result<(), Error> {
        require_state(session, NOT_AUTHENTICATED, "LOGIN")?;
        if session.has_capability("LOGINDISABLED") {
            return Err(Precondition::LoginDisabled.into());
        }
        Ok(())
    }
    fn start(&mut self, ctx: &mut OpContext<'_>) -> Result<(), Error> {
        let (user, password) = (self.user.expose(), self.password.expose());
        ctx.send(|tag, enc| encode::auth::login(tag, enc, user, password))
    }
    fn on_tagged(&mut self, tagged: Tagged, ctx: &mut OpContext<'_>) -> Step<()> {
        let result = ok_or_error(tagged).map(|_| ctx.effect(Effect::Authenticated));
        Step::Done(result)
    }
}

/// The AUTHENTICATE op, driving any [`Mechanism`] (RFC 9051 §6.2.2).
#[derive(Debug)]
pub struct Authenticate {
    mechanism: Result<Box<dyn Mechanism>, SaslError>,
    failure: Option<Error>,
}

/// AUTHENTICATE with `mechanism`, using SASL-IR when offered, then a CAPABILITY refresh if
/// the server did not send them.
pub fn authenticate(mechanism: Box<dyn Mechanism>) -> ThenRefreshCapabilities<Authenticate> {
    authenticate_with(Ok(mechanism))
}

/// Like [`authenticate`], taking a mechanism whose construction may have failed (invalid
/// credentials such as a NUL in a PLAIN password): the error is reported at submit, before
/// anything is sent.
pub fn authenticate_with(
    mechanism: Result<Box<dyn Mechanism>, SaslError>,
) -> ThenRefreshCapabilities<Authenticate> {
    ThenRefreshCapabilities::if_missing(Authenticate {
        mechanism,
        failure: None,
    })
}

impl Authenticate {
    fn mechanism(&mut self) -> Result<&mut Box<dyn Mechanism>, Error> {
        self.mechanism.as_mut().map_err(|e| Error::Sasl(e.clone()))
    }
}

impl Op for Authenticate {
    type Output = ();
    fn negotiates(&self) -> bool {
        true
    }
    fn check(&self, session: &Session) -> Result<(), Error> {
        require_state(session, NOT_AUTHENTICATED, "AUTHENTICATE")?;
        let mechanism = self
            .mechanism
            .as_ref()
            .map_err(|e| Error::Sasl(e.clone()))?;
        let wanted = format!("AUTH={}", mechanism.name());
        super::require_capability(session, &wanted)
    }
    fn start(&mut self, ctx: &mut OpContext<'_>) -> Result<(), Error> {
        // RFC 9051 §6.2.2 folds SASL-IR (RFC 4959) into IMAP4rev2.
        let sasl_ir = ctx.session().has_or_rev2("SASL-IR");
        let mechanism = self.mechanism()?;
        let initial = if sasl_ir {
            mechanism.initial_response()
        } else {
            None
        };
        let name = mechanism.name();
        ctx.send(|tag, enc| encode::auth::authenticate(tag, enc, name, initial.as_deref()))
    }
    fn on_continuation(
        &mut self,
        continuation: Continuation,
        ctx: &mut OpContext<'_>,
    ) -> Result<(), Error> {
        if self.failure.is_some() {
            // Already cancelled; the server owes us the tagged response.
            return Ok(());
        }
        let challenge = match BASE64.decode(continuation.text.trim_ascii()) {
            Ok(challenge) => challenge,
            Err(_) => {
                self.failure = Some(ProtocolViolation::InvalidChallenge.into());
                ctx.send_raw_line(encode::auth::authenticate_cancel());
                return Ok(());
            }
        };
        match self.mechanism()?.step(&challenge) {
            Ok(response) => ctx.send_raw_line(encode::auth::authenticate_response(&response)),
            Err(e) => {
                self.failure = Some(e.into());
                ctx.send_raw_line(encode::auth::authenticate_cancel());
            }
        }
        Ok(())
    }
    fn on_tagged(&mut self, tagged: Tagged, ctx: &mut OpContext<'_>) -> Step<()> {
        if let Some(failure) = self.failure.take() {
            return Step::Done(Err(failure));
        }
        let result = match ok_or_error(tagged) {
            Ok(_) => self
                .mechanism()
                .and_then(|m| m.finish(None).map_err(Error::from))
                .map(|()| ctx.effect(Effect::Authenticated)),
            Err(Error::No { code, text }) => Err(Error::No {
                code,
                text: match self.mechanism.as_ref().ok().and_then(|m| m.server_error()) {
                    Some(detail) => format!("{text} ({detail})"),
                    None => text,
                },
            }),
            Err(e) => Err(e),
        };
        Step::Done(result)
    }
}
