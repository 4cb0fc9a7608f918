//! TLS in memory: a rustls `ServerConnection` with an rcgen certificate on the other side of
//! the `Connection`, bytes shuttled between them in memory. Covers implicit TLS (greeting over
//! TLS), STARTTLS (capabilities discarded and fetched again over TLS), the STARTTLS
//! injection defence, a failed handshake, and COMPRESS inside TLS.

use std::io::{Read, Write};
use std::sync::Arc;

use flate2::{Compress, Compression, Decompress, FlushCompress, FlushDecompress};
use imap_proto_core::ops;
use imap_proto_core::{
    Config, Connection, Error, ProtocolViolation, SessionState, TlsSetup, TypedEvent,
};
use rustls::ServerConnection;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

const HOST: &str = "imap.example.com";

/// A server certificate for `HOST` and the client setup that trusts it.
struct Pki {
    server: Arc<rustls::ServerConfig>,
    client: TlsSetup,
}

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn pki() -> Pki {
    let certified = rcgen::generate_simple_self_signed(vec![HOST.to_string()]).unwrap();
    let cert: CertificateDer<'static> = certified.cert.der().clone();
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(
        certified.signing_key.serialize_der(),
    ));
    let server = rustls::ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![cert.clone()], key)
        .unwrap();
    let mut roots = rustls::RootCertStore::empty();
    roots.add(cert).unwrap();
    let client = rustls::ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    Pki {
        server: Arc::new(server),
        client: TlsSetup::new(Arc::new(client), HOST).unwrap(),
    }
}

/// The server end: TLS records in and out, IMAP text in the clear on its side.
struct Server {
    tls: ServerConnection,
    /// What the client sent, decrypted.
    received: Vec<u8>,
    /// Server-to-client records not yet delivered (for byte-at-a-time delivery).
    in_transit: Vec<u8>,
    /// The client's `close_notify` arrived.
    peer_closed: bool,
}

impl Server {
    fn new(pki: &Pki) -> Self {
        Server {
            tls: ServerConnection::new(pki.server.clone()).unwrap(),
            received: Vec::new(),
            in_transit: Vec::new(),
            peer_closed: false,
        }
    }

    /// Queues IMAP text for the client (encrypted once the handshake allows).
    fn send(&mut self, text: &str) {
        self.tls.writer().write_all(text.as_bytes()).unwrap();
    }

    /// Moves bytes both ways until neither side has anything more to say. With
    /// `bytewise`, server records reach the client one byte per `handle_input`.
    fn pump(&mut self, conn: &mut Connection, bytewise: bool) {
        for _ in 0..1000 {
            let mut progressed = false;
            let mut wire = Vec::new();
            conn.poll_transmit(&mut wire);
            if !wire.is_empty() {
                progressed = true;
                self.in_transit_from_client(&wire);
            }
            while self.tls.wants_write() {
                self.tls.write_tls(&mut self.in_transit).unwrap();
            }
            if !self.in_transit.is_empty() {
                progressed = true;
                let records = std::mem::take(&mut self.in_transit);
                if bytewise {
                    for byte in records {
                        conn.handle_input(&[byte]);
                        let mut out = Vec::new();
                        conn.poll_transmit(&mut out);
                        self.in_transit_from_client(&out);
                    }
                } else {
                    conn.handle_input(&records);
                }
            }
            if !progressed {
                return;
            }
        }
        panic!("the TLS exchange did not settle");
    }

    /// Decrypts client bytes into `received`.
    fn in_transit_from_client(&mut self, wire: &[u8]) {
        let mut cursor = wire;
        let mut buf = [0u8; 4096];
        while !cursor.is_empty() {
            self.tls.read_tls(&mut cursor).unwrap();
            let state = self.tls.process_new_packets().unwrap();
            self.peer_closed |= state.peer_has_closed();
            loop {
                match self.tls.reader().read(&mut buf) {
                    Ok(0) => break,
                    Ok(n) => self.received.extend_from_slice(&buf[..n]),
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
                    Err(e) => panic!("server read: {e}"),
                }
            }
        }
    }

