//! `mpgram`: the headless MPGram Home server.
//!
//! `mpgram demo` serves an in-process fake Telegram (no account, no network);
//! `mpgram serve` serves the logged-in account.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use mpgram::app::serving::{self, StoredGuestLogout};
use mpgram::control::cli::{self, Action};
use mpgram::control::client::ControlClient;
use mpgram::control::{status::account_info, ControlServer, ControlState, Status};
use mpgram::home::{cli_login, Home};
use mpgram::pairing::{Auth, DeviceInfo, Pairing};
use mpgram::reach::{ReachConfig, ReachSwitch};
use mpgram::server::http::Listening;
use mpgram::server::{listen, AppState, PairingHttp, ServerConfig};
use mpgram::store::KeySource;
use mpgram::telegram::{Account, StoredSession};
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
        /// Where the control channel's file goes (default: a new temporary folder, printed).
        #[arg(long)]
        data_dir: Option<PathBuf>,
        /// Reach from mobile data: ask the home router (UPnP or NAT-PMP/PCP) to let phones reach
        /// this server from the internet, and print the address to type away from home.
        #[arg(long)]
        reach: bool,
        /// The router's UPnP description URL, http://IP:PORT/…, for routers that do not answer
        /// discovery (only this router is asked).
        #[arg(long, value_name = "URL", requires = "reach")]
        gateway: Option<String>,
    },
    /// Serve the logged-in Telegram account.
    Serve {
        /// Address to listen on (default: LAN address and loopback, port 8080 or the next free).
        #[arg(long)]
        listen: Option<SocketAddr>,
        /// Where the vault and settings live.
        #[arg(long)]
        data_dir: Option<PathBuf>,
        /// Keep the vault key in this 0600 file instead of the OS keyring (insecure).
        #[arg(long)]
        insecure_key_file: Option<PathBuf>,
        /// Read the vault key from the systemd credential NAME ($CREDENTIALS_DIRECTORY/NAME), as
        /// the packaged mpgram.service does.
        #[arg(long, value_name = "NAME", conflicts_with = "insecure_key_file")]
        key_credential: Option<String>,
        /// Reach from mobile data: ask the home router (UPnP or NAT-PMP/PCP) to let phones reach
        /// this server from the internet, and print the address to type away from home.
        #[arg(long)]
        reach: bool,
        /// The router's UPnP description URL, http://IP:PORT/…, for routers that do not answer
        /// discovery (only this router is asked).
        #[arg(long, value_name = "URL", requires = "reach")]
        gateway: Option<String>,
    },
    /// Log in to Telegram: a QR code to scan with the Telegram app, or `--phone`.
    Login {
        /// Log in with a phone number (with the country code) instead of a QR code.
        #[arg(long)]
        phone: Option<String>,
        #[arg(long)]
        data_dir: Option<PathBuf>,
        #[arg(long)]
        insecure_key_file: Option<PathBuf>,
    },
    /// Log out of Telegram and delete the saved login and paired devices.
    Logout {
        #[arg(long)]
        data_dir: Option<PathBuf>,
        #[arg(long)]
        insecure_key_file: Option<PathBuf>,
    },
    /// Who is logged in, where the data is kept, and which keyring protects it.
    Status {
        #[arg(long)]
        data_dir: Option<PathBuf>,
        #[arg(long)]
        insecure_key_file: Option<PathBuf>,
    },
    /// Pair a phone with the running MPGram: shows the codes and a QR code until Ctrl-C.
    Pair {
        /// Name for the next phone that pairs (default: what the phone says it is).
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        data_dir: Option<PathBuf>,
    },
    /// List paired devices and phones waiting for approval, with their IDs.
    Devices {
        #[arg(long)]
        data_dir: Option<PathBuf>,
    },
    /// Allow a phone that is waiting for approval.
    Approve {
        id: String,
        #[arg(long)]
        data_dir: Option<PathBuf>,
    },
    /// Refuse a phone that is waiting for approval.
    Deny {
        id: String,
        #[arg(long)]
        data_dir: Option<PathBuf>,
    },
    /// Unpair a device: its next request is refused.
    Revoke {
        id: String,
        #[arg(long)]
        data_dir: Option<PathBuf>,
    },
    /// Write the man pages and shell completions into DIR (for packaging; not for people).
    #[command(hide = true)]
    GenerateDocs { dir: PathBuf },
}

