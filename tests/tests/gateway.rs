//! The Telegram gateway (`mpgram::telegram`) against fakegram: login flows as the window and
//! the CLI drive them, restarts, and updates across dropped connections.

use std::collections::BTreeMap;
use std::time::Duration;

use fakegram::{demo_world, FakeDc, Peer, World};
use mpgram::telegram::login::{Login, LoginState};
use mpgram::telegram::{Account, ApiCredentials, StoredSession, TelegramError};
use mpgram_tests::{eventually, API_HASH, API_ID};

const ME: i64 = 100_000_001;
const ALEX: i64 = 100_000_003;

fn creds() -> ApiCredentials {
    ApiCredentials {
        api_id: API_ID,
        api_hash: API_HASH.into(),
    }
}

async fn fake(world: World) -> FakeDc {
    FakeDc::start(world).await.expect("fakegram starts")
}

/// A fresh install: fakegram's DCs, a pre-seeded key, not logged in.
fn fresh(dc: &FakeDc) -> Account {
    let key = dc.new_key(false);
    Account::start(StoredSession::from(dc.session_data(&key, 2)), creds())
}

fn logged_in(dc: &FakeDc) -> Account {
    let key = dc.new_key(true);
    Account::start(
        StoredSession::from(dc.session_data(&key, dc.home_dc())),
        creds(),
    )
}

async fn wait_state(login: &Login, what: &str, pred: impl Fn(&LoginState) -> bool) -> LoginState {
    let mut w = login.watch();
    tokio::time::timeout(Duration::from_secs(15), async {
        loop {
            let s = w.borrow_and_update().clone();
            if pred(&s) {
                return s;
            }
            if w.changed().await.is_err() {
                panic!("login dropped while waiting for {what}");
            }
        }
    })
    .await
    .unwrap_or_else(|_| panic!("timed out waiting for {what}; state {:?}", login.state()))
}

#[tokio::test]
async fn phone_login_wrong_code_then_code_then_password() {
    let dc = fake(demo_world()).await;
    let account = fresh(&dc);
    let login = Login::new(account.clone());
    login.send_code("+1 000 000 0000").await.expect("code sent");
    assert!(matches!(login.state(), LoginState::CodeSent { .. }));
    let err = login.sign_in("11111").await.expect_err("wrong code");
    assert!(matches!(err, TelegramError::WrongCode));
    assert_eq!(
        login.state(),
        LoginState::Failed {
            message: "That code is not right. Check the code Telegram sent you and try again."
                .into()
        }
    );
    // The same code request is still good for the right code.
    let next = login.sign_in("12345").await.expect("right code");
    assert_eq!(
        next,
        LoginState::PasswordNeeded {
            hint: Some("the word on the box".into())
        }
    );
    let err = login
        .check_password("nope")
        .await
        .expect_err("wrong password");
    assert_eq!(
        err.to_string(),
        "That password is not right. Your hint: the word on the box"
    );
    let done = login.check_password("demo").await.expect("right password");
    assert!(matches!(done, LoginState::SignedIn { user_id: ME, .. }));
    assert_eq!(account.me().await.expect("me").id, ME);
}

#[tokio::test]
async fn invalid_and_banned_numbers_are_plain_sentences() {
    let dc = fake(demo_world()).await;
    let login = Login::new(fresh(&dc));
    let e = login.send_code("+12").await.expect_err("too short");
    assert!(matches!(e, TelegramError::InvalidPhone));
    let e = login
        .send_code("+1 999 999 9999")
        .await
        .expect_err("banned");
    assert_eq!(e.to_string(), "Telegram has banned this phone number.");
}

#[tokio::test]
async fn flood_wait_on_send_code_says_how_long() {
    let dc = fake(demo_world()).await;
    dc.flood_wait("auth.sendCode", 300, 5);
    let key = dc.new_key(false);
    let account = Account::start_with(
        StoredSession::from(dc.session_data(&key, 2)),
        creds(),
        grammers_mtsender::ConnectionParams {
            retry_policy: Box::new(grammers_mtsender::NoRetries),
            ..Default::default()
        },
    );
    let login = Login::new(account);
    let e = login
        .send_code("+10000000000")
        .await
        .expect_err("flood wait");
    assert_eq!(
        e.to_string(),
        "Telegram asks you to wait 5 minutes before trying again."
    );
    assert!(matches!(login.state(), LoginState::Failed { .. }));
}

#[tokio::test]
async fn qr_login_with_2fa() {
    let dc = fake(demo_world()).await;
    let account = fresh(&dc);
    let login = Login::new(account.clone());
    let url = login.start_qr().await.expect("qr");
    assert!(url.starts_with("tg://login?token="), "{url}");
    assert!(dc.accept_qr_login());
    wait_state(&login, "the password step", |s| {
        matches!(s, LoginState::PasswordNeeded { .. })
    })
    .await;
    login.check_password("demo").await.expect("2FA");
    assert!(account.is_authorized().await.expect("authorized"));
    assert!(account.session().has_self_user());
}

