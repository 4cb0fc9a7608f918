//! Tables of protocol names for unit-like values (system flags, mailbox attributes, response
//! codes): one table serves both parsing (case-insensitively, RFC 9051 §2.3.2, §7.1) and
//! writing the name back.

/// Values by their protocol names.
pub(crate) struct NameTable<T: 'static>(pub(crate) &'static [(&'static str, T)]);

impl<T: PartialEq + Clone> NameTable<T> {
    /// The value named `name`, matched ignoring ASCII case.
    pub(crate) fn find(&self, name: &[u8]) -> Option<T> {
        self.0.iter().find_map(|(spelling, value)| {
            name.eq_ignore_ascii_case(spelling.as_bytes())
                .then(|| value.clone())
        })
    }

    /// The name of `value`, if the table has it.
    pub(crate) fn name_of(&self, value: &T) -> Option<&'static str> {
        self.0
            .iter()
            .find_map(|(spelling, known)| (known == value).then_some(*spelling))
    }
}
