//! Store tests against a temporary SQLite file and the PostgreSQL server of the
//! machine (`RECON_TEST_PG_URL`, default `postgres://postgres@127.0.0.1:5432/test`;
//! each test gets a fresh database, dropped afterwards).

use super::*;
use crate::domain::{Code, Severity};
use chrono::TimeZone;
use rust_decimal::Decimal;
use sqlx::{AssertSqlSafe, Connection, PgConnection};

fn d(code: Code, order: &str, status: Status) -> Discrepancy {
    Discrepancy {
        code,
        severity: Severity::Error,
        vendor: "huadian".into(),
        statement_no: "S1".into(),
        order_no: order.into(),
        doc_no: String::new(),
        ledger_amount: Some(Decimal::new(10000, 2)),
        vendor_amount: Some(Decimal::new(12050, 2)),
        currency: "CNY".into(),
        ledger_date: NaiveDate::from_ymd_opt(2026, 11, 1),
        vendor_date: None,
        status,
        first_seen_run: None,
        detail: format!("order {order}"),
    }
}

fn at(day: u32) -> DateTime<FixedOffset> {
    FixedOffset::east_opt(8 * 3600)
        .unwrap()
        .with_ymd_and_hms(2026, 11, day, 2, 30, 0)
        .unwrap()
}

fn start(run_id: &str, day: u32) -> RunStart {
    RunStart {
        run_id: run_id.into(),
        command: "run".into(),
        from: NaiveDate::from_ymd_opt(2026, 11, 1).unwrap(),
        to: NaiveDate::from_ymd_opt(2026, 11, 7).unwrap(),
        vendors: vec!["huadian".into(), "zcy".into()],
        started_at: at(day),
        archive_dir: Some(format!("archive/{run_id}")),
    }
}

fn all(_: &Discrepancy) -> bool {
    true
}
fn none(_: &Discrepancy) -> bool {
    false
}

fn statuses(rows: &[Discrepancy]) -> Vec<(String, Status, String)> {
    rows.iter()
        .map(|r| {
            (
                r.order_no.clone(),
                r.status,
                r.first_seen_run.clone().unwrap_or_default(),
            )
        })
        .collect()
}

fn s(order: &str, status: Status, first: &str) -> (String, Status, String) {
    (order.to_string(), status, first.to_string())
}

/// new → recurring → resolved across three runs, with amounts and detail of the
/// resolved row kept from its last sighting.
async fn new_recurring_resolved(store: &Store) {
    let r1 = store
        .apply_history("r1", vec![d(Code::AmountMismatch, "O1", Status::New)], &all)
        .await
        .unwrap();
    assert_eq!(statuses(&r1), vec![s("O1", Status::New, "r1")]);

    let mut again = d(Code::AmountMismatch, "O1", Status::New);
    again.vendor_amount = Some(Decimal::new(13000, 2));
    again.detail = "order O1, second look".into();
    let r2 = store.apply_history("r2", vec![again], &all).await.unwrap();
    assert_eq!(statuses(&r2), vec![s("O1", Status::Recurring, "r1")]);

    let r3 = store.apply_history("r3", vec![], &all).await.unwrap();
    assert_eq!(statuses(&r3), vec![s("O1", Status::Resolved, "r1")]);
    assert_eq!(r3[0].vendor_amount, Some(Decimal::new(13000, 2)));
    assert_eq!(r3[0].detail, "order O1, second look");

    // Reported once as resolved, then gone.
    let r4 = store.apply_history("r4", vec![], &all).await.unwrap();
    assert!(r4.is_empty());

    // Coming back after being resolved is a new discrepancy.
    let r5 = store
        .apply_history("r5", vec![d(Code::AmountMismatch, "O1", Status::New)], &all)
        .await
        .unwrap();
    assert_eq!(statuses(&r5), vec![s("O1", Status::New, "r5")]);
}

async fn explained_disappears(store: &Store) {
    // Covers only its own rows, so that it can share a database with other flows.
    let mine = |d: &Discrepancy| d.order_no.starts_with('E');
    store
        .apply_history(
            "e1",
            vec![d(Code::LineTotalMismatch, "E1", Status::New)],
            &mine,
        )
        .await
        .unwrap();
    let ids = store.discrepancy_ids("e1").await.unwrap();
    assert_eq!(ids.len(), 1);
    let id = ids[0].0;
    store
        .resolve(id, "vendor credit note 2026-11")
        .await
        .unwrap();

    let e2 = store
        .apply_history(
            "e2",
            vec![d(Code::LineTotalMismatch, "E1", Status::New)],
            &mine,
        )
        .await
        .unwrap();
    assert!(e2.is_empty(), "explained row came back: {e2:?}");
    let e3 = store.apply_history("e3", vec![], &mine).await.unwrap();
    assert!(e3.is_empty(), "explained row reported resolved: {e3:?}");
    // History kept: the first run still lists it.
    assert_eq!(store.discrepancy_ids("e1").await.unwrap().len(), 1);

    assert!(matches!(
        store.resolve(999_999, "x").await,
        Err(StoreError::NoSuchDiscrepancy(999_999))
    ));
}

