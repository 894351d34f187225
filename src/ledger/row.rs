//! The one row normalizer every ledger source feeds: header → column mapping, then
//! text cells → `LedgerEntry`, or one `InputError` per bad field (the row is skipped).

use crate::domain::{
    parse_yuan, EntryDetails, EntryFields, EntryKind, EntryMeta, InputError, Ledger, LedgerEntry,
    Origin, Statements, Text,
};
use crate::settings::LedgerSettings;
use anyhow::bail;
use chrono::NaiveDate;
use rust_decimal::Decimal;
use std::sync::Arc;

/// The ledger columns of SPEC §4.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Col {
    EntryId,
    Vendor,
    Kind,
    DocNo,
    StatementNo,
    LineNo,
    Amount,
    Currency,
    BookedOn,
    Status,
    InvoiceNo,
    InvoiceCode,
    ExpressCompany,
    ExpressNo,
    RefNo,
    Memo,
}

impl Col {
    pub(crate) const ALL: [Col; 16] = [
        Col::EntryId,
        Col::Vendor,
        Col::Kind,
        Col::DocNo,
        Col::StatementNo,
        Col::LineNo,
        Col::Amount,
        Col::Currency,
        Col::BookedOn,
        Col::Status,
        Col::InvoiceNo,
        Col::InvoiceCode,
        Col::ExpressCompany,
        Col::ExpressNo,
        Col::RefNo,
        Col::Memo,
    ];

    pub(crate) fn name(self) -> &'static str {
        match self {
            Col::EntryId => "entry_id",
            Col::Vendor => "vendor",
            Col::Kind => "kind",
            Col::DocNo => "doc_no",
            Col::StatementNo => "statement_no",
            Col::LineNo => "line_no",
            Col::Amount => "amount",
            Col::Currency => "currency",
            Col::BookedOn => "booked_on",
            Col::Status => "status",
            Col::InvoiceNo => "invoice_no",
            Col::InvoiceCode => "invoice_code",
            Col::ExpressCompany => "express_company",
            Col::ExpressNo => "express_no",
            Col::RefNo => "ref_no",
            Col::Memo => "memo",
        }
    }

    fn required(self) -> bool {
        matches!(
            self,
            Col::EntryId | Col::Vendor | Col::Kind | Col::DocNo | Col::Amount | Col::BookedOn
        )
    }

    /// Identifier columns: a spreadsheet may hold them as numbers, which must come
    /// back as the digits the user typed (no `.0`, no rounding).
    pub(crate) fn is_id(self) -> bool {
        matches!(
            self,
            Col::EntryId
                | Col::DocNo
                | Col::StatementNo
                | Col::LineNo
                | Col::InvoiceNo
                | Col::InvoiceCode
                | Col::ExpressNo
                | Col::RefNo
        )
    }
}

/// A cell as a source hands it over: its text, or why the source could not produce
/// one (e.g. a spreadsheet number too large to be an exact id).
pub(crate) type Cell = Result<String, CellError>;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CellError {
    pub value: String,
    pub error: String,
}

/// What `push_row` reads a cell through: sources that own their cells' text
/// (spreadsheets, SQL) hand over `Cell`s; the CSV reader lends its record's fields
/// as `&str`, so a million-row ledger is not copied into sixteen million `String`s.
pub(crate) trait CellText {
    fn text(&self) -> Result<&str, &CellError>;
}

impl CellText for Cell {
    fn text(&self) -> Result<&str, &CellError> {
        self.as_deref()
    }
}

impl CellText for &str {
    fn text(&self) -> Result<&str, &CellError> {
        Ok(self)
    }
}

/// Where each ledger column sits among a source's columns.
#[derive(Debug, Clone)]
pub(crate) struct ColumnMap {
    pos: [Option<usize>; 16],
}

fn header_key(h: &str) -> String {
    h.trim_start_matches('\u{feff}').trim().to_ascii_lowercase()
}

