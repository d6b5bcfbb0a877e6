//! `stackdef import`: a stack as Rust source — a module whose `stack()` builds it with
//! `stack!`, so the names, ports and references of the imported file are checked while the
//! module compiles.
//!
//! What `stack!` has syntax for is written in it: services, named volumes, networks and secrets
//! as identifiers, `host => container on "ip"` ports, `name: healthy` dependencies,
//! `volume => "/path" ro` mounts, `KEY = value` environment entries and the variables the file
//! reads as `env:` declarations. Every other field is assigned inside the macro as
//! `field: value`; what the macro's lists cannot hold (port ranges, unpublished ports, tmpfs and
//! anonymous mounts, network aliases, `restart: true` dependencies, options of top-level
//! volumes and networks) is set on the built stack, after the macro, and validated again.
//!
//! A name `stack!` cannot write (one with a `.`, or starting with a digit) is refused with its
//! path and the reason (renaming it would change the host name other services use).

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::time::Duration;

use stackdef::{
    Command, Condition, ConfigSource, EnvType, Error, ExtValue, Fallback, HealthTest, Healthcheck,
    Mount, NetworkMode, Part, PortMapping, Protocol, Restart, SecretSource, Service, Source, Stack,
    Text,
};

/// Rust's keywords that a raw identifier (`r#type`) can stand for.
const KEYWORDS: [&str; 49] = [
    "as", "break", "const", "continue", "else", "enum", "extern", "false", "fn", "for", "if",
    "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref", "return", "static",
    "struct", "trait", "true", "type", "unsafe", "use", "where", "while", "async", "await", "dyn",
    "abstract", "become", "box", "do", "final", "macro", "override", "priv", "typeof", "unsized",
    "virtual", "yield", "try", "gen", "union",
];

/// One part of a name as `stack!` reads it: an identifier (a keyword as a raw one), or, after
/// the first part, digits.
fn name_part(part: &str, first: bool) -> Option<String> {
    let mut chars = part.chars();
    let start = chars.next()?;
    if !first && part.bytes().all(|b| b.is_ascii_digit()) {
        return Some(part.to_owned());
    }
    let ok = (start == '_' || start.is_ascii_alphabetic())
        && chars.all(|c| c == '_' || c.is_ascii_alphanumeric())
        && part != "_"
        && !matches!(part, "self" | "Self" | "super" | "crate");
    ok.then(|| {
        if KEYWORDS.contains(&part) && part != "union" {
            format!("r#{part}")
        } else {
            part.to_owned()
        }
    })
}

/// `name` as `stack!` writes it — an identifier, or identifiers and digits joined by `-` —
/// or why it cannot be written.
fn ident(field: &str, name: &str) -> Result<String, Error> {
    let parts: Option<Vec<String>> = name
        .split('-')
        .enumerate()
        .map(|(i, p)| name_part(p, i == 0))
        .collect();
    parts.map(|p| p.join("-")).ok_or_else(|| {
        Error::invalid(
            field,
            name,
            "stack! writes a name as identifiers and digits joined by `-` (`web-1`, `fastvue-network`); renaming would change the host name other services reach it by, so this file cannot be imported as Rust yet",
        )
    })
}

/// A Rust string literal holding `s` exactly.
fn lit(s: &str) -> String {
    format!("{s:?}")
}

/// The generator: the source so far and the `stackdef` items it names.
#[derive(Debug, Default)]
struct Gen {
    uses: BTreeSet<&'static str>,
    /// Values too long for a line of the macro, bound before it: `(name, expression)`.
    lets: Vec<(String, String)>,
    /// Names that a `let` must not take (the services: the macro binds them as locals).
    taken: BTreeSet<String>,
}

/// Longest value written inside the macro; longer ones are bound by a `let` before it, where
/// rustfmt lays them out.
const INLINE_MAX: usize = 56;

