//! `validate()` on stacks built through the plain API: every defect class, all reported at once.

use stackdef::check::DefectClass;
use stackdef::{
    DependsOn, HealthTest, Healthcheck, Image, Mount, NetworkName, PortMapping, PortRange,
    ProjectName, SecretName, Service, ServiceName, Stack, Volume, VolumeName, validate,
};

fn svc(name: &str) -> Service {
    Service::builder()
        .name(ServiceName::new(name).unwrap())
        .source(Image::parse("example/app:1.0").unwrap())
        .build()
}

fn stack(services: Vec<Service>) -> Stack {
    Stack::builder()
        .name(ProjectName::from_static("t"))
        .services(services)
        .volumes(vec![Volume::new(VolumeName::from_static("data"))])
        .build()
}

fn messages(s: &Stack) -> Vec<(DefectClass, String)> {
    validate(s)
        .err()
        .unwrap_or_default()
        .into_iter()
        .map(|d| (d.class, d.message))
        .collect()
}

fn dep(name: &str) -> DependsOn {
    DependsOn::started(ServiceName::new(name).unwrap())
}

#[test]
fn valid_stack_passes() {
    let mut db = svc("postgres");
    db.healthcheck = Some(
        Healthcheck::builder()
            .test(HealthTest::Exec(vec!["pg_isready".into()]))
            .build(),
    );
    let mut api = svc("backend");
    api.depends_on = vec![DependsOn::healthy(ServiceName::from_static("postgres"))];
    assert_eq!(validate(&stack(vec![db, api])).map(|_| ()), Ok(()));
}

#[test]
fn unknown_service_with_suggestion() {
    let mut api = svc("backend");
    api.depends_on = vec![dep("postgress"), dep("zzz")];
    assert_eq!(
        messages(&stack(vec![svc("postgres"), api])),
        vec![
            (
                DefectClass::UnknownService,
                "`backend` depends on unknown service `postgress`; did you mean `postgres`?".into()
            ),
            (
                DefectClass::UnknownService,
                "`backend` depends on unknown service `zzz`; declare it under `services`".into()
            ),
        ]
    );
}

#[test]
fn port_clash_names_both_services() {
    let mut a = svc("a");
    a.ports = vec![
        PortMapping::range(
            PortRange::new(8000, 8010).unwrap(),
            PortRange::new(8000, 8010).unwrap(),
        )
        .unwrap(),
    ];
    let mut b = svc("b");
    b.ports = vec![
        PortMapping::new(8005, 80)
            .unwrap()
            .on("127.0.0.1".parse().unwrap()),
    ];
    let mut c = svc("c");
    c.ports = vec![PortMapping::new(8005, 80).unwrap().udp()];
    assert_eq!(
        messages(&stack(vec![a, b, c])),
        vec![(DefectClass::PortClash, "host port 8005/tcp of `b` is already published by `a`; use another host port or bind another host IP".into())]
    );
}

#[test]
fn ports_on_different_host_ips_do_not_clash() {
    let mut a = svc("a");
    a.ports = vec![
        PortMapping::new(80, 80)
            .unwrap()
            .on("127.0.0.1".parse().unwrap()),
    ];
    let mut b = svc("b");
    b.ports = vec![
        PortMapping::new(80, 80)
            .unwrap()
            .on("127.0.0.2".parse().unwrap()),
    ];
    assert_eq!(validate(&stack(vec![a, b])).map(|_| ()), Ok(()));
}

#[test]
fn undeclared_volume_network_secret() {
    let mut a = svc("a");
    a.mounts = vec![Mount::volume(VolumeName::from_static("dat"), "/d").unwrap()];
    a.networks = vec![NetworkName::from_static("backnet").into()];
    a.secrets = vec![SecretName::from_static("jwt")];
    let got = messages(&stack(vec![a]));
    assert_eq!(got.len(), 3);
    assert!(got.iter().all(|(c, _)| *c == DefectClass::Undeclared));
    assert_eq!(
        got[0].1,
        "`a` mounts unknown volume `dat`; did you mean `data`?"
    );
    assert_eq!(
        got[1].1,
        "`a` joins unknown network `backnet`; declare it under `networks`"
    );
    assert_eq!(
        got[2].1,
        "`a` uses unknown secret `jwt`; declare it under `secrets`"
    );
}

