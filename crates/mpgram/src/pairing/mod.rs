//! Pairing and access control: which phones may use this instance, and how they get in.
//!
//! Pure core (no HTTP, no Telegram). The HTTP layer calls one [`Pairing`] method per request and
//! maps the result to the MPGram answer named in each method's doc. Every path ends in one
//! [`Device`] entry; only a device token authenticates API calls.
//!
//! Phone side, as the stock J2ME client walks it (client-j2me.md §6.2, §6.5):
//! `initLogin&qr=1` → [`Pairing::begin_login`]; `getCaptchaImg` → [`Pairing::captcha_picture`];
//! `initLogin&qr=1&captcha_id&captcha_key` → [`Pairing::submit_code`]; `qrcode.php?t=` →
//! [`Pairing::status_picture`]; `qrLogin` → [`Pairing::poll`]; every other call →
//! [`Pairing::authenticate`] (also where an import code turns into a device).
//! PC side: [`Pairing::open`]/[`Pairing::close`], [`Pairing::status`], [`Pairing::allow`]/[`Pairing::deny`],
//! [`Pairing::create_import_code`], [`Pairing::devices`]/[`Pairing::rename`]/[`Pairing::revoke`].
mod approval;
mod captcha;
mod clock;
mod devices;
mod host_check;
mod import_code;
mod login;
mod qr;
mod saved;
mod throttle;
pub mod tokens;
mod user_code;

use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use thiserror::Error;
use tokio::sync::broadcast;

pub use approval::{PendingApproval, APPROVAL_TIMEOUT, CLAIM_GRACE, CLAIM_TIMEOUT};
pub use captcha::{Picture, PictureError, PICTURE_HEIGHT, PICTURE_WIDTH};
pub use clock::{Clock, ManualClock, SystemClock};
pub use devices::{Device, DeviceId, DeviceInfo, DevicesState, PairedVia, MAX_NAME_CHARS};
pub use host_check::{check_host, HostError};
pub use import_code::{ImportCode, IMPORT_CODE_DIGITS, IMPORT_CODE_TTL};
pub use login::CAPTCHA_TTL;
pub use qr::{instance_url, landing_page, pair_url, PageCode, PAGE_CONTENT_TYPE};
pub use saved::{SaverLink, SAVE_WAIT};
pub use throttle::{Throttled, BASE_DELAY, FREE_FAILURES, MAX_DELAY};
pub use tokens::{is_well_formed, same_secret, Token, TokenHash};
pub use user_code::{
    WindowState, CODE_DIGITS, CODE_SPACE, GRACE, MAX_WRONG_TRIES_PER_OPENING,
    ROTATIONS_BEFORE_PAUSE, WRONG_TRIES_PER_CODE,
};

use approval::{Stage, Tickets, STATUS_TEXT_PREFIX};
use import_code::ImportCodes;
use login::Captchas;
use throttle::Throttle;
use user_code::{CodeCheck, UserCode};

/// Errors of the PC-side actions.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PairingError {
    #[error("no device {0}")]
    UnknownDevice(DeviceId),
    #[error("no pairing request {0} is waiting")]
    NoSuchRequest(DeviceId),
    #[error("a device name must have 1 to {MAX_NAME_CHARS} printable characters")]
    InvalidName,
}

/// Result of the captcha step (`initLogin&qr=1&captcha_id&captcha_key`, or `phoneLogin` with them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SubmitOutcome {
    /// Right code. Answer 200 `{"user":<ticket>,"res":"qr","text":<text>}`. The ticket is a
    /// temporary token that authenticates nothing; the QR screen's `qrLogin` poll ([`Pairing::poll`])
    /// exchanges it for the device token.
    Accepted {
        ticket: Token,
        text: String,
        /// `Some(n)` if the PC must allow this phone first; both show `n`.
        approval_number: Option<u8>,
    },
    /// Answer 200 `{"res":"wrong_captcha","captcha_id":<id>}`; the client reloads the captcha,
    /// whose picture now says "Wrong code — try again".
    WrongCode { captcha_id: String },
    /// Pairing is closed or paused on the PC; the answer was not even compared. Answer 200
    /// `{"res":"wrong_captcha","captcha_id":<id>}`; the reloaded picture says to open MPGram Home.
    Closed { captcha_id: String },
    /// Unknown or old captcha id. Answer 200 `{"res":"captcha_expired","captcha_id":<id>}`.
    CaptchaExpired { captcha_id: String },
    /// Answer 429 `{"error":{"message":<Throttled::message>}}` with `Retry-After`. Nothing was
    /// checked or used up.
    Throttled(Throttled),
}

