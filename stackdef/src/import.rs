//! Compose YAML → model. Every value is validated as if it came through the API; unknown
//! fields are kept when they are `x-*` extensions and refused otherwise, never dropped.

use std::net::IpAddr;

use crate::emit::compose::doc::{
    BuildDoc, ConfigDoc, ConfigRefDoc, DependsDoc, DeployDoc, DeviceDoc, File, HealthDoc, MountDoc,
    NetworkDoc, NetworksDoc, OneOrMany, Ordered, Pairs, PortDoc, ResourcesDoc, Scalar, SecretDoc,
    ServiceDoc, UlimitDoc, VolumeDoc,
};
use crate::emit::yaml::{self, Str};
use crate::error::{Error, Result};
use crate::model::name::{
    ConfigName, ContainerName, EnvKey, NetworkName, ProjectName, SecretName, ServiceName,
    VolumeName,
};
use crate::model::{
    Build, ByteSize, Command, Condition, Config, ConfigMount, ConfigSource, ContainerOptions, Cpus,
    DependsOn, Deploy, Device, EnvSpec, EnvVar, ExtValue, Fallback, Hardening, HealthTest,
    Healthcheck, Image, Link, Logging, Mount, Network, NetworkMode, OptOut, Part, PortMapping,
    PortRange, Protocol, PullPolicy, Resources, Restart, Secret, SecretSource, Selinux, Service,
    ServiceNetwork, Source, Stack, Subnet, Text, Ulimit, Volume, no_control, parse_duration,
};

/// Reads a compose file that names its project (`name:`).
pub fn parse(text: &str) -> Result<Stack> {
    parse_inner(text, None)
}

/// Reads a compose file; `name` is the project name when the file has no `name:` key.
pub fn parse_named(text: &str, name: ProjectName) -> Result<Stack> {
    parse_inner(text, Some(name))
}

fn parse_inner(text: &str, fallback: Option<ProjectName>) -> Result<Stack> {
    let file: File = yaml::from_str(text)?;
    let name = match (&file.name, fallback) {
        (Some(n), _) => ProjectName::new(n.as_str()).map_err(|e| e.at("name"))?,
        (None, Some(n)) => n,
        (None, None) => {
            return Err(Error::invalid(
                "name",
                "",
                "the file has no `name:`; use `parse_named`",
            ));
        }
    };
    let mut stack = Stack::builder().name(name).build();
    stack.extensions = extensions("the top level", &file.extra)?;
    for (key, doc) in &file.services.0 {
        let service = import_service(key, doc).map_err(|e| e.at(&format!("services.{key}")))?;
        stack.services.push(service);
    }
    for (key, doc) in &file.networks.0 {
        stack
            .networks
            .push(network(key, doc).map_err(|e| e.at("networks"))?);
    }
    for (key, doc) in &file.volumes.0 {
        stack
            .volumes
            .push(volume(key, doc).map_err(|e| e.at("volumes"))?);
    }
    for (key, doc) in &file.secrets.0 {
        stack
            .secrets
            .push(secret(key, doc).map_err(|e| e.at("secrets"))?);
    }
    for (key, doc) in &file.configs.0 {
        stack
            .configs
            .push(config(key, doc).map_err(|e| e.at("configs"))?);
    }
    stack.env = declare_read_variables(&stack)?;
    Ok(stack)
}

/// A compose file reads variables without declaring them: declare each one it reads, with the
/// default of its first use (required when that use has none).
fn declare_read_variables(stack: &Stack) -> Result<Vec<EnvVar>> {
    let mut out: Vec<EnvVar> = Vec::new();
    for s in &stack.services {
        for t in crate::check::texts(s) {
            for part in t.parts() {
                let Part::Var(name, fallback) = part else {
                    continue;
                };
                if out.iter().any(|v| v.name() == name.as_str()) {
                    continue;
                }
                let spec = EnvSpec::new("Imported", "Read by the imported compose file")?;
                let spec = match fallback {
                    Fallback::Default(d) | Fallback::DefaultIfUnset(d) => spec.default(d),
                    _ => spec,
                };
                out.push(EnvVar::new(name.as_str(), spec).map_err(|e| e.at("environment"))?);
            }
        }
        for name in &s.env_passed {
            if !out.iter().any(|v| v.name() == name.as_str()) {
                let spec = EnvSpec::new("Imported", "Passed through by the imported compose file")?;
                out.push(EnvVar::new(name.as_str(), spec).map_err(|e| e.at("environment"))?);
            }
        }
    }
    Ok(out)
}

/// Why stackdef refuses a compose key it knows but does not model, and what to write instead.
fn unmodelled(key: &str) -> Option<&'static str> {
    Some(match key {
        "external_links" => {
            "it links containers outside the stack, which no rule can check: join them on a shared external network instead"
        }
        "privileged" => {
            "a privileged container holds every capability and device, which stackdef's hardening has no opt-out for yet"
        }
        "extends" => "resolve it first: `docker compose config` writes the merged service",
        "include" => "resolve it first: `docker compose config` writes the included files merged",
        "volumes_from" => "mount the named volumes themselves, which stackdef checks",
        "mac_address"
        | "memswap_limit"
        | "mem_swappiness"
        | "cpu_quota"
        | "cpu_period"
        | "cpuset"
        | "cpu_count"
        | "cpu_percent"
        | "cpu_rt_runtime"
        | "cpu_rt_period"
        | "pid"
        | "ipc"
        | "userns_mode"
        | "uts"
        | "cgroup"
        | "cgroup_parent"
        | "oom_kill_disable"
        | "gpus"
        | "storage_opt"
        | "blkio_config"
        | "device_cgroup_rules"
        | "isolation"
        | "credential_spec"
        | "annotations"
        | "label_file"
        | "attach"
        | "post_start"
        | "pre_stop"
        | "develop"
        | "scale"
        | "use_api_socket"
        | "provider"
        | "models" => "a compose key stackdef does not model yet",
        _ => return None,
    })
}

