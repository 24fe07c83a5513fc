//! The real `mpgram demo` binary, started as a process: it prints the instance URL and
//! `token: <TOKEN>`, and answers `me` with that token.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use mpgram_tests::strict;

struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn mpgram_demo_prints_a_token_and_answers_me() {
    // The binary belongs to another package, so cargo does not build it for this test.
    let built = Command::new(env!("CARGO"))
        .args(["build", "-q", "-p", "mpgram", "--bin", "mpgram"])
        .status()
        .expect("cargo runs");
    assert!(built.success(), "mpgram builds");
    let exe = std::env::current_exe().expect("test exe");
    let bin = exe
        .parent()
        .and_then(std::path::Path::parent)
        .expect("target dir")
        .join(format!("mpgram{}", std::env::consts::EXE_SUFFIX));
    let mut child = Child(
        Command::new(bin)
            .args(["demo", "--listen", "127.0.0.1:0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("mpgram starts"),
    );
    let stdout = child.0.stdout.take().expect("stdout");
    let lines = tokio::task::spawn_blocking(move || {
        let mut url = None;
        let mut token = None;
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if let Some(t) = line.strip_prefix("token: ") {
                token = Some(t.to_owned());
            } else if let (None, Some(i)) = (&url, line.find("http://")) {
                url = line[i..].split_whitespace().next().map(str::to_owned);
            }
            if url.is_some() && token.is_some() {
                break;
            }
        }
        (url, token)
    });
    let (url, token) = tokio::time::timeout(Duration::from_secs(30), lines)
        .await
        .expect("the demo prints its URL and token in time")
        .expect("reader");
    let url = url.expect("URL line");
    let token = token.expect("token line");
    assert!(mpgram::api::auth::is_well_formed_token(&token));
    let http = reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("client");
    let deadline = Instant::now() + Duration::from_secs(10);
    let resp = loop {
        match http
            .get(format!("{url}api.php?v=12&method=me&status=1"))
            .header("X-mpgram-user", &token)
            .send()
            .await
        {
            Ok(r) => break r,
            Err(e) => {
                assert!(Instant::now() < deadline, "demo never answered: {e}");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    };
    assert_eq!(resp.status().as_u16(), 200);
    let body = resp.bytes().await.expect("body");
    let me = strict::assert_client_ok(&body, false);
    assert!(me.get_string("id").expect("id").is_some());
}
