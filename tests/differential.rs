//! The promise, tested: random stacks built through the public runtime API, using everything
//! the model offers (proxies of every placement, several servers, every kind of route, rate
//! zones, TLS, replicas, healthchecks, profiles, networks, secrets, mounts of every kind, hostile
//! strings in every field). Whenever `validate()` accepts a stack, `render` must succeed, Docker
//! Compose v2 must accept the compose file without a warning (with profiles off, as `up` runs,
//! and with every profile on), its values must read back through `config --format json` as the
//! stack holds them, and `nginx -t` must accept every nginx file, placed as the stack places it,
//! without a warning.
//!
//! `STACKDEF_DIFF_CASES` sets the number of stacks (default 500), `STACKDEF_SEED` the seed.
//! The test prints every class of failure it found with one example each and fails on any.

mod support;

use support::rng::Rng;

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::Path;
use std::time::Duration;

use stackdef::write::{File, Plan};
use stackdef::{
    Action, Build, ByteSize, Command, Condition, DependsOn, Deploy, EnvKey, EnvSpec, EnvVar,
    ExtValue, HealthTest, Healthcheck, HostName, Image, Logging, Mount, Network, NetworkName,
    Placement, PortMapping, PortRange, Proxy, RateZone, Restart, Route, Secret, SecretName,
    SecretSource, Server, Service, ServiceName, ServiceNetwork, Source, Stack, Text, Tls, Volume,
    VolumeName, ZoneName,
};

fn hostile(r: &mut Rng) -> String {
    if r.chance(20) {
        // random printable ASCII
        let n = r.up_to(12);
        (0..n).map(|_| (b' ' + r.below(95) as u8) as char).collect()
    } else {
        (*r.pick(support::HOSTILE)).to_owned()
    }
}

/// Mostly a plain word, sometimes a hostile string: a stack has several such fields, and each
/// hostile one may make `validate()` refuse the whole stack.
fn free(r: &mut Rng) -> String {
    if r.chance(12) {
        hostile(r)
    } else {
        (*r.pick(&[
            "local", "app-1", "x.y", "a b", "it's", "50%", "$HOME", "café", "a:b", "#1",
        ]))
        .to_owned()
    }
}

const SERVICE_NAMES: &[&str] = &[
    "api", "db", "web", "worker", "cache", "front", "edge", "job",
];
const IMAGES: &[&str] = &[
    "nginx:1.27-alpine",
    "postgres:15",
    "redis:7-alpine",
    "registry.example.com:5000/team/app:1.0",
    "yes:22",
    "busybox",
];
const HOSTS: &[&str] = &["example.com", "api.example.com", "a.example.org", "x.test"];
const PORTS: &[u16] = &[80, 443, 8000, 8080, 5432, 3000, 9000];

fn port_of(r: &mut Rng) -> u16 {
    if r.chance(10) {
        1 + r.below(65535) as u16
    } else {
        *r.pick(PORTS)
    }
}

fn text(r: &mut Rng, env: &[EnvVar]) -> Text {
    let mut t = Text::lit(hostile(r));
    if !env.is_empty() && r.chance(30) {
        t = t.then_var(r.pick(env).key(), stackdef::Fallback::None);
        if r.chance(50) {
            t = t.then(hostile(r));
        }
    }
    t
}

fn duration(r: &mut Rng) -> Duration {
    *r.pick(&[
        Duration::from_secs(5),
        Duration::from_millis(1500),
        Duration::from_secs(90),
        Duration::from_micros(10),
        Duration::from_secs(0),
    ])
}

fn healthcheck(r: &mut Rng, env: &[EnvVar]) -> Healthcheck {
    let test = match r.below(4) {
        0 => HealthTest::Disabled,
        1 => HealthTest::Shell(text(r, env)),
        _ => HealthTest::Exec((0..1 + r.below(3)).map(|_| text(r, env)).collect()),
    };
    let mut h = Healthcheck::builder().test(test).build();
    if r.chance(50) {
        h.interval = Some(duration(r));
    }
    if r.chance(30) {
        h.timeout = Some(duration(r));
    }
    if r.chance(30) {
        h.retries = Some(r.below(5) as u32);
    }
    if r.chance(30) {
        h.start_period = Some(duration(r));
    }
    if r.chance(10) {
        h.start_interval = Some(duration(r));
    }
    h
}