fn extensions(place: &str, extra: &Ordered<ExtValue>) -> Result<Vec<(String, ExtValue)>> {
    match extra.0.iter().find(|(k, _)| !k.starts_with("x-")) {
        Some((key, _)) => Err(Error::invalid(
            "field",
            key,
            match unmodelled(key) {
                Some(why) => format!("`{key}` in {place}: {why}"),
                None => format!(
                    "unknown field in {place}: stackdef does not model it; keep free-form data under an `x-` key"
                ),
            },
        )),
        None => extra
            .0
            .iter()
            .map(|(k, v)| Ok((k.clone(), ext_value(k, v)?)))
            .collect(),
    }
}

/// An extension value as the container sees it: compose interpolates `x-` strings too, so
/// `$$` reads as `$` and a variable is refused, as in other plain fields.
fn ext_value(field: &str, v: &ExtValue) -> Result<ExtValue> {
    Ok(match v {
        ExtValue::Str(s) => {
            let t = interp(field, s)?;
            ExtValue::Str(t.as_literal().ok_or_else(|| {
                Error::invalid(field, s, "variables are not supported in `x-` fields")
            })?)
        }
        ExtValue::List(items) => ExtValue::List(
            items
                .iter()
                .map(|i| ext_value(field, i))
                .collect::<Result<_>>()?,
        ),
        ExtValue::Map(entries) => ExtValue::Map(
            entries
                .iter()
                .map(|(k, v)| Ok((k.clone(), ext_value(field, v)?)))
                .collect::<Result<_>>()?,
        ),
        other => other.clone(),
    })
}

/// Reads compose interpolation ([`Text::parse_compose`]).
pub(crate) fn interp(field: &str, s: &str) -> Result<Text> {
    Text::parse_compose(field, s)
}

/// A plain string field: `$$` becomes `$`; interpolation is not modelled there.
fn plain(field: &str, s: &str) -> Result<String> {
    let t = interp(field, s)?;
    no_control(field, s)?;
    t.as_literal().ok_or_else(|| {
        Error::invalid(field, s, "variables are supported in environment values, commands, healthchecks and build args only")
    })
}

/// The text of a file (a config's `content`): lines and tabs, no other control character.
fn file_text(field: &str, s: &str) -> Result<String> {
    let t = interp(field, s)?;
    if s.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err(Error::invalid(
            field,
            s,
            "must not contain control characters other than newlines and tabs",
        ));
    }
    t.as_literal().ok_or_else(|| {
        Error::invalid(
            field,
            s,
            "variables are not supported in a config's content yet",
        )
    })
}

fn text_list(field: &str, v: &OneOrMany) -> Result<Vec<Text>> {
    match v {
        OneOrMany::One(s) => Ok(vec![interp(field, s)?]),
        OneOrMany::Many(items) => items.iter().map(|s| interp(field, s)).collect(),
    }
}

fn strings(field: &str, v: &OneOrMany) -> Result<Vec<String>> {
    match v {
        OneOrMany::One(s) => Ok(vec![plain(field, s)?]),
        OneOrMany::Many(items) => items.iter().map(|s| plain(field, s)).collect(),
    }
}

fn command(field: &str, v: &OneOrMany) -> Result<Command> {
    match v {
        // compose splits a string command into words itself (no shell runs it)
        OneOrMany::One(s) => Ok(Command::Exec(
            split_words(field, s)?
                .iter()
                .map(|w| interp(field, w))
                .collect::<Result<_>>()?,
        )),
        OneOrMany::Many(_) => Ok(Command::Exec(text_list(field, v)?)),
    }
}

/// Splits a string command into words as compose does: blanks separate words, single quotes
/// keep everything, double quotes keep all but `\"` and `\\`, a backslash escapes the next
/// character. Backticks and `$(` (command substitution, which compose refuses) and unclosed
/// quotes are refused.
fn split_words(field: &str, s: &str) -> Result<Vec<String>> {
    let bad = |why: &str| Error::invalid(field, s, why.to_owned());
    let (mut words, mut cur, mut in_word) = (Vec::new(), String::new(), false);
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            ' ' | '\t' | '\n' => {
                if in_word {
                    words.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            '\'' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(c) => cur.push(c),
                        None => return Err(bad("an unclosed `'`")),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') if matches!(chars.peek(), Some('"' | '\\')) => {
                            cur.extend(chars.next());
                        }
                        Some('`') => return Err(bad("command substitution is not supported")),
                        Some(c) => cur.push(c),
                        None => return Err(bad("an unclosed `\"`")),
                    }
                }
            }
            '\\' => {
                in_word = true;
                cur.extend(chars.next());
            }
            '`' => return Err(bad("command substitution is not supported")),
            '$' if chars.peek() == Some(&'(') => {
                return Err(bad("command substitution is not supported"));
            }
            c => {
                in_word = true;
                cur.push(c);
            }
        }
    }
    if in_word {
        words.push(cur);
    }
    Ok(words)
}

fn pairs_raw(field: &str, p: &Pairs) -> Result<Vec<(String, String)>> {
    match p {
        Pairs::List(items) => items
            .iter()
            .map(|i| {
                i.split_once('=')
                    .map(|(k, v)| (k.to_owned(), v.to_owned()))
                    .ok_or_else(|| Error::invalid(field, i, "expected `KEY=value`"))
            })
            .collect(),
        Pairs::Map(m) => m
            .0
            .iter()
            .map(|(k, v)| match v {
                Some(v) => Ok((k.clone(), v.to_string())),
                None => Err(Error::invalid(field, k, "a key without a value (pass-through from the shell) is not supported; declare the value")),
            })
            .collect(),
    }
}

/// A service's environment: the entries set, and the keys passed through from compose's own
/// environment.
type Environment = (Vec<(EnvKey, Text)>, Vec<EnvKey>);

