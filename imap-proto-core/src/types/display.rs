//! `Display` for the values users print: flags and mailbox attributes as IMAP writes them
//! (`\Seen`, `$Junk`), mailbox names as users read them, response codes without their
//! brackets (`UIDNEXT 4392`, `APPENDUID 38505 3955`), and UID sets (`4:9,12`).
//! (Capabilities and sequence sets have theirs beside their types.)

use std::fmt;

use super::{Flag, Mailbox, MailboxAttribute, MetadataCode, ResponseCode, SimpleCode, UidRange};

/// Writes `items` separated by `separator`.
fn join<T: fmt::Display>(
    f: &mut fmt::Formatter<'_>,
    items: impl IntoIterator<Item = T>,
    separator: &str,
) -> fmt::Result {
    for (n, item) in items.into_iter().enumerate() {
        if n > 0 {
            f.write_str(separator)?;
        }
        write!(f, "{item}")?;
    }
    Ok(())
}

/// Bytes as text, invalid UTF-8 replaced.
struct Text<'a>(&'a [u8]);

impl fmt::Display for Text<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&String::from_utf8_lossy(self.0))
    }
}

impl fmt::Display for Flag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.system_name(), self) {
            (Some(name), _) => write!(f, "\\{name}"),
            (None, Flag::Extension(name)) => write!(f, "\\{}", Text(name)),
            (None, Flag::Keyword(name)) => Text(name).fmt(f),
            (None, _) => Ok(()),
        }
    }
}

impl fmt::Display for MailboxAttribute {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.known_name(), self) {
            (Some(name), _) => write!(f, "\\{name}"),
            (None, MailboxAttribute::Extension(name)) => write!(f, "\\{}", Text(name)),
            (None, _) => Ok(()),
        }
    }
}

impl fmt::Display for Mailbox {
    /// The name as a user reads it ([`Mailbox::name`]), not its wire form.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}

impl fmt::Display for UidRange {
    /// `uid-range` as sent: `7`, or `4:9`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.start == self.end {
            write!(f, "{}", self.start)
        } else {
            write!(f, "{}:{}", self.start, self.end)
        }
    }
}

impl fmt::Display for SimpleCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for MetadataCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MetadataCode::LongEntries(n) => write!(f, "LONGENTRIES {n}"),
            MetadataCode::MaxSize(n) => write!(f, "MAXSIZE {n}"),
            MetadataCode::TooMany => f.write_str("TOOMANY"),
            MetadataCode::NoPrivate => f.write_str("NOPRIVATE"),
        }
    }
}

impl fmt::Display for ResponseCode {
    /// The code as the server writes it between `[` and `]` (RFC 9051 §7.1).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use ResponseCode as C;
        let word = |f: &mut fmt::Formatter<'_>, word: &str| f.write_str(word);
        match self {
            C::Alert => word(f, "ALERT"),
            C::BadCharset(charsets) if charsets.is_empty() => word(f, "BADCHARSET"),
            C::BadCharset(charsets) => {
                f.write_str("BADCHARSET (")?;
                join(f, charsets.iter().map(|c| Text(c)), " ")?;
                f.write_str(")")
            }
            C::Capability(capabilities) => {
                f.write_str("CAPABILITY ")?;
                join(f, capabilities, " ")
            }
            C::Parse => word(f, "PARSE"),
            C::PermanentFlags(flags) => {
                f.write_str("PERMANENTFLAGS (")?;
                join(f, flags, " ")?;
                f.write_str(")")
            }
            C::ReadOnly => word(f, "READ-ONLY"),
            C::ReadWrite => word(f, "READ-WRITE"),
            C::TryCreate => word(f, "TRYCREATE"),
            C::UidNext(n) => write!(f, "UIDNEXT {n}"),
            C::UidValidity(n) => write!(f, "UIDVALIDITY {n}"),
            C::Unseen(n) => write!(f, "UNSEEN {n}"),
            C::AppendUid { uid_validity, uids } => {
                write!(f, "APPENDUID {uid_validity} ")?;
                join(f, uids, ",")
            }
            C::CopyUid {
                uid_validity,
                source,
                destination,
            } => {
                write!(f, "COPYUID {uid_validity} ")?;
                join(f, source, ",")?;
                f.write_str(" ")?;
                join(f, destination, ",")
            }
            C::UidNotSticky => word(f, "UIDNOTSTICKY"),
            C::HighestModSeq(n) => write!(f, "HIGHESTMODSEQ {n}"),
            C::NoModSeq => word(f, "NOMODSEQ"),
            C::Modified(uids) => {
                f.write_str("MODIFIED ")?;
                join(f, uids, ",")
            }
            C::Closed => word(f, "CLOSED"),
            C::NotSaved => word(f, "NOTSAVED"),
            C::CompressionActive => word(f, "COMPRESSIONACTIVE"),
            C::MailboxId(id) => write!(f, "MAILBOXID ({})", Text(id)),
            C::TooBig => word(f, "TOOBIG"),
            C::Metadata(code) => write!(f, "METADATA {code}"),
            C::BadEvent(events) => {
                f.write_str("BADEVENT (")?;
                join(f, events.iter().map(|e| Text(e)), " ")?;
                f.write_str(")")
            }
            C::NotificationOverflow => word(f, "NOTIFICATIONOVERFLOW"),
            C::UseAttr => word(f, "USEATTR"),
            C::Referral(url) => write!(f, "REFERRAL {}", Text(url)),
            C::Simple(code) => code.fmt(f),
            C::Other { name, value: None } => Text(name).fmt(f),
            C::Other {
                name,
                value: Some(value),
            } => write!(f, "{} {}", Text(name), Text(value)),
        }
    }
}