#[tokio::test]
async fn qr_login_follows_a_dc_migration() {
    let mut world = demo_world();
    world.account.home_dc = 4;
    world.account.password = None;
    let dc = fake(world).await;
    let account = fresh(&dc);
    let login = Login::new(account.clone());
    login.start_qr().await.expect("qr");
    assert!(dc.accept_qr_login());
    let s = wait_state(&login, "signed in", |s| {
        matches!(s, LoginState::SignedIn { .. })
    })
    .await;
    assert!(matches!(s, LoginState::SignedIn { user_id: ME, .. }));
    assert_eq!(account.session().snapshot().home_dc, 4);
    assert!(dc
        .calls()
        .iter()
        .any(|c| c.dc_id == 4 && c.method == "auth.importLoginToken"));
    assert_eq!(account.me().await.expect("me on the new home DC").id, ME);
}

#[tokio::test]
async fn qr_url_is_refreshed_before_it_expires() {
    let dc = fake(demo_world()).await;
    let login = Login::new(fresh(&dc));
    let first = login.start_qr().await.expect("qr");
    // fakegram's tokens live 30 s; the loop refreshes a few seconds early.
    let s = tokio::time::timeout(Duration::from_secs(40), async {
        let mut w = login.watch();
        loop {
            if let LoginState::Qr { url, .. } = w.borrow_and_update().clone() {
                if url != first {
                    return url;
                }
            }
            w.changed().await.expect("login alive");
        }
    })
    .await
    .expect("a fresh QR within 40 s");
    assert!(s.starts_with("tg://login?token="));
}

#[tokio::test]
async fn restart_restores_the_session_without_login() {
    let dc = fake(demo_world()).await;
    let first = logged_in(&dc);
    let me = first.me().await.expect("me");
    let snapshot = first.session().snapshot();
    drop(first);
    // What the vault would hold goes through serde and back.
    let bytes = serde_json::to_vec(&snapshot).expect("serialise");
    let restored: StoredSession = serde_json::from_slice(&bytes).expect("deserialise");
    let second = Account::start(restored, creds());
    assert!(second.is_authorized().await.expect("authorized"));
    assert_eq!(second.me().await.expect("me").id, me.id);
}

/// Collects NewMessage ids per peer from an account's update stream.
fn collect(account: &Account) -> std::sync::Arc<std::sync::Mutex<BTreeMap<i32, usize>>> {
    let seen = std::sync::Arc::new(std::sync::Mutex::new(BTreeMap::new()));
    let mut rx = account.subscribe();
    let s = std::sync::Arc::clone(&seen);
    tokio::spawn(async move {
        while let Ok(batch) = rx.recv().await {
            for u in &batch.updates {
                if let grammers_tl_types::enums::Update::NewMessage(m) = u {
                    if let grammers_tl_types::enums::Message::Message(m) = &m.message {
                        *s.lock().expect("lock").entry(m.id).or_insert(0) += 1;
                    }
                }
            }
        }
    });
    seen
}

#[tokio::test]
async fn updates_sent_while_disconnected_arrive_exactly_once() {
    let dc = fake(demo_world()).await;
    let account = logged_in(&dc);
    let seen = collect(&account);
    account.me().await.expect("connected");
    account.updates_ready().await;
    let first = dc.push_incoming(Peer::User(ALEX), ALEX, "before the drop");
    eventually("the first push", || {
        seen.lock().expect("lock").contains_key(&first)
    })
    .await;

    dc.drop_connections();
    let missed: Vec<i32> = (0..3)
        .map(|i| dc.push_incoming(Peer::User(ALEX), ALEX, &format!("while away {i}")))
        .collect();
    // Any request reconnects; grammers then asks getDifference.
    account.me().await.expect("reconnected");
    let last = dc.push_incoming(Peer::User(ALEX), ALEX, "after the reconnect");
    eventually("every message", || {
        let s = seen.lock().expect("lock");
        missed
            .iter()
            .chain([&first, &last])
            .all(|id| s.contains_key(id))
    })
    .await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let s = seen.lock().expect("lock");
    for id in missed.iter().chain([&first, &last]) {
        assert_eq!(
            s.get(id),
            Some(&1),
            "message {id} delivered {:?} times",
            s.get(id)
        );
    }
}

#[tokio::test]
async fn a_restart_catches_up_on_what_came_while_the_app_was_off() {
    let dc = fake(demo_world()).await;
    let first = logged_in(&dc);
    let seen_first = collect(&first);
    first.me().await.expect("connected");
    first.updates_ready().await;
    let before = dc.push_incoming(Peer::User(ALEX), ALEX, "seen before the restart");
    eventually("the first push", || {
        seen_first.lock().expect("lock").contains_key(&before)
    })
    .await;
    let snapshot = first.session().snapshot();
    drop(first);

    let away: Vec<i32> = (0..2)
        .map(|i| dc.push_incoming(Peer::User(ALEX), ALEX, &format!("while off {i}")))
        .collect();
    let second = Account::start(snapshot, creds());
    let seen = collect(&second);
    second.me().await.expect("connected again");
    eventually("the missed messages", || {
        let s = seen.lock().expect("lock");
        away.iter().all(|id| s.contains_key(id))
    })
    .await;
    let s = seen.lock().expect("lock");
    assert!(
        !s.contains_key(&before),
        "an update seen before the restart came again"
    );
    for id in &away {
        assert_eq!(s.get(id), Some(&1));
    }
}
