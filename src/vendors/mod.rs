//! Vendor connectors behind one trait, plus the shared HTTP helpers
//! (retry with back-off, rate and concurrency limits).

pub mod body;
pub mod http;
pub mod huadian;
pub mod json;
pub mod zcy;

use crate::archive::{ArchiveReader, ArchiveWriter};
use crate::domain::{FetchStatus, InputError, Ledger, Package, VendorDocs};
use crate::settings::Settings;
use chrono::NaiveDate;
use chrono_tz::Tz;
use futures::future::BoxFuture;
use std::collections::BTreeMap;
use std::sync::Arc;

/// What a run asks a vendor for.
#[derive(Debug, Clone)]
pub struct FetchRequest {
    pub run_id: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub tz: Tz,
    pub ledger: Arc<Ledger>,
    /// Statement numbers named on the command line (`--statement`).
    pub extra_statements: Vec<String>,
    /// Orders whose packages already reached a final state in an earlier run.
    pub known_final_packages: BTreeMap<String, Vec<Package>>,
    pub progress: crate::progress::Progress,
}

/// What a fetch saw, normalized; the raw bodies are already in the archive.
#[derive(Debug, Clone)]
pub struct Fetched {
    pub docs: VendorDocs,
    pub status: FetchStatus,
    pub input_errors: Vec<InputError>,
}

/// One counterparty. Adding a vendor = its folder here, a `reconcile` file,
/// and one line in `registry`.
pub trait Vendor: Send + Sync {
    fn key(&self) -> &'static str;

    /// Pulls the vendor's view for the request, saving every body to the
    /// archive before parsing it. Never fails as a whole: failures are in
    /// the returned status.
    fn fetch<'a>(
        &'a self,
        req: &'a FetchRequest,
        archive: &'a ArchiveWriter,
    ) -> BoxFuture<'a, Fetched>;

    /// Tells the vendor what has been stored durably (e.g. deletes consumed
    /// messages). Called only after the store has recorded them.
    fn acknowledge<'a>(&'a self, fetched: &'a Fetched) -> BoxFuture<'a, anyhow::Result<()>> {
        let _ = fetched;
        Box::pin(async { Ok(()) })
    }
}

/// Replays a vendor's part of an archive (no network).
pub type Loader = fn(&ArchiveReader, Tz) -> anyhow::Result<Fetched>;

/// Vendors configured in `settings`, in a stable order.
pub fn configured(settings: &Settings) -> anyhow::Result<Vec<Arc<dyn Vendor>>> {
    let mut out: Vec<Arc<dyn Vendor>> = Vec::new();
    if let Some(h) = &settings.vendors.huadian {
        out.push(Arc::new(huadian::Huadian::new(h, settings.tz())?));
    }
    if let Some(z) = &settings.vendors.zcy {
        out.push(Arc::new(zcy::Zcy::new(
            z,
            settings.reconcile.unpaid_lookback_days,
        )));
    }
    Ok(out)
}

/// Archive loaders by vendor key.
pub fn loader(vendor: &str) -> Option<Loader> {
    match vendor {
        "huadian" => Some(huadian::load_archive),
        "zcy" => Some(zcy::load_archive),
        _ => None,
    }
}

/// Every vendor key this build knows.
pub const KNOWN: &[&str] = &["huadian", "zcy"];
