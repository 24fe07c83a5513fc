//! Reach from mobile data against a fake router on loopback (`fake_router`): what the person
//! sees for each answer a router can give, and what the router is asked.

mod fake_router;

use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use fake_router::{silent_udp, FakeIgd, FakeNatPmp};
use mpgram::reach::{
    IgdSource, Protocol, Reach, ReachConfig, ReachState, ReachStatus, Timing, LEASE,
};
use tokio::sync::watch;

const PUBLIC: Ipv4Addr = Ipv4Addr::new(81, 2, 69, 160);
const LOCAL_PORT: u16 = 18080;
/// Where no NAT-PMP router listens (nothing binds 127.54.0.0/16 in these tests).
const NO_NAT_PMP: Ipv4Addr = Ipv4Addr::new(127, 54, 0, 1);

/// Fast refreshes so renewals happen while the test watches; the lease asked for stays the real
/// one. Only the pace of the loop, never a deadline a test waits on.
fn timing() -> Timing {
    Timing {
        lease: LEASE,
        refresh: Duration::from_millis(50),
        wait: Duration::from_millis(300),
        retry_min: Duration::from_millis(50),
        retry_max: Duration::from_millis(200),
    }
}

fn config(igd: IgdSource, nat_pmp: IpAddr) -> ReachConfig {
    ReachConfig {
        local_port: LOCAL_PORT,
        igd,
        nat_pmp: Some(nat_pmp),
        timing: timing(),
    }
}

async fn wait_status(
    rx: &mut watch::Receiver<ReachStatus>,
    cond: impl Fn(&ReachStatus) -> bool,
) -> ReachStatus {
    rx.wait_for(|s| cond(s)).await.expect("reach runs").clone()
}

#[tokio::test]
async fn upnp_igd_v2_maps_the_port_with_a_lease_renews_it_and_removes_it_on_stop() {
    let router = FakeIgd::start(2, PUBLIC.into()).await;
    let source = IgdSource::url(&router.description_url()).expect("url");
    let reach = Reach::start(config(source, NO_NAT_PMP.into()));
    let mut status = reach.status();
    let s = wait_status(&mut status, |s| s.state != ReachState::Starting).await;
    assert_eq!(s.state, ReachState::Active, "{s:?}");
    assert_eq!(s.protocol, Some(Protocol::Upnp));
    assert_eq!(
        s.url.as_deref(),
        Some(format!("http://{PUBLIC}:{LOCAL_PORT}/").as_str())
    );
    assert_eq!(
        s.cli_line().as_deref(),
        Some(format!("away from home: http://{PUBLIC}:{LOCAL_PORT}/").as_str())
    );
    let first = router
        .calls()
        .into_iter()
        .find(|c| c.action == "AddPortMapping")
        .expect("AddPortMapping");
    assert_eq!(first.external_port, Some(LOCAL_PORT));
    assert_eq!(first.internal_port, Some(LOCAL_PORT));
    assert_eq!(first.internal_client.as_deref(), Some("127.0.0.1"));
    assert_eq!(first.lease, Some(3600));
    assert_eq!(first.protocol.as_deref(), Some("TCP"));

    // Renewed: asked again with the full lease, same port.
    router
        .wait_for(|r| {
            r.calls
                .iter()
                .filter(|c| c.action == "AddPortMapping")
                .count()
                >= 3
        })
        .await;
    assert!(router
        .calls()
        .iter()
        .filter(|c| c.action == "AddPortMapping")
        .all(|c| c.lease == Some(3600) && c.external_port == Some(LOCAL_PORT)));

    reach.stop().await;
    let deletes: Vec<_> = router
        .calls()
        .into_iter()
        .filter(|c| c.action == "DeletePortMapping")
        .collect();
    assert_eq!(deletes.len(), 1, "{deletes:?}");
    assert_eq!(deletes[0].external_port, Some(LOCAL_PORT));
    assert!(router.mappings().is_empty(), "{:?}", router.mappings());
}

#[tokio::test]
async fn an_igd_v1_found_by_ssdp_that_takes_only_permanent_mappings_gets_one() {
    let router = FakeIgd::start(1, PUBLIC.into()).await;
    router.set_only_permanent(true);
    let ssdp = router.ssdp().await;
    let reach = Reach::start(config(IgdSource::Discover(ssdp), NO_NAT_PMP.into()));
    let mut status = reach.status();
    let s = wait_status(&mut status, |s| s.state != ReachState::Starting).await;
    assert_eq!(s.state, ReachState::Active, "{s:?}");
    assert_eq!(s.lease_secs, Some(0));
    assert_eq!(router.mappings().len(), 1);
    assert_eq!(router.mappings()[0].lease, 0);
    reach.stop().await;
    assert!(router.mappings().is_empty());
}

#[tokio::test]
async fn a_shared_cgnat_address_says_the_phone_works_at_home_only() {
    let router = FakeIgd::start(2, IpAddr::V4(Ipv4Addr::new(100, 72, 3, 4))).await;
    let source = IgdSource::url(&router.description_url()).expect("url");
    let reach = Reach::start(config(source, NO_NAT_PMP.into()));
    let mut status = reach.status();
    let s = wait_status(&mut status, |s| s.state != ReachState::Starting).await;
    assert_eq!(s.state, ReachState::HomeOnly, "{s:?}");
    assert_eq!(s.url, None, "no URL that cannot work");
    let m = s.message.clone().unwrap_or_default();
    assert!(m.contains("shared with other customers"), "{m}");
    assert!(m.contains("can only be used at home"), "{m}");
    assert!(s
        .cli_line()
        .is_some_and(|l| l.starts_with("away from home: not possible")));
    reach.stop().await;
}

