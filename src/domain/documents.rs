//! Normalized vendor documents: what the connectors hand to reconcile. Exact
//! decimals, local times (the configured zone), no wire quirks left.

use super::SmallDecimal;
use chrono::{NaiveDate, NaiveDateTime};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// Where a document came from, for the auditor: archive file relative path.
pub type SourceRef = String;

/// A huadian statement (对账单) as fetched.
#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    pub statement_no: String,
    pub total_amount: Decimal,
    /// `billStartDate` / `billEndDate` from `statementExtends`, when present.
    pub bill_start: Option<NaiveDate>,
    pub bill_end: Option<NaiveDate>,
    /// Every other extend field (`billSavePrice`, `billYear`, ...) and header field
    /// the workbook shows but no rule checks.
    pub extends: Extends,
    pub lines: Vec<StatementLine>,
    pub source: SourceRef,
}

/// A statement's fields no rule checks, by key (SPEC §5: shown, not checked).
/// Slices of inline texts, not a map: a large month has a hundred thousand
/// statements, and a map of heap strings took 2 KB of each.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Extends {
    /// The header's fields (invoice title, bank details, receiver): the same
    /// for every statement of one buyer, so one slice is shared by all of them
    /// (`share`).
    header: Header,
    /// `statementExtends` (billSavePrice, billYear, ...): the statement's own.
    own: Box<[(super::Text, super::Text)]>,
}

type Pairs = Vec<(super::Text, super::Text)>;
type Header = Arc<[(super::Text, super::Text)]>;

/// Sorted by key; of a key given twice, the last.
fn by_key(mut pairs: Pairs) -> Pairs {
    // Stable: equal keys stay in order, and the last of them is kept.
    pairs.sort_by(|a, b| a.0.cmp(&b.0));
    let mut kept: Pairs = Vec::with_capacity(pairs.len());
    for p in pairs {
        match kept.last_mut() {
            Some(last) if last.0 == p.0 => *last = p,
            _ => kept.push(p),
        }
    }
    kept
}

fn find<'a>(pairs: &'a [(super::Text, super::Text)], key: &str) -> Option<&'a str> {
    pairs
        .binary_search_by(|(k, _)| k.as_str().cmp(key))
        .ok()
        .map(|i| pairs[i].1.as_str())
}

impl Extends {
    /// From the header's (key, value) pairs and the statement's own, in any
    /// order; an own field overrides a header field of the same key.
    pub fn new(header: Pairs, own: Pairs) -> Self {
        let own = by_key(own);
        let header: Pairs = by_key(header)
            .into_iter()
            .filter(|(k, _)| find(&own, k).is_none())
            .collect();
        Self {
            header: header.into(),
            own: own.into_boxed_slice(),
        }
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        find(&self.own, key).or_else(|| find(&self.header, key))
    }

    /// Every field: the header's, then the statement's own, each by key.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.header
            .iter()
            .chain(self.own.iter())
            .map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// Takes the header from `pool` when an equal one is there, else adds it.
    pub fn share(&mut self, pool: &mut HeaderPool) {
        match pool.0.get(&self.header) {
            Some(shared) => self.header = shared.clone(),
            None => {
                pool.0.insert(self.header.clone());
            }
        }
    }
}

/// The statement headers seen so far, each kept once (see `Extends::share`).
#[derive(Debug, Clone, Default)]
pub struct HeaderPool(Box<rustc_hash::FxHashSet<Header>>);

