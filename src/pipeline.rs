//! The run: wires fetch → archive → normalize → reconcile → report, and the
//! history around them. The only module that calls several stages.

use crate::archive::{ArchiveReader, ArchiveWriter};
use crate::domain::{Discrepancy, FetchState, FetchStatus, InputError, Ledger};
use crate::reconcile::{self, ReconcileInput, VendorInput};
use crate::report::{self, ReportData, StatementRow};
use crate::settings::Settings;
use crate::store::{RunFinish, RunStart, Store};
use crate::vendors::{self, FetchRequest, Fetched};
use anyhow::Context;
use chrono::{DateTime, FixedOffset, NaiveDate};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// How a completed run ended (SPEC §3 exit statuses 0 and 3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Completion {
    Complete,
    /// Some vendor data could not be fetched.
    Partial,
}

#[derive(Debug)]
pub struct RunOutcome {
    pub run_id: String,
    pub report_dir: PathBuf,
    pub completion: Completion,
    pub report: ReportData,
}

#[derive(Debug, Clone)]
pub struct RunOptions {
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Vendor keys to run; empty = every configured vendor.
    pub vendors: Vec<String>,
    pub statements: Vec<String>,
    pub command: String,
    /// Folder relative paths in the config are taken from.
    pub base_dir: PathBuf,
}

/// A usage or configuration problem (exit status 2).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

pub fn now(settings: &Settings) -> DateTime<FixedOffset> {
    chrono::Utc::now()
        .with_timezone(&settings.tz())
        .fixed_offset()
}

/// `20261023T023000-1a2b`: sortable, unique enough, readable in a folder list.
pub fn new_run_id(at: DateTime<FixedOffset>) -> String {
    let suffix: u16 = rand::random();
    format!("{}-{suffix:04x}", at.format("%Y%m%dT%H%M%S"))
}

fn resolve(base: &Path, p: &Path) -> PathBuf {
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        base.join(p)
    }
}

