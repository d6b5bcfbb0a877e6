//! Stacks run for real: every example stack is brought up by Docker Compose v2 on a real Docker
//! engine and judged by what it does, not by how its files parse.
//!
//! The engine and the stand-in images come from `tools/test.sh` (`tools/engine/images.sh`:
//! Debian packages under the exact image names the stacks use; nothing is pulled). For each
//! stack this test writes its files as the example does, builds the `build:` services from
//! stand-in Dockerfiles at the paths the stack names, fills the env file as its template tells
//! a user to (secrets made with the template's own command), and then checks that
//! - `docker compose up -d --wait` succeeds: every healthcheck passes;
//! - every `depends_on` condition held: a service started after its dependency was healthy
//!   (the first passing probe in `docker inspect`), or had exited 0;
//! - real traffic through the emitted nginx files works (`tests/engine/traffic.py`): first start
//!   with the bootstrap file and a certificate obtained through the ACME challenge, then every
//!   route, the database and Redis behind the application, WebSockets, rate limits;
//! - a row written before `down` + `up` is read after it; a killed application process comes
//!   back under its restart policy.
//!
//! A missing engine or image fails the test: it never skips.

mod support;

use stackdef_examples::ai_scrum_master;
use stackdef_examples::inctra;
use stackdef_examples::ticket_tracking;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use stackdef::write::{self, Plan};
use stackdef::{Action, Condition, Mount, Placement, Source, Stack};

/// One stack at a time: the stacks publish the same host ports.
static ENGINE: Mutex<()> = Mutex::new(());

/// What a built service stands in as.
#[derive(Clone, Copy, PartialEq)]
enum Role {
    /// The stand-in application (`stackdef-app`): HTTP, PostgreSQL, Redis, WebSockets.
    App,
    /// An nginx image serving a single-page app.
    Spa,
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn docker(args: &[&str]) -> Output {
    Command::new("docker")
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run docker: {e}"))
}

/// The engine answers and the stand-in images exist, or the test fails saying what to do.
fn engine_ready() {
    let info = docker(&["info", "--format", "{{.ServerVersion}}"]);
    assert!(
        info.status.success(),
        "no Docker engine answers (DOCKER_HOST={:?}); tools/test.sh starts one:\n{}",
        std::env::var("DOCKER_HOST").ok(),
        text(&info)
    );
    for image in ["stackdef-app:bookworm", "nginx:1.27-alpine", "postgres:15"] {
        let found = docker(&["image", "inspect", "--format", "{{.Id}}", image]);
        assert!(
            found.status.success(),
            "stand-in image {image} is missing; run tools/engine/images.sh"
        );
    }
}

/// One example stack, written into a scratch application repository.
struct Deployment {
    /// The directory holding the compose file.
    deploy: PathBuf,
    compose_file: String,
    env_file: PathBuf,
    stack: Stack,
    /// When the first `up` began (Unix seconds), for the engine's event log.
    since: std::cell::Cell<Option<u64>>,
}

impl Deployment {
    fn new(
        name: &str,
        stack: Stack,
        plan: &Plan,
        deploy_rel: &str,
        roles: &[(&str, Role)],
    ) -> Self {
        let root = support::scratch(&format!("engine-{name}"));
        let deploy = root.join(deploy_rel);
        let files = write::render(&stack, plan).unwrap();
        write::write_dir(&deploy, &files).unwrap();
        let compose_file = plan.compose.as_ref().expect("a compose file").name.clone();
        let env = plan.env_template.as_ref().expect("an env template");
        let template = std::fs::read_to_string(deploy.join(&env.name)).unwrap();
        let env_file = deploy.join(&env.env_file);
        std::fs::write(&env_file, fill_as_told(&template)).unwrap();
        let d = Deployment::at(&deploy, &compose_file, env_file, stack);
        d.stand_ins(roles);
        d
    }

    /// A compose file already written in `dir`, for `stack`, read with `env_file`.
    fn at(dir: &Path, compose_file: &str, env_file: PathBuf, stack: Stack) -> Self {
        Deployment {
            deploy: dir.to_owned(),
            compose_file: compose_file.to_owned(),
            env_file,
            stack,
            since: std::cell::Cell::new(None),
        }
    }

