//! Real browser engines, driven headless against loopback pages, for the tests of the no-JavaScript
//! web client: w3m (text), NetSurf (a graphical engine, JavaScript switched off), headless Chromium
//! (a picture, or a WebDriver session through chromedriver), and HTML Tidy (the markup's errors).
//! Include it with `#[path = "support/engines.rs"] mod engines;`.
//!
//! Every engine runs with a fresh temporary profile (so no cookie or setting carries over between
//! calls), in its own process group that is killed when the call ends, and within a bounded time.
//! Only loopback traffic: each engine's proxy for other hosts is a closed loopback port, and
//! Chromium's host resolver answers "not found" for every name (no DNS query leaves the machine).
//! One thing is left that no flag turns off: Chromium's IPv6 reachability check connects a UDP
//! socket to [2001:4860:4860::8888]:443 and sends nothing on it; that route lookup can make the
//! kernel probe the IPv6 router on the link (one neighbour solicitation, at most once a minute).
//!
//! The Debian packages: `w3m netsurf-gtk tidy chromium chromium-driver` (`scripts/deps.sh --test`).
//! NetSurf needs an X display (the tests run under `xvfb-run`); the others do not.
//!
//! [`Chrome`] uses reqwest's blocking client: call it from a plain `#[test]` or from
//! `tokio::task::spawn_blocking`, never directly on a tokio runtime's thread.

#![allow(dead_code, reason = "each test file uses part of it")]

use std::collections::{HashMap, HashSet};
use std::fs::{self, File};
use std::io::ErrorKind;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Mutex, PoisonError};
use std::thread::sleep;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, ensure, Context, Result};
use base64::Engine as _;
use serde_json::{json, Value};

/// A closed loopback port: the proxy every engine is given for hosts other than loopback, so a
/// page that names an outside address reaches nothing (and asks no DNS server).
const DEAD_PROXY: &str = "127.0.0.1:9";

const W3M_TIMEOUT: Duration = Duration::from_secs(30);
const TIDY_TIMEOUT: Duration = Duration::from_secs(30);
const CHROMIUM_TIMEOUT: Duration = Duration::from_mins(1);
/// From NetSurf's start to a settled picture.
const NETSURF_TIMEOUT: Duration = Duration::from_secs(30);
/// A NetSurf picture is settled when this many captures in a row are identical.
const NETSURF_SAME_FRAMES: usize = 3;
const NETSURF_FRAME_GAP: Duration = Duration::from_millis(250);
const X_TOOL_TIMEOUT: Duration = Duration::from_secs(10);
const DRIVER_START_TIMEOUT: Duration = Duration::from_secs(30);
/// Any one WebDriver command (a page load included).
const DRIVER_CALL_TIMEOUT: Duration = Duration::from_mins(1);
const DRIVER_QUIT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long [`Chrome::submit`] waits for the next page.
const NAVIGATION_TIMEOUT: Duration = Duration::from_secs(30);

/// The Chromium command-line flags every run gets: headless, no sandbox (containers), no GPU, and
/// none of the background services that would try the network.
const CHROMIUM_FLAGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    // Even with the flags above, Chromium 156 looks up google.com and accounts.google.com at
    // start: every name resolves to "not found" here, without a DNS query.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost",
    // Outside addresses written as numbers go to a closed loopback port (loopback bypasses it).
    "--proxy-server=http://127.0.0.1:9",
];

const CHROMIUM: &str = "/usr/bin/chromium";

/// True when a GUI engine (NetSurf) can run: `DISPLAY` is set. Without it the calling test fails,
/// unless `MPGRAM_SKIP_GUI_TESTS=1` says the GUI tests are skipped on purpose (the same rule as
/// the window tests of src-tauri).
pub fn gui_available() -> bool {
    if std::env::var_os("DISPLAY").is_none_or(|d| d.is_empty()) {
        assert!(
            std::env::var("MPGRAM_SKIP_GUI_TESTS").is_ok_and(|s| s == "1"),
            "DISPLAY is not set: run under Xvfb (xvfb-run -a -s \"-screen 0 1280x800x24\" cargo \
             test …, or bash scripts/test.sh), or set MPGRAM_SKIP_GUI_TESTS=1"
        );
        eprintln!("skipped: DISPLAY is not set and MPGRAM_SKIP_GUI_TESTS=1");
        return false;
    }
    true
}

// ---------------------------------------------------------------------------------------------
// Processes

/// A process started in its own process group; the whole group is killed when it is dropped.
struct Spawned {
    child: Child,
    name: String,
    status: Option<ExitStatus>,
}

