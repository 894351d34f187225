//! `recon sandbox --generate`: the generated workload, reconciled by the real
//! binary, reports exactly the discrepancies listed in its expected.csv.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Command, Output};

type Key = (String, String, String, String, String, String);

fn recon(cwd: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_recon"))
        .args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .output()
        .expect("recon runs")
}

/// `recon reconcile` of the generated folder `data` over 2026 into `out`, with
/// English headers and no matched lines; `threads` sets RAYON_NUM_THREADS.
fn reconcile(w: &Path, data: &Path, out: &Path, threads: Option<&str>) -> Output {
    let config = w.join("recon.toml");
    std::fs::write(&config, "[report]\nlanguage = \"en\"\nmatched = false\n").unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_recon"));
    cmd.args(["reconcile", "--archive"])
        .arg(data)
        .arg("--ledger")
        .arg(data.join("ledger.csv"))
        .args(["--from", "2026-01-01", "--to", "2026-12-31", "--out"])
        .arg(out)
        .arg("--config")
        .arg(&config)
        .current_dir(w)
        .env("NO_COLOR", "1");
    if let Some(t) = threads {
        cmd.env("RAYON_NUM_THREADS", t);
    }
    cmd.output().expect("recon runs")
}

fn ok(o: &Output) -> String {
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(
        o.status.success(),
        "exit {:?}\nstdout:\n{out}\nstderr:\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stderr)
    );
    out
}

/// (code, severity, status, statement_no, order_no, doc_no) of a CSV with those
/// English headers (a BOM allowed).
fn keys(path: &Path) -> BTreeSet<Key> {
    let bytes = std::fs::read(path).unwrap();
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    let mut r = csv::Reader::from_reader(bytes);
    let h = r.headers().unwrap().clone();
    let col = |n: &str| {
        h.iter()
            .position(|x| x == n)
            .unwrap_or_else(|| panic!("column {n}"))
    };
    let cols = [
        col("code"),
        col("severity"),
        col("status"),
        col("statement_no"),
        col("order_no"),
        col("doc_no"),
    ];
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            let f = |i: usize| rec[cols[i]].to_string();
            (f(0), f(1), f(2), f(3), f(4), f(5))
        })
        .collect()
}

#[test]
fn reconcile_reports_exactly_what_the_generator_injected() {
    let work = tempfile::tempdir().unwrap();
    let w = work.path();
    let data = w.join("data");
    let out = ok(&recon(
        w,
        &[
            "sandbox",
            "--generate",
            data.to_str().unwrap(),
            "--orders",
            "2000",
            "--seed",
            "42",
        ],
    ));
    assert_eq!(out.trim(), data.to_str().unwrap());
    assert_eq!(
        std::fs::read_dir(data.join("huadian/statement"))
            .unwrap()
            .count(),
        20
    );

    let report = w.join("report");
    ok(&reconcile(w, &data, &report, None));
    let expected = keys(&data.join("expected.csv"));
    let found = keys(&report.join("discrepancies.csv"));
    let codes: BTreeSet<&str> = expected.iter().map(|k| k.0.as_str()).collect();
    assert_eq!(
        codes.into_iter().collect::<Vec<_>>(),
        [
            "AMOUNT_MISMATCH",
            "DUPLICATE_BILLING",
            "LINE_TOTAL_MISMATCH",
            "MISSING_IN_LEDGER",
            "MISSING_IN_VENDOR",
            "STATEMENT_TOTAL_MISMATCH"
        ],
        "seed 42 injects every code at this size"
    );
    let missing: Vec<_> = expected.difference(&found).collect();
    let extra: Vec<_> = found.difference(&expected).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "not reported: {missing:#?}\nnot injected: {extra:#?}"
    );
    assert!(report.join("discrepancies.xlsx").is_file());
    assert!(report.join("summary.json").is_file());
    assert!(!report.join("matched.csv").exists());
}

#[test]
fn the_same_seed_writes_the_same_bytes() {
    let work = tempfile::tempdir().unwrap();
    let w = work.path();
    for d in ["a", "b"] {
        ok(&recon(
            w,
            &["sandbox", "--generate", d, "--orders", "500", "--seed", "7"],
        ));
    }
    for f in ["ledger.csv", "expected.csv"] {
        assert_eq!(
            std::fs::read(w.join("a").join(f)).unwrap(),
            std::fs::read(w.join("b").join(f)).unwrap(),
            "{f}"
        );
    }
    let o = recon(w, &["sandbox", "--generate", "a", "--orders", "5"]);
    assert_eq!(o.status.code(), Some(1), "a folder with files is refused");
}

/// Rows of a discrepancies.csv without the run's own id (run_id, first_seen_run).
fn rows_without_run_id(path: &Path) -> Vec<Vec<String>> {
    let bytes = std::fs::read(path).unwrap();
    let mut r = csv::Reader::from_reader(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap());
    let h = r.headers().unwrap().clone();
    let keep: Vec<usize> = (0..h.len())
        .filter(|&i| !matches!(&h[i], "run_id" | "first_seen_run"))
        .collect();
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            keep.iter().map(|&i| rec[i].to_string()).collect()
        })
        .collect()
}

#[test]
fn the_report_is_the_same_on_one_thread_or_several() {
    // 12,000 orders: a ledger of more than a megabyte, so that it is read in
    // several pieces, and 120 statement bodies.
    let work = tempfile::tempdir().unwrap();
    let w = work.path();
    let data = w.join("data");
    ok(&recon(
        w,
        &[
            "sandbox",
            "--generate",
            "data",
            "--orders",
            "12000",
            "--seed",
            "5",
        ],
    ));
    assert!(std::fs::metadata(data.join("ledger.csv")).unwrap().len() > 1 << 20);
    let mut reports = Vec::new();
    for threads in ["1", "3"] {
        let out = w.join(format!("report-{threads}"));
        ok(&reconcile(w, &data, &out, Some(threads)));
        reports.push(rows_without_run_id(&out.join("discrepancies.csv")));
    }
    assert!(reports[0].len() > 100, "{} rows", reports[0].len());
    assert_eq!(reports[0], reports[1]);
    assert_eq!(
        keys(&w.join("report-1/discrepancies.csv")),
        keys(&data.join("expected.csv"))
    );
}
