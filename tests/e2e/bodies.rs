//! A vendor body that cannot be parsed: archived anyway, listed in
//! input_errors.csv, its statement not reported on, the run partial.

use crate::helpers::*;
use recon::sandbox::{self, SandboxOptions};

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            copy_dir(&p, &to.join(e.file_name()));
        } else {
            std::fs::copy(&p, to.join(e.file_name())).unwrap();
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unreadable_statement_is_kept_listed_and_not_reported() {
    let data = tempfile::tempdir().unwrap();
    copy_dir(&sample_data(), data.path());
    // CG20261020E1847DF6 carries a MISSING_IN_VENDOR and an OUT_OF_PERIOD row.
    let bad = "CG20261020E1847DF6";
    let f = data.path().join(format!("huadian/statements/{bad}.json"));
    let text = std::fs::read_to_string(&f).unwrap();
    let i = text.find("\"orderAmount\":").unwrap() + "\"orderAmount\":".len();
    let j = i + text[i..].find([',', '\n']).unwrap();
    let broken = format!("{} \"12,3x\"{}", &text[..i], &text[j..]);
    std::fs::write(&f, broken.as_bytes()).unwrap();

    let sb = sandbox::start(
        "127.0.0.1:0".parse().unwrap(),
        SandboxOptions::new(data.path()),
    )
    .await
    .unwrap();
    let w = Work::new(&sb.base(), "");
    let o = run_month(&w);
    assert_eq!(o.status.code(), Some(3), "stderr: {}", stderr(&o));
    let rd = report_dir(&o);
    let keys = report_keys(&rd);
    assert!(
        !keys.iter().any(|k| k.3 == bad),
        "nothing about {bad}: {keys:?}"
    );
    let errors = std::fs::read_to_string(rd.join("input_errors.csv")).unwrap();
    assert!(
        errors
            .lines()
            .any(|l| l.contains(bad) && l.contains("orderAmount")),
        "{errors}"
    );
    // The broken body is in the archive, byte for byte.
    let archived = all_files(&w.path().join("archive"))
        .into_iter()
        .find(|(p, _)| p.ends_with(format!("huadian/statement/{bad}.json")))
        .expect("archived");
    assert!(String::from_utf8_lossy(&archived.1).contains("12,3x"));
    // Everything else is still reported.
    let others: Vec<_> = expected_keys().into_iter().filter(|k| k.3 != bad).collect();
    for k in others {
        assert!(keys.contains(&k), "still reported: {k:?}");
    }
    sb.shutdown().await;
}
