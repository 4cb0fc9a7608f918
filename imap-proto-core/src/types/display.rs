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

#[cfg(test)]
mod tests {
    use bytes::Bytes;

    use super::*;
    use crate::parse::parse_response;
    use crate::types::{Capability, NameEncoding, Response, StatusKind};

    /// The response code of `line` (a tagged or untagged status response).
    fn code(line: &str) -> ResponseCode {
        let response = parse_response(Bytes::from(format!("{line}\r\n")), &Default::default());
        let status = match response.expect(line) {
            Response::Tagged(tagged) => tagged.status,
            Response::Untagged(crate::types::Untagged::Status(status)) => status,
            other => panic!("{line}: {other:?}"),
        };
        assert!(matches!(status.kind, StatusKind::Ok | StatusKind::No));
        status.code.expect(line)
    }

    #[test]
    fn response_codes_read_as_sent() {
        for text in [
            "ALERT",
            "BADCHARSET (UTF-8 US-ASCII)",
            "CAPABILITY IMAP4rev1 IDLE AUTH=PLAIN",
            "PERMANENTFLAGS (\\Seen \\Deleted $Junk \\*)",
            "READ-ONLY",
            "UIDNEXT 4392",
            "UIDVALIDITY 3857529045",
            "APPENDUID 38505 3955",
            "COPYUID 38505 304,319:320 3956:3958",
            "HIGHESTMODSEQ 715194045007",
            "MODIFIED 7,9",
            "MAILBOXID (F2212ea87-6097-4256-9d51-71338625)",
            "METADATA LONGENTRIES 2199",
            "NONEXISTENT",
            "UNKNOWN-CTE",
            "URLMECH INTERNAL",
        ] {
            assert_eq!(code(&format!("a1 OK [{text}] done")).to_string(), text);
        }
    }

    #[test]
    fn flags_and_attributes_read_as_sent() {
        let flags: Vec<String> = [
            Flag::Seen,
            Flag::MayCreate,
            Flag::keyword("$Junk"),
            Flag::Extension(Bytes::from_static(b"X-Custom")),
        ]
        .iter()
        .map(Flag::to_string)
        .collect();
        assert_eq!(flags, ["\\Seen", "\\*", "$Junk", "\\X-Custom"]);
        assert_eq!(
            MailboxAttribute::HasNoChildren.to_string(),
            "\\HasNoChildren"
        );
        assert_eq!(
            MailboxAttribute::Extension(Bytes::from_static(b"X-Thing")).to_string(),
            "\\X-Thing"
        );
        assert_eq!(Capability::new("AUTH=PLAIN").to_string(), "AUTH=PLAIN");
    }

    #[test]
    fn mailbox_names_read_in_the_sessions_encoding() {
        let wire = Bytes::from_static(b"Entw&APw-rfe");
        assert_eq!(Mailbox::from_wire(wire.clone()).to_string(), "Entwürfe");
        assert_eq!(
            Mailbox::from_wire_in(wire.clone(), NameEncoding::Utf8).to_string(),
            "Entw&APw-rfe"
        );
        let list = |names| {
            let line = Bytes::from_static(b"* LIST () \"/\" Entw&APw-rfe\r\n");
            match crate::parse::parse_response_in(line, &Default::default(), names) {
                Ok(Response::Untagged(crate::types::Untagged::List(info))) => info.mailbox,
                other => panic!("{other:?}"),
            }
        };
        assert_eq!(list(NameEncoding::ModifiedUtf7).name(), "Entwürfe");
        assert_eq!(list(NameEncoding::Utf8).name(), "Entw&APw-rfe");
        let utf8 = Bytes::from("Entwürfe".as_bytes());
        assert_eq!(
            Mailbox::from_wire_in(utf8, NameEncoding::Utf8).to_string(),
            "Entwürfe"
        );
    }
}
