//! auth.* and account.getPassword: phone code, 2FA (real SRP), QR login tokens, log out.

use grammers_tl_types::{enums as e, functions as f, types as t};

use super::{Ctx, RpcErr, RpcResult};
use crate::srp;
use crate::world::{self, tl as wtl};
use crate::{lock, QrLogin};

fn digits(phone: &str) -> String {
    phone.chars().filter(char::is_ascii_digit).collect()
}

/// Checks the number and that it is asked on the account's home DC.
fn check_phone(ctx: &Ctx<'_>, phone: &str) -> RpcResult<()> {
    let w = ctx.world();
    let phone = digits(phone);
    if phone.len() < 5 || phone.len() > 15 {
        return Err(RpcErr::bad("PHONE_NUMBER_INVALID"));
    }
    if w.account.banned_phones.iter().any(|b| digits(b) == phone) {
        return Err(RpcErr::bad("PHONE_NUMBER_BANNED"));
    }
    if digits(&w.account.phone) != phone {
        return Err(RpcErr::bad("PHONE_NUMBER_INVALID"));
    }
    if ctx.dc_id != w.account.home_dc {
        return Err(RpcErr::new(
            303,
            format!("PHONE_MIGRATE_{}", w.account.home_dc),
        ));
    }
    Ok(())
}

fn new_code_hash(ctx: &Ctx<'_>) -> String {
    let hash = format!("{:016x}", rand::random::<u64>());
    lock(&ctx.shared.login)
        .phone_code_hashes
        .insert(hash.clone(), world::now() + 300);
    hash
}

fn sent_code(hash: String) -> e::auth::SentCode {
    e::auth::SentCode::Code(t::auth::SentCode {
        r#type: e::auth::SentCodeType::App(t::auth::SentCodeTypeApp { length: 5 }),
        phone_code_hash: hash,
        next_type: Some(e::auth::CodeType::Sms),
        timeout: Some(60),
    })
}

pub fn send_code(ctx: &Ctx<'_>, req: f::auth::SendCode) -> RpcResult<e::auth::SentCode> {
    check_phone(ctx, &req.phone_number)?;
    Ok(sent_code(new_code_hash(ctx)))
}

pub fn resend_code(ctx: &Ctx<'_>, req: f::auth::ResendCode) -> RpcResult<e::auth::SentCode> {
    check_phone(ctx, &req.phone_number)?;
    let known = lock(&ctx.shared.login)
        .phone_code_hashes
        .remove(&req.phone_code_hash)
        .is_some();
    if !known {
        return Err(RpcErr::bad("PHONE_CODE_EXPIRED"));
    }
    Ok(sent_code(new_code_hash(ctx)))
}

pub fn cancel_code(ctx: &Ctx<'_>, req: f::auth::CancelCode) -> RpcResult<bool> {
    lock(&ctx.shared.login)
        .phone_code_hashes
        .remove(&req.phone_code_hash);
    super::ok()
}

/// Logs the calling key in (or asks for the password first when the account has one).
fn complete(ctx: &Ctx<'_>) -> RpcResult<e::auth::Authorization> {
    let w = ctx.world();
    if w.account.password.is_some() {
        let mut login = lock(&ctx.shared.login);
        if !login.password_pending.contains(&ctx.key_id) {
            login.password_pending.push(ctx.key_id);
        }
        return Err(RpcErr::new(401, "SESSION_PASSWORD_NEEDED"));
    }
    drop(w);
    Ok(authorize(ctx))
}

fn authorize(ctx: &Ctx<'_>) -> e::auth::Authorization {
    ctx.shared.set_authorized(ctx.key_id, true);
    lock(&ctx.shared.login)
        .password_pending
        .retain(|k| *k != ctx.key_id);
    let w = ctx.world();
    let me = w.user(w.me).map(|u| wtl::user(&w, u));
    e::auth::Authorization::Authorization(t::auth::Authorization {
        setup_password_required: false,
        otherwise_relogin_days: None,
        tmp_sessions: None,
        future_auth_token: None,
        user: me.unwrap_or(e::User::Empty(t::UserEmpty { id: w.me })),
    })
}

pub fn sign_in(ctx: &Ctx<'_>, req: f::auth::SignIn) -> RpcResult<e::auth::Authorization> {
    check_phone(ctx, &req.phone_number)?;
    let expires = lock(&ctx.shared.login)
        .phone_code_hashes
        .get(&req.phone_code_hash)
        .copied();
    match expires {
        None => return Err(RpcErr::bad("PHONE_CODE_EXPIRED")),
        Some(t) if t < world::now() => return Err(RpcErr::bad("PHONE_CODE_EXPIRED")),
        Some(_) => {}
    }
    let code = req.phone_code.unwrap_or_default();
    if code.is_empty() {
        return Err(RpcErr::bad("PHONE_CODE_EMPTY"));
    }
    if code != ctx.world().account.code {
        return Err(RpcErr::bad("PHONE_CODE_INVALID"));
    }
    lock(&ctx.shared.login)
        .phone_code_hashes
        .remove(&req.phone_code_hash);
    complete(ctx)
}

