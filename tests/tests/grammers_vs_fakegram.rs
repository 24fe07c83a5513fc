//! The unmodified grammers client against fakegram over real TCP on loopback: the
//! foundation every later test stands on.

// grammers' send_message future is large; boxing it in tests would only add noise.
#![allow(clippy::large_futures)]

use std::time::Duration;

use fakegram::{demo_world, FakeDc, Peer};
use grammers_client::session::Session;
use grammers_client::update::Update;
use grammers_client::{tl, InvocationError, SignInError};
use grammers_mtsender::UpdatesConfiguration;
use mpgram_tests::{connect, API_HASH};

const ME: i64 = 100_000_001;
const ALEX: i64 = 100_000_003;

async fn fake() -> FakeDc {
    FakeDc::start(demo_world()).await.expect("fakegram starts")
}

#[tokio::test]
async fn get_me_returns_the_account_holder() {
    let dc = fake().await;
    let c = connect(&dc, true, true);
    let me = c.client.get_me().await.expect("get_me");
    assert_eq!(me.id().bare_id_unchecked(), ME);
    assert_eq!(me.first_name(), Some("Sam"));
    assert_eq!(dc.count("users.getUsers"), 1);
}

#[tokio::test]
async fn iter_dialogs_lists_every_main_list_dialog_in_order() {
    let dc = fake().await;
    let expected: Vec<i64> = {
        let w = dc.world();
        w.sorted_dialogs(0)
            .iter()
            .map(|d| d.peer.bare_id())
            .collect()
    };
    assert!(expected.len() >= 20, "demo world has ~25 dialogs");
    let c = connect(&dc, true, true);
    let mut it = c.client.iter_dialogs();
    let mut got = Vec::new();
    while let Some(d) = it.next().await.expect("dialogs page") {
        got.push(d.peer_id().bare_id_unchecked());
    }
    assert_eq!(got, expected);
}

#[tokio::test]
async fn iter_messages_pages_through_history_newest_first() {
    let dc = fake().await;
    let c = connect(&dc, true, true);
    // Resolve the peer first so grammers has its access hash.
    let mut dialogs = c.client.iter_dialogs();
    let mut alex = None;
    while let Some(d) = dialogs.next().await.expect("dialogs") {
        if d.peer_id().bare_id_unchecked() == ALEX {
            alex = Some(d.peer_ref());
        }
    }
    let alex = alex.expect("Alex is in the dialogs");
    let expected: Vec<i32> = dc
        .world()
        .messages
        .get(&Peer::User(ALEX))
        .map(|m| m.keys().rev().copied().collect())
        .unwrap_or_default();
    let mut it = c.client.iter_messages(alex);
    let mut got = Vec::new();
    while let Some(m) = it.next().await.expect("history") {
        got.push(m.id());
    }
    assert_eq!(got, expected);
    assert!(got.len() >= 5);
}

#[tokio::test]
async fn send_message_really_posts_it() {
    let dc = fake().await;
    let c = connect(&dc, true, true);
    let me = c.client.get_me().await.expect("get_me");
    let sent = c
        .client
        .send_message(
            me.to_ref().await.expect("ref").expect("self ref"),
            "note to self",
        )
        .await
        .expect("send");
    let w = dc.world();
    let stored = w
        .message(Peer::User(ME), sent.id())
        .expect("stored in the world");
    assert_eq!(stored.text, "note to self");
    assert!(stored.out);
}

#[tokio::test]
async fn upload_then_download_gives_the_same_bytes() {
    let dc = fake().await;
    let c = connect(&dc, true, true);
    let me = c.client.get_me().await.expect("get_me");
    // 1.3 MB: several upload parts and several download chunks.
    let data: Vec<u8> = (0..1_300_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let mut reader = std::io::Cursor::new(data.clone());
    let uploaded = c
        .client
        .upload_stream(&mut reader, data.len(), "blob.bin".into())
        .await
        .expect("upload");
    let msg = c
        .client
        .send_message(
            me.to_ref().await.expect("ref").expect("self ref"),
            grammers_client::message::InputMessage::new()
                .text("file")
                .document(uploaded),
        )
        .await
        .expect("send document");
    let media = msg.media().expect("message has media");
    let mut dl = c.client.iter_download(&media);
    let mut got = Vec::new();
    while let Some(chunk) = dl.next().await.expect("download chunk") {
        got.extend(chunk);
    }
    assert_eq!(got.len(), data.len());
    assert!(got == data, "downloaded bytes differ from uploaded ones");
}

#[tokio::test]
async fn pushed_message_arrives_as_an_update() {
    let dc = fake().await;
    let mut c = connect(&dc, true, true);
    c.client.get_me().await.expect("get_me");
    let mut dialogs = c.client.iter_dialogs();
    while dialogs.next().await.expect("dialogs").is_some() {}
    let mut stream = c
        .client
        .stream_updates(
            c.updates.take().expect("updates"),
            UpdatesConfiguration { catch_up: false },
        )
        .await
        .expect("stream");
    // The update receiver syncs its state first; give it the push after that.
    tokio::time::sleep(Duration::from_millis(100)).await;
    dc.push_incoming(Peer::User(ALEX), ALEX, "ping from Alex");
    let update = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            match stream.next().await.expect("update") {
                Update::NewMessage(m) if !m.outgoing() => return m,
                _ => {}
            }
        }
    })
    .await
    .expect("update within 10 s");
    assert_eq!(update.text(), "ping from Alex");
    assert_eq!(update.peer_id().bare_id_unchecked(), ALEX);
}

