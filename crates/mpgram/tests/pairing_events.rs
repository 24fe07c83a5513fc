//! What the pairing core announces to the control channel's event stream, and what it keeps quiet.
#[path = "pairing_common.rs"]
mod common;

/// Named `pairing` so `cargo test -p mpgram pairing` selects these tests.
mod pairing {
    use std::time::Duration;

    use super::common::*;
    use mpgram::pairing::{Change, SubmitOutcome, APPROVAL_TIMEOUT, GRACE};
    use tokio::sync::broadcast::Receiver;

    fn drain(rx: &mut Receiver<Change>) -> Vec<Change> {
        std::iter::from_fn(|| rx.try_recv().ok()).collect()
    }

    #[test]
    fn opening_closing_and_code_rotation_are_announced() {
        let (p, clock) = setup();
        let mut rx = p.subscribe();
        p.open();
        assert_eq!(drain(&mut rx), [Change::Pairing]);
        p.open();
        assert!(drain(&mut rx).is_empty(), "nothing changed, nothing said");
        p.close();
        assert_eq!(drain(&mut rx), [Change::Pairing], "now ends by itself");
        // The grace period ends on its own: announced by the next time check.
        clock.advance(GRACE);
        p.check_time();
        assert_eq!(drain(&mut rx), [Change::Pairing]);
        assert!(drain(&mut rx).is_empty());

        p.open();
        drain(&mut rx);
        // From different addresses, so the per-address back-off does not stop the tries.
        let from = |i: u8| std::net::IpAddr::from([192, 168, 1, 100 + i]);
        for i in 0..4 {
            type_code(&p, from(i), &wrong_code(&p));
        }
        assert!(
            drain(&mut rx).is_empty(),
            "wrong tries alone change nothing shown"
        );
        type_code(&p, from(4), &wrong_code(&p));
        assert_eq!(
            drain(&mut rx),
            [Change::Pairing],
            "the fifth rotates the code"
        );
    }

    #[test]
    fn pending_pairing_and_revoke_are_announced_but_not_last_seen() {
        let (p, clock) = setup();
        p.open();
        p.close();
        let mut rx = p.subscribe();
        let SubmitOutcome::Accepted { ticket, .. } = type_code(&p, PHONE, &current_code(&p)) else {
            panic!("accepted");
        };
        // The code rotated and a phone waits for Allow (no screen shows).
        assert_eq!(drain(&mut rx), [Change::Pairing, Change::Devices]);
        let id = p.pending()[0].id;
        p.allow(id).expect("allow");
        assert_eq!(drain(&mut rx), [Change::Devices], "no longer pending");
        let Some(mpgram::pairing::PollOutcome::Paired { token, .. }) =
            p.poll(PHONE, ticket.as_str())
        else {
            panic!("paired");
        };
        assert_eq!(drain(&mut rx), [Change::Devices], "a new device");
        p.authenticate(PHONE, token.as_str(), &nokia());
        assert!(drain(&mut rx).is_empty(), "last seen is not news");
        p.rename(id, "Kitchen").expect("rename");
        assert_eq!(drain(&mut rx), [Change::Devices]);
        p.revoke(id).expect("revoke");
        assert_eq!(drain(&mut rx), [Change::Devices]);

        // A request nobody answers lapses: announced by the time check.
        p.open();
        p.close();
        type_code(&p, OTHER_PHONE, &current_code(&p));
        assert_eq!(p.pending().len(), 1);
        drain(&mut rx);
        clock.advance(APPROVAL_TIMEOUT + Duration::from_secs(1));
        p.check_time();
        assert_eq!(drain(&mut rx), [Change::Devices]);
    }
}
