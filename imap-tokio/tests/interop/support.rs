//! What the cases share: the outcome type, assertions, fixtures.

use std::sync::atomic::{AtomicU32, Ordering};

use imap_tokio::ImapConnection;
use imap_tokio::types::{FetchResponse, Section, SequenceSet};

use crate::kit::T;

/// Why a case did not pass.
#[derive(Debug)]
pub enum Fail {
    /// The server lacks what the case needs (reported, not a failure).
    Skip(String),
    /// A real failure.
    Fail(String),
}

impl<E: std::error::Error> From<E> for Fail {
    #[track_caller]
    fn from(e: E) -> Self {
        let at = std::panic::Location::caller();
        Fail::Fail(format!("{}:{}: {e:?}", at.file(), at.line()))
    }
}

/// A case's outcome.
pub type TestResult = Result<(), Fail>;

/// Fails the case with a message when the condition is false.
#[macro_export]
macro_rules! ensure {
    ($cond:expr) => {
        $crate::ensure!($cond, "{}", stringify!($cond))
    };
    ($cond:expr, $($fmt:tt)+) => {
        if !$cond {
            return Err($crate::support::Fail::Fail(format!(
                "{}:{}: {}", file!(), line!(), format!($($fmt)+)
            )));
        }
    };
}

/// Fails the case unless `result` is the error `pattern`.
#[macro_export]
macro_rules! ensure_err {
    ($result:expr, $pattern:pat) => {{
        let result = $result;
        $crate::ensure!(
            matches!(result, Err($pattern)),
            "expected {}, got {:?}",
            stringify!($pattern),
            result
        );
    }};
}

/// A mailbox name no other case uses.
pub fn unique(prefix: &str) -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    format!(
        "{prefix}-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

/// An RFC 5322 message with CRLF line ends.
pub fn message(subject: &str, body: &str) -> Vec<u8> {
    format!(
        "From: Alice <alice@example.org>\r\nTo: Bob <bob@example.org>\r\nSubject: {subject}\r\n\
         Date: Mon, 2 Mar 2026 10:00:00 +0000\r\nMessage-ID: <{}@example.org>\r\n\
         MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n",
        unique("id")
    )
    .into_bytes()
}

/// A message of about `size` bytes of body text (lines of 76 characters).
pub fn large_message(subject: &str, size: usize) -> Vec<u8> {
    let mut body = String::with_capacity(size + 80);
    let mut n = 0u64;
    while body.len() < size {
        body.push_str(&format!(
            "{n:08} the quick brown fox jumps over the lazy dog 0123456789abcdefg\r\n"
        ));
        n += 1;
    }
    message(subject, &body)
}

/// `1:*`
pub fn all() -> SequenceSet {
    SequenceSet::all()
}

/// The UIDs of FETCH responses, in order.
pub fn uids(found: &[FetchResponse]) -> Vec<u32> {
    found.iter().filter_map(FetchResponse::uid).collect()
}

/// The whole-message body (`BODY[]`) of a FETCH response.
pub fn body(found: &FetchResponse) -> Option<&[u8]> {
    found.section(&Section::default()).map(|b| &b[..])
}

/// Creates `name` and appends `count` small messages; returns their UIDs.
pub async fn mailbox_with(
    imap: &ImapConnection,
    name: &str,
    count: usize,
) -> Result<Vec<u32>, Fail> {
    imap.create(name, T).await?;
    let mut uids = Vec::new();
    for i in 0..count {
        let appended = imap
            .append(
                name,
                &[],
                None,
                &message(&format!("message {i}"), "hello"),
                T,
            )
            .await?;
        if let Some((_, uid)) = appended {
            uids.push(uid);
        }
    }
    Ok(uids)
}

/// Skips the case unless the server advertises `capability`.
pub fn require(imap: &ImapConnection, capability: &str) -> Result<(), Fail> {
    if imap.capabilities().iter().any(|c| c.is(capability)) {
        Ok(())
    } else {
        Err(Fail::Skip(format!(
            "the server does not advertise {capability}"
        )))
    }
}
