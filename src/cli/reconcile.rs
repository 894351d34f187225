//! `recon reconcile`: an archive against a ledger file, no network.

use super::{finish, parse_date};
use crate::pipeline::{self, OfflineOptions};
use crate::settings::Settings;
use clap::Args;
use std::path::PathBuf;

/// Reconcile an archive (`<archive>/<vendor>/<endpoint>/<key>.json`, with or
/// without manifest.json) against a ledger file. No network, no history.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  recon reconcile --archive archive/20261101T023000-1a2b --ledger ledger.csv\n  recon reconcile --archive dump/ --ledger ledger.xlsx --from 2026-10-01 --to 2026-10-31 --out out/"
)]
pub struct ReconcileArgs {
    /// Archive folder.
    #[arg(long)]
    pub archive: PathBuf,
    /// Ledger file (CSV or XLSX).
    #[arg(long)]
    pub ledger: PathBuf,
    /// First day of the range (default: the manifest's, else the data's).
    #[arg(long, value_parser = parse_date)]
    pub from: Option<chrono::NaiveDate>,
    /// Last day of the range.
    #[arg(long, value_parser = parse_date)]
    pub to: Option<chrono::NaiveDate>,
    /// Report folder (default reports/<run-id>).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Config file (optional here: tolerance, language, ledger columns).
    #[arg(long)]
    pub config: Option<PathBuf>,
}

pub async fn exec(a: ReconcileArgs) -> anyhow::Result<u8> {
    let settings = match &a.config {
        Some(p) => super::load_settings(Some(p))?.0,
        None if std::path::Path::new("recon.toml").exists() => super::load_settings(None)?.0,
        None => Settings::default(),
    };
    let outcome = pipeline::reconcile_archive(
        &settings,
        &OfflineOptions {
            archive: a.archive,
            ledger: a.ledger,
            from: a.from,
            to: a.to,
            out: a.out,
        },
    )
    .await?;
    Ok(finish(&outcome))
}