impl ColumnMap {
    /// Matches headers (trimmed, ASCII case ignored, BOM stripped) against the ledger
    /// columns, through `settings.columns` where it renames one. A mapped column whose
    /// export header is absent falls back to its own name, so a SQL query that already
    /// aliases to the ledger names works with the same config as the CSV export.
    pub(crate) fn resolve(
        headers: &[String],
        settings: &LedgerSettings,
        source: &str,
    ) -> anyhow::Result<Self> {
        for key in settings.columns.keys() {
            if !Col::ALL.iter().any(|c| c.name() == key.as_str()) {
                let known: Vec<_> = Col::ALL.iter().map(|c| c.name()).collect();
                bail!(
                    "ledger.columns.{key} is not a ledger column (known: {})",
                    known.join(", ")
                );
            }
        }
        let keys: Vec<String> = headers.iter().map(|h| header_key(h)).collect();
        let find = |name: &str| keys.iter().position(|k| *k == header_key(name));
        let mut pos = [None; 16];
        for (i, col) in Col::ALL.into_iter().enumerate() {
            let mapped = settings.columns.get(col.name());
            pos[i] = mapped.and_then(|m| find(m)).or_else(|| find(col.name()));
            if pos[i].is_none() && col.required() {
                let wanted = match mapped {
                    Some(m) => format!("`{}` (mapped to {m:?})", col.name()),
                    None => format!("`{}`", col.name()),
                };
                let found: Vec<String> = headers
                    .iter()
                    .map(|h| format!("{:?}", h.trim_start_matches('\u{feff}')))
                    .collect();
                bail!(
                    "{source}: required column {wanted} not found; headers found: {} \
                     (map other names with [ledger.columns])",
                    found.join(", ")
                );
            }
        }
        Ok(Self { pos })
    }

    /// The ledger column a source column feeds, if any.
    pub(crate) fn col_at(&self, source_index: usize) -> Option<Col> {
        Col::ALL
            .into_iter()
            .zip(self.pos)
            .find(|(_, p)| *p == Some(source_index))
            .map(|(c, _)| c)
    }

    fn get(&self, col: Col) -> Option<usize> {
        self.pos[col as usize]
    }
}

/// The (vendor, source) pairs of the rows read from one source, each made once
/// and shared by its rows.
pub(crate) struct Origins {
    source: Arc<str>,
    /// A ledger names a handful of vendors: a list beats a map.
    known: Vec<(Arc<Origin>, [Arc<EntryMeta>; 4])>,
    statements: Statements,
}

impl Origins {
    pub(crate) fn new(source: &str) -> Self {
        Self {
            source: source.into(),
            known: Vec::new(),
            statements: Statements::default(),
        }
    }

    pub(crate) fn source(&self) -> &str {
        &self.source
    }

    /// The meta shared by the rows of `vendor` and `kind` with no optional column.
    fn plain(&mut self, vendor: &str, kind: EntryKind) -> Arc<EntryMeta> {
        let at = match self.known.iter().position(|(o, _)| o.vendor == vendor) {
            Some(at) => at,
            None => {
                let o = Arc::new(Origin {
                    vendor: vendor.into(),
                    source: self.source.clone(),
                });
                let kinds = EntryKind::ALL.map(|k| EntryMeta::plain(k, o.clone()));
                self.known.push((o, kinds));
                self.known.len() - 1
            }
        };
        self.known[at].1[kind as usize].clone()
    }
}

