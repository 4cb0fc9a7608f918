//! [`ByteStream`]: what the blocking run loop ([`crate::blocking::BlockingLoop`]) needs of
//! the stream it owns, implemented for `TcpStream` and `UnixStream`; a caller's own stream
//! (a proxy tunnel, an in-memory pipe) implements it for imap-blocking's `from_stream`.

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpStream};
#[cfg(unix)]
use std::os::unix::net::UnixStream;
use std::time::Duration;

/// A blocking byte stream the connection can own.
///
/// Every call's timeout is enforced through the stream's read and write timeouts, so a
/// stream must be able to time out a blocked `read` and `write` (a timed-out operation
/// returns `WouldBlock` or `TimedOut`, as `std::net` sockets do); one that cannot would
/// let a call wait forever on a silent server.
///
/// IDLE waits for server data and for its [`crate::CancellationToken`] at once. With
/// [`ByteStream::socket`] it waits on the OS socket itself, so `cancel()` ends the wait at
/// once; without one it reads in slices of at most [`IDLE_CANCEL_CHECK`] and looks at the
/// token between them, so a cancellation takes effect within that time.
pub trait ByteStream: Read + Write + Send + 'static {
    /// How long a read may block (`None`: until data comes).
    fn set_read_timeout(&mut self, timeout: Option<Duration>) -> io::Result<()>;

    /// How long a write may block (`None`: until it is done).
    fn set_write_timeout(&mut self, timeout: Option<Duration>) -> io::Result<()>;

    /// Closes both directions once the session is over (LOGOUT, BYE, a fatal error), so
    /// the peer sees the end at once. By default nothing: the stream closes when dropped.
    fn shutdown(&mut self) -> io::Result<()> {
        Ok(())
    }

    /// A second handle on the OS socket this stream reads and writes with nothing in
    /// between (no buffering, no encryption): IDLE waits on it and reads from it, and
    /// `set_keepalive` applies to it. `None` by default: IDLE waits in timed reads (see the
    /// trait's docs) and `set_keepalive` is `Unsupported`.
    fn socket(&self) -> io::Result<Option<Socket>> {
        Ok(None)
    }
}

/// The longest a cancelled IDLE over a stream without [`ByteStream::socket`] takes to see
/// its token.
pub const IDLE_CANCEL_CHECK: Duration = Duration::from_millis(50);

/// An OS socket under a [`ByteStream`].
#[derive(Debug)]
#[non_exhaustive]
pub enum Socket {
    /// A TCP socket.
    Tcp(TcpStream),
    /// A Unix domain socket.
    #[cfg(unix)]
    Unix(UnixStream),
}

/// `ByteStream` for a `std` socket type whose timeouts, shutdown and clone are its own.
macro_rules! socket_stream {
    ($(#[$cfg:meta])* $socket:ident => $variant:ident) => {
        $(#[$cfg])*
        impl ByteStream for $socket {
            fn set_read_timeout(&mut self, timeout: Option<Duration>) -> io::Result<()> {
                $socket::set_read_timeout(self, timeout)
            }

            fn set_write_timeout(&mut self, timeout: Option<Duration>) -> io::Result<()> {
                $socket::set_write_timeout(self, timeout)
            }

            fn shutdown(&mut self) -> io::Result<()> {
                $socket::shutdown(self, Shutdown::Both)
            }

            fn socket(&self) -> io::Result<Option<Socket>> {
                Ok(Some(Socket::$variant(self.try_clone()?)))
            }
        }
    };
}

socket_stream!(TcpStream => Tcp);
socket_stream!(#[cfg(unix)] UnixStream => Unix);

impl Socket {
    /// Switches the socket (every handle on it: the flag is shared) to non-blocking mode
    /// for IDLE's wait, or back.
    pub fn set_nonblocking(&self, nonblocking: bool) -> io::Result<()> {
        match self {
            Socket::Tcp(socket) => socket.set_nonblocking(nonblocking),
            #[cfg(unix)]
            Socket::Unix(socket) => socket.set_nonblocking(nonblocking),
        }
    }

    /// Sets TCP keepalive; a Unix socket has none (`Unsupported`).
    pub fn set_keepalive(&self, keepalive: &socket2::TcpKeepalive) -> io::Result<()> {
        match self {
            Socket::Tcp(socket) => socket2::SockRef::from(socket).set_tcp_keepalive(keepalive),
            #[cfg(unix)]
            Socket::Unix(_) => Err(io::ErrorKind::Unsupported.into()),
        }
    }
}
