//! The tray role (the default): the core ([`mpgram::service::Service`]: API server, pairing, vault,
//! control API), the tray icon and notifications. It never creates a webview: the window is another
//! process (`--window`) that it spawns and that ends when closed, so what stays running all day is small.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use mpgram::control::{ServiceState, Status};
use mpgram::service::{FromFront, Options, Service, ToFront};
use tauri::image::Image;
use tauri::menu::{Menu, MenuItem, PredefinedMenuItem};
use tauri::tray::{TrayIcon, TrayIconBuilder};
use tauri::{AppHandle, RunEvent};
use tokio::sync::mpsc;

use crate::control_client::Control;

/// How the tray process was asked to run.
pub struct TrayArgs {
    pub data_dir: PathBuf,
    pub demo: bool,
    pub listen: Option<std::net::SocketAddr>,
    pub hidden: bool,
    pub insecure_key_file: Option<PathBuf>,
}

/// Asks a tray process already running on `data_dir` to show its window. `true`: it did, so this
/// launch has nothing more to do.
pub fn hand_over_to_running(data_dir: &Path) -> bool {
    let control = Control::new(data_dir.to_owned());
    if control.endpoint().is_none() {
        return false;
    }
    let Ok(rt) = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    else {
        return false;
    };
    rt.block_on(async {
        tokio::time::timeout(
            Duration::from_secs(3),
            control.call("POST", "/v1/window/open", None),
        )
        .await
        .is_ok_and(|r| r.is_ok())
    })
}

/// Whether the tray can be shown: the tray crate loads libayatana-appindicator (or libappindicator) at
/// run time and panics without it, with no error to catch, so look before building it.
pub fn appindicator_available() -> bool {
    const NAMES: [&str; 2] = ["libayatana-appindicator3.so.1", "libappindicator3.so.1"];
    if std::env::var_os("MPGRAM_NO_TRAY").is_some() {
        return false;
    }
    for ldconfig in ["ldconfig", "/sbin/ldconfig", "/usr/sbin/ldconfig"] {
        if let Ok(out) = Command::new(ldconfig).arg("-p").output() {
            if out.status.success() {
                let text = String::from_utf8_lossy(&out.stdout);
                return NAMES.iter().any(|n| text.contains(n));
            }
        }
    }
    let mut dirs: Vec<PathBuf> = std::env::var_os("LD_LIBRARY_PATH")
        .map(|p| std::env::split_paths(&p).collect())
        .unwrap_or_default();
    for d in [
        "/usr/lib",
        "/usr/lib64",
        "/lib",
        "/usr/lib/x86_64-linux-gnu",
        "/usr/lib/aarch64-linux-gnu",
    ] {
        dirs.push(PathBuf::from(d));
    }
    dirs.iter()
        .any(|d| NAMES.iter().any(|n| d.join(n).exists()))
}

/// The window process, when one runs.
#[derive(Clone)]
struct WindowProcess {
    data_dir: PathBuf,
    child: Arc<Mutex<Option<Child>>>,
    from_front: mpsc::UnboundedSender<FromFront>,
}

impl WindowProcess {
    fn running(&self) -> bool {
        let mut guard = self.child.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(Ok(None)) = guard.as_mut().map(Child::try_wait) {
            true
        } else {
            *guard = None;
            false
        }
    }

    /// Brings the window up: focuses the running one, or starts a window process.
    fn open(&self) {
        if self.running() {
            let _ = self.from_front.send(FromFront::FocusWindow);
            return;
        }
        let exe = match std::env::current_exe() {
            Ok(e) => e,
            Err(e) => {
                tracing::error!("cannot find this program to open the window: {e}");
                return;
            }
        };
        match Command::new(exe)
            .arg("--window")
            .arg("--data-dir")
            .arg(&self.data_dir)
            .stdin(Stdio::null())
            .spawn()
        {
            Ok(child) => {
                *self.child.lock().unwrap_or_else(PoisonError::into_inner) = Some(child);
            }
            Err(e) => tracing::error!("the window could not start: {e}"),
        }
    }