fn mount(r: &mut Rng, volumes: &[Volume]) -> Option<Mount> {
    let target = format!(
        "{}{}",
        r.pick(&[
            "/data",
            "/var/lib/x",
            "/etc/app.conf",
            "/tmp",
            "/a b",
            "/x:y",
            "/srv/é"
        ]),
        r.below(6)
    );
    let m = match r.below(4) {
        0 if !volumes.is_empty() => Mount::volume(r.pick(volumes).name.clone(), &target),
        1 => Mount::bind(
            r.word(&[
                "./data", "/srv/x", "data", "../conf", "./a b", "./x:y", "~/x", ".",
            ]),
            &target,
        ),
        2 => Mount::tmpfs(&target, r.chance(50).then(|| ByteSize::mib(64))),
        _ => Mount::anonymous(&target),
    }
    .ok()?;
    Some(if r.chance(20) { m.read_only() } else { m })
}

struct Decl {
    env: Vec<EnvVar>,
    volumes: Vec<Volume>,
    networks: Vec<Network>,
    secrets: Vec<Secret>,
}

fn declarations(r: &mut Rng) -> Decl {
    let mut env = Vec::new();
    for name in ["APP_MODE", "DB_PASSWORD", "TOKEN", "PORT_X"] {
        if r.chance(50) {
            let mut spec = EnvSpec::new("app", "a setting").unwrap();
            match r.below(3) {
                0 => spec = spec.secret(16),
                1 => spec = spec.default(&hostile(r)),
                _ => {}
            }
            if let Ok(v) = EnvVar::new(name, spec) {
                env.push(v);
            }
        }
    }
    let chosen: Vec<&str> = ["pgdata", "cache-data", "x"]
        .into_iter()
        .filter(|_| r.chance(50))
        .collect();
    let volumes = chosen
        .iter()
        .map(|n| {
            let mut v = Volume::new(VolumeName::new(*n).unwrap());
            if r.chance(8) {
                v.external = true;
            }
            if r.chance(15) {
                v.driver = Some(free(r));
            }
            if r.chance(10) {
                v.driver_opts = vec![(free(r), free(r))];
            }
            if r.chance(10) {
                v.real_name = Some(free(r));
            }
            v
        })
        .collect();
    let chosen: Vec<&str> = ["backend", "front-net"]
        .into_iter()
        .filter(|_| r.chance(40))
        .collect();
    let networks = chosen
        .iter()
        .map(|n| {
            let mut net = Network::new(NetworkName::new(*n).unwrap());
            if r.chance(20) {
                net.internal = true;
            }
            if r.chance(8) {
                net.external = true;
            }
            if r.chance(15) {
                net.driver = Some((*r.pick(&["bridge", "overlay", "$x", "a b"])).to_owned());
            }
            if r.chance(15) {
                net.subnet =
                    stackdef::Subnet::parse(r.word(&["172.28.0.0/16", "10.5.0.0/24"])).ok();
            }
            net
        })
        .collect();
    let mut secrets = Vec::new();
    for n in ["db_pass", "api-key"] {
        if r.chance(30) {
            let source = if r.chance(50) || env.is_empty() {
                SecretSource::File(
                    (*r.pick(&["./secrets/db.txt", "db.txt", "/run/x", "a b"])).to_owned(),
                )
            } else {
                SecretSource::Environment(r.pick(&env).key())
            };
            secrets.push(Secret {
                name: SecretName::new(n).unwrap(),
                source,
            });
        }
    }
    Decl {
        env,
        volumes,
        networks,
        secrets,
    }
}

