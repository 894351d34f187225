//! Tests of reconcile: builders for huadian data and ledger rows, one test per
//! rule and its near-miss, the identity merge and determinism.

use super::*;
use crate::domain::{
    Code, EntryKind, HuadianData, Invoice, ItemTally, LedgerEntry, LineItem, Message, MessageBody,
    Origin, Package, PackageState, Severity, Statement, StatementLine, Status,
};
use crate::domain::{EntryDetails, EntryFields, EntryMeta};
use chrono::NaiveDateTime;
use rust_decimal::Decimal;
use std::collections::BTreeMap;

const V: &str = "huadian";

fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn at(s: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").unwrap()
}

/// A statement of January 2024 whose total is the sum of its lines.
fn stmt(no: &str, lines: Vec<StatementLine>) -> Statement {
    Statement {
        statement_no: no.into(),
        total_amount: lines
            .iter()
            .map(|l| l.order_amount() - l.return_amount())
            .sum(),
        bill_start: Some(day("2024-01-01")),
        bill_end: Some(day("2024-01-31")),
        extends: Default::default(),
        lines,
        source: format!("huadian/statement/{no}.json"),
    }
}

/// An order line ended on 2024-01-10, no return, no items.
fn line(order: &str, amount: &str) -> StatementLine {
    let mut l = StatementLine::new(order, d(amount));
    l.set_ended_at(Some(at("2024-01-10 10:00:00")));
    l
}

fn ended(mut l: StatementLine, when: &str) -> StatementLine {
    l.set_ended_at(Some(at(when)));
    l
}

fn returned(mut l: StatementLine, amount: &str) -> StatementLine {
    l.set_return_amount(d(amount));
    l
}

fn with_items(l: &mut StatementLine, items: Vec<LineItem>) {
    let mut tally = ItemTally::default();
    for i in items {
        tally.add(i);
    }
    l.set_items(tally);
}

fn item(sku: &str, price: &str, num: &str, total: &str) -> LineItem {
    LineItem {
        sku: sku.into(),
        sku_name: None,
        price: d(price),
        num: d(num),
        total_price: d(total),
    }
}

fn entry(
    id: &str,
    kind: EntryKind,
    doc: &str,
    statement: Option<&str>,
    amount: &str,
) -> LedgerEntry {
    LedgerEntry::new(
        EntryFields {
            entry_id: id.into(),
            doc_no: doc.into(),
            statement_no: statement.map(|s| std::sync::Arc::new(s.into())),
            amount: d(amount),
            booked_on: day("2024-01-10"),
            line: id.trim_start_matches('E').parse().unwrap_or(2),
            details: EntryDetails::default(),
        },
        &EntryMeta::plain(kind, Origin::shared(V, "ledger.csv")),
    )
}

fn order(id: &str, doc: &str, statement: &str, amount: &str) -> LedgerEntry {
    entry(id, EntryKind::Order, doc, Some(statement), amount)
}

fn refund(id: &str, doc: &str, amount: &str) -> LedgerEntry {
    entry(id, EntryKind::Refund, doc, None, amount)
}

fn msg(id: &str, time: &str, body: MessageBody) -> Message {
    Message {
        id: id.into(),
        time: Some(at(time)),
        body,
    }
}

fn return_status(po: &str, apply: &str, status: i64) -> MessageBody {
    MessageBody::ReturnStatus {
        po_code: po.into(),
        apply_code: apply.into(),
        process_status: status,
    }
}

fn apply_status(po: &str, apply: &str, status: i64) -> MessageBody {
    MessageBody::ApplyStatus {
        po_code: po.into(),
        apply_code: apply.into(),
        apply_status: status,
    }
}

fn logistics(bill: &str, row: &str, invoice: &str, status: i64) -> MessageBody {
    MessageBody::InvoiceLogistics {
        bill_no: bill.into(),
        bill_row_no: row.into(),
        invoice_no: invoice.into(),
        invoice_code: "044001".into(),
        status,
    }
}

fn package(order: &str, no: &str, state: PackageState) -> Package {
    Package {
        order_no: order.into(),
        package_no: no.into(),
        state,
    }
}

