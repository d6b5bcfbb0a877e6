//! A service and the parts it is made of.

use std::net::IpAddr;
use std::time::Duration;

use stackdef_macros::Builder;

use crate::error::{Error, Result};
use crate::model::image::Source;
use crate::model::name::{
    ConfigName, ContainerName, EnvKey, NetworkName, SecretName, ServiceName, VolumeName,
};
use crate::model::text::{ExtValue, Text};
use crate::model::units::{ByteSize, Cpus, Port, PortRange};

/// Transport protocol of a published port.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum Protocol {
    /// TCP (the default).
    #[default]
    Tcp,
    /// UDP.
    Udp,
}

impl Protocol {
    /// `tcp` or `udp`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Protocol::Tcp => "tcp",
            Protocol::Udp => "udp",
        }
    }
}

/// A port mapping: `[host_ip:][published:]target[/protocol]`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PortMapping {
    /// The host address to bind; all addresses when `None`.
    pub host_ip: Option<IpAddr>,
    /// The host port(s); an ephemeral port when `None` (and `published_var` is `None`).
    pub published: Option<PortRange>,
    /// The variable the host port is read from, as the compose file writes it
    /// (`${HTTP_PORT:-8080}`): `published` is then its default, the port the rules check, or
    /// `None` when it has no default (that port takes no part in the clash check).
    pub published_var: Option<Text>,
    /// The container port(s).
    pub target: PortRange,
    /// TCP or UDP.
    pub protocol: Protocol,
}

impl PortMapping {
    /// Publishes container port `target` on host port `published`, TCP, all addresses.
    pub fn new(published: u16, target: u16) -> Result<Self> {
        Ok(PortMapping {
            host_ip: None,
            published: Some(Port::new(published)?.into()),
            published_var: None,
            target: Port::new(target)?.into(),
            protocol: Protocol::Tcp,
        })
    }

    /// Publishes a range of host ports onto a range of container ports of the same length (or
    /// onto one container port).
    pub fn range(published: PortRange, target: PortRange) -> Result<Self> {
        if target.len() != 1 && target.len() != published.len() {
            return Err(Error::invalid(
                "port mapping",
                &format!("{published}:{target}"),
                "the host and container ranges must have the same length",
            ));
        }
        Ok(PortMapping {
            host_ip: None,
            published: Some(published),
            published_var: None,
            target,
            protocol: Protocol::Tcp,
        })
    }

    /// Binds only on `ip` (e.g. `127.0.0.1` for ports a host proxy reaches).
    #[must_use]
    pub fn on(mut self, ip: IpAddr) -> Self {
        self.host_ip = Some(ip);
        self
    }

    /// UDP instead of TCP.
    #[must_use]
    pub fn udp(mut self) -> Self {
        self.protocol = Protocol::Udp;
        self
    }
}

/// How the engine relabels a bind mount's host path for SELinux.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Selinux {
    /// `z`: shared by several containers.
    Shared,
    /// `Z`: private to this container.
    Private,
}

impl Selinux {
    /// The compose spelling.
    pub const fn as_str(self) -> &'static str {
        match self {
            Selinux::Shared => "z",
            Selinux::Private => "Z",
        }
    }
}

/// Something mounted into a service's file system.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Mount {
    /// A named volume declared in the stack.
    Volume {
        /// The volume.
        source: VolumeName,
        /// The absolute path in the container.
        target: String,
        /// Mounted read-only.
        read_only: bool,
    },
    /// A host path (relative paths are relative to the compose file).
    Bind {
        /// The host path.
        source: String,
        /// The absolute path in the container.
        target: String,
        /// Mounted read-only.
        read_only: bool,
        /// When the host path is missing, create it as an empty directory (what compose does
        /// for the short syntax `./x:/y`) instead of failing to start the container (the long
        /// syntax's default). A missing config *file* then becomes a directory.
        create_host_path: bool,
        /// SELinux relabelling of the host path (`:z`, `:Z`).
        selinux: Option<Selinux>,
        /// The host path with the variables compose interpolates, as the file writes it
        /// (`${DATA_DIR:-./data}/db`); `source` is then the path with each at its default.
        source_var: Option<Text>,
    },
    /// An anonymous volume.
    Anonymous {
        /// The absolute path in the container.
        target: String,
    },
    /// A tmpfs.
    Tmpfs {
        /// The absolute path in the container.
        target: String,
        /// Its size limit.
        size: Option<ByteSize>,
    },
}

