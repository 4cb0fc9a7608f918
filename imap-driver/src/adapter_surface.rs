//! What an async adapter's crate root offers its users, written once:
//! [`__async_adapter_surface!`](crate::__async_adapter_surface) expands the re-exports and
//! the type aliases on the adapter's runtime, so imap-tokio and imap-async-std keep only what
//! differs (their runtime, their transports, their channel type).

/// Expands, at an async adapter's crate root, its public re-exports (options, events, errors,
/// types, the SASL and reconnect modules) and the aliases `ImapConnection`, `Resilient` and
/// `Pipeline` on runtime `$runtime`. `$krate` is the adapter's crate name, used in the
/// handle's documentation examples.
#[doc(hidden)]
#[macro_export]
macro_rules! __async_adapter_surface {
    ($runtime:ident, $krate:ident) => {
        pub use ::imap_proto_core::reconnect;
        pub use ::imap_proto_core::sasl;
        pub use ::imap_proto_core::types;
        pub use ::imap_proto_core::{
            Config, Error, Limits, Precondition, ProtocolViolation, SessionState, TlsMode,
            TrustRoots, TypedEvent,
        };
        pub use ::rustls::ClientConfig;
        pub use ::socket2::TcpKeepalive;
        pub use $crate::{
            CancellationToken, ConnectOptions, FetchSink, FetchStream, IDLE_DONE_TIMEOUT,
            IdleTimers, LOGOUT_TIMEOUT, Reconnect, pipeline,
        };

        #[doc = ::imap_proto_core::imap_connection_doc!(async $krate)]
        /// # The handle
        ///
        #[doc = concat!("[`imap_driver::ImapConnection`] on [`", stringify!($runtime), "`]:")]
        /// a handle to a driver task that owns one connection. All operations are async and
        /// take a caller-supplied timeout (except `logout`, see [`LOGOUT_TIMEOUT`]). Each
        /// command checks the session state and the server's capabilities before it is sent
        /// (`Error::WrongState`, `Error::Precondition`, `Error::MissingCapability`). Dropping
        /// the handle ends the driver and closes the connection (without LOGOUT).
        pub type ImapConnection = $crate::ImapConnection<$runtime>;

        /// Reconnect and resume over [`ImapConnection`] (see [`imap_driver::Resilient`]).
        pub type Resilient<F> = $crate::Resilient<ImapConnection, F>;

        /// A pipelined batch under construction (see [`pipeline`]).
        pub type Pipeline<'a, T> = $crate::Pipeline<'a, T>;
    };
}
