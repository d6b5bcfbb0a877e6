//! Rules about single values and lists of a stack that the real tools refuse or read otherwise
//! than meant: free text with control characters, names compose or the engine refuses, a list
//! naming one thing twice, options an external object cannot have, replicas with a fixed
//! container name, dependencies on services only a profile enables. Each is checked on the
//! stack's public fields, so a value assembled without its constructor is caught too.

use std::collections::{HashMap, HashSet};

use super::rules::Defect;
use super::{DefectClass, Diagnostic, diag};
use crate::error::Error;
use crate::model::{Action, ExtValue, Hardening, Mount, NetworkMode, Service, Source, Stack};

/// A field's value refused, with the same text [`Error::Invalid`] has.
pub(super) fn invalid(out: &mut Vec<Diagnostic>, field: String, value: &str, reason: &str) {
    let at = crate::diagnostic::path_keys(&field);
    out.push(Diagnostic::new(
        DefectClass::InvalidValue,
        Error::invalid(field, value, reason).to_string(),
        at,
    ));
}

fn control(s: &str) -> bool {
    s.chars().any(char::is_control)
}

/// The compose specification's pattern for profile names: `[a-zA-Z0-9][a-zA-Z0-9_.-]*`.
fn profile_name(s: &str) -> bool {
    let mut b = s.bytes();
    b.next().is_some_and(|c| c.is_ascii_alphanumeric())
        && b.all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'-'))
}

/// A Linux capability as the engine names it (`NET_ADMIN`, `CAP_CHOWN`, `ALL`).
fn capability(s: &str) -> bool {
    let mut b = s.bytes();
    b.next().is_some_and(|c| c.is_ascii_uppercase())
        && b.all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == b'_')
}

/// A name the engine's DNS answers: letters, digits, `-`, `_`, `.`, each label 1-63 long.
fn dns_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 253
        && s.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && l.bytes()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_'))
        })
}

/// A bind source compose reads as a path: short syntax takes anything else (`data`) as the
/// name of a volume.
fn path_like(s: &str) -> bool {
    s.starts_with('/')
        || s.starts_with("./")
        || s.starts_with("../")
        || s.starts_with("~/")
        || matches!(s, "." | ".." | "~")
}

/// `x-` keys: a key without the prefix would write a compose field past the model, and a key
/// twice in one mapping makes a file readers disagree on.
fn extensions(out: &mut Vec<Diagnostic>, place: &str, fields: &[(String, ExtValue)]) {
    for (key, _) in fields.iter().filter(|(k, _)| !k.starts_with("x-")) {
        invalid(
            out,
            place.to_owned(),
            key,
            "an extension field's key must start with `x-`",
        );
    }
    unique_keys(out, place, fields);
}

fn unique_keys(out: &mut Vec<Diagnostic>, place: &str, fields: &[(String, ExtValue)]) {
    let mut seen = HashSet::with_capacity(fields.len());
    for (key, value) in fields {
        if !seen.insert(key.as_str()) {
            invalid(
                out,
                place.to_owned(),
                key,
                "this key appears twice in one mapping",
            );
        }
        nested_keys(out, place, value);
    }
}

fn nested_keys(out: &mut Vec<Diagnostic>, place: &str, value: &ExtValue) {
    match value {
        ExtValue::Map(entries) => unique_keys(out, place, entries),
        ExtValue::List(items) => items.iter().for_each(|i| nested_keys(out, place, i)),
        _ => {}
    }
}

/// Reports each entry of `names` seen before in the same list.
fn once<'a>(
    out: &mut Vec<Diagnostic>,
    place: &'a str,
    what: &'a str,
    names: impl Iterator<Item = &'a str>,
) {
    let mut seen = HashSet::new();
    let mut reported = HashSet::new();
    for name in names {
        if !seen.insert(name) && reported.insert(name) {
            out.push(diag(
                DefectClass::Duplicate,
                Defect::Twice { place, what, name },
            ));
        }
    }
}

