#!/usr/bin/env python3
"""The six huadian checks of the benchmark workload in DuckDB, for scripts/bench.sh.

    bench_duckdb.py ARCHIVE LEDGER OUT_CSV [--to 2026-12-31] [--pending-days 3]
                    [--reader text|json] [--threads 2]

Reads ARCHIVE/huadian/statement/*.json (the API's bodies, as `recon sandbox
--generate` writes them) with DuckDB itself and LEDGER (SPEC section 4 columns),
money as DECIMAL(18,2), and writes OUT_CSV: code,severity,status,statement_no,
order_no for MISSING_IN_LEDGER, MISSING_IN_VENDOR, AMOUNT_MISMATCH,
DUPLICATE_BILLING, STATEMENT_TOTAL_MISMATCH and LINE_TOTAL_MISMATCH, with the
semantics of src/reconcile/huadian.rs (SPEC section 6):

- the occurrences of one orderCode are ordered by billEndDate, statementNo, then
  the line itself; the first (primary) one is compared with the ledger, and
  DUPLICATE_BILLING names the last statement;
- STATEMENT_TOTAL_MISMATCH: totalAmount <> sum(orderAmount - returnAmount) over
  every line of the statement (duplicates included);
- LINE_TOTAL_MISMATCH: round(price * num, 2) <> totalPrice for an item, or the
  items' sum of totalPrice <> orderAmount; one row per (statement, order);
- MISSING_IN_LEDGER: a primary line without a ledger `order` row of its
  orderCode (info/pending when orderEndTime's date is in the last
  pending-days of the range);
- MISSING_IN_VENDOR: a ledger `order` row naming a statement read here that has
  no line of its doc_no;
- AMOUNT_MISMATCH: a ledger `order` row's amount <> its primary line's orderAmount.

Tolerance is 0.00. Answers of "no such statement" (5004) are not handled: the
generated archive has none.

Reading: `read_text` + `json_transform` with the exact structure needed (the
default, `--reader text`) was the fastest way found; `read_json` with explicit
`columns` (`--reader json`) reads the same and is kept for comparison; see
docs/PERFORMANCE.md for the figures. `read_json` with auto-detection was slower
still and infers DOUBLE for the amounts.
"""

import argparse
import os
import sys
import time

import duckdb

ITEM = "STRUCT(price DECIMAL(18,2), num INTEGER, totalPrice DECIMAL(18,2))"
LINE = (
    "STRUCT(orderCode VARCHAR, orderAmount DECIMAL(18,2), returnAmount DECIMAL(18,2), "
    f"orderEndTime VARCHAR, statementOrderItems {ITEM}[])"
)
EXTEND = "STRUCT(columnKey VARCHAR, columnValue VARCHAR)"
STATEMENT = (
    "STRUCT(statementNo VARCHAR, totalAmount DECIMAL(18,2), "
    f"statementDetails {LINE}[], statementExtends {EXTEND}[])"
)

# The same structure as json_transform wants it.
STRUCTURE = (
    '{"result":[{"statementNo":"VARCHAR","totalAmount":"DECIMAL(18,2)",'
    '"statementDetails":[{"orderCode":"VARCHAR","orderAmount":"DECIMAL(18,2)",'
    '"returnAmount":"DECIMAL(18,2)","orderEndTime":"VARCHAR",'
    '"statementOrderItems":[{"price":"DECIMAL(18,2)","num":"INTEGER",'
    '"totalPrice":"DECIMAL(18,2)"}]}],'
    '"statementExtends":[{"columnKey":"VARCHAR","columnValue":"VARCHAR"}]}]}'
)


