//! Telegram's objects (as the API's models give them) turned into small HTML: names, dates,
//! message text with its formatting, media, service messages.
//!
//! Every piece of text from Telegram passes through maud's escaping (`html!` splices, or
//! [`Escaper`] where text and tags are interleaved by offsets); formatting comes from the
//! entities, never from markup in the text; links to other hosts go through the `link` page.

use std::fmt::Write as _;

use chrono::{Datelike as _, FixedOffset, TimeZone as _};
use maud::{html, Escaper, Markup, PreEscaped};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

use crate::api::json::{Object, Value};

/// `obj[key]` as text.
pub(super) fn s<'a>(o: &'a Object, key: &str) -> Option<&'a str> {
    o.get(key).and_then(Value::as_str)
}

/// `obj[key]` as an integer (also a numeric string: ids are strings in the models).
pub(super) fn int(o: &Object, key: &str) -> Option<i64> {
    match o.get(key)? {
        Value::Int(n) => Some(*n),
        Value::Str(t) => t.parse().ok(),
        Value::Float(f) => Some(*f as i64),
        _ => None,
    }
}

pub(super) fn flag(o: &Object, key: &str) -> bool {
    matches!(o.get(key), Some(Value::Bool(true)))
}

pub(super) fn obj<'a>(o: &'a Object, key: &str) -> Option<&'a Object> {
    o.get(key).and_then(Value::as_object)
}

pub(super) fn arr<'a>(o: &'a Object, key: &str) -> &'a [Value] {
    match o.get(key) {
        Some(Value::Array(a)) => a,
        _ => &[],
    }
}

/// What a query value keeps as it is (ids like `-100123` stay readable and short).
const QUERY_VALUE: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.');

/// A query value, percent-encoded.
pub(super) fn q(v: &str) -> String {
    utf8_percent_encode(v, QUERY_VALUE).to_string()
}

/// The peers a page's answer carried (`users`, `chats`), for names.
pub(super) struct Peers<'a> {
    pub users: Option<&'a Object>,
    pub chats: Option<&'a Object>,
    /// The account's own id: its chat is "Saved Messages".
    pub me: i64,
}

impl<'a> Peers<'a> {
    pub fn of(answer: &'a Object, me: i64) -> Self {
        Self {
            users: obj(answer, "users"),
            chats: obj(answer, "chats"),
            me,
        }
    }

    fn entry(&self, id: &str) -> Option<&'a Object> {
        let map = if id.starts_with('-') {
            self.chats
        } else {
            self.users
        };
        map.and_then(|m| obj(m, id))
    }

    /// A person's or a chat's name as people read it.
    pub fn name(&self, id: &str) -> String {
        match self.entry(id) {
            Some(o) => display_name(o),
            None if id.starts_with('-') => "Chat".to_owned(),
            None => "Someone".to_owned(),
        }
    }

    /// The name of a chat in a list: the own chat is "Saved Messages".
    pub fn chat_title(&self, id: &str) -> String {
        if self.me != 0 && id == self.me.to_string() {
            "Saved Messages".to_owned()
        } else {
            self.name(id)
        }
    }

    /// The chat is a group or channel (several senders).
    pub fn is_group(id: &str) -> bool {
        id.starts_with('-')
    }

    pub fn is_channel(&self, id: &str) -> bool {
        self.entry(id).is_some_and(|o| flag(o, "c"))
    }

    /// A supergroup with topics.
    pub fn is_forum(&self, id: &str) -> bool {
        self.entry(id).is_some_and(|o| flag(o, "f"))
    }

    pub fn get(&self, id: &str) -> Option<&'a Object> {
        self.entry(id)
    }
}

/// A User's or Chat's name (`fn` + `ln`, or `t`).
pub(super) fn display_name(o: &Object) -> String {
    if let Some(t) = s(o, "t") {
        return t.to_owned();
    }
    let name = match (s(o, "fn"), s(o, "ln")) {
        (Some(f), Some(l)) => format!("{f} {l}"),
        (Some(f), None) => f.to_owned(),
        (None, Some(l)) => l.to_owned(),
        (None, None) if o.contains_key("fn") => return "Deleted account".to_owned(),
        (None, None) => return s(o, "name").unwrap_or("Someone").to_owned(),
    };
    let name = name.trim();
    if name.is_empty() {
        "Someone".to_owned()
    } else {
        name.to_owned()
    }
}