/// Free-text fields that are not interpolated [`Text`](crate::Text): control characters hide
/// what a file says, and `key=value` lists cannot hold `=` in a key.
fn free_text(out: &mut Vec<Diagnostic>, s: &Service) {
    let at = |field: &str| format!("services.{}.{field}", s.name);
    let single = [("user", &s.user), ("working_dir", &s.working_dir)];
    for (field, value) in single {
        if let Some(v) = value.as_deref().filter(|v| control(v) || v.is_empty()) {
            invalid(
                out,
                at(field),
                v,
                "must be non-empty (compose drops an empty one) and free of control characters",
            );
        }
    }
    let lists = [("env_file", &s.env_file), ("security_opt", &s.security_opt)];
    for (field, values) in lists {
        for v in values.iter().filter(|v| control(v)) {
            invalid(out, at(field), v, "must not contain control characters");
        }
    }
    for (k, v) in &s.labels {
        for x in [k, v].into_iter().filter(|x| control(x)) {
            invalid(out, at("labels"), x, "must not contain control characters");
        }
    }
    if let Some(l) = &s.logging {
        let texts = std::iter::once(&l.driver).chain(l.options.iter().flat_map(|(k, v)| [k, v]));
        for x in texts.filter(|x| control(x)) {
            invalid(out, at("logging"), x, "must not contain control characters");
        }
    }
    let keyed = s.labels.iter().map(|(k, _)| ("labels", k));
    let args: Vec<(&str, &String)> = match &s.source {
        Source::Build(b, _) => b.args.iter().map(|(k, _)| ("build.args", k)).collect(),
        Source::Image(_) => Vec::new(),
    };
    for (field, key) in keyed.chain(args) {
        // compose refuses a key with white space at either end, and a build argument is
        // passed like an environment variable
        let spaced =
            key.trim() != key || (field == "build.args" && key.contains(char::is_whitespace));
        if key.is_empty() || key.contains('=') || control(key) || spaced {
            invalid(
                out,
                at(field),
                key,
                "a key must be non-empty and hold no `=`, control characters or surrounding white space (build arguments: no white space at all)",
            );
        }
    }
    if let Source::Build(b, _) = &s.source {
        let paths = [Some(&b.context), b.dockerfile.as_ref(), b.target.as_ref()];
        for p in paths.into_iter().flatten().filter(|p| control(p)) {
            invalid(out, at("build"), p, "must not contain control characters");
        }
    }
}

/// Hardening is one field: its defaults are not repeated in the plain lists (where they would
/// be written twice, or contradict an opt-out), and each opt-out gives a reason.
fn hardening(out: &mut Vec<Diagnostic>, s: &Service) {
    let at = |field: &str| format!("services.{}.{field}", s.name);
    for o in s
        .security_opt
        .iter()
        .filter(|o| o.starts_with("no-new-privileges"))
    {
        invalid(
            out,
            at("security_opt"),
            o,
            "`no-new-privileges` is set by `hardening` (on unless `allow_privilege_gain` gives a reason)",
        );
    }
    for c in s.cap_drop.iter().filter(|c| c.eq_ignore_ascii_case("ALL")) {
        invalid(
            out,
            at("cap_drop"),
            c,
            "every capability is dropped by `hardening` (unless `keep_default_capabilities` gives a reason); list only what to add back in `cap_add`",
        );
    }
    // an official image whose entrypoint needs capabilities cannot start with all dropped
    if let (Source::Image(image), None) = (&s.source, &s.hardening.keep_default_capabilities)
        && let Some((official, needs)) = crate::official::capabilities(image)
    {
        let missing: Vec<&str> = needs
            .iter()
            .copied()
            .filter(|c| !s.cap_add.iter().any(|a| a == c))
            .collect();
        if !missing.is_empty() {
            invalid(
                out,
                at("cap_add"),
                &missing.join(", "),
                &format!(
                    "`{official}`'s entrypoint needs these capabilities, which hardening drops: add them (`recipes::…::capabilities()`) or give `keep_default_capabilities` a reason"
                ),
            );
        }
    }
    for (opt_out, reason) in s.hardening.opt_outs() {
        if reason.trim().is_empty() || control(reason) {
            invalid(
                out,
                at(&format!("hardening.{}", opt_out.key().replace('-', "_"))),
                reason,
                "an opt-out needs a reason: non-empty text without control characters",
            );
        }
    }
    if let Some((k, _)) = s
        .extensions
        .iter()
        .find(|(k, _)| k == Hardening::OPT_OUTS_KEY)
    {
        invalid(
            out,
            at("extensions"),
            k,
            "this key is stackdef's own record of the hardening opt-outs; set `hardening` instead",
        );
    }
}

