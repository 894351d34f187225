//! Timing: the adaptive pace every request of a client keeps after "too fast"
//! answers, and the back-off before a retry.

use rand::Rng;
use std::time::Duration;
use tokio::time::Instant;

/// The back-off never waits longer than this.
const BACKOFF_CAP: Duration = Duration::from_secs(30);

#[derive(Debug, Default)]
pub(super) struct Pace {
    /// Minimum gap between two requests; doubles on every "too fast".
    gap: Duration,
    /// The earliest moment the next request may leave.
    next: Option<Instant>,
    /// When the gap last grew: refusals of requests already in flight then
    /// do not make it grow again.
    grown_at: Option<Instant>,
}

impl Pace {
    /// The moment the next request may leave, booked for it.
    pub(super) fn reserve(&mut self) -> Instant {
        let now = Instant::now();
        let slot = self.next.map_or(now, |n| n.max(now));
        self.next = Some(slot + self.gap);
        // Recover slowly (1% per request) once the vendor stops refusing.
        self.gap -= self.gap / 100;
        slot
    }

    /// Pauses every request for `pause` (a rate window) and doubles the gap,
    /// kept between a hundredth of the window and the whole window.
    pub(super) fn slow_down(&mut self, pause: Duration) {
        let now = Instant::now();
        if self.grown_at.is_none_or(|t| now.duration_since(t) >= pause) {
            self.gap = (self.gap * 2).clamp(pause / 100, pause);
            self.grown_at = Some(now);
        }
        let until = now + pause;
        if self.next.is_none_or(|t| t < until) {
            self.next = Some(until);
        }
    }

    #[cfg(test)]
    pub(super) fn gap(&self) -> Duration {
        self.gap
    }
}

/// Exponential back-off with full jitter: the wait before retry `attempt`
/// is uniform in 0 ..= `first` × 2^(attempt-1), capped at 30 s, so that
/// clients refused together do not come back together.
pub(super) fn backoff(first: Duration, attempt: u32) -> Duration {
    let cap = first
        .saturating_mul(1u32 << attempt.saturating_sub(1).min(16))
        .min(BACKOFF_CAP);
    let ms = cap.as_millis() as u64;
    Duration::from_millis(rand::rng().random_range(0..=ms))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_stays_capped() {
        let first = Duration::from_millis(100);
        for a in 1..6 {
            let cap = Duration::from_millis(100 << (a - 1));
            let waits: Vec<_> = (0..200).map(|_| backoff(first, a)).collect();
            assert!(waits.iter().all(|d| *d <= cap));
            // Full jitter: the waits spread over the whole range.
            assert!(waits.iter().any(|d| *d < cap / 4), "{waits:?}");
            assert!(waits.iter().any(|d| *d > cap * 3 / 4), "{waits:?}");
        }
        assert!(backoff(first, 40) <= BACKOFF_CAP);
    }

    #[test]
    fn too_fast_pauses_then_spaces_requests() {
        let mut p = Pace::default();
        let pause = Duration::from_secs(1);
        let before = Instant::now();
        p.slow_down(pause);
        assert_eq!(p.gap(), pause / 100);
        // Refusals of requests in flight within the window do not grow it again.
        p.slow_down(pause);
        assert_eq!(p.gap(), pause / 100);
        let first = p.reserve();
        assert!(first >= before + pause);
        assert!(p.reserve() > first);
    }
}