    /// Build contexts with stand-in Dockerfiles at the paths the stack names, and the files
    /// its bind mounts expect from the application's repository.
    fn stand_ins(&self, roles: &[(&str, Role)]) {
        for s in &self.stack.services {
            if let Source::Build(b, _) = &s.source {
                let role = roles
                    .iter()
                    .find(|(n, _)| *n == s.name.as_str())
                    .map_or(Role::App, |(_, r)| *r);
                let context = self.deploy.join(&b.context);
                let dockerfile = context.join(b.dockerfile.as_deref().unwrap_or("Dockerfile"));
                std::fs::create_dir_all(dockerfile.parent().unwrap()).unwrap();
                let stage = b.target.as_deref().unwrap_or("app");
                let body = match role {
                    Role::App => format!("FROM stackdef-app:bookworm AS {stage}\n"),
                    Role::Spa => {
                        let spa = context.join("stackdef-spa");
                        std::fs::create_dir_all(spa.join("assets")).unwrap();
                        std::fs::write(
                            spa.join("index.html"),
                            "<!doctype html><title>stand-in SPA</title><script src=/assets/app.js></script>\n",
                        )
                        .unwrap();
                        std::fs::write(spa.join("assets/app.js"), "console.log('spa');\n").unwrap();
                        std::fs::write(spa.join("spa.conf"), SPA_CONF).unwrap();
                        // the stack's own SPA server file when the context holds it, else a
                        // plain one (a stack may also mount its own over it)
                        let own = self.deploy.join("nginx-frontend.conf");
                        let conf = inside(&own, &context)
                            .unwrap_or_else(|| "stackdef-spa/spa.conf".to_owned());
                        format!(
                            "FROM nginx:1.27-alpine AS {stage}\nCOPY {conf} /etc/nginx/conf.d/default.conf\n\
                             COPY stackdef-spa/ /usr/share/nginx/html/\n"
                        )
                    }
                };
                std::fs::write(&dockerfile, body).unwrap();
            }
            for m in &s.mounts {
                if let Mount::Bind { source, .. } = m {
                    let path = self.deploy.join(source);
                    if path.exists() {
                        continue; // a file the stack writes itself
                    }
                    if path.extension().is_some_and(|e| e == "sql") {
                        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                        std::fs::write(&path, "create table stackdef_schema (id int);\n").unwrap();
                    } else {
                        std::fs::create_dir_all(&path).unwrap();
                    }
                }
            }
        }
    }

    fn compose(&self, args: &[&str]) -> Output {
        Command::new(support::compose_v2())
            .current_dir(&self.deploy)
            .args(["-f", &self.compose_file, "--env-file"])
            .arg(&self.env_file)
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("cannot run docker compose v2: {e}"))
    }

    /// Runs compose; on failure, panics with its output and every container's log.
    fn must(&self, args: &[&str]) -> String {
        let out = self.compose(args);
        if !out.status.success() {
            let logs = text(&self.compose(&["logs", "--no-color", "--tail", "40"]));
            panic!(
                "docker compose {} failed:\n{}\n--- logs ---\n{logs}",
                args.join(" "),
                text(&out)
            );
        }
        text(&out)
    }

    /// `up -d --wait`: every service running, every healthcheck passing.
    fn up(&self) {
        self.must(&["up", "-d", "--wait", "--wait-timeout", "240"]);
    }

    /// The first `up`: stale leftovers removed, the `build:` services built from the stand-ins.
    fn first_up(&self) {
        let _ = self.compose(&["down", "-v", "--remove-orphans", "-t", "5"]);
        self.since.set(Some(unix_now()));
        self.must(&["up", "-d", "--build", "--wait", "--wait-timeout", "240"]);
    }

    /// `docker inspect` of every container of the project, by service name.
    fn containers(&self) -> Vec<(String, serde_json::Value)> {
        let ids = self.must(&["ps", "-a", "-q"]);
        ids.split_whitespace()
            .map(|id| {
                let out = docker(&["inspect", id]);
                let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
                let v = v[0].clone();
                let service = v["Config"]["Labels"]["com.docker.compose.service"]
                    .as_str()
                    .unwrap()
                    .to_owned();
                (service, v)
            })
            .collect()
    }

    fn container(&self, service: &str) -> serde_json::Value {
        self.containers()
            .into_iter()
            .find(|(s, _)| s == service)
            .unwrap_or_else(|| panic!("no container for `{service}`"))
            .1
    }

