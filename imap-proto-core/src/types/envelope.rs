//! ENVELOPE (RFC 9051 §7.5.2, RFC 3501 §7.4.2): the parsed header fields of a message.
//!
//! An [`Envelope`] keeps one `Bytes` of its wire text and records where each of its strings
//! lies in it (see `wire_text.rs` for why); the accessors return borrowed slices, and
//! [`Envelope::to_bytes`] turns one into an owned zero-copy `Bytes` when it must outlive the
//! envelope.

use std::borrow::Cow;
use std::fmt;

use bytes::Bytes;

use super::compact_table::{TableBytes, all_narrow, fields_narrow, narrow_fits};
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
    /// The envelope as sent, from `(` to `)`, and its table: the string fields (see
    /// [`StringKind`]) from word [`STRINGS`], each address list's range of addresses (see
    /// [`ListKind`]) from word [`LISTS`], then every address (four fields, list after list)
    /// from word [`ADDRESSES`]. Sender and reply-to that repeat from's text share its range.
    pub(crate) wire: WireText,
}

/// The first table word of the string fields.
const STRINGS: usize = 1;
/// The first table word of the list ranges.
const LISTS: usize = STRINGS + 2 * 4;
/// How many address lists an envelope has (see [`ListKind`]).
const LIST_COUNT: usize = 6;
/// The first table word of the addresses.
const ADDRESSES: usize = LISTS + 2 * LIST_COUNT;
/// Table words per address.
const ADDRESS_WORDS: usize = 2 * 4;

/// An envelope being parsed: its fields in scratch tables, stored in the envelope's one
/// exact-size table by [`EnvelopeTables::finish`].
#[derive(Default)]
pub(crate) struct EnvelopeTables {
    /// Date, subject, in-reply-to, message-id (see [`StringKind`]).
    strings: [Field; 4],
    /// Each address list as a range of `addresses` (see [`ListKind`]).
    lists: [[u32; 2]; LIST_COUNT],
    /// Every parsed address, list after list: the parser's per-thread scratch, whose room
    /// is kept from one envelope to the next. An inline `SmallVec` of eight spilled to the
    /// heap for about a quarter of real envelopes (mailing lists, long Cc lists), an
    /// allocation, a copy and a free each.
    addresses: Vec<RawAddress>,
}

impl EnvelopeTables {
    /// Empty tables whose addresses go into `addresses` (empty; its room is reused).
    #[inline(always)]
    pub(crate) fn with_addresses(addresses: Vec<RawAddress>) -> Self {
        debug_assert!(addresses.is_empty());
        EnvelopeTables {
            strings: [Field::NIL; 4],
            lists: [[0; 2]; LIST_COUNT],
            addresses,
        }
    }

    /// The address scratch, for the next envelope.
    #[inline(always)]
    pub(crate) fn into_addresses(self) -> Vec<RawAddress> {
        self.addresses
    }

    /// Records string `kind`.
    #[inline(always)]
    pub(crate) fn set_string(&mut self, kind: StringKind, field: Field) {
        self.strings[kind as usize] = field;
    }

    /// Records list `kind` as the addresses `range` (indices of [`EnvelopeTables::push`]).
    #[inline(always)]
    pub(crate) fn set_list(&mut self, kind: ListKind, range: (u32, u32)) {
        self.lists[kind as usize] = [range.0, range.1];
    }

    /// How many addresses have been pushed: the index the next one gets.
    #[inline(always)]
    pub(crate) fn address_count(&self) -> u32 {
        self.addresses.len() as u32
    }

    /// Appends an address.
    #[inline(always)]
    pub(crate) fn push(&mut self, address: &RawAddress) {
        self.addresses.push(*address);
    }

    /// The envelope of wire text `text` (which the fields are ranges of) and the unescaped
    /// strings `unescaped`.
    pub(crate) fn finish(&self, text: Bytes, unescaped: &[u8]) -> Envelope {
        // Each scratch table is written straight into the exact-size table in its place (the
        // strings' fields, the list ranges, the addresses' fields): no head gathered first.
        let lists = self.lists.as_flattened();
        let addresses = self.addresses.as_flattened();
        let count = ADDRESSES + 2 * addresses.len();
        // Every field is a range of `text` or of `unescaped` (or `NIL`) and every list range
        // counts addresses, so when both are shorter than 0x7FFF bytes every word has a
        // 16-bit form without looking at each one (nearly always); longer envelopes check.
        let short = text.len() < 0x7FFF && unescaped.len() < 0x7FFF;
        let all_fit =
            || all_narrow(lists) && fields_narrow(&self.strings) && fields_narrow(addresses);
        let narrow = narrow_fits(count) && (short || all_fit());
        debug_assert!(!narrow || all_fit());
        let mut table = TableBytes::new(count, narrow, unescaped.len());
        table.push_fields(&self.strings);
        table.push_words(lists);
        table.push_fields(addresses);
        Envelope {
            wire: WireText {
                text,
                table: table.finish(unescaped),
            },
        }
    }
}

