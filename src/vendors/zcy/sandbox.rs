//! The zcy simulator: the four 政采云 services of the seed behind an Alibaba Cloud API
//! Gateway-style signature check (VENDOR-CONVENTIONS.md), served from `<data>/zcy/`.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use anyhow::{bail, Context};
use axum::extract::rejection::FormRejection;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Form, Router};
use chrono::{NaiveDateTime, Utc};
use serde_json::{Map, Value};

use crate::sandbox::faults::{gate, FaultGate, Injected};
use crate::sandbox::{VendorSim, ZcyCredentials};
use crate::vendors::zcy::sign::{self, ACCEPT, CONTENT_TYPE};

/// X-Ca-Timestamp may be this far off the server clock, and a nonce is remembered this long.
const WINDOW_MS: i64 = 15 * 60 * 1000;
/// *Assumed* by the conventions: no page larger than this.
const MAX_PAGE_SIZE: u64 = 100;
/// No upload asks for more files at once than this.
const MAX_FILE_NUM: u64 = 100;
const TIME_FORMAT: &str = "%Y-%m-%d %H:%M:%S";
const UNPAID: &str = "未支付";
const MATCHED: &str = "已匹配";
/// The form field holding the request's JSON text.
const DATA_FIELD: &str = "_data_";

// ---------------------------------------------------------------------------
// Data folder

/// One statement file: the fields the queries filter on, and its text as written.
struct Statement {
    no: String,
    matched: bool,
    created_at: NaiveDateTime,
    /// When matching completed (`matched_at.json`); only for 已匹配 statements.
    matched_at: Option<NaiveDateTime>,
    raw: String,
}

/// The zcy part of a sandbox data folder, loaded at start.
pub struct SandboxData {
    /// Sorted by statementNo, the order the query answers in.
    statements: Vec<Statement>,
    /// Every invoices[].serialNo of every statement: the 开票需求 an upload may name.
    serials: HashSet<String>,
}

fn read_text(path: &Path) -> anyhow::Result<String> {
    fs::read_to_string(path)
        .with_context(|| format!("reading sandbox data file {}", path.display()))
}

fn parse_time(s: &str) -> Option<NaiveDateTime> {
    // chrono accepts one-digit fields; the document's format has fixed width.
    if s.len() != 19 {
        return None;
    }
    NaiveDateTime::parse_from_str(s, TIME_FORMAT).ok()
}

fn id_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) if n.is_i64() || n.is_u64() => Some(n.to_string()),
        _ => None,
    }
}

impl SandboxData {
    /// Loads `dir` (the `zcy/` subfolder). A missing folder serves no statements; a
    /// malformed file is an error naming it.
    pub fn load(dir: &Path) -> anyhow::Result<Self> {
        let mut data = SandboxData {
            statements: Vec::new(),
            serials: HashSet::new(),
        };
        if !dir.is_dir() {
            tracing::warn!("sandbox: no zcy data at {}; serving none", dir.display());
            return Ok(data);
        }
        let matched_at = load_matched_at(&dir.join("matched_at.json"))?;
        let statements_dir = dir.join("statements");
        if statements_dir.is_dir() {
            data.load_statements(&statements_dir, &matched_at)?;
        }
        let known: HashSet<&str> = data
            .statements
            .iter()
            .filter(|s| s.matched)
            .map(|s| s.no.as_str())
            .collect();
        for no in matched_at.keys() {
            if !known.contains(no.as_str()) {
                tracing::warn!(
                    "sandbox: zcy matched_at.json names {no}, which is no 已匹配 statement; ignored"
                );
            }
        }
        Ok(data)
    }

