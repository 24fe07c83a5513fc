//! The HTTP server: the way in from the LAN.
//!
//! From `main` to the bytes on the wire: [`http::run`] serves an [`router::Edge`] on a listener
//! (HTTP/1.1 keep-alive, the header spellings old phones need); [`router`] is the one route
//! table (`api.php`, `file.php`, `file/NAME`, `ava.php`, `voice.php`, `qrcode.php`, `/pair`)
//! behind the edge, one service that strips the instance URL's path prefix, checks the Host and
//! catches panics; [`request`] is the one extractor (parameters, version, caller);
//! [`api_php`] hands the request to [`crate::api::methods::dispatch`] and writes the answer.

pub mod api_php;
pub mod body;
pub mod http;
pub mod listen;
pub mod media_routes;
pub mod qrcode;
pub mod router;
pub mod web;

use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Duration;

use crate::api::headers::ServerFeatures;
use crate::api::methods::{Instance, MethodState};
use crate::guests::Guests;
use crate::pairing::Pairing;
use crate::telegram::Account;

pub use http::{run, ConnAddrs};
pub use router::{router, Edge};

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
    /// While set, every request answers 503 "paused" (the tray's Pause).
    pub paused: Arc<AtomicBool>,
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
            paused: Arc::default(),
        }
    }
}

/// Who may come in, and how: the pairing core, the guests of the login API, the host names.
#[derive(Debug, Clone)]
pub struct PairingHttp {
    pub pairing: Pairing,
    /// The reference's login API (a phone logging a *new* Telegram account in through this
    /// server, `protocol.md` §5.5). Off by default: `completePhoneLogin`, `complete2faLogin` and
    /// `resendCode` then answer 403 `Login API is disabled`. The pairing path through
    /// `initLogin`/`phoneLogin`/`getCaptchaImg`/`qrLogin` works either way. On, `phoneLogin`
    /// with a real phone number logs that number's account in as a guest ([`Guests`]).
    pub login_api: bool,
    /// Accounts phones logged in through the login API; each is served on its own.
    pub guests: Guests,
    /// Extra host names the person configured (a DNS name of this PC); this machine's addresses
    /// and `localhost` are always accepted.
    pub host_names: Vec<String>,
    /// This machine's addresses (filled by [`PairingHttp::new`]; the address a connection
    /// arrived on is accepted too).
    pub local_ips: Vec<IpAddr>,
}

impl PairingHttp {
    pub fn new(pairing: Pairing) -> Self {
        let local_ips = local_ip_address::list_afinet_netifas()
            .map(|l| l.into_iter().map(|(_, ip)| ip).collect())
            .unwrap_or_default();
        // Reach from mobile data: who is outside the home network.
        pairing.set_local_addresses(Vec::clone(&local_ips));
        Self {
            pairing,
            login_api: false,
            guests: Guests::default(),
            host_names: Vec::new(),
            local_ips,
        }
    }
}

/// Everything a request handler needs; cheap to clone.
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

struct Inner {
    account: Account,
    config: ServerConfig,
    methods: MethodState,
    pairing: PairingHttp,
    media: media_routes::MediaState,
    /// `qrcode.php`: bounded, cached, rendered off the async workers.
    qr: qrcode::QrPictures,
}

impl AppState {
    /// The state of one instance: the PC's account served to the devices `pairing` admits.
    /// `mpgram serve`, `mpgram demo`, the tray, the tests and the benches all build it here.
    pub fn new(account: Account, pairing: PairingHttp, config: ServerConfig) -> Self {
        let methods = MethodState::new();
        // Queue updates from now on (a no-op outside a runtime; the first request retries).
        methods.updates.start(&account);
        let media = media_routes::MediaState::new(&config);
        Self(Arc::new(Inner {
            account,
            config,
            methods,
            pairing,
            media,
            qr: qrcode::QrPictures::default(),
        }))
    }

    pub fn pairing(&self) -> &PairingHttp {
        &self.0.pairing
    }

    pub fn account(&self) -> &Account {
        &self.0.account
    }

    /// Answers every open `updates` long poll now: call before stopping the listeners.
    pub fn close_polls(&self) {
        self.0.methods.updates.close();
        self.0.pairing.guests.close_polls();
    }

    pub fn config(&self) -> &ServerConfig {
        &self.0.config
    }

    pub(crate) fn media(&self) -> &media_routes::MediaState {
        &self.0.media
    }

    pub(crate) fn qr(&self) -> &qrcode::QrPictures {
        &self.0.qr
    }

    /// What the API's dispatch may reach.
    pub(crate) fn instance(&self) -> Instance<'_> {
        let p = &self.0.pairing;
        Instance {
            account: &self.0.account,
            state: &self.0.methods,
            pairing: &p.pairing,
            guests: &p.guests,
            login_api: p.login_api,
            instance_password: self.0.config.instance_password.as_deref(),
            telegram_timeout: self.0.config.telegram_timeout,
            voice_conversion: self.0.config.features.voice_conversion,
        }
    }
}
