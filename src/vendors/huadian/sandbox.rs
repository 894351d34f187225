//! The huadian simulator: the Colipu CIP routes of the seed and VENDOR-CONVENTIONS.md,
//! served from `<data>/huadian/`, as strict as the conventions.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use anyhow::{bail, Context};
use axum::body::Bytes;
use axum::extract::{Path as UrlPath, Query, Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, MethodRouter};
use axum::Router;
use chrono::{DateTime, Duration as ChronoDuration, NaiveDate, TimeZone, Utc};
use chrono_tz::Asia::Shanghai;
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::Value;

use crate::sandbox::faults::{gate, FaultGate, Injected};
use crate::sandbox::{HuadianCredentials, VendorSim};

/// Access tokens live 12 hours unless the faults say otherwise.
const DEFAULT_TOKEN_TTL_SECS: u64 = 12 * 3600;
/// The conventions leave the refresh token's life open; a month outlives any run.
const REFRESH_TTL_SECS: i64 = 30 * 24 * 3600;
/// A Unix-seconds timestamp may be this far off the server clock.
const TIMESTAMP_SKEW_SECS: i64 = 15 * 60;
const TOKEN_HEADER: &str = "Colipu-Token";

pub use super::client::sign;
use md5::Digest;

// ---------------------------------------------------------------------------
// Data folder

/// One message of the feed, its JSON kept as written in `messages.json`.
struct Message {
    id: String,
    kind: i64,
    raw: Box<RawValue>,
}

/// The huadian part of a sandbox data folder, loaded at start.
pub struct SandboxData {
    /// statementNo → the statement file's text, byte for byte.
    statements: HashMap<String, String>,
    /// Order codes named by any statement line (the orders a return may be applied for).
    orders: HashSet<String>,
    packages_by_order: HashMap<String, Vec<Box<RawValue>>>,
    package_by_no: HashMap<String, Box<RawValue>>,
    invoices: HashMap<String, Vec<Box<RawValue>>>,
    messages: Vec<Message>,
}

/// Ids and codes arrive as strings or numbers; both name the same thing.
fn key_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) if n.is_i64() || n.is_u64() => Some(n.to_string()),
        _ => None,
    }
}

fn read_text(path: &Path) -> anyhow::Result<String> {
    fs::read_to_string(path)
        .with_context(|| format!("reading sandbox data file {}", path.display()))
}

/// A missing optional file is an empty one; an unreadable or malformed one is an error.
fn read_optional(path: &Path) -> anyhow::Result<Option<String>> {
    if path.exists() {
        read_text(path).map(Some)
    } else {
        Ok(None)
    }
}

impl SandboxData {
    /// Loads `dir` (the `huadian/` subfolder). A missing folder serves no data; a
    /// malformed file is an error naming it.
    pub fn load(dir: &Path) -> anyhow::Result<Self> {
        let mut data = SandboxData {
            statements: HashMap::new(),
            orders: HashSet::new(),
            packages_by_order: HashMap::new(),
            package_by_no: HashMap::new(),
            invoices: HashMap::new(),
            messages: Vec::new(),
        };
        if !dir.is_dir() {
            tracing::warn!(
                "sandbox: no huadian data at {}; serving none",
                dir.display()
            );
            return Ok(data);
        }
        data.load_statements(&dir.join("statements"))?;
        data.load_packages(&dir.join("packages.json"))?;
        data.load_invoices(&dir.join("invoices.json"))?;
        data.load_messages(&dir.join("messages.json"))?;
        Ok(data)
    }

