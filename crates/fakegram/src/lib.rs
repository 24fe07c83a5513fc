//! fakegram: a fake Telegram data-centre speaking real MTProto 2.0 over TCP on loopback.
pub mod media;
