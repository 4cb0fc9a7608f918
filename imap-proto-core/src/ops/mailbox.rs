//! Mailbox commands: SELECT/EXAMINE, CREATE, DELETE, RENAME, (UN)SUBSCRIBE, LIST, LSUB,
//! STATUS, CLOSE, UNSELECT (RFC 9051 §6.3, §6.4.2; RFC 5258, 5819, 6154, 7162, 8474, 3691).

use crate::contract::session::Session;
use crate::encode;
use crate::types::SelectedMailbox;
use crate::types::{
    FetchResponse, Mailbox, MailboxAttribute, MailboxInfo, MailboxStatus, ResponseCode,
    SelectOptions, StatusItem, Tagged, UidRange, Untagged,
};
use crate::{Error, Precondition, ProtocolViolation};

use super::Op;
use super::command::{CapabilityGate, Collect, Command, Gate, Gather, Nothing, from_tagged};
use super::{AUTHENTICATED_OR_SELECTED, Claims, Effect, OpContext, SELECTED, kind};

/// Compares a server-sent mailbox name with the one the caller gave.
fn same_mailbox(session: &Session, sent: &Mailbox, requested: &str) -> bool {
    if sent.is_inbox() && requested.eq_ignore_ascii_case("INBOX") {
        return true;
    }
    session.mailbox_name(sent) == requested
}

/// Collects what SELECT/EXAMINE returns beyond the session's own bookkeeping: the QRESYNC
/// `VANISHED (EARLIER)` and `FETCH` data (RFC 7162 §3.2.5.2).
pub(crate) struct SelectCollector {
    vanished: Vec<UidRange>,
    changed: Vec<FetchResponse>,
}

impl Collect for SelectCollector {
    type Output = SelectedMailbox;
    fn offer(&mut self, data: Untagged, _session: &Session) -> Option<Untagged> {
        match data {
            Untagged::Vanished {
                earlier: true,
                uids,
            } => {
                self.vanished.extend(uids);
                None
            }
            Untagged::Fetch(fetch) => {
                self.changed.push(fetch);
                None
            }
            other => Some(other),
        }
    }
    fn finish(self, _tagged: Tagged, ctx: &mut OpContext<'_>) -> Result<SelectedMailbox, Error> {
        let mut mailbox = ctx
            .session()
            .selected()
            .cloned()
            .ok_or(ProtocolViolation::MissingData("SELECT"))?;
        mailbox.vanished = self.vanished;
        mailbox.changed = super::compact::compacted(self.changed);
        ctx.effect(Effect::SelectDone);
        Ok(mailbox)
    }
    fn failed(&mut self, ctx: &mut OpContext<'_>) {
        // RFC 9051 §6.3.2: a failed SELECT leaves no mailbox selected.
        ctx.effect(Effect::Deselect);
    }
}

/// The SELECT/EXAMINE op.
pub struct Select {
    inner: Command<SelectCollector>,
    name: String,
    read_only: bool,
    options: SelectOptions,
}

/// SELECT (`read_only == false`) or EXAMINE, with CONDSTORE/QRESYNC options
/// (RFC 9051 §6.3.2–6.3.3, RFC 7162 §3.1.8, §3.2.5).
pub fn select(mailbox: &str, options: &SelectOptions, read_only: bool) -> Select {
    let name = mailbox.to_string();
    let opts = options.clone();
    let encode_name = name.clone();
    Select {
        inner: Command::new(
            Gate {
                command: if read_only { "EXAMINE" } else { "SELECT" },
                states: AUTHENTICATED_OR_SELECTED,
                capability: CapabilityGate::None,
            },
            move |tag, enc| {
                if read_only {
                    encode::mailbox::examine(tag, enc, &encode_name, &opts)
                } else {
                    encode::mailbox::select(tag, enc, &encode_name, &opts)
                }
            },
            SelectCollector {
                vanished: Vec::new(),
                changed: Vec::new(),
            },
        ),
        name,
        read_only,
        options: options.clone(),
    }
}

