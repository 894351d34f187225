//! The retry loop of one call: each attempt built afresh, its answer judged
//! (transport errors and HTTP 429 by the driver, the rest by the vendor's
//! classifier), and the budgets that bound what a call may spend.

use super::send::{HttpError, RawResponse};
use super::{pace, Credentials, HttpClient, NoCredentials, Outcome, Verdict};
use secrecy::SecretString;
use std::time::Duration;

/// "Too fast" answers one call may meet before they count as attempts.
pub(super) const TOO_FAST_BUDGET: u32 = 30;
/// Credential renewals one call may make before they count as attempts.
pub(super) const RENEW_BUDGET: u32 = 3;

/// What the loop does after one attempt.
enum Step {
    Done(Outcome),
    Again {
        kind: Again,
        why: String,
        status: Option<u16>,
    },
}

#[derive(Clone, Copy)]
enum Again {
    Transient,
    TooFast,
    Renew,
}

/// What one call may still spend.
struct Budget {
    attempts: u32,
    too_fast: u32,
    renewals: u32,
}

impl Budget {
    /// Spends one retry of `kind`; `false` when no attempt is left.
    fn spend(&mut self, kind: Again, max_attempts: u32) -> bool {
        let free = match kind {
            Again::TooFast => Some(&mut self.too_fast),
            Again::Renew => Some(&mut self.renewals),
            Again::Transient => None,
        };
        if let Some(n) = free.filter(|n| **n > 0) {
            *n -= 1;
            return true;
        }
        self.attempts += 1;
        self.attempts < max_attempts
    }
}

impl HttpClient {
    /// One call with its retries; `build` makes each attempt afresh (a new
    /// nonce, a new timestamp), `classify` reads each answer.
    pub async fn call<B, C>(&self, build: B, classify: C) -> Outcome
    where
        B: Fn(&reqwest::Client) -> reqwest::RequestBuilder,
        C: Fn(u16, &[u8]) -> Verdict,
    {
        self.call_with(&NoCredentials, |c, _| build(c), classify)
            .await
    }

    /// As [`call`](Self::call), each attempt built with the current
    /// credential of `creds`, which is renewed on [`Verdict::Renew`].
    pub async fn call_with<K, B, C>(&self, creds: &K, build: B, classify: C) -> Outcome
    where
        K: Credentials,
        B: Fn(&reqwest::Client, &SecretString) -> reqwest::RequestBuilder,
        C: Fn(u16, &[u8]) -> Verdict,
    {
        let mut budget = Budget {
            attempts: 0,
            too_fast: TOO_FAST_BUDGET,
            renewals: RENEW_BUDGET,
        };
        loop {
            if let Some(o) = self.breaker.refusal() {
                return o;
            }
            let cred = match creds.current().await {
                Ok(c) => c,
                Err(o) => return o,
            };
            let sent = self.send(|c| build(c, &cred.secret)).await;
            let step = self.step(sent, &classify);
            let (kind, why, status) = match step {
                Step::Done(o) => return self.breaker.settle(o),
                Step::Again { kind, why, status } => (kind, why, status),
            };
            if !budget.spend(kind, self.max_attempts) {
                return Outcome::Failed {
                    status,
                    error: format!("gave up after {} attempts: {why}", self.max_attempts),
                    fatal: false,
                };
            }
            match kind {
                Again::Transient => tokio::time::sleep(self.backoff(budget.attempts)).await,
                Again::TooFast => self.slow_down(self.too_fast_pause),
                Again::Renew => creds.renew(&cred).await,
            }
        }
    }

    /// What to do after one attempt: the driver's own rules (transport
    /// errors, HTTP 429), then the vendor's classifier.
    fn step<C>(&self, sent: Result<RawResponse, HttpError>, classify: &C) -> Step
    where
        C: Fn(u16, &[u8]) -> Verdict,
    {
        let again = |kind, why, status| Step::Again { kind, why, status };
        let r = match sent {
            Ok(r) => r,
            Err(HttpError::Connect(why)) => match self.breaker.connect_failed(&why) {
                Some(open) => return Step::Done(open),
                None => return again(Again::Transient, format!("cannot connect: {why}"), None),
            },
            Err(e) if e.is_transient() => return again(Again::Transient, e.to_string(), None),
            Err(e) => {
                return Step::Done(Outcome::Failed {
                    status: e.status(),
                    error: e.to_string(),
                    fatal: e.is_fatal(),
                })
            }
        };
        let status = Some(r.status);
        if r.status == 429 {
            return again(Again::TooFast, "HTTP 429 (too fast)".into(), status);
        }
        match classify(r.status, &r.body) {
            Verdict::Answer => Step::Done(Outcome::Answered {
                status: r.status,
                body: r.body,
            }),
            Verdict::Transient(why) => again(Again::Transient, why, status),
            Verdict::TooFast(why) => again(Again::TooFast, why, status),
            Verdict::Renew(why) => again(Again::Renew, why, status),
            Verdict::Refused { error, fatal } => Step::Done(Outcome::Failed {
                status,
                error,
                fatal,
            }),
        }
    }

    /// The vendor refused a request for going too fast: pause every request
    /// of this client for `pause` and halve the pace from then on.
    fn slow_down(&self, pause: Duration) {
        self.pace.lock().expect("pace lock").slow_down(pause);
    }

    /// Exponential back-off with full jitter: the wait before retry `n` is
    /// anywhere up to `backoff` × 2ⁿ⁻¹, capped at 30 s.
    fn backoff(&self, attempt: u32) -> Duration {
        pace::backoff(self.backoff, attempt)
    }
}