    /// Every healthcheck passes and every dependency condition held when the dependant started,
    /// judged by the engine's own event log since the first `up`: a dependant's first start
    /// comes after its dependency's first `healthy` (or its exit with status 0).
    fn check_health_and_order(&self) -> usize {
        for (service, c) in self.containers() {
            if let Some(h) = c["State"].get("Health").filter(|h| !h.is_null()) {
                assert_eq!(h["Status"], "healthy", "`{service}` is not healthy: {h}");
            }
        }
        let events = self.events();
        let first = |service: &str, what: &str| {
            events
                .iter()
                .find(|(s, status, _)| s == service && status == what)
                .map(|(_, _, t)| *t)
                .unwrap_or_else(|| panic!("no `{what}` event for `{service}`"))
        };
        let mut checked = 0;
        for s in &self.stack.services {
            let started = first(s.name.as_str(), "start");
            for d in &s.depends_on {
                let dep = d.service.as_str();
                let (ready, what) = match d.condition {
                    Condition::Healthy => (first(dep, "health_status: healthy"), "healthy"),
                    Condition::CompletedSuccessfully => (first(dep, "die 0"), "done"),
                    _ => (first(dep, "start"), "started"),
                };
                assert!(
                    started >= ready,
                    "`{}` started {} ms before `{dep}` was {what}",
                    s.name,
                    (ready - started) / 1_000_000
                );
                checked += 1;
            }
        }
        checked
    }

    /// The engine's container events since the first `up`, in order: (service, status, time in
    /// nanoseconds); a `die` carries its exit code (`die 0`).
    fn events(&self) -> Vec<(String, String, u128)> {
        let since = self.since.get().expect("first_up ran").to_string();
        // `--until` counts whole seconds: a bound in the future takes in the events of this one
        // (the command then waits until then)
        let until = (unix_now() + 2).to_string();
        let out = docker(&[
            "events",
            "--since",
            &since,
            "--until",
            &until,
            "--filter",
            "type=container",
            "--format",
            "{{json .}}",
        ]);
        assert!(out.status.success(), "docker events: {}", text(&out));
        let project = self.project();
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .filter(|e| e["Actor"]["Attributes"]["com.docker.compose.project"] == project.as_str())
            .map(|e| {
                let attrs = &e["Actor"]["Attributes"];
                let service = attrs["com.docker.compose.service"]
                    .as_str()
                    .unwrap_or("")
                    .to_owned();
                let mut status = e["status"].as_str().unwrap_or("").to_owned();
                if status == "die" {
                    status = format!("die {}", attrs["exitCode"].as_str().unwrap_or("?"));
                }
                let nanos = e["timeNano"].as_u64().map_or(0, u128::from);
                (service, status, nanos)
            })
            .collect()
    }

    /// The compose project name, as compose derives it from the file.
    fn project(&self) -> String {
        let config = self.must(&["config", "--format", "json"]);
        let v: serde_json::Value = serde_json::from_str(&config).unwrap();
        v["name"].as_str().unwrap().to_owned()
    }

    /// A row written through the application survives `down` + `up`.
    fn check_persistence(&self, app: &str, port: u16) {
        let url = format!("http://localhost:{port}/stackdef/rows");
        let value = format!("row-{}", std::process::id());
        let wrote = self.must(&[
            "exec", "-T", app, "curl", "-sf", "-X", "POST", "-d", &value, &url,
        ]);
        assert!(wrote.contains(&value), "the row was not stored: {wrote}");
        self.must(&["down"]);
        self.up();
        let read = self.must(&["exec", "-T", app, "curl", "-sf", &url]);
        assert!(
            read.contains(&value),
            "the row did not survive down + up: {read}"
        );
    }

    /// The application's process is killed from outside; its restart policy brings it back.
    fn check_restart(&self, app: &str) {
        let before = self.container(app);
        let pid = before["State"]["Pid"].as_i64().unwrap().to_string();
        let count = before["RestartCount"].as_i64().unwrap();
        let killed = Command::new("kill").args(["-9", &pid]).status().unwrap();
        assert!(killed.success());
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            let now = self.container(app);
            let back = now["RestartCount"].as_i64().unwrap() > count
                && now["State"]["Running"] == true
                && now["State"]["Health"]["Status"]
                    .as_str()
                    .is_none_or(|s| s == "healthy");
            if back {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "`{app}` did not come back after its process was killed: {}",
                now["State"]
            );
            std::thread::sleep(Duration::from_secs(1));
        }
    }
}

