//! The huadian checks of SPEC §6: fetched statements (对账单) against the ledger's
//! huadian rows, the statements' own arithmetic, packages, e-invoices and the
//! 303/304/702 message feed.
//!
//! Duplicate billing: of the occurrences of one `orderCode`, the earliest (earlier
//! `billEndDate`, then smaller statement number, then line content) is the one
//! compared with the ledger; the later ones only produce DUPLICATE_BILLING (and the
//! checks inside the vendor's own data), never AMOUNT_MISMATCH, REFUND_MISMATCH or
//! MISSING_IN_LEDGER. A ledger row naming the later statement is not
//! MISSING_IN_VENDOR: that statement does contain the order.

use super::frames::{
    by_parts, frame, i64_col, idx_col, indices, join, opt_i64s, pair_col, positions, positions_col,
    sum_by, u32_col,
};
use super::keys::Keys;
use super::merge::{currency_of, fen, ledger_ref, row, Matches, Params};
use super::Found;
use crate::domain::{
    fen_to_yuan, Code, Discrepancy, EntryKind, HuadianData, LedgerEntry, MatchedLine, Message,
    MessageBody, PackageState, Severity, Statement, StatementLine,
};
use chrono::NaiveDate;
use polars::prelude::{DataFrame, JoinType};
use rust_decimal::Decimal;
use std::collections::{BTreeMap, BTreeSet};

struct Ctx<'a> {
    vendor: &'a str,
    /// False when the vendor failed outright: nothing is claimed missing on its side.
    fetched: bool,
    p: &'a Params,
}

/// One statement line as billed, with its statement.
struct Billed<'a> {
    stmt: &'a Statement,
    line: &'a StatementLine,
    /// Position of the line in its statement, the last tie-breaker.
    pos: u32,
    /// The occurrence compared with the ledger (see the module note).
    primary: bool,
}

impl<'a> Billed<'a> {
    fn date(&self) -> Option<NaiveDate> {
        self.line.ended_at.map(|t| t.date())
    }
    fn no(&self) -> &'a str {
        &self.stmt.statement_no
    }
    fn order(&self) -> &'a str {
        &self.line.order_no
    }
    /// Earliest billing first: billEndDate (missing counts as earliest), statement
    /// number, then the line's own content so shuffled input orders the same.
    fn billing_order(&self) -> impl Ord + '_ {
        (
            self.stmt.bill_end,
            self.stmt.statement_no.as_str(),
            self.line.order_amount,
            self.line.return_amount,
            self.line.ended_at,
            self.pos,
        )
    }
}

/// The ledger's huadian rows by kind.
struct LedgerRows<'a> {
    orders: Vec<&'a LedgerEntry>,
    refunds: Vec<&'a LedgerEntry>,
    invoices: Vec<&'a LedgerEntry>,
}