fn container_path(target: &str) -> Result<String> {
    if !target.starts_with('/') {
        return Err(Error::invalid(
            "mount target",
            target,
            "must be an absolute path",
        ));
    }
    no_control("mount target", target)?;
    Ok(target.to_owned())
}

/// Rejects control characters, which no path, name or option value needs.
pub(crate) fn no_control(field: &str, value: &str) -> Result<()> {
    match value.chars().any(char::is_control) {
        true => Err(Error::invalid(
            field,
            value,
            "must not contain control characters",
        )),
        false => Ok(()),
    }
}

impl Mount {
    /// A named volume at `target`.
    pub fn volume(source: VolumeName, target: &str) -> Result<Self> {
        Ok(Mount::Volume {
            source,
            target: container_path(target)?,
            read_only: false,
        })
    }

    /// A host path at `target`.
    pub fn bind(source: &str, target: &str) -> Result<Self> {
        if source.is_empty() {
            return Err(Error::invalid("bind source", source, "must not be empty"));
        }
        no_control("bind source", source)?;
        Ok(Mount::Bind {
            source: source.to_owned(),
            target: container_path(target)?,
            read_only: false,
            create_host_path: true,
            selinux: None,
            source_var: None,
        })
    }

    /// A host path read from variables at `target` (`${DATA_DIR:-./data}/db`): the rules see
    /// the path with each variable at its default (one without a default reads as `./name`);
    /// the compose file keeps the variables.
    pub fn bind_var(source: Text, target: &str) -> Result<Self> {
        if let Some(lit) = source.as_literal() {
            return Mount::bind(&lit, target);
        }
        // a leading variable without a default stands for a relative path
        let probe = match source.parts().first() {
            Some(crate::model::Part::Var(
                _,
                crate::model::Fallback::Default(_) | crate::model::Fallback::DefaultIfUnset(_),
            ))
            | Some(crate::model::Part::Lit(_))
            | None => source.at_defaults(),
            Some(crate::model::Part::Var(..)) => format!("./{}", source.at_defaults()),
        };
        let mut m = Mount::bind(&probe, target)?;
        if let Mount::Bind { source_var, .. } = &mut m {
            *source_var = Some(source);
        }
        Ok(m)
    }

    /// For a bind mount: the host path must exist — the container fails to start when it is
    /// missing, instead of getting an empty directory created in its place.
    pub fn must_exist(mut self) -> Self {
        if let Mount::Bind {
            create_host_path, ..
        } = &mut self
        {
            *create_host_path = false;
        }
        self
    }

    /// For a bind mount: relabel the host path for SELinux (`:z` shared, `:Z` private).
    pub fn relabel(mut self, how: Selinux) -> Self {
        if let Mount::Bind { selinux, .. } = &mut self {
            *selinux = Some(how);
        }
        self
    }

    /// An anonymous volume at `target`.
    pub fn anonymous(target: &str) -> Result<Self> {
        Ok(Mount::Anonymous {
            target: container_path(target)?,
        })
    }

    /// A tmpfs at `target`.
    pub fn tmpfs(target: &str, size: Option<ByteSize>) -> Result<Self> {
        Ok(Mount::Tmpfs {
            target: container_path(target)?,
            size,
        })
    }

    /// The same mount, read-only (volumes and binds).
    #[must_use]
    pub fn read_only(mut self) -> Self {
        if let Mount::Volume { read_only, .. } | Mount::Bind { read_only, .. } = &mut self {
            *read_only = true;
        }
        self
    }

