//! The Alibaba Cloud API Gateway signature zcy uses (VENDOR-CONVENTIONS):
//! `base64(hmac_sha256(secret, string_to_sign))`. Shared by the connector
//! and the sandbox so both build the same string.

use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

pub const ACCEPT: &str = "application/json";
pub const CONTENT_TYPE: &str = "application/x-www-form-urlencoded; charset=utf-8";
/// The X-Ca-* headers the connector signs, in the order it lists them.
pub const SIGNED_HEADERS: &[&str] = &["X-Ca-Format", "X-Ca-Key", "X-Ca-Nonce", "X-Ca-Timestamp"];

/// `METHOD\nAccept\nContent-MD5\nContent-Type\nDate\n` + each signed header
/// `Name:value\n` sorted by name + `path?k=v&...` (form fields sorted, raw).
pub fn string_to_sign(
    method: &str,
    accept: &str,
    content_type: &str,
    headers: &[(&str, &str)],
    path: &str,
    form: &[(&str, &str)],
) -> String {
    let mut s = format!("{method}\n{accept}\n\n{content_type}\n\n");
    let mut hs: Vec<&(&str, &str)> = headers.iter().collect();
    hs.sort_by(|a, b| a.0.cmp(b.0));
    for (k, v) in hs {
        s.push_str(k);
        s.push(':');
        s.push_str(v);
        s.push('\n');
    }
    s.push_str(path);
    if !form.is_empty() {
        let mut fs: Vec<&(&str, &str)> = form.iter().collect();
        fs.sort_by(|a, b| a.0.cmp(b.0));
        s.push('?');
        let joined: Vec<String> = fs.iter().map(|(k, v)| format!("{k}={v}")).collect();
        s.push_str(&joined.join("&"));
    }
    s
}

pub fn sign(secret: &str, string_to_sign: &str) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(string_to_sign.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_matches_the_conventions_test_vector() {
        let data = r#"{"data":{"pageNo":0,"pageSize":5,"endAt":"2016-02-09 11:12:23","startAt":"2016-01-09 11:12:23","status":"未支付"}}"#;
        let sts = string_to_sign(
            "POST",
            ACCEPT,
            CONTENT_TYPE,
            &[
                ("X-Ca-Format", "json2"),
                ("X-Ca-Key", "zcy-demo-key"),
                ("X-Ca-Nonce", "5f2b1c3e-0000-4000-8000-000000000001"),
                ("X-Ca-Timestamp", "1705900000000"),
            ],
            "/open/QuerySupplierStatements",
            &[("_data_", data)],
        );
        assert_eq!(
            sign("zcy-demo-secret", &sts),
            "TBWIcuGeGBOsJaX4k8hVw5sN2ztQS7QkaD4VFsQsVrQ="
        );
    }
}
