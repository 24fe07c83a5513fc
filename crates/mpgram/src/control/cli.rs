//! The headless front end over the control channel: `mpgram pair`, `devices`, `approve`,
//! `deny`, `revoke`. Plain words on stdout; scriptable (no prompt when stdin is not a terminal).

use std::collections::{HashSet, VecDeque};
use std::future::Future;
use std::io::{BufRead, IsTerminal, Write};

use serde_json::{json, Value};
use tokio::sync::mpsc;

use super::client::{ClientError, ControlClient};
use crate::home::terminal_qr;

fn text<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key).and_then(Value::as_str).unwrap_or_default()
}

fn id_of(v: &Value) -> u64 {
    v.get("id").and_then(Value::as_u64).unwrap_or_default()
}

fn list<'a>(v: &'a Value, key: &str) -> &'a [Value] {
    v.get(key)
        .and_then(Value::as_array)
        .map_or(&[][..], Vec::as_slice)
}

fn when(unix: u64) -> String {
    i64::try_from(unix)
        .ok()
        .and_then(|s| chrono::DateTime::from_timestamp(s, 0))
        .map_or_else(
            || "?".to_owned(),
            |t| {
                t.with_timezone(&chrono::Local)
                    .format("%Y-%m-%d %H:%M")
                    .to_string()
            },
        )
}

/// "NokiaE52-1 · MPGram 1.5.13 · 192.168.1.23 · number 47"
fn pending_line(p: &Value) -> String {
    let mut parts = vec![text(p, "name").to_owned()];
    if let Some(app) = p.get("app").and_then(Value::as_str) {
        parts.push(format!("MPGram {app}"));
    }
    parts.push(text(p, "ip").to_owned());
    parts.push(format!("number {}", text(p, "number")));
    parts.join(" · ")
}

/// `mpgram devices`: paired devices, then phones waiting for approval, each with its ID.
pub async fn devices(client: &ControlClient, out: &mut impl Write) -> Result<(), ClientError> {
    let v = client.get("/v1/devices").await?;
    let devices = list(&v, "devices");
    let pending = list(&v, "pending");
    if devices.is_empty() {
        let _ = writeln!(out, "No paired devices. Pair one with `mpgram pair`.");
    } else {
        let _ = writeln!(out, "Paired devices (ID, name, last seen):");
        for d in devices {
            let seen = when(d.get("last_seen").and_then(Value::as_u64).unwrap_or(0));
            let from = d
                .get("last_ip")
                .and_then(Value::as_str)
                .map(|ip| format!(" from {ip}"))
                .unwrap_or_default();
            let app = d
                .get("app_version")
                .and_then(Value::as_str)
                .map(|a| format!(" (MPGram {a})"))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "  {:>3}  {}  last seen {seen}{from}{app}",
                id_of(d),
                text(d, "name")
            );
        }
    }
    if !pending.is_empty() {
        let _ = writeln!(
            out,
            "Waiting for approval (allow with `mpgram approve ID`, refuse with `mpgram deny ID`):"
        );
        for p in pending {
            let _ = writeln!(out, "  {:>3}  {}", id_of(p), pending_line(p));
        }
    }
    Ok(())
}

/// What `mpgram approve|deny|revoke` does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Approve,
    Deny,
    Revoke,
}

/// Runs one device action and returns the sentence to print.
pub async fn act(client: &ControlClient, action: Action, id: &str) -> Result<String, ClientError> {
    let (path, done) = match action {
        Action::Approve => (
            "approve",
            format!("Allowed {id}: the phone finishes pairing on its next check."),
        ),
        Action::Deny => (
            "deny",
            format!("Refused {id}: the phone is told pairing was refused."),
        ),
        Action::Revoke => (
            "revoke",
            format!("Revoked device {id}: its next request is refused and it must pair again."),
        ),
    };
    client
        .post(&format!("/v1/devices/{id}/{path}"), None)
        .await?;
    Ok(done)
}

/// `mpgram pair`: opens pairing (this terminal is the pairing screen), prints the codes and a QR
/// code, reports phones as they pair, and asks y/n for phones waiting for approval when stdin is
/// a terminal. Ends when `stop` completes (Ctrl-C) or the core stops; then closes the screen.
pub async fn pair(
    client: &ControlClient,
    name: Option<String>,
    stop: impl Future<Output = ()>,
) -> Result<(), ClientError> {
    let interactive = std::io::stdin().is_terminal();
    // The stream first: it is what tells the core this screen exists, so that even if this
    // process is killed the screen counts as closed.
    let events = client.events(true).await?;
    let pairing = client
        .post("/v1/pairing/open", Some(&json!({ "window_visible": true })))
        .await?;
    let result = pair_loop(client, events, name, interactive, &pairing, stop).await;
    // The screen goes away: pairing stays open a while, but only with approval on this PC.
    if client.post("/v1/pairing/close", None).await.is_ok() {
        println!(
            "Stopped pairing. For 10 more minutes a phone can still pair with the code, but only with approval (`mpgram devices`)."
        );
    }
    result
}

