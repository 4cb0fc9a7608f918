//! NOTIFY SET and NOTIFY NONE (RFC 5465 §3).

use super::message::fetch_item_list;
use super::{CommandBuilder, EncodeContext, EncodeError, EncodedCommand, simple};
use crate::types::{NotifyEvent, NotifyEventGroup, NotifyEvents, NotifyFilter, NotifySetParams};

/// `NOTIFY NONE`: stop all notifications (RFC 5465 §3).
pub fn notify_none(tag: &str, ctx: &EncodeContext) -> Result<EncodedCommand, EncodeError> {
    simple(tag, ctx, "NOTIFY NONE")
}

/// `NOTIFY SET [STATUS] (filter events) ...` (RFC 5465 §3, §8).
///
/// The rules of the RFC 5465 §8 grammar are checked before encoding: at least one group; at
/// most one `selected`/`selected-delayed` group, which takes only message events; fetch
/// items on `MessageNew` only in that group; `MessageNew` and `MessageExpunge` together;
/// `FlagChange` only with both of them; mailbox lists not empty.
pub fn notify_set(
    tag: &str,
    ctx: &EncodeContext,
    params: &NotifySetParams,
) -> Result<EncodedCommand, EncodeError> {
    check_params(params)?;
    let mut b = CommandBuilder::new(tag, ctx)?;
    b.push("NOTIFY SET");
    if params.status {
        b.push(" STATUS");
    }
    for group in &params.groups {
        b.push(" (");
        filter(&mut b, &group.filter)?;
        b.sp();
        match &group.events {
            NotifyEvents::None => {
                b.push("NONE");
            }
            NotifyEvents::Events(events) => {
                b.push("(");
                for (i, event) in events.iter().enumerate() {
                    if i > 0 {
                        b.sp();
                    }
                    write_event(&mut b, event)?;
                }
                b.push(")");
            }
        }
        b.push(")");
    }
    Ok(b.finish())
}

fn check_params(params: &NotifySetParams) -> Result<(), EncodeError> {
    let refuse = |reason| EncodeError::InvalidArgument {
        what: "NOTIFY SET",
        reason,
    };
    if params.groups.is_empty() {
        return Err(refuse("at least one event group is required"));
    }
    if params
        .groups
        .iter()
        .filter(|g| g.filter.is_selected())
        .count()
        > 1
    {
        return Err(refuse(
            "only one selected or selected-delayed group is allowed (RFC 5465 §8)",
        ));
    }
    params.groups.iter().try_for_each(check_group)
}

fn check_group(group: &NotifyEventGroup) -> Result<(), EncodeError> {
    let refuse = |reason| EncodeError::InvalidArgument {
        what: "NOTIFY event group",
        reason,
    };
    if let NotifyFilter::Subtree(names) | NotifyFilter::Mailboxes(names) = &group.filter
        && names.is_empty()
    {
        return Err(refuse(
            "subtree and mailboxes filters need at least one mailbox",
        ));
    }
    let NotifyEvents::Events(events) = &group.events else {
        return Ok(());
    };
    if events.is_empty() {
        return Err(refuse(
            "an event list needs at least one event (or use NONE)",
        ));
    }
    let selected = group.filter.is_selected();
    let has = |wanted: fn(&NotifyEvent) -> bool| events.iter().any(wanted);
    if selected
        && events
            .iter()
            .any(|e| !e.is_message_event() && !matches!(e, NotifyEvent::Other(_)))
    {
        return Err(refuse(
            "only message events are allowed with selected / selected-delayed (RFC 5465 §8)",
        ));
    }
    if !selected && has(|e| matches!(e, NotifyEvent::MessageNew { fetch } if !fetch.is_empty())) {
        return Err(refuse(
            "MessageNew fetch items are only allowed with selected / selected-delayed",
        ));
    }
    let new = has(|e| matches!(e, NotifyEvent::MessageNew { .. }));
    let expunge = has(|e| matches!(e, NotifyEvent::MessageExpunge));
    if new != expunge {
        return Err(refuse(
            "MessageNew and MessageExpunge must be given together (RFC 5465 §8)",
        ));
    }
    if has(|e| matches!(e, NotifyEvent::FlagChange)) && !new {
        return Err(refuse(
            "FlagChange needs MessageNew and MessageExpunge (RFC 5465 §8)",
        ));
    }
    Ok(())
}

/// `filter-mailboxes`
fn filter(b: &mut CommandBuilder, filter: &NotifyFilter) -> Result<(), EncodeError> {
    let (keyword, names) = match filter {
        NotifyFilter::Selected => ("selected", None),
        NotifyFilter::SelectedDelayed => ("selected-delayed", None),
        NotifyFilter::Inboxes => ("inboxes", None),
        NotifyFilter::Personal => ("personal", None),
        NotifyFilter::Subscribed => ("subscribed", None),
        NotifyFilter::Subtree(names) => ("subtree ", Some(names)),
        NotifyFilter::Mailboxes(names) => ("mailboxes ", Some(names)),
    };
    b.push(keyword);
    if let Some(names) = names {
        // `one-or-more-mailbox = mailbox / many-mailboxes`: always the list form.
        b.push("(");
        for (i, name) in names.iter().enumerate() {
            if i > 0 {
                b.sp();
            }
            b.mailbox("NOTIFY mailbox", name)?;
        }
        b.push(")");
    }
    Ok(())
}

