use stackdef::Image;

fn main() {
    let _ = stackdef::stack! {
        name: demo,
        volumes: [postgres_data],
        services: {
            postgres {
                source: Image::parse("postgres:15")?,
                volumes: [postgres_dat => "/var/lib/postgresql/data"],
            },
        },
    };
}
