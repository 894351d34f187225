//! The company's ledger, normalized: one `LedgerEntry` per readable row.

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
    pub fn parse(s: &str) -> Option<Self> {
        // Compared in place: one per ledger row, no lower-cased copy.
        let s = s.trim();
        [Self::Order, Self::Refund, Self::Invoice, Self::Payment]
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

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LedgerEntry {
    pub entry_id: Text,
    pub kind: EntryKind,
    pub doc_no: Text,
    pub statement_no: Option<Text>,
    /// Yuan. Refund amounts are stored positive (SPEC §4).
    pub amount: Decimal,
    pub booked_on: NaiveDate,
    /// The optional columns, out of line: most rows fill none of them, and
    /// seven empty strings per row cost 170 MB at a million rows.
    #[serde(flatten)]
    pub details: Option<Box<EntryDetails>>,
    #[serde(flatten)]
    pub origin: Arc<Origin>,
    /// Physical line in the source (header = line 1; SQL: row number).
    pub line: u32,
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

impl EntryDetails {
    /// None when every field is empty, so that most rows carry nothing.
    pub fn boxed(self) -> Option<Box<EntryDetails>> {
        (self != EntryDetails::default()).then(|| Box::new(self))
    }
}

macro_rules! detail_getters {
    ($($f:ident),*) => {
        impl LedgerEntry {
            $(pub fn $f(&self) -> Option<&str> {
                self.details.as_ref().and_then(|d| d.$f.as_deref())
            })*
        }
    };
}
impl LedgerEntry {
    /// The vendor key, lower-cased.
    pub fn vendor(&self) -> &str {
        &self.origin.vendor
    }

    /// The file name (or `sql`) the row was read from.
    pub fn source(&self) -> &str {
        &self.origin.source
    }

    /// The row's currency code, upper-cased; CNY when the ledger left it blank.
    pub fn currency(&self) -> &str {
        self.details
            .as_ref()
            .and_then(|d| d.currency.as_deref())
            .unwrap_or("CNY")
    }

    /// Sets line_no (blank is no value).
    pub fn set_line_no(&mut self, line_no: Option<&str>) {
        let mut d = self.details.take().map(|b| *b).unwrap_or_default();
        d.line_no = line_no.filter(|l| !l.trim().is_empty()).map(str::to_string);
        self.details = d.boxed();
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

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Ledger {
    pub entries: Vec<LedgerEntry>,
    pub errors: Vec<InputError>,
}

#[cfg(test)]
mod tests {
    /// A large month's ledger holds ten million rows at once.
    #[test]
    fn a_ledger_entry_stays_small() {
        assert!(std::mem::size_of::<super::LedgerEntry>() <= 120);
    }
}
