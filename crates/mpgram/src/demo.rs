//! The demo world: fakegram's fake Telegram with a made-up account, chats and media, so the app
//! can be tried without a Telegram account (`mpgram demo`, the window's "Try without an
//! account"). Built only with the cargo feature `demo` (on by default); without it, starting the
//! demo says so instead.

use crate::telegram::Account;

/// Why the demo world did not start.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("the demo world could not start: {0}")]
    Start(#[from] std::io::Error),
    #[error("this build of MPGram Home has no demo world (built without the `demo` feature)")]
    NotBuilt,
}

/// The running demo world: keep it alive as long as its account is served.
pub struct World {
    #[cfg(feature = "demo")]
    _dc: fakegram::FakeDc,
}

/// Starts the demo world on loopback and connects its account.
pub async fn start() -> Result<(World, Account), DemoError> {
    #[cfg(feature = "demo")]
    {
        use crate::telegram::{ApiCredentials, StoredSession};
        let dc = fakegram::FakeDc::start(fakegram::demo_world()).await?;
        let key = dc.new_key(true);
        let stored = StoredSession::from(dc.session_data(&key, dc.home_dc()));
        let account = Account::start(
            stored,
            ApiCredentials {
                api_id: 1,
                api_hash: "demo".into(),
            },
        );
        Ok((World { _dc: dc }, account))
    }
    #[cfg(not(feature = "demo"))]
    {
        Err(DemoError::NotBuilt)
    }
}
