//! The captcha and status pictures, the landing page and the Host check.
#[path = "pairing_common.rs"]
mod common;

/// Named `pairing` so `cargo test -p mpgram pairing` selects these tests.
mod pairing {

    use std::net::IpAddr;

    use super::common::*;
    use mpgram::pairing::{
        check_host, instance_url, landing_page, HostError, PageCode, Picture, PAGE_CONTENT_TYPE,
    };

    const ALL: [Picture; 9] = [
        Picture::EnterCode {
            wrong_before: false,
        },
        Picture::EnterCode { wrong_before: true },
        Picture::PairingClosed,
        Picture::Wait { seconds: 64 },
        Picture::CaptchaExpired,
        Picture::Paired,
        Picture::WaitingForApproval { number: 47 },
        Picture::Denied,
        Picture::Expired,
    ];

    /// Decodes a PNG and returns (width, height, dark pixel count, light pixel count).
    fn inspect(png: &[u8]) -> (u32, u32, usize, usize) {
        let img = image::load_from_memory_with_format(png, image::ImageFormat::Png)
            .unwrap_or_else(|e| panic!("not a PNG: {e}"))
            .to_luma8();
        let dark = img.pixels().filter(|p| p[0] < 96).count();
        let light = img.pixels().filter(|p| p[0] > 160).count();
        (img.width(), img.height(), dark, light)
    }

    #[test]
    fn every_picture_is_a_small_png_with_visible_text() {
        for picture in ALL {
            let png = picture
                .render_png()
                .unwrap_or_else(|e| panic!("{picture:?}: {e}"));
            let (w, h, dark, light) = inspect(&png);
            assert!(w <= 240 && h <= 120, "{picture:?} is {w}x{h}");
            // Text means a fair amount of ink on a mostly light background (or the reverse bar).
            assert!(dark > 300, "{picture:?} looks blank ({dark} dark pixels)");
            assert!(
                light > 300,
                "{picture:?} looks solid ({light} light pixels)"
            );
            if let Some(dir) = std::env::var_os("MPGRAM_PICTURES_DIR") {
                let name = format!("{picture:?}.png").replace([' ', '{', '}', ':'], "");
                let _ = std::fs::write(std::path::Path::new(&dir).join(name), &png);
            }
        }
    }

    #[test]
    fn pictures_differ_by_message() {
        let open = Picture::EnterCode {
            wrong_before: false,
        }
        .render_png()
        .unwrap_or_default();
        let closed = Picture::PairingClosed.render_png().unwrap_or_default();
        let n47 = Picture::WaitingForApproval { number: 47 }
            .render_png()
            .unwrap_or_default();
        let n48 = Picture::WaitingForApproval { number: 48 }
            .render_png()
            .unwrap_or_default();
        assert_ne!(open, closed);
        assert_ne!(n47, n48);
    }

    #[test]
    fn the_captcha_endpoint_always_answers_with_a_picture() {
        let (p, _) = setup();
        p.open();
        let id = p.begin_login(PHONE);
        let png = p
            .captcha_picture(PHONE, &id)
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(inspect(&png).2 > 300);
        // An unknown id still gets a picture (saying it is too old), never an error page.
        assert_eq!(
            p.captcha_picture_kind(PHONE, "nonsense"),
            Picture::CaptchaExpired
        );
        assert!(p.captcha_picture(PHONE, "nonsense").is_ok());
    }

    #[test]
    fn qrcode_php_draws_our_status_only_for_our_texts() {
        let (p, _) = setup();
        // A real Telegram QR login text (base64 of tg://login?token=…) is left to the QR renderer.
        assert_eq!(p.status_picture_kind("dGc6Ly9sb2dpbj90b2tlbj1BUUlE"), None);
        assert_eq!(
            p.status_picture_kind("pair-000000000000000000000000"),
            Some(Picture::Expired)
        );
    }

