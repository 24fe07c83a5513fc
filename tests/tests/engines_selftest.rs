//! The browser-engine helpers (`support/engines.rs`) against a tiny loopback site: w3m, NetSurf and
//! headless Chromium keep a cookie across a 303 redirect, their pictures show the page (and a blank
//! page reads as blank), JavaScript off is really off, a WebDriver session posts a form, and tidy
//! tells broken markup from valid HTML 4.01.
//!
//! Run under a virtual display (NetSurf needs one):
//! `xvfb-run -a -s "-screen 0 1280x800x24" cargo test -p mpgram-tests --test engines_selftest`.
//! The pictures are kept in `target/tmp/engines_selftest/`.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

#[path = "support/engines.rs"]
mod engines;

const STRICT: &str = "<!DOCTYPE HTML PUBLIC \"-//W3C//DTD HTML 4.01//EN\" \
                      \"http://www.w3.org/TR/html4/strict.dtd\">";

/// One request the site saw.
#[derive(Clone, Debug)]
struct Seen {
    method: String,
    target: String,
    cookie: String,
    agent: String,
    body: String,
}

struct Site {
    base: String,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl Site {
    fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
        let base = format!("http://{}", listener.local_addr().expect("its address"));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&seen);
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let log = Arc::clone(&log);
                std::thread::spawn(move || {
                    let _ = answer(stream, &log);
                });
            }
        });
        Self { base, seen }
    }

    fn url(&self, path: &str) -> String {
        format!("{}/{path}", self.base)
    }

    /// The requests for `target` whose user agent contains `agent`.
    fn seen(&self, target: &str, agent: &str) -> Vec<Seen> {
        self.seen
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .filter(|s| s.target == target && s.agent.contains(agent))
            .cloned()
            .collect()
    }
}

fn page(title: &str, body: &str) -> String {
    format!(
        "{STRICT}\n<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; \
         charset=utf-8\"><title>{title}</title></head>\n<body style=\"margin: 8px; background: \
         #ffffff; color: #000000\">\n{body}\n</body></html>\n"
    )
}

/// The same page with and without a script that changes it: with JavaScript off both look alike.
fn js_page(with_script: bool) -> String {
    let script = if with_script {
        "<script type=\"text/javascript\">document.title = \"after\"; \
         document.getElementById(\"d\").style.background = \"#ff0000\"; \
         document.getElementById(\"d\").firstChild.nodeValue = \"SCRIPT RAN\";</script>"
    } else {
        ""
    };
    page(
        "before",
        &format!(
            "<div id=\"d\" style=\"background: #0000ff; color: #ffffff; height: 100px\">SCRIPT DID \
             NOT RUN</div>{script}"
        ),
    )
}

fn answer(stream: TcpStream, log: &Mutex<Vec<Seen>>) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let mut parts = line.split_whitespace();
    let (Some(method), Some(target)) = (parts.next(), parts.next()) else {
        return Ok(());
    };
    let (method, target) = (method.to_owned(), target.to_owned());
    let (mut length, mut cookie, mut agent) = (0, String::new(), String::new());
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header)? == 0 || header.trim().is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            let value = value.trim().to_owned();
            match name.to_ascii_lowercase().as_str() {
                "content-length" => length = value.parse().unwrap_or(0),
                "cookie" => cookie = value,
                "user-agent" => agent = value,
                _ => {}
            }
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body)?;
    let body = String::from_utf8_lossy(&body).into_owned();
    log.lock()
        .unwrap_or_else(PoisonError::into_inner)
        .push(Seen {
            method: method.clone(),
            target: target.clone(),
            cookie: cookie.clone(),
            agent,
            body: body.clone(),
        });

    let (status, headers, html) = match (method.as_str(), target.as_str()) {
        ("GET", "/login?code=1&to=page2") => (
            "303 See Other",
            "Set-Cookie: sid=s3cr3t; Path=/; HttpOnly; SameSite=Lax\r\nLocation: page2\r\n",
            String::new(),
        ),
        ("GET", "/page2") => {
            let ok = cookie.split(';').any(|c| c.trim() == "sid=s3cr3t");
            let text = if ok { "COOKIE OK" } else { "NO COOKIE" };
            (
                "200 OK",
                "",
                page(
                    text,
                    &format!(
                        "<h1 style=\"color: #aa0000; background: #ccddee\">{text}</h1>\n\
                         <p>A paragraph of text under the heading, long enough to wrap on a narrow \
                         screen.</p>"
                    ),
                ),
            )
        }
        ("GET", "/blank") => ("200 OK", "", page("blank", "")),
        ("GET", "/js") => ("200 OK", "", js_page(true)),
        ("GET", "/nojs") => ("200 OK", "", js_page(false)),
        ("GET", "/form") => (
            "200 OK",
            "",
            page(
                "form",
                "<form action=\"/answer\" method=\"post\"><p><input type=\"text\" name=\"q\" \
                 id=\"q\"> <input type=\"submit\" id=\"go\" value=\"Send\"></p></form>",
            ),
        ),
        ("POST", "/answer") => {
            let q = body
                .split('&')
                .find_map(|kv| kv.strip_prefix("q="))
                .map(form_decode)
                .unwrap_or_default();
            (
                "200 OK",
                "",
                page("answer", &format!("<p>YOU SAID: {q}</p>")),
            )
        }
        _ => ("404 Not Found", "", page("not found", "<p>not found</p>")),
    };
    let mut stream = stream;
    write!(
        stream,
        "HTTP/1.1 {status}\r\n{headers}Content-Type: text/html; charset=utf-8\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{html}",
        html.len()
    )?;
    stream.flush()
}