/// Names compose or the engine check: profiles, capabilities, aliases, extra host names,
/// bind sources.
fn names(out: &mut Vec<Diagnostic>, s: &Service) {
    let at = |field: &str| format!("services.{}.{field}", s.name);
    for p in s.profiles.iter().filter(|p| !profile_name(p)) {
        invalid(
            out,
            at("profiles"),
            p,
            "a profile name is a letter or digit, then letters, digits, `_`, `.`, `-`",
        );
    }
    for (field, caps) in [("cap_add", &s.cap_add), ("cap_drop", &s.cap_drop)] {
        for c in caps.iter().filter(|c| !capability(c)) {
            invalid(
                out,
                at(field),
                c,
                "a capability is upper-case letters, digits and `_`, such as `NET_ADMIN` or `ALL`",
            );
        }
    }
    for n in &s.networks {
        for a in n.aliases.iter().filter(|a| !dns_name(a)) {
            invalid(
                out,
                at(&format!("networks.{}.aliases", n.network)),
                a,
                "an alias is a DNS name: labels of letters, digits, `-` and `_`, joined by `.`",
            );
        }
    }
    for (host, _) in s.extra_hosts.iter().filter(|(h, _)| !dns_name(h)) {
        invalid(
            out,
            at("extra_hosts"),
            host,
            "a host name is labels of letters, digits, `-` and `_`, joined by `.`",
        );
    }
    for m in &s.mounts {
        if let Mount::Bind { source, .. } = m
            && (!path_like(source) || control(source))
        {
            invalid(
                out,
                at("volumes"),
                source,
                "a bind source must start with `/`, `./`, `../` or `~/` (compose reads any other word as a volume name)",
            );
        }
        if control(m.target()) || !m.target().starts_with('/') {
            invalid(
                out,
                at("volumes"),
                m.target(),
                "a mount target must be an absolute path without control characters",
            );
        }
    }
}

fn lists(out: &mut Vec<Diagnostic>, s: &Service) {
    let place = s.name.as_str();
    once(
        out,
        place,
        "dependency",
        s.depends_on.iter().map(|d| d.service.as_str()),
    );
    once(
        out,
        place,
        "variable",
        s.environment.iter().map(|(k, _)| k.as_str()),
    );
    once(
        out,
        place,
        "mount target",
        s.mounts.iter().map(Mount::target),
    );
    once(
        out,
        place,
        "network",
        s.networks.iter().map(|n| n.network.as_str()),
    );
    once(out, place, "secret", s.secrets.iter().map(|n| n.as_str()));
    once(
        out,
        place,
        "label",
        s.labels.iter().map(|(k, _)| k.as_str()),
    );
    once(out, place, "profile", s.profiles.iter().map(String::as_str));
    let replicas = s.deploy.as_ref().and_then(|d| d.replicas).unwrap_or(1);
    if replicas > 1 && s.container_name.is_some() {
        out.push(diag(
            DefectClass::Conflict,
            Defect::ContainerNameWithReplicas {
                service: place,
                replicas,
            },
        ));
    }
}

/// A service without profiles runs in every profile; one with profiles runs when any of them
/// is on. A dependency must run whenever its dependant does.
fn profiles(out: &mut Vec<Diagnostic>, stack: &Stack, index: &HashMap<&str, u32>) {
    let all = super::all_profiles(stack);
    let mask =
        |s: &Service| super::rules::profile_mask(&all, s.profiles.iter().map(String::as_str));
    for s in &stack.services {
        for d in &s.depends_on {
            let Some(&i) = index.get(d.service.as_str()) else {
                continue;
            };
            let to = &stack.services[i as usize];
            // `required: false`: compose starts the service without it
            if d.required && !super::rules::profiles_cover(mask(s), mask(to)) {
                out.push(diag(
                    DefectClass::Conflict,
                    Defect::ProfileDependency {
                        from: s.name.as_str(),
                        to: to.name.as_str(),
                    },
                ));
            }
        }
    }
}