    fn load_statements(
        &mut self,
        dir: &Path,
        matched_at: &BTreeMap<String, NaiveDateTime>,
    ) -> anyhow::Result<()> {
        let listing = || format!("listing sandbox statements in {}", dir.display());
        let mut files: Vec<PathBuf> = fs::read_dir(dir)
            .with_context(listing)?
            .map(|e| e.map(|e| e.path()))
            .collect::<Result<_, _>>()
            .with_context(listing)?;
        files.retain(|p| p.extension().is_some_and(|e| e == "json"));
        for path in files {
            let text = read_text(&path)?;
            let at = path.display();
            let value: Value = serde_json::from_str(&text)
                .with_context(|| format!("sandbox data file {at} is not valid JSON"))?;
            let Some(obj) = value.as_object() else {
                bail!("sandbox data file {at} must hold one statement object");
            };
            let stem = path
                .file_stem()
                .and_then(|s| s.to_str())
                .with_context(|| format!("sandbox data file {at} has no UTF-8 name"))?;
            match obj.get("statementNo") {
                Some(Value::String(no)) if no == stem => {}
                Some(Value::String(no)) => {
                    bail!("sandbox data file {at}: statementNo {no:?} differs from the file name")
                }
                _ => bail!("sandbox data file {at}: statementNo missing or not a string"),
            }
            let matched = match obj.get("status").and_then(Value::as_str) {
                Some(UNPAID) => false,
                Some(MATCHED) => true,
                _ => bail!("sandbox data file {at}: status must be \"未支付\" or \"已匹配\""),
            };
            let created_at = obj
                .get("createAt")
                .and_then(Value::as_str)
                .and_then(parse_time)
                .with_context(|| {
                    format!("sandbox data file {at}: createAt missing or not yyyy-MM-dd HH:mm:ss")
                })?;
            let matched_at = if matched {
                Some(*matched_at.get(stem).with_context(|| {
                    format!(
                        "sandbox data file {at} is 已匹配 but matched_at.json has no time for {stem}"
                    )
                })?)
            } else {
                None
            };
            if let Some(invoices) = obj.get("invoices") {
                let Some(invoices) = invoices.as_array() else {
                    bail!("sandbox data file {at}: invoices is not a list");
                };
                for (i, inv) in invoices.iter().enumerate() {
                    let serial = inv.get("serialNo").and_then(id_text).with_context(|| {
                        format!("sandbox data file {at}: invoices[{i}].serialNo missing")
                    })?;
                    self.serials.insert(serial);
                }
            }
            self.statements.push(Statement {
                no: stem.to_owned(),
                matched,
                created_at,
                matched_at,
                raw: text.trim().to_owned(),
            });
        }
        self.statements.sort_by(|a, b| a.no.cmp(&b.no));
        Ok(())
    }
}

fn load_matched_at(path: &Path) -> anyhow::Result<BTreeMap<String, NaiveDateTime>> {
    if !path.exists() {
        return Ok(BTreeMap::new());
    }
    let text = read_text(path)?;
    let map: BTreeMap<String, String> = serde_json::from_str(&text).with_context(|| {
        format!(
            "sandbox data file {} must be an object of statementNo → \"yyyy-MM-dd HH:mm:ss\"",
            path.display()
        )
    })?;
    map.into_iter()
        .map(|(no, t)| {
            let at = parse_time(&t).with_context(|| {
                format!(
                    "sandbox data file {}: time {t:?} of {no} is not yyyy-MM-dd HH:mm:ss",
                    path.display()
                )
            })?;
            Ok((no, at))
        })
        .collect()
}

// ---------------------------------------------------------------------------
// Gateway: the signature check

/// Why the gateway refused a request (HTTP 400 `{"errorMessage": ...}`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    ContentType,
    Accept,
    AppKey,
    Format,
    Timestamp,
    Nonce,
    SignatureHeaders,
    Signature,
    /// The nonce was seen within the last 15 minutes.
    NonceUsed,
}

impl Refusal {
    pub fn message(self) -> &'static str {
        match self {
            Refusal::ContentType => "Invalid Content-Type",
            Refusal::Accept => "Invalid Accept",
            Refusal::AppKey => "Invalid AppKey",
            Refusal::Format => "Invalid X-Ca-Format",
            Refusal::Timestamp => "Invalid Timestamp",
            Refusal::Nonce => "Invalid Nonce",
            Refusal::SignatureHeaders => "Invalid X-Ca-Signature-Headers",
            Refusal::Signature => "Invalid Signature",
            Refusal::NonceUsed => "Nonce Used",
        }
    }
}

