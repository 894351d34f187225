//! The huadian HTTP client: token (md5 sign) acquisition and renewal on 5001,
//! retries with back-off on transient answers (5000, 2065, HTTP 5xx/429,
//! timeouts). Credentials stay in `SecretString`s and out of every message.

use super::wire::{Envelope, WToken};
use crate::vendors::http::HttpClient;
use chrono_tz::Tz;
use md5::{Digest, Md5};
use secrecy::{ExposeSecret, SecretString};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::Mutex;

/// `lowercase_hex(md5(U + P + T + P))` (VENDOR-CONVENTIONS).
pub fn sign(username: &str, password: &str, timestamp: &str) -> String {
    let mut h = Md5::new();
    h.update(username.as_bytes());
    h.update(password.as_bytes());
    h.update(timestamp.as_bytes());
    h.update(password.as_bytes());
    hex::encode(h.finalize())
}

pub use crate::vendors::http::Outcome;

struct Token {
    access: SecretString,
    generation: u64,
}

pub struct Client {
    http: HttpClient,
    base: String,
    username: SecretString,
    password: SecretString,
    tz: Tz,
    token: Mutex<Option<Token>>,
    generation: AtomicU64,
    pub requests: AtomicU64,
}

enum Step {
    Done(Outcome),
    Retry(String, Option<u16>),
    /// Token rejected: drop it and try again without spending an attempt
    /// (bounded separately).
    Renew(u64),
    /// 2065: the client slows down and retries; bounded, but not an attempt.
    TooFast,
}

impl Client {
    pub fn new(
        http: HttpClient,
        base: &str,
        username: SecretString,
        password: SecretString,
        tz: Tz,
    ) -> Self {
        Self {
            http,
            base: base.trim_end_matches('/').to_string(),
            username,
            password,
            tz,
            token: Mutex::new(None),
            generation: AtomicU64::new(0),
            requests: AtomicU64::new(0),
        }
    }

    pub fn max_attempts(&self) -> u32 {
        self.http.max_attempts
    }

    /// The current token, acquiring one when there is none.
    async fn token(&self) -> Result<(SecretString, u64), Outcome> {
        let mut guard = self.token.lock().await;
        if let Some(t) = guard.as_ref() {
            return Ok((t.access.clone(), t.generation));
        }
        let access = self.acquire().await?;
        let generation = self.generation.fetch_add(1, Ordering::SeqCst) + 1;
        *guard = Some(Token {
            access: access.clone(),
            generation,
        });
        Ok((access, generation))
    }

    async fn invalidate(&self, generation: u64) {
        let mut guard = self.token.lock().await;
        if guard.as_ref().is_some_and(|t| t.generation == generation) {
            *guard = None;
        }
    }