    /// The path in the container.
    pub fn target(&self) -> &str {
        match self {
            Mount::Volume { target, .. }
            | Mount::Bind { target, .. }
            | Mount::Anonymous { target }
            | Mount::Tmpfs { target, .. } => target,
        }
    }
}

/// A command: exec form (a list, no shell) or shell form (one string run by `/bin/sh -c`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Command {
    /// Exec form: program and arguments, no shell.
    Exec(Vec<Text>),
    /// Shell form, only when asked for explicitly: written `["/bin/sh", "-c", text]` (compose
    /// itself would split a string into words, without a shell), so the image needs `/bin/sh`.
    Shell(Text),
}

impl Command {
    /// Exec form from plain strings.
    pub fn exec<I, S>(args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<Text>,
    {
        Command::Exec(args.into_iter().map(Into::into).collect())
    }
}

/// What a healthcheck runs.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum HealthTest {
    /// `["CMD", …]`: exec form.
    Exec(Vec<Text>),
    /// `["CMD-SHELL", …]`: shell form.
    Shell(Text),
    /// `["NONE"]`: disables the image's own healthcheck.
    Disabled,
    /// No test: the image's own `HEALTHCHECK` command, run with this check's timing.
    Image,
}

/// A container healthcheck.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Builder)]
pub struct Healthcheck {
    /// The test.
    pub test: HealthTest,
    /// Time between checks.
    #[builder(default, setter(strip_option))]
    pub interval: Option<Duration>,
    /// Time one check may take.
    #[builder(default, setter(strip_option))]
    pub timeout: Option<Duration>,
    /// Failures in a row before the container is unhealthy.
    #[builder(default, setter(strip_option))]
    pub retries: Option<u32>,
    /// Start-up time during which failures do not count.
    #[builder(default, setter(strip_option))]
    pub start_period: Option<Duration>,
    /// Time between checks during the start period (newer compose only).
    #[builder(default, setter(strip_option))]
    pub start_interval: Option<Duration>,
}

impl Healthcheck {
    /// Whether this healthcheck can ever report healthy (`Disabled` cannot).
    pub fn is_enabled(&self) -> bool {
        !matches!(self.test, HealthTest::Disabled)
    }
}

/// When a dependency counts as ready.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Condition {
    /// `service_started`.
    #[default]
    Started,
    /// `service_healthy`: needs a healthcheck on the dependency.
    Healthy,
    /// `service_completed_successfully`.
    CompletedSuccessfully,
}

impl Condition {
    /// The compose spelling.
    pub const fn as_str(self) -> &'static str {
        match self {
            Condition::Started => "service_started",
            Condition::Healthy => "service_healthy",
            Condition::CompletedSuccessfully => "service_completed_successfully",
        }
    }
}

/// A `depends_on` entry.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DependsOn {
    /// The service depended on.
    pub service: ServiceName,
    /// When it counts as ready.
    pub condition: Condition,
    /// Restart this service when the dependency restarts (newer compose only).
    pub restart: bool,
    /// Whether the dependency must run (`required: false`: compose only warns when it is not
    /// started, e.g. when a profile that enables it is off).
    pub required: bool,
}

impl DependsOn {
    /// Depends on `service` being started.
    pub fn started(service: ServiceName) -> Self {
        DependsOn {
            service,
            condition: Condition::Started,
            restart: false,
            required: true,
        }
    }

    /// Depends on `service` being healthy.
    pub fn healthy(service: ServiceName) -> Self {
        DependsOn {
            condition: Condition::Healthy,
            ..DependsOn::started(service)
        }
    }

    /// Depends on `service` having exited with status 0.
    pub fn completed(service: ServiceName) -> Self {
        DependsOn {
            condition: Condition::CompletedSuccessfully,
            ..DependsOn::started(service)
        }
    }
}

/// A restart policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Restart {
    /// Never restart.
    No,
    /// Always restart.
    Always,
    /// Restart on a non-zero exit, at most `n` times when given.
    OnFailure(Option<u32>),
    /// Restart unless stopped by hand.
    UnlessStopped,
}

