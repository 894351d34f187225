use super::*;
use crate::domain::{Code, FetchState, Severity, Status};
use crate::settings::Language;
use calamine::{open_workbook, Data, Reader, Xlsx};
use std::str::FromStr;

fn d(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

#[allow(clippy::too_many_arguments)]
fn row(
    code: Code,
    severity: Severity,
    vendor: &str,
    keys: (&str, &str, &str),
    ledger: Option<&str>,
    vendor_amount: Option<&str>,
    status: Status,
    detail: &str,
) -> Discrepancy {
    Discrepancy {
        code,
        severity,
        vendor: vendor.into(),
        statement_no: keys.0.into(),
        order_no: keys.1.into(),
        doc_no: keys.2.into(),
        ledger_amount: ledger.map(d),
        vendor_amount: vendor_amount.map(d),
        currency: "CNY".into(),
        ledger_date: ledger.map(|_| day("2026-11-02")),
        vendor_date: vendor_amount.map(|_| day("2026-11-03")),
        status,
        first_seen_run: None,
        detail: detail.into(),
    }
}

fn sample() -> ReportData {
    let mut recurring = row(
        Code::InvoiceMissing,
        Severity::Error,
        "huadian",
        ("CG002", "", "1"),
        None,
        None,
        Status::Recurring,
        "发票缺失：账单行 1",
    );
    recurring.first_seen_run = Some("+run-0".into());
    let matched = |n: u32| MatchedLine {
        vendor: "huadian".into(),
        statement_no: "CG001".into(),
        order_no: format!("ORD{n}"),
        doc_no: String::new(),
        entry_id: format!("V{n}-1"),
        ledger_amount: d("1234567.80"),
        vendor_amount: d("1234567.80"),
        ledger_date: Some(day("2026-11-01")),
        vendor_date: None,
    };
    ReportData {
        statements: Vec::new(),
        run_id: "20261108-0230-ab12".into(),
        from: day("2026-11-01"),
        to: day("2026-11-07"),
        started_at: DateTime::parse_from_rfc3339("2026-11-08T02:30:00+08:00").unwrap(),
        vendors: vec!["huadian".into(), "zcy".into()],
        fetch: vec![
            FetchStatus {
                vendor: "huadian".into(),
                state: FetchState::Ok,
                error: None,
                requests: 12,
                documents: 10,
                failures: 0,
            },
            FetchStatus {
                vendor: "zcy".into(),
                state: FetchState::Failed,
                error: Some("connection refused\nafter 5 attempts".into()),
                requests: 5,
                documents: 0,
                failures: 5,
            },
        ],
        discrepancies: vec![
            row(
                Code::AmountMismatch,
                Severity::Error,
                "huadian",
                ("CG001", "ORD1", ""),
                Some("100.00"),
                Some("88.5"),
                Status::New,
                "=HYPERLINK(\"http://evil\")",
            ),
            row(
                Code::MissingInLedger,
                Severity::Info,
                "huadian",
                ("CG001", "ORD9", ""),
                None,
                Some("200"),
                Status::Pending,
                "-12.30 对方有我方无，订单日期在待定窗口内",
            ),
            recurring,
            row(
                Code::InvoiceDeliveryFailed,
                Severity::Error,
                "huadian",
                ("CG003", "", "INV-9"),
                None,
                Some("50.00"),
                Status::Resolved,
                "702 status -1",
            ),
            row(
                Code::UndeliveredBilled,
                Severity::Warning,
                "huadian",
                ("CG001", "ORD2", "@pkg7"),
                Some("30.10"),
                Some("30.10"),
                Status::New,
                "包裹未签收",
            ),
        ],
        matched: (1..=3).map(matched).collect(),
        matched_count: 3,
        input_errors: vec![
            InputError {
                source: "ledger.csv".into(),
                line: Some(5),
                entry_id: "V5-1".into(),
                field: "amount".into(),
                value: "=1+1".into(),
                error: "not an amount: \"=1+1\"".into(),
            },
            InputError {
                source: "huadian/statement/CG004.json".into(),
                line: None,
                entry_id: String::new(),
                field: "totalAmount".into(),
                value: "abc".into(),
                error: "body could not be parsed".into(),
            },
        ],
        invoice_links: vec![(
            "huadian".into(),
            "INV-9".into(),
            "https://invoices.example/INV-9.pdf".into(),
        )],
    }
}

fn settings(language: Language) -> ReportSettings {
    ReportSettings {
        language,
        ..ReportSettings::default()
    }
}

fn names_in(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

fn read_text(path: &Path) -> String {
    let bytes = std::fs::read(path).unwrap();
    assert!(
        bytes.starts_with(b"\xEF\xBB\xBF"),
        "{} lacks a BOM",
        path.display()
    );
    String::from_utf8(bytes[3..].to_vec()).unwrap()
}

fn written(lang: Language) -> (tempfile::TempDir, ReportPaths) {
    let tmp = tempfile::tempdir().unwrap();
    let paths = write(&tmp.path().join("run"), &sample(), &settings(lang)).unwrap();
    (tmp, paths)
}

#[test]
fn discrepancies_csv_in_chinese_has_bom_and_neutralized_outside_text() {
    let (_tmp, paths) = written(Language::Zh);
    let text = read_text(&paths.dir.join(DISCREPANCIES_CSV));
    insta::assert_snapshot!("discrepancies_csv_zh", text);
}

#[test]
fn discrepancies_csv_in_english_keeps_the_same_values() {
    let (_tmp, paths) = written(Language::En);
    let text = read_text(&paths.dir.join(DISCREPANCIES_CSV));
    assert!(text.starts_with("run_id,code,severity,vendor,statement_no,"));
    insta::assert_snapshot!("discrepancies_csv_en", text);
}

#[test]
fn input_errors_csv_neutralizes_and_is_header_only_when_clean() {
    let (_tmp, paths) = written(Language::Zh);
    let text = read_text(&paths.dir.join(INPUT_ERRORS_CSV));
    assert_eq!(
        text,
        "source,line,entry_id,field,value,error\n\
         ledger.csv,5,V5-1,amount,'=1+1,\"not an amount: \"\"=1+1\"\"\"\n\
         huadian/statement/CG004.json,,,totalAmount,abc,body could not be parsed\n"
    );

    let tmp = tempfile::tempdir().unwrap();
    let mut data = sample();
    data.input_errors.clear();
    write(tmp.path(), &data, &settings(Language::Zh)).unwrap();
    assert_eq!(
        read_text(&tmp.path().join(INPUT_ERRORS_CSV)),
        "source,line,entry_id,field,value,error\n"
    );
}

#[test]
fn matched_csv_holds_every_matched_line_with_a_bom() {
    let (_tmp, paths) = written(Language::En);
    let text = read_text(&paths.dir.join(MATCHED_CSV));
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 4);
    assert_eq!(
        lines[0],
        "vendor,statement_no,order_no,doc_no,entry_id,ledger_amount,vendor_amount,ledger_date,vendor_date"
    );
    assert_eq!(
        lines[1],
        "huadian,CG001,ORD1,,V1-1,1234567.80,1234567.80,2026-11-01,"
    );
}

#[test]
fn the_folder_holds_exactly_the_report_files_and_no_temporaries() {
    let (_tmp, paths) = written(Language::Zh);
    assert_eq!(
        names_in(&paths.dir),
        vec![
            "discrepancies.csv",
            "discrepancies.xlsx",
            "input_errors.csv",
            "matched.csv",
            "summary.json"
        ]
    );
    assert_eq!(paths.files.len(), 5);
    assert!(paths.files.iter().all(|p| p.is_file()));
}

#[test]
fn matched_off_writes_neither_matched_csv_nor_the_sheet() {
    let tmp = tempfile::tempdir().unwrap();
    let s = ReportSettings {
        matched: false,
        ..settings(Language::En)
    };
    write(tmp.path(), &sample(), &s).unwrap();
    assert!(!tmp.path().join(MATCHED_CSV).exists());
    let wb: Xlsx<_> = open_workbook(tmp.path().join(DISCREPANCIES_XLSX)).unwrap();
    assert_eq!(wb.sheet_names(), vec!["Summary", "discrepancies"]);
}

fn cell_text(d: &Data) -> String {
    match d {
        Data::String(s) => s.clone(),
        Data::Float(f) => f.to_string(),
        Data::Int(i) => i.to_string(),
        Data::Empty => String::new(),
        other => format!("{other:?}"),
    }
}

#[test]
fn workbook_has_typed_cells_string_formulas_and_invoice_links() {
    let (_tmp, paths) = written(Language::Zh);
    let path = paths.dir.join(DISCREPANCIES_XLSX);
    let mut wb: Xlsx<_> = open_workbook(&path).unwrap();
    assert_eq!(wb.sheet_names(), xlsx::sheet_names(Language::Zh).to_vec());

    let sheet = wb.worksheet_range("差异明细").unwrap();
    let header: Vec<String> = sheet.rows().next().unwrap().iter().map(cell_text).collect();
    assert_eq!(header, DISCREPANCY_HEADERS_ZH.to_vec());
    let first: Vec<&Data> = sheet.rows().nth(1).unwrap().iter().collect();
    assert_eq!(first[7], &Data::Float(100.0));
    assert_eq!(first[8], &Data::Float(88.5));
    assert_eq!(first[9], &Data::Float(-11.5));
    // Outside text that looks like a formula is stored as text, unchanged.
    assert_eq!(
        first[15],
        &Data::String("=HYPERLINK(\"http://evil\")".into())
    );
    assert!(matches!(first[11], Data::DateTime(_)), "{:?}", first[11]);
    // None amounts are empty cells, not zero.
    let third: Vec<&Data> = sheet.rows().nth(3).unwrap().iter().collect();
    assert_eq!(third[7], &Data::Empty);
    assert_eq!(third[9], &Data::Empty);
    assert_eq!(third[14], &Data::String("+run-0".into()));
    assert_eq!(sheet.get_size(), (6, 16));
    // No cell of the workbook is a formula.
    for name in wb.sheet_names() {
        let f = wb.worksheet_formula(&name).unwrap();
        assert!(
            f.used_cells().all(|(_, _, s)| s.is_empty()),
            "formula in {name}"
        );
    }

    let links = wb.hyperlinks_by_sheet_name("差异明细").unwrap();
    assert_eq!(links.len(), 1);
    assert_eq!(
        links[0].target.as_deref(),
        Some("https://invoices.example/INV-9.pdf")
    );

    let summary = wb.worksheet_range("汇总").unwrap();
    let all: Vec<String> = summary.cells().map(|(_, _, c)| cell_text(c)).collect();
    for needle in [
        "20261108-0230-ab12",
        "金额不符",
        "connection refused after 5 attempts",
        "failed",
    ] {
        assert!(
            all.iter().any(|c| c == needle),
            "summary lacks {needle}: {all:?}"
        );
    }
    assert!(!all.iter().any(|c| c.contains("100,000")));

    let matched = wb.worksheet_range("已匹配").unwrap();
    assert_eq!(matched.get_size(), (4, 9));
    assert_eq!(matched.get((1, 5)), Some(&Data::Float(1234567.8)));
}

#[test]
fn workbook_in_english_names_sheets_and_headers_in_english() {
    let (_tmp, paths) = written(Language::En);
    let mut wb: Xlsx<_> = open_workbook(paths.dir.join(DISCREPANCIES_XLSX)).unwrap();
    assert_eq!(
        wb.sheet_names(),
        vec!["Summary", "discrepancies", "matched"]
    );
    let sheet = wb.worksheet_range("discrepancies").unwrap();
    let header: Vec<String> = sheet.rows().next().unwrap().iter().map(cell_text).collect();
    assert_eq!(header, DISCREPANCY_HEADERS_EN.to_vec());
}

#[test]
fn matched_lines_beyond_the_sheet_limit_go_to_the_csv_and_the_summary_says_so() {
    let tmp = tempfile::tempdir().unwrap();
    let limits = Limits {
        matched_sheet_rows: 2,
    };
    write_with(tmp.path(), &sample(), &settings(Language::En), limits).unwrap();
    let mut wb: Xlsx<_> = open_workbook(tmp.path().join(DISCREPANCIES_XLSX)).unwrap();
    assert_eq!(wb.worksheet_range("matched").unwrap().get_size(), (3, 9));
    let summary = wb.worksheet_range("Summary").unwrap();
    let note = summary
        .cells()
        .map(|(_, _, c)| cell_text(c))
        .find(|c| c.contains("matched.csv"))
        .expect("a note about matched.csv");
    assert_eq!(
        note,
        "More than 2 matched lines: the sheet holds the first 2; matched.csv holds all 3."
    );
    assert_eq!(read_text(&tmp.path().join(MATCHED_CSV)).lines().count(), 4);
}

#[test]
fn summary_json_parses_with_amounts_as_strings() {
    let (_tmp, paths) = written(Language::Zh);
    let text = std::fs::read_to_string(paths.dir.join(SUMMARY_JSON)).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["run_id"], "20261108-0230-ab12");
    assert_eq!(v["from"], "2026-11-01");
    assert_eq!(v["to"], "2026-11-07");
    assert_eq!(v["vendors"], serde_json::json!(["huadian", "zcy"]));
    assert_eq!(v["fetch"]["zcy"]["state"], "failed");
    assert_eq!(v["fetch"]["huadian"]["documents"], 10);
    assert_eq!(v["complete"], false);
    assert_eq!(
        v["counts"]["by_code"].as_object().unwrap().len(),
        Code::ALL.len()
    );
    assert_eq!(v["counts"]["by_code"]["AMOUNT_MISMATCH"], 1);
    assert_eq!(v["counts"]["by_code"]["PAYMENT_SHORT"], 0);
    // Resolved rows are not at stake.
    assert_eq!(v["counts"]["by_code"]["INVOICE_DELIVERY_FAILED"], 0);
    assert_eq!(v["amounts"]["by_code"]["AMOUNT_MISMATCH"], "11.50");
    assert_eq!(v["counts"]["by_status"]["resolved"], 1);
    assert_eq!(v["counts"]["by_status"]["new"], 2);
    assert_eq!(v["counts"]["by_severity"]["warning"], 1);
    assert_eq!(v["totals"]["discrepancies"], 5);
    assert_eq!(v["totals"]["open"], 4);
    assert_eq!(v["totals"]["amount_at_stake"], "211.50");
    assert_eq!(v["input_errors"], 2);
    assert_eq!(v["matched"], 3);
    assert_eq!(v["files"][4], "summary.json");
    fn no_floats(v: &serde_json::Value) {
        match v {
            serde_json::Value::Number(n) => assert!(n.is_u64(), "{n} is not a count"),
            serde_json::Value::Array(a) => a.iter().for_each(no_floats),
            serde_json::Value::Object(o) => o.values().for_each(no_floats),
            _ => {}
        }
    }
    no_floats(&v);
}

