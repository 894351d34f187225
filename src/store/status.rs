//! Status assignment against history (SPEC §5 `status`): pure logic, no database.
//! The store loads the open and explained identities, calls [`assign`], then
//! persists the returned plan.

use crate::domain::discrepancy::Identity;
use crate::domain::{Discrepancy, Status};

/// What history holds for one identity that is still open or was explained.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryRow {
    pub id: i64,
    pub first_seen_run: String,
    pub state: HistoryState,
    /// Reported at least once as `new` / `recurring` (not only as `pending`).
    pub reported: bool,
    /// The last row seen for it (amounts, detail), as reported then.
    pub last: Discrepancy,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HistoryState {
    Open,
    Explained,
}

/// One row of this run's `found`, as it goes to history.
#[derive(Debug, Clone, PartialEq)]
pub struct Seen {
    /// The history row it continues, if any (open or explained).
    pub id: Option<i64>,
    /// With its status and `first_seen_run` assigned.
    pub row: Discrepancy,
    /// Explained earlier: left out of the report, history kept.
    pub explained: bool,
}

/// The outcome of [`assign`].
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Plan {
    /// The run's report rows: `found` in order (explained ones left out), then the
    /// resolved ones sorted by identity.
    pub report: Vec<Discrepancy>,
    /// Every found row, explained ones included, for persistence.
    pub seen: Vec<Seen>,
    /// Open identities this run closes, with the row to record (`Resolved`
    /// when it was reported before, `None` when it was only ever pending).
    pub closed: Vec<(i64, Option<Discrepancy>)>,
}

