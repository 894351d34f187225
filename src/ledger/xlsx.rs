//! Spreadsheet ledgers (XLSX, also XLS/ODS through calamine): typed cells → text cells.

use super::row::{push_row, Cell, CellError, Col, ColumnMap, Origins};
use crate::domain::Ledger;
use crate::settings::LedgerSettings;
use anyhow::Context;
use calamine::{open_workbook_auto_from_rs, Data, Reader};
use std::io::Cursor;

/// Beyond 2^53 a double no longer holds every integer, so such an id may already have
/// been rounded when the spreadsheet stored it.
const MAX_EXACT_INT: f64 = 9_007_199_254_740_992.0;

/// Reads the first sheet (or `settings.sheet`); `line` is the sheet's row number.
pub(crate) fn read_xlsx_bytes(
    bytes: &[u8],
    source: &str,
    settings: &LedgerSettings,
) -> anyhow::Result<Ledger> {
    let mut book = open_workbook_auto_from_rs(Cursor::new(bytes))
        .with_context(|| format!("ledger {source}: not a readable spreadsheet"))?;
    let names = book.sheet_names();
    let sheet = match &settings.sheet {
        Some(s) => s.clone(),
        None => names
            .first()
            .cloned()
            .with_context(|| format!("ledger {source}: the workbook has no sheet"))?,
    };
    let range = book.worksheet_range(&sheet).with_context(|| {
        format!("ledger {source}: cannot read sheet {sheet:?} (sheets: {names:?})")
    })?;
    // The used range may start below row 1; line numbers stay the sheet's own.
    let first_row = u64::from(range.start().map_or(0, |(r, _)| r)) + 1;
    let mut rows = range.rows();
    let Some(header) = rows.next() else {
        anyhow::bail!("ledger {source}: sheet {sheet:?} is empty (no header row)");
    };
    let headers: Vec<String> = header.iter().map(|c| c.to_string()).collect();
    let map = ColumnMap::resolve(&headers, settings, source)?;
    let mut origins = Origins::new(source);
    let mut ledger = Ledger::default();
    for (i, row) in rows.enumerate() {
        let cells: Vec<Cell> = row
            .iter()
            .enumerate()
            .map(|(j, c)| cell_text(c, map.col_at(j)))
            .collect();
        push_row(
            &mut ledger,
            &cells,
            &map,
            &mut origins,
            first_row + 1 + i as u64,
        );
    }
    Ok(ledger)
}