/// A date as a short local time: `14:05` today, `7 Dec 14:05` this year, `7 Dec 2025` before.
pub(super) fn when(unix: i64, now: i64, tz_minutes: i32) -> String {
    let Some(zone) = FixedOffset::east_opt(tz_minutes * 60) else {
        return String::new();
    };
    let (Some(t), Some(n)) = (
        zone.timestamp_opt(unix, 0).single(),
        zone.timestamp_opt(now, 0).single(),
    ) else {
        return String::new();
    };
    if t.date_naive() == n.date_naive() {
        t.format("%H:%M").to_string()
    } else if t.year() == n.year() {
        t.format("%-d %b %H:%M").to_string()
    } else {
        t.format("%-d %b %Y").to_string()
    }
}

/// A byte count as people read it (`1.2 MB`).
pub(super) fn size(bytes: i64) -> String {
    const K: f64 = 1024.0;
    let b = bytes.max(0) as f64;
    if b < K {
        format!("{bytes} B")
    } else if b < K * K {
        format!("{:.0} KB", b / K)
    } else if b < K * K * K {
        format!("{:.1} MB", b / K / K)
    } else {
        format!("{:.1} GB", b / K / K / K)
    }
}

/// `m:ss`.
pub(super) fn duration(secs: i64) -> String {
    format!("{}:{:02}", secs / 60, secs % 60)
}

/// Where a link in a message leads: a Telegram username opens as a chat here; anything else
/// goes through the `link` page, which shows the address before leaving.
pub(super) fn link_href(url: &str) -> String {
    if let Some(name) = telegram_username(url) {
        return format!("chat?p={}", q(name));
    }
    format!("link?u={}", q(url))
}

/// `t.me/NAME`, `https://telegram.me/NAME/123`, `tg://resolve?domain=NAME` → `NAME`.
fn telegram_username(url: &str) -> Option<&str> {
    let lower = url.to_ascii_lowercase();
    if let Some(rest) = lower.strip_prefix("tg://resolve?domain=") {
        let n = rest.split('&').next()?.len();
        let start = url.len() - rest.len();
        return username(&url[start..start + n]);
    }
    let rest = ["https://", "http://", ""]
        .iter()
        .find_map(|p| lower.strip_prefix(p))?;
    let host_len = rest.find('/')?;
    let host = &rest[..host_len];
    if !matches!(
        host,
        "t.me" | "www.t.me" | "telegram.me" | "www.telegram.me"
    ) {
        return None;
    }
    let start = url.len() - rest.len() + host_len + 1;
    let seg = url[start..].split(['/', '?', '#']).next()?;
    username(seg)
}

/// A Telegram username: 4–32 letters, digits and `_`, starting with a letter.
fn username(s: &str) -> Option<&str> {
    let ok = (4..=32).contains(&s.len())
        && s.starts_with(|c: char| c.is_ascii_alphabetic())
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    (ok && !matches!(
        s.to_ascii_lowercase().as_str(),
        "joinchat" | "addstickers" | "share"
    ))
    .then_some(s)
}

/// How a range of the text is shown.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Style {
    Bold,
    Italic,
    Underline,
    Strike,
    Code,
    Link(String),
}

impl Style {
    fn open(&self, out: &mut String) {
        match self {
            Style::Bold => out.push_str("<b>"),
            Style::Italic => out.push_str("<i>"),
            Style::Underline => out.push_str("<u>"),
            Style::Strike => out.push_str("<s>"),
            Style::Code => out.push_str("<code>"),
            Style::Link(href) => {
                out.push_str("<a href=\"");
                let _ = write!(Escaper::new(out), "{href}");
                out.push_str("\">");
            }
        }
    }

    fn close(&self, out: &mut String) {
        out.push_str(match self {
            Style::Bold => "</b>",
            Style::Italic => "</i>",
            Style::Underline => "</u>",
            Style::Strike => "</s>",
            Style::Code => "</code>",
            Style::Link(_) => "</a>",
        });
    }
}

/// One entity over UTF-16 offsets `[start, end)`.
struct Span {
    start: usize,
    end: usize,
    style: Style,
}

