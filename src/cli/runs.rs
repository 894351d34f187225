//! `recon runs`: the run history.

use super::load_settings;
use crate::store::Store;
use clap::Args;
use std::path::PathBuf;

/// List past runs: range, vendors, counts, status, report folder.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  recon runs\n  recon runs --limit 50 --config /etc/recon/recon.toml"
)]
pub struct RunsArgs {
    /// How many runs, newest first.
    #[arg(long, default_value_t = 20)]
    pub limit: i64,
    /// Config file (default ./recon.toml).
    #[arg(long)]
    pub config: Option<PathBuf>,
}

pub async fn exec(a: RunsArgs) -> anyhow::Result<u8> {
    let (settings, _) = load_settings(a.config.as_deref())?;
    let store = Store::open(&settings.database.url).await?;
    let runs = store.list_runs(a.limit).await?;
    if runs.is_empty() {
        eprintln!("no runs yet");
        return Ok(super::exit::OK);
    }
    println!(
        "{:<22} {:<8} {:<10} {:<10} {:<12} {:>6}  report",
        "run", "status", "from", "to", "vendors", "rows"
    );
    for r in runs {
        println!(
            "{:<22} {:<8} {:<10} {:<10} {:<12} {:>6}  {}",
            r.run_id,
            r.status,
            r.from,
            r.to,
            r.vendors.join(","),
            r.total,
            r.report_dir.unwrap_or_default()
        );
    }
    Ok(super::exit::OK)
}
