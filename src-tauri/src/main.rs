//! `mpgram-home`: the desktop app over the `mpgram` core, in two processes.
//!
//! - Tray role (this binary): the core (API server, pairing, vault, control API), the tray icon and
//!   notifications; never a webview, and it does not link Tauri or WebKit. A second launch on the same
//!   data folder asks the running one to open its window and exits.
//! - Window role (`mpgram-home-window`, next to this binary; `mpgram-home --window` runs it too): the
//!   Tauri window, a client of the tray process's control API. It ends when closed. See
//!   ARCHITECTURE.md for why the roles are separate processes and binaries.

// Release builds on Windows must not open a console window next to the app.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod tray_role;

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context as _;
use clap::Parser;

#[derive(Parser)]
#[command(
    name = "mpgram-home",
    version,
    about = "MPGram Home: serves your Telegram account to the MPGram app on your old phone"
)]
struct Args {
    /// Try it with a built-in demo world (no account; the keyring and the saved login are not touched).
    #[arg(long)]
    demo: bool,
    /// Address the phones connect to (default: the LAN address and loopback, port 8080 or the next free).
    #[arg(long, value_name = "ADDR:PORT")]
    listen: Option<SocketAddr>,
    /// Where the saved login, the paired phones and the settings live.
    #[arg(long, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// Start in the tray without opening the window (used by "Start at login").
    #[arg(long)]
    hidden: bool,
    /// Keep the vault key in this 0600 file instead of the OS keyring (insecure).
    #[arg(long, value_name = "FILE")]
    insecure_key_file: Option<PathBuf>,
    /// "Reach from mobile data" asks only the router at this UPnP description URL
    /// (http://IP:PORT/…), for routers that do not answer discovery.
    #[arg(long, value_name = "URL")]
    gateway: Option<String>,
    /// Run the window (`mpgram-home-window`; not for people).
    #[arg(long, hide = true)]
    window: bool,
}

fn main() -> std::process::ExitCode {
    mpgram::logging::init();
    match run(Args::parse()) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn run(args: Args) -> anyhow::Result<()> {
    let data_dir = match args.data_dir {
        Some(d) => d,
        None => mpgram::store::default_data_dir().context("no data folder")?,
    };
    if args.window {
        return run_window(&data_dir);
    }
    tray_role::skip_gl_probe();
    if tray_role::hand_over_to_running(&data_dir) {
        println!("MPGram Home is already running; its window was opened.");
        return Ok(());
    }
    tray_role::run(tray_role::TrayArgs {
        data_dir,
        demo: args.demo,
        listen: args.listen,
        hidden: args.hidden,
        insecure_key_file: args.insecure_key_file,
        gateway: args.gateway,
    })
}

/// `--window`: becomes `mpgram-home-window` (same process on Unix, so whoever started it, such as
/// WebDriver, keeps its handle).
fn run_window(data_dir: &std::path::Path) -> anyhow::Result<()> {
    let exe = tray_role::window_exe().context("no window program")?;
    let mut cmd = std::process::Command::new(&exe);
    cmd.arg("--data-dir").arg(data_dir);
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt as _;
        let e = cmd.exec();
        Err(e).with_context(|| format!("could not start {}", exe.display()))
    }
    #[cfg(not(unix))]
    {
        let status = cmd
            .status()
            .with_context(|| format!("could not start {}", exe.display()))?;
        std::process::exit(status.code().unwrap_or(1));
    }
}