impl<'a> LedgerRows<'a> {
    /// One pass over the rows (millions of them, each read once).
    fn of(entries: &[&'a LedgerEntry]) -> Self {
        let mut rows = Self {
            orders: Vec::with_capacity(entries.len()),
            refunds: Vec::new(),
            invoices: Vec::new(),
        };
        for &e in entries {
            match e.kind {
                EntryKind::Order => rows.orders.push(e),
                EntryKind::Refund => rows.refunds.push(e),
                EntryKind::Invoice => rows.invoices.push(e),
                EntryKind::Payment => {}
            }
        }
        rows.orders.shrink_to_fit();
        rows
    }
}

/// Runs every huadian check. `ledger` holds this vendor's rows only; it is
/// split by kind and freed.
pub fn check(
    vendor: &str,
    data: &HuadianData,
    fetched: bool,
    ledger: Vec<&LedgerEntry>,
    p: &Params,
) -> anyhow::Result<Found> {
    let ctx = Ctx { vendor, fetched, p };
    // Each step's time at debug level (`RECON_LOG=debug`), for docs/PERFORMANCE.md.
    let clock = std::time::Instant::now();
    let step = |name: &str| tracing::debug!(elapsed = ?clock.elapsed(), "huadian: {name}");
    let rows = LedgerRows::of(&ledger);
    drop(ledger);
    let statements = fetched_statements(data);
    let mut billed = billed_lines(&statements);
    // Mostly the ledger names the billed orders again: room for the lines' keys
    // and a margin, not for both sides (a table twice the size is memory touched
    // for nothing).
    let mut keys = Keys::with_capacity(billed.len() + billed.len() / 8 + statements.len());
    step("lines and ledger rows by kind");
    let cols = LineCols::of(&billed, &mut keys);
    step("line key ids");
    let orders = entry_frame(&rows.orders, &mut keys, false)?;
    step("ledger order key ids");
    let duplicates = mark_duplicates(&mut billed, &cols, &keys);

    let mut found = Found::default();
    let out = &mut found.discrepancies;
    out.extend(
        duplicates
            .iter()
            .map(|g| duplicate_billing(&ctx, &billed, g)),
    );
    // Every key gets its id before the joins; the key table is then freed.
    let heads = keys.ids(statements.iter().map(|s| s.statement_no.as_str()));
    let fetched_stmts = keys.ids(fetched_statement_nos(data));
    let refunds = entry_frame(&rows.refunds, &mut keys, true)?;
    drop(keys);
    step("duplicates, statement and refund key ids");
    out.extend(statement_totals(&ctx, &statements, &billed, &cols, heads)?);
    for b in &billed {
        out.extend(line_totals(&ctx, b));
        out.extend(out_of_period(&ctx, b));
    }
    out.extend(undelivered(&ctx, data, &billed));
    step("statement totals, line totals, periods, packages");
    if fetched {
        out.extend(missing_in_vendor(
            &ctx,
            &fetched_stmts,
            &cols,
            &rows.orders,
            &orders,
        )?);
        out.extend(invoice_missing(&ctx, data, &rows.invoices));
    }
    step("MISSING_IN_VENDOR, invoices");
    // The line columns end here: the largest join runs without them.
    let primary = primary_lines_frame(&billed, cols)?;
    let (against, matched) = against_ledger(&ctx, &billed, &primary, &rows.orders, &orders)?;
    out.extend(against);
    found.matched = matched;
    step("lines against ledger orders");
    out.extend(refund_mismatch(
        &ctx,
        &billed,
        &primary,
        &rows.refunds,
        &refunds,
    )?);
    out.extend(invoice_delivery_failed(&ctx, data));
    out.extend(returns(&ctx, data, &rows.refunds));
    step("refunds, invoice delivery, returns");
    Ok(found)
}

/// The billed lines' keys as columns, made once for every check. The amounts
/// are read from the lines where needed: columns of them would be held through
/// the largest step for one short one.
struct LineCols {
    order: Vec<u32>,
    stmt: Vec<u32>,
}

impl LineCols {
    fn of<'a>(billed: &[Billed<'a>], keys: &mut Keys<'a>) -> Self {
        // Order numbers get their ids on both cores (one half of the keys each).
        let order = keys.ids_of(billed.len(), |i| billed[i].order());
        // Lines come statement by statement: its number is looked up once.
        let mut stmt = Vec::with_capacity(billed.len());
        let mut current: Option<(&Statement, u32)> = None;
        for b in billed {
            let id = match current {
                Some((s, id)) if std::ptr::eq(s, b.stmt) => id,
                _ => {
                    let id = keys.id(b.no());
                    current = Some((b.stmt, id));
                    id
                }
            };
            stmt.push(id);
        }
        LineCols { order, stmt }
    }
}