    fn load_statements(&mut self, dir: &Path) -> anyhow::Result<()> {
        if !dir.is_dir() {
            return Ok(());
        }
        let mut files: Vec<PathBuf> = fs::read_dir(dir)
            .with_context(|| format!("listing sandbox statements in {}", dir.display()))?
            .map(|e| e.map(|e| e.path()))
            .collect::<Result<_, _>>()
            .with_context(|| format!("listing sandbox statements in {}", dir.display()))?;
        files.retain(|p| p.extension().is_some_and(|e| e == "json"));
        files.sort();
        for path in files {
            let text = read_text(&path)?;
            let value: Value = serde_json::from_str(&text).with_context(|| {
                format!("sandbox data file {} is not valid JSON", path.display())
            })?;
            let stem = path
                .file_stem()
                .and_then(|s| s.to_str())
                .with_context(|| format!("sandbox data file {} has no UTF-8 name", path.display()))?
                .to_owned();
            let Some(obj) = value.as_object() else {
                bail!(
                    "sandbox data file {} must hold one statement object",
                    path.display()
                );
            };
            match obj.get("statementNo").and_then(key_text) {
                Some(no) if no == stem => {}
                Some(no) => bail!(
                    "sandbox data file {}: statementNo {no:?} differs from the file name",
                    path.display()
                ),
                None => bail!(
                    "sandbox data file {}: statementNo missing or not a string",
                    path.display()
                ),
            }
            if let Some(details) = obj.get("statementDetails") {
                let Some(details) = details.as_array() else {
                    bail!(
                        "sandbox data file {}: statementDetails is not a list",
                        path.display()
                    );
                };
                for (i, d) in details.iter().enumerate() {
                    let code = d.get("orderCode").and_then(key_text).with_context(|| {
                        format!(
                            "sandbox data file {}: statementDetails[{i}].orderCode missing",
                            path.display()
                        )
                    })?;
                    self.orders.insert(code);
                }
            }
            self.statements.insert(stem, text);
        }
        Ok(())
    }

    fn load_packages(&mut self, path: &Path) -> anyhow::Result<()> {
        let Some(text) = read_optional(path)? else {
            return Ok(());
        };
        let map: BTreeMap<String, Vec<Box<RawValue>>> =
            serde_json::from_str(&text).with_context(|| {
                format!(
                    "sandbox data file {} must be an object of orderId → list of packages",
                    path.display()
                )
            })?;
        #[derive(Deserialize)]
        struct Pkg {
            #[serde(rename = "packageNo")]
            package_no: Value,
        }
        for (order, list) in map {
            for (i, raw) in list.iter().enumerate() {
                let pkg: Pkg = serde_json::from_str(raw.get()).with_context(|| {
                    format!(
                        "sandbox data file {}: package {i} of order {order} has no packageNo",
                        path.display()
                    )
                })?;
                let no = key_text(&pkg.package_no).with_context(|| {
                    format!(
                        "sandbox data file {}: package {i} of order {order}: packageNo is empty",
                        path.display()
                    )
                })?;
                self.package_by_no.insert(no, raw.clone());
            }
            self.packages_by_order.insert(order, list);
        }
        Ok(())
    }

    fn load_invoices(&mut self, path: &Path) -> anyhow::Result<()> {
        let Some(text) = read_optional(path)? else {
            return Ok(());
        };
        self.invoices = serde_json::from_str(&text).with_context(|| {
            format!(
                "sandbox data file {} must be an object of \"billNo/billRowNo\" → list of invoices",
                path.display()
            )
        })?;
        Ok(())
    }

    fn load_messages(&mut self, path: &Path) -> anyhow::Result<()> {
        let Some(text) = read_optional(path)? else {
            return Ok(());
        };
        let list: Vec<Box<RawValue>> = serde_json::from_str(&text).with_context(|| {
            format!(
                "sandbox data file {} must be a list of messages",
                path.display()
            )
        })?;
        #[derive(Deserialize)]
        struct Head {
            id: Value,
            #[serde(rename = "type")]
            kind: Value,
        }
        for (i, raw) in list.into_iter().enumerate() {
            let head: Head = serde_json::from_str(raw.get()).with_context(|| {
                format!(
                    "sandbox data file {}: message {i} lacks id or type",
                    path.display()
                )
            })?;
            let id = key_text(&head.id).with_context(|| {
                format!(
                    "sandbox data file {}: message {i}: id is empty",
                    path.display()
                )
            })?;
            let kind = key_text(&head.kind)
                .and_then(|k| k.parse::<i64>().ok())
                .with_context(|| {
                    format!(
                        "sandbox data file {}: message {i}: type is not a number",
                        path.display()
                    )
                })?;
            self.messages.push(Message { id, kind, raw });
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------
// Answers

/// Error codes of VENDOR-CONVENTIONS.md.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Code {
    System,
    TokenExpired,
    TokenMissing,
    RefreshExpired,
    NoData,
    BadParams,
    DuplicateOrder,
    NoSuchOrder,
    TooFast,
}

impl Code {
    fn code(self) -> &'static str {
        match self {
            Code::System => "5000",
            Code::TokenExpired => "5001",
            Code::TokenMissing => "5002",
            Code::RefreshExpired => "5003",
            Code::NoData => "5004",
            Code::BadParams => "5005",
            Code::DuplicateOrder => "2060",
            Code::NoSuchOrder => "2061",
            Code::TooFast => "2065",
        }
    }

    fn message(self) -> &'static str {
        match self {
            Code::System => "系统异常",
            Code::TokenExpired => "token已过期或不存在",
            Code::TokenMissing => "token缺失",
            Code::RefreshExpired => "refresh_token已过期",
            Code::NoData => "无数据",
            Code::BadParams => "参数错误",
            Code::DuplicateOrder => "订单重复",
            Code::NoSuchOrder => "订单不存在",
            Code::TooFast => "请求过快",
        }
    }
}

