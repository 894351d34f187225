//! Fault injection: latency, rate limit, transient errors and token expiry, applied to
//! every vendor request in that order; each vendor renders a fault in its own error form.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;

use super::state::Shared;

/// Faults chosen for one server start. All zero (the default) = a well-behaved vendor.
#[derive(Clone, Debug, Default)]
pub struct Faults {
    /// Milliseconds added to every vendor answer. Example: `200`.
    pub latency_ms: u64,
    /// 0 = off; every Nth vendor request answers a transient error, alternately the
    /// vendor's "system error" envelope (HTTP 200) and HTTP 503 (zcy, a gateway without
    /// an envelope: HTTP 503 and HTTP 502). Example: `5`.
    pub fail_every: u32,
    /// 0 = off; every Nth authorized request is refused as "token expired" and its token
    /// revoked. Example: `10`.
    pub expire_token_every: u32,
    /// 0 = off; more than this many requests within any 1-second window are refused as
    /// "too fast". Example: `10`.
    pub max_rps: u32,
    /// Access token lifetime in seconds; 0 = the vendor default (12 h for huadian).
    pub token_ttl_secs: u64,
}

/// A fault the gate decided to inject instead of serving the request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Injected {
    /// Over `max_rps`.
    TooFast,
    /// `fail_every`, odd occurrences: the vendor's own system-error answer.
    TransientEnvelope,
    /// `fail_every`, even occurrences: HTTP 503 as from a gateway.
    TransientHttp503,
}

/// Per-vendor fault state: one gate per mounted vendor, so their counters and rate
/// windows are independent, as they would be for separate services.
pub struct FaultGate {
    vendor: &'static str,
    faults: Faults,
    shared: Arc<Shared>,
    render: fn(Injected) -> Response,
    arrivals: Mutex<VecDeque<Instant>>,
    seen: AtomicU64,
    transients: AtomicU64,
    authorized: AtomicU64,
}

impl FaultGate {
    pub fn new(
        vendor: &'static str,
        faults: Faults,
        shared: Arc<Shared>,
        render: fn(Injected) -> Response,
    ) -> Self {
        Self {
            vendor,
            faults,
            shared,
            render,
            arrivals: Mutex::new(VecDeque::new()),
            seen: AtomicU64::new(0),
            transients: AtomicU64::new(0),
            authorized: AtomicU64::new(0),
        }
    }

    pub fn faults(&self) -> &Faults {
        &self.faults
    }

    pub fn shared(&self) -> &Arc<Shared> {
        &self.shared
    }

    /// Counts every arrival, refused ones too: a client hammering the vendor stays
    /// refused until it backs off for a second.
    fn over_rate(&self) -> bool {
        if self.faults.max_rps == 0 {
            return false;
        }
        let now = Instant::now();
        let mut window = self.arrivals.lock().unwrap_or_else(|e| e.into_inner());
        while window
            .front()
            .is_some_and(|t| now.duration_since(*t) >= Duration::from_secs(1))
        {
            window.pop_front();
        }
        window.push_back(now);
        window.len() > self.faults.max_rps as usize
    }

    fn transient(&self) -> Option<Injected> {
        let every = u64::from(self.faults.fail_every);
        if every == 0 {
            return None;
        }
        let n = self.seen.fetch_add(1, Ordering::SeqCst) + 1;
        if !n.is_multiple_of(every) {
            return None;
        }
        let k = self.transients.fetch_add(1, Ordering::SeqCst);
        Some(if k.is_multiple_of(2) {
            Injected::TransientEnvelope
        } else {
            Injected::TransientHttp503
        })
    }

    /// Rate limit, then `fail_every`; counts what it injects.
    pub fn check(&self) -> Option<Injected> {
        if self.over_rate() {
            self.shared.too_fast();
            return Some(Injected::TooFast);
        }
        let t = self.transient();
        if t.is_some() {
            self.shared.fault_injected();
        }
        t
    }

    /// Called by a vendor for each request that presented a valid token; true when this
    /// one is the Nth and must be refused with its token revoked.
    pub fn expire_this_token(&self) -> bool {
        let every = u64::from(self.faults.expire_token_every);
        if every == 0 {
            return false;
        }
        let n = self.authorized.fetch_add(1, Ordering::SeqCst) + 1;
        let hit = n.is_multiple_of(every);
        if hit {
            self.shared.fault_injected();
        }
        hit
    }
}

/// Middleware for one vendor route (`pattern` as registered, e.g.
/// `/api/restful/invoice/{billNo}/{billRowNo}`): counts the request, waits the latency,
/// then lets the gate refuse it or passes it on.
pub async fn gate(
    State((gate, pattern)): State<(Arc<FaultGate>, &'static str)>,
    req: Request,
    next: Next,
) -> Response {
    gate.shared
        .count_request(format!("{} /{}{}", req.method(), gate.vendor, pattern));
    if gate.faults.latency_ms > 0 {
        tokio::time::sleep(Duration::from_millis(gate.faults.latency_ms)).await;
    }
    if let Some(fault) = gate.check() {
        return (gate.render)(fault);
    }
    next.run(req).await
}