/// Ledger rows as a frame: `e_idx` (position in `rows`), `doc` and `stmt` (key
/// ids; a blank statement is the id of "") and, when asked for (only sums need
/// it), `amount_fen` (absolute: refunds are stored positive).
fn entry_frame<'a>(
    rows: &[&'a LedgerEntry],
    keys: &mut Keys<'a>,
    amounts: bool,
) -> anyhow::Result<DataFrame> {
    use rayon::prelude::*;
    let doc = keys.ids_of(rows.len(), |i| rows[i].doc_no.as_str());
    let stmt = keys.ids_of(rows.len(), |i| {
        rows[i].statement_no.as_deref().unwrap_or_default()
    });
    let mut columns = vec![
        idx_col("e_idx", rows.len()),
        u32_col("doc", doc),
        u32_col("stmt", stmt),
    ];
    if amounts {
        let fen = rows
            .par_iter()
            .map(|e| fen(e.amount.abs(), || ledger_ref(e)))
            .collect::<anyhow::Result<Vec<i64>>>()?;
        columns.push(i64_col("amount_fen", fen));
    }
    Ok(frame(columns)?)
}

/// Numbers of the statements fetched (empty ones included), failed ones left out.
fn fetched_statement_nos(data: &HuadianData) -> BTreeSet<&str> {
    data.statements
        .iter()
        .map(|s| s.statement_no.as_str())
        .chain(data.empty_statements.iter().map(String::as_str))
        .filter(|s| !s.is_empty() && !data.failed_statements.contains(*s))
        .collect()
}

/// Fetched statements, one per number, failed ones left out.
fn fetched_statements(data: &HuadianData) -> Vec<&Statement> {
    let mut all: Vec<&Statement> = data
        .statements
        .iter()
        .filter(|s| !data.failed_statements.contains(&s.statement_no))
        .collect();
    all.sort_by(|a, b| (&a.statement_no, &a.source).cmp(&(&b.statement_no, &b.source)));
    all.dedup_by(|a, b| a.statement_no == b.statement_no);
    all
}

fn billed_lines<'a>(statements: &[&'a Statement]) -> Vec<Billed<'a>> {
    let mut billed = Vec::with_capacity(statements.iter().map(|s| s.lines.len()).sum());
    for s in statements {
        billed.extend(s.lines.iter().zip(0u32..).map(|(line, pos)| Billed {
            stmt: s,
            line,
            pos,
            primary: true,
        }));
    }
    billed
}

/// Orders billed more than once: groups of line positions in billing order; all
/// but the first of each group are marked not primary.
fn mark_duplicates(billed: &mut [Billed], cols: &LineCols, keys: &Keys) -> Vec<Vec<usize>> {
    // Ids are dense, so the count per order is an array, not a group-by.
    let counts = keys.counts(&cols.order);
    let mut groups: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, &order) in cols.order.iter().enumerate() {
        if counts[order as usize] > 1 {
            groups.entry(billed[i].order()).or_default().push(i);
        }
    }
    let mut groups: Vec<Vec<usize>> = groups.into_values().collect();
    for g in &mut groups {
        g.sort_by(|&a, &b| billed[a].billing_order().cmp(&billed[b].billing_order()));
    }
    for g in &groups {
        for &i in &g[1..] {
            billed[i].primary = false;
        }
    }
    groups
}

/// One row per order billed more than once; statement_no is the latest statement,
/// vendor_amount the orderAmount billed again beyond the first occurrence.
fn duplicate_billing(ctx: &Ctx, billed: &[Billed], group: &[usize]) -> Discrepancy {
    let first = &billed[group[0]];
    let last = &billed[group[group.len() - 1]];
    let listed: Vec<String> = group
        .iter()
        .map(|&i| {
            let b = &billed[i];
            let end = b.stmt.bill_end.map(|d| d.to_string()).unwrap_or_default();
            format!(
                "statement {} (billEndDate {end}) orderAmount {}",
                b.no(),
                b.line.order_amount
            )
        })
        .collect();
    Discrepancy {
        vendor_amount: Some(
            group[1..]
                .iter()
                .map(|&i| billed[i].line.order_amount)
                .sum(),
        ),
        vendor_date: last.date(),
        detail: format!(
            "order {} billed {} times: {}",
            first.order(),
            group.len(),
            listed.join("; ")
        ),
        ..row(
            Code::DuplicateBilling,
            ctx.vendor,
            last.no(),
            first.order(),
            "",
        )
    }
}