impl super::Op for Select {
    type Output = SelectedMailbox;
    fn check(&self, session: &Session) -> Result<(), Error> {
        self.inner.check(session)?;
        if self.options.qresync.is_some() && !session.is_enabled("QRESYNC") {
            // RFC 7162 §3.2.3.
            return Err(Precondition::NotEnabled {
                command: "SELECT (QRESYNC ...)",
                extension: "QRESYNC",
            }
            .into());
        }
        if self.options.condstore && !session.has_capability("CONDSTORE") {
            return Err(Error::MissingCapability("CONDSTORE".into()));
        }
        Ok(())
    }
    fn start(&mut self, ctx: &mut OpContext<'_>) -> Result<(), Error> {
        self.inner.start(ctx)?;
        ctx.effect(Effect::BeginSelect(SelectedMailbox::new(
            self.name.clone(),
            self.read_only,
        )));
        Ok(())
    }
    fn on_untagged(&mut self, data: Untagged, session: &Session) -> Option<Untagged> {
        // EXISTS, FLAGS and the response codes already updated the session; keep them off
        // the event queue since they describe the mailbox being selected.
        match data {
            Untagged::Exists(_) | Untagged::Recent(_) | Untagged::Flags(_) => None,
            Untagged::Status(ref status)
                if status.kind == crate::types::StatusKind::Ok
                    && status.code.as_ref().is_some_and(|c| {
                        !matches!(c, ResponseCode::Alert | ResponseCode::Closed)
                    }) =>
            {
                None
            }
            other => self.inner.on_untagged(other, session),
        }
    }
    fn on_tagged(
        &mut self,
        tagged: Tagged,
        ctx: &mut OpContext<'_>,
    ) -> super::Step<SelectedMailbox> {
        self.inner.on_tagged(tagged, ctx)
    }
}

fn simple(
    command: &'static str,
    encode: impl FnOnce(
        &str,
        &encode::EncodeContext,
    ) -> Result<encode::EncodedCommand, encode::EncodeError>
    + Send
    + 'static,
) -> Command<Nothing> {
    Command::new(
        Gate {
            command,
            states: AUTHENTICATED_OR_SELECTED,
            capability: CapabilityGate::None,
        },
        encode,
        Nothing,
    )
}

/// CREATE with optional special-use attributes (RFC 9051 §6.3.4, RFC 6154 §3), returning
/// the MAILBOXID when the server sends one (RFC 8474 §4.1).
pub fn create(
    mailbox: &str,
    special_use: &[MailboxAttribute],
) -> impl Op<Output = Option<String>> + use<> {
    let name = mailbox.to_string();
    let attrs = special_use.to_vec();
    let with_use = !attrs.is_empty();
    Command::new(
        Gate {
            command: "CREATE",
            states: AUTHENTICATED_OR_SELECTED,
            capability: if with_use {
                CapabilityGate::Required("CREATE-SPECIAL-USE")
            } else {
                CapabilityGate::None
            },
        },
        move |tag, enc| encode::mailbox::create(tag, enc, &name, &attrs),
        from_tagged(|tagged: Tagged, _ctx: &mut OpContext<'_>| {
            Ok(match tagged.status.code {
                Some(ResponseCode::MailboxId(id)) => {
                    Some(String::from_utf8_lossy(&id).into_owned())
                }
                _ => None,
            })
        }),
    )
}

/// DELETE (RFC 9051 §6.3.5).
pub fn delete(mailbox: &str) -> impl Op<Output = ()> + use<> {
    let name = mailbox.to_string();
    simple("DELETE", move |tag, enc| {
        encode::mailbox::delete(tag, enc, &name)
    })
}

/// RENAME (RFC 9051 §6.3.6).
pub fn rename(mailbox: &str, new_name: &str) -> impl Op<Output = ()> + use<> {
    let (from, to) = (mailbox.to_string(), new_name.to_string());
    simple("RENAME", move |tag, enc| {
        encode::mailbox::rename(tag, enc, &from, &to)
    })
}

/// SUBSCRIBE (RFC 9051 §6.3.7).
pub fn subscribe(mailbox: &str) -> impl Op<Output = ()> + use<> {
    let name = mailbox.to_string();
    simple("SUBSCRIBE", move |tag, enc| {
        encode::mailbox::subscribe(tag, enc, &name)
    })
}

/// UNSUBSCRIBE (RFC 9051 §6.3.8).
pub fn unsubscribe(mailbox: &str) -> impl Op<Output = ()> + use<> {
    let name = mailbox.to_string();
    simple("UNSUBSCRIBE", move |tag, enc| {
        encode::mailbox::unsubscribe(tag, enc, &name)
    })
}

fn gather_list(lsub: bool) -> impl Collect<Output = Vec<MailboxInfo>> + use<> {
    Gather::new(
        move |data| match data {
            Untagged::List(info) if !lsub => Ok(info),
            Untagged::Lsub(info) if lsub => Ok(info),
            other => Err(other),
        },
        |found: Vec<MailboxInfo>, _tagged, _ctx| Ok(found),
    )
}

