//! The compose emitter: model → compose serde types → YAML (reading is `crate::import`).

pub(crate) mod doc;

use std::time::Duration;

use doc::{
    BindOpts, BuildDoc, ConfigDoc, ConfigRefDoc, DependDoc, DependsDoc, DeployDoc, DeviceDoc, File,
    HealthDoc, IpamDoc, LoggingDoc, MountDoc, NetworkDoc, NetworksDoc, OneOrMany, Ordered, Pairs,
    PortDoc, ResourceSetDoc, ResourcesDoc, Scalar, SecretDoc, ServiceDoc, ServiceNetworkDoc,
    SubnetDoc, TmpfsOpts, UlimitDoc, VolumeDoc,
};

use crate::check::Valid;
use crate::emit::yaml::{self, Str};
use crate::error::{Error, Result};
use crate::model::{
    Build, Command, Config, ConfigMount, ConfigSource, DependsOn, Deploy, ExtValue, Hardening,
    HealthTest, Healthcheck, Mount, Network, OptOut, PortMapping, Resources, Restart, Secret,
    SecretSource, Service, Source, Stack, Ulimit, Volume, format_duration,
};

/// Which compose implementation the file is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum ComposeTarget {
    /// The compose specification as read by `docker compose` (v2): the project `name:` is written.
    #[default]
    Spec,
    /// docker-compose 1.29 (Debian 12's `docker-compose`): no `name:` key (set the project with
    /// `-p`), and fields that 1.29 does not know are refused with an error instead of written.
    DockerCompose1,
}

/// How to write a compose file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct ComposeOptions {
    /// The compose implementation the file is for.
    pub target: ComposeTarget,
}

/// Writes a checked stack as a compose file for the compose specification.
pub fn to_yaml(stack: &Valid<'_>) -> Result<String> {
    to_yaml_with(stack, ComposeOptions::default())
}

/// A `.compose-lint.yml` beside the compose file: each hardening opt-out of a service excludes
/// that service from the compose-lint rule it explains ([`OptOut::lint_rule`]), with its
/// reason, so that compose-lint's own runs agree with the stack: every finding left is one no
/// opt-out explains.
pub fn lint_config(stack: &Valid<'_>) -> Result<String> {
    let mut rules = Vec::new();
    for opt_out in OptOut::ALL {
        let services: Vec<(String, Str)> = stack
            .services
            .iter()
            .filter_map(|s| {
                let reason = s.hardening.reason(opt_out)?;
                Some((s.name.to_string(), Str(reason.to_owned())))
            })
            .collect();
        if !services.is_empty() {
            let excluded = Ordered(vec![("exclude_services".to_owned(), Ordered(services))]);
            rules.push((opt_out.lint_rule().to_owned(), excluded));
        }
    }
    let head = format!(
        "{}\n# compose-lint's exclusions: the stack's hardening opt-outs and their reasons.\n",
        super::header(stack)
    );
    yaml::to_string_after(head, &Ordered(vec![("rules".to_owned(), Ordered(rules))]))
}

/// Writes a checked stack as a compose file with `options`.
pub fn to_yaml_with(stack: &Valid<'_>, options: ComposeOptions) -> Result<String> {
    let emitter = Emitter { options };
    let file = emitter.file(stack)?;
    // a service takes about 400 bytes: one allocation instead of a doubling series of copies
    let mut head = String::with_capacity(1024 + 512 * stack.services.len());
    head.push_str(&super::header(stack));
    head.push('\n');
    let written = yaml::to_string_after(head, &file);
    match file.services.failed.into_inner() {
        Some(e) => Err(e),
        None => written,
    }
}

/// The `services:` mapping as it is written: each service's document is built while it is
/// written and dropped after, so the whole document never exists as one tree.
struct ServicesOut<'a> {
    emitter: &'a Emitter,
    stack: &'a Stack,
    /// The typed error of a service that could not be built (the serializer's error is text).
    failed: std::cell::RefCell<Option<Error>>,
}

impl serde::Serialize for ServicesOut<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::{Error as _, SerializeMap};
        let mut map = s.serialize_map(Some(self.stack.services.len()))?;
        for service in &self.stack.services {
            match self.emitter.service(service) {
                Ok(doc) => map.serialize_entry(service.name.as_str(), &doc)?,
                Err(e) => {
                    let message = e.to_string();
                    *self.failed.borrow_mut() = Some(e);
                    return Err(S::Error::custom(message));
                }
            }
        }
        map.end()
    }
}

