//! The driver's semantics, once for every vendor, against a tiny local server.

use super::call::{RENEW_BUDGET, TOO_FAST_BUDGET};
use super::*;
use axum::body::{Body, Bytes};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::time::Instant;

/// Serves `answer(n, headers)` to the n-th request (from 0) on every path;
/// the base URL and the count of requests the server saw.
async fn serve<F, Fut>(answer: F) -> (String, Arc<AtomicUsize>)
where
    F: Fn(usize, HeaderMap) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Response> + Send + 'static,
{
    let hits = Arc::new(AtomicUsize::new(0));
    let seen = hits.clone();
    let answer = Arc::new(answer);
    let app = axum::Router::new().fallback(move |headers: HeaderMap| {
        let n = seen.fetch_add(1, SeqCst);
        answer(n, headers)
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{addr}/test"), hits)
}

fn reply(status: u16, body: &'static str) -> Response {
    (StatusCode::from_u16(status).unwrap(), body).into_response()
}

/// A client with short waits, named "test" for its errors.
fn client(base: &str, max_attempts: u32) -> HttpClient {
    let mut c = HttpClient::new(&HttpSettings {
        rate_per_sec: 0,
        max_concurrency: 4,
        timeout_secs: 1,
        max_attempts,
        backoff_ms: 5,
    })
    .unwrap()
    .for_vendor("test", base);
    c.too_fast_pause = Duration::from_millis(5);
    c
}

/// A vendor's classifier in miniature.
fn classify(status: u16, body: &[u8]) -> Verdict {
    match (status, body) {
        (200, b"slow down") => Verdict::TooFast("slow down".into()),
        (200, b"stale") => Verdict::Renew("stale token".into()),
        (200, b"refused") => Verdict::Refused {
            error: "credentials refused".into(),
            fatal: true,
        },
        (200, _) => Verdict::Answer,
        (s, _) if s >= 500 => Verdict::Transient(format!("HTTP {s}")),
        (s, _) => Verdict::Refused {
            error: format!("HTTP {s}"),
            fatal: false,
        },
    }
}

async fn get(c: &HttpClient, base: &str) -> Outcome {
    c.call(|h| h.get(base), classify).await
}

fn failed(o: Outcome) -> (Option<u16>, String, bool) {
    match o {
        Outcome::Failed {
            status,
            error,
            fatal,
        } => (status, error, fatal),
        Outcome::Answered { status, body } => {
            panic!("answered {status}: {}", String::from_utf8_lossy(&body))
        }
    }
}

fn answered(o: Outcome) -> Vec<u8> {
    match o {
        Outcome::Answered { body, .. } => body,
        Outcome::Failed { error, .. } => panic!("failed: {error}"),
    }
}

#[tokio::test]
async fn transient_answers_are_retried_up_to_max_attempts_each_built_afresh() {
    let (base, hits) = serve(|n, _| async move {
        if n < 2 {
            reply(503, "")
        } else {
            reply(200, "ok")
        }
    })
    .await;
    let c = client(&base, 3);
    let builds = AtomicUsize::new(0);
    let o = c
        .call(
            |h| {
                builds.fetch_add(1, SeqCst);
                h.get(&base)
            },
            classify,
        )
        .await;
    assert_eq!(answered(o), b"ok");
    assert_eq!(hits.load(SeqCst), 3);
    assert_eq!(builds.load(SeqCst), 3);

    let (base, hits) = serve(|_, _| async { reply(502, "") }).await;
    let c = client(&base, 3);
    let (status, error, fatal) = failed(get(&c, &base).await);
    assert_eq!(status, Some(502));
    assert_eq!(error, "gave up after 3 attempts: HTTP 502");
    assert!(!fatal);
    assert_eq!(hits.load(SeqCst), 3);
    assert_eq!(c.requests().load(SeqCst), 3);
}

#[tokio::test]
async fn too_fast_slows_the_client_down_without_using_attempts() {
    let (base, hits) = serve(|n, _| async move {
        match n {
            0 => reply(429, "Throttled"),
            1 => reply(200, "slow down"),
            _ => reply(200, "ok"),
        }
    })
    .await;
    let c = client(&base, 1);
    assert_eq!(answered(get(&c, &base).await), b"ok");
    assert_eq!(hits.load(SeqCst), 3);
    assert!(c.pace.lock().unwrap().gap() > Duration::ZERO);
}

#[tokio::test]
async fn too_fast_is_bounded_separately() {
    let (base, hits) = serve(|_, _| async { reply(429, "Throttled") }).await;
    let c = client(&base, 2);
    let (status, error, fatal) = failed(get(&c, &base).await);
    assert_eq!((status, fatal), (Some(429), false));
    assert_eq!(error, "gave up after 2 attempts: HTTP 429 (too fast)");
    assert_eq!(hits.load(SeqCst), TOO_FAST_BUDGET as usize + 2);
}

/// Tokens "t0", "t1", ...: renewing moves on to the next.
#[derive(Default)]
struct Tokens {
    generation: AtomicU64,
    renewed: AtomicUsize,
}

impl Credentials for Tokens {
    async fn current(&self) -> Result<Credential, Outcome> {
        let generation = self.generation.load(SeqCst);
        Ok(Credential {
            secret: SecretString::from(format!("t{generation}")),
            generation,
        })
    }
    async fn renew(&self, stale: &Credential) {
        self.renewed.fetch_add(1, SeqCst);
        let _ = self.generation.compare_exchange(
            stale.generation,
            stale.generation + 1,
            SeqCst,
            SeqCst,
        );
    }
}

async fn get_with_token(c: &HttpClient, base: &str, tokens: &Tokens) -> Outcome {
    use secrecy::ExposeSecret;
    c.call_with(
        tokens,
        |h, tok| h.get(base).header("Token", tok.expose_secret()),
        classify,
    )
    .await
}

#[tokio::test]
async fn renew_calls_the_hook_and_retries_with_the_new_credential() {
    let (base, hits) = serve(|_, headers| async move {
        match headers.get("Token").and_then(|t| t.to_str().ok()) {
            Some("t0") => reply(200, "stale"),
            Some(_) => reply(200, "ok"),
            None => reply(400, ""),
        }
    })
    .await;
    let c = client(&base, 1);
    let tokens = Tokens::default();
    assert_eq!(answered(get_with_token(&c, &base, &tokens).await), b"ok");
    assert_eq!(tokens.renewed.load(SeqCst), 1);
    assert_eq!(hits.load(SeqCst), 2);
}

#[tokio::test]
async fn renewals_are_bounded() {
    let (base, hits) = serve(|_, _| async { reply(200, "stale") }).await;
    let c = client(&base, 1);
    let tokens = Tokens::default();
    let (_, error, fatal) = failed(get_with_token(&c, &base, &tokens).await);
    assert_eq!(error, "gave up after 1 attempts: stale token");
    assert!(!fatal);
    assert_eq!(tokens.renewed.load(SeqCst), RENEW_BUDGET as usize);
    assert_eq!(hits.load(SeqCst), RENEW_BUDGET as usize + 1);
}

#[tokio::test]
async fn a_fatal_refusal_stops_at_once_and_stops_the_client() {
    let (base, hits) = serve(|_, _| async { reply(200, "refused") }).await;
    let c = client(&base, 5);
    let (_, error, fatal) = failed(get(&c, &base).await);
    assert_eq!((error.as_str(), fatal), ("credentials refused", true));
    assert_eq!(hits.load(SeqCst), 1);
    // Later calls of that client fail without asking.
    let (status, error, fatal) = failed(get(&c, &base).await);
    assert_eq!(
        (status, error.as_str(), fatal),
        (None, "credentials refused", true)
    );
    assert_eq!(hits.load(SeqCst), 1);
}

#[tokio::test]
async fn a_plain_refusal_stops_that_call_only() {
    let (base, hits) = serve(|_, _| async { reply(404, "") }).await;
    let c = client(&base, 5);
    for n in 1..=2 {
        let (status, error, fatal) = failed(get(&c, &base).await);
        assert_eq!(
            (status, error.as_str(), fatal),
            (Some(404), "HTTP 404", false)
        );
        assert_eq!(hits.load(SeqCst), n);
    }
}

fn closed_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

#[tokio::test]
async fn the_breaker_opens_after_consecutive_connection_failures() {
    let base = format!("http://127.0.0.1:{}/test", closed_port());
    let c = client(&base, 2);
    let started = Instant::now();
    let call = || c.call(|h| h.get(&base).query(&[("sign", "s3cret")]), classify);
    let (_, first, fatal) = failed(call().await);
    assert!(!fatal);
    assert_eq!(
        first,
        "gave up after 2 attempts: cannot connect: connection refused"
    );
    let opened = format!(
        "cannot reach {base} (connection refused, 3 attempts); check vendors.test.base_url"
    );
    for _ in 0..3 {
        let (status, error, fatal) = failed(call().await);
        assert_eq!(
            (status, error.as_str(), fatal),
            (None, opened.as_str(), true)
        );
    }
    assert!(!first.contains("s3cret"));
    assert_eq!(c.requests().load(SeqCst), breaker::THRESHOLD as u64);
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn concurrent_calls_to_an_unreachable_host_stop_after_a_handful_of_requests() {
    let base = format!("http://127.0.0.1:{}/test", closed_port());
    let c = client(&base, 5);
    let calls = (0..20).map(|_| get(&c, &base));
    let outcomes = futures::future::join_all(calls).await;
    assert!(
        outcomes.into_iter().all(|o| failed(o).2),
        "every call fatal"
    );
    let sent = c.requests().load(SeqCst);
    assert!(sent <= u64::from(breaker::THRESHOLD) + 4, "{sent} requests");
}

#[tokio::test]
async fn a_redirect_is_not_followed_and_names_its_host() {
    let (base, hits) = serve(|_, _| async {
        let to = "http://elsewhere.example/steal?token=s3cret";
        (StatusCode::FOUND, [(header::LOCATION, to)]).into_response()
    })
    .await;
    let c = client(&base, 5);
    let (status, error, fatal) = failed(get(&c, &base).await);
    assert_eq!((status, fatal), (Some(302), true));
    assert!(
        error.contains("HTTP 302 to host elsewhere.example"),
        "{error}"
    );
    assert!(error.ends_with("check vendors.test.base_url"), "{error}");
    assert!(!error.contains("s3cret"), "{error}");
    assert_eq!(hits.load(SeqCst), 1);
}

#[tokio::test]
async fn an_oversized_body_is_cut_off() {
    const MB: usize = 1 << 20;
    let (base, _) = serve(|n, _| async move {
        match n {
            // Sent in chunks, without a length: found out while reading.
            0 => {
                let chunk = || Ok::<_, std::io::Error>(Bytes::from(vec![b'x'; 64 << 10]));
                let chunks: Vec<_> = (0..2 * MB / (64 << 10)).map(|_| chunk()).collect();
                Body::from_stream(futures::stream::iter(chunks)).into_response()
            }
            // Announced by its length: refused before reading.
            1 => vec![b'x'; 2 * MB].into_response(),
            _ => vec![b'x'; MB].into_response(),
        }
    })
    .await;
    let c = client(&base, 5).with_max_body_mb(1);
    for _ in 0..2 {
        let (status, error, fatal) = failed(get(&c, &base).await);
        assert_eq!(
            (status, error.as_str(), fatal),
            (Some(200), "vendor answer too large (over 1 MB)", false)
        );
    }
    assert_eq!(answered(get(&c, &base).await).len(), MB);
}

#[tokio::test]
async fn a_timeout_is_transient() {
    let (base, hits) = serve(|n, _| async move {
        if n == 0 {
            tokio::time::sleep(Duration::from_millis(1500)).await;
        }
        reply(200, "ok")
    })
    .await;
    let c = client(&base, 2);
    assert_eq!(answered(get(&c, &base).await), b"ok");
    assert_eq!(hits.load(SeqCst), 2);
}
