//! The workbook `discrepancies.xlsx`: Summary, discrepancies and matched
//! sheets. Outside text is always a string cell (never a formula); money is
//! a number cell formatted `#,##0.00`.

use super::statements;
use super::tally::{fetch_state_str, one_line, Tally};
use super::{
    discrepancy_cells, discrepancy_headers, display_width, fmt_date, group_digits, matched_cells,
    matched_headers, write_atomic, Cell, Limits, ReportData, DOC_NO_COLUMN, MATCHED_CSV,
};
use crate::domain::{format_yuan, Code};
use crate::settings::{Language, ReportSettings};
use anyhow::Context;
use rust_decimal::Decimal;
use rust_xlsxwriter::{
    ColNum, ExcelDateTime, Format, FormatBorder, RowNum, Url, Workbook, Worksheet, XlsxError,
};
use std::borrow::Cow;
use std::collections::HashMap;
use std::io::Write;
use std::path::Path;

/// Rows of an Excel sheet; the header takes one.
const EXCEL_MAX_ROWS: usize = 1_048_576;
/// Characters of an Excel cell.
const EXCEL_MAX_TEXT: usize = 32_767;
/// Hyperlinks Excel accepts per sheet.
const EXCEL_MAX_LINKS: usize = 65_530;
const MAX_COLUMN_WIDTH: usize = 60;

pub(super) fn write_workbook(
    path: &Path,
    data: &ReportData,
    settings: &ReportSettings,
    limits: Limits,
) -> anyhow::Result<()> {
    // The large sheets' rows go to unnamed files beside the workbook as they are
    // filled (see `build`).
    let dir = path.parent().unwrap_or(Path::new("."));
    let bytes = build(data, settings, limits, dir)
        .with_context(|| format!("building workbook {}", path.display()))?;
    write_atomic(path, |w: &mut dyn Write| w.write_all(&bytes))
        .with_context(|| format!("writing report file {}", path.display()))
}

struct SheetNames {
    summary: &'static str,
    discrepancies: &'static str,
    statements: &'static str,
    matched: &'static str,
}

#[cfg(test)]
pub(crate) fn sheet_names(lang: Language) -> [&'static str; 3] {
    let n = names(lang);
    [n.summary, n.discrepancies, n.matched]
}

fn names(lang: Language) -> SheetNames {
    match lang {
        Language::Zh => SheetNames {
            summary: "汇总",
            discrepancies: "差异明细",
            statements: "对账单",
            matched: "已匹配",
        },
        Language::En => SheetNames {
            summary: "Summary",
            discrepancies: "discrepancies",
            statements: "statements",
            matched: "matched",
        },
    }
}

struct Styles {
    header: Format,
    bold: Format,
    money: Format,
    date: Format,
}

impl Styles {
    fn new() -> Self {
        Self {
            header: Format::new()
                .set_bold()
                .set_border_bottom(FormatBorder::Thin),
            bold: Format::new().set_bold(),
            money: Format::new().set_num_format("#,##0.00"),
            date: Format::new().set_num_format("yyyy-mm-dd"),
        }
    }
}