fn request_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

fn json_response(body: String) -> Response {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json;charset=UTF-8")],
        body,
    )
        .into_response()
}

/// The success envelope around `result`, spliced as text so number forms pass unchanged.
fn ok_raw(result: &str) -> Response {
    json_response(format!(
        r#"{{"success":true,"requestId":"{}","result":{},"errorcode":"0","errormsg":""}}"#,
        request_id(),
        result
    ))
}

fn ok_value(result: &Value) -> Response {
    ok_raw(&result.to_string())
}

fn fail(code: Code) -> Response {
    json_response(
        serde_json::json!({
            "success": false,
            "requestId": request_id(),
            "result": null,
            "errorcode": code.code(),
            "errormsg": code.message(),
        })
        .to_string(),
    )
}

fn raw_list<'a>(items: impl IntoIterator<Item = &'a RawValue>) -> String {
    let parts: Vec<&str> = items.into_iter().map(|r| r.get()).collect();
    format!("[{}]", parts.join(","))
}

/// How the huadian gateway shows an injected fault.
pub fn render_fault(fault: Injected) -> Response {
    match fault {
        Injected::TooFast => fail(Code::TooFast),
        Injected::TransientEnvelope => fail(Code::System),
        Injected::TransientHttp503 => (
            StatusCode::SERVICE_UNAVAILABLE,
            [(header::CONTENT_TYPE, "text/html")],
            "<html><body><h1>503 Service Temporarily Unavailable</h1></body></html>",
        )
            .into_response(),
    }
}

