//! One test per defect class the differential test found: the real tool rejects the file the
//! emitter used to write for such a stack, and `validate()` now refuses the stack with a message
//! naming what is wrong. (The emitter refuses invalid stacks, so the rejected files are written
//! here by hand, as the old emitter wrote them.)

mod support;

use std::path::Path;

use stackdef::{
    ByteSize, Condition, DependsOn, Deploy, Image, Mount, Network, NetworkName, Placement,
    PortMapping, Proxy, RateZone, Route, Server, Service, ServiceName, Stack, Tls, Volume,
    VolumeName, ZoneName,
};

fn service(name: &'static str) -> Service {
    Service::builder()
        .name(ServiceName::from_static(name))
        .source(Image::parse("example/app:1.0").unwrap())
        .build()
}

fn stack(services: Vec<Service>) -> Stack {
    Stack::builder()
        .name("reg".parse().unwrap())
        .services(services)
        .build()
}

/// `validate()`'s messages for `stack`, which must fail.
fn refused(stack: &Stack) -> Vec<String> {
    match stackdef::validate(stack) {
        Ok(_) => panic!("validate() accepted the stack"),
        Err(d) => d.into_iter().map(|d| d.message).collect(),
    }
}

fn assert_refused(stack: &Stack, fragment: &str) {
    let messages = refused(stack);
    assert!(
        messages.iter().any(|m| m.contains(fragment)),
        "expected `{fragment}` in {messages:?}"
    );
}

/// Docker Compose v2 refuses `yaml` (or warns) with a message containing `fragment`.
fn compose_refuses(name: &str, yaml: &str, fragment: &str) {
    let dir = support::scratch(&format!("reg-{name}"));
    let file = dir.join("compose.yml");
    std::fs::write(&file, yaml).unwrap();
    let env = dir.join("empty.env");
    std::fs::write(&env, "").unwrap();
    let err = support::judge_compose_v2(&file, &env).expect_err("compose v2 accepted the file");
    assert!(err.contains(fragment), "{err}");
}

/// nginx -t refuses (or warns about) the http-level `body`, with `fragment` in its message.
fn nginx_refuses(name: &str, body: &str, fragment: &str) {
    let dir = support::scratch(&format!("reg-nginx-{name}"));
    let text = format!("events {{}}\nhttp {{\n{body}\n}}\n");
    std::fs::write(dir.join(format!("{name}.conf")), text).unwrap();
    let err = support::judge_live_nginx("syntax", Path::new(&dir)).expect_err("nginx accepted");
    assert!(err.contains(fragment), "{err}");
}

#[test]
fn a_dependency_listed_twice() {
    let mut api = service("api");
    let db = ServiceName::from_static("db");
    api.depends_on = vec![
        DependsOn::started(db.clone()),
        DependsOn {
            condition: Condition::Started,
            ..DependsOn::started(db)
        },
    ];
    assert_refused(
        &stack(vec![api, service("db")]),
        "`api` lists dependency `db` twice",
    );
    compose_refuses(
        "depends-twice",
        "services:\n  api:\n    image: x\n    depends_on:\n      db:\n        condition: service_started\n      db:\n        condition: service_started\n  db:\n    image: x\n",
        "already defined",
    );
}

#[test]
fn a_container_name_on_replicas() {
    let mut api = service("api");
    api.container_name = Some("api-1".parse().unwrap());
    api.deploy = Some(Deploy {
        replicas: Some(2),
        ..Deploy::default()
    });
    assert_refused(&stack(vec![api]), "has a fixed `container_name`");
    compose_refuses(
        "replicas",
        "services:\n  api:\n    image: x\n    container_name: api-1\n    deploy:\n      replicas: 2\n",
        "container name must be unique",
    );
}

