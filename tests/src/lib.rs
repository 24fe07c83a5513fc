//! Shared helpers for the end-to-end tests: a real grammers client wired to a fakegram DC,
//! and the strict parser that reads every API answer as the J2ME client would.

pub mod external;
pub mod strict;

use std::sync::Arc;
use std::time::Duration;

use fakegram::FakeDc;
use grammers_client::session::storages::MemorySession;
use grammers_client::session::updates::UpdatesLike;
use grammers_client::{Client, SenderPool};
use grammers_mtsender::{ConnectionParams, NoRetries};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// Any api_id works with fakegram; the real one comes from the build or the user.
pub const API_ID: i32 = 12345;
pub const API_HASH: &str = "0123456789abcdef0123456789abcdef";

/// A running grammers client and the pieces tests need to drive it.
pub struct Connected {
    pub client: Client,
    pub session: Arc<MemorySession>,
    /// Raw updates as the sender pool delivers them (feed to `stream_updates`).
    pub updates: Option<mpsc::Receiver<UpdatesLike>>,
    runner: JoinHandle<()>,
}

impl Drop for Connected {
    fn drop(&mut self) {
        self.client.disconnect();
        self.runner.abort();
    }
}

/// Connects the unmodified grammers client to `fake` with a fresh pre-seeded key;
/// `authorized` picks a logged-in or a fresh install. `retries: false` surfaces
/// every RPC error (FLOOD_WAIT included) instead of sleeping on it.
pub fn connect(fake: &FakeDc, authorized: bool, retries: bool) -> Connected {
    connect_session(Arc::new(fake.client_session(authorized)), retries)
}

pub fn connect_session(session: Arc<MemorySession>, retries: bool) -> Connected {
    let params = if retries {
        ConnectionParams::default()
    } else {
        ConnectionParams {
            retry_policy: Box::new(NoRetries),
            ..ConnectionParams::default()
        }
    };
    let pool = SenderPool::with_configuration(Arc::clone(&session), API_ID, params);
    let client = Client::new(pool.handle);
    let runner = tokio::spawn(pool.runner.run());
    Connected {
        client,
        session,
        updates: Some(pool.updates),
        runner,
    }
}

/// Waits for `cond` with a bound, polling; panics with `what` when it never holds.
pub async fn eventually<F: FnMut() -> bool>(what: &str, mut cond: F) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !cond() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Our API server on a loopback socket over a grammers account logged into fakegram's demo world:
/// what every API test file starts from. Devices are paired the way `mpgram demo` pairs its own
/// (production [`mpgram::pairing::Pairing`], not a test stand-in), so tests see real auth.
pub struct DemoServer {
    pub dc: FakeDc,
    /// `http://127.0.0.1:PORT/`
    pub base: String,
    /// Tokens of the paired devices, in the order asked for.
    pub tokens: Vec<String>,
    /// The account, to wait for its connection where a test needs it.
    pub account: mpgram::telegram::Account,
    /// Dropping it stops the server.
    pub stop: tokio::sync::oneshot::Sender<()>,
    /// The server's pairing (devices, import codes, revoke), as the PC side holds it.
    pub pairing: mpgram::pairing::Pairing,
}

/// Starts [`DemoServer`] with `config` and `devices` paired devices.
pub async fn serve_demo(config: mpgram::server::ServerConfig, devices: usize) -> DemoServer {
    use mpgram::pairing::Pairing;
    use mpgram::server::{self, AppState, PairingHttp};
    use mpgram::telegram::{Account, ApiCredentials, StoredSession};

    let dc = FakeDc::start(fakegram::demo_world())
        .await
        .expect("fakegram starts");
    let stored = StoredSession::from(dc.session_data(&dc.new_key(true), dc.home_dc()));
    let account = Account::start(
        stored,
        ApiCredentials {
            api_id: API_ID,
            api_hash: API_HASH.into(),
        },
    );
    let pairing = Pairing::new();
    let tokens = pair_devices(&pairing, devices);
    let http = PairingHttp::new(pairing.clone());
    let state = AppState::new(account.clone(), http, config);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(server::run(listener, server::router(state), async move {
        let _ = stopped.await;
    }));
    DemoServer {
        dc,
        base: format!("http://{addr}/"),
        tokens,
        account,
        stop,
        pairing,
    }
}

/// Pairs `n` devices on `pairing` as `mpgram demo` pairs its own (crates/mpgram/src/bin/mpgram.rs):
/// an import code redeemed at once from loopback becomes the device's token. One live code at a
/// time, so one code per device. Returns the tokens in pairing order (device ids 1, 2, …).
pub fn pair_devices(pairing: &mpgram::pairing::Pairing, n: usize) -> Vec<String> {
    use mpgram::pairing::{Auth, DeviceInfo};
    let loopback = std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST);
    (0..n)
        .map(|i| {
            let code = pairing.create_import_code().code;
            let info = DeviceInfo {
                model: Some(format!("Test phone {}", i + 1)),
                ..DeviceInfo::default()
            };
            assert!(
                matches!(
                    pairing.authenticate(loopback, &code, &info),
                    Auth::Device(_)
                ),
                "the import code pairs device {i}"
            );
            code
        })
        .collect()
}