fn top_level(out: &mut Vec<Diagnostic>, stack: &Stack) {
    let place = "the stack";
    once(
        out,
        place,
        "volume",
        stack.volumes.iter().map(|v| v.name.as_str()),
    );
    once(
        out,
        place,
        "network",
        stack.networks.iter().map(|n| n.name.as_str()),
    );
    once(
        out,
        place,
        "secret",
        stack.secrets.iter().map(|s| s.name.as_str()),
    );
    once(
        out,
        place,
        "config",
        stack.configs.iter().map(|c| c.name.as_str()),
    );
    for c in &stack.configs {
        let at = format!("configs.{}", c.name);
        match &c.source {
            crate::model::ConfigSource::Content(t)
                if t.chars().any(|c| c.is_control() && c != '\n' && c != '\t') =>
            {
                invalid(
                    out,
                    at + ".content",
                    t,
                    "must not contain control characters other than newlines and tabs",
                );
            }
            crate::model::ConfigSource::File(f) if f.is_empty() || control(f) => {
                invalid(
                    out,
                    at + ".file",
                    f,
                    "must be a path without control characters",
                );
            }
            _ => {}
        }
    }
    once(out, place, "variable", stack.env.iter().map(|v| v.name()));
    let mut external = |kind, name, option| {
        out.push(diag(
            DefectClass::Conflict,
            Defect::ExternalWithOptions { kind, name, option },
        ));
    };
    for v in stack.volumes.iter().filter(|v| v.external) {
        if v.driver.is_some() {
            external("volume", v.name.as_str(), "driver");
        }
        if !v.driver_opts.is_empty() {
            external("volume", v.name.as_str(), "driver_opts");
        }
    }
    for n in stack.networks.iter().filter(|n| n.external) {
        if n.driver.is_some() {
            external("network", n.name.as_str(), "driver");
        }
        if n.internal {
            external("network", n.name.as_str(), "internal");
        }
        if n.subnet.is_some() {
            external("network", n.name.as_str(), "ipam");
        }
    }
    let texts = stack
        .volumes
        .iter()
        .flat_map(|v| {
            let opts = v.driver_opts.iter().flat_map(|(k, o)| [k, o]);
            v.driver.iter().chain(v.real_name.iter()).chain(opts)
        })
        .chain(
            stack
                .networks
                .iter()
                .flat_map(|n| n.driver.iter().chain(n.real_name.iter())),
        );
    for t in texts.filter(|t| control(t) || t.is_empty()) {
        invalid(
            out,
            "volumes/networks".into(),
            t,
            "a driver, option or name must be non-empty and free of control characters",
        );
    }
    extensions(out, "extensions", &stack.extensions);
}

/// What constructors check, checked again on values assembled through public fields: port
/// ranges of equal length, statuses nginx knows, plain proxy file names.
fn constructed(out: &mut Vec<Diagnostic>, stack: &Stack) {
    for s in &stack.services {
        for p in &s.ports {
            let Some(published) = p.published else {
                continue;
            };
            if p.target.len() != 1 && p.target.len() != published.len() {
                invalid(
                    out,
                    format!("services.{}.ports", s.name),
                    &format!("{published}:{}", p.target),
                    "the host and container ranges must have the same length",
                );
            }
        }
    }
    for proxy in &stack.proxies {
        let f = proxy.file.as_str();
        if f.is_empty() || f.contains(['/', '\\']) || f.starts_with('.') || control(f) {
            invalid(
                out,
                "proxy file name".into(),
                f,
                "must be a plain file name",
            );
        }
        for route in proxy.servers.iter().flat_map(|s| &s.routes) {
            let (status, ok, rule) = match &route.action {
                Action::Respond { status, .. } => {
                    (*status, (200..=599).contains(status), "must be 200-599")
                }
                Action::Redirect { status, .. } => (
                    *status,
                    [301, 302, 303, 307, 308].contains(status),
                    "must be 301, 302, 303, 307 or 308",
                ),
                _ => continue,
            };
            if !ok {
                invalid(
                    out,
                    format!("proxies.{f}.routes.{}.status", route.path),
                    &status.to_string(),
                    rule,
                );
            }
        }
    }
}

/// Every field rule, for every service and the stack's own declarations.
/// `index` is `validate()`'s map of service names to their place in `stack.services`.
/// The limits `ulimits:` may name (the engine refuses others).
const ULIMITS: [&str; 16] = [
    "as",
    "core",
    "cpu",
    "data",
    "fsize",
    "locks",
    "memlock",
    "msgqueue",
    "nice",
    "nofile",
    "nproc",
    "rss",
    "rtprio",
    "rttime",
    "sigpending",
    "stack",
];

