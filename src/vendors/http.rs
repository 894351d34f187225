//! Shared HTTP plumbing for connectors: one reqwest client with a timeout, a
//! request-rate limit (governor), a concurrency limit, and exponential back-off
//! with jitter. The retry decision belongs to each vendor (its error codes).

use crate::settings::HttpSettings;
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use rand::Rng;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;

#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    #[error("request timed out after {0:?}")]
    Timeout(Duration),
    #[error("cannot connect: {0}")]
    Connect(String),
    #[error("transport error: {0}")]
    Transport(String),
}

impl HttpError {
    fn from_reqwest(e: reqwest::Error, timeout: Duration) -> Self {
        // reqwest's Display includes the URL; ours never carries secrets in
        // URLs except the token query, which callers strip (`without_url`).
        let e = e.without_url();
        if e.is_timeout() {
            Self::Timeout(timeout)
        } else if e.is_connect() {
            Self::Connect(source_chain(&e))
        } else {
            Self::Transport(source_chain(&e))
        }
    }
}

fn source_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        s.push_str(": ");
        s.push_str(&c.to_string());
        cur = c.source();
    }
    s
}

/// How one vendor call ended, after its retries.
#[derive(Debug)]
pub enum Outcome {
    /// The vendor answered (any business answer but the transient ones).
    Answered { status: u16, body: Vec<u8> },
    /// No usable answer. `fatal`: credentials refused — stop asking.
    Failed {
        status: Option<u16>,
        error: String,
        fatal: bool,
    },
}

/// A whole answer, read before anything is parsed.
#[derive(Debug, Clone)]
pub struct RawResponse {
    pub status: u16,
    pub body: Vec<u8>,
}

#[derive(Debug, Clone)]
pub struct HttpClient {
    client: reqwest::Client,
    limiter: Option<Arc<DefaultDirectRateLimiter>>,
    permits: Arc<Semaphore>,
    timeout: Duration,
    pub max_attempts: u32,
    backoff: Duration,
    /// Adaptive pacing, learnt from "too fast" answers: the whole client
    /// slows down, not just the request that was refused.
    pace: Arc<std::sync::Mutex<Pace>>,
}

#[derive(Debug, Default)]
struct Pace {
    /// Minimum gap between two requests; doubles on every "too fast".
    gap: Duration,
    /// The earliest moment the next request may leave.
    next: Option<tokio::time::Instant>,
    /// When the gap last grew: refusals of requests already in flight then
    /// do not make it grow again.
    grown_at: Option<tokio::time::Instant>,
}

impl HttpClient {
    pub fn new(s: &HttpSettings) -> anyhow::Result<Self> {
        let timeout = Duration::from_secs(s.timeout_secs.max(1));
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(10)))
            .user_agent(concat!("recon/", env!("CARGO_PKG_VERSION")))
            .build()?;
        let limiter = NonZeroU32::new(s.rate_per_sec).map(|n| {
            // Burst of one: requests are spread evenly, never bunched at a second's start.
            Arc::new(RateLimiter::direct(
                Quota::per_second(n).allow_burst(NonZeroU32::MIN),
            ))
        });
        Ok(Self {
            client,
            limiter,
            permits: Arc::new(Semaphore::new(s.max_concurrency.max(1))),
            timeout,
            max_attempts: s.max_attempts.max(1),
            backoff: Duration::from_millis(s.backoff_ms),
            pace: Arc::new(std::sync::Mutex::new(Pace::default())),
        })
    }

    pub fn client(&self) -> &reqwest::Client {
        &self.client
    }

    /// Sends one attempt, paced by the rate limit and the concurrency limit,
    /// and reads the whole body.
    pub async fn send(&self, req: reqwest::RequestBuilder) -> Result<RawResponse, HttpError> {
        let _permit = self
            .permits
            .acquire()
            .await
            .expect("semaphore never closed");
        let slot = {
            let mut p = self.pace.lock().expect("pace lock");
            let now = tokio::time::Instant::now();
            let slot = p.next.map_or(now, |n| n.max(now));
            p.next = Some(slot + p.gap);
            // Recover slowly (1% per request) once the vendor stops refusing.
            let shrink = p.gap / 100;
            p.gap -= shrink;
            slot
        };
        tokio::time::sleep_until(slot).await;
        if let Some(l) = &self.limiter {
            l.until_ready().await;
        }
        let resp = req
            .send()
            .await
            .map_err(|e| HttpError::from_reqwest(e, self.timeout))?;
        let status = resp.status().as_u16();
        let body = resp
            .bytes()
            .await
            .map_err(|e| HttpError::from_reqwest(e, self.timeout))?;
        Ok(RawResponse {
            status,
            body: body.to_vec(),
        })
    }

    /// The vendor refused a request for going too fast: pause every request
    /// of this client for `pause` (a rate window) and halve the pace from then on.
    pub fn slow_down(&self, pause: Duration) {
        let mut p = self.pace.lock().expect("pace lock");
        let now = tokio::time::Instant::now();
        if p.grown_at.is_none_or(|t| now.duration_since(t) >= pause) {
            p.gap = (p.gap * 2).clamp(Duration::from_millis(10), Duration::from_secs(1));
            p.grown_at = Some(now);
        }
        let until = now + pause;
        if p.next.is_none_or(|t| t < until) {
            p.next = Some(until);
        }
    }

    /// Exponential back-off with full jitter: attempt 1 waits up to `backoff`,
    /// attempt 2 up to 2×, ... capped at 30 s.
    pub fn backoff(&self, attempt: u32) -> Duration {
        let cap = self
            .backoff
            .saturating_mul(1u32 << attempt.saturating_sub(1).min(16))
            .min(Duration::from_secs(30));
        let ms = cap.as_millis() as u64;
        let half = ms / 2;
        Duration::from_millis(half + rand::rng().random_range(0..=ms - half))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_stays_capped() {
        let c = HttpClient::new(&HttpSettings {
            backoff_ms: 100,
            ..Default::default()
        })
        .unwrap();
        for a in 1..6 {
            let d = c.backoff(a);
            let cap = 100u64 << (a - 1);
            assert!(d.as_millis() as u64 <= cap && d.as_millis() as u64 >= cap / 2);
        }
        assert!(c.backoff(40) <= Duration::from_secs(30));
    }
}
