//! IDLE's wait, the one part of the blocking run loop ([`BlockingLoop`]) that is this
//! adapter's own: with the stream's OS socket, the socket is switched to non-blocking mode
//! and registered with a `mio::Poll` together with a `mio::Waker` that the token's listener
//! wakes, so a `cancel()` from any thread ends the `poll` at once. Without one, the wait is
//! the loop's timed reads ([`BlockingLoop::read_for`]).

use std::future::Future;
use std::io::{self, Read};
use std::sync::Arc;
use std::task::{Context, Wake, Waker};
use std::time::Instant;

use imap_driver::__adapter::{BlockingLoop, Shared};
use imap_driver::{CancellationToken, Socket};
use imap_proto_core::Error;
use imap_proto_core::ops::idle::IdleWake;
use mio::event::Source;
use mio::{Events, Interest, Poll, Token, Waker as MioWaker};

/// The mio token of the socket while IDLE waits.
const SOCKET: Token = Token(0);
/// The mio token of the cancellation waker while IDLE waits.
const WAKE: Token = Token(1);

/// Sends the IDLE command, then waits until `wake` says the server pushed data or the op
/// ended, `deadline` passes or `cancel` fires ([`BlockingLoop::wait_idle`]).
pub(crate) fn wait_idle(
    held: &mut BlockingLoop,
    shared: &Shared,
    socket: Option<&Socket>,
    (deadline, token): (Instant, u64),
    cancel: &CancellationToken,
    wake: impl FnMut() -> Option<IdleWake>,
) -> Result<IdleWake, Error> {
    match held.flush(shared, deadline) {
        Ok(()) => {}
        Err(Error::Timeout) => return Ok(IdleWake::TimedOut),
        Err(e) => return Err(e),
    }
    let Some(socket) = socket else {
        let cancelled = || cancel.is_cancelled();
        let read = |held: &mut BlockingLoop, at_most| held.read_for(at_most);
        return held.wait_idle(shared, (deadline, token), cancelled, wake, read);
    };
    let mut source = readiness(socket)?;
    let result = poll_idle(held, shared, &mut source, (deadline, token), cancel, wake);
    // The handle shares the socket's file description: drop it, then make the socket
    // blocking again for the stream's own handle.
    drop(source);
    socket.set_nonblocking(false)?;
    result
}

fn poll_idle(
    held: &mut BlockingLoop,
    shared: &Shared,
    source: &mut Box<dyn Readiness>,
    (deadline, token): (Instant, u64),
    cancel: &CancellationToken,
    wake: impl FnMut() -> Option<IdleWake>,
) -> Result<IdleWake, Error> {
    let mut poll = Poll::new()?;
    let waker = Waker::from(Arc::new(MioWake(MioWaker::new(poll.registry(), WAKE)?)));
    poll.registry()
        .register(source, SOCKET, Interest::READABLE)?;
    let mut listener = std::pin::pin!(cancel.cancelled());
    // Polled before every wait: registers the mio waker with the token.
    let cancelled = || {
        let mut cx = Context::from_waker(&waker);
        listener.as_mut().poll(&mut cx).is_ready()
    };
    let mut events = Events::with_capacity(4);
    // mio is edge-triggered: the socket is read until it is empty before each poll.
    held.read_until_blocked(source);
    let wait = |held: &mut BlockingLoop, at_most| {
        match poll.poll(&mut events, Some(at_most)) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e.into()),
        }
        held.read_until_blocked(source);
        Ok(())
    };
    let woken = held.wait_idle(shared, (deadline, token), cancelled, wake, wait);
    poll.registry().deregister(source)?;
    woken
}

/// Wakes a `mio::Poll` from a `std::task::Waker` (a cancelled token's listener).
struct MioWake(MioWaker);

impl Wake for MioWake {
    fn wake(self: Arc<Self>) {
        // A failed wake means the poll is gone; the token's flag is still seen.
        let _ = self.0.wake();
    }
}

/// A socket's non-blocking handle, registered with IDLE's `mio::Poll`.
trait Readiness: Source + Read {}

impl<T: Source + Read> Readiness for T {}

/// A non-blocking handle on `socket`; the socket stays non-blocking (for every handle)
/// until `set_nonblocking(false)`.
fn readiness(socket: &Socket) -> io::Result<Box<dyn Readiness>> {
    let handle: Box<dyn Readiness> = match socket {
        Socket::Tcp(socket) => Box::new(mio::net::TcpStream::from_std(socket.try_clone()?)),
        #[cfg(unix)]
        Socket::Unix(socket) => Box::new(mio::net::UnixStream::from_std(socket.try_clone()?)),
        _ => return Err(io::ErrorKind::Unsupported.into()),
    };
    socket.set_nonblocking(true)?;
    Ok(handle)
}
