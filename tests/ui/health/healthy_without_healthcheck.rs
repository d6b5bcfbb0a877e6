use stackdef::Image;

fn main() {
    let _ = stackdef::stack! {
        name: demo,
        services: {
            postgres { source: Image::parse("postgres:15")? },
            backend { source: Image::parse("backend:1")?, depends_on: [postgres: healthy] },
        },
    };
}
