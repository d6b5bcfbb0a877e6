//! The rule set: `const fn`s shared by the macro's compile-time checks and [`validate`].
//!
//! Everything here runs in `const` evaluation, so it uses loops over slices and fixed buffers
//! rather than iterators and collections.
//!
//! [`validate`]: crate::check::validate

use crate::msg::Msg;

/// What kind of declaration a name refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RefKind {
    /// A service (`depends_on`, route targets).
    Service,
    /// A named volume (mounts).
    Volume,
    /// A network.
    Network,
    /// A secret.
    Secret,
    /// A config.
    Config,
}

impl RefKind {
    const fn noun(self) -> &'static str {
        match self {
            RefKind::Service => "service",
            RefKind::Volume => "volume",
            RefKind::Network => "network",
            RefKind::Secret => "secret",
            RefKind::Config => "config",
        }
    }
    const fn verb(self) -> &'static str {
        match self {
            RefKind::Service => "depends on",
            RefKind::Volume => "mounts",
            RefKind::Network => "joins",
            RefKind::Secret | RefKind::Config => "uses",
        }
    }
    const fn declare_hint(self) -> &'static str {
        match self {
            RefKind::Service => "; declare it under `services`",
            RefKind::Volume => "; declare it under `volumes`",
            RefKind::Network => "; declare it under `networks`",
            RefKind::Secret => "; declare it under `secrets`",
            RefKind::Config => "; declare it under `configs`",
        }
    }
}

/// One broken rule, with the names it concerns. `render` gives its message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Defect<'a> {
    /// #1 and #3: a reference to something not declared.
    Unknown {
        /// What is referenced.
        kind: RefKind,
        /// The service holding the reference.
        from: &'a str,
        /// The name that was not found.
        name: &'a str,
        /// A declared name close to it.
        suggestion: Option<&'a str>,
    },
    /// #2: a host port published twice.
    PortClash {
        /// The service publishing it second.
        service: &'a str,
        /// The first clashing host port.
        port: u16,
        /// `tcp` or `udp`.
        protocol: &'a str,
        /// The service publishing it first.
        other: &'a str,
    },
    /// #2: replicas that would all bind the same host port.
    ReplicaPorts {
        /// The service.
        service: &'a str,
        /// Its replica count.
        replicas: u32,
        /// The first published host port.
        port: u16,
        /// How many host ports it publishes there.
        published: u32,
    },
    /// #4: waiting for `to` to be healthy when it has no healthcheck.
    HealthyWithoutHealthcheck {
        /// The waiting service.
        from: &'a str,
        /// The service without a healthcheck.
        to: &'a str,
    },
    /// #5: a dependency cycle; `path` indexes `names`, first and last equal.
    Cycle {
        /// Service names.
        names: &'a [&'a str],
        /// The cycle, as indices into `names`.
        path: &'a [u32],
    },
    /// #6: a service name declared twice.
    DuplicateService {
        /// The name.
        name: &'a str,
    },
    /// #7: a route to a service that does not exist.
    RouteUnknownService {
        /// The route's path.
        path: &'a str,
        /// The name that was not found.
        name: &'a str,
        /// A declared name close to it.
        suggestion: Option<&'a str>,
    },
    /// #7: a route to a port the service does not listen on (or, for a host proxy, does not
    /// publish).
    RoutePort {
        /// The route's path.
        path: &'a str,
        /// The service.
        service: &'a str,
        /// The container port.
        port: u16,
        /// Whether the port is missing from the published ports (host proxy) rather than from
        /// the ports the service listens on.
        unpublished: bool,
        /// The container port published on host port `port`, when the route names that host
        /// port instead of the container port (0: none).
        container: u16,
    },
    /// #7: a route to a service marked internal.
    RouteToInternal {
        /// The route's path.
        path: &'a str,
        /// The internal service.
        service: &'a str,
    },
    /// #8: two routes with the same host and path.
    DuplicateRoute {
        /// The server's first name (or `_` for a catch-all server).
        host: &'a str,
        /// The path.
        path: &'a str,
    },
    /// #9: a service reads a variable the stack does not declare.
    UndeclaredEnv {
        /// The reading service.
        service: &'a str,
        /// The variable.
        name: &'a str,
        /// A declared name close to it.
        suggestion: Option<&'a str>,
    },
    /// Warning: a declared variable that nothing reads.
    UnusedEnv {
        /// The variable.
        name: &'a str,
    },
    /// One list of a service or stack names the same thing twice (a key written twice in one
    /// YAML mapping, or a value silently lost).
    Twice {
        /// Where: a service name, or `the stack`.
        place: &'a str,
        /// What kind of entry (`dependency`, `variable`, `mount target`, …).
        what: &'a str,
        /// The entry.
        name: &'a str,
    },
    /// A fixed container name on a service with several replicas.
    ContainerNameWithReplicas {
        /// The service.
        service: &'a str,
        /// Its replica count.
        replicas: u32,
    },
    /// A dependency on a service that only some profile enables, from a service enabled without
    /// it (compose then refuses the whole file).
    ProfileDependency {
        /// The depending service.
        from: &'a str,
        /// The service only profiles enable.
        to: &'a str,
    },
    /// An external volume or network with options only compose-created ones can have.
    ExternalWithOptions {
        /// `volume` or `network`.
        kind: &'a str,
        /// Its name.
        name: &'a str,
        /// The option (`driver`, …).
        option: &'a str,
    },
    /// Two servers of one nginx file answer the same name on the same port (nginx ignores the
    /// second), or two catch-all servers share a port.
    DuplicateServer {
        /// The name (`_` for a catch-all server).
        host: &'a str,
        /// The port.
        port: u16,
    },
    /// One port of an nginx file is TLS for one server and plain for another.
    MixedTlsPort {
        /// The nginx file.
        file: &'a str,
        /// The port.
        port: u16,
    },
    /// A TLS server without a name: neither a certificate nor a redirect can be chosen.
    TlsWithoutName,
    /// A route limited by a rate zone its proxy does not declare.
    UndeclaredZone {
        /// The route's path.
        path: &'a str,
        /// The zone.
        zone: &'a str,
        /// A declared zone close to it.
        suggestion: Option<&'a str>,
    },
    /// A service that uses another network stack (`network_mode`) and sets a field that
    /// stack makes meaningless: compose or the engine refuses the pair.
    NetworkMode {
        /// The service.
        service: &'a str,
        /// Its `network_mode` as written (`host`, `service:vpn`).
        mode: &'a str,
        /// The field it cannot have (`networks`, `ports`, `links`, …).
        field: &'a str,
        /// Who refuses the pair and what to do.
        why: &'a str,
    },
    /// #6: a container name used twice.
    DuplicateContainerName {
        /// The container name.
        name: &'a str,
        /// The service using it second.
        service: &'a str,
        /// The service using it first.
        other: &'a str,
    },
}

