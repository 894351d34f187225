//! Counters and records shared by every vendor simulator of one sandbox server.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};

use serde::{Deserialize, Serialize};

/// What a vendor simulator reports about its own mutable state.
pub trait VendorSim: Send + Sync {
    /// Messages still in the vendor's feed (not yet deleted by a client).
    fn messages_left(&self) -> usize;
}

/// A snapshot of what the sandbox has seen since it started; also served as JSON at
/// `GET /_sandbox/stats`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SandboxStats {
    /// Vendor requests received (faulted ones included, `/_sandbox` excluded).
    pub requests: u64,
    /// Vendor requests per route, keyed `"GET /huadian/api/restful/..."` (the route pattern).
    pub by_endpoint: BTreeMap<String, u64>,
    /// Transient errors (`fail_every`) and token revocations (`expire_token_every`) injected.
    pub faults_injected: u64,
    /// Requests refused by the rate limit (`max_rps`).
    pub too_fast: u64,
    /// Access tokens handed out (by the token and the refresh endpoints).
    pub tokens_issued: u64,
    /// Messages left in the vendors' feeds.
    pub messages_left: usize,
    /// Accepted return applications, as the request bodies the clients sent.
    pub refunds: Vec<serde_json::Value>,
    /// Requests refused because their nonce was used before (zcy gateway).
    #[serde(default)]
    pub replays_refused: u64,
    /// Accepted zcy invoice uploads (SupplierUploadInvoiceInfo), as their `data` objects.
    #[serde(default)]
    pub zcy_uploads: Vec<serde_json::Value>,
    /// Accepted zcy statement confirmations (SubmitStatementMatchConfirm), as their `data` objects.
    #[serde(default)]
    pub zcy_confirms: Vec<serde_json::Value>,
}

#[derive(Default)]
struct Counters {
    requests: u64,
    by_endpoint: BTreeMap<String, u64>,
    faults_injected: u64,
    too_fast: u64,
    tokens_issued: u64,
    refunds: Vec<serde_json::Value>,
    replays_refused: u64,
    zcy_uploads: Vec<serde_json::Value>,
    zcy_confirms: Vec<serde_json::Value>,
}

/// State shared by the whole server: counters and the mounted simulators.
#[derive(Default)]
pub struct Shared {
    counters: Mutex<Counters>,
    sims: Mutex<Vec<Arc<dyn VendorSim>>>,
}

impl Shared {
    fn counters(&self) -> MutexGuard<'_, Counters> {
        // A panic while holding the lock leaves plain counters behind: still usable.
        self.counters.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn register(&self, sim: Arc<dyn VendorSim>) {
        self.sims
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(sim);
    }

    pub fn count_request(&self, endpoint: String) {
        let mut c = self.counters();
        c.requests += 1;
        *c.by_endpoint.entry(endpoint).or_default() += 1;
    }

    pub fn fault_injected(&self) {
        self.counters().faults_injected += 1;
    }

    pub fn too_fast(&self) {
        self.counters().too_fast += 1;
    }

    pub fn token_issued(&self) {
        self.counters().tokens_issued += 1;
    }

    pub fn record_refund(&self, request: serde_json::Value) {
        self.counters().refunds.push(request);
    }

    pub fn replay_refused(&self) {
        self.counters().replays_refused += 1;
    }

    pub fn record_zcy_upload(&self, data: serde_json::Value) {
        self.counters().zcy_uploads.push(data);
    }

    pub fn record_zcy_confirm(&self, data: serde_json::Value) {
        self.counters().zcy_confirms.push(data);
    }

    pub fn snapshot(&self) -> SandboxStats {
        let messages_left = self
            .sims
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .map(|s| s.messages_left())
            .sum();
        let c = self.counters();
        SandboxStats {
            requests: c.requests,
            by_endpoint: c.by_endpoint.clone(),
            faults_injected: c.faults_injected,
            too_fast: c.too_fast,
            tokens_issued: c.tokens_issued,
            messages_left,
            refunds: c.refunds.clone(),
            replays_refused: c.replays_refused,
            zcy_uploads: c.zcy_uploads.clone(),
            zcy_confirms: c.zcy_confirms.clone(),
        }
    }
}
