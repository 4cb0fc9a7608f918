//! Logging in with a SASL mechanism written by hand against `sasl::Mechanism` and passed
//! to `authenticate_with`, as one would add a mechanism the library lacks: here `LOGIN`
//! (draft-murchison-sasl-login, obsolete but still offered by many servers), which is
//! server-first: the server asks `Username:` and then `Password:`.
//!
//! ```sh
//! cargo run -p imap-tokio --example custom_sasl -- --server-env DIR/server.env
//! ```
//!
//! `authenticate_with` checks that the server advertises `AUTH=LOGIN`
//! (`Error::MissingCapability` otherwise), runs the exchange and refreshes the
//! capabilities afterwards, as for the built-in mechanisms.

mod common;

use std::process::ExitCode;

use common::{T, connect, trust};
use imap_tokio::sasl::{Mechanism, SaslError};

/// The `LOGIN` mechanism: answers the server's two prompts in turn.
struct Login {
    user: String,
    password: String,
    answered: usize,
}

impl std::fmt::Debug for Login {
    // Never the password.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Login").field("user", &self.user).finish()
    }
}

impl Mechanism for Login {
    fn name(&self) -> &'static str {
        "LOGIN"
    }

    /// Server-first: no initial response, even where SASL-IR is offered.
    fn initial_response(&mut self) -> Option<Vec<u8>> {
        None
    }

    fn step(&mut self, _prompt: &[u8]) -> Result<Vec<u8>, SaslError> {
        self.answered += 1;
        match self.answered {
            1 => Ok(self.user.clone().into_bytes()),
            2 => Ok(self.password.clone().into_bytes()),
            _ => Err(SaslError::UnexpectedChallenge),
        }
    }

    fn finish(&mut self, _success_data: Option<&[u8]>) -> Result<(), SaslError> {
        match self.answered {
            2 => Ok(()),
            _ => Err(SaslError::UnexpectedChallenge),
        }
    }
}

async fn run(target: common::Target, _: Option<u32>) -> Result<(), String> {
    let tls = target.ca.as_deref().map(trust).transpose()?;
    let imap = connect(&target, tls.as_ref())
        .await
        .map_err(|e| e.to_string())?;
    let mechanism = Login {
        user: target.user.clone(),
        password: target.password.clone(),
        answered: 0,
    };
    imap.authenticate_with(mechanism, T)
        .await
        .map_err(|e| e.to_string())?;
    let inbox = imap.select("INBOX", T).await.map_err(|e| e.to_string())?;
    println!(
        "logged in with AUTH=LOGIN as {}: INBOX has {} messages",
        target.user, inbox.exists
    );
    imap.logout().await.map_err(|e| e.to_string())
}

fn main() -> ExitCode {
    common::main("custom_sasl", "--unused", run, |message| {
        eprintln!("custom_sasl: failed: {message}")
    })
}
