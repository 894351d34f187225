//! The zcy (政采云) checks of SPEC §6: settlement statements (结算单) of both
//! statuses against the ledger's zcy rows, the statements' invoices, and on
//! 已匹配 statements the pay records and the bank transfers matched to them.
//!
//! zcy states no per-order amount, so the ledger's order rows of a statement are
//! compared only as a sum with its `totalAmount`. An order's date (for the
//! pending window) is its statement's `createAt`; a pay record's is the latest
//! `transferTime` of its matched transfers.

use super::frames::{
    frame, i64_col, idx_col, indices, join, ledger_frame, opt_i64s, positions_col, str_col, sum_by,
};
use super::merge::{currency_of, fen, ledger_ref, row, Matches, Params};
use super::Found;
use crate::domain::{
    fen_to_yuan, Code, Discrepancy, EntryKind, LedgerEntry, MatchedLine, PayRecord, Severity,
    ZcyData, ZcyStatement, ZcyStatus,
};
use chrono::NaiveDate;
use polars::prelude::{DataFrame, JoinType};
use rust_decimal::Decimal;
use std::collections::BTreeMap;

struct Ctx<'a> {
    vendor: &'a str,
    p: &'a Params,
}

/// A pay record with the statement holding it.
struct Paid<'a> {
    stmt: &'a ZcyStatement,
    pay: &'a PayRecord,
}

impl Paid<'_> {
    fn date(&self) -> Option<NaiveDate> {
        self.pay
            .transfers
            .iter()
            .filter_map(|t| t.transfer_time)
            .max()
            .map(|t| t.date())
    }
}

fn created(s: &ZcyStatement) -> Option<NaiveDate> {
    s.created_at.map(|t| t.date())
}

/// Runs every zcy check. `ledger` holds this vendor's rows only.
pub fn check(
    vendor: &str,
    data: &ZcyData,
    fetched: bool,
    ledger: &[&LedgerEntry],
    p: &Params,
) -> anyhow::Result<Found> {
    let ctx = Ctx { vendor, p };
    let statements = fetched_statements(data);
    let orders: Vec<&LedgerEntry> = of_kind(ledger, EntryKind::Order);
    let payments: Vec<&LedgerEntry> = of_kind(ledger, EntryKind::Payment);
    let paid: Vec<Paid> = statements
        .iter()
        .flat_map(|s| s.pay_records.iter().map(move |pay| Paid { stmt: s, pay }))
        .collect();

    let billed = billed_frame(&statements)?;
    let ledger_orders = ledger_frame(&orders)?;
    let mut found = Found {
        discrepancies: vec![],
        matched: Matches::new(p.keep_matched),
    };
    let out = &mut found.discrepancies;
    out.extend(orders_missing_in_ledger(
        &ctx,
        &statements,
        &billed,
        &ledger_orders,
    )?);
    if fetched {
        out.extend(missing_in_vendor(
            &ctx,
            &statements,
            &orders,
            &billed,
            &ledger_orders,
        )?);
    }
    let (totals, matched) = statement_totals(&ctx, &statements, &orders, &ledger_orders)?;
    out.extend(totals);
    found.matched = matched;
    let (pays, matched) = payments_against_ledger(&ctx, &paid, &payments)?;
    out.extend(pays);
    found.matched.extend(matched);
    for s in &statements {
        out.extend(invoice_amounts(&ctx, s));
        out.extend(payment_short_over(&ctx, s));
        out.extend(unpaid_overdue(&ctx, s));
    }
    out.extend(paid.iter().filter_map(|x| match_inconsistent(&ctx, x)));
    Ok(found)
}

fn of_kind<'a>(ledger: &[&'a LedgerEntry], kind: EntryKind) -> Vec<&'a LedgerEntry> {
    ledger
        .iter()
        .copied()
        .filter(|e| e.kind() == kind)
        .collect()
}

/// One statement per number, sorted, so the result does not depend on the
/// order the pages came in.
fn fetched_statements(data: &ZcyData) -> Vec<&ZcyStatement> {
    let mut all: BTreeMap<&str, &ZcyStatement> = BTreeMap::new();
    for s in &data.statements {
        if all
            .get(s.statement_no.as_str())
            .is_none_or(|old| s.status.replaces(&old.status))
        {
            all.insert(&s.statement_no, s);
        }
    }
    all.into_values().collect()
}

/// Every (statement, orderId) billed: positions into `statements` and the order.
fn billed_frame(statements: &[&ZcyStatement]) -> anyhow::Result<DataFrame> {
    let (mut idx, mut stmt, mut order) = (vec![], vec![], vec![]);
    for (i, s) in statements.iter().enumerate() {
        for o in &s.orders {
            idx.push(i);
            stmt.push(s.statement_no.clone());
            order.push(o.clone());
        }
    }
    Ok(frame(vec![
        positions_col("s_idx", idx.into_iter()),
        str_col("stmt", stmt),
        str_col("order", order),
    ])?)
}

