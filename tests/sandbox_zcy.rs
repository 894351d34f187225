//! The zcy simulator over HTTP: the gateway's signature, timestamp, nonce and key checks,
//! the four services of the seed, and the injected faults.

use std::path::PathBuf;

use axum::http::{HeaderMap, HeaderName, HeaderValue};
use recon::sandbox::{self, Faults, SandboxHandle, SandboxOptions, ZcyCredentials};
use recon::vendors::zcy::sandbox::{verify, Refusal};
use recon::vendors::zcy::sign::{sign, string_to_sign, ACCEPT, CONTENT_TYPE, SIGNED_HEADERS};
use serde_json::{json, Value};

const KEY: &str = "zcy-demo-key";
const SECRET: &str = "zcy-demo-secret";
const QUERY: &str = "QuerySupplierStatements";
const CREDENTIALS: &str = "SupplierGetUploadCredentials";
const UPLOAD: &str = "SupplierUploadInvoiceInfo";
const CONFIRM: &str = "SubmitStatementMatchConfirm";
const VECTOR_DATA: &str = r#"{"data":{"pageNo":0,"pageSize":5,"endAt":"2016-02-09 11:12:23","startAt":"2016-01-09 11:12:23","status":"未支付"}}"#;

fn fixture() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sandbox_zcy")
}

async fn spawn_with(opts: SandboxOptions) -> SandboxHandle {
    sandbox::start("127.0.0.1:0".parse().unwrap(), opts)
        .await
        .expect("sandbox starts")
}

