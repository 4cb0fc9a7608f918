//! The method table: every public method of `ImapConnection`, written once.
//!
//! [`for_each_imap_method!`](crate::for_each_imap_method) hands the whole table to an
//! expander macro. The adapters call [`expand_async_methods!`](crate::expand_async_methods)
//! or [`expand_blocking_methods!`](crate::expand_blocking_methods), which turn each entry
//! into a method with the reference's name, signature and documentation. No adapter writes
//! a method body of its own: `op` entries become `self.run(op, timeout)`; the few entries
//! that need an adapter's own handle types (`idle`, `fetch_streaming`, `connect`, ...) are
//! `call` / `getter` / `ctor` entries that forward to a private `*_impl` method the adapter
//! provides.
//!
//! Sections:
//! - `op`: `fn name(&self, args) -> Out { op } [map f]`. The adapter appends
//!   `timeout: Duration`, runs the op, applies `f` to its output, returns `Result<Out, Error>`.
//! - `call`: `fn name(&self, args) -> Out => impl_name;`: `Result<Out, Error>`, body
//!   `self.impl_name(args)`; async in async adapters.
//! - `infallible`: like `call` but returns `Out` itself.
//! - `getter`: a plain (never async) method returning `Out`.
//! - `ctor`: an associated constructor returning `Result<Self, Error>`.