#[test]
fn console_summary_is_aligned_plain_text() {
    insta::assert_snapshot!("console_summary", console_summary(&sample()));
}

#[test]
fn console_summary_without_discrepancies_says_none() {
    let mut data = sample();
    data.discrepancies.clear();
    data.input_errors.clear();
    let text = console_summary(&data);
    assert!(
        text.contains("Open discrepancies by code\n  none\n"),
        "{text}"
    );
    assert!(text.contains("Input errors  0\n"), "{text}");
}

#[test]
fn neutralize_prefixes_only_formula_starts() {
    for s in ["=1+1", "+86", "-12", "@SUM(A1)", "\tx", "\rx"] {
        assert_eq!(neutralize(s), format!("'{s}"));
    }
    for s in ["", "abc", "12.30", "对账单", " =x"] {
        assert_eq!(neutralize(s), s);
    }
}

#[test]
fn own_amount_columns_are_not_neutralized() {
    assert_eq!(Cell::Money(Some(d("-11.5"))).csv_text(), "-11.50");
    assert_eq!(Cell::Money(None).csv_text(), "");
}

#[test]
fn chinese_and_full_width_characters_count_double() {
    assert_eq!(display_width("abc"), 3);
    assert_eq!(display_width("金额不符"), 8);
    assert_eq!(display_width("单边账（对方有我方无）"), 22);
}

