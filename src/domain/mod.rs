//! Vendor-neutral business types: money, normalized documents, ledger entries,
//! discrepancies. No I/O and no polars/sqlx/reqwest here.

pub mod dates;
pub mod discrepancy;
pub mod documents;
pub mod ledger;
pub mod money;

pub use discrepancy::{Code, Discrepancy, MatchedLine, Severity, Status};
pub use documents::*;
pub use ledger::{
    EntryDetails, EntryFields, EntryKind, EntryMeta, InputError, Ledger, LedgerEntry, Origin,
    Statements, Text,
};
pub use money::{
    fen_to_yuan, format_yuan, parse_yuan, round_fen, yuan_to_fen, MoneyError, PackedDecimal,
    SmallDecimal,
};

/// `str::trim`, with a shortcut for the usual text that starts and ends with a
/// visible ASCII character (the unicode-aware trim is a measurable part of
/// reading millions of cells and amounts).
pub fn trim(t: &str) -> &str {
    let visible = |b: Option<&u8>| b.is_some_and(|b| b.is_ascii_graphic());
    if visible(t.as_bytes().first()) && visible(t.as_bytes().last()) {
        return t;
    }
    t.trim()
}