impl Envelope {
    fn string(&self, kind: StringKind) -> Option<&[u8]> {
        self.wire.field_at(STRINGS + 2 * kind as usize)
    }

    fn list(&self, kind: ListKind) -> Addresses<'_> {
        let (start, end) = self.wire.table.range(LISTS + 2 * kind as usize);
        Addresses {
            envelope: self,
            next: start,
            end: end.max(start),
        }
    }

    /// `env-date`: the `Date:` header as sent (RFC 5322 syntax, not validated).
    pub fn date(&self) -> Option<&[u8]> {
        self.string(StringKind::Date)
    }

    /// The `Date:` header as a date, read leniently (see
    /// [`parse_rfc5322_date`](super::parse_rfc5322_date)); `None` for `NIL` or a header no
    /// date can be made of.
    #[cfg(feature = "chrono")]
    pub fn date_time(&self) -> Option<chrono::DateTime<chrono::FixedOffset>> {
        self.date().and_then(super::parse_rfc5322_date)
    }

    /// `env-subject`: still RFC 2047-encoded as the server sent it; see
    /// [`Envelope::decoded_subject`] for the text a mail client shows.
    pub fn subject(&self) -> Option<&[u8]> {
        self.string(StringKind::Subject)
    }

    /// The subject as a mail client shows it: RFC 2047 encoded words decoded, folding
    /// removed (see [`decode_header`](super::decode_header)). `None` for `NIL`.
    #[cfg(feature = "decode")]
    pub fn decoded_subject(&self) -> Option<Cow<'_, str>> {
        self.subject().map(super::decode_header)
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
    /// The index of the next address in the envelope's table.
    next: u32,
    /// The index just past the list's last address.
    end: u32,
}

impl<'a> Addresses<'a> {
    /// No addresses (`NIL` or an empty list).
    pub fn is_empty(&self) -> bool {
        self.next >= self.end
    }

    /// The `index`th remaining address.
    pub fn get(&self, index: usize) -> Option<Address<'a>> {
        let at = (self.next as usize).checked_add(index)?;
        (at < self.end as usize).then_some(Address {
            envelope: self.envelope,
            index: at,
        })
    }
}

impl<'a> Iterator for Addresses<'a> {
    type Item = Address<'a>;

    fn next(&mut self) -> Option<Address<'a>> {
        let address = self.get(0)?;
        self.next += 1;
        Some(address)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let len = self.end.saturating_sub(self.next) as usize;
        (len, Some(len))
    }
}

impl ExactSizeIterator for Addresses<'_> {}

impl DoubleEndedIterator for Addresses<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        if self.next >= self.end {
            return None;
        }
        self.end -= 1;
        Some(Address {
            envelope: self.envelope,
            index: self.end as usize,
        })
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
    /// Its index among the envelope's addresses.
    index: usize,
}

impl<'a> Address<'a> {
    /// Field `k` (name, adl, mailbox, host) of this address.
    fn field(&self, k: usize) -> Option<&'a [u8]> {
        let envelope: &'a Envelope = self.envelope;
        envelope
            .wire
            .field_at(ADDRESSES + ADDRESS_WORDS * self.index + 2 * k)
    }

    /// `addr-name`: the display name, still RFC 2047-encoded; see
    /// [`Address::display_name`] for the text a mail client shows.
    pub fn name(&self) -> Option<&'a [u8]> {
        self.field(0)
    }

    /// The display name as a mail client shows it: RFC 2047 encoded words decoded (with the
    /// `decode` feature; without it, the raw name read as UTF-8). `None` for `NIL`; a name
    /// that is empty after decoding is also `None`.
    pub fn display_name(&self) -> Option<Cow<'a, str>> {
        self.name()
            .map(header_text)
            .filter(|name| !name.trim().is_empty())
    }

    /// `mailbox@host`, the address without its display name (RFC 5322 `addr-spec`); just the
    /// mailbox when the host is missing, `None` for the markers of a group.
    pub fn email(&self) -> Option<String> {
        if self.is_group_start() || self.is_group_end() {
            return None;
        }
        let mailbox = String::from_utf8_lossy(self.mailbox().unwrap_or_default());
        Some(match self.host() {
            Some(host) => format!("{mailbox}@{}", String::from_utf8_lossy(host)),
            None => mailbox.into_owned(),
        })
    }

    /// `addr-adl`: the obsolete source route.
    pub fn adl(&self) -> Option<&'a [u8]> {
        self.field(1)
    }

    /// `addr-mailbox`: the local part (or a group's name).
    pub fn mailbox(&self) -> Option<&'a [u8]> {
        self.field(2)
    }

    /// `addr-host`: the domain.
    pub fn host(&self) -> Option<&'a [u8]> {
        self.field(3)
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

/// Header text for display: decoded with the `decode` feature, read as UTF-8 without it.
fn header_text(raw: &[u8]) -> Cow<'_, str> {
    #[cfg(feature = "decode")]
    return super::decode_header(raw);
    #[cfg(not(feature = "decode"))]
    return String::from_utf8_lossy(raw);
}