fn service(r: &mut Rng, index: usize, name: &str, d: &Decl) -> Service {
    let source: Source = if r.chance(25) {
        let mut b = Build::builder()
            .context(*r.pick(&[".", "./api", "..", "a b"]))
            .build();
        if r.chance(40) {
            b.dockerfile = Some((*r.pick(&["Dockerfile", "docker/Dockerfile.api"])).to_owned());
        }
        if r.chance(20) {
            b.args = vec![(free(r), text(r, &d.env))];
        }
        Source::Build(
            b,
            r.chance(30).then(|| Image::parse(r.word(IMAGES)).unwrap()),
        )
    } else {
        Image::parse(r.word(IMAGES)).unwrap().into()
    };
    let mut s = Service::builder()
        .name(ServiceName::new(name).unwrap())
        .source(source)
        .build();
    // an official image's capabilities, as a stack using its recipe lists them (mostly)
    if let Source::Image(i) = &s.source
        && r.chance(90)
    {
        s.cap_add = stackdef::recipes::official_capabilities(i)
            .map(|(_, caps)| caps.iter().map(|c| (*c).to_owned()).collect())
            .unwrap_or_default();
    }
    for k in 0..r.up_to(3) {
        // mostly free host ports; sometimes a common one, which may clash
        let published = if r.chance(92) {
            10_000 + 10 * index as u16 + 2 * k as u16
        } else {
            port_of(r)
        };
        let target = port_of(r);
        let Ok(mut p) = (if r.chance(10) {
            PortMapping::range(
                PortRange::new(published, published.saturating_add(1))
                    .unwrap_or(PortRange::from(stackdef::Port::from_static(1))),
                PortRange::new(target, target.saturating_add(r.below(2) as u16))
                    .unwrap_or(PortRange::from(stackdef::Port::from_static(1))),
            )
        } else {
            PortMapping::new(published, target)
        }) else {
            continue;
        };
        if r.chance(30) {
            p = p.on(*r.pick(&[
                stackdef::LOCALHOST,
                "::1".parse::<IpAddr>().unwrap(),
                "0.0.0.0".parse().unwrap(),
            ]));
        }
        if r.chance(10) {
            p = p.udp();
        }
        if r.chance(10) {
            p.published = None;
        }
        s.ports.push(p);
    }
    for _ in 0..r.up_to(2) {
        if let Ok(e) = PortRange::new(port_of(r), 0)
            .or_else(|_| Ok::<_, ()>(PortRange::from(stackdef::Port::new(port_of(r)).unwrap())))
        {
            s.expose.push(e);
        }
    }
    if r.chance(20) {
        s.container_name =
            stackdef::ContainerName::new(format!("{name}-{}", r.pick(&["1", "x", "main"]))).ok();
    }
    if r.chance(20) {
        if r.chance(95) {
            s.ports.retain(|p| p.published.is_none());
        }
        s.deploy = Some(Deploy {
            replicas: Some(r.below(4) as u32),
            limits: r.chance(50).then(|| stackdef::Resources {
                cpus: Some(stackdef::Cpus::millis(500)),
                memory: Some(ByteSize::mib(r.below(600) as u64)),
            }),
            reservations: None,
        });
    }
    if r.chance(50) {
        s.healthcheck = Some(healthcheck(r, &d.env));
    }
    for k in 0..r.up_to(3) {
        let key = if r.chance(4) {
            "DUP".to_owned()
        } else {
            format!("V{k}")
        };
        s.environment
            .push((EnvKey::new(key).unwrap(), text(r, &d.env)));
    }
    if r.chance(40) {
        s.command = Some(if r.chance(20) {
            Command::Shell(text(r, &d.env))
        } else {
            Command::Exec((0..1 + r.below(3)).map(|_| text(r, &d.env)).collect())
        });
    }
    if r.chance(10) {
        s.entrypoint = Some(Command::Exec(vec![text(r, &d.env)]));
    }
    for _ in 0..r.up_to(2) {
        if let Some(m) = mount(r, &d.volumes) {
            s.mounts.push(m);
        }
    }
    for n in &d.networks {
        if r.chance(50) {
            let mut sn = ServiceNetwork::from(n.name.clone());
            if r.chance(30) {
                sn.aliases
                    .push((*r.pick(&["db-alias", "api.internal", "x_y", "a b", "$x"])).to_owned());
            }
            s.networks.push(sn);
        }
    }
    for secret in &d.secrets {
        if r.chance(50) {
            s.secrets.push(secret.name.clone());
        }
    }
    if r.chance(15) {
        s.labels.push((
            if r.chance(85) {
                "com.example.role".to_owned()
            } else {
                free(r)
            },
            free(r),
        ));
    }
    if r.chance(15) {
        s.cap_add.push(
            (*r.pick(&[
                "NET_ADMIN",
                "$X",
                "CHOWN",
                "NET_BIND_SERVICE",
                "SYS_TIME",
                "CAP_KILL",
            ]))
            .to_owned(),
        );
    }
    if r.chance(15) {
        s.cap_drop
            .push((*r.pick(&["ALL", "$X", "MKNOD", "NET_RAW"])).to_owned());
    }
    if r.chance(15) {
        s.profiles
            .push((*r.pick(&["debug", "$p", "tools", "ops", "dev.x"])).to_owned());
    }
    if r.chance(10) {
        s.extra_hosts.push((
            (*r.pick(&["host.docker.internal", "db.local", "a b", "x_y"])).to_owned(),
            stackdef::LOCALHOST,
        ));
    }
    if r.chance(15) {
        s.user = Some(free(r));
    }
    if r.chance(15) {
        s.working_dir = Some(free(r));
    }
    if r.chance(10) {
        s.security_opt
            .push((*r.pick(&["label=disable", "$x", "label=x"])).to_owned());
    }
    if r.chance(15) {
        s.hardening.allow_privilege_gain = Some(free(r));
    }
    if r.chance(15) {
        s.hardening.keep_default_capabilities = Some(free(r));
    }
    if r.chance(10) {
        s.logging = Some(Logging {
            driver: (*r.pick(&["json-file", "local", "$x"])).to_owned(),
            options: vec![(free(r), free(r))],
        });
    }
    if r.chance(10) {
        s.extensions.push((
            format!("x-{}", r.pick(&["a", "b$", "c d"])),
            ExtValue::Str(hostile(r)),
        ));
    }
    if r.chance(20) {
        s.restart = Some(*r.pick(&[
            Restart::No,
            Restart::Always,
            Restart::UnlessStopped,
            Restart::OnFailure(Some(3)),
        ]));
    }
    if r.chance(10) {
        s.env_file
            .push((*r.pick(&[".env", "a b.env", "$x.env"])).to_owned());
    }
    s.read_only = r.chance(10);
    if r.chance(10) {
        s.init = Some(true);
    }
    if r.chance(10) {
        s.stop_grace_period = Some(duration(r));
    }
    s.internal = r.chance(15);
    s
}

