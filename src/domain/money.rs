//! Money is `rust_decimal::Decimal` yuan everywhere; fen (i64) only inside frames.

use rust_decimal::{Decimal, RoundingStrategy};
use std::str::FromStr;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum MoneyError {
    #[error("empty amount")]
    Empty,
    #[error("not an amount: {0:?}")]
    Invalid(String),
    #[error("amount has more than two decimal places where fen are required: {0}")]
    SubFen(Decimal),
    #[error("amount out of range: {0}")]
    Overflow(String),
}

/// Parses a yuan amount as people and ERPs write it: `1234.5`, `1,234.50`,
/// `¥1,234.50`, `￥ 1234`, `-12.30`, `(12.30)` (accounting negative), `1234.50元`.
/// Never goes through a float.
pub fn parse_yuan(text: &str) -> Result<Decimal, MoneyError> {
    let t = text.trim();
    if t.is_empty() {
        return Err(MoneyError::Empty);
    }
    if let Some(d) = plain_decimal(t) {
        return Ok(d);
    }
    let (neg_paren, t) = match t.strip_prefix('(').and_then(|r| r.strip_suffix(')')) {
        Some(inner) => (true, inner.trim()),
        None => (false, t),
    };
    let mut cleaned = String::with_capacity(t.len());
    for c in t.chars() {
        match c {
            '¥' | '￥' | ' ' | '\u{a0}' | ',' | '，' | '元' => {}
            '０'..='９' => cleaned.push(char::from(b'0' + (c as u32 - '０' as u32) as u8)),
            '．' => cleaned.push('.'),
            '－' => cleaned.push('-'),
            _ => cleaned.push(c),
        }
    }
    let cleaned = cleaned.strip_prefix("CNY").unwrap_or(&cleaned).to_string();
    let cleaned = cleaned.strip_prefix("RMB").unwrap_or(&cleaned).to_string();
    let ok = !cleaned.is_empty()
        && cleaned
            .chars()
            .enumerate()
            .all(|(i, c)| c.is_ascii_digit() || c == '.' || (i == 0 && (c == '-' || c == '+')))
        && cleaned.chars().filter(|c| *c == '.').count() <= 1
        && cleaned.chars().any(|c| c.is_ascii_digit());
    if !ok {
        return Err(MoneyError::Invalid(text.to_string()));
    }
    let d = Decimal::from_str(&cleaned).map_err(|_| MoneyError::Overflow(text.to_string()))?;
    Ok(if neg_paren { -d } else { d })
}

/// `-?digits(.digits)?` of at most 18 digits — the way nearly every amount is
/// written — read straight into mantissa and scale; anything else (and a
/// negative zero) is None, for `Decimal::from_str` to read. The same value and
/// scale as `from_str` gives (a property test holds it): a million-line
/// statement set has four million amounts.
pub fn plain_decimal(t: &str) -> Option<Decimal> {
    let b = t.as_bytes();
    let (neg, digits) = match b.first()? {
        b'-' => (true, &b[1..]),
        _ => (false, b),
    };
    let (mut m, mut n, mut scale) = (0i64, 0u32, None);
    for (i, &c) in digits.iter().enumerate() {
        match c {
            b'0'..=b'9' => {
                n += 1;
                if n > 18 {
                    return None;
                }
                m = m * 10 + i64::from(c - b'0');
            }
            b'.' if scale.is_none() && i > 0 && i + 1 < digits.len() => {
                scale = Some((digits.len() - i - 1) as u32)
            }
            _ => return None,
        }
    }
    if n == 0 || (neg && m == 0) {
        return None;
    }
    Some(Decimal::new(if neg { -m } else { m }, scale.unwrap_or(0)))
}

