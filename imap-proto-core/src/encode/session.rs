//! Session commands: CAPABILITY, NOOP, LOGOUT (RFC 9051 §6.1), STARTTLS (§6.2.1), ENABLE
//! (RFC 5161), ID (RFC 2971), NAMESPACE (RFC 2342), UNAUTHENTICATE (RFC 8437) and COMPRESS
//! (RFC 4978).

use super::{CommandBuilder, EncodeContext, EncodeError, EncodedCommand, simple};

/// The most field/value pairs an ID command may carry (RFC 2971 §3.3).
pub const ID_MAX_PAIRS: usize = 30;
/// The longest ID field name, in octets (RFC 2971 §3.3).
pub const ID_MAX_FIELD_LEN: usize = 30;
/// The longest ID value, in octets (RFC 2971 §3.3).
pub const ID_MAX_VALUE_LEN: usize = 1024;

/// `CAPABILITY` (RFC 9051 §6.1.1).
pub fn capability(tag: &str, ctx: &EncodeContext) -> Result<EncodedCommand, EncodeError> {
    simple(tag, ctx, "CAPABILITY")
}

/// `NOOP` (RFC 9051 §6.1.2).
pub fn noop(tag: &str, ctx: &EncodeContext) -> Result<EncodedCommand, EncodeError> {
    simple(tag, ctx, "NOOP")
}

/// `LOGOUT` (RFC 9051 §6.1.3).
pub fn logout(tag: &str, ctx: &EncodeContext) -> Result<EncodedCommand, EncodeError> {
    simple(tag, ctx, "LOGOUT")
}

/// `STARTTLS` (RFC 9051 §6.2.1).
pub fn starttls(tag: &str, ctx: &EncodeContext) -> Result<EncodedCommand, EncodeError> {
    simple(tag, ctx, "STARTTLS")
}

/// `NAMESPACE` (RFC 2342 §5, RFC 9051 §6.3.10).
pub fn namespace(tag: &str, ctx: &EncodeContext) -> Result<EncodedCommand, EncodeError> {
    simple(tag, ctx, "NAMESPACE")
}

/// `UNAUTHENTICATE` (RFC 8437 §2).
pub fn unauthenticate(tag: &str, ctx: &EncodeContext) -> Result<EncodedCommand, EncodeError> {
    simple(tag, ctx, "UNAUTHENTICATE")
}

/// `COMPRESS DEFLATE` (RFC 4978 §3), the only mechanism defined.
pub fn compress_deflate(tag: &str, ctx: &EncodeContext) -> Result<EncodedCommand, EncodeError> {
    simple(tag, ctx, "COMPRESS DEFLATE")
}

/// `ENABLE cap...` (RFC 5161 §3.1): `"ENABLE" 1*(SP capability)`. Each capability must be an
/// atom, e.g. `UTF8=ACCEPT`, `CONDSTORE`, `QRESYNC`.
pub fn enable(
    tag: &str,
    ctx: &EncodeContext,
    capabilities: &[&str],
) -> Result<EncodedCommand, EncodeError> {
    if capabilities.is_empty() {
        return Err(EncodeError::InvalidArgument {
            what: "ENABLE capabilities",
            reason: "at least one capability is required",
        });
    }
    let mut b = CommandBuilder::new(tag, ctx)?;
    b.push("ENABLE");
    for cap in capabilities {
        b.sp().atom("capability", cap)?;
    }
    Ok(b.finish())
}

/// `ID (field value ...)` or `ID NIL` for no parameters (RFC 2971 §3.1):
/// `"ID" SP ("(" string SP nstring *(SP string SP nstring) ")" / nil)`. A `None` value is
/// `NIL`. RFC 2971 §3.3 limits are enforced: at most 30 pairs, fields of at most 30 octets,
/// values of at most 1024.
pub fn id(
    tag: &str,
    ctx: &EncodeContext,
    params: &[(&str, Option<&str>)],
) -> Result<EncodedCommand, EncodeError> {
    if params.len() > ID_MAX_PAIRS {
        return Err(EncodeError::InvalidArgument {
            what: "ID parameters",
            reason: "at most 30 field/value pairs (RFC 2971 §3.3)",
        });
    }
    let mut b = CommandBuilder::new(tag, ctx)?;
    b.push("ID ");
    if params.is_empty() {
        b.push("NIL");
        return Ok(b.finish());
    }
    b.push("(");
    for (i, (field, value)) in params.iter().enumerate() {
        if field.len() > ID_MAX_FIELD_LEN {
            return Err(EncodeError::InvalidArgument {
                what: "ID field",
                reason: "at most 30 octets (RFC 2971 §3.3)",
            });
        }
        if value.is_some_and(|v| v.len() > ID_MAX_VALUE_LEN) {
            return Err(EncodeError::InvalidArgument {
                what: "ID value",
                reason: "at most 1024 octets (RFC 2971 §3.3)",
            });
        }
        if i > 0 {
            b.sp();
        }
        b.string("ID field", field.as_bytes())?;
        b.sp();
        b.nstring("ID value", value.map(str::as_bytes))?;
    }
    b.push(")");
    Ok(b.finish())
}

