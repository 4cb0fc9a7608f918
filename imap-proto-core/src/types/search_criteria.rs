//! A builder for SEARCH criteria (RFC 9051 §6.4.4 `search-key`, RFC 7162 `MODSEQ`, RFC 5032
//! `OLDER`/`YOUNGER`, RFC 8474 `EMAILID`/`THREADID`).

use std::fmt;

use super::EncodeError;
use super::lexical::{MAX_MOD_SEQUENCE, MONTHS, check_atom, check_raw_text};

use super::SequenceSet;

/// SEARCH criteria, built key by key; the keys are ANDed.
///
/// It renders to the criteria text that SEARCH, SORT and THREAD take (it implements
/// `AsRef<str>`, like a plain `&str` of criteria), so it must fit on one command line:
///
/// - string values (`from`, `subject`, `header`, ...) are always written as quoted strings,
///   with `"` and `\` escaped. Values containing CR, LF or NUL cannot be quoted, so those
///   methods return [`EncodeError::InvalidArgument`] instead of building them. Non-ASCII text
///   is kept in the quoted string; the encoder resends such a string as a literal (and adds
///   `CHARSET UTF-8`) when the session is not in UTF-8 mode.
/// - methods that can fail return `Result<Self, EncodeError>`, so a built value is always
///   valid; the encoder checks criteria text again anyway, since any `&str` can be passed.
/// - an empty builder renders as `ALL`.
///
/// ```
/// # use imap_proto_core::types::SearchCriteria;
/// let criteria = SearchCriteria::new()
///     .unseen()
///     .from("alice \"the admin\"")?
///     .since(2026, 3, 1)?
///     .or(SearchCriteria::new().flagged(), SearchCriteria::new().larger(1_000_000));
/// assert_eq!(
///     criteria.as_ref(),
///     r#"UNSEEN FROM "alice \"the admin\"" SINCE 1-Mar-2026 OR (FLAGGED) (LARGER 1000000)"#
/// );
/// # Ok::<(), imap_proto_core::EncodeError>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct SearchCriteria {
    text: String,
}

impl SearchCriteria {
    /// No keys yet (renders as `ALL` until one is added).
    pub fn new() -> Self {
        Self::default()
    }