    async fn acquire(&self) -> Result<SecretString, Outcome> {
        let mut last = String::new();
        let mut last_status = None;
        for attempt in 1..=self.http.max_attempts {
            if attempt > 1 {
                tokio::time::sleep(self.http.backoff(attempt - 1)).await;
            }
            let ts = chrono::Utc::now()
                .with_timezone(&self.tz)
                .format("%Y%m%d")
                .to_string();
            let user = self.username.expose_secret();
            let sig = sign(user, self.password.expose_secret(), &ts);
            let req = self
                .http
                .client()
                .get(format!("{}/api/restful/auth2/access_token", self.base))
                .query(&[("username", user), ("timestamp", &ts), ("sign", &sig)]);
            self.requests.fetch_add(1, Ordering::Relaxed);
            let resp = match self.http.send(req).await {
                Ok(r) => r,
                Err(e) => {
                    last = format!("token request: {e}");
                    continue;
                }
            };
            last_status = Some(resp.status);
            if resp.status == 429 || resp.status >= 500 {
                last = format!("token request: HTTP {}", resp.status);
                continue;
            }
            let env: Envelope = match serde_json::from_slice(&resp.body) {
                Ok(e) => e,
                Err(_) => {
                    return Err(Outcome::Failed {
                        status: Some(resp.status),
                        error: format!(
                            "token request: HTTP {} with an unreadable body",
                            resp.status
                        ),
                        fatal: true,
                    })
                }
            };
            match env.code() {
                "0" => {
                    let tok: Option<WToken> = env
                        .result
                        .and_then(|r| serde_json::from_str(r.get()).ok());
                    return match tok.and_then(|t| t.access_token.opt()) {
                        Some(t) => Ok(SecretString::from(t)),
                        None => Err(Outcome::Failed {
                            status: Some(resp.status),
                            error: "token answer without access_token".into(),
                            fatal: true,
                        }),
                    };
                }
                "5000" | "2065" => {
                    last = format!("token request: vendor error {}", env.code());
                    continue;
                }
                code => {
                    return Err(Outcome::Failed {
                        status: Some(resp.status),
                        error: format!(
                            "credentials refused (token error {code} {}); check the username and password variables",
                            env.errormsg.text()
                        ),
                        fatal: true,
                    })
                }
            }
        }
        Err(Outcome::Failed {
            status: last_status,
            error: format!("no token after {} attempts: {last}", self.http.max_attempts),
            fatal: false,
        })
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// GET `path` (relative to the base URL) with retries.
    pub async fn get(&self, path: &str) -> Outcome {
        self.call(|c, tok| c.get(self.url(path)).header("Colipu-Token", tok))
            .await
    }

    /// POST a JSON body to `path` with retries.
    pub async fn post_json(&self, path: &str, body: &serde_json::Value) -> Outcome {
        self.call(|c, tok| {
            c.post(self.url(path))
                .header("Colipu-Token", tok)
                .json(body)
        })
        .await
    }

    async fn call<F>(&self, build: F) -> Outcome
    where
        F: Fn(&reqwest::Client, &str) -> reqwest::RequestBuilder,
    {
        let mut attempt = 0u32;
        let mut renewals = 0u32;
        let mut too_fast = 0u32;
        let mut last = (String::new(), None);
        while attempt < self.http.max_attempts {
            let (tok, generation) = match self.token().await {
                Ok(t) => t,
                Err(o) => return o,
            };
            attempt += 1;
            self.requests.fetch_add(1, Ordering::Relaxed);
            let step = match self
                .http
                .send(build(self.http.client(), tok.expose_secret()))
                .await
            {
                Err(e) => Step::Retry(e.to_string(), None),
                Ok(r) if r.status == 429 || r.status >= 500 => {
                    Step::Retry(format!("HTTP {}", r.status), Some(r.status))
                }
                Ok(r) if r.status != 200 => Step::Done(Outcome::Failed {
                    status: Some(r.status),
                    error: format!("HTTP {}", r.status),
                    fatal: false,
                }),
                Ok(r) => match serde_json::from_slice::<Envelope>(&r.body) {
                    // Unreadable bodies are still answers: archived, then
                    // reported by the parser with their field.
                    Err(_) => Step::Done(Outcome::Answered {
                        status: r.status,
                        body: r.body,
                    }),
                    Ok(env) => match env.code() {
                        "5000" => Step::Retry("vendor error 5000 (system error)".into(), Some(200)),
                        "2065" => Step::TooFast,
                        "5001" | "5002" => Step::Renew(generation),
                        _ => Step::Done(Outcome::Answered {
                            status: r.status,
                            body: r.body,
                        }),
                    },
                },
            };
            match step {
                Step::Done(o) => return o,
                Step::Renew(g) => {
                    self.invalidate(g).await;
                    renewals += 1;
                    if renewals <= 3 {
                        // A renewed token is retried at once, not counted as an attempt.
                        attempt -= 1;
                    }
                    last = (
                        "token expired (5001) and renewal did not help".into(),
                        Some(200),
                    );
                }
                Step::TooFast => {
                    self.http.slow_down(Duration::from_secs(1));
                    too_fast += 1;
                    if too_fast <= 30 {
                        attempt -= 1;
                    }
                    last = ("vendor error 2065 (too fast)".into(), Some(200));
                }
                Step::Retry(why, status) => {
                    last = (why, status);
                    if last.1 == Some(429) {
                        self.http.slow_down(Duration::from_secs(1));
                    }
                    if attempt < self.http.max_attempts {
                        tokio::time::sleep(self.http.backoff(attempt)).await;
                    }
                }
            }
        }
        Outcome::Failed {
            status: last.1,
            error: format!(
                "gave up after {} attempts: {}",
                self.http.max_attempts, last.0
            ),
            fatal: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_matches_the_conventions_test_vector() {
        assert_eq!(
            sign("huadian_demo", "s3cret", "20240122"),
            "0636b3e0b6064078fdeb6848aa2e7541"
        );
    }
}
