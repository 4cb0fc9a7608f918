//! The byte pipeline below the framer: TLS (rustls, itself sans-IO) and COMPRESS=DEFLATE
//! (flate2 raw deflate, RFC 4978 §3). Both upgrades are atomic: the connection switches at
//! one point in the byte stream, or fails as a whole.

use std::io::{Read, Write};
use std::sync::Arc;

use bytes::BytesMut;
use flate2::{Compress, Compression, Decompress, FlushCompress, FlushDecompress, Status};
use rustls::ClientConnection;
use rustls::pki_types::ServerName;

use crate::{Error, Precondition};

/// How a connection is secured; every adapter's `connect` takes one.
///
/// Exhaustive on purpose: every adapter must handle every mode, and a new mode should break
/// their builds rather than fall into a wildcard arm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TlsMode {
    /// TLS from the first byte (IMAPS, usually port 993; RFC 8314 §3.3).
    Implicit,
    /// Plaintext greeting, then STARTTLS before `connect` returns (RFC 9051 §6.2.1).
    /// `connect` fails if the server does not advertise STARTTLS.
    StartTls,
    /// No TLS. Only for trusted networks, or when the caller upgrades explicitly with
    /// the connection's `starttls` / `starttls_with_config`.
    Plain,
}

/// What STARTTLS or implicit TLS needs: the rustls configuration and the name to verify.
/// Built with [`TlsSetup::new`], [`TlsSetup::for_host`] or [`TlsSetup::with_webpki_roots`]
/// (`#[non_exhaustive]`).
#[derive(Clone)]
#[non_exhaustive]
pub struct TlsSetup {
    /// The rustls client configuration (roots, ALPN, client auth ...).
    pub config: Arc<rustls::ClientConfig>,
    /// The server name the certificate must match (RFC 7817 §3).
    pub server_name: ServerName<'static>,
}

impl std::fmt::Debug for TlsSetup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsSetup")
            .field("server_name", &self.server_name)
            .finish_non_exhaustive()
    }
}

impl TlsSetup {
    /// A setup that verifies the server against the Mozilla root store (webpki-roots).
    pub fn with_webpki_roots(server_name: &str) -> Result<Self, Error> {
        Self::new(crate::TrustRoots::Mozilla.client_config()?, server_name)
    }

    /// The setup for `server_name`: the caller's configuration if there is one, otherwise
    /// the Mozilla root store. Every adapter's connect and STARTTLS use this.
    pub fn for_host(
        server_name: &str,
        config: Option<&Arc<rustls::ClientConfig>>,
    ) -> Result<Self, Error> {
        match config {
            Some(config) => Self::new(config.clone(), server_name),
            None => Self::with_webpki_roots(server_name),
        }
    }

    /// A setup from a caller's configuration.
    pub fn new(config: Arc<rustls::ClientConfig>, server_name: &str) -> Result<Self, Error> {
        let server_name = ServerName::try_from(server_name.to_string())
            .map_err(|_| Error::InvalidServerName(server_name.to_string()))?;
        Ok(TlsSetup {
            config,
            server_name,
        })
    }
}

/// rustls's in-memory reads and writes report through `io::Error`; these failures are still
/// TLS failures, so they become [`Error::Tls`] with the description kept.
fn tls_io_error(doing: &str, error: &std::io::Error) -> Error {
    Error::Tls(rustls::Error::General(format!("{doing}: {error}")))
}

/// The transport layers in force, outermost (TLS) first.
#[derive(Default)]
pub(crate) struct Layers {
    tls: Option<Box<ClientConnection>>,
    deflate: Option<DeflateLayer>,
}

struct DeflateLayer {
    compress: Compress,
    decompress: Decompress,
    /// The server finished its deflate stream (Dovecot does when it closes after LOGOUT).
    ended: bool,
}

/// Where [`Layers::decrypt`] puts plaintext: the framer's own read buffer, or the inflate
/// backlog.
pub(crate) trait PlainSink {
    /// The buffer to append at most `n` bytes to, with room for them.
    fn room(&mut self, n: usize) -> &mut BytesMut;
}

impl PlainSink for crate::parse::frame::Framer {
    fn room(&mut self, n: usize) -> &mut BytesMut {
        self.read_buffer(n)
    }
}

impl PlainSink for BytesMut {
    fn room(&mut self, n: usize) -> &mut BytesMut {
        self.reserve(n);
        self
    }
}

