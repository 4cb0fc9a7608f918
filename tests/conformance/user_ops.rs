//! A user-written `Op` run through `run_op`, the adapters' extension point for commands the
//! library lacks: its checks, its command, the untagged data it takes and its result.

use std::sync::Arc;

use imap_proto_core::ops::{CommandBuilder, OpContext, Step, ok_or_error, require_state};
use imap_proto_core::types::{MailboxStatus, StatusItem, Tagged, Untagged};
use imap_proto_core::{Op, Session};

use crate::adapter::{Error, SessionState};

use super::Case;
use super::kit::{Kind, Server, T};
use super::support::{TestResult, mailbox_with, unique};
use crate::{case, ensure, ensure_err};

pub fn cases() -> Vec<Case> {
    vec![case!(user_written_op, [Kind::Dovecot, Kind::Cyrus])]
}

/// `<command> <mailbox> (MESSAGES)` by hand: with `STATUS` the message count from the
/// `* STATUS` response it takes; any other command word shows how a refusal comes back.
struct CountMessages {
    command: &'static str,
    mailbox: String,
    status: Option<MailboxStatus>,
}

impl CountMessages {
    fn new(command: &'static str, mailbox: &str) -> Self {
        CountMessages {
            command,
            mailbox: mailbox.to_string(),
            status: None,
        }
    }
}

impl Op for CountMessages {
    type Output = Option<u32>;

    fn check(&self, session: &Session) -> Result<(), Error> {
        let states = [SessionState::Authenticated, SessionState::Selected];
        require_state(session, &states, self.command)
    }

    fn start(&mut self, ctx: &mut OpContext<'_>) -> Result<(), Error> {
        let (command, mailbox) = (self.command, self.mailbox.clone());
        ctx.send(move |tag, encoding| {
            let mut line = CommandBuilder::new(tag, encoding)?;
            line.atom("command", command)?
                .sp()
                .mailbox("mailbox", &mailbox)?
                .sp()
                .raw_text("items", "(MESSAGES)")?;
            Ok(line.finish())
        })
    }

    fn on_untagged(&mut self, data: Untagged, _session: &Session) -> Option<Untagged> {
        match data {
            Untagged::MailboxStatus(status) if status.mailbox.name() == self.mailbox => {
                self.status = Some(status);
                None
            }
            other => Some(other),
        }
    }

    fn on_tagged(&mut self, tagged: Tagged, _ctx: &mut OpContext<'_>) -> Step<Option<u32>> {
        let messages = self.status.take().and_then(|status| {
            status.items.iter().find_map(|item| match item {
                StatusItem::Messages(n) => Some(*n),
                _ => None,
            })
        });
        Step::Done(ok_or_error(tagged).map(|_| messages))
    }
}

async fn user_written_op(s: Arc<Server>) -> TestResult {
    let imap = aw!(s.connect())?;
    // Refused by the op's own check, before anything is sent.
    ensure_err!(
        aw!(imap.run_op(CountMessages::new("STATUS", "INBOX"), T)),
        Error::WrongState { .. }
    );
    aw!(imap.login("alice", &s.password("alice"), T))?;
    let name = unique("user-op");
    aw!(mailbox_with(&imap, &name, 2))?;
    let by_hand = aw!(imap.run_op(CountMessages::new("STATUS", &name), T))?;
    let built_in = aw!(imap.status(&name, "(MESSAGES)", T))?;
    ensure!(by_hand == Some(2), "{by_hand:?}, built in: {built_in:?}");
    // The server's refusal of an unknown command is a typed error, and the session goes on.
    ensure_err!(
        aw!(imap.run_op(CountMessages::new("X-NO-SUCH-COMMAND", &name), T)),
        Error::Bad { .. } | Error::No { .. }
    );
    aw!(imap.delete(&name, T))?;
    aw!(imap.logout())?;
    Ok(())
}
