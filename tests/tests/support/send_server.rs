//! The send methods' test server: a real HTTP client over a real socket → our server →
//! grammers → fakegram's demo world; every answer through the strict J2ME parser. Shared by
//! `api_send.rs` and `api_upload.rs`.

#![allow(dead_code, reason = "each test file uses part of it")]

use fakegram::{FakeDc, MsgRec, Peer};
use mpgram::server::ServerConfig;
pub use mpgram_tests::strict::error_message;
use mpgram_tests::strict::{self, Json};

pub const ALEX: i64 = 100_000_003;
pub const FAMILY: i64 = -500_001;
pub const CLUB: i64 = -1_001_500_000_001;

pub struct Server {
    pub dc: FakeDc,
    pub base: String,
    pub token: String,
    pub second: String,
    pub http: reqwest::Client,
    pub stop: tokio::sync::oneshot::Sender<()>,
    /// The server's devices (a restart carries them over).
    pub pairing: mpgram::pairing::Pairing,
}

pub struct Answer {
    pub status: u16,
    pub json: Json,
}

pub async fn start_with(config: ServerConfig) -> Server {
    let d = mpgram_tests::serve_demo(config, 2).await;
    d.account.me().await.expect("connected");
    d.account.updates_ready().await;
    let s = Server {
        dc: d.dc,
        base: d.base,
        token: d.tokens[0].clone(),
        second: d.tokens[1].clone(),
        http: reqwest::Client::builder()
            .no_proxy()
            .build()
            .expect("client"),
        stop: d.stop,
        pairing: d.pairing,
    };
    // The phone's start: the chat list fills the peer cache.
    assert_eq!(s.get("v=12&method=getDialogs&limit=50").await.status, 200);
    s
}

pub async fn start() -> Server {
    start_with(ServerConfig::default()).await
}

pub const BOUNDARY: &str = "---------------------------48213390571";

impl Server {
    pub async fn get(&self, query: &str) -> Answer {
        self.get_as(query, Some(&self.token)).await
    }

    pub async fn get_as(&self, query: &str, token: Option<&str>) -> Answer {
        let mut req = self.http.get(format!("{}api.php?{query}", self.base));
        if let Some(t) = token {
            req = req.header("X-mpgram-user", t);
        }
        answer(req.send().await.expect("request")).await
    }

    /// The J2ME client's multipart POST (`methods-more.md` §1.6): `charset` before `boundary`,
    /// parts without `Content-Type`, no CRLF after the closing boundary.
    pub async fn post(
        &self,
        query: &str,
        text: Option<&str>,
        file: Option<(&str, &[u8])>,
    ) -> Answer {
        let mut body = Vec::new();
        if let Some(t) = text {
            body.extend_from_slice(
                format!(
                    "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"text\"\r\n\r\n{t}\r\n"
                )
                .as_bytes(),
            );
        }
        if let Some((name, bytes)) = file {
            body.extend_from_slice(
                format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n\r\n")
                    .as_bytes(),
            );
            body.extend_from_slice(bytes);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{BOUNDARY}--").as_bytes());
        self.post_raw(query, body).await
    }

    /// A multipart POST with a ready body (the J2ME `Content-Type`).
    pub async fn post_raw(&self, query: &str, body: Vec<u8>) -> Answer {
        let req = self
            .http
            .post(format!("{}api.php?{query}", self.base))
            .header("X-mpgram-user", &self.token)
            .header(
                "Content-Type",
                format!("multipart/form-data; charset=UTF-8; boundary={BOUNDARY}"),
            )
            .body(body);
        answer(req.send().await.expect("request")).await
    }

    /// The newest message of a chat in fakegram's world.
    pub fn newest(&self, peer: Peer) -> MsgRec {
        let w = self.dc.world();
        w.messages
            .get(&peer)
            .and_then(|m| m.values().next_back())
            .cloned()
            .expect("a message")
    }

    pub fn count(&self, peer: Peer) -> usize {
        self.dc
            .world()
            .messages
            .get(&peer)
            .map_or(0, std::collections::BTreeMap::len)
    }
}

pub async fn answer(resp: reqwest::Response) -> Answer {
    let status = resp.status().as_u16();
    let body = resp.bytes().await.expect("body").to_vec();
    assert!(status != 502 && status != 504, "never 502/504");
    let start = body.iter().position(|&b| b != b' ').unwrap_or(0);
    Answer {
        status,
        json: strict::assert_client_ok(&body[start..], false),
    }
}

/// `{"res":"1"}`: the string, not the number (§1.10).
pub fn assert_res_string(a: &Answer) {
    assert_eq!(a.status, 200, "{:?}", error_message(&a.json));
    assert_eq!(a.json.get("res").map(Json::kind), Some("string"));
    assert_eq!(a.json.get_string("res").unwrap().as_deref(), Some("1"));
}

pub fn user(id: i64) -> Peer {
    Peer::User(id)
}

pub fn chat(mpgram_id: i64) -> Peer {
    if mpgram_id <= -1_000_000_000_000 {
        Peer::Channel(-mpgram_id - 1_000_000_000_000)
    } else {
        Peer::Chat(-mpgram_id)
    }
}
