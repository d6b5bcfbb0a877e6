//! Rules about proxies: route targets (#7), duplicate routes (#8), and the host ports a proxy on
//! the host listens on (part of #2).

use std::collections::{HashMap, HashSet};

use super::fields::invalid;
use super::rules::{self, Defect, PortUse};
use super::{DefectClass, Diagnostic, diag};
use crate::model::{Action, Placement, Protocol, Proxy, Service, Stack, Tls};

/// Host ports of proxies: HTTP, and HTTPS when a server has TLS. A proxy on the host holds
/// them itself; a proxy service holds them unless it already publishes those container ports
/// (as after [`Stack::wire_proxies`], which publishes them).
pub(crate) fn host_proxy_ports(stack: &Stack) -> Vec<PortUse<'_>> {
    let mut uses = Vec::new();
    let on_host = stack
        .proxies
        .iter()
        .filter(|p| p.placement == Placement::Host)
        .count();
    let mut k = 0;
    for proxy in &stack.proxies {
        let (owner, targets) = match &proxy.placement {
            Placement::Host => {
                k += 1;
                (rules::host_proxy(k - 1, on_host > 1), Vec::new())
            }
            Placement::Service(s) => match stack.service(s.as_str()) {
                Some(service) => (service.name.as_str(), service.container_port_ranges()),
                None => continue,
            },
            Placement::Frontend(_) => continue,
        };
        let mut ports: Vec<u16> = Vec::new();
        for server in &proxy.servers {
            ports.push(server.http_port.get());
            if server.tls != Tls::Off {
                ports.push(server.https_port.get());
            }
        }
        ports.sort_unstable();
        ports.dedup();
        uses.extend(
            ports
                .into_iter()
                .map(|port| PortUse::proxy(owner, port, &targets)),
        );
    }
    uses
}

/// The TCP container port ranges `s` listens on (nginx proxies HTTP, which is TCP; a UDP-only
/// port is no target), each with the first host port it is published on (0: not published).
fn tcp_ports(s: &Service) -> (Vec<(u16, u16)>, Vec<u16>) {
    let mapped = s
        .ports
        .iter()
        .filter(|p| p.protocol == Protocol::Tcp)
        .map(|p| {
            let target = (p.target.start().get(), p.target.end().get());
            (target, p.published.map_or(0, |h| h.start().get()))
        });
    let exposed = s
        .expose
        .iter()
        .map(|e| ((e.start().get(), e.end().get()), 0));
    mapped.chain(exposed).unzip()
}

pub(crate) fn check(
    stack: &Stack,
    names: &[&str],
    index: &HashMap<&str, u32>,
    out: &mut Vec<Diagnostic>,
) {
    for proxy in &stack.proxies {
        for server in &proxy.servers {
            let host = server.names.first().map_or("_", |h| h.as_str());
            let mut seen = HashSet::new();
            for route in &server.routes {
                let path = route.path.as_str();
                // every `location` the route writes: an SPA adds its assets prefix
                let assets = match &route.action {
                    Action::Spa { assets, .. } => Some((false, assets.as_str())),
                    _ => None,
                };
                for key in std::iter::once((route.exact, path)).chain(assets) {
                    if !seen.insert(key) {
                        out.push(diag(
                            DefectClass::DuplicateRoute,
                            Defect::DuplicateRoute { host, path: key.1 },
                        ));
                    }
                }
                if let Some((zone, _)) = &route.rate_limit {
                    zone_declared(proxy, path, zone.as_str(), out);
                }
                let Action::Proxy(up) = &route.action else {
                    continue;
                };
                let name = up.service.as_str();
                let Some(&i) = index.get(name) else {
                    let suggestion = rules::suggest(name, names);
                    let d = Defect::RouteUnknownService {
                        path,
                        name,
                        suggestion,
                    };
                    out.push(diag(DefectClass::RouteTarget, d));
                    continue;
                };
                let service = &stack.services[i as usize];
                if service.internal {
                    let d = Defect::RouteToInternal {
                        path,
                        service: name,
                    };
                    out.push(diag(DefectClass::RouteTarget, d));
                    continue;
                }
                if let Some(mode) = &service.network_mode {
                    let reach = match mode.service() {
                        Some(owner) => format!("route to `{owner}`, whose network stack it shares"),
                        None => "give it the stack's networks".to_owned(),
                    };
                    out.push(Diagnostic::new(
                        DefectClass::RouteTarget,
                        format!(
                            "route `{path}` targets `{name}`, which uses `network_mode: {mode}` and so has no name on the proxy's network: {reach}"
                        ),
                        vec!["services".into(), name.into(), "network_mode".into()],
                    ));
                    continue;
                }
                let (targets, published) = tcp_ports(service);
                let host = proxy.placement == Placement::Host;
                let port = up.port.get();
                if let Some(d) =
                    rules::route_port_defect(path, name, port, &targets, &published, host)
                {
                    out.push(diag(DefectClass::RouteTarget, d));
                }
            }
        }
    }
}