/// `application/x-www-form-urlencoded` → text (ASCII is enough here).
fn form_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
                out.push(u8::from_str_radix(hex, 16).unwrap_or(b'?'));
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn timed<T>(what: &str, f: impl FnOnce() -> T) -> T {
    let start = Instant::now();
    let value = f();
    eprintln!("{what}: {:?}", start.elapsed());
    value
}

#[test]
fn w3m_keeps_the_cookie_across_the_redirect() {
    let site = Site::start();
    let text = timed("w3m_dump login → page2", || {
        engines::w3m_dump(&site.url("login?code=1&to=page2"), 80)
    })
    .expect("w3m");
    assert!(text.contains("COOKIE OK"), "{text}");
    assert!(text.contains("A paragraph of text"), "{text}");
    let seen = site.seen("/page2", "w3m");
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert_eq!(seen[0].cookie, "sid=s3cr3t");

    // A fresh start: no cookie from the call before.
    let text = engines::w3m_dump(&site.url("page2"), 40).expect("w3m");
    assert!(text.contains("NO COOKIE"), "{text}");
    // Narrow: the paragraph wraps at 40 columns.
    assert!(text.lines().all(|l| l.chars().count() <= 40), "{text}");

    // A page that cannot be loaded is an error, not an empty text.
    let closed = TcpListener::bind("127.0.0.1:0").expect("a port");
    let port = closed.local_addr().expect("its address").port();
    drop(closed);
    assert!(engines::w3m_dump(&format!("http://127.0.0.1:{port}/"), 80).is_err());
}

#[test]
fn netsurf_shows_the_page_with_its_cookie_and_without_javascript() {
    if !engines::gui_available() {
        return;
    }
    let site = Site::start();
    let shot = engines::keep_path("engines_selftest", "netsurf-page2.png").expect("path");
    timed(
        "netsurf_shot login → page2 (first of its size: layout measured)",
        || engines::netsurf_shot(&site.url("login?code=1&to=page2"), 320, 240, &shot),
    )
    .expect("NetSurf");
    assert_eq!(image::image_dimensions(&shot).expect("png"), (320, 240));
    assert!(engines::png_shows_something(&shot).expect("png"));
    let seen = site.seen("/page2", "NetSurf");
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert_eq!(seen[0].cookie, "sid=s3cr3t");

    let blank = engines::keep_path("engines_selftest", "netsurf-blank.png").expect("path");
    timed("netsurf_shot blank (same size)", || {
        engines::netsurf_shot(&site.url("blank"), 320, 240, &blank)
    })
    .expect("NetSurf");
    assert!(!engines::png_shows_something(&blank).expect("png"));

    // JavaScript off: the page with a script looks exactly like the page without it.
    let with = engines::keep_path("engines_selftest", "netsurf-js.png").expect("path");
    let without = engines::keep_path("engines_selftest", "netsurf-nojs.png").expect("path");
    engines::netsurf_shot(&site.url("js"), 320, 240, &with).expect("NetSurf");
    engines::netsurf_shot(&site.url("nojs"), 320, 240, &without).expect("NetSurf");
    assert_eq!(pixels(&with), pixels(&without), "the script ran in NetSurf");
    assert!(engines::png_shows_something(&with).expect("png"));

    // A phone-sized page.
    let small = engines::keep_path("engines_selftest", "netsurf-176x208.png").expect("path");
    timed("netsurf_shot page2 at 176×208 (first of its size)", || {
        engines::netsurf_shot(&site.url("page2"), 176, 208, &small)
    })
    .expect("NetSurf");
    assert_eq!(image::image_dimensions(&small).expect("png"), (176, 208));
    assert!(engines::png_shows_something(&small).expect("png"));
}

