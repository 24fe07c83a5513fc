//! The login methods (`methods-core.md` §1) in the one method table: `initLogin`,
//! `phoneLogin`, `getCaptchaImg`, `qrLogin`, `completePhoneLogin`, `complete2faLogin`,
//! `resendCode`, `completeSignup`, `checkAuth`, `logout`.
//!
//! For a pairing phone they mean pairing (`client-j2me.md` §6): a captcha first, the 6-digit user
//! code typed into its box, then `qrLogin` polls until the PC hands out a device token. With the
//! login API on ("Let phones log in to other Telegram accounts"), `phoneLogin` with a real number
//! logs that number's own account in as a guest ([`Guests`]); a guest's token then reaches only
//! its own account.

use super::{Caller, Instance, Reply, Request};
use crate::api::error::ApiError;
use crate::api::json::{Object, Value};
use crate::api::params::check_login_version;
use crate::guests::{ClientInfo, Guest};
use crate::pairing::{Auth, DeviceId, PollOutcome, SubmitOutcome, Throttled};
use crate::telegram::login::{Awaiting, LoginState};
use crate::telegram::TelegramError;

/// Every name of this file: the server reads these without asking the device table first (a
/// pairing ticket is no device token, and must not count as a wrong guess).
pub const METHODS: &[&str] = &[
    "initLogin",
    "phoneLogin",
    "qrLogin",
    "completePhoneLogin",
    "complete2faLogin",
    "resendCode",
    "getCaptchaImg",
    "completeSignup",
    "checkAuth",
    "logout",
];

/// The methods that log an account in: `v ≥ 10` (`MIN_LOGIN_VERSION`), else 403.
fn is_login(method: &str) -> bool {
    matches!(
        method,
        "initLogin"
            | "phoneLogin"
            | "qrLogin"
            | "completePhoneLogin"
            | "complete2faLogin"
            | "resendCode"
    )
}

const NOT_WAITING_CODE: &str =
    "I'm not waiting for the code! Please call the phoneLogin method first";
const NOT_WAITING_PASSWORD: &str = "I'm not waiting for the password! Please call the phoneLogin and the completePhoneLogin methods first!";

/// What a login method answers: `Ok` the reply, `Err` the error object.
type Answer = Result<Reply, ApiError>;

#[allow(
    clippy::unnecessary_wraps,
    reason = "every login step answers an `Answer`; this builds the common one"
)]
fn json(o: Object) -> Answer {
    Ok(Reply::Json(o))
}

fn message(m: &str) -> Answer {
    Err(ApiError::Message(m.to_owned()))
}

/// 429 with `Retry-After` and the plain-words message.
pub fn throttled(t: &Throttled) -> ApiError {
    ApiError::TooManyRequests {
        message: t.message(),
        retry_after_secs: t.retry_after_secs(),
    }
}

/// The login method `req` names, answered; `None`: not a login call (the caller's ordinary
/// methods, for a guest's token on its own account).
pub(super) async fn dispatch(req: &Request<'_>, inst: &Instance<'_>) -> Option<Answer> {
    if starts_guest_login(req, inst) {
        // Boxed, here and below: the login steps' future is large, and every call's dispatch
        // would otherwise carry (and move) its size.
        return Some(Box::pin(guest_login_step(req, inst, None)).await);
    }
    if let Caller::Guest(guest) = req.caller {
        // The captcha / start methods need no token: they keep their pairing meaning.
        if matches!(
            req.method,
            "qrLogin"
                | "completePhoneLogin"
                | "complete2faLogin"
                | "resendCode"
                | "checkAuth"
                | "logout"
        ) {
            return Some(Box::pin(guest_login_step(req, inst, Some(guest))).await);
        }
    }
    if !METHODS.contains(&req.method) {
        return None;
    }
    Some(pairing_method(req, inst))
}

/// `phoneLogin` (or `initLogin` without `qr`) with a real number and a filled captcha, while
/// the login API is on: a guest login starts.
fn starts_guest_login(req: &Request<'_>, inst: &Instance<'_>) -> bool {
    let p = req.params;
    inst.login_api
        && inst.guests.is_configured()
        && (req.method == "phoneLogin"
            || (req.method == "initLogin"
                && p.non_empty("qr").is_none()
                && p.user().is_none_or(str::is_empty)))
        && p.get("captcha_id").is_some()
        && p.get("captcha_key").is_some()
        && p.non_empty("phone").is_some_and(is_real_phone)
}

