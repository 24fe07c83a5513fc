//! The pages of a paired browser. Each asks the API's dispatch for what it shows (one method,
//! as the app would), then writes small HTML from the answer.

use axum::body::Body;
use axum::http::{Response, StatusCode};
use maud::{html, Markup};

use super::pair::{pair_form, waiting};
use super::render::{
    action_text, arr, display_name, flag, int, link_href, media_html, media_label, obj,
    poll_answered, q, s, text_html, when, Peers,
};
use super::{message_page, page, Visit, Who};
use crate::api::error::ApiError;
use crate::api::json::{Object, Value};
use crate::api::params::Params;

/// The page for a browser that is not (or not yet) a paired device; `None` when it is one.
fn not_paired(v: &Visit) -> Option<Response<Body>> {
    match v.who {
        Who::Device { .. } => None,
        Who::Waiting { number } => Some(waiting(v, number)),
        Who::Ended(why) => Some(pair_form(v, Some(why), StatusCode::OK)),
        Who::Nobody => Some(pair_form(v, None, StatusCode::OK)),
    }
}

/// Ends a handler: the pairing page for strangers, else the page `f` makes.
macro_rules! paired {
    ($v:ident) => {
        if let Some(r) = not_paired(&$v) {
            return $v.respond(r).await;
        }
    };
}

/// Ends a handler of a form that changes something when the form is not this browser's (an old
/// page, or another site's): the "nothing was sent" page, linking `back`.
macro_rules! form_from_this_browser {
    ($v:ident, $back:expr) => {
        if !$v.csrf_ok() {
            let r = stale(&$v, $back);
            return $v.respond(r).await;
        }
    };
}