fn main() -> std::process::ExitCode {
    mpgram::logging::init();
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
            // Our errors are sentences already; the chain adds the cause where there is one.
            eprintln!("{e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Demo {
            listen,
            data_dir,
            reach,
            gateway,
        } => {
            let reach = Reach {
                on: reach,
                gateway,
                password_set: false,
            };
            demo(listen, data_dir, reach).await
        }
        Command::Serve {
            listen,
            data_dir,
            insecure_key_file,
            key_credential,
            reach,
            gateway,
        } => {
            let source = match key_credential {
                Some(name) => KeySource::SystemdCredential(name),
                None => KeySource::choose(insecure_key_file),
            };
            let reach = Reach {
                on: reach,
                gateway,
                password_set: false,
            };
            serve(listen, data_dir, source, reach).await
        }
        Command::Login {
            phone,
            data_dir,
            insecure_key_file,
        } => login(phone, data_dir, insecure_key_file).await,
        Command::Logout {
            data_dir,
            insecure_key_file,
        } => {
            let lock = claim(data_dir)?;
            let home = open_home(Some(lock.data_dir().to_owned()), insecure_key_file).await?;
            home.logout().await?;
            println!("Logged out. The saved login and paired devices were deleted.");
            Ok(())
        }
        Command::Status {
            data_dir,
            insecure_key_file,
        } => status(data_dir, insecure_key_file).await,
        Command::Pair { name, data_dir } => {
            let client = control_client(data_dir)?;
            Ok(cli::pair(&client, name, stop_signal()).await?)
        }
        Command::Devices { data_dir } => {
            let client = control_client(data_dir)?;
            Ok(cli::devices(&client, &mut std::io::stdout()).await?)
        }
        Command::Approve { id, data_dir } => device_action(data_dir, Action::Approve, &id).await,
        Command::Deny { id, data_dir } => device_action(data_dir, Action::Deny, &id).await,
        Command::Revoke { id, data_dir } => device_action(data_dir, Action::Revoke, &id).await,
        Command::GenerateDocs { dir } => generate_docs(&dir),
    }
}

/// The control channel of the MPGram running on the data folder (same default as `serve`).
fn control_client(data_dir: Option<PathBuf>) -> anyhow::Result<ControlClient> {
    let dir = match data_dir {
        Some(d) => d,
        None => mpgram::store::default_data_dir()?,
    };
    Ok(ControlClient::open(&dir)?)
}