impl Defect<'_> {
    /// Where the defect is in a compose document ([`crate::Diagnostic::at`]): the keys from the
    /// root to the entry a compile-time error points at.
    pub fn at(&self) -> Vec<String> {
        let keys = |k: &[&str]| k.iter().map(|k| (*k).to_owned()).collect();
        match *self {
            Defect::Unknown {
                kind, from, name, ..
            } => {
                let list = match kind {
                    RefKind::Service => "depends_on",
                    RefKind::Volume => "volumes",
                    RefKind::Network => "networks",
                    RefKind::Secret => "secrets",
                    RefKind::Config => "configs",
                };
                keys(&["services", from, list, name])
            }
            Defect::PortClash { service, port, .. } => {
                vec![
                    "services".into(),
                    service.into(),
                    "ports".into(),
                    port.to_string(),
                ]
            }
            Defect::ReplicaPorts { service, .. } => keys(&["services", service, "ports"]),
            Defect::HealthyWithoutHealthcheck { from, to }
            | Defect::ProfileDependency { from, to } => keys(&["services", from, "depends_on", to]),
            Defect::Cycle { names, path } if path.len() >= 2 => {
                let from = names[path[path.len() - 2] as usize];
                let to = names[path[path.len() - 1] as usize];
                keys(&["services", from, "depends_on", to])
            }
            Defect::DuplicateService { name } => keys(&["services", name]),
            Defect::NetworkMode { service, field, .. } => keys(&["services", service, field]),
            Defect::UndeclaredEnv { service, name, .. } => keys(&["services", service, name]),
            Defect::Twice { place, what, name } if place != "the stack" => {
                keys(&["services", place, what, name])
            }
            Defect::ContainerNameWithReplicas { service, .. }
            | Defect::DuplicateContainerName { service, .. } => {
                keys(&["services", service, "container_name"])
            }
            Defect::ExternalWithOptions { kind, name, option } => {
                let top = if kind == "volume" {
                    "volumes"
                } else {
                    "networks"
                };
                keys(&[top, name, option])
            }
            _ => Vec::new(),
        }
    }

    /// Writes the message: lower-case, what is wrong and what to do.
    pub const fn render(&self, m: &mut Msg) {
        match *self {
            Defect::Unknown {
                kind,
                from,
                name,
                suggestion,
            } => {
                m.code(from);
                m.push(" ");
                m.push(kind.verb());
                m.push(" unknown ");
                m.push(kind.noun());
                m.push(" ");
                m.code(name);
                m.suggest(suggestion, kind.declare_hint());
            }
            Defect::PortClash {
                service,
                port,
                protocol,
                other,
            } => {
                m.push("host port ");
                m.num(port as u32);
                m.push("/");
                m.push(protocol);
                m.push(" of ");
                m.code(service);
                m.push(" is already published by ");
                m.code(other);
                m.push("; use another host port or bind another host IP");
            }
            Defect::ReplicaPorts {
                service,
                replicas,
                port,
                published,
            } => {
                m.code(service);
                m.push(" runs ");
                m.num(replicas);
                m.push(" replicas but publishes ");
                m.num(published);
                m.push(" host port(s) from ");
                m.num(port as u32);
                m.push("; publish a range with one port per replica, or none and reach it through a proxy");
            }
            Defect::HealthyWithoutHealthcheck { from, to } => {
                m.code(from);
                m.push(" waits for ");
                m.code(to);
                m.push(" to be healthy, but ");
                m.code(to);
                m.push(" has no healthcheck; give it one or wait for `started`");
            }
            Defect::Cycle { names, path } => {
                m.push("dependency cycle: ");
                let mut i = 0;
                while i < path.len() {
                    if i > 0 {
                        m.push(" → ");
                    }
                    m.code(names[path[i] as usize]);
                    i += 1;
                }
                m.push("; remove one of these dependencies");
            }
            Defect::DuplicateService { name } => {
                m.push("service ");
                m.code(name);
                m.push(" is declared twice; give each service its own name");
            }
            Defect::RouteUnknownService {
                path,
                name,
                suggestion,
            } => {
                m.push("route ");
                m.code(path);
                m.push(" targets unknown service ");
                m.code(name);
                m.suggest(suggestion, RefKind::Service.declare_hint());
            }
            Defect::RoutePort {
                path,
                service,
                port,
                unpublished,
                container,
            } => {
                m.push("route ");
                m.code(path);
                m.push(" targets port ");
                m.num(port as u32);
                m.push(" of ");
                m.code(service);
                if container != 0 {
                    m.push(", which is the host port of its container port ");
                    m.num(container as u32);
                    m.push("; a route names the container port: write `");
                    m.push(service);
                    m.push(": ");
                    m.num(container as u32);
                    m.push("`");
                } else if unpublished {
                    m.push(", which it does not publish; a proxy on the host reaches services through published ports");
                } else {
                    m.push(
                        ", which it does not listen on; add the port to its `ports` or `expose`",
                    );
                }
            }
            Defect::RouteToInternal { path, service } => {
                m.push("route ");
                m.code(path);
                m.push(" targets ");
                m.code(service);
                m.push(", which is internal; a proxy never exposes an internal service");
            }
            Defect::DuplicateRoute { host, path } => {
                m.push("route ");
                m.code(path);
                m.push(" of ");
                m.code(host);
                m.push(" is declared twice; the second one would never be used");
            }
            Defect::UndeclaredEnv {
                service,
                name,
                suggestion,
            } => {
                m.code(service);
                m.push(" reads undeclared variable ");
                m.code(name);
                m.suggest(suggestion, "; declare it in the stack's `env`");
            }
            Defect::UnusedEnv { name } => {
                m.push("variable ");
                m.code(name);
                m.push(" is declared but nothing reads it; remove it or use it");
            }
            Defect::Twice { place, what, name } => {
                m.code(place);
                m.push(" lists ");
                m.push(what);
                m.push(" ");
                m.code(name);
                m.push(" twice; compose keeps only one of them, so keep one");
            }
            Defect::ContainerNameWithReplicas { service, replicas } => {
                m.code(service);
                m.push(" runs ");
                m.num(replicas);
                m.push(" replicas but has a fixed `container_name`, which only one container can have; remove it");
            }
            Defect::ProfileDependency { from, to } => {
                m.code(from);
                m.push(" depends on ");
                m.code(to);
                m.push(", which only its profiles enable, but ");
                m.code(from);
                m.push(" runs without them; give both the same profiles or drop the dependency");
            }
            Defect::ExternalWithOptions { kind, name, option } => {
                m.push(kind);
                m.push(" ");
                m.code(name);
                m.push(" is external but sets `");
                m.push(option);
                m.push("`; an external ");
                m.push(kind);
                m.push(" is created elsewhere, so remove the option or the `external` flag");
            }
            Defect::NetworkMode {
                service,
                mode,
                field,
                why,
            } => {
                m.code(service);
                m.push(" sets `network_mode: ");
                m.push(mode);
                m.push("` and `");
                m.push(field);
                m.push("`, ");
                m.push(why);
            }
            Defect::DuplicateServer { host, port } => {
                m.push("server ");
                m.code(host);
                m.push(" on port ");
                m.num(port as u32);
                m.push(" is declared twice in one proxy; nginx would answer only the first, so merge their routes");
            }
            Defect::MixedTlsPort { file, port } => {
                m.push("port ");
                m.num(port as u32);
                m.push(" of ");
                m.code(file);
                m.push(
                    " is TLS for one server and plain HTTP for another; give them different ports",
                );
            }
            Defect::TlsWithoutName => {
                m.push("a TLS server needs a name: its certificate is for a host name, and a catch-all server cannot redirect to one");
            }
            Defect::UndeclaredZone {
                path,
                zone,
                suggestion,
            } => {
                m.push("route ");
                m.code(path);
                m.push(" is limited by undeclared rate zone ");
                m.code(zone);
                m.suggest(suggestion, "; declare it in the proxy's `rate_limits`");
            }
            Defect::DuplicateContainerName {
                name,
                service,
                other,
            } => {
                m.push("container name ");
                m.code(name);
                m.push(" of ");
                m.code(service);
                m.push(" is already used by ");
                m.code(other);
                m.push("; container names must be unique");
            }
        }
    }

    /// Fails `const` evaluation with this defect's message (compile-time checks).
    #[track_caller]
    #[allow(
        clippy::panic,
        reason = "a const panic is how a compile-time check reports"
    )]
    pub const fn raise(&self) -> ! {
        let mut m = Msg::new();
        self.render(&mut m);
        panic!("{}", m.as_str())
    }
}

