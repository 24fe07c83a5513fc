//! The pairing QR code's payload and the tiny page a phone's browser gets when it follows it.
//!
//! The page must render on Opera Mini, Nokia S40 browsers and IE6: XHTML-MP markup that is also
//! plain HTML 3.2, no CSS beyond none at all, no script. Serve it as `text/html` ([`PAGE_CONTENT_TYPE`]):
//! IE6 offers `application/xhtml+xml` as a download.
use std::fmt::Write as _;
use std::net::IpAddr;

pub const PAGE_CONTENT_TYPE: &str = "text/html; charset=utf-8";

/// The instance URL a person types on the phone: `http://192.168.1.20:8080/` (short, with the
/// trailing `/` the client would add anyway).
pub fn instance_url(ip: IpAddr, port: u16) -> String {
    match ip {
        IpAddr::V4(v4) => format!("http://{v4}:{port}/"),
        IpAddr::V6(v6) => format!("http://[{v6}]:{port}/"),
    }
}

/// What the QR code on the PC encodes: `http://LAN-IP:PORT/pair?c=CODE`.
pub fn pair_url(instance_url: &str, code: &str) -> String {
    let base = instance_url.trim_end_matches('/');
    format!("{base}/pair?c={code}")
}

/// What the landing page knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageCode<'a> {
    /// The code in the link is the current one: show it.
    Verified(&'a str),
    /// No code in the link, or an old one: point to the PC.
    Unverified,
    /// Pairing is not open on the PC.
    Closed,
}

/// The landing page for `/pair`. `instance_url` is what the person types into "Instance URL".
pub fn landing_page(instance_url: &str, code: PageCode<'_>) -> String {
    let url = escape(instance_url);
    let mut body = String::new();
    let _ = write!(
        body,
        "<h2>MPGram Home</h2>\n<p>Set up MPGram on this phone:</p>\n<ol>\n\
         <li>Open the MPGram app.</li>\n\
         <li>In <b>Instance URL</b> type:<br/><big><b>{url}</b></big></li>\n\
         <li>Choose <b>Log in using QR code</b>.</li>\n"
    );
    match code {
        PageCode::Verified(code) => {
            let spaced = group_digits(code);
            let _ = write!(
                body,
                "<li>In <b>Captcha</b> type this code, then <b>Next</b>:</li>\n</ol>\n\
                 <h1>{}</h1>\n",
                escape(&spaced)
            );
        }
        PageCode::Unverified => {
            body.push_str(
                "<li>In <b>Captcha</b> type the code shown in MPGram Home on your PC, \
                 then <b>Next</b>.</li>\n</ol>\n",
            );
        }
        PageCode::Closed => {
            body.push_str(
                "<li>In <b>Captcha</b> type the code shown in MPGram Home on your PC, \
                 then <b>Next</b>.</li>\n</ol>\n\
                 <p><b>Pairing is closed: open MPGram Home on your PC first.</b></p>\n",
            );
        }
    }
    body.push_str("<p>Hold a key to type a digit. Your chats open by themselves.</p>\n");
    // The browser client (served beside the API): one tap when the code in the link is right.
    let browser = match code {
        PageCode::Verified(code) => format!("login?code={}", escape(code)),
        PageCode::Unverified | PageCode::Closed => "./".to_owned(),
    };
    let _ = writeln!(
        body,
        "<p>No MPGram app on this phone? <a href=\"{browser}\">Use Telegram in this browser</a></p>"
    );
    format!(
        "<!DOCTYPE html PUBLIC \"-//WAPFORUM//DTD XHTML Mobile 1.0//EN\" \
         \"http://www.wapforum.org/DTD/xhtml-mobile10.dtd\">\n\
         <html xmlns=\"http://www.w3.org/1999/xhtml\">\n<head>\n\
         <meta http-equiv=\"Content-Type\" content=\"text/html; charset=utf-8\"/>\n\
         <title>MPGram Home</title>\n</head>\n<body>\n{body}</body>\n</html>\n"
    )
}

/// `123456` → `123 456`: easier to read off a small screen. The captcha check ignores the space.
fn group_digits(code: &str) -> String {
    if code.len() == 6 && code.is_ascii() {
        format!("{} {}", &code[..3], &code[3..])
    } else {
        code.to_owned()
    }
}

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}
