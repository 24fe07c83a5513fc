//! The headless CLI against a running `mpgram demo --data-dir D`, as a person or a script uses it:
//! `mpgram pair` prints the codes, a phone pairs exactly as the J2ME client does, `mpgram
//! devices`/`approve`/`deny`/`revoke` act on it, and the phone notices (revoke → 401).

mod cli_common;

use cli_common::{error_message, res_is_one, run, s, stderr, stdout, Demo, Proc};

#[cfg(unix)]
#[test]
fn pair_prints_the_codes_a_phone_pairs_and_revoke_logs_it_out() {
    let demo = Demo::start();
    let mut pair = Proc::spawn(&[
        "pair",
        "--name",
        "Kitchen phone",
        "--data-dir",
        demo.data_dir(),
    ]);
    let user_code = pair.line_starting("user code: ");
    let import = pair.line_starting("code: ");
    let url = pair.line_starting("url: ");
    assert_eq!(
        url, demo.url,
        "the instance URL, as the phone's box wants it"
    );
    assert_eq!(user_code.len(), 6);
    assert!(user_code.bytes().all(|b| b.is_ascii_digit()));
    assert_eq!(import.len(), 32, "the import box takes ≥ 32 characters");
    assert!(import.bytes().all(|b| b.is_ascii_digit()));
    pair.wait_line(|l| l.starts_with("Waiting for phones"));
    assert!(
        pair.seen.iter().any(|l| l.contains('█') || l.contains('▀')),
        "a terminal QR code"
    );

    // The pairing screen shows (this terminal): no approval needed.
    let phone = demo.phone("NokiaE52-1");
    let ticket = phone.type_user_code(&user_code);
    let a = phone.poll(&ticket);
    assert!(res_is_one(&a.json), "paired on the first poll");
    let token = s(&a.json, "user");
    let line = pair.wait_line(|l| l.starts_with("Paired: "));
    assert!(line.contains("NokiaE52-1"), "{line}");
    let id: String = line
        .rsplit("ID ")
        .next()
        .expect("ID")
        .trim_end_matches([')', '.'])
        .to_owned();
    pair.wait_line(|l| l.contains("Kitchen phone"));
    // The code was used up, so `mpgram pair` shows the next one.
    // (It was printed before "Paired:": the code rotates when typed, before the first poll.)
    let codes: Vec<&String> = pair
        .seen
        .iter()
        .filter(|l| l.starts_with("user code: "))
        .collect();
    assert_eq!(codes.len(), 2, "{:#?}", pair.seen);
    assert_ne!(codes[1], codes[0]);

    // The one-time code typed into "Import session" pairs a second phone.
    let other = demo.phone("Nokia6300");
    assert_eq!(other.api("v=12&method=me", Some(&import)).status, 200);

    let o = demo.run(&["devices"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let listing = stdout(&o);
    assert!(listing.contains("Kitchen phone"), "{listing}");
    assert!(listing.contains("Demo phone"), "{listing}");
    assert!(
        listing.contains(&format!("{id:>5}  Kitchen phone")),
        "{listing}"
    );

    // Revoked on the PC: the phone's very next request is 401, the other phone is untouched.
    let o = demo.run(&["revoke", &id]);
    assert!(o.status.success(), "{}", stderr(&o));
    let a = phone.api("v=12&method=me", Some(&token));
    assert_eq!(a.status, 401);
    assert_eq!(
        error_message(&a.json).as_deref(),
        Some("Invalid authorization")
    );
    assert_eq!(other.api("v=12&method=me", Some(&import)).status, 200);
    assert!(!stdout(&demo.run(&["devices"])).contains("Kitchen phone"));

    // Ctrl-C: pairing stays open a while, but only with approval (no screen shows any more).
    assert!(pair.interrupt().success());
    let p = demo.control_get("/v1/pairing");
    assert_eq!(p["open"], true);
    assert!(p["open_until"].as_u64().is_some());
}

#[cfg(unix)]
#[test]
fn a_phone_pairing_after_the_screen_closed_waits_for_approve_or_deny() {
    let demo = Demo::start();
    // `mpgram pair` shown, then stopped: the code still works for a while, with approval.
    let mut pair = Proc::spawn(&["pair", "--data-dir", demo.data_dir()]);
    let code = pair.line_starting("user code: ");
    assert!(pair.interrupt().success());

    let phone = demo.phone("Nokia6300");
    let ticket = phone.type_user_code(&code);
    let a = phone.poll(&ticket);
    assert_eq!(s(&a.json, "res"), "qr", "waiting for the PC");
    let o = demo.run(&["devices"]);
    let listing = stdout(&o);
    assert!(listing.contains("Waiting for approval"), "{listing}");
    let line = listing
        .lines()
        .find(|l| l.contains("Nokia6300"))
        .expect("the waiting phone is listed");
    let id = line.split_whitespace().next().expect("ID").to_owned();
    assert!(line.contains("number "), "{line}");
    let o = demo.run(&["approve", &id]);
    assert!(o.status.success(), "{}", stderr(&o));
    let a = phone.poll(&ticket);
    assert!(res_is_one(&a.json), "allowed");
    let token = s(&a.json, "user");
    assert_eq!(phone.api("v=12&method=me", Some(&token)).status, 200);

    // A second phone, refused.
    let code = demo.control_get("/v1/pairing")["user_code"]
        .as_str()
        .expect("still open")
        .to_owned();
    let intruder = demo.phone("Unknown");
    let ticket = intruder.type_user_code(&code);
    let listing = stdout(&demo.run(&["devices"]));
    let id = listing
        .lines()
        .find(|l| l.contains("Unknown"))
        .and_then(|l| l.split_whitespace().next())
        .expect("listed")
        .to_owned();
    let o = demo.run(&["deny", &id]);
    assert!(o.status.success(), "{}", stderr(&o));
    let a = intruder.poll(&ticket);
    assert!(
        error_message(&a.json).is_some_and(|m| m.contains("refused")),
        "the phone is told"
    );
    // Deciding twice is a plain-words error, not a crash.
    let o = demo.run(&["deny", &id]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("is waiting"), "{}", stderr(&o));
}

#[test]
fn the_cli_says_plainly_when_mpgram_is_not_running() {
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path().to_str().expect("utf-8");
    for args in [
        &["devices"][..],
        &["approve", "3"],
        &["revoke", "3"],
        &["pair"],
    ] {
        let o = run(args, d);
        assert!(!o.status.success(), "{args:?}");
        let err = stderr(&o);
        assert!(
            err.contains("MPGram is not running on this data folder")
                && err.contains("mpgram serve"),
            "{args:?}: {err}"
        );
    }
    // A control file left by a killed core (nobody listens on its port): the same words.
    std::fs::write(
        dir.path().join("control.json"),
        r#"{"url":"http://127.0.0.1:9","secret":"00","pid":1}"#,
    )
    .expect("write");
    let o = run(&["devices"], d);
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("MPGram is not running"),
        "{}",
        stderr(&o)
    );
}

/// On a terminal, `mpgram pair` asks y/n for a phone waiting for approval. The terminal is a
/// pseudo-terminal from util-linux `script`.
#[cfg(target_os = "linux")]
#[test]
fn pair_on_a_terminal_asks_to_allow_a_waiting_phone() {
    use std::io::Write as _;
    if std::process::Command::new("script")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("skipped: util-linux `script` (for a pseudo-terminal) is not installed");
        return;
    }
    let demo = Demo::start();
    // A phone waits for approval (pairing opened without a screen).
    let code = demo.control_post("/v1/pairing/open", r#"{"window_visible":false}"#)["user_code"]
        .as_str()
        .expect("open")
        .to_owned();
    let phone = demo.phone("Nokia6300");
    let ticket = phone.type_user_code(&code);
    assert_eq!(s(&phone.poll(&ticket).json, "res"), "qr");

    let command = format!(
        "'{}' pair --data-dir '{}'",
        cli_common::bin().display(),
        demo.data_dir()
    );
    let mut cmd = std::process::Command::new("script");
    cmd.args(["-q", "-e", "-c", &command, "/dev/null"])
        .stdin(std::process::Stdio::piped());
    let mut pair = Proc::spawn_cmd(cmd);
    let mut keys = pair.child.stdin.take().expect("stdin");
    let line = pair.wait_line(|l| l.contains("Waiting for approval:"));
    assert!(
        line.contains("Nokia6300") && line.contains("number "),
        "{line}"
    );
    keys.write_all(b"y\n").expect("type y");
    keys.flush().expect("flush");
    pair.wait_line(|l| l.contains("Allowed"));
    let a = phone.poll(&ticket);
    assert!(res_is_one(&a.json), "allowed from the terminal");
    pair.wait_line(|l| l.contains("Paired: Nokia6300"));
}
