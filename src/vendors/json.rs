//! JSON forms every vendor document shows: scalars that are strings or
//! numbers, amounts read from their JSON text (never through f64), values
//! typed `string` that arrive as arrays and arrays that arrive as strings,
//! zone-less local times or epoch milliseconds.

use crate::domain::trim;
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
    /// `text` without a copy.
    pub fn into_text(self) -> String {
        self.0.unwrap_or_default()
    }
    /// `opt` without a copy.
    pub fn into_opt(self) -> Option<String> {
        self.0.filter(|s| !s.trim().is_empty())
    }
    /// From a JSON value's text as it stands in the body.
    pub fn from_raw(raw: &str) -> Result<Self, String> {
        scalar_text(raw).map(|t| Flex(t.map(|c| c.into_owned())))
    }
}

impl<'de> Deserialize<'de> for Flex {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // Borrowed: the scalar's text is looked at in place, not copied first.
        let raw = <&'de RawValue>::deserialize(d)?;
        Self::from_raw(raw.get()).map_err(D::Error::custom)
    }
}

/// `Flex` for the ids a body holds by the hundred (order codes, skus): kept
/// inline (`CompactString`), so reading one makes no heap text.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct FlexId(pub Option<crate::domain::Text>);

impl FlexId {
    /// The text, None when absent or blank.
    pub fn into_opt(self) -> Option<crate::domain::Text> {
        self.0.filter(|s| !trim(s).is_empty())
    }
    pub fn into_text(self) -> crate::domain::Text {
        self.0.unwrap_or_default()
    }
    /// From a JSON value's text as it stands in the body.
    pub fn from_raw(raw: &str) -> Result<Self, String> {
        scalar_text(raw).map(|t| FlexId(t.map(|c| crate::domain::Text::from(c.as_ref()))))
    }
    /// From the content of a JSON string without escapes: what `from_raw`
    /// makes of the quoted string, without looking for escapes again.
    pub fn from_plain(content: &str) -> Self {
        FlexId(Some(crate::domain::Text::from(content)))
    }
}

impl<'de> Deserialize<'de> for FlexId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = <&'de RawValue>::deserialize(d)?;
        Self::from_raw(raw.get()).map_err(D::Error::custom)
    }
}

/// A JSON scalar's text: a string unescaped, a number or bool as written,
/// `null` as None. Containers are refused.
pub(super) fn scalar_text(t: &str) -> Result<Option<std::borrow::Cow<'_, str>>, String> {
    use std::borrow::Cow;
    let t = trim(t);
    if t == "null" {
        return Ok(None);
    }
    if let Some(inner) = t.strip_prefix('"') {
        if !inner.contains('\\') {
            if let Some(inner) = inner.strip_suffix('"') {
                return Ok(Some(Cow::Borrowed(inner)));
            }
        }
        let s: String = serde_json::from_str(t).map_err(|e| e.to_string())?;
        return Ok(Some(Cow::Owned(s)));
    }
    if t.starts_with('{') || t.starts_with('[') {
        return Err(format!("expected a scalar, found {t}"));
    }
    Ok(Some(Cow::Borrowed(t)))
}

/// An exact decimal from a JSON number's text or a numeric string.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Amount(pub Option<Decimal>);

pub fn decimal_from_text(t: &str) -> Option<Decimal> {
    let t = trim(t);
    if t.is_empty() {
        return None;
    }
    if let Some(d) = crate::domain::money::plain_decimal(t) {
        return Some(d);
    }
    if t.contains(['e', 'E']) {
        Decimal::from_scientific(t).ok()
    } else {
        Decimal::from_str(t).ok()
    }
}

impl Amount {
    /// From a JSON value's text as it stands in the body.
    pub fn from_raw(raw: &str) -> Result<Self, String> {
        // The usual JSON number: its text holds no quotes, blanks or `null`.
        if let Some(d) = crate::domain::money::plain_decimal(raw) {
            return Ok(Amount(Some(d)));
        }
        match scalar_text(raw)? {
            None => Ok(Amount(None)),
            Some(s) if trim(&s).is_empty() => Ok(Amount(None)),
            Some(s) => decimal_from_text(&s)
                .map(|v| Amount(Some(v)))
                .ok_or_else(|| format!("not a decimal amount: {s:?}")),
        }
    }
}

impl<'de> Deserialize<'de> for Amount {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = <&'de RawValue>::deserialize(d)?;
        Self::from_raw(raw.get()).map_err(D::Error::custom)
    }
}

/// `"yyyy-MM-dd HH:mm:ss"` (also `yyyy-MM-dd` or `yyyy/MM/dd HH:mm:ss`), or
/// epoch milliseconds as a number; kept as text and read by `normalize`. Inline
/// (a statement has one per order line): reading it makes no heap text.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Time(pub Option<crate::domain::Text>);

impl Time {
    /// From a JSON value's text as it stands in the body.
    pub fn from_raw(raw: &str) -> Result<Self, String> {
        Ok(Time(FlexId::from_raw(raw)?.into_opt()))
    }
    /// `FlexId::from_plain` for a time.
    pub fn from_plain(content: &str) -> Self {
        Time(FlexId::from_plain(content).into_opt())
    }
}