/// Numbers are written as the shortest text that reads back as the same double
/// (Rust's `Display` for f64). That is the number the user typed and Excel shows
/// (`1234.5`, `0.1`), whereas the double's exact binary value would be
/// `0.1000000000000000055…`; and a computed residue such as `0.30000000000000004`
/// survives, so the normalizer reports it as a sub-fen amount instead of hiding it.
fn cell_text(cell: &Data, col: Option<Col>) -> Cell {
    let is_id = col.is_some_and(Col::is_id);
    Ok(match cell {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) if is_id && f.abs() > MAX_EXACT_INT => {
            return Err(CellError {
                value: format!("{f}"),
                error: "numeric cell too large for a double to hold exactly (over 2^53); \
                        store the id as a text cell"
                    .into(),
            })
        }
        // Exact: |f| ≤ 2^53 and integral, so the cast loses nothing.
        Data::Float(f) if is_id && f.fract() == 0.0 => (*f as i64).to_string(),
        Data::Float(f) => format!("{f}"),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(dt) if dt.is_datetime() => {
            // Calendar fields straight from the serial (1900/1904 systems handled by
            // calamine); the normalizer then parses the text like any other date.
            let (y, m, d, hh, mm, ss, _) = dt.to_ymd_hms_milli();
            if (hh, mm, ss) == (0, 0, 0) {
                format!("{y:04}-{m:02}-{d:02}")
            } else {
                format!("{y:04}-{m:02}-{d:02} {hh:02}:{mm:02}:{ss:02}")
            }
        }
        Data::DateTime(dt) => format!("{}", dt.as_f64()),
        Data::DateTimeIso(s) => s.replacen('T', " ", 1),
        Data::DurationIso(s) => s.clone(),
        Data::Error(e) => {
            return Err(CellError {
                value: format!("{e}"),
                error: "spreadsheet error cell".into(),
            })
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::EntryKind;
    use chrono::NaiveDate;
    use rust_decimal::Decimal;
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    use std::str::FromStr;

    fn dec(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    /// Rows: header; text ids + numeric amount + date cell; numeric ids; an id over
    /// 2^53; a computed sub-fen amount; a refund.
    fn workbook() -> Vec<u8> {
        let mut book = Workbook::new();
        let sheet = book.add_worksheet();
        sheet.set_name("明细").unwrap();
        let date = Format::new().set_num_format("yyyy-mm-dd");
        let headers = [
            "entry_id",
            "vendor",
            "kind",
            "doc_no",
            "line_no",
            "amount",
            "booked_on",
            "memo",
        ];
        for (c, h) in headers.iter().enumerate() {
            sheet.write_string(0, c as u16, *h).unwrap();
        }
        let day = ExcelDateTime::from_ymd(2024, 5, 1).unwrap();
        let rows: [(&str, f64, Option<f64>); 4] = [
            ("V1", 1234.5, None),
            ("V2", 0.1, Some(2_000_000_123.0)),
            ("V3", 10.0, Some(12_345_678_901_234_567_890.0)),
            ("V4", 0.1 + 0.2, None),
        ];
        for (i, (id, amount, numeric_doc)) in rows.iter().enumerate() {
            let r = i as u32 + 1;
            sheet.write_string(r, 0, *id).unwrap();
            sheet.write_string(r, 1, "huadian").unwrap();
            sheet.write_string(r, 2, "order").unwrap();
            match numeric_doc {
                Some(n) => sheet.write_number(r, 3, *n).unwrap(),
                None => sheet.write_string(r, 3, "19876543210987654321").unwrap(),
            };
            sheet.write_number(r, 4, 3).unwrap();
            sheet.write_number(r, 5, *amount).unwrap();
            sheet.write_datetime_with_format(r, 6, &day, &date).unwrap();
        }
        sheet.write_string(5, 0, "V5").unwrap();
        sheet.write_string(5, 1, "huadian").unwrap();
        sheet.write_string(5, 2, "refund").unwrap();
        sheet.write_string(5, 3, "D5").unwrap();
        sheet.write_number(5, 5, -20).unwrap();
        sheet.write_string(5, 6, "2024/05/03").unwrap();
        sheet.write_string(5, 7, "退货").unwrap();
        book.save_to_buffer().unwrap()
    }

    #[test]
    fn xlsx_cells_become_exact_ids_amounts_and_dates() {
        let l = read_xlsx_bytes(&workbook(), "ledger.xlsx", &LedgerSettings::default()).unwrap();
        let v1 = &l.entries[0];
        assert_eq!(v1.entry_id, "V1");
        assert_eq!(v1.doc_no, "19876543210987654321", "text id kept as is");
        assert_eq!(v1.line_no(), Some("3"), "no .0 on a numeric id");
        assert_eq!(v1.amount(), dec("1234.5"));
        assert_eq!(v1.booked_on, NaiveDate::from_ymd_opt(2024, 5, 1).unwrap());
        assert_eq!(v1.line, 2);
        let v2 = &l.entries[1];
        assert_eq!(v2.doc_no, "2000000123");
        assert_eq!(v2.amount(), dec("0.1"));
        let v5 = &l.entries[2];
        assert_eq!((v5.entry_id.as_str(), v5.line), ("V5", 6));
        assert_eq!(v5.kind(), EntryKind::Refund);
        assert_eq!(v5.amount(), dec("20"));
        assert_eq!(v5.memo(), Some("退货"));
        assert_eq!(l.entries.len(), 3);
    }

    #[test]
    fn a_numeric_id_over_2_pow_53_and_a_float_residue_are_input_errors() {
        let l = read_xlsx_bytes(&workbook(), "ledger.xlsx", &LedgerSettings::default()).unwrap();
        let got: Vec<_> = l
            .errors
            .iter()
            .map(|e| {
                (
                    e.line,
                    e.entry_id.as_str(),
                    e.field.as_str(),
                    e.value.as_str(),
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                (Some(4), "V3", "doc_no", "12345678901234567000"),
                (Some(5), "V4", "amount", "0.30000000000000004"),
            ]
        );
        assert!(l.errors[0].error.contains("2^53"), "{}", l.errors[0].error);
    }

    #[test]
    fn ids_up_to_2_pow_53_are_exact_digits_and_beyond_are_refused() {
        let id = Some(Col::StatementNo);
        assert_eq!(
            cell_text(&Data::Float(MAX_EXACT_INT), id).unwrap(),
            "9007199254740992"
        );
        assert!(cell_text(&Data::Float(MAX_EXACT_INT + 2.0), id).is_err());
        assert_eq!(cell_text(&Data::Float(42.0), id).unwrap(), "42");
        assert_eq!(
            cell_text(&Data::Float(3.0), Some(Col::Amount)).unwrap(),
            "3"
        );
        assert_eq!(
            cell_text(&Data::Float(1234.5), Some(Col::Amount)).unwrap(),
            "1234.5"
        );
    }

    #[test]
    fn a_named_sheet_is_read_and_a_missing_one_is_a_clear_error() {
        let mut s = LedgerSettings {
            sheet: Some("明细".into()),
            ..Default::default()
        };
        assert_eq!(
            read_xlsx_bytes(&workbook(), "l.xlsx", &s)
                .unwrap()
                .entries
                .len(),
            3
        );
        s.sheet = Some("Sheet9".into());
        let err = read_xlsx_bytes(&workbook(), "l.xlsx", &s).unwrap_err();
        assert!(err.to_string().contains("Sheet9"), "{err}");
    }
}