/// The steps every login method takes first: the version (403 below v10), then the instance
/// password (`protocol.md` §5.4: checked on every method).
fn login_checks(req: &Request<'_>, inst: &Instance<'_>) -> Result<(), ApiError> {
    if is_login(req.method) {
        check_login_version(req.version)?;
    }
    inst.check_password(req)
}

/// The login API for phones logging their own account in (`methods-core.md` §1.4, §1.7–1.10,
/// §1.13): `guest` is `None` when a login starts.
async fn guest_login_step(req: &Request<'_>, inst: &Instance<'_>, guest: Option<&Guest>) -> Answer {
    login_checks(req, inst)?;
    let Some(guest) = guest else {
        return start_guest_login(req, inst).await;
    };
    // The setting was switched off while this guest was logging in: the login methods stop;
    // a signed-in guest keeps working until the next restart (its API is not a login method).
    if is_login(req.method) && !inst.login_api {
        return Err(ApiError::LoginDisabled);
    }
    match req.method {
        "completePhoneLogin" => complete_phone_login(req, inst, guest).await,
        "complete2faLogin" => complete_2fa_login(req, inst, guest).await,
        "resendCode" => resend_code(req, inst, guest).await,
        "qrLogin" => match (guest.api(), guest.login.awaiting()) {
            (Some(_), _) => json(
                Object::new()
                    .with("res", 1)
                    .with("phone_code_hash", Value::Null),
            ),
            (None, Awaiting::Password) => json(
                Object::new()
                    .with("res", "password")
                    .with("phone_code_hash", Value::Null),
            ),
            (None, _) => message("Type the code Telegram sent you."),
        },
        "checkAuth" => json(Object::new().with("res", "1")),
        // "logout", with or without `s`: the guest's Telegram login ends (a local-only logout
        // would leave an authorization nobody can reach again) and the token is forgotten.
        _ => {
            inst.guests.log_out(guest.id, inst.telegram_timeout).await;
            json(Object::new().with("res", "1"))
        }
    }
}

/// The login methods with their pairing meaning (no guest involved).
fn pairing_method(req: &Request<'_>, inst: &Instance<'_>) -> Answer {
    let (p, params) = (inst.pairing, req.params);
    if req.method == "initLogin" && params.user().is_some_and(|u| !u.is_empty()) {
        return message("Authorized");
    }
    login_checks(req, inst)?;
    match req.method {
        "initLogin" | "phoneLogin" => start_login(req, inst),
        "getCaptchaImg" => {
            let id = params
                .non_empty("captcha_id")
                .ok_or_else(|| ApiError::MissingParam("captcha_id".into()))?;
            match p.captcha_picture(req.ip, id) {
                Ok(b) => Ok(Reply::Png(b)),
                Err(e) => {
                    tracing::warn!("captcha picture failed: {e}");
                    Ok(Reply::BrokenPicture)
                }
            }
        }
        "qrLogin" => qr_login(req, inst),
        "completePhoneLogin" | "complete2faLogin" | "resendCode" => {
            if !inst.login_api {
                return Err(ApiError::LoginDisabled);
            }
            // Not a guest's token (those are answered above): a paired device or nobody.
            // Parameters first where the reference checks them first (methods-core §1.7–1.10).
            let missing = match req.method {
                "complete2faLogin" => params.non_empty("password").is_none().then_some("password"),
                "resendCode" => ["phone", "hash"]
                    .into_iter()
                    .find(|n| params.non_empty(n).is_none()),
                _ => None,
            };
            if let Some(name) = missing {
                return Err(ApiError::MissingParam(name.into()));
            }
            device(req, inst)?;
            if req.method == "complete2faLogin" {
                message(NOT_WAITING_PASSWORD)
            } else {
                message(NOT_WAITING_CODE)
            }
        }
        "completeSignup" => json(Object::new().with("res", 0)),
        "checkAuth" => {
            device(req, inst)?;
            json(Object::new().with("res", "1"))
        }
        // "logout": unpair this device only; the PC's Telegram session stays (methods-core §1.13).
        _ => {
            let id = device(req, inst)?;
            if let Err(e) = p.revoke(id) {
                tracing::debug!("logout: {e}");
            }
            json(Object::new().with("res", "1"))
        }
    }
}

/// The paired device a login method's token belongs to (401 for none, 429 when throttled).
fn device(req: &Request<'_>, inst: &Instance<'_>) -> Result<DeviceId, ApiError> {
    let token = req.token.ok_or(ApiError::InvalidAuthorization)?;
    match inst.pairing.authenticate(req.ip, token, req.info) {
        Auth::Device(id) => Ok(id),
        Auth::Unknown => Err(ApiError::InvalidAuthorization),
        Auth::Throttled(t) => Err(throttled(&t)),
    }
}

