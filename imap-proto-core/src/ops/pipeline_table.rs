//! The table of pipelinable commands (RFC 9051 §5.5), written once for every adapter's
//! `Pipeline` builder.
//!
//! [`for_each_pipeline_command!`](crate::for_each_pipeline_command) hands the list to an
//! adapter's expander macro, which writes one command struct and one builder method per
//! entry. Only commands that leave the session state alone and that the core runs
//! concurrently are listed. Entry syntax:
//! `method => Struct ['lifetime] { field: Type, .. } -> Output = op_expression [, map f];`

/// Invokes `$expand! { ... }` with the list of pipelinable commands (see the module docs).
#[macro_export]
macro_rules! for_each_pipeline_command {
    ($expand:ident) => {
        $expand! {
            /// Adds NOOP (RFC 9051 §6.1.2).
            noop => Noop [] {} -> () = $crate::ops::session::noop();

            /// Adds NAMESPACE (RFC 2342 §4).
            namespace => Namespace [] {} -> $crate::types::NamespaceResponse = $crate::ops::session::namespace();

            /// Adds STATUS (RFC 9051 §6.3.11); `items` as for `ImapConnection::status`.
            status => Status ['c] { mailbox: &'c str, items: &'c str }
                -> $crate::types::StatusResult = $crate::ops::mailbox::status(mailbox, items);

            /// Adds LIST (RFC 9051 §6.3.9).
            list => List ['c] { reference: &'c str, pattern: &'c str }
                -> Vec<$crate::types::MailboxInfo> = $crate::ops::mailbox::list(reference, pattern);

            /// Adds LSUB (RFC 3501 §6.3.9).
            lsub => Lsub ['c] { reference: &'c str, pattern: &'c str }
                -> Vec<$crate::types::MailboxInfo> = $crate::ops::mailbox::lsub(reference, pattern);

            /// Adds an extended LIST (RFC 5258 §3).
            list_extended => ListExtended ['c] {
                reference: &'c str,
                patterns: &'c [&'c str],
                selection_options: &'c [&'c str],
                return_options: &'c [&'c str]
            } -> Vec<$crate::types::MailboxInfo> =
                $crate::ops::mailbox::list_extended(reference, patterns, selection_options, return_options);

            /// Adds LIST with the STATUS return option (RFC 5819 §2).
            list_status => ListStatus ['c] { reference: &'c str, pattern: &'c str, status_items: &'c str }
                -> Vec<($crate::types::MailboxInfo, Vec<$crate::types::StatusItem>)> =
                $crate::ops::mailbox::list_status(reference, pattern, status_items);

            /// Adds FETCH by sequence number (RFC 9051 §6.4.5).
            fetch => Fetch ['c] { sequence_set: &'c $crate::types::SequenceSet, items: &'c [$crate::types::FetchAttr] }
                -> Vec<$crate::types::FetchResponse> =
                $crate::ops::fetch::fetch(false, sequence_set, items, None, false, $crate::ops::fetch::Delivery::Buffered), map |(found, _vanished): (Vec<$crate::types::FetchResponse>, Vec<$crate::types::UidRange>)| found;

            /// Adds UID FETCH (RFC 9051 §6.4.5).
            uid_fetch => UidFetch ['c] { sequence_set: &'c $crate::types::SequenceSet, items: &'c [$crate::types::FetchAttr] }
                -> Vec<$crate::types::FetchResponse> =
                $crate::ops::fetch::fetch(true, sequence_set, items, None, false, $crate::ops::fetch::Delivery::Buffered), map |(found, _vanished): (Vec<$crate::types::FetchResponse>, Vec<$crate::types::UidRange>)| found;

            /// Adds FETCH with CHANGEDSINCE (RFC 7162 §3.1.4).
            fetch_changed_since => FetchChangedSince ['c] {
                sequence_set: &'c $crate::types::SequenceSet, items: &'c [$crate::types::FetchAttr], mod_seq: u64
            } -> Vec<$crate::types::FetchResponse> =
                $crate::ops::fetch::fetch(false, sequence_set, items, Some(mod_seq), false, $crate::ops::fetch::Delivery::Buffered),
                map |(found, _vanished): (Vec<$crate::types::FetchResponse>, Vec<$crate::types::UidRange>)| found;

            /// Adds UID FETCH with CHANGEDSINCE (RFC 7162 §3.1.4).
            uid_fetch_changed_since => UidFetchChangedSince ['c] {
                sequence_set: &'c $crate::types::SequenceSet, items: &'c [$crate::types::FetchAttr], mod_seq: u64
            } -> Vec<$crate::types::FetchResponse> =
                $crate::ops::fetch::fetch(true, sequence_set, items, Some(mod_seq), false, $crate::ops::fetch::Delivery::Buffered),
                map |(found, _vanished): (Vec<$crate::types::FetchResponse>, Vec<$crate::types::UidRange>)| found;

            /// Adds UID FETCH with CHANGEDSINCE and VANISHED (RFC 7162 §3.2.6).
            uid_fetch_vanished => UidFetchVanished ['c] {
                sequence_set: &'c $crate::types::SequenceSet, items: &'c [$crate::types::FetchAttr], mod_seq: u64
            } -> (Vec<$crate::types::FetchResponse>, Vec<$crate::types::UidRange>) =
                $crate::ops::fetch::fetch(true, sequence_set, items, Some(mod_seq), true, $crate::ops::fetch::Delivery::Buffered);

            /// Adds SEARCH (RFC 9051 §6.4.4).
            search => Search ['c] { criteria: &'c str }
                -> $crate::types::SearchResult = $crate::ops::search::search(false, criteria);

            /// Adds UID SEARCH (RFC 9051 §6.4.4).
            uid_search => UidSearch ['c] { criteria: &'c str }
                -> $crate::types::SearchResult = $crate::ops::search::search(true, criteria);

            /// Adds SEARCH with RETURN options (RFC 4731 §3.2).
            search_esearch => SearchEsearch ['c] { criteria: &'c str, return_opts: &'c [&'c str] }
                -> $crate::types::EsearchResponse = $crate::ops::search::search_esearch(false, criteria, return_opts);

            /// Adds UID SEARCH with RETURN options (RFC 4731 §3.2).
            uid_search_esearch => UidSearchEsearch ['c] { criteria: &'c str, return_opts: &'c [&'c str] }
                -> $crate::types::EsearchResponse = $crate::ops::search::search_esearch(true, criteria, return_opts);

            /// Adds SORT (RFC 5256 §2).
            sort => Sort ['c] { sort_criteria: &'c str, charset: &'c str, criteria: &'c str }
                -> $crate::types::SearchResult = $crate::ops::search::sort(false, sort_criteria, charset, criteria);

            /// Adds UID SORT (RFC 5256 §2).
            uid_sort => UidSort ['c] { sort_criteria: &'c str, charset: &'c str, criteria: &'c str }
                -> $crate::types::SearchResult = $crate::ops::search::sort(true, sort_criteria, charset, criteria);

            /// Adds THREAD (RFC 5256 §3).
            thread => Thread ['c] { algorithm: &'c str, charset: &'c str, criteria: &'c str }
                -> Vec<$crate::types::ThreadNode> = $crate::ops::search::thread(false, algorithm, charset, criteria);

            /// Adds UID THREAD (RFC 5256 §3).
            uid_thread => UidThread ['c] { algorithm: &'c str, charset: &'c str, criteria: &'c str }
                -> Vec<$crate::types::ThreadNode> = $crate::ops::search::thread(true, algorithm, charset, criteria);

            /// Adds GETQUOTA (RFC 9208 §4.2).
            get_quota => GetQuota ['c] { root: &'c str }
                -> Vec<$crate::types::QuotaResource> = $crate::ops::quota::get_quota(root);

            /// Adds GETQUOTAROOT (RFC 9208 §4.3).
            get_quota_root => GetQuotaRoot ['c] { mailbox: &'c str }
                -> $crate::types::QuotaRootResponse = $crate::ops::quota::get_quota_root(mailbox);

            /// Adds GETACL (RFC 4314 §3.3).
            get_acl => GetAcl ['c] { mailbox: &'c str }
                -> Vec<$crate::types::AclEntry> = $crate::ops::acl::get_acl(mailbox);

            /// Adds LISTRIGHTS (RFC 4314 §3.4).
            list_rights => ListRights ['c] { mailbox: &'c str, identifier: &'c str }
                -> $crate::types::ListRightsResponse = $crate::ops::acl::list_rights(mailbox, identifier);

            /// Adds MYRIGHTS (RFC 4314 §3.5).
            my_rights => MyRights ['c] { mailbox: &'c str }
                -> String = $crate::ops::acl::my_rights(mailbox);

            /// Adds GETMETADATA (RFC 5464 §4.2).
            get_metadata => GetMetadata ['c] {
                mailbox: &'c str, entries: &'c [&'c str], max_size: Option<u64>, depth: Option<&'c str>
            } -> $crate::types::MetadataResult = $crate::ops::metadata::get_metadata(mailbox, entries, max_size, depth);
        }
    };
}