/// One run's inputs: huadian data, ledger, range ending 2024-01-31, pending 3 days.
struct World {
    data: HuadianData,
    ledger: Vec<LedgerEntry>,
    fetched: bool,
    settings: ReconcileSettings,
    to: NaiveDate,
}

impl World {
    fn new(statements: Vec<Statement>, ledger: Vec<LedgerEntry>) -> Self {
        Self {
            data: HuadianData {
                statements,
                ..Default::default()
            },
            ledger,
            fetched: true,
            settings: ReconcileSettings::default(),
            to: day("2024-01-31"),
        }
    }

    fn run(&self) -> ReconcileOutput {
        let vendors = [VendorInput {
            vendor: V.into(),
            docs: VendorDocs::Huadian(self.data.clone()),
            fetched: self.fetched,
        }];
        let ledger = Ledger {
            entries: self.ledger.clone(),
            errors: vec![],
        };
        reconcile(&ReconcileInput {
            vendors: &vendors,
            ledger: &ledger,
            from: day("2024-01-01"),
            to: self.to,
            settings: &self.settings,
            keep_matched: true,
        })
        .unwrap()
    }

    fn rows(&self) -> Vec<Discrepancy> {
        self.run().discrepancies
    }

    fn of(&self, code: Code) -> Vec<Discrepancy> {
        self.rows().into_iter().filter(|r| r.code == code).collect()
    }
}

fn keys(rows: &[Discrepancy]) -> Vec<(&str, &str, &str)> {
    rows.iter()
        .map(|r| {
            (
                r.statement_no.as_str(),
                r.order_no.as_str(),
                r.doc_no.as_str(),
            )
        })
        .collect()
}

fn codes(rows: &[Discrepancy]) -> Vec<Code> {
    rows.iter().map(|r| r.code).collect()
}

#[test]
fn a_statement_agreeing_with_the_ledger_reports_nothing_and_lists_matched_lines() {
    let w = World::new(
        vec![stmt("S1", vec![line("O2", "50.00"), line("O1", "100.00")])],
        vec![
            order("E2", "O1", "S1", "100"),
            order("E3", "O2", "S1", "50.0"),
        ],
    );
    let out = w.run();
    assert_eq!(out.discrepancies, vec![]);
    let m: Vec<(&str, &str, &str)> = out
        .matched
        .iter()
        .map(|m| {
            (
                m.statement_no.as_str(),
                m.order_no.as_str(),
                m.entry_id.as_str(),
            )
        })
        .collect();
    assert_eq!(m, vec![("S1", "O1", "E2"), ("S1", "O2", "E3")]);
    assert_eq!(out.matched[0].vendor_date, Some(day("2024-01-10")));
}

#[test]
fn amount_mismatch_fires_beyond_tolerance_only() {
    let mut w = World::new(
        vec![stmt("S1", vec![line("O1", "100.00")])],
        vec![order("E2", "O1", "S1", "100.01")],
    );
    let rows = w.rows();
    assert_eq!(codes(&rows), vec![Code::AmountMismatch]);
    assert_eq!(keys(&rows), vec![("S1", "O1", "")]);
    assert_eq!(rows[0].ledger_amount, Some(d("100.01")));
    assert_eq!(rows[0].vendor_amount, Some(d("100.00")));
    assert_eq!(rows[0].difference(), Some(d("-0.01")));
    assert_eq!(rows[0].ledger_date, Some(day("2024-01-10")));
    assert_eq!(rows[0].severity, Severity::Error);

    w.settings.tolerance = d("0.01");
    let out = w.run();
    assert_eq!(out.discrepancies, vec![]);
    assert_eq!(out.matched.len(), 1);
}

#[test]
fn an_order_the_ledger_lacks_is_missing_in_ledger() {
    let w = World::new(
        vec![stmt(
            "S1",
            vec![ended(line("O9", "70.00"), "2024-01-05 08:00:00")],
        )],
        vec![],
    );
    let rows = w.rows();
    assert_eq!(codes(&rows), vec![Code::MissingInLedger]);
    assert_eq!(keys(&rows), vec![("S1", "O9", "")]);
    assert_eq!(
        (rows[0].status, rows[0].severity),
        (Status::New, Severity::Error)
    );
    assert_eq!(rows[0].vendor_amount, Some(d("70.00")));
}

