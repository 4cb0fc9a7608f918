//! What the cases share: the outcome type, assertions, fixtures.

use std::sync::atomic::{AtomicU32, Ordering};

use std::time::{Duration, Instant};

use crate::adapter::types::{FetchResponse, IdleEvent, Section, SequenceSet};
use crate::adapter::{CancellationToken, Error, ImapConnection, TlsMode, sleep, spawn};

use super::kit::{Server, T};

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

/// A panic payload as text (a failed `assert!` in a scripted server or a spawned task).
pub fn panic_text(panic: Box<dyn std::any::Any + Send>) -> String {
    panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default()
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
            return Err($crate::conformance::support::Fail::Fail(format!(
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

flavored! {
    /// Creates `name` and appends `count` small messages; returns their UIDs.
    pub async fn mailbox_with(
        imap: &ImapConnection,
        name: &str,
        count: usize,
    ) -> Result<Vec<u32>, Fail> {
        aw!(imap.create(name, T))?;
        let mut uids = Vec::new();
        for i in 0..count {
            let appended = aw!(imap
                .append(
                    name,
                    &[],
                    None,
                    &message(&format!("message {i}"), "hello"),
                    T,
                ))?;
            if let Some((_, uid)) = appended {
                uids.push(uid);
            }
        }
        Ok(uids)
}
}

flavored! {
    /// An IDLE that another task cancels after 300 ms: fails unless it ends `Cancelled`
    /// within 5 s.
    pub async fn idle_cancelled_from_elsewhere(imap: &ImapConnection) -> TestResult {
        let cancel = CancellationToken::new();
        let trigger = cancel.clone();
        spawn(async move {
            aw!(sleep(Duration::from_millis(300)));
            trigger.cancel();
        });
        let started = Instant::now();
        let cancelled = aw!(imap.idle(Duration::from_secs(30), cancel))?;
        crate::ensure!(cancelled == IdleEvent::Cancelled, "{cancelled:?}");
        crate::ensure!(started.elapsed() < Duration::from_secs(5));
        Ok(())
}
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

/// Connections to a test server, through the adapter under test.
impl Server {
    flavored! {
        /// A connection over STARTTLS (the secure default), not yet logged in.
        pub async fn connect(&self) -> Result<ImapConnection, Error> {
            aw!(ImapConnection::connect_with_tls_config(
                &self.host(),
                self.port(),
                TlsMode::StartTls,
                self.tls(),
                T,
            ))
    }
    }

    flavored! {
        /// A connection logged in as `user` (LOGIN over STARTTLS).
        pub async fn login(&self, user: &str) -> Result<ImapConnection, Error> {
            let imap = aw!(self.connect())?;
            aw!(imap.login(user, &self.password(user), T))?;
            Ok(imap)
    }
    }
}