/// totalAmount against Σ(orderAmount − returnAmount) of the statement's lines.
/// `heads`: the key id of each statement's number.
fn statement_totals(
    ctx: &Ctx,
    statements: &[&Statement],
    billed: &[Billed],
    cols: &LineCols,
    heads: Vec<u32>,
) -> anyhow::Result<Vec<Discrepancy>> {
    use rayon::prelude::*;
    debug_assert_eq!(billed.len(), cols.stmt.len());
    let net = billed
        .par_iter()
        .map(|b| {
            let fen_of = |amount: Decimal, name: &str| {
                fen(amount, || {
                    format!("huadian statement {} order {} {name}", b.no(), b.order())
                })
            };
            Ok(fen_of(b.line.order_amount, "orderAmount")?
                - fen_of(b.line.return_amount, "returnAmount")?)
        })
        .collect::<anyhow::Result<Vec<i64>>>()?;
    // Statement ids are dense: the sums are an array indexed by id.
    let mut sums = vec![0i64; cols.stmt.iter().max().map_or(0, |m| *m as usize + 1)];
    for (&stmt, net) in cols.stmt.iter().zip(net) {
        sums[stmt as usize] += net;
    }
    let mut out = Vec::new();
    for (i, head) in heads.into_iter().enumerate() {
        // A statement without lines sums to zero.
        let s = statements[i];
        let expected = fen_to_yuan(sums.get(head as usize).copied().unwrap_or(0));
        if ctx.p.differs(expected, s.total_amount) {
            out.push(Discrepancy {
                ledger_amount: Some(expected),
                vendor_amount: Some(s.total_amount),
                detail: format!(
                    "totalAmount {} ≠ Σ(orderAmount − returnAmount) {} over {} lines",
                    s.total_amount,
                    expected,
                    s.lines.len()
                ),
                ..row(
                    Code::StatementTotalMismatch,
                    ctx.vendor,
                    &s.statement_no,
                    "",
                    "",
                )
            });
        }
    }
    Ok(out)
}

/// Each item's round_half_up(price × num) against totalPrice, and Σ totalPrice
/// against orderAmount (only for an order that has items).
fn line_totals(ctx: &Ctx, b: &Billed) -> Vec<Discrepancy> {
    // Made only for a finding: this runs for every line.
    let base = || Discrepancy {
        vendor_date: b.date(),
        ..row(Code::LineTotalMismatch, ctx.vendor, b.no(), b.order(), "")
    };
    let mut out = Vec::new();
    // Items whose own arithmetic is exact were not kept (see `StatementLine`).
    for item in b.line.odd_items() {
        let expected = item.expected_total();
        if ctx.p.differs(expected, item.total_price) {
            out.push(Discrepancy {
                ledger_amount: Some(expected),
                vendor_amount: Some(item.total_price),
                detail: format!(
                    "sku {}: price {} × num {} = {} ≠ totalPrice {}",
                    item.sku, item.price, item.num, expected, item.total_price
                ),
                ..base()
            });
        }
    }
    if let Some(sum) = b.line.items_total() {
        if ctx.p.differs(sum, b.line.order_amount) {
            out.push(Discrepancy {
                ledger_amount: Some(sum),
                vendor_amount: Some(b.line.order_amount),
                detail: format!(
                    "Σ item totalPrice {} ≠ orderAmount {}",
                    sum, b.line.order_amount
                ),
                ..base()
            });
        }
    }
    out
}

/// The calendar date of orderEndTime outside billStartDate..billEndDate.
fn out_of_period(ctx: &Ctx, b: &Billed) -> Option<Discrepancy> {
    let (start, end, date) = (b.stmt.bill_start?, b.stmt.bill_end?, b.date()?);
    if (start..=end).contains(&date) {
        return None;
    }
    Some(Discrepancy {
        severity: Severity::Warning,
        vendor_amount: Some(b.line.order_amount),
        vendor_date: Some(date),
        detail: format!("orderEndTime {date} outside the billing period {start}..{end}"),
        ..row(Code::OutOfPeriod, ctx.vendor, b.no(), b.order(), "")
    })
}