#[test]
fn missing_in_ledger_inside_the_pending_window_is_info_pending_and_the_boundary_is_not() {
    let inside = World::new(
        vec![stmt(
            "S1",
            vec![ended(line("O9", "70.00"), "2024-01-29 00:00:00")],
        )],
        vec![],
    );
    let r = &inside.rows()[0];
    assert_eq!((r.status, r.severity), (Status::Pending, Severity::Info));

    // end − pending_days = 2024-01-28 is outside the window.
    let boundary = World::new(
        vec![stmt(
            "S1",
            vec![ended(line("O9", "70.00"), "2024-01-28 23:59:59")],
        )],
        vec![],
    );
    let r = &boundary.rows()[0];
    assert_eq!((r.status, r.severity), (Status::New, Severity::Error));
}

#[test]
fn a_ledger_order_of_a_fetched_statement_lacking_it_is_missing_in_vendor() {
    let w = World::new(
        vec![stmt("S1", vec![line("O1", "100.00")])],
        vec![
            order("E2", "O1", "S1", "100"),
            order("E3", "O5", "S1", "30"),
        ],
    );
    let rows = w.rows();
    assert_eq!(codes(&rows), vec![Code::MissingInVendor]);
    assert_eq!(keys(&rows), vec![("S1", "O5", "")]);
    assert_eq!(rows[0].ledger_amount, Some(d("30")));
    assert_eq!(rows[0].vendor_amount, None);
}

#[test]
fn a_statement_answered_none_makes_its_ledger_rows_missing_in_vendor() {
    let mut w = World::new(vec![], vec![order("E2", "O1", "S7", "100")]);
    w.data.empty_statements.insert("S7".into());
    assert_eq!(keys(&w.of(Code::MissingInVendor)), vec![("S7", "O1", "")]);
}

#[test]
fn a_failed_or_unfetched_statement_reports_nothing_about_its_rows() {
    let mut w = World::new(
        vec![stmt("S2", vec![line("O2", "5.00")])],
        vec![order("E2", "O1", "S1", "100"), order("E3", "O3", "S2", "1")],
    );
    w.data.failed_statements.insert("S2".into());
    // S1 was never fetched, S2 failed: its lines are not checked either.
    assert_eq!(w.rows(), vec![]);
}

#[test]
fn a_vendor_that_failed_outright_claims_nothing_missing_but_ledger_duplicates_still_show() {
    let mut w = World::new(
        vec![],
        vec![
            order("E2", "O1", "S1", "100"),
            order("E3", "O1", "S1", "100"),
        ],
    );
    w.data.empty_statements.insert("S1".into());
    w.data.invoices.insert(("S1".into(), "1".into()), vec![]);
    w.ledger
        .push(entry("E4", EntryKind::Invoice, "1", Some("S1"), "100"));
    w.data
        .messages
        .push(msg("1", "2024-01-10 10:00:00", apply_status("O1", "A1", 4)));
    w.ledger.push(refund("E5", "O1", "10"));
    w.fetched = false;
    assert_eq!(codes(&w.rows()), vec![Code::DuplicateInLedger]);
}

#[test]
fn refund_mismatch_compares_return_amount_with_the_sum_of_ledger_refunds() {
    let base = || {
        World::new(
            vec![stmt("S1", vec![returned(line("O1", "100.00"), "30.00")])],
            vec![order("E2", "O1", "S1", "100")],
        )
    };
    // Two refunds of one order, told apart by line_no.
    let mut ok = base();
    ok.ledger.push(refund("E3", "O1", "10"));
    ok.ledger.push(refund("E4", "O1", "20"));
    ok.ledger[1].set_line_no(Some("1"));
    ok.ledger[2].set_line_no(Some("2"));
    assert_eq!(ok.rows(), vec![]);

    let mut short = base();
    short.ledger.push(refund("E3", "O1", "10"));
    let rows = short.rows();
    assert_eq!(codes(&rows), vec![Code::RefundMismatch]);
    assert_eq!(keys(&rows), vec![("S1", "O1", "")]);
    assert_eq!(rows[0].ledger_amount, Some(d("10.00")));
    assert_eq!(rows[0].vendor_amount, Some(d("30.00")));

    // No refund rows count as zero.
    let none = base();
    assert_eq!(
        none.of(Code::RefundMismatch)[0].ledger_amount,
        Some(d("0.00"))
    );

    // A refund in the ledger for an order the vendor shows no return for.
    let mut extra = World::new(
        vec![stmt("S1", vec![line("O1", "100.00")])],
        vec![order("E2", "O1", "S1", "100"), refund("E3", "O1", "5")],
    );
    assert_eq!(codes(&extra.rows()), vec![Code::RefundMismatch]);
    extra.settings.tolerance = d("5");
    assert_eq!(extra.rows(), vec![]);
}

