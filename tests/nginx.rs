//! The nginx emitter, judged by a parse-back of the directive tree, gixy-ng,
//! `nginx -t` and live traffic.

mod support;

use stackdef_examples::inctra;

use stackdef::emit::nginx;
use stackdef::{
    Action, Error, HeaderName, Image, NginxVersion, Placement, PortMapping, Proxy, Quoted, Route,
    Server, ServiceName, Stack, Tls, Upstream, UriPath,
};
use support::nginx_parse::{Directive, parse};

fn files() -> Vec<(String, String)> {
    let stack = inctra::stack().unwrap();
    let mut files = nginx::to_files(&stackdef::validate(&stack).unwrap()).unwrap();
    let bootstrap =
        nginx::to_bootstrap_conf(&stackdef::validate(&stack).unwrap(), &stack.proxies[0]).unwrap();
    files.push(("nginx-bootstrap.conf".into(), bootstrap));
    files
}

/// The inctra nginx files in a scratch directory of the test's own (tests run in parallel).
fn deploy_dir(test: &str) -> std::path::PathBuf {
    let dir = support::scratch(&format!("nginx-deploy-{test}"));
    for (name, text) in files() {
        std::fs::write(dir.join(name), text).unwrap();
    }
    dir
}

#[test]
fn gixy_finds_nothing() {
    let dir = deploy_dir("gixy");
    support::check_gixy(&dir.join("nginx.conf"));
    // the frontend file is a conf.d server file: wrap it the way the nginx image does
    let main = dir.join("frontend-main.conf");
    let wrapper = format!(
        "events {{}}\nhttp {{\n    include /etc/nginx/mime.types;\n    include {};\n}}\n",
        dir.join("nginx-frontend.conf").display()
    );
    std::fs::write(&main, wrapper).unwrap();
    support::check_gixy(&main);
}

#[test]
fn live_edge_proxy() {
    support::live_nginx("edge", &deploy_dir("edge"));
}

#[test]
fn live_first_start_without_certificates() {
    let dir = deploy_dir("bootstrap");
    support::check_gixy(&dir.join("nginx-bootstrap.conf"));
    support::live_nginx("bootstrap", &dir);
}

#[test]
fn live_frontend_server() {
    support::live_nginx("frontend", &deploy_dir("frontend"));
}

fn servers(root: &Directive) -> Vec<&Directive> {
    root.descendants()
        .into_iter()
        .filter(|d| d.name == "server" && d.block.is_some())
        .collect()
}

#[test]
fn parse_back_matches_the_stack() {
    let conf = parse(&files()[0].1).unwrap();
    let servers = servers(&conf);
    assert_eq!(
        servers.len(),
        4,
        "catch-all http, catch-all https, redirect, main"
    );
    let main = servers[3];
    let locations: Vec<&Directive> = main
        .block
        .iter()
        .flatten()
        .filter(|d| d.name == "location")
        .collect();
    let paths: Vec<Vec<String>> = locations.iter().map(|l| l.args.clone()).collect();
    assert_eq!(
        paths,
        [vec!["=", "/health"], vec!["/api/"], vec!["/ws/"], vec!["/"]]
    );
    for l in &locations {
        let inner: Vec<&str> = l.descendants().iter().map(|d| d.name.as_str()).collect();
        assert!(
            !inner.contains(&"add_header"),
            "add_header in a location drops the server's"
        );
        if inner.contains(&"proxy_pass") {
            let set: Vec<&str> = l
                .descendants()
                .iter()
                .filter(|d| d.name == "proxy_set_header")
                .map(|d| d.args[0].as_str())
                .collect();
            for h in [
                "Host",
                "X-Real-IP",
                "X-Forwarded-For",
                "X-Forwarded-Proto",
                "X-Forwarded-Host",
                "X-Forwarded-Port",
            ] {
                assert!(set.contains(&h), "{h} missing in {:?}", l.args);
            }
        }
    }
    let hsts = main
        .descendants()
        .into_iter()
        .find(|d| d.name == "add_header" && d.args[0] == "Strict-Transport-Security")
        .expect("HSTS");
    assert_eq!(hsts.args[1], "max-age=63072000; includeSubDomains");
}