const fn min3(a: usize, b: usize, c: usize) -> usize {
    let ab = if a < b { a } else { b };
    if ab < c { ab } else { c }
}

/// Levenshtein distance over bytes, for names of at most 63 bytes.
const fn distance(a: &str, b: &str) -> usize {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() > 63 || b.len() > 63 {
        return usize::MAX;
    }
    let mut prev = [0usize; 64];
    let mut cur = [0usize; 64];
    let mut j = 0;
    while j <= b.len() {
        prev[j] = j;
        j += 1;
    }
    let mut i = 1;
    while i <= a.len() {
        cur[0] = i;
        let mut j = 1;
        while j <= b.len() {
            let cost = if a[i - 1] == b[j - 1] { 0 } else { 1 };
            cur[j] = min3(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
            j += 1;
        }
        prev = cur;
        i += 1;
    }
    prev[b.len()]
}

/// The declared name closest to `name`, when close enough to be a likely typo.
pub const fn suggest<'a>(name: &str, known: &[&'a str]) -> Option<&'a str> {
    let limit = if name.len() < 3 {
        1
    } else {
        name.len() / 3 + 1
    };
    let mut best: Option<&'a str> = None;
    let mut best_d = usize::MAX;
    let mut i = 0;
    while i < known.len() {
        let d = distance(name, known[i]);
        if d <= limit && d < best_d {
            best = Some(known[i]);
            best_d = d;
        }
        i += 1;
    }
    best
}

