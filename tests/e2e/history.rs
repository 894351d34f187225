//! Across runs: recurring, resolved, stored messages, final package states.

use crate::helpers::*;
use recon::sandbox::Faults;

fn without_status(keys: &std::collections::BTreeSet<Key>) -> Vec<(String, String, String, String)> {
    keys.iter()
        .map(|k| (k.0.clone(), k.3.clone(), k.4.clone(), k.5.clone()))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_second_run_sees_the_same_rows_as_recurring_from_stored_messages() {
    let sb = start_sandbox(Faults::default()).await;
    let w = Work::new(&sb.base(), "");
    let first = run_month(&w);
    assert_eq!(first.status.code(), Some(0), "stderr: {}", stderr(&first));
    let s1 = sb.stats().await;
    // Every message was stored, then deleted at the vendor.
    assert_eq!(s1.messages_left, 0, "{s1:?}");
    let first_keys = report_keys(&report_dir(&first));

    let second = run_month(&w);
    assert_eq!(second.status.code(), Some(0), "stderr: {}", stderr(&second));
    let second_keys = report_keys(&report_dir(&second));
    // The message-derived rows survive the feed being emptied.
    assert_eq!(without_status(&first_keys), without_status(&second_keys));
    for k in &second_keys {
        assert!(k.2 == "recurring" || k.2 == "pending", "{k:?}");
    }
    // Packages in a final state (拒收/签收) are not asked for again.
    let s2 = sb.stats().await;
    let pk = |s: &recon::sandbox::SandboxStats| {
        s.by_endpoint
            .iter()
            .filter(|(k, _)| k.contains("order-package/{orderId}"))
            .map(|(_, v)| *v)
            .sum::<u64>()
    };
    let first_queries = pk(&s1);
    let second_queries = pk(&s2) - first_queries;
    assert!(first_queries > 300, "{first_queries}");
    assert!(
        second_queries < 20,
        "second run re-queried {second_queries} packages"
    );
    sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_fixed_ledger_row_is_reported_once_as_resolved() {
    let sb = start_sandbox(Faults::default()).await;
    let w = Work::new(&sb.base(), "");
    // Our own copy of the ledger, to fix between runs.
    let ledger = w.path().join("ledger.csv");
    std::fs::copy(sample_data().join("ledger.csv"), &ledger).unwrap();
    let cfg = std::fs::read_to_string(w.config()).unwrap();
    let cfg = cfg.replace(
        &sample_data().join("ledger.csv").display().to_string(),
        &ledger.display().to_string(),
    );
    std::fs::write(w.config(), cfg).unwrap();
    let first = run_month(&w);
    assert_eq!(first.status.code(), Some(0), "stderr: {}", stderr(&first));

    // The accountant corrects D26100671933756544 (booked 345.61, billed 345.60).
    let text = std::fs::read_to_string(&ledger).unwrap();
    let fixed: Vec<String> = text
        .lines()
        .map(|l| {
            if l.contains(",order,D26100671933756544,") {
                l.replace("345.61", "345.60")
            } else {
                l.to_string()
            }
        })
        .collect();
    assert_ne!(fixed.join("\n"), text.trim_end());
    std::fs::write(&ledger, fixed.join("\n") + "\n").unwrap();

    let second = run_month(&w);
    assert_eq!(second.status.code(), Some(0), "stderr: {}", stderr(&second));
    let keys = report_keys(&report_dir(&second));
    let row = keys
        .iter()
        .find(|k| k.4 == "D26100671933756544" && k.0 == "AMOUNT_MISMATCH")
        .expect("the fixed row is reported");
    assert_eq!(row.2, "resolved");

    // Reported as resolved once; gone after that.
    let third = run_month(&w);
    let keys = report_keys(&report_dir(&third));
    assert!(!keys
        .iter()
        .any(|k| k.4 == "D26100671933756544" && k.0 == "AMOUNT_MISMATCH"));
    sb.shutdown().await;
}
