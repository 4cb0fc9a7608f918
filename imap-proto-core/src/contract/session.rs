//! What the client knows about the session: its state, the server's capabilities, the
//! extensions enabled, and the selected mailbox. Kept current from every response, solicited
//! or not (RFC 9051 §5.2, §7).

use crate::types::detach::Detach;
use crate::types::{
    Capability, Mailbox, ResponseCode, SelectedMailbox, StatusKind,
    StatusResponse, UidRange, Untagged,
};

pub use crate::types::SessionState;

/// The client's view of the session.
#[derive(Debug, Clone)]
pub struct Session {
    pub(crate) state: SessionState,
    capabilities: Vec<Capability>,
    /// Counts the replacements of `capabilities` ([`Session::capabilities_generation`]).
    capabilities_generation: u64,
    enabled: Vec<Capability>,
    /// How mailbox names travel, derived from `capabilities` and `enabled` whenever either
    /// changes ([`Session::refresh_names`]): every response is parsed with it, and working
    /// it out compares capability strings.
    names: crate::types::NameEncoding,
    pub(crate) selected: Option<SelectedMailbox>,
    pub(crate) notify_active: bool,
    pub(crate) tls_active: bool,
    pub(crate) compress_active: bool,
    pub(crate) greeted: bool,
}

impl Session {
    pub(crate) fn new(tls_active: bool) -> Self {
        Session {
            state: SessionState::NotAuthenticated,
            capabilities: Vec::new(),
            capabilities_generation: 0,
            enabled: Vec::new(),
            names: crate::types::NameEncoding::ModifiedUtf7,
            selected: None,
            notify_active: false,
            tls_active,
            compress_active: false,
            greeted: false,
        }
    }

    /// The current state.
    pub fn state(&self) -> SessionState {
        self.state
    }

    /// The capabilities the server last advertised.
    pub fn capabilities(&self) -> &[Capability] {
        &self.capabilities
    }

    /// Moves each time the capabilities are replaced or forgotten, and only then: a driver
    /// that publishes the session compares the capability list only when it moved, not
    /// after every read of a large FETCH (issue 15).
    #[doc(hidden)]
    pub fn capabilities_generation(&self) -> u64 {
        self.capabilities_generation
    }

    /// True if the server advertises `atom` (case-insensitive, e.g. `"IDLE"`, `"AUTH=PLAIN"`).
    pub fn has_capability(&self, atom: &str) -> bool {
        self.capabilities.iter().any(|c| c.is(atom))
    }

    /// True on an IMAP4rev2 session: the server advertises IMAP4rev2 and either does not
    /// advertise IMAP4rev1 or the client enabled IMAP4rev2 (RFC 9051 §2.3).
    pub fn is_rev2(&self) -> bool {
        self.has_capability("IMAP4rev2")
            && (!self.has_capability("IMAP4rev1") || self.is_enabled("IMAP4rev2"))
    }

    /// True if the server supports `atom` or it is part of IMAP4rev2 and the session is rev2.
    pub fn has_or_rev2(&self, atom: &str) -> bool {
        self.has_capability(atom) || self.is_rev2()
    }

    /// Extensions enabled with ENABLE (RFC 5161).
    pub fn enabled(&self) -> &[Capability] {
        &self.enabled
    }

    /// True if `atom` was enabled.
    pub fn is_enabled(&self, atom: &str) -> bool {
        self.enabled.iter().any(|c| c.is(atom))
    }

    /// How mailbox names travel now: UTF-8 in [`Session::utf8_mode`], modified UTF-7 before.
    pub fn name_encoding(&self) -> crate::types::NameEncoding {
        self.names
    }

    /// True when mailbox names and strings travel as UTF-8 (UTF8=ACCEPT enabled, or rev2).
    pub fn utf8_mode(&self) -> bool {
        self.names == crate::types::NameEncoding::Utf8
    }

    /// Works the name encoding out again; called by everything that changes the
    /// capabilities or the enabled extensions.
    fn refresh_names(&mut self) {
        let utf8 =
            self.is_enabled("UTF8=ACCEPT") || self.is_enabled("UTF8=ONLY") || self.is_rev2();
        self.names = if utf8 {
            crate::types::NameEncoding::Utf8
        } else {
            crate::types::NameEncoding::ModifiedUtf7
        };
    }