async fn runs_listed_newest_first(store: &Store) {
    store.start_run(&start("run-a", 1)).await.unwrap();
    store.start_run(&start("run-b", 2)).await.unwrap();
    let counts: BTreeMap<String, i64> = [
        ("AMOUNT_MISMATCH".to_string(), 2),
        ("OUT_OF_PERIOD".to_string(), 1),
    ]
    .into();
    store
        .finish_run(
            "run-a",
            &RunFinish {
                status: "partial".into(),
                finished_at: at(1) + chrono::Duration::minutes(3),
                report_dir: Some("reports/run-a".into()),
                counts: counts.clone(),
                error: Some("zcy: timed out".into()),
            },
        )
        .await
        .unwrap();

    let runs = store.list_runs(10).await.unwrap();
    assert_eq!(
        runs.iter().map(|r| r.run_id.as_str()).collect::<Vec<_>>(),
        vec!["run-b", "run-a"]
    );
    let b = &runs[0];
    assert_eq!(b.status, "running");
    assert_eq!(b.finished_at, None);
    assert_eq!(b.total, 0);
    let a = &runs[1];
    assert_eq!(a.status, "partial");
    assert_eq!(a.vendors, vec!["huadian".to_string(), "zcy".to_string()]);
    assert_eq!(a.from, NaiveDate::from_ymd_opt(2026, 11, 1).unwrap());
    assert_eq!(a.to, NaiveDate::from_ymd_opt(2026, 11, 7).unwrap());
    assert_eq!(a.started_at, at(1));
    assert_eq!(a.started_at.offset().local_minus_utc(), 8 * 3600);
    assert_eq!(a.finished_at, Some(at(1) + chrono::Duration::minutes(3)));
    assert_eq!(a.report_dir.as_deref(), Some("reports/run-a"));
    assert_eq!(a.archive_dir.as_deref(), Some("archive/run-a"));
    assert_eq!(a.total, 3);
    assert_eq!(a.counts, counts);
    assert_eq!(a.error.as_deref(), Some("zcy: timed out"));

    assert_eq!(store.list_runs(1).await.unwrap().len(), 1);
    assert_eq!(store.list_runs(0).await.unwrap().len(), 2);
    assert!(matches!(
        store
            .finish_run(
                "nope",
                &RunFinish {
                    status: "ok".into(),
                    finished_at: at(3),
                    report_dir: None,
                    counts: BTreeMap::new(),
                    error: None,
                }
            )
            .await,
        Err(StoreError::NoSuchRun(_))
    ));
}

fn msg(id: &str, time: Option<&str>, status: i64) -> Message {
    Message {
        id: id.into(),
        time: time.map(|t| NaiveDateTime::parse_from_str(t, "%Y-%m-%d %H:%M:%S").unwrap()),
        body: MessageBody::InvoiceLogistics {
            bill_no: "B1".into(),
            bill_row_no: "1".into(),
            invoice_no: "INV1".into(),
            invoice_code: "C1".into(),
            status,
        },
    }
}

async fn messages_idempotent_and_ordered(store: &Store) {
    let first = vec![
        msg("10", Some("2026-11-02 09:00:00"), 1),
        msg("9", Some("2026-11-02 09:00:00"), 2),
        msg("3", Some("2026-11-01 08:00:00"), 1),
    ];
    store
        .record_messages("huadian", "r1", &first)
        .await
        .unwrap();
    // The same ids again (the feed repeats) plus one new: stored once, first kept.
    let second = vec![
        msg("10", Some("2026-11-02 09:00:00"), -1),
        msg("11", Some("2026-11-03 10:00:00"), -1),
        msg("1", None, 1),
    ];
    store
        .record_messages("huadian", "r2", &second)
        .await
        .unwrap();
    store
        .record_messages("zcy", "r2", &[msg("10", None, 0)])
        .await
        .unwrap();

    let got = store.messages("huadian").await.unwrap();
    let ids: Vec<&str> = got.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(ids, vec!["1", "3", "9", "10", "11"]);
    assert_eq!(got[3], first[0], "a repeated message keeps its first body");
    assert_eq!(store.messages("zcy").await.unwrap().len(), 1);
    assert!(store.messages("nobody").await.unwrap().is_empty());
}