impl Gen {
    /// `expr`, or the name of a `let` before the macro holding it when it is long.
    fn bind(&mut self, name: &str, expr: String) -> String {
        if expr.len() <= INLINE_MAX {
            return expr;
        }
        let mut n: String = name
            .replace("r#", "")
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_lowercase()
                } else {
                    '_'
                }
            })
            .collect();
        while self.taken.contains(&n) || self.lets.iter().any(|(l, _)| *l == n) {
            n.push('_');
        }
        self.lets.push((n.clone(), expr));
        n
    }

    /// A `Text` where an `Into<Text>` is taken: a literal stays a string literal.
    fn text_arg(&mut self, t: &Text) -> String {
        match t.as_literal() {
            Some(s) => lit(&s),
            None => self.text(t),
        }
    }

    fn name(&mut self, item: &'static str) -> &'static str {
        self.uses.insert(item);
        item
    }

    fn text(&mut self, t: &Text) -> String {
        if let Some(s) = t.as_literal() {
            return format!("{}::lit({})", self.name("Text"), lit(&s));
        }
        let mut out = format!("{}::lit(\"\")", self.name("Text"));
        for p in t.parts() {
            match p {
                Part::Lit(s) => {
                    let _ = write!(out, ".then({})", lit(s));
                }
                Part::Var(key, fallback) => {
                    let fb = match fallback {
                        Fallback::None => format!("{}::None", self.name("Fallback")),
                        Fallback::Default(d) => {
                            format!("{}::Default({}.into())", self.name("Fallback"), lit(d))
                        }
                        Fallback::Required(m) => {
                            format!("{}::Required({}.into())", self.name("Fallback"), lit(m))
                        }
                        Fallback::DefaultIfUnset(d) => format!(
                            "{}::DefaultIfUnset({}.into())",
                            self.name("Fallback"),
                            lit(d)
                        ),
                        Fallback::RequiredIfUnset(m) => format!(
                            "{}::RequiredIfUnset({}.into())",
                            self.name("Fallback"),
                            lit(m)
                        ),
                        Fallback::Replace(r) => {
                            format!("{}::Replace({}.into())", self.name("Fallback"), lit(r))
                        }
                        Fallback::ReplaceIfSet(r) => {
                            format!("{}::ReplaceIfSet({}.into())", self.name("Fallback"), lit(r))
                        }
                    };
                    let _ = write!(
                        out,
                        ".then_var({}::new({})?, {fb})",
                        self.name("EnvKey"),
                        lit(key.as_str())
                    );
                }
            }
        }
        out
    }

    fn texts(&mut self, items: &[Text]) -> String {
        let items: Vec<String> = items
            .iter()
            .map(|t| match t.as_literal() {
                Some(s) => format!("{}.into()", lit(&s)),
                None => self.text(t),
            })
            .collect();
        format!("vec![{}]", items.join(", "))
    }

    fn opt_string(&mut self, v: Option<&str>) -> String {
        v.map_or_else(
            || "None".to_owned(),
            |v| format!("Some({}.to_owned())", lit(v)),
        )
    }

    fn strings(&mut self, items: &[String]) -> String {
        let items: Vec<String> = items
            .iter()
            .map(|s| format!("{}.to_owned()", lit(s)))
            .collect();
        format!("vec![{}]", items.join(", "))
    }

    fn pairs(&mut self, items: &[(String, String)]) -> String {
        let items: Vec<String> = items
            .iter()
            .map(|(k, v)| format!("({}.to_owned(), {}.to_owned())", lit(k), lit(v)))
            .collect();
        format!("vec![{}]", items.join(", "))
    }

    fn duration(&mut self, d: Duration) -> String {
        if d.subsec_nanos() == 0 {
            format!("std::time::Duration::from_secs({})", d.as_secs())
        } else if d.subsec_nanos().is_multiple_of(1_000_000) {
            format!("std::time::Duration::from_millis({})", d.as_millis())
        } else {
            format!("std::time::Duration::from_nanos({})", d.as_nanos())
        }
    }

    fn command(&mut self, c: &Command) -> String {
        match c {
            Command::Exec(args) if args.iter().all(|a| a.as_literal().is_some()) => {
                let words: Vec<String> = args
                    .iter()
                    .filter_map(|a| a.as_literal())
                    .map(|a| lit(&a))
                    .collect();
                format!("{}::exec([{}])", self.name("Command"), words.join(", "))
            }
            Command::Exec(args) => format!("{}::Exec({})", self.name("Command"), self.texts(args)),
            Command::Shell(t) => format!("{}::Shell({})", self.name("Command"), self.text(t)),
        }
    }

    fn healthcheck(&mut self, h: &Healthcheck) -> String {
        let test = match &h.test {
            HealthTest::Exec(args) => {
                format!("{}::Exec({})", self.name("HealthTest"), self.texts(args))
            }
            HealthTest::Shell(t) => format!("{}::Shell({})", self.name("HealthTest"), self.text(t)),
            HealthTest::Disabled => format!("{}::Disabled", self.name("HealthTest")),
            HealthTest::Image => format!("{}::Image", self.name("HealthTest")),
        };
        let mut out = format!("{}::builder().test({test})", self.name("Healthcheck"));
        let durations = [
            ("interval", h.interval),
            ("timeout", h.timeout),
            ("start_period", h.start_period),
            ("start_interval", h.start_interval),
        ];
        for (k, d) in durations {
            if let Some(d) = d {
                let _ = write!(out, ".{k}({})", self.duration(d));
            }
        }
        if let Some(r) = h.retries {
            let _ = write!(out, ".retries({r})");
        }
        out.push_str(".build()");
        out
    }

    fn ext(&mut self, v: &ExtValue) -> String {
        let e = self.name("ExtValue");
        match v {
            ExtValue::Null => format!("{e}::Null"),
            ExtValue::Bool(b) => format!("{e}::Bool({b})"),
            ExtValue::Int(i) => format!("{e}::Int({i})"),
            ExtValue::Float(f) => format!("{e}::Float({f:?})"),
            ExtValue::Str(s) => format!("{e}::Str({}.to_owned())", lit(s)),
            ExtValue::List(items) => {
                let items: Vec<String> = items.iter().map(|i| self.ext(i)).collect();
                format!("{e}::List(vec![{}])", items.join(", "))
            }
            ExtValue::Map(items) => {
                let items: Vec<String> = items
                    .iter()
                    .map(|(k, v)| format!("({}.to_owned(), {})", lit(k), self.ext(v)))
                    .collect();
                format!("{e}::Map(vec![{}])", items.join(", "))
            }
        }
    }

    fn extensions(&mut self, items: &[(String, ExtValue)]) -> String {
        let items: Vec<String> = items
            .iter()
            .map(|(k, v)| format!("({}.to_owned(), {})", lit(k), self.ext(v)))
            .collect();
        format!("vec![{}]", items.join(", "))
    }

    fn ip(&mut self, ip: std::net::IpAddr) -> String {
        match ip {
            std::net::IpAddr::V4(v4) => {
                let [a, b, c, d] = v4.octets();
                format!("std::net::IpAddr::from([{a}u8, {b}, {c}, {d}])")
            }
            std::net::IpAddr::V6(v6) => {
                let s = v6.segments();
                format!(
                    "std::net::IpAddr::from([{}u16, {}, {}, {}, {}, {}, {}, {}])",
                    s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7]
                )
            }
        }
    }

    fn port_mapping(&mut self, p: &PortMapping) -> String {
        let range = |g: &mut Gen, r: stackdef::PortRange| {
            format!(
                "{}::new({}, {})?",
                g.name("PortRange"),
                r.start().get(),
                r.end().get()
            )
        };
        let host_ip = match p.host_ip {
            Some(ip) => format!("Some({})", self.ip(ip)),
            None => "None".into(),
        };
        let published = match p.published {
            Some(r) => format!("Some({})", range(self, r)),
            None => "None".into(),
        };
        let protocol = match p.protocol {
            Protocol::Tcp => "Tcp",
            Protocol::Udp => "Udp",
        };
        let var = match &p.published_var {
            Some(t) => format!("Some({})", self.text(t)),
            None => "None".into(),
        };
        format!(
            "{} {{ host_ip: {host_ip}, published: {published}, published_var: {var}, target: {}, protocol: {}::{protocol} }}",
            self.name("PortMapping"),
            range(self, p.target),
            self.name("Protocol")
        )
    }

    fn mount(&mut self, m: &Mount) -> String {
        let mt = self.name("Mount");
        match m {
            Mount::Volume {
                source,
                target,
                read_only,
            } => format!(
                "{mt}::Volume {{ source: {}::new({})?, target: {}.into(), read_only: {read_only} }}",
                self.name("VolumeName"),
                lit(source.as_str()),
                lit(target)
            ),
            Mount::Bind {
                source: _,
                target,
                read_only,
                create_host_path,
                selinux,
                source_var: Some(var),
            } => {
                let var = self.text(var);
                let mut m = format!("{mt}::bind_var({var}, {})?", lit(target));
                if *read_only {
                    m.push_str(".read_only()");
                }
                if !*create_host_path {
                    m.push_str(".must_exist()");
                }
                if let Some(how) = selinux {
                    let _ = write!(m, ".relabel({}::{how:?})", self.name("Selinux"));
                }
                m
            }
            Mount::Bind {
                source,
                target,
                read_only,
                create_host_path,
                selinux,
                source_var: None,
            } => {
                let z = match selinux {
                    Some(stackdef::Selinux::Shared) => {
                        format!("Some({}::Shared)", self.name("Selinux"))
                    }
                    Some(stackdef::Selinux::Private) => {
                        format!("Some({}::Private)", self.name("Selinux"))
                    }
                    None => "None".into(),
                };
                format!(
                    "{mt}::Bind {{ source: {}.into(), target: {}.into(), read_only: {read_only}, create_host_path: {create_host_path}, selinux: {z}, source_var: None }}",
                    lit(source),
                    lit(target)
                )
            }
            Mount::Anonymous { target } => {
                format!("{mt}::Anonymous {{ target: {}.into() }}", lit(target))
            }
            Mount::Tmpfs { target, size } => {
                let size = match size {
                    Some(b) => format!("Some({}::bytes({}))", self.name("ByteSize"), b.as_bytes()),
                    None => "None".into(),
                };
                format!(
                    "{mt}::Tmpfs {{ target: {}.into(), size: {size} }}",
                    lit(target)
                )
            }
        }
    }

    fn resources(&mut self, r: &stackdef::Resources) -> String {
        let mut out = format!("{}::builder()", self.name("Resources"));
        if let Some(c) = r.cpus {
            let _ = write!(
                out,
                ".cpus({}::millis({}))",
                self.name("Cpus"),
                c.as_millis()
            );
        }
        if let Some(m) = r.memory {
            let _ = write!(
                out,
                ".memory({}::bytes({}))",
                self.name("ByteSize"),
                m.as_bytes()
            );
        }
        out.push_str(".build()");
        out
    }
}

