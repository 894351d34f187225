//! The huadian HTTP client: what the driver cannot know about this vendor —
//! the token (md5 sign) sent as `Colipu-Token` and renewed on 5001/5002, and
//! which envelope codes are passing (5000), too fast (2065) or final.
//! Credentials stay in `SecretString`s and out of every message.

use super::wire::{Envelope, WToken};
use crate::vendors::http::{Credential, Credentials, HttpClient, Verdict};
use chrono_tz::Tz;
use md5::{Digest, Md5};
use secrecy::{ExposeSecret, SecretString};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
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

pub struct Client {
    http: HttpClient,
    base: String,
    username: SecretString,
    password: SecretString,
    tz: Tz,
    token: Mutex<Option<Credential>>,
    generation: AtomicU64,
    /// Requests sent, token requests and retries included.
    pub requests: Arc<AtomicU64>,
}

impl Client {
    pub fn new(
        http: HttpClient,
        base: &str,
        username: SecretString,
        password: SecretString,
        tz: Tz,
    ) -> Self {
        let base = base.trim_end_matches('/').to_string();
        let http = http.for_vendor(super::KEY, &base);
        Self {
            requests: http.requests(),
            http,
            base,
            username,
            password,
            tz,
            token: Mutex::new(None),
            generation: AtomicU64::new(0),
        }
    }

    pub fn max_attempts(&self) -> u32 {
        self.http.max_attempts()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// GET `path` (relative to the base URL) with retries.
    pub async fn get(&self, path: &str) -> Outcome {
        let url = self.url(path);
        self.http
            .call_with(
                self,
                |c, tok| c.get(&url).header("Colipu-Token", tok.expose_secret()),
                classify,
            )
            .await
    }

    /// POST a JSON body to `path` with retries.
    pub async fn post_json(&self, path: &str, body: &serde_json::Value) -> Outcome {
        let url = self.url(path);
        self.http
            .call_with(
                self,
                |c, tok| {
                    c.post(&url)
                        .header("Colipu-Token", tok.expose_secret())
                        .json(body)
                },
                classify,
            )
            .await
    }

    /// A new token from the vendor; its own call, retried as any other.
    async fn acquire(&self) -> Result<SecretString, Outcome> {
        let url = format!("{}/api/restful/auth2/access_token", self.base);
        let build = |c: &reqwest::Client| {
            let ts = chrono::Utc::now()
                .with_timezone(&self.tz)
                .format("%Y%m%d")
                .to_string();
            let user = self.username.expose_secret();
            let sig = sign(user, self.password.expose_secret(), &ts);
            c.get(&url)
                .query(&[("username", user), ("timestamp", &ts), ("sign", &sig)])
        };
        match self.http.call(build, classify_token).await {
            Outcome::Answered { status, body } => access_token(&body).ok_or(Outcome::Failed {
                status: Some(status),
                error: "token answer without access_token".into(),
                fatal: true,
            }),
            // Fatal errors already say what is wrong, and stay the same for
            // every later call of the stopped client.
            Outcome::Failed {
                status,
                error,
                fatal: false,
            } => Err(Outcome::Failed {
                status,
                error: format!("token request: {error}"),
                fatal: false,
            }),
            failed => Err(failed),
        }
    }
}

impl Credentials for Client {
    /// The current token, acquired when there is none; one acquisition at a
    /// time, the others wait for its token.
    async fn current(&self) -> Result<Credential, Outcome> {
        let mut guard = self.token.lock().await;
        if let Some(t) = guard.as_ref() {
            return Ok(t.clone());
        }
        let token = Credential {
            secret: self.acquire().await?,
            generation: self.generation.fetch_add(1, Ordering::SeqCst) + 1,
        };
        *guard = Some(token.clone());
        Ok(token)
    }