#[test]
fn an_order_in_two_statements_is_billed_twice_under_the_later_statement_only() {
    let mut later = stmt("S1", vec![line("O1", "100.00")]);
    later.bill_start = Some(day("2024-01-01"));
    later.bill_end = Some(day("2024-02-29"));
    let earlier = stmt("S2", vec![line("O1", "100.00")]);
    // The ledger books the order at another amount: only the first billing compares.
    let w = World::new(vec![later, earlier], vec![order("E2", "O1", "S2", "90")]);
    let rows = w.rows();
    assert_eq!(
        codes(&rows),
        vec![Code::AmountMismatch, Code::DuplicateBilling]
    );
    assert_eq!(keys(&rows), vec![("S2", "O1", ""), ("S1", "O1", "")]);
    assert_eq!(rows[1].vendor_amount, Some(d("100.00")));
    assert!(
        rows[1].detail.contains("billed 2 times"),
        "{}",
        rows[1].detail
    );
}

#[test]
fn with_equal_bill_end_dates_the_greater_statement_number_is_the_later() {
    let w = World::new(
        vec![
            stmt("S9", vec![line("O1", "100.00")]),
            stmt("S10", vec![line("O1", "100.00")]),
        ],
        vec![order("E2", "O1", "S10", "100")],
    );
    // "S9" > "S10" as text; statement numbers are compared as text.
    let rows = w.rows();
    assert_eq!(codes(&rows), vec![Code::DuplicateBilling]);
    assert_eq!(keys(&rows), vec![("S9", "O1", "")]);
    assert_eq!(w.run().matched.len(), 1);
}

#[test]
fn an_order_twice_in_one_statement_is_billed_twice_and_missing_only_once() {
    let w = World::new(
        vec![stmt("S1", vec![line("O1", "40.00"), line("O1", "40.00")])],
        vec![],
    );
    let rows = w.rows();
    assert_eq!(
        codes(&rows),
        vec![Code::DuplicateBilling, Code::MissingInLedger]
    );
    assert_eq!(rows[1].vendor_amount, Some(d("40.00")));
}

#[test]
fn an_order_billed_once_is_not_a_duplicate() {
    let w = World::new(
        vec![
            stmt("S1", vec![line("O1", "100.00")]),
            stmt("S2", vec![line("O2", "100.00")]),
        ],
        vec![
            order("E2", "O1", "S1", "100"),
            order("E3", "O2", "S2", "100"),
        ],
    );
    assert_eq!(w.rows(), vec![]);
}

#[test]
fn the_same_document_booked_twice_is_one_duplicate_in_ledger_row() {
    let w = World::new(
        vec![stmt("S1", vec![line("O1", "100.00")])],
        vec![
            order("E2", "O1", "S1", "100"),
            order("E3", "O1", "S1", "100"),
        ],
    );
    let rows = w.rows();
    assert_eq!(codes(&rows), vec![Code::DuplicateInLedger]);
    // SPEC §6 keys: order_no only; statement_no stays blank.
    assert_eq!(keys(&rows), vec![("", "O1", "")]);
    // The amount booked twice.
    assert_eq!(rows[0].ledger_amount, Some(d("100")));
    assert!(rows[0].detail.contains("E2") && rows[0].detail.contains("E3"));

    let mut refunds = World::new(
        vec![],
        vec![refund("E2", "O1", "5"), refund("E3", "O1", "5")],
    );
    assert_eq!(keys(&refunds.rows()), vec![("", "", "O1")]);
    // Different line_no: two refunds of one order, not a duplicate.
    refunds.ledger[1].set_line_no(Some("2"));
    assert_eq!(refunds.rows(), vec![]);
}