#[test]
fn summary_sheet_lists_fetch_status_codes_by_vendor_and_counts() {
    let (_tmp, paths) = written(Language::Zh);
    let mut wb: Xlsx<_> = open_workbook(paths.dir.join(DISCREPANCIES_XLSX)).unwrap();
    let summary = wb.worksheet_range("汇总").unwrap();
    let grid: Vec<String> = summary
        .rows()
        .map(|r| {
            let cells: Vec<String> = r.iter().map(cell_text).collect();
            cells.join(" | ").trim_end_matches(['|', ' ']).to_string()
        })
        .collect();
    insta::assert_snapshot!("summary_sheet_zh", grid.join("\n"));
}

#[test]
fn only_web_invoice_links_become_hyperlinks() {
    let tmp = tempfile::tempdir().unwrap();
    let mut data = sample();
    data.invoice_links = vec![(
        "huadian".into(),
        "INV-9".into(),
        "file:///etc/passwd".into(),
    )];
    write(tmp.path(), &data, &settings(Language::En)).unwrap();
    let mut wb: Xlsx<_> = open_workbook(tmp.path().join(DISCREPANCIES_XLSX)).unwrap();
    assert!(wb
        .hyperlinks_by_sheet_name("discrepancies")
        .unwrap()
        .is_empty());
    let sheet = wb.worksheet_range("discrepancies").unwrap();
    assert_eq!(
        sheet.get((4, DOC_NO_COLUMN)),
        Some(&Data::String("INV-9".into()))
    );
}

