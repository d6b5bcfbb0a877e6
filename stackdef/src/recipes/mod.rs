//! Building blocks for common services, with working healthchecks and the variables other
//! services need to reach them. Each recipe is a set of functions to use inside `stack!` (or
//! with the plain API): the image, the healthcheck, the data directory, the environment the
//! image reads, and a URL built from the same variables and the service's own name — so the
//! credentials a client uses are the ones the server was created with.
//!
//! ```
//! use stackdef::recipes::postgres;
//! let stack = stackdef::stack! {
//!     name: demo,
//!     env: {
//!         DB_USER => postgres::user_spec("app")?,
//!         DB_PASSWORD => postgres::password_spec()?,
//!         DB_NAME => postgres::db_spec("app")?,
//!     },
//!     volumes: [pgdata],
//!     services: {
//!         db {
//!             source: postgres::image("16")?,
//!             cap_add: postgres::capabilities(),
//!             healthcheck: postgres::healthcheck(&DB_USER, &DB_NAME),
//!             environment: postgres::env(&DB_USER, &DB_PASSWORD, &DB_NAME),
//!             volumes: [pgdata => postgres::DATA_DIR],
//!             expose: [postgres::PORT],
//!         },
//!         api {
//!             source: stackdef::Image::parse("api:1")?,
//!             env: [DATABASE_URL = postgres::url(&db, &DB_USER, &DB_PASSWORD, &DB_NAME)],
//!             depends_on: [db: healthy],
//!         },
//!     },
//! }?;
//! let url = &stack.service("api").unwrap().environment[0].1;
//! assert_eq!(url.to_string(), "postgresql://${DB_USER:-app}:${DB_PASSWORD:?DB_PASSWORD is required}@db:5432/${DB_NAME:-app}");
//! # Ok::<(), stackdef::Error>(())
//! ```

// wiring a proxy service into the stack (certbot, its volumes, the proxy's mounts and ports)
pub(crate) mod wire;

use std::time::Duration;

use crate::error::Result;
use crate::model::name::{EnvKey, ServiceName};
use crate::model::{Command, EnvSpec, EnvVar, HealthTest, Healthcheck, Image, Text};

fn check(test: HealthTest, interval: u64, timeout: u64, retries: u32, start: u64) -> Healthcheck {
    Healthcheck::builder()
        .test(test)
        .interval(Duration::from_secs(interval))
        .timeout(Duration::from_secs(timeout))
        .retries(retries)
        .start_period(Duration::from_secs(start))
        .build()
}

fn exec(args: &[&str]) -> HealthTest {
    HealthTest::Exec(args.iter().map(|a| Text::lit(*a)).collect())
}

/// `scheme://user:password@host:port/path` from declared variables and a service name.
fn url(
    scheme: &str,
    host: &ServiceName,
    port: u16,
    user: &EnvVar,
    password: &EnvVar,
    path: Text,
) -> Text {
    Text::lit(format!("{scheme}://"))
        .then_text(user.text())
        .then(":")
        .then_text(password.text())
        .then(format!("@{host}:{port}/"))
        .then_text(path)
}

/// Capability names as a service's `cap_add` holds them.
fn owned(caps: &[&str]) -> Vec<String> {
    caps.iter().map(|c| (*c).to_owned()).collect()
}

pub use crate::official::capabilities as official_capabilities;

/// PostgreSQL (the official image).
pub mod postgres {
    use super::*;

    /// Where the image keeps its data: mount a named volume here.
    pub const DATA_DIR: &str = "/var/lib/postgresql/data";
    /// Scripts run once, on the first start with an empty data directory.
    pub const INIT_DIR: &str = "/docker-entrypoint-initdb.d";
    /// The port it listens on.
    pub const PORT: u16 = 5432;
    /// The capabilities the image needs with all others dropped: its entrypoint owns the
    /// data directory to the `postgres` user (`CHOWN`, `FOWNER`, `DAC_OVERRIDE`) and switches
    /// to that user (`SETUID`, `SETGID`).
    pub const CAPABILITIES: &[&str] = crate::official::POSTGRES;

    /// [`CAPABILITIES`] for a service's `cap_add`.
    pub fn capabilities() -> Vec<String> {
        owned(CAPABILITIES)
    }

    /// `postgres:<version>`.
    pub fn image(version: &str) -> Result<Image> {
        Image::parse(&format!("postgres:{version}"))
    }

