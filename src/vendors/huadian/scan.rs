//! A one-pass reader for the statement answer as the vendor nearly always sends it:
//! an object envelope whose `result` is a statement or a list of them, strings
//! without escapes, items as arrays. It hands the raw text of every scalar it keeps
//! to the same `from_raw` readers serde goes through, so what it returns is what
//! `serde_json` would have read; anything else — an escape, a duplicate key, a
//! missing required field, items sent as a string, JSON that is not well formed —
//! makes it answer None, and the body is read by serde, which names the fault.
//!
//! Why: serde_json with a `RawValue` per scalar was ~20% of a million-line run's
//! CPU (docs/PERFORMANCE.md).

use super::wire::{Amount, Flex, FlexId, Lenient, ListOrOne, Time, TypedEnvelope};
use super::wire::{SkuName, WExtend, WItem, WLine, WStatement};

/// Reads a statement answer, or None where serde must read it.
pub fn statements(text: &str) -> Option<TypedEnvelope<ListOrOne<WStatement>>> {
    let mut s = Scan {
        t: text,
        b: text.as_bytes(),
        i: 0,
    };
    let env = s.envelope()?;
    s.ws();
    (s.i == s.b.len()).then_some(env)
}

/// serde_json refuses to nest deeper than 128; skipped values stop well before.
const MAX_DEPTH: u32 = 100;

struct Scan<'a> {
    t: &'a str,
    b: &'a [u8],
    i: usize,
}

