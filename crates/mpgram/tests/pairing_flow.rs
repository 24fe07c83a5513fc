//! The pairing paths as a phone and the person at the PC walk them.
#[path = "pairing_common.rs"]
mod common;

/// Named `pairing` so `cargo test -p mpgram pairing` selects these tests.
mod pairing {

    use std::time::Duration;

    use super::common::*;
    use mpgram::pairing::{
        is_well_formed, Auth, DeviceId, DevicesState, PairedVia, Pairing, PairingError, Picture,
        PollOutcome, SubmitOutcome, WindowState, APPROVAL_TIMEOUT, GRACE, IMPORT_CODE_TTL,
    };

    fn accepted(outcome: SubmitOutcome) -> (String, String, Option<u8>) {
        match outcome {
            SubmitOutcome::Accepted {
                ticket,
                text,
                approval_number,
            } => (ticket.as_str().to_owned(), text, approval_number),
            other => panic!("expected Accepted, got {other:?}"),
        }
    }

    fn paired(outcome: Option<PollOutcome>) -> (String, DeviceId) {
        match outcome {
            Some(PollOutcome::Paired { token, device }) => (token.as_str().to_owned(), device),
            other => panic!("expected Paired, got {other:?}"),
        }
    }

    #[test]
    fn user_code_pairs_a_phone_and_its_token_opens_the_api() {
        let (p, _) = setup();
        p.open();
        let code = current_code(&p);
        assert_eq!(code.len(), 6);

        let (ticket, text, approval) = accepted(type_code(&p, PHONE, &code));
        assert_eq!(approval, None);
        assert!(is_well_formed(&ticket), "the ticket goes raw into URLs");
        assert!(
            text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') && text.len() <= 40,
            "the QR text goes raw into a URL"
        );
        assert_eq!(p.status_picture_kind(&text), Some(Picture::Paired));

        // The temporary ticket is never a paired device.
        assert!(p.devices().is_empty());

        let (token, id) = paired(p.poll(PHONE, &ticket));
        assert_ne!(token, ticket);
        assert!(is_well_formed(&token));
        assert_eq!(token.len(), 64);
        assert_eq!(p.authenticate(PHONE, &token, &nokia()), Auth::Device(id));

        let devices = p.devices();
        assert_eq!(devices.len(), 1);
        let d = &devices[0];
        assert_eq!(
            (d.id, d.name.as_str(), d.via),
            (id, "NokiaE52-1", PairedVia::UserCode)
        );
        assert_eq!(d.app_version.as_deref(), Some("1.5.13"));
        assert_eq!(d.system.as_deref(), Some("S60 3rd Edition FP2"));
        assert_eq!(d.last_ip, Some(PHONE));
    }

    #[test]
    fn a_ticket_authenticates_nothing() {
        let (p, _) = setup();
        p.open();
        let (ticket, _, _) = accepted(type_code(&p, PHONE, &current_code(&p)));
        assert_eq!(p.authenticate(PHONE, &ticket, &nokia()), Auth::Unknown);
        // Nor does a random well-formed token, which `poll` does not know either.
        assert_eq!(p.poll(PHONE, &"a".repeat(64)), None);
    }

    #[test]
    fn a_repeated_poll_gets_the_same_token_and_no_second_device() {
        let (p, clock) = setup();
        p.open();
        let (ticket, _, _) = accepted(type_code(&p, PHONE, &current_code(&p)));
        let first = paired(p.poll(PHONE, &ticket));
        clock.advance(Duration::from_secs(30));
        assert_eq!(paired(p.poll(PHONE, &ticket)), first);
        assert_eq!(p.devices().len(), 1);
    }

    #[test]
    fn a_used_code_cannot_pair_a_second_phone() {
        let (p, _) = setup();
        p.open();
        let code = current_code(&p);
        accepted(type_code(&p, PHONE, &code));
        let new_code = current_code(&p);
        if new_code != code {
            // (Equal only by a one-in-a-million draw.)
            assert!(type_code(&p, OTHER_PHONE, &code).res().contains("captcha"));
        }
    }

    #[test]
    fn a_wrong_code_reloads_the_captcha_and_the_next_picture_says_wrong() {
        let (p, _) = setup();
        p.open();
        let outcome = type_code(&p, PHONE, &wrong_code(&p));
        assert!(matches!(outcome, SubmitOutcome::WrongCode { .. }));
        assert!(outcome.res().contains("captcha"));
        let id = p.begin_login(PHONE);
        assert_eq!(
            p.captcha_picture_kind(PHONE, &id),
            Picture::EnterCode { wrong_before: true }
        );
        // Another phone is not told about someone else's typo.
        let id = p.begin_login(OTHER_PHONE);
        assert_eq!(
            p.captcha_picture_kind(OTHER_PHONE, &id),
            Picture::EnterCode {
                wrong_before: false
            }
        );
    }

