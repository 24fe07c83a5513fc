//! Starts the real `mpgram-home` binary (tray role, demo world, its own data folder) on the X display and
//! checks that it opens its window (the window role, a second process) and that Quit (SIGTERM) ends both.
//!
//! Run it under a virtual display and a private session bus:
//! `xvfb-run -a -s "-screen 0 1280x800x24" dbus-run-session -- cargo test -p mpgram-home`.
//! Without `DISPLAY` the test fails, so that a suite run without Xvfb cannot pass by accident; set
//! `MPGRAM_SKIP_GUI_TESTS=1` to skip it on purpose. Needs `xdotool`; the screenshot also needs the
//! `import` and `identify` tools (Debian: imagemagick) and is skipped with a note when they are missing.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

const WINDOW_TITLE: &str = "MPGram Home";
const WINDOW_TIMEOUT: Duration = Duration::from_mins(1);
const PAINT_TIMEOUT: Duration = Duration::from_secs(20);
const POLL_INTERVAL: Duration = Duration::from_millis(250);

#[test]
fn main_window_opens_with_its_title() {
    if std::env::var_os("DISPLAY").is_none_or(|display| display.is_empty()) {
        assert!(
            std::env::var("MPGRAM_SKIP_GUI_TESTS").is_ok_and(|skip| skip == "1"),
            "DISPLAY is not set, so the window cannot be tested. Run the tests under a virtual display: \
             xvfb-run -a -s \"-screen 0 1280x800x24\" dbus-run-session -- cargo test -p mpgram-home \
             (or set MPGRAM_SKIP_GUI_TESTS=1 to skip the GUI tests on purpose)"
        );
        eprintln!("skipped: DISPLAY is not set and MPGRAM_SKIP_GUI_TESTS=1");
        return;
    }
    assert!(
        tool_exists("xdotool"),
        "xdotool is needed to find the window (Debian: apt-get install xdotool)"
    );

    let mut app = App::start();
    let window = app.wait_for_window(WINDOW_TITLE, WINDOW_TIMEOUT);

    if tool_exists("import") && tool_exists("identify") {
        let path = screenshot_dir().join("window.png");
        screenshot_once_painted(&window, &path);
        eprintln!("screenshot: {}", path.display());
    } else {
        eprintln!("no screenshot: ImageMagick's import/identify not found (Debian: imagemagick)");
    }
    app.quit();
    let started = Instant::now();
    while find_window(WINDOW_TITLE).is_some() {
        assert!(
            started.elapsed() < WINDOW_TIMEOUT,
            "the window stayed open after the app quit"
        );
        sleep(POLL_INTERVAL);
    }
}

/// The app under test; killed when dropped, so a failing assertion does not leave it running.
struct App {
    child: Child,
    _dir: tempfile::TempDir,
}

impl App {
    fn start() -> Self {
        let dir = tempfile::tempdir().expect("temp data dir");
        let child = Command::new(env!("CARGO_BIN_EXE_mpgram-home"))
            .args(["--demo", "--listen", "127.0.0.1:0", "--data-dir"])
            .arg(dir.path())
            // Same pixels with less memory on Xvfb (see notes/tauri.md).
            .env("WEBKIT_DISABLE_DMABUF_RENDERER", "1")
            .stdin(Stdio::null())
            .spawn()
            .expect("start the mpgram-home binary");
        Self { child, _dir: dir }
    }

    /// SIGTERM, as a session logout sends it: the app quits cleanly, its window with it.
    fn quit(&mut self) {
        let _ = Command::new("kill")
            .arg(self.child.id().to_string())
            .status();
        let started = Instant::now();
        while started.elapsed() < WINDOW_TIMEOUT {
            if self.child.try_wait().ok().flatten().is_some() {
                return;
            }
            sleep(POLL_INTERVAL);
        }
        panic!("mpgram-home did not quit on SIGTERM");
    }

    /// Polls until a visible window named exactly `title` exists and returns its X window id.
    fn wait_for_window(&mut self, title: &str, timeout: Duration) -> String {
        let started = Instant::now();
        loop {
            if let Some(id) = find_window(title) {
                return id;
            }
            if let Some(status) = self.child.try_wait().expect("poll mpgram-home") {
                panic!("mpgram-home exited ({status}) before its window appeared");
            }
            assert!(
                started.elapsed() < timeout,
                "no window titled {title:?} appeared within {timeout:?}"
            );
            sleep(POLL_INTERVAL);
        }
    }
}

impl Drop for App {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn find_window(title: &str) -> Option<String> {
    let output = Command::new("xdotool")
        .args(["search", "--onlyvisible", "--name"])
        .arg(format!("^{}$", regex_escape(title)))
        .stderr(Stdio::null())
        .output()
        .expect("run xdotool");
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(str::trim)
        .find(|line| !line.is_empty())
        .map(str::to_owned)
}

fn regex_escape(text: &str) -> String {
    text.chars()
        .flat_map(|c| {
            let escape = r"\.^$|?*+()[]{}".contains(c);
            escape.then_some('\\').into_iter().chain(std::iter::once(c))
        })
        .collect()
}

/// Takes screenshots of the window until the page has painted (more than a handful of colours), keeping the
/// last one at `path`. A window that never paints fails the test: that is a blank webview.
fn screenshot_once_painted(window: &str, path: &Path) {
    std::fs::create_dir_all(path.parent().expect("screenshot path has a parent"))
        .expect("create the screenshot directory");
    let started = Instant::now();
    loop {
        let status = Command::new("import")
            .args(["-window", window])
            .arg(path)
            .status()
            .expect("run import");
        if status.success() && colour_count(path) > 16 {
            return;
        }
        assert!(
            started.elapsed() < PAINT_TIMEOUT,
            "the window did not paint its page within {PAINT_TIMEOUT:?} (see {})",
            path.display()
        );
        sleep(POLL_INTERVAL);
    }
}

fn colour_count(path: &Path) -> u64 {
    let output = Command::new("identify")
        .args(["-format", "%k"])
        .arg(path)
        .output()
        .expect("run identify");
    String::from_utf8_lossy(&output.stdout)
        .trim()
        .parse()
        .unwrap_or(0)
}

/// `$CARGO_TARGET_DIR/screenshots`, or `target/screenshots` at the workspace root.
fn screenshot_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"),
        PathBuf::from,
    );
    target.join("screenshots")
}

fn tool_exists(name: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(name).is_file()))
}
