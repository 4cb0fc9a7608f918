//! IDLE (RFC 2177, RFC 9051 §6.3.13).

use super::{EncodeContext, EncodeError, EncodedCommand, simple};

/// `IDLE`. The server answers with a `+` continuation; the client ends the IDLE with [`done`].
pub fn idle(tag: &str, ctx: &EncodeContext) -> Result<EncodedCommand, EncodeError> {
    simple(tag, ctx, "IDLE")
}

/// `DONE` CRLF: the untagged line that ends an IDLE (RFC 2177 §3).
pub fn done() -> &'static [u8] {
    b"DONE\r\n"
}

#[cfg(test)]
mod tests {
    use super::super::test_util::wire;
    use super::*;

    #[test]
    fn idle_and_done() {
        assert_eq!(
            wire(&idle("i1", &EncodeContext::default()).unwrap()),
            "i1 IDLE\r\n"
        );
        assert_eq!(done(), b"DONE\r\n");
    }
}
