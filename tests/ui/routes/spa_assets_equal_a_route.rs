use stackdef::{Image, Proxy};

fn main() {
    let _ = stackdef::stack! {
        name: demo,
        services: {
            api { source: Image::parse("api:1")?, expose: [8000] },
            web { source: Image::parse("nginx:1.27")? },
        },
        proxies: [
            Proxy::file("nginx.conf")? => service web {
                server "example.com" {
                    "/api/" => api: 8000,
                    "/" => spa("/usr/share/nginx/html", "/api/"),
                },
            },
        ],
    };
}
