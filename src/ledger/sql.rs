//! SQL ledgers (SQLite, PostgreSQL, MySQL/MariaDB): every column read as text,
//! whatever its SQL type, then the shared row normalizer.

use super::row::{push_row, Cell, CellError, ColumnMap, Origins};
use crate::domain::Ledger;
use crate::settings::LedgerSettings;
use anyhow::{bail, Context};
use chrono::{NaiveDate, NaiveDateTime};
use rust_decimal::Decimal;
use sqlx::mysql::{MySqlConnection, MySqlRow};
use sqlx::postgres::{PgConnection, PgRow};
use sqlx::sqlite::{SqliteConnection, SqliteRow};
use sqlx::{
    AssertSqlSafe, Column, ColumnIndex, Connection, Database, Decode, Executor, IntoArguments, Row,
    SqlSafeStr, Statement, Type, TypeInfo, ValueRef,
};

/// Label of SQL rows in entries and input errors.
const SOURCE: &str = "sql";

/// Runs `query` and reads its rows as ledger entries. The driver follows the URL
/// scheme (`sqlite:`, `postgres:`/`postgresql:`, `mysql:`/`mariadb:`). Row *n*
/// (1-based) gets `line` n + 1, as if a header line preceded it. Errors show the URL
/// with its password masked.
pub async fn read_sql(url: &str, query: &str, settings: &LedgerSettings) -> anyhow::Result<Ledger> {
    let shown = redact_url(url);
    let scheme = url.split(':').next().unwrap_or("").to_ascii_lowercase();
    let (headers, rows) = match scheme.as_str() {
        "sqlite" => fetch::<SqliteConnection>(url, query, sqlite_cell).await,
        "postgres" | "postgresql" => fetch::<PgConnection>(url, query, pg_cell).await,
        "mysql" => fetch::<MySqlConnection>(url, query, mysql_cell).await,
        // sqlx only knows the `mysql:` scheme; MariaDB speaks the same protocol.
        "mariadb" => {
            let url = format!("mysql{}", &url["mariadb".len()..]);
            fetch::<MySqlConnection>(&url, query, mysql_cell).await
        }
        _ => bail!(
            "ledger.url {shown}: unsupported scheme (use sqlite:, postgres:, mysql: or mariadb:)"
        ),
    }
    .with_context(|| format!("ledger query against {shown}"))?;
    let source = format!("{SOURCE} ({shown})");
    let map = ColumnMap::resolve(&headers, settings, &source)?;
    let mut ledger = Ledger::default();
    let mut origins = Origins::new(SOURCE);
    for (i, cells) in rows.iter().enumerate() {
        push_row(&mut ledger, cells, &map, &mut origins, i as u64 + 2);
    }
    Ok(ledger)
}

/// Column names (from the prepared statement, so they are known even with no rows)
/// and every row as text cells. One connection is enough for one query.
async fn fetch<C>(
    url: &str,
    query: &str,
    cell: fn(&<C::Database as Database>::Row, usize) -> Cell,
) -> anyhow::Result<(Vec<String>, Vec<Vec<Cell>>)>
where
    C: Connection,
    for<'c> &'c mut C: Executor<'c, Database = C::Database>,
    <C::Database as Database>::Arguments: IntoArguments<C::Database>,
{
    let mut conn = C::connect(url)
        .await
        .context("cannot connect to the ledger database")?;
    // The query is the operator's own configuration, not user input.
    let sql = AssertSqlSafe(query.to_string()).into_sql_str();
    let stmt = conn
        .prepare(sql)
        .await
        .context("cannot prepare the query")?;
    let headers: Vec<String> = stmt
        .columns()
        .iter()
        .map(|c| c.name().to_string())
        .collect();
    let rows = stmt
        .query()
        .fetch_all(&mut conn)
        .await
        .context("the query failed")?;
    let table = rows
        .iter()
        .map(|row| (0..row.len()).map(|i| cell(row, i)).collect())
        .collect();
    drop(stmt);
    let _ = conn.close().await;
    Ok((headers, table))
}

/// Decodes column `i` as `T` if its SQL type is one `T` reads.
fn as_text<'r, R, T>(row: &'r R, i: usize, show: impl FnOnce(T) -> String) -> Option<String>
where
    R: Row,
    usize: ColumnIndex<R>,
    T: Decode<'r, R::Database> + Type<R::Database>,
{
    row.try_get::<T, usize>(i).ok().map(show)
}

fn is_null<R: Row>(row: &R, i: usize) -> bool
where
    usize: ColumnIndex<R>,
{
    row.try_get_raw(i).is_ok_and(|v| v.is_null())
}

fn unsupported<R: Row>(row: &R, i: usize) -> Cell
where
    usize: ColumnIndex<R>,
{
    let ty = row.column(i).type_info().name().to_string();
    Err(CellError {
        value: format!("<{ty}>"),
        error: format!("cannot read SQL type {ty} as text; cast it in the query"),
    })
}