impl Spawned {
    fn start(command: &mut Command, name: &str) -> Result<Self> {
        // Proxies from the environment would send loopback requests elsewhere.
        for var in [
            "http_proxy",
            "https_proxy",
            "HTTP_PROXY",
            "HTTPS_PROXY",
            "all_proxy",
            "ALL_PROXY",
        ] {
            command.env_remove(var);
        }
        command
            .env("no_proxy", "127.0.0.1,localhost")
            .process_group(0);
        let child = command.spawn().with_context(|| {
            format!("{name} could not start (installed? bash scripts/deps.sh --test)")
        })?;
        Ok(Self {
            child,
            name: name.to_owned(),
            status: None,
        })
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The process has ended (a zombie, not yet reaped: its id, which is also its process
    /// group's, stays ours until [`Spawned::reap`]).
    fn ended(&self) -> bool {
        match fs::read_to_string(format!("/proc/{}/stat", self.pid())) {
            Ok(stat) => stat
                .rsplit_once(')')
                .and_then(|(_, rest)| rest.split_whitespace().next())
                .is_none_or(|state| state == "Z" || state == "X"),
            Err(_) => true,
        }
    }

    /// Waits for the end, at most `timeout`; the error says the process was too slow (it is killed
    /// when dropped).
    fn wait(&mut self, timeout: Duration) -> Result<ExitStatus> {
        let start = Instant::now();
        while !self.ended() {
            if start.elapsed() > timeout {
                bail!("{} did not finish within {timeout:?}", self.name);
            }
            sleep(Duration::from_millis(20));
        }
        self.reap()
    }

    /// Kills what is left of the process group, then collects the exit status.
    fn reap(&mut self) -> Result<ExitStatus> {
        if let Some(status) = self.status {
            return Ok(status);
        }
        self.kill_group();
        let status = self
            .child
            .wait()
            .with_context(|| format!("waiting for {}", self.name))?;
        self.status = Some(status);
        Ok(status)
    }

    fn kill_group(&self) {
        if let Ok(pid) = i32::try_from(self.pid()) {
            // ESRCH (the group is already gone) is the normal case after a clean exit.
            let _ = nix::sys::signal::killpg(
                nix::unistd::Pid::from_raw(pid),
                nix::sys::signal::Signal::SIGKILL,
            );
        }
    }
}

impl Drop for Spawned {
    fn drop(&mut self) {
        if self.status.is_none() {
            self.kill_group();
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Runs `command` to its end within `timeout`, its standard output and error into files; returns
/// the exit status and both texts.
fn run(
    command: &mut Command,
    name: &str,
    dir: &Path,
    timeout: Duration,
) -> Result<(ExitStatus, String, String)> {
    let out_path = dir.join(format!("{name}.stdout"));
    let err_path = dir.join(format!("{name}.stderr"));
    command
        .stdin(Stdio::null())
        .stdout(File::create(&out_path).context("stdout file")?)
        .stderr(File::create(&err_path).context("stderr file")?);
    let mut process = Spawned::start(command, name)?;
    let status = process.wait(timeout)?;
    let stdout = String::from_utf8_lossy(&fs::read(&out_path).unwrap_or_default()).into_owned();
    let stderr = String::from_utf8_lossy(&fs::read(&err_path).unwrap_or_default()).into_owned();
    Ok((status, stdout, stderr))
}

fn temp_dir(what: &str) -> Result<tempfile::TempDir> {
    tempfile::Builder::new()
        .prefix(&format!("mpgram-{what}-"))
        .tempdir()
        .with_context(|| format!("a temporary directory for {what}"))
}

// ---------------------------------------------------------------------------------------------
// w3m

/// The page at `url` as w3m shows it, `cols` columns wide (`w3m -dump`, UTF-8). Cookies are
/// accepted and sent back within the one run, so a page that sets a cookie and redirects (303) to
/// another page gets the cookie on that page. Each call starts with no cookies.
pub fn w3m_dump(url: &str, cols: u32) -> Result<String> {
    let home = temp_dir("w3m")?;
    let config_dir = home.path().join(".w3m");
    fs::create_dir(&config_dir).context("~/.w3m")?;
    fs::write(
        config_dir.join("config"),
        format!(
            "use_cookie 1\naccept_cookie 1\naccept_bad_cookie 1\nshow_cookie 0\n\
             use_proxy 1\nhttp_proxy http://{DEAD_PROXY}/\nhttps_proxy http://{DEAD_PROXY}/\n\
             ftp_proxy http://{DEAD_PROXY}/\nno_proxy 127.0.0.1,localhost\n"
        ),
    )
    .context("~/.w3m/config")?;
    let (status, stdout, stderr) = run(
        Command::new("w3m")
            .args(["-dump", "-cols", &cols.to_string(), "-O", "UTF-8", url])
            .env("HOME", home.path())
            .env("TERM", "dumb"),
        "w3m",
        home.path(),
        W3M_TIMEOUT,
    )?;
    // w3m exits 0 even when the page could not be loaded; it says so on stderr.
    ensure!(
        status.success() && !stderr.contains("Can't load"),
        "w3m -dump {url}: {status}, {}",
        stderr.trim()
    );
    Ok(stdout)
}

// ---------------------------------------------------------------------------------------------
// NetSurf

/// One NetSurf window at a time: the windows open at the top left corner of the screen, and a
/// capture of a covered window would show the window in front.
static NETSURF_ONE_WINDOW: Mutex<()> = Mutex::new(());
/// Where the page sits in NetSurf's window, measured once per page size.
static NETSURF_LAYOUT: Mutex<Option<HashMap<(u32, u32), PageArea>>> = Mutex::new(None);

/// The page's part of a NetSurf window: the window is `width + right` × `height + bottom`, the
/// page starts at (`x`, `y`).
#[derive(Clone, Copy, Debug)]
struct PageArea {
    x: u32,
    y: u32,
    right: u32,
    bottom: u32,
}

/// A picture of the page at `url` in NetSurf (3.10, GTK; JavaScript off), saved as PNG to `out`:
/// exactly `width`×`height` pixels of page, without the window's status bar and scroll bars
/// (the window is made larger by those, then cropped). Waits until the picture settles. Cookies
/// and redirects work within the one run. Needs `DISPLAY` (see [`gui_available`]).
pub fn netsurf_shot(url: &str, width: u32, height: u32, out: &Path) -> Result<()> {
    ensure!(
        std::env::var_os("DISPLAY").is_some_and(|d| !d.is_empty()),
        "NetSurf needs an X display: DISPLAY is not set (run under xvfb-run)"
    );
    ensure!(
        width >= 64 && height >= 64,
        "a page of {width}×{height} is too small for NetSurf's window"
    );
    let _one = NETSURF_ONE_WINDOW
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    let _hold = XHold::start()?;
    let area = netsurf_page_area(width, height)?;
    let window = netsurf_capture(url, width + area.right, height + area.bottom)?;
    let page = image::imageops::crop_imm(&window, area.x, area.y, width, height).to_image();
    page.save_with_format(out, image::ImageFormat::Png)
        .with_context(|| format!("writing {}", out.display()))
}

/// Where a `width`×`height` page sits in NetSurf's window: measured with a page that is all
/// magenta, at the window size that should give that page size, and checked (two NetSurf starts,
/// once per size per test process).
fn netsurf_page_area(width: u32, height: u32) -> Result<PageArea> {
    let mut cache = NETSURF_LAYOUT
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    if let Some(area) = cache.get_or_insert_with(HashMap::new).get(&(width, height)) {
        return Ok(*area);
    }
    let dir = temp_dir("netsurf-layout")?;
    let page = dir.path().join("magenta.html");
    fs::write(
        &page,
        "<html><head><title>layout</title><style>html, body {margin: 0; padding: 0; \
         background: #ff00ff}</style></head><body></body></html>",
    )
    .context("the layout page")?;
    let url = format!("file://{}", page.display());
    // First guess: no window parts at all; the second start checks the corrected size.
    let (mut window_width, mut window_height) = (width, height);
    for _ in 0..2 {
        let shot = netsurf_capture(&url, window_width, window_height)?;
        let (x, y, w, h) = magenta_box(&shot).ok_or_else(|| {
            anyhow!("NetSurf showed no page in its {window_width}×{window_height} window")
        })?;
        let area = PageArea {
            x,
            y,
            right: window_width - w - x,
            bottom: window_height - h - y,
        };
        if (w, h) == (width, height) {
            cache
                .get_or_insert_with(HashMap::new)
                .insert((width, height), area);
            return Ok(area);
        }
        window_width = width + x + area.right;
        window_height = height + y + area.bottom;
    }
    bail!("NetSurf's window could not be sized to show a {width}×{height} page")
}

/// The bounding box (x, y, width, height) of the magenta pixels; `None` when there are none or
/// when the box is not all magenta.
fn magenta_box(shot: &image::RgbaImage) -> Option<(u32, u32, u32, u32)> {
    let magenta = |p: &image::Rgba<u8>| p[0] > 240 && p[1] < 16 && p[2] > 240;
    let (mut x0, mut y0, mut x1, mut y1) = (u32::MAX, u32::MAX, 0, 0);
    for (x, y, p) in shot.enumerate_pixels() {
        if magenta(p) {
            x0 = x0.min(x);
            y0 = y0.min(y);
            x1 = x1.max(x);
            y1 = y1.max(y);
        }
    }
    if x0 > x1 {
        return None;
    }
    let (w, h) = (x1 - x0 + 1, y1 - y0 + 1);
    let full = (y0..=y1).all(|y| (x0..=x1).all(|x| magenta(shot.get_pixel(x, y))));
    full.then_some((x0, y0, w, h))
}

/// Starts NetSurf on `url` in a `window_width`×`window_height` window and returns the window's
/// picture once it has settled. NetSurf is killed at the end.
fn netsurf_capture(url: &str, window_width: u32, window_height: u32) -> Result<image::RgbaImage> {
    let (screen_width, screen_height) = display_size()?;
    ensure!(
        window_width <= screen_width && window_height <= screen_height,
        "NetSurf's window ({window_width}×{window_height}) does not fit the screen \
         ({screen_width}×{screen_height})"
    );
    let home = temp_dir("netsurf")?;
    let config = home.path().join("config");
    let netsurf_dir = config.join("netsurf");
    fs::create_dir_all(&netsurf_dir).context("NetSurf's config folder")?;
    let (proxy_host, proxy_port) = DEAD_PROXY.split_once(':').unwrap_or((DEAD_PROXY, "9"));
    fs::write(
        netsurf_dir.join("Choices"),
        format!(
            "window_x:0\nwindow_y:0\nwindow_width:{window_width}\nwindow_height:{window_height}\n\
             bar_show:none\nenable_javascript:0\nanimate_images:0\n\
             http_proxy:1\nhttp_proxy_host:{proxy_host}\nhttp_proxy_port:{proxy_port}\n\
             http_proxy_auth:0\nhttp_proxy_noproxy:localhost,127.0.0.1\n"
        ),
    )
    .context("NetSurf's Choices")?;
    // The web search box fetches its provider's icon at start (www.google.com by default).
    fs::write(
        netsurf_dir.join("SearchEngines"),
        format!("Local|127.0.0.1|http://{DEAD_PROXY}/?q=%s|http://{DEAD_PROXY}/favicon.ico|\n"),
    )
    .context("NetSurf's SearchEngines")?;
    let log = File::create(home.path().join("netsurf.log")).context("NetSurf's log")?;
    let log_err = log.try_clone().context("NetSurf's log")?;
    let netsurf = Spawned::start(
        Command::new("netsurf-gtk")
            .arg(url)
            .env("HOME", home.path())
            .env("XDG_CONFIG_HOME", &config)
            .env("XDG_CACHE_HOME", home.path().join("cache"))
            .env("XDG_DATA_HOME", home.path().join("data"))
            .env("NO_AT_BRIDGE", "1")
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log_err),
        "netsurf-gtk",
    )?;
    let start = Instant::now();
    let log_tail = || {
        let text = fs::read_to_string(home.path().join("netsurf.log")).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(5)..].join(" / ")
    };
    let window = loop {
        ensure!(!netsurf.ended(), "NetSurf ended early: {}", log_tail());
        let found = x_tool(
            "xdotool",
            &[
                "search",
                "--onlyvisible",
                "--pid",
                &netsurf.pid().to_string(),
            ],
            home.path(),
        )
        .unwrap_or_default();
        if let Some(id) = found.split_whitespace().next() {
            break id.to_owned();
        }
        ensure!(
            start.elapsed() < NETSURF_TIMEOUT,
            "NetSurf showed no window within {NETSURF_TIMEOUT:?}: {}",
            log_tail()
        );
        sleep(Duration::from_millis(100));
    };
    let png = home.path().join("window.png");
    let mut same = 0;
    let mut last: Option<image::RgbaImage> = None;
    loop {
        ensure!(!netsurf.ended(), "NetSurf ended early: {}", log_tail());
        x_tool(
            "import",
            &["-window", &window, &png.to_string_lossy()],
            home.path(),
        )?;
        let shot = image::open(&png)
            .context("the window's capture")?
            .to_rgba8();
        ensure!(
            shot.dimensions() == (window_width, window_height),
            "NetSurf's window is {:?}, not {window_width}×{window_height}",
            shot.dimensions()
        );
        if last.as_ref().is_some_and(|l| *l == shot) {
            same += 1;
            if same + 1 >= NETSURF_SAME_FRAMES {
                return Ok(shot);
            }
        } else {
            same = 0;
        }
        last = Some(shot);
        ensure!(
            start.elapsed() < NETSURF_TIMEOUT,
            "NetSurf's picture of {url} did not settle within {NETSURF_TIMEOUT:?}"
        );
        sleep(NETSURF_FRAME_GAP);
    }
}

/// An X client that stays connected (`xprop -root -spy`) while NetSurf works: Xvfb resets itself
/// whenever its last client leaves, and a client that connects during the reset is refused
/// ("cannot open display"), which happened between one NetSurf and the next.
struct XHold {
    _xprop: Spawned,
    _dir: tempfile::TempDir,
}

impl XHold {
    fn start() -> Result<Self> {
        let dir = temp_dir("xhold")?;
        let out = dir.path().join("xprop.out");
        let start = Instant::now();
        loop {
            let xprop = Spawned::start(
                Command::new("xprop")
                    .args(["-root", "-spy"])
                    .stdin(Stdio::null())
                    .stdout(File::create(&out).context("xprop's output")?)
                    .stderr(Stdio::null()),
                "xprop",
            )?;
            // Connected once it has printed the root window's properties (Xvfb always sets
            // _XKB_RULES_NAMES); refused if it ends.
            while !xprop.ended() && start.elapsed() < X_TOOL_TIMEOUT {
                if fs::metadata(&out).is_ok_and(|m| m.len() > 0) {
                    return Ok(Self {
                        _xprop: xprop,
                        _dir: dir,
                    });
                }
                sleep(Duration::from_millis(20));
            }
            drop(xprop);
            ensure!(
                start.elapsed() < X_TOOL_TIMEOUT,
                "no connection to the X display {} within {X_TOOL_TIMEOUT:?}",
                std::env::var("DISPLAY").unwrap_or_default()
            );
            sleep(Duration::from_millis(200));
        }
    }
}

/// Runs an X tool (xdotool, import) to its end; its standard output, or an error with its
/// standard error.
fn x_tool(tool: &str, args: &[&str], dir: &Path) -> Result<String> {
    let (status, stdout, stderr) = run(Command::new(tool).args(args), tool, dir, X_TOOL_TIMEOUT)?;
    ensure!(
        status.success(),
        "{tool} {args:?}: {status}, {}",
        stderr.trim()
    );
    Ok(stdout)
}

fn display_size() -> Result<(u32, u32)> {
    let dir = temp_dir("display")?;
    let text = x_tool("xdotool", &["getdisplaygeometry"], dir.path())?;
    let mut numbers = text.split_whitespace().map(str::parse::<u32>);
    match (numbers.next(), numbers.next()) {
        (Some(Ok(w)), Some(Ok(h))) => Ok((w, h)),
        _ => bail!("xdotool getdisplaygeometry said {text:?}"),
    }
}

// ---------------------------------------------------------------------------------------------
// Chromium, one picture

/// A picture of the page at `url` in headless Chromium, `width`×`height` (the page's viewport),
/// saved as PNG to `out`. `js: false` switches JavaScript off through the profile's content
/// setting (Chromium's `--blink-settings=scriptEnabled=false` makes `--screenshot` write
/// nothing). Cookies and redirects work within the one run.
pub fn chromium_shot(url: &str, js: bool, width: u32, height: u32, out: &Path) -> Result<()> {
    let profile = chromium_profile(js)?;
    let out_abs = std::path::absolute(out).context("the picture's path")?;
    match fs::remove_file(&out_abs) {
        Err(e) if e.kind() != ErrorKind::NotFound => {
            return Err(e).with_context(|| format!("removing {}", out.display()))
        }
        _ => {}
    }
    let (status, _, stderr) = run(
        Command::new(CHROMIUM)
            .args(CHROMIUM_FLAGS)
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg(format!("--screenshot={}", out_abs.display()))
            .arg(format!("--window-size={width},{height}"))
            .arg(url)
            .env("HOME", profile.path()),
        "chromium",
        profile.path(),
        CHROMIUM_TIMEOUT,
    )?;
    let last_lines = || {
        let lines: Vec<&str> = stderr
            .lines()
            .filter(|l| !l.contains("dbus") && !l.contains("unexpected operator"))
            .collect();
        lines[lines.len().saturating_sub(5)..].join(" / ")
    };
    ensure!(
        status.success() && out_abs.exists(),
        "chromium --screenshot {url}: {status}, no picture: {}",
        last_lines()
    );
    let size = image::image_dimensions(&out_abs).context("Chromium's picture")?;
    ensure!(
        size == (width, height),
        "Chromium's picture is {size:?}, not {width}×{height}"
    );
    Ok(())
}

/// A fresh, empty Chromium profile; with `js: false` its preferences switch JavaScript off.
fn chromium_profile(js: bool) -> Result<tempfile::TempDir> {
    let profile = temp_dir("chromium")?;
    if !js {
        let default = profile.path().join("Default");
        fs::create_dir(&default).context("the profile's Default folder")?;
        fs::write(
            default.join("Preferences"),
            json!({"profile": {"default_content_setting_values": {"javascript": 2}}}).to_string(),
        )
        .context("the profile's Preferences")?;
    }
    Ok(profile)
}

// ---------------------------------------------------------------------------------------------
// HTML Tidy

/// What HTML Tidy (5.6) finds in a page.
#[derive(Debug, Default)]
pub struct TidyReport {
    /// "line L column C - Error: …" lines.
    pub errors: Vec<String>,
    /// "line L column C - Warning: …" lines.
    pub warnings: Vec<String>,
}

/// `tidy -errors -quiet` on `html`. Exit codes: 0 nothing found, 1 warnings only, 2 errors; any
/// other end (or tidy missing) is an error here.
pub fn tidy_report(html: &str) -> Result<TidyReport> {
    let dir = temp_dir("tidy")?;
    let page = dir.path().join("page.html");
    fs::write(&page, html).context("the page for tidy")?;
    let (status, stdout, stderr) = run(
        Command::new("tidy")
            .args(["-errors", "-quiet", "-utf8"])
            .arg(&page),
        "tidy",
        dir.path(),
        TIDY_TIMEOUT,
    )?;
    ensure!(
        matches!(status.code(), Some(0..=2)),
        "tidy: {status}, {}",
        stderr.trim()
    );
    let mut report = TidyReport::default();
    for line in stderr.lines().chain(stdout.lines()) {
        if line.contains(" - Error: ") || line.starts_with("Error: ") {
            report.errors.push(line.to_owned());
        } else if line.contains(" - Warning: ") || line.starts_with("Warning: ") {
            report.warnings.push(line.to_owned());
        }
    }
    if status.code() == Some(2) && report.errors.is_empty() {
        report
            .errors
            .push(format!("tidy exited 2 (errors) but listed none: {stderr}"));
    }
    Ok(report)
}

/// The ERROR lines HTML Tidy prints for `html` (warnings left out). When tidy cannot run, the one
/// line says so, so that a test asserting "no errors" fails rather than passes.
pub fn tidy_errors(html: &str) -> Vec<String> {
    match tidy_report(html) {
        Ok(report) => report.errors,
        Err(e) => vec![format!("tidy did not run: {e:#}")],
    }
}

/// The WARNING lines HTML Tidy prints for `html`; tidy 5.6 reports most HTML 4.01 faults (a
/// missing `alt`, an unclosed element, a bad attribute value, a repeated id) as warnings.
pub fn tidy_warnings(html: &str) -> Vec<String> {
    match tidy_report(html) {
        Ok(report) => report.warnings,
        Err(e) => vec![format!("tidy did not run: {e:#}")],
    }
}

// ---------------------------------------------------------------------------------------------
// Pictures

/// What a picture holds, roughly.
#[derive(Debug)]
pub struct PngStats {
    pub width: u32,
    pub height: u32,
    /// Distinct colours, counted up to 10,000.
    pub colours: usize,
    /// The most common colour (RGBA).
    pub background: [u8; 4],
    /// The share (0..=1) of pixels that differ clearly from the background.
    pub foreground: f64,
}

pub fn png_stats(path: &Path) -> Result<PngStats> {
    let picture = image::open(path)
        .with_context(|| format!("reading {}", path.display()))?
        .to_rgba8();
    let mut counts: HashMap<[u8; 4], u64> = HashMap::new();
    for p in picture.pixels() {
        *counts.entry(p.0).or_default() += 1;
    }
    let background = counts
        .iter()
        .max_by_key(|(_, n)| **n)
        .map(|(c, _)| *c)
        .unwrap_or_default();
    let distant = |c: [u8; 4]| {
        c.iter()
            .zip(background)
            .map(|(a, b)| u32::from(a.abs_diff(b)))
            .sum::<u32>()
            > 48
    };
    let foreground_pixels = picture.pixels().filter(|p| distant(p.0)).count();
    let total = u64::from(picture.width()) * u64::from(picture.height());
    let colours: HashSet<&[u8; 4]> = counts.keys().take(10_000).collect();
    Ok(PngStats {
        width: picture.width(),
        height: picture.height(),
        colours: colours.len(),
        background,
        foreground: if total == 0 {
            0.0
        } else {
            foreground_pixels as f64 / total as f64
        },
    })
}

/// True when the picture is not blank: at least 4 colours and at least 0.1% of its pixels (and 40
/// pixels) clearly unlike the most common colour. One short line of text on a 240×320 page passes;
/// an empty page, or one flat colour, does not.
pub fn png_shows_something(path: &Path) -> Result<bool> {
    let stats = png_stats(path)?;
    let pixels = f64::from(stats.width) * f64::from(stats.height);
    Ok(stats.colours >= 4 && stats.foreground >= 0.001 && stats.foreground * pixels >= 40.0)
}

// ---------------------------------------------------------------------------------------------
// Chromium over WebDriver

const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

/// A cookie as the browser holds it.
#[derive(Debug, Clone)]
pub struct Cookie {
    pub name: String,
    pub value: String,
    pub path: String,
    pub http_only: bool,
}

/// Headless Chromium under chromedriver (W3C WebDriver over loopback HTTP, every call with a
/// timeout). Dropping it ends the session and kills chromedriver and its Chromium.
pub struct Chrome {
    http: reqwest::blocking::Client,
    /// `http://127.0.0.1:PORT/session/ID`
    session: String,
    driver: Spawned,
    _dir: tempfile::TempDir,
}

impl Chrome {
    /// A new session: headless Chromium with a fresh profile, a `width`×`height` window, and
    /// JavaScript on or off (`js: false`: the content setting that blocks every page script;
    /// WebDriver's own commands still work).
    pub fn start(js: bool, width: u32, height: u32) -> Result<Self> {
        let dir = chromium_profile(true)?;
        let http = reqwest::blocking::Client::builder()
            .no_proxy()
            .timeout(DRIVER_CALL_TIMEOUT)
            .build()
            .context("an HTTP client for chromedriver")?;
        let mut attempt = 0;
        let (driver, base) = loop {
            attempt += 1;
            match start_chromedriver(&http, dir.path()) {
                Ok(started) => break started,
                // Another process may have taken the free port in between: try another.
                Err(e) if attempt < 3 => eprintln!("chromedriver, attempt {attempt}: {e:#}"),
                Err(e) => return Err(e),
            }
        };
        let profile = dir.path().join("profile");
        let mut args: Vec<String> = CHROMIUM_FLAGS.iter().map(|&f| f.to_owned()).collect();
        args.push(format!("--user-data-dir={}", profile.display()));
        args.push(format!("--window-size={width},{height}"));
        let mut options = json!({"binary": CHROMIUM, "args": args});
        if !js {
            options["prefs"] = json!({"profile.managed_default_content_settings.javascript": 2});
        }
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": options,
            "timeouts": {"implicit": 0, "pageLoad": 30_000, "script": 10_000},
        }}});
        let answer = call(
            &http,
            reqwest::Method::POST,
            &format!("{base}/session"),
            Some(&caps),
        )
        .with_context(|| {
            let log = fs::read_to_string(dir.path().join("chromedriver.log")).unwrap_or_default();
            let lines: Vec<&str> = log.lines().collect();
            format!(
                "a chromedriver session: {}",
                lines[lines.len().saturating_sub(5)..].join(" / ")
            )
        })?;
        let id = answer["sessionId"]
            .as_str()
            .ok_or_else(|| anyhow!("no session id in {answer}"))?;
        let chrome = Self {
            http,
            session: format!("{base}/session/{id}"),
            driver,
            _dir: dir,
        };
        // Under chromedriver, headless Chromium keeps a window of at least 500 pixels wide with
        // 143 pixels of (invisible) browser bars: the page gets exactly width×height only from
        // the DevTools viewport override (it holds across navigations in this tab).
        chrome
            .cmd(
                reqwest::Method::POST,
                "/goog/cdp/execute",
                Some(
                    &json!({"cmd": "Emulation.setDeviceMetricsOverride", "params": {
                        "width": width, "height": height, "deviceScaleFactor": 1, "mobile": false,
                    }}),
                ),
            )
            .context("setting the page's size")?;
        Ok(chrome)
    }

    fn cmd(&self, method: reqwest::Method, path: &str, body: Option<&Value>) -> Result<Value> {
        call(&self.http, method, &format!("{}{path}", self.session), body)
    }

    /// Opens `url` and waits for the page to load (redirects followed).
    pub fn goto(&self, url: &str) -> Result<()> {
        self.cmd(reqwest::Method::POST, "/url", Some(&json!({"url": url})))
            .with_context(|| format!("opening {url}"))?;
        Ok(())
    }

    /// Runs `script` in the page (WebDriver "execute sync") and returns its value; fails when
    /// scripts are off.
    pub fn execute(&self, script: &str) -> Result<Value> {
        self.cmd(
            reqwest::Method::POST,
            "/execute/sync",
            Some(&json!({"script": script, "args": []})),
        )
    }

    pub fn current_url(&self) -> Result<String> {
        text_of(&self.cmd(reqwest::Method::GET, "/url", None)?)
    }

    pub fn title(&self) -> Result<String> {
        text_of(&self.cmd(reqwest::Method::GET, "/title", None)?)
    }

    /// The page's markup as the browser holds it now (serialised DOM).
    pub fn source(&self) -> Result<String> {
        text_of(&self.cmd(reqwest::Method::GET, "/source", None)?)
    }

    /// The rendered text of `<body>` (what a reader sees, line breaks included).
    pub fn body_text(&self) -> Result<String> {
        let body = self.find_css("body")?;
        text_of(&self.cmd(reqwest::Method::GET, &format!("/element/{body}/text"), None)?)
    }

    /// The WebDriver id of the first element matching the CSS selector.
    pub fn find_css(&self, selector: &str) -> Result<String> {
        let found = self
            .cmd(
                reqwest::Method::POST,
                "/element",
                Some(&json!({"using": "css selector", "value": selector})),
            )
            .with_context(|| format!("finding {selector:?}"))?;
        found[ELEMENT_KEY]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| anyhow!("no element id for {selector:?} in {found}"))
    }

    /// Empties the field matching `selector` and types `text` into it.
    pub fn type_into(&self, selector: &str, text: &str) -> Result<()> {
        let field = self.find_css(selector)?;
        self.cmd(
            reqwest::Method::POST,
            &format!("/element/{field}/clear"),
            Some(&json!({})),
        )
        .with_context(|| format!("clearing {selector:?}"))?;
        self.cmd(
            reqwest::Method::POST,
            &format!("/element/{field}/value"),
            Some(&json!({"text": text})),
        )
        .with_context(|| format!("typing into {selector:?}"))?;
        Ok(())
    }

    /// Clicks the element matching `selector`.
    pub fn click(&self, selector: &str) -> Result<()> {
        let element = self.find_css(selector)?;
        self.cmd(
            reqwest::Method::POST,
            &format!("/element/{element}/click"),
            Some(&json!({})),
        )
        .with_context(|| format!("clicking {selector:?}"))?;
        Ok(())
    }

    /// Clicks the element matching `selector` (a submit button, a link) and waits until the
    /// browser shows the next page (the old page's `<html>` element is gone).
    pub fn submit(&self, selector: &str) -> Result<()> {
        let old = self.find_css("html")?;
        self.click(selector)?;
        let start = Instant::now();
        loop {
            let probe = self.cmd(reqwest::Method::GET, &format!("/element/{old}/name"), None);
            if probe.is_err() {
                // "stale element reference": a new document. Wait for it to finish loading.
                let loaded = self.cmd(
                    reqwest::Method::POST,
                    "/execute/sync",
                    Some(&json!({"script": "return document.readyState", "args": []})),
                );
                if loaded.is_err() || loaded.is_ok_and(|v| v == "complete") {
                    return Ok(());
                }
            }
            ensure!(
                start.elapsed() < NAVIGATION_TIMEOUT,
                "clicking {selector:?} led to no new page within {NAVIGATION_TIMEOUT:?}"
            );
            sleep(Duration::from_millis(50));
        }
    }

    /// The viewport's picture, saved as PNG to `out`.
    pub fn screenshot(&self, out: &Path) -> Result<()> {
        let data = self.cmd(reqwest::Method::GET, "/screenshot", None)?;
        let png = base64::engine::general_purpose::STANDARD
            .decode(text_of(&data)?)
            .context("the screenshot's base64")?;
        fs::write(out, png).with_context(|| format!("writing {}", out.display()))
    }

    /// The cookies the browser holds for the current page.
    pub fn cookies(&self) -> Result<Vec<Cookie>> {
        let all = self.cmd(reqwest::Method::GET, "/cookie", None)?;
        let list = all
            .as_array()
            .ok_or_else(|| anyhow!("cookies are not a list: {all}"))?;
        Ok(list
            .iter()
            .map(|c| Cookie {
                name: c["name"].as_str().unwrap_or_default().to_owned(),
                value: c["value"].as_str().unwrap_or_default().to_owned(),
                path: c["path"].as_str().unwrap_or_default().to_owned(),
                http_only: c["httpOnly"].as_bool().unwrap_or_default(),
            })
            .collect())
    }
}