    /// Drops `stale` unless a request that met the same refusal already
    /// replaced it.
    async fn renew(&self, stale: &Credential) {
        let mut guard = self.token.lock().await;
        if guard
            .as_ref()
            .is_some_and(|t| t.generation == stale.generation)
        {
            *guard = None;
        }
    }
}

/// A data answer: the envelope's code says what it is. Unreadable bodies are
/// still answers: archived, then reported by the parser with their field.
fn classify(status: u16, body: &[u8]) -> Verdict {
    match status {
        200 => {}
        s if s >= 500 => return Verdict::Transient(format!("HTTP {s}")),
        s => {
            return Verdict::Refused {
                error: format!("HTTP {s}"),
                fatal: false,
            }
        }
    }
    match serde_json::from_slice::<Envelope>(body)
        .as_ref()
        .map(Envelope::code)
    {
        Ok("5000") => Verdict::Transient("vendor error 5000 (system error)".into()),
        Ok("2065") => Verdict::TooFast("vendor error 2065 (too fast)".into()),
        Ok(code @ ("5001" | "5002")) => {
            Verdict::Renew(format!("token refused ({code}) and renewal did not help"))
        }
        _ => Verdict::Answer,
    }
}

/// A token answer: anything but a token, a passing error or too fast means
/// the credentials are refused, and the run of this vendor stops.
fn classify_token(status: u16, body: &[u8]) -> Verdict {
    if status >= 500 {
        return Verdict::Transient(format!("HTTP {status}"));
    }
    let refused = |error: String| Verdict::Refused { error, fatal: true };
    let Ok(env) = serde_json::from_slice::<Envelope>(body) else {
        return refused(format!(
            "token request: HTTP {status} with an unreadable body"
        ));
    };
    match env.code() {
        "0" if access_token(body).is_some() => Verdict::Answer,
        "0" => refused("token answer without access_token".into()),
        "5000" => Verdict::Transient("vendor error 5000 (system error)".into()),
        "2065" => Verdict::TooFast("vendor error 2065 (too fast)".into()),
        code => refused(format!(
            "credentials refused (token error {code} {}); check the username and password variables",
            env.errormsg.text()
        )),
    }
}

fn access_token(body: &[u8]) -> Option<SecretString> {
    let env: Envelope = serde_json::from_slice(body).ok()?;
    let tok: WToken = serde_json::from_str(env.result?.get()).ok()?;
    tok.access_token.opt().map(SecretString::from)
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

    #[test]
    fn envelope_codes_become_the_drivers_verdicts() {
        let env =
            |code: &str| format!(r#"{{"success":false,"errorcode":"{code}","errormsg":"x"}}"#);
        let data = |code: &str| classify(200, env(code).as_bytes());
        assert!(matches!(data("5000"), Verdict::Transient(_)));
        assert!(matches!(data("2065"), Verdict::TooFast(_)));
        assert!(matches!(data("5001"), Verdict::Renew(_)));
        assert!(matches!(data("5002"), Verdict::Renew(_)));
        assert_eq!(data("5004"), Verdict::Answer);
        // Unreadable: archived, then reported by the parser.
        assert_eq!(classify(200, b"<html>"), Verdict::Answer);
        assert!(matches!(classify(503, b""), Verdict::Transient(_)));
        assert!(matches!(
            classify(404, b""),
            Verdict::Refused { fatal: false, .. }
        ));

        let token = |code: &str| classify_token(200, env(code).as_bytes());
        assert!(matches!(token("5000"), Verdict::Transient(_)));
        assert!(matches!(token("2065"), Verdict::TooFast(_)));
        let Verdict::Refused { error, fatal: true } = token("5005") else {
            panic!("a refused sign stops the vendor")
        };
        assert!(error.starts_with("credentials refused (token error 5005 x)"));
        let ok = br#"{"success":true,"errorcode":"0","result":{"access_token":"abc"}}"#;
        assert_eq!(classify_token(200, ok), Verdict::Answer);
        let empty = br#"{"success":true,"errorcode":"0","result":{}}"#;
        assert!(matches!(
            classify_token(200, empty),
            Verdict::Refused { fatal: true, .. }
        ));
    }

    #[tokio::test]
    async fn a_closed_port_fails_the_vendor_within_a_few_requests() {
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let base = format!("http://127.0.0.1:{port}/huadian");
        let settings = crate::settings::HttpSettings {
            backoff_ms: 5,
            ..Default::default()
        };
        let c = Client::new(
            HttpClient::new(&settings).unwrap(),
            &base,
            SecretString::from("huadian_demo"),
            SecretString::from("s3cret"),
            chrono_tz::Asia::Shanghai,
        );
        let started = std::time::Instant::now();
        let paths: Vec<_> = (0..20)
            .map(|n| format!("/api/restful/invoice/{n}/1"))
            .collect();
        let gets = paths.iter().map(|p| c.get(p));
        for o in futures::future::join_all(gets).await {
            let Outcome::Failed { error, fatal, .. } = o else {
                panic!("nothing listens")
            };
            assert!(fatal, "{error}");
            assert_eq!(
                error,
                format!("cannot reach {base} (connection refused, 3 attempts); check vendors.huadian.base_url")
            );
        }
        assert_eq!(c.requests.load(Ordering::Relaxed), 3);
        assert!(started.elapsed() < std::time::Duration::from_secs(3));
    }
}
