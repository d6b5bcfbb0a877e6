use stackdef::{Image, Proxy};

fn main() {
    let _ = stackdef::stack! {
        name: demo,
        services: {
            backend { source: Image::parse("backend:1")?, expose: [8000] },
        },
        proxies: [
            Proxy::file("nginx.conf")? => service backend {
                server "example.com" {
                    "/api/" => backendd: 8000,
                },
            },
        ],
    };
}