    /// Replaces the capabilities with what the server advertised.
    fn set_capabilities(&mut self, caps: &[Capability]) {
        self.capabilities = caps.to_vec();
        self.capabilities_generation += 1;
        self.refresh_names();
    }

    /// Forgets the capabilities (they may change after STARTTLS or authentication).
    pub(crate) fn forget_capabilities(&mut self) {
        self.capabilities.clear();
        self.capabilities_generation += 1;
        self.refresh_names();
    }

    /// Records extensions the server enabled (RFC 5161), each once.
    pub(crate) fn enable(&mut self, caps: impl IntoIterator<Item = Capability>) {
        for cap in caps {
            if !self.is_enabled(cap.as_str()) {
                self.enabled.push(cap);
            }
        }
        self.refresh_names();
    }

    /// The selected mailbox, if any.
    pub fn selected(&self) -> Option<&SelectedMailbox> {
        self.selected.as_ref()
    }

    /// True while a NOTIFY SET is in force (RFC 5465).
    pub fn notify_active(&self) -> bool {
        self.notify_active
    }

    /// True once TLS is established (implicit or STARTTLS).
    pub fn tls_active(&self) -> bool {
        self.tls_active
    }

    /// True once COMPRESS=DEFLATE is active.
    pub fn compress_active(&self) -> bool {
        self.compress_active
    }

    /// The APPENDLIMIT the server advertises (RFC 7889 §3), if it gives a number.
    pub fn append_limit(&self) -> Option<u64> {
        self.capabilities
            .iter()
            .find(|c| c.name().eq_ignore_ascii_case("APPENDLIMIT"))
            .and_then(|c| c.value())
            .and_then(|v| v.parse().ok())
    }

    /// Applies the session side effects of a response code (tagged or untagged).
    pub(crate) fn apply_code(&mut self, code: &ResponseCode) {
        match code {
            ResponseCode::Capability(caps) => self.set_capabilities(caps),
            // Kept for the session's life: copied out of the read buffer (`Detach`).
            _ => {
                if let Some(mailbox) = self.selected.as_mut() {
                    match code {
                        ResponseCode::UidNext(n) => mailbox.uid_next = Some(*n),
                        ResponseCode::UidValidity(n) => mailbox.uid_validity = Some(*n),
                        ResponseCode::Unseen(n) => mailbox.unseen = Some(*n),
                        ResponseCode::HighestModSeq(n) => mailbox.highest_modseq = Some(*n),
                        ResponseCode::NoModSeq => mailbox.no_modseq = true,
                        ResponseCode::PermanentFlags(flags) => {
                            mailbox.permanent_flags = flags.detached()
                        }
                        ResponseCode::ReadOnly => mailbox.read_only = true,
                        ResponseCode::ReadWrite => mailbox.read_only = false,
                        ResponseCode::MailboxId(id) => mailbox.mailbox_id = Some(id.detached()),
                        _ => {}
                    }
                }
            }
        }
    }

    /// Applies the side effects of an untagged response, whoever it is routed to afterwards.
    pub(crate) fn apply_untagged(&mut self, data: &Untagged) {
        match data {
            Untagged::Status(status) => self.apply_status(status),
            Untagged::Capability(caps) => self.set_capabilities(caps),
            Untagged::Exists(n) => {
                if let Some(mailbox) = self.selected.as_mut() {
                    mailbox.exists = *n;
                }
            }
            Untagged::Recent(n) => {
                if let Some(mailbox) = self.selected.as_mut() {
                    mailbox.recent = *n;
                }
            }
            Untagged::Expunge(_) => {
                if let Some(mailbox) = self.selected.as_mut() {
                    mailbox.exists = mailbox.exists.saturating_sub(1);
                }
            }
            Untagged::Vanished {
                earlier: false,
                uids,
            } => {
                if let Some(mailbox) = self.selected.as_mut() {
                    let gone: u64 = uids.iter().map(UidRange::len).sum();
                    let gone = u32::try_from(gone).unwrap_or(u32::MAX);
                    mailbox.exists = mailbox.exists.saturating_sub(gone);
                }
            }
            Untagged::Flags(flags) => {
                if let Some(mailbox) = self.selected.as_mut() {
                    mailbox.flags = flags.detached();
                }
            }
            Untagged::Fetch(fetch) => {
                if let (Some(mailbox), Some(modseq)) = (self.selected.as_mut(), fetch.modseq())
                    && mailbox.highest_modseq.is_some_and(|h| h < modseq)
                {
                    mailbox.highest_modseq = Some(modseq);
                }
            }
            _ => {}
        }
    }