/// After a form's API call: back to `back`, or the failure in words.
async fn back_or_failed(v: Visit, done: Result<Object, ApiError>, back: &str) -> Response<Body> {
    match done {
        Ok(_) => v.redirect(back),
        Err(e) => {
            let r = failed(&v, &e, back);
            v.respond(r).await
        }
    }
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// An API failure as a page in words (never the JSON).
fn failed(v: &Visit, e: &ApiError, back: &str) -> Response<Body> {
    let text = match e {
        ApiError::Unavailable(m) => m.clone(),
        ApiError::Telegram(rpc) => format!("Telegram said: {rpc}"),
        ApiError::Message(m) if !m.is_empty() => m.clone(),
        _ => "Something went wrong on the PC. Try again.".to_owned(),
    };
    let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    message_page(&v.settings, status, "Could not load", &text, back)
}

/// The links at the top of every page.
fn nav() -> Markup {
    html! {
        p {
            a href="./" accesskey="1" { "Chats" } " | "
            a href="contacts" { "Contacts" } " | "
            a href="search" { "Search" } " | "
            a href="settings" { "Settings" }
        }
    }
}

// ---- the chat list ---------------------------------------------------------------------------

/// `/`: the pairing page, or the chat list (`f`: 1 archive, > 1 a folder; `od`, `oi`, `op`:
/// the last chat of the page before).
pub(super) async fn index(v: Visit) -> Response<Body> {
    paired!(v);
    let f = v.params.lenient("f").unwrap_or(0).max(0);
    let limit = i64::from(v.settings.per_page);
    let mut args = vec![("limit", limit.to_string()), ("f", f.to_string())];
    for (ours, api) in [
        ("od", "offset_date"),
        ("oi", "offset_id"),
        ("op", "offset_peer"),
    ] {
        if let Some(x) = v.params.non_empty(ours) {
            args.push((api, x.to_owned()));
        }
    }
    let answer = match v.api("getDialogs", &args).await {
        Ok(a) => a,
        Err(e) => {
            let r = failed(&v, &e, "./");
            return v.respond(r).await;
        }
    };
    let peers = Peers::of(&answer, v.me());
    let dialogs: Vec<&Object> = arr(&answer, "dialogs")
        .iter()
        .filter_map(Value::as_object)
        .collect();
    let t = now();
    let tz = v.settings.tz_minutes;
    let title = match f {
        0 => "Chats",
        1 => "Archived chats",
        _ => "Folder",
    };
    // Next page: Telegram's offsets from the last chat (the main list and the archive page).
    let next = dialogs
        .last()
        .filter(|_| f <= 1 && dialogs.len() as i64 >= limit)
        .and_then(|d| {
            let m = obj(d, "msg")?;
            Some(format!(
                "./?f={f}&od={}&oi={}&op={}",
                int(m, "date")?,
                int(m, "id")?,
                s(d, "id")?
            ))
        });
    let body = html! {
        (nav())
        p {
            b { (title) }
            @if f != 0 { " | " a href="./" { "All chats" } }
            @if f != 1 { " | " a href="./?f=1" { "Archived" } }
            " | " a href="folders" { "Folders" }
        }
        @if dialogs.is_empty() { p { "No chats here." } }
        @for d in &dialogs {
            @let id = s(d, "id").unwrap_or("0");
            @let unread = int(d, "unread").unwrap_or(0);
            @let msg = obj(d, "msg");
            p {
                @if flag(d, "pin") { "* " }
                // A forum opens on its topics, as in Telegram's apps.
                @let page = if peers.is_forum(id) { "topics" } else { "chat" };
                a href=(format!("{page}?p={}", q(id))) { (peers.chat_title(id)) }
                @if unread > 0 { " " b { "(" (unread) ")" } }
                @if int(d, "mentions").unwrap_or(0) > 0 { " @" }
                @if let Some(m) = msg {
                    br;
                    small {
                        (preview(m, id, &peers))
                        @if let Some(date) = int(m, "date") { " · " (when(date, t, tz)) }
                    }
                }
            }
        }
        @if let Some(next) = next { p { a href=(next) { "More chats" } } }
    };
    let r = v.page(title, &body);
    v.respond(r).await
}

/// A dialog's last message in one short line: sender (in groups, or "You"), then text or what
/// the media is.
fn preview(m: &Object, chat: &str, peers: &Peers<'_>) -> String {
    let what = if let Some(act) = obj(m, "act") {
        let from = s(m, "from_id").unwrap_or(chat);
        return action_text(act, &peers.name(from), peers, from);
    } else {
        match (s(m, "text").filter(|t| !t.is_empty()), obj(m, "media")) {
            (Some(t), _) => t.to_owned(),
            (None, Some(media)) => media_label(media),
            (None, None) if m.contains_key("media") => "Media".to_owned(),
            (None, None) => String::new(),
        }
    };
    let who = if flag(m, "out") {
        Some("You".to_owned())
    } else if Peers::is_group(chat) && !peers.is_channel(chat) {
        s(m, "from_id").map(|f| first_name(peers, f))
    } else {
        None
    };
    match who {
        Some(w) => format!("{w}: {what}"),
        None => what,
    }
}

fn first_name(peers: &Peers<'_>, id: &str) -> String {
    match peers.get(id) {
        Some(o) if !id.starts_with('-') => {
            s(o, "fn").map_or_else(|| display_name(o), str::to_owned)
        }
        _ => peers.name(id),
    }
}

/// `folders`: the account's chat folders.
pub(super) async fn folders(v: Visit) -> Response<Body> {
    paired!(v);
    let answer = match v.api("getFolders", &[]).await {
        Ok(a) => a,
        Err(e) => {
            let r = failed(&v, &e, "./");
            return v.respond(r).await;
        }
    };
    let body = html! {
        (nav())
        p { b { "Folders" } }
        p { a href="./" { "All chats" } }
        @if flag(&answer, "archive") { p { a href="./?f=1" { "Archived chats" } } }
        @for f in arr(&answer, "res").iter().filter_map(Value::as_object) {
            @if let (Some(id), Some(t)) = (int(f, "id"), s(f, "t")) {
                p { a href=(format!("./?f={id}")) { (t) } }
            }
        }
    };
    let r = v.page("Folders", &body);
    v.respond(r).await
}

// ---- one chat --------------------------------------------------------------------------------

/// `chat?p=PEER`: the newest messages (one `getHistory`), older pages with `o` (the oldest id
/// shown), a search in the chat with `q`.
pub(super) async fn chat(v: Visit) -> Response<Body> {
    paired!(v);
    let Some(peer) = v.params.non_empty("p").map(str::to_owned) else {
        return v.redirect("");
    };
    let query = v.params.non_empty("q").map(str::to_owned);
    // A forum topic (its first message's id), read as the J2ME client does: a search with
    // `top_msg_id`.
    let topic = v.params.lenient("t").filter(|t| *t > 0);
    let limit = v.settings.per_page.to_string();
    let mut args = vec![
        ("peer", peer.clone()),
        ("limit", limit),
        ("media", "1".to_owned()),
    ];
    if let Some(o) = v.params.lenient("o").filter(|o| *o > 0) {
        args.push(("offset_id", o.to_string()));
    }
    if let Some(t) = topic {
        args.push(("top_msg_id", t.to_string()));
    }
    let method = match (&query, topic) {
        (Some(text), _) => {
            args.push(("q", text.clone()));
            "searchMessages"
        }
        (None, Some(_)) => "searchMessages",
        (None, None) => "getHistory",
    };
    let answer = match v.api(method, &args).await {
        Ok(a) => a,
        Err(e) => {
            let r = failed(&v, &e, "./");
            return v.respond(r).await;
        }
    };
    let mut msgs: Vec<&Object> = arr(&answer, "messages")
        .iter()
        .filter_map(Value::as_object)
        .collect();
    let peers = Peers::of(&answer, v.me());
    // The chat's own id (the link may name a username).
    let id = msgs
        .first()
        .and_then(|m| s(m, "peer_id"))
        .map_or_else(|| peer.clone(), str::to_owned);
    let title = match peers.get(&id) {
        Some(_) => peers.chat_title(&id),
        // An empty chat names nobody: ask for the peer (cached by the session, usually free).
        None => match v.api("getPeer", &[("id", peer.clone())]).await {
            Ok(o) => display_name(&o),
            Err(_) => "Chat".to_owned(),
        },
    };
    let oldest = msgs.last().and_then(|m| int(m, "id"));
    let newest = msgs.first().and_then(|m| int(m, "id"));
    let full = msgs.len() >= usize::from(v.settings.per_page);
    if !v.settings.newest_first {
        msgs.reverse();
    }
    let t = now();
    let group = Peers::is_group(&id) && !peers.is_channel(&id);
    let topic_name = topic.map(|_| v.params.non_empty("n").unwrap_or("General").to_owned());
    let query_here = chat_query(&id, topic, topic_name.as_deref());
    let here = format!("chat{query_here}");
    let older = oldest.filter(|_| full).map(|o| {
        let mut l = format!("{here}&o={o}");
        if let Some(text) = &query {
            l.push_str("&q=");
            l.push_str(&q(text));
        }
        l
    });
    // The newest page of a chat (not a search, not an older page) can go live.
    // (A topic's page stays as it is: the live wait is for the whole chat.)
    let live = (query.is_none() && topic.is_none() && v.params.lenient("o").is_none_or(|o| o <= 0))
        .then(|| live_query(&v, &id, newest.unwrap_or(0)));
    let write = format!("write{query_here}");
    let k = v.csrf();
    let form = html! {
        form action="send" method="post" {
            p {
                input type="hidden" name="peer" value=(id);
                input type="hidden" name="k" value=(k);
                input type="hidden" name="r" value=(nonce());
                (topic_fields(topic, topic_name.as_deref()))
                textarea name="text" rows="2" cols="16" {}
                br;
                input type="submit" value="Send";
                " " a href=(write) { "Photo or file" }
            }
        }
    };
    let ctx = Line {
        peers: &peers,
        chat: &id,
        group,
        now: t,
        tz: v.settings.tz_minutes,
        pictures: v.settings.pictures,
        k: &k,
        query: &query_here,
    };
    let body = html! {
        p {
            a href="./" { "Chats" } " | "
            b { a href=(format!("info?p={}", q(&id))) { (title) } }
            @if peers.is_forum(&id) { " | " a href=(format!("topics?p={}", q(&id))) { "Topics" } }
        }
        @if let Some(n) = &topic_name { p { "Topic: " b { (n) } } }
        @if let Some(text) = &query {
            p { "Found for " b { (text) } ": " a href=(here) { "back to the chat" } }
        } @else if v.settings.newest_first { (form) }
        p {
            a href=(here) { "Refresh" } " | "
            a href=(format!("search?p={}", q(&id))) { "Search" }
        }
        @if msgs.is_empty() { p { "No messages." } }
        @if let (Some(l), true) = (&live, v.settings.newest_first) { div id="live" class="top" title=(l) {} }
        @for m in &msgs { (ctx.message(m)) }
        @if let (Some(l), false) = (&live, v.settings.newest_first) { div id="live" title=(l) {} }
        @if let Some(o) = &older { p { a href=(o) { "Older messages" } } }
        @if query.is_none() && !v.settings.newest_first { (form) }
        @if let Some(max) = newest.filter(|_| query.is_none()) {
            form action="read" method="post" {
                p {
                    input type="hidden" name="peer" value=(id);
                    input type="hidden" name="max" value=(max);
                    input type="hidden" name="k" value=(k);
                    @if let Some(t) = topic {
                        input type="hidden" name="thread" value=(t);
                        input type="hidden" name="n" value=(topic_name.as_deref().unwrap_or(""));
                    }
                    input type="submit" value="Mark as read";
                }
            }
        }
        // Where scripts run, new messages appear by themselves (the Refresh link stays).
        @if live.is_some() { script type="text/javascript" src="r.js" {} }
    };
    let r = page(
        &v.settings,
        StatusCode::OK,
        &title,
        &body,
        v.settings.refresh_secs,
    );
    v.respond(r).await
}

/// The query of a chat's page, or of a forum topic's (`t`, shown as `n`) within it; `write`
/// takes the same.
fn chat_query(peer: &str, topic: Option<i64>, name: Option<&str>) -> String {
    match topic {
        Some(t) => format!("?p={}&t={t}&n={}", q(peer), q(name.unwrap_or(""))),
        None => format!("?p={}", q(peer)),
    }
}

/// A chat's page, or a forum topic's.
fn chat_href(peer: &str, topic: Option<i64>, name: Option<&str>) -> String {
    format!("chat{}", chat_query(peer, topic, name))
}

/// A send form's topic: `top` for the API, `n` to come back to the topic's page.
fn topic_fields(topic: Option<i64>, name: Option<&str>) -> Markup {
    html! {
        @if let Some(t) = topic {
            input type="hidden" name="top" value=(t);
            input type="hidden" name="n" value=(name.unwrap_or(""));
        }
    }
}

/// A random value per form, so a form sent twice (Back, then Send again) sends once: the API's
/// `r` de-duplication.
fn nonce() -> String {
    format!("{:016x}", rand::random::<u64>())
}

/// What a message line needs to know about its chat.
struct Line<'a> {
    peers: &'a Peers<'a>,
    chat: &'a str,
    group: bool,
    now: i64,
    tz: i32,
    pictures: bool,
    /// This device's form value, for the buttons and polls that send something.
    k: &'a str,
    /// The chat page's query (with the topic): a reply written from here goes into the topic
    /// and comes back here.
    query: &'a str,
}