/// Where, from `i`, the first `"`, `\\` or control character may be: eight bytes
/// at a time (a body is mostly string content). The exact byte is then found by
/// the byte loop after it, so an early stop costs time, never correctness.
fn plain_run(b: &[u8], mut i: usize) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let zero_byte = |v: u64| v.wrapping_sub(ONES) & !v & HIGH;
    while let Some(chunk) = b.get(i..i + 8) {
        let x = u64::from_le_bytes(chunk.try_into().expect("eight bytes"));
        let stop = zero_byte(x ^ (ONES * u64::from(b'"')))
            | zero_byte(x ^ (ONES * u64::from(b'\\')))
            | (x.wrapping_sub(ONES * 0x20) & !x & HIGH);
        if stop != 0 {
            return i + (stop.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    i
}

/// Fields seen in one object, to refuse a duplicate as serde does.
#[derive(Default)]
struct Seen(u32);

impl Seen {
    fn first(&mut self, bit: u32) -> Option<()> {
        let m = 1 << bit;
        (self.0 & m == 0).then(|| self.0 |= m)
    }
    fn has(&self, bit: u32) -> bool {
        self.0 & (1 << bit) != 0
    }
}

impl<'a> Scan<'a> {
    fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.b.get(self.i) {
            self.i += 1;
        }
    }

    fn peek(&mut self) -> Option<u8> {
        self.ws();
        self.b.get(self.i).copied()
    }

    fn eat(&mut self, c: u8) -> Option<()> {
        (self.peek()? == c).then(|| self.i += 1)
    }

    /// A string without escapes: its content.
    fn string(&mut self) -> Option<&'a str> {
        self.eat(b'"')?;
        let start = self.i;
        self.i = plain_run(self.b, start);
        loop {
            match *self.b.get(self.i)? {
                b'"' => break,
                b'\\' | 0..=0x1f => return None,
                _ => self.i += 1,
            }
        }
        let s = self.t.get(start..self.i)?;
        self.i += 1;
        Some(s)
    }

    /// A JSON number: `-?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?`.
    fn number(&mut self) -> Option<&'a str> {
        let start = self.i;
        let digits = |s: &mut Self| {
            let from = s.i;
            while s.b.get(s.i).is_some_and(u8::is_ascii_digit) {
                s.i += 1;
            }
            (s.i > from).then_some(())
        };
        if self.b.get(self.i) == Some(&b'-') {
            self.i += 1;
        }
        match self.b.get(self.i)? {
            b'0' => self.i += 1,
            b'1'..=b'9' => digits(self)?,
            _ => return None,
        }
        if self.b.get(self.i) == Some(&b'.') {
            self.i += 1;
            digits(self)?;
        }
        if let Some(b'e' | b'E') = self.b.get(self.i) {
            self.i += 1;
            if let Some(b'+' | b'-') = self.b.get(self.i) {
                self.i += 1;
            }
            digits(self)?;
        }
        self.t.get(start..self.i)
    }

    fn literal(&mut self, word: &str) -> Option<&'a str> {
        let start = self.i;
        let end = start + word.len();
        (self.b.get(start..end)? == word.as_bytes()).then(|| self.i = end)?;
        self.t.get(start..end)
    }

    /// A scalar's text as it stands (a string with its quotes). A container is
    /// None: serde refuses it where a scalar is expected, and says so.
    fn scalar(&mut self) -> Option<&'a str> {
        match self.peek()? {
            b'"' => {
                let start = self.i;
                self.string()?;
                self.t.get(start..self.i)
            }
            b'-' | b'0'..=b'9' => self.number(),
            b't' => self.literal("true"),
            b'f' => self.literal("false"),
            b'n' => self.literal("null"),
            _ => None,
        }
    }

    /// A scalar field: read once (a second time is serde's duplicate error).
    fn put<T>(
        &mut self,
        seen: &mut Seen,
        bit: u32,
        field: &mut T,
        read: impl FnOnce(&'a str) -> Result<T, String>,
    ) -> Option<()> {
        seen.first(bit)?;
        *field = read(self.scalar()?).ok()?;
        Some(())
    }

    /// `put` for a text field: a string (the usual form) is handed to `plain`
    /// as its content, which `string` has already found free of escapes; any
    /// other scalar to `read` as it stands.
    fn put_text<T>(
        &mut self,
        seen: &mut Seen,
        bit: u32,
        field: &mut T,
        plain: impl FnOnce(&'a str) -> T,
        read: impl FnOnce(&'a str) -> Result<T, String>,
    ) -> Option<()> {
        seen.first(bit)?;
        *field = match self.peek()? {
            b'"' => plain(self.string()?),
            _ => read(self.scalar()?).ok()?,
        };
        Some(())
    }

    fn null(&mut self) -> bool {
        self.peek() == Some(b'n') && self.literal("null").is_some()
    }

    /// Any value, checked as serde_json checks it, not kept.
    fn skip(&mut self, depth: u32) -> Option<()> {
        if depth > MAX_DEPTH {
            return None;
        }
        match self.peek()? {
            b'{' => self.object(|s, _| s.skip(depth + 1)),
            b'[' => self.array(|s| s.skip(depth + 1)),
            _ => self.scalar().map(drop),
        }
    }

    /// `{ "key": value, ... }`, each value read by `field`.
    fn object(&mut self, mut field: impl FnMut(&mut Self, &'a str) -> Option<()>) -> Option<()> {
        self.eat(b'{')?;
        if self.peek()? == b'}' {
            self.i += 1;
            return Some(());
        }
        loop {
            let key = self.string()?;
            self.eat(b':')?;
            field(self, key)?;
            match self.peek()? {
                b',' => self.i += 1,
                b'}' => {
                    self.i += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    /// `[ value, ... ]`, each value read by `item`.
    fn array(&mut self, mut item: impl FnMut(&mut Self) -> Option<()>) -> Option<()> {
        self.eat(b'[')?;
        if self.peek()? == b']' {
            self.i += 1;
            return Some(());
        }
        loop {
            item(self)?;
            match self.peek()? {
                b',' => self.i += 1,
                b']' => {
                    self.i += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    /// `null` or a list of `T` (`Option<Vec<T>>`).
    fn list<T>(&mut self, mut one: impl FnMut(&mut Self) -> Option<T>) -> Option<Option<Vec<T>>> {
        if self.null() {
            return Some(None);
        }
        let mut out = Vec::new();
        self.array(|s| one(s).map(|v| out.push(v)))?;
        Some(Some(out))
    }

    fn envelope(&mut self) -> Option<TypedEnvelope<ListOrOne<WStatement>>> {
        let (mut success, mut result, mut errorcode) = (None, None, Flex::default());
        let mut seen = Seen::default();
        self.object(|s, key| match key {
            "success" => {
                seen.first(0)?;
                success = match s.scalar()? {
                    "true" => Some(true),
                    "false" => Some(false),
                    "null" => None,
                    _ => return None,
                };
                Some(())
            }
            "result" => {
                seen.first(1)?;
                result = match s.peek()? {
                    b'n' => s.literal("null").map(|_| None)?,
                    b'{' => Some(ListOrOne(vec![s.statement()?])),
                    _ => Some(ListOrOne(s.list(Self::statement)?.unwrap_or_default())),
                };
                Some(())
            }
            "errorcode" => {
                seen.first(2)?;
                errorcode = Flex::from_raw(s.scalar()?).ok()?;
                Some(())
            }
            _ => s.skip(1),
        })?;
        Some(TypedEnvelope {
            success,
            result,
            errorcode,
        })
    }

    fn statement(&mut self) -> Option<WStatement> {
        let mut w = WStatement::default();
        let mut seen = Seen::default();
        self.object(|s, key| {
            let seen = &mut seen;
            match key {
                "statementNo" => s.put(seen, 0, &mut w.statement_no, Flex::from_raw),
                "totalAmount" => s.put(seen, 1, &mut w.total_amount, Amount::from_raw),
                "taxpayerNo" => s.put(seen, 2, &mut w.taxpayer_no, Flex::from_raw),
                "invoiceTitle" => s.put(seen, 3, &mut w.invoice_title, Flex::from_raw),
                "invoiceType" => s.put(seen, 4, &mut w.invoice_type, Flex::from_raw),
                "companyName" => s.put(seen, 5, &mut w.company_name, Flex::from_raw),
                "reason" => s.put(seen, 6, &mut w.reason, Flex::from_raw),
                "invoicePhone" => s.put(seen, 9, &mut w.invoice_phone, Flex::from_raw),
                "invoiceAddress" => s.put(seen, 10, &mut w.invoice_address, Flex::from_raw),
                "bank" => s.put(seen, 11, &mut w.bank, Flex::from_raw),
                "bankAccount" => s.put(seen, 12, &mut w.bank_account, Flex::from_raw),
                "receiverAddress" => s.put(seen, 13, &mut w.receiver_address, Flex::from_raw),
                "receiverPhone" => s.put(seen, 14, &mut w.receiver_phone, Flex::from_raw),
                "receiverName" => s.put(seen, 15, &mut w.receiver_name, Flex::from_raw),
                "statementDetails" => {
                    seen.first(7)?;
                    w.statement_details = s.list(Self::line)?;
                    Some(())
                }
                "statementExtends" => {
                    seen.first(8)?;
                    w.statement_extends = s.list(Self::extend)?;
                    Some(())
                }
                _ => s.skip(2),
            }
        })?;
        // Required by the wire type: serde names the one missing.
        (seen.has(0) && seen.has(1)).then_some(w)
    }

    fn line(&mut self) -> Option<WLine> {
        let mut w = WLine::default();
        let mut seen = Seen::default();
        self.object(|s, key| {
            let seen = &mut seen;
            match key {
                "orderCode" => s.put_text(
                    seen,
                    0,
                    &mut w.order_code,
                    FlexId::from_plain,
                    FlexId::from_raw,
                ),
                "orderAmount" => s.put(seen, 1, &mut w.order_amount, Amount::from_raw),
                "returnAmount" => s.put(seen, 2, &mut w.return_amount, Amount::from_raw),
                "orderEndTime" => s.put_text(
                    seen,
                    3,
                    &mut w.order_end_time,
                    Time::from_plain,
                    Time::from_raw,
                ),
                "statementOrderItems" => {
                    seen.first(4)?;
                    // The string form (a JSON text inside a string) is serde's.
                    w.statement_order_items = Lenient(s.list(Self::item)?);
                    Some(())
                }
                _ => s.skip(3),
            }
        })?;
        (seen.has(0) && seen.has(1)).then_some(w)
    }

    fn item(&mut self) -> Option<WItem> {
        let mut w = WItem::default();
        let mut seen = Seen::default();
        self.object(|s, key| {
            let seen = &mut seen;
            match key {
                "sku" => s.put_text(seen, 0, &mut w.sku, FlexId::from_plain, FlexId::from_raw),
                "skuName" => {
                    let body = s.t;
                    s.put_text(
                        seen,
                        4,
                        &mut w.sku_name,
                        |content| SkuName::from_plain(content, body),
                        |raw| SkuName::at(raw, body),
                    )
                }
                "price" => s.put(seen, 1, &mut w.price, Amount::from_raw),
                "num" => s.put(seen, 2, &mut w.num, Amount::from_raw),
                "totalPrice" => s.put(seen, 3, &mut w.total_price, Amount::from_raw),
                _ => s.skip(4),
            }
        })?;
        (seen.has(1) && seen.has(2) && seen.has(3)).then_some(w)
    }

    fn extend(&mut self) -> Option<WExtend> {
        let mut w = WExtend::default();
        let mut seen = Seen::default();
        self.object(|s, key| {
            let seen = &mut seen;
            match key {
                "columnName" => s.put(seen, 0, &mut w.column_name, Flex::from_raw),
                "columnKey" => s.put(seen, 1, &mut w.column_key, Flex::from_raw),
                "columnValue" => s.put(seen, 2, &mut w.column_value, Flex::from_raw),
                _ => s.skip(3),
            }
        })?;
        Some(w)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn by_serde(t: &str) -> Option<String> {
        serde_json::from_str::<TypedEnvelope<ListOrOne<WStatement>>>(t)
            .ok()
            .map(|e| format!("{e:?}"))
    }

    /// The scanner's reading with each skuName's place made its text, as serde
    /// holds it.
    fn by_scan(t: &str) -> Option<String> {
        statements(t).map(|mut e| {
            let statements = e.result.iter_mut().flat_map(|l| l.0.iter_mut());
            let lines = statements.flat_map(|s| s.statement_details.iter_mut().flatten());
            for item in lines.flat_map(|l| l.statement_order_items.0.iter_mut().flatten()) {
                if let SkuName::At(from, to) = item.sku_name {
                    item.sku_name = SkuName::Text(t[from as usize..to as usize].to_string());
                }
            }
            format!("{e:?}")
        })
    }

    /// Every form the seed and the conventions allow, in one body: pretty-printed,
    /// amounts as numbers, strings and exponents, nulls, unknown nested fields.
    const RICH: &str = r#"{
  "success" : true, "requestId": "4cf6", "extra": {"a": [1, -0.5e-3, {"b": null}], "c": "\u0041\n"},
  "result": [
    {"statementNo": "CG2021", "totalAmount": 25.68, "taxpayerNo": "9136F",
     "invoiceTitle": "华电九江有限公司", "invoiceType": 1, "reason": null, "companyName": "",
     "statementDetails": [
       {"orderCode": "D2101", "orderAmount": 25.68, "returnAmount": 0,
        "orderCreateTime": "2021-02-08 08:47:38", "orderEndTime": "2021-02-26 18:00:00",
        "statementOrderItems": [
          {"sku": "136xx1", "skuName": "固体胶 \"7102\" 21g", "price": 1.07, "num": 24,
           "returnNum": 0, "totalPrice": 25.68},
          {"sku": 9912, "price": "1.5", "num": "2", "totalPrice": 3.0E0}
        ]},
       {"orderCode": 1004260918637219321, "orderAmount": "-12.30", "returnAmount": null,
        "orderEndTime": 1614333600000, "statementOrderItems": null},
       {"orderCode": "D2103", "orderAmount": 1e2, "statementOrderItems": []}
     ],
     "statementExtends": [
       {"columnName": "账单起始日期", "columnKey": "billStartDate", "columnValue": "2021-07-08"},
       {"columnKey": "billEndDate", "columnValue": 20210808, "other": [[], {}]}
     ]},
    {"statementNo": 77, "totalAmount": "0", "statementDetails": null, "statementExtends": null}
  ],
  "errorcode": "0", "errormsg": ""
}"#;

    #[test]
    fn the_usual_forms_are_read_as_serde_reads_them() {
        // The escapes above sit in fields no check reads; escaped text that is read
        // is serde's (below).
        let rich = RICH.replace(r#""固体胶 \"7102\" 21g""#, r#""固体胶 7102 21g""#);
        let rich = rich.replace(r#""\u0041\n""#, r#""A""#);
        for body in [
            rich.as_str(),
            r#"{"success":true,"result":{"statementNo":"S1","totalAmount":1}}"#,
            r#"{"success":false,"result":null,"errorcode":"1001"}"#,
            r#"{"result":[],"errorcode":0}"#,
            r#"{}"#,
        ] {
            let scanned = by_scan(body);
            assert!(scanned.is_some(), "not scanned: {body}");
            assert_eq!(scanned, by_serde(body), "{body}");
        }
    }

    #[test]
    fn what_it_does_not_expect_is_left_to_serde() {
        let seed = r#"{"result":[{"statementNo":"S1","totalAmount":1,"statementDetails":[{"orderCode":"O1","orderAmount":2,"statementOrderItems":[{"price":1,"num":2,"totalPrice":2}]}]}]}"#;
        assert!(by_scan(seed).is_some());
        for (from, to) in [
            (r#""S1""#, r#""S\u0031""#), // an escape in a kept text
            (r#""O1""#, "\"O\t1\""),     // a control character
            (r#""totalAmount":1,"#, r#""totalAmount":1,"totalAmount":2,"#), // a duplicate
            (r#""totalAmount":1,"#, ""), // a required field missing
            (r#""orderAmount":2,"#, ""),
            (r#""num":2,"#, ""),
            (
                r#"[{"price":1,"num":2,"totalPrice":2}]"#,
                r#""[{\"price\":1,\"num\":2,\"totalPrice\":2}]""#,
            ),
            (r#""orderAmount":2"#, r#""orderAmount":02"#), // not a JSON number
            (r#""orderAmount":2"#, r#""orderAmount":2."#),
            (r#""orderAmount":2"#, r#""orderAmount":"2x""#), // not an amount
            (r#""orderAmount":2"#, r#""orderAmount":[2]"#),  // not a scalar
            (r#"{"result""#, r#"{"success":"true","result""#),
            (r#"}]}]}"#, r#"}]}]} x"#), // trailing text
            (r#"}]}]}"#, r#"}]}],}"#),
            (r#"{"result""#, r#"{"x":tru,"result""#),
        ] {
            assert!(seed.contains(from), "{from}");
            let body = seed.replacen(from, to, 1);
            assert_eq!(by_scan(&body), None, "{body}");
        }
    }

    #[test]
    fn generated_bodies_take_the_scan_and_read_as_serde_reads_them() {
        use crate::sandbox::generate::{generate, GenerateOptions, Layout};
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("w");
        generate(&GenerateOptions {
            dir: out.clone(),
            orders: 2_000,
            seed: 7,
            layout: Layout::Archive,
            threads: 1,
        })
        .unwrap();
        let mut read = 0;
        for f in std::fs::read_dir(out.join("huadian/statement")).unwrap() {
            let body = std::fs::read_to_string(f.unwrap().path()).unwrap();
            let scanned = by_scan(&body);
            assert!(scanned.is_some(), "a generated body left to serde");
            assert_eq!(scanned, by_serde(&body));
            read += 1;
        }
        assert!(read >= 20, "{read} bodies");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]
        /// Whatever a damaged body is, the scan reads it as serde does or not at all.
        #[test]
        fn a_damaged_body_is_read_as_serde_reads_it_or_not_at_all(
            at in 0usize..1600,
            cut in 0usize..4,
            insert in prop::sample::select(vec!["", "\"", "{", "}", "[", "]", ",", ":", "0", "-", ".", "e", "null", " ", "\\", "\"a\":1,"]),
        ) {
            let rich = RICH.replace(r#""固体胶 \"7102\" 21g""#, r#""固体胶 7102 21g""#);
            let mut at = at.min(rich.len());
            while !rich.is_char_boundary(at) { at -= 1; }
            let mut end = (at + cut).min(rich.len());
            while !rich.is_char_boundary(end) { end += 1; }
            let body = format!("{}{}{}", &rich[..at], insert, &rich[end..]);
            if let Some(scanned) = by_scan(&body) {
                prop_assert_eq!(Some(scanned), by_serde(&body), "{}", body);
            }
        }
    }
}
