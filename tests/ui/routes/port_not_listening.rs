use stackdef::{Image, Proxy};

const API_PORT: u16 = 8000;

fn main() {
    let _ = stackdef::stack! {
        name: demo,
        services: {
            backend { source: Image::parse("backend:1")?, expose: [API_PORT] },
            edge { source: Image::parse("nginx:1.27")? },
        },
        proxies: [
            Proxy::file("nginx.conf")? => service edge {
                server "example.com" {
                    "/api/" => backend: 8080,
                },
            },
        ],
    };
}
