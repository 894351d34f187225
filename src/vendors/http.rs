//! The HTTP driver every connector goes through: it sends one logical call as
//! attempts (rate and concurrency limits, adaptive pacing, timeouts, a body
//! size limit, no redirects), and decides from each answer's [`Verdict`]
//! whether to hand it on, retry after a back-off, slow down, renew the
//! credential or stop; a breaker stops asking a host that cannot be reached.
//! A vendor supplies only how to build one attempt and how to read an answer.

mod breaker;
mod call;
mod pace;
mod send;
#[cfg(test)]
mod tests;

use crate::settings::HttpSettings;
use breaker::Breaker;
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use pace::Pace;
use secrecy::SecretString;
use std::future::Future;
use std::num::NonZeroU32;
use std::sync::atomic::AtomicU64;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;

/// Answers over this size are cut off (`max_body_mb` default).
pub const DEFAULT_MAX_BODY_MB: u64 = 64;
/// How long a "too fast" answer pauses the whole client: one rate window.
const TOO_FAST_PAUSE: Duration = Duration::from_secs(1);

/// How one vendor call ended, after its retries.
#[derive(Debug)]
pub enum Outcome {
    /// The vendor answered (any business answer but the transient ones).
    Answered { status: u16, body: Vec<u8> },
    /// No usable answer. `fatal`: stop asking this vendor (credentials
    /// refused, host unreachable, a redirect).
    Failed {
        status: Option<u16>,
        error: String,
        fatal: bool,
    },
}

/// What a vendor's classifier makes of one answer (HTTP status and body);
/// the driver acts on it the same way for every vendor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Done: hand the body on (also a body the parser will reject later, so
    /// that it is archived and reported with its field).
    Answer,
    /// A passing failure: retry after a back-off, counted as an attempt.
    Transient(String),
    /// The vendor says we go too fast: the whole client slows down and the
    /// call is retried without spending an attempt (bounded separately).
    TooFast(String),
    /// The credential was refused as stale: renew it and retry (bounded).
    Renew(String),
    /// The request or the credentials were refused: stop. `fatal` when it
    /// is the credentials, so that the vendor's run stops at once.
    Refused { error: String, fatal: bool },
}

/// A credential sent with every attempt, renewed when an answer says
/// [`Verdict::Renew`] (huadian's token).
#[derive(Clone)]
pub struct Credential {
    pub secret: SecretString,
    /// Tells a renewal of this credential from one of its successor.
    pub generation: u64,
}

/// The token-renewal hook of a vendor that has one.
pub trait Credentials: Sync {
    /// The credential for the next attempt, acquired when there is none;
    /// an `Err` ends the call with that outcome.
    fn current(&self) -> impl Future<Output = Result<Credential, Outcome>> + Send;
    /// The vendor refused `stale`: drop it, so that `current` renews it.
    fn renew(&self, stale: &Credential) -> impl Future<Output = ()> + Send;
}

/// For vendors that sign each attempt themselves and renew nothing.
struct NoCredentials;

impl Credentials for NoCredentials {
    async fn current(&self) -> Result<Credential, Outcome> {
        Ok(Credential {
            secret: SecretString::from(""),
            generation: 0,
        })
    }
    async fn renew(&self, _stale: &Credential) {}
}

/// One vendor's client: its limits, its pace and its breaker are shared by
/// every call made through it (and its clones).
#[derive(Debug, Clone)]
pub struct HttpClient {
    client: reqwest::Client,
    limiter: Option<Arc<DefaultDirectRateLimiter>>,
    permits: Arc<Semaphore>,
    timeout: Duration,
    max_attempts: u32,
    backoff: Duration,
    max_body_mb: u64,
    too_fast_pause: Duration,
    /// Adaptive pacing, learnt from "too fast" answers: the whole client
    /// slows down, not just the request that was refused.
    pace: Arc<std::sync::Mutex<Pace>>,
    breaker: Arc<Breaker>,
    /// Requests sent, every attempt included.
    sent: Arc<AtomicU64>,
}

impl HttpClient {
    pub fn new(s: &HttpSettings) -> anyhow::Result<Self> {
        let timeout = Duration::from_secs(s.timeout_secs.max(1));
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(10)))
            .user_agent(concat!("recon/", env!("CARGO_PKG_VERSION")))
            // A vendor must not send us elsewhere: following would carry our
            // credentials to another host.
            .redirect(reqwest::redirect::Policy::none())
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
            max_body_mb: DEFAULT_MAX_BODY_MB,
            too_fast_pause: TOO_FAST_PAUSE,
            pace: Arc::new(std::sync::Mutex::new(Pace::default())),
            breaker: Arc::new(Breaker::new(None, "")),
            sent: Arc::new(AtomicU64::new(0)),
        })
    }

    /// Names the vendor (its config key) and base URL that errors such as
    /// "cannot reach" point the user to.
    pub fn for_vendor(mut self, key: &str, base: &str) -> Self {
        self.breaker = Arc::new(Breaker::new(Some(key), base));
        self
    }

    /// Answers over `mb` megabytes are cut off and reported.
    pub fn with_max_body_mb(mut self, mb: u64) -> Self {
        self.max_body_mb = mb.max(1);
        self
    }

    pub fn max_attempts(&self) -> u32 {
        self.max_attempts
    }

    /// The count of requests sent by this client, retries included.
    pub fn requests(&self) -> Arc<AtomicU64> {
        self.sent.clone()
    }
}
