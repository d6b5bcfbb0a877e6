//! The typed model of a stack.

mod env;
mod image;
pub(crate) mod name;
mod proxy;
mod service;
mod stack;
mod text;
mod units;

pub use env::{EnvSpec, EnvType, EnvVar, template_value, upper_snake};
pub use image::{Build, Image, Source};
pub use proxy::{
    AbsPath, Action, HeaderName, HostName, Hsts, NginxVersion, Placement, Proxy, Quoted, RateZone,
    Route, Server, Tls, TlsProfile, Upstream, UriPath, ZoneName,
};
#[doc(hidden)]
pub use proxy::{host_name, uri_path};
#[cfg(feature = "import")]
pub(crate) use service::no_control;
pub use service::{
    Command, Condition, ConfigMount, ContainerOptions, DependsOn, Deploy, Device, Hardening,
    HealthTest, Healthcheck, Link, Logging, Mount, NetworkMode, OptOut, PortMapping, Protocol,
    PullPolicy, Resources, Restart, Selinux, Service, ServiceNetwork, Ulimit,
};
pub use stack::{Config, ConfigSource, Network, Secret, SecretSource, Stack, Subnet, Volume};
#[cfg(feature = "import")]
pub(crate) use text::unique_entries;
pub use text::{ExtValue, Fallback, Part, Text};
pub(crate) use units::format_duration;
#[cfg(feature = "import")]
pub(crate) use units::parse_duration;
pub use units::{ByteSize, Cpus, Port, PortRange};