/// Invokes `$expand! { ... }` with the whole method table (see the module docs).
#[macro_export]
macro_rules! for_each_imap_method {
    ($expand:ident) => {
        $expand! {
        ops {
            /// APPEND a message to a mailbox (RFC 3501 Section 6.3.11).
            ///
            /// Handles literal synchronization: sends the header with `{count}`, waits for the
            /// `+` continuation, then sends the literal data. Uses LITERAL+ (RFC 7888 Section 4)
            /// `{count+}` when the server advertises it. APPENDLIMIT (RFC 7889) is checked before
            /// anything is sent.
            ///
            /// Returns `Some((uid_validity, uid))` when the server supports UIDPLUS (RFC 4315) and
            /// includes an `[APPENDUID]` response code, otherwise `None`.
            fn append(&self, mailbox: &str, flags: &[$crate::types::Flag], date: Option<&str>, message: &[u8]) -> Option<(u32, u32)> {
                $crate::ops::append::append(mailbox, vec![{
                    let mut m = $crate::types::AppendMessage::new(message.to_vec()).with_flags(flags.to_vec());
                    if let Some(date) = date { m = m.with_date(date); }
                    m
                }])
            } map |uids: Vec<(u32, u32)>| uids.into_iter().next();

            /// MULTIAPPEND — append multiple messages in a single APPEND command (RFC 3502).
            ///
            /// Sends all messages as consecutive literals in one APPEND command; each carries its
            /// own flags and optional internal date (RFC 3502 Section 3). Checks APPENDLIMIT
            /// (RFC 7889) per message and uses LITERAL+ (RFC 7888 Section 4) when advertised.
            ///
            /// Returns the `(uid_validity, uid)` pairs from `[APPENDUID]` (RFC 4315); empty if the
            /// server does not support UIDPLUS.
            fn multi_append(&self, mailbox: &str, messages: &[$crate::types::AppendMessage]) -> Vec<(u32, u32)> {
                $crate::ops::append::append(mailbox, messages.to_vec())
            };

            /// Authenticate with the LOGIN command (RFC 3501 Section 6.2.3).
            ///
            /// LOGIN is deprecated in IMAP4rev2 (RFC 9051 Section 2.2). Prefer
            /// `authenticate_plain` when the server advertises AUTH=PLAIN. Capabilities are
            /// refreshed afterwards if the server did not send them with the OK.
            fn login(&self, user: &str, pass: &str) -> () {
                $crate::ops::auth::login(user, pass)
            };

            /// Authenticate with the SASL PLAIN mechanism (RFC 4616), using SASL-IR
            /// (RFC 4959) when available.
            fn authenticate_plain(&self, user: &str, pass: &str) -> () {
                $crate::ops::auth::authenticate_with(
                    $crate::sasl::Plain::new(user, pass).map(|m| Box::new(m) as Box<dyn $crate::sasl::Mechanism>))
            };

            /// Authenticate with the XOAUTH2 SASL mechanism (Google-defined, not an IETF RFC),
            /// using SASL-IR (RFC 4959 Section 3) when advertised. On a failed token the server's
            /// JSON error challenge is answered with an empty response and its detail is added
            /// to the `Error::No` text.
            fn authenticate_xoauth2(&self, user: &str, token: &str) -> () {
                $crate::ops::auth::authenticate_with(
                    $crate::sasl::XOAuth2::new(user, token).map(|m| Box::new(m) as Box<dyn $crate::sasl::Mechanism>))
            };

            /// Authenticate with OAUTHBEARER (RFC 7628), using SASL-IR when advertised.
            fn authenticate_oauthbearer(&self, user: &str, token: &str) -> () {
                $crate::ops::auth::authenticate_with(
                    $crate::sasl::OAuthBearer::new(user, token).map(|m| Box::new(m) as Box<dyn $crate::sasl::Mechanism>))
            };

            /// Authenticate with SCRAM-SHA-256 (RFC 5802, RFC 7677). The server's signature is
            /// verified; a server that cannot prove it knows the password is an error even if
            /// it says OK.
            fn authenticate_scram_sha256(&self, user: &str, pass: &str) -> () {
                $crate::ops::auth::authenticate_with(
                    $crate::sasl::ScramSha256::new(user, pass).map(|m| Box::new(m) as Box<dyn $crate::sasl::Mechanism>))
            };

            /// AUTHENTICATE with a SASL mechanism of the caller's (RFC 9051 Section 6.2.2): one
            /// this crate lacks (EXTERNAL, GSSAPI through a library, a server's own), written
            /// against [`sasl::Mechanism`](imap_proto_core::sasl::Mechanism). Requires
            /// `AUTH=<name>`; uses SASL-IR (RFC 4959) when advertised. Capabilities are
            /// refreshed afterwards if the server did not send them with the OK.
            fn authenticate_with(&self, mechanism: impl $crate::sasl::Mechanism + 'static) -> () {
                $crate::ops::auth::authenticate(Box::new(mechanism))
            };

            /// UNAUTHENTICATE — reset to the Not Authenticated state (RFC 8437 Section 2).
            ///
            /// The TLS layer stays; the client can then log in as another user. Clears all
            /// per-user state: selected mailbox, NOTIFY registration and ENABLEd extensions, and
            /// issues an explicit CAPABILITY command to refresh the cached capabilities, which
            /// differ between the states (RFC 8437 Section 2).
            ///
            /// # Stale events
            /// Events buffered before this call may describe the previous session (EXISTS,
            /// EXPUNGE for a previously selected mailbox). Drain them before re-authenticating.
            fn unauthenticate(&self) -> () {
                $crate::ops::session::unauthenticate()
            };

            /// COMPRESS DEFLATE — negotiate and activate compression (RFC 4978 Section 4).
            ///
            /// On success all later I/O is raw DEFLATE (RFC 1951), as RFC 4978 Section 3
            /// requires. Bytes the server sent after the OK are kept and inflated, so the first
            /// compressed response is not lost. Requires COMPRESS=DEFLATE. The switch is atomic:
            /// it happens in the core at the byte where the OK ended, or the connection fails.
            fn compress(&self) -> () {
                $crate::ops::upgrade::compress()
            };

            /// NOTIFY SET — register interest in mailbox and message events (RFC 5465 Section 3).
            ///
            /// Replaces any previous NOTIFY configuration; has an implicit NOOP effect.
            /// Notifications arrive as typed events on the event queue.
            ///
            /// # Errors
            /// `Error::MissingCapability` without NOTIFY; `Error::WrongState` in an invalid state;
            /// `Error::No` if the server rejects the request (e.g. `[BADEVENT]`, RFC 5465
            /// Section 5).
            fn notify_set(&self, params: $crate::types::NotifySetParams) -> () {
                $crate::ops::notify::notify_set(params)
            };

            /// NOTIFY NONE — cancel all event subscriptions (RFC 5465 Section 3).
            fn notify_none(&self) -> () {
                $crate::ops::notify::notify_none()
            };

            /// ENABLE UTF8=ACCEPT — negotiate UTF-8 support (RFC 6855 Section 3).
            ///
            /// Returns true if the server confirmed it in its ENABLED response. Must be issued
            /// in the Authenticated state before SELECT/EXAMINE (RFC 5161 Section 2).
            fn enable_utf8(&self) -> bool {
                $crate::ops::session::enable_utf8()
            };

            /// ENABLE — activate one or more extensions (RFC 5161 Section 3 / RFC 9051
            /// Section 6.3.1).
            ///
            /// Returns the extensions the server activated in this call (a subset of those
            /// asked for). Valid only in the Authenticated state: ENABLE in Selected returns
            /// `Error::WrongState` (RFC 5161 Section 2). Issue it before any command that depends
            /// on the extension (e.g. ENABLE QRESYNC before SELECT with QRESYNC). The cached
            /// enabled list is updated after the tagged OK.
            fn enable(&self, capabilities: &[&str]) -> Vec<String> {
                $crate::ops::session::enable(capabilities)
            };

            /// NAMESPACE — the server's namespace configuration (RFC 2342 Section 4 / RFC 9051
            /// Section 6.3.11). Requires NAMESPACE or IMAP4rev2.
            fn namespace(&self) -> $crate::types::NamespaceResponse {
                $crate::ops::session::namespace()
            };

            /// ID — exchange client and server identification (RFC 2971 Section 3.1).
            ///
            /// A `None` value encodes as NIL. Valid in any state.
            fn id(&self, params: &[(&str, Option<&str>)]) -> Vec<(String, Option<String>)> {
                $crate::ops::session::id(params)
            };

            /// GETMETADATA — mailbox or server metadata (RFC 5464 Section 4.2).
            ///
            /// Use `""` as the mailbox for server metadata. `max_size` limits returned value
            /// sizes; `depth` is `"0"` (default), `"1"` or `"infinity"` (RFC 5464 Section 4.2.2).
            /// Requires METADATA or METADATA-SERVER.
            fn get_metadata(&self, mailbox: &str, entries: &[&str], max_size: Option<u64>, depth: Option<&str>) -> $crate::types::MetadataResult {
                $crate::ops::metadata::get_metadata(mailbox, entries, max_size, depth)
            };

            /// SETMETADATA — set or delete metadata entries (RFC 5464 Section 4.3). A `None`
            /// value deletes the entry. Requires METADATA or METADATA-SERVER.
            fn set_metadata(&self, mailbox: &str, entries: &[(&str, Option<&[u8]>)]) -> () {
                $crate::ops::metadata::set_metadata(mailbox, entries)
            };

            /// GETQUOTA — resource limits and usage for a quota root (RFC 2087 Section 4.2 /
            /// RFC 9208 Section 4.2). Requires QUOTA.
            fn get_quota(&self, root: &str) -> Vec<$crate::types::QuotaResource> {
                $crate::ops::quota::get_quota(root)
            };

            /// GETQUOTAROOT — the quota roots of a mailbox and their resources (RFC 2087
            /// Section 4.3 / RFC 9208 Section 4.3). Requires QUOTA.
            fn get_quota_root(&self, mailbox: &str) -> $crate::types::QuotaRootResponse {
                $crate::ops::quota::get_quota_root(mailbox)
            };

            /// SETQUOTA — set resource limits on a quota root (RFC 2087 Section 4.1 / RFC 9208
            /// Section 4.1), e.g. `("STORAGE", 51200)`. Requires QUOTASET (RFC 9208 Section 3.2).
            fn set_quota(&self, root: &str, resources: &[(&str, u64)]) -> Vec<$crate::types::QuotaResource> {
                $crate::ops::quota::set_quota(root, resources)
            };

            /// SETACL — set the rights of an identifier on a mailbox (RFC 4314 Section 3.1).
            /// `rights` is `"+lrs"` to add, `"-d"` to remove, or a bare string to replace.
            /// Requires ACL.
            fn set_acl(&self, mailbox: &str, identifier: &str, rights: &str) -> () {
                $crate::ops::acl::set_acl(mailbox, identifier, rights)
            };

            /// DELETEACL — remove all rights of an identifier on a mailbox (RFC 4314
            /// Section 3.2). Requires ACL.
            fn delete_acl(&self, mailbox: &str, identifier: &str) -> () {
                $crate::ops::acl::delete_acl(mailbox, identifier)
            };

            /// GETACL — the access control list of a mailbox (RFC 4314 Section 3.3).
            /// Requires ACL.
            fn get_acl(&self, mailbox: &str) -> Vec<$crate::types::AclEntry> {
                $crate::ops::acl::get_acl(mailbox)
            };

            /// LISTRIGHTS — the rights grantable to an identifier (RFC 4314 Section 3.4): the
            /// always-granted rights and the independently grantable groups. Requires ACL.
            fn list_rights(&self, mailbox: &str, identifier: &str) -> $crate::types::ListRightsResponse {
                $crate::ops::acl::list_rights(mailbox, identifier)
            };

            /// MYRIGHTS — the logged-in user's rights on a mailbox (RFC 4314 Section 3.5).
            /// Requires ACL.
            fn my_rights(&self, mailbox: &str) -> String {
                $crate::ops::acl::my_rights(mailbox)
            };

            /// NOOP — no operation (RFC 3501 Section 6.1.2 / RFC 9051 Section 6.1.2).
            ///
            /// The recommended way to poll for new messages: unsolicited data that arrives
            /// becomes events. Valid in any state; fails only once the connection is closed.
            fn noop(&self) -> () {
                $crate::ops::session::noop()
            };

            /// CHECK — request a checkpoint of the selected mailbox (RFC 3501 Section 6.4.1).
            ///
            /// IMAP4rev1 only: RFC 9051 removed CHECK, so on an IMAP4rev2 connection this
            /// returns `Error::Precondition(Precondition::RemovedInRev2)`; use `noop` instead.
            fn check(&self) -> () {
                $crate::ops::session::check()
            };

            /// CAPABILITY — force a capability round trip (RFC 3501 Section 6.1.1 / RFC 9051
            /// Section 6.1.1). Unlike `capabilities`, this always asks the server and updates
            /// the cache. Valid in any state.
            fn capability(&self) -> Vec<$crate::types::Capability> {
                $crate::ops::session::capability()
            };

            /// LIST mailboxes (RFC 3501 Section 6.3.8). For LIST-EXTENDED options use
            /// `list_extended`.
            fn list(&self, reference: &str, pattern: &str) -> Vec<$crate::types::MailboxInfo> {
                $crate::ops::mailbox::list(reference, pattern)
            };

            /// LIST with RFC 5258 selection options, several patterns and return options
            /// (RFC 5258 Section 3 / RFC 9051 Section 6.3.9), e.g. `selection_options =
            /// &["SUBSCRIBED"]`, `return_options = &["CHILDREN"]` or `&["STATUS (MESSAGES UNSEEN)"]`.
            ///
            /// On IMAP4rev1 the capability gates are: LIST-EXTENDED for selection options,
            /// several patterns and any return option; LIST-STATUS for `STATUS (...)`;
            /// SPECIAL-USE for `SPECIAL-USE`.
            fn list_extended(&self, reference: &str, patterns: &[&str], selection_options: &[&str], return_options: &[&str]) -> Vec<$crate::types::MailboxInfo> {
                $crate::ops::mailbox::list_extended(reference, patterns, selection_options, return_options)
            };

            /// LIST with the STATUS return option (RFC 5819 Section 2).
            ///
            /// Returns each mailbox paired with its STATUS data; `status_items` is e.g.
            /// `"MESSAGES UNSEEN"`. The server interleaves LIST and STATUS responses; they are
            /// correlated by mailbox name.
            fn list_status(&self, reference: &str, pattern: &str, status_items: &str) -> Vec<($crate::types::MailboxInfo, Vec<$crate::types::StatusItem>)> {
                $crate::ops::mailbox::list_status(reference, pattern, status_items)
            };

            /// SELECT a mailbox (RFC 3501 Section 6.3.1). For CONDSTORE or QRESYNC use
            /// `select_with`.
            fn select(&self, mailbox: &str) -> $crate::types::SelectedMailbox {
                $crate::ops::mailbox::select(mailbox, &Default::default(), false)
            };

            /// SELECT with extension options (RFC 3501 Section 6.3.1, RFC 7162 Sections 3.1.8
            /// and 3.2.5.2): `SelectOptions::default()`, `SelectOptions::condstore()` or
            /// `SelectOptions::qresync(params)` (which needs ENABLE QRESYNC first).
            fn select_with(&self, mailbox: &str, options: &$crate::types::SelectOptions) -> $crate::types::SelectedMailbox {
                $crate::ops::mailbox::select(mailbox, options, false)
            };

            /// EXAMINE a mailbox (read-only SELECT, RFC 3501 Section 6.3.2). For CONDSTORE or
            /// QRESYNC use `examine_with`.
            fn examine(&self, mailbox: &str) -> $crate::types::SelectedMailbox {
                $crate::ops::mailbox::select(mailbox, &Default::default(), true)
            };

            /// EXAMINE with extension options (RFC 3501 Section 6.3.2, RFC 7162 Sections 3.1.8
            /// and 3.2.5.2): `EXAMINE <mailbox> (CONDSTORE)` or `(QRESYNC ...)`.
            fn examine_with(&self, mailbox: &str, options: &$crate::types::SelectOptions) -> $crate::types::SelectedMailbox {
                $crate::ops::mailbox::select(mailbox, options, true)
            };

            /// Bring a local copy of a mailbox up to date: select it and report what changed
            /// since `state` (new UIDs, expunged UIDs, flags with their mod-sequences, a new
            /// UIDVALIDITY), using the best the server offers and saying which
            /// (`SyncDelta::strategy`): QRESYNC (RFC 7162 Section 3.2.5, one SELECT answered with
            /// `VANISHED (EARLIER)`), CONDSTORE (Section 3.1: `CHANGEDSINCE`, then a UID SEARCH
            /// for expunges), or a UID and FLAGS listing compared with the state.
            /// `options.max_strategy` caps it.
            ///
            /// Start from `MailboxState::new()` and keep `delta.state` for the next call. To
            /// fetch what is new, pass `delta.new_messages()` to `uid_fetch_streaming` (bounded
            /// memory, bodies included) or `uid_fetch`. QRESYNC is ENABLEd on the way when the
            /// session is still Authenticated; afterwards expunges arrive as VANISHED.
            fn sync_mailbox(&self, mailbox: &str, state: &$crate::types::MailboxState, options: &$crate::types::SyncOptions) -> $crate::types::SyncDelta {
                $crate::ops::sync::sync(mailbox, state, options)
            };

            /// CREATE a mailbox (RFC 3501 Section 6.3.3).
            fn create(&self, mailbox: &str) -> () {
                $crate::ops::mailbox::create(mailbox, &[])
            } map |_id: Option<String>| ();

            /// CREATE a mailbox and return the server-assigned MAILBOXID when present
            /// (RFC 8474 Section 4.1); `Ok(None)` from servers without OBJECTID.
            fn create_with_mailbox_id(&self, mailbox: &str) -> Option<String> {
                $crate::ops::mailbox::create(mailbox, &[])
            };

            /// CREATE a mailbox with special-use attributes (RFC 6154 Section 3:
            /// `create-param =/ "USE" SP "(" [use-attr *(SP use-attr)] ")"`). Requires
            /// CREATE-SPECIAL-USE: "Clients MUST NOT use the USE parameter unless the server
            /// advertises the CREATE-SPECIAL-USE capability."
            fn create_special_use(&self, mailbox: &str, special_use: &[$crate::types::MailboxAttribute]) -> () {
                $crate::ops::mailbox::create(mailbox, special_use)
            } map |_id: Option<String>| ();

            /// CREATE with special-use attributes, returning the MAILBOXID when present
            /// (RFC 6154 Section 3, RFC 8474 Section 4.1).
            fn create_special_use_with_mailbox_id(&self, mailbox: &str, special_use: &[$crate::types::MailboxAttribute]) -> Option<String> {
                $crate::ops::mailbox::create(mailbox, special_use)
            };

            /// DELETE a mailbox (RFC 3501 Section 6.3.4).
            fn delete(&self, mailbox: &str) -> () {
                $crate::ops::mailbox::delete(mailbox)
            };

            /// RENAME a mailbox (RFC 3501 Section 6.3.5).
            fn rename(&self, mailbox: &str, new_name: &str) -> () {
                $crate::ops::mailbox::rename(mailbox, new_name)
            };

            /// SUBSCRIBE to a mailbox (RFC 3501 Section 6.3.6): adds it to the "subscribed"
            /// set that LSUB returns.
            fn subscribe(&self, mailbox: &str) -> () {
                $crate::ops::mailbox::subscribe(mailbox)
            };

            /// UNSUBSCRIBE from a mailbox (RFC 3501 Section 6.3.7).
            fn unsubscribe(&self, mailbox: &str) -> () {
                $crate::ops::mailbox::unsubscribe(mailbox)
            };

            /// LSUB — list subscribed mailboxes (RFC 3501 Section 6.3.9). Obsoleted by
            /// LIST-EXTENDED (RFC 5258) but still needed for servers without it.
            fn lsub(&self, reference: &str, pattern: &str) -> Vec<$crate::types::MailboxInfo> {
                $crate::ops::mailbox::lsub(reference, pattern)
            };

            /// CLOSE the selected mailbox (RFC 3501 Section 6.4.2): permanently removes
            /// `\Deleted` messages and returns to Authenticated. Use `unselect` to deselect
            /// without expunging.
            fn close(&self) -> () {
                $crate::ops::mailbox::close()
            };

            /// UNSELECT — deselect without expunging (RFC 3691 Section 3). Requires UNSELECT or
            /// IMAP4rev2. The cached state becomes Authenticated after the tagged OK.
            fn unselect(&self) -> () {
                $crate::ops::mailbox::unselect()
            };

            /// STATUS of a mailbox without selecting it (RFC 3501 Section 6.3.10).
            ///
            /// `items` may be `"MESSAGES UNSEEN UIDNEXT"` or `"(MESSAGES UNSEEN UIDNEXT)"`. While
            /// NOTIFY is active, same-mailbox STATUS responses received during the command are
            /// ambiguous (RFC 5465 Section 4); `StatusResult` keeps them all.
            fn status(&self, mailbox: &str, items: &str) -> $crate::types::StatusResult {
                $crate::ops::mailbox::status(mailbox, items)
            };

            /// FETCH by sequence number (RFC 3501 Section 6.4.5). Prefer `uid_fetch`.
            fn fetch(&self, sequence_set: &$crate::types::SequenceSet, items: &[$crate::types::FetchAttr]) -> Vec<$crate::types::FetchResponse> {
                $crate::ops::fetch::fetch(false, sequence_set, items, None, false, $crate::ops::fetch::Delivery::Buffered)
            } map |(found, _vanished): (Vec<$crate::types::FetchResponse>, Vec<$crate::types::UidRange>)| found;

            /// FETCH with CHANGEDSINCE by sequence number (RFC 7162 Section 3.1.4): only
            /// messages whose mod-sequence is greater than `mod_seq`. Requires CONDSTORE.
            fn fetch_changed_since(&self, sequence_set: &$crate::types::SequenceSet, items: &[$crate::types::FetchAttr], mod_seq: u64) -> Vec<$crate::types::FetchResponse> {
                $crate::ops::fetch::fetch(false, sequence_set, items, Some(mod_seq), false, $crate::ops::fetch::Delivery::Buffered)
            } map |(found, _vanished): (Vec<$crate::types::FetchResponse>, Vec<$crate::types::UidRange>)| found;

            /// SEARCH by sequence number (RFC 3501 Section 6.4.4).
            ///
            /// Returns matching sequence numbers and the MODSEQ when present (RFC 7162
            /// Section 3.1.5). Handles SEARCH and ESEARCH answers; an ESEARCH ALL set is
            /// expanded. Accepts `&str`, `String` or `SearchCriteria`.
            fn search(&self, criteria: impl AsRef<str>) -> $crate::types::SearchResult {
                $crate::ops::search::search(false, criteria.as_ref())
            };

            /// SEARCH with RETURN options (RFC 4731 Section 3.2): the full ESEARCH response
            /// (MIN, MAX, COUNT, ALL). Requires ESEARCH.
            fn search_esearch(&self, criteria: impl AsRef<str>, return_opts: &[&str]) -> $crate::types::EsearchResponse {
                $crate::ops::search::search_esearch(false, criteria.as_ref(), return_opts)
            };

            /// SEARCH RETURN (SAVE) by sequence number (RFC 5182 Section 2): the result is kept
            /// on the server as `$` for later commands.
            fn search_save(&self, criteria: impl AsRef<str>) -> () {
                $crate::ops::search::search_save(false, criteria.as_ref())
            };

            /// UID SEARCH RETURN (SAVE) (RFC 5182 Section 2): the result is kept on the server
            /// as `$`.
            fn uid_search_save(&self, criteria: impl AsRef<str>) -> () {
                $crate::ops::search::search_save(true, criteria.as_ref())
            };

            /// STORE by sequence number (RFC 3501 Section 6.4.6). Prefer `uid_store`.
            /// `\Recent` and `\*` are filtered out (RFC 3501 Section 2.3.2).
            fn store(&self, sequence_set: &$crate::types::SequenceSet, operation: $crate::types::StoreOperation, flags: &[$crate::types::Flag], unchanged_since: Option<u64>) -> $crate::types::StoreResult {
                $crate::ops::message::store(false, sequence_set, operation, flags, unchanged_since)
            };

            /// COPY by sequence number (RFC 3501 Section 6.4.7, RFC 4315 Section 3). Prefer
            /// `uid_copy`. Returns the response code, which SHOULD be `[COPYUID ...]`.
            fn copy(&self, sequence_set: &$crate::types::SequenceSet, mailbox: &str) -> $crate::types::CopyResult {
                $crate::ops::message::copy(false, sequence_set, mailbox)
            };

            /// MOVE by sequence number (RFC 6851 Sections 3 and 4.3). Prefer
            /// `uid_move_messages`. Returns the response code (typically `[COPYUID ...]`) and the
            /// EXPUNGE or VANISHED responses (VANISHED with QRESYNC, RFC 7162 Section 3.2.10).
            /// Without MOVE it falls back as `uid_move_messages` does, first fetching the UIDs.
            fn move_messages(&self, sequence_set: &$crate::types::SequenceSet, mailbox: &str) -> $crate::types::MoveResult {
                $crate::ops::message::move_messages(false, sequence_set, mailbox)
            };

            /// SORT — server-side sorting by sequence number (RFC 5256 Section 2).
            ///
            /// `sort_criteria` is a space-separated key list (e.g. `"REVERSE DATE SUBJECT"`),
            /// wrapped in parentheses by the encoder. Returns the sorted numbers and the MODSEQ
            /// when present. Requires SORT.
            fn sort(&self, sort_criteria: &str, charset: &str, criteria: impl AsRef<str>) -> $crate::types::SearchResult {
                $crate::ops::search::sort(false, sort_criteria, charset, criteria.as_ref())
            };

            /// UID SORT — like `sort`, returning UIDs (RFC 5256 Section 2). Requires SORT.
            fn uid_sort(&self, sort_criteria: &str, charset: &str, criteria: impl AsRef<str>) -> $crate::types::SearchResult {
                $crate::ops::search::sort(true, sort_criteria, charset, criteria.as_ref())
            };

            /// THREAD — server-side threading by sequence number (RFC 5256 Section 3).
            /// `algorithm` is e.g. `"REFERENCES"`; requires `THREAD=<algorithm>`.
            fn thread(&self, algorithm: &str, charset: &str, criteria: impl AsRef<str>) -> Vec<$crate::types::ThreadNode> {
                $crate::ops::search::thread(false, algorithm, charset, criteria.as_ref())
            };

            /// UID THREAD — like `thread`, with UIDs (RFC 5256 Section 3).
            fn uid_thread(&self, algorithm: &str, charset: &str, criteria: impl AsRef<str>) -> Vec<$crate::types::ThreadNode> {
                $crate::ops::search::thread(true, algorithm, charset, criteria.as_ref())
            };

            /// UID FETCH (RFC 3501 Section 6.4.5): all responses collected into a Vec. Logs a
            /// warning (through the `log` facade) when the buffered message data exceeds
            /// 10 MB (`ops::fetch::BUFFER_WARNING`): use `uid_fetch_streaming` for large
            /// results.
            fn uid_fetch(&self, sequence_set: &$crate::types::SequenceSet, items: &[$crate::types::FetchAttr]) -> Vec<$crate::types::FetchResponse> {
                $crate::ops::fetch::fetch(true, sequence_set, items, None, false, $crate::ops::fetch::Delivery::Buffered)
            } map |(found, _vanished): (Vec<$crate::types::FetchResponse>, Vec<$crate::types::UidRange>)| found;

            /// UID FETCH with CHANGEDSINCE (RFC 7162 Section 3.1.4). Requires CONDSTORE.
            fn uid_fetch_changed_since(&self, sequence_set: &$crate::types::SequenceSet, items: &[$crate::types::FetchAttr], mod_seq: u64) -> Vec<$crate::types::FetchResponse> {
                $crate::ops::fetch::fetch(true, sequence_set, items, Some(mod_seq), false, $crate::ops::fetch::Delivery::Buffered)
            } map |(found, _vanished): (Vec<$crate::types::FetchResponse>, Vec<$crate::types::UidRange>)| found;

            /// UID FETCH with CHANGEDSINCE and VANISHED (RFC 7162 Section 3.2.6).
            ///
            /// Returns the changed messages and the UIDs expunged since `mod_seq`. VANISHED
            /// (EARLIER) UIDs are filtered to the requested set, since non-conformant servers may
            /// return others; with `$` in the set filtering is skipped. Requires ENABLE QRESYNC
            /// and a selected mailbox.
            fn uid_fetch_vanished(&self, sequence_set: &$crate::types::SequenceSet, items: &[$crate::types::FetchAttr], mod_seq: u64) -> (Vec<$crate::types::FetchResponse>, Vec<$crate::types::UidRange>) {
                $crate::ops::fetch::fetch(true, sequence_set, items, Some(mod_seq), true, $crate::ops::fetch::Delivery::Buffered)
            };

            /// UID SEARCH (RFC 3501 Section 6.4.4).
            ///
            /// `criteria` is raw search text such as `"UNSEEN"` or
            /// `"FROM \"alice\" SINCE 1-Mar-2026"` (CR, LF and NUL are refused), or a
            /// `SearchCriteria`. Returns UIDs and the MODSEQ when present; ESEARCH answers are
            /// handled and ALL is expanded.
            fn uid_search(&self, criteria: impl AsRef<str>) -> $crate::types::SearchResult {
                $crate::ops::search::search(true, criteria.as_ref())
            };

            /// UID SEARCH with RETURN options (RFC 4731 Section 3.2). Requires ESEARCH.
            fn uid_search_esearch(&self, criteria: impl AsRef<str>, return_opts: &[&str]) -> $crate::types::EsearchResponse {
                $crate::ops::search::search_esearch(true, criteria.as_ref(), return_opts)
            };

            /// UID STORE (RFC 3501 Section 6.4.6). With `unchanged_since` it uses CONDSTORE
            /// (RFC 7162 Section 3.1.3) so concurrent flag changes are not overwritten; refused
            /// ones come back in `StoreResult::modified`. `\Recent` and `\*` are filtered out.
            fn uid_store(&self, sequence_set: &$crate::types::SequenceSet, operation: $crate::types::StoreOperation, flags: &[$crate::types::Flag], unchanged_since: Option<u64>) -> $crate::types::StoreResult {
                $crate::ops::message::store(true, sequence_set, operation, flags, unchanged_since)
            };

            /// UID MOVE (RFC 6851 Section 3, RFC 9051 Appendix E item 2).
            ///
            /// Falls back to UID COPY + UID STORE `\Deleted` + UID EXPUNGE (RFC 6851 Section 4)
            /// when the server has neither MOVE nor IMAP4rev2. The fallback requires UIDPLUS:
            /// plain EXPUNGE is never used, since it could delete unrelated `\Deleted` messages.
            /// Returns the response code (typically `[COPYUID ...]`) and the EXPUNGE or VANISHED
            /// responses.
            fn uid_move_messages(&self, sequence_set: &$crate::types::SequenceSet, mailbox: &str) -> $crate::types::MoveResult {
                $crate::ops::message::move_messages(true, sequence_set, mailbox)
            };

            /// UID COPY (RFC 3501 Section 6.4.7, RFC 4315 Section 3). Returns the response
            /// code, which SHOULD be `[COPYUID uid-validity source-uids dest-uids]`.
            fn uid_copy(&self, sequence_set: &$crate::types::SequenceSet, mailbox: &str) -> $crate::types::CopyResult {
                $crate::ops::message::copy(true, sequence_set, mailbox)
            };

            /// UID EXPUNGE (RFC 4315 UIDPLUS / RFC 9051 Section 6.4.9): expunges only the given
            /// UIDs.
            fn uid_expunge(&self, sequence_set: &$crate::types::SequenceSet) -> $crate::types::ExpungeResult {
                $crate::ops::message::uid_expunge(sequence_set)
            };

            /// EXPUNGE (RFC 3501 Section 6.4.3 / RFC 7162 Section 3.2.10).
            ///
            /// Without QRESYNC returns `ExpungeResult::Expunged` with sequence numbers; after
            /// ENABLE QRESYNC the server sends VANISHED and this returns
            /// `ExpungeResult::Vanished` with UID ranges.
            fn expunge(&self) -> $crate::types::ExpungeResult {
                $crate::ops::message::expunge()
            };
        }
        calls {
            /// Graceful logout (RFC 3501 Section 6.1.3 / RFC 9051 Section 6.1.3).
            ///
            /// Validates the required sequence: `* BYE` followed by a tagged OK. The state then
            /// becomes Logout and the connection is closed.
            fn logout(&self) -> () => logout_impl;

            /// Enter IDLE and wait for the first server event (RFC 2177).
            ///
            /// Sends IDLE, waits for the first event, the timeout or the cancellation, then sends
            /// DONE and waits for the tagged OK before returning. Keepalives (`* OK` without a
            /// code, which Dovecot sends periodically) and capability updates do not end the
            /// wait. The events themselves are returned in `IdleEvent::Changed`.
            ///
            /// # Cancellation safety
            /// Prefer the cancel token to dropping the future: the token ends IDLE cleanly.
            fn idle(&self, timeout: Duration, cancel: CancellationToken) -> $crate::types::IdleEvent => idle_impl;

            /// Set TCP keepalive on the socket (RFC 1122 Section 4.2.3.6). Sends nothing on the
            /// IMAP wire.
            fn set_keepalive(&self, keepalive: TcpKeepalive) -> () => set_keepalive_impl;

            /// Upgrade to TLS with STARTTLS (RFC 3501 Section 6.2.1), verifying the server with
            /// the default roots. Errors if the server does not advertise STARTTLS or TLS is
            /// already active. The upgrade is atomic; see `starttls_with_config`.
            fn starttls(&self, timeout: Duration) -> () => starttls_impl;

            /// STARTTLS with a custom rustls configuration (RFC 3501 Section 6.2.1 / RFC 9051
            /// Section 6.2.1).
            ///
            /// Atomic: after the tagged OK the core checks that no plaintext byte follows it
            /// (any such byte is an injection attempt and fails the connection), switches to TLS
            /// at that exact point, discards the cached capabilities and fetches them again over
            /// TLS. A failed handshake leaves the connection failed, never half upgraded.
            fn starttls_with_config(&self, tls_config: Arc<ClientConfig>, timeout: Duration) -> () => starttls_with_config_impl;

            /// FETCH streaming by sequence number (RFC 3501 Section 6.4.5): each response goes to
            /// `tx` as it arrives instead of being buffered; `tx` is dropped at the tagged OK.
            /// Body literals above `Limits::stream_threshold` arrive in chunks (several
            /// responses with the same `seq`, each a `BodySection` whose `origin` is the chunk
            /// offset). Prefer `uid_fetch_streaming`.
            fn fetch_streaming(&self, sequence_set: &$crate::types::SequenceSet, items: &[$crate::types::FetchAttr], tx: impl FetchSink, timeout: Duration) -> () => fetch_streaming_impl;

            /// UID FETCH streaming (RFC 3501 Section 6.4.5): each response goes to `tx` as it
            /// arrives, in bounded memory whatever the message size. Read the receiver
            /// concurrently: the driver waits while the channel is full (back-pressure), so
            /// nothing is dropped.
            fn uid_fetch_streaming(&self, sequence_set: &$crate::types::SequenceSet, items: &[$crate::types::FetchAttr], tx: impl FetchSink, timeout: Duration) -> () => uid_fetch_streaming_impl;

            /// UID FETCH as a stream of responses (RFC 3501 Section 6.4.5): a
            /// `futures_core::Stream` (`FetchStream`) in the async adapters, an `Iterator`
            /// (`FetchIter`) in imap-blocking, of `Result<FetchResponse, Error>`. The
            /// responses come as they arrive, in bounded memory: at most
            /// `ConnectOptions::fetch_stream_capacity` (128) wait for the consumer; beyond,
            /// the connection stops reading the socket. `timeout` bounds each wait for the
            /// next response. An error is the last item; dropping the stream mid-way
            /// discards the rest of the FETCH and leaves the connection usable. Body literals
            /// above `Limits::stream_threshold` arrive in chunks, as with
            /// `uid_fetch_streaming`.
            fn uid_fetch_stream(&self, sequence_set: &$crate::types::SequenceSet, items: &[$crate::types::FetchAttr], timeout: Duration) -> FetchStream => uid_fetch_stream_impl;

            /// FETCH by sequence number as a stream of responses (RFC 3501 Section 6.4.5):
            /// see `uid_fetch_stream`. Prefer `uid_fetch_stream`.
            fn fetch_stream(&self, sequence_set: &$crate::types::SequenceSet, items: &[$crate::types::FetchAttr], timeout: Duration) -> FetchStream => fetch_stream_impl;

            /// Wait for the next event, with a timeout: `Ok(Some(event))`, `Ok(None)` when the
            /// timeout elapses, `Err(Error::DriverGone)` once the connection's driver is gone.
            /// RFC 3501 §5.3: servers may send untagged data at any time; this surfaces it.
            fn next_event(&self, timeout: Duration) -> Option<$crate::TypedEvent> => next_event_impl;
        }
        infallible {
            /// Drain all pending events (ALERTs, EXISTS/EXPUNGE, NOTIFY events, BYE ...) without
            /// waiting. Returns an empty Vec when none are pending.
            fn drain_events(&self) -> Vec<$crate::TypedEvent> => drain_events_impl;
        }
        getters {
            /// Current session state (RFC 3501 §3 / RFC 9051 §3), as last observed.
            fn session_state(&self) -> $crate::SessionState => session_state_impl;

            /// Cached server capabilities (RFC 3501 §7.2.1 / RFC 9051 §7.2.1), updated
            /// whenever the server advertises new ones (after STARTTLS, after login).
            fn capabilities(&self) -> Vec<$crate::types::Capability> => capabilities_impl;

            /// Begin a pipelined batch (RFC 3501 §5.5). Only commands safe to pipeline have
            /// methods on the builder; state-changing commands (SELECT, STARTTLS, IDLE, LOGOUT,
            /// AUTHENTICATE ...) are absent, enforced at compile time by a sealed trait.
            fn pipeline(&self) -> Pipeline<'_, ()> => pipeline_impl;

            /// True while TLS is active on the connection (implicit TLS, or after STARTTLS
            /// completed). Not in the reference; every adapter has it.
            fn is_tls(&self) -> bool => is_tls_impl;

            /// True while COMPRESS=DEFLATE (RFC 4978) is active. Not in the reference; every
            /// adapter has it.
            fn is_compressed(&self) -> bool => is_compressed_impl;
        }
        ctors {
            /// Connect to an IMAP server: TCP, optional TLS, the greeting and the initial
            /// capabilities (RFC 3501 Section 6.1.1). Uses the Mozilla root store for TLS.
            fn connect(host: &str, port: u16, tls_mode: TlsMode, timeout: Duration) => connect_impl;

            /// Connect with a custom rustls configuration (RFC 3501 Section 6.1.1 / RFC 9051
            /// Section 6.1.1), e.g. to trust a test CA.
            fn connect_with_tls_config(host: &str, port: u16, tls_mode: TlsMode, tls_config: Arc<ClientConfig>, timeout: Duration) => connect_with_tls_config_impl;
        }
        }
    };
}