/// Environment entries, and the keys passed through from compose's environment (`- KEY`,
/// `KEY:` without a value).
fn env(field: &str, p: &Pairs) -> Result<Environment> {
    let key = |k: &str| EnvKey::new(k).map_err(|e| e.at(field));
    let (mut set, mut passed) = (Vec::new(), Vec::new());
    match p {
        Pairs::List(items) => {
            for i in items {
                match i.split_once('=') {
                    Some((k, v)) => set.push((key(k)?, interp(field, v)?)),
                    None => passed.push(key(i)?),
                }
            }
        }
        Pairs::Map(m) => {
            for (k, v) in &m.0 {
                match v {
                    Some(v) => set.push((key(k)?, interp(field, &v.to_string())?)),
                    None => passed.push(key(k)?),
                }
            }
        }
    }
    Ok((set, passed))
}

fn plain_pairs(field: &str, p: &Pairs) -> Result<Vec<(String, String)>> {
    pairs_raw(field, p)?
        .into_iter()
        .map(|(k, v)| Ok((plain(field, &k)?, plain(field, &v)?)))
        .collect()
}

fn import_service(key: &str, d: &ServiceDoc) -> Result<Service> {
    let name = ServiceName::new(key)?;
    let image = d.image.as_deref().map(Image::parse).transpose()?;
    let source = match (&d.build, image) {
        (Some(b), tag) => Source::Build(build(b)?, tag),
        (None, Some(i)) => Source::Image(i),
        (None, None) => {
            return Err(Error::invalid(
                "image",
                "",
                "a service needs `image` or `build`",
            ));
        }
    };
    let mut s = Service::builder().name(name).source(source).build();
    s.container_name = d
        .container_name
        .as_deref()
        .map(ContainerName::new)
        .transpose()?;
    s.entrypoint = d
        .entrypoint
        .as_ref()
        .map(|c| command("entrypoint", c))
        .transpose()?;
    s.command = d
        .command
        .as_ref()
        .map(|c| command("command", c))
        .transpose()?;
    s.user = d.user.as_deref().map(|u| plain("user", u)).transpose()?;
    s.working_dir = d
        .working_dir
        .as_deref()
        .map(|w| plain("working_dir", w))
        .transpose()?;
    s.env_file = d
        .env_file
        .as_ref()
        .map(|f| strings("env_file", f))
        .transpose()?
        .unwrap_or_default();
    (s.environment, s.env_passed) = d
        .environment
        .as_ref()
        .map(|e| env("environment", e))
        .transpose()?
        .unwrap_or_default();
    s.ports = d.ports.iter().map(port).collect::<Result<_>>()?;
    s.expose = d
        .expose
        .iter()
        .map(|e| PortRange::parse("expose", &e.to_string()))
        .collect::<Result<_>>()?;
    s.mounts = d.volumes.iter().map(mount).collect::<Result<_>>()?;
    if let Some(t) = &d.tmpfs {
        for target in strings("tmpfs", t)? {
            s.mounts.push(Mount::tmpfs(&target, None)?);
        }
    }
    s.networks = d
        .networks
        .as_ref()
        .map(networks)
        .transpose()?
        .unwrap_or_default();
    s.depends_on = d
        .depends_on
        .as_ref()
        .map(depends_on)
        .transpose()?
        .unwrap_or_default();
    s.network_mode = d
        .network_mode
        .as_deref()
        .map(|m| NetworkMode::parse(&plain("network_mode", m)?))
        .transpose()?;
    s.links = d.links.iter().map(|l| link(l)).collect::<Result<_>>()?;
    s.healthcheck = d.healthcheck.as_ref().map(healthcheck).transpose()?;
    s.restart = d.restart.as_deref().map(restart).transpose()?;
    s.deploy = d.deploy.as_ref().map(deploy).transpose()?;
    s.labels = d
        .labels
        .as_ref()
        .map(|l| plain_pairs("labels", l))
        .transpose()?
        .unwrap_or_default();
    s.logging = d
        .logging
        .as_ref()
        .map(|l| -> Result<Logging> {
            Ok(Logging {
                driver: plain("logging.driver", l.driver.as_deref().unwrap_or("json-file"))?,
                options: l
                    .options
                    .0
                    .iter()
                    .map(|(k, v)| {
                        Ok((
                            plain("logging.options", k)?,
                            plain("logging.options", &v.to_string())?,
                        ))
                    })
                    .collect::<Result<_>>()?,
            })
        })
        .transpose()?;
    s.profiles = d
        .profiles
        .iter()
        .map(|p| plain("profiles", p))
        .collect::<Result<_>>()?;
    s.extra_hosts = d
        .extra_hosts
        .iter()
        .map(|h| extra_host(h))
        .collect::<Result<_>>()?;
    s.read_only = d.read_only.unwrap_or(false);
    s.security_opt = d
        .security_opt
        .iter()
        .map(|o| plain("security_opt", o))
        .collect::<Result<_>>()?;
    s.cap_add = d
        .cap_add
        .iter()
        .map(|o| plain("cap_add", o))
        .collect::<Result<_>>()?;
    s.cap_drop = d
        .cap_drop
        .iter()
        .map(|o| plain("cap_drop", o))
        .collect::<Result<_>>()?;
    s.init = d.init;
    s.stop_grace_period = d
        .stop_grace_period
        .as_deref()
        .map(|g| parse_duration("stop_grace_period", g))
        .transpose()?;
    s.secrets = d
        .secrets
        .iter()
        .map(SecretName::new)
        .collect::<Result<_>>()?;
    s.configs = d.configs.iter().map(config_ref).collect::<Result<_>>()?;
    s.container = container(d)?;
    s.extensions = extensions(&format!("service `{key}`"), &d.extra)?;
    s.hardening = hardening(&mut s)?;
    Ok(s)
}

/// `service` or `service:alias`.
fn link(l: &str) -> Result<Link> {
    let l = plain("links", l)?;
    let (service, alias) = match l.split_once(':') {
        Some((s, a)) => (s, Some(a.to_owned())),
        None => (l.as_str(), None),
    };
    Ok(Link {
        service: ServiceName::new(service).map_err(|e| e.at("links"))?,
        alias,
    })
}

