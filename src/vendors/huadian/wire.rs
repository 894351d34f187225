//! Huadian wire types: every form the seed shows (amounts as JSON numbers or
//! strings, `invoiceType` an int though typed string, `reason: null`, ids as
//! strings or numbers). Amounts are read from their JSON text, never via f64.
//! These types never leave this folder.

pub use crate::vendors::json::{decimal_from_text, Amount, Flex, FlexId, Lenient, ListOrOne, Time};
use serde::Deserialize;
use serde_json::value::RawValue;

/// The envelope `{success, requestId, result, errorcode, errormsg}`.
#[derive(Debug, Deserialize)]
pub struct Envelope<'a> {
    #[serde(default)]
    pub success: Option<bool>,
    #[serde(default, rename = "requestId")]
    pub request_id: Flex,
    /// Borrowed from the body: located, not copied, until the code is known.
    #[serde(default, borrow)]
    pub result: Option<&'a RawValue>,
    #[serde(default)]
    pub errorcode: Flex,
    #[serde(default)]
    pub errormsg: Flex,
}

impl Envelope<'_> {
    /// `errorcode "0"` is success; a missing code with `success: true` too.
    pub fn code(&self) -> &str {
        code_of(&self.errorcode, self.success)
    }
}

fn code_of(errorcode: &Flex, success: Option<bool>) -> &str {
    match (&errorcode.0, success) {
        (Some(c), _) if !c.is_empty() => c,
        (_, Some(false)) => "5000",
        _ => "0",
    }
}

/// The envelope with `result` typed, read in one pass: the fast way through a
/// successful answer. Anything it cannot read goes through `Envelope` instead,
/// which names the vendor's code or the field at fault.
#[derive(Debug, Deserialize)]
pub struct TypedEnvelope<T> {
    #[serde(default)]
    pub success: Option<bool>,
    #[serde(default)]
    pub result: Option<T>,
    #[serde(default)]
    pub errorcode: Flex,
}

impl<T> TypedEnvelope<T> {
    pub fn code(&self) -> &str {
        code_of(&self.errorcode, self.success)
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WStatement {
    pub statement_no: Flex,
    pub total_amount: Amount,
    #[serde(default)]
    pub taxpayer_no: Flex,
    #[serde(default)]
    pub invoice_title: Flex,
    #[serde(default)]
    pub invoice_type: Flex,
    #[serde(default)]
    pub invoice_phone: Flex,
    #[serde(default)]
    pub invoice_address: Flex,
    #[serde(default)]
    pub bank: Flex,
    #[serde(default)]
    pub bank_account: Flex,
    #[serde(default)]
    pub company_name: Flex,
    #[serde(default)]
    pub receiver_address: Flex,
    #[serde(default)]
    pub receiver_phone: Flex,
    #[serde(default)]
    pub receiver_name: Flex,
    #[serde(default)]
    pub reason: Flex,
    #[serde(default)]
    pub statement_details: Option<Vec<WLine>>,
    #[serde(default)]
    pub statement_extends: Option<Vec<WExtend>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WLine {
    pub order_code: FlexId,
    pub order_amount: Amount,
    #[serde(default)]
    pub return_amount: Amount,
    #[serde(default)]
    pub order_end_time: Time,
    /// Typed `string` in the document, an array in its example: both accepted.
    #[serde(default)]
    pub statement_order_items: Lenient<Vec<WItem>>,
}

/// skuName and returnNum are not read: no check uses them, and the archive keeps
/// them byte for byte.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WItem {
    #[serde(default)]
    pub sku: FlexId,
    #[serde(default)]
    pub sku_name: SkuName,
    pub price: Amount,
    pub num: Amount,
    pub total_price: Amount,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WExtend {
    #[serde(default)]
    pub column_name: Flex,
    #[serde(default)]
    pub column_key: Flex,
    #[serde(default)]
    pub column_value: Flex,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WPackage {
    #[serde(default)]
    pub order_id: Flex,
    pub package_no: Flex,
    pub state: Flex,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WInvoiceResult {
    #[serde(default)]
    pub invoice_contents: Option<Vec<WInvoice>>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WInvoice {
    #[serde(default)]
    pub invoice_no: Flex,
    #[serde(default)]
    pub invoice_code: Flex,
    #[serde(default)]
    pub invoice_link: Flex,
}

#[derive(Debug, Deserialize)]
pub struct WMessage {
    pub id: Flex,
    #[serde(rename = "type")]
    pub kind: Flex,
    #[serde(default)]
    pub time: Time,
    #[serde(default)]
    pub result: Option<Box<RawValue>>,
}

#[derive(Debug, Deserialize)]
#[allow(non_snake_case)]
pub struct WReturnStatus {
    #[serde(default)]
    pub POCode: Flex,
    #[serde(default)]
    pub ApplyCode: Flex,
    #[serde(default)]
    pub ProcessStatus: Flex,
    #[serde(default)]
    pub ApplyStatus: Flex,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WInvoiceLogistics {
    #[serde(default)]
    pub bill_no: Flex,
    #[serde(default)]
    pub bill_row_no: Flex,
    #[serde(default)]
    pub invoice_no: Flex,
    #[serde(default)]
    pub invoice_code: Flex,
    #[serde(default)]
    pub status: Flex,
}

#[derive(Debug, Deserialize)]
pub struct WToken {
    pub access_token: Flex,
    #[serde(default)]
    pub expires_at: Flex,
    #[serde(default)]
    pub refresh_token: Flex,
    #[serde(default)]
    pub refresh_expires_at: Flex,
}

/// skuName as read. Bodies hold millions of them and a check reports a few
/// (the items whose arithmetic is off), so the scanner only notes where each
/// lies in the body (a string it reads has no escape: its bytes are its text)
/// and the text is made for a reported item only (`text`); serde, reading the
/// rare body the scanner leaves to it, holds the text.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub enum SkuName {
    #[default]
    None,
    /// Byte range of the text in the body.
    At(u32, u32),
    Text(String),
}

impl SkuName {
    /// `raw` (the scalar's JSON text, a slice of `body`) as the scanner reads it.
    pub fn at(raw: &str, body: &str) -> Result<Self, String> {
        Ok(match super::super::json::scalar_text(raw)? {
            None => Self::None,
            // `t` lies inside `raw`, which lies inside `body`.
            Some(std::borrow::Cow::Borrowed(t)) => Self::from_plain(t, body),
            Some(t) => Self::Text(t.into_owned()),
        })
    }

    /// A text lying inside `body` (a string's content without escapes, or a
    /// number's text), by its place there.
    pub fn from_plain(content: &str, body: &str) -> Self {
        let from = content.as_ptr() as usize - body.as_ptr() as usize;
        debug_assert!(from + content.len() <= body.len());
        match (u32::try_from(from), u32::try_from(from + content.len())) {
            (Ok(from), Ok(to)) => Self::At(from, to),
            _ => Self::Text(content.to_string()),
        }
    }

    /// The text; `body` is the one it was read from.
    pub fn text<'a>(&'a self, body: &'a str) -> Option<&'a str> {
        match self {
            Self::None => None,
            Self::At(from, to) => body.get(*from as usize..*to as usize),
            Self::Text(t) => Some(t.as_str()),
        }
        .filter(|t| !t.trim().is_empty())
    }
}

impl<'de> Deserialize<'de> for SkuName {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(match Flex::deserialize(d)?.0 {
            Some(t) => Self::Text(t),
            None => Self::None,
        })
    }
}
