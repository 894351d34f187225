//! CSV ledgers: encoding detection (UTF-8 ± BOM, GB18030/GBK) and physical line numbers.

use super::row::{push_row, ColumnMap, Origins};
use super::Pages;
use crate::domain::Ledger;
use crate::settings::LedgerSettings;
use anyhow::{bail, Context};
use encoding_rs::{GB18030, UTF_8};
use std::borrow::Cow;

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Reads a CSV ledger from its bytes; `source` (the file name) labels entries and errors.
pub fn read_csv_bytes(
    bytes: &[u8],
    source: &str,
    settings: &LedgerSettings,
) -> anyhow::Result<Ledger> {
    read_csv(bytes, source, settings, Pages::HEAP)
}

/// `read_csv_bytes`, giving back the pages of `bytes` as they are read when they
/// are a file map.
pub(crate) fn read_csv(
    bytes: &[u8],
    source: &str,
    settings: &LedgerSettings,
    pages: Pages,
) -> anyhow::Result<Ledger> {
    let text =
        decode(bytes, &settings.encoding, pages).with_context(|| format!("ledger {source}"))?;
    let mut reader = ::csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let header = match reader.records().next() {
        Some(h) => h.with_context(|| format!("ledger {source}: unreadable header row"))?,
        None => bail!("ledger {source}: the file is empty (no header row)"),
    };
    let headers: Vec<String> = header.iter().map(str::to_string).collect();
    let map = ColumnMap::resolve(&headers, settings, source)?;
    let mut ledger = Ledger::default();
    let body = usize::try_from(reader.position().byte()).unwrap_or(text.len());
    // Pages of a text decoded onto the heap are not the map's.
    let pages = match text {
        Cow::Borrowed(_) => pages,
        Cow::Owned(_) => Pages::HEAP,
    };
    let rows = Rows {
        map: &map,
        source,
        pages,
    };
    // Without a quote no field can hold a line break, so every line is a record
    // and the file can be split anywhere between lines and read on every core.
    if !has_quote(&text.as_bytes()[body..], pages) {
        rows.unquoted(&text, body, &mut ledger)?;
    } else {
        rows.sequential(&text, reader, &mut ledger)?;
    }
    Ok(ledger)
}

/// What every reading path turns records into rows with.
struct Rows<'a> {
    map: &'a ColumnMap,
    source: &'a str,
    pages: Pages,
}

/// Stretches a whole-file pass looks at before giving their pages back.
const STRETCH: usize = 8 << 20;

/// Where `b` holds a `,`, `\n` or `\r`, in order: eight bytes looked at in a
/// few operations (a row is mostly cell text), where a byte loop took a
/// comparison and a branch for each.
fn separators(b: &[u8]) -> impl Iterator<Item = usize> + '_ {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const LOW: u64 = 0x7F7F_7F7F_7F7F_7F7F;
    // The high bit of each zero byte of `v`, exactly (no borrow between bytes).
    let zero = |v: u64| !(((v & LOW) + LOW) | v | LOW);
    let word = move |at: usize| {
        let mut w = [0u8; 8];
        let chunk = &b[at..b.len().min(at + 8)];
        w[..chunk.len()].copy_from_slice(chunk);
        let x = u64::from_le_bytes(w);
        let hits = zero(x ^ (ONES * u64::from(b',')))
            | zero(x ^ (ONES * u64::from(b'\n')))
            | zero(x ^ (ONES * u64::from(b'\r')));
        // The bytes past the end were zeros, none of them a separator.
        (at, hits)
    };
    (0..b.len())
        .step_by(8)
        .map(word)
        .flat_map(|(at, mut hits)| {
            std::iter::from_fn(move || {
                (hits != 0).then(|| {
                    let i = at + (hits.trailing_zeros() / 8) as usize;
                    hits &= hits - 1;
                    i
                })
            })
        })
}

fn has_quote(bytes: &[u8], pages: Pages) -> bool {
    bytes.chunks(STRETCH).any(|s| {
        let found = s.contains(&b'"');
        pages.release(s);
        found
    })
}

