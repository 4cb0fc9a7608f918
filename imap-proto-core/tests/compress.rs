//! COMPRESS=DEFLATE round trips (RFC 4978): the server side is flate2 raw deflate.

use flate2::{Compress, Compression, Decompress, FlushCompress, FlushDecompress};
use imap_proto_core::ops;
use imap_proto_core::types::{AppendMessage, FetchAttr};
use imap_proto_core::{Config, Connection, Error, Precondition, TypedEvent};

/// The server's two DEFLATE streams.
struct Server {
    compress: Compress,
    decompress: Decompress,
}

impl Server {
    fn new() -> Self {
        Server {
            compress: Compress::new(Compression::default(), false),
            decompress: Decompress::new(false),
        }
    }

    /// Compresses server text with a sync flush, as a server does per response batch.
    fn deflate(&mut self, plain: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut input = plain;
        loop {
            out.reserve(plain.len() / 2 + 1024);
            let before = self.compress.total_in();
            self.compress
                .compress_vec(input, &mut out, FlushCompress::Sync)
                .unwrap();
            input = &input[(self.compress.total_in() - before) as usize..];
            if input.is_empty() && out.len() < out.capacity() {
                return out;
            }
        }
    }

    /// Inflates what the client sent.
    fn inflate(&mut self, data: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut input = data;
        loop {
            out.reserve(data.len() * 4 + 1024);
            let before = self.decompress.total_in();
            self.decompress
                .decompress_vec(input, &mut out, FlushDecompress::Sync)
                .unwrap();
            input = &input[(self.decompress.total_in() - before) as usize..];
            if input.is_empty() && out.len() < out.capacity() {
                return out;
            }
        }
    }
}

fn transmit(conn: &mut Connection) -> Vec<u8> {
    let mut wire = Vec::new();
    conn.poll_transmit(&mut wire);
    wire
}

/// PREAUTH with COMPRESS=DEFLATE and `A0001 COMPRESS DEFLATE` sent.
fn negotiate() -> (Connection, imap_proto_core::OpId<ops::upgrade::Compress>) {
    let mut conn = Connection::new(Config::default());
    conn.handle_input(b"* PREAUTH [CAPABILITY IMAP4rev1 COMPRESS=DEFLATE LITERAL+] hi\r\n");
    while conn.poll_event().is_some() {}
    let id = conn.submit(ops::upgrade::compress()).unwrap();
    assert_eq!(transmit(&mut conn), b"A0001 COMPRESS DEFLATE\r\n");
    (conn, id)
}

#[test]
fn round_trip_after_the_ok() {
    let (mut conn, id) = negotiate();
    let mut server = Server::new();
    conn.handle_input(b"A0001 OK DEFLATE active\r\n");
    conn.take_output(&id).unwrap().unwrap();
    assert!(conn.session().compress_active());
    // Compression is on for the next command.
    let noop = conn.submit(ops::session::noop()).unwrap();
    let wire = transmit(&mut conn);
    assert_ne!(wire, b"A0002 NOOP\r\n");
    assert_eq!(server.inflate(&wire), b"A0002 NOOP\r\n");
    conn.handle_input(&server.deflate(b"* 4 EXISTS\r\nA0002 OK NOOP done\r\n"));
    conn.take_output(&noop).unwrap().unwrap();
    assert_eq!(conn.poll_event(), Some(TypedEvent::Exists(4)));
    // COMPRESS cannot be negotiated twice.
    assert!(matches!(
        conn.submit(ops::upgrade::compress()),
        Err(Error::Precondition(Precondition::CompressActive))
    ));
}

#[test]
fn compressed_bytes_in_the_same_read_as_the_ok_are_kept() {
    let (mut conn, id) = negotiate();
    let mut server = Server::new();
    let mut read = b"A0001 OK DEFLATE active\r\n".to_vec();
    read.extend(server.deflate(b"* OK [ALERT] compressed hello\r\n* 2 EXISTS\r\n"));
    conn.handle_input(&read);
    assert!(conn.failure().is_none(), "{:?}", conn.failure());
    conn.take_output(&id).unwrap().unwrap();
    assert_eq!(
        conn.poll_event(),
        Some(TypedEvent::Alert("compressed hello".into()))
    );
    assert_eq!(conn.poll_event(), Some(TypedEvent::Exists(2)));
    let noop = conn.submit(ops::session::noop()).unwrap();
    let wire = transmit(&mut conn);
    assert_eq!(server.inflate(&wire), b"A0002 NOOP\r\n");
    conn.handle_input(&server.deflate(b"A0002 OK\r\n"));
    conn.take_output(&noop).unwrap().unwrap();
}

