//! The window role (`mpgram-home --window`): one Tauri window over the tray process's control API.
//!
//! The page calls one command, `control(method, path, body)`; this process forwards it through the
//! core's control client ([`mpgram::control::client`]), which adds the bearer secret from `control.json`,
//! so JavaScript never holds the secret. The tray process's event
//! stream is forwarded to the page as `control` events. Closing the window ends this process, which frees
//! everything WebKit took (see ARCHITECTURE.md: why the tray never hosts the window).

use std::path::PathBuf;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tauri::{Emitter, Manager, WebviewUrl, WebviewWindowBuilder};

use mpgram::control::client::{ClientError, ControlClient, EventStream, Method, Reconnect};

pub const WINDOW_TITLE: &str = "MPGram Home";

#[tauri::command]
async fn control(
    state: tauri::State<'_, ControlClient>,
    method: String,
    path: String,
    body: Option<Value>,
) -> Result<Value, String> {
    // Only the control API's own paths: the page cannot aim the secret anywhere else.
    if !path.starts_with("/v1/") {
        return Err("unknown path".into());
    }
    let method = Method::from_bytes(method.as_bytes())
        .map_err(|_| format!("MPGram Home did not answer: unknown method {method}"))?;
    state
        .call(method, &path, body.as_ref())
        .await
        .map_err(|e| in_words(&e))
}

/// The window's own wording: the CLI's messages name `mpgram serve` and the data folder, which mean
/// nothing to the person at the window.
fn in_words(e: &ClientError) -> String {
    match e {
        ClientError::NotRunning(_) => "MPGram Home is not running.".to_owned(),
        ClientError::Refused(message) => message.clone(),
        ClientError::Protocol(detail) => format!("MPGram Home did not answer: {detail}"),
        ClientError::Read { .. } => format!("MPGram Home did not answer: {e}"),
    }
}

pub fn run(data_dir: PathBuf) -> anyhow::Result<()> {
    let client = ControlClient::follow(data_dir)?;
    tauri::Builder::default()
        .manage(client.clone())
        .invoke_handler(tauri::generate_handler![control])
        .setup(move |app| {
            let window =
                WebviewWindowBuilder::new(app, "main", WebviewUrl::App("index.html".into()))
                    .title(WINDOW_TITLE)
                    .inner_size(960.0, 720.0)
                    .min_inner_size(360.0, 420.0)
                    .center()
                    // Links such as my.telegram.org open in the person's browser, never in this
                    // window (which holds the control API).
                    .on_new_window(|url, _| {
                        open_in_browser(&url);
                        tauri::webview::NewWindowResponse::Deny
                    })
                    .on_navigation(|url| {
                        let ours = matches!(url.scheme(), "tauri" | "asset")
                            || url.host_str() == Some("tauri.localhost")
                            || url.host_str() == Some("localhost");
                        if !ours {
                            open_in_browser(url);
                        }
                        ours
                    })
                    .build()?;
            let handle = app.handle().clone();
            tauri::async_runtime::spawn(forward_events(handle, client.clone()));
            let c = client.clone();
            tauri::async_runtime::spawn(async move {
                let _ = c
                    .post("/v1/window/visible", Some(&json!({"visible": true})))
                    .await;
            });
            let c = client.clone();
            window.on_window_event(move |event| {
                if let tauri::WindowEvent::Destroyed = event {
                    // The tray process learns the pairing screen is gone (pairing then asks before
                    // letting a phone in). Bounded: a dead tray must not keep this process alive.
                    let c = c.clone();
                    let _ = tauri::async_runtime::block_on(async move {
                        tokio::time::timeout(Duration::from_secs(2), async {
                            let _ = c
                                .post("/v1/window/visible", Some(&json!({"visible": false})))
                                .await;
                            let _ = c.post("/v1/pairing/close", None).await;
                        })
                        .await
                    });
                }
            });
            Ok(())
        })
        .run(tauri::generate_context!())?;
    Ok(())
}

/// Hands an https link to the desktop's browser.
fn open_in_browser(url: &tauri::Url) {
    if url.scheme() != "https" {
        return;
    }
    if let Err(e) = std::process::Command::new("xdg-open")
        .arg(url.as_str())
        .spawn()
    {
        tracing::error!("the link could not be opened: {e}");
    }
}

/// Forwards the tray's event stream to the page, reconnecting while the tray restarts. Ends the window
/// when the tray process is gone for good (its `control.json` removed on Quit).
async fn forward_events(app: tauri::AppHandle, client: ControlClient) {
    let mut missing_since: Option<Instant> = None;
    let mut reconnect = Reconnect::new();
    loop {
        let mut connected = false;
        let result = forward_stream(&app, &client, &mut connected).await;
        if connected {
            reconnect.connected();
        }
        let (wait, news) = reconnect.failed(&format!("{result:?}"));
        if news {
            tracing::info!("event stream ended: {result:?}");
        }
        let _ = app.emit(
            "control",
            json!({"event": "connection", "data": {"connected": false}}),
        );
        if matches!(result, Err(ClientError::NotRunning(_))) && !client.running() {
            let since = *missing_since.get_or_insert_with(Instant::now);
            if since.elapsed() > Duration::from_secs(5) {
                tracing::info!("MPGram Home quit; closing the window");
                app.exit(0);
                return;
            }
        } else {
            missing_since = None;
        }
        tokio::time::sleep(wait).await;
    }
}

/// One connection of the event stream, forwarded until it ends; `connected` tells whether it was up.
async fn forward_stream(
    app: &tauri::AppHandle,
    client: &ControlClient,
    connected: &mut bool,
) -> Result<(), ClientError> {
    // A hung tray is given up on (and reconnected to) rather than waited on forever.
    let mut events = client
        .events(false)
        .await?
        .end_after_silence(EventStream::SILENCE_LIMIT);
    *connected = true;
    let _ = app.emit(
        "control",
        json!({"event": "connection", "data": {"connected": true}}),
    );
    while let Some((name, data)) = events.next().await {
        if name == "open-window" {
            if let Some(w) = app.get_webview_window("main") {
                let _ = w.unminimize();
                let _ = w.show();
                let _ = w.set_focus();
            }
            continue;
        }
        let _ = app.emit("control", json!({"event": name, "data": data}));
    }
    Ok(())
}
