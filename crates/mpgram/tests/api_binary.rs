//! The real `mpgram demo` binary, started as a process (cargo builds it for this package's
//! tests: no nested `cargo build`): it prints the instance URL and `token: <TOKEN>`, and answers
//! `me` with that token, read by the J2ME client's strict parser.

mod process;

use process::{Phone, Proc};

#[tokio::test]
async fn mpgram_demo_prints_a_token_and_answers_me() {
    let mut demo = Proc::spawn(&["demo", "--listen", "127.0.0.1:0"]);
    let addr = demo.wait_serving();
    let token = demo.line_starting("token: ");
    assert!(mpgram::api::auth::is_well_formed_token(&token), "{token:?}");
    let me = Phone::new(addr)
        .api("v=12&method=me&status=1", Some(&token))
        .await;
    assert_eq!(me.status, 200);
    assert!(me.json.get_string("id").expect("id").is_some());
}
