//! Shared helpers: a work folder, the sandbox, running the binary, reading reports.

use recon::sandbox::{self, Faults, SandboxHandle, SandboxOptions};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub const USER_ENV: &str = "RECON_E2E_HUADIAN_USERNAME";
pub const PASS_ENV: &str = "RECON_E2E_HUADIAN_PASSWORD";
pub const ZCY_KEY_ENV: &str = "RECON_E2E_ZCY_APP_KEY";
pub const ZCY_SECRET_ENV: &str = "RECON_E2E_ZCY_APP_SECRET";

pub fn sample_data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data")
}

pub trait Base {
    /// `http://127.0.0.1:<port>`: vendors are mounted below it.
    fn base(&self) -> String;
}

impl Base for SandboxHandle {
    fn base(&self) -> String {
        format!("http://{}", self.addr)
    }
}

/// Whether an expected/report key is about zcy (its numbers are all digits;
/// huadian's start with letters).
pub fn is_zcy(k: &Key) -> bool {
    [&k.3, &k.4, &k.5]
        .into_iter()
        .find(|s| !s.is_empty())
        .is_some_and(|s| s.bytes().all(|b| b.is_ascii_digit()))
}

pub async fn start_sandbox(faults: Faults) -> SandboxHandle {
    let mut opts = SandboxOptions::new(sample_data());
    opts.faults = faults;
    sandbox::start("127.0.0.1:0".parse().unwrap(), opts)
        .await
        .expect("sandbox starts")
}

/// A throw-away folder with a config pointing at `base_url`.
pub struct Work {
    pub dir: tempfile::TempDir,
}

impl Work {
    /// Both vendors of the sample data, at the sandbox `sandbox` (its base,
    /// e.g. `http://127.0.0.1:1234`).
    pub fn new(sandbox: &str, extra: &str) -> Work {
        Work::with_urls(
            &format!("{sandbox}/huadian"),
            &format!("{sandbox}/zcy"),
            extra,
        )
    }

    pub fn with_urls(huadian_url: &str, zcy_url: &str, extra: &str) -> Work {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let cfg = format!(
            r#"
[database]
url = "sqlite://{db}"
[ledger]
path = "{ledger}"
[report]
dir = "{reports}"
language = "en"
[archive]
dir = "{archive}"
[vendors.huadian]
base_url = "{huadian_url}"
username_env = "{USER_ENV}"
password_env = "{PASS_ENV}"
rate_per_sec = 0
max_concurrency = 8
timeout_secs = 5
max_attempts = 8
backoff_ms = 5
[vendors.zcy]
base_url = "{zcy_url}"
app_key_env = "{ZCY_KEY_ENV}"
app_secret_env = "{ZCY_SECRET_ENV}"
rate_per_sec = 0
max_concurrency = 8
timeout_secs = 5
max_attempts = 8
backoff_ms = 5
{extra}
"#,
            db = d.join("recon.db").display(),
            ledger = sample_data().join("ledger.csv").display(),
            reports = d.join("reports").display(),
            archive = d.join("archive").display(),
        );
        std::fs::write(d.join("recon.toml"), cfg).unwrap();
        Work { dir }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn config(&self) -> PathBuf {
        self.path().join("recon.toml")
    }

    /// `recon <args>` with the sandbox credentials in the environment.
    pub fn recon(&self, args: &[&str]) -> Output {
        recon_with(self.path(), args, &creds())
    }
}

/// The sandbox's demo credentials, in the variables the test config names.
pub fn creds() -> Vec<(&'static str, &'static str)> {
    vec![
        (USER_ENV, "huadian_demo"),
        (PASS_ENV, "s3cret"),
        (ZCY_KEY_ENV, "zcy-demo-key"),
        (ZCY_SECRET_ENV, "zcy-demo-secret"),
    ]
}

pub fn recon_with(cwd: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_recon"));
    c.args(args).current_dir(cwd).env("NO_COLOR", "1");
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().expect("recon runs")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The report folder: the last line of stdout.
pub fn report_dir(o: &Output) -> PathBuf {
    let out = stdout(o);
    PathBuf::from(
        out.lines()
            .last()
            .expect("stdout has the report folder")
            .trim(),
    )
}

pub type Key = (String, String, String, String, String, String);

/// (code, severity, status, statement_no, order_no, doc_no) of every row.
pub fn report_keys(dir: &Path) -> BTreeSet<Key> {
    let bytes = std::fs::read(dir.join("discrepancies.csv")).unwrap();
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "CSV starts with a BOM");
    let mut r = csv::Reader::from_reader(&bytes[3..]);
    let h = r.headers().unwrap().clone();
    let col = |n: &str| {
        h.iter()
            .position(|x| x == n)
            .unwrap_or_else(|| panic!("column {n}"))
    };
    let (c, s, st, sn, on, dn) = (
        col("code"),
        col("severity"),
        col("status"),
        col("statement_no"),
        col("order_no"),
        col("doc_no"),
    );
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            (
                rec[c].to_string(),
                rec[s].to_string(),
                rec[st].to_string(),
                rec[sn].to_string(),
                rec[on].to_string(),
                rec[dn].to_string(),
            )
        })
        .collect()
}

pub fn expected_keys() -> BTreeSet<Key> {
    let mut r = csv::Reader::from_path(sample_data().join("expected.csv")).unwrap();
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            (
                rec[0].to_string(),
                rec[1].to_string(),
                rec[2].to_string(),
                rec[3].to_string(),
                rec[4].to_string(),
                rec[5].to_string(),
            )
        })
        .collect()
}

/// Every file under `dir`, as (path, bytes).
pub fn all_files(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push((p.clone(), std::fs::read(&p).unwrap()));
            }
        }
    }
    out
}

pub fn run_month(w: &Work) -> Output {
    run_month_with(w, &creds())
}

/// `recon run` over the sample month with the given environment.
pub fn run_month_with(w: &Work, env: &[(&str, &str)]) -> Output {
    recon_with(
        w.path(),
        &[
            "run",
            "--from",
            "2026-10-01",
            "--to",
            "2026-10-31",
            "--config",
            w.config().to_str().unwrap(),
        ],
        env,
    )
}
