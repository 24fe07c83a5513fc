//! What can go wrong while asking the router for a port, in words for the person at the PC.

use thiserror::Error;

/// A failed step of [`super::Reach`]. `Display` is a sentence for people; the technical cause is
/// in `Debug` and in the log.
#[derive(Debug, Error)]
pub enum ReachError {
    /// `--gateway` is not an `http://IP:PORT/…` address.
    #[error(
        "The router address {0} is not usable: give the address of its UPnP description, like \
         http://192.168.1.1:5000/rootDesc.xml (with the router's IP address, not its name)."
    )]
    GatewayUrl(String),
    /// No UPnP answer and no NAT-PMP/PCP answer.
    #[error(
        "Your router does not allow this: it did not answer when asked to open a port (it speaks \
         neither UPnP nor NAT-PMP, or they are switched off)."
    )]
    NoRouterSupport {
        upnp: Option<String>,
        nat_pmp: Option<String>,
    },
    /// The router answered but would not open the port.
    #[error("The router refused to open port {port}: {reason}")]
    Refused { port: u16, reason: String },
    /// It answered before and stopped now.
    #[error("The router stopped answering ({0}).")]
    Lost(String),
    /// The router's public address was not given or was unusable.
    #[error("The router did not tell its address on the internet ({0}).")]
    NoAddress(String),
    /// Local sockets.
    #[error("This PC could not talk to the router: {0}")]
    Io(#[from] std::io::Error),
}

impl ReachError {
    /// Whether asking again later can help (the router may come back); a router with neither
    /// protocol is asked again too, but seldom.
    pub fn is_unsupported(&self) -> bool {
        matches!(self, ReachError::NoRouterSupport { .. })
    }
}