struct Emitter {
    options: ComposeOptions,
}

fn esc(s: &str) -> Str {
    Str(s.replace('$', "$$"))
}

fn str(s: impl ToString) -> Str {
    Str(s.to_string())
}

/// A duration in compose syntax; `field` names it in an error (built only then).
fn dur(field: impl Fn() -> String, d: Option<Duration>) -> Result<Option<Str>> {
    d.map(|d| format_duration(&field(), d).map(Str)).transpose()
}

/// The `x-*` fields of the stack or a service (their keys are checked by `validate()`).
/// Compose interpolates `x-` values too, so a literal `$` is written `$$`.
fn ext(fields: &[(String, ExtValue)]) -> Ordered<ExtValue> {
    let dollars = |s: &str| s.replace('$', "$$");
    Ordered(
        fields
            .iter()
            .map(|(k, v)| (k.clone(), v.map_strings(&dollars)))
            .collect(),
    )
}

/// A hardening entry first (when locked), then the service's own entries.
fn locked(lock: bool, entry: &str, own: &[String]) -> Vec<Str> {
    lock.then(|| Str(entry.to_owned()))
        .into_iter()
        .chain(own.iter().map(|o| esc(o)))
        .collect()
}

/// The service's `x-` fields, then its hardening opt-outs with their reasons.
fn with_opt_outs(s: &Service) -> Vec<(String, ExtValue)> {
    let mut fields = s.extensions.clone();
    let reasons: Vec<(String, ExtValue)> = s
        .hardening
        .opt_outs()
        .map(|(o, r)| (o.key().to_owned(), ExtValue::Str(r.to_owned())))
        .collect();
    if !reasons.is_empty() {
        fields.push((Hardening::OPT_OUTS_KEY.to_owned(), ExtValue::Map(reasons)));
    }
    fields
}

/// A list field, left out when empty.
fn list(items: impl Iterator<Item = Str>) -> Option<OneOrMany> {
    let items: Vec<Str> = items.collect();
    (!items.is_empty()).then_some(OneOrMany::Many(items))
}

fn pairs(items: &[(String, String)]) -> Option<Pairs> {
    (!items.is_empty()).then(|| {
        Pairs::List(
            items
                .iter()
                .map(|(k, v)| Str(format!("{}={}", esc(k), esc(v))))
                .collect(),
        )
    })
}

impl Emitter {
    fn file<'a>(&'a self, stack: &'a Stack) -> Result<File<ServicesOut<'a>>> {
        let secrets = stack
            .secrets
            .iter()
            .map(|s| Ok((s.name.to_string(), self.secret(s)?)))
            .collect::<Result<Vec<_>>>()?;
        let configs = stack
            .configs
            .iter()
            .map(|c| Ok((c.name.to_string(), self.config(c)?)))
            .collect::<Result<Vec<_>>>()?;
        Ok(File {
            name: match self.options.target {
                ComposeTarget::Spec => Some(str(&stack.name)),
                ComposeTarget::DockerCompose1 => None,
            },
            version: None,
            services: ServicesOut {
                emitter: self,
                stack,
                failed: std::cell::RefCell::new(None),
            },
            networks: Ordered(stack.networks.iter().map(network).collect()),
            volumes: Ordered(stack.volumes.iter().map(volume).collect()),
            secrets: Ordered(secrets),
            configs: Ordered(configs),
            extra: ext(&stack.extensions),
        })
    }

    /// Refuses a field the target compose does not know.
    fn newer_only(&self, service: &Service, field: &str, value: &str) -> Result<()> {
        match self.options.target {
            ComposeTarget::Spec => Ok(()),
            ComposeTarget::DockerCompose1 => Err(Error::invalid(
                format!("services.{}.{field}", service.name),
                value,
                "docker-compose 1.29 does not support this field; emit for ComposeTarget::Spec",
            )),
        }
    }

