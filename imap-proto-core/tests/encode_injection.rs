//! Property tests for the command encoder: whatever a caller passes, no CR or LF reaches the
//! command line except as the terminator of a literal header or of the command, literal
//! headers announce exactly the data that follows, and a refused argument is a typed error.
//! Also: SequenceSet Display/FromStr and modified UTF-7 encode/decode round trips.

use bytes::Bytes;
use imap_proto_core::encode::{
    self, EncodeContext, EncodeError, EncodedCommand, Fragment, LiteralMode, LiteralSupport,
};
use imap_proto_core::types::{
    AppendMessage, FetchAttr, Flag, MailboxAttribute, NotifyEvents, NotifyFilter, NotifySetParams,
    SearchCriteria, SelectOptions, SeqNumber, SequenceItem, SequenceSet, StoreOperation, mutf7,
};
use proptest::prelude::*;
use std::num::NonZeroU32;

const TAG: &str = "T1";

/// Checks the wire invariants of an encoded command and returns the number of literals.
fn assert_wire_safe(cmd: &EncodedCommand, ctx: &EncodeContext) -> usize {
    let fragments = cmd.fragments();
    assert!(!fragments.is_empty());
    let Fragment::Line(first) = &fragments[0] else {
        panic!("a command must start with a line: {cmd:?}");
    };
    assert!(first.starts_with(b"T1 "), "{cmd:?}");
    let mut literals = 0;
    for (i, fragment) in fragments.iter().enumerate() {
        match fragment {
            Fragment::Line(line) => {
                assert!(line.ends_with(b"\r\n"), "line without CRLF: {cmd:?}");
                let body = &line[..line.len() - 2];
                assert!(
                    !body.contains(&b'\r') && !body.contains(&b'\n'),
                    "CR/LF inside a line: {cmd:?}"
                );
                match fragments.get(i + 1) {
                    None => {}
                    Some(Fragment::Literal { data, mode }) => {
                        check_literal_header(body, data, *mode, ctx, cmd);
                    }
                    Some(Fragment::Line(_)) => panic!("two lines in a row: {cmd:?}"),
                }
            }
            Fragment::Literal { .. } => {
                literals += 1;
                assert!(
                    matches!(fragments.get(i + 1), Some(Fragment::Line(_))),
                    "a literal must be followed by the rest of the command: {cmd:?}"
                );
            }
        }
    }
    assert!(matches!(fragments.last(), Some(Fragment::Line(_))));
    literals
}

/// The line body must end with `{N}`, `{N+}`, `~{N}` or `~{N+}` matching the literal.
fn check_literal_header(
    body: &[u8],
    data: &Bytes,
    mode: LiteralMode,
    ctx: &EncodeContext,
    cmd: &EncodedCommand,
) {
    let text = std::str::from_utf8(body).unwrap_or("");
    let open = text
        .rfind('{')
        .unwrap_or_else(|| panic!("no literal header: {cmd:?}"));
    let header = &text[open + 1..];
    let header = header
        .strip_suffix('}')
        .unwrap_or_else(|| panic!("header not closed: {cmd:?}"));
    let (digits, non_sync) = match header.strip_suffix('+') {
        Some(d) => (d, true),
        None => (header, false),
    };
    let announced: usize = digits
        .parse()
        .unwrap_or_else(|_| panic!("bad header: {cmd:?}"));
    assert_eq!(announced, data.len(), "literal size mismatch: {cmd:?}");
    assert_eq!(non_sync, mode == LiteralMode::NonSync, "{cmd:?}");
    let literal8 = text[..open].ends_with('~');
    if !literal8 {
        assert!(!data.contains(&0), "NUL in a text literal: {cmd:?}");
    }
    if non_sync {
        match ctx.literals {
            LiteralSupport::Sync => panic!("non-sync literal without LITERAL+/-: {cmd:?}"),
            LiteralSupport::NonSyncUpTo4096 => assert!(data.len() <= 4096),
            LiteralSupport::NonSync => {}
        }
    }
}