async fn device_action(data_dir: Option<PathBuf>, action: Action, id: &str) -> anyhow::Result<()> {
    let client = control_client(data_dir)?;
    println!("{}", cli::act(&client, action, id).await?);
    Ok(())
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

/// `--reach` and `--gateway`.
struct Reach {
    on: bool,
    gateway: Option<String>,
    /// Whether phones need an instance password (the demo has none).
    password_set: bool,
}

impl Reach {
    /// The switch for the server on `listeners` (off until [`Reach::start`]).
    fn switch(&self, listeners: &[TcpListener]) -> anyhow::Result<ReachSwitch> {
        let port = listeners
            .first()
            .and_then(|l| l.local_addr().ok())
            .map(|a| a.port())
            .context("no listening socket")?;
        let config = ReachConfig::new(port).with_gateway(self.gateway.as_deref())?;
        Ok(ReachSwitch::new(Some(config)))
    }

    /// Turns reach on when asked, and prints its `away from home:` lines as they come.
    async fn start(&self, switch: &ReachSwitch) {
        if self.on {
            if !self.password_set {
                println!(
                    "Anyone on the internet who finds the address away from home can try it: an \
                     instance password keeps them out (Settings in the window, or \
                     \"instance_password\" in settings.json in the data folder)."
                );
            }
            switch.set(true).await;
            tokio::spawn(print_reach(switch.status()));
        }
    }
}

/// Prints `away from home: …` on a line of its own each time it changes, and in words what to
/// do on paired phones when the public address changed.
async fn print_reach(mut rx: tokio::sync::watch::Receiver<Option<mpgram::reach::ReachStatus>>) {
    let mut last = None;
    loop {
        let status = rx.borrow_and_update().clone();
        if let Some(s) = status {
            let line = s.cli_line();
            if line.is_some() && line != last {
                if let Some(l) = &line {
                    println!("{l}");
                }
                if s.changed_from.is_some() && s.state == mpgram::reach::ReachState::Active {
                    if let Some(m) = &s.message {
                        println!("{m}");
                    }
                }
                last = line;
            }
        }
        if rx.changed().await.is_err() {
            return;
        }
    }
}

async fn demo(
    listen: Option<SocketAddr>,
    data_dir: Option<PathBuf>,
    reach: Reach,
) -> anyhow::Result<()> {
    // Before anything is printed or written, so an early Ctrl-C still removes control.json.
    let stop = stop_signal();
    // The demo keeps nothing but the control file; without a folder it makes a temporary one.
    let (data_dir, _temp) = if let Some(d) = data_dir {
        (d, None)
    } else {
        let t = tempfile::Builder::new()
            .prefix("mpgram-demo-")
            .tempdir()
            .context("could not make a temporary data folder")?;
        (t.path().to_owned(), Some(t))
    };
    let _lock = claim(Some(data_dir.clone()))?;
    let (world, account) = mpgram::demo::start().await?;
    let pairing = Pairing::new();
    // The pre-paired demo device: an import code redeemed at once becomes its token.
    let token = pairing.create_import_code().code;
    let demo_device = DeviceInfo {
        model: Some("Demo phone".into()),
        ..DeviceInfo::default()
    };
    let loopback = std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST);
    if !matches!(
        pairing.authenticate(loopback, &token, &demo_device),
        Auth::Device(_)
    ) {
        anyhow::bail!("the demo device could not be paired");
    }
    // The terminal plays the pairing window: open, with a code to type and one to import.
    pairing.open();
    let user_code = pairing.status().user_code.unwrap_or_default();
    let import = pairing.create_import_code();
    let http = PairingHttp::new(pairing);
    let state = AppState::new(account.clone(), http.clone(), ServerConfig::default());
    let (listeners, url) = bind(listen).await?;
    let switch = reach.switch(&listeners)?;
    let control = start_control(&data_dir, http, &url, true, &account, switch.clone()).await?;
    println!("MPGram Home demo is serving at {url}");
    println!("Data folder: {}", data_dir.display());
    // The labels are the MPGram client's own, word for word, so the person finds the buttons.
    println!(
        "On the phone: Instance URL {url}, then \"Import existing session\" with the token below,"
    );
    println!("or \"Log in using QR code\" and type the user code into the Captcha box,");
    println!("or \"Import existing session\" with the one-time code (valid 10 minutes).");
    println!("token: {token}");
    println!("user code: {user_code}");
    println!("code: {}", import.code);
    reach.start(&switch).await;
    let result = serve_until_ctrl_c(listeners, state, stop).await;
    // Off the router before anything else ends: the mapping must not outlive the server.
    switch.set(false).await;
    control.shutdown().await;
    drop(world);
    result
}

/// Starts the loopback control channel for `mpgram pair|devices|…` and the window, and fills
/// in the account once Telegram says who it is.
async fn start_control(
    data_dir: &std::path::Path,
    http: PairingHttp,
    url: &str,
    demo: bool,
    account: &Account,
    reach: ReachSwitch,
) -> anyhow::Result<ControlServer> {
    let state = ControlState::with_reach(http, url, Status::serving(url, demo), reach);
    let control = ControlServer::start(data_dir, state.clone(), axum::Router::new())
        .await
        .context("the control channel could not start")?;
    let account = account.clone();
    tokio::spawn(async move {
        match account.me().await {
            Ok(me) => state.update_status(|s| s.account = Some(account_info(&me))),
            Err(e) => tracing::warn!("could not ask Telegram who is logged in: {e}"),
        }
    });
    Ok(control)
}