/// The opening of every adapter's `ImapConnection` documentation: how to connect, then the
/// methods grouped by family with links (the generated `impl` lists them in table order).
/// `imap_connection_doc!(async imap_tokio)` or `imap_connection_doc!(blocking
/// imap_blocking)` expands to a string literal, for `#[doc = ...]` on the struct; the
/// example then uses that crate's name and its calling convention.
#[macro_export]
macro_rules! imap_connection_doc {
    (async $krate:ident) => {
        $crate::__imap_connection_doc!($krate, "async fn", ".await")
    };
    (blocking $krate:ident) => {
        $crate::__imap_connection_doc!($krate, "fn", "")
    };
}

/// [`imap_connection_doc!`](crate::imap_connection_doc) for one calling convention:
/// `$function` declares the example's function, `$await` follows every call.
#[doc(hidden)]
#[macro_export]
macro_rules! __imap_connection_doc {
    ($krate:ident, $function:literal, $await:literal) => {
        concat!(
            "An IMAP client connection (RFC 3501 / RFC 9051 Section 2).\n\n",
            "# Connecting\n\n",
            "```no_run\n",
            "use std::time::Duration;\n",
            "use ",
            stringify!($krate),
            "::{ImapConnection, TlsMode};\n\n",
            "# ",
            $function,
            " demo() -> Result<(), ",
            stringify!($krate),
            "::Error> {\n",
            "let t = Duration::from_secs(30);\n",
            "// Port 993, TLS from the first byte; TlsMode::StartTls upgrades a port-143\n",
            "// connection before `connect` returns. Certificates are checked against the\n",
            "// Mozilla roots, or the rustls config given to `connect_with_tls_config`.\n",
            "let imap = ImapConnection::connect(\"imap.example.com\", 993, TlsMode::Implicit, t)",
            $await,
            "?;\n",
            "imap.login(\"alice\", \"secret\", t)",
            $await,
            "?;\n",
            "let inbox = imap.select(\"INBOX\", t)",
            $await,
            "?;\n",
            "println!(\"{} messages\", inbox.exists);\n",
            "imap.logout()",
            $await,
            "?;\n",
            "# Ok(()) }\n",
            "```\n\n",
            $crate::__imap_method_families!(),
        )
    };
}

