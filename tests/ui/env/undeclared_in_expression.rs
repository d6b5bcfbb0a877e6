use stackdef::{EnvSpec, Image, Text};

fn main() {
    let _ = stackdef::stack! {
        name: demo,
        env: {
            DB_HOST => EnvSpec::new("Database", "Host")?.default("db"),
        },
        services: {
            api {
                source: Image::parse("api:1")?,
                env: [DATABASE_URL = Text::lit("postgres://").then_text(DB_HOTS.text())],
            },
        },
    };
}
