use stackdef::{Image, Proxy};

fn main() {
    let _ = stackdef::stack! {
        name: demo,
        services: {
            backend { source: Image::parse("backend:1")?, expose: [8000] },
        },
        proxies: [
            Proxy::file("nginx.conf")? => host {
                server "example.com" {
                    "/api/" => backend: 8000,
                },
            },
        ],
    };
}
