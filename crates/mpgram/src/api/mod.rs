//! The API protocol (`api.php`): everything common to all methods, with no Telegram dependency.
//!
//! - [`params`]: parameters from query, urlencoded and multipart bodies, with typed getters;
//! - [`version`]: the `v` parameter and every version gate;
//! - [`auth`]: where the token comes from, token shape, instance password;
//! - [`error`]: the error object and HTTP statuses;
//! - [`json`]: our JSON value and writer with the reference's exact escaping;
//! - [`headers`]: request/response header names and the JSON response headers;
//! - [`text`]: emoji stripping in names and the short-form text cut.

pub mod auth;
pub mod error;
pub mod headers;
pub mod json;
pub mod methods;
pub mod params;
pub mod text;
pub mod version;

pub use error::{ApiError, RpcError};
pub use json::{Encoding, Object, Value};
pub use params::{Params, RequestInput, UploadedFile};
pub use version::ApiVersion;
