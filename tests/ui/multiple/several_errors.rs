use stackdef::Image;

fn main() {
    let _ = stackdef::stack! {
        name: demo,
        services: {
            db { source: Image::parse("postgres:15")?, ports: [5432 => 5432] },
            api {
                source: Image::parse("api:1")?,
                ports: [5432 => 8000],
                depends_on: [dbb, db: healthy],
                volumes: [data => "/data"],
            },
        },
    };
}
