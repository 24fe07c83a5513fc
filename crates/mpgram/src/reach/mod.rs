//! Reach from mobile data: a port mapping on the home router, so a phone away from home (or one
//! with no Wi-Fi at all) reaches this instance at the router's public address.
//!
//! [`Reach::start`] runs one task: find the router (UPnP-IGD by SSDP or a given description
//! URL, else NAT-PMP/PCP at the default gateway), open the instance's port with a lease, read the
//! public address the router reports (no "what is my IP" service), and keep it: the mapping is
//! asked for again every [`Timing::refresh`] (which renews the lease long before it ends, brings
//! it back when the router forgot it, and sees a new public address), retried with backoff when
//! the router stops answering, and removed by [`Reach::stop`]. What it finds is published as a
//! [`ReachStatus`] through a `watch` channel for the window, the CLI and `/v1/status`.

mod address;
mod error;
mod igd;
mod pmp;
mod switch;

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use backon::BackoffBuilder as _;
use serde::{Deserialize, Serialize};
use tokio::sync::{watch, Notify};
use tokio::task::JoinHandle;

pub use address::{classify, is_outside, AddressKind};
pub use error::ReachError;
pub use igd::IgdSource;
pub use switch::ReachSwitch;

/// How the mapping is named in the router's list.
pub const DESCRIPTION: &str = "MPGram Home";

/// The lease asked for (routers may grant less).
pub const LEASE: Duration = Duration::from_hours(1);

/// The protocol the router answered in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Protocol {
    Upnp,
    NatPmp,
    Pcp,
}

impl std::fmt::Display for Protocol {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Protocol::Upnp => "UPnP",
            Protocol::NatPmp => "NAT-PMP",
            Protocol::Pcp => "PCP",
        })
    }
}

/// Where reach stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReachState {
    /// Asking the router.
    Starting,
    /// The port is open and the public address usable: `url` works from mobile data.
    Active,
    /// The port may be open, but the router's own address is private or shared: phones can use
    /// this PC at home only. `message` says so.
    HomeOnly,
    /// The router speaks neither protocol, or refused; `message` says what to do. Asked again now
    /// and then.
    Unavailable,
    /// It worked and the router stopped answering; asking again with backoff.
    Retrying,
}

/// What the window, the CLI and `/v1/status` show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReachStatus {
    pub state: ReachState,
    pub protocol: Option<Protocol>,
    /// `http://PUBLIC:PORT/` while [`ReachState::Active`].
    pub url: Option<String>,
    /// The address the router reports for itself.
    pub public_ip: Option<IpAddr>,
    /// The port open on the router (the local port when it was free).
    pub external_port: Option<u16>,
    /// The lease in seconds as the router granted it (0: until removed).
    pub lease_secs: Option<u32>,
    /// Plain words for every state but `Active`, and for `Active` after the address changed.
    pub message: Option<String>,
    /// The previous `url` when the public address changed (providers rotate it): paired phones
    /// need the new one typed in.
    pub changed_from: Option<String>,
}

impl ReachStatus {
    fn starting(port: u16) -> Self {
        Self {
            state: ReachState::Starting,
            protocol: None,
            url: None,
            public_ip: None,
            external_port: None,
            lease_secs: None,
            message: Some(format!(
                "Asking your router to let phones on mobile data reach port {port}…"
            )),
            changed_from: None,
        }
    }

    /// The CLI's line: `away from home: http://…/`, or `away from home: not possible: <why>`;
    /// `None` while starting.
    pub fn cli_line(&self) -> Option<String> {
        match self.state {
            ReachState::Starting => None,
            ReachState::Active => self.url.as_ref().map(|u| format!("away from home: {u}")),
            ReachState::HomeOnly | ReachState::Unavailable => Some(format!(
                "away from home: not possible: {}",
                self.message.as_deref().unwrap_or_default()
            )),
            ReachState::Retrying => Some(format!(
                "away from home: not working now: {}",
                self.message.as_deref().unwrap_or_default()
            )),
        }
    }
}

