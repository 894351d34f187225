//! Checks on the ledger alone, for any vendor: DUPLICATE_IN_LEDGER.

use super::merge::{currency_of, row};
use crate::domain::{Code, Discrepancy, EntryKind, LedgerEntry};
use rayon::prelude::*;
use rustc_hash::{FxBuildHasher, FxHashSet};
use std::collections::BTreeMap;
use std::hash::BuildHasher;

type Key<'a> = (&'a str, EntryKind, &'a str, &'a str);

fn key(e: &LedgerEntry) -> Key<'_> {
    (
        e.vendor(),
        e.kind(),
        e.doc_no.as_str(),
        e.line_no().unwrap_or_default(),
    )
}

/// 32 bits of the key's hash, never 0 (the mark of a row not of the run).
fn hash(e: &LedgerEntry) -> u32 {
    ((FxBuildHasher.hash_one(key(e)) >> 32) as u32).max(1)
}

/// Two or more ledger rows with the same (vendor, kind, doc_no, line_no): one
/// row per key. Keys: order_no for orders, else doc_no (SPEC §6: the other key
/// columns stay blank). ledger_amount is what was booked beyond the first row
/// (the amount booked twice); detail lists every row with its statement.
pub fn duplicate_in_ledger(
    entries: &[LedgerEntry],
    of_run: impl Fn(&LedgerEntry) -> bool + Sync,
) -> anyhow::Result<Vec<Discrepancy>> {
    // A 32-bit hash of each row's key, sorted: equal neighbours are the
    // candidates, found without a table as large as the ledger. The candidates
    // are then found again (hashing again costs less than keeping every row's
    // hash beside the sorted ones), grouped by their exact key, and groups of one
    // (a hash collision: a few thousand at ten million rows) dropped. Written in
    // place, one slot a row (0 for a row of another run), so that the column is
    // 4 bytes a row with no second copy while it is collected.
    let mut sorted = vec![0u32; entries.len()];
    sorted
        .par_iter_mut()
        .zip(entries)
        .filter(|(_, e)| of_run(e))
        .for_each(|(h, e)| *h = hash(e));
    sorted.par_sort_unstable();
    let repeated: FxHashSet<u32> = sorted
        .windows(2)
        .filter(|w| w[0] == w[1] && w[0] != 0)
        .map(|w| w[0])
        .collect();
    drop(sorted);
    if repeated.is_empty() {
        return Ok(Vec::new());
    }
    let candidates: Vec<&LedgerEntry> = entries
        .par_iter()
        .filter(|e| of_run(e) && repeated.contains(&hash(e)))
        .collect();
    let mut groups: BTreeMap<Key, Vec<&LedgerEntry>> = BTreeMap::new();
    for e in candidates {
        groups.entry(key(e)).or_default().push(e);
    }
    groups.retain(|_, rows| rows.len() > 1);
    Ok(groups.into_values().map(duplicate_row).collect())
}

fn duplicate_row(mut rows: Vec<&LedgerEntry>) -> Discrepancy {
    rows.sort_by(|a, b| (a.source(), a.line, &a.entry_id).cmp(&(b.source(), b.line, &b.entry_id)));
    let first = rows[0];
    let (order_no, doc_no) = match first.kind() {
        EntryKind::Order => (first.doc_no.as_str(), ""),
        _ => ("", first.doc_no.as_str()),
    };
    let listed: Vec<String> = rows
        .iter()
        .map(|r| {
            let st = r
                .statement_no()
                .map(|s| format!(", statement {s}"))
                .unwrap_or_default();
            format!(
                "{} ({}:{}, {}{st})",
                r.entry_id,
                r.source(),
                r.line,
                r.amount()
            )
        })
        .collect();
    let line = first
        .line_no()
        .map(|l| format!(" line_no {l}"))
        .unwrap_or_default();
    Discrepancy {
        ledger_amount: Some(rows.iter().skip(1).map(|r| r.amount()).sum()),
        currency: currency_of(first.currency()),
        ledger_date: rows.iter().map(|r| r.booked_on).min(),
        detail: format!(
            "{} {}{line} booked {} times: {}",
            first.kind().as_str(),
            first.doc_no,
            rows.len(),
            listed.join(", ")
        ),
        ..row(
            Code::DuplicateInLedger,
            first.vendor(),
            "",
            order_no,
            doc_no,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{EntryDetails, EntryFields, EntryMeta, Origin};

    fn order(id: &str, doc: &str) -> LedgerEntry {
        LedgerEntry::new(
            EntryFields {
                entry_id: id.into(),
                doc_no: doc.into(),
                statement_no: None,
                amount: rust_decimal::Decimal::ONE,
                booked_on: chrono::NaiveDate::from_ymd_opt(2026, 1, 10).unwrap(),
                line: 2,
                details: EntryDetails::default(),
            },
            &EntryMeta::plain(EntryKind::Order, Origin::shared("huadian", "ledger.csv")),
        )
    }

    /// With 32-bit hashes, different keys share one now and then (a few
    /// thousand times in ten million rows): such rows are candidates, never
    /// duplicates.
    #[test]
    fn rows_whose_keys_only_share_a_hash_are_not_duplicates() {
        let mut seen = rustc_hash::FxHashMap::default();
        let (a, b) = (0..)
            .find_map(|i| {
                let e = order(&format!("E{i}"), &format!("D{i}"));
                seen.insert(hash(&e), i).map(|j| (j, i))
            })
            .expect("a collision within 2^32 keys");
        let rows = vec![
            order("E0", &format!("D{a}")),
            order("E1", &format!("D{b}")),
            order("E2", &format!("D{a}")),
        ];
        let found = duplicate_in_ledger(&rows, |_| true).unwrap();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].order_no, format!("D{a}"));
        assert!(found[0].detail.contains("booked 2 times"));
    }
}
