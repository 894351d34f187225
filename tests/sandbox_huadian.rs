//! The huadian simulator over HTTP: tokens, queries, the message feed, return
//! applications and each injected fault.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use recon::sandbox::{self, Faults, SandboxHandle, SandboxOptions};
use recon::vendors::huadian::sandbox::sign;
use serde_json::{json, Value};

fn fixture() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sandbox")
}

async fn spawn(faults: Faults) -> SandboxHandle {
    let mut opts = SandboxOptions::new(fixture());
    opts.faults = faults;
    sandbox::start("127.0.0.1:0".parse().unwrap(), opts)
        .await
        .expect("sandbox starts")
}

fn now_secs() -> String {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        .to_string()
}

fn shanghai_today() -> String {
    chrono::Utc::now()
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .format("%Y%m%d")
        .to_string()
}

struct Client {
    http: reqwest::Client,
    base: String,
}

impl Client {
    fn new(sb: &SandboxHandle) -> Self {
        Self {
            http: reqwest::Client::new(),
            base: sb.base_url("huadian"),
        }
    }

    async fn get_json(&self, path: &str, token: Option<&str>) -> Value {
        let mut req = self.http.get(format!("{}{}", self.base, path));
        if let Some(t) = token {
            req = req.header("Colipu-Token", t);
        }
        let resp = req.send().await.unwrap();
        assert_eq!(resp.status(), 200, "{path}");
        resp.json().await.unwrap()
    }

    async fn token_with(&self, user: &str, t: &str, sign: &str) -> Value {
        self.get_json(
            &format!("/api/restful/auth2/access_token?username={user}&timestamp={t}&sign={sign}"),
            None,
        )
        .await
    }

    async fn token(&self) -> String {
        let t = now_secs();
        let v = self
            .token_with("huadian_demo", &t, &sign("huadian_demo", "s3cret", &t))
            .await;
        assert_eq!(v["errorcode"], "0", "{v}");
        v["result"]["access_token"].as_str().unwrap().to_owned()
    }

    async fn post_json(&self, path: &str, token: &str, body: &str) -> Value {
        self.http
            .post(format!("{}{}", self.base, path))
            .header("Colipu-Token", token)
            .header("Content-Type", "application/json")
            .body(body.to_owned())
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }
}

fn code(v: &Value) -> &str {
    v["errorcode"].as_str().unwrap_or("?")
}

#[test]
fn sign_matches_the_conventions_test_vector() {
    assert_eq!(
        sign("huadian_demo", "s3cret", "20240122"),
        "0636b3e0b6064078fdeb6848aa2e7541"
    );
}

#[tokio::test]
async fn token_is_issued_for_a_good_sign_and_refused_otherwise() {
    let sb = spawn(Faults::default()).await;
    let c = Client::new(&sb);

    let day = shanghai_today();
    let v = c
        .token_with("huadian_demo", &day, &sign("huadian_demo", "s3cret", &day))
        .await;
    assert_eq!(v["success"], true);
    assert_eq!(code(&v), "0");
    let r = &v["result"];
    assert!(r["access_token"].as_str().is_some_and(|s| !s.is_empty()));
    assert!(r["refresh_token"].as_str().is_some_and(|s| !s.is_empty()));
    for k in ["expires_at", "refresh_expires_at"] {
        let at = r[k].as_str().unwrap();
        chrono::NaiveDateTime::parse_from_str(at, "%Y-%m-%d %H:%M:%S").expect(k);
    }

    let t = now_secs();
    let good = sign("huadian_demo", "s3cret", &t);
    // wrong password, wrong user, stale date, stale seconds, uppercase hex, missing sign
    let stale_secs = (t.parse::<i64>().unwrap() - 3600).to_string();
    let bad = [
        c.token_with("huadian_demo", &t, &sign("huadian_demo", "nope", &t))
            .await,
        c.token_with("other", &t, &sign("other", "s3cret", &t))
            .await,
        c.token_with(
            "huadian_demo",
            "20240122",
            "0636b3e0b6064078fdeb6848aa2e7541",
        )
        .await,
        c.token_with(
            "huadian_demo",
            &stale_secs,
            &sign("huadian_demo", "s3cret", &stale_secs),
        )
        .await,
        c.token_with("huadian_demo", &t, &good.to_uppercase()).await,
        c.get_json(
            &format!("/api/restful/auth2/access_token?username=huadian_demo&timestamp={t}"),
            None,
        )
        .await,
    ];
    for v in bad {
        assert_eq!(v["success"], false, "{v}");
        assert_eq!(code(&v), "5005", "{v}");
    }

    let refreshed = c
        .get_json(
            &format!(
                "/api/restful/auth2/refresh_token?refresh_token={}",
                r["refresh_token"].as_str().unwrap()
            ),
            None,
        )
        .await;
    assert_eq!(code(&refreshed), "0", "{refreshed}");
    let fresh = refreshed["result"]["access_token"].as_str().unwrap();
    let s = c
        .get_json(
            "/api/restful/order/query-statement/statement-no/CG-TEST-001",
            Some(fresh),
        )
        .await;
    assert_eq!(code(&s), "0");
    let unknown = c
        .get_json("/api/restful/auth2/refresh_token?refresh_token=nope", None)
        .await;
    assert_eq!(code(&unknown), "5003");

    assert_eq!(sb.stats().await.tokens_issued, 2);
    sb.shutdown().await;
}

