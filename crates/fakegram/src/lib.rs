//! fakegram: a fake Telegram data-centre speaking real MTProto 2.0 over TCP on loopback.
//!
//! The unmodified `grammers-client` connects to it with a pre-seeded session (Telegram's RSA
//! keys cannot be faked, so the auth key is shared up front: [`FakeDc::client_session`]).
//! Tests script it: push incoming messages, inject faults, read the log of RPCs received.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! let dc = fakegram::FakeDc::start(fakegram::demo_world()).await?;
//! let session = dc.client_session(true);
//! # Ok(()) }
//! ```

pub mod crypto;
mod demo;
mod faults;
pub mod media;
mod rpc;
mod server;
mod srp;
mod wire;
pub mod world;

use std::collections::HashMap;
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4, SocketAddrV6};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use grammers_session::storages::MemorySession;
use grammers_session::types::DcOption;
use grammers_session::SessionData;
use grammers_tl_types::{self as tl, Serializable};
use tokio::net::TcpListener;
use tokio::sync::broadcast;

pub use crypto::AuthKey;
pub use demo::{demo_world, guest_world, DEMO_BOT_USERNAME, GUEST_ID};
pub use faults::{Call, Faults};
pub use world::{LoggedUpdate, MsgRec, Peer, World};

use server::Control;

/// The DC ids a fake serves, like Telegram's production DCs.
pub const DC_IDS: [i32; 5] = [1, 2, 3, 4, 5];

/// Locks a mutex, carrying on after a panic elsewhere (the fake's state stays usable for
/// the assertions of the test that panicked).
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

struct KeyEntry {
    key: AuthKey,
    authorized: bool,
}

/// Login flows in progress.
#[derive(Default)]
pub(crate) struct LoginState {
    pub phone_code_hashes: HashMap<String, i32>,
    pub qr: Option<QrLogin>,
    pub srp: Option<srp::Challenge>,
    /// Keys that passed the code or QR step and must now give the 2FA password.
    pub password_pending: Vec<[u8; 8]>,
}

pub(crate) struct QrLogin {
    pub token: Vec<u8>,
    pub expires: i32,
    pub accepted: bool,
    /// The DC the smartphone's account lives on (for loginTokenMigrateTo).
    pub key_id: [u8; 8],
}

/// State shared by every connection of every DC.
pub(crate) struct Shared {
    world: Mutex<World>,
    keys: Mutex<HashMap<[u8; 8], KeyEntry>>,
    pub(crate) salt: i64,
    faults: Mutex<Faults>,
    calls: Mutex<Vec<Call>>,
    pub(crate) control: broadcast::Sender<Control>,
    pub(crate) dcs: Vec<(i32, SocketAddr)>,
    pub(crate) login: Mutex<LoginState>,
}

impl Shared {
    pub(crate) fn key(&self, id: [u8; 8]) -> Option<AuthKey> {
        lock(&self.keys).get(&id).map(|k| k.key.clone())
    }

    pub(crate) fn is_authorized(&self, id: [u8; 8]) -> bool {
        lock(&self.keys).get(&id).is_some_and(|k| k.authorized)
    }

    pub(crate) fn set_authorized(&self, id: [u8; 8], authorized: bool) {
        if let Some(k) = lock(&self.keys).get_mut(&id) {
            k.authorized = authorized;
        }
    }

    pub(crate) fn world(&self) -> MutexGuard<'_, World> {
        lock(&self.world)
    }

    pub(crate) fn faults(&self) -> MutexGuard<'_, Faults> {
        lock(&self.faults)
    }

    pub(crate) fn log_call(&self, dc_id: i32, method: &str) {
        lock(&self.calls).push(Call {
            dc_id,
            method: method.to_owned(),
        });
    }

    /// Pushes logged updates to every session, as one `updates` container.
    pub(crate) fn publish(&self, world: &World, entries: &[LoggedUpdate]) {
        if entries.is_empty() {
            return;
        }
        let mut updates = Vec::new();
        let mut users = Vec::new();
        let mut chats = Vec::new();
        for e in entries {
            if let Some(u) = world::tl::update(world, e) {
                updates.push(u);
                let (us, cs) = world::tl::update_peers(world, e);
                users.extend(us);
                chats.extend(cs);
            }
        }
        self.publish_raw(&tl::enums::Updates::Updates(tl::types::Updates {
            updates,
            users,
            chats,
            date: world::now(),
            seq: 0,
        }));
    }

    pub(crate) fn publish_raw(&self, updates: &tl::enums::Updates) {
        let _ = self
            .control
            .send(Control::Updates(Arc::new(updates.to_bytes())));
    }
}

