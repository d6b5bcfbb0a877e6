//! The nginx emitter: proxies of a checked stack → views (what each block holds, every value
//! already typed and quoted) → text, written by `HttpBody::write` and `Main::write`, which
//! read top to bottom as the file they produce.
//!
//! Every argument is a typed value: allow-listed tokens are written as they are; free text goes
//! through [`quote`], which double-quotes by the nginx lexer's rules. Nothing with `$` or a
//! control character gets this far ([`Quoted`] refuses both), so no value can add a directive,
//! split a header or read a variable.

use std::borrow::Cow;
use std::collections::HashMap;
use std::net::IpAddr;
use std::time::Duration;

use std::fmt::{self, Write};

use crate::check::Valid;
use crate::error::{Error, Result};
use crate::model::{
    Action, ByteSize, Placement, Proxy, Quoted, Route, Server, Stack, Tls, TlsProfile,
};

const INTERMEDIATE_CIPHERS: &str = "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

/// Double-quotes `s` by the nginx lexer's rules (`\` and `"` escaped).
pub fn quote(s: &Quoted) -> String {
    format!(
        "\"{}\"",
        s.as_str().replace('\\', "\\\\").replace('"', "\\\"")
    )
}

fn lit(s: &str) -> String {
    // internal constants only: a literal with no `$`, control character, `\` or `"`
    debug_assert!(!s.contains(['$', '\\', '"']) && !s.chars().any(char::is_control));
    format!("\"{s}\"")
}

/// nginx's size syntax: `10m`, `512k`, or bytes.
fn size(b: ByteSize) -> String {
    let n = b.as_bytes();
    for (shift, unit) in [(30, 'g'), (20, 'm'), (10, 'k')] {
        if n != 0 && n.is_multiple_of(1 << shift) {
            return format!("{}{unit}", n >> shift);
        }
    }
    n.to_string()
}

/// nginx's time syntax: whole seconds as `60s`, else milliseconds.
fn time(d: Duration) -> String {
    match d.subsec_millis() {
        0 => format!("{}s", d.as_secs()),
        _ => format!("{}ms", d.as_millis()),
    }
}

struct MapView {
    source: &'static str,
    var: &'static str,
    default: String,
    entries: Vec<(String, String)>,
}

struct ZoneView {
    name: String,
    size: String,
    rate: u32,
}

struct TlsView {
    protocols: &'static str,
    ciphers: Option<&'static str>,
    tickets_off: bool,
}

struct UpstreamView<'a> {
    name: &'a str,
    address: Address<'a>,
    resolve: bool,
}

/// Where an upstream's server is, written as the template renders it (no string per upstream).
enum Address<'a> {
    /// A compose service by name, on the compose network.
    Service(&'a str, u16),
    /// A published address on the host.
    Host(IpAddr, u16),
}

impl std::fmt::Display for Address<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Address::Service(name, port) => write!(f, "{name}:{port}"),
            Address::Host(IpAddr::V6(v6), port) => write!(f, "[{v6}]:{port}"),
            Address::Host(IpAddr::V4(v4), port) => write!(f, "{v4}:{port}"),
        }
    }
}

struct RedirectView {
    listen: String,
    webroot: String,
}

struct ProxyView<'a> {
    upstream: &'a str,
    variable: Option<(String, String)>,
    forwarded_for: &'static str,
    websocket: bool,
    headers: Vec<(&'a str, String)>,
    timeout: Cow<'static, str>,
}

enum LocationKind<'a> {
    Proxy(ProxyView<'a>),
    Spa(&'a str),
    Assets(&'a str),
    Respond((u16, String)),
    Redirect((u16, String)),
}

struct LocationView<'a> {
    modifier: &'static str,
    path: &'a str,
    body_size: Option<String>,
    limit: Option<(&'a str, u32)>,
    kind: LocationKind<'a>,
}

struct ServerView<'a> {
    redirect: Option<RedirectView>,
    listen: String,
    http2_directive: bool,
    names: String,
    server_name: Option<String>,
    certificate: Option<(String, String)>,
    static_files: bool,
    headers: Vec<(&'static str, String)>,
    cache_control: Option<&'static str>,
    hide: Vec<&'static str>,
    locations: Vec<LocationView<'a>>,
}

/// The http block's body: shared settings, upstreams and servers (a frontend's whole `conf.d`
/// file).
struct HttpBody<'a> {
    header: String,
    full: bool,
    bootstrap: bool,
    maps: Vec<MapView>,
    zones: Vec<ZoneView>,
    tls: Option<TlsView>,
    resolver: Option<&'static str>,
    upstreams: Vec<UpstreamView<'a>>,
    catch_all: bool,
    catch_all_http: u16,
    catch_all_https: Option<u16>,
    body_size: String,
    servers: Vec<ServerView<'a>>,
}

/// A whole nginx.conf around an http body.
struct Main<'a> {
    header: String,
    rlimit: u32,
    connections: u32,
    body: Indented<'a>,
}

