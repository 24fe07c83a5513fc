//! `mpgram demo --reach --gateway URL` as a process against the fake router on loopback: the
//! `away from home:` line, `mpgram status`, `/v1/reach`, and the mapping removed on SIGTERM.

mod fake_router;
mod process;

use std::net::Ipv4Addr;
use std::process::Command;

use fake_router::FakeIgd;
use process::{Control, Proc};

const PUBLIC: Ipv4Addr = Ipv4Addr::new(81, 2, 69, 160);

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

fn sigterm(p: &mut Proc) -> std::process::ExitStatus {
    let sent = Command::new("kill")
        .args(["-TERM", &p.pid().to_string()])
        .status()
        .expect("kill runs");
    assert!(sent.success());
    p.wait_exit().expect("mpgram ends after SIGTERM")
}

/// The HTTP status of `api.php` asked with `Host: host` (as a phone typing that URL sends it).
fn status_with_host(server: std::net::SocketAddr, host: &str) -> u16 {
    use std::io::{Read as _, Write as _};
    let mut c = std::net::TcpStream::connect(server).expect("connect");
    write!(
        c,
        "GET /api.php?v=12&method=getServerTimeOffset HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .expect("write");
    let mut answer = String::new();
    let _ = c.read_to_string(&mut answer);
    answer
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

fn demo(data: &std::path::Path, extra: &[&str]) -> Proc {
    let mut args = vec![
        "demo",
        "--listen",
        "127.0.0.1:0",
        "--data-dir",
        data.to_str().expect("utf-8"),
    ];
    args.extend_from_slice(extra);
    Proc::spawn(&args)
}

#[test]
fn demo_with_reach_prints_the_address_away_from_home_and_removes_the_mapping_on_sigterm() {
    let rt = runtime();
    let router = rt.block_on(FakeIgd::start(2, PUBLIC.into()));
    let data = tempfile::tempdir().expect("temp dir");
    let url = router.description_url();
    let mut p = demo(data.path(), &["--reach", "--gateway", &url]);
    let addr = p.wait_serving();
    let line = format!("away from home: {}", p.line_starting("away from home: "));
    assert_eq!(
        line,
        format!("away from home: http://{PUBLIC}:{}/", addr.port())
    );
    let mapped = router.mappings();
    assert_eq!(mapped.len(), 1);
    assert_eq!(mapped[0].external_port, addr.port());
    assert_eq!(mapped[0].internal_port, addr.port());
    assert_eq!(mapped[0].lease, 3600);

    // A phone away from home names the public address in `Host`: it is this server's own. The
    // line above and the Host check follow the same status from two tasks, so the check may
    // take a moment longer than the line (a person needs far longer to type the address).
    let public_host = format!("{PUBLIC}:{}", addr.port());
    let mut status = status_with_host(addr, &public_host);
    for _ in 0..200 {
        if status == 200 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
        status = status_with_host(addr, &public_host);
    }
    assert_eq!(status, 200);
    assert_eq!(
        status_with_host(addr, &format!("81.2.69.161:{}", addr.port())),
        403
    );

    // `mpgram status` shows the mapping, the outside address and the last outside request.
    let key = data.path().join("status-key");
    let (_, out, _) = process::run(&[
        "status",
        "--data-dir",
        data.path().to_str().expect("utf-8"),
        "--insecure-key-file",
        key.to_str().expect("utf-8"),
    ]);
    assert!(
        out.contains(&format!(
            "Reach from mobile data: on, port mapping active, port {} on the router (UPnP)",
            addr.port()
        )),
        "{out}"
    );
    assert!(
        out.contains(&format!("Public address (from the router): {PUBLIC}")),
        "{out}"
    );
    assert!(out.contains(&line), "{out}");
    assert!(
        out.contains("Last request from outside the home network: none since the server started"),
        "{out}"
    );

    // The control API has it too.
    let control = Control::read(data.path());
    let reach = rt.block_on(control.get("/v1/reach"));
    assert_eq!(reach["on"], true);
    assert_eq!(reach["reach"]["state"], "active");
    assert!(reach["reach"]["qr_svg"]
        .as_str()
        .is_some_and(|s| s.starts_with("<?xml") || s.contains("<svg")));

    assert!(sigterm(&mut p).success(), "stderr: {}", p.stderr());
    assert!(
        router
            .calls()
            .iter()
            .any(|c| c.action == "DeletePortMapping" && c.external_port == Some(addr.port())),
        "{:?}",
        router.calls()
    );
    assert!(router.mappings().is_empty());
}

#[test]
fn reach_is_turned_on_and_off_through_the_control_api() {
    let rt = runtime();
    let router = rt.block_on(FakeIgd::start(2, PUBLIC.into()));
    let data = tempfile::tempdir().expect("temp dir");
    // Without --reach the router is never asked…
    let mut p = demo(data.path(), &[]);
    p.wait_serving();
    let control = Control::read(data.path());
    assert_eq!(rt.block_on(control.get("/v1/reach"))["on"], false);
    assert!(router.calls().is_empty());
    // …and the switch without --gateway would search the real network: this test only turns
    // it off again on a process that has --gateway.
    drop(p);

    let url = router.description_url();
    let mut p = demo(data.path(), &["--reach", "--gateway", &url]);
    let addr = p.wait_serving();
    assert!(p.line_starting("away from home: ").starts_with("http://"));
    let control = Control::read(data.path());
    let off = rt.block_on(control.put("/v1/reach", r#"{"on":false}"#));
    assert_eq!(off["on"], false);
    assert!(router.mappings().is_empty(), "off removes the mapping");
    let on = rt.block_on(control.put("/v1/reach", r#"{"on":true}"#));
    assert_eq!(on["on"], true);
    rt.block_on(router.wait_for(|r| !r.mappings.is_empty()));
    assert_eq!(router.mappings()[0].external_port, addr.port());
    assert!(sigterm(&mut p).success());
    assert!(router.mappings().is_empty());
}