    fn apply_status(&mut self, status: &StatusResponse) {
        if let Some(code) = &status.code {
            if matches!(code, ResponseCode::Closed) {
                // RFC 7162 §3.2.11: the previous mailbox is closed; a new one follows.
                return;
            }
            self.apply_code(code);
        }
        match status.kind {
            StatusKind::Bye => self.state = SessionState::Logout,
            StatusKind::PreAuth if !self.greeted => self.state = SessionState::Authenticated,
            _ => {}
        }
        self.greeted = true;
    }

    /// Leaves the Selected state (CLOSE, UNSELECT, a failed SELECT).
    pub(crate) fn leave_selected(&mut self) {
        self.selected = None;
        if self.state == SessionState::Selected {
            self.state = SessionState::Authenticated;
        }
    }

    /// Forgets all per-user state (UNAUTHENTICATE, RFC 8437 §2).
    pub(crate) fn reset_to_not_authenticated(&mut self) {
        self.selected = None;
        self.enabled.clear();
        self.refresh_names();
        self.notify_active = false;
        self.state = SessionState::NotAuthenticated;
    }

    /// The mailbox name wire form for the current mode (for comparisons with server data).
    pub(crate) fn mailbox_name(&self, mailbox: &Mailbox) -> String {
        if self.utf8_mode() {
            mailbox.utf8_name().into_owned()
        } else {
            mailbox.name().into_owned()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::NameEncoding;

    /// The kept name encoding follows every change of the capabilities and the enabled
    /// extensions, as working it out afresh would.
    #[test]
    fn name_encoding_follows_capabilities_and_enabled_extensions() {
        let caps = |atoms: &[&str]| atoms.iter().map(|&a| Capability::new(a)).collect::<Vec<_>>();
        let mut session = Session::new(false);
        assert_eq!(session.name_encoding(), NameEncoding::ModifiedUtf7);
        session.apply_untagged(&Untagged::Capability(caps(&["IMAP4rev2"])));
        assert_eq!(session.name_encoding(), NameEncoding::Utf8);
        assert!(session.utf8_mode());
        session.apply_code(&ResponseCode::Capability(caps(&["IMAP4rev1", "IMAP4rev2"])));
        assert_eq!(session.name_encoding(), NameEncoding::ModifiedUtf7);
        session.enable(caps(&["IMAP4rev2"]));
        assert_eq!(session.name_encoding(), NameEncoding::Utf8);
        session.forget_capabilities();
        assert_eq!(session.name_encoding(), NameEncoding::ModifiedUtf7);
        session.enable(caps(&["UTF8=ACCEPT", "UTF8=ACCEPT"]));
        assert_eq!(session.enabled().len(), 2, "IMAP4rev2 and UTF8=ACCEPT, each once");
        assert_eq!(session.name_encoding(), NameEncoding::Utf8);
        session.reset_to_not_authenticated();
        assert_eq!(session.name_encoding(), NameEncoding::ModifiedUtf7);
        assert!(!session.utf8_mode());
    }

    /// The capabilities generation moves with every replacement or forgetting of the
    /// capabilities, even to an equal list, and with nothing else.
    #[test]
    fn capabilities_generation_moves_only_when_the_capabilities_are_replaced() {
        let caps = |atoms: &[&str]| atoms.iter().map(|&a| Capability::new(a)).collect::<Vec<_>>();
        let mut session = Session::new(false);
        let start = session.capabilities_generation();
        session.apply_untagged(&Untagged::Exists(3));
        session.enable(caps(&["CONDSTORE"]));
        session.reset_to_not_authenticated();
        assert_eq!(session.capabilities_generation(), start);
        session.apply_untagged(&Untagged::Capability(caps(&["IMAP4rev1"])));
        assert_eq!(session.capabilities_generation(), start + 1);
        session.apply_code(&ResponseCode::Capability(caps(&["IMAP4rev1"])));
        assert_eq!(session.capabilities_generation(), start + 2);
        session.forget_capabilities();
        assert_eq!(session.capabilities_generation(), start + 3);
    }
}