impl SubmitOutcome {
    /// The `res` word for the non-`Accepted`, non-throttled outcomes (each contains `captcha`, so
    /// the client reloads its captcha screen).
    pub fn res(&self) -> &'static str {
        match self {
            SubmitOutcome::Accepted { .. } => "qr",
            SubmitOutcome::WrongCode { .. } | SubmitOutcome::Closed { .. } => "wrong_captcha",
            SubmitOutcome::CaptchaExpired { .. } => "captcha_expired",
            SubmitOutcome::Throttled(_) => "throttled",
        }
    }
}

/// Result of a `qrLogin` poll made with a ticket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PollOutcome {
    /// Answer 200 `{"res":1,"user":<token>,"phone_code_hash":null}`: the client adopts `user` and
    /// opens the chats. Repeated polls within [`CLAIM_GRACE`] get the same token.
    Paired { token: Token, device: DeviceId },
    /// Answer 200 `{"res":"qr","text":<text>}` so the client keeps polling; the picture for
    /// `text` shows the number.
    Waiting { number: u8, text: String },
    /// Answer 200 `{"error":{"message":<PollOutcome::message>}}`: the client stops polling and
    /// shows it.
    Denied,
    /// As `Denied`, with the timeout message.
    Expired,
}

impl PollOutcome {
    /// `error.message` for `Denied`/`Expired`.
    pub fn message(&self) -> Option<&'static str> {
        match self {
            PollOutcome::Denied => Some("Pairing was refused on the PC."),
            PollOutcome::Expired => Some("Pairing timed out. Go back and start again."),
            _ => None,
        }
    }
}

/// Result of checking a request's token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Auth {
    /// A paired device (its last-seen time and address are updated).
    Device(DeviceId),
    /// Unknown, malformed or revoked token: answer 401 `Invalid authorization` (media endpoints:
    /// 401, empty body). The only case that may be 401 (client-j2me.md §4.2).
    Unknown,
    /// Too many bad tokens from this address: answer 429 with [`Throttled::message`].
    Throttled(Throttled),
}

/// What changed, for the control API's event stream ([`Pairing::subscribe`]). Last-seen updates
/// are not changes (they would fire on every request).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// Pairing opened, closed, paused, or its code rotated.
    Pairing,
    /// A device paired, was renamed or revoked, or a pending approval came or went.
    Devices,
}

/// What [`Pairing::mutate`] compares to decide which [`Change`] to announce.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Observed {
    window: Option<(WindowState, Option<String>, Option<Instant>)>,
    revision: u64,
    pending: Vec<DeviceId>,
}

/// What the PC window shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PairingStatus {
    pub state: WindowState,
    /// The 6-digit code, only while open.
    pub user_code: Option<String>,
    /// When open pairing ends by itself (`None` while the screen shows or when not open).
    pub closes_in: Option<Duration>,
    pub ask_before_pairing: bool,
}

struct State {
    ask_before_pairing: bool,
    user_code: UserCode,
    captchas: Captchas,
    tickets: Tickets,
    imports: ImportCodes,
    throttle: Throttle,
    devices: Vec<Device>,
    next_id: u32,
    revision: u64,
    /// As last announced.
    observed: Observed,
    /// This machine's addresses: a caller at one of them (or in the same IPv6 /64) is at home.
    local_ips: Vec<IpAddr>,
    /// Unix seconds of the last request from outside the home network (reach from mobile data).
    last_outside: Option<u64>,
    /// The router's public address while reach maps a port: phones away from home name it in
    /// `Host`, so the Host check accepts it as ours.
    public_address: Option<IpAddr>,
}

