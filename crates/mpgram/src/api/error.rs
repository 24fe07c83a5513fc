//! The error object of the API (`protocol.md` §9) and its HTTP statuses.
//!
//! Wire shape: `{"error":{"message":"…"}}`, optionally with `"stack_trace":"…"`; `error` is always
//! an object (a string crashes the J2ME client's error handler). Two hard rules from the real
//! client (`client-j2me.md` §4): 401 only for an unknown or revoked device token (a 401 from `me`
//! logs the phone out), and never 502/504 for an application error (the client silently retries
//! those, so a send could go out twice).

use super::json::{Encoding, Object, Value};

/// A Telegram RPC error, independent of the Telegram client library: `FLOOD_WAIT_30` is
/// `{ code: 420, name: "FLOOD_WAIT", value: Some(30) }`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RpcError {
    pub code: i32,
    pub name: String,
    pub value: Option<u32>,
}

impl RpcError {
    /// Splits a raw error string like `FLOOD_WAIT_30` into name and trailing number.
    pub fn parse(code: i32, raw: &str) -> Self {
        if let Some((name, tail)) = raw.rsplit_once('_') {
            if !name.is_empty() && !tail.is_empty() && tail.bytes().all(|b| b.is_ascii_digit()) {
                if let Ok(value) = tail.parse() {
                    return Self {
                        code,
                        name: name.to_owned(),
                        value: Some(value),
                    };
                }
            }
        }
        Self {
            code,
            name: raw.to_owned(),
            value: None,
        }
    }

    /// The bare RPC error name as the reference reports it: `FLOOD_WAIT_30`, `PEER_ID_INVALID`.
    pub fn full_name(&self) -> String {
        match self.value {
            Some(v) => format!("{}_{v}", self.name),
            None => self.name.clone(),
        }
    }

    /// A short sentence a person can act on, shown by the client under the message.
    fn hint(&self) -> Option<String> {
        match (self.name.as_str(), self.value) {
            ("FLOOD_WAIT" | "SLOWMODE_WAIT" | "FLOOD_PREMIUM_WAIT", Some(s)) => Some(format!(
                "Telegram asks to wait {s} seconds before trying again."
            )),
            (
                "AUTH_KEY_UNREGISTERED"
                | "SESSION_REVOKED"
                | "SESSION_EXPIRED"
                | "USER_DEACTIVATED"
                | "USER_DEACTIVATED_BAN"
                | "AUTH_KEY_INVALID",
                _,
            ) => Some("The PC's Telegram login has ended. Log in again in MPGram Home.".into()),
            _ => None,
        }
    }
}

impl std::fmt::Display for RpcError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.full_name())
    }
}

/// Every error an API method can answer. `Display` is the exact `error.message` text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    #[error("Bad server configuration")]
    BadConfiguration,
    /// Recognised by the J2ME client (localised alert).
    #[error("API is disabled")]
    ApiDisabled,
    #[error("No parameters set")]
    NoParameters,
    #[error("No method set")]
    NoMethod,
    /// Missing (or `""`/`"0"` where non-empty is required); carries the parameter name.
    #[error("Required parameter '{0}' is not set")]
    MissingParam(String),
    #[error("Given parameter '{0}' is not integer")]
    NotInteger(String),
    /// Global `v` check: HTTP 200. Recognised by the client ("client outdated").
    #[error("Unsupported API version")]
    UnsupportedVersion,
    /// Login method with `v < 10`: same text, HTTP 403.
    #[error("Unsupported API version")]
    LoginUnsupportedVersion,
    /// The name is echoed, even when empty.
    #[error("Method \"{0}\" is undefined")]
    UnknownMethod(String),
    #[error("Login API is disabled")]
    LoginDisabled,
    #[error("Instance password is required")]
    InstancePasswordRequired,
    #[error("Wrong instance password")]
    WrongInstancePassword,
    /// The device token is unknown or revoked: the only cause of a 401.
    #[error("Invalid authorization")]
    InvalidAuthorization,
    /// The token is known but the Telegram session cannot be opened (vault locked, …). The
    /// reference answers 401; we answer 503 because that state is temporary and a 401 would log
    /// the phone out.
    #[error("Failed to load session")]
    FailedToLoadSession,
    /// The PC's Telegram account is not logged in. Reference: 401; ours: 503, as above.
    #[error("Could not get user info")]
    CouldNotGetUserInfo,
    /// A plain message with HTTP 200: `Invalid id`, `Folder not found`, `Captcha id expired`,
    /// `Authorized`, the empty string, login failures, send-method errors, …
    #[error("{0}")]
    Message(String),
    /// A Telegram RPC error nobody handled: `Unhandled exception: FLOOD_WAIT_30`, HTTP 500.
    #[error("Unhandled exception: {0}")]
    Telegram(RpcError),
    /// `sendBotCallback`'s own wait (its seconds, as the request wrote them) ended before the bot answered: HTTP 500 like any
    /// unhandled failure (`methods-more.md`); a variant of its own so a browser page can say it
    /// in words.
    #[error("Unhandled exception: the bot did not answer within {0} s")]
    NoBotAnswer(String),
    /// Any other failure while serving the method, HTTP 500. The text must hold no secrets.
    #[error("Unhandled exception: {0}")]
    Internal(String),
    /// Telegram (or the vault) is unreachable right now, HTTP 503: an answer the phone shows,
    /// and not a 502/504 it would silently retry.
    #[error("{0}")]
    Unavailable(String),
    /// Too many wrong tokens or codes from one address: HTTP 429 with `Retry-After`.
    #[error("{message}")]
    TooManyRequests {
        message: String,
        retry_after_secs: u64,
    },
}