fn shanghai_text(t: DateTime<Utc>) -> String {
    t.with_timezone(&Shanghai)
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

// ---------------------------------------------------------------------------
// The simulator

#[derive(Default)]
struct Tokens {
    access: HashMap<String, DateTime<Utc>>,
    refresh: HashMap<String, DateTime<Utc>>,
}

/// The huadian simulator's state: its data, the mutable message feed, issued tokens and
/// accepted return applications.
pub struct HuadianSim {
    data: SandboxData,
    feed: Mutex<Vec<Message>>,
    creds: HuadianCredentials,
    gate: Arc<FaultGate>,
    tokens: Mutex<Tokens>,
    refunds: Mutex<RefundBook>,
}

#[derive(Default)]
struct RefundBook {
    applied: HashSet<String>,
    last_code_ms: i64,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl HuadianSim {
    pub fn new(mut data: SandboxData, creds: HuadianCredentials, gate: Arc<FaultGate>) -> Self {
        let feed = std::mem::take(&mut data.messages);
        Self {
            data,
            feed: Mutex::new(feed),
            creds,
            gate,
            tokens: Mutex::new(Tokens::default()),
            refunds: Mutex::new(RefundBook::default()),
        }
    }

    fn token_ttl(&self) -> ChronoDuration {
        let secs = match self.gate.faults().token_ttl_secs {
            0 => DEFAULT_TOKEN_TTL_SECS,
            s => s,
        };
        ChronoDuration::seconds(i64::try_from(secs).unwrap_or(i64::MAX / 1000))
    }

    /// Issues an access token; with `refresh` = None a new refresh token too.
    fn issue(&self, refresh: Option<(String, DateTime<Utc>)>) -> Value {
        let now = Utc::now();
        let access = uuid::Uuid::new_v4().simple().to_string();
        let expires = now + self.token_ttl();
        let (refresh, refresh_expires) = refresh.unwrap_or_else(|| {
            (
                uuid::Uuid::new_v4().simple().to_string(),
                now + ChronoDuration::seconds(REFRESH_TTL_SECS),
            )
        });
        {
            let mut t = lock(&self.tokens);
            t.access.insert(access.clone(), expires);
            t.refresh.insert(refresh.clone(), refresh_expires);
        }
        self.gate.shared().token_issued();
        serde_json::json!({
            "access_token": access,
            "expires_at": shanghai_text(expires),
            "refresh_token": refresh,
            "refresh_expires_at": shanghai_text(refresh_expires),
        })
    }
}

impl VendorSim for HuadianSim {
    fn messages_left(&self) -> usize {
        lock(&self.feed).len()
    }
}

/// `T` is today's `yyyyMMdd` in Shanghai (±1 day for clocks around midnight) or Unix
/// seconds within 15 minutes.
fn timestamp_fresh(t: &str, now: DateTime<Utc>) -> bool {
    if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    if t.len() == 8 {
        if let Ok(day) = NaiveDate::parse_from_str(t, "%Y%m%d") {
            let today = now.with_timezone(&Shanghai).date_naive();
            return (day - today).num_days().abs() <= 1;
        }
    }
    match t.parse::<i64>() {
        Ok(secs) => Utc
            .timestamp_opt(secs, 0)
            .single()
            .is_some_and(|at| (at - now).num_seconds().abs() <= TIMESTAMP_SKEW_SECS),
        Err(_) => false,
    }
}

type Params = Result<Query<HashMap<String, String>>, axum::extract::rejection::QueryRejection>;

async fn access_token(State(sim): State<Arc<HuadianSim>>, params: Params) -> Response {
    let Ok(Query(q)) = params else {
        return fail(Code::BadParams);
    };
    let (Some(u), Some(t), Some(s)) = (q.get("username"), q.get("timestamp"), q.get("sign")) else {
        return fail(Code::BadParams);
    };
    let expected = sign(&sim.creds.username, &sim.creds.password, t);
    if *u != sim.creds.username || *s != expected || !timestamp_fresh(t, Utc::now()) {
        return fail(Code::BadParams);
    }
    ok_value(&sim.issue(None))
}

async fn refresh_token(State(sim): State<Arc<HuadianSim>>, params: Params) -> Response {
    let Ok(Query(q)) = params else {
        return fail(Code::BadParams);
    };
    let Some(r) = q.get("refresh_token").filter(|r| !r.is_empty()) else {
        return fail(Code::BadParams);
    };
    let now = Utc::now();
    let expires = {
        let mut t = lock(&sim.tokens);
        match t.refresh.get(r.as_str()).copied() {
            Some(exp) if exp > now => exp,
            Some(_) => {
                t.refresh.remove(r.as_str());
                return fail(Code::RefreshExpired);
            }
            None => return fail(Code::RefreshExpired),
        }
    };
    ok_value(&sim.issue(Some((r.clone(), expires))))
}

/// Token check for every call but the two token endpoints; runs after the fault gate.
async fn require_token(State(sim): State<Arc<HuadianSim>>, req: Request, next: Next) -> Response {
    let token = match req.headers().get(TOKEN_HEADER).map(|v| v.to_str()) {
        Some(Ok(v)) if !v.trim().is_empty() => v.trim().to_owned(),
        _ => return fail(Code::TokenMissing),
    };
    let now = Utc::now();
    {
        let mut t = lock(&sim.tokens);
        match t.access.get(&token).copied() {
            Some(exp) if exp > now => {}
            Some(_) => {
                t.access.remove(&token);
                return fail(Code::TokenExpired);
            }
            None => return fail(Code::TokenExpired),
        }
    }
    if sim.gate.expire_this_token() {
        lock(&sim.tokens).access.remove(&token);
        return fail(Code::TokenExpired);
    }
    next.run(req).await
}

async fn statement(State(sim): State<Arc<HuadianSim>>, UrlPath(no): UrlPath<String>) -> Response {
    match sim.data.statements.get(&no) {
        Some(text) => ok_raw(&format!("[{text}]")),
        None => fail(Code::NoData),
    }
}

async fn packages_of_order(
    State(sim): State<Arc<HuadianSim>>,
    UrlPath(order): UrlPath<String>,
) -> Response {
    let list = sim
        .data
        .packages_by_order
        .get(&order)
        .map(|l| raw_list(l.iter().map(|r| r.as_ref())))
        .unwrap_or_else(|| "[]".to_owned());
    ok_raw(&list)
}

async fn package_by_no(
    State(sim): State<Arc<HuadianSim>>,
    UrlPath(no): UrlPath<String>,
) -> Response {
    match sim.data.package_by_no.get(&no) {
        Some(raw) => ok_raw(raw.get()),
        None => fail(Code::NoData),
    }
}

async fn invoice(
    State(sim): State<Arc<HuadianSim>>,
    UrlPath((bill, row)): UrlPath<(String, String)>,
) -> Response {
    let key = format!("{bill}/{row}");
    match sim.data.invoices.get(&key).filter(|l| !l.is_empty()) {
        Some(list) => ok_raw(&format!(
            r#"{{"invoiceContents":{}}}"#,
            raw_list(list.iter().map(|r| r.as_ref()))
        )),
        // The real service answers "no invoice" both ways; which one is fixed per key
        // so a rerun sees the same answer.
        None if md5::Md5::digest(key.as_bytes())[0] & 1 == 0 => ok_raw(r#"{"invoiceContents":[]}"#),
        None => fail(Code::NoData),
    }
}

fn positive(q: &HashMap<String, String>, name: &str) -> Option<usize> {
    q.get(name)?.parse::<usize>().ok().filter(|n| *n >= 1)
}

async fn paged_messages(State(sim): State<Arc<HuadianSim>>, params: Params) -> Response {
    let Ok(Query(q)) = params else {
        return fail(Code::BadParams);
    };
    let (Some(page), Some(size)) = (positive(&q, "page"), positive(&q, "pageSize")) else {
        return fail(Code::BadParams);
    };
    let kinds: Option<HashSet<i64>> = match q.get("type") {
        None => None,
        Some(list) => {
            let parsed: Result<HashSet<i64>, _> =
                list.split(',').map(|k| k.trim().parse::<i64>()).collect();
            match parsed {
                Ok(k) => Some(k),
                Err(_) => return fail(Code::BadParams),
            }
        }
    };
    let delete = match q.get("del").map(String::as_str) {
        None | Some("0") => false,
        Some("1") => true,
        Some(_) => return fail(Code::BadParams),
    };
    let mut feed = lock(&sim.feed);
    let matching: Vec<usize> = feed
        .iter()
        .enumerate()
        .filter(|(_, m)| kinds.as_ref().is_none_or(|k| k.contains(&m.kind)))
        .map(|(i, _)| i)
        .collect();
    let start = (page - 1).saturating_mul(size);
    let chosen: Vec<usize> = matching.into_iter().skip(start).take(size).collect();
    let body = raw_list(chosen.iter().map(|&i| feed[i].raw.as_ref()));
    if delete {
        let chosen: HashSet<usize> = chosen.into_iter().collect();
        let mut i = 0;
        feed.retain(|_| {
            let keep = !chosen.contains(&i);
            i += 1;
            keep
        });
    }
    drop(feed);
    ok_raw(&body)
}

async fn delete_messages(State(sim): State<Arc<HuadianSim>>, body: Bytes) -> Response {
    let Ok(Value::Array(items)) = serde_json::from_slice::<Value>(&body) else {
        return fail(Code::BadParams);
    };
    let ids: Option<HashSet<String>> = items.iter().map(key_text).collect();
    let Some(ids) = ids else {
        return fail(Code::BadParams);
    };
    lock(&sim.feed).retain(|m| !ids.contains(&m.id));
    ok_raw("true")
}

/// The key a duplicate application is recognised by: order + the skus (whole order = `*`).
fn refund_key(order: &str, skus: &Value) -> Option<String> {
    let part = match skus {
        Value::Null => "*".to_owned(),
        Value::Array(list) if !list.is_empty() => {
            let mut codes = list
                .iter()
                .map(|s| s.get("sku").and_then(key_text))
                .collect::<Option<Vec<_>>>()?;
            codes.sort();
            codes.join(",")
        }
        _ => return None,
    };
    Some(format!("{order}|{part}"))
}

async fn refund(State(sim): State<Arc<HuadianSim>>, body: Bytes) -> Response {
    let Ok(request) = serde_json::from_slice::<Value>(&body) else {
        return fail(Code::BadParams);
    };
    let Some(obj) = request.as_object() else {
        return fail(Code::BadParams);
    };
    let Some(order) = obj.get("order_id").and_then(key_text) else {
        return fail(Code::BadParams);
    };
    // The document types apply_type as a string yet shows numbers elsewhere: take both.
    match obj.get("apply_type").unwrap_or(&Value::Null) {
        Value::Null => {}
        v => match key_text(v).as_deref() {
            Some("4") | Some("5") => {}
            _ => return fail(Code::BadParams),
        },
    }
    let Some(key) = refund_key(&order, obj.get("skus").unwrap_or(&Value::Null)) else {
        return fail(Code::BadParams);
    };
    if !sim.data.orders.contains(&order) {
        return fail(Code::NoSuchOrder);
    }
    let code = {
        let mut book = lock(&sim.refunds);
        if !book.applied.insert(key) {
            return fail(Code::DuplicateOrder);
        }
        match obj.get("apply_code").and_then(key_text) {
            Some(given) => given,
            None => {
                // Codes are made of the time to the millisecond; keep them unique.
                let ms = Utc::now().timestamp_millis().max(book.last_code_ms + 1);
                book.last_code_ms = ms;
                let at = Utc
                    .timestamp_millis_opt(ms)
                    .single()
                    .unwrap_or_else(Utc::now);
                format!(
                    "RO__{}",
                    at.with_timezone(&Shanghai).format("%Y%m%d%H%M%S%3f")
                )
            }
        }
    };
    sim.gate.shared().record_refund(request.clone());
    ok_value(&serde_json::json!({ "apply_code": code }))
}

/// The huadian routes (to be nested under `/huadian`), each behind the fault gate and,
/// all but the token endpoints, then behind the token check.
pub fn routes<S>(sim: Arc<HuadianSim>) -> Router<S> {
    let open = |pattern: &'static str, route: MethodRouter<Arc<HuadianSim>>| {
        route.layer(middleware::from_fn_with_state(
            (sim.gate.clone(), pattern),
            gate,
        ))
    };
    let guarded = |pattern: &'static str, route: MethodRouter<Arc<HuadianSim>>| {
        open(
            pattern,
            route.layer(middleware::from_fn_with_state(sim.clone(), require_token)),
        )
    };
    const STATEMENT: &str = "/api/restful/order/query-statement/statement-no/{statementNo}";
    const PACKAGES: &str = "/api/restful/order/order-package/{orderId}";
    const PACKAGE: &str = "/api/restful/order/order-package/order-package-no/{packageNo}";
    const INVOICE: &str = "/api/restful/invoice/{billNo}/{billRowNo}";
    const MESSAGES: &str = "/api/restful/paged/messages";
    const DELETE: &str = "/api/restful/messages";
    const REFUND: &str = "/api/restful/refund";
    const TOKEN: &str = "/api/restful/auth2/access_token";
    const REFRESH: &str = "/api/restful/auth2/refresh_token";
    Router::new()
        .route(TOKEN, open(TOKEN, get(access_token)))
        .route(REFRESH, open(REFRESH, get(refresh_token)))
        .route(STATEMENT, guarded(STATEMENT, get(statement)))
        .route(PACKAGES, guarded(PACKAGES, get(packages_of_order)))
        .route(PACKAGE, guarded(PACKAGE, get(package_by_no)))
        .route(INVOICE, guarded(INVOICE, get(invoice)))
        .route(MESSAGES, guarded(MESSAGES, get(paged_messages)))
        .route(DELETE, guarded(DELETE, post(delete_messages)))
        .route(REFUND, guarded(REFUND, post(refund)))
        .with_state(sim)
}