fn build(
    data: &ReportData,
    settings: &ReportSettings,
    limits: Limits,
    tempdir: &Path,
) -> Result<Vec<u8>, XlsxError> {
    let lang = settings.language;
    let names = names(lang);
    let styles = Styles::new();
    let tally = Tally::of(data);
    let disc_rows = data.discrepancies.len().min(EXCEL_MAX_ROWS - 1);
    let matched_rows = data
        .matched
        .len()
        .min(limits.matched_sheet_rows)
        .min(EXCEL_MAX_ROWS - 1);

    let mut wb = Workbook::new();
    // Deflate level 3 instead of 6: at 58,750 discrepancies the workbook saves in
    // ~1.0 s instead of ~1.4 s for 5.7 MB instead of 5.0 MB (level 1: 8.7 MB).
    wb.set_zip_compression_level(3);
    {
        let ws = wb.add_worksheet();
        ws.set_name(names.summary)?;
        let mut s = Sheet::new(ws, &styles);
        summary_sheet(&mut s, data, settings, &tally, disc_rows, matched_rows)?;
        s.finish()?;
    }
    // The two largest sheets are filled on two threads, each writing its rows'
    // XML as it goes (rust_xlsxwriter's constant-memory worksheets, strings
    // inline): saving then compresses that XML and has no cell table to walk
    // and no shared-string table to build on one core.
    wb.set_tempdir(tempdir)?;
    let disc_ws = wb.new_worksheet_with_constant_memory()?;
    let statements_ws = if data.statements.is_empty() {
        None
    } else {
        Some(wb.new_worksheet_with_constant_memory()?)
    };
    let (discrepancies, statements) = rayon::join(
        || discrepancies_sheet(disc_ws, data, &styles, lang, names.discrepancies, disc_rows),
        || {
            statements_ws
                .map(|ws| statements_sheet(ws, data, &styles, lang, names.statements))
                .transpose()
        },
    );
    wb.push_worksheet(discrepancies?);
    if let Some(ws) = statements? {
        wb.push_worksheet(ws);
    }
    if settings.matched {
        let ws = wb.add_worksheet_with_constant_memory()?;
        ws.set_name(names.matched)?;
        let mut s = Sheet::new(ws, &styles);
        s.header_row(matched_headers(lang))?;
        for (i, m) in data.matched.iter().take(matched_rows).enumerate() {
            for (col, cell) in matched_cells(m).iter().enumerate() {
                s.put((i + 1) as RowNum, col as ColNum, cell)?;
            }
        }
        s.table_chrome(matched_rows, MATCHED_COLUMNS)?;
        s.finish()?;
    }
    tracing::debug!("workbook sheets filled");
    wb.save_to_buffer()
}

fn discrepancies_sheet(
    mut ws: Worksheet,
    data: &ReportData,
    styles: &Styles,
    lang: Language,
    name: &str,
    disc_rows: usize,
) -> Result<Worksheet, XlsxError> {
    ws.set_name(name)?;
    let links: HashMap<(&str, &str), &str> = data
        .invoice_links
        .iter()
        .filter(|(_, _, url)| is_web_link(url))
        .map(|(v, no, url)| ((v.as_str(), no.as_str()), url.as_str()))
        .collect();
    let mut s = Sheet::new(&mut ws, styles);
    s.header_row(discrepancy_headers(lang))?;
    let mut linked = 0;
    for (i, d) in data.discrepancies.iter().take(disc_rows).enumerate() {
        let row = (i + 1) as RowNum;
        let cells = discrepancy_cells(&data.run_id, d);
        for (col, cell) in cells.iter().enumerate() {
            let link = (col == DOC_NO_COLUMN && linked < EXCEL_MAX_LINKS)
                .then(|| links.get(&(d.vendor.as_str(), d.doc_no.as_str())))
                .flatten();
            match link {
                Some(url) if !d.doc_no.is_empty() => {
                    s.link(row, col as ColNum, url, &d.doc_no)?;
                    linked += 1;
                }
                _ => s.put(row, col as ColNum, cell)?,
            }
        }
    }
    s.table_chrome(disc_rows, DISCREPANCY_COLUMNS)?;
    s.finish()?;
    Ok(ws)
}

/// The fetched statements with the fields no rule checks.
fn statements_sheet(
    mut ws: Worksheet,
    data: &ReportData,
    styles: &Styles,
    lang: Language,
    name: &str,
) -> Result<Worksheet, XlsxError> {
    ws.set_name(name)?;
    let mut s = Sheet::new(&mut ws, styles);
    let keys = statements::field_keys(&data.statements);
    let headers = statements::headers(lang, &keys);
    s.header_row(&headers)?;
    let rows = data.statements.len().min(EXCEL_MAX_ROWS - 1);
    for (i, st) in data.statements.iter().take(rows).enumerate() {
        for (col, cell) in statements::cells(st, &keys).iter().enumerate() {
            s.put((i + 1) as RowNum, col as ColNum, cell)?;
        }
    }
    s.table_chrome(rows, headers.len())?;
    s.finish()?;
    Ok(ws)
}

const DISCREPANCY_COLUMNS: usize = 16;
const MATCHED_COLUMNS: usize = 9;

