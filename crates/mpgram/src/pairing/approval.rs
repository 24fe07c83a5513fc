//! Login tickets: what a phone holds between typing the right user code and receiving its device
//! token. A ticket is a temporary token (handed out in `user` with `res: "qr"`) that authenticates
//! nothing; the phone's `qrLogin` poll exchanges it for the device token once the pairing is
//! approved, either at once or by Allow on the PC with a 2-digit comparison number.
use std::net::IpAddr;
use std::time::{Duration, Instant};

use rand::Rng;

use super::devices::{DeviceId, DeviceInfo, PairedVia};
use super::tokens::{self, Token, TokenHash};

/// A request waiting for Allow/Deny lapses after this.
pub const APPROVAL_TIMEOUT: Duration = Duration::from_mins(5);
/// An approved ticket must be claimed by the phone's poll within this.
pub const CLAIM_TIMEOUT: Duration = Duration::from_mins(10);
/// After the claim, a repeated poll (answer lost on the way) gets the same token for this long.
pub const CLAIM_GRACE: Duration = Duration::from_mins(2);
/// An ended ticket still answers "denied"/"expired" for this long, then is forgotten.
const LINGER: Duration = Duration::from_mins(10);
const MAX_TICKETS: usize = 32;
/// Prefix of the `text` we hand out for the QR screen, so `qrcode.php` can tell our status
/// pictures from a real Telegram login link (whose base64 never contains `-`).
pub(crate) const STATUS_TEXT_PREFIX: &str = "pair-";

/// A phone waiting for Allow/Deny on the PC.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingApproval {
    /// Pass to `allow`/`deny`; the device keeps this id once allowed.
    pub id: DeviceId,
    pub name: String,
    /// The 2-digit number the phone shows too, so the person allows the right phone.
    pub number: u8,
    pub ip: IpAddr,
    /// `X-mpgram-app-version`, if the phone sent it.
    pub app_version: Option<String>,
    /// Seconds until the request lapses.
    pub expires_in: Duration,
}

#[derive(Debug, Clone)]
pub(crate) enum Stage {
    Waiting { number: u8 },
    Approved { via: PairedVia },
    Claimed { token: Token, device: DeviceId },
    Denied,
}

#[derive(Debug)]
pub(crate) struct Ticket {
    pub(crate) hash: TokenHash,
    pub(crate) status_text: String,
    pub(crate) id: DeviceId,
    pub(crate) info: DeviceInfo,
    pub(crate) ip: IpAddr,
    pub(crate) stage: Stage,
    pub(crate) deadline: Instant,
}

impl Ticket {
    pub(crate) fn expired(&self, now: Instant) -> bool {
        now >= self.deadline
    }
}

#[derive(Debug, Default)]
pub(crate) struct Tickets {
    list: Vec<Ticket>,
}

impl Tickets {
    /// A ticket for a phone that typed the right code: waiting for approval, or approved at once.
    /// Returns the temporary token and the status text for the QR screen.
    pub(crate) fn create(
        &mut self,
        id: DeviceId,
        info: DeviceInfo,
        ip: IpAddr,
        needs_approval: bool,
        now: Instant,
    ) -> (Token, String) {
        self.purge(now);
        if self.list.len() >= MAX_TICKETS {
            self.list.remove(0);
        }
        let token = Token::generate();
        let status_text = format!("{STATUS_TEXT_PREFIX}{}", tokens::random_hex(12));
        let (stage, deadline) = if needs_approval {
            let number = self.fresh_number(now);
            (Stage::Waiting { number }, now + APPROVAL_TIMEOUT)
        } else {
            (
                Stage::Approved {
                    via: PairedVia::UserCode,
                },
                now + CLAIM_TIMEOUT,
            )
        };
        self.list.push(Ticket {
            hash: token.hash(),
            status_text: status_text.clone(),
            id,
            info,
            ip,
            stage,
            deadline,
        });
        (token, status_text)
    }

    /// 10–99, different from the numbers other waiting phones show.
    fn fresh_number(&self, now: Instant) -> u8 {
        let mut rng = rand::rng();
        let mut number = rng.random_range(10..=99u8);
        for _ in 0..100 {
            if !self.waiting(now).any(|(_, n)| n == number) {
                break;
            }
            number = rng.random_range(10..=99u8);
        }
        number
    }

    fn waiting(&self, now: Instant) -> impl Iterator<Item = (&Ticket, u8)> {
        self.list.iter().filter_map(move |t| match t.stage {
            Stage::Waiting { number } if !t.expired(now) => Some((t, number)),
            _ => None,
        })
    }

    pub(crate) fn pending(&self, now: Instant) -> Vec<PendingApproval> {
        self.waiting(now)
            .map(|(t, number)| PendingApproval {
                id: t.id,
                name: t.info.suggested_name(),
                number,
                ip: t.ip,
                app_version: t.info.clean_app_version(),
                expires_in: t.deadline.saturating_duration_since(now),
            })
            .collect()
    }

    pub(crate) fn by_token(&mut self, secret: &str) -> Option<&mut Ticket> {
        let i = tokens::find(secret, &self.list, |t| &t.hash)?;
        self.list.get_mut(i)
    }

    pub(crate) fn by_status_text(&self, text: &str) -> Option<&Ticket> {
        self.list.iter().find(|t| t.status_text == text)
    }

    /// Allow (`true`) or deny a waiting request. `false` if there is none with this id.
    pub(crate) fn decide(&mut self, id: DeviceId, allow: bool, now: Instant) -> bool {
        let Some(t) = self
            .list
            .iter_mut()
            .find(|t| t.id == id && matches!(t.stage, Stage::Waiting { .. }) && !t.expired(now))
        else {
            return false;
        };
        if allow {
            t.stage = Stage::Approved {
                via: PairedVia::Approval,
            };
            t.deadline = now + CLAIM_TIMEOUT;
        } else {
            t.stage = Stage::Denied;
            t.deadline = now + LINGER;
        }
        true
    }

    /// Forget tickets whose end is long past, and pending requests of a revoked/removed id.
    pub(crate) fn purge(&mut self, now: Instant) {
        self.list.retain(|t| now < t.deadline + LINGER);
    }
}