/// CPU and memory amounts for `deploy.resources`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Builder)]
pub struct Resources {
    /// CPUs.
    #[builder(default, setter(strip_option))]
    pub cpus: Option<Cpus>,
    /// Memory.
    #[builder(default, setter(strip_option))]
    pub memory: Option<ByteSize>,
}

/// `deploy:` settings.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Builder)]
pub struct Deploy {
    /// Number of containers.
    #[builder(default, setter(strip_option))]
    pub replicas: Option<u32>,
    /// Upper bounds.
    #[builder(default, setter(strip_option))]
    pub limits: Option<Resources>,
    /// Guaranteed amounts.
    #[builder(default, setter(strip_option))]
    pub reservations: Option<Resources>,
}

impl Deploy {
    /// Upper bounds for CPU and memory, nothing else.
    pub fn limited(cpus: Cpus, memory: ByteSize) -> Self {
        Deploy {
            replicas: None,
            limits: Some(Resources {
                cpus: Some(cpus),
                memory: Some(memory),
            }),
            reservations: None,
        }
    }
}

/// `logging:` settings.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Logging {
    /// The driver, e.g. `json-file`.
    pub driver: String,
    /// Driver options, in order.
    pub options: Vec<(String, String)>,
}

/// When compose pulls a service's image.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PullPolicy {
    /// On every `up`.
    Always,
    /// Never: the image must be present.
    Never,
    /// Only when it is missing (compose's default).
    Missing,
    /// Build it, even when a build would not otherwise run.
    Build,
}

impl PullPolicy {
    /// The compose spelling.
    pub const fn as_str(self) -> &'static str {
        match self {
            PullPolicy::Always => "always",
            PullPolicy::Never => "never",
            PullPolicy::Missing => "missing",
            PullPolicy::Build => "build",
        }
    }
}

/// A resource limit of the container's processes (`ulimits:`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Ulimit {
    /// One value for the soft and the hard limit (`nproc: 65535`).
    Single(i64),
    /// Soft and hard limits (`nofile: {soft: 20000, hard: 40000}`).
    Range {
        /// The soft limit, at most `hard`.
        soft: i64,
        /// The hard limit.
        hard: i64,
    },
}

/// A host device mapped into the container (`devices:`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Device {
    /// The host device path (`/dev/ttyUSB0`).
    pub source: String,
    /// The path in the container (`None`: the same path).
    pub target: Option<String>,
    /// The cgroup permissions, a combination of `r`, `w` and `m` (`None`: `rwm`).
    pub permissions: Option<String>,
}

/// Settings of a service's container process and its view of the kernel, each as compose names
/// it. `Default` leaves every one to the engine.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub struct ContainerOptions {
    /// The container's host name (a DNS label; default: its id).
    pub hostname: Option<String>,
    /// The signal that stops it (`SIGINT`, `SIGQUIT`, or a number; default `SIGTERM`).
    pub stop_signal: Option<String>,
    /// The image platform (`linux/amd64`, `linux/arm64/v8`).
    pub platform: Option<String>,
    /// The size of `/dev/shm`.
    pub shm_size: Option<ByteSize>,
    /// The OCI runtime (`runc`, `runsc`, `nvidia`).
    pub runtime: Option<String>,
    /// The most processes the container may run (`-1`: no limit).
    pub pids_limit: Option<i64>,
    /// Keep standard input open (`docker run -i`).
    pub stdin_open: bool,
    /// Give it a terminal (`docker run -t`).
    pub tty: bool,
    /// When compose pulls its image.
    pub pull_policy: Option<PullPolicy>,
    /// Kernel parameters set in its namespaces, in order (`net.core.somaxconn` → `1024`).
    pub sysctls: Vec<(String, String)>,
    /// Resource limits by name (`nofile`, `nproc`, `memlock`, …), in order.
    pub ulimits: Vec<(String, Ulimit)>,
    /// Host devices mapped in.
    pub devices: Vec<Device>,
    /// DNS servers the container asks instead of the engine's.
    pub dns: Vec<IpAddr>,
    /// DNS search domains.
    pub dns_search: Vec<String>,
    /// Resolver options (`ndots:2`, `use-vc`).
    pub dns_opt: Vec<String>,
    /// The container's NIS domain name.
    pub domainname: Option<String>,
    /// Extra groups of the container's user, by name or ID.
    pub group_add: Vec<String>,
    /// How willing the kernel is to kill it when memory runs out (-1000 to 1000).
    pub oom_score_adj: Option<i32>,
    /// Its memory limit outside `deploy` (`mem_limit`; must equal `deploy`'s when both are set).
    pub mem_limit: Option<ByteSize>,
    /// Its memory reservation outside `deploy` (`mem_reservation`).
    pub mem_reservation: Option<ByteSize>,
    /// Its CPU limit outside `deploy` (`cpus`; must equal `deploy`'s when both are set).
    pub cpus: Option<Cpus>,
    /// Its relative CPU weight (`cpu_shares`, default 1024).
    pub cpu_shares: Option<u32>,
}