/// A token of `[a-z0-9._-]`, non-empty.
fn token(s: &str) -> bool {
    !s.is_empty()
        && s.bytes().all(|c| {
            c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, b'.' | b'_' | b'-')
        })
}

/// The container options, each as the engine accepts it.
fn container(out: &mut Vec<Diagnostic>, s: &Service) {
    let at = |field: &str| format!("services.{}.{field}", s.name);
    let c = &s.container;
    for d in c.dns_search.iter().filter(|d| !dns_name(d)) {
        invalid(out, at("dns_search"), d, "must be a domain name");
    }
    let option = |o: &str| {
        !o.is_empty()
            && o.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b':' | b'-' | b'_' | b'.'))
    };
    for o in c.dns_opt.iter().filter(|o| !option(o)) {
        invalid(
            out,
            at("dns_opt"),
            o,
            "must be a resolver option such as `ndots:2`",
        );
    }
    if let Some(d) = c.domainname.as_deref().filter(|d| !dns_name(d)) {
        invalid(out, at("domainname"), d, "must be a domain name");
    }
    for g in c.group_add.iter().filter(|g| !option(g) || g.contains(':')) {
        invalid(out, at("group_add"), g, "must be a group name or ID");
    }
    if let Some(n) = c.oom_score_adj.filter(|n| !(-1000..=1000).contains(n)) {
        invalid(
            out,
            at("oom_score_adj"),
            &n.to_string(),
            "must be -1000 to 1000",
        );
    }
    // compose refuses both forms with distinct values ("can't set distinct values on …")
    let deploy = s.deploy.as_ref();
    let limits = deploy.and_then(|d| d.limits.as_ref());
    let reservations = deploy.and_then(|d| d.reservations.as_ref());
    fn distinct<T: PartialEq + std::fmt::Display>(
        a: Option<T>,
        b: Option<T>,
    ) -> Option<(String, String)> {
        match (a, b) {
            (Some(a), Some(b)) if a != b => Some((a.to_string(), b.to_string())),
            _ => None,
        }
    }
    for (field, pair, key) in [
        (
            "mem_limit",
            distinct(c.mem_limit, limits.and_then(|l| l.memory)),
            "limits.memory",
        ),
        (
            "cpus",
            distinct(c.cpus, limits.and_then(|l| l.cpus)),
            "limits.cpus",
        ),
        (
            "mem_reservation",
            distinct(c.mem_reservation, reservations.and_then(|l| l.memory)),
            "reservations.memory",
        ),
    ] {
        if let Some((a, b)) = pair {
            invalid(
                out,
                at(field),
                &a,
                &format!(
                    "differs from `deploy.resources.{key}` ({b}), which compose refuses; set one of them"
                ),
            );
        }
    }
    if let Some(h) = c.hostname.as_deref().filter(|h| !dns_name(h)) {
        invalid(
            out,
            at("hostname"),
            h,
            "must be a host name: letters, digits, `-`, `_` and `.`, each label 1-63 long",
        );
    }
    if let Some(sig) = c.stop_signal.as_deref() {
        let name = sig.strip_prefix("SIG").unwrap_or(sig);
        let ok = !name.is_empty()
            && (name
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'+' || b == b'-')
                && name.bytes().next().is_some_and(|b| b.is_ascii_uppercase())
                || name.parse::<u8>().is_ok_and(|n| (1..=64).contains(&n)));
        if !ok {
            invalid(
                out,
                at("stop_signal"),
                sig,
                "must be a signal name (`SIGINT`, `SIGQUIT`, `SIGRTMIN+3`) or number 1-64",
            );
        }
    }
    if let Some(p) = c.platform.as_deref() {
        let parts: Vec<&str> = p.split('/').collect();
        if !(2..=3).contains(&parts.len()) || !parts.iter().all(|x| token(x)) {
            invalid(
                out,
                at("platform"),
                p,
                "must be `os/arch` or `os/arch/variant` (`linux/amd64`, `linux/arm64/v8`)",
            );
        }
    }
    if let Some(r) = c
        .runtime
        .as_deref()
        .filter(|r| !token(&r.to_ascii_lowercase()))
    {
        invalid(
            out,
            at("runtime"),
            r,
            "must be a runtime name: letters, digits, `.`, `_` and `-`",
        );
    }
    if let Some(n) = c.pids_limit.filter(|n| *n < -1) {
        invalid(
            out,
            at("pids_limit"),
            &n.to_string(),
            "must be a number of processes, or -1 for no limit",
        );
    }
    for (k, v) in &c.sysctls {
        let key_ok = !k.is_empty()
            && k.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-' | b'/'));
        if !key_ok || control(v) || v.is_empty() {
            invalid(
                out,
                at("sysctls"),
                &format!("{k}={v}"),
                "a key is letters, digits, `.`, `_`, `-` and `/`; a value is non-empty and free of control characters",
            );
        }
    }
    for (k, u) in &c.ulimits {
        if !ULIMITS.contains(&k.as_str()) {
            invalid(
                out,
                at("ulimits"),
                k,
                "must be one of `nofile`, `nproc`, `memlock`, `core`, `stack` and the other limits of setrlimit(2)",
            );
        }
        let (soft, hard) = match *u {
            crate::model::Ulimit::Single(n) => (n, n),
            crate::model::Ulimit::Range { soft, hard } => (soft, hard),
        };
        if soft < -1 || hard < -1 || (hard != -1 && (soft == -1 || soft > hard)) {
            invalid(
                out,
                at("ulimits"),
                &format!("{k}: {soft}/{hard}"),
                "the soft limit must be at most the hard one (-1: unlimited)",
            );
        }
    }
    for d in &c.devices {
        let paths = [Some(&d.source), d.target.as_ref()];
        for p in paths.into_iter().flatten() {
            if !p.starts_with('/') || control(p) || p.contains(':') {
                invalid(
                    out,
                    at("devices"),
                    p,
                    "must be an absolute path without `:`",
                );
            }
        }
        if let Some(perms) = d.permissions.as_deref() {
            let ok = !perms.is_empty()
                && perms.len() <= 3
                && perms.bytes().all(|b| matches!(b, b'r' | b'w' | b'm'))
                && perms
                    .bytes()
                    .enumerate()
                    .all(|(i, b)| !perms.as_bytes()[..i].contains(&b));
            if !ok {
                invalid(
                    out,
                    at("devices"),
                    perms,
                    "permissions are `r`, `w` and `m`, each at most once",
                );
            }
        }
    }
}

