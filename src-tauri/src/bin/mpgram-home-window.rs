//! `mpgram-home-window`: the desktop app's window, a Tauri webview over the tray process's loopback
//! control API. The tray process (`mpgram-home`) starts it and it ends when closed; it is a binary of
//! its own so that the tray, which runs all day, never links WebKit (ARCHITECTURE.md, "Measured").

// Release builds on Windows must not open a console window next to the app.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

#[path = "../window_role.rs"]
mod window_role;

use std::path::PathBuf;

use anyhow::Context as _;
use clap::Parser;

#[derive(Parser)]
#[command(
    name = "mpgram-home-window",
    version,
    about = "The MPGram Home window (started by mpgram-home)"
)]
struct Args {
    /// The data folder of the running MPGram Home.
    #[arg(long, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// Accepted for `mpgram-home --window` compatibility; this binary is always the window.
    #[arg(long, hide = true)]
    window: bool,
}

fn main() -> std::process::ExitCode {
    mpgram::logging::init();
    let args = Args::parse();
    let data_dir = match args.data_dir {
        Some(d) => Ok(d),
        None => mpgram::store::default_data_dir().context("no data folder"),
    };
    match data_dir.and_then(window_role::run) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
