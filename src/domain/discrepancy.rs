//! Discrepancies (SPEC §6) and matched lines, as reconcile finds them and the
//! report writes them.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

macro_rules! codes {
    ($( $v:ident => $s:literal, $zh:literal; )*) => {
        /// Stable discrepancy codes; users' scripts match on `as_str()`.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "SCREAMING_SNAKE_CASE")]
        pub enum Code { $($v),* }

        impl Code {
            pub const ALL: &'static [Code] = &[$(Code::$v),*];
            pub fn as_str(self) -> &'static str { match self { $(Code::$v => $s),* } }
            /// The Chinese label the Summary sheet shows.
            pub fn label_zh(self) -> &'static str { match self { $(Code::$v => $zh),* } }
            pub fn parse(s: &str) -> Option<Code> { match s { $($s => Some(Code::$v),)* _ => None } }
        }
    };
}

codes! {
    MissingInLedger => "MISSING_IN_LEDGER", "单边账（对方有我方无）";
    MissingInVendor => "MISSING_IN_VENDOR", "单边账（我方有对方无）";
    AmountMismatch => "AMOUNT_MISMATCH", "金额不符";
    RefundMismatch => "REFUND_MISMATCH", "退货金额不符";
    DuplicateBilling => "DUPLICATE_BILLING", "重复计费";
    DuplicateInLedger => "DUPLICATE_IN_LEDGER", "重复入账";
    StatementTotalMismatch => "STATEMENT_TOTAL_MISMATCH", "对账单合计不符";
    LineTotalMismatch => "LINE_TOTAL_MISMATCH", "明细金额不符";
    OutOfPeriod => "OUT_OF_PERIOD", "跨期";
    UndeliveredBilled => "UNDELIVERED_BILLED", "未签收已计费";
    InvoiceMissing => "INVOICE_MISSING", "发票缺失";
    InvoiceAmountMismatch => "INVOICE_AMOUNT_MISMATCH", "发票金额不符";
    InvoiceDeliveryFailed => "INVOICE_DELIVERY_FAILED", "发票拒收";
    PaymentShort => "PAYMENT_SHORT", "短款";
    PaymentOver => "PAYMENT_OVER", "长款";
    PaymentMatchInconsistent => "PAYMENT_MATCH_INCONSISTENT", "匹配不一致";
    UnpaidOverdue => "UNPAID_OVERDUE", "逾期未付";
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    Info,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Error => "error",
            Self::Warning => "warning",
            Self::Info => "info",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    New,
    Recurring,
    Pending,
    Resolved,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::New => "new",
            Self::Recurring => "recurring",
            Self::Pending => "pending",
            Self::Resolved => "resolved",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "new" => Some(Self::New),
            "recurring" => Some(Self::Recurring),
            "pending" => Some(Self::Pending),
            "resolved" => Some(Self::Resolved),
            _ => None,
        }
    }
}

/// One report row. Identity: (vendor, code, statement_no, order_no, doc_no);
/// blank keys are empty strings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Discrepancy {
    pub code: Code,
    pub severity: Severity,
    pub vendor: String,
    pub statement_no: String,
    pub order_no: String,
    pub doc_no: String,
    /// Our side, or the expected amount for checks inside the vendor's data.
    pub ledger_amount: Option<Decimal>,
    /// The vendor's stated amount.
    pub vendor_amount: Option<Decimal>,
    pub currency: String,
    pub ledger_date: Option<NaiveDate>,
    pub vendor_date: Option<NaiveDate>,
    /// Set by reconcile to `New` or `Pending`; history turns `New` into `Recurring`.
    pub status: Status,
    pub first_seen_run: Option<String>,
    pub detail: String,
}

pub type Identity = (String, Code, String, String, String);

impl Discrepancy {
    pub fn identity(&self) -> Identity {
        (
            self.vendor.clone(),
            self.code,
            self.statement_no.clone(),
            self.order_no.clone(),
            self.doc_no.clone(),
        )
    }

    /// `vendor_amount − ledger_amount`, a missing side counting as zero;
    /// `None` when neither side has an amount.
    pub fn difference(&self) -> Option<Decimal> {
        match (self.vendor_amount, self.ledger_amount) {
            (None, None) => None,
            (v, l) => Some(v.unwrap_or_default() - l.unwrap_or_default()),
        }
    }

    /// Absolute amount at stake, for the Summary sheet.
    pub fn amount_at_stake(&self) -> Decimal {
        self.difference().unwrap_or_default().abs()
    }
}

/// A document found on both sides and agreeing (the matched-lines sheet).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MatchedLine {
    pub vendor: String,
    pub statement_no: String,
    pub order_no: String,
    pub doc_no: String,
    pub entry_id: String,
    pub ledger_amount: Decimal,
    pub vendor_amount: Decimal,
    pub ledger_date: Option<NaiveDate>,
    pub vendor_date: Option<NaiveDate>,
}
