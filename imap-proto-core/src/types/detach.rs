//! [`Detach`]: values the connection keeps after their response (the session's flags,
//! queued events) copy their bytes out of the read buffer they were parsed from. A slice
//! keeps its whole allocation alive, however small it is, so otherwise an idle connection
//! could not give its read buffer back (issue 16), and a long session that queues one FETCH
//! update per read would keep one read buffer (up to 4 MiB) per update (issue 15 item 2).

use bytes::Bytes;

use super::body_structure::Rare;
use super::wire_text::WireText;
use super::{
    AclEntry, BinaryData, BodyExtension, BodyStructure, CopyResult, Envelope, EsearchResponse,
    FetchResponse, Flag, ListExtendedItem, ListRightsResponse, Mailbox, MailboxAttribute,
    MailboxInfo, MailboxStatus, MessageAttribute, MessageFlags, MetadataEntries, MetadataResponse,
    MetadataResult, NamespaceDescriptor, NamespaceResponse, OtherAttribute, QuotaResource,
    QuotaRootResponse, ResponseCode, Section, SectionData, SectionKind, StatusItem, StatusResponse,
    StatusResult, TypedEvent, Unparsed,
};

/// Copies a value's byte slices out of the buffer they were parsed from.
pub(crate) trait Detach {
    /// The same value, owning its bytes.
    fn detached(&self) -> Self;
}

impl Detach for Bytes {
    fn detached(&self) -> Self {
        Bytes::copy_from_slice(self)
    }
}

impl<T: Detach> Detach for Vec<T> {
    fn detached(&self) -> Self {
        self.iter().map(Detach::detached).collect()
    }
}

impl<T: Detach> Detach for Option<T> {
    fn detached(&self) -> Self {
        self.as_ref().map(Detach::detached)
    }
}

/// Already owns its bytes: a clone, so that pairs with a name (`(String, Option<Bytes>)`)
/// use the tuple impl.
impl Detach for String {
    fn detached(&self) -> Self {
        self.clone()
    }
}

impl<A: Detach, B: Detach> Detach for (A, B) {
    fn detached(&self) -> Self {
        (self.0.detached(), self.1.detached())
    }
}

impl Detach for Flag {
    fn detached(&self) -> Self {
        match self {
            Flag::Keyword(name) => Flag::Keyword(name.detached()),
            Flag::Extension(name) => Flag::Extension(name.detached()),
            flag => flag.clone(),
        }
    }
}

impl Detach for MessageFlags {
    fn detached(&self) -> Self {
        // A list of system flags alone has a static text: nothing to copy.
        match self.system_only() {
            Some(bits) => MessageFlags::system(bits),
            None => MessageFlags::from_checked(self.text().detached()),
        }
    }
}

impl Detach for ResponseCode {
    fn detached(&self) -> Self {
        match self {
            ResponseCode::BadCharset(names) => ResponseCode::BadCharset(names.detached()),
            ResponseCode::PermanentFlags(flags) => ResponseCode::PermanentFlags(flags.detached()),
            ResponseCode::MailboxId(id) => ResponseCode::MailboxId(id.detached()),
            ResponseCode::BadEvent(names) => ResponseCode::BadEvent(names.detached()),
            ResponseCode::Referral(url) => ResponseCode::Referral(url.detached()),
            ResponseCode::Other { name, value } => ResponseCode::Other {
                name: name.detached(),
                value: value.detached(),
            },
            code => code.clone(),
        }
    }
}

impl Detach for StatusResponse {
    fn detached(&self) -> Self {
        StatusResponse {
            kind: self.kind,
            code: self.code.detached(),
            text: self.text.detached(),
        }
    }
}

impl Detach for WireText {
    /// The text copied; the table (offsets into it) is the same.
    fn detached(&self) -> Self {
        WireText {
            text: self.text.detached(),
            table: self.table.clone(),
        }
    }
}

impl Detach for Envelope {
    fn detached(&self) -> Self {
        Envelope {
            wire: self.wire.detached(),
        }
    }
}

impl Detach for BodyExtension {
    fn detached(&self) -> Self {
        match self {
            BodyExtension::NString(s) => BodyExtension::NString(s.detached()),
            BodyExtension::Number(n) => BodyExtension::Number(*n),
            BodyExtension::List(items) => BodyExtension::List(items.detached()),
        }
    }
}

impl Detach for BodyStructure {
    fn detached(&self) -> Self {
        BodyStructure {
            wire: self.wire.detached(),
            rare: self.rare.as_ref().map(|rare| {
                Box::new(Rare {
                    envelopes: rare.envelopes.iter().map(Detach::detached).collect(),
                    // Built again, from the detached text, when first read.
                    extensions: Default::default(),
                })
            }),
        }
    }
}

