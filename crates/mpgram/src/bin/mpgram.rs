//! `mpgram`: the headless MPGram Home server.
//!
//! `mpgram demo` serves an in-process fake Telegram (no account, no network);
//! `mpgram serve` serves the logged-in account.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use mpgram::server::{self, listen, AppState, MemoryDevices, ServerConfig};
use mpgram::telegram::{Account, ApiCredentials, StoredSession};
use tokio::net::TcpListener;

#[derive(Parser)]
#[command(
    name = "mpgram",
    version,
    about = "MPGram API server for legacy phones, over your Telegram account"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve a demo world (fake Telegram in-process) with one pre-paired device.
    Demo {
        /// Address to listen on (default: LAN address and loopback, port 8080 or the next free).
        #[arg(long)]
        listen: Option<SocketAddr>,
    },
    /// Serve the logged-in Telegram account.
    Serve {
        /// Address to listen on (default: LAN address and loopback, port 8080 or the next free).
        #[arg(long)]
        listen: Option<SocketAddr>,
        /// Where the vault and settings live.
        #[arg(long)]
        data_dir: Option<PathBuf>,
    },
}

fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: could not start: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Demo { listen } => demo(listen).await,
        Command::Serve { listen, data_dir } => serve(listen, data_dir).await,
    }
}

async fn bind(listen: Option<SocketAddr>) -> anyhow::Result<(Vec<TcpListener>, String)> {
    match listen {
        Some(addr) => listen::bind_exact(addr)
            .await
            .with_context(|| format!("cannot listen on {addr}")),
        None => listen::bind_default(listen::DEFAULT_PORT)
            .await
            .context("no free port from 8080 on"),
    }
}

async fn demo(listen: Option<SocketAddr>) -> anyhow::Result<()> {
    let dc = fakegram::FakeDc::start(fakegram::demo_world())
        .await
        .context("the demo world could not start")?;
    let key = dc.new_key(true);
    let stored = StoredSession::from(dc.session_data(&key, dc.home_dc()));
    let account = Account::start(
        stored,
        ApiCredentials {
            api_id: 1,
            api_hash: "demo".into(),
        },
    );
    let devices = Arc::new(MemoryDevices::new());
    let token = devices.pair();
    let state = AppState::new(account, devices, ServerConfig::default());
    let (listeners, url) = bind(listen).await?;
    println!("MPGram Home demo is serving at {url}");
    println!("On the phone: Instance URL {url}, then \"Import session\" with the token below.");
    println!("token: {token}");
    serve_until_ctrl_c(listeners, state).await?;
    drop(dc);
    Ok(())
}

/// Loads the Telegram login saved by `mpgram login`.
// The vault (store/) comes from another engineer; until then there is nothing to load.
fn load_session(_data_dir: Option<&Path>) -> anyhow::Result<(StoredSession, ApiCredentials)> {
    anyhow::bail!("No Telegram account is set up yet: run `mpgram login` first")
}

async fn serve(listen: Option<SocketAddr>, data_dir: Option<PathBuf>) -> anyhow::Result<()> {
    let (stored, credentials) = load_session(data_dir.as_deref())?;
    let account = Account::start(stored, credentials);
    let devices = Arc::new(MemoryDevices::new());
    let state = AppState::new(account, devices, ServerConfig::default());
    let (listeners, url) = bind(listen).await?;
    println!("MPGram Home is serving at {url}");
    serve_until_ctrl_c(listeners, state).await
}

async fn serve_until_ctrl_c(listeners: Vec<TcpListener>, state: AppState) -> anyhow::Result<()> {
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let router = server::router(state);
    let mut tasks = Vec::new();
    for l in listeners {
        let mut rx = stop_rx.clone();
        let router = router.clone();
        tasks.push(tokio::spawn(async move {
            server::run(l, router, async move {
                let _ = rx.wait_for(|stop| *stop).await;
            })
            .await
        }));
    }
    let _ = tokio::signal::ctrl_c().await;
    let _ = stop_tx.send(true);
    for t in tasks {
        t.await.context("server task failed")??;
    }
    Ok(())
}
