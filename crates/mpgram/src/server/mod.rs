//! The HTTP server: `api.php` over hyper + axum.
//!
//! From `main` to the bytes on the wire: [`router`] builds the axum `Router` (a value: tests
//! drive it with `oneshot`), [`api_php`] runs the request pipeline of `protocol.md` §4.1 and
//! calls [`crate::api::methods::dispatch`], [`http::run`] serves the router on a listener with
//! HTTP/1.1 keep-alive and the exact response header spellings old phones need.

pub mod api_php;
pub mod body;
pub mod devices;
pub mod guests;
pub mod http;
pub mod listen;
pub mod media_routes;
pub mod pairing_routes;
pub mod qrcode;
pub mod updates_queue;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;

use crate::api::headers::ServerFeatures;
use crate::api::methods::MethodState;
use crate::telegram::Account;

pub use devices::{DeviceId, Devices, MemoryDevices};
pub use http::run;
pub use pairing_routes::PairingHttp;

/// Server settings.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// `X-mpgram-instance-password` required on every API call when set (`protocol.md` §5.4
    /// allows checking it everywhere; the J2ME client sends it on every request).
    pub instance_password: Option<String>,
    /// Which `X-…-supported` headers to send (only for endpoints that really work).
    pub features: ServerFeatures,
    /// How long one Telegram call may take before the phone gets a 503.
    pub telegram_timeout: Duration,
    /// Largest request body read from a paired device (uploads are at most 20 MiB plus
    /// multipart framing); callers without a known token get [`body::ANONYMOUS_BODY_LIMIT`].
    pub max_body: usize,
    /// Longest pause while a body arrives before the request is answered `File error: 3`
    /// and the connection closed.
    pub body_idle_timeout: Duration,
    /// Where converted media are cached (size-capped); `None` = a folder in the temp dir.
    pub media_cache_dir: Option<PathBuf>,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            instance_password: None,
            // Both work: `file/NAME` and `voice.php` are served by [`media_routes`].
            features: ServerFeatures {
                file_rewrite: true,
                voice_conversion: true,
            },
            telegram_timeout: Duration::from_secs(25),
            max_body: 21 * 1024 * 1024,
            body_idle_timeout: Duration::from_secs(30),
            media_cache_dir: None,
        }
    }
}

/// Everything a request handler needs; cheap to clone.
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

struct Inner {
    account: Account,
    devices: Arc<dyn Devices>,
    config: ServerConfig,
    methods: MethodState,
    pairing: Option<PairingHttp>,
}

impl AppState {
    pub fn new(account: Account, devices: Arc<dyn Devices>, config: ServerConfig) -> Self {
        let methods = MethodState::new();
        // Queue updates from now on (a no-op outside a runtime; the first request retries).
        methods.updates.start(&account);
        Self(Arc::new(Inner {
            account,
            devices,
            config,
            methods,
            pairing: None,
        }))
    }

    /// A server whose devices, login screens, `qrcode.php`, `/pair` and Host check are the
    /// pairing's ([`pairing_routes`]).
    pub fn with_pairing(account: Account, pairing: PairingHttp, config: ServerConfig) -> Self {
        let methods = MethodState::new();
        methods.updates.start(&account);
        Self(Arc::new(Inner {
            account,
            devices: Arc::new(MemoryDevices::new()),
            config,
            methods,
            pairing: Some(pairing),
        }))
    }

    pub fn pairing(&self) -> Option<&PairingHttp> {
        self.0.pairing.as_ref()
    }

    pub fn account(&self) -> &Account {
        &self.0.account
    }

    /// Answers every open `updates` long poll now: call before stopping the listeners.
    pub fn close_polls(&self) {
        self.0.methods.updates.close();
        if let Some(p) = &self.0.pairing {
            p.guests.close_polls();
        }
    }

    pub fn devices(&self) -> &Arc<dyn Devices> {
        &self.0.devices
    }

    pub fn config(&self) -> &ServerConfig {
        &self.0.config
    }

    pub(crate) fn methods(&self) -> &MethodState {
        &self.0.methods
    }
}

/// The whole HTTP surface as a value.
pub fn router(state: AppState) -> Router {
    // Pairing's middleware (Host check, login screens) sees every path, media included.
    pairing_routes::wrap(
        media_routes::routes(state.clone(), api_php::routes(state.clone())),
        state,
    )
}