/// Dependencies: mostly on later services (no cycle) and `healthy` mostly on a service with a
/// healthcheck; sometimes anything.
fn depends_on(r: &mut Rng, services: &mut [Service]) {
    let n = services.len();
    // the last first: a dependency's profiles are final before its dependants copy them
    for i in (0..n).rev() {
        for _ in 0..r.up_to(2) {
            let j = if i + 1 < n && r.chance(95) {
                i + 1 + r.below(n - i - 1)
            } else if r.chance(10) {
                r.below(n)
            } else {
                continue;
            };
            let healthy_ok = services[j]
                .healthcheck
                .as_ref()
                .is_some_and(Healthcheck::is_enabled);
            let condition = match r.below(10) {
                0 => Condition::CompletedSuccessfully,
                1..=5 if healthy_ok || r.chance(3) => Condition::Healthy,
                _ => Condition::Started,
            };
            let to = services[j].name.clone();
            if services[i].depends_on.iter().any(|d| d.service == to) && r.chance(90) {
                continue;
            }
            if !services[j].profiles.is_empty() && r.chance(97) {
                // a dependant runs only where its dependency does
                let p = services[j].profiles.clone();
                services[i].profiles = p;
            }
            services[i].depends_on.push(DependsOn {
                service: to,
                condition,
                restart: r.chance(10),
                required: true,
            });
        }
    }
}