/// Message text with its entities (`models.md` §7.3) as HTML: escaped, line breaks as `<br>`,
/// formatting as tags that always nest (tags are closed and reopened where ranges cross).
pub(super) fn text_html(text: &str, entities: &[Value]) -> Markup {
    let units: Vec<u16> = text.encode_utf16().collect();
    let slice = |a: usize, b: usize| String::from_utf16_lossy(&units[a.min(b)..b]);
    let mut spans = Vec::new();
    for e in entities.iter().filter_map(Value::as_object) {
        let (Some(off), Some(len)) = (int(e, "offset"), int(e, "length")) else {
            continue;
        };
        let start = usize::try_from(off).unwrap_or(usize::MAX).min(units.len());
        let end = start
            .saturating_add(usize::try_from(len).unwrap_or(0))
            .min(units.len());
        if start >= end {
            continue;
        }
        let style = match s(e, "_").unwrap_or("") {
            "messageEntityBold" => Style::Bold,
            "messageEntityItalic" => Style::Italic,
            "messageEntityUnderline" => Style::Underline,
            "messageEntityStrike" => Style::Strike,
            "messageEntityCode" | "messageEntityPre" => Style::Code,
            "messageEntityUrl" => Style::Link(link_href(&slice(start, end))),
            "messageEntityTextUrl" => match s(e, "url") {
                Some(u) => Style::Link(link_href(u)),
                None => continue,
            },
            "messageEntityMention" => {
                let t = slice(start, end);
                Style::Link(format!("chat?p={}", q(t.trim_start_matches('@'))))
            }
            "messageEntityMentionName" => match int(e, "user_id") {
                Some(id) => Style::Link(format!("chat?p={id}")),
                None => continue,
            },
            "messageEntityEmail" => Style::Link(format!("mailto:{}", slice(start, end))),
            _ => continue,
        };
        spans.push(Span { start, end, style });
    }
    let mut out = String::with_capacity(text.len() + 16);
    let mut open: Vec<&Style> = Vec::new();
    let mut pos = 0usize;
    for c in text.chars() {
        // The styles over this character: links first and at most one (no nested `<a>`).
        let mut want: Vec<&Style> = Vec::new();
        let mut linked = false;
        for sp in spans.iter().filter(|sp| sp.start <= pos && pos < sp.end) {
            if let Style::Link(_) = sp.style {
                if linked {
                    continue;
                }
                linked = true;
                want.insert(0, &sp.style);
            } else if !want.contains(&&sp.style) {
                want.push(&sp.style);
            }
        }
        if want != open {
            // Close down to the common prefix, then open the rest: tags always nest.
            let common = open.iter().zip(&want).take_while(|(a, b)| a == b).count();
            for st in open.drain(common..).rev() {
                st.close(&mut out);
            }
            for st in &want[common..] {
                st.open(&mut out);
            }
            open = want;
        }
        match c {
            '\n' => out.push_str("<br>"),
            '\r' => {}
            c => {
                let mut b = [0u8; 4];
                let _ = Escaper::new(&mut out).write_str(c.encode_utf8(&mut b));
            }
        }
        pos += c.len_utf16();
    }
    for st in open.into_iter().rev() {
        st.close(&mut out);
    }
    PreEscaped(out)
}

/// What a message's media is, in a few words (chat list previews, replies).
pub(super) fn media_label(m: &Object) -> String {
    match s(m, "type").unwrap_or("") {
        "photo" => "Photo".to_owned(),
        "document" => {
            if is_sticker(m) {
                return "Sticker".to_owned();
            }
            if let Some(a) = obj(m, "audio") {
                if flag(a, "voice") {
                    return "Voice message".to_owned();
                }
                return "Music".to_owned();
            }
            let mime = s(m, "mime").unwrap_or("");
            if mime.starts_with("video/") {
                return "Video".to_owned();
            }
            s(m, "name").map_or_else(|| "File".to_owned(), |n| format!("File: {n}"))
        }
        "webpage" => s(m, "url").unwrap_or("Link").to_owned(),
        "geo" => "Location".to_owned(),
        "poll" => match s(m, "text").filter(|t| !t.is_empty()) {
            Some(t) => format!("Poll: {t}"),
            None => "Poll".to_owned(),
        },
        _ => "Message this page cannot show".to_owned(),
    }
}

fn is_sticker(m: &Object) -> bool {
    let mime = s(m, "mime").unwrap_or("");
    mime == "application/x-tgsticker"
        || (mime == "image/webp" && s(m, "name") == Some("sticker.webp"))
}

