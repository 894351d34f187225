//! Reconciliation: normalized vendor documents joined with the ledger (polars,
//! or walks over arrays of dense key ids where the sides are millions of rows),
//! one module per vendor family of checks. Pure functions: no I/O.

mod coverage;
mod frames;
mod huadian;
mod keys;
mod ledger_checks;
mod merge;
#[cfg(test)]
mod tests;
mod zcy;
#[cfg(test)]
mod zcy_tests;

use crate::domain::{Discrepancy, Ledger, LedgerEntry, MatchedLine, VendorDocs};
use crate::settings::ReconcileSettings;
use anyhow::Context;
use chrono::NaiveDate;
pub use coverage::covered;
use merge::{Matches, Params};

/// One vendor's normalized data and whether it could be fetched at all.
#[derive(Debug, Clone)]
pub struct VendorInput {
    pub vendor: String,
    pub docs: VendorDocs,
    /// False when the vendor failed outright: nothing of it is reported missing.
    pub fetched: bool,
}

#[derive(Debug, Clone)]
pub struct ReconcileInput<'a> {
    pub vendors: &'a [VendorInput],
    pub ledger: &'a Ledger,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub settings: &'a ReconcileSettings,
    /// Keep the matched lines (the report shows them) or only count them.
    pub keep_matched: bool,
}

#[derive(Debug, Clone, Default)]
pub struct ReconcileOutput {
    /// One row per identity, sorted by (vendor, code text, statement_no, order_no,
    /// doc_no); status `New` or `Pending`.
    pub discrepancies: Vec<Discrepancy>,
    /// Sorted by (vendor, statement_no, order_no, doc_no, entry_id); empty
    /// unless `keep_matched`.
    pub matched: Vec<MatchedLine>,
    /// How many lines matched, kept or not.
    pub matched_count: usize,
}

/// What one vendor's checks found, before the identity merge.
#[derive(Debug, Default)]
pub struct Found {
    pub discrepancies: Vec<Discrepancy>,
    pub matched: Matches,
}

/// Runs every vendor's checks and the ledger-only checks, then merges the
/// occurrences into one row per identity (sorted) and sorts the matched lines.
pub fn reconcile(input: &ReconcileInput<'_>) -> anyhow::Result<ReconcileOutput> {
    let params = Params {
        end: input.to,
        pending_days: input.settings.pending_days,
        tolerance: input.settings.tolerance,
        unpaid_overdue_days: input.settings.unpaid_overdue_days,
        keep_matched: input.keep_matched,
    };
    let clock = std::time::Instant::now();
    // The ledger-only checks need no vendor data (so they run for failed vendors
    // too) and share nothing with the vendor checks: both run at once.
    let (by_vendor, in_ledger) = rayon::join(
        || vendor_checks(input, &params, clock),
        || {
            let r = ledger_checks::duplicate_in_ledger(&input.ledger.entries, of_run(input))
                .context("checking ledger duplicates");
            tracing::debug!(elapsed = ?clock.elapsed(), "ledger checks done");
            r
        },
    );
    let (mut found, matched) = by_vendor?;
    found.extend(in_ledger?);
    let matched_count = matched.count;
    let mut matched = matched.lines;
    matched.sort_by(|a, b| {
        (
            &a.vendor,
            &a.statement_no,
            &a.order_no,
            &a.doc_no,
            &a.entry_id,
        )
            .cmp(&(
                &b.vendor,
                &b.statement_no,
                &b.order_no,
                &b.doc_no,
                &b.entry_id,
            ))
    });
    Ok(ReconcileOutput {
        discrepancies: merge::merge(found),
        matched,
        matched_count,
    })
}

/// Every vendor's checks, in the order of `input.vendors`.
fn vendor_checks(
    input: &ReconcileInput<'_>,
    params: &Params,
    clock: std::time::Instant,
) -> anyhow::Result<(Vec<Discrepancy>, Matches)> {
    let mut found = Vec::new();
    let mut matched = Matches::new(input.keep_matched);
    for v in input.vendors {
        let entries = &input.ledger.entries;
        let f = match &v.docs {
            VendorDocs::Huadian(h) => huadian::check(&v.vendor, h, v.fetched, entries, params),
            VendorDocs::Zcy(z) => {
                let rows = ledger_rows_of(input.ledger, &v.vendor);
                zcy::check(&v.vendor, z, v.fetched, &rows, params)
            }
        }
        .with_context(|| format!("reconciling vendor {}", v.vendor))?;
        tracing::debug!(vendor = %v.vendor, elapsed = ?clock.elapsed(), "vendor checks done");
        found.extend(f.discrepancies);
        matched.extend(f.matched);
    }
    Ok((found, matched))
}

/// Whether a ledger row is of a vendor of the run.
fn of_run<'a>(input: &ReconcileInput<'a>) -> impl Fn(&LedgerEntry) -> bool + Sync + 'a {
    let vendors: Vec<&str> = input.vendors.iter().map(|v| v.vendor.as_str()).collect();
    move |e| vendors.iter().any(|v| same_vendor(e.vendor(), v))
}

fn same_vendor(ledger_vendor: &str, key: &str) -> bool {
    crate::domain::trim(ledger_vendor).eq_ignore_ascii_case(key)
}

fn ledger_rows_of<'a>(ledger: &'a Ledger, vendor: &str) -> Vec<&'a LedgerEntry> {
    ledger
        .entries
        .iter()
        .filter(|e| same_vendor(e.vendor(), vendor))
        .collect()
}
