//! The desktop app's core, as its tray process runs it: one data folder served, moving between
//! "needs login", "serving the account" and the demo world without the process restarting.
//!
//! Each of those is a [`Session`]: its own pairing, API server (when there is an account) and control
//! server (a fresh port and secret in `control.json`; the window rereads the file and reconnects). The
//! control API's desktop routes ([`control::login`], [`control::settings`], [`control::window`]) ask for
//! the next session through [`Next`]; the tray talks to the service through [`FromFront`] / [`ToFront`].

use std::collections::HashSet;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::app::serving::{self, StoredGuestLogout};
use crate::app::Saver;
use crate::control::settings::Settings;
use crate::control::status::account_info;
use crate::control::{self, ControlServer, ControlState, ServiceState, Status};
use crate::home::Home;
use crate::pairing::{Change, Pairing};
use crate::reach::{ReachConfig, ReachSwitch};
use crate::server::http::Listening;
use crate::server::{listen, AppState, ServerConfig};
use crate::telegram::{Account, StoredSession};

/// How the tray process was started.
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub data_dir: PathBuf,
    /// Start in the demo world (nothing touches the keyring or the vault).
    pub demo: bool,
    /// Overrides the settings' port and interface.
    pub listen: Option<SocketAddr>,
    pub insecure_key_file: Option<PathBuf>,
    /// Where a new login starts (tests point it at fakegram); `None`: Telegram's DCs.
    pub login_session: Option<StoredSession>,
    /// "Reach from mobile data" asks only this router (its UPnP description URL) instead of
    /// searching the network (`--gateway`; tests point it at a fake router on loopback).
    pub reach_gateway: Option<String>,
}

/// What the service tells the front end (tray icon, notifications, window process).
#[derive(Debug, Clone)]
pub enum ToFront {
    Status(Status),
    /// A phone waits for Allow/Deny.
    Pending {
        name: String,
        number: u8,
    },
    /// Someone asked for the window (a second launch, the CLI).
    OpenWindow,
    /// "Start at login" changed.
    Autostart(bool),
    /// "Open data folder".
    OpenFolder(PathBuf),
}

/// What the front end asks of the service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FromFront {
    /// The window process is running: tell it to come to the front.
    FocusWindow,
    Pause,
    Resume,
    /// Shut down cleanly: phones' long polls answered, vault saved, `control.json` removed.
    Quit,
}

/// What comes after the current session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    /// The stored account (or the login screens when there is none).
    Account,
    Demo,
    /// Log out of Telegram, wipe the vault, then the login screens.
    Logout,
    /// The same again (settings that need a new listener).
    Restart,
    Quit,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// What the desktop routes of one session share; cheap to clone.
#[derive(Clone)]
pub struct Desk(Arc<DeskInner>);

struct DeskInner {
    control: ControlState,
    data_dir: PathBuf,
    demo: bool,
    next: mpsc::UnboundedSender<Next>,
    to_front: mpsc::UnboundedSender<ToFront>,
    settings: Mutex<Settings>,
    /// The vault, while nobody is logged in (the login routes need it); `None` in the demo.
    home: Option<Arc<Mutex<Home>>>,
    login_session: Option<StoredSession>,
    login: Mutex<Option<control::login::Flow>>,
    window_visible: AtomicBool,
}

impl Desk {
    pub fn control(&self) -> &ControlState {
        &self.0.control
    }
    pub fn data_dir(&self) -> &Path {
        &self.0.data_dir
    }
    pub fn demo(&self) -> bool {
        self.0.demo
    }
    pub fn request(&self, next: Next) {
        let _ = self.0.next.send(next);
    }
    pub fn tell_front(&self, event: ToFront) {
        let _ = self.0.to_front.send(event);
    }
    pub fn settings(&self) -> Settings {
        lock(&self.0.settings).clone()
    }
    pub fn set_settings(&self, s: Settings) {
        *lock(&self.0.settings) = s;
    }
    pub fn home(&self) -> Option<&Arc<Mutex<Home>>> {
        self.0.home.as_ref()
    }
    pub fn login_session(&self) -> Option<StoredSession> {
        self.0.login_session.clone()
    }
    pub fn login(&self) -> std::sync::MutexGuard<'_, Option<control::login::Flow>> {
        lock(&self.0.login)
    }
    pub fn set_window_visible(&self, on: bool) {
        self.0.window_visible.store(on, Ordering::SeqCst);
    }
    pub fn window_visible(&self) -> bool {
        self.0.window_visible.load(Ordering::SeqCst)
    }
}

