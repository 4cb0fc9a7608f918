//! SASL mechanisms fed arbitrary server challenges (already base64-decoded, and as raw
//! base64 text the AUTHENTICATE op would decode) never panic, and a failed mechanism stays
//! failed.
#![no_main]

use arbitrary::Arbitrary;
use imap_proto_core::sasl::{Mechanism, OAuthBearer, Plain, ScramSha256, XOAuth2};
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug)]
struct Input {
    user: String,
    secret: String,
    challenges: Vec<Vec<u8>>,
    use_initial: bool,
}

fuzz_target!(|input: Input| {
    let mechanisms: Vec<Box<dyn Mechanism>> = [
        Plain::new(input.user.as_str(), input.secret.as_str()).map(|m| Box::new(m) as Box<dyn Mechanism>),
        XOAuth2::new(input.user.as_str(), input.secret.as_str()).map(|m| Box::new(m) as _),
        OAuthBearer::new(input.user.as_str(), input.secret.as_str()).map(|m| Box::new(m) as _),
        ScramSha256::with_nonce(input.user.as_str(), input.secret.as_str(), "fuzznonce")
            .map(|m| Box::new(m.with_iteration_range(1, 64)) as _),
    ]
    .into_iter()
    .flatten()
    .collect();
    for mut mechanism in mechanisms {
        if input.use_initial {
            let _ = mechanism.initial_response();
        }
        let mut failed = false;
        for challenge in &input.challenges {
            match mechanism.step(challenge) {
                Ok(_) => assert!(!failed, "a failed mechanism answered again"),
                Err(_) => failed = true,
            }
        }
        let _ = mechanism.finish(None);
        let _ = format!("{mechanism:?}");
    }
});
