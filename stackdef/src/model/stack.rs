//! The stack: services plus the networks, volumes and secrets they share.

use std::fmt;
use std::net::IpAddr;

use stackdef_macros::Builder;

use crate::error::{Error, Result};
use crate::model::env::EnvVar;
use crate::model::name::{
    ConfigName, EnvKey, NetworkName, ProjectName, SecretName, ServiceName, VolumeName,
};
use crate::model::proxy::Proxy;
use crate::model::service::Service;
use crate::model::text::ExtValue;

/// An IP subnet in CIDR notation (`172.28.0.0/16`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Subnet {
    addr: IpAddr,
    prefix: u8,
}

impl Subnet {
    /// Parses `addr/prefix`; the prefix must fit the address family.
    pub fn parse(s: &str) -> Result<Self> {
        let bad = |why: &str| Error::invalid("subnet", s, why);
        let (addr, prefix) = s
            .split_once('/')
            .ok_or_else(|| bad("expected `address/prefix`"))?;
        let addr: IpAddr = addr
            .parse()
            .map_err(|_| bad("the address is not an IP address"))?;
        let prefix: u8 = prefix
            .parse()
            .map_err(|_| bad("the prefix is not a number"))?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        if prefix > max {
            return Err(bad("the prefix is longer than the address"));
        }
        Ok(Subnet { addr, prefix })
    }

    /// Whether `ip` lies in the subnet.
    pub fn contains(&self, ip: IpAddr) -> bool {
        let bits = |a: IpAddr| -> (u128, u32) {
            match a {
                IpAddr::V4(v4) => (u128::from(u32::from(v4)), 32),
                IpAddr::V6(v6) => (u128::from(v6), 128),
            }
        };
        let ((net, width), (addr, w)) = (bits(self.addr), bits(ip));
        if width != w {
            return false;
        }
        let host_bits = width - u32::from(self.prefix);
        host_bits >= 128 || net >> host_bits == addr >> host_bits
    }

    /// The first address after the network's own, which the engine gives the network's
    /// gateway unless the network names another; `None` for a subnet too small to hold it.
    pub fn default_gateway(&self) -> Option<IpAddr> {
        match self.addr {
            IpAddr::V4(v4) if self.prefix < 31 => {
                let host = 32 - u32::from(self.prefix);
                let base = u32::from(v4) >> host << host;
                Some(IpAddr::V4((base + 1).into()))
            }
            IpAddr::V6(v6) if self.prefix < 127 => {
                let host = 128 - u32::from(self.prefix);
                let base = u128::from(v6) >> host << host;
                Some(IpAddr::V6((base + 1).into()))
            }
            _ => None,
        }
    }
}

impl fmt::Display for Subnet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

/// A network declared by the stack.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Builder)]
#[builder(field_defaults(default))]
pub struct Network {
    /// The key under `networks:`.
    #[builder(!default)]
    pub name: NetworkName,
    /// The driver, e.g. `bridge`.
    #[builder(setter(strip_option, into))]
    pub driver: Option<String>,
    /// No outside connectivity.
    pub internal: bool,
    /// Created outside the stack.
    pub external: bool,
    /// The actual network name, when it differs from the key.
    #[builder(setter(strip_option, into))]
    pub real_name: Option<String>,
    /// IPAM subnet.
    #[builder(setter(strip_option))]
    pub subnet: Option<Subnet>,
}

impl Network {
    /// A network with default settings.
    pub fn new(name: NetworkName) -> Self {
        Network::builder().name(name).build()
    }
}

/// A named volume declared by the stack.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Builder)]
#[builder(field_defaults(default))]
pub struct Volume {
    /// The key under `volumes:`.
    #[builder(!default)]
    pub name: VolumeName,
    /// The driver.
    #[builder(setter(strip_option, into))]
    pub driver: Option<String>,
    /// Driver options, in order.
    pub driver_opts: Vec<(String, String)>,
    /// Created outside the stack.
    pub external: bool,
    /// The actual volume name, when it differs from the key.
    #[builder(setter(strip_option, into))]
    pub real_name: Option<String>,
    /// How much storage it needs: the size of its claim on a cluster ([`crate::emit::kubernetes`]
    /// refuses a volume without one, rather than guess). Compose does not use it.
    #[builder(setter(strip_option))]
    pub size: Option<crate::model::ByteSize>,
}

impl Volume {
    /// A volume with default settings.
    pub fn new(name: VolumeName) -> Self {
        Volume::builder().name(name).build()
    }
}

/// Where a secret's value comes from.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum SecretSource {
    /// A file on the host, relative to the compose file.
    File(String),
    /// An environment variable of the compose process.
    Environment(EnvKey),
}

/// A secret declared by the stack.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Secret {
    /// The key under `secrets:`.
    pub name: SecretName,
    /// Its source.
    pub source: SecretSource,
}

/// Where a config's content comes from.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ConfigSource {
    /// A file on the host, relative to the compose file.
    File(String),
    /// An environment variable of the compose process.
    Environment(EnvKey),
    /// The content itself, written into the compose file.
    Content(String),
}

/// A config declared by the stack: a file services mount read-only.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Config {
    /// The key under `configs:`.
    pub name: ConfigName,
    /// Its content's source.
    pub source: ConfigSource,
}

/// A whole stack: what one compose file describes.
#[derive(Debug, Clone, PartialEq, Builder)]
#[builder(field_defaults(default))]
pub struct Stack {
    /// The compose project name.
    #[builder(!default)]
    pub name: ProjectName,
    /// Services, in declaration order.
    pub services: Vec<Service>,
    /// Declared networks.
    pub networks: Vec<Network>,
    /// Declared named volumes.
    pub volumes: Vec<Volume>,
    /// Declared secrets.
    pub secrets: Vec<Secret>,
    /// Declared configs.
    pub configs: Vec<Config>,
    /// Top-level `x-*` fields (each key must start with `x-`; the compose emitter refuses others).
    pub extensions: Vec<(String, ExtValue)>,
    /// nginx configurations (edge proxy, SPA servers); not part of the compose file.
    pub proxies: Vec<Proxy>,
    /// The environment variables the stack reads (the env template).
    pub env: Vec<EnvVar>,
}

impl Stack {
    /// The service named `name`.
    pub fn service(&self, name: &str) -> Option<&Service> {
        self.services.iter().find(|s| s.name.as_str() == name)
    }

    /// The service named `name`, mutably (to extend a stack built elsewhere).
    pub fn service_mut(&mut self, name: &str) -> Option<&mut Service> {
        self.services.iter_mut().find(|s| s.name.as_str() == name)
    }

    /// Names of all services, in order.
    pub fn service_names(&self) -> impl Iterator<Item = &ServiceName> {
        self.services.iter().map(|s| &s.name)
    }
}
