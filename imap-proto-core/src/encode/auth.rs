//! Authentication commands: LOGIN (RFC 9051 §6.2.3) and AUTHENTICATE (RFC 9051 §6.2.2) with an
//! optional SASL-IR initial response (RFC 4959), plus the untagged lines a client sends while
//! AUTHENTICATE is in progress.

use super::{CommandBuilder, EncodeContext, EncodeError, EncodedCommand};

/// `LOGIN userid password` (RFC 9051 §6.2.3): both `astring`s, so a name or password with
/// spaces, quotes, CR/LF or 8-bit text is quoted or sent as a literal. A literal password is
/// synchronizing unless LITERAL+/LITERAL- allows otherwise. NUL is refused.
pub fn login(
    tag: &str,
    ctx: &EncodeContext,
    user: &str,
    password: &str,
) -> Result<EncodedCommand, EncodeError> {
    let mut b = CommandBuilder::new(tag, ctx)?;
    b.sensitive().push("LOGIN ");
    b.astring("user name", user.as_bytes())?;
    b.sp();
    b.astring("password", password.as_bytes())?;
    Ok(b.finish())
}

/// `AUTHENTICATE mechanism [initial-response]` (RFC 9051 §6.2.2, RFC 4959 §3).
///
/// `initial_response` is the raw (not yet base64-encoded) first client message; pass it only
/// when the server advertises SASL-IR (or IMAP4rev2). `Some(&[])` sends `=`, the empty initial
/// response; `None` sends none, and the client answers the first `+` with
/// [`authenticate_response`]. The mechanism name must be an atom (`auth-type`).
pub fn authenticate(
    tag: &str,
    ctx: &EncodeContext,
    mechanism: &str,
    initial_response: Option<&[u8]>,
) -> Result<EncodedCommand, EncodeError> {
    let mut b = CommandBuilder::new(tag, ctx)?;
    b.push("AUTHENTICATE ");
    b.atom("SASL mechanism", mechanism)?;
    if let Some(data) = initial_response {
        b.sensitive().sp();
        if data.is_empty() {
            b.push("=");
        } else {
            b.push_base64(data);
        }
    }
    Ok(b.finish())
}

/// A client response to an AUTHENTICATE challenge: the data base64-encoded, then CRLF
/// (RFC 9051 §6.2.2). Empty data is an empty line.
pub fn authenticate_response(data: &[u8]) -> Vec<u8> {
    let mut out = base64_encode(data).into_bytes();
    out.extend_from_slice(b"\r\n");
    out
}

/// `*` CRLF: cancels an AUTHENTICATE exchange; the server answers with a tagged BAD
/// (RFC 9051 §6.2.2).
pub fn authenticate_cancel() -> Vec<u8> {
    b"*\r\n".to_vec()
}

const BASE64_ALPHABET: &[u8; 64] =
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base64 with padding (RFC 4648 §4), as SASL in IMAP uses.
pub(crate) fn base64_encode(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b0 = u32::from(chunk[0]);
        let b1 = chunk.get(1).copied().map_or(0, u32::from);
        let b2 = chunk.get(2).copied().map_or(0, u32::from);
        let triple = (b0 << 16) | (b1 << 8) | b2;
        let sextet = |shift: u32| char::from(BASE64_ALPHABET[((triple >> shift) & 63) as usize]);
        out.push(sextet(18));
        out.push(sextet(12));
        out.push(if chunk.len() > 1 { sextet(6) } else { '=' });
        out.push(if chunk.len() > 2 { sextet(0) } else { '=' });
    }
    out
}

impl CommandBuilder {
    /// Appends data base64-encoded (only base64 characters, so always safe on the line).
    pub(crate) fn push_base64(&mut self, data: &[u8]) -> &mut Self {
        self.line.extend_from_slice(base64_encode(data).as_bytes());
        self
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_util::{ctx, wire};
    use super::super::{Fragment, LiteralMode, LiteralSupport};
    use super::*;
    use bytes::Bytes;

    #[test]
    fn login_forms() {
        let sync = ctx(LiteralSupport::Sync);
        assert_eq!(
            wire(&login("a1", &sync, "alice", "s3cret]").unwrap()),
            "a1 LOGIN alice s3cret]\r\n"
        );
        assert_eq!(
            wire(&login("a1", &sync, "alice smith", "p\"w\\").unwrap()),
            "a1 LOGIN \"alice smith\" \"p\\\"w\\\\\"\r\n"
        );
        assert_eq!(
            wire(&login("a1", &sync, "", "").unwrap()),
            "a1 LOGIN \"\" \"\"\r\n"
        );
        let cmd = login("a1", &sync, "alice", "p\u{e4}ss").unwrap();
        assert!(cmd.is_sensitive());
        assert_eq!(
            cmd.fragments(),
            &[
                Fragment::Line(b"a1 LOGIN alice {5}\r\n".to_vec()),
                Fragment::Literal {
                    data: Bytes::from("p\u{e4}ss"),
                    mode: LiteralMode::Sync
                },
                Fragment::Line(b"\r\n".to_vec()),
            ]
        );
        let plus = ctx(LiteralSupport::NonSync);
        assert_eq!(
            wire(&login("a1", &plus, "u", "a\r\nb").unwrap()),
            "a1 LOGIN u {4+}\r\na\r\nb\r\n"
        );
        assert!(matches!(
            login("a1", &sync, "u", "a\0b"),
            Err(EncodeError::ContainsNul { what: "password" })
        ));
    }

    #[test]
    fn login_in_utf8_mode_quotes_8bit() {
        let utf8 = EncodeContext {
            utf8: true,
            ..EncodeContext::default()
        };
        assert_eq!(
            wire(&login("a1", &utf8, "j\u{f6}rg", "x").unwrap()),
            "a1 LOGIN \"j\u{f6}rg\" x\r\n"
        );
    }

    #[test]
    fn authenticate_forms() {
        let c = EncodeContext::default();
        let cmd = authenticate("a2", &c, "PLAIN", None).unwrap();
        assert_eq!(wire(&cmd), "a2 AUTHENTICATE PLAIN\r\n");
        assert!(!cmd.is_sensitive());
        assert!(
            authenticate("a2", &c, "PLAIN", Some(b"x"))
                .unwrap()
                .is_sensitive()
        );
        assert_eq!(
            wire(&authenticate("a2", &c, "PLAIN", Some(b"\0alice\0pw")).unwrap()),
            "a2 AUTHENTICATE PLAIN AGFsaWNlAHB3\r\n"
        );
        assert_eq!(
            wire(&authenticate("a2", &c, "EXTERNAL", Some(b"")).unwrap()),
            "a2 AUTHENTICATE EXTERNAL =\r\n"
        );
        assert!(matches!(
            authenticate("a2", &c, "PLAIN\r\n", None),
            Err(EncodeError::InvalidAtom { .. })
        ));
    }

    #[test]
    fn continuation_lines() {
        assert_eq!(authenticate_response(b""), b"\r\n");
        assert_eq!(authenticate_response(b"abcd"), b"YWJjZA==\r\n");
        assert_eq!(authenticate_cancel(), b"*\r\n");
    }

    #[test]
    fn base64_known_answers() {
        // RFC 4648 §10 test vectors.
        for (input, expected) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64_encode(input.as_bytes()), expected);
        }
        assert_eq!(base64_encode(&[0xfb, 0xff]), "+/8=");
    }
}
