//! MPGram Home core: the MPGram API server over a real Telegram account.
//!
//! Layout (ARCHITECTURE.md has the code map and which module may use which), bottom up: `wire`
//! (JSON writer, API versions, text), `telegram` (the grammers gateway), `model` (TL → MPGram
//! JSON), `store` (sealed bytes at rest), `pairing` (who may come in), `guests` (phones' own
//! logins), `media` (conversions), `api` (parameters, errors, the one method table), `server`
//! (the one route table and request extractor), `app` (what the vault holds), `control` (the
//! loopback control channel), `home` and `service` (a data folder; the tray's core), `demo`
//! (the demo world, behind the `demo` feature), `logging`.
pub mod api;
pub mod app;
pub mod control;
pub mod demo;
pub mod guests;
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
pub mod wire;
