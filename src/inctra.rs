//! The incident-tracker ("inctra") stack: PostgreSQL 15, a FastAPI backend and a React SPA
//! served by nginx, behind a host nginx that terminates TLS for `inctra.thisisvoid.in`.
//!
//! `cargo run --example inctra [-- --out DIR] [--check] [--check-env FILE]` writes (or checks)
//! its deploy files.

use crate::common::{by_tag, limits};
use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use stackdef::write::{Bootstrap, BootstrapFile, ComposeFile, EnvTemplate, Plan};
use stackdef::{
    Build, ByteSize, Command, EnvSpec, EnvType, EnvVar, Error, HealthTest, Healthcheck, Image,
    Proxy, Quoted, RateZone, Restart, ServiceName, Stack, Text, ZoneName,
};

const LOOPBACK: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);
const POSTGRES_PORT: u16 = 5432;

/// The public host name.
const DOMAIN: &str = "inctra.thisisvoid.in";

/// `postgresql://user:password@<service>:5432/db`, from the declared variables and the database
/// service itself (renaming the service changes the URL).
fn database_url(host: &ServiceName, user: &EnvVar, password: &EnvVar, db: &EnvVar) -> Text {
    Text::lit("postgresql://")
        .then_text(user.text())
        .then(":")
        .then_text(password.text())
        .then(format!("@{host}:{POSTGRES_PORT}/"))
        .then_text(db.text())
}

fn setting(group: &str, description: &str, kind: EnvType, default: &str) -> Result<EnvSpec, Error> {
    Ok(EnvSpec::new(group, description)?
        .kind(kind)
        .default(default))
}

/// The host nginx's settings: nginx 1.22 (Debian 12), Mozilla intermediate TLS, HSTS, and a
/// rate-limit zone for the API.
fn edge_settings() -> Result<Proxy, Error> {
    let mut proxy = Proxy::file("nginx.conf")?;
    proxy.rate_limits.push(RateZone {
        name: ZoneName::new("api")?,
        per_second: 10,
        size: ByteSize::mib(10),
    });
    Ok(proxy)
}

/// The SPA's Content-Security-Policy: same origin only, WebSockets to [`DOMAIN`].
fn csp() -> Result<Quoted, Error> {
    Quoted::new(format!(
        "default-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; \
         frame-ancestors 'none'; connect-src 'self' wss://{DOMAIN}"
    ))
}

