//! The only module that speaks sqlx: run history, discrepancy history, messages,
//! package final states. Schema in `sql/` (embedded, so the binary works from any
//! folder); SQLite or PostgreSQL chosen by the URL's scheme.

mod status;
#[cfg(test)]
mod tests;

pub use status::{assign, HistoryRow, HistoryState, Plan, Seen};

use crate::domain::{Discrepancy, Message, MessageBody, Package, PackageState, Status};
use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime};
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions};
use sqlx::{Row, SqlSafeStr};
use std::collections::BTreeMap;
use std::str::FromStr;
use std::time::Duration;

pub type Result<T> = std::result::Result<T, StoreError>;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database URL `{0}` is not supported: use sqlite://FILE or postgres://USER@HOST/DB")]
    UnsupportedUrl(String),
    #[error("cannot open database {url}")]
    Connect {
        url: String,
        #[source]
        source: sqlx::Error,
    },
    #[error("cannot bring the schema of database {url} up to date")]
    Migrate {
        url: String,
        #[source]
        source: sqlx::migrate::MigrateError,
    },
    #[error("database error while {what}")]
    Query {
        what: &'static str,
        #[source]
        source: sqlx::Error,
    },
    #[error("stored {what} cannot be read: {detail}")]
    Corrupt { what: String, detail: String },
    #[error("no run `{0}` in the run history")]
    NoSuchRun(String),
    #[error("no discrepancy with id {0} in the history (see the report's discrepancy ids)")]
    NoSuchDiscrepancy(i64),
}

fn q(what: &'static str) -> impl FnOnce(sqlx::Error) -> StoreError {
    move |source| StoreError::Query { what, source }
}

fn corrupt(what: impl Into<String>, detail: impl ToString) -> StoreError {
    StoreError::Corrupt {
        what: what.into(),
        detail: detail.to_string(),
    }
}

/// A run as it starts.
#[derive(Debug, Clone, PartialEq)]
pub struct RunStart {
    pub run_id: String,
    pub command: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub vendors: Vec<String>,
    pub started_at: DateTime<FixedOffset>,
    pub archive_dir: Option<String>,
}

/// A run as it ends.
#[derive(Debug, Clone, PartialEq)]
pub struct RunFinish {
    /// `"ok"`, `"partial"` or `"failed"`.
    pub status: String,
    pub finished_at: DateTime<FixedOffset>,
    pub report_dir: Option<String>,
    /// Discrepancies by code (`Code::as_str`).
    pub counts: BTreeMap<String, i64>,
    pub error: Option<String>,
}

/// One line of `recon runs`.
#[derive(Debug, Clone, PartialEq)]
pub struct RunRow {
    pub run_id: String,
    pub command: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub vendors: Vec<String>,
    /// `"running"` until finished, then `"ok"`, `"partial"` or `"failed"`.
    pub status: String,
    pub started_at: DateTime<FixedOffset>,
    pub finished_at: Option<DateTime<FixedOffset>>,
    pub report_dir: Option<String>,
    pub archive_dir: Option<String>,
    /// Sum of `counts`.
    pub total: i64,
    pub counts: BTreeMap<String, i64>,
    pub error: Option<String>,
}

enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Runs the same body against whichever pool the store holds; the SQL is
/// written once, with `$n` placeholders, which both backends accept.
macro_rules! on_pool {
    ($self:expr, $p:ident => $body:expr) => {
        match &$self.pool {
            Pool::Sqlite($p) => $body,
            Pool::Postgres($p) => $body,
        }
    };
}

pub struct Store {
    pool: Pool,
}

fn migrator(sqls: &[(i64, &'static str, &'static str)]) -> Migrator {
    Migrator::with_migrations(
        sqls.iter()
            .map(|&(version, name, sql)| {
                Migration::new(
                    version,
                    name.into(),
                    MigrationType::Simple,
                    sql.into_sql_str(),
                    false,
                )
            })
            .collect(),
    )
}

const SQLITE_MIGRATIONS: &[(i64, &str, &str)] = &[(
    1,
    "history",
    include_str!("../../sql/sqlite/0001_history.sql"),
)];
const POSTGRES_MIGRATIONS: &[(i64, &str, &str)] = &[(
    1,
    "history",
    include_str!("../../sql/postgres/0001_history.sql"),
)];

