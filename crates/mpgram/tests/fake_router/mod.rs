//! A fake home router on loopback: a UPnP-IGD (SSDP answer, description, SCPD, SOAP control URL)
//! and a NAT-PMP responder (answering PCP with "unsupported version", as NAT-PMP-only routers
//! do). Nothing here sends a packet anywhere but 127.0.0.0/8, and never multicast.
#![allow(dead_code)]

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use axum::Router;
use tokio::net::{TcpListener, UdpSocket};
use tokio::sync::watch;

/// One SOAP call as the router saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    pub action: String,
    pub external_port: Option<u16>,
    pub internal_port: Option<u16>,
    pub internal_client: Option<String>,
    pub lease: Option<u32>,
    pub protocol: Option<String>,
}

/// A mapping the router holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub external_port: u16,
    pub internal_port: u16,
    pub client: String,
    pub lease: u32,
}

#[derive(Debug)]
pub struct RouterState {
    pub external_ip: IpAddr,
    pub calls: Vec<Call>,
    pub mappings: Vec<Entry>,
    /// IGDv1 routers that answer 725 OnlyPermanentLeasesSupported to a non-zero lease.
    pub only_permanent: bool,
}

/// The fake IGD, with `version` 1 or 2 of the WANIPConnection service.
pub struct FakeIgd {
    pub addr: SocketAddr,
    pub state: Arc<Mutex<RouterState>>,
    changes: watch::Sender<u64>,
    server: tokio::task::JoinHandle<()>,
}

fn lock(s: &Mutex<RouterState>) -> std::sync::MutexGuard<'_, RouterState> {
    s.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn tag(body: &str, name: &str) -> Option<String> {
    let open = format!("<{name}>");
    let start = body.find(&open)? + open.len();
    let end = body[start..].find(&format!("</{name}>"))? + start;
    Some(body[start..end].to_owned())
}

const ACTIONS: &[(&str, &[&str])] = &[
    (
        "AddPortMapping",
        &[
            "NewRemoteHost",
            "NewExternalPort",
            "NewProtocol",
            "NewInternalPort",
            "NewInternalClient",
            "NewEnabled",
            "NewPortMappingDescription",
            "NewLeaseDuration",
        ],
    ),
    (
        "DeletePortMapping",
        &["NewRemoteHost", "NewExternalPort", "NewProtocol"],
    ),
    ("GetExternalIPAddress", &[]),
    (
        "GetSpecificPortMappingEntry",
        &["NewRemoteHost", "NewExternalPort", "NewProtocol"],
    ),
    ("GetGenericPortMappingEntry", &["NewPortMappingIndex"]),
];

fn description(version: u8) -> String {
    format!(
        r#"<?xml version="1.0"?>
<root xmlns="urn:schemas-upnp-org:device-1-0">
<specVersion><major>1</major><minor>0</minor></specVersion>
<device>
<deviceType>urn:schemas-upnp-org:device:InternetGatewayDevice:{version}</deviceType>
<friendlyName>Fake router</friendlyName>
<deviceList><device>
<deviceType>urn:schemas-upnp-org:device:WANDevice:{version}</deviceType>
<deviceList><device>
<deviceType>urn:schemas-upnp-org:device:WANConnectionDevice:{version}</deviceType>
<serviceList><service>
<serviceType>urn:schemas-upnp-org:service:WANIPConnection:{version}</serviceType>
<serviceId>urn:upnp-org:serviceId:WANIPConn1</serviceId>
<controlURL>/ctl/IPConn</controlURL>
<eventSubURL>/evt/IPConn</eventSubURL>
<SCPDURL>/WANIPCn.xml</SCPDURL>
</service></serviceList>
</device></deviceList>
</device></deviceList>
</device>
</root>"#
    )
}

fn scpd() -> String {
    use std::fmt::Write as _;
    let mut actions = String::new();
    for (name, args) in ACTIONS {
        let _ = write!(actions, "<action><name>{name}</name><argumentList>");
        for a in *args {
            let _ = write!(
                actions,
                "<argument><name>{a}</name><direction>in</direction></argument>"
            );
        }
        actions.push_str("</argumentList></action>");
    }
    format!(
        r#"<?xml version="1.0"?><scpd xmlns="urn:schemas-upnp-org:service-1-0"><actionList>{actions}</actionList></scpd>"#
    )
}