    /// Takes what the client sent, as text.
    fn take_received(&mut self) -> String {
        String::from_utf8(std::mem::take(&mut self.received)).unwrap()
    }
}

fn caps(conn: &Connection) -> Vec<String> {
    conn.session()
        .capabilities()
        .iter()
        .map(|c| c.as_str().to_string())
        .collect()
}

fn implicit_tls(bytewise: bool) {
    let pki = pki();
    let mut conn = Connection::new_tls(Config::default(), pki.client.clone()).unwrap();
    assert!(conn.session().tls_active());
    let mut server = Server::new(&pki);
    server.send("* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN SASL-IR] TLS greeting\r\n");
    server.pump(&mut conn, bytewise);
    assert!(!conn.is_tls_handshaking());
    assert!(conn.is_greeted());
    assert_eq!(caps(&conn), ["IMAP4rev1", "AUTH=PLAIN", "SASL-IR"]);

    let id = conn
        .submit(ops::auth::login("alice", "secret"))
        .expect("LOGIN is allowed over TLS");
    server.pump(&mut conn, bytewise);
    assert_eq!(server.take_received(), "A0001 LOGIN alice secret\r\n");
    server.send("A0001 OK [CAPABILITY IMAP4rev1 IDLE] Logged in\r\n");
    server.pump(&mut conn, bytewise);
    conn.take_output(&id).unwrap().unwrap();
    assert_eq!(conn.session().state(), SessionState::Authenticated);
    assert!(conn.failure().is_none());
}

#[test]
fn implicit_tls_greeting_over_tls() {
    implicit_tls(false);
}

#[test]
fn implicit_tls_fed_one_byte_at_a_time() {
    implicit_tls(true);
}

#[test]
fn logout_over_tls_ends_with_close_notify() {
    let pki = pki();
    let mut conn = Connection::new_tls(Config::default(), pki.client.clone()).unwrap();
    let mut server = Server::new(&pki);
    server.send("* PREAUTH [CAPABILITY IMAP4rev1] TLS greeting\r\n");
    server.pump(&mut conn, false);
    let noop = conn.submit(ops::session::noop()).unwrap();
    server.pump(&mut conn, false);
    assert_eq!(server.take_received(), "A0001 NOOP\r\n");
    server.send("A0001 OK done\r\n");
    server.pump(&mut conn, false);
    conn.take_output(&noop).unwrap().unwrap();
    // The session goes on: no close_notify yet.
    assert!(!server.peer_closed);

    let logout = conn.submit(ops::session::logout()).unwrap();
    server.pump(&mut conn, false);
    assert_eq!(server.take_received(), "A0002 LOGOUT\r\n");
    assert!(!server.peer_closed, "close_notify before LOGOUT completed");
    server.send("* BYE bye\r\nA0002 OK done\r\n");
    server.pump(&mut conn, false);
    conn.take_output(&logout).unwrap().unwrap();
    assert_eq!(conn.session().state(), SessionState::Logout);
    // RFC 8446 §6.1: the client's last bytes are its close_notify, sent once.
    assert!(server.peer_closed, "no close_notify after LOGOUT");
    let mut more = Vec::new();
    assert_eq!(conn.poll_transmit(&mut more), 0);
}

/// Plain greeting and `A0001 STARTTLS`; returns the op id.
fn start_starttls(
    conn: &mut Connection,
    pki: &Pki,
) -> imap_proto_core::OpId<ops::session::ThenRefreshCapabilities<ops::upgrade::StartTls>> {
    conn.handle_input(
        b"* OK [CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED AUTH=PLAIN-PRE] plain greeting\r\n",
    );
    let id = conn
        .submit(ops::upgrade::starttls(pki.client.clone()))
        .unwrap();
    let mut wire = Vec::new();
    conn.poll_transmit(&mut wire);
    assert_eq!(wire, b"A0001 STARTTLS\r\n");
    id
}

