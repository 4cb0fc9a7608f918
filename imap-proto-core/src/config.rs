//! Connection configuration: limits and behaviour switches, with documented defaults.

use crate::Limits;

/// Everything configurable about a [`crate::Connection`].
///
/// Built from [`Config::default`] and the `with_*` setters, so that a new setting is not a
/// breaking change (the struct is `#[non_exhaustive]`):
///
/// ```
/// # use imap_proto_core::{Config, Limits};
/// let config = Config::default()
///     .with_max_in_flight(16)
///     .with_limits(Limits::default().with_stream_threshold(256 * 1024));
/// # assert_eq!(config.max_in_flight, 16);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
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

impl Config {
    /// Sets [`Config::limits`].
    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Sets [`Config::max_in_flight`].
    pub fn with_max_in_flight(mut self, max_in_flight: usize) -> Self {
        self.max_in_flight = max_in_flight;
        self
    }

    /// Sets [`Config::max_queued_events`].
    pub fn with_max_queued_events(mut self, max_queued_events: usize) -> Self {
        self.max_queued_events = max_queued_events;
        self
    }
}
