//! The zcy gateway client: what the driver cannot know about this vendor —
//! every attempt signed afresh (new nonce, new timestamp: a retry must never
//! replay a nonce), and which gateway answers are business answers (HTTP 500
//! `error_response`), passing (502/503/504) or refusals (400). App key and
//! secret stay in `SecretString`s.

use super::sign::{self, ACCEPT, CONTENT_TYPE, SIGNED_HEADERS};
use crate::vendors::http::{HttpClient, Outcome, Verdict};
use secrecy::{ExposeSecret, SecretString};
use std::sync::atomic::AtomicU64;
use std::sync::Arc;

pub struct Client {
    http: HttpClient,
    base: String,
    app_key: SecretString,
    app_secret: SecretString,
    /// Requests sent, retries included.
    pub requests: Arc<AtomicU64>,
}

impl Client {
    pub fn new(
        http: HttpClient,
        base: &str,
        app_key: SecretString,
        app_secret: SecretString,
    ) -> Self {
        let base = base.trim_end_matches('/').to_string();
        let http = http.for_vendor(super::KEY, &base);
        Self {
            requests: http.requests(),
            http,
            base,
            app_key,
            app_secret,
        }
    }

    /// One attempt, signed now.
    fn request(&self, c: &reqwest::Client, service: &str, data: &str) -> reqwest::RequestBuilder {
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
        let mut req = c
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
        self.http
            .call(|c| self.request(c, service, data), classify)
            .await
    }
}

/// A gateway answer (HTTP 429 is the driver's: too fast, as for every vendor).
fn classify(status: u16, body: &[u8]) -> Verdict {
    match status {
        200 => Verdict::Answer,
        // The signature, the timestamp or the key: nothing else will pass either.
        400 => Verdict::Refused {
            error: format!(
                "gateway refused the request (HTTP 400 {}); check the app key, app secret and the clock",
                gateway_message(body)
            ),
            fatal: true,
        },
        // A business error: an answer, not something to retry.
        500 if is_error_response(body) => Verdict::Answer,
        s if s >= 500 => Verdict::Transient(format!("HTTP {s}")),
        s => Verdict::Refused {
            error: format!("HTTP {s} {}", gateway_message(body)),
            fatal: false,
        },
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
    fn gateway_answers_become_the_drivers_verdicts() {
        assert_eq!(classify(200, br#"{"data_response":{}}"#), Verdict::Answer);
        let business = br#"{"error_response":{"resultCode":-1,"resultMsg":"bad"}}"#;
        assert_eq!(classify(500, business), Verdict::Answer);
        assert!(matches!(classify(500, b"oops"), Verdict::Transient(_)));
        assert!(matches!(
            classify(502, b"Bad Gateway"),
            Verdict::Transient(_)
        ));
        let Verdict::Refused { error, fatal: true } =
            classify(400, br#"{"errorMessage":"Invalid Signature"}"#)
        else {
            panic!("a refused signature stops the vendor")
        };
        assert!(error.contains("HTTP 400 Invalid Signature"), "{error}");
        assert!(matches!(
            classify(404, b""),
            Verdict::Refused { fatal: false, .. }
        ));
    }

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