#[tokio::test]
async fn a_private_router_address_behind_another_router_is_home_only_too() {
    let router = FakeIgd::start(2, IpAddr::V4(Ipv4Addr::new(192, 168, 0, 10))).await;
    let source = IgdSource::url(&router.description_url()).expect("url");
    let reach = Reach::start(config(source, NO_NAT_PMP.into()));
    let mut status = reach.status();
    let s = wait_status(&mut status, |s| s.state != ReachState::Starting).await;
    assert_eq!(s.state, ReachState::HomeOnly, "{s:?}");
    assert!(s.message.unwrap_or_default().contains("another router"));
    reach.stop().await;
}

#[tokio::test]
async fn a_new_public_address_shows_the_new_url_and_tells_what_to_type_on_the_phone() {
    let router = FakeIgd::start(2, PUBLIC.into()).await;
    let source = IgdSource::url(&router.description_url()).expect("url");
    let reach = Reach::start(config(source, NO_NAT_PMP.into()));
    let mut status = reach.status();
    let old = format!("http://{PUBLIC}:{LOCAL_PORT}/");
    wait_status(&mut status, |s| s.url.as_deref() == Some(old.as_str())).await;
    let rotated = Ipv4Addr::new(81, 2, 69, 199);
    router.set_external_ip(rotated.into());
    let new = format!("http://{rotated}:{LOCAL_PORT}/");
    let s = wait_status(&mut status, |s| s.url.as_deref() == Some(new.as_str())).await;
    assert_eq!(s.state, ReachState::Active);
    assert_eq!(s.changed_from.as_deref(), Some(old.as_str()));
    let m = s.message.unwrap_or_default();
    assert!(m.contains(&format!("change Instance URL to {new}")), "{m}");
    reach.stop().await;
}

#[tokio::test]
async fn a_router_that_forgets_the_mapping_gets_it_again() {
    let router = FakeIgd::start(2, PUBLIC.into()).await;
    let source = IgdSource::url(&router.description_url()).expect("url");
    let reach = Reach::start(config(source, NO_NAT_PMP.into()));
    let mut status = reach.status();
    wait_status(&mut status, |s| s.state == ReachState::Active).await;
    router.forget();
    router.wait_for(|r| !r.mappings.is_empty()).await;
    let m = router.mappings();
    assert_eq!(m[0].external_port, LOCAL_PORT);
    assert_eq!(m[0].lease, 3600);
    assert_eq!(status.borrow().state, ReachState::Active);
    reach.stop().await;
}

#[tokio::test]
async fn a_router_with_neither_protocol_says_it_does_not_allow_this_and_what_to_do() {
    let nobody = silent_udp();
    let reach = Reach::start(config(IgdSource::Discover(nobody), NO_NAT_PMP.into()));
    let mut status = reach.status();
    let s = wait_status(&mut status, |s| s.state != ReachState::Starting).await;
    assert_eq!(s.state, ReachState::Unavailable, "{s:?}");
    let m = s.message.clone().unwrap_or_default();
    assert!(m.starts_with("Your router does not allow this"), "{m}");
    assert!(m.contains("UPnP"), "{m}");
    assert!(m.contains("Port forwarding"), "{m}");
    assert!(m.contains(&format!("TCP port {LOCAL_PORT}")), "{m}");
    assert!(s
        .cli_line()
        .is_some_and(|l| l.starts_with("away from home: not possible: Your router")));
    reach.stop().await;
}

#[tokio::test]
async fn nat_pmp_maps_renews_reads_the_address_and_removes_the_mapping() {
    let router = FakeNatPmp::start(PUBLIC).await;
    let nobody = silent_udp();
    let reach = Reach::start(config(IgdSource::Discover(nobody), router.ip));
    let mut status = reach.status();
    let s = wait_status(&mut status, |s| s.state != ReachState::Starting).await;
    assert_eq!(s.state, ReachState::Active, "{s:?}");
    assert_eq!(s.protocol, Some(Protocol::NatPmp));
    assert_eq!(
        s.url.as_deref(),
        Some(format!("http://{PUBLIC}:{LOCAL_PORT}/").as_str())
    );
    // PCP was tried first; the router said it speaks NAT-PMP only.
    assert_eq!(router.calls()[0].action, "PCP");
    router
        .wait_for(|r| r.calls.iter().filter(|c| c.action == "Map").count() >= 3)
        .await;
    assert!(router
        .calls()
        .iter()
        .filter(|c| c.action == "Map")
        .all(|c| c.lease == Some(3600) && c.internal_port == Some(LOCAL_PORT)));

    // Forgotten (a router restart): mapped again.
    router.forget();
    router.wait_for(|r| !r.mappings.is_empty()).await;

    reach.stop().await;
    assert!(router.calls().iter().any(|c| c.action == "Delete"));
    assert!(router.mappings().is_empty());
}

#[tokio::test]
async fn nat_pmp_behind_cgnat_is_home_only() {
    let router = FakeNatPmp::start(Ipv4Addr::new(100, 100, 1, 1)).await;
    let nobody = silent_udp();
    let reach = Reach::start(config(IgdSource::Discover(nobody), router.ip));
    let mut status = reach.status();
    let s = wait_status(&mut status, |s| s.state != ReachState::Starting).await;
    assert_eq!(s.state, ReachState::HomeOnly, "{s:?}");
    reach.stop().await;
}
