//! UPnP-IGD (v1 and v2) through `igd-next`: find the router, open the port with a lease, renew
//! it, read the public address, close it.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;

use igd_next::aio::tokio::{search_gateway, Tokio};
use igd_next::aio::Gateway;
use igd_next::{AddAnyPortError, AddPortError, PortMappingProtocol, SearchOptions};
use tokio::net::UdpSocket;

use super::{ReachError, DESCRIPTION};

/// Where the router's UPnP description comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IgdSource {
    /// An SSDP search sent to this address (the multicast group `239.255.255.250:1900` on a real
    /// network; a loopback responder in tests).
    Discover(SocketAddr),
    /// The router's description URL, given by the person (`--gateway`).
    Url { url: String, host: IpAddr },
}

impl IgdSource {
    /// The standard SSDP multicast group.
    pub fn discover() -> Self {
        IgdSource::Discover(SocketAddr::from((Ipv4Addr::new(239, 255, 255, 250), 1900)))
    }

    /// A description URL, `http://IP[:PORT]/path`.
    pub fn url(url: &str) -> Result<Self, ReachError> {
        let bad = || ReachError::GatewayUrl(url.to_owned());
        let rest = url.strip_prefix("http://").ok_or_else(bad)?;
        let authority = rest.split('/').next().unwrap_or_default();
        let host = if let Some(v6) = authority.strip_prefix('[') {
            v6.split(']').next().unwrap_or_default()
        } else {
            authority.split(':').next().unwrap_or_default()
        };
        let host: IpAddr = host.parse().map_err(|_| bad())?;
        Ok(IgdSource::Url {
            url: url.to_owned(),
            host,
        })
    }

    /// The router's IP, when known before asking it anything.
    pub fn host(&self) -> Option<IpAddr> {
        match self {
            IgdSource::Url { host, .. } => Some(*host),
            IgdSource::Discover(_) => None,
        }
    }
}

/// A port opened on an IGD.
pub(super) struct IgdMapping {
    gateway: Gateway<Tokio>,
    pub external_port: u16,
    local: SocketAddr,
    /// Seconds; 0 when the router takes only permanent mappings (IGDv1 error 725).
    lease: u32,
}

/// Finds the router (`timeout` bounds the search).
pub(super) async fn find(source: &IgdSource, timeout: Duration) -> Result<Gateway<Tokio>, String> {
    let mut options = SearchOptions::default();
    options.timeout = Some(timeout);
    options.single_search_timeout = Some(timeout);
    // igd-next builds a gateway only from a discovery answer. For a known description URL, a
    // responder on loopback gives that answer (the URL in its LOCATION), and the crate does the
    // rest: description, control URL, service type. The router's IP is trusted explicitly since
    // the answer does not come from it.
    let _responder;
    match source {
        IgdSource::Discover(target) => {
            options.broadcast_address = *target;
            if target.ip().is_loopback() {
                options.bind_addr = SocketAddr::new(target.ip(), 0);
                options.allowed_gateway_ips = vec![target.ip()];
            }
        }
        IgdSource::Url { url, host } => {
            let (addr, task) = answer_search_with(url.clone())
                .await
                .map_err(|e| e.to_string())?;
            _responder = AbortOnDrop(task);
            options.broadcast_address = addr;
            options.bind_addr = SocketAddr::new(addr.ip(), 0);
            options.allowed_gateway_ips = vec![*host];
        }
    }
    search_gateway(options).await.map_err(|e| e.to_string())
}

struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// A loopback UDP socket that answers every SSDP search with `location`.
async fn answer_search_with(
    location: String,
) -> std::io::Result<(SocketAddr, tokio::task::JoinHandle<()>)> {
    let socket = UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).await?;
    let addr = socket.local_addr()?;
    let task = tokio::spawn(async move {
        let mut buf = [0u8; 1500];
        while let Ok((_, from)) = socket.recv_from(&mut buf).await {
            let answer = format!(
                "HTTP/1.1 200 OK\r\nCACHE-CONTROL: max-age=120\r\nST: \
                 urn:schemas-upnp-org:device:InternetGatewayDevice:1\r\nUSN: uuid:given\r\n\
                 LOCATION: {location}\r\n\r\n"
            );
            let _ = socket.send_to(answer.as_bytes(), from).await;
        }
    });
    Ok((addr, task))
}

