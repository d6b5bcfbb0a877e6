//! Reverse-proxy configuration: where nginx runs, its servers and their routes.
//!
//! Every string that reaches an nginx file is either an allow-listed token ([`HostName`],
//! [`UriPath`], [`HeaderName`], [`ZoneName`]) or a [`Quoted`] string free of control characters
//! and `$` (nginx expands variables even inside quotes and has no escape for `$`).

use std::time::Duration;

use crate::error::{Error, Result};
use crate::model::name::ServiceName;
use crate::model::units::{ByteSize, Port};

macro_rules! checked_string {
    ($(#[$doc:meta])* $ty:ident, $field:literal, $check:expr) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $ty(String);

        impl $ty {
            #[doc = concat!("A ", $field, ", or an error naming the field and the value.")]
            pub fn new(value: impl Into<String>) -> Result<Self> {
                let value = value.into();
                let check: fn(&str) -> Option<&'static str> = $check;
                match check(&value) {
                    None => Ok($ty(value)),
                    Some(reason) => Err(Error::invalid($field, &value, reason)),
                }
            }

            /// The value as a string slice.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        crate::model::name::text_impls!($ty);
    };
}

/// Checks an RFC 1123 host name (lower-case); `const` so `stack!` checks literals while compiling.
pub const fn host_name(s: &str) -> Option<&'static str> {
    let b = s.as_bytes();
    if b.is_empty() || b.len() > 253 {
        return Some("must be 1-253 characters long");
    }
    let mut label = 0;
    let mut i = 0;
    while i <= b.len() {
        if i == b.len() || b[i] == b'.' {
            if label == 0 || label > 63 || b[i - 1] == b'-' || b[i - label] == b'-' {
                return Some(
                    "must be lower-case labels of letters, digits and `-`, separated by `.` (RFC 1123)",
                );
            }
            label = 0;
        } else if b[i].is_ascii_lowercase() || b[i].is_ascii_digit() || b[i] == b'-' {
            label += 1;
        } else {
            return Some(
                "must be lower-case labels of letters, digits and `-`, separated by `.` (RFC 1123)",
            );
        }
        i += 1;
    }
    None
}

/// Checks a `location` path; `const` so `stack!` checks literals while compiling.
pub const fn uri_path(s: &str) -> Option<&'static str> {
    let b = s.as_bytes();
    if b.is_empty() || b[0] != b'/' {
        return Some("must start with `/`");
    }
    if b.len() > 1024 {
        return Some("must be at most 1024 characters long");
    }
    let mut i = 0;
    let mut seg_start = 0;
    while i <= b.len() {
        if i == b.len() || b[i] == b'/' {
            let len = i - seg_start;
            let dots = (len == 1 && b[seg_start] == b'.')
                || (len == 2 && b[seg_start] == b'.' && b[seg_start + 1] == b'.');
            if dots || (i > 0 && i < b.len() && len == 0 && seg_start > 0) {
                return Some("must not contain `//`, `.` or `..` segments");
            }
            seg_start = i + 1;
        } else if !(b[i].is_ascii_alphanumeric() || matches!(b[i], b'-' | b'.' | b'_' | b'~')) {
            return Some("may contain only letters, digits and `/`, `-`, `.`, `_`, `~`");
        }
        i += 1;
    }
    None
}

fn header_name(s: &str) -> Option<&'static str> {
    match !s.is_empty()
        && s.len() <= 64
        && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    {
        true => None,
        false => Some("must be 1-64 letters, digits and `-`"),
    }
}

fn zone_name(s: &str) -> Option<&'static str> {
    let b = s.as_bytes();
    match !b.is_empty()
        && b.len() <= 32
        && b[0].is_ascii_lowercase()
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'_')
    {
        true => None,
        false => Some("must be 1-32 lower-case letters, digits and `_`, starting with a letter"),
    }
}

fn quoted(s: &str) -> Option<&'static str> {
    if s.len() > 4096 {
        return Some("must be at most 4096 characters long");
    }
    if s.chars().any(char::is_control) {
        return Some("must not contain control characters");
    }
    if s.contains('$') {
        return Some(
            "must not contain `$`: nginx would expand it as a variable, even inside quotes",
        );
    }
    None
}