/// Assigns statuses to this run's `found` rows against `history` (open and
/// explained identities of earlier runs) and decides which open identities close.
///
/// - Open identity found again: `Recurring` when it was reported before, its
///   `first_seen_run` kept. A `Pending` row stays `Pending`. One that was only ever
///   pending and is now a real discrepancy is `New` (first reported now) but keeps
///   the `first_seen_run` of the run that first saw it, so its age is honest.
/// - Not in history: `New` (or `Pending` as given), `first_seen_run` = this run.
/// - Explained identity: left out of the report whether found or not.
/// - Open identity not found: closed if `covered` says this run fetched what it
///   is about — reported once as `Resolved` if it had been reported, silently if
///   it was only ever pending; otherwise it stays open and unreported.
pub fn assign(
    found: Vec<Discrepancy>,
    history: &[HistoryRow],
    run_id: &str,
    covered: &dyn Fn(&Discrepancy) -> bool,
) -> Plan {
    use std::collections::{BTreeSet, HashMap};

    // Rows of this very run (a re-applied run) do not count as "earlier".
    let by_identity: HashMap<Identity, &HistoryRow> = history
        .iter()
        .filter(|h| h.state == HistoryState::Explained || h.first_seen_run != run_id)
        .map(|h| (h.last.identity(), h))
        .collect();

    let mut plan = Plan::default();
    let mut found_ids: BTreeSet<Identity> = BTreeSet::new();
    for mut row in found {
        let identity = row.identity();
        let earlier = by_identity.get(&identity).copied();
        found_ids.insert(identity);
        match earlier {
            Some(h) if h.state == HistoryState::Explained => {
                row.first_seen_run = Some(h.first_seen_run.clone());
                plan.seen.push(Seen {
                    id: Some(h.id),
                    row,
                    explained: true,
                });
            }
            Some(h) => {
                row.first_seen_run = Some(h.first_seen_run.clone());
                if row.status != Status::Pending {
                    row.status = if h.reported {
                        Status::Recurring
                    } else {
                        Status::New
                    };
                }
                plan.report.push(row.clone());
                plan.seen.push(Seen {
                    id: Some(h.id),
                    row,
                    explained: false,
                });
            }
            None => {
                row.first_seen_run = Some(run_id.to_string());
                if row.status != Status::Pending {
                    row.status = Status::New;
                }
                plan.report.push(row.clone());
                plan.seen.push(Seen {
                    id: None,
                    row,
                    explained: false,
                });
            }
        }
    }

    let mut resolved: Vec<(i64, Option<Discrepancy>)> = history
        .iter()
        .filter(|h| h.state == HistoryState::Open && h.first_seen_run != run_id)
        .filter(|h| !found_ids.contains(&h.last.identity()))
        .filter(|h| covered(&h.last))
        .map(|h| {
            let row = h.reported.then(|| Discrepancy {
                status: Status::Resolved,
                first_seen_run: Some(h.first_seen_run.clone()),
                ..h.last.clone()
            });
            (h.id, row)
        })
        .collect();
    resolved.sort_by(|a, b| {
        let key = |x: &(i64, Option<Discrepancy>)| x.1.as_ref().map(|d| d.identity());
        key(a).cmp(&key(b)).then(a.0.cmp(&b.0))
    });
    plan.report
        .extend(resolved.iter().filter_map(|(_, row)| row.clone()));
    plan.closed = resolved;
    plan
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Code, Severity};
    use rust_decimal::Decimal;

    fn d(code: Code, order: &str, status: Status) -> Discrepancy {
        Discrepancy {
            code,
            severity: Severity::Error,
            vendor: "huadian".into(),
            statement_no: "S1".into(),
            order_no: order.into(),
            doc_no: String::new(),
            ledger_amount: Some(Decimal::new(10000, 2)),
            vendor_amount: Some(Decimal::new(12000, 2)),
            currency: "CNY".into(),
            ledger_date: None,
            vendor_date: None,
            status,
            first_seen_run: None,
            detail: format!("order {order}"),
        }
    }

    fn open(id: i64, first: &str, reported: bool, last: Discrepancy) -> HistoryRow {
        HistoryRow {
            id,
            first_seen_run: first.into(),
            state: HistoryState::Open,
            reported,
            last,
        }
    }

    fn all(_: &Discrepancy) -> bool {
        true
    }
    fn none(_: &Discrepancy) -> bool {
        false
    }

    #[test]
    fn unseen_identity_is_new_and_first_seen_now() {
        let plan = assign(
            vec![d(Code::AmountMismatch, "O1", Status::New)],
            &[],
            "r2",
            &all,
        );
        assert_eq!(plan.report.len(), 1);
        assert_eq!(plan.report[0].status, Status::New);
        assert_eq!(plan.report[0].first_seen_run.as_deref(), Some("r2"));
        assert_eq!(plan.seen[0].id, None);
        assert!(plan.closed.is_empty());
    }

    #[test]
    fn open_identity_found_again_is_recurring_with_earlier_first_seen() {
        let h = [open(
            7,
            "r1",
            true,
            d(Code::AmountMismatch, "O1", Status::New),
        )];
        let plan = assign(
            vec![d(Code::AmountMismatch, "O1", Status::New)],
            &h,
            "r2",
            &all,
        );
        assert_eq!(plan.report[0].status, Status::Recurring);
        assert_eq!(plan.report[0].first_seen_run.as_deref(), Some("r1"));
        assert_eq!(plan.seen[0].id, Some(7));
    }

    #[test]
    fn pending_row_stays_pending_when_open_in_history() {
        let h = [open(
            7,
            "r1",
            false,
            d(Code::MissingInLedger, "O1", Status::Pending),
        )];
        let plan = assign(
            vec![d(Code::MissingInLedger, "O1", Status::Pending)],
            &h,
            "r2",
            &all,
        );
        assert_eq!(plan.report[0].status, Status::Pending);
        assert_eq!(plan.report[0].first_seen_run.as_deref(), Some("r1"));
    }

    #[test]
    fn formerly_pending_row_becomes_new_keeping_first_seen() {
        let h = [open(
            7,
            "r1",
            false,
            d(Code::MissingInLedger, "O1", Status::Pending),
        )];
        let plan = assign(
            vec![d(Code::MissingInLedger, "O1", Status::New)],
            &h,
            "r2",
            &all,
        );
        assert_eq!(plan.report[0].status, Status::New);
        assert_eq!(plan.report[0].first_seen_run.as_deref(), Some("r1"));
    }

    #[test]
    fn covered_open_identity_not_found_is_reported_resolved_once() {
        let mut last = d(Code::AmountMismatch, "O1", Status::Recurring);
        last.first_seen_run = Some("r1".into());
        let h = [open(7, "r1", true, last)];
        let plan = assign(vec![], &h, "r3", &all);
        assert_eq!(plan.report.len(), 1);
        let r = &plan.report[0];
        assert_eq!(r.status, Status::Resolved);
        assert_eq!(r.first_seen_run.as_deref(), Some("r1"));
        assert_eq!(r.vendor_amount, Some(Decimal::new(12000, 2)));
        assert_eq!(r.detail, "order O1");
        assert_eq!(plan.closed.len(), 1);
        assert_eq!(plan.closed[0].0, 7);
    }

    #[test]
    fn uncovered_open_identity_stays_open_and_unreported() {
        let h = [open(
            7,
            "r1",
            true,
            d(Code::AmountMismatch, "O1", Status::New),
        )];
        let plan = assign(vec![], &h, "r2", &none);
        assert!(plan.report.is_empty());
        assert!(plan.closed.is_empty());
    }

    #[test]
    fn only_pending_identity_that_disappears_closes_silently() {
        let h = [open(
            7,
            "r1",
            false,
            d(Code::MissingInLedger, "O1", Status::Pending),
        )];
        let plan = assign(vec![], &h, "r2", &all);
        assert!(plan.report.is_empty());
        assert_eq!(plan.closed, vec![(7, None)]);
    }

    #[test]
    fn explained_identity_is_left_out_whether_found_or_not() {
        let h = [HistoryRow {
            state: HistoryState::Explained,
            ..open(7, "r1", true, d(Code::AmountMismatch, "O1", Status::New))
        }];
        let plan = assign(
            vec![d(Code::AmountMismatch, "O1", Status::New)],
            &h,
            "r2",
            &all,
        );
        assert!(plan.report.is_empty());
        assert!(plan.closed.is_empty());
        assert!(plan.seen[0].explained);
        let plan = assign(vec![], &h, "r3", &all);
        assert!(plan.report.is_empty() && plan.closed.is_empty());
    }

    #[test]
    fn output_keeps_found_order_then_resolved_sorted_by_identity() {
        let h = [
            open(1, "r1", true, d(Code::AmountMismatch, "O9", Status::New)),
            open(2, "r1", true, d(Code::AmountMismatch, "O2", Status::New)),
            open(3, "r1", true, d(Code::AmountMismatch, "O5", Status::New)),
        ];
        let found = vec![
            d(Code::OutOfPeriod, "Z", Status::New),
            d(Code::AmountMismatch, "O5", Status::New),
            d(Code::AmountMismatch, "A", Status::New),
        ];
        let plan = assign(found, &h, "r2", &all);
        let orders: Vec<(&str, Status)> = plan
            .report
            .iter()
            .map(|r| (r.order_no.as_str(), r.status))
            .collect();
        assert_eq!(
            orders,
            vec![
                ("Z", Status::New),
                ("O5", Status::Recurring),
                ("A", Status::New),
                ("O2", Status::Resolved),
                ("O9", Status::Resolved),
            ]
        );
    }

    #[test]
    fn reapplying_the_same_run_does_not_make_rows_recurring() {
        let h = [open(
            7,
            "r1",
            true,
            d(Code::AmountMismatch, "O1", Status::New),
        )];
        let plan = assign(
            vec![d(Code::AmountMismatch, "O1", Status::New)],
            &h,
            "r1",
            &all,
        );
        assert_eq!(plan.report[0].status, Status::New);
        assert_eq!(plan.report[0].first_seen_run.as_deref(), Some("r1"));
        let plan = assign(vec![], &h, "r1", &all);
        assert!(plan.closed.is_empty());
    }
}
