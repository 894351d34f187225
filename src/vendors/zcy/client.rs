//! The zcy gateway client: every attempt signed afresh (new nonce, new
//! timestamp — a retry must never replay a nonce), transient answers retried
//! (HTTP 502/503/504, 429 Throttled with a slow-down, timeouts), the rest
//! reported. App key and secret stay in `SecretString`s.

use super::sign::{self, ACCEPT, CONTENT_TYPE, SIGNED_HEADERS};
use crate::vendors::http::{HttpClient, Outcome};
use secrecy::{ExposeSecret, SecretString};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

pub struct Client {
    http: HttpClient,
    base: String,
    app_key: SecretString,
    app_secret: SecretString,
    pub requests: AtomicU64,
}

impl Client {
    pub fn new(
        http: HttpClient,
        base: &str,
        app_key: SecretString,
        app_secret: SecretString,
    ) -> Self {
        Self {
            http,
            base: base.trim_end_matches('/').to_string(),
            app_key,
            app_secret,
            requests: AtomicU64::new(0),
        }
    }

    fn request(&self, service: &str, data: &str) -> reqwest::RequestBuilder {
        let path = format!("/open/{service}");
        let nonce = uuid::Uuid::new_v4().to_string();
        let ts = chrono::Utc::now().timestamp_millis().to_string();
        let key = self.app_key.expose_secret();
        let values = [
            ("X-Ca-Format", "json2"),
            ("X-Ca-Key", key),
            ("X-Ca-Nonce", nonce.as_str()),
            ("X-Ca-Timestamp", ts.as_str()),
        ];
        let sts = sign::string_to_sign(
            "POST",
            ACCEPT,
            CONTENT_TYPE,
            &values,
            &path,
            &[("_data_", data)],
        );
        let signature = sign::sign(self.app_secret.expose_secret(), &sts);
        let mut req = self
            .http
            .client()
            .post(format!("{}{path}", self.base))
            .header("Accept", ACCEPT)
            .header("Content-Type", CONTENT_TYPE)
            .header("X-Ca-Signature-Headers", SIGNED_HEADERS.join(","))
            .header("X-Ca-Signature", signature);
        for (k, v) in values {
            req = req.header(k, v);
        }
        req.body(form_body(data))
    }

    /// Calls `service` with `_data_` = `data` (JSON text), with retries.
    pub async fn call(&self, service: &str, data: &str) -> Outcome {
        let mut attempt = 0u32;
        let mut throttled = 0u32;
        let mut last: (String, Option<u16>) = (String::new(), None);
        while attempt < self.http.max_attempts {
            attempt += 1;
            self.requests.fetch_add(1, Ordering::Relaxed);
            match self.http.send(self.request(service, data)).await {
                Err(e) => last = (e.to_string(), None),
                Ok(r) => match r.status {
                    200 => {
                        return Outcome::Answered {
                            status: r.status,
                            body: r.body,
                        }
                    }
                    429 => {
                        self.http.slow_down(Duration::from_secs(1));
                        throttled += 1;
                        if throttled <= 30 {
                            attempt -= 1;
                        }
                        last = ("HTTP 429 Throttled".into(), Some(429));
                        continue;
                    }
                    400 => {
                        return Outcome::Failed {
                            status: Some(400),
                            error: format!(
                                "gateway refused the request (HTTP 400 {}); check the app key, app secret and the clock",
                                gateway_message(&r.body)
                            ),
                            fatal: true,
                        }
                    }
                    // A business error: an answer, not something to retry.
                    500 if is_error_response(&r.body) => {
                        return Outcome::Answered {
                            status: r.status,
                            body: r.body,
                        }
                    }
                    s if s >= 500 => last = (format!("HTTP {s}"), Some(s)),
                    s => {
                        return Outcome::Failed {
                            status: Some(s),
                            error: format!("HTTP {s} {}", gateway_message(&r.body)),
                            fatal: false,
                        }
                    }
                },
            }
            if attempt < self.http.max_attempts {
                tokio::time::sleep(self.http.backoff(attempt)).await;
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

/// `_data_=<JSON>` form-encoded (UTF-8, percent-encoding every byte but the
/// unreserved ones).
fn form_body(data: &str) -> String {
    let mut out = String::from("_data_=");
    for b in data.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.*".contains(&b) {
            out.push(b as char);
        } else if b == b' ' {
            out.push('+');
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn is_error_response(body: &[u8]) -> bool {
    serde_json::from_slice::<serde_json::Value>(body)
        .map(|v| v.get("error_response").is_some())
        .unwrap_or(false)
}

fn gateway_message(body: &[u8]) -> String {
    serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|v| {
            v.get("errorMessage")
                .and_then(|m| m.as_str().map(String::from))
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_body_round_trips_chinese_and_json() {
        let data = r#"{"data":{"status":"未支付","startAt":"2026-10-01 00:00:00"}}"#;
        let body = form_body(data);
        let decoded: Vec<(String, String)> = url_decode_pairs(&body);
        assert_eq!(decoded, vec![("_data_".to_string(), data.to_string())]);
    }

    fn url_decode_pairs(s: &str) -> Vec<(String, String)> {
        s.split('&')
            .map(|kv| {
                let (k, v) = kv.split_once('=').unwrap();
                let mut bytes = Vec::new();
                let b = v.as_bytes();
                let mut i = 0;
                while i < b.len() {
                    match b[i] {
                        b'%' => {
                            bytes.push(u8::from_str_radix(&v[i + 1..i + 3], 16).unwrap());
                            i += 3;
                        }
                        b'+' => {
                            bytes.push(b' ');
                            i += 1;
                        }
                        c => {
                            bytes.push(c);
                            i += 1;
                        }
                    }
                }
                (k.to_string(), String::from_utf8(bytes).unwrap())
            })
            .collect()
    }
}