#[tokio::test]
async fn missing_token_is_5002_and_unknown_token_is_5001() {
    let sb = spawn(Faults::default()).await;
    let c = Client::new(&sb);
    let path = "/api/restful/order/order-package/PO-TEST-001";
    assert_eq!(code(&c.get_json(path, None).await), "5002");
    assert_eq!(code(&c.get_json(path, Some("  ")).await), "5002");
    assert_eq!(code(&c.get_json(path, Some("not-a-token")).await), "5001");
    sb.shutdown().await;
}

#[tokio::test]
async fn statement_body_passes_number_forms_through_byte_exactly() {
    let sb = spawn(Faults::default()).await;
    let c = Client::new(&sb);
    let token = c.token().await;
    let text = c
        .http
        .get(format!(
            "{}/api/restful/order/query-statement/statement-no/CG-TEST-001",
            c.base
        ))
        .header("Colipu-Token", &token)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let file =
        std::fs::read_to_string(fixture().join("huadian/statements/CG-TEST-001.json")).unwrap();
    assert!(text.contains(&file), "the file text is spliced unchanged");
    assert!(text.contains(r#""orderAmount": "25.68""#));
    assert!(text.contains(r#""price": 3.00"#));
    let v: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["success"], true);
    assert_eq!(code(&v), "0");
    assert_eq!(v["errormsg"], "");
    assert!(v["requestId"].as_str().is_some_and(|s| !s.is_empty()));
    assert_eq!(v["result"][0]["statementNo"], "CG-TEST-001");

    let unknown = c
        .get_json(
            "/api/restful/order/query-statement/statement-no/CG-NOPE",
            Some(&token),
        )
        .await;
    assert_eq!(unknown["success"], false);
    assert_eq!(code(&unknown), "5004");
    sb.shutdown().await;
}

#[tokio::test]
async fn packages_answer_by_order_and_by_package_number() {
    let sb = spawn(Faults::default()).await;
    let c = Client::new(&sb);
    let token = c.token().await;
    let by_order = c
        .get_json("/api/restful/order/order-package/PO-TEST-001", Some(&token))
        .await;
    assert_eq!(
        by_order["result"],
        json!([
            {"orderId": "PO-TEST-001", "packageNo": "PK-001-01", "state": "2"},
            {"orderId": "PO-TEST-001", "packageNo": "PK-001-02", "state": 1}
        ])
    );
    for empty in ["PO-TEST-002", "PO-ABSENT"] {
        let v = c
            .get_json(
                &format!("/api/restful/order/order-package/{empty}"),
                Some(&token),
            )
            .await;
        assert_eq!(code(&v), "0");
        assert_eq!(v["result"], json!([]));
    }
    let one = c
        .get_json(
            "/api/restful/order/order-package/order-package-no/PK-001-02",
            Some(&token),
        )
        .await;
    assert_eq!(
        one["result"],
        json!({"orderId": "PO-TEST-001", "packageNo": "PK-001-02", "state": 1})
    );
    let none = c
        .get_json(
            "/api/restful/order/order-package/order-package-no/PK-NOPE",
            Some(&token),
        )
        .await;
    assert_eq!(code(&none), "5004");
    sb.shutdown().await;
}

#[tokio::test]
async fn invoice_none_answers_empty_list_or_5004_stably_per_key() {
    let sb = spawn(Faults::default()).await;
    let c = Client::new(&sb);
    let token = c.token().await;
    let found = c
        .get_json("/api/restful/invoice/BILL-001/BILL-001-1", Some(&token))
        .await;
    assert_eq!(
        found["result"]["invoiceContents"][0]["invoiceNo"],
        "27000021"
    );

    let mut forms = std::collections::HashSet::new();
    let keys = ["BILL-001/BILL-001-2"]
        .into_iter()
        .map(str::to_owned)
        .chain((0..12).map(|i| format!("BILL-X/BILL-X-{i}")));
    for key in keys {
        let path = format!("/api/restful/invoice/{key}");
        let first = c.get_json(&path, Some(&token)).await;
        let form = match code(&first) {
            "0" => {
                assert_eq!(first["result"], json!({"invoiceContents": []}));
                "empty"
            }
            "5004" => "5004",
            other => panic!("unexpected code {other}"),
        };
        forms.insert(form);
        let again = c.get_json(&path, Some(&token)).await;
        assert_eq!(code(&again), code(&first), "same answer for {key}");
    }
    assert_eq!(forms.len(), 2, "both forms of 'no invoice' occur");
    sb.shutdown().await;
}

async fn message_ids(c: &Client, token: &str, query: &str) -> Vec<String> {
    let v = c
        .get_json(&format!("/api/restful/paged/messages?{query}"), Some(token))
        .await;
    assert_eq!(code(&v), "0", "{v}");
    v["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn messages_page_by_type_and_delete_by_number_or_string_id() {
    let sb = spawn(Faults::default()).await;
    let c = Client::new(&sb);
    let token = c.token().await;
    let q = |page: u32| format!("type=303,304,702&del=0&page={page}&pageSize=2");
    assert_eq!(message_ids(&c, &token, &q(1)).await, ["134420", "134421"]);
    assert_eq!(message_ids(&c, &token, &q(2)).await, ["134422", "134424"]);
    assert!(message_ids(&c, &token, &q(3)).await.is_empty());
    // del=0 never deletes on read
    assert_eq!(message_ids(&c, &token, &q(1)).await, ["134420", "134421"]);
    assert_eq!(
        message_ids(&c, &token, "type=702&del=0&page=1&pageSize=50").await,
        ["134422", "134424"]
    );
    let item = c
        .get_json(
            "/api/restful/paged/messages?type=702&del=0&page=1&pageSize=1",
            Some(&token),
        )
        .await;
    assert_eq!(item["result"][0]["type"], 702);
    assert_eq!(item["result"][0]["result"]["status"], -1);

    let bad = c
        .get_json(
            "/api/restful/paged/messages?type=303&del=0&page=0&pageSize=2",
            Some(&token),
        )
        .await;
    assert_eq!(code(&bad), "5005");

    let del = c
        .post_json("/api/restful/messages", &token, "[134420,134422]")
        .await;
    assert_eq!(code(&del), "0", "{del}");
    let del = c
        .post_json("/api/restful/messages", &token, r#"["134421"]"#)
        .await;
    assert_eq!(code(&del), "0", "{del}");
    assert_eq!(message_ids(&c, &token, &q(1)).await, ["134424"]);
    for body in [
        r#"{"ids":[134424]}"#,
        "[1.5]",
        "[null]",
        "134424",
        "not json",
    ] {
        let v = c.post_json("/api/restful/messages", &token, body).await;
        assert_eq!(code(&v), "5005", "{body}");
    }
    assert_eq!(sb.stats().await.messages_left, 2);
    sb.shutdown().await;
}

#[tokio::test]
async fn refund_is_accepted_once_per_order_and_skus() {
    let sb = spawn(Faults::default()).await;
    let c = Client::new(&sb);
    let token = c.token().await;
    let whole = json!({"order_id": "PO-TEST-001", "apply_type": "4", "skus": null}).to_string();
    let v = c.post_json("/api/restful/refund", &token, &whole).await;
    assert_eq!(code(&v), "0", "{v}");
    let apply = v["result"]["apply_code"].as_str().unwrap();
    assert!(
        apply.starts_with("RO__") && apply.len() == 4 + 17,
        "{apply}"
    );
    assert!(apply[4..].bytes().all(|b| b.is_ascii_digit()));

    let again = c.post_json("/api/restful/refund", &token, &whole).await;
    assert_eq!(code(&again), "2060");

    let partial = json!({"order_id": "PO-TEST-001", "apply_type": "5",
        "skus": [{"sku": "136001", "num": 1, "price": 3.00}]})
    .to_string();
    assert_eq!(
        code(&c.post_json("/api/restful/refund", &token, &partial).await),
        "0"
    );

    let unknown = json!({"order_id": "PO-NOPE"}).to_string();
    assert_eq!(
        code(&c.post_json("/api/restful/refund", &token, &unknown).await),
        "2061"
    );
    for bad in [
        json!({"apply_type": "4"}).to_string(),
        json!({"order_id": "PO-TEST-001", "apply_type": "7"}).to_string(),
        "[]".to_owned(),
    ] {
        assert_eq!(
            code(&c.post_json("/api/restful/refund", &token, &bad).await),
            "5005",
            "{bad}"
        );
    }

    let stats = sb.stats().await;
    assert_eq!(stats.refunds.len(), 2);
    assert_eq!(stats.refunds[0]["order_id"], "PO-TEST-001");
    sb.shutdown().await;
}

#[tokio::test]
async fn fail_every_alternates_envelope_5000_and_http_503() {
    let sb = spawn(Faults {
        fail_every: 2,
        ..Faults::default()
    })
    .await;
    let c = Client::new(&sb);
    // request 1: the token (passes); 2: 5000; 3: passes; 4: 503
    let token = c.token().await;
    let url = format!("{}/api/restful/order/order-package/PO-TEST-001", c.base);
    let mut seen = Vec::new();
    for _ in 0..3 {
        let resp = c
            .http
            .get(&url)
            .header("Colipu-Token", &token)
            .send()
            .await
            .unwrap();
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap();
        let code = serde_json::from_str::<Value>(&text)
            .ok()
            .and_then(|v| v["errorcode"].as_str().map(str::to_owned));
        seen.push((status, code));
    }
    assert_eq!(
        seen,
        [
            (200, Some("5000".to_owned())),
            (200, Some("0".to_owned())),
            (503, None)
        ]
    );
    let stats = sb.stats().await;
    assert_eq!(stats.faults_injected, 2);
    assert_eq!(stats.requests, 4);
    assert_eq!(
        stats.by_endpoint["GET /huadian/api/restful/order/order-package/{orderId}"],
        3
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn expire_token_every_revokes_the_token_and_a_fresh_one_works() {
    let sb = spawn(Faults {
        expire_token_every: 2,
        ..Faults::default()
    })
    .await;
    let c = Client::new(&sb);
    let token = c.token().await;
    let path = "/api/restful/order/order-package/PO-TEST-001";
    assert_eq!(code(&c.get_json(path, Some(&token)).await), "0");
    assert_eq!(code(&c.get_json(path, Some(&token)).await), "5001");
    assert_eq!(
        code(&c.get_json(path, Some(&token)).await),
        "5001",
        "the token stays revoked"
    );
    let fresh = c.token().await;
    assert_eq!(code(&c.get_json(path, Some(&fresh)).await), "0");
    assert_eq!(sb.stats().await.faults_injected, 1);
    sb.shutdown().await;
}

#[tokio::test]
async fn max_rps_refuses_bursts_with_2065_and_counts_them() {
    let sb = spawn(Faults {
        max_rps: 3,
        ..Faults::default()
    })
    .await;
    let c = Client::new(&sb);
    let token = c.token().await;
    let path = "/api/restful/order/order-package/PO-TEST-001";
    let mut codes = Vec::new();
    for _ in 0..4 {
        codes.push(code(&c.get_json(path, Some(&token)).await).to_owned());
    }
    assert_eq!(codes, ["0", "0", "2065", "2065"]);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(code(&c.get_json(path, Some(&token)).await), "0");
    let stats = sb.stats().await;
    assert_eq!(stats.too_fast, 2);
    let over_http: Value = reqwest::get(format!("http://{}/_sandbox/stats", sb.addr))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(over_http["too_fast"], 2);
    assert_eq!(over_http["requests"], 6);
    sb.shutdown().await;
}

#[tokio::test]
async fn latency_delays_every_answer() {
    let sb = spawn(Faults {
        latency_ms: 150,
        ..Faults::default()
    })
    .await;
    let c = Client::new(&sb);
    let started = Instant::now();
    let token = c.token().await;
    assert!(started.elapsed() >= Duration::from_millis(150));
    let started = Instant::now();
    c.get_json("/api/restful/order/order-package/PO-TEST-001", Some(&token))
        .await;
    assert!(started.elapsed() >= Duration::from_millis(150));
    sb.shutdown().await;
}

#[tokio::test]
async fn malformed_data_file_is_a_start_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("huadian")).unwrap();
    std::fs::write(dir.path().join("huadian/messages.json"), "[{\"id\": ").unwrap();
    let err = sandbox::router(SandboxOptions::new(dir.path())).unwrap_err();
    assert!(format!("{err:#}").contains("messages.json"), "{err:#}");

    let missing = sandbox::router(SandboxOptions::new(dir.path().join("nope"))).unwrap_err();
    assert!(format!("{missing:#}").contains("nope"), "{missing:#}");
}

/// The bundled `sample-data/` (once merged) must load; `RECON_SAMPLE_DATA` points
/// elsewhere.
#[tokio::test]
async fn bundled_sample_data_loads_and_serves_its_statements() {
    let dir = std::env::var_os("RECON_SAMPLE_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("sample-data"));
    if !dir.is_dir() {
        eprintln!("no sample data at {}; skipped", dir.display());
        return;
    }
    let sb = sandbox::start("127.0.0.1:0".parse().unwrap(), SandboxOptions::new(&dir))
        .await
        .expect("the sample data loads");
    let c = Client::new(&sb);
    let token = c.token().await;
    let statements = std::fs::read_dir(dir.join("huadian/statements")).unwrap();
    for entry in statements.take(3) {
        let path = entry.unwrap().path();
        let no = path.file_stem().unwrap().to_str().unwrap().to_owned();
        let v = c
            .get_json(
                &format!("/api/restful/order/query-statement/statement-no/{no}"),
                Some(&token),
            )
            .await;
        assert_eq!(code(&v), "0", "{no}");
        assert_eq!(v["result"][0]["statementNo"], no.as_str());
    }
    let page = c
        .get_json(
            "/api/restful/paged/messages?type=303,304,702&del=0&page=1&pageSize=50",
            Some(&token),
        )
        .await;
    assert_eq!(code(&page), "0");
    assert!(sb.stats().await.messages_left > 0);
    sb.shutdown().await;
}

#[tokio::test]
async fn token_ttl_expires_access_tokens_and_refresh_renews_them() {
    let sb = spawn(Faults {
        token_ttl_secs: 1,
        ..Faults::default()
    })
    .await;
    let c = Client::new(&sb);
    let t = now_secs();
    let issued = c
        .token_with("huadian_demo", &t, &sign("huadian_demo", "s3cret", &t))
        .await;
    let access = issued["result"]["access_token"].as_str().unwrap();
    let refresh = issued["result"]["refresh_token"].as_str().unwrap();
    let path = "/api/restful/order/order-package/PO-TEST-001";
    assert_eq!(code(&c.get_json(path, Some(access)).await), "0");
    tokio::time::sleep(Duration::from_millis(1200)).await;
    assert_eq!(code(&c.get_json(path, Some(access)).await), "5001");
    let renewed = c
        .get_json(
            &format!("/api/restful/auth2/refresh_token?refresh_token={refresh}"),
            None,
        )
        .await;
    let fresh = renewed["result"]["access_token"].as_str().unwrap();
    assert_ne!(fresh, access);
    assert_eq!(code(&c.get_json(path, Some(fresh)).await), "0");
    sb.shutdown().await;
}