impl Drop for Chrome {
    fn drop(&mut self) {
        // Ends Chromium cleanly; the process group's kill (Spawned's drop) catches the rest.
        let _ = self
            .http
            .delete(&self.session)
            .timeout(DRIVER_QUIT_TIMEOUT)
            .send();
    }
}

/// Starts chromedriver on a free loopback port; returns it and its base address once it answers.
fn start_chromedriver(http: &reqwest::blocking::Client, dir: &Path) -> Result<(Spawned, String)> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .context("a free loopback port")?
        .port();
    let log = File::create(dir.join("chromedriver.log")).context("chromedriver's log")?;
    let log_err = log.try_clone().context("chromedriver's log")?;
    let driver = Spawned::start(
        Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .env("HOME", dir)
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log_err),
        "chromedriver",
    )?;
    let base = format!("http://127.0.0.1:{port}");
    let start = Instant::now();
    loop {
        ensure!(!driver.ended(), "chromedriver ended at start");
        let status = http
            .get(format!("{base}/status"))
            .timeout(Duration::from_secs(2))
            .send()
            .ok()
            .and_then(|r| r.text().ok())
            .and_then(|t| serde_json::from_str::<Value>(&t).ok());
        if status.is_some_and(|s| s["value"]["ready"] == true) {
            return Ok((driver, base));
        }
        ensure!(
            start.elapsed() < DRIVER_START_TIMEOUT,
            "chromedriver was not ready within {DRIVER_START_TIMEOUT:?}"
        );
        sleep(Duration::from_millis(100));
    }
}