fn envelope(inner: &str) -> String {
    format!(
        r#"<?xml version="1.0"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" s:encodingStyle="http://schemas.xmlsoap.org/soap/encoding/"><s:Body>{inner}</s:Body></s:Envelope>"#
    )
}

fn fault(code: u16, text: &str) -> (StatusCode, String) {
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        envelope(&format!(
            r#"<s:Fault><faultcode>s:Client</faultcode><faultstring>UPnPError</faultstring><detail><UPnPError xmlns="urn:schemas-upnp-org:control-1-0"><errorCode>{code}</errorCode><errorDescription>{text}</errorDescription></UPnPError></detail></s:Fault>"#
        )),
    )
}

impl FakeIgd {
    pub async fn start(version: u8, external_ip: IpAddr) -> Self {
        let state = Arc::new(Mutex::new(RouterState {
            external_ip,
            calls: Vec::new(),
            mappings: Vec::new(),
            only_permanent: false,
        }));
        let (changes, _) = watch::channel(0u64);
        let st = Arc::clone(&state);
        let ch = changes.clone();
        let service = format!("urn:schemas-upnp-org:service:WANIPConnection:{version}");
        let app = Router::new()
            .route(
                "/desc.xml",
                get(move || async move { description(version) }),
            )
            .route("/WANIPCn.xml", get(|| async { scpd() }))
            .route(
                "/ctl/IPConn",
                post(move |headers: HeaderMap, body: Bytes| {
                    let st = Arc::clone(&st);
                    let ch = ch.clone();
                    let service = service.clone();
                    async move { control(&st, &ch, &service, &headers, &body) }
                }),
            );
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .await
            .expect("fake IGD listens");
        let addr = listener.local_addr().expect("addr");
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self {
            addr,
            state,
            changes,
            server,
        }
    }

    pub fn description_url(&self) -> String {
        format!("http://{}/desc.xml", self.addr)
    }

    pub fn calls(&self) -> Vec<Call> {
        lock(&self.state).calls.clone()
    }

    pub fn mappings(&self) -> Vec<Entry> {
        lock(&self.state).mappings.clone()
    }

    pub fn set_external_ip(&self, ip: IpAddr) {
        lock(&self.state).external_ip = ip;
    }

    pub fn set_only_permanent(&self, on: bool) {
        lock(&self.state).only_permanent = on;
    }

    /// The router restarts and forgets every mapping.
    pub fn forget(&self) {
        lock(&self.state).mappings.clear();
    }

    /// Waits (no deadline of its own) until `cond` holds for the router's state; rechecked
    /// after every SOAP call.
    pub async fn wait_for(&self, cond: impl Fn(&RouterState) -> bool) {
        let mut rx = self.changes.subscribe();
        loop {
            if cond(&lock(&self.state)) {
                return;
            }
            if rx.changed().await.is_err() {
                return;
            }
        }
    }

    /// An SSDP responder on loopback that points at this router (for discovery tests).
    pub async fn ssdp(&self) -> SocketAddr {
        let socket = UdpSocket::bind((Ipv4Addr::LOCALHOST, 0))
            .await
            .expect("ssdp socket");
        let addr = socket.local_addr().expect("addr");
        let location = self.description_url();
        tokio::spawn(async move {
            let mut buf = [0u8; 1500];
            while let Ok((n, from)) = socket.recv_from(&mut buf).await {
                let req = String::from_utf8_lossy(&buf[..n]);
                if !req.starts_with("M-SEARCH") {
                    continue;
                }
                let answer = format!(
                    "HTTP/1.1 200 OK\r\nCACHE-CONTROL: max-age=120\r\nST: urn:schemas-upnp-org:device:InternetGatewayDevice:1\r\nUSN: uuid:fake::urn:schemas-upnp-org:device:InternetGatewayDevice:1\r\nLOCATION: {location}\r\n\r\n"
                );
                let _ = socket.send_to(answer.as_bytes(), from).await;
            }
        });
        addr
    }
}

impl Drop for FakeIgd {
    fn drop(&mut self) {
        self.server.abort();
    }
}

