//! `recon run`: the nightly job over a date range.

use super::{finish, load_settings, parse_date};
use crate::pipeline::{self, RunOptions, UsageError};
use chrono::Duration;
use clap::Args;
use std::path::PathBuf;

/// Fetch, archive, reconcile and report for a date range (default: the
/// configured nightly window, the 7 days ending yesterday).
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  recon run\n  recon run --from 2026-10-01 --to 2026-10-31 --vendor huadian\n  recon run --statement CG20261005A1B2C3D4 --config /etc/recon/recon.toml"
)]
pub struct RunArgs {
    /// First day, inclusive (YYYY-MM-DD, configured time zone).
    #[arg(long, value_parser = parse_date)]
    pub from: Option<chrono::NaiveDate>,
    /// Last day, inclusive.
    #[arg(long, value_parser = parse_date)]
    pub to: Option<chrono::NaiveDate>,
    /// Only these vendors (repeatable).
    #[arg(long = "vendor")]
    pub vendors: Vec<String>,
    /// Also pull these huadian statements (repeatable).
    #[arg(long = "statement")]
    pub statements: Vec<String>,
    /// Config file (default ./recon.toml).
    #[arg(long)]
    pub config: Option<PathBuf>,
}

pub async fn exec(a: RunArgs) -> anyhow::Result<u8> {
    let (settings, base_dir) = load_settings(a.config.as_deref())?;
    let today = pipeline::now(&settings).date_naive();
    let (from, to) = match (a.from, a.to) {
        (Some(f), Some(t)) => (f, t),
        (Some(f), None) => (f, today - Duration::days(1)),
        (None, Some(t)) => (t - Duration::days(settings.schedule.window_days - 1), t),
        (None, None) => {
            let to = today - Duration::days(1);
            (to - Duration::days(settings.schedule.window_days - 1), to)
        }
    };
    if from > to {
        return Err(UsageError(format!("--from {from} is after --to {to}")).into());
    }
    let outcome = pipeline::run(
        &settings,
        &RunOptions {
            from,
            to,
            vendors: a.vendors,
            statements: a.statements,
            command: "run".into(),
            base_dir,
        },
    )
    .await?;
    Ok(finish(&outcome))
}
