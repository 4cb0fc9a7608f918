//! ENVELOPE (RFC 9051 §7.5.2, RFC 3501 §7.4.2): the parsed header fields of a message.
//!
//! An [`Envelope`] keeps one `Bytes` of its wire text and records where each of its strings
//! lies in it (see `wire_text.rs` for why); the accessors return borrowed slices, and
//! [`Envelope::to_bytes`] turns one into an owned zero-copy `Bytes` when it must outlive the
//! envelope.

use std::fmt;

use bytes::Bytes;
use smallvec::SmallVec;

use super::wire_text::{Field, ShowField, WireText};

/// An address's four fields, in wire order: name, adl, mailbox, host.
pub(crate) type RawAddress = [Field; 4];

/// Which of [`Envelope`]'s address lists: the index into its list ranges.
#[derive(Clone, Copy)]
pub(crate) enum ListKind {
    From = 0,
    Sender = 1,
    ReplyTo = 2,
    To = 3,
    Cc = 4,
    Bcc = 5,
}

/// Which of [`Envelope`]'s plain strings: the index into its string fields.
#[derive(Clone, Copy)]
pub(crate) enum StringKind {
    Date = 0,
    Subject = 1,
    InReplyTo = 2,
    MessageId = 3,
}

/// `envelope = "(" env-date SP env-subject SP env-from SP env-sender SP env-reply-to SP env-to
/// SP env-cc SP env-bcc SP env-in-reply-to SP env-message-id ")"` (RFC 9051 §9).
///
/// The strings are returned as they were sent (the subject and names still RFC 2047-encoded),
/// borrowed from the envelope; `None` is `NIL`. They are not copies: the envelope keeps a
/// zero-copy `Bytes` of its wire text (see [`Envelope::wire`]), so holding it keeps the
/// connection's read buffer alive, like every other value of a FETCH response.
#[derive(Clone, Default)]
pub struct Envelope {
    /// The envelope as sent, from `(` to `)`, and its unescaped strings.
    pub(crate) wire: WireText,
    /// Date, subject, in-reply-to, message-id (see [`StringKind`]).
    pub(crate) strings: [Field; 4],
    /// Each address list as a range of `addresses` (see [`ListKind`]). Sender and reply-to
    /// that repeat from's text share its range.
    pub(crate) lists: [(u32, u32); 6],
    /// Every parsed address, list after list.
    pub(crate) addresses: SmallVec<[RawAddress; 8]>,
}

impl Envelope {
    #[inline]
    fn field(&self, field: Field) -> Option<&[u8]> {
        self.wire.get(field)
    }

    fn string(&self, kind: StringKind) -> Option<&[u8]> {
        self.field(self.strings[kind as usize])
    }

    fn list(&self, kind: ListKind) -> Addresses<'_> {
        let (start, end) = self.lists[kind as usize];
        let raw = self
            .addresses
            .get(start as usize..end as usize)
            .unwrap_or_default();
        Addresses {
            envelope: self,
            raw: raw.iter(),
        }
    }

    /// `env-date`: the `Date:` header as sent (RFC 5322 syntax, not validated).
    pub fn date(&self) -> Option<&[u8]> {
        self.string(StringKind::Date)
    }

    /// `env-subject`: still RFC 2047-encoded as the server sent it.
    pub fn subject(&self) -> Option<&[u8]> {
        self.string(StringKind::Subject)
    }

    /// `env-from`.
    pub fn from(&self) -> Addresses<'_> {
        self.list(ListKind::From)
    }

    /// `env-sender`; servers fill it from `From:` when the header is absent.
    pub fn sender(&self) -> Addresses<'_> {
        self.list(ListKind::Sender)
    }

    /// `env-reply-to`; servers fill it from `From:` when the header is absent.
    pub fn reply_to(&self) -> Addresses<'_> {
        self.list(ListKind::ReplyTo)
    }

    /// `env-to`.
    pub fn to(&self) -> Addresses<'_> {
        self.list(ListKind::To)
    }

    /// `env-cc`.
    pub fn cc(&self) -> Addresses<'_> {
        self.list(ListKind::Cc)
    }

    /// `env-bcc`.
    pub fn bcc(&self) -> Addresses<'_> {
        self.list(ListKind::Bcc)
    }

    /// `env-in-reply-to`: the `In-Reply-To:` header as sent.
    pub fn in_reply_to(&self) -> Option<&[u8]> {
        self.string(StringKind::InReplyTo)
    }

    /// `env-message-id`: the `Message-ID:` header as sent, angle brackets included.
    pub fn message_id(&self) -> Option<&[u8]> {
        self.string(StringKind::MessageId)
    }

    /// The envelope exactly as the server sent it, from `(` to `)`.
    pub fn wire(&self) -> &Bytes {
        &self.wire.text
    }

    /// An owned `Bytes` of `value`, a slice returned by one of this envelope's accessors (or
    /// by one of its addresses), without copying it; a slice from anywhere else is copied.
    pub fn to_bytes(&self, value: &[u8]) -> Bytes {
        self.wire.to_bytes(value)
    }
}