impl Line<'_> {
    fn message(&self, m: &Object) -> Markup {
        let id = int(m, "id").unwrap_or(0);
        let from = s(m, "from_id").unwrap_or(self.chat);
        let sender = if flag(m, "out") {
            "You".to_owned()
        } else {
            self.peers.name(from)
        };
        let date = int(m, "date")
            .map(|d| when(d, self.now, self.tz))
            .unwrap_or_default();
        if let Some(act) = obj(m, "act") {
            return html! {
                p { i { (action_text(act, &sender, self.peers, from)) } " " small { (date) } }
            };
        }
        let text = s(m, "text").unwrap_or("");
        let keyboard = arr(m, "markup");
        // A keyboard with a button that sends something to the bot is a form; links alone
        // stay in the line.
        let presses = keyboard
            .iter()
            .filter_map(Value::as_array)
            .flatten()
            .filter_map(Value::as_object)
            .any(|b| b.contains_key("data"));
        let poll = obj(m, "media").filter(|md| s(md, "type") == Some("poll"));
        html! {
            p {
                @if self.group || flag(m, "out") { b { (sender) } " " }
                small { (date) @if m.contains_key("edit") { ", edited" } }
                @if let Some(f) = obj(m, "fwd") {
                    br; small { "Forwarded from " (forward_name(f, self.peers)) }
                }
                @if let Some(r) = obj(m, "reply") {
                    @if let Some(quote) = reply_line(r, self.peers) { br; small { "↳ " (quote) } }
                }
                @if !text.is_empty() { br; (text_html(text, arr(m, "entities"))) }
                @if let Some(media) = obj(m, "media") {
                    br; (media_html(media, self.chat, id, self.pictures))
                }
                @if !presses {
                    @for row in keyboard.iter().filter_map(Value::as_array) {
                        br;
                        @for b in row.iter().filter_map(Value::as_object) { (button(b)) }
                    }
                }
                " " small { a href=(format!("write{}&reply={id}", self.query)) { "Reply" } }
                @if flag(m, "out") {
                    " " small { a href=(format!("message?p={}&id={id}", q(self.chat))) { "Edit" } }
                }
            }
            @if presses { (self.keyboard(id, keyboard)) }
            @if let Some(p) = poll { (self.vote_form(id, p)) }
        }
    }

    /// The message's keyboard as one form: a pressed button is the one submit sent (`bN`),
    /// its data the hidden `dN` beside it. Every browser sends only the pressed submit.
    fn keyboard(&self, id: i64, rows: &[Value]) -> Markup {
        let mut n = 0usize;
        let rows: Vec<Vec<(usize, &Object)>> = rows
            .iter()
            .filter_map(Value::as_array)
            .map(|row| {
                row.iter()
                    .filter_map(Value::as_object)
                    .map(|b| {
                        n += 1;
                        (n, b)
                    })
                    .collect()
            })
            .collect();
        html! {
            form action="press" method="post" {
                div {
                    input type="hidden" name="peer" value=(self.chat);
                    input type="hidden" name="id" value=(id);
                    input type="hidden" name="k" value=(self.k);
                    @for row in &rows {
                        @for (n, b) in row {
                            @if let Some(data) = s(b, "data") {
                                input type="hidden" name=(format!("d{n}")) value=(data);
                                input type="submit" name=(format!("b{n}")) value=(s(b, "text").unwrap_or("?"));
                                " "
                            } @else { (button(b)) }
                        }
                        br;
                    }
                }
            }
        }
    }

    /// An open poll not yet answered: its options to choose (one, or several when the poll
    /// allows); an answered one, not a quiz: a button that takes the vote back.
    fn vote_form(&self, id: i64, poll: &Object) -> Markup {
        let options = arr(poll, "options");
        let answered = poll_answered(poll);
        if flag(poll, "closed") || (answered && flag(poll, "quiz")) {
            return html! {};
        }
        let multi = flag(poll, "multi");
        html! {
            form action="vote" method="post" {
                div {
                    input type="hidden" name="peer" value=(self.chat);
                    input type="hidden" name="id" value=(id);
                    input type="hidden" name="k" value=(self.k);
                    @if answered {
                        input type="hidden" name="retract" value="1";
                        input type="submit" value="Retract vote";
                    } @else {
                        @for (i, o) in options.iter().filter_map(Value::as_object).enumerate() {
                            label {
                                @if multi {
                                    input type="checkbox" name=(format!("o{i}")) value=(s(o, "data").unwrap_or(""));
                                } @else {
                                    input type="radio" name="o" value=(s(o, "data").unwrap_or(""));
                                }
                                " " (s(o, "text").unwrap_or(""))
                            }
                            br;
                        }
                        input type="submit" value="Vote";
                    }
                }
            }
        }
    }
}

