//! The ticket-tracking stack: one PostgreSQL with five service databases created at first start,
//! RabbitMQ, five Django services behind gunicorn, two Celery workers, the React frontend, and
//! nginx as a service with TLS and rate limits on the API and auth routes.
//!
//! `cargo run --example ticket_tracking [-- --out DIR] [--check]`

use crate::common::{by_tag, limits};
use std::time::Duration;

use stackdef::recipes::{celery, postgres, rabbitmq, spa};
use stackdef::write::{Bootstrap, BootstrapFile, ComposeFile, EnvTemplate, Plan};
use stackdef::{
    Build, ByteSize, Command, EnvSpec, EnvType, EnvVar, Error, HealthTest, Healthcheck, Image,
    Proxy, Quoted, RateZone, Restart, ServiceName, Stack, Text, ZoneName,
};

/// The databases the init script creates, one per Django service.
const DATABASES: [&str; 5] = [
    "auth_db",
    "ticket_db",
    "workflow_db",
    "messaging_db",
    "notification_db",
];

fn django(app: &str) -> Result<Build, Error> {
    Ok(Build::builder()
        .context(app)
        .dockerfile("Dockerfile.prod")
        .build())
}

fn gunicorn(module: &str) -> Command {
    Command::exec([
        "gunicorn",
        &format!("{module}.wsgi:application"),
        "--bind",
        "0.0.0.0:8000",
        "--workers",
        "3",
    ])
}

/// `GET /health/` from inside the container (the images have Python, not curl).
fn django_health() -> Healthcheck {
    let probe =
        "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/health/', timeout=4)";
    Healthcheck::builder()
        .test(HealthTest::Exec(vec![
            "python".into(),
            "-c".into(),
            probe.into(),
        ]))
        .interval(Duration::from_secs(30))
        .timeout(Duration::from_secs(5))
        .retries(3)
        .start_period(Duration::from_secs(30))
        .build()
}

/// `postgresql://…@postgres:5432/<db>` for one service's own database.
fn db_url(host: &ServiceName, user: &EnvVar, password: &EnvVar, db: &str) -> Text {
    Text::lit("postgresql://")
        .then_text(user.text())
        .then(":")
        .then_text(password.text())
        .then(format!("@{host}:{}/{db}", postgres::PORT))
}

fn edge_settings() -> Result<Proxy, Error> {
    let mut proxy = Proxy::file("nginx.conf")?;
    proxy.rate_limits = vec![
        RateZone {
            name: ZoneName::new("api")?,
            per_second: 10,
            size: ByteSize::mib(10),
        },
        RateZone {
            name: ZoneName::new("auth")?,
            per_second: 5,
            size: ByteSize::mib(10),
        },
    ];
    proxy.client_max_body_size = ByteSize::mib(25);
    Ok(proxy)
}