async fn spawn(faults: Faults) -> SandboxHandle {
    let mut opts = SandboxOptions::new(fixture());
    opts.faults = faults;
    spawn_with(opts).await
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

fn fresh_nonce() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// One request as a connector would sign it; each field can be spoiled by a test.
struct Call {
    service: &'static str,
    data: String,
    key: String,
    secret: String,
    timestamp: String,
    nonce: String,
    signed: Vec<&'static str>,
    /// Signed headers listed but not sent.
    omit: Vec<&'static str>,
    signature: Option<String>,
}

impl Call {
    fn new(service: &'static str, data: impl Into<String>) -> Self {
        Self {
            service,
            data: data.into(),
            key: KEY.into(),
            secret: SECRET.into(),
            timestamp: now_ms().to_string(),
            nonce: fresh_nonce(),
            signed: SIGNED_HEADERS.to_vec(),
            omit: vec![],
            signature: None,
        }
    }

    fn header_value(&self, name: &str) -> String {
        match name {
            "X-Ca-Format" => "json2".into(),
            "X-Ca-Key" => self.key.clone(),
            "X-Ca-Nonce" => self.nonce.clone(),
            "X-Ca-Timestamp" => self.timestamp.clone(),
            other => panic!("no value for {other}"),
        }
    }

    async fn send(&self, sb: &SandboxHandle) -> (u16, String) {
        let headers: Vec<(&str, String)> = SIGNED_HEADERS
            .iter()
            .map(|n| (*n, self.header_value(n)))
            .collect();
        let signed: Vec<(&str, &str)> = headers
            .iter()
            .filter(|(n, _)| self.signed.contains(n))
            .map(|(n, v)| (*n, v.as_str()))
            .collect();
        let path = format!("/open/{}", self.service);
        let sts = string_to_sign(
            "POST",
            ACCEPT,
            CONTENT_TYPE,
            &signed,
            &path,
            &[("_data_", &self.data)],
        );
        let signature = self
            .signature
            .clone()
            .unwrap_or_else(|| sign(&self.secret, &sts));
        let mut req = reqwest::Client::new()
            .post(format!("{}{}", sb.base_url("zcy"), path))
            .header("Accept", ACCEPT)
            .header("Content-Type", CONTENT_TYPE)
            .header("X-Ca-Signature-Headers", self.signed.join(","))
            .header("X-Ca-Signature", signature);
        for (n, v) in &headers {
            if !self.omit.contains(n) {
                req = req.header(*n, v);
            }
        }
        let resp = req
            .form(&[("_data_", self.data.as_str())])
            .send()
            .await
            .unwrap();
        let status = resp.status().as_u16();
        (status, resp.text().await.unwrap())
    }
}

async fn call(sb: &SandboxHandle, service: &'static str, data: &str) -> (u16, Value) {
    let (status, body) = Call::new(service, data).send(sb).await;
    let v = serde_json::from_str(&body).unwrap_or_else(|e| panic!("{e}: {body}"));
    (status, v)
}

fn query(page_no: u64, page_size: u64, start: &str, end: &str, status: &str) -> String {
    json!({"data": {"pageNo": page_no, "pageSize": page_size, "startAt": start, "endAt": end, "status": status}})
        .to_string()
}

async fn statement_nos(sb: &SandboxHandle, data: &str) -> (u64, Vec<String>) {
    let (status, v) = call(sb, QUERY, data).await;
    assert_eq!(status, 200, "{v}");
    let nos = v["data_response"]["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["statementNo"].as_str().unwrap().to_owned())
        .collect();
    (v["data_response"]["total"].as_u64().unwrap(), nos)
}

fn bad_params() -> Value {
    json!({"error_response": {"resultCode": -1, "resultMsg": "入参非法"}})
}

fn vector_headers(signature: &str) -> HeaderMap {
    let mut h = HeaderMap::new();
    for (n, v) in [
        ("Accept", ACCEPT),
        ("Content-Type", CONTENT_TYPE),
        ("X-Ca-Format", "json2"),
        ("X-Ca-Key", KEY),
        ("X-Ca-Nonce", "5f2b1c3e-0000-4000-8000-000000000001"),
        ("X-Ca-Timestamp", "1705900000000"),
        (
            "X-Ca-Signature-Headers",
            "X-Ca-Format,X-Ca-Key,X-Ca-Nonce,X-Ca-Timestamp",
        ),
        ("X-Ca-Signature", signature),
    ] {
        h.insert(
            HeaderName::from_bytes(n.as_bytes()).unwrap(),
            HeaderValue::from_str(v).unwrap(),
        );
    }
    h
}

#[test]
fn the_conventions_test_vector_passes_the_gateway_check_at_its_own_time() {
    let headers = vector_headers("TBWIcuGeGBOsJaX4k8hVw5sN2ztQS7QkaD4VFsQsVrQ=");
    let form = vec![("_data_".to_owned(), VECTOR_DATA.to_owned())];
    let path = "/open/QuerySupplierStatements";
    let creds = ZcyCredentials::default();
    assert_eq!(
        verify(&creds, &headers, path, &form, 1_705_900_000_000).as_deref(),
        Ok("5f2b1c3e-0000-4000-8000-000000000001")
    );
    // Within 15 minutes either side, not beyond.
    let minute = 60_000;
    assert!(verify(
        &creds,
        &headers,
        path,
        &form,
        1_705_900_000_000 + 15 * minute
    )
    .is_ok());
    assert_eq!(
        verify(
            &creds,
            &headers,
            path,
            &form,
            1_705_900_000_000 + 16 * minute
        ),
        Err(Refusal::Timestamp)
    );
    // The signature covers the path as a gateway at the root sees it, without /zcy.
    assert_eq!(
        verify(
            &creds,
            &headers,
            "/zcy/open/QuerySupplierStatements",
            &form,
            1_705_900_000_000
        ),
        Err(Refusal::Signature)
    );
    let other = ZcyCredentials {
        app_key: KEY.into(),
        app_secret: "another-secret".into(),
    };
    assert_eq!(
        verify(&other, &headers, path, &form, 1_705_900_000_000),
        Err(Refusal::Signature)
    );
}

#[tokio::test]
async fn the_test_vector_request_with_a_fresh_timestamp_is_served() {
    let sb = spawn(Faults::default()).await;
    let (status, v) = call(&sb, QUERY, VECTOR_DATA).await;
    assert_eq!(status, 200);
    assert_eq!(v, json!({"data_response": {"total": 0, "data": []}}));
    assert_eq!(
        sb.stats().await.by_endpoint["POST /zcy/open/QuerySupplierStatements"],
        1
    );
    sb.shutdown().await;
}

async fn refused_with(sb: &SandboxHandle, c: Call, message: &str) {
    let (status, body) = c.send(sb).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap(),
        json!({ "errorMessage": message })
    );
}

#[tokio::test]
async fn a_wrong_signature_is_refused_with_400() {
    let sb = spawn(Faults::default()).await;
    let mut c = Call::new(QUERY, VECTOR_DATA);
    c.secret = "not-the-secret".into();
    refused_with(&sb, c, "Invalid Signature").await;
    let mut c = Call::new(QUERY, VECTOR_DATA);
    c.signature = Some("TBWIcuGeGBOsJaX4k8hVw5sN2ztQS7QkaD4VFsQsVrQ=".into());
    refused_with(&sb, c, "Invalid Signature").await;
    sb.shutdown().await;
}

#[tokio::test]
async fn a_timestamp_more_than_15_minutes_off_is_refused_with_400() {
    let sb = spawn(Faults::default()).await;
    for off in [-16 * 60_000, 16 * 60_000] {
        let mut c = Call::new(QUERY, VECTOR_DATA);
        c.timestamp = (now_ms() + off).to_string();
        refused_with(&sb, c, "Invalid Timestamp").await;
    }
    // Seconds instead of milliseconds are 55 years off.
    let mut c = Call::new(QUERY, VECTOR_DATA);
    c.timestamp = (now_ms() / 1000).to_string();
    refused_with(&sb, c, "Invalid Timestamp").await;
    let mut c = Call::new(QUERY, VECTOR_DATA);
    c.timestamp = (now_ms() - 14 * 60_000).to_string();
    assert_eq!(c.send(&sb).await.0, 200);
    sb.shutdown().await;
}

#[tokio::test]
async fn a_replayed_nonce_is_refused_with_400_and_counted() {
    let sb = spawn(Faults::default()).await;
    let nonce = fresh_nonce();
    let mut first = Call::new(QUERY, VECTOR_DATA);
    first.nonce = nonce.clone();
    assert_eq!(first.send(&sb).await.0, 200);
    // Signed again, with a new timestamp, but the same nonce.
    let mut again = Call::new(QUERY, VECTOR_DATA);
    again.nonce = nonce.clone();
    again.timestamp = (now_ms() + 1).to_string();
    refused_with(&sb, again, "Nonce Used").await;
    assert_eq!(sb.stats().await.replays_refused, 1);
    // A request refused for its signature does not use its nonce up.
    let nonce = fresh_nonce();
    let mut forged = Call::new(QUERY, VECTOR_DATA);
    forged.nonce = nonce.clone();
    forged.secret = "guess".into();
    refused_with(&sb, forged, "Invalid Signature").await;
    let mut honest = Call::new(QUERY, VECTOR_DATA);
    honest.nonce = nonce;
    assert_eq!(honest.send(&sb).await.0, 200);
    sb.shutdown().await;
}

#[tokio::test]
async fn an_unknown_app_key_is_refused_with_400() {
    let sb = spawn(Faults::default()).await;
    let mut c = Call::new(QUERY, VECTOR_DATA);
    c.key = "someone-else".into();
    refused_with(&sb, c, "Invalid AppKey").await;
    // A server started with other credentials refuses the demo key.
    let mut opts = SandboxOptions::new(fixture());
    opts.zcy = ZcyCredentials {
        app_key: "prod-key".into(),
        app_secret: "prod-secret".into(),
    };
    let other = spawn_with(opts).await;
    refused_with(&other, Call::new(QUERY, VECTOR_DATA), "Invalid AppKey").await;
    let mut c = Call::new(QUERY, VECTOR_DATA);
    c.key = "prod-key".into();
    c.secret = "prod-secret".into();
    assert_eq!(c.send(&other).await.0, 200);
    other.shutdown().await;
    sb.shutdown().await;
}

#[tokio::test]
async fn signed_headers_must_name_key_nonce_and_timestamp_and_be_sent() {
    let sb = spawn(Faults::default()).await;
    for required in ["X-Ca-Key", "X-Ca-Nonce", "X-Ca-Timestamp"] {
        let mut c = Call::new(QUERY, VECTOR_DATA);
        c.signed.retain(|n| *n != required);
        refused_with(&sb, c, "Invalid X-Ca-Signature-Headers").await;
    }
    // X-Ca-Format may be left unsigned.
    let mut c = Call::new(QUERY, VECTOR_DATA);
    c.signed = vec!["X-Ca-Key", "X-Ca-Nonce", "X-Ca-Timestamp"];
    assert_eq!(c.send(&sb).await.0, 200);
    // A missing required header is refused whatever it is listed as.
    let mut c = Call::new(QUERY, VECTOR_DATA);
    c.omit = vec!["X-Ca-Nonce"];
    let (status, _) = c.send(&sb).await;
    assert_eq!(status, 400);
    let mut c = Call::new(QUERY, VECTOR_DATA);
    c.omit = vec!["X-Ca-Format"];
    refused_with(&sb, c, "Invalid X-Ca-Format").await;
    sb.shutdown().await;
}

#[tokio::test]
async fn a_form_sent_without_the_conventions_content_type_is_refused_with_400() {
    let sb = spawn(Faults::default()).await;
    let resp = reqwest::Client::new()
        .post(format!("{}/open/{QUERY}", sb.base_url("zcy")))
        .header("Content-Type", "application/json")
        .body(VECTOR_DATA)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v, json!({"errorMessage": "Invalid Content-Type"}));
    sb.shutdown().await;
}