/// A cache of what the statements hold: no part of what the data says.
impl PartialEq for HeaderPool {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

/// One order billed on a statement. Of its items only what a check can report is
/// kept (see `set_items`): the rest is in the archive, byte for byte, and at a
/// million lines the items would be most of the memory.
#[derive(Debug, Clone, PartialEq)]
pub struct StatementLine {
    /// Inline (`CompactString`): no heap text per line for numbers up to 24 bytes.
    pub order_no: super::Text,
    /// Packed into 4 bytes each (an amount that does not pack is in `odd`): 48
    /// bytes a line instead of 56, and a statement's hundred lines then fit the
    /// allocator's 5 KiB size class instead of its 6 KiB one.
    order_amount: Option<SmallDecimal>,
    return_amount: Option<SmallDecimal>,
    /// orderEndTime in whole seconds × 2, + 1 when the line lists items (their
    /// total is then `items_total()`): 8 bytes where the time and the flag took
    /// 16. No time is `NO_TIME`; one with a fraction of a second is in `odd`.
    when: i64,
    /// Out of line, and only for the rare line that needs it: at ten million
    /// lines every inline byte is ten megabytes.
    odd: Option<Box<Odd>>,
}

/// What of a line is not the usual: items that do not add up, an amount too
/// long to pack.
#[derive(Debug, Clone, Default, PartialEq)]
struct Odd {
    /// Σ totalPrice, kept only when it is not the orderAmount.
    total: Option<Decimal>,
    /// The items whose price × num, rounded half up to the fen, is not exactly
    /// their totalPrice: the only ones LINE_TOTAL_MISMATCH can name (it needs a
    /// difference beyond a tolerance that is never negative).
    items: Vec<LineItem>,
    order_amount: Option<Decimal>,
    return_amount: Option<Decimal>,
    ended_at: Option<NaiveDateTime>,
}

/// `StatementLine::when`'s seconds for no time, and for a time kept in `odd`:
/// far outside the times chrono can hold.
const NO_TIME: i64 = i64::MIN >> 2;
const TIME_ELSEWHERE: i64 = NO_TIME + 1;

/// A line's items taken in one by one (see `StatementLine::set_items`).
#[derive(Debug, Default)]
pub struct ItemTally {
    total: Option<Decimal>,
    odd: Vec<LineItem>,
}

impl ItemTally {
    /// Adds the item's totalPrice and keeps the item only if its own arithmetic
    /// is off: then it is returned, to be told what only a kept item needs.
    pub fn add(&mut self, item: LineItem) -> Option<&mut LineItem> {
        *self.total.get_or_insert(Decimal::ZERO) += item.total_price;
        if item.expected_total() == item.total_price {
            return None;
        }
        self.odd.push(item);
        self.odd.last_mut()
    }
}

impl StatementLine {
    /// A line without items.
    pub fn new(order_no: impl Into<super::Text>, order_amount: Decimal) -> Self {
        let mut line = Self {
            order_no: order_no.into(),
            order_amount: None,
            return_amount: SmallDecimal::pack(Decimal::ZERO),
            when: NO_TIME << 1,
            odd: None,
        };
        line.set_order_amount(order_amount);
        line
    }

    pub fn order_amount(&self) -> Decimal {
        self.order_amount
            .map(SmallDecimal::get)
            .or_else(|| self.odd.as_ref().and_then(|o| o.order_amount))
            .unwrap_or_default()
    }

    pub fn return_amount(&self) -> Decimal {
        self.return_amount
            .map(SmallDecimal::get)
            .or_else(|| self.odd.as_ref().and_then(|o| o.return_amount))
            .unwrap_or_default()
    }

    pub fn ended_at(&self) -> Option<NaiveDateTime> {
        match self.when >> 1 {
            NO_TIME => None,
            TIME_ELSEWHERE => self.odd.as_ref().and_then(|o| o.ended_at),
            secs => chrono::DateTime::from_timestamp(secs, 0).map(|t| t.naive_utc()),
        }
    }

    pub fn set_ended_at(&mut self, at: Option<NaiveDateTime>) {
        let whole = at.filter(|t| t.and_utc().timestamp_subsec_nanos() == 0);
        let secs = match (at, whole) {
            (None, _) => NO_TIME,
            (Some(_), Some(t)) => t.and_utc().timestamp(),
            (Some(_), None) => TIME_ELSEWHERE,
        };
        self.when = (secs << 1) | (self.when & 1);
        let elsewhere = at.filter(|_| whole.is_none());
        self.edit_odd(elsewhere.is_some(), |o| o.ended_at = elsewhere);
    }

    fn has_items(&self) -> bool {
        self.when & 1 == 1
    }

    fn set_order_amount(&mut self, amount: Decimal) {
        self.order_amount = SmallDecimal::pack(amount);
        let elsewhere = self.order_amount.is_none().then_some(amount);
        self.edit_odd(elsewhere.is_some(), |o| o.order_amount = elsewhere);
    }

    pub fn set_return_amount(&mut self, amount: Decimal) {
        self.return_amount = SmallDecimal::pack(amount);
        let elsewhere = self.return_amount.is_none().then_some(amount);
        self.edit_odd(elsewhere.is_some(), |o| o.return_amount = elsewhere);
    }

