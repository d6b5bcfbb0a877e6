//! A downstream crate: depends on `stackdef` alone, builds its stack from the recipes, and
//! extends one of them (a newer PostgreSQL and an extra setting) — all through `stack!`.

use stackdef::recipes::{celery, postgres, rabbitmq};
use stackdef::{EnvKey, EnvSpec, EnvType, Error, Image, Restart, Stack, Text};

/// The reporting service's stack.
pub fn stack() -> Result<Stack, Error> {
    stackdef::stack! {
        name: reports,
        env: {
            PGUSER => postgres::user_spec("reports")?,
            PGPASSWORD => postgres::password_spec()?,
            PGDATABASE => postgres::db_spec("reports")?,
            MQ_USER => rabbitmq::user_spec("reports")?,
            MQ_PASSWORD => rabbitmq::password_spec()?,
            WORKERS => EnvSpec::new("Workers", "Report renderers per container")?.kind(EnvType::Int).default("4"),
        },
        volumes: [pgdata, mqdata],
        services: {
            db {
                // the recipe, extended: a newer image and one more setting
                source: postgres::image("17-alpine")?,
                cap_add: postgres::capabilities(),
                hardening: by_tag(),
                deploy: limits(),
                environment: extended_postgres_env(&PGUSER, &PGPASSWORD, &PGDATABASE),
                healthcheck: postgres::healthcheck(&PGUSER, &PGDATABASE),
                volumes: [pgdata => postgres::DATA_DIR],
                expose: [postgres::PORT],
                restart: Restart::UnlessStopped,
            },
            broker {
                source: rabbitmq::image("3.13")?,
                cap_add: rabbitmq::capabilities(),
                hardening: by_tag(),
                deploy: limits(),
                environment: rabbitmq::env(&MQ_USER, &MQ_PASSWORD),
                healthcheck: rabbitmq::healthcheck(),
                volumes: [mqdata => rabbitmq::DATA_DIR],
                expose: [rabbitmq::PORT],
                restart: Restart::UnlessStopped,
            },
            renderer {
                source: Image::parse("ghcr.io/example/reports:2.3.1")?,
                hardening: by_tag(),
                deploy: limits(),
                command: celery::command("reports", Some("render")),
                healthcheck: celery::healthcheck("reports"),
                env: [
                    DATABASE_URL = postgres::url(&db, &PGUSER, &PGPASSWORD, &PGDATABASE),
                    BROKER_URL = rabbitmq::url(&broker, &MQ_USER, &MQ_PASSWORD),
                    WORKERS,
                ],
                depends_on: [db: healthy, broker: healthy],
                restart: Restart::UnlessStopped,
            },
        },
    }
}

/// Images named by tag: no digest is recorded for them yet.
fn by_tag() -> stackdef::Hardening {
    stackdef::Hardening::default().opt_out(
        stackdef::OptOut::UnpinnedImage,
        "no registry digest is recorded for this tag yet",
    )
}

/// Half a CPU and 512 MiB for each container.
fn limits() -> stackdef::Deploy {
    stackdef::Deploy::limited(stackdef::Cpus::millis(500), stackdef::ByteSize::mib(512))
}

/// The PostgreSQL recipe's environment plus checksums on new clusters.
fn extended_postgres_env(
    user: &stackdef::EnvVar,
    password: &stackdef::EnvVar,
    db: &stackdef::EnvVar,
) -> Vec<(EnvKey, Text)> {
    let mut env = postgres::env(user, password, db);
    env.push((
        EnvKey::from_static("POSTGRES_INITDB_ARGS"),
        Text::lit("--data-checksums"),
    ));
    env
}

#[cfg(test)]
mod tests {
    #[test]
    fn stack_builds_validates_and_emits() {
        let stack = super::stack().expect("the stack builds");
        assert_eq!(stackdef::validate(&stack).map(|_| ()), Ok(()));
        assert!(stackdef::check::warnings(&stack).is_empty());
        let yaml =
            stackdef::emit::compose::to_yaml(&stackdef::validate(&stack).unwrap()).expect("emits");
        assert!(yaml.contains("image: postgres:17-alpine"));
        assert!(yaml.contains("- POSTGRES_INITDB_ARGS=--data-checksums"));
        assert!(yaml.contains("- BROKER_URL=amqp://${MQ_USER:-reports}:${MQ_PASSWORD:?MQ_PASSWORD is required}@broker:5672//"));
    }
}