fn zone_declared(proxy: &Proxy, path: &str, zone: &str, out: &mut Vec<Diagnostic>) {
    if proxy.rate_limits.iter().any(|z| z.name.as_str() == zone) {
        return;
    }
    let known: Vec<&str> = proxy.rate_limits.iter().map(|z| z.name.as_str()).collect();
    let suggestion = rules::suggest(zone, &known);
    out.push(diag(
        DefectClass::Undeclared,
        Defect::UndeclaredZone {
            path,
            zone,
            suggestion,
        },
    ));
}

/// nginx refuses a rate zone smaller than eight memory pages ("zone is too small").
const MIN_ZONE_BYTES: u64 = 32 * 1024;
/// Fewest `worker_connections` that leave room for the listening sockets and upstreams.
pub(crate) const MIN_WORKER_CONNECTIONS: u32 = 16;

/// Server-level rules of each nginx file: names and default servers per port, TLS and plain on
/// one port, TLS without a name, rate zones nginx refuses.
pub(crate) fn servers(stack: &Stack, out: &mut Vec<Diagnostic>) {
    for proxy in &stack.proxies {
        let file = proxy.file.as_str();
        // (port, name) → seen; port → TLS or plain
        let mut names: HashSet<(u16, &str)> = HashSet::new();
        let mut tls_of_port: HashMap<u16, bool> = HashMap::new();
        let mut mixed = HashSet::new();
        let mut reported: HashSet<(usize, &str)> = HashSet::new();
        for (k, server) in proxy.servers.iter().enumerate() {
            let tls = server.tls != Tls::Off;
            if tls && server.names.is_empty() {
                out.push(diag(DefectClass::Conflict, Defect::TlsWithoutName));
            }
            let mut listens = vec![(server.http_port.get(), false)];
            if tls {
                listens.push((server.https_port.get(), true));
            }
            let hosts: Vec<&str> = match server.names.as_slice() {
                [] => vec!["_"],
                names => names.iter().map(|n| n.as_str()).collect(),
            };
            for (port, ssl) in listens {
                if *tls_of_port.entry(port).or_insert(ssl) != ssl && mixed.insert(port) {
                    out.push(diag(
                        DefectClass::Conflict,
                        Defect::MixedTlsPort { file, port },
                    ));
                }
                for &host in &hosts {
                    // once per server and name, at its first shared port
                    if !names.insert((port, host)) && reported.insert((k, host)) {
                        out.push(diag(
                            DefectClass::Duplicate,
                            Defect::DuplicateServer { host, port },
                        ));
                    }
                }
            }
        }
        zones(proxy, out);
    }
}

fn zones(proxy: &Proxy, out: &mut Vec<Diagnostic>) {
    let mut seen = HashSet::new();
    let at = |field: &str| format!("proxies.{}.{field}", proxy.file);
    let mut invalid =
        |field: String, value: String, reason: &str| invalid(out, field, &value, reason);
    for z in &proxy.rate_limits {
        if !seen.insert(z.name.as_str()) {
            invalid(at("rate_limits"), z.name.to_string(), "declared twice");
        }
        if z.size.as_bytes() < MIN_ZONE_BYTES {
            invalid(
                at(&format!("rate_limits.{}.size", z.name)),
                z.size.as_bytes().to_string(),
                "nginx needs a zone of at least 32 KiB",
            );
        }
        if z.per_second == 0 {
            invalid(
                at(&format!("rate_limits.{}.per_second", z.name)),
                "0".into(),
                "a rate must be at least 1 request per second",
            );
        }
    }
    if proxy.worker_connections < MIN_WORKER_CONNECTIONS {
        invalid(
            at("worker_connections"),
            proxy.worker_connections.to_string(),
            "must be at least 16",
        );
    }
}
