//! Captcha records for the phone's login screens. The stock client cannot skip its captcha
//! (client-j2me.md §6.1–6.2), so every pairing starts with one; its picture tells the person to
//! type the user code, and its answer is checked against that code, not against a drawn text.
use std::collections::HashMap;
use std::net::IpAddr;
use std::time::{Duration, Instant};

use super::tokens::random_hex;

/// A captcha id is good for this long (methods-core.md §1.2 suggests about 10 minutes).
pub const CAPTCHA_TTL: Duration = Duration::from_mins(10);
/// After a wrong code, the next captcha picture for that address says so for this long.
const WRONG_NOTICE_FOR: Duration = Duration::from_mins(2);
/// Unauthenticated callers create records: keep the map bounded.
const MAX_RECORDS: usize = 256;
const MAX_NOTICES: usize = 1024;

#[derive(Debug, Clone, Copy)]
pub(crate) struct Record {
    pub(crate) created: Instant,
    /// Draw "Wrong code — try again": the client reloads the form at once after a wrong answer,
    /// so the picture is the only place the person can see it (client-j2me.md §6.5).
    pub(crate) wrong_before: bool,
}

#[derive(Debug, Default)]
pub(crate) struct Captchas {
    records: HashMap<String, Record>,
    recent_wrong: HashMap<IpAddr, Instant>,
}

impl Captchas {
    /// A new captcha id (32 lowercase hex, like the reference; URL-safe as the client puts it raw
    /// into the next URL).
    pub(crate) fn create(&mut self, ip: IpAddr, now: Instant) -> String {
        self.purge(now);
        // Not consumed: the client may fetch a new captcha more than once after one typo.
        let wrong_before = self
            .recent_wrong
            .get(&ip)
            .is_some_and(|t| now.duration_since(*t) < WRONG_NOTICE_FOR);
        let id = random_hex(16);
        self.records.insert(
            id.clone(),
            Record {
                created: now,
                wrong_before,
            },
        );
        id
    }

    pub(crate) fn get(&self, id: &str, now: Instant) -> Option<Record> {
        self.records
            .get(id)
            .filter(|r| now.duration_since(r.created) < CAPTCHA_TTL)
            .copied()
    }

    /// Single use: an answer, right or wrong, uses the captcha up.
    pub(crate) fn take(&mut self, id: &str, now: Instant) -> Option<Record> {
        let record = self.get(id, now);
        self.records.remove(id);
        record
    }

    pub(crate) fn note_wrong(&mut self, ip: IpAddr, now: Instant) {
        if self.recent_wrong.len() >= MAX_NOTICES {
            self.recent_wrong
                .retain(|_, t| now.duration_since(*t) < WRONG_NOTICE_FOR);
        }
        if self.recent_wrong.len() < MAX_NOTICES {
            self.recent_wrong.insert(ip, now);
        }
    }

    /// The address typed the right code: stop saying it was wrong.
    pub(crate) fn clear_wrong(&mut self, ip: IpAddr) {
        self.recent_wrong.remove(&ip);
    }

    fn purge(&mut self, now: Instant) {
        self.records
            .retain(|_, r| now.duration_since(r.created) < CAPTCHA_TTL);
        while self.records.len() >= MAX_RECORDS {
            let Some(oldest) = self
                .records
                .iter()
                .min_by_key(|(_, r)| r.created)
                .map(|(id, _)| id.clone())
            else {
                break;
            };
            self.records.remove(&oldest);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn captchas_are_single_use_and_expire() {
        let now = Instant::now();
        let ip = IpAddr::from([192, 168, 1, 9]);
        let mut c = Captchas::default();
        let id = c.create(ip, now);
        assert_eq!(id.len(), 32);
        assert!(c.take(&id, now).is_some());
        assert!(c.take(&id, now).is_none());
        let id = c.create(ip, now);
        assert!(c.get(&id, now + CAPTCHA_TTL).is_none());
    }

    #[test]
    fn record_count_is_bounded() {
        let now = Instant::now();
        let mut c = Captchas::default();
        for _ in 0..(MAX_RECORDS * 2) {
            c.create(IpAddr::from([10, 0, 0, 1]), now);
        }
        assert!(c.records.len() <= MAX_RECORDS);
    }
}
