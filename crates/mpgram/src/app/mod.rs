//! The composition root: what one instance is made of, built in one place for `mpgram serve`,
//! `mpgram demo`, the tray's service, the tests and the benches.
//!
//! - [`contents`]: what the vault holds (session, devices, credentials, guests) and the
//!   debounced saver; `store/` only seals and opens the bytes;
//! - [`serving`]: a stored account wired for phones and the listeners serving it, shared by
//!   `mpgram serve` and the tray's service.

pub mod contents;
pub mod serving;

pub use contents::{Saver, StoredCredentials, VaultData};
