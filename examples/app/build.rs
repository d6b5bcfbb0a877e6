//! Writes this application's deploy files from its stack on every build. Files are written
//! only when their content changes, so a second build touches nothing and nothing loops.

use stackdef::recipes::{postgres, redis};
use stackdef::write::{Plan, build_script};
use stackdef::{Build, EnvSpec, Error, Restart, Stack};

fn stack() -> Result<Stack, Error> {
    stackdef::stack! {
        name: notes_app,
        env: {
            DB_USER => postgres::user_spec("notes")?,
            DB_PASSWORD => postgres::password_spec()?,
            DB_NAME => postgres::db_spec("notes")?,
            SESSION_KEY => EnvSpec::new("Web", "Key that signs session cookies")?.secret(32),
        },
        volumes: [pgdata, redisdata],
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
            cache {
                source: redis::image("7.4-alpine")?,
                cap_add: redis::capabilities(),
                command: redis::command(),
                healthcheck: redis::healthcheck(),
                volumes: [redisdata => redis::DATA_DIR],
                restart: Restart::UnlessStopped,
            },
            web {
                source: Build::builder().context("..").build(),
                env: [
                    DATABASE_URL = postgres::url(&db, &DB_USER, &DB_PASSWORD, &DB_NAME),
                    REDIS_URL = redis::url(&cache, 0),
                    SESSION_KEY,
                ],
                ports: [8000 => 8000 on stackdef::LOCALHOST],
                depends_on: [db: healthy, cache: healthy],
                restart: Restart::UnlessStopped,
            },
        },
    }
}

fn main() {
    build_script("deploy", &[], &Plan::default(), stack);
}