fn pkg(order: &str, no: &str, state: i64) -> Package {
    Package {
        order_no: order.into(),
        package_no: no.into(),
        state: PackageState::from_code(state),
    }
}

async fn final_package_states(store: &Store) {
    store
        .record_packages(
            "huadian",
            &[
                pkg("A", "A-1", 2),
                pkg("A", "A-2", 1),
                pkg("B", "B-1", 2),
                pkg("B", "B-2", 0),
                pkg("C", "C-1", 0),
            ],
        )
        .await
        .unwrap();
    let fin = store.final_packages("huadian").await.unwrap();
    assert_eq!(fin.keys().collect::<Vec<_>>(), vec!["A"]);
    assert_eq!(fin["A"], vec![pkg("A", "A-1", 2), pkg("A", "A-2", 1)]);

    // B-2 is signed later: the upsert makes B final too.
    store
        .record_packages("huadian", &[pkg("B", "B-2", 2)])
        .await
        .unwrap();
    let fin = store.final_packages("huadian").await.unwrap();
    assert_eq!(fin.keys().collect::<Vec<_>>(), vec!["A", "B"]);
    assert_eq!(fin["B"], vec![pkg("B", "B-1", 2), pkg("B", "B-2", 2)]);
    assert!(store.final_packages("zcy").await.unwrap().is_empty());
}

async fn sqlite_store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("recon.db").display());
    let store = Store::open(&url).await.unwrap();
    (dir, store)
}

#[tokio::test]
async fn sqlite_new_then_recurring_then_resolved_across_runs() {
    let (_dir, store) = sqlite_store().await;
    new_recurring_resolved(&store).await;
}

#[tokio::test]
async fn sqlite_uncovered_open_row_stays_open_and_unreported() {
    let (_dir, store) = sqlite_store().await;
    store
        .apply_history("r1", vec![d(Code::AmountMismatch, "O1", Status::New)], &all)
        .await
        .unwrap();
    let r2 = store.apply_history("r2", vec![], &none).await.unwrap();
    assert!(r2.is_empty());
    // Still open: a later run that sees it again calls it recurring.
    let r3 = store
        .apply_history("r3", vec![d(Code::AmountMismatch, "O1", Status::New)], &all)
        .await
        .unwrap();
    assert_eq!(statuses(&r3), vec![s("O1", Status::Recurring, "r1")]);
}

#[tokio::test]
async fn sqlite_pending_stays_pending_and_closes_silently() {
    let (_dir, store) = sqlite_store().await;
    let p = || d(Code::MissingInLedger, "P1", Status::Pending);
    let r1 = store.apply_history("r1", vec![p()], &all).await.unwrap();
    assert_eq!(statuses(&r1), vec![s("P1", Status::Pending, "r1")]);
    let r2 = store.apply_history("r2", vec![p()], &all).await.unwrap();
    assert_eq!(statuses(&r2), vec![s("P1", Status::Pending, "r1")]);
    // The ledger booked it: never a discrepancy, so not reported as resolved.
    let r3 = store.apply_history("r3", vec![], &all).await.unwrap();
    assert!(r3.is_empty());

    // A pending row still missing outside the window is a new discrepancy.
    store.apply_history("r4", vec![p()], &all).await.unwrap();
    let r5 = store
        .apply_history(
            "r5",
            vec![d(Code::MissingInLedger, "P1", Status::New)],
            &all,
        )
        .await
        .unwrap();
    assert_eq!(statuses(&r5), vec![s("P1", Status::New, "r4")]);
    let r6 = store.apply_history("r6", vec![], &all).await.unwrap();
    assert_eq!(statuses(&r6), vec![s("P1", Status::Resolved, "r4")]);
}

#[tokio::test]
async fn sqlite_explained_discrepancy_leaves_reports_and_keeps_history() {
    let (_dir, store) = sqlite_store().await;
    explained_disappears(&store).await;
}

#[tokio::test]
async fn sqlite_reapplying_a_run_replaces_its_rows() {
    let (_dir, store) = sqlite_store().await;
    let found = vec![d(Code::AmountMismatch, "O1", Status::New)];
    store
        .apply_history("r1", found.clone(), &all)
        .await
        .unwrap();
    let again = store.apply_history("r1", found, &all).await.unwrap();
    assert_eq!(statuses(&again), vec![s("O1", Status::New, "r1")]);
    assert_eq!(store.discrepancy_ids("r1").await.unwrap().len(), 1);
}

