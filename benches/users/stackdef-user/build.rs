//! Writes the deploy files: PostgreSQL, an API built from this crate, and a host nginx with TLS.
use stackdef::recipes::postgres;
use stackdef::{Build, EnvSpec, Error, Proxy, Restart, Stack};

fn stack() -> Result<Stack, Error> {
    stackdef::stack! {
        name: notes,
        env: {
            DB_USER => postgres::user_spec("notes")?,
            DB_PASSWORD => postgres::password_spec()?,
            DB_NAME => postgres::db_spec("notes")?,
            SESSION_KEY => EnvSpec::new("Web", "Key that signs session cookies")?.secret(32),
        },
        volumes: [pgdata],
        services: {
            db {
                source: postgres::image("16-alpine")?,
                cap_add: postgres::capabilities(),
                environment: postgres::env(&DB_USER, &DB_PASSWORD, &DB_NAME),
                healthcheck: postgres::healthcheck(&DB_USER, &DB_NAME),
                volumes: [pgdata => postgres::DATA_DIR],
                expose: [postgres::PORT],
                restart: Restart::UnlessStopped,
            },
            web {
                source: Build::builder().context(".").build(),
                env: [
                    DATABASE_URL = postgres::url(&db, &DB_USER, &DB_PASSWORD, &DB_NAME),
                    SESSION_KEY,
                ],
                ports: [8000 => 8000 on stackdef::LOCALHOST],
                depends_on: [db: healthy],
                restart: Restart::UnlessStopped,
            },
        },
        proxies: [
            Proxy::file("nginx.conf")? => host {
                server "notes.example.com" tls {
                    "/" => web: 8000,
                },
            },
        ],
    }
}

fn main() {
    stackdef::write::build_script("deploy", &[], &Default::default(), stack);
}