/// A network a service joins.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ServiceNetwork {
    /// The network.
    pub network: NetworkName,
    /// Extra host names for the service on this network.
    pub aliases: Vec<String>,
    /// A fixed IPv4 address on this network (the network must declare a subnet holding it).
    pub ipv4_address: Option<std::net::Ipv4Addr>,
    /// A fixed IPv6 address on this network (the network must declare a subnet holding it).
    pub ipv6_address: Option<std::net::Ipv6Addr>,
}

impl From<NetworkName> for ServiceNetwork {
    fn from(network: NetworkName) -> Self {
        ServiceNetwork {
            network,
            aliases: Vec::new(),
            ipv4_address: None,
            ipv6_address: None,
        }
    }
}

impl ServiceNetwork {
    /// Whether the entry says more than the network's name (compose's long form).
    pub fn has_options(&self) -> bool {
        !self.aliases.is_empty() || self.ipv4_address.is_some() || self.ipv6_address.is_some()
    }
}

/// Whose network stack a service's container uses (`network_mode:`). Without one, the
/// container joins the service's `networks` (the stack's default network when none).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum NetworkMode {
    /// The engine's default bridge network, outside the stack's networks.
    Bridge,
    /// The host's own network stack: the container's ports are the host's.
    Host,
    /// No network at all (a loopback interface only).
    None,
    /// The network stack of another service of the stack (`service:vpn`); compose starts that
    /// service first.
    Service(ServiceName),
    /// The network stack of a container outside the stack, by name or ID (`container:x`).
    Container(String),
}

impl NetworkMode {
    /// Reads compose's notation: `bridge`, `host`, `none`, `service:NAME`, `container:NAME`.
    pub fn parse(s: &str) -> Result<Self> {
        let bad = |why: &str| Error::invalid("network_mode", s, why);
        Ok(match s {
            "bridge" => NetworkMode::Bridge,
            "host" => NetworkMode::Host,
            "none" => NetworkMode::None,
            _ => match s.split_once(':') {
                Some(("service", name)) => NetworkMode::Service(
                    ServiceName::new(name)
                        .map_err(|_| bad("`service:` must name a service of the stack"))?,
                ),
                Some(("container", name)) if !name.is_empty() => {
                    if !name
                        .bytes()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'-'))
                    {
                        return Err(bad("`container:` must name a container or give its ID"));
                    }
                    NetworkMode::Container(name.to_owned())
                }
                _ => {
                    return Err(bad(
                        "expected `bridge`, `host`, `none`, `service:NAME` or `container:NAME`",
                    ));
                }
            },
        })
    }

    /// Whether the container lives in another container's network namespace, where the
    /// engine refuses its own ports, host name, hosts entries and links.
    pub fn shares_namespace(&self) -> bool {
        matches!(self, NetworkMode::Service(_) | NetworkMode::Container(_))
    }

    /// The service whose namespace it joins, if any.
    pub fn service(&self) -> Option<&ServiceName> {
        match self {
            NetworkMode::Service(s) => Some(s),
            _ => None,
        }
    }
}

