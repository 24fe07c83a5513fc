//! The tray role (the default): the core ([`mpgram::service::Service`]: API server, pairing, vault,
//! control API), the tray icon and notifications. It never creates a webview and does not even link
//! WebKit: this binary uses the tray crate and GTK directly, not Tauri. The window is another
//! executable (`mpgram-home-window`) that it spawns and that ends when closed, so what stays running
//! all day is small (ARCHITECTURE.md, "Measured").

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use anyhow::Context as _;
use mpgram::control::client::ControlClient;
use mpgram::control::{ServiceState, Status};
use mpgram::service::{FromFront, Options, Service, ToFront};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;
use tray_icon::menu::{Menu, MenuEvent, MenuItem, PredefinedMenuItem};
use tray_icon::{Icon, TrayIcon, TrayIconBuilder};

/// How the tray process was asked to run.
pub struct TrayArgs {
    pub data_dir: PathBuf,
    pub demo: bool,
    pub listen: Option<std::net::SocketAddr>,
    pub hidden: bool,
    pub insecure_key_file: Option<PathBuf>,
    /// `--gateway`: the router for "Reach from mobile data".
    pub gateway: Option<String>,
}

/// Asks a tray process already running on `data_dir` to show its window. `true`: it did, so this
/// launch has nothing more to do.
pub fn hand_over_to_running(data_dir: &Path) -> bool {
    let Ok(control) = ControlClient::open(data_dir) else {
        return false;
    };
    let Ok(rt) = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    else {
        return false;
    };
    rt.block_on(async {
        tokio::time::timeout(
            Duration::from_secs(3),
            control.post("/v1/window/open", None),
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

/// Whether this process set `GDK_GL=disable` for itself (then its children must not inherit it).
static GL_DISABLED_HERE: AtomicBool = AtomicBool::new(false);

/// A command for a child process (the window, notify-send, xdg-open), without this process's own
/// `GDK_GL=disable`.
fn command(program: impl AsRef<OsStr>) -> Command {
    let mut c = Command::new(program);
    if GL_DISABLED_HERE.load(Ordering::SeqCst) {
        c.env_remove("GDK_GL");
    }
    c
}

/// The window executable: `mpgram-home-window` next to this one.
pub fn window_exe() -> std::io::Result<PathBuf> {
    let exe = std::env::current_exe()?;
    Ok(exe.with_file_name(format!(
        "mpgram-home-window{}",
        std::env::consts::EXE_SUFFIX
    )))
}

/// A running window process: sending on the sender ends it; the task (which reaps it) ends with it.
type Running = (oneshot::Sender<()>, JoinHandle<()>);

/// The window process, when one runs.
#[derive(Clone)]
struct WindowProcess {
    data_dir: PathBuf,
    child: Arc<Mutex<Option<Running>>>,
    from_front: mpsc::UnboundedSender<FromFront>,
    runtime: tokio::runtime::Handle,
}

impl WindowProcess {
    fn running(&self) -> bool {
        self.child
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .as_ref()
            .is_some_and(|(_, task)| !task.is_finished())
    }

    /// Brings the window up: focuses the running one, or starts a window process.
    fn open(&self) {
        if self.running() {
            let _ = self.from_front.send(FromFront::FocusWindow);
            return;
        }
        let exe = match window_exe() {
            Ok(e) => e,
            Err(e) => {
                tracing::error!("cannot find the window program: {e}");
                return;
            }
        };
        let mut cmd = tokio::process::Command::from(command(&exe));
        cmd.arg("--data-dir")
            .arg(&self.data_dir)
            .stdin(Stdio::null())
            .kill_on_drop(true);
        // Spawned inside the runtime: tokio reaps the process when it ends (no zombie left behind).
        let _guard = self.runtime.enter();
        match cmd.spawn() {
            Ok(mut child) => {
                let (kill_tx, kill_rx) = oneshot::channel();
                let task = self.runtime.spawn(async move {
                    tokio::select! {
                        _ = child.wait() => {}
                        _ = kill_rx => {
                            let _ = child.kill().await;
                        }
                    }
                });
                *self.child.lock().unwrap_or_else(PoisonError::into_inner) = Some((kill_tx, task));
            }
            Err(e) => tracing::error!("the window could not start ({}): {e}", exe.display()),
        }
    }

    /// Ends the window process, if one runs, and waits (briefly) until it is gone.
    async fn close(&self) {
        let child = self
            .child
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some((kill, task)) = child {
            let _ = kill.send(());
            let _ = tokio::time::timeout(Duration::from_secs(2), task).await;
        }
    }
}

struct TrayMenu {
    icon: TrayIcon,
    status: MenuItem,
    pause: MenuItem,
    /// The pause item reads "Resume".
    paused: Arc<AtomicBool>,
    base: Option<RgbaImage>,
}

/// The app icon, decoded once.
#[derive(Clone)]
struct RgbaImage {
    rgba: Vec<u8>,
    width: u32,
    height: u32,
}

fn app_icon() -> Option<RgbaImage> {
    let png = include_bytes!("../../icons/128x128.png");
    let img = image::load_from_memory_with_format(png, image::ImageFormat::Png)
        .ok()?
        .into_rgba8();
    Some(RgbaImage {
        width: img.width(),
        height: img.height(),
        rgba: img.into_raw(),
    })
}

/// GTK probes OpenGL when it opens the display (unless an earlier GTK program on the same display
/// left its findings on the root window), which maps Mesa and LLVM into the process: ~50 MB that a
/// tray icon never uses. Call first thing in `main`, before any thread starts; the window process
/// does not inherit this (see `command`).
pub fn skip_gl_probe() {
    if std::env::var_os("GDK_GL").is_none() {
        std::env::set_var("GDK_GL", "disable");
        GL_DISABLED_HERE.store(true, Ordering::SeqCst);
    }
}

pub fn run(args: TrayArgs) -> anyhow::Result<()> {
    // Two workers, as the headless `mpgram` binary: phones' requests are I/O, and media conversions
    // run on the blocking pool behind a semaphore. (Tauri's default was one worker per CPU.)
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("the async runtime could not start")?;
    let mut has_tray = appindicator_available();
    if !has_tray {
        tracing::warn!(
            "no tray: libayatana-appindicator3 is not installed (or MPGRAM_NO_TRAY is set); \
             the window opens at start and launching MPGram Home again reopens it"
        );
    } else if let Err(e) = gtk::init() {
        tracing::warn!("no tray: GTK could not start ({e}); the window opens at start");
        has_tray = false;
    }
    let login_session = std::env::var_os("MPGRAM_LOGIN_SESSION").and_then(|p| {
        let text = std::fs::read_to_string(p).ok()?;
        serde_json::from_str(&text).ok()
    });
    let (to_front_tx, to_front_rx) = mpsc::unbounded_channel();
    let (from_front_tx, from_front_rx) = mpsc::unbounded_channel();
    let service = Service::new(
        Options {
            data_dir: args.data_dir.clone(),
            demo: args.demo,
            listen: args.listen,
            insecure_key_file: args.insecure_key_file,
            login_session,
            reach_gateway: args.gateway,
        },
        to_front_tx,
        from_front_rx,
    );
    let window = WindowProcess {
        data_dir: args.data_dir.clone(),
        child: Arc::new(Mutex::new(None)),
        from_front: from_front_tx.clone(),
        runtime: runtime.handle().clone(),
    };
    let open_at_start = !args.hidden || !has_tray;

    let ff = from_front_tx.clone();
    runtime.spawn(async move {
        // Ctrl+C and the session's SIGTERM shut down as cleanly as Quit.
        wait_for_signal().await;
        let _ = ff.send(FromFront::Quit);
    });
    let (done_tx, done_rx) = oneshot::channel::<()>();
    let w = window.clone();
    let service = runtime.spawn(async move {
        service.run().await;
        w.close().await;
        let _ = done_tx.send(());
    });

    if !has_tray {
        let front = front_events(to_front_rx, None, window, open_at_start);
        runtime.block_on(async move {
            tokio::select! {
                () = front => {}
                _ = done_rx => {}
            }
        });
        let _ = runtime.block_on(service);
        return Ok(());
    }

    // The tray lives on this (the GTK) thread; the service's events reach it through the GLib loop.
    let tray = build_tray(&window, &from_front_tx).context("the tray icon could not be created")?;
    let front = front_events(to_front_rx, Some(tray), window, open_at_start);
    glib::MainContext::default().spawn_local(async move {
        tokio::select! {
            () = front => {}
            _ = done_rx => {}
        }
        gtk::main_quit();
    });
    gtk::main();
    let _ = runtime.block_on(service);
    Ok(())
}

/// What the service tells the front end: the tray's state, notifications, the window.
async fn front_events(
    mut to_front: mpsc::UnboundedReceiver<ToFront>,
    tray: Option<TrayMenu>,
    window: WindowProcess,
    open_at_start: bool,
) {
    let mut opened = !open_at_start;
    while let Some(event) = to_front.recv().await {
        match event {
            ToFront::Status(s) => {
                if let Some(t) = &tray {
                    show_status(t, &s);
                }
                // The control channel is up once a status arrives: the window can connect.
                if !opened {
                    opened = true;
                    window.open();
                }
            }
            ToFront::Pending { name, number } => {
                // D-Bus calls block: keep them off the runtime and the GTK loop.
                let w = window.clone();
                let _ = std::thread::Builder::new()
                    .name("notification".into())
                    .spawn(move || notify_pending(&name, number, &w));
            }
            ToFront::OpenWindow => window.open(),
            ToFront::Autostart(on) => set_autostart(on),
            ToFront::OpenFolder(dir) => open_folder(&dir),
        }
    }
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
    window: &WindowProcess,
    from_front: &mpsc::UnboundedSender<FromFront>,
) -> anyhow::Result<TrayMenu> {
    let status = MenuItem::with_id("status", "Starting…", false, None);
    let open = MenuItem::with_id("open", "Open MPGram Home", true, None);
    let pair = MenuItem::with_id("pair", "Pair a phone", true, None);
    let pause = MenuItem::with_id("pause", "Pause", true, None);
    let quit = MenuItem::with_id("quit", "Quit", true, None);
    let sep = PredefinedMenuItem::separator();
    let sep2 = PredefinedMenuItem::separator();
    let menu = Menu::with_items(&[&status, &sep, &open, &pair, &pause, &sep2, &quit])?;
    let base = app_icon();
    let w = window.clone();
    let ff = from_front.clone();
    let paused = Arc::new(AtomicBool::new(false));
    let p = Arc::clone(&paused);
    MenuEvent::set_event_handler(Some(move |event: MenuEvent| match event.id.as_ref() {
        "open" | "pair" => w.open(),
        "pause" => {
            let _ = ff.send(if p.load(Ordering::SeqCst) {
                FromFront::Resume
            } else {
                FromFront::Pause
            });
        }
        "quit" => {
            let _ = ff.send(FromFront::Quit);
        }
        _ => {}
    }));
    let mut builder = TrayIconBuilder::new()
        .with_id("main")
        .with_tooltip("MPGram Home")
        .with_menu(Box::new(menu));
    if let Some(b) = &base {
        builder = builder.with_icon(Icon::from_rgba(b.rgba.clone(), b.width, b.height)?);
    }
    let icon = builder.build()?;
    Ok(TrayMenu {
        icon,
        status,
        pause,
        paused,
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
    let paused = s.state == ServiceState::Paused;
    tray.paused.store(paused, Ordering::SeqCst);
    tray.status.set_text(&text);
    tray.pause.set_text(if paused { "Resume" } else { "Pause" });
    tray.pause.set_enabled(matches!(
        s.state,
        ServiceState::Serving | ServiceState::Paused
    ));
    let _ = tray.icon.set_tooltip(Some(format!("MPGram Home: {text}")));
    if let Some(base) = &tray.base {
        let dotted = with_dot(base, colour);
        if let Ok(icon) = Icon::from_rgba(dotted.rgba, dotted.width, dotted.height) {
            let _ = tray.icon.set_icon(Some(icon));
        }
    }
}

/// The app icon with a state dot in its lower right corner.
fn with_dot(base: &RgbaImage, rgb: [u8; 3]) -> RgbaImage {
    let (w, h) = (base.width, base.height);
    let mut rgba = base.rgba.clone();
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
    RgbaImage {
        rgba,
        width: w,
        height: h,
    }
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
    if let Err(e) = command("xdg-open").arg(dir).spawn() {
        tracing::error!("the data folder could not be opened: {e}");
    }
}