/// Takes the data folder (the default one without `--data-dir`) for this process: a second
/// `serve`, `login`, `logout` or tray on it stops here, naming the process that holds it.
fn claim(data_dir: Option<PathBuf>) -> anyhow::Result<mpgram::store::DataLock> {
    let dir = match data_dir {
        Some(d) => d,
        None => mpgram::store::default_data_dir()?,
    };
    Ok(mpgram::control::claim(&dir)?)
}

/// Opens a data folder's vault (the keyring may block, so off the runtime).
async fn open_home(data_dir: Option<PathBuf>, key_file: Option<PathBuf>) -> anyhow::Result<Home> {
    open_home_with(data_dir, KeySource::choose(key_file)).await
}

async fn open_home_with(data_dir: Option<PathBuf>, source: KeySource) -> anyhow::Result<Home> {
    Ok(
        tokio::task::spawn_blocking(move || Home::open_with(data_dir.as_deref(), &source))
            .await
            .context("opening the vault")??,
    )
}

/// The man pages (`mpgram.1`, `mpgram-serve.1`, …) and bash, zsh and fish completions, made from
/// the clap definitions above so they never drift from the real options. `scripts/package.sh`
/// runs this and ships the files in the .deb.
fn generate_docs(dir: &std::path::Path) -> anyhow::Result<()> {
    use clap::CommandFactory as _;
    use clap_complete::Shell;
    let man = dir.join("man");
    let completions = dir.join("completions");
    for d in [&man, &completions] {
        std::fs::create_dir_all(d).with_context(|| format!("could not create {}", d.display()))?;
    }
    let cmd = Cli::command();
    clap_mangen::generate_to(cmd.clone(), &man)
        .with_context(|| format!("could not write the man pages to {}", man.display()))?;
    for shell in [Shell::Bash, Shell::Zsh, Shell::Fish] {
        clap_complete::generate_to(shell, &mut cmd.clone(), "mpgram", &completions)
            .with_context(|| format!("could not write the {shell} completions"))?;
    }
    println!("{}", dir.display());
    Ok(())
}

async fn login(
    phone: Option<String>,
    data_dir: Option<PathBuf>,
    key_file: Option<PathBuf>,
) -> anyhow::Result<()> {
    let lock = claim(data_dir)?;
    let mut home = open_home(Some(lock.data_dir().to_owned()), key_file).await?;
    let start = home
        .data
        .session
        .clone()
        .unwrap_or_else(StoredSession::fresh);
    let stdin = std::io::stdin();
    let mut input = stdin.lock();
    let mut out = std::io::stdout();
    cli_login(&mut home, phone.as_deref(), start, &mut input, &mut out).await?;
    Ok(())
}

async fn status(data_dir: Option<PathBuf>, key_file: Option<PathBuf>) -> anyhow::Result<()> {
    // What the running server says (it needs no vault: a demo has none).
    let running = match control_client(data_dir.clone()) {
        Ok(client) => client.get("/v1/status").await.ok(),
        Err(_) => None,
    };
    if let Some(s) = &running {
        for line in running_status_lines(s) {
            println!("{line}");
        }
    }
    let home = open_home(data_dir, key_file).await?;
    println!("Data folder: {}", home.vault().data_dir().display());
    println!("Secrets kept by: {}", home.vault().backend());
    let devices = home.data.devices.as_ref().map_or(0, |d| d.devices.len());
    println!("Paired devices: {devices}");
    match home.account() {
        Ok(account) => match account.me().await {
            Ok(me) => println!(
                "Logged in as: {} {}",
                me.first_name.unwrap_or_default(),
                me.last_name.unwrap_or_default()
            ),
            Err(e) => println!("Telegram login saved, but Telegram says: {e}"),
        },
        Err(e) => println!("{e}"),
    }
    Ok(())
}

