//! The 6-digit user code shown on the PC, and when pairing with it is open.
//!
//! The code is the only secret a LAN attacker can try to guess, so the limits below bound the
//! guesses: at most [`WRONG_TRIES_PER_CODE`] wrong answers against one code, then a new code; after
//! [`MAX_WRONG_TRIES_PER_OPENING`] wrong answers since the person opened pairing, user-code pairing
//! pauses until they open it again on the PC.
use std::time::{Duration, Instant};

use rand::Rng;

/// Digits in the user code (the captcha box takes 4–20 characters, client-j2me.md §6.4).
pub const CODE_DIGITS: u32 = 6;
/// How many different codes exist: the denominator of an attacker's odds.
pub const CODE_SPACE: u32 = 10u32.pow(CODE_DIGITS);
/// Wrong answers (from anyone, in total) before the code is replaced.
pub const WRONG_TRIES_PER_CODE: u32 = 5;
/// Replacements forced by wrong answers before user-code pairing pauses.
pub const ROTATIONS_BEFORE_PAUSE: u32 = 3;
/// The hard cap on wrong answers per opening, derived from the two limits above.
pub const MAX_WRONG_TRIES_PER_OPENING: u32 = WRONG_TRIES_PER_CODE * ROTATIONS_BEFORE_PAUSE;
/// Pairing stays open this long after the pairing screen is closed (or after `keep_open`).
pub const GRACE: Duration = Duration::from_mins(10);

/// Whether a phone can pair with the user code right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WindowState {
    /// The pairing screen shows, or was closed less than [`GRACE`] ago.
    Open,
    /// Nobody opened pairing on the PC (or the grace period ended).
    Closed,
    /// Too many wrong codes: closed until the person opens pairing again on the PC.
    Paused,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Window {
    Closed,
    Showing,
    Until(Instant),
}

/// What a typed code turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CodeCheck {
    Correct,
    Wrong,
    /// Pairing is closed or paused; the answer was not compared (and costs no try).
    NotOpen,
}

#[derive(Debug)]
pub(crate) struct UserCode {
    code: String,
    window: Window,
    paused: bool,
    wrong_on_this_code: u32,
    /// Counted per opening, not per hour: that is what keeps a screen left open all day within the
    /// per-opening bound (stricter than "3 rotations within an hour").
    wrong_this_opening: u32,
}

impl UserCode {
    pub(crate) fn new() -> Self {
        Self {
            code: new_code(),
            window: Window::Closed,
            paused: false,
            wrong_on_this_code: 0,
            wrong_this_opening: 0,
        }
    }

    pub(crate) fn state(&self, now: Instant) -> WindowState {
        if self.paused {
            return WindowState::Paused;
        }
        match self.window {
            Window::Showing => WindowState::Open,
            Window::Until(t) if now < t => WindowState::Open,
            _ => WindowState::Closed,
        }
    }

    /// Whether a pairing screen (window or `mpgram pair`) shows right now, as opposed to open
    /// without one ([`UserCode::keep_open`], or closed and in its grace period).
    pub(crate) fn screen_shows(&self) -> bool {
        !self.paused && self.window == Window::Showing
    }

    /// The code to show on the PC, only while pairing is open.
    pub(crate) fn shown_code(&self, now: Instant) -> Option<&str> {
        (self.state(now) == WindowState::Open).then_some(self.code.as_str())
    }

    /// The pairing screen is shown. A new opening (from closed or paused) gets a fresh code and a
    /// fresh budget of wrong tries; re-showing an already open screen keeps both.
    pub(crate) fn open(&mut self, now: Instant) {
        if self.state(now) != WindowState::Open {
            self.code = new_code();
            self.wrong_on_this_code = 0;
            self.wrong_this_opening = 0;
            self.paused = false;
        }
        self.window = Window::Showing;
    }