/// A whole stack as a Rust module (see the module docs). `file` names the imported file in
/// the module's documentation.
pub fn to_rust(stack: &Stack, file: &str) -> Result<String, Error> {
    let mut g = Gen {
        taken: stack
            .services
            .iter()
            .map(|s| s.name.as_str().to_owned())
            .collect(),
        ..Gen::default()
    };
    let mut body = String::new();
    let mut post = String::new();
    let project = ident("name", stack.name.as_str())?;
    let _ = writeln!(body, "        name: {project},");
    if !stack.env.is_empty() {
        body.push_str("        env: {\n");
        for v in &stack.env {
            let name = ident("env", v.name())?;
            let mut spec = format!(
                "{}::new({}, {})?",
                g.name("EnvSpec"),
                lit(v.group()),
                lit(v.description())
            );
            let kind = match v.kind() {
                EnvType::Text => None,
                EnvType::Int => Some("Int"),
                EnvType::Bool => Some("Bool"),
                EnvType::Seconds => Some("Seconds"),
                EnvType::Url => Some("Url"),
                _ => None,
            };
            if let Some(k) = kind {
                let _ = write!(spec, ".kind({}::{k})", g.name("EnvType"));
            }
            if let Some(d) = v.default_value() {
                let _ = write!(spec, ".default({})", lit(d));
            }
            if v.is_secret() {
                let _ = write!(spec, ".secret({})", v.min_len());
            }
            let _ = writeln!(body, "            {name} => {spec},");
        }
        body.push_str("        },\n");
    }
    let list = |kind: &str, names: Vec<&str>| -> Result<Option<String>, Error> {
        if names.is_empty() {
            return Ok(None);
        }
        let idents: Result<Vec<String>, Error> = names.iter().map(|n| ident(kind, n)).collect();
        Ok(Some(format!("        {kind}: [{}],\n", idents?.join(", "))))
    };
    let volumes = stack.volumes.iter().map(|v| v.name.as_str()).collect();
    let networks = stack.networks.iter().map(|n| n.name.as_str()).collect();
    let secrets = stack.secrets.iter().map(|s| s.name.as_str()).collect();
    for l in [
        list("volumes", volumes)?,
        list("networks", networks)?,
        list("secrets", secrets)?,
    ]
    .into_iter()
    .flatten()
    {
        body.push_str(&l);
    }
    top_level(&mut g, stack, &mut post)?;
    body.push_str("        services: {\n");
    for s in &stack.services {
        service(&mut g, s, &mut body, &mut post)?;
    }
    body.push_str("        },\n");
    let mut out = String::new();
    let _ = writeln!(
        out,
        "//! The stack of `{file}`, imported by `stackdef import`: names, ports and references are\n//! checked while this module compiles."
    );
    out.push('\n');
    if !g.uses.is_empty() {
        let uses: Vec<&str> = g.uses.iter().copied().collect();
        let _ = writeln!(out, "use stackdef::{{{}}};\n", uses.join(", "));
    }
    let _ = writeln!(out, "/// The stack of `{file}`.");
    out.push_str("pub fn stack() -> stackdef::Result<stackdef::Stack> {\n");
    for (name, expr) in &g.lets {
        let _ = writeln!(out, "    let {name} = {expr};");
    }
    if post.is_empty() {
        out.push_str("    stackdef::stack! {\n");
        out.push_str(&body);
        out.push_str("    }\n}\n");
    } else {
        out.push_str("    let mut stack = stackdef::stack! {\n");
        out.push_str(&body);
        out.push_str("    }?;\n");
        out.push_str(
            "    // what stack! has no syntax for, set on the built stack and checked again\n",
        );
        out.push_str(&post);
        out.push_str("    stackdef::validate(&stack)?;\n    Ok(stack)\n}\n");
    }
    Ok(out)
}