/// The tray process's core: runs sessions until [`FromFront::Quit`].
pub struct Service {
    opts: Options,
    to_front: mpsc::UnboundedSender<ToFront>,
    from_front: mpsc::UnboundedReceiver<FromFront>,
    paused: Arc<AtomicBool>,
}

impl Service {
    pub fn new(
        opts: Options,
        to_front: mpsc::UnboundedSender<ToFront>,
        from_front: mpsc::UnboundedReceiver<FromFront>,
    ) -> Self {
        Self {
            opts,
            to_front,
            from_front,
            paused: Arc::new(AtomicBool::new(false)),
        }
    }

    pub async fn run(mut self) {
        // One process per data folder, for the whole life of the tray (every session below).
        let _lock = match control::claim(&self.opts.data_dir) {
            Ok(lock) => lock,
            Err(e) => {
                tracing::error!("MPGram Home could not start: {e}");
                self.fail(e.to_string()).await;
                return;
            }
        };
        let mut mode = if self.opts.demo {
            Next::Demo
        } else {
            Next::Account
        };
        loop {
            let (next_tx, mut next_rx) = mpsc::unbounded_channel();
            let session =
                match Session::start(mode, &self.opts, &self.to_front, next_tx, &self.paused).await
                {
                    Ok(s) => s,
                    Err(e) => {
                        tracing::error!("MPGram Home could not start: {e:#}");
                        self.fail(format!("{e:#}")).await;
                        return;
                    }
                };
            let next = loop {
                tokio::select! {
                    n = next_rx.recv() => break n.unwrap_or(Next::Quit),
                    f = self.from_front.recv() => match f {
                        Some(FromFront::Quit) | None => break Next::Quit,
                        Some(FromFront::FocusWindow) => session.desk.control().events().publish(
                            control::events::OPEN_WINDOW, &serde_json::json!({})),
                        Some(FromFront::Pause) => session.set_paused(&self.paused, true),
                        Some(FromFront::Resume) => session.set_paused(&self.paused, false),
                    },
                }
            };
            session.stop().await;
            mode = match next {
                Next::Quit => return,
                Next::Restart => mode,
                Next::Logout => {
                    if mode != Next::Demo {
                        self.logout().await;
                    }
                    Next::Account
                }
                other => other,
            };
        }
    }

    /// Nothing to serve and no control channel: the tray shows the error and offers Quit.
    async fn fail(&mut self, error: String) {
        let mut status = Status::serving("", false);
        status.state = ServiceState::Error;
        status.error = Some(error);
        let _ = self.to_front.send(ToFront::Status(status));
        loop {
            match self.from_front.recv().await {
                Some(FromFront::Quit) | None => return,
                _ => {}
            }
        }
    }

    async fn logout(&self) {
        let dir = self.opts.data_dir.clone();
        let key = self.opts.insecure_key_file.clone();
        let home = tokio::task::spawn_blocking(move || Home::open(Some(&dir), key)).await;
        match home {
            Ok(Ok(home)) => {
                if let Err(e) = home.logout().await {
                    tracing::error!("logging out failed: {e}");
                }
            }
            Ok(Err(e)) => tracing::error!("logging out: the vault did not open: {e}"),
            Err(e) => tracing::error!("logging out: {e}"),
        }
    }
}

/// One running session.
struct Session {
    desk: Desk,
    control: ControlServer,
    /// The API server, when there is an account to serve.
    listening: Option<Listening>,
    helpers: Vec<JoinHandle<()>>,
    saver: Option<Saver>,
    /// The demo world's fake Telegram, kept alive while the session runs.
    _dc: Option<crate::demo::World>,
}

