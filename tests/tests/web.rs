//! The browser client end to end over a real socket: a cookie-keeping HTTP client plays the
//! browser against the server as `mpgram demo` wires it (production pairing, fakegram's demo
//! world behind real grammers). What a person sees is read from the HTML; what reached
//! Telegram from fakegram's call log.

// A failed unwrap is a failed test here, with the panic message pointing at the line.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::time::Duration;

use fakegram::Peer;
use mpgram::server::ServerConfig;
use mpgram_tests::{serve_demo, DemoServer};

const ECHO_BOT: &str = "100000100";
const WEATHER_BOT: &str = "100000101";
const FAMILY: &str = "-500001";
const ALEX: i64 = 100_000_003;
const FIREFOX: &str = "Mozilla/5.0 (X11; Linux x86_64; rv:115.0) Gecko/20100101 Firefox/115.0";

/// A browser: follows redirects, keeps cookies (as the server scopes them), says who it is.
struct Browser {
    http: reqwest::Client,
    base: String,
    cookies: BTreeMap<String, String>,
}

struct Page {
    status: u16,
    /// The path the browser ended on (after redirects).
    url: String,
    body: String,
    set_cookies: Vec<String>,
}

impl Browser {
    fn new(base: &str) -> Self {
        Self {
            http: reqwest::Client::builder()
                .no_proxy()
                .redirect(reqwest::redirect::Policy::none())
                .user_agent(FIREFOX)
                .build()
                .unwrap(),
            base: base.to_owned(),
            cookies: BTreeMap::new(),
        }
    }

    async fn get(&mut self, path: &str) -> Page {
        let url = format!("{}{path}", self.base);
        self.go(self.http.get(&url), url).await
    }

    async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Page {
        let url = format!("{}{path}", self.base);
        self.go(self.http.post(&url).form(form), url).await
    }

    async fn go(&mut self, mut req: reqwest::RequestBuilder, mut url: String) -> Page {
        let mut set_cookies = Vec::new();
        for _ in 0..5 {
            if !self.cookies.is_empty() {
                let jar: Vec<String> = self
                    .cookies
                    .iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect();
                req = req.header("Cookie", jar.join("; "));
            }
            let r = req.send().await.unwrap();
            for c in r.headers().get_all("set-cookie") {
                let c = c.to_str().unwrap().to_owned();
                let (pair, attrs) = c.split_once(';').unwrap_or((&c, ""));
                let (k, v) = pair.split_once('=').unwrap();
                if v.is_empty() || attrs.contains("1970") {
                    self.cookies.remove(k);
                } else {
                    self.cookies.insert(k.to_owned(), v.to_owned());
                }
                set_cookies.push(c);
            }
            let status = r.status().as_u16();
            if status == 302 || status == 303 {
                url = r.headers()["location"].to_str().unwrap().to_owned();
                req = self.http.get(&url);
                continue;
            }
            let body = r.text().await.unwrap();
            return Page {
                status,
                url,
                body,
                set_cookies,
            };
        }
        panic!("too many redirects at {url}");
    }

    /// The current CSRF value of a form on `path`.
    async fn form_value(&mut self, path: &str) -> String {
        let page = self.get(path).await;
        let at = page
            .body
            .find("name=\"k\" value=\"")
            .expect("a form with k");
        page.body[at + 16..at + 32].to_owned()
    }
}