fn top_level(g: &mut Gen, stack: &Stack, post: &mut String) -> Result<(), Error> {
    for (i, v) in stack.volumes.iter().enumerate() {
        let at = format!("    stack.volumes[{i}]");
        if let Some(d) = &v.driver {
            let _ = writeln!(post, "{at}.driver = Some({}.to_owned());", lit(d));
        }
        if !v.driver_opts.is_empty() {
            let _ = writeln!(post, "{at}.driver_opts = {};", g.pairs(&v.driver_opts));
        }
        if v.external {
            let _ = writeln!(post, "{at}.external = true;");
        }
        if let Some(n) = &v.real_name {
            let _ = writeln!(post, "{at}.real_name = Some({}.to_owned());", lit(n));
        }
    }
    for (i, n) in stack.networks.iter().enumerate() {
        let at = format!("    stack.networks[{i}]");
        if let Some(d) = &n.driver {
            let _ = writeln!(post, "{at}.driver = Some({}.to_owned());", lit(d));
        }
        if n.internal {
            let _ = writeln!(post, "{at}.internal = true;");
        }
        if n.external {
            let _ = writeln!(post, "{at}.external = true;");
        }
        if let Some(r) = &n.real_name {
            let _ = writeln!(post, "{at}.real_name = Some({}.to_owned());", lit(r));
        }
        if let Some(s) = &n.subnet {
            let _ = writeln!(
                post,
                "{at}.subnet = Some({}::parse({})?);",
                g.name("Subnet"),
                lit(&s.to_string())
            );
        }
    }
    for (i, s) in stack.secrets.iter().enumerate() {
        let src = match &s.source {
            SecretSource::File(f) => {
                format!("{}::File({}.to_owned())", g.name("SecretSource"), lit(f))
            }
            SecretSource::Environment(k) => format!(
                "{}::Environment({}::new({})?)",
                g.name("SecretSource"),
                g.name("EnvKey"),
                lit(k.as_str())
            ),
        };
        let _ = writeln!(post, "    stack.secrets[{i}].source = {src};");
    }
    if !stack.configs.is_empty() {
        let configs: Vec<String> = stack
            .configs
            .iter()
            .map(|c| {
                let src = match &c.source {
                    ConfigSource::File(f) => {
                        format!("{}::File({}.to_owned())", g.name("ConfigSource"), lit(f))
                    }
                    ConfigSource::Environment(k) => format!(
                        "{}::Environment({}::new({})?)",
                        g.name("ConfigSource"),
                        g.name("EnvKey"),
                        lit(k.as_str())
                    ),
                    ConfigSource::Content(t) => {
                        format!("{}::Content({}.to_owned())", g.name("ConfigSource"), lit(t))
                    }
                    _ => {
                        return Err(Error::invalid(
                            format!("configs.{}", c.name),
                            c.name.as_str(),
                            "stack! import does not write this config source yet",
                        ));
                    }
                };
                Ok(format!(
                    "{} {{ name: {}::new({})?, source: {src} }}",
                    g.name("Config"),
                    g.name("ConfigName"),
                    lit(c.name.as_str())
                ))
            })
            .collect::<Result<_, Error>>()?;
        let _ = writeln!(post, "    stack.configs = vec![{}];", configs.join(", "));
    }
    if !stack.extensions.is_empty() {
        let _ = writeln!(
            post,
            "    stack.extensions = {};",
            g.extensions(&stack.extensions)
        );
    }
    Ok(())
}

