//! Ledger readers: CSV (UTF-8 ± BOM, GB18030), XLSX, SQL → normalized `Ledger`.
//! Unreadable rows become `InputError`s; the rest of the ledger is still read.
//!
//! Each source only turns its rows into text cells; `row` maps the columns and
//! normalizes every row the same way whatever the source.

mod csv;
mod row;
mod sql;
mod xlsx;

pub use self::csv::read_csv_bytes;
pub use self::sql::read_sql;

use crate::domain::Ledger;
use crate::settings::{secret_from_env, LedgerSettings};
use anyhow::{bail, Context};
use secrecy::ExposeSecret;
use std::path::Path;

/// Reads the ledger the settings name (file path or SQL url + query).
/// Relative paths are taken from `base_dir` (the config file's folder).
pub async fn load(settings: &LedgerSettings, base_dir: &Path) -> anyhow::Result<Ledger> {
    let sql = settings.url.is_some() || settings.url_env.is_some();
    match (&settings.path, sql) {
        (Some(_), true) => {
            bail!("ledger: set either ledger.path or ledger.url/ledger.url_env, not both")
        }
        (Some(path), false) => {
            let path = base_dir.join(path);
            let settings = settings.clone();
            tokio::task::spawn_blocking(move || read_file(&path, &settings))
                .await
                .context("ledger: the file reader stopped")?
        }
        (None, true) => {
            let query = settings
                .query
                .as_deref()
                .filter(|q| !q.trim().is_empty())
                .context("ledger: ledger.query is required with a SQL source")?;
            match (&settings.url, &settings.url_env) {
                (Some(_), Some(_)) => bail!("ledger: set ledger.url or ledger.url_env, not both"),
                (Some(url), None) => read_sql(url, query, settings).await,
                (None, Some(var)) => {
                    let url = secret_from_env(var, "ledger.url_env")?;
                    read_sql(url.expose_secret(), query, settings).await
                }
                (None, None) => unreachable!("sql source without url"),
            }
        }
        (None, false) => bail!(
            "ledger: no ledger configured; set ledger.path (CSV or XLSX) or \
             ledger.url + ledger.query"
        ),
    }
}

/// Reads a CSV or XLSX ledger file (chosen by extension, then by content).
pub fn read_file(path: &Path, settings: &LedgerSettings) -> anyhow::Result<Ledger> {
    let bytes =
        FileBytes::open(path).with_context(|| format!("cannot read ledger {}", path.display()))?;
    let bytes: &[u8] = &bytes;
    let source = path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let spreadsheet = match ext.as_str() {
        "xlsx" | "xlsm" | "xlsb" | "xls" | "ods" => true,
        "csv" | "txt" | "tsv" => false,
        // ZIP (xlsx/ods) or OLE2 (xls) magic.
        _ => bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"\xD0\xCF\x11\xE0"),
    };
    if spreadsheet {
        xlsx::read_xlsx_bytes(bytes, &source, settings)
    } else {
        read_csv_bytes(bytes, &source, settings)
    }
}

/// A ledger file's bytes, mapped rather than copied: a large export is then read
/// straight from the page cache, with no buffer of its size to allocate and fill.
enum FileBytes {
    Mapped(memmap2::Mmap),
    Read(Vec<u8>),
}

impl FileBytes {
    fn open(path: &Path) -> std::io::Result<Self> {
        let file = std::fs::File::open(path)?;
        if file.metadata()?.len() < 1 << 20 {
            return Ok(Self::Read(std::fs::read(path)?));
        }
        // SAFETY: the map is only read, and only while this function's caller
        // holds it. The one hazard of a file map, another process truncating the
        // export while it is read, would stop the run with SIGBUS rather than let
        // it read wrong data; a ledger export is not written while it is read.
        let map = unsafe { memmap2::Mmap::map(&file)? };
        Ok(Self::Mapped(map))
    }
}

impl std::ops::Deref for FileBytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            Self::Mapped(m) => m,
            Self::Read(v) => v,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    const CSV: &str =
        "entry_id,vendor,kind,doc_no,amount,booked_on\nV1,huadian,order,D1,1,2024-05-01\n";

    #[tokio::test]
    async fn load_reads_a_path_relative_to_the_config_folder() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("ledger.csv"), CSV).unwrap();
        let s = LedgerSettings {
            path: Some(PathBuf::from("ledger.csv")),
            ..Default::default()
        };
        let l = load(&s, dir.path()).await.unwrap();
        assert_eq!(l.entries[0].source(), "ledger.csv");
    }

    #[tokio::test]
    async fn load_takes_the_sql_url_from_the_named_variable() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("l.db").display());
        std::env::set_var("RECON_TEST_LEDGER_URL_ENV", &url);
        let s = LedgerSettings {
            url_env: Some("RECON_TEST_LEDGER_URL_ENV".into()),
            query: Some(
                "select 'V1' entry_id, 'huadian' vendor, 'order' kind, 'D1' doc_no, \
                 '1.00' amount, '2024-05-01' booked_on"
                    .into(),
            ),
            ..Default::default()
        };
        let l = load(&s, dir.path()).await.unwrap();
        assert_eq!(l.entries[0].entry_id, "V1");
        assert_eq!(l.entries[0].source(), "sql");
    }

    #[tokio::test]
    async fn load_without_a_source_says_what_to_set() {
        let err = load(&LedgerSettings::default(), Path::new("."))
            .await
            .unwrap_err();
        assert!(err.to_string().contains("ledger.path"), "{err}");
    }

    #[test]
    fn read_file_picks_the_reader_by_extension_then_content() {
        let dir = tempfile::tempdir().unwrap();
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        for (r, line) in CSV.lines().enumerate() {
            for (c, v) in line.split(',').enumerate() {
                sheet.write_string(r as u32, c as u16, v).unwrap();
            }
        }
        let xlsx = book.save_to_buffer().unwrap();
        for (name, bytes) in [
            ("a.csv", CSV.as_bytes()),
            ("a.xlsx", &xlsx[..]),
            ("export.dat", &xlsx[..]),
            ("export", CSV.as_bytes()),
        ] {
            let path = dir.path().join(name);
            std::fs::write(&path, bytes).unwrap();
            let l = read_file(&path, &LedgerSettings::default()).unwrap();
            assert_eq!(l.entries.len(), 1, "{name}");
            assert_eq!(l.entries[0].source(), name);
        }
    }
}
