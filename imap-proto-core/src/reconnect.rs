//! When and whether to reconnect after a failure, written once and sans-IO: the caller
//! sleeps for [`Backoff::next_delay`] and connects, logs in, and resumes (for a mailbox,
//! `sync_mailbox` from the saved state); [`is_retryable`] says which errors another attempt
//! can fix.
//!
//! The schedule is exponential with jitter ("equal jitter": each delay is random in
//! `[d/2, d]` where `d` doubles from `initial` up to `max`), so that many clients cut off
//! at once by a server restart do not all come back in the same instant.

use std::time::Duration;

use crate::Error;

/// An exponential backoff schedule with jitter and an optional attempt limit.
#[derive(Debug, Clone)]
pub struct Backoff {
    initial: Duration,
    max: Duration,
    max_attempts: Option<u32>,
    attempt: u32,
    rng: u64,
}

impl Default for Backoff {
    /// 250 ms, doubling up to 60 s, without an attempt limit; seeded from the OS.
    fn default() -> Self {
        let mut seed = [0u8; 8];
        // Without OS randomness the jitter is still spread by the time-independent default.
        let _ = getrandom::fill(&mut seed);
        Backoff {
            initial: Duration::from_millis(250),
            max: Duration::from_secs(60),
            max_attempts: None,
            attempt: 0,
            rng: u64::from_le_bytes(seed) | 1,
        }
    }
}

impl Backoff {
    /// The default schedule (see [`Backoff::default`]).
    pub fn new() -> Self {
        Backoff::default()
    }

    /// The first delay (before jitter).
    pub fn with_initial(mut self, initial: Duration) -> Self {
        self.initial = initial;
        self
    }

    /// The longest delay.
    pub fn with_max(mut self, max: Duration) -> Self {
        self.max = max;
        self
    }

    /// Gives up after this many attempts.
    pub fn with_max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = Some(attempts);
        self
    }

    /// A fixed jitter seed, for reproducible schedules (tests).
    pub fn with_seed(mut self, seed: u64) -> Self {
        // splitmix64, so that neighbouring seeds give unrelated schedules.
        let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        self.rng = (z ^ (z >> 31)) | 1;
        self
    }

    /// How long to wait before the next attempt; `None` once the attempt limit is reached.
    pub fn next_delay(&mut self) -> Option<Duration> {
        if self.max_attempts.is_some_and(|m| self.attempt >= m) {
            return None;
        }
        let base = self
            .initial
            .saturating_mul(1u32 << self.attempt.min(30))
            .min(self.max);
        self.attempt += 1;
        // xorshift64*: enough to spread clients apart.
        let mut x = self.rng;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.rng = x;
        let unit = (x.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64;
        Some(base.mul_f64(0.5 + unit / 2.0))
    }

    /// Attempts made since the last [`Backoff::reset`].
    pub fn attempts(&self) -> u32 {
        self.attempt
    }

    /// Starts over after a success.
    pub fn reset(&mut self) {
        self.attempt = 0;
    }
}

/// True if a new connection may succeed where this one failed: the transport broke, the
/// peer went silent or said BYE, the byte stream was corrupt. False for what retrying
/// cannot fix: credentials or a command refused (NO, BAD, SASL), a certificate that does
/// not verify, the caller's own mistakes (state, capability, arguments), a server that
/// breaks the protocol.
pub fn is_retryable(error: &Error) -> bool {
    match error {
        Error::ConnectionFailed(cause) => is_retryable(cause),
        Error::Io(_)
        | Error::Timeout
        | Error::ConnectionClosed
        | Error::PeerUnresponsive
        | Error::Bye { .. }
        | Error::DriverGone
        | Error::Frame(_)
        | Error::Parse(_)
        | Error::Compression(_) => true,
        Error::Tls(tls) => !matches!(
            tls,
            rustls::Error::InvalidCertificate(_)
                | rustls::Error::NoCertificatesPresented
                | rustls::Error::PeerIncompatible(_)
                | rustls::Error::InvalidCertRevocationList(_)
        ),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_double_with_jitter_up_to_the_max_and_stop_at_the_limit() {
        let mut backoff = Backoff::new()
            .with_initial(Duration::from_millis(100))
            .with_max(Duration::from_millis(1000))
            .with_max_attempts(6)
            .with_seed(7);
        let bases = [100u64, 200, 400, 800, 1000, 1000];
        for base in bases {
            let delay = backoff.next_delay().expect("within the limit");
            let ms = delay.as_secs_f64() * 1000.0;
            assert!(
                ms >= base as f64 / 2.0 && ms <= base as f64,
                "{ms} for {base}"
            );
        }
        assert_eq!(backoff.next_delay(), None);
        backoff.reset();
        assert!(
            backoff
                .next_delay()
                .is_some_and(|d| d <= Duration::from_millis(100))
        );
    }

    #[test]
    fn jitter_spreads_clients_apart() {
        let first: Vec<Duration> = (1..20)
            .map(|seed| Backoff::new().with_seed(seed).next_delay().unwrap())
            .collect();
        let distinct: std::collections::BTreeSet<_> = first.iter().collect();
        assert!(distinct.len() > 15, "{first:?}");
    }

    #[test]
    fn only_what_a_new_connection_can_fix_is_retried() {
        let io = Error::Io(std::sync::Arc::new(
            std::io::ErrorKind::ConnectionReset.into(),
        ));
        assert!(is_retryable(&io));
        assert!(is_retryable(&Error::connection_failed(io)));
        assert!(is_retryable(&Error::Timeout));
        assert!(is_retryable(&Error::ConnectionClosed));
        let refused = Error::No {
            text: "[AUTHENTICATIONFAILED] Authentication failed.".into(),
            code: None,
        };
        assert!(!is_retryable(&refused));
        assert!(!is_retryable(&Error::connection_failed(Error::Tls(
            rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer)
        ))));
        assert!(is_retryable(&Error::Tls(rustls::Error::DecryptError)));
        assert!(!is_retryable(&Error::Internal("bug")));
    }
}