/// Normalizes one row into `out`: an entry, or one `InputError` per bad field and no
/// entry. A row whose cells are all blank is skipped silently.
pub(crate) fn push_row<C: CellText>(
    out: &mut Ledger,
    row: &[C],
    map: &ColumnMap,
    origins: &mut Origins,
    line: u64,
) {
    if row
        .iter()
        .all(|c| matches!(c.text(), Ok(s) if s.trim().is_empty()))
    {
        return;
    }
    let mut f = Fields {
        row,
        map,
        bad: Vec::new(),
    };
    let entry_id = f.required(Col::EntryId);
    let vendor = f.required(Col::Vendor).map(lowercase);
    let kind = f.parsed(Col::Kind, |t| {
        EntryKind::parse(t).ok_or_else(|| "not one of order, refund, invoice, payment".into())
    });
    let doc_no = f.required(Col::DocNo);
    let amount = f.parsed(Col::Amount, parse_amount);
    let booked_on = f.parsed(Col::BookedOn, parse_date);
    let statement_no = f
        .optional(Col::StatementNo)
        .map(|s| origins.statements.shared(s));
    let mut detail = |col| f.optional(col).map(str::to_string);
    let details = EntryDetails {
        line_no: detail(Col::LineNo),
        currency: detail(Col::Currency)
            .map(|c| c.to_uppercase())
            .filter(|c| c != "CNY"),
        status: detail(Col::Status),
        invoice_no: detail(Col::InvoiceNo),
        invoice_code: detail(Col::InvoiceCode),
        express_company: detail(Col::ExpressCompany),
        express_no: detail(Col::ExpressNo),
        ref_no: detail(Col::RefNo),
        memo: detail(Col::Memo),
    };

    let (Some(entry_id), Some(vendor), Some(kind), Some(doc_no), Some(amount), Some(booked_on)) =
        (entry_id, vendor, kind, doc_no, amount, booked_on)
    else {
        return f.report(out, origins.source(), line);
    };
    if !f.bad.is_empty() {
        return f.report(out, origins.source(), line);
    }
    // SPEC §4: refunds are stored positive whatever sign the ledger books them with.
    let amount = if kind == EntryKind::Refund {
        amount.abs()
    } else {
        amount
    };
    let plain = origins.plain(&vendor, kind);
    out.entries.push(LedgerEntry::new(
        EntryFields {
            entry_id: entry_id.into(),
            doc_no: doc_no.into(),
            statement_no,
            amount,
            booked_on,
            line: u32::try_from(line).unwrap_or(u32::MAX),
            details,
        },
        &plain,
    ));
}

/// Short texts (ids, vendor keys) are kept inline, not on the heap.
fn lowercase(t: &str) -> Text {
    if t.bytes().any(|b| b.is_ascii_uppercase()) || !t.is_ascii() {
        t.to_lowercase().into()
    } else {
        t.into()
    }
}

struct Bad {
    col: Col,
    value: String,
    error: String,
}

struct Fields<'a, C> {
    row: &'a [C],
    map: &'a ColumnMap,
    bad: Vec<Bad>,
}

impl<'a, C: CellText> Fields<'a, C> {
    /// The cell's text ("" when the column or cell is absent); `None` after recording
    /// the source's own error for the cell.
    fn text(&mut self, col: Col) -> Option<&'a str> {
        let row: &'a [C] = self.row;
        match self.map.get(col).and_then(|i| row.get(i)).map(C::text) {
            None => Some(""),
            Some(Ok(s)) => Some(s),
            Some(Err(e)) => {
                self.bad.push(Bad {
                    col,
                    value: e.value.clone(),
                    error: e.error.clone(),
                });
                None
            }
        }
    }

    fn required(&mut self, col: Col) -> Option<&'a str> {
        let t = crate::domain::trim(self.text(col)?);
        if t.is_empty() {
            self.bad.push(Bad {
                col,
                value: String::new(),
                error: "missing required value".into(),
            });
            return None;
        }
        Some(t)
    }

    fn parsed<T>(&mut self, col: Col, parse: impl FnOnce(&str) -> Result<T, String>) -> Option<T> {
        let t = self.required(col)?;
        match parse(t) {
            Ok(v) => Some(v),
            Err(error) => {
                self.bad.push(Bad {
                    col,
                    value: t.to_string(),
                    error,
                });
                None
            }
        }
    }

    fn optional(&mut self, col: Col) -> Option<&'a str> {
        let t = crate::domain::trim(self.text(col)?);
        (!t.is_empty()).then_some(t)
    }

    fn report(self, out: &mut Ledger, source: &str, line: u64) {
        let entry_id = match self
            .map
            .get(Col::EntryId)
            .and_then(|i| self.row.get(i))
            .map(C::text)
        {
            Some(Ok(s)) => s.trim().to_string(),
            _ => String::new(),
        };
        out.errors.extend(self.bad.into_iter().map(|b| InputError {
            source: source.to_string(),
            line: Some(line),
            entry_id: entry_id.clone(),
            field: b.col.name().to_string(),
            value: b.value,
            error: b.error,
        }));
    }
}