impl Drop for Deployment {
    fn drop(&mut self) {
        let _ = self.compose(&["down", "-v", "--remove-orphans", "-t", "5"]);
    }
}

/// The SPA server of a stack that does not emit one: what a frontend image ships.
const SPA_CONF: &str = "server {\n    listen 80;\n    root /usr/share/nginx/html;\n    \
                        location / {\n        try_files $uri /index.html;\n    }\n}\n";

/// `file` relative to `dir`, when it exists inside it.
fn inside(file: &Path, dir: &Path) -> Option<String> {
    let (file, dir) = (file.canonicalize().ok()?, dir.canonicalize().ok()?);
    let rel = file.strip_prefix(&dir).ok()?;
    Some(rel.to_string_lossy().into_owned())
}

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// The env file a user makes from the template: every empty value filled, a secret with the
/// command its hint names (run as written), anything else with a plain word.
fn fill_as_told(template: &str) -> String {
    let mut hint = "";
    let mut out = String::new();
    for line in template.lines() {
        match line.strip_suffix('=') {
            Some(key) if !line.starts_with('#') => {
                let value = match hint.split_once("generate with `") {
                    Some((_, rest)) => {
                        let command = rest.split('`').next().unwrap();
                        let made = Command::new("sh").args(["-c", command]).output().unwrap();
                        assert!(made.status.success(), "`{command}` failed");
                        String::from_utf8(made.stdout).unwrap().trim().to_owned()
                    }
                    None => format!("stand-in-{}", key.to_lowercase().replace('_', "-")),
                };
                out.push_str(&format!("{key}={value}\n"));
            }
            _ => {
                out.push_str(line);
                out.push('\n');
            }
        }
        hint = line;
    }
    out
}

/// The probes of the one TLS server of `stack`'s proxy, for traffic.py.
fn traffic_spec(stack: &Stack, roles: &[(&str, Role)], deploy: &Path) -> serde_json::Value {
    let proxy = &stack.proxies[0];
    let server = &proxy.servers[0];
    let mut probes = Vec::new();
    for r in &server.routes {
        let path = if r.exact || !r.path.as_str().ends_with('/') {
            r.path.as_str().to_owned()
        } else {
            format!("{}stackdef-probe", r.path.as_str())
        };
        let mut p = serde_json::json!({ "path": path });
        match &r.action {
            Action::Proxy(u) => {
                let target = stack.services.iter().find(|s| s.name == u.service).unwrap();
                let role = roles
                    .iter()
                    .find(|(n, _)| *n == target.name.as_str())
                    .map_or(Role::App, |(_, r)| *r);
                let has = |key: &str| target.environment.iter().any(|(k, _)| k.as_str() == key);
                p["role"] = if role == Role::Spa { "spa" } else { "app" }.into();
                p["database"] = has("DATABASE_URL").into();
                p["redis"] = has("REDIS_URL").into();
                p["websocket"] = u.websocket.into();
            }
            Action::Respond { status, body } => {
                p["role"] = "respond".into();
                p["status"] = (*status).into();
                p["body"] = body.as_str().into();
            }
            _ => continue,
        }
        if let Some((zone, burst)) = &r.rate_limit {
            p["burst"] = (*burst).into();
            p["zone"] = zone.as_str().into();
        }
        probes.push(p);
    }
    serde_json::json!({
        "domain": server.names[0].as_str(),
        "http": server.http_port.get(),
        "https": server.https_port.get(),
        "deploy": deploy,
        "bootstrap": "nginx-bootstrap.conf",
        "full": proxy.file,
        "webroot": proxy.acme_webroot.as_str(),
        "certbot": support::root().join("tools/engine/certbot/certbot"),
        "probes": probes,
    })
}

/// Runs traffic.py; `edge` runs the host proxy itself in a private mount namespace.
fn traffic(mode: &str, spec: &serde_json::Value, name: &str) {
    let work = support::scratch(&format!("engine-traffic-{name}"));
    let spec_file = work.join("spec.json");
    std::fs::write(&spec_file, spec.to_string()).unwrap();
    let script = support::root().join("tests/engine/traffic.py");
    let mut cmd = if mode == "edge" {
        let mut c = Command::new("unshare");
        c.args(["--mount", "--fork", "python3"]);
        c
    } else {
        Command::new("python3")
    };
    let out = cmd
        .arg(script)
        .arg(mode)
        .arg(&spec_file)
        .arg(&work)
        .output()
        .unwrap();
    let out_text = text(&out);
    println!("{out_text}");
    assert!(
        out.status.success() && out_text.contains(&format!("traffic {mode}: 0 failed")),
        "traffic through {name}'s nginx failed:\n{out_text}"
    );
}

