//! What an op's commands become before the connection writes them: tagged, in order.

use crate::encode::Fragment;

/// Produces command tags `A0001`, `A0002`, ...
#[derive(Debug, Default)]
pub struct TagGenerator {
    next: u32,
}

impl TagGenerator {
    /// The next unused tag.
    pub fn next_tag(&mut self) -> String {
        let tag = self.upcoming();
        self.next = self.next.wrapping_add(1);
        tag
    }

    /// The tag [`TagGenerator::next_tag`] will return, without using it up: a command that
    /// fails to encode then leaves no gap in the tag sequence.
    pub fn upcoming(&self) -> String {
        format!("A{:04}", self.next.wrapping_add(1))
    }
}

/// A command an op queued: its tag (none for continuation lines such as `DONE` or SASL
/// responses) and its fragments.
#[derive(Debug)]
pub struct QueuedCommand {
    pub(crate) tag: Option<String>,
    pub(crate) fragments: Vec<Fragment>,
    /// It carries credentials ([`crate::encode::EncodedCommand::is_sensitive`]).
    pub(crate) sensitive: bool,
}
