//! The stack rules, one set for compile time and run time.
//!
//! `rules` holds `const fn`s that the `stack!` macro's generated `const` items call, so a
//! broken rule fails the build on the user's token; [`validate`] runs the same functions on a
//! stack built at run time and reports every problem at once, with the same text. `rules` and
//! its message buffer `Msg` are reachable (the macro's code calls them through
//! `stackdef::__private`) but not part of the API: their shapes (`PortUse`'s packed address,
//! the sentinels) change with the rules.

mod fields;
mod routes;
#[doc(hidden)]
pub mod rules;

use std::collections::{HashMap, HashSet};

pub use crate::diagnostic::{DefectClass, Diagnostic};
#[doc(hidden)]
pub use crate::msg::Msg;
use rules::{Defect, PortUse, RefKind};

use crate::model::{Condition, Stack};

pub(crate) fn diag(class: DefectClass, d: Defect<'_>) -> Diagnostic {
    let mut m = Msg::new();
    d.render(&mut m);
    Diagnostic::new(class, m.as_str(), d.at())
}

/// A stack that passed [`validate`]: the emitters take one, so no file is written from a stack
/// that was not checked. Only [`validate`] makes it; it reads as the [`Stack`] it borrows.
#[derive(Debug, Clone, Copy)]
pub struct Valid<'a> {
    stack: &'a Stack,
}

impl<'a> Valid<'a> {
    /// The checked stack.
    pub fn stack(self) -> &'a Stack {
        self.stack
    }
}

impl std::ops::Deref for Valid<'_> {
    type Target = Stack;
    fn deref(&self) -> &Stack {
        self.stack
    }
}

/// Checks `stack` against every rule and returns all problems at once, or the stack as
/// [`Valid`]. With `?` in a function returning [`crate::Result`], the problems become
/// [`crate::Error::InvalidStack`].
pub fn validate(stack: &Stack) -> Result<Valid<'_>, Vec<Diagnostic>> {
    let mut out = Vec::new();
    let names: Vec<&str> = stack.services.iter().map(|s| s.name.as_str()).collect();
    let mut index: HashMap<&str, u32> = HashMap::with_capacity(names.len());
    for (i, name) in names.iter().enumerate() {
        if index.insert(name, i as u32).is_some() {
            out.push(diag(
                DefectClass::Duplicate,
                Defect::DuplicateService { name },
            ));
        }
    }
    duplicate_container_names(stack, &mut out);
    references(stack, &names, &index, &mut out);
    ports(stack, &mut out);
    cycle(stack, &names, &index, &mut out);
    routes::check(stack, &names, &index, &mut out);
    routes::servers(stack, &mut out);
    fields::check(stack, &index, &mut out);
    env_uses(stack, &mut out);
    if out.is_empty() {
        Ok(Valid { stack })
    } else {
        Err(out)
    }
}

fn duplicate_container_names(stack: &Stack, out: &mut Vec<Diagnostic>) {
    let mut seen: HashMap<&str, &str> = HashMap::new();
    for s in &stack.services {
        let Some(c) = &s.container_name else { continue };
        if let Some(other) = seen.insert(c.as_str(), s.name.as_str()) {
            let d = Defect::DuplicateContainerName {
                name: c.as_str(),
                service: s.name.as_str(),
                other,
            };
            out.push(diag(DefectClass::Duplicate, d));
        }
    }
}

fn references(
    stack: &Stack,
    names: &[&str],
    index: &HashMap<&str, u32>,
    out: &mut Vec<Diagnostic>,
) {
    // a set per kind for the lookups (linear in the stack); the list only for suggestions
    let volumes: Vec<&str> = stack.volumes.iter().map(|v| v.name.as_str()).collect();
    let networks: Vec<&str> = stack.networks.iter().map(|n| n.name.as_str()).collect();
    let secrets: Vec<&str> = stack.secrets.iter().map(|s| s.name.as_str()).collect();
    let configs: Vec<&str> = stack.configs.iter().map(|c| c.name.as_str()).collect();
    let sets: [HashSet<&str>; 4] =
        [&volumes, &networks, &secrets, &configs].map(|v| v.iter().copied().collect());
    let mut unknown = |kind, class, from, name: &str, known: &[&str]| {
        let declared = match kind {
            RefKind::Service => index.contains_key(name),
            RefKind::Volume => sets[0].contains(name),
            RefKind::Network => sets[1].contains(name),
            RefKind::Secret => sets[2].contains(name),
            RefKind::Config => sets[3].contains(name),
        };
        if !declared {
            let suggestion = rules::suggest(name, known);
            out.push(diag(
                class,
                Defect::Unknown {
                    kind,
                    from,
                    name,
                    suggestion,
                },
            ));
        }
    };
    for s in &stack.services {
        let from = s.name.as_str();
        for to in s.starts_after() {
            unknown(
                RefKind::Service,
                DefectClass::UnknownService,
                from,
                to.as_str(),
                names,
            );
        }
        for m in &s.mounts {
            if let crate::model::Mount::Volume { source, .. } = m {
                unknown(
                    RefKind::Volume,
                    DefectClass::Undeclared,
                    from,
                    source.as_str(),
                    &volumes,
                );
            }
        }
        for n in &s.networks {
            unknown(
                RefKind::Network,
                DefectClass::Undeclared,
                from,
                n.network.as_str(),
                &networks,
            );
        }
        for secret in &s.secrets {
            unknown(
                RefKind::Secret,
                DefectClass::Undeclared,
                from,
                secret.as_str(),
                &secrets,
            );
        }
        for c in &s.configs {
            unknown(
                RefKind::Config,
                DefectClass::Undeclared,
                from,
                c.source.as_str(),
                &configs,
            );
        }
    }
    for s in &stack.services {
        for d in s
            .depends_on
            .iter()
            .filter(|d| d.condition == Condition::Healthy)
        {
            let Some(&i) = index.get(d.service.as_str()) else {
                continue;
            };
            if !stack.services[i as usize].has_healthcheck() {
                let defect = Defect::HealthyWithoutHealthcheck {
                    from: s.name.as_str(),
                    to: d.service.as_str(),
                };
                out.push(diag(DefectClass::HealthyWithoutHealthcheck, defect));
            }
        }
    }
}