/// First start of a stack whose nginx is a service with Let's Encrypt certificates, done as a
/// user would: the bootstrap file in place of the full one, `up`, certbot through the ACME
/// challenge, the full file back, and the nginx service's reload loop picks it up.
fn first_start_with_certificates(d: &Deployment, nginx: &str, certbot: &str) {
    let proxy = &d.stack.proxies[0];
    let live = d.deploy.join(&proxy.file);
    let full = std::fs::read_to_string(&live).unwrap();
    let bootstrap = std::fs::read_to_string(d.deploy.join("nginx-bootstrap.conf")).unwrap();
    std::fs::write(&live, bootstrap).unwrap();
    d.first_up();
    // the CA reaches the proxy from outside: through the published port 80, from the network
    // the certbot container is on
    let certbot_c = d.container(certbot);
    let gateway = certbot_c["NetworkSettings"]["Networks"]
        .as_object()
        .and_then(|n| n.values().next())
        .and_then(|n| n["Gateway"].as_str())
        .expect("certbot's network gateway")
        .to_owned();
    let domain = proxy.servers[0].names[0].as_str();
    let webroot = proxy.acme_webroot.as_str();
    let got = d.must(&[
        "exec",
        "-T",
        "-e",
        &format!("STACKDEF_ACME_HOST={gateway}"),
        certbot,
        "certbot",
        "certonly",
        "--webroot",
        "-w",
        webroot,
        "-d",
        domain,
    ]);
    assert!(got.contains("certificate for"), "certbot: {got}");
    // the bind mount follows the file: rewrite it in place
    std::fs::write(&live, full).unwrap();
    // the reload loop sleeps between reloads: end this sleep, as the passing hours would
    d.must(&["exec", "-T", nginx, "pkill", "-x", "sleep"]);
    // the reload is done when HTTPS answers for the name
    let resolve = format!("{domain}:443:127.0.0.1");
    let url = format!("https://{domain}/");
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let probe = Command::new("curl")
            .args([
                "-sk",
                "-o",
                "/dev/null",
                "-w",
                "%{http_code}",
                "--max-time",
                "5",
            ])
            .args(["--resolve", &resolve, &url])
            .output()
            .unwrap();
        let code = String::from_utf8_lossy(&probe.stdout).into_owned();
        if code != "000" {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "HTTPS did not answer after the reload"
        );
        std::thread::sleep(Duration::from_millis(500));
    }
}

/// A production stack whose nginx is a service of its own: the first start with certificates,
/// health and dependency order (at least `conditions` of them), traffic through every route,
/// persistence through `app`'s database, and `killed` coming back after its process is killed.
fn runs_behind_its_nginx_service(
    name: &str,
    v: &stackdef_examples::cli::Variant,
    roles: &[(&str, Role)],
    conditions: usize,
    (app, killed): (&str, &str),
) {
    let _one = ENGINE.lock().unwrap_or_else(|e| e.into_inner());
    engine_ready();
    let d = Deployment::new(name, (v.stack)().unwrap(), &v.plan, "deploy", roles);
    assert!(matches!(
        d.stack.proxies[0].placement,
        Placement::Service(_)
    ));
    first_start_with_certificates(&d, "nginx", "certbot");
    assert!(d.check_health_and_order() >= conditions);
    traffic("https", &traffic_spec(&d.stack, roles, &d.deploy), name);
    d.check_persistence(app, 8000);
    d.check_restart(killed);
}

#[test]
fn ai_scrum_master_runs() {
    let roles = [("backend", Role::App), ("frontend", Role::Spa)];
    let variants = ai_scrum_master::variants();
    runs_behind_its_nginx_service(
        "ai-scrum-master",
        &variants[0],
        &roles,
        4,
        ("backend", "backend"),
    );
}