/// A service's container options: `ContainerOptions` is non-exhaustive, so a block sets the
/// fields on its default.
fn container(g: &mut Gen, c: &stackdef::ContainerOptions) -> String {
    let mut set = Vec::new();
    let text = |v: &Option<String>| v.as_deref().map(|v| format!("Some({}.to_owned())", lit(v)));
    for (k, v) in [
        ("hostname", &c.hostname),
        ("stop_signal", &c.stop_signal),
        ("platform", &c.platform),
        ("runtime", &c.runtime),
    ] {
        if let Some(v) = text(v) {
            set.push(format!("c.{k} = {v};"));
        }
    }
    if let Some(b) = c.shm_size {
        set.push(format!(
            "c.shm_size = Some({}::bytes({}));",
            g.name("ByteSize"),
            b.as_bytes()
        ));
    }
    if let Some(n) = c.pids_limit {
        set.push(format!("c.pids_limit = Some({n});"));
    }
    if c.stdin_open {
        set.push("c.stdin_open = true;".into());
    }
    if c.tty {
        set.push("c.tty = true;".into());
    }
    if let Some(p) = c.pull_policy {
        let v = match p {
            stackdef::PullPolicy::Always => "Always",
            stackdef::PullPolicy::Never => "Never",
            stackdef::PullPolicy::Build => "Build",
            _ => "Missing",
        };
        set.push(format!(
            "c.pull_policy = Some({}::{v});",
            g.name("PullPolicy")
        ));
    }
    if !c.sysctls.is_empty() {
        set.push(format!("c.sysctls = {};", g.pairs(&c.sysctls)));
    }
    if !c.ulimits.is_empty() {
        let u = g.name("Ulimit");
        let items: Vec<String> = c
            .ulimits
            .iter()
            .map(|(k, l)| {
                let v = match *l {
                    stackdef::Ulimit::Single(n) => format!("{u}::Single({n})"),
                    stackdef::Ulimit::Range { soft, hard } => {
                        format!("{u}::Range {{ soft: {soft}, hard: {hard} }}")
                    }
                };
                format!("({}.to_owned(), {v})", lit(k))
            })
            .collect();
        set.push(format!("c.ulimits = vec![{}];", items.join(", ")));
    }
    for (k, v) in [
        ("dns_search", &c.dns_search),
        ("dns_opt", &c.dns_opt),
        ("group_add", &c.group_add),
    ] {
        if !v.is_empty() {
            set.push(format!("c.{k} = {};", g.strings(v)));
        }
    }
    if !c.dns.is_empty() {
        let ips: Vec<String> = c.dns.iter().map(|ip| g.ip(*ip)).collect();
        set.push(format!("c.dns = vec![{}];", ips.join(", ")));
    }
    if let Some(v) = text(&c.domainname) {
        set.push(format!("c.domainname = {v};"));
    }
    if let Some(n) = c.oom_score_adj {
        set.push(format!("c.oom_score_adj = Some({n});"));
    }
    for (k, v) in [
        ("mem_limit", c.mem_limit),
        ("mem_reservation", c.mem_reservation),
    ] {
        if let Some(b) = v {
            set.push(format!(
                "c.{k} = Some({}::bytes({}));",
                g.name("ByteSize"),
                b.as_bytes()
            ));
        }
    }
    if let Some(x) = c.cpus {
        set.push(format!(
            "c.cpus = Some({}::millis({}));",
            g.name("Cpus"),
            x.as_millis()
        ));
    }
    if let Some(n) = c.cpu_shares {
        set.push(format!("c.cpu_shares = Some({n});"));
    }
    if !c.devices.is_empty() {
        let d = g.name("Device");
        let opt = |v: &Option<String>| text(v).unwrap_or_else(|| "None".into());
        let items: Vec<String> = c
            .devices
            .iter()
            .map(|x| {
                format!(
                    "{d} {{ source: {}.to_owned(), target: {}, permissions: {} }}",
                    lit(&x.source),
                    opt(&x.target),
                    opt(&x.permissions)
                )
            })
            .collect();
        set.push(format!("c.devices = vec![{}];", items.join(", ")));
    }
    format!(
        "{{ let mut c = {}::default(); {} c }}",
        g.name("ContainerOptions"),
        set.join(" ")
    )
}