/// The host ports in use: those of proxies running on the host, then the published ports of
/// the services, in declaration order.
pub fn port_uses(stack: &Stack) -> Vec<PortUse<'_>> {
    let mut uses = routes::host_proxy_ports(stack);
    let all = all_profiles(stack);
    for s in stack.services.iter().filter(|s| !s.ports_discarded()) {
        let mask = rules::profile_mask(&all, s.profiles.iter().map(String::as_str));
        for p in &s.ports {
            if let Some(published) = p.published {
                let u = PortUse::new(
                    s.name.as_str(),
                    p.host_ip,
                    p.protocol as u8,
                    published.start().get(),
                    published.end().get(),
                );
                uses.push(u.in_profiles(mask));
            }
        }
    }
    uses
}

/// The stack's distinct profile names, in order of first appearance ([`rules::profile_mask`]).
pub(crate) fn all_profiles(stack: &Stack) -> Vec<&str> {
    let mut all: Vec<&str> = Vec::new();
    for p in stack.services.iter().flat_map(|s| &s.profiles) {
        if !all.contains(&p.as_str()) {
            all.push(p);
        }
    }
    all
}

fn ports(stack: &Stack, out: &mut Vec<Diagnostic>) {
    // every replica binds the service's published host ports
    for s in &stack.services {
        let replicas = s.deploy.as_ref().and_then(|d| d.replicas).unwrap_or(1);
        for p in &s.ports {
            let Some(published) = p.published else {
                continue;
            };
            if replicas > 1 && published.len() < replicas {
                let d = Defect::ReplicaPorts {
                    service: s.name.as_str(),
                    replicas,
                    port: published.start().get(),
                    published: published.len(),
                };
                out.push(diag(DefectClass::PortClash, d));
            }
        }
    }
    let uses = port_uses(stack);
    let n = uses.len();
    let (mut order, mut active, mut clash) = (vec![0; n], vec![0; n], vec![0; n]);
    rules::port_clashes(&uses, &mut order, &mut active, &mut clash);
    for i in 0..n {
        if let Some(d) = rules::port_clash(&uses, &clash, i) {
            out.push(diag(DefectClass::PortClash, d));
        }
    }
}

fn cycle(stack: &Stack, names: &[&str], index: &HashMap<&str, u32>, out: &mut Vec<Diagnostic>) {
    let (mut from, mut to) = (Vec::new(), Vec::new());
    for (i, s) in stack.services.iter().enumerate() {
        for d in s.starts_after() {
            if let Some(&j) = index.get(d.as_str()) {
                from.push(i as u32);
                to.push(j);
            }
        }
    }
    let n = names.len();
    let mut closing = vec![0; from.len()];
    rules::closing_edges(n, &from, &to, &mut vec![0; 8 * n + 1], &mut closing);
    let (mut scratch, mut path) = (vec![0; 3 * n + 1], vec![0; n + 1]);
    for k in (0..from.len()).filter(|&k| closing[k] == 1) {
        let len = rules::cycle_path(n, &from, &to, k, &mut scratch, &mut path);
        out.push(diag(
            DefectClass::Cycle,
            Defect::Cycle {
                names,
                path: &path[..len],
            },
        ));
    }
}