/// Writes a display name as users write it, quoted only when it holds a character that
/// would otherwise end it (RFC 5322 §3.2.3 `specials`, except the `.` every client accepts).
fn write_name(f: &mut fmt::Formatter<'_>, name: &str) -> fmt::Result {
    let needs_quotes = name.contains(['(', ')', '<', '>', '[', ']', ':', ';', '@', '\\', ',', '"']);
    if !needs_quotes {
        return f.write_str(name);
    }
    f.write_str("\"")?;
    for c in name.chars() {
        if matches!(c, '"' | '\\') {
            f.write_str("\\")?;
        }
        write!(f, "{c}")?;
    }
    f.write_str("\"")
}

impl fmt::Display for Address<'_> {
    /// `Name <mailbox@host>`, or `mailbox@host` without a name; a group's start is written
    /// `Name:` and its end `;` (see [`Addresses`]' `Display` for whole lists).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_group_end() {
            return f.write_str(";");
        }
        if self.is_group_start() {
            write_name(f, &header_text(self.mailbox().unwrap_or_default()))?;
            return f.write_str(":");
        }
        let email = self.email().unwrap_or_default();
        match self.display_name() {
            Some(name) => {
                write_name(f, &name)?;
                write!(f, " <{email}>")
            }
            None => f.write_str(&email),
        }
    }
}

impl fmt::Display for Addresses<'_> {
    /// The list as a header shows it: `Ann <ann@example.com>, Team: a@b, c@d;`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut separator = "";
        for address in self.clone() {
            if address.is_group_end() {
                f.write_str(";")?;
                separator = ", ";
                continue;
            }
            f.write_str(separator)?;
            write!(f, "{address}")?;
            separator = if address.is_group_start() { " " } else { ", " };
        }
        Ok(())
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
        let mut env = EnvelopeTables::default();
        env.set_string(StringKind::Date, field(self.date));
        env.set_string(StringKind::Subject, field(self.subject));
        env.set_string(StringKind::InReplyTo, field(self.in_reply_to));
        env.set_string(StringKind::MessageId, field(self.message_id));
        let lists = [
            (ListKind::From, &self.from),
            (ListKind::Sender, &self.sender),
            (ListKind::ReplyTo, &self.reply_to),
            (ListKind::To, &self.to),
            (ListKind::Cc, &self.cc),
            (ListKind::Bcc, &self.bcc),
        ];
        for (kind, list) in lists {
            let first = env.address_count();
            for a in list {
                env.push(&a.map(&mut field));
            }
            env.set_list(kind, (first, env.address_count()));
        }
        env.finish(Bytes::new(), &buffer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn envelope() -> Envelope {
        EnvelopeValues {
            subject: Some("=?UTF-8?Q?Caf=C3=A9?= =?ISO-8859-1?Q?_cr=E8me?="),
            from: vec![[
                Some("=?ISO-8859-1?Q?Andr=E9?= Pirard"),
                None,
                Some("andre"),
                Some("example.org"),
            ]],
            to: vec![
                [Some("Doe, John"), None, Some("john"), Some("example.com")],
                [None, None, Some("team"), None],
                [None, None, Some("a"), Some("b.example")],
                [
                    Some("=?UTF-8?B?5pel5pys?="),
                    None,
                    Some("c"),
                    Some("d.example"),
                ],
                [None; 4],
                [Some(""), None, Some("e"), Some("f.example")],
            ],
            cc: vec![
                [None, None, Some("undisclosed-recipients"), None],
                [None; 4],
            ],
            ..EnvelopeValues::default()
        }
        .build()
    }

    #[test]
    fn addresses_are_written_as_users_write_them() {
        let env = envelope();
        assert_eq!(env.from().to_string(), "André Pirard <andre@example.org>");
        assert_eq!(
            env.to().to_string(),
            "\"Doe, John\" <john@example.com>, team: a@b.example, 日本 <c@d.example>;, \
             e@f.example"
        );
        assert_eq!(env.cc().to_string(), "undisclosed-recipients:;");
        assert_eq!(env.bcc().to_string(), "");
        let first = env.from().next().unwrap();
        assert_eq!(first.email().as_deref(), Some("andre@example.org"));
        assert_eq!(first.name(), Some(&b"=?ISO-8859-1?Q?Andr=E9?= Pirard"[..]));
        assert_eq!(env.to().get(1).unwrap().email(), None);
    }

    #[cfg(feature = "decode")]
    #[test]
    fn subject_is_decoded_and_raw_kept() {
        let env = envelope();
        assert_eq!(env.decoded_subject().as_deref(), Some("Café crème"));
        assert_eq!(
            env.subject(),
            Some(&b"=?UTF-8?Q?Caf=C3=A9?= =?ISO-8859-1?Q?_cr=E8me?="[..])
        );
        assert_eq!(Envelope::default().decoded_subject(), None);
    }
}