fn header_text<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// `application/x-www-form-urlencoded; charset=utf-8`, in any case and spacing.
fn is_conventions_content_type(v: &str) -> bool {
    let norm = |s: &str| -> String {
        s.chars()
            .filter(|c| !c.is_ascii_whitespace())
            .collect::<String>()
            .to_ascii_lowercase()
    };
    norm(v) == norm(CONTENT_TYPE)
}

/// Checks a request's gateway headers and signature against `creds` at `now_ms` (epoch
/// ms); `path` is as the gateway at the root sees it (`/open/<Service>`), `form` the
/// decoded form fields. Returns the nonce, which the caller must still check for a
/// replay. Pure, so the conventions' test vector can be checked at its own time.
pub fn verify(
    creds: &ZcyCredentials,
    headers: &HeaderMap,
    path: &str,
    form: &[(String, String)],
    now_ms: i64,
) -> Result<String, Refusal> {
    // The client signs the Accept and Content-Type it sends; the conventions fix both.
    let content_type = header_text(headers, "content-type")
        .filter(|v| is_conventions_content_type(v))
        .ok_or(Refusal::ContentType)?;
    let accept = header_text(headers, "accept")
        .filter(|v| v.trim() == ACCEPT)
        .ok_or(Refusal::Accept)?;
    header_text(headers, "x-ca-key")
        .filter(|k| *k == creds.app_key)
        .ok_or(Refusal::AppKey)?;
    header_text(headers, "x-ca-format")
        .filter(|f| *f == "json2")
        .ok_or(Refusal::Format)?;
    let ts = header_text(headers, "x-ca-timestamp")
        .filter(|t| !t.is_empty() && t.len() <= 15 && t.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|t| t.parse::<i64>().ok())
        .ok_or(Refusal::Timestamp)?;
    if (now_ms - ts).abs() > WINDOW_MS {
        return Err(Refusal::Timestamp);
    }
    let nonce = header_text(headers, "x-ca-nonce")
        .filter(|n| !n.trim().is_empty())
        .ok_or(Refusal::Nonce)?;

    let listed = header_text(headers, "x-ca-signature-headers").ok_or(Refusal::SignatureHeaders)?;
    let mut signed: Vec<(&str, &str)> = Vec::new();
    for name in listed.split(',').map(str::trim) {
        let lower = name.to_ascii_lowercase();
        if !lower.starts_with("x-ca-")
            || lower == "x-ca-signature"
            || lower == "x-ca-signature-headers"
            || signed.iter().any(|(n, _)| n.eq_ignore_ascii_case(name))
        {
            return Err(Refusal::SignatureHeaders);
        }
        let value = header_text(headers, name).ok_or(Refusal::SignatureHeaders)?;
        signed.push((name, value));
    }
    for required in ["x-ca-key", "x-ca-nonce", "x-ca-timestamp"] {
        if !signed.iter().any(|(n, _)| n.eq_ignore_ascii_case(required)) {
            return Err(Refusal::SignatureHeaders);
        }
    }

    let given = header_text(headers, "x-ca-signature").ok_or(Refusal::Signature)?;
    let fields: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let sts = sign::string_to_sign("POST", accept, content_type, &signed, path, &fields);
    if sign::sign(&creds.app_secret, &sts) != given {
        return Err(Refusal::Signature);
    }
    Ok(nonce.to_owned())
}

// ---------------------------------------------------------------------------
// Answers

fn json_response(status: StatusCode, body: String) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json;charset=UTF-8")],
        body,
    )
        .into_response()
}

fn refused(r: Refusal) -> Response {
    json_response(
        StatusCode::BAD_REQUEST,
        serde_json::json!({ "errorMessage": r.message() }).to_string(),
    )
}