/// A keyboard button that sends nothing: a link (through the link page), else its label.
fn button(b: &Object) -> Markup {
    let text = s(b, "text").unwrap_or("");
    html! {
        @if let Some(url) = s(b, "url") {
            "[" a href=(link_href(url)) { (text) } "] "
        } @else {
            "[" (text) "] "
        }
    }
}

fn forward_name(f: &Object, peers: &Peers<'_>) -> String {
    if let Some(n) = s(f, "from_name") {
        return n.to_owned();
    }
    s(f, "from_id").map_or_else(|| "someone".to_owned(), |id| peers.name(id))
}

/// "Anna: Who has a Nokia E52?" for a reply's quoted message.
fn reply_line(r: &Object, peers: &Peers<'_>) -> Option<String> {
    // A forum message "replies" to its topic's opening (a service message): no quote then.
    let m = obj(r, "msg").filter(|m| !m.contains_key("act"))?;
    let who = if flag(m, "out") {
        "You".to_owned()
    } else {
        s(m, "from_id").map_or_else(String::new, |f| peers.name(f))
    };
    let text = s(m, "text")
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .or_else(|| obj(m, "media").map(media_label))
        .unwrap_or_else(|| "message".to_owned());
    Some(if who.is_empty() {
        text
    } else {
        format!("{who}: {text}")
    })
}

/// `topics?p=PEER`: a forum's topics (one getForumTopics), each opening its own messages.
pub(super) async fn topics(v: Visit) -> Response<Body> {
    paired!(v);
    let Some(peer) = v.params.non_empty("p").map(str::to_owned) else {
        return v.redirect("");
    };
    let limit = v.settings.per_page.to_string();
    let answer = match v
        .api(
            "getForumTopics",
            &[("peer", peer.clone()), ("limit", limit)],
        )
        .await
    {
        Ok(a) => a,
        Err(e) => {
            let r = failed(&v, &e, "./");
            return v.respond(r).await;
        }
    };
    // The forum's name (the session caches the peer: usually no Telegram call).
    let title = match v.api("getPeer", &[("id", peer.clone())]).await {
        Ok(o) => display_name(&o),
        Err(_) => "Topics".to_owned(),
    };
    let topics: Vec<&Object> = arr(&answer, "res")
        .iter()
        .filter_map(Value::as_object)
        // A deleted topic has no date and nothing to open.
        .filter(|t| int(t, "date").unwrap_or(0) > 0)
        .collect();
    let body = html! {
        p {
            a href="./" { "Chats" } " | "
            b { a href=(format!("info?p={}", q(&peer))) { (title) } }
        }
        p { a href=(chat_href(&peer, None, None)) { "All messages" } }
        @if topics.is_empty() { p { "No topics." } }
        @for t in &topics {
            @let name = s(t, "title").unwrap_or("General");
            @let unread = int(t, "unread").unwrap_or(0);
            p {
                @if flag(t, "pinned") { "* " }
                a href=(chat_href(&peer, int(t, "id"), Some(name))) { (name) }
                @if unread > 0 { " " b { "(" (unread) ")" } }
                @if flag(t, "closed") { " " small { "(closed)" } }
            }
        }
    };
    let r = v.page(&title, &body);
    v.respond(r).await
}

// ---- writing ---------------------------------------------------------------------------------

/// A `getMessages` answer's message in one line ("Anna: Who has a Nokia E52?"), or "a message"
/// when it could not be read.
fn one_line(answer: Result<Object, ApiError>) -> String {
    answer
        .ok()
        .and_then(|a| {
            let peers = Peers::of(&a, 0);
            let m = arr(&a, "messages").first()?.as_object()?.clone();
            reply_line(&Object::new().with("msg", m), &peers)
        })
        .unwrap_or_else(|| "a message".to_owned())
}

/// `write?p=PEER[&reply=ID]`: a message with a photo or file, or a reply.
pub(super) async fn write(v: Visit) -> Response<Body> {
    paired!(v);
    let Some(peer) = v.params.non_empty("p").map(str::to_owned) else {
        return v.redirect("");
    };
    let reply = v.params.lenient("reply").filter(|r| *r > 0);
    let topic = v.params.lenient("t").filter(|t| *t > 0);
    let topic_name = v.params.non_empty("n");
    // The message answered, in one line (one getMessages, as the app's reply view).
    let quoted = match reply {
        Some(r) => one_line(
            v.api(
                "getMessages",
                &[("peer", peer.clone()), ("id", r.to_string())],
            )
            .await,
        ),
        None => String::new(),
    };
    let k = v.csrf();
    let body = html! {
        p { a href=(chat_href(&peer, topic, topic_name)) { "Back to the chat" } }
        @if let Some(r) = reply {
            p {
                "Reply to: " i { (quoted) }
                br; small { a href=(format!("forward?p={}&id={r}", q(&peer))) { "Forward it to another chat" } }
            }
        }
        form action="send" method="post" enctype="multipart/form-data" {
            p {
                input type="hidden" name="peer" value=(peer);
                input type="hidden" name="k" value=(k);
                input type="hidden" name="r" value=(nonce());
                @if let Some(r) = reply { input type="hidden" name="reply" value=(r); }
                (topic_fields(topic, topic_name))
                textarea name="text" rows="3" cols="16" {}
                br;
                "Photo or file:" br; input type="file" name="file";
                br;
                input type="checkbox" name="uncompressed" value="1" id="u";
                label for="u" { " as a file (not a photo)" }
                br;
                input type="submit" value="Send";
            }
        }
    };
    let r = v.page("Write", &body);
    v.respond(r).await
}

