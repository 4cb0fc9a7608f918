//! Every method of the core's table, expanded once onto [`ImapConnection<R>`] for all
//! async runtimes (the names below are the ones the table's signatures use).

use std::sync::Arc;
use std::time::Duration;

use imap_proto_core::TlsMode;
use rustls::ClientConfig;
use socket2::TcpKeepalive;

use crate::client::ImapConnection;
use crate::pipeline::Pipeline;
use crate::runtime::Runtime;
use crate::sink::FetchSink;
use crate::CancellationToken;

macro_rules! expand_on_generic_handle {
    ($($table:tt)*) => {
        imap_proto_core::__expand_methods! {
            async [impl<R: Runtime> ImapConnection<R>] $($table)*
        }
    };
}

imap_proto_core::for_each_imap_method!(expand_on_generic_handle);