/// The plain-words message for a router whose own address is private or shared.
pub fn home_only_message(ip: IpAddr) -> String {
    let why = match classify(ip) {
        AddressKind::Private => format!(
            "your router is itself connected through another router or your internet provider, \
             which gives it the private address {ip}"
        ),
        _ => format!(
            "your internet provider gives this home the address {ip}, shared with other customers"
        ),
    };
    format!(
        "Phones on mobile data cannot reach this PC: {why}. The phone can only be used at home, \
         on this network. (Some providers give a home its own address on request: ask for a \
         \"public IPv4 address\".)"
    )
}

/// What to do when the router allows no port mapping, for a person.
pub fn no_router_support_message(port: u16) -> String {
    format!(
        "Your router does not allow this: it did not answer when asked to open a port. Either \
         turn on \"UPnP\" (or \"NAT-PMP\") in the router's settings, or forward the port by hand: \
         open the router's page in a browser, find \"Port forwarding\" (sometimes \"Virtual \
         server\" or \"NAT\"), add a rule for TCP port {port} to this PC, and then use this PC's \
         address on the internet with port {port} on the phone."
    )
}

/// Timings; [`Timing::default`] for real routers, shorter ones in tests.
#[derive(Debug, Clone, Copy)]
pub struct Timing {
    pub lease: Duration,
    /// How often the mapping is asked for again and the public address read.
    pub refresh: Duration,
    /// How long one router question may take (SSDP search, NAT-PMP/PCP reply).
    pub wait: Duration,
    /// Retry backoff bounds after a failure.
    pub retry_min: Duration,
    pub retry_max: Duration,
}

impl Default for Timing {
    fn default() -> Self {
        Self {
            lease: LEASE,
            // A sixth of the lease: renewed long before it ends, and a forgotten mapping or a new
            // public address is noticed within ten minutes.
            refresh: Duration::from_mins(10),
            wait: Duration::from_secs(3),
            retry_min: Duration::from_secs(30),
            retry_max: Duration::from_mins(30),
        }
    }
}

/// What [`Reach::start`] needs.
#[derive(Debug, Clone)]
pub struct ReachConfig {
    /// The instance's port on this PC.
    pub local_port: u16,
    pub igd: IgdSource,
    /// The NAT-PMP/PCP server; `None`: the `--gateway` URL's host, else the default gateway.
    pub nat_pmp: Option<IpAddr>,
    pub timing: Timing,
}

impl ReachConfig {
    /// Discovery on the home network.
    pub fn new(local_port: u16) -> Self {
        Self {
            local_port,
            igd: IgdSource::discover(),
            nat_pmp: None,
            timing: Timing::default(),
        }
    }

    /// `--gateway URL`: only that router is asked (UPnP at the URL, NAT-PMP/PCP at its host).
    pub fn with_gateway(mut self, url: Option<&str>) -> Result<Self, ReachError> {
        if let Some(url) = url {
            self.igd = IgdSource::url(url)?;
        }
        Ok(self)
    }

    fn nat_pmp_gateway(&self) -> Option<IpAddr> {
        self.nat_pmp.or_else(|| self.igd.host()).or_else(|| {
            let gw = netdev::get_default_gateway().ok()?;
            gw.ipv4.first().copied().map(IpAddr::V4)
        })
    }
}

/// A running reach task. [`Reach::stop`] removes the mapping; dropping it without `stop` leaves
/// the mapping until its lease ends.
pub struct Reach {
    status: watch::Receiver<ReachStatus>,
    /// Told once, by [`Reach::stop`] (a permit waits if the task is busy).
    stop: Option<Arc<Notify>>,
    task: JoinHandle<()>,
}

impl Reach {
    pub fn start(config: ReachConfig) -> Self {
        let (tx, status) = watch::channel(ReachStatus::starting(config.local_port));
        let stop = Arc::new(Notify::new());
        let task = tokio::spawn(run(config, tx, Arc::clone(&stop)));
        Self {
            status,
            stop: Some(stop),
            task,
        }
    }

    pub fn status(&self) -> watch::Receiver<ReachStatus> {
        self.status.clone()
    }

    /// Removes the mapping from the router (bounded: a router that does not answer is left to
    /// let the lease run out) and ends the task.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            stop.notify_one();
        }
        let abort = self.task.abort_handle();
        if tokio::time::timeout(Duration::from_secs(10), &mut self.task)
            .await
            .is_err()
        {
            abort.abort();
        }
    }
}

impl Drop for Reach {
    fn drop(&mut self) {
        if self.stop.is_some() {
            self.task.abort();
        }
    }
}

