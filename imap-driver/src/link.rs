//! [`Link`]: a handle's end of the driver. Sends requests, waits for their replies within
//! a deadline, and says why when the driver can no longer answer.

use std::future::Future;
use std::sync::Arc;
use std::time::Instant;

use futures_channel::{mpsc, oneshot};
use futures_lite::FutureExt;
use imap_proto_core::{Error, Op};

use crate::calls::Job;
use crate::driver::Request;
use crate::runtime::BoxFuture;
use crate::snapshot::SharedSnapshot;

/// A handle's end of the driver (the requests channel, the snapshot and the runtime's
/// timer). Pipelines borrow it; a `FetchStream` keeps a clone.
#[derive(Clone)]
pub struct Link {
    pub(crate) requests: mpsc::UnboundedSender<Request>,
    pub(crate) snapshot: Arc<SharedSnapshot>,
    pub(crate) sleep: fn(Instant) -> BoxFuture<()>,
}

impl std::fmt::Debug for Link {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Link").finish_non_exhaustive()
    }
}

impl Link {
    pub(crate) fn send(&self, request: Request) -> Result<(), Error> {
        self.requests
            .unbounded_send(request)
            .map_err(|_| self.gone())
    }

    /// The error for a call the driver can no longer answer.
    pub(crate) fn gone(&self) -> Error {
        match &self.snapshot.get().failure {
            Some(cause) => Error::ConnectionFailed(cause.clone()),
            None => Error::DriverGone,
        }
    }

    /// A timer firing at `deadline`; never, without one.
    pub(crate) fn timer(&self, deadline: Option<Instant>) -> BoxFuture<()> {
        match deadline {
            Some(deadline) => (self.sleep)(deadline),
            None => Box::pin(futures_lite::future::pending()),
        }
    }

    /// `future`, or `Err(Error::Timeout)` at `deadline`.
    pub(crate) async fn within<T>(
        &self,
        deadline: Option<Instant>,
        future: impl Future<Output = Result<T, Error>>,
    ) -> Result<T, Error> {
        let timer = self.timer(deadline);
        future
            .or(async {
                timer.await;
                Err(Error::Timeout)
            })
            .await
    }

    /// The reply of a call, within `deadline`. At the deadline the call gives up its reply
    /// and the driver judges the peer: [`Error::Timeout`] if the server was still sending,
    /// [`Error::PeerUnresponsive`] (the connection failed) if it sent nothing since the
    /// call's command went out ([`Link::timed_out`]).
    pub(crate) async fn await_reply<T>(
        &self,
        reply: &mut oneshot::Receiver<Result<T, Error>>,
        deadline: Option<Instant>,
    ) -> Result<T, Error> {
        let timer = self.timer(deadline);
        let answer = async { Some((&mut *reply).await.unwrap_or_else(|_| Err(self.gone()))) }
            .or(async {
                timer.await;
                None
            })
            .await;
        if let Some(answer) = answer {
            return answer;
        }
        // Closed first, so the driver knows which op timed out; an answer sent just
        // before is still taken.
        reply.close();
        if let Ok(Some(answer)) = reply.try_recv() {
            return answer;
        }
        Err(self.timed_out().await)
    }

    /// The error for a call whose timeout elapsed, from the driver's verdict on the peer.
    pub(crate) async fn timed_out(&self) -> Error {
        let (verdict, answer) = oneshot::channel();
        if self.send(Request::TimedOut(verdict)).is_err() {
            return self.gone();
        }
        answer.await.unwrap_or_else(|_| self.gone())
    }

    /// Submits `op` via the driver, then awaits its result until `deadline`. A call that
    /// times out leaves its op in the core (see the crate docs).
    pub(crate) async fn run<O: Op>(
        &self,
        op: O,
        deadline: Option<Instant>,
    ) -> Result<O::Output, Error> {
        let (reply, mut result) = oneshot::channel();
        self.send(Request::Submit(Job::op(op, reply)))?;
        self.await_reply(&mut result, deadline).await
    }
}
