//! Why a command could not be encoded: the error of the argument builders in this module and
//! of the encoder.

/// Why a command could not be encoded. Nothing has been sent when this comes back.
///
/// Values that may be secrets (LOGIN passwords, string arguments in general) are never copied
/// into an error; only atom-only arguments, raw criteria text and sequence sets are.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EncodeError {
    /// The tag is empty or has a character outside `ASTRING-CHAR` (or a `+`).
    #[error("invalid command tag {tag:?}: a tag is one or more ASTRING-CHARs other than '+'")]
    InvalidTag {
        /// The refused tag.
        tag: String,
    },
    /// An argument the grammar only allows as an atom (flag keyword, capability name, sort key,
    /// status item, ...) is empty or has a character outside `ATOM-CHAR`.
    #[error(
        "{what} must be an IMAP atom (no space, control, 8-bit or any of (){{%*\"\\]), got {value:?}"
    )]
    InvalidAtom {
        /// Which argument.
        what: &'static str,
        /// The refused value.
        value: String,
    },
    /// A string argument contains NUL, which IMAP cannot carry in a quoted string or a text
    /// literal (RFC 9051 §4.3: `CHAR8` excludes NUL).
    #[error("{what} contains a NUL byte, which IMAP cannot send in a string")]
    ContainsNul {
        /// Which argument.
        what: &'static str,
    },
    /// Caller-supplied raw protocol text (search criteria, LIST options, ...) that would be
    /// unsafe or malformed on the command line.
    #[error("raw {what} {value:?} refused: {reason}")]
    UnsafeRawText {
        /// Which argument.
        what: &'static str,
        /// The refused text.
        value: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A sequence set that is empty, has a zero, or is otherwise malformed.
    #[error("invalid sequence set {value:?}: {reason}")]
    InvalidSequenceSet {
        /// The refused text (or a description of the refused values).
        value: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A date-time that does not match `"dd-Mon-yyyy hh:mm:ss +zzzz"` (RFC 9051 §9 `date-time`).
    #[error("invalid date-time {value:?}: expected \"dd-Mon-yyyy hh:mm:ss +zzzz\"")]
    InvalidDateTime {
        /// The refused value.
        value: String,
    },
    /// An argument that breaks a rule of the command's grammar or its RFC (empty list, zero
    /// where a non-zero number is required, a combination the RFC forbids, ...).
    #[error("invalid {what}: {reason}")]
    InvalidArgument {
        /// Which argument.
        what: &'static str,
        /// The rule it breaks.
        reason: &'static str,
    },
}