/// What a browser sends when `submit` (a CSS selector) of the form `form` on the page is
/// pressed: the form's hidden fields, the checked boxes and radios named in `check` (by their
/// label's text), and the pressed submit's own name and value.
fn submit(
    html: &str,
    form: &str,
    check: &[&str],
    submit: Option<&str>,
) -> (String, Vec<(String, String)>) {
    let doc = dom_query::Document::from(html);
    let f = doc.select(form);
    assert!(f.exists(), "no {form} on the page:\n{html}");
    let action = f.attr("action").unwrap().to_string();
    let mut fields = Vec::new();
    for input in &f.select("input") {
        let (Some(name), Some(value)) = (input.attr("name"), input.attr("value")) else {
            continue;
        };
        let kind = input
            .attr("type")
            .map(|t| t.to_string())
            .unwrap_or_default();
        // A box inside its label, or one named by a label's `for`.
        let label = match input.attr("id") {
            Some(id) => f
                .select(&format!("label[for=\"{id}\"]"))
                .text()
                .trim()
                .to_owned(),
            None => input.parent().text().trim().to_owned(),
        };
        let send = match kind.as_str() {
            "hidden" => true,
            "radio" | "checkbox" => check.contains(&label.as_str()),
            _ => false,
        };
        if send {
            fields.push((name.to_string(), value.to_string()));
        }
    }
    if let Some(css) = submit {
        let b = f.select(css);
        assert!(b.exists(), "no {css} in {form}");
        fields.push((
            b.attr("name").unwrap().to_string(),
            b.attr("value").unwrap().to_string(),
        ));
    }
    (action, fields)
}

impl Browser {
    /// Presses the button `label` of the bot's keyboard on the chat page `chat`.
    async fn press(&mut self, chat: &str, label: &str) -> Page {
        let page = self.get(chat).await;
        let button = format!("input[value={label}]");
        let form = submit(&page.body, "form[action=press]", &[], Some(&button));
        self.send_form(form).await
    }

    async fn send_form(&mut self, (action, fields): (String, Vec<(String, String)>)) -> Page {
        let form: Vec<(&str, &str)> = fields
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        self.post(&action, &form).await
    }
}

/// The chats a chat list links to (a forum links to its topics).
fn chat_links(body: &str) -> usize {
    body.matches("<a href=\"chat?p=").count() + body.matches("<a href=\"topics?p=").count()
}

/// The demo world's server with pairing open on the PC, as when the window shows the code.
async fn start() -> (DemoServer, String) {
    let d = serve_demo(ServerConfig::default(), 0).await;
    d.pairing.open();
    let code = d.pairing.status().user_code.expect("pairing is open");
    (d, code)
}

async fn paired(d: &DemoServer, code: &str) -> Browser {
    let mut b = Browser::new(&d.base);
    let page = b.post("login", &[("code", code)]).await;
    assert!(page.body.contains("Echo Bot"), "{}", page.body);
    b
}

/// Telegram calls made since the last `clear_calls`, without the update loop's own.
fn page_calls(d: &DemoServer) -> Vec<String> {
    d.dc.calls()
        .into_iter()
        .map(|c| c.method)
        .filter(|m| !m.starts_with("updates.") && m != "ping" && !m.starts_with("ping"))
        .collect()
}

#[tokio::test]
async fn a_browser_pairs_with_the_code_shown_on_the_pc_after_a_wrong_one() {
    let (d, code) = start().await;
    let mut b = Browser::new(&d.base);
    let first = b.get("").await;
    assert_eq!(first.status, 200);
    assert!(first
        .body
        .contains("Type the code shown in MPGram Home on your PC"));
    assert!(!first.body.contains("Echo Bot"), "no chats before pairing");

    let wrong = if code == "000000" { "111111" } else { "000000" };
    let refused = b.post("login", &[("code", wrong)]).await;
    assert!(
        refused.body.contains("That code is not right"),
        "{}",
        refused.body
    );
    assert!(d.pairing.devices().is_empty());

    let code = d.pairing.status().user_code.unwrap();
    let chats = b.post("login", &[("code", &code)]).await;
    assert!(chats.body.contains("Alex Kim") && chats.body.contains("Echo Bot"));
    let cookie = chats
        .set_cookies
        .iter()
        .find(|c| c.starts_with("mpw="))
        .expect("the token cookie");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("Path=/;"),
        "{cookie}"
    );
    let devices = d.pairing.devices();
    assert_eq!(devices.len(), 1);
    assert_eq!(
        devices[0].name, "Firefox browser",
        "named after its browser"
    );
    // The cookie keeps it paired: the next visit goes straight to the chats.
    assert!(b.get("").await.body.contains("Echo Bot"));
}