/// HTTP 500 入参非法, the seed's error example.
fn bad_params() -> Response {
    json_response(
        StatusCode::INTERNAL_SERVER_ERROR,
        r#"{"error_response":{"resultCode":-1,"resultMsg":"入参非法"}}"#.to_owned(),
    )
}

fn data_response(inner: &str) -> Response {
    json_response(StatusCode::OK, format!(r#"{{"data_response":{inner}}}"#))
}

/// A write-back answer, with the seed's leading-space keys.
fn write_back(code: i64, message: &str) -> Response {
    let mut m = Map::new();
    m.insert(" code".to_owned(), Value::from(code));
    m.insert(" message".to_owned(), Value::from(message));
    data_response(&Value::Object(m).to_string())
}

/// How the zcy gateway shows an injected fault: 429 over the rate limit; `fail_every`
/// alternates HTTP 503 and 502, as an unwell gateway does.
pub fn render_fault(fault: Injected) -> Response {
    let (status, text) = match fault {
        Injected::TooFast => {
            return json_response(
                StatusCode::TOO_MANY_REQUESTS,
                r#"{"errorMessage":"Throttled"}"#.to_owned(),
            )
        }
        Injected::TransientEnvelope => (StatusCode::SERVICE_UNAVAILABLE, "Service Unavailable"),
        Injected::TransientHttp503 => (StatusCode::BAD_GATEWAY, "Bad Gateway"),
    };
    (
        status,
        [(header::CONTENT_TYPE, "text/html")],
        format!(
            "<html><body><h1>{} {text}</h1></body></html>",
            status.as_u16()
        ),
    )
        .into_response()
}

// ---------------------------------------------------------------------------
// The simulator

/// The zcy simulator's state: its data, the nonces seen, and confirmed statements.
pub struct ZcySim {
    data: SandboxData,
    creds: ZcyCredentials,
    gate: Arc<FaultGate>,
    /// nonce → when it was seen (epoch ms).
    nonces: Mutex<HashMap<String, i64>>,
    confirmed: Mutex<HashSet<String>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl ZcySim {
    pub fn new(data: SandboxData, creds: ZcyCredentials, gate: Arc<FaultGate>) -> Self {
        Self {
            data,
            creds,
            gate,
            nonces: Mutex::new(HashMap::new()),
            confirmed: Mutex::new(HashSet::new()),
        }
    }

    /// True when `nonce` is new within the window; remembers it.
    fn fresh_nonce(&self, nonce: String, now_ms: i64) -> bool {
        let mut seen = lock(&self.nonces);
        seen.retain(|_, at| now_ms - *at <= WINDOW_MS);
        if seen.contains_key(&nonce) {
            return false;
        }
        seen.insert(nonce, now_ms);
        true
    }
}

impl VendorSim for ZcySim {
    fn messages_left(&self) -> usize {
        0
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Service {
    QueryStatements,
    UploadCredentials,
    UploadInvoice,
    MatchConfirm,
}

impl Service {
    /// The path as a gateway at the root sees it; also what the signature covers.
    fn path(self) -> &'static str {
        match self {
            Service::QueryStatements => "/open/QuerySupplierStatements",
            Service::UploadCredentials => "/open/SupplierGetUploadCredentials",
            Service::UploadInvoice => "/open/SupplierUploadInvoiceInfo",
            Service::MatchConfirm => "/open/SubmitStatementMatchConfirm",
        }
    }
}

type FormFields = Result<Form<Vec<(String, String)>>, FormRejection>;

async fn serve(
    sim: Arc<ZcySim>,
    service: Service,
    headers: HeaderMap,
    form: FormFields,
) -> Response {
    // Content type first: without a form there is nothing to verify.
    if !header_text(&headers, "content-type").is_some_and(is_conventions_content_type) {
        return refused(Refusal::ContentType);
    }
    let Ok(Form(fields)) = form else {
        return bad_params();
    };
    let now_ms = Utc::now().timestamp_millis();
    let nonce = match verify(&sim.creds, &headers, service.path(), &fields, now_ms) {
        Ok(n) => n,
        Err(r) => return refused(r),
    };
    if !sim.fresh_nonce(nonce, now_ms) {
        sim.gate.shared().replay_refused();
        return refused(Refusal::NonceUsed);
    }
    let mut data = fields.iter().filter(|(k, _)| k == DATA_FIELD);
    let (Some((_, text)), None) = (data.next(), data.next()) else {
        return bad_params();
    };
    let Ok(Value::Object(body)) = serde_json::from_str::<Value>(text) else {
        return bad_params();
    };
    match service {
        Service::QueryStatements => query_statements(&sim, &body),
        Service::UploadCredentials => upload_credentials(&body),
        Service::UploadInvoice => upload_invoice(&sim, &body),
        Service::MatchConfirm => match_confirm(&sim, &body),
    }
}

/// The `data` object of a wrapped request.
fn wrapped(body: &Map<String, Value>) -> Option<&Map<String, Value>> {
    body.get("data")?.as_object()
}

/// A required string field: present, a string, not blank, at most `max` characters.
fn required<'a>(obj: &'a Map<String, Value>, key: &str, max: usize) -> Option<&'a str> {
    match obj.get(key)? {
        Value::String(s) if !s.trim().is_empty() && s.chars().count() <= max => Some(s),
        _ => None,
    }
}

/// An optional string field: absent or null is `Ok(None)`; anything but a string of at
/// most `max` characters is bad.
fn optional<'a>(obj: &'a Map<String, Value>, key: &str, max: usize) -> Result<Option<&'a str>, ()> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.chars().count() <= max => Ok(Some(s)),
        Some(_) => Err(()),
    }
}