/// Billed orders whose packages were fetched: a rejected package (error), else
/// packages none of them signed (warning per package), or none at all (warning).
fn undelivered(ctx: &Ctx, data: &HuadianData, billed: &[Billed]) -> Vec<Discrepancy> {
    let Some(packages) = &data.packages else {
        return vec![];
    };
    let mut orders: BTreeMap<(&str, &str), &Billed> = BTreeMap::new();
    for b in billed {
        orders.entry((b.no(), b.order())).or_insert(b);
    }
    let mut out = Vec::new();
    for ((stmt, order), b) in orders {
        if data.failed_packages.contains(order) {
            continue;
        }
        let Some(list) = packages.get(order) else {
            continue;
        };
        let base = Discrepancy {
            severity: Severity::Warning,
            vendor_amount: Some(b.line.order_amount),
            vendor_date: b.date(),
            ..row(Code::UndeliveredBilled, ctx.vendor, stmt, order, "")
        };
        let unique: BTreeMap<&str, PackageState> = list
            .iter()
            .map(|p| (p.package_no.as_str(), p.state))
            .collect();
        if unique.is_empty() {
            if ctx.fetched {
                out.push(Discrepancy {
                    detail: "billed, but the package query answered none".into(),
                    ..base
                });
            }
            continue;
        }
        let rejected: Vec<&str> = unique
            .iter()
            .filter(|(_, s)| **s == PackageState::Rejected)
            .map(|(n, _)| *n)
            .collect();
        if !rejected.is_empty() {
            out.extend(rejected.into_iter().map(|n| Discrepancy {
                severity: Severity::Error,
                doc_no: n.to_string(),
                detail: format!("billed, but package {n} was rejected (拒收)"),
                ..base.clone()
            }));
        } else if !unique.values().any(|s| *s == PackageState::Signed) {
            out.extend(unique.iter().map(|(n, s)| Discrepancy {
                doc_no: n.to_string(),
                detail: format!(
                    "billed, but package {n} is not signed for (state {})",
                    s.code()
                ),
                ..base.clone()
            }));
        }
    }
    out
}

/// The primary lines (see the module note): `l_idx` (position in `billed`) and
/// `order` (key id). Takes the line columns, to free them.
fn primary_lines_frame(billed: &[Billed], cols: LineCols) -> anyhow::Result<DataFrame> {
    let primary = || (0..billed.len()).filter(|&i| billed[i].primary);
    let order = primary().map(|i| cols.order[i]).collect();
    drop(cols);
    Ok(frame(vec![
        positions_col("l_idx", primary()),
        u32_col("order", order),
    ])?)
}

/// Primary statement lines ⋈ ledger order rows on order no: AMOUNT_MISMATCH or a
/// matched line per pair; lines without a ledger row are MISSING_IN_LEDGER.
fn against_ledger(
    ctx: &Ctx,
    billed: &[Billed],
    lines: &DataFrame,
    orders: &[&LedgerEntry],
    ledger: &DataFrame,
) -> anyhow::Result<(Vec<Discrepancy>, Matches)> {
    // Only the keys and positions go into the join: the amounts are compared
    // from the records, pair by pair (a ledger order row counts unsigned).
    let lines = lines.select(["l_idx", "order"])?;
    let ledger = ledger.select(["e_idx", "doc"])?;
    let mut out = Vec::new();
    let mut matched = Matches::new(ctx.p.keep_matched);
    let parts = by_parts(&lines, "order", &ledger, "doc", |lines, ledger| {
        against_ledger_part(ctx, billed, lines, orders, ledger)
    })?;
    for (o, m) in parts {
        out.extend(o);
        matched.extend(m);
    }
    Ok((out, matched))
}

