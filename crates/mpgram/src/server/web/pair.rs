//! Pairing a browser: the same 6-digit user code as the app (same rotation, limits, throttling
//! and "Ask before pairing" with its 2-digit number), or the 32-digit import code.
//!
//! The code goes through the pairing core's captcha step like the app's (a captcha id made for
//! this one form post), so a browser is one more device of the same list.

use axum::body::Body;
use axum::http::{Response, StatusCode};
use maud::{html, Markup};

use super::{message_page, page, Visit, Who};
use crate::pairing::{Auth, PollOutcome, SubmitOutcome, IMPORT_CODE_DIGITS};

/// The page a browser that is not paired sees (`error`: why the last try failed, in words).
pub(super) fn pair_form(v: &Visit, error: Option<&str>, status: StatusCode) -> Response<Body> {
    let to = v.params.get("to").filter(|t| is_page(t)).unwrap_or("");
    let body = html! {
        h3 { "MPGram" }
        @if let Some(e) = error { p { b { (e) } } }
        p { "Type the code shown in MPGram Home on your PC." }
        form action="login" method="post" {
            p {
                input type="text" name="code" size="10" maxlength="40";
                " "
                input type="submit" value="Pair";
                @if !to.is_empty() { input type="hidden" name="to" value=(to); }
            }
        }
        p { small { "On the PC: open MPGram Home and choose " b { "Pair a phone" } ". The 32-digit import code works here too." } }
    };
    page(&v.settings, status, "Pair", &body, 0)
}

/// The PC is asked to Allow this browser: its number, and a way to look again.
pub(super) fn waiting(v: &Visit, number: u8) -> Response<Body> {
    let body: Markup = html! {
        h3 { "Allow on the PC" }
        p { "MPGram Home on your PC asks whether to let this browser in. Check that it shows the number " b { (format!("{number:02}")) } ", then click " b { "Allow" } " there." }
        p { a href="./" { "I clicked Allow" } }
    };
    // The one place a page reloads by itself: nothing else happens until the PC answers.
    page(&v.settings, StatusCode::OK, "Allow on the PC", &body, 3)
}

/// `login` (the pairing form's post, or a GET with `code`): pairs, sets the cookie, and goes to
/// the chats (or to `to`, one of our pages).
pub(super) async fn login(mut v: Visit) -> Response<Body> {
    let typed: String = v
        .params
        .get("code")
        .unwrap_or("")
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    let to = v
        .params
        .get("to")
        .filter(|t| is_page(t))
        .unwrap_or("")
        .to_owned();
    if v.device().is_some() {
        return v.redirect(&to);
    }
    if typed.is_empty() {
        let r = pair_form(&v, Some("Type the code first."), StatusCode::OK);
        return v.respond(r).await;
    }
    let p = v.state.pairing().pairing.clone();
    if typed.len() == IMPORT_CODE_DIGITS {
        // An import code read off the PC's screen becomes this browser's token.
        return match p.authenticate(v.ip, &typed, &v.info) {
            Auth::Device(_) => {
                v.set_token(&typed);
                v.paired_now = true;
                let r = v.redirect(&to);
                v.respond(r).await
            }
            Auth::Unknown => {
                let r = pair_form(&v, Some(WRONG), StatusCode::OK);
                v.respond(r).await
            }
            Auth::Throttled(t) => {
                let r = pair_form(&v, Some(&t.message()), StatusCode::TOO_MANY_REQUESTS);
                v.respond(r).await
            }
        };
    }
    let captcha = p.begin_login(v.ip);
    match p.submit_code(v.ip, &captcha, &typed, &v.info) {
        SubmitOutcome::Accepted {
            ticket,
            approval_number,
            ..
        } => {
            if approval_number.is_some() {
                // The ticket waits in the cookie; the index page shows the number until the PC
                // answers.
                v.set_token(ticket.as_str());
                let r = v.redirect(&to);
                return v.respond(r).await;
            }
            if let Some(PollOutcome::Paired { token, .. }) = p.poll(v.ip, ticket.as_str()) {
                v.set_token(token.as_str());
                v.paired_now = true;
                let r = v.redirect(&to);
                v.respond(r).await
            } else {
                let r = pair_form(&v, Some(EXPIRED), StatusCode::OK);
                v.respond(r).await
            }
        }
        SubmitOutcome::WrongCode { .. } => {
            let r = pair_form(&v, Some(WRONG), StatusCode::OK);
            v.respond(r).await
        }
        SubmitOutcome::Closed { .. } => {
            let r = pair_form(&v, Some(CLOSED), StatusCode::OK);
            v.respond(r).await
        }
        SubmitOutcome::CaptchaExpired { .. } => {
            let r = pair_form(&v, Some(EXPIRED), StatusCode::OK);
            v.respond(r).await
        }
        SubmitOutcome::Throttled(t) => {
            let r = pair_form(&v, Some(&t.message()), StatusCode::TOO_MANY_REQUESTS);
            v.respond(r).await
        }
    }
}

const WRONG: &str = "That code is not right. Check the code on the PC and type it again.";
const CLOSED: &str = "Pairing is not open on the PC. Open MPGram Home there, choose Pair a phone, then type the code it shows.";
const EXPIRED: &str = "That took too long. Type the code again.";

/// `logout` (POST with the form value): this browser stops being a paired device.
pub(super) async fn logout(mut v: Visit) -> Response<Body> {
    let Some(id) = v.device() else {
        return v.redirect("");
    };
    if !v.csrf_ok() {
        return message_page(
            &v.settings,
            StatusCode::FORBIDDEN,
            "Not done",
            "This page was out of date. Open Settings and try again.",
            "settings",
        );
    }
    let p = v.state.pairing().pairing.clone();
    if p.revoke(id).is_ok() {
        p.persisted().await;
    }
    v.clear_token();
    v.who = Who::Nobody;
    let r = v.redirect("");
    v.respond(r).await
}

/// `to` names one of our pages (never another site: no open redirect).
fn is_page(to: &str) -> bool {
    let name = to.split('?').next().unwrap_or("");
    (name.is_empty() || super::PAGES.contains(&name))
        && !to.contains("//")
        && !to.contains('\\')
        && !to.contains(':')
}

#[cfg(test)]
mod tests {
    use super::is_page;

    #[test]
    fn only_our_pages_are_places_to_go() {
        assert!(is_page("chat?p=123"));
        assert!(is_page(""));
        assert!(!is_page("http://evil.example/"));
        assert!(!is_page("//evil.example/"));
        assert!(!is_page("chat?u=http://x"));
        assert!(!is_page("other?p=1"));
    }
}