    #[test]
    fn pairing_is_open_while_the_screen_shows_and_ten_minutes_after() {
        let (p, clock) = setup();
        // Never opened: nothing pairs, nothing shows a code.
        assert_eq!(p.status().state, WindowState::Closed);
        assert_eq!(p.status().user_code, None);
        let id = p.begin_login(PHONE);
        assert_eq!(p.captcha_picture_kind(PHONE, &id), Picture::PairingClosed);
        let outcome = p.submit_code(PHONE, &id, "123456", &nokia());
        assert!(matches!(outcome, SubmitOutcome::Closed { .. }));
        assert!(outcome.res().contains("captcha"));

        p.open();
        clock.advance(Duration::from_hours(3));
        assert_eq!(
            p.status().state,
            WindowState::Open,
            "open as long as the screen shows"
        );
        p.close();
        assert_eq!(p.status().closes_in, Some(GRACE));
        clock.advance(GRACE.saturating_sub(Duration::from_secs(1)));
        let code = current_code(&p);
        assert!(matches!(
            type_code(&p, PHONE, &code),
            SubmitOutcome::Accepted { .. }
        ));
        clock.advance(Duration::from_secs(1));
        assert_eq!(p.status().state, WindowState::Closed);
        assert!(matches!(
            type_code(&p, PHONE, &code),
            SubmitOutcome::Closed { .. }
        ));

        // keep_open (e.g. `mpgram pair`) opens for the grace period without a screen; stop ends it.
        p.keep_open();
        assert_eq!(p.status().state, WindowState::Open);
        p.stop();
        assert_eq!(p.status().state, WindowState::Closed);
    }

    #[test]
    fn ask_before_pairing_holds_the_phone_until_allow() {
        let (p, _) = setup();
        p.set_ask_before_pairing(true);
        p.open();
        let (ticket, text, number) = accepted(type_code(&p, PHONE, &current_code(&p)));
        let number = number.unwrap_or(0);
        assert!((10..=99).contains(&number), "two digits on both screens");

        let pending = p.pending();
        assert_eq!(pending.len(), 1);
        assert_eq!(
            (pending[0].number, pending[0].name.as_str()),
            (number, "NokiaE52-1")
        );
        assert_eq!(pending[0].ip, PHONE);

        // The phone keeps polling and its QR screen shows the same number.
        assert_eq!(
            p.poll(PHONE, &ticket),
            Some(PollOutcome::Waiting {
                number,
                text: text.clone()
            })
        );
        assert_eq!(
            p.status_picture_kind(&text),
            Some(Picture::WaitingForApproval { number })
        );
        assert!(p.devices().is_empty());

        p.allow(pending[0].id).unwrap_or_else(|e| panic!("{e}"));
        let (token, id) = paired(p.poll(PHONE, &ticket));
        assert_eq!(id, pending[0].id, "the device keeps the request's number");
        assert_eq!(p.authenticate(PHONE, &token, &nokia()), Auth::Device(id));
        assert_eq!(p.devices()[0].via, PairedVia::Approval);
        assert!(p.pending().is_empty());
    }

    #[test]
    fn a_phone_pairing_while_the_window_is_hidden_always_needs_allow() {
        let (p, _) = setup();
        // Opened, then the screen was closed: still open for the grace period, but only with Allow.
        p.open();
        p.close();
        let id = p.begin_login(PHONE);
        let code = current_code(&p);
        let outcome = p.submit_code(PHONE, &id, &code, &nokia());
        let (ticket, _, number) = accepted(outcome);
        assert!(number.is_some());
        assert!(matches!(
            p.poll(PHONE, &ticket),
            Some(PollOutcome::Waiting { .. })
        ));
        // Opened without a screen at all (the control API's `window_visible: false`): the same.
        p.stop();
        p.keep_open();
        let outcome = type_code(&p, PHONE, &current_code(&p));
        let (ticket, _, number) = accepted(outcome);
        assert!(number.is_some());
        assert!(matches!(
            p.poll(PHONE, &ticket),
            Some(PollOutcome::Waiting { .. })
        ));
    }

    #[test]
    fn deny_ends_the_request_with_a_clear_message() {
        let (p, _) = setup();
        p.set_ask_before_pairing(true);
        p.open();
        let (ticket, text, _) = accepted(type_code(&p, PHONE, &current_code(&p)));
        let id = p.pending()[0].id;
        p.deny(id).unwrap_or_else(|e| panic!("{e}"));
        let outcome = p.poll(PHONE, &ticket);
        assert_eq!(outcome, Some(PollOutcome::Denied));
        assert_eq!(
            outcome.and_then(|o| o.message()),
            Some("Pairing was refused on the PC.")
        );
        assert_eq!(p.status_picture_kind(&text), Some(Picture::Denied));
        assert!(p.devices().is_empty());
        assert_eq!(p.allow(id), Err(PairingError::NoSuchRequest(id)));
    }

