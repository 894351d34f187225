//! The workbook's statements sheet (SPEC §5: the fields no rule checks —
//! invoice titles, bank details, billSavePrice, ... — are shown, not checked):
//! one row per fetched statement, its total and billing period, then each such
//! field in a column of its own.

use super::Cell;
use crate::domain::{format_yuan, Extends, VendorDocs, ZcyStatement, ZcyStatus};
use crate::settings::Language;
use chrono::NaiveDate;
use rust_decimal::Decimal;

/// A fetched statement as the sheet shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct StatementRow {
    pub vendor: String,
    pub statement_no: String,
    pub total_amount: Decimal,
    pub bill_start: Option<NaiveDate>,
    pub bill_end: Option<NaiveDate>,
    pub lines: usize,
    /// The fields no rule checks, by the vendor's key.
    pub fields: Extends,
}

impl StatementRow {
    /// The rows of a vendor's documents, one per statement number, sorted. The
    /// fields are moved out of the documents, not copied: the report is built
    /// when the checks are done, and a large month has a hundred thousand
    /// statements.
    pub fn take_from(vendor: &str, docs: &mut VendorDocs) -> Vec<Self> {
        let mut rows: Vec<Self> = match docs {
            // The statements the checks read, the same one of a number read twice.
            VendorDocs::Huadian(h) => h
                .fetched_positions()
                .into_iter()
                .map(|i| {
                    let s = &mut h.statements[i];
                    Self {
                        vendor: vendor.to_string(),
                        statement_no: s.statement_no.clone(),
                        total_amount: s.total_amount,
                        bill_start: s.bill_start,
                        bill_end: s.bill_end,
                        lines: s.lines.len(),
                        fields: std::mem::take(&mut s.extends),
                    }
                })
                .collect(),
            VendorDocs::Zcy(z) => z.statements.iter().map(|s| zcy_row(vendor, s)).collect(),
        };
        rows.sort_by(|a, b| a.statement_no.cmp(&b.statement_no));
        rows.dedup_by(|a, b| a.statement_no == b.statement_no);
        rows
    }
}

/// A 政采云 settlement statement: its name, status, purchaser and the rest of
/// what its header says, under the API's keys; its invoices' titles in one cell.
fn zcy_row(vendor: &str, s: &ZcyStatement) -> StatementRow {
    let status = match &s.status {
        ZcyStatus::Unpaid => "未支付",
        ZcyStatus::Matched => "已匹配",
        ZcyStatus::Other(o) => o.as_str(),
    };
    let mut titles: Vec<&str> = s.invoices.iter().map(|i| i.title.as_str()).collect();
    titles.sort_unstable();
    titles.dedup();
    let created = s
        .created_at
        .map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string());
    let matched = s.match_amount.map(format_yuan);
    let pairs = [
        ("statementName", Some(s.name.clone())),
        ("status", Some(status.to_string())),
        ("createAt", created),
        ("purchaserOrgName", Some(s.purchaser.clone())),
        ("districtName", Some(s.district.clone())),
        ("matchAmount", matched),
        ("invoiceTitle", Some(titles.join("; "))),
    ];
    let fields = pairs
        .into_iter()
        .filter_map(|(k, v)| {
            v.filter(|v| !v.trim().is_empty())
                .map(|v| (k.into(), v.into()))
        })
        .collect();
    StatementRow {
        vendor: vendor.to_string(),
        statement_no: s.statement_no.clone(),
        total_amount: s.total_amount,
        bill_start: None,
        bill_end: None,
        lines: s.orders.len(),
        fields: Extends::new(fields, Vec::new()),
    }
}

/// Shown as columns of their own (the billing period as dates).
const SHOWN_APART: [&str; 2] = ["billStartDate", "billEndDate"];

/// The statement fields of the seeds, in their order, with their labels (huadian,
/// its `statementExtends` by the seed's `columnName`s, then 政采云); keys they do
/// not list keep their own key as the label.
const KNOWN: [(&str, &str); 22] = [
    ("taxpayerNo", "纳税人识别号"),
    ("invoiceTitle", "发票抬头"),
    ("invoiceType", "发票类型"),
    ("invoicePhone", "发票电话"),
    ("invoiceAddress", "发票地址"),
    ("bank", "发票银行"),
    ("bankAccount", "银行账号"),
    ("companyName", "公司名称"),
    ("receiverAddress", "收票人地址"),
    ("receiverPhone", "收票人号码"),
    ("receiverName", "收票人名称"),
    ("reason", "原因"),
    ("billCompanyCode", "对账单位编码"),
    ("billYear", "对账年份"),
    ("billMonth", "对账月份"),
    ("billSavePrice", "账期节约金额"),
    ("statementName", "结算单名称"),
    ("status", "结算单状态"),
    ("createAt", "结算单创建时间"),
    ("purchaserOrgName", "采购单位"),
    ("districtName", "行政区划名称"),
    ("matchAmount", "已匹配金额"),
];

const FIXED_ZH: [&str; 6] = [
    "供应商",
    "对账单号",
    "对账单总金额",
    "账单起始日期",
    "账单截至日期",
    "订单数",
];
const FIXED_EN: [&str; 6] = [
    "vendor",
    "statement_no",
    "total_amount",
    "bill_start",
    "bill_end",
    "lines",
];

/// The field columns of `rows`: the known ones in the seed's order, then the
/// others by key; only those some row fills.
pub(crate) fn field_keys(rows: &[StatementRow]) -> Vec<&str> {
    let mut others = std::collections::BTreeSet::new();
    let mut known = [false; KNOWN.len()];
    for (key, _) in rows.iter().flat_map(|r| r.fields.iter()) {
        match KNOWN.iter().position(|(k, _)| *k == key) {
            Some(i) => known[i] = true,
            None if !SHOWN_APART.contains(&key) => {
                others.insert(key);
            }
            None => {}
        }
    }
    KNOWN
        .iter()
        .zip(known)
        .filter(|(_, used)| *used)
        .map(|((k, _), _)| *k)
        .chain(others)
        .collect()
}

/// The header row: the fixed columns, then a label per field key.
pub(crate) fn headers<'a>(lang: Language, keys: &[&'a str]) -> Vec<&'a str> {
    let fixed = match lang {
        Language::Zh => FIXED_ZH,
        Language::En => FIXED_EN,
    };
    let label = |key: &'a str| match lang {
        Language::Zh => KNOWN
            .iter()
            .find(|(k, _)| *k == key)
            .map_or(key, |(_, label)| label),
        Language::En => key,
    };
    fixed
        .into_iter()
        .chain(keys.iter().map(|k| label(k)))
        .collect()
}

pub(crate) fn cells<'a>(row: &'a StatementRow, keys: &[&str]) -> Vec<Cell<'a>> {
    let mut cells = vec![
        Cell::Outside(&row.vendor),
        Cell::Outside(&row.statement_no),
        Cell::Money(Some(row.total_amount)),
        Cell::Date(row.bill_start),
        Cell::Date(row.bill_end),
        Cell::Number(Some(row.lines as u64)),
    ];
    cells.extend(
        keys.iter()
            .map(|k| Cell::Outside(row.fields.get(k).unwrap_or_default())),
    );
    cells
}
