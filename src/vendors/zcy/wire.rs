//! zcy wire types (seed 003): amounts in integer fen, 19-digit ids as JSON
//! numbers (read from their text, never through a double), the write-back
//! answers' `" code"` / `" message"` keys with a leading space.

pub use crate::vendors::json::{Flex, Time};
use serde::Deserialize;
use serde_json::value::RawValue;

/// `{"data_response": {...}}` (HTTP 200) or `{"error_response": {...}}` (HTTP 500).
#[derive(Debug, Deserialize)]
pub struct Answer {
    #[serde(default)]
    pub data_response: Option<Box<RawValue>>,
    #[serde(default)]
    pub error_response: Option<ErrorResponse>,
    /// HTTP 400/429 gateway errors.
    #[serde(default, rename = "errorMessage")]
    pub error_message: Flex,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorResponse {
    #[serde(default)]
    pub result_code: Flex,
    #[serde(default)]
    pub result_msg: Flex,
}

#[derive(Debug, Deserialize)]
pub struct Page {
    #[serde(default)]
    pub total: Flex,
    #[serde(default)]
    pub data: Option<Vec<WStatement>>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WStatement {
    #[serde(default)]
    pub statement_id: Flex,
    pub statement_no: Flex,
    #[serde(default)]
    pub statement_name: Flex,
    #[serde(default)]
    pub status: Flex,
    pub total_amount: Flex,
    #[serde(default)]
    pub match_amount: Flex,
    #[serde(default)]
    pub create_at: Time,
    #[serde(default)]
    pub purchaser_org_name: Flex,
    #[serde(default)]
    pub district_name: Flex,
    #[serde(default)]
    pub orders: Option<Vec<WOrder>>,
    #[serde(default)]
    pub invoices: Option<Vec<WInvoice>>,
    #[serde(default)]
    pub pay_records: Option<Vec<WPayRecord>>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WOrder {
    pub order_id: Flex,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WInvoice {
    pub serial_no: Flex,
    #[serde(default)]
    pub invoice_type: Flex,
    #[serde(default)]
    pub invoice_title: Flex,
    pub invoice_amount: Flex,
    #[serde(default)]
    pub orders: Option<Vec<WOrder>>,
    #[serde(default)]
    pub items: Option<Vec<WInvoiceItem>>,
}

#[derive(Debug, Deserialize)]
pub struct WInvoiceItem {
    /// The field table spells it `catagory`, the example `category`.
    #[serde(default, alias = "catagory")]
    pub category: Flex,
    pub amount: Flex,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WPayRecord {
    pub pay_id: Flex,
    #[serde(default)]
    pub payer: Flex,
    pub pay_amount: Flex,
    #[serde(default)]
    pub match_vostro: Option<Vec<WVostro>>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WVostro {
    #[serde(default)]
    pub vostro_no: Flex,
    pub total_amount: Flex,
    pub match_amount: Flex,
    #[serde(default)]
    pub currency: Flex,
    #[serde(default)]
    pub transfer_time: Time,
}