/// The stack.
pub fn stack() -> Result<Stack, Error> {
    let secret_key =
        |what: &str| -> Result<EnvSpec, Error> { Ok(EnvSpec::new("Django", what)?.secret(50)) };
    let stack = stackdef::stack! {
        name: ticket_tracking,
        env: {
            POSTGRES_USER => postgres::user_spec("tickets")?,
            POSTGRES_PASSWORD => postgres::password_spec()?,
            POSTGRES_DB => postgres::db_spec("postgres")?,
            RABBITMQ_USER => rabbitmq::user_spec("tickets")?,
            RABBITMQ_PASSWORD => rabbitmq::password_spec()?,
            DJANGO_SECRET_KEY => secret_key("Key Django signs sessions and tokens with")?,
            DJANGO_DEBUG => EnvSpec::new("Django", "Debug pages (never in production)")?.kind(EnvType::Bool).default("false"),
            ALLOWED_HOSTS => EnvSpec::new("Django", "Host names the services answer to")?.default("tickets.example.com"),
            EMAIL_HOST => EnvSpec::new("Email", "SMTP server")?.default("smtp.example.com"),
            EMAIL_HOST_PASSWORD => EnvSpec::new("Email", "SMTP password")?.secret(12),
        },
        networks: [backend],
        volumes: [postgres_data, rabbitmq_data, media_files],
        services: {
            postgres {
                source: postgres::image("15-alpine")?,
                cap_add: postgres::capabilities(),
                hardening: by_tag(),
                deploy: limits(1000, 1024),
                internal: true,
                environment: postgres::env(&POSTGRES_USER, &POSTGRES_PASSWORD, &POSTGRES_DB),
                expose: [postgres::PORT],
                volumes: [
                    postgres_data => postgres::DATA_DIR,
                    "./init-databases.sh" => "/docker-entrypoint-initdb.d/init-databases.sh" ro,
                ],
                networks: [backend],
                healthcheck: postgres::healthcheck(&POSTGRES_USER, &POSTGRES_DB),
                restart: Restart::UnlessStopped,
            },
            rabbitmq {
                source: rabbitmq::image("3.13")?,
                cap_add: rabbitmq::capabilities(),
                hardening: by_tag(),
                deploy: limits(1000, 512),
                internal: true,
                environment: rabbitmq::env(&RABBITMQ_USER, &RABBITMQ_PASSWORD),
                expose: [rabbitmq::PORT],
                volumes: [rabbitmq_data => rabbitmq::DATA_DIR],
                networks: [backend],
                healthcheck: rabbitmq::healthcheck(),
                restart: Restart::UnlessStopped,
            },
            auth {
                source: django("auth")?,
                command: gunicorn("auth"),
                env: [DATABASE_URL = db_url(&postgres, &POSTGRES_USER, &POSTGRES_PASSWORD, "auth_db"), DJANGO_SECRET_KEY, DJANGO_DEBUG, ALLOWED_HOSTS],
                expose: [8000], networks: [backend], healthcheck: django_health(),
                depends_on: [postgres: healthy], deploy: limits(500, 512), restart: Restart::UnlessStopped,
            },
            ticket {
                source: django("ticket_service")?,
                command: gunicorn("ticket_service"),
                env: [DATABASE_URL = db_url(&postgres, &POSTGRES_USER, &POSTGRES_PASSWORD, "ticket_db"), DJANGO_SECRET_KEY, DJANGO_DEBUG, ALLOWED_HOSTS,
                      BROKER_URL = rabbitmq::url(&rabbitmq, &RABBITMQ_USER, &RABBITMQ_PASSWORD)],
                expose: [8000], networks: [backend], healthcheck: django_health(),
                volumes: [media_files => "/app/media"],
                depends_on: [postgres: healthy, rabbitmq: healthy], deploy: limits(500, 512), restart: Restart::UnlessStopped,
            },
            workflow {
                source: django("workflow_api")?,
                command: gunicorn("workflow_api"),
                env: [DATABASE_URL = db_url(&postgres, &POSTGRES_USER, &POSTGRES_PASSWORD, "workflow_db"), DJANGO_SECRET_KEY, DJANGO_DEBUG, ALLOWED_HOSTS,
                      BROKER_URL = rabbitmq::url(&rabbitmq, &RABBITMQ_USER, &RABBITMQ_PASSWORD)],
                expose: [8000], networks: [backend], healthcheck: django_health(),
                depends_on: [postgres: healthy, rabbitmq: healthy], deploy: limits(500, 512), restart: Restart::UnlessStopped,
            },
            messaging {
                source: django("messaging")?,
                command: gunicorn("messaging"),
                env: [DATABASE_URL = db_url(&postgres, &POSTGRES_USER, &POSTGRES_PASSWORD, "messaging_db"), DJANGO_SECRET_KEY, DJANGO_DEBUG, ALLOWED_HOSTS,
                      BROKER_URL = rabbitmq::url(&rabbitmq, &RABBITMQ_USER, &RABBITMQ_PASSWORD)],
                expose: [8000], networks: [backend], healthcheck: django_health(),
                depends_on: [postgres: healthy, rabbitmq: healthy], deploy: limits(500, 512), restart: Restart::UnlessStopped,
            },
            notification {
                source: django("notification_service")?,
                command: gunicorn("notification_service"),
                env: [DATABASE_URL = db_url(&postgres, &POSTGRES_USER, &POSTGRES_PASSWORD, "notification_db"), DJANGO_SECRET_KEY, DJANGO_DEBUG, ALLOWED_HOSTS,
                      BROKER_URL = rabbitmq::url(&rabbitmq, &RABBITMQ_USER, &RABBITMQ_PASSWORD), EMAIL_HOST, EMAIL_HOST_PASSWORD],
                expose: [8000], networks: [backend], healthcheck: django_health(),
                depends_on: [postgres: healthy, rabbitmq: healthy], deploy: limits(500, 512), restart: Restart::UnlessStopped,
            },
            workflow_worker {
                source: django("workflow_api")?,
                command: celery::command("workflow_api", Some("workflow")),
                env: [DATABASE_URL = db_url(&postgres, &POSTGRES_USER, &POSTGRES_PASSWORD, "workflow_db"), DJANGO_SECRET_KEY,
                      BROKER_URL = rabbitmq::url(&rabbitmq, &RABBITMQ_USER, &RABBITMQ_PASSWORD)],
                networks: [backend], healthcheck: celery::healthcheck("workflow_api"),
                depends_on: [rabbitmq: healthy, workflow: healthy], deploy: limits(500, 512), restart: Restart::UnlessStopped,
            },
            notification_worker {
                source: django("notification_service")?,
                command: celery::command("notification_service", Some("notifications")),
                env: [DATABASE_URL = db_url(&postgres, &POSTGRES_USER, &POSTGRES_PASSWORD, "notification_db"), DJANGO_SECRET_KEY,
                      BROKER_URL = rabbitmq::url(&rabbitmq, &RABBITMQ_USER, &RABBITMQ_PASSWORD), EMAIL_HOST, EMAIL_HOST_PASSWORD],
                networks: [backend], healthcheck: celery::healthcheck("notification_service"),
                depends_on: [rabbitmq: healthy, notification: healthy], deploy: limits(500, 512), restart: Restart::UnlessStopped,
            },
            frontend {
                source: Build::builder().context("frontend").dockerfile("Dockerfile.prod").build(),
                cap_add: spa::capabilities(),
                deploy: limits(500, 128),
                volumes: ["./nginx-frontend.conf" => spa::CONF_FILE ro],
                expose: [spa::PORT], networks: [backend], healthcheck: spa::healthcheck(),
                restart: Restart::UnlessStopped,
            },
            nginx {
                source: Image::parse("nginx:1.27-alpine")?,
                hardening: by_tag().opt_out(
                    stackdef::OptOut::AllInterfaces,
                    "the edge proxy serves the public on ports 80 and 443",
                ),
                deploy: limits(500, 128),
                networks: [backend],
                depends_on: [frontend: healthy, auth: healthy, ticket: healthy],
                restart: Restart::UnlessStopped,
            },
        },
        proxies: [
            edge_settings()? => service nginx {
                server "tickets.example.com" tls {
                    csp: Quoted::new("default-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'; connect-src 'self' wss://tickets.example.com")?,
                    = "/health" => respond(200, "ok"),
                    "/api/auth/" => auth: 8000 limit(ZoneName::new("auth")?, 10),
                    "/api/tickets/" => ticket: 8000 limit(ZoneName::new("api")?, 20) body(ByteSize::mib(25)),
                    "/api/workflows/" => workflow: 8000 limit(ZoneName::new("api")?, 20),
                    "/api/messages/" => messaging: 8000 limit(ZoneName::new("api")?, 20),
                    "/ws/" => messaging: 8000 websocket,
                    "/api/notifications/" => notification: 8000 limit(ZoneName::new("api")?, 20),
                    "/" => frontend: spa::PORT,
                },
            },
            Proxy::file("nginx-frontend.conf")? => frontend frontend {
                server _ {
                    "/" => spa(spa::ROOT, "/assets/"),
                },
            },
        ],
    }?;
    // what each named volume claims on a cluster (compose does not use it)
    crate::common::sized(
        stack,
        &[
            ("postgres_data", ByteSize::gib(20)),
            ("rabbitmq_data", ByteSize::gib(5)),
            ("media_files", ByteSize::gib(20)),
        ],
    )
}

/// The files, with the init script that creates the five databases.
pub fn variants() -> Result<Vec<crate::cli::Variant>, Error> {
    let plan = Plan {
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
        extra: vec![postgres::init_databases("init-databases.sh", &DATABASES)?],
    };
    // the base carries the init script the database mounts
    let mut options = stackdef::emit::kubernetes::KubeOptions::new(
        "registry.example.com/ticket-tracking",
        "1.0.0",
    );
    options.files = plan.extra.clone();
    Ok(vec![crate::cli::Variant {
        name: "ticket-tracking",
        stack,
        plan,
        kubernetes: Some(crate::cli::Kubernetes {
            dir: "kubernetes",
            options,
        }),
    }])
}

/// What `cargo run --example ticket_tracking` runs: writes (or checks) the deploy files.
pub fn main() -> std::process::ExitCode {
    match variants() {
        Ok(v) => crate::cli::run("deploy/ticket-tracking", &v),
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::from(2)
        }
    }
}