impl Main<'_> {
    fn write(&self, w: &mut impl Write) -> fmt::Result {
        let Main {
            header,
            rlimit,
            connections,
            body,
        } = self;
        write!(
            w,
            "{header}
worker_processes auto;
worker_rlimit_nofile {rlimit};
error_log /var/log/nginx/error.log warn;

events {{
    worker_connections {connections};
}}

http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    charset utf-8;
    server_tokens off;
    sendfile on;
    tcp_nopush on;
    keepalive_timeout 65s;
    access_log /var/log/nginx/access.log;

{body}
}}"
        )
    }
}

impl HttpBody<'_> {
    /// Each piece starts with the line break that ends the line before it, so optional pieces
    /// leave no blank lines behind.
    fn write(&self, w: &mut impl Write) -> fmt::Result {
        if !self.full {
            writeln!(w, "{}", self.header)?;
        }
        w.write_str("# Shared settings of this file's servers.")?;
        for m in &self.maps {
            write!(
                w,
                "\nmap {} {} {{\n    default {};",
                m.source, m.var, m.default
            )?;
            for (k, v) in &m.entries {
                write!(w, "\n    {k} {v};")?;
            }
            w.write_str("\n}")?;
        }
        for z in &self.zones {
            let ZoneView { name, size, rate } = z;
            write!(
                w,
                "\nlimit_req_zone $binary_remote_addr zone={name}:{size} rate={rate}r/s;"
            )?;
        }
        if !self.zones.is_empty() {
            w.write_str("\nlimit_req_status 429;")?;
        }
        if let Some(t) = &self.tls {
            write!(w, "\nssl_protocols {};", t.protocols)?;
            if let Some(c) = t.ciphers {
                write!(w, "\nssl_ciphers {c};")?;
            }
            w.write_str(
                "\nssl_prefer_server_ciphers off;\
                 \nssl_ecdh_curve X25519:prime256v1:secp384r1;\
                 \nssl_session_timeout 1d;\
                 \nssl_session_cache shared:MozSSL:10m;",
            )?;
            if t.tickets_off {
                w.write_str("\nssl_session_tickets off;")?;
            }
        }
        if let Some(r) = self.resolver {
            write!(
                w,
                "\nresolver {r} valid=10s ipv6=off;\nresolver_timeout 5s;"
            )?;
        }
        for u in &self.upstreams {
            write!(w, "\n\nupstream {} {{", u.name)?;
            if u.resolve {
                write!(w, "\n    zone {} 64k;", u.name)?;
            }
            let resolve = if u.resolve { " resolve" } else { "" };
            write!(
                w,
                "\n    server {}{resolve};\n    keepalive 16;\n}}",
                u.address
            )?;
        }
        if self.catch_all {
            write!(
                w,
                "\n\n# Requests for names this file does not serve are dropped.\
                 \nserver {{\n    listen {} default_server;\n    return 444;\n}}",
                self.catch_all_http
            )?;
            if let Some(port) = self.catch_all_https {
                write!(
                    w,
                    "\n\nserver {{\n    listen {port} ssl default_server;\
                     \n    ssl_reject_handshake on;\n}}"
                )?;
            }
        }
        for s in &self.servers {
            if let Some(r) = &s.redirect {
                self.write_redirect(w, s, r)?;
            }
            if !(self.bootstrap && s.redirect.is_some()) {
                self.write_server(w, s)?;
            }
        }
        Ok(())
    }

    fn write_redirect(
        &self,
        w: &mut impl Write,
        s: &ServerView<'_>,
        r: &RedirectView,
    ) -> fmt::Result {
        write!(
            w,
            "\n\nserver {{\n    listen {};\n    server_name {};\
             \n\n    location ^~ /.well-known/acme-challenge/ {{\
             \n        root {};\n        default_type text/plain;\n    }}\
             \n\n    location / {{",
            r.listen, s.names, r.webroot
        )?;
        w.write_str(if self.bootstrap {
            "\n        # first start: certificates do not exist yet; obtain them, then switch to the full file\
             \n        return 503;"
        } else {
            "\n        return 308 https://$host$request_uri;"
        })?;
        w.write_str("\n    }\n}")
    }

    fn write_server(&self, w: &mut impl Write, s: &ServerView<'_>) -> fmt::Result {
        write!(w, "\n\nserver {{\n    listen {};", s.listen)?;
        if s.http2_directive {
            w.write_str("\n    http2 on;")?;
        }
        if let Some(names) = &s.server_name {
            write!(w, "\n    server_name {names};")?;
        }
        if let Some((cert, key)) = &s.certificate {
            write!(
                w,
                "\n    ssl_certificate {cert};\n    ssl_certificate_key {key};"
            )?;
        }
        write!(w, "\n    client_max_body_size {};", self.body_size)?;
        if s.static_files {
            w.write_str(
                "\n    open_file_cache max=1000 inactive=20s;\
                 \n    open_file_cache_valid 30s;\
                 \n    open_file_cache_min_uses 2;\
                 \n    open_file_cache_errors on;",
            )?;
        }
        w.write_str(
            "\n    gzip on;\
             \n    gzip_vary on;\
             \n    gzip_proxied any;\
             \n    gzip_min_length 256;\
             \n    gzip_comp_level 5;\
             \n    gzip_types text/plain text/css text/javascript application/javascript application/json application/xml image/svg+xml;",
        )?;
        if !self.full {
            w.write_str("\n    server_tokens off;\n    charset utf-8;")?;
        }
        w.write_str(
            "\n\n    # Every response header is set here, at server level: an add_header in a location\
             \n    # would drop all of these (nginx inherits add_header only when a block has none).",
        )?;
        for (name, value) in &s.headers {
            write!(w, "\n    add_header {name} {value} always;")?;
        }
        if let Some(cache) = s.cache_control {
            write!(w, "\n    add_header Cache-Control {cache};")?;
        }
        for name in &s.hide {
            write!(w, "\n    proxy_hide_header {name};")?;
        }
        if s.static_files {
            w.write_str("\n\n    location ~ /\\.(?!well-known) {\n        deny all;\n    }")?;
        }
        for l in &s.locations {
            write_location(w, l)?;
        }
        w.write_str("\n}")
    }
}