/// An `orderId` of a statement with no ledger `order` row of that doc_no.
fn orders_missing_in_ledger(
    ctx: &Ctx,
    statements: &[&ZcyStatement],
    billed: &DataFrame,
    ledger: &DataFrame,
) -> anyhow::Result<Vec<Discrepancy>> {
    let lonely = join(billed, ledger, &["order"], &["doc"], JoinType::Anti)?;
    let order_col = lonely.column("order")?.str()?.clone();
    let mut out = Vec::new();
    for (k, i) in indices(&lonely, "s_idx")?.into_iter().enumerate() {
        let s = statements[i];
        let order = order_col.get(k).unwrap_or_default();
        let d = Discrepancy {
            vendor_date: created(s),
            detail: format!(
                "order {order} of {} statement {} (created {}) has no ledger order row",
                s.status.as_str(),
                s.statement_no,
                created(s).map(|d| d.to_string()).unwrap_or_default()
            ),
            ..row(
                Code::MissingInLedger,
                ctx.vendor,
                &s.statement_no,
                order,
                "",
            )
        };
        out.push(ctx.p.apply_pending(d, created(s)));
    }
    Ok(out)
}

/// Ledger order rows naming a fetched statement that does not list their order.
/// A statement neither query answered is not fetched: nothing is said of it.
fn missing_in_vendor(
    ctx: &Ctx,
    statements: &[&ZcyStatement],
    orders: &[&LedgerEntry],
    billed: &DataFrame,
    ledger: &DataFrame,
) -> anyhow::Result<Vec<Discrepancy>> {
    let fetched = frame(vec![str_col(
        "stmt",
        statements.iter().map(|s| s.statement_no.as_str()),
    )])?;
    let named = join(ledger, &fetched, &["stmt"], &["stmt"], JoinType::Semi)?;
    let absent = join(
        &named,
        billed,
        &["stmt", "doc"],
        &["stmt", "order"],
        JoinType::Anti,
    )?;
    Ok(indices(&absent, "e_idx")?
        .into_iter()
        .map(|i| {
            let e = orders[i];
            let stmt = e.statement_no().unwrap_or_default();
            Discrepancy {
                ledger_amount: Some(e.amount()),
                currency: currency_of(e.currency()),
                ledger_date: Some(e.booked_on),
                detail: format!(
                    "{} books order {} on statement {stmt}, which does not list it",
                    ledger_ref(e),
                    e.doc_no
                ),
                ..row(Code::MissingInVendor, ctx.vendor, stmt, &e.doc_no, "")
            }
        })
        .collect())
}

/// Σ of the ledger order rows naming a statement against its totalAmount, where
/// there is at least one such row; a statement that agrees is a matched line.
fn statement_totals(
    ctx: &Ctx,
    statements: &[&ZcyStatement],
    orders: &[&LedgerEntry],
    ledger: &DataFrame,
) -> anyhow::Result<(Vec<Discrepancy>, Matches)> {
    let sums = sum_by(ledger, &["stmt"], "amount_fen")?;
    let heads = frame(vec![
        idx_col("s_idx", statements.len()),
        str_col("stmt", statements.iter().map(|s| s.statement_no.as_str())),
    ])?;
    let joined = join(&heads, &sums, &["stmt"], &["stmt"], JoinType::Inner)?;
    let mut rows_of: BTreeMap<&str, Vec<&LedgerEntry>> = BTreeMap::new();
    for e in orders {
        if let Some(s) = e.statement_no() {
            rows_of.entry(s).or_default().push(e);
        }
    }
    for rows in rows_of.values_mut() {
        rows.sort_by(|a, b| a.entry_id.cmp(&b.entry_id));
    }
    let (mut out, mut matched) = (Vec::new(), Matches::new(ctx.p.keep_matched));
    for (i, sum) in indices(&joined, "s_idx")?
        .into_iter()
        .zip(opt_i64s(&joined, "amount_fen_sum")?)
    {
        let s = statements[i];
        let rows = rows_of
            .get(s.statement_no.as_str())
            .cloned()
            .unwrap_or_default();
        let ledger_sum = fen_to_yuan(sum.unwrap_or_default());
        let booked = rows.iter().map(|e| e.booked_on).min();
        if ctx.p.differs(ledger_sum, s.total_amount) {
            out.push(Discrepancy {
                ledger_amount: Some(ledger_sum),
                vendor_amount: Some(s.total_amount),
                currency: currency_of(rows.first().map_or("", |e| e.currency())),
                ledger_date: booked,
                vendor_date: created(s),
                detail: format!(
                    "Σ of {} ledger order rows {} ≠ totalAmount {} ({} orders listed)",
                    rows.len(),
                    ledger_sum,
                    s.total_amount,
                    s.orders.len()
                ),
                ..row(Code::AmountMismatch, ctx.vendor, &s.statement_no, "", "")
            });
        } else {
            matched.push(|| MatchedLine {
                vendor: ctx.vendor.to_string(),
                statement_no: s.statement_no.clone(),
                order_no: String::new(),
                doc_no: String::new(),
                entry_id: rows
                    .iter()
                    .map(|e| e.entry_id.as_str())
                    .collect::<Vec<_>>()
                    .join(" "),
                ledger_amount: ledger_sum,
                vendor_amount: s.total_amount,
                ledger_date: booked,
                vendor_date: created(s),
            });
        }
    }
    Ok((out, matched))
}