    fn close(&self) {
        if let Some(mut c) = self
            .child
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
        {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

struct TrayMenu {
    icon: TrayIcon,
    status: MenuItem<tauri::Wry>,
    pause: MenuItem<tauri::Wry>,
    base: Option<Image<'static>>,
}

pub fn run(args: TrayArgs) -> anyhow::Result<()> {
    let has_tray = appindicator_available();
    if !has_tray {
        tracing::warn!(
            "no tray: libayatana-appindicator3 is not installed (or MPGRAM_NO_TRAY is set); \
             the window opens at start and launching MPGram Home again reopens it"
        );
    }
    let login_session = std::env::var_os("MPGRAM_LOGIN_SESSION").and_then(|p| {
        let text = std::fs::read_to_string(p).ok()?;
        serde_json::from_str(&text).ok()
    });
    let (to_front_tx, mut to_front_rx) = mpsc::unbounded_channel();
    let (from_front_tx, from_front_rx) = mpsc::unbounded_channel();
    let service = Service::new(
        Options {
            data_dir: args.data_dir.clone(),
            demo: args.demo,
            listen: args.listen,
            insecure_key_file: args.insecure_key_file,
            login_session,
        },
        to_front_tx,
        from_front_rx,
    );
    let window = WindowProcess {
        data_dir: args.data_dir.clone(),
        child: Arc::new(Mutex::new(None)),
        from_front: from_front_tx.clone(),
    };
    let open_at_start = !args.hidden || !has_tray;

    let app = tauri::Builder::default()
        .setup(move |app| {
            let handle = app.handle().clone();
            let tray = if has_tray {
                Some(build_tray(&handle, &window, &from_front_tx)?)
            } else {
                None
            };
            let ff = from_front_tx.clone();
            tauri::async_runtime::spawn(async move {
                // Ctrl+C and the session's SIGTERM shut down as cleanly as Quit.
                wait_for_signal().await;
                let _ = ff.send(FromFront::Quit);
            });
            let w = window.clone();
            let h = handle.clone();
            tauri::async_runtime::spawn(async move {
                service.run().await;
                w.close();
                h.exit(0);
            });
            let w = window.clone();
            tauri::async_runtime::spawn(async move {
                let mut opened = !open_at_start;
                while let Some(event) = to_front_rx.recv().await {
                    match event {
                        ToFront::Status(s) => {
                            if let Some(t) = &tray {
                                show_status(t, &s);
                            }
                            // The control channel is up once a status arrives: the window can connect.
                            if !opened {
                                opened = true;
                                w.open();
                            }
                        }
                        ToFront::Pending { name, number } => {
                            // D-Bus calls block: keep them off the runtime.
                            let w = w.clone();
                            let _ = std::thread::Builder::new()
                                .name("notification".into())
                                .spawn(move || notify_pending(&name, number, &w));
                        }
                        ToFront::OpenWindow => w.open(),
                        ToFront::Autostart(on) => set_autostart(on),
                        ToFront::OpenFolder(dir) => open_folder(&dir),
                    }
                }
            });
            Ok(())
        })
        .build(tauri::generate_context!())?;
    app.run(|_app, event| {
        // The tray process has no windows; it ends only through Quit.
        if let RunEvent::ExitRequested { api, code, .. } = event {
            if code.is_none() {
                api.prevent_exit();
            }
        }
    });
    Ok(())
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = term.recv() => {}
                _ = tokio::signal::ctrl_c() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

fn build_tray(
    app: &AppHandle,
    window: &WindowProcess,
    from_front: &mpsc::UnboundedSender<FromFront>,
) -> tauri::Result<TrayMenu> {
    let status = MenuItem::with_id(app, "status", "Starting…", false, None::<&str>)?;
    let open = MenuItem::with_id(app, "open", "Open MPGram Home", true, None::<&str>)?;
    let pair = MenuItem::with_id(app, "pair", "Pair a phone", true, None::<&str>)?;
    let pause = MenuItem::with_id(app, "pause", "Pause", true, None::<&str>)?;
    let quit = MenuItem::with_id(app, "quit", "Quit", true, None::<&str>)?;
    let sep = PredefinedMenuItem::separator(app)?;
    let sep2 = PredefinedMenuItem::separator(app)?;
    let menu = Menu::with_items(app, &[&status, &sep, &open, &pair, &pause, &sep2, &quit])?;
    let base = app.default_window_icon().map(|i| i.clone().to_owned());
    let w = window.clone();
    let ff = from_front.clone();
    let pause_item = pause.clone();
    let mut builder = TrayIconBuilder::with_id("main")
        .tooltip("MPGram Home")
        .menu(&menu)
        .on_menu_event(move |_app, event| match event.id.as_ref() {
            "open" | "pair" => w.open(),
            "pause" => {
                let paused = pause_item.text().is_ok_and(|t| t == "Resume");
                let _ = ff.send(if paused {
                    FromFront::Resume
                } else {
                    FromFront::Pause
                });
            }
            "quit" => {
                let _ = ff.send(FromFront::Quit);
            }
            _ => {}
        });
    if let Some(b) = &base {
        builder = builder.icon(b.clone());
    }
    let icon = builder.build(app)?;
    Ok(TrayMenu {
        icon,
        status,
        pause,
        base,
    })
}

fn show_status(tray: &TrayMenu, s: &Status) {
    let (text, colour) = match s.state {
        ServiceState::Serving if s.demo => (format!("Demo, serving at {}", s.url), [46, 163, 107]),
        ServiceState::Serving => (format!("Serving at {}", s.url), [46, 163, 107]),
        ServiceState::Paused => ("Paused".to_owned(), [217, 154, 33]),
        ServiceState::NeedsLogin => ("Not logged in".to_owned(), [120, 130, 140]),
        ServiceState::Error => (
            s.error.clone().unwrap_or_else(|| "Error".to_owned()),
            [214, 69, 69],
        ),
    };
    let _ = tray.status.set_text(&text);
    let _ = tray.pause.set_text(if s.state == ServiceState::Paused {
        "Resume"
    } else {
        "Pause"
    });
    let _ = tray.pause.set_enabled(matches!(
        s.state,
        ServiceState::Serving | ServiceState::Paused
    ));
    let _ = tray.icon.set_tooltip(Some(format!("MPGram Home: {text}")));
    if let Some(base) = &tray.base {
        let _ = tray.icon.set_icon(Some(with_dot(base, colour)));
    }
}

/// The app icon with a state dot in its lower right corner.
fn with_dot(base: &Image<'_>, rgb: [u8; 3]) -> Image<'static> {
    let (w, h) = (base.width(), base.height());
    let mut rgba = base.rgba().to_vec();
    let r = (w.min(h) as f32) * 0.2;
    let (cx, cy) = (w as f32 - r - 1.0, h as f32 - r - 1.0);
    for y in 0..h {
        for x in 0..w {
            let (dx, dy) = (x as f32 + 0.5 - cx, y as f32 + 0.5 - cy);
            let d = (dx * dx + dy * dy).sqrt();
            let i = ((y * w + x) * 4) as usize;
            if d <= r {
                rgba[i..i + 4].copy_from_slice(&[rgb[0], rgb[1], rgb[2], 255]);
            } else if d <= r + 1.5 {
                rgba[i..i + 4].copy_from_slice(&[255, 255, 255, 255]);
            }
        }
    }
    Image::new_owned(rgba, w, h)
}

/// A desktop notification for a phone waiting for Allow; clicking it (or its "Open" button) opens the
/// window with the approval card. Without a notification server the request is only logged: the
/// window and the tray still show it.
fn notify_pending(name: &str, number: u8, window: &WindowProcess) {
    let body =
        format!("{name} wants to pair. Allow it in MPGram Home if the phone shows {number}.");
    let shown = notify_rust::Notification::new()
        .appname("MPGram Home")
        .summary("A phone wants to pair")
        .body(&body)
        .action("default", "Open MPGram Home")
        .timeout(notify_rust::Timeout::Milliseconds(60_000))
        .show();
    match shown {
        // Waits (on this thread) until the notification is clicked or closed.
        Ok(handle) => handle.wait_for_action(|action| {
            if action == "default" {
                window.open();
            }
        }),
        Err(e) => tracing::info!("{body} (no desktop notification: {e})"),
    }
}

/// The "Start at login" entry: starts the tray process hidden (XDG autostart on Linux, the platform's
/// own mechanism elsewhere).
fn autostart() -> Option<auto_launch::AutoLaunch> {
    let exe = std::env::current_exe().ok()?;
    let mut path = exe.to_string_lossy().into_owned();
    // The crate writes `Exec=PATH ARGS` as is: a path with spaces needs the desktop entry's quotes.
    if cfg!(target_os = "linux") && path.contains(' ') {
        path = format!("\"{path}\"");
    }
    auto_launch::AutoLaunchBuilder::new()
        .set_app_name("MPGram Home")
        .set_app_path(&path)
        .set_args(&["--hidden"])
        .build()
        .map_err(|e| tracing::error!("start at login is not available: {e}"))
        .ok()
}

fn set_autostart(on: bool) {
    let Some(entry) = autostart() else {
        return;
    };
    let done = if on { entry.enable() } else { entry.disable() };
    if let Err(e) = done {
        // Disabling an entry that was never written is fine.
        if on || entry.is_enabled().unwrap_or(false) {
            tracing::error!("start at login could not be set: {e}");
        }
    }
}

fn open_folder(dir: &Path) {
    if let Err(e) = Command::new("xdg-open").arg(dir).spawn() {
        tracing::error!("the data folder could not be opened: {e}");
    }
}