fn config_ref(c: &ConfigRefDoc) -> Result<ConfigMount> {
    Ok(match c {
        ConfigRefDoc::Short(name) => ConfigName::new(plain("configs", name)?)?.into(),
        ConfigRefDoc::Long {
            source,
            target,
            uid,
            gid,
            mode,
            rest,
        } => {
            refuse_unmodelled("configs", rest)?;
            let opt = |field: &str, v: &Option<Str>| {
                v.as_deref()
                    .map(|t| plain(&format!("configs.{field}"), t))
                    .transpose()
            };
            ConfigMount {
                source: ConfigName::new(plain("configs.source", source)?)?,
                target: opt("target", target)?,
                uid: opt("uid", uid)?,
                gid: opt("gid", gid)?,
                mode: mode.as_ref().map(file_mode).transpose()?,
            }
        }
    })
}

/// A file mode: an octal string (`"0440"`) or a number. A number is taken as decimal, as YAML
/// 1.2 reads it, which only some compose readers share: write modes as octal strings.
fn file_mode(m: &Scalar) -> Result<u32> {
    let bad = |why: &str| Error::invalid("configs.mode", &m.to_string(), why);
    let bits = match m {
        Scalar::Str(t) => {
            let t = t.as_str();
            let digits = t.strip_prefix("0o").unwrap_or(t);
            u32::from_str_radix(digits, 8)
                .map_err(|_| bad("expected octal permission bits (`\"0440\"`)"))?
        }
        Scalar::Int(n) => u32::try_from(*n).map_err(|_| bad("expected permission bits"))?,
        _ => return Err(bad("expected octal permission bits (`\"0440\"`)")),
    };
    if bits > 0o7777 {
        return Err(bad("permission bits go up to 07777"));
    }
    Ok(bits)
}

fn config(key: &str, d: &ConfigDoc) -> Result<Config> {
    let name = ConfigName::new(key)?;
    if d.external.is_some() || d.name.is_some() {
        let field = if d.external.is_some() {
            "external"
        } else {
            "name"
        };
        return Err(Error::invalid(
            format!("{key}.{field}"),
            key,
            "configs created outside the stack are not modelled yet: declare its `file`, `environment` or `content`",
        ));
    }
    let source = match (&d.file, &d.environment, &d.content) {
        (Some(f), None, None) => ConfigSource::File(plain("file", f)?),
        (None, Some(e), None) => ConfigSource::Environment(EnvKey::new(e.as_str())?),
        (None, None, Some(c)) => ConfigSource::Content(file_text("content", c)?),
        _ => {
            return Err(Error::invalid(
                "config",
                key,
                "a config needs exactly one of `file`, `environment` or `content`",
            ));
        }
    };
    Ok(Config { name, source })
}

fn pull_policy(p: &str) -> Result<PullPolicy> {
    match p {
        "always" => Ok(PullPolicy::Always),
        "never" => Ok(PullPolicy::Never),
        "missing" => Ok(PullPolicy::Missing),
        "build" => Ok(PullPolicy::Build),
        other => Err(Error::invalid(
            "pull_policy",
            other,
            "expected `always`, `never`, `missing` or `build` (stackdef does not model `if_not_present`, `daily`, `weekly` or `every_…` yet)",
        )),
    }
}

/// The container options of a service document (`hostname`, `ulimits`, `devices`, …).
fn container(d: &ServiceDoc) -> Result<ContainerOptions> {
    let text = |field: &str, v: &Option<Str>| v.as_deref().map(|v| plain(field, v)).transpose();
    Ok(ContainerOptions {
        hostname: text("hostname", &d.hostname)?,
        stop_signal: text("stop_signal", &d.stop_signal)?,
        platform: text("platform", &d.platform)?,
        runtime: text("runtime", &d.runtime)?,
        shm_size: d
            .shm_size
            .as_ref()
            .map(|s| ByteSize::parse("shm_size", &s.to_string()))
            .transpose()?,
        pids_limit: d.pids_limit,
        dns: match &d.dns {
            Some(v) => strings("dns", v)?
                .iter()
                .map(|ip| {
                    ip.parse()
                        .map_err(|_| Error::invalid("dns", ip, "a DNS server is an IP address"))
                })
                .collect::<Result<_>>()?,
            None => Vec::new(),
        },
        dns_search: d
            .dns_search
            .as_ref()
            .map(|v| strings("dns_search", v))
            .transpose()?
            .unwrap_or_default(),
        dns_opt: d
            .dns_opt
            .iter()
            .map(|o| plain("dns_opt", o))
            .collect::<Result<_>>()?,
        domainname: text("domainname", &d.domainname)?,
        group_add: d
            .group_add
            .iter()
            .map(|g| plain("group_add", &g.to_string()))
            .collect::<Result<_>>()?,
        oom_score_adj: d
            .oom_score_adj
            .map(|n| {
                i32::try_from(n)
                    .ok()
                    .filter(|n| (-1000..=1000).contains(n))
                    .ok_or_else(|| {
                        Error::invalid("oom_score_adj", &n.to_string(), "must be -1000 to 1000")
                    })
            })
            .transpose()?,
        mem_limit: d
            .mem_limit
            .as_ref()
            .map(|s| ByteSize::parse("mem_limit", &s.to_string()))
            .transpose()?,
        mem_reservation: d
            .mem_reservation
            .as_ref()
            .map(|s| ByteSize::parse("mem_reservation", &s.to_string()))
            .transpose()?,
        cpus: d
            .cpus
            .as_ref()
            .map(|c| Cpus::parse("cpus", &c.to_string()))
            .transpose()?,
        cpu_shares: d
            .cpu_shares
            .map(|n| {
                u32::try_from(n).map_err(|_| {
                    Error::invalid("cpu_shares", &n.to_string(), "must be a positive weight")
                })
            })
            .transpose()?,
        stdin_open: d.stdin_open.unwrap_or(false),
        tty: d.tty.unwrap_or(false),
        pull_policy: d.pull_policy.as_deref().map(pull_policy).transpose()?,
        sysctls: d
            .sysctls
            .as_ref()
            .map(|p| plain_pairs("sysctls", p))
            .transpose()?
            .unwrap_or_default(),
        ulimits: d
            .ulimits
            .0
            .iter()
            .map(|(k, u)| {
                let u = match *u {
                    UlimitDoc::Single(n) => Ulimit::Single(n),
                    UlimitDoc::Range { soft, hard } => Ulimit::Range { soft, hard },
                };
                Ok((plain("ulimits", k)?, u))
            })
            .collect::<Result<_>>()?,
        devices: d
            .devices
            .iter()
            .map(|dev| match dev {
                DeviceDoc::Short(s) => {
                    let parts: Vec<&str> = s.split(':').collect();
                    let (source, target, permissions) = match parts.as_slice() {
                        [src] => (*src, None, None),
                        [src, tgt] => (*src, Some(*tgt), None),
                        [src, tgt, perms] => (*src, Some(*tgt), Some(*perms)),
                        _ => {
                            return Err(Error::invalid(
                                "devices",
                                s,
                                "expected `host[:container[:permissions]]`",
                            ));
                        }
                    };
                    Ok(Device {
                        source: plain("devices", source)?,
                        target: target.map(|t| plain("devices", t)).transpose()?,
                        permissions: permissions.map(|p| plain("devices", p)).transpose()?,
                    })
                }
                DeviceDoc::Long {
                    source,
                    target,
                    permissions,
                } => Ok(Device {
                    source: plain("devices.source", source)?,
                    target: text("devices.target", target)?,
                    permissions: text("devices.permissions", permissions)?,
                }),
            })
            .collect::<Result<_>>()?,
    })
}