/// `forward?p=PEER&id=ID`: the message in one line, the chats to send it to (one getDialogs),
/// and a few words to add; the form goes to `send` as the API's forward (`fwd_from` + `id`).
pub(super) async fn forward(v: Visit) -> Response<Body> {
    paired!(v);
    let Some(from) = v.params.non_empty("p").map(str::to_owned) else {
        return v.redirect("");
    };
    let id = v.params.lenient("id").unwrap_or(0);
    let back = chat_href(&from, None, None);
    let limit = v.settings.per_page.to_string();
    let args = [("peer", from.clone()), ("id", id.to_string())];
    let list_args = [("limit", limit)];
    let (message, chats) =
        tokio::join!(v.api("getMessages", &args), v.api("getDialogs", &list_args));
    let quoted = one_line(message);
    let chats = match chats {
        Ok(a) => a,
        Err(e) => {
            let r = failed(&v, &e, &back);
            return v.respond(r).await;
        }
    };
    let peers = Peers::of(&chats, v.me());
    let k = v.csrf();
    let body = html! {
        p { a href=(back) { "Back to the chat" } }
        p { "Forward: " i { (quoted) } }
        form action="send" method="post" {
            p {
                input type="hidden" name="fwd_from" value=(from);
                input type="hidden" name="id" value=(id);
                input type="hidden" name="k" value=(k);
                input type="hidden" name="r" value=(nonce());
                "To:" br;
                @for d in arr(&chats, "dialogs").iter().filter_map(Value::as_object) {
                    @if let Some(to) = s(d, "id") {
                        label { input type="radio" name="peer" value=(to); " " (peers.chat_title(to)) }
                        br;
                    }
                }
                "Add a message (if you like):" br;
                textarea name="text" rows="2" cols="16" {}
                br;
                input type="submit" value="Forward";
            }
        }
    };
    let r = v.page("Forward", &body);
    v.respond(r).await
}

/// `message?p=PEER&id=ID`: one of our own messages, to change its text or delete it (one
/// getMessages).
pub(super) async fn message(v: Visit) -> Response<Body> {
    paired!(v);
    let Some(peer) = v.params.non_empty("p").map(str::to_owned) else {
        return v.redirect("");
    };
    let back = format!("chat?p={}", q(&peer));
    let id = v.params.lenient("id").unwrap_or(0);
    let answer = match v
        .api(
            "getMessages",
            &[("peer", peer.clone()), ("id", id.to_string())],
        )
        .await
    {
        Ok(a) => a,
        Err(e) => {
            let r = failed(&v, &e, &back);
            return v.respond(r).await;
        }
    };
    let Some(m) = arr(&answer, "messages")
        .first()
        .and_then(Value::as_object)
        .filter(|m| int(m, "id") == Some(id) && !m.contains_key("act"))
    else {
        let r = message_page(
            &v.settings,
            StatusCode::NOT_FOUND,
            "Not found",
            "This message is not in the chat any more.",
            &back,
        );
        return v.respond(r).await;
    };
    if !flag(m, "out") {
        let r = message_page(
            &v.settings,
            StatusCode::OK,
            "Not yours",
            "Only your own messages can be changed or deleted here.",
            &back,
        );
        return v.respond(r).await;
    }
    let k = v.csrf();
    let media = obj(m, "media").map(media_label);
    // In a channel or supergroup a deletion is for everyone; elsewhere the person chooses.
    let choose_revoke = !peer.starts_with("-100");
    let body = html! {
        p { a href=(back) { "Back to the chat" } }
        h3 { "Your message" }
        @if let Some(what) = &media { p { i { (what) } } }
        form action="edit" method="post" {
            p {
                input type="hidden" name="peer" value=(peer);
                input type="hidden" name="id" value=(id);
                input type="hidden" name="k" value=(k);
                // A caption may be emptied; a text message may not.
                @if media.is_some() { input type="hidden" name="caption" value="1"; }
                textarea name="text" rows="3" cols="16" { (s(m, "text").unwrap_or("")) }
                br;
                input type="submit" value="Save changes";
            }
        }
        form action="delete" method="post" {
            p {
                input type="hidden" name="peer" value=(peer);
                input type="hidden" name="id" value=(id);
                input type="hidden" name="k" value=(k);
                @if choose_revoke {
                    input type="checkbox" name="revoke" value="1" id="rv" checked;
                    label for="rv" { " for everyone in the chat" }
                    br;
                }
                input type="submit" value="Delete";
            }
        }
    };
    let r = v.page("Your message", &body);
    v.respond(r).await
}

/// `edit` (POST): the API's `editMessage` with the new text; then the chat.
pub(super) async fn edit(v: Visit) -> Response<Body> {
    paired!(v);
    let peer = v.params.non_empty("peer").unwrap_or("").to_owned();
    let back = format!("chat?p={}", q(&peer));
    form_from_this_browser!(v, &back);
    let id = v.params.lenient("id").unwrap_or(0);
    let text = v.params.get("text").unwrap_or("").trim();
    if text.is_empty() && !v.params.flag("caption") {
        let r = message_page(
            &v.settings,
            StatusCode::OK,
            "Not saved",
            "A message cannot be empty. To remove it, delete it.",
            &format!("message?p={}&id={id}", q(&peer)),
        );
        return v.respond(r).await;
    }
    let args = [
        ("peer", peer.clone()),
        ("id", id.to_string()),
        ("text", text.to_owned()),
    ];
    let done = v.api("editMessage", &args).await;
    back_or_failed(v, done, &back).await
}

/// `delete` (POST): the API's `deleteMessage` (for everyone when `revoke` is set); then the chat.
pub(super) async fn delete(v: Visit) -> Response<Body> {
    paired!(v);
    let peer = v.params.non_empty("peer").unwrap_or("").to_owned();
    let back = format!("chat?p={}", q(&peer));
    form_from_this_browser!(v, &back);
    let mut args = vec![
        ("peer", peer.clone()),
        ("id", v.params.lenient("id").unwrap_or(0).to_string()),
    ];
    if v.params.flag("revoke") {
        args.push(("revoke", "1".to_owned()));
    }
    let done = v.api("deleteMessage", &args).await;
    back_or_failed(v, done, &back).await
}

/// `send` (POST): the API's `sendMessage`, or `sendMedia` when a file came; then the chat.
pub(super) async fn send(v: Visit) -> Response<Body> {
    paired!(v);
    let Some(device) = v.device() else {
        return v.redirect("");
    };
    let peer = v.params.non_empty("peer").unwrap_or("").to_owned();
    let topic = v.params.lenient("top").filter(|t| *t > 0);
    let back = chat_href(&peer, topic, v.params.non_empty("n"));
    form_from_this_browser!(v, &back);
    // A forward (the `forward` page's form) names its message; its chat is chosen there.
    let forward = v.params.non_empty("fwd_from").is_some() && v.params.non_empty("id").is_some();
    if peer.is_empty() {
        let r = message_page(
            &v.settings,
            StatusCode::OK,
            "Not sent",
            "Choose the chat to send it to, then press the button again.",
            "./",
        );
        return v.respond(r).await;
    }
    // A browser sends an empty file part when no file was chosen: then it is a text message.
    let file = v.params.file().filter(|f| !f.data.is_empty()).cloned();
    let has_text = v
        .params
        .non_empty("text")
        .is_some_and(|t| !t.trim().is_empty());
    if file.is_none() && !has_text && !forward {
        return v.redirect(&back);
    }
    let method = if file.is_some() {
        "sendMedia"
    } else {
        "sendMessage"
    };
    // Only what the send methods should read from a page's form.
    let fields = [
        "peer",
        "text",
        "reply",
        "top",
        "r",
        "uncompressed",
        "fwd_from",
        "id",
    ]
    .iter()
    .filter_map(|k| Some(((*k).to_owned(), v.params.non_empty(k)?.to_owned())))
    .collect();
    let params = Params::assemble("", fields, file, None);
    let done = v.api_with(method, device, &params).await;
    back_or_failed(v, done, &back).await
}

