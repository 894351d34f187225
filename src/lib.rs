//! `recon`: fetch counterparties' statements, archive them byte-for-byte,
//! normalize to exact decimals, reconcile against the ledger, report.

pub mod archive;
pub mod cli;
pub mod domain;
pub mod ledger;
pub mod pipeline;
pub mod progress;
pub mod reconcile;
pub mod report;
pub mod sandbox;
pub mod settings;
pub mod store;
pub mod vendors;
