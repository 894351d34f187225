//! huadian: the Colipu CIP REST API (Huadian project extension), seed
//! 002_2c89f70ce16e56e1.txt. Statements by number, packages by order,
//! invoices by bill row, the 303/304/702 message feed.

pub mod client;
mod fetch;
pub mod normalize;
pub mod sandbox;
mod scan;
pub mod wire;

use crate::archive::ArchiveReader;
use crate::domain::{FetchState, FetchStatus, HuadianData, InputError, VendorDocs};
use crate::settings::{secret_from_env, HuadianSettings};
use crate::vendors::{Fetched, Vendor};
use anyhow::Context;
use chrono_tz::Tz;
use futures::future::BoxFuture;

pub const KEY: &str = "huadian";

/// Archive endpoint folders.
pub const EP_STATEMENT: &str = "statement";
pub const EP_PACKAGES: &str = "packages";
pub const EP_INVOICE: &str = "invoice";
pub const EP_MESSAGES: &str = "messages";

pub struct Huadian {
    settings: HuadianSettings,
    tz: Tz,
}

impl Huadian {
    pub fn new(settings: &HuadianSettings, tz: Tz) -> anyhow::Result<Self> {
        Ok(Self {
            settings: settings.clone(),
            tz,
        })
    }

    fn client(&self) -> anyhow::Result<client::Client> {
        let user = secret_from_env(&self.settings.username_env, "huadian username")?;
        let pass = secret_from_env(&self.settings.password_env, "huadian password")?;
        let http = crate::vendors::http::HttpClient::new(&self.settings.http)?;
        Ok(client::Client::new(
            http,
            &self.settings.base_url,
            user,
            pass,
            self.tz,
        ))
    }
}

impl Vendor for Huadian {
    fn key(&self) -> &'static str {
        KEY
    }

    fn fetch<'a>(
        &'a self,
        req: &'a crate::vendors::FetchRequest,
        archive: &'a crate::archive::ArchiveWriter,
    ) -> BoxFuture<'a, Fetched> {
        Box::pin(async move {
            match self.client() {
                Ok(c) => fetch::run(&c, &self.settings, req, archive).await,
                Err(e) => failed(format!("{e:#}")),
            }
        })
    }

    fn acknowledge<'a>(&'a self, fetched: &'a Fetched) -> BoxFuture<'a, anyhow::Result<()>> {
        Box::pin(async move {
            let messages = fetched.docs.messages();
            if messages.is_empty() {
                return Ok(());
            }
            let c = self.client()?;
            fetch::delete_messages(&c, messages).await
        })
    }
}

fn failed(error: String) -> Fetched {
    Fetched {
        docs: VendorDocs::Huadian(HuadianData::default()),
        status: FetchStatus {
            vendor: KEY.into(),
            state: FetchState::Failed,
            error: Some(error),
            requests: 0,
            documents: 0,
            failures: 1,
        },
        input_errors: vec![],
    }
}

/// Replays the huadian part of an archive.
pub fn load_archive(reader: &ArchiveReader, tz: Tz) -> anyhow::Result<Fetched> {
    let mut data = HuadianData::default();
    let mut errors: Vec<InputError> = Vec::new();
    let mut documents = 0u64;
    // Statements are the bulk of an archive: read and parsed on every core,
    // then absorbed in file order so the result does not depend on threads.
    use rayon::prelude::*;
    let files = reader.files(KEY, EP_STATEMENT)?;
    let parsed: Vec<_> = files
        .par_iter()
        .map(|f| {
            let body = std::fs::read(&f.path)
                .with_context(|| format!("cannot read {}", f.path.display()))?;
            Ok(normalize::statements(&body, tz, &f.rel))
        })
        .collect::<anyhow::Result<_>>()?;
    for (f, result) in files.iter().zip(parsed) {
        fetch::absorb_parsed_statement(&mut data, &mut errors, &f.key, &f.rel, result);
        documents += 1;
    }
    for (key, _) in reader.failures(KEY, EP_STATEMENT) {
        data.failed_statements.insert(key);
    }
    if reader.has_endpoint(KEY, EP_PACKAGES) {
        let mut map = std::collections::BTreeMap::new();
        for f in reader.files(KEY, EP_PACKAGES)? {
            let body = std::fs::read(&f.path)?;
            fetch::absorb_packages(
                &mut map,
                &mut data.failed_packages,
                &mut errors,
                &f.key,
                &f.rel,
                &body,
            );
            documents += 1;
        }
        for (key, _) in reader.failures(KEY, EP_PACKAGES) {
            data.failed_packages.insert(key);
        }
        data.packages = Some(map);
    }
    for f in reader.files(KEY, EP_INVOICE)? {
        let body = std::fs::read(&f.path)?;
        fetch::absorb_invoice(&mut data, &mut errors, &f.key, &f.rel, &body);
        documents += 1;
    }
    for (key, _) in reader.failures(KEY, EP_INVOICE) {
        if let Some(k) = fetch::split_invoice_key(&key) {
            data.failed_invoices.insert(k);
        }
    }
    for f in reader.files(KEY, EP_MESSAGES)? {
        let body = std::fs::read(&f.path)?;
        fetch::absorb_messages(&mut data.messages, &mut errors, &f.rel, &body, tz);
        documents += 1;
    }
    let status = match reader.vendor_status(KEY) {
        Some(s) => s.clone(),
        None => FetchStatus {
            vendor: KEY.into(),
            state: if data.failed_statements.is_empty() && errors.is_empty() {
                FetchState::Ok
            } else {
                FetchState::Partial
            },
            error: None,
            requests: 0,
            documents,
            failures: data.failed_statements.len() as u64,
        },
    };
    Ok(Fetched {
        docs: VendorDocs::Huadian(data),
        status,
        input_errors: errors,
    })
}
