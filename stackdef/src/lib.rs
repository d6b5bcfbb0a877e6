#![doc = include_str!("../../README.md")]
#![deny(missing_docs)]
#![cfg_attr(
    not(test),
    warn(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

pub mod check;
pub mod emit;
mod error;
#[cfg(feature = "import")]
pub mod import;
mod model;

pub mod recipes;
pub mod write;

pub use check::{Diagnostic, Valid, validate};
pub use error::{Error, Result};
pub use model::name::{
    ContainerName, EnvKey, MAX_NAME_LEN, NetworkName, ProjectName, SecretName, ServiceName,
    VolumeName,
};
pub use model::*;

/// Declares a stack whose cross-references and host ports are checked while compiling.
///
/// Expands to a `Result<Stack, Error>`. Names are identifiers, so a dangling reference is an
/// error on its own token; host ports are constants, checked by `const` evaluation of the same
/// rules [`validate`] runs. Syntax:
///
/// ```
/// use stackdef::{HealthTest, Healthcheck, Image, Restart};
///
/// const PG_PORT: u16 = 15432;
/// let stack = stackdef::stack! {
///     name: demo,
///     volumes: [pgdata],
///     services: {
///         postgres {
///             source: Image::parse("postgres:15")?,
///             cap_add: stackdef::recipes::postgres::capabilities(),
///             healthcheck: Healthcheck::builder()
///                 .test(HealthTest::Exec(vec!["pg_isready".into()]))
///                 .build(),
///             ports: [PG_PORT => 5432 on stackdef::LOCALHOST],
///             volumes: [pgdata => "/var/lib/postgresql/data"],
///         },
///         web {
///             source: Image::parse("nginx:1.27")?,
///             // an address as a literal, checked while compiling
///             ports: [8080 => 80 on "127.0.0.1"],
///             depends_on: [postgres: healthy],
///             // any other `Service` field, assigned with `Into`:
///             restart: Restart::UnlessStopped,
///             cap_add: stackdef::recipes::spa::capabilities(),
///             hardening: stackdef::Hardening::default()
///                 .opt_out(stackdef::OptOut::UnpinnedImage, "no digest is recorded yet"),
///         },
///     },
/// }?;
/// assert_eq!(stack.services.len(), 2);
/// # Ok::<(), stackdef::Error>(())
/// ```
///
/// Every service is written locked down (`no-new-privileges`, every capability dropped but its
/// `cap_add`); `hardening` names each relaxation with its reason (see [`Hardening`]).
///
/// A stack with a defect does not compile; for example `depends_on: [postgress: healthy]` gives
/// ``error[E0080]: evaluation panicked: `web` depends on unknown service `postgress`; did you mean `postgres`?``
/// on `postgress`.
pub use stackdef_macros::stack;

/// `127.0.0.1`, for ports that only a proxy on the same host reaches.
pub const LOCALHOST: std::net::IpAddr = std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST);

#[doc(hidden)]
pub mod __private {
    //! Paths used by code that `stackdef-macros` generates. Not a public API.
    pub use crate::check::rules;
    pub use crate::model::{host_name, upper_snake, uri_path};
    pub use core;

    /// A service with a name and a source; `stack!` sets the rest field by field. Not generic,
    /// so a stack of many services costs one call each, not one builder instantiation each.
    pub fn service(name: &crate::ServiceName, source: crate::Source) -> crate::Service {
        crate::Service::builder()
            .name(name.clone())
            .source(source)
            .build()
    }

    /// `published => target` (`udp`), as `stack!` writes a port: one short call per port keeps
    /// the generated code, and so the compile time, small.
    pub fn port(
        host_ip: Option<std::net::IpAddr>,
        published: crate::Port,
        target: crate::Port,
        udp: bool,
    ) -> crate::PortMapping {
        crate::PortMapping {
            host_ip,
            published: Some(crate::PortRange::from(published)),
            target: crate::PortRange::from(target),
            protocol: if udp {
                crate::Protocol::Udp
            } else {
                crate::Protocol::Tcp
            },
        }
    }

    /// No host IP: a port published on every address.
    pub const NO_IP: Option<std::net::IpAddr> = None;

    /// The source of a `stack!` service.
    pub fn source(source: impl Into<crate::Source>) -> crate::Source {
        source.into()
    }

    /// A `depends_on` entry of `stack!`: 0 started, 1 healthy, 2 completed successfully.
    pub fn depends(service: &crate::ServiceName, condition: u8) -> crate::DependsOn {
        crate::DependsOn {
            service: service.clone(),
            condition: match condition {
                0 => crate::Condition::Started,
                1 => crate::Condition::Healthy,
                _ => crate::Condition::CompletedSuccessfully,
            },
            restart: false,
        }
    }

    /// The value `stack!` expands to beside a syntax error, so the caller still type-checks.
    pub fn after_syntax_error() -> crate::Result<crate::Stack> {
        Err(crate::Error::invalid(
            "stack! input",
            "",
            "the macro input did not parse",
        ))
    }
}