#[test]
fn a_dependency_only_a_profile_enables() {
    let mut api = service("api");
    api.depends_on = vec![DependsOn::started(ServiceName::from_static("tools"))];
    let mut tools = service("tools");
    tools.profiles = vec!["debug".into()];
    assert_refused(&stack(vec![api, tools]), "which only its profiles enable");
    compose_refuses(
        "profile",
        "services:\n  api:\n    image: x\n    depends_on: [tools]\n  tools:\n    image: x\n    profiles: [debug]\n",
        "undefined service",
    );
}

#[test]
fn a_bind_source_compose_reads_as_a_volume() {
    let mut api = service("api");
    api.mounts = vec![Mount::Bind {
        source: "data".into(),
        target: "/data".into(),
        read_only: false,
        create_host_path: true,
        selinux: None,
        source_var: None,
    }];
    assert_refused(&stack(vec![api]), "a bind source must start with");
    compose_refuses(
        "bind",
        "services:\n  api:\n    image: x\n    volumes:\n      - data:/data:rw\n",
        "undefined volume data",
    );
}

#[test]
fn an_external_volume_with_a_driver() {
    let mut s = stack(vec![service("api")]);
    let mut v = Volume::new(VolumeName::from_static("pgdata"));
    v.external = true;
    v.driver = Some("local".into());
    s.volumes = vec![v];
    let mut n = Network::new(NetworkName::from_static("edge"));
    n.external = true;
    n.internal = true;
    s.networks = vec![n];
    assert_refused(&s, "volume `pgdata` is external but sets `driver`");
    assert_refused(&s, "network `edge` is external but sets `internal`");
    compose_refuses(
        "external",
        "services:\n  api:\n    image: x\nvolumes:\n  pgdata:\n    external: true\n    driver: local\n",
        "conflicting parameters",
    );
}

#[test]
fn dollar_in_capabilities_and_profiles() {
    let mut api = service("api");
    api.cap_add = vec!["$X".into()];
    api.profiles = vec!["$p".into()];
    assert_refused(&stack(vec![api]), "invalid services.api.cap_add `$X`");
    compose_refuses(
        "dollar",
        "services:\n  api:\n    image: x\n    cap_add: [$X]\n",
        "variable is not set",
    );
}

#[test]
fn a_shell_command_is_run_by_a_shell() {
    // compose splits a string command into words itself and refuses a backtick
    compose_refuses(
        "shell",
        "services:\n  api:\n    image: x\n    command: '`x'\n",
        "invalid command line string",
    );
    let mut api = service("api");
    api.command = Some(stackdef::Command::Shell("echo `date` && sleep 1".into()));
    let yaml =
        stackdef::emit::compose::to_yaml(&stackdef::validate(&stack(vec![api])).unwrap()).unwrap();
    assert!(
        yaml.contains("- /bin/sh\n    - -c\n    - echo `date` && sleep 1"),
        "{yaml}"
    );
    let dir = support::scratch("reg-shell-ok");
    std::fs::write(dir.join("c.yml"), &yaml).unwrap();
    std::fs::write(dir.join("e.env"), "").unwrap();
    support::check_compose_v2(&dir.join("c.yml"), &dir.join("e.env"));
}

fn proxy_stack(servers: Vec<Server>) -> Stack {
    let mut api = service("api");
    api.ports = vec![PortMapping::new(8000, 8000).unwrap()];
    let mut proxy = Proxy::new("edge.conf", Placement::Host).unwrap();
    proxy.servers = servers;
    let mut s = stack(vec![api]);
    s.proxies = vec![proxy];
    s
}

fn server(name: &str, tls: Tls, routes: Vec<Route>) -> Server {
    let names = if name.is_empty() {
        Vec::new()
    } else {
        vec![name.parse().unwrap()]
    };
    let mut s = Server::new(names, tls);
    s.routes = routes;
    s
}

fn to_api() -> Route {
    Route::proxy("/", ServiceName::from_static("api"), 8000).unwrap()
}

#[test]
fn two_servers_with_one_name() {
    let s = proxy_stack(vec![
        server("example.com", Tls::Off, vec![to_api()]),
        server("example.com", Tls::Off, vec![to_api()]),
    ]);
    assert_refused(&s, "server `example.com` on port 80 is declared twice");
    nginx_refuses(
        "names",
        "server { listen 80; server_name example.com; return 204; }\nserver { listen 80; server_name example.com; return 204; }",
        "conflicting server name",
    );
}