impl std::fmt::Display for NetworkMode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NetworkMode::Bridge => f.write_str("bridge"),
            NetworkMode::Host => f.write_str("host"),
            NetworkMode::None => f.write_str("none"),
            NetworkMode::Service(s) => write!(f, "service:{s}"),
            NetworkMode::Container(c) => write!(f, "container:{c}"),
        }
    }
}

/// A legacy link to another service (`links: [db, "db:database"]`): compose starts the linked
/// service first and the container may reach it under the alias too.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Link {
    /// The linked service.
    pub service: ServiceName,
    /// Another host name for it in this container.
    pub alias: Option<String>,
}

/// A config a service's container sees as a read-only file (`configs:` of a service).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ConfigMount {
    /// The config, declared under the stack's `configs`.
    pub source: ConfigName,
    /// Where the file appears; `None`: `/<source>`.
    pub target: Option<String>,
    /// The file's owner (numeric user ID).
    pub uid: Option<String>,
    /// The file's group (numeric group ID).
    pub gid: Option<String>,
    /// The file's permission bits (`0o440`).
    pub mode: Option<u32>,
}

impl From<ConfigName> for ConfigMount {
    fn from(source: ConfigName) -> Self {
        ConfigMount {
            source,
            target: None,
            uid: None,
            gid: None,
            mode: None,
        }
    }
}

impl ConfigMount {
    /// Whether the entry says more than the config's name (compose's long form).
    pub fn has_options(&self) -> bool {
        self.target.is_some() || self.uid.is_some() || self.gid.is_some() || self.mode.is_some()
    }
}

/// One service of a stack.
#[derive(Debug, Clone, PartialEq, Builder)]
#[builder(field_defaults(default))]
pub struct Service {
    /// The service name (its key and its host name).
    #[builder(!default)]
    pub name: ServiceName,
    /// Its image or build.
    #[builder(!default, setter(into))]
    pub source: Source,
    /// A fixed container name.
    #[builder(setter(strip_option))]
    pub container_name: Option<ContainerName>,
    /// The command (overrides the image's `CMD`).
    #[builder(setter(strip_option))]
    pub command: Option<Command>,
    /// The entrypoint (overrides the image's `ENTRYPOINT`).
    #[builder(setter(strip_option))]
    pub entrypoint: Option<Command>,
    /// Environment variables, in order.
    pub environment: Vec<(EnvKey, Text)>,
    /// Variables passed from compose's own environment under their names (`- KEY`): set in
    /// the container to compose's value, absent when compose has none.
    pub env_passed: Vec<EnvKey>,
    /// Env files read by compose, relative to the compose file.
    pub env_file: Vec<String>,
    /// Published ports.
    pub ports: Vec<PortMapping>,
    /// Ports reachable by other services only.
    pub expose: Vec<PortRange>,
    /// Mounts.
    pub mounts: Vec<Mount>,
    /// Networks (none: the stack's default network).
    pub networks: Vec<ServiceNetwork>,
    /// Another network stack than the service's networks (`host`, `service:vpn`, …).
    #[builder(setter(strip_option))]
    pub network_mode: Option<NetworkMode>,
    /// Legacy links to other services.
    pub links: Vec<Link>,
    /// Dependencies.
    pub depends_on: Vec<DependsOn>,
    /// Healthcheck.
    #[builder(setter(strip_option))]
    pub healthcheck: Option<Healthcheck>,
    /// Restart policy.
    #[builder(setter(strip_option))]
    pub restart: Option<Restart>,
    /// `deploy:` settings.
    #[builder(setter(strip_option))]
    pub deploy: Option<Deploy>,
    /// User (`uid[:gid]` or a name).
    #[builder(setter(strip_option, into))]
    pub user: Option<String>,
    /// Working directory.
    #[builder(setter(strip_option, into))]
    pub working_dir: Option<String>,
    /// Labels, in order.
    pub labels: Vec<(String, String)>,
    /// Logging.
    #[builder(setter(strip_option))]
    pub logging: Option<Logging>,
    /// Profiles that enable this service.
    pub profiles: Vec<String>,
    /// Extra `/etc/hosts` entries.
    pub extra_hosts: Vec<(String, IpAddr)>,
    /// Read-only root file system.
    pub read_only: bool,
    /// Security options.
    pub security_opt: Vec<String>,
    /// Added capabilities.
    pub cap_add: Vec<String>,
    /// Dropped capabilities.
    pub cap_drop: Vec<String>,
    /// Run an init process.
    #[builder(setter(strip_option))]
    pub init: Option<bool>,
    /// Time to wait after SIGTERM.
    #[builder(setter(strip_option))]
    pub stop_grace_period: Option<Duration>,
    /// Secrets mounted into the container.
    pub secrets: Vec<SecretName>,
    /// Configs mounted into the container as read-only files.
    pub configs: Vec<ConfigMount>,
    /// Settings of the container process and its kernel view (`hostname`, `stop_signal`,
    /// `shm_size`, `ulimits`, `sysctls`, `devices`, `tty`, …).
    pub container: ContainerOptions,
    /// `x-*` fields of the service (each key must start with `x-`; the compose emitter refuses
    /// others).
    pub extensions: Vec<(String, ExtValue)>,
    /// Reachable by other services only (a database, a broker): no proxy route may target it.
    /// A stackdef rule, not written to the compose file.
    pub internal: bool,
    /// How the container is locked down: by default no privilege gain and no capability but
    /// `cap_add`; each relaxation is an opt-out with a reason.
    pub hardening: Hardening,
}