#[test]
fn healthy_without_healthcheck() {
    let mut api = svc("backend");
    api.depends_on = vec![DependsOn::healthy(ServiceName::from_static("postgres"))];
    let mut db = svc("postgres");
    db.healthcheck = Some(Healthcheck::builder().test(HealthTest::Disabled).build());
    assert_eq!(
        messages(&stack(vec![db, api])),
        vec![(DefectClass::HealthyWithoutHealthcheck, "`backend` waits for `postgres` to be healthy, but `postgres` has no healthcheck; give it one or wait for `started`".into())]
    );
}

#[test]
fn cycle_lists_its_members() {
    let mut a = svc("a");
    a.depends_on = vec![dep("b")];
    let mut b = svc("b");
    b.depends_on = vec![dep("c")];
    let mut c = svc("c");
    c.depends_on = vec![dep("a")];
    assert_eq!(
        messages(&stack(vec![a, b, c])),
        vec![(
            DefectClass::Cycle,
            "dependency cycle: `a` → `b` → `c` → `a`; remove one of these dependencies".into()
        )]
    );
}

#[test]
fn every_cycle_is_reported_once_per_group() {
    // a ⇄ b ⇄ c is one group (two cycles, one report), d ⇄ e another
    let with = |name: &str, deps: &[&str]| {
        let mut s = svc(name);
        s.depends_on = deps.iter().map(|d| dep(d)).collect();
        s
    };
    let services = vec![
        with("a", &["b"]),
        with("b", &["a", "c"]),
        with("c", &["b"]),
        with("d", &["e"]),
        with("e", &["d"]),
    ];
    let cycle = |m: &str| (DefectClass::Cycle, m.to_owned());
    assert_eq!(
        messages(&stack(services)),
        vec![
            cycle("dependency cycle: `a` → `b` → `a`; remove one of these dependencies"),
            cycle("dependency cycle: `d` → `e` → `d`; remove one of these dependencies"),
        ]
    );
}

#[test]
fn duplicates() {
    let mut a = svc("a");
    a.container_name = Some("box".parse().unwrap());
    let mut b = svc("b");
    b.container_name = Some("box".parse().unwrap());
    let got = messages(&stack(vec![a, b, svc("a")]));
    assert_eq!(
        got,
        vec![
            (DefectClass::Duplicate, "service `a` is declared twice; give each service its own name".into()),
            (DefectClass::Duplicate, "container name `box` of `b` is already used by `a`; container names must be unique".into()),
        ]
    );
}

#[test]
fn an_invalid_stack_never_reaches_an_emitter_and_every_problem_is_listed() {
    let mut a = svc("a");
    a.depends_on = vec![dep("nope"), dep("a")];
    // the emitters take a `Valid`, which only `validate` makes; `?` turns its problems into
    // `Error::InvalidStack`
    let emit = |s: &Stack| -> stackdef::Result<String> {
        stackdef::emit::compose::to_yaml(&stackdef::validate(s)?)
    };
    let err = emit(&stack(vec![a])).unwrap_err();
    match err {
        stackdef::Error::InvalidStack(d) => assert_eq!(d.len(), 2, "{d:?}"),
        other => panic!("{other}"),
    }
}

fn proxied(placement: stackdef::Placement, routes: Vec<stackdef::Route>) -> Stack {
    let mut api = svc("api");
    api.expose = vec![PortRange::new(8000, 8000).unwrap()];
    let mut web = svc("web");
    web.ports = vec![PortMapping::new(8080, 80).unwrap()];
    let mut proxy = stackdef::Proxy::new("nginx.conf", placement).unwrap();
    let mut server = stackdef::Server::new(
        vec!["example.com".parse().unwrap()],
        stackdef::Tls::LetsEncrypt,
    );
    server.routes = routes;
    proxy.servers.push(server);
    let mut s = stack(vec![api, web]);
    s.proxies.push(proxy);
    s
}

