//! A vendor that cannot be reached makes the run partial (exit 3), the other
//! vendor's results stay whole, and nothing unseen is reported as missing.

use crate::helpers::*;

fn closed_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn summary(rd: &std::path::Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(rd.join("summary.json")).unwrap()).unwrap()
}

#[test]
fn unreachable_vendors_exit_3_without_false_rows() {
    let port = closed_port();
    let w = Work::new(&format!("http://127.0.0.1:{port}"), "");
    let cfg = std::fs::read_to_string(w.config()).unwrap();
    std::fs::write(
        w.config(),
        cfg.replace("max_attempts = 8", "max_attempts = 2"),
    )
    .unwrap();
    let o = run_month(&w);
    assert_eq!(o.status.code(), Some(3), "stderr: {}", stderr(&o));
    let rd = report_dir(&o);
    let keys = report_keys(&rd);
    assert!(
        keys.iter().all(|k| k.0 == "DUPLICATE_IN_LEDGER"),
        "only ledger-side checks: {keys:?}"
    );
    let text = summary(&rd).to_string();
    assert!(text.contains("failed"), "{text}");
}

#[tokio::test(flavor = "multi_thread")]
async fn zcy_down_beside_a_healthy_huadian() {
    let sb = start_sandbox(Default::default()).await;
    let port = closed_port();
    let w = Work::with_urls(
        &sb.base_url("huadian"),
        &format!("http://127.0.0.1:{port}/zcy"),
        "",
    );
    let cfg = std::fs::read_to_string(w.config()).unwrap();
    std::fs::write(
        w.config(),
        cfg.replace("max_attempts = 8", "max_attempts = 2"),
    )
    .unwrap();
    let o = run_month(&w);
    assert_eq!(o.status.code(), Some(3), "stderr: {}", stderr(&o));
    let rd = report_dir(&o);
    let keys = report_keys(&rd);
    // huadian's results are whole...
    let want_huadian: Vec<_> = expected_keys().into_iter().filter(|k| !is_zcy(k)).collect();
    let got_huadian: Vec<_> = keys.iter().filter(|k| !is_zcy(k)).cloned().collect();
    assert_eq!(got_huadian, want_huadian);
    // ...and nothing claims zcy lacks anything: only the ledger's own duplicates.
    let zcy_rows: Vec<_> = keys.iter().filter(|k| is_zcy(k)).collect();
    assert!(
        zcy_rows.iter().all(|k| k.0 == "DUPLICATE_IN_LEDGER"),
        "{zcy_rows:?}"
    );
    // summary.json says which vendor failed and why.
    let s = summary(&rd);
    let zcy = &s["fetch"]["zcy"];
    assert_eq!(zcy["state"], "failed", "{s}");
    assert!(
        zcy["error"].as_str().unwrap_or("").contains("connect"),
        "{s}"
    );
    assert_eq!(s["fetch"]["huadian"]["state"], "ok", "{s}");
    sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_credentials_fail_the_vendor_not_the_run() {
    let sb = start_sandbox(Default::default()).await;
    let w = Work::new(&sb.base(), "");
    let mut env = creds();
    env.retain(|(k, _)| *k != PASS_ENV);
    env.push((PASS_ENV, "wrong-password"));
    let o = run_month_with(&w, &env);
    assert_eq!(o.status.code(), Some(3), "stderr: {}", stderr(&o));
    assert!(stderr(&o).contains("credentials"), "{}", stderr(&o));
    // zcy, whose credentials are right, is still reported whole.
    let keys = report_keys(&report_dir(&o));
    let want: Vec<_> = expected_keys().into_iter().filter(is_zcy).collect();
    let got: Vec<_> = keys.into_iter().filter(is_zcy).collect();
    assert_eq!(got, want);
    sb.shutdown().await;
}

/// The Summary sheet's cells, as text, row by row.
fn summary_sheet(rd: &std::path::Path) -> Vec<String> {
    use calamine::{open_workbook, Reader, Xlsx};
    let mut wb: Xlsx<_> = open_workbook(rd.join("discrepancies.xlsx")).unwrap();
    let sheet = wb.worksheet_range_at(0).unwrap().unwrap();
    sheet
        .rows()
        .map(|r| {
            r.iter()
                .map(|c| c.to_string())
                .collect::<Vec<_>>()
                .join(" | ")
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refused_zcy_signature_is_reported_in_the_gateways_words() {
    let sb = start_sandbox(Default::default()).await;
    let w = Work::new(&sb.base(), "");
    let mut env = creds();
    env.retain(|(k, _)| *k != ZCY_SECRET_ENV);
    env.push((ZCY_SECRET_ENV, "not-the-secret"));
    let o = run_month_with(&w, &env);
    assert_eq!(o.status.code(), Some(3), "stderr: {}", stderr(&o));
    // A 400 is not transient: one attempt, and the gateway's message shown.
    let stats = sb.stats().await;
    let zcy_requests: u64 = stats
        .by_endpoint
        .iter()
        .filter(|(k, _)| k.contains("/zcy/"))
        .map(|(_, n)| n)
        .sum();
    assert_eq!(zcy_requests, 1, "{:?}", stats.by_endpoint);
    assert!(stderr(&o).contains("Invalid Signature"), "{}", stderr(&o));
    assert!(!stderr(&o).contains("not-the-secret"));
    let rd = report_dir(&o);
    let s = summary(&rd);
    assert_eq!(s["fetch"]["zcy"]["state"], "failed", "{s}");
    assert!(
        s["fetch"]["zcy"]["error"]
            .as_str()
            .unwrap_or("")
            .contains("Invalid Signature"),
        "{s}"
    );
    let sheet = summary_sheet(&rd);
    assert!(
        sheet
            .iter()
            .any(|r| r.contains("zcy") && r.contains("Invalid Signature")),
        "{sheet:#?}"
    );
    // huadian is whole.
    let keys = report_keys(&rd);
    let want: Vec<_> = expected_keys().into_iter().filter(|k| !is_zcy(k)).collect();
    let got: Vec<_> = keys.into_iter().filter(|k| !is_zcy(k)).collect();
    assert_eq!(got, want);
    sb.shutdown().await;
}
