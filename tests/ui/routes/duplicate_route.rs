use stackdef::{Image, Proxy};

fn main() {
    let _ = stackdef::stack! {
        name: demo,
        services: {
            backend { source: Image::parse("backend:1")?, expose: [8000] },
            web { source: Image::parse("nginx:1.27")? },
        },
        proxies: [
            Proxy::file("nginx.conf")? => service web {
                server "example.com" {
                    "/api/" => backend: 8000,
                    "/api/" => backend: 8000 websocket,
                },
            },
        ],
    };
}
