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

use super::frames::{frame, i64_col, sum_by, u32_col};
use super::keys::{Chains, Keys};
use super::merge::{currency_of, fen, ledger_ref, row, Matches, Params};
use super::Found;
use crate::domain::{
    fen_to_yuan, Code, Discrepancy, EntryKind, HuadianData, LedgerEntry, MatchedLine, Message,
    MessageBody, PackageState, Severity, Statement, StatementLine,
};
use chrono::NaiveDate;
use polars::prelude::DataFrame;
use rust_decimal::Decimal;
use rustc_hash::FxHashSet;
use std::collections::BTreeMap;

struct Ctx<'a> {
    vendor: &'a str,
    /// False when the vendor failed outright: nothing is claimed missing on its side.
    fetched: bool,
    p: &'a Params,
}

/// One statement line as billed, with its statement (made on the fly by
/// `BilledLines::get`).
#[derive(Clone, Copy)]
struct Billed<'a> {
    stmt: &'a Statement,
    line: &'a StatementLine,
    /// Position of the line in its statement, the last tie-breaker.
    pos: u32,
}

impl<'a> Billed<'a> {
    fn date(&self) -> Option<NaiveDate> {
        self.line.ended_at().map(|t| t.date())
    }
    fn no(&self) -> &'a str {
        &self.stmt.statement_no
    }
    fn order(&self) -> &'a str {
        &self.line.order_no
    }
    /// Earliest billing first: billEndDate (missing counts as earliest), statement
    /// number, then the line's own content so shuffled input orders the same.
    fn billing_order(&self) -> impl Ord + use<'a> {
        (
            self.stmt.bill_end,
            self.stmt.statement_no.as_str(),
            self.line.order_amount(),
            self.line.return_amount(),
            self.line.ended_at(),
            self.pos,
        )
    }
}

/// Every line of the fetched statements, statement by statement: line `i` is
/// line `i − starts[s]` of statement `s = of[i]`. Five bytes a line, where a
/// vector of `Billed` held 24 (92 MiB at four million lines, through every check).
struct BilledLines<'a> {
    statements: Vec<&'a Statement>,
    of: Vec<u32>,
    starts: Vec<u32>,
    /// The occurrence compared with the ledger (see the module note).
    primary: Vec<bool>,
}

impl<'a> BilledLines<'a> {
    fn new(statements: Vec<&'a Statement>) -> Self {
        let n: usize = statements.iter().map(|s| s.lines.len()).sum();
        let index = |i: usize| u32::try_from(i).expect("fewer than 2³² lines");
        let mut of = Vec::with_capacity(n);
        let mut starts = Vec::with_capacity(statements.len());
        for (i, s) in statements.iter().enumerate() {
            starts.push(index(of.len()));
            of.extend(std::iter::repeat_n(index(i), s.lines.len()));
        }
        Self {
            statements,
            of,
            starts,
            primary: vec![true; n],
        }
    }

    fn len(&self) -> usize {
        self.of.len()
    }

    /// All but the first line of each group of `duplicates` are not primary.
    fn demote(&mut self, duplicates: &[Vec<usize>]) {
        for g in duplicates {
            for &i in &g[1..] {
                self.primary[i] = false;
            }
        }
    }

    fn get(&self, i: usize) -> Billed<'a> {
        let s = self.of[i] as usize;
        let stmt = self.statements[s];
        let pos = i as u32 - self.starts[s];
        Billed {
            stmt,
            line: &stmt.lines[pos as usize],
            pos,
        }
    }

    /// `visit(state, line, its order id)` for every primary line (see the module
    /// note), on every core in chunks of lines, each chunk with a state of its
    /// own from `new`; the states come back in line order.
    fn primary_in_chunks<T: Send>(
        &self,
        order: &[u32],
        new: impl Fn() -> T + Sync,
        visit: impl Fn(&mut T, Billed<'a>, u32) + Sync,
    ) -> Vec<T> {
        use rayon::prelude::*;
        order
            .par_chunks(CHUNK)
            .enumerate()
            .map(|(c, ids)| {
                let mut state = new();
                for (l, &id) in (c * CHUNK..).zip(ids) {
                    if self.primary[l] {
                        visit(&mut state, self.get(l), id);
                    }
                }
                state
            })
            .collect()
    }

    /// Every line in order, without a lookup per line.
    fn iter(&self) -> impl Iterator<Item = Billed<'a>> + '_ {
        self.statements.iter().flat_map(|&stmt| {
            stmt.lines
                .iter()
                .zip(0u32..)
                .map(move |(line, pos)| Billed { stmt, line, pos })
        })
    }
}