fn route(r: &mut Rng, services: &[Service], zones: &[RateZone]) -> Option<Route> {
    let path = *r.pick(&[
        "/", "/api/", "/api", "/assets/", "/health", "/ws/", "/x", "/y/", "/z",
    ]);
    let mut route = match r.below(6) {
        0 => Route::respond(path, *r.pick(&[200, 204, 404, 599, 444]), &hostile(r)).ok()?,
        1 => Route::redirect(
            path,
            *r.pick(&[301, 308]),
            r.word(&["https://example.com/", "https://x.test/a"]),
        )
        .ok()?,
        2 => Route::spa(
            path,
            "/usr/share/nginx/html",
            r.word(&["/assets/", "/", "/api/"]),
        )
        .ok()?,
        _ => {
            let open: Vec<&Service> = services
                .iter()
                .filter(|s| {
                    !s.internal
                        && s.ports
                            .iter()
                            .any(|p| p.published.is_some() && p.protocol == stackdef::Protocol::Tcp)
                })
                .collect();
            let target = if !open.is_empty() && r.chance(95) {
                *r.pick(&open)
            } else {
                r.pick(services)
            };
            let port = match target
                .ports
                .iter()
                .find(|p| p.published.is_some() && p.protocol == stackdef::Protocol::Tcp)
                .filter(|_| r.chance(97))
            {
                Some(p) => p.target.start().get(),
                None => port_of(r),
            };
            let mut route = Route::proxy(path, target.name.clone(), port).ok()?;
            if let Action::Proxy(up) = &mut route.action {
                up.websocket = r.chance(20);
                if r.chance(10) {
                    up.read_timeout = Some(duration(r));
                }
            }
            route
        }
    };
    route.exact = route.exact || r.chance(10);
    if r.chance(if zones.is_empty() { 3 } else { 30 }) {
        let zone = if !zones.is_empty() && r.chance(97) {
            r.pick(zones).name.clone()
        } else {
            ZoneName::new("undeclared").unwrap()
        };
        route = route.limit(zone, r.below(30) as u32);
    }
    if r.chance(10) {
        route.client_max_body_size = Some(ByteSize::mib(r.below(100) as u64));
    }
    Some(route)
}

fn proxy(r: &mut Rng, k: usize, services: &[Service]) -> Option<Proxy> {
    let placement = match r.below(3) {
        0 => Placement::Host,
        1 => Placement::Service(r.pick(services).name.clone()),
        _ => Placement::Frontend(r.pick(services).name.clone()),
    };
    let file = format!("{}.conf", ["edge", "front", "inner"][k % 3]);
    let mut p = Proxy::new(&file, placement).ok()?;
    // the judge is Debian 12's nginx 1.22, so files are for that version (`target_version`
    // tests in tests/nginx.rs cover the directives of newer ones)
    if r.chance(30) {
        p.rate_limits.push(RateZone {
            name: ZoneName::new(*r.pick(&["api", "login"])).unwrap(),
            per_second: r.below(40) as u32,
            size: ByteSize::kib(*r.pick(&[1, 64, 64, 10240])),
        });
    }
    if r.chance(10) {
        p.worker_connections = r.below(2048) as u32;
    }
    let servers = 1 + r.below(3);
    for host in &HOSTS[..servers] {
        let names = if r.chance(10) {
            Vec::new()
        } else if r.chance(90) {
            vec![HostName::new(*host).unwrap()]
        } else {
            vec![HostName::new(*r.pick(HOSTS)).unwrap()]
        };
        let kinds = if names.is_empty() && r.chance(80) {
            1
        } else {
            3
        };
        let tls = match r.below(kinds) {
            0 => Tls::Off,
            1 => Tls::LetsEncrypt,
            _ => Tls::Files {
                certificate: "/etc/ssl/stackdef/cert.pem".parse().unwrap(),
                key: "/etc/ssl/stackdef/key.pem".parse().unwrap(),
            },
        };
        let mut server = Server::new(names, tls);
        if r.chance(5) {
            server.http_port = stackdef::Port::new(*r.pick(&[8080, 443])).unwrap();
        }
        if r.chance(30) {
            server.csp = stackdef::Quoted::new(hostile(r)).ok();
        }
        for _ in 0..1 + r.below(3) {
            if let Some(route) = route(r, services, &p.rate_limits) {
                // mostly a path (and asset prefix) the server has no location for yet
                let taken = |path: &str| {
                    server.routes.iter().any(|x| {
                        x.path.as_str() == path
                            || matches!(&x.action, Action::Spa { assets, .. } if assets.as_str() == path)
                    })
                };
                let clash = taken(route.path.as_str())
                    || matches!(&route.action, Action::Spa { assets, .. } if taken(assets.as_str()));
                if !clash || r.chance(5) {
                    server.routes.push(route);
                }
            }
        }
        p.servers.push(server);
    }
    Some(p)
}

