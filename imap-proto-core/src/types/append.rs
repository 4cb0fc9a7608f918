//! APPEND messages (RFC 9051 §6.3.12, RFC 3502 MULTIAPPEND) and the `date-time` they carry.

use bytes::Bytes;

use super::EncodeError;
use super::lexical::MONTHS;

use super::Flag;

/// One message to APPEND, with its flags and internal date: [`AppendMessage::new`] and the
/// `with_*` setters (`#[non_exhaustive]`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct AppendMessage {
    /// Flags to set. `\Recent` and `\*` are left out when sending (RFC 3501 §2.3.2); keywords
    /// must be atoms.
    pub flags: Vec<Flag>,
    /// The internal date as an IMAP `date-time` such as `"01-Mar-2026 12:30:00 +0100"`
    /// (surrounding double quotes optional; a one-digit day is accepted). Checked when the
    /// command is encoded; see [`normalize_date_time`]. `None` lets the server use the time
    /// of the APPEND.
    pub date: Option<String>,
    /// The whole RFC 5322 message. It may contain NUL only if the server supports BINARY
    /// (RFC 3516), in which case it is sent as a `literal8`.
    pub data: Bytes,
}

impl AppendMessage {
    /// A message with no flags and no date.
    pub fn new(data: impl Into<Bytes>) -> Self {
        AppendMessage {
            flags: Vec::new(),
            date: None,
            data: data.into(),
        }
    }

    /// Sets the flags.
    pub fn with_flags(mut self, flags: impl Into<Vec<Flag>>) -> Self {
        self.flags = flags.into();
        self
    }

    /// Sets the internal date (checked at encoding time).
    pub fn with_date(mut self, date: impl Into<String>) -> Self {
        self.date = Some(date.into());
        self
    }

    /// Sets the internal date from a typed date, in its own zone (see
    /// [`format_date_time`](super::format_date_time); for `append`'s `date: Option<&str>`,
    /// pass `format_date_time(&date)`).
    #[cfg(feature = "chrono")]
    pub fn with_date_time<Tz: chrono::TimeZone>(self, date: &chrono::DateTime<Tz>) -> Self {
        self.with_date(super::format_date_time(date))
    }
}

/// Checks a `date-time` (RFC 9051 §9) and returns its canonical form without quotes:
/// `date-day-fixed "-" date-month "-" date-year SP time SP zone`, e.g.
/// `" 1-Mar-2026 09:05:00 +0100"` (the day is space-padded).
///
/// Accepts the value with or without surrounding double quotes, a one- or two-digit day (or a
/// space-padded one), and month names in any case.
pub fn normalize_date_time(value: &str) -> Result<String, EncodeError> {
    let refuse = || EncodeError::InvalidDateTime {
        value: value.to_owned(),
    };
    let text = value
        .strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .unwrap_or(value);
    if !text.is_ascii() {
        return Err(refuse());
    }
    let text = text.strip_prefix(' ').unwrap_or(text);
    let (date, rest) = text.split_once(' ').ok_or_else(refuse)?;
    let (time, zone) = rest.split_once(' ').ok_or_else(refuse)?;
    let mut date_parts = date.split('-');
    let (Some(day), Some(month), Some(year), None) = (
        date_parts.next(),
        date_parts.next(),
        date_parts.next(),
        date_parts.next(),
    ) else {
        return Err(refuse());
    };
    let digits = |s: &str, len: usize| s.len() == len && s.bytes().all(|b| b.is_ascii_digit());
    let number = |s: &str| s.parse::<u32>().map_err(|_| refuse());
    if !(digits(day, 1) || digits(day, 2)) || !digits(year, 4) {
        return Err(refuse());
    }
    let day_n = number(day)?;
    let month_index = MONTHS
        .iter()
        .position(|m| m.eq_ignore_ascii_case(month))
        .ok_or_else(refuse)?;
    if !(1..=31).contains(&day_n) {
        return Err(refuse());
    }
    let mut hms = time.split(':');
    let (Some(h), Some(m), Some(s), None) = (hms.next(), hms.next(), hms.next(), hms.next()) else {
        return Err(refuse());
    };
    if !(digits(h, 2) && digits(m, 2) && digits(s, 2)) {
        return Err(refuse());
    }
    // 60 allows a leap second.
    if number(h)? > 23 || number(m)? > 59 || number(s)? > 60 {
        return Err(refuse());
    }
    let (sign, offset) = zone.split_at_checked(1).ok_or_else(refuse)?;
    if !matches!(sign, "+" | "-") || !digits(offset, 4) {
        return Err(refuse());
    }
    let (oh, om) = offset.split_at(2);
    if number(oh)? > 23 || number(om)? > 59 {
        return Err(refuse());
    }
    Ok(format!(
        "{day_n:>2}-{}-{year} {h}:{m}:{s} {zone}",
        MONTHS[month_index]
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_valid_dates() {
        for (input, expected) in [
            ("01-Mar-2026 12:30:00 +0100", " 1-Mar-2026 12:30:00 +0100"),
            (
                "\"17-jul-1996 02:44:25 -0700\"",
                "17-Jul-1996 02:44:25 -0700",
            ),
            (" 1-Dec-2000 23:59:60 +0000", " 1-Dec-2000 23:59:60 +0000"),
            ("1-Dec-2000 00:00:00 -1200", " 1-Dec-2000 00:00:00 -1200"),
        ] {
            assert_eq!(normalize_date_time(input).unwrap(), expected, "{input}");
        }
    }

    #[test]
    fn refuses_invalid_dates() {
        for bad in [
            "",
            "1-Mar-2026",
            "32-Mar-2026 12:00:00 +0000",
            "0-Mar-2026 12:00:00 +0000",
            "1-Foo-2026 12:00:00 +0000",
            "1-Mar-26 12:00:00 +0000",
            "1-Mar-2026 24:00:00 +0000",
            "1-Mar-2026 12:00 +0000",
            "1-Mar-2026 12:00:00 0000",
            "1-Mar-2026 12:00:00 +00000",
            "1-Mar-2026 12:00:00 +0000\r\nA2 LOGOUT",
            "1-Mar-2026  12:00:00 +0000",
            "\"1-Mar-2026 12:00:00 +0000",
            "1-M\u{e4}r-2026 12:00:00 +0000",
        ] {
            assert!(
                matches!(
                    normalize_date_time(bad),
                    Err(EncodeError::InvalidDateTime { .. })
                ),
                "{bad:?}"
            );
        }
    }
}