#[test]
fn starttls_discards_and_refreshes_capabilities_over_tls() {
    let pki = pki();
    let mut conn = Connection::new(Config::default());
    let id = start_starttls(&mut conn, &pki);
    conn.handle_input(b"A0001 OK [CAPABILITY IMAP4rev1 STARTTLS INJECTED] Begin TLS now\r\n");
    assert!(conn.failure().is_none(), "{:?}", conn.failure());
    // The pre-TLS list (even one sent with the OK) is gone.
    assert!(caps(&conn).is_empty(), "{:?}", caps(&conn));
    assert!(conn.session().tls_active());
    assert!(
        conn.take_output(&id).is_none(),
        "waits for the CAPABILITY refresh"
    );

    let mut server = Server::new(&pki);
    server.pump(&mut conn, false);
    // The refresh goes out over TLS only.
    assert_eq!(server.take_received(), "A0002 CAPABILITY\r\n");
    server.send("* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\nA0002 OK done\r\n");
    server.pump(&mut conn, false);
    conn.take_output(&id).unwrap().unwrap();
    assert_eq!(caps(&conn), ["IMAP4rev1", "AUTH=PLAIN"]);
    assert!(!conn.is_tls_handshaking());

    // LOGINDISABLED is gone: LOGIN goes out, encrypted.
    let login = conn.submit(ops::auth::login("alice", "pw")).unwrap();
    server.pump(&mut conn, false);
    assert_eq!(server.take_received(), "A0003 LOGIN alice pw\r\n");
    server.send("A0003 OK [CAPABILITY IMAP4rev1] ok\r\n");
    server.pump(&mut conn, false);
    conn.take_output(&login).unwrap().unwrap();
    // STARTTLS cannot be repeated.
    assert!(matches!(
        conn.submit(ops::upgrade::starttls(pki.client.clone())),
        Err(Error::WrongState {
            command: "STARTTLS",
            ..
        })
    ));
}

#[test]
fn starttls_injection_in_the_same_read_fails_and_is_never_parsed() {
    for path in ["handle_input", "read_buffer", "read_slice"] {
        injection_in_the_same_read(path);
    }
}

/// The injection arrives through `path`: the read paths put it straight into the framer's
/// buffer, where the check must find it just the same.
fn injection_in_the_same_read(path: &str) {
    let pki = pki();
    let mut conn = Connection::new(Config::default());
    let id = start_starttls(&mut conn, &pki);
    while conn.poll_event().is_some() {}
    // A man in the middle appends plaintext after the OK, in the same TCP segment.
    let read: &[u8] =
        b"A0001 OK Begin TLS negotiation now\r\n* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN]\r\n";
    match path {
        "handle_input" => conn.handle_input(read),
        "read_buffer" => {
            conn.read_buffer(4096).extend_from_slice(read);
            conn.handle_read();
        }
        _ => {
            conn.read_slice(4096)[..read.len()].copy_from_slice(read);
            conn.handle_read_len(read.len());
        }
    }
    let failure = conn.failure().expect("the connection must fail");
    assert!(
        matches!(
            **failure,
            Error::Protocol(ProtocolViolation::PlaintextAfterStartTls)
        ),
        "{failure:?}"
    );
    assert!(matches!(
        conn.take_output(&id),
        Some(Err(Error::ConnectionFailed(_)))
    ));
    // The injected capabilities were never applied, and never became an event.
    assert!(
        !caps(&conn).iter().any(|c| c == "AUTH=PLAIN"),
        "{:?}",
        caps(&conn)
    );
    while let Some(event) = conn.poll_event() {
        assert!(
            !matches!(&event, TypedEvent::Status(s) if s.code.is_some()),
            "{event:?}"
        );
    }
    let mut wire = Vec::new();
    assert_eq!(conn.poll_transmit(&mut wire), 0);
    assert!(conn.submit(ops::session::noop()).is_err());
}