#[test]
fn a_statement_total_differing_from_its_lines_is_reported() {
    let mut s = stmt(
        "S1",
        vec![returned(line("O1", "100.00"), "10.00"), line("O2", "5.00")],
    );
    assert_eq!(s.total_amount, d("95.00"));
    let ok = World::new(
        vec![s.clone()],
        vec![
            order("E2", "O1", "S1", "100"),
            order("E3", "O2", "S1", "5"),
            refund("E4", "O1", "10"),
        ],
    );
    assert_eq!(ok.rows(), vec![]);

    s.total_amount = d("105.00");
    let mut w = ok;
    w.data.statements = vec![s];
    let rows = w.rows();
    assert_eq!(codes(&rows), vec![Code::StatementTotalMismatch]);
    assert_eq!(keys(&rows), vec![("S1", "", "")]);
    assert_eq!(rows[0].ledger_amount, Some(d("95.00")));
    assert_eq!(rows[0].vendor_amount, Some(d("105.00")));
}

#[test]
fn an_empty_statement_with_a_nonzero_total_is_a_total_mismatch() {
    let mut s = stmt("S1", vec![]);
    s.total_amount = d("1.00");
    let w = World::new(vec![s], vec![]);
    assert_eq!(
        keys(&w.of(Code::StatementTotalMismatch)),
        vec![("S1", "", "")]
    );
}

#[test]
fn item_totals_round_half_up_to_fen_before_comparing() {
    let mut l = line("O1", "3.26");
    // 0.335 × 3 = 1.005 → 1.01; 1.125 × 2 = 2.25.
    with_items(
        &mut l,
        vec![
            item("A", "0.335", "3", "1.01"),
            item("B", "1.125", "2", "2.25"),
        ],
    );
    let w = World::new(
        vec![stmt("S1", vec![l])],
        vec![order("E2", "O1", "S1", "3.26")],
    );
    assert_eq!(w.rows(), vec![]);
}

#[test]
fn bad_items_of_one_order_make_one_line_total_row_with_summed_amounts() {
    let mut l = line("O1", "10.00");
    with_items(
        &mut l,
        vec![
            LineItem {
                sku_name: Some("得力 7401 A4 复印纸".into()),
                ..item("A", "1.00", "2", "2.50")
            },
            item("B", "1.00", "3", "3.10"),
            item("C", "4.40", "1", "4.40"),
        ],
    );
    let w = World::new(
        vec![stmt("S1", vec![l])],
        vec![order("E2", "O1", "S1", "10.00")],
    );
    let rows = w.rows();
    assert_eq!(codes(&rows), vec![Code::LineTotalMismatch]);
    assert_eq!(keys(&rows), vec![("S1", "O1", "")]);
    // Items A and B: expected 2.00 + 3.00, stated 2.50 + 3.10; their sum 10.00 agrees.
    assert_eq!(rows[0].ledger_amount, Some(d("5.00")));
    assert_eq!(rows[0].vendor_amount, Some(d("5.60")));
    assert!(
        rows[0].detail.starts_with("2 occurrences"),
        "{}",
        rows[0].detail
    );
    // The sku's name beside it (SPEC §5: sku names are shown).
    assert!(
        rows[0]
            .detail
            .contains("sku A (得力 7401 A4 复印纸): price 1.00"),
        "{}",
        rows[0].detail
    );
}

#[test]
fn items_not_adding_up_to_the_order_amount_is_a_line_total_mismatch() {
    let mut l = line("O1", "10.00");
    with_items(&mut l, vec![item("A", "3.00", "3", "9.00")]);
    let w = World::new(
        vec![stmt("S1", vec![l])],
        vec![order("E2", "O1", "S1", "10.00")],
    );
    let rows = w.rows();
    assert_eq!(codes(&rows), vec![Code::LineTotalMismatch]);
    assert_eq!(rows[0].ledger_amount, Some(d("9.00")));
    assert_eq!(rows[0].vendor_amount, Some(d("10.00")));

    // An order without items is not checked against its items.
    let w = World::new(
        vec![stmt("S1", vec![line("O1", "10.00")])],
        vec![order("E2", "O1", "S1", "10.00")],
    );
    assert_eq!(w.rows(), vec![]);
}