#[tokio::test]
async fn with_ask_before_pairing_the_browser_shows_the_number_until_the_pc_allows() {
    let (d, code) = start().await;
    d.pairing.set_ask_before_pairing(true);
    let mut b = Browser::new(&d.base);
    let waiting = b.post("login", &[("code", &code)]).await;
    let pending = d.pairing.pending();
    assert_eq!(pending.len(), 1, "the PC is asked");
    let number = format!("{:02}", pending[0].number);
    assert!(waiting.body.contains("Allow on the PC"), "{}", waiting.body);
    assert!(waiting.body.contains(&format!("<b>{number}</b>")));
    assert!(
        waiting.body.contains("http-equiv=\"refresh\""),
        "the waiting page looks again by itself"
    );
    // Still waiting: no chats.
    assert!(!b.get("").await.body.contains("Echo Bot"));
    d.pairing.allow(pending[0].id).unwrap();
    let chats = b.get("").await;
    assert!(chats.body.contains("Echo Bot"), "{}", chats.body);
    assert_eq!(d.pairing.devices().len(), 1);

    // Refused on the PC: the browser says so in words.
    let code = d.pairing.status().user_code.unwrap();
    let mut other = Browser::new(&d.base);
    other.post("login", &[("code", &code)]).await;
    let id = d.pairing.pending()[0].id;
    d.pairing.deny(id).unwrap();
    let refused = other.get("").await;
    assert!(refused.body.contains("Pairing was refused on the PC."));
}

#[tokio::test]
async fn the_import_code_pairs_a_browser_too() {
    let (d, _) = start().await;
    let code = d.pairing.create_import_code().code;
    let mut b = Browser::new(&d.base);
    let page = b.get(&format!("login?code={code}&to=contacts")).await;
    assert!(page.url.ends_with("/contacts"), "{}", page.url);
    assert!(page.body.contains("Contacts") && page.body.contains("Alex Kim"));
}

#[tokio::test]
async fn revoke_on_the_pc_ends_the_browser_at_its_next_page() {
    let (d, code) = start().await;
    let mut b = paired(&d, &code).await;
    let id = d.pairing.devices()[0].id;
    d.pairing.revoke(id).unwrap();
    let page = b.get(&format!("chat?p={ECHO_BOT}")).await;
    assert!(page
        .body
        .contains("Type the code shown in MPGram Home on your PC"));
    assert!(
        !b.cookies.contains_key("mpw"),
        "the stale token cookie is cleared"
    );
}