fn pixels(path: &std::path::Path) -> Vec<u8> {
    image::open(path).expect("png").to_rgba8().into_raw()
}

#[test]
fn chromium_shows_the_page_with_its_cookie() {
    let site = Site::start();
    let shot = engines::keep_path("engines_selftest", "chromium-page2.png").expect("path");
    timed("chromium_shot login → page2", || {
        engines::chromium_shot(&site.url("login?code=1&to=page2"), false, 320, 240, &shot)
    })
    .expect("Chromium");
    assert_eq!(image::image_dimensions(&shot).expect("png"), (320, 240));
    assert!(engines::png_shows_something(&shot).expect("png"));
    let seen = site.seen("/page2", "Chrome");
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert_eq!(seen[0].cookie, "sid=s3cr3t");

    let blank = engines::keep_path("engines_selftest", "chromium-blank.png").expect("path");
    engines::chromium_shot(&site.url("blank"), false, 320, 240, &blank).expect("Chromium");
    assert!(!engines::png_shows_something(&blank).expect("png"));
}

#[test]
fn chromium_shot_without_javascript_runs_no_script() {
    let site = Site::start();
    let shot = |name: &str, path: &str, js: bool| {
        let out = engines::keep_path("engines_selftest", name).expect("path");
        engines::chromium_shot(&site.url(path), js, 320, 240, &out).expect("Chromium");
        pixels(&out)
    };
    let without = shot("chromium-nojs.png", "nojs", false);
    assert_eq!(
        shot("chromium-js-off.png", "js", false),
        without,
        "the script ran with JavaScript off"
    );
    // The check can fail: with JavaScript on, the script changes the picture.
    assert_ne!(
        shot("chromium-js-on.png", "js", true),
        without,
        "the script did not run with JavaScript on"
    );
}

#[test]
fn chrome_webdriver_posts_a_form_without_javascript() {
    let site = Site::start();
    let chrome = timed("Chrome::start", || engines::Chrome::start(false, 400, 300))
        .expect("a WebDriver session");

    timed("Chrome goto login → page2", || {
        chrome.goto(&site.url("login?code=1&to=page2"))
    })
    .expect("goto");
    assert_eq!(chrome.current_url().expect("url"), site.url("page2"));
    let text = chrome.body_text().expect("text");
    assert!(text.contains("COOKIE OK"), "{text}");
    let cookies = chrome.cookies().expect("cookies");
    assert!(
        cookies
            .iter()
            .any(|c| c.name == "sid" && c.value == "s3cr3t" && c.http_only && c.path == "/"),
        "{cookies:?}"
    );
    let shot = engines::keep_path("engines_selftest", "webdriver-page2.png").expect("path");
    chrome.screenshot(&shot).expect("screenshot");
    assert_eq!(image::image_dimensions(&shot).expect("png"), (400, 300));
    assert!(engines::png_shows_something(&shot).expect("png"));

    chrome.goto(&site.url("form")).expect("goto");
    assert!(chrome.find_css("#q").is_ok());
    assert!(chrome.find_css("#nothing-like-this").is_err());
    chrome.type_into("#q", "hello world").expect("type");
    timed("Chrome submit", || chrome.submit("#go")).expect("submit");
    let text = chrome.body_text().expect("text");
    assert!(text.contains("YOU SAID: hello world"), "{text}");
    assert_eq!(chrome.current_url().expect("url"), site.url("answer"));
    let posts = site.seen("/answer", "Chrome");
    assert_eq!(posts.len(), 1, "{posts:?}");
    assert_eq!(posts[0].method, "POST");
    assert_eq!(posts[0].body, "q=hello+world");
    assert_eq!(posts[0].cookie, "sid=s3cr3t");

    // JavaScript off: the script neither renamed the page nor changed its text.
    chrome.goto(&site.url("js")).expect("goto");
    assert_eq!(chrome.title().expect("title"), "before");
    assert!(chrome
        .body_text()
        .expect("text")
        .contains("SCRIPT DID NOT RUN"));
    assert!(chrome.source().expect("source").contains("document.title"));
    drop(chrome);

    // The same page with JavaScript on: the check above can fail.
    let chrome = engines::Chrome::start(true, 400, 300).expect("a WebDriver session");
    chrome.goto(&site.url("js")).expect("goto");
    assert_eq!(chrome.title().expect("title"), "after");
    assert!(chrome.body_text().expect("text").contains("SCRIPT RAN"));
}