#[test]
fn routes_to_unknown_services_and_ports() {
    let edge = stackdef::Placement::Service(ServiceName::from_static("web"));
    let s = proxied(
        edge,
        vec![
            stackdef::Route::proxy("/a/", ServiceName::from_static("apii"), 8000).unwrap(),
            stackdef::Route::proxy("/b/", ServiceName::from_static("api"), 9000).unwrap(),
            stackdef::Route::proxy("/c/", ServiceName::from_static("api"), 8000).unwrap(),
        ],
    );
    assert_eq!(
        messages(&s),
        vec![
            (DefectClass::RouteTarget, "route `/a/` targets unknown service `apii`; did you mean `api`?".into()),
            (DefectClass::RouteTarget, "route `/b/` targets port 9000 of `api`, which it does not listen on; add the port to its `ports` or `expose`".into()),
        ]
    );
}

#[test]
fn host_proxy_needs_published_ports_and_owns_80_and_443() {
    let s = proxied(
        stackdef::Placement::Host,
        vec![
            stackdef::Route::proxy("/api/", ServiceName::from_static("api"), 8000).unwrap(),
            stackdef::Route::proxy("/", ServiceName::from_static("web"), 80).unwrap(),
        ],
    );
    assert_eq!(
        messages(&s),
        vec![(DefectClass::RouteTarget, "route `/api/` targets port 8000 of `api`, which it does not publish; a proxy on the host reaches services through published ports".into())]
    );
    let mut s = s;
    s.services[1]
        .ports
        .push(PortMapping::new(443, 443).unwrap());
    assert!(messages(&s).contains(&(
        DefectClass::PortClash,
        "host port 443/tcp of `web` is already published by `nginx on the host`; use another host port or bind another host IP".into()
    )));
}

#[test]
fn duplicate_routes() {
    let r = || stackdef::Route::proxy("/", ServiceName::from_static("web"), 80).unwrap();
    let s = proxied(
        stackdef::Placement::Frontend(ServiceName::from_static("web")),
        vec![r(), r()],
    );
    assert_eq!(
        messages(&s),
        vec![(
            DefectClass::DuplicateRoute,
            "route `/` of `example.com` is declared twice; the second one would never be used"
                .into()
        )]
    );
}

#[test]
fn undeclared_and_unused_variables() {
    let spec = || stackdef::EnvSpec::new("G", "d").unwrap().default("x");
    let declared = stackdef::EnvVar::new("DB_HOST", spec()).unwrap();
    let unused = stackdef::EnvVar::new("NOBODY_READS", spec()).unwrap();
    let mut a = svc("a");
    a.set_env(
        stackdef::EnvKey::from_static("URL"),
        stackdef::Text::var(stackdef::EnvKey::from_static("DB_HOTS")),
    );
    a.command = Some(stackdef::Command::Exec(vec![declared.text()]));
    let mut s = stack(vec![a]);
    s.env = vec![declared, unused];
    assert_eq!(
        messages(&s),
        vec![(
            DefectClass::UndeclaredEnv,
            "`a` reads undeclared variable `DB_HOTS`; did you mean `DB_HOST`?".into()
        )]
    );
    let warnings: Vec<String> = stackdef::check::warnings(&s)
        .into_iter()
        .filter(|d| d.class == DefectClass::UnusedEnv)
        .map(|d| d.message)
        .collect();
    assert_eq!(
        warnings,
        ["variable `NOBODY_READS` is declared but nothing reads it; remove it or use it"]
    );
}