/// `initLogin&qr=1` / `phoneLogin`: a captcha first, then the user code typed into its box.
fn start_login(req: &Request<'_>, inst: &Instance<'_>) -> Answer {
    let params = req.params;
    let (Some(id), Some(key)) = (params.get("captcha_id"), params.get("captcha_key")) else {
        let captcha_id = inst.pairing.begin_login(req.ip);
        return json(
            Object::new()
                .with("res", "need_captcha")
                .with("captcha_id", captcha_id),
        );
    };
    let qr = params.non_empty("qr").is_some();
    if !qr && params.non_empty("phone").is_none() {
        return Err(ApiError::MissingParam("phone".into()));
    }
    match inst.pairing.submit_code(req.ip, id, key, req.info) {
        SubmitOutcome::Accepted { ticket, text, .. } => json(
            Object::new()
                .with("user", ticket.as_str())
                .with("res", "qr")
                .with("text", text),
        ),
        o => captcha_failure(o),
    }
}

/// The answer to a refused captcha step (every `res` contains `captcha`: the client reloads).
fn captcha_failure(o: SubmitOutcome) -> Answer {
    let res = o.res();
    match o {
        SubmitOutcome::WrongCode { captcha_id }
        | SubmitOutcome::Closed { captcha_id }
        | SubmitOutcome::CaptchaExpired { captcha_id } => json(
            Object::new()
                .with("res", res)
                .with("captcha_id", captcha_id),
        ),
        SubmitOutcome::Throttled(t) => Err(throttled(&t)),
        SubmitOutcome::Accepted { .. } => Ok(Reply::BrokenPicture),
    }
}

/// `qrLogin`: with a ticket, the pairing poll; with a device token, "already logged in".
fn qr_login(req: &Request<'_>, inst: &Instance<'_>) -> Answer {
    if let Some(outcome) = req.token.and_then(|t| inst.pairing.poll(req.ip, t)) {
        return match outcome {
            PollOutcome::Paired { token, .. } => json(
                Object::new()
                    .with("res", 1)
                    .with("user", token.as_str())
                    .with("phone_code_hash", Value::Null),
            ),
            PollOutcome::Waiting { text, .. } => {
                json(Object::new().with("res", "qr").with("text", text))
            }
            o @ (PollOutcome::Denied | PollOutcome::Expired) => {
                message(o.message().unwrap_or("Pairing ended."))
            }
        };
    }
    device(req, inst)?;
    json(
        Object::new()
            .with("res", 1)
            .with("phone_code_hash", Value::Null),
    )
}

/// Whether `phone` is a number to log in rather than the filler a pairing phone types into the
/// client's phone box (which wants ≥ 10 characters or a leading `+`; `+0` is the usual filler).
/// International numbers have at least 7 digits and never start with 0 (no country code does).
pub fn is_real_phone(phone: &str) -> bool {
    let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
    digits.len() >= 7 && !digits.starts_with('0')
}

/// The Telegram error name the reference reports (`FLOOD_WAIT_60`, `PHONE_NUMBER_BANNED`), or
/// our sentence when there is none (network trouble).
fn reason(e: &TelegramError) -> String {
    e.rpc_parts()
        .map_or_else(|| e.to_string(), |(_, name)| name)
}

/// A login step against Telegram, bounded like every other Telegram call of the server: `Err` is
/// the answer when Telegram took too long; Telegram's own errors are left to the caller.
async fn timed<T>(
    inst: &Instance<'_>,
    f: impl std::future::Future<Output = Result<T, TelegramError>>,
) -> Result<Result<T, TelegramError>, ApiError> {
    tokio::time::timeout(inst.telegram_timeout, f)
        .await
        .map_err(|_| ApiError::Unavailable("Telegram did not answer in time. Try again.".into()))
}

/// `phoneLogin` (or `initLogin` without `qr`) with a real number: the captcha box holds the
/// user code shown on the PC (the owner's consent), then Telegram sends the login code.
async fn start_guest_login(req: &Request<'_>, inst: &Instance<'_>) -> Answer {
    let params = req.params;
    let (Some(id), Some(key), Some(phone)) = (
        params.get("captcha_id"),
        params.get("captcha_key"),
        params.non_empty("phone"),
    ) else {
        return Err(ApiError::MissingParam("phone".into()));
    };
    if let Err(o) = inst.pairing.check_login_code(req.ip, id, key) {
        return captcha_failure(o);
    }
    let Some((token, guest)) = inst.guests.start(phone, ClientInfo::from_device(req.info)) else {
        return Err(ApiError::FailedToLoadSession);
    };
    let with_user = || Object::new().with("user", token.as_str());
    let sent = tokio::time::timeout(inst.telegram_timeout, guest.login.send_code(phone))
        .await
        .unwrap_or(Err(TelegramError::Network));
    match sent {
        Ok(()) => json(
            with_user()
                .with("res", "code_sent")
                .with("phone_code_hash", guest.code_handle.as_str()),
        ),
        Err(e) => {
            // The token is answered (the reference issues one even here) but serves nothing.
            inst.guests.forget(guest.id);
            match e {
                TelegramError::InvalidPhone => {
                    json(with_user().with("res", "phone_number_invalid"))
                }
                e => json(
                    with_user()
                        .with("res", "exception")
                        .with("message", reason(&e)),
                ),
            }
        }
    }
}