/// The hardening a service's compose entries express: `no-new-privileges:true` and `cap_drop:
/// [ALL]` are the locked defaults (taken out of the plain lists); without them, the opt-out's
/// reason comes from `x-stackdef-opt-outs` when stackdef wrote the file, else it says the file
/// did not lock the container, so that emitting keeps Docker's defaults as the file had them.
fn hardening(s: &mut Service) -> Result<Hardening> {
    const IMPORTED: &str = "as in the imported compose file";
    let mut h = Hardening::default();
    if let Some(i) = s
        .extensions
        .iter()
        .position(|(k, _)| k == Hardening::OPT_OUTS_KEY)
    {
        let (_, value) = s.extensions.remove(i);
        let ExtValue::Map(entries) = value else {
            return Err(Error::invalid(
                Hardening::OPT_OUTS_KEY,
                "…",
                "must map each opt-out to its reason",
            ));
        };
        for (k, v) in entries {
            let opt_out = OptOut::from_key(&k).ok_or_else(|| {
                Error::invalid(Hardening::OPT_OUTS_KEY, &k, "not an opt-out stackdef knows")
            })?;
            let ExtValue::Str(reason) = v else {
                return Err(Error::invalid(
                    Hardening::OPT_OUTS_KEY,
                    &k,
                    "a reason is a string",
                ));
            };
            *h.reason_mut(opt_out) = Some(reason);
        }
    }
    // the first two follow the file's own entries: locked where it has them (a reason beside
    // them does not unlock), else opted out with the recorded reason or the import's own
    let nnp = s
        .security_opt
        .iter()
        .position(|o| o == "no-new-privileges:true" || o == "no-new-privileges");
    let all = s
        .cap_drop
        .iter()
        .position(|c| c.eq_ignore_ascii_case("ALL"));
    for (found, list, opt_out) in [
        (nnp, &mut s.security_opt, OptOut::PrivilegeGain),
        (all, &mut s.cap_drop, OptOut::DefaultCapabilities),
    ] {
        let reason = h.reason_mut(opt_out);
        match found {
            Some(i) => {
                list.remove(i);
                *reason = None;
            }
            None => {
                reason.get_or_insert_with(|| IMPORTED.to_owned());
            }
        }
    }
    Ok(h)
}

/// Refuses the first key of a long-syntax entry that stackdef does not model, naming it:
/// leaving it out would write a file that means something else.
fn refuse_unmodelled(place: &str, rest: &Ordered<ExtValue>) -> Result<()> {
    match rest.0.first() {
        Some((key, _)) => Err(Error::invalid(
            format!("{place}.{key}"),
            key,
            "stackdef does not model this key yet; without it the entry would mean something else, so the file is refused",
        )),
        None => Ok(()),
    }
}

fn build(b: &BuildDoc) -> Result<Build> {
    Ok(match b {
        BuildDoc::Context(c) => Build::builder().context(plain("build.context", c)?).build(),
        BuildDoc::Long {
            context,
            dockerfile,
            target,
            args,
            rest,
        } => Build {
            context: {
                refuse_unmodelled("build", rest)?;
                plain("build.context", context)?
            },
            dockerfile: dockerfile
                .as_deref()
                .map(|d| plain("build.dockerfile", d))
                .transpose()?,
            target: target
                .as_deref()
                .map(|t| plain("build.target", t))
                .transpose()?,
            args: match args {
                Some(a) => pairs_raw("build.args", a)?
                    .into_iter()
                    .map(|(k, v)| Ok((plain("build.args", &k)?, interp("build.args", &v)?)))
                    .collect::<Result<_>>()?,
                None => Vec::new(),
            },
        },
    })
}

fn protocol(field: &str, p: &str) -> Result<Protocol> {
    match p {
        "tcp" => Ok(Protocol::Tcp),
        "udp" => Ok(Protocol::Udp),
        other => Err(Error::invalid(field, other, "expected `tcp` or `udp`")),
    }
}

fn port(p: &PortDoc) -> Result<PortMapping> {
    match p {
        PortDoc::Number(n) => {
            let target = PortRange::parse("ports", &n.to_string())?;
            Ok(PortMapping {
                host_ip: None,
                published: None,
                published_var: None,
                target,
                protocol: Protocol::Tcp,
            })
        }
        PortDoc::Short(s) => short_port(s),
        PortDoc::Long {
            target,
            published,
            host_ip,
            protocol: proto,
            mode,
            rest,
        } => {
            refuse_unmodelled("ports", rest)?;
            if mode
                .as_deref()
                .is_some_and(|m| m != "host" && m != "ingress")
            {
                return Err(Error::invalid(
                    "ports.mode",
                    mode.as_deref().unwrap_or(""),
                    "expected `host` or `ingress`",
                ));
            }
            let mut m = PortMapping {
                host_ip: host_ip
                    .as_deref()
                    .map(|ip| {
                        ip.parse()
                            .map_err(|_| Error::invalid("ports.host_ip", ip, "not an IP address"))
                    })
                    .transpose()?,
                published: None,
                published_var: None,
                target: PortRange::parse("ports.target", &target.to_string())?,
                protocol: Protocol::Tcp,
            };
            if let Some(p) = published {
                (m.published, m.published_var) = published_part("ports.published", &p.to_string())?;
            }
            if let Some(pr) = proto {
                m.protocol = protocol("ports.protocol", pr)?;
            }
            Ok(m)
        }
    }
}

