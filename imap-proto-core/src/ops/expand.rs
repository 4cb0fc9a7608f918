//! Expanders for the method table ([`for_each_imap_method!`](crate::for_each_imap_method)).
//!
//! An expander is a `macro_rules!` macro that receives the whole table and writes
//! `impl ImapConnection { ... }`, one method per entry, with the entry's doc comment. The
//! adapter invokes it in a module where these names resolve (the table names them without a
//! path, so each adapter picks its own): `ImapConnection`, `Duration`, `CancellationToken`,
//! `TcpKeepalive`, `Arc`, `ClientConfig`, `FetchSink` (the trait a streaming FETCH's
//! channel implements), `FetchStream` (what `uid_fetch_stream` returns: a `Stream`, or
//! imap-blocking's `FetchIter`), `Pipeline` and `TlsMode`.
//!
//! The adapter then writes by hand only:
//! - `async fn run<O: Op>(&self, op: O, timeout: Duration) -> Result<O::Output, Error>`,
//!   the generic command loop every `ops` entry goes through;
//! - the `*_impl` methods the `calls`, `infallible`, `getters` and `ctors` entries name.

/// Expands the method table into `async` methods on the caller's `ImapConnection`.
///
/// Use it as `imap_proto_core::for_each_imap_method!(expand_async_methods);` after
/// `use imap_proto_core::expand_async_methods;`. It is runtime-neutral: every body is a call
/// to `self.run(op, timeout).await` or to an `*_impl` method, so the tokio adapter and an
/// async-std adapter share it.
///
/// | section | generated method |
/// |---|---|
/// | `ops` | `pub async fn name(&self, args.., timeout: Duration) -> Result<Out, Error>`, body `self.run(op, timeout).await.map(map)` (no `map`: the op's output as is) |
/// | `calls` | `pub async fn name(&self, args..) -> Result<Out, Error>`, body `self.impl_name(args..).await` |
/// | `infallible` | `pub async fn name(&self, args..) -> Out`, body `self.impl_name(args..).await` |
/// | `getters` | `pub fn name(&self, args..) -> Out`, body `self.impl_name(args..)` |
/// | `ctors` | `pub async fn name(args..) -> Result<Self, Error>`, body `Self::impl_name(args..).await` |
///
/// [`expand_blocking_methods!`](crate::expand_blocking_methods) is the same expansion
/// without `async` and `.await`; both are front ends of one body (`__expand_methods!`).
#[macro_export]
macro_rules! expand_async_methods {
    ($($table:tt)*) => {
        $crate::__expand_methods! { async [impl ImapConnection] $($table)* }
    };
}

/// Expands the method table into plain (blocking) methods on the caller's `ImapConnection`.
///
/// Use it as `imap_proto_core::for_each_imap_method!(expand_blocking_methods);`. The
/// methods are those of [`expand_async_methods!`](crate::expand_async_methods) without
/// `async` and `.await`: `ops` become `pub fn name(&self, args.., timeout: Duration) ->
/// Result<Out, Error>` with the body `self.run(op, timeout).map(map)`, and the adapter's
/// `run` and `*_impl` methods are plain functions.
#[macro_export]
macro_rules! expand_blocking_methods {
    ($($table:tt)*) => {
        $crate::__expand_methods! { blocking [impl ImapConnection] $($table)* }
    };
}