fn stack(seed: u64) -> Stack {
    let mut r = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
    let d = declarations(&mut r);
    let n = 1 + r.below(5);
    let names: Vec<&str> = SERVICE_NAMES[..n].to_vec();
    let mut services: Vec<Service> = names
        .iter()
        .enumerate()
        .map(|(i, name)| service(&mut r, i, name, &d))
        .collect();
    depends_on(&mut r, &mut services);
    if r.chance(2) {
        let copy = services[0].clone();
        services.push(copy);
    }
    let proxies = (0..r.below(3).saturating_sub(r.below(2)))
        .filter_map(|k| proxy(&mut r, k, &services))
        .collect();
    let mut stack = Stack::builder()
        .name("diff".parse().unwrap())
        .services(services)
        .volumes(d.volumes)
        .networks(d.networks)
        .secrets(d.secrets)
        .env(d.env)
        .proxies(proxies)
        .build();
    if r.chance(10) {
        // compose interpolates no key and keeps white space in keys: hostile keys read back as
        // written, hostile values after the emitter's escaping
        let key = format!("x-{}", r.pick(&["note", "n$ b", "${X}"]));
        let entries = (0..1 + r.below(3))
            .map(|i| {
                (
                    format!("{i}{}", hostile(&mut r)),
                    ExtValue::Str(hostile(&mut r)),
                )
            })
            .collect();
        stack.extensions.push((key, ExtValue::Map(entries)));
    }
    if stack
        .proxies
        .iter()
        .any(|p| matches!(p.placement, Placement::Service(_)))
        && r.chance(70)
    {
        let _ = stack.wire_proxies();
    }
    stack
}

/// One failure: its class (the tool and the first line of its message, numbers blanked) and
/// the case it came from.
fn class_of(tool: &str, message: &str) -> String {
    let line = message
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with("exit status"))
        .unwrap_or("");
    let line = line
        .split_once(": ")
        .filter(|(h, _)| h.starts_with("exit "))
        .map_or(line, |(_, t)| t);
    let line = line.split_once("msg=").map_or(line, |(_, t)| t);
    let line = line.split_once("] ").map_or(line, |(_, t)| t);
    let mut key: String = line
        .chars()
        .map(|c| if c.is_ascii_digit() { '#' } else { c })
        .take(110)
        .collect();
    // names of services and values vary; keep the shape of the message
    for name in SERVICE_NAMES {
        key = key.replace(&format!("\"{name}\""), "\"S\"");
    }
    format!("{tool}: {key}")
}

struct Verdicts {
    failures: BTreeMap<String, (usize, u64)>,
    accepted: usize,
    refused: usize,
}

impl Verdicts {
    fn fail(&mut self, class: String, seed: u64) {
        self.failures.entry(class).or_insert((0, seed)).0 += 1;
    }
}

/// Compose v2's reading of the literal values the stack holds, field by field.
/// A value as compose v2's JSON shows it, `$` doubled in keys and strings.
fn ext_json(value: &ExtValue) -> serde_json::Value {
    use serde_json::Value;
    match value {
        ExtValue::Null => Value::Null,
        ExtValue::Bool(b) => Value::Bool(*b),
        ExtValue::Int(i) => Value::from(*i),
        ExtValue::Float(x) => Value::from(*x),
        ExtValue::Str(s) => Value::String(s.replace('$', "$$")),
        ExtValue::List(items) => Value::Array(items.iter().map(ext_json).collect()),
        ExtValue::Map(entries) => Value::Object(
            entries
                .iter()
                .map(|(k, v)| (k.replace('$', "$$"), ext_json(v)))
                .collect(),
        ),
    }
}