#[test]
fn tidy_tells_broken_markup_from_valid_html_4_01() {
    let broken = format!(
        "{STRICT}<html><head><title>b</title></head><body><p>x<tablex>y</tablex></p></body></html>"
    );
    let errors = timed("tidy_errors", || engines::tidy_errors(&broken));
    assert!(
        errors
            .iter()
            .any(|e| e.contains("<tablex> is not recognized")),
        "{errors:?}"
    );

    // The test site's pages are valid HTML 4.01 Strict: no errors, and no warnings either.
    for html in [
        page("COOKIE OK", "<h1>COOKIE OK</h1>"),
        js_page(true),
        page(
            "form",
            "<form action=\"/answer\" method=\"post\"><p><input type=\"text\" name=\"q\"> \
             <input type=\"submit\" value=\"Send\"></p></form>",
        ),
    ] {
        assert_eq!(engines::tidy_errors(&html), Vec::<String>::new(), "{html}");
        assert_eq!(
            engines::tidy_warnings(&html),
            Vec::<String>::new(),
            "{html}"
        );
    }
    let transitional = "<!DOCTYPE HTML PUBLIC \"-//W3C//DTD HTML 4.01 Transitional//EN\" \
                        \"http://www.w3.org/TR/html4/loose.dtd\">\n<html><head><title>t</title>\
                        </head><body bgcolor=\"#ffffff\"><center><font color=\"red\">x</font>\
                        </center><table summary=\"s\"><tr><td>1</td></tr></table></body></html>";
    assert_eq!(
        engines::tidy_errors(transitional),
        Vec::<String>::new(),
        "{transitional}"
    );

    // Tidy 5.6 calls most HTML 4.01 faults warnings, not errors.
    let faulty = format!(
        "{STRICT}<html><head><title>w</title></head><body><p><img src=\"a.png\"><b>x</p>\
         </body></html>"
    );
    assert_eq!(engines::tidy_errors(&faulty), Vec::<String>::new());
    let warnings = engines::tidy_warnings(&faulty);
    assert!(
        warnings.iter().any(|w| w.contains("lacks \"alt\"")),
        "{warnings:?}"
    );
    assert!(
        warnings.iter().any(|w| w.contains("missing </b>")),
        "{warnings:?}"
    );
}

#[test]
fn a_blank_picture_shows_nothing() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let flat = dir.path().join("flat.png");
    image::RgbaImage::from_pixel(240, 320, image::Rgba([255, 255, 255, 255]))
        .save(&flat)
        .expect("png");
    assert!(!engines::png_shows_something(&flat).expect("png"));

    // One short word of dark pixels on white is something.
    let mut word = image::RgbaImage::from_pixel(240, 320, image::Rgba([255, 255, 255, 255]));
    for x in 10..40 {
        for y in 10..16 {
            let shade = 40 + ((x + y) % 4) as u8 * 20;
            word.put_pixel(x, y, image::Rgba([shade, shade, shade, 255]));
        }
    }
    let marked = dir.path().join("word.png");
    word.save(&marked).expect("png");
    assert!(engines::png_shows_something(&marked).expect("png"));
    assert!(engines::png_shows_something(&dir.path().join("missing.png")).is_err());
}