    /// Changes what is out of line, which is then dropped if it holds nothing.
    /// `puts`: whether the edit stores anything; one that stores nothing on a
    /// line with nothing out of line (nearly every edit) changes nothing.
    fn edit_odd(&mut self, puts: bool, edit: impl FnOnce(&mut Odd)) {
        if !puts && self.odd.is_none() {
            return;
        }
        let mut odd = self.odd.take().map(|b| *b).unwrap_or_default();
        edit(&mut odd);
        self.odd = (odd != Odd::default()).then(|| Box::new(odd));
    }

    /// The line's items, once its orderAmount is set: what a check can report of
    /// them is kept, nothing for items that add up to the orderAmount.
    pub fn set_items(&mut self, tally: ItemTally) {
        self.when = (self.when & !1) | i64::from(tally.total.is_some());
        let total = tally.total.filter(|t| *t != self.order_amount());
        self.edit_odd(total.is_some() || !tally.odd.is_empty(), |o| {
            o.total = total;
            o.items = tally.odd;
        });
    }

    /// Σ totalPrice of the line's items; `None` when it lists none.
    pub fn items_total(&self) -> Option<Decimal> {
        if !self.has_items() {
            return None;
        }
        Some(
            self.odd
                .as_ref()
                .and_then(|o| o.total)
                .unwrap_or_else(|| self.order_amount()),
        )
    }