/// Reports a reference to an undeclared name (the caller has found it missing).
#[track_caller]
pub const fn unknown(kind: RefKind, from: &str, name: &str, known: &[&str]) -> ! {
    Defect::Unknown {
        kind,
        from,
        name,
        suggestion: suggest(name, known),
    }
    .raise()
}

/// #6 at compile time: a service name declared a second time.
#[track_caller]
pub const fn duplicate_service(name: &str) -> ! {
    Defect::DuplicateService { name }.raise()
}

/// #6 at compile time: a container name used a second time.
#[track_caller]
pub const fn duplicate_container_name(name: &str, service: &str, other: &str) -> ! {
    Defect::DuplicateContainerName {
        name,
        service,
        other,
    }
    .raise()
}

/// The name a proxy running on the host has in port-clash messages.
pub const HOST_PROXY: &str = "nginx on the host";

/// The name of the `k`-th (0-based) proxy on the host in port-clash messages, when a stack has
/// several: they are told apart by their place in `proxies`.
pub const fn host_proxy(k: usize, several: bool) -> &'static str {
    const NAMES: [&str; 8] = [
        "the 1st nginx on the host",
        "the 2nd nginx on the host",
        "the 3rd nginx on the host",
        "the 4th nginx on the host",
        "the 5th nginx on the host",
        "the 6th nginx on the host",
        "the 7th nginx on the host",
        "the 8th nginx on the host",
    ];
    if !several {
        HOST_PROXY
    } else if k < NAMES.len() {
        NAMES[k]
    } else {
        "a further nginx on the host"
    }
}

/// Compile-time check of a literal: fails with ``invalid FIELD `VALUE`: REASON``.
#[track_caller]
#[allow(
    clippy::panic,
    reason = "a const panic is how a compile-time check reports"
)]
pub const fn valid(field: &str, value: &str, problem: Option<&str>) {
    if let Some(reason) = problem {
        let mut m = Msg::new();
        m.push("invalid ");
        m.push(field);
        m.push(" ");
        m.code(value);
        m.push(": ");
        m.push(reason);
        panic!("{}", m.as_str())
    }
}

/// #7 at compile time: a route to an undeclared service.
#[track_caller]
pub const fn route_unknown(path: &str, name: &str, known: &[&str]) -> ! {
    Defect::RouteUnknownService {
        path,
        name,
        suggestion: suggest(name, known),
    }
    .raise()
}

/// #7 at compile time: fails unless `service` listens on `port` (`targets` are its container
/// port ranges, `published` whether each is published on the host). A proxy on the host
/// (`host`) needs the port published.
#[track_caller]
pub const fn route_port(
    path: &str,
    service: &str,
    port: u16,
    targets: &[(u16, u16)],
    published: &[u16],
    host: bool,
) {
    if let Some(d) = route_port_defect(path, service, port, targets, published, host) {
        d.raise()
    }
}

/// #7: the defect of a route to container port `port` of `service`, whose container port
/// ranges are `targets`, each published on host port `published[i]` (0: not published; for a
/// range, its first host port). A proxy on the host (`host`) needs the port published. The
/// one rule for `validate()` and `stack!`.
pub const fn route_port_defect<'a>(
    path: &'a str,
    service: &'a str,
    port: u16,
    targets: &[(u16, u16)],
    published: &[u16],
    host: bool,
) -> Option<Defect<'a>> {
    let mut i = 0;
    let mut container = 0;
    while i < targets.len() {
        if targets[i].0 <= port && port <= targets[i].1 && (published[i] != 0 || !host) {
            return None;
        }
        let (first, last) = (
            published[i],
            published[i] as u32 + (targets[i].1 - targets[i].0) as u32,
        );
        if host && published[i] != 0 && first <= port && port as u32 <= last && container == 0 {
            container = targets[i].0 + (port - first);
        }
        i += 1;
    }
    Some(Defect::RoutePort {
        path,
        service,
        port,
        unpublished: host,
        container,
    })
}

/// #9 at compile time: a service passes through a variable the stack does not declare.
#[track_caller]
pub const fn undeclared_env(service: &str, name: &str, known: &[&str]) -> ! {
    Defect::UndeclaredEnv {
        service,
        name,
        suggestion: suggest(name, known),
    }
    .raise()
}

/// #7 at compile time: a route to a service marked internal.
#[track_caller]
pub const fn route_to_internal(path: &str, service: &str) -> ! {
    Defect::RouteToInternal { path, service }.raise()
}

/// #8 at compile time: a server name declared a second time on a port of one proxy.
#[track_caller]
pub const fn duplicate_server(host: &str, port: u16) -> ! {
    Defect::DuplicateServer { host, port }.raise()
}

/// At compile time: one list names the same entry twice.
#[track_caller]
pub const fn twice(place: &str, what: &str, name: &str) -> ! {
    Defect::Twice { place, what, name }.raise()
}

/// At compile time: a TLS server without a name.
#[track_caller]
pub const fn tls_without_name() -> ! {
    Defect::TlsWithoutName.raise()
}

/// #8 at compile time: a route declared a second time for the same host.
#[track_caller]
pub const fn duplicate_route(host: &str, path: &str) -> ! {
    Defect::DuplicateRoute { host, path }.raise()
}

/// #4 at compile time: fails when `to` has no healthcheck.
#[track_caller]
pub const fn healthy_needs_healthcheck(from: &str, to: &str, to_has_healthcheck: bool) {
    if !to_has_healthcheck {
        Defect::HealthyWithoutHealthcheck { from, to }.raise()
    }
}