/// The one expansion behind both front ends. `$flavor` is `async` or `blocking`; it decides,
/// through [`__flavored_fn!`](crate::__flavored_fn) and
/// [`__flavored_call!`](crate::__flavored_call), whether a method is `async` and whether
/// its body awaits. `[$header]` is the impl block's header: `impl ImapConnection` for an
/// adapter's own type, `impl<R: Runtime> ImapConnection<R>` for imap-driver's generic
/// handle, which expands the table once for every async adapter.
#[doc(hidden)]
#[macro_export]
macro_rules! __expand_methods {
    (
        $flavor:tt [$($header:tt)*]
        ops {
            $(
                $(#[$op_meta:meta])*
                fn $op_name:ident(&self $(, $op_arg:ident : $op_ty:ty)* $(,)?) -> $op_out:ty
                $op_body:block
                $(map $op_map:expr)?;
            )*
        }
        calls {
            $(
                $(#[$call_meta:meta])*
                fn $call_name:ident(&self $(, $call_arg:ident : $call_ty:ty)* $(,)?) -> $call_out:ty
                => $call_impl:ident;
            )*
        }
        infallible {
            $(
                $(#[$inf_meta:meta])*
                fn $inf_name:ident(&self $(, $inf_arg:ident : $inf_ty:ty)* $(,)?) -> $inf_out:ty
                => $inf_impl:ident;
            )*
        }
        getters {
            $(
                $(#[$get_meta:meta])*
                fn $get_name:ident(&self $(, $get_arg:ident : $get_ty:ty)* $(,)?) -> $get_out:ty
                => $get_impl:ident;
            )*
        }
        ctors {
            $(
                $(#[$ctor_meta:meta])*
                fn $ctor_name:ident($($ctor_arg:ident : $ctor_ty:ty),* $(,)?)
                => $ctor_impl:ident;
            )*
        }
    ) => {
        $($header)* {
            $(
                $crate::__flavored_fn! { $flavor,
                    $(#[$op_meta])*
                    pub fn $op_name(
                        &self,
                        $($op_arg: $op_ty,)*
                        timeout: Duration,
                    ) -> ::core::result::Result<$op_out, $crate::Error> {
                        let op = $op_body;
                        let output = $crate::__flavored_call!($flavor, self.run(op, timeout));
                        $crate::__expand_map!(output $(, $op_map)?)
                    }
                }
            )*
            $(
                $crate::__flavored_fn! { $flavor,
                    $(#[$call_meta])*
                    pub fn $call_name(
                        &self,
                        $($call_arg: $call_ty),*
                    ) -> ::core::result::Result<$call_out, $crate::Error> {
                        $crate::__flavored_call!($flavor, self.$call_impl($($call_arg),*))
                    }
                }
            )*
            $(
                $crate::__flavored_fn! { $flavor,
                    $(#[$inf_meta])*
                    pub fn $inf_name(&self, $($inf_arg: $inf_ty),*) -> $inf_out {
                        $crate::__flavored_call!($flavor, self.$inf_impl($($inf_arg),*))
                    }
                }
            )*
            $(
                $(#[$get_meta])*
                pub fn $get_name(&self, $($get_arg: $get_ty),*) -> $get_out {
                    self.$get_impl($($get_arg),*)
                }
            )*
            $(
                $crate::__flavored_fn! { $flavor,
                    $(#[$ctor_meta])*
                    pub fn $ctor_name(
                        $($ctor_arg: $ctor_ty),*
                    ) -> ::core::result::Result<Self, $crate::Error> {
                        $crate::__flavored_call!($flavor, Self::$ctor_impl($($ctor_arg),*))
                    }
                }
            )*
        }
    };
}

/// Writes a `pub fn` (or a private `fn`) as an `async fn` (flavor `async`) or as is
/// (flavor `blocking`).
#[doc(hidden)]
#[macro_export]
macro_rules! __flavored_fn {
    (async, $(#[$meta:meta])* pub fn $($rest:tt)*) => {
        $(#[$meta])* pub async fn $($rest)*
    };
    (blocking, $(#[$meta:meta])* pub fn $($rest:tt)*) => {
        $(#[$meta])* pub fn $($rest)*
    };
    (async, $(#[$meta:meta])* fn $($rest:tt)*) => {
        $(#[$meta])* async fn $($rest)*
    };
    (blocking, $(#[$meta:meta])* fn $($rest:tt)*) => {
        $(#[$meta])* fn $($rest)*
    };
}

/// Awaits a call (flavor `async`) or returns it as is (flavor `blocking`).
#[doc(hidden)]
#[macro_export]
macro_rules! __flavored_call {
    (async, $call:expr) => {
        $call.await
    };
    (blocking, $call:expr) => {
        $call
    };
}

/// Applies an `ops` entry's optional `map` to the op's result (identity without one).
#[doc(hidden)]
#[macro_export]
macro_rules! __expand_map {
    ($output:ident) => {
        $output
    };
    ($output:ident, $map:expr) => {
        $output.map($map)
    };
}