/// `mpgram status` lines from the running server's `/v1/status`: reach from mobile data (the
/// port mapping, the address away from home) and the last request from outside the home network.
fn running_status_lines(s: &serde_json::Value) -> Vec<String> {
    let mut lines = Vec::new();
    if let Some(url) = s["url"].as_str().filter(|u| !u.is_empty()) {
        lines.push(format!("Serving at: {url}/"));
    }
    let reach = &s["reach"];
    if reach.is_null() {
        lines.push("Reach from mobile data: off".into());
    } else {
        let protocol = match reach["protocol"].as_str() {
            Some("upnp") => " (UPnP)",
            Some("nat_pmp") => " (NAT-PMP)",
            Some("pcp") => " (PCP)",
            _ => "",
        };
        let mapping = match (reach["state"].as_str(), reach["external_port"].as_u64()) {
            (Some("active" | "home_only"), Some(port)) => {
                format!("port mapping active, port {port} on the router{protocol}")
            }
            (Some("starting"), _) => "asking the router".to_owned(),
            _ => "no port mapping".to_owned(),
        };
        lines.push(format!("Reach from mobile data: on, {mapping}"));
        if let Some(ip) = reach["public_ip"].as_str() {
            lines.push(format!("Public address (from the router): {ip}"));
        }
        let status: Result<mpgram::reach::ReachStatus, _> = serde_json::from_value(reach.clone());
        match status.ok().and_then(|r| r.cli_line()) {
            Some(line) => lines.push(line),
            None => {
                if let Some(m) = reach["message"].as_str() {
                    lines.push(m.to_owned());
                }
            }
        }
    }
    let last = s["last_outside_request"]
        .as_i64()
        .and_then(|t| chrono::DateTime::from_timestamp(t, 0))
        .map_or_else(
            || "none since the server started".to_owned(),
            |t| {
                t.with_timezone(&chrono::Local)
                    .format("%Y-%m-%d %H:%M:%S")
                    .to_string()
            },
        );
    lines.push(format!(
        "Last request from outside the home network: {last}"
    ));
    lines
}

async fn serve(
    listen: Option<SocketAddr>,
    data_dir: Option<PathBuf>,
    source: KeySource,
    mut reach: Reach,
) -> anyhow::Result<()> {
    let stop = stop_signal();
    let _lock = claim(data_dir.clone())?;
    let home = open_home_with(data_dir, source).await?;
    let account = home.account()?;
    let pairing = Pairing::new();
    if let Some(devices) = home.data.devices.clone() {
        pairing.restore(devices);
    }
    let settings = mpgram::control::settings::Settings::load(home.vault().data_dir());
    // "Reach from mobile data", from the command line or the window's setting.
    reach.on |= settings.reach;
    // The window's instance password, as the tray applies it (it matters most with reach on).
    let config = ServerConfig {
        instance_password: settings.instance_password(),
        ..ServerConfig::default()
    };
    reach.password_set = config.instance_password.is_some();
    let wired = serving::wire_account(
        &home,
        &account,
        &pairing,
        &settings,
        config,
        StoredGuestLogout::First,
    )
    .await;
    let (listeners, url) = bind(listen).await?;
    let switch = reach.switch(&listeners)?;
    let control = start_control(
        home.vault().data_dir(),
        wired.http,
        &url,
        false,
        &account,
        switch.clone(),
    )
    .await?;
    println!("MPGram Home is serving at {url}");
    reach.start(&switch).await;
    let result = serve_until_ctrl_c(listeners, wired.state, stop).await;
    switch.set(false).await;
    control.shutdown().await;
    wired.saver.finish().await;
    result
}

async fn serve_until_ctrl_c(
    listeners: Vec<TcpListener>,
    state: AppState,
    stop: impl std::future::Future<Output = ()>,
) -> anyhow::Result<()> {
    let listening = Listening::start(listeners, &state);
    stop.await;
    // Open long polls get their (empty) answer instead of a dropped connection.
    listening.stop(None).await?;
    Ok(())
}

/// Ctrl-C, or (on unix) SIGTERM/SIGHUP: the ways a terminal or a service manager asks to stop.
/// The handlers are installed when this is called, not when the future is first polled, so a
/// Ctrl-C that comes early still ends the command cleanly.
fn stop_signal() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let streams = (
            signal(SignalKind::interrupt()),
            signal(SignalKind::terminate()),
            signal(SignalKind::hangup()),
        );
        async move {
            if let (Ok(mut int), Ok(mut term), Ok(mut hup)) = streams {
                tokio::select! {
                    _ = int.recv() => {}
                    _ = term.recv() => {}
                    _ = hup.recv() => {}
                }
            } else {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    async {
        let _ = tokio::signal::ctrl_c().await;
    }
}
