//! What the rules report: a defect class and the message, shared by `check` (which finds them)
//! and `error` (which carries them), so that neither depends on the other.

use std::fmt;

/// The defect classes the rules catch (numbered as in the design notes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DefectClass {
    /// 1: `depends_on` names an unknown service.
    UnknownService,
    /// 2: a host port is published twice.
    PortClash,
    /// 3: an undeclared volume, network or secret.
    Undeclared,
    /// 4: `healthy` on a service without a healthcheck.
    HealthyWithoutHealthcheck,
    /// 5: a dependency cycle.
    Cycle,
    /// 6: a duplicate service or container name.
    Duplicate,
    /// 7: a route to an unknown service or a port it does not listen on.
    RouteTarget,
    /// 8: two routes with the same host and path.
    DuplicateRoute,
    /// 9: a service reads an undeclared environment variable.
    UndeclaredEnv,
    /// A warning: a declared environment variable nothing reads.
    UnusedEnv,
    /// A warning: a service runs with a weaker setting than it could (no image digest, no
    /// resource limits, ports on every host interface) and no hardening opt-out says why.
    Unexplained,
    /// A single value the real tools refuse or read otherwise than meant (a control
    /// character, a capability or profile name compose refuses, a bind source compose reads as
    /// a volume name, …).
    InvalidValue,
    /// Settings that contradict each other (a fixed container name on replicas, an external
    /// volume with a driver, a dependency only a profile enables, a port both TLS and plain).
    Conflict,
}

/// One problem found by [`crate::validate`]: its class, its message, and where it is.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Diagnostic {
    /// The defect class.
    pub class: DefectClass,
    /// The message, identical to the compile-time error's.
    pub message: String,
    /// Where the defect is, as the keys of the compose document from its root to the entry the
    /// compile-time error would point at, the entry's own value last when it is a list item:
    /// `["services", "web", "depends_on", "db"]`, `["services", "api", "ports", "8080"]`.
    /// Empty when the defect has no place in a compose file (a route of a proxy).
    pub at: Vec<String>,
}

impl Diagnostic {
    /// A diagnostic of `class` with `message`, at `at` (see [`Diagnostic::at`]).
    pub fn new(class: DefectClass, message: impl Into<String>, at: Vec<String>) -> Self {
        Diagnostic {
            class,
            message: message.into(),
            at,
        }
    }

    /// The rule's name, as a command line prints it: `port-clash`, `unknown-service`, …
    pub fn rule(&self) -> &'static str {
        self.class.name()
    }
}

impl DefectClass {
    /// The class's name in kebab case: `unknown-service`, `port-clash`, `undeclared`,
    /// `healthy-without-healthcheck`, `cycle`, `duplicate`, `route-target`, `duplicate-route`,
    /// `undeclared-env`, `unused-env`, `unexplained`, `invalid-value`, `conflict`.
    pub const fn name(self) -> &'static str {
        match self {
            DefectClass::UnknownService => "unknown-service",
            DefectClass::PortClash => "port-clash",
            DefectClass::Undeclared => "undeclared",
            DefectClass::HealthyWithoutHealthcheck => "healthy-without-healthcheck",
            DefectClass::Cycle => "cycle",
            DefectClass::Duplicate => "duplicate",
            DefectClass::RouteTarget => "route-target",
            DefectClass::DuplicateRoute => "duplicate-route",
            DefectClass::UndeclaredEnv => "undeclared-env",
            DefectClass::UnusedEnv => "unused-env",
            DefectClass::Unexplained => "unexplained",
            DefectClass::InvalidValue => "invalid-value",
            DefectClass::Conflict => "conflict",
        }
    }
}

/// The keys of a dotted field path (`services.web.ports[0]` → `services`, `web`, `ports`).
pub(crate) fn path_keys(field: &str) -> Vec<String> {
    field
        .split('.')
        .map(|k| k.split_once('[').map_or(k, |(k, _)| k))
        .filter(|k| !k.is_empty())
        .map(str::to_owned)
        .collect()
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}
