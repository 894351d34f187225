//! Tests of the zcy checks: one test per rule of SPEC §6 and its near-miss.

use super::*;
use crate::domain::{
    Code, EntryKind, LedgerEntry, MatchedTransfer, Origin, PayRecord, Severity, Status, ZcyData,
    ZcyInvoice, ZcyInvoiceItem, ZcyStatement, ZcyStatus,
};
use crate::domain::{EntryDetails, EntryFields, EntryMeta};
use chrono::NaiveDateTime;
use rust_decimal::Decimal;

const V: &str = "zcy";

fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

fn at(s: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").unwrap()
}

/// A 未支付 statement created 2024-01-10 billing `orders`, total `total`.
fn unpaid(no: &str, total: &str, orders: &[&str]) -> ZcyStatement {
    ZcyStatement {
        statement_id: no.into(),
        statement_no: no.into(),
        name: format!("结算单 {no}"),
        status: ZcyStatus::Unpaid,
        total_amount: d(total),
        match_amount: Some(Decimal::ZERO),
        created_at: Some(at("2024-01-10 09:00:00")),
        purchaser: "某某市财政局".into(),
        district: "浙江省本级".into(),
        orders: orders.iter().map(|o| o.to_string()).collect(),
        invoices: vec![],
        pay_records: vec![],
        source: format!("zcy/QuerySupplierStatements/unpaid-0000.json#{no}"),
    }
}

/// A 已匹配 statement fully matched by the given pay records.
fn matched(no: &str, total: &str, orders: &[&str], pays: Vec<PayRecord>) -> ZcyStatement {
    ZcyStatement {
        status: ZcyStatus::Matched,
        match_amount: Some(d(total)),
        pay_records: pays,
        ..unpaid(no, total, orders)
    }
}

fn transfer(no: &str, total: &str, part: &str, when: &str) -> MatchedTransfer {
    MatchedTransfer {
        vostro_no: no.into(),
        total_amount: d(total),
        match_amount: d(part),
        currency: "CNY".into(),
        transfer_time: Some(at(when)),
    }
}

/// A pay record of `amount` matched by one transfer of the same amount on 01-12.
fn pay(id: &str, amount: &str) -> PayRecord {
    PayRecord {
        pay_id: id.into(),
        payer: "某某市财政局".into(),
        pay_amount: d(amount),
        transfers: vec![transfer(
            &format!("V{id}"),
            amount,
            amount,
            "2024-01-12 10:00:00",
        )],
    }
}

fn entry(id: &str, kind: EntryKind, doc: &str, stmt: Option<&str>, amount: &str) -> LedgerEntry {
    LedgerEntry::new(
        EntryFields {
            entry_id: id.into(),
            doc_no: doc.into(),
            statement_no: stmt.map(|s| std::sync::Arc::new(s.into())),
            amount: d(amount),
            booked_on: "2024-01-10".parse().unwrap(),
            line: 2,
            details: EntryDetails::default(),
        },
        &EntryMeta::plain(kind, Origin::shared(V, "ledger.csv")),
    )
}

fn order(id: &str, doc: &str, stmt: &str, amount: &str) -> LedgerEntry {
    entry(id, EntryKind::Order, doc, Some(stmt), amount)
}

fn payment(id: &str, doc: &str, amount: &str) -> LedgerEntry {
    entry(id, EntryKind::Payment, doc, None, amount)
}

fn run(statements: Vec<ZcyStatement>, ledger: Vec<LedgerEntry>, fetched: bool) -> ReconcileOutput {
    let vendors = [VendorInput {
        vendor: V.into(),
        docs: VendorDocs::Zcy(ZcyData {
            statements,
            unpaid_complete: fetched,
            matched_complete: fetched,
        }),
        fetched,
    }];
    let ledger = Ledger {
        entries: ledger,
        errors: vec![],
    };
    reconcile(&ReconcileInput {
        vendors: &vendors,
        ledger: &ledger,
        from: "2024-01-01".parse().unwrap(),
        to: "2024-01-31".parse().unwrap(),
        settings: &ReconcileSettings::default(),
        keep_matched: true,
    })
    .unwrap()
}

