//! Counts and amounts the Summary sheet, summary.json and the console share,
//! computed once from the report rows.

use super::ReportData;
use crate::domain::{Code, Discrepancy, FetchState, Severity, Status};
use rust_decimal::Decimal;
use std::collections::BTreeMap;

/// Count and Σ |difference| of a group of rows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CountAmount {
    pub count: u64,
    pub amount: Decimal,
}

impl CountAmount {
    fn add(&mut self, d: &Discrepancy) {
        self.count += 1;
        self.amount += d.amount_at_stake();
    }
}

/// The by-code figures cover open rows only (new, recurring, pending): a row
/// reported as `resolved` is no longer at stake. Status counts cover every row.
#[derive(Debug, Clone, Default)]
pub struct Tally {
    pub by_code: BTreeMap<Code, CountAmount>,
    pub by_code_vendor: BTreeMap<(Code, String), CountAmount>,
    pub open: CountAmount,
    pub rows: u64,
    pub new: u64,
    pub recurring: u64,
    pub pending: u64,
    pub resolved: u64,
    pub errors: u64,
    pub warnings: u64,
    pub infos: u64,
    /// Vendors in the order to show them: the run's, then any others the rows name.
    pub vendors: Vec<String>,
}

impl Tally {
    pub fn of(data: &ReportData) -> Self {
        let mut t = Tally {
            vendors: data.vendors.clone(),
            ..Default::default()
        };
        for d in &data.discrepancies {
            t.rows += 1;
            match d.status {
                Status::New => t.new += 1,
                Status::Recurring => t.recurring += 1,
                Status::Pending => t.pending += 1,
                Status::Resolved => t.resolved += 1,
            }
            match d.severity {
                Severity::Error => t.errors += 1,
                Severity::Warning => t.warnings += 1,
                Severity::Info => t.infos += 1,
            }
            if !t.vendors.contains(&d.vendor) {
                t.vendors.push(d.vendor.clone());
            }
            if d.status == Status::Resolved {
                continue;
            }
            t.open.add(d);
            t.by_code.entry(d.code).or_default().add(d);
            t.by_code_vendor
                .entry((d.code, d.vendor.clone()))
                .or_default()
                .add(d);
        }
        t
    }

    pub fn code(&self, code: Code) -> CountAmount {
        self.by_code.get(&code).copied().unwrap_or_default()
    }

    pub fn code_vendor(&self, code: Code, vendor: &str) -> CountAmount {
        self.by_code_vendor
            .get(&(code, vendor.to_string()))
            .copied()
            .unwrap_or_default()
    }
}

pub fn fetch_state_str(s: &FetchState) -> &'static str {
    match s {
        FetchState::Ok => "ok",
        FetchState::Partial => "partial",
        FetchState::Failed => "failed",
    }
}

/// One line, whatever the error text held: reports and the console are line-based.
pub fn one_line(s: &str) -> String {
    s.split(['\r', '\n'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}