impl Detach for Section {
    fn detached(&self) -> Self {
        let kind = match &self.kind {
            SectionKind::HeaderFields(names) => SectionKind::HeaderFields(names.detached()),
            SectionKind::HeaderFieldsNot(names) => SectionKind::HeaderFieldsNot(names.detached()),
            kind => kind.clone(),
        };
        Section {
            part: self.part.clone(),
            kind,
        }
    }
}

impl<T: Detach> Detach for Box<T> {
    fn detached(&self) -> Self {
        Box::new((**self).detached())
    }
}

impl Detach for MessageAttribute {
    fn detached(&self) -> Self {
        use MessageAttribute as A;
        match self {
            A::Flags(flags) => A::Flags(flags.detached()),
            A::InternalDate(date) => A::InternalDate(date.detached()),
            A::Envelope(env) => A::Envelope(env.detached()),
            A::Body(body) => A::Body(body.detached()),
            A::BodyStructure(body) => A::BodyStructure(body.detached()),
            A::BodySection(s) => A::BodySection(Box::new(SectionData {
                section: s.section.detached(),
                origin: s.origin,
                data: s.data.detached(),
            })),
            A::Binary(b) => A::Binary(Box::new(BinaryData {
                section: b.section.clone(),
                origin: b.origin,
                data: b.data.detached(),
            })),
            A::EmailId(id) => A::EmailId(id.detached()),
            A::ThreadId(id) => A::ThreadId(id.detached()),
            A::SaveDate(date) => A::SaveDate(date.detached()),
            A::Preview(preview) => A::Preview(preview.detached()),
            A::Unparsed(u) => A::Unparsed(Box::new(Unparsed {
                raw: u.raw.detached(),
                error: u.error.clone(),
            })),
            A::Other(o) => A::Other(Box::new(OtherAttribute {
                name: o.name.detached(),
                value: o.value.detached(),
            })),
            attribute => attribute.clone(),
        }
    }
}

impl Detach for FetchResponse {
    fn detached(&self) -> Self {
        FetchResponse {
            seq: self.seq,
            uid: self.uid,
            flags: self.flags.detached(),
            modseq: self.modseq,
            envelope: self.envelope.detached(),
            body_structure: self.body_structure.detached(),
            attributes: self.attributes.detached(),
        }
    }
}

// The results of the calls other than FETCH/STORE (issue 15 item 2): callers keep them for
// the session (a mailbox list), and they are small, so they are always copied (`ops::command`,
// `Command::detach_output`).

impl Detach for Mailbox {
    fn detached(&self) -> Self {
        Mailbox::from_wire_in(self.wire().detached(), self.encoding())
    }
}

impl Detach for MailboxAttribute {
    fn detached(&self) -> Self {
        match self {
            MailboxAttribute::Extension(name) => MailboxAttribute::Extension(name.detached()),
            attribute => attribute.clone(),
        }
    }
}

impl Detach for ListExtendedItem {
    fn detached(&self) -> Self {
        match self {
            ListExtendedItem::ChildInfo(options) => ListExtendedItem::ChildInfo(options.detached()),
            ListExtendedItem::OldName(name) => ListExtendedItem::OldName(name.detached()),
            ListExtendedItem::Other { tag, value } => ListExtendedItem::Other {
                tag: tag.detached(),
                value: value.detached(),
            },
        }
    }
}

impl Detach for MailboxInfo {
    fn detached(&self) -> Self {
        MailboxInfo {
            attributes: self.attributes.detached(),
            delimiter: self.delimiter,
            mailbox: self.mailbox.detached(),
            extended: self.extended.detached(),
        }
    }
}

impl Detach for StatusItem {
    fn detached(&self) -> Self {
        match self {
            StatusItem::MailboxId(id) => StatusItem::MailboxId(id.detached()),
            StatusItem::Other { name, value } => StatusItem::Other {
                name: name.detached(),
                value: value.detached(),
            },
            item => item.clone(),
        }
    }
}

impl Detach for MailboxStatus {
    fn detached(&self) -> Self {
        MailboxStatus {
            mailbox: self.mailbox.detached(),
            items: self.items.detached(),
        }
    }
}

impl Detach for StatusResult {
    fn detached(&self) -> Self {
        StatusResult {
            items: self.items.detached(),
            ambiguous: self.ambiguous.detached(),
        }
    }
}

impl Detach for NamespaceDescriptor {
    fn detached(&self) -> Self {
        NamespaceDescriptor {
            prefix: self.prefix.detached(),
            delimiter: self.delimiter,
            extensions: self.extensions.detached(),
        }
    }
}

impl Detach for NamespaceResponse {
    fn detached(&self) -> Self {
        NamespaceResponse {
            personal: self.personal.detached(),
            other_users: self.other_users.detached(),
            shared: self.shared.detached(),
        }
    }
}

impl Detach for MetadataResult {
    fn detached(&self) -> Self {
        MetadataResult {
            entries: self.entries.detached(),
            long_entries: self.long_entries,
        }
    }
}