impl PartialEq for Envelope {
    /// Two envelopes are equal when every field is, wherever their bytes came from.
    fn eq(&self, other: &Self) -> bool {
        self.date() == other.date()
            && self.subject() == other.subject()
            && self.from().eq(other.from())
            && self.sender().eq(other.sender())
            && self.reply_to().eq(other.reply_to())
            && self.to().eq(other.to())
            && self.cc().eq(other.cc())
            && self.bcc().eq(other.bcc())
            && self.in_reply_to() == other.in_reply_to()
            && self.message_id() == other.message_id()
    }
}

impl Eq for Envelope {}

impl fmt::Debug for Envelope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Envelope")
            .field("date", &ShowField(self.date()))
            .field("subject", &ShowField(self.subject()))
            .field("from", &self.from())
            .field("sender", &self.sender())
            .field("reply_to", &self.reply_to())
            .field("to", &self.to())
            .field("cc", &self.cc())
            .field("bcc", &self.bcc())
            .field("in_reply_to", &ShowField(self.in_reply_to()))
            .field("message_id", &ShowField(self.message_id()))
            .finish()
    }
}

/// One of an envelope's address lists (`env-from`, `env-to`, ...): an iterator over its
/// addresses, which also knows its length. `NIL` is an empty list.
#[derive(Clone)]
pub struct Addresses<'a> {
    envelope: &'a Envelope,
    raw: std::slice::Iter<'a, RawAddress>,
}

impl<'a> Addresses<'a> {
    /// No addresses (`NIL` or an empty list).
    pub fn is_empty(&self) -> bool {
        self.raw.len() == 0
    }

    /// The `index`th remaining address.
    pub fn get(&self, index: usize) -> Option<Address<'a>> {
        let envelope = self.envelope;
        self.raw
            .as_slice()
            .get(index)
            .map(|raw| Address { envelope, raw })
    }
}

impl<'a> Iterator for Addresses<'a> {
    type Item = Address<'a>;

    fn next(&mut self) -> Option<Address<'a>> {
        let envelope = self.envelope;
        self.raw.next().map(|raw| Address { envelope, raw })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.raw.size_hint()
    }
}

impl ExactSizeIterator for Addresses<'_> {}

impl DoubleEndedIterator for Addresses<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        let envelope = self.envelope;
        self.raw.next_back().map(|raw| Address { envelope, raw })
    }
}

impl fmt::Debug for Addresses<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.clone()).finish()
    }
}

/// `address = "(" addr-name SP addr-adl SP addr-mailbox SP addr-host ")"`, borrowed from its
/// [`Envelope`].
///
/// RFC 2822 group syntax appears as an address with no host that opens the group (its
/// mailbox is the group's name, [`Address::is_group_start`]) and one with neither mailbox nor
/// host that closes it ([`Address::is_group_end`]).
#[derive(Clone, Copy)]
pub struct Address<'a> {
    envelope: &'a Envelope,
    raw: &'a RawAddress,
}

