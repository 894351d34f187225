//! The company's ledger, normalized: one `LedgerEntry` per readable row.

use super::PackedDecimal;
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EntryKind {
    Order,
    Refund,
    Invoice,
    Payment,
}

impl EntryKind {
    /// Every kind, in declaration order (`kind as usize` is its place here).
    pub const ALL: [Self; 4] = [Self::Order, Self::Refund, Self::Invoice, Self::Payment];

    pub fn parse(s: &str) -> Option<Self> {
        // Compared in place: one per ledger row, no lower-cased copy.
        let s = s.trim();
        Self::ALL
            .into_iter()
            .find(|k| s.eq_ignore_ascii_case(k.as_str()))
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Order => "order",
            Self::Refund => "refund",
            Self::Invoice => "invoice",
            Self::Payment => "payment",
        }
    }
}

/// Short text kept inline (up to 24 bytes) rather than on the heap: ids, vendor
/// keys and currencies of a million-row ledger are mostly that short.
pub type Text = compact_str::CompactString;

/// Whose a row is and where it was read: a ledger has a handful of these, shared
/// by their rows rather than copied into each (32 bytes a row at ten million rows).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Origin {
    /// Lower-cased vendor key as the ledger names it.
    pub vendor: Text,
    /// File name (or `sql`).
    pub source: Arc<str>,
}

impl Origin {
    pub fn shared(vendor: &str, source: &str) -> Arc<Self> {
        Arc::new(Self {
            vendor: vendor.into(),
            source: source.into(),
        })
    }
}

/// One ledger row. 80 bytes: a large month's ledger holds ten million of them
/// at once, so what most rows share (kind, file, vendor, the optional columns
/// they leave blank) is one `EntryMeta` for all of them, and the rows naming
/// one statement share its number.
#[derive(Debug, Clone, PartialEq)]
pub struct LedgerEntry {
    pub entry_id: Text,
    pub doc_no: Text,
    statement_no: Option<Arc<Text>>,
    /// Yuan. Refund amounts are stored positive (SPEC §4).
    amount: Option<PackedDecimal>,
    pub booked_on: NaiveDate,
    /// Physical line in the source (header = line 1; SQL: row number).
    pub line: u32,
    meta: Arc<EntryMeta>,
}

/// What a ledger row shares with the other rows of its file, vendor and kind.
/// A row that fills an optional column, or whose amount does not pack into 8
/// bytes, has one of its own.
#[derive(Debug, Clone, PartialEq)]
pub struct EntryMeta {
    kind: EntryKind,
    origin: Arc<Origin>,
    details: EntryDetails,
    /// The amount, when it does not pack.
    amount: Option<Decimal>,
}

impl EntryMeta {
    /// The meta of the rows of `kind` from `origin` with no optional column.
    pub fn plain(kind: EntryKind, origin: Arc<Origin>) -> Arc<Self> {
        Arc::new(Self {
            kind,
            origin,
            details: EntryDetails::default(),
            amount: None,
        })
    }
}

/// The optional columns of SPEC §4 a ledger row may fill (line_no and a currency
/// other than CNY included: most rows have neither).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EntryDetails {
    pub line_no: Option<String>,
    /// Upper-cased; `None` is CNY.
    pub currency: Option<String>,
    pub status: Option<String>,
    pub invoice_no: Option<String>,
    pub invoice_code: Option<String>,
    pub express_company: Option<String>,
    pub express_no: Option<String>,
    pub ref_no: Option<String>,
    pub memo: Option<String>,
}

/// Statement numbers as read, each kept once and shared by the rows naming it
/// (a statement has a hundred rows; its number inline in each took 24 bytes).
#[derive(Default)]
pub struct Statements(std::collections::HashMap<Text, Arc<Text>>);

impl Statements {
    pub fn shared(&mut self, statement_no: &str) -> Arc<Text> {
        if let Some(s) = self.0.get(statement_no) {
            return s.clone();
        }
        let s = Arc::new(Text::from(statement_no));
        self.0.insert(statement_no.into(), s.clone());
        s
    }
}

/// A ledger row's own columns, given to `LedgerEntry::new`.
pub struct EntryFields {
    pub entry_id: Text,
    pub doc_no: Text,
    /// Shared by the rows naming the same statement (see `Statements`).
    pub statement_no: Option<Arc<Text>>,
    pub amount: Decimal,
    pub booked_on: NaiveDate,
    pub line: u32,
    pub details: EntryDetails,
}

macro_rules! detail_getters {
    ($($f:ident),*) => {
        impl LedgerEntry {
            $(pub fn $f(&self) -> Option<&str> {
                self.meta.details.$f.as_deref()
            })*
        }
    };
}
impl LedgerEntry {
    /// A row with the shared meta `plain` (`EntryMeta::plain` of its kind and
    /// origin), or a meta of its own when it needs one.
    pub fn new(f: EntryFields, plain: &Arc<EntryMeta>) -> Self {
        let packed = PackedDecimal::pack(f.amount);
        let meta = if packed.is_some() && f.details == EntryDetails::default() {
            plain.clone()
        } else {
            Arc::new(EntryMeta {
                details: f.details,
                amount: packed.is_none().then_some(f.amount),
                ..(**plain).clone()
            })
        };
        Self {
            entry_id: f.entry_id,
            doc_no: f.doc_no,
            statement_no: f.statement_no,
            amount: packed,
            booked_on: f.booked_on,
            line: f.line,
            meta,
        }
    }