/// `read` (POST): the API's `readMessages`, then the chat.
pub(super) async fn read(v: Visit) -> Response<Body> {
    paired!(v);
    let peer = v.params.non_empty("peer").unwrap_or("").to_owned();
    let thread = v.params.lenient("thread").filter(|t| *t > 0);
    let back = chat_href(&peer, thread, v.params.non_empty("n"));
    form_from_this_browser!(v, &back);
    let max = v.params.lenient("max").unwrap_or(0).to_string();
    let mut args = vec![("peer", peer), ("max", max)];
    if let Some(t) = thread {
        args.push(("thread", t.to_string()));
    }
    let done = v.api("readMessages", &args).await;
    back_or_failed(v, done, &back).await
}

/// How long a page waits for a bot to answer a pressed button (the API's default is 0.5 s, for
/// phones that show the answer later; a page shows it at once).
const BOT_ANSWER_WAIT: &str = "5";

/// `press` (POST): the API's `sendBotCallback` for the pressed button of a message's keyboard;
/// then the bot's answer above the chat, or the link page when the bot answers with a link.
pub(super) async fn press(v: Visit) -> Response<Body> {
    paired!(v);
    let peer = v.params.non_empty("peer").unwrap_or("").to_owned();
    let back = format!("chat?p={}", q(&peer));
    form_from_this_browser!(v, &back);
    let pressed = v
        .params
        .names()
        .find_map(|n| n.strip_prefix('b')?.parse::<u32>().ok());
    let Some(data) = pressed.and_then(|n| v.params.non_empty(&format!("d{n}"))) else {
        return v.redirect(&back);
    };
    let args = [
        ("peer", peer.clone()),
        ("id", v.params.lenient("id").unwrap_or(0).to_string()),
        ("data", data.to_owned()),
        ("timeout", BOT_ANSWER_WAIT.to_owned()),
    ];
    let r = match v.api("sendBotCallback", &args).await {
        Ok(answer) => match (s(&answer, "url"), s(&answer, "message")) {
            (Some(url), _) => return v.redirect(&link_href(url)),
            // Said on a page of its own, never through the address (a link could fake it).
            (None, Some(said)) if !said.is_empty() => {
                message_page(&v.settings, StatusCode::OK, "The bot says", said, &back)
            }
            _ => return v.redirect(&back),
        },
        Err(ApiError::Telegram(rpc)) if rpc.name == "BOT_RESPONSE_TIMEOUT" => no_answer(&v, &back),
        Err(ApiError::NoBotAnswer(_)) => no_answer(&v, &back),
        Err(e) => failed(&v, &e, &back),
    };
    v.respond(r).await
}

/// The press reached the bot, which did not answer in time.
fn no_answer(v: &Visit, back: &str) -> Response<Body> {
    message_page(
        &v.settings,
        StatusCode::OK,
        "No answer",
        "The bot has not answered yet. It may still change its message: open the chat again in a moment.",
        back,
    )
}

/// `vote` (POST): the API's `sendVote` with the chosen options (`o`, or `o0`, `o1`… for a
/// poll of several answers), or with none when `retract` is set; then the chat.
pub(super) async fn vote(v: Visit) -> Response<Body> {
    paired!(v);
    let peer = v.params.non_empty("peer").unwrap_or("").to_owned();
    let back = format!("chat?p={}", q(&peer));
    form_from_this_browser!(v, &back);
    let mut chosen: Vec<(u32, &str)> = v
        .params
        .names()
        .filter_map(|n| {
            let rest = n.strip_prefix('o')?;
            let index = if rest.is_empty() {
                0
            } else {
                rest.parse().ok()?
            };
            Some((index, v.params.non_empty(n)?))
        })
        .collect();
    chosen.sort_unstable();
    if chosen.is_empty() && !v.params.flag("retract") {
        // Vote pressed with nothing chosen: the chat again, nothing sent.
        return v.redirect(&back);
    }
    let options = chosen.iter().map(|(_, d)| *d).collect::<Vec<_>>().join(",");
    let args = [
        ("peer", peer.clone()),
        ("id", v.params.lenient("id").unwrap_or(0).to_string()),
        ("options", options),
    ];
    let done = v.api("sendVote", &args).await;
    back_or_failed(v, done, &back).await
}

/// A changing form without this device's value (an old page, or another site's form).
fn stale(v: &Visit, back: &str) -> Response<Body> {
    message_page(
        &v.settings,
        StatusCode::FORBIDDEN,
        "Not sent",
        "This page was out of date, so nothing was sent. Open the chat again and retry.",
        back,
    )
}

// ---- search, contacts, info ------------------------------------------------------------------

/// `search?q=` (chats and people, one `searchChats`), or `search?p=PEER` (a form that searches
/// the chat's messages on the chat page).
pub(super) async fn search(v: Visit) -> Response<Body> {
    paired!(v);
    if let Some(peer) = v.params.non_empty("p").map(str::to_owned) {
        let body = html! {
            p { a href=(format!("chat?p={}", q(&peer))) { "Back to the chat" } }
            form action="chat" method="get" {
                p {
                    "Search in this chat:" br;
                    input type="hidden" name="p" value=(peer);
                    input type="text" name="q" size="14";
                    " " input type="submit" value="Search";
                }
            }
        };
        let r = v.page("Search", &body);
        return v.respond(r).await;
    }
    let text = v.params.non_empty("q").map(str::to_owned);
    let found = match &text {
        Some(t) => match v.api("searchChats", &[("q", t.clone())]).await {
            Ok(a) => Some(a),
            Err(e) => {
                let r = failed(&v, &e, "search");
                return v.respond(r).await;
            }
        },
        None => None,
    };
    let body = html! {
        (nav())
        form action="search" method="get" {
            p {
                "Chats and people:" br;
                input type="text" name="q" size="14" value=(text.clone().unwrap_or_default());
                " " input type="submit" value="Search";
            }
        }
        @if let Some(a) = &found {
            @let list = arr(a, "res");
            @if list.is_empty() { p { "Nothing found." } }
            @for o in list.iter().filter_map(Value::as_object) {
                (peer_line(o))
            }
        }
    };
    let r = v.page("Search", &body);
    v.respond(r).await
}

