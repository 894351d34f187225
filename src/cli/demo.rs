//! `recon demo`: zero set-up. Starts the built-in sandbox on loopback with the
//! bundled sample data, runs the whole pipeline against it and the sample
//! ledger with a fresh SQLite history, and writes the report under reports/.

use super::finish;
use crate::pipeline::{self, RunOptions, UsageError};
use crate::sandbox::{self, Faults, HuadianCredentials, SandboxOptions, ZcyCredentials};
use crate::settings::{HttpSettings, HuadianSettings, Settings, ZcySettings};
use chrono::NaiveDate;
use clap::Args;
use std::path::{Path, PathBuf};

const USER_ENV: &str = "RECON_DEMO_HUADIAN_USERNAME";
const PASS_ENV: &str = "RECON_DEMO_HUADIAN_PASSWORD";
const DEMO_USER: &str = "huadian_demo";
const DEMO_PASS: &str = "s3cret";
const ZCY_KEY_ENV: &str = "RECON_DEMO_ZCY_APP_KEY";
const ZCY_SECRET_ENV: &str = "RECON_DEMO_ZCY_APP_SECRET";
const DEMO_ZCY_KEY: &str = "zcy-demo-key";
const DEMO_ZCY_SECRET: &str = "zcy-demo-secret";

/// The month the sample data covers.
pub fn demo_range() -> (NaiveDate, NaiveDate) {
    (
        NaiveDate::from_ymd_opt(2026, 10, 1).expect("valid"),
        NaiveDate::from_ymd_opt(2026, 10, 31).expect("valid"),
    )
}

/// Run the whole pipeline against the built-in sandbox and sample data.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  recon demo\n  recon demo --reports /tmp/demo-reports --language en"
)]
pub struct DemoArgs {
    /// Sample data folder (default: ./sample-data, else the one shipped with recon).
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// Where the report folder goes.
    #[arg(long, default_value = "reports")]
    pub reports: PathBuf,
    /// Header language of discrepancies.csv: zh or en.
    #[arg(long, default_value = "zh")]
    pub language: String,
    /// Inject sandbox faults (transient error every Nth request), to watch retries work.
    #[arg(long, default_value_t = 0)]
    pub fail_every: u32,
}

/// Sets the demo's sandbox credentials in the environment (called before
/// the runtime starts any thread).
pub fn export_credentials() {
    // SAFETY-free in edition 2021; no other thread exists yet.
    if std::env::var_os(USER_ENV).is_none() {
        std::env::set_var(USER_ENV, DEMO_USER);
    }
    if std::env::var_os(PASS_ENV).is_none() {
        std::env::set_var(PASS_ENV, DEMO_PASS);
    }
    if std::env::var_os(ZCY_KEY_ENV).is_none() {
        std::env::set_var(ZCY_KEY_ENV, DEMO_ZCY_KEY);
    }
    if std::env::var_os(ZCY_SECRET_ENV).is_none() {
        std::env::set_var(ZCY_SECRET_ENV, DEMO_ZCY_SECRET);
    }
}

fn find_data(explicit: Option<&Path>) -> anyhow::Result<PathBuf> {
    if let Some(p) = explicit {
        return Ok(p.to_path_buf());
    }
    let mut candidates = vec![PathBuf::from("sample-data")];
    if let Ok(exe) = std::env::current_exe() {
        for dir in exe.ancestors().skip(1).take(4) {
            candidates.push(dir.join("sample-data"));
        }
    }
    candidates.push(Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data"));
    candidates
        .into_iter()
        .find(|p| p.join("ledger.csv").is_file() && p.join("huadian").is_dir())
        .ok_or_else(|| {
            UsageError("sample data not found: run from the recon folder or pass --data DIR".into())
                .into()
        })
}

pub async fn exec(a: DemoArgs) -> anyhow::Result<u8> {
    let data = find_data(a.data.as_deref())?;
    let handle = sandbox::start(
        "127.0.0.1:0".parse()?,
        SandboxOptions {
            data_dir: data.clone(),
            faults: Faults {
                fail_every: a.fail_every,
                ..Faults::default()
            },
            huadian: HuadianCredentials {
                username: DEMO_USER.into(),
                password: DEMO_PASS.into(),
            },
            zcy: ZcyCredentials {
                app_key: DEMO_ZCY_KEY.into(),
                app_secret: DEMO_ZCY_SECRET.into(),
            },
        },
    )
    .await?;
    eprintln!(
        "demo: sandbox on http://{} serving {}",
        handle.addr,
        data.display()
    );
    let db_dir = tempfile::tempdir()?;
    let mut settings = Settings::default();
    settings.database.url = format!("sqlite://{}", db_dir.path().join("recon.db").display());
    settings.ledger.path = Some(data.join("ledger.csv"));
    settings.report.dir = a.reports.clone();
    settings.report.language = match a.language.as_str() {
        "en" => crate::settings::Language::En,
        "zh" => crate::settings::Language::Zh,
        other => return Err(UsageError(format!("--language {other:?}: use zh or en")).into()),
    };
    settings.archive.dir = a.reports.join("archive");
    let http = HttpSettings {
        rate_per_sec: 0,
        max_concurrency: 8,
        timeout_secs: 10,
        max_attempts: 6,
        backoff_ms: 20,
    };
    settings.vendors.huadian = Some(HuadianSettings {
        base_url: handle.base_url("huadian"),
        username_env: USER_ENV.into(),
        password_env: PASS_ENV.into(),
        http: http.clone(),
        ..HuadianSettings::default()
    });
    if data.join("zcy").is_dir() {
        settings.vendors.zcy = Some(ZcySettings {
            base_url: handle.base_url("zcy"),
            app_key_env: ZCY_KEY_ENV.into(),
            app_secret_env: ZCY_SECRET_ENV.into(),
            http,
        });
    }
    let (from, to) = demo_range();
    let outcome = pipeline::run(
        &settings,
        &RunOptions {
            from,
            to,
            vendors: vec![],
            statements: vec![],
            command: "demo".into(),
            base_dir: PathBuf::from("."),
        },
    )
    .await;
    handle.shutdown().await;
    Ok(finish(&outcome?))
}