    pub fn kind(&self) -> EntryKind {
        self.meta.kind
    }

    pub fn statement_no(&self) -> Option<&str> {
        self.statement_no.as_deref().map(Text::as_str)
    }

    pub fn set_statement_no(&mut self, statement_no: Option<&str>) {
        self.statement_no = statement_no.map(|s| Arc::new(s.into()));
    }

    /// Yuan; a refund's is positive (SPEC §4).
    pub fn amount(&self) -> Decimal {
        match self.amount {
            Some(p) => p.get(),
            None => self.meta.amount.unwrap_or_default(),
        }
    }

    /// The vendor key, lower-cased.
    pub fn vendor(&self) -> &str {
        &self.meta.origin.vendor
    }

    /// The file name (or `sql`) the row was read from.
    pub fn source(&self) -> &str {
        &self.meta.origin.source
    }

    /// The row's currency code, upper-cased; CNY when the ledger left it blank.
    pub fn currency(&self) -> &str {
        self.meta.details.currency.as_deref().unwrap_or("CNY")
    }

    /// Sets line_no (blank is no value).
    pub fn set_line_no(&mut self, line_no: Option<&str>) {
        let mut meta = (*self.meta).clone();
        meta.details.line_no = line_no.filter(|l| !l.trim().is_empty()).map(str::to_string);
        self.meta = Arc::new(meta);
    }

    pub fn set_amount(&mut self, amount: Decimal) {
        self.amount = PackedDecimal::pack(amount);
        let elsewhere = self.amount.is_none().then_some(amount);
        if self.meta.amount != elsewhere {
            let mut meta = (*self.meta).clone();
            meta.amount = elsewhere;
            self.meta = Arc::new(meta);
        }
    }

    /// Moves the row to another file or vendor.
    pub fn set_origin(&mut self, origin: Arc<Origin>) {
        let mut meta = (*self.meta).clone();
        meta.origin = origin;
        self.meta = Arc::new(meta);
    }
}

detail_getters!(
    line_no,
    status,
    invoice_no,
    invoice_code,
    express_company,
    express_no,
    ref_no,
    memo
);

/// A row or body that could not be read; listed in `input_errors.csv`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InputError {
    pub source: String,
    pub line: Option<u64>,
    pub entry_id: String,
    pub field: String,
    pub value: String,
    pub error: String,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Ledger {
    pub entries: Vec<LedgerEntry>,
    pub errors: Vec<InputError>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn row(amount: &str, details: EntryDetails, plain: &Arc<EntryMeta>) -> LedgerEntry {
        LedgerEntry::new(
            EntryFields {
                entry_id: "E1".into(),
                doc_no: "D1".into(),
                statement_no: None,
                amount: Decimal::from_str(amount).unwrap(),
                booked_on: NaiveDate::from_ymd_opt(2026, 1, 2).unwrap(),
                line: 2,
                details,
            },
            plain,
        )
    }

    #[test]
    fn rows_share_their_meta_unless_they_need_their_own() {
        let plain = EntryMeta::plain(EntryKind::Refund, Origin::shared("huadian", "l.csv"));
        let usual = row("12.30", EntryDetails::default(), &plain);
        assert!(Arc::ptr_eq(&usual.meta, &plain));
        assert_eq!(usual.amount().to_string(), "12.30");
        assert_eq!(
            (usual.kind(), usual.vendor(), usual.source()),
            (EntryKind::Refund, "huadian", "l.csv")
        );
        // Too many digits to pack: exact all the same, kept in a meta of its own.
        let long = row("0.1234567890123456789", EntryDetails::default(), &plain);
        assert!(!Arc::ptr_eq(&long.meta, &plain));
        assert_eq!(long.amount().to_string(), "0.1234567890123456789");
        let memo = EntryDetails {
            memo: Some("备注".into()),
            ..EntryDetails::default()
        };
        let mut noted = row("0.00", memo, &plain);
        let mut negative_zero = Decimal::new(0, 2);
        negative_zero.set_sign_negative(true);
        noted.set_amount(negative_zero);
        assert_eq!(
            (noted.memo(), noted.amount().to_string().as_str()),
            (Some("备注"), "-0.00")
        );
        assert_eq!(noted.kind(), EntryKind::Refund);
        let mut changed = usual.clone();
        changed.set_amount(Decimal::from_str("79228162514264337593543950335").unwrap());
        assert_eq!(
            changed.amount().to_string(),
            "79228162514264337593543950335"
        );
        changed.set_amount(Decimal::from_str("1.5").unwrap());
        assert_eq!(changed.amount().to_string(), "1.5");
    }

    #[test]
    fn rows_naming_one_statement_share_its_number() {
        let mut statements = Statements::default();
        let (a, b) = (statements.shared("S1"), statements.shared("S1"));
        assert!(Arc::ptr_eq(&a, &b));
        assert!(!Arc::ptr_eq(&a, &statements.shared("S2")));
        let plain = EntryMeta::plain(EntryKind::Order, Origin::shared("huadian", "l.csv"));
        let mut r = row("1.00", EntryDetails::default(), &plain);
        assert_eq!(r.statement_no(), None);
        r.set_statement_no(Some("S9"));
        assert_eq!(r.statement_no(), Some("S9"));
    }

    /// A large month's ledger holds ten million rows at once.
    #[test]
    fn a_ledger_entry_stays_small() {
        assert!(std::mem::size_of::<super::LedgerEntry>() <= 80);
    }
}