impl Rows<'_> {
    /// Rows of a text without quotes: pieces of about a megabyte, each ending at a
    /// line break, read on every core a few at a time and joined in file order.
    fn unquoted(&self, text: &str, body: usize, out: &mut Ledger) -> anyhow::Result<()> {
        use rayon::prelude::*;
        const PIECE: usize = 1 << 20;
        let bytes = text.as_bytes();
        // (start, end, physical line of start) of each piece.
        let mut pieces = Vec::new();
        let mut line = 1 + bytes[..body].iter().filter(|b| **b == b'\n').count() as u64;
        let mut start = body;
        while start < bytes.len() {
            let mut end = (start + PIECE).min(bytes.len());
            if let Some(nl) = bytes[end..].iter().position(|b| *b == b'\n') {
                end += nl + 1;
            } else {
                end = bytes.len();
            }
            pieces.push((start, end, line));
            line += bytes[start..end].iter().filter(|b| **b == b'\n').count() as u64;
            self.pages.release(&bytes[start..end]);
            start = end;
        }
        // One row per line at most: reserved once, not grown by copying.
        out.entries.reserve(usize::try_from(line).unwrap_or(0));
        let round = 4 * rayon::current_num_threads().max(1);
        for group in pieces.chunks(round) {
            let parts = group
                .par_iter()
                .map(|&(start, end, line)| self.piece(&text[start..end], line))
                .collect::<anyhow::Result<Vec<Ledger>>>()?;
            for part in parts {
                out.entries.extend(part.entries);
                out.errors.extend(part.errors);
            }
            if let (Some(first), Some(last)) = (group.first(), group.last()) {
                self.pages.release(&bytes[first.0..last.1]);
            }
        }
        Ok(())
    }

    /// One piece of an unquoted text whose first byte is on physical line `first`.
    fn piece(&self, piece: &str, first: u64) -> anyhow::Result<Ledger> {
        match self.piece_by_lines(piece, first) {
            Some(part) => Ok(part),
            None => self.piece_by_csv(piece, first),
        }
    }

    /// Without quotes (the caller checked) a record is a line and its fields what
    /// lies between commas: split so, the cells borrowed from the text, with no
    /// per-record copy or UTF-8 check. A line break other than `\n` or `\r\n`
    /// (a lone `\r` ends a record too) is left to the CSV reader: None.
    fn piece_by_lines(&self, piece: &str, first: u64) -> Option<Ledger> {
        let mut part = Ledger::default();
        let mut origins = Origins::new(self.source);
        let mut cells: Vec<&str> = Vec::new();
        let b = piece.as_bytes();
        let (mut line, mut record, mut field) = (first, 0, 0);
        // The commas and line breaks, eight bytes at a time; the end of the text
        // ends the last record.
        for i in separators(b).chain([b.len()]) {
            match b.get(i).copied().unwrap_or(b'\n') {
                b',' => {
                    cells.push(&piece[field..i]);
                    field = i + 1;
                }
                b'\r' if b.get(i + 1) != Some(&b'\n') => return None,
                b'\n' => {
                    let end = if i > field && b[i - 1] == b'\r' {
                        i - 1
                    } else {
                        i
                    };
                    if end > record {
                        cells.push(&piece[field..end]);
                        push_row(&mut part, &cells, self.map, &mut origins, line);
                    }
                    cells.clear();
                    (line, record, field) = (line + 1, i + 1, i + 1);
                }
                _ => {}
            }
        }
        Some(part)
    }

    fn piece_by_csv(&self, piece: &str, first: u64) -> anyhow::Result<Ledger> {
        let mut reader = ::csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(piece.as_bytes());
        let mut part = Ledger::default();
        let mut lines = LineCounter::default();
        let mut record = ::csv::StringRecord::new();
        let mut origins = Origins::new(self.source);
        while reader
            .read_record(&mut record)
            .with_context(|| format!("ledger {}: unreadable CSV", self.source))?
        {
            let at = record.position().map_or(0, |p| p.byte());
            let line = first + lines.line_at(piece, at) - 1;
            let cells: Vec<&str> = record.iter().collect();
            push_row(&mut part, &cells, self.map, &mut origins, line);
        }
        Ok(part)
    }

    /// Rows of a text with quotes (a field may span lines): split in order, then
    /// each batch of records read on every core and joined in file order. Batches
    /// keep the raw records of only one batch in memory at a time.
    fn sequential(
        &self,
        text: &str,
        mut reader: ::csv::Reader<&[u8]>,
        out: &mut Ledger,
    ) -> anyhow::Result<()> {
        use rayon::prelude::*;
        const BATCH: usize = 65_536;
        let newlines: usize = text
            .as_bytes()
            .chunks(STRETCH)
            .map(|s| {
                let n = s.iter().filter(|b| **b == b'\n').count();
                self.pages.release(s);
                n
            })
            .sum();
        out.entries.reserve(newlines + 1);
        // Where the text not yet given back starts.
        let mut kept = 0;
        let mut lines = LineCounter::default();
        let mut batch: Vec<(u64, ::csv::StringRecord)> = Vec::with_capacity(BATCH);
        let mut records = reader.records().peekable();
        while records.peek().is_some() {
            batch.clear();
            for record in records.by_ref().take(BATCH) {
                let record =
                    record.with_context(|| format!("ledger {}: unreadable CSV", self.source))?;
                let line = lines.line_at(text, record.position().map_or(0, |p| p.byte()));
                batch.push((line, record));
            }
            // The batch's records own their text: what lies before the last one
            // is read (the line counter stops at its start).
            if let Some(at) = batch.last().and_then(|(_, r)| r.position()) {
                let at = usize::try_from(at.byte())
                    .unwrap_or(kept)
                    .clamp(kept, text.len());
                self.pages.release(&text.as_bytes()[kept..at]);
                kept = at;
            }
            let parts: Vec<Ledger> = batch
                .par_chunks(4096)
                .map(|chunk| {
                    let mut part = Ledger::default();
                    let mut cells: Vec<&str> = Vec::new();
                    let mut origins = Origins::new(self.source);
                    for (line, record) in chunk {
                        cells.clear();
                        cells.extend(record.iter());
                        push_row(&mut part, &cells, self.map, &mut origins, *line);
                    }
                    part
                })
                .collect();
            for part in parts {
                out.entries.extend(part.entries);
                out.errors.extend(part.errors);
            }
        }
        Ok(())
    }
}