#[test]
fn an_order_ended_outside_the_billing_period_is_out_of_period_inclusive_bounds() {
    let w = World::new(
        vec![stmt(
            "S1",
            vec![
                ended(line("O1", "1.00"), "2024-02-01 00:00:01"),
                ended(line("O2", "1.00"), "2024-01-31 23:59:59"),
                ended(line("O3", "1.00"), "2024-01-01 00:00:00"),
            ],
        )],
        vec![
            order("E2", "O1", "S1", "1"),
            order("E3", "O2", "S1", "1"),
            order("E4", "O3", "S1", "1"),
        ],
    );
    let rows = w.rows();
    assert_eq!(codes(&rows), vec![Code::OutOfPeriod]);
    assert_eq!(keys(&rows), vec![("S1", "O1", "")]);
    assert_eq!(rows[0].severity, Severity::Warning);
    assert_eq!(rows[0].vendor_date, Some(day("2024-02-01")));

    let mut s = w.data.statements[0].clone();
    s.bill_start = None;
    let mut no_bound = w;
    no_bound.data.statements = vec![s];
    assert_eq!(no_bound.rows(), vec![]);
}

fn delivery_world(packages: Vec<Package>) -> World {
    let mut w = World::new(
        vec![stmt("S1", vec![line("O1", "100.00")])],
        vec![order("E2", "O1", "S1", "100")],
    );
    w.data.packages = Some(BTreeMap::from([("O1".to_string(), packages)]));
    w
}

#[test]
fn a_rejected_package_of_a_billed_order_is_an_undelivered_error() {
    let w = delivery_world(vec![
        package("O1", "P2", PackageState::Signed),
        package("O1", "P1", PackageState::Rejected),
    ]);
    let rows = w.rows();
    assert_eq!(codes(&rows), vec![Code::UndeliveredBilled]);
    assert_eq!(keys(&rows), vec![("S1", "O1", "P1")]);
    assert_eq!(rows[0].severity, Severity::Error);
}

#[test]
fn packages_none_signed_are_undelivered_warnings_one_per_package() {
    let w = delivery_world(vec![
        package("O1", "P1", PackageState::Shipped),
        package("O1", "P2", PackageState::Other(7)),
    ]);
    let rows = w.rows();
    assert_eq!(keys(&rows), vec![("S1", "O1", "P1"), ("S1", "O1", "P2")]);
    assert!(rows.iter().all(|r| r.severity == Severity::Warning));

    let signed = delivery_world(vec![
        package("O1", "P1", PackageState::Shipped),
        package("O1", "P2", PackageState::Signed),
    ]);
    assert_eq!(signed.rows(), vec![]);
}

#[test]
fn a_package_query_answered_none_is_an_undelivered_warning_without_doc_no() {
    let w = delivery_world(vec![]);
    let rows = w.rows();
    assert_eq!(keys(&rows), vec![("S1", "O1", "")]);
    assert_eq!(rows[0].severity, Severity::Warning);
}

#[test]
fn packages_not_fetched_failed_or_absent_are_not_checked() {
    let mut w = delivery_world(vec![package("O1", "P1", PackageState::Rejected)]);
    w.data.failed_packages.insert("O1".into());
    assert_eq!(w.rows(), vec![]);
    w.data.failed_packages.clear();
    w.data.packages = None;
    assert_eq!(w.rows(), vec![]);
    w.data.packages = Some(BTreeMap::new());
    assert_eq!(w.rows(), vec![]);
}

fn invoice_world(answer: Option<Vec<Invoice>>) -> World {
    let mut w = World::new(vec![], vec![]);
    let mut e = entry("E2", EntryKind::Invoice, "3", Some("B1"), "500");
    e.set_line_no(Some("3"));
    w.ledger.push(e);
    if let Some(a) = answer {
        w.data.invoices.insert(("B1".into(), "3".into()), a);
    }
    w
}

