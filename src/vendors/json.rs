//! JSON forms every vendor document shows: scalars that are strings or
//! numbers, amounts read from their JSON text (never through f64), values
//! typed `string` that arrive as arrays and arrays that arrive as strings,
//! zone-less local times or epoch milliseconds.

use chrono::{NaiveDate, NaiveDateTime, TimeZone};
use chrono_tz::Tz;
use rust_decimal::Decimal;
use serde::de::Error as _;
use serde::{Deserialize, Deserializer};
use serde_json::value::RawValue;
use std::str::FromStr;

/// Any JSON scalar as text (`"x"`, `12`, `true`); `null`/absent = None.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Flex(pub Option<String>);

impl Flex {
    pub fn text(&self) -> String {
        self.0.clone().unwrap_or_default()
    }
    pub fn opt(&self) -> Option<String> {
        self.0.clone().filter(|s| !s.trim().is_empty())
    }
}

impl<'de> Deserialize<'de> for Flex {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = Box::<RawValue>::deserialize(d)?;
        let t = raw.get().trim();
        if t == "null" {
            return Ok(Flex(None));
        }
        if t.starts_with('"') {
            let s: String = serde_json::from_str(t).map_err(D::Error::custom)?;
            return Ok(Flex(Some(s)));
        }
        if t.starts_with('{') || t.starts_with('[') {
            return Err(D::Error::custom(format!("expected a scalar, found {t}")));
        }
        Ok(Flex(Some(t.to_string())))
    }
}

/// An exact decimal from a JSON number's text or a numeric string.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Amount(pub Option<Decimal>);

pub fn decimal_from_text(t: &str) -> Option<Decimal> {
    let t = t.trim();
    if t.is_empty() {
        return None;
    }
    if t.contains(['e', 'E']) {
        Decimal::from_scientific(t).ok()
    } else {
        Decimal::from_str(t).ok()
    }
}

impl<'de> Deserialize<'de> for Amount {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let Flex(t) = Flex::deserialize(d)?;
        match t {
            None => Ok(Amount(None)),
            Some(s) if s.trim().is_empty() => Ok(Amount(None)),
            Some(s) => decimal_from_text(&s)
                .map(|v| Amount(Some(v)))
                .ok_or_else(|| D::Error::custom(format!("not a decimal amount: {s:?}"))),
        }
    }
}

/// `"yyyy-MM-dd HH:mm:ss"` (also `yyyy-MM-dd` or `yyyy/MM/dd HH:mm:ss`), or
/// epoch milliseconds as a number; kept as text and read by `normalize`.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Time(pub Option<String>);

impl<'de> Deserialize<'de> for Time {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Time(Flex::deserialize(d)?.opt()))
    }
}

/// A value that may also arrive as a JSON string holding it (`"[{...}]"`), as
/// fields the document types `string` but shows as arrays do.
#[derive(Debug)]
pub struct Lenient<T>(pub Option<T>);

impl<T> Default for Lenient<T> {
    fn default() -> Self {
        Lenient(None)
    }
}

impl<'de, T: serde::de::DeserializeOwned> Deserialize<'de> for Lenient<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = Box::<RawValue>::deserialize(d)?;
        let t = raw.get().trim();
        if t == "null" {
            return Ok(Lenient(None));
        }
        if t.starts_with('"') {
            let inner: String = serde_json::from_str(t).map_err(D::Error::custom)?;
            if inner.trim().is_empty() {
                return Ok(Lenient(None));
            }
            return serde_json::from_str(&inner)
                .map(|v| Lenient(Some(v)))
                .map_err(D::Error::custom);
        }
        serde_json::from_str(t)
            .map(|v| Lenient(Some(v)))
            .map_err(D::Error::custom)
    }
}

/// Local time from the vendor's text: zone-less texts are already local;
/// epoch seconds or milliseconds are converted into `tz`.
pub fn parse_local_time(s: &str, tz: Tz) -> Option<NaiveDateTime> {
    let s = s.trim();
    for f in [
        "%Y-%m-%d %H:%M:%S",
        "%Y/%m/%d %H:%M:%S",
        "%Y-%m-%dT%H:%M:%S",
    ] {
        if let Ok(v) = NaiveDateTime::parse_from_str(s, f) {
            return Some(v);
        }
    }
    for f in ["%Y-%m-%d", "%Y/%m/%d"] {
        if let Ok(d) = NaiveDate::parse_from_str(s, f) {
            return d.and_hms_opt(0, 0, 0);
        }
    }
    if s.len() >= 10 && s.bytes().all(|b| b.is_ascii_digit()) {
        if let Ok(n) = s.parse::<i64>() {
            let ms = if s.len() >= 13 { n } else { n * 1000 };
            if let chrono::LocalResult::Single(v) = tz.timestamp_millis_opt(ms) {
                return Some(v.naive_local());
            }
        }
    }
    None
}