/// Only web links become hyperlinks: a vendor's `file://` or custom scheme
/// is not something to make clickable.
fn is_web_link(url: &str) -> bool {
    let lower = url.trim_start().to_ascii_lowercase();
    (lower.starts_with("https://") || lower.starts_with("http://")) && url.len() <= 2_079
}

/// A worksheet being written, remembering how wide each column's content is.
struct Sheet<'a> {
    ws: &'a mut Worksheet,
    styles: &'a Styles,
    widths: Vec<usize>,
}

impl<'a> Sheet<'a> {
    fn new(ws: &'a mut Worksheet, styles: &'a Styles) -> Self {
        Self {
            ws,
            styles,
            widths: Vec::new(),
        }
    }

    fn grow(&mut self, col: ColNum, width: usize) {
        let c = col as usize;
        if self.widths.len() <= c {
            self.widths.resize(c + 1, 0);
        }
        self.widths[c] = self.widths[c].max(width);
    }

    /// A string cell. A title (bold) may run over the next cells, so it
    /// does not widen its column.
    fn text(&mut self, row: RowNum, col: ColNum, s: &str, title: bool) -> Result<(), XlsxError> {
        if s.is_empty() {
            return Ok(());
        }
        let s = excel_text(s);
        if title {
            self.ws
                .write_string_with_format(row, col, s, &self.styles.bold)?;
        } else {
            self.grow(col, display_width(&s));
            self.ws.write_string(row, col, s)?;
        }
        Ok(())
    }

    fn put(&mut self, row: RowNum, col: ColNum, cell: &Cell) -> Result<(), XlsxError> {
        match *cell {
            Cell::Outside(s) => return self.text(row, col, s, false),
            Cell::Own(s) => return self.text(row, col, s, false),
            Cell::Money(Some(d)) => match money_cell_value(d) {
                Some(f) => {
                    self.ws
                        .write_number_with_format(row, col, f, &self.styles.money)?;
                }
                None => return self.text(row, col, &format_yuan(d), false),
            },
            Cell::Date(Some(d)) => {
                use chrono::Datelike;
                let excel =
                    ExcelDateTime::from_ymd(d.year() as u16, d.month() as u8, d.day() as u8);
                match excel {
                    Ok(x) if (1900..=9999).contains(&d.year()) => {
                        self.ws
                            .write_date_with_format(row, col, x, &self.styles.date)?;
                    }
                    _ => return self.text(row, col, &fmt_date(d), false),
                }
            }
            Cell::Number(Some(n)) => {
                self.ws.write_number(row, col, n as f64)?;
            }
            Cell::Money(None) | Cell::Date(None) | Cell::Number(None) => return Ok(()),
        }
        self.grow(col, cell.width());
        Ok(())
    }

    fn link(&mut self, row: RowNum, col: ColNum, url: &str, text: &str) -> Result<(), XlsxError> {
        self.grow(col, display_width(text));
        let written =
            self.ws
                .write_url_with_text(row, col, Url::new(url.trim_start()), excel_text(text));
        if written.is_err() {
            // A link Excel would refuse still leaves the document number readable.
            self.ws.write_string(row, col, excel_text(text))?;
        }
        Ok(())
    }

    fn header_row(&mut self, headers: &[&str]) -> Result<(), XlsxError> {
        for (col, h) in headers.iter().enumerate() {
            self.grow(col as ColNum, display_width(h));
            self.ws
                .write_string_with_format(0, col as ColNum, *h, &self.styles.header)?;
        }
        Ok(())
    }

    fn header_at(&mut self, row: RowNum, headers: &[Cow<str>]) -> Result<(), XlsxError> {
        for (col, h) in headers.iter().enumerate() {
            self.grow(col as ColNum, display_width(h));
            self.ws.write_string_with_format(
                row,
                col as ColNum,
                h.as_ref(),
                &self.styles.header,
            )?;
        }
        Ok(())
    }

    /// Frozen header and an autofilter over the data.
    fn table_chrome(&mut self, rows: usize, cols: usize) -> Result<(), XlsxError> {
        self.ws.set_freeze_panes(1, 0)?;
        self.ws
            .autofilter(0, 0, rows as RowNum, (cols - 1) as ColNum)?;
        Ok(())
    }

