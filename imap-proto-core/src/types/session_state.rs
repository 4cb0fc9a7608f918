//! Where the session is in the protocol's state machine.

/// The four session states of RFC 3501 §3 / RFC 9051 §3.
///
/// Exhaustive on purpose: the RFCs' state diagram is closed, and code that branches on the
/// state should have to handle each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SessionState {
    /// Before LOGIN/AUTHENTICATE (or after UNAUTHENTICATE).
    NotAuthenticated,
    /// Logged in, no mailbox selected.
    Authenticated,
    /// A mailbox is selected.
    Selected,
    /// The server said BYE or LOGOUT completed.
    Logout,
}
