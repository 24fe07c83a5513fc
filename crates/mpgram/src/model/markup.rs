//! Bot keyboards: message `once` and `markup` (`models.md` §7.8).

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use grammers_tl_types as tl;
use tl::enums as e;

use crate::wire::json::{Object, Value};

/// Whether the keyboard disappears after one use (`once`).
pub fn single_use(m: &e::ReplyMarkup) -> bool {
    match m {
        e::ReplyMarkup::ReplyKeyboardMarkup(x) => x.single_use,
        e::ReplyMarkup::ReplyKeyboardForceReply(x) => x.single_use,
        e::ReplyMarkup::ReplyKeyboardHide(_) | e::ReplyMarkup::ReplyInlineMarkup(_) => false,
    }
}

/// The `markup` array: rows of `{"text", "data"|"url"}` buttons.
///
/// Callback buttons get `data` (standard base64 of the callback bytes); link-like buttons
/// (URL, login URL, web view) get `url`. Buttons with neither are **dropped**, and rows left
/// empty with them: the reference sends them as `{"text":…}`, but such a button leaves a null
/// cell in the J2ME client and freezes the chat on every repaint (client-j2me.md §8.3, §13
/// rule 12). Their text is still what a person would type to answer a reply keyboard.
pub fn markup(m: &e::ReplyMarkup) -> Value {
    let rows: Vec<Value> = match m {
        e::ReplyMarkup::ReplyInlineMarkup(x) => x
            .rows
            .iter()
            .map(|r| {
                let e::KeyboardInlineButtonRow::Row(r) = r;
                r.buttons
                    .iter()
                    .filter_map(|b| {
                        let e::KeyboardInlineButton::Button(b) = b;
                        inline_target(&b.r#type).map(|(k, v)| button(&b.text, k, v))
                    })
                    .collect::<Vec<_>>()
            })
            .filter(|r| !r.is_empty())
            .map(Value::Array)
            .collect(),
        e::ReplyMarkup::ReplyKeyboardMarkup(x) => x
            .rows
            .iter()
            .map(|r| {
                let e::KeyboardButtonRow::Row(r) = r;
                r.buttons
                    .iter()
                    .filter_map(|b| {
                        let e::KeyboardButton::Button(b) = b;
                        match &b.r#type {
                            e::ButtonType::SimpleWebView(w) => {
                                Some(button(&b.text, "url", w.url.clone()))
                            }
                            _ => None,
                        }
                    })
                    .collect::<Vec<_>>()
            })
            .filter(|r| !r.is_empty())
            .map(Value::Array)
            .collect(),
        // Hide and force-reply have no rows: `"markup":[]`.
        e::ReplyMarkup::ReplyKeyboardHide(_) | e::ReplyMarkup::ReplyKeyboardForceReply(_) => {
            Vec::new()
        }
    };
    Value::Array(rows)
}

fn inline_target(t: &e::InlineButtonType) -> Option<(&'static str, String)> {
    match t {
        e::InlineButtonType::Callback(c) => Some(("data", BASE64.encode(&c.data))),
        e::InlineButtonType::Url(u) => Some(("url", u.url.clone())),
        e::InlineButtonType::UrlAuth(u) => Some(("url", u.url.clone())),
        e::InlineButtonType::InputInlineButtonTypeUrlAuth(u) => Some(("url", u.url.clone())),
        e::InlineButtonType::WebView(u) => Some(("url", u.url.clone())),
        _ => None,
    }
}

fn button(text: &str, key: &str, value: String) -> Value {
    Object::with_capacity(2)
        .with("text", text)
        .with(key, value)
        .into()
}