#[test]
fn ai_scrum_master_development_runs() {
    let _one = ENGINE.lock().unwrap_or_else(|e| e.into_inner());
    engine_ready();
    let roles = [("backend", Role::App), ("frontend", Role::Spa)];
    let variants = ai_scrum_master::variants();
    let dev = &variants[1];
    let stack = (dev.stack)().unwrap();
    let d = Deployment::new("ai-scrum-master-dev", stack, &dev.plan, "deploy", &roles);
    // the development env file `--dev-env` writes, instead of the filled template
    std::fs::write(
        &d.env_file,
        stackdef::emit::env::to_dev_env(&stackdef::validate(&d.stack).unwrap()).unwrap(),
    )
    .unwrap();
    d.first_up();
    assert!(d.check_health_and_order() >= 2);
    d.check_persistence("backend", 8000);
}

#[test]
fn inctra_runs() {
    let _one = ENGINE.lock().unwrap_or_else(|e| e.into_inner());
    engine_ready();
    let roles = [("backend", Role::App), ("frontend", Role::Spa)];
    let d = Deployment::new(
        "inctra",
        inctra::stack().unwrap(),
        &inctra::plan(),
        "deploy",
        &roles,
    );
    assert!(matches!(d.stack.proxies[0].placement, Placement::Host));
    d.first_up();
    let conditions = d.check_health_and_order();
    assert!(conditions >= 2, "inctra has dependencies to check");
    traffic("edge", &traffic_spec(&d.stack, &roles, &d.deploy), "inctra");
    d.check_persistence("backend", 8000);
    d.check_restart("backend");
}

#[test]
fn ticket_tracking_runs() {
    let variants = ticket_tracking::variants().unwrap();
    // the Celery workers' healthchecks ask each worker through RabbitMQ
    let roles = [("frontend", Role::Spa)];
    runs_behind_its_nginx_service(
        "ticket-tracking",
        &variants[0],
        &roles,
        10,
        ("ticket", "workflow_worker"),
    );
}

