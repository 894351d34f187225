//! Checks on the ledger alone, for any vendor: DUPLICATE_IN_LEDGER.

use super::merge::{currency_of, row};
use crate::domain::{Code, Discrepancy, EntryKind, LedgerEntry};
use rustc_hash::{FxBuildHasher, FxHashMap};
use std::collections::BTreeMap;
use std::hash::BuildHasher;

/// Two or more ledger rows with the same (vendor, kind, doc_no, line_no): one
/// row per key. Keys: order_no for orders, else doc_no (SPEC §6: the other key
/// columns stay blank). ledger_amount is what was booked beyond the first row
/// (the amount booked twice); detail lists every row with its statement.
pub fn duplicate_in_ledger<'a>(entries: &[&'a LedgerEntry]) -> anyhow::Result<Vec<Discrepancy>> {
    // One counting pass over a hash of each row's key: a small table even at
    // millions of rows. Rows whose hash is seen more than once are then grouped
    // by their exact key, and groups of one (a hash collision) dropped.
    type Key<'a> = (&'a str, EntryKind, &'a str, &'a str);
    let key = |e: &'a LedgerEntry| -> Key<'a> {
        (
            e.vendor.as_str(),
            e.kind,
            e.doc_no.as_str(),
            e.line_no.as_deref().unwrap_or_default(),
        )
    };
    let hashes: Vec<u64> = entries
        .iter()
        .map(|e| FxBuildHasher.hash_one(key(e)))
        .collect();
    let mut counts: FxHashMap<u64, u32> =
        FxHashMap::with_capacity_and_hasher(entries.len(), Default::default());
    for &h in &hashes {
        *counts.entry(h).or_default() += 1;
    }
    let mut groups: BTreeMap<Key, Vec<&LedgerEntry>> = BTreeMap::new();
    for (e, h) in entries.iter().zip(&hashes) {
        if counts[h] > 1 {
            groups.entry(key(e)).or_default().push(e);
        }
    }
    groups.retain(|_, rows| rows.len() > 1);
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
