//! APPEND and MULTIAPPEND (RFC 9051 §6.3.12, RFC 3502), with APPENDLIMIT checked before any
//! byte is sent (RFC 7889) and APPENDUID results (RFC 4315 §3).

use crate::contract::session::Session;
use crate::encode;
use crate::types::{AppendMessage, ResponseCode, Tagged};
use crate::{Error, Precondition};

use super::{AUTHENTICATED_OR_SELECTED, Op, OpContext, Step, ok_or_error};

/// The APPEND / MULTIAPPEND op.
pub struct Append {
    mailbox: String,
    messages: Vec<AppendMessage>,
}

/// APPEND one message, or several in one MULTIAPPEND command when `messages.len() > 1`.
pub fn append(mailbox: &str, messages: Vec<AppendMessage>) -> Append {
    Append {
        mailbox: mailbox.to_string(),
        messages,
    }
}

impl Append {
    /// `(uid_validity, uid)` pairs from an APPENDUID code: one per message appended, so a
    /// server sending a huge range (`1:4294967295`) cannot make the client expand it.
    fn uids(&self, code: Option<&ResponseCode>) -> Vec<(u32, u32)> {
        match code {
            Some(ResponseCode::AppendUid { uid_validity, uids }) => uids
                .iter()
                .flat_map(|r| r.iter())
                .take(self.messages.len())
                .map(|uid| (*uid_validity, uid))
                .collect(),
            _ => Vec::new(),
        }
    }
}

impl Op for Append {
    type Output = Vec<(u32, u32)>;
    fn check(&self, session: &Session) -> Result<(), Error> {
        super::require_state(session, AUTHENTICATED_OR_SELECTED, "APPEND")?;
        if self.messages.is_empty() {
            return Err(Precondition::NoMessages.into());
        }
        if self.messages.len() > 1 {
            super::require_capability(session, "MULTIAPPEND")?;
        }
        // RFC 7889 §3: refuse before sending rather than have the server reject a large
        // literal (TOOBIG) after we have started it.
        if let Some(limit) = session.append_limit() {
            for message in &self.messages {
                let size = message.data.len() as u64;
                if size > limit {
                    return Err(Error::AppendLimitExceeded { size, limit });
                }
            }
        }
        Ok(())
    }
    fn start(&mut self, ctx: &mut OpContext<'_>) -> Result<(), Error> {
        let mailbox = &self.mailbox;
        let messages = &self.messages;
        ctx.send(|tag, enc| encode::append::multi_append(tag, enc, mailbox, messages))
    }
    fn on_tagged(&mut self, tagged: Tagged, _ctx: &mut OpContext<'_>) -> Step<Self::Output> {
        Step::Done(ok_or_error(tagged).map(|t| self.uids(t.status.code.as_ref())))
    }
}