#[tokio::test]
async fn a_message_sent_from_the_browser_reaches_the_bot_and_its_answer_shows_after_a_refresh() {
    let (d, code) = start().await;
    let mut b = paired(&d, &code).await;
    let k = b.form_value(&format!("chat?p={ECHO_BOT}")).await;
    let form = [
        ("peer", ECHO_BOT),
        ("k", &k),
        ("r", "0123456789abcdef"),
        ("text", "Hello from a browser"),
    ];
    let after = b.post("send", &form).await;
    assert!(after.url.contains(&format!("chat?p={ECHO_BOT}")));
    assert!(after.body.contains("Hello from a browser"));
    let mut answered = false;
    for _ in 0..50 {
        if b.get(&format!("chat?p={ECHO_BOT}"))
            .await
            .body
            .contains("You said: Hello from a browser")
        {
            answered = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(answered, "the echo bot's answer shows after a refresh");
    // The same form sent again (Back, then Send) is not a second message.
    b.post("send", &form).await;
    assert_eq!(d.dc.count("messages.sendMessage"), 1);
}

#[tokio::test]
async fn a_form_without_this_devices_value_changes_nothing() {
    let (d, code) = start().await;
    let mut b = paired(&d, &code).await;
    let page = b
        .post(
            "send",
            &[
                ("peer", ECHO_BOT),
                ("k", "0000000000000000"),
                ("text", "forged"),
            ],
        )
        .await;
    assert_eq!(page.status, 403);
    assert!(page.body.contains("nothing was sent"));
    assert_eq!(d.dc.count("messages.sendMessage"), 0);
    // Nor does a GET (links and images cannot send).
    let page = b.get(&format!("send?peer={ECHO_BOT}&text=forged")).await;
    assert_eq!(page.status, 403);
    assert_eq!(d.dc.count("messages.sendMessage"), 0);
}

#[tokio::test]
async fn markup_in_a_message_shows_as_text() {
    let (d, code) = start().await;
    let mut b = paired(&d, &code).await;
    let evil = "<script>alert(1)</script><img src=x onerror=alert(1)>";
    d.dc.push_incoming(Peer::User(ALEX), ALEX, evil);
    let page = b.get(&format!("chat?p={ALEX}")).await;
    assert!(page
        .body
        .contains("&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;"));
    // The one script is the page's own (r.js, the live chat); nothing of the message's.
    assert_eq!(page.body.matches("<script").count(), 1);
    assert!(page
        .body
        .contains("<script type=\"text/javascript\" src=\"r.js\"></script>"));
    assert!(!page.body.contains("<script>") && !page.body.contains("<img src=x"));
    // The chat list's preview too.
    let list = b.get("").await;
    assert!(!list.body.contains("<script") && list.body.contains("&lt;script&gt;"));
}

#[tokio::test]
async fn pages_are_small_and_cost_the_calls_of_the_api_method_that_serves_them() {
    let (d, code) = start().await;
    let mut b = paired(&d, &code).await;
    for i in 0..25 {
        d.dc.push_incoming(
            Peer::User(ALEX),
            ALEX,
            &format!("Message number {i} about the meetup on Friday, bring the old phones"),
        );
    }
    d.dc.clear_calls();
    let chat = b.get(&format!("chat?p={ALEX}")).await;
    assert_eq!(chat.body.matches("Message number").count(), 20);
    assert!(
        chat.body.len() <= 12 * 1024,
        "chat page {} bytes",
        chat.body.len()
    );
    assert_eq!(page_calls(&d), ["messages.getHistory"], "one getHistory");

    d.dc.clear_calls();
    let list = b.get("").await;
    assert_eq!(chat_links(&list.body), 20);
    assert!(
        list.body.len() <= 10 * 1024,
        "chat list {} bytes",
        list.body.len()
    );
    assert_eq!(page_calls(&d), ["messages.getDialogs"]);
}

#[tokio::test]
async fn pictures_come_from_file_php_with_the_browsers_cookie_and_are_cached() {
    let (d, code) = start().await;
    let mut b = paired(&d, &code).await;
    // The demo world's photos: find a chat page with an image.
    let list = b.get("").await;
    let mut img = None;
    for id in list
        .body
        .split("chat?p=")
        .skip(1)
        .map(|s| s.split('"').next().unwrap().to_owned())
    {
        let page = b.get(&format!("chat?p={id}")).await;
        if let Some(at) = page.body.find("<img src=\"file.php?") {
            let src = &page.body[at + 10..];
            img = Some(src[..src.find('"').unwrap()].replace("&amp;", "&"));
            break;
        }
    }
    let src = img.expect("a photo somewhere in the demo world");
    let jar: Vec<String> = b.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let r = b
        .http
        .get(format!("{}{src}", d.base))
        .header("Cookie", jar.join("; "))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "image/jpeg");
    assert!(r.headers().contains_key("cache-control"));
    let tag = r.headers()["etag"].clone();
    let bytes = r.bytes().await.unwrap();
    let pic = image::load_from_memory(&bytes).unwrap();
    assert!(
        pic.width() <= 120 && pic.height() <= 120,
        "a small thumbnail"
    );
    // Asked again with its tag: 304, no bytes over the link.
    let again = b
        .http
        .get(format!("{}{src}", d.base))
        .header("Cookie", jar.join("; "))
        .header("If-None-Match", tag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);
    assert!(again.bytes().await.unwrap().is_empty());
    // Without the cookie: nothing.
    let r = b.http.get(format!("{}{src}", d.base)).send().await.unwrap();
    assert_eq!(r.status(), 401);
}

#[tokio::test]
async fn settings_are_kept_per_browser() {
    let (d, code) = start().await;
    let mut b = paired(&d, &code).await;
    let k = b.form_value("settings").await;
    b.post(
        "settings",
        &[
            ("k", &k),
            ("n", "5"),
            ("o", "0"),
            ("i", "0"),
            ("s", "2"),
            ("t", "1"),
            ("z", "180"),
            ("r", "30"),
        ],
    )
    .await;
    let list = b.get("").await;
    assert_eq!(chat_links(&list.body), 5, "5 per page");
    assert!(list.body.contains("font-size:large") && list.body.contains("background:#111"));
    let chat = b.get(&format!("chat?p={ECHO_BOT}")).await;
    assert!(chat.body.contains("content=\"30\""), "the chosen reload");
    // Newest at the bottom: the oldest message comes first in the page.
    let hi = chat.body.find("Hi! Send me anything").unwrap();
    let form = chat.body.find("action=\"send\"").unwrap();
    assert!(hi < form, "the form is under the newest message");
    // Another browser keeps its own.
    let code = d.pairing.status().user_code.unwrap();
    let mut other = paired(&d, &code).await;
    let list = other.get("").await;
    assert_eq!(chat_links(&list.body), 20);
}

#[tokio::test]
async fn below_a_path_prefix_the_cookie_is_scoped_to_it() {
    let (d, code) = start().await;
    let mut b = Browser::new(&format!("{}mp/", d.base));
    let page = b.post("login", &[("code", &code)]).await;
    assert!(page.url.ends_with("/mp/"), "{}", page.url);
    assert!(page.body.contains("Echo Bot"));
    assert!(page.set_cookies.iter().any(|c| c.contains("Path=/mp/;")));
    // Every page is there below the prefix, and its forms come back below it.
    let topics = b.get("topics?p=-1001500000001").await;
    assert_eq!(topics.status, 200);
    assert!(topics.body.contains("Repairs"), "{}", topics.body);
    let chat = b.get(&format!("chat?p={FAMILY}")).await;
    let form = submit(&chat.body, "form[action=vote]", &["18:00"], None);
    let after = b.send_form(form).await;
    assert!(
        after.url.ends_with(&format!("/mp/chat?p={FAMILY}")),
        "{}",
        after.url
    );
    assert!(after.body.contains("✓ 18:00"));
}

#[tokio::test]
async fn the_qr_codes_page_pairs_a_browser_in_one_tap() {
    let (d, code) = start().await;
    let mut b = Browser::new(&d.base);
    let landing = b.get(&format!("pair?c={code}")).await;
    let link = format!("<a href=\"login?code={code}\">Use Telegram in this browser</a>");
    assert!(landing.body.contains(&link), "{}", landing.body);
    let chats = b.get(&format!("login?code={code}")).await;
    assert!(chats.body.contains("Echo Bot"));
    assert_eq!(d.pairing.devices().len(), 1);
}

#[tokio::test]
async fn pages_are_gzipped_for_browsers_that_take_it() {
    use std::io::Read as _;
    let (d, code) = start().await;
    let mut b = paired(&d, &code).await;
    let plain = b.get("").await.body;
    let jar: Vec<String> = b.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let r = b
        .http
        .get(&d.base)
        .header("Cookie", jar.join("; "))
        .header("Accept-Encoding", "gzip, deflate")
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["content-encoding"], "gzip");
    let packed = r.bytes().await.unwrap();
    assert!(
        packed.len() * 2 < plain.len(),
        "{} of {}",
        packed.len(),
        plain.len()
    );
    let mut html = String::new();
    flate2::read::GzDecoder::new(&packed[..])
        .read_to_string(&mut html)
        .unwrap();
    // The same page (the dates may tick, so compare its chats).
    assert_eq!(
        html.matches("<a href=\"chat?p=").count(),
        plain.matches("<a href=\"chat?p=").count()
    );
}

