use stackdef::{Image, Proxy};

fn main() {
    let _ = stackdef::stack! {
        name: demo,
        services: {
            web { source: Image::parse("nginx:1.27")?, ports: [443 => 443] },
        },
        proxies: [
            Proxy::file("nginx.conf")? => host {
                server "example.com" tls {
                    "/" => web: 443,
                },
            },
        ],
    };
}
