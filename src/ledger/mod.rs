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
    let file =
        FileBytes::open(path).with_context(|| format!("cannot read ledger {}", path.display()))?;
    let bytes: &[u8] = &file;
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
        csv::read_csv(bytes, &source, settings, file.pages())
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

    fn pages(&self) -> Pages {
        Pages {
            mapped: matches!(self, Self::Mapped(_)),
        }
    }
}

/// Whether the bytes being read are a file map, whose pages can be given back
/// once read: a ledger of millions of rows is then never resident all at once
/// (the page cache keeps the file; reading a page again maps it again).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Pages {
    mapped: bool,
}

impl Pages {
    /// Bytes on the heap: nothing is given back.
    pub(crate) const HEAP: Pages = Pages { mapped: false };

    /// Unmaps the whole pages inside `read`, a stretch of a file map already read.
    pub(crate) fn release(self, read: &[u8]) {
        #[cfg(target_os = "linux")]
        if self.mapped {
            const PAGE: usize = 4096;
            let from = (read.as_ptr() as usize).next_multiple_of(PAGE);
            let to = (read.as_ptr() as usize + read.len()) / PAGE * PAGE;
            if to > from {
                // SAFETY: the range lies inside a read-only map of a file that is
                // not written while it is read (see `FileBytes::open`); after
                // MADV_DONTNEED a read of it maps the file's same bytes again, so
                // every reference into the map stays valid and reads the same.
                unsafe {
                    libc::madvise(from as *mut libc::c_void, to - from, libc::MADV_DONTNEED);
                }
            }
        }
        #[cfg(not(target_os = "linux"))]
        let _ = read;
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

    /// A file map's pages are given back as it is read: the rows must be those
    /// of the same bytes read from the heap, quoted or not, across many stretches.
    #[test]
    fn a_large_mapped_file_reads_as_the_same_bytes_on_the_heap() {
        let dir = tempfile::tempdir().unwrap();
        for quoted in [false, true] {
            let mut text = String::from("entry_id,vendor,kind,doc_no,amount,booked_on,memo\n");
            for i in 0..300_000 {
                let memo = if quoted {
                    "\"备注, 第一行\n第二行\""
                } else {
                    "备注"
                };
                text.push_str(&format!(
                    "V{i},huadian,order,D{i},{i}.01,2024-05-01,{memo}\n"
                ));
            }
            assert!(text.len() > 16 << 20, "more than two stretches");
            let path = dir.path().join("big.csv");
            std::fs::write(&path, &text).unwrap();
            let mapped = read_file(&path, &LedgerSettings::default()).unwrap();
            let heap =
                read_csv_bytes(text.as_bytes(), "big.csv", &LedgerSettings::default()).unwrap();
            assert_eq!(mapped.entries.len(), 300_000);
            assert!(mapped.errors.is_empty());
            assert_eq!(mapped, heap, "quoted: {quoted}");
            let last = &mapped.entries[299_999];
            assert_eq!(
                (last.doc_no.as_str(), last.line),
                ("D299999", if quoted { 600_000 } else { 300_001 })
            );
        }
    }
}