    /// Opens pairing (or extends it) for [`GRACE`] from now without a screen, e.g. `mpgram pair`.
    /// It does not lift a pause: only a person opening the pairing screen does.
    pub(crate) fn keep_open(&mut self, now: Instant) {
        if self.paused {
            return;
        }
        if self.state(now) == WindowState::Closed {
            self.code = new_code();
            self.wrong_on_this_code = 0;
            self.wrong_this_opening = 0;
        }
        if self.window != Window::Showing {
            self.window = Window::Until(now + GRACE);
        }
    }

    /// The pairing screen was closed: pairing stays open for [`GRACE`].
    pub(crate) fn close(&mut self, now: Instant) {
        if self.window != Window::Closed {
            self.window = Window::Until(now + GRACE);
        }
    }

    /// Ends pairing at once.
    pub(crate) fn stop(&mut self) {
        self.window = Window::Closed;
    }

    /// When open pairing ends by itself (`None` while the screen shows or when not open).
    pub(crate) fn open_until(&self, now: Instant) -> Option<Instant> {
        match self.window {
            Window::Until(t) if self.state(now) == WindowState::Open => Some(t),
            _ => None,
        }
    }

    /// Compares a typed answer (spaces and dashes ignored) with the code. Does not rotate on
    /// success: the caller decides whether the answer completes a pairing (`consume`) or only
    /// unlocks the landing page.
    pub(crate) fn check(&mut self, typed: &str, now: Instant) -> CodeCheck {
        if self.state(now) != WindowState::Open {
            return CodeCheck::NotOpen;
        }
        let digits: String = typed
            .chars()
            .filter(|c| !matches!(c, ' ' | '-' | '.'))
            .collect();
        // Constant time, so timing does not reveal how many leading digits were right.
        if super::tokens::same_secret(digits.as_bytes(), self.code.as_bytes()) {
            return CodeCheck::Correct;
        }
        self.wrong_on_this_code += 1;
        self.wrong_this_opening += 1;
        if self.wrong_this_opening >= MAX_WRONG_TRIES_PER_OPENING {
            self.paused = true;
            self.code = new_code();
            self.wrong_on_this_code = 0;
        } else if self.wrong_on_this_code >= WRONG_TRIES_PER_CODE {
            self.code = new_code();
            self.wrong_on_this_code = 0;
        }
        CodeCheck::Wrong
    }

    /// The code was used for a pairing: replace it so it cannot pair a second phone.
    pub(crate) fn consume(&mut self) {
        self.code = new_code();
        self.wrong_on_this_code = 0;
    }
}

fn new_code() -> String {
    let n = rand::rng().random_range(0..CODE_SPACE);
    format!("{n:0width$}", width = CODE_DIGITS as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wrong_answer(code: &str) -> String {
        // Any other 6-digit string.
        let n: u32 = code.parse().unwrap_or(0);
        format!("{:06}", (n + 1) % CODE_SPACE)
    }

    #[test]
    fn codes_are_six_digits() {
        for _ in 0..100 {
            let c = new_code();
            assert_eq!(c.len(), 6);
            assert!(c.bytes().all(|b| b.is_ascii_digit()));
        }
    }

    #[test]
    fn spaces_and_dashes_in_the_answer_are_ignored() {
        let now = Instant::now();
        let mut u = UserCode::new();
        u.open(now);
        let code = u.code.clone();
        let typed = format!("{} {}", &code[..3], &code[3..]);
        assert_eq!(u.check(&typed, now), CodeCheck::Correct);
        let typed = format!("{}-{}", &code[..3], &code[3..]);
        assert_eq!(u.check(&typed, now), CodeCheck::Correct);
    }

    #[test]
    fn the_code_changes_after_five_wrong_answers() {
        let now = Instant::now();
        let mut u = UserCode::new();
        u.open(now);
        let first = u.code.clone();
        for _ in 0..4 {
            assert_eq!(u.check(&wrong_answer(&first), now), CodeCheck::Wrong);
            assert_eq!(u.code, first);
        }
        assert_eq!(u.check(&wrong_answer(&first), now), CodeCheck::Wrong);
        // A new code is drawn; it may equal the old one by chance (1 in a million), so compare the
        // counter instead of the value.
        assert_eq!(u.wrong_on_this_code, 0);
        assert_eq!(u.state(now), WindowState::Open);
    }
}
