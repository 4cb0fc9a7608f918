//! Connection configuration: limits and behaviour switches, with documented defaults.

use crate::Limits;

/// Everything configurable about a [`crate::Connection`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// Framing and parsing limits (line length, literal size, nesting, streaming threshold).
    pub limits: Limits,
    /// Most commands in flight at once (pipelining). Default 128. The core's `submit` beyond
    /// it fails with [`crate::Error::TooManyInFlight`] instead of queueing without bound; the
    /// adapters never return that error: their calls beyond the bound wait their turn.
    pub max_in_flight: usize,
    /// Most unsolicited events kept when the caller never drains them. Default 10,000. When
    /// full, the oldest event is dropped and the loss is reported by a single
    /// [`crate::TypedEvent::EventsDropped`] with the count, so memory stays bounded.
    pub max_queued_events: usize,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            limits: Limits::default(),
            max_in_flight: 128,
            max_queued_events: 10_000,
        }
    }
}
