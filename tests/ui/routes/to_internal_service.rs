use stackdef::{Image, Proxy};

fn main() {
    let _ = stackdef::stack! {
        name: demo,
        services: {
            postgres { source: Image::parse("postgres:15")?, expose: [5432], internal: true },
            web { source: Image::parse("nginx:1.27")? },
        },
        proxies: [
            Proxy::file("nginx.conf")? => service web {
                server "example.com" {
                    "/db/" => postgres: 5432,
                },
            },
        ],
    };
}
