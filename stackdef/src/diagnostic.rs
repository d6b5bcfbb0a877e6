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

/// One problem found by [`crate::validate`]: its class and its message.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Diagnostic {
    /// The defect class.
    pub class: DefectClass,
    /// The message, identical to the compile-time error's.
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}
