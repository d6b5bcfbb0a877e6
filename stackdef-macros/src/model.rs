//! What the macro reads, each part keeping its span.

use proc_macro2::Span;
use syn::{Expr, Ident, LitStr};

/// A name of the stack (project, service, volume, network, secret): an identifier, or
/// identifiers and digits joined by `-` as compose files name things (`fastvue-network`,
/// `web-1`).
#[derive(Clone)]
pub struct Name {
    /// The name as compose sees it (`r#` dropped).
    pub text: String,
    /// Its first token, where errors about it point.
    pub span: Span,
    /// The identifier, when the name is one: services named by one become locals that
    /// expressions inside `stack!` can use (`postgres::url(&db, …)`).
    pub ident: Option<Ident>,
}

impl Name {
    pub fn span(&self) -> Span {
        self.span
    }
}

/// What names and identifiers share: their text and where they were written.
pub trait Named {
    fn text(&self) -> String;
    fn span(&self) -> Span;
}

impl Named for Name {
    fn text(&self) -> String {
        self.text.clone()
    }
    fn span(&self) -> Span {
        self.span
    }
}

impl Named for Ident {
    fn text(&self) -> String {
        let s = self.to_string();
        s.strip_prefix("r#").map(str::to_owned).unwrap_or(s)
    }
    fn span(&self) -> Span {
        Ident::span(self)
    }
}

pub struct StackDef {
    pub name: Name,
    /// Declared variables: name and spec expression.
    pub env: Vec<(Ident, Expr)>,
    pub proxies: Vec<ProxyDef>,
    pub volumes: Vec<Name>,
    pub networks: Vec<Name>,
    pub secrets: Vec<Name>,
    pub services: Vec<ServiceDef>,
}

pub struct ServiceDef {
    pub name: Name,
    pub source: Option<Expr>,
    pub container_name: Option<LitStr>,
    pub healthcheck: Option<Expr>,
    pub ports: Vec<PortDef>,
    pub depends_on: Vec<DepDef>,
    pub volumes: Vec<MountDef>,
    pub networks: Vec<Name>,
    pub secrets: Vec<Name>,
    /// Environment: a declared variable passed through (`NAME`) or `KEY = value`.
    pub env: Vec<EnvEntry>,
    /// `internal: true`: no proxy route may target the service.
    pub internal: bool,
    /// Container ports reachable by other services only.
    pub expose: Vec<Expr>,
    /// `profiles: ["dev"]`: only `up --profile dev` starts the service.
    pub profiles: Vec<LitStr>,
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
    pub target: Name,
    pub cond: Cond,
    pub cond_span: Span,
}

pub enum MountSource {
    Volume(Name),
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
    Service(Name),
    Frontend(Name),
}

pub enum TlsDef {
    Off,
    LetsEncrypt,
    Files(Box<(Expr, Expr)>),
}

#[allow(clippy::large_enum_variant, reason = "a short-lived syntax tree")]
pub enum ActionDef {
    Proxy {
        service: Name,
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
