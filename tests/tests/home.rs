//! A data folder end to end: CLI login into the vault, restart from the vault, logout wipes.

use std::io::Cursor;

use fakegram::{demo_world, FakeDc};
use mpgram::home::{cli_login, Home};
use mpgram::store::VAULT_FILE_NAME;
use mpgram::telegram::StoredSession;

const ME: i64 = 100_000_001;

fn key_file(dir: &std::path::Path) -> Option<std::path::PathBuf> {
    // A key file keeps this test independent of the keyring; the keyring has its own tests.
    Some(dir.join("vault.key"))
}

#[tokio::test]
async fn cli_phone_login_is_kept_in_the_vault_and_survives_a_restart() {
    std::env::set_var("MPGRAM_API_ID", "12345");
    std::env::set_var("MPGRAM_API_HASH", "0123456789abcdef0123456789abcdef");
    let dc = FakeDc::start(demo_world()).await.expect("fakegram");
    let dir = tempfile::tempdir().expect("tmp");
    let data = dir.path().join("data");

    let mut home = Home::open(Some(&data), key_file(dir.path())).expect("open");
    let key = dc.new_key(false);
    let start = StoredSession::from(dc.session_data(&key, 2));
    // A wrong code first, then the right one, then the 2FA password, as a person would type.
    let mut input = Cursor::new(b"00000\n12345\ndemo\n".to_vec());
    let mut out = Vec::new();
    let name = cli_login(&mut home, Some("+10000000000"), start, &mut input, &mut out)
        .await
        .expect("login");
    let printed = String::from_utf8_lossy(&out);
    assert_eq!(name, "Sam Rivera");
    assert!(printed.contains("That code is not right."), "{printed}");
    assert!(printed.contains("hint: the word on the box"), "{printed}");
    assert!(printed.contains("Logged in as Sam Rivera"), "{printed}");
    assert!(data.join(VAULT_FILE_NAME).exists());
    drop(home);

    // A restart: the vault alone brings the login back.
    let home = Home::open(Some(&data), key_file(dir.path())).expect("reopen");
    let account = home.account().expect("stored login");
    assert!(account.is_authorized().await.expect("authorized"));
    assert_eq!(account.me().await.expect("me").id, ME);
    drop(account);

    // Logout ends the Telegram session and removes the vault.
    home.logout().await.expect("logout");
    assert!(!data.join(VAULT_FILE_NAME).exists());
    assert!(!dc.key_authorized(&key));
}