/// The literal `stack!` takes for a port: `host => container on "ip" udp`, when the mapping
/// is a single published port.
fn simple_port(p: &PortMapping) -> Option<String> {
    if p.published_var.is_some() {
        return None;
    }
    let published = p.published?;
    if published.start() != published.end() || p.target.start() != p.target.end() {
        return None;
    }
    let mut s = format!("{} => {}", published.start().get(), p.target.start().get());
    if let Some(ip) = p.host_ip {
        let _ = write!(s, " on {}", lit(&ip.to_string()));
    }
    if p.protocol == Protocol::Udp {
        s.push_str(" udp");
    }
    Some(s)
}

fn simple_mount(m: &Mount) -> Option<String> {
    match m {
        Mount::Volume {
            source,
            target,
            read_only,
        } => Some(format!(
            "{} => {}{}",
            ident("volumes", source.as_str()).ok()?,
            lit(target),
            if *read_only { " ro" } else { "" }
        )),
        // `"./x" => "/y"` in stack! is a bind that creates a missing host path
        Mount::Bind {
            source,
            target,
            read_only,
            create_host_path: true,
            selinux: None,
            source_var: None,
        } => Some(format!(
            "{} => {}{}",
            lit(source),
            lit(target),
            if *read_only { " ro" } else { "" }
        )),
        _ => None,
    }
}

