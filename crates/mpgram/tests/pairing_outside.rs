//! Callers from outside the home network (reach from mobile data): they pair only while the
//! pairing screen shows on the PC, and only with Allow there, whatever "Ask before pairing" says.
#[path = "pairing_common.rs"]
mod common;

mod pairing {
    use std::net::{IpAddr, Ipv4Addr};

    use super::common::*;
    use mpgram::pairing::{Auth, Picture, PollOutcome, SubmitOutcome};

    /// A phone on mobile data, as its address reaches the PC through the router's port mapping.
    /// (Only a value: nothing is sent to it.)
    const MOBILE: IpAddr = IpAddr::V4(Ipv4Addr::new(81, 2, 69, 160));

    #[test]
    fn outside_with_the_screen_showing_pairs_only_after_allow() {
        let (p, _) = setup();
        p.set_local_addresses(vec![IpAddr::V4(Ipv4Addr::new(192, 168, 1, 20))]);
        assert!(!p.status().ask_before_pairing);
        p.open();
        let code = current_code(&p);
        let SubmitOutcome::Accepted {
            ticket,
            approval_number,
            ..
        } = type_code(&p, MOBILE, &code)
        else {
            panic!("the right code is accepted while the screen shows");
        };
        let number = approval_number.expect("Allow is needed from outside");
        assert!(matches!(
            p.poll(MOBILE, ticket.as_str()),
            Some(PollOutcome::Waiting { number: n, .. }) if n == number
        ));
        let pending = p.pending();
        assert_eq!(pending.len(), 1);
        p.allow(pending[0].id).expect("allow");
        assert!(matches!(
            p.poll(MOBILE, ticket.as_str()),
            Some(PollOutcome::Paired { .. })
        ));

        // The same phone at home: no Allow needed there.
        p.open();
        let code = current_code(&p);
        let SubmitOutcome::Accepted {
            approval_number, ..
        } = type_code(&p, PHONE, &code)
        else {
            panic!("accepted at home");
        };
        assert_eq!(approval_number, None);
    }

    #[test]
    fn outside_without_the_screen_cannot_pair_even_with_the_right_code() {
        let (p, _) = setup();
        // Opened by `mpgram pair` or the tray without a window: phones at home may pair (with
        // Allow); outside callers may not.
        p.keep_open();
        let code = current_code(&p);
        let captcha = p.begin_login(MOBILE);
        assert_eq!(
            p.captcha_picture_kind(MOBILE, &captcha),
            Picture::PairingClosed
        );
        assert!(matches!(
            p.submit_code(MOBILE, &captcha, &code, &nokia()),
            SubmitOutcome::Closed { .. }
        ));
        assert!(p.pending().is_empty());
        // The code was not even compared: it still works at home.
        assert!(matches!(
            type_code(&p, PHONE, &code),
            SubmitOutcome::Accepted {
                approval_number: Some(_),
                ..
            }
        ));
    }

    #[test]
    fn an_import_code_from_outside_works_only_while_the_screen_shows() {
        let (p, _) = setup();
        let code = p.create_import_code().code;
        assert_eq!(p.authenticate(MOBILE, &code, &nokia()), Auth::Unknown);
        p.open();
        let code = p.create_import_code().code;
        assert!(matches!(
            p.authenticate(MOBILE, &code, &nokia()),
            Auth::Device(_)
        ));
    }

    #[test]
    fn the_last_request_from_outside_is_remembered_and_home_ones_are_not() {
        let (p, clock) = setup();
        p.note_caller(PHONE);
        assert_eq!(p.last_outside_request(), None);
        p.note_caller(MOBILE);
        let first = p.last_outside_request().expect("noted");
        clock.advance(std::time::Duration::from_secs(30));
        p.note_caller(PHONE);
        assert_eq!(p.last_outside_request(), Some(first));
        p.note_caller(MOBILE);
        assert_eq!(p.last_outside_request(), Some(first + 30));
    }
}