/// The pairing handle: cheap to clone, shared by the HTTP layer, the tray and the control API.
/// A std mutex inside: every method is short and synchronous, never held across `.await`.
#[derive(Clone)]
pub struct Pairing {
    state: Arc<Mutex<State>>,
    /// `State::revision`, readable without the lock: every API call reads it twice (see
    /// [`Pairing::revision`]), and the lock is shared by every connection.
    revision: Arc<AtomicU64>,
    clock: Arc<dyn Clock>,
    changes: broadcast::Sender<Change>,
    saved: Arc<saved::Saved>,
}

impl std::fmt::Debug for Pairing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pairing").finish_non_exhaustive()
    }
}

impl Default for Pairing {
    fn default() -> Self {
        Self::new()
    }
}

impl Pairing {
    /// Real clock, "Ask before pairing" off, no devices, pairing closed.
    pub fn new() -> Self {
        Self::with_clock(Arc::new(SystemClock))
    }

    pub fn with_clock(clock: Arc<dyn Clock>) -> Self {
        Self {
            revision: Arc::new(AtomicU64::new(0)),
            state: Arc::new(Mutex::new(State {
                ask_before_pairing: false,
                user_code: UserCode::new(),
                captchas: Captchas::default(),
                tickets: Tickets::default(),
                imports: ImportCodes::default(),
                throttle: Throttle::default(),
                devices: Vec::new(),
                next_id: 1,
                revision: 0,
                observed: Observed::default(),
                local_ips: Vec::new(),
                last_outside: None,
                public_address: None,
            })),
            clock,
            changes: broadcast::channel(64).0,
            saved: Arc::default(),
        }
    }

    /// Announcements of changes made from now on. Time-based ones (pairing closing after its grace
    /// period, a request lapsing) are announced by the next call, or by [`Pairing::check_time`].
    pub fn subscribe(&self) -> broadcast::Receiver<Change> {
        self.changes.subscribe()
    }

    /// Announces what time alone changed since the last call (call it every second or so while
    /// someone listens).
    pub fn check_time(&self) {
        self.mutate(|_, _| ());
    }

    /// Unix seconds on this pairing's clock.
    pub fn unix_secs(&self) -> u64 {
        self.clock.unix_secs()
    }

