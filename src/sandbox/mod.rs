//! The vendor simulator: serves every vendor's routes from a data folder, with
//! fault injection chosen per start. Each vendor is mounted under its own prefix
//! (`/huadian`, `/zcy`, ...); `GET /_sandbox/stats` reports what the server has seen.

pub mod faults;
pub mod generate;
pub mod state;

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{bail, Context};
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use faults::{FaultGate, Faults, Injected};
pub use state::{SandboxStats, Shared, VendorSim};

use crate::vendors::huadian::sandbox as huadian;
use crate::vendors::zcy::sandbox as zcy;

/// What one sandbox start serves and how it misbehaves.
#[derive(Clone, Debug)]
pub struct SandboxOptions {
    /// The data folder (see `sample-data/README.md`); each vendor reads its subfolder.
    /// Example: `sample-data`.
    pub data_dir: PathBuf,
    /// Faults to inject; default none.
    pub faults: Faults,
    /// The huadian account the token endpoint accepts.
    pub huadian: HuadianCredentials,
    /// The zcy app the gateway's signature check accepts.
    pub zcy: ZcyCredentials,
}

impl SandboxOptions {
    /// Options serving `data_dir` with no faults and the default credentials.
    pub fn new(data_dir: impl Into<PathBuf>) -> Self {
        Self {
            data_dir: data_dir.into(),
            faults: Faults::default(),
            huadian: HuadianCredentials::default(),
            zcy: ZcyCredentials::default(),
        }
    }
}

/// The huadian account (username and password of the md5 token sign).
#[derive(Clone)]
pub struct HuadianCredentials {
    /// Example: `huadian_demo`.
    pub username: String,
    /// Example: `s3cret`.
    pub password: String,
}

impl Default for HuadianCredentials {
    /// The test vector of VENDOR-CONVENTIONS.md.
    fn default() -> Self {
        Self {
            username: "huadian_demo".to_owned(),
            password: "s3cret".to_owned(),
        }
    }
}

impl fmt::Debug for HuadianCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HuadianCredentials")
            .field("username", &self.username)
            .field("password", &"[redacted]")
            .finish()
    }
}

/// The zcy app (key and secret of the gateway signature).
#[derive(Clone)]
pub struct ZcyCredentials {
    /// Example: `zcy-demo-key`.
    pub app_key: String,
    /// Example: `zcy-demo-secret`.
    pub app_secret: String,
}

impl Default for ZcyCredentials {
    /// The test vector of VENDOR-CONVENTIONS.md.
    fn default() -> Self {
        Self {
            app_key: "zcy-demo-key".to_owned(),
            app_secret: "zcy-demo-secret".to_owned(),
        }
    }
}

impl fmt::Debug for ZcyCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ZcyCredentials")
            .field("app_key", &self.app_key)
            .field("app_secret", &"[redacted]")
            .finish()
    }
}

/// A running sandbox server.
pub struct SandboxHandle {
    /// The bound address (the real port when started on port 0).
    pub addr: SocketAddr,
    shared: Arc<Shared>,
    stop: oneshot::Sender<()>,
    task: JoinHandle<std::io::Result<()>>,
}

impl SandboxHandle {
    /// The base URL a connector for `vendor` uses, e.g. `http://127.0.0.1:5555/huadian`.
    pub fn base_url(&self, vendor: &str) -> String {
        format!("http://{}/{}", self.addr, vendor)
    }

    /// What the server has seen so far.
    pub async fn stats(&self) -> SandboxStats {
        self.shared.snapshot()
    }

    /// Stops accepting connections and waits for the server to finish.
    pub async fn shutdown(self) {
        let _ = self.stop.send(());
        match self.task.await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => tracing::warn!("sandbox server ended with an error: {e}"),
            Err(e) => tracing::warn!("sandbox server task failed: {e}"),
        }
    }
}

/// Binds `addr` (port 0 allowed) and serves the sandbox in a background task.
pub async fn start(addr: SocketAddr, opts: SandboxOptions) -> anyhow::Result<SandboxHandle> {
    let (app, shared) = build(opts)?;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("binding the sandbox to {addr}"))?;
    let addr = listener
        .local_addr()
        .context("reading the sandbox's bound address")?;
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .await
    });
    tracing::info!("sandbox listening on http://{addr}");
    Ok(SandboxHandle {
        addr,
        shared,
        stop,
        task,
    })
}

/// The sandbox as a router, for callers that serve it themselves.
pub fn router(opts: SandboxOptions) -> anyhow::Result<Router> {
    Ok(build(opts)?.0)
}

fn build(opts: SandboxOptions) -> anyhow::Result<(Router, Arc<Shared>)> {
    if !opts.data_dir.is_dir() {
        bail!(
            "sandbox data folder {} does not exist or is not a folder",
            opts.data_dir.display()
        );
    }
    let shared = Arc::new(Shared::default());

    let huadian_gate = Arc::new(FaultGate::new(
        "huadian",
        opts.faults.clone(),
        shared.clone(),
        huadian::render_fault,
    ));
    let huadian_data = huadian::SandboxData::load(&opts.data_dir.join("huadian"))?;
    let huadian_sim = Arc::new(huadian::HuadianSim::new(
        huadian_data,
        opts.huadian.clone(),
        huadian_gate,
    ));
    shared.register(huadian_sim.clone());

    let zcy_gate = Arc::new(FaultGate::new(
        "zcy",
        opts.faults.clone(),
        shared.clone(),
        zcy::render_fault,
    ));
    let zcy_data = zcy::SandboxData::load(&opts.data_dir.join("zcy"))?;
    let zcy_sim = Arc::new(zcy::ZcySim::new(zcy_data, opts.zcy.clone(), zcy_gate));
    shared.register(zcy_sim.clone());

    let app = Router::new()
        .nest("/huadian", huadian::routes(huadian_sim))
        .nest("/zcy", zcy::routes(zcy_sim))
        .route("/_sandbox/stats", get(stats_json))
        .with_state(shared.clone());
    Ok((app, shared))
}

async fn stats_json(State(shared): State<Arc<Shared>>) -> Json<SandboxStats> {
    Json(shared.snapshot())
}
