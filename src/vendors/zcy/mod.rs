//! zcy: the 政采云 supplier open platform (seed 003_221b3dd71f32030a.txt),
//! signed gateway calls, statements with payment matches.

pub mod client;
mod fetch;
pub mod normalize;
pub mod sandbox;
pub mod sign;
pub mod wire;

use crate::archive::ArchiveReader;
use crate::domain::{FetchState, FetchStatus, VendorDocs, ZcyData};
use crate::settings::{secret_from_env, ZcySettings};
use crate::vendors::{FetchRequest, Fetched, Vendor};
use chrono_tz::Tz;
use futures::future::BoxFuture;

pub const KEY: &str = "zcy";
pub const SERVICE_STATEMENTS: &str = "QuerySupplierStatements";
/// Archive endpoint folder of the statement pages.
pub const EP_STATEMENTS: &str = SERVICE_STATEMENTS;

pub struct Zcy {
    settings: ZcySettings,
    lookback_days: i64,
}

impl Zcy {
    pub fn new(settings: &ZcySettings, lookback_days: i64) -> Self {
        Self {
            settings: settings.clone(),
            lookback_days,
        }
    }

    fn client(&self) -> anyhow::Result<client::Client> {
        let key = secret_from_env(&self.settings.app_key_env, "zcy app key")?;
        let secret = secret_from_env(&self.settings.app_secret_env, "zcy app secret")?;
        let http = crate::vendors::http::HttpClient::new(&self.settings.http)?;
        Ok(client::Client::new(
            http,
            &self.settings.base_url,
            key,
            secret,
        ))
    }
}

impl Vendor for Zcy {
    fn key(&self) -> &'static str {
        KEY
    }

    fn fetch<'a>(
        &'a self,
        req: &'a FetchRequest,
        archive: &'a crate::archive::ArchiveWriter,
    ) -> BoxFuture<'a, Fetched> {
        Box::pin(async move {
            match self.client() {
                Ok(c) => fetch::run(&c, req, archive, self.lookback_days).await,
                Err(e) => Fetched {
                    docs: VendorDocs::Zcy(ZcyData::default()),
                    status: FetchStatus {
                        vendor: KEY.into(),
                        state: FetchState::Failed,
                        error: Some(format!("{e:#}")),
                        requests: 0,
                        documents: 0,
                        failures: 1,
                    },
                    input_errors: vec![],
                },
            }
        })
    }
}

/// Replays the zcy part of an archive.
pub fn load_archive(reader: &ArchiveReader, tz: Tz) -> anyhow::Result<Fetched> {
    let mut collected = fetch::Collected::default();
    let mut errors = Vec::new();
    let mut documents = 0u64;
    let mut complete = [true, true];
    for f in reader.files(KEY, EP_STATEMENTS)? {
        let body = std::fs::read(&f.path)?;
        documents += 1;
        if fetch::absorb_page(&mut collected, &mut errors, &f.key, &f.rel, &body, tz).is_none() {
            complete[usize::from(f.key.starts_with("unpaid"))] = false;
        }
    }
    for (key, _) in reader.failures(KEY, EP_STATEMENTS) {
        complete[usize::from(key.starts_with("unpaid"))] = false;
    }
    let status = match reader.vendor_status(KEY) {
        Some(s) => s.clone(),
        None => FetchStatus {
            vendor: KEY.into(),
            state: if complete == [true, true] {
                FetchState::Ok
            } else {
                FetchState::Partial
            },
            error: None,
            requests: 0,
            documents,
            failures: errors.len() as u64,
        },
    };
    Ok(Fetched {
        docs: VendorDocs::Zcy(ZcyData {
            statements: collected.into_vec(),
            matched_complete: complete[0],
            unpaid_complete: complete[1],
        }),
        status,
        input_errors: errors,
    })
}
