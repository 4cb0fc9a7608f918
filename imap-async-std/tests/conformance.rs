//! The shared conformance suite (tests/conformance) run on imap-async-std, under smol:
//! scripted-server cases, then every interop case against Dovecot and Cyrus, directly and
//! through the fault-injection proxy. `cargo test -p imap-async-std --test conformance`.

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

/// What the suite needs from the runtime, for smol (the async-std successor the adapter
/// is built on: futures-io and async-io).
mod adapter {
    use std::future::Future;
    use std::panic::AssertUnwindSafe;
    use std::time::Duration;

    use futures_lite::FutureExt;
    use imap_async_std::types::FetchResponse;
    pub use imap_async_std::*;

    use crate::conformance::CaseFuture;
    use crate::conformance::support::{Fail, TestResult, panic_text};

    /// The adapter's name in reports and temp paths.
    pub const NAME: &str = "async-std";
    /// Where this binary's test servers look for free ports.
    pub const PORT_BASE: u16 = 12530;

    /// Runs one case on smol's executor within `timeout`.
    pub fn run_case(case: CaseFuture, timeout: Duration) -> TestResult {
        smol::block_on(async move {
            let task = smol::spawn(AssertUnwindSafe(case).catch_unwind());
            let timer = async {
                async_io::Timer::after(timeout).await;
                Ok(Err(Fail::Fail(format!("timed out after {timeout:?}"))))
            };
            match task.or(timer).await {
                Err(panic) => Err(Fail::Fail(format!("panicked: {}", panic_text(panic)))),
                Ok(result) => result,
            }
        })
    }

    /// A task running concurrently with the case (dropping it detaches it).
    pub struct Task<T>(Option<smol::Task<std::thread::Result<T>>>);

    impl<T> Task<T> {
        /// Its result, or why it panicked.
        pub async fn join(mut self) -> Result<T, String> {
            let task = self.0.take().expect("joined once");
            task.await.map_err(panic_text)
        }
    }

    impl<T> Drop for Task<T> {
        fn drop(&mut self) {
            if let Some(task) = self.0.take() {
                task.detach();
            }
        }
    }

    /// Starts `future` on smol's executor.
    pub fn spawn<F>(future: F) -> Task<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        Task(Some(smol::spawn(AssertUnwindSafe(future).catch_unwind())))
    }

    pub async fn sleep(duration: Duration) {
        async_io::Timer::after(duration).await;
    }

    /// Runs both to completion, concurrently.
    pub async fn join2<A: Future, B: Future>(a: A, b: B) -> (A::Output, B::Output) {
        futures_lite::future::zip(a, b).await
    }

    /// Polls `call` for up to `after`, then drops it unfinished.
    pub async fn abandon_after<F: Future>(call: F, after: Duration) {
        let call = async {
            call.await;
        };
        call.or(sleep(after)).await
    }

    /// The receiving end of a streaming FETCH.
    pub struct FetchReceiver(async_channel::Receiver<Result<FetchResponse, Error>>);

    impl FetchReceiver {
        pub async fn recv(&mut self) -> Option<Result<FetchResponse, Error>> {
            self.0.recv().await.ok()
        }
    }

    /// The next item of a `fetch_stream` / `uid_fetch_stream`.
    pub async fn next_response(stream: &mut FetchStream) -> Option<Result<FetchResponse, Error>> {
        futures_lite::StreamExt::next(stream).await
    }

    /// A bounded channel for `fetch_streaming`.
    pub fn fetch_channel(capacity: usize) -> (FetchSender, FetchReceiver) {
        let (tx, rx) = async_channel::bounded(capacity);
        (tx, FetchReceiver(rx))
    }

    /// A session through `from_stream` over `stream` (one end of a Unix socket pair), as
    /// async-io's `Async<UnixStream>`. `_socket` is for the blocking adapter.
    pub async fn from_unix(
        stream: std::os::unix::net::UnixStream,
        server_name: &str,
        options: ConnectOptions,
        timeout: Duration,
        _socket: bool,
    ) -> Result<ImapConnection, Error> {
        let stream = async_io::Async::new(stream)?;
        ImapConnection::from_stream(stream, server_name, options, timeout).await
    }
}

#[path = "../../tests/conformance/mod.rs"]
mod conformance;

fn main() -> std::process::ExitCode {
    conformance::main()
}
