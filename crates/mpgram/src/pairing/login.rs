//! Captcha records for the phone's login screens. The stock client cannot skip its captcha
//! (client-j2me.md §6.1–6.2), so every pairing starts with one; its picture tells the person to
//! type the user code, and its answer is checked against that code, not against a drawn text.
use std::collections::HashMap;
use std::net::IpAddr;
use std::time::{Duration, Instant};

use super::throttle::address_key;
use super::tokens::random_hex;

/// A captcha id is good for this long after its phone last used it (methods-core.md §1.2
/// suggests about 10 minutes).
pub const CAPTCHA_TTL: Duration = Duration::from_mins(10);
/// After a wrong code, the next captcha picture for that address says so for this long.
const WRONG_NOTICE_FOR: Duration = Duration::from_mins(2);
/// Unauthenticated callers create records: keep the map bounded.
const MAX_RECORDS: usize = 256;
/// Live captchas one address may hold. A phone needs one at a time (a wrong answer uses its
/// captcha up before the next is made); more from one address only push out its own oldest, so a
/// flood of `initLogin` cannot push out the captcha another phone is typing into.
pub(crate) const MAX_PER_ADDRESS: usize = 8;
const MAX_NOTICES: usize = 1024;

#[derive(Debug, Clone, Copy)]
pub(crate) struct Record {
    /// The creating address, as the throttle counts addresses (an IPv6 /64 is one).
    owner: IpAddr,
    /// Created, or last drawn for its phone (`getCaptchaImg`): a phone still on the captcha
    /// screen keeps its captcha alive.
    last_used: Instant,
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
        let owner = address_key(ip);
        // Per address first: a flood from one address only replaces its own captchas.
        if self.count(owner) >= MAX_PER_ADDRESS {
            self.evict_oldest_of(owner);
        }
        if self.records.len() >= MAX_RECORDS {
            // Many addresses: the one holding the most gives one up, so a phone holding a single
            // captcha keeps it unless every address is down to one.
            if let Some(busiest) = self.busiest_owner() {
                self.evict_oldest_of(busiest);
            }
        }
        // Not consumed: the client may fetch a new captcha more than once after one typo.
        let wrong_before = self
            .recent_wrong
            .get(&ip)
            .is_some_and(|t| now.duration_since(*t) < WRONG_NOTICE_FOR);
        let id = random_hex(16);
        self.records.insert(
            id.clone(),
            Record {
                owner,
                last_used: now,
                wrong_before,
            },
        );
        id
    }

    pub(crate) fn get(&self, id: &str, now: Instant) -> Option<Record> {
        self.records
            .get(id)
            .filter(|r| now.duration_since(r.last_used) < CAPTCHA_TTL)
            .copied()
    }

    /// The captcha's picture was fetched: its phone is still on the captcha screen.
    pub(crate) fn touch(&mut self, id: &str, now: Instant) -> Option<Record> {
        let record = self.get(id, now)?;
        let r = self.records.get_mut(id)?;
        r.last_used = now;
        Some(record)
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

    fn count(&self, owner: IpAddr) -> usize {
        self.records.values().filter(|r| r.owner == owner).count()
    }

    fn busiest_owner(&self) -> Option<IpAddr> {
        let mut counts: HashMap<IpAddr, usize> = HashMap::new();
        for r in self.records.values() {
            *counts.entry(r.owner).or_default() += 1;
        }
        counts.into_iter().max_by_key(|(_, n)| *n).map(|(ip, _)| ip)
    }

    fn evict_oldest_of(&mut self, owner: IpAddr) {
        let oldest = self
            .records
            .iter()
            .filter(|(_, r)| r.owner == owner)
            .min_by_key(|(_, r)| r.last_used)
            .map(|(id, _)| id.clone());
        if let Some(id) = oldest {
            self.records.remove(&id);
        }
    }

    fn purge(&mut self, now: Instant) {
        self.records
            .retain(|_, r| now.duration_since(r.last_used) < CAPTCHA_TTL);
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
    fn a_flood_from_one_address_keeps_another_phones_captcha() {
        let now = Instant::now();
        let phone = IpAddr::from([192, 168, 1, 23]);
        let attacker = IpAddr::from([192, 168, 1, 66]);
        let mut c = Captchas::default();
        let id = c.create(phone, now);
        for _ in 0..(MAX_RECORDS * 2) {
            c.create(attacker, now);
        }
        assert!(c.get(&id, now).is_some());
        assert!(c.count(attacker) <= MAX_PER_ADDRESS);
    }

    #[test]
    fn a_full_table_gives_up_the_busiest_addresses_captchas_first() {
        let now = Instant::now();
        let phone = IpAddr::from([10, 0, 0, 1]);
        let mut c = Captchas::default();
        let id = c.create(phone, now);
        // Many addresses, each up to its quota: the table fills; the single phone keeps its one.
        for i in 0..(MAX_RECORDS as u32 / 2) {
            let attacker = IpAddr::from((0x0a01_0000_u32 + i).to_be_bytes());
            for _ in 0..MAX_PER_ADDRESS {
                c.create(attacker, now);
            }
        }
        assert!(c.records.len() <= MAX_RECORDS);
        assert!(c.get(&id, now).is_some());
    }

    #[test]
    fn drawing_the_picture_keeps_a_captcha_alive() {
        let start = Instant::now();
        let ip = IpAddr::from([192, 168, 1, 9]);
        let mut c = Captchas::default();
        let id = c.create(ip, start);
        let later = start + CAPTCHA_TTL.saturating_sub(Duration::from_secs(1));
        assert!(c.touch(&id, later).is_some());
        assert!(c
            .get(&id, start + CAPTCHA_TTL + Duration::from_secs(30))
            .is_some());
        assert!(c.get(&id, later + CAPTCHA_TTL).is_none());
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
