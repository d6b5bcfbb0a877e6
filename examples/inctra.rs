//! The incident-tracker ("inctra") stack: PostgreSQL 15, a FastAPI backend and a React SPA
//! served by nginx, behind a host nginx that terminates TLS for `inctra.thisisvoid.in`.
//!
//! `cargo run --example inctra [-- --out DIR] [--check]` writes (or checks) its deploy files.

use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use stackdef::{
    Action, Build, ByteSize, Command, EnvKey, Error, HealthTest, Healthcheck, HostName, Image,
    Placement, Port, Proxy, Quoted, RateZone, Restart, Route, Server, ServiceName, Stack, Text,
    Tls, Upstream, UriPath, ZoneName,
};

const LOOPBACK: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

const POSTGRES: ServiceName = ServiceName::from_static("postgres");
const BACKEND: ServiceName = ServiceName::from_static("backend");
const FRONTEND: ServiceName = ServiceName::from_static("frontend");
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

/// The host's nginx: TLS for [`DOMAIN`], `/api/` to the backend, the rest to the frontend.
fn edge_proxy() -> Result<Proxy, Error> {
    let api = ZoneName::new("api")?;
    let mut proxy = Proxy::new("nginx.conf", Placement::Host)?;
    proxy.rate_limits.push(RateZone {
        name: api.clone(),
        per_second: 10,
        size: ByteSize::mib(10),
    });
    let mut server = Server::new(vec![HostName::new(DOMAIN)?], Tls::LetsEncrypt);
    server.csp = Some(Quoted::new(format!(
        "default-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; \
         frame-ancestors 'none'; connect-src 'self' wss://{DOMAIN}"
    ))?);
    server.routes = vec![
        Route::respond("/health", 200, "ok")?,
        Route::proxy("/api/", BACKEND, 8000)?.limit(api, 20),
        Route::new(
            UriPath::new("/ws/")?,
            Action::Proxy(Upstream::new(BACKEND, Port::new(8000)?).websocket()),
        ),
        Route::proxy("/", FRONTEND, 80)?,
    ];
    proxy.servers.push(server);
    Ok(proxy)
}

/// The frontend container's own nginx: the built SPA with its hashed assets.
fn frontend_server() -> Result<Proxy, Error> {
    let mut proxy = Proxy::new("nginx-frontend.conf", Placement::Frontend(FRONTEND))?;
    let mut server = Server::new(Vec::new(), Tls::Off);
    server.routes = vec![Route::spa("/", "/usr/share/nginx/html", "/assets/")?];
    proxy.servers.push(server);
    Ok(proxy)
}

/// The inctra stack, as the deployment guide describes it, checked while compiling.
pub fn stack() -> Result<Stack, Error> {
    let mut stack = stackdef::stack! {
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
    }?;
    stack.proxies = vec![edge_proxy()?, frontend_server()?];
    stackdef::validate(&stack).map_err(Error::InvalidStack)?;
    Ok(stack)
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
        ],
    )
}