#[test]
fn weaker_settings_without_a_reason_are_warned_about() {
    let mut a = svc("a");
    a.ports = vec![stackdef::PortMapping::new(8080, 80).unwrap()];
    let warned = |s: &stackdef::Stack| -> Vec<String> {
        stackdef::check::warnings(s)
            .into_iter()
            .filter(|d| d.class == DefectClass::Unexplained)
            .map(|d| d.message)
            .collect()
    };
    let got = warned(&stack(vec![a.clone()]));
    assert_eq!(got.len(), 3, "{got:?}");
    assert!(
        got[0].contains("by tag, which the registry can move"),
        "{got:?}"
    );
    assert!(got[1].contains("no CPU or memory limit"), "{got:?}");
    assert!(got[2].contains("every host interface"), "{got:?}");
    use stackdef::OptOut;
    a.hardening = stackdef::Hardening::default()
        .opt_out(OptOut::UnpinnedImage, "no digest known")
        .opt_out(OptOut::NoResourceLimits, "a batch job sized by the host")
        .opt_out(OptOut::AllInterfaces, "the public edge");
    assert_eq!(warned(&stack(vec![a])), Vec::<String>::new());
}

#[test]
fn a_route_to_an_internal_service_is_refused() {
    let mut s = proxied(
        stackdef::Placement::Service(ServiceName::from_static("web")),
        vec![stackdef::Route::proxy("/api/", ServiceName::from_static("api"), 8000).unwrap()],
    );
    assert_eq!(messages(&s), []);
    s.services[0].internal = true;
    assert_eq!(
        messages(&s),
        vec![(DefectClass::RouteTarget, "route `/api/` targets `api`, which is internal; a proxy never exposes an internal service".into())]
    );
}

#[test]
fn replicas_need_a_host_port_each() {
    let mut a = svc("a");
    a.ports = vec![PortMapping::new(8000, 80).unwrap()];
    a.deploy = Some(stackdef::Deploy::builder().replicas(3).build());
    assert_eq!(
        messages(&stack(vec![a.clone()])),
        vec![(DefectClass::PortClash, "`a` runs 3 replicas but publishes 1 host port(s) from 8000; publish a range with one port per replica, or none and reach it through a proxy".into())]
    );
    a.ports = vec![
        PortMapping::range(
            PortRange::new(8000, 8002).unwrap(),
            PortRange::new(80, 80).unwrap(),
        )
        .unwrap(),
    ];
    assert_eq!(validate(&stack(vec![a])).map(|_| ()), Ok(()));
}

#[test]
fn hardening_is_set_in_one_place_and_opt_outs_say_why() {
    let mut s = svc("app");
    s.security_opt = vec!["no-new-privileges:false".into()];
    s.cap_drop = vec!["ALL".into()];
    s.hardening.allow_privilege_gain = Some(" ".into());
    let got = messages(&stack(vec![s]));
    let texts: Vec<&str> = got.iter().map(|(_, m)| m.as_str()).collect();
    assert_eq!(texts.len(), 3, "{texts:?}");
    assert!(
        texts[0].contains("`no-new-privileges` is set by `hardening`"),
        "{texts:?}"
    );
    assert!(
        texts[1].contains("every capability is dropped by `hardening`"),
        "{texts:?}"
    );
    assert!(texts[2].contains("an opt-out needs a reason"), "{texts:?}");
}

#[test]
fn an_official_image_keeps_the_capabilities_its_entrypoint_needs() {
    let mut db = svc("db");
    db.source = Image::parse("postgres:16-alpine").unwrap().into();
    let got = messages(&stack(vec![db.clone()]));
    assert_eq!(got.len(), 1, "{got:?}");
    assert!(
        got[0]
            .1
            .contains("`CHOWN, DAC_OVERRIDE, FOWNER, SETGID, SETUID`: `postgres`'s entrypoint needs these capabilities"),
        "{got:?}"
    );
    db.cap_add = stackdef::recipes::postgres::capabilities();
    assert_eq!(messages(&stack(vec![db.clone()])), []);
    db.cap_add.clear();
    db.hardening = stackdef::Hardening::default().opt_out(
        stackdef::OptOut::DefaultCapabilities,
        "Docker's defaults, as before",
    );
    assert_eq!(messages(&stack(vec![db])), []);
}

