//! zcy bodies → normalized statements: fen become yuan exactly, ids stay text.

use super::wire::*;
use crate::domain::{
    MatchedTransfer, PayRecord, ZcyInvoice, ZcyInvoiceItem, ZcyStatement, ZcyStatus,
};
use crate::vendors::json::parse_local_time;
use chrono_tz::Tz;
use rust_decimal::Decimal;

pub use crate::vendors::body::{bad, BodyError as ParseError};

/// Integer fen (`540000`, `"540000"`, `540000.00`) → yuan, exactly.
pub fn fen(f: &Flex, field: &str) -> Result<Decimal, ParseError> {
    let t = f.text();
    let d = crate::vendors::json::decimal_from_text(&t)
        .ok_or_else(|| bad(field, &t, "not an amount in fen"))?;
    if d.fract() != Decimal::ZERO {
        return Err(bad(field, &t, "fen must be a whole number"));
    }
    let mut y = d / Decimal::ONE_HUNDRED;
    y.rescale(2);
    Ok(y)
}

/// Ids are text: a JSON number's digits are kept as written.
fn id(f: &Flex, field: &str) -> Result<String, ParseError> {
    f.opt().ok_or_else(|| bad(field, "", "missing"))
}

/// One page of QuerySupplierStatements: (total over all pages, statements).
pub fn page(body: &[u8], tz: Tz, source: &str) -> Result<(u64, Vec<ZcyStatement>), ParseError> {
    let a: Answer = serde_json::from_slice(body).map_err(|e| ParseError::Body {
        vendor: super::KEY,
        error: e.to_string(),
    })?;
    if let Some(e) = a.error_response {
        return Err(ParseError::Vendor {
            vendor: super::KEY,
            code: e.result_code.text(),
            msg: e.result_msg.text(),
        });
    }
    let raw = a.data_response.ok_or_else(|| ParseError::Body {
        vendor: super::KEY,
        error: "no data_response".into(),
    })?;
    let de = &mut serde_json::Deserializer::from_str(raw.get());
    let p: Page = serde_path_to_error::deserialize(de).map_err(|e| ParseError::Field {
        field: format!("data_response.{}", e.path()),
        value: String::new(),
        error: e.into_inner().to_string(),
    })?;
    let total = p.total.text().trim().parse::<u64>().unwrap_or(0);
    let list = p
        .data
        .unwrap_or_default()
        .into_iter()
        .enumerate()
        .map(|(i, w)| statement(w, tz, source, &format!("data_response.data[{i}]")))
        .collect::<Result<Vec<_>, _>>()?;
    Ok((total, list))
}

