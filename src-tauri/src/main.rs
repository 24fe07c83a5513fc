//! `mpgram-home`: the desktop front end (window now, tray later) over the `mpgram` core.
//!
//! For now it only opens the main window (declared in `tauri.conf.json`), which shows the static page in
//! `ui/`. The tray role and the control-API client come later; business logic never lives here.

// Release builds on Windows must not open a console window next to the app.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() -> Result<(), tauri::Error> {
    tauri::Builder::default().run(tauri::generate_context!())
}