#[test]
fn variants_in_disjoint_profiles_may_share_a_host_port() {
    let with = |name: &str, profiles: &[&str]| {
        let mut s = svc(name);
        s.ports = vec![PortMapping::new(8080, 80).unwrap()];
        s.profiles = profiles.iter().map(|p| (*p).to_owned()).collect();
        s
    };
    // never started together: `--profile dev` or `--profile prod`
    let variants = stack(vec![with("web", &["prod"]), with("web_dev", &["dev"])]);
    assert_eq!(messages(&variants), vec![]);
    // one profile starts both, or one of them always runs: a clash
    for other in [&["dev", "prod"][..], &[][..]] {
        let s = stack(vec![with("web", &["prod"]), with("web_dev", other)]);
        let m = messages(&s);
        assert_eq!(m.len(), 1, "{other:?}: {m:?}");
        assert_eq!(m[0].0, DefectClass::PortClash);
    }
}

#[test]
fn container_options_are_checked_as_the_engine_reads_them() {
    let mut s = svc("app");
    let c = &mut s.container;
    c.hostname = Some("app host".into());
    c.stop_signal = Some("SIGNOPE!".into());
    c.platform = Some("amd64".into());
    c.pids_limit = Some(-2);
    c.ulimits = vec![
        (
            "nofile".into(),
            stackdef::Ulimit::Range { soft: 10, hard: 5 },
        ),
        ("files".into(), stackdef::Ulimit::Single(1)),
    ];
    c.devices = vec![stackdef::Device {
        source: "dev/fuse".into(),
        target: None,
        permissions: Some("rx".into()),
    }];
    c.sysctls = vec![("net.core.somaxconn".into(), String::new())];
    let m = messages(&stack(vec![s]));
    for field in [
        "services.app.hostname `app host`",
        "services.app.stop_signal `SIGNOPE!`",
        "services.app.platform `amd64`",
        "services.app.pids_limit `-2`",
        "services.app.ulimits `nofile: 10/5`",
        "services.app.ulimits `files`",
        "services.app.devices `dev/fuse`",
        "services.app.devices `rx`",
        "services.app.sysctls `net.core.somaxconn=`",
    ] {
        assert!(
            m.iter().any(|(_, t)| t.contains(field)),
            "{field} not in {m:#?}"
        );
    }
    let mut ok = svc("app");
    ok.container.hostname = Some("app-1".into());
    ok.container.stop_signal = Some("SIGRTMIN+3".into());
    ok.container.ulimits = vec![("memlock".into(), stackdef::Ulimit::Single(-1))];
    assert_eq!(messages(&stack(vec![ok])), vec![]);
}

#[test]
fn fixed_addresses_need_a_subnet_that_holds_them_once() {
    let with_ip = |name: &str, ip: [u8; 4]| {
        let mut s = svc(name);
        let mut n = stackdef::ServiceNetwork::from(NetworkName::from_static("backend"));
        n.ipv4_address = Some(ip.into());
        s.networks = vec![n];
        s
    };
    let build = |subnet: Option<&str>, services: Vec<Service>| {
        let mut st = stack(services);
        let mut net = stackdef::Network::new(NetworkName::from_static("backend"));
        net.subnet = subnet.map(|s| stackdef::Subnet::parse(s).unwrap());
        st.networks = vec![net];
        st
    };
    let m = messages(&build(None, vec![with_ip("a", [172, 28, 0, 10])]));
    assert!(m[0].1.contains("declares no subnet"), "{m:?}");
    let m = messages(&build(
        Some("172.28.0.0/16"),
        vec![with_ip("a", [10, 0, 0, 5])],
    ));
    assert!(m[0].1.contains("outside the subnet 172.28.0.0/16"), "{m:?}");
    let m = messages(&build(
        Some("172.28.0.0/16"),
        vec![with_ip("a", [172, 28, 0, 1])],
    ));
    assert!(m[0].1.contains("is the gateway"), "{m:?}");
    let twice = vec![
        with_ip("a", [172, 28, 0, 10]),
        with_ip("b", [172, 28, 0, 10]),
    ];
    let m = messages(&build(Some("172.28.0.0/16"), twice));
    assert_eq!(m.len(), 1, "{m:?}");
    assert_eq!(m[0].0, DefectClass::Conflict);
    let ok = vec![
        with_ip("a", [172, 28, 0, 10]),
        with_ip("b", [172, 28, 0, 11]),
    ];
    assert_eq!(messages(&build(Some("172.28.0.0/16"), ok)), vec![]);
}