/// Fixed addresses on a network: the engine assigns them only on a network with a configured
/// subnet that holds them, not the subnet's own address or its gateway, and once.
fn addresses(out: &mut Vec<Diagnostic>, stack: &Stack) {
    let mut taken: HashMap<(&str, std::net::IpAddr), &str> = HashMap::new();
    for s in &stack.services {
        for n in &s.networks {
            let addrs = [
                n.ipv4_address.map(std::net::IpAddr::V4),
                n.ipv6_address.map(std::net::IpAddr::V6),
            ];
            for (ip, key) in addrs.into_iter().zip(["ipv4_address", "ipv6_address"]) {
                let Some(ip) = ip else { continue };
                let field = format!("services.{}.networks.{}.{key}", s.name, n.network);
                let Some(net) = stack.networks.iter().find(|x| x.name == n.network) else {
                    continue; // an undeclared network is its own error
                };
                if !net.external {
                    match net.subnet {
                        None => invalid(
                            out,
                            field.clone(),
                            &ip.to_string(),
                            &format!(
                                "the network `{}` declares no subnet: the engine assigns a fixed address only on a network with a configured subnet",
                                n.network
                            ),
                        ),
                        Some(sub) if !sub.contains(ip) => invalid(
                            out,
                            field.clone(),
                            &ip.to_string(),
                            &format!("is outside the subnet {sub} of the network `{}`", n.network),
                        ),
                        Some(sub) if sub.default_gateway() == Some(ip) => invalid(
                            out,
                            field.clone(),
                            &ip.to_string(),
                            &format!(
                                "is the gateway of the network `{}` (the engine takes {sub}'s first address)",
                                n.network
                            ),
                        ),
                        _ => {}
                    }
                }
                if let Some(other) = taken.insert((n.network.as_str(), ip), s.name.as_str()) {
                    out.push(Diagnostic::new(
                        DefectClass::Conflict,
                        format!("`{}` and `{other}` both take the address {ip} on the network `{}`; give each its own", s.name, n.network),
                        crate::diagnostic::path_keys(&field),
                    ));
                }
            }
        }
    }
}

