//! The API protocol (`api.php`): everything common to all methods, with no Telegram dependency.
//!
//! - [`params`]: parameters from query, urlencoded and multipart bodies, with typed getters;
//! - [`version`], [`json`], [`text`]: re-exported from [`crate::wire`] (the bottom layer the
//!   models use too);
//! - [`auth`]: where the token comes from, token shape, instance password;
//! - [`error`]: the error object and HTTP statuses;
//! - [`headers`]: request/response header names and the JSON response headers;

pub mod auth;
pub mod error;
pub mod headers;
pub mod methods;
pub mod params;

pub use crate::wire::{json, text, version};
pub use error::{ApiError, RpcError};
pub use json::{Encoding, Object, Value};
pub use params::{Params, RequestInput, UploadedFile};
pub use version::ApiVersion;
