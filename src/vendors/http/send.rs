//! One attempt: a permit, the pace and the rate limit, then the request and
//! its whole answer up to the size limit. Failures become `HttpError`s that
//! never carry a URL (huadian's token request has credentials in its query).

use super::HttpClient;
use std::error::Error;
use std::sync::atomic::Ordering;
use std::time::Duration;

/// A whole answer, read before anything is parsed.
pub(super) struct RawResponse {
    pub status: u16,
    pub body: Vec<u8>,
}

#[derive(Debug, thiserror::Error)]
pub(super) enum HttpError {
    #[error("request timed out after {0:?}")]
    Timeout(Duration),
    /// No connection was made: the request never left.
    #[error("cannot connect: {0}")]
    Connect(String),
    #[error("transport error: {0}")]
    Transport(String),
    #[error("cannot build the request: {0}")]
    Build(String),
    #[error("vendor redirected the request (HTTP {status} {location}); not followed, it would take our credentials elsewhere{hint}")]
    Redirect {
        status: u16,
        location: String,
        hint: String,
    },
    #[error("vendor answer too large (over {mb} MB)")]
    TooLarge { status: u16, mb: u64 },
    /// The breaker opened while this attempt waited its turn.
    #[error("{0}")]
    Stopped(String),
}

impl HttpError {
    fn from_reqwest(e: reqwest::Error, timeout: Duration) -> Self {
        // Without the URL: it may carry the token request's query.
        let e = e.without_url();
        if e.is_connect() {
            Self::Connect(connect_reason(&e))
        } else if e.is_timeout() {
            Self::Timeout(timeout)
        } else if e.is_builder() {
            Self::Build(source_chain(&e))
        } else {
            Self::Transport(source_chain(&e))
        }
    }

    /// Worth another attempt (connection failures are handled before this).
    pub(super) fn is_transient(&self) -> bool {
        matches!(
            self,
            Self::Timeout(_) | Self::Connect(_) | Self::Transport(_)
        )
    }

    /// Stops the vendor: asking again cannot help.
    pub(super) fn is_fatal(&self) -> bool {
        matches!(
            self,
            Self::Build(_) | Self::Redirect { .. } | Self::Stopped(_)
        )
    }

    pub(super) fn status(&self) -> Option<u16> {
        match self {
            Self::Redirect { status, .. } | Self::TooLarge { status, .. } => Some(*status),
            _ => None,
        }
    }
}

impl HttpClient {
    /// Sends one attempt, built by `build` once its turn has come (so that a
    /// timestamp in it is fresh), and reads the whole body.
    pub(super) async fn send<B>(&self, build: B) -> Result<RawResponse, HttpError>
    where
        B: FnOnce(&reqwest::Client) -> reqwest::RequestBuilder,
    {
        let _permit = self
            .permits
            .acquire()
            .await
            .expect("semaphore never closed");
        let slot = self.pace.lock().expect("pace lock").reserve();
        tokio::time::sleep_until(slot).await;
        if let Some(l) = &self.limiter {
            l.until_ready().await;
        }
        // Requests queued while the breaker opened are not sent.
        if let Some(why) = self.breaker.stopped() {
            return Err(HttpError::Stopped(why));
        }
        self.sent.fetch_add(1, Ordering::Relaxed);
        let resp = build(&self.client)
            .send()
            .await
            .map_err(|e| HttpError::from_reqwest(e, self.timeout))?;
        self.breaker.answered();
        let status = resp.status().as_u16();
        if resp.status().is_redirection() {
            return Err(HttpError::Redirect {
                status,
                location: location(&resp),
                hint: self.breaker.hint(),
            });
        }
        let body = self.read_body(resp).await?;
        Ok(RawResponse { status, body })
    }

    /// The body in chunks, given up past `max_body_mb`.
    async fn read_body(&self, mut resp: reqwest::Response) -> Result<Vec<u8>, HttpError> {
        let limit = self.max_body_mb.saturating_mul(1 << 20);
        let (status, mb) = (resp.status().as_u16(), self.max_body_mb);
        let too_large = || HttpError::TooLarge { status, mb };
        let announced = resp.content_length().unwrap_or(0);
        if announced > limit {
            return Err(too_large());
        }
        let mut body = Vec::with_capacity(announced as usize);
        while let Some(chunk) = resp
            .chunk()
            .await
            .map_err(|e| HttpError::from_reqwest(e, self.timeout))?
        {
            if (body.len() + chunk.len()) as u64 > limit {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }
}

/// Where a redirect points: only the host, as the path or query may carry
/// what was ours.
fn location(resp: &reqwest::Response) -> String {
    resp.headers()
        .get(reqwest::header::LOCATION)
        .and_then(|l| l.to_str().ok())
        .and_then(|l| resp.url().join(l).ok())
        .and_then(|u| u.host_str().map(|h| format!("to host {h}")))
        .unwrap_or_else(|| "without a readable Location".into())
}

/// Why no connection was made, in a few words: "connection refused", or the
/// resolver's own words for a name that does not resolve.
fn connect_reason(e: &reqwest::Error) -> String {
    use std::io::ErrorKind::*;
    let mut dns = false;
    let mut innermost = e.to_string();
    let mut cur: Option<&(dyn Error + 'static)> = Some(e);
    while let Some(c) = cur {
        let text = c.to_string();
        dns |= text.contains("dns error");
        if let Some(io) = c.downcast_ref::<std::io::Error>() {
            if matches!(
                io.kind(),
                ConnectionRefused
                    | ConnectionReset
                    | TimedOut
                    | HostUnreachable
                    | NetworkUnreachable
                    | AddrNotAvailable
                    | PermissionDenied
            ) {
                return io.kind().to_string();
            }
        }
        innermost = text;
        cur = c.source();
    }
    if dns {
        format!("name not resolved: {innermost}")
    } else if e.is_timeout() {
        "connection timed out".into()
    } else {
        innermost
    }
}

fn source_chain(e: &dyn Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        s.push_str(": ");
        s.push_str(&c.to_string());
        cur = c.source();
    }
    s
}