/// Every method of the table by family, as Markdown with intra-doc links (`Self::name`).
/// A test (`every_method_is_in_exactly_one_family`) keeps it complete.
#[doc(hidden)]
#[macro_export]
macro_rules! __imap_method_families {
    () => {
        "# Methods by family

Calls that talk to the server take a `timeout` as their last argument (`logout` uses
`LOGOUT_TIMEOUT`) and return `Result<_, Error>`, matchable by variant; getters such as
`capabilities` and `session_state` answer at once from the last state seen.

| family | methods |
|---|---|
| Connect and secure | [`connect`](Self::connect), [`connect_with_tls_config`](Self::connect_with_tls_config), [`starttls`](Self::starttls), [`starttls_with_config`](Self::starttls_with_config), [`compress`](Self::compress), [`set_keepalive`](Self::set_keepalive), [`is_tls`](Self::is_tls), [`is_compressed`](Self::is_compressed) |
| Log in and out | [`login`](Self::login), [`authenticate_plain`](Self::authenticate_plain), [`authenticate_scram_sha256`](Self::authenticate_scram_sha256), [`authenticate_oauthbearer`](Self::authenticate_oauthbearer), [`authenticate_xoauth2`](Self::authenticate_xoauth2), [`authenticate_with`](Self::authenticate_with), [`unauthenticate`](Self::unauthenticate), [`logout`](Self::logout) |
| Session | [`capability`](Self::capability), [`capabilities`](Self::capabilities), [`session_state`](Self::session_state), [`noop`](Self::noop), [`check`](Self::check), [`id`](Self::id), [`enable`](Self::enable), [`enable_utf8`](Self::enable_utf8), [`namespace`](Self::namespace) |
| Mailboxes | [`list`](Self::list), [`list_extended`](Self::list_extended), [`list_status`](Self::list_status), [`lsub`](Self::lsub), [`status`](Self::status), [`create`](Self::create), [`create_with_mailbox_id`](Self::create_with_mailbox_id), [`create_special_use`](Self::create_special_use), [`create_special_use_with_mailbox_id`](Self::create_special_use_with_mailbox_id), [`delete`](Self::delete), [`rename`](Self::rename), [`subscribe`](Self::subscribe), [`unsubscribe`](Self::unsubscribe) |
| Select a mailbox | [`select`](Self::select), [`select_with`](Self::select_with), [`examine`](Self::examine), [`examine_with`](Self::examine_with), [`close`](Self::close), [`unselect`](Self::unselect), [`sync_mailbox`](Self::sync_mailbox) |
| Fetch | [`uid_fetch`](Self::uid_fetch), [`fetch`](Self::fetch), [`uid_fetch_changed_since`](Self::uid_fetch_changed_since), [`fetch_changed_since`](Self::fetch_changed_since), [`uid_fetch_vanished`](Self::uid_fetch_vanished), [`uid_fetch_stream`](Self::uid_fetch_stream), [`fetch_stream`](Self::fetch_stream), [`uid_fetch_streaming`](Self::uid_fetch_streaming), [`fetch_streaming`](Self::fetch_streaming) |
| Search, sort, thread | [`uid_search`](Self::uid_search), [`search`](Self::search), [`uid_search_esearch`](Self::uid_search_esearch), [`search_esearch`](Self::search_esearch), [`uid_search_save`](Self::uid_search_save), [`search_save`](Self::search_save), [`uid_sort`](Self::uid_sort), [`sort`](Self::sort), [`uid_thread`](Self::uid_thread), [`thread`](Self::thread) |
| Change messages | [`uid_store`](Self::uid_store), [`store`](Self::store), [`uid_copy`](Self::uid_copy), [`copy`](Self::copy), [`uid_move_messages`](Self::uid_move_messages), [`move_messages`](Self::move_messages), [`uid_expunge`](Self::uid_expunge), [`expunge`](Self::expunge), [`append`](Self::append), [`multi_append`](Self::multi_append) |
| Events, IDLE, NOTIFY | [`idle`](Self::idle), [`next_event`](Self::next_event), [`drain_events`](Self::drain_events), [`notify_set`](Self::notify_set), [`notify_none`](Self::notify_none) |
| Pipelining | [`pipeline`](Self::pipeline) |
| Quota, ACL, metadata | [`get_quota`](Self::get_quota), [`get_quota_root`](Self::get_quota_root), [`set_quota`](Self::set_quota), [`get_acl`](Self::get_acl), [`set_acl`](Self::set_acl), [`delete_acl`](Self::delete_acl), [`list_rights`](Self::list_rights), [`my_rights`](Self::my_rights), [`get_metadata`](Self::get_metadata), [`set_metadata`](Self::set_metadata) |

"
    };
}

