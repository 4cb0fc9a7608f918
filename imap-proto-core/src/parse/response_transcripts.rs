//! S: lines of the two real-server probe transcripts (Dovecot 2.3.19.1 and Cyrus 3.6.1 on
//! Debian 12), copied here so the tests do not depend on anything outside the repository.
//! FETCH responses are left out (their parser lives in `fetch.rs`); duplicates are removed.
//! Each line is paired with the `Untagged`/`Response` variant its keyword calls for.

pub(super) const DOVECOT: &[(&str, &str)] = &[
    (
        "* OK [CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE LITERAL+ STARTTLS AUTH=PLAIN AUTH=LOGIN AUTH=CRAM-MD5 AUTH=DIGEST-MD5 AUTH=SCRAM-SHA-1 AUTH=SCRAM-SHA-256 AUTH=OAUTHBEARER AUTH=XOAUTH2] Dovecot (Debian) ready.\r\n",
        "Status",
    ),
    (
        "* CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE LITERAL+ STARTTLS AUTH=PLAIN AUTH=LOGIN AUTH=CRAM-MD5 AUTH=DIGEST-MD5 AUTH=SCRAM-SHA-1 AUTH=SCRAM-SHA-256 AUTH=OAUTHBEARER AUTH=XOAUTH2\r\n",
        "Capability",
    ),
    (
        "A001 OK Pre-login capabilities listed, post-login capabilities have more.\r\n",
        "Tagged",
    ),
    ("A002 OK Begin TLS negotiation now.\r\n", "Tagged"),
    (
        "* CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE LITERAL+ AUTH=PLAIN AUTH=LOGIN AUTH=CRAM-MD5 AUTH=DIGEST-MD5 AUTH=SCRAM-SHA-1 AUTH=SCRAM-SHA-256 AUTH=OAUTHBEARER AUTH=XOAUTH2\r\n",
        "Capability",
    ),
    (
        "A003 OK Pre-login capabilities listed, post-login capabilities have more.\r\n",
        "Tagged",
    ),
    (
        "* CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE SORT SORT=DISPLAY THREAD=REFERENCES THREAD=REFS THREAD=ORDEREDSUBJECT MULTIAPPEND URL-PARTIAL CATENATE UNSELECT CHILDREN NAMESPACE UIDPLUS LIST-EXTENDED I18NLEVEL=1 CONDSTORE QRESYNC ESEARCH ESORT SEARCHRES WITHIN CONTEXT=SEARCH LIST-STATUS BINARY MOVE SNIPPET=FUZZY PREVIEW=FUZZY PREVIEW STATUS=SIZE SAVEDATE LITERAL+ NOTIFY METADATA SPECIAL-USE COMPRESS=DEFLATE QUOTA ACL RIGHTS=texk\r\n",
        "Capability",
    ),
    ("A004 OK Logged in\r\n", "Tagged"),
    (
        "A005 OK Capability completed (0.001 + 0.000 secs).\r\n",
        "Tagged",
    ),
    (
        "* OK [CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE LITERAL+ AUTH=PLAIN AUTH=LOGIN AUTH=CRAM-MD5 AUTH=DIGEST-MD5 AUTH=SCRAM-SHA-1 AUTH=SCRAM-SHA-256 AUTH=OAUTHBEARER AUTH=XOAUTH2] Dovecot (Debian) ready.\r\n",
        "Status",
    ),
    ("* BYE Logging out\r\n", "Status"),
    ("A002 OK Logout completed.\r\n", "Tagged"),
    ("* ID (\"name\" \"Dovecot\")\r\n", "Id"),
    ("A006 OK ID completed (0.001 + 0.000 secs).\r\n", "Tagged"),
    ("* ENABLED QRESYNC CONDSTORE\r\n", "Enabled"),
    ("A007 OK Enabled (0.001 + 0.000 secs).\r\n", "Tagged"),
    ("A008 OK Enabled (0.001 + 0.000 secs).\r\n", "Tagged"),
    (
        "* NAMESPACE ((\"\" \"/\")) ((\"shared/\" \"/\")) NIL\r\n",
        "Namespace",
    ),
    (
        "A009 OK Namespace completed (0.001 + 0.000 secs).\r\n",
        "Tagged",
    ),
    ("* LIST (\\HasNoChildren \\Drafts) \"/\" Drafts\r\n", "List"),
    ("* LIST (\\HasNoChildren \\Sent) \"/\" Sent\r\n", "List"),
    ("* LIST (\\HasNoChildren \\Trash) \"/\" Trash\r\n", "List"),
    ("* LIST (\\HasNoChildren \\Junk) \"/\" Junk\r\n", "List"),
    (
        "* LIST (\\HasNoChildren \\Archive) \"/\" Archive\r\n",
        "List",
    ),
    ("* LIST (\\HasNoChildren) \"/\" INBOX\r\n", "List"),
    (
        "A010 OK List completed (0.002 + 0.000 + 0.001 secs).\r\n",
        "Tagged",
    ),
    ("* LIST (\\Drafts) \"/\" Drafts\r\n", "List"),
    ("* LIST (\\Sent) \"/\" Sent\r\n", "List"),
    ("* LIST (\\Trash) \"/\" Trash\r\n", "List"),
    ("* LIST (\\Junk) \"/\" Junk\r\n", "List"),
    ("* LIST (\\Archive) \"/\" Archive\r\n", "List"),
    ("A011 OK List completed (0.001 + 0.000 secs).\r\n", "Tagged"),
    (
        "* STATUS Drafts (MESSAGES 0 UIDNEXT 1 HIGHESTMODSEQ 1)\r\n",
        "MailboxStatus",
    ),
    (
        "* STATUS Sent (MESSAGES 0 UIDNEXT 1 HIGHESTMODSEQ 1)\r\n",
        "MailboxStatus",
    ),
    (
        "* STATUS Trash (MESSAGES 0 UIDNEXT 1 HIGHESTMODSEQ 1)\r\n",
        "MailboxStatus",
    ),
    (
        "* STATUS Junk (MESSAGES 0 UIDNEXT 1 HIGHESTMODSEQ 1)\r\n",
        "MailboxStatus",
    ),
    (
        "* STATUS Archive (MESSAGES 0 UIDNEXT 1 HIGHESTMODSEQ 1)\r\n",
        "MailboxStatus",
    ),
    ("* LIST () \"/\" INBOX\r\n", "List"),
    (
        "* STATUS INBOX (MESSAGES 0 UIDNEXT 1 HIGHESTMODSEQ 1)\r\n",
        "MailboxStatus",
    ),
    (
        "A012 OK List completed (0.008 + 0.000 + 0.007 secs).\r\n",
        "Tagged",
    ),
    ("* LIST (\\Noselect) \"/\" \"\"\r\n", "List"),
    ("A013 OK List completed (0.001 + 0.000 secs).\r\n", "Tagged"),
    (
        "A014 OK [APPENDUID 1795688971 1] Append completed (0.002 + 0.000 + 0.001 secs).\r\n",
        "Tagged",
    ),
    ("+ OK\r\n", "Continuation"),
    (
        "A015 OK [APPENDUID 1795688971 2] Append completed (0.002 + 0.001 secs).\r\n",
        "Tagged",
    ),
    (
        "A016 OK [APPENDUID 1795688971 3:4] Append completed (0.002 + 0.000 + 0.001 secs).\r\n",
        "Tagged",
    ),
    (
        "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n",
        "Flags",
    ),
    (
        "* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft \\*)] Flags permitted.\r\n",
        "Status",
    ),
    ("* 4 EXISTS\r\n", "Exists"),
    ("* 4 RECENT\r\n", "Recent"),
    ("* OK [UNSEEN 2] First unseen.\r\n", "Status"),
    ("* OK [UIDVALIDITY 1795688971] UIDs valid\r\n", "Status"),
    ("* OK [UIDNEXT 5] Predicted next UID\r\n", "Status"),
    ("* OK [HIGHESTMODSEQ 4] Highest\r\n", "Status"),
    (
        "A017 OK [READ-WRITE] Select completed (0.001 + 0.000 secs).\r\n",
        "Tagged",
    ),
    (
        "A018 OK Fetch completed (0.001 + 0.000 secs).\r\n",
        "Tagged",
    ),
    (
        "A019 BAD Error in IMAP command FETCH: Unknown parameter: EMAILID (0.001 + 0.000 secs).\r\n",
        "Tagged",
    ),
    (
        "A020 OK Fetch completed (0.001 + 0.000 secs).\r\n",
        "Tagged",
    ),
    (
        "A021 OK Fetch completed (0.001 + 0.000 secs).\r\n",
        "Tagged",
    ),
    (
        "A022 OK Fetch completed (0.001 + 0.000 secs).\r\n",
        "Tagged",
    ),
    (
        "* ESEARCH (TAG \"A023\") UID MIN 1 MAX 4 ALL 1:4 COUNT 4\r\n",
        "Esearch",
    ),
    (
        "A023 OK Search completed (0.001 + 0.000 secs).\r\n",
        "Tagged",
    ),
    ("* SORT 1 2 3 4\r\n", "Sort"),
    ("A024 OK Sort completed (0.001 + 0.000 secs).\r\n", "Tagged"),
    ("* THREAD ((1)(2)(3)(4))\r\n", "Thread"),
    (
        "A025 OK Thread completed (0.001 + 0.000 secs).\r\n",
        "Tagged",
    ),
    (
        "* STATUS INBOX (MESSAGES 4 UIDNEXT 5 UIDVALIDITY 1795688971 UNSEEN 3 HIGHESTMODSEQ 4 SIZE 748)\r\n",
        "MailboxStatus",
    ),
    (
        "A026 OK [CLIENTBUG] Status on selected mailbox completed (0.001 + 0.000 secs).\r\n",
        "Tagged",
    ),
    ("+ idling\r\n", "Continuation"),
    (
        "A001 OK [CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE SORT SORT=DISPLAY THREAD=REFERENCES THREAD=REFS THREAD=ORDEREDSUBJECT MULTIAPPEND URL-PARTIAL CATENATE UNSELECT CHILDREN NAMESPACE UIDPLUS LIST-EXTENDED I18NLEVEL=1 CONDSTORE QRESYNC ESEARCH ESORT SEARCHRES WITHIN CONTEXT=SEARCH LIST-STATUS BINARY MOVE SNIPPET=FUZZY PREVIEW=FUZZY PREVIEW STATUS=SIZE SAVEDATE LITERAL+ NOTIFY METADATA SPECIAL-USE COMPRESS=DEFLATE QUOTA ACL RIGHTS=texk] Logged in\r\n",
        "Tagged",
    ),
    (
        "A002 OK [APPENDUID 1795688971 5] Append completed (0.002 + 0.000 + 0.001 secs).\r\n",
        "Tagged",
    ),
    (
        "A003 OK Logout completed (0.001 + 0.000 secs).\r\n",
        "Tagged",
    ),
    ("* 5 EXISTS\r\n", "Exists"),
    ("* 5 RECENT\r\n", "Recent"),
    ("* OK [HIGHESTMODSEQ 5] Highest\r\n", "Status"),
    (
        "A027 OK Idle completed (3.514 + 3.513 + 3.513 secs).\r\n",
        "Tagged",
    ),
    (
        "* METADATA \"\" (/shared/comment NIL /shared/admin NIL /private/vendor NIL)\r\n",
        "Metadata",
    ),
    (
        "A028 OK Getmetadata completed (0.001 + 0.000 secs).\r\n",
        "Tagged",
    ),
    (
        "A029 OK Setmetadata completed (0.001 + 0.000 secs).\r\n",
        "Tagged",
    ),
    (
        "* METADATA INBOX (/private/comment {13}\r\nprobe comment)\r\n",
        "Metadata",
    ),
    (
        "A030 OK Getmetadata completed (0.001 + 0.000 secs).\r\n",
        "Tagged",
    ),
    (
        "A031 OK Setmetadata completed (0.001 + 0.000 secs).\r\n",
        "Tagged",
    ),
    (
        "* METADATA \"\" (/private/vendor/probe/x {12}\r\nserver-level)\r\n",
        "Metadata",
    ),
    (
        "A032 OK Getmetadata completed (0.001 + 0.000 secs).\r\n",
        "Tagged",
    ),
    ("* QUOTAROOT INBOX \"User quota\"\r\n", "QuotaRoot"),
    ("* QUOTA \"User quota\" (STORAGE 1 102400)\r\n", "Quota"),
    (
        "A033 OK Getquotaroot completed (0.001 + 0.000 secs).\r\n",
        "Tagged",
    ),
    (
        "A034 OK Getquota completed (0.001 + 0.000 secs).\r\n",
        "Tagged",
    ),
    (
        "A035 NO Quota root doesn't exist (0.001 + 0.000 secs).\r\n",
        "Tagged",
    ),
    ("* MYRIGHTS INBOX lrwstipekxacd\r\n", "MyRights"),
    (
        "A036 OK Myrights completed (0.001 + 0.000 secs).\r\n",
        "Tagged",
    ),
    (
        "* ACL INBOX #admin akxeilprwtscd alice lrwstipekxacd\r\n",
        "Acl",
    ),
    (
        "A037 OK Getacl completed (0.001 + 0.000 secs).\r\n",
        "Tagged",
    ),
    (
        "A038 OK Setacl complete (0.002 + 0.000 + 0.001 secs).\r\n",
        "Tagged",
    ),
    (
        "* ACL INBOX bob lrs #admin akxeilprwtscd alice lrwstipekxacd\r\n",
        "Acl",
    ),
    (
        "A039 OK Getacl completed (0.001 + 0.000 secs).\r\n",
        "Tagged",
    ),
    (
        "* LISTRIGHTS INBOX bob \"\" l r w s t p i e k x a c d\r\n",
        "ListRights",
    ),
    (
        "A040 OK Listrights completed (0.001 + 0.000 secs).\r\n",
        "Tagged",
    ),
    (
        "A041 OK Create completed (0.001 + 0.000 secs).\r\n",
        "Tagged",
    ),
    ("* SEARCH 1 2 3 4 5\r\n", "Search"),
    (
        "A042 OK [HIGHESTMODSEQ 8] Search completed (0.001 + 0.000 secs).\r\n",
        "Tagged",
    ),
    ("* OK [COPYUID 1795688972 1 1] Moved UIDs.\r\n", "Status"),
    ("* VANISHED 1\r\n", "Vanished"),
    (
        "A043 OK [HIGHESTMODSEQ 9] Move completed (0.002 + 0.000 + 0.001 secs).\r\n",
        "Tagged",
    ),
    (
        "A044 OK [COPYUID 1795688972 5 2] Copy completed (0.001 + 0.000 secs).\r\n",
        "Tagged",
    ),
    (
        "* STATUS probe-dest-1795688966617 (MESSAGES 2)\r\n",
        "MailboxStatus",
    ),
    (
        "A045 OK Status completed (0.001 + 0.000 secs).\r\n",
        "Tagged",
    ),
    (
        "A046 OK Expunge completed (0.001 + 0.000 secs).\r\n",
        "Tagged",
    ),
    (
        "A047 OK Create completed (0.001 + 0.000 secs).\r\n",
        "Tagged",
    ),
    (
        "A048 OK NOTIFY completed (0.001 + 0.000 secs).\r\n",
        "Tagged",
    ),
    ("A049 OK NOOP completed (0.001 + 0.000 secs).\r\n", "Tagged"),
    (
        "A050 OK NOTIFY completed (0.001 + 0.000 secs).\r\n",
        "Tagged",
    ),
    (
        "A051 OK Unselect completed (0.001 + 0.000 secs).\r\n",
        "Tagged",
    ),
    ("* 0 RECENT\r\n", "Recent"),
    ("* OK [UNSEEN 1] First unseen.\r\n", "Status"),
    ("* OK [UIDNEXT 6] Predicted next UID\r\n", "Status"),
    ("* OK [HIGHESTMODSEQ 9] Highest\r\n", "Status"),
    (
        "A052 OK [READ-WRITE] Select completed (0.001 + 0.000 secs).\r\n",
        "Tagged",
    ),
    (
        "A053 OK Begin compression (0.001 + 0.000 secs).\r\n",
        "Tagged",
    ),
    ("A054 OK NOOP completed (0.001 + 0.000 secs).\r\n", "Tagged"),
    (
        "A055 OK Fetch completed (0.001 + 0.000 secs).\r\n",
        "Tagged",
    ),
    (
        "A056 OK Logout completed (0.001 + 0.000 secs).\r\n",
        "Tagged",
    ),
    ("+ \r\n", "Continuation"),
    (
        "A002 OK Logout completed (0.001 + 0.000 secs).\r\n",
        "Tagged",
    ),
    (
        "+ cj00V0c0MHN1LzFYZndqVlBSeE5RS2huaTReaGMiJlh3TU1jZDplQTJXMHhfXlxeISMqSSYpYU99VGZrTm5RRWtkMSI+Qz4+MFctMFpdZktaSktlUkwyJGFsLHM9MnlPaGRadi9IK1h0Um82alRjbnM3Zz09LGk9NDA5Ng==\r\n",
        "Continuation",
    ),
    (
        "+ dj1zeXhpUitnVTFYU3BpUHBjN2hQY3NydDlpV0dzK3pqSldQUGVBM3ZMY1M0PQ==\r\n",
        "Continuation",
    ),
    (
        "+ cj0yUWI5akxjSGthUkFDZVZ3MlBZblZWbDBlal9dJFcyWn5RQyVEcU5CKVsnXi1Rem8xOl1yYVZeVlJeV0BASC8tVkp4fDxsKC1ZVTw2NG4hRSZObiRGVEhHLHM9ZGFDd1dFRk9YLzN4bHRndE9FMGVSUT09LGk9NDA5Ng==\r\n",
        "Continuation",
    ),
    (
        "+ dj1rbU5qMkNNRDRNQlhUUW1LNEl6UlBvTElBazQ9\r\n",
        "Continuation",
    ),
    (
        "+ PDIzODMzMjc1MzcxNzM0NTUuMTc5NTY4ODk3MEB2bT4=\r\n",
        "Continuation",
    ),
    (
        "+ eyJzdGF0dXMiOiI0MDEiLCJzY2hlbWVzIjoiYmVhcmVyIiwic2NvcGUiOiJtYWlsIn0=\r\n",
        "Continuation",
    ),
    (
        "A001 NO [AUTHENTICATIONFAILED] Authentication failed.\r\n",
        "Tagged",
    ),
];
pub(super) const CYRUS: &[(&str, &str)] = &[
    (
        "* OK [CAPABILITY IMAP4rev1 LITERAL+ ID ENABLE STARTTLS AUTH=PLAIN AUTH=LOGIN AUTH=CRAM-MD5 AUTH=DIGEST-MD5 AUTH=SCRAM-SHA-1 AUTH=SCRAM-SHA-256 SASL-IR] localhost Cyrus IMAP 3.6.1-Debian-3.6.1-4+deb12u5 server ready\r\n",
        "Status",
    ),
    (
        "* CAPABILITY IMAP4rev1 LITERAL+ ID ENABLE ACL ANNOTATE-EXPERIMENT-1 BINARY CATENATE CHILDREN CONDSTORE CREATE-SPECIAL-USE ESEARCH ESORT LIST-EXTENDED LIST-MYRIGHTS LIST-STATUS MAILBOX-REFERRALS METADATA MOVE MULTIAPPEND NAMESPACE OBJECTID PREVIEW QRESYNC QUOTA RIGHTS=kxten SAVEDATE SEARCH=FUZZY SORT SORT=DISPLAY SPECIAL-USE STATUS=SIZE THREAD=ORDEREDSUBJECT THREAD=REFERENCES UIDPLUS UNSELECT URLAUTH URLAUTH=BINARY WITHIN DIGEST=SHA1 LIST-METADATA NO_ATOMIC_RENAME SCAN SORT=MODSEQ SORT=UID THREAD=REFS X-CREATEDMODSEQ X-REPLICATION X-SIEVE-MAILBOX XLIST XMOVE STARTTLS AUTH=PLAIN AUTH=LOGIN AUTH=CRAM-MD5 AUTH=DIGEST-MD5 AUTH=SCRAM-SHA-1 AUTH=SCRAM-SHA-256 SASL-IR XCONVERSATIONS COMPRESS=DEFLATE X-QUOTA=STORAGE X-QUOTA=MESSAGE X-QUOTA=X-ANNOTATION-STORAGE X-QUOTA=X-NUM-FOLDERS IDLE APPENDLIMIT=4294967295\r\n",
        "Capability",
    ),
    ("A001 OK Completed\r\n", "Tagged"),
    ("A002 OK Begin TLS negotiation now\r\n", "Tagged"),
    (
        "* CAPABILITY IMAP4rev1 LITERAL+ ID ENABLE ACL ANNOTATE-EXPERIMENT-1 BINARY CATENATE CHILDREN CONDSTORE CREATE-SPECIAL-USE ESEARCH ESORT LIST-EXTENDED LIST-MYRIGHTS LIST-STATUS MAILBOX-REFERRALS METADATA MOVE MULTIAPPEND NAMESPACE OBJECTID PREVIEW QRESYNC QUOTA RIGHTS=kxten SAVEDATE SEARCH=FUZZY SORT SORT=DISPLAY SPECIAL-USE STATUS=SIZE THREAD=ORDEREDSUBJECT THREAD=REFERENCES UIDPLUS UNSELECT URLAUTH URLAUTH=BINARY WITHIN DIGEST=SHA1 LIST-METADATA NO_ATOMIC_RENAME SCAN SORT=MODSEQ SORT=UID THREAD=REFS X-CREATEDMODSEQ X-REPLICATION X-SIEVE-MAILBOX XLIST XMOVE AUTH=PLAIN AUTH=LOGIN AUTH=CRAM-MD5 AUTH=DIGEST-MD5 AUTH=SCRAM-SHA-1-PLUS AUTH=SCRAM-SHA-1 AUTH=SCRAM-SHA-256-PLUS AUTH=SCRAM-SHA-256 SASL-IR XCONVERSATIONS COMPRESS=DEFLATE X-QUOTA=STORAGE X-QUOTA=MESSAGE X-QUOTA=X-ANNOTATION-STORAGE X-QUOTA=X-NUM-FOLDERS IDLE APPENDLIMIT=4294967295\r\n",
        "Capability",
    ),
    ("A003 OK Completed\r\n", "Tagged"),
    (
        "A004 OK [CAPABILITY IMAP4rev1 LITERAL+ ID ENABLE ACL ANNOTATE-EXPERIMENT-1 BINARY CATENATE CHILDREN CONDSTORE CREATE-SPECIAL-USE ESEARCH ESORT LIST-EXTENDED LIST-MYRIGHTS LIST-STATUS MAILBOX-REFERRALS METADATA MOVE MULTIAPPEND NAMESPACE OBJECTID PREVIEW QRESYNC QUOTA RIGHTS=kxten SAVEDATE SEARCH=FUZZY SORT SORT=DISPLAY SPECIAL-USE STATUS=SIZE THREAD=ORDEREDSUBJECT THREAD=REFERENCES UIDPLUS UNSELECT URLAUTH URLAUTH=BINARY WITHIN DIGEST=SHA1 LIST-METADATA NO_ATOMIC_RENAME SCAN SORT=MODSEQ SORT=UID THREAD=REFS X-CREATEDMODSEQ X-REPLICATION X-SIEVE-MAILBOX XLIST XMOVE LOGINDISABLED AUTH=PLAIN AUTH=LOGIN AUTH=CRAM-MD5 AUTH=DIGEST-MD5 AUTH=SCRAM-SHA-1-PLUS AUTH=SCRAM-SHA-1 AUTH=SCRAM-SHA-256-PLUS AUTH=SCRAM-SHA-256 XCONVERSATIONS COMPRESS=DEFLATE X-QUOTA=STORAGE X-QUOTA=MESSAGE X-QUOTA=X-ANNOTATION-STORAGE X-QUOTA=X-NUM-FOLDERS IDLE APPENDLIMIT=4294967295] User logged in SESSIONID=<cyrus-test-14310-1795689062-17748-2-17409188217202417141>\r\n",
        "Tagged",
    ),
    (
        "* CAPABILITY IMAP4rev1 LITERAL+ ID ENABLE ACL ANNOTATE-EXPERIMENT-1 BINARY CATENATE CHILDREN CONDSTORE CREATE-SPECIAL-USE ESEARCH ESORT LIST-EXTENDED LIST-MYRIGHTS LIST-STATUS MAILBOX-REFERRALS METADATA MOVE MULTIAPPEND NAMESPACE OBJECTID PREVIEW QRESYNC QUOTA RIGHTS=kxten SAVEDATE SEARCH=FUZZY SORT SORT=DISPLAY SPECIAL-USE STATUS=SIZE THREAD=ORDEREDSUBJECT THREAD=REFERENCES UIDPLUS UNSELECT URLAUTH URLAUTH=BINARY WITHIN DIGEST=SHA1 LIST-METADATA NO_ATOMIC_RENAME SCAN SORT=MODSEQ SORT=UID THREAD=REFS X-CREATEDMODSEQ X-REPLICATION X-SIEVE-MAILBOX XLIST XMOVE LOGINDISABLED AUTH=PLAIN AUTH=LOGIN AUTH=CRAM-MD5 AUTH=DIGEST-MD5 AUTH=SCRAM-SHA-1-PLUS AUTH=SCRAM-SHA-1 AUTH=SCRAM-SHA-256-PLUS AUTH=SCRAM-SHA-256 XCONVERSATIONS COMPRESS=DEFLATE X-QUOTA=STORAGE X-QUOTA=MESSAGE X-QUOTA=X-ANNOTATION-STORAGE X-QUOTA=X-NUM-FOLDERS IDLE APPENDLIMIT=4294967295\r\n",
        "Capability",
    ),
    ("A005 OK Completed\r\n", "Tagged"),
    (
        "* OK [CAPABILITY IMAP4rev1 LITERAL+ ID ENABLE AUTH=PLAIN AUTH=LOGIN AUTH=CRAM-MD5 AUTH=DIGEST-MD5 AUTH=SCRAM-SHA-1-PLUS AUTH=SCRAM-SHA-1 AUTH=SCRAM-SHA-256-PLUS AUTH=SCRAM-SHA-256 SASL-IR] localhost Cyrus IMAP 3.6.1-Debian-3.6.1-4+deb12u5 server ready\r\n",
        "Status",
    ),
    ("* BYE LOGOUT received\r\n", "Status"),
    ("A002 OK Completed\r\n", "Tagged"),
    (
        "* ID (\"name\" \"Cyrus IMAPD\" \"version\" \"3.6.1-Debian-3.6.1-4+deb12u5\" \"vendor\" \"Project Cyrus\" \"support-url\" \"https://www.cyrusimap.org\" \"os\" \"Linux\" \"os-version\" \"6.18.44-fc-v657\" \"environment\" \"Built w/Cyrus SASL 2.1.28; Running w/Cyrus SASL 2.1.28; Built w/OpenSSL 3.0.20 7 Apr 2026; Running w/OpenSSL 3.0.19 27 Jan 2026; Built w/zlib 1.2.13; Running w/zlib 1.2.13; CMU Sieve 3.0; TCP Wrappers; mmap = shared; lock = fcntl; nonblock = fcntl; idle = idled\")\r\n",
        "Id",
    ),
    ("A006 OK Completed\r\n", "Tagged"),
    ("* ENABLED CONDSTORE QRESYNC\r\n", "Enabled"),
    ("A007 OK Completed\r\n", "Tagged"),
    ("A008 OK Completed\r\n", "Tagged"),
    (
        "* NAMESPACE ((\"\" \"/\")) ((\"Other Users/\" \"/\")) ((\"Shared Folders/\" \"/\"))\r\n",
        "Namespace",
    ),
    ("A009 OK Completed\r\n", "Tagged"),
    ("* LIST (\\HasNoChildren) \"/\" INBOX\r\n", "List"),
    (
        "* LIST (\\HasNoChildren \\archive) \"/\" Archive\r\n",
        "List",
    ),
    ("* LIST (\\HasNoChildren \\drafts) \"/\" Drafts\r\n", "List"),
    ("* LIST (\\HasNoChildren \\junk) \"/\" Junk\r\n", "List"),
    ("* LIST (\\HasNoChildren \\sent) \"/\" Sent\r\n", "List"),
    ("* LIST (\\HasNoChildren \\trash) \"/\" Trash\r\n", "List"),
    ("A010 OK Completed (0.000 secs 6 calls)\r\n", "Tagged"),
    ("A011 OK Completed (0.000 secs 6 calls)\r\n", "Tagged"),
    (
        "* STATUS INBOX (MESSAGES 0 UIDNEXT 1 HIGHESTMODSEQ 1)\r\n",
        "MailboxStatus",
    ),
    (
        "* STATUS Archive (MESSAGES 0 UIDNEXT 1 HIGHESTMODSEQ 22)\r\n",
        "MailboxStatus",
    ),
    (
        "* STATUS Drafts (MESSAGES 0 UIDNEXT 1 HIGHESTMODSEQ 6)\r\n",
        "MailboxStatus",
    ),
    (
        "* STATUS Junk (MESSAGES 0 UIDNEXT 1 HIGHESTMODSEQ 18)\r\n",
        "MailboxStatus",
    ),
    (
        "* STATUS Sent (MESSAGES 0 UIDNEXT 1 HIGHESTMODSEQ 10)\r\n",
        "MailboxStatus",
    ),
    (
        "* STATUS Trash (MESSAGES 0 UIDNEXT 1 HIGHESTMODSEQ 14)\r\n",
        "MailboxStatus",
    ),
    ("A012 OK Completed (0.001 secs 6 calls)\r\n", "Tagged"),
    ("* LIST (\\Noselect) \"/\" \"\"\r\n", "List"),
    ("A013 OK Completed (0.000 secs)\r\n", "Tagged"),
    ("A014 OK [APPENDUID 1795689063 1] Completed\r\n", "Tagged"),
    ("+ go ahead\r\n", "Continuation"),
    ("A015 OK [APPENDUID 1795689063 2] Completed\r\n", "Tagged"),
    ("A016 OK [APPENDUID 1795689063 3:4] Completed\r\n", "Tagged"),
    ("* 4 EXISTS\r\n", "Exists"),
    ("* 4 RECENT\r\n", "Recent"),
    (
        "* FLAGS (\\Answered \\Flagged \\Draft \\Deleted \\Seen)\r\n",
        "Flags",
    ),
    (
        "* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Draft \\Deleted \\Seen \\*)] Ok\r\n",
        "Status",
    ),
    ("* OK [UNSEEN 2] Ok\r\n", "Status"),
    ("* OK [UIDVALIDITY 1795689063] Ok\r\n", "Status"),
    ("* OK [UIDNEXT 5] Ok\r\n", "Status"),
    ("* OK [HIGHESTMODSEQ 27] Ok\r\n", "Status"),
    (
        "* OK [MAILBOXID (ukb8aipfgdmcbo2d0hanznnh)] Ok\r\n",
        "Status",
    ),
    ("* OK [URLMECH INTERNAL] Ok\r\n", "Status"),
    ("* OK [ANNOTATIONS 65536] Ok\r\n", "Status"),
    ("A017 OK [READ-WRITE] Completed\r\n", "Tagged"),
    ("A018 OK Completed (0.000 sec)\r\n", "Tagged"),
    ("A019 OK Completed (0.000 sec)\r\n", "Tagged"),
    ("A020 OK Completed (0.000 sec)\r\n", "Tagged"),
    ("A021 OK Completed (0.000 sec)\r\n", "Tagged"),
    ("A022 OK Completed (0.000 sec)\r\n", "Tagged"),
    (
        "* ESEARCH (TAG \"A023\") UID COUNT 4 MIN 1 MAX 4 ALL 1:4\r\n",
        "Esearch",
    ),
    ("A023 OK Completed (4 msgs in 0.000 secs)\r\n", "Tagged"),
    ("* SORT 1 2 3 4\r\n", "Sort"),
    ("A024 OK Completed (4 msgs in 0.000 secs)\r\n", "Tagged"),
    ("* THREAD ((1)(2)(3)(4))\r\n", "Thread"),
    ("A025 OK Completed (4 msgs in 0.000 secs)\r\n", "Tagged"),
    (
        "* STATUS INBOX (MESSAGES 4 UIDNEXT 5 UIDVALIDITY 1795689063 UNSEEN 3 SIZE 748 HIGHESTMODSEQ 27)\r\n",
        "MailboxStatus",
    ),
    ("A026 OK Completed\r\n", "Tagged"),
    ("+ idling\r\n", "Continuation"),
    (
        "A001 OK [CAPABILITY IMAP4rev1 LITERAL+ ID ENABLE ACL ANNOTATE-EXPERIMENT-1 BINARY CATENATE CHILDREN CONDSTORE CREATE-SPECIAL-USE ESEARCH ESORT LIST-EXTENDED LIST-MYRIGHTS LIST-STATUS MAILBOX-REFERRALS METADATA MOVE MULTIAPPEND NAMESPACE OBJECTID PREVIEW QRESYNC QUOTA RIGHTS=kxten SAVEDATE SEARCH=FUZZY SORT SORT=DISPLAY SPECIAL-USE STATUS=SIZE THREAD=ORDEREDSUBJECT THREAD=REFERENCES UIDPLUS UNSELECT URLAUTH URLAUTH=BINARY WITHIN DIGEST=SHA1 LIST-METADATA NO_ATOMIC_RENAME SCAN SORT=MODSEQ SORT=UID THREAD=REFS X-CREATEDMODSEQ X-REPLICATION X-SIEVE-MAILBOX XLIST XMOVE LOGINDISABLED XCONVERSATIONS COMPRESS=DEFLATE X-QUOTA=STORAGE X-QUOTA=MESSAGE X-QUOTA=X-ANNOTATION-STORAGE X-QUOTA=X-NUM-FOLDERS IDLE APPENDLIMIT=4294967295] User logged in SESSIONID=<cyrus-test-14310-1795689063-17757-1-3558688928813879337>\r\n",
        "Tagged",
    ),
    ("A002 OK [APPENDUID 1795689063 5] Completed\r\n", "Tagged"),
    ("* 5 EXISTS\r\n", "Exists"),
    ("* 5 RECENT\r\n", "Recent"),
    ("A027 OK Completed\r\n", "Tagged"),
    (
        "* METADATA \"\" (\"/private/vendor\" NIL \"/shared/vendor\" NIL \"/private/admin\" NIL \"/shared/admin\" NIL \"/private/comment\" NIL \"/shared/comment\" NIL)\r\n",
        "Metadata",
    ),
    ("A028 OK Completed\r\n", "Tagged"),
    ("A029 OK Completed\r\n", "Tagged"),
    (
        "* METADATA INBOX (\"/private/comment\" \"probe comment\" \"/private/vendor/cmu/cyrus-imapd/squat\" NIL \"/private/vendor/cmu/cyrus-imapd/sortorder\" NIL \"/private/vendor/cmu/cyrus-imapd/sieve\" NIL \"/private/vendor/cmu/cyrus-imapd/search-fuzzy-always\" NIL \"/private/vendor/cmu/cyrus-imapd/news2mail\" NIL \"/private/vendor/cmu/cyrus-imapd/expire\" NIL \"/private/vendor/cmu/cyrus-imapd/delete\" NIL \"/private/vendor/cmu/cyrus-imapd/archive\" NIL \"/private/thread\" NIL \"/private/specialuse\" NIL \"/private/sort\" NIL \"/private/checkperiod\" NIL \"/private/check\" NIL \"/private\" NIL)\r\n",
        "Metadata",
    ),
    ("A030 OK Completed\r\n", "Tagged"),
    ("A031 NO Permission denied\r\n", "Tagged"),
    (
        "* METADATA \"\" (\"/private/vendor/probe/x\" NIL)\r\n",
        "Metadata",
    ),
    ("A032 OK Completed\r\n", "Tagged"),
    ("* QUOTAROOT INBOX INBOX\r\n", "QuotaRoot"),
    ("* QUOTA INBOX (STORAGE 0 102400)\r\n", "Quota"),
    ("A033 OK Completed\r\n", "Tagged"),
    ("A034 NO Permission denied\r\n", "Tagged"),
    ("A035 NO Permission denied\r\n", "Tagged"),
    ("* MYRIGHTS INBOX lrswipkxtecdan\r\n", "MyRights"),
    ("A036 OK Completed\r\n", "Tagged"),
    ("* ACL INBOX alice lrswipkxtecdan\r\n", "Acl"),
    ("A037 OK Completed\r\n", "Tagged"),
    ("A038 OK Completed\r\n", "Tagged"),
    ("* ACL INBOX alice lrswipkxtecdan bob lrs\r\n", "Acl"),
    ("A039 OK Completed\r\n", "Tagged"),
    (
        "* LISTRIGHTS INBOX bob p l r s w i k x t e c d a n 0 1 2 3 4 5 6 7 8 9\r\n",
        "ListRights",
    ),
    ("A040 OK Completed\r\n", "Tagged"),
    (
        "A041 OK [MAILBOXID (l3q0n2mu22uvgwl4dku8ep7j)] Completed\r\n",
        "Tagged",
    ),
    ("* SEARCH 1 2 3 4 5\r\n", "Search"),
    ("A042 OK Completed (5 msgs in 0.000 secs)\r\n", "Tagged"),
    ("* OK [COPYUID 1795689069 1 1] Completed\r\n", "Status"),
    ("* VANISHED 1\r\n", "Vanished"),
    ("A043 OK Completed\r\n", "Tagged"),
    ("A044 OK [COPYUID 1795689069 5 2] Completed\r\n", "Tagged"),
    (
        "* STATUS probe-dest-1795689063298 (MESSAGES 2)\r\n",
        "MailboxStatus",
    ),
    ("A045 OK Completed\r\n", "Tagged"),
    ("A046 OK Completed\r\n", "Tagged"),
    (
        "A047 OK [MAILBOXID (m2i4h26nnuuat0jn05cmvv8b)] Completed\r\n",
        "Tagged",
    ),
    ("A048 BAD Unrecognized command\r\n", "Tagged"),
    ("A049 OK Completed\r\n", "Tagged"),
    ("A050 BAD Unrecognized command\r\n", "Tagged"),
    ("A051 OK Completed\r\n", "Tagged"),
    ("* 0 RECENT\r\n", "Recent"),
    ("* OK [UNSEEN 1] Ok\r\n", "Status"),
    ("* OK [UIDNEXT 6] Ok\r\n", "Status"),
    ("* OK [HIGHESTMODSEQ 35] Ok\r\n", "Status"),
    ("A052 OK [READ-WRITE] Completed\r\n", "Tagged"),
    ("A053 OK DEFLATE active\r\n", "Tagged"),
    ("A054 OK Completed\r\n", "Tagged"),
    ("A055 OK Completed (0.000 sec)\r\n", "Tagged"),
    ("A056 OK Completed\r\n", "Tagged"),
    ("+ \r\n", "Continuation"),
    (
        "A001 OK [CAPABILITY IMAP4rev1 LITERAL+ ID ENABLE ACL ANNOTATE-EXPERIMENT-1 BINARY CATENATE CHILDREN CONDSTORE CREATE-SPECIAL-USE ESEARCH ESORT LIST-EXTENDED LIST-MYRIGHTS LIST-STATUS MAILBOX-REFERRALS METADATA MOVE MULTIAPPEND NAMESPACE OBJECTID PREVIEW QRESYNC QUOTA RIGHTS=kxten SAVEDATE SEARCH=FUZZY SORT SORT=DISPLAY SPECIAL-USE STATUS=SIZE THREAD=ORDEREDSUBJECT THREAD=REFERENCES UIDPLUS UNSELECT URLAUTH URLAUTH=BINARY WITHIN DIGEST=SHA1 LIST-METADATA NO_ATOMIC_RENAME SCAN SORT=MODSEQ SORT=UID THREAD=REFS X-CREATEDMODSEQ X-REPLICATION X-SIEVE-MAILBOX XLIST XMOVE LOGINDISABLED XCONVERSATIONS COMPRESS=DEFLATE X-QUOTA=STORAGE X-QUOTA=MESSAGE X-QUOTA=X-ANNOTATION-STORAGE X-QUOTA=X-NUM-FOLDERS IDLE APPENDLIMIT=4294967295] Success (no protection) SESSIONID=<cyrus-test-14310-1795689066-17826-1-14180621569140547230>\r\n",
        "Tagged",
    ),
    (
        "+ cj16bjQ3OWhyVitHbjVSSkRVZDJjbHE2dkJncWRSSjdYUVlxTlNzcjZmVFA1cEROOGxpVWhzNHlFSSxzPXBvb3FqVm9oM1U5bUpyalJDclBROTJUWFVSRG5CRTJ0dVhvS0V6N1RwN2s9LGk9NDA5Ng==\r\n",
        "Continuation",
    ),
    (
        "+ dj1Qbzh5d2VtaEV0QWtoc21jS1c1djdrL1BFK2l0Z3Q0cDJMMW9KczZGUjdrPQ==\r\n",
        "Continuation",
    ),
    (
        "A001 OK [CAPABILITY IMAP4rev1 LITERAL+ ID ENABLE ACL ANNOTATE-EXPERIMENT-1 BINARY CATENATE CHILDREN CONDSTORE CREATE-SPECIAL-USE ESEARCH ESORT LIST-EXTENDED LIST-MYRIGHTS LIST-STATUS MAILBOX-REFERRALS METADATA MOVE MULTIAPPEND NAMESPACE OBJECTID PREVIEW QRESYNC QUOTA RIGHTS=kxten SAVEDATE SEARCH=FUZZY SORT SORT=DISPLAY SPECIAL-USE STATUS=SIZE THREAD=ORDEREDSUBJECT THREAD=REFERENCES UIDPLUS UNSELECT URLAUTH URLAUTH=BINARY WITHIN DIGEST=SHA1 LIST-METADATA NO_ATOMIC_RENAME SCAN SORT=MODSEQ SORT=UID THREAD=REFS X-CREATEDMODSEQ X-REPLICATION X-SIEVE-MAILBOX XLIST XMOVE LOGINDISABLED XCONVERSATIONS COMPRESS=DEFLATE X-QUOTA=STORAGE X-QUOTA=MESSAGE X-QUOTA=X-ANNOTATION-STORAGE X-QUOTA=X-NUM-FOLDERS IDLE APPENDLIMIT=4294967295] Success (no protection) SESSIONID=<cyrus-test-14310-1795689066-17757-1-4348030938172252959>\r\n",
        "Tagged",
    ),
    (
        "+ cj0zY3ZOODNZOG5JZ2ZJWU5EU3ltRXJSNUtvUGFPMytpYW1STitGcXBLUWNCVnRXUzhwc2lreko3TixzPXhBdXViRjUranE1ZmY5SVo3Y2RPb25rL3ZwYz0saT00MDk2\r\n",
        "Continuation",
    ),
    (
        "+ dj1QS2gvckxOU1N1OUV5WWlsNWxaNlE5UHNmNDQ9\r\n",
        "Continuation",
    ),
    (
        "A001 OK [CAPABILITY IMAP4rev1 LITERAL+ ID ENABLE ACL ANNOTATE-EXPERIMENT-1 BINARY CATENATE CHILDREN CONDSTORE CREATE-SPECIAL-USE ESEARCH ESORT LIST-EXTENDED LIST-MYRIGHTS LIST-STATUS MAILBOX-REFERRALS METADATA MOVE MULTIAPPEND NAMESPACE OBJECTID PREVIEW QRESYNC QUOTA RIGHTS=kxten SAVEDATE SEARCH=FUZZY SORT SORT=DISPLAY SPECIAL-USE STATUS=SIZE THREAD=ORDEREDSUBJECT THREAD=REFERENCES UIDPLUS UNSELECT URLAUTH URLAUTH=BINARY WITHIN DIGEST=SHA1 LIST-METADATA NO_ATOMIC_RENAME SCAN SORT=MODSEQ SORT=UID THREAD=REFS X-CREATEDMODSEQ X-REPLICATION X-SIEVE-MAILBOX XLIST XMOVE LOGINDISABLED XCONVERSATIONS COMPRESS=DEFLATE X-QUOTA=STORAGE X-QUOTA=MESSAGE X-QUOTA=X-ANNOTATION-STORAGE X-QUOTA=X-NUM-FOLDERS IDLE APPENDLIMIT=4294967295] Success (no protection) SESSIONID=<cyrus-test-14310-1795689066-17748-1-9094765661456863916>\r\n",
        "Tagged",
    ),
    (
        "+ PDE5Mzk5NTkwNTAuNTI3MDYxQGxvY2FsaG9zdD4=\r\n",
        "Continuation",
    ),
    (
        "A001 OK [CAPABILITY IMAP4rev1 LITERAL+ ID ENABLE ACL ANNOTATE-EXPERIMENT-1 BINARY CATENATE CHILDREN CONDSTORE CREATE-SPECIAL-USE ESEARCH ESORT LIST-EXTENDED LIST-MYRIGHTS LIST-STATUS MAILBOX-REFERRALS METADATA MOVE MULTIAPPEND NAMESPACE OBJECTID PREVIEW QRESYNC QUOTA RIGHTS=kxten SAVEDATE SEARCH=FUZZY SORT SORT=DISPLAY SPECIAL-USE STATUS=SIZE THREAD=ORDEREDSUBJECT THREAD=REFERENCES UIDPLUS UNSELECT URLAUTH URLAUTH=BINARY WITHIN DIGEST=SHA1 LIST-METADATA NO_ATOMIC_RENAME SCAN SORT=MODSEQ SORT=UID THREAD=REFS X-CREATEDMODSEQ X-REPLICATION X-SIEVE-MAILBOX XLIST XMOVE LOGINDISABLED XCONVERSATIONS COMPRESS=DEFLATE X-QUOTA=STORAGE X-QUOTA=MESSAGE X-QUOTA=X-ANNOTATION-STORAGE X-QUOTA=X-NUM-FOLDERS IDLE APPENDLIMIT=4294967295] Success (no protection) SESSIONID=<cyrus-test-14310-1795689066-17826-2-5687820575803513435>\r\n",
        "Tagged",
    ),
];