    /// True when no key has been added.
    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }

    /// The criteria text.
    pub fn as_str(&self) -> &str {
        if self.text.is_empty() {
            "ALL"
        } else {
            &self.text
        }
    }

    fn key(mut self, key: &str) -> Self {
        if !self.text.is_empty() {
            self.text.push(' ');
        }
        self.text.push_str(key);
        self
    }

    fn key_with_string(self, key: &str, value: &str) -> Result<Self, EncodeError> {
        let quoted = quote("search text", value)?;
        Ok(self.key(&format!("{key} {quoted}")))
    }

    fn key_with_date(self, key: &str, year: u16, month: u8, day: u8) -> Result<Self, EncodeError> {
        let date = search_date(year, month, day)?;
        Ok(self.key(&format!("{key} {date}")))
    }

    /// `ALL`: every message.
    pub fn all(self) -> Self {
        self.key("ALL")
    }
    /// `ANSWERED`
    pub fn answered(self) -> Self {
        self.key("ANSWERED")
    }
    /// `UNANSWERED`
    pub fn unanswered(self) -> Self {
        self.key("UNANSWERED")
    }
    /// `DELETED`
    pub fn deleted(self) -> Self {
        self.key("DELETED")
    }
    /// `UNDELETED`
    pub fn undeleted(self) -> Self {
        self.key("UNDELETED")
    }
    /// `DRAFT`
    pub fn draft(self) -> Self {
        self.key("DRAFT")
    }
    /// `UNDRAFT`
    pub fn undraft(self) -> Self {
        self.key("UNDRAFT")
    }
    /// `FLAGGED`
    pub fn flagged(self) -> Self {
        self.key("FLAGGED")
    }
    /// `UNFLAGGED`
    pub fn unflagged(self) -> Self {
        self.key("UNFLAGGED")
    }
    /// `SEEN`
    pub fn seen(self) -> Self {
        self.key("SEEN")
    }
    /// `UNSEEN`
    pub fn unseen(self) -> Self {
        self.key("UNSEEN")
    }
    /// `NEW` (IMAP4rev1 only: recent and unseen).
    pub fn new_messages(self) -> Self {
        self.key("NEW")
    }
    /// `OLD` (IMAP4rev1 only: not recent).
    pub fn old(self) -> Self {
        self.key("OLD")
    }
    /// `RECENT` (IMAP4rev1 only).
    pub fn recent(self) -> Self {
        self.key("RECENT")
    }

    /// `FROM "value"`: substring of the From header.
    pub fn from(self, value: &str) -> Result<Self, EncodeError> {
        self.key_with_string("FROM", value)
    }
    /// `TO "value"`
    pub fn to(self, value: &str) -> Result<Self, EncodeError> {
        self.key_with_string("TO", value)
    }
    /// `CC "value"`
    pub fn cc(self, value: &str) -> Result<Self, EncodeError> {
        self.key_with_string("CC", value)
    }
    /// `BCC "value"`
    pub fn bcc(self, value: &str) -> Result<Self, EncodeError> {
        self.key_with_string("BCC", value)
    }
    /// `SUBJECT "value"`
    pub fn subject(self, value: &str) -> Result<Self, EncodeError> {
        self.key_with_string("SUBJECT", value)
    }
    /// `BODY "value"`: substring of the body.
    pub fn body(self, value: &str) -> Result<Self, EncodeError> {
        self.key_with_string("BODY", value)
    }
    /// `TEXT "value"`: substring of the header or body.
    pub fn text(self, value: &str) -> Result<Self, EncodeError> {
        self.key_with_string("TEXT", value)
    }
    /// `HEADER "name" "value"`: the header field contains `value` (an empty value matches
    /// every message that has the field).
    pub fn header(self, name: &str, value: &str) -> Result<Self, EncodeError> {
        let name = quote("header field name", name)?;
        let value = quote("search text", value)?;
        Ok(self.key(&format!("HEADER {name} {value}")))
    }
    /// `KEYWORD name`: the keyword flag is set. The name must be an atom.
    pub fn keyword(self, name: &str) -> Result<Self, EncodeError> {
        check_atom("flag keyword", name)?;
        Ok(self.key(&format!("KEYWORD {name}")))
    }
    /// `UNKEYWORD name`
    pub fn unkeyword(self, name: &str) -> Result<Self, EncodeError> {
        check_atom("flag keyword", name)?;
        Ok(self.key(&format!("UNKEYWORD {name}")))
    }

    /// `SINCE d-Mon-yyyy`: internal date on or after the day. Fails for an invalid date.
    pub fn since(self, year: u16, month: u8, day: u8) -> Result<Self, EncodeError> {
        self.key_with_date("SINCE", year, month, day)
    }
    /// `BEFORE d-Mon-yyyy`: internal date before the day.
    pub fn before(self, year: u16, month: u8, day: u8) -> Result<Self, EncodeError> {
        self.key_with_date("BEFORE", year, month, day)
    }
    /// `ON d-Mon-yyyy`: internal date on the day.
    pub fn on(self, year: u16, month: u8, day: u8) -> Result<Self, EncodeError> {
        self.key_with_date("ON", year, month, day)
    }
    /// `SENTSINCE d-Mon-yyyy`: Date header on or after the day.
    pub fn sent_since(self, year: u16, month: u8, day: u8) -> Result<Self, EncodeError> {
        self.key_with_date("SENTSINCE", year, month, day)
    }
    /// `SENTBEFORE d-Mon-yyyy`
    pub fn sent_before(self, year: u16, month: u8, day: u8) -> Result<Self, EncodeError> {
        self.key_with_date("SENTBEFORE", year, month, day)
    }
    /// `SENTON d-Mon-yyyy`
    pub fn sent_on(self, year: u16, month: u8, day: u8) -> Result<Self, EncodeError> {
        self.key_with_date("SENTON", year, month, day)
    }

    /// `LARGER n`: RFC822.SIZE greater than `n`.
    pub fn larger(self, octets: u64) -> Self {
        self.key(&format!("LARGER {octets}"))
    }
    /// `SMALLER n`
    pub fn smaller(self, octets: u64) -> Self {
        self.key(&format!("SMALLER {octets}"))
    }
    /// `UID set`
    pub fn uid(self, set: &SequenceSet) -> Self {
        self.key(&format!("UID {set}"))
    }
    /// A bare sequence set: messages with these sequence numbers.
    pub fn sequence(self, set: &SequenceSet) -> Self {
        self.key(&set.to_string())
    }
    /// `MODSEQ n`: mod-sequence at least `n` (RFC 7162 §3.1.5). Fails above 2^63-1.
    pub fn modseq(self, mod_seq: u64) -> Result<Self, EncodeError> {
        if mod_seq > MAX_MOD_SEQUENCE {
            return Err(EncodeError::InvalidArgument {
                what: "MODSEQ",
                reason: "a mod-sequence is at most 2^63-1",
            });
        }
        Ok(self.key(&format!("MODSEQ {mod_seq}")))
    }
    /// `OLDER n`: arrived more than `n` seconds ago (RFC 5032, WITHIN).
    pub fn older(self, seconds: u32) -> Self {
        self.key(&format!("OLDER {seconds}"))
    }
    /// `YOUNGER n`: arrived at most `n` seconds ago (RFC 5032, WITHIN).
    pub fn younger(self, seconds: u32) -> Self {
        self.key(&format!("YOUNGER {seconds}"))
    }
    /// `EMAILID id` (RFC 8474 §6). `objectid = 1*255(ALPHA / DIGIT / "_" / "-")`.
    pub fn email_id(self, id: &str) -> Result<Self, EncodeError> {
        check_object_id(id)?;
        Ok(self.key(&format!("EMAILID {id}")))
    }
    /// `THREADID id` (RFC 8474 §6).
    pub fn thread_id(self, id: &str) -> Result<Self, EncodeError> {
        check_object_id(id)?;
        Ok(self.key(&format!("THREADID {id}")))
    }

    /// `(criteria)`: adds a parenthesised group (ANDed like any key).
    pub fn and(self, group: SearchCriteria) -> Self {
        self.key(&format!("({})", group.as_str()))
    }
    /// `OR (a) (b)`: either group matches.
    pub fn or(self, a: SearchCriteria, b: SearchCriteria) -> Self {
        self.key(&format!("OR ({}) ({})", a.as_str(), b.as_str()))
    }
    /// `NOT (criteria)`
    pub fn not(self, group: SearchCriteria) -> Self {
        self.key(&format!("NOT ({})", group.as_str()))
    }

    /// Appends raw criteria text for keys this builder lacks. It is checked like any raw
    /// criteria (no CR, LF, NUL, other controls or `{`; quotes and parentheses balanced).
    pub fn raw(self, criteria: &str) -> Result<Self, EncodeError> {
        check_raw_text("search criteria", criteria)?;
        if criteria.trim().is_empty() {
            return Err(EncodeError::InvalidArgument {
                what: "search criteria",
                reason: "empty",
            });
        }
        Ok(self.key(criteria))
    }
}

