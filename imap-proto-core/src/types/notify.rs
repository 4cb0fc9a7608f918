//! NOTIFY SET parameters (RFC 5465 §3 and §8).

use super::FetchAttr;

/// The argument of `NOTIFY SET`: which events to report for which mailboxes.
///
/// ```
/// # use imap_proto_core::types::{FetchAttr, NotifyEvent, NotifyEvents, NotifyFilter, NotifySetParams};
/// let params = NotifySetParams::new()
///     .with_status()
///     .group(NotifyFilter::Selected, NotifyEvents::message_events(vec![FetchAttr::Uid]))
///     .group(NotifyFilter::Personal, NotifyEvents::Events(vec![NotifyEvent::MailboxName]));
/// # assert_eq!(params.groups.len(), 2);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct NotifySetParams {
    /// Send the `STATUS` indicator: the server answers with a STATUS response for each
    /// mailbox with message events before its tagged OK (RFC 5465 §3).
    pub status: bool,
    /// The event groups; at least one is required.
    pub groups: Vec<NotifyEventGroup>,
}

impl NotifySetParams {
    /// No groups yet, no STATUS indicator.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds the `STATUS` indicator.
    pub fn with_status(mut self) -> Self {
        self.status = true;
        self
    }

    /// Adds an event group.
    pub fn group(mut self, filter: NotifyFilter, events: NotifyEvents) -> Self {
        self.groups.push(NotifyEventGroup { filter, events });
        self
    }
}

/// `event-group = "(" filter-mailboxes SP events ")"`; added with
/// [`NotifySetParams::group`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct NotifyEventGroup {
    /// Which mailboxes.
    pub filter: NotifyFilter,
    /// Which events, or none.
    pub events: NotifyEvents,
}

/// `filter-mailboxes`: which mailboxes a group applies to.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum NotifyFilter {
    /// `selected`: the selected mailbox, events sent as they happen.
    Selected,
    /// `selected-delayed`: the selected mailbox, expunges held back until a command allows
    /// them.
    SelectedDelayed,
    /// `inboxes`: every mailbox mail is delivered to.
    Inboxes,
    /// `personal`: every mailbox in the personal namespace.
    Personal,
    /// `subscribed`: every subscribed mailbox.
    Subscribed,
    /// `subtree (names)`: these mailboxes and everything below them. At least one name.
    Subtree(Vec<String>),
    /// `mailboxes (names)`: exactly these mailboxes. At least one name.
    Mailboxes(Vec<String>),
}

impl NotifyFilter {
    /// True for `selected` and `selected-delayed`.
    pub fn is_selected(&self) -> bool {
        matches!(self, NotifyFilter::Selected | NotifyFilter::SelectedDelayed)
    }
}

/// `events = ( "(" event *(SP event) ")" ) / "NONE"`
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotifyEvents {
    /// `NONE`: no events for these mailboxes.
    None,
    /// These events (at least one).
    Events(Vec<NotifyEvent>),
}

impl NotifyEvents {
    /// `MessageNew [(fetch)] MessageExpunge FlagChange`: the usual message events. `fetch`
    /// (for `MessageNew`) may only be non-empty with a `selected` filter.
    pub fn message_events(fetch: Vec<FetchAttr>) -> Self {
        NotifyEvents::Events(vec![
            NotifyEvent::MessageNew { fetch },
            NotifyEvent::MessageExpunge,
            NotifyEvent::FlagChange,
        ])
    }
}

/// `event = message-event / mailbox-event / user-event / event-ext` (RFC 5465 §5).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum NotifyEvent {
    /// `MessageNew [(fetch-att ...)]`: a message arrived. The fetch items, allowed only with a
    /// `selected` filter, are sent along with the new message's number. Requires
    /// `MessageExpunge` in the same group.
    MessageNew {
        /// Items to fetch for new messages (may be empty).
        fetch: Vec<FetchAttr>,
    },
    /// `MessageExpunge`. Requires `MessageNew` in the same group.
    MessageExpunge,
    /// `FlagChange`. Requires `MessageNew` and `MessageExpunge` in the same group.
    FlagChange,
    /// `AnnotationChange`. Requires `MessageNew` and `MessageExpunge` in the same group.
    AnnotationChange,
    /// `MailboxName`: mailboxes created, deleted or renamed.
    MailboxName,
    /// `SubscriptionChange`
    SubscriptionChange,
    /// `MailboxMetadataChange` (RFC 5464)
    MailboxMetadataChange,
    /// `ServerMetadataChange` (RFC 5464)
    ServerMetadataChange,
    /// `event-ext = atom`: an extension event.
    Other(String),
}

impl NotifyEvent {
    /// True for the message events, the only ones allowed with a `selected` filter.
    pub fn is_message_event(&self) -> bool {
        matches!(
            self,
            NotifyEvent::MessageNew { .. }
                | NotifyEvent::MessageExpunge
                | NotifyEvent::FlagChange
                | NotifyEvent::AnnotationChange
        )
    }
}
