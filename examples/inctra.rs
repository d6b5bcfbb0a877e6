//! The incident-tracker ("inctra") stack: PostgreSQL 15, a FastAPI backend and a React SPA
//! served by nginx, behind a host nginx that terminates TLS for `inctra.thisisvoid.in`.
//!
//! `cargo run --example inctra [-- --out DIR] [--check]` writes (or checks) its deploy files.

use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use stackdef::{
    Build, Command, DependsOn, EnvKey, Error, HealthTest, Healthcheck, Image, Mount, PortMapping,
    ProjectName, Restart, Service, ServiceName, Stack, Text, Volume, VolumeName,
};

const LOOPBACK: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

const POSTGRES: ServiceName = ServiceName::from_static("postgres");
const BACKEND: ServiceName = ServiceName::from_static("backend");
const FRONTEND: ServiceName = ServiceName::from_static("frontend");
const POSTGRES_DATA: VolumeName = VolumeName::from_static("postgres_data");

const POSTGRES_DB: EnvKey = EnvKey::from_static("POSTGRES_DB");
const POSTGRES_USER: EnvKey = EnvKey::from_static("POSTGRES_USER");
const POSTGRES_PASSWORD: EnvKey = EnvKey::from_static("POSTGRES_PASSWORD");

/// The inctra stack, as the deployment guide describes it.
pub fn stack() -> Result<Stack, Error> {
    let db = || Text::var_or(POSTGRES_DB, "postgres");
    let user = || Text::var_or(POSTGRES_USER, "postgres");
    let password = || Text::required(POSTGRES_PASSWORD);

    let mut postgres = Service::builder()
        .name(POSTGRES)
        .source(Image::parse("postgres:15")?)
        .container_name("inctra_pgsql_prod".parse()?)
        .ports(vec![PortMapping::new(15432, 5432)?.on(LOOPBACK)])
        .mounts(vec![
            Mount::volume(POSTGRES_DATA, "/var/lib/postgresql/data")?,
            Mount::bind(
                "./base_schema.sql",
                "/docker-entrypoint-initdb.d/base_schema.sql",
            )?
            .read_only(),
        ])
        .healthcheck(
            Healthcheck::builder()
                .test(HealthTest::Shell(
                    Text::lit("pg_isready -U ")
                        .then_text(user())
                        .then(" -d ")
                        .then_text(db()),
                ))
                .interval(Duration::from_secs(10))
                .timeout(Duration::from_secs(5))
                .retries(5)
                .start_period(Duration::from_secs(10))
                .build(),
        )
        .restart(Restart::UnlessStopped)
        .build();
    postgres.set_env(POSTGRES_DB, db());
    postgres.set_env(POSTGRES_USER, user());
    postgres.set_env(POSTGRES_PASSWORD, password());

    let database_url = Text::lit("postgresql://")
        .then_text(user())
        .then(":")
        .then_text(password())
        .then(format!("@{POSTGRES}:5432/"))
        .then_text(db());
    let mut backend = Service::builder()
        .name(BACKEND)
        .source(
            Build::builder()
                .context("..")
                .dockerfile("Dockerfile.backend")
                .build(),
        )
        .container_name("inctra_backend_prod".parse()?)
        .command(Command::exec([
            "uvicorn", "main:app", "--host", "0.0.0.0", "--port", "8000",
        ]))
        .ports(vec![PortMapping::new(8000, 8000)?.on(LOOPBACK)])
        .mounts(vec![Mount::bind("./logs", "/app/app/logs")?])
        .depends_on(vec![DependsOn::healthy(POSTGRES)])
        .restart(Restart::UnlessStopped)
        .build();
    backend.set_env(POSTGRES_DB, db());
    backend.set_env(POSTGRES_USER, user());
    backend.set_env(POSTGRES_PASSWORD, password());
    backend.set_env(EnvKey::from_static("POSTGRES_HOST"), POSTGRES.as_str());
    backend.set_env(EnvKey::from_static("POSTGRES_PORT"), "5432");
    backend.set_env(EnvKey::from_static("DATABASE_URL"), database_url);
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
        backend.set_env(key.clone(), Text::var_or(key, default));
    }
    let jwt = EnvKey::from_static("JWT_SECRET");
    backend.set_env(jwt.clone(), Text::required(jwt));

    let frontend = Service::builder()
        .name(FRONTEND)
        .source(
            Build::builder()
                .context("..")
                .dockerfile("Dockerfile.frontend")
                .build(),
        )
        .container_name("inctra_frontend_prod".parse()?)
        .ports(vec![PortMapping::new(8080, 80)?.on(LOOPBACK)])
        .depends_on(vec![DependsOn::started(BACKEND)])
        .restart(Restart::UnlessStopped)
        .build();

    Ok(Stack::builder()
        .name(ProjectName::from_static("inctra"))
        .services(vec![postgres, backend, frontend])
        .volumes(vec![Volume::new(POSTGRES_DATA)])
        .build())
}

#[allow(dead_code)]
fn main() -> std::process::ExitCode {
    use stackdef_examples::cli::{Output, run};
    run(
        "inctra",
        stack,
        &[("prod-docker-compose.yml", Output::Compose)],
    )
}
