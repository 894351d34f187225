//! Atomic file writes: a temporary file in the target's own folder, fsync,
//! rename — a report file appears whole or not at all.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

/// Where writing one report file failed.
#[derive(Debug, thiserror::Error)]
pub enum AtomicWriteError {
    #[error("cannot create a temporary file in {dir}")]
    Temp {
        dir: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("cannot write {path}")]
    Write {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("cannot move the finished temporary file onto {path}")]
    Rename {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
}

/// Prefix of the temporary names, so a crash's leftovers are recognisable.
pub(crate) const TEMP_PREFIX: &str = ".recon-tmp-";

/// Writes `path` through `fill`. On any error the temporary file is removed
/// and `path` is left as it was.
pub fn write_atomic<F>(path: &Path, fill: F) -> Result<(), AtomicWriteError>
where
    F: FnOnce(&mut dyn Write) -> io::Result<()>,
{
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    // Same folder as the target: a rename across file systems would not be atomic.
    let mut tmp = tempfile::Builder::new()
        .prefix(TEMP_PREFIX)
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(|source| AtomicWriteError::Temp {
            dir: dir.to_path_buf(),
            source,
        })?;
    let write_err = |source| AtomicWriteError::Write {
        path: path.to_path_buf(),
        source,
    };
    {
        let mut w = BufWriter::new(tmp.as_file_mut());
        fill(&mut w).map_err(write_err)?;
        w.flush().map_err(write_err)?;
    }
    // Data on disk before the rename makes it visible, else a crash could
    // leave a whole-looking name over an empty file.
    tmp.as_file().sync_all().map_err(write_err)?;
    tmp.persist(path).map_err(|e| AtomicWriteError::Rename {
        path: path.to_path_buf(),
        source: e.error,
    })?;
    sync_dir(dir);
    Ok(())
}

/// Makes the rename itself durable. Best effort: some file systems refuse
/// to fsync a directory, and the file is already complete either way.
fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn a_successful_write_leaves_only_the_target() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.txt");
        write_atomic(&p, |w| w.write_all(b"hello")).unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"hello");
        assert_eq!(names(dir.path()), vec!["a.txt"]);
    }

    #[test]
    fn a_failed_write_leaves_no_file_and_keeps_the_old_one() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.txt");
        let err = write_atomic(&p, |w| {
            w.write_all(b"half")?;
            Err(io::Error::other("disk on fire"))
        })
        .unwrap_err();
        assert!(err.to_string().contains("a.txt"), "{err}");
        assert!(names(dir.path()).is_empty());

        std::fs::write(&p, b"old").unwrap();
        let _ = write_atomic(&p, |_| Err(io::Error::other("again")));
        assert_eq!(std::fs::read(&p).unwrap(), b"old");
        assert_eq!(names(dir.path()), vec!["a.txt"]);
    }
}