fn write_location(w: &mut impl Write, l: &LocationView<'_>) -> fmt::Result {
    write!(w, "\n\n    location {}{} {{", l.modifier, l.path)?;
    if let Some(size) = &l.body_size {
        write!(w, "\n        client_max_body_size {size};")?;
    }
    if let Some((zone, burst)) = l.limit {
        write!(w, "\n        limit_req zone={zone}")?;
        if burst > 0 {
            write!(w, " burst={burst}")?;
        }
        w.write_str(" nodelay;")?;
    }
    match &l.kind {
        LocationKind::Proxy(p) => {
            match &p.variable {
                Some((var, value)) => write!(
                    w,
                    "\n        set {var} {value};\n        proxy_pass http://{var};"
                )?,
                None => write!(w, "\n        proxy_pass http://{};", p.upstream)?,
            }
            write!(
                w,
                "\n        proxy_http_version 1.1;\
                 \n        proxy_set_header Host $host;\
                 \n        proxy_set_header X-Real-IP $remote_addr;\
                 \n        proxy_set_header X-Forwarded-For {};\
                 \n        proxy_set_header X-Forwarded-Proto $scheme;\
                 \n        proxy_set_header X-Forwarded-Host $host;\
                 \n        proxy_set_header X-Forwarded-Port $server_port;",
                p.forwarded_for
            )?;
            w.write_str(if p.websocket {
                "\n        proxy_set_header Upgrade $http_upgrade;\
                 \n        proxy_set_header Connection $stackdef_connection_upgrade;\
                 \n        proxy_buffering off;"
            } else {
                "\n        proxy_set_header Connection \"\";"
            })?;
            for (name, value) in &p.headers {
                write!(w, "\n        proxy_set_header {name} {value};")?;
            }
            write!(
                w,
                "\n        proxy_connect_timeout 5s;\
                 \n        proxy_read_timeout {0};\
                 \n        proxy_send_timeout {0};",
                p.timeout
            )?;
        }
        LocationKind::Spa(root) => write!(
            w,
            "\n        root {root};\n        try_files $uri /index.html;"
        )?,
        LocationKind::Assets(root) => {
            write!(w, "\n        root {root};\n        try_files $uri =404;")?
        }
        LocationKind::Respond((code, text)) => write!(
            w,
            "\n        default_type text/plain;\n        return {code} {text};"
        )?,
        LocationKind::Redirect((code, to)) => write!(w, "\n        return {code} {to};")?,
    }
    w.write_str("\n    }")
}