impl AsRef<str> for SearchCriteria {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl fmt::Display for SearchCriteria {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A quoted string for criteria text; CR, LF and NUL cannot be quoted.
fn quote(what: &'static str, value: &str) -> Result<String, EncodeError> {
    if value.contains(['\r', '\n', '\0']) {
        return Err(EncodeError::InvalidArgument {
            what,
            reason: "CR, LF and NUL cannot be sent in search criteria",
        });
    }
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for ch in value.chars() {
        if ch == '"' || ch == '\\' {
            out.push('\\');
        }
        out.push(ch);
    }
    out.push('"');
    Ok(out)
}

/// `date-text = date-day "-" date-month "-" date-year` (RFC 9051 §9), e.g. `1-Mar-2026`.
fn search_date(year: u16, month: u8, day: u8) -> Result<String, EncodeError> {
    let days_in_month = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400)) => {
            29
        }
        2 => 28,
        _ => 0,
    };
    if !(1..=9999).contains(&year) || day == 0 || day > days_in_month {
        return Err(EncodeError::InvalidArgument {
            what: "search date",
            reason: "not a valid calendar date with a 4-digit year",
        });
    }
    Ok(format!(
        "{day}-{}-{year:04}",
        MONTHS[usize::from(month - 1)]
    ))
}

