//! The limits that keep a LAN attacker out: code space, tries per code, pause, back-off.
#[path = "pairing_common.rs"]
mod common;

/// Named `pairing` so `cargo test -p mpgram pairing` selects these tests.
mod pairing {

    use std::net::{IpAddr, Ipv4Addr};
    use std::time::Duration;

    use super::common::*;
    use mpgram::pairing::{
        Auth, PollOutcome, SubmitOutcome, WindowState, BASE_DELAY, CODE_SPACE, FREE_FAILURES,
        MAX_DELAY, MAX_WRONG_TRIES_PER_OPENING, ROTATIONS_BEFORE_PAUSE, WRONG_TRIES_PER_CODE,
    };

    /// A fresh LAN address per try, so the per-address back-off does not slow the attacker down and
    /// only the code limits are measured.
    fn attacker_ip(i: u32) -> IpAddr {
        IpAddr::V4(Ipv4Addr::from(0x0a00_0000 + i))
    }

    #[test]
    fn an_attackers_odds_per_opening_stay_below_one_in_60000() {
        assert_eq!(WRONG_TRIES_PER_CODE, 5);
        assert_eq!(ROTATIONS_BEFORE_PAUSE, 3);
        assert_eq!(CODE_SPACE, 1_000_000);
        // Each compared guess hits with probability at most 1 / CODE_SPACE (union bound).
        let odds = f64::from(MAX_WRONG_TRIES_PER_OPENING) / f64::from(CODE_SPACE);
        assert!(odds < 1.0 / 60_000.0, "odds {odds} per opening");
    }

    #[test]
    fn after_three_rotations_user_code_pairing_pauses_until_the_pc_opens_it_again() {
        let (p, clock) = setup();
        p.open();
        let mut compared = 0;
        let mut codes_seen = vec![current_code(&p)];
        for i in 0..1000 {
            // Worst case for us: every guess is compared against a live code.
            let outcome = type_code(&p, attacker_ip(i), &wrong_code(&p));
            match outcome {
                SubmitOutcome::WrongCode { .. } => compared += 1,
                SubmitOutcome::Closed { .. } => break,
                other => panic!("unexpected {other:?}"),
            }
            if let Some(code) = p.status().user_code {
                codes_seen.push(code);
            }
            clock.advance(Duration::from_secs(1));
        }
        assert_eq!(compared, MAX_WRONG_TRIES_PER_OPENING);
        assert_eq!(p.status().state, WindowState::Paused);
        assert_eq!(p.status().user_code, None, "the PC stops showing a code");

        // The phone of the person at the PC is refused too, and its picture says to open the PC app.
        let id = p.begin_login(PHONE);
        assert_eq!(
            p.captcha_picture_kind(PHONE, &id),
            mpgram::pairing::Picture::PairingClosed
        );
        // Neither time nor keep_open (no person involved) lifts the pause.
        clock.advance(Duration::from_hours(24));
        p.keep_open();
        assert_eq!(p.status().state, WindowState::Paused);

        // Opening pairing on the PC does, with a new code.
        p.open();
        assert_eq!(p.status().state, WindowState::Open);
        let code = current_code(&p);
        assert!(matches!(
            type_code(&p, PHONE, &code),
            SubmitOutcome::Accepted { .. }
        ));
    }

    #[test]
    fn the_code_rotates_after_five_wrong_tries_in_total_from_any_address() {
        let (p, _) = setup();
        p.open();
        let first = current_code(&p);
        for i in 0..WRONG_TRIES_PER_CODE - 1 {
            type_code(&p, attacker_ip(i), &wrong_code(&p));
            assert_eq!(
                current_code(&p),
                first,
                "still the same code after {} tries",
                i + 1
            );
        }
        type_code(&p, attacker_ip(99), &wrong_code(&p));
        let second = current_code(&p);
        if second != first {
            // (Equal only by a one-in-a-million draw.) The old code no longer pairs.
            assert!(matches!(
                type_code(&p, PHONE, &first),
                SubmitOutcome::WrongCode { .. }
            ));
        }
    }

    #[test]
    fn wrong_tries_spread_over_hours_still_count_within_one_opening() {
        // Stricter than "3 rotations within an hour": the budget is per opening, so a screen left
        // open all day does not hand out 15 guesses every hour.
        let (p, clock) = setup();
        p.open();
        for i in 0..MAX_WRONG_TRIES_PER_OPENING {
            assert!(matches!(
                type_code(&p, attacker_ip(i), &wrong_code(&p)),
                SubmitOutcome::WrongCode { .. }
            ));
            clock.advance(Duration::from_hours(1));
        }
        assert_eq!(p.status().state, WindowState::Paused);
    }

    #[test]
    fn one_address_typing_wrong_codes_is_slowed_down_exponentially() {
        let (p, clock) = setup();
        p.open();
        for _ in 0..FREE_FAILURES {
            assert!(matches!(
                type_code(&p, ATTACKER, &wrong_code(&p)),
                SubmitOutcome::WrongCode { .. }
            ));
        }
        // The next failure imposes the first wait; the try after it is not even compared.
        type_code(&p, ATTACKER, &wrong_code(&p));
        let code = current_code(&p);
        let SubmitOutcome::Throttled(t) = type_code(&p, ATTACKER, &code) else {
            panic!("expected a wait");
        };
        assert_eq!(t.retry_after, BASE_DELAY);
        assert!(t.message().contains("Wait 2 seconds"));

        clock.advance(BASE_DELAY);
        type_code(&p, ATTACKER, &wrong_code(&p));
        let SubmitOutcome::Throttled(t) = type_code(&p, ATTACKER, &wrong_code(&p)) else {
            panic!("expected a longer wait");
        };
        assert_eq!(t.retry_after, BASE_DELAY * 2);

        // A throttled answer costs no try: the budget counts only compared codes (5 so far).
        assert_eq!(p.status().state, WindowState::Open);
        // Another phone is not affected.
        assert!(matches!(
            type_code(&p, PHONE, &current_code(&p)),
            SubmitOutcome::Accepted { .. }
        ));
    }

    #[test]
    fn the_wait_is_capped() {
        let (p, clock) = setup();
        let mut last = Duration::ZERO;
        for _ in 0..40 {
            if let Auth::Throttled(t) = p.authenticate(ATTACKER, &"f".repeat(64), &nokia()) {
                last = t.retry_after;
                clock.advance(t.retry_after);
            }
        }
        assert_eq!(last, MAX_DELAY);
    }

    #[test]
    fn bad_tokens_are_throttled_but_a_paired_phone_on_that_address_still_gets_in() {
        let (p, _) = setup();
        p.open();
        let SubmitOutcome::Accepted { ticket, .. } = type_code(&p, ATTACKER, &current_code(&p))
        else {
            panic!("pairing failed");
        };
        let Some(PollOutcome::Paired { token, device }) = p.poll(ATTACKER, ticket.as_str()) else {
            panic!("poll failed");
        };
        let bad = "0".repeat(64);
        for _ in 0..=FREE_FAILURES {
            assert_eq!(p.authenticate(ATTACKER, &bad, &nokia()), Auth::Unknown);
        }
        let Auth::Throttled(t) = p.authenticate(ATTACKER, &bad, &nokia()) else {
            panic!("expected a wait");
        };
        assert!(t.retry_after_secs() >= 1);
        // A 256-bit token is no guess: it is let in even while its address waits.
        assert_eq!(
            p.authenticate(ATTACKER, token.as_str(), &nokia()),
            Auth::Device(device)
        );
    }
}