#[test]
fn a_dependency_that_is_not_required_may_be_off_in_a_profile_but_must_exist() {
    let mut dev = svc("dev_server");
    dev.profiles = vec!["dev".into()];
    let mut worker = svc("worker");
    worker.depends_on = vec![dep("dev_server")];
    let required = stack(vec![dev.clone(), worker.clone()]);
    assert_eq!(messages(&required)[0].0, DefectClass::Conflict);
    worker.depends_on[0].required = false;
    assert_eq!(messages(&stack(vec![dev, worker.clone()])), vec![]);
    // compose refuses an undefined one whatever `required` says
    let m = messages(&stack(vec![worker]));
    assert_eq!(m[0].0, DefectClass::UnknownService, "{m:?}");
}

fn vpn_user(name: &str, mode: stackdef::NetworkMode) -> Service {
    let mut s = svc(name);
    s.network_mode = Some(mode);
    s
}

#[test]
fn links_and_a_shared_network_stack_are_references_and_dependencies() {
    use stackdef::{Link, NetworkMode};
    let mut a = vpn_user("a", NetworkMode::Service(ServiceName::from_static("vpm")));
    a.links = vec![Link {
        service: ServiceName::from_static("b"),
        alias: Some("bee".into()),
    }];
    let mut b = svc("b");
    b.links = vec![Link {
        service: ServiceName::from_static("a"),
        alias: None,
    }];
    let found = messages(&stack(vec![a, b, svc("vpn")]));
    assert_eq!(
        found,
        vec![
            (
                DefectClass::UnknownService,
                "`a` depends on unknown service `vpm`; did you mean `vpn`?".into()
            ),
            (
                DefectClass::Cycle,
                "dependency cycle: `a` → `b` → `a`; remove one of these dependencies".into()
            ),
            (
                DefectClass::Conflict,
                "`a` sets `network_mode: service:vpm` and `links`, which the engine refuses: links need the container's own network; reach the service by its name".into()
            ),
        ]
    );
}

#[test]
fn another_network_stack_refuses_what_compose_and_the_engine_refuse() {
    use stackdef::NetworkMode;
    let mut a = vpn_user("a", NetworkMode::Service(ServiceName::from_static("vpn")));
    a.networks = vec![NetworkName::from_static("back").into()];
    a.ports = vec![PortMapping::new(8080, 80).unwrap()];
    a.container.hostname = Some("a".into());
    let mut h = vpn_user("h", NetworkMode::Host);
    h.links = vec![stackdef::Link {
        service: ServiceName::from_static("vpn"),
        alias: None,
    }];
    // ports the engine discards take no part in the clash check (a warning says so)
    h.ports = vec![PortMapping::new(9000, 9000).unwrap()];
    let mut other = svc("other");
    other.ports = vec![PortMapping::new(9000, 9000).unwrap()];
    let mut s = stack(vec![a, h, svc("vpn"), other]);
    s.networks = vec![stackdef::Network::new(NetworkName::from_static("back"))];
    let found: Vec<String> = messages(&s).into_iter().map(|(_, m)| m).collect();
    assert_eq!(found.len(), 4, "{found:#?}");
    for (at, field) in [(0, "networks"), (1, "ports"), (2, "hostname")] {
        assert!(
            found[at].starts_with(&format!(
                "`a` sets `network_mode: service:vpn` and `{field}`, which"
            )),
            "{found:#?}"
        );
    }
    assert!(
        found[3].starts_with("`h` sets `network_mode: host` and `links`, which the engine refuses"),
        "{found:#?}"
    );
    let warned = stackdef::check::warnings(&s);
    assert!(
        warned.iter().any(|w| w
            .message
            .contains("`h` publishes ports but uses `network_mode: host`")),
        "{warned:#?}"
    );
}