    #[test]
    fn the_landing_page_shows_url_code_and_the_clients_own_labels() {
        let (p, _) = setup();
        p.open();
        let code = current_code(&p);
        let url = "http://192.168.1.20:8080/";
        let page = p.pair_page(PHONE, url, Some(&code));
        assert!(page.contains(url));
        assert!(page.contains(&format!("<h1>{} {}</h1>", &code[..3], &code[3..])));
        for label in ["Instance URL", "Log in using QR code", "Captcha", "Next"] {
            assert!(page.contains(label), "missing the client's label {label:?}");
        }
        assert!(page.contains("XHTML Mobile 1.0"));
        // No app: one tap pairs this browser with the code the link carried.
        assert!(page.contains(&format!(
            "<a href=\"login?code={code}\">Use Telegram in this browser</a>"
        )));
        // Old browsers: no script, no style sheets, no style attributes.
        for banned in ["<script", "<style", "style=", "class="] {
            assert!(!page.contains(banned), "{banned}");
        }
        assert!(PAGE_CONTENT_TYPE.starts_with("text/html"));
        // Looking at the page does not use the code up.
        assert_eq!(current_code(&p), code);
    }

    #[test]
    fn the_landing_page_never_reveals_the_code_to_someone_who_does_not_have_it() {
        let (p, _) = setup();
        p.open();
        let code = current_code(&p);
        let url = "http://192.168.1.20:8080/";
        for c in [None, Some(wrong_code(&p).as_str())] {
            let page = p.pair_page(ATTACKER, url, c);
            assert!(!page.contains(&code[..3]) || !page.contains(&code[3..]));
            assert!(!page.contains("<h1>"));
        }
        p.stop();
        let page = p.pair_page(PHONE, url, Some(&code));
        assert!(page.contains("Pairing is closed"));
        assert!(!page.contains("<h1>"));
    }

    #[test]
    fn the_landing_page_escapes_what_it_prints() {
        let page = landing_page("http://x/<script>", PageCode::Unverified);
        assert!(!page.contains("<script>"));
        assert!(page.contains("&lt;script&gt;"));
    }

    #[test]
    fn instance_urls_are_short_and_bracket_ipv6() {
        assert_eq!(
            instance_url(IpAddr::from([192, 168, 1, 20]), 8080),
            "http://192.168.1.20:8080/"
        );
        assert_eq!(
            instance_url(
                "fd00::5".parse().unwrap_or(IpAddr::from([0, 0, 0, 0])),
                8080
            ),
            "http://[fd00::5]:8080/"
        );
    }

    #[test]
    fn the_host_header_must_name_this_machine() {
        let local = [
            IpAddr::from([192, 168, 1, 20]),
            "fd00::20".parse().unwrap_or(IpAddr::from([0, 0, 0, 0])),
        ];
        let names = ["mypc.lan"];
        let ok = |h: &str| check_host(Some(h), &local, &names);
        for good in [
            "192.168.1.20:8080",
            "192.168.1.20",
            "[fd00::20]:8080",
            "localhost:8080",
            "LOCALHOST",
            "127.0.0.1:8080",
            "[::1]:8080",
            "MyPC.lan:8080",
            "mypc.lan.",
        ] {
            assert_eq!(ok(good), Ok(()), "{good}");
        }
        // DNS rebinding: attacker.example resolves to our address, the browser still says its name.
        for bad in [
            "attacker.example",
            "attacker.example:8080",
            "192.168.1.99:8080",
            "mypc.lan.evil.com",
        ] {
            assert!(matches!(ok(bad), Err(HostError::Foreign(_))), "{bad}");
        }
        for malformed in ["", ":8080", "192.168.1.20:80a", "[fd00::20"] {
            assert!(ok(malformed).is_err(), "{malformed:?}");
        }
        // No Host header at all: not a browser, so not a rebinding attack.
        assert_eq!(check_host(None, &local, &names), Ok(()));
    }
}