fn date(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

fn datetime(t: NaiveDateTime) -> String {
    t.format("%Y-%m-%d %H:%M:%S").to_string()
}

/// A DOUBLE/REAL value is already binary; its shortest round-trip text is the value
/// that was stored (`1234.5`), and a residue (`0.30000000000000004`) stays visible
/// for the normalizer to refuse. NUMERIC/DECIMAL never come this way.
fn float(f: f64) -> String {
    format!("{f}")
}

/// SQLite types each *value*, not the column: a `NUMERIC` column stores `1234.50` as
/// a REAL (so SQLite amounts are doubles by nature, read as `float`) and a `DATE`
/// column stores TEXT.
fn sqlite_cell(row: &SqliteRow, i: usize) -> Cell {
    if is_null(row, i) {
        return Ok(String::new());
    }
    as_text(row, i, |s: String| s)
        .or_else(|| as_text(row, i, |n: i64| n.to_string()))
        .or_else(|| as_text(row, i, float))
        .or_else(|| {
            as_text(row, i, |b: Vec<u8>| {
                String::from_utf8_lossy(&b).into_owned()
            })
        })
        .map_or_else(|| unsupported(row, i), Ok)
}

fn pg_cell(row: &PgRow, i: usize) -> Cell {
    if is_null(row, i) {
        return Ok(String::new());
    }
    as_text(row, i, |s: String| s)
        // Decimal's text keeps the column's scale (`1234.50`) and every digit.
        .or_else(|| as_text(row, i, |d: Decimal| d.to_string()))
        .or_else(|| as_text(row, i, |n: i64| n.to_string()))
        .or_else(|| as_text(row, i, |n: i32| n.to_string()))
        .or_else(|| as_text(row, i, |n: i16| n.to_string()))
        .or_else(|| as_text(row, i, date))
        .or_else(|| as_text(row, i, datetime))
        .or_else(|| as_text(row, i, float))
        .or_else(|| as_text(row, i, |f: f32| format!("{f}")))
        .or_else(|| as_text(row, i, |b: bool| b.to_string()))
        .map_or_else(|| unsupported(row, i), Ok)
}

fn mysql_cell(row: &MySqlRow, i: usize) -> Cell {
    if is_null(row, i) {
        return Ok(String::new());
    }
    as_text(row, i, |s: String| s)
        .or_else(|| as_text(row, i, |d: Decimal| d.to_string()))
        .or_else(|| as_text(row, i, |n: i64| n.to_string()))
        .or_else(|| as_text(row, i, |n: u64| n.to_string()))
        .or_else(|| as_text(row, i, date))
        .or_else(|| as_text(row, i, datetime))
        .or_else(|| as_text(row, i, float))
        .or_else(|| as_text(row, i, |f: f32| format!("{f}")))
        .or_else(|| {
            as_text(row, i, |b: Vec<u8>| {
                String::from_utf8_lossy(&b).into_owned()
            })
        })
        .map_or_else(|| unsupported(row, i), Ok)
}

/// The URL with any password replaced by `***`, fit for messages.
pub(crate) fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => {
            let user = userinfo.split(':').next().unwrap_or("");
            let masked = if userinfo.contains(':') {
                format!("{user}:***")
            } else {
                user.to_string()
            };
            // A password given as a query parameter is masked too.
            let tail = mask_password_param(tail);
            format!("{scheme}://{masked}@{host}{tail}")
        }
        None => format!("{scheme}://{authority}{}", mask_password_param(tail)),
    }
}