/// Chunk size for decrypted reads and compressed writes.
const CHUNK: usize = 16 * 1024;

/// Most bytes one [`Layers::inflate_piece`] call produces.
pub(crate) const INFLATE_PIECE: usize = 16 * 1024;

/// What one [`Layers::inflate_piece`] call did.
#[derive(Debug, Clone, Copy)]
pub(crate) struct InflatedPiece {
    /// Compressed bytes used.
    pub(crate) consumed: usize,
    /// Bytes produced; [`INFLATE_PIECE`] means more may be waiting inside the inflater.
    pub(crate) produced: usize,
}

impl Layers {
    /// Starts TLS; the ClientHello is produced by the next [`Layers::write_wire`].
    pub(crate) fn start_tls(&mut self, setup: TlsSetup) -> Result<(), Error> {
        if self.tls.is_some() {
            return Err(Precondition::TlsActive.into());
        }
        let mut conn =
            ClientConnection::new(setup.config, setup.server_name).map_err(Error::Tls)?;
        // Commands written while the handshake runs (the CAPABILITY after STARTTLS) wait in
        // rustls until it completes; they are the caller's own bytes, so no cap is needed.
        conn.set_buffer_limit(None);
        self.tls = Some(Box::new(conn));
        Ok(())
    }

    /// Starts DEFLATE in both directions (RFC 4978 §3: raw deflate, no zlib header).
    pub(crate) fn start_deflate(&mut self) -> Result<(), Error> {
        if self.deflate.is_some() {
            return Err(Precondition::CompressActive.into());
        }
        self.deflate = Some(DeflateLayer {
            compress: Compress::new(Compression::default(), false),
            decompress: Decompress::new(false),
            ended: false,
        });
        Ok(())
    }

    /// Decrypts wire bytes (or copies them, without TLS) into `out`: the framer's read
    /// buffer, or with COMPRESS active the inflate backlog (the bytes are then still
    /// compressed and go through [`Layers::inflate_piece`]). rustls copies each record's
    /// plaintext straight into `out`: one copy, no staging buffer.
    pub(crate) fn decrypt(&mut self, wire: &[u8], out: &mut dyn PlainSink) -> Result<(), Error> {
        let Some(tls) = self.tls.as_mut() else {
            out.room(wire.len()).extend_from_slice(wire);
            return Ok(());
        };
        let mut cursor = wire;
        while !cursor.is_empty() {
            tls.read_tls(&mut cursor)
                .map_err(|e| tls_io_error("reading TLS records", &e))?;
            tls.process_new_packets().map_err(Error::Tls)?;
            loop {
                let buf = out.room(CHUNK);
                let start = buf.len();
                buf.resize(start + CHUNK, 0);
                let read = tls.reader().read(&mut buf[start..]);
                buf.truncate(start + *read.as_ref().unwrap_or(&0));
                match read {
                    Ok(0) => break,
                    Ok(_) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
                    Err(e) => return Err(tls_io_error("reading TLS plaintext", &e)),
                }
            }
        }
        Ok(())
    }

    /// True once TLS is active (the wire bytes must be decrypted).
    pub(crate) fn tls_active(&self) -> bool {
        self.tls.is_some()
    }

    /// Queues TLS's `close_notify` alert (RFC 8446 §6.1: each side sends it before closing
    /// its write side); the next [`Layers::write_wire`] puts it on the wire. No-op without
    /// TLS.
    pub(crate) fn close_notify(&mut self) {
        if let Some(tls) = self.tls.as_mut() {
            tls.send_close_notify();
        }
    }

    /// True once COMPRESS=DEFLATE is active.
    pub(crate) fn deflate_active(&self) -> bool {
        self.deflate.is_some()
    }

