//! `recon sandbox`: the vendor simulator, for tests, demos and trying a config.

use crate::sandbox::generate::{self, GenerateOptions, Layout};
use crate::sandbox::{self, Faults, HuadianCredentials, SandboxOptions, ZcyCredentials};
use clap::Args;
use std::net::SocketAddr;
use std::path::PathBuf;

/// Serve the vendor APIs from a data folder on loopback, with optional faults.
/// Point a vendor's base_url at the printed URL. With --generate, write a
/// synthetic huadian workload instead (statements, ledger.csv and expected.csv,
/// the discrepancies injected) and exit.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  recon sandbox\n  recon sandbox --addr 127.0.0.1:8080 --data sample-data --fail-every 7 --expire-token-every 50 --max-rps 20\n  recon sandbox --generate bench/1m --orders 1000000 --seed 7\n  recon reconcile --archive bench/1m --ledger bench/1m/ledger.csv --from 2026-01-01 --to 2026-12-31\n  recon sandbox --generate data/10k --orders 10000 --layout sandbox && recon sandbox --data data/10k"
)]
pub struct SandboxArgs {
    /// Write a generated huadian workload into this (new or empty) folder and exit:
    /// 100 orders per statement billed per ten days of 2026, ~1.5% of the orders
    /// carrying one of six discrepancies, listed in DIR/expected.csv.
    #[arg(long, value_name = "DIR")]
    pub generate: Option<PathBuf>,
    /// Number of orders to generate.
    #[arg(long, default_value_t = 10_000, requires = "generate")]
    pub orders: u64,
    /// Seed of the generator: the same seed and size give the same bytes.
    #[arg(long, default_value_t = 1, requires = "generate")]
    pub seed: u64,
    /// archive: DIR/huadian/statement/<no>.json bodies for `recon reconcile --archive DIR`;
    /// sandbox: a data folder for `recon sandbox --data DIR`.
    #[arg(long, value_enum, default_value = "archive", requires = "generate")]
    pub layout: Layout,
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
    if let Some(dir) = a.generate {
        return generate_into(dir, a.orders, a.seed, a.layout);
    }
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

fn generate_into(dir: PathBuf, orders: u64, seed: u64, layout: Layout) -> anyhow::Result<u8> {
    let started = std::time::Instant::now();
    let opts = GenerateOptions {
        dir: dir.clone(),
        orders,
        seed,
        layout,
        threads: 0,
    };
    let s = generate::generate(&opts)?;
    let expected: Vec<String> = s.expected.iter().map(|(c, n)| format!("{c} {n}")).collect();
    eprintln!(
        "generated {} orders ({} statement lines) in {} statements, {} ledger rows, {:.1} MB of statements in {:.2}s (seed {seed})",
        s.orders,
        s.lines,
        s.statements,
        s.ledger_rows,
        s.bytes as f64 / 1e6,
        started.elapsed().as_secs_f64()
    );
    eprintln!("expected discrepancies: {}", expected.join(", "));
    println!("{}", dir.display());
    Ok(super::exit::OK)
}