/// The URL without its password or query, for messages.
pub fn redact_url(url: &str) -> String {
    let url = url.split('?').next().unwrap_or_default();
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let (authority, path) = match rest.find('/') {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    match authority.rsplit_once('@') {
        Some((user, host)) => {
            let user = user.split(':').next().unwrap_or_default();
            format!("{scheme}://{user}@{host}{path}")
        }
        None => format!("{scheme}://{authority}{path}"),
    }
}

const DATE: &str = "%Y-%m-%d";
/// Fixed width, so the text sorts as the time does.
const LOCAL_TIME: &str = "%Y-%m-%dT%H:%M:%S%.9f";

fn parse_date(what: &str, s: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(s, DATE).map_err(|e| corrupt(what, format!("{s:?}: {e}")))
}

fn parse_instant(what: &str, s: &str) -> Result<DateTime<FixedOffset>> {
    DateTime::parse_from_rfc3339(s).map_err(|e| corrupt(what, format!("{s:?}: {e}")))
}

fn to_json<T: serde::Serialize>(value: &T) -> String {
    // Domain types serialize infallibly (no non-string map keys, no custom errors).
    serde_json::to_string(value).expect("domain types serialize to JSON")
}

fn from_json<T: serde::de::DeserializeOwned>(what: &str, s: &str) -> Result<T> {
    serde_json::from_str(s).map_err(|e| corrupt(what, e))
}

fn message_kind(m: &Message) -> String {
    match &m.body {
        MessageBody::ReturnStatus { .. } => "303".into(),
        MessageBody::ApplyStatus { .. } => "304".into(),
        MessageBody::InvoiceLogistics { .. } => "702".into(),
        MessageBody::Other { kind } => kind.to_string(),
    }
}

/// Message ids are numbers in the feed; compare them as numbers where they are.
fn id_order(a: &str, b: &str) -> std::cmp::Ordering {
    match (a.parse::<u128>(), b.parse::<u128>()) {
        (Ok(x), Ok(y)) => x.cmp(&y),
        _ => a.cmp(b),
    }
}

struct RunRowText {
    run_id: String,
    command: String,
    range_from: String,
    range_to: String,
    vendors: String,
    status: String,
    started_at: String,
    finished_at: Option<String>,
    archive_dir: Option<String>,
    report_dir: Option<String>,
    total: i64,
    counts: String,
    error: Option<String>,
}

impl RunRowText {
    fn from_row<R: Row>(r: &R) -> std::result::Result<Self, sqlx::Error>
    where
        for<'a> &'a str: sqlx::ColumnIndex<R>,
        String: for<'a> sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
        i64: for<'a> sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    {
        Ok(Self {
            run_id: r.try_get("run_id")?,
            command: r.try_get("command")?,
            range_from: r.try_get("range_from")?,
            range_to: r.try_get("range_to")?,
            vendors: r.try_get("vendors")?,
            status: r.try_get("status")?,
            started_at: r.try_get("started_at")?,
            finished_at: r.try_get("finished_at")?,
            archive_dir: r.try_get("archive_dir")?,
            report_dir: r.try_get("report_dir")?,
            total: r.try_get("total")?,
            counts: r.try_get("counts")?,
            error: r.try_get("error")?,
        })
    }

    fn parse(self) -> Result<RunRow> {
        let what = |field: &str| format!("run `{}` field {field}", self.run_id);
        Ok(RunRow {
            from: parse_date(&what("range_from"), &self.range_from)?,
            to: parse_date(&what("range_to"), &self.range_to)?,
            vendors: from_json(&what("vendors"), &self.vendors)?,
            started_at: parse_instant(&what("started_at"), &self.started_at)?,
            finished_at: match &self.finished_at {
                Some(s) => Some(parse_instant(&what("finished_at"), s)?),
                None => None,
            },
            counts: from_json(&what("counts"), &self.counts)?,
            run_id: self.run_id,
            command: self.command,
            status: self.status,
            report_dir: self.report_dir,
            archive_dir: self.archive_dir,
            total: self.total,
            error: self.error,
        })
    }
}