impl<'a> Address<'a> {
    /// `addr-name`: the display name, still RFC 2047-encoded.
    pub fn name(&self) -> Option<&'a [u8]> {
        self.envelope.field(self.raw[0])
    }

    /// `addr-adl`: the obsolete source route.
    pub fn adl(&self) -> Option<&'a [u8]> {
        self.envelope.field(self.raw[1])
    }

    /// `addr-mailbox`: the local part (or a group's name).
    pub fn mailbox(&self) -> Option<&'a [u8]> {
        self.envelope.field(self.raw[2])
    }

    /// `addr-host`: the domain.
    pub fn host(&self) -> Option<&'a [u8]> {
        self.envelope.field(self.raw[3])
    }

    /// Opens an RFC 2822 group: no host, and the mailbox holds the group's name.
    pub fn is_group_start(&self) -> bool {
        self.host().is_none() && self.mailbox().is_some()
    }

    /// Closes an RFC 2822 group: neither mailbox nor host.
    pub fn is_group_end(&self) -> bool {
        self.host().is_none() && self.mailbox().is_none()
    }

    /// The envelope this address belongs to (for [`Envelope::to_bytes`]).
    pub fn envelope(&self) -> &'a Envelope {
        self.envelope
    }
}

impl PartialEq for Address<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.name() == other.name()
            && self.adl() == other.adl()
            && self.mailbox() == other.mailbox()
            && self.host() == other.host()
    }
}

impl Eq for Address<'_> {}

impl fmt::Debug for Address<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Address")
            .field("name", &ShowField(self.name()))
            .field("adl", &ShowField(self.adl()))
            .field("mailbox", &ShowField(self.mailbox()))
            .field("host", &ShowField(self.host()))
            .finish()
    }
}

/// An address as four optional strings (name, adl, mailbox, host), for building expected
/// envelopes in tests.
#[cfg(test)]
pub(crate) type AddressValues<'a> = [Option<&'a str>; 4];

/// The values of an envelope, for building expected envelopes in tests; an address list of
/// `None` is `NIL`.
#[cfg(test)]
#[derive(Default)]
pub(crate) struct EnvelopeValues<'a> {
    pub date: Option<&'a str>,
    pub subject: Option<&'a str>,
    pub from: Vec<AddressValues<'a>>,
    pub sender: Vec<AddressValues<'a>>,
    pub reply_to: Vec<AddressValues<'a>>,
    pub to: Vec<AddressValues<'a>>,
    pub cc: Vec<AddressValues<'a>>,
    pub bcc: Vec<AddressValues<'a>>,
    pub in_reply_to: Option<&'a str>,
    pub message_id: Option<&'a str>,
}

#[cfg(test)]
use super::wire_text::push_value;

#[cfg(test)]
impl EnvelopeValues<'_> {
    /// The envelope with these values (all stored in its unescaped buffer, which equality
    /// does not see).
    pub(crate) fn build(&self) -> Envelope {
        let mut buffer = Vec::new();
        let mut field = |value: Option<&str>| push_value(&mut buffer, value.map(str::as_bytes));
        let mut env = Envelope {
            strings: [
                field(self.date),
                field(self.subject),
                field(self.in_reply_to),
                field(self.message_id),
            ],
            ..Envelope::default()
        };
        let lists = [
            &self.from,
            &self.sender,
            &self.reply_to,
            &self.to,
            &self.cc,
            &self.bcc,
        ];
        for (k, list) in lists.into_iter().enumerate() {
            let first = env.addresses.len() as u32;
            for a in list {
                env.addresses.push(a.map(&mut field));
            }
            env.lists[k] = (first, env.addresses.len() as u32);
        }
        env.wire.unescaped = Bytes::from(buffer);
        env
    }
}
