//! A command written by hand as an [`Op`] and run with `run_op`, as one would add a command
//! the library lacks (a server's `X-` command, an extension not yet covered): here
//! GETQUOTAROOT (RFC 9208 §4.3), which the library also offers as `get_quota_root`, so the
//! two answers can be compared.
//!
//! ```sh
//! cargo run -p imap-tokio --example custom_op -- --server-env DIR/server.env
//! ```
//!
//! The op checks the session before anything is sent (state and capability, typed errors),
//! sends one tagged command, takes the untagged responses that belong to it and leaves the
//! rest to become events, and turns the tagged completion into its result.

mod common;

use std::process::ExitCode;

use common::{T, open, trust};
use imap_proto_core::ops::{
    CommandBuilder, OpContext, Step, ok_or_error, require_capability, require_state,
};
use imap_proto_core::types::{QuotaResponse, QuotaRoot, Tagged, Untagged};
use imap_proto_core::{Error, Op, Session, SessionState};

/// GETQUOTAROOT: the quota roots of a mailbox and the quotas of each.
struct GetQuotaRoot {
    mailbox: String,
    roots: Vec<QuotaRoot>,
    quotas: Vec<QuotaResponse>,
}

impl Op for GetQuotaRoot {
    type Output = (Vec<QuotaRoot>, Vec<QuotaResponse>);

    fn check(&self, session: &Session) -> Result<(), Error> {
        let states = [SessionState::Authenticated, SessionState::Selected];
        require_state(session, &states, "GETQUOTAROOT")?;
        require_capability(session, "QUOTA")
    }

    fn start(&mut self, ctx: &mut OpContext<'_>) -> Result<(), Error> {
        let mailbox = self.mailbox.clone();
        ctx.send(move |tag, encoding| {
            let mut command = CommandBuilder::new(tag, encoding)?;
            command
                .atom("command", "GETQUOTAROOT")?
                .sp()
                .mailbox("mailbox", &mailbox)?;
            Ok(command.finish())
        })
    }

    fn on_untagged(&mut self, data: Untagged, _session: &Session) -> Option<Untagged> {
        match data {
            Untagged::QuotaRoot(root) => self.roots.push(root),
            Untagged::Quota(quota) => self.quotas.push(quota),
            other => return Some(other),
        }
        None
    }

    fn on_tagged(&mut self, tagged: Tagged, _ctx: &mut OpContext<'_>) -> Step<Self::Output> {
        let answer = (
            std::mem::take(&mut self.roots),
            std::mem::take(&mut self.quotas),
        );
        Step::Done(ok_or_error(tagged).map(|_| answer))
    }
}

async fn run(target: common::Target, _: Option<u32>) -> Result<(), String> {
    let tls = target.ca.as_deref().map(trust).transpose()?;
    let imap = open(&target, tls.as_ref())
        .await
        .map_err(|e| e.to_string())?;
    let op = GetQuotaRoot {
        mailbox: "INBOX".into(),
        roots: Vec::new(),
        quotas: Vec::new(),
    };
    match imap.run_op(op, T).await {
        Ok((roots, quotas)) => {
            println!("by hand:      roots {roots:?}\n              quotas {quotas:?}");
            let built_in = imap.get_quota_root("INBOX", T).await;
            println!("get_quota_root: {built_in:?}");
        }
        // Refused before anything was sent: the server does not advertise QUOTA.
        Err(Error::MissingCapability(missing)) => println!("no quotas here: {missing:?}"),
        Err(e) => return Err(e.to_string()),
    }
    imap.logout().await.map_err(|e| e.to_string())
}

fn main() -> ExitCode {
    common::main("custom_op", "--unused", run, |message| {
        eprintln!("custom_op: failed: {message}")
    })
}