const SELECT_RUNS: &str = "SELECT run_id, command, range_from, range_to, vendors, status, \
    started_at, finished_at, archive_dir, report_dir, total, counts, error \
    FROM runs ORDER BY started_ms DESC, run_id DESC LIMIT $1";

const UPSERT_IDENTITY: &str = "INSERT INTO discrepancies \
    (vendor, code, statement_no, order_no, doc_no, first_seen_run, last_seen_run, state, reported, last_body) \
    VALUES ($1, $2, $3, $4, $5, $6, $7, 'open', $8, $9) \
    ON CONFLICT (vendor, code, statement_no, order_no, doc_no) DO UPDATE SET \
    first_seen_run = excluded.first_seen_run, \
    last_seen_run = excluded.last_seen_run, \
    reported = CASE WHEN excluded.reported = 1 \
        OR (discrepancies.state = 'open' AND discrepancies.reported = 1) THEN 1 ELSE 0 END, \
    state = 'open', \
    closed_run = NULL, \
    last_body = excluded.last_body \
    RETURNING id";

const INSERT_RUN_ROW: &str = "INSERT INTO discrepancy_rows \
    (run_id, discrepancy_id, status, severity, ledger_amount, vendor_amount, currency, \
     ledger_date, vendor_date, first_seen_run, detail, body) \
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)";

/// The columns of one `discrepancy_rows` row, money as exact decimal text.
fn run_row_values(d: &Discrepancy, status: &str) -> [Option<String>; 10] {
    [
        Some(status.to_string()),
        Some(d.severity.as_str().to_string()),
        d.ledger_amount.map(|a| a.to_string()),
        d.vendor_amount.map(|a| a.to_string()),
        Some(d.currency.clone()),
        d.ledger_date.map(|x| x.format(DATE).to_string()),
        d.vendor_date.map(|x| x.format(DATE).to_string()),
        Some(d.first_seen_run.clone().unwrap_or_default()),
        Some(d.detail.clone()),
        Some(to_json(d)),
    ]
}