fn mask_password_param(tail: &str) -> String {
    let Some((path, query)) = tail.split_once('?') else {
        return tail.to_string();
    };
    let params: Vec<String> = query
        .split('&')
        .map(|p| match p.split_once('=') {
            Some((k, _)) if k.eq_ignore_ascii_case("password") => format!("{k}=***"),
            _ => p.to_string(),
        })
        .collect();
    format!("{path}?{}", params.join("&"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{EntryKind, InputError};
    use std::str::FromStr;

    fn dec(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    const QUERY: &str = "select entry_id, vendor, kind, doc_no, statement_no, line_no, \
                         amount, booked_on, memo from {t} order by entry_id";

    /// The rows every backend gets: two good (one refund booked negative, a 19-digit
    /// statement number that a double would round), one bad (kind).
    fn inserts(t: &str) -> Vec<String> {
        vec![
            format!(
                "insert into {t} values ('V1','Huadian','order','D1','1234567890123456789',1,1234.50,'2024-05-01','办公用品')"
            ),
            format!(
                "insert into {t} values ('V2','huadian','refund','D1',null,2,-20.00,'2024-05-02',null)"
            ),
            format!(
                "insert into {t} values ('V3','huadian','rebate','D3',null,null,10.00,'2024-05-03',null)"
            ),
        ]
    }

    fn check(l: &Ledger) {
        let ok: Vec<_> = l
            .entries
            .iter()
            .map(|e| {
                (
                    e.entry_id.as_str(),
                    e.vendor(),
                    e.kind(),
                    e.statement_no(),
                    e.line_no(),
                    e.amount(),
                    e.booked_on.to_string(),
                    e.memo(),
                    e.source(),
                    e.line,
                )
            })
            .collect();
        assert_eq!(
            ok,
            vec![
                (
                    "V1",
                    "huadian",
                    EntryKind::Order,
                    Some("1234567890123456789"),
                    Some("1"),
                    dec("1234.50"),
                    "2024-05-01".to_string(),
                    Some("办公用品"),
                    "sql",
                    2
                ),
                (
                    "V2",
                    "huadian",
                    EntryKind::Refund,
                    None,
                    Some("2"),
                    dec("20.00"),
                    "2024-05-02".to_string(),
                    None,
                    "sql",
                    3
                ),
            ]
        );
        assert_eq!(
            l.errors,
            vec![InputError {
                source: "sql".into(),
                line: Some(4),
                entry_id: "V3".into(),
                field: "kind".into(),
                value: "rebate".into(),
                error: "not one of order, refund, invoice, payment".into(),
            }]
        );
    }

    fn table_name() -> String {
        format!("recon_ledger_test_{}", uuid::Uuid::new_v4().simple())
    }

    async fn exec<C>(conn: &mut C, sql: String)
    where
        C: Connection,
        for<'c> &'c mut C: Executor<'c, Database = C::Database>,
    {
        sqlx::raw_sql(AssertSqlSafe(sql.clone()))
            .execute(&mut *conn)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
    }

    /// Creates the table, reads it through `read_sql` at `url` and at each of
    /// `more_urls`, drops it, then checks every read.
    async fn round_trip<C>(url: &str, create: &str, more_urls: &[String])
    where
        C: Connection,
        for<'c> &'c mut C: Executor<'c, Database = C::Database>,
    {
        let t = table_name();
        let mut conn = C::connect(url).await.unwrap_or_else(|e| {
            panic!(
                "cannot reach test database {} ({e}); start it or override the URL",
                redact_url(url)
            )
        });
        exec(&mut conn, create.replace("{t}", &t)).await;
        for sql in inserts(&t) {
            exec(&mut conn, sql).await;
        }
        let query = QUERY.replace("{t}", &t);
        let mut reads = Vec::new();
        for read_url in [url]
            .into_iter()
            .chain(more_urls.iter().map(String::as_str))
        {
            reads.push(read_sql(read_url, &query, &LedgerSettings::default()).await);
        }
        exec(&mut conn, format!("drop table {t}")).await;
        for read in reads {
            check(&read.unwrap());
        }
    }

    const CREATE: &str = "create table {t} (entry_id varchar(40) not null, vendor varchar(20), \
         kind varchar(10), doc_no varchar(40), statement_no bigint, line_no integer, \
         amount decimal(18,2), booked_on date, memo varchar(200))";

    #[tokio::test]
    async fn sqlite_rows_read_as_ledger_entries() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("erp.db").display());
        round_trip::<SqliteConnection>(&url, &CREATE.replace("decimal(18,2)", "numeric"), &[])
            .await;
    }

    #[tokio::test]
    async fn postgres_numeric_and_date_columns_read_exactly() {
        let url = std::env::var("RECON_TEST_PG_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
        round_trip::<PgConnection>(&url, &CREATE.replace("decimal(18,2)", "numeric(18,2)"), &[])
            .await;
    }

    #[tokio::test]
    async fn mysql_decimal_and_date_columns_read_exactly() {
        let url = std::env::var("RECON_TEST_MYSQL_URL")
            .unwrap_or_else(|_| "mysql://root@127.0.0.1:3306/test".into());
        // The same server read through the `mariadb:` scheme too.
        let mariadb: Vec<String> = url
            .strip_prefix("mysql:")
            .map(|rest| format!("mariadb:{rest}"))
            .into_iter()
            .collect();
        let create = format!("{CREATE} default charset=utf8mb4");
        round_trip::<MySqlConnection>(&url, &create, &mariadb).await;
    }

    #[tokio::test]
    async fn a_query_without_a_required_column_is_a_clear_error() {
        let err = read_sql(
            "sqlite::memory:",
            "select 'V1' as entry_id, 'huadian' as vendor",
            &LedgerSettings::default(),
        )
        .await
        .unwrap_err();
        let msg = format!("{err:#}");
        assert!(
            msg.contains("`kind`") && msg.contains("\"vendor\""),
            "{msg}"
        );
    }

    #[tokio::test]
    async fn connection_errors_never_show_the_password() {
        let err = read_sql(
            "postgres://erp:s3cret@127.0.0.1:1/erp",
            "select 1",
            &LedgerSettings::default(),
        )
        .await
        .unwrap_err();
        let msg = format!("{err:#}");
        assert!(!msg.contains("s3cret"), "{msg}");
        assert!(msg.contains("erp:***@127.0.0.1:1"), "{msg}");
    }

    #[test]
    fn redaction_masks_userinfo_and_query_passwords() {
        assert_eq!(
            redact_url("mysql://u:p@h:3306/db?password=x&ssl-mode=off"),
            "mysql://u:***@h:3306/db?password=***&ssl-mode=off"
        );
        assert_eq!(redact_url("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(redact_url("sqlite://ledger.db"), "sqlite://ledger.db");
    }
}