/// Some of the ledger's rows, by position: 4 bytes a row, not 8 (the order
/// rows are millions).
struct Rows<'a> {
    entries: &'a [LedgerEntry],
    at: Vec<u32>,
}

impl<'a> Rows<'a> {
    fn len(&self) -> usize {
        self.at.len()
    }

    fn get(&self, i: usize) -> &'a LedgerEntry {
        &self.entries[self.at[i] as usize]
    }
}

/// The ledger's huadian rows by kind.
struct LedgerRows<'a> {
    orders: Rows<'a>,
    refunds: Vec<&'a LedgerEntry>,
    invoices: Vec<&'a LedgerEntry>,
}

impl<'a> LedgerRows<'a> {
    /// The rows of the vendor, by kind: the ledger read in chunks on every
    /// core, each chunk's lists joined back in order (no list of all rows).
    fn of(entries: &'a [LedgerEntry], vendor: &str) -> Self {
        use rayon::prelude::*;
        const CHUNK: usize = 1 << 16;
        type Part<'a> = (Vec<u32>, Vec<&'a LedgerEntry>, Vec<&'a LedgerEntry>);
        let parts: Vec<Part<'a>> = entries
            .par_chunks(CHUNK)
            .enumerate()
            .map(|(c, chunk)| {
                let mut part: Part<'a> = Default::default();
                for (i, e) in (c * CHUNK..).zip(chunk) {
                    if !super::same_vendor(e.vendor(), vendor) {
                        continue;
                    }
                    match e.kind() {
                        EntryKind::Order => {
                            part.0.push(u32::try_from(i).expect("fewer than 2³² rows"))
                        }
                        EntryKind::Refund => part.1.push(e),
                        EntryKind::Invoice => part.2.push(e),
                        EntryKind::Payment => {}
                    }
                }
                part
            })
            .collect();
        let mut rows = Self {
            orders: Rows {
                entries,
                at: Vec::with_capacity(parts.iter().map(|p| p.0.len()).sum()),
            },
            refunds: Vec::with_capacity(parts.iter().map(|p| p.1.len()).sum()),
            invoices: Vec::with_capacity(parts.iter().map(|p| p.2.len()).sum()),
        };
        for (orders, refunds, invoices) in parts {
            rows.orders.at.extend(orders);
            rows.refunds.extend(refunds);
            rows.invoices.extend(invoices);
        }
        rows
    }
}

