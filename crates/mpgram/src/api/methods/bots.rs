//! Bots and polls: `startBot`, `sendBotCallback` (alias `botCallback`), `sendVote`
//! (`methods-more.md` §5, §6), and the lenient base64 of their parameters (§0.7).

use std::time::Duration;

use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::DecodePaddingMode;
use base64::Engine as _;
use grammers_tl_types as tl;

use super::editing::int_peer;
use super::peers::{input_user, resolve};
use super::{res, telegram_error, Call};
use crate::api::error::ApiError;
use crate::api::json::Object;
use crate::api::params::lenient_int;

/// Default and longest wait for a bot's answer, in seconds (the cap stays under the HTTP
/// timeout; Telegram itself gives up with `BOT_RESPONSE_TIMEOUT`).
const CALLBACK_TIMEOUT: f64 = 0.5;
const CALLBACK_TIMEOUT_CAP: f64 = 30.0;

/// Standard alphabet, padding optional, stray bits after the last byte ignored (PHP's
/// `base64_decode`).
const LENIENT: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true),
);

/// Decodes button data / poll options as phones send them (§0.7): a space is a `+` that lost
/// its escaping, the URL-safe alphabet is accepted, anything else outside the alphabet (and
/// `=`) is skipped. Reference bug: the `+` was dropped, so the bytes came out wrong.
pub fn lenient_base64(text: &str) -> Vec<u8> {
    let mut clean: String = text
        .chars()
        .filter_map(|c| match c {
            ' ' | '-' => Some('+'),
            '_' => Some('/'),
            c if c.is_ascii_alphanumeric() || c == '+' || c == '/' => Some(c),
            _ => None,
        })
        .collect();
    // One lone character carries fewer than 8 bits: PHP drops it.
    if clean.len() % 4 == 1 {
        clean.pop();
    }
    LENIENT.decode(clean).unwrap_or_default()
}

/// `startBot`: `/start <start>` to the bot, in the bot's own chat unless `peer` names a group.
pub async fn start_bot(call: &Call<'_>) -> Result<Object, ApiError> {
    call.auth()?;
    let bot_ref = call.params.required_set("id")?;
    // Telegram refuses an empty parameter anyway; say so without a call.
    let start = call.params.required_set("start")?;
    let (bot_id, bot_peer) = resolve(call, bot_ref).await?;
    let bot = input_user(call, bot_id)?;
    // Reference bug: without `peer` an empty input peer was sent and Telegram refused it.
    let peer = match call.params.get("peer") {
        Some(p) => resolve(call, p).await?.1,
        None => bot_peer,
    };
    let random_id = call
        .params
        .get("random")
        .and_then(|r| r.trim().parse::<i64>().ok())
        .unwrap_or_else(rand::random);
    call.invoke(&tl::functions::messages::StartBot {
        bot,
        peer,
        random_id,
        start_param: start.to_owned(),
    })
    .await?;
    Ok(res(1))
}

/// The `timeout` of `sendBotCallback` in seconds: a decimal; ≤ 0 or not a number → 0.5.
fn callback_timeout(value: Option<&str>) -> f64 {
    match value.and_then(|v| v.trim().parse::<f64>().ok()) {
        Some(t) if t.is_finite() && t > 0.0 => t.min(CALLBACK_TIMEOUT_CAP),
        _ => CALLBACK_TIMEOUT,
    }
}

/// `sendBotCallback` / `botCallback`: presses a callback button and answers the bot's raw
/// `messages.botCallbackAnswer`.
pub async fn send_bot_callback(call: &Call<'_>) -> Result<Object, ApiError> {
    call.auth()?;
    let timeout = callback_timeout(call.params.get("timeout"));
    let peer = call.params.required_set("peer")?;
    // The documents say `msg_id`, the code and the J2ME client `id`: take both.
    let id = match call.params.get("msg_id") {
        Some(m) if !call.params.is_set("id") => m,
        _ => call.params.required_set("id")?,
    };
    let data = lenient_base64(call.params.required_set("data")?);
    let peer = int_peer(call, peer).await?;
    let request = tl::functions::messages::GetBotCallbackAnswer {
        game: false,
        peer,
        msg_id: i32::try_from(lenient_int(id)).unwrap_or(0),
        data: Some(data),
        password: None,
    };
    let answer = tokio::time::timeout(
        Duration::from_secs_f64(timeout),
        call.account.invoke(&request),
    )
    .await
    .map_err(|_| ApiError::NoBotAnswer(timeout.to_string()))?
    .map_err(telegram_error)?;
    let tl::enums::messages::BotCallbackAnswer::Answer(a) = answer;
    let mut o = Object::new()
        .with("_", "messages.botCallbackAnswer")
        .with("alert", a.alert)
        .with("has_url", a.has_url)
        .with("native_ui", a.native_ui);
    o.insert_some("message", a.message);
    o.insert_some("url", a.url);
    o.insert("cache_time", a.cache_time);
    Ok(o)
}

/// `sendVote`: `{"res":1}`. An `options` value empty after trimming retracts the vote.
pub async fn send_vote(call: &Call<'_>) -> Result<Object, ApiError> {
    call.auth()?;
    let options = call.params.required_set("options")?;
    let peer = call.params.required_set("peer")?;
    let id = lenient_int(call.params.required_set("id")?);
    let options: Vec<Vec<u8>> = if options.trim().is_empty() {
        Vec::new()
    } else {
        options.split(',').map(lenient_base64).collect()
    };
    let (_, peer) = resolve(call, peer).await?;
    call.invoke(&tl::functions::messages::SendVote {
        peer,
        msg_id: i32::try_from(id).unwrap_or(0),
        options,
    })
    .await?;
    Ok(res(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_as_phones_send_it() {
        // "+/Ah" is [0xfb, 0xf0, b'!']; the `+` arrives as a space.
        assert_eq!(lenient_base64(" /Ah"), vec![0xfb, 0xf0, b'!']);
        assert_eq!(lenient_base64("+/Ah"), vec![0xfb, 0xf0, b'!']);
        assert_eq!(lenient_base64("-_Ah"), vec![0xfb, 0xf0, b'!']);
        assert_eq!(lenient_base64("cmVmcmVzaA=="), b"refresh");
        assert_eq!(lenient_base64("cmVmcmVzaA"), b"refresh");
        assert_eq!(lenient_base64("cmVm\ncmVz*aA"), b"refresh");
        assert_eq!(lenient_base64("AA=="), vec![0]);
        assert_eq!(lenient_base64("QUJDR"), b"ABC");
    }

    #[test]
    fn callback_timeout_defaults_and_cap() {
        assert!((callback_timeout(None) - 0.5).abs() < 1e-9);
        assert!((callback_timeout(Some("abc")) - 0.5).abs() < 1e-9);
        assert!((callback_timeout(Some("-1")) - 0.5).abs() < 1e-9);
        assert!((callback_timeout(Some("2.25")) - 2.25).abs() < 1e-9);
        assert!((callback_timeout(Some("999")) - 30.0).abs() < 1e-9);
    }
}