    fn service(&self, s: &Service) -> Result<ServiceDoc> {
        let (image, build) = match &s.source {
            Source::Image(i) => (Some(str(i)), None),
            Source::Build(b, tag) => (tag.as_ref().map(str), Some(build_doc(b))),
        };
        let at = |field: &str| format!("services.{}.{field}", s.name);
        Ok(ServiceDoc {
            image,
            build,
            container_name: s.container_name.as_ref().map(str),
            entrypoint: s.entrypoint.as_ref().map(command),
            command: s.command.as_ref().map(command),
            user: s.user.as_deref().map(esc),
            working_dir: s.working_dir.as_deref().map(esc),
            env_file: match s.env_file.as_slice() {
                [] => None,
                files => Some(OneOrMany::Many(files.iter().map(|f| esc(f)).collect())),
            },
            environment: (!s.environment.is_empty() || !s.env_passed.is_empty()).then(|| {
                Pairs::List(
                    s.environment
                        .iter()
                        .map(|(k, v)| Str(format!("{k}={v}")))
                        .chain(s.env_passed.iter().map(|k| Str(k.to_string())))
                        .collect(),
                )
            }),
            ports: s.ports.iter().map(port).collect(),
            expose: s.expose.iter().map(|p| Scalar::Str(str(p))).collect(),
            volumes: s.mounts.iter().map(mount).collect(),
            tmpfs: None,
            networks: networks(s),
            network_mode: s.network_mode.as_ref().map(|m| esc(&m.to_string())),
            depends_on: self.depends_on(s)?,
            links: s
                .links
                .iter()
                .map(|l| match &l.alias {
                    Some(a) => Str(format!("{}:{}", l.service, esc(a))),
                    None => str(&l.service),
                })
                .collect(),
            healthcheck: match &s.healthcheck {
                Some(h) => Some(self.healthcheck(s, h)?),
                None => None,
            },
            restart: s.restart.map(restart_word),
            deploy: s.deploy.as_ref().map(deploy),
            labels: pairs(&s.labels),
            logging: s.logging.as_ref().map(|l| LoggingDoc {
                driver: Some(esc(&l.driver)),
                options: Ordered(
                    l.options
                        .iter()
                        .map(|(k, v)| (esc(k).0, Scalar::Str(esc(v))))
                        .collect(),
                ),
            }),
            profiles: s.profiles.iter().map(|p| esc(p)).collect(),
            extra_hosts: s
                .extra_hosts
                .iter()
                .map(|(h, ip)| Str(format!("{}:{ip}", esc(h))))
                .collect(),
            read_only: s.read_only.then_some(true),
            security_opt: locked(
                s.hardening.allow_privilege_gain.is_none(),
                "no-new-privileges:true",
                &s.security_opt,
            ),
            cap_add: s.cap_add.iter().map(|c| esc(c)).collect(),
            cap_drop: locked(
                s.hardening.keep_default_capabilities.is_none(),
                "ALL",
                &s.cap_drop,
            ),
            init: s.init,
            hostname: s.container.hostname.as_deref().map(esc),
            stop_signal: s.container.stop_signal.as_deref().map(esc),
            platform: s.container.platform.as_deref().map(esc),
            shm_size: s
                .container
                .shm_size
                .map(|b| Scalar::Str(Str(b.to_string()))),
            runtime: s.container.runtime.as_deref().map(esc),
            pids_limit: s.container.pids_limit,
            stdin_open: s.container.stdin_open.then_some(true),
            tty: s.container.tty.then_some(true),
            pull_policy: s.container.pull_policy.map(|p| Str(p.as_str().to_owned())),
            sysctls: (!s.container.sysctls.is_empty()).then(|| {
                Pairs::Map(Ordered(
                    s.container
                        .sysctls
                        .iter()
                        .map(|(k, v)| (esc(k).0, Some(Scalar::Str(esc(v)))))
                        .collect(),
                ))
            }),
            ulimits: Ordered(
                s.container
                    .ulimits
                    .iter()
                    .map(|(k, u)| {
                        let doc = match *u {
                            Ulimit::Single(n) => UlimitDoc::Single(n),
                            Ulimit::Range { soft, hard } => UlimitDoc::Range { soft, hard },
                        };
                        (esc(k).0, doc)
                    })
                    .collect(),
            ),
            devices: s
                .container
                .devices
                .iter()
                .map(|d| {
                    let mut short = esc(&d.source).0;
                    if d.target.is_some() || d.permissions.is_some() {
                        short.push(':');
                        short.push_str(&esc(d.target.as_deref().unwrap_or(&d.source)).0);
                    }
                    if let Some(p) = &d.permissions {
                        short.push(':');
                        short.push_str(&esc(p).0);
                    }
                    DeviceDoc::Short(Str(short))
                })
                .collect(),
            dns: list(s.container.dns.iter().map(|ip| Str(ip.to_string()))),
            dns_search: list(s.container.dns_search.iter().map(|d| esc(d))),
            dns_opt: s.container.dns_opt.iter().map(|o| esc(o)).collect(),
            domainname: s.container.domainname.as_deref().map(esc),
            group_add: s
                .container
                .group_add
                .iter()
                .map(|g| Scalar::Str(esc(g)))
                .collect(),
            oom_score_adj: s.container.oom_score_adj.map(i64::from),
            mem_limit: s
                .container
                .mem_limit
                .map(|b| Scalar::Str(Str(b.to_string()))),
            mem_reservation: s
                .container
                .mem_reservation
                .map(|b| Scalar::Str(Str(b.to_string()))),
            cpus: s.container.cpus.map(|c| Scalar::Str(Str(c.to_string()))),
            cpu_shares: s.container.cpu_shares.map(i64::from),
            stop_grace_period: dur(|| at("stop_grace_period"), s.stop_grace_period)?,
            secrets: s.secrets.iter().map(str).collect(),
            configs: s.configs.iter().map(config_ref).collect(),
            extra: ext(&with_opt_outs(s)),
        })
    }

