//! `GET/PUT /v1/settings`: what the person sets in the window, kept in `<data-dir>/settings.json`.
//!
//! Nothing secret lives here except the instance password, which phones type in plain text anyway;
//! the file is written 0600 all the same.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// Which addresses the API server listens on.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Interface {
    /// The LAN address and loopback (the default).
    #[default]
    Lan,
    /// Loopback only: phones cannot reach it (for trying things on this PC).
    Loopback,
    /// Every address of the machine.
    All,
}

/// The settings file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// `None`: 8080 or the next free port.
    pub port: Option<u16>,
    pub interface: Interface,
    /// Empty or `None`: no instance password.
    pub instance_password: Option<String>,
    pub ask_before_pairing: bool,
    pub start_at_login: bool,
    /// The reference server's login API (phones logging their own Telegram accounts in through
    /// this PC, served as guests beside the owner's account). Applied at the next session start;
    /// changing it in Settings restarts the session.
    pub login_api: bool,
    /// "Reach from mobile data": a port mapping on the home router (`reach/`). Applied live.
    pub reach: bool,
}

pub const SETTINGS_FILE: &str = "settings.json";

impl Settings {
    pub fn path(data_dir: &Path) -> PathBuf {
        data_dir.join(SETTINGS_FILE)
    }

    /// The saved settings, or the defaults when there are none (or the file is unreadable: the
    /// app must still start; the next save replaces it).
    pub fn load(data_dir: &Path) -> Self {
        match std::fs::read(Self::path(data_dir)) {
            Ok(bytes) => serde_json::from_slice(&bytes).unwrap_or_else(|e| {
                tracing::warn!("{SETTINGS_FILE} is unreadable ({e}); using the defaults");
                Self::default()
            }),
            Err(_) => Self::default(),
        }
    }

    pub fn save(&self, data_dir: &Path) -> Result<(), crate::store::StoreError> {
        let bytes = serde_json::to_vec_pretty(self).unwrap_or_default();
        crate::store::write_private_atomically(&Self::path(data_dir), &bytes)
    }

    pub fn instance_password(&self) -> Option<String> {
        self.instance_password.clone().filter(|p| !p.is_empty())
    }

    /// Where to listen, `None` meaning the default (LAN + loopback on `port` or the next free).
    pub fn listen_addr(&self) -> Option<SocketAddr> {
        let ip: IpAddr = match self.interface {
            Interface::Lan => return None,
            Interface::Loopback => Ipv4Addr::LOCALHOST.into(),
            Interface::All => Ipv4Addr::UNSPECIFIED.into(),
        };
        Some(SocketAddr::new(
            ip,
            self.port.unwrap_or(crate::server::listen::DEFAULT_PORT),
        ))
    }

    /// Whether a change from `self` to `new` needs the server restarted.
    pub fn needs_restart(&self, new: &Self) -> bool {
        self.port != new.port
            || self.interface != new.interface
            || self.instance_password() != new.instance_password()
            // The login API is read when a session starts (service.rs), not live.
            || self.login_api != new.login_api
    }

    /// The `/v1/settings` object.
    pub fn json(&self, data_dir: &Path) -> serde_json::Value {
        serde_json::json!({
            "port": self.port,
            "interface": self.interface,
            "instance_password": self.instance_password.clone().unwrap_or_default(),
            "ask_before_pairing": self.ask_before_pairing,
            "start_at_login": self.start_at_login,
            "login_api": self.login_api,
            "reach": self.reach,
            "data_dir": data_dir.display().to_string(),
            "version": env!("CARGO_PKG_VERSION"),
        })
    }
}

async fn put(
    axum::extract::State(desk): axum::extract::State<crate::service::Desk>,
    body: axum::body::Bytes,
) -> axum::response::Response {
    use axum::http::StatusCode;
    let new: Settings = match super::window::read_body(&body) {
        Ok(s) => s,
        Err(r) => return r,
    };
    if new.port == Some(0) {
        return super::error(
            StatusCode::BAD_REQUEST,
            "The port must be between 1 and 65535.",
        );
    }
    let old = desk.settings();
    if let Err(e) = new.save(desk.data_dir()) {
        return super::error(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string());
    }
    desk.set_settings(new.clone());
    desk.control()
        .pairing()
        .pairing
        .set_ask_before_pairing(new.ask_before_pairing);
    // Reach from mobile data is switched live: on asks the router, off removes the mapping.
    if old.reach != new.reach {
        desk.control().reach().set(new.reach).await;
    }
    if old.start_at_login != new.start_at_login {
        desk.tell_front(crate::service::ToFront::Autostart(new.start_at_login));
    }
    // A new port, interface or password takes a new listener: the session restarts (the window
    // reconnects by itself).
    if old.needs_restart(&new) {
        desk.request(crate::service::Next::Restart);
    }
    super::json(StatusCode::OK, &new.json(desk.data_dir()))
}

pub fn routes(desk: crate::service::Desk) -> axum::Router {
    use axum::routing::get;
    axum::Router::new()
        .route(
            "/v1/settings",
            get(
                |axum::extract::State(desk): axum::extract::State<crate::service::Desk>| async move {
                    super::json(
                        axum::http::StatusCode::OK,
                        &desk.settings().json(desk.data_dir()),
                    )
                },
            )
            .put(put),
        )
        .with_state(desk)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_round_trip_through_the_file_and_missing_fields_default() {
        let dir = tempfile::tempdir().expect("temp dir");
        assert_eq!(Settings::load(dir.path()), Settings::default());
        let s = Settings {
            port: Some(8181),
            interface: Interface::Loopback,
            ask_before_pairing: true,
            ..Settings::default()
        };
        s.save(dir.path()).expect("save");
        assert_eq!(Settings::load(dir.path()), s);
        std::fs::write(Settings::path(dir.path()), br#"{"port":9000}"#).expect("write");
        assert_eq!(Settings::load(dir.path()).port, Some(9000));
        assert_eq!(
            s.listen_addr(),
            Some(SocketAddr::from((Ipv4Addr::LOCALHOST, 8181)))
        );
    }
}