#[cfg(test)]
mod tests {
    use super::super::test_util::wire;
    use super::super::{Fragment, LiteralMode, LiteralSupport};
    use super::*;

    #[test]
    fn simple_commands() {
        let ctx = EncodeContext::default();
        type Encoder = fn(&str, &EncodeContext) -> Result<EncodedCommand, EncodeError>;
        let cases: [(Encoder, &str); 7] = [
            (capability, "a1 CAPABILITY\r\n"),
            (noop, "a1 NOOP\r\n"),
            (logout, "a1 LOGOUT\r\n"),
            (starttls, "a1 STARTTLS\r\n"),
            (namespace, "a1 NAMESPACE\r\n"),
            (unauthenticate, "a1 UNAUTHENTICATE\r\n"),
            (compress_deflate, "a1 COMPRESS DEFLATE\r\n"),
        ];
        for (encode, expected) in cases {
            let cmd = encode("a1", &ctx).unwrap();
            assert_eq!(wire(&cmd), expected);
            assert!(!cmd.needs_continuation());
        }
    }

    #[test]
    fn enable_takes_atoms_only() {
        let ctx = EncodeContext::default();
        assert_eq!(
            wire(&enable("t", &ctx, &["UTF8=ACCEPT", "QRESYNC"]).unwrap()),
            "t ENABLE UTF8=ACCEPT QRESYNC\r\n"
        );
        assert!(matches!(
            enable("t", &ctx, &["X\r\nt2 LOGOUT"]),
            Err(EncodeError::InvalidAtom {
                what: "capability",
                ..
            })
        ));
        assert!(matches!(
            enable("t", &ctx, &[]),
            Err(EncodeError::InvalidArgument { .. })
        ));
    }

    #[test]
    fn id_quotes_fields_and_uses_literals_when_needed() {
        let ctx = EncodeContext {
            literals: LiteralSupport::NonSync,
            ..EncodeContext::default()
        };
        assert_eq!(wire(&id("t", &ctx, &[]).unwrap()), "t ID NIL\r\n");
        assert_eq!(
            wire(
                &id(
                    "t",
                    &ctx,
                    &[("name", Some("imap-rs")), ("os", None), ("x", Some("NIL"))]
                )
                .unwrap()
            ),
            "t ID (\"name\" \"imap-rs\" \"os\" NIL \"x\" \"NIL\")\r\n"
        );
        let cmd = id("t", &ctx, &[("name", Some("a\r\nb"))]).unwrap();
        assert_eq!(
            cmd.fragments(),
            &[
                Fragment::Line(b"t ID (\"name\" {4+}\r\n".to_vec()),
                Fragment::Literal {
                    data: bytes::Bytes::from_static(b"a\r\nb"),
                    mode: LiteralMode::NonSync
                },
                Fragment::Line(b")\r\n".to_vec()),
            ]
        );
    }

    #[test]
    fn id_limits() {
        let ctx = EncodeContext::default();
        let long_field = "f".repeat(31);
        assert!(id("t", &ctx, &[(&long_field, None)]).is_err());
        let long_value = "v".repeat(1025);
        assert!(id("t", &ctx, &[("name", Some(&long_value))]).is_err());
        let many = vec![("f", None); 31];
        assert!(id("t", &ctx, &many).is_err());
        assert!(matches!(
            id("t", &ctx, &[("name", Some("a\0b"))]),
            Err(EncodeError::ContainsNul { .. })
        ));
    }
}
