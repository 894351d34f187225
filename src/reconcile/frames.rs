//! Thin polars helpers: frames built from Rust values (money as i64 fen, text as
//! String), the eager joins and group-bys the checks use, and columns read back.
//!
//! Frames carry an index column pointing back into the Rust slice they were built
//! from, so a check joins set-wise in polars and then reads the full records in Rust.

use super::merge::{fen, ledger_ref};
use crate::domain::LedgerEntry;
use polars::prelude::*;

/// A text column from borrowed or owned strings: borrowed ones are copied
/// straight into the column, with no `String` made per row.
pub fn str_col<S: AsRef<str>>(name: &str, values: impl IntoIterator<Item = S>) -> Column {
    StringChunked::from_iter_values(name.into(), values.into_iter()).into_column()
}

pub fn i64_col(name: &str, values: Vec<i64>) -> Column {
    Column::new(name.into(), values)
}

/// A key column of `keys::Keys` ids.
pub fn u32_col(name: &str, values: Vec<u32>) -> Column {
    Column::new(name.into(), values)
}

/// An index column: positions into the slice the frame was built from.
pub fn idx_col(name: &str, len: usize) -> Column {
    positions_col(name, 0..len)
}

/// An index column of the given positions (half the memory of i64 at a
/// million rows; more than 2³² rows would not fit anywhere else either).
pub fn positions_col(name: &str, positions: impl Iterator<Item = usize>) -> Column {
    u32_col(
        name,
        positions
            .map(|i| u32::try_from(i).expect("fewer than 2³² rows"))
            .collect(),
    )
}

pub fn frame(columns: Vec<Column>) -> PolarsResult<DataFrame> {
    DataFrame::new_infer_height(columns)
}

/// A string column read back; a null (from an outer join) reads as "".
#[cfg(test)]
pub fn strs(df: &DataFrame, name: &str) -> PolarsResult<Vec<String>> {
    Ok(df
        .column(name)?
        .str()?
        .iter()
        .map(|s| s.unwrap_or_default().to_string())
        .collect())
}

/// An i64 column read back; nulls (from a left join) stay `None`.
pub fn opt_i64s(df: &DataFrame, name: &str) -> PolarsResult<Vec<Option<i64>>> {
    Ok(df.column(name)?.i64()?.iter().collect())
}

/// An index column read back as positions.
pub fn indices(df: &DataFrame, name: &str) -> PolarsResult<Vec<usize>> {
    Ok(positions(df, name)?.collect())
}

/// An index column read back lazily, without a vector of its own.
pub fn positions<'a>(
    df: &'a DataFrame,
    name: &str,
) -> PolarsResult<impl Iterator<Item = usize> + 'a> {
    Ok(df
        .column(name)?
        .u32()?
        .iter()
        .map(|i| i.unwrap_or_default() as usize))
}

pub fn join(
    left: &DataFrame,
    right: &DataFrame,
    left_on: &[&str],
    right_on: &[&str],
    how: JoinType,
) -> PolarsResult<DataFrame> {
    left.join(
        right,
        left_on.iter().copied(),
        right_on.iter().copied(),
        JoinArgs::new(how),
        None,
    )
}

/// `by` columns and `<value>_sum`, one row per group.
#[allow(deprecated)] // the eager aggregations are deprecated upstream in favour of lazy, which this crate does not enable
pub fn sum_by(df: &DataFrame, by: &[&str], value: &str) -> PolarsResult<DataFrame> {
    df.group_by(by.iter().copied())?.select([value]).sum()
}

/// Ledger rows as a frame: `e_idx` (position in `rows`), `doc`, `stmt` (blank
/// when none) and `amount_fen` (absolute: refunds are stored positive).
pub fn ledger_frame(rows: &[&LedgerEntry]) -> anyhow::Result<DataFrame> {
    let amounts = rows
        .iter()
        .map(|e| fen(e.amount().abs(), || ledger_ref(e)))
        .collect::<anyhow::Result<Vec<i64>>>()?;
    Ok(frame(vec![
        idx_col("e_idx", rows.len()),
        str_col("doc", rows.iter().map(|e| e.doc_no.as_str())),
        str_col(
            "stmt",
            rows.iter().map(|e| e.statement_no().unwrap_or_default()),
        ),
        i64_col("amount_fen", amounts),
    ])?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn left_join_keeps_unmatched_rows_with_null_sums() {
        let lines = frame(vec![
            str_col("order", s(&["A", "B"])),
            i64_col("ret", vec![100, 0]),
        ])
        .unwrap();
        let refunds = frame(vec![
            str_col("doc", s(&["A", "A"])),
            i64_col("amt", vec![60, 40]),
        ])
        .unwrap();
        let sums = sum_by(&refunds, &["doc"], "amt").unwrap();
        let j = join(&lines, &sums, &["order"], &["doc"], JoinType::Left).unwrap();
        let mut got: Vec<(String, Option<i64>)> = strs(&j, "order")
            .unwrap()
            .into_iter()
            .zip(opt_i64s(&j, "amt_sum").unwrap())
            .collect();
        got.sort();
        assert_eq!(got, vec![("A".into(), Some(100)), ("B".into(), None)]);
    }

    #[test]
    fn anti_join_on_two_keys_and_empty_frames_work() {
        let a = frame(vec![
            str_col("s", s(&["S1", "S1"])),
            str_col("o", s(&["A", "B"])),
        ])
        .unwrap();
        let b = frame(vec![str_col("s", s(&["S1"])), str_col("o", s(&["A"]))]).unwrap();
        let j = join(&a, &b, &["s", "o"], &["s", "o"], JoinType::Anti).unwrap();
        assert_eq!(strs(&j, "o").unwrap(), vec!["B".to_string()]);
        let empty = frame(vec![
            str_col("s", Vec::<String>::new()),
            str_col("o", Vec::<String>::new()),
        ])
        .unwrap();
        let j = join(&a, &empty, &["s", "o"], &["s", "o"], JoinType::Anti).unwrap();
        assert_eq!(j.height(), 2);
    }
}