/// `objectid = 1*255(ALPHA / DIGIT / "_" / "-")` (RFC 8474 §7).
fn check_object_id(id: &str) -> Result<(), EncodeError> {
    let ok = (1..=255).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if ok {
        Ok(())
    } else {
        Err(EncodeError::InvalidAtom {
            what: "object id",
            value: id.to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_keys() {
        let c = SearchCriteria::new()
            .seen()
            .to("bob@example.org")
            .unwrap()
            .header("X-Tag", "")
            .unwrap()
            .keyword("$Junk")
            .unwrap()
            .before(2024, 2, 29)
            .unwrap()
            .uid(&"1:*".parse().unwrap())
            .modseq(42)
            .unwrap()
            .younger(3600)
            .not(SearchCriteria::new().deleted())
            .and(SearchCriteria::new().smaller(10).larger(2))
            .email_id("M6d99ac3275bb4e")
            .unwrap();
        assert_eq!(
            c.as_str(),
            "SEEN TO \"bob@example.org\" HEADER \"X-Tag\" \"\" KEYWORD $Junk \
             BEFORE 29-Feb-2024 UID 1:* MODSEQ 42 YOUNGER 3600 NOT (DELETED) \
             (SMALLER 10 LARGER 2) EMAILID M6d99ac3275bb4e"
        );
    }

    #[test]
    fn empty_means_all() {
        assert_eq!(SearchCriteria::new().as_ref(), "ALL");
        assert_eq!(
            SearchCriteria::new()
                .or(SearchCriteria::new(), SearchCriteria::new().seen())
                .as_str(),
            "OR (ALL) (SEEN)"
        );
    }

    #[test]
    fn escapes_and_keeps_utf8() {
        let c = SearchCriteria::new()
            .subject("a\\b \"c\" gr\u{fc}n")
            .unwrap();
        assert_eq!(c.as_str(), "SUBJECT \"a\\\\b \\\"c\\\" gr\u{fc}n\"");
    }

    #[test]
    fn refuses_what_cannot_be_sent() {
        assert!(SearchCriteria::new().from("a\r\nA2 LOGOUT").is_err());
        assert!(SearchCriteria::new().body("a\0").is_err());
        assert!(SearchCriteria::new().header("X\n", "v").is_err());
        assert!(SearchCriteria::new().keyword("a b").is_err());
        assert!(SearchCriteria::new().since(2026, 2, 29).is_err());
        assert!(SearchCriteria::new().since(2026, 13, 1).is_err());
        assert!(SearchCriteria::new().since(0, 1, 1).is_err());
        assert!(SearchCriteria::new().on(2026, 4, 31).is_err());
        assert!(SearchCriteria::new().modseq(u64::MAX).is_err());
        assert!(SearchCriteria::new().email_id("a b").is_err());
        assert!(SearchCriteria::new().raw("TEXT {3}").is_err());
        assert!(SearchCriteria::new().raw("  ").is_err());
        assert_eq!(
            SearchCriteria::new()
                .raw("X-GM-RAW \"has:attachment\"")
                .unwrap()
                .as_str(),
            "X-GM-RAW \"has:attachment\""
        );
    }

    #[test]
    fn formats_dates() {
        assert_eq!(search_date(2026, 3, 1).unwrap(), "1-Mar-2026");
        assert_eq!(search_date(999, 12, 31).unwrap(), "31-Dec-0999");
        assert_eq!(search_date(2000, 2, 29).unwrap(), "29-Feb-2000");
        assert!(search_date(1900, 2, 29).is_err());
    }
}