/// A published host port range, as the port rule sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PortUse<'a> {
    /// The publishing service.
    pub service: &'a str,
    /// 0 for all addresses, else a key unique per host IP (see [`ip_key`]).
    pub ip: u128,
    /// 4 or 6 for a specific address, 0 for all addresses.
    pub family: u8,
    /// 0 TCP, 1 UDP.
    pub protocol: u8,
    /// First host port.
    pub start: u16,
    /// Last host port.
    pub end: u16,
    /// The profiles that start the service, as a bit mask ([`profile_mask`]); 0: every `up`.
    pub profiles: u64,
}

/// A service's profiles as a bit mask over the stack's distinct profile names in order of first
/// appearance (bit `i % 64` for the `i`-th): 0 for a service without profiles, which every `up`
/// starts. The macro and `validate()` number profiles the same way.
pub fn profile_mask<'p>(all: &[&'p str], own: impl IntoIterator<Item = &'p str>) -> u64 {
    own.into_iter()
        .filter_map(|p| all.iter().position(|a| *a == p))
        .fold(0, |m, i| m | 1 << (i % 64))
}

/// Whether one `docker compose [--profile …] up` can start two services with profile masks
/// `a` and `b`: one of them has no profiles, or they share one. Two variants in disjoint
/// profiles (`dev`, `prod`) may hold the same host port.
pub const fn profiles_overlap(a: u64, b: u64) -> bool {
    a == 0 || b == 0 || a & b != 0
}

/// Whether every `up` that starts a service (profiles `from`) also starts its dependency
/// (profiles `to`); compose refuses the file otherwise.
pub const fn profiles_cover(from: u64, to: u64) -> bool {
    to == 0 || (from != 0 && from & !to == 0)
}

/// At compile time: fails when `from` can run without its dependency `to`: some `up` that
/// starts `from` does not start `to` (compose then refuses the file).
#[track_caller]
pub const fn profile_dependency(from: &str, to: &str, from_profiles: u64, to_profiles: u64) {
    if !profiles_cover(from_profiles, to_profiles) {
        Defect::ProfileDependency { from, to }.raise()
    }
}

impl<'a> PortUse<'a> {
    /// Host ports `start..=end` of `service` on `ip` (`None`: all addresses); `protocol` 0 TCP,
    /// 1 UDP. The one constructor, for `validate()` and for the checks `stack!` generates.
    pub const fn new(
        service: &'a str,
        ip: Option<core::net::IpAddr>,
        protocol: u8,
        start: u16,
        end: u16,
    ) -> Self {
        let (family, ip) = ip_key(ip);
        PortUse {
            service,
            ip,
            family,
            protocol,
            start,
            end,
            profiles: 0,
        }
    }

    /// The same use, by a service that only the profiles in `mask` start ([`profile_mask`]).
    pub const fn in_profiles(mut self, mask: u64) -> Self {
        self.profiles = mask;
        self
    }
}

/// [`PortUse::protocol`] of a use that holds no host port (see [`PortUse::proxy`]).
pub const NO_PROTOCOL: u8 = u8::MAX;

impl<'a> PortUse<'a> {
    /// Host port `port` of a proxy, held by `owner` ([`HOST_PROXY`] for a proxy on the host).
    /// A proxy service already mapping that container port (`owner_targets`, its container port
    /// ranges) publishes it through that mapping, whose own use counts instead: then this use
    /// holds nothing. The one rule for `validate()` and `stack!`.
    pub const fn proxy(owner: &'a str, port: u16, owner_targets: &[(u16, u16)]) -> Self {
        let mut i = 0;
        let mut protocol = 0;
        while i < owner_targets.len() {
            if owner_targets[i].0 <= port && port <= owner_targets[i].1 {
                protocol = NO_PROTOCOL;
            }
            i += 1;
        }
        PortUse::new(owner, None, protocol, port, port)
    }
}

/// The key of a host IP for [`PortUse`]: `(family, bits)`; unspecified addresses bind all.
pub const fn ip_key(ip: Option<core::net::IpAddr>) -> (u8, u128) {
    match ip {
        None => (0, 0),
        Some(core::net::IpAddr::V4(v4)) => {
            if v4.is_unspecified() {
                (0, 0)
            } else {
                (4, v4.to_bits() as u128)
            }
        }
        Some(core::net::IpAddr::V6(v6)) => {
            if v6.is_unspecified() {
                (0, 0)
            } else {
                (6, v6.to_bits())
            }
        }
    }
}

const fn sort_key(p: &PortUse<'_>) -> u32 {
    ((p.protocol as u32) << 16) | p.start as u32
}

