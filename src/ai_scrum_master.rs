//! The AI Scrum Master stack: PostgreSQL, Redis, a FastAPI backend with WebSockets, a React
//! frontend, and nginx as a service of the stack on a custom subnet; plus a development variant
//! (build target `development`, source bind mounts, `--reload`) derived from the same stack.
//!
//! `cargo run --example ai_scrum_master [-- --out DIR] [--check]`

use crate::common::{by_tag, limits};
use stackdef::recipes::{postgres, redis, spa};
use stackdef::{
    Build, ByteSize, Command, EnvSpec, EnvType, Error, Image, Mount, Network, NetworkName,
    PortMapping, Proxy, Quoted, RateZone, Restart, Stack, Subnet, ZoneName,
};

/// Production or development.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Profile {
    /// Images built for production, no source mounts.
    Production,
    /// Development builds, the source tree mounted, servers reloading on change.
    Development,
}

fn build(context: &str, dockerfile: &str, profile: Profile) -> Build {
    let target = match profile {
        Profile::Production => "production",
        Profile::Development => "development",
    };
    Build::builder()
        .context(context)
        .dockerfile(dockerfile)
        .target(target)
        .build()
}

fn nginx_settings() -> Result<Proxy, Error> {
    let mut proxy = Proxy::file("nginx.conf")?;
    proxy.rate_limits.push(RateZone {
        name: ZoneName::new("api")?,
        per_second: 10,
        size: stackdef::ByteSize::mib(10),
    });
    proxy.client_max_body_size = stackdef::ByteSize::mib(20);
    Ok(proxy)
}

/// The stack in production shape.
pub fn production() -> Result<Stack, Error> {
    base(Profile::Production)
}

/// The development variant: the same stack, with the changes development needs.
pub fn development() -> Result<Stack, Error> {
    let mut stack = base(Profile::Development)?;
    let backend = stack.service_mut("backend").expect("declared");
    backend.mounts.push(Mount::bind(".", "/app")?);
    backend.command = Some(Command::exec([
        "uvicorn",
        "app.main:app",
        "--host",
        "0.0.0.0",
        "--port",
        "8000",
        "--reload",
    ]));
    backend
        .ports
        .push(PortMapping::new(8000, 8000)?.on(stackdef::LOCALHOST));
    let frontend = stack.service_mut("frontend").expect("declared");
    frontend.mounts.push(Mount::bind("./frontend", "/app")?);
    frontend.mounts.push(Mount::anonymous("/app/node_modules")?);
    frontend
        .ports
        .push(PortMapping::new(3000, 3000)?.on(stackdef::LOCALHOST));
    frontend.healthcheck = None;
    // no TLS edge in development: the dev servers are reached directly on localhost
    stack.proxies.clear();
    let edge = [
        stackdef::ServiceName::from_static("nginx"),
        stackdef::CERTBOT,
    ];
    stack.services.retain(|s| !edge.contains(&s.name));
    stack
        .volumes
        .retain(|v| v.name != stackdef::CERTBOT_WEBROOT && v.name != stackdef::LETSENCRYPT);
    stackdef::validate(&stack)?;
    Ok(stack)
}

