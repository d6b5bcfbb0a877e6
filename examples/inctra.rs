//! The incident-tracker ("inctra") stack: PostgreSQL 15, a FastAPI backend and a React SPA
//! served by nginx, behind a host nginx that terminates TLS for `inctra.thisisvoid.in`.
//!
//! `cargo run --example inctra [-- --out DIR] [--check]` writes (or checks) its deploy files.

use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use stackdef::{
    Build, ByteSize, Command, EnvKey, Error, HealthTest, Healthcheck, Image, Proxy, Quoted,
    RateZone, Restart, ServiceName, Stack, Text, ZoneName,
};

const LOOPBACK: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

const POSTGRES: ServiceName = ServiceName::from_static("postgres");
const POSTGRES_PORT: u16 = 5432;

const POSTGRES_DB: EnvKey = EnvKey::from_static("POSTGRES_DB");
const POSTGRES_USER: EnvKey = EnvKey::from_static("POSTGRES_USER");
const POSTGRES_PASSWORD: EnvKey = EnvKey::from_static("POSTGRES_PASSWORD");

fn db() -> Text {
    Text::var_or(POSTGRES_DB, "postgres")
}

fn user() -> Text {
    Text::var_or(POSTGRES_USER, "postgres")
}

fn password() -> Text {
    Text::required(POSTGRES_PASSWORD)
}

/// The credentials PostgreSQL is created with and the backend connects with.
fn database_env() -> Vec<(EnvKey, Text)> {
    vec![
        (POSTGRES_DB, db()),
        (POSTGRES_USER, user()),
        (POSTGRES_PASSWORD, password()),
    ]
}

/// The backend's settings (`.env.prod` of the guide); defaults as the guide gives them.
fn backend_env() -> Result<Vec<(EnvKey, Text)>, Error> {
    let database_url = Text::lit("postgresql://")
        .then_text(user())
        .then(":")
        .then_text(password())
        .then(format!("@{POSTGRES}:{POSTGRES_PORT}/"))
        .then_text(db());
    let mut env = database_env();
    env.push((
        EnvKey::from_static("POSTGRES_HOST"),
        POSTGRES.as_str().into(),
    ));
    env.push((
        EnvKey::from_static("POSTGRES_PORT"),
        POSTGRES_PORT.to_string().into(),
    ));
    env.push((EnvKey::from_static("DATABASE_URL"), database_url));
    for (key, default) in [
        ("DB_ECHO", "false"),
        ("DB_POOL_SIZE", "20"),
        ("DB_MAX_OVERFLOW", "30"),
        ("DB_POOL_TIMEOUT", "60"),
        ("DB_POOL_RECYCLE", "1800"),
        ("DB_POOL_PRE_PING", "true"),
        ("COOKIE_NAME", "auth_token"),
        ("COOKIE_AGE", "600"),
        ("COOKIE_SECURE", "true"),
    ] {
        let key = EnvKey::new(key)?;
        env.push((key.clone(), Text::var_or(key, default)));
    }
    let jwt = EnvKey::from_static("JWT_SECRET");
    env.push((jwt.clone(), Text::required(jwt)));
    Ok(env)
}

/// The public host name.
const DOMAIN: &str = "inctra.thisisvoid.in";

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
    stackdef::stack! {
        name: inctra,
        volumes: [postgres_data],
        services: {
            postgres {
                source: Image::parse("postgres:15")?,
                container_name: "inctra_pgsql_prod",
                environment: database_env(),
                ports: [15432 => POSTGRES_PORT on LOOPBACK],
                volumes: [
                    postgres_data => "/var/lib/postgresql/data",
                    "./base_schema.sql" => "/docker-entrypoint-initdb.d/base_schema.sql" ro,
                ],
                healthcheck: Healthcheck::builder()
                    .test(HealthTest::Shell(
                        Text::lit("pg_isready -U ").then_text(user()).then(" -d ").then_text(db()),
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
                command: Command::exec(["uvicorn", "main:app", "--host", "0.0.0.0", "--port", "8000"]),
                environment: backend_env()?,
                ports: [8000 => 8000 on LOOPBACK],
                volumes: ["./logs" => "/app/app/logs"],
                depends_on: [postgres: healthy],
                restart: Restart::UnlessStopped,
            },
            frontend {
                source: Build::builder().context("..").dockerfile("Dockerfile.frontend").build(),
                container_name: "inctra_frontend_prod",
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
    }
}

#[allow(dead_code)]
fn main() -> std::process::ExitCode {
    use stackdef_examples::cli::{Output, run};
    run(
        "inctra",
        stack,
        &[
            ("prod-docker-compose.yml", Output::Compose),
            ("nginx.conf", Output::Nginx("nginx.conf")),
            ("nginx-frontend.conf", Output::Nginx("nginx-frontend.conf")),
            ("nginx-bootstrap.conf", Output::NginxBootstrap("nginx.conf")),
        ],
    )
}