impl Detach for EsearchResponse {
    fn detached(&self) -> Self {
        EsearchResponse {
            tag: self.tag.detached(),
            uid: self.uid,
            min: self.min,
            max: self.max,
            count: self.count,
            all: self.all.clone(),
            partial: self.partial.clone(),
            modseq: self.modseq,
            other: self.other.detached(),
        }
    }
}

impl Detach for QuotaResource {
    fn detached(&self) -> Self {
        QuotaResource {
            name: self.name.detached(),
            usage: self.usage,
            limit: self.limit,
        }
    }
}

impl Detach for QuotaRootResponse {
    fn detached(&self) -> Self {
        QuotaRootResponse {
            roots: self.roots.clone(),
            quotas: self.quotas.detached(),
        }
    }
}

impl Detach for AclEntry {
    fn detached(&self) -> Self {
        AclEntry {
            identifier: self.identifier.detached(),
            rights: self.rights.detached(),
        }
    }
}

impl Detach for ListRightsResponse {
    fn detached(&self) -> Self {
        ListRightsResponse {
            mailbox: self.mailbox.detached(),
            identifier: self.identifier.detached(),
            required: self.required.detached(),
            optional: self.optional.detached(),
        }
    }
}

impl Detach for CopyResult {
    fn detached(&self) -> Self {
        CopyResult {
            code: self.code.detached(),
        }
    }
}

impl Detach for MetadataEntries {
    fn detached(&self) -> Self {
        match self {
            MetadataEntries::Values(values) => MetadataEntries::Values(values.detached()),
            MetadataEntries::Changed(names) => MetadataEntries::Changed(names.detached()),
        }
    }
}

impl Detach for MetadataResponse {
    fn detached(&self) -> Self {
        MetadataResponse {
            mailbox: self.mailbox.detached(),
            entries: self.entries.detached(),
        }
    }
}

/// `event`, owning its bytes if it is of the kinds a session queues: status lines, FLAGS,
/// FETCH updates, and what NOTIFY (RFC 5465) sends unasked: LIST, STATUS and METADATA.
/// A streamed chunk (`FetchChunk`) keeps its slice: it is body data, taken and dropped.
pub(crate) fn detach_event(event: TypedEvent) -> TypedEvent {
    match event {
        TypedEvent::Status(status) => TypedEvent::Status(status.detached()),
        TypedEvent::Bye(status) => TypedEvent::Bye(status.detached()),
        TypedEvent::Flags(flags) => TypedEvent::Flags(flags.detached()),
        TypedEvent::Fetch(fetch) => TypedEvent::Fetch(fetch.detached()),
        TypedEvent::MailboxStatus(status) => TypedEvent::MailboxStatus(status.detached()),
        TypedEvent::List(info) => TypedEvent::List(info.detached()),
        TypedEvent::Metadata(metadata) => TypedEvent::Metadata(metadata.detached()),
        event => event,
    }
}

/// How many bytes of `response`'s values are slices of the buffer they were parsed from
/// (what [`Detach`] would copy): near its size on the wire, for deciding whether a result
/// is worth compacting (`ops::compact`). A system-flags text is static but counted (a few
/// bytes).
pub(crate) fn retained_len(response: &FetchResponse) -> usize {
    let flags = response
        .flags
        .as_ref()
        .map_or(0, |flags| flags.text().len());
    let envelope = response
        .envelope
        .as_ref()
        .map_or(0, |env| env.wire.text.len());
    let body = response
        .body_structure
        .as_ref()
        .map_or(0, |body| body.wire.text.len());
    flags
        + envelope
        + body
        + response
            .attributes
            .iter()
            .map(attribute_retained_len)
            .sum::<usize>()
}

/// [`retained_len`] of one attribute.
fn attribute_retained_len(attribute: &MessageAttribute) -> usize {
    use MessageAttribute as A;
    let len = |bytes: &Option<Bytes>| bytes.as_ref().map_or(0, Bytes::len);
    let section = |section: &Section| match &section.kind {
        SectionKind::HeaderFields(names) | SectionKind::HeaderFieldsNot(names) => {
            names.iter().map(Bytes::len).sum()
        }
        _ => 0,
    };
    match attribute {
        A::Flags(flags) => flags.text().len(),
        A::InternalDate(bytes) | A::EmailId(bytes) => bytes.len(),
        A::Envelope(env) => env.wire.text.len(),
        // A nested message's envelope is a slice of the structure's text: not counted twice.
        A::Body(body) | A::BodyStructure(body) => body.wire.text.len(),
        A::BodySection(s) => section(&s.section) + len(&s.data),
        A::Binary(b) => len(&b.data),
        A::ThreadId(bytes) | A::SaveDate(bytes) | A::Preview(bytes) => len(bytes),
        A::Unparsed(u) => u.raw.len(),
        A::Other(o) => o.name.len() + o.value.len(),
        A::Uid(_) | A::Rfc822Size(_) | A::BinarySize { .. } | A::ModSeq(_) => 0,
    }
}