fn abs_path(s: &str) -> Option<&'static str> {
    match uri_path(s) {
        Some(_) => Some("must be an absolute path of letters, digits and `/`, `-`, `.`, `_`, `~`"),
        None => None,
    }
}

checked_string!(
    /// A DNS host name (RFC 1123, lower-case), as in `server_name`.
    HostName, "host name", host_name
);
checked_string!(
    /// A URI path for `location` (letters, digits, `/-._~`; no `..`).
    UriPath, "location path", uri_path
);
checked_string!(
    /// An HTTP header name.
    HeaderName, "header name", header_name
);
checked_string!(
    /// The name of a rate-limit zone.
    ZoneName, "zone name", zone_name
);
checked_string!(
    /// Free text written as a quoted nginx string: no control characters, no `$`.
    Quoted, "quoted value", quoted
);
checked_string!(
    /// An absolute file-system path (certificates, web roots).
    AbsPath, "path", abs_path
);

/// An nginx version, to emit only directives the target supports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NginxVersion(pub u16, pub u16, pub u16);

impl NginxVersion {
    /// Debian 12's nginx.
    pub const DEBIAN_12: NginxVersion = NginxVersion(1, 22, 1);
    /// A current mainline nginx.
    pub const MAINLINE_1_27: NginxVersion = NginxVersion(1, 27, 4);

    /// `http2 on;` exists (else `listen … http2`).
    pub fn has_http2_directive(self) -> bool {
        self >= NginxVersion(1, 25, 1)
    }
    /// `server … resolve` in upstreams (re-resolution without variables).
    pub fn has_upstream_resolve(self) -> bool {
        self >= NginxVersion(1, 27, 3)
    }
    /// Session tickets must be switched off by hand (older versions never rotate the key).
    pub fn needs_session_tickets_off(self) -> bool {
        self < NginxVersion(1, 23, 2)
    }
}

impl Default for NginxVersion {
    fn default() -> Self {
        NginxVersion::DEBIAN_12
    }
}

/// Where nginx runs, which decides how it reaches services.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Placement {
    /// On the host, in front of ports the services publish (reached on the published address).
    Host,
    /// As a service of the stack, reaching services by name on the compose network.
    Service(ServiceName),
    /// Inside a frontend service's own nginx (a `conf.d` server file), serving its files and
    /// reaching other services by name.
    Frontend(ServiceName),
}

/// TLS for a server.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Tls {
    /// Plain HTTP only.
    Off,
    /// Let's Encrypt certificates from certbot's webroot (http-01) challenge; HTTP redirects.
    LetsEncrypt,
    /// Certificate files at fixed paths; HTTP redirects.
    Files {
        /// The certificate chain.
        certificate: AbsPath,
        /// The private key.
        key: AbsPath,
    },
}

/// The Mozilla TLS profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum TlsProfile {
    /// TLS 1.2 and 1.3 with forward-secret AEAD suites.
    #[default]
    Intermediate,
    /// TLS 1.3 only.
    Modern,
}

/// `Strict-Transport-Security` settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Hsts {
    /// How long browsers remember to use HTTPS.
    pub max_age: Duration,
    /// Also for subdomains.
    pub include_subdomains: bool,
    /// Ask for the browsers' preload list (hard to undo).
    pub preload: bool,
}

impl Default for Hsts {
    fn default() -> Self {
        Hsts {
            max_age: Duration::from_secs(63_072_000),
            include_subdomains: true,
            preload: false,
        }
    }
}

/// A rate-limit zone, keyed by client address.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RateZone {
    /// The zone name routes refer to.
    pub name: ZoneName,
    /// Requests per second per client.
    pub per_second: u32,
    /// Shared memory for the zone.
    pub size: ByteSize,
}

/// A proxied route's target and tuning.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Upstream {
    /// The service.
    pub service: ServiceName,
    /// The container port it listens on.
    pub port: Port,
    /// Pass WebSocket upgrades (long timeouts, no buffering).
    pub websocket: bool,
    /// `proxy_read_timeout` (and send); a WebSocket route defaults to an hour.
    pub read_timeout: Option<Duration>,
    /// Extra request headers to the service.
    pub headers: Vec<(HeaderName, Quoted)>,
}

