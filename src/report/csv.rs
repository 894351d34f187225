//! The CSV report files: UTF-8 with a BOM (so Excel shows Chinese), outside
//! text formula-neutralized, amounts as plain two-place decimals.

use super::{
    discrepancy_cells, discrepancy_headers, input_error_cells, matched_cells, matched_headers,
    write_atomic, Cell, ReportData, INPUT_ERROR_HEADERS,
};
use crate::domain::{InputError, MatchedLine};
use crate::settings::Language;
use anyhow::Context;
use std::io::{self, Write};
use std::path::Path;

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Writes a BOM, the header, then every row, atomically.
fn write_csv<'a, I, R>(path: &Path, headers: &[&str], rows: I) -> anyhow::Result<()>
where
    I: IntoIterator<Item = R>,
    R: AsRef<[Cell<'a>]>,
{
    write_atomic(path, |w: &mut dyn Write| {
        w.write_all(BOM)?;
        let mut out = ::csv::Writer::from_writer(w);
        out.write_record(headers)?;
        for row in rows {
            out.write_record(row.as_ref().iter().map(|c| c.csv_text().into_owned()))?;
        }
        out.flush()?;
        Ok::<_, io::Error>(())
    })
    .with_context(|| format!("writing report file {}", path.display()))
}

pub(super) fn write_discrepancies(
    path: &Path,
    data: &ReportData,
    lang: Language,
) -> anyhow::Result<()> {
    let rows = data
        .discrepancies
        .iter()
        .map(|d| discrepancy_cells(&data.run_id, d));
    write_csv(path, discrepancy_headers(lang), rows)
}

pub(super) fn write_matched(
    path: &Path,
    matched: &[MatchedLine],
    lang: Language,
) -> anyhow::Result<()> {
    write_csv(
        path,
        matched_headers(lang),
        matched.iter().map(matched_cells),
    )
}

pub(super) fn write_input_errors(path: &Path, errors: &[InputError]) -> anyhow::Result<()> {
    write_csv(
        path,
        &INPUT_ERROR_HEADERS,
        errors.iter().map(input_error_cells),
    )
}
