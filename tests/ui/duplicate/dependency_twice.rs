use stackdef::{HealthTest, Healthcheck, Image};

fn main() {
    let _ = stackdef::stack! {
        name: demo,
        services: {
            db {
                source: Image::parse("postgres:15")?,
                healthcheck: Healthcheck::builder().test(HealthTest::Exec(vec!["true".into()])).build(),
            },
            api { source: Image::parse("api:1")?, depends_on: [db, db: healthy] },
        },
    };
}