impl Upstream {
    /// Proxies to `service` on container port `port`.
    pub fn new(service: ServiceName, port: Port) -> Self {
        Upstream {
            service,
            port,
            websocket: false,
            read_timeout: None,
            headers: Vec::new(),
        }
    }

    /// The same upstream, passing WebSocket upgrades.
    #[must_use]
    pub fn websocket(mut self) -> Self {
        self.websocket = true;
        self
    }
}

/// What a route does.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Action {
    /// Proxy to a service.
    Proxy(Upstream),
    /// Serve a single-page app from `root`: unknown paths get `index.html`; under `assets`
    /// (hashed file names) a missing file is a 404 and a found one is cached as immutable.
    Spa {
        /// The directory holding `index.html`.
        root: AbsPath,
        /// The location of hashed assets, e.g. `/assets/`.
        assets: UriPath,
    },
    /// A fixed response, e.g. `/health`.
    Respond {
        /// The status code (200-599).
        status: u16,
        /// The plain-text body.
        body: Quoted,
    },
    /// A redirect.
    Redirect {
        /// 301, 302, 303, 307 or 308.
        status: u16,
        /// The absolute target URL.
        to: Quoted,
    },
}

/// One `location` of a server.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Route {
    /// The path.
    pub path: UriPath,
    /// Exact match (`location = /x`) instead of prefix.
    pub exact: bool,
    /// What it does.
    pub action: Action,
    /// Request body limit for this route.
    pub client_max_body_size: Option<ByteSize>,
    /// Rate limit: zone and burst.
    pub rate_limit: Option<(ZoneName, u32)>,
}

impl Route {
    /// A prefix route.
    pub fn new(path: UriPath, action: Action) -> Self {
        Route {
            path,
            exact: false,
            action,
            client_max_body_size: None,
            rate_limit: None,
        }
    }

    /// Proxies the prefix `path` to `service:port`.
    pub fn proxy(path: &str, service: ServiceName, port: u16) -> Result<Self> {
        Ok(Route::new(
            UriPath::new(path)?,
            Action::Proxy(Upstream::new(service, Port::new(port)?)),
        ))
    }

    /// Answers exactly `path` with `status` and a plain-text body.
    pub fn respond(path: &str, status: u16, body: &str) -> Result<Self> {
        if !(200..=599).contains(&status) {
            return Err(Error::invalid(
                "status",
                &status.to_string(),
                "must be 200-599",
            ));
        }
        Ok(Route {
            exact: true,
            ..Route::new(
                UriPath::new(path)?,
                Action::Respond {
                    status,
                    body: Quoted::new(body)?,
                },
            )
        })
    }

    /// Redirects the prefix `path` to `to` with `status`.
    pub fn redirect(path: &str, status: u16, to: &str) -> Result<Self> {
        if ![301, 302, 303, 307, 308].contains(&status) {
            return Err(Error::invalid(
                "redirect status",
                &status.to_string(),
                "must be 301, 302, 303, 307 or 308",
            ));
        }
        let url_ok = to
            .strip_prefix("https://")
            .or_else(|| to.strip_prefix("http://"))
            .map(|rest| {
                rest.split_once('/')
                    .map_or((rest, "/".to_owned()), |(h, p)| (h, format!("/{p}")))
            })
            .is_some_and(|(host, path)| {
                host_name(host).is_none() && (path == "/" || uri_path(&path).is_none())
            });
        if !url_ok {
            return Err(Error::invalid(
                "redirect target",
                to,
                "must be an http(s) URL with a host name and a plain path",
            ));
        }
        Ok(Route::new(
            UriPath::new(path)?,
            Action::Redirect {
                status,
                to: Quoted::new(to)?,
            },
        ))
    }

    /// Serves a single-page app at `path` from `root`, hashed assets under `assets`.
    pub fn spa(path: &str, root: &str, assets: &str) -> Result<Self> {
        Ok(Route::new(
            UriPath::new(path)?,
            Action::Spa {
                root: AbsPath::new(root)?,
                assets: UriPath::new(assets)?,
            },
        ))
    }

    /// The same route with a rate limit from `zone`.
    #[must_use]
    pub fn limit(mut self, zone: ZoneName, burst: u32) -> Self {
        self.rate_limit = Some((zone, burst));
        self
    }
}

