//! The `*_impl` methods whose bodies are the same for the async handle and the blocking
//! connection, written once: [`__common_calls!`](crate::__common_calls) expands them
//! `async` or blocking (the core's `__flavored_fn!` / `__flavored_call!`).

/// Expands, inside `impl ImapConnection`, the table's forwarded methods that only run an
/// op, read the snapshot or the event queue: `logout`, `starttls`, `starttls_with_config`,
/// the two streaming FETCHes (through `self.stream`) and the two FETCH streams (through
/// `self.fetch_stream_start`, returning `FetchStream`: the name must resolve where it
/// is expanded, to `FetchStream` or `FetchIter`), `drain_events`, `session_state`,
/// `capabilities`, `is_tls` and `is_compressed`; `connect_with` and the two reference
/// constructors built on it, and `handshake`, the steps after the greeting. The type
/// provides `run(op, timeout)`, `run_until(op, deadline)`, `stream(uid, set, items, sink,
/// timeout)`, `fetch_stream_start(uid, (set, items), timeout)`, `connect_tcp(host, port,
/// &options, deadline)` (the TCP connection with the options' keepalive), `open(transport,
/// host, port, options, deadline)`, `snapshot()`, `events()` and the fields `host` and
/// `tls_config`; the names `Deadline` (its deadline type) and `deadline_after(timeout) ->
/// Deadline` must resolve where it is expanded.
#[doc(hidden)]
#[macro_export]
macro_rules! __common_calls {
    (@stream $flavor:tt $name:ident $uid:literal) => {
        ::imap_proto_core::__flavored_fn! { $flavor,
            fn $name(
                &self,
                sequence_set: &::imap_proto_core::types::SequenceSet,
                items: &[::imap_proto_core::types::FetchAttr],
                tx: impl $crate::FetchSink,
                timeout: ::std::time::Duration,
            ) -> Result<(), ::imap_proto_core::Error> {
                let stream = self.stream($uid, sequence_set, items, Box::new(tx), timeout);
                ::imap_proto_core::__flavored_call!($flavor, stream)
            }
        }
    };
    (@fetch_stream $flavor:tt $name:ident $uid:literal) => {
        ::imap_proto_core::__flavored_fn! { $flavor,
            fn $name(
                &self,
                sequence_set: &::imap_proto_core::types::SequenceSet,
                items: &[::imap_proto_core::types::FetchAttr],
                timeout: ::std::time::Duration,
            ) -> Result<FetchStream, ::imap_proto_core::Error> {
                let stream = self.fetch_stream_start($uid, (sequence_set, items), timeout);
                ::imap_proto_core::__flavored_call!($flavor, stream)
            }
        }
    };
    ($flavor:tt) => {
        ::imap_proto_core::__flavored_fn! { $flavor,
            /// Connects over TCP to `host:port` with `options`: the greeting, the
            /// capabilities, then STARTTLS if asked, all within `timeout`.
            pub fn connect_with(
                host: &str,
                port: u16,
                options: $crate::ConnectOptions,
                timeout: ::std::time::Duration,
            ) -> Result<Self, ::imap_proto_core::Error> {
                let deadline = deadline_after(timeout);
                let connect = Self::connect_tcp(host, port, &options, deadline);
                let transport = ::imap_proto_core::__flavored_call!($flavor, connect)?;
                ::imap_proto_core::__flavored_call!($flavor, Self::open(transport, host, port, options, deadline))
            }
        }

        ::imap_proto_core::__flavored_fn! { $flavor,
            fn connect_impl(
                host: &str,
                port: u16,
                tls_mode: ::imap_proto_core::TlsMode,
                timeout: ::std::time::Duration,
            ) -> Result<Self, ::imap_proto_core::Error> {
                let options = $crate::ConnectOptions::new(tls_mode);
                ::imap_proto_core::__flavored_call!($flavor, Self::connect_with(host, port, options, timeout))
            }
        }

        ::imap_proto_core::__flavored_fn! { $flavor,
            fn connect_with_tls_config_impl(
                host: &str,
                port: u16,
                tls_mode: ::imap_proto_core::TlsMode,
                tls_config: ::std::sync::Arc<::rustls::ClientConfig>,
                timeout: ::std::time::Duration,
            ) -> Result<Self, ::imap_proto_core::Error> {
                let options = $crate::ConnectOptions::new(tls_mode).tls_config(tls_config);
                ::imap_proto_core::__flavored_call!($flavor, Self::connect_with(host, port, options, timeout))
            }
        }

        ::imap_proto_core::__flavored_fn! { $flavor,
            /// After the greeting: the capabilities if the greeting carried none, then
            /// STARTTLS under `TlsMode::StartTls` (never silently left in plaintext).
            fn handshake(
                &self,
                tls_mode: ::imap_proto_core::TlsMode,
                deadline: Deadline,
            ) -> Result<(), ::imap_proto_core::Error> {
                let known = !self.snapshot().get().capabilities.is_empty();
                if !known {
                    let op = ::imap_proto_core::ops::session::capability();
                    ::imap_proto_core::__flavored_call!($flavor, self.run_until(op, deadline))?;
                }
                if tls_mode == ::imap_proto_core::TlsMode::StartTls {
                    let op = self.starttls_op(self.tls_config.as_ref())?;
                    ::imap_proto_core::__flavored_call!($flavor, self.run_until(op, deadline))?;
                }
                Ok(())
            }
        }

        ::imap_proto_core::__flavored_fn! { $flavor,
            fn logout_impl(&self) -> Result<(), ::imap_proto_core::Error> {
                let op = ::imap_proto_core::ops::session::logout();
                ::imap_proto_core::__flavored_call!($flavor, self.run(op, $crate::LOGOUT_TIMEOUT))
            }
        }

        ::imap_proto_core::__flavored_fn! { $flavor,
            fn starttls_impl(&self, timeout: ::std::time::Duration) -> Result<(), ::imap_proto_core::Error> {
                let op = self.starttls_op(self.tls_config.as_ref())?;
                ::imap_proto_core::__flavored_call!($flavor, self.run(op, timeout))
            }
        }

        /// The STARTTLS op for this connection's host, with `tls_config` or the default
        /// roots: the one place `handshake`, `starttls` and `starttls_with_config` build it.
        fn starttls_op(
            &self,
            tls_config: Option<&::std::sync::Arc<::rustls::ClientConfig>>,
        ) -> Result<
            ::imap_proto_core::ops::session::ThenRefreshCapabilities<::imap_proto_core::ops::upgrade::StartTls>,
            ::imap_proto_core::Error,
        > {
            let setup = ::imap_proto_core::TlsSetup::for_host(&self.host, tls_config)?;
            Ok(::imap_proto_core::ops::upgrade::starttls(setup))
        }

        ::imap_proto_core::__flavored_fn! { $flavor,
            fn starttls_with_config_impl(
                &self,
                tls_config: ::std::sync::Arc<::rustls::ClientConfig>,
                timeout: ::std::time::Duration,
            ) -> Result<(), ::imap_proto_core::Error> {
                let op = self.starttls_op(Some(&tls_config))?;
                ::imap_proto_core::__flavored_call!($flavor, self.run(op, timeout))
            }
        }

        $crate::__common_calls!(@stream $flavor fetch_streaming_impl false);
        $crate::__common_calls!(@stream $flavor uid_fetch_streaming_impl true);
        $crate::__common_calls!(@fetch_stream $flavor fetch_stream_impl false);
        $crate::__common_calls!(@fetch_stream $flavor uid_fetch_stream_impl true);

        ::imap_proto_core::__flavored_fn! { $flavor,
            fn drain_events_impl(&self) -> Vec<::imap_proto_core::TypedEvent> {
                self.events().drain()
            }
        }

        fn session_state_impl(&self) -> ::imap_proto_core::SessionState {
            self.snapshot().get().state
        }

        fn capabilities_impl(&self) -> Vec<::imap_proto_core::types::Capability> {
            self.snapshot().get().capabilities.clone()
        }

        fn is_tls_impl(&self) -> bool {
            self.snapshot().get().tls
        }

        fn is_compressed_impl(&self) -> bool {
            self.snapshot().get().compress
        }
    };
}