#[tokio::test]
async fn where_scripts_run_a_new_message_arrives_without_reloading_the_chat() {
    let (d, code) = start().await;
    let mut b = paired(&d, &code).await;
    let page = b.get(&format!("chat?p={ALEX}")).await;
    assert!(page
        .body
        .contains("<script type=\"text/javascript\" src=\"r.js\"></script>"));
    assert!(
        page.body.contains("href=\"chat?p=100000003\">Refresh</a>"),
        "the Refresh link stays"
    );
    let at = page.body.find("id=\"live\"").expect("the live mark");
    let title = &page.body[at..];
    let title = &title[title.find("title=\"").unwrap() + 7..];
    let query = title[..title.find('"').unwrap()].replace("&amp;", "&");
    let script = b.get("r.js").await;
    assert!(script.body.contains("XMLHttpRequest") && script.body.contains("poll?"));

    // A message from someone else's chat does not wake it; one in this chat does.
    d.dc.clear_calls();
    let jar: Vec<String> = b.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let asked = b
        .http
        .get(format!("{}poll?{query}", d.base))
        .header("Cookie", jar.join("; "))
        .send();
    let poll = tokio::spawn(asked);
    tokio::time::sleep(Duration::from_millis(300)).await;
    d.dc.push_incoming(Peer::User(100_000_002), 100_000_002, "Mum's news");
    tokio::time::sleep(Duration::from_millis(300)).await;
    d.dc.push_incoming(Peer::User(ALEX), ALEX, "Live from Alex");
    let r = poll.await.unwrap().unwrap();
    assert_eq!(r.status(), 200);
    let next = r.headers()["x-mpgram-next"].to_str().unwrap().to_owned();
    let fragment = r.text().await.unwrap();
    assert!(fragment.contains("Live from Alex"), "{fragment}");
    assert!(!fragment.contains("Mum's news") && !fragment.contains("<html"));
    assert_ne!(next, query, "the next poll starts after what came");
    assert_eq!(page_calls(&d), ["messages.getHistory"]);
    // Without a pairing, nothing.
    let r = b
        .http
        .get(format!("{}poll?{query}", d.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
}

#[tokio::test]
async fn a_bots_buttons_are_pressed_from_the_page_and_its_answer_shows() {
    let (d, code) = start().await;
    let mut b = paired(&d, &code).await;
    let chat = format!("chat?p={WEATHER_BOT}");
    let page = b.get(&chat).await;
    assert!(page.body.contains("18°C"), "{}", page.body);
    // The link button stays a link (through the page that shows where it leads).
    assert!(page.body.contains("Open forecast"));

    // "Refresh": the bot answers in a few words and edits its forecast.
    let answer = b.press(&chat, "Refresh").await;
    assert_eq!(answer.status, 200);
    assert!(answer.body.contains("The bot says"), "{}", answer.body);
    assert!(answer.body.contains("Updated just now"));
    let press = d.dc.world().activity.callbacks.last().cloned().unwrap();
    assert_eq!(press.data, b"refresh");
    assert!(b.get(&chat).await.body.contains("19°C"));

    // "Alerts": binary data whose base64 has a `+`, which a form sends escaped.
    let answer = b.press(&chat, "Alerts").await;
    assert!(answer.body.contains("No weather alerts for your area"));
    let press = d.dc.world().activity.callbacks.last().cloned().unwrap();
    assert_eq!(press.data, vec![0xfb, 0xf0, b'!']);

    // "Week": the bot answers with a link, shown before leaving.
    let answer = b.press(&chat, "Week").await;
    assert!(answer.url.contains("link?u="), "{}", answer.url);
    assert!(answer.body.contains("https://example.org/weather/week"));
    assert_eq!(d.dc.count("messages.getBotCallbackAnswer"), 3);

    // Another site's form presses nothing.
    let page = b.get(&chat).await;
    let (action, mut fields) = submit(
        &page.body,
        "form[action=press]",
        &[],
        Some("input[value=Refresh]"),
    );
    for (k, v) in &mut fields {
        if k == "k" {
            *v = "0000000000000000".to_owned();
        }
    }
    assert_eq!(b.send_form((action, fields)).await.status, 403);
    assert_eq!(d.dc.count("messages.getBotCallbackAnswer"), 3);
}

#[tokio::test]
async fn a_poll_is_answered_from_the_page_and_the_vote_taken_back() {
    let (d, code) = start().await;
    let mut b = paired(&d, &code).await;
    let chat = format!("chat?p={FAMILY}");
    let page = b.get(&chat).await;
    assert!(page.body.contains("What time?"));
    // Not answered yet: the options to choose, no results (as Telegram shows it).
    assert_eq!(
        dom_query::Document::from(page.body.as_str())
            .select("form[action=vote] input[type=radio]")
            .length(),
        3
    );
    assert!(!page.body.contains("Retract vote"));

    // "Vote" with nothing chosen sends nothing.
    let form = submit(&page.body, "form[action=vote]", &[], None);
    b.send_form(form).await;
    assert_eq!(d.dc.count("messages.sendVote"), 0);

    let form = submit(&page.body, "form[action=vote]", &["15:00"], None);
    let after = b.send_form(form).await;
    assert!(after.url.contains(&chat), "{}", after.url);
    assert_eq!(d.dc.count("messages.sendVote"), 1);
    // Answered: the results, our choice marked, and a way to take it back.
    assert!(after.body.contains("✓ 15:00"), "{}", after.body);
    assert!(after.body.contains("Retract vote"));
    assert!(!after.body.contains("type=\"radio\""));

    let form = submit(&after.body, "form[action=vote]", &[], None);
    let again = b.send_form(form).await;
    assert_eq!(d.dc.count("messages.sendVote"), 2);
    assert!(again.body.contains("type=\"radio\""), "{}", again.body);
    assert!(!again.body.contains("✓"));
}

#[tokio::test]
async fn our_own_message_is_changed_then_deleted_for_everyone() {
    let (d, code) = start().await;
    let mut b = paired(&d, &code).await;
    let chat = format!("chat?p={ALEX}");
    let page = b.get(&chat).await;
    // Only our own messages offer "Edit": Alex's question does not.
    let doc = dom_query::Document::from(page.body.as_str());
    let edits = doc.select("a[href^=message]");
    assert!(edits.exists(), "{}", page.body);
    let mine = "Yes! 10am at the station";
    let link = edits
        .iter()
        .find(|a| a.parent().parent().text().contains(mine))
        .expect("Edit beside our own message")
        .attr("href")
        .unwrap()
        .to_string();
    assert!(!edits
        .iter()
        .any(|a| a.parent().parent().text().contains("Are we still on")));

    let page = b.get(&link).await;
    assert!(page.body.contains(mine), "{}", page.body);
    // An emptied text is not sent (it would be an empty message).
    let (action, mut fields) = submit(&page.body, "form[action=edit]", &[], None);
    fields.push(("text".to_owned(), "  ".to_owned()));
    let refused = b.send_form((action.clone(), fields.clone())).await;
    assert!(refused.body.contains("cannot be empty"), "{}", refused.body);
    assert_eq!(d.dc.count("messages.editMessage"), 0);

    fields.pop();
    fields.push(("text".to_owned(), "Yes! 11am at the station".to_owned()));
    let after = b.send_form((action, fields)).await;
    assert!(after.url.contains(&chat), "{}", after.url);
    assert!(after.body.contains("Yes! 11am at the station"));
    assert!(after.body.contains("edited"));
    assert_eq!(d.dc.count("messages.editMessage"), 1);

    // Another site's form deletes nothing.
    let page = b.get(&link).await;
    let (action, mut fields) = submit(
        &page.body,
        "form[action=delete]",
        &["for everyone in the chat"],
        None,
    );
    let forged: Vec<(String, String)> = fields
        .iter()
        .map(|(k, v)| (k.clone(), if k == "k" { "0".repeat(16) } else { v.clone() }))
        .collect();
    assert_eq!(b.send_form((action.clone(), forged)).await.status, 403);
    assert!(d.dc.world().activity.revoked.is_empty());

    fields.retain(|(k, _)| k != "text");
    let after = b.send_form((action, fields)).await;
    assert!(after.url.contains(&chat), "{}", after.url);
    assert!(
        !after.body.contains("11am at the station"),
        "{}",
        after.body
    );
    let id: i32 = link.rsplit('=').next().unwrap().parse().unwrap();
    assert_eq!(
        d.dc.world().activity.revoked,
        vec![(Peer::User(ALEX), id)],
        "deleted for Alex too"
    );
}

#[tokio::test]
async fn a_forum_opens_on_its_topics_and_a_topic_holds_its_own_messages() {
    let (d, code) = start().await;
    let mut b = paired(&d, &code).await;
    let club = "-1001500000001";
    let list = b.get("").await;
    let topics = format!("topics?p={club}");
    assert!(
        list.body.contains(&format!("href=\"{topics}\"")),
        "{}",
        list.body
    );

    d.dc.clear_calls();
    let page = b.get(&topics).await;
    assert!(page.body.contains("Retro Phone Club"));
    assert!(
        page.body.contains(&format!("href=\"chat?p={club}\"")),
        "all messages"
    );
    // The topics, and the forum's name beside them (asked at the same time).
    let mut calls = page_calls(&d);
    calls.sort();
    assert_eq!(calls, ["channels.getChannels", "messages.getForumTopics"]);
    let doc = dom_query::Document::from(page.body.as_str());
    let link = doc
        .select("a[href*='&t=']")
        .iter()
        .find(|a| a.text().as_ref() == "Repairs")
        .expect("the Repairs topic")
        .attr("href")
        .unwrap()
        .replace("&amp;", "&");

    let topic = b.get(&link).await;
    assert!(
        topic.body.contains("Topic: <b>Repairs</b>"),
        "{}",
        topic.body
    );
    assert!(topic.body.contains("My 6300 needs a new battery"));
    assert!(topic.body.contains("BL-4C fits"));
    assert!(
        !topic.body.contains("meetup on Friday"),
        "another topic's message"
    );

    // Written in the topic, the message goes into it and the page comes back to it.
    let (action, mut fields) = submit(&topic.body, "form[action=send]", &[], None);
    fields.push(("text".to_owned(), "Try the market on Saturday".to_owned()));
    let after = b.send_form((action, fields)).await;
    assert!(after.url.ends_with(&link), "{} is not {link}", after.url);
    assert!(after.body.contains("Try the market on Saturday"));
    let t: i32 = link
        .split("&t=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let w = d.dc.world();
    let sent = w.messages[&Peer::Channel(1_500_000_001)]
        .values()
        .find(|m| m.text == "Try the market on Saturday")
        .expect("the message reached Telegram");
    assert_eq!(sent.top_id, Some(t));
}

#[tokio::test]
async fn a_message_is_forwarded_to_a_chat_chosen_from_the_list() {
    let (d, code) = start().await;
    let mut b = paired(&d, &code).await;
    let chat = b.get(&format!("chat?p={ALEX}")).await;
    let question = "Are we still on for Saturday?";
    let reply = dom_query::Document::from(chat.body.as_str())
        .select("a[href*='reply=']")
        .iter()
        .find(|a| a.parent().parent().text().contains(question))
        .expect("Reply beside Alex's question")
        .attr("href")
        .unwrap()
        .to_string();
    let write = b.get(&reply).await;
    let forward = dom_query::Document::from(write.body.as_str())
        .select("a[href^=forward]")
        .attr("href")
        .expect("a way to forward it")
        .to_string();
    let page = b.get(&forward).await;
    assert!(page.body.contains(question), "{}", page.body);

    // "Forward" with no chat chosen sends nothing and says why.
    let refused = b
        .send_form(submit(&page.body, "form[action=send]", &[], None))
        .await;
    assert!(refused.body.contains("Choose the chat"), "{}", refused.body);
    assert_eq!(d.dc.count("messages.forwardMessages"), 0);

    let (action, mut fields) = submit(&page.body, "form[action=send]", &["Mum"], None);
    fields.push(("text".to_owned(), "Look what Alex asks".to_owned()));
    let after = b.send_form((action.clone(), fields.clone())).await;
    assert_eq!(after.status, 200);
    assert!(after.body.contains("Forwarded from"), "{}", after.body);
    assert!(after.body.contains(question));
    assert!(after.body.contains("Look what Alex asks"));
    assert_eq!(d.dc.count("messages.forwardMessages"), 1);
    // The same form again (Back, then Forward) is not a second forward.
    b.send_form((action, fields)).await;
    assert_eq!(d.dc.count("messages.forwardMessages"), 1);
}
