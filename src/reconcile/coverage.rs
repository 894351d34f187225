//! Whether a run fetched the data an earlier discrepancy is about: only then
//! may its absence mean "resolved" (SPEC §5 `status`).

use super::VendorInput;
use crate::domain::{Code, Discrepancy, HuadianData, VendorDocs, ZcyData};
use std::collections::BTreeSet;

pub fn covered(inputs: &[VendorInput], d: &Discrepancy) -> bool {
    let Some(input) = inputs.iter().find(|i| i.vendor == d.vendor) else {
        return false;
    };
    if !input.fetched {
        return false;
    }
    match &input.docs {
        VendorDocs::Huadian(h) => huadian(h, d),
        VendorDocs::Zcy(z) => zcy(z, d),
    }
}

fn huadian(h: &HuadianData, d: &Discrepancy) -> bool {
    if d.statement_no.is_empty() {
        // Ledger-only and message-derived rows: the ledger and the stored
        // message feed are always seen whole.
        return true;
    }
    let fetched: BTreeSet<&str> = h
        .statements
        .iter()
        .map(|s| s.statement_no.as_str())
        .chain(h.empty_statements.iter().map(String::as_str))
        .collect();
    match d.code {
        Code::InvoiceMissing => h
            .invoices
            .contains_key(&(d.statement_no.clone(), d.doc_no.clone())),
        Code::InvoiceDeliveryFailed => true,
        Code::UndeliveredBilled => {
            fetched.contains(d.statement_no.as_str())
                && h.packages
                    .as_ref()
                    .is_some_and(|p| p.contains_key(&d.order_no))
        }
        _ => fetched.contains(d.statement_no.as_str()),
    }
}

fn zcy(z: &ZcyData, d: &Discrepancy) -> bool {
    if d.statement_no.is_empty() {
        return true;
    }
    // A statement that left a status query's window is not proof of anything;
    // only a statement answered again is.
    z.statements
        .iter()
        .any(|s| s.statement_no == d.statement_no)
}