    /// The items whose own arithmetic is off (see `Odd::items`).
    pub fn odd_items(&self) -> &[LineItem] {
        self.odd.as_ref().map_or(&[], |o| &o.items)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LineItem {
    pub sku: super::Text,
    /// skuName, shown beside the sku where the item is reported (SPEC §5).
    pub sku_name: Option<super::Text>,
    pub price: Decimal,
    pub num: Decimal,
    pub total_price: Decimal,
}

impl LineItem {
    /// round_half_up(price × num) to the fen: what totalPrice should be.
    pub fn expected_total(&self) -> Decimal {
        // The usual item, a price in fen times a whole number, multiplies exactly in
        // integers (two items a line, millions of lines); a property test holds this
        // to the Decimal arithmetic below.
        let (p, n) = (self.price, self.num);
        if p.scale() + n.scale() <= 2 && !p.is_sign_negative() && !n.is_sign_negative() {
            let product = i64::try_from(p.mantissa())
                .ok()
                .zip(i64::try_from(n.mantissa()).ok())
                .and_then(|(p, n)| p.checked_mul(n));
            if let Some(m) = product {
                return Decimal::new(m, p.scale() + n.scale());
            }
        }
        super::round_fen(p * n)
    }
}

/// Package states of the seed: 0 已发货, 1 拒收, 2 签收. 1 and 2 are final.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum PackageState {
    Shipped,
    Rejected,
    Signed,
    Other(i64),
}

impl PackageState {
    pub fn from_code(code: i64) -> Self {
        match code {
            0 => Self::Shipped,
            1 => Self::Rejected,
            2 => Self::Signed,
            n => Self::Other(n),
        }
    }
    pub fn code(self) -> i64 {
        match self {
            Self::Shipped => 0,
            Self::Rejected => 1,
            Self::Signed => 2,
            Self::Other(n) => n,
        }
    }
    pub fn is_final(self) -> bool {
        matches!(self, Self::Rejected | Self::Signed)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Package {
    pub order_no: String,
    pub package_no: String,
    pub state: PackageState,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invoice {
    pub invoice_no: String,
    pub invoice_code: String,
    pub link: Option<String>,
}

/// A message of the huadian feed (303 / 304 / 702).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    pub id: String,
    pub time: Option<NaiveDateTime>,
    pub body: MessageBody,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum MessageBody {
    /// 303 退换货状态: 30325/30330 = return completed.
    ReturnStatus {
        po_code: String,
        apply_code: String,
        process_status: i64,
    },
    /// 304 退换货申请状态: 4 = refused.
    ApplyStatus {
        po_code: String,
        apply_code: String,
        apply_status: i64,
    },
    /// 702 发票物流: 1 已派送, 2 已妥投, -1 已拒绝.
    InvoiceLogistics {
        bill_no: String,
        bill_row_no: String,
        invoice_no: String,
        invoice_code: String,
        status: i64,
    },
    /// A type we do not use; kept so the count is honest.
    Other { kind: i64 },
}

/// Everything one huadian fetch (or archive replay) saw. "Fetched" means the
/// vendor answered; an answer of "no such thing" is fetched and empty.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HuadianData {
    pub statements: Vec<Statement>,
    /// The statements' headers, each kept once (`Extends::share`).
    pub headers: HeaderPool,
    /// Statements the vendor answered with "none" (empty result or 5004).
    pub empty_statements: BTreeSet<String>,
    /// Statements that could not be fetched or parsed: their rows are not reported.
    pub failed_statements: BTreeSet<String>,
    /// `None`: packages were not fetched at all (check off, or an archive without them).
    /// `Some(map)`: order no → packages the vendor answered (possibly none).
    pub packages: Option<BTreeMap<String, Vec<Package>>>,
    /// Orders whose package query failed: not checked.
    pub failed_packages: BTreeSet<String>,
    /// (billNo, billRowNo) → invoices the vendor answered (possibly none).
    pub invoices: BTreeMap<(String, String), Vec<Invoice>>,
    pub failed_invoices: BTreeSet<(String, String)>,
    pub messages: Vec<Message>,
}

impl HuadianData {
    /// Positions in `statements` of the statements the checks read and the
    /// report shows: one per number (of a number read from two files, the
    /// first file by name), failed ones left out, by number.
    pub fn fetched_positions(&self) -> Vec<usize> {
        let mut all: Vec<usize> = (0..self.statements.len())
            .filter(|&i| {
                !self
                    .failed_statements
                    .contains(&self.statements[i].statement_no)
            })
            .collect();
        let key = |i: usize| (&self.statements[i].statement_no, &self.statements[i].source);
        all.sort_by(|&a, &b| key(a).cmp(&key(b)));
        all.dedup_by(|a, b| self.statements[*a].statement_no == self.statements[*b].statement_no);
        all
    }
}

/// A zcy (政采云) settlement statement (结算单), amounts converted from fen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ZcyStatement {
    /// 19-digit ids are kept as text, never through a double.
    pub statement_id: String,
    pub statement_no: String,
    pub name: String,
    pub status: ZcyStatus,
    pub total_amount: Decimal,
    /// 已匹配金额; absent on some 未支付 statements.
    pub match_amount: Option<Decimal>,
    pub created_at: Option<NaiveDateTime>,
    pub purchaser: String,
    pub district: String,
    pub orders: Vec<String>,
    pub invoices: Vec<ZcyInvoice>,
    pub pay_records: Vec<PayRecord>,
    pub source: SourceRef,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ZcyStatus {
    /// 未支付
    Unpaid,
    /// 已匹配
    Matched,
    Other(String),
}

impl ZcyStatus {
    pub fn parse(s: &str) -> Self {
        match s.trim() {
            "未支付" => Self::Unpaid,
            "已匹配" => Self::Matched,
            o => Self::Other(o.to_string()),
        }
    }
    /// Whether a statement seen with this status replaces one already seen with
    /// `old`: a 已匹配 form is never replaced by another.
    pub fn replaces(&self, old: &ZcyStatus) -> bool {
        *old != Self::Matched || *self == Self::Matched
    }
    pub fn as_str(&self) -> &str {
        match self {
            Self::Unpaid => "未支付",
            Self::Matched => "已匹配",
            Self::Other(o) => o,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ZcyInvoice {
    pub serial_no: String,
    pub invoice_type: String,
    pub title: String,
    pub amount: Decimal,
    pub orders: Vec<String>,
    pub items: Vec<ZcyInvoiceItem>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ZcyInvoiceItem {
    pub category: String,
    pub amount: Decimal,
}

/// A payment record of a 已匹配 statement and the bank transfers matched to it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PayRecord {
    pub pay_id: String,
    pub payer: String,
    pub pay_amount: Decimal,
    pub transfers: Vec<MatchedTransfer>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MatchedTransfer {
    pub vostro_no: String,
    /// The transfer's whole amount.
    pub total_amount: Decimal,
    /// The part of it allocated to this pay record.
    pub match_amount: Decimal,
    pub currency: String,
    pub transfer_time: Option<NaiveDateTime>,
}

/// Everything one zcy fetch (or archive replay) saw.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ZcyData {
    /// Every statement answered, both statuses, one per statement number
    /// (a statement seen under both statuses keeps its 已匹配 form).
    pub statements: Vec<ZcyStatement>,
    /// Whether every page of each status query was answered.
    pub unpaid_complete: bool,
    pub matched_complete: bool,
}

/// A vendor's normalized data; one variant per vendor family.
#[derive(Debug, Clone, PartialEq)]
pub enum VendorDocs {
    Huadian(HuadianData),
    Zcy(ZcyData),
}

impl VendorDocs {
    /// Messages that must be stored before the vendor may delete them.
    pub fn messages(&self) -> &[Message] {
        match self {
            Self::Huadian(h) => &h.messages,
            Self::Zcy(_) => &[],
        }
    }

    /// Packages answered this run, to remember their final states.
    pub fn packages(&self) -> Vec<Package> {
        match self {
            Self::Huadian(h) => h
                .packages
                .as_ref()
                .map(|p| p.values().flatten().cloned().collect())
                .unwrap_or_default(),
            Self::Zcy(_) => vec![],
        }
    }

    /// Adds what the history knows: every stored message, and the final
    /// package states of orders not asked for again.
    pub fn with_history(
        mut self,
        messages: Vec<Message>,
        final_packages: &BTreeMap<String, Vec<Package>>,
    ) -> Self {
        if let Self::Huadian(h) = &mut self {
            let mut by_id: BTreeMap<String, Message> = BTreeMap::new();
            for m in messages.into_iter().chain(std::mem::take(&mut h.messages)) {
                by_id.insert(m.id.clone(), m);
            }
            let mut all: Vec<Message> = by_id.into_values().collect();
            all.sort_by(|a, b| {
                (a.time, a.id.parse::<u64>().ok(), &a.id).cmp(&(
                    b.time,
                    b.id.parse::<u64>().ok(),
                    &b.id,
                ))
            });
            h.messages = all;
            if let Some(p) = h.packages.as_mut() {
                for (order, pk) in final_packages {
                    p.entry(order.clone()).or_insert_with(|| pk.clone());
                }
            }
        }
        self
    }

    /// (invoice no, PDF link) pairs the workbook can link to.
    pub fn invoice_links(&self) -> Vec<(String, String)> {
        match self {
            Self::Huadian(h) => h
                .invoices
                .values()
                .flatten()
                .filter_map(|i| i.link.clone().map(|l| (i.invoice_no.clone(), l)))
                .collect(),
            Self::Zcy(_) => vec![],
        }
    }

    /// Dates the documents carry, for a range when none is given.
    pub fn dates(&self) -> Vec<NaiveDate> {
        match self {
            Self::Huadian(h) => h
                .statements
                .iter()
                .flat_map(|s| {
                    s.lines
                        .iter()
                        .filter_map(|l| l.ended_at().map(|t| t.date()))
                })
                .collect(),
            Self::Zcy(z) => z
                .statements
                .iter()
                .filter_map(|s| s.created_at.map(|t| t.date()))
                .collect(),
        }
    }
}

/// How a vendor's fetch went, as the report and exit status show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FetchState {
    /// Everything asked for was answered.
    Ok,
    /// Some documents could not be fetched; the rest are whole.
    Partial,
    /// Nothing could be fetched (unreachable, bad credentials).
    Failed,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FetchStatus {
    pub vendor: String,
    pub state: FetchState,
    /// Why, in one line (never a secret).
    pub error: Option<String>,
    pub requests: u64,
    pub documents: u64,
    pub failures: u64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn a_line_keeps_amounts_too_long_to_pack_exactly() {
        let d = |s: &str| Decimal::from_str(s).unwrap();
        let mut line = StatementLine::new("O1", d("0.1234567890123456789"));
        let mut negative_zero = d("0.00");
        negative_zero.set_sign_negative(true);
        line.set_return_amount(negative_zero);
        assert_eq!(line.order_amount().to_string(), "0.1234567890123456789");
        assert!(line.return_amount().is_zero() && line.return_amount().is_sign_negative());
        let mut tally = ItemTally::default();
        tally.add(LineItem {
            sku: "S".into(),
            sku_name: None,
            price: d("1.00"),
            num: d("1"),
            total_price: d("1.00"),
        });
        line.set_items(tally);
        assert_eq!(line.items_total(), Some(d("1.00")));
        assert_eq!(line.order_amount().to_string(), "0.1234567890123456789");
        line.set_return_amount(d("2.50"));
        assert_eq!(line.return_amount().to_string(), "2.50");
        // Beyond what 4 bytes hold: a large order, kept whole out of line.
        let mut large = StatementLine::new("O3", d("1234567.89"));
        large.set_return_amount(d("-671088.64"));
        assert_eq!(large.order_amount().to_string(), "1234567.89");
        assert_eq!(large.return_amount().to_string(), "-671088.64");
        large.set_return_amount(d("671088.63"));
        assert_eq!(large.return_amount().to_string(), "671088.63");
        let at = |s: &str| NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f").unwrap();
        line.set_ended_at(Some(at("2026-03-01 23:59:59.250")));
        assert_eq!(line.ended_at(), Some(at("2026-03-01 23:59:59.250")));
        assert_eq!(line.items_total(), Some(d("1.00")));
        let usual = StatementLine::new("O2", d("12.30"));
        assert_eq!(usual.ended_at(), None);
        let mut timed = usual.clone();
        timed.set_ended_at(Some(at("1969-12-31 23:59:59")));
        assert_eq!(timed.ended_at(), Some(at("1969-12-31 23:59:59")));
        assert!(timed.odd.is_none() && timed.items_total().is_none());
        assert_eq!(
            (usual.order_amount().to_string(), usual.return_amount()),
            ("12.30".into(), Decimal::ZERO)
        );
        assert!(usual.odd.is_none());
    }

    proptest::proptest! {
        #[test]
        fn an_item_total_in_integers_is_the_decimal_one(
            pm in -10_000_000_000i64..10_000_000_000, ps in 0u32..4,
            nm in -1_000_000i64..1_000_000, ns in 0u32..3,
        ) {
            let item = LineItem {
                sku: "s".into(),
                sku_name: None,
                price: Decimal::new(pm, ps),
                num: Decimal::new(nm, ns),
                total_price: Decimal::ZERO,
            };
            let slow = crate::domain::round_fen(item.price * item.num);
            let fast = item.expected_total();
            proptest::prop_assert_eq!(fast, slow);
            proptest::prop_assert_eq!(fast.to_string(), slow.to_string());
        }
    }

    #[test]
    fn statements_of_one_buyer_share_one_header_and_keep_their_own_fields() {
        let pairs = |p: &[(&str, &str)]| -> Vec<(crate::domain::Text, crate::domain::Text)> {
            p.iter().map(|(k, v)| ((*k).into(), (*v).into())).collect()
        };
        let header = [
            ("invoiceTitle", "华电滨海发电有限公司"),
            ("reason", "header"),
        ];
        let mut pool = HeaderPool::default();
        let mut a = Extends::new(pairs(&header), pairs(&[("billSavePrice", "1.00")]));
        let mut b = Extends::new(
            pairs(&header),
            pairs(&[("billSavePrice", "2.00"), ("reason", "own")]),
        );
        let mut c = Extends::new(pairs(&header), pairs(&[("billSavePrice", "3.00")]));
        for e in [&mut a, &mut b, &mut c] {
            e.share(&mut pool);
        }
        assert!(Arc::ptr_eq(&a.header, &c.header));
        assert_eq!(a.get("billSavePrice"), Some("1.00"));
        assert_eq!(c.get("billSavePrice"), Some("3.00"));
        assert_eq!(c.get("invoiceTitle"), Some("华电滨海发电有限公司"));
        // An own field of the same key overrides the header's.
        assert_eq!(b.get("reason"), Some("own"));
        assert_eq!(a.get("reason"), Some("header"));
        assert_eq!(b.iter().filter(|(k, _)| *k == "reason").count(), 1);
        assert_eq!(pool.0.len(), 2);
    }

    /// A large month holds ten million lines at once: each byte here is 10 MB.
    #[test]
    fn a_statement_line_stays_small() {
        assert!(std::mem::size_of::<StatementLine>() <= 48);
    }

    #[test]
    fn items_that_add_up_keep_only_their_total() {
        let item = |total: &str| LineItem {
            sku: "S".into(),
            sku_name: None,
            price: total.parse().unwrap(),
            num: Decimal::ONE,
            total_price: total.parse().unwrap(),
        };
        let mut line = StatementLine::new("O1", "3.00".parse().unwrap());
        assert_eq!(line.items_total(), None);
        let mut tally = ItemTally::default();
        tally.add(item("1.00"));
        tally.add(item("2.00"));
        line.set_items(tally);
        assert_eq!(line.items_total(), Some("3.00".parse().unwrap()));
        assert!(line.odd.is_none());

        let mut tally = ItemTally::default();
        tally.add(item("1.00"));
        tally.add(LineItem {
            total_price: "2.01".parse().unwrap(),
            ..item("2.00")
        });
        line.set_items(tally);
        assert_eq!(line.items_total(), Some("3.01".parse().unwrap()));
        assert_eq!(line.odd_items().len(), 1);
    }
}
