//! Report writers (SPEC §5): discrepancies.csv (BOM), discrepancies.xlsx,
//! summary.json, input_errors.csv, matched.csv — each written atomically —
//! and the one-screen console summary.

mod atomic;
mod console;
mod csv;
mod statements;
mod summary;
mod tally;
mod xlsx;

pub use atomic::{write_atomic, AtomicWriteError};
pub use console::console_summary;
pub use statements::StatementRow;

use crate::domain::{format_yuan, Discrepancy, FetchStatus, InputError, MatchedLine};
use crate::settings::{Language, ReportSettings};
use anyhow::Context;
use chrono::{DateTime, FixedOffset, NaiveDate};
use rust_decimal::Decimal;
use std::borrow::Cow;
use std::path::{Path, PathBuf};

/// Everything one run's report shows.
#[derive(Debug, Clone)]
pub struct ReportData {
    pub run_id: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub started_at: DateTime<FixedOffset>,
    /// Vendor keys the run covered, in order.
    pub vendors: Vec<String>,
    pub fetch: Vec<FetchStatus>,
    /// Open rows (new / recurring / pending) and rows resolved by this run.
    pub discrepancies: Vec<Discrepancy>,
    pub matched: Vec<MatchedLine>,
    /// Lines that matched: `matched.len()` when they were kept.
    pub matched_count: usize,
    pub input_errors: Vec<InputError>,
    /// Invoice PDF links known for (vendor, invoice no), for workbook hyperlinks.
    pub invoice_links: Vec<(String, String, String)>,
    /// The fetched statements with the fields no rule checks (the workbook's
    /// statements sheet).
    pub statements: Vec<StatementRow>,
}

/// Paths of the files written.
#[derive(Debug, Clone)]
pub struct ReportPaths {
    pub dir: PathBuf,
    pub files: Vec<PathBuf>,
}

pub const DISCREPANCIES_CSV: &str = "discrepancies.csv";
pub const DISCREPANCIES_XLSX: &str = "discrepancies.xlsx";
pub const MATCHED_CSV: &str = "matched.csv";
pub const SUMMARY_JSON: &str = "summary.json";
pub const INPUT_ERRORS_CSV: &str = "input_errors.csv";

/// Rows of the workbook's matched sheet at most (SPEC §5); `matched.csv` has all.
pub const MATCHED_SHEET_LIMIT: usize = 100_000;

/// Limits the writers obey; tests shrink them instead of writing 100,000 rows.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    pub matched_sheet_rows: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            matched_sheet_rows: MATCHED_SHEET_LIMIT,
        }
    }
}

/// Writes `dir` (created if needed) with every report file. `summary.json`
/// is written last, so its presence means the folder is complete.
pub fn write(
    dir: &Path,
    data: &ReportData,
    settings: &ReportSettings,
) -> anyhow::Result<ReportPaths> {
    write_with(dir, data, settings, Limits::default())
}

pub(crate) fn write_with(
    dir: &Path,
    data: &ReportData,
    settings: &ReportSettings,
    limits: Limits,
) -> anyhow::Result<ReportPaths> {
    std::fs::create_dir_all(dir)
        .with_context(|| format!("cannot create report folder {}", dir.display()))?;
    let mut names = vec![DISCREPANCIES_CSV, INPUT_ERRORS_CSV];
    if settings.matched {
        names.push(MATCHED_CSV);
    }
    names.extend([DISCREPANCIES_XLSX, SUMMARY_JSON]);

    let at = |name: &str| dir.join(name);
    // The workbook (compressed, one thread) is written beside the CSV files.
    let (csvs, workbook) = rayon::join(
        || -> anyhow::Result<()> {
            csv::write_discrepancies(&at(DISCREPANCIES_CSV), data, settings.language)?;
            csv::write_input_errors(&at(INPUT_ERRORS_CSV), &data.input_errors)?;
            if settings.matched {
                csv::write_matched(&at(MATCHED_CSV), &data.matched, settings.language)?;
            }
            Ok(())
        },
        || {
            let clock = std::time::Instant::now();
            let written = xlsx::write_workbook(&at(DISCREPANCIES_XLSX), data, settings, limits);
            tracing::debug!(elapsed = ?clock.elapsed(), "workbook written");
            written
        },
    );
    csvs?;
    workbook?;
    summary::write_summary(&at(SUMMARY_JSON), data, &names)?;

    Ok(ReportPaths {
        dir: dir.to_path_buf(),
        files: names.iter().map(|n| at(n)).collect(),
    })
}

pub(crate) const DISCREPANCY_HEADERS_EN: [&str; 16] = [
    "run_id",
    "code",
    "severity",
    "vendor",
    "statement_no",
    "order_no",
    "doc_no",
    "ledger_amount",
    "vendor_amount",
    "difference",
    "currency",
    "ledger_date",
    "vendor_date",
    "status",
    "first_seen_run",
    "detail",
];

pub(crate) const DISCREPANCY_HEADERS_ZH: [&str; 16] = [
    "运行编号",
    "差异代码",
    "严重程度",
    "供应商",
    "对账单号",
    "订单号",
    "单据号",
    "我方金额",
    "对方金额",
    "差额",
    "币种",
    "我方日期",
    "对方日期",
    "状态",
    "首次发现运行",
    "说明",
];

/// Column of `doc_no` in the discrepancy rows (where invoice links go).
pub(crate) const DOC_NO_COLUMN: usize = 6;

pub(crate) const MATCHED_HEADERS_EN: [&str; 9] = [
    "vendor",
    "statement_no",
    "order_no",
    "doc_no",
    "entry_id",
    "ledger_amount",
    "vendor_amount",
    "ledger_date",
    "vendor_date",
];

