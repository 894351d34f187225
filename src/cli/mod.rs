//! The command line: parsing, settings resolution and dispatch, one file per
//! subcommand; no business logic. Errors print as `error:` / `Caused by:` /
//! `hint:`; data goes to stdout, messages to stderr.

mod demo;
mod reconcile;
mod run;
mod runs;
mod sandbox;

use crate::pipeline::{Completion, RunOutcome, UsageError};
use crate::settings::Settings;
use clap::{Parser, Subcommand};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Debug, Parser)]
#[command(
    name = "recon",
    version,
    about = "Reconcile counterparties' statements (对账单) against your ledger",
    long_about = "Fetches statements, packages, invoices and messages from vendor APIs, archives every \
body byte-for-byte, reconciles them against the company ledger with exact decimals and writes \
discrepancy reports (CSV with BOM, XLSX, summary.json) under reports/<run-id>/.",
    after_help = "Examples:\n  recon demo\n  recon run --from 2026-10-01 --to 2026-10-31\n  recon reconcile --archive archive/20261101T023000-1a2b --ledger ledger.csv\n  recon runs"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    Demo(demo::DemoArgs),
    Run(run::RunArgs),
    Reconcile(reconcile::ReconcileArgs),
    Sandbox(sandbox::SandboxArgs),
    Runs(runs::RunsArgs),
}

/// Exit statuses of SPEC §3.
pub mod exit {
    pub const OK: u8 = 0;
    pub const FAILURE: u8 = 1;
    pub const USAGE: u8 = 2;
    pub const PARTIAL: u8 = 3;
}

pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() {
                exit::USAGE
            } else {
                exit::OK
            };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    init_tracing();
    if let Command::Demo(_) = &cli.command {
        // Before any thread exists: the demo's sandbox credentials reach the
        // connector the way real ones do, through the environment.
        demo::export_credentials();
    }
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => return report_error(&anyhow::Error::from(e)),
    };
    let result = rt.block_on(async {
        match cli.command {
            Command::Demo(a) => demo::exec(a).await,
            Command::Run(a) => run::exec(a).await,
            Command::Reconcile(a) => reconcile::exec(a).await,
            Command::Sandbox(a) => sandbox::exec(a).await,
            Command::Runs(a) => runs::exec(a).await,
        }
    });
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => report_error(&e),
    }
}

fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("RECON_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .with_ansi(std::env::var_os("NO_COLOR").is_none() && is_terminal_stderr())
        .try_init();
}

fn is_terminal_stderr() -> bool {
    use std::io::IsTerminal;
    std::io::stderr().is_terminal()
}

fn report_error(e: &anyhow::Error) -> ExitCode {
    eprintln!("error: {e}");
    for c in e.chain().skip(1) {
        eprintln!("Caused by: {c}");
    }
    if let Some(h) = hint(e) {
        eprintln!("hint: {h}");
    }
    let usage = e.chain().any(|c| c.downcast_ref::<UsageError>().is_some());
    ExitCode::from(if usage { exit::USAGE } else { exit::FAILURE })
}

fn hint(e: &anyhow::Error) -> Option<String> {
    let text = format!("{e:#}");
    if text.contains("environment variable") {
        Some("export the variables your config names (e.g. RECON_HUADIAN_USERNAME, RECON_HUADIAN_PASSWORD)".into())
    } else if text.contains("config file") {
        Some("pass --config FILE, or run `recon demo` to see a working setup".into())
    } else if text.contains("ledger") {
        Some("check [ledger] path/url in the config; unreadable rows go to input_errors.csv, but the file itself must open".into())
    } else {
        None
    }
}

/// Loads `--config FILE` (default `./recon.toml`), returning the settings and the
/// folder relative paths are taken from.
pub fn load_settings(path: Option<&Path>) -> anyhow::Result<(Settings, PathBuf)> {
    let (p, explicit) = match path {
        Some(p) => (p.to_path_buf(), true),
        None => (PathBuf::from("recon.toml"), false),
    };
    if !p.exists() {
        if explicit {
            return Err(UsageError(format!("config file {} does not exist", p.display())).into());
        }
        return Err(UsageError(
            "no config file: ./recon.toml not found (pass --config FILE)".into(),
        )
        .into());
    }
    let s = Settings::load(&p).map_err(|e| UsageError(format!("{e:#}")))?;
    let base = p
        .parent()
        .map(Path::to_path_buf)
        .filter(|b| !b.as_os_str().is_empty())
        .unwrap_or_else(|| PathBuf::from("."));
    Ok((s, base))
}

pub fn parse_date(s: &str) -> Result<chrono::NaiveDate, String> {
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| format!("{s:?} is not a date (YYYY-MM-DD)"))
}

/// Prints the summary (stderr) and the report folder (last line of stdout).
pub fn finish(outcome: &RunOutcome) -> u8 {
    eprint!("{}", crate::report::console_summary(&outcome.report));
    println!("{}", outcome.report_dir.display());
    match outcome.completion {
        Completion::Complete => exit::OK,
        Completion::Partial => {
            eprintln!("warning: some vendor data could not be fetched; the report says which (exit status 3)");
            exit::PARTIAL
        }
    }
}