#[test]
fn an_invoice_query_answered_none_is_invoice_missing() {
    let w = invoice_world(Some(vec![]));
    let rows = w.rows();
    assert_eq!(codes(&rows), vec![Code::InvoiceMissing]);
    assert_eq!(keys(&rows), vec![("B1", "", "3")]);
    assert_eq!(rows[0].ledger_amount, Some(d("500")));
}

#[test]
fn an_invoice_found_failed_or_not_queried_is_not_missing() {
    let found = invoice_world(Some(vec![Invoice {
        invoice_no: "N1".into(),
        invoice_code: "C1".into(),
        link: None,
    }]));
    assert_eq!(found.rows(), vec![]);
    assert_eq!(invoice_world(None).rows(), vec![]);
    let mut failed = invoice_world(Some(vec![]));
    failed
        .data
        .failed_invoices
        .insert(("B1".into(), "3".into()));
    assert_eq!(failed.rows(), vec![]);
}

#[test]
fn the_latest_702_decides_invoice_delivery_failed() {
    let mut w = World::new(vec![], vec![]);
    w.data.messages = vec![msg(
        "5",
        "2024-01-10 10:00:00",
        logistics("B1", "3", "N1", -1),
    )];
    let rows = w.rows();
    assert_eq!(codes(&rows), vec![Code::InvoiceDeliveryFailed]);
    assert_eq!(keys(&rows), vec![("B1", "", "N1")]);

    // A later delivery clears it; at the same time the greater id is the later.
    w.data.messages.push(msg(
        "12",
        "2024-01-10 10:00:00",
        logistics("B1", "3", "N1", 2),
    ));
    assert_eq!(w.rows(), vec![]);
    w.data.messages[1].time = Some(at("2024-01-09 10:00:00"));
    assert_eq!(codes(&w.rows()), vec![Code::InvoiceDeliveryFailed]);
}

#[test]
fn a_completed_return_without_a_ledger_refund_is_missing_in_ledger() {
    let mut w = World::new(vec![], vec![]);
    w.data.messages = vec![
        msg("1", "2024-01-10 10:00:00", return_status("O1", "A1", 30301)),
        msg("2", "2024-01-12 10:00:00", return_status("O1", "A1", 30330)),
    ];
    let rows = w.rows();
    assert_eq!(codes(&rows), vec![Code::MissingInLedger]);
    assert_eq!(keys(&rows), vec![("", "O1", "A1")]);
    assert_eq!(rows[0].status, Status::New);

    // Inside the pending window by the message's date.
    w.data.messages[1].time = Some(at("2024-01-30 10:00:00"));
    assert_eq!(w.rows()[0].status, Status::Pending);

    // With a refund booked, or when the latest status is not completed: nothing.
    let mut booked = World::new(vec![], vec![refund("E2", "O1", "10")]);
    booked.data.messages = w.data.messages.clone();
    assert_eq!(booked.rows(), vec![]);
    w.data.messages[0].time = Some(at("2024-01-31 10:00:00"));
    assert_eq!(w.rows(), vec![]);
}

#[test]
fn a_ledger_refund_whose_application_was_refused_is_missing_in_vendor() {
    let mut w = World::new(vec![], vec![refund("E2", "O1", "25")]);
    w.data.messages = vec![msg("1", "2024-01-10 10:00:00", apply_status("O1", "A1", 4))];
    let rows = w.rows();
    assert_eq!(codes(&rows), vec![Code::MissingInVendor]);
    assert_eq!(keys(&rows), vec![("", "O1", "A1")]);
    assert_eq!(rows[0].ledger_amount, Some(d("25")));

    // Approved later: nothing.
    w.data
        .messages
        .push(msg("2", "2024-01-11 10:00:00", apply_status("O1", "A1", 1)));
    assert_eq!(w.rows(), vec![]);
}

#[test]
fn only_huadian_ledger_rows_feed_the_huadian_checks() {
    let mut other = order("E2", "O1", "S1", "100");
    other.set_origin(Origin::shared("zcy", "ledger.csv"));
    let w = World::new(vec![stmt("S1", vec![line("O1", "100.00")])], vec![other]);
    assert_eq!(codes(&w.rows()), vec![Code::MissingInLedger]);
}