pub(crate) const MATCHED_HEADERS_ZH: [&str; 9] = [
    "供应商",
    "对账单号",
    "订单号",
    "单据号",
    "凭证号",
    "我方金额",
    "对方金额",
    "我方日期",
    "对方日期",
];

/// Fixed by SPEC §5 in English, whatever the language.
pub(crate) const INPUT_ERROR_HEADERS: [&str; 6] =
    ["source", "line", "entry_id", "field", "value", "error"];

pub(crate) fn discrepancy_headers(lang: Language) -> &'static [&'static str; 16] {
    match lang {
        Language::Zh => &DISCREPANCY_HEADERS_ZH,
        Language::En => &DISCREPANCY_HEADERS_EN,
    }
}

pub(crate) fn matched_headers(lang: Language) -> &'static [&'static str; 9] {
    match lang {
        Language::Zh => &MATCHED_HEADERS_ZH,
        Language::En => &MATCHED_HEADERS_EN,
    }
}

/// One report cell, typed so each writer renders it its own way.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Cell<'a> {
    /// Text that came from a vendor, the ledger or the user: neutralized in
    /// CSV, a string cell in XLSX.
    Outside(&'a str),
    /// Our own vocabulary (codes, severities, statuses).
    Own(&'static str),
    Money(Option<Decimal>),
    Date(Option<NaiveDate>),
    Number(Option<u64>),
}

impl Cell<'_> {
    /// The CSV form.
    pub fn csv_text(&self) -> Cow<'_, str> {
        match self {
            Cell::Outside(s) => neutralize(s),
            Cell::Own(s) => Cow::Borrowed(s),
            Cell::Money(m) => m.map(format_yuan).unwrap_or_default().into(),
            Cell::Date(d) => d.map(fmt_date).unwrap_or_default().into(),
            Cell::Number(n) => n.map(|n| n.to_string()).unwrap_or_default().into(),
        }
    }

    /// Columns the shown value takes, for sizing Excel columns.
    pub fn width(&self) -> usize {
        match self {
            Cell::Outside(s) => display_width(s),
            // `#,##0.00` adds a separator per three integer digits.
            Cell::Money(Some(m)) => {
                let s = format_yuan(*m);
                s.len() + s.trim_start_matches('-').len().saturating_sub(4) / 3
            }
            other => display_width(&other.csv_text()),
        }
    }
}

/// `100000` → `100,000`: thousands separators for a string of digits.
pub(crate) fn group_digits(digits: impl std::fmt::Display) -> String {
    let digits = digits.to_string();
    let n = digits.chars().count();
    let mut out = String::with_capacity(n + n / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (n - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

pub(crate) fn fmt_date(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

pub(crate) fn discrepancy_cells<'a>(run_id: &'a str, d: &'a Discrepancy) -> [Cell<'a>; 16] {
    [
        Cell::Outside(run_id),
        Cell::Own(d.code.as_str()),
        Cell::Own(d.severity.as_str()),
        Cell::Outside(&d.vendor),
        Cell::Outside(&d.statement_no),
        Cell::Outside(&d.order_no),
        Cell::Outside(&d.doc_no),
        Cell::Money(d.ledger_amount),
        Cell::Money(d.vendor_amount),
        Cell::Money(d.difference()),
        Cell::Outside(&d.currency),
        Cell::Date(d.ledger_date),
        Cell::Date(d.vendor_date),
        Cell::Own(d.status.as_str()),
        Cell::Outside(d.first_seen_run.as_deref().unwrap_or("")),
        Cell::Outside(&d.detail),
    ]
}

pub(crate) fn matched_cells(m: &MatchedLine) -> [Cell<'_>; 9] {
    [
        Cell::Outside(&m.vendor),
        Cell::Outside(&m.statement_no),
        Cell::Outside(&m.order_no),
        Cell::Outside(&m.doc_no),
        Cell::Outside(&m.entry_id),
        Cell::Money(Some(m.ledger_amount)),
        Cell::Money(Some(m.vendor_amount)),
        Cell::Date(m.ledger_date),
        Cell::Date(m.vendor_date),
    ]
}

pub(crate) fn input_error_cells(e: &InputError) -> [Cell<'_>; 6] {
    [
        Cell::Outside(&e.source),
        Cell::Number(e.line),
        Cell::Outside(&e.entry_id),
        Cell::Outside(&e.field),
        Cell::Outside(&e.value),
        Cell::Outside(&e.error),
    ]
}

/// Formula neutralization (SPEC §5): Excel and friends run a cell beginning
/// with `=`, `+`, `-`, `@` (or a tab / CR before one) as a formula, so outside
/// text starting so gets a leading `'`.
pub(crate) fn neutralize(s: &str) -> Cow<'_, str> {
    match s.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => Cow::Owned(format!("'{s}")),
        _ => Cow::Borrowed(s),
    }
}

/// Columns a string takes in a fixed-width font or an Excel column: CJK and
/// full-width characters count 2.
pub(crate) fn display_width(s: &str) -> usize {
    s.chars().map(|c| if is_wide(c) { 2 } else { 1 }).sum()
}

fn is_wide(c: char) -> bool {
    matches!(c as u32,
        0x1100..=0x115F
        | 0x2E80..=0x303E
        | 0x3041..=0x33FF
        | 0x3400..=0x4DBF
        | 0x4E00..=0x9FFF
        | 0xA000..=0xA4CF
        | 0xAC00..=0xD7A3
        | 0xF900..=0xFAFF
        | 0xFE30..=0xFE4F
        | 0xFF00..=0xFF60
        | 0xFFE0..=0xFFE6
        | 0x20000..=0x3FFFD)
}

#[cfg(test)]
mod tests;
