//! The HTTP server: `api.php` over hyper + axum.
//!
//! From `main` to the bytes on the wire: [`router`] builds the axum `Router` (a value: tests
//! drive it with `oneshot`), [`api_php`] runs the request pipeline of `protocol.md` §4.1 and
//! calls [`crate::api::methods::dispatch`], [`http::run`] serves the router on a listener with
//! HTTP/1.1 keep-alive and the exact response header spellings old phones need.

pub mod api_php;
pub mod devices;
pub mod http;
pub mod listen;
pub mod media_routes;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;

use crate::api::headers::ServerFeatures;
use crate::api::methods::MethodState;
use crate::telegram::Account;

pub use devices::{DeviceId, Devices, MemoryDevices};
pub use http::run;

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
    /// Largest request body read (uploads are at most 20 MiB plus multipart framing).
    pub max_body: usize,
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
}

impl AppState {
    pub fn new(account: Account, devices: Arc<dyn Devices>, config: ServerConfig) -> Self {
        Self(Arc::new(Inner {
            account,
            devices,
            config,
            methods: MethodState::new(),
        }))
    }

    pub fn account(&self) -> &Account {
        &self.0.account
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
    media_routes::routes(state.clone(), api_php::routes(state))
}