/// Runs every huadian check against the ledger rows of `vendor`.
pub fn check(
    vendor: &str,
    data: &HuadianData,
    fetched: bool,
    ledger: &[LedgerEntry],
    p: &Params,
) -> anyhow::Result<Found> {
    let ctx = Ctx { vendor, fetched, p };
    // Each step's time at debug level (`RECON_LOG=debug`), for docs/PERFORMANCE.md.
    let clock = std::time::Instant::now();
    let step = |name: &str| tracing::debug!(elapsed = ?clock.elapsed(), "huadian: {name}");
    let rows = LedgerRows::of(ledger, vendor);
    let mut billed = BilledLines::new(fetched_statements(data));
    // Mostly the ledger names the billed orders again: room for the lines' keys
    // and a margin, not for both sides (a table twice the size is memory touched
    // for nothing).
    let mut keys = Keys::with_capacity(billed.len() + billed.len() / 8 + billed.statements.len());
    step("lines and ledger rows by kind");
    // Remembered by their place in the ledger: a found key is read back from
    // its row in one step.
    let orders = keys.ids_at(
        rows.orders.len(),
        ledger.len(),
        |i| rows.orders.at[i] as usize,
        |p| ledger[p].doc_no.as_str(),
    );
    step("ledger order key ids");
    let order = line_order_ids(&billed, &mut keys);
    step("line key ids");
    let duplicates = duplicates(&billed, &order, &keys);

    let mut found = Found::default();
    let out = &mut found.discrepancies;
    out.extend(
        duplicates
            .iter()
            .map(|g| duplicate_billing(&ctx, &billed, g)),
    );
    // Every key gets its id before the joins; the key table is then freed.
    let refunds = entry_frame(&rows.refunds, &mut keys)?;
    let bound = keys.id_bound();
    drop(keys);
    billed.demote(&duplicates);
    step("duplicates, statement and refund key ids");
    out.extend(statement_totals(&ctx, &billed)?);
    out.extend(line_checks(&ctx, &billed));
    out.extend(undelivered(&ctx, data, &billed));
    step("statement totals, line totals, periods, packages");
    if fetched {
        let lines_of = Chains::of(&order, bound);
        out.extend(missing_in_vendor(
            &ctx,
            &billed,
            &fetched_statement_nos(data),
            &lines_of,
            &rows.orders,
            &orders,
        ));
        out.extend(invoice_missing(&ctx, data, &rows.invoices));
    }
    step("MISSING_IN_VENDOR, invoices");
    let rows_of = Chains::of(&orders, bound);
    drop(orders);
    let (against, matched) = against_ledger(&ctx, &billed, &order, &rows.orders, &rows_of);
    drop(rows_of);
    out.extend(against);
    found.matched = matched;
    step("lines against ledger orders");
    out.extend(refund_mismatch(
        &ctx,
        &billed,
        &order,
        &rows.refunds,
        &refunds,
    )?);
    out.extend(invoice_delivery_failed(&ctx, data));
    out.extend(returns(&ctx, data, &rows.refunds));
    step("refunds, invoice delivery, returns");
    Ok(found)
}

/// The order id of each billed line, made once for every check. The amounts
/// are read from the lines where needed: columns of them would be held through
/// the largest step for one short one.
fn line_order_ids<'k>(billed: &'k BilledLines, keys: &mut Keys<'k>) -> Vec<u32> {
    // Order numbers get their ids on both cores (one half of the keys each).
    keys.ids_of(billed.len(), move |i| billed.get(i).order())
}

/// Ledger rows as a frame for sums: `doc` (key id) and `amount_fen` (absolute:
/// refunds are stored positive).
fn entry_frame<'k>(rows: &'k [&LedgerEntry], keys: &mut Keys<'k>) -> anyhow::Result<DataFrame> {
    use rayon::prelude::*;
    let doc = keys.ids_of(rows.len(), move |i| rows[i].doc_no.as_str());
    let fen = rows
        .par_iter()
        .map(|e| fen(e.amount().abs(), || ledger_ref(e)))
        .collect::<anyhow::Result<Vec<i64>>>()?;
    Ok(frame(vec![
        u32_col("doc", doc),
        i64_col("amount_fen", fen),
    ])?)
}

/// Numbers of the statements fetched (empty ones included), failed ones left out.
fn fetched_statement_nos(data: &HuadianData) -> FxHashSet<&str> {
    data.statements
        .iter()
        .map(|s| s.statement_no.as_str())
        .chain(data.empty_statements.iter().map(String::as_str))
        .filter(|s| !s.is_empty() && !data.failed_statements.contains(*s))
        .collect()
}

/// Fetched statements, one per number, failed ones left out.
fn fetched_statements(data: &HuadianData) -> Vec<&Statement> {
    data.fetched_positions()
        .into_iter()
        .map(|i| &data.statements[i])
        .collect()
}