    /// Inflates the start of `input`, appending at most [`INFLATE_PIECE`] bytes to `out`,
    /// and returns how many input bytes were used. The output is bounded so that the
    /// framer's limits see inflated bytes piece by piece: a few KiB of DEFLATE can expand a
    /// thousandfold (hostile-server scenario "a deflate bomb", tests/hostile.rs).
    pub(crate) fn inflate_piece(
        &mut self,
        input: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<InflatedPiece, Error> {
        let Some(deflate) = self.deflate.as_mut() else {
            out.extend_from_slice(input);
            return Ok(InflatedPiece {
                consumed: input.len(),
                produced: input.len(),
            });
        };
        if deflate.ended {
            if input.is_empty() {
                return Ok(InflatedPiece {
                    consumed: 0,
                    produced: 0,
                });
            }
            return Err(Error::Compression(
                "data after the end of the server's deflate stream".into(),
            ));
        }
        let mut buf = [0u8; INFLATE_PIECE];
        let before_in = deflate.decompress.total_in();
        let before_out = deflate.decompress.total_out();
        let status = deflate
            .decompress
            .decompress(input, &mut buf, FlushDecompress::Sync)
            .map_err(|e| Error::Compression(e.to_string()))?;
        let consumed = (deflate.decompress.total_in() - before_in) as usize;
        let produced = (deflate.decompress.total_out() - before_out) as usize;
        out.extend_from_slice(buf.get(..produced).unwrap_or(&buf));
        if status == Status::StreamEnd {
            // A server may finish the stream as it closes the connection (Dovecot does after
            // LOGOUT): what came before the end is valid; nothing may follow it.
            deflate.ended = true;
            if consumed < input.len() {
                return Err(Error::Compression(
                    "data after the end of the server's deflate stream".into(),
                ));
            }
        }
        Ok(InflatedPiece { consumed, produced })
    }

    /// Turns IMAP bytes into wire bytes: deflate (sync flush), then encrypt. Appends to `out`.
    pub(crate) fn write_wire(&mut self, plain: &[u8], out: &mut Vec<u8>) -> Result<(), Error> {
        let compressed;
        let data = match self.deflate.as_mut() {
            Some(deflate) if !plain.is_empty() => {
                let mut buf = Vec::with_capacity(plain.len() / 2 + 64);
                let mut input = plain;
                loop {
                    let before = deflate.compress.total_in();
                    buf.reserve(CHUNK);
                    deflate
                        .compress
                        .compress_vec(input, &mut buf, FlushCompress::Sync)
                        .map_err(|e| Error::Compression(e.to_string()))?;
                    input = &input[(deflate.compress.total_in() - before) as usize..];
                    if input.is_empty() && buf.len() < buf.capacity() {
                        break;
                    }
                }
                compressed = buf;
                &compressed[..]
            }
            _ => plain,
        };
        match self.tls.as_mut() {
            None => out.extend_from_slice(data),
            Some(tls) => {
                // Encrypt a record's worth at a time and move the records out at once, so
                // a large command (a big APPEND) never fills rustls's outgoing buffer.
                for piece in data.chunks(CHUNK) {
                    tls.writer()
                        .write_all(piece)
                        .map_err(|e| tls_io_error("writing TLS plaintext", &e))?;
                    while tls.wants_write() {
                        tls.write_tls(out)
                            .map_err(|e| tls_io_error("writing TLS records", &e))?;
                    }
                }
                while tls.wants_write() {
                    tls.write_tls(out)
                        .map_err(|e| tls_io_error("writing TLS records", &e))?;
                }
            }
        }
        Ok(())
    }

    /// True while the TLS handshake is still running.
    pub(crate) fn tls_handshaking(&self) -> bool {
        self.tls.as_ref().is_some_and(|t| t.is_handshaking())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn for_host_uses_the_callers_configuration_when_given() {
        let default = TlsSetup::for_host("imap.example.com", None).unwrap();
        let own = TlsSetup::for_host("imap.example.com", Some(&default.config)).unwrap();
        assert!(Arc::ptr_eq(&own.config, &default.config));
        let other = TlsSetup::for_host("imap.example.com", None).unwrap();
        assert!(!Arc::ptr_eq(&other.config, &default.config));
        assert!(TlsSetup::for_host("not a host name", None).is_err());
    }

    /// A server that finishes its deflate stream (Dovecot, when it closes after LOGOUT):
    /// the data before the end is delivered; anything after it is an error.
    #[test]
    fn the_end_of_the_server_deflate_stream_is_not_an_error() {
        let mut layers = Layers::default();
        layers.start_deflate().unwrap();
        let mut server = Compress::new(Compression::default(), false);
        let mut wire = Vec::with_capacity(256);
        server
            .compress_vec(
                b"* BYE bye\r\nA1 OK done\r\n",
                &mut wire,
                FlushCompress::Finish,
            )
            .unwrap();
        let mut plain = Vec::new();
        let piece = layers.inflate_piece(&wire, &mut plain).unwrap();
        assert_eq!(piece.consumed, wire.len());
        assert_eq!(plain, b"* BYE bye\r\nA1 OK done\r\n");
        assert!(layers.inflate_piece(b"x", &mut plain).is_err());
    }
}