/// Characters that stress the encoder, mixed with arbitrary Unicode.
fn nasty_char() -> impl Strategy<Value = char> {
    prop_oneof![
        4 => prop::sample::select(vec![
            '\r', '\n', '\0', '"', '\\', '{', '}', ' ', '(', ')', '*', '%', ']', '[', '~', '+',
            '&', '-', '\t', '\u{7f}', '1', '9', '$',
        ]),
        4 => proptest::char::range('a', 'z'),
        2 => any::<char>(),
    ]
}

fn nasty_string() -> impl Strategy<Value = String> {
    prop::collection::vec(nasty_char(), 0..24).prop_map(|chars| chars.into_iter().collect())
}

fn any_context() -> impl Strategy<Value = EncodeContext> {
    (
        prop::sample::select(vec![
            LiteralSupport::Sync,
            LiteralSupport::NonSyncUpTo4096,
            LiteralSupport::NonSync,
        ]),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(literals, utf8, binary)| {
            EncodeContext::default()
                .with_literals(literals)
                .with_utf8(utf8)
                .with_binary(binary)
        })
}

/// Either a safe command or a typed error; returns the literal count on success.
fn check(result: Result<EncodedCommand, EncodeError>, ctx: &EncodeContext) -> Option<usize> {
    result.ok().map(|cmd| assert_wire_safe(&cmd, ctx))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn mailbox_arguments_are_safe(ctx in any_context(), name in nasty_string(), other in nasty_string()) {
        let set = SequenceSet::all();
        let results = [
            encode::mailbox::select(TAG, &ctx, &name, &SelectOptions::default()),
            encode::mailbox::examine(TAG, &ctx, &name, &SelectOptions::condstore()),
            encode::mailbox::create(TAG, &ctx, &name, &[]),
            encode::mailbox::delete(TAG, &ctx, &name),
            encode::mailbox::rename(TAG, &ctx, &name, &other),
            encode::mailbox::subscribe(TAG, &ctx, &name),
            encode::mailbox::unsubscribe(TAG, &ctx, &name),
            encode::mailbox::list(TAG, &ctx, &name, &other),
            encode::mailbox::lsub(TAG, &ctx, &other, &name),
            encode::mailbox::list_extended(TAG, &ctx, &name, &[&other, &name], &[], &[]),
            encode::mailbox::status(TAG, &ctx, &name, "MESSAGES"),
            encode::message::copy(TAG, &ctx, &set, &name),
            encode::message::uid_move_messages(TAG, &ctx, &set, &name),
            encode::append::append(TAG, &ctx, &name, &AppendMessage::new(&b"x"[..])),
            encode::acl::set_acl(TAG, &ctx, &name, &other, &other),
            encode::acl::list_rights(TAG, &ctx, &name, &other),
            encode::quota::get_quota(TAG, &ctx, &other),
            encode::quota::get_quota_root(TAG, &ctx, &name),
            encode::metadata::get_metadata(TAG, &ctx, &name, &["/shared/comment"], None, None),
            encode::notify::notify_set(
                TAG,
                &ctx,
                &NotifySetParams::new().group(NotifyFilter::Mailboxes(vec![name.clone()]), NotifyEvents::None),
            ),
        ];
        let has_nul = name.contains('\0') || other.contains('\0');
        // APPEND (index 13) always sends its message as a literal.
        for (index, result) in results.into_iter().enumerate() {
            match &result {
                Ok(_) => {}
                Err(EncodeError::ContainsNul { .. }) => prop_assert!(has_nul),
                Err(e) => prop_assert!(false, "unexpected error {e:?}"),
            }
            let literals = check(result, &ctx);
            // In modified UTF-7 mode a mailbox name is always ASCII without CR/LF: no literal
            // is ever needed for it (the other arguments may still need one).
            let other_is_plain = other.is_ascii() && !other.contains(['\r', '\n', '\0']);
            if !ctx.utf8 && other_is_plain {
                let expected = usize::from(index == 13);
                prop_assert_eq!(literals.unwrap_or(expected), expected);
            }
        }
    }

    #[test]
    fn login_never_injects(ctx in any_context(), user in nasty_string(), password in nasty_string()) {
        let result = encode::auth::login(TAG, &ctx, &user, &password);
        if user.contains('\0') || password.contains('\0') {
            let is_nul_error = matches!(result, Err(EncodeError::ContainsNul { .. }));
            prop_assert!(is_nul_error);
        } else {
            let cmd = result.unwrap();
            assert_wire_safe(&cmd, &ctx);
            // The whole command reassembles to exactly what was asked.
            let wire = cmd.to_bytes();
            prop_assert!(wire.starts_with(b"T1 LOGIN "));
        }
    }

    #[test]
    fn search_text_is_safe(ctx in any_context(), text in nasty_string(), uid in any::<bool>()) {
        // Through the builder: either refused at build time, or always encodable.
        match SearchCriteria::new().subject(&text).and_then(|c| c.header("X-Test", &text)) {
            Ok(criteria) => {
                prop_assert!(!text.contains(['\r', '\n', '\0']));
                let result = if uid {
                    encode::message::uid_search(TAG, &ctx, criteria.as_ref(), None, None)
                } else {
                    encode::message::search(TAG, &ctx, criteria.as_ref(), None, Some(&["ALL"]))
                };
                prop_assert!(check(result, &ctx).is_some());
                let sorted = encode::message::sort(TAG, &ctx, "DATE", "UTF-8", criteria.as_ref());
                prop_assert!(check(sorted, &ctx).is_some());
            }
            Err(EncodeError::InvalidArgument { .. }) => {
                prop_assert!(text.contains(['\r', '\n', '\0']));
            }
            Err(e) => prop_assert!(false, "unexpected error {e:?}"),
        }
        // As raw criteria: encoded safely or refused with a typed error.
        for raw in [text.clone(), format!("TEXT \"{text}\""), format!("OR ({text}) SEEN")] {
            let result = encode::message::search(TAG, &ctx, &raw, None, None);
            if raw.contains(['\r', '\n', '\0']) {
                prop_assert!(result.is_err());
            }
            check(result, &ctx);
            check(encode::message::thread(TAG, &ctx, "REFERENCES", "", &raw), &ctx);
        }
    }

    #[test]
    fn metadata_values_are_safe(ctx in any_context(), value in prop::collection::vec(any::<u8>(), 0..64), text in nasty_string()) {
        let entries: [(&str, Option<&[u8]>); 2] = [("/private/comment", Some(&value)), ("/shared/x", Some(text.as_bytes()))];
        let cmd = encode::metadata::set_metadata(TAG, &ctx, "INBOX", &entries).unwrap();
        assert_wire_safe(&cmd, &ctx);
        // Entry names are validated, never smuggled.
        let entry = format!("/shared/{text}");
        check(encode::metadata::set_metadata(TAG, &ctx, "", &[(&entry, None)]), &ctx);
        check(encode::metadata::get_metadata(TAG, &ctx, "", &[&entry], Some(10), Some("1")), &ctx);
    }

    #[test]
    fn flag_keywords_are_atoms_or_refused(ctx in any_context(), keyword in nasty_string()) {
        let flags = [Flag::Seen, Flag::keyword(keyword.clone())];
        let set = SequenceSet::all();
        for result in [
            encode::message::store(TAG, &ctx, &set, StoreOperation::Add, &flags, Some(5)),
            encode::append::append(TAG, &ctx, "INBOX", &AppendMessage::new(&b"m"[..]).with_flags(flags.to_vec())),
        ] {
            match &result {
                Ok(_) => {
                    let specials = ['\r', '\n', '\0', ' ', '(', ')', '{', '"', '\\', ']', '%', '*'];
                    prop_assert!(!keyword.contains(specials), "{:?}", keyword);
                }
                Err(EncodeError::InvalidAtom { .. }) => {}
                Err(e) => prop_assert!(false, "unexpected error {e:?}"),
            }
            check(result, &ctx);
        }
        check(encode::session::enable(TAG, &ctx, &[&keyword]), &ctx);
        check(encode::auth::authenticate(TAG, &ctx, &keyword, Some(keyword.as_bytes())), &ctx);
        check(encode::mailbox::status(TAG, &ctx, "INBOX", &keyword), &ctx);
        check(encode::message::sort(TAG, &ctx, &keyword, "UTF-8", "ALL"), &ctx);
        check(encode::quota::set_quota(TAG, &ctx, "", &[(&keyword, 1)]), &ctx);
        let set = SequenceSet::all();
        check(
            encode::message::fetch(TAG, &ctx, &set, &[FetchAttr::Other(keyword.clone())], &Default::default()),
            &ctx,
        );
        check(encode::mailbox::list_extended(TAG, &ctx, "", &["*"], &[&keyword], &[&keyword]), &ctx);
    }

    #[test]
    fn id_fields_are_safe(ctx in any_context(), field in nasty_string(), value in nasty_string()) {
        let result = encode::session::id(TAG, &ctx, &[(&field, Some(&value)), ("os", None)]);
        if field.len() > 30 || value.len() > 1024 {
            let is_limit_error = matches!(result, Err(EncodeError::InvalidArgument { .. }));
            prop_assert!(is_limit_error);
        } else if field.contains('\0') || value.contains('\0') {
            let is_nul_error = matches!(result, Err(EncodeError::ContainsNul { .. }));
            prop_assert!(is_nul_error);
        } else {
            prop_assert!(check(result, &ctx).is_some());
        }
    }

    #[test]
    fn append_data_is_always_a_literal(ctx in any_context(), data in prop::collection::vec(any::<u8>(), 1..6000), date in nasty_string()) {
        let message = AppendMessage::new(data.clone());
        match encode::append::append(TAG, &ctx, "INBOX", &message) {
            Ok(cmd) => prop_assert_eq!(assert_wire_safe(&cmd, &ctx), 1),
            Err(EncodeError::ContainsNul { .. }) => prop_assert!(data.contains(&0) && !ctx.binary),
            Err(e) => prop_assert!(false, "unexpected error {e:?}"),
        }
        let dated = AppendMessage::new(&b"m"[..]).with_date(date);
        check(encode::append::append(TAG, &ctx, "INBOX", &dated), &ctx);
    }

    /// The string arguments the tests above do not reach: ACL identifiers, LIST-STATUS
    /// items, SEARCH charsets and RETURN options, SORT/THREAD charsets and algorithms, the
    /// GETMETADATA depth, quota roots, special-use extensions, MOVE/COPY targets and
    /// MULTIAPPEND dates. Each is encoded safely or refused with a typed error.
    #[test]
    fn every_other_string_argument_is_safe(ctx in any_context(), text in nasty_string(), other in nasty_string()) {
        let set = SequenceSet::all();
        let dated = [
            AppendMessage::new(&b"one"[..]).with_date(text.clone()),
            AppendMessage::new(&b"two"[..]).with_flags(vec![Flag::keyword(other.clone())]),
        ];
        let results = [
            encode::acl::delete_acl(TAG, &ctx, &text, &other),
            encode::acl::get_acl(TAG, &ctx, &text),
            encode::acl::my_rights(TAG, &ctx, &text),
            encode::mailbox::list_status(TAG, &ctx, &text, &other, &text),
            encode::mailbox::list_status(TAG, &ctx, "", "*", &format!("MESSAGES {text}")),
            encode::message::move_messages(TAG, &ctx, &set, &text),
            encode::message::uid_copy(TAG, &ctx, &set, &text),
            encode::message::search(TAG, &ctx, "ALL", Some(&text), None),
            encode::message::uid_search(TAG, &ctx, "ALL", None, Some(&[&text, &other])),
            encode::message::sort(TAG, &ctx, "DATE", &text, "ALL"),
            encode::message::uid_sort(TAG, &ctx, &other, "UTF-8", "ALL"),
            encode::message::thread(TAG, &ctx, &text, "UTF-8", "ALL"),
            encode::message::uid_thread(TAG, &ctx, "REFERENCES", &other, "ALL"),
            encode::metadata::get_metadata(TAG, &ctx, "INBOX", &["/shared/x"], None, Some(&text)),
            encode::quota::set_quota(TAG, &ctx, &text, &[("STORAGE", 10)]),
            encode::mailbox::create(
                TAG,
                &ctx,
                "Box",
                &[MailboxAttribute::Extension(Bytes::from(text.clone().into_bytes()))],
            ),
            encode::append::multi_append(TAG, &ctx, &other, &dated),
        ];
        for result in results {
            check(result, &ctx);
        }
    }

    #[test]
    fn tags_are_validated(ctx in any_context(), tag in nasty_string()) {
        match encode::session::noop(&tag, &ctx) {
            Ok(cmd) => {
                let wire = cmd.to_bytes();
                prop_assert!(!tag.is_empty());
                prop_assert_eq!(wire, format!("{tag} NOOP\r\n").into_bytes());
                let specials = ['\r', '\n', ' ', '+', '{'];
                prop_assert!(!tag.contains(specials), "{:?}", tag);
            }
            Err(e) => {
                let is_tag_error = matches!(e, EncodeError::InvalidTag { .. });
                prop_assert!(is_tag_error);
            }
        }
    }
}

