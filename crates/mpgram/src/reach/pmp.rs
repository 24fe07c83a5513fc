//! NAT-PMP and PCP (RFC 6886, RFC 6887) through `crab_nat`: PCP first, NAT-PMP when PCP fails.

use std::net::IpAddr;
use std::num::NonZeroU16;
use std::time::Duration;

use crab_nat::{
    natpmp, InternetProtocol, PortMapping, PortMappingOptions, PortMappingType, TimeoutConfig,
};

use super::igd::local_ip_towards;
use super::{Protocol, ReachError};

/// A port opened with NAT-PMP or PCP.
pub(super) struct PmpMapping {
    mapping: PortMapping,
}

fn timeouts(wait: Duration) -> TimeoutConfig {
    // RFC 6886 asks for up to 9 tries doubling from 250 ms (over a minute); a home router answers
    // the first or not at all, so a short schedule keeps "not supported" quick.
    TimeoutConfig {
        initial_timeout: wait.min(Duration::from_millis(500)),
        max_retries: 2,
        max_retry_timeout: Some(wait),
    }
}

impl PmpMapping {
    pub(super) async fn open(
        gateway: IpAddr,
        local_port: u16,
        lease: Duration,
        wait: Duration,
    ) -> Result<Self, String> {
        let port = NonZeroU16::new(local_port).ok_or("port 0")?;
        let client = local_ip_towards(gateway).await.map_err(|e| e.to_string())?;
        let options = PortMappingOptions {
            external_port: Some(port),
            lifetime_seconds: Some(u32::try_from(lease.as_secs()).unwrap_or(u32::MAX)),
            timeout_config: Some(timeouts(wait)),
        };
        // `PortMapping::new` falls back to NAT-PMP only when the router says so in PCP; a router
        // that ignores PCP altogether still gets asked in NAT-PMP.
        let mapping =
            match PortMapping::new(gateway.into(), client, InternetProtocol::Tcp, port, options)
                .await
            {
                Ok(m) => m,
                Err(pcp) => {
                    natpmp::port_mapping(gateway.into(), InternetProtocol::Tcp, port, options)
                        .await
                        .map_err(|e| format!("{pcp}; {e}"))?
                }
            };
        Ok(Self { mapping })
    }

    pub(super) fn protocol(&self) -> Protocol {
        match self.mapping.mapping_type() {
            PortMappingType::NatPmp => Protocol::NatPmp,
            PortMappingType::Pcp { .. } => Protocol::Pcp,
        }
    }

    pub(super) fn external_port(&self) -> u16 {
        self.mapping.external_port().get()
    }

    pub(super) fn lease_secs(&self) -> u32 {
        self.mapping.lifetime()
    }

    pub(super) async fn renew(&mut self) -> Result<(), ReachError> {
        self.mapping
            .renew()
            .await
            .map_err(|e| ReachError::Lost(e.to_string()))
    }

    /// PCP gives the address with the mapping; NAT-PMP has its own question for it.
    pub(super) async fn public_ip(&self) -> Result<IpAddr, ReachError> {
        match self.mapping.mapping_type() {
            PortMappingType::Pcp { external_ip, .. } => Ok(external_ip),
            PortMappingType::NatPmp => {
                natpmp::external_address(self.mapping.gateway(), Some(self.mapping.timeout_config))
                    .await
                    .map(IpAddr::V4)
                    .map_err(|e| ReachError::NoAddress(e.to_string()))
            }
        }
    }

    pub(super) async fn close(self) -> Result<(), String> {
        self.mapping
            .try_drop()
            .await
            .map_err(|(e, _)| e.to_string())
    }
}