/// An open mapping, either protocol.
enum Mapping {
    Igd(igd::IgdMapping),
    Pmp(pmp::PmpMapping),
}

impl Mapping {
    fn protocol(&self) -> Protocol {
        match self {
            Mapping::Igd(_) => Protocol::Upnp,
            Mapping::Pmp(m) => m.protocol(),
        }
    }
    fn external_port(&self) -> u16 {
        match self {
            Mapping::Igd(m) => m.external_port,
            Mapping::Pmp(m) => m.external_port(),
        }
    }
    fn lease_secs(&self) -> u32 {
        match self {
            Mapping::Igd(m) => m.lease_secs(),
            Mapping::Pmp(m) => m.lease_secs(),
        }
    }
    async fn renew(&mut self) -> Result<(), ReachError> {
        match self {
            Mapping::Igd(m) => m.renew().await,
            Mapping::Pmp(m) => m.renew().await,
        }
    }
    async fn public_ip(&self) -> Result<IpAddr, ReachError> {
        match self {
            Mapping::Igd(m) => m.public_ip().await,
            Mapping::Pmp(m) => m.public_ip().await,
        }
        .map(|ip| ip.to_canonical())
    }
    async fn close(self) {
        let protocol = self.protocol();
        let result = match self {
            Mapping::Igd(m) => m.close().await,
            Mapping::Pmp(m) => m.close().await,
        };
        match result {
            Ok(()) => tracing::info!("reach: the port mapping was removed ({protocol})"),
            Err(e) => tracing::warn!("reach: the router did not remove the mapping: {e}"),
        }
    }
}

/// UPnP first (most home routers), then NAT-PMP/PCP.
async fn open(config: &ReachConfig) -> Result<Mapping, ReachError> {
    let t = config.timing;
    let upnp = match igd::find(&config.igd, t.wait).await {
        Ok(gateway) => {
            return igd::IgdMapping::open(gateway, config.local_port, t.lease)
                .await
                .map(Mapping::Igd);
        }
        Err(e) => e,
    };
    tracing::info!("reach: no UPnP answer ({upnp}); trying NAT-PMP/PCP");
    let Some(gateway) = config.nat_pmp_gateway() else {
        return Err(ReachError::NoRouterSupport {
            upnp: Some(upnp),
            nat_pmp: Some("no default gateway".into()),
        });
    };
    pmp::PmpMapping::open(gateway, config.local_port, t.lease, t.wait)
        .await
        .map(Mapping::Pmp)
        .map_err(|e| ReachError::NoRouterSupport {
            upnp: Some(upnp),
            nat_pmp: Some(e),
        })
}

fn url_of(ip: IpAddr, port: u16) -> String {
    match ip {
        IpAddr::V4(v4) => format!("http://{v4}:{port}/"),
        IpAddr::V6(v6) => format!("http://[{v6}]:{port}/"),
    }
}

/// The status for an open mapping whose router reports `ip`.
fn mapped_status(m: &Mapping, ip: IpAddr, previous: Option<&ReachStatus>) -> ReachStatus {
    let port = m.external_port();
    let mut s = ReachStatus {
        state: ReachState::Active,
        protocol: Some(m.protocol()),
        url: None,
        public_ip: Some(ip),
        external_port: Some(port),
        lease_secs: Some(m.lease_secs()),
        message: None,
        changed_from: None,
    };
    if classify(ip) == AddressKind::Public {
        let url = url_of(ip, port);
        // A new address after a working one: paired phones must be told (kept until the next
        // change, so a window opened later still says it).
        let before = previous.and_then(|p| p.url.clone().or_else(|| p.changed_from.clone()));
        match before {
            Some(old) if old != url => {
                s.message = Some(format!(
                    "The address away from home changed: it is now {url}. On each paired phone \
                     that is used away from home, open MPGram's settings and change Instance URL \
                     to {url}"
                ));
                s.changed_from = Some(old);
            }
            _ => {
                if let Some(p) = previous.filter(|p| p.url.as_deref() == Some(url.as_str())) {
                    s.message.clone_from(&p.message);
                    s.changed_from.clone_from(&p.changed_from);
                }
            }
        }
        s.url = Some(url);
    } else {
        s.state = ReachState::HomeOnly;
        s.message = Some(home_only_message(ip));
    }
    s
}