/// Sorts `order` (indices into `ports`) by protocol and first port: heapsort, O(n log n).
const fn sort_ports(ports: &[PortUse<'_>], order: &mut [u32]) {
    let n = order.len();
    let mut start = n / 2;
    while start > 0 {
        start -= 1;
        sift_down(ports, order, start, n);
    }
    let mut end = n;
    while end > 1 {
        end -= 1;
        let t = order[0];
        order[0] = order[end];
        order[end] = t;
        sift_down(ports, order, 0, end);
    }
}

const fn sift_down(ports: &[PortUse<'_>], order: &mut [u32], mut root: usize, end: usize) {
    loop {
        let mut child = 2 * root + 1;
        if child >= end {
            return;
        }
        if child + 1 < end
            && sort_key(&ports[order[child] as usize]) < sort_key(&ports[order[child + 1] as usize])
        {
            child += 1;
        }
        if sort_key(&ports[order[root] as usize]) >= sort_key(&ports[order[child] as usize]) {
            return;
        }
        let t = order[root];
        order[root] = order[child];
        order[child] = t;
        root = child;
    }
}

/// Marks clashing host ports: afterwards `clash[i]` is the index of the earliest-declared port
/// that port `i` overlaps (same protocol, overlapping ports and host IPs), or `u32::MAX`.
/// `order` and `active` are scratch space of `ports.len()` each. Sort plus sweep: O(n log n)
/// plus the overlaps found.
pub const fn port_clashes(
    ports: &[PortUse<'_>],
    order: &mut [u32],
    active: &mut [u32],
    clash: &mut [u32],
) {
    let n = ports.len();
    let mut i = 0;
    while i < n {
        order[i] = i as u32;
        clash[i] = u32::MAX;
        i += 1;
    }
    sort_ports(ports, order);
    let mut live = 0;
    let mut k = 0;
    while k < n {
        let cur = order[k] as usize;
        let p = ports[cur];
        if p.protocol == NO_PROTOCOL {
            k += 1;
            continue;
        }
        // drop ranges that end before this one starts (or use the other protocol)
        let mut kept = 0;
        let mut a = 0;
        while a < live {
            let q = ports[active[a] as usize];
            if q.protocol == p.protocol && q.end >= p.start {
                active[kept] = active[a];
                kept += 1;
            }
            a += 1;
        }
        live = kept;
        let mut a = 0;
        while a < live {
            let other = active[a] as usize;
            let q = ports[other];
            let ip_overlap =
                p.family == 0 || q.family == 0 || (p.family == q.family && p.ip == q.ip);
            if ip_overlap && profiles_overlap(p.profiles, q.profiles) {
                let (first, second) = if other < cur {
                    (other, cur)
                } else {
                    (cur, other)
                };
                // the earliest declared of the ports it overlaps: the same answer whatever
                // order the (unstable) sort left equal ports in
                if clash[second] == u32::MAX || (first as u32) < clash[second] {
                    clash[second] = first as u32;
                }
            }
            a += 1;
        }
        active[live] = cur as u32;
        live += 1;
        k += 1;
    }
}

/// #2: the defect of port `i` when `clash` (from [`port_clashes`]) marks it.
pub const fn port_clash<'a>(ports: &[PortUse<'a>], clash: &[u32], i: usize) -> Option<Defect<'a>> {
    if clash[i] == u32::MAX {
        return None;
    }
    let (p, q) = (ports[i], ports[clash[i] as usize]);
    Some(Defect::PortClash {
        service: p.service,
        port: if p.start > q.start { p.start } else { q.start },
        protocol: if p.protocol == 0 { "tcp" } else { "udp" },
        other: q.service,
    })
}