/// Yuan as written (`1234.5`, `1,234.50`, `¥1,234.50`). The ledger is kept in whole
/// fen, so a value below one fen is refused rather than rounded; trailing zeros
/// (`1.230`) are not a sub-fen part.
pub(crate) fn parse_amount(t: &str) -> Result<Decimal, String> {
    let d = parse_yuan(t).map_err(|e| e.to_string())?;
    if d.scale() > 2 && d.normalize().scale() > 2 {
        return Err("more than two decimal places".into());
    }
    Ok(d)
}

/// `YYYY-MM-DD`, `YYYY/MM/DD` or `YYYYMMDD`, optionally followed by ` 00:00:00`
/// (what ERPs and spreadsheets append to a date column).
pub(crate) fn parse_date(t: &str) -> Result<NaiveDate, String> {
    let t = crate::domain::trim(t.strip_suffix(" 00:00:00").unwrap_or(t));
    if let Some(d) = crate::domain::dates::fixed_date(t) {
        return Ok(d);
    }
    let format = if t.len() == 8 && t.bytes().all(|b| b.is_ascii_digit()) {
        "%Y%m%d"
    } else if t.contains('/') {
        "%Y/%m/%d"
    } else {
        "%Y-%m-%d"
    };
    NaiveDate::parse_from_str(t, format)
        .map_err(|_| "not a date (use YYYY-MM-DD, YYYY/MM/DD or YYYYMMDD)".into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn dec(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn amounts_in_every_written_form_parse_exactly() {
        assert_eq!(parse_amount("1234.5").unwrap(), dec("1234.5"));
        assert_eq!(parse_amount("1,234.50").unwrap(), dec("1234.50"));
        assert_eq!(parse_amount("¥1,234.50").unwrap(), dec("1234.50"));
        assert_eq!(parse_amount("1.230").unwrap(), dec("1.23"));
    }

    #[test]
    fn an_amount_below_one_fen_is_refused() {
        assert_eq!(
            parse_amount("1.234").unwrap_err(),
            "more than two decimal places"
        );
    }

    #[test]
    fn the_three_date_forms_and_a_midnight_time_parse() {
        let d = NaiveDate::from_ymd_opt(2024, 5, 1).unwrap();
        assert_eq!(parse_date("2024-05-01").unwrap(), d);
        assert_eq!(parse_date("2024/05/01").unwrap(), d);
        assert_eq!(parse_date("20240501").unwrap(), d);
        assert_eq!(parse_date("2024-05-01 00:00:00").unwrap(), d);
        assert!(parse_date("2024-13-01").is_err());
        assert!(parse_date("01/05/2024").is_err());
        assert!(parse_date("2024-05-01 13:00:00").is_err());
    }

    #[test]
    fn unknown_mapping_keys_are_refused() {
        let mut s = LedgerSettings::default();
        s.columns.insert("voucher".into(), "凭证号".into());
        let err = ColumnMap::resolve(&["entry_id".into()], &s, "x.csv").unwrap_err();
        assert!(err.to_string().contains("ledger.columns.voucher"), "{err}");
    }
}