impl Store {
    /// Connects (creating a SQLite file if missing, in WAL mode) and brings the
    /// schema up to date.
    pub async fn open(url: &str) -> Result<Store> {
        let shown = redact_url(url);
        let pool = if url.starts_with("sqlite:") {
            let memory = url.contains(":memory:") || url.contains("mode=memory");
            let mut opts = SqliteConnectOptions::from_str(url)
                .map_err(|source| StoreError::Connect {
                    url: shown.clone(),
                    source,
                })?
                .create_if_missing(true)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(30));
            if !memory {
                opts = opts.journal_mode(SqliteJournalMode::Wal);
            }
            // An in-memory database lives in one connection.
            let max = if memory { 1 } else { 4 };
            let pool = SqlitePoolOptions::new()
                .max_connections(max)
                .connect_with(opts)
                .await
                .map_err(|source| StoreError::Connect {
                    url: shown.clone(),
                    source,
                })?;
            migrator(SQLITE_MIGRATIONS)
                .run(&pool)
                .await
                .map_err(|source| StoreError::Migrate {
                    url: shown.clone(),
                    source,
                })?;
            Pool::Sqlite(pool)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let pool = PgPoolOptions::new()
                .max_connections(5)
                .connect(url)
                .await
                .map_err(|source| StoreError::Connect {
                    url: shown.clone(),
                    source,
                })?;
            migrator(POSTGRES_MIGRATIONS)
                .run(&pool)
                .await
                .map_err(|source| StoreError::Migrate {
                    url: shown.clone(),
                    source,
                })?;
            Pool::Postgres(pool)
        } else {
            return Err(StoreError::UnsupportedUrl(shown));
        };
        Ok(Store { pool })
    }

    /// Closes the pool; pending writes are done by then.
    pub async fn close(&self) {
        on_pool!(self, p => p.close().await)
    }

    pub async fn start_run(&self, run: &RunStart) -> Result<()> {
        let vendors = to_json(&run.vendors);
        on_pool!(self, p => {
            sqlx::query(
                "INSERT INTO runs (run_id, command, range_from, range_to, vendors, status, \
                 started_at, started_ms, archive_dir) \
                 VALUES ($1, $2, $3, $4, $5, 'running', $6, $7, $8)",
            )
            .bind(&run.run_id)
            .bind(&run.command)
            .bind(run.from.format(DATE).to_string())
            .bind(run.to.format(DATE).to_string())
            .bind(&vendors)
            .bind(run.started_at.to_rfc3339())
            .bind(run.started_at.timestamp_millis())
            .bind(&run.archive_dir)
            .execute(p)
            .await
            .map_err(q("recording the start of a run"))?;
        });
        Ok(())
    }

    pub async fn finish_run(&self, run_id: &str, fin: &RunFinish) -> Result<()> {
        let total: i64 = fin.counts.values().sum();
        let counts = to_json(&fin.counts);
        let affected = on_pool!(self, p => {
            sqlx::query(
                "UPDATE runs SET status = $2, finished_at = $3, report_dir = $4, total = $5, \
                 counts = $6, error = $7 WHERE run_id = $1",
            )
            .bind(run_id)
            .bind(&fin.status)
            .bind(fin.finished_at.to_rfc3339())
            .bind(&fin.report_dir)
            .bind(total)
            .bind(&counts)
            .bind(&fin.error)
            .execute(p)
            .await
            .map_err(q("recording the end of a run"))?
            .rows_affected()
        });
        if affected == 0 {
            return Err(StoreError::NoSuchRun(run_id.to_string()));
        }
        Ok(())
    }

    /// The latest `limit` runs, newest first; `limit <= 0` lists them all.
    pub async fn list_runs(&self, limit: i64) -> Result<Vec<RunRow>> {
        // PostgreSQL refuses a negative LIMIT where SQLite reads it as "no limit".
        let limit = if limit <= 0 { i64::MAX } else { limit };
        let texts: Vec<RunRowText> = on_pool!(self, p => {
            sqlx::query(SELECT_RUNS)
                .bind(limit)
                .fetch_all(p)
                .await
                .map_err(q("listing runs"))?
                .iter()
                .map(RunRowText::from_row)
                .collect::<std::result::Result<_, _>>()
                .map_err(q("reading the run history"))?
        });
        texts.into_iter().map(RunRowText::parse).collect()
    }

    /// Open and explained identities, as [`assign`] needs them.
    async fn history(&self) -> Result<Vec<HistoryRow>> {
        type Raw = (i64, String, String, i64, String);
        let raw: Vec<Raw> = on_pool!(self, p => {
            sqlx::query(
                "SELECT id, first_seen_run, state, reported, last_body FROM discrepancies \
                 WHERE state IN ('open', 'explained') ORDER BY id",
            )
            .fetch_all(p)
            .await
            .map_err(q("loading the discrepancy history"))?
            .iter()
            .map(|r| {
                Ok((
                    r.try_get("id")?,
                    r.try_get("first_seen_run")?,
                    r.try_get("state")?,
                    r.try_get("reported")?,
                    r.try_get("last_body")?,
                ))
            })
            .collect::<std::result::Result<_, sqlx::Error>>()
            .map_err(q("reading the discrepancy history"))?
        });
        raw.into_iter()
            .map(|(id, first_seen_run, state, reported, body)| {
                let what = format!("discrepancy {id}");
                Ok(HistoryRow {
                    id,
                    first_seen_run,
                    state: if state == "explained" {
                        HistoryState::Explained
                    } else {
                        HistoryState::Open
                    },
                    reported: reported != 0,
                    last: from_json(&what, &body)?,
                })
            })
            .collect()
    }

    /// Status assignment against history, then persistence of this run's rows.
    pub async fn apply_history(
        &self,
        run_id: &str,
        found: Vec<Discrepancy>,
        covered: &dyn Fn(&Discrepancy) -> bool,
    ) -> Result<Vec<Discrepancy>> {
        let history = self.history().await?;
        let plan = assign(found, &history, run_id, covered);
        on_pool!(self, p => {
            let mut tx = p.begin().await.map_err(q("saving the discrepancy history"))?;
            // Re-applying a run replaces what it recorded before.
            sqlx::query("DELETE FROM discrepancy_rows WHERE run_id = $1")
                .bind(run_id)
                .execute(&mut *tx)
                .await
                .map_err(q("replacing a run's discrepancy rows"))?;
            for seen in &plan.seen {
                let d = &seen.row;
                let (id, status) = if seen.explained {
                    let id = seen.id.unwrap_or_default();
                    sqlx::query(
                        "UPDATE discrepancies SET last_seen_run = $2 WHERE id = $1",
                    )
                    .bind(id)
                    .bind(run_id)
                    .execute(&mut *tx)
                    .await
                    .map_err(q("updating an explained discrepancy"))?;
                    (id, "explained")
                } else {
                    let reported = i64::from(d.status != Status::Pending);
                    let id: i64 = sqlx::query(UPSERT_IDENTITY)
                        .bind(&d.vendor)
                        .bind(d.code.as_str())
                        .bind(&d.statement_no)
                        .bind(&d.order_no)
                        .bind(&d.doc_no)
                        .bind(d.first_seen_run.clone().unwrap_or_default())
                        .bind(run_id)
                        .bind(reported)
                        .bind(to_json(d))
                        .fetch_one(&mut *tx)
                        .await
                        .map_err(q("saving a discrepancy identity"))?
                        .try_get("id")
                        .map_err(q("saving a discrepancy identity"))?;
                    (id, d.status.as_str())
                };
                let mut insert = sqlx::query(INSERT_RUN_ROW).bind(run_id).bind(id);
                for v in run_row_values(d, status) {
                    insert = insert.bind(v);
                }
                insert
                    .execute(&mut *tx)
                    .await
                    .map_err(q("saving a discrepancy row"))?;
            }
            for (id, row) in &plan.closed {
                sqlx::query(
                    "UPDATE discrepancies SET state = 'resolved', closed_run = $2 \
                     WHERE id = $1 AND state = 'open'",
                )
                .bind(id)
                .bind(run_id)
                .execute(&mut *tx)
                .await
                .map_err(q("closing a resolved discrepancy"))?;
                if let Some(d) = row {
                    let mut insert = sqlx::query(INSERT_RUN_ROW).bind(run_id).bind(id);
                    for v in run_row_values(d, Status::Resolved.as_str()) {
                        insert = insert.bind(v);
                    }
                    insert
                        .execute(&mut *tx)
                        .await
                        .map_err(q("saving a resolved discrepancy row"))?;
                }
            }
            tx.commit().await.map_err(q("saving the discrepancy history"))?;
        });
        Ok(plan.report)
    }

    /// The history ids of a run's report rows, in the report's order, so that a
    /// user can name one to `recon resolve`.
    pub async fn discrepancy_ids(&self, run_id: &str) -> Result<Vec<(i64, Discrepancy)>> {
        let raw: Vec<(i64, String)> = on_pool!(self, p => {
            sqlx::query(
                "SELECT discrepancy_id, body FROM discrepancy_rows \
                 WHERE run_id = $1 AND status <> 'explained' ORDER BY id",
            )
            .bind(run_id)
            .fetch_all(p)
            .await
            .map_err(q("listing a run's discrepancies"))?
            .iter()
            .map(|r| Ok((r.try_get("discrepancy_id")?, r.try_get("body")?)))
            .collect::<std::result::Result<_, sqlx::Error>>()
            .map_err(q("reading a run's discrepancies"))?
        });
        raw.into_iter()
            .map(|(id, body)| Ok((id, from_json(&format!("discrepancy {id}"), &body)?)))
            .collect()
    }

    /// Stores messages of the feed; one already stored (same vendor and id) is kept
    /// as first stored.
    pub async fn record_messages(
        &self,
        vendor: &str,
        run_id: &str,
        messages: &[Message],
    ) -> Result<()> {
        on_pool!(self, p => {
            let mut tx = p.begin().await.map_err(q("saving messages"))?;
            for m in messages {
                sqlx::query(
                    "INSERT INTO messages (vendor, id, msg_time, kind, first_run, body) \
                     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (vendor, id) DO NOTHING",
                )
                .bind(vendor)
                .bind(&m.id)
                .bind(m.time.map(|t| t.format(LOCAL_TIME).to_string()))
                .bind(message_kind(m))
                .bind(run_id)
                .bind(to_json(m))
                .execute(&mut *tx)
                .await
                .map_err(q("saving a message"))?;
            }
            tx.commit().await.map_err(q("saving messages"))?;
        });
        Ok(())
    }

    /// Every stored message of `vendor`, ordered by time (untimed first, so a
    /// timed message is the later one) then id.
    pub async fn messages(&self, vendor: &str) -> Result<Vec<Message>> {
        let bodies: Vec<String> = on_pool!(self, p => {
            sqlx::query("SELECT body FROM messages WHERE vendor = $1")
                .bind(vendor)
                .fetch_all(p)
                .await
                .map_err(q("loading messages"))?
                .iter()
                .map(|r| r.try_get("body"))
                .collect::<std::result::Result<_, sqlx::Error>>()
                .map_err(q("reading messages"))?
        });
        let mut out: Vec<Message> = bodies
            .iter()
            .map(|b| from_json(&format!("{vendor} message"), b))
            .collect::<Result<_>>()?;
        out.sort_by(|a, b| {
            let t = |m: &Message| -> Option<NaiveDateTime> { m.time };
            t(a).cmp(&t(b)).then_with(|| id_order(&a.id, &b.id))
        });
        Ok(out)
    }

    /// Upserts packages by (vendor, package no): the latest answer wins.
    pub async fn record_packages(&self, vendor: &str, packages: &[Package]) -> Result<()> {
        on_pool!(self, p => {
            let mut tx = p.begin().await.map_err(q("saving packages"))?;
            for pk in packages {
                sqlx::query(
                    "INSERT INTO packages (vendor, package_no, order_no, state) \
                     VALUES ($1, $2, $3, $4) ON CONFLICT (vendor, package_no) DO UPDATE SET \
                     order_no = excluded.order_no, state = excluded.state",
                )
                .bind(vendor)
                .bind(&pk.package_no)
                .bind(&pk.order_no)
                .bind(pk.state.code())
                .execute(&mut *tx)
                .await
                .map_err(q("saving a package"))?;
            }
            tx.commit().await.map_err(q("saving packages"))?;
        });
        Ok(())
    }

    /// Order no → its stored packages, for the orders all of whose stored packages
    /// are in a final state (1 拒收 or 2 签收): those need not be queried again.
    pub async fn final_packages(&self, vendor: &str) -> Result<BTreeMap<String, Vec<Package>>> {
        let raw: Vec<(String, String, i64)> = on_pool!(self, p => {
            sqlx::query(
                "SELECT order_no, package_no, state FROM packages WHERE vendor = $1 \
                 ORDER BY order_no, package_no",
            )
            .bind(vendor)
            .fetch_all(p)
            .await
            .map_err(q("loading packages"))?
            .iter()
            .map(|r| Ok((r.try_get("order_no")?, r.try_get("package_no")?, r.try_get("state")?)))
            .collect::<std::result::Result<_, sqlx::Error>>()
            .map_err(q("reading packages"))?
        });
        let mut by_order: BTreeMap<String, Vec<Package>> = BTreeMap::new();
        for (order_no, package_no, state) in raw {
            by_order.entry(order_no.clone()).or_default().push(Package {
                order_no,
                package_no,
                state: PackageState::from_code(state),
            });
        }
        by_order.retain(|_, pks| pks.iter().all(|p| p.state.is_final()));
        Ok(by_order)
    }

    /// Marks a discrepancy explained: it stays out of later reports, its history
    /// (rows of earlier runs) is kept.
    pub async fn resolve(&self, discrepancy_id: i64, note: &str) -> Result<()> {
        let affected = on_pool!(self, p => {
            sqlx::query("UPDATE discrepancies SET state = 'explained', note = $2 WHERE id = $1")
                .bind(discrepancy_id)
                .bind(note)
                .execute(p)
                .await
                .map_err(q("marking a discrepancy explained"))?
                .rows_affected()
        });
        if affected == 0 {
            return Err(StoreError::NoSuchDiscrepancy(discrepancy_id));
        }
        Ok(())
    }
}