/// `against_ledger` on one part of the keys.
fn against_ledger_part(
    ctx: &Ctx,
    billed: &[Billed],
    lines: &DataFrame,
    orders: &[&LedgerEntry],
    ledger: &DataFrame,
) -> anyhow::Result<(Vec<Discrepancy>, Matches)> {
    let mut out = Vec::new();
    let mut matched = Matches::new(ctx.p.keep_matched);
    // One left join: a line with a ledger row is a pair to compare, one without
    // (a null row) is MISSING_IN_LEDGER.
    let pairs = join(lines, ledger, &["order"], &["doc"], JoinType::Left)?;
    let rows = pairs.column("e_idx")?.u32()?;
    for (l, i) in positions(&pairs, "l_idx")?.zip(rows.iter()) {
        let b = &billed[l];
        let Some(i) = i else {
            let d = Discrepancy {
                vendor_amount: Some(b.line.order_amount),
                vendor_date: b.date(),
                detail: format!(
                    "order {} (orderAmount {}) has no ledger order row",
                    b.order(),
                    b.line.order_amount
                ),
                ..row(Code::MissingInLedger, ctx.vendor, b.no(), b.order(), "")
            };
            out.push(ctx.p.apply_pending(d, b.date()));
            continue;
        };
        let e = orders[i as usize];
        if ctx.p.differs(e.amount.abs(), b.line.order_amount) {
            out.push(Discrepancy {
                ledger_amount: Some(e.amount),
                vendor_amount: Some(b.line.order_amount),
                currency: currency_of(e.currency()),
                ledger_date: Some(e.booked_on),
                vendor_date: b.date(),
                detail: format!(
                    "{} amount {} ≠ orderAmount {}",
                    ledger_ref(e),
                    e.amount,
                    b.line.order_amount
                ),
                ..row(Code::AmountMismatch, ctx.vendor, b.no(), b.order(), "")
            });
        } else {
            matched.push(|| MatchedLine {
                vendor: ctx.vendor.to_string(),
                statement_no: b.no().to_string(),
                order_no: b.order().to_string(),
                doc_no: String::new(),
                entry_id: e.entry_id.to_string(),
                ledger_amount: e.amount,
                vendor_amount: b.line.order_amount,
                ledger_date: Some(e.booked_on),
                vendor_date: b.date(),
            });
        }
    }
    Ok((out, matched))
}

/// Ledger order rows naming a fetched statement (empty ones included) that does
/// not bill their order. Failed statements are not fetched: nothing is said.
fn missing_in_vendor(
    ctx: &Ctx,
    fetched: &[u32],
    cols: &LineCols,
    orders: &[&LedgerEntry],
    ledger: &DataFrame,
) -> anyhow::Result<Vec<Discrepancy>> {
    // Statement ids are dense: whether one was fetched is an array lookup.
    let mut is_fetched = vec![false; fetched.iter().max().map_or(0, |m| *m as usize + 1)];
    for &s in fetched {
        is_fetched[s as usize] = true;
    }
    // The rows naming a fetched statement, (statement, order) as one integer key.
    let (mut rows, mut stmts, mut docs) = (Vec::new(), Vec::new(), Vec::new());
    let stmt = ledger.column("stmt")?.u32()?;
    let doc = ledger.column("doc")?.u32()?;
    for (i, (s, d)) in stmt.iter().zip(doc.iter()).enumerate() {
        if let (Some(s), Some(d)) = (s, d) {
            if is_fetched.get(s as usize).copied().unwrap_or(false) {
                rows.push(i);
                stmts.push(s);
                docs.push(d);
            }
        }
    }
    let named = frame(vec![
        positions_col("e_idx", rows.into_iter()),
        pair_col("key", &stmts, &docs),
    ])?;
    drop((stmts, docs));
    let lines = frame(vec![pair_col("key", &cols.stmt, &cols.order)])?;
    let absent = by_parts(&named, "key", &lines, "key", |named, lines| {
        let absent = join(named, lines, &["key"], &["key"], JoinType::Anti)?;
        Ok(indices(&absent, "e_idx")?)
    })?;
    Ok(absent
        .into_iter()
        .flatten()
        .map(|i| {
            let e = orders[i];
            let stmt = e.statement_no.as_deref().unwrap_or_default();
            Discrepancy {
                ledger_amount: Some(e.amount),
                currency: currency_of(e.currency()),
                ledger_date: Some(e.booked_on),
                detail: format!(
                    "{} names statement {stmt}, which does not bill it",
                    ledger_ref(e)
                ),
                ..row(Code::MissingInVendor, ctx.vendor, stmt, &e.doc_no, "")
            }
        })
        .collect())
}