#[test]
fn two_catch_all_servers() {
    let s = proxy_stack(vec![
        server("", Tls::Off, vec![to_api()]),
        server("", Tls::Off, vec![to_api()]),
    ]);
    assert_refused(&s, "server `_` on port 80 is declared twice");
    nginx_refuses(
        "defaults",
        "server { listen 80 default_server; return 204; }\nserver { listen 80 default_server; return 204; }",
        "a duplicate default server",
    );
}

#[test]
fn a_tls_server_without_a_name() {
    let s = proxy_stack(vec![server("", Tls::LetsEncrypt, vec![to_api()])]);
    assert_refused(&s, "a TLS server needs a name");
    nginx_refuses(
        "noname",
        "server { listen 80; server_name ; return 204; }",
        "invalid number of arguments",
    );
}

#[test]
fn an_spa_asset_prefix_equal_to_a_route() {
    let spa = Route::spa("/", "/usr/share/nginx/html", "/api/").unwrap();
    let api = Route::proxy("/api/", ServiceName::from_static("api"), 8000).unwrap();
    let s = proxy_stack(vec![server("example.com", Tls::Off, vec![api, spa])]);
    assert_refused(&s, "route `/api/` of `example.com` is declared twice");
    nginx_refuses(
        "locations",
        "server { listen 80; location /api/ { return 204; } location /api/ { return 200; } }",
        "duplicate location",
    );
}

#[test]
fn rate_zones_nginx_refuses() {
    let zone = ZoneName::new("api").unwrap();
    let limited = to_api().limit(ZoneName::new("apii").unwrap(), 5);
    let mut s = proxy_stack(vec![server("example.com", Tls::Off, vec![limited])]);
    s.proxies[0].rate_limits = vec![RateZone {
        name: zone,
        per_second: 0,
        size: ByteSize::kib(1),
    }];
    assert_refused(
        &s,
        "is limited by undeclared rate zone `apii`; did you mean `api`?",
    );
    assert_refused(&s, "nginx needs a zone of at least 32 KiB");
    assert_refused(&s, "a rate must be at least 1 request per second");
    nginx_refuses(
        "zone",
        "limit_req_zone $binary_remote_addr zone=api:1k rate=1r/s;",
        "is too small",
    );
    nginx_refuses(
        "undeclared",
        "server { listen 80; location / { limit_req zone=apii burst=5; return 204; } }",
        "zero size shared memory zone",
    );
    nginx_refuses(
        "burst",
        "limit_req_zone $binary_remote_addr zone=api:64k rate=1r/s;\nserver { listen 80; location / { limit_req zone=api burst=0; return 204; } }",
        "invalid burst value",
    );
}

#[test]
fn a_route_to_a_udp_only_port() {
    let mut s = proxy_stack(vec![server("example.com", Tls::Off, vec![to_api()])]);
    s.services[0].ports = vec![PortMapping::new(8000, 8000).unwrap().udp()];
    assert_refused(&s, "route `/` targets port 8000 of `api`");
}

#[test]
fn a_host_proxy_route_naming_the_host_port() {
    let mut s = proxy_stack(vec![server(
        "example.com",
        Tls::Off,
        vec![Route::proxy("/", ServiceName::from_static("api"), 18000).unwrap()],
    )]);
    s.services[0].ports = vec![PortMapping::new(18000, 8000).unwrap()];
    assert_refused(
        &s,
        "which is the host port of its container port 8000; a route names the container port: write `api: 8000`",
    );
}

