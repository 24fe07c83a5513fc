//! What a person sees of `mpgram demo` when its output is not a terminal (piped into a file, a
//! pager or the journal): the real binary, started as a process with stdout and stderr piped.

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::Duration;

/// Kills the demo when the test ends, however it ends.
struct Demo(std::process::Child);

impl Drop for Demo {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

struct Output {
    stdout: String,
    stderr: String,
}

/// Runs `mpgram demo` with `RUST_LOG` as given, makes it talk to its (fake) Telegram by asking
/// `me` over HTTP, then stops it and returns everything it printed.
fn run_demo(rust_log: Option<&str>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mpgram"));
    cmd.args(["demo", "--listen", "127.0.0.1:0"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .env_remove("NO_COLOR")
        .env_remove("JOURNAL_STREAM");
    match rust_log {
        Some(filter) => cmd.env("RUST_LOG", filter),
        None => cmd.env_remove("RUST_LOG"),
    };
    let mut demo = Demo(cmd.spawn().expect("mpgram starts"));
    let mut stderr_pipe = demo.0.stderr.take().expect("stderr");
    // Drained on its own thread so a chatty stderr can never block the demo.
    let stderr_reader = std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = stderr_pipe.read_to_end(&mut bytes);
        bytes
    });
    let (lines_tx, lines_rx) = std::sync::mpsc::channel();
    let stdout_pipe = demo.0.stdout.take().expect("stdout");
    std::thread::spawn(move || {
        for line in BufReader::new(stdout_pipe).lines() {
            let Ok(line) = line else { break };
            if lines_tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut stdout = String::new();
    let mut url = None;
    let mut token = None;
    // "code: " is the last line the demo prints before it serves.
    while !stdout.lines().any(|l| l.starts_with("code: ")) {
        let line = lines_rx
            .recv_timeout(Duration::from_secs(90))
            .expect("the demo prints its instructions within 90 s");
        if let Some(t) = line.strip_prefix("token: ") {
            token = Some(t.to_owned());
        } else if let (None, Some(i)) = (&url, line.find("http://")) {
            url = line[i + "http://".len()..]
                .split('/')
                .next()
                .map(str::to_owned);
        }
        stdout.push_str(&line);
        stdout.push('\n');
    }
    let addr = url.expect("the demo prints its URL");
    let token = token.expect("the demo prints a token");
    let answer = get_me(&addr, &token);
    assert!(
        answer.starts_with("HTTP/1.1 200"),
        "the demo answers `me`: {answer}"
    );
    // Anything Telegram's client logs on the way has been written by now; give stragglers a moment.
    std::thread::sleep(Duration::from_millis(500));
    drop(demo);
    let stderr = stderr_reader.join().expect("stderr reader");
    while let Ok(line) = lines_rx.try_recv() {
        stdout.push_str(&line);
        stdout.push('\n');
    }
    Output {
        stdout,
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
    }
}

/// One plain HTTP/1.1 request, the way a phone makes it.
fn get_me(addr: &str, token: &str) -> String {
    let mut stream = TcpStream::connect(addr).expect("connect to the demo");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .expect("timeout");
    write!(
        stream,
        "GET /api.php?v=12&method=me HTTP/1.1\r\nHost: {addr}\r\nX-mpgram-user: {token}\r\nConnection: close\r\n\r\n"
    )
    .expect("send the request");
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    answer
}

fn grammers_info_lines(stderr: &str) -> Vec<&str> {
    stderr
        .lines()
        .filter(|l| l.contains(" INFO ") && l.contains("grammers"))
        .collect()
}

#[test]
fn piped_demo_output_is_plain_text_in_the_clients_words() {
    let out = run_demo(None);
    for (name, text) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
        assert!(
            !text.contains('\u{1b}'),
            "no colour codes on a piped {name}:\n{text}"
        );
    }
    assert_eq!(
        grammers_info_lines(&out.stderr),
        Vec::<&str>::new(),
        "Telegram client chatter stays out of a person's terminal by default:\n{}",
        out.stderr
    );
    // The buttons as the MPGram client labels them, so the person can find them on the phone.
    for label in ["Import existing session", "Log in using QR code", "Captcha"] {
        assert!(
            out.stdout.contains(label),
            "the instructions name \"{label}\":\n{}",
            out.stdout
        );
    }
    for wrong in ["\"Import session\"", "\"Log in with QR\""] {
        assert!(
            !out.stdout.contains(wrong),
            "no label the client does not have ({wrong}):\n{}",
            out.stdout
        );
    }
}

#[test]
fn rust_log_brings_the_telegram_clients_info_lines_back() {
    // The same run with RUST_LOG asking for everything at info: the lines hidden by default are
    // there (so the test above would see them if the default let them through), still uncoloured.
    let out = run_demo(Some("info"));
    assert!(
        !grammers_info_lines(&out.stderr).is_empty(),
        "RUST_LOG=info shows grammers' info lines:\n{}",
        out.stderr
    );
    assert!(
        !out.stderr.contains('\u{1b}'),
        "no colour codes:\n{}",
        out.stderr
    );
}