    fn depends_on(&self, s: &Service) -> Result<Option<DependsDoc>> {
        if s.depends_on.is_empty() {
            return Ok(None);
        }
        let mut entries = Vec::new();
        for DependsOn {
            service,
            condition,
            restart,
            required,
        } in &s.depends_on
        {
            if *restart {
                self.newer_only(s, &format!("depends_on.{service}.restart"), "true")?;
            }
            let doc = DependDoc {
                condition: Some(condition.as_str().into()),
                restart: restart.then_some(true),
                required: (!required).then_some(false),
            };
            entries.push((service.to_string(), doc));
        }
        Ok(Some(DependsDoc::Map(Ordered(entries))))
    }

    fn healthcheck(&self, s: &Service, h: &Healthcheck) -> Result<HealthDoc> {
        let at = |field: &str| format!("services.{}.healthcheck.{field}", s.name);
        let test = match &h.test {
            HealthTest::Exec(args) => std::iter::once(Str::from("CMD"))
                .chain(args.iter().map(str))
                .collect(),
            HealthTest::Shell(cmd) => vec!["CMD-SHELL".into(), str(cmd)],
            HealthTest::Disabled => vec!["NONE".into()],
            HealthTest::Image => Vec::new(),
        };
        if let Some(d) = h.start_interval {
            self.newer_only(s, "healthcheck.start_interval", &format!("{d:?}"))?;
        }
        Ok(HealthDoc {
            test: (!test.is_empty()).then_some(OneOrMany::Many(test)),
            interval: dur(|| at("interval"), h.interval)?,
            timeout: dur(|| at("timeout"), h.timeout)?,
            retries: h.retries.map(|r| Scalar::Int(r.into())),
            start_period: dur(|| at("start_period"), h.start_period)?,
            start_interval: dur(|| at("start_interval"), h.start_interval)?,
            disable: None,
        })
    }

    fn secret(&self, s: &Secret) -> Result<SecretDoc> {
        Ok(match &s.source {
            SecretSource::File(path) => SecretDoc {
                file: Some(esc(path)),
                environment: None,
            },
            SecretSource::Environment(var) => {
                if self.options.target == ComposeTarget::DockerCompose1 {
                    return Err(Error::invalid(
                        format!("secrets.{}.environment", s.name),
                        var.as_str(),
                        "docker-compose 1.29 reads secrets from files only",
                    ));
                }
                SecretDoc {
                    file: None,
                    environment: Some(str(var)),
                }
            }
        })
    }
}

fn config_ref(m: &ConfigMount) -> ConfigRefDoc {
    if !m.has_options() {
        return ConfigRefDoc::Short(str(&m.source));
    }
    ConfigRefDoc::Long {
        source: str(&m.source),
        target: m.target.as_deref().map(esc),
        uid: m.uid.as_deref().map(esc),
        gid: m.gid.as_deref().map(esc),
        // octal in a string: YAML readers disagree on what `0440` means as a number
        mode: m.mode.map(|b| Scalar::Str(Str(format!("0{b:o}")))),
        rest: Ordered::default(),
    }
}

