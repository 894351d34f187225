//! Typed configuration (SPEC §8): a TOML file, secrets named by environment
//! variable and read into `SecretString` only when needed.

use anyhow::{bail, Context};
use rust_decimal::Decimal;
use secrecy::SecretString;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Settings {
    /// Zone of vendor timestamps and of run dates. Example: `"Asia/Shanghai"`.
    pub timezone: String,
    pub database: DatabaseSettings,
    pub ledger: LedgerSettings,
    pub report: ReportSettings,
    pub archive: ArchiveSettings,
    pub reconcile: ReconcileSettings,
    pub schedule: ScheduleSettings,
    pub vendors: VendorsSettings,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            timezone: "Asia/Shanghai".into(),
            database: Default::default(),
            ledger: Default::default(),
            report: Default::default(),
            archive: Default::default(),
            reconcile: Default::default(),
            schedule: Default::default(),
            vendors: Default::default(),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DatabaseSettings {
    /// History database. Example: `"sqlite://recon.db"` or `"postgres://recon@db/recon"`.
    pub url: String,
}

impl Default for DatabaseSettings {
    fn default() -> Self {
        Self {
            url: "sqlite://recon.db".into(),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LedgerSettings {
    /// CSV or XLSX file. Example: `"ledger.csv"`.
    pub path: Option<PathBuf>,
    /// `"auto"` (default), `"utf-8"` or `"gb18030"`.
    pub encoding: String,
    /// SQL source instead of a file. Example: `"postgres://erp@127.0.0.1/erp"`.
    pub url: Option<String>,
    /// Names an environment variable holding the SQL URL (when it carries a password).
    pub url_env: Option<String>,
    /// Query whose columns are the ledger columns. Example: `"select * from recon_ledger"`.
    pub query: Option<String>,
    /// XLSX sheet to read; default the first. Example: `"明细"`.
    pub sheet: Option<String>,
    /// Maps the ledger columns onto an export's own headers. Example: `entry_id = "凭证号"`.
    pub columns: BTreeMap<String, String>,
}

impl Default for LedgerSettings {
    fn default() -> Self {
        Self {
            path: None,
            encoding: "auto".into(),
            url: None,
            url_env: None,
            query: None,
            sheet: None,
            columns: BTreeMap::new(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    Zh,
    En,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ReportSettings {
    /// Where `reports/<run-id>/` folders go. Example: `"reports"`.
    pub dir: PathBuf,
    /// Header language of `discrepancies.csv`: `"zh"` (default) or `"en"`.
    pub language: Language,
    /// Write the matched-lines sheet and `matched.csv`. Example: `true`.
    pub matched: bool,
}

impl Default for ReportSettings {
    fn default() -> Self {
        Self {
            dir: "reports".into(),
            language: Language::Zh,
            matched: true,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ArchiveSettings {
    /// Where each run's raw vendor bodies go (`<dir>/<run-id>/`). Example: `"archive"`.
    pub dir: PathBuf,
}

impl Default for ArchiveSettings {
    fn default() -> Self {
        Self {
            dir: "archive".into(),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ReconcileSettings {
    /// Absolute tolerance in yuan for every comparison. Example: `"0.00"`.
    #[serde(with = "rust_decimal::serde::str")]
    pub tolerance: Decimal,
    /// Vendor documents dated in the last N days of the range are `pending`. Example: `3`.
    pub pending_days: i64,
    /// A 未支付 statement older than this is overdue. Example: `30`.
    pub unpaid_overdue_days: i64,
    /// How far before the range 未支付 statements are queried. Example: `90`.
    pub unpaid_lookback_days: i64,
}

impl Default for ReconcileSettings {
    fn default() -> Self {
        Self {
            tolerance: Decimal::ZERO,
            pending_days: 3,
            unpaid_overdue_days: 30,
            unpaid_lookback_days: 90,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ScheduleSettings {
    /// Six-field cron (sec min hour day month weekday). Example: `"0 30 2 * * *"`.
    pub cron: String,
    /// Nightly window: the N days ending yesterday. Example: `7`.
    pub window_days: i64,
}

impl Default for ScheduleSettings {
    fn default() -> Self {
        Self {
            cron: "0 30 2 * * *".into(),
            window_days: 7,
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct VendorsSettings {
    /// A vendor without a section is not used.
    pub huadian: Option<HuadianSettings>,
    pub zcy: Option<ZcySettings>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ZcySettings {
    /// Gateway base URL. Example: `"http://sandbox.zcy.gov.cn"`.
    #[serde(default = "default_zcy_url")]
    pub base_url: String,
    /// Environment variable holding the app key. Example: `"RECON_ZCY_APP_KEY"`.
    #[serde(default = "default_zcy_key_env")]
    pub app_key_env: String,
    /// Environment variable holding the app secret. Example: `"RECON_ZCY_APP_SECRET"`.
    #[serde(default = "default_zcy_secret_env")]
    pub app_secret_env: String,
    #[serde(flatten)]
    pub http: HttpSettings,
}

fn default_zcy_url() -> String {
    "http://sandbox.zcy.gov.cn".into()
}
fn default_zcy_key_env() -> String {
    "RECON_ZCY_APP_KEY".into()
}
fn default_zcy_secret_env() -> String {
    "RECON_ZCY_APP_SECRET".into()
}

impl Default for ZcySettings {
    fn default() -> Self {
        Self {
            base_url: default_zcy_url(),
            app_key_env: default_zcy_key_env(),
            app_secret_env: default_zcy_secret_env(),
            http: HttpSettings::default(),
        }
    }
}

/// Request pacing shared by every HTTP vendor.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HttpSettings {
    /// Requests per second at most (0 = unlimited). Example: `10`.
    pub rate_per_sec: u32,
    /// Requests in flight at most. Example: `8`.
    pub max_concurrency: usize,
    /// Per-request timeout. Example: `30`.
    pub timeout_secs: u64,
    /// Attempts per request for transient errors (including the first). Example: `5`.
    pub max_attempts: u32,
    /// First back-off in milliseconds; doubles each attempt, with jitter. Example: `200`.
    pub backoff_ms: u64,
}

impl Default for HttpSettings {
    fn default() -> Self {
        Self {
            rate_per_sec: 10,
            max_concurrency: 8,
            timeout_secs: 30,
            max_attempts: 5,
            backoff_ms: 200,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HuadianSettings {
    /// Example: `"https://api.ucip.colipu.com/cip"`.
    #[serde(default = "default_huadian_url")]
    pub base_url: String,
    /// Environment variable holding the username. Example: `"RECON_HUADIAN_USERNAME"`.
    #[serde(default = "default_huadian_user_env")]
    pub username_env: String,
    /// Environment variable holding the password. Example: `"RECON_HUADIAN_PASSWORD"`.
    #[serde(default = "default_huadian_pass_env")]
    pub password_env: String,
    /// Statement numbers to pull besides the ledger's. Example: `["CG2024..."]`.
    #[serde(default)]
    pub statements: Vec<String>,
    /// Query packages for the delivery check. Example: `true`.
    #[serde(default = "yes")]
    pub packages: bool,
    /// Read the 303/304/702 message feed (and delete what was stored). Example: `true`.
    #[serde(default = "yes")]
    pub messages: bool,
    #[serde(flatten)]
    pub http: HttpSettings,
}

fn yes() -> bool {
    true
}
fn default_huadian_url() -> String {
    "https://api.ucip.colipu.com/cip".into()
}
fn default_huadian_user_env() -> String {
    "RECON_HUADIAN_USERNAME".into()
}
fn default_huadian_pass_env() -> String {
    "RECON_HUADIAN_PASSWORD".into()
}

impl Default for HuadianSettings {
    fn default() -> Self {
        Self {
            base_url: default_huadian_url(),
            username_env: default_huadian_user_env(),
            password_env: default_huadian_pass_env(),
            statements: vec![],
            packages: true,
            messages: true,
            http: HttpSettings::default(),
        }
    }
}

/// Reads a secret from the environment variable the config names.
pub fn secret_from_env(var: &str, what: &str) -> anyhow::Result<SecretString> {
    match std::env::var(var) {
        Ok(v) if !v.is_empty() => Ok(SecretString::from(v)),
        _ => bail!("{what}: environment variable {var} is not set"),
    }
}

impl Settings {
    pub fn from_toml(text: &str) -> anyhow::Result<Self> {
        let s: Settings = toml::from_str(text)?;
        s.validate()?;
        Ok(s)
    }

    pub fn load(path: &Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read config file {}", path.display()))?;
        Self::from_toml(&text).with_context(|| format!("invalid config file {}", path.display()))
    }

    pub fn tz(&self) -> chrono_tz::Tz {
        self.timezone.parse().unwrap_or(chrono_tz::Asia::Shanghai)
    }

    pub fn validate(&self) -> anyhow::Result<()> {
        if self.timezone.parse::<chrono_tz::Tz>().is_err() {
            bail!("timezone {:?} is not a known IANA zone", self.timezone);
        }
        if !matches!(
            self.ledger.encoding.to_ascii_lowercase().as_str(),
            "auto" | "utf-8" | "utf8" | "gb18030" | "gbk"
        ) {
            bail!(
                "ledger.encoding {:?}: use \"auto\", \"utf-8\" or \"gb18030\"",
                self.ledger.encoding
            );
        }
        if self.reconcile.tolerance < Decimal::ZERO {
            bail!("reconcile.tolerance must not be negative");
        }
        if self.reconcile.pending_days < 0 {
            bail!("reconcile.pending_days must not be negative");
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_spec_example_config_parses() {
        let s = Settings::from_toml(
            r#"
timezone = "Asia/Shanghai"
[database]
url = "sqlite://recon.db"
[ledger]
path = "ledger.csv"
encoding = "auto"
[ledger.columns]
entry_id = "凭证号"
[report]
dir = "reports"
language = "en"
matched = true
[reconcile]
tolerance = "0.01"
pending_days = 3
unpaid_overdue_days = 30
unpaid_lookback_days = 90
[schedule]
cron = "0 30 2 * * *"
window_days = 7
[vendors.huadian]
base_url = "https://api.ucip.colipu.com/cip"
username_env = "RECON_HUADIAN_USERNAME"
password_env = "RECON_HUADIAN_PASSWORD"
statements = []
packages = true
rate_per_sec = 10
max_concurrency = 8
timeout_secs = 30
[vendors.zcy]
base_url = "http://sandbox.zcy.gov.cn"
app_key_env = "RECON_ZCY_APP_KEY"
app_secret_env = "RECON_ZCY_APP_SECRET"
"#,
        )
        .unwrap();
        assert_eq!(s.report.language, Language::En);
        assert_eq!(s.reconcile.tolerance.to_string(), "0.01");
        assert_eq!(s.ledger.columns["entry_id"], "凭证号");
        assert_eq!(s.vendors.huadian.unwrap().http.rate_per_sec, 10);
    }

    #[test]
    fn the_shipped_example_config_parses() {
        let text = include_str!("../recon.example.toml");
        let s = Settings::from_toml(text).unwrap();
        assert!(s.vendors.huadian.is_some());
    }

    #[test]
    fn a_misspelt_key_is_refused() {
        assert!(Settings::from_toml("[reprot]\ndir='x'").is_err());
    }
}
