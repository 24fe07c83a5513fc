//! Telegram failures as typed errors, each with a plain sentence for people.
//!
//! The sentence never names an RPC error; `rpc_name()` keeps it for the log.

use std::time::Duration;

use grammers_mtsender::InvocationError;

#[derive(Debug, thiserror::Error)]
pub enum TelegramError {
    #[error("Telegram asks you to wait {} before trying again.", minutes(*.0))]
    FloodWait(Duration),
    #[error("That code is not right. Check the code Telegram sent you and try again.")]
    WrongCode,
    #[error("That code has expired. Ask for a new code.")]
    CodeExpired,
    #[error("That password is not right.{}", hint_sentence(.0.as_deref()))]
    WrongPassword(Option<String>),
    #[error("That phone number does not look right. Type it with the country code, like +44 7700 900123.")]
    InvalidPhone,
    #[error("Telegram has banned this phone number.")]
    Banned,
    #[error("This Telegram login has ended. Log in again on your PC.")]
    LoggedOut,
    #[error("Telegram could not be reached. Check the PC's internet connection.")]
    Network,
    #[error("Telegram refused this ({name}).")]
    Rpc {
        code: i32,
        name: String,
        value: Option<u32>,
    },
    #[error("The Telegram connection was closed.")]
    Closed,
    #[error("Saving the Telegram login failed.")]
    Session,
}

fn minutes(d: Duration) -> String {
    let secs = d.as_secs();
    if secs < 60 {
        return if secs == 1 {
            "1 second".into()
        } else {
            format!("{secs} seconds")
        };
    }
    let m = secs.div_ceil(60);
    if m == 1 {
        "1 minute".into()
    } else {
        format!("{m} minutes")
    }
}

fn hint_sentence(hint: Option<&str>) -> String {
    match hint {
        Some(h) if !h.is_empty() => format!(" Your hint: {h}"),
        _ => String::new(),
    }
}

impl TelegramError {
    /// The Telegram error name for logs (never shown to people).
    pub fn rpc_name(&self) -> Option<String> {
        match self {
            Self::Rpc { name, value, .. } => Some(match value {
                Some(v) => format!("{name}_{v}"),
                None => name.clone(),
            }),
            Self::FloodWait(d) => Some(format!("FLOOD_WAIT_{}", d.as_secs())),
            _ => None,
        }
    }

    /// The raw code and name (e.g. `420`, `FLOOD_WAIT_30`) for the MPGram API error object,
    /// which shows Telegram's names as the reference server does.
    pub fn rpc_parts(&self) -> Option<(i32, String)> {
        match self {
            Self::Rpc { code, .. } => Some((*code, self.rpc_name().unwrap_or_default())),
            Self::FloodWait(_) => Some((420, self.rpc_name().unwrap_or_default())),
            Self::WrongCode => Some((400, "PHONE_CODE_INVALID".into())),
            Self::CodeExpired => Some((400, "PHONE_CODE_EXPIRED".into())),
            Self::WrongPassword(_) => Some((400, "PASSWORD_HASH_INVALID".into())),
            Self::InvalidPhone => Some((400, "PHONE_NUMBER_INVALID".into())),
            Self::Banned => Some((400, "PHONE_NUMBER_BANNED".into())),
            Self::LoggedOut => Some((401, "AUTH_KEY_UNREGISTERED".into())),
            _ => None,
        }
    }
}

impl From<InvocationError> for TelegramError {
    fn from(e: InvocationError) -> Self {
        match e {
            InvocationError::Rpc(rpc) => {
                tracing::debug!(code = rpc.code, name = %rpc.name, "telegram rpc error");
                match rpc.name.as_str() {
                    "FLOOD_WAIT" | "FLOOD_PREMIUM_WAIT" | "SLOWMODE_WAIT" => {
                        Self::FloodWait(Duration::from_secs(u64::from(rpc.value.unwrap_or(60))))
                    }
                    "PHONE_CODE_INVALID" | "PHONE_CODE_EMPTY" => Self::WrongCode,
                    "PHONE_CODE_EXPIRED" => Self::CodeExpired,
                    "PASSWORD_HASH_INVALID" => Self::WrongPassword(None),
                    "PHONE_NUMBER_INVALID" | "PHONE_NUMBER_UNOCCUPIED" => Self::InvalidPhone,
                    "PHONE_NUMBER_BANNED" | "USER_DEACTIVATED_BAN" => Self::Banned,
                    "AUTH_KEY_UNREGISTERED"
                    | "SESSION_REVOKED"
                    | "SESSION_EXPIRED"
                    | "USER_DEACTIVATED"
                    | "AUTH_KEY_INVALID" => Self::LoggedOut,
                    _ => Self::Rpc {
                        code: rpc.code,
                        name: rpc.name,
                        value: rpc.value,
                    },
                }
            }
            InvocationError::Dropped(_) => Self::Closed,
            other => {
                tracing::debug!("telegram transport error: {other}");
                Self::Network
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentences_are_plain_words_without_rpc_names() {
        let e = TelegramError::FloodWait(Duration::from_secs(150));
        assert_eq!(
            e.to_string(),
            "Telegram asks you to wait 3 minutes before trying again."
        );
        assert_eq!(e.rpc_name().as_deref(), Some("FLOOD_WAIT_150"));
        let e = TelegramError::WrongPassword(Some("the box".into()));
        assert_eq!(
            e.to_string(),
            "That password is not right. Your hint: the box"
        );
        for e in [
            TelegramError::WrongCode,
            TelegramError::CodeExpired,
            TelegramError::InvalidPhone,
            TelegramError::Banned,
        ] {
            let s = e.to_string();
            assert!(!s.contains('_'), "{s}");
            assert!(s.ends_with('.'), "{s}");
        }
    }
}
