//! `recon sandbox`: the vendor simulator, for tests, demos and trying a config.

use crate::sandbox::{self, Faults, HuadianCredentials, SandboxOptions, ZcyCredentials};
use clap::Args;
use std::net::SocketAddr;
use std::path::PathBuf;

/// Serve the vendor APIs from a data folder on loopback, with optional faults.
/// Point a vendor's base_url at the printed URL.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  recon sandbox\n  recon sandbox --addr 127.0.0.1:8080 --data sample-data --fail-every 7 --expire-token-every 50 --max-rps 20"
)]
pub struct SandboxArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,
    /// Data folder (see sample-data/README.md).
    #[arg(long, default_value = "sample-data")]
    pub data: PathBuf,
    /// Milliseconds added to every answer.
    #[arg(long, default_value_t = 0)]
    pub latency_ms: u64,
    /// Every Nth request answers a transient error (5000 / HTTP 503, alternating).
    #[arg(long, default_value_t = 0)]
    pub fail_every: u32,
    /// Every Nth authorized request answers 5001 (token expired).
    #[arg(long, default_value_t = 0)]
    pub expire_token_every: u32,
    /// Requests per second allowed before 2065 (too fast).
    #[arg(long, default_value_t = 0)]
    pub max_rps: u32,
    /// huadian username the sandbox accepts.
    #[arg(
        long,
        env = "RECON_SANDBOX_HUADIAN_USERNAME",
        default_value = "huadian_demo"
    )]
    pub huadian_username: String,
    /// zcy app key the sandbox accepts.
    #[arg(
        long,
        env = "RECON_SANDBOX_ZCY_APP_KEY",
        default_value = "zcy-demo-key"
    )]
    pub zcy_app_key: String,
    /// zcy app secret the sandbox accepts.
    #[arg(
        long,
        env = "RECON_SANDBOX_ZCY_APP_SECRET",
        default_value = "zcy-demo-secret",
        hide_default_value = true,
        hide_env_values = true
    )]
    pub zcy_app_secret: String,
    /// huadian password the sandbox accepts.
    #[arg(
        long,
        env = "RECON_SANDBOX_HUADIAN_PASSWORD",
        default_value = "s3cret",
        hide_default_value = true,
        hide_env_values = true
    )]
    pub huadian_password: String,
}

pub async fn exec(a: SandboxArgs) -> anyhow::Result<u8> {
    let handle = sandbox::start(
        a.addr,
        SandboxOptions {
            data_dir: a.data.clone(),
            faults: Faults {
                latency_ms: a.latency_ms,
                fail_every: a.fail_every,
                expire_token_every: a.expire_token_every,
                max_rps: a.max_rps,
                token_ttl_secs: 0,
            },
            huadian: HuadianCredentials {
                username: a.huadian_username,
                password: a.huadian_password,
            },
            zcy: ZcyCredentials {
                app_key: a.zcy_app_key,
                app_secret: a.zcy_app_secret,
            },
        },
    )
    .await?;
    eprintln!(
        "sandbox serving {} on http://{} — Ctrl-C to stop",
        a.data.display(),
        handle.addr
    );
    for v in ["huadian", "zcy"] {
        println!("{v} {}", handle.base_url(v));
    }
    tokio::signal::ctrl_c().await?;
    handle.shutdown().await;
    Ok(super::exit::OK)
}
