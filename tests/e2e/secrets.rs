//! A secret never appears in stdout, stderr, reports or the archive.

use crate::helpers::*;

#[tokio::test(flavor = "multi_thread")]
async fn the_password_appears_nowhere() {
    let secret = "Zq9-very-secret-PASSWORD";
    let zcy_secret = "Zq9-very-secret-ZCY-SECRET";
    let mut opts = recon::sandbox::SandboxOptions::new(sample_data());
    opts.huadian.password = secret.into();
    opts.zcy.app_secret = zcy_secret.into();
    let sb = recon::sandbox::start("127.0.0.1:0".parse().unwrap(), opts)
        .await
        .unwrap();
    let w = Work::new(&sb.base(), "");
    let o = run_month_with(
        &w,
        &[
            (USER_ENV, "huadian_demo"),
            (PASS_ENV, secret),
            (ZCY_KEY_ENV, "zcy-demo-key"),
            (ZCY_SECRET_ENV, zcy_secret),
            ("RECON_LOG", "debug"),
        ],
    );
    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
    for s in [secret, zcy_secret] {
        assert!(!stdout(&o).contains(s));
        assert!(!stderr(&o).contains(s));
    }
    let files = all_files(w.path());
    assert!(files.iter().any(|(p, _)| p.ends_with("manifest.json")));
    for (p, bytes) in files {
        if p.ends_with("recon.toml") {
            continue;
        }
        let hay = String::from_utf8_lossy(&bytes);
        assert!(!hay.contains(secret), "{} holds the secret", p.display());
        assert!(
            !hay.contains(zcy_secret),
            "{} holds the zcy secret",
            p.display()
        );
        assert!(
            !hay.contains("access_token"),
            "{} holds a token answer",
            p.display()
        );
    }
    sb.shutdown().await;
}