/// `GET /` with `Host: host` to 127.0.0.1:`port`; the status code, or 0 when nothing answers.
fn status_of(port: u16, host: &str) -> u16 {
    use std::io::{Read, Write};
    let Ok(mut conn) = std::net::TcpStream::connect(("127.0.0.1", port)) else {
        return 0;
    };
    conn.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let _ = write!(conn, "GET / HTTP/1.0\r\nHost: {host}\r\n\r\n");
    let mut reply = String::new();
    let _ = conn.read_to_string(&mut reply);
    reply
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

/// The rule "a route to a UDP-only port" (`validate()` refuses it, see tests/regressions.rs)
/// against the real engine and nginx. The refused stack's compose file is the accepted twin's
/// with `/udp` for `/tcp` — what the emitter wrote before the rule — and its nginx file is the
/// twin's (nginx never sees the protocol). Through the twin, the route answers 200; through the
/// refused stack, nginx can never reach the service: 502.
#[test]
fn a_route_to_a_udp_only_port_never_answers() {
    use stackdef::{Image, PortMapping, Proxy, Route, Server, Service, ServiceName, Tls};
    let _one = ENGINE.lock().unwrap_or_else(|e| e.into_inner());
    engine_ready();
    let api = Service::builder()
        .name(ServiceName::from_static("api"))
        .source(Image::parse("stackdef-app:bookworm").unwrap())
        .ports(vec![
            PortMapping::new(18000, 8000)
                .unwrap()
                .on("127.0.0.1".parse().unwrap()),
        ])
        .build();
    let mut proxy = Proxy::new("edge.conf", Placement::Host).unwrap();
    let mut server = Server::new(vec!["udp.example.com".parse().unwrap()], Tls::Off);
    server.http_port = stackdef::Port::new(18080).unwrap();
    server.routes = vec![Route::proxy("/", ServiceName::from_static("api"), 8000).unwrap()];
    proxy.servers = vec![server];
    let mut twin = Stack::builder()
        .name("udproute".parse().unwrap())
        .services(vec![api])
        .build();
    twin.proxies = vec![proxy];
    let mut refused = twin.clone();
    refused.services[0].ports[0] = refused.services[0].ports[0].clone().udp();
    assert!(stackdef::validate(&refused).is_err());

    let work = support::scratch("engine-udp-route");
    let compose = stackdef::emit::compose::to_yaml(&stackdef::validate(&twin).unwrap()).unwrap();
    assert!(compose.contains("127.0.0.1:18000:8000/tcp"), "{compose}");
    std::fs::write(work.join("twin.yml"), &compose).unwrap();
    std::fs::write(
        work.join("refused.yml"),
        compose.replace("127.0.0.1:18000:8000/tcp", "127.0.0.1:18000:8000/udp"),
    )
    .unwrap();
    std::fs::write(work.join(".env"), "").unwrap();
    let conf =
        stackdef::emit::nginx::to_conf(&stackdef::validate(&twin).unwrap(), &twin.proxies[0])
            .unwrap();
    std::fs::write(work.join("nginx.conf"), conf).unwrap();
    std::fs::create_dir_all(work.join("logs")).unwrap();
    let prefix = work.to_string_lossy().into_owned();
    let nginx = |args: &[&str]| {
        let mut c = Command::new("unshare");
        c.args(["--mount", "--fork", "sh", "-c"]);
        // the file logs under /var/log/nginx: a private, writable copy of /var for nginx
        c.arg(format!(
            "mkdir -p {prefix}/var-up {prefix}/var-work && mount -t overlay overlay -o \
             lowerdir=/var,upperdir={prefix}/var-up,workdir={prefix}/var-work /var && \
             mkdir -p /var/log/nginx && nginx -p {prefix} -c {prefix}/nginx.conf -g 'pid {prefix}/nginx.pid;' {}",
            args.join(" ")
        ));
        c.status().unwrap()
    };
    let mut statuses = Vec::new();
    for file in ["twin.yml", "refused.yml"] {
        let d = Deployment::at(&work, file, work.join(".env"), twin.clone());
        d.first_up();
        assert!(nginx(&[]).success(), "nginx did not start");
        std::thread::sleep(Duration::from_millis(500));
        statuses.push(status_of(18080, "udp.example.com"));
        let _ = nginx(&["-s", "quit"]);
        std::thread::sleep(Duration::from_millis(500));
    }
    assert_eq!(statuses, [200, 502], "twin (tcp), refused (udp)");
}

/// The capability rule (`validate()` refuses an official image with the capabilities its
/// entrypoint needs dropped) against the real engine: PostgreSQL with every capability dropped
/// does not come up; with `postgres::capabilities()` it does. The refused file is the accepted
/// twin's without its `cap_add` — what stackdef would write if it let the stack through.
#[test]
fn an_official_image_needs_its_capabilities() {
    use stackdef::{EnvKey, Image, Service, ServiceName, Text};
    let _one = ENGINE.lock().unwrap_or_else(|e| e.into_inner());
    engine_ready();
    let mut db = Service::builder()
        .name(ServiceName::from_static("db"))
        .source(Image::parse("postgres:15").unwrap())
        .build();
    db.cap_add = stackdef::recipes::postgres::capabilities();
    db.environment = vec![(
        EnvKey::from_static("POSTGRES_PASSWORD"),
        Text::lit("0123456789abcdef"),
    )];
    let twin = Stack::builder()
        .name("capsproof".parse().unwrap())
        .services(vec![db])
        .build();
    let mut refused = twin.clone();
    refused.services[0].cap_add.clear();
    let err = stackdef::validate(&refused).unwrap_err();
    assert!(format!("{err:?}").contains("entrypoint needs these capabilities"));

    let work = support::scratch("engine-capabilities");
    let yaml = stackdef::emit::compose::to_yaml(&stackdef::validate(&twin).unwrap()).unwrap();
    let block: String = ["    cap_add:\n"]
        .into_iter()
        .map(str::to_owned)
        .chain(
            stackdef::recipes::postgres::CAPABILITIES
                .iter()
                .map(|c| format!("    - {c}\n")),
        )
        .collect();
    assert!(yaml.contains(&block), "{yaml}");
    std::fs::write(work.join("twin.yml"), &yaml).unwrap();
    std::fs::write(work.join("refused.yml"), yaml.replace(&block, "")).unwrap();
    std::fs::write(work.join(".env"), "").unwrap();
    let deployment = |file: &str| Deployment::at(&work, file, work.join(".env"), twin.clone());
    let d = deployment("twin.yml");
    d.first_up();
    drop(d);
    let d = deployment("refused.yml");
    let up = d.compose(&["up", "-d", "--wait", "--wait-timeout", "60"]);
    let logs = text(&d.compose(&["logs", "--no-color"]));
    assert!(
        !up.status.success(),
        "PostgreSQL came up without capabilities:\n{logs}"
    );
    assert!(
        logs.contains("Operation not permitted") || logs.contains("Permission denied"),
        "{logs}"
    );
}

/// `network_mode: service:…` and configs against the real engine. `app` runs in `vpn`'s
/// network stack, so its server answers on the port `vpn` publishes, and it serves the file a
/// config with inline content put in place (with the `$` the compose file writes as `$$`).
/// The refused twin gives `app` a port of its own, which `validate()` refuses and the engine
/// refuses too, although compose's own reading accepts the file.
#[test]
fn a_service_in_another_network_stack_answers_on_its_ports() {
    use stackdef::{
        Command as Cmd, Config, ConfigMount, ConfigName, ConfigSource, Image, NetworkMode,
        PortMapping, Service, ServiceName, Text,
    };
    let _one = ENGINE.lock().unwrap_or_else(|e| e.into_inner());
    engine_ready();
    let image = || Image::parse("stackdef-app:bookworm").unwrap();
    let args = |a: &[&str]| Cmd::Exec(a.iter().map(|s| Text::lit(*s)).collect());
    let mut vpn = Service::builder()
        .name(ServiceName::from_static("vpn"))
        .source(image())
        .build();
    vpn.command = Some(args(&["sleep", "infinity"]));
    vpn.ports = vec![
        PortMapping::new(18090, 8000)
            .unwrap()
            .on("127.0.0.1".parse().unwrap()),
    ];
    let mut app = Service::builder()
        .name(ServiceName::from_static("app"))
        .source(image())
        .build();
    app.command = Some(args(&[
        "python3",
        "-m",
        "http.server",
        "8000",
        "--directory",
        "/srv",
    ]));
    app.network_mode = Some(NetworkMode::Service(ServiceName::from_static("vpn")));
    let motd = ConfigName::new("motd").unwrap();
    app.configs = vec![ConfigMount {
        target: Some("/srv/motd.txt".into()),
        ..ConfigMount::from(motd.clone())
    }];
    let mut twin = Stack::builder()
        .name("netmode".parse().unwrap())
        .services(vec![vpn, app])
        .build();
    twin.configs = vec![Config {
        name: motd,
        source: ConfigSource::Content("a month costs $5\n".into()),
    }];
    let mut refused = twin.clone();
    refused.services[1].ports = vec![PortMapping::new(18091, 8000).unwrap()];
    let err = format!("{:?}", stackdef::validate(&refused).unwrap_err());
    assert!(
        err.contains("`app` sets `network_mode: service:vpn` and `ports`"),
        "{err}"
    );

    let work = support::scratch("engine-network-mode");
    let yaml = stackdef::emit::compose::to_yaml(&stackdef::validate(&twin).unwrap()).unwrap();
    assert!(yaml.contains("costs $$5"), "{yaml}");
    std::fs::write(work.join("twin.yml"), &yaml).unwrap();
    let with_port = yaml.replace(
        "    network_mode: service:vpn\n",
        "    network_mode: service:vpn\n    ports:\n    - 127.0.0.1:18091:8000\n",
    );
    assert_ne!(with_port, yaml);
    std::fs::write(work.join("refused.yml"), with_port).unwrap();
    std::fs::write(work.join(".env"), "").unwrap();
    support::check_compose_v2(&work.join("refused.yml"), &work.join(".env"));
    let d = Deployment::at(&work, "twin.yml", work.join(".env"), twin.clone());
    d.first_up();
    let mut body = String::new();
    for _ in 0..20 {
        use std::io::{Read, Write};
        if let Ok(mut c) = std::net::TcpStream::connect(("127.0.0.1", 18090)) {
            let _ = write!(c, "GET /motd.txt HTTP/1.0\r\n\r\n");
            body.clear();
            let _ = c.read_to_string(&mut body);
            if body.starts_with("HTTP/1.0 200") {
                break;
            }
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    assert!(
        body.starts_with("HTTP/1.0 200") && body.ends_with("\r\n\r\na month costs $5\n"),
        "{body}"
    );
    drop(d);
    let d = Deployment::at(&work, "refused.yml", work.join(".env"), twin);
    let _ = d.compose(&["down", "-v", "--remove-orphans", "-t", "5"]);
    let up = d.compose(&["up", "-d", "--wait", "--wait-timeout", "60"]);
    let said = text(&up);
    assert!(
        !up.status.success(),
        "the engine took ports in another's network stack"
    );
    assert!(
        said.contains("conflicting options: port publishing and the container type network mode"),
        "{said}"
    );
}
