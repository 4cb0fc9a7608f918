//! The shared conformance suite (tests/conformance) run on imap-tokio: scripted-server cases,
//! then every interop case against Dovecot and Cyrus, directly and through the
//! fault-injection proxy. `cargo test -p imap-tokio --test conformance [-- FILTER]`.

/// An adapter call or suite helper, awaited: this adapter is async.
macro_rules! aw {
    ($call:expr) => {
        $call.await
    };
}

/// A suite helper, kept `async` for this adapter.
macro_rules! flavored {
    ($($item:tt)*) => { $($item)* };
}

/// What the suite needs from the runtime, for tokio.
mod adapter {
    use std::future::Future;
    use std::sync::OnceLock;
    use std::time::Duration;

    use imap_tokio::types::FetchResponse;
    pub use imap_tokio::*;

    use crate::conformance::CaseFuture;
    use crate::conformance::support::{Fail, TestResult};

    /// The adapter's name in reports and temp paths.
    pub const NAME: &str = "tokio";
    /// Where this binary's test servers look for free ports.
    pub const PORT_BASE: u16 = 12430;

    fn runtime() -> &'static tokio::runtime::Runtime {
        static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
        RUNTIME.get_or_init(|| {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("tokio runtime")
        })
    }

    /// Runs one case on the runtime, as a task of its own, within `timeout`.
    pub fn run_case(case: CaseFuture, timeout: Duration) -> TestResult {
        runtime().block_on(async move {
            match tokio::time::timeout(timeout, tokio::spawn(case)).await {
                Err(_) => Err(Fail::Fail(format!("timed out after {timeout:?}"))),
                Ok(Err(join)) => Err(Fail::Fail(format!("panicked: {join}"))),
                Ok(Ok(result)) => result,
            }
        })
    }

    /// A task running concurrently with the case.
    pub struct Task<T>(tokio::task::JoinHandle<T>);

    impl<T> Task<T> {
        /// Its result, or why it panicked.
        pub async fn join(self) -> Result<T, String> {
            self.0.await.map_err(|e| e.to_string())
        }
    }

    /// Starts `future` as a task (dropping the `Task` detaches it).
    pub fn spawn<F>(future: F) -> Task<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        Task(tokio::spawn(future))
    }

    pub async fn sleep(duration: Duration) {
        tokio::time::sleep(duration).await
    }

    /// Runs both to completion, concurrently.
    pub async fn join2<A: Future, B: Future>(a: A, b: B) -> (A::Output, B::Output) {
        tokio::join!(a, b)
    }

    /// Polls `call` for up to `after`, then drops it unfinished.
    pub async fn abandon_after<F: Future>(call: F, after: Duration) {
        let _ = tokio::time::timeout(after, call).await;
    }

    /// The receiving end of a streaming FETCH.
    pub struct FetchReceiver(tokio::sync::mpsc::Receiver<Result<FetchResponse, Error>>);

    impl FetchReceiver {
        pub async fn recv(&mut self) -> Option<Result<FetchResponse, Error>> {
            self.0.recv().await
        }
    }

    /// The next item of a `fetch_stream` / `uid_fetch_stream`.
    pub async fn next_response(stream: &mut FetchStream) -> Option<Result<FetchResponse, Error>> {
        futures_lite::StreamExt::next(stream).await
    }

    /// A bounded channel for `fetch_streaming`.
    pub fn fetch_channel(capacity: usize) -> (FetchSender, FetchReceiver) {
        let (tx, rx) = tokio::sync::mpsc::channel(capacity);
        (tx, FetchReceiver(rx))
    }

    /// A session through `from_stream` over `stream` (one end of a Unix socket pair), as
    /// tokio's `UnixStream`. `_socket` is for the blocking adapter (tokio streams have no
    /// OS-socket handle to offer).
    pub async fn from_unix(
        stream: std::os::unix::net::UnixStream,
        server_name: &str,
        options: ConnectOptions,
        timeout: Duration,
        _socket: bool,
    ) -> Result<ImapConnection, Error> {
        stream.set_nonblocking(true)?;
        let stream = tokio::net::UnixStream::from_std(stream)?;
        ImapConnection::from_stream(stream, server_name, options, timeout).await
    }
}

#[path = "../../tests/conformance/mod.rs"]
mod conformance;

fn main() -> std::process::ExitCode {
    conformance::main()
}
