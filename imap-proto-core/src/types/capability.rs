//! Capabilities (RFC 3501 §7.2.1, RFC 9051 §7.2.2).

use std::fmt;

/// One capability atom as the server advertised it, e.g. `IMAP4rev1`, `AUTH=PLAIN`,
/// `APPENDLIMIT=4294967295`.
///
/// Capability names are case-insensitive (RFC 9051 §7.2.2), so comparisons ignore ASCII case;
/// the server's spelling is kept for display.
#[derive(Clone, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Capability(Box<str>);

impl Capability {
    /// Wraps a capability atom. Invalid UTF-8 never reaches here: atoms are ASCII.
    pub fn new(atom: impl Into<Box<str>>) -> Self {
        Capability(atom.into())
    }

    /// The atom as the server spelled it.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The part before `=` (`AUTH` for `AUTH=PLAIN`), or the whole atom.
    pub fn name(&self) -> &str {
        self.0.split_once('=').map_or(&self.0, |(name, _)| name)
    }

    /// The part after `=` (`PLAIN` for `AUTH=PLAIN`), if any.
    pub fn value(&self) -> Option<&str> {
        self.0.split_once('=').map(|(_, value)| value)
    }

    /// Case-insensitive comparison with a full atom such as `"IDLE"` or `"AUTH=PLAIN"`.
    pub fn is(&self, atom: &str) -> bool {
        self.0.eq_ignore_ascii_case(atom)
    }
}

impl PartialEq for Capability {
    fn eq(&self, other: &Self) -> bool {
        self.0.eq_ignore_ascii_case(&other.0)
    }
}

impl std::hash::Hash for Capability {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        for b in self.0.bytes() {
            state.write_u8(b.to_ascii_uppercase());
        }
    }
}

impl fmt::Debug for Capability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl fmt::Display for Capability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&str> for Capability {
    fn from(s: &str) -> Self {
        Capability::new(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compares_case_insensitively_and_splits_values() {
        let cap = Capability::new("auth=PLAIN");
        assert!(cap.is("AUTH=plain"));
        assert_eq!(cap, Capability::new("AUTH=PLAIN"));
        assert_eq!(cap.name(), "auth");
        assert_eq!(cap.value(), Some("PLAIN"));
        assert_eq!(Capability::new("IDLE").value(), None);
    }
}