/// Physical line of a record. The csv reader's own `Position::line()` is taken before
/// it skips the previous record's `\n` (after a `\r`) and blank lines, so it can be
/// one or more lines short; instead the newlines before the record's first byte are
/// counted here (quoted multi-line fields included), incrementally.
#[derive(Default)]
struct LineCounter {
    offset: usize,
    line: u64,
}

impl LineCounter {
    fn line_at(&mut self, text: &str, byte: u64) -> u64 {
        let bytes = text.as_bytes();
        let mut start = usize::try_from(byte)
            .unwrap_or(bytes.len())
            .min(bytes.len());
        while start < bytes.len() && matches!(bytes[start], b'\r' | b'\n') {
            start += 1;
        }
        let start = start.max(self.offset);
        self.line += bytes[self.offset..start]
            .iter()
            .filter(|b| **b == b'\n')
            .count() as u64;
        self.offset = start;
        self.line + 1
    }
}

/// `auto`: a UTF-8 BOM or valid UTF-8 means UTF-8; anything else is taken as GB18030
/// (a superset of GBK/GB2312, what Chinese ERPs export).
/// UTF-8 is borrowed, not copied: a million-row ledger is a hundred megabytes.
fn decode<'a>(bytes: &'a [u8], encoding: &str, pages: Pages) -> anyhow::Result<Cow<'a, str>> {
    let utf8 = |bytes: &'a [u8]| -> anyhow::Result<Cow<'a, str>> {
        let body = bytes.strip_prefix(BOM).unwrap_or(bytes);
        match utf8_in_stretches(body, pages) {
            Ok(s) => Ok(Cow::Borrowed(s)),
            Err(e) => bail!(
                "not valid UTF-8 (at byte {}); if it is a GBK/GB18030 export set \
                 ledger.encoding = \"gb18030\"",
                e.valid_up_to() + bytes.len() - body.len()
            ),
        }
    };
    match encoding.trim().to_ascii_lowercase().as_str() {
        "auto" | "" => {
            if bytes.starts_with(BOM) {
                return utf8(bytes);
            }
            // Validated once: the text is borrowed from `bytes` when it is UTF-8.
            match utf8_in_stretches(bytes, pages) {
                Ok(s) => Ok(Cow::Borrowed(s)),
                Err(_) => gb18030(bytes).map(Cow::Owned),
            }
        }
        "utf-8" | "utf8" => utf8(bytes),
        "gb18030" | "gbk" | "gb2312" => gb18030(bytes).map(Cow::Owned),
        other => bail!("ledger.encoding {other:?}: use \"auto\", \"utf-8\" or \"gb18030\""),
    }
}