/// How a service's container is locked down. The default locks it: `no-new-privileges:true`,
/// and every capability dropped (`cap_drop: [ALL]`) but those in the service's `cap_add`. Each
/// relaxation is an opt-out that says why; the compose file carries the reasons in
/// `x-stackdef-opt-outs`, where readers (and the importer) find them.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Hardening {
    /// Why processes in the container may gain privileges through setuid binaries; `None`
    /// sets `no-new-privileges:true`.
    pub allow_privilege_gain: Option<String>,
    /// Why the container keeps Docker's default capabilities; `None` drops them all.
    pub keep_default_capabilities: Option<String>,
    /// Why the image is named by a tag without a digest (a tag can be moved on the registry).
    pub unpinned_image: Option<String>,
    /// Why ports are published on every host interface (an edge proxy serving the public).
    pub all_interfaces: Option<String>,
    /// Why the container runs without CPU and memory limits.
    pub no_resource_limits: Option<String>,
}

/// One relaxation of a service's [`Hardening`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OptOut {
    /// Processes may gain privileges (no `no-new-privileges`).
    PrivilegeGain,
    /// Docker's default capabilities stay (no `cap_drop: [ALL]`).
    DefaultCapabilities,
    /// The image is named by a tag without a digest.
    UnpinnedImage,
    /// Ports are published on every host interface.
    AllInterfaces,
    /// No CPU or memory limit.
    NoResourceLimits,
}

impl OptOut {
    /// Every opt-out, in the order the compose file writes them.
    pub const ALL: [OptOut; 5] = [
        OptOut::PrivilegeGain,
        OptOut::DefaultCapabilities,
        OptOut::UnpinnedImage,
        OptOut::AllInterfaces,
        OptOut::NoResourceLimits,
    ];

    /// Its key in `x-stackdef-opt-outs`.
    pub const fn key(self) -> &'static str {
        match self {
            OptOut::PrivilegeGain => "allow-privilege-gain",
            OptOut::DefaultCapabilities => "keep-default-capabilities",
            OptOut::UnpinnedImage => "unpinned-image",
            OptOut::AllInterfaces => "all-interfaces",
            OptOut::NoResourceLimits => "no-resource-limits",
        }
    }

    /// The rule of the OWASP / CIS Docker Benchmark linter `compose-lint` whose finding it
    /// explains.
    pub const fn lint_rule(self) -> &'static str {
        match self {
            OptOut::PrivilegeGain => "CL-0003",
            OptOut::DefaultCapabilities => "CL-0006",
            OptOut::UnpinnedImage => "CL-0019",
            OptOut::AllInterfaces => "CL-0005",
            OptOut::NoResourceLimits => "CL-0026",
        }
    }

    /// The opt-out whose [`key`](OptOut::key) is `key`.
    pub fn from_key(key: &str) -> Option<OptOut> {
        OptOut::ALL.into_iter().find(|o| o.key() == key)
    }
}

