//! The shared conformance suite (tests/conformance) run on imap-blocking: scripted-server
//! cases, then every interop case against Dovecot and Cyrus, directly and through the
//! fault-injection proxy. `cargo test -p imap-blocking --test conformance [-- FILTER]`.
//!
//! The suite's case bodies are `async fn`s; here every call inside them blocks, so they
//! never yield, and `run_case` drives each on a thread of its own. Concurrency in a case
//! (`spawn`, `join2`) is real threads.

/// An adapter call or suite helper: this adapter blocks, there is nothing to await.
macro_rules! aw {
    ($call:expr) => {
        $call
    };
}

/// A suite helper, written `async fn` in the suite, becomes a plain `fn` here.
macro_rules! flavored {
    ($(#[$meta:meta])* $vis:vis async fn $($rest:tt)*) => {
        $(#[$meta])* $vis fn $($rest)*
    };
}

/// What the suite needs from the runtime, for plain threads.
mod adapter {
    use std::future::Future;
    use std::sync::mpsc;
    use std::time::Duration;

    use imap_blocking::types::FetchResponse;
    pub use imap_blocking::*;

    use crate::conformance::CaseFuture;
    use crate::conformance::support::{Fail, TestResult, panic_text};

    /// The adapter's name in reports and temp paths.
    pub const NAME: &str = "blocking";
    /// Where this binary's test servers look for free ports.
    pub const PORT_BASE: u16 = 12630;

    /// Runs one case on a thread of its own; a case still running after `timeout` fails
    /// (its thread is left behind).
    pub fn run_case(case: CaseFuture, timeout: Duration) -> TestResult {
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                futures_lite::future::block_on(case)
            }));
            let _ = tx.send(result);
        });
        match rx.recv_timeout(timeout) {
            Err(_) => Err(Fail::Fail(format!("timed out after {timeout:?}"))),
            Ok(Err(panic)) => Err(Fail::Fail(format!("panicked: {}", panic_text(panic)))),
            Ok(Ok(result)) => result,
        }
    }

    /// A thread running concurrently with the case (dropping it detaches it).
    pub struct Task<T>(std::thread::JoinHandle<T>);

    impl<T> Task<T> {
        /// Its result, or why it panicked.
        pub fn join(self) -> Result<T, String> {
            self.0.join().map_err(panic_text)
        }
    }

    /// Runs `future` (whose calls block) to completion on a new thread.
    pub fn spawn<F>(future: F) -> Task<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        Task(std::thread::spawn(move || {
            futures_lite::future::block_on(future)
        }))
    }

    pub fn sleep(duration: Duration) {
        std::thread::sleep(duration)
    }

    /// Runs both to completion, concurrently: `a` on a scoped thread, `b` here.
    pub fn join2<A, B>(a: A, b: B) -> (A::Output, B::Output)
    where
        A: Future + Send,
        A::Output: Send,
        B: Future,
    {
        std::thread::scope(|scope| {
            let first = scope.spawn(|| futures_lite::future::block_on(a));
            let second = futures_lite::future::block_on(b);
            match first.join() {
                Ok(first) => (first, second),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        })
    }

    /// A blocking call cannot be abandoned half way: it runs to completion (or its own
    /// timeout) and its result is dropped.
    pub fn abandon_after<F: Future>(call: F, _after: Duration) {
        let _ = futures_lite::future::block_on(call);
    }

    /// The receiving end of a streaming FETCH.
    pub struct FetchReceiver(mpsc::Receiver<Result<FetchResponse, Error>>);

    impl FetchReceiver {
        pub fn recv(&mut self) -> Option<Result<FetchResponse, Error>> {
            self.0.recv().ok()
        }
    }

    /// The next item of a `fetch_stream` / `uid_fetch_stream`.
    pub fn next_response(stream: &mut FetchIter<'_>) -> Option<Result<FetchResponse, Error>> {
        stream.next()
    }

    /// A bounded channel for `fetch_streaming`.
    pub fn fetch_channel(capacity: usize) -> (FetchSender, FetchReceiver) {
        let (tx, rx) = mpsc::sync_channel(capacity);
        (tx, FetchReceiver(rx))
    }

    /// A session through `from_stream` over `stream` (one end of a Unix socket pair). With
    /// `socket` false the stream hides its OS socket ([`ByteStream::socket`] is `None`), so
    /// IDLE takes the timed-read path.
    pub fn from_unix(
        stream: std::os::unix::net::UnixStream,
        server_name: &str,
        options: ConnectOptions,
        timeout: Duration,
        socket: bool,
    ) -> Result<ImapConnection, Error> {
        if socket {
            return ImapConnection::from_stream(stream, server_name, options, timeout);
        }
        ImapConnection::from_stream(Opaque(stream), server_name, options, timeout)
    }

    /// A Unix socket that does not offer its OS socket, like an in-memory pipe.
    struct Opaque(std::os::unix::net::UnixStream);

    impl std::io::Read for Opaque {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            self.0.read(buf)
        }
    }

    impl std::io::Write for Opaque {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.write(buf)
        }

        fn flush(&mut self) -> std::io::Result<()> {
            self.0.flush()
        }
    }

    impl ByteStream for Opaque {
        fn set_read_timeout(&mut self, timeout: Option<Duration>) -> std::io::Result<()> {
            self.0.set_read_timeout(timeout)
        }

        fn set_write_timeout(&mut self, timeout: Option<Duration>) -> std::io::Result<()> {
            self.0.set_write_timeout(timeout)
        }
    }
}

#[path = "../../tests/conformance/mod.rs"]
mod conformance;

fn main() -> std::process::ExitCode {
    conformance::main()
}