fn rows(statements: Vec<ZcyStatement>, ledger: Vec<LedgerEntry>) -> Vec<Discrepancy> {
    run(statements, ledger, true).discrepancies
}

fn keyed(rows: &[Discrepancy]) -> Vec<(Code, &str, &str, &str)> {
    rows.iter()
        .map(|r| {
            (
                r.code,
                r.statement_no.as_str(),
                r.order_no.as_str(),
                r.doc_no.as_str(),
            )
        })
        .collect()
}

/// Two orders of 10.00 and 20.50 on S1, both booked, one pay record P1 booked.
fn clean() -> (Vec<ZcyStatement>, Vec<LedgerEntry>) {
    (
        vec![matched(
            "S1",
            "30.50",
            &["O1", "O2"],
            vec![pay("P1", "30.50")],
        )],
        vec![
            order("E1", "O1", "S1", "10.00"),
            order("E2", "O2", "S1", "20.50"),
            payment("E3", "P1", "30.50"),
        ],
    )
}

#[test]
fn a_clean_statement_reports_nothing_and_matches_sum_and_payment() {
    let (s, l) = clean();
    let out = run(s, l, true);
    assert!(out.discrepancies.is_empty(), "{:?}", out.discrepancies);
    assert_eq!(out.matched.len(), 2);
    assert_eq!(out.matched[0].entry_id, "E1 E2");
    assert_eq!(out.matched[0].vendor_amount, d("30.50"));
    assert_eq!(out.matched[1].doc_no, "P1");
}

#[test]
fn an_order_or_pay_record_without_a_ledger_row_is_missing_in_ledger() {
    let (s, mut l) = clean();
    l.retain(|e| e.entry_id != "E2" && e.entry_id != "E3");
    let r = rows(s, l);
    let missing: Vec<_> = keyed(&r)
        .into_iter()
        .filter(|k| k.0 == Code::MissingInLedger)
        .collect();
    assert_eq!(
        missing,
        vec![
            (Code::MissingInLedger, "S1", "", "P1"),
            (Code::MissingInLedger, "S1", "O2", ""),
        ]
    );
    let p = r.iter().find(|x| x.doc_no == "P1").unwrap();
    assert_eq!(p.vendor_amount, Some(d("30.50")));
    assert_eq!(p.severity, Severity::Error);
}

#[test]
fn missing_in_ledger_in_the_pending_window_is_pending() {
    let (mut s, mut l) = clean();
    s[0].created_at = Some(at("2024-01-29 08:00:00"));
    s[0].pay_records[0]
        .transfers
        .push(transfer("V2", "1.00", "0.00", "2024-01-30 08:00:00"));
    l.retain(|e| e.entry_id == "E1");
    let r = rows(s.clone(), l.clone());
    for x in r.iter().filter(|x| x.code == Code::MissingInLedger) {
        assert_eq!((x.status, x.severity), (Status::Pending, Severity::Info));
    }
    // 01-28 is outside (end − 3 < date).
    s[0].created_at = Some(at("2024-01-28 23:59:59"));
    let r = rows(s, l);
    let o2 = r.iter().find(|x| x.order_no == "O2").unwrap();
    assert_eq!(o2.status, Status::New);
}

#[test]
fn a_ledger_order_on_a_fetched_statement_that_lacks_it_is_missing_in_vendor() {
    let (s, mut l) = clean();
    l[1].set_amount(d("10.50"));
    l.push(order("E4", "O9", "S1", "10.00"));
    // Naming a statement neither query answered says nothing.
    l.push(order("E5", "O8", "S-UNSEEN", "5.00"));
    let r = rows(s.clone(), l.clone());
    let mv: Vec<_> = keyed(&r)
        .into_iter()
        .filter(|k| k.0 == Code::MissingInVendor)
        .collect();
    assert_eq!(mv, vec![(Code::MissingInVendor, "S1", "O9", "")]);
    assert_eq!(
        r.iter()
            .find(|x| x.code == Code::MissingInVendor)
            .unwrap()
            .ledger_amount,
        Some(d("10.00"))
    );
    assert!(run(vec![], l, false)
        .discrepancies
        .iter()
        .all(|x| x.code != Code::MissingInVendor));
}