impl Session {
    async fn start(
        mode: Next,
        opts: &Options,
        to_front: &mpsc::UnboundedSender<ToFront>,
        next: mpsc::UnboundedSender<Next>,
        paused: &Arc<AtomicBool>,
    ) -> anyhow::Result<Self> {
        use anyhow::Context as _;
        let settings = Settings::load(&opts.data_dir);
        let pairing = Pairing::new();
        pairing.set_ask_before_pairing(settings.ask_before_pairing);
        let demo = mode == Next::Demo;
        let config = ServerConfig {
            instance_password: settings.instance_password(),
            paused: Arc::clone(paused),
            ..ServerConfig::default()
        };

        // What to serve: the demo world, the stored account, or nothing yet (login screens).
        let mut dc = None;
        let mut home = None;
        let mut saver = None;
        let mut api_state = None;
        let mut pairing_http = serving::pairing_front(&pairing, &settings);
        let account = if demo {
            let (world, account) = crate::demo::start().await?;
            dc = Some(world);
            // No phones' own accounts in the demo world: it has one account, the demo's
            // (phoneLogin keeps its pairing meaning there).
            api_state = Some(AppState::new(account.clone(), pairing_http.clone(), config));
            Some(account)
        } else {
            let dir = opts.data_dir.clone();
            let key = opts.insecure_key_file.clone();
            let h = tokio::task::spawn_blocking(move || Home::open(Some(&dir), key))
                .await
                .context("opening the vault")?
                .context("the saved data could not be opened")?;
            if let Some(devices) = h.data.devices.clone() {
                pairing.restore(devices);
            }
            if let Ok(account) = h.account() {
                let wired = serving::wire_account(
                    &h,
                    &account,
                    &pairing,
                    &settings,
                    config,
                    StoredGuestLogout::InBackground,
                )
                .await;
                pairing_http = wired.http;
                api_state = Some(wired.state);
                saver = Some(wired.saver);
                Some(account)
            } else {
                home = Some(Arc::new(Mutex::new(h)));
                None
            }
        };

        // The API server, when there is an account to serve.
        let mut listening = None;
        let mut url = String::new();
        let mut reach = ReachSwitch::disabled();
        if let Some(state) = &api_state {
            let (listeners, shown) = bind(opts.listen.or(settings.listen_addr()), &settings)
                .await
                .context("the server could not listen")?;
            url = shown;
            if let Some(port) = listeners.first().and_then(|l| l.local_addr().ok()) {
                let config = ReachConfig::new(port.port())
                    .with_gateway(opts.reach_gateway.as_deref())
                    .context("the router address for reach is not usable")?;
                reach = ReachSwitch::new(Some(config));
            }
            listening = Some(Listening::start(listeners, state));
            tracing::info!("serving at {url}");
        }

        let mut status = Status::serving(&url, demo);
        if account.is_none() {
            status.state = ServiceState::NeedsLogin;
        } else if paused.load(Ordering::SeqCst) {
            status.state = ServiceState::Paused;
        }
        let control_state = ControlState::with_reach(pairing_http, &url, status, reach.clone());
        let reach_on = settings.reach;
        let desk = Desk(Arc::new(DeskInner {
            control: control_state.clone(),
            data_dir: opts.data_dir.clone(),
            demo,
            next,
            to_front: to_front.clone(),
            settings: Mutex::new(settings),
            home,
            login_session: opts.login_session.clone(),
            login: Mutex::new(None),
            window_visible: AtomicBool::new(false),
        }));
        let extra = control::login::routes(desk.clone())
            .merge(control::settings::routes(desk.clone()))
            .merge(control::window::routes(desk.clone()));
        let control = ControlServer::start(&opts.data_dir, control_state.clone(), extra)
            .await
            .context("the control channel could not start")?;
        if reach_on {
            reach.set(true).await;
        }

        let mut helpers = vec![
            tokio::spawn(forward_status(control_state.clone(), to_front.clone())),
            tokio::spawn(announce_pending(pairing.clone(), to_front.clone())),
        ];
        if let Some(account) = account {
            helpers.push(tokio::spawn(fill_in_account(control_state, account)));
        }
        Ok(Self {
            desk,
            control,
            listening,
            helpers,
            saver,
            _dc: dc,
        })
    }