impl Emitter {
    fn config(&self, c: &Config) -> Result<ConfigDoc> {
        let mut doc = ConfigDoc::default();
        let newer = |key: &str| match self.options.target {
            ComposeTarget::Spec => Ok(()),
            ComposeTarget::DockerCompose1 => Err(Error::invalid(
                format!("configs.{}.{key}", c.name),
                c.name.as_str(),
                "docker-compose 1.29 reads configs from files only",
            )),
        };
        match &c.source {
            ConfigSource::File(path) => doc.file = Some(esc(path)),
            ConfigSource::Environment(var) => {
                newer("environment")?;
                doc.environment = Some(str(var));
            }
            ConfigSource::Content(text) => {
                newer("content")?;
                doc.content = Some(esc(text));
            }
        }
        Ok(doc)
    }
}

fn build_doc(b: &Build) -> BuildDoc {
    if b.dockerfile.is_none() && b.target.is_none() && b.args.is_empty() {
        return BuildDoc::Context(esc(&b.context));
    }
    BuildDoc::Long {
        context: esc(&b.context),
        dockerfile: b.dockerfile.as_deref().map(esc),
        target: b.target.as_deref().map(esc),
        args: (!b.args.is_empty()).then(|| {
            Pairs::List(
                b.args
                    .iter()
                    .map(|(k, v)| Str(format!("{}={v}", esc(k))))
                    .collect(),
            )
        }),
        rest: Ordered::default(),
    }
}

fn command(c: &Command) -> OneOrMany {
    match c {
        Command::Exec(args) => OneOrMany::Many(args.iter().map(str).collect()),
        // compose splits a string into words without a shell: the shell is run explicitly
        Command::Shell(s) => OneOrMany::Many(vec!["/bin/sh".into(), "-c".into(), str(s)]),
    }
}

/// Short syntax, always with the protocol: `8080:80/tcp` can never be read as a number.
fn port(p: &PortMapping) -> PortDoc {
    let mut s = String::new();
    match p.host_ip {
        Some(std::net::IpAddr::V6(ip)) => s.push_str(&format!("[{ip}]:")),
        Some(ip) => s.push_str(&format!("{ip}:")),
        None => {}
    }
    if let Some(var) = &p.published_var {
        s.push_str(&format!("{var}:"));
    } else if let Some(published) = p.published {
        s.push_str(&format!("{published}:"));
    } else if p.host_ip.is_some() {
        s.push(':');
    }
    s.push_str(&format!("{}/{}", p.target, p.protocol.as_str()));
    PortDoc::Short(Str(s))
}

/// Short syntax where it is unambiguous; long syntax for tmpfs and paths holding `:` or `,`.
fn mount(m: &Mount) -> MountDoc {
    let ambiguous = |p: &str| p.contains([':', ',']);
    let ro = |read_only: bool| if read_only { ":ro" } else { "" };
    match m {
        Mount::Volume {
            source,
            target,
            read_only,
        } if !ambiguous(target) => {
            MountDoc::Short(Str(format!("{source}:{}{}", esc(target), ro(*read_only))))
        }
        // the short syntax creates a missing host path: only for binds that ask for it
        Mount::Bind {
            source,
            target,
            read_only,
            create_host_path: true,
            selinux,
            source_var,
        } if !ambiguous(source) && !ambiguous(target) => {
            let source = match source_var {
                Some(t) => t.to_string(),
                None => esc(source).0,
            };
            let mode = match (*read_only, selinux) {
                (false, None) => String::new(),
                (true, None) => ":ro".into(),
                (false, Some(z)) => format!(":{}", z.as_str()),
                (true, Some(z)) => format!(":ro,{}", z.as_str()),
            };
            MountDoc::Short(Str(format!("{source}:{}{mode}", esc(target))))
        }
        Mount::Anonymous { target } if !ambiguous(target) => MountDoc::Short(esc(target)),
        Mount::Volume {
            source,
            target,
            read_only,
        } => long_mount("volume", Some(str(source)), target, *read_only, None),
        Mount::Bind {
            source,
            target,
            read_only,
            create_host_path,
            selinux,
            source_var,
        } => {
            let source = match source_var {
                Some(t) => Str(t.to_string()),
                None => esc(source),
            };
            let mut doc = long_mount("bind", Some(source), target, *read_only, None);
            if let MountDoc::Long { bind, .. } = &mut doc
                && (*create_host_path || selinux.is_some())
            {
                *bind = Some(BindOpts {
                    create_host_path: create_host_path.then_some(true),
                    selinux: selinux.map(|z| Str(z.as_str().to_owned())),
                    rest: Ordered::default(),
                });
            }
            doc
        }
        Mount::Anonymous { target } => long_mount("volume", None, target, false, None),
        Mount::Tmpfs { target, size } => long_mount(
            "tmpfs",
            None,
            target,
            false,
            size.map(|s| TmpfsOpts {
                size: Some(Scalar::Int(i64::try_from(s.as_bytes()).unwrap_or(i64::MAX))),
            }),
        ),
    }
}