struct Query {
    page_no: u64,
    page_size: u64,
    start: NaiveDateTime,
    end: NaiveDateTime,
    matched: bool,
}

fn parse_query(body: &Map<String, Value>) -> Option<Query> {
    let d = wrapped(body)?;
    let page_no = d.get("pageNo")?.as_u64()?;
    let page_size = d
        .get("pageSize")?
        .as_u64()
        .filter(|s| (1..=MAX_PAGE_SIZE).contains(s))?;
    let start = parse_time(d.get("startAt")?.as_str()?)?;
    let end = parse_time(d.get("endAt")?.as_str()?)?;
    if start > end {
        return None;
    }
    let matched = match d.get("status")?.as_str()? {
        UNPAID => false,
        MATCHED => true,
        _ => return None,
    };
    Some(Query {
        page_no,
        page_size,
        start,
        end,
        matched,
    })
}

fn query_statements(sim: &ZcySim, body: &Map<String, Value>) -> Response {
    let Some(q) = parse_query(body) else {
        return bad_params();
    };
    let hits: Vec<&Statement> = sim
        .data
        .statements
        .iter()
        .filter(|s| s.matched == q.matched)
        .filter(|s| {
            // 未支付 filters on creation, 已匹配 on when matching completed.
            let at = if q.matched {
                s.matched_at
            } else {
                Some(s.created_at)
            };
            at.is_some_and(|at| q.start <= at && at <= q.end)
        })
        .collect();
    let skip = usize::try_from(q.page_no.saturating_mul(q.page_size)).unwrap_or(usize::MAX);
    let page: Vec<&str> = hits
        .iter()
        .skip(skip)
        .take(q.page_size as usize)
        .map(|s| s.raw.as_str())
        .collect();
    // Spliced as text so 19-digit ids reach the client exactly as written.
    data_response(&format!(
        r#"{{"total":{},"data":[{}]}}"#,
        hits.len(),
        page.join(",")
    ))
}

fn random_token(len: usize) -> String {
    let mut s = String::new();
    while s.len() < len {
        s.push_str(&uuid::Uuid::new_v4().simple().to_string());
    }
    s.truncate(len);
    s
}