impl<'de> Deserialize<'de> for Time {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = <&'de RawValue>::deserialize(d)?;
        Self::from_raw(raw.get()).map_err(D::Error::custom)
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
        // One pass: a list or object is read as `T` where it stands; only the
        // string form is parsed a second time, from the string's content.
        struct V<T>(std::marker::PhantomData<T>);
        impl<'de, T: serde::de::DeserializeOwned> serde::de::Visitor<'de> for V<T> {
            type Value = Lenient<T>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a value, or a JSON string holding it")
            }
            fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
                Ok(Lenient(None))
            }
            fn visit_none<E: serde::de::Error>(self) -> Result<Self::Value, E> {
                Ok(Lenient(None))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
                if v.trim().is_empty() {
                    return Ok(Lenient(None));
                }
                serde_json::from_str(v)
                    .map(|t| Lenient(Some(t)))
                    .map_err(E::custom)
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                a: A,
            ) -> Result<Self::Value, A::Error> {
                T::deserialize(serde::de::value::SeqAccessDeserializer::new(a))
                    .map(|t| Lenient(Some(t)))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                a: A,
            ) -> Result<Self::Value, A::Error> {
                T::deserialize(serde::de::value::MapAccessDeserializer::new(a))
                    .map(|t| Lenient(Some(t)))
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

/// A list, or (leniently) one object standing for a list of one; `null` is none.
#[derive(Debug)]
pub struct ListOrOne<T>(pub Vec<T>);

impl<T> Default for ListOrOne<T> {
    fn default() -> Self {
        ListOrOne(Vec::new())
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for ListOrOne<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> serde::de::Visitor<'de> for V<T> {
            type Value = ListOrOne<T>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a list, an object or null")
            }
            fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
                Ok(ListOrOne(Vec::new()))
            }
            fn visit_none<E: serde::de::Error>(self) -> Result<Self::Value, E> {
                Ok(ListOrOne(Vec::new()))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                a: A,
            ) -> Result<Self::Value, A::Error> {
                Vec::<T>::deserialize(serde::de::value::SeqAccessDeserializer::new(a))
                    .map(ListOrOne)
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                a: A,
            ) -> Result<Self::Value, A::Error> {
                T::deserialize(serde::de::value::MapAccessDeserializer::new(a))
                    .map(|t| ListOrOne(vec![t]))
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

/// Local time from the vendor's text: zone-less texts are already local;
/// epoch seconds or milliseconds are converted into `tz`.
pub fn parse_local_time(s: &str, tz: Tz) -> Option<NaiveDateTime> {
    let s = s.trim();
    // The common form, a statement has one per order line.
    if let Some(v) = crate::domain::dates::fixed_date_time(s) {
        return Some(v);
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct Row {
        a: Flex,
        m: Amount,
        #[serde(default)]
        l: Lenient<Vec<Amount>>,
    }

    fn row(json: &str) -> Row {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn a_string_without_escapes_reads_as_its_raw_form_does() {
        for content in ["D2512317", "", " ", "2026-01-07 16:17:36", "得力 A4 复印纸"] {
            let raw = format!("\"{content}\"");
            assert_eq!(FlexId::from_plain(content), FlexId::from_raw(&raw).unwrap());
            assert_eq!(Time::from_plain(content), Time::from_raw(&raw).unwrap());
        }
    }

    #[test]
    fn scalars_keep_their_text_and_escaped_strings_are_unescaped() {
        let r = row(r#"{"a": "华电\"九江\"\u0041", "m": "12.30"}"#);
        assert_eq!(r.a.text(), "华电\"九江\"A");
        assert_eq!(r.m.0, Some("12.30".parse().unwrap()));
        let r = row(r#"{"a": 1004260918637219321, "m": 0.1, "l": "[1, \"2.5\"]"}"#);
        assert_eq!(r.a.text(), "1004260918637219321");
        assert_eq!(r.m.0.unwrap().to_string(), "0.1");
        let l: Vec<String> =
            r.l.0
                .unwrap()
                .iter()
                .map(|a| a.0.unwrap().to_string())
                .collect();
        assert_eq!(l, ["1", "2.5"]);
        assert!(serde_json::from_str::<Row>(r#"{"a": [1], "m": 1}"#).is_err());
        assert!(serde_json::from_str::<Row>(r#"{"a": 1, "m": "1,2x"}"#).is_err());
    }

    #[test]
    fn the_fast_time_path_agrees_with_the_general_one() {
        let tz: Tz = "Asia/Shanghai".parse().unwrap();
        for s in [
            "2026-10-31 23:59:59",
            "2024-02-29 00:00:00",
            "2026/10/31 23:59:59",
            "2026-10-31",
            "2026-10-31T08:00:00",
        ] {
            let general = [
                "%Y-%m-%d %H:%M:%S",
                "%Y/%m/%d %H:%M:%S",
                "%Y-%m-%dT%H:%M:%S",
            ]
            .iter()
            .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())
            .or_else(|| {
                NaiveDate::parse_from_str(s, "%Y-%m-%d")
                    .ok()
                    .and_then(|d| d.and_hms_opt(0, 0, 0))
            });
            assert_eq!(parse_local_time(s, tz), general, "{s}");
        }
        for bad in [
            "2026-02-30 10:00:00",
            "2026-10-31 24:00:00",
            "2026-1a-31 10:00:00",
        ] {
            assert_eq!(parse_local_time(bad, tz), None, "{bad}");
        }
    }
}