/// returnAmount of each primary line against Σ ledger refund rows of its order.
fn refund_mismatch(
    ctx: &Ctx,
    billed: &[Billed],
    lines: &DataFrame,
    refunds: &[&LedgerEntry],
    refund_frame: &DataFrame,
) -> anyhow::Result<Vec<Discrepancy>> {
    let sums = sum_by(refund_frame, &["doc"], "amount_fen")?;
    let lines = lines.select(["l_idx", "order"])?;
    let parts = by_parts(&lines, "order", &sums, "doc", |lines, sums| {
        let joined = join(lines, sums, &["order"], &["doc"], JoinType::Left)?;
        refund_mismatch_part(ctx, billed, &joined, refunds)
    })?;
    Ok(parts.into_iter().flatten().collect())
}

/// `refund_mismatch` on one part of the lines joined with their refund sums.
fn refund_mismatch_part(
    ctx: &Ctx,
    billed: &[Billed],
    joined: &DataFrame,
    refunds: &[&LedgerEntry],
) -> anyhow::Result<Vec<Discrepancy>> {
    let mut out = Vec::new();
    for (i, sum) in indices(joined, "l_idx")?
        .into_iter()
        .zip(opt_i64s(joined, "amount_fen_sum")?)
    {
        let b = &billed[i];
        // Most lines: no return and no refund row.
        if sum.is_none() && b.line.return_amount.is_zero() {
            continue;
        }
        let booked = fen_to_yuan(sum.unwrap_or(0));
        if ctx.p.differs(booked, b.line.return_amount) {
            let n = refunds.iter().filter(|e| e.doc_no == b.order()).count();
            out.push(Discrepancy {
                ledger_amount: Some(booked),
                vendor_amount: Some(b.line.return_amount),
                vendor_date: b.date(),
                detail: format!(
                    "returnAmount {} ≠ Σ of {n} ledger refund rows {}",
                    b.line.return_amount, booked
                ),
                ..row(Code::RefundMismatch, ctx.vendor, b.no(), b.order(), "")
            });
        }
    }
    Ok(out)
}

/// Ledger invoice rows whose (billNo, billRowNo) query answered no invoice.
fn invoice_missing(ctx: &Ctx, data: &HuadianData, invoices: &[&LedgerEntry]) -> Vec<Discrepancy> {
    let mut out = Vec::new();
    for e in invoices {
        let Some(bill) = e.statement_no.as_deref().filter(|s| !s.is_empty()) else {
            continue;
        };
        let row_no = e.line_no().filter(|s| !s.is_empty()).unwrap_or(&e.doc_no);
        let key = (bill.to_string(), row_no.to_string());
        if data.failed_invoices.contains(&key) {
            continue;
        }
        if data.invoices.get(&key).is_some_and(|v| v.is_empty()) {
            out.push(Discrepancy {
                ledger_amount: Some(e.amount),
                currency: currency_of(e.currency()),
                ledger_date: Some(e.booked_on),
                detail: format!(
                    "{}: the invoice query for bill {bill} row {row_no} answered no invoice",
                    ledger_ref(e)
                ),
                ..row(Code::InvoiceMissing, ctx.vendor, bill, "", row_no)
            });
        }
    }
    out
}

/// Message order: time, then id (numeric ids compared as numbers).
fn message_order(m: &Message) -> impl Ord + '_ {
    (m.time, m.id.len(), m.id.as_str())
}

/// The latest message per key.
fn latest<'a, K: Ord>(items: impl Iterator<Item = (K, &'a Message)>) -> BTreeMap<K, &'a Message> {
    let mut map: BTreeMap<K, &Message> = BTreeMap::new();
    for (k, m) in items {
        match map.get(&k) {
            Some(prev) if message_order(prev) >= message_order(m) => {}
            _ => {
                map.insert(k, m);
            }
        }
    }
    map
}

fn message_date(m: &Message) -> Option<NaiveDate> {
    m.time.map(|t| t.date())
}

