//! What every check shares: the run's parameters (tolerance, pending window),
//! the row constructor, and the merge of occurrences into one row per identity.

use crate::domain::{yuan_to_fen, Code, Discrepancy, LedgerEntry, MatchedLine, Severity, Status};
use anyhow::Context;
use chrono::NaiveDate;
use rust_decimal::Decimal;

/// The run parameters the checks need.
#[derive(Debug, Clone, Copy)]
pub struct Params {
    /// Last day of the run's range (inclusive).
    pub end: NaiveDate,
    pub pending_days: i64,
    pub tolerance: Decimal,
    /// A 未支付 statement older than this many days at `end` is overdue.
    pub unpaid_overdue_days: i64,
    /// Whether matched lines are kept (the report shows them) or only counted.
    pub keep_matched: bool,
}

impl Params {
    /// `|a − b| > tolerance`: the only way two amounts differ.
    pub fn differs(&self, a: Decimal, b: Decimal) -> bool {
        // Equal is the common case, and never a difference (the tolerance is not
        // negative): no subtraction for it, millions of times a run.
        a != b && (a - b).abs() > self.tolerance
    }

    /// `end − pending_days < date ≤ end`: the ledger may still book it (日切).
    pub fn is_pending(&self, date: Option<NaiveDate>) -> bool {
        let Some(date) = date else { return false };
        let start = self.end - chrono::Duration::days(self.pending_days.max(0));
        start < date && date <= self.end
    }

    /// A MISSING_IN_LEDGER occurrence dated in the pending window becomes info/pending.
    pub fn apply_pending(&self, mut d: Discrepancy, date: Option<NaiveDate>) -> Discrepancy {
        if self.is_pending(date) {
            d.severity = Severity::Info;
            d.status = Status::Pending;
        }
        d
    }
}

/// Matched lines: kept only when the report shows them, always counted. At a
/// million lines, building and sorting them unseen costs seconds and memory.
#[derive(Debug, Default)]
pub struct Matches {
    keep: bool,
    pub lines: Vec<MatchedLine>,
    pub count: usize,
}

impl Matches {
    pub fn new(keep: bool) -> Self {
        Self {
            keep,
            ..Self::default()
        }
    }

    pub fn push(&mut self, line: impl FnOnce() -> MatchedLine) {
        self.count += 1;
        if self.keep {
            self.lines.push(line());
        }
    }

    pub fn extend(&mut self, other: Matches) {
        self.count += other.count;
        self.lines.extend(other.lines);
    }
}

/// A blank row of `code` with the given keys: error, new, CNY, no amounts.
pub fn row(
    code: Code,
    vendor: &str,
    statement_no: &str,
    order_no: &str,
    doc_no: &str,
) -> Discrepancy {
    Discrepancy {
        code,
        severity: Severity::Error,
        vendor: vendor.to_string(),
        statement_no: statement_no.to_string(),
        order_no: order_no.to_string(),
        doc_no: doc_no.to_string(),
        ledger_amount: None,
        vendor_amount: None,
        currency: "CNY".to_string(),
        ledger_date: None,
        vendor_date: None,
        status: Status::New,
        first_seen_run: None,
        detail: String::new(),
    }
}

/// Exact yuan → fen for a frame; `what` names the amount in the error.
pub fn fen(amount: Decimal, what: impl FnOnce() -> String) -> anyhow::Result<i64> {
    yuan_to_fen(amount).with_context(what)
}

/// How a ledger row is named in `detail`: id, file and line.
pub fn ledger_ref(e: &LedgerEntry) -> String {
    format!("ledger entry {} ({}:{})", e.entry_id, e.source(), e.line)
}

/// The currency of a ledger row; blank means CNY.
pub fn currency_of(c: &str) -> String {
    let c = c.trim();
    if c.is_empty() {
        "CNY".to_string()
    } else {
        c.to_string()
    }
}

fn sum_opt(a: Option<Decimal>, b: Option<Decimal>) -> Option<Decimal> {
    match (a, b) {
        (None, None) => None,
        (a, b) => Some(a.unwrap_or_default() + b.unwrap_or_default()),
    }
}

fn min_opt(a: Option<NaiveDate>, b: Option<NaiveDate>) -> Option<NaiveDate> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// Sort key of the output: (vendor, code text, statement_no, order_no, doc_no).
fn sort_key(d: &Discrepancy) -> (&str, &str, &str, &str, &str) {
    (
        &d.vendor,
        d.code.as_str(),
        &d.statement_no,
        &d.order_no,
        &d.doc_no,
    )
}