/// `str::from_utf8`, stretch by stretch, giving each stretch's pages back.
fn utf8_in_stretches(bytes: &[u8], pages: Pages) -> Result<&str, std::str::Utf8Error> {
    let mut at = 0;
    while at < bytes.len() {
        let end = (at + STRETCH).min(bytes.len());
        let checked = match simdutf8::compat::from_utf8(&bytes[at..end]) {
            Ok(_) => end,
            // A character cut by the stretch's end: the next stretch starts with it.
            Err(e) if e.error_len().is_none() && end < bytes.len() && e.valid_up_to() > 0 => {
                at + e.valid_up_to()
            }
            // The error again, with its offset in the whole text.
            Err(_) => return std::str::from_utf8(bytes),
        };
        pages.release(&bytes[at..checked]);
        at = checked;
    }
    // SAFETY: every byte was checked above, in consecutive stretches that each
    // end on a character boundary.
    Ok(unsafe { std::str::from_utf8_unchecked(bytes) })
}

fn gb18030(bytes: &[u8]) -> anyhow::Result<String> {
    if bytes.starts_with(BOM) {
        let (text, _) = UTF_8.decode_with_bom_removal(bytes);
        return Ok(text.into_owned());
    }
    let (text, had_errors) = GB18030.decode_without_bom_handling(bytes);
    if had_errors {
        bail!("neither valid UTF-8 nor valid GB18030; check the export's encoding");
    }
    Ok(text.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::EntryKind;
    use chrono::NaiveDate;
    use rust_decimal::Decimal;
    use std::str::FromStr;

    const HEADER: &str =
        "entry_id,vendor,kind,doc_no,statement_no,line_no,amount,currency,booked_on,memo\n";

    fn settings() -> LedgerSettings {
        LedgerSettings::default()
    }

    fn dec(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    proptest::proptest! {
        #[test]
        fn separators_are_every_comma_and_line_break_in_order(
            b in proptest::collection::vec(
                proptest::prop_oneof![
                    proptest::prelude::Just(b','),
                    proptest::prelude::Just(b'\n'),
                    proptest::prelude::Just(b'\r'),
                    proptest::prelude::any::<u8>(),
                ],
                0..80,
            )
        ) {
            let naive: Vec<usize> = (0..b.len())
                .filter(|&i| matches!(b[i], b',' | b'\n' | b'\r'))
                .collect();
            proptest::prop_assert_eq!(separators(&b).collect::<Vec<_>>(), naive);
        }
    }

    #[test]
    fn utf8_with_bom_reads_and_the_header_bom_is_ignored() {
        let mut bytes = BOM.to_vec();
        bytes.extend_from_slice(HEADER.as_bytes());
        bytes.extend_from_slice("V1,Huadian,order,D1,S1,1,100.00,,2024-05-01,备注\n".as_bytes());
        let l = read_csv_bytes(&bytes, "ledger.csv", &settings()).unwrap();
        assert_eq!(l.errors, vec![]);
        let e = &l.entries[0];
        assert_eq!(e.entry_id, "V1");
        assert_eq!(e.vendor(), "huadian");
        assert_eq!(e.currency(), "CNY");
        assert_eq!(e.memo(), Some("备注"));
        assert_eq!((e.source(), e.line), ("ledger.csv", 2));
    }

    #[test]
    fn utf8_without_bom_reads() {
        let text = format!("{HEADER}V1,huadian,invoice,D1,,,\"1,234.50\",cny,2024/05/01,发票\n");
        let l = read_csv_bytes(text.as_bytes(), "l.csv", &settings()).unwrap();
        assert_eq!(l.errors, vec![]);
        assert_eq!(l.entries[0].amount(), dec("1234.50"));
        assert_eq!(l.entries[0].currency(), "CNY");
        assert_eq!(l.entries[0].kind(), EntryKind::Invoice);
        assert_eq!(l.entries[0].statement_no(), None);
    }

    #[test]
    fn gb18030_export_with_mapped_chinese_headers_reads() {
        let text = "凭证号,供应商,类型,单据号,金额,记账日期,摘要\r\n\
                    记-001,huadian,order,D1,¥1,2024-05-01,办公用品采购\r\n\
                    记-002,huadian,refund,D1,\"-¥1,234.50\",20240502,退货\r\n";
        let (bytes, _, unmappable) = GB18030.encode(text);
        assert!(!unmappable);
        assert!(
            std::str::from_utf8(&bytes).is_err(),
            "fixture must not be UTF-8"
        );
        let mut s = settings();
        for (k, v) in [
            ("entry_id", "凭证号"),
            ("vendor", "供应商"),
            ("kind", "类型"),
            ("doc_no", "单据号"),
            ("amount", "金额"),
            ("booked_on", "记账日期"),
            ("memo", "摘要"),
        ] {
            s.columns.insert(k.into(), v.into());
        }
        let l = read_csv_bytes(&bytes, "erp.csv", &s).unwrap();
        assert_eq!(l.errors, vec![]);
        assert_eq!(l.entries.len(), 2);
        assert_eq!(l.entries[0].entry_id, "记-001");
        assert_eq!(l.entries[0].memo(), Some("办公用品采购"));
        assert_eq!(
            l.entries[1].amount(),
            dec("1234.50"),
            "refund taken positive"
        );
        assert_eq!(
            l.entries[1].booked_on,
            NaiveDate::from_ymd_opt(2024, 5, 2).unwrap()
        );
        assert_eq!(l.entries[1].line, 3);

        s.encoding = "gbk".into();
        assert_eq!(
            read_csv_bytes(&bytes, "erp.csv", &s).unwrap().entries.len(),
            2
        );
        s.encoding = "utf-8".into();
        let err = read_csv_bytes(&bytes, "erp.csv", &s).unwrap_err();
        assert!(format!("{err:#}").contains("erp.csv"), "{err:#}");
    }

    #[test]
    fn lines_split_by_hand_read_as_the_csv_reader_reads_them() {
        let headers: Vec<String> = HEADER.trim_end().split(',').map(str::to_string).collect();
        let map = ColumnMap::resolve(&headers, &settings(), "l.csv").unwrap();
        let rows = Rows {
            map: &map,
            source: "l.csv",
            pages: Pages::HEAP,
        };
        let good = "V1,huadian,order,D1,S1,1,100.00,,2024-05-01,备注";
        for piece in [
            format!("{good}\n{good}\n"),
            format!("{good}\r\n\r\n\n{good}"),
            format!("\n\n{good},,extra\n V2 ,huadian,ORDER,D2,,,1,,2024-05-02\n"),
            format!(
                "{good}\nV3,huadian,order,D3\n,,,,,,,,,\n,\nV4,x,refund,D4,,,1.234,,2024-13-01,\n"
            ),
            format!("{good}\r{good}\n"),
            format!("{good}\n\r\n{good}\r\r\n"),
            format!("{good},\r\n,\r\n\r\n{good}"),
        ] {
            let by_csv = rows.piece_by_csv(&piece, 7).unwrap();
            assert!(!by_csv.entries.is_empty(), "{piece:?}");
            match rows.piece_by_lines(&piece, 7) {
                Some(by_lines) => assert_eq!(by_lines, by_csv, "{piece:?}"),
                None => assert!(piece.replace("\r\n", "").contains('\r'), "{piece:?}"),
            }
        }
    }

    #[test]
    fn a_large_unquoted_file_read_in_pieces_keeps_file_order_and_physical_lines() {
        // Over two megabytes, so that it is read as several pieces on every core;
        // CRLF line ends, blank lines and a bad row far into it.
        let mut text = format!("{}\r\n", HEADER.trim_end());
        let mut line = 1u64;
        let mut bad_line = 0;
        for i in 0..40_000u64 {
            if i % 9_999 == 0 {
                text.push_str("\r\n");
                line += 1;
            }
            line += 1;
            if i == 31_234 {
                text.push_str("X31234,huadian,order,D31234,S1,1,9.9.9,,2024-05-01,\r\n");
                bad_line = line;
                continue;
            }
            text.push_str(&format!(
                "V{i},huadian,order,D{i},S1,1,{}.{:02},,2024-05-01,row {i}\r\n",
                i % 1000,
                i % 100
            ));
        }
        assert!(text.len() > 2 << 20);
        let l = read_csv_bytes(text.as_bytes(), "ledger.csv", &settings()).unwrap();
        assert_eq!(l.entries.len(), 39_999);
        assert_eq!(l.errors.len(), 1);
        assert_eq!(l.errors[0].entry_id, "X31234");
        assert_eq!(l.errors[0].line, Some(bad_line));
        for (k, e) in l.entries.iter().enumerate() {
            let i = if k < 31_234 { k } else { k + 1 };
            assert_eq!(e.entry_id, format!("V{i}"));
        }
        // Physical lines: the header is line 1, and a blank line before every
        // 9,999th row shifts the rest by one.
        let last = l.entries.last().unwrap();
        assert_eq!(u64::from(last.line), line);
        assert_eq!(l.entries[0].line, 3);
    }

    #[test]
    fn unreadable_rows_are_reported_at_their_physical_line_and_good_rows_load() {
        let text = format!(
            "{HEADER}\
             V1,huadian,order,D1,S1,1,\"1,234.50\",,2024-05-01,\"first line\nsecond line\nthird\"\n\
             V2,huadian,order,D2,S1,2,12.3x,,2024-05-01,bad amount\n\
             \n\
             V3,huadian,order,D3,S1,3,10,,2024-02-30,bad date\n\
             ,,,,,,,,,\n\
             V4,huadian,order,,S1,4,10,,2024-05-01,missing doc_no\n\
             V5,huadian,rebate,D5,S1,5,10,,2024-05-01,bad kind\n\
             V6,huadian,order,D6,S1,6,1.005,,2024-05-01,sub-fen\n\
             V7,huadian,refund,D7,S1,7,-20.00,,2024-05-01 00:00:00,good refund\n"
        );
        let l = read_csv_bytes(text.as_bytes(), "ledger.csv", &settings()).unwrap();
        let got: Vec<_> = l
            .errors
            .iter()
            .map(|e| {
                (
                    e.line.unwrap(),
                    e.entry_id.as_str(),
                    e.field.as_str(),
                    e.value.as_str(),
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                (5, "V2", "amount", "12.3x"),
                (7, "V3", "booked_on", "2024-02-30"),
                (9, "V4", "doc_no", ""),
                (10, "V5", "kind", "rebate"),
                (11, "V6", "amount", "1.005"),
            ]
        );
        assert_eq!(l.errors[4].error, "more than two decimal places");
        assert_eq!(l.errors[2].error, "missing required value");
        let ok: Vec<_> = l
            .entries
            .iter()
            .map(|e| (e.entry_id.as_str(), e.line))
            .collect();
        assert_eq!(ok, vec![("V1", 2), ("V7", 12)]);
        assert_eq!(l.entries[0].memo(), Some("first line\nsecond line\nthird"));
        assert_eq!(l.entries[1].amount(), dec("20.00"));
    }

    #[test]
    fn a_row_with_several_bad_fields_reports_each() {
        let text = format!("{HEADER}V1,huadian,x,D1,,,abc,,nope,\n");
        let l = read_csv_bytes(text.as_bytes(), "l.csv", &settings()).unwrap();
        let fields: Vec<_> = l.errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, vec!["kind", "amount", "booked_on"]);
        assert!(l.entries.is_empty());
    }

    #[test]
    fn a_missing_required_column_names_file_column_and_headers() {
        let text = "entry_id,vendor,kind,amount,booked_on\nV1,huadian,order,1,2024-05-01\n";
        let err = read_csv_bytes(text.as_bytes(), "ledger.csv", &settings()).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("ledger.csv"), "{msg}");
        assert!(msg.contains("`doc_no`"), "{msg}");
        assert!(msg.contains("\"booked_on\""), "{msg}");
    }

    #[test]
    fn headers_match_trimmed_and_case_insensitively() {
        let text =
            " Entry_ID ,VENDOR,Kind,Doc_No,Amount,Booked_On\nV1,huadian,ORDER,D1,1,2024-05-01\n";
        let l = read_csv_bytes(text.as_bytes(), "l.csv", &settings()).unwrap();
        assert_eq!(l.errors, vec![]);
        assert_eq!(l.entries[0].kind(), EntryKind::Order);
    }

    #[test]
    fn utf8_is_checked_across_stretch_boundaries() {
        let mut text = "a".repeat(STRETCH - 1);
        text.push_str("中文end");
        assert_eq!(
            utf8_in_stretches(text.as_bytes(), Pages::HEAP).unwrap(),
            text
        );
        let mut bad = text.clone().into_bytes();
        bad.push(0xFF);
        let e = utf8_in_stretches(&bad, Pages::HEAP).unwrap_err();
        assert_eq!(e.valid_up_to(), text.len());
    }
}