/// Session data for grammers pointing every DC at the given fake addresses with `key`.
pub fn session_data_for(addrs: &[(i32, SocketAddrV4)], key: &AuthKey, home: i32) -> SessionData {
    let mut data = SessionData {
        home_dc: home,
        ..SessionData::default()
    };
    data.dc_options.clear();
    for (id, v4) in addrs {
        data.dc_options.insert(
            *id,
            DcOption {
                id: *id,
                ipv4: *v4,
                ipv6: SocketAddrV6::new(v4.ip().to_ipv6_mapped(), v4.port(), 0, 0),
                auth_key: Some(key.bytes()),
            },
        );
    }
    data
}

/// A running fake Telegram: five DCs on loopback sharing one world.
pub struct FakeDc {
    shared: Arc<Shared>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Drop for FakeDc {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
        let _ = self.shared.control.send(Control::DropAll);
    }
}

impl FakeDc {
    /// Binds every DC on 127.0.0.1 with an ephemeral port and starts serving `world`.
    pub async fn start(world: World) -> std::io::Result<Self> {
        let mut listeners = Vec::new();
        let mut dcs = Vec::new();
        for id in DC_IDS {
            let l = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await?;
            dcs.push((id, l.local_addr()?));
            listeners.push((id, l));
        }
        let (control, _) = broadcast::channel(1024);
        let shared = Arc::new(Shared {
            world: Mutex::new(world),
            keys: Mutex::new(HashMap::new()),
            salt: rand::random(),
            faults: Mutex::new(Faults::default()),
            calls: Mutex::new(Vec::new()),
            control,
            dcs,
            login: Mutex::new(LoginState::default()),
        });
        let tasks = listeners
            .into_iter()
            .map(|(id, l)| tokio::spawn(server::accept_loop(Arc::clone(&shared), id, l)))
            .collect();
        Ok(Self { shared, tasks })
    }

    /// The address a DC listens on.
    pub fn addr(&self, dc_id: i32) -> Option<SocketAddr> {
        self.shared
            .dcs
            .iter()
            .find(|(id, _)| *id == dc_id)
            .map(|(_, a)| *a)
    }

    /// The DC the account lives on.
    pub fn home_dc(&self) -> i32 {
        self.shared.world().account.home_dc
    }

    /// Registers a new auth key; `authorized` when it is already logged in to the account.
    pub fn new_key(&self, authorized: bool) -> AuthKey {
        let key = AuthKey::random();
        lock(&self.shared.keys).insert(
            key.id(),
            KeyEntry {
                key: key.clone(),
                authorized,
            },
        );
        key
    }

    /// Whether a key is logged in.
    pub fn key_authorized(&self, key: &AuthKey) -> bool {
        self.shared.is_authorized(key.id())
    }

    /// Session data for grammers: every DC pointed at this fake with `key`, home DC `home`.
    pub fn session_data(&self, key: &AuthKey, home: i32) -> SessionData {
        let addrs: Vec<(i32, SocketAddrV4)> = self
            .shared
            .dcs
            .iter()
            .filter_map(|(id, a)| match a {
                SocketAddr::V4(v4) => Some((*id, *v4)),
                SocketAddr::V6(_) => None,
            })
            .collect();
        session_data_for(&addrs, key, home)
    }

    /// Every DC's address, for a client in another process.
    pub fn addrs(&self) -> Vec<(i32, SocketAddr)> {
        self.shared.dcs.clone()
    }

    /// A ready grammers session with a fresh key: logged in (`authorized`) on the account's
    /// home DC, or logged out on DC 2 as a new install would be.
    pub fn client_session(&self, authorized: bool) -> MemorySession {
        let key = self.new_key(authorized);
        let home = if authorized { self.home_dc() } else { 2 };
        MemorySession::from(self.session_data(&key, home))
    }

