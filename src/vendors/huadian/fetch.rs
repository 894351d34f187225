//! The huadian fetch plan: which statements, packages, invoices and messages a
//! run asks for; each body archived before it is parsed.

use super::client::{Client, Outcome};
use super::normalize;
use super::{EP_INVOICE, EP_MESSAGES, EP_PACKAGES, EP_STATEMENT, KEY};
use crate::archive::ArchiveWriter;
use crate::domain::{EntryKind, HuadianData, InputError, Message, Package, VendorDocs};
use crate::settings::HuadianSettings;
use crate::vendors::body;
use crate::vendors::{FetchRequest, Fetched};
use chrono_tz::Tz;
use futures::stream::{self, StreamExt};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::Ordering;

const PAGE_SIZE: usize = 50;

pub(super) fn absorb_statement(
    data: &mut HuadianData,
    errors: &mut Vec<InputError>,
    key: &str,
    rel: &str,
    body: &[u8],
    tz: Tz,
) {
    absorb_parsed_statement(data, errors, key, rel, normalize::statements(body, tz, rel));
}

/// Records one parsed statement answer: its statements, "no such statement",
/// or an unreadable body (not fetched, and listed as an input error).
pub(super) fn absorb_parsed_statement(
    data: &mut HuadianData,
    errors: &mut Vec<InputError>,
    key: &str,
    rel: &str,
    parsed: Result<Vec<crate::domain::Statement>, normalize::ParseError>,
) {
    match parsed {
        Ok(list) if list.is_empty() => {
            data.empty_statements.insert(key.to_string());
        }
        Ok(list) => {
            for mut s in list {
                s.extends.share(&mut data.headers);
                data.statements.push(s);
            }
        }
        Err(e) => {
            data.failed_statements.insert(key.to_string());
            errors.push(e.input_error(rel, key));
        }
    }
}

pub(super) fn absorb_packages(
    map: &mut BTreeMap<String, Vec<Package>>,
    failed: &mut BTreeSet<String>,
    errors: &mut Vec<InputError>,
    order: &str,
    rel: &str,
    body: &[u8],
) {
    match normalize::packages(body, order) {
        Ok(p) => {
            map.insert(order.to_string(), p);
        }
        Err(e) => {
            failed.insert(order.to_string());
            errors.push(e.input_error(rel, order));
        }
    }
}

pub(super) fn invoice_key(bill_no: &str, row: &str) -> String {
    format!("{bill_no}/{row}")
}

pub(super) fn split_invoice_key(key: &str) -> Option<(String, String)> {
    key.split_once('/')
        .map(|(a, b)| (a.to_string(), b.to_string()))
}

pub(super) fn absorb_invoice(
    data: &mut HuadianData,
    errors: &mut Vec<InputError>,
    key: &str,
    rel: &str,
    body: &[u8],
) {
    let Some(k) = split_invoice_key(key) else {
        errors.push(InputError {
            source: rel.into(),
            line: None,
            entry_id: key.into(),
            field: "key".into(),
            value: key.into(),
            error: "invoice archive key is not billNo/billRowNo".into(),
        });
        return;
    };
    match normalize::invoices(body) {
        Ok(list) => {
            data.invoices.insert(k, list);
        }
        Err(e) => {
            data.failed_invoices.insert(k);
            errors.push(e.input_error(rel, key));
        }
    }
}

pub(super) fn absorb_messages(
    out: &mut Vec<Message>,
    errors: &mut Vec<InputError>,
    rel: &str,
    body: &[u8],
    tz: Tz,
) -> Option<usize> {
    match normalize::messages(body, tz) {
        Ok(list) => {
            let n = list.len();
            out.extend(list);
            Some(n)
        }
        Err(e) => {
            errors.push(e.input_error(rel, "messages"));
            None
        }
    }
}

