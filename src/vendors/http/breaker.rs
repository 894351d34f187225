//! The circuit breaker of one client: after a few consecutive connection
//! failures (refused, unresolved name) the host is taken as unreachable, and
//! a fatal refusal (credentials, a redirect) stops the client the same way;
//! once open, every later call fails at once without sending anything.

use super::Outcome;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::OnceLock;

/// Consecutive connection failures, over all requests, that open the breaker.
pub(super) const THRESHOLD: u32 = 3;

#[derive(Debug)]
pub(super) struct Breaker {
    /// The vendor's config key, for the hint at the end of an error.
    vendor: Option<String>,
    /// The base URL as shown: without user, password, query or fragment.
    base: String,
    failures: AtomicU32,
    /// Why the client stopped; set once.
    open: OnceLock<String>,
}

impl Breaker {
    pub(super) fn new(vendor: Option<&str>, base: &str) -> Self {
        Self {
            vendor: vendor.map(String::from),
            base: shown(base),
            failures: AtomicU32::new(0),
            open: OnceLock::new(),
        }
    }

    /// Where the user can fix what a fatal error names.
    pub(super) fn hint(&self) -> String {
        match &self.vendor {
            Some(v) => format!("; check vendors.{v}.base_url"),
            None => String::new(),
        }
    }

    /// Why the client stopped, once it has.
    pub(super) fn stopped(&self) -> Option<String> {
        self.open.get().cloned()
    }

    /// The outcome of a call made after the client stopped.
    pub(super) fn refusal(&self) -> Option<Outcome> {
        self.stopped().map(|error| Outcome::Failed {
            status: None,
            error,
            fatal: true,
        })
    }

    /// The host answered: the connection failures so far were passing.
    pub(super) fn answered(&self) {
        self.failures.store(0, Ordering::Relaxed);
    }

    /// Counts one connection failure; the fatal outcome once it opens.
    pub(super) fn connect_failed(&self, why: &str) -> Option<Outcome> {
        let n = self.failures.fetch_add(1, Ordering::Relaxed) + 1;
        if n >= THRESHOLD {
            let target = if self.base.is_empty() {
                "the vendor"
            } else {
                &self.base
            };
            let error = format!("cannot reach {target} ({why}, {n} attempts){}", self.hint());
            // Requests failing together: the first to open it names the cause.
            let _ = self.open.set(error);
        }
        self.refusal()
    }

    /// Passes `o` on; a fatal failure stops the client for every later call.
    pub(super) fn settle(&self, o: Outcome) -> Outcome {
        if let Outcome::Failed {
            error, fatal: true, ..
        } = &o
        {
            let _ = self.open.set(error.clone());
        }
        o
    }
}

/// `base` safe to show: a base URL may carry a user, a password or a query.
fn shown(base: &str) -> String {
    if base.is_empty() {
        return String::new();
    }
    match reqwest::Url::parse(base) {
        Ok(mut u) => {
            let _ = u.set_username("");
            let _ = u.set_password(None);
            u.set_query(None);
            u.set_fragment(None);
            u.as_str().trim_end_matches('/').to_string()
        }
        Err(_) => "the configured base_url".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_answer_resets_the_count() {
        let b = Breaker::new(Some("x"), "http://127.0.0.1:9/x");
        for _ in 0..THRESHOLD - 1 {
            assert!(b.connect_failed("connection refused").is_none());
        }
        b.answered();
        for _ in 0..THRESHOLD - 1 {
            assert!(b.connect_failed("connection refused").is_none());
        }
        assert!(b.stopped().is_none());
        let Some(Outcome::Failed { error, fatal, .. }) = b.connect_failed("connection refused")
        else {
            panic!("the breaker should open")
        };
        assert!(fatal);
        assert_eq!(
            error,
            "cannot reach http://127.0.0.1:9/x (connection refused, 3 attempts); check vendors.x.base_url"
        );
        // Open for good: an answer in flight does not close it.
        b.answered();
        assert!(b.refusal().is_some());
    }

    #[test]
    fn the_base_url_is_shown_without_secrets() {
        let b = Breaker::new(None, "https://user:pw@vendor.example/api/?token=abc#frag");
        assert_eq!(b.base, "https://vendor.example/api");
        assert_eq!(shown("not a url?token=abc"), "the configured base_url");
    }
}
