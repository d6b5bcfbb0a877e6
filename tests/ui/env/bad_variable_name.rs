use stackdef::{EnvSpec, Image};

fn main() {
    let _ = stackdef::stack! {
        name: demo,
        env: {
            db_host => EnvSpec::new("Database", "Host")?.default("db"),
        },
        services: {
            api { source: Image::parse("api:1")?, env: [db_host] },
        },
    };
}