/// Orders billed more than once: groups of line positions in billing order (all
/// but the first of each group are then not primary: `BilledLines::demote`).
fn duplicates(billed: &BilledLines, order: &[u32], keys: &Keys) -> Vec<Vec<usize>> {
    // Ids are dense, so the count per order is an array, not a group-by.
    let repeated = keys.repeated(order);
    let mut groups: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, &order) in order.iter().enumerate() {
        if repeated[order as usize] {
            groups.entry(billed.get(i).order()).or_default().push(i);
        }
    }
    let mut groups: Vec<Vec<usize>> = groups.into_values().collect();
    for g in &mut groups {
        g.sort_by(|&a, &b| {
            let (a, b) = (billed.get(a), billed.get(b));
            a.billing_order().cmp(&b.billing_order())
        });
    }
    groups
}

/// One row per order billed more than once; statement_no is the latest statement,
/// vendor_amount the orderAmount billed again beyond the first occurrence.
fn duplicate_billing(ctx: &Ctx, billed: &BilledLines, group: &[usize]) -> Discrepancy {
    let first = billed.get(group[0]);
    let last = billed.get(group[group.len() - 1]);
    let listed: Vec<String> = group
        .iter()
        .map(|&i| {
            let b = billed.get(i);
            let end = b.stmt.bill_end.map(|d| d.to_string()).unwrap_or_default();
            format!(
                "statement {} (billEndDate {end}) orderAmount {}",
                b.no(),
                b.line.order_amount()
            )
        })
        .collect();
    Discrepancy {
        vendor_amount: Some(
            group[1..]
                .iter()
                .map(|&i| billed.get(i).line.order_amount())
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
fn statement_totals(ctx: &Ctx, billed: &BilledLines) -> anyhow::Result<Vec<Discrepancy>> {
    use rayon::prelude::*;
    let statements = &billed.statements;
    // A statement's lines are its own: summed statement by statement, on every core.
    let sums = statements
        .par_iter()
        .map(|s| {
            s.lines.iter().try_fold(0i64, |sum, line| {
                let fen_of = |amount: Decimal, name: &str| {
                    fen(amount, || {
                        format!(
                            "huadian statement {} order {} {name}",
                            s.statement_no, line.order_no
                        )
                    })
                };
                Ok::<_, anyhow::Error>(
                    sum + fen_of(line.order_amount(), "orderAmount")?
                        - fen_of(line.return_amount(), "returnAmount")?,
                )
            })
        })
        .collect::<anyhow::Result<Vec<i64>>>()?;
    let mut out = Vec::new();
    for (&s, sum) in statements.iter().zip(sums) {
        // A statement without lines sums to zero.
        let expected = fen_to_yuan(sum);
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

/// LINE_TOTAL_MISMATCH and OUT_OF_PERIOD of every line: statement by statement
/// on every core, joined back in statement order.
fn line_checks(ctx: &Ctx, billed: &BilledLines) -> Vec<Discrepancy> {
    use rayon::prelude::*;
    billed
        .statements
        .par_iter()
        .map(|&stmt| {
            let mut out = Vec::new();
            for (line, pos) in stmt.lines.iter().zip(0u32..) {
                let b = Billed { stmt, line, pos };
                out.extend(line_totals(ctx, &b));
                out.extend(out_of_period(ctx, &b));
            }
            out
        })
        .flatten_iter()
        .collect()
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
                    "sku {}{}: price {} × num {} = {} ≠ totalPrice {}",
                    item.sku,
                    item.sku_name
                        .as_ref()
                        .map(|n| format!(" ({n})"))
                        .unwrap_or_default(),
                    item.price,
                    item.num,
                    expected,
                    item.total_price
                ),
                ..base()
            });
        }
    }
    if let Some(sum) = b.line.items_total() {
        if ctx.p.differs(sum, b.line.order_amount()) {
            out.push(Discrepancy {
                ledger_amount: Some(sum),
                vendor_amount: Some(b.line.order_amount()),
                detail: format!(
                    "Σ item totalPrice {} ≠ orderAmount {}",
                    sum,
                    b.line.order_amount()
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
        vendor_amount: Some(b.line.order_amount()),
        vendor_date: Some(date),
        detail: format!("orderEndTime {date} outside the billing period {start}..{end}"),
        ..row(Code::OutOfPeriod, ctx.vendor, b.no(), b.order(), "")
    })
}

/// Billed orders whose packages were fetched: a rejected package (error), else
/// packages none of them signed (warning per package), or none at all (warning).
fn undelivered(ctx: &Ctx, data: &HuadianData, billed: &BilledLines) -> Vec<Discrepancy> {
    let Some(packages) = &data.packages else {
        return vec![];
    };
    let mut orders: BTreeMap<(&str, &str), Billed> = BTreeMap::new();
    for b in billed.iter() {
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
            vendor_amount: Some(b.line.order_amount()),
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

/// Lines per piece of work when a step runs over every line on every core.
const CHUNK: usize = 1 << 16;

/// Primary statement lines (see the module note) against the ledger's order rows
/// of their order: AMOUNT_MISMATCH or a matched line per pair; a line without a
/// ledger row is MISSING_IN_LEDGER. `order`: the lines' order ids; `rows_of`:
/// the ledger order rows by document id.
fn against_ledger(
    ctx: &Ctx,
    billed: &BilledLines,
    order: &[u32],
    orders: &Rows,
    rows_of: &Chains,
) -> (Vec<Discrepancy>, Matches) {
    let parts = billed.primary_in_chunks(
        order,
        || (Vec::new(), Matches::new(ctx.p.keep_matched)),
        |(out, matched), b, id| {
            let mut rows = rows_of.rows(id).peekable();
            if rows.peek().is_none() {
                out.push(missing_in_ledger(ctx, &b));
            }
            for i in rows {
                compare_order(ctx, &b, orders.get(i), out, matched);
            }
        },
    );
    let mut out = Vec::new();
    let mut matched = Matches::new(ctx.p.keep_matched);
    for (o, m) in parts {
        out.extend(o);
        matched.extend(m);
    }
    (out, matched)
}

fn missing_in_ledger(ctx: &Ctx, b: &Billed) -> Discrepancy {
    let d = Discrepancy {
        vendor_amount: Some(b.line.order_amount()),
        vendor_date: b.date(),
        detail: format!(
            "order {} (orderAmount {}) has no ledger order row",
            b.order(),
            b.line.order_amount()
        ),
        ..row(Code::MissingInLedger, ctx.vendor, b.no(), b.order(), "")
    };
    ctx.p.apply_pending(d, b.date())
}

/// A line and a ledger order row of its order (which counts unsigned).
fn compare_order(
    ctx: &Ctx,
    b: &Billed,
    e: &LedgerEntry,
    out: &mut Vec<Discrepancy>,
    matched: &mut Matches,
) {
    if ctx.p.differs(e.amount().abs(), b.line.order_amount()) {
        out.push(Discrepancy {
            ledger_amount: Some(e.amount()),
            vendor_amount: Some(b.line.order_amount()),
            currency: currency_of(e.currency()),
            ledger_date: Some(e.booked_on),
            vendor_date: b.date(),
            detail: format!(
                "{} amount {} ≠ orderAmount {}",
                ledger_ref(e),
                e.amount(),
                b.line.order_amount()
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
            ledger_amount: e.amount(),
            vendor_amount: b.line.order_amount(),
            ledger_date: Some(e.booked_on),
            vendor_date: b.date(),
        });
    }
}

/// Ledger order rows naming a fetched statement (empty ones included) that does
/// not bill their order. Failed statements are not fetched: nothing is said.
/// `docs`: the rows' order ids; `lines_of`: the billed lines by order id. The
/// statement numbers are compared as text, row by row: ids for them would be a
/// column as long as the ledger, held at the checks' peak.
fn missing_in_vendor(
    ctx: &Ctx,
    billed: &BilledLines,
    fetched: &FxHashSet<&str>,
    lines_of: &Chains,
    orders: &Rows,
    docs: &[u32],
) -> Vec<Discrepancy> {
    use rayon::prelude::*;
    let absent: Vec<usize> = (0..orders.len())
        .into_par_iter()
        .with_min_len(CHUNK)
        .filter(|&i| {
            let stmt = orders.get(i).statement_no().unwrap_or_default();
            fetched.contains(stmt) && !lines_of.rows(docs[i]).any(|l| billed.get(l).no() == stmt)
        })
        .collect();
    absent
        .into_iter()
        .map(|i| {
            let e = orders.get(i);
            let stmt = e.statement_no().unwrap_or_default();
            Discrepancy {
                ledger_amount: Some(e.amount()),
                currency: currency_of(e.currency()),
                ledger_date: Some(e.booked_on),
                detail: format!(
                    "{} names statement {stmt}, which does not bill it",
                    ledger_ref(e)
                ),
                ..row(Code::MissingInVendor, ctx.vendor, stmt, &e.doc_no, "")
            }
        })
        .collect()
}

/// returnAmount of each primary line against Σ ledger refund rows of its order.
/// `order`: the lines' order ids.
fn refund_mismatch(
    ctx: &Ctx,
    billed: &BilledLines,
    order: &[u32],
    refunds: &[&LedgerEntry],
    refund_frame: &DataFrame,
) -> anyhow::Result<Vec<Discrepancy>> {
    // A few refund sums against millions of lines: looked up line by line.
    let sums = sum_by(refund_frame, &["doc"], "amount_fen")?;
    let by_doc: rustc_hash::FxHashMap<u32, i64> = sums
        .column("doc")?
        .u32()?
        .iter()
        .zip(sums.column("amount_fen_sum")?.i64()?.iter())
        .filter_map(|(d, s)| Some((d?, s?)))
        .collect();
    let parts = billed.primary_in_chunks(order, Vec::new, |out, b, id| {
        let sum = by_doc.get(&id).copied();
        // Most lines: no return and no refund row.
        if sum.is_none() && b.line.return_amount().is_zero() {
            return;
        }
        let booked = fen_to_yuan(sum.unwrap_or(0));
        if ctx.p.differs(booked, b.line.return_amount()) {
            let n = refunds.iter().filter(|e| e.doc_no == b.order()).count();
            out.push(Discrepancy {
                ledger_amount: Some(booked),
                vendor_amount: Some(b.line.return_amount()),
                vendor_date: b.date(),
                detail: format!(
                    "returnAmount {} ≠ Σ of {n} ledger refund rows {}",
                    b.line.return_amount(),
                    booked
                ),
                ..row(Code::RefundMismatch, ctx.vendor, b.no(), b.order(), "")
            });
        }
    });
    Ok(parts.into_iter().flatten().collect())
}

/// Ledger invoice rows whose (billNo, billRowNo) query answered no invoice.
fn invoice_missing(ctx: &Ctx, data: &HuadianData, invoices: &[&LedgerEntry]) -> Vec<Discrepancy> {
    let mut out = Vec::new();
    for e in invoices {
        let Some(bill) = e.statement_no().filter(|s| !s.is_empty()) else {
            continue;
        };
        let row_no = e.line_no().filter(|s| !s.is_empty()).unwrap_or(&e.doc_no);
        let key = (bill.to_string(), row_no.to_string());
        if data.failed_invoices.contains(&key) {
            continue;
        }
        if data.invoices.get(&key).is_some_and(|v| v.is_empty()) {
            out.push(Discrepancy {
                ledger_amount: Some(e.amount()),
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
            ledger_amount: Some(e.amount().abs()),
            currency: currency_of(e.currency()),
            ledger_date: Some(e.booked_on),
            detail: format!(
                "{} refund {}, but 304 {} refused return application {apply}",
                ledger_ref(e),
                e.amount().abs(),
                message_ref(m)
            ),
            ..row(Code::MissingInVendor, ctx.vendor, "", po, apply)
        }));
    }
    out
}