/// A world where every rule fires at least once.
fn busy_world() -> World {
    let mut l1 = returned(line("O1", "100.00"), "30.00");
    with_items(
        &mut l1,
        vec![
            item("A", "1.00", "2", "2.50"),
            item("B", "0.335", "3", "1.00"),
        ],
    );
    let mut s1 = stmt(
        "S1",
        vec![
            l1,
            line("O2", "50.00"),
            ended(line("O3", "7.00"), "2024-01-30 10:00:00"),
            ended(line("O4", "8.00"), "2024-02-03 10:00:00"),
            line("O2", "50.00"),
        ],
    );
    s1.total_amount = d("1.00");
    let s2 = stmt("S2", vec![line("O1", "100.00"), line("O5", "9.00")]);
    let mut w = World::new(
        vec![s1, s2],
        vec![
            order("E2", "O1", "S1", "99"),
            order("E3", "O2", "S1", "50"),
            order("E4", "O6", "S1", "1"),
            order("E5", "O4", "S1", "8"),
            order("E6", "O4", "S1", "8"),
            refund("E7", "O1", "10"),
            refund("E8", "O9", "3"),
            entry("E9", EntryKind::Invoice, "1", Some("B1"), "100"),
        ],
    );
    w.data.empty_statements.insert("S3".into());
    w.ledger.push(order("E10", "O7", "S3", "4"));
    w.data.packages = Some(BTreeMap::from([
        (
            "O1".to_string(),
            vec![package("O1", "P1", PackageState::Rejected)],
        ),
        (
            "O2".to_string(),
            vec![
                package("O2", "P3", PackageState::Shipped),
                package("O2", "P2", PackageState::Shipped),
            ],
        ),
        ("O3".to_string(), vec![]),
    ]));
    w.data.invoices.insert(("B1".into(), "1".into()), vec![]);
    w.data.messages = vec![
        msg("1", "2024-01-10 10:00:00", logistics("B1", "1", "N1", -1)),
        msg("2", "2024-01-10 11:00:00", return_status("O8", "A8", 30325)),
        msg("3", "2024-01-10 12:00:00", apply_status("O9", "A9", 4)),
        msg("4", "2024-01-10 12:00:00", MessageBody::Other { kind: 101 }),
    ];
    w
}

#[test]
fn every_huadian_code_fires_in_a_busy_world() {
    let rows = busy_world().rows();
    let mut got: Vec<Code> = codes(&rows);
    got.dedup();
    let mut want = vec![
        Code::AmountMismatch,
        Code::DuplicateBilling,
        Code::DuplicateInLedger,
        Code::InvoiceDeliveryFailed,
        Code::InvoiceMissing,
        Code::LineTotalMismatch,
        Code::MissingInLedger,
        Code::MissingInVendor,
        Code::OutOfPeriod,
        Code::RefundMismatch,
        Code::StatementTotalMismatch,
        Code::UndeliveredBilled,
    ];
    want.sort_by_key(|c| c.as_str());
    assert_eq!(got, want);
    let pending: Vec<&str> = rows
        .iter()
        .filter(|r| r.status == Status::Pending)
        .map(|r| r.order_no.as_str())
        .collect();
    assert_eq!(pending, vec!["O3"]);
}

#[test]
fn output_is_sorted_by_identity_and_one_row_per_identity() {
    let rows = busy_world().rows();
    let ids: Vec<_> = rows
        .iter()
        .map(|r| {
            (
                r.vendor.clone(),
                r.code.as_str(),
                r.statement_no.clone(),
                r.order_no.clone(),
                r.doc_no.clone(),
            )
        })
        .collect();
    let mut sorted = ids.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(ids, sorted);
}

#[test]
fn shuffled_input_gives_the_same_output() {
    use rand::seq::SliceRandom;
    use rand::SeedableRng;
    let w = busy_world();
    let want = w.run();
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    for _ in 0..10 {
        let mut s = busy_world();
        s.ledger.shuffle(&mut rng);
        s.data.statements.shuffle(&mut rng);
        for st in &mut s.data.statements {
            st.lines.shuffle(&mut rng);
        }
        s.data.messages.shuffle(&mut rng);
        let got = s.run();
        assert_eq!(got.discrepancies, want.discrepancies);
        assert_eq!(got.matched, want.matched);
    }
}