#[test]
fn values_assembled_through_public_fields_meet_the_constructors_rules() {
    let mut s = proxy_stack(vec![server("example.com", Tls::Off, vec![to_api()])]);
    s.services[0].ports = vec![PortMapping {
        published: Some(stackdef::PortRange::new(9000, 9003).unwrap()),
        target: stackdef::PortRange::new(80, 81).unwrap(),
        ..PortMapping::new(9000, 80).unwrap()
    }];
    let mut respond = Route::respond("/x", 200, "ok").unwrap();
    if let stackdef::Action::Respond { status, .. } = &mut respond.action {
        *status = 999;
    }
    s.proxies[0].servers[0].routes.push(respond);
    s.proxies[0].file = "../nginx.conf".into();
    assert_refused(
        &s,
        "the host and container ranges must have the same length",
    );
    assert_refused(
        &s,
        "invalid proxies.../nginx.conf.routes./x.status `999`: must be 200-599",
    );
    assert_refused(&s, "invalid proxy file name `../nginx.conf`");
    compose_refuses(
        "ranges",
        "services:\n  api:\n    image: x\n    ports:\n      - 9000-9003:80-81/tcp\n",
        "",
    );
}

#[test]
fn a_build_argument_key_with_white_space() {
    let mut api = service("api");
    api.source = stackdef::Source::Build(
        stackdef::Build {
            args: vec![(" ".into(), "x".into())],
            ..stackdef::Build::builder().context(".").build()
        },
        None,
    );
    assert_refused(&stack(vec![api]), "invalid services.api.build.args ` `");
    compose_refuses(
        "build-arg",
        "services:\n  api:\n    build:\n      context: .\n      args:\n        - ' =x'\n",
        "trailing space",
    );
}

/// nginx accepts a tiny `worker_connections` in `nginx -t`, then, running, runs out: a worker's
/// listening sockets and a few clients use the connections up, so it drops clients that are
/// still connecting ("worker_connections are not enough, reusing connections").
#[test]
fn too_few_worker_connections() {
    let mut s = proxy_stack(vec![server("example.com", Tls::Off, vec![to_api()])]);
    s.proxies[0].worker_connections = 4;
    assert_refused(&s, "worker_connections");
    let dir = support::scratch("reg-worker-connections");
    let d = dir.to_string_lossy();
    std::fs::create_dir_all(dir.join("logs")).unwrap();
    std::fs::write(
        dir.join("nginx.conf"),
        format!(
            "worker_processes 1;\nerror_log {d}/logs/error.log warn;\nevents {{ worker_connections 4; }}\n\
             http {{ access_log off; server {{ listen 127.0.0.1:8081; return 204; }} \
             server {{ listen 127.0.0.1:8082; return 204; }} }}\n"
        ),
    )
    .unwrap();
    // idle clients, then a request: one worker with 4 connections drops clients to serve it
    let script = format!(
        "ip link set lo up && nginx -t -q -p {d} -c {d}/nginx.conf -g 'pid {d}/nginx.pid;' && \
         nginx -p {d} -c {d}/nginx.conf -g 'pid {d}/nginx.pid;' && sleep 0.3 && python3 -c '\
import socket, time, urllib.request\n\
idle = [socket.create_connection((\"127.0.0.1\", 8081)) for _ in range(3)]\n\
time.sleep(0.3)\n\
urllib.request.urlopen(\"http://127.0.0.1:8082/\", timeout=2)\n\
time.sleep(0.3)\n\
for c in idle: c.settimeout(0.5)\n\
def closed(c):\n    try:\n        return c.recv(1) == b\"\"\n    except OSError as e:\n        return \"timed out\" not in str(e)\n\
print(\"dropped\", sum(map(closed, idle)))\n'; \
         nginx -s quit -p {d} -c {d}/nginx.conf -g 'pid {d}/nginx.pid;'; sleep 0.3; cat {d}/logs/error.log"
    );
    let out = std::process::Command::new("unshare")
        .args(["--net", "--fork", "sh", "-c", &script])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("dropped ") && !text.contains("dropped 0"),
        "nginx dropped no client with 4 connections:\n{text}"
    );
    assert!(
        text.contains("worker_connections are not enough"),
        "nginx logged no shortage:\n{text}"
    );
}
