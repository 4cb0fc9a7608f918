//! CAPABILITY and ENABLED data (RFC 9051 §7.2.2, RFC 3501 §7.2.1, RFC 5161 §4).
//!
//! Lenient: `capability-data` requires `IMAP4rev1` or `IMAP4rev2` in the list; the parser does
//! not, so a server that forgets it (or a proxy that filters it) still yields its list.

use super::core::{atom_slice, keyword, many_sp};
use super::error::{PErr, PResult};
use super::input::Span;
use crate::types::Capability;

/// `capability = ("AUTH=" auth-type) / atom` (RFC 9051 §9). Both forms are atoms, so one rule
/// covers them; [`Capability::name`] and [`Capability::value`] split at `=`.
pub fn capability(i: Span<'_>) -> PResult<'_, Capability> {
    let (rest, word) = atom_slice(i)?;
    // ATOM-CHARs are ASCII, so this never fails on input that matched `atom`.
    match std::str::from_utf8(word) {
        Ok(s) => Ok((rest, Capability::new(s))),
        Err(_) => Err(PErr::syntax(i, "capability")),
    }
}

/// `capability-data = "CAPABILITY" *(SP capability) SP "IMAP4rev2" *(SP capability)`
/// (RFC 9051 §9; RFC 3501 has `IMAP4rev1`). Used for the untagged response and for the
/// `[CAPABILITY ...]` response code.
pub fn capability_data(i: Span<'_>) -> PResult<'_, Vec<Capability>> {
    let (i, _) = keyword("CAPABILITY")(i)?;
    many_sp(i, capability)
}

/// `enable-data = "ENABLED" *(SP capability)` (RFC 5161 §4, RFC 9051 §7.2.1): the
/// extensions an `ENABLE` switched on.
pub fn enable_data(i: Span<'_>) -> PResult<'_, Vec<Capability>> {
    let (i, _) = keyword("ENABLED")(i)?;
    many_sp(i, capability)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::core::tests::run;

    fn caps(list: &[&str]) -> Vec<Capability> {
        list.iter().map(|&s| Capability::from(s)).collect()
    }

    #[test]
    fn capability_data_known_answers() {
        let table: &[(&str, &[&str], &str)] = &[
            ("CAPABILITY IMAP4rev1 IDLE", &["IMAP4rev1", "IDLE"], ""),
            (
                "CAPABILITY IMAP4rev2 AUTH=PLAIN APPENDLIMIT=4294967295 NO_ATOMIC_RENAME",
                &[
                    "IMAP4rev2",
                    "AUTH=PLAIN",
                    "APPENDLIMIT=4294967295",
                    "NO_ATOMIC_RENAME",
                ],
                "",
            ),
            // Ends at `]` inside a response code.
            (
                "CAPABILITY IMAP4rev1 LITERAL+] ok",
                &["IMAP4rev1", "LITERAL+"],
                "] ok",
            ),
            // Lenient: no IMAP4rev1 at all; trailing space left for the line end.
            ("capability IDLE \r\n", &["IDLE"], " \r\n"),
            ("CAPABILITY", &[], ""),
        ];
        for &(input, expected, rest) in table {
            let (value, left) = run(input.as_bytes(), capability_data).expect(input);
            assert_eq!(value, caps(expected), "{input}");
            assert_eq!(left, rest.as_bytes(), "{input}");
        }
        let (value, _) = run(b"CAPABILITY AUTH=plain", capability_data).unwrap();
        assert_eq!(value[0].name(), "AUTH");
        assert_eq!(value[0].value(), Some("plain"));
    }

    #[test]
    fn enable_data_known_answers() {
        let table: &[(&str, &[&str])] = &[
            ("ENABLED QRESYNC CONDSTORE", &["QRESYNC", "CONDSTORE"]),
            ("ENABLED CONDSTORE QRESYNC", &["CONDSTORE", "QRESYNC"]),
            ("ENABLED UTF8=ACCEPT", &["UTF8=ACCEPT"]),
            ("ENABLED", &[]),
        ];
        for &(input, expected) in table {
            let (value, left) = run(input.as_bytes(), enable_data).expect(input);
            assert_eq!(value, caps(expected), "{input}");
            assert!(left.is_empty(), "{input}");
        }
    }

    #[test]
    fn malformed_capabilities_fail() {
        assert!(run(b"CAPA IMAP4rev1", capability_data).is_err());
        assert!(run(b"ENABLE X", enable_data).is_err());
        assert!(run(b"(", capability).is_err());
    }
}