    /// The user variable (with a default user name).
    pub fn user_spec(default: &str) -> Result<EnvSpec> {
        Ok(EnvSpec::new("Database", "PostgreSQL user the services connect as")?.default(default))
    }

    /// The password variable: a secret of at least 16 characters.
    pub fn password_spec() -> Result<EnvSpec> {
        Ok(EnvSpec::new("Database", "Password of the PostgreSQL user")?.secret(16))
    }

    /// The database-name variable.
    pub fn db_spec(default: &str) -> Result<EnvSpec> {
        Ok(EnvSpec::new("Database", "Name of the application database")?.default(default))
    }

    /// The environment the image is created with.
    pub fn env(user: &EnvVar, password: &EnvVar, db: &EnvVar) -> Vec<(EnvKey, Text)> {
        vec![
            (EnvKey::from_static("POSTGRES_USER"), user.text()),
            (EnvKey::from_static("POSTGRES_PASSWORD"), password.text()),
            (EnvKey::from_static("POSTGRES_DB"), db.text()),
        ]
    }

    /// `pg_isready` for the user and database.
    pub fn healthcheck(user: &EnvVar, db: &EnvVar) -> Healthcheck {
        let cmd = Text::lit("pg_isready -U ")
            .then_text(user.text())
            .then(" -d ")
            .then_text(db.text());
        check(HealthTest::Shell(cmd), 10, 5, 5, 10)
    }

    /// `postgresql://user:password@<service>:5432/db`.
    pub fn url(host: &ServiceName, user: &EnvVar, password: &EnvVar, db: &EnvVar) -> Text {
        url_as("postgresql", host, user, password, db)
    }

    /// The same URL with another scheme, e.g. `postgresql+asyncpg` for SQLAlchemy's asyncpg.
    pub fn url_as(
        scheme: &str,
        host: &ServiceName,
        user: &EnvVar,
        password: &EnvVar,
        db: &EnvVar,
    ) -> Text {
        super::url(scheme, host, PORT, user, password, db.text())
    }

    /// A script for [`INIT_DIR`] that creates more databases owned by the user (names are
    /// lower-case letters, digits and `_`). Returns the file to write beside the compose file.
    pub fn init_databases(file: &str, names: &[&str]) -> Result<crate::write::File> {
        for n in names {
            let ok = n.bytes().next().is_some_and(|b| b.is_ascii_lowercase())
                && n.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
            if !ok {
                return Err(crate::Error::invalid(
                    "database name",
                    n,
                    "must be lower-case letters, digits and `_`, starting with a letter",
                ));
            }
        }
        let mut script = format!(
            "{} (init script). Creates the service databases on the first start.\nset -eu\n",
            crate::GENERATED_MARKER
        );
        for n in names {
            script.push_str(&format!(
                "psql -v ON_ERROR_STOP=1 --username \"$POSTGRES_USER\" --dbname \"$POSTGRES_DB\" -c 'CREATE DATABASE {n} OWNER \"'\"$POSTGRES_USER\"'\"'\n"
            ));
        }
        Ok(crate::write::File {
            name: file.to_owned(),
            content: script,
        })
    }
}

/// Redis.
pub mod redis {
    use super::*;

    /// Where the image keeps its data.
    pub const DATA_DIR: &str = "/data";
    /// The port it listens on.
    pub const PORT: u16 = 6379;
    /// The capabilities the image needs with all others dropped: its entrypoint owns `/data`
    /// to the `redis` user and switches to it.
    pub const CAPABILITIES: &[&str] = crate::official::REDIS;

    /// [`CAPABILITIES`] for a service's `cap_add`.
    pub fn capabilities() -> Vec<String> {
        owned(CAPABILITIES)
    }

    /// `redis:<version>`.
    pub fn image(version: &str) -> Result<Image> {
        Image::parse(&format!("redis:{version}"))
    }

    /// `redis-cli ping`.
    pub fn healthcheck() -> Healthcheck {
        check(exec(&["redis-cli", "ping"]), 10, 5, 3, 5)
    }

    /// Append-only persistence.
    pub fn command() -> Command {
        Command::exec(["redis-server", "--appendonly", "yes"])
    }

    /// `redis://<service>:6379/<db>`.
    pub fn url(host: &ServiceName, db: u8) -> Text {
        Text::lit(format!("redis://{host}:{PORT}/{db}"))
    }
}

/// RabbitMQ (the official image with the management plugin).
pub mod rabbitmq {
    use super::*;