async fn pair_loop(
    client: &ControlClient,
    mut events: super::client::EventStream,
    mut name: Option<String>,
    interactive: bool,
    pairing: &Value,
    stop: impl Future<Output = ()>,
) -> Result<(), ClientError> {
    let import = client.post("/v1/pairing/import-code", None).await?;
    let url = text(pairing, "url");
    let mut code = text(pairing, "user_code").to_owned();
    if text(pairing, "user_code").is_empty() {
        return Err(ClientError::Refused(
            "Pairing could not be opened.".to_owned(),
        ));
    }
    println!("Pairing is open. On the phone, set the Instance URL, then either:");
    // The labels are the MPGram client's own, word for word, so the person finds the buttons.
    println!("  - \"Log in using QR code\" (or \"Log in using phone number\" with any number) and type the user code into the Captcha box, or");
    println!("  - \"Import existing session\" with the one-time code (valid 10 minutes), or");
    println!("  - scan the QR code with the phone's camera for these steps.");
    // The phone's Instance URL box wants the trailing slash.
    println!("url: {url}/");
    println!("user code: {code}");
    println!("code: {}", text(&import, "code"));
    println!("{}", terminal_qr(text(pairing, "pair_url")));
    println!("Waiting for phones (Ctrl-C to stop)…");

    let (lines_tx, mut lines) = mpsc::channel::<String>(4);
    if interactive {
        // Blocking stdin on its own thread; it ends with the process.
        std::thread::spawn(move || {
            for line in std::io::stdin().lock().lines() {
                let Ok(line) = line else { break };
                if lines_tx.blocking_send(line).is_err() {
                    break;
                }
            }
        });
    } else {
        drop(lines_tx);
    }

    let mut known: Option<HashSet<u64>> = None;
    let mut seen_pending: HashSet<u64> = HashSet::new();
    let mut asking: VecDeque<Value> = VecDeque::new();
    // The stream's first snapshot predates the opening: only a change from open counts.
    let mut was_open = false;
    tokio::pin!(stop);
    loop {
        tokio::select! {
            () = &mut stop => return Ok(()),
            event = events.next() => {
                let Some((kind, data)) = event else {
                    return Err(ClientError::Refused("MPGram stopped.".to_owned()));
                };
                match kind.as_str() {
                    "pairing" => pairing_changed(&data, &mut code, &mut was_open),
                    "devices" => {
                        devices_changed(client, &data, &mut known, &mut name, &mut seen_pending, &mut asking, interactive).await;
                    }
                    _ => {}
                }
            }
            Some(line) = lines.recv() => {
                let Some(p) = asking.front().cloned() else { continue };
                let id = id_of(&p).to_string();
                let action = match line.trim().to_ascii_lowercase().as_str() {
                    "y" | "yes" => Action::Approve,
                    "n" | "no" => Action::Deny,
                    _ => {
                        ask(&p);
                        continue;
                    }
                };
                asking.pop_front();
                match act(client, action, &id).await {
                    Ok(done) => println!("{done}"),
                    Err(e) => println!("{e}"),
                }
                if let Some(next) = asking.front() {
                    ask(next);
                }
            }
        }
    }
}

fn ask(p: &Value) {
    print!("Allow {}? [y/n] ", pending_line(p));
    let _ = std::io::stdout().flush();
}

fn pairing_changed(data: &Value, code: &mut String, was_open: &mut bool) {
    let open = data.get("open").and_then(Value::as_bool).unwrap_or(false);
    let paused = data.get("paused").and_then(Value::as_bool).unwrap_or(false);
    let new_code = text(data, "user_code");
    if open && !new_code.is_empty() && new_code != code {
        println!("The user code changed (a phone used it, or wrong codes were typed).");
        println!("user code: {new_code}");
        new_code.clone_into(code);
    }
    if *was_open && !open {
        if paused {
            println!(
                "Too many wrong codes: pairing is paused. Run `mpgram pair` again to reopen it."
            );
        } else {
            println!("Pairing was closed on this PC.");
        }
    }
    *was_open = open;
}

async fn devices_changed(
    client: &ControlClient,
    data: &Value,
    known: &mut Option<HashSet<u64>>,
    name: &mut Option<String>,
    seen_pending: &mut HashSet<u64>,
    asking: &mut VecDeque<Value>,
    interactive: bool,
) {
    let devices = list(data, "devices");
    match known {
        // The stream's first snapshot: devices paired before this run are not news.
        None => *known = Some(devices.iter().map(id_of).collect()),
        Some(known) => {
            for d in devices {
                let id = id_of(d);
                if !known.insert(id) {
                    continue;
                }
                println!("Paired: {} (ID {id}).", text(d, "name"));
                if let Some(n) = name.take() {
                    match client
                        .post(
                            &format!("/v1/devices/{id}/rename"),
                            Some(&json!({ "name": n })),
                        )
                        .await
                    {
                        Ok(_) => println!("Named it \"{n}\"."),
                        Err(e) => println!("{e}"),
                    }
                }
            }
        }
    }
    let pending = list(data, "pending");
    let waiting: HashSet<u64> = pending.iter().map(id_of).collect();
    // Requests decided elsewhere (the window, another terminal) or timed out: stop asking.
    let before = asking.front().map(id_of);
    asking.retain(|p| waiting.contains(&id_of(p)));
    for p in pending {
        let id = id_of(p);
        if !seen_pending.insert(id) {
            continue;
        }
        println!("Waiting for approval: {} (ID {id}).", pending_line(p));
        if interactive {
            asking.push_back(p.clone());
        } else {
            println!("Allow it with `mpgram approve {id}`, or refuse with `mpgram deny {id}`.");
        }
    }
    if interactive && asking.front().map(id_of) != before {
        if let Some(next) = asking.front() {
            println!();
            ask(next);
        }
    }
}
