//! Raw vendor bodies on disk, byte-for-byte (SPEC §4):
//! `<archive>/<vendor>/<endpoint>/<key>.json` plus `<archive>/manifest.json`
//! recording each request, HTTP status, fetch time and SHA-256. Failures are
//! recorded too, so a replay knows what was asked for and not answered.

use anyhow::Context;
use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::domain::FetchStatus;

pub const MANIFEST: &str = "manifest.json";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestEntry {
    pub vendor: String,
    pub endpoint: String,
    pub key: String,
    /// Relative path of the saved body; `None` when nothing usable was answered.
    pub file: Option<String>,
    /// Method and path with query; never a credential.
    pub request: String,
    pub http_status: Option<u16>,
    pub fetched_at: String,
    pub sha256: Option<String>,
    pub bytes: u64,
    /// Why the request failed after its retries, when it did.
    pub error: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Manifest {
    pub run_id: Option<String>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub vendors: Vec<FetchStatus>,
    pub entries: Vec<ManifestEntry>,
}

/// File-name form of a key: reversible, safe on every file system.
pub fn encode_key(key: &str) -> String {
    let mut out = String::with_capacity(key.len());
    for b in key.bytes() {
        if b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.' && !out.is_empty() {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

pub fn decode_key(name: &str) -> String {
    let bytes = name.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Ok(v) = u8::from_str_radix(&name[i + 1..i + 3], 16) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Writes one run's archive. Safe to share between concurrent fetches.
#[derive(Debug)]
pub struct ArchiveWriter {
    root: PathBuf,
    entries: Mutex<Vec<ManifestEntry>>,
}

impl ArchiveWriter {
    pub fn create(root: &Path) -> anyhow::Result<Self> {
        std::fs::create_dir_all(root)
            .with_context(|| format!("cannot create archive folder {}", root.display()))?;
        Ok(Self {
            root: root.to_path_buf(),
            entries: Mutex::new(Vec::new()),
        })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Saves `body` unchanged and records it; returns the relative path.
    #[allow(clippy::too_many_arguments)]
    pub fn save(
        &self,
        vendor: &str,
        endpoint: &str,
        key: &str,
        request: &str,
        http_status: u16,
        fetched_at: DateTime<FixedOffset>,
        body: &[u8],
    ) -> anyhow::Result<String> {
        let rel = format!("{vendor}/{endpoint}/{}.json", encode_key(key));
        let path = self.root.join(&rel);
        let dir = path.parent().expect("archive path has a parent");
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create archive folder {}", dir.display()))?;
        write_atomic(&path, body)?;
        let sha = hex::encode(Sha256::digest(body));
        self.push(ManifestEntry {
            vendor: vendor.into(),
            endpoint: endpoint.into(),
            key: key.into(),
            file: Some(rel.clone()),
            request: request.into(),
            http_status: Some(http_status),
            fetched_at: fetched_at.to_rfc3339(),
            sha256: Some(sha),
            bytes: body.len() as u64,
            error: None,
        });
        Ok(rel)
    }

    #[allow(clippy::too_many_arguments)]
    pub fn record_failure(
        &self,
        vendor: &str,
        endpoint: &str,
        key: &str,
        request: &str,
        http_status: Option<u16>,
        fetched_at: DateTime<FixedOffset>,
        error: &str,
    ) {
        self.push(ManifestEntry {
            vendor: vendor.into(),
            endpoint: endpoint.into(),
            key: key.into(),
            file: None,
            request: request.into(),
            http_status,
            fetched_at: fetched_at.to_rfc3339(),
            sha256: None,
            bytes: 0,
            error: Some(error.into()),
        });
    }

    fn push(&self, e: ManifestEntry) {
        self.entries.lock().expect("archive lock").push(e);
    }

    /// Writes `manifest.json` (entries sorted for stable diffs).
    pub fn finish(
        &self,
        run_id: &str,
        from: NaiveDate,
        to: NaiveDate,
        vendors: Vec<FetchStatus>,
    ) -> anyhow::Result<PathBuf> {
        let mut entries = self.entries.lock().expect("archive lock").clone();
        entries.sort_by(|a, b| {
            (&a.vendor, &a.endpoint, &a.key, &a.fetched_at).cmp(&(
                &b.vendor,
                &b.endpoint,
                &b.key,
                &b.fetched_at,
            ))
        });
        let m = Manifest {
            run_id: Some(run_id.into()),
            from: Some(from),
            to: Some(to),
            vendors,
            entries,
        };
        let path = self.root.join(MANIFEST);
        write_atomic(&path, &serde_json::to_vec_pretty(&m)?)?;
        Ok(path)
    }
}

/// Writes to a temporary name in the same folder, then renames.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut tmp = tempfile::NamedTempFile::new_in(dir)
        .with_context(|| format!("cannot write in {}", dir.display()))?;
    tmp.write_all(bytes)
        .with_context(|| format!("cannot write {}", path.display()))?;
    tmp.persist(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

/// Reads an archive for replay; the manifest is optional.
#[derive(Debug, Clone)]
pub struct ArchiveReader {
    root: PathBuf,
    pub manifest: Option<Manifest>,
}

/// One saved body.
#[derive(Debug, Clone)]
pub struct ArchivedFile {
    pub key: String,
    /// Relative to the archive root, as the manifest names it.
    pub rel: String,
    pub path: PathBuf,
}

impl ArchiveReader {
    pub fn open(root: &Path) -> anyhow::Result<Self> {
        if !root.is_dir() {
            anyhow::bail!("archive folder {} does not exist", root.display());
        }
        let mpath = root.join(MANIFEST);
        let manifest = if mpath.exists() {
            let text = std::fs::read(&mpath)
                .with_context(|| format!("cannot read {}", mpath.display()))?;
            Some(
                serde_json::from_slice(&text)
                    .with_context(|| format!("{} is not a recon manifest", mpath.display()))?,
            )
        } else {
            None
        };
        Ok(Self {
            root: root.to_path_buf(),
            manifest,
        })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn has_endpoint(&self, vendor: &str, endpoint: &str) -> bool {
        self.root.join(vendor).join(endpoint).is_dir()
            || self.manifest.as_ref().is_some_and(|m| {
                m.entries
                    .iter()
                    .any(|e| e.vendor == vendor && e.endpoint == endpoint)
            })
    }

    /// Saved bodies of one endpoint, sorted by key. With a manifest, its keys
    /// are authoritative (they are the unencoded ones).
    pub fn files(&self, vendor: &str, endpoint: &str) -> anyhow::Result<Vec<ArchivedFile>> {
        let mut keys: BTreeMap<String, String> = BTreeMap::new();
        let dir = self.root.join(vendor).join(endpoint);
        if dir.is_dir() {
            for ent in
                std::fs::read_dir(&dir).with_context(|| format!("cannot list {}", dir.display()))?
            {
                let ent = ent?;
                let name = ent.file_name().to_string_lossy().into_owned();
                if let Some(stem) = name.strip_suffix(".json") {
                    let rel = format!("{vendor}/{endpoint}/{name}");
                    keys.insert(rel, decode_key(stem));
                }
            }
        }
        if let Some(m) = &self.manifest {
            for e in &m.entries {
                if let (Some(rel), true) = (&e.file, e.vendor == vendor && e.endpoint == endpoint) {
                    if keys.contains_key(rel) {
                        keys.insert(rel.clone(), e.key.clone());
                    }
                }
            }
        }
        let mut out: Vec<ArchivedFile> = keys
            .into_iter()
            .map(|(rel, key)| ArchivedFile {
                path: self.root.join(&rel),
                key,
                rel,
            })
            .collect();
        out.sort_by(|a, b| a.key.cmp(&b.key).then(a.rel.cmp(&b.rel)));
        Ok(out)
    }

    /// Keys asked for and never answered (failed after retries).
    pub fn failures(&self, vendor: &str, endpoint: &str) -> Vec<(String, String)> {
        let Some(m) = &self.manifest else {
            return vec![];
        };
        let ok: std::collections::BTreeSet<&str> = m
            .entries
            .iter()
            .filter(|e| e.vendor == vendor && e.endpoint == endpoint && e.file.is_some())
            .map(|e| e.key.as_str())
            .collect();
        let mut out: Vec<(String, String)> = m
            .entries
            .iter()
            .filter(|e| e.vendor == vendor && e.endpoint == endpoint && e.file.is_none())
            .filter(|e| !ok.contains(e.key.as_str()))
            .map(|e| (e.key.clone(), e.error.clone().unwrap_or_default()))
            .collect();
        out.sort();
        out.dedup_by(|a, b| a.0 == b.0);
        out
    }

    pub fn vendor_status(&self, vendor: &str) -> Option<&FetchStatus> {
        self.manifest
            .as_ref()?
            .vendors
            .iter()
            .find(|v| v.vendor == vendor)
    }

    /// Vendor folders present in the archive.
    pub fn vendors(&self) -> Vec<String> {
        let mut out: Vec<String> = std::fs::read_dir(&self.root)
            .into_iter()
            .flatten()
            .flatten()
            .filter(|e| e.path().is_dir())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        if let Some(m) = &self.manifest {
            out.extend(m.vendors.iter().map(|v| v.vendor.clone()));
        }
        out.sort();
        out.dedup();
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_survive_the_file_name_round_trip() {
        for k in ["CG2021", "A/B", "ZH__01", "x y%z", ".hidden", "票据-1"] {
            assert_eq!(decode_key(&encode_key(k)), k);
            assert!(!encode_key(k).contains('/'));
        }
    }

    #[test]
    fn saved_bodies_are_byte_exact_and_listed_with_their_hash() {
        let dir = tempfile::tempdir().unwrap();
        let w = ArchiveWriter::create(dir.path()).unwrap();
        let now = chrono::Utc::now().fixed_offset();
        let body = br#"{"totalAmount": 25.680, "x": "3.00"}"#;
        let rel = w
            .save("huadian", "statement", "CG1", "GET /x", 200, now, body)
            .unwrap();
        w.record_failure(
            "huadian",
            "statement",
            "CG2",
            "GET /y",
            Some(503),
            now,
            "HTTP 503",
        );
        let d = NaiveDate::from_ymd_opt(2026, 10, 1).unwrap();
        w.finish("r1", d, d, vec![]).unwrap();
        assert_eq!(std::fs::read(dir.path().join(&rel)).unwrap(), body);
        let r = ArchiveReader::open(dir.path()).unwrap();
        let files = r.files("huadian", "statement").unwrap();
        assert_eq!(files.len(), 1);
        assert_eq!(files[0].key, "CG1");
        assert_eq!(r.failures("huadian", "statement")[0].0, "CG2");
        let m = r.manifest.unwrap();
        assert_eq!(
            m.entries[0].sha256.as_deref().unwrap(),
            hex::encode(Sha256::digest(body))
        );
    }
}