fn small_stack(placement: Placement, route: Route) -> Stack {
    let mut api = stackdef::Service::builder()
        .name(ServiceName::from_static("api"))
        .source(Image::parse("api:1").unwrap())
        .build();
    api.ports = vec![
        PortMapping::new(8000, 8000)
            .unwrap()
            .on(stackdef::LOCALHOST),
    ];
    let mut proxy = Proxy::new("nginx.conf", placement).unwrap();
    let mut server = Server::new(vec!["example.com".parse().unwrap()], Tls::Off);
    server.routes = vec![route];
    proxy.servers.push(server);
    Stack::builder()
        .name("t".parse().unwrap())
        .services(vec![api])
        .proxies(vec![proxy])
        .build()
}

fn proxy_route() -> Route {
    Route::proxy("/api/", ServiceName::from_static("api"), 8000).unwrap()
}

/// The catalogue of hostile strings every nginx string field is tried with.
fn hostile() -> Vec<String> {
    let mut v: Vec<String> = [
        ";",
        "{",
        "}",
        "\"",
        "'",
        "#",
        "$",
        "$host",
        "\\",
        "\\\"",
        "a; return 200 pwned;",
        "a\" ; add_header X-Injected 1; \"",
        "x { location /y { return 200; } }",
        "# comment",
        "a\r\nSet-Cookie: injected=1",
        "nul\0byte",
        "tab\there",
        "café ü 漢字",
        "",
        " ",
        "'single'",
        "a\\nb",
        "${x}",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    v.push("x".repeat(1 << 20));
    v
}

#[test]
fn hostile_strings_never_add_a_directive() {
    let baseline = |value: Quoted| {
        let mut route = proxy_route();
        if let Action::Proxy(u) = &mut route.action {
            u.headers = vec![(HeaderName::new("X-Tenant").unwrap(), value.clone())];
        }
        let mut stack = small_stack(Placement::Host, route);
        stack.proxies[0].servers[0].csp = Some(value.clone());
        stack.proxies[0].servers[0]
            .routes
            .push(Route::respond("/health", 200, value.as_str()).unwrap());
        parse(&nginx::to_files(&stackdef::validate(&stack).unwrap()).unwrap()[0].1).unwrap()
    };
    let shape = baseline(Quoted::new("benign").unwrap()).shape();
    let (mut accepted, mut refused) = (0, 0);
    for s in hostile() {
        let value = match Quoted::new(s.as_str()) {
            Ok(v) => v,
            Err(Error::Invalid { field, .. }) => {
                assert_eq!(field, "quoted value");
                refused += 1;
                continue;
            }
            Err(e) => panic!("{e}"),
        };
        accepted += 1;
        let tree = baseline(value);
        assert_eq!(tree.shape(), shape, "{s:?} changed the directive tree");
        let all = tree.descendants();
        let csp = all
            .iter()
            .find(|d| d.name == "add_header" && d.args[0] == "Content-Security-Policy")
            .unwrap();
        assert_eq!(csp.args[1], s, "CSP reads back");
        let header = all
            .iter()
            .find(|d| d.name == "proxy_set_header" && d.args[0] == "X-Tenant")
            .unwrap();
        assert_eq!(header.args[1], s, "proxy header reads back");
        let ret = all
            .iter()
            .find(|d| d.name == "return" && d.args[0] == "200")
            .unwrap();
        assert_eq!(ret.args[1], s, "return body reads back");
    }
    assert!(
        accepted >= 10 && refused >= 5,
        "accepted {accepted}, refused {refused}"
    );
}

#[test]
fn hostile_strings_in_token_fields_are_refused() {
    for s in hostile() {
        assert!(
            UriPath::new(s.as_str()).is_err() || s.is_empty(),
            "path {s:?}"
        );
        assert!(s.parse::<stackdef::HostName>().is_err(), "host {s:?}");
        assert!(HeaderName::new(s.as_str()).is_err(), "header name {s:?}");
        assert!(stackdef::ZoneName::new(s.as_str()).is_err(), "zone {s:?}");
        assert!(stackdef::AbsPath::new(s.as_str()).is_err(), "path {s:?}");
        assert!(Route::redirect("/x", 308, &s).is_err(), "redirect {s:?}");
        assert!(
            Proxy::new(&s, Placement::Host).is_err() || !s.contains(['/', '\0', '\r']),
            "file {s:?}"
        );
    }
}

#[test]
fn target_version_decides_directives() {
    let mut stack = small_stack(
        Placement::Service(ServiceName::from_static("api")),
        proxy_route(),
    );
    let old = nginx::to_files(&stackdef::validate(&stack).unwrap()).unwrap()[0]
        .1
        .clone();
    assert!(old.contains("resolver 127.0.0.11"));
    assert!(old.contains("set $stackdef_api_8000 api:8000;"), "{old}");
    stack.proxies[0].version = NginxVersion::MAINLINE_1_27;
    stack.proxies[0].servers[0].tls = Tls::LetsEncrypt;
    let new = nginx::to_files(&stackdef::validate(&stack).unwrap()).unwrap()[0]
        .1
        .clone();
    assert!(new.contains("server api:8000 resolve;"), "{new}");
    assert!(
        new.contains("http2 on;") && !new.contains("ssl_session_tickets"),
        "{new}"
    );
    assert!(old.contains("ssl_session_tickets") || !old.contains("ssl_protocols"));
}

#[test]
fn service_placement_passes_nginx_t() {
    let mut route = proxy_route();
    if let Action::Proxy(u) = &mut route.action {
        *u = Upstream::new(
            ServiceName::from_static("api"),
            stackdef::Port::new(8000).unwrap(),
        )
        .websocket();
    }
    let stack = small_stack(Placement::Service(ServiceName::from_static("api")), route);
    let dir = support::scratch("nginx-service-placement");
    let conf = dir.join("nginx.conf");
    std::fs::write(
        &conf,
        &nginx::to_files(&stackdef::validate(&stack).unwrap()).unwrap()[0].1,
    )
    .unwrap();
    let (ok, out) = support::run(
        std::process::Command::new("unshare")
            .args(["--mount", "--net", "--fork", "nginx", "-t", "-q", "-c"])
            .arg(&conf)
            .arg("-g")
            .arg(format!("pid {}/nginx.pid;", dir.display())),
    );
    assert!(ok, "{out}");
    support::check_gixy(&conf);
}

#[test]
fn a_route_to_an_unpublished_port_is_refused() {
    let stack = small_stack(
        Placement::Host,
        Route::proxy("/x/", ServiceName::from_static("api"), 9000).unwrap(),
    );
    match stackdef::validate(&stack)
        .map(|_| ())
        .map_err(Error::InvalidStack)
    {
        Err(Error::InvalidStack(d)) => assert_eq!(
            d[0].message,
            "route `/x/` targets port 9000 of `api`, which it does not publish; a proxy on the host reaches services through published ports"
        ),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_proxy_service_is_wired_into_compose() {
    let mut stack = small_stack(
        Placement::Service(ServiceName::from_static("edge")),
        proxy_route(),
    );
    stack.services[0].ports.clear();
    stack.services[0].expose = vec![stackdef::PortRange::new(8000, 8000).unwrap()];
    stack.services.push(
        stackdef::Service::builder()
            .name(ServiceName::from_static("edge"))
            .source(Image::parse("nginx:1.27-alpine").unwrap())
            .build(),
    );
    stack.proxies[0].servers[0].tls = Tls::LetsEncrypt;
    stack.wire_proxies().unwrap();
    let wired = stack.clone();
    stack.wire_proxies().unwrap();
    assert_eq!(stack, wired, "wiring twice changes nothing");
    let edge = stack.service("edge").unwrap();
    let published: Vec<u16> = edge
        .ports
        .iter()
        .filter_map(|p| p.published)
        .map(|p| p.start().get())
        .collect();
    assert_eq!(published, [80, 443]);
    assert!(
        edge.mounts
            .iter()
            .any(|m| m.target() == "/etc/nginx/nginx.conf")
    );
    assert!(edge.mounts.iter().any(|m| m.target() == "/etc/letsencrypt"));
    assert!(stack.service("certbot").is_some());
    let dir = support::scratch("wired-compose");
    let file = dir.join("compose.yml");
    let v1 = stackdef::emit::compose::ComposeOptions {
        target: stackdef::emit::compose::ComposeTarget::DockerCompose1,
    };
    std::fs::write(
        &file,
        stackdef::emit::compose::to_yaml_with(&stackdef::validate(&stack).unwrap(), v1).unwrap(),
    )
    .unwrap();
    support::check_compose_schema(&file);
    let env = dir.join("empty.env");
    std::fs::write(&env, "").unwrap();
    support::check_docker_compose(&file, &env);
    let spec = dir.join("spec.yml");
    std::fs::write(
        &spec,
        stackdef::emit::compose::to_yaml(&stackdef::validate(&stack).unwrap()).unwrap(),
    )
    .unwrap();
    support::check_compose_v2(&spec, &env);
    let yaml = std::fs::read_to_string(&file).unwrap();
    assert!(
        yaml.contains("wait $$!"),
        "a literal `$` is escaped for compose:\n{yaml}"
    );
}