#[test]
fn ledger_order_rows_are_compared_to_the_total_as_a_sum() {
    let (s, mut l) = clean();
    l[1].set_amount(d("20.51"));
    let r = rows(s.clone(), l.clone());
    assert_eq!(keyed(&r), vec![(Code::AmountMismatch, "S1", "", "")]);
    assert_eq!(
        (r[0].ledger_amount, r[0].vendor_amount),
        (Some(d("30.51")), Some(d("30.50")))
    );
    // Moving 0.01 between rows keeps the sum: nothing to say.
    l[0].set_amount(d("9.99"));
    assert!(rows(s.clone(), l.clone()).is_empty());
    // No row names the statement: no sum to compare.
    for e in &mut l {
        if e.kind() == EntryKind::Order {
            e.set_statement_no(None);
        }
    }
    assert!(rows(s, l).is_empty());
}

#[test]
fn a_payment_booked_at_another_amount_is_amount_mismatch_keyed_by_pay_id() {
    let (s, mut l) = clean();
    l[2].set_amount(d("30.40"));
    let r = rows(s, l);
    assert_eq!(keyed(&r), vec![(Code::AmountMismatch, "S1", "", "P1")]);
    assert_eq!(r[0].difference(), Some(d("0.10")));
}

#[test]
fn invoices_must_add_up_to_the_total_and_their_items_to_themselves() {
    let (mut s, l) = clean();
    let inv = |serial: &str, amount: &str, items: &[&str]| ZcyInvoice {
        serial_no: serial.into(),
        invoice_type: "增值税普通发票".into(),
        title: "某某市财政局".into(),
        amount: d(amount),
        orders: vec![],
        items: items
            .iter()
            .map(|a| ZcyInvoiceItem {
                category: "办公用品".into(),
                amount: d(a),
            })
            .collect(),
    };
    s[0].invoices = vec![
        inv("F1", "10.00", &["4.00", "6.00"]),
        inv("F2", "20.50", &[]),
    ];
    assert!(rows(s.clone(), l.clone()).is_empty());
    s[0].invoices = vec![
        inv("F1", "10.00", &["4.00", "6.01"]),
        inv("F2", "20.00", &[]),
    ];
    let r = rows(s, l);
    assert_eq!(
        keyed(&r),
        vec![
            (Code::InvoiceAmountMismatch, "S1", "", ""),
            (Code::InvoiceAmountMismatch, "S1", "", "F1"),
        ]
    );
    assert_eq!(
        (r[0].ledger_amount, r[0].vendor_amount),
        (Some(d("30.50")), Some(d("30.00")))
    );
    assert_eq!(
        (r[1].ledger_amount, r[1].vendor_amount),
        (Some(d("10.01")), Some(d("10.00")))
    );
}

#[test]
fn matched_below_or_above_the_total_is_short_or_over() {
    let (mut s, l) = clean();
    s[0].match_amount = Some(d("29.50"));
    let r = rows(s.clone(), l.clone());
    assert_eq!(keyed(&r), vec![(Code::PaymentShort, "S1", "", "")]);
    assert_eq!(r[0].difference(), Some(d("-1.00")));
    s[0].match_amount = Some(d("31.00"));
    assert_eq!(
        keyed(&rows(s.clone(), l.clone())),
        vec![(Code::PaymentOver, "S1", "", "")]
    );
    // 未支付 statements are not matched at all: no 短款.
    s[0].status = ZcyStatus::Unpaid;
    s[0].match_amount = Some(Decimal::ZERO);
    assert!(rows(s, l).iter().all(|x| x.code != Code::PaymentShort));
}