/// `completePhoneLogin&code=` (`methods-core.md` §1.7). A wrong code keeps the login waiting for
/// a code; after an expired one `resendCode` makes it wait again.
async fn complete_phone_login(req: &Request<'_>, inst: &Instance<'_>, guest: &Guest) -> Answer {
    let code = req
        .params
        .non_empty("code")
        .ok_or_else(|| ApiError::MissingParam("code".into()))?;
    if guest.api().is_some() || guest.login.awaiting() != Awaiting::Code {
        return message(NOT_WAITING_CODE);
    }
    let null_hash = |res: Value| {
        json(
            Object::new()
                .with("res", res)
                .with("phone_code_hash", Value::Null),
        )
    };
    match timed(inst, guest.login.sign_in(code)).await? {
        Ok(LoginState::SignedIn { .. }) => {
            inst.guests.serve(guest.id);
            null_hash(Value::from(1))
        }
        Ok(LoginState::PasswordNeeded { .. }) => null_hash(Value::from("password")),
        Ok(_) => message(NOT_WAITING_CODE),
        Err(TelegramError::WrongCode) => json(Object::new().with("res", "phone_code_invalid")),
        Err(TelegramError::CodeExpired) => json(Object::new().with("res", "phone_code_expired")),
        // grammers reports "sign up required" / PHONE_NUMBER_UNOCCUPIED this way at this step.
        Err(TelegramError::InvalidPhone) => null_hash(Value::from("need_signup")),
        Err(TelegramError::Rpc { name, .. }) if name == "AUTH_RESTART" => {
            json(Object::new().with("res", "auth_restart"))
        }
        Err(e) => Err(ApiError::Message(reason(&e))),
    }
}

/// `complete2faLogin&password=` (`methods-core.md` §1.9): SRP through grammers.
async fn complete_2fa_login(req: &Request<'_>, inst: &Instance<'_>, guest: &Guest) -> Answer {
    let password = req
        .params
        .non_empty("password")
        .ok_or_else(|| ApiError::MissingParam("password".into()))?;
    if guest.api().is_some() || guest.login.awaiting() != Awaiting::Password {
        return message(NOT_WAITING_PASSWORD);
    }
    match timed(inst, guest.login.check_password(password)).await? {
        Ok(LoginState::SignedIn { .. }) => {
            inst.guests.serve(guest.id);
            json(Object::new().with("res", 1))
        }
        Ok(_) => message(NOT_WAITING_PASSWORD),
        Err(TelegramError::WrongPassword(_)) => {
            json(Object::new().with("res", "password_hash_invalid"))
        }
        Err(e) => Err(ApiError::Message(reason(&e))),
    }
}

/// `resendCode&phone=&hash=` (`methods-core.md` §1.10): a new code for the number of this login
/// (the parameters are required as in the reference, the login's own number is used), and the
/// login waits for a code again. Failures are the reference's 500.
async fn resend_code(req: &Request<'_>, inst: &Instance<'_>, guest: &Guest) -> Answer {
    if let Some(name) = ["phone", "hash"]
        .into_iter()
        .find(|n| req.params.non_empty(n).is_none())
    {
        return Err(ApiError::MissingParam(name.into()));
    }
    if guest.api().is_some() {
        return message(NOT_WAITING_CODE);
    }
    match timed(inst, guest.login.resend_code()).await? {
        Ok(()) => json(Object::new().with("res", 1)),
        Err(e) => Err(ApiError::Internal(reason(&e))),
    }
}

#[cfg(test)]
mod tests {
    use super::is_real_phone;

    #[test]
    fn real_numbers_and_the_pairing_filler() {
        assert!(is_real_phone("+15550000042"));
        assert!(is_real_phone("+44 20 7946 0000"));
        assert!(!is_real_phone("+0"));
        assert!(!is_real_phone("0000000000"));
        assert!(!is_real_phone("+123456"));
    }
}