    /// The world, to inspect or change (call [`FakeDc::publish`] for changes clients must see).
    pub fn world(&self) -> MutexGuard<'_, World> {
        self.shared.world()
    }

    /// Pushes already-logged world events to connected clients.
    pub fn publish(&self, entries: &[LoggedUpdate]) {
        let w = self.shared.world();
        self.shared.publish(&w, entries);
    }

    /// Someone writes to us: stores the message and pushes `updateNewMessage`.
    pub fn push_incoming(&self, peer: Peer, from: i64, text: &str) -> i32 {
        let mut w = self.shared.world();
        let msg = MsgRec::text(peer, Some(Peer::User(from)), false, world::now(), text);
        let (id, e) = w.post(msg);
        self.shared.publish(&w, &[e]);
        id
    }

    /// An existing message is edited by its author.
    pub fn push_edit(&self, peer: Peer, id: i32, text: &str) -> bool {
        let mut w = self.shared.world();
        let Some(e) = w.edit_message(peer, id, text.to_owned(), Vec::new()) else {
            return false;
        };
        self.shared.publish(&w, &[e]);
        true
    }

    pub fn push_delete(&self, peer: Peer, ids: &[i32]) -> bool {
        let mut w = self.shared.world();
        let Some(e) = w.delete_messages(peer, ids) else {
            return false;
        };
        self.shared.publish(&w, &[e]);
        true
    }

    /// The other side reads our messages up to `max_id`.
    pub fn push_read_outbox(&self, peer: Peer, max_id: i32) -> bool {
        let mut w = self.shared.world();
        let Some(e) = w.read_outbox(peer, max_id) else {
            return false;
        };
        self.shared.publish(&w, &[e]);
        true
    }

    /// `from` is typing in `peer` (not logged: typing is never replayed).
    pub fn push_typing(&self, peer: Peer, from: i64) {
        let action = tl::enums::SendMessageAction::SendMessageTypingAction;
        let update = match peer {
            Peer::User(user_id) => tl::enums::Update::UserTyping(tl::types::UpdateUserTyping {
                user_id,
                top_msg_id: None,
                action,
            }),
            Peer::Chat(chat_id) => {
                tl::enums::Update::ChatUserTyping(tl::types::UpdateChatUserTyping {
                    chat_id,
                    from_id: world::tl::peer(Peer::User(from)),
                    action,
                })
            }
            Peer::Channel(channel_id) => {
                tl::enums::Update::ChannelUserTyping(tl::types::UpdateChannelUserTyping {
                    channel_id,
                    top_msg_id: None,
                    from_id: world::tl::peer(Peer::User(from)),
                    action,
                })
            }
        };
        self.shared
            .publish_raw(&tl::enums::Updates::UpdateShort(tl::types::UpdateShort {
                update,
                date: world::now(),
            }));
    }

    /// The smartphone scans the current QR login token and accepts it.
    pub fn accept_qr_login(&self) -> bool {
        let mut login = lock(&self.shared.login);
        let Some(qr) = login.qr.as_mut() else {
            return false;
        };
        qr.accepted = true;
        drop(login);
        self.shared
            .publish_raw(&tl::enums::Updates::UpdateShort(tl::types::UpdateShort {
                update: tl::enums::Update::LoginToken,
                date: world::now(),
            }));
        true
    }

    /// Fault rules; see [`Faults`].
    pub fn faults(&self) -> MutexGuard<'_, Faults> {
        self.shared.faults()
    }

    /// Answer `method` (e.g. `messages.getDialogs`) with FLOOD_WAIT_`seconds`, `times` times.
    pub fn flood_wait(&self, method: &str, seconds: u32, times: u32) {
        self.faults()
            .flood_wait
            .insert(method.to_owned(), (seconds, times));
    }

    /// Closes every client connection now.
    pub fn drop_connections(&self) {
        let _ = self.shared.control.send(Control::DropAll);
    }

    /// Delays every answer (None: answer at once).
    pub fn set_delay(&self, delay: Option<Duration>) {
        self.faults().delay = delay;
    }

    /// Every RPC received so far, in order.
    pub fn calls(&self) -> Vec<Call> {
        lock(&self.shared.calls).clone()
    }

    /// How many times `method` was called.
    pub fn count(&self, method: &str) -> usize {
        lock(&self.shared.calls)
            .iter()
            .filter(|c| c.method == method)
            .count()
    }

    pub fn clear_calls(&self) {
        lock(&self.shared.calls).clear();
    }

    /// The IPv4 address of a DC (for configs and sessions built by hand).
    pub fn addr_v4(&self, dc_id: i32) -> Option<SocketAddrV4> {
        match self.addr(dc_id)? {
            SocketAddr::V4(v4) => Some(v4),
            SocketAddr::V6(_) => None,
        }
    }
}