impl ApiError {
    /// The HTTP status of the answer (`protocol.md` §9.2, with our 401/503 rule).
    pub fn status(&self) -> u16 {
        match self {
            ApiError::InvalidAuthorization => 401,
            ApiError::TooManyRequests { .. } => 429,
            ApiError::LoginUnsupportedVersion
            | ApiError::LoginDisabled
            | ApiError::InstancePasswordRequired
            | ApiError::WrongInstancePassword => 403,
            ApiError::Telegram(_) | ApiError::NoBotAnswer(_) | ApiError::Internal(_) => 500,
            ApiError::FailedToLoadSession
            | ApiError::CouldNotGetUserInfo
            | ApiError::Unavailable(_) => 503,
            ApiError::BadConfiguration
            | ApiError::ApiDisabled
            | ApiError::NoParameters
            | ApiError::NoMethod
            | ApiError::MissingParam(_)
            | ApiError::NotInteger(_)
            | ApiError::UnsupportedVersion
            | ApiError::UnknownMethod(_)
            | ApiError::Message(_) => 200,
        }
    }

    /// The `Retry-After` seconds of a 429 answer.
    pub fn retry_after_secs(&self) -> Option<u64> {
        match self {
            ApiError::TooManyRequests {
                retry_after_secs, ..
            } => Some(*retry_after_secs),
            _ => None,
        }
    }

    /// Optional `error.stack_trace`: shown verbatim by the client, so only a short hint, never a
    /// real trace, path or token.
    pub fn stack_trace(&self) -> Option<String> {
        match self {
            ApiError::Telegram(rpc) => rpc.hint(),
            ApiError::FailedToLoadSession | ApiError::CouldNotGetUserInfo => {
                Some("Open MPGram Home on the PC and check that it is logged in.".into())
            }
            _ => None,
        }
    }

    /// The whole response object: `{"error":{"message":…[,"stack_trace":…]}}`.
    pub fn to_object(&self) -> Object {
        let mut inner = Object::with_capacity(2);
        inner.insert("message", self.to_string());
        inner.insert_some("stack_trace", self.stack_trace());
        Object::new().with("error", inner)
    }

    /// The response body in the request's encoding.
    pub fn body(&self, enc: Encoding) -> Vec<u8> {
        Value::Object(self.to_object()).to_vec(enc)
    }
}

impl From<RpcError> for ApiError {
    fn from(e: RpcError) -> Self {
        ApiError::Telegram(e)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "in tests a panic is the failure report")]
mod tests {
    use super::*;

    fn body(e: &ApiError) -> String {
        String::from_utf8(e.body(Encoding::ASCII)).unwrap()
    }

