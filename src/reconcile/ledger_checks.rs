//! Checks on the ledger alone, for any vendor: DUPLICATE_IN_LEDGER.

use super::frames::{count_by, filter_gt, frame, idx_col, indices, join, str_col};
use super::merge::{currency_of, row};
use crate::domain::{Code, Discrepancy, EntryKind, LedgerEntry};
use anyhow::Context;
use polars::prelude::JoinType;
use std::collections::BTreeMap;

/// Two or more ledger rows with the same (vendor, kind, doc_no, line_no): one
/// row per key. Keys: order_no for orders, else doc_no (SPEC §6: the other key
/// columns stay blank). ledger_amount is what was booked beyond the first row
/// (the amount booked twice); detail lists every row with its statement.
pub fn duplicate_in_ledger(entries: &[&LedgerEntry]) -> anyhow::Result<Vec<Discrepancy>> {
    let df = frame(vec![
        idx_col("idx", entries.len()),
        str_col("vendor", entries.iter().map(|e| e.vendor.as_str())),
        str_col("kind", entries.iter().map(|e| e.kind.as_str())),
        str_col("doc", entries.iter().map(|e| e.doc_no.as_str())),
        str_col(
            "line",
            entries
                .iter()
                .map(|e| e.line_no.as_deref().unwrap_or_default()),
        ),
    ])
    .context("building the ledger frame")?;
    let keys = ["vendor", "kind", "doc", "line"];
    let dup_keys = filter_gt(&count_by(&df, &keys, "idx")?, "idx_count", 1)?;
    let dups = join(&df, &dup_keys, &keys, &keys, JoinType::Semi)?;

    let mut groups: BTreeMap<(String, EntryKind, String, String), Vec<&LedgerEntry>> =
        BTreeMap::new();
    for i in indices(&dups, "idx")? {
        let e = entries[i];
        let key = (
            e.vendor.clone(),
            e.kind,
            e.doc_no.clone(),
            e.line_no.clone().unwrap_or_default(),
        );
        groups.entry(key).or_default().push(e);
    }
    Ok(groups.into_values().map(duplicate_row).collect())
}

fn duplicate_row(mut rows: Vec<&LedgerEntry>) -> Discrepancy {
    rows.sort_by(|a, b| (&a.source, a.line, &a.entry_id).cmp(&(&b.source, b.line, &b.entry_id)));
    let first = rows[0];
    let (order_no, doc_no) = match first.kind {
        EntryKind::Order => (first.doc_no.as_str(), ""),
        _ => ("", first.doc_no.as_str()),
    };
    let listed: Vec<String> = rows
        .iter()
        .map(|r| {
            let st = r
                .statement_no
                .as_deref()
                .map(|s| format!(", statement {s}"))
                .unwrap_or_default();
            format!("{} ({}:{}, {}{st})", r.entry_id, r.source, r.line, r.amount)
        })
        .collect();
    let line = first
        .line_no
        .as_deref()
        .map(|l| format!(" line_no {l}"))
        .unwrap_or_default();
    Discrepancy {
        ledger_amount: Some(rows.iter().skip(1).map(|r| r.amount).sum()),
        currency: currency_of(&first.currency),
        ledger_date: rows.iter().map(|r| r.booked_on).min(),
        detail: format!(
            "{} {}{line} booked {} times: {}",
            first.kind.as_str(),
            first.doc_no,
            rows.len(),
            listed.join(", ")
        ),
        ..row(Code::DuplicateInLedger, &first.vendor, "", order_no, doc_no)
    }
}