#[tokio::test]
async fn sqlite_messages_are_idempotent_and_ordered_by_time_then_id() {
    let (_dir, store) = sqlite_store().await;
    messages_idempotent_and_ordered(&store).await;
}

#[tokio::test]
async fn sqlite_final_packages_only_for_orders_all_final() {
    let (_dir, store) = sqlite_store().await;
    final_package_states(&store).await;
}

#[tokio::test]
async fn sqlite_runs_are_listed_newest_first_with_counts() {
    let (_dir, store) = sqlite_store().await;
    runs_listed_newest_first(&store).await;
}

#[tokio::test]
async fn sqlite_file_is_created_in_wal_mode_and_reopens_migrated() {
    let (dir, store) = sqlite_store().await;
    store
        .apply_history("r1", vec![d(Code::AmountMismatch, "O1", Status::New)], &all)
        .await
        .unwrap();
    let Pool::Sqlite(pool) = &store.pool else {
        unreachable!()
    };
    let mode: String = sqlx::query("PRAGMA journal_mode")
        .fetch_one(pool)
        .await
        .unwrap()
        .get(0);
    assert_eq!(mode, "wal");
    store.close().await;
    let url = format!("sqlite://{}", dir.path().join("recon.db").display());
    let store = Store::open(&url).await.unwrap();
    let r2 = store
        .apply_history("r2", vec![d(Code::AmountMismatch, "O1", Status::New)], &all)
        .await
        .unwrap();
    assert_eq!(statuses(&r2), vec![s("O1", Status::Recurring, "r1")]);
}

#[tokio::test]
async fn unsupported_url_is_refused_without_showing_the_password() {
    let err = Store::open("mysql://u:hunter2@h/db").await.err().unwrap();
    assert!(matches!(err, StoreError::UnsupportedUrl(_)));
    assert!(!err.to_string().contains("hunter2"), "{err}");
    assert_eq!(
        redact_url("postgres://u:hunter2@h:5432/db?password=x"),
        "postgres://u@h:5432/db"
    );
}

/// A fresh PostgreSQL database for one test, dropped by [`PgDb::drop_db`].
struct PgDb {
    base: String,
    name: String,
    url: String,
}

impl PgDb {
    async fn create() -> PgDb {
        let base = std::env::var("RECON_TEST_PG_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
        let name = format!("recon_test_{}", uuid::Uuid::new_v4().simple());
        let mut admin = PgConnection::connect(&base)
            .await
            .expect("PostgreSQL test server (RECON_TEST_PG_URL; scripts/services.sh starts it)");
        sqlx::query(AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut admin)
            .await
            .unwrap();
        admin.close().await.unwrap();
        let (head, query) = match base.split_once('?') {
            Some((h, q)) => (h, format!("?{q}")),
            None => (base.as_str(), String::new()),
        };
        let prefix = head.rsplit_once('/').map(|(p, _)| p).unwrap_or(head);
        let url = format!("{prefix}/{name}{query}");
        PgDb { base, name, url }
    }

    async fn drop_db(self) {
        let mut admin = PgConnection::connect(&self.base).await.unwrap();
        sqlx::query(AssertSqlSafe(format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            self.name
        )))
        .execute(&mut admin)
        .await
        .unwrap();
    }
}

#[tokio::test]
async fn postgres_history_messages_packages_and_runs() {
    use futures::FutureExt;
    let db = PgDb::create().await;
    let url = db.url.clone();
    // The database is dropped even when an assertion fails.
    let outcome = std::panic::AssertUnwindSafe(postgres_flow(url))
        .catch_unwind()
        .await;
    db.drop_db().await;
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
}

async fn postgres_flow(url: String) {
    let store = Store::open(&url).await.unwrap();
    new_recurring_resolved(&store).await;
    explained_disappears(&store).await;
    messages_idempotent_and_ordered(&store).await;
    final_package_states(&store).await;
    runs_listed_newest_first(&store).await;

    // Opening again finds the schema migrated and the history kept.
    store.close().await;
    let store = Store::open(&url).await.unwrap();
    let r = store
        .apply_history(
            "r6",
            vec![d(Code::AmountMismatch, "O1", Status::New)],
            &none,
        )
        .await
        .unwrap();
    assert_eq!(statuses(&r), vec![s("O1", Status::Recurring, "r5")]);
    store.close().await;
}