    #[test]
    fn pending_requests_expire() {
        let (p, clock) = setup();
        p.set_ask_before_pairing(true);
        p.open();
        let (ticket, _, _) = accepted(type_code(&p, PHONE, &current_code(&p)));
        let id = p.pending()[0].id;
        clock.advance(APPROVAL_TIMEOUT);
        assert!(p.pending().is_empty());
        assert_eq!(p.allow(id), Err(PairingError::NoSuchRequest(id)));
        let outcome = p.poll(PHONE, &ticket);
        assert_eq!(outcome, Some(PollOutcome::Expired));
        assert!(outcome.and_then(|o| o.message()).is_some());
        assert!(p.devices().is_empty());
    }

    #[test]
    fn an_import_code_becomes_the_device_token_once() {
        let (p, _) = setup();
        let import = p.create_import_code();
        assert_eq!(import.code.len(), 32);
        assert!(import.code.bytes().all(|b| b.is_ascii_digit()));
        assert_eq!(import.expires_at, 1_700_000_000 + IMPORT_CODE_TTL.as_secs());

        let Auth::Device(id) = p.authenticate(PHONE, &import.code, &nokia()) else {
            panic!("the import code should pair the phone");
        };
        assert_eq!(p.devices().len(), 1);
        assert_eq!(p.devices()[0].via, PairedVia::ImportCode);
        // From now on it is that device's token, and it never creates a second device.
        assert_eq!(
            p.authenticate(OTHER_PHONE, &import.code, &nokia()),
            Auth::Device(id)
        );
        assert_eq!(p.devices().len(), 1);
    }

    #[test]
    fn an_import_code_lapses_after_ten_minutes_or_when_replaced() {
        let (p, clock) = setup();
        let old = p.create_import_code();
        let newer = p.create_import_code();
        assert_eq!(p.authenticate(PHONE, &old.code, &nokia()), Auth::Unknown);
        clock.advance(IMPORT_CODE_TTL);
        assert_eq!(p.authenticate(PHONE, &newer.code, &nokia()), Auth::Unknown);
        assert!(p.devices().is_empty());
    }

    fn pair(p: &Pairing) -> (String, DeviceId) {
        p.open();
        let (ticket, _, _) = accepted(type_code(p, PHONE, &current_code(p)));
        paired(p.poll(PHONE, &ticket))
    }

    #[test]
    fn revoke_takes_effect_on_the_next_request() {
        let (p, _) = setup();
        let (token, id) = pair(&p);
        assert_eq!(p.authenticate(PHONE, &token, &nokia()), Auth::Device(id));
        p.revoke(id).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(p.authenticate(PHONE, &token, &nokia()), Auth::Unknown);
        assert!(p.devices().is_empty());
        assert_eq!(p.revoke(id), Err(PairingError::UnknownDevice(id)));
    }

    #[test]
    fn a_revoked_device_cannot_come_back_through_its_old_ticket() {
        let (p, _) = setup();
        p.open();
        let (ticket, _, _) = accepted(type_code(&p, PHONE, &current_code(&p)));
        let (_, id) = paired(p.poll(PHONE, &ticket));
        p.revoke(id).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(p.poll(PHONE, &ticket), Some(PollOutcome::Expired));
        assert!(p.devices().is_empty());
    }

    #[test]
    fn devices_can_be_renamed_and_last_seen_follows_requests() {
        let (p, clock) = setup();
        let (token, id) = pair(&p);
        p.rename(id, "  Kitchen phone ")
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(p.devices()[0].name, "Kitchen phone");
        assert_eq!(p.rename(id, " \t "), Err(PairingError::InvalidName));
        assert_eq!(
            p.rename(DeviceId(999), "x"),
            Err(PairingError::UnknownDevice(DeviceId(999)))
        );
        clock.advance(Duration::from_secs(100));
        p.authenticate(OTHER_PHONE, &token, &nokia());
        let d = &p.devices()[0];
        assert_eq!(d.last_seen_at, d.created_at + 100);
        assert_eq!(d.last_ip, Some(OTHER_PHONE));
    }

    #[test]
    fn the_device_list_survives_a_restart_through_serde_without_the_token() {
        let (p, _) = setup();
        let (token, id) = pair(&p);
        let rev = p.revision();
        let json = serde_json::to_string(&p.snapshot()).unwrap_or_default();
        assert!(json.contains("NokiaE52-1"));
        assert!(!json.contains(&token), "tokens are stored hashed");

        let restored: DevicesState = serde_json::from_str(&json).unwrap_or_default();
        let (q, _) = setup();
        q.restore(restored);
        assert_eq!(q.authenticate(PHONE, &token, &nokia()), Auth::Device(id));
        assert_eq!(q.devices(), p.devices());
        // A new device after the restart gets a fresh number.
        let (_, id2) = pair(&q);
        assert!(id2 > id);
        assert!(rev > 0);
    }

    #[test]
    fn the_code_is_shown_and_put_in_the_qr_code_only_while_open() {
        let (p, _) = setup();
        assert_eq!(p.qr_payload("http://192.168.1.20:8080/"), None);
        p.open();
        let code = current_code(&p);
        assert_eq!(
            p.qr_payload("http://192.168.1.20:8080/"),
            Some(format!("http://192.168.1.20:8080/pair?c={code}"))
        );
    }
}