fn compare(stack: &Stack, json: &serde_json::Value, seed: u64, v: &mut Verdicts) {
    for (key, value) in &stack.extensions {
        if json[key.replace('$', "$$").as_str()] != ext_json(value) {
            v.fail(format!("read back: top-level `{key}` differs"), seed);
        }
    }
    let services = &json["services"];
    for s in &stack.services {
        let got = &services[s.name.as_str()];
        if got.is_null() {
            if s.profiles.is_empty() {
                v.fail(format!("read back: service `{}` missing", "S"), seed);
            }
            continue;
        }
        let mut field = |name: &str, expected: Option<String>, actual: Option<String>| {
            if expected != actual {
                v.fail(format!("read back: `{name}` differs"), seed);
            }
        };
        for (key, value) in &s.environment {
            if let Some(lit) = value.as_literal() {
                field(
                    "environment",
                    Some(lit),
                    support::v2_str(&got["environment"][key.as_str()]),
                );
            }
        }
        if let Some(Command::Exec(args)) = &s.command {
            for (i, a) in args.iter().enumerate() {
                if let Some(lit) = a.as_literal() {
                    field("command", Some(lit), support::v2_str(&got["command"][i]));
                }
            }
        }
        field("user", s.user.clone(), support::v2_str(&got["user"]));
        field(
            "working_dir",
            s.working_dir.clone(),
            support::v2_str(&got["working_dir"]),
        );
        for (i, c) in s.cap_add.iter().enumerate() {
            field(
                "cap_add",
                Some(c.clone()),
                support::v2_str(&got["cap_add"][i]),
            );
        }
        // hardening: the locked defaults first, then the service's own entries
        let locked = s.hardening.keep_default_capabilities.is_none();
        let drops = locked
            .then(|| "ALL".to_owned())
            .into_iter()
            .chain(s.cap_drop.clone());
        for (i, c) in drops.enumerate() {
            field("cap_drop", Some(c), support::v2_str(&got["cap_drop"][i]));
        }
        let gain = s.hardening.allow_privilege_gain.is_some();
        field(
            "security_opt",
            (!gain).then(|| "no-new-privileges:true".to_owned()),
            if gain {
                None
            } else {
                support::v2_str(&got["security_opt"][0])
            },
        );
        for (i, p) in s.profiles.iter().enumerate() {
            field(
                "profiles",
                Some(p.clone()),
                support::v2_str(&got["profiles"][i]),
            );
        }
        for (k, val) in &s.labels {
            let key = k.replace('$', "$$");
            field(
                "labels",
                Some(val.clone()),
                support::v2_str(&got["labels"][key.as_str()]),
            );
        }
        for n in &s.networks {
            for (i, a) in n.aliases.iter().enumerate() {
                field(
                    "network aliases",
                    Some(a.clone()),
                    support::v2_str(&got["networks"][n.network.as_str()]["aliases"][i]),
                );
            }
        }
        if let Some(c) = &s.container_name {
            field(
                "container_name",
                Some(c.to_string()),
                support::v2_str(&got["container_name"]),
            );
        }
    }
}

fn judge_compose(dir: &Path, stack: &Stack, files: &[File], seed: u64, v: &mut Verdicts) {
    let compose = dir.join("docker-compose.yml");
    let template = files
        .iter()
        .find(|f| f.name == ".env.example")
        .map_or("", |f| f.content.as_str());
    let env = dir.join(".env");
    // build contexts and env files exist, as in the application's repository
    for s in &stack.services {
        if let Source::Build(b, _) = &s.source {
            let _ = std::fs::create_dir_all(dir.join(&b.context));
        }
        for f in &s.env_file {
            let _ = std::fs::write(dir.join(f), "");
        }
    }
    std::fs::write(&env, support::fill_env(template)).unwrap();
    match support::compose_v2_json(&compose, &env) {
        Err(e) => return v.fail(class_of("compose v2", &e), seed),
        Ok(json) => compare(stack, &json, seed, v),
    }
    if let Err(e) = support::compose_v2_json_with(&compose, &env, &["--profile", "*"]) {
        v.fail(class_of("compose v2, every profile", &e), seed);
    }
}