#[test]
fn transfers_that_do_not_add_up_over_allocate_or_are_foreign_are_inconsistent() {
    let (mut s, l) = clean();
    let t = &mut s[0].pay_records[0].transfers;
    t[0].match_amount = d("20.00");
    t.push(transfer("V2", "10.49", "10.49", "2024-01-13 10:00:00"));
    let r = rows(s.clone(), l.clone());
    assert_eq!(
        keyed(&r),
        vec![(Code::PaymentMatchInconsistent, "S1", "", "P1")]
    );
    assert_eq!(
        (r[0].ledger_amount, r[0].vendor_amount),
        (Some(d("30.50")), Some(d("30.49")))
    );

    let (mut s, l) = clean();
    s[0].pay_records[0].transfers[0].total_amount = d("30.00");
    let r = rows(s, l.clone());
    assert_eq!(
        keyed(&r),
        vec![(Code::PaymentMatchInconsistent, "S1", "", "P1")]
    );
    assert!(r[0]
        .detail
        .contains("matchAmount 30.50 > totalAmount 30.00"));

    let (mut s, l) = clean();
    s[0].pay_records[0].transfers[0].currency = "USD".into();
    // A second problem on the same pay record is one row.
    s[0].pay_records[0].transfers[0].total_amount = d("1.00");
    let r = rows(s, l);
    assert_eq!(r.len(), 1);
    assert!(r[0].detail.contains("in USD"), "{}", r[0].detail);
}

#[test]
fn an_unpaid_statement_older_than_the_limit_is_overdue() {
    let mut s = unpaid("S2", "5.00", &["O5"]);
    let l = vec![order("E5", "O5", "S2", "5.00")];
    // 2024-01-31 − 2024-01-01 = 30 days: not more than 30.
    s.created_at = Some(at("2024-01-01 00:00:00"));
    assert!(rows(vec![s.clone()], l.clone()).is_empty());
    s.created_at = Some(at("2023-12-31 23:59:59"));
    let r = rows(vec![s.clone()], l.clone());
    assert_eq!(keyed(&r), vec![(Code::UnpaidOverdue, "S2", "", "")]);
    assert_eq!(r[0].severity, Severity::Warning);
    // 已匹配 is never overdue.
    s.status = ZcyStatus::Matched;
    s.match_amount = Some(d("5.00"));
    assert!(rows(vec![s], l).is_empty());
}

#[test]
fn a_statement_seen_under_both_statuses_is_checked_once_as_matched() {
    let (mut s, l) = clean();
    let mut early = unpaid("S1", "30.50", &["O1", "O2"]);
    early.created_at = Some(at("2023-11-01 00:00:00"));
    s[0].created_at = early.created_at;
    s.insert(0, early);
    assert!(rows(s, l).is_empty());
}

#[test]
fn shuffled_statements_give_the_same_output() {
    let (mut s, mut l) = clean();
    s.push(unpaid("S3", "7.00", &["O7", "O6"]));
    s.push(matched("S0", "3.00", &["O0"], vec![pay("P0", "2.00")]));
    l.push(order("E9", "O9", "S3", "1.00"));
    let a = run(s.clone(), l.clone(), true);
    s.reverse();
    l.reverse();
    let b = run(s, l, true);
    assert_eq!(a.discrepancies, b.discrepancies);
    assert_eq!(a.matched, b.matched);
}

#[test]
fn unkept_matched_lines_are_still_counted() {
    let (s, l) = clean();
    let vendors = [VendorInput {
        vendor: V.into(),
        docs: VendorDocs::Zcy(ZcyData {
            statements: s,
            unpaid_complete: true,
            matched_complete: true,
        }),
        fetched: true,
    }];
    let ledger = Ledger {
        entries: l,
        errors: vec![],
    };
    let settings = ReconcileSettings::default();
    let input = |keep_matched| ReconcileInput {
        vendors: &vendors,
        ledger: &ledger,
        from: "2024-01-01".parse().unwrap(),
        to: "2024-01-31".parse().unwrap(),
        settings: &settings,
        keep_matched,
    };
    let kept = reconcile(&input(true)).unwrap();
    let counted = reconcile(&input(false)).unwrap();
    assert_eq!((kept.matched.len(), kept.matched_count), (2, 2));
    assert_eq!((counted.matched.len(), counted.matched_count), (0, 2));
    assert_eq!(kept.discrepancies, counted.discrepancies);
}