#[test]
fn configs_are_declared_once_and_mounted_where_a_path_is() {
    use stackdef::{Config, ConfigMount, ConfigName, ConfigSource};
    let mut a = svc("a");
    a.configs = vec![
        ConfigName::from_static("app").into(),
        ConfigMount {
            target: Some("etc/app.conf".into()),
            mode: Some(0o10000),
            ..ConfigName::from_static("ap").into()
        },
    ];
    let mut s = stack(vec![a]);
    let app = Config {
        name: ConfigName::from_static("app"),
        source: ConfigSource::Content("x = 1\n".into()),
    };
    s.configs = vec![app.clone(), app];
    let found: Vec<String> = messages(&s).into_iter().map(|(_, m)| m).collect();
    assert_eq!(
        found,
        [
            "`a` uses unknown config `ap`; did you mean `app`?",
            "invalid services.a.configs `etc/app.conf`: a config's target must be an absolute path in the container",
            "invalid services.a.configs `10000`: permission bits go up to 07777",
            "`the stack` lists config `app` twice; compose keeps only one of them, so keep one",
        ],
        "{found:#?}"
    );
}

#[test]
fn a_route_cannot_reach_a_service_on_another_network_stack() {
    use stackdef::{NetworkMode, Placement, Proxy, Route, Server, Tls};
    let app = vpn_user("app", NetworkMode::Service(ServiceName::from_static("vpn")));
    let mut vpn = svc("vpn");
    vpn.expose = vec![PortRange::new(8000, 8000).unwrap()];
    let mut s = stack(vec![app, vpn]);
    let mut proxy = Proxy::new("edge.conf", Placement::Host).unwrap();
    let mut server = Server::new(vec!["a.example.com".parse().unwrap()], Tls::Off);
    server.routes = vec![Route::proxy("/", ServiceName::from_static("app"), 8000).unwrap()];
    proxy.servers = vec![server];
    s.proxies = vec![proxy];
    assert_eq!(
        messages(&s),
        vec![(
            DefectClass::RouteTarget,
            "route `/` targets `app`, which uses `network_mode: service:vpn` and so has no name on the proxy's network: route to `vpn`, whose network stack it shares".into()
        )]
    );
}

#[test]
fn limits_outside_deploy_must_agree_with_deploy() {
    use stackdef::{ByteSize, Cpus, Deploy, NetworkMode};
    let mut a = svc("a");
    a.container.mem_limit = Some(ByteSize::gib(1));
    a.container.cpus = Some(Cpus::millis(500));
    a.deploy = Some(Deploy::limited(Cpus::millis(500), ByteSize::mib(256)));
    let mut b = vpn_user("b", NetworkMode::Service(ServiceName::from_static("a")));
    b.container.dns = vec!["192.0.2.53".parse().unwrap()];
    b.container.oom_score_adj = Some(2000);
    let found: Vec<String> = messages(&stack(vec![a, b]))
        .into_iter()
        .map(|(_, m)| m)
        .collect();
    assert_eq!(
        found,
        [
            "invalid services.a.mem_limit `1g`: differs from `deploy.resources.limits.memory` (256m), which compose refuses; set one of them",
            "invalid services.b.oom_score_adj `2000`: must be -1000 to 1000",
            "`b` sets `network_mode: service:a` and `dns`, which the engine refuses: the network stack belongs to another container; set it there, or drop it",
        ],
        "{found:#?}"
    );
}