/// Statements to pull: those named by the ledger's huadian `order` and `refund`
/// rows booked in the range, plus config and command line.
pub(super) fn plan_statements(settings: &HuadianSettings, req: &FetchRequest) -> Vec<String> {
    let mut set: BTreeSet<String> = req
        .ledger
        .entries
        .iter()
        .filter(|e| e.vendor() == KEY && matches!(e.kind(), EntryKind::Order | EntryKind::Refund))
        .filter(|e| e.booked_on >= req.from && e.booked_on <= req.to)
        .filter_map(|e| e.statement_no().map(|s| s.to_string()))
        .collect();
    set.extend(settings.statements.iter().cloned());
    set.extend(req.extra_statements.iter().cloned());
    set.into_iter().filter(|s| !s.trim().is_empty()).collect()
}

/// Invoice rows to query: the ledger's huadian `invoice` rows booked in range.
pub(super) fn plan_invoices(req: &FetchRequest) -> Vec<(String, String)> {
    let set: BTreeSet<(String, String)> = req
        .ledger
        .entries
        .iter()
        .filter(|e| e.vendor() == KEY && e.kind() == EntryKind::Invoice)
        .filter(|e| e.booked_on >= req.from && e.booked_on <= req.to)
        .filter_map(|e| {
            let bill = e.statement_no()?.to_string();
            let row = e.line_no().unwrap_or(&e.doc_no).to_string();
            Some((bill, row))
        })
        .collect();
    set.into_iter().collect()
}

/// One GET, archived (answers) or recorded (failures) before anything parses it.
async fn get_archived(
    c: &Client,
    progress: &crate::progress::Progress,
    archive: &ArchiveWriter,
    endpoint: &str,
    key: &str,
    path: &str,
) -> Result<(String, Vec<u8>), (String, bool)> {
    let request = format!("GET {path}");
    let outcome = c.get(path).await;
    progress.inc(endpoint);
    let now = chrono::Utc::now().fixed_offset();
    match outcome {
        Outcome::Answered { status, body } => {
            match archive.save(KEY, endpoint, key, &request, status, now, &body) {
                Ok(rel) => Ok((rel, body)),
                Err(e) => Err((format!("cannot archive {endpoint} {key}: {e:#}"), true)),
            }
        }
        Outcome::Failed {
            status,
            error,
            fatal,
        } => {
            archive.record_failure(KEY, endpoint, key, &request, status, now, &error);
            Err((format!("{endpoint} {key}: {error}"), fatal))
        }
    }
}