    /// Runs `f` under the lock, then announces what it (or time) changed.
    fn mutate<R>(&self, f: impl FnOnce(&mut State, Instant) -> R) -> R {
        let now = self.now();
        let mut s = self.lock();
        let r = f(&mut s, now);
        // Every change of the revision happens in here, under the lock.
        self.revision.store(s.revision, Ordering::Release);
        let after = Observed {
            window: Some((
                s.user_code.state(now),
                s.user_code.shown_code(now).map(str::to_owned),
                s.user_code.open_until(now),
            )),
            revision: s.revision,
            pending: s.tickets.pending(now).iter().map(|p| p.id).collect(),
        };
        let before = std::mem::replace(&mut s.observed, after.clone());
        drop(s);
        // No receiver is fine: nobody listens when no control client is connected.
        if before.window != after.window {
            let _ = self.changes.send(Change::Pairing);
        }
        if before.revision != after.revision || before.pending != after.pending {
            let _ = self.changes.send(Change::Devices);
        }
        r
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic elsewhere must not lock every phone out; the state stays consistent per call.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn now(&self) -> Instant {
        self.clock.now()
    }

    // ---- Callers from outside the home network ---------------------------------------------------

    /// This machine's addresses, for [`Pairing::is_outside`].
    pub fn set_local_addresses(&self, ips: Vec<IpAddr>) {
        self.lock().local_ips = ips;
    }

    /// Whether `ip` is a caller from outside the home network (the internet, through a port
    /// mapping or a forwarded port): such a caller may pair only while a pairing screen shows on
    /// the PC, and only with Allow there, whatever "Ask before pairing" says.
    pub fn is_outside(&self, ip: IpAddr) -> bool {
        crate::reach::is_outside(ip, &self.lock().local_ips)
    }

    /// Every request, before anything else: remembers when the last one from outside came.
    pub fn note_caller(&self, ip: IpAddr) {
        // Callers on the home network (nearly all) need no lock: only a public address can be
        // from outside.
        if !crate::reach::is_outside(ip, &[]) {
            return;
        }
        let mut s = self.lock();
        if crate::reach::is_outside(ip, &s.local_ips) {
            s.last_outside = Some(self.clock.unix_secs());
        }
    }

    /// The router's public address, while reach maps a port to this server.
    pub fn set_public_address(&self, ip: Option<IpAddr>) {
        self.lock().public_address = ip;
    }

    pub fn public_address(&self) -> Option<IpAddr> {
        self.lock().public_address
    }

    /// Unix seconds of the last request from outside the home network, if any came.
    pub fn last_outside_request(&self) -> Option<u64> {
        self.lock().last_outside
    }

    // ---- PC side -------------------------------------------------------------------------------

    /// The pairing screen is shown: pairing opens (a new code if it was closed or paused).
    pub fn open(&self) {
        self.mutate(|s, now| s.user_code.open(now));
    }

    /// Opens pairing, or keeps it open, for [`GRACE`] from now without a pairing screen (the
    /// control API's `open` with `window_visible: false`): phones then need Allow. Does not lift a
    /// pause.
    pub fn keep_open(&self) {
        self.mutate(|s, now| s.user_code.keep_open(now));
    }

    /// The pairing screen was closed: pairing stays open [`GRACE`] more.
    pub fn close(&self) {
        self.mutate(|s, now| s.user_code.close(now));
    }

    /// Ends pairing now.
    pub fn stop(&self) {
        self.mutate(|s, _| s.user_code.stop());
    }

    pub fn status(&self) -> PairingStatus {
        let now = self.now();
        let s = self.lock();
        PairingStatus {
            state: s.user_code.state(now),
            user_code: s.user_code.shown_code(now).map(str::to_owned),
            closes_in: s
                .user_code
                .open_until(now)
                .map(|t| t.saturating_duration_since(now)),
            ask_before_pairing: s.ask_before_pairing,
        }
    }

    /// The QR code's payload (`http://LAN-IP:PORT/pair?c=CODE`) while pairing is open.
    pub fn qr_payload(&self, instance_url: &str) -> Option<String> {
        self.status()
            .user_code
            .map(|code| pair_url(instance_url, &code))
    }

    /// The "Ask before pairing" setting.
    pub fn set_ask_before_pairing(&self, on: bool) {
        self.lock().ask_before_pairing = on;
    }

    /// Phones waiting for Allow/Deny.
    pub fn pending(&self) -> Vec<PendingApproval> {
        let now = self.now();
        self.lock().tickets.pending(now)
    }

    /// Allow a waiting phone: its next `qrLogin` poll gets its device token.
    pub fn allow(&self, id: DeviceId) -> Result<(), PairingError> {
        if self.mutate(|s, now| s.tickets.decide(id, true, now)) {
            Ok(())
        } else {
            Err(PairingError::NoSuchRequest(id))
        }
    }

    /// Deny a waiting phone: its next poll gets an error saying so.
    pub fn deny(&self, id: DeviceId) -> Result<(), PairingError> {
        if self.mutate(|s, now| s.tickets.decide(id, false, now)) {
            Ok(())
        } else {
            Err(PairingError::NoSuchRequest(id))
        }
    }

    /// A new one-time import code (replaces any earlier one). Show it once; it is kept only hashed.
    pub fn create_import_code(&self) -> ImportCode {
        let now = self.now();
        let code = self.lock().imports.create(now);
        ImportCode {
            code,
            expires_at: self.clock.unix_secs() + IMPORT_CODE_TTL.as_secs(),
        }
    }

    pub fn cancel_import_code(&self) {
        self.lock().imports.cancel();
    }

    pub fn devices(&self) -> Vec<Device> {
        self.lock().devices.clone()
    }

    pub fn rename(&self, id: DeviceId, name: &str) -> Result<(), PairingError> {
        // Trimmed, control characters dropped, capped at MAX_NAME_CHARS; empty is refused.
        let name = devices::clean(name).ok_or(PairingError::InvalidName)?;
        self.mutate(|s, _| {
            let device = s
                .devices
                .iter_mut()
                .find(|d| d.id == id)
                .ok_or(PairingError::UnknownDevice(id))?;
            device.name = name;
            s.revision += 1;
            Ok(())
        })
    }

    /// Removes the device; its very next request is refused ([`Auth::Unknown`] → 401).
    pub fn revoke(&self, id: DeviceId) -> Result<(), PairingError> {
        self.mutate(|s, _| {
            let before = s.devices.len();
            s.devices.retain(|d| d.id != id);
            if s.devices.len() == before {
                return Err(PairingError::UnknownDevice(id));
            }
            s.revision += 1;
            Ok(())
        })
    }

    /// What the vault persists.
    pub fn snapshot(&self) -> DevicesState {
        let s = self.lock();
        DevicesState {
            devices: s.devices.clone(),
            next_id: s.next_id,
        }
    }

    /// Replaces the device list with a persisted one (at start-up).
    pub fn restore(&self, state: DevicesState) {
        self.mutate(|s, _| {
            let max_id = state.devices.iter().map(|d| d.id.0).max().unwrap_or(0);
            // Never hand out an id a stored device already has, even from a hand-edited vault.
            s.next_id = state.next_id.max(max_id.saturating_add(1)).max(1);
            s.devices = state.devices;
            s.revision += 1;
        });
    }

    /// Waits until every device-list change made so far is in the vault, so a token handed out
    /// next names a device that survives a crash. Returns at once when nothing is unsaved or no
    /// vault saver is attached (the demo); waits at most [`SAVE_WAIT`].
    pub async fn persisted(&self) {
        let target = self.revision();
        self.saved.wait_for(target).await;
    }

    /// For the vault's saver: `saved_revision` is the revision already in the vault.
    pub fn saver_link(&self, saved_revision: u64) -> SaverLink {
        SaverLink::new(Arc::clone(&self.saved), saved_revision)
    }

    /// Bumped whenever the device list changes in a way worth saving now (pair, rename, revoke).
    /// Last-seen updates do not bump it; the vault saves them with the next write or at exit.
    pub fn revision(&self) -> u64 {
        self.revision.load(Ordering::Acquire)
    }

    // ---- Phone side ----------------------------------------------------------------------------

    /// `initLogin&qr=1` or `phoneLogin` without captcha: answer 200
    /// `{"res":"need_captcha","captcha_id":<id>}`.
    pub fn begin_login(&self, ip: IpAddr) -> String {
        let now = self.now();
        self.lock().captchas.create(ip, now)
    }

    /// `getCaptchaImg&captcha_id=`: 200 `image/png`, `Cache-Control: no-store`. Always a picture
    /// (an unknown id draws "too old"), so the phone's form never fails to load.
    pub fn captcha_picture(&self, ip: IpAddr, captcha_id: &str) -> Result<Vec<u8>, PictureError> {
        self.captcha_picture_kind(ip, captcha_id).render_png()
    }

    /// What [`Pairing::captcha_picture`] draws (for tests and the window's preview).
    pub fn captcha_picture_kind(&self, ip: IpAddr, captcha_id: &str) -> Picture {
        let now = self.now();
        let mut s = self.lock();
        // A phone fetching its picture is still on the captcha screen: keep its captcha alive.
        let Some(record) = s.captchas.touch(captcha_id, now) else {
            return Picture::CaptchaExpired;
        };
        if let Err(t) = s.throttle.check(ip, now) {
            return Picture::Wait {
                seconds: t.retry_after_secs(),
            };
        }
        if Self::outside_without_screen(&s, ip) {
            return Picture::PairingClosed;
        }
        match s.user_code.state(now) {
            WindowState::Open => Picture::EnterCode {
                wrong_before: record.wrong_before,
            },
            WindowState::Closed | WindowState::Paused => Picture::PairingClosed,
        }
    }

    /// The captcha answer. A phone pairing while no pairing screen shows on the PC (opened by
    /// [`Pairing::keep_open`], or [`Pairing::close`]d and in its grace period) always needs Allow,
    /// whatever "Ask before pairing" says.
    pub fn submit_code(
        &self,
        ip: IpAddr,
        captcha_id: &str,
        typed: &str,
        info: &DeviceInfo,
    ) -> SubmitOutcome {
        self.mutate(|s, now| Self::submit_locked(s, now, ip, captcha_id, typed, info))
    }

    /// The captcha step of a phone logging *its own* Telegram account in (the login API): the
    /// same checks as [`Pairing::submit_code`] (captcha id, throttle, the user code shown on the
    /// PC, which is the PC owner's consent), but a right code makes no device and no ticket: the
    /// phone gets a token for its own account instead. No Allow step: that token never reaches
    /// the PC's account. `Err` holds the failure to answer (never `Accepted`).
    pub fn check_login_code(
        &self,
        ip: IpAddr,
        captcha_id: &str,
        typed: &str,
    ) -> Result<(), SubmitOutcome> {
        self.mutate(|s, now| {
            if let Err(t) = s.throttle.check(ip, now) {
                return Err(SubmitOutcome::Throttled(t));
            }
            if s.captchas.take(captcha_id, now).is_none() {
                let captcha_id = s.captchas.create(ip, now);
                return Err(SubmitOutcome::CaptchaExpired { captcha_id });
            }
            if Self::outside_without_screen(s, ip) {
                let captcha_id = s.captchas.create(ip, now);
                return Err(SubmitOutcome::Closed { captcha_id });
            }
            match s.user_code.check(typed, now) {
                CodeCheck::NotOpen => {
                    let captcha_id = s.captchas.create(ip, now);
                    Err(SubmitOutcome::Closed { captcha_id })
                }
                CodeCheck::Wrong => {
                    s.throttle.failure(ip, now);
                    s.captchas.note_wrong(ip, now);
                    let captcha_id = s.captchas.create(ip, now);
                    Err(SubmitOutcome::WrongCode { captcha_id })
                }
                CodeCheck::Correct => {
                    s.throttle.success(ip);
                    s.captchas.clear_wrong(ip);
                    s.user_code.consume();
                    Ok(())
                }
            }
        })
    }

    fn submit_locked(
        s: &mut State,
        now: Instant,
        ip: IpAddr,
        captcha_id: &str,
        typed: &str,
        info: &DeviceInfo,
    ) -> SubmitOutcome {
        if let Err(t) = s.throttle.check(ip, now) {
            return SubmitOutcome::Throttled(t);
        }
        if s.captchas.take(captcha_id, now).is_none() {
            let captcha_id = s.captchas.create(ip, now);
            return SubmitOutcome::CaptchaExpired { captcha_id };
        }
        // From outside the home network: only while the pairing screen shows (not compared, no
        // try used up, as when pairing is closed), and then always with Allow.
        let outside = crate::reach::is_outside(ip, &s.local_ips);
        if outside && !s.user_code.screen_shows() {
            let captcha_id = s.captchas.create(ip, now);
            return SubmitOutcome::Closed { captcha_id };
        }
        match s.user_code.check(typed, now) {
            CodeCheck::NotOpen => {
                let captcha_id = s.captchas.create(ip, now);
                SubmitOutcome::Closed { captcha_id }
            }
            CodeCheck::Wrong => {
                s.throttle.failure(ip, now);
                s.captchas.note_wrong(ip, now);
                let captcha_id = s.captchas.create(ip, now);
                SubmitOutcome::WrongCode { captcha_id }
            }
            CodeCheck::Correct => {
                s.throttle.success(ip);
                s.captchas.clear_wrong(ip);
                s.user_code.consume();
                let id = DeviceId(s.next_id);
                s.next_id = s.next_id.saturating_add(1);
                let needs_approval = s.ask_before_pairing || outside || !s.user_code.screen_shows();
                let (ticket, text) = s.tickets.create(id, info.clone(), ip, needs_approval, now);
                let approval_number = s
                    .tickets
                    .pending(now)
                    .iter()
                    .find(|p| p.id == id)
                    .map(|p| p.number);
                SubmitOutcome::Accepted {
                    ticket,
                    text,
                    approval_number,
                }
            }
        }
    }

    fn outside_without_screen(s: &State, ip: IpAddr) -> bool {
        !s.user_code.screen_shows() && crate::reach::is_outside(ip, &s.local_ips)
    }

    /// `qrLogin`. `None` if `token` is not a ticket: then treat the call as an ordinary
    /// authenticated one ([`Pairing::authenticate`]).
    pub fn poll(&self, ip: IpAddr, token: &str) -> Option<PollOutcome> {
        if !is_well_formed(token) {
            return None;
        }
        let unix = self.clock.unix_secs();
        self.mutate(|s, now| Self::poll_locked(s, now, unix, ip, token))
    }

    fn poll_locked(
        s: &mut State,
        now: Instant,
        unix: u64,
        ip: IpAddr,
        token: &str,
    ) -> Option<PollOutcome> {
        s.tickets.purge(now);
        let ticket = s.tickets.by_token(token)?;
        let expired = ticket.expired(now);
        Some(match ticket.stage.clone() {
            Stage::Denied => PollOutcome::Denied,
            _ if expired => PollOutcome::Expired,
            Stage::Waiting { number } => PollOutcome::Waiting {
                number,
                text: ticket.status_text.clone(),
            },
            Stage::Approved { via } => {
                let token = Token::generate();
                s.devices.push(Device {
                    id: ticket.id,
                    name: ticket.info.suggested_name(),
                    via,
                    created_at: unix,
                    last_seen_at: unix,
                    last_ip: Some(ip),
                    app_version: ticket.info.clean_app_version(),
                    system: ticket.info.clean_system(),
                    token_hash: token.hash(),
                });
                ticket.stage = Stage::Claimed {
                    token: token.clone(),
                    device: ticket.id,
                };
                ticket.deadline = now + CLAIM_GRACE;
                s.revision += 1;
                PollOutcome::Paired {
                    token,
                    device: ticket.id,
                }
            }
            Stage::Claimed { token, device } => {
                if s.devices.iter().any(|d| d.id == device) {
                    PollOutcome::Paired { token, device }
                } else {
                    // Revoked in the meantime: do not hand the token out again.
                    PollOutcome::Expired
                }
            }
        })
    }

    /// `qrcode.php?t=<text>`: our status picture if `text` is one we handed out (`None`: not ours,
    /// draw the real QR code).
    pub fn status_picture(&self, text: &str) -> Option<Result<Vec<u8>, PictureError>> {
        self.status_picture_kind(text).map(Picture::render_png)
    }

    /// What [`Pairing::status_picture`] draws.
    pub fn status_picture_kind(&self, text: &str) -> Option<Picture> {
        if !text.starts_with(STATUS_TEXT_PREFIX) {
            return None;
        }
        let now = self.now();
        let s = self.lock();
        let Some(ticket) = s.tickets.by_status_text(text) else {
            return Some(Picture::Expired);
        };
        Some(match ticket.stage {
            Stage::Denied => Picture::Denied,
            _ if ticket.expired(now) && !matches!(ticket.stage, Stage::Claimed { .. }) => {
                Picture::Expired
            }
            Stage::Waiting { number } => Picture::WaitingForApproval { number },
            Stage::Approved { .. } | Stage::Claimed { .. } => Picture::Paired,
        })
    }

    /// Every request that carries a token (`X-mpgram-user`, or `user=` on media URLs).
    /// A live import code typed into "Import session" becomes the device's token here, once.
    /// Whether `token` belongs to a paired device, without recording anything (no last-seen,
    /// no throttling): the server asks before reading a body, to know how much to read.
    pub fn is_device(&self, token: &str) -> bool {
        is_well_formed(token)
            && tokens::find(token, &self.lock().devices, |d| &d.token_hash).is_some()
    }

    pub fn authenticate(&self, ip: IpAddr, token: &str, info: &DeviceInfo) -> Auth {
        let unix = self.clock.unix_secs();
        // A paired device (every API call) only updates its last-seen fields: none of the
        // pairing window's bookkeeping below is needed for it.
        if is_well_formed(token) {
            let mut s = self.lock();
            if let Some(i) = tokens::find(token, &s.devices, |d| &d.token_hash) {
                return Auth::Device(Self::seen(&mut s.devices[i], unix, ip, info));
            }
        }
        self.mutate(|s, now| Self::authenticate_locked(s, now, unix, ip, token, info))
    }

    /// A paired device just called: its last-seen fields.
    fn seen(device: &mut Device, unix: u64, ip: IpAddr, info: &DeviceInfo) -> DeviceId {
        device.last_seen_at = unix;
        device.last_ip = Some(ip);
        if let Some(v) = info.clean_app_version() {
            device.app_version = Some(v);
        }
        device.id
    }

    fn authenticate_locked(
        s: &mut State,
        now: Instant,
        unix: u64,
        ip: IpAddr,
        token: &str,
        info: &DeviceInfo,
    ) -> Auth {
        if is_well_formed(token) {
            if let Some(i) = tokens::find(token, &s.devices, |d| &d.token_hash) {
                return Auth::Device(Self::seen(&mut s.devices[i], unix, ip, info));
            }
            // An import code is read off the PC's screen; from outside it counts only while the
            // pairing screen shows (there is no Allow step for it).
            let redeemable = !Self::outside_without_screen(s, ip);
            if let Some(token) = redeemable.then(|| s.imports.redeem(token, now)).flatten() {
                let id = DeviceId(s.next_id);
                s.next_id = s.next_id.saturating_add(1);
                s.devices.push(Device {
                    id,
                    name: info.suggested_name(),
                    via: PairedVia::ImportCode,
                    created_at: unix,
                    last_seen_at: unix,
                    last_ip: Some(ip),
                    app_version: info.clean_app_version(),
                    system: info.clean_system(),
                    token_hash: token.hash(),
                });
                s.throttle.success(ip);
                s.revision += 1;
                return Auth::Device(id);
            }
        }
        if let Err(t) = s.throttle.check(ip, now) {
            return Auth::Throttled(t);
        }
        s.throttle.failure(ip, now);
        Auth::Unknown
    }

    /// The `/pair?c=CODE` landing page (serve as [`PAGE_CONTENT_TYPE`]). The code in the link is
    /// shown only if it is the current one, and checking it counts like a typed code: otherwise
    /// the page would be a free oracle for guessing.
    pub fn pair_page(&self, ip: IpAddr, instance_url: &str, c: Option<&str>) -> String {
        let verified = self.mutate(|s, now| {
            let open =
                s.user_code.state(now) == WindowState::Open && !Self::outside_without_screen(s, ip);
            match c {
                _ if !open => Err(()),
                Some(c) if s.throttle.check(ip, now).is_ok() => match s.user_code.check(c, now) {
                    CodeCheck::Correct => Ok(s.user_code.shown_code(now).map(str::to_owned)),
                    CodeCheck::Wrong => {
                        s.throttle.failure(ip, now);
                        Ok(None)
                    }
                    CodeCheck::NotOpen => Err(()),
                },
                _ => Ok(None),
            }
        });
        match verified {
            Ok(Some(code)) => landing_page(instance_url, PageCode::Verified(&code)),
            Ok(None) => landing_page(instance_url, PageCode::Unverified),
            Err(()) => landing_page(instance_url, PageCode::Closed),
        }
    }
}
