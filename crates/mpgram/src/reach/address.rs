//! Which addresses are "outside": the router's public address (can a phone on mobile data use
//! it?) and a caller's address (is this request from the home network or from the internet?).

use std::net::IpAddr;

/// What kind of address the router reports as its own on the internet side.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddressKind {
    /// Reachable from the internet: phones on mobile data can use it.
    Public,
    /// A private (RFC 1918, unique-local) address: the router sits behind another router, usually
    /// the provider's.
    Private,
    /// The provider's carrier-grade NAT range (100.64.0.0/10, RFC 6598), shared with other
    /// customers.
    Shared,
    /// Loopback, link-local, unspecified, documentation or multicast: not an address anyone can
    /// reach.
    Unusable,
}

/// The kind of `ip` as a public address.
pub fn classify(ip: IpAddr) -> AddressKind {
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            if o[0] == 100 && (64..128).contains(&o[1]) {
                AddressKind::Shared
            } else if v4.is_private() {
                AddressKind::Private
            } else if v4.is_loopback()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || v4.is_documentation()
                || o[0] == 0
                || o[0] >= 240
                // 192.0.0.0/24: IETF protocol assignments (DS-Lite's B4 addresses live here).
                || (o[0] == 192 && o[1] == 0 && o[2] == 0)
            {
                AddressKind::Unusable
            } else {
                AddressKind::Public
            }
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return classify(IpAddr::V4(v4));
            }
            let first = v6.segments()[0];
            if first & 0xfe00 == 0xfc00 {
                AddressKind::Private
            } else if v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || first & 0xffc0 == 0xfe80
                || first == 0x2001 && v6.segments()[1] == 0x0db8
            {
                AddressKind::Unusable
            } else {
                AddressKind::Public
            }
        }
    }
}

/// Whether a request from `peer` comes from outside the home network: not loopback, private,
/// link-local or the provider's shared range, not one of this machine's addresses (`local`), and
/// for IPv6 not in the same /64 as one of them (a phone on the home Wi-Fi with a global IPv6
/// address).
pub fn is_outside(peer: IpAddr, local: &[IpAddr]) -> bool {
    let peer = match peer {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(peer, IpAddr::V4),
        v4 @ IpAddr::V4(_) => v4,
    };
    if classify(peer) != AddressKind::Public {
        return false;
    }
    !local.iter().any(|l| match (l, peer) {
        (IpAddr::V4(l), IpAddr::V4(p)) => *l == p,
        (IpAddr::V6(l), IpAddr::V6(p)) => l.segments()[..4] == p.segments()[..4],
        _ => false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("address")
    }

    #[test]
    fn router_addresses_are_told_apart() {
        assert_eq!(classify(ip("203.0.114.7")), AddressKind::Public);
        assert_eq!(classify(ip("81.2.69.160")), AddressKind::Public);
        assert_eq!(classify(ip("100.64.0.1")), AddressKind::Shared);
        assert_eq!(classify(ip("100.127.255.254")), AddressKind::Shared);
        assert_eq!(classify(ip("100.128.0.1")), AddressKind::Public);
        for private in [
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.1",
            "192.168.1.1",
            "fd00::1",
        ] {
            assert_eq!(classify(ip(private)), AddressKind::Private, "{private}");
        }
        for unusable in [
            "127.0.0.1",
            "169.254.1.1",
            "0.0.0.0",
            "fe80::1",
            "::1",
            "192.0.0.2",
        ] {
            assert_eq!(classify(ip(unusable)), AddressKind::Unusable, "{unusable}");
        }
        assert_eq!(classify(ip("2a01:4f8::1")), AddressKind::Public);
        assert_eq!(classify(ip("::ffff:100.64.1.1")), AddressKind::Shared);
    }

    #[test]
    fn callers_from_the_home_network_are_inside() {
        let local = [ip("192.168.1.20"), ip("2a01:4f8:1:2::20")];
        for inside in [
            "127.0.0.1",
            "192.168.1.33",
            "10.0.0.5",
            "100.70.1.1",
            "fe80::1",
            "::ffff:192.168.1.40",
            "2a01:4f8:1:2::99",
        ] {
            assert!(!is_outside(ip(inside), &local), "{inside}");
        }
        for outside in ["81.2.69.160", "2a02:1:2:3::4", "::ffff:81.2.69.161"] {
            assert!(is_outside(ip(outside), &local), "{outside}");
        }
    }
}
