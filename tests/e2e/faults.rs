//! Every fault the sandbox injects leaves the report unchanged.

use crate::helpers::*;
use recon::sandbox::Faults;

async fn keys_with(
    faults: Faults,
) -> (
    std::collections::BTreeSet<Key>,
    recon::sandbox::SandboxStats,
) {
    let sb = start_sandbox(faults).await;
    let w = Work::new(&sb.base(), "");
    let o = run_month(&w);
    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
    let stats = sb.stats().await;
    sb.shutdown().await;
    (report_keys(&report_dir(&o)), stats)
}

#[tokio::test(flavor = "multi_thread")]
async fn transient_errors_are_retried() {
    let (keys, stats) = keys_with(Faults {
        fail_every: 5,
        ..Faults::default()
    })
    .await;
    assert!(stats.faults_injected > 10, "{stats:?}");
    assert_eq!(keys, expected_keys());
}

#[tokio::test(flavor = "multi_thread")]
async fn expired_tokens_are_renewed() {
    let (keys, stats) = keys_with(Faults {
        expire_token_every: 40,
        ..Faults::default()
    })
    .await;
    assert!(stats.tokens_issued > 2, "{stats:?}");
    assert_eq!(keys, expected_keys());
}

#[tokio::test(flavor = "multi_thread")]
async fn too_fast_answers_are_backed_off() {
    let (keys, stats) = keys_with(Faults {
        max_rps: 100,
        ..Faults::default()
    })
    .await;
    assert!(stats.too_fast > 0, "{stats:?}");
    assert_eq!(keys, expected_keys());
}

#[tokio::test(flavor = "multi_thread")]
async fn latency_changes_nothing() {
    let (keys, _) = keys_with(Faults {
        latency_ms: 20,
        ..Faults::default()
    })
    .await;
    assert_eq!(keys, expected_keys());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_configured_rate_keeps_the_sandbox_from_refusing() {
    let sb = start_sandbox(Faults {
        max_rps: 40,
        ..Faults::default()
    })
    .await;
    let w = Work::new(&sb.base(), "");
    let cfg = std::fs::read_to_string(w.config()).unwrap();
    std::fs::write(
        w.config(),
        cfg.replace("rate_per_sec = 0", "rate_per_sec = 35"),
    )
    .unwrap();
    let o = run_month(&w);
    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
    assert_eq!(sb.stats().await.too_fast, 0);
    assert_eq!(report_keys(&report_dir(&o)), expected_keys());
    sb.shutdown().await;
}