/// One WebDriver command; the answer's `value`, or an error with WebDriver's error and message.
fn call(
    http: &reqwest::blocking::Client,
    method: reqwest::Method,
    url: &str,
    body: Option<&Value>,
) -> Result<Value> {
    let what = format!("WebDriver {method} {url}");
    let mut request = http.request(method, url);
    if let Some(body) = body {
        request = request
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body.to_string());
    }
    let response = request.send().with_context(|| what.clone())?;
    let ok = response.status().is_success();
    let status = response.status();
    let text = response
        .text()
        .with_context(|| format!("{what}: the answer"))?;
    let answer: Value =
        serde_json::from_str(&text).with_context(|| format!("{what}: not JSON: {text:.200}"))?;
    let value = answer.get("value").cloned().unwrap_or(Value::Null);
    if ok {
        Ok(value)
    } else {
        let message = value["message"].as_str().unwrap_or_default();
        let message = message.lines().next().unwrap_or_default();
        bail!(
            "{what}: {status} {}: {message}",
            value["error"].as_str().unwrap_or("error")
        )
    }
}

fn text_of(value: &Value) -> Result<String> {
    value
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| anyhow!("expected a string, got {value}"))
}

/// A file in the test's folder under the target directory (kept after the run, for a look).
pub fn keep_path(test: &str, name: &str) -> Result<PathBuf> {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(test);
    fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    Ok(dir.join(name))
}