/// Every interpolated text of a service: environment, command, entrypoint, healthcheck, build
/// arguments.
pub(crate) fn texts(s: &crate::model::Service) -> impl Iterator<Item = &crate::model::Text> {
    use crate::model::{Command, HealthTest, Source};
    let env = s.environment.iter().map(|(_, v)| v);
    let commands = [&s.command, &s.entrypoint]
        .into_iter()
        .flatten()
        .flat_map(|c| match c {
            Command::Exec(args) => args.as_slice(),
            Command::Shell(t) => std::slice::from_ref(t),
        });
    let health = s.healthcheck.iter().flat_map(|h| match &h.test {
        HealthTest::Exec(args) => args.as_slice(),
        HealthTest::Shell(t) => std::slice::from_ref(t),
        HealthTest::Disabled | HealthTest::Image => &[],
    });
    let (build_args, image) = match &s.source {
        Source::Build(b, image) => (b.args.as_slice(), image.as_ref()),
        Source::Image(i) => (&[][..], Some(i)),
    };
    env.chain(commands)
        .chain(health)
        .chain(build_args.iter().map(|(_, v)| v))
        .chain(image.and_then(|i| i.template()))
        .chain(s.ports.iter().filter_map(|p| p.published_var.as_ref()))
        .chain(s.mounts.iter().filter_map(|m| match m {
            crate::model::Mount::Bind { source_var, .. } => source_var.as_ref(),
            _ => None,
        }))
}

/// Every variable each service reads, in order: `(service, variable)`.
pub fn env_reads(stack: &Stack) -> Vec<(&str, &str)> {
    let mut out = Vec::new();
    for s in &stack.services {
        for t in texts(s) {
            out.extend(t.vars().map(|v| (s.name.as_str(), v.as_str())));
        }
        // a passed variable is read from compose's environment too
        out.extend(s.env_passed.iter().map(|k| (s.name.as_str(), k.as_str())));
    }
    out
}

fn env_uses(stack: &Stack, out: &mut Vec<Diagnostic>) {
    let declared: Vec<&str> = stack.env.iter().map(|v| v.name()).collect();
    let set: HashSet<&str> = declared.iter().copied().collect();
    let mut reported = HashSet::new();
    for (service, name) in env_reads(stack) {
        if !set.contains(name) && reported.insert((service, name)) {
            let suggestion = rules::suggest(name, &declared);
            out.push(diag(
                DefectClass::UndeclaredEnv,
                Defect::UndeclaredEnv {
                    service,
                    name,
                    suggestion,
                },
            ));
        }
    }
}

/// Problems that do not stop emission: declared variables nothing reads.
pub fn warnings(stack: &Stack) -> Vec<Diagnostic> {
    let read: std::collections::HashSet<&str> =
        env_reads(stack).into_iter().map(|(_, v)| v).collect();
    let mut out: Vec<Diagnostic> = stack
        .env
        .iter()
        .filter(|v| !read.contains(v.name()))
        .map(|v| diag(DefectClass::UnusedEnv, Defect::UnusedEnv { name: v.name() }))
        .collect();
    for s in &stack.services {
        let h = &s.hardening;
        if s.ports_discarded() && !s.ports.is_empty() {
            let at = vec![
                "services".to_owned(),
                s.name.as_str().to_owned(),
                "ports".to_owned(),
            ];
            out.push(Diagnostic::new(
                DefectClass::Conflict,
                format!(
                    "`{}` publishes ports but uses `network_mode: {}`, where the engine discards them: the container's ports are {}; remove `ports`",
                    s.name,
                    s.network_mode.as_ref().map(ToString::to_string).unwrap_or_default(),
                    if matches!(s.network_mode, Some(crate::model::NetworkMode::Host)) {
                        "the host's own"
                    } else {
                        "on no network"
                    }
                ),
                at,
            ));
        }
        let mut warn = |text: String| {
            let at = vec!["services".to_owned(), s.name.as_str().to_owned()];
            out.push(Diagnostic::new(DefectClass::Unexplained, text, at));
        };
        if let crate::model::Source::Image(image) = &s.source
            && image.digest().is_none()
            && h.unpinned_image.is_none()
        {
            warn(format!(
                "`{}` runs `{image}` by tag, which the registry can move: pin a digest (`@sha256:…`) or give `hardening.unpinned_image` a reason",
                s.name
            ));
        }
        let limited = s.deploy.as_ref().and_then(|d| d.limits.as_ref()).is_some()
            || s.container.mem_limit.is_some()
            || s.container.cpus.is_some();
        if !limited && h.no_resource_limits.is_none() {
            warn(format!(
                "`{}` has no CPU or memory limit (`deploy: Deploy::limited(…)`); or give `hardening.no_resource_limits` a reason",
                s.name
            ));
        }
        let open = s
            .ports
            .iter()
            .any(|p| p.host_ip.is_none() && p.published.is_some());
        if open && h.all_interfaces.is_none() {
            warn(format!(
                "`{}` publishes ports on every host interface: bind them to an address (`on \"127.0.0.1\"`) or give `hardening.all_interfaces` a reason",
                s.name
            ));
        }
    }
    out
}