/// One row per identity: amounts summed, the most severe severity, `new` unless
/// every occurrence is pending, earliest dates, `detail` listing the occurrences.
/// Occurrences are ordered by their own content first, so the result does not
/// depend on the order the checks produced them in.
pub fn merge(mut occurrences: Vec<Discrepancy>) -> Vec<Discrepancy> {
    use rayon::prelude::*;
    // Sorted once, stably, on every core: each identity's occurrences side by
    // side in the order of their content, and the identities in report order.
    occurrences.par_sort_by(|a, b| {
        sort_key(a)
            .cmp(&sort_key(b))
            .then_with(|| content(a).cmp(&content(b)))
    });
    let mut out = Vec::with_capacity(occurrences.len());
    let mut group: Vec<Discrepancy> = Vec::new();
    for d in occurrences {
        if group.last().is_some_and(|g| sort_key(g) != sort_key(&d)) {
            out.push(merge_group(std::mem::take(&mut group)));
        }
        group.push(d);
    }
    if !group.is_empty() {
        out.push(merge_group(group));
    }
    out
}

/// What orders the occurrences of one identity.
fn content(d: &Discrepancy) -> (&str, Option<Decimal>, Option<Decimal>, Severity) {
    (&d.detail, d.ledger_amount, d.vendor_amount, d.severity)
}

fn merge_group(group: Vec<Discrepancy>) -> Discrepancy {
    let n = group.len();
    // Most identities occur once: their detail stands as it is.
    let details: Vec<String> = match n {
        1 => Vec::new(),
        _ => group.iter().map(|d| d.detail.clone()).collect(),
    };
    let mut iter = group.into_iter();
    let mut acc = iter.next().expect("a group has at least one occurrence");
    for d in iter {
        acc.ledger_amount = sum_opt(acc.ledger_amount, d.ledger_amount);
        acc.vendor_amount = sum_opt(acc.vendor_amount, d.vendor_amount);
        acc.severity = acc.severity.min(d.severity);
        if d.status == Status::New {
            acc.status = Status::New;
        }
        acc.ledger_date = min_opt(acc.ledger_date, d.ledger_date);
        acc.vendor_date = min_opt(acc.vendor_date, d.vendor_date);
    }
    if n > 1 {
        acc.detail = format!("{n} occurrences: {}", details.join("; "));
    }
    acc
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    fn params(end: &str, days: i64) -> Params {
        Params {
            end: end.parse().unwrap(),
            pending_days: days,
            tolerance: Decimal::ZERO,
            unpaid_overdue_days: 30,
            keep_matched: true,
        }
    }

    #[test]
    fn pending_window_is_open_at_its_start_and_closed_at_the_end() {
        let p = params("2024-01-31", 3);
        assert!(!p.is_pending(Some("2024-01-28".parse().unwrap())));
        assert!(p.is_pending(Some("2024-01-29".parse().unwrap())));
        assert!(p.is_pending(Some("2024-01-31".parse().unwrap())));
        assert!(!p.is_pending(Some("2024-02-01".parse().unwrap())));
        assert!(!p.is_pending(None));
        assert!(!params("2024-01-31", 0).is_pending(Some("2024-01-31".parse().unwrap())));
    }

    #[test]
    fn tolerance_is_exclusive() {
        let p = Params {
            tolerance: d("0.01"),
            ..params("2024-01-31", 3)
        };
        assert!(!p.differs(d("10.00"), d("10.01")));
        assert!(p.differs(d("10.00"), d("10.02")));
        assert!(params("2024-01-31", 3).differs(d("10.00"), d("10.01")));
    }

    #[test]
    fn occurrences_of_one_identity_merge_into_one_row_with_summed_amounts() {
        let mut a = row(Code::LineTotalMismatch, "huadian", "S1", "O1", "");
        a.ledger_amount = Some(d("1.00"));
        a.vendor_amount = Some(d("2.00"));
        a.detail = "sku B".into();
        let mut b = a.clone();
        b.vendor_amount = None;
        b.detail = "sku A".into();
        b.severity = Severity::Warning;
        let other = row(Code::AmountMismatch, "huadian", "S1", "O1", "");
        let out = merge(vec![a.clone(), other.clone(), b.clone()]);
        assert_eq!(out.len(), 2);
        assert_eq!(out[0].code, Code::AmountMismatch);
        let m = &out[1];
        assert_eq!(m.ledger_amount, Some(d("2.00")));
        assert_eq!(m.vendor_amount, Some(d("2.00")));
        assert_eq!(m.severity, Severity::Error);
        assert_eq!(m.detail, "2 occurrences: sku A; sku B");
        assert_eq!(merge(vec![b, other, a]), out);
    }

    #[test]
    fn a_merged_row_is_pending_only_when_every_occurrence_is() {
        let p = params("2024-01-31", 3);
        let base = row(Code::MissingInLedger, "huadian", "", "O1", "R1");
        let pend = p.apply_pending(base.clone(), Some("2024-01-30".parse().unwrap()));
        assert_eq!(pend.status, Status::Pending);
        assert_eq!(pend.severity, Severity::Info);
        let out = merge(vec![pend.clone(), base]);
        assert_eq!(
            (out[0].status, out[0].severity),
            (Status::New, Severity::Error)
        );
        assert_eq!(merge(vec![pend.clone()])[0].status, Status::Pending);
    }
}