/// LIST (RFC 9051 §6.3.9).
pub fn list(reference: &str, pattern: &str) -> impl Op<Output = Vec<MailboxInfo>> + use<> {
    let (r, p) = (reference.to_string(), pattern.to_string());
    Command::new(
        Gate {
            command: "LIST",
            states: AUTHENTICATED_OR_SELECTED,
            capability: CapabilityGate::None,
        },
        move |tag, enc| encode::mailbox::list(tag, enc, &r, &p),
        gather_list(false),
    )
    .detach_output()
    .pipelinable_claiming(Claims::exclusive(kind::LIST))
}

/// LSUB (RFC 3501 §6.3.9).
pub fn lsub(reference: &str, pattern: &str) -> impl Op<Output = Vec<MailboxInfo>> + use<> {
    let (r, p) = (reference.to_string(), pattern.to_string());
    Command::new(
        Gate {
            command: "LSUB",
            states: AUTHENTICATED_OR_SELECTED,
            capability: CapabilityGate::None,
        },
        move |tag, enc| encode::mailbox::lsub(tag, enc, &r, &p),
        gather_list(true),
    )
    .detach_output()
    .pipelinable_claiming(Claims::exclusive(kind::LIST))
}

/// LIST with RFC 5258 selection options, several patterns and return options.
///
/// On IMAP4rev1 the gates are: LIST-EXTENDED for any selection option, more than one
/// pattern or any return option; LIST-STATUS for `STATUS (...)`; SPECIAL-USE for
/// `SPECIAL-USE`. IMAP4rev2 includes all three.
pub fn list_extended(
    reference: &str,
    patterns: &[&str],
    selection_options: &[&str],
    return_options: &[&str],
) -> impl Op<Output = Vec<MailboxInfo>> + use<> {
    let r = reference.to_string();
    let p: Vec<String> = patterns.iter().map(|s| s.to_string()).collect();
    let s: Vec<String> = selection_options.iter().map(|s| s.to_string()).collect();
    let o: Vec<String> = return_options.iter().map(|s| s.to_string()).collect();
    let mut needs: Vec<&'static str> = Vec::new();
    if !s.is_empty() || p.len() > 1 || !o.is_empty() {
        needs.push("LIST-EXTENDED");
    }
    if o.iter()
        .any(|opt| opt.trim_start().to_ascii_uppercase().starts_with("STATUS"))
    {
        needs.push("LIST-STATUS");
    }
    if o.iter()
        .chain(s.iter())
        .any(|opt| opt.eq_ignore_ascii_case("SPECIAL-USE"))
    {
        needs.push("SPECIAL-USE");
    }
    Command::new(
        Gate {
            command: "LIST",
            states: AUTHENTICATED_OR_SELECTED,
            capability: CapabilityGate::AllOrRev2(needs),
        },
        move |tag, enc| {
            let pr: Vec<&str> = p.iter().map(String::as_str).collect();
            let sr: Vec<&str> = s.iter().map(String::as_str).collect();
            let or: Vec<&str> = o.iter().map(String::as_str).collect();
            encode::mailbox::list_extended(tag, enc, &r, &pr, &sr, &or)
        },
        Gather::new(
            |data| match data {
                Untagged::List(info) => Ok(info),
                other => Err(other),
            },
            |found: Vec<MailboxInfo>, _tagged, _ctx| Ok(found),
        ),
    )
    .detach_output()
    .pipelinable_claiming(Claims::exclusive(kind::LIST))
}

/// Pairs each LIST with the STATUS for the same mailbox (RFC 5819 §2).
pub(crate) struct ListStatusCollector {
    lists: Vec<MailboxInfo>,
    statuses: Vec<MailboxStatus>,
}

impl Collect for ListStatusCollector {
    type Output = Vec<(MailboxInfo, Vec<StatusItem>)>;
    fn offer(&mut self, data: Untagged, _session: &Session) -> Option<Untagged> {
        match data {
            Untagged::List(info) => {
                self.lists.push(info);
                None
            }
            Untagged::MailboxStatus(status) => {
                self.statuses.push(status);
                None
            }
            other => Some(other),
        }
    }
    fn finish(self, _tagged: Tagged, _ctx: &mut OpContext<'_>) -> Result<Self::Output, Error> {
        let mut statuses = self.statuses;
        Ok(self
            .lists
            .into_iter()
            .map(|info| {
                let items = statuses
                    .iter()
                    .position(|s| s.mailbox == info.mailbox)
                    .map(|i| statuses.swap_remove(i).items)
                    .unwrap_or_default();
                (info, items)
            })
            .collect())
    }
}

