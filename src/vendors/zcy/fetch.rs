//! The zcy fetch plan: QuerySupplierStatements for 已匹配 over the run's range
//! (match time) and 未支付 from `unpaid_lookback_days` before it (creation
//! time), every page from 0 until `total`, each body archived before parsing.

use super::client::Client;
use super::normalize;
use super::{EP_STATEMENTS, KEY, SERVICE_STATEMENTS};
use crate::archive::ArchiveWriter;
use crate::domain::{InputError, VendorDocs, ZcyData, ZcyStatement};
use crate::vendors::body;
use crate::vendors::http::Outcome;
use crate::vendors::{FetchRequest, Fetched};
use chrono::{Duration, NaiveDate};
use chrono_tz::Tz;
use std::collections::BTreeMap;
use std::sync::atomic::Ordering;

pub const PAGE_SIZE: u64 = 100;

/// The two status queries: (archive key prefix, status, start day, end day).
pub fn plan(
    req: &FetchRequest,
    lookback_days: i64,
) -> [(&'static str, &'static str, NaiveDate, NaiveDate); 2] {
    [
        ("matched", "已匹配", req.from, req.to),
        (
            "unpaid",
            "未支付",
            req.from - Duration::days(lookback_days),
            req.to,
        ),
    ]
}

pub fn query_json(status: &str, from: NaiveDate, to: NaiveDate, page: u64) -> String {
    serde_json::json!({
        "data": {
            "pageNo": page,
            "pageSize": PAGE_SIZE,
            "startAt": format!("{} 00:00:00", from.format("%Y-%m-%d")),
            "endAt": format!("{} 23:59:59", to.format("%Y-%m-%d")),
            "status": status,
        }
    })
    .to_string()
}

/// Statements seen, one per number; a 已匹配 form wins over a 未支付 one.
#[derive(Default)]
pub(super) struct Collected {
    by_no: BTreeMap<String, ZcyStatement>,
}

impl Collected {
    pub(super) fn add(&mut self, list: Vec<ZcyStatement>) {
        for s in list {
            if self
                .by_no
                .get(&s.statement_no)
                .is_none_or(|old| s.status.replaces(&old.status))
            {
                self.by_no.insert(s.statement_no.clone(), s);
            }
        }
    }
    pub(super) fn into_vec(self) -> Vec<ZcyStatement> {
        self.by_no.into_values().collect()
    }
}

/// Parses one archived page; `None` (and an input error) when unreadable.
pub(super) fn absorb_page(
    out: &mut Collected,
    errors: &mut Vec<InputError>,
    key: &str,
    rel: &str,
    body: &[u8],
    tz: Tz,
) -> Option<u64> {
    match normalize::page(body, tz, rel) {
        Ok((total, list)) => {
            out.add(list);
            Some(total)
        }
        Err(e) => {
            errors.push(e.input_error(rel, key));
            None
        }
    }
}

pub(super) async fn run(
    c: &Client,
    req: &FetchRequest,
    archive: &ArchiveWriter,
    lookback_days: i64,
) -> Fetched {
    let tz = req.tz;
    let mut collected = Collected::default();
    let mut errors = Vec::new();
    let mut failures: Vec<String> = Vec::new();
    let mut fatal: Option<String> = None;
    let mut documents = 0u64;
    let mut complete = [true, true];

    for (qi, (prefix, status, from, to)) in plan(req, lookback_days).into_iter().enumerate() {
        let mut page = 0u64;
        loop {
            if fatal.is_some() {
                complete[qi] = false;
                break;
            }
            let data = query_json(status, from, to, page);
            let key = format!("{prefix}-{page:04}");
            let request = format!("POST /open/{SERVICE_STATEMENTS} _data_={data}");
            let outcome = c.call(SERVICE_STATEMENTS, &data).await;
            req.progress.inc(EP_STATEMENTS);
            let now = chrono::Utc::now().fixed_offset();
            match outcome {
                Outcome::Answered { status: http, body } => {
                    let rel =
                        match archive.save(KEY, EP_STATEMENTS, &key, &request, http, now, &body) {
                            Ok(rel) => rel,
                            Err(e) => {
                                failures.push(format!("cannot archive {key}: {e:#}"));
                                complete[qi] = false;
                                break;
                            }
                        };
                    documents += 1;
                    match absorb_page(&mut collected, &mut errors, &key, &rel, &body, tz) {
                        Some(total) if (page + 1) * PAGE_SIZE < total && page < 100_000 => {
                            page += 1
                        }
                        Some(_) => break,
                        None => {
                            complete[qi] = false;
                            break;
                        }
                    }
                }
                Outcome::Failed {
                    status: http,
                    error,
                    fatal: is_fatal,
                } => {
                    archive.record_failure(KEY, EP_STATEMENTS, &key, &request, http, now, &error);
                    if is_fatal {
                        fatal = Some(error.clone());
                    }
                    failures.push(format!("{status} page {page}: {error}"));
                    complete[qi] = false;
                    break;
                }
            }
        }
    }

    let status = body::status(
        KEY,
        c.requests.load(Ordering::Relaxed),
        documents,
        &failures,
        &errors,
        fatal,
    );
    Fetched {
        docs: VendorDocs::Zcy(ZcyData {
            statements: collected.into_vec(),
            matched_complete: complete[0],
            unpaid_complete: complete[1],
        }),
        status,
        input_errors: errors,
    }
}