/// `event = message-event / mailbox-event / user-event / event-ext`
fn write_event(b: &mut CommandBuilder, event: &NotifyEvent) -> Result<(), EncodeError> {
    match event {
        NotifyEvent::MessageNew { fetch } => {
            b.push("MessageNew");
            if !fetch.is_empty() {
                // `"(" fetch-att *(SP fetch-att) ")"`: always a list, macros expanded.
                b.sp();
                fetch_item_list(b, fetch)?;
            }
        }
        NotifyEvent::MessageExpunge => {
            b.push("MessageExpunge");
        }
        NotifyEvent::FlagChange => {
            b.push("FlagChange");
        }
        NotifyEvent::AnnotationChange => {
            b.push("AnnotationChange");
        }
        NotifyEvent::MailboxName => {
            b.push("MailboxName");
        }
        NotifyEvent::SubscriptionChange => {
            b.push("SubscriptionChange");
        }
        NotifyEvent::MailboxMetadataChange => {
            b.push("MailboxMetadataChange");
        }
        NotifyEvent::ServerMetadataChange => {
            b.push("ServerMetadataChange");
        }
        NotifyEvent::Other(name) => {
            b.atom("NOTIFY event", name)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::test_util::wire;
    use super::*;
    use crate::types::FetchAttr;

    fn enc(params: &NotifySetParams) -> Result<String, EncodeError> {
        notify_set("n", &EncodeContext::default(), params).map(|c| wire(&c))
    }

    #[test]
    fn notify_none_form() {
        assert_eq!(
            wire(&notify_none("n", &EncodeContext::default()).unwrap()),
            "n NOTIFY NONE\r\n"
        );
    }

    #[test]
    fn notify_set_forms() {
        // RFC 5465 §3 example.
        let params = NotifySetParams::new()
            .with_status()
            .group(
                NotifyFilter::Selected,
                NotifyEvents::Events(vec![
                    NotifyEvent::MessageNew {
                        fetch: vec![FetchAttr::Uid, FetchAttr::header_fields_peek(["From"])],
                    },
                    NotifyEvent::MessageExpunge,
                ]),
            )
            .group(
                NotifyFilter::Subtree(vec!["Lists".into()]),
                NotifyEvents::Events(vec![
                    NotifyEvent::MessageNew { fetch: vec![] },
                    NotifyEvent::MessageExpunge,
                ]),
            )
            .group(
                NotifyFilter::Personal,
                NotifyEvents::Events(vec![NotifyEvent::MailboxName]),
            )
            .group(
                NotifyFilter::Mailboxes(vec!["INBOX".into(), "B\u{fc}ro".into()]),
                NotifyEvents::None,
            );
        assert_eq!(
            enc(&params).unwrap(),
            "n NOTIFY SET STATUS (selected (MessageNew (UID BODY.PEEK[HEADER.FIELDS (From)]) \
             MessageExpunge)) (subtree (Lists) (MessageNew MessageExpunge)) \
             (personal (MailboxName)) (mailboxes (INBOX B&APw-ro) NONE)\r\n"
        );
        let single = NotifySetParams::new().group(
            NotifyFilter::SelectedDelayed,
            NotifyEvents::message_events(vec![FetchAttr::Uid]),
        );
        assert_eq!(
            enc(&single).unwrap(),
            "n NOTIFY SET (selected-delayed (MessageNew (UID) MessageExpunge FlagChange))\r\n"
        );
        let with_macro = NotifySetParams::new().group(
            NotifyFilter::Selected,
            NotifyEvents::message_events(vec![FetchAttr::Fast]),
        );
        assert_eq!(
            enc(&with_macro).unwrap(),
            "n NOTIFY SET (selected (MessageNew (FLAGS INTERNALDATE RFC822.SIZE) MessageExpunge FlagChange))\r\n"
        );
        let user = NotifySetParams::new().group(
            NotifyFilter::Inboxes,
            NotifyEvents::Events(vec![
                NotifyEvent::SubscriptionChange,
                NotifyEvent::MailboxMetadataChange,
                NotifyEvent::ServerMetadataChange,
                NotifyEvent::AnnotationChange,
                NotifyEvent::Other("X-Event".into()),
            ]),
        );
        assert_eq!(
            enc(&user).unwrap(),
            "n NOTIFY SET (inboxes (SubscriptionChange MailboxMetadataChange ServerMetadataChange \
             AnnotationChange X-Event))\r\n"
        );
    }

    #[test]
    fn notify_set_rules() {
        let events = |list: Vec<NotifyEvent>| NotifyEvents::Events(list);
        let bad = [
            NotifySetParams::new(),
            NotifySetParams::new()
                .group(NotifyFilter::Selected, NotifyEvents::None)
                .group(NotifyFilter::SelectedDelayed, NotifyEvents::None),
            NotifySetParams::new().group(
                NotifyFilter::Selected,
                events(vec![NotifyEvent::MailboxName]),
            ),
            NotifySetParams::new().group(
                NotifyFilter::Personal,
                NotifyEvents::message_events(vec![FetchAttr::Uid]),
            ),
            NotifySetParams::new().group(
                NotifyFilter::Personal,
                events(vec![NotifyEvent::MessageNew { fetch: vec![] }]),
            ),
            NotifySetParams::new().group(
                NotifyFilter::Personal,
                events(vec![NotifyEvent::FlagChange]),
            ),
            NotifySetParams::new().group(NotifyFilter::Personal, events(vec![])),
            NotifySetParams::new().group(NotifyFilter::Subtree(vec![]), NotifyEvents::None),
            NotifySetParams::new().group(
                NotifyFilter::Personal,
                events(vec![NotifyEvent::Other("X Y".into())]),
            ),
        ];
        for params in bad {
            assert!(enc(&params).is_err(), "{params:?}");
        }
    }
}
