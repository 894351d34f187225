//! The date forms nearly every input uses, read without a format parser: a
//! million ledger rows and statement lines each carry one.

use chrono::{NaiveDate, NaiveDateTime};

/// Digits at `r` of `b` as a number; None if any is not a digit.
fn digits(b: &[u8], r: std::ops::Range<usize>) -> Option<u32> {
    b[r].iter().try_fold(0u32, |acc, &c| {
        c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
    })
}

/// Exactly `yyyy-MM-dd`; None for any other form or an impossible date.
pub fn fixed_date(s: &str) -> Option<NaiveDate> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    NaiveDate::from_ymd_opt(digits(b, 0..4)? as i32, digits(b, 5..7)?, digits(b, 8..10)?)
}

/// Exactly `yyyy-MM-dd HH:mm:ss`; None for any other form or an impossible time.
pub fn fixed_date_time(s: &str) -> Option<NaiveDateTime> {
    let b = s.as_bytes();
    if b.len() != 19 || b[10] != b' ' || b[13] != b':' || b[16] != b':' {
        return None;
    }
    fixed_date(&s[..10])?.and_hms_opt(digits(b, 11..13)?, digits(b, 14..16)?, digits(b, 17..19)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fixed_forms_agree_with_chrono_and_refuse_the_rest() {
        for s in ["2026-01-31", "2024-02-29", "0001-01-01"] {
            assert_eq!(fixed_date(s), NaiveDate::parse_from_str(s, "%Y-%m-%d").ok());
        }
        for s in [
            "2026-02-30",
            "2026-13-01",
            "2026-1-01",
            "2026/01/01",
            "2026-01-0x",
        ] {
            assert_eq!(fixed_date(s), None, "{s}");
        }
        let t = "2026-10-31 23:59:59";
        assert_eq!(
            fixed_date_time(t),
            NaiveDateTime::parse_from_str(t, "%Y-%m-%d %H:%M:%S").ok()
        );
        assert_eq!(fixed_date_time("2026-10-31 24:00:00"), None);
        assert_eq!(fixed_date_time("2026-10-31T23:59:59"), None);
    }
}