fn message_ref(m: &Message) -> String {
    match m.time {
        Some(t) => format!("message {} of {t}", m.id),
        None => format!("message {}", m.id),
    }
}

/// The latest 702 per invoice with status -1 (已拒绝).
fn invoice_delivery_failed(ctx: &Ctx, data: &HuadianData) -> Vec<Discrepancy> {
    let by_invoice = latest(data.messages.iter().filter_map(|m| match &m.body {
        MessageBody::InvoiceLogistics {
            bill_no,
            invoice_no,
            invoice_code,
            ..
        } => Some(((bill_no, invoice_code, invoice_no), m)),
        _ => None,
    }));
    let mut out = Vec::new();
    for m in by_invoice.into_values() {
        if let MessageBody::InvoiceLogistics {
            bill_no,
            bill_row_no,
            invoice_no,
            invoice_code,
            status: -1,
        } = &m.body
        {
            out.push(Discrepancy {
                vendor_date: message_date(m),
                detail: format!(
                    "702 {}: invoice {invoice_code} {invoice_no} of bill row {bill_row_no} refused",
                    message_ref(m)
                ),
                ..row(
                    Code::InvoiceDeliveryFailed,
                    ctx.vendor,
                    bill_no,
                    "",
                    invoice_no,
                )
            });
        }
    }
    out
}

/// Completed returns (303 30325/30330) the ledger has no refund for, and ledger
/// refunds whose application was refused (304 status 4). Latest message per
/// (POCode, ApplyCode) of each type.
fn returns(ctx: &Ctx, data: &HuadianData, refunds: &[&LedgerEntry]) -> Vec<Discrepancy> {
    let mut out = Vec::new();
    let status = latest(data.messages.iter().filter_map(|m| match &m.body {
        MessageBody::ReturnStatus {
            po_code,
            apply_code,
            ..
        } => Some(((po_code, apply_code), m)),
        _ => None,
    }));
    for ((po, apply), m) in status {
        let MessageBody::ReturnStatus { process_status, .. } = m.body else {
            continue;
        };
        let completed = matches!(process_status, 30325 | 30330);
        if completed && !refunds.iter().any(|e| e.doc_no == po) {
            let d = Discrepancy {
                vendor_date: message_date(m),
                detail: format!(
                    "303 {}: return {apply} completed ({process_status}), no ledger refund row for order {po}",
                    message_ref(m)
                ),
                ..row(Code::MissingInLedger, ctx.vendor, "", po, apply)
            };
            out.push(ctx.p.apply_pending(d, message_date(m)));
        }
    }
    if !ctx.fetched {
        return out;
    }
    let applies = latest(data.messages.iter().filter_map(|m| match &m.body {
        MessageBody::ApplyStatus {
            po_code,
            apply_code,
            ..
        } => Some(((po_code, apply_code), m)),
        _ => None,
    }));
    for ((po, apply), m) in applies {
        if !matches!(
            m.body,
            MessageBody::ApplyStatus {
                apply_status: 4,
                ..
            }
        ) {
            continue;
        }
        let of_order: Vec<&LedgerEntry> =
            refunds.iter().copied().filter(|e| e.doc_no == po).collect();
        // A refund row that names the application is the one refused; failing
        // that, every refund row of the order rests on it.
        let names_apply = |e: &&LedgerEntry| {
            e.line_no() == Some(apply.as_str()) || e.ref_no() == Some(apply.as_str())
        };
        let named: Vec<&LedgerEntry> = of_order.iter().copied().filter(names_apply).collect();
        let rows = if named.is_empty() { of_order } else { named };
        out.extend(rows.into_iter().map(|e| Discrepancy {
            ledger_amount: Some(e.amount.abs()),
            currency: currency_of(e.currency()),
            ledger_date: Some(e.booked_on),
            detail: format!(
                "{} refund {}, but 304 {} refused return application {apply}",
                ledger_ref(e),
                e.amount.abs(),
                message_ref(m)
            ),
            ..row(Code::MissingInVendor, ctx.vendor, "", po, apply)
        }));
    }
    out
}