/// The inctra stack, as the deployment guide describes it, checked while compiling.
pub fn stack() -> Result<Stack, Error> {
    use EnvType::{Bool, Int, Seconds};
    const DB: &str = "Database";
    const POOL: &str = "Connection pool";
    const AUTH: &str = "Authentication";
    let stack = stackdef::stack! {
        name: inctra,
        env: {
            POSTGRES_DB => EnvSpec::new(DB, "Name of the application database")?.default("postgres"),
            POSTGRES_USER => EnvSpec::new(DB, "Database user the backend connects as")?.default("postgres"),
            POSTGRES_PASSWORD => EnvSpec::new(DB, "Password of the database user")?.secret(16),
            DB_ECHO => setting(POOL, "Log every SQL statement", Bool, "false")?,
            DB_POOL_SIZE => setting(POOL, "Connections kept open", Int, "20")?,
            DB_MAX_OVERFLOW => setting(POOL, "Extra connections under load", Int, "30")?,
            DB_POOL_TIMEOUT => setting(POOL, "Wait for a free connection", Seconds, "60")?,
            DB_POOL_RECYCLE => setting(POOL, "Reopen connections older than this", Seconds, "1800")?,
            DB_POOL_PRE_PING => setting(POOL, "Test connections before use", Bool, "true")?,
            JWT_SECRET => EnvSpec::new(AUTH, "Key that signs session tokens")?.secret(32),
            COOKIE_NAME => EnvSpec::new(AUTH, "Name of the session cookie")?.default("auth_token"),
            COOKIE_AGE => setting(AUTH, "Session cookie lifetime", Seconds, "600")?,
            COOKIE_SECURE => setting(AUTH, "Send the cookie over HTTPS only", Bool, "true")?,
        },
        volumes: [postgres_data],
        services: {
            postgres {
                source: Image::parse("postgres:15")?,
                container_name: "inctra_pgsql_prod",
                cap_add: stackdef::recipes::postgres::capabilities(),
                hardening: by_tag(),
                deploy: limits(1000, 1024),
                internal: true,
                env: [POSTGRES_DB, POSTGRES_USER, POSTGRES_PASSWORD],
                ports: [15432 => POSTGRES_PORT on LOOPBACK],
                volumes: [
                    postgres_data => "/var/lib/postgresql/data",
                    "./base_schema.sql" => "/docker-entrypoint-initdb.d/base_schema.sql" ro,
                ],
                healthcheck: Healthcheck::builder()
                    .test(HealthTest::Shell(
                        Text::lit("pg_isready -U ")
                            .then_text(POSTGRES_USER.text())
                            .then(" -d ")
                            .then_text(POSTGRES_DB.text()),
                    ))
                    .interval(Duration::from_secs(10))
                    .timeout(Duration::from_secs(5))
                    .retries(5)
                    .start_period(Duration::from_secs(10))
                    .build(),
                restart: Restart::UnlessStopped,
            },
            backend {
                source: Build::builder().context("..").dockerfile("Dockerfile.backend").build(),
                container_name: "inctra_backend_prod",
                deploy: limits(1000, 512),
                command: Command::exec(["uvicorn", "main:app", "--host", "0.0.0.0", "--port", "8000"]),
                env: [
                    POSTGRES_DB,
                    POSTGRES_USER,
                    POSTGRES_PASSWORD,
                    POSTGRES_HOST = postgres.as_str(),
                    POSTGRES_PORT = POSTGRES_PORT.to_string(),
                    DATABASE_URL = database_url(&postgres, &POSTGRES_USER, &POSTGRES_PASSWORD, &POSTGRES_DB),
                    DB_ECHO,
                    DB_POOL_SIZE,
                    DB_MAX_OVERFLOW,
                    DB_POOL_TIMEOUT,
                    DB_POOL_RECYCLE,
                    DB_POOL_PRE_PING,
                    JWT_SECRET,
                    COOKIE_NAME,
                    COOKIE_AGE,
                    COOKIE_SECURE,
                ],
                ports: [8000 => 8000 on LOOPBACK],
                volumes: ["./logs" => "/app/app/logs"],
                depends_on: [postgres: healthy],
                restart: Restart::UnlessStopped,
            },
            frontend {
                source: Build::builder().context("..").dockerfile("Dockerfile.frontend").build(),
                container_name: "inctra_frontend_prod",
                deploy: limits(500, 128),
                cap_add: stackdef::recipes::spa::capabilities(),
                ports: [8080 => 80 on LOOPBACK],
                depends_on: [backend],
                restart: Restart::UnlessStopped,
            },
        },
        proxies: [
            // the host's nginx terminates TLS and reaches the published loopback ports
            edge_settings()? => host {
                server "inctra.thisisvoid.in" tls {
                    csp: csp()?,
                    = "/health" => respond(200, "ok"),
                    "/api/" => backend: 8000 limit(ZoneName::new("api")?, 20),
                    "/ws/" => backend: 8000 websocket,
                    "/" => frontend: 80,
                },
            },
            // the frontend container's own nginx serves the built SPA
            Proxy::file("nginx-frontend.conf")? => frontend frontend {
                server _ {
                    "/" => spa("/usr/share/nginx/html", "/assets/"),
                },
            },
        ],
    }?;
    // what each named volume claims on a cluster (compose does not use it)
    crate::common::sized(stack, &[("postgres_data", ByteSize::gib(10))])
}

/// The files inctra's deployment uses, named as the guide names them.
pub fn plan() -> Plan {
    Plan {
        compose: Some(ComposeFile::new("prod-docker-compose.yml")),
        nginx: true,
        bootstrap: Bootstrap::Files(vec![BootstrapFile::new(
            "nginx.conf",
            "nginx-bootstrap.conf",
        )]),
        env_template: Some(EnvTemplate::new(".env.prod.example", ".env.prod")),
        lint_config: Some(".compose-lint.yml".into()),
        mermaid: Some("stack.mmd".into()),
        dot: Some("stack.dot".into()),
        extra: Vec::new(),
    }
}

/// The Kubernetes base: the built images pushed to the team's registry (an overlay's
/// `images:` sets another), the host's nginx a Gateway of the cluster's NGINX controller.
pub fn kubernetes() -> crate::cli::Kubernetes {
    let mut options =
        stackdef::emit::kubernetes::KubeOptions::new("registry.example.com/inctra", "1.0.0");
    options.gateway_class = Some("nginx".into());
    crate::cli::Kubernetes {
        dir: "kubernetes",
        options,
    }
}

/// What `cargo run --example inctra` runs: writes (or checks) the deploy files.
pub fn main() -> std::process::ExitCode {
    use crate::cli::{Variant, run};
    run(
        "deploy",
        &[Variant {
            name: "inctra",
            stack,
            plan: plan(),
            kubernetes: Some(kubernetes()),
        }],
    )
}
