//! Vendor-neutral business types: money, normalized documents, ledger entries,
//! discrepancies. No I/O and no polars/sqlx/reqwest here.

pub mod dates;
pub mod discrepancy;
pub mod documents;
pub mod ledger;
pub mod money;

pub use discrepancy::{Code, Discrepancy, MatchedLine, Severity, Status};
pub use documents::*;
pub use ledger::{EntryDetails, EntryKind, InputError, Ledger, LedgerEntry, Origin, Text};
pub use money::{fen_to_yuan, format_yuan, parse_yuan, round_fen, yuan_to_fen, MoneyError};