fn upload_credentials(body: &Map<String, Value>) -> Response {
    let Some(n) = body
        .get("fileNum")
        .and_then(Value::as_u64)
        .filter(|n| (1..=MAX_FILE_NUM).contains(n))
    else {
        return bad_params();
    };
    let ids: Vec<String> = (0..n)
        .map(|_| format!("null/{}", uuid::Uuid::new_v4()))
        .collect();
    let expiration = (Utc::now() + chrono::Duration::hours(1))
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string();
    let answer = serde_json::json!({
        "securityToken": format!("CAES{}", random_token(96)),
        "accessKeySecret": random_token(40),
        "accessKeyId": format!("STS.{}", random_token(20)),
        "expiration": expiration,
        "bucket": "zcy-dc",
        "data": ids,
    });
    data_response(&answer.to_string())
}

fn valid_attach_file(v: Option<&Value>) -> bool {
    let obj = match v {
        None | Some(Value::Null) => return true,
        Some(Value::Object(o)) => o,
        Some(_) => return false,
    };
    // The table names `fileName`, the example `filename`: either is taken.
    optional(obj, "fileId", 64).is_ok()
        && optional(obj, "fileName", 255).is_ok()
        && optional(obj, "filename", 255).is_ok()
        && optional(obj, "fileType", 255).is_ok()
        && match obj.get("fileBytes") {
            None | Some(Value::Null) => true,
            Some(v) => v.as_u64().is_some(),
        }
}

fn upload_invoice(sim: &ZcySim, body: &Map<String, Value>) -> Response {
    let Some(d) = wrapped(body) else {
        return bad_params();
    };
    let serial = required(d, "serialNo", 64);
    let ok = serial.is_some()
        && required(d, "invoiceNo", 32).is_some()
        && required(d, "invoiceCode", 32).is_some()
        && required(d, "expressCompany", 128).is_some()
        && required(d, "expressNo", 32).is_some()
        && optional(d, "expressCompanyCode", 128).is_ok()
        && valid_attach_file(d.get("attachFile"));
    let (true, Some(serial)) = (ok, serial) else {
        return bad_params();
    };
    if !sim.data.serials.contains(serial) {
        return write_back(-1, "开票需求不存在");
    }
    sim.gate
        .shared()
        .record_zcy_upload(Value::Object(d.clone()));
    write_back(0, "成功")
}

fn match_confirm(sim: &ZcySim, body: &Map<String, Value>) -> Response {
    let Some(d) = wrapped(body) else {
        return bad_params();
    };
    let (Some(no), Some("通过" | "不通过"), Ok(_)) = (
        required(d, "statementNo", 64),
        required(d, "confirm", 32),
        optional(d, "remark", 128),
    ) else {
        return bad_params();
    };
    let Some(statement) = sim.data.statements.iter().find(|s| s.no == no) else {
        return write_back(-1, "结算单不存在");
    };
    if !statement.matched {
        return write_back(-1, "结算单未匹配");
    }
    if !lock(&sim.confirmed).insert(no.to_owned()) {
        return write_back(-1, "结算单已确认");
    }
    sim.gate
        .shared()
        .record_zcy_confirm(Value::Object(d.clone()));
    write_back(0, "成功")
}

/// The zcy routes (to be nested under `/zcy`), each behind the fault gate, then the
/// gateway's signature check.
pub fn routes<S>(sim: Arc<ZcySim>) -> Router<S> {
    let mut router = Router::new();
    for service in [
        Service::QueryStatements,
        Service::UploadCredentials,
        Service::UploadInvoice,
        Service::MatchConfirm,
    ] {
        let pattern = service.path();
        let handler =
            move |State(sim): State<Arc<ZcySim>>, headers: HeaderMap, form: FormFields| {
                serve(sim, service, headers, form)
            };
        router = router.route(
            pattern,
            post(handler).layer(middleware::from_fn_with_state(
                (sim.gate.clone(), pattern),
                gate,
            )),
        );
    }
    router.with_state(sim)
}
