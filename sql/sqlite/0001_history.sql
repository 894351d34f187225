-- Run history, discrepancy history, huadian messages and package final states.
-- Money is TEXT (exact decimal strings); dates are TEXT `YYYY-MM-DD`; instants are
-- RFC 3339 TEXT (offset kept) with a millisecond column beside them for ordering.

CREATE TABLE runs (
    run_id      TEXT PRIMARY KEY NOT NULL,
    command     TEXT NOT NULL,
    range_from  TEXT NOT NULL,
    range_to    TEXT NOT NULL,
    vendors     TEXT NOT NULL,               -- JSON array of vendor keys
    status      TEXT NOT NULL DEFAULT 'running',
    started_at  TEXT NOT NULL,
    started_ms  BIGINT NOT NULL,
    finished_at TEXT,
    archive_dir TEXT,
    report_dir  TEXT,
    total       BIGINT NOT NULL DEFAULT 0,
    counts      TEXT NOT NULL DEFAULT '{}',  -- JSON object code -> count
    error       TEXT
);
CREATE INDEX runs_started ON runs (started_ms);

-- One row per discrepancy identity (vendor, code, statement_no, order_no, doc_no).
CREATE TABLE discrepancies (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    vendor         TEXT NOT NULL,
    code           TEXT NOT NULL,
    statement_no   TEXT NOT NULL,
    order_no       TEXT NOT NULL,
    doc_no         TEXT NOT NULL,
    first_seen_run TEXT NOT NULL,
    last_seen_run  TEXT NOT NULL,
    state          TEXT NOT NULL,            -- open | resolved | explained
    reported       BIGINT NOT NULL DEFAULT 0, -- 1 once reported as new/recurring (not only pending)
    closed_run     TEXT,
    note           TEXT,
    last_body      TEXT NOT NULL,            -- JSON of the last domain Discrepancy seen
    UNIQUE (vendor, code, statement_no, order_no, doc_no)
);
CREATE INDEX discrepancies_state ON discrepancies (state);

-- What each run reported (or saw) for each identity.
CREATE TABLE discrepancy_rows (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id         TEXT NOT NULL,
    discrepancy_id BIGINT NOT NULL REFERENCES discrepancies (id),
    status         TEXT NOT NULL,            -- new | recurring | pending | resolved | explained
    severity       TEXT NOT NULL,
    ledger_amount  TEXT,
    vendor_amount  TEXT,
    currency       TEXT NOT NULL,
    ledger_date    TEXT,
    vendor_date    TEXT,
    first_seen_run TEXT NOT NULL,
    detail         TEXT NOT NULL,
    body           TEXT NOT NULL             -- JSON of the domain Discrepancy as reported
);
CREATE INDEX discrepancy_rows_run ON discrepancy_rows (run_id);
CREATE INDEX discrepancy_rows_identity ON discrepancy_rows (discrepancy_id);

CREATE TABLE messages (
    vendor     TEXT NOT NULL,
    id         TEXT NOT NULL,
    msg_time   TEXT,                         -- local time, `YYYY-MM-DDTHH:MM:SS.fffffffff`
    kind       TEXT NOT NULL,
    first_run  TEXT NOT NULL,
    body       TEXT NOT NULL,                -- JSON of the domain Message
    PRIMARY KEY (vendor, id)
);

CREATE TABLE packages (
    vendor     TEXT NOT NULL,
    package_no TEXT NOT NULL,
    order_no   TEXT NOT NULL,
    state      BIGINT NOT NULL,              -- 0 shipped, 1 rejected, 2 signed (1, 2 final)
    PRIMARY KEY (vendor, package_no)
);
CREATE INDEX packages_order ON packages (vendor, order_no);
