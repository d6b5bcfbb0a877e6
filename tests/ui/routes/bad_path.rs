use stackdef::{Image, Proxy};

fn main() {
    let _ = stackdef::stack! {
        name: demo,
        services: {
            web { source: Image::parse("nginx:1.27")? },
        },
        proxies: [
            Proxy::file("nginx.conf")? => frontend web {
                server "Example.com" {
                    "/x; return 200 pwned" => respond(200, "ok"),
                },
            },
        ],
    };
}