/// This PC's address on the way to `to` (no packet is sent: a UDP `connect` only picks a route).
pub(super) async fn local_ip_towards(to: IpAddr) -> std::io::Result<IpAddr> {
    let bind: SocketAddr = match to {
        IpAddr::V4(_) => (Ipv4Addr::UNSPECIFIED, 0).into(),
        IpAddr::V6(_) => (std::net::Ipv6Addr::UNSPECIFIED, 0).into(),
    };
    let socket = UdpSocket::bind(bind).await?;
    socket.connect((to, 9)).await?;
    Ok(socket.local_addr()?.ip())
}

fn refused(port: u16, reason: impl Into<String>) -> ReachError {
    ReachError::Refused {
        port,
        reason: reason.into(),
    }
}

fn add_error(port: u16, e: &AddPortError) -> ReachError {
    match e {
        AddPortError::ActionNotAuthorized => refused(
            port,
            "its settings do not let programs open ports (turn on UPnP, or its \"allow port \
             changes\" option)",
        ),
        AddPortError::PortInUse => refused(port, "another device already uses that port"),
        AddPortError::RequestError(r) => ReachError::Lost(r.to_string()),
        other => refused(port, other.to_string()),
    }
}

impl IgdMapping {
    /// Opens `local_port` on the router, the same port outside when free, else one the router
    /// picks. Asks for `lease`; a router that takes only permanent mappings gets one (removed on
    /// quit like the others).
    pub(super) async fn open(
        gateway: Gateway<Tokio>,
        local_port: u16,
        lease: Duration,
    ) -> Result<Self, ReachError> {
        let local = SocketAddr::new(local_ip_towards(gateway.addr.ip()).await?, local_port);
        let mut m = IgdMapping {
            gateway,
            external_port: local_port,
            local,
            lease: u32::try_from(lease.as_secs()).unwrap_or(u32::MAX),
        };
        match m.add().await {
            Ok(()) => Ok(m),
            Err(AddPortError::OnlyPermanentLeasesSupported) => {
                m.lease = 0;
                m.add().await.map_err(|e| add_error(local_port, &e))?;
                Ok(m)
            }
            Err(AddPortError::PortInUse | AddPortError::SamePortValuesRequired) => {
                let port = m
                    .gateway
                    .add_any_port(PortMappingProtocol::TCP, m.local, m.lease, DESCRIPTION)
                    .await
                    .map_err(|e| match e {
                        AddAnyPortError::RequestError(r) => ReachError::Lost(r.to_string()),
                        AddAnyPortError::ActionNotAuthorized => {
                            add_error(local_port, &AddPortError::ActionNotAuthorized)
                        }
                        other => refused(local_port, other.to_string()),
                    })?;
                m.external_port = port;
                Ok(m)
            }
            Err(e) => Err(add_error(local_port, &e)),
        }
    }

    async fn add(&self) -> Result<(), AddPortError> {
        self.gateway
            .add_port(
                PortMappingProtocol::TCP,
                self.external_port,
                self.local,
                self.lease,
                DESCRIPTION,
            )
            .await
    }

    /// Asks for the mapping again with a full lease: renews it, and brings it back if the router
    /// forgot it (a restart).
    pub(super) async fn renew(&self) -> Result<(), ReachError> {
        self.add()
            .await
            .map_err(|e| add_error(self.external_port, &e))
    }

    pub(super) async fn public_ip(&self) -> Result<IpAddr, ReachError> {
        self.gateway
            .get_external_ip()
            .await
            .map_err(|e| ReachError::NoAddress(e.to_string()))
    }

    /// The lease in seconds as granted (0: permanent).
    pub(super) fn lease_secs(&self) -> u32 {
        self.lease
    }

    pub(super) async fn close(self) -> Result<(), String> {
        self.gateway
            .remove_port(PortMappingProtocol::TCP, self.external_port)
            .await
            .map_err(|e| e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gateway_urls_need_an_ip_address() {
        let s = IgdSource::url("http://192.168.1.1:5000/rootDesc.xml").expect("url");
        assert_eq!(s.host(), Some(IpAddr::from([192, 168, 1, 1])));
        let s = IgdSource::url("http://[fe80::1]:5000/desc.xml").expect("v6");
        assert_eq!(s.host(), Some("fe80::1".parse().expect("ip")));
        for bad in [
            "https://192.168.1.1/x",
            "http://router.local/desc.xml",
            "192.168.1.1",
        ] {
            let e = IgdSource::url(bad).expect_err(bad);
            assert!(e.to_string().contains("IP address"), "{e}");
        }
    }
}