impl Hardening {
    /// The extension key that carries the opt-outs' reasons in the compose file.
    pub const OPT_OUTS_KEY: &'static str = "x-stackdef-opt-outs";

    /// Docker's own defaults (privilege gain allowed, default capabilities kept), for an image
    /// whose needs are not known, with the reason.
    pub fn docker_defaults(reason: &str) -> Self {
        Hardening::default()
            .opt_out(OptOut::PrivilegeGain, reason)
            .opt_out(OptOut::DefaultCapabilities, reason)
    }

    /// The same hardening with opt-out `what`, for `why`.
    #[must_use]
    pub fn opt_out(mut self, what: OptOut, why: &str) -> Self {
        *self.reason_mut(what) = Some(why.to_owned());
        self
    }

    /// The reason given for opt-out `what`, if it is taken.
    pub fn reason(&self, what: OptOut) -> Option<&str> {
        match what {
            OptOut::PrivilegeGain => &self.allow_privilege_gain,
            OptOut::DefaultCapabilities => &self.keep_default_capabilities,
            OptOut::UnpinnedImage => &self.unpinned_image,
            OptOut::AllInterfaces => &self.all_interfaces,
            OptOut::NoResourceLimits => &self.no_resource_limits,
        }
        .as_deref()
    }

    /// The reason of opt-out `what`, to set or clear.
    pub fn reason_mut(&mut self, what: OptOut) -> &mut Option<String> {
        match what {
            OptOut::PrivilegeGain => &mut self.allow_privilege_gain,
            OptOut::DefaultCapabilities => &mut self.keep_default_capabilities,
            OptOut::UnpinnedImage => &mut self.unpinned_image,
            OptOut::AllInterfaces => &mut self.all_interfaces,
            OptOut::NoResourceLimits => &mut self.no_resource_limits,
        }
    }

    /// The opt-outs taken, with their reasons, in the order the compose file writes them.
    pub fn opt_outs(&self) -> impl Iterator<Item = (OptOut, &str)> {
        OptOut::ALL
            .into_iter()
            .filter_map(|o| self.reason(o).map(|r| (o, r)))
    }
}

impl Service {
    /// Sets (or replaces) an environment variable.
    pub fn set_env(&mut self, key: EnvKey, value: impl Into<Text>) {
        let value = value.into();
        match self.environment.iter_mut().find(|(k, _)| *k == key) {
            Some(slot) => slot.1 = value,
            None => self.environment.push((key, value)),
        }
    }

    /// The container port ranges of its port mappings, as `(first, last)`.
    pub fn container_port_ranges(&self) -> Vec<(u16, u16)> {
        self.ports
            .iter()
            .map(|p| (p.target.start().get(), p.target.end().get()))
            .collect()
    }

    /// The services compose starts before this one: its `depends_on`, its links and the
    /// service whose network stack it shares, in that order.
    pub fn starts_after(&self) -> impl Iterator<Item = &ServiceName> {
        self.depends_on
            .iter()
            .map(|d| &d.service)
            .chain(self.links.iter().map(|l| &l.service))
            .chain(self.network_mode.as_ref().and_then(NetworkMode::service))
    }

    /// Whether the engine ignores the service's `ports` (`network_mode: host` or `none`): they
    /// publish nothing, so they take no part in the clash check.
    pub fn ports_discarded(&self) -> bool {
        matches!(
            self.network_mode,
            Some(NetworkMode::Host | NetworkMode::None)
        )
    }

    /// Whether the service has an enabled healthcheck.
    pub fn has_healthcheck(&self) -> bool {
        self.healthcheck
            .as_ref()
            .is_some_and(Healthcheck::is_enabled)
    }
}