    /// Where the image keeps its data.
    pub const DATA_DIR: &str = "/var/lib/rabbitmq";
    /// The AMQP port.
    pub const PORT: u16 = 5672;
    /// The capabilities the image needs with all others dropped: its entrypoint owns the data
    /// directory and the Erlang cookie to the `rabbitmq` user (`CHOWN`, `FOWNER`,
    /// `DAC_OVERRIDE`) and switches to it.
    pub const CAPABILITIES: &[&str] = crate::official::RABBITMQ;

    /// [`CAPABILITIES`] for a service's `cap_add`.
    pub fn capabilities() -> Vec<String> {
        owned(CAPABILITIES)
    }

    /// `rabbitmq:<version>-management-alpine`.
    pub fn image(version: &str) -> Result<Image> {
        Image::parse(&format!("rabbitmq:{version}-management-alpine"))
    }

    /// The user variable.
    pub fn user_spec(default: &str) -> Result<EnvSpec> {
        Ok(
            EnvSpec::new("Message broker", "RabbitMQ user the services connect as")?
                .default(default),
        )
    }

    /// The password variable: a secret of at least 16 characters.
    pub fn password_spec() -> Result<EnvSpec> {
        Ok(EnvSpec::new("Message broker", "Password of the RabbitMQ user")?.secret(16))
    }

    /// The environment the image is created with.
    pub fn env(user: &EnvVar, password: &EnvVar) -> Vec<(EnvKey, Text)> {
        vec![
            (EnvKey::from_static("RABBITMQ_DEFAULT_USER"), user.text()),
            (
                EnvKey::from_static("RABBITMQ_DEFAULT_PASS"),
                password.text(),
            ),
        ]
    }

    /// `rabbitmq-diagnostics -q ping`.
    pub fn healthcheck() -> Healthcheck {
        check(exec(&["rabbitmq-diagnostics", "-q", "ping"]), 30, 10, 5, 30)
    }

    /// `amqp://user:password@<service>:5672//`.
    pub fn url(host: &ServiceName, user: &EnvVar, password: &EnvVar) -> Text {
        super::url("amqp", host, PORT, user, password, Text::lit("/"))
    }
}

/// A Celery worker of a Python app.
pub mod celery {
    use super::*;

    /// `celery -A <app> worker -l info [-Q <queue>]`.
    pub fn command(app: &str, queue: Option<&str>) -> Command {
        let mut args: Vec<Text> = ["celery", "-A", app, "worker", "-l", "info"]
            .iter()
            .map(|a| Text::lit(*a))
            .collect();
        if let Some(q) = queue {
            args.push("-Q".into());
            args.push(q.into());
        }
        Command::Exec(args)
    }

    /// `celery inspect ping` against this worker's own node.
    pub fn healthcheck(app: &str) -> Healthcheck {
        // `$HOSTNAME` is the container's, expanded by the healthcheck's shell
        let cmd = Text::lit(format!("celery -A {app} inspect ping -d celery@$HOSTNAME"));
        check(HealthTest::Shell(cmd), 30, 10, 3, 30)
    }
}

/// An nginx container serving a built single-page app (its server file comes from a
/// `=> frontend <service>` proxy of the stack).
pub mod spa {
    use super::*;

    /// The port it listens on.
    pub const PORT: u16 = 80;
    /// Where the image reads server files from.
    pub const CONF_FILE: &str = "/etc/nginx/conf.d/default.conf";
    /// Where the built app goes.
    pub const ROOT: &str = "/usr/share/nginx/html";
    /// The capabilities an nginx image needs with all others dropped: the master process
    /// binds port 80 (`NET_BIND_SERVICE`), owns its temporary directories to the worker user
    /// (`CHOWN`) and starts the workers as that user (`SETUID`, `SETGID`).
    pub const CAPABILITIES: &[&str] = crate::official::NGINX;

    /// [`CAPABILITIES`] for a service's `cap_add`.
    pub fn capabilities() -> Vec<String> {
        owned(CAPABILITIES)
    }

    /// `nginx:<version>-alpine`.
    pub fn image(version: &str) -> Result<Image> {
        Image::parse(&format!("nginx:{version}-alpine"))
    }

    /// Fetches `/` from inside the container.
    pub fn healthcheck() -> Healthcheck {
        check(
            exec(&["wget", "-q", "-O", "/dev/null", "http://127.0.0.1/"]),
            30,
            5,
            3,
            10,
        )
    }
}
