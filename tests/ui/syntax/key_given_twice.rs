use stackdef::Image;

fn main() {
    let _ = stackdef::stack! {
        name: demo,
        volumes: [pgdata],
        volumes: [cache],
        services: {
            db { source: Image::parse("postgres:15")? },
        },
    };
}