def sql_str(s):
    return "'" + s.replace("'", "''") + "'"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("archive")
    ap.add_argument("ledger")
    ap.add_argument("out")
    ap.add_argument("--to", default="2026-12-31", help="last day of the run's range")
    ap.add_argument("--pending-days", type=int, default=3)
    ap.add_argument("--reader", choices=["text", "json"], default="text")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--verbose", action="store_true", help="time each step on stderr")
    a = ap.parse_args()

    glob = os.path.join(a.archive, "huadian", "statement", "*.json")
    con = duckdb.connect()
    con.execute(f"PRAGMA threads={a.threads}")
    con.execute("SET preserve_insertion_order = false")
    t0 = time.perf_counter()

    def step(name, sql):
        con.execute(sql)
        if a.verbose:
            print(f"{name}: {time.perf_counter() - t0:.2f}s", file=sys.stderr)

    if a.reader == "text":
        bodies = (
            f"SELECT json_transform(content, {sql_str(STRUCTURE)}).result AS result "
            f"FROM read_text({sql_str(glob)})"
        )
    else:
        bodies = (
            f"SELECT result FROM read_json({sql_str(glob)}, format = 'auto', "
            f"records = true, maximum_object_size = 1073741824, "
            f"columns = {{result: {sql_str(STATEMENT + '[]')}}})"
        )

    # One row per statement, its lines kept as a list.
    step(
        "statements",
        f"""
        CREATE TEMP TABLE st AS
        SELECT s.statementNo AS stmt, s.totalAmount AS total,
               list_filter(s.statementExtends, lambda e: e.columnKey = 'billEndDate')[1]
                   .columnValue::DATE AS bill_end,
               s.statementDetails AS details
        FROM (SELECT unnest(result) AS s FROM ({bodies}))
        """,
    )
    # One row per statement line.
    step(
        "lines",
        """
        CREATE TEMP TABLE ln AS
        SELECT stmt, bill_end, pos, d.orderCode AS order_no, d.orderAmount AS order_amount,
               coalesce(d.returnAmount, 0::DECIMAL(18,2)) AS return_amount,
               d.orderEndTime AS ended, d.statementOrderItems AS items
        FROM (SELECT stmt, bill_end, unnest(details) AS d,
                     generate_subscripts(details, 1) AS pos
              FROM st)
        """,
    )
    step(
        "order",
        """
        CREATE TEMP TABLE billed AS
        SELECT stmt, order_no, order_amount, ended,
               row_number() OVER w AS k, count(*) OVER (PARTITION BY order_no) AS n
        FROM ln
        WINDOW w AS (PARTITION BY order_no
                     ORDER BY bill_end NULLS FIRST, stmt, order_amount, return_amount, ended, pos)
        """,
    )
    step(
        "ledger",
        f"""
        CREATE TEMP TABLE lg AS
        SELECT statement_no AS stmt, doc_no, amount
        FROM read_csv({sql_str(a.ledger)}, header = true, auto_detect = false,
             columns = {{entry_id: 'VARCHAR', vendor: 'VARCHAR', kind: 'VARCHAR',
                        doc_no: 'VARCHAR', statement_no: 'VARCHAR', line_no: 'VARCHAR',
                        amount: 'DECIMAL(18,2)', currency: 'VARCHAR', booked_on: 'VARCHAR',
                        status: 'VARCHAR', invoice_no: 'VARCHAR', invoice_code: 'VARCHAR',
                        express_company: 'VARCHAR', express_no: 'VARCHAR', ref_no: 'VARCHAR',
                        memo: 'VARCHAR'}})
        WHERE lower(trim(vendor)) = 'huadian' AND kind = 'order'
        """,
    )
    to = sql_str(a.to)
    step(
        "checks",
        f"""
        CREATE TEMP TABLE found AS
        WITH primary_lines AS (SELECT * FROM billed WHERE k = 1)
        SELECT 'DUPLICATE_BILLING' AS code, 'error' AS severity, 'new' AS status,
               arg_max(stmt, k) AS statement_no, order_no
        FROM billed WHERE n > 1 GROUP BY order_no
        UNION ALL
        SELECT 'STATEMENT_TOTAL_MISMATCH', 'error', 'new', st.stmt, ''
        FROM st LEFT JOIN (SELECT stmt, sum(order_amount - return_amount) AS net
                           FROM ln GROUP BY stmt) s USING (stmt)
        WHERE st.total <> coalesce(s.net, 0)
        UNION ALL
        SELECT DISTINCT 'LINE_TOTAL_MISMATCH', 'error', 'new', stmt, order_no
        FROM ln
        WHERE len(items) > 0 AND (
              list_sum([i.totalPrice for i in items]) <> order_amount
           OR len(list_filter(items, lambda i: round(i.price * i.num, 2) <> i.totalPrice)) > 0)
        UNION ALL
        SELECT 'MISSING_IN_LEDGER',
               CASE WHEN pending THEN 'info' ELSE 'error' END,
               CASE WHEN pending THEN 'pending' ELSE 'new' END, stmt, order_no
        FROM (SELECT p.stmt, p.order_no,
                     coalesce(left(p.ended, 10)::DATE > {to}::DATE - {a.pending_days}
                              AND left(p.ended, 10)::DATE <= {to}::DATE, false) AS pending
              FROM primary_lines p ANTI JOIN lg ON lg.doc_no = p.order_no)
        UNION ALL
        SELECT 'MISSING_IN_VENDOR', 'error', 'new', lg.stmt, lg.doc_no
        FROM lg SEMI JOIN st ON lg.stmt = st.stmt
        WHERE NOT EXISTS (SELECT 1 FROM ln WHERE ln.stmt = lg.stmt AND ln.order_no = lg.doc_no)
        UNION ALL
        SELECT DISTINCT 'AMOUNT_MISMATCH', 'error', 'new', p.stmt, p.order_no
        FROM primary_lines p JOIN lg ON lg.doc_no = p.order_no
        WHERE lg.amount <> p.order_amount
        """,
    )
    step(
        "write",
        f"""
        COPY (SELECT DISTINCT code, severity, status, statement_no, order_no FROM found
              ORDER BY ALL)
        TO {sql_str(a.out)} (HEADER, DELIMITER ',')
        """,
    )
    n = con.execute("SELECT count(DISTINCT (code, statement_no, order_no)) FROM found").fetchone()[0]
    print(f"duckdb {duckdb.__version__} ({a.reader} reader): {n} discrepancies", file=sys.stderr)


if __name__ == "__main__":
    main()