/// An nginx `server`: names, TLS and routes.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Server {
    /// Server names; empty means the catch-all server (only without TLS).
    pub names: Vec<HostName>,
    /// TLS.
    pub tls: Tls,
    /// The HTTP port.
    pub http_port: Port,
    /// The HTTPS port.
    pub https_port: Port,
    /// Routes, in order.
    pub routes: Vec<Route>,
    /// Content-Security-Policy; `None` sends none.
    pub csp: Option<Quoted>,
}

impl Server {
    /// A server for `names` with `tls` and no routes yet.
    pub fn new(names: Vec<HostName>, tls: Tls) -> Self {
        Server {
            names,
            tls,
            http_port: Port::from_static(80),
            https_port: Port::from_static(443),
            routes: Vec::new(),
            csp: None,
        }
    }
}

/// One nginx configuration file of the stack.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Proxy {
    /// The file it is written to, e.g. `nginx.conf`.
    pub file: String,
    /// Where nginx runs.
    pub placement: Placement,
    /// The nginx version the file is for.
    pub version: NginxVersion,
    /// TLS profile for TLS servers.
    pub profile: TlsProfile,
    /// HSTS on TLS servers; `None` sends none.
    pub hsts: Option<Hsts>,
    /// Default request body limit.
    pub client_max_body_size: ByteSize,
    /// `worker_connections` (full configurations only).
    pub worker_connections: u32,
    /// Rate-limit zones.
    pub rate_limits: Vec<RateZone>,
    /// Servers.
    pub servers: Vec<Server>,
    /// certbot's webroot for http-01 challenges.
    pub acme_webroot: AbsPath,
}

impl Proxy {
    /// A proxy with the defaults of the nginx checklist: nginx 1.22, Mozilla intermediate TLS,
    /// two-year HSTS, 10 MiB bodies.
    pub fn new(file: &str, placement: Placement) -> Result<Self> {
        if file.is_empty()
            || file.contains(['/', '\\'])
            || file.starts_with('.')
            || file.chars().any(char::is_control)
        {
            return Err(Error::invalid(
                "proxy file name",
                file,
                "must be a plain file name",
            ));
        }
        Ok(Proxy {
            file: file.to_owned(),
            placement,
            version: NginxVersion::default(),
            profile: TlsProfile::default(),
            hsts: Some(Hsts::default()),
            client_max_body_size: ByteSize::mib(10),
            worker_connections: 1024,
            rate_limits: Vec::new(),
            servers: Vec::new(),
            acme_webroot: AbsPath("/var/www/certbot".to_owned()),
        })
    }

    /// A proxy writing `file`, for `stack!`, which sets the placement (`=> host`, `=> service x`,
    /// `=> frontend x`); same defaults as [`Proxy::new`].
    pub fn file(file: &str) -> Result<Self> {
        Proxy::new(file, Placement::Host)
    }

    /// Whether any server terminates TLS.
    pub fn has_tls(&self) -> bool {
        self.servers.iter().any(|s| s.tls != Tls::Off)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allow_lists() {
        assert!(HostName::new("inctra.thisisvoid.in").is_ok());
        for bad in [
            "",
            "Inctra.com",
            "a..b",
            "-a.com",
            "a.com;",
            "a com",
            "a.com\n",
            "*.a.com",
        ] {
            assert!(HostName::new(bad).is_err(), "{bad}");
        }
        assert!(UriPath::new("/api/").is_ok());
        for bad in [
            "api", "/a b", "/a;b", "/{x}", "/a/../b", "//x", "/$x", "/a#b", "/a\"b",
        ] {
            assert!(UriPath::new(bad).is_err(), "{bad}");
        }
        assert!(Quoted::new("it's \"fine\"; {really} # yes").is_ok());
        for bad in ["$host", "a\r\nSet-Cookie: x", "nul\0"] {
            assert!(Quoted::new(bad).is_err(), "{bad:?}");
        }
        assert!(Route::redirect("/old", 308, "https://example.com/new").is_ok());
        assert!(Route::redirect("/old", 308, "javascript:alert(1)").is_err());
        assert!(Route::respond("/health", 99, "x").is_err());
        assert!(Proxy::new("../nginx.conf", Placement::Host).is_err());
    }
}