    fn finish(self) -> Result<(), XlsxError> {
        for (col, w) in self.widths.iter().enumerate() {
            let w = (w + 2).clamp(8, MAX_COLUMN_WIDTH);
            self.ws.set_column_width(col as ColNum, w as f64)?;
        }
        Ok(())
    }
}

/// Excel number cells are IEEE doubles by nature; this is the one place a
/// Decimal becomes an f64 (STYLE: money is never f64). Going through the
/// exact two-place text gives the double nearest the exact amount, with no
/// float arithmetic before it.
fn money_cell_value(d: Decimal) -> Option<f64> {
    format_yuan(d).parse::<f64>().ok()
}

fn excel_text(s: &str) -> Cow<'_, str> {
    match s.char_indices().nth(EXCEL_MAX_TEXT) {
        Some((cut, _)) => Cow::Owned(s[..cut].to_string()),
        None => Cow::Borrowed(s),
    }
}

fn summary_sheet(
    s: &mut Sheet,
    data: &ReportData,
    settings: &ReportSettings,
    tally: &Tally,
    disc_rows: usize,
    matched_rows: usize,
) -> Result<(), XlsxError> {
    let zh = settings.language == Language::Zh;
    let t = |z: &'static str, e: &'static str| if zh { z } else { e };
    let mut row: RowNum = 0;

    s.text(row, 0, t("对账报告", "Reconciliation report"), true)?;
    row += 1;
    s.text(row, 0, t("运行编号", "Run"), false)?;
    s.put(row, 1, &Cell::Outside(&data.run_id))?;
    row += 1;
    s.text(row, 0, t("对账区间", "Range"), false)?;
    s.text(
        row,
        1,
        &format!("{} ~ {}", fmt_date(data.from), fmt_date(data.to)),
        false,
    )?;
    row += 1;
    s.text(row, 0, t("开始时间", "Started"), false)?;
    s.text(row, 1, &data.started_at.to_rfc3339(), false)?;
    row += 2;

    s.text(row, 0, t("拉取状态", "Fetch status"), true)?;
    row += 1;
    let fetch_head: Vec<Cow<str>> = [
        t("供应商", "vendor"),
        t("状态", "state"),
        t("请求数", "requests"),
        t("文档数", "documents"),
        t("失败数", "failures"),
        t("错误", "error"),
    ]
    .into_iter()
    .map(Cow::Borrowed)
    .collect();
    s.header_at(row, &fetch_head)?;
    row += 1;
    if data.fetch.is_empty() {
        s.text(row, 0, t("（无）", "(none)"), false)?;
        row += 1;
    }
    for f in &data.fetch {
        s.put(row, 0, &Cell::Outside(&f.vendor))?;
        s.text(row, 1, fetch_state_str(&f.state), false)?;
        s.put(row, 2, &Cell::Number(Some(f.requests)))?;
        s.put(row, 3, &Cell::Number(Some(f.documents)))?;
        s.put(row, 4, &Cell::Number(Some(f.failures)))?;
        if let Some(e) = &f.error {
            s.put(row, 5, &Cell::Outside(&one_line(e)))?;
        }
        row += 1;
    }
    row += 1;

    s.text(
        row,
        0,
        t(
            "未结差异（新增、重复、待定）按代码与供应商",
            "Open discrepancies (new, recurring, pending) by code and vendor",
        ),
        true,
    )?;
    row += 1;
    let mut head: Vec<Cow<str>> = vec![t("差异代码", "code").into(), t("中文名称", "label").into()];
    for v in &tally.vendors {
        head.push(format!("{v} {}", t("条数", "count")).into());
        head.push(format!("{v} {}", t("金额", "amount")).into());
    }
    head.push(t("合计条数", "total count").into());
    head.push(t("合计金额", "total amount").into());
    s.header_at(row, &head)?;
    row += 1;
    let codes: Vec<Code> = Code::ALL
        .iter()
        .copied()
        .filter(|c| tally.code(*c).count > 0)
        .collect();
    if codes.is_empty() {
        s.text(row, 0, t("无未结差异", "No open discrepancies"), false)?;
        row += 1;
    }
    let last = (2 + 2 * tally.vendors.len()) as ColNum;
    for code in codes {
        s.text(row, 0, code.as_str(), false)?;
        s.text(row, 1, code.label_zh(), false)?;
        for (i, v) in tally.vendors.iter().enumerate() {
            let ca = tally.code_vendor(code, v);
            let col = (2 + 2 * i) as ColNum;
            s.put(row, col, &Cell::Number(Some(ca.count)))?;
            s.put(row, col + 1, &Cell::Money(Some(ca.amount)))?;
        }
        let ca = tally.code(code);
        s.put(row, last, &Cell::Number(Some(ca.count)))?;
        s.put(row, last + 1, &Cell::Money(Some(ca.amount)))?;
        row += 1;
    }
    s.text(row, 0, t("合计", "total"), true)?;
    for (i, v) in tally.vendors.iter().enumerate() {
        let (count, amount) = Code::ALL
            .iter()
            .map(|c| tally.code_vendor(*c, v))
            .fold((0, Decimal::ZERO), |(n, a), ca| {
                (n + ca.count, a + ca.amount)
            });
        let col = (2 + 2 * i) as ColNum;
        s.put(row, col, &Cell::Number(Some(count)))?;
        s.put(row, col + 1, &Cell::Money(Some(amount)))?;
    }
    s.put(row, last, &Cell::Number(Some(tally.open.count)))?;
    s.put(row, last + 1, &Cell::Money(Some(tally.open.amount)))?;
    row += 2;

    s.text(row, 0, t("按状态", "By status"), true)?;
    row += 1;
    for (label, n) in [
        (t("新增 new", "new"), tally.new),
        (t("重复 recurring", "recurring"), tally.recurring),
        (t("待定 pending", "pending"), tally.pending),
        (t("已解决 resolved", "resolved"), tally.resolved),
    ] {
        s.text(row, 0, label, false)?;
        s.put(row, 1, &Cell::Number(Some(n)))?;
        row += 1;
    }
    row += 1;
    s.text(row, 0, t("按严重程度", "By severity"), true)?;
    row += 1;
    for (label, n) in [
        (t("错误 error", "error"), tally.errors),
        (t("警告 warning", "warning"), tally.warnings),
        (t("提示 info", "info"), tally.infos),
    ] {
        s.text(row, 0, label, false)?;
        s.put(row, 1, &Cell::Number(Some(n)))?;
        row += 1;
    }
    row += 1;

    s.text(row, 0, t("输入错误", "Input errors"), false)?;
    s.put(row, 1, &Cell::Number(Some(data.input_errors.len() as u64)))?;
    if !data.input_errors.is_empty() {
        s.text(
            row,
            2,
            t("见 input_errors.csv", "see input_errors.csv"),
            false,
        )?;
    }
    row += 1;
    s.text(row, 0, t("已匹配", "Matched lines"), false)?;
    s.put(row, 1, &Cell::Number(Some(data.matched_count as u64)))?;
    row += 1;
    if disc_rows < data.discrepancies.len() {
        let note = if zh {
            format!(
                "差异明细超过工作表行数上限：工作表只含前 {disc_rows} 行，{} 含全部 {} 行。",
                super::DISCREPANCIES_CSV,
                data.discrepancies.len()
            )
        } else {
            format!(
                "More discrepancies than a sheet holds: the sheet has the first {disc_rows}; {} has all {}.",
                super::DISCREPANCIES_CSV,
                data.discrepancies.len()
            )
        };
        s.text(row, 0, &note, true)?;
        row += 1;
    }
    if settings.matched && matched_rows < data.matched_count {
        let note = if zh {
            format!(
                "已匹配明细超过 {} 行：工作表只含前 {} 行，{MATCHED_CSV} 含全部 {} 行。",
                group_digits(matched_rows),
                group_digits(matched_rows),
                group_digits(data.matched_count)
            )
        } else {
            format!(
                "More than {} matched lines: the sheet holds the first {}; {MATCHED_CSV} holds all {}.",
                group_digits(matched_rows),
                group_digits(matched_rows),
                group_digits(data.matched_count)
            )
        };
        s.text(row, 0, &note, true)?;
    }
    Ok(())
}
