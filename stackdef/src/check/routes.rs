//! Rules about proxies: route targets (#7), duplicate routes (#8), and the host ports a proxy on
//! the host listens on (part of #2).

use std::collections::{HashMap, HashSet};

use super::rules::{self, Defect, PortUse};
use super::{DefectClass, Diagnostic, diag};
use crate::model::{Action, Placement, Service, Stack, Tls};

/// Host ports of proxies: HTTP, and HTTPS when a server has TLS. A proxy on the host holds
/// them itself; a proxy service holds them unless it already publishes those container ports
/// (as after [`Stack::wire_proxies`], which publishes them).
pub(crate) fn host_proxy_ports(stack: &Stack) -> Vec<PortUse<'_>> {
    let mut uses = Vec::new();
    for proxy in &stack.proxies {
        let owner = match &proxy.placement {
            Placement::Host => None,
            Placement::Service(s) => match stack.service(s.as_str()) {
                Some(service) => Some(service),
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
        for port in ports {
            let service = match owner {
                None => rules::HOST_PROXY,
                Some(s) if s.ports.iter().any(|p| p.target.contains(port)) => continue,
                Some(s) => s.name.as_str(),
            };
            uses.push(PortUse::new(service, None, 0, port, port));
        }
    }
    uses
}

fn listens(s: &Service, port: u16) -> bool {
    s.ports.iter().any(|p| p.target.contains(port)) || s.expose.iter().any(|e| e.contains(port))
}

fn publishes(s: &Service, port: u16) -> bool {
    s.ports
        .iter()
        .any(|p| p.published.is_some() && p.target.contains(port))
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
                if !seen.insert((route.exact, path)) {
                    out.push(diag(
                        DefectClass::DuplicateRoute,
                        Defect::DuplicateRoute { host, path },
                    ));
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
                let port = up.port.get();
                let unpublished = proxy.placement == Placement::Host;
                let ok = if unpublished {
                    publishes(service, port)
                } else {
                    listens(service, port)
                };
                if !ok {
                    let d = Defect::RoutePort {
                        path,
                        service: name,
                        port,
                        unpublished,
                    };
                    out.push(diag(DefectClass::RouteTarget, d));
                }
            }
        }
    }
}