/// The http block's body, rendered straight into the main file, indented one level on the way
/// (blank lines stay empty): the body never exists as a string of its own.
struct Indented<'a>(&'a HttpBody<'a>);

impl std::fmt::Display for Indented<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut out = Indent {
            out: f,
            line_start: true,
        };
        self.0.write(&mut out)
    }
}

/// Writes through to `out`, putting four spaces before every line that is not empty.
struct Indent<'w, W: std::fmt::Write + ?Sized> {
    out: &'w mut W,
    line_start: bool,
}

impl<W: std::fmt::Write + ?Sized> std::fmt::Write for Indent<'_, W> {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        let mut rest = s;
        while !rest.is_empty() {
            if self.line_start && !rest.starts_with('\n') {
                self.out.write_str("    ")?;
            }
            match rest.find('\n') {
                Some(i) => {
                    self.out.write_str(&rest[..=i])?;
                    self.line_start = true;
                    rest = &rest[i + 1..];
                }
                None => {
                    self.out.write_str(rest)?;
                    self.line_start = false;
                    rest = "";
                }
            }
        }
        Ok(())
    }
}

/// Writes every proxy of `stack` as `(file name, content)`, in declaration order. The stack is
/// validated first.
pub fn to_files(stack: &Valid<'_>) -> Result<Vec<(String, String)>> {
    stack
        .proxies
        .iter()
        .map(|p| Ok((p.file.clone(), render(stack, p)?)))
        .collect()
}

/// Writes one proxy of `stack` (which must contain it and be valid).
pub fn to_conf(stack: &Valid<'_>, proxy: &Proxy) -> Result<String> {
    render(stack, proxy)
}

/// The first-start variant of a proxy with TLS: its HTTP servers answer the ACME challenge and
/// 503 otherwise, and nothing refers to certificate files, so nginx starts before certbot has
/// run. Obtain the certificates (`certbot certonly --webroot -w <webroot> -d <name>`), then
/// switch to the full file and reload.
pub fn to_bootstrap_conf(stack: &Valid<'_>, proxy: &Proxy) -> Result<String> {
    render_with(stack, proxy, true)
}

fn render(stack: &Stack, proxy: &Proxy) -> Result<String> {
    render_with(stack, proxy, false)
}

fn render_with(stack: &Stack, proxy: &Proxy, bootstrap: bool) -> Result<String> {
    let header = super::header(stack);
    // a frontend's nginx gets a `conf.d` server file; the others a whole nginx.conf
    let full = !matches!(proxy.placement, Placement::Frontend(_));
    let services = stack
        .services
        .iter()
        .map(|s| (s.name.as_str(), s))
        .collect();
    let mut upstream_names = HashMap::new();
    for r in proxy.servers.iter().flat_map(|s| &s.routes) {
        if let Action::Proxy(u) = &r.action {
            let key = (u.service.as_str(), u.port.get());
            upstream_names
                .entry(key)
                .or_insert_with(|| upstream_name(key.0, key.1));
        }
    }
    let builder = Builder {
        services,
        upstream_names,
        proxy,
        full,
        bootstrap,
    };
    let body = builder.http(header.clone())?;
    // a route takes about 700 bytes: one allocation instead of a doubling series of copies
    let routes = proxy.servers.iter().map(|s| s.routes.len()).sum::<usize>();
    let mut text = String::with_capacity(4096 + 800 * routes);
    let rendered = if full {
        let connections = proxy.worker_connections;
        Main {
            header,
            rlimit: connections.saturating_mul(2),
            connections,
            body: Indented(&body),
        }
        .write(&mut text)
    } else {
        body.write(&mut text)
    };
    rendered.map_err(|e| Error::Render(format!("nginx: {e}")))?;
    Ok(with_final_newline(text))
}