fn seq_number() -> impl Strategy<Value = SeqNumber> {
    prop_oneof![
        4 => any::<u32>().prop_filter_map("non-zero", NonZeroU32::new).prop_map(SeqNumber::Value),
        4 => (1u32..100).prop_map(|n| SeqNumber::Value(NonZeroU32::new(n).unwrap())),
        1 => Just(SeqNumber::Largest),
    ]
}

fn sequence_set() -> impl Strategy<Value = SequenceSet> {
    let item = prop_oneof![
        seq_number().prop_map(SequenceItem::Single),
        (seq_number(), seq_number()).prop_map(|(a, b)| SequenceItem::Range(a, b)),
    ];
    prop_oneof![
        9 => prop::collection::vec(item, 1..8).prop_map(|items| SequenceSet::from_items(items).unwrap()),
        1 => Just(SequenceSet::saved_result()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    #[test]
    fn sequence_set_round_trips(set in sequence_set()) {
        let text = set.to_string();
        let parsed: SequenceSet = text.parse().unwrap();
        prop_assert_eq!(&parsed, &set);
        prop_assert_eq!(parsed.to_string(), text);
    }

    #[test]
    fn sequence_set_parsing_never_panics(
        text in prop::collection::vec(
            prop::sample::select(vec!['0', '1', '2', '9', ':', ',', '*', '$', ' ']),
            0..16,
        )
        .prop_map(|c| c.into_iter().collect::<String>())
    ) {
        if let Ok(set) = text.parse::<SequenceSet>() {
            prop_assert_eq!(set.to_string(), text);
        }
    }

    #[test]
    fn compact_sets_contain_exactly_their_numbers(numbers in prop::collection::vec(1u32..200, 1..40), probe in 1u32..220) {
        let set = SequenceSet::from_numbers(numbers.iter().copied()).unwrap();
        prop_assert_eq!(set.contains(probe), Some(numbers.contains(&probe)));
        let reparsed: SequenceSet = set.to_string().parse().unwrap();
        prop_assert_eq!(reparsed, set);
    }

    #[test]
    fn mutf7_round_trips(name in prop::collection::vec(nasty_char(), 0..24).prop_map(|c| c.into_iter().collect::<String>())) {
        let wire = mutf7::encode(&name);
        prop_assert!(wire.bytes().all(|b| (0x20..0x7f).contains(&b)), "{wire:?}");
        let decoded = mutf7::decode(wire.as_bytes());
        prop_assert_eq!(decoded.as_deref(), Some(name.as_str()));
    }

    #[test]
    fn mutf7_round_trips_any_string(name in any::<String>()) {
        let wire = mutf7::encode(&name);
        let decoded = mutf7::decode(wire.as_bytes());
        prop_assert_eq!(decoded.as_deref(), Some(name.as_str()));
    }
}