/// The nightly job (and `recon run`, `recon demo`).
pub async fn run(settings: &Settings, opts: &RunOptions) -> anyhow::Result<RunOutcome> {
    let started_at = now(settings);
    let run_id = new_run_id(started_at);
    let tz = settings.tz();
    let clock = std::time::Instant::now();

    let mut chosen = vendors::configured(settings)?;
    if !opts.vendors.is_empty() {
        for v in &opts.vendors {
            if !chosen.iter().any(|c| c.key() == v) {
                return Err(UsageError(if vendors::KNOWN.contains(&v.as_str()) {
                    format!("vendor {v:?} has no [vendors.{v}] section in the config")
                } else {
                    format!("unknown vendor {v:?}; known: {}", vendors::KNOWN.join(", "))
                })
                .into());
            }
        }
        chosen.retain(|c| opts.vendors.iter().any(|v| v == c.key()));
    }
    if chosen.is_empty() {
        return Err(UsageError(
            "no vendor configured: add a [vendors.huadian] section to the config".into(),
        )
        .into());
    }
    let vendor_keys: Vec<String> = chosen.iter().map(|v| v.key().to_string()).collect();

    let store = Store::open(&settings.database.url)
        .await
        .with_context(|| "cannot open the history database (database.url)".to_string())?;
    let ledger = Arc::new(
        crate::ledger::load(&settings.ledger, &opts.base_dir)
            .await
            .context("cannot read the ledger")?,
    );
    tracing::info!(rows = ledger.entries.len(), elapsed = ?clock.elapsed(), "ledger read");
    let archive_dir = resolve(&opts.base_dir, &settings.archive.dir).join(&run_id);
    let archive = ArchiveWriter::create(&archive_dir)?;
    store
        .start_run(&RunStart {
            run_id: run_id.clone(),
            command: opts.command.clone(),
            from: opts.from,
            to: opts.to,
            vendors: vendor_keys.clone(),
            started_at,
            archive_dir: Some(archive_dir.display().to_string()),
        })
        .await?;
    tracing::info!(run_id = %run_id, from = %opts.from, to = %opts.to, vendors = ?vendor_keys, "run started");

    // Fetch every vendor at once; each owns its own pacing.
    let progress = crate::progress::Progress::new("fetch");
    let mut requests = Vec::new();
    for v in &chosen {
        requests.push(FetchRequest {
            run_id: run_id.clone(),
            from: opts.from,
            to: opts.to,
            tz,
            ledger: ledger.clone(),
            extra_statements: opts.statements.clone(),
            known_final_packages: store.final_packages(v.key()).await?,
            progress: progress.clone(),
        });
    }
    let fetched: Vec<Fetched> = futures::future::join_all(
        chosen
            .iter()
            .zip(requests.iter())
            .map(|(v, r)| v.fetch(r, &archive)),
    )
    .await;
    progress.finish();
    for f in &fetched {
        tracing::info!(vendor = %f.status.vendor, state = ?f.status.state, documents = f.status.documents, requests = f.status.requests, "fetched");
        if let Some(e) = &f.status.error {
            tracing::warn!(vendor = %f.status.vendor, "{e}");
        }
    }
    archive.finish(
        &run_id,
        opts.from,
        opts.to,
        fetched.iter().map(|f| f.status.clone()).collect(),
    )?;

    tracing::info!(elapsed = ?clock.elapsed(), "fetched and archived");
    let mut input_errors = ledger.errors.clone();
    input_errors.extend(fetched.iter().flat_map(|f| f.input_errors.iter().cloned()));
    let statuses: Vec<FetchStatus> = fetched.iter().map(|f| f.status.clone()).collect();

    // Store what must outlive the vendor's copy, then let the vendor drop it.
    // The documents move on to the checks: at a million lines a copy costs
    // seconds and doubles the memory.
    let mut inputs = Vec::new();
    for ((v, f), req) in chosen.iter().zip(fetched).zip(requests.iter()) {
        store
            .record_messages(v.key(), &run_id, f.docs.messages())
            .await?;
        store.record_packages(v.key(), &f.docs.packages()).await?;
        if let Err(e) = v.acknowledge(&f).await {
            tracing::warn!(
                vendor = v.key(),
                "{e:#} (the messages are stored; they will be read again next run)"
            );
        }
        let fetched_ok = f.status.state != FetchState::Failed;
        let docs = f
            .docs
            .with_history(store.messages(v.key()).await?, &req.known_final_packages);
        inputs.push(VendorInput {
            vendor: v.key().to_string(),
            docs,
            fetched: fetched_ok,
        });
    }

    let out = reconcile::reconcile(&ReconcileInput {
        vendors: &inputs,
        ledger: &ledger,
        from: opts.from,
        to: opts.to,
        settings: &settings.reconcile,
        keep_matched: settings.report.matched,
    })?;
    tracing::info!(elapsed = ?clock.elapsed(), "reconciled");
    let rows = store
        .apply_history(&run_id, out.discrepancies, &|d| {
            reconcile::covered(&inputs, d)
        })
        .await?;

    let report = ReportData {
        run_id: run_id.clone(),
        from: opts.from,
        to: opts.to,
        started_at,
        vendors: vendor_keys,
        fetch: statuses.clone(),
        discrepancies: rows,
        matched: out.matched,
        matched_count: out.matched_count,
        input_errors,
        invoice_links: invoice_links(&inputs),
        statements: statement_rows(&mut inputs),
    };
    // The report's data is built: the inputs go while it is written.
    drop_in_background((inputs, ledger));
    let report_dir = resolve(&opts.base_dir, &settings.report.dir).join(&run_id);
    let written = report::write(&report_dir, &report, &settings.report);
    let completion = completion(&statuses);
    let finish = RunFinish {
        status: match (&written, completion) {
            (Err(_), _) => "failed".into(),
            (Ok(_), Completion::Complete) => "ok".into(),
            (Ok(_), Completion::Partial) => "partial".into(),
        },
        finished_at: now(settings),
        report_dir: Some(report_dir.display().to_string()),
        counts: counts(&report.discrepancies),
        error: written.as_ref().err().map(|e| format!("{e:#}")),
    };
    store.finish_run(&run_id, &finish).await?;
    written.context("cannot write the report")?;
    tracing::info!(elapsed = ?clock.elapsed(), "history and report written");
    Ok(RunOutcome {
        run_id,
        report_dir,
        completion,
        report,
    })
}

fn completion(statuses: &[FetchStatus]) -> Completion {
    if statuses.iter().all(|s| s.state == FetchState::Ok) {
        Completion::Complete
    } else {
        Completion::Partial
    }
}

fn counts(rows: &[Discrepancy]) -> BTreeMap<String, i64> {
    let mut m = BTreeMap::new();
    for d in rows {
        *m.entry(d.code.as_str().to_string()).or_insert(0) += 1;
    }
    m
}

fn invoice_links(inputs: &[VendorInput]) -> Vec<(String, String, String)> {
    inputs
        .iter()
        .flat_map(|i| {
            i.docs
                .invoice_links()
                .into_iter()
                .map(|(no, link)| (i.vendor.clone(), no, link))
        })
        .collect()
}

/// The workbook's statements sheet: the unchecked fields move out of the
/// inputs, which are dropped right after.
fn statement_rows(inputs: &mut [VendorInput]) -> Vec<StatementRow> {
    inputs
        .iter_mut()
        .flat_map(|i| StatementRow::take_from(&i.vendor, &mut i.docs))
        .collect()
}

/// `recon reconcile`: an archive against a ledger file, no network, no history.
pub struct OfflineOptions {
    pub archive: PathBuf,
    pub ledger: PathBuf,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub out: Option<PathBuf>,
}