#[tokio::test]
async fn a_dropped_connection_is_survived() {
    let dc = fake().await;
    let c = connect(&dc, true, true);
    c.client.get_me().await.expect("first get_me");
    dc.drop_connections();
    tokio::time::sleep(Duration::from_millis(50)).await;
    let me = c.client.get_me().await.expect("get_me after the drop");
    assert_eq!(me.id().bare_id_unchecked(), ME);
}

#[tokio::test]
async fn flood_wait_surfaces_as_the_typed_error() {
    let dc = fake().await;
    let c = connect(&dc, true, false);
    dc.flood_wait("users.getUsers", 420, 1);
    match c.client.get_me().await {
        Err(InvocationError::Rpc(e)) => {
            assert_eq!(e.code, 420);
            assert_eq!(e.name, "FLOOD_WAIT");
            assert_eq!(e.value, Some(420));
        }
        other => panic!("expected FLOOD_WAIT, got {other:?}"),
    }
    // The rule is spent: the next call goes through.
    c.client
        .get_me()
        .await
        .expect("get_me after the flood wait");
}

#[tokio::test]
async fn phone_login_with_wrong_code_then_2fa() {
    let dc = fake().await;
    let c = connect(&dc, false, true);
    assert!(!c.client.is_authorized().await.expect("is_authorized"));
    let token = c
        .client
        .request_login_code("+10000000000", API_HASH)
        .await
        .expect("code sent");
    match c.client.sign_in(&token, "00000").await {
        Err(SignInError::InvalidCode) => {}
        other => panic!("wrong code must be InvalidCode, got {other:?}"),
    }
    let password = match c.client.sign_in(&token, "12345").await {
        Err(SignInError::PasswordRequired(p)) => p,
        other => panic!("demo account has 2FA, got {other:?}"),
    };
    assert_eq!(password.hint(), Some("the word on the box"));
    let user = c
        .client
        .check_password(password, "demo")
        .await
        .expect("2FA");
    assert_eq!(user.id().bare_id_unchecked(), ME);
    assert!(c.client.is_authorized().await.expect("is_authorized"));
}

#[tokio::test]
async fn wrong_2fa_password_is_rejected() {
    let dc = fake().await;
    let c = connect(&dc, false, true);
    let token = c
        .client
        .request_login_code("+10000000000", API_HASH)
        .await
        .expect("code");
    let Err(SignInError::PasswordRequired(p)) = c.client.sign_in(&token, "12345").await else {
        panic!("2FA expected");
    };
    match c.client.check_password(p, "not-it").await {
        Err(SignInError::InvalidPassword(_)) => {}
        other => panic!("expected InvalidPassword, got {other:?}"),
    }
    assert!(!c.client.is_authorized().await.expect("is_authorized"));
}

#[tokio::test]
async fn phone_login_migrates_to_the_accounts_dc() {
    let mut world = demo_world();
    world.account.home_dc = 4;
    world.account.password = None;
    let dc = FakeDc::start(world).await.expect("fake");
    let c = connect(&dc, false, true);
    let token = c
        .client
        .request_login_code("+10000000000", API_HASH)
        .await
        .expect("code");
    let user = c.client.sign_in(&token, "12345").await.expect("signed in");
    assert_eq!(user.id().bare_id_unchecked(), ME);
    assert_eq!(c.session.home_dc_id().expect("home dc"), 4);
    assert!(dc
        .calls()
        .iter()
        .any(|call| call.dc_id == 4 && call.method == "auth.signIn"));
}

#[tokio::test]
async fn qr_login_with_2fa() {
    let dc = fake().await;
    let mut c = connect(&dc, false, true);
    let export = tl::functions::auth::ExportLoginToken {
        api_id: mpgram_tests::API_ID,
        api_hash: API_HASH.into(),
        except_ids: Vec::new(),
    };
    let first = c.client.invoke(&export).await.expect("export token");
    assert!(matches!(first, tl::enums::auth::LoginToken::Token(ref t) if t.token.len() >= 16));
    let mut raw = c.updates.take().expect("updates");
    assert!(dc.accept_qr_login());
    // The smartphone's acceptance arrives as updateLoginToken.
    let got = tokio::time::timeout(Duration::from_secs(10), async {
        while let Some(u) = raw.recv().await {
            if format!("{u:?}").contains("LoginToken") {
                return true;
            }
        }
        false
    })
    .await
    .expect("updateLoginToken within 10 s");
    assert!(got);
    match c.client.invoke(&export).await {
        Err(InvocationError::Rpc(e)) if e.name == "SESSION_PASSWORD_NEEDED" => {}
        other => panic!("demo account has 2FA: {other:?}"),
    }
    // The password step of QR login is the same account.getPassword + checkPassword.
    let pw: tl::enums::account::Password = c
        .client
        .invoke(&tl::functions::account::GetPassword {})
        .await
        .expect("password info");
    let user = c
        .client
        .check_password(
            grammers_client::client::PasswordToken::new(pw.into()),
            "demo",
        )
        .await
        .expect("2FA after QR");
    assert_eq!(user.id().bare_id_unchecked(), ME);
}
