//! MPGram Home core: the MPGram API server over a real Telegram account.
//!
//! Layout (see ARCHITECTURE.md): `api` (protocol rules), `store` (secrets at rest),
//! `media` (image and audio conversions).
pub mod api;
pub mod control;
pub mod home;
pub mod logging;
pub mod media;
pub mod model;
pub mod pairing;
pub mod reach;
pub mod server;
pub mod service;
pub mod store;
pub mod telegram;