/// #2 at compile time: fails at port `i` when `clash` marks it.
#[track_caller]
pub const fn port_free(ports: &[PortUse<'_>], clash: &[u32], i: usize) {
    if let Some(d) = port_clash(ports, clash, i) {
        d.raise()
    }
}

/// Fills `first[v]` with the index of the first edge leaving service `v` (`from` sorted), and
/// `first[n]` with the number of edges; a service without edges gets its successor's start.
const fn edge_starts(n: usize, from: &[u32], first: &mut [u32]) {
    let e = from.len();
    let mut v = 0;
    while v <= n {
        first[v] = e as u32;
        v += 1;
    }
    let mut k = e;
    while k > 0 {
        k -= 1;
        first[from[k] as usize] = k as u32;
    }
    let mut v = n;
    while v > 0 {
        v -= 1;
        if first[v] == e as u32 || first[v] > first[v + 1] {
            first[v] = first[v + 1];
        }
    }
}

/// Marks one edge per dependency cycle class: for every strongly connected component of the
/// graph that holds a cycle, the first back edge that a depth-first search (from service 0, edges
/// in order) meets inside it. `from`/`to` are service indices, sorted by `from`, among `n`
/// services; `scratch` needs `8 * n + 1` entries. Afterwards `closing[k]` is 1 for a marked edge
/// and 0 for every other. O(V + E) (Tarjan's algorithm, without recursion).
pub const fn closing_edges(
    n: usize,
    from: &[u32],
    to: &[u32],
    scratch: &mut [u32],
    closing: &mut [u32],
) {
    const OPEN: u32 = u32::MAX;
    let e = from.len();
    edge_starts(n, from, scratch);
    // scratch: [first; n + 1] [dfs index, 0 = unseen] [low] [component] [next edge]
    //          [Tarjan stack] [call stack] [on the call stack]
    let (idx, low, comp, next) = (n + 1, 2 * n + 1, 3 * n + 1, 4 * n + 1);
    let (tstack, cstack, onpath) = (5 * n + 1, 6 * n + 1, 7 * n + 1);
    let mut v = 0;
    while v < n {
        scratch[idx + v] = 0;
        scratch[onpath + v] = 0;
        v += 1;
    }
    let mut k = 0;
    while k < e {
        closing[k] = 0;
        k += 1;
    }
    let (mut counter, mut seq, mut comps, mut sp) = (0u32, 0u32, 0u32, 0usize);
    let mut root = 0;
    while root < n {
        if scratch[idx + root] != 0 {
            root += 1;
            continue;
        }
        let mut depth = 0;
        let mut visit = root;
        loop {
            if visit != usize::MAX {
                counter += 1;
                scratch[idx + visit] = counter;
                scratch[low + visit] = counter;
                scratch[comp + visit] = OPEN;
                scratch[next + visit] = scratch[visit];
                scratch[onpath + visit] = 1;
                scratch[tstack + sp] = visit as u32;
                sp += 1;
                scratch[cstack + depth] = visit as u32;
                depth += 1;
                visit = usize::MAX;
            }
            if depth == 0 {
                break;
            }
            let u = scratch[cstack + depth - 1] as usize;
            let edge = scratch[next + u] as usize;
            if edge < e && from[edge] as usize == u {
                scratch[next + u] += 1;
                let w = to[edge] as usize;
                if scratch[idx + w] == 0 {
                    visit = w;
                } else if scratch[comp + w] == OPEN {
                    if scratch[idx + w] < scratch[low + u] {
                        scratch[low + u] = scratch[idx + w];
                    }
                    if scratch[onpath + w] == 1 {
                        // a back edge; numbered in the order the search meets them
                        seq += 1;
                        closing[edge] = seq;
                    }
                }
            } else {
                scratch[onpath + u] = 0;
                depth -= 1;
                if scratch[low + u] == scratch[idx + u] {
                    loop {
                        sp -= 1;
                        let x = scratch[tstack + sp] as usize;
                        scratch[comp + x] = comps;
                        if x == u {
                            break;
                        }
                    }
                    comps += 1;
                }
                if depth > 0 {
                    let p = scratch[cstack + depth - 1] as usize;
                    if scratch[low + u] < scratch[low + p] {
                        scratch[low + p] = scratch[low + u];
                    }
                }
            }
        }
        root += 1;
    }
    // keep, per component, the back edge met first (`low` is free now: it holds that edge)
    let mut c = 0;
    while c < comps as usize {
        scratch[low + c] = OPEN;
        c += 1;
    }
    let mut k = 0;
    while k < e {
        if closing[k] != 0 {
            let c = scratch[comp + from[k] as usize] as usize;
            let best = scratch[low + c];
            if best == OPEN || closing[best as usize] > closing[k] {
                scratch[low + c] = k as u32;
            }
        }
        k += 1;
    }
    let mut k = 0;
    while k < e {
        closing[k] = 0;
        k += 1;
    }
    let mut c = 0;
    while c < comps as usize {
        if scratch[low + c] != OPEN {
            closing[scratch[low + c] as usize] = 1;
        }
        c += 1;
    }
}

/// The cycle that edge `edge` closes: a shortest path from its target back to its source, then
/// the target again (`a → … → a`), written into `path` (`n + 1` entries); returns its length.
/// `scratch` needs `3 * n + 1` entries. O(V + E).
pub const fn cycle_path(
    n: usize,
    from: &[u32],
    to: &[u32],
    edge: usize,
    scratch: &mut [u32],
    path: &mut [u32],
) -> usize {
    let (u, w) = (from[edge], to[edge]);
    edge_starts(n, from, scratch);
    let (parent, queue) = (n + 1, 2 * n + 1);
    let mut v = 0;
    while v < n {
        scratch[parent + v] = u32::MAX;
        v += 1;
    }
    scratch[parent + w as usize] = w;
    scratch[queue] = w;
    let (mut head, mut tail) = (0, 1);
    while head < tail && scratch[parent + u as usize] == u32::MAX {
        let v = scratch[queue + head] as usize;
        head += 1;
        let mut k = scratch[v] as usize;
        while k < scratch[v + 1] as usize {
            let x = to[k] as usize;
            if scratch[parent + x] == u32::MAX {
                scratch[parent + x] = v as u32;
                scratch[queue + tail] = x as u32;
                tail += 1;
            }
            k += 1;
        }
    }
    // u reaches w through `edge`; w reaches u (both lie in one component), so the walk ends
    let mut len = 1;
    let mut x = u;
    while x != w {
        x = scratch[parent + x as usize];
        len += 1;
    }
    let mut i = len;
    let mut x = u;
    loop {
        i -= 1;
        path[i] = x;
        if x == w {
            break;
        }
        x = scratch[parent + x as usize];
    }
    path[len] = w;
    len + 1
}

/// [`closing_edges`] on arrays, for `const` items generated by the macro (`S = 8 * N + 1`).
pub const fn closing_edges_in<const N: usize, const E: usize, const S: usize>(
    from: &[u32; E],
    to: &[u32; E],
) -> [u32; E] {
    let mut scratch = [0u32; S];
    let mut closing = [0u32; E];
    closing_edges(N, from, to, &mut scratch, &mut closing);
    closing
}

/// #5 at compile time: fails at edge `edge` when [`closing_edges`] marked it, naming its cycle
/// (`P = N + 1`, `S = 3 * N + 1` for `N` services).
#[track_caller]
pub const fn not_closing_cycle<const P: usize, const S: usize>(
    names: &[&str],
    from: &[u32],
    to: &[u32],
    closing: &[u32],
    edge: usize,
) {
    if closing[edge] == 1 {
        let mut scratch = [0u32; S];
        let mut path = [0u32; P];
        let len = cycle_path(names.len(), from, to, edge, &mut scratch, &mut path);
        let (path, _) = path.split_at(len);
        Defect::Cycle { names, path }.raise()
    }
}

/// [`port_clashes`] on an array, for `const` items generated by the macro.
pub const fn port_clashes_in<const N: usize>(ports: &[PortUse<'_>; N]) -> [u32; N] {
    let (mut order, mut active, mut clash) = ([0u32; N], [0u32; N], [0u32; N]);
    port_clashes(ports, &mut order, &mut active, &mut clash);
    clash
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(d: Defect<'_>) -> String {
        let mut m = Msg::new();
        d.render(&mut m);
        m.as_str().to_owned()
    }

    #[test]
    fn suggestions() {
        assert_eq!(
            suggest("postgress", &["backend", "postgres"]),
            Some("postgres")
        );
        assert_eq!(suggest("redis", &["backend", "postgres"]), None);
        assert_eq!(distance("kitten", "sitting"), 3);
    }

    fn cycles(n: usize, from: &[u32], to: &[u32]) -> Vec<Vec<u32>> {
        let mut scratch = vec![0; 8 * n + 1];
        let mut closing = vec![9; from.len()];
        closing_edges(n, from, to, &mut scratch, &mut closing);
        let mut out = Vec::new();
        for (k, &mark) in closing.iter().enumerate() {
            assert!(mark <= 1);
            if mark == 1 {
                let (mut scratch, mut path) = (vec![0; 3 * n + 1], vec![0; n + 1]);
                let len = cycle_path(n, from, to, k, &mut scratch, &mut path);
                out.push(path[..len].to_vec());
            }
        }
        out
    }

    #[test]
    fn cycle_is_found_with_its_path() {
        // 0 -> 1 -> 2 -> 0, 3 -> 0
        let (from, to) = ([0, 1, 2, 3], [1, 2, 0, 0]);
        let mut scratch = [0; 33];
        let mut closing = [0; 4];
        closing_edges(4, &from, &to, &mut scratch, &mut closing);
        assert_eq!(closing, [0, 0, 1, 0]);
        let path = &cycles(4, &from, &to)[0];
        assert_eq!(path, &[0, 1, 2, 0]);
        let names = ["a", "b", "c", "d"];
        assert_eq!(
            msg(Defect::Cycle {
                names: &names,
                path
            }),
            "dependency cycle: `a` → `b` → `c` → `a`; remove one of these dependencies"
        );
        assert!(cycles(3, &[0, 0, 1], &[1, 2, 2]).is_empty());
        assert_eq!(cycles(2, &[1], &[1]), [vec![1, 1]]);
    }

    #[test]
    fn one_cycle_per_strongly_connected_component() {
        // {0, 1} and {2, 3, 4} are two components; the second holds the cycles 3 -> 4 -> 3
        // (met first by the search) and 2 -> 3 -> 2, and is reported once
        let (from, to) = ([0, 1, 1, 2, 3, 3, 4, 4], [1, 0, 2, 3, 4, 2, 3, 2]);
        assert_eq!(cycles(5, &from, &to), [vec![0, 1, 0], vec![3, 4, 3]]);
        // a self-loop is its own component, beside a larger one
        let (from, to) = ([0, 1, 2, 2], [1, 0, 2, 0]);
        assert_eq!(cycles(3, &from, &to), [vec![0, 1, 0], vec![2, 2]]);
    }

    /// Every component with a cycle gets exactly one marked edge, whose path is a real cycle.
    #[test]
    fn closing_edges_agree_with_reachability() {
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut rand = |m: u64| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state % m
        };
        for _ in 0..2000 {
            let n = 1 + rand(8) as usize;
            let mut edges: Vec<(u32, u32)> = (0..rand(14))
                .map(|_| (rand(n as u64) as u32, rand(n as u64) as u32))
                .collect();
            edges.sort();
            edges.dedup();
            let (from, to): (Vec<u32>, Vec<u32>) = edges.iter().copied().unzip();
            let mut reach = vec![vec![false; n]; n];
            for &(a, b) in &edges {
                reach[a as usize][b as usize] = true;
            }
            for m in 0..n {
                for a in 0..n {
                    for b in 0..n {
                        reach[a][b] |= reach[a][m] && reach[m][b];
                    }
                }
            }
            // components holding a cycle, named by their smallest member
            let mut want: Vec<usize> = (0..n)
                .filter(|&v| reach[v][v] && (0..v).all(|u| !(reach[u][v] && reach[v][u])))
                .collect();
            let found = cycles(n, &from, &to);
            let component = |v: usize| (0..n).find(|&u| reach[u][v] && reach[v][u]).unwrap();
            let mut got: Vec<usize> = found.iter().map(|p| component(p[0] as usize)).collect();
            for p in &found {
                assert_eq!(p.first(), p.last());
                for w in p.windows(2) {
                    assert!(edges.contains(&(w[0], w[1])), "{p:?} uses a missing edge");
                }
                let c = component(p[0] as usize);
                assert!(p.iter().all(|&v| component(v as usize) == c));
            }
            want.sort();
            got.sort();
            assert_eq!(got, want, "edges {edges:?}");
        }
    }

    #[test]
    fn profiles_decide_which_services_run_together() {
        let all = ["dev", "prod", "ops"];
        let mask = |p: &[&'static str]| profile_mask(&all, p.iter().copied());
        assert_eq!(mask(&[]), 0);
        assert!(profiles_overlap(0, mask(&["dev"])));
        assert!(!profiles_overlap(mask(&["dev"]), mask(&["prod"])));
        assert!(profiles_overlap(
            mask(&["dev", "ops"]),
            mask(&["prod", "ops"])
        ));
        // a dependency runs under every profile its dependant runs under
        assert!(profiles_cover(mask(&["dev"]), mask(&["dev", "prod"])));
        assert!(!profiles_cover(mask(&["dev", "prod"]), mask(&["dev"])));
        assert!(!profiles_cover(0, mask(&["dev"])));
        assert!(profiles_cover(mask(&["dev"]), 0));
    }

    #[test]
    fn port_clash_marks_the_later_port() {
        let p = |service, family, ip, start, end| PortUse {
            service,
            ip,
            family,
            protocol: 0,
            start,
            end,
            profiles: 0,
        };
        let ports = [
            p("a", 0, 0, 8000, 8000),
            p("b", 4, 1, 9000, 9010),
            p("c", 4, 2, 9005, 9005),
            p("d", 4, 1, 9010, 9010),
            p("e", 4, 3, 8000, 8000),
        ];
        let clash = port_clashes_in(&ports);
        assert_eq!(clash, [u32::MAX, u32::MAX, u32::MAX, 1, 0]);
    }
}