/// How a message's media shows in a chat: pictures as small JPEGs from `file.php` (when the
/// person has pictures on) with a link to a bigger one, voice as MP3, files as download links.
pub(super) fn media_html(m: &Object, peer: &str, id: i64, pictures: bool) -> Markup {
    let at = format!("c={}&m={id}", q(peer));
    match s(m, "type").unwrap_or("") {
        "photo" => {
            let big = format!("file.php?{at}&p=rview&s=480&tw=480&th=640");
            html! {
                @if pictures {
                    a href=(big) { img src=(format!("file.php?{at}&p=rprev&s=120")) alt="Photo" border="0"; }
                } @else {
                    a href=(big) { "Photo" }
                }
            }
        }
        "document" => document_html(m, &at, pictures),
        "webpage" => html! {
            @if let Some(url) = s(m, "url") {
                small { a href=(link_href(url)) { (s(m, "title").or(s(m, "name")).unwrap_or(url)) } }
            }
        },
        "geo" => {
            let (lat, long) = (s(m, "lat").unwrap_or("?"), s(m, "long").unwrap_or("?"));
            let map = format!("https://www.openstreetmap.org/?mlat={lat}&mlon={long}&zoom=15");
            html! { "Location: " a href=(link_href(&map)) { (lat) ", " (long) } }
        }
        "poll" => poll_html(m),
        _ => html! { i { "This message cannot be shown here." } },
    }
}

fn document_html(m: &Object, at: &str, pictures: bool) -> Markup {
    let name = s(m, "name");
    let mime = s(m, "mime").unwrap_or("");
    let bytes = int(m, "size").map(size).unwrap_or_default();
    if is_sticker(m) {
        let conv = if mime == "application/x-tgsticker" {
            "rtgss"
        } else {
            "rsticker"
        };
        return html! {
            @if pictures {
                img src=(format!("file.php?{at}&p={conv}&s=96")) alt="Sticker";
            } @else { "Sticker" }
        };
    }
    // A named file downloads under its own name (`file/NAME`), else from `file.php`.
    let raw = match name {
        Some(n) => format!("file/{}?{at}", q(n)),
        None => format!("file.php?{at}"),
    };
    if let Some(a) = obj(m, "audio") {
        let time = int(a, "time").map(duration).unwrap_or_default();
        if flag(a, "voice") {
            return html! { a href=(format!("voice.php?{at}")) { "Voice message" } " (" (time) ")" };
        }
        let title = match (s(a, "artist"), s(a, "title")) {
            (Some(ar), Some(t)) => format!("{ar} – {t}"),
            (None, Some(t)) => t.to_owned(),
            _ => name.unwrap_or("Music").to_owned(),
        };
        return html! { a href=(raw) { (title) } " (" (time) ", " (bytes) ")" };
    }
    let what = if mime.starts_with("video/") {
        "Video"
    } else {
        "File"
    };
    html! { (what) ": " a href=(raw) { (name.unwrap_or("download")) } " (" (bytes) ")" }
}

/// Whether we voted in the poll (an option is `chosen`).
pub(super) fn poll_answered(poll: &Object) -> bool {
    arr(poll, "options")
        .iter()
        .filter_map(Value::as_object)
        .any(|o| flag(o, "chosen"))
}

/// The question and, once answered or closed, the results; an open poll not yet answered lists
/// its options in the vote form under the message instead.
fn poll_html(m: &Object) -> Markup {
    let voters = int(m, "voted");
    let options = arr(m, "options");
    let show_results = poll_answered(m) || flag(m, "closed");
    let total: i64 = options
        .iter()
        .filter_map(Value::as_object)
        .filter_map(|o| int(o, "voters"))
        .sum();
    html! {
        b { "Poll: " (s(m, "text").unwrap_or("")) }
        @if flag(m, "closed") { " (closed)" }
        @for o in options.iter().filter_map(Value::as_object).filter(|_| show_results) {
            br;
            @if flag(o, "chosen") { "✓ " } @else { "• " }
            (s(o, "text").unwrap_or(""))
            @if let Some(n) = int(o, "voters") {
                " — " (n)
                @if total > 0 { " (" (n * 100 / total) "%)" }
            }
            @if flag(o, "correct") { " (right answer)" }
        }
        @if let Some(v) = voters { br; small { (v) " voted" } }
    }
}