#[test]
fn starttls_injection_in_a_later_read_is_not_tls_and_fails() {
    let pki = pki();
    let mut conn = Connection::new(Config::default());
    let id = start_starttls(&mut conn, &pki);
    conn.handle_input(b"A0001 OK Begin TLS negotiation now\r\n");
    assert!(conn.failure().is_none());
    let mut hello = Vec::new();
    conn.poll_transmit(&mut hello);
    assert_eq!(hello.first(), Some(&0x16), "a TLS handshake record");
    // Plaintext after the switch is fed to TLS, which rejects it.
    conn.handle_input(b"* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN]\r\n");
    assert!(conn.failure().is_some());
    assert!(matches!(conn.take_output(&id), Some(Err(Error::Tls(_)))));
    assert!(caps(&conn).is_empty());
}

#[test]
fn starttls_refused_stays_in_plain_text() {
    let pki = pki();
    let mut conn = Connection::new(Config::default());
    let id = start_starttls(&mut conn, &pki);
    conn.handle_input(b"A0001 NO TLS not available right now\r\n");
    assert!(matches!(conn.take_output(&id), Some(Err(Error::No { .. }))));
    assert!(!conn.session().tls_active());
    assert!(caps(&conn).iter().any(|c| c == "STARTTLS"));
    conn.submit(ops::session::noop()).unwrap();
    let mut wire = Vec::new();
    conn.poll_transmit(&mut wire);
    assert_eq!(wire, b"A0002 NOOP\r\n");
}

#[test]
fn a_certificate_for_another_name_fails_the_handshake() {
    let pki = pki();
    let wrong = TlsSetup::new(pki.client.config.clone(), "other.example.net").unwrap();
    let mut conn = Connection::new_tls(Config::default(), wrong).unwrap();
    let mut server = Server::new(&pki);
    server.send("* OK greeting\r\n");
    // The server never gets a finished handshake; pump what it can.
    let mut wire = Vec::new();
    conn.poll_transmit(&mut wire);
    let mut cursor = &wire[..];
    server.tls.read_tls(&mut cursor).unwrap();
    server.tls.process_new_packets().unwrap();
    let mut records = Vec::new();
    while server.tls.wants_write() {
        server.tls.write_tls(&mut records).unwrap();
    }
    conn.handle_input(&records);
    let failure = conn.failure().expect("the handshake must fail");
    assert!(
        matches!(
            **failure,
            Error::Tls(rustls::Error::InvalidCertificate(
                rustls::CertificateError::NotValidForName
                    | rustls::CertificateError::NotValidForNameContext { .. }
            ))
        ),
        "{failure:?}"
    );
    assert!(!conn.is_greeted());
}

/// Raw DEFLATE in both directions on the server side.
struct Deflate {
    compress: Compress,
    decompress: Decompress,
}

impl Deflate {
    fn new() -> Self {
        Deflate {
            compress: Compress::new(Compression::default(), false),
            decompress: Decompress::new(false),
        }
    }

    fn deflate(&mut self, plain: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(plain.len() + 64);
        self.compress
            .compress_vec(plain, &mut out, FlushCompress::Sync)
            .unwrap();
        out
    }

    fn inflate(&mut self, data: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(data.len() * 8 + 1024);
        self.decompress
            .decompress_vec(data, &mut out, FlushDecompress::Sync)
            .unwrap();
        out
    }
}

#[test]
fn compress_inside_tls() {
    let pki = pki();
    let mut conn = Connection::new_tls(Config::default(), pki.client.clone()).unwrap();
    let mut server = Server::new(&pki);
    server.send("* PREAUTH [CAPABILITY IMAP4rev1 COMPRESS=DEFLATE] hi\r\n");
    server.pump(&mut conn, false);
    let id = conn.submit(ops::upgrade::compress()).unwrap();
    server.pump(&mut conn, false);
    assert_eq!(server.take_received(), "A0001 COMPRESS DEFLATE\r\n");
    // The OK and the first compressed response in one TLS record.
    let mut deflate = Deflate::new();
    let mut plain = b"A0001 OK DEFLATE active\r\n".to_vec();
    plain.extend(deflate.deflate(b"* 3 EXISTS\r\n"));
    server.tls.writer().write_all(&plain).unwrap();
    server.pump(&mut conn, false);
    conn.take_output(&id).unwrap().unwrap();
    assert!(conn.session().compress_active() && conn.session().tls_active());
    let events: Vec<TypedEvent> = std::iter::from_fn(|| conn.poll_event()).collect();
    assert!(events.contains(&TypedEvent::Exists(3)), "{events:?}");
    let noop = conn.submit(ops::session::noop()).unwrap();
    server.pump(&mut conn, false);
    let received = std::mem::take(&mut server.received);
    assert_eq!(deflate.inflate(&received), b"A0002 NOOP\r\n");
    let reply = deflate.deflate(b"A0002 OK done\r\n");
    server.tls.writer().write_all(&reply).unwrap();
    server.pump(&mut conn, false);
    conn.take_output(&noop).unwrap().unwrap();
}