fn long_mount(
    kind: &str,
    source: Option<Str>,
    target: &str,
    read_only: bool,
    tmpfs: Option<TmpfsOpts>,
) -> MountDoc {
    MountDoc::Long {
        kind: kind.into(),
        source,
        target: esc(target),
        read_only: read_only.then_some(true),
        tmpfs,
        bind: None,
        rest: Ordered::default(),
    }
}

fn networks(s: &Service) -> Option<NetworksDoc> {
    if s.networks.is_empty() {
        return None;
    }
    if s.networks.iter().all(|n| !n.has_options()) {
        return Some(NetworksDoc::List(
            s.networks.iter().map(|n| str(&n.network)).collect(),
        ));
    }
    Some(NetworksDoc::Map(Ordered(
        s.networks
            .iter()
            .map(|n| {
                let doc = n.has_options().then(|| ServiceNetworkDoc {
                    aliases: n.aliases.iter().map(|a| esc(a)).collect(),
                    ipv4_address: n.ipv4_address.map(str),
                    ipv6_address: n.ipv6_address.map(str),
                });
                (n.network.to_string(), doc)
            })
            .collect(),
    )))
}

pub(crate) fn restart_word(r: Restart) -> Str {
    match r {
        Restart::No => "no".into(),
        Restart::Always => "always".into(),
        Restart::OnFailure(None) => "on-failure".into(),
        Restart::OnFailure(Some(n)) => Str(format!("on-failure:{n}")),
        Restart::UnlessStopped => "unless-stopped".into(),
    }
}

fn resources(r: &Resources) -> ResourcesDoc {
    ResourcesDoc {
        cpus: r.cpus.map(|c| Scalar::Str(str(c))),
        memory: r.memory.map(|m| Scalar::Str(str(m))),
    }
}

fn deploy(d: &Deploy) -> DeployDoc {
    let resources = (d.limits.is_some() || d.reservations.is_some()).then(|| ResourceSetDoc {
        limits: d.limits.as_ref().map(resources),
        reservations: d.reservations.as_ref().map(resources),
    });
    DeployDoc {
        replicas: d.replicas,
        resources,
    }
}

fn network(n: &Network) -> (String, Option<NetworkDoc>) {
    let doc = NetworkDoc {
        name: n.real_name.as_deref().map(esc),
        driver: n.driver.as_deref().map(esc),
        internal: n.internal.then_some(true),
        external: n.external.then_some(true),
        ipam: n.subnet.map(|s| IpamDoc {
            driver: None,
            config: vec![SubnetDoc { subnet: str(s) }],
        }),
    };
    (
        n.name.to_string(),
        (doc != NetworkDoc::default()).then_some(doc),
    )
}

fn volume(v: &Volume) -> (String, Option<VolumeDoc>) {
    let doc = VolumeDoc {
        name: v.real_name.as_deref().map(esc),
        driver: v.driver.as_deref().map(esc),
        driver_opts: Ordered(
            v.driver_opts
                .iter()
                .map(|(k, o)| (esc(k).0, Scalar::Str(esc(o))))
                .collect(),
        ),
        external: v.external.then_some(true),
    };
    (
        v.name.to_string(),
        (doc != VolumeDoc::default()).then_some(doc),
    )
}