#[cfg(test)]
mod tests {
    /// Expands the table into the list of its method names.
    macro_rules! method_names {
        (
            ops { $( $(#[$om:meta])* fn $op:ident $oa:tt -> $oo:ty $ob:block $(map $omap:expr)?; )* }
            calls { $( $(#[$cm:meta])* fn $call:ident $ca:tt -> $co:ty => $ci:ident; )* }
            infallible { $( $(#[$im:meta])* fn $inf:ident $ia:tt -> $io:ty => $ii:ident; )* }
            getters { $( $(#[$gm:meta])* fn $get:ident $ga:tt -> $go:ty => $gi:ident; )* }
            ctors { $( $(#[$tm:meta])* fn $ctor:ident $ta:tt => $ti:ident; )* }
        ) => {
            &[$(stringify!($op),)* $(stringify!($call),)* $(stringify!($inf),)* $(stringify!($get),)* $(stringify!($ctor),)*]
        };
    }

    #[test]
    fn every_method_is_in_exactly_one_family() {
        let names: &[&str] = crate::for_each_imap_method!(method_names);
        let families = crate::__imap_method_families!();
        let linked = |name: &str| families.matches(&format!("(Self::{name})")).count();
        for name in names {
            assert_eq!(linked(name), 1, "{name} in the families table");
        }
        let links = families.matches("(Self::").count();
        assert_eq!(
            links,
            names.len(),
            "a family links a method the table lacks"
        );
    }

    #[test]
    fn the_connection_doc_names_the_adapter() {
        let doc = crate::imap_connection_doc!(async imap_tokio);
        assert!(doc.starts_with("An IMAP client connection"));
        assert!(doc.contains("use imap_tokio::{ImapConnection, TlsMode};"));
        assert!(doc.contains(".await?;"));
        let doc = crate::imap_connection_doc!(blocking imap_blocking);
        assert!(!doc.contains(".await"));
    }
}
