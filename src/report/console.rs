//! The one-screen summary the CLI prints to stderr after a run: plain text,
//! aligned for a fixed-width terminal (CJK counted double), no colour needed.

use super::tally::{one_line, Tally};
use super::{display_width, fmt_date, group_digits, ReportData};
use crate::domain::{format_yuan, Code, FetchState};
use rust_decimal::Decimal;
use std::fmt::Write;

pub fn console_summary(data: &ReportData) -> String {
    let tally = Tally::of(data);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Run {}  {} ~ {}  (started {})",
        data.run_id,
        fmt_date(data.from),
        fmt_date(data.to),
        data.started_at.to_rfc3339()
    );

    out.push_str("\nFetch\n");
    if data.fetch.is_empty() {
        out.push_str("  (no vendor fetched)\n");
    }
    let vendor_w = data
        .fetch
        .iter()
        .map(|f| display_width(&f.vendor))
        .max()
        .unwrap_or(0);
    for f in &data.fetch {
        // Upper case is what stands out when there is no colour.
        let state = match f.state {
            FetchState::Ok => "ok",
            FetchState::Partial => "PARTIAL",
            FetchState::Failed => "FAILED",
        };
        let _ = writeln!(
            out,
            "  {}  {:<7}  {:>5} requests  {:>5} documents  {:>4} failures",
            pad(&f.vendor, vendor_w),
            state,
            f.requests,
            f.documents,
            f.failures
        );
        if let Some(e) = &f.error {
            let _ = writeln!(out, "  {}  error: {}", pad("", vendor_w), one_line(e));
        }
    }

    out.push_str("\nOpen discrepancies by code\n");
    let codes: Vec<Code> = Code::ALL
        .iter()
        .copied()
        .filter(|c| tally.code(*c).count > 0)
        .collect();
    if codes.is_empty() {
        out.push_str("  none\n");
    } else {
        let mut rows: Vec<[String; 4]> = vec![[
            "code".into(),
            "名称".into(),
            "count".into(),
            "amount".into(),
        ]];
        for c in &codes {
            let ca = tally.code(*c);
            rows.push([
                c.as_str().into(),
                c.label_zh().into(),
                ca.count.to_string(),
                money(ca.amount),
            ]);
        }
        rows.push([
            "total".into(),
            String::new(),
            tally.open.count.to_string(),
            money(tally.open.amount),
        ]);
        let w: Vec<usize> = (0..4)
            .map(|i| rows.iter().map(|r| display_width(&r[i])).max().unwrap_or(0))
            .collect();
        for r in &rows {
            let line = format!(
                "  {}  {}  {}  {}",
                pad(&r[0], w[0]),
                pad(&r[1], w[1]),
                pad_left(&r[2], w[2]),
                pad_left(&r[3], w[3])
            );
            out.push_str(line.trim_end());
            out.push('\n');
        }
    }

    let _ = writeln!(
        out,
        "\nStatus        new {}, recurring {}, pending {}, resolved {}",
        tally.new, tally.recurring, tally.pending, tally.resolved
    );
    let n = data.input_errors.len();
    if n == 0 {
        out.push_str("Input errors  0\n");
    } else {
        let _ = writeln!(out, "Input errors  {n} (listed in input_errors.csv)");
    }
    let _ = writeln!(out, "Matched lines {}", data.matched_count);
    out
}

fn pad(s: &str, width: usize) -> String {
    format!("{s}{}", " ".repeat(width.saturating_sub(display_width(s))))
}

fn pad_left(s: &str, width: usize) -> String {
    format!("{}{s}", " ".repeat(width.saturating_sub(display_width(s))))
}

/// `12345.6` → `12,345.60`: easier to read on a screen than the CSV form.
fn money(d: Decimal) -> String {
    let plain = format_yuan(d);
    let (sign, rest) = match plain.strip_prefix('-') {
        Some(r) => ("-", r),
        None => ("", plain.as_str()),
    };
    let (int, frac) = rest.split_once('.').unwrap_or((rest, "00"));
    format!("{sign}{}.{frac}", group_digits(int))
}