/// A user or chat as a line that opens its chat.
fn peer_line(o: &Object) -> Markup {
    let id = s(o, "id").unwrap_or("0");
    html! {
        p {
            a href=(format!("chat?p={}", q(id))) { (display_name(o)) }
            @if let Some(n) = s(o, "name") { " " small { "@" (n) } }
            @if flag(o, "b") { " " small { "bot" } }
            @if flag(o, "c") { " " small { "channel" } }
        }
    }
}

/// `contacts`: the contact list (one `getContacts`).
pub(super) async fn contacts(v: Visit) -> Response<Body> {
    paired!(v);
    let answer = match v.api("getContacts", &[]).await {
        Ok(a) => a,
        Err(e) => {
            let r = failed(&v, &e, "./");
            return v.respond(r).await;
        }
    };
    let list = arr(&answer, "res");
    let body = html! {
        (nav())
        p { b { "Contacts" } }
        @if list.is_empty() { p { "No contacts." } }
        @for o in list.iter().filter_map(Value::as_object) { (peer_line(o)) }
    };
    let r = v.page("Contacts", &body);
    v.respond(r).await
}

/// `info?p=PEER`: who or what a chat is (`getPeer` and `getPeerInfo`, as the app's info screen).
pub(super) async fn info(v: Visit) -> Response<Body> {
    paired!(v);
    let Some(peer) = v.params.non_empty("p").map(str::to_owned) else {
        return v.redirect("");
    };
    let args = [("id", peer.clone())];
    let (base, more) = tokio::join!(v.api("getPeer", &args), v.api("getPeerInfo", &args));
    let base = match base {
        Ok(b) => b,
        Err(e) => {
            let r = failed(&v, &e, "./");
            return v.respond(r).await;
        }
    };
    let more = more.unwrap_or_default();
    let id = s(&base, "id").unwrap_or(&peer).to_owned();
    let name = display_name(&base);
    let t = now();
    let last_seen = obj(&more, "status").and_then(|st| match s(st, "_") {
        Some("userStatusOnline") => Some("online".to_owned()),
        Some("userStatusOffline") => int(st, "was_online")
            .map(|w| format!("last seen {}", when(w, t, v.settings.tz_minutes))),
        Some("userStatusRecently") => Some("last seen recently".to_owned()),
        _ => None,
    });
    let body = html! {
        p { a href=(format!("chat?p={}", q(&id))) { "Back to the chat" } }
        @if v.settings.pictures && flag(&base, "p") {
            p { img src=(format!("ava.php?c={}&p=r96", q(&id))) alt="" width="96" height="96"; }
        }
        p { b { (name) } }
        @if let Some(u) = s(&more, "username").or(s(&base, "name")) { p { "@" (u) } }
        @if let Some(ls) = last_seen { p { small { (ls) } } }
        @if let Some(phone) = s(&more, "phone") { p { "Phone: +" (phone) } }
        @if let Some(n) = int(&more, "count") { p { (n) " members" } }
        @if flag(&more, "bot") { p { small { "Bot" } } }
        @if let Some(about) = s(&more, "about") { p { (text_html(about, &[])) } }
    };
    let r = v.page(&name, &body);
    v.respond(r).await
}

// ---- settings and links ----------------------------------------------------------------------

/// `settings`: per-browser settings (a cookie), and "stop using this browser".
pub(super) async fn settings(mut v: Visit) -> Response<Body> {
    paired!(v);
    if v.post {
        form_from_this_browser!(v, "settings");
        let p = &v.params;
        let mut st = v.settings;
        if let Some(n) = p.lenient("n").filter(|n| (5..=50).contains(n)) {
            st.per_page = n as u8;
        }
        st.newest_first = p.get("o") == Some("1");
        st.pictures = p.get("i") == Some("1");
        if let Some(sz) = p.lenient("s").filter(|s| (0..=2).contains(s)) {
            st.text_size = sz as u8;
        }
        st.dark = p.get("t") == Some("1");
        if let Some(z) = p.lenient("z").filter(|z| (-720..=840).contains(z)) {
            st.tz_minutes = z as i32;
        }
        if let Some(r) = p.lenient("r").filter(|r| [0, 15, 30, 60, 120].contains(r)) {
            st.refresh_secs = r as u16;
        }
        v.settings = st;
        v.save_settings();
        let r = v.redirect("settings");
        return v.respond(r).await;
    }
    let st = v.settings;
    let k = v.csrf();
    let zones = (-12..=14i32).flat_map(|h| {
        let mut z = vec![h * 60];
        if matches!(h, 3 | 4 | 5 | 6 | 9 | -3) {
            z.push(h * 60 + h.signum() * 30);
        }
        if h == 5 {
            z.push(345);
        }
        z
    });
    let body = html! {
        (nav())
        p { b { "Settings" } " " small { "(for this browser)" } }
        form action="settings" method="post" {
            p {
                input type="hidden" name="k" value=(k);
                "Messages per page: "
                select name="n" {
                    @for n in [5u8, 10, 20, 30, 50] {
                        option value=(n) selected[st.per_page == n] { (n) }
                    }
                }
                br;
                "Newest messages: "
                select name="o" {
                    option value="1" selected[st.newest_first] { "at the top" }
                    option value="0" selected[!st.newest_first] { "at the bottom" }
                }
                br;
                "Pictures: "
                select name="i" {
                    option value="1" selected[st.pictures] { "show" }
                    option value="0" selected[!st.pictures] { "links only (slow connection)" }
                }
                br;
                "Text size: "
                select name="s" {
                    option value="0" selected[st.text_size == 0] { "small" }
                    option value="1" selected[st.text_size == 1] { "normal" }
                    option value="2" selected[st.text_size == 2] { "large" }
                }
                br;
                "Colours: "
                select name="t" {
                    option value="0" selected[!st.dark] { "light" }
                    option value="1" selected[st.dark] { "dark" }
                }
                br;
                "Time zone: "
                select name="z" {
                    @for z in zones {
                        option value=(z) selected[st.tz_minutes == z] {
                            "UTC" @if z >= 0 { "+" } @else { "-" }
                            (format!("{}:{:02}", z.abs() / 60, z.abs() % 60))
                        }
                    }
                }
                br;
                "Reload an open chat: "
                select name="r" {
                    @for r in [0u16, 15, 30, 60, 120] {
                        option value=(r) selected[st.refresh_secs == r] {
                            @if r == 0 { "never" } @else { "every " (r) " s" }
                        }
                    }
                }
                br;
                input type="submit" value="Save";
            }
        }
        form action="logout" method="post" {
            p {
                input type="hidden" name="k" value=(k);
                input type="submit" value="Unpair this browser";
            }
        }
    };
    let r = v.page("Settings", &body);
    v.respond(r).await
}