#[test]
fn a_large_response_over_tls_in_one_read() {
    let pki = pki();
    let mut conn = Connection::new_tls(Config::default(), pki.client.clone()).unwrap();
    let mut server = Server::new(&pki);
    server.send("* PREAUTH [CAPABILITY IMAP4rev1] hi\r\n");
    server.pump(&mut conn, false);
    let select = conn
        .submit(ops::mailbox::select("INBOX", &Default::default(), false))
        .unwrap();
    server.pump(&mut conn, false);
    assert_eq!(server.take_received(), "A0001 SELECT INBOX\r\n");
    server.send("* 1 EXISTS\r\nA0001 OK [READ-WRITE] ok\r\n");
    server.pump(&mut conn, false);
    conn.take_output(&select).unwrap().unwrap();
    let fetch = conn
        .submit(ops::fetch::fetch(
            false,
            &"1".parse().unwrap(),
            &[imap_proto_core::types::FetchAttr::whole_message_peek()],
            None,
            false,
            ops::fetch::Delivery::Buffered,
        ))
        .unwrap();
    server.pump(&mut conn, false);
    server.take_received();
    // 3 MiB in many TLS records, all delivered to the client in a single handle_input.
    let body: Vec<u8> = (0..3 * 1024 * 1024u32)
        .map(|i| b'a' + (i % 23) as u8)
        .collect();
    let mut response = format!("* 1 FETCH (BODY[] {{{}}}\r\n", body.len()).into_bytes();
    response.extend_from_slice(&body);
    response.extend_from_slice(b")\r\nA0002 OK done\r\n");
    server.tls.set_buffer_limit(None);
    server.tls.writer().write_all(&response).unwrap();
    let mut records = Vec::new();
    while server.tls.wants_write() {
        server.tls.write_tls(&mut records).unwrap();
    }
    conn.handle_input(&records);
    assert!(conn.failure().is_none(), "{:?}", conn.failure());
    let (found, _) = conn.take_output(&fetch).unwrap().unwrap();
    assert!(matches!(
        &found[0].attributes[..],
        [a] if a.section_data().map(|d| &d[..]) == Some(&body[..])
    ));
}

#[test]
fn a_large_command_over_tls() {
    let pki = pki();
    let mut conn = Connection::new_tls(Config::default(), pki.client.clone()).unwrap();
    let mut server = Server::new(&pki);
    server.send("* PREAUTH [CAPABILITY IMAP4rev1 LITERAL+] hi\r\n");
    server.pump(&mut conn, false);
    let body: Vec<u8> = (0..3 * 1024 * 1024u32)
        .map(|i| b'a' + (i % 23) as u8)
        .collect();
    let append = conn
        .submit(ops::append::append(
            "INBOX",
            vec![imap_proto_core::types::AppendMessage::new(body.clone())],
        ))
        .unwrap();
    server.pump(&mut conn, false);
    assert!(conn.failure().is_none(), "{:?}", conn.failure());
    let received = std::mem::take(&mut server.received);
    let header = format!("A0001 APPEND INBOX {{{}+}}\r\n", body.len());
    assert!(received.starts_with(header.as_bytes()));
    assert_eq!(received.len(), header.len() + body.len() + 2);
    server.send("A0001 OK [APPENDUID 1 9] done\r\n");
    server.pump(&mut conn, false);
    assert_eq!(conn.take_output(&append).unwrap().unwrap(), [(1, 9)]);
}
