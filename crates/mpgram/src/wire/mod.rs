//! The bottom layer: the MPGram wire conventions that both the API (`api/`) and the models
//! (`model/`) speak, with no dependency on either.
//!
//! - [`json`]: our JSON value and writer with the reference's exact escaping (PHP `json_encode`);
//! - [`version`]: API versions 2–12 and every version gate;
//! - [`text`]: emoji stripping in names and the short-form text cut;
//! - [`peer_id`]: bot-API peer ids (users, basic groups, channels).

pub mod json;
pub mod peer_id;
pub mod text;
pub mod version;