struct Builder<'a> {
    services: HashMap<&'a str, &'a crate::model::Service>,
    /// The upstream name of each (service, port) a route targets, made once.
    upstream_names: HashMap<(&'a str, u16), String>,
    proxy: &'a Proxy,
    full: bool,
    bootstrap: bool,
}

/// Security headers every server sends (values are constants; the CSP is the server's).
const SECURITY_HEADERS: [(&str, &str); 5] = [
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "strict-origin-when-cross-origin"),
    (
        "Permissions-Policy",
        "camera=(), microphone=(), geolocation=(), payment=()",
    ),
    ("Cross-Origin-Opener-Policy", "same-origin"),
];

impl<'a> Builder<'a> {
    fn http(&'a self, header: String) -> Result<HttpBody<'a>> {
        let p = self.proxy;
        let mut maps = Vec::new();
        let websocket = self
            .routes()
            .any(|r| matches!(&r.action, Action::Proxy(u) if u.websocket));
        if websocket {
            maps.push(MapView {
                source: "$http_upgrade",
                var: "$stackdef_connection_upgrade",
                default: "upgrade".into(),
                entries: vec![(lit(""), "close".into())],
            });
        }
        let spa = self.routes().find_map(|r| match &r.action {
            Action::Spa { assets, .. } => Some(assets.clone()),
            _ => None,
        });
        if let Some(assets) = &spa {
            let regex = format!("~^{}", assets.as_str().replace('.', "\\."));
            maps.push(MapView {
                source: "$uri",
                var: "$stackdef_cache_control",
                default: lit(""),
                entries: vec![
                    ("/index.html".into(), lit("no-cache")),
                    (regex, lit("public, max-age=31536000, immutable")),
                ],
            });
        }
        let tls = (p.has_tls() && !self.bootstrap).then(|| TlsView {
            protocols: match p.profile {
                TlsProfile::Intermediate => "TLSv1.2 TLSv1.3",
                TlsProfile::Modern => "TLSv1.3",
            },
            ciphers: (p.profile == TlsProfile::Intermediate).then_some(INTERMEDIATE_CIPHERS),
            tickets_off: p.version.needs_session_tickets_off(),
        });
        let by_name = p.placement != Placement::Host;
        let resolve = by_name && p.version.has_upstream_resolve();
        // nginx < 1.27.3 resolves upstream names once, at start, and refuses to start when a
        // service is down; it reaches services by name through variables and the resolver
        // instead (no upstream block, so no keepalive)
        let variables = by_name && !resolve;
        let upstreams = if variables {
            Vec::new()
        } else {
            self.upstreams(resolve)?
        };
        let proxies = self.routes().any(|r| matches!(r.action, Action::Proxy(_)));
        let servers = p
            .servers
            .iter()
            .map(|s| self.server(s, variables))
            .collect::<Result<Vec<_>>>()?;
        let named = p.servers.iter().any(|s| !s.names.is_empty());
        let first = p.servers.first();
        Ok(HttpBody {
            header,
            full: self.full,
            bootstrap: self.bootstrap,
            maps,
            zones: p
                .rate_limits
                .iter()
                .map(|z| ZoneView {
                    name: z.name.to_string(),
                    size: size(z.size),
                    rate: z.per_second,
                })
                .collect(),
            tls,
            resolver: (by_name && proxies).then_some("127.0.0.11"),
            upstreams,
            // the user's own catch-all server on that port is the default server there
            catch_all: self.full
                && named
                && !p
                    .servers
                    .iter()
                    .any(|s| s.names.is_empty() && Some(s.http_port) == first.map(|f| f.http_port)),
            catch_all_http: first.map_or(80, |s| s.http_port.get()),
            catch_all_https: first
                .filter(|_| p.has_tls() && !self.bootstrap)
                .map(|s| s.https_port.get()),
            body_size: size(p.client_max_body_size),
            servers,
        })
    }

    fn routes(&self) -> impl Iterator<Item = &Route> {
        self.proxy.servers.iter().flat_map(|s| &s.routes)
    }

    /// One upstream per (service, port), named after both; the host proxy reaches the
    /// published address, the others the service name on the compose network.
    fn upstreams(&'a self, resolve: bool) -> Result<Vec<UpstreamView<'a>>> {
        let mut out: Vec<UpstreamView<'a>> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for r in self.routes() {
            let Action::Proxy(u) = &r.action else {
                continue;
            };
            let key = (u.service.as_str(), u.port.get());
            if !seen.insert(key) {
                continue;
            }
            let name = self.upstream_names.get(&key).map_or("", String::as_str);
            let address = self.address(u.service.as_str(), u.port.get())?;
            out.push(UpstreamView {
                name,
                address,
                resolve,
            });
        }
        Ok(out)
    }

    fn address(&self, service: &'a str, port: u16) -> Result<Address<'a>> {
        if self.proxy.placement != Placement::Host {
            return Ok(Address::Service(service, port));
        }
        let s = self
            .services
            .get(service)
            .ok_or_else(|| Error::invalid("route target", service, "no such service"))?;
        s.ports
            .iter()
            .find_map(|m| {
                let published = m.published?;
                m.target.contains(port).then(|| {
                    let host_port = published.start().get() + (port - m.target.start().get());
                    let ip = match m.host_ip {
                        Some(ip) if !ip.is_unspecified() => ip,
                        _ => IpAddr::from([127, 0, 0, 1]),
                    };
                    Address::Host(ip, host_port)
                })
            })
            .ok_or_else(|| Error::invalid("route target", service, "the port is not published"))
    }

    fn server(&'a self, s: &'a Server, variable_upstreams: bool) -> Result<ServerView<'a>> {
        let p = self.proxy;
        let names = s
            .names
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(" ");
        let tls = s.tls != Tls::Off;
        let https = s.https_port.get();
        let listen = match (tls, p.version.has_http2_directive(), s.names.is_empty()) {
            (true, true, _) => format!("{https} ssl"),
            (true, false, _) => format!("{https} ssl http2"),
            (false, _, true) => format!("{} default_server", s.http_port),
            (false, _, false) => s.http_port.to_string(),
        };
        let certificate = match &s.tls {
            Tls::Off => None,
            Tls::LetsEncrypt => {
                let domain = s.names.first().ok_or_else(|| {
                    Error::invalid("server names", "", "a Let's Encrypt server needs a name")
                })?;
                Some((
                    format!("/etc/letsencrypt/live/{domain}/fullchain.pem"),
                    format!("/etc/letsencrypt/live/{domain}/privkey.pem"),
                ))
            }
            Tls::Files { certificate, key } => Some((certificate.to_string(), key.to_string())),
        };
        let redirect = tls.then(|| RedirectView {
            listen: s.http_port.to_string(),
            webroot: p.acme_webroot.to_string(),
        });
        let mut headers: Vec<(&'static str, String)> =
            SECURITY_HEADERS.iter().map(|(n, v)| (*n, lit(v))).collect();
        if let Some(csp) = &s.csp {
            headers.push(("Content-Security-Policy", quote(csp)));
        }
        if let (true, Some(h)) = (tls, p.hsts) {
            let mut v = format!("max-age={}", h.max_age.as_secs());
            if h.include_subdomains {
                v.push_str("; includeSubDomains");
            }
            if h.preload {
                v.push_str("; preload");
            }
            headers.push(("Strict-Transport-Security", lit(&v)));
        }
        let proxies = s
            .routes
            .iter()
            .any(|r| matches!(r.action, Action::Proxy(_)));
        let static_files = s
            .routes
            .iter()
            .any(|r| matches!(r.action, Action::Spa { .. }));
        let mut hide: Vec<&'static str> = Vec::new();
        if proxies {
            hide.extend(headers.iter().map(|(n, _)| *n));
        }
        let mut locations = Vec::with_capacity(s.routes.len());
        for r in &s.routes {
            self.locations(r, variable_upstreams, &mut locations);
        }
        Ok(ServerView {
            redirect,
            listen,
            http2_directive: tls && p.version.has_http2_directive(),
            server_name: (!s.names.is_empty()).then(|| names.clone()),
            names,
            certificate,
            static_files,
            headers,
            cache_control: static_files.then_some("$stackdef_cache_control"),
            hide,
            locations,
        })
    }

    fn locations(
        &'a self,
        r: &'a Route,
        variable_upstreams: bool,
        out: &mut Vec<LocationView<'a>>,
    ) {
        let base = |path: &'a str, kind| LocationView {
            modifier: if r.exact { "= " } else { "" },
            path,
            body_size: r.client_max_body_size.map(size),
            limit: r.rate_limit.as_ref().map(|(z, b)| (z.as_str(), *b)),
            kind,
        };
        match &r.action {
            Action::Proxy(u) => {
                let key = (u.service.as_str(), u.port.get());
                let upstream = self.upstream_names.get(&key).map_or("", String::as_str);
                let variable = variable_upstreams.then(|| {
                    (
                        format!("$stackdef_{upstream}"),
                        format!("{}:{}", u.service, u.port),
                    )
                });
                let timeout = match (u.read_timeout, u.websocket) {
                    (Some(t), _) => Cow::Owned(time(t)),
                    (None, true) => Cow::Borrowed("3600s"),
                    (None, false) => Cow::Borrowed("60s"),
                };
                let view = ProxyView {
                    upstream,
                    variable,
                    forwarded_for: match self.proxy.placement {
                        Placement::Host | Placement::Service(_) => "$remote_addr",
                        Placement::Frontend(_) => "$proxy_add_x_forwarded_for",
                    },
                    websocket: u.websocket,
                    headers: u
                        .headers
                        .iter()
                        .map(|(n, v)| (n.as_str(), quote(v)))
                        .collect(),
                    timeout,
                };
                out.push(base(r.path.as_str(), LocationKind::Proxy(view)));
            }
            Action::Spa { root, assets } => {
                out.push(base(r.path.as_str(), LocationKind::Spa(root.as_str())));
                out.push(LocationView {
                    modifier: "",
                    path: assets.as_str(),
                    body_size: None,
                    limit: None,
                    kind: LocationKind::Assets(root.as_str()),
                });
            }
            Action::Respond { status, body } => {
                out.push(base(
                    r.path.as_str(),
                    LocationKind::Respond((*status, quote(body))),
                ));
            }
            Action::Redirect { status, to } => {
                out.push(base(
                    r.path.as_str(),
                    LocationKind::Redirect((*status, quote(to))),
                ));
            }
        }
    }
}

/// Ends `text` with exactly one newline, in place.
fn with_final_newline(mut text: String) -> String {
    text.truncate(text.trim_end().len());
    text.push('\n');
    text
}

/// The upstream (and variable) name of `service:port`: letters and digits kept, `-` `_` `.`
/// written `_h` `_u` `_d`, then `_` and the port. One-to-one, so two services never share an
/// upstream (`a-b` and `a_b` would both be `a_b` if every other character became `_`).
fn upstream_name(service: &str, port: u16) -> String {
    let mut name = String::with_capacity(service.len() + 8);
    for c in service.chars() {
        match c {
            '-' => name.push_str("_h"),
            '_' => name.push_str("_u"),
            '.' => name.push_str("_d"),
            c => name.push(c),
        }
    }
    // writing into a String cannot fail
    let _ = std::fmt::Write::write_fmt(&mut name, format_args!("_{port}"));
    name
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::NginxVersion;

    #[test]
    fn quoting_follows_the_lexer() {
        let q = Quoted::new(r#"a "b" \c; {d} #e"#).unwrap();
        assert_eq!(quote(&q), r#""a \"b\" \\c; {d} #e""#);
        assert_eq!(size(ByteSize::mib(10)), "10m");
        assert_eq!(size(ByteSize::bytes(1000)), "1000");
        assert_eq!(time(Duration::from_millis(1500)), "1500ms");
        assert!(!NginxVersion::DEBIAN_12.has_http2_directive());
    }
}