fn control(
    state: &Mutex<RouterState>,
    changes: &watch::Sender<u64>,
    service: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> (StatusCode, String) {
    let body = String::from_utf8_lossy(body);
    let soap = headers
        .get("soapaction")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .trim_matches('"')
        .to_owned();
    let Some((svc, action)) = soap.split_once('#') else {
        return fault(401, "Invalid Action");
    };
    let call = Call {
        action: action.to_owned(),
        external_port: tag(&body, "NewExternalPort").and_then(|p| p.parse().ok()),
        internal_port: tag(&body, "NewInternalPort").and_then(|p| p.parse().ok()),
        internal_client: tag(&body, "NewInternalClient"),
        lease: tag(&body, "NewLeaseDuration").and_then(|p| p.parse().ok()),
        protocol: tag(&body, "NewProtocol"),
    };
    let mut s = lock(state);
    s.calls.push(call.clone());
    let answer = if svc == service {
        match action {
            "GetExternalIPAddress" => (
                StatusCode::OK,
                envelope(&format!(
                    r#"<u:GetExternalIPAddressResponse xmlns:u="{service}"><NewExternalIPAddress>{}</NewExternalIPAddress></u:GetExternalIPAddressResponse>"#,
                    s.external_ip
                )),
            ),
            "AddPortMapping" => {
                let lease = call.lease.unwrap_or(0);
                if s.only_permanent && lease != 0 {
                    fault(725, "OnlyPermanentLeasesSupported")
                } else {
                    let entry = Entry {
                        external_port: call.external_port.unwrap_or(0),
                        internal_port: call.internal_port.unwrap_or(0),
                        client: call.internal_client.clone().unwrap_or_default(),
                        lease,
                    };
                    s.mappings
                        .retain(|m| m.external_port != entry.external_port);
                    s.mappings.push(entry);
                    (
                        StatusCode::OK,
                        envelope(&format!(
                            r#"<u:AddPortMappingResponse xmlns:u="{service}"/>"#
                        )),
                    )
                }
            }
            "DeletePortMapping" => {
                let port = call.external_port.unwrap_or(0);
                if s.mappings.iter().any(|m| m.external_port == port) {
                    s.mappings.retain(|m| m.external_port != port);
                    (
                        StatusCode::OK,
                        envelope(&format!(
                            r#"<u:DeletePortMappingResponse xmlns:u="{service}"/>"#
                        )),
                    )
                } else {
                    fault(714, "NoSuchEntryInArray")
                }
            }
            "GetSpecificPortMappingEntry" => {
                let port = call.external_port.unwrap_or(0);
                match s.mappings.iter().find(|m| m.external_port == port) {
                    Some(m) => (
                        StatusCode::OK,
                        envelope(&format!(
                            r#"<u:GetSpecificPortMappingEntryResponse xmlns:u="{service}"><NewInternalPort>{}</NewInternalPort><NewInternalClient>{}</NewInternalClient><NewEnabled>1</NewEnabled><NewPortMappingDescription>x</NewPortMappingDescription><NewLeaseDuration>{}</NewLeaseDuration></u:GetSpecificPortMappingEntryResponse>"#,
                            m.internal_port, m.client, m.lease
                        )),
                    ),
                    None => fault(714, "NoSuchEntryInArray"),
                }
            }
            _ => fault(401, "Invalid Action"),
        }
    } else {
        fault(401, "Invalid Action")
    };
    drop(s);
    changes.send_modify(|n| *n += 1);
    answer
}

/// A NAT-PMP-only router on a loopback address, port 5351 (the protocol's fixed port; each test
/// takes its own 127.x.y.z so they can run side by side).
pub struct FakeNatPmp {
    pub ip: IpAddr,
    pub state: Arc<Mutex<RouterState>>,
    changes: watch::Sender<u64>,
    task: tokio::task::JoinHandle<()>,
}

impl FakeNatPmp {
    pub async fn start(external_ip: Ipv4Addr) -> Self {
        let (socket, ip) = loop {
            let r: [u8; 2] = rand_bytes();
            let ip = Ipv4Addr::new(127, 53, r[0], r[1].max(1));
            if let Ok(s) = UdpSocket::bind((ip, 5351)).await {
                break (s, IpAddr::V4(ip));
            }
        };
        let state = Arc::new(Mutex::new(RouterState {
            external_ip: IpAddr::V4(external_ip),
            calls: Vec::new(),
            mappings: Vec::new(),
            only_permanent: false,
        }));
        let (changes, _) = watch::channel(0u64);
        let st = Arc::clone(&state);
        let ch = changes.clone();
        let task = tokio::spawn(async move {
            let mut buf = [0u8; 1100];
            while let Ok((n, from)) = socket.recv_from(&mut buf).await {
                if let Some(answer) = natpmp_answer(&st, &buf[..n]) {
                    let _ = socket.send_to(&answer, from).await;
                }
                ch.send_modify(|n| *n += 1);
            }
        });
        Self {
            ip,
            state,
            changes,
            task,
        }
    }

    pub fn calls(&self) -> Vec<Call> {
        lock(&self.state).calls.clone()
    }

    pub fn mappings(&self) -> Vec<Entry> {
        lock(&self.state).mappings.clone()
    }

    pub fn set_external_ip(&self, ip: Ipv4Addr) {
        lock(&self.state).external_ip = IpAddr::V4(ip);
    }

    pub fn forget(&self) {
        lock(&self.state).mappings.clear();
    }

    pub async fn wait_for(&self, cond: impl Fn(&RouterState) -> bool) {
        let mut rx = self.changes.subscribe();
        loop {
            if cond(&lock(&self.state)) {
                return;
            }
            if rx.changed().await.is_err() {
                return;
            }
        }
    }
}

impl Drop for FakeNatPmp {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn rand_bytes() -> [u8; 2] {
    let n = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos())
        ^ std::process::id().rotate_left(7);
    let n = n.wrapping_mul(2_654_435_761);
    [(n >> 8) as u8, (n >> 16) as u8]
}

fn natpmp_answer(state: &Mutex<RouterState>, req: &[u8]) -> Option<Vec<u8>> {
    let epoch = 1000u32.to_be_bytes();
    let version = *req.first()?;
    let op = *req.get(1)?;
    let mut s = lock(state);
    if version != 0 {
        // PCP (version 2) to a NAT-PMP-only router: "unsupported version", in NAT-PMP form.
        s.calls.push(Call {
            action: "PCP".into(),
            external_port: None,
            internal_port: None,
            internal_client: None,
            lease: None,
            protocol: None,
        });
        let mut a = vec![0, 0x80 | (op & 0x7f), 0, 1];
        a.extend_from_slice(&epoch);
        return Some(a);
    }
    match op {
        0 => {
            s.calls.push(Call {
                action: "ExternalAddress".into(),
                external_port: None,
                internal_port: None,
                internal_client: None,
                lease: None,
                protocol: None,
            });
            let IpAddr::V4(ip) = s.external_ip else {
                return None;
            };
            let mut a = vec![0, 128, 0, 0];
            a.extend_from_slice(&epoch);
            a.extend_from_slice(&ip.octets());
            Some(a)
        }
        1 | 2 if req.len() >= 12 => {
            let internal = u16::from_be_bytes([req[4], req[5]]);
            let suggested = u16::from_be_bytes([req[6], req[7]]);
            let lease = u32::from_be_bytes([req[8], req[9], req[10], req[11]]);
            s.calls.push(Call {
                action: if lease == 0 { "Delete" } else { "Map" }.into(),
                external_port: Some(suggested),
                internal_port: Some(internal),
                internal_client: None,
                lease: Some(lease),
                protocol: Some(if op == 2 { "TCP" } else { "UDP" }.into()),
            });
            let external = if lease == 0 {
                s.mappings.retain(|m| m.internal_port != internal);
                0
            } else {
                let external = if suggested == 0 { internal } else { suggested };
                s.mappings.retain(|m| m.internal_port != internal);
                s.mappings.push(Entry {
                    external_port: external,
                    internal_port: internal,
                    client: String::new(),
                    lease,
                });
                external
            };
            let mut a = vec![0, 128 + op, 0, 0];
            a.extend_from_slice(&epoch);
            a.extend_from_slice(&internal.to_be_bytes());
            a.extend_from_slice(&external.to_be_bytes());
            a.extend_from_slice(&lease.to_be_bytes());
            Some(a)
        }
        _ => None,
    }
}

/// A loopback UDP port where nothing answers (for "the router does not allow this").
pub fn silent_udp() -> SocketAddr {
    let s = std::net::UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).expect("udp");
    let addr = s.local_addr().expect("addr");
    // Kept open and never read: a search sent there gets no answer (not even "unreachable").
    std::mem::forget(s);
    addr
}