pub fn get_password(ctx: &Ctx<'_>, _: f::account::GetPassword) -> RpcResult<e::account::Password> {
    let (password, hint) = {
        let w = ctx.world();
        (w.account.password.clone(), w.account.password_hint.clone())
    };
    let new_salt: Vec<u8> = (0..8).map(|_| rand::random::<u8>()).collect();
    let new_algo = e::PasswordKdfAlgo::Sha256Sha256Pbkdf2Hmacsha512iter100000Sha256ModPow(
        t::PasswordKdfAlgoSha256Sha256Pbkdf2Hmacsha512iter100000Sha256ModPow {
            salt1: new_salt.clone(),
            salt2: new_salt.clone(),
            g: srp::G,
            p: srp::prime(),
        },
    );
    let secure_random: Vec<u8> = (0..256).map(|_| rand::random::<u8>()).collect();
    let Some(password) = password else {
        return Ok(e::account::Password::Password(t::account::Password {
            has_recovery: false,
            has_secure_values: false,
            has_password: false,
            current_algo: None,
            srp_b: None,
            srp_id: None,
            hint: None,
            email_unconfirmed_pattern: None,
            new_algo,
            new_secure_algo: e::SecurePasswordKdfAlgo::Unknown,
            secure_random,
            pending_reset_date: None,
            login_email_pattern: None,
        }));
    };
    let challenge = srp::Challenge::new(srp::Params::new(&password));
    let out = t::account::Password {
        has_recovery: false,
        has_secure_values: false,
        has_password: true,
        current_algo: Some(
            e::PasswordKdfAlgo::Sha256Sha256Pbkdf2Hmacsha512iter100000Sha256ModPow(
                t::PasswordKdfAlgoSha256Sha256Pbkdf2Hmacsha512iter100000Sha256ModPow {
                    salt1: challenge.params.salt1.clone(),
                    salt2: challenge.params.salt2.clone(),
                    g: srp::G,
                    p: srp::prime(),
                },
            ),
        ),
        srp_b: Some(challenge.g_b.clone()),
        srp_id: Some(challenge.srp_id),
        hint,
        email_unconfirmed_pattern: None,
        new_algo,
        new_secure_algo: e::SecurePasswordKdfAlgo::Unknown,
        secure_random,
        pending_reset_date: None,
        login_email_pattern: None,
    };
    lock(&ctx.shared.login).srp = Some(challenge);
    Ok(e::account::Password::Password(out))
}

pub fn check_password(
    ctx: &Ctx<'_>,
    req: f::auth::CheckPassword,
) -> RpcResult<e::auth::Authorization> {
    let e::InputCheckPasswordSrp::Srp(input) = req.password else {
        return Err(RpcErr::bad("PASSWORD_HASH_INVALID"));
    };
    let verified = {
        let login = lock(&ctx.shared.login);
        if !login.password_pending.contains(&ctx.key_id) {
            return Err(RpcErr::bad("PASSWORD_HASH_INVALID"));
        }
        match &login.srp {
            Some(ch) if ch.srp_id == input.srp_id => ch.verify(&input.a, &input.m1),
            _ => return Err(RpcErr::bad("SRP_ID_INVALID")),
        }
    };
    if !verified {
        return Err(RpcErr::bad("PASSWORD_HASH_INVALID"));
    }
    lock(&ctx.shared.login).srp = None;
    Ok(authorize(ctx))
}

pub fn export_login_token(
    ctx: &Ctx<'_>,
    _: f::auth::ExportLoginToken,
) -> RpcResult<e::auth::LoginToken> {
    let now = world::now();
    let mut login = lock(&ctx.shared.login);
    let home = ctx.world().account.home_dc;
    if let Some(qr) = login
        .qr
        .as_ref()
        .filter(|q| q.accepted && q.key_id == ctx.key_id)
    {
        // Accepted on the smartphone: finish here, or send the client to the account's DC.
        if ctx.dc_id != home {
            return Ok(e::auth::LoginToken::MigrateTo(
                t::auth::LoginTokenMigrateTo {
                    dc_id: home,
                    token: qr.token.clone(),
                },
            ));
        }
        login.qr = None;
        drop(login);
        return complete(ctx).map(|authorization| {
            e::auth::LoginToken::Success(t::auth::LoginTokenSuccess { authorization })
        });
    }
    // A token still valid for this key is handed out again; an expired one is replaced.
    if let Some(qr) = login
        .qr
        .as_ref()
        .filter(|q| q.key_id == ctx.key_id && q.expires > now + 5)
    {
        return Ok(e::auth::LoginToken::Token(t::auth::LoginToken {
            expires: qr.expires,
            token: qr.token.clone(),
        }));
    }
    let token: Vec<u8> = (0..32).map(|_| rand::random::<u8>()).collect();
    login.qr = Some(QrLogin {
        token: token.clone(),
        expires: now + 30,
        accepted: false,
        key_id: ctx.key_id,
    });
    Ok(e::auth::LoginToken::Token(t::auth::LoginToken {
        expires: now + 30,
        token,
    }))
}

pub fn import_login_token(
    ctx: &Ctx<'_>,
    req: f::auth::ImportLoginToken,
) -> RpcResult<e::auth::LoginToken> {
    let mut login = lock(&ctx.shared.login);
    let valid = login
        .qr
        .as_ref()
        .is_some_and(|q| q.accepted && q.token == req.token);
    if !valid {
        return Err(RpcErr::bad("AUTH_TOKEN_INVALID"));
    }
    login.qr = None;
    drop(login);
    complete(ctx).map(|authorization| {
        e::auth::LoginToken::Success(t::auth::LoginTokenSuccess { authorization })
    })
}

pub fn log_out(ctx: &Ctx<'_>, _: f::auth::LogOut) -> RpcResult<e::auth::LoggedOut> {
    ctx.shared.set_authorized(ctx.key_id, false);
    Ok(e::auth::LoggedOut::Out(t::auth::LoggedOut {
        future_auth_token: None,
    }))
}
