//! `GET /v1/events`: Server-Sent Events. `event:` is `status`, `pairing`, `devices` (pending
//! approvals included) or `open-window`; `data:` is the JSON the matching GET returns
//! (`open-window`: `{}`). A new stream starts with the current `status`, `pairing` and `devices`
//! so a client never misses what happened between its GET and its subscription.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::time::Duration;

use axum::extract::State;
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::routing::get;
use axum::Router;
use futures_util::stream::{self, Stream, StreamExt as _};
use tokio::sync::broadcast::{self, error::RecvError};

use super::ControlState;
use crate::pairing::Change;

pub const STATUS: &str = "status";
pub const PAIRING: &str = "pairing";
pub const DEVICES: &str = "devices";
pub const OPEN_WINDOW: &str = "open-window";

/// How often idle streams get a comment, so proxies and clients see the connection is alive.
pub const KEEP_ALIVE: Duration = Duration::from_secs(15);
/// How often time-based changes (pairing closing by itself, a request lapsing) are looked for.
const TIME_CHECK: Duration = Duration::from_secs(1);

/// One event: its name and its JSON text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub name: &'static str,
    pub data: String,
}

/// The event bus every control stream listens to.
#[derive(Debug, Clone)]
pub struct Events(broadcast::Sender<Event>);

impl Default for Events {
    fn default() -> Self {
        Self::new()
    }
}

impl Events {
    pub fn new() -> Self {
        Self(broadcast::channel(256).0)
    }

    /// Sends to every open stream (none listening is fine).
    pub fn publish(&self, name: &'static str, data: &serde_json::Value) {
        let _ = self.0.send(Event {
            name,
            data: data.to_string(),
        });
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.0.subscribe()
    }
}

/// The current `status`, `pairing` and `devices` events.
fn snapshot(state: &ControlState) -> Vec<Event> {
    [
        (STATUS, super::status::json(state)),
        (PAIRING, super::pairing::json(state)),
        (DEVICES, super::devices::json(state)),
    ]
    .into_iter()
    .map(|(name, v)| Event {
        name,
        data: v.to_string(),
    })
    .collect()
}

/// Turns the pairing core's change announcements into `pairing`/`devices` events; runs for the
/// server's lifetime.
pub(super) async fn pump(state: ControlState) {
    let pairing = state.pairing().pairing.clone();
    let mut changes = pairing.subscribe();
    let mut tick = tokio::time::interval(TIME_CHECK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            change = changes.recv() => match change {
                Ok(Change::Pairing) => {
                    state.events().publish(PAIRING, &super::pairing::json(&state));
                }
                Ok(Change::Devices) => {
                    state.events().publish(DEVICES, &super::devices::json(&state));
                }
                Err(RecvError::Lagged(_)) => {
                    state.events().publish(PAIRING, &super::pairing::json(&state));
                    state.events().publish(DEVICES, &super::devices::json(&state));
                }
                Err(RecvError::Closed) => break,
            },
            _ = tick.tick() => pairing.check_time(),
        }
    }
}

struct Feed {
    state: ControlState,
    rx: broadcast::Receiver<Event>,
    queued: VecDeque<Event>,
}

fn stream(state: &ControlState) -> impl Stream<Item = Result<SseEvent, Infallible>> {
    let rx = state.events().subscribe();
    let feed = Feed {
        queued: snapshot(state).into(),
        state: state.clone(),
        rx,
    };
    let mut stopping = state.stopping();
    let events = stream::unfold(feed, |mut feed| async move {
        loop {
            if let Some(e) = feed.queued.pop_front() {
                return Some((e, feed));
            }
            match feed.rx.recv().await {
                Ok(e) => return Some((e, feed)),
                // Fell behind: what it missed is summed up by the current state.
                Err(RecvError::Lagged(_)) => feed.queued = snapshot(&feed.state).into(),
                Err(RecvError::Closed) => return None,
            }
        }
    });
    events
        .map(|e| Ok(SseEvent::default().event(e.name).data(e.data)))
        .take_until(async move {
            let _ = stopping.wait_for(|s| *s).await;
        })
}

pub(super) fn routes() -> Router<ControlState> {
    Router::new().route(
        "/v1/events",
        get(|State(state): State<ControlState>| async move {
            Sse::new(stream(&state)).keep_alive(KeepAlive::new().interval(KEEP_ALIVE))
        }),
    )
}
