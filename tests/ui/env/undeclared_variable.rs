use stackdef::{EnvSpec, Image};

fn main() {
    let _ = stackdef::stack! {
        name: demo,
        env: {
            POSTGRES_USER => EnvSpec::new("Database", "User")?.default("postgres"),
        },
        services: {
            api { source: Image::parse("api:1")?, env: [POSTGRES_USR] },
        },
    };
}
