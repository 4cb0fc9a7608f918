//! Typed dates (feature `chrono`): ENVELOPE's `Date:` header, INTERNALDATE and SAVEDATE, and
//! the APPEND `date-time`, as `chrono::DateTime<FixedOffset>` (the zone the sender wrote is
//! kept). Only parsing and formatting: the core reads no clock.

use chrono::{DateTime, FixedOffset, NaiveDate, TimeZone};
use mail_parser::HeaderValue;
use mail_parser::parsers::MessageStream;

use super::normalize_date_time;

/// A `Date:` header (RFC 5322 §3.3) read as real mail writes it: obsolete two-digit years,
/// named zones (`EST`, `GMT`), missing seconds or weekday, comments and folding are all
/// accepted (mail-parser's lenient reader). `None` when no date can be made of it; an unknown
/// zone name counts as `+0000`, as RFC 5322 §4.3 says.
pub fn parse_rfc5322_date(raw: &[u8]) -> Option<DateTime<FixedOffset>> {
    let mut line = Vec::with_capacity(raw.len() + 2);
    line.extend_from_slice(raw);
    line.extend_from_slice(b"\r\n");
    let HeaderValue::DateTime(date) = MessageStream::new(&line).parse_date() else {
        return None;
    };
    let seconds = i32::from(date.tz_hour) * 3600 + i32::from(date.tz_minute) * 60;
    let zone = FixedOffset::east_opt(if date.tz_before_gmt {
        -seconds
    } else {
        seconds
    })?;
    let local = NaiveDate::from_ymd_opt(
        i32::from(date.year),
        u32::from(date.month),
        u32::from(date.day),
    )?
    .and_hms_opt(
        u32::from(date.hour),
        u32::from(date.minute),
        u32::from(date.second),
    )?;
    zone.from_local_datetime(&local).single()
}

/// An IMAP `date-time` (RFC 9051 §9: `"17-Jul-1996 02:44:25 -0700"`, as in INTERNALDATE and
/// SAVEDATE), with or without its quotes and with a one-digit day space-padded or not.
/// `None` if it is not one.
pub fn parse_date_time(raw: &[u8]) -> Option<DateTime<FixedOffset>> {
    let text = std::str::from_utf8(raw).ok()?;
    let canonical = normalize_date_time(text).ok()?;
    DateTime::parse_from_str(canonical.trim_start(), "%d-%b-%Y %H:%M:%S %z").ok()
}

/// `date` as an IMAP `date-time` (without quotes), in its own zone, for APPEND:
/// `" 1-Mar-2026 09:05:00 +0100"`. Seconds are truncated.
pub fn format_date_time<Tz: TimeZone>(date: &DateTime<Tz>) -> String {
    date.fixed_offset()
        .format("%e-%b-%Y %H:%M:%S %z")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(text).unwrap()
    }

    #[test]
    fn reads_dates_as_real_mail_writes_them() {
        for (raw, expected) in [
            (
                "Tue, 1 Jul 2003 10:52:37 +0200",
                "2003-07-01T10:52:37+02:00",
            ),
            ("1 Jul 2003 10:52:37 +0200", "2003-07-01T10:52:37+02:00"),
            ("Wed, 27 Jun 99 04:11 +0900", "1999-06-27T04:11:00+09:00"),
            ("Sun, 27 Oct 2002 23:57:07 EST", "2002-10-27T23:57:07-05:00"),
            ("21 Nov 97 09:55:06 GMT", "1997-11-21T09:55:06+00:00"),
            (
                "Mon, 10 Oct 2022 10:31:15 -0700 (PDT)",
                "2022-10-10T10:31:15-07:00",
            ),
            (
                "Thu,\r\n 13 Feb 1969 23:32 -0330",
                "1969-02-13T23:32:00-03:30",
            ),
            (
                "mon, 2 jan 2006 15:04:05 -0700",
                "2006-01-02T15:04:05-07:00",
            ),
        ] {
            assert_eq!(
                parse_rfc5322_date(raw.as_bytes()),
                Some(at(expected)),
                "{raw:?}"
            );
        }
    }

    #[test]
    fn refuses_what_is_no_date() {
        for raw in [
            "",
            "yesterday",
            "Tue, 7 Bog 2026 19:14:51 +0000",
            "31 Feb 2024 10:00:00 +0000",
        ] {
            assert_eq!(parse_rfc5322_date(raw.as_bytes()), None, "{raw:?}");
        }
    }

    #[test]
    fn reads_imap_date_times() {
        for raw in [
            "17-Jul-1996 02:44:25 -0700",
            "\"17-Jul-1996 02:44:25 -0700\"",
        ] {
            assert_eq!(
                parse_date_time(raw.as_bytes()),
                Some(at("1996-07-17T02:44:25-07:00"))
            );
        }
        assert_eq!(
            parse_date_time(b" 1-Mar-2026 09:05:00 +0100"),
            Some(at("2026-03-01T09:05:00+01:00"))
        );
        assert_eq!(parse_date_time(b"1-Mar-2026"), None);
        assert_eq!(parse_date_time(b"\xff"), None);
    }

    #[test]
    fn formats_what_append_accepts() {
        let date = at("2026-03-01T09:05:07.5+01:00");
        let text = format_date_time(&date);
        assert_eq!(text, " 1-Mar-2026 09:05:07 +0100");
        assert_eq!(normalize_date_time(&text).unwrap(), text);
        assert_eq!(
            parse_date_time(text.as_bytes()),
            Some(at("2026-03-01T09:05:07+01:00"))
        );
    }
}