#[test]
fn an_empty_run_still_writes_every_file() {
    let tmp = tempfile::tempdir().unwrap();
    let mut data = sample();
    data.fetch.clear();
    data.discrepancies.clear();
    data.matched.clear();
    data.matched_count = 0;
    data.input_errors.clear();
    let paths = write(tmp.path(), &data, &settings(Language::Zh)).unwrap();
    assert!(paths.files.iter().all(|p| p.is_file()));
    assert_eq!(
        read_text(&tmp.path().join(DISCREPANCIES_CSV)),
        format!("{}\n", DISCREPANCY_HEADERS_ZH.join(","))
    );
    let mut wb: Xlsx<_> = open_workbook(tmp.path().join(DISCREPANCIES_XLSX)).unwrap();
    assert_eq!(wb.worksheet_range("差异明细").unwrap().get_size(), (1, 16));
    let v: serde_json::Value =
        serde_json::from_slice(&std::fs::read(tmp.path().join(SUMMARY_JSON)).unwrap()).unwrap();
    assert_eq!(v["totals"]["amount_at_stake"], "0.00");
}

/// SPEC §5: the fields no rule checks are shown in the workbook — one row per
/// statement, the seed's fields under their Chinese labels, the others under
/// their own key, in a column only when some statement fills it.
#[test]
fn the_statements_sheet_shows_the_fields_no_rule_checks() {
    use crate::domain::Extends;
    let fields = |pairs: &[(&str, &str)]| {
        let pairs: Vec<_> = pairs
            .iter()
            .map(|(k, v)| ((*k).into(), (*v).into()))
            .collect();
        Extends::new(pairs, Vec::new())
    };
    let mut data = sample();
    data.statements = vec![
        StatementRow {
            vendor: "huadian".into(),
            statement_no: "CG001".into(),
            total_amount: d("1234.50"),
            bill_start: Some(day("2026-11-01")),
            bill_end: Some(day("2026-11-10")),
            lines: 2,
            fields: fields(&[
                ("bank", "中国工商银行滨海支行"),
                ("billSavePrice", "100.52"),
                ("billStartDate", "2026-11-01"),
                ("invoiceTitle", "=华电滨海发电有限公司"),
                ("zoneCode", "Z1"),
            ]),
        },
        StatementRow {
            vendor: "huadian".into(),
            statement_no: "CG002".into(),
            total_amount: d("0"),
            bill_start: None,
            bill_end: None,
            lines: 0,
            fields: fields(&[("bankAccount", "1109532019100127735")]),
        },
    ];
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), &data, &settings(Language::Zh)).unwrap();
    let mut wb: Xlsx<_> = open_workbook(tmp.path().join(DISCREPANCIES_XLSX)).unwrap();
    assert_eq!(
        wb.sheet_names(),
        vec!["汇总", "差异明细", "对账单", "已匹配"]
    );
    let sheet = wb.worksheet_range("对账单").unwrap();
    let rows: Vec<Vec<String>> = sheet
        .rows()
        .map(|r| r.iter().map(cell_text).collect())
        .collect();
    assert_eq!(
        rows[0],
        [
            "供应商",
            "对账单号",
            "对账单总金额",
            "账单起始日期",
            "账单截至日期",
            "订单数",
            "发票抬头",
            "发票银行",
            "银行账号",
            "账期节约金额",
            "zoneCode"
        ]
    );
    assert_eq!(rows[1][..3], ["huadian", "CG001", "1234.5"]);
    assert_eq!(rows[1][5], "2");
    // Outside text stays text, never a formula.
    assert_eq!(rows[1][6], "=华电滨海发电有限公司");
    assert_eq!(rows[1][7..], ["中国工商银行滨海支行", "", "100.52", "Z1"]);
    assert_eq!(rows[2][8], "1109532019100127735");
    assert!(matches!(sheet.get((1, 3)), Some(Data::DateTime(_))));

    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), &data, &settings(Language::En)).unwrap();
    let mut wb: Xlsx<_> = open_workbook(tmp.path().join(DISCREPANCIES_XLSX)).unwrap();
    let sheet = wb.worksheet_range("statements").unwrap();
    let header: Vec<String> = sheet.rows().next().unwrap().iter().map(cell_text).collect();
    assert_eq!(
        header[..8],
        [
            "vendor",
            "statement_no",
            "total_amount",
            "bill_start",
            "bill_end",
            "lines",
            "invoiceTitle",
            "bank"
        ]
    );
}