/// A published port as the file writes it: a number or range, or a variable whose default is
/// one (`${HTTP_PORT:-8080}`; without a default the rules cannot check it).
fn published_part(field: &str, p: &str) -> Result<(Option<PortRange>, Option<Text>)> {
    if !p.contains('$') {
        return Ok((Some(PortRange::parse(field, p)?), None));
    }
    let text = interp(field, p)?;
    if let Some(lit) = text.as_literal() {
        return Ok((Some(PortRange::parse(field, &lit)?), None));
    }
    let default = match text.parts() {
        [Part::Var(_, Fallback::Default(d) | Fallback::DefaultIfUnset(d))] => {
            Some(PortRange::parse(field, d)?)
        }
        [Part::Var(_, _)] => None,
        _ => {
            return Err(Error::invalid(
                field,
                p,
                "a published port is a number, a range, or one variable (`${HTTP_PORT:-8080}`)",
            ));
        }
    };
    Ok((default, Some(text)))
}

/// Splits at `:` outside `${…}`.
fn split_colons(s: &str) -> Vec<&str> {
    let (mut parts, mut depth, mut start) = (Vec::new(), 0usize, 0);
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'$' if b.get(i + 1) == Some(&b'{') => {
                depth += 1;
                i += 1;
            }
            b'}' if depth > 0 => depth -= 1,
            b':' if depth == 0 => {
                parts.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    parts.push(&s[start..]);
    parts
}

fn short_port(s: &str) -> Result<PortMapping> {
    let (spec, proto) = match s.rsplit_once('/') {
        Some((spec, p)) if !p.contains('}') => (spec, protocol("ports", p)?),
        _ => (s, Protocol::Tcp),
    };
    if spec.contains('$') {
        // variables: only in the published part (`${HTTP_PORT:-8080}:80`, `127.0.0.1:${P}:80`)
        let parts = split_colons(spec);
        let (ip, published, target) = match parts.as_slice() {
            [p, t] => (None, *p, *t),
            [ip, p, t] => (Some(*ip), *p, *t),
            _ => {
                return Err(Error::invalid(
                    "ports",
                    s,
                    "expected `[host_ip:]published:target`",
                ));
            }
        };
        if ip.is_some_and(|ip| ip.contains('$')) || target.contains('$') {
            return Err(Error::invalid(
                "ports",
                s,
                "stackdef models a variable in the published port only, not in the host IP or the container port",
            ));
        }
        let host_ip = ip
            .map(|ip| {
                ip.trim_start_matches('[')
                    .trim_end_matches(']')
                    .parse::<IpAddr>()
                    .map_err(|_| Error::invalid("ports", s, "the host IP is not an IP address"))
            })
            .transpose()?;
        let (published, published_var) = published_part("ports", published)?;
        return Ok(PortMapping {
            host_ip,
            published,
            published_var,
            target: PortRange::parse("ports", target)?,
            protocol: proto,
        });
    }
    let (host_ip, rest) = if let Some(r) = spec.strip_prefix('[') {
        let (ip, r) = r
            .split_once("]:")
            .ok_or_else(|| Error::invalid("ports", s, "unclosed `[`"))?;
        (Some(ip), r)
    } else if spec.matches(':').count() == 2 {
        let (ip, r) = spec.split_once(':').unwrap_or((spec, ""));
        (Some(ip), r)
    } else {
        (None, spec)
    };
    let host_ip: Option<IpAddr> = host_ip
        .map(|ip| {
            ip.parse()
                .map_err(|_| Error::invalid("ports", s, "the host IP is not an IP address"))
        })
        .transpose()?;
    let (published, target) = match rest.split_once(':') {
        Some(("", t)) => (None, t),
        Some((p, t)) => (Some(PortRange::parse("ports", p)?), t),
        None => (None, rest),
    };
    let target = PortRange::parse("ports", target)?;
    let mut m = match published {
        Some(p) => PortMapping::range(p, target)?,
        None => PortMapping {
            host_ip: None,
            published: None,
            published_var: None,
            target,
            protocol: Protocol::Tcp,
        },
    };
    m.host_ip = host_ip;
    m.protocol = proto;
    Ok(m)
}

fn mount(m: &MountDoc) -> Result<Mount> {
    match m {
        MountDoc::Short(s) => {
            let parts: Vec<&str> = split_colons(s);
            let (source, target, mode) = match parts.as_slice() {
                [t] => return Mount::anonymous(&plain("volumes", t)?),
                [src, t] => (*src, *t, None),
                [src, t, mode] => (*src, *t, Some(*mode)),
                _ => {
                    return Err(Error::invalid(
                        "volumes",
                        s,
                        "expected `source:target[:mode]`",
                    ));
                }
            };
            let (mut read_only, mut selinux) = (false, None);
            for option in mode.iter().flat_map(|m| m.split(',')) {
                match option {
                    "rw" => {}
                    "ro" => read_only = true,
                    "z" => selinux = Some(Selinux::Shared),
                    "Z" => selinux = Some(Selinux::Private),
                    other => {
                        return Err(Error::invalid(
                            "volumes",
                            other,
                            "expected the mode `ro`, `rw`, `z` or `Z` (stackdef does not model `cached`, `delegated`, `nocopy` or propagation modes)",
                        ));
                    }
                }
            }
            let target = plain("volumes", target)?;
            // a source read from a variable is a host path (`${DATA_DIR}/db`)
            let m = if source.starts_with("${") {
                Mount::bind_var(interp("volumes", source)?, &target)?
            } else if source.starts_with(['.', '/', '~']) {
                Mount::bind(&plain("volumes", source)?, &target)?
            } else if selinux.is_some() {
                return Err(Error::invalid(
                    "volumes",
                    s,
                    "SELinux relabelling (`z`, `Z`) applies to bind mounts",
                ));
            } else {
                Mount::volume(VolumeName::new(source)?, &target)?
            };
            let m = match selinux {
                Some(how) => m.relabel(how),
                None => m,
            };
            Ok(if read_only { m.read_only() } else { m })
        }
        MountDoc::Long {
            kind,
            source,
            target,
            read_only,
            tmpfs,
            bind,
            rest,
        } => {
            let unmodelled = rest
                .0
                .iter()
                .map(|(k, _)| k.clone())
                .chain(
                    bind.iter()
                        .flat_map(|b| b.rest.0.iter().map(|(k, _)| format!("bind.{k}"))),
                )
                .next();
            if let Some(key) = unmodelled {
                return Err(Error::invalid(
                    format!("volumes.{key}"),
                    target.as_str(),
                    "stackdef does not model this mount option; without it the mount would mean something else, so the file is refused",
                ));
            }
            let target = plain("volumes.target", target)?;
            let m = match (kind.as_str(), source) {
                ("volume", Some(src)) => Mount::volume(VolumeName::new(src.as_str())?, &target)?,
                ("volume", None) => Mount::anonymous(&target)?,
                // the long syntax does not create a missing host path unless asked to
                ("bind", Some(src)) => {
                    let m = if src.contains('$') {
                        Mount::bind_var(interp("volumes.source", src)?, &target)?
                    } else {
                        Mount::bind(&plain("volumes.source", src)?, &target)?
                    };
                    let m = match bind.as_ref().and_then(|b| b.create_host_path) {
                        Some(true) => m,
                        _ => m.must_exist(),
                    };
                    match bind.as_ref().and_then(|b| b.selinux.as_deref()) {
                        None => m,
                        Some("z") => m.relabel(Selinux::Shared),
                        Some("Z") => m.relabel(Selinux::Private),
                        Some(other) => {
                            return Err(Error::invalid(
                                "volumes.bind.selinux",
                                other,
                                "expected `z` or `Z`",
                            ));
                        }
                    }
                }
                ("tmpfs", None) => {
                    let size = tmpfs.as_ref().and_then(|t| t.size.as_ref());
                    let size = size
                        .map(|s| ByteSize::parse("volumes.tmpfs.size", &s.to_string()))
                        .transpose()?;
                    Mount::tmpfs(&target, size)?
                }
                (other, _) => {
                    return Err(Error::invalid(
                        "volumes.type",
                        other,
                        "expected `volume`, `bind` (with a source) or `tmpfs` (without)",
                    ));
                }
            };
            Ok(if read_only.unwrap_or(false) {
                m.read_only()
            } else {
                m
            })
        }
    }
}

/// An address of one family (`ipv4_address`, `ipv6_address`).
fn ip<T: std::str::FromStr>(field: &str, a: Option<&Str>) -> Result<Option<T>> {
    a.map(|a| {
        a.parse()
            .map_err(|_| Error::invalid(field, a, "not an IP address of that family"))
    })
    .transpose()
}

fn networks(n: &NetworksDoc) -> Result<Vec<ServiceNetwork>> {
    match n {
        NetworksDoc::List(names) => names
            .iter()
            .map(|n| Ok(NetworkName::new(n.as_str())?.into()))
            .collect(),
        NetworksDoc::Map(m) => {
            m.0.iter()
                .map(|(k, v)| {
                    let doc = v.as_ref();
                    Ok(ServiceNetwork {
                        network: NetworkName::new(k.as_str())?,
                        ipv4_address: ip(
                            "networks.ipv4_address",
                            doc.and_then(|d| d.ipv4_address.as_ref()),
                        )?,
                        ipv6_address: ip(
                            "networks.ipv6_address",
                            doc.and_then(|d| d.ipv6_address.as_ref()),
                        )?,
                        aliases: v
                            .as_ref()
                            .map(|v| {
                                v.aliases
                                    .iter()
                                    .map(|a| plain("networks.aliases", a))
                                    .collect::<Result<_>>()
                            })
                            .transpose()?
                            .unwrap_or_default(),
                    })
                })
                .collect()
        }
    }
}

fn depends_on(d: &DependsDoc) -> Result<Vec<DependsOn>> {
    match d {
        DependsDoc::List(names) => names.iter().map(|n| Ok(DependsOn::started(ServiceName::new(n.as_str())?))).collect(),
        DependsDoc::Map(m) => m.0.iter().map(|(k, v)| {
            let condition = match v.condition.as_deref() {
                None | Some("service_started") => Condition::Started,
                Some("service_healthy") => Condition::Healthy,
                Some("service_completed_successfully") => Condition::CompletedSuccessfully,
                Some(other) => return Err(Error::invalid("depends_on.condition", other, "expected `service_started`, `service_healthy` or `service_completed_successfully`")),
            };
            Ok(DependsOn {
                service: ServiceName::new(k.as_str())?,
                condition,
                restart: v.restart.unwrap_or(false),
                required: v.required.unwrap_or(true),
            })
        }).collect(),
    }
}

fn healthcheck(h: &HealthDoc) -> Result<Healthcheck> {
    let field = "healthcheck.test";
    let test = match (&h.test, h.disable) {
        (_, Some(true)) => HealthTest::Disabled,
        // timing only: the image's own test runs with it
        (None, _) => HealthTest::Image,
        (Some(OneOrMany::One(s)), _) => HealthTest::Shell(interp(field, s)?),
        (Some(OneOrMany::Many(items)), _) => match items.split_first() {
            Some((first, [])) if first == "NONE" => HealthTest::Disabled,
            Some((first, args)) if first == "CMD" => HealthTest::Exec(
                args.iter()
                    .map(|a| interp(field, a))
                    .collect::<Result<_>>()?,
            ),
            Some((first, [cmd])) if first == "CMD-SHELL" => HealthTest::Shell(interp(field, cmd)?),
            _ => {
                return Err(Error::invalid(
                    field,
                    &items.join(" "),
                    "expected `[CMD, …]`, `[CMD-SHELL, cmd]` or `[NONE]`",
                ));
            }
        },
    };
    let d = |f: &str, v: &Option<Str>| v.as_deref().map(|v| parse_duration(f, v)).transpose();
    Ok(Healthcheck {
        test,
        interval: d("healthcheck.interval", &h.interval)?,
        timeout: d("healthcheck.timeout", &h.timeout)?,
        retries: h
            .retries
            .as_ref()
            .map(|r| {
                r.to_string().parse().map_err(|_| {
                    Error::invalid(
                        "healthcheck.retries",
                        &r.to_string(),
                        "expected a whole number",
                    )
                })
            })
            .transpose()?,
        start_period: d("healthcheck.start_period", &h.start_period)?,
        start_interval: d("healthcheck.start_interval", &h.start_interval)?,
    })
}

fn restart(r: &str) -> Result<Restart> {
    Ok(match r {
        "no" => Restart::No,
        "always" => Restart::Always,
        "on-failure" => Restart::OnFailure(None),
        "unless-stopped" => Restart::UnlessStopped,
        other => match other
            .strip_prefix("on-failure:")
            .and_then(|n| n.parse().ok())
        {
            Some(n) => Restart::OnFailure(Some(n)),
            None => {
                return Err(Error::invalid(
                    "restart",
                    other,
                    "expected `no`, `always`, `on-failure[:N]` or `unless-stopped`",
                ));
            }
        },
    })
}

fn resources(field: &str, r: &ResourcesDoc) -> Result<Resources> {
    Ok(Resources {
        cpus: r
            .cpus
            .as_ref()
            .map(|c| Cpus::parse(field, &c.to_string()))
            .transpose()?,
        memory: r
            .memory
            .as_ref()
            .map(|m| ByteSize::parse(field, &m.to_string()))
            .transpose()?,
    })
}

fn deploy(d: &DeployDoc) -> Result<Deploy> {
    let set = d.resources.clone().unwrap_or_default();
    Ok(Deploy {
        replicas: d.replicas,
        limits: set
            .limits
            .as_ref()
            .map(|r| resources("deploy.resources.limits", r))
            .transpose()?,
        reservations: set
            .reservations
            .as_ref()
            .map(|r| resources("deploy.resources.reservations", r))
            .transpose()?,
    })
}

fn extra_host(h: &str) -> Result<(String, IpAddr)> {
    let bad = || Error::invalid("extra_hosts", h, "expected `host:ip`");
    let (host, ip) = h.split_once([':', '=']).ok_or_else(bad)?;
    let ip = ip.trim_start_matches('[').trim_end_matches(']');
    Ok((plain("extra_hosts", host)?, ip.parse().map_err(|_| bad())?))
}

fn network(key: &str, d: &Option<NetworkDoc>) -> Result<Network> {
    let d = d.clone().unwrap_or_default();
    let subnet = match d.ipam.as_ref().map(|i| i.config.as_slice()) {
        None | Some([]) => None,
        Some([one]) => Some(Subnet::parse(&one.subnet)?),
        Some(_) => {
            return Err(Error::invalid(
                "ipam.config",
                key,
                "one subnet per network is supported",
            ));
        }
    };
    if d.ipam.as_ref().is_some_and(|i| i.driver.is_some()) {
        return Err(Error::invalid(
            "ipam.driver",
            key,
            "custom IPAM drivers are not modelled",
        ));
    }
    Ok(Network {
        name: NetworkName::new(key)?,
        driver: d
            .driver
            .as_deref()
            .map(|v| plain("driver", v))
            .transpose()?,
        internal: d.internal.unwrap_or(false),
        external: d.external.unwrap_or(false),
        real_name: d.name.as_deref().map(|v| plain("name", v)).transpose()?,
        subnet,
    })
}

fn volume(key: &str, d: &Option<VolumeDoc>) -> Result<Volume> {
    let d = d.clone().unwrap_or_default();
    Ok(Volume {
        name: VolumeName::new(key)?,
        driver: d
            .driver
            .as_deref()
            .map(|v| plain("driver", v))
            .transpose()?,
        driver_opts: d
            .driver_opts
            .0
            .iter()
            .map(|(k, v)| {
                Ok((
                    plain("driver_opts", k)?,
                    plain("driver_opts", &v.to_string())?,
                ))
            })
            .collect::<Result<_>>()?,
        external: d.external.unwrap_or(false),
        real_name: d.name.as_deref().map(|v| plain("name", v)).transpose()?,
        size: None,
    })
}

fn secret(key: &str, d: &SecretDoc) -> Result<Secret> {
    let source = match (&d.file, &d.environment) {
        (Some(f), None) => SecretSource::File(plain("file", f)?),
        (None, Some(e)) => SecretSource::Environment(EnvKey::new(e.as_str())?),
        _ => {
            return Err(Error::invalid(
                "secret",
                key,
                "a secret needs exactly one of `file` or `environment`",
            ));
        }
    };
    Ok(Secret {
        name: SecretName::new(key)?,
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interpolation_forms() {
        let t = interp("f", "a$$b ${X:-d} ${Y:?need Y} $Z ${W}").unwrap();
        assert_eq!(t.to_string(), "a$$b ${X:-d} ${Y:?need Y} ${Z} ${W}");
        assert!(interp("f", "${X").is_err());
        assert!(interp("f", "cost $").is_err());
        assert!(interp("f", "${X/y}").is_err());
    }

    #[test]
    fn short_ports() {
        let p = short_port("127.0.0.1:8000:8000/tcp").unwrap();
        assert_eq!(p.host_ip, Some("127.0.0.1".parse().unwrap()));
        let p = short_port("[::1]:53:53/udp").unwrap();
        assert_eq!(p.protocol, Protocol::Udp);
        assert!(short_port("0:80").is_err());
        assert!(short_port("80/sctp").is_err());
        assert!(short_port("1.2.3:80:80").is_err());
    }
}