fn seg(s: &str) -> String {
    // Path segments: keep the vendor's numbers readable, escape anything odd.
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

pub(super) async fn run(
    c: &Client,
    settings: &HuadianSettings,
    req: &FetchRequest,
    archive: &ArchiveWriter,
) -> Fetched {
    let tz = req.tz;
    let conc = settings.http.max_concurrency.max(1);
    let mut data = HuadianData::default();
    let mut errors = Vec::new();
    let mut failures: Vec<String> = Vec::new();
    let mut fatal: Option<String> = None;
    let mut documents = 0u64;

    // Statements.
    let plan = plan_statements(settings, req);
    let results: Vec<_> = stream::iter(plan)
        .map(|no: String| async move {
            let path = format!(
                "/api/restful/order/query-statement/statement-no/{}",
                seg(&no)
            );
            let r = get_archived(c, &req.progress, archive, EP_STATEMENT, &no, &path).await;
            (no, r)
        })
        .buffer_unordered(conc)
        .collect()
        .await;
    for (no, r) in results {
        match r {
            Ok((rel, body)) => {
                documents += 1;
                absorb_statement(&mut data, &mut errors, &no, &rel, &body, tz);
            }
            Err((e, is_fatal)) => {
                data.failed_statements.insert(no);
                if is_fatal && fatal.is_none() {
                    fatal = Some(e.clone());
                }
                failures.push(e);
            }
        }
    }
    data.statements
        .sort_by(|a, b| a.statement_no.cmp(&b.statement_no));

    // Packages of billed orders whose final state is not known yet.
    if settings.packages && fatal.is_none() {
        let orders: BTreeSet<String> = data
            .statements
            .iter()
            .flat_map(|s| s.lines.iter().map(|l| l.order_no.to_string()))
            .collect();
        let mut map: BTreeMap<String, Vec<Package>> = BTreeMap::new();
        let todo: Vec<String> = orders
            .into_iter()
            .filter(|o| !req.known_final_packages.contains_key(o))
            .collect();
        let results: Vec<_> = stream::iter(todo)
            .map(|o: String| async move {
                let path = format!("/api/restful/order/order-package/{}", seg(&o));
                let r = get_archived(c, &req.progress, archive, EP_PACKAGES, &o, &path).await;
                (o, r)
            })
            .buffer_unordered(conc)
            .collect()
            .await;
        for (o, r) in results {
            match r {
                Ok((rel, body)) => {
                    documents += 1;
                    absorb_packages(
                        &mut map,
                        &mut data.failed_packages,
                        &mut errors,
                        &o,
                        &rel,
                        &body,
                    );
                }
                Err((e, _)) => {
                    data.failed_packages.insert(o);
                    failures.push(e);
                }
            }
        }
        data.packages = Some(map);
    }

    // Invoices for the ledger's invoice rows.
    if fatal.is_none() {
        let plan = plan_invoices(req);
        let results: Vec<_> = stream::iter(plan)
            .map(|(bill, row): (String, String)| async move {
                let path = format!("/api/restful/invoice/{}/{}", seg(&bill), seg(&row));
                let key = invoice_key(&bill, &row);
                let r = get_archived(c, &req.progress, archive, EP_INVOICE, &key, &path).await;
                (key, bill, row, r)
            })
            .buffer_unordered(conc)
            .collect()
            .await;
        for (key, bill, row, r) in results {
            match r {
                Ok((rel, body)) => {
                    documents += 1;
                    absorb_invoice(&mut data, &mut errors, &key, &rel, &body);
                }
                Err((e, _)) => {
                    data.failed_invoices.insert((bill, row));
                    failures.push(e);
                }
            }
        }
    }

    // Messages: every page, read without deleting; deleted only after they are stored.
    if settings.messages && fatal.is_none() {
        let mut page = 1usize;
        loop {
            let path = format!(
                "/api/restful/paged/messages?type=303,304,702&del=0&page={page}&pageSize={PAGE_SIZE}"
            );
            let key = format!("page-{page:04}");
            match get_archived(c, &req.progress, archive, EP_MESSAGES, &key, &path).await {
                Ok((rel, body)) => {
                    documents += 1;
                    match absorb_messages(&mut data.messages, &mut errors, &rel, &body, tz) {
                        Some(n) if n >= PAGE_SIZE && page < 10_000 => page += 1,
                        Some(_) => break,
                        None => {
                            failures.push(format!("messages {key}: unreadable page"));
                            break;
                        }
                    }
                }
                Err((e, _)) => {
                    failures.push(e);
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
        docs: VendorDocs::Huadian(data),
        status,
        input_errors: errors,
    }
}

/// Deletes consumed messages at the vendor (ids as numbers where they are).
pub(super) async fn delete_messages(c: &Client, messages: &[Message]) -> anyhow::Result<()> {
    for chunk in messages.chunks(100) {
        let ids: Vec<serde_json::Value> = chunk
            .iter()
            .map(|m| match m.id.parse::<u64>() {
                Ok(n) => serde_json::Value::from(n),
                Err(_) => serde_json::Value::from(m.id.clone()),
            })
            .collect();
        match c
            .post_json("/api/restful/messages", &serde_json::Value::Array(ids))
            .await
        {
            Outcome::Answered { body, .. } => {
                let env = normalize::envelope(&body)?;
                if env.code() != "0" {
                    anyhow::bail!(
                        "huadian refused to delete messages: error {} {}",
                        env.code(),
                        env.errormsg.text()
                    );
                }
            }
            Outcome::Failed { error, .. } => {
                anyhow::bail!("huadian: deleting messages failed: {error}")
            }
        }
    }
    Ok(())
}