/// `link?u=URL`: a link from a message leads outside Telegram; say where before going.
pub(super) async fn link(v: Visit) -> Response<Body> {
    paired!(v);
    let url = v.params.get("u").unwrap_or("").to_owned();
    let lower = url.to_ascii_lowercase();
    let openable = ["http://", "https://", "ftp://"]
        .iter()
        .any(|p| lower.starts_with(p));
    let target = if openable || url.contains("://") || url.is_empty() {
        url.clone()
    } else {
        format!("http://{url}")
    };
    let openable = openable || !url.contains("://") && !url.is_empty();
    let body = html! {
        p { a href="./" { "Chats" } }
        p { "This link leads outside Telegram:" }
        p { b { (url) } }
        @if openable {
            p { a href=(target) rel="noreferrer" { "Open it" } }
        } @else {
            p { "This kind of link cannot be opened from here." }
        }
    };
    let r = v.page("Link", &body);
    v.respond(r).await
}

// ---- the open chat, live -----------------------------------------------------------------------

/// How long one `poll` waits for a new message before it answers "nothing yet".
const POLL_WAIT: std::time::Duration = std::time::Duration::from_secs(25);

/// What the page's script asks `poll` with: the chat, the update queue's position, the newest
/// message shown.
fn live_query(v: &Visit, peer: &str, newest: i64) -> String {
    let last = v.state.instance().state.updates.last_id();
    format!("p={}&u={last}&m={newest}", q(peer))
}

/// `poll?p=PEER&u=UPDATE&m=MSG` (the script of a chat page): waits on the update queue for a
/// new message in the chat, then answers the new messages as HTML to insert (one getHistory
/// above `m`), or 204 when none came in time. `X-Mpgram-Next` is the next poll's query.
pub(super) async fn poll(v: Visit) -> Response<Body> {
    let status = |code| {
        let mut r = Response::new(Body::empty());
        *r.status_mut() = code;
        r
    };
    if v.device().is_none() {
        return v.respond(status(StatusCode::UNAUTHORIZED)).await;
    }
    let (Some(peer), Some(after)) = (
        v.params.non_empty("p").and_then(|p| p.parse::<i64>().ok()),
        v.params.lenient("u"),
    ) else {
        return status(StatusCode::BAD_REQUEST);
    };
    let newest = v.params.lenient("m").unwrap_or(0).max(0);
    let inst = v.state.instance();
    let me = v.me();
    let after = u32::try_from(after).unwrap_or(0);
    let (last, came) =
        crate::api::methods::wait_for_message(inst.state, me, peer, after, POLL_WAIT).await;
    let peer_s = peer.to_string();
    let mut fragment = String::new();
    let mut top = newest;
    if came {
        let args = [
            ("peer", peer_s.clone()),
            ("min_id", newest.to_string()),
            ("limit", v.settings.per_page.to_string()),
            ("media", "1".to_owned()),
        ];
        if let Ok(answer) = v.api("getHistory", &args).await {
            let k = v.csrf();
            let peers = Peers::of(&answer, me);
            let mut msgs: Vec<&Object> = arr(&answer, "messages")
                .iter()
                .filter_map(Value::as_object)
                .filter(|m| int(m, "id").is_some_and(|id| id > newest))
                .collect();
            top = msgs.first().and_then(|m| int(m, "id")).unwrap_or(newest);
            if !v.settings.newest_first {
                msgs.reverse();
            }
            let query = chat_query(&peer_s, None, None);
            let ctx = Line {
                peers: &peers,
                chat: &peer_s,
                group: Peers::is_group(&peer_s) && !peers.is_channel(&peer_s),
                now: now(),
                tz: v.settings.tz_minutes,
                pictures: v.settings.pictures,
                k: &k,
                query: &query,
            };
            for m in msgs {
                fragment.push_str(&ctx.message(m).into_string());
            }
        }
    }
    let next = format!("p={}&u={last}&m={top}", q(&peer_s));
    let mut r = if fragment.is_empty() {
        status(StatusCode::NO_CONTENT)
    } else {
        let mut r = Response::new(Body::from(fragment));
        r.headers_mut().insert(
            axum::http::header::CONTENT_TYPE,
            axum::http::HeaderValue::from_static("text/html; charset=utf-8"),
        );
        r
    };
    let h = r.headers_mut();
    h.insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-store"),
    );
    if let Ok(n) = axum::http::HeaderValue::from_str(&next) {
        h.insert("X-Mpgram-Next", n);
    }
    v.respond(r).await
}

/// The chat page's script: ES3 (old engines), no library, ~700 bytes; asks `poll` again and
/// again and puts what comes at the `live` mark. Errors wait 15 s; no script, no harm.
const LIVE_SCRIPT: &str = r"(function(){var d=document,l=d.getElementById('live');
if(!l||!window.XMLHttpRequest)return;var q=l.title,top=l.className=='top';
function go(){var x=new XMLHttpRequest();x.open('GET','poll?'+q,true);
x.onreadystatechange=function(){if(x.readyState!=4)return;var n=x.getResponseHeader('X-Mpgram-Next');
if(x.status==200||x.status==204){if(n)q=n;if(x.status==200&&x.responseText){var e=d.createElement('div');
e.innerHTML=x.responseText;l.parentNode.insertBefore(e,top?l.nextSibling:l);}setTimeout(go,300);}
else setTimeout(go,15000);};x.send(null);}setTimeout(go,500);})();
";

/// `r.js`: the script above, cached a day.
pub(super) async fn script() -> Response<Body> {
    let mut r = Response::new(Body::from(LIVE_SCRIPT));
    let h = r.headers_mut();
    h.insert(
        axum::http::header::CONTENT_TYPE,
        axum::http::HeaderValue::from_static("text/javascript; charset=utf-8"),
    );
    h.insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("max-age=86400"),
    );
    r
}