    fn set_paused(&self, paused: &AtomicBool, on: bool) {
        paused.store(on, Ordering::SeqCst);
        self.desk.control().update_status(|s| {
            if matches!(s.state, ServiceState::Serving | ServiceState::Paused) {
                s.state = if on {
                    ServiceState::Paused
                } else {
                    ServiceState::Serving
                };
            }
        });
    }

    /// Stops serving (open long polls are answered by the server's graceful shutdown), removes
    /// the port mapping from the router, saves the vault and removes `control.json`.
    async fn stop(self) {
        self.desk.control().reach().set(false).await;
        if let Some(flow) = self.desk.login().take() {
            flow.cancel();
        }
        if let Some(listening) = self.listening {
            // A listener that failed has nothing left to stop.
            let _ = listening.stop(Some(Duration::from_secs(5))).await;
        }
        if let Some(saver) = self.saver {
            saver.finish().await;
        }
        for h in self.helpers {
            h.abort();
        }
        self.control.shutdown().await;
    }
}

async fn bind(
    listen: Option<SocketAddr>,
    settings: &Settings,
) -> std::io::Result<(Vec<TcpListener>, String)> {
    match listen {
        Some(addr) => listen::bind_exact(addr).await,
        None => listen::bind_default(settings.port.unwrap_or(listen::DEFAULT_PORT)).await,
    }
}

async fn forward_status(control: ControlState, to_front: mpsc::UnboundedSender<ToFront>) {
    let mut rx = control.watch_status();
    loop {
        let s = rx.borrow_and_update().clone();
        if to_front.send(ToFront::Status(s)).is_err() || rx.changed().await.is_err() {
            return;
        }
    }
}

/// Tells the front end about each phone that starts waiting for Allow/Deny (once per request).
async fn announce_pending(pairing: Pairing, to_front: mpsc::UnboundedSender<ToFront>) {
    let mut changes = pairing.subscribe();
    let mut seen = HashSet::new();
    loop {
        match changes.recv().await {
            Ok(Change::Devices) | Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
            Ok(_) => continue,
            Err(_) => return,
        }
        let pending = pairing.pending();
        let now: HashSet<_> = pending.iter().map(|p| p.id).collect();
        for p in pending {
            if seen.insert(p.id) {
                let _ = to_front.send(ToFront::Pending {
                    name: p.name,
                    number: p.number,
                });
            }
        }
        seen.retain(|id| now.contains(id));
    }
}

/// The account's small picture in the status; a failed download is tried again a few times (a
/// busy or reconnecting Telegram), after which the window keeps the initials.
async fn fill_in_photo(
    control: &ControlState,
    account: &Account,
    me: &grammers_tl_types::types::User,
) {
    use base64::Engine as _;
    for attempt in 0..3u32 {
        match account.own_small_photo(me, Duration::from_secs(20)).await {
            Ok(Some(jpeg)) => {
                let mime = if jpeg.starts_with(b"\x89PNG") {
                    "image/png"
                } else {
                    "image/jpeg"
                };
                let url = format!(
                    "data:{mime};base64,{}",
                    base64::engine::general_purpose::STANDARD.encode(&jpeg)
                );
                control.update_status(|s| {
                    if let Some(a) = s.account.as_mut() {
                        a.photo = Some(url);
                    }
                });
                return;
            }
            Ok(None) => return,
            Err(e) => {
                tracing::info!("the account's picture could not be fetched (try {attempt}): {e}");
            }
        }
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
}

/// The account's name in the status, once Telegram answers.
async fn fill_in_account(control: ControlState, account: Account) {
    for attempt in 0..5u32 {
        match account.me().await {
            Ok(me) => {
                control.update_status(|s| s.account = Some(account_info(&me)));
                // The picture comes second: the name must not wait for a download.
                fill_in_photo(&control, &account, &me).await;
                return;
            }
            Err(e) => {
                tracing::info!("who is logged in is not known yet: {e}");
                if attempt == 4 {
                    control.update_status(|s| s.error = Some(e.to_string()));
                }
            }
        }
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
}
