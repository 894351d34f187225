//! The commands as a user runs them: demo, run, reconcile, runs.

use crate::helpers::*;
use recon::sandbox::Faults;

#[test]
fn demo_reports_exactly_the_sample_set() {
    let dir = tempfile::tempdir().unwrap();
    let o = recon_with(
        dir.path(),
        &[
            "demo",
            "--language",
            "en",
            "--data",
            sample_data().to_str().unwrap(),
        ],
        &[("RECON_LOG", "warn")],
    );
    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
    // What the user sees on the terminal, pinned.
    insta::with_settings!({filters => vec![
        (r"\d{8}T\d{6}-[0-9a-f]{4}", "[RUN]"),
        (r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?\+08:00", "[TIME]"),
        (r"127\.0\.0\.1:\d+", "127.0.0.1:[PORT]"),
        (r"serving \S+", "serving [DATA]"),
    ]}, {
        insta::assert_snapshot!("demo_stderr", stderr(&o));
    });
    let rd = report_dir(&o);
    let rd = if rd.is_absolute() {
        rd
    } else {
        dir.path().join(rd)
    };
    for f in [
        "discrepancies.csv",
        "discrepancies.xlsx",
        "summary.json",
        "input_errors.csv",
    ] {
        assert!(rd.join(f).is_file(), "{f} written");
    }
    let got = report_keys(&rd);
    let want = expected_keys();
    let missing: Vec<_> = want.difference(&got).collect();
    let extra: Vec<_> = got.difference(&want).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "missing {missing:#?}\nextra {extra:#?}"
    );
    // The two unreadable ledger rows, by physical line.
    let errs = std::fs::read_to_string(rd.join("input_errors.csv")).unwrap();
    let mut want_lines =
        csv::Reader::from_path(sample_data().join("expected_input_errors.csv")).unwrap();
    for rec in want_lines.records() {
        let rec = rec.unwrap();
        assert!(
            errs.lines().any(|l| l.contains(&format!(",{},", &rec[1]))),
            "input error at line {} listed: {errs}",
            &rec[1]
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn run_and_replay_of_its_archive_agree() {
    let sb = start_sandbox(Faults::default()).await;
    let w = Work::new(&sb.base(), "");
    let o = run_month(&w);
    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
    let live = report_keys(&report_dir(&o));
    assert_eq!(live, expected_keys());

    // The archive alone (no network) gives the same report.
    let archive = std::fs::read_dir(w.path().join("archive"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    assert!(archive.join("manifest.json").is_file());
    assert!(archive.join("huadian/statement").is_dir());
    let out = w.path().join("replay");
    let o = w.recon(&[
        "reconcile",
        "--archive",
        archive.to_str().unwrap(),
        "--ledger",
        sample_data().join("ledger.csv").to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--config",
        w.config().to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
    assert_eq!(report_dir(&o), out);
    assert_eq!(report_keys(&out), live);

    // `runs` lists the run.
    let o = w.recon(&["runs", "--config", w.config().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).contains("2026-10-01"), "{}", stdout(&o));
    sb.shutdown().await;
}

#[test]
fn usage_errors_exit_2_with_a_hint() {
    let dir = tempfile::tempdir().unwrap();
    let o = recon_with(dir.path(), &["run", "--config", "nope.toml"], &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).starts_with("error: "), "{}", stderr(&o));
    let o = recon_with(dir.path(), &["run", "--from", "2026-13-01"], &[]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn every_command_has_help_with_an_example() {
    let dir = tempfile::tempdir().unwrap();
    for cmd in ["demo", "run", "reconcile", "sandbox", "runs"] {
        let o = recon_with(dir.path(), &[cmd, "--help"], &[]);
        assert_eq!(o.status.code(), Some(0));
        assert!(
            stdout(&o).contains("Examples:"),
            "{cmd} --help has examples"
        );
    }
}
