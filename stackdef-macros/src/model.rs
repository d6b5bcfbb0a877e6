//! What the macro reads, each part keeping its span.

use proc_macro2::Span;
use syn::{Expr, Ident, LitStr};

pub struct StackDef {
    pub name: Ident,
    /// Declared variables: name and spec expression.
    pub env: Vec<(Ident, Expr)>,
    pub proxies: Vec<ProxyDef>,
    pub volumes: Vec<Ident>,
    pub networks: Vec<Ident>,
    pub secrets: Vec<Ident>,
    pub services: Vec<ServiceDef>,
}

pub struct ServiceDef {
    pub name: Ident,
    pub source: Option<Expr>,
    pub container_name: Option<LitStr>,
    pub healthcheck: Option<Expr>,
    pub ports: Vec<PortDef>,
    pub depends_on: Vec<DepDef>,
    pub volumes: Vec<MountDef>,
    pub networks: Vec<Ident>,
    pub secrets: Vec<Ident>,
    /// Environment: a declared variable passed through (`NAME`) or `KEY = value`.
    pub env: Vec<EnvEntry>,
    /// `internal: true`: no proxy route may target the service.
    pub internal: bool,
    /// Container ports reachable by other services only.
    pub expose: Vec<Expr>,
    /// Any other field of `Service`, assigned as written.
    pub fields: Vec<(Ident, Expr)>,
}

pub struct PortDef {
    pub published: Expr,
    pub target: Expr,
    pub host_ip: Option<Expr>,
    pub udp: bool,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Cond {
    Started,
    Healthy,
    Completed,
}

pub struct DepDef {
    pub target: Ident,
    pub cond: Cond,
    pub cond_span: Span,
}

pub enum MountSource {
    Volume(Ident),
    Bind(LitStr),
}

pub struct MountDef {
    pub source: MountSource,
    pub target: Expr,
    pub read_only: bool,
}

pub enum EnvEntry {
    /// A declared variable, passed through under its own name.
    Pass(Ident),
    /// `KEY = value`, any `Into<Text>`.
    Set(Ident, Expr),
}

// `proxies: [...]`

pub enum PlacementDef {
    Host(Span),
    Service(Ident),
    Frontend(Ident),
}

pub enum TlsDef {
    Off,
    LetsEncrypt,
    Files(Box<(Expr, Expr)>),
}

#[allow(clippy::large_enum_variant, reason = "a short-lived syntax tree")]
pub enum ActionDef {
    Proxy {
        service: Ident,
        port: Expr,
        websocket: bool,
        limit: Option<(Expr, Expr)>,
        body: Option<Expr>,
    },
    Respond(Box<(Expr, Expr)>),
    Redirect(Box<(Expr, Expr)>),
    Spa(Box<(Expr, Expr)>),
}

pub struct RouteDef {
    pub exact: bool,
    pub path: LitStr,
    pub action: ActionDef,
}

pub struct ServerDef {
    /// The `server` keyword, where errors about a catch-all server point.
    pub span: Span,
    pub host: Option<LitStr>,
    pub tls: TlsDef,
    pub csp: Option<Expr>,
    pub routes: Vec<RouteDef>,
}

pub struct ProxyDef {
    pub settings: Expr,
    pub placement: PlacementDef,
    pub servers: Vec<ServerDef>,
}