#[test]
fn a_partial_compressed_response_in_the_same_read_as_the_ok() {
    let (mut conn, id) = negotiate();
    let mut server = Server::new();
    let compressed = server.deflate(b"* 7 EXISTS\r\n* 1 RECENT\r\n");
    let (head, tail) = compressed.split_at(compressed.len() / 2);
    let mut read = b"A0001 OK DEFLATE active\r\n".to_vec();
    read.extend_from_slice(head);
    conn.handle_input(&read);
    conn.take_output(&id).unwrap().unwrap();
    // The rest trickles in one byte at a time.
    for byte in tail {
        conn.handle_input(&[*byte]);
    }
    assert_eq!(conn.poll_event(), Some(TypedEvent::Exists(7)));
    assert_eq!(conn.poll_event(), Some(TypedEvent::Recent(1)));
    assert!(conn.failure().is_none());
}

#[test]
fn large_data_both_ways() {
    let (mut conn, id) = negotiate();
    let mut server = Server::new();
    conn.handle_input(b"A0001 OK DEFLATE active\r\n");
    conn.take_output(&id).unwrap().unwrap();
    // A 3 MiB message with little redundancy, sent with LITERAL+ through the deflater.
    let mut state = 0x1234_5678u32;
    let body: Vec<u8> = (0..3 * 1024 * 1024)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            b'a' + (state % 26) as u8
        })
        .collect();
    let append = conn
        .submit(ops::append::append(
            "INBOX",
            vec![AppendMessage::new(body.clone())],
        ))
        .unwrap();
    let wire = transmit(&mut conn);
    let sent = server.inflate(&wire);
    let header = format!("A0002 APPEND INBOX {{{}+}}\r\n", body.len());
    assert!(sent.starts_with(header.as_bytes()));
    assert_eq!(&sent[header.len()..sent.len() - 2], &body[..]);
    conn.handle_input(&server.deflate(b"A0002 OK appended\r\n"));
    conn.take_output(&append).unwrap().unwrap();

    // And the same message back in a FETCH, fed in 1000-byte reads.
    conn.handle_input(&server.deflate(b"* 1 EXISTS\r\n"));
    let select = conn
        .submit(ops::mailbox::select("INBOX", &Default::default(), false))
        .unwrap();
    let wire = transmit(&mut conn);
    assert_eq!(server.inflate(&wire), b"A0003 SELECT INBOX\r\n");
    conn.handle_input(&server.deflate(b"* 1 EXISTS\r\nA0003 OK [READ-WRITE] ok\r\n"));
    conn.take_output(&select).unwrap().unwrap();
    let fetch = conn
        .submit(ops::fetch::fetch(
            false,
            &"1".parse().unwrap(),
            &[FetchAttr::whole_message_peek()],
            None,
            false,
            ops::fetch::Delivery::Buffered,
        ))
        .unwrap();
    transmit(&mut conn);
    let mut response = format!("* 1 FETCH (BODY[] {{{}}}\r\n", body.len()).into_bytes();
    response.extend_from_slice(&body);
    response.extend_from_slice(b")\r\nA0004 OK done\r\n");
    let compressed = server.deflate(&response);
    for piece in compressed.chunks(1000) {
        conn.handle_input(piece);
    }
    let (found, _) = conn.take_output(&fetch).unwrap().unwrap();
    assert_eq!(found.len(), 1);
    assert!(matches!(
        &found[0].attributes[..],
        [a] if a.section_data().map(|d| &d[..]) == Some(&body[..])
    ));
}

#[test]
fn a_corrupt_deflate_stream_fails_the_connection() {
    let (mut conn, id) = negotiate();
    conn.handle_input(b"A0001 OK DEFLATE active\r\n");
    conn.take_output(&id).unwrap().unwrap();
    let noop = conn.submit(ops::session::noop()).unwrap();
    transmit(&mut conn);
    // 0xff: a reserved block type (BTYPE 11).
    conn.handle_input(&[0xff, 0xff, 0xff, 0xff]);
    assert!(matches!(
        conn.take_output(&noop),
        Some(Err(Error::Compression(_)))
    ));
    assert!(conn.failure().is_some());
}

#[test]
fn refused_compress_stays_uncompressed() {
    let (mut conn, id) = negotiate();
    conn.handle_input(b"A0001 BAD unknown command\r\n");
    assert!(matches!(
        conn.take_output(&id),
        Some(Err(Error::Bad { .. }))
    ));
    assert!(!conn.session().compress_active());
    conn.submit(ops::session::noop()).unwrap();
    assert_eq!(transmit(&mut conn), b"A0002 NOOP\r\n");
}

#[test]
fn corrupt_bytes_right_after_the_ok_fail_the_compress_itself() {
    let (mut conn, id) = negotiate();
    conn.handle_input(b"A0001 OK DEFLATE active\r\n\xff\xff\xff\xff");
    assert!(matches!(
        conn.take_output(&id),
        Some(Err(Error::Compression(_)))
    ));
    assert!(conn.failure().is_some());
}