/// A service on another network stack (`network_mode`): the fields that stack makes
/// meaningless, as compose (`networks`) and the engine (the rest, measured with `docker
/// create`) refuse them; links, config mounts and the container named by `container:`.
fn network_mode(out: &mut Vec<Diagnostic>, s: &Service) {
    let at = |field: &str| format!("services.{}.{field}", s.name);
    if let Some(mode) = &s.network_mode {
        let written = mode.to_string();
        let mut refuse = |field: &str, why: &str| {
            out.push(diag(
                DefectClass::Conflict,
                Defect::NetworkMode {
                    service: s.name.as_str(),
                    mode: &written,
                    field,
                    why,
                },
            ));
        };
        if !s.networks.is_empty() {
            refuse(
                "networks",
                "which compose refuses: a service joins networks or uses another network stack, not both; keep one",
            );
        }
        let other = "which the engine refuses: the network stack belongs to another container; set it there, or drop it";
        if mode.shares_namespace() {
            for (field, set) in [
                ("ports", !s.ports.is_empty()),
                ("expose", !s.expose.is_empty()),
                ("hostname", s.container.hostname.is_some()),
                ("extra_hosts", !s.extra_hosts.is_empty()),
                ("dns", !s.container.dns.is_empty()),
                ("dns_search", !s.container.dns_search.is_empty()),
                ("dns_opt", !s.container.dns_opt.is_empty()),
            ] {
                if set {
                    refuse(field, other);
                }
            }
        }
        if !s.links.is_empty() && !matches!(mode, NetworkMode::Bridge) {
            refuse(
                "links",
                "which the engine refuses: links need the container's own network; reach the service by its name",
            );
        }
        if let NetworkMode::Container(c) = mode
            && (c.is_empty()
                || !c
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-')))
        {
            invalid(
                out,
                at("network_mode"),
                c,
                "`container:` must name a container or give its ID",
            );
        }
    }
    for l in &s.links {
        if let Some(a) = l.alias.as_deref().filter(|a| !dns_name(a)) {
            invalid(
                out,
                at("links"),
                a,
                "a link alias must be a host name: letters, digits, `-`, `_` and `.`",
            );
        }
    }
    for c in &s.configs {
        if let Some(t) = c
            .target
            .as_deref()
            .filter(|t| !t.starts_with('/') || control(t))
        {
            invalid(
                out,
                at("configs"),
                t,
                "a config's target must be an absolute path in the container",
            );
        }
        for id in [&c.uid, &c.gid].into_iter().flatten() {
            if id.is_empty() || !id.bytes().all(|b| b.is_ascii_digit()) {
                invalid(out, at("configs"), id, "must be a numeric user or group ID");
            }
        }
        if let Some(m) = c.mode.filter(|&m| m > 0o7777) {
            invalid(
                out,
                at("configs"),
                &format!("{m:o}"),
                "permission bits go up to 07777",
            );
        }
    }
    once(
        out,
        s.name.as_str(),
        "config",
        s.configs.iter().map(|c| c.source.as_str()),
    );
}

pub(crate) fn check(stack: &Stack, index: &HashMap<&str, u32>, out: &mut Vec<Diagnostic>) {
    constructed(out, stack);
    addresses(out, stack);
    for s in &stack.services {
        free_text(out, s);
        container(out, s);
        network_mode(out, s);
        names(out, s);
        hardening(out, s);
        lists(out, s);
        extensions(
            out,
            &format!("services.{}.extensions", s.name),
            &s.extensions,
        );
    }
    profiles(out, stack, index);
    top_level(out, stack);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_shapes() {
        assert!(profile_name("debug") && profile_name("a.b-c_d") && !profile_name("$p"));
        assert!(!profile_name("") && !profile_name("-x") && !profile_name("a b"));
        assert!(capability("NET_ADMIN") && capability("ALL") && !capability("$X"));
        assert!(!capability("net_admin") && !capability("A B"));
        assert!(dns_name("db") && dns_name("a.example_x-1") && !dns_name("a..b"));
        assert!(!dns_name("") && !dns_name("a b") && !dns_name("a$"));
        for ok in ["/srv", "./data", "../x", "~/x", ".", ".."] {
            assert!(path_like(ok), "{ok}");
        }
        for bad in ["data", "x:y", "", "${HOME}"] {
            assert!(!path_like(bad), "{bad}");
        }
    }
}