#[test]
fn every_stack_validate_accepts_is_accepted_by_the_real_tools() {
    let cases = support::knob("STACKDEF_DIFF_CASES", 500);
    let base = support::knob("STACKDEF_SEED", 0x5eed);
    let root = support::scratch(&format!("differential-{base}"));
    let nginx_dir = root.join(format!("nginx-{base}"));
    std::fs::create_dir_all(&nginx_dir).unwrap();
    let mut v = Verdicts {
        failures: BTreeMap::new(),
        accepted: 0,
        refused: 0,
    };
    let mut nginx_owner: BTreeMap<String, u64> = BTreeMap::new();
    let mut refusals: BTreeMap<String, usize> = BTreeMap::new();
    for seed in base..base + cases {
        let stack = stack(seed);
        if let Err(problems) = stackdef::validate(&stack) {
            v.refused += 1;
            for p in problems {
                let words: Vec<&str> = p
                    .message
                    .split_whitespace()
                    .filter(|w| !w.starts_with('`'))
                    .take(4)
                    .collect();
                *refusals
                    .entry(format!("{:?}: {}", p.class, words.join(" ")))
                    .or_insert(0usize) += 1;
            }
            continue;
        }
        v.accepted += 1;
        // the default plan: compose, every nginx file, the first-start file of each proxy with
        // Let's Encrypt, the env template and the compose-lint configuration
        let plan = Plan::default();
        let files = match stackdef::write::render(&stack, &plan) {
            Ok(files) => files,
            Err(e) => {
                v.fail(class_of("render", &e.to_string()), seed);
                continue;
            }
        };
        let dir = root.join(format!("case-{seed}"));
        std::fs::create_dir_all(&dir).unwrap();
        for f in &files {
            std::fs::write(dir.join(&f.name), &f.content).unwrap();
            if f.name.ends_with(".conf") {
                let name = format!("c{seed}-{}", f.name);
                std::fs::write(nginx_dir.join(&name), &f.content).unwrap();
                nginx_owner.insert(name, seed);
            }
        }
        judge_compose(&dir, &stack, &files, seed, &mut v);
    }
    // one nginx run over every file: `nginx -t` each, warnings count
    if !nginx_owner.is_empty()
        && let Err(out) = support::judge_live_nginx("syntax", &nginx_dir)
    {
        {
            for line in out
                .lines()
                .filter(|l| l.starts_with("FAIL nginx -t accepts "))
            {
                let rest = &line["FAIL nginx -t accepts ".len()..];
                let (name, message) = rest.split_once(": ").unwrap_or((rest, ""));
                let seed = nginx_owner.get(name).copied().unwrap_or(0);
                let mut parts = message.split(" | ");
                let message = parts
                    .clone()
                    .find(|p| p.contains("[warn]") || p.contains("[emerg]"))
                    .or_else(|| parts.next())
                    .unwrap_or("");
                let message = message.split(" in /").next().unwrap_or(message);
                v.fail(class_of("nginx -t", message), seed);
            }
        }
    }
    let failed: usize = v.failures.values().map(|(n, _)| n).sum();
    println!(
        "{cases} stacks: {} accepted by validate(), {} refused; {failed} failures in {} classes",
        v.accepted,
        v.refused,
        v.failures.len()
    );
    println!("refusals by rule:");
    for (rule, n) in &refusals {
        println!("  {n:5} × {rule}");
    }
    for (class, (n, seed)) in &v.failures {
        println!("  {n:5} × {class}   (e.g. STACKDEF_SEED={seed} STACKDEF_DIFF_CASES=1)");
    }
    assert!(
        v.accepted * 5 >= cases as usize,
        "too few stacks accepted to judge: {} of {cases}",
        v.accepted
    );
    assert!(
        v.failures.is_empty(),
        "{failed} accepted stacks failed a real tool (classes above)"
    );
}
