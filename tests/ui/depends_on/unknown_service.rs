use stackdef::{HealthTest, Healthcheck, Image};

fn main() {
    let _ = stackdef::stack! {
        name: demo,
        services: {
            postgres {
                source: Image::parse("postgres:15")?,
                healthcheck: Healthcheck::builder().test(HealthTest::Disabled).build(),
            },
            backend {
                source: Image::parse("backend:1")?,
                depends_on: [postgress: healthy],
            },
        },
    };
}
