//! The common shape of most ops: check a gate, send one command, collect the untagged data
//! that belongs to it, and build the result from the tagged OK. Each family file then only
//! says which command, which gate and which collector.

use crate::Error;
use crate::contract::session::{Session, SessionState};
use crate::encode::{EncodeContext, EncodeError, EncodedCommand};
use crate::types::detach::Detach;
use crate::types::{Tagged, Untagged};

use super::{Claims, Op, OpContext, Step, ok_or_error, require_state};

/// Which capability a command needs.
#[derive(Debug, Clone)]
pub enum CapabilityGate {
    /// None.
    None,
    /// This capability must be advertised.
    Required(&'static str),
    /// This capability, or an IMAP4rev2 session (extensions folded into RFC 9051).
    RequiredOrRev2(&'static str),
    /// Any one of these.
    AnyOf(&'static [&'static str]),
    /// A capability known only at run time (e.g. `THREAD=REFERENCES`).
    Named(String),
    /// All of these, unless the session is IMAP4rev2, which includes them.
    AllOrRev2(Vec<&'static str>),
}

/// The state and capability requirements of a command, checked before anything is sent.
#[derive(Debug, Clone)]
pub struct Gate {
    /// The command name, for error messages.
    pub command: &'static str,
    /// The states the command is valid in.
    pub states: &'static [SessionState],
    /// The capability it needs.
    pub capability: CapabilityGate,
}

impl Gate {
    /// Checks the gate against the session.
    pub fn check(&self, session: &Session) -> Result<(), Error> {
        require_state(session, self.states, self.command)?;
        match &self.capability {
            CapabilityGate::None => Ok(()),
            CapabilityGate::Required(cap) => super::require_capability(session, cap),
            CapabilityGate::RequiredOrRev2(cap) => super::require_capability_or_rev2(session, cap),
            CapabilityGate::Named(cap) => super::require_capability(session, cap),
            CapabilityGate::AllOrRev2(caps) => {
                if session.is_rev2() {
                    return Ok(());
                }
                caps.iter()
                    .try_for_each(|cap| super::require_capability(session, cap))
            }
            CapabilityGate::AnyOf(caps) => {
                if caps.iter().any(|c| session.has_capability(c)) {
                    Ok(())
                } else {
                    Err(Error::MissingCapability(caps[0].into()))
                }
            }
        }
    }
}

/// Gathers a command's untagged data and builds its result.
pub trait Collect: Send + 'static {
    /// The result type.
    type Output: Send + 'static;

    /// Offered each untagged response; return it if it is not this command's.
    fn offer(&mut self, data: Untagged, _session: &Session) -> Option<Untagged> {
        Some(data)
    }

    /// Builds the result from the tagged OK (NO/BAD never reach here).
    fn finish(self, tagged: Tagged, ctx: &mut OpContext<'_>) -> Result<Self::Output, Error>;

    /// Called when the command failed (tagged NO/BAD), to request effects such as leaving
    /// the Selected state.
    fn failed(&mut self, _ctx: &mut OpContext<'_>) {}
}

/// A collector that claims nothing and returns `()`.
pub struct Nothing;

impl Collect for Nothing {
    type Output = ();
    fn finish(self, _tagged: Tagged, _ctx: &mut OpContext<'_>) -> Result<(), Error> {
        Ok(())
    }
}

/// A collector from a closure over the tagged response (no untagged data claimed).
pub struct FromTagged<F>(F);

/// Builds a [`FromTagged`] collector.
pub fn from_tagged<T, F>(finish: F) -> FromTagged<F>
where
    F: FnOnce(Tagged, &mut OpContext<'_>) -> Result<T, Error>,
{
    FromTagged(finish)
}

impl<T, F> Collect for FromTagged<F>
where
    T: Send + 'static,
    F: FnOnce(Tagged, &mut OpContext<'_>) -> Result<T, Error> + Send + 'static,
{
    type Output = T;
    fn finish(self, tagged: Tagged, ctx: &mut OpContext<'_>) -> Result<T, Error> {
        (self.0)(tagged, ctx)
    }
}

/// A collector that claims the untagged responses `pick` accepts, in order.
pub struct Gather<T, P, F> {
    items: Vec<T>,
    pick: P,
    finish: F,
}

impl<T, P, F> Gather<T, P, F> {
    /// Claims what `pick` maps to `Ok(item)`; `finish` builds the result from the items.
    pub fn new<O>(pick: P, finish: F) -> Self
    where
        P: FnMut(Untagged) -> Result<T, Untagged>,
        F: FnOnce(Vec<T>, Tagged, &mut OpContext<'_>) -> Result<O, Error>,
    {
        Gather {
            items: Vec::new(),
            pick,
            finish,
        }
    }
}

impl<T, O, P, F> Collect for Gather<T, P, F>
where
    T: Send + 'static,
    O: Send + 'static,
    P: FnMut(Untagged) -> Result<T, Untagged> + Send + 'static,
    F: FnOnce(Vec<T>, Tagged, &mut OpContext<'_>) -> Result<O, Error> + Send + 'static,
{
    type Output = O;
    fn offer(&mut self, data: Untagged, _session: &Session) -> Option<Untagged> {
        match (self.pick)(data) {
            Ok(item) => {
                self.items.push(item);
                None
            }
            Err(data) => Some(data),
        }
    }
    fn finish(self, tagged: Tagged, ctx: &mut OpContext<'_>) -> Result<O, Error> {
        (self.finish)(self.items, tagged, ctx)
    }
}

/// A collector whose result owns its bytes: see [`Command::detach_output`].
pub struct Detached<C>(C);

impl<C> Collect for Detached<C>
where
    C: Collect,
    C::Output: Detach,
{
    type Output = C::Output;
    fn offer(&mut self, data: Untagged, session: &Session) -> Option<Untagged> {
        self.0.offer(data, session)
    }
    fn finish(self, tagged: Tagged, ctx: &mut OpContext<'_>) -> Result<C::Output, Error> {
        self.0.finish(tagged, ctx).map(|output| output.detached())
    }
    fn failed(&mut self, ctx: &mut OpContext<'_>) {
        self.0.failed(ctx)
    }
}

/// The boxed encoder of a command's line.
pub type Encoder =
    Box<dyn FnOnce(&str, &EncodeContext) -> Result<EncodedCommand, EncodeError> + Send>;

/// One command with a gate and a collector.
pub struct Command<C> {
    gate: Gate,
    pipelinable: bool,
    claims: Claims,
    encode: Option<Encoder>,
    collect: Option<C>,
}

impl<C: Collect> Command<C> {
    /// A command that runs alone.
    pub fn new(
        gate: Gate,
        encode: impl FnOnce(&str, &EncodeContext) -> Result<EncodedCommand, EncodeError>
        + Send
        + 'static,
        collect: C,
    ) -> Self {
        Command {
            gate,
            pipelinable: false,
            claims: Claims::NONE,
            encode: Some(Box::new(encode)),
            collect: Some(collect),
        }
    }

    /// Marks the command safe to pipeline with others (RFC 9051 §5.5). It takes no
    /// untagged data; see [`Command::pipelinable_claiming`] for one that does.
    pub fn pipelinable(mut self) -> Self {
        self.pipelinable = true;
        self
    }

    /// Marks the command safe to pipeline with other ops whose [`Claims`] do not conflict
    /// with `claims`.
    pub fn pipelinable_claiming(mut self, claims: Claims) -> Self {
        self.pipelinable = true;
        self.claims = claims;
        self
    }

    /// The command with a result that owns its bytes ([`Detach`]). Parsed values are slices
    /// of the read buffer, and a slice pins its whole buffer (1 MiB): a kept mailbox list
    /// would pin one. For results a caller keeps and that are small (a LIST of 1,000 mailboxes
    /// is about 50 KB), the copy always costs less than the buffer it frees, so no threshold
    /// (unlike FETCH, `ops::compact`).
    pub(crate) fn detach_output(self) -> Command<Detached<C>>
    where
        C::Output: Detach,
    {
        Command {
            gate: self.gate,
            pipelinable: self.pipelinable,
            claims: self.claims,
            encode: self.encode,
            collect: self.collect.map(Detached),
        }
    }
}

impl<C: Collect> Op for Command<C> {
    type Output = C::Output;

    fn check(&self, session: &Session) -> Result<(), Error> {
        self.gate.check(session)
    }

    fn pipelinable(&self) -> bool {
        self.pipelinable
    }

    fn claims(&self) -> Claims {
        self.claims
    }

    fn start(&mut self, ctx: &mut OpContext<'_>) -> Result<(), Error> {
        let encode = self
            .encode
            .take()
            .ok_or(Error::Internal("command started twice"))?;
        ctx.send(encode)
    }

    fn on_untagged(&mut self, data: Untagged, session: &Session) -> Option<Untagged> {
        match self.collect.as_mut() {
            Some(collect) => collect.offer(data, session),
            None => Some(data),
        }
    }

    fn on_tagged(&mut self, tagged: Tagged, ctx: &mut OpContext<'_>) -> Step<C::Output> {
        let Some(mut collect) = self.collect.take() else {
            return Step::Done(Err(Error::Internal("command completed twice")));
        };
        match ok_or_error(tagged) {
            Ok(tagged) => Step::Done(collect.finish(tagged, ctx)),
            Err(e) => {
                collect.failed(ctx);
                Step::Done(Err(e))
            }
        }
    }
}

/// Results a caller keeps own their bytes (`Command::detach_output`): none of their values
/// lies in a read buffer, which would stay alive as long as the result.
#[cfg(test)]
mod tests {
    use std::ops::Range;

    use bytes::Bytes;

    use crate::Connection;
    use crate::ops::mailbox::{list, list_extended, list_status, lsub, status};
    use crate::ops::message::{copy, move_messages};
    use crate::ops::metadata::get_metadata;
    use crate::ops::quota::get_quota_root;
    use crate::ops::read_buffers::{self, feed, in_buffers, select_inbox};
    use crate::ops::search::search_esearch;
    use crate::ops::session::namespace;
    use crate::ops::{acl, quota};
    use crate::types::{
        ListExtendedItem, Mailbox, MailboxAttribute, MailboxInfo, NamespaceDescriptor,
        ResponseCode, StatusItem,
    };

    /// An authenticated connection whose server advertises the extensions used here.
    fn authenticated() -> Connection {
        read_buffers::authenticated(
            "IMAP4rev1 LIST-EXTENDED LIST-STATUS METADATA NAMESPACE QUOTA QUOTASET ACL ESEARCH \
             UIDPLUS MOVE",
        )
    }

    /// [`authenticated`] with INBOX selected, the tag `A0001` used.
    fn selected() -> Connection {
        select_inbox(authenticated(), 10)
    }

    /// Asserts that `values` are what a result should hold and that none is a read-buffer
    /// slice.
    fn assert_owned(values: &[&Bytes], expected: &[&str], buffers: &[Range<usize>]) {
        let texts: Vec<&[u8]> = values.iter().map(|v| &v[..]).collect();
        let expected: Vec<&[u8]> = expected.iter().map(|e| e.as_bytes()).collect();
        assert_eq!(texts, expected);
        for value in values {
            assert!(
                !in_buffers(value, buffers),
                "{value:?} is a read-buffer slice"
            );
        }
    }

    /// Every byte slice a LIST entry holds.
    fn list_values(info: &MailboxInfo) -> Vec<&Bytes> {
        let mut out = vec![info.mailbox.wire()];
        for attribute in &info.attributes {
            if let MailboxAttribute::Extension(name) = attribute {
                out.push(name);
            }
        }
        for item in &info.extended {
            match item {
                ListExtendedItem::ChildInfo(options) => out.extend(options),
                ListExtendedItem::OldName(name) => out.push(name.wire()),
                ListExtendedItem::Other { tag, value } => out.extend([tag, value]),
            }
        }
        out
    }

    #[test]
    fn mailbox_lists_own_their_names() {
        let mut conn = authenticated();
        let entry = "(\\HasNoChildren \\XPinned) \"/\" \"Archive/2024\" \
                     (\"CHILDINFO\" (\"SUBSCRIBED\") \"OLDNAME\" (\"Old\") \"XTRA\" (1 2))";
        let expected = [
            "Archive/2024",
            "XPinned",
            "SUBSCRIBED",
            "Old",
            "XTRA",
            "(1 2)",
        ];
        let id = conn.submit(list("", "*")).unwrap();
        let buffers = feed(
            &mut conn,
            format!("* LIST {entry}\r\nA0001 OK done\r\n").as_bytes(),
        );
        let result = conn.take_output(&id).unwrap().unwrap();
        assert_eq!(result.len(), 1);
        assert_owned(&list_values(&result[0]), &expected, &buffers);

        let id = conn.submit(lsub("", "*")).unwrap();
        let buffers = feed(
            &mut conn,
            format!("* LSUB {entry}\r\nA0002 OK done\r\n").as_bytes(),
        );
        let result = conn.take_output(&id).unwrap().unwrap();
        assert_eq!(result.len(), 1);
        assert_owned(&list_values(&result[0]), &expected, &buffers);

        let id = conn
            .submit(list_extended("", &["*"], &["SUBSCRIBED"], &["CHILDREN"]))
            .unwrap();
        let buffers = feed(
            &mut conn,
            format!("* LIST {entry}\r\nA0003 OK done\r\n").as_bytes(),
        );
        let result = conn.take_output(&id).unwrap().unwrap();
        assert_eq!(result.len(), 1);
        assert_owned(&list_values(&result[0]), &expected, &buffers);
    }

    #[test]
    fn a_list_status_result_owns_its_names_and_items() {
        let mut conn = authenticated();
        let id = conn
            .submit(list_status("", "*", "MESSAGES MAILBOXID"))
            .unwrap();
        let wire = b"* LIST () \"/\" Sent\r\n\
                     * STATUS Sent (MESSAGES 4 MAILBOXID (F0123))\r\n\
                     A0001 OK done\r\n";
        let buffers = feed(&mut conn, wire);
        let result = conn.take_output(&id).unwrap().unwrap();
        let [(info, items)] = &result[..] else {
            panic!("{result:?}");
        };
        let [StatusItem::Messages(4), StatusItem::MailboxId(id)] = &items[..] else {
            panic!("{items:?}");
        };
        assert_owned(&[info.mailbox.wire(), id], &["Sent", "F0123"], &buffers);
    }

    #[test]
    fn a_status_result_owns_its_items() {
        let mut conn = authenticated();
        let id = conn.submit(status("Sent", "MESSAGES MAILBOXID")).unwrap();
        let wire = b"* STATUS Sent (MESSAGES 4 MAILBOXID (F0123) XCOUNT 9)\r\nA0001 OK done\r\n";
        let buffers = feed(&mut conn, wire);
        let result = conn.take_output(&id).unwrap().unwrap();
        let [
            StatusItem::Messages(4),
            StatusItem::MailboxId(id),
            StatusItem::Other { name, value },
        ] = &result.items[..]
        else {
            panic!("{result:?}");
        };
        assert_owned(&[id, name, value], &["F0123", "XCOUNT", "9"], &buffers);
    }

    #[test]
    fn metadata_values_are_owned() {
        let mut conn = authenticated();
        let entries = ["/private/comment", "/shared/note"];
        let id = conn
            .submit(get_metadata("INBOX", &entries, None, None))
            .unwrap();
        let wire = b"* METADATA INBOX (/private/comment \"Mine\" /shared/note {5}\r\nhello)\r\n\
                     A0001 OK done\r\n";
        let buffers = feed(&mut conn, wire);
        let result = conn.take_output(&id).unwrap().unwrap();
        let values: Vec<&Bytes> = result.entries.iter().flat_map(|(_, v)| v).collect();
        assert_owned(&values, &["Mine", "hello"], &buffers);
    }

    #[test]
    fn namespaces_own_their_prefixes_and_extensions() {
        let mut conn = authenticated();
        let id = conn.submit(namespace()).unwrap();
        let wire = b"* NAMESPACE ((\"\" \"/\")) ((\"Users/\" \"/\" \"X-PARAM\" (\"A\" \"B\"))) \
                     ((\"Shared/\" \"/\"))\r\nA0001 OK done\r\n";
        let buffers = feed(&mut conn, wire);
        let result = conn.take_output(&id).unwrap().unwrap();
        let values = |descriptors: &[NamespaceDescriptor]| -> Vec<Bytes> {
            let mut out = Vec::new();
            for d in descriptors {
                out.push(d.prefix.wire().clone());
                for (name, flags) in &d.extensions {
                    out.push(name.clone());
                    out.extend(flags.iter().cloned());
                }
            }
            out
        };
        let all: Vec<Bytes> = [&result.personal, &result.other_users, &result.shared]
            .into_iter()
            .flat_map(|d| values(d))
            .collect();
        let refs: Vec<&Bytes> = all.iter().collect();
        assert_owned(
            &refs,
            &["", "Users/", "X-PARAM", "A", "B", "Shared/"],
            &buffers,
        );
    }

    #[test]
    fn quota_and_acl_results_own_their_names() {
        let mut conn = authenticated();
        let roots = conn.submit(get_quota_root("INBOX")).unwrap();
        let wire = b"* QUOTAROOT INBOX \"User quota\"\r\n\
                     * QUOTA \"User quota\" (STORAGE 10 512)\r\nA0001 OK done\r\n";
        let mut buffers = feed(&mut conn, wire);
        let roots = conn.take_output(&roots).unwrap().unwrap();
        let quota = conn.submit(quota::get_quota("User quota")).unwrap();
        buffers.extend(feed(
            &mut conn,
            b"* QUOTA \"User quota\" (MESSAGE 3 100)\r\nA0002 OK done\r\n",
        ));
        let quota = conn.take_output(&quota).unwrap().unwrap();
        let set = conn
            .submit(quota::set_quota("User quota", &[("STORAGE", 512)]))
            .unwrap();
        buffers.extend(feed(
            &mut conn,
            b"* QUOTA \"User quota\" (STORAGE 10 512)\r\nA0003 OK done\r\n",
        ));
        let set = conn.take_output(&set).unwrap().unwrap();
        let acl = conn.submit(acl::get_acl("INBOX")).unwrap();
        buffers.extend(feed(&mut conn, b"* ACL INBOX bob lrs\r\nA0004 OK done\r\n"));
        let acl = conn.take_output(&acl).unwrap().unwrap();
        let rights = conn.submit(acl::list_rights("INBOX", "bob")).unwrap();
        buffers.extend(feed(
            &mut conn,
            b"* LISTRIGHTS INBOX bob la r swi\r\nA0005 OK done\r\n",
        ));
        let rights = conn.take_output(&rights).unwrap().unwrap();
        let [(_, resources)] = &roots.quotas[..] else {
            panic!("{roots:?}");
        };
        assert_owned(
            &[
                &resources[0].name,
                &quota[0].name,
                &set[0].name,
                &acl[0].identifier,
                &acl[0].rights,
                rights.mailbox.wire(),
                &rights.identifier,
                &rights.required,
                &rights.optional[0],
                &rights.optional[1],
            ],
            &[
                "STORAGE", "MESSAGE", "STORAGE", "bob", "lrs", "INBOX", "bob", "la", "r", "swi",
            ],
            &buffers,
        );
    }

    #[test]
    fn esearch_copy_and_move_results_own_their_bytes() {
        let mut conn = selected();
        let id = conn.submit(search_esearch(true, "ALL", &["MIN"])).unwrap();
        let wire = b"* ESEARCH (TAG \"A0002\") UID MIN 3 XEXT 7\r\nA0002 OK done\r\n";
        let mut buffers = feed(&mut conn, wire);
        let found = conn.take_output(&id).unwrap().unwrap();
        let set = "1:2".parse().unwrap();
        let id = conn.submit(copy(true, &set, "Archive")).unwrap();
        buffers.extend(feed(&mut conn, b"A0003 OK [XCOPIED 2] done\r\n"));
        let copied = conn.take_output(&id).unwrap().unwrap();
        let id = conn.submit(move_messages(true, &set, "Archive")).unwrap();
        buffers.extend(feed(&mut conn, b"A0004 OK [XMOVED 2] done\r\n"));
        let moved = conn.take_output(&id).unwrap().unwrap();
        let code = |code: &Option<ResponseCode>| match code {
            Some(ResponseCode::Other {
                name,
                value: Some(value),
            }) => [name.clone(), value.clone()],
            other => panic!("{other:?}"),
        };
        let [copy_name, copy_value] = code(&copied.code);
        let [move_name, move_value] = code(&moved.code);
        let (ext, ext_value) = &found.other[0];
        assert_owned(
            &[
                found.tag.as_ref().unwrap(),
                ext,
                ext_value,
                &copy_name,
                &copy_value,
                &move_name,
                &move_value,
            ],
            &["A0002", "XEXT", "7", "XCOPIED", "2", "XMOVED", "2"],
            &buffers,
        );
    }

    /// The name a kept result holds is compared by its wire form, as before.
    #[test]
    fn detached_mailboxes_keep_their_encoding() {
        use crate::types::NameEncoding;
        use crate::types::detach::Detach;
        let name = Mailbox::from_wire_in(Bytes::from_static(b"Caf\xc3\xa9"), NameEncoding::Utf8);
        let copy = name.detached();
        assert_eq!(copy, name);
        assert_eq!(copy.encoding(), NameEncoding::Utf8);
        assert_eq!(copy.name(), "Café");
    }
}