fn service(g: &mut Gen, s: &Service, body: &mut String, post: &mut String) -> Result<(), Error> {
    let name = ident("services", s.name.as_str())?;
    let bare = name.trim_start_matches("r#").to_owned();
    let field = |g: &mut Gen, k: &str, v: String, out: &mut String| {
        let v = g.bind(&format!("{bare}_{k}"), v);
        let _ = writeln!(out, "                {k}: {v},");
    };
    let mut b = String::new();
    let source = match &s.source {
        Source::Image(i) => format!("{}::parse({})?", g.name("Image"), lit(&i.to_string())),
        Source::Build(build, image) => {
            let mut e = format!(
                "{}::builder().context({})",
                g.name("Build"),
                lit(&build.context)
            );
            if let Some(d) = &build.dockerfile {
                let _ = write!(e, ".dockerfile({})", lit(d));
            }
            if let Some(t) = &build.target {
                let _ = write!(e, ".target({})", lit(t));
            }
            if !build.args.is_empty() {
                let args: Vec<String> = build
                    .args
                    .iter()
                    .map(|(k, v)| format!("({}.to_owned(), {})", lit(k), g.text(v)))
                    .collect();
                let _ = write!(e, ".args(vec![{}])", args.join(", "));
            }
            e.push_str(".build()");
            let image = match image {
                Some(i) => format!("Some({}::parse({})?)", g.name("Image"), lit(&i.to_string())),
                None => "None".into(),
            };
            format!("{}::Build({e}, {image})", g.name("Source"))
        }
    };
    field(g, "source", source, &mut b);
    if let Some(c) = &s.container_name {
        field(g, "container_name", lit(c.as_str()), &mut b);
    }
    if let Some(h) = &s.healthcheck {
        let h = g.healthcheck(h);
        field(g, "healthcheck", h, &mut b);
    }
    let at = format!(
        "    stack.service_mut({}).expect(\"declared above\")",
        lit(s.name.as_str())
    );
    if !s.configs.is_empty() {
        let configs: Vec<String> = s
            .configs
            .iter()
            .map(|c| {
                format!(
                    "{} {{ source: {}::new({})?, target: {}, uid: {}, gid: {}, mode: {} }}",
                    g.name("ConfigMount"),
                    g.name("ConfigName"),
                    lit(c.source.as_str()),
                    g.opt_string(c.target.as_deref()),
                    g.opt_string(c.uid.as_deref()),
                    g.opt_string(c.gid.as_deref()),
                    c.mode
                        .map_or_else(|| "None".to_owned(), |m| format!("Some(0o{m:o})"))
                )
            })
            .collect();
        // after the macro, which checks references before the stack's configs are set
        let _ = writeln!(post, "{at}.configs = vec![{}];", configs.join(", "));
    }
    // ports: in the macro when every one has its syntax, else all of them after it (in order)
    let ports: Option<Vec<String>> = s.ports.iter().map(simple_port).collect();
    match ports {
        Some(p) if !p.is_empty() => {
            let _ = writeln!(b, "                ports: [{}],", p.join(", "));
        }
        Some(_) => {}
        None => {
            let all: Vec<String> = s.ports.iter().map(|p| g.port_mapping(p)).collect();
            let _ = writeln!(post, "{at}.ports = vec![{}];", all.join(", "));
        }
    }
    let expose_simple = s.expose.iter().all(|r| r.start() == r.end());
    if !s.expose.is_empty() {
        if expose_simple {
            let e: Vec<String> = s
                .expose
                .iter()
                .map(|r| r.start().get().to_string())
                .collect();
            let _ = writeln!(b, "                expose: [{}],", e.join(", "));
        } else {
            let e: Vec<String> = s
                .expose
                .iter()
                .map(|r| {
                    format!(
                        "{}::new({}, {})?",
                        g.name("PortRange"),
                        r.start().get(),
                        r.end().get()
                    )
                })
                .collect();
            let _ = writeln!(post, "{at}.expose = vec![{}];", e.join(", "));
        }
    }
    if !s.depends_on.is_empty() {
        if s.depends_on.iter().all(|d| !d.restart && d.required) {
            let deps: Result<Vec<String>, Error> = s
                .depends_on
                .iter()
                .map(|d| {
                    let cond = match d.condition {
                        Condition::Started => "started",
                        Condition::Healthy => "healthy",
                        Condition::CompletedSuccessfully => "completed",
                    };
                    Ok(format!(
                        "{}: {cond}",
                        ident("depends_on", d.service.as_str())?
                    ))
                })
                .collect();
            let _ = writeln!(b, "                depends_on: [{}],", deps?.join(", "));
        } else {
            for (i, d) in s.depends_on.iter().enumerate() {
                let _ = writeln!(
                    post,
                    "{at}.depends_on.insert({i}, {} {{ service: {}::new({})?, condition: {}::{:?}, restart: {}, required: {} }});",
                    g.name("DependsOn"),
                    g.name("ServiceName"),
                    lit(d.service.as_str()),
                    g.name("Condition"),
                    d.condition,
                    d.restart,
                    d.required
                );
            }
        }
    }
    let mounts: Option<Vec<String>> = s.mounts.iter().map(simple_mount).collect();
    match mounts {
        Some(m) if !m.is_empty() => {
            let _ = writeln!(
                b,
                "                volumes: [{}],",
                m.join(",\n                    ")
            );
        }
        Some(_) => {}
        None => {
            let all: Vec<String> = s.mounts.iter().map(|m| g.mount(m)).collect();
            let _ = writeln!(post, "{at}.mounts = vec![{}];", all.join(", "));
        }
    }
    if !s.networks.is_empty() {
        if s.networks.iter().all(|n| !n.has_options()) {
            let n: Result<Vec<String>, Error> = s
                .networks
                .iter()
                .map(|n| ident("networks", n.network.as_str()))
                .collect();
            let _ = writeln!(b, "                networks: [{}],", n?.join(", "));
        } else {
            let all: Vec<String> = s
                .networks
                .iter()
                .map(|n| {
                    let aliases = g.strings(&n.aliases);
                    let v4 = n.ipv4_address.map_or_else(
                        || "None".to_owned(),
                        |a| {
                            let [x, y, z, w] = a.octets();
                            format!("Some(std::net::Ipv4Addr::new({x}, {y}, {z}, {w}))")
                        },
                    );
                    let v6 = n.ipv6_address.map_or_else(
                        || "None".to_owned(),
                        |a| {
                            let seg: Vec<String> =
                                a.segments().iter().map(|x| format!("{x:#x}")).collect();
                            format!("Some(std::net::Ipv6Addr::new({}))", seg.join(", "))
                        },
                    );
                    format!(
                        "{} {{ network: {}::new({})?, aliases: {aliases}, ipv4_address: {v4}, ipv6_address: {v6} }}",
                        g.name("ServiceNetwork"),
                        g.name("NetworkName"),
                        lit(n.network.as_str())
                    )
                })
                .collect();
            let _ = writeln!(post, "{at}.networks = vec![{}];", all.join(", "));
        }
    }
    if !s.secrets.is_empty() {
        let n: Result<Vec<String>, Error> = s
            .secrets
            .iter()
            .map(|x| ident("secrets", x.as_str()))
            .collect();
        let _ = writeln!(b, "                secrets: [{}],", n?.join(", "));
    }
    if s.internal {
        b.push_str("                internal: true,\n");
    }
    if !s.profiles.is_empty() {
        let p: Vec<String> = s.profiles.iter().map(|p| lit(p)).collect();
        let _ = writeln!(b, "                profiles: [{}],", p.join(", "));
    }
    // `env: [KEY = value]` takes identifiers; keys such as `discovery.type` are set after
    let env_idents = s
        .environment
        .iter()
        .all(|(k, _)| name_part(k.as_str(), true).is_some());
    if !s.environment.is_empty() && env_idents {
        b.push_str("                env: [\n");
        for (k, v) in &s.environment {
            let key = ident("environment", k.as_str())?;
            let value = g.text_arg(v);
            let value = g.bind(&format!("{bare}_{}", k.as_str()), value);
            let _ = writeln!(b, "                    {key} = {value},");
        }
        b.push_str("                ],\n");
    } else if !s.environment.is_empty() {
        let entries: Vec<String> = s
            .environment
            .iter()
            .map(|(k, v)| {
                format!(
                    "({}::new({})?, {})",
                    g.name("EnvKey"),
                    lit(k.as_str()),
                    g.text(v)
                )
            })
            .collect();
        let _ = writeln!(post, "{at}.environment = vec![{}];", entries.join(", "));
    }
    other_fields(g, &bare, s, &mut b);
    let _ = writeln!(body, "            {name} {{");
    body.push_str(&b);
    body.push_str("            },\n");
    Ok(())
}