/// Pay records ⋈ ledger payment rows on payId: AMOUNT_MISMATCH or a matched line
/// per pair; a pay record without a row is MISSING_IN_LEDGER.
fn payments_against_ledger(
    ctx: &Ctx,
    paid: &[Paid],
    payments: &[&LedgerEntry],
) -> anyhow::Result<(Vec<Discrepancy>, Matches)> {
    let pay_fen = paid
        .iter()
        .map(|x| {
            fen(x.pay.pay_amount, || {
                format!(
                    "zcy statement {} payId {}",
                    x.stmt.statement_no, x.pay.pay_id
                )
            })
        })
        .collect::<anyhow::Result<Vec<i64>>>()?;
    let records = frame(vec![
        idx_col("p_idx", paid.len()),
        str_col("pay", paid.iter().map(|x| x.pay.pay_id.as_str())),
        i64_col("pay_fen", pay_fen),
    ])?;
    let ledger = ledger_frame(payments)?;
    let pairs = join(&records, &ledger, &["pay"], &["doc"], JoinType::Inner)?;
    let (mut out, mut matched) = (Vec::new(), Matches::new(ctx.p.keep_matched));
    let p_idx = indices(&pairs, "p_idx")?;
    let e_idx = indices(&pairs, "e_idx")?;
    let pay_fen = opt_i64s(&pairs, "pay_fen")?;
    let amount_fen = opt_i64s(&pairs, "amount_fen")?;
    for k in 0..pairs.height() {
        let (x, e) = (&paid[p_idx[k]], payments[e_idx[k]]);
        let vendor_amount = fen_to_yuan(pay_fen[k].unwrap_or_default());
        let ledger_amount = fen_to_yuan(amount_fen[k].unwrap_or_default());
        if ctx.p.differs(ledger_amount, vendor_amount) {
            out.push(Discrepancy {
                ledger_amount: Some(e.amount()),
                vendor_amount: Some(x.pay.pay_amount),
                currency: currency_of(e.currency()),
                ledger_date: Some(e.booked_on),
                vendor_date: x.date(),
                detail: format!(
                    "{} amount {} ≠ payAmount {}",
                    ledger_ref(e),
                    e.amount(),
                    x.pay.pay_amount
                ),
                ..row(
                    Code::AmountMismatch,
                    ctx.vendor,
                    &x.stmt.statement_no,
                    "",
                    &x.pay.pay_id,
                )
            });
        } else {
            matched.push(|| MatchedLine {
                vendor: ctx.vendor.to_string(),
                statement_no: x.stmt.statement_no.clone(),
                order_no: String::new(),
                doc_no: x.pay.pay_id.clone(),
                entry_id: e.entry_id.to_string(),
                ledger_amount: e.amount(),
                vendor_amount: x.pay.pay_amount,
                ledger_date: Some(e.booked_on),
                vendor_date: x.date(),
            });
        }
    }
    let lonely = join(&records, &ledger, &["pay"], &["doc"], JoinType::Anti)?;
    for i in indices(&lonely, "p_idx")? {
        let x = &paid[i];
        let d = Discrepancy {
            vendor_amount: Some(x.pay.pay_amount),
            vendor_date: x.date(),
            detail: format!(
                "pay record {} (payAmount {}, payer {}) has no ledger payment row",
                x.pay.pay_id, x.pay.pay_amount, x.pay.payer
            ),
            ..row(
                Code::MissingInLedger,
                ctx.vendor,
                &x.stmt.statement_no,
                "",
                &x.pay.pay_id,
            )
        };
        out.push(ctx.p.apply_pending(d, x.date()));
    }
    Ok((out, matched))
}