    #[test]
    fn error_object_shape_is_exact() {
        assert_eq!(
            body(&ApiError::InvalidAuthorization),
            r#"{"error":{"message":"Invalid authorization"}}"#
        );
        assert_eq!(
            body(&ApiError::UnknownMethod(String::new())),
            r#"{"error":{"message":"Method \"\" is undefined"}}"#
        );
        assert_eq!(
            body(&ApiError::Message(String::new())),
            r#"{"error":{"message":""}}"#
        );
    }

    #[test]
    fn messages_the_client_recognises_are_exact() {
        assert_eq!(
            ApiError::UnsupportedVersion.to_string(),
            "Unsupported API version"
        );
        assert_eq!(ApiError::LoginDisabled.to_string(), "Login API is disabled");
        assert_eq!(ApiError::ApiDisabled.to_string(), "API is disabled");
        assert_eq!(
            ApiError::WrongInstancePassword.to_string(),
            "Wrong instance password"
        );
        assert_eq!(
            ApiError::InstancePasswordRequired.to_string(),
            "Instance password is required"
        );
        assert_eq!(
            ApiError::MissingParam("peer".into()).to_string(),
            "Required parameter 'peer' is not set"
        );
        assert_eq!(
            ApiError::NotInteger("limit".into()).to_string(),
            "Given parameter 'limit' is not integer"
        );
    }

    #[test]
    fn flood_wait_maps_like_the_reference_with_a_hint() {
        let e = ApiError::from(RpcError::parse(420, "FLOOD_WAIT_30"));
        assert_eq!(e.status(), 500);
        assert_eq!(
            body(&e),
            r#"{"error":{"message":"Unhandled exception: FLOOD_WAIT_30","stack_trace":"Telegram asks to wait 30 seconds before trying again."}}"#
        );
        let e = ApiError::from(RpcError::parse(400, "PEER_ID_INVALID"));
        assert_eq!(
            body(&e),
            r#"{"error":{"message":"Unhandled exception: PEER_ID_INVALID"}}"#
        );
    }

    #[test]
    fn rpc_error_names_split_only_a_numeric_tail() {
        assert_eq!(
            RpcError::parse(303, "PHONE_MIGRATE_2"),
            RpcError {
                code: 303,
                name: "PHONE_MIGRATE".into(),
                value: Some(2)
            }
        );
        assert_eq!(RpcError::parse(400, "CHANNEL_PRIVATE").value, None);
        assert_eq!(RpcError::parse(400, "_5").full_name(), "_5");
        assert_eq!(RpcError::parse(400, "X_").full_name(), "X_");
    }

    #[test]
    fn only_an_unknown_token_is_401_and_nothing_is_502_or_504() {
        let all = [
            ApiError::BadConfiguration,
            ApiError::ApiDisabled,
            ApiError::NoParameters,
            ApiError::NoMethod,
            ApiError::MissingParam("x".into()),
            ApiError::NotInteger("x".into()),
            ApiError::UnsupportedVersion,
            ApiError::LoginUnsupportedVersion,
            ApiError::UnknownMethod("x".into()),
            ApiError::LoginDisabled,
            ApiError::InstancePasswordRequired,
            ApiError::WrongInstancePassword,
            ApiError::InvalidAuthorization,
            ApiError::FailedToLoadSession,
            ApiError::CouldNotGetUserInfo,
            ApiError::Message("x".into()),
            ApiError::Telegram(RpcError::parse(401, "AUTH_KEY_UNREGISTERED")),
            ApiError::Internal("x".into()),
            ApiError::Unavailable("x".into()),
        ];
        for e in &all {
            let s = e.status();
            assert!(s != 502 && s != 504, "{e:?}");
            assert_eq!(
                s == 401,
                matches!(e, ApiError::InvalidAuthorization),
                "{e:?}"
            );
        }
    }

    #[test]
    fn statuses_follow_the_spec_classes() {
        assert_eq!(ApiError::UnsupportedVersion.status(), 200);
        assert_eq!(ApiError::LoginUnsupportedVersion.status(), 403);
        assert_eq!(ApiError::WrongInstancePassword.status(), 403);
        assert_eq!(ApiError::UnknownMethod("getUser".into()).status(), 200);
        assert_eq!(ApiError::Internal("boom".into()).status(), 500);
    }
}
