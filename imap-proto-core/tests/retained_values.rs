//! Issue 15 item 2: a value the session keeps must not keep the read buffer it arrived in
//! alive. A long session that queues one FETCH update per read (flag changes while the
//! caller is busy elsewhere) would otherwise hold one read buffer per update: a slice keeps
//! its whole allocation, however small the slice.

use imap_proto_core::TypedEvent;
use imap_proto_core::types::{Flag, MessageAttribute};

mod support;

/// What adapters ask for per read.
const READ: usize = 64 * 1024;
const ROUNDS: u32 = 40;

/// An unsolicited FETCH update with a keyword, an envelope and a body structure.
fn update(seq: u32) -> String {
    format!(
        "* {seq} FETCH (UID {uid} FLAGS (\\Seen $Junk) ENVELOPE (\"Mon, 7 Dec 2026 04:40:25 \
         +0000\" \"update {seq}\" ((\"Ann\" NIL \"ann\" \"example.com\")) NIL NIL NIL NIL NIL \
         NIL \"<{seq}@example.com>\") BODYSTRUCTURE (\"text\" \"plain\" (\"charset\" \
         \"utf-8\") NIL NIL \"7bit\" 12 1 NIL NIL NIL NIL))\r\n",
        uid = seq + 1000
    )
}

/// Where every byte slice the update's values hold starts.
fn slices(event: &TypedEvent) -> Vec<usize> {
    let TypedEvent::Fetch(fetch) = event else {
        panic!("not a FETCH update: {event:?}");
    };
    let mut out = Vec::new();
    for attribute in &fetch.to_attribute_list() {
        match attribute {
            MessageAttribute::Flags(flags) => {
                for flag in flags {
                    if let Flag::Keyword(name) | Flag::Extension(name) = flag {
                        out.push(name.as_ptr() as usize);
                    }
                }
            }
            MessageAttribute::Envelope(env) => {
                out.push(env.wire().as_ptr() as usize);
                out.extend(env.subject().map(<[u8]>::as_ptr).map(|p| p as usize));
            }
            MessageAttribute::BodyStructure(body) => {
                out.push(body.wire().as_ptr() as usize);
                out.push(body.root().media_subtype().as_ptr() as usize);
            }
            _ => {}
        }
    }
    out
}

#[test]
fn queued_fetch_updates_pin_no_read_buffer() {
    let mut conn = support::selected(100);
    let mut kept = Vec::new();
    let mut pinned_reads = 0;
    for seq in 1..=ROUNDS {
        let update = update(seq);
        let buffer = conn.read_buffer(READ);
        // The update lands here: any slice of it lies in this range.
        let start = buffer.as_ptr() as usize + buffer.len();
        let end = buffer.as_ptr() as usize + buffer.capacity();
        buffer.extend_from_slice(update.as_bytes());
        conn.handle_read();
        let event = conn.poll_event().expect("the update is queued");
        let slices = slices(&event);
        assert_eq!(slices.len(), 5, "{event:?}");
        if slices.iter().any(|s| (start..end).contains(s)) {
            pinned_reads += 1;
        }
        kept.push(event);
    }
    assert_eq!(
        pinned_reads, 0,
        "queued updates hold slices of the read buffer they arrived in"
    );
    // What was kept still reads back.
    let TypedEvent::Fetch(last) = &kept[ROUNDS as usize - 1] else {
        unreachable!()
    };
    assert_eq!(last.uid(), Some(ROUNDS + 1000));
    assert_eq!(
        last.envelope().and_then(|e| e.subject()),
        Some(format!("update {ROUNDS}").as_bytes())
    );
    assert_eq!(
        last.flags().map(|flags| flags.to_vec()),
        Some(vec![Flag::Seen, Flag::keyword("$Junk")])
    );
}

/// What NOTIFY (RFC 5465 §5.4-5.6) sends unasked, queued as events: LIST, STATUS and
/// METADATA. Each kept event must own its mailbox name (and values).
#[test]
fn queued_notify_events_pin_no_read_buffer() {
    let mut conn = support::selected(100);
    let lines = [
        "* LIST () \"/\" \"Archive/2026\"\r\n",
        "* STATUS \"Archive/2026\" (MESSAGES 12 UIDNEXT 40)\r\n",
        "* METADATA \"Archive/2026\" (/private/comment \"kept for long\")\r\n",
    ];
    for line in lines {
        let buffer = conn.read_buffer(READ);
        let start = buffer.as_ptr() as usize + buffer.len();
        let end = buffer.as_ptr() as usize + buffer.capacity();
        buffer.extend_from_slice(line.as_bytes());
        conn.handle_read();
        let event = conn.poll_event().expect("the response is queued");
        let (name, value) = match &event {
            TypedEvent::List(info) => (info.mailbox.wire().clone(), None),
            TypedEvent::MailboxStatus(status) => (status.mailbox.wire().clone(), None),
            TypedEvent::Metadata(metadata) => {
                let imap_proto_core::types::MetadataEntries::Values(values) = &metadata.entries
                else {
                    panic!("not values: {event:?}");
                };
                (metadata.mailbox.wire().clone(), values[0].1.clone())
            }
            other => panic!("unexpected event {other:?}"),
        };
        assert_eq!(&name[..], b"Archive/2026");
        for bytes in [Some(name), value].into_iter().flatten() {
            let at = bytes.as_ptr() as usize;
            assert!(
                !(start..end).contains(&at),
                "{line:?}: {bytes:?} is a slice of its read buffer"
            );
        }
    }
}