/// Σ invoiceAmount against totalAmount (a statement with invoices), and each
/// invoice's Σ items against its invoiceAmount (an invoice with items).
fn invoice_amounts(ctx: &Ctx, s: &ZcyStatement) -> Vec<Discrepancy> {
    let mut out = Vec::new();
    let base = Discrepancy {
        vendor_date: created(s),
        ..row(
            Code::InvoiceAmountMismatch,
            ctx.vendor,
            &s.statement_no,
            "",
            "",
        )
    };
    if !s.invoices.is_empty() {
        let sum: Decimal = s.invoices.iter().map(|i| i.amount).sum();
        if ctx.p.differs(s.total_amount, sum) {
            out.push(Discrepancy {
                ledger_amount: Some(s.total_amount),
                vendor_amount: Some(sum),
                detail: format!(
                    "Σ invoiceAmount {} of {} invoices ≠ totalAmount {}",
                    sum,
                    s.invoices.len(),
                    s.total_amount
                ),
                ..base.clone()
            });
        }
    }
    for inv in s.invoices.iter().filter(|i| !i.items.is_empty()) {
        let sum: Decimal = inv.items.iter().map(|i| i.amount).sum();
        if ctx.p.differs(sum, inv.amount) {
            out.push(Discrepancy {
                doc_no: inv.serial_no.clone(),
                ledger_amount: Some(sum),
                vendor_amount: Some(inv.amount),
                detail: format!(
                    "invoice {}: Σ items.amount {} over {} items ≠ invoiceAmount {}",
                    inv.serial_no,
                    sum,
                    inv.items.len(),
                    inv.amount
                ),
                ..base.clone()
            });
        }
    }
    out
}

/// 短款 / 长款: a 已匹配 statement's matchAmount below / above its totalAmount.
fn payment_short_over(ctx: &Ctx, s: &ZcyStatement) -> Option<Discrepancy> {
    if s.status != ZcyStatus::Matched {
        return None;
    }
    let matched = s.match_amount.unwrap_or_default();
    if !ctx.p.differs(matched, s.total_amount) {
        return None;
    }
    let (code, word) = if matched < s.total_amount {
        (Code::PaymentShort, "short")
    } else {
        (Code::PaymentOver, "over")
    };
    Some(Discrepancy {
        ledger_amount: Some(s.total_amount),
        vendor_amount: Some(matched),
        vendor_date: created(s),
        detail: format!(
            "matched {} of totalAmount {} ({word} by {}) over {} pay records",
            matched,
            s.total_amount,
            (matched - s.total_amount).abs(),
            s.pay_records.len()
        ),
        ..row(code, ctx.vendor, &s.statement_no, "", "")
    })
}

/// A pay record whose transfers don't add up to payAmount, over-allocate a
/// transfer, or are not in CNY: one row per pay record listing every problem.
fn match_inconsistent(ctx: &Ctx, x: &Paid) -> Option<Discrepancy> {
    let pay = x.pay;
    let sum: Decimal = pay.transfers.iter().map(|t| t.match_amount).sum();
    let mut problems = Vec::new();
    if ctx.p.differs(sum, pay.pay_amount) {
        problems.push(format!(
            "Σ matchAmount {} over {} transfers ≠ payAmount {}",
            sum,
            pay.transfers.len(),
            pay.pay_amount
        ));
    }
    for t in &pay.transfers {
        if t.match_amount - t.total_amount > ctx.p.tolerance {
            problems.push(format!(
                "transfer {}: matchAmount {} > totalAmount {}",
                t.vostro_no, t.match_amount, t.total_amount
            ));
        }
        if !t.currency.trim().eq_ignore_ascii_case("CNY") {
            problems.push(format!("transfer {} in {}", t.vostro_no, t.currency));
        }
    }
    if problems.is_empty() {
        return None;
    }
    Some(Discrepancy {
        ledger_amount: Some(pay.pay_amount),
        vendor_amount: Some(sum),
        vendor_date: x.date(),
        detail: format!("pay record {}: {}", pay.pay_id, problems.join("; ")),
        ..row(
            Code::PaymentMatchInconsistent,
            ctx.vendor,
            &x.stmt.statement_no,
            "",
            &pay.pay_id,
        )
    })
}

/// A 未支付 statement created more than `unpaid_overdue_days` before the run's end.
fn unpaid_overdue(ctx: &Ctx, s: &ZcyStatement) -> Option<Discrepancy> {
    if s.status != ZcyStatus::Unpaid {
        return None;
    }
    let created_at = s.created_at?;
    let age = (ctx.p.end - created_at.date()).num_days();
    if age <= ctx.p.unpaid_overdue_days {
        return None;
    }
    Some(Discrepancy {
        severity: Severity::Warning,
        vendor_amount: Some(s.total_amount),
        vendor_date: Some(created_at.date()),
        detail: format!(
            "未支付 since {created_at} ({age} days at {}; overdue after {})",
            ctx.p.end, ctx.p.unpaid_overdue_days
        ),
        ..row(Code::UnpaidOverdue, ctx.vendor, &s.statement_no, "", "")
    })
}
