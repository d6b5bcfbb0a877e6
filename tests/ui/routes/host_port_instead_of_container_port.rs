use stackdef::{Image, Proxy};

fn main() {
    let _ = stackdef::stack! {
        name: demo,
        services: {
            backend { source: Image::parse("backend:1")?, ports: [18000 => 8000 on stackdef::LOCALHOST] },
        },
        proxies: [
            Proxy::file("nginx.conf")? => host {
                server "example.com" {
                    "/api/" => backend: 18000,
                },
            },
        ],
    };
}