fn other_fields(g: &mut Gen, bare: &str, s: &Service, b: &mut String) {
    let mut fields: Vec<(&str, String)> = Vec::new();
    let mut field = |k: &'static str, v: String| fields.push((k, v));
    if let Some(c) = &s.command {
        field("command", g.command(c));
    }
    if let Some(c) = &s.entrypoint {
        field("entrypoint", g.command(c));
    }
    if !s.env_file.is_empty() {
        field("env_file", g.strings(&s.env_file));
    }
    if !s.env_passed.is_empty() {
        let keys: Vec<String> = s
            .env_passed
            .iter()
            .map(|k| format!("{}::new({})?", g.name("EnvKey"), lit(k.as_str())))
            .collect();
        field("env_passed", format!("vec![{}]", keys.join(", ")));
    }
    if let Some(r) = s.restart {
        let r = match r {
            Restart::No => format!("{}::No", g.name("Restart")),
            Restart::Always => format!("{}::Always", g.name("Restart")),
            Restart::UnlessStopped => format!("{}::UnlessStopped", g.name("Restart")),
            Restart::OnFailure(None) => format!("{}::OnFailure(None)", g.name("Restart")),
            Restart::OnFailure(Some(n)) => format!("{}::OnFailure(Some({n}))", g.name("Restart")),
        };
        field("restart", r);
    }
    if let Some(d) = &s.deploy {
        let mut e = format!("{}::builder()", g.name("Deploy"));
        if let Some(r) = d.replicas {
            let _ = write!(e, ".replicas({r})");
        }
        if let Some(l) = &d.limits {
            let _ = write!(e, ".limits({})", g.resources(l));
        }
        if let Some(r) = &d.reservations {
            let _ = write!(e, ".reservations({})", g.resources(r));
        }
        e.push_str(".build()");
        field("deploy", e);
    }
    for (k, v) in [("user", &s.user), ("working_dir", &s.working_dir)] {
        if let Some(v) = v {
            field(k, format!("Some({}.to_owned())", lit(v)));
        }
    }
    if !s.labels.is_empty() {
        field("labels", g.pairs(&s.labels));
    }
    if let Some(l) = &s.logging {
        let opts = g.pairs(&l.options);
        field(
            "logging",
            format!(
                "Some({} {{ driver: {}.to_owned(), options: {opts} }})",
                g.name("Logging"),
                lit(&l.driver)
            ),
        );
    }
    if !s.extra_hosts.is_empty() {
        let hosts: Vec<String> = s
            .extra_hosts
            .iter()
            .map(|(h, ip)| format!("({}.to_owned(), {})", lit(h), g.ip(*ip)))
            .collect();
        field("extra_hosts", format!("vec![{}]", hosts.join(", ")));
    }
    if s.read_only {
        field("read_only", "true".into());
    }
    for (k, v) in [
        ("security_opt", &s.security_opt),
        ("cap_add", &s.cap_add),
        ("cap_drop", &s.cap_drop),
    ] {
        if !v.is_empty() {
            field(k, g.strings(v));
        }
    }
    if let Some(i) = s.init {
        field("init", format!("Some({i})"));
    }
    if let Some(d) = s.stop_grace_period {
        field("stop_grace_period", format!("Some({})", g.duration(d)));
    }
    if let Some(m) = &s.network_mode {
        let e = match m {
            NetworkMode::Service(x) => format!(
                "{}::Service({}::new({})?)",
                g.name("NetworkMode"),
                g.name("ServiceName"),
                lit(x.as_str())
            ),
            NetworkMode::Container(c) => format!(
                "{}::Container({}.to_owned())",
                g.name("NetworkMode"),
                lit(c)
            ),
            NetworkMode::Host => format!("{}::Host", g.name("NetworkMode")),
            NetworkMode::None => format!("{}::None", g.name("NetworkMode")),
            _ => format!("{}::Bridge", g.name("NetworkMode")),
        };
        field("network_mode", e);
    }
    if !s.links.is_empty() {
        let links: Vec<String> = s
            .links
            .iter()
            .map(|l| {
                format!(
                    "{} {{ service: {}::new({})?, alias: {} }}",
                    g.name("Link"),
                    g.name("ServiceName"),
                    lit(l.service.as_str()),
                    g.opt_string(l.alias.as_deref())
                )
            })
            .collect();
        field("links", format!("vec![{}]", links.join(", ")));
    }
    if !s.extensions.is_empty() {
        field("extensions", g.extensions(&s.extensions));
    }
    if s.container != stackdef::ContainerOptions::default() {
        field("container", container(g, &s.container));
    }
    let h = &s.hardening;
    let reasons = [
        ("PrivilegeGain", &h.allow_privilege_gain),
        ("DefaultCapabilities", &h.keep_default_capabilities),
        ("UnpinnedImage", &h.unpinned_image),
        ("AllInterfaces", &h.all_interfaces),
        ("NoResourceLimits", &h.no_resource_limits),
    ];
    if reasons.iter().any(|(_, r)| r.is_some()) {
        let mut e = format!("{}::default()", g.name("Hardening"));
        for (variant, reason) in reasons {
            if let Some(r) = reason {
                let _ = write!(e, ".opt_out({}::{variant}, {})", g.name("OptOut"), lit(r));
            }
        }
        field("hardening", e);
    }
    for (k, v) in fields {
        let v = g.bind(&format!("{bare}_{k}"), v);
        let _ = writeln!(b, "                {k}: {v},");
    }
}

/// `code` laid out by rustfmt (edition 2024), when rustfmt is installed and accepts it. The
/// body of `stack!` is written laid out already: rustfmt leaves brace-delimited macros as
/// they are.
pub fn rustfmt(code: &str) -> Option<String> {
    use std::io::Write as _;
    use std::process::{Command as Process, Stdio};
    let mut child = Process::new("rustfmt")
        .args(["--edition", "2024", "--emit", "stdout"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    child.stdin.take()?.write_all(code.as_bytes()).ok()?;
    let out = child.wait_with_output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8(out.stdout).ok())
        .flatten()
}