fn failure_status(e: &ReachError, port: u16, was_working: bool) -> ReachStatus {
    let mut s = ReachStatus::starting(port);
    if e.is_unsupported() {
        s.state = ReachState::Unavailable;
        s.message = Some(no_router_support_message(port));
    } else if was_working {
        s.state = ReachState::Retrying;
        s.message = Some(format!(
            "{e} Phones on mobile data cannot reach this PC until it answers again; MPGram \
             Home keeps asking."
        ));
    } else {
        s.state = ReachState::Unavailable;
        s.message = Some(format!(
            "{e} MPGram Home asks again now and then. {}",
            no_router_support_message(port)
                .split_once(". ")
                .map_or("", |(_, rest)| rest)
        ));
    }
    s
}

async fn run(config: ReachConfig, tx: watch::Sender<ReachStatus>, stop: Arc<Notify>) {
    let t = config.timing;
    let schedule = || {
        backon::ExponentialBuilder::default()
            .with_min_delay(t.retry_min)
            .with_max_delay(t.retry_max)
            .with_jitter()
            .without_max_times()
            .build()
    };
    let mut delays = schedule();
    let mut was_working = false;
    loop {
        let opened = tokio::select! {
            r = open(&config) => r,
            () = stop.notified() => return,
        };
        let mut mapping = match opened {
            Ok(m) => m,
            Err(e) => {
                tracing::info!("reach: {e} ({e:?})");
                tx.send_replace(failure_status(&e, config.local_port, was_working));
                let wait = delays.next().unwrap_or(t.retry_max);
                tokio::select! {
                    () = tokio::time::sleep(wait) => continue,
                    () = stop.notified() => return,
                }
            }
        };
        delays = schedule();
        tracing::info!(
            "reach: port {} open on the router ({}), lease {} s",
            mapping.external_port(),
            mapping.protocol(),
            mapping.lease_secs()
        );
        // Hold the mapping: renew and read the address every `refresh`, until a failure (then
        // start over) or stop (then remove it).
        let failure = loop {
            match mapping.public_ip().await {
                Ok(ip) => {
                    let previous = tx.borrow().clone();
                    let next = mapped_status(&mapping, ip, Some(&previous));
                    if next != previous {
                        tx.send_replace(next);
                    }
                    was_working = true;
                }
                Err(e) => break e,
            }
            tokio::select! {
                () = tokio::time::sleep(t.refresh) => {}
                () = stop.notified() => {
                    mapping.close().await;
                    return;
                }
            }
            if let Err(e) = mapping.renew().await {
                break e;
            }
        };
        tracing::warn!("reach: {failure} ({failure:?})");
        let mut s = failure_status(&failure, config.local_port, was_working);
        s.changed_from = tx.borrow().url.clone();
        tx.send_replace(s);
        // The router may have restarted with new addresses: ask from the start, after a pause.
        let wait = delays.next().unwrap_or(t.retry_max);
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            () = stop.notified() => {
                mapping.close().await;
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn home_only_and_unsupported_messages_are_plain_words() {
        let m = home_only_message("100.64.3.4".parse().expect("ip"));
        assert!(m.contains("shared with other customers"), "{m}");
        assert!(m.contains("only be used at home"), "{m}");
        let m = home_only_message("192.168.0.2".parse().expect("ip"));
        assert!(m.contains("another router"), "{m}");
        let m = no_router_support_message(8080);
        assert!(m.contains("does not allow this"), "{m}");
        assert!(
            m.contains("Port forwarding") && m.contains("TCP port 8080"),
            "{m}"
        );
    }

    #[test]
    fn cli_lines() {
        let mut s = ReachStatus::starting(8080);
        assert_eq!(s.cli_line(), None);
        s.state = ReachState::Active;
        s.url = Some("http://81.2.69.160:8080/".into());
        assert_eq!(
            s.cli_line().as_deref(),
            Some("away from home: http://81.2.69.160:8080/")
        );
        s.state = ReachState::HomeOnly;
        s.message = Some(home_only_message("100.64.0.9".parse().expect("ip")));
        assert!(s
            .cli_line()
            .is_some_and(|l| l.starts_with("away from home: not possible")));
    }
}