/// A service message in words (`models.md` §7.6).
pub(super) fn action_text(act: &Object, from: &str, peers: &Peers<'_>, from_id: &str) -> String {
    let kind = s(act, "_").unwrap_or("");
    let title = s(act, "t").unwrap_or("");
    let user = int(act, "user").map(|u| u.to_string());
    let them = user.as_deref().map(|u| peers.name(u));
    let self_act = user.as_deref() == Some(from_id);
    match kind {
        "ChatCreate" => format!("{from} created the group «{title}»"),
        "ChannelCreate" => format!("Channel «{title}» created"),
        "ChatEditTitle" => format!("{from} changed the name to «{title}»"),
        "ChatEditPhoto" => format!("{from} changed the group photo"),
        "ChatDeletePhoto" => format!("{from} removed the group photo"),
        "ChatAddUser" if self_act => format!("{from} joined"),
        "ChatAddUser" => format!("{from} added {}", them.unwrap_or_default()),
        "ChatDeleteUser" if self_act => format!("{from} left"),
        "ChatDeleteUser" => format!("{from} removed {}", them.unwrap_or_default()),
        "ChatJoinedByLink" => format!("{from} joined by a link"),
        "ChatJoinedByRequest" => format!("{from} was let in"),
        "PinMessage" => format!("{from} pinned a message"),
        "HistoryClear" => "History cleared".to_owned(),
        "PhoneCall" => format!("Call with {from}"),
        "GroupCall" => "Voice chat".to_owned(),
        "ScreenshotTaken" => format!("{from} took a screenshot"),
        "ContactSignUp" => format!("{from} joined Telegram"),
        "ChatMigrateTo" | "ChannelMigrateFrom" => "The group was upgraded".to_owned(),
        "TopicCreate" => format!("Topic «{title}» created"),
        "TopicEdit" => format!("{from} changed the topic"),
        _ => format!("{from}: {}", split_words(kind)),
    }
}

/// `SetChatTheme` → `set chat theme`.
fn split_words(kind: &str) -> String {
    let mut out = String::new();
    for c in kind.chars() {
        if c.is_ascii_uppercase() && !out.is_empty() {
            out.push(' ');
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ent(kind: &str, offset: i64, length: i64) -> Value {
        Value::Object(
            Object::new()
                .with("_", kind)
                .with("offset", offset)
                .with("length", length),
        )
    }

    #[test]
    fn text_is_escaped_and_markup_in_it_stays_text() {
        let t = "<script>alert(1)</script><img src=x onerror=alert(1)>";
        let h = text_html(t, &[]).0;
        assert!(!h.contains('<') || !h.contains("<script"), "{h}");
        assert_eq!(
            h,
            "&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;"
        );
    }

    #[test]
    fn entities_nest_even_when_they_cross() {
        // "Hello world": bold 0..7, italic 6..11 → <b>Hello </b><b><i>w</i></b><i>orld</i>
        let h = text_html(
            "Hello world",
            &[
                ent("messageEntityBold", 0, 7),
                ent("messageEntityItalic", 6, 5),
            ],
        )
        .0;
        assert_eq!(h, "<b>Hello <i>w</i></b><i>orld</i>");
    }

    #[test]
    fn offsets_are_utf16_units() {
        // The emoji is two UTF-16 units: bold must start at "b".
        let h = text_html("😀 bold", &[ent("messageEntityBold", 3, 4)]).0;
        assert_eq!(h, "😀 <b>bold</b>");
    }

    #[test]
    fn links_go_through_the_link_page_and_usernames_open_chats() {
        let mut e = Object::new()
            .with("_", "messageEntityTextUrl")
            .with("offset", 0)
            .with("length", 4);
        e.insert("url", "javascript:alert(1)\"><b>");
        let h = text_html("here", &[Value::Object(e)]).0;
        assert!(h.starts_with("<a href=\"link?u=javascript%3Aalert%281%29%22%3E%3Cb%3E\">"));
        assert_eq!(
            link_href("https://t.me/mpgram_news/12"),
            "chat?p=mpgram_news"
        );
        assert_eq!(
            link_href("t.me/joinchat/abc"),
            "link?u=t.me%2Fjoinchat%2Fabc"
        );
        assert!(link_href("https://example.org/").starts_with("link?u="));
    }

    #[test]
    fn dates_read_in_the_chosen_zone() {
        let now = 1_767_225_600; // 2026-01-01 00:00 UTC
        assert_eq!(when(now - 60, now, 180), "02:59");
        assert_eq!(when(now - 86_400 * 3, now, 0), "29 Dec 2025");
        assert_eq!(when(now + 86_400 * 40, now, 0), "10 Feb 00:00");
    }
}
