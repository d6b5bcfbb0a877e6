use stackdef::{Image, Proxy};

fn main() {
    let _ = stackdef::stack! {
        name: demo,
        services: {
            web { source: Image::parse("nginx:1.27")? },
        },
        proxies: [
            Proxy::file("nginx.conf")? => service web {
                server "example.com" {
                    = "/health" => respond(200, "ok"),
                    "/health" => respond(204, ""),
                },
            },
        ],
    };
}