fn statement(w: WStatement, tz: Tz, source: &str, at: &str) -> Result<ZcyStatement, ParseError> {
    let created_at = match w.create_at.0.as_deref() {
        None => None,
        Some(t) if t.trim().is_empty() => None,
        Some(t) => Some(
            parse_local_time(t, tz)
                .ok_or_else(|| bad(&format!("{at}.createAt"), t, "not a time"))?,
        ),
    };
    let mut orders = Vec::new();
    for (i, o) in w.orders.unwrap_or_default().iter().enumerate() {
        orders.push(id(&o.order_id, &format!("{at}.orders[{i}].orderId"))?);
    }
    let mut invoices = Vec::new();
    for (i, inv) in w.invoices.unwrap_or_default().into_iter().enumerate() {
        let iat = format!("{at}.invoices[{i}]");
        let mut items = Vec::new();
        for (j, it) in inv.items.unwrap_or_default().iter().enumerate() {
            items.push(ZcyInvoiceItem {
                category: it.category.text(),
                amount: fen(&it.amount, &format!("{iat}.items[{j}].amount"))?,
            });
        }
        let mut iorders = Vec::new();
        for (j, o) in inv.orders.unwrap_or_default().iter().enumerate() {
            iorders.push(id(&o.order_id, &format!("{iat}.orders[{j}].orderId"))?);
        }
        invoices.push(ZcyInvoice {
            serial_no: id(&inv.serial_no, &format!("{iat}.serialNo"))?,
            invoice_type: inv.invoice_type.text(),
            title: inv.invoice_title.text(),
            amount: fen(&inv.invoice_amount, &format!("{iat}.invoiceAmount"))?,
            orders: iorders,
            items,
        });
    }
    let mut pay_records = Vec::new();
    for (i, p) in w.pay_records.unwrap_or_default().into_iter().enumerate() {
        let pat = format!("{at}.payRecords[{i}]");
        let mut transfers = Vec::new();
        for (j, v) in p.match_vostro.unwrap_or_default().iter().enumerate() {
            let vat = format!("{pat}.matchVostro[{j}]");
            let transfer_time = match v.transfer_time.0.as_deref() {
                Some(t) if !t.trim().is_empty() => Some(
                    parse_local_time(t, tz)
                        .ok_or_else(|| bad(&format!("{vat}.transferTime"), t, "not a time"))?,
                ),
                _ => None,
            };
            transfers.push(MatchedTransfer {
                vostro_no: v.vostro_no.text(),
                total_amount: fen(&v.total_amount, &format!("{vat}.totalAmount"))?,
                match_amount: fen(&v.match_amount, &format!("{vat}.matchAmount"))?,
                currency: v.currency.opt().unwrap_or_else(|| "CNY".into()),
                transfer_time,
            });
        }
        pay_records.push(PayRecord {
            pay_id: id(&p.pay_id, &format!("{pat}.payId"))?,
            payer: p.payer.text(),
            pay_amount: fen(&p.pay_amount, &format!("{pat}.payAmount"))?,
            transfers,
        });
    }
    Ok(ZcyStatement {
        statement_id: w.statement_id.text(),
        statement_no: id(&w.statement_no, &format!("{at}.statementNo"))?,
        name: w.statement_name.text(),
        status: ZcyStatus::parse(&w.status.text()),
        total_amount: fen(&w.total_amount, &format!("{at}.totalAmount"))?,
        match_amount: match w.match_amount.opt() {
            Some(_) => Some(fen(&w.match_amount, &format!("{at}.matchAmount"))?),
            None => None,
        },
        created_at,
        purchaser: w.purchaser_org_name.text(),
        district: w.district_name.text(),
        orders,
        invoices,
        pay_records,
        source: source.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    const TZ: Tz = chrono_tz::Asia::Shanghai;

    /// The seed's own example answer.
    const SEED: &str = r#"{ "data_response": { "total": 1, "data": [ { "statementId": 1004032000000010000, "statementNo": "1004032000000010000", "statementName": "天猫第一笔结算单", "totalAmount": 540000, "matchAmount": 1000000, "status": "未支付", "createAt": "2016-01-09 11:12:23", "purchaserOrgName": "杭州市第二中学", "districtName": "杭州市", "orders": [ { "orderId": 22 }, { "orderId": 21 } ], "invoices": [ { "serialNo": "4004032000000010000", "invoiceType": "增值税普通发票", "invoiceTitle": "杭州市第二中学", "invoiceAmount": 180000, "postAddr": "东信大道72-4", "postContact": "买买提", "postContactPhone": "15623312563", "orders": [ { "orderId": 22 } ], "items": [ { "category": "生活电器", "amount": 180000 } ] }, { "serialNo": "F011601020100000018", "invoiceType": "增值税普通发票", "invoiceTitle": "杭州市第二中学", "invoiceAmount": 360000, "postAddr": "东信大道72-76号 ", "postContact": "张三", "postContactPhone": "15626547892", "orders": [ { "orderId": 21 } ], "items": [ { "category": "生活电器", "amount": 360000 } ] } ], "payRecords": [ { "payId": 3029327340242, "payer": "岳云", "payBankName": "工商银行", "payBankCardNo": "12739337348323", "payAmount": 1000000, "payRemark": "付款备注", "matchVostro": [ { "vostroNo": "1234556", "payerBankName": "工商银行", "payerBankCardNo": "12739337348323", "payerCardOwnerName": "张伟", "payeeBankCardNo": "83279374293445", "payeeCardOwnerName": "王兴", "totalAmount": 1000000, "matchAmount": 1000000, "matchRemark": "匹配说明", "currency": "CNY", "transferTime": "2016-03-16 14:20:22", "transferRemark": "转账备注" } ] } ] } ] } }"#;

    #[test]
    fn the_seed_example_normalizes_with_exact_ids_and_yuan() {
        let (total, s) = page(SEED.as_bytes(), TZ, "x").unwrap();
        assert_eq!(total, 1);
        let st = &s[0];
        // 1004032000000010000 > 2^53: a double would have changed it.
        assert_eq!(st.statement_id, "1004032000000010000");
        assert_eq!(st.total_amount, Decimal::from_str("5400.00").unwrap());
        assert_eq!(
            st.match_amount,
            Some(Decimal::from_str("10000.00").unwrap())
        );
        assert_eq!(st.orders, vec!["22", "21"]);
        assert_eq!(st.invoices[1].amount.to_string(), "3600.00");
        assert_eq!(st.pay_records[0].pay_id, "3029327340242");
        assert_eq!(st.pay_records[0].transfers[0].currency, "CNY");
        assert_eq!(st.status, ZcyStatus::Unpaid);
    }

    #[test]
    fn nineteen_digit_ids_survive_as_numbers_and_strings() {
        let body = SEED.replace(
            "{ \"orderId\": 22 }",
            "{ \"orderId\": 9223372036854775807 }",
        );
        let (_, s) = page(body.as_bytes(), TZ, "x").unwrap();
        assert_eq!(s[0].orders[0], "9223372036854775807");
    }

    #[test]
    fn fractional_fen_are_refused() {
        let body = SEED.replace("\"totalAmount\": 540000,", "\"totalAmount\": 540000.5,");
        let e = page(body.as_bytes(), TZ, "x").unwrap_err();
        assert!(e.field().contains("totalAmount"), "{e:?}");
    }

    #[test]
    fn an_error_response_is_a_vendor_error() {
        let b = r#"{ "error_response": { "resultCode": -1, "resultMsg": "入参非法" } }"#.as_bytes();
        assert!(matches!(page(b, TZ, "x"), Err(ParseError::Vendor { .. })));
    }
}
