//! Progress of long work: a live bar on a terminal, plain periodic log lines
//! elsewhere (a nightly job's log should read well, not fill with redraws).

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[derive(Clone)]
pub struct Progress {
    inner: Arc<Inner>,
}

struct Inner {
    label: String,
    bar: Option<ProgressBar>,
    done: AtomicU64,
    last_log: Mutex<Instant>,
}

impl std::fmt::Debug for Progress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Progress")
            .field("label", &self.inner.label)
            .finish()
    }
}

impl Progress {
    /// A bar when stderr is a terminal (and `NO_COLOR`-style plain output was
    /// not asked for with `RECON_PROGRESS=plain`), log lines otherwise.
    pub fn new(label: &str) -> Self {
        let live = std::io::stderr().is_terminal()
            && std::env::var("RECON_PROGRESS").map_or(true, |v| v != "plain");
        let bar = live.then(|| {
            let b = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
            b.set_style(
                ProgressStyle::with_template(
                    "{spinner} {prefix} {pos} documents {msg} [{elapsed}]",
                )
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            b.set_prefix(label.to_string());
            b.enable_steady_tick(Duration::from_millis(120));
            b
        });
        Self {
            inner: Arc::new(Inner {
                label: label.to_string(),
                bar,
                done: AtomicU64::new(0),
                last_log: Mutex::new(Instant::now()),
            }),
        }
    }

    /// One more document fetched; `what` names the stage (statements, packages…).
    pub fn inc(&self, what: &str) {
        let n = self.inner.done.fetch_add(1, Ordering::Relaxed) + 1;
        if let Some(b) = &self.inner.bar {
            b.set_position(n);
            b.set_message(what.to_string());
            return;
        }
        if self.inner.label.is_empty() {
            return;
        }
        let mut last = self.inner.last_log.lock().expect("progress lock");
        if last.elapsed() >= Duration::from_secs(10) {
            *last = Instant::now();
            tracing::info!("{}: {n} documents fetched ({what})", self.inner.label);
        }
    }

    pub fn finish(&self) {
        if let Some(b) = &self.inner.bar {
            b.finish_and_clear();
        }
    }
}