#[tokio::test]
async fn unpaid_statements_are_paged_from_0_by_statement_no_with_the_total() {
    let sb = spawn(Faults::default()).await;
    let q = |page| {
        query(
            page,
            2,
            "2024-01-01 00:00:00",
            "2024-01-31 23:59:59",
            "未支付",
        )
    };
    assert_eq!(
        statement_nos(&sb, &q(0)).await,
        (3, vec!["1234567890123456789".into(), "ZCY-U-002".into()])
    );
    assert_eq!(
        statement_nos(&sb, &q(1)).await,
        (3, vec!["ZCY-U-003".into()])
    );
    assert_eq!(statement_nos(&sb, &q(2)).await, (3, vec![]));
    assert_eq!(statement_nos(&sb, &q(1000)).await, (3, vec![]));
    sb.shutdown().await;
}

#[tokio::test]
async fn unpaid_filters_on_create_at_with_both_ends_included() {
    let sb = spawn(Faults::default()).await;
    let nos = |start: &str, end: &str| query(0, 100, start, end, "未支付");
    assert_eq!(
        statement_nos(&sb, &nos("2024-01-10 09:00:00", "2024-01-20 23:59:59")).await,
        (2, vec!["ZCY-U-002".into(), "ZCY-U-003".into()])
    );
    assert_eq!(
        statement_nos(&sb, &nos("2024-01-10 09:00:01", "2024-01-20 23:59:58")).await,
        (0, vec![])
    );
    // ZCY-M-002 was created in this window but is 已匹配.
    assert_eq!(
        statement_nos(&sb, &nos("2024-01-05 00:00:00", "2024-01-05 23:59:59")).await,
        (0, vec![])
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn matched_filters_on_when_matching_completed_and_carries_pay_records() {
    let sb = spawn(Faults::default()).await;
    let q = |start: &str, end: &str| query(0, 100, start, end, "已匹配");
    // ZCY-M-001 was created in December and matched on 15 January; ZCY-M-002 created
    // in January, matched on 3 February.
    let (status, v) = call(&sb, QUERY, &q("2024-01-01 00:00:00", "2024-01-31 23:59:59")).await;
    assert_eq!(status, 200);
    assert_eq!(v["data_response"]["total"], 1);
    let s = &v["data_response"]["data"][0];
    assert_eq!(s["statementNo"], "ZCY-M-001");
    assert_eq!(s["status"], "已匹配");
    assert_eq!(s["payRecords"][0]["payAmount"], 1_000_000);
    assert_eq!(
        statement_nos(&sb, &q("2024-02-03 09:30:00", "2024-02-03 09:30:00")).await,
        (1, vec!["ZCY-M-002".into()])
    );
    assert_eq!(
        statement_nos(&sb, &q("2023-12-01 00:00:00", "2023-12-31 23:59:59")).await,
        (0, vec![])
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn nineteen_digit_ids_reach_the_client_byte_exact() {
    let sb = spawn(Faults::default()).await;
    let data = query(0, 1, "2024-01-01 00:00:00", "2024-01-31 23:59:59", "未支付");
    let (status, body) = Call::new(QUERY, data).send(&sb).await;
    assert_eq!(status, 200);
    // Neither id survives a trip through a double.
    assert!(
        body.contains(r#""statementId": 1234567890123456789,"#),
        "{body}"
    );
    assert!(
        body.contains(r#"{"orderId": 9223372036854775801}"#),
        "{body}"
    );
    assert!(
        body.starts_with(r#"{"data_response":{"total":3,"data":[{"#),
        "{body}"
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn bad_query_parameters_answer_500_with_the_error_response() {
    let sb = spawn(Faults::default()).await;
    let (s, e) = ("2024-01-01 00:00:00", "2024-01-31 23:59:59");
    let bad = [
        query(0, 101, s, e, "未支付"),
        query(0, 0, s, e, "未支付"),
        query(0, 10, s, e, "已支付"),
        query(0, 10, "2024-01-01", e, "未支付"),
        query(0, 10, "2024-1-1 00:00:00", e, "未支付"),
        query(0, 10, e, s, "未支付"),
        json!({"data": {"pageNo": -1, "pageSize": 10, "startAt": s, "endAt": e, "status": "未支付"}})
            .to_string(),
        json!({"data": {"pageNo": "0", "pageSize": 10, "startAt": s, "endAt": e, "status": "未支付"}})
            .to_string(),
        json!({"data": {"pageSize": 10, "startAt": s, "endAt": e, "status": "未支付"}}).to_string(),
        json!({"pageNo": 0, "pageSize": 10, "startAt": s, "endAt": e, "status": "未支付"})
            .to_string(),
        "not json".to_owned(),
    ];
    for data in bad {
        let (status, body) = Call::new(QUERY, data.clone()).send(&sb).await;
        assert_eq!(status, 500, "{data}");
        assert_eq!(
            serde_json::from_str::<Value>(&body).unwrap(),
            bad_params(),
            "{data}"
        );
    }
    assert_eq!(
        call(&sb, QUERY, &query(0, 100, s, e, "未支付")).await.0,
        200
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn upload_credentials_answer_one_file_id_per_file() {
    let sb = spawn(Faults::default()).await;
    let (status, v) = call(&sb, CREDENTIALS, r#"{"fileNum":2}"#).await;
    assert_eq!(status, 200, "{v}");
    let d = &v["data_response"];
    assert_eq!(d["bucket"], "zcy-dc");
    assert!(d["accessKeyId"].as_str().unwrap().starts_with("STS."));
    for k in ["securityToken", "accessKeySecret"] {
        assert!(!d[k].as_str().unwrap().is_empty(), "{k}");
    }
    let exp = d["expiration"].as_str().unwrap();
    assert!(chrono::DateTime::parse_from_rfc3339(exp).is_ok(), "{exp}");
    let ids = d["data"].as_array().unwrap();
    assert_eq!(ids.len(), 2);
    for id in ids {
        let id = id.as_str().unwrap();
        let uuid = id.strip_prefix("null/").unwrap();
        assert!(uuid::Uuid::parse_str(uuid).is_ok(), "{id}");
    }
    assert_ne!(ids[0], ids[1]);
    // No `data` wrapper on this service; a wrapped request misses fileNum.
    for bad in [
        r#"{"data":{"fileNum":2}}"#,
        r#"{"fileNum":0}"#,
        r#"{"fileNum":"2"}"#,
    ] {
        assert_eq!(
            call(&sb, CREDENTIALS, bad).await,
            (500, bad_params()),
            "{bad}"
        );
    }
    sb.shutdown().await;
}

fn upload(serial: &str) -> Value {
    json!({"data": {
        "serialNo": serial,
        "invoiceNo": "27990480762",
        "invoiceCode": "ADA121321",
        "expressCompany": "中通快递",
        "expressCompanyCode": "111",
        "expressNo": "SF0021",
        "attachFile": {"fileId": "201", "filename": "发票附件1", "fileType": "jpg", "fileBytes": 1000}
    }})
}

#[tokio::test]
async fn an_invoice_upload_for_a_known_serial_succeeds_with_leading_space_keys() {
    let sb = spawn(Faults::default()).await;
    let (status, body) = Call::new(UPLOAD, upload("4004032000000010000").to_string())
        .send(&sb)
        .await;
    assert_eq!(status, 200);
    assert_eq!(body, r#"{"data_response":{" code":0," message":"成功"}}"#);
    // Optional fields may be left out.
    let mut minimal = upload("F011601020100000018");
    let d = minimal["data"].as_object_mut().unwrap();
    d.remove("expressCompanyCode");
    d.remove("attachFile");
    let (status, v) = call(&sb, UPLOAD, &minimal.to_string()).await;
    assert_eq!((status, &v["data_response"][" code"]), (200, &json!(0)));
    let stats = sb.stats().await;
    assert_eq!(stats.zcy_uploads.len(), 2);
    assert_eq!(stats.zcy_uploads[0]["serialNo"], "4004032000000010000");
    assert_eq!(stats.zcy_uploads[0]["invoiceNo"], "27990480762");
    sb.shutdown().await;
}

#[tokio::test]
async fn an_invoice_upload_for_an_unknown_serial_or_with_a_field_missing_fails() {
    let sb = spawn(Faults::default()).await;
    let (status, body) = Call::new(UPLOAD, upload("FP001").to_string())
        .send(&sb)
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        body,
        r#"{"data_response":{" code":-1," message":"开票需求不存在"}}"#
    );
    for field in [
        "serialNo",
        "invoiceNo",
        "invoiceCode",
        "expressCompany",
        "expressNo",
    ] {
        let mut bad = upload("4004032000000010000");
        bad["data"].as_object_mut().unwrap().remove(field);
        assert_eq!(
            call(&sb, UPLOAD, &bad.to_string()).await,
            (500, bad_params()),
            "{field}"
        );
    }
    let mut long = upload("4004032000000010000");
    long["data"]["expressNo"] = json!("X".repeat(33));
    assert_eq!(
        call(&sb, UPLOAD, &long.to_string()).await,
        (500, bad_params())
    );
    let unwrapped = upload("4004032000000010000")["data"].to_string();
    assert_eq!(call(&sb, UPLOAD, &unwrapped).await, (500, bad_params()));
    assert!(sb.stats().await.zcy_uploads.is_empty());
    sb.shutdown().await;
}

fn confirm(no: &str, verdict: &str, remark: &str) -> String {
    json!({"data": {"statementNo": no, "confirm": verdict, "remark": remark}}).to_string()
}

#[tokio::test]
async fn a_matched_statement_is_confirmed_once() {
    let sb = spawn(Faults::default()).await;
    let (status, body) = Call::new(CONFIRM, confirm("ZCY-M-001", "通过", ""))
        .send(&sb)
        .await;
    assert_eq!(status, 200);
    assert_eq!(body, r#"{"data_response":{" code":0," message":"成功"}}"#);
    let (status, body) = Call::new(CONFIRM, confirm("ZCY-M-001", "不通过", "金额不符"))
        .send(&sb)
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        body,
        r#"{"data_response":{" code":-1," message":"结算单已确认"}}"#
    );
    let (status, v) = call(&sb, CONFIRM, &confirm("ZCY-M-002", "不通过", "金额不符")).await;
    assert_eq!((status, &v["data_response"][" code"]), (200, &json!(0)));
    let stats = sb.stats().await;
    assert_eq!(stats.zcy_confirms.len(), 2);
    assert_eq!(
        stats.zcy_confirms[1],
        json!({"statementNo": "ZCY-M-002", "confirm": "不通过", "remark": "金额不符"})
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn confirming_an_unknown_or_unpaid_statement_or_with_bad_input_fails() {
    let sb = spawn(Faults::default()).await;
    for no in ["NO-SUCH", "ZCY-U-002"] {
        let (status, v) = call(&sb, CONFIRM, &confirm(no, "通过", "")).await;
        assert_eq!(status, 200, "{no}");
        assert_eq!(v["data_response"][" code"], -1, "{no}");
        assert!(v["data_response"][" message"].is_string(), "{no}");
    }
    let bad = [
        confirm("ZCY-M-001", "OK", ""),
        confirm("ZCY-M-001", "不通过", &"长".repeat(129)),
        json!({"data": {"confirm": "通过"}}).to_string(),
        json!({"statementNo": "ZCY-M-001", "confirm": "通过"}).to_string(),
    ];
    for data in bad {
        assert_eq!(
            call(&sb, CONFIRM, &data).await,
            (500, bad_params()),
            "{data}"
        );
    }
    // 128 characters is allowed; remark may be absent.
    let (_, v) = call(
        &sb,
        CONFIRM,
        &confirm("ZCY-M-001", "不通过", &"长".repeat(128)),
    )
    .await;
    assert_eq!(v["data_response"][" code"], 0);
    let no_remark = json!({"data": {"statementNo": "ZCY-M-002", "confirm": "通过"}}).to_string();
    assert_eq!(
        call(&sb, CONFIRM, &no_remark).await.1["data_response"][" code"],
        0
    );
    assert_eq!(sb.stats().await.zcy_confirms.len(), 2);
    sb.shutdown().await;
}

#[tokio::test]
async fn fail_every_alternates_http_503_and_502() {
    let sb = spawn(Faults {
        fail_every: 2,
        ..Faults::default()
    })
    .await;
    let mut statuses = vec![];
    for _ in 0..6 {
        statuses.push(Call::new(QUERY, VECTOR_DATA).send(&sb).await.0);
    }
    assert_eq!(statuses, vec![200, 503, 200, 502, 200, 503]);
    assert_eq!(sb.stats().await.faults_injected, 3);
    sb.shutdown().await;
}

#[tokio::test]
async fn over_max_rps_is_refused_with_429_throttled() {
    let sb = spawn(Faults {
        max_rps: 2,
        ..Faults::default()
    })
    .await;
    let mut answers = vec![];
    for _ in 0..3 {
        answers.push(Call::new(QUERY, VECTOR_DATA).send(&sb).await);
    }
    assert_eq!(answers[0].0, 200);
    assert_eq!(answers[1].0, 200);
    assert_eq!(answers[2].0, 429);
    assert_eq!(
        serde_json::from_str::<Value>(&answers[2].1).unwrap(),
        json!({"errorMessage": "Throttled"})
    );
    assert_eq!(sb.stats().await.too_fast, 1);
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    assert_eq!(Call::new(QUERY, VECTOR_DATA).send(&sb).await.0, 200);
    sb.shutdown().await;
}

#[tokio::test]
async fn a_data_folder_without_zcy_serves_no_statements() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sandbox");
    let sb = spawn_with(SandboxOptions::new(dir)).await;
    let data = query(
        0,
        100,
        "2000-01-01 00:00:00",
        "2099-12-31 23:59:59",
        "未支付",
    );
    assert_eq!(statement_nos(&sb, &data).await, (0, vec![]));
    let (_, v) = call(&sb, CONFIRM, &confirm("ZCY-M-001", "通过", "")).await;
    assert_eq!(v["data_response"][" code"], -1);
    sb.shutdown().await;
}

#[test]
fn zcy_credentials_debug_hides_the_secret() {
    let opts = SandboxOptions::new(fixture());
    assert_eq!(opts.zcy.app_key, KEY);
    assert_eq!(opts.zcy.app_secret, SECRET);
    let shown = format!("{opts:?}");
    assert!(shown.contains(KEY), "{shown}");
    assert!(!shown.contains(SECRET), "{shown}");
}