fn base(profile: Profile) -> Result<Stack, Error> {
    let environment = match profile {
        Profile::Production => "production",
        Profile::Development => "development",
    };
    stackdef::stack! {
        name: ai_scrum_master,
        env: {
            DB_USER => postgres::user_spec("ai_scrum_user")?,
            DB_PASSWORD => postgres::password_spec()?,
            DB_NAME => postgres::db_spec("ai_scrum_master")?,
            JWT_SECRET_KEY => EnvSpec::new("Authentication", "Key that signs access tokens")?.secret(32),
            JWT_EXPIRY => EnvSpec::new("Authentication", "Access token lifetime")?.kind(EnvType::Seconds).default("900"),
            GITHUB_CLIENT_ID => EnvSpec::new("GitHub", "OAuth app client id")?,
            GITHUB_CLIENT_SECRET => EnvSpec::new("GitHub", "OAuth app client secret")?.secret(20),
        },
        networks: [ai_scrum_network],
        volumes: [postgres_data, redis_data, backend_logs],
        services: {
            db {
                source: postgres::image("15.4-alpine")?,
                cap_add: postgres::capabilities(),
                hardening: by_tag(),
                deploy: limits(1000, 1024),
                container_name: "ai_scrum_db",
                internal: true,
                environment: postgres::env(&DB_USER, &DB_PASSWORD, &DB_NAME),
                expose: [postgres::PORT],
                volumes: [
                    postgres_data => postgres::DATA_DIR,
                    "./docker/init-scripts" => postgres::INIT_DIR ro,
                ],
                networks: [ai_scrum_network],
                healthcheck: postgres::healthcheck(&DB_USER, &DB_NAME),
                restart: Restart::UnlessStopped,
            },
            redis {
                source: redis::image("7.2-alpine")?,
                cap_add: redis::capabilities(),
                hardening: by_tag(),
                deploy: limits(500, 256),
                container_name: "ai_scrum_redis",
                internal: true,
                command: redis::command(),
                expose: [redis::PORT],
                volumes: [redis_data => redis::DATA_DIR],
                networks: [ai_scrum_network],
                healthcheck: redis::healthcheck(),
                restart: Restart::UnlessStopped,
            },
            backend {
                source: build(".", "docker/backend/Dockerfile", profile),
                container_name: "ai_scrum_backend",
                deploy: limits(1000, 512),
                env: [
                    DATABASE_URL = postgres::url_as("postgresql+asyncpg", &db, &DB_USER, &DB_PASSWORD, &DB_NAME),
                    REDIS_URL = redis::url(&redis, 0),
                    JWT_SECRET_KEY,
                    JWT_EXPIRY,
                    GITHUB_CLIENT_ID,
                    GITHUB_CLIENT_SECRET,
                    ENVIRONMENT = environment,
                ],
                expose: [8000],
                volumes: [backend_logs => "/app/logs"],
                networks: [ai_scrum_network],
                depends_on: [db: healthy, redis: healthy],
                healthcheck: stackdef::Healthcheck::builder()
                    .test(stackdef::HealthTest::Exec(vec![
                        "curl".into(), "-f".into(), "http://localhost:8000/health".into(),
                    ]))
                    .interval(std::time::Duration::from_secs(30))
                    .timeout(std::time::Duration::from_secs(10))
                    .retries(3)
                    .start_period(std::time::Duration::from_secs(40))
                    .build(),
                restart: Restart::UnlessStopped,
            },
            frontend {
                source: build(".", "docker/frontend/Dockerfile", profile),
                cap_add: stackdef::recipes::spa::capabilities(),
                container_name: "ai_scrum_frontend",
                deploy: limits(500, 128),
                env: [REACT_APP_API_URL = "/api/v1", REACT_APP_WS_URL = "/ws", REACT_APP_ENVIRONMENT = environment],
                expose: [spa::PORT],
                networks: [ai_scrum_network],
                depends_on: [backend],
                healthcheck: spa::healthcheck(),
                restart: Restart::UnlessStopped,
            },
            nginx {
                source: Image::parse("nginx:1.27-alpine")?,
                container_name: "ai_scrum_nginx",
                hardening: edge_hardening(),
                deploy: limits(500, 128),
                networks: [ai_scrum_network],
                depends_on: [frontend, backend: healthy],
                restart: Restart::UnlessStopped,
            },
        },
        proxies: [
            nginx_settings()? => service nginx {
                server "scrum.example.com" tls {
                    csp: Quoted::new("default-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'; connect-src 'self' wss://scrum.example.com")?,
                    = "/health" => respond(200, "healthy"),
                    "/api/" => backend: 8000 limit(ZoneName::new("api")?, 20),
                    "/ws/" => backend: 8000 websocket,
                    "/" => frontend: spa::PORT,
                },
            },
        ],
    }
    .and_then(|mut stack| {
        // the custom subnet of the guide
        let net = stack.networks.iter_mut().find(|n| n.name == NetworkName::from_static("ai_scrum_network"));
        if let Some(n) = net {
            *n = Network { driver: Some("bridge".into()), subnet: Some(Subnet::parse("172.20.0.0/16")?), ..n.clone() };
        }
        // what each named volume claims on a cluster (compose does not use it)
        crate::common::sized(
            stack,
            &[
                ("postgres_data", ByteSize::gib(10)),
                ("redis_data", ByteSize::gib(1)),
                ("backend_logs", ByteSize::gib(1)),
            ],
        )
    })
}

/// The edge proxy: by tag, and public on 80 and 443.
fn edge_hardening() -> stackdef::Hardening {
    by_tag().opt_out(
        stackdef::OptOut::AllInterfaces,
        "the edge proxy serves the public on ports 80 and 443",
    )
}

/// A variant's Kubernetes base, in `dir`: the built images pushed to the team's registry.
fn kubernetes(dir: &'static str) -> crate::cli::Kubernetes {
    crate::cli::Kubernetes {
        dir,
        options: stackdef::emit::kubernetes::KubeOptions::new(
            "registry.example.com/ai-scrum-master",
            "1.0.0",
        ),
    }
}

/// Files of both variants, in one directory.
pub fn variants() -> Vec<crate::cli::Variant> {
    use stackdef::write::{Bootstrap, BootstrapFile, ComposeFile, EnvTemplate, Plan};
    vec![
        crate::cli::Variant {
            name: "ai-scrum-master",
            stack: production,
            plan: Plan {
                compose: Some(ComposeFile::new("docker-compose.prod.yml")),
                nginx: true,
                bootstrap: Bootstrap::Files(vec![BootstrapFile::new(
                    "nginx.conf",
                    "nginx-bootstrap.conf",
                )]),
                env_template: Some(EnvTemplate::new(".env.production.example", ".env")),
                lint_config: Some(".compose-lint.yml".into()),
                mermaid: Some("stack.mmd".into()),
                dot: Some("stack.dot".into()),
                extra: Vec::new(),
            },
            kubernetes: Some(kubernetes("kubernetes/production")),
        },
        crate::cli::Variant {
            name: "ai-scrum-master (development)",
            stack: development,
            plan: Plan {
                compose: Some(ComposeFile::new("docker-compose.yml")),
                nginx: false,
                bootstrap: Bootstrap::Files(Vec::new()),
                env_template: Some(EnvTemplate::new(".env.development.example", ".env")),
                lint_config: Some(".compose-lint.development.yml".into()),
                mermaid: Some("stack.development.mmd".into()),
                dot: Some("stack.development.dot".into()),
                extra: Vec::new(),
            },
            kubernetes: Some(kubernetes("kubernetes/development")),
        },
    ]
}

/// What `cargo run --example ai_scrum_master` runs: writes (or checks) the deploy files.
pub fn main() -> std::process::ExitCode {
    crate::cli::run("deploy/ai-scrum-master", &variants())
}