/// 政采云 statements are shown the same way: name, status, purchaser, district,
/// creation time, matched amount and their invoices' titles.
#[test]
fn zcy_statements_show_their_header_fields() {
    use crate::domain::{VendorDocs, ZcyData, ZcyInvoice, ZcyStatement, ZcyStatus};
    let invoice = |title: &str| ZcyInvoice {
        serial_no: "I1".into(),
        invoice_type: "增值税普通发票".into(),
        title: title.into(),
        amount: d("1800.00"),
        orders: vec![],
        items: vec![],
    };
    let mut docs = VendorDocs::Zcy(ZcyData {
        statements: vec![ZcyStatement {
            statement_id: "1004032000000010000".into(),
            statement_no: "1004032000000010000".into(),
            name: "天猫第一笔结算单".into(),
            status: ZcyStatus::Unpaid,
            total_amount: d("5400.00"),
            match_amount: None,
            created_at: Some(
                chrono::NaiveDateTime::parse_from_str("2016-01-09 11:12:23", "%Y-%m-%d %H:%M:%S")
                    .unwrap(),
            ),
            purchaser: "杭州市第二中学".into(),
            district: "杭州市".into(),
            orders: vec!["22".into(), "21".into()],
            invoices: vec![invoice("杭州市第二中学"), invoice("杭州市第二中学")],
            pay_records: vec![],
            source: "zcy/x.json".into(),
        }],
        unpaid_complete: true,
        matched_complete: true,
    });
    let rows = StatementRow::take_from("zcy", &mut docs);
    assert_eq!(rows.len(), 1);
    let r = &rows[0];
    assert_eq!((r.lines, r.total_amount), (2, d("5400.00")));
    let fields: Vec<(&str, &str)> = r.fields.iter().collect();
    assert_eq!(
        fields,
        [
            ("createAt", "2016-01-09 11:12:23"),
            ("districtName", "杭州市"),
            ("invoiceTitle", "杭州市第二中学"),
            ("purchaserOrgName", "杭州市第二中学"),
            ("statementName", "天猫第一笔结算单"),
            ("status", "未支付"),
        ]
    );
}
