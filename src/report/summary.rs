//! `summary.json`: the machine-readable digest of a run's report. Amounts are
//! decimal strings ("12.30"), never JSON numbers (floats to most readers).

use super::tally::{fetch_state_str, Tally};
use super::{fmt_date, write_atomic, ReportData};
use crate::domain::{format_yuan, Code};
use anyhow::Context;
use serde_json::{json, Map, Value};
use std::io::Write;
use std::path::Path;

/// The JSON document. Every code appears under `counts.by_code` and
/// `amounts.by_code` (0 / "0.00" when absent), so scripts need no
/// missing-key case; those cover open rows, `counts.by_status` every row.
pub(crate) fn summary_value(data: &ReportData, files: &[&str]) -> Value {
    let tally = Tally::of(data);
    let mut fetch = Map::new();
    for f in &data.fetch {
        fetch.insert(
            f.vendor.clone(),
            json!({
                "state": fetch_state_str(&f.state),
                "error": f.error,
                "requests": f.requests,
                "documents": f.documents,
                "failures": f.failures,
            }),
        );
    }
    let mut by_code = Map::new();
    let mut amounts = Map::new();
    for code in Code::ALL {
        let ca = tally.code(*code);
        by_code.insert(code.as_str().into(), json!(ca.count));
        amounts.insert(code.as_str().into(), json!(format_yuan(ca.amount)));
    }
    json!({
        "run_id": data.run_id,
        "from": fmt_date(data.from),
        "to": fmt_date(data.to),
        "started_at": data.started_at.to_rfc3339(),
        "vendors": data.vendors,
        "fetch": fetch,
        "complete": data.fetch.iter().all(|f| f.state == crate::domain::FetchState::Ok),
        "counts": {
            "by_code": by_code,
            "by_status": {
                "new": tally.new,
                "recurring": tally.recurring,
                "pending": tally.pending,
                "resolved": tally.resolved,
            },
            "by_severity": {
                "error": tally.errors,
                "warning": tally.warnings,
                "info": tally.infos,
            },
        },
        "amounts": { "by_code": amounts },
        "totals": {
            "discrepancies": tally.rows,
            "open": tally.open.count,
            "amount_at_stake": format_yuan(tally.open.amount),
        },
        "input_errors": data.input_errors.len(),
        "matched": data.matched_count,
        "files": files,
    })
}

pub(super) fn write_summary(path: &Path, data: &ReportData, files: &[&str]) -> anyhow::Result<()> {
    let value = summary_value(data, files);
    write_atomic(path, |w: &mut dyn Write| {
        serde_json::to_writer_pretty(&mut *w, &value)?;
        w.write_all(b"\n")
    })
    .with_context(|| format!("writing report file {}", path.display()))
}