pub async fn reconcile_archive(
    settings: &Settings,
    opts: &OfflineOptions,
) -> anyhow::Result<RunOutcome> {
    let started_at = now(settings);
    let run_id = new_run_id(started_at);
    let tz = settings.tz();
    let clock = std::time::Instant::now();
    let reader = ArchiveReader::open(&opts.archive)?;
    // The ledger and the archive are independent reads: the ledger's sequential CSV
    // split runs beside the archive's parallel parse instead of before it.
    let (ledger, loaded) = std::thread::scope(|s| {
        let ledger = s.spawn(|| {
            let ledger = crate::ledger::read_file(&opts.ledger, &settings.ledger)
                .with_context(|| format!("cannot read the ledger {}", opts.ledger.display()));
            tracing::info!(elapsed = ?clock.elapsed(), "ledger read");
            ledger
        });
        let loaded = load_archive_vendors(&reader, tz);
        tracing::debug!(elapsed = ?clock.elapsed(), "archive parsed");
        let ledger = ledger
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (ledger, loaded)
    });
    let ledger = ledger?;
    let (mut inputs, statuses, archive_errors) = loaded?;
    let mut input_errors: Vec<InputError> = ledger.errors.clone();
    input_errors.extend(archive_errors);
    if inputs.is_empty() {
        return Err(UsageError(format!(
            "{} holds no vendor data (expected e.g. huadian/statement/<statementNo>.json)",
            opts.archive.display()
        ))
        .into());
    }
    tracing::info!(elapsed = ?clock.elapsed(), "archive read");
    let (from, to) = offline_range(opts, &reader, &inputs, &ledger)?;
    let out = reconcile::reconcile(&ReconcileInput {
        vendors: &inputs,
        ledger: &ledger,
        from,
        to,
        settings: &settings.reconcile,
        keep_matched: settings.report.matched,
    })?;
    tracing::info!(elapsed = ?clock.elapsed(), "reconciled");
    let mut rows = out.discrepancies;
    for d in &mut rows {
        d.first_seen_run = Some(run_id.clone());
    }
    let report = ReportData {
        run_id: run_id.clone(),
        from,
        to,
        started_at,
        vendors: inputs.iter().map(|i| i.vendor.clone()).collect(),
        fetch: statuses.clone(),
        discrepancies: rows,
        matched: out.matched,
        matched_count: out.matched_count,
        input_errors,
        invoice_links: invoice_links(&inputs),
        statements: statement_rows(&mut inputs),
    };
    tracing::debug!(elapsed = ?clock.elapsed(), "report rows built");
    // The report's data is built: the inputs go while it is written.
    drop_in_background((inputs, ledger));
    let report_dir = opts
        .out
        .clone()
        .unwrap_or_else(|| settings.report.dir.join(&run_id));
    report::write(&report_dir, &report, &settings.report).context("cannot write the report")?;
    tracing::info!(elapsed = ?clock.elapsed(), "report written");
    Ok(RunOutcome {
        run_id,
        report_dir,
        completion: completion(&statuses),
        report,
    })
}

/// Every known vendor folder of an archive, normalized: inputs, statuses and the
/// bodies that could not be read.
fn load_archive_vendors(
    reader: &ArchiveReader,
    tz: chrono_tz::Tz,
) -> anyhow::Result<(Vec<VendorInput>, Vec<FetchStatus>, Vec<InputError>)> {
    let mut inputs = Vec::new();
    let mut statuses = Vec::new();
    let mut errors = Vec::new();
    for v in reader.vendors() {
        let Some(load) = vendors::loader(&v) else {
            tracing::warn!("archive folder {v:?} is not a known vendor; skipped");
            continue;
        };
        let f = load(reader, tz).with_context(|| format!("cannot read the {v} archive"))?;
        errors.extend(f.input_errors);
        inputs.push(VendorInput {
            vendor: v.clone(),
            fetched: f.status.state != FetchState::Failed,
            docs: f.docs,
        });
        statuses.push(f.status);
    }
    Ok((inputs, statuses, errors))
}

/// Freeing millions of rows takes time at the size of a large month: done
/// beside the report's writing, which then allocates into memory given back
/// rather than on top of a gigabyte of inputs no one reads any more.
fn drop_in_background<T: Send + 'static>(big: T) {
    std::thread::spawn(move || {
        let clock = std::time::Instant::now();
        drop(big);
        tracing::debug!(elapsed = ?clock.elapsed(), "inputs freed");
    });
}

/// The range given, else the manifest's, else the dates found in the data.
fn offline_range(
    opts: &OfflineOptions,
    reader: &ArchiveReader,
    inputs: &[VendorInput],
    ledger: &Ledger,
) -> anyhow::Result<(NaiveDate, NaiveDate)> {
    let m = reader.manifest.as_ref();
    let mut from = opts.from.or(m.and_then(|m| m.from));
    let mut to = opts.to.or(m.and_then(|m| m.to));
    // The data's dates only when a bound is still open: millions of them otherwise.
    if from.is_none() || to.is_none() {
        let mut dates: Vec<NaiveDate> = Vec::new();
        for i in inputs {
            dates.extend(i.docs.dates());
        }
        if dates.is_empty() {
            dates.extend(ledger.entries.iter().map(|e| e.booked_on));
        }
        from = from.or(dates.iter().min().copied());
        to = to.or(dates.iter().max().copied());
    }
    match (from, to) {
        (Some(f), Some(t)) if f <= t => Ok((f, t)),
        (Some(f), Some(t)) => Err(UsageError(format!("--from {f} is after --to {t}")).into()),
        _ => Err(UsageError("no range: give --from and --to".into()).into()),
    }
}