/// LIST ... RETURN (STATUS (...)) (RFC 5819 §2): needs LIST-STATUS (or IMAP4rev2).
pub fn list_status(
    reference: &str,
    pattern: &str,
    status_items: &str,
) -> impl Op<Output = Vec<(MailboxInfo, Vec<StatusItem>)>> + use<> {
    let (r, p, items) = (
        reference.to_string(),
        pattern.to_string(),
        status_items.to_string(),
    );
    Command::new(
        Gate {
            command: "LIST",
            states: AUTHENTICATED_OR_SELECTED,
            capability: CapabilityGate::RequiredOrRev2("LIST-STATUS"),
        },
        move |tag, enc| encode::mailbox::list_status(tag, enc, &r, &p, &items),
        ListStatusCollector {
            lists: Vec::new(),
            statuses: Vec::new(),
        },
    )
    .detach_output()
    .pipelinable_claiming(Claims::exclusive(kind::LIST | kind::STATUS))
}

/// Claims the STATUS responses for the requested mailbox; see [`crate::types::StatusResult`]
/// for the NOTIFY ambiguity (RFC 5465 §4).
pub(crate) struct StatusCollector {
    mailbox: String,
    found: Vec<MailboxStatus>,
}

impl Collect for StatusCollector {
    type Output = crate::types::StatusResult;
    fn offer(&mut self, data: Untagged, session: &Session) -> Option<Untagged> {
        match data {
            // Without NOTIFY the server sends one STATUS per command, so a second one for the
            // same mailbox answers another STATUS in flight. With NOTIFY any of them may be an
            // unsolicited update, so all are kept (RFC 5465 §4).
            Untagged::MailboxStatus(status)
                if same_mailbox(session, &status.mailbox, &self.mailbox)
                    && (self.found.is_empty() || session.notify_active()) =>
            {
                self.found.push(status);
                None
            }
            other => Some(other),
        }
    }
    fn finish(mut self, _tagged: Tagged, _ctx: &mut OpContext<'_>) -> Result<Self::Output, Error> {
        let last = self
            .found
            .pop()
            .ok_or(ProtocolViolation::MissingData("STATUS"))?;
        Ok(crate::types::StatusResult {
            items: last.items,
            ambiguous: self.found,
        })
    }
}

/// STATUS (RFC 9051 §6.3.11). `items` may be `"MESSAGES UNSEEN"` or `"(MESSAGES UNSEEN)"`.
pub fn status(mailbox: &str, items: &str) -> impl Op<Output = crate::types::StatusResult> + use<> {
    let name = mailbox.to_string();
    let items = items.to_string();
    let encode_name = name.clone();
    Command::new(
        Gate {
            command: "STATUS",
            states: AUTHENTICATED_OR_SELECTED,
            capability: CapabilityGate::None,
        },
        move |tag, enc| encode::mailbox::status(tag, enc, &encode_name, &items),
        StatusCollector {
            mailbox: name,
            found: Vec::new(),
        },
    )
    .detach_output()
    .pipelinable_claiming(Claims::attributed(kind::STATUS))
}

/// CLOSE (RFC 9051 §6.4.1): expunges `\Deleted` messages silently and deselects.
pub fn close() -> impl Op<Output = ()> + use<> {
    Command::new(
        Gate {
            command: "CLOSE",
            states: SELECTED,
            capability: CapabilityGate::None,
        },
        encode::message::close,
        from_tagged(|_tagged, ctx: &mut OpContext<'_>| {
            ctx.effect(Effect::Deselect);
            Ok(())
        }),
    )
}

/// UNSELECT (RFC 3691 §3; part of IMAP4rev2): deselects without expunging.
pub fn unselect() -> impl Op<Output = ()> + use<> {
    Command::new(
        Gate {
            command: "UNSELECT",
            states: SELECTED,
            capability: CapabilityGate::RequiredOrRev2("UNSELECT"),
        },
        encode::message::unselect,
        from_tagged(|_tagged, ctx: &mut OpContext<'_>| {
            ctx.effect(Effect::Deselect);
            Ok(())
        }),
    )
}