/// Rounds half away from zero (四舍五入) to fen.
pub fn round_fen(d: Decimal) -> Decimal {
    d.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

/// Exact yuan → fen; an amount with a part below one fen is an error, not rounded.
/// Works on the mantissa and scale, integers only: every amount of a statement
/// line passes through here, some twice.
pub fn yuan_to_fen(d: Decimal) -> Result<i64, MoneyError> {
    let (m, scale) = (d.mantissa(), d.scale());
    // |mantissa| < 2⁹⁶ and scale ≤ 28, so neither step leaves i128.
    let fen = if scale <= 2 {
        m * 10i128.pow(2 - scale)
    } else {
        let unit = 10i128.pow(scale - 2);
        if m % unit != 0 {
            return Err(MoneyError::SubFen(d));
        }
        m / unit
    };
    i64::try_from(fen).map_err(|_| MoneyError::Overflow(d.to_string()))
}

/// Exact fen → yuan with two decimal places.
pub fn fen_to_yuan(fen: i64) -> Decimal {
    Decimal::new(fen, 2)
}

/// Formats yuan with exactly two decimal places (the report form).
pub fn format_yuan(d: Decimal) -> String {
    let mut r = round_fen(d);
    r.rescale(2);
    r.to_string()
}

/// A `Decimal` packed into one integer: its mantissa × 2⁵ + its scale, for the
/// mantissas that fit. Value, scale and sign come back exactly; what does not fit
/// (and a negative zero) is not packed, and its holder keeps the `Decimal`
/// elsewhere. Held by each of millions of ledger rows and statement lines.
///
/// Stored with its top bit flipped, which no packed value has set after the
/// flip: never zero, so the `Option` of it is no larger.
macro_rules! packed_decimal {
    ($(#[$doc:meta])* $name:ident, $nonzero:ty, $int:ty, $bits:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub struct $name($nonzero);

        impl $name {
            /// Mantissas below 2 to this power pack.
            pub const MANTISSA_BITS: u32 = $bits;

            pub fn pack(d: Decimal) -> Option<Self> {
                let m = d.mantissa();
                if m.unsigned_abs() >= 1 << $bits || (m == 0 && d.is_sign_negative()) {
                    return None;
                }
                let packed = ((m as $int) << 5) | d.scale() as $int;
                <$nonzero>::new(packed ^ <$int>::MIN).map(Self)
            }

            pub fn get(self) -> Decimal {
                let packed = self.0.get() ^ <$int>::MIN;
                Decimal::new(i64::from(packed >> 5), (packed & 31) as u32)
            }
        }
    };
}

packed_decimal!(
    /// 8 bytes instead of 16: every amount of up to 17 significant digits, at
    /// any scale (mantissas below 2⁵⁸).
    PackedDecimal,
    std::num::NonZeroI64,
    i64,
    58
);

packed_decimal!(
    /// 4 bytes: mantissas below 2²⁶ (amounts up to 671,088.63 at two places),
    /// for a pair of amounts where most values are small (a line's orderAmount
    /// and returnAmount).
    SmallDecimal,
    std::num::NonZeroI32,
    i32,
    26
);

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rust_decimal::prelude::ToPrimitive;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn accepts_the_forms_accountants_write() {
        assert_eq!(parse_yuan("1234.5").unwrap(), d("1234.5"));
        assert_eq!(parse_yuan("1,234.50").unwrap(), d("1234.50"));
        assert_eq!(parse_yuan("¥1,234.50").unwrap(), d("1234.50"));
        assert_eq!(parse_yuan("￥ 1,234.50 ").unwrap(), d("1234.50"));
        assert_eq!(parse_yuan("-12.3").unwrap(), d("-12.3"));
        assert_eq!(parse_yuan("(12.30)").unwrap(), d("-12.30"));
        assert_eq!(parse_yuan("3").unwrap(), parse_yuan("3.00").unwrap());
    }

    #[test]
    fn rejects_what_is_not_an_amount() {
        assert_eq!(parse_yuan(""), Err(MoneyError::Empty));
        assert!(parse_yuan("abc").is_err());
        assert!(parse_yuan("1.2.3").is_err());
        assert!(parse_yuan("12-3").is_err());
        assert!(parse_yuan("1e5").is_err());
    }

    #[test]
    fn plain_amounts_take_the_short_way_others_the_long_one() {
        for (t, v) in [
            ("12.30", "12.30"),
            ("-0.01", "-0.01"),
            ("007", "007"),
            ("0.00", "0.00"),
        ] {
            let fast = plain_decimal(t).unwrap();
            assert_eq!((fast, fast.scale()), (d(v), d(v).scale()), "{t}");
        }
        for t in [
            "",
            "-",
            ".5",
            "5.",
            "1.2.3",
            "+1",
            "-0",
            "-0.00",
            "1e5",
            "1234567890123456789",
        ] {
            assert_eq!(plain_decimal(t), None, "{t}");
        }
        assert_eq!(
            parse_yuan("1234567890123456789.5").unwrap(),
            d("1234567890123456789.5")
        );
    }

    #[test]
    fn tenth_plus_fifth_is_exactly_three_tenths() {
        assert_eq!(
            parse_yuan("0.1").unwrap() + parse_yuan("0.2").unwrap(),
            d("0.3")
        );
    }

    #[test]
    fn rounding_is_half_up_away_from_zero() {
        assert_eq!(round_fen(d("1.005")), d("1.01"));
        assert_eq!(round_fen(d("1.004")), d("1.00"));
        assert_eq!(round_fen(d("-1.005")), d("-1.01"));
        assert_eq!(format_yuan(d("3")), "3.00");
    }

    #[test]
    fn fen_conversion_refuses_sub_fen() {
        assert_eq!(yuan_to_fen(d("12.34")).unwrap(), 1234);
        assert!(yuan_to_fen(d("12.345")).is_err());
    }

    proptest! {
        #[test]
        fn a_packed_decimal_is_the_decimal_exactly(m in any::<i64>(), scale in 0u32..=28, neg in any::<bool>(), small in any::<bool>()) {
            // Small mantissas half the time, to reach what the 4-byte form packs.
            let m = if small { m % (1 << 27) } else { m };
            let mut d = Decimal::new(m, scale);
            if neg {
                d.set_sign_negative(true);
            }
            prop_assert_eq!(std::mem::size_of::<Option<PackedDecimal>>(), 8);
            prop_assert_eq!(std::mem::size_of::<Option<SmallDecimal>>(), 4);
            let wide = PackedDecimal::pack(d).map(PackedDecimal::get);
            let narrow = SmallDecimal::pack(d).map(SmallDecimal::get);
            for (back, bits) in [(wide, PackedDecimal::MANTISSA_BITS), (narrow, SmallDecimal::MANTISSA_BITS)] {
                match back {
                    Some(back) => {
                        prop_assert_eq!(back, d);
                        prop_assert_eq!(back.scale(), d.scale());
                        prop_assert_eq!(back.to_string(), d.to_string());
                    }
                    None => prop_assert!(m.unsigned_abs() >= 1 << bits || d.is_zero()),
                }
            }
        }
    }

    proptest! {
        #[test]
        fn fen_roundtrip_is_exact(fen in -10_000_000_000_000i64..10_000_000_000_000i64) {
            let y = fen_to_yuan(fen);
            prop_assert_eq!(yuan_to_fen(y).unwrap(), fen);
            prop_assert_eq!(parse_yuan(&format_yuan(y)).unwrap(), y);
        }

        #[test]
        fn grouped_and_plain_forms_agree(units in 0u64..1_000_000_000u64, cents in 0u32..100) {
            let plain = format!("{units}.{cents:02}");
            let mut grouped = String::new();
            let s = units.to_string();
            for (i, c) in s.chars().enumerate() {
                if i > 0 && (s.len() - i) % 3 == 0 { grouped.push(','); }
                grouped.push(c);
            }
            let grouped = format!("¥{grouped}.{cents:02}");
            prop_assert_eq!(parse_yuan(&plain).unwrap(), parse_yuan(&grouped).unwrap());
        }

        #[test]
        fn fen_conversion_agrees_with_decimal_arithmetic(m in any::<i64>(), scale in 0u32..12) {
            let y = Decimal::new(m, scale);
            let f = y * Decimal::ONE_HUNDRED;
            let by_arithmetic = (f.fract() == Decimal::ZERO).then(|| f.to_i64()).flatten();
            prop_assert_eq!(yuan_to_fen(y).ok(), by_arithmetic);
        }

        #[test]
        fn plain_decimals_read_as_from_str_reads_them(
            t in "-?[0-9]{0,20}(\\.[0-9]{0,20})?|[-+ .,0-9e]{0,12}"
        ) {
            if let Some(fast) = plain_decimal(&t) {
                let slow = Decimal::from_str(&t).unwrap();
                prop_assert_eq!(fast, slow);
                prop_assert_eq!(fast.scale(), slow.scale());
                prop_assert_eq!(fast.to_string(), slow.to_string());
            }
        }

        #[test]
        fn rounding_moves_less_than_half_a_fen(mills in -1_000_000_000i64..1_000_000_000i64) {
            let x = Decimal::new(mills, 3);
            let r = round_fen(x);
            prop_assert!((r - x).abs() <= d("0.005"));
            prop_assert_eq!(r.scale() <= 2, true);
        }
    }
}
